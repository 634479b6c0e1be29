`default_nettype none
// vboard_core: the SoC core in fast mode (bytes straight into the packet layer) with an INA226 MODEL
// (sim/ina226_model.v) on its I2C lines: the `sim` board of the host and the fast build of
// sim/tb_soc.cpp. The open-drain lines are a wired AND of the enables here (no pads, no tri-state
// net): a line is low while anyone pulls it. Same byte ports as mmf_soc_core.
//
// Parameters:
//   as mmf_soc_core (ENG_*, TAC_FMT, TAC_LANES: the engines; OPT_I2C, I2C_HZ: the I2C master;
//   MEM_WORDS: the weight memory)
//
// Reset: passed to the core and the model.
module vboard_core #(
	parameter ENG_TAC = 1,
	parameter ENG_SAC = 1,
	parameter ENG_LUT = 1,
	parameter OPT_I2C = 1,
	parameter I2C_HZ = 400000,
	parameter TAC_FMT = 1,
	parameter TAC_LANES = 40,
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
	// the INA226 model: there or not, its shunt and bus registers (set by the harness)
	input  wire        i_ina_present,
	input  wire [15:0] i_ina_shunt,
	input  wire [15:0] i_ina_bus
);
	wire w_scl_oe, w_sda_oe, w_ina_sda_oe;
	wire w_scl = !w_scl_oe;
	wire w_sda = !(w_sda_oe || w_ina_sda_oe);

	mmf_soc_core #(.ENG_TAC(ENG_TAC), .ENG_SAC(ENG_SAC), .ENG_LUT(ENG_LUT), .OPT_I2C(OPT_I2C),
		.I2C_HZ(I2C_HZ), .TAC_FMT(TAC_FMT), .TAC_LANES(TAC_LANES), .MEM_WORDS(MEM_WORDS)) u_core (.i_clk(i_clk), .i_reset(i_reset),
		.i_rx_valid(i_rx_valid), .i_rx_data(i_rx_data),
		.o_tx_valid(o_tx_valid), .i_tx_ready(i_tx_ready), .o_tx_data(o_tx_data),
		.i_i2c_scl(w_scl), .i_i2c_sda(w_sda), .o_i2c_scl_oe(w_scl_oe), .o_i2c_sda_oe(w_sda_oe));

	ina226_model u_ina (.i_clk(i_clk), .i_reset(i_reset), .i_present(i_ina_present),
		.i_shunt(i_ina_shunt), .i_bus(i_ina_bus), .i_scl(w_scl), .i_sda(w_sda), .o_sda_oe(w_ina_sda_oe));
endmodule
