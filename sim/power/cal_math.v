`default_nettype none
// cal_math: the "math" design of the UP5K power measurements that calibrate boards/energy.json
// (tinyvision-ai-inc/ice40_power: a 24-bit counter, and with OPT_MATH two 8-bit counters stepping by 3
// and 5 whose product is formed every cycle in logic cells, no DSP), written again here so that its
// switching activity can be counted in the same gate-level simulation as an engine
// (scripts/power_crosscheck.sh). Not part of any bitstream.
//
// Parameters:
//   OPT_MATH   1: the two counters and their 8 x 8 product; 0: the 24-bit counter alone (the
//              measurement's baseline)
//
// Reset: none (the counters start from the flip-flops' power-up zero, as on the board).
module cal_math #(
	parameter OPT_MATH = 1
) (
	input  wire  i_clk,
	output wire  o_out
);
	reg [23:0]  r_count = 0;
	reg [7:0]   r_a = 0, r_b = 0;
	wire [15:0] w_prod;

	// drives: the free-running counter
	always @(posedge i_clk)
		r_count <= r_count + 24'd1;

	generate
		if (OPT_MATH) begin : gen_math
			// drives: the two operands
			always @(posedge i_clk) begin
				r_a <= r_a + 8'd3;
				r_b <= r_b + 8'd5;
			end
			assign w_prod = r_a * r_b;
		end else begin : gen_none
			assign w_prod = 16'd0;
		end
	endgenerate

	// every bit reaches the pin, so synthesis keeps the product
	assign o_out = r_count[23] | (&r_a) | (&r_b) | (&w_prod);
endmodule
