`default_nettype none
// SB_HFOSC: simulation model of the UP5K's internal 48 MHz oscillator, for the virtual board only
// (Yosys maps the real primitive). A cycle simulation has one clock, the virtual board's: the model
// hands it to the board top by an upward name, `VBOARD_OSC (the board.mk's SIM_DEFINES give it, e.g.
// vboard_spi.i_clk), so the top runs exactly as written. Without the define (lint) the output is 0.
//
// Ports: the real primitive's (CLKHFPU powers it up, CLKHFEN enables the output: both accepted, not
// modelled; the board tops tie them high).
//
// Parameters:
//   CLKHF_DIV   the real primitive's divider ("0b00" = 48 MHz): accepted, not used (the simulated
//               clock is the core clock)
//
// Reset: none.
module SB_HFOSC #(
	parameter CLKHF_DIV = "0b00"
) (
	input  wire CLKHFPU,
	input  wire CLKHFEN,
	output wire CLKHF
);
`ifdef VBOARD_OSC
	assign CLKHF = `VBOARD_OSC;
`else
	assign CLKHF = 1'b0;
`endif

	wire w_unused = &{1'b0, CLKHFPU, CLKHFEN, CLKHF_DIV != ""};
endmodule
