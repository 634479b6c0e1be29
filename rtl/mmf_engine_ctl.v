`default_nettype none
// mmf_engine_ctl: the control every engine shares: which stream is open (activations or weights),
// the word index within a row, the row accumulator and the result register, and the pipeline
// advance that back-pressure from the result side holds.
//
// Sequence: LOAD accepts an activation vector (its loader writes the buffer); WAIT lets the last
// buffer write land; RUN accepts weight words, ceil(K/LANES) per row, and returns to LOAD after the
// word marked last. One result leaves per row; the word marked last ends the final row even if short.
//
// Parameters:
//   LG_D   log2 of the activation buffer depth in words
//   SW     width of the datapath's signed per-word sum
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
	output reg  [31:0]       o_res_data,
	output reg               o_res_last
);
	localparam [1:0] S_LOAD = 2'd0, S_WAIT = 2'd1, S_RUN = 2'd2;

	reg [1:0]      r_state;
	reg [LG_D:0]   r_words;
	reg [LG_D-1:0] r_widx;
	reg [31:0]     r_acc;

	wire w_ce = !o_res_valid || i_res_ready;
	wire w_act_beat = i_act_valid && o_act_ready;
	wire w_w_beat = i_w_valid && o_w_ready;
	wire w_row_end = i_w_last || ({1'b0, r_widx} == r_words - 1'b1);
	wire [31:0] w_acc_next = r_acc + {{(32-SW){i_sum[SW-1]}}, i_sum};

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
			r_words <= 0;
		end else begin
			case (r_state)
			S_LOAD: if (w_act_beat && i_act_last)
					r_state <= S_WAIT;
			S_WAIT: if (i_load_done) begin
					r_state <= S_RUN;
					r_words <= i_load_words;
				end
			S_RUN: if (w_w_beat && i_w_last)
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
			r_acc <= 0;
			o_res_valid <= 1'b0;
			o_res_last <= 1'b0;
		end else if (w_ce) begin
			o_res_valid <= i_sum_tag[2] && i_sum_tag[1];
			if (i_sum_tag[2])
				r_acc <= i_sum_tag[1] ? 32'd0 : w_acc_next;
			if (i_sum_tag[2] && i_sum_tag[1]) begin
				o_res_data <= w_acc_next;
				o_res_last <= i_sum_tag[0];
			end
		end
	end

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
		assert(!(o_act_ready && o_w_ready));
		assert(r_state != 2'd3);
	end
`endif
endmodule
