// mmf_crc32_fn.vh: CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320, as zlib's crc32()), one
// byte per call. Start the state at 32'hFFFFFFFF; the CRC is the final state inverted. Included
// inside the modules that frame or check packets, so the polynomial is written once.
function [31:0] crc32_byte;
	input [31:0] c;
	input [7:0]  b;
	integer k;
	begin
		crc32_byte = c ^ {24'd0, b};
		for (k = 0; k < 8; k = k + 1)
			crc32_byte = (crc32_byte >> 1) ^ (crc32_byte[0] ? 32'hEDB88320 : 32'd0);
	end
endfunction
