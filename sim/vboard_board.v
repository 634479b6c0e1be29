`default_nettype none
// vboard_board: a board's own top module (boards/<board>/, named by BOARD_TOP) as the virtual board:
// its PLL (sim/ice40 model), its reset-after-lock, its PHY and its SoC exactly as the bitstream has
// them, with a host-side UART pair that turns the host's bytes into line bits at DIV cycles per bit.
// Same byte ports as vboard_uart. The board.mk of the board gives BOARD_TOP, BOARD_CLK (the name of
// the top's oscillator input) and DIV (its UART divisor) as defines. The board's I2C pins (every board
// top has io_i2c_scl and io_i2c_sda, open-drain through SB_IO) are nets with a pullup (the PMOD's
// resistors) and an INA226 MODEL (sim/ina226_model.v) on them, whose readings the harness sets. A board with no
// I2C pins (BOARD_NO_I2C defined by its board.mk) leaves the model alone on the pulled-up lines.
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
	output wire [7:0]  o_tx_data,
	// the INA226 model: there or not, its shunt and bus registers (set by the harness)
	input  wire        i_ina_present,
	input  wire [15:0] i_ina_shunt,
	input  wire [15:0] i_ina_bus
);
	localparam [7:0] W_DIV = DIV[7:0];
	wire w_h2b, w_b2h, w_ferr;

	mmf_uart_tx #(.LG_DIV(8)) u_host_tx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV),
		.i_valid(i_rx_valid), .o_ready(o_rx_ready), .i_data(i_rx_data), .o_tx(w_h2b));

	// the I2C bus: open-drain lines pulled up
	wire w_scl, w_sda, w_ina_sda_oe;
	pullup(w_scl);
	pullup(w_sda);
	assign w_sda = w_ina_sda_oe ? 1'b0 : 1'bz;

	// the board's LEDs (named as each board has them) are left unconnected
	/* verilator lint_off PINMISSING */
`ifdef BOARD_NO_I2C
	`BOARD_TOP u_board (.`BOARD_CLK(i_clk), .i_rx(w_h2b), .o_tx(w_b2h));
	assign w_scl = 1'bz;     // only the pullup drives the clock line
`else
	`BOARD_TOP u_board (.`BOARD_CLK(i_clk), .i_rx(w_h2b), .o_tx(w_b2h), .io_i2c_scl(w_scl),
		.io_i2c_sda(w_sda));
`endif
	/* verilator lint_on PINMISSING */

	ina226_model u_ina (.i_clk(i_clk), .i_reset(i_reset), .i_present(i_ina_present),
		.i_shunt(i_ina_shunt), .i_bus(i_ina_bus), .i_scl(w_scl), .i_sda(w_sda), .o_sda_oe(w_ina_sda_oe));

	mmf_uart_rx #(.LG_DIV(8)) u_host_rx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV), .i_rx(w_b2h),
		.o_valid(o_tx_valid), .o_data(o_tx_data), .o_frame_err(w_ferr));

	wire w_unused = &{1'b0, i_tx_ready, w_ferr};
endmodule
