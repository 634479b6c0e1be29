`default_nettype none
// mmf_wmem: the weight memory, four mmf_spram side by side: 16384 words of 64 bits, one read or
// write per cycle, read data one cycle later.
//
// Parameters: none (the UP5K has exactly four SPRAMs).
//
// Reset: none (a RAM).
module mmf_wmem (
	input  wire         i_clk,
	input  wire [13:0]  i_addr,
	input  wire         i_we,
	input  wire [63:0]  i_wdata,
	output wire [63:0]  o_rdata
);
	genvar gb;
	generate
		for (gb = 0; gb < 4; gb = gb + 1) begin : gen_bank
			mmf_spram u_bank (.i_clk(i_clk), .i_addr(i_addr), .i_we(i_we),
				.i_wdata(i_wdata[gb*16 +: 16]), .o_rdata(o_rdata[gb*16 +: 16]));
		end
	endgenerate
endmodule
