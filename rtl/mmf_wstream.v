`default_nettype none
// mmf_wstream: streams a run of weight memory words (base, count) as a valid/ready stream with
// last on the final word, one word per cycle when the consumer is ready. The memory's one-cycle
// read latency is absorbed by a four-entry FIFO: a read is issued only when its word is sure to have
// room, counting only registered state, so the consumer's ready never reaches the memory address
// in the same cycle (that path limited Fmax).
//
// Parameters:
//   LG_N   log2 of the memory depth in words
//
// Reset: command state, FIFO occupancy and the in-flight flag.
module mmf_wstream #(
	parameter LG_N = 14
) (
	input  wire              i_clk,
	input  wire              i_reset,
	// command: stream words [i_cmd_base, i_cmd_base + i_cmd_count), count >= 1
	input  wire              i_cmd_valid,
	output wire              o_cmd_ready,
	input  wire [LG_N-1:0]   i_cmd_base,
	input  wire [LG_N:0]     i_cmd_count,
	// memory read port
	output wire [LG_N-1:0]   o_mem_addr,
	output wire              o_mem_re,
	input  wire [63:0]       i_mem_rdata,
	// word stream
	output wire              o_valid,
	input  wire              i_ready,
	output wire [63:0]       o_data,
	output wire              o_last
);
	reg [LG_N-1:0]  r_addr;
	reg [LG_N:0]    r_left;          // words still to read
	reg             r_more;          // r_left != 0, kept as a flag (a wide compare limited Fmax)
	reg             r_inflight;      // a read was issued last cycle
	reg             r_inflight_last;
	reg [2:0]       r_count;         // FIFO occupancy, 0..4
	reg [1:0]       r_wr, r_rd;      // FIFO write and read pointers
	reg [64:0]      r_fifo [0:3];    // {last, data}

	wire w_pop = o_valid && i_ready;
	wire w_issue = r_more && !(r_count == 3'd4 || (r_count == 3'd3 && r_inflight));
	wire [64:0] w_head = r_fifo[r_rd];

	assign o_cmd_ready = !r_more && !r_inflight && (r_count == 0);
	assign o_mem_addr = r_addr;
	assign o_mem_re = w_issue;
	assign o_valid = (r_count != 0);
	assign o_data = w_head[63:0];
	assign o_last = w_head[64];

	// drives: read address, words left, in-flight flag
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_left <= 0;
			r_more <= 1'b0;
			r_inflight <= 1'b0;
			r_inflight_last <= 1'b0;
		end else begin
			r_inflight <= w_issue;
			r_inflight_last <= w_issue && (r_left == 1);
			if (i_cmd_valid && o_cmd_ready) begin
				r_addr <= i_cmd_base;
				r_left <= i_cmd_count;
				r_more <= (i_cmd_count != 0);
			end else if (w_issue) begin
				r_addr <= r_addr + 1'b1;
				r_left <= r_left - 1'b1;
				r_more <= (r_left != 1);
			end
		end
	end

	// drives: the FIFO storage (the landing word)
	always @(posedge i_clk)
		if (r_inflight)
			r_fifo[r_wr] <= {r_inflight_last, i_mem_rdata};

	// drives: FIFO pointers and occupancy
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_wr <= 0;
			r_rd <= 0;
			r_count <= 0;
		end else begin
			if (r_inflight)
				r_wr <= r_wr + 1'b1;
			if (w_pop)
				r_rd <= r_rd + 1'b1;
			r_count <= r_count + {2'b0, r_inflight} - {2'b0, w_pop};
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
		if (f_past_valid && !$past(i_reset) && $past(o_valid && !i_ready)) begin
			assert(o_valid);
			assert(o_data == $past(o_data));
			assert(o_last == $past(o_last));
		end
		if (f_past_valid) begin
			assert(r_count <= 4);
			assert(r_more == (r_left != 0));
			assert(r_wr == r_rd + r_count[1:0]);
			assert(!(r_inflight && r_count == 4));
		end
	end
`endif
endmodule
