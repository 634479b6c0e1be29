`default_nettype none
// mmf_info_rom: the data bytes of the INFO answer (docs/protocol.md, "Device info"), byte i_idx one
// cycle after it is asked for: a constant table of the SoC's parameters, read by mmf_cmd while it
// answers INFO. Twin of cmd_info() in hls_c/mmf_dev.c.
//
// Parameters:
//   BOARD_ID, LINK, CLOCK_HZ, LINK_RATE, GIT_REV   the INFO fields (enum mmf_board_id, mmf_link_id)
//   ENG_TAC, ENG_SAC, ENG_LUT   1 for each engine the SoC has (slots in that order)
//   TAC_FMT, TAC_LANES, TAC_LG, SAC_LANES, SAC_LG, LUT_LANES, LUT_LG   the engines as built
//
// Reset: none (a ROM with a registered output).
module mmf_info_rom #(
	parameter BOARD_ID = 0,
	parameter LINK = 0,
	parameter CLOCK_HZ = 48000000,
	parameter LINK_RATE = 12000000,
	parameter GIT_REV = 0,
	parameter ENG_TAC = 1,
	parameter ENG_SAC = 1,
	parameter ENG_LUT = 1,
	parameter TAC_FMT = 1,
	parameter TAC_LANES = 40,
	parameter TAC_LG = 8,
	parameter SAC_LANES = 16,
	parameter SAC_LG = 8,
	parameter LUT_LANES = 36,
	parameter LUT_LG = 5
) (
	input  wire        i_clk,
	// read
	input  wire [7:0]  i_idx,      // data byte (after the status byte)
	output reg  [7:0]  o_byte
);
`include "mmf_slot_fn.vh"

	localparam [7:0] N_ENG = ENG_TAC + ENG_SAC + ENG_LUT;
	localparam [7:0] INFO_BYTES = 8'd24 + 8'd8 * N_ENG;
	localparam [31:0] W_CLOCK = CLOCK_HZ, W_RATE = LINK_RATE, W_REV = GIT_REV;
	localparam [7:0] W_BOARD = BOARD_ID[7:0], W_LINK = LINK[7:0];

	// byte j of the answer data
	function [7:0] info_byte;
		input [7:0] j;
		reg [4:0] jj;   // byte within the engine table: slot 4:3, field 2:0
		reg [15:0] mc;
		begin
			jj = j[4:0] - 5'd24;
			mc = slot_max_cols(jj[4:3]);
			case (j)
			8'd0: info_byte = 8'd1;                 // protocol version (MMF_PROTO_VERSION)
			8'd1: info_byte = W_BOARD;
			8'd2: info_byte = W_LINK;
			8'd3: info_byte = N_ENG;
			8'd4: info_byte = W_CLOCK[7:0];
			8'd5: info_byte = W_CLOCK[15:8];
			8'd6: info_byte = W_CLOCK[23:16];
			8'd7: info_byte = W_CLOCK[31:24];
			8'd8: info_byte = W_RATE[7:0];
			8'd9: info_byte = W_RATE[15:8];
			8'd10: info_byte = W_RATE[23:16];
			8'd11: info_byte = W_RATE[31:24];
			8'd13: info_byte = 8'h40;               // weight words, 16384 (u32)
			8'd17: info_byte = 8'h04;               // max payload, 1024 (u16)
			8'd19: info_byte = 8'h01;               // result rows, 256 (u16)
			8'd20: info_byte = W_REV[7:0];
			8'd21: info_byte = W_REV[15:8];
			8'd22: info_byte = W_REV[23:16];
			8'd23: info_byte = W_REV[31:24];
			default:
				if (j >= 8'd24 && j < INFO_BYTES)
					case (jj[2:0])
					3'd0: info_byte = {6'd0, slot_kind(jj[4:3])};
					3'd1: info_byte = slot_fmt(jj[4:3]);
					3'd2: info_byte = slot_lanes(jj[4:3]);
					3'd3: info_byte = slot_lg(jj[4:3]);
					3'd4: info_byte = mc[7:0];
					3'd5: info_byte = mc[15:8];
					default: info_byte = 8'd0;      // reserved u16
					endcase
				else
					info_byte = 8'd0;
			endcase
		end
	endfunction

	// drives: the registered byte
	always @(posedge i_clk)
		o_byte <= info_byte(i_idx);
endmodule
