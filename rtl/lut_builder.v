`default_nettype none
// lut_builder: turns the int8 activation stream into lut's tables. Twin of lut_load() in hls_c/lut.c.
// Each triple of activations (a0, a1, a2) becomes 16 entries T[i] = d0(i) a0 + d1(i) a1 + d2(i) a2
// (d = balanced-ternary digits of i, lut_digits() from the C model), written one per cycle into the
// group's bank at {word, i}. The stream stalls (o_ready low) while a table is written.
//
// Order: groups 0..GROUPS-1 of word 0, then of word 1, ... After the beat marked last, the partial
// group is finished with zeros and all-zero tables follow until the word is complete, so every group
// of every loaded word has a table. Then o_done pulses with the word count.
//
// Parameters:
//   GROUPS   tables (banks) per activation word, LANES / 3, 1..12
//   LG_ACT   log2 of the activation words; a longer vector wraps (K <= 3 GROUPS << LG_ACT is the
//            host's and the C model's limit)
//   EW       bits per table entry (LUT_ENTRY_BITS)
//
// Reset: control state (FSM, counters, write enable, done). Activations and write data are not reset.
module lut_builder #(
	parameter GROUPS = 12,
	parameter LG_ACT = 5,
	parameter EW = 10
) (
	input  wire                    i_clk,
	input  wire                    i_reset,
	// activation stream: a beat moves when i_en && i_valid; the parent's i_en includes o_ready
	input  wire                    i_en,
	input  wire                    i_valid,
	input  wire [7:0]              i_data,
	input  wire                    i_last,
	output wire                    o_ready,
	// table write: one enable per bank, shared address {word, entry} and data
	output reg  [GROUPS-1:0]       o_we,
	output reg  [LG_ACT+3:0]       o_waddr,
	output reg  [EW-1:0]           o_wdata,
	// done: in the cycle of the last table write, with the word count
	output reg                     o_done,
	output reg  [LG_ACT:0]         o_words
);
/* verilator lint_off UNUSEDPARAM */
`include "mmf_consts.vh"
/* verilator lint_on UNUSEDPARAM */
`include "lut_digits_fn.vh"

	localparam LG_G = (GROUPS < 2) ? 1 : $clog2(GROUPS);
	localparam [31:0] LAST_G32 = GROUPS - 1;
	localparam [LG_G-1:0] LAST_G = LAST_G32[LG_G-1:0];
	localparam [GROUPS-1:0] BANK0 = 1;
	localparam [0:0] S_TAKE = 1'b0, S_BUILD = 1'b1;

	// one digit's term: code 2 = +a, code 0 = -a, else 0 (lut_digit_term)
	function [EW-1:0] digit_term;
		input [1:0] code;
		input [7:0] a;
		begin
			if (code == 2'd2)
				digit_term = {{(EW-8){a[7]}}, a};
			else if (code == 2'd0)
				digit_term = -{{(EW-8){a[7]}}, a};
			else
				digit_term = {EW{1'b0}};
		end
	endfunction

	reg [0:0]          r_state;
	reg                r_fin;       // the last beat is in: finish the word with zero groups
	reg [1:0]          r_n;         // activation within the group
	reg [LG_G-1:0]     r_g;         // group (bank)
	reg [3:0]          r_idx;       // table entry
	reg [LG_ACT-1:0]   r_word;      // activation word
	reg                r_idx_last;  // r_idx == 15, kept beside it so the group's end is one gate
	reg                r_g_last;    // r_g == LAST_G, likewise for the word's end
	reg [7:0]          r_a0, r_a1, r_a2;

	wire w_beat = i_en && i_valid;
	wire w_full = w_beat && (i_last || r_n == 2'd2);
	wire w_build = (r_state == S_BUILD);
	wire w_group_end = w_build && r_idx_last;
	wire w_word_end = w_group_end && r_g_last;
	wire [5:0] w_d = lut_digits(r_idx);

	// The write is pipelined in two stages (the three signed terms, then their sum) so that no
	// path holds a negation and two additions in series.
	reg [EW-1:0]       r_t0, r_t1, r_t2;
	reg [GROUPS-1:0]   r_we;
	reg [LG_ACT+3:0]   r_waddr;
	reg                r_done;
	reg [LG_ACT:0]     r_words;

	assign o_ready = (r_state == S_TAKE);

	// drives: FSM state and the finishing flag
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_state <= S_TAKE;
			r_fin <= 1'b0;
		end else if (!w_build) begin
			if (w_full) begin
				r_state <= S_BUILD;
				r_fin <= i_last;
			end
		end else if (w_group_end) begin
			// after the last beat keep building (zero groups) until the word is complete
			r_state <= (r_fin && !w_word_end) ? S_BUILD : S_TAKE;
			r_fin <= r_fin && !w_word_end;
		end
	end

	// drives: the activation counter within a group
	always @(posedge i_clk) begin
		if (i_reset)
			r_n <= 2'd0;
		else if (w_beat)
			r_n <= w_full ? 2'd0 : r_n + 1'b1;
	end

	// drives: entry, group and word counters, and their end flags
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_idx <= 4'd0;
			r_idx_last <= 1'b0;
			r_g <= {LG_G{1'b0}};
			r_g_last <= (LAST_G == {LG_G{1'b0}});
			r_word <= {LG_ACT{1'b0}};
		end else if (w_build) begin
			r_idx <= r_idx + 1'b1;
			r_idx_last <= (r_idx == 4'd14);
			if (w_group_end) begin
				r_g <= w_word_end ? {LG_G{1'b0}} : r_g + 1'b1;
				r_g_last <= w_word_end ? (LAST_G == {LG_G{1'b0}}) : (r_g + 1'b1 == LAST_G);
			end
			if (w_word_end)
				r_word <= r_fin ? {LG_ACT{1'b0}} : r_word + 1'b1;
		end
	end

	// drives: the group's activations; missing ones (and finishing groups) are zero
	always @(posedge i_clk) begin
		if (w_beat) begin
			case (r_n)
			2'd0: begin
				r_a0 <= i_data;
				r_a1 <= 8'd0;
				r_a2 <= 8'd0;
			end
			2'd1: r_a1 <= i_data;
			default: r_a2 <= i_data;
			endcase
		end else if (w_group_end) begin
			r_a0 <= 8'd0;
			r_a1 <= 8'd0;
			r_a2 <= 8'd0;
		end
	end

	// drives: write stage 1, the entry's three terms with its bank, address and done flag
	always @(posedge i_clk) begin
		if (i_reset || !w_build)
			r_we <= {GROUPS{1'b0}};
		else
			r_we <= BANK0 << r_g;
		r_waddr <= {r_word, r_idx};
		r_t0 <= digit_term(w_d[1:0], r_a0);
		r_t1 <= digit_term(w_d[3:2], r_a1);
		r_t2 <= digit_term(w_d[5:4], r_a2);
		r_done <= !i_reset && w_word_end && r_fin;
		r_words <= {1'b0, r_word} + 1'b1;
	end

	// drives: write stage 2, the table write itself, one entry per cycle into one bank
	always @(posedge i_clk) begin
		if (i_reset)
			o_we <= {GROUPS{1'b0}};
		else
			o_we <= r_we;
		o_waddr <= r_waddr;
		o_wdata <= r_t0 + r_t1 + r_t2;
	end

	// drives: completion and word count, beside the last write
	always @(posedge i_clk) begin
		o_done <= !i_reset && r_done;
		o_words <= r_words;
	end

`ifdef FORMAL
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;

	always @(posedge i_clk) begin
		// one bank written at a time, never while taking activations (from the first reset on)
		if (f_past_valid) begin
			assert((o_we & (o_we - 1'b1)) == {GROUPS{1'b0}});
			assert(!(w_build && o_ready));
			assert(r_g <= LAST_G);
			assert(r_idx_last == (r_idx == 4'd15));
			assert(r_g_last == (r_g == LAST_G));
		end
	end
`endif
endmodule
