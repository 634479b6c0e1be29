`default_nettype none
// mmf_async_fifo: a FIFO between two clock domains: entries go in on i_wclk and come out on i_rclk,
// each side a valid/ready stream. The pointers are one bit wider than the address (full and empty
// apart) and cross as Gray codes through two flip-flops, so a pointer caught mid-change is either its
// old or its new value: the write side sees the read pointer late (it may think the FIFO fuller than
// it is, never emptier) and the read side sees the write pointer late (emptier, never fuller). The
// read side is first-word-fall-through: an output register holds the head, refilled from the memory
// (a registered read with an enable, as an iCE40 block RAM reads) in the cycle it is taken, so a
// stream moves one entry per cycle. The memory is inferred: at W 8 and LG_DEPTH 9 one 512 x 8 block
// RAM with its read and write ports on the two clocks.
//
// o_wr_fill tells the write side how full the FIFO is (registered: the count one cycle ago, with the
// late read pointer): never less than the entries that were in it then. A writer that must never
// see o_wr_ready low (mmf_ft245_sync's receive side) stops early by it.
//
// Parameters:
//   LG_DEPTH  log2 of the number of entries, >= 2 (9: one block RAM at W 8)
//   W         width of an entry
//
// Reset: each side resets its own pointers, its synchroniser and (read side) the output valid, in
// its own clock: i_wreset on i_wclk, i_rreset on i_rclk. The FIFO is empty again once both sides
// have been in reset at a common moment and the side released first has not moved an entry before
// the other saw its reset (mmf_ft245_sync holds its core side in reset until the FIFO clock's side
// has been through its own). The memory is not reset.
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
	reg  [AW-1:0]   r_wgray;          // the same in Gray code: what the read side synchronises
	reg  [AW-1:0]   r_rg1, r_rg2;     // the read pointer (Gray), two flip-flops into i_wclk
	// read side
	reg  [AW-1:0]   r_rbin;           // the next entry to fetch into the output register, binary
	reg  [AW-1:0]   r_rgray;          // the same in Gray code: what the write side synchronises
	reg  [AW-1:0]   r_wg1, r_wg2;     // the write pointer (Gray), two flip-flops into i_rclk

	// full: the write pointer is a whole lap ahead of the (late) read pointer; in Gray code that is
	// the top two bits inverted and the rest equal
	wire            w_full = (r_wgray == {~r_rg2[AW-1:AW-2], r_rg2[AW-3:0]});
	wire            w_push = i_wr_valid && o_wr_ready;
	wire [AW-1:0]   w_wbin_nx = r_wbin + 1'b1;
	wire            w_empty = (r_rgray == r_wg2);
	wire            w_fetch = !w_empty && (!o_rd_valid || i_rd_ready);
	wire [AW-1:0]   w_rbin_nx = r_rbin + 1'b1;

	assign o_wr_ready = !i_wreset && !w_full;

	// the synchronised read pointer in binary (a Gray code decodes by a running XOR from the top)
	reg  [AW-1:0]   w_rg_bin;
	integer i;
	always @(*) begin
		w_rg_bin[AW-1] = r_rg2[AW-1];
		for (i = AW - 2; i >= 0; i = i - 1)
			w_rg_bin[i] = w_rg_bin[i + 1] ^ r_rg2[i];
	end

	// ---- write side (i_wclk) ----

	// drives: the write pointer, binary and Gray
	always @(posedge i_wclk)
		if (i_wreset) begin
			r_wbin <= 0;
			r_wgray <= 0;
		end else if (w_push) begin
			r_wbin <= w_wbin_nx;
			r_wgray <= w_wbin_nx ^ (w_wbin_nx >> 1);
		end

	// drives: the read pointer's synchroniser
	always @(posedge i_wclk)
		if (i_wreset) begin
			r_rg1 <= 0;
			r_rg2 <= 0;
		end else begin
			r_rg1 <= r_rgray;
			r_rg2 <= r_rg1;
		end

	// drives: the fill level the write side reports
	always @(posedge i_wclk)
		if (i_wreset)
			o_wr_fill <= 0;
		else
			o_wr_fill <= r_wbin - w_rg_bin;

	// drives: the memory
	always @(posedge i_wclk)
		if (w_push)
			r_mem[r_wbin[LG_DEPTH-1:0]] <= i_wr_data;

	// ---- read side (i_rclk) ----

	// drives: the read pointer, binary and Gray
	always @(posedge i_rclk)
		if (i_rreset) begin
			r_rbin <= 0;
			r_rgray <= 0;
		end else if (w_fetch) begin
			r_rbin <= w_rbin_nx;
			r_rgray <= w_rbin_nx ^ (w_rbin_nx >> 1);
		end

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
	reg           f_reset = 1'b0;   // both sides have been in reset together
	wire [AW-1:0] f_count = r_wbin - r_rbin;            // entries written, not yet fetched
	// how far each copy lags what it copies (the later stage lags at least as much)
	wire [AW-1:0] f_rlag1 = r_rbin - f_bin(r_rg1), f_rlag2 = r_rbin - f_bin(r_rg2);
	wire [AW-1:0] f_wlag1 = r_wbin - f_bin(r_wg1), f_wlag2 = r_wbin - f_bin(r_wg2);
	always @(posedge i_wclk)
		if (i_wreset && i_rreset)
			f_reset <= 1'b1;
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
			// the write pointer's copies lag it by at most the entries in the FIFO: the read
			// side never sees an entry that was not written
			assert(f_wlag1 <= f_wlag2);
			assert(f_wlag2 <= f_count);
		end
`endif
`endif
endmodule
