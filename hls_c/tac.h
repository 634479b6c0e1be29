/*
 * tac.h: ternary accumulate, the C twin of rtl/tac.v.
 *
 * y[r] = sum_k w[r][k] * x[k] with w in {-1, 0, +1}: each lane selects +x, -x or 0 and an adder tree
 * sums the lanes; no multiplier. Two weight formats, chosen by the FMT parameter:
 *   TAC_FMT_2B  2-bit codes, code = w + 1 (0: -1, 1: 0, 2: +1, 3: reads as 0); lane i at bits 2i+1:2i.
 *   TAC_FMT_5T  5 trits per byte, byte = sum_n (w_n + 1) * 3^n for lanes 5j..5j+4 in byte j;
 *               bytes 243..255 decode as five zeros. A 256-entry ROM turns a byte into five 2-bit codes.
 */
#ifndef MMF_TAC_H
#define MMF_TAC_H

#include "mmf_hls.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	TAC_FMT_2B = 0,
	TAC_FMT_5T = 1,
	TAC_LANES_MAX = 40,         /* 64 bits at 1.6 bits per weight */
	TAC_LANES_2B = 32,          /* default LANES for TAC_FMT_2B: one whole word */
	TAC_LANES_5T = 40,          /* default LANES for TAC_FMT_5T: one whole word */
	TAC_LG_ACT = 8,             /* log2 of activation buffer words */
	TAC_ACT_WORDS = 1 << TAC_LG_ACT,
	TAC_CODE_NEG = 0, TAC_CODE_ZERO = 1, TAC_CODE_POS = 2, /* 2-bit trit codes */
	TAC_TRITS_PER_BYTE = 5,
	TAC_BYTE_CODES = 243,       /* 3^5 valid byte values */
};

/* Engine state: the parameters and the activation buffer, as rtl/tac.v holds them. */
typedef struct {
	uint8_t fmt;                                /* FMT parameter */
	uint8_t lanes;                              /* LANES parameter: weights per word */
	uint16_t words;                             /* activation words loaded: ceil(cols / lanes) */
	uint32_t cols;                              /* activations loaded (K) */
	int8_t act[TAC_ACT_WORDS][TAC_LANES_MAX];   /* activation buffer, one word of lanes per entry */
} tac_t;

/* 0, or -1 when fmt/lanes are not a configuration the RTL can be built with. */
int tac_init(tac_t *e, uint8_t fmt, uint8_t lanes);
/* Largest K the activation buffer holds. */
uint32_t tac_max_cols(const tac_t *e);
/* The activation stream: cols int8 values, zero-padded to a whole word. 0 or -1 if cols is out of range. */
int tac_load(tac_t *e, const int8_t *x, uint32_t cols);
/* Ten bits: the five 2-bit codes of one 5-trit byte (the ROM rtl/tac5_rom.v holds). */
uint16_t tac5_decode(uint8_t byte);
/* The 2-bit code of lane i in a weight word. */
uint8_t tac_lane_code(const tac_t *e, uint64_t word, uint32_t lane);
/* One pass of the pipeline: word `w` against activation word `widx`. */
int32_t tac_word(const tac_t *e, uint32_t widx, uint64_t w);
/* The weight stream: nwords words, rows of ceil(cols/lanes) words; writes one result per row and
 * returns the number of rows (the final row ends at the last word even if short). */
uint32_t tac_matvec(const tac_t *e, const uint64_t *w, uint32_t nwords, int32_t *y);

/* Packer: w[rows][cols] in {-1,0,+1} to words; returns words written, or -1 if out_words is too small
 * or a weight is not ternary. Unpacker: one word back to lanes weights. */
int32_t tac_pack(uint8_t fmt, uint8_t lanes, const int8_t *w, uint32_t rows, uint32_t cols,
		 uint64_t *out, uint32_t out_words);
void tac_unpack_word(uint8_t fmt, uint8_t lanes, uint64_t word, int8_t *w);

#ifdef __cplusplus
}
#endif

#endif
