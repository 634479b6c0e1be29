`default_nettype none
// mmf_pkt_rx: the receiving half of the packet layer (docs/protocol.md): finds the sync, checks the
// header (hchk, length), writes the payload into the packet buffer, checks the CRC-32 and reports one
// outcome per packet. Twin of the receiver in hls_c/mmf_dev.c.
//
// Resynchronisation: when a header is rejected, the bytes after its A5 are replayed through the
// hunter (5, one per cycle), so a packet that starts inside the damaged one is found. Bytes
// must arrive at most one per 8 cycles (every link PHY here is far slower) while a replay may happen;
// an intact packet may come one byte per cycle. A packet is dropped when the gap from one of its
// bytes to the next exceeds 2^LG_TIMEOUT cycles (a gap of exactly 2^LG_TIMEOUT still delivers it),
// as hls_c/mmf_dev.c counts.
//
// Timing: each byte is registered (after the replay's choice) before the FSM takes it, together with
// its comparisons: sync bytes, the header check byte (against the check accumulated so far, with the
// byte the FSM takes in the same cycle), the last CRC byte. Flags on the header length, the payload
// count and the first three CRC bytes are registered as the byte before them is taken, so every
// decision of the FSM is a function of registers; each register has its own small always block.
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
	localparam LG_LEFT = $clog2(MAX_LEN + 1);
	// FSM states: bit numbers of the one-hot state r_st
	localparam S_HUNT0 = 0, S_HUNT1 = 1, S_HDR = 2, S_BODY = 3, S_CRC = 4;

	reg [4:0]             r_st;           // one-hot
	reg [1:0]             r_hn;           // header bytes taken before the check byte: type, seq, len lo
	reg                   r_hlast;        // the next byte is the header's check byte (implies S_HDR)
	reg [39:0]            r_rep;          // the header bytes taken (type .. check byte, newest in [7:0]);
	                                      // a rejected header replays them from [39:32]
	reg [2:0]             r_replay;       // bytes still to replay
	reg [LG_BUF-1:0]      r_n;            // payload bytes taken: the next byte's buffer address
	reg [LG_LEFT-1:0]     r_left;         // payload bytes still to come
	reg                   r_last;         // one payload byte to come
	reg [1:0]             r_cn;           // CRC bytes taken
	reg [15:0]            r_crc_rx;       // first two CRC bytes as received
	reg                   r_lo_ok;        // the first three CRC bytes match
	reg [LG_TIMEOUT-1:0]  r_idle;
	reg                   r_idle_full;    // &r_idle, kept beside it
	reg [31:0]            r_crc;          // running CRC state (before the final inversion)
	reg [7:0]             r_hchk;         // 0xFF ^ the header bytes so far: the check byte to expect
	reg                   r_len_bad, r_len0;  // the header's length: over MAX_LEN, zero
	reg                   r_in_v;         // a byte for the FSM (replayed or from the link)
	reg [7:0]             r_in_b;
	reg                   r_in_a5, r_in_5a;   // it is a sync byte
	reg                   r_in_hok;       // it equals the header check byte
	reg                   r_in_cok;       // it equals the last byte of the CRC

`include "mmf_crc32_fn.vh"

	// ---- the input register: the byte the hunter sees next (a replayed one first, else the
	// link's) and its comparisons ----
	wire        w_rep = (r_replay != 0);
	wire [7:0]  w_next = w_rep ? r_rep[39:32] : i_data;
	wire [31:0] w_crc_want = ~r_crc;
	wire [15:0] w_len = {r_rep[7:0], r_rep[15:8]};    // after 4 header bytes: len hi, len lo
	wire [15:0] w_len_nx = {r_in_b, r_rep[7:0]};      // the length, while len hi is taken

	// ---- what the byte in the input register does (every decision is a function of registers) ----
	wire w_take = r_in_v;
	wire w_hunt1 = w_take && r_st[S_HUNT1];                // header starts if it is 5A
	wire w_hdr = w_take && r_st[S_HDR];
	wire w_hdr_end = w_take && r_hlast;                            // the check byte
	wire w_reject = w_hdr_end && (!r_in_hok || r_len_bad);
	wire w_accept = w_hdr_end && r_in_hok && !r_len_bad;
	wire w_body = w_take && r_st[S_BODY];
	wire w_crc = w_take && r_st[S_CRC];
	wire w_crc_end = w_crc && (r_cn == 2'd3);
	wire w_crc_ok = r_in_cok && r_lo_ok;
	wire w_timeout = !w_take && !r_st[S_HUNT0] && r_idle_full;
	// the check byte as it will be after this cycle's byte (the next may follow at once)
	wire [7:0] w_hchk_nx = w_hdr ? (r_hchk ^ r_in_b) : r_hchk;

	// drives: the input register
	always @(posedge i_clk) begin
		r_in_v <= !i_reset && (w_rep || i_valid);
		r_in_b <= w_next;
		r_in_a5 <= (w_next == 8'hA5);
		r_in_5a <= (w_next == 8'h5A);
		r_in_hok <= (w_next == w_hchk_nx);
		r_in_cok <= (w_next == w_crc_want[31:24]);
	end

	// drives: the FSM state, one-hot: each state's flip-flop is set by the transitions into it and
	// held while no byte comes (and the timeout has not struck) or the byte keeps it there
	wire w_wait = !w_take && !w_timeout;
	always @(posedge i_clk)
		if (i_reset) begin
			r_st <= 5'b00001;
		end else begin
			r_st[S_HUNT0] <= (r_st[S_HUNT0] && !(w_take && r_in_a5)) ||
					 (r_st[S_HUNT1] && w_take && !r_in_a5 && !r_in_5a) ||
					 (w_hdr_end && !w_accept) || w_crc_end || w_timeout;
			// A5 A5 5A: the second A5 may be the sync
			r_st[S_HUNT1] <= (r_st[S_HUNT0] && w_take && r_in_a5) ||
					 (r_st[S_HUNT1] && (w_wait || (w_take && r_in_a5)));
			r_st[S_HDR] <= (w_hunt1 && r_in_5a) || (r_st[S_HDR] && (w_wait || (w_take && !r_hlast)));
			r_st[S_BODY] <= (w_accept && !r_len0) || (r_st[S_BODY] && (w_wait || (w_take && !r_last)));
			r_st[S_CRC] <= (w_accept && r_len0) || (w_body && r_last) ||
				       (r_st[S_CRC] && (w_wait || (w_take && r_cn != 2'd3)));
		end

	// drives: the outcome pulses
	always @(posedge i_clk) begin
		o_hdr_err <= !i_reset && w_reject && !r_in_hok;
		o_too_long <= !i_reset && w_reject && r_in_hok;
		o_good <= !i_reset && w_crc_end && w_crc_ok;
		o_crc_err <= !i_reset && w_crc_end && !w_crc_ok;
		o_timeout <= !i_reset && w_timeout;
	end

	// drives: the header: the check byte to expect, the count, the length flags
	always @(posedge i_clk)
		if (i_reset || w_hunt1 || w_timeout) begin
			r_hchk <= 8'hFF;
			r_hn <= 2'd0;
			r_hlast <= 1'b0;
		end else if (w_hdr) begin
			r_hchk <= r_hchk ^ r_in_b;
			r_hn <= r_hn + 1'b1;
			r_hlast <= (r_hn == 2'd3);
			if (r_hn == 2'd3) begin
				// r_in_b is len hi: flags for the check byte's decision
				r_len_bad <= (w_len_nx > MAX_LEN);
				r_len0 <= (w_len_nx == 16'd0);
			end
		end

	// drives: the header fields reported (type and seq also with a rejection, for its NAK)
	always @(posedge i_clk)
		if (w_hdr_end) begin
			o_type <= r_rep[31:24];
			o_seq <= r_rep[23:16];
			if (w_accept)
				o_len <= w_len;
		end

	// drives: the header bytes, shifted in as they are taken; a replay shifts them out from the top.
	// Both move one byte per cycle, so bytes a replay feeds back into the header (an A5 5A among
	// them) shift in at the bottom without disturbing the ones still to replay.
	always @(posedge i_clk)
		if (w_hdr || w_rep)
			r_rep <= {r_rep[31:0], w_hdr ? r_in_b : 8'd0};

	// drives: the replay count: a rejected header's five bytes after its 5A (type .. check byte;
	// the 5A cannot sync), one per cycle
	always @(posedge i_clk)
		if (i_reset)
			r_replay <= 3'd0;
		else if (w_reject)
			r_replay <= 3'd5;
		else if (w_rep)
			r_replay <= r_replay - 1'b1;

	// drives: the running CRC over type .. payload
	always @(posedge i_clk)
		if (w_hunt1)
			r_crc <= 32'hFFFFFFFF;
		else if (w_hdr || w_body)
			r_crc <= crc32_byte(r_crc, r_in_b);

	// (The blocks below keep the header's events apart from the payload's and the CRC's: they never
	// come together, and an else between them would put one decision in front of the other.)

	// drives: the buffer write
	always @(posedge i_clk) begin
		o_buf_we <= !i_reset && w_body;
		if (w_body) begin
			o_buf_addr <= r_n;
			o_buf_data <= r_in_b;
		end
	end

	// drives: the payload count and bytes to come
	always @(posedge i_clk)
		if (w_accept) begin
			r_n <= {LG_BUF{1'b0}};
			r_left <= w_len[LG_LEFT-1:0];
			r_last <= (w_len == 16'd1);
		end else if (w_body) begin
			r_n <= r_n + 1'b1;
			r_left <= r_left - 1'b1;
			r_last <= (r_left == 2);
		end

	// drives: the CRC bytes counted
	always @(posedge i_clk)
		if (w_accept)
			r_cn <= 2'd0;
		else if (w_crc)
			r_cn <= r_cn + 1'b1;

	// drives: the first CRC bytes received and the check of the first three
	always @(posedge i_clk)
		if (w_crc) begin
			r_crc_rx <= {r_in_b, r_crc_rx[15:8]};
			if (r_cn == 2'd2)
				r_lo_ok <= ({r_in_b, r_crc_rx} == w_crc_want[23:0]);
		end

	// drives: the inter-byte timeout counter (it runs in every state but the hunt for A5)
	always @(posedge i_clk)
		if (i_reset || w_take) begin
			r_idle <= 0;
			r_idle_full <= 1'b0;
		end else if (!r_st[S_HUNT0]) begin
			r_idle <= r_idle + 1'b1;
			r_idle_full <= (r_idle == {{(LG_TIMEOUT-1){1'b1}}, 1'b0});
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
			assert(!r_hlast || r_st[S_HDR]);
			assert(r_idle_full == (&r_idle));
			assert(r_st != 5'd0 && (r_st & (r_st - 5'd1)) == 5'd0);   // one-hot
		end
`endif
endmodule
