`default_nettype none
// sac: shift-add matrix-vector engine, y[r] = 2^6 * sum_k w[r][k] x[k] with power-of-two weights
// w = +-2^-p (p = 0..6) or 0. Twin of hls_c/sac.c. Each lane shifts x left by 6 - p and negates it
// on the sign bit; an adder tree sums the lanes; no multiplier. The 2^6 scale keeps every bit of
// every product, so the result is exact.
//
// Streams: as rtl/tac.v (activations int8, one 64-bit weight word per beat, one int32 per row).
//
// Parameters:
//   LANES      weights per word, at most 16 (4-bit codes: bit 3 sign, bits 2:0 p, p = 7 is zero)
//   LG_ACT     log2 of the activation buffer depth in words; K <= LANES << LG_ACT
//   REG_EVERY  adder levels between pipeline registers
//
// Reset: control state only (see mmf_engine_ctl, mmf_act_loader); data registers are not reset.
module sac #(
	parameter LANES = 16,
	parameter LG_ACT = 8,
	parameter REG_EVERY = 2
) (
	input  wire          i_clk,
	input  wire          i_reset,
	// activation stream
	input  wire          i_act_valid,
	output wire          o_act_ready,
	input  wire [7:0]    i_act_data,
	input  wire          i_act_last,
	// weight stream
	input  wire          i_w_valid,
	output wire          o_w_ready,
	/* verilator lint_off UNUSEDSIGNAL */
	input  wire [63:0]   i_w_data,     // a word holds LANES codes; bits above them are ignored
	/* verilator lint_on UNUSEDSIGNAL */
	input  wire          i_w_last,
	input  wire          i_w_keep,     // with last: keep this vector loaded for another matrix
	// results
	output wire          o_res_valid,
	input  wire          i_res_ready,
	output wire [31:0]   o_res_data,
	output wire          o_res_last
);
/* verilator lint_off UNUSEDPARAM */
`include "mmf_consts.vh"
/* verilator lint_on UNUSEDPARAM */

	localparam LG_P = (LANES < 2) ? 1 : $clog2(LANES);
	localparam WL = 15;                 // a lane term: -(128 << 6)..(128 << 6)
	localparam SW = WL + LG_P;

	wire                  w_ce, w_act_en, w_load_ready, w_load_done;
	wire [LANES-1:0]      w_load_we;
	wire [LG_ACT-1:0]     w_load_waddr, w_widx;
	wire [7:0]            w_load_wdata;
	wire [LANES*8-1:0]    w_act;
	wire [LG_ACT:0]       w_load_words;
	wire [2:0]            w_tag, w_sum_tag;
	wire [SW-1:0]         w_sum;

	// activations: stream -> words -> buffer
	mmf_act_loader #(.LANES(LANES), .LG_D(LG_ACT)) u_load (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_en(w_act_en), .i_valid(i_act_valid), .o_ready(w_load_ready), .i_data(i_act_data),
		.i_last(i_act_last),
		.o_we(w_load_we), .o_waddr(w_load_waddr), .o_wdata(w_load_wdata),
		.o_done(w_load_done), .o_words(w_load_words));

	mmf_act_buf #(.LANES(LANES), .EW(8), .LG_D(LG_ACT)) u_buf (
		.i_clk(i_clk),
		.i_we(w_load_we), .i_waddr(w_load_waddr), .i_wdata(w_load_wdata),
		.i_re(w_ce), .i_raddr(w_widx), .o_rdata(w_act));

	// codes, registered beside the buffer read
	reg [4*LANES-1:0] r_codes;
	// drives: the codes, straight from the word
	always @(posedge i_clk)
		if (w_ce)
			r_codes <= i_w_data[4*LANES-1:0];

	reg [2:0] r_tag;
	// drives: the tag beside the decode stage
	always @(posedge i_clk)
		if (i_reset)
			r_tag <= 3'b0;
		else if (w_ce)
			r_tag <= w_tag;

	// lanes, stage 1: x shifted left by 6 - p (zero for the zero code), registered with the sign
	reg [LANES*WL-1:0] r_mag;
	reg [LANES-1:0]    r_neg;
	reg [2:0]          r_tag_c;
	genvar gl;
	generate
		for (gl = 0; gl < LANES; gl = gl + 1) begin : gen_lane
			// x << (6 - p) written as (x << 6) >>> p: exact (the low six bits are zero), and no
			// subtraction of p ends up in the path
			wire signed [WL-1:0] w_a6 = {{(WL-8-SAC_FRAC){w_act[gl*8+7]}}, w_act[gl*8 +: 8], {SAC_FRAC{1'b0}}};
			wire [2:0]    w_p = r_codes[gl*4 +: 3];
			wire signed [WL-1:0] w_sh = w_a6 >>> w_p;   // alone: a ?: with unsigned arms would make it logical
			// drives: this lane's shifted activation and sign
			always @(posedge i_clk)
				if (w_ce) begin
					r_mag[gl*WL +: WL] <= (w_p == SAC_EXP_ZERO) ? {WL{1'b0}} : w_sh;
					r_neg[gl] <= r_codes[gl*4+3];
				end
		end
	endgenerate

	// drives: the tag beside lane stage 1
	always @(posedge i_clk)
		if (i_reset)
			r_tag_c <= 3'b0;
		else if (w_ce)
			r_tag_c <= r_tag;

	// lanes, stage 2: negate on the sign (into the tree's input registers)
	wire [LANES*WL-1:0] w_terms;
	generate
		for (gl = 0; gl < LANES; gl = gl + 1) begin : gen_term
			assign w_terms[gl*WL +: WL] = r_neg[gl] ? -r_mag[gl*WL +: WL] : r_mag[gl*WL +: WL];
		end
	endgenerate

	mmf_adder_tree #(.N(LANES), .WL(WL), .TW(3), .REG_EVERY(REG_EVERY), .OPT_REG_IN(1)) u_tree (
		.i_clk(i_clk), .i_reset(i_reset), .i_ce(w_ce), .i_data(w_terms), .i_tag(r_tag_c),
		.o_sum(w_sum), .o_tag(w_sum_tag));

	mmf_engine_ctl #(.LG_D(LG_ACT), .SW(SW)) u_ctl (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_act_valid(i_act_valid), .o_act_ready(o_act_ready), .i_act_last(i_act_last),
		.o_act_en(w_act_en), .i_load_ready(w_load_ready),
		.i_load_done(w_load_done), .i_load_words(w_load_words),
		.i_w_valid(i_w_valid), .o_w_ready(o_w_ready), .i_w_last(i_w_last), .i_w_keep(i_w_keep),
		.o_ce(w_ce), .o_widx(w_widx), .o_tag(w_tag),
		.i_sum(w_sum), .i_sum_tag(w_sum_tag),
		.o_res_valid(o_res_valid), .i_res_ready(i_res_ready),
		.o_res_data(o_res_data), .o_res_last(o_res_last));
endmodule
