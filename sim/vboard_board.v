`default_nettype none
// vboard_board: a board's own top module (boards/<board>/, named by BOARD_TOP) as the virtual board:
// its PLL (sim/ice40 model), its reset-after-lock, its PHY and its SoC exactly as the bitstream has
// them, with a host-side UART pair that turns the host's bytes into line bits at DIV cycles per bit.
// Same byte ports as vboard_uart. The board.mk of the board gives BOARD_TOP, BOARD_CLK (the name of
// the top's oscillator input) and DIV (its UART divisor) as defines; the top's UART is i_rx and o_tx.
//
// Parameters:
//   DIV   clock cycles per bit of the host-side UART (the board's own divisor)
//
// Reset: the host-side UART pair only; the board resets itself as on hardware.
module vboard_board #(
	parameter DIV = 4
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// host bytes to the board
	input  wire        i_rx_valid,
	output wire        o_rx_ready,
	input  wire [7:0]  i_rx_data,
	// board bytes to the host (one-cycle pulse per byte)
	output wire        o_tx_valid,
	input  wire        i_tx_ready,
	output wire [7:0]  o_tx_data
);
	localparam [7:0] W_DIV = DIV[7:0];
	wire w_h2b, w_b2h, w_ferr;

	mmf_uart_tx #(.LG_DIV(8)) u_host_tx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV),
		.i_valid(i_rx_valid), .o_ready(o_rx_ready), .i_data(i_rx_data), .o_tx(w_h2b));

	// the board's LEDs (named as each board has them) are left unconnected
	/* verilator lint_off PINMISSING */
	`BOARD_TOP u_board (.`BOARD_CLK(i_clk), .i_rx(w_h2b), .o_tx(w_b2h));
	/* verilator lint_on PINMISSING */

	mmf_uart_rx #(.LG_DIV(8)) u_host_rx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV), .i_rx(w_b2h),
		.o_valid(o_tx_valid), .o_data(o_tx_data), .o_frame_err(w_ferr));

	wire w_unused = &{1'b0, i_tx_ready, w_ferr};
endmodule
