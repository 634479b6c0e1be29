`default_nettype none
// vboard_ft245: the SoC behind its FT245 synchronous FIFO PHY (rtl/mmf_soc_ft245.v) as the iCEBreaker's
// SoC would be with that link: the lut engine alone, the I2C master with an INA226 MODEL
// (sim/ina226_model.v) on its lines. No board wires the FT245 bus; this is its virtual board, driven
// by sim/tb_soc.cpp built with -DTB_FT245: the FT2232H's side of the bus is the C model of
// sim/ft245_chip.c on the bus pins, the core clock 48 MHz and the FIFO clock 60 MHz (two clocks, set
// by the harness: sim/ft245_clocks.h). The open-drain I2C lines are a wired AND of the enables, as in
// sim/vboard_core.v.
//
// Parameters:
//   CLOCK_HZ   the core clock (INFO's clock)
//   FIFO_HZ    the bus's byte rate (INFO's link rate)
//
// Reset: passed to the SoC and the model.
module vboard_ft245 #(
	parameter CLOCK_HZ = 48000000,
	parameter FIFO_HZ = 60000000
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// the FT245 bus, in the chip's clock
	input  wire        i_ft_clk,
	input  wire        i_rxf_n,
	input  wire        i_txe_n,
	input  wire [7:0]  i_data,
	output wire        o_oe_n,
	output wire        o_rd_n,
	output wire        o_wr_n,
	output wire [7:0]  o_data,
	output wire        o_data_oe,
	output wire        o_siwu_n,
	// the byte pulses the core receives (for the harness: every host byte has arrived)
	output wire        o_core_rx_valid,
	// the INA226 model: there or not, its shunt and bus registers (set by the harness)
	input  wire        i_ina_present,
	input  wire [15:0] i_ina_shunt,
	input  wire [15:0] i_ina_bus
);
	wire w_scl_oe, w_sda_oe, w_ina_sda_oe;
	wire w_scl = !w_scl_oe;
	wire w_sda = !(w_sda_oe || w_ina_sda_oe);

	// the iCEBreaker's engine set and I2C master (boards/icebreaker/icebreaker_top.v)
	mmf_soc_ft245 #(.FIFO_HZ(FIFO_HZ), .BOARD_ID(0), .CLOCK_HZ(CLOCK_HZ), .ENG_TAC(0), .ENG_SAC(0), .ENG_LUT(1),
		.OPT_I2C(1), .I2C_HZ(400000)) u_soc (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_ft_clk(i_ft_clk), .i_rxf_n(i_rxf_n), .i_txe_n(i_txe_n), .i_ft_data(i_data),
		.o_oe_n(o_oe_n), .o_rd_n(o_rd_n), .o_wr_n(o_wr_n), .o_ft_data(o_data), .o_ft_data_oe(o_data_oe),
		.o_siwu_n(o_siwu_n),
		.i_i2c_scl(w_scl), .i_i2c_sda(w_sda), .o_i2c_scl_oe(w_scl_oe), .o_i2c_sda_oe(w_sda_oe));

	assign o_core_rx_valid = u_soc.w_rx_valid;

	ina226_model u_ina (.i_clk(i_clk), .i_reset(i_reset), .i_present(i_ina_present),
		.i_shunt(i_ina_shunt), .i_bus(i_ina_bus), .i_scl(w_scl), .i_sda(w_sda), .o_sda_oe(w_ina_sda_oe));
endmodule
