`default_nettype none
// mmf_act_loader: writes an int8 activation stream into mmf_act_buf, LANES per word, one lane per
// cycle through the buffer's lane enables; after the last activation it writes zeros into the rest
// of the word (the padding every row's last weight word meets), then reports the word count.
//
// Parameters:
//   LANES   activations per word
//   LG_D    log2 of the activation buffer depth; the host and the C model keep K <= LANES << LG_D
//
// Reset: lane, word and fill state.
module mmf_act_loader #(
	parameter LANES = 40,
	parameter LG_D = 8
) (
	input  wire                  i_clk,
	input  wire                  i_reset,
	// stream in: a beat moves when i_en && i_valid && o_ready
	input  wire                  i_en,
	input  wire                  i_valid,
	output wire                  o_ready,
	input  wire [7:0]            i_data,
	input  wire                  i_last,
	// buffer write, registered
	output reg  [LANES-1:0]      o_we,
	output reg  [LG_D-1:0]       o_waddr,
	output reg  [7:0]            o_wdata,
	// done: high in the cycle of the vector's final write, with the word count
	output reg                   o_done,
	output reg  [LG_D:0]         o_words
);
	reg [LANES-1:0]  r_lane;     // one-hot: the lane the next byte goes to
	reg [LG_D-1:0]   r_word;
	reg              r_fill;     // writing the zero padding of the final word

	/* verilator lint_off UNUSEDSIGNAL */
	wire [LANES:0] w_rot = {r_lane, r_lane[LANES-1]};   // rotate left by one, any LANES >= 1
	/* verilator lint_on UNUSEDSIGNAL */
	wire w_beat = i_en && i_valid && !r_fill;
	wire w_write = w_beat || r_fill;
	wire w_word_end = r_lane[LANES-1];
	// the vector ends with this write: the last beat in the last lane, or the last padding lane
	wire w_end = (w_beat && i_last && w_word_end) || (r_fill && w_word_end);

	assign o_ready = !r_fill;

	// drives: lane, word and fill state
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_lane <= {{(LANES-1){1'b0}}, 1'b1};
			r_word <= 0;
			r_fill <= 1'b0;
		end else if (w_write) begin
			r_lane <= w_rot[LANES-1:0];
			if (w_end)
				r_word <= 0;
			else if (w_word_end)
				r_word <= r_word + 1'b1;
			if (w_end)
				r_fill <= 1'b0;
			else if (w_beat && i_last)
				r_fill <= 1'b1;
		end
	end

	// drives: the buffer write
	always @(posedge i_clk) begin
		o_we <= (!i_reset && w_write) ? r_lane : {LANES{1'b0}};
		o_waddr <= r_word;
		o_wdata <= r_fill ? 8'd0 : i_data;
	end

	// drives: completion and word count
	always @(posedge i_clk) begin
		o_done <= !i_reset && w_end;
		o_words <= {1'b0, r_word} + 1'b1;
	end
endmodule
