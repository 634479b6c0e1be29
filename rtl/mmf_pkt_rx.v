`default_nettype none
// mmf_pkt_rx: the receiving half of the packet layer (docs/protocol.md): finds the sync, checks the
// header (hchk, length), writes the payload into the packet buffer, checks the CRC-32 and reports one
// outcome per packet. Twin of the receiver in hls_c/mmf_dev.c.
//
// Resynchronisation: when a header is rejected, the bytes after its A5 are replayed through the
// hunter (at most 6, one per cycle), so a packet that starts inside the damaged one is found. Bytes
// must arrive at most one per 8 cycles (every link PHY here is far slower). A packet whose bytes stop
// for 2^LG_TIMEOUT cycles is dropped.
//
// Parameters:
//   MAX_LEN     largest payload accepted (MMF_MAX_PAYLOAD)
//   LG_BUF      log2 of the packet buffer size in bytes (>= log2(MAX_LEN))
//   LG_TIMEOUT  log2 of the inter-byte timeout in cycles
//
// Reset: FSM state, counters, outcome pulses. Header fields and buffer writes are data.
module mmf_pkt_rx #(
	parameter MAX_LEN = 1024,
	parameter LG_BUF = 10,
	parameter LG_TIMEOUT = 16
) (
	input  wire              i_clk,
	input  wire              i_reset,
	// bytes from the link
	input  wire              i_valid,
	input  wire [7:0]        i_data,
	// packet buffer write (payload bytes, address from 0)
	output reg               o_buf_we,
	output reg  [LG_BUF-1:0] o_buf_addr,
	output reg  [7:0]        o_buf_data,
	// outcome, one pulse per packet; the header fields stay until the next packet's header
	output reg               o_good,       // CRC good: type, seq, len describe the buffer
	output reg               o_crc_err,    // complete packet, CRC bad (answer with a NAK)
	output reg               o_hdr_err,    // header rejected (hchk), dropped silently
	output reg               o_too_long,   // header good but len > MAX_LEN (answer with a NAK)
	output reg               o_timeout,    // partial packet dropped after the inter-byte timeout
	output reg  [7:0]        o_type,
	output reg  [7:0]        o_seq,
	output reg  [15:0]       o_len
);
	localparam [2:0] S_HUNT0 = 3'd0, S_HUNT1 = 3'd1, S_HDR = 3'd2, S_BODY = 3'd3, S_CRC = 3'd4;

	reg [2:0]             r_state;
	reg [2:0]             r_hn;           // header bytes taken (type, seq, len lo, len hi, hchk)
	reg [31:0]            r_hdr;          // header bytes so far (type, seq, len lo, len hi); newest in [7:0]
	reg [39:0]            r_rep;          // a rejected header's bytes after its 5A, oldest first
	reg [2:0]             r_replay;       // of those, still to replay
	reg [15:0]            r_n;            // payload bytes taken
	reg [1:0]             r_cn;           // CRC bytes taken
	reg [23:0]            r_crc_rx;       // first three CRC bytes as received
	reg [LG_TIMEOUT-1:0]  r_idle;
	reg [31:0]            r_crc;          // running CRC state (before the final inversion)

	// the byte the hunter sees: a replayed one first, else the link's
	wire       w_rep = (r_replay != 0);
	wire       w_in = w_rep || i_valid;
	wire [7:0] w_byte = w_rep ? r_rep[8*r_replay-1 -: 8] : i_data;

`include "mmf_crc32_fn.vh"

	wire [7:0] w_hchk = 8'hFF ^ r_hdr[31:24] ^ r_hdr[23:16] ^ r_hdr[15:8] ^ r_hdr[7:0];
	wire [15:0] w_len = {r_hdr[7:0], r_hdr[15:8]};   // after 4 header bytes: len hi, len lo

	// drives: FSM, header shift register, counters, CRC, outcome pulses, buffer write
	always @(posedge i_clk) begin
		o_buf_we <= 1'b0;
		o_good <= 1'b0;
		o_crc_err <= 1'b0;
		o_hdr_err <= 1'b0;
		o_too_long <= 1'b0;
		o_timeout <= 1'b0;
		if (w_rep)
			r_replay <= r_replay - 1'b1;
		if (i_reset) begin
			r_state <= S_HUNT0;
			r_replay <= 3'd0;
			r_idle <= 0;
		end else if (w_in) begin
			r_idle <= 0;
			case (r_state)
			S_HUNT0: if (w_byte == 8'hA5)
					r_state <= S_HUNT1;
			S_HUNT1: begin
				r_hdr <= 32'd0;
				r_hn <= 3'd0;
				r_crc <= 32'hFFFFFFFF;
				if (w_byte == 8'h5A)
					r_state <= S_HDR;
				else if (w_byte != 8'hA5)
					r_state <= S_HUNT0;
			end
			S_HDR: begin
				r_hdr <= {r_hdr[23:0], w_byte};
				r_hn <= r_hn + 1'b1;
				r_crc <= crc32_byte(r_crc, w_byte);
				if (r_hn == 3'd4) begin
					// w_byte is hchk; r_hdr holds 5A, type, seq, len lo, len hi
					if (w_byte != w_hchk || w_len > MAX_LEN) begin
						// rejected: hunt again over type..hchk (the 5A after the A5 cannot sync)
						o_hdr_err <= (w_byte != w_hchk);
						o_too_long <= (w_byte == w_hchk);
						o_type <= r_hdr[31:24];
						o_seq <= r_hdr[23:16];
						r_rep <= {r_hdr[31:0], w_byte};
						r_replay <= 3'd5;
						r_state <= S_HUNT0;
					end else begin
						o_type <= r_hdr[31:24];
						o_seq <= r_hdr[23:16];
						o_len <= w_len;
						r_n <= 16'd0;
						r_cn <= 2'd0;
						r_state <= (w_len == 0) ? S_CRC : S_BODY;
					end
				end
			end
			S_BODY: begin
				r_crc <= crc32_byte(r_crc, w_byte);
				o_buf_we <= 1'b1;
				o_buf_addr <= r_n[LG_BUF-1:0];
				o_buf_data <= w_byte;
				r_n <= r_n + 1'b1;
				if (r_n + 1'b1 == o_len)
					r_state <= S_CRC;
			end
			S_CRC: begin
				r_crc_rx <= {w_byte, r_crc_rx[23:8]};
				r_cn <= r_cn + 1'b1;
				if (r_cn == 2'd3) begin
					r_state <= S_HUNT0;
					if ({w_byte, r_crc_rx} == ~r_crc)
						o_good <= 1'b1;
					else
						o_crc_err <= 1'b1;
				end
			end
			default: r_state <= S_HUNT0;
			endcase
		end else if (r_state != S_HUNT0) begin
			r_idle <= r_idle + 1'b1;
			if (&r_idle) begin
				o_timeout <= 1'b1;
				r_state <= S_HUNT0;
			end
		end
	end

`ifdef FORMAL
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;
	always @(*)
		if (!f_past_valid)
			assume(i_reset);
	wire [4:0] f_outcome = {o_good, o_crc_err, o_hdr_err, o_too_long, o_timeout};
	always @(posedge i_clk)
		if (f_past_valid && !$past(i_reset)) begin
			// at most one outcome per cycle, and a good packet never comes with a write
			assert((f_outcome & (f_outcome - 5'd1)) == 5'd0);
			assert(!(o_good && o_buf_we));
			assert(r_replay <= 3'd5);
			assert(r_state <= S_CRC);
		end
`endif
endmodule
