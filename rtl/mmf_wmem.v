`default_nettype none
// mmf_wmem: the weight memory, MEM_WORDS words of 64 bits, one read or write per cycle, read data one
// cycle later (a write leaves the read data as it was). At 16384 words it is the UP5K's four SPRAMs
// side by side (mmf_spram); any other size is an inferred RAM, which Yosys maps to block RAM (EBR) on
// an iCE40 without SPRAM: 4 EBR (256 x 16 each) per 256 words.
//
// Parameters:
//   MEM_WORDS   words of 64 bits: 16384 (the four SPRAMs) or another size up to 16384 (block RAM).
//               Addresses at or past MEM_WORDS are never given (mmf_cmd refuses them).
//
// Reset: none (a RAM).
module mmf_wmem #(
	parameter MEM_WORDS = 16384
) (
	input  wire         i_clk,
	input  wire [13:0]  i_addr,
	input  wire         i_we,
	input  wire [63:0]  i_wdata,
	output wire [63:0]  o_rdata
);
	generate if (MEM_WORDS == 16384) begin : gen_spram
		genvar gb;
		for (gb = 0; gb < 4; gb = gb + 1) begin : gen_bank
			mmf_spram u_bank (.i_clk(i_clk), .i_addr(i_addr), .i_we(i_we),
				.i_wdata(i_wdata[gb*16 +: 16]), .o_rdata(o_rdata[gb*16 +: 16]));
		end
	end else begin : gen_bram
		localparam LG = (MEM_WORDS > 1) ? $clog2(MEM_WORDS) : 1;
		reg [63:0] r_mem [0:MEM_WORDS-1];
		reg [63:0] r_rdata;

		// drives: the array and the registered read (as mmf_spram: a write leaves the read register)
		always @(posedge i_clk) begin
			if (i_we)
				r_mem[i_addr[LG-1:0]] <= i_wdata;
			else
				r_rdata <= r_mem[i_addr[LG-1:0]];
		end
		assign o_rdata = r_rdata;

		// the address bits above the memory's size are zero for every address mmf_cmd allows
		wire w_unused = &{1'b0, i_addr};
	end endgenerate
endmodule
