`default_nettype none
// mmf_async_fifo: a FIFO between two clock domains: entries go in on i_wclk and come out on i_rclk,
// each side a valid/ready stream. The pointers are one bit wider than the address (full and empty
// apart) and cross as Gray codes through two flip-flops, so a pointer caught mid-change is either
// its old or its new value: the write side sees the read pointer late (it may think the FIFO
// fuller than it is, never emptier) and the read side sees the write pointer late (emptier, never
// fuller). The read side is first-word-fall-through: an output register holds the head, refilled
// from the memory (a registered read with an enable, as an iCE40 block RAM reads) in the cycle it
// is taken, so a stream moves one entry per cycle. The memory is inferred: at W 8 and LG_DEPTH 9
// one 512 x 8 block RAM with its read and write ports on the two clocks.
//
// The flags are registers. Full (behind o_wr_ready) is judged by a copy of the read pointer a cycle
// older than the synchroniser's: it may clear a cycle late, never set late. Not-empty (behind the
// fetch into the output register) is judged by a copy of the write pointer a cycle older: a new
// entry reaches o_rd_valid a cycle later, and a stream still moves one entry per cycle. Each flag
// compares the pointer as it will be after this cycle with the copy, and that pointer is a choice
// between two registers (the pointer, and the pointer plus one in its own register), so no carry,
// Gray decode or compare stands between a handshake and the flag for the next one.
//
// o_wr_fill tells the write side how full the FIFO is (registered: the entries written up to the
// cycle before, less the read pointer as it was a few cycles ago): never less than the entries in
// it. A writer that must never see o_wr_ready low (mmf_ft245_sync's receive side) stops early by
// it.
//
// Parameters:
//   LG_DEPTH  log2 of the number of entries, >= 2 (9: one block RAM at W 8)
//   W         width of an entry
//
// Reset: each side resets its own pointers, its synchroniser, its flag and (read side) the output
// valid, in its own clock: i_wreset on i_wclk, i_rreset on i_rclk. The FIFO is empty again once
// both sides have been in reset at a common moment and the side released first has not moved an
// entry before the other saw its reset (mmf_ft245_sync holds its core side in reset until the FIFO
// clock's side has been through its own). The memory is not reset.
module mmf_async_fifo #(
	parameter LG_DEPTH = 9,
	parameter W = 8
) (
	// write side
	input  wire              i_wclk,
	input  wire              i_wreset,
	input  wire              i_wr_valid,
	output wire              o_wr_ready,
	input  wire [W-1:0]      i_wr_data,
	output reg  [LG_DEPTH:0] o_wr_fill,
	// read side
	input  wire              i_rclk,
	input  wire              i_rreset,
	output reg               o_rd_valid,
	input  wire              i_rd_ready,
	output reg  [W-1:0]      o_rd_data
);
	localparam DEPTH = 1 << LG_DEPTH;
	localparam AW = LG_DEPTH + 1;     // pointer width: address and wrap bit

	reg  [W-1:0]    r_mem [0:DEPTH-1];
	// write side
	reg  [AW-1:0]   r_wbin;           // the next entry to write, binary
	reg  [AW-1:0]   r_wbin_nx;        // r_wbin + 1
	reg  [AW-1:0]   r_wgray;          // r_wbin in Gray code: what the read side synchronises
	reg  [AW-1:0]   r_rg1, r_rg2;     // the read pointer (Gray), two flip-flops into i_wclk
	// read side
	reg  [AW-1:0]   r_rbin;           // the next entry to fetch into the output register, binary
	reg  [AW-1:0]   r_rbin_nx;        // r_rbin + 1
	reg  [AW-1:0]   r_rgray;          // r_rbin in Gray code: what the write side synchronises
	reg  [AW-1:0]   r_wg1, r_wg2;     // the write pointer (Gray), two flip-flops into i_rclk
	reg             r_avail;          // not empty, registered (see below; 0 as after a reset)

	reg             r_full;           // full, registered (see below)
	reg  [AW-1:0]   r_rs_bin;         // the synchronised read pointer, decoded to binary
	wire            w_push = i_wr_valid && o_wr_ready;
	wire [AW-1:0]   w_wgray_nx = r_wbin_nx ^ (r_wbin_nx >> 1);
	// the read pointer's copy as full compares it: a whole lap on (in Gray code: the top two bits
	// inverted, the rest equal)
	wire [AW-1:0]   w_rg_lap = {~r_rg2[AW-1:AW-2], r_rg2[AW-3:0]};
	wire            w_fetch = r_avail && (!o_rd_valid || i_rd_ready);
	wire [AW-1:0]   w_rgray_nx = r_rbin_nx ^ (r_rbin_nx >> 1);

	assign o_wr_ready = !i_wreset && !r_full;

	// the synchronised read pointer in binary (a Gray code decodes by a running XOR from the top)
	reg  [AW-1:0]   w_rg_bin;
	integer i;
	always @(*) begin
		w_rg_bin[AW-1] = r_rg2[AW-1];
		for (i = AW - 2; i >= 0; i = i - 1)
			w_rg_bin[i] = w_rg_bin[i + 1] ^ r_rg2[i];
	end

	// ---- write side (i_wclk) ----

	// drives: the write pointer, binary (and plus one) and Gray
	always @(posedge i_wclk)
		if (i_wreset) begin
			r_wbin <= 0;
			r_wbin_nx <= 1;
			r_wgray <= 0;
		end else if (w_push) begin
			r_wbin <= r_wbin_nx;
			r_wbin_nx <= r_wbin_nx + 1'b1;
			r_wgray <= w_wgray_nx;
		end

	// drives: the full flag: the write pointer after this cycle a whole lap ahead of the read
	// pointer's copy before it. The copy is a cycle older than the one a combinational test would
	// use, so the flag may stay up a cycle longer, never less: o_wr_ready starts at a register
	always @(posedge i_wclk)
		if (i_wreset)
			r_full <= 1'b0;
		else if (w_push)
			r_full <= (w_wgray_nx == w_rg_lap);
		else
			r_full <= (r_wgray == w_rg_lap);

	// drives: the read pointer's synchroniser
	always @(posedge i_wclk)
		if (i_wreset) begin
			r_rg1 <= 0;
			r_rg2 <= 0;
		end else begin
			r_rg1 <= r_rgray;
			r_rg2 <= r_rg1;
		end

	// drives: the fill level the write side reports, from the read pointer's copy decoded a cycle
	// earlier (the decode is a chain of XORs; a staler read pointer only overstates the fill)
	always @(posedge i_wclk)
		if (i_wreset) begin
			r_rs_bin <= 0;
			o_wr_fill <= 0;
		end else begin
			r_rs_bin <= w_rg_bin;
			o_wr_fill <= r_wbin - r_rs_bin;
		end

	// drives: the memory
	always @(posedge i_wclk)
		if (w_push)
			r_mem[r_wbin[LG_DEPTH-1:0]] <= i_wr_data;

	// ---- read side (i_rclk) ----

	// drives: the read pointer, binary (and plus one) and Gray
	always @(posedge i_rclk)
		if (i_rreset) begin
			r_rbin <= 0;
			r_rbin_nx <= 1;
			r_rgray <= 0;
		end else if (w_fetch) begin
			r_rbin <= r_rbin_nx;
			r_rbin_nx <= r_rbin_nx + 1'b1;
			r_rgray <= w_rgray_nx;
		end

	// r_rbin's wrap bit: only the proofs read it (the Gray pointer, from r_rbin_nx, carries the wrap)
	wire w_unused = r_rbin[AW-1];

	// drives: the not-empty flag: the read pointer after this cycle short of the write pointer's
	// copy before it. A cycle older than a combinational test's copy: the flag may rise a cycle
	// later, never fall later
	always @(posedge i_rclk)
		if (i_rreset)
			r_avail <= 1'b0;
		else if (w_fetch)
			r_avail <= (w_rgray_nx != r_wg2);
		else
			r_avail <= (r_rgray != r_wg2);

	// drives: the write pointer's synchroniser
	always @(posedge i_rclk)
		if (i_rreset) begin
			r_wg1 <= 0;
			r_wg2 <= 0;
		end else begin
			r_wg1 <= r_wgray;
			r_wg2 <= r_wg1;
		end

	// drives: the output register's valid bit
	always @(posedge i_rclk)
		if (i_rreset)
			o_rd_valid <= 1'b0;
		else if (w_fetch)
			o_rd_valid <= 1'b1;
		else if (i_rd_ready)
			o_rd_valid <= 1'b0;

	// drives: the output register (the memory's registered read)
	always @(posedge i_rclk)
		if (w_fetch)
			o_rd_data <= r_mem[r_rbin[LG_DEPTH-1:0]];

`ifdef FORMAL
	// Proven by tests/test_formal.sh with the two clocks free (MULTICLOCK=1 scripts/prove.sh):
	// whatever the clocks do, each copy of a pointer lags the pointer and never passes it, so the
	// write side never overwrites an entry not yet read and the read side never reads one not yet
	// written.
	localparam [AW-1:0] F_DEPTH = DEPTH;
	function [AW-1:0] f_bin(input [AW-1:0] g);  // Gray to binary
		integer k;
		begin
			f_bin[AW-1] = g[AW-1];
			for (k = AW - 2; k >= 0; k = k - 1)
				f_bin[k] = f_bin[k + 1] ^ g[k];
		end
	endfunction
	// both sides have been in reset together, each seeing it at an edge of its clock
	reg           f_wrst = 1'b0, f_rrst = 1'b0;
	wire          f_reset = f_wrst && f_rrst;
	wire [AW-1:0] f_count = r_wbin - r_rbin;            // entries written, not yet fetched
	// how far each copy lags what it copies (the later stage lags at least as much)
	wire [AW-1:0] f_rlag1 = r_rbin - f_bin(r_rg1), f_rlag2 = r_rbin - f_bin(r_rg2);
	wire [AW-1:0] f_wlag1 = r_wbin - f_bin(r_wg1), f_wlag2 = r_wbin - f_bin(r_wg2);
	// r_rs_bin is the copy r_full was judged by (both registered from r_rg2 on the same edge);
	// f_wg3 is the copy r_avail was judged by
	reg  [AW-1:0] f_wg3 = 0;
	always @(posedge i_rclk)
		f_wg3 <= i_rreset ? {AW{1'b0}} : r_wg2;
	wire [AW-1:0] f_rlag3 = r_rbin - r_rs_bin;
	wire [AW-1:0] f_wlag3 = r_wbin - f_bin(f_wg3);
	always @(posedge i_wclk)
		if (i_wreset && i_rreset)
			f_wrst <= 1'b1;
	always @(posedge i_rclk)
		if (i_wreset && i_rreset)
			f_rrst <= 1'b1;
`ifdef MMF_PROVE_TOP_mmf_async_fifo
	// proven alone: both sides reset together at the start, and not again (in mmf_ft245_sync the
	// reset reaches one side before the other, but both are in reset together before either leaves)
	always @(*)
		assume(f_reset ? (!i_wreset && !i_rreset) : (i_wreset && i_rreset));
`endif
`ifndef MMF_PROVE_TOP_mmf_ft245_sync
	// (in mmf_ft245_sync's proof, which leaves the reset handshake's state free, these are not
	// inductive: they are proven here alone and checked in simulation inside the PHY)
	always @(*)
		if (f_reset && !i_wreset && !i_rreset) begin
			// the Gray pointers are the binary ones encoded
			assert(r_wgray == (r_wbin ^ (r_wbin >> 1)));
			assert(r_rgray == (r_rbin ^ (r_rbin >> 1)));
			// never more entries than the memory holds
			assert(f_count <= F_DEPTH);
			// the read pointer's copies lag it, the older copy more; the write side's idea of
			// the fill (r_wbin - its copy) is at most the memory
			assert(f_rlag1 <= f_rlag2);
			assert({1'b0, f_count} + {1'b0, f_rlag2} <= {1'b0, F_DEPTH});
			// the registered full flag: judged by an older copy still (r_rs_bin), it is up
			// whenever the write pointer is a lap ahead of that copy, so no push overwrites
			assert(f_rlag2 <= f_rlag3);
			assert({1'b0, f_count} + {1'b0, f_rlag3} <= {1'b0, F_DEPTH});
			if (r_wbin - r_rs_bin == F_DEPTH)
				assert(r_full);
			// the pointers plus one
			assert(r_wbin_nx == r_wbin + 1'b1);
			assert(r_rbin_nx == r_rbin + 1'b1);
			// the registered not-empty flag: judged by an older copy still (f_wg3), which the read
			// pointer never passes; it is up whenever the read pointer has caught that copy up,
			// so no fetch reads an entry not yet written
			assert(f_wlag2 <= f_wlag3);
			assert(f_wlag3 <= f_count);
			if (f_wlag3 == f_count)
				assert(!r_avail);
			// the write pointer's copies lag it by at most the entries in the FIFO: the read
			// side never sees an entry that was not written
			assert(f_wlag1 <= f_wlag2);
			assert(f_wlag2 <= f_count);
		end
`endif
`endif
endmodule
