`default_nettype none
// tb_i2c_top: the I2C master (rtl/mmf_i2c_master.v) and the INA226 model (sim/ina226_model.v) on one
// bus, the open-drain lines a wired AND of the enables, for sim/tb_i2c.cpp.
//
// Parameters:
//   I2C_HZ   the master's SCL rate (the clock is taken as 48 MHz)
//
// Reset: passed to both.
module tb_i2c_top #(
	parameter I2C_HZ = 400000
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// the master's commands (mmf_i2c_master)
	input  wire        i_cmd_valid,
	output wire        o_cmd_ready,
	input  wire [1:0]  i_cmd,
	input  wire [7:0]  i_data,
	input  wire        i_ack,
	output wire        o_done,
	output wire [7:0]  o_rdata,
	output wire        o_nak,
	// the model
	input  wire        i_present,
	input  wire [15:0] i_shunt,
	input  wire [15:0] i_bus,
	// the lines, to watch
	output wire        o_scl,
	output wire        o_sda
);
	wire w_scl_oe, w_sda_oe, w_ina_sda_oe;
	assign o_scl = !w_scl_oe;
	assign o_sda = !(w_sda_oe || w_ina_sda_oe);

	mmf_i2c_master #(.CLOCK_HZ(48000000), .I2C_HZ(I2C_HZ)) u_master (.i_clk(i_clk), .i_reset(i_reset),
		.i_cmd_valid(i_cmd_valid), .o_cmd_ready(o_cmd_ready), .i_cmd(i_cmd), .i_data(i_data),
		.i_ack(i_ack), .o_done(o_done), .o_rdata(o_rdata), .o_nak(o_nak),
		.i_scl(o_scl), .i_sda(o_sda), .o_scl_oe(w_scl_oe), .o_sda_oe(w_sda_oe));

	ina226_model u_ina (.i_clk(i_clk), .i_reset(i_reset), .i_present(i_present), .i_shunt(i_shunt),
		.i_bus(i_bus), .i_scl(o_scl), .i_sda(o_sda), .o_sda_oe(w_ina_sda_oe));
endmodule
