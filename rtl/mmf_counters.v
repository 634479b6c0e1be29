`default_nettype none
// mmf_counters: the twelve READ_COUNTERS fields of docs/protocol.md (cycles, busy cycles per engine
// slot, MACs low and high, link bytes in and out, CRC errors, NAKs sent, packets executed, repeats
// answered), each a plain 32-bit register with one incrementer of its own, and the read port the
// command controller answers READ_COUNTERS from. Twin of d->cnt[] in hls_c/mmf_dev.c.
//
// The answer leaves over many cycles while the cycle and bytes-out counters go on, so those two are
// copied (i_snap) when READ_COUNTERS runs and read from the copies. MACs are one 64-bit count kept
// in a 16-bit adder and 16- and 32-bit incrementers, each carry registered on its way up (so the
// count settles a couple of cycles after a row, long before anyone reads it), so no long carry
// chain sits in one cycle.
//
// Parameters:
//   N_ENG   engine slots built (1..3): busy counters of slots beyond are constant 0
//   AW      width of i_mac_n
//
// Reset: every counter (they are control state here: CLEAR_COUNTERS clears them too). The
// snapshots and the read register are data.
module mmf_counters #(
	parameter N_ENG = 3,
	parameter AW = 14
) (
	input  wire           i_clk,
	input  wire           i_reset,
	input  wire           i_clear,       // CLEAR_COUNTERS, RESET: every counter to 0
	// events, one count per cycle each
	input  wire           i_byte_in,
	input  wire           i_byte_out,
	input  wire           i_crc_err,     // CRC error, bad header or length
	input  wire           i_nak,
	input  wire           i_exec,
	input  wire           i_repeat,
	input  wire           i_busy,        // an engine streams weights
	input  wire [1:0]     i_busy_slot,   //   in this slot
	input  wire           i_mac,         // a result row: MACs += i_mac_n
	input  wire [AW-1:0]  i_mac_n,
	// snapshot of cycles and bytes out (READ_COUNTERS runs)
	input  wire           i_snap,
	// read: field i_idx (READ_COUNTERS order) one cycle later
	input  wire [3:0]     i_idx,
	output reg  [31:0]    o_rdata
);
	localparam CNT_CYCLES = 0, CNT_MACS_LO = 4, CNT_MACS_HI = 5, CNT_BYTES_IN = 6,
		   CNT_BYTES_OUT = 7, CNT_CRC = 8, CNT_NAKS = 9, CNT_EXECUTED = 10, CNT_REPEATS = 11;

	wire w_zero = i_reset || i_clear;
	wire [15:0] w_mac_n16 = {{(16-AW){1'b0}}, i_mac_n};   // K <= 2^16 - 1 (AW <= 16)

	reg [31:0] r_mac_lo;
	reg        r_mac_c16;                // carry from r_mac_lo[15:0], not yet in r_mac_lo[31:16]
	reg        r_mac_c;                  // carry from r_mac_lo, not yet in the high word
	reg [31:0] r_snap_cycles, r_snap_out;

	// the counters that count one event at a time, each with its own incrementer:
	// 0 cycles, 1 bytes in, 2 bytes out, 3 CRC errors, 4 NAKs, 5 executed, 6 repeats, 7 MACs high
	localparam E_CYCLES = 0, E_IN = 1, E_OUT = 2, E_CRC = 3, E_NAKS = 4, E_EXEC = 5, E_REP = 6, E_MAC_HI = 7;
	wire [7:0]    w_ev = {r_mac_c, i_repeat, i_exec, i_nak, i_crc_err, i_byte_out, i_byte_in, 1'b1};
	wire [32*8-1:0] w_cnt;
	genvar gc;
	generate
		for (gc = 0; gc < 8; gc = gc + 1) begin : gen_event
			reg [31:0] r_cnt;
			// drives: this event's counter
			always @(posedge i_clk)
				if (w_zero)
					r_cnt <= 32'd0;
				else if (w_ev[gc])
					r_cnt <= r_cnt + 32'd1;
			assign w_cnt[32*gc +: 32] = r_cnt;
		end
	endgenerate

	// drives: the MAC count's low word, added to in two halves, and the carries
	always @(posedge i_clk)
		if (w_zero) begin
			{r_mac_c16, r_mac_lo[15:0]} <= 17'd0;
			{r_mac_c, r_mac_lo[31:16]} <= 17'd0;
		end else begin
			if (i_mac)
				{r_mac_c16, r_mac_lo[15:0]} <= {1'b0, r_mac_lo[15:0]} + {1'b0, w_mac_n16};
			else
				r_mac_c16 <= 1'b0;
			if (r_mac_c16)
				{r_mac_c, r_mac_lo[31:16]} <= {1'b0, r_mac_lo[31:16]} + 17'd1;
			else
				r_mac_c <= 1'b0;
		end

	// busy cycles, one counter per slot built
	wire [32*3-1:0] w_busy;
	genvar gs;
	generate
		for (gs = 0; gs < 3; gs = gs + 1) begin : gen_busy
			if (gs < N_ENG) begin : gen_cnt
				reg [31:0] r_busy;
				// drives: this slot's busy cycles
				always @(posedge i_clk)
					if (w_zero)
						r_busy <= 32'd0;
					else if (i_busy && i_busy_slot == gs)
						r_busy <= r_busy + 32'd1;
				assign w_busy[32*gs +: 32] = r_busy;
			end else begin : gen_none
				assign w_busy[32*gs +: 32] = 32'd0;
			end
		end
	endgenerate

	// drives: the snapshots of the two counters that move while the answer goes out
	always @(posedge i_clk)
		if (i_snap) begin
			r_snap_cycles <= w_cnt[32*E_CYCLES +: 32];
			r_snap_out <= w_cnt[32*E_OUT +: 32];
		end

	// drives: the read register
	always @(posedge i_clk)
		case (i_idx)
		CNT_CYCLES: o_rdata <= r_snap_cycles;
		4'd1: o_rdata <= w_busy[31:0];
		4'd2: o_rdata <= w_busy[63:32];
		4'd3: o_rdata <= w_busy[95:64];
		CNT_MACS_LO: o_rdata <= r_mac_lo;
		CNT_MACS_HI: o_rdata <= w_cnt[32*E_MAC_HI +: 32];
		CNT_BYTES_IN: o_rdata <= w_cnt[32*E_IN +: 32];
		CNT_BYTES_OUT: o_rdata <= r_snap_out;
		CNT_CRC: o_rdata <= w_cnt[32*E_CRC +: 32];
		CNT_NAKS: o_rdata <= w_cnt[32*E_NAKS +: 32];
		CNT_EXECUTED: o_rdata <= w_cnt[32*E_EXEC +: 32];
		CNT_REPEATS: o_rdata <= w_cnt[32*E_REP +: 32];
		default: o_rdata <= 32'd0;
		endcase
endmodule
