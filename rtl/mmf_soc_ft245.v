`default_nettype none
// mmf_soc_ft245: the SoC with an FT245 synchronous FIFO link: mmf_ft245_sync <-> mmf_soc_core. No
// board here wires an FT2232H channel in 245 synchronous FIFO mode to the FPGA: this is the SoC a
// board with one would instantiate (its top adds the SB_IO tri-state for D from o_ft_data and
// o_ft_data_oe, the clocks and the reset), and the virtual board of sim/vboard_ft245.v. INFO reports
// link 2 (fifo) and the bus's byte rate as the link rate. The core runs on i_clk, the bus on the
// chip's CLKOUT (i_ft_clk); the PHY crosses between them.
//
// Parameters:
//   FIFO_HZ    the bus's byte rate reported by INFO: one byte per CLKOUT cycle, 60 MHz (the bytes
//              the SoC can take are fewer: mmf_pkt_rx takes at most one per 8 core cycles)
//   LG_RX      log2 of the PHY's receive FIFO (9: one block RAM)
//   LG_TX      log2 of the PHY's transmit FIFO (9: one block RAM)
//   others     as mmf_soc_core (OPT_I2C, I2C_HZ: the I2C master; MEM_WORDS: the weight memory)
//
// Reset: i_reset (core clock) resets the core and the PHY, which passes it to the bus side.
module mmf_soc_ft245 #(
	parameter FIFO_HZ = 60000000,
	parameter LG_RX = 9,
	parameter LG_TX = 9,
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
	parameter I2C_HZ = 400000,
	parameter MEM_WORDS = 16384
) (
	input  wire       i_clk,
	input  wire       i_reset,
	// the FT245 bus, in the chip's clock (CLKOUT)
	input  wire       i_ft_clk,
	input  wire       i_rxf_n,
	input  wire       i_txe_n,
	input  wire [7:0] i_ft_data,
	output wire       o_oe_n,
	output wire       o_rd_n,
	output wire       o_wr_n,
	output wire [7:0] o_ft_data,
	output wire       o_ft_data_oe,
	output wire       o_siwu_n,
	// I2C, open-drain (as mmf_soc_core)
	input  wire       i_i2c_scl,
	input  wire       i_i2c_sda,
	output wire       o_i2c_scl_oe,
	output wire       o_i2c_sda_oe
);
	wire       w_rx_valid, w_tx_valid, w_tx_ready;
	wire [7:0] w_rx_data, w_tx_data;

	// the packet receiver takes a byte at most every 8 cycles (its resynchronisation replays a
	// rejected header one byte per cycle): RX_SPACING 8
	mmf_ft245_sync #(.LG_RX(LG_RX), .LG_TX(LG_TX), .RX_SPACING(8)) u_ft245 (.i_clk(i_clk), .i_reset(i_reset),
		.i_ft_clk(i_ft_clk), .i_rxf_n(i_rxf_n), .i_txe_n(i_txe_n), .i_data(i_ft_data),
		.o_oe_n(o_oe_n), .o_rd_n(o_rd_n), .o_wr_n(o_wr_n), .o_data(o_ft_data), .o_data_oe(o_ft_data_oe),
		.o_siwu_n(o_siwu_n),
		.o_rx_valid(w_rx_valid), .o_rx_data(w_rx_data),
		.i_tx_valid(w_tx_valid), .o_tx_ready(w_tx_ready), .i_tx_data(w_tx_data));

	mmf_soc_core #(.BOARD_ID(BOARD_ID), .LINK(2), .CLOCK_HZ(CLOCK_HZ), .LINK_RATE(FIFO_HZ),
		.GIT_REV(GIT_REV), .ENG_TAC(ENG_TAC), .ENG_SAC(ENG_SAC), .ENG_LUT(ENG_LUT), .TAC_FMT(TAC_FMT),
		.TAC_LANES(TAC_LANES), .TAC_LG(TAC_LG), .SAC_LANES(SAC_LANES), .SAC_LG(SAC_LG),
		.LUT_LANES(LUT_LANES), .LUT_LG(LUT_LG),
		.OPT_I2C(OPT_I2C), .I2C_HZ(I2C_HZ), .MEM_WORDS(MEM_WORDS)) u_core (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_rx_valid(w_rx_valid), .i_rx_data(w_rx_data),
		.o_tx_valid(w_tx_valid), .i_tx_ready(w_tx_ready), .o_tx_data(w_tx_data),
		.i_i2c_scl(i_i2c_scl), .i_i2c_sda(i_i2c_sda), .o_i2c_scl_oe(o_i2c_scl_oe),
		.o_i2c_sda_oe(o_i2c_sda_oe));
endmodule
