`default_nettype none
// mmf_bench_top: one engine fed from the SPRAM weight memory: a host write port fills the memory,
// a command streams a run of words through mmf_wstream into the engine. This is what
// `make bench-engines` simulates for the steady-state rate and places and routes for size and
// Fmax, and what the largest-matrix test runs through.
//
// Parameters:
//   ENGINE     0 tac, 1 sac, 2 lut (MMF_ENGINE_* in hls_c/mmf_hls.h)
//   FMT        tac's format (TAC_FMT_2B or TAC_FMT_5T); ignored by sac and lut
//   LANES      the engine's LANES
//   LG_ACT     the engine's LG_ACT
//
// Reset: control state of the stream reader and the engine.
module mmf_bench_top #(
	parameter ENGINE = 0,
	parameter FMT = 1,
	parameter LANES = 40,
	parameter LG_ACT = 8
) (
	input  wire          i_clk,
	input  wire          i_reset,
	// weight memory write (only while no stream runs)
	input  wire          i_mem_we,
	input  wire [13:0]   i_mem_addr,
	input  wire [63:0]   i_mem_wdata,
	// command: stream words [base, base + count) as the weights of one matrix
	input  wire          i_cmd_valid,
	output wire          o_cmd_ready,
	input  wire [13:0]   i_cmd_base,
	input  wire [14:0]   i_cmd_count,
	// activation stream
	input  wire          i_act_valid,
	output wire          o_act_ready,
	input  wire [7:0]    i_act_data,
	input  wire          i_act_last,
	// results
	output wire          o_res_valid,
	input  wire          i_res_ready,
	output wire [31:0]   o_res_data,
	output wire          o_res_last,
	// observation: a weight word moved into the engine this cycle
	output wire          o_w_beat
);
	wire [13:0]  w_rd_addr;
	wire         w_rd_en;
	wire [63:0]  w_rdata, w_w_data;
	wire         w_w_valid, w_w_ready, w_w_last;

	mmf_wmem u_wmem (.i_clk(i_clk), .i_addr(i_mem_we ? i_mem_addr : w_rd_addr), .i_we(i_mem_we),
		.i_wdata(i_mem_wdata), .o_rdata(w_rdata));

	mmf_wstream #(.LG_N(14)) u_stream (.i_clk(i_clk), .i_reset(i_reset),
		.i_cmd_valid(i_cmd_valid), .o_cmd_ready(o_cmd_ready), .i_cmd_base(i_cmd_base),
		.i_cmd_count(i_cmd_count),
		.o_mem_addr(w_rd_addr), .o_mem_re(w_rd_en), .i_mem_rdata(w_rdata),
		.o_valid(w_w_valid), .i_ready(w_w_ready), .o_data(w_w_data), .o_last(w_w_last));

	assign o_w_beat = w_w_valid && w_w_ready;

	generate
		if (ENGINE == 0) begin : gen_tac
			tac #(.FMT(FMT), .LANES(LANES), .LG_ACT(LG_ACT)) u_engine (
				.i_clk(i_clk), .i_reset(i_reset),
				.i_act_valid(i_act_valid), .o_act_ready(o_act_ready), .i_act_data(i_act_data),
				.i_act_last(i_act_last),
				.i_w_valid(w_w_valid), .o_w_ready(w_w_ready), .i_w_data(w_w_data), .i_w_last(w_w_last), .i_w_keep(1'b0),
				.o_res_valid(o_res_valid), .i_res_ready(i_res_ready), .o_res_data(o_res_data),
				.o_res_last(o_res_last));
		end else if (ENGINE == 1) begin : gen_sac
			sac #(.LANES(LANES), .LG_ACT(LG_ACT)) u_engine (
				.i_clk(i_clk), .i_reset(i_reset),
				.i_act_valid(i_act_valid), .o_act_ready(o_act_ready), .i_act_data(i_act_data),
				.i_act_last(i_act_last),
				.i_w_valid(w_w_valid), .o_w_ready(w_w_ready), .i_w_data(w_w_data), .i_w_last(w_w_last), .i_w_keep(1'b0),
				.o_res_valid(o_res_valid), .i_res_ready(i_res_ready), .o_res_data(o_res_data),
				.o_res_last(o_res_last));
		end else begin : gen_lut
			lut #(.LANES(LANES), .LG_ACT(LG_ACT)) u_engine (
				.i_clk(i_clk), .i_reset(i_reset),
				.i_act_valid(i_act_valid), .o_act_ready(o_act_ready), .i_act_data(i_act_data),
				.i_act_last(i_act_last),
				.i_w_valid(w_w_valid), .o_w_ready(w_w_ready), .i_w_data(w_w_data), .i_w_last(w_w_last), .i_w_keep(1'b0),
				.o_res_valid(o_res_valid), .i_res_ready(i_res_ready), .o_res_data(o_res_data),
				.o_res_last(o_res_last));
		end
	endgenerate

	// w_rd_en is implied by the address mux: a read happens every cycle without a write
	wire w_unused = w_rd_en;
endmodule
