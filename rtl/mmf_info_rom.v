`default_nettype none
// mmf_info_rom: the data bytes of the INFO answer (docs/protocol.md, "Device info"), byte i_idx two
// cycles after it is asked for: a constant table of the SoC's parameters, read by mmf_cmd while it
// answers INFO. Twin of cmd_info() in hls_c/mmf_dev.c.
//
// Parameters:
//   BOARD_ID, LINK, CLOCK_HZ, LINK_RATE, GIT_REV   the INFO fields (enum mmf_board_id, mmf_link_id)
//   ENG_TAC, ENG_SAC, ENG_LUT   1 for each engine the SoC has (slots in that order)
//   TAC_FMT, TAC_LANES, TAC_LG, SAC_LANES, SAC_LG, LUT_LANES, LUT_LG   the engines as built
//   OPT_I2C    1: the table ends with the features byte (bit 0: the I2C master); 0: no such byte
//   MEM_WORDS   weight memory words, reported as the weight words field
//
// The git revision (bytes 20..23) is not in the table's logic but in a 256 x 8 ROM of its own, indexed
// by i_idx, which synthesis maps to one block RAM. Built with MMF_REV_EBR defined (scripts/bitstream.sh
// on boards with a block RAM to spare) to the name of a hex file, the ROM holds its placeholder bytes, and
// bitstream.sh writes the revision into the placed design with icebram: the netlist, and so the
// placement and the clock it meets, are then the same at every commit. Otherwise (simulation, or a
// board without a spare block RAM) the revision is GIT_REV, in logic.
//
// Reset: none (a ROM with two registered stages).
module mmf_info_rom #(
	parameter BOARD_ID = 0,
	parameter LINK = 0,
	parameter CLOCK_HZ = 48000000,
	parameter LINK_RATE = 12000000,
	/* verilator lint_off UNUSEDPARAM */
	parameter GIT_REV = 0,      // not used with MMF_REV_EBR: icebram writes the revision
	/* verilator lint_on UNUSEDPARAM */
	parameter ENG_TAC = 1,
	parameter ENG_SAC = 1,
	parameter ENG_LUT = 1,
	parameter TAC_FMT = 1,
	parameter TAC_LANES = 40,
	parameter TAC_LG = 8,
	parameter SAC_LANES = 16,
	parameter SAC_LG = 8,
	parameter LUT_LANES = 36,
	parameter LUT_LG = 5,
	parameter OPT_I2C = 0,
	parameter MEM_WORDS = 16384
) (
	input  wire        i_clk,
	// read
	input  wire [7:0]  i_idx,      // data byte (after the status byte)
	output reg  [7:0]  o_byte
);
`include "mmf_slot_fn.vh"

	localparam [7:0] N_ENG = ENG_TAC + ENG_SAC + ENG_LUT;
	localparam [7:0] ENG_END = 8'd24 + 8'd8 * N_ENG;      // the engine table ends here
	localparam [7:0] INFO_BYTES = ENG_END + ((OPT_I2C != 0) ? 8'd1 : 8'd0);
	localparam [7:0] FEATURES = (OPT_I2C != 0) ? 8'h01 : 8'h00;
	localparam [31:0] W_CLOCK = CLOCK_HZ, W_RATE = LINK_RATE, W_MEM = MEM_WORDS;
	localparam [7:0] W_BOARD = BOARD_ID[7:0], W_LINK = LINK[7:0];

	// bytes 0..23 of the answer data (the fixed fields), by j[4:0]
	function [7:0] head_byte;
		input [4:0] j;
		case (j)
		5'd0: head_byte = 8'd1;                 // protocol version (MMF_PROTO_VERSION)
		5'd1: head_byte = W_BOARD;
		5'd2: head_byte = W_LINK;
		5'd3: head_byte = N_ENG;
		5'd4: head_byte = W_CLOCK[7:0];
		5'd5: head_byte = W_CLOCK[15:8];
		5'd6: head_byte = W_CLOCK[23:16];
		5'd7: head_byte = W_CLOCK[31:24];
		5'd8: head_byte = W_RATE[7:0];
		5'd9: head_byte = W_RATE[15:8];
		5'd10: head_byte = W_RATE[23:16];
		5'd11: head_byte = W_RATE[31:24];
		5'd12: head_byte = W_MEM[7:0];          // weight words (u32)
		5'd13: head_byte = W_MEM[15:8];
		5'd14: head_byte = W_MEM[23:16];
		5'd15: head_byte = W_MEM[31:24];
		5'd17: head_byte = 8'h04;               // max payload, 1024 (u16)
		5'd19: head_byte = 8'h01;               // result rows, 256 (u16)
		default: head_byte = 8'd0;
		endcase
	endfunction

	// the 8 bytes of engine slot jj[4:3], field jj[2:0]
	function [7:0] slot_byte;
		input [4:0] jj;
		reg [15:0] mc;
		begin
			mc = slot_max_cols(jj[4:3]);
			case (jj[2:0])
			3'd0: slot_byte = {6'd0, slot_kind(jj[4:3])};
			3'd1: slot_byte = slot_fmt(jj[4:3]);
			3'd2: slot_byte = slot_lanes(jj[4:3]);
			3'd3: slot_byte = slot_lg(jj[4:3]);
			3'd4: slot_byte = mc[7:0];
			3'd5: slot_byte = mc[15:8];
			default: slot_byte = 8'd0;      // reserved u16
			endcase
		end
	endfunction

	// Two stages, so no path holds the whole 8-input table: the fixed and the engine half and which
	// one applies, then the choice.
	reg [7:0] r_head, r_slot;
	reg [7:0] r_rev;            // the revision ROM's byte (a block RAM's read register)
	reg [1:0] r_part;           // 0 fixed fields, 1 engine table, 3 the features byte, 2 past the end
	reg       r_is_rev;         // the byte is one of the revision's
	wire [4:0] w_jj = i_idx[4:0] - 5'd24;   // byte within the engine table (j - 24, mod 32)

	// drives: stage 1, the two halves and the choice
	always @(posedge i_clk) begin
		r_head <= head_byte(i_idx[4:0]);
		r_slot <= slot_byte(w_jj);
		r_is_rev <= (i_idx >= 8'd20 && i_idx < 8'd24);
		r_part <= (i_idx < 8'd24) ? 2'd0 : (i_idx < ENG_END) ? 2'd1 : (i_idx < INFO_BYTES) ? 2'd3 : 2'd2;
	end

	// drives: r_rev, stage 1's revision byte
`ifdef MMF_REV_EBR
	reg [7:0] rev_rom [0:255];
	initial $readmemh(`MMF_REV_EBR, rev_rom);
	always @(posedge i_clk)
		r_rev <= rev_rom[i_idx];
`else
	localparam [31:0] W_REV = GIT_REV;
	always @(posedge i_clk)
		r_rev <= W_REV[8 * i_idx[1:0] +: 8];    // bytes 20..23: i_idx[1:0] 0..3
`endif

	// drives: stage 2, the byte
	always @(posedge i_clk)
		o_byte <= (r_part == 2'd0) ? (r_is_rev ? r_rev : r_head) : (r_part == 2'd1) ? r_slot : (r_part == 2'd3) ? FEATURES : 8'd0;
endmodule
