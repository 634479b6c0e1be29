`default_nettype none
// cal_counters: the counter designs of the UP5K power measurements that calibrate boards/energy.json
// (tinyvision-ai-inc/ice40_power: "External 12 MHz + 28*N bit counter"), written again here so that
// their switching activity can be counted in the same gate-level simulation as an engine
// (scripts/power_crosscheck.sh). Not part of any bitstream.
//
// Parameters:
//   N          how many 28-bit counters run side by side; the most significant bits are ORed onto
//              the output so that synthesis keeps them all
//
// Reset: none (the counters start from the flip-flops' power-up zero, as on the board).
module cal_counters #(
	parameter N = 1
) (
	input  wire  i_clk,
	output wire  o_out
);
	reg [28*N-1:0] r_count = 0;
	wire [N-1:0]   w_msb;

	genvar g;
	generate
		for (g = 0; g < N; g = g + 1) begin : gen_count
			// drives: counter g
			always @(posedge i_clk)
				r_count[28*g +: 28] <= r_count[28*g +: 28] + 28'd1;
			assign w_msb[g] = r_count[28*g + 27];
		end
	endgenerate

	assign o_out = |w_msb;
endmodule
