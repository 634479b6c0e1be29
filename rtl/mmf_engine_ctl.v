`default_nettype none
// mmf_engine_ctl: the control every engine shares: which stream is open (activations or weights),
// the word index within a row, the row accumulator and the result register, and the pipeline
// advance that back-pressure from the result side holds.
//
// Sequence: LOAD accepts an activation vector (its loader writes the buffer); WAIT lets the last
// buffer write land; RUN accepts weight words, ceil(K/LANES) per row, and after the word marked last
// returns to LOAD, or stays in RUN for another matrix against the same vector when keep comes with
// that word. One result leaves per row; the word marked last ends the final row even if short.
//
// Parameters:
//   LG_D   log2 of the activation buffer depth in words
//   SW     width of the datapath's signed per-word sum
//
// The row accumulator is split in two 16-bit halves with the low half's carry registered, so no
// 32-bit carry chain sits in one cycle; the result register keeps that form and o_res_data adds the
// last carry in (a 16-bit add on the output side).
//
// Reset: FSM state, word index, accumulator and result valid. Result data is not reset.
module mmf_engine_ctl #(
	parameter LG_D = 8,
	parameter SW = 16
) (
	input  wire              i_clk,
	input  wire              i_reset,
	// activation stream handshake (the loader takes the data)
	input  wire              i_act_valid,
	output wire              o_act_ready,
	input  wire              i_act_last,
	output wire              o_act_en,      // loader may take a beat this cycle
	input  wire              i_load_ready,  // loader can take a beat (a table builder may be busy)
	// from the loader
	input  wire              i_load_done,   // high in (or after) the cycle of the last buffer write
	input  wire [LG_D:0]     i_load_words,
	// weight stream handshake (the datapath takes the data)
	input  wire              i_w_valid,
	output wire              o_w_ready,
	input  wire              i_w_last,
	input  wire              i_w_keep,      // with last: stay loaded (RUN) for another matrix
	// to the datapath
	output wire              o_ce,          // pipeline advance
	output wire [LG_D-1:0]   o_widx,        // activation word this weight word meets
	output wire [2:0]        o_tag,         // {valid, row end, last} of the word entering
	// from the datapath, the same tag after its latency
	input  wire [SW-1:0]     i_sum,
	input  wire [2:0]        i_sum_tag,
	// results
	output reg               o_res_valid,
	input  wire              i_res_ready,
	output wire [31:0]       o_res_data,
	output reg               o_res_last
);
	localparam [1:0] S_LOAD = 2'd0, S_WAIT = 2'd1, S_RUN = 2'd2;

	reg [1:0]      r_state;
	reg [LG_D:0]   r_wlast;        // index of a row's last word: loaded words - 1
	reg [LG_D-1:0] r_widx;
	reg [15:0]     r_lo, r_hi;     // accumulator = {r_hi, r_lo} + (r_c << 16)
	reg            r_c;
	reg [15:0]     r_res_lo, r_res_hi;
	reg            r_res_c;

	wire w_ce = !o_res_valid || i_res_ready;
	wire w_act_beat = i_act_valid && o_act_ready;
	wire w_w_beat = i_w_valid && o_w_ready;
	wire w_row_end = i_w_last || ({1'b0, r_widx} == r_wlast);
	wire [31:0] w_sum32 = {{(32-SW){i_sum[SW-1]}}, i_sum};
	wire [16:0] w_lo = {1'b0, r_lo} + {1'b0, w_sum32[15:0]};
	wire [15:0] w_hi = r_hi + w_sum32[31:16] + {15'd0, r_c};

	assign o_act_ready = (r_state == S_LOAD) && i_load_ready;
	assign o_act_en = o_act_ready;
	assign o_w_ready = (r_state == S_RUN) && w_ce;
	assign o_ce = w_ce;
	assign o_widx = r_widx;
	assign o_tag = {w_w_beat, w_row_end, i_w_last};

	// drives: FSM state and the word count of the loaded vector
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_state <= S_LOAD;
			r_wlast <= 0;
		end else begin
			case (r_state)
			S_LOAD: if (w_act_beat && i_act_last)
					r_state <= S_WAIT;
			S_WAIT: if (i_load_done) begin
					r_state <= S_RUN;
					r_wlast <= i_load_words - 1'b1;
				end
			S_RUN: if (w_w_beat && i_w_last && !i_w_keep)
					r_state <= S_LOAD;
			default: r_state <= S_LOAD;
			endcase
		end
	end

	// drives: word index within the row
	always @(posedge i_clk) begin
		if (i_reset)
			r_widx <= 0;
		else if (w_w_beat)
			r_widx <= w_row_end ? {LG_D{1'b0}} : r_widx + 1'b1;
	end

	// drives: row accumulator and the result register
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_lo <= 16'd0;
			r_hi <= 16'd0;
			r_c <= 1'b0;
			o_res_valid <= 1'b0;
			o_res_last <= 1'b0;
		end else if (w_ce) begin
			o_res_valid <= i_sum_tag[2] && i_sum_tag[1];
			if (i_sum_tag[2]) begin
				r_lo <= i_sum_tag[1] ? 16'd0 : w_lo[15:0];
				r_hi <= i_sum_tag[1] ? 16'd0 : w_hi;
				r_c <= i_sum_tag[1] ? 1'b0 : w_lo[16];
			end
			if (i_sum_tag[2] && i_sum_tag[1]) begin
				r_res_lo <= w_lo[15:0];
				r_res_hi <= w_hi;
				r_res_c <= w_lo[16];
				o_res_last <= i_sum_tag[0];
			end
		end
	end

	assign o_res_data = {r_res_hi + {15'd0, r_res_c}, r_res_lo};

`ifdef FORMAL
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;

	always @(*)
		if (!f_past_valid)
			assume(i_reset);

	always @(posedge i_clk) begin
		if (f_past_valid && !$past(i_reset)) begin
			// a result offered and not taken stays offered, unchanged
			if ($past(o_res_valid && !i_res_ready)) begin
				assert(o_res_valid);
				assert(o_res_data == $past(o_res_data));
				assert(o_res_last == $past(o_res_last));
			end
		end
		// at most one input stream is open at a time
		if (f_past_valid) begin
			assert(!(o_act_ready && o_w_ready));
			assert(r_state != 2'd3);
		end
	end
`endif
endmodule
