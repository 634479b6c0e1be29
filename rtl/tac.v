`default_nettype none
// tac: ternary-accumulate matrix-vector engine, y[r] = sum_k w[r][k] x[k] with w in {-1,0,+1}.
// Twin of hls_c/tac.c. Each lane selects +x, -x or 0 by its 2-bit code; an adder tree sums the
// lanes; no multiplier anywhere.
//
// Streams (valid/ready, a beat moves when both are high):
//   activations  int8 per beat, last on the K-th; the vector is packed LANES per buffer word
//   weights      one 64-bit word per beat, row-major, ceil(K/LANES) words per row, last on the final
//                (keep with it: the vector stays loaded for the next matrix)
//   results      one int32 per row, last on the final row; the next vector may load meanwhile
//
// Parameters:
//   FMT        weight format: TAC_FMT_2B (2-bit codes) or TAC_FMT_5T (5 trits per byte, ROM decode)
//   LANES      weights per word: up to 32 for 2B, up to 40 and a multiple of 5 for 5T
//   LG_ACT     log2 of the activation buffer depth in words; K <= LANES << LG_ACT
//   REG_EVERY  adder levels between pipeline registers
//
// Reset: control state only (see mmf_engine_ctl, mmf_act_loader); data registers are not reset.
module tac #(
	parameter FMT = 1,
	parameter LANES = 40,
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
	localparam WL = 9;                  // a lane term: -128..128
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

	// decode: 2-bit codes for every lane, registered alongside the buffer read
	wire [2*LANES-1:0] w_codes;
	genvar gl;
	generate
		if (FMT == TAC_FMT_5T) begin : gen_5t
			for (gl = 0; gl < LANES / TAC_TRITS_PER_BYTE; gl = gl + 1) begin : gen_rom
				tac5_rom u_rom (.i_clk(i_clk), .i_re(w_ce), .i_byte(i_w_data[gl*8 +: 8]),
					.o_codes(w_codes[gl*10 +: 10]));
			end
		end else begin : gen_2b
			reg [2*LANES-1:0] r_codes;
			// drives: the codes, straight from the word
			always @(posedge i_clk)
				if (w_ce)
					r_codes <= i_w_data[2*LANES-1:0];
			assign w_codes = r_codes;
		end
	endgenerate

	reg [2:0] r_tag;
	// drives: the tag beside the decode stage
	always @(posedge i_clk)
		if (i_reset)
			r_tag <= 3'b0;
		else if (w_ce)
			r_tag <= w_tag;

	// lanes: select +x, -x or 0
	wire [LANES*WL-1:0] w_terms;
	generate
		for (gl = 0; gl < LANES; gl = gl + 1) begin : gen_lane
			wire [WL-1:0] w_a = {w_act[gl*8+7], w_act[gl*8 +: 8]};
			wire [1:0]    w_c = w_codes[gl*2 +: 2];
			assign w_terms[gl*WL +: WL] = (w_c == TAC_CODE_POS) ? w_a :
						      (w_c == TAC_CODE_NEG) ? -w_a : {WL{1'b0}};
		end
	endgenerate

	mmf_adder_tree #(.N(LANES), .WL(WL), .TW(3), .REG_EVERY(REG_EVERY), .OPT_REG_IN(1)) u_tree (
		.i_clk(i_clk), .i_reset(i_reset), .i_ce(w_ce), .i_data(w_terms), .i_tag(r_tag),
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
