`default_nettype none
// vboard_spi: a board whose link is SPI (boards/<board>/ with LINK spi, its top named by BOARD_TOP) as
// the virtual board: its own top module (oscillator model from sim/ice40, reset, the SPI slave and
// the SoC exactly as the bitstream has them) behind sim/vboard_spi_host.v, the host's SPI master,
// so that the link costs what it costs on the board. Same byte ports as vboard_board and vboard_uart;
// the board.mk names it as SIM_TOP and gives BOARD_TOP, VBOARD_OSC and SCK_HZ. MISO and the board's
// I2C pins are nets with a pullup; an INA226 MODEL (sim/ina226_model.v) sits on the I2C lines.
//
// With i_direct high the board's pins are the i_pin_* inputs instead (the master is left idle): the
// emulated FT232H of sim/usb_emu.c clocks them itself, MPSSE command by command.
//
// Parameters:
//   CLOCK_HZ   the simulated core clock (the board's)
//   SCK_HZ     the host's SCK rate (the FT232H's 10 MHz)
//
// Reset: the host's master only; the board resets itself as on hardware.
module vboard_spi #(
	parameter CLOCK_HZ = 48000000,
	parameter SCK_HZ = 10000000
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// host bytes to the board
	input  wire        i_rx_valid,
	output wire        o_rx_ready,
	input  wire [7:0]  i_rx_data,
	// board bytes to the host (one-cycle pulse per byte; i_tx_ready is not used: the host polls as
	// fast as the link goes)
	output wire        o_tx_valid,
	input  wire        i_tx_ready,
	output wire [7:0]  o_tx_data,
	// the pins driven from outside instead of by the master
	input  wire        i_direct,
	input  wire        i_pin_sck,
	input  wire        i_pin_cs_n,
	input  wire        i_pin_mosi,
	output wire        o_pin_miso,
	// the INA226 model: there or not, its shunt and bus registers (set by the harness)
	input  wire        i_ina_present,
	input  wire [15:0] i_ina_shunt,
	input  wire [15:0] i_ina_bus
);
	wire w_sck, w_cs_n, w_mosi, w_miso;
	wire w_scl, w_sda, w_ina_sda_oe;
	pullup(w_miso);             // the FT232H's input, pulled up: an undriven MISO reads 1
	pullup(w_scl);
	pullup(w_sda);
	assign w_sda = w_ina_sda_oe ? 1'b0 : 1'bz;

	vboard_spi_host #(.CLOCK_HZ(CLOCK_HZ), .SCK_HZ(SCK_HZ)) u_host (.i_clk(i_clk), .i_reset(i_reset || i_direct),
		.i_valid(i_rx_valid && !i_direct), .o_ready(o_rx_ready), .i_data(i_rx_data),
		.o_valid(o_tx_valid), .o_data(o_tx_data),
		.o_sck(w_sck), .o_cs_n(w_cs_n), .o_mosi(w_mosi), .i_miso(w_miso));

	// the board's oscillator model takes i_clk by name (VBOARD_OSC)
	`BOARD_TOP u_board (.i_spi_sck(i_direct ? i_pin_sck : w_sck), .i_spi_cs_n(i_direct ? i_pin_cs_n : w_cs_n),
		.i_spi_mosi(i_direct ? i_pin_mosi : w_mosi), .o_spi_miso(w_miso),
		.io_i2c_scl(w_scl), .io_i2c_sda(w_sda));

	ina226_model u_ina (.i_clk(i_clk), .i_reset(i_reset), .i_present(i_ina_present),
		.i_shunt(i_ina_shunt), .i_bus(i_ina_bus), .i_scl(w_scl), .i_sda(w_sda), .o_sda_oe(w_ina_sda_oe));
	assign o_pin_miso = w_miso;

	wire w_unused = &{1'b0, i_tx_ready};
endmodule
