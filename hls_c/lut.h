/*
 * lut.h: table-lookup matmul (T-MAC / bitnet.cpp TL2 style), the C twin of rtl/lut.v.
 *
 * Ternary weights in triples (w0, w1, w2) of consecutive columns. A triple is the balanced-ternary
 * number v = w0 + 3 w1 + 9 w2 in -13..13, stored as a 5-bit code: bit 4 = sign (v < 0), bits 3:0 =
 * |v| (0..13; 14 and 15 select zero entries). Group j of a word sits at bits 5j+4:5j, 12 groups
 * (36 weights) per 64-bit word, bits 63:60 unused: 64/36 = 1.78 stored bits per weight.
 *
 * When the activation vector is loaded, each triple of activations (a0, a1, a2) gets a 16-entry
 * table T[i] = d0(i) a0 + d1(i) a1 + d2(i) a2, where d(i) are the balanced-ternary digits of i.
 * Mirror symmetry (T[-v] = -T[v]) halves the 27 possible sums to 14 stored ones. A row then costs one
 * table read, one conditional negate and one add per three weights. For ternary weights the result
 * equals tac's exactly.
 */
#ifndef MMF_LUT_H
#define MMF_LUT_H

#include "mmf_hls.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	LUT_GROUP = 3,              /* activations per table */
	LUT_CODE_BITS = 5,          /* sign + 4-bit index */
	LUT_GROUPS_MAX = 12,        /* groups per 64-bit word */
	LUT_LANES_MAX = LUT_GROUP * LUT_GROUPS_MAX,
	LUT_ENTRIES = 16,           /* table entries per group, 0..13 used */
	LUT_INDEX_MAX = 13,         /* largest |v| */
	LUT_ENTRY_BITS = 10,        /* |T| <= 3 * 128 */
	LUT_LG_ACT = 5,             /* log2 of activation words (36 activations each) */
	LUT_ACT_WORDS = 1 << LUT_LG_ACT,
};

/* Engine state: parameters and the table memory, as rtl/lut.v holds them. */
typedef struct {
	uint8_t lanes;                                          /* LANES parameter, a multiple of 3 */
	uint16_t words;                                         /* activation words loaded */
	uint32_t cols;                                          /* activations loaded (K) */
	int16_t tab[LUT_ACT_WORDS][LUT_GROUPS_MAX][LUT_ENTRIES]; /* table memory: word, bank, entry */
} lut_t;

int lut_init(lut_t *e, uint8_t lanes);
uint32_t lut_max_cols(const lut_t *e);
/* Six bits: the three 2-bit trit codes (digit + 1) of index i; 14 and 15 give three zero digits. */
uint8_t lut_digits(uint8_t index);
/* Table entry `index` for one triple of activations. */
int16_t lut_entry(uint8_t index, int8_t a0, int8_t a1, int8_t a2);
/* The activation stream: builds every table of every loaded word (zero activations past K). */
int lut_load(lut_t *e, const int8_t *x, uint32_t cols);
int32_t lut_word(const lut_t *e, uint32_t widx, uint64_t w);
uint32_t lut_matvec(const lut_t *e, const uint64_t *w, uint32_t nwords, int32_t *y);

/* 5-bit code of a ternary triple. */
uint8_t lut_encode(int8_t w0, int8_t w1, int8_t w2);
/* Packer: ternary w[rows][cols] to words (lanes a multiple of 3); -1 if it does not fit or a weight
 * is not ternary. Unpacker: one word back to lanes weights. */
int32_t lut_pack(uint8_t lanes, const int8_t *w, uint32_t rows, uint32_t cols,
		 uint64_t *out, uint32_t out_words);
void lut_unpack_word(uint8_t lanes, uint64_t word, int8_t *w);

#ifdef __cplusplus
}
#endif

#endif
