/*
 * sac.h: shift-add, the C twin of rtl/sac.v.
 *
 * Weights are signed powers of two, w = s * 2^-p: the product w * x is a shift of x. Format SAC4, one
 * 4-bit code per weight, lane i at bits 4i+3:4i:
 *   bit 3    sign (1: negative)
 *   bits 2:0 exponent p in 0..6, w = (-1)^s * 2^-p; p = 7 is the zero code (either sign).
 * So w is in {0, +-1, +-1/2, ... +-1/64}: DeepShift-style with a zero, because ternary-quantised models
 * are about a third zeros (DenseShift's zero-free set would have to round them away).
 * Exact accumulation: every term is x << (6 - p), so the result is 2^SAC_FRAC * sum_k w[k] x[k]
 * exactly (no bit of any product is dropped); the host divides by 2^6 when it applies the scale.
 */
#ifndef MMF_SAC_H
#define MMF_SAC_H

#include "mmf_hls.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	SAC_LANES_MAX = 16,         /* 64 bits at 4 bits per weight */
	SAC_CODE_BITS = 4,
	SAC_EXP_ZERO = 7,           /* exponent field value that means w = 0 */
	SAC_FRAC = 6,               /* result = 2^SAC_FRAC * exact dot product */
	SAC_CODE_ZERO = SAC_EXP_ZERO,
	SAC_LG_ACT = 8,
	SAC_ACT_WORDS = 1 << SAC_LG_ACT,
};

/* Engine state: parameters and activation buffer, as rtl/sac.v holds them. */
typedef struct {
	uint8_t lanes;                              /* LANES parameter */
	uint16_t words;                             /* activation words loaded */
	uint32_t cols;                              /* activations loaded (K) */
	int8_t act[SAC_ACT_WORDS][SAC_LANES_MAX];   /* activation buffer */
} sac_t;

int sac_init(sac_t *e, uint8_t lanes);
uint32_t sac_max_cols(const sac_t *e);
int sac_load(sac_t *e, const int8_t *x, uint32_t cols);
/* One lane: code against activation a, scaled by 2^SAC_FRAC. */
int32_t sac_term(uint8_t code, int8_t a);
int32_t sac_word(const sac_t *e, uint32_t widx, uint64_t w);
uint32_t sac_matvec(const sac_t *e, const uint64_t *w, uint32_t nwords, int32_t *y);

/* Code for sign (0/1) and exponent p (0..6), or the zero code. */
uint8_t sac_encode(uint8_t neg, uint8_t p);
/* Packer: codes[rows][cols] (4-bit) to words, padding with the zero code; -1 if it does not fit. */
int32_t sac_pack(uint8_t lanes, const uint8_t *codes, uint32_t rows, uint32_t cols,
		 uint64_t *out, uint32_t out_words);
void sac_unpack_word(uint8_t lanes, uint64_t word, uint8_t *codes);

#ifdef __cplusplus
}
#endif

#endif
