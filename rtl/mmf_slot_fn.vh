// mmf_slot_fn.vh: the engine slots of a SoC as built (docs/protocol.md, INFO): the engines present
// (ENG_TAC, ENG_SAC, ENG_LUT) are numbered as slots from 0 in the order tac, sac, lut. Included
// inside the modules that answer for the slots (mmf_cmd, mmf_info_rom), which carry the parameters
// ENG_*, TAC_FMT, TAC_LANES, TAC_LG, SAC_LANES, SAC_LG, LUT_LANES, LUT_LG.

// the engine kind (0 tac, 1 sac, 2 lut, hls_c enum mmf_engine_id) in slot e
function [1:0] slot_kind;
	input [1:0] e;
	slot_kind = (ENG_TAC != 0 && e == 2'd0) ? 2'd0 :
		    (ENG_SAC != 0 && {30'd0, e} == ENG_TAC) ? 2'd1 : 2'd2;
endfunction

// weights per word
function [7:0] slot_lanes;
	input [1:0] e;
	slot_lanes = (slot_kind(e) == 2'd0) ? TAC_LANES[7:0] :
		     (slot_kind(e) == 2'd1) ? SAC_LANES[7:0] : LUT_LANES[7:0];
endfunction

// log2 of the activation words
function [7:0] slot_lg;
	input [1:0] e;
	slot_lg = (slot_kind(e) == 2'd0) ? TAC_LG[7:0] : (slot_kind(e) == 2'd1) ? SAC_LG[7:0] : LUT_LG[7:0];
endfunction

// weight format (hls_c enum mmf_format_id)
function [7:0] slot_fmt;
	input [1:0] e;
	slot_fmt = (slot_kind(e) == 2'd0) ? TAC_FMT[7:0] : (slot_kind(e) == 2'd1) ? 8'd2 : 8'd3;
endfunction

// the largest K the slot takes: lanes << lg_act (INFO max_cols)
function [15:0] slot_max_cols;
	input [1:0] e;
	slot_max_cols = {8'd0, slot_lanes(e)} << slot_lg(e);
endfunction
