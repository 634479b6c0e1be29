`default_nettype none
// mmf_crc32: byte-wise CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the CRC of zlib's
// crc32() and of the link protocol (docs/protocol.md). i_clr starts a message (state 0xFFFFFFFF);
// each cycle with i_en folds i_byte in, eight bit steps in one cycle (crc32_byte() of
// rtl/mmf_crc32_fn.vh); o_crc is the state inverted, so after i_clr and bytes b0..bn it equals zlib's
// crc32(0, b, n + 1). i_clr together with i_en starts a new message with i_byte as its first byte.
//
// Parameters: none.
//
// Reset: the CRC state, as i_clr.
module mmf_crc32 (
	input  wire        i_clk,
	input  wire        i_reset,
	// bytes in
	input  wire        i_clr,
	input  wire        i_en,
	input  wire [7:0]  i_byte,
	// the CRC of the bytes since the last clear
	output wire [31:0] o_crc
);
	reg [31:0] r_crc;

	// crc32_byte(): one byte into the state, eight steps of the bit-serial (LSB first) division; the
	// packet modules use the same function, so the polynomial is written once
	`include "mmf_crc32_fn.vh"

	wire [31:0] w_base = i_clr ? 32'hFFFFFFFF : r_crc;

	assign o_crc = ~r_crc;

	// drives: the CRC state
	always @(posedge i_clk)
		if (i_reset)
			r_crc <= 32'hFFFFFFFF;
		else if (i_en)
			r_crc <= crc32_byte(w_base, i_byte);
		else if (i_clr)
			r_crc <= 32'hFFFFFFFF;

`ifdef FORMAL
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;
	always @(*)
		if (!f_past_valid)
			assume(i_reset);

	always @(posedge i_clk)
		if (f_past_valid) begin
			// the CRC of no bytes is 0; of one zero byte, zlib's crc32(0, "\0", 1)
			if ($past(i_reset || (i_clr && !i_en)))
				assert(o_crc == 32'h00000000);
			if (!$past(i_reset) && $past(i_clr && i_en && i_byte == 8'h00))
				assert(o_crc == 32'hD202EF8D);
			// the state holds without i_en or i_clr
			if (!$past(i_reset || i_clr || i_en))
				assert(r_crc == $past(r_crc));
		end
`endif
endmodule
