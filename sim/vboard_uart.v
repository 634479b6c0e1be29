`default_nettype none
// vboard_uart: the virtual board in UART mode for simulation: the host's bytes become line bits at
// DIV cycles per bit through a host-side UART pair, into mmf_soc_uart and back, so the link costs
// what it costs on the board. Same byte ports as mmf_soc_core (the fast mode), plus o_rx_ready.
//
// Parameters:
//   DIV   clock cycles per bit
//
// Reset: passed down.
module vboard_uart #(
	parameter DIV = 4
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// host bytes to the board
	input  wire        i_rx_valid,
	output wire        o_rx_ready,
	input  wire [7:0]  i_rx_data,
	// board bytes to the host (one-cycle pulse per byte; i_tx_ready is not used: a UART cannot wait)
	output wire        o_tx_valid,
	input  wire        i_tx_ready,
	output wire [7:0]  o_tx_data
);
	localparam [7:0] W_DIV = DIV;
	wire w_h2b, w_b2h, w_ferr;

	mmf_uart_tx #(.LG_DIV(8)) u_host_tx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV),
		.i_valid(i_rx_valid), .o_ready(o_rx_ready), .i_data(i_rx_data), .o_tx(w_h2b));

	mmf_soc_uart #(.DIV(DIV)) u_board (.i_clk(i_clk), .i_reset(i_reset), .i_rx(w_h2b), .o_tx(w_b2h));

	mmf_uart_rx #(.LG_DIV(8)) u_host_rx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV), .i_rx(w_b2h),
		.o_valid(o_tx_valid), .o_data(o_tx_data), .o_frame_err(w_ferr));

	wire w_unused = &{1'b0, i_tx_ready, w_ferr};
endmodule
