`default_nettype none
// mmf_soc_spi: the SoC with an SPI slave link: mmf_spi_slave <-> mmf_soc_core. What the UPduino v3
// top instantiates (its FT232H reaches the FPGA only on the flash's SPI lines, as an MPSSE master),
// and the virtual board's SPI mode. INFO reports link 1 (spi) and the SCK rate as the link rate.
//
// Parameters:
//   SCK_HZ     the SCK rate the host clocks at, reported by INFO (the slave takes any rate up to a
//              quarter of the core clock: mmf_spi_slave)
//   LG_FIFO    log2 of the PHY's TX FIFO (9: one block RAM)
//   others     as mmf_soc_core (OPT_I2C, I2C_HZ: the I2C master)
//
// Reset: passed to the PHY and the core.
module mmf_soc_spi #(
	parameter SCK_HZ = 10000000,
	parameter LG_FIFO = 9,
	parameter BOARD_ID = 0,
	parameter CLOCK_HZ = 48000000,
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
	parameter I2C_HZ = 400000
) (
	input  wire  i_clk,
	input  wire  i_reset,
	// the SPI pins (the host is the master)
	input  wire  i_spi_sck,
	input  wire  i_spi_cs_n,
	input  wire  i_spi_mosi,
	output wire  o_spi_miso,
	// I2C, open-drain (as mmf_soc_core)
	input  wire  i_i2c_scl,
	input  wire  i_i2c_sda,
	output wire  o_i2c_scl_oe,
	output wire  o_i2c_sda_oe
);
	wire       w_rx_valid, w_tx_valid, w_tx_ready;
	wire [7:0] w_rx_data, w_tx_data;

	mmf_spi_slave #(.LG_DEPTH(LG_FIFO)) u_spi (.i_clk(i_clk), .i_reset(i_reset),
		.i_spi_sck(i_spi_sck), .i_spi_cs_n(i_spi_cs_n), .i_spi_mosi(i_spi_mosi), .o_spi_miso(o_spi_miso),
		.o_rx_valid(w_rx_valid), .o_rx_data(w_rx_data),
		.i_tx_valid(w_tx_valid), .o_tx_ready(w_tx_ready), .i_tx_data(w_tx_data));

	mmf_soc_core #(.BOARD_ID(BOARD_ID), .LINK(1), .CLOCK_HZ(CLOCK_HZ), .LINK_RATE(SCK_HZ),
		.GIT_REV(GIT_REV), .ENG_TAC(ENG_TAC), .ENG_SAC(ENG_SAC), .ENG_LUT(ENG_LUT), .TAC_FMT(TAC_FMT),
		.TAC_LANES(TAC_LANES), .TAC_LG(TAC_LG), .SAC_LANES(SAC_LANES), .SAC_LG(SAC_LG),
		.LUT_LANES(LUT_LANES), .LUT_LG(LUT_LG),
		.OPT_I2C(OPT_I2C), .I2C_HZ(I2C_HZ)) u_core (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_rx_valid(w_rx_valid), .i_rx_data(w_rx_data),
		.o_tx_valid(w_tx_valid), .i_tx_ready(w_tx_ready), .o_tx_data(w_tx_data),
		.i_i2c_scl(i_i2c_scl), .i_i2c_sda(i_i2c_sda), .o_i2c_scl_oe(o_i2c_scl_oe),
		.o_i2c_sda_oe(o_i2c_sda_oe));
endmodule
