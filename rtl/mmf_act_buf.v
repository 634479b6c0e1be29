`default_nettype none
// mmf_act_buf: the activation buffer, one word of LANES entries per address, one registered read
// per cycle and one write per cycle of any subset of a word's lanes (all written lanes take the same
// value). Block RAM on the iCE40, the lane enables becoming the RAM's bit mask.
//
// Parameters:
//   LANES   entries per word
//   EW      bits per entry
//   LG_D    log2 of the depth in words
//
// Reset: none (memory and read register hold data only).
module mmf_act_buf #(
	parameter LANES = 40,
	parameter EW = 8,
	parameter LG_D = 8
) (
	input  wire                  i_clk,
	// write port: i_wdata goes into every lane whose enable is set
	input  wire [LANES-1:0]      i_we,
	input  wire [LG_D-1:0]       i_waddr,
	input  wire [EW-1:0]         i_wdata,
	// read port: o_rdata is the word at i_raddr from the last edge where i_re was high
	input  wire                  i_re,
	input  wire [LG_D-1:0]       i_raddr,
	output reg  [LANES*EW-1:0]   o_rdata
);
	reg [LANES*EW-1:0] r_mem [0:(1<<LG_D)-1];

	// drives: the memory, lane by lane
	integer l;
	always @(posedge i_clk)
		for (l = 0; l < LANES; l = l + 1)
			if (i_we[l])
				r_mem[i_waddr][l*EW +: EW] <= i_wdata;

	// drives: the registered read
	always @(posedge i_clk)
		if (i_re)
			o_rdata <= r_mem[i_raddr];
endmodule
