`default_nettype none
// tb_pkt_loop: simulation top for sim/tb_pkt_tx.cpp: mmf_pkt_tx's byte stream is visible to the
// harness and also feeds mmf_pkt_rx, so one run checks the framing against zlib and the round trip.
//
// Parameters: none.
//
// Reset: passed to both halves.
module tb_pkt_loop (
	input  wire        i_clk,
	input  wire        i_reset,
	// transmitter header and payload
	input  wire        i_start_valid,
	output wire        o_start_ready,
	input  wire [7:0]  i_type,
	input  wire [7:0]  i_seq,
	input  wire [15:0] i_len,
	input  wire        i_pl_valid,
	output wire        o_pl_ready,
	input  wire [7:0]  i_pl_data,
	// the link bytes
	output wire        o_valid,
	input  wire        i_ready,
	output wire [7:0]  o_data,
	// receiver outcome
	output wire        o_good,
	output wire        o_bad,
	output wire [7:0]  o_rx_type,
	output wire [7:0]  o_rx_seq,
	output wire [15:0] o_rx_len,
	output wire        o_buf_we,
	output wire [9:0]  o_buf_addr,
	output wire [7:0]  o_buf_data
);
	wire w_crc_err, w_hdr_err, w_too_long, w_timeout;

	mmf_pkt_tx u_tx (.i_clk(i_clk), .i_reset(i_reset),
		.i_start_valid(i_start_valid), .o_start_ready(o_start_ready), .i_type(i_type),
		.i_seq(i_seq), .i_len(i_len), .i_pl_valid(i_pl_valid), .o_pl_ready(o_pl_ready),
		.i_pl_data(i_pl_data), .o_valid(o_valid), .i_ready(i_ready), .o_data(o_data));

	mmf_pkt_rx #(.LG_TIMEOUT(10)) u_rx (.i_clk(i_clk), .i_reset(i_reset),
		.i_valid(o_valid && i_ready), .i_data(o_data),
		.o_buf_we(o_buf_we), .o_buf_addr(o_buf_addr), .o_buf_data(o_buf_data),
		.o_good(o_good), .o_crc_err(w_crc_err), .o_hdr_err(w_hdr_err), .o_too_long(w_too_long),
		.o_timeout(w_timeout), .o_type(o_rx_type), .o_seq(o_rx_seq), .o_len(o_rx_len));

	assign o_bad = w_crc_err || w_hdr_err || w_too_long || w_timeout;
endmodule
