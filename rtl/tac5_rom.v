`default_nettype none
// tac5_rom: decodes one 5-trit byte into five 2-bit trit codes (code = weight + 1), a 256 x 10 ROM
// in block RAM. Its contents are generated from hls_c/tac.c (tac5_decode) into tac5_rom_init.vh.
//
// Parameters: none.
//
// Reset: none (a ROM with a registered read).
module tac5_rom (
	input  wire        i_clk,
	input  wire        i_re,       // read enable (pipeline advance)
	input  wire [7:0]  i_byte,
	output reg  [9:0]  o_codes     // trit n at bits 2n+1:2n, from the last edge with i_re high
);
	reg [9:0] r_rom [0:255];

`include "tac5_rom_init.vh"

	// drives: the registered read
	always @(posedge i_clk)
		if (i_re)
			o_codes <= r_rom[i_byte];
endmodule
