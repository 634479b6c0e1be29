`default_nettype none
// mmf_soc_core: the board-independent SoC: bytes from the link PHY -> packet receiver -> command
// controller -> weight memory (SPRAM or block RAM), the three engines and the result buffer -> answers framed
// back onto the link. The board wrapper adds the PHY (UART, SPI or FIFO), clock and pins; driven
// with bytes directly it is the "fast mode" of the virtual board. Twin of hls_c/mmf_dev.c.
//
// Parameters: as mmf_cmd (INFO fields; ENG_TAC, ENG_SAC, ENG_LUT pick the engines a board builds,
// numbered in that order as slots from 0; MEM_WORDS sizes the weight memory: 16384 is the UP5K's
// SPRAM, a smaller size block RAM, see mmf_wmem).
//   OPT_I2C, I2C_HZ   1: the I2C master (mmf_i2c_xfer) and the I2C command, SCL at I2C_HZ
//          (100000 or 400000); 0: neither, the I2C lines released
//
// Reset: every controller and engine; memories are not reset.
module mmf_soc_core #(
	parameter BOARD_ID = 0,
	parameter LINK = 0,
	parameter CLOCK_HZ = 48000000,
	parameter LINK_RATE = 12000000,
	parameter GIT_REV = 0,
	parameter ENG_TAC = 1,
	parameter ENG_SAC = 1,
	parameter ENG_LUT = 1,
	parameter TAC_FMT = 1,
	parameter TAC_LANES = 40,
	parameter TAC_LG = 8,
	parameter SAC_LANES = 16,
	parameter SAC_LG = 8,
	parameter LUT_LANES = 36,
	parameter LUT_LG = 5,
	parameter OPT_I2C = 0,
	parameter I2C_HZ = 400000,
	parameter MEM_WORDS = 16384
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// link bytes in
	input  wire        i_rx_valid,
	input  wire [7:0]  i_rx_data,
	// link bytes out
	output wire        o_tx_valid,
	input  wire        i_tx_ready,
	output wire [7:0]  o_tx_data,
	// I2C, open-drain: an enable high pulls the line low (the board puts these on SB_IO pads)
	input  wire        i_i2c_scl,
	input  wire        i_i2c_sda,
	output wire        o_i2c_scl_oe,
	output wire        o_i2c_sda_oe
);
	// ---- receiver and packet buffer ----
	wire        w_hold, w_pb_we, w_good, w_crc_err, w_hdr_err, w_too_long, w_timeout;
	wire [9:0]  w_pb_waddr, w_pb_raddr;
	wire [7:0]  w_pb_wdata, w_type, w_seq;
	wire [15:0] w_len;
	reg  [7:0]  r_pb [0:1023];
	reg  [7:0]  r_pb_rdata;

	mmf_pkt_rx u_rx (.i_clk(i_clk), .i_reset(i_reset),
		.i_valid(i_rx_valid && !w_hold), .i_data(i_rx_data),
		.o_buf_we(w_pb_we), .o_buf_addr(w_pb_waddr), .o_buf_data(w_pb_wdata),
		.o_good(w_good), .o_crc_err(w_crc_err), .o_hdr_err(w_hdr_err), .o_too_long(w_too_long),
		.o_timeout(w_timeout), .o_type(w_type), .o_seq(w_seq), .o_len(w_len));

	// drives: the packet buffer and its registered read
	always @(posedge i_clk) begin
		if (w_pb_we)
			r_pb[w_pb_waddr] <= w_pb_wdata;
		r_pb_rdata <= r_pb[w_pb_raddr];
	end

	// ---- transmitter ----
	wire        w_tx_start, w_tx_idle, w_pl_valid, w_pl_ready;
	wire [7:0]  w_tx_type, w_tx_seq, w_pl_data;
	wire [15:0] w_tx_len;

	mmf_pkt_tx u_tx (.i_clk(i_clk), .i_reset(i_reset),
		.i_start_valid(w_tx_start), .o_start_ready(w_tx_idle), .i_type(w_tx_type),
		.i_seq(w_tx_seq), .i_len(w_tx_len), .i_pl_valid(w_pl_valid), .o_pl_ready(w_pl_ready),
		.i_pl_data(w_pl_data), .o_valid(o_tx_valid), .i_ready(i_tx_ready), .o_data(o_tx_data));

	// ---- weight memory and its stream reader ----
	wire        w_mem_own, w_mem_we, w_ws_valid, w_ws_ready, w_ws_re;
	wire [13:0] w_mem_addr, w_ws_addr, w_ws_base;
	wire [14:0] w_ws_count;
	wire [63:0] w_mem_wdata, w_mem_rdata, w_w_data;
	wire        w_w_valid, w_w_last;

	mmf_wmem #(.MEM_WORDS(MEM_WORDS)) u_wmem (.i_clk(i_clk), .i_addr(w_mem_own ? w_mem_addr : w_ws_addr),
		.i_we(w_mem_own && w_mem_we), .i_wdata(w_mem_wdata), .o_rdata(w_mem_rdata));

	// ---- engines: the ones built, as slots 0.. in the order tac, sac, lut ----
	localparam [1:0] SLOT_TAC = 2'd0;
	localparam [1:0] SLOT_SAC = ENG_TAC;
	localparam [1:0] SLOT_LUT = ENG_TAC + ENG_SAC;
	wire [1:0]  w_eng;
	// the engine kind (0 tac, 1 sac, 2 lut) in slot w_eng: the per-kind wires below are indexed by it
	wire [1:0]  w_kind = (ENG_TAC != 0 && w_eng == SLOT_TAC) ? 2'd0 :
			     (ENG_SAC != 0 && w_eng == SLOT_SAC) ? 2'd1 : 2'd2;
	wire [2:0]  w_eng_reset, w_act_ready, w_w_ready, w_res_valid, w_res_last;
	wire [95:0] w_res_data;
	wire        w_act_valid, w_act_last;
	wire [7:0]  w_act_data;

	mmf_wstream #(.LG_N(14)) u_stream (.i_clk(i_clk), .i_reset(i_reset),
		.i_cmd_valid(w_ws_valid), .o_cmd_ready(w_ws_ready), .i_cmd_base(w_ws_base),
		.i_cmd_count(w_ws_count), .o_mem_addr(w_ws_addr), .o_mem_re(w_ws_re), .i_mem_rdata(w_mem_rdata),
		.o_valid(w_w_valid), .i_ready(w_w_ready[w_kind]), .o_data(w_w_data), .o_last(w_w_last));

	generate if (ENG_TAC != 0) begin : gen_tac
		tac #(.FMT(TAC_FMT), .LANES(TAC_LANES), .LG_ACT(TAC_LG)) u_tac (
			.i_clk(i_clk), .i_reset(i_reset || w_eng_reset[SLOT_TAC]),
			.i_act_valid(w_act_valid && w_eng == SLOT_TAC), .o_act_ready(w_act_ready[0]),
			.i_act_data(w_act_data), .i_act_last(w_act_last),
			.i_w_valid(w_w_valid && w_eng == SLOT_TAC), .o_w_ready(w_w_ready[0]), .i_w_data(w_w_data),
			.i_w_last(w_w_last), .i_w_keep(1'b1),
			.o_res_valid(w_res_valid[0]), .i_res_ready(1'b1), .o_res_data(w_res_data[31:0]),
			.o_res_last(w_res_last[0]));
	end else begin : gen_no_tac
		assign w_act_ready[0] = 1'b0;
		assign w_w_ready[0] = 1'b0;
		assign w_res_valid[0] = 1'b0;
		assign w_res_last[0] = 1'b0;
		assign w_res_data[0 +: 32] = 32'd0;
	end endgenerate

	generate if (ENG_SAC != 0) begin : gen_sac
		sac #(.LANES(SAC_LANES), .LG_ACT(SAC_LG)) u_sac (
			.i_clk(i_clk), .i_reset(i_reset || w_eng_reset[SLOT_SAC]),
			.i_act_valid(w_act_valid && w_eng == SLOT_SAC), .o_act_ready(w_act_ready[1]),
			.i_act_data(w_act_data), .i_act_last(w_act_last),
			.i_w_valid(w_w_valid && w_eng == SLOT_SAC), .o_w_ready(w_w_ready[1]), .i_w_data(w_w_data),
			.i_w_last(w_w_last), .i_w_keep(1'b1),
			.o_res_valid(w_res_valid[1]), .i_res_ready(1'b1), .o_res_data(w_res_data[63:32]),
			.o_res_last(w_res_last[1]));
	end else begin : gen_no_sac
		assign w_act_ready[1] = 1'b0;
		assign w_w_ready[1] = 1'b0;
		assign w_res_valid[1] = 1'b0;
		assign w_res_last[1] = 1'b0;
		assign w_res_data[32 +: 32] = 32'd0;
	end endgenerate

	generate if (ENG_LUT != 0) begin : gen_lut
		lut #(.LANES(LUT_LANES), .LG_ACT(LUT_LG)) u_lut (
			.i_clk(i_clk), .i_reset(i_reset || w_eng_reset[SLOT_LUT]),
			.i_act_valid(w_act_valid && w_eng == SLOT_LUT), .o_act_ready(w_act_ready[2]),
			.i_act_data(w_act_data), .i_act_last(w_act_last),
			.i_w_valid(w_w_valid && w_eng == SLOT_LUT), .o_w_ready(w_w_ready[2]), .i_w_data(w_w_data),
			.i_w_last(w_w_last), .i_w_keep(1'b1),
			.o_res_valid(w_res_valid[2]), .i_res_ready(1'b1), .o_res_data(w_res_data[95:64]),
			.o_res_last(w_res_last[2]));
	end else begin : gen_no_lut
		assign w_act_ready[2] = 1'b0;
		assign w_w_ready[2] = 1'b0;
		assign w_res_valid[2] = 1'b0;
		assign w_res_last[2] = 1'b0;
		assign w_res_data[64 +: 32] = 32'd0;
	end endgenerate

	// ---- result buffer ----
	wire        w_rb_we;
	wire [7:0]  w_rb_waddr, w_rb_raddr;
	wire [31:0] w_rb_wdata;
	reg  [31:0] r_rb [0:255];
	reg  [31:0] r_rb_rdata;

	// drives: the result buffer and its registered read
	always @(posedge i_clk) begin
		if (w_rb_we)
			r_rb[w_rb_waddr] <= w_rb_wdata;
		r_rb_rdata <= r_rb[w_rb_raddr];
	end

	// ---- the I2C master ----
	wire        w_i2c_start, w_i2c_done;
	wire [6:0]  w_i2c_addr;
	wire [1:0]  w_i2c_nw, w_i2c_result;
	wire [2:0]  w_i2c_nr;
	wire [23:0] w_i2c_wdata;
	wire [31:0] w_i2c_rdata;

	generate if (OPT_I2C != 0) begin : gen_i2c
		mmf_i2c_xfer #(.CLOCK_HZ(CLOCK_HZ), .I2C_HZ(I2C_HZ)) u_i2c (.i_clk(i_clk), .i_reset(i_reset),
			.i_start(w_i2c_start), .i_addr(w_i2c_addr), .i_nw(w_i2c_nw), .i_nr(w_i2c_nr),
			.i_wdata(w_i2c_wdata), .o_done(w_i2c_done), .o_result(w_i2c_result),
			.o_rdata(w_i2c_rdata), .i_scl(i_i2c_scl), .i_sda(i_i2c_sda), .o_scl_oe(o_i2c_scl_oe),
			.o_sda_oe(o_i2c_sda_oe));
	end else begin : gen_no_i2c
		assign w_i2c_done = 1'b0;
		assign w_i2c_result = 2'd0;
		assign w_i2c_rdata = 32'd0;
		assign o_i2c_scl_oe = 1'b0;
		assign o_i2c_sda_oe = 1'b0;
		wire w_unused_i2c = &{1'b0, i_i2c_scl, i_i2c_sda, w_i2c_start, w_i2c_addr, w_i2c_nw, w_i2c_nr,
				      w_i2c_wdata};
	end endgenerate

	// ---- the controller ----
	mmf_cmd #(.BOARD_ID(BOARD_ID), .LINK(LINK), .CLOCK_HZ(CLOCK_HZ), .LINK_RATE(LINK_RATE),
		.GIT_REV(GIT_REV), .ENG_TAC(ENG_TAC), .ENG_SAC(ENG_SAC), .ENG_LUT(ENG_LUT),
		.TAC_FMT(TAC_FMT), .TAC_LANES(TAC_LANES), .TAC_LG(TAC_LG),
		.SAC_LANES(SAC_LANES), .SAC_LG(SAC_LG), .LUT_LANES(LUT_LANES), .LUT_LG(LUT_LG),
		.OPT_I2C(OPT_I2C), .MEM_WORDS(MEM_WORDS)) u_cmd (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_good(w_good), .i_crc_err(w_crc_err), .i_hdr_err(w_hdr_err), .i_too_long(w_too_long),
		.i_type(w_type), .i_seq(w_seq), .i_len(w_len), .o_rx_hold(w_hold), .i_byte_in(i_rx_valid),
		.o_pb_addr(w_pb_raddr), .i_pb_data(r_pb_rdata),
		.o_tx_start(w_tx_start), .i_tx_idle(w_tx_idle), .o_tx_type(w_tx_type), .o_tx_seq(w_tx_seq),
		.o_tx_len(w_tx_len), .o_pl_valid(w_pl_valid), .i_pl_ready(w_pl_ready), .o_pl_data(w_pl_data),
		.i_byte_out(o_tx_valid && i_tx_ready),
		.o_mem_addr(w_mem_addr), .o_mem_we(w_mem_we), .o_mem_wdata(w_mem_wdata),
		.i_mem_rdata(w_mem_rdata), .o_mem_own(w_mem_own),
		.o_ws_valid(w_ws_valid), .i_ws_ready(w_ws_ready), .o_ws_base(w_ws_base), .o_ws_count(w_ws_count),
		.o_eng(w_eng), .o_eng_reset(w_eng_reset),
		.o_act_valid(w_act_valid), .i_act_ready(w_act_ready[w_kind]), .o_act_data(w_act_data),
		.o_act_last(w_act_last),
		.i_res_valid(w_res_valid[w_kind]), .i_res_data(w_res_data[32*w_kind +: 32]),
		.i_res_last(w_res_last[w_kind]),
		.o_rb_we(w_rb_we), .o_rb_waddr(w_rb_waddr), .o_rb_wdata(w_rb_wdata),
		.o_rb_raddr(w_rb_raddr), .i_rb_rdata(r_rb_rdata),
		.o_i2c_start(w_i2c_start), .o_i2c_addr(w_i2c_addr), .o_i2c_nw(w_i2c_nw), .o_i2c_nr(w_i2c_nr),
		.o_i2c_wdata(w_i2c_wdata), .i_i2c_done(w_i2c_done), .i_i2c_result(w_i2c_result),
		.i_i2c_rdata(w_i2c_rdata));

	// the timeout and the stream reader's read strobe need no action here
	wire w_unused = &{1'b0, w_timeout, w_ws_re};
endmodule
