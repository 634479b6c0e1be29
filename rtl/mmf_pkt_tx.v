`default_nettype none
// mmf_pkt_tx: the sending half of the packet layer (docs/protocol.md): frames one packet (sync,
// header with its check byte, the payload passed through from the caller, CRC-32) onto a byte
// stream. Twin of the transmitter in hls_c/mmf_dev.c.
//
// Parameters: none.
//
// The header's bytes are loaded into a shift register at the start, so the byte out and the CRC's
// input need no selection by position.
//
// Reset: FSM state. Header bytes, counters and the CRC are data.
module mmf_pkt_tx (
	input  wire        i_clk,
	input  wire        i_reset,
	// start: the header of the next packet
	input  wire        i_start_valid,
	output wire        o_start_ready,
	input  wire [7:0]  i_type,
	input  wire [7:0]  i_seq,
	input  wire [15:0] i_len,
	// payload: exactly i_len bytes follow the header
	input  wire        i_pl_valid,
	output wire        o_pl_ready,
	input  wire [7:0]  i_pl_data,
	// bytes to the link
	output wire        o_valid,
	input  wire        i_ready,
	output wire [7:0]  o_data
);
	localparam [1:0] S_IDLE = 2'd0, S_HDR = 2'd1, S_PL = 2'd2, S_CRC = 2'd3;

	reg [1:0]   r_state;
	reg [55:0]  r_hq;         // header bytes still to send (sync, type, seq, len, check), the next in [55:48]
	reg [2:0]   r_hn;         // header byte being sent, 0..6
	reg         r_len0;       // no payload
	reg [15:0]  r_left;       // payload bytes still to send
	reg         r_last;       // one payload byte left (kept beside r_left: the FSM reads it)
	reg [1:0]   r_cn;         // CRC byte being sent
	reg [31:0]  r_crc;        // running CRC state (before the final inversion)

`include "mmf_crc32_fn.vh"

	wire [31:0] w_crc_out = ~r_crc;
	wire [7:0]  w_hchk = 8'hFF ^ i_type ^ i_seq ^ i_len[7:0] ^ i_len[15:8];

	assign o_start_ready = (r_state == S_IDLE);
	assign o_valid = (r_state == S_HDR) || (r_state == S_CRC) || (r_state == S_PL && i_pl_valid);
	assign o_data = (r_state == S_HDR) ? r_hq[55:48] :
			(r_state == S_PL) ? i_pl_data : w_crc_out[8*r_cn +: 8];
	assign o_pl_ready = (r_state == S_PL) && i_ready;

	wire w_fire = o_valid && i_ready;

	// drives: FSM, byte counters, header bytes, CRC
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_state <= S_IDLE;
		end else case (r_state)
		S_IDLE: if (i_start_valid) begin
				r_state <= S_HDR;
				r_hn <= 3'd0;
				r_hq <= {8'hA5, 8'h5A, i_type, i_seq, i_len[7:0], i_len[15:8], w_hchk};
				r_len0 <= (i_len == 16'd0);
				r_left <= i_len;
				r_last <= (i_len == 16'd1);
				r_crc <= 32'hFFFFFFFF;
			end
		S_HDR: if (w_fire) begin
				r_hn <= r_hn + 1'b1;
				r_hq <= {r_hq[47:0], 8'd0};
				if (r_hn >= 3'd2)
					r_crc <= crc32_byte(r_crc, r_hq[55:48]);
				if (r_hn == 3'd6) begin
					r_state <= r_len0 ? S_CRC : S_PL;
					r_cn <= 2'd0;
				end
			end
		S_PL: if (w_fire) begin
				r_crc <= crc32_byte(r_crc, i_pl_data);
				r_left <= r_left - 1'b1;
				r_last <= (r_left == 16'd2);
				if (r_last)
					r_state <= S_CRC;
			end
		default: if (w_fire) begin
				r_cn <= r_cn + 1'b1;
				if (r_cn == 2'd3)
					r_state <= S_IDLE;
			end
		endcase
	end

`ifdef FORMAL
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;
	always @(*)
		if (!f_past_valid)
			assume(i_reset);
	always @(posedge i_clk)
		if (f_past_valid && !$past(i_reset)) begin
			// a byte offered from our own state stays offered, unchanged, until taken
			if ($past(o_valid && !i_ready) && $past(r_state) != S_PL) begin
				assert(o_valid);
				assert(o_data == $past(o_data));
			end
			assert(!(o_start_ready && o_valid));
		end
`endif
endmodule
