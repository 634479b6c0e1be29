`default_nettype none
// SB_IO: simulation model of the iCE40 I/O cell, for the virtual board only (Yosys maps the real
// primitive), in the uses the board tops make of it: an output with an enable and a plain input
// (PIN_TYPE 101001, PIN_OUTPUT_TRISTATE with PIN_INPUT): the SPI's MISO, and the open-drain I2C lines
// (D_OUT_0 tied low, the enable pulls the line down). An undriven pin floats here (z); the virtual
// board puts a pullup on the net, as the board's pull-up resistors (and the FT232H's inputs, pulled up)
// make it read 1.
//
// Ports: those the board tops use (the real primitive has more).
//
// Parameters:
//   PIN_TYPE, PULLUP   the real primitive's: accepted, not used (the net's pullup stands for both)
//
// Reset: none.
module SB_IO #(
	parameter [5:0] PIN_TYPE = 6'b000000,
	parameter [0:0] PULLUP = 1'b0
) (
	inout  wire PACKAGE_PIN,
	input  wire OUTPUT_ENABLE,
	input  wire D_OUT_0,
	output wire D_IN_0
);
	assign PACKAGE_PIN = OUTPUT_ENABLE ? D_OUT_0 : 1'bz;
	assign D_IN_0 = PACKAGE_PIN;

	wire w_unused = &{1'b0, PIN_TYPE, PULLUP};
endmodule
