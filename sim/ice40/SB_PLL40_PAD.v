`default_nettype none
// SB_PLL40_PAD: simulation model of the iCE40 PLL fed from its pad, for the virtual board only (Yosys
// maps the real primitive): the same PLL as SB_PLL40_CORE (whose model keeps LOCK low for LOCK_CYCLES
// cycles after configuration and passes the clock through), with the pad as its reference.
//
// Ports: those the board tops use (the real primitive has more).
//
// Parameters: as SB_PLL40_CORE.
//
// Reset: none (RESETB low holds LOCK low).
module SB_PLL40_PAD #(
	parameter FEEDBACK_PATH = "SIMPLE",
	parameter [3:0] DIVR = 4'b0000,
	parameter [6:0] DIVF = 7'b0000000,
	parameter [2:0] DIVQ = 3'b000,
	parameter [2:0] FILTER_RANGE = 3'b000,
	parameter LOCK_CYCLES = 8
) (
	input  wire PACKAGEPIN,
	output wire PLLOUTGLOBAL,
	output wire LOCK,
	input  wire RESETB,
	input  wire BYPASS
);
	SB_PLL40_CORE #(.FEEDBACK_PATH(FEEDBACK_PATH), .DIVR(DIVR), .DIVF(DIVF), .DIVQ(DIVQ),
		.FILTER_RANGE(FILTER_RANGE), .LOCK_CYCLES(LOCK_CYCLES)) u_pll (
		.REFERENCECLK(PACKAGEPIN), .PLLOUTGLOBAL(PLLOUTGLOBAL), .LOCK(LOCK), .RESETB(RESETB),
		.BYPASS(BYPASS));
endmodule
