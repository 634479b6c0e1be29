`default_nettype none
// lut: table-lookup matrix-vector engine (T-MAC / bitnet.cpp TL2 style), y[r] = sum_k w[r][k] x[k]
// with ternary w. Twin of hls_c/lut.c. Weights come in triples, one 5-bit code per triple (bit 4 the
// sign, bits 3:0 an index into a 16-entry table of the three activations' signed sums); a row word
// costs one table read, one conditional negate and one add per group. No multiplier anywhere.
//
// Streams (valid/ready, a beat moves when both are high):
//   activations  int8 per beat, last on the K-th; lut_builder turns each triple into a table and
//                stalls the stream while it writes one (16 cycles per group)
//   weights      one 64-bit word per beat, row-major, ceil(K/LANES) words per row, last on the final;
//                group g's code at bits 5g+4:5g, bits above 5 GROUPS ignored
//   results      one int32 per row, last on the final row; the next vector may load meanwhile
//
// Parameters:
//   LANES      weights per word, a multiple of 3, up to 36 (GROUPS = LANES/3 tables per word)
//   LG_ACT     log2 of the activation words; K <= LANES << LG_ACT (LUT_LG_ACT in hls_c/lut.h)
//   REG_EVERY  adder levels between pipeline registers
//
// Reset: control state only (see mmf_engine_ctl, lut_builder); data registers are not reset.
module lut #(
	parameter LANES = 36,
	parameter LG_ACT = 5,
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
	input  wire [63:0]   i_w_data,
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

	localparam GROUPS = LANES / LUT_GROUP;
	localparam EW = LUT_ENTRY_BITS;         // a table entry: |T| <= 3 * 128
	localparam LG_E = $clog2(LUT_ENTRIES);  // entry index bits
	localparam LG_T = LG_ACT + LG_E;        // a bank's address: {word, entry}
	localparam LG_P = (GROUPS < 2) ? 1 : $clog2(GROUPS);
	localparam WL = EW + 1;                 // a group term: -T or T
	localparam SW = WL + LG_P;

	wire                  w_ce, w_act_en, w_load_ready, w_load_done;
	wire [GROUPS-1:0]     w_tab_we;
	wire [LG_T-1:0]       w_tab_waddr;
	wire [EW-1:0]         w_tab_wdata;
	wire [LG_ACT-1:0]     w_widx;
	wire [LG_ACT:0]       w_load_words;
	wire [2:0]            w_tag, w_sum_tag;
	wire [SW-1:0]         w_sum;
	wire [GROUPS*EW-1:0]  w_tab;
	wire [GROUPS-1:0]     w_sign;

	// activations: stream -> tables
	lut_builder #(.GROUPS(GROUPS), .LG_ACT(LG_ACT), .EW(EW)) u_build (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_en(w_act_en), .i_valid(i_act_valid), .i_data(i_act_data), .i_last(i_act_last),
		.o_ready(w_load_ready),
		.o_we(w_tab_we), .o_waddr(w_tab_waddr), .o_wdata(w_tab_wdata),
		.o_done(w_load_done), .o_words(w_load_words));

	// tables: one bank per group, read at {word index, the code's 4-bit index}
	genvar gg;
	generate
		for (gg = 0; gg < GROUPS; gg = gg + 1) begin : gen_bank
			mmf_act_buf #(.LANES(1), .EW(EW), .LG_D(LG_T)) u_bank (
				.i_clk(i_clk),
				.i_we(w_tab_we[gg]), .i_waddr(w_tab_waddr), .i_wdata(w_tab_wdata),
				.i_re(w_ce), .i_raddr({w_widx, i_w_data[gg*LUT_CODE_BITS +: LG_E]}),
				.o_rdata(w_tab[gg*EW +: EW]));
			assign w_sign[gg] = i_w_data[gg*LUT_CODE_BITS + LG_E];
		end
	endgenerate

	// bits of the word above the last group carry nothing
	wire w_unused = &{1'b0, i_w_data[MMF_WORD_BITS-1:GROUPS*LUT_CODE_BITS]};

	reg [GROUPS-1:0] r_sign;
	// drives: the sign bits, registered alongside the table reads
	always @(posedge i_clk)
		if (w_ce)
			r_sign <= w_sign;

	reg [2:0] r_tag;
	// drives: the tag beside the table stage
	always @(posedge i_clk)
		if (i_reset)
			r_tag <= 3'b0;
		else if (w_ce)
			r_tag <= w_tag;

	// groups: the entry or its mirror
	wire [GROUPS*WL-1:0] w_terms;
	generate
		for (gg = 0; gg < GROUPS; gg = gg + 1) begin : gen_group
			wire [WL-1:0] w_t = {w_tab[gg*EW+EW-1], w_tab[gg*EW +: EW]};
			assign w_terms[gg*WL +: WL] = r_sign[gg] ? -w_t : w_t;
		end
	endgenerate

	mmf_adder_tree #(.N(GROUPS), .WL(WL), .TW(3), .REG_EVERY(REG_EVERY), .OPT_REG_IN(1)) u_tree (
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
