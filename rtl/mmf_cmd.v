`default_nettype none
// mmf_cmd: the command controller of the SoC (docs/protocol.md), twin of the sequence and command
// layers of hls_c/mmf_dev.c: takes each packet the receiver reports, applies the sequence rules,
// runs the command against the weight memory, the engines and the result buffer, and feeds the
// answer to the transmitter. One packet at a time; a packet that completes while the controller is
// busy is held (the receiver is stopped meanwhile) and taken next.
//
// Engine slots: the engines built (ENG_TAC, ENG_SAC, ENG_LUT), numbered in that order from 0. Activations of a LOAD_ACT are streamed into the
// engine as they are read from the packet buffer, holding back the last byte of each packet so that
// the final packet can mark it last even when it carries no activation itself.
//
// Parameters:
//   BOARD_ID, LINK, CLOCK_HZ, LINK_RATE, GIT_REV   the INFO fields (enum mmf_board_id, mmf_link_id)
//   ENG_TAC, ENG_SAC, ENG_LUT   1 for each engine the SoC has (a board picks what fits)
//   TAC_FMT, TAC_LANES, TAC_LG, SAC_LANES, SAC_LG, LUT_LANES, LUT_LG   the engines as built
//
// Reset: all control state, counters and the sequence state. Argument registers are data.
module mmf_cmd #(
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
	input  wire         i_clk,
	input  wire         i_reset,
	// receiver outcome
	input  wire         i_good,
	input  wire         i_crc_err,
	input  wire         i_hdr_err,
	input  wire         i_too_long,
	input  wire [7:0]   i_type,
	input  wire [7:0]   i_seq,
	input  wire [15:0]  i_len,
	output wire         o_rx_hold,     // a packet is held: the receiver must not take bytes
	input  wire         i_byte_in,     // a link byte arrived (counted)
	// packet buffer read (one-cycle latency)
	output reg  [9:0]   o_pb_addr,
	input  wire [7:0]   i_pb_data,
	// transmitter
	output reg          o_tx_start,
	input  wire         i_tx_idle,
	output reg  [7:0]   o_tx_type,
	output reg  [7:0]   o_tx_seq,
	output reg  [15:0]  o_tx_len,
	output reg          o_pl_valid,
	input  wire         i_pl_ready,
	output reg  [7:0]   o_pl_data,
	input  wire         i_byte_out,    // a link byte left (counted)
	// weight memory (the controller's port; the stream reader has the other side of a mux)
	output reg  [13:0]  o_mem_addr,
	output reg          o_mem_we,
	output reg  [63:0]  o_mem_wdata,
	input  wire [63:0]  i_mem_rdata,
	output wire         o_mem_own,     // the controller drives the memory (not running)
	// stream reader command
	output reg          o_ws_valid,
	input  wire         i_ws_ready,
	output reg  [13:0]  o_ws_base,
	output reg  [14:0]  o_ws_count,
	output reg  [1:0]   o_eng,         // engine slot of the current LOAD_ACT / RUN
	// engines
	output reg  [2:0]   o_eng_reset,
	output reg          o_act_valid,
	input  wire         i_act_ready,   // of engine o_eng
	output reg  [7:0]   o_act_data,
	output reg          o_act_last,
	input  wire         i_res_valid,   // of engine o_eng
	input  wire [31:0]  i_res_data,
	input  wire         i_res_last,
	// result buffer
	output reg          o_rb_we,
	output reg  [7:0]   o_rb_waddr,
	output reg  [31:0]  o_rb_wdata,
	output reg  [7:0]   o_rb_raddr,
	input  wire [31:0]  i_rb_rdata
);
	// commands, statuses, NAK reasons, counters (hls_c/mmf_dev.h)
	localparam [7:0] CMD_SYNC = 8'h01, CMD_INFO = 8'h02, CMD_WRITE_MEM = 8'h10, CMD_READ_MEM = 8'h11,
			 CMD_LOAD_ACT = 8'h20, CMD_RUN = 8'h21, CMD_READ_RES = 8'h22,
			 CMD_READ_COUNTERS = 8'h30, CMD_CLEAR_COUNTERS = 8'h31, CMD_RESET = 8'h3F;
	localparam [7:0] ST_OK = 8'd0, ST_BAD_LENGTH = 8'd1, ST_BAD_ENGINE = 8'd2, ST_BAD_ADDRESS = 8'd3,
			 ST_TOO_MANY = 8'd4, ST_NOT_LOADED = 8'd5;
	localparam [7:0] NAK_CRC = 8'd1, NAK_OOO = 8'd2, NAK_TOO_LONG = 8'd3, NAK_UNKNOWN = 8'd4;
	localparam CNT_CYCLES = 0, CNT_BUSY0 = 1, CNT_MACS_LO = 4, CNT_MACS_HI = 5, CNT_BYTES_IN = 6,
		   CNT_BYTES_OUT = 7, CNT_CRC = 8, CNT_NAKS = 9, CNT_EXECUTED = 10, CNT_REPEATS = 11;
	localparam [4:0] S_IDLE = 5'd0, S_ARGS = 5'd1, S_SEQ = 5'd2, S_CHECK = 5'd3, S_RECORD = 5'd4,
			 S_NAK = 5'd5, S_RESP = 5'd6, S_PL = 5'd7, S_PL_WAIT = 5'd8, S_DONE = 5'd9,
			 S_WRITE = 5'd10, S_LOAD = 5'd11, S_RUN_GO = 5'd12, S_RUN_WAIT = 5'd13,
			 S_CLEAR = 5'd14, S_RESET = 5'd15, S_PL_MEM = 5'd16;
	localparam INFO_BYTES = 24 + 8 * (ENG_TAC + ENG_SAC + ENG_LUT);

	function known;
		input [7:0] t;
		known = t == CMD_SYNC || t == CMD_INFO || t == CMD_WRITE_MEM || t == CMD_READ_MEM ||
			t == CMD_LOAD_ACT || t == CMD_RUN || t == CMD_READ_RES || t == CMD_READ_COUNTERS ||
			t == CMD_CLEAR_COUNTERS || t == CMD_RESET;
	endfunction
	function reads;
		input [7:0] t;
		reads = t == CMD_INFO || t == CMD_READ_MEM || t == CMD_READ_RES || t == CMD_READ_COUNTERS;
	endfunction
	function [4:0] exec_state;
		input [7:0] t;
		exec_state = (t == CMD_WRITE_MEM) ? S_WRITE : (t == CMD_LOAD_ACT) ? S_LOAD :
			     (t == CMD_RUN) ? S_RUN_GO : (t == CMD_CLEAR_COUNTERS) ? S_CLEAR :
			     (t == CMD_RESET) ? S_RESET : S_RESP;
	endfunction

	// ---- sequence state and the held packet ----
	reg        r_synced;
	reg [7:0]  r_last_seq, r_last_type, r_last_status;
	reg        r_held, r_held_good;
	reg [7:0]  r_type, r_seq;
	reg [15:0] r_len;

	// ---- the command being run ----
	reg [4:0]  r_state;
	reg [39:0] r_arg;            // payload bytes 0..4, byte 0 in [7:0]
	reg [2:0]  r_argn;
	reg [7:0]  r_status;
	reg [7:0]  r_rtype;          // response type
	reg [15:0] r_i;              // byte or word counter
	reg [1:0]  r_fetch;          // packet-buffer / memory read pipeline

	// ---- engines ----
	reg [2:0]  r_loaded;
	reg [13:0] r_act_n [0:2];    // activations gathered per slot
	reg [7:0]  r_lane [0:2];     // lane of the next activation per slot (to count words)
	reg [8:0]  r_words [0:2];    // words per row of the gathered vector
	reg [2:0]  r_hold_v;         // a held-back last byte per slot
	reg [7:0]  r_hold_b [0:2];
	reg [13:0] r_cols [0:2];     // K of the loaded vector per slot
	reg [8:0]  r_res_rows;

	// ---- counters (READ_COUNTERS order); the answer leaves over many cycles while the cycle and
	// bytes-out counters go on, so those two are copied when READ_COUNTERS runs ----
	reg [31:0] r_cnt [0:11];
	reg [31:0] r_snap_cycles, r_snap_out;   // the two that move while the answer goes out

	assign o_rx_hold = r_held;
	assign o_mem_own = (r_state != S_RUN_GO) && (r_state != S_RUN_WAIT);

	wire [7:0]  w_next = r_last_seq + 8'd1;
	wire [15:0] w_a01 = r_arg[15:0];
	wire [15:0] w_a23 = r_arg[31:16];
	wire [15:0] w_a12 = r_arg[23:8];
	wire [15:0] w_a34 = r_arg[39:24];
	wire [1:0]  w_e = r_arg[1:0];
	localparam [7:0] N_ENG = ENG_TAC + ENG_SAC + ENG_LUT;
	wire        w_e_bad = {2'd0, r_arg[5:0]} >= N_ENG;   // LOAD_ACT: bit 7 more, bit 6 first, 5:0 slot
	wire        w_first = r_arg[6];
	wire [13:0] w_act_n = w_first ? 14'd0 : r_act_n[w_e];   // gathered, as this packet sees it
	wire [15:0] w_j = r_i - 16'd1;           // data byte index while answering

	// the answer's payload length
	reg [15:0] w_resp_len;
	always @(*)
		if (r_rtype == 8'h7F)
			w_resp_len = 16'd2;
		else if (r_status != ST_OK)
			w_resp_len = 16'd1;
		else case (r_type)
			CMD_INFO: w_resp_len = 16'd1 + INFO_BYTES;
			CMD_READ_MEM: w_resp_len = 16'd1 + {w_a23[12:0], 3'd0};
			CMD_READ_RES: w_resp_len = 16'd1 + {w_a23[13:0], 2'd0};
			CMD_READ_COUNTERS: w_resp_len = 16'd49;
			CMD_RUN: w_resp_len = 16'd3;
			default: w_resp_len = 16'd1;
		endcase

	// byte r_i of the answer
	reg [7:0] w_pl_byte;
	reg [31:0] w_cnt_word;
	always @(*) begin
		w_cnt_word = (w_j[5:2] == CNT_CYCLES) ? r_snap_cycles :
			     (w_j[5:2] == CNT_BYTES_OUT) ? r_snap_out : r_cnt[w_j[5:2]];
		if (r_i == 16'd0)
			w_pl_byte = r_status;
		else if (r_rtype == 8'h7F)
			w_pl_byte = r_synced ? w_next : 8'd0;
		else case (r_type)
			CMD_INFO: w_pl_byte = info_byte(w_j[7:0]);
			CMD_READ_MEM: w_pl_byte = i_mem_rdata[8*w_j[2:0] +: 8];
			CMD_READ_RES: w_pl_byte = i_rb_rdata[8*w_j[1:0] +: 8];
			CMD_READ_COUNTERS: w_pl_byte = w_cnt_word[8*w_j[1:0] +: 8];
			default: w_pl_byte = w_j[0] ? {7'd0, r_res_rows[8]} : r_res_rows[7:0];
		endcase
	end

	// slot parameters
	// slot -> engine id (0 tac, 1 sac, 2 lut): the engines built, in that order
	function [1:0] slot_id;
		input [1:0] e;
		slot_id = (ENG_TAC != 0 && e == 2'd0) ? 2'd0 :
			  (ENG_SAC != 0 && e == ENG_TAC) ? 2'd1 : 2'd2;
	endfunction
	function [15:0] max_cols;
		input [1:0] e;
		max_cols = (slot_id(e) == 2'd0) ? (TAC_LANES << TAC_LG) :
			   (slot_id(e) == 2'd1) ? (SAC_LANES << SAC_LG) : (LUT_LANES << LUT_LG);
	endfunction
	function [7:0] lanes;
		input [1:0] e;
		lanes = (slot_id(e) == 2'd0) ? TAC_LANES : (slot_id(e) == 2'd1) ? SAC_LANES : LUT_LANES;
	endfunction

	// INFO, byte j of the data (docs/protocol.md)
	function [7:0] info_byte;
		input [7:0] j;
		/* verilator lint_off UNUSEDSIGNAL */
		reg [31:0] v;
		reg [7:0] jj;
		/* verilator lint_on UNUSEDSIGNAL */
		reg [1:0] e;
		begin
			v = 32'd0;
			case (j)
			8'd0: v = 32'd1;                    // protocol version
			8'd1: v = BOARD_ID;
			8'd2: v = LINK;
			8'd3: v = {24'd0, N_ENG};           // engines
			8'd4, 8'd5, 8'd6, 8'd7: v = CLOCK_HZ >> (8 * (j - 4));
			8'd8, 8'd9, 8'd10, 8'd11: v = LINK_RATE >> (8 * (j - 8));
			8'd13: v = 32'd16384 >> 8;          // weight words (16384, little-endian)
			8'd17: v = 32'd1024 >> 8;           // max payload
			8'd19: v = 32'd256 >> 8;            // result rows
			8'd20, 8'd21, 8'd22, 8'd23: v = GIT_REV >> (8 * (j - 20));
			default: if (j >= 24 && j < INFO_BYTES && j < 24 + 8 * N_ENG) begin
				jj = j - 8'd24;
				e = jj[4:3];
				case (jj[2:0])
				0: v = {30'd0, slot_id(e)};                                                // engine id
				1: v = (slot_id(e) == 2'd0) ? TAC_FMT : (slot_id(e) == 2'd1) ? 32'd2 : 32'd3; // format
				2: v = {24'd0, lanes(e)};
				3: v = (slot_id(e) == 2'd0) ? TAC_LG : (slot_id(e) == 2'd1) ? SAC_LG : LUT_LG;
				4: v = {16'd0, max_cols(e)};
				5: v = {16'd0, max_cols(e)} >> 8;
				default: v = 32'd0;
				endcase
			end
			endcase
			info_byte = v[7:0];
		end
	endfunction

	// drives: everything of the controller (one FSM; the states are in mmf_cmd_defs.vh)
	integer k;
	always @(posedge i_clk) begin
		o_tx_start <= 1'b0;
		o_mem_we <= 1'b0;
		o_rb_we <= 1'b0;
		o_eng_reset <= 3'b0;
		if (i_ws_ready)
			o_ws_valid <= 1'b0;
		// counters: cycles, link bytes, and busy while a run streams
		r_cnt[CNT_CYCLES] <= r_cnt[CNT_CYCLES] + 1;
		if (i_byte_in)
			r_cnt[CNT_BYTES_IN] <= r_cnt[CNT_BYTES_IN] + 1;
		if (i_byte_out)
			r_cnt[CNT_BYTES_OUT] <= r_cnt[CNT_BYTES_OUT] + 1;
		if (!o_mem_own)
			r_cnt[CNT_BUSY0 + {30'd0, o_eng}] <= r_cnt[CNT_BUSY0 + {30'd0, o_eng}] + 1;
		if (i_crc_err || i_hdr_err || i_too_long)
			r_cnt[CNT_CRC] <= r_cnt[CNT_CRC] + 1;

		if (i_reset) begin
			r_state <= S_IDLE;
			r_synced <= 1'b0;
			r_last_seq <= 8'd0;
			r_last_type <= 8'd0;
			r_last_status <= 8'd0;
			r_held <= 1'b0;
			r_loaded <= 3'b0;
			r_hold_v <= 3'b0;
			r_res_rows <= 9'd0;
			o_pl_valid <= 1'b0;
			o_act_valid <= 1'b0;
			o_ws_valid <= 1'b0;
			o_eng <= 2'd0;
			for (k = 0; k < 3; k = k + 1) begin
				r_act_n[k] <= 14'd0;
				r_lane[k] <= 8'd0;
				r_words[k] <= 9'd0;
			end
			for (k = 0; k < 12; k = k + 1)
				r_cnt[k] <= 32'd0;
		end else begin
			// a packet completing while busy is held (the receiver stops until it is taken)
			if ((i_good || i_crc_err) && r_state != S_IDLE) begin
				r_held <= 1'b1;
				r_held_good <= i_good;
				r_type <= i_type;
				r_seq <= i_seq;
				r_len <= i_len;
			end
			case (r_state)
			S_IDLE: begin
				if (r_held || i_good || i_crc_err) begin
					if (!r_held) begin
						r_type <= i_type;
						r_seq <= i_seq;
						r_len <= i_len;
					end
					r_held <= 1'b0;
					if (r_held ? !r_held_good : i_crc_err) begin
						r_status <= NAK_CRC;
						r_state <= S_NAK;
					end else begin
						o_pb_addr <= 10'd0;
						r_argn <= 3'd0;
						r_arg <= 40'd0;
						r_fetch <= 2'd0;
						r_state <= S_ARGS;
					end
				end else if (i_too_long && i_tx_idle) begin
					r_seq <= i_seq;
					r_status <= NAK_TOO_LONG;
					r_state <= S_NAK;
				end
			end
			S_ARGS: begin
				// read payload bytes 0..4 (those that exist) into r_arg
				o_pb_addr <= o_pb_addr + 10'd1;
				if (r_fetch != 2'd0)
					r_arg[8*r_argn +: 8] <= ({13'd0, r_argn} < r_len) ? i_pb_data : 8'd0;
				if (r_fetch != 2'd0)
					r_argn <= r_argn + 3'd1;
				r_fetch <= 2'd1;
				if (r_argn == 3'd4 && r_fetch != 2'd0)
					r_state <= S_SEQ;
			end
			S_SEQ: begin
				if (!known(r_type)) begin
					r_status <= NAK_UNKNOWN;
					r_state <= S_NAK;
				end else if (r_type == CMD_SYNC) begin
					r_cnt[CNT_EXECUTED] <= r_cnt[CNT_EXECUTED] + 1;
					r_rtype <= r_type | 8'h80;
					r_status <= (r_len != 0) ? ST_BAD_LENGTH : ST_OK;
					if (r_len == 0) begin
						r_synced <= 1'b1;
						r_last_seq <= r_seq;
						r_last_type <= r_type;
						r_last_status <= ST_OK;
					end
					r_state <= S_RESP;
				end else if (!r_synced || (r_seq != w_next && (r_seq != r_last_seq || r_type != r_last_type))) begin
					r_status <= NAK_OOO;
					r_state <= S_NAK;
				end else if (r_seq == w_next || reads(r_type)) begin
					r_cnt[CNT_EXECUTED] <= r_cnt[CNT_EXECUTED] + 1;
					r_rtype <= r_type | 8'h80;
					r_last_seq <= r_seq;
					r_last_type <= r_type;
					r_state <= S_CHECK;
				end else begin
					// a repeat of a command that changed state: its stored answer
					r_cnt[CNT_REPEATS] <= r_cnt[CNT_REPEATS] + 1;
					r_rtype <= r_type | 8'h80;
					r_status <= r_last_status;
					r_state <= S_RESP;
				end
			end
			S_CHECK: begin
				// argument checks, in hls_c/mmf_dev.c's order; failures answer the status alone
				r_state <= S_RECORD;
				r_i <= 16'd0;
				case (r_type)
				CMD_INFO, CMD_READ_COUNTERS, CMD_CLEAR_COUNTERS, CMD_RESET:
					r_status <= (r_len != 0) ? ST_BAD_LENGTH : ST_OK;
				CMD_WRITE_MEM:
					r_status <= (r_len < 2 || r_len[2:0] != 3'd2) ? ST_BAD_LENGTH :
						    ({1'b0, w_a01} + {4'd0, r_len[15:3]} > 17'd16384) ? ST_BAD_ADDRESS : ST_OK;
				CMD_READ_MEM:
					r_status <= (r_len != 4) ? ST_BAD_LENGTH : (w_a23 > 16'd127) ? ST_TOO_MANY :
						    ({1'b0, w_a01} + {1'b0, w_a23} > 17'd16384) ? ST_BAD_ADDRESS : ST_OK;
				CMD_READ_RES:
					r_status <= (r_len != 4) ? ST_BAD_LENGTH : (w_a23 > 16'd255) ? ST_TOO_MANY :
						    ({1'b0, w_a01} + {1'b0, w_a23} > {8'd0, r_res_rows}) ? ST_BAD_ADDRESS : ST_OK;
				CMD_LOAD_ACT:
					r_status <= (r_len < 1) ? ST_BAD_LENGTH : w_e_bad ? ST_BAD_ENGINE :
						    ({2'd0, w_act_n} + r_len - 16'd1 > max_cols(w_e)) ? ST_TOO_MANY :
						    (!r_arg[7] && w_act_n == 14'd0 && r_len == 16'd1) ?
						    ST_BAD_LENGTH : ST_OK;
				default: // CMD_RUN
					r_status <= (r_len != 5) ? ST_BAD_LENGTH : (r_arg[7:0] >= N_ENG) ? ST_BAD_ENGINE :
						    !r_loaded[w_e] ? ST_NOT_LOADED :
						    ({1'b0, w_a12} + {1'b0, w_a34} > 17'd16384) ? ST_BAD_ADDRESS :
						    ({1'b0, w_a34} > {r_words[w_e], 8'd0}) ? ST_TOO_MANY : ST_OK;
				endcase
			end
			S_RECORD: begin
				r_last_status <= r_status;
				r_snap_cycles <= r_cnt[CNT_CYCLES];
				r_snap_out <= r_cnt[CNT_BYTES_OUT];
				r_fetch <= 2'd0;
				o_pb_addr <= 10'd2;
				// a new vector starts: the engine forgets any half-loaded or loaded one
				if (r_type == CMD_LOAD_ACT && r_status == ST_OK && w_act_n == 14'd0) begin
					o_eng_reset[w_e] <= 1'b1;
					r_act_n[w_e] <= 14'd0;
					r_hold_v[w_e] <= 1'b0;
					r_lane[w_e] <= 8'd0;
					r_words[w_e] <= 9'd0;
				end
				if (r_type == CMD_RUN && r_status == ST_OK)
					o_eng <= w_e;
				if (r_type == CMD_LOAD_ACT)
					o_eng <= w_e;
				// LOAD_ACT clears the slot's loaded flag whatever happens next
				if (r_type == CMD_LOAD_ACT && !w_e_bad && r_len != 0) begin
					r_loaded[w_e] <= 1'b0;
					if (r_status != ST_OK) begin
						r_act_n[w_e] <= 14'd0;
						r_hold_v[w_e] <= 1'b0;
						o_eng_reset[w_e] <= 1'b1;
					end
				end
				r_state <= (r_status != ST_OK) ? S_RESP :
					   (r_type == CMD_WRITE_MEM && r_len == 16'd2) ? S_RESP : exec_state(r_type);
			end
			S_WRITE: begin
				// payload bytes 2..len-1; every eighth completes a word, written at addr + word
				o_pb_addr <= o_pb_addr + 10'd1;
				r_fetch <= 2'd1;
				if (r_fetch != 2'd0) begin
					o_mem_wdata <= {i_pb_data, o_mem_wdata[63:8]};
					if (r_i[2:0] == 3'd7) begin
						o_mem_we <= 1'b1;
						o_mem_addr <= w_a01[13:0] + r_i[15:3];
					end
					r_i <= r_i + 16'd1;
					if (r_i + 16'd3 == r_len)
						r_state <= S_RESP;
				end
			end
			S_LOAD: begin
				// bytes 1..len-1 to the engine, one held back; the final packet marks the held one last
				case (r_fetch)
				2'd0: begin
					if (r_i + 16'd1 == r_len) begin
						// every byte of this packet is gathered
						if (r_arg[7]) begin
							r_state <= S_RESP;
						end else begin
							o_act_valid <= 1'b1;
							o_act_data <= r_hold_b[w_e];
							o_act_last <= 1'b1;
							r_fetch <= 2'd3;
						end
					end else begin
						o_pb_addr <= 10'd1 + r_i[9:0];
						r_fetch <= 2'd1;
					end
				end
				2'd1: r_fetch <= 2'd2;
				2'd2: begin
					// i_pb_data is byte 1 + r_i: count it, pass the held one on
					r_act_n[w_e] <= r_act_n[w_e] + 14'd1;
					r_lane[w_e] <= (r_lane[w_e] + 8'd1 == lanes(w_e)) ? 8'd0 : r_lane[w_e] + 8'd1;
					if (r_lane[w_e] == 8'd0)
						r_words[w_e] <= r_words[w_e] + 9'd1;
					r_hold_b[w_e] <= i_pb_data;
					r_hold_v[w_e] <= 1'b1;
					r_i <= r_i + 16'd1;
					if (r_hold_v[w_e]) begin
						o_act_valid <= 1'b1;
						o_act_data <= r_hold_b[w_e];
						o_act_last <= 1'b0;
						r_fetch <= 2'd3;
					end else begin
						r_fetch <= 2'd0;
					end
				end
				default: if (i_act_ready) begin
					o_act_valid <= 1'b0;
					r_fetch <= 2'd0;
					if (o_act_last) begin
						r_hold_v[w_e] <= 1'b0;
						r_loaded[w_e] <= 1'b1;
						r_cols[w_e] <= r_act_n[w_e];
						r_act_n[w_e] <= 14'd0;
						r_state <= S_RESP;
					end
				end
				endcase
			end
			S_RUN_GO: begin
				r_i <= 16'd0;
				if (w_a34 == 16'd0) begin
					r_res_rows <= 9'd0;
					r_state <= S_RESP;
				end else begin
					o_ws_valid <= 1'b1;
					o_ws_base <= w_a12[13:0];
					o_ws_count <= w_a34[14:0];
					r_state <= S_RUN_WAIT;
				end
			end
			S_RUN_WAIT: if (i_res_valid) begin
				o_rb_we <= 1'b1;
				o_rb_waddr <= r_i[7:0];
				o_rb_wdata <= i_res_data;
				r_i <= r_i + 16'd1;
				{r_cnt[CNT_MACS_HI], r_cnt[CNT_MACS_LO]} <= {r_cnt[CNT_MACS_HI], r_cnt[CNT_MACS_LO]} + {50'd0, r_cols[w_e]};
				if (i_res_last) begin
					r_res_rows <= r_i[8:0] + 9'd1;
					r_state <= S_RESP;
				end
			end
			S_CLEAR: begin
				for (k = 0; k < 12; k = k + 1)
					r_cnt[k] <= 32'd0;
				r_state <= S_RESP;
			end
			S_RESET: begin
				for (k = 0; k < 12; k = k + 1)
					r_cnt[k] <= 32'd0;
				for (k = 0; k < 3; k = k + 1) begin
					r_act_n[k] <= 14'd0;
					r_lane[k] <= 8'd0;
					r_words[k] <= 9'd0;
				end
				r_loaded <= 3'b0;
				r_hold_v <= 3'b0;
				r_res_rows <= 9'd0;
				o_eng_reset <= 3'b111;
				r_state <= S_RESP;
			end
			S_NAK: begin
				r_cnt[CNT_NAKS] <= r_cnt[CNT_NAKS] + 1;
				r_rtype <= 8'h7F;
				r_state <= S_RESP;
			end
			S_RESP: if (i_tx_idle && !o_tx_start) begin
				o_tx_start <= 1'b1;
				o_tx_type <= r_rtype;
				o_tx_seq <= r_seq;
				o_tx_len <= w_resp_len;
				r_i <= 16'd0;
				r_state <= S_PL;
			end
			S_PL: begin
				// addresses for byte r_i (data byte j = r_i - 1); its value next cycle
				o_mem_addr <= w_a01[13:0] + w_j[15:3];
				o_rb_raddr <= w_a01[7:0] + w_j[9:2];
				r_state <= S_PL_MEM;
			end
			// the memories read the new address at this edge; their data is there next cycle
			S_PL_MEM: r_state <= S_PL_WAIT;
			S_PL_WAIT: begin
				if (!o_pl_valid) begin
					o_pl_valid <= 1'b1;
					o_pl_data <= w_pl_byte;
				end else if (i_pl_ready) begin
					o_pl_valid <= 1'b0;
					r_i <= r_i + 16'd1;
					r_state <= (r_i + 16'd1 == o_tx_len) ? S_DONE : S_PL;
				end
			end
			S_DONE: if (i_tx_idle && !o_tx_start)
				r_state <= S_IDLE;
			default: r_state <= S_IDLE;
			endcase
		end
	end
endmodule
