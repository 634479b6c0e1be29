/*
 * mmf_hls.h: what every hls_c datapath shares: the weight memory word, its size, the integer types.
 *
 * hls_c is the synthesizable subset (see docs/datapaths.md): fixed-width integers, compile-time loop
 * bounds, no heap, no recursion, no floating point, no library calls. tools/check_hls_subset.sh
 * enforces it.
 */
#ifndef MMF_HLS_H
#define MMF_HLS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Weight memory: the UP5K's four SB_SPRAM256KA side by side, 16 bits each. */
enum {
	MMF_WORD_BITS = 64,         /* bits read from weight memory per cycle */
	MMF_WMEM_WORDS = 16384,     /* 64-bit words: 4 x 256 kbit = 128 KiB */
	MMF_LG_WMEM_WORDS = 14,
	MMF_ACT_BITS = 8,           /* activations are int8 */
	MMF_RES_BITS = 32,          /* results are int32 */
	MMF_MAX_ROWS = 65535,       /* bound on rows per matrix-vector product */
	MMF_MAX_STREAM_WORDS = 1 << 24, /* bound on weight words per matrix-vector product */
};

/* Engine identifiers: the same numbers select an engine in rtl/mmf_bench_top.v and the protocol. */
enum mmf_engine_id {
	MMF_ENGINE_TAC = 0,         /* ternary accumulate */
	MMF_ENGINE_SAC = 1,         /* shift-add */
	MMF_ENGINE_LUT = 2,         /* table lookup */
};

/* Weight formats: each engine reads exactly one. */
enum mmf_format_id {
	MMF_FMT_TAC2 = 0,           /* ternary, 2-bit codes, 32 per word */
	MMF_FMT_TAC5 = 1,           /* ternary, 5 trits per byte (base 3), 40 per word */
	MMF_FMT_SAC4 = 2,           /* power of two, sign + 3-bit exponent, 16 per word */
	MMF_FMT_LUT3 = 3,           /* ternary triples, 5-bit mirrored index, 36 per word */
};

/* Words one row occupies when each word carries `lanes` weights: rows start on a word boundary. */
static inline uint32_t mmf_words_per_row(uint32_t cols, uint32_t lanes)
{
	return (cols + lanes - 1u) / lanes;
}

/* The row sequencer every engine shares: add one word's sum to the row, emit the row at its end. */
typedef struct {
	uint32_t acc;               /* row accumulator, wraps at 32 bits as the RTL does */
	uint32_t widx;              /* word index within the row: the activation word it meets */
	uint32_t rows;              /* results emitted so far */
} mmf_rowseq_t;

static inline void mmf_row_step(mmf_rowseq_t *s, int32_t word_sum, uint32_t words_per_row, int last,
				int32_t *y)
{
	s->acc += (uint32_t)word_sum;
	s->widx++;
	if (s->widx == words_per_row || last) {
		y[s->rows++] = (int32_t)s->acc;
		s->acc = 0;
		s->widx = 0;
	}
}

#ifdef __cplusplus
}
#endif

#endif
