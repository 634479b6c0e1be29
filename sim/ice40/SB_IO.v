`default_nettype none
// SB_IO: simulation model of the iCE40 I/O cell, for the virtual board only (Yosys maps the real
// primitive), in the one use the board tops make of it: an output with an enable (PIN_TYPE 101001,
// PIN_OUTPUT_TRISTATE with a plain input). A pin nobody drives reads 1 here, as the FT232H's
// inputs, pulled up, read it; so the model needs no tri-state net.
//
// Ports: those the board tops use (the real primitive has more).
//
// Parameters:
//   PIN_TYPE, PULLUP   the real primitive's: accepted, not used
//
// Reset: none.
module SB_IO #(
	parameter [5:0] PIN_TYPE = 6'b000000,
	parameter [0:0] PULLUP = 1'b0
) (
	output wire PACKAGE_PIN,
	input  wire OUTPUT_ENABLE,
	input  wire D_OUT_0
);
	assign PACKAGE_PIN = OUTPUT_ENABLE ? D_OUT_0 : 1'b1;

	wire w_unused = &{1'b0, PIN_TYPE, PULLUP};
endmodule
