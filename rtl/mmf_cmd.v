`default_nettype none
// mmf_cmd: the command controller of the SoC (docs/protocol.md), twin of the sequence and command
// layers of hls_c/mmf_dev.c: takes each packet the receiver reports, applies the sequence rules,
// runs the command against the weight memory, the engines and the result buffer, and feeds the
// answer to the transmitter. One packet at a time; a packet that completes while the controller is
// busy is held (the receiver stops, so its header stays on i_type, i_seq, i_len) and taken next.
//
// Engine slots: the engines built (ENG_TAC, ENG_SAC, ENG_LUT), numbered in that order from 0; the
// per-slot state (activations gathered, loaded vector) exists for those slots only. Activations of a
// LOAD_ACT are streamed into the engine as they are read from the packet buffer, holding back the
// last byte of each packet so that the final packet can mark it last even when it carries no
// activation itself.
//
// Answers leave one byte per four cycles at most: the byte index is a register, the memories, the
// counters (mmf_counters) and the INFO table (mmf_info_rom) are read at it, and the byte is chosen
// from their registered outputs. Weight and result addresses count up as the bytes go, so no
// address is an adder behind the index.
//
// The I2C command (OPT_I2C) hands its arguments to mmf_i2c_xfer (in mmf_soc_core) and waits for the
// transfer's end; its answer bytes come from the transfer's registered outcome.
//
// Parameters:
//   BOARD_ID, LINK, CLOCK_HZ, LINK_RATE, GIT_REV   the INFO fields (enum mmf_board_id, mmf_link_id)
//   ENG_TAC, ENG_SAC, ENG_LUT   1 for each engine the SoC has (a board picks what fits)
//   TAC_FMT, TAC_LANES, TAC_LG, SAC_LANES, SAC_LG, LUT_LANES, LUT_LG   the engines as built
//   OPT_I2C    1: the I2C master is built (the I2C command exists, INFO's features byte says so);
//              0: I2C is an unknown command and INFO is as before
//   MEM_WORDS   weight memory words (mmf_wmem): addresses from MEM_WORDS on are BAD_ADDRESS
//
// Reset: the FSM, the sequence state, the per-slot flags and counts, the counters and the stream
// valids. Headers, arguments, addresses and data registers are not reset.
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
	parameter LUT_LG = 5,
	parameter OPT_I2C = 0,
	parameter MEM_WORDS = 16384
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
	input  wire [15:0]  i_len,         // <= 1024 with i_good and i_crc_err (the receiver's MAX_LEN)
	output wire         o_rx_hold,     // a packet is held: the receiver must not take bytes
	input  wire         i_byte_in,     // a link byte arrived (counted)
	// packet buffer read (one-cycle latency)
	output reg  [9:0]   o_pb_addr,
	input  wire [7:0]   i_pb_data,
	// transmitter
	output wire         o_tx_start,
	input  wire         i_tx_idle,
	output wire [7:0]   o_tx_type,
	output wire [7:0]   o_tx_seq,
	output wire [15:0]  o_tx_len,
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
	output wire [13:0]  o_ws_base,
	output wire [14:0]  o_ws_count,
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
	input  wire [31:0]  i_rb_rdata,
	// the I2C transfer (mmf_i2c_xfer): arguments held from o_i2c_start to i_i2c_done
	output reg          o_i2c_start,
	output wire [6:0]   o_i2c_addr,
	output wire [1:0]   o_i2c_nw,
	output wire [2:0]   o_i2c_nr,
	output wire [23:0]  o_i2c_wdata,
	input  wire         i_i2c_done,
	input  wire [1:0]   i_i2c_result,
	input  wire [31:0]  i_i2c_rdata
);
`include "mmf_slot_fn.vh"

	// commands, statuses, NAK reasons (hls_c/mmf_dev.h)
	localparam [7:0] CMD_SYNC = 8'h01, CMD_INFO = 8'h02, CMD_WRITE_MEM = 8'h10, CMD_READ_MEM = 8'h11,
			 CMD_LOAD_ACT = 8'h20, CMD_RUN = 8'h21, CMD_READ_RES = 8'h22,
			 CMD_READ_COUNTERS = 8'h30, CMD_CLEAR_COUNTERS = 8'h31, CMD_RESET = 8'h3F,
			 CMD_I2C = 8'h40;
	localparam [2:0] ST_OK = 3'd0, ST_BAD_LENGTH = 3'd1, ST_BAD_ENGINE = 3'd2, ST_BAD_ADDRESS = 3'd3,
			 ST_TOO_MANY = 3'd4, ST_NOT_LOADED = 3'd5;
	localparam [2:0] NAK_CRC = 3'd1, NAK_OOO = 3'd2, NAK_TOO_LONG = 3'd3, NAK_UNKNOWN = 3'd4;
	// FSM states: bit numbers of the one-hot state r_st (each state's test is one flip-flop)
	localparam S_IDLE = 0, S_ARGS = 1, S_SEQ = 2, S_RANGE = 3, S_CHECK = 4, S_RECORD = 5, S_NAK = 6,
		   S_RESP = 7, S_PL = 8, S_PL_WAIT = 9, S_DONE = 10, S_WRITE = 11, S_LOAD = 12, S_RUN_GO = 13,
		   S_RUN_WAIT = 14, S_CLEAR = 15, S_RESET = 16, S_PL_NEXT = 17, S_PL_SEL = 18, S_SUM = 19,
		   S_PREP = 20, S_STATUS = 21, S_I2C_GO = 22, S_I2C_WAIT = 23, N_ST = 24;
	localparam [N_ST-1:0] ONE = 1;
	// the known commands, one-hot (r_k)
	localparam K_SYNC = 0, K_INFO = 1, K_WRITE_MEM = 2, K_READ_MEM = 3, K_LOAD_ACT = 4, K_RUN = 5,
		   K_READ_RES = 6, K_READ_COUNTERS = 7, K_CLEAR_COUNTERS = 8, K_RESET = 9, K_I2C = 10;
	// LOAD_ACT phases: wait for the packet buffer, take a byte, hand a byte to the engine, after it
	// (bit numbers of the one-hot r_lph)
	localparam L_FETCH = 0, L_TAKE = 1, L_SEND = 2, L_SENT = 3;

	// ---- the slots as built: sizes of the per-slot state ----
	localparam N_ENG = ENG_TAC + ENG_SAC + ENG_LUT;
	localparam [7:0] N_ENG8 = N_ENG;
	localparam LG_S = (N_ENG > 2) ? 2 : 1;                  // slot index bits
	localparam MC_TAC = (ENG_TAC != 0) ? (TAC_LANES << TAC_LG) : 0;
	localparam MC_SAC = (ENG_SAC != 0) ? (SAC_LANES << SAC_LG) : 0;
	localparam MC_LUT = (ENG_LUT != 0) ? (LUT_LANES << LUT_LG) : 0;
	localparam MC_TS = (MC_TAC > MC_SAC) ? MC_TAC : MC_SAC;
	localparam MC_MAX = (MC_TS > MC_LUT) ? MC_TS : MC_LUT;
	localparam AW = $clog2(MC_MAX + 1);                     // activations gathered, K
	localparam LN_TAC = (ENG_TAC != 0) ? TAC_LANES : 1;
	localparam LN_SAC = (ENG_SAC != 0) ? SAC_LANES : 1;
	localparam LN_LUT = (ENG_LUT != 0) ? LUT_LANES : 1;
	localparam LN_TS = (LN_TAC > LN_SAC) ? LN_TAC : LN_SAC;
	localparam LN_MAX = (LN_TS > LN_LUT) ? LN_TS : LN_LUT;
	localparam LW = (LN_MAX > 2) ? $clog2(LN_MAX) : 1;      // lane of the next activation
	localparam LG_TAC = (ENG_TAC != 0) ? TAC_LG : 0;
	localparam LG_SAC = (ENG_SAC != 0) ? SAC_LG : 0;
	localparam LG_LUT = (ENG_LUT != 0) ? LUT_LG : 0;
	localparam LG_TS = (LG_TAC > LG_SAC) ? LG_TAC : LG_SAC;
	localparam WW = ((LG_TS > LG_LUT) ? LG_TS : LG_LUT) + 1; // words per row (<= 2^LG_ACT)
	localparam [7:0] INFO_BYTES = 8'd24 + 8'd8 * N_ENG8 + ((OPT_I2C != 0) ? 8'd1 : 8'd0);

	// the command as one-hot flags (none set: unknown)
	function [10:0] decode;
		input [7:0] t;
		decode = {(OPT_I2C != 0) && t == CMD_I2C, t == CMD_RESET, t == CMD_CLEAR_COUNTERS, t == CMD_READ_COUNTERS, t == CMD_READ_RES,
			  t == CMD_RUN, t == CMD_LOAD_ACT, t == CMD_READ_MEM, t == CMD_WRITE_MEM, t == CMD_INFO,
			  t == CMD_SYNC};
	endfunction

	// ---- sequence state and the held packet ----
	reg        r_synced;
	reg [7:0]  r_last_seq, r_last_type;
	reg [2:0]  r_last_status;
	reg        r_held, r_held_good;

	// ---- the command being run ----
	reg [N_ST-1:0] r_st;      // one-hot
	reg [7:0]  r_type, r_seq;
	reg [10:0] r_k;              // r_type decoded (one cycle behind it; S_IDLE is over by then)
	reg [7:0]  r_next;           // r_last_seq + 1 (one cycle behind it)
	reg        r_is_next, r_is_last, r_same_type;   // r_seq and r_type against the sequence state
	reg [10:0] r_len;
	reg [39:0] r_arg;            // payload bytes 0..4, byte 0 in [7:0]
	reg [2:0]  r_argn;
	reg        r_fetched;        // ARGS, WRITE: i_pb_data is the byte asked for a cycle ago
	reg [3:0]  r_lph;            // LOAD_ACT phase, one-hot
	reg [2:0]  r_status;         // status, or the NAK reason
	reg        r_nak;            // the answer is a NAK
	reg [16:0] r_sum;            // the range S_RANGE compares: first + count, or gathered + new
	reg        r_over_mem, r_over_rows, r_over_cols, r_over_cap;   // S_RANGE's comparisons
	reg        r_ev_exec, r_ev_repeat, r_ev_nak, r_clear;          // to the counters, a cycle late
	reg [9:0]  r_j;              // data byte (WRITE_MEM, the answer) or result row (RUN)
	reg [10:0] r_left;           // bytes still to take (WRITE_MEM, LOAD_ACT) or to send (answer)
	reg [10:0] r_left_start;     // r_left as S_RECORD sets it (from r_len and r_k, registered early)
	reg        r_left_start1;    // r_left_start is 1
	reg        r_left0, r_left1; // r_left is 0, is 1 (kept beside it: the FSM reads these)
	reg        r_fin_send;       // LOAD_ACT: r_left0 and not "more": the held byte goes out last
	reg        r_first;          // the answer's status byte is next
	reg [8:0]  r_res_rows;

	// ---- engine slots ----
	reg [N_ENG-1:0] r_loaded;
	reg [N_ENG-1:0] r_hold_v;         // a held-back last byte
	reg [AW-1:0]    r_act_n [0:N_ENG-1];   // activations gathered
	reg [LW-1:0]    r_lane [0:N_ENG-1];    // lane of the next activation (to count words)
	reg [WW-1:0]    r_words [0:N_ENG-1];   // words per row of the gathered vector
	reg [7:0]       r_hold_b [0:N_ENG-1];
	reg [AW-1:0]    r_cols [0:N_ENG-1];    // K of the loaded vector

	assign o_rx_hold = r_held;
	assign o_mem_own = (!r_st[S_RUN_GO]) && (!r_st[S_RUN_WAIT]);

	wire [15:0] w_a01 = r_arg[15:0];
	wire [15:0] w_a23 = r_arg[31:16];
	wire [15:0] w_a12 = r_arg[23:8];
	wire [15:0] w_a34 = r_arg[39:24];
	// LOAD_ACT engine byte: bit 7 more, bit 6 first, 5:0 slot; RUN: the whole byte is the slot
	wire        w_e_bad = {2'd0, r_arg[5:0]} >= N_ENG8;
	wire        w_first = r_arg[6];
	wire        w_more = r_arg[7];
	// the slot, valid once checked; w_s indexes the per-slot state
	wire [1:0]      w_slot = (N_ENG > 1) ? r_arg[1:0] : 2'd0;
	wire [LG_S-1:0] w_s = w_slot[LG_S-1:0];
	wire [AW-1:0]   w_act_n = w_first ? {AW{1'b0}} : r_act_n[w_s];    // gathered, as this packet sees it
	wire [15:0]     w_maxc = slot_max_cols(w_slot);
	wire [23:0]     w_row_cap = {{(16-WW){1'b0}}, r_words[w_s], 8'd0}; // words a RUN may stream
	wire            w_hold_v = r_hold_v[w_s];

	// sequence decisions (S_SEQ), registered during S_ARGS from registered comparisons
	reg  r_sq_known, r_sq_sync, r_sq_ooo, r_sq_runs;
	reg  r_sq_nak, r_sq_run;     // S_SEQ's way: a NAK; the checks (S_SUM .. S_CHECK); else the answer at once
	reg  r_check_ok;             // the checks passed (r_status == ST_OK after S_CHECK)
	wire w_known = r_sq_known;
	wire w_sync = r_sq_sync;
	wire w_ooo = r_sq_ooo;
	wire w_runs = r_sq_runs;
	// the state that runs a command whose checks passed (registered, from r_k), one-hot
	reg [N_ST-1:0] r_exec_st;

	// a packet to take now: the held one, or one completing
	wire w_take = r_held || i_good || i_crc_err;
	wire w_take_bad = r_held ? !r_held_good : i_crc_err;

	// ---- the checks, in hls_c/mmf_dev.c's order; failures answer the status alone ----
	// Every comparison is registered by S_RANGE (r_f_*, r_over_*); S_CHECK registers each command's
	// status (r_cs_*) and S_STATUS picks the one of this command (w_check).
	reg r_f_len0, r_f_len1, r_f_len2, r_f_len4, r_f_len5, r_f_len_words, r_f_many_mem, r_f_many_res;
	reg r_f_run_bad, r_f_e_bad, r_f_act0, r_f_loaded, r_f_words0, r_f_count0;
	reg r_f_i2c_len, r_f_i2c_addr, r_f_i2c_many;
	reg [2:0] r_cs_write, r_cs_rmem, r_cs_rres, r_cs_load, r_cs_run, r_cs_i2c, r_cs_other;

	// drives: each command's status, as if this packet were that command
	always @(posedge i_clk) begin
		r_cs_write <= !r_f_len_words ? ST_BAD_LENGTH : r_over_mem ? ST_BAD_ADDRESS : ST_OK;
		r_cs_rmem <= !r_f_len4 ? ST_BAD_LENGTH : r_f_many_mem ? ST_TOO_MANY :
			     r_over_mem ? ST_BAD_ADDRESS : ST_OK;
		r_cs_rres <= !r_f_len4 ? ST_BAD_LENGTH : r_f_many_res ? ST_TOO_MANY :
			     r_over_rows ? ST_BAD_ADDRESS : ST_OK;
		r_cs_load <= r_f_len0 ? ST_BAD_LENGTH : r_f_e_bad ? ST_BAD_ENGINE : r_over_cols ? ST_TOO_MANY :
			     (!w_more && r_f_act0 && r_f_len1) ? ST_BAD_LENGTH : ST_OK;
		r_cs_run <= !r_f_len5 ? ST_BAD_LENGTH : r_f_run_bad ? ST_BAD_ENGINE :
			    !r_f_loaded ? ST_NOT_LOADED : r_over_mem ? ST_BAD_ADDRESS :
			    r_over_cap ? ST_TOO_MANY : ST_OK;
		r_cs_i2c <= !r_f_i2c_len ? ST_BAD_LENGTH : r_f_i2c_addr ? ST_BAD_ADDRESS :
			    r_f_i2c_many ? ST_TOO_MANY : ST_OK;
		r_cs_other <= r_f_len0 ? ST_OK : ST_BAD_LENGTH;   // INFO, READ_COUNTERS, CLEAR_COUNTERS, RESET
	end

	// this command's status (r_k is one-hot among the commands that reach the checks)
	wire [2:0] w_check = ({3{r_k[K_WRITE_MEM]}} & r_cs_write) | ({3{r_k[K_READ_MEM]}} & r_cs_rmem) |
			     ({3{r_k[K_READ_RES]}} & r_cs_rres) | ({3{r_k[K_LOAD_ACT]}} & r_cs_load) |
			     ({3{r_k[K_RUN]}} & r_cs_run) | ({3{r_k[K_I2C]}} & r_cs_i2c) |
			     ({3{!(r_k[K_WRITE_MEM] || r_k[K_READ_MEM] || r_k[K_READ_RES] || r_k[K_LOAD_ACT] ||
				   r_k[K_RUN] || r_k[K_I2C])}} & r_cs_other);

	// drives: the argument and length flags S_CHECK chooses from (registered every cycle; the
	// arguments and the slot state hold still from S_SEQ to S_CHECK)
	always @(posedge i_clk) begin
		r_f_len0 <= (r_len == 11'd0);
		r_f_len1 <= (r_len == 11'd1);
		r_f_len2 <= (r_len == 11'd2);
		r_f_len4 <= (r_len == 11'd4);
		r_f_len5 <= (r_len == 11'd5);
		r_f_len_words <= (r_len >= 11'd2) && (r_len[2:0] == 3'd2);   // addr u16, then whole words
		r_f_many_mem <= (w_a23 > 16'd127);
		r_f_many_res <= (w_a23 > 16'd255);
		r_f_run_bad <= (r_arg[7:0] >= N_ENG8);
		r_f_e_bad <= w_e_bad;
		r_f_act0 <= (w_act_n == 0);
		r_f_loaded <= r_loaded[w_s];
		r_f_words0 <= (w_a34 == 16'd0);
		r_f_count0 <= (w_a23 == 16'd0);
		r_f_i2c_len <= (r_len >= 11'd2) && (r_len <= 11'd5);     // addr, count, 0..3 bytes
		r_f_i2c_addr <= r_arg[7];
		r_f_i2c_many <= (r_arg[15:8] > 8'd4);
	end

	// drives: the sequence comparisons and decisions, ready for S_SEQ (r_seq and r_type are set as
	// S_IDLE ends; S_ARGS takes six cycles, this pipeline three)
	always @(posedge i_clk) begin
		r_k <= decode(r_type);
		r_next <= r_last_seq + 8'd1;
		r_is_next <= (r_seq == r_next);
		r_is_last <= (r_seq == r_last_seq);
		r_same_type <= (r_type == r_last_type);
		r_sq_known <= |r_k;
		r_sq_sync <= r_k[K_SYNC];
		r_sq_ooo <= !r_synced || (!r_is_next && (!r_is_last || !r_same_type));
		r_sq_runs <= r_is_next || r_k[K_INFO] || r_k[K_READ_MEM] || r_k[K_READ_RES] ||
			     r_k[K_READ_COUNTERS] || r_k[K_I2C];
		r_sq_nak <= !r_sq_known || (!r_sq_sync && r_sq_ooo);
		r_sq_run <= r_sq_known && !r_sq_sync && !r_sq_ooo && r_sq_runs;
		// one bit per state straight from r_k (one-hot or zero), no priority chain
		r_exec_st <= {N_ST{1'b0}};
		r_exec_st[S_WRITE] <= r_k[K_WRITE_MEM] && !r_f_len2;
		r_exec_st[S_LOAD] <= r_k[K_LOAD_ACT];
		r_exec_st[S_RUN_GO] <= r_k[K_RUN];
		r_exec_st[S_CLEAR] <= r_k[K_CLEAR_COUNTERS];
		r_exec_st[S_RESET] <= r_k[K_RESET];
		r_exec_st[S_I2C_GO] <= r_k[K_I2C];
		r_exec_st[S_RESP] <= (r_k[K_WRITE_MEM] && r_f_len2) ||
				     !(r_k[K_WRITE_MEM] || r_k[K_LOAD_ACT] || r_k[K_RUN] || r_k[K_CLEAR_COUNTERS] ||
				       r_k[K_RESET] || r_k[K_I2C]);
		// S_RECORD's start for r_left (payload bytes after the address or the engine byte), and
		// whether that is 1, ready long before S_RECORD so no subtractor sits behind r_k there
		r_left_start <= r_len - (r_k[K_WRITE_MEM] ? 11'd2 : 11'd1);
		r_left_start1 <= r_k[K_WRITE_MEM] ? (r_len == 11'd3) : r_f_len2;
	end

	// drives: the range comparisons S_CHECK uses, one cycle after their sum (S_RANGE)
	localparam [31:0] W_MEM_WORDS = MEM_WORDS;
	always @(posedge i_clk) begin
		r_over_mem <= r_sum > W_MEM_WORDS[16:0];
		r_over_rows <= r_sum > {8'd0, r_res_rows};
		r_over_cols <= r_sum > {1'b0, w_maxc} + 17'd1;
		r_over_cap <= {8'd0, w_a34} > w_row_cap;
	end

	// drives: the range to check (the arguments are complete in S_SEQ; the operands are registered
	// there, their sum in S_SUM, the comparisons in S_RANGE): first + count (WRITE_MEM: addr +
	// words, READ_MEM and READ_RES: first + count, RUN: base + words), or for LOAD_ACT gathered +
	// len, compared with max_cols + 1 (gathered + new activations <= max_cols). One adder.
	reg [15:0] r_opa, r_opb;
	always @(posedge i_clk) begin
		r_opa <= r_k[K_LOAD_ACT] ? {{(16-AW){1'b0}}, w_act_n} : r_k[K_RUN] ? w_a12 : w_a01;
		r_opb <= r_k[K_WRITE_MEM] ? {8'd0, r_len[10:3]} : r_k[K_LOAD_ACT] ? {5'd0, r_len} :
			 r_k[K_RUN] ? w_a34 : w_a23;
		r_sum <= {1'b0, r_opa} + {1'b0, r_opb};
	end

	// ---- the counters and the INFO table, read while the answer goes out ----
	// Both are read at r_j: the counter word one cycle later, the INFO byte two (S_PL, S_PL_SEL),
	// in time for S_PL_WAIT.
	wire [31:0] w_cnt_rdata;
	wire [7:0]  w_info_byte;

	// drives: the counter events, registered (the counts land a cycle after the state that makes them)
	always @(posedge i_clk) begin
		r_ev_exec <= (r_st[S_SEQ]) && w_known && (w_sync || (!w_ooo && w_runs));
		r_ev_repeat <= (r_st[S_SEQ]) && w_known && !w_sync && !w_ooo && !w_runs;
		r_ev_nak <= (r_st[S_NAK]);
		r_clear <= (r_st[S_CLEAR]) || (r_st[S_RESET]);
	end

	mmf_counters #(.N_ENG(N_ENG), .AW(AW)) u_cnt (.i_clk(i_clk), .i_reset(i_reset),
		.i_clear(r_clear),
		.i_byte_in(i_byte_in), .i_byte_out(i_byte_out), .i_crc_err(i_crc_err || i_hdr_err || i_too_long),
		.i_nak(r_ev_nak), .i_exec(r_ev_exec), .i_repeat(r_ev_repeat),
		.i_busy(!o_mem_own), .i_busy_slot(o_eng),
		.i_mac(r_st[S_RUN_WAIT] && i_res_valid), .i_mac_n(r_cols[w_s]),
		.i_snap(r_st[S_RECORD]), .i_idx(r_j[5:2]), .o_rdata(w_cnt_rdata));

	mmf_info_rom #(.BOARD_ID(BOARD_ID), .LINK(LINK), .CLOCK_HZ(CLOCK_HZ), .LINK_RATE(LINK_RATE),
		.GIT_REV(GIT_REV), .ENG_TAC(ENG_TAC), .ENG_SAC(ENG_SAC), .ENG_LUT(ENG_LUT),
		.TAC_FMT(TAC_FMT), .TAC_LANES(TAC_LANES), .TAC_LG(TAC_LG), .SAC_LANES(SAC_LANES),
		.SAC_LG(SAC_LG), .LUT_LANES(LUT_LANES), .LUT_LG(LUT_LG), .OPT_I2C(OPT_I2C),
		.MEM_WORDS(MEM_WORDS)) u_info (
		.i_clk(i_clk), .i_idx(r_j[7:0]), .o_byte(w_info_byte));

	// ---- the answer ----
	// its payload length
	reg [10:0] w_resp_len;
	always @(*)
		if (r_nak)
			w_resp_len = 11'd2;
		else if (r_status != ST_OK)
			w_resp_len = 11'd1;
		else if (r_k[K_INFO])
			w_resp_len = 11'd1 + {3'd0, INFO_BYTES};
		else if (r_k[K_READ_MEM])
			w_resp_len = 11'd1 + {1'b0, w_a23[6:0], 3'd0};
		else if (r_k[K_READ_RES])
			w_resp_len = 11'd1 + {1'b0, w_a23[7:0], 2'd0};
		else if (r_k[K_READ_COUNTERS])
			w_resp_len = 11'd49;
		else if (r_k[K_RUN])
			w_resp_len = 11'd3;
		else if (r_k[K_I2C])
			w_resp_len = 11'd2 + {8'd0, r_arg[10:8]};     // status, outcome, the bytes read
		else
			w_resp_len = 11'd1;

	// the answer is the status byte alone (w_resp_len == 1), from flags
	wire w_resp_one = !r_nak && (r_status != ST_OK || (r_k[K_READ_MEM] && r_f_count0) ||
				     (r_k[K_READ_RES] && r_f_count0) ||
				     !(r_k[K_INFO] || r_k[K_READ_MEM] || r_k[K_READ_RES] || r_k[K_READ_COUNTERS] ||
				       r_k[K_RUN] || r_k[K_I2C]));

	// drives: the answer's type and length, registered (settled in S_PREP, read in S_RESP)
	reg [7:0]  r_tx_type;
	reg [10:0] r_tx_len;
	reg        r_tx_one;         // the answer is the status byte alone
	always @(posedge i_clk) begin
		r_tx_type <= r_nak ? 8'h7F : (r_type | 8'h80);
		r_tx_len <= w_resp_len;
		r_tx_one <= w_resp_one;
	end

	assign o_tx_start = r_st[S_RESP] && i_tx_idle;
	assign o_tx_type = r_tx_type;
	assign o_tx_seq = r_seq;
	assign o_tx_len = {5'd0, r_tx_len};
	assign o_ws_base = w_a12[13:0];
	assign o_ws_count = w_a34[14:0];

	// drives: data byte r_j out of each wide source (S_PL_SEL, the sources having read at r_j)
	reg [7:0] r_b_mem, r_b_rb, r_b_cnt, r_b_i2c;
	wire [39:0] w_i2c_bytes = {i_i2c_rdata, 6'd0, i_i2c_result};   // the outcome, then the bytes read
	always @(posedge i_clk) begin
		r_b_mem <= i_mem_rdata[8*r_j[2:0] +: 8];
		r_b_rb <= i_rb_rdata[8*r_j[1:0] +: 8];
		r_b_cnt <= w_cnt_rdata[8*r_j[1:0] +: 8];
		r_b_i2c <= (r_j[2:0] > 3'd4) ? 8'd0 : w_i2c_bytes[8*r_j[2:0] +: 8];
	end

	// the data bytes' source, one-hot, set as the answer starts: the NAK's expected seq, INFO, the
	// weight memory, the result buffer, the counters, RUN's row count, or the I2C transfer's outcome
	localparam P_NAK = 0, P_INFO = 1, P_MEM = 2, P_RES = 3, P_CNT = 4, P_ROWS = 5, P_I2C = 6;
	reg [6:0] r_src;
	wire [6:0] w_src = r_nak ? 7'b0000001 : r_k[K_INFO] ? 7'b0000010 : r_k[K_READ_MEM] ? 7'b0000100 :
			   r_k[K_READ_RES] ? 7'b0001000 : r_k[K_READ_COUNTERS] ? 7'b0010000 :
			   r_k[K_I2C] ? 7'b1000000 : 7'b0100000;
	wire [7:0] w_rows_byte = r_j[0] ? {7'd0, r_res_rows[8]} : r_res_rows[7:0];

	// drives: the source of the answer's data bytes
	always @(posedge i_clk)
		if (r_st[S_RESP])
			r_src <= w_src;

	// the next byte: the status, then data byte r_j (an AND-OR of the sources)
	wire [7:0] w_pl_byte = r_first ? {5'd0, r_status} :
		(({8{r_src[P_NAK]}} & (r_synced ? r_next : 8'd0)) | ({8{r_src[P_INFO]}} & w_info_byte) |
		 ({8{r_src[P_MEM]}} & r_b_mem) | ({8{r_src[P_RES]}} & r_b_rb) |
		 ({8{r_src[P_CNT]}} & r_b_cnt) | ({8{r_src[P_ROWS]}} & w_rows_byte) |
		 ({8{r_src[P_I2C]}} & r_b_i2c));

	// A byte taken (i_pl_ready) or an activation taken (i_act_ready) only ends a wait state here;
	// what follows from it happens in the next state, so the ready paths stay short.
	wire w_pl_adv = r_st[S_PL_NEXT] && !r_first;   // data byte r_j has left

	// ---- the FSM ----
	// One-hot; each state's flip-flop is set by the transitions into it and held by the condition
	// to stay, all functions of registers (sequence decisions, flags, handshakes).
	wire w_idle_nak = w_take ? w_take_bad : (i_too_long && i_tx_idle);   // CRC, or a too-long header
	wire w_idle_go = w_take || (i_too_long && i_tx_idle);
	wire w_args_done = (r_argn == 3'd4) && r_fetched;
	wire w_write_done = r_fetched && r_left1;
	wire w_load_done = (r_lph[L_FETCH] && r_left0 && w_more) || (r_lph[L_SENT] && o_act_last);
	wire w_run_done = i_res_valid && i_res_last;
	wire w_pl_beat = o_pl_valid && i_pl_ready;
	wire w_exec = r_st[S_RECORD] && r_check_ok;     // the command's own states
	// SYNC and repeats of commands that changed state answer at once; NAKs and failed checks too
	wire w_to_resp = (r_st[S_SEQ] && !r_sq_nak && !r_sq_run) ||
			 (r_st[S_RECORD] && (!r_check_ok || r_exec_st[S_RESP])) ||
			 (r_st[S_WRITE] && w_write_done) || (r_st[S_LOAD] && w_load_done) ||
			 (r_st[S_RUN_GO] && r_f_words0) || (r_st[S_RUN_WAIT] && w_run_done) ||
			 (r_st[S_I2C_WAIT] && i_i2c_done) ||
			 r_st[S_NAK] || r_st[S_CLEAR] || r_st[S_RESET];

	// drives: the FSM state
	always @(posedge i_clk)
		if (i_reset) begin
			r_st <= ONE << S_IDLE;
		end else begin
			r_st[S_IDLE] <= (r_st[S_IDLE] && !w_idle_go) || (r_st[S_DONE] && i_tx_idle);
			r_st[S_ARGS] <= (r_st[S_IDLE] && w_take && !w_take_bad) || (r_st[S_ARGS] && !w_args_done);
			r_st[S_SEQ] <= r_st[S_ARGS] && w_args_done;
			r_st[S_SUM] <= r_st[S_SEQ] && r_sq_run;
			r_st[S_RANGE] <= r_st[S_SUM];
			r_st[S_CHECK] <= r_st[S_RANGE];
			r_st[S_STATUS] <= r_st[S_CHECK];
			r_st[S_RECORD] <= r_st[S_STATUS];
			r_st[S_NAK] <= (r_st[S_IDLE] && w_idle_nak) || (r_st[S_SEQ] && r_sq_nak);
			r_st[S_WRITE] <= (w_exec && r_exec_st[S_WRITE]) || (r_st[S_WRITE] && !w_write_done);
			r_st[S_LOAD] <= (w_exec && r_exec_st[S_LOAD]) || (r_st[S_LOAD] && !w_load_done);
			r_st[S_RUN_GO] <= w_exec && r_exec_st[S_RUN_GO];
			r_st[S_RUN_WAIT] <= (r_st[S_RUN_GO] && !r_f_words0) || (r_st[S_RUN_WAIT] && !w_run_done);
			r_st[S_I2C_GO] <= w_exec && r_exec_st[S_I2C_GO];
			r_st[S_I2C_WAIT] <= r_st[S_I2C_GO] || (r_st[S_I2C_WAIT] && !i_i2c_done);
			r_st[S_CLEAR] <= w_exec && r_exec_st[S_CLEAR];
			r_st[S_RESET] <= w_exec && r_exec_st[S_RESET];
			r_st[S_PREP] <= w_to_resp;                       // the answer's header is registered
			r_st[S_RESP] <= r_st[S_PREP] || (r_st[S_RESP] && !i_tx_idle);
			// the status byte needs no source: S_RESP goes straight to S_PL_WAIT
			r_st[S_PL_WAIT] <= (r_st[S_RESP] && i_tx_idle) || r_st[S_PL_SEL] ||
					   (r_st[S_PL_WAIT] && !w_pl_beat);
			r_st[S_PL_NEXT] <= r_st[S_PL_WAIT] && w_pl_beat;  // index and addresses move
			r_st[S_PL] <= r_st[S_PL_NEXT] && !r_left1;       // the sources read at the new index
			r_st[S_PL_SEL] <= r_st[S_PL];                    // each source's byte is picked
			r_st[S_DONE] <= (r_st[S_PL_NEXT] && r_left1) || (r_st[S_DONE] && !i_tx_idle);
		end

	// drives: the held flag and the sequence state
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_held <= 1'b0;
			r_synced <= 1'b0;
			r_last_seq <= 8'd0;
			r_last_type <= 8'd0;
			r_last_status <= ST_OK;
		end else begin
			// a packet completing while busy is held (the receiver stops until it is taken)
			if ((i_good || i_crc_err) && !r_st[S_IDLE]) begin
				r_held <= 1'b1;
				r_held_good <= i_good;
			end else if (r_st[S_IDLE] && w_take) begin
				r_held <= 1'b0;
			end
			// SYNC (without a payload) and every command run take their sequence number
			if (r_st[S_SEQ] && w_known && (w_sync ? r_f_len0 : (!w_ooo && w_runs))) begin
				r_synced <= r_synced || w_sync;
				r_last_seq <= r_seq;
				r_last_type <= r_type;
			end
			if (r_st[S_SEQ] && w_known && w_sync && r_f_len0)
				r_last_status <= ST_OK;
			else if (r_st[S_RECORD])
				r_last_status <= r_status;
		end
	end

	// drives: the header of the packet being answered (in S_IDLE the receiver's, which a held
	// packet keeps there)
	always @(posedge i_clk)
		if (r_st[S_IDLE]) begin
			r_type <= i_type;
			r_seq <= i_seq;
			r_len <= i_len[10:0];
		end

	// drives: the status (or NAK reason), whether the checks passed, and the NAK flag
	always @(posedge i_clk) begin
		if (r_st[S_STATUS])
			r_check_ok <= (w_check == ST_OK);
		(* parallel_case *)
		case (1'b1)
		r_st[S_IDLE]: r_status <= w_take ? NAK_CRC : NAK_TOO_LONG;   // read only on the way to S_NAK
		r_st[S_SEQ]: r_status <= !w_known ? NAK_UNKNOWN : w_sync ? (r_f_len0 ? ST_OK : ST_BAD_LENGTH) :
				   w_ooo ? NAK_OOO : r_last_status;
		r_st[S_STATUS]: r_status <= w_check;
		default: ;
		endcase
		if (r_st[S_NAK])
			r_nak <= 1'b1;
		else if (r_st[S_IDLE])
			r_nak <= 1'b0;
	end

	// drives: payload bytes 0..4 (zero beyond the packet), shifted in from the top, and the
	// packet-buffer pipeline flag
	always @(posedge i_clk) begin
		if (r_st[S_IDLE] || r_st[S_RECORD]) begin
			r_argn <= 3'd0;
			r_fetched <= 1'b0;
		end else if (r_st[S_ARGS] || r_st[S_WRITE]) begin
			r_fetched <= 1'b1;
			if (r_fetched && r_st[S_ARGS]) begin
				r_arg <= {({8'd0, r_argn} < r_len) ? i_pb_data : 8'd0, r_arg[39:8]};
				r_argn <= r_argn + 3'd1;
			end
		end
	end

	// drives: the LOAD_ACT phase: wait for the packet buffer (FETCH), take a byte (TAKE), hand a
	// byte to the engine (SEND) and see whether it was the last (SENT)
	// (all zero outside LOAD_ACT: the command's end sets none, so each phase bit implies S_LOAD)
	always @(posedge i_clk)
		if (i_reset)
			r_lph <= 4'b0000;
		else
			r_lph <= {r_lph[L_SEND] && i_act_ready,                                  // SENT
				  (r_lph[L_FETCH] && r_fin_send) || (r_lph[L_TAKE] && w_hold_v) ||
				  (r_lph[L_SEND] && !i_act_ready),                                   // SEND
				  r_lph[L_FETCH] && !r_left0,                                        // TAKE
				  (w_exec && r_exec_st[S_LOAD]) || (r_lph[L_TAKE] && !w_hold_v) ||
				  (r_lph[L_SENT] && !o_act_last)};                                   // FETCH

	// drives: the packet-buffer read address
	always @(posedge i_clk)
		(* parallel_case *)
		case (1'b1)
		r_st[S_IDLE]: o_pb_addr <= 10'd0;
		r_st[S_RECORD]: o_pb_addr <= r_k[K_WRITE_MEM] ? 10'd2 : 10'd1;
		r_st[S_ARGS], r_st[S_WRITE]: o_pb_addr <= o_pb_addr + 10'd1;
		r_st[S_LOAD]: if (r_lph[L_TAKE])
				o_pb_addr <= o_pb_addr + 10'd1;
		default: ;
		endcase

	// drives: the byte / row index, bytes left, and the answer's status-byte flag
	always @(posedge i_clk) begin
		(* parallel_case *)
		case (1'b1)
		r_st[S_RECORD]: begin
			r_j <= 10'd0;
			r_left <= r_left_start;
			r_left0 <= r_k[K_WRITE_MEM] ? r_f_len2 : r_f_len1;
			r_fin_send <= r_f_len1 && !w_more;
			r_left1 <= r_left_start1;
		end
		r_st[S_WRITE]: if (r_fetched) begin
				r_j <= r_j + 10'd1;
				r_left <= r_left - 11'd1;
				r_left0 <= r_left1;
				r_left1 <= (r_left == 11'd2);
			end
		r_st[S_LOAD]: if (r_lph[L_TAKE]) begin
				r_left <= r_left - 11'd1;
				r_left0 <= r_left1;
				r_fin_send <= r_left1 && !w_more;
				r_left1 <= (r_left == 11'd2);
			end
		r_st[S_RUN_GO]: r_j <= 10'd0;
		r_st[S_RUN_WAIT]: if (i_res_valid)
				r_j <= r_j + 10'd1;
		r_st[S_RESP]: begin
			r_j <= 10'd0;
			r_left <= r_tx_len;
			r_left0 <= 1'b0;                        // every answer has its status byte
			r_left1 <= r_tx_one;
			r_first <= 1'b1;
		end
		r_st[S_PL_NEXT]: begin
			r_left <= r_left - 11'd1;
			r_left0 <= r_left1;
			r_left1 <= (r_left == 11'd2);
			r_first <= 1'b0;
			if (!r_first)
				r_j <= r_j + 10'd1;
		end
		default: ;
		endcase
	end

	// drives: the weight memory port: the word being written, its address (counting up from the
	// first word as words are written or answered), the write strobe
	always @(posedge i_clk) begin
		o_mem_we <= r_st[S_WRITE] && r_fetched && (r_j[2:0] == 3'd7);
		if (r_st[S_WRITE] && r_fetched)
			o_mem_wdata <= {i_pb_data, o_mem_wdata[63:8]};
		if (r_st[S_RECORD])
			o_mem_addr <= w_a01[13:0];
		else if (o_mem_we || (w_pl_adv && r_j[2:0] == 3'd7))
			o_mem_addr <= o_mem_addr + 14'd1;
	end

	// drives: the result buffer ports: results of a RUN in, READ_RES reads counting up
	always @(posedge i_clk) begin
		o_rb_we <= (r_st[S_RUN_WAIT]) && i_res_valid;
		o_rb_waddr <= r_j[7:0];
		o_rb_wdata <= i_res_data;
		if (r_st[S_RECORD])
			o_rb_raddr <= w_a01[7:0];
		else if (w_pl_adv && r_j[1:0] == 2'd3)
			o_rb_raddr <= o_rb_raddr + 8'd1;
	end

	// drives: the rows of the last RUN
	always @(posedge i_clk)
		if (i_reset || r_st[S_RESET] || (r_st[S_RUN_GO] && r_f_words0))
			r_res_rows <= 9'd0;
		else if (r_st[S_RUN_WAIT] && i_res_valid && i_res_last)
			r_res_rows <= r_j[8:0] + 9'd1;

	// drives: the payload stream to the transmitter
	always @(posedge i_clk)
		if (i_reset)
			o_pl_valid <= 1'b0;
		else if (r_st[S_PL_WAIT] && !o_pl_valid) begin
			o_pl_valid <= 1'b1;
			o_pl_data <= w_pl_byte;
		end else if (i_pl_ready)
			o_pl_valid <= 1'b0;

	// drives: the I2C transfer's start, a cycle after S_I2C_GO (the arguments are r_arg, still until
	// the next packet's S_ARGS)
	always @(posedge i_clk)
		o_i2c_start <= !i_reset && r_st[S_I2C_GO];
	assign o_i2c_addr = r_arg[6:0];
	assign o_i2c_nr = r_arg[10:8];
	assign o_i2c_nw = r_len[1:0] - 2'd2;           // length 2..5: 0..3 bytes to write
	assign o_i2c_wdata = r_arg[39:16];

	// drives: the stream reader's command
	always @(posedge i_clk)
		if (i_reset)
			o_ws_valid <= 1'b0;
		else if (r_st[S_RUN_GO] && !r_f_words0)
			o_ws_valid <= 1'b1;
		else if (i_ws_ready)
			o_ws_valid <= 1'b0;

	// drives: the engine slot of the current LOAD_ACT / RUN
	always @(posedge i_clk)
		if (i_reset)
			o_eng <= 2'd0;
		else if (r_st[S_RECORD] && (r_k[K_LOAD_ACT] || (r_k[K_RUN] && r_status == ST_OK)))
			o_eng <= w_slot;

	// drives: the activation stream: bytes 1..len-1 of each LOAD_ACT, one held back per slot; the
	// final packet sends the held one marked last
	always @(posedge i_clk)
		if (i_reset) begin
			o_act_valid <= 1'b0;
		end else if ((r_lph[L_FETCH] && r_fin_send) || (r_lph[L_TAKE] && w_hold_v)) begin
			o_act_valid <= 1'b1;
			o_act_data <= r_hold_b[w_s];
			o_act_last <= r_lph[L_FETCH];
		end else if (i_act_ready) begin
			o_act_valid <= 1'b0;
		end

	// ---- per-slot state ----
	// What a LOAD_ACT does to its slot, decided in S_RECORD (strobes high the cycle after): a new
	// vector starts (the slot forgets any half-loaded or loaded one), every LOAD_ACT to a valid slot
	// clears the loaded flag, a failed one drops the vector being gathered.
	reg  r_do_new, r_do_unload, r_do_drop;
	wire w_slot_clear = i_reset || r_st[S_RESET];
	wire w_act_take = r_lph[L_TAKE];                        // i_pb_data is the next activation
	wire w_act_done = r_lph[L_SENT] && o_act_last;          // the vector is loaded

	// drives: the LOAD_ACT strobes
	always @(posedge i_clk) begin
		r_do_new <= r_st[S_RECORD] && r_k[K_LOAD_ACT] && r_check_ok && r_f_act0;
		r_do_unload <= r_st[S_RECORD] && r_k[K_LOAD_ACT] && !r_f_e_bad && !r_f_len0;
		r_do_drop <= r_st[S_RECORD] && r_k[K_LOAD_ACT] && !r_f_e_bad && !r_f_len0 && !r_check_ok;
	end

	// drives: the engine resets (a new vector, a failed LOAD_ACT, RESET)
	always @(posedge i_clk) begin
		o_eng_reset <= 3'b000;
		if (r_st[S_RESET])
			o_eng_reset <= 3'b111;
		else if (r_do_new || r_do_drop)
			o_eng_reset[w_slot] <= 1'b1;
	end

	// drives: the flags per slot: a byte held back, a vector loaded
	always @(posedge i_clk)
		if (w_slot_clear) begin
			r_loaded <= {N_ENG{1'b0}};
			r_hold_v <= {N_ENG{1'b0}};
		end else begin
			if (r_do_new || r_do_drop || w_act_done)
				r_hold_v[w_s] <= 1'b0;
			else if (w_act_take)
				r_hold_v[w_s] <= 1'b1;
			if (r_do_unload)
				r_loaded[w_s] <= 1'b0;
			else if (w_act_done)
				r_loaded[w_s] <= 1'b1;
		end

	// drives: activations gathered, lane of the next activation and words per row of the vector
	// being gathered, per slot. Each slot decides from its own registers and constants (its lane
	// count), so no slot's value passes through the w_s multiplexer on its way back in.
	wire [3:0] w_sel = 4'd1 << w_s;     // w_s, one-hot
	integer k;
	always @(posedge i_clk)
		for (k = 0; k < N_ENG; k = k + 1) begin
			if (w_slot_clear || (w_sel[k] && (r_do_new || r_do_drop || w_act_done)))
				r_act_n[k] <= {AW{1'b0}};
			else if (w_sel[k] && w_act_take)
				r_act_n[k] <= r_act_n[k] + 1'b1;
			if (w_slot_clear || (w_sel[k] && r_do_new)) begin
				r_lane[k] <= {LW{1'b0}};
				r_words[k] <= {WW{1'b0}};
			end else if (w_sel[k] && w_act_take) begin
				r_lane[k] <= ({{(8-LW){1'b0}}, r_lane[k]} == slot_lanes(k[1:0]) - 8'd1) ?
					     {LW{1'b0}} : r_lane[k] + 1'b1;
				if (r_lane[k] == 0)
					r_words[k] <= r_words[k] + 1'b1;
			end
		end

	// drives: the held-back byte and K of the loaded vector per slot
	always @(posedge i_clk) begin
		if (w_act_take)
			r_hold_b[w_s] <= i_pb_data;
		if (w_act_done)
			r_cols[w_s] <= r_act_n[w_s];
	end

	// the high bits of the length: the receiver never reports more than 1024 with a packet
	wire w_unused = &{1'b0, i_len[15:11]};
endmodule
