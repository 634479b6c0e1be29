`default_nettype none
// mmf_bench_shell: puts mmf_bench_top on the few pins of a UP5K sg48 for place and route only: wide
// inputs come from a shift register fed by one pin, the result is folded to parity, so nothing is
// optimised away and the pins fit. Not a usable board design (that is the SoC's job).
//
// Parameters: as mmf_bench_top.
//
// Reset: passed to mmf_bench_top; the shift register holds data only.
module mmf_bench_shell #(
	parameter ENGINE = 0,
	parameter FMT = 1,
	parameter LANES = 40,
	parameter LG_ACT = 8
) (
	input  wire          i_clk,
	input  wire          i_reset,
	// serial load and strobes
	input  wire          i_ser,
	input  wire          i_mem_we,
	input  wire          i_cmd_valid,
	input  wire          i_act_valid,
	input  wire          i_res_ready,
	// status
	output wire          o_cmd_ready,
	output wire          o_act_ready,
	output reg           o_res_valid,
	output reg           o_res_parity,
	output reg           o_res_last
);
	localparam SW = 64 + 14 + 15 + 9;
	reg [SW-1:0] r_shift;
	reg          r_mem_we, r_cmd_valid, r_act_valid, r_res_ready;

	// drives: the input shift register and the registered strobes (pin delays stay out of the
	// engine's paths, as they would behind the SoC's own registers)
	always @(posedge i_clk) begin
		r_shift <= {r_shift[SW-2:0], i_ser};
		r_mem_we <= i_mem_we;
		r_cmd_valid <= i_cmd_valid;
		r_act_valid <= i_act_valid;
		r_res_ready <= i_res_ready;
	end

	wire         w_res_valid, w_res_last, w_w_beat;
	wire [31:0]  w_res_data;

	mmf_bench_top #(.ENGINE(ENGINE), .FMT(FMT), .LANES(LANES), .LG_ACT(LG_ACT)) u_top (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_mem_we(r_mem_we), .i_mem_addr(r_shift[77:64]), .i_mem_wdata(r_shift[63:0]),
		.i_cmd_valid(r_cmd_valid), .o_cmd_ready(o_cmd_ready), .i_cmd_base(r_shift[77:64]),
		.i_cmd_count(r_shift[92:78]),
		.i_act_valid(r_act_valid), .o_act_ready(o_act_ready), .i_act_data(r_shift[100:93]),
		.i_act_last(r_shift[101]),
		.o_res_valid(w_res_valid), .i_res_ready(r_res_ready), .o_res_data(w_res_data),
		.o_res_last(w_res_last), .o_w_beat(w_w_beat));

	reg r_w_beat;

	// drives: registered outputs (every result bit reaches a pin through the parity; the weight
	// beat is registered first, so the shell adds no path of its own behind the engine's ready)
	always @(posedge i_clk) begin
		r_w_beat <= w_w_beat;
		o_res_valid <= w_res_valid;
		o_res_parity <= ^w_res_data ^ r_w_beat;
		o_res_last <= w_res_last;
	end
endmodule
