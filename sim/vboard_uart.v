`default_nettype none
// vboard_uart: the virtual board in UART mode for simulation: the host's bytes become line bits at
// DIV cycles per bit through a host-side UART pair, into mmf_soc_uart and back, so the link costs
// what it costs on the board. Same byte ports as mmf_soc_core (the fast mode), plus o_rx_ready, and an
// INA226 MODEL (sim/ina226_model.v) on the SoC's I2C lines, a wired AND of the enables, as in
// sim/vboard_core.v.
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
	output wire [7:0]  o_tx_data,
	// the INA226 model: there or not, its shunt and bus registers (set by the harness)
	input  wire        i_ina_present,
	input  wire [15:0] i_ina_shunt,
	input  wire [15:0] i_ina_bus
);
	localparam [7:0] W_DIV = DIV;
	wire w_h2b, w_b2h, w_ferr;

	mmf_uart_tx #(.LG_DIV(8)) u_host_tx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV),
		.i_valid(i_rx_valid), .o_ready(o_rx_ready), .i_data(i_rx_data), .o_tx(w_h2b));

	wire w_scl_oe, w_sda_oe, w_ina_sda_oe;
	wire w_scl = !w_scl_oe;
	wire w_sda = !(w_sda_oe || w_ina_sda_oe);

	mmf_soc_uart #(.DIV(DIV), .OPT_I2C(1)) u_board (.i_clk(i_clk), .i_reset(i_reset), .i_rx(w_h2b),
		.o_tx(w_b2h), .i_i2c_scl(w_scl), .i_i2c_sda(w_sda), .o_i2c_scl_oe(w_scl_oe),
		.o_i2c_sda_oe(w_sda_oe));

	ina226_model u_ina (.i_clk(i_clk), .i_reset(i_reset), .i_present(i_ina_present),
		.i_shunt(i_ina_shunt), .i_bus(i_ina_bus), .i_scl(w_scl), .i_sda(w_sda), .o_sda_oe(w_ina_sda_oe));

	mmf_uart_rx #(.LG_DIV(8)) u_host_rx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV), .i_rx(w_b2h),
		.o_valid(o_tx_valid), .o_data(o_tx_data), .o_frame_err(w_ferr));

	wire w_unused = &{1'b0, i_tx_ready, w_ferr};
endmodule
