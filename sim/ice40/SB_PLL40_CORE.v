`default_nettype none
// SB_PLL40_CORE: simulation model of the iCE40 PLL fed from the fabric (REFERENCECLK), for the virtual
// board only (Yosys maps the real primitive). In a cycle simulation every clock edge is a core cycle,
// so the output clock is the reference clock; what the model keeps is LOCK, low for LOCK_CYCLES cycles
// after configuration, so the board top's reset-after-lock logic runs as on hardware. SB_PLL40_PAD is
// the same PLL fed from its pad.
//
// Ports: those the board tops use (the real primitive has more).
//
// Parameters:
//   the real primitive's (FEEDBACK_PATH, DIVR, DIVF, DIVQ, FILTER_RANGE): accepted, not used
//   LOCK_CYCLES   reference clock cycles until LOCK rises
//
// Reset: none (RESETB low holds LOCK low).
module SB_PLL40_CORE #(
	parameter FEEDBACK_PATH = "SIMPLE",
	parameter [3:0] DIVR = 4'b0000,
	parameter [6:0] DIVF = 7'b0000000,
	parameter [2:0] DIVQ = 3'b000,
	parameter [2:0] FILTER_RANGE = 3'b000,
	parameter LOCK_CYCLES = 8
) (
	input  wire REFERENCECLK,
	output wire PLLOUTGLOBAL,
	output wire LOCK,
	input  wire RESETB,
	input  wire BYPASS
);
	reg [7:0] r_count = 8'd0;

	// drives: the lock counter
	always @(posedge REFERENCECLK)
		if (!RESETB)
			r_count <= 8'd0;
		else if (r_count != LOCK_CYCLES[7:0])
			r_count <= r_count + 1'b1;

	assign PLLOUTGLOBAL = REFERENCECLK;
	assign LOCK = (r_count == LOCK_CYCLES[7:0]);

	wire w_unused = &{1'b0, BYPASS, FEEDBACK_PATH != "", DIVR, DIVF, DIVQ, FILTER_RANGE};
endmodule
