/*
 * mmf_onchip.h: the forward pass of the MatMul-free LM in fixed point, one token at a time: the
 * executable specification of the on-chip sequencer (docs/onchip.md gives every format with its
 * error analysis, docs/model.md the model).
 *
 * Formats (value = integer * 2^-frac unless said otherwise):
 *   x, BitLinear outputs (i, f, g, a, b, residual terms)   int32 Q15.16, saturating
 *   recurrent state s                                     24-bit Q7.16 in an int32, saturating
 *   inputs of every norm and BitLinear ("vec16")          int16 mantissas m[j] with one exponent e:
 *                                                         value = m[j] * 2^e, max |m| in [2^14, 2^15)
 *   scalars (scales, 1/rms, eps) ("bf")                   16-bit mantissa in [2^15, 2^16), exponent
 *   norm weights                                          int16 mantissas, one exponent per tensor
 *   sigmoid, forget gate f, lower bound                   Q0.16 unsigned (1 is 65535)
 *   logits                                                int32 Q15.16 inside, int16 Q7.8 out
 * The matrix products are the tac engine's (hls_c/tac.c) on int8 codes, exactly as on the board.
 */
#ifndef MMF_ONCHIP_H
#define MMF_ONCHIP_H

#include "mmf_hls.h"
#include "tac.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	MMF_ONCHIP_D_MAX = 256,     /* hidden size d */
	MMF_ONCHIP_I_MAX = 768,     /* intermediate size I */
	MMF_ONCHIP_L_MAX = 4,       /* layers */
	MMF_ONCHIP_V_MAX = 512,     /* vocabulary */
	MMF_ONCHIP_K_MAX = 768,     /* widest BitLinear input: max(d, I) */
	MMF_ONCHIP_ROWS_MAX = 1536, /* most BitLinear rows: max(d, 2I, V) */
	MMF_ONCHIP_FRAC = 16,       /* fraction bits of Q15.16 values */
	MMF_ONCHIP_STATE_MAX = (1 << 23) - 1, /* state saturates at +-128 (Q7.16 in 24 bits) */
	MMF_ONCHIP_LOGIT_FRAC = 8,  /* fraction bits of the int16 logits */
	MMF_ONCHIP_ONE = 65535,     /* 1 in Q0.16 (sigmoid, f, lower bound) */
	MMF_ONCHIP_SIG_N = 512,     /* sigmoid table entries: z = -16 + k/16 */
	MMF_ONCHIP_SIG_STEP_LG = 4, /* log2 entries per unit of z */
	MMF_ONCHIP_SIG_ZMAX = 16,   /* table covers -16 <= z < 16 */
	MMF_ONCHIP_RSQ_LO = 64,     /* rsqrt table: index (mantissa >> 8) - 64 */
	MMF_ONCHIP_RSQ_N = 192,     /* rsqrt table entries */
	MMF_ONCHIP_ACT_MAX = 127,   /* int8 activation codes are -127..127 (absmax quantiser) */
};

/* A scalar in block floating point: m * 2^e with m in [2^15, 2^16), or 0 when m is 0. */
typedef struct {
	uint16_t m;                 /* mantissa */
	int16_t e;                  /* exponent */
} mmf_onchip_bf_t;

/* An RMSNorm weight vector: m[j] * 2^e, max |m| in [2^14, 2^15). */
typedef struct {
	int16_t m[MMF_ONCHIP_K_MAX]; /* mantissas */
	int16_t e;                  /* exponent */
} mmf_onchip_nw_t;

/* One BitLinear: its packed ternary weights in w[] and its folded constants. */
typedef struct {
	uint32_t rows;              /* output features */
	uint32_t cols;              /* input features K */
	uint32_t base;              /* word address of its first row in w[] */
	mmf_onchip_bf_t scale;      /* gamma * sqrt(K) / 127 */
	mmf_onchip_bf_t eps;        /* 1e-6 * K: its RMSNorm's eps times K */
	mmf_onchip_nw_t norm;       /* its own RMSNorm weight (nothing folded in) */
} mmf_onchip_lin_t;

/* One layer. */
typedef struct {
	mmf_onchip_nw_t attn_norm;  /* attn_norm.weight * sqrt(d) */
	mmf_onchip_nw_t g_norm;     /* attn.g_norm.weight * sqrt(d) */
	mmf_onchip_nw_t mlp_norm;   /* mlp_norm.weight * sqrt(d) */
	uint16_t lb[MMF_ONCHIP_D_MAX];   /* lower bound, Q0.16 (layer 0: unused) */
	uint16_t omlb[MMF_ONCHIP_D_MAX]; /* 1 - lower bound, Q0.16 */
	mmf_onchip_lin_t i_proj, f_proj, g_proj, o_proj; /* [d, d] each */
	mmf_onchip_lin_t gate_proj; /* [2I, d]: a is its first I rows, b its last I */
	mmf_onchip_lin_t down_proj; /* [d, I] */
} mmf_onchip_layer_t;

/* The whole model as the board holds it, the recurrent state, and the work vectors. */
typedef struct {
	/* shape */
	uint32_t d, L, V, I;        /* hidden, layers, vocabulary, intermediate */
	uint32_t n_words;           /* weight words used in w[] */
	/* parameters, written once at load (host/src/onchip_pack.c) */
	uint64_t w[MMF_WMEM_WORDS]; /* packed ternary weights, every BitLinear one after another */
	int16_t emb[MMF_ONCHIP_V_MAX][MMF_ONCHIP_D_MAX]; /* embedding mantissas */
	int16_t emb_e;              /* their exponent */
	mmf_onchip_bf_t eps;        /* rms_norm_eps * d, for the block norms */
	mmf_onchip_layer_t layer[MMF_ONCHIP_L_MAX];
	mmf_onchip_nw_t final_norm; /* model.norm.weight * sqrt(d) */
	mmf_onchip_lin_t lm_head;
	/* the engine: tac, with the weight format w[] is packed in */
	tac_t eng;
	/* recurrent state, Q7.16 */
	int32_t s[MMF_ONCHIP_L_MAX][MMF_ONCHIP_D_MAX];
	/* work vectors */
	int32_t x[MMF_ONCHIP_D_MAX];      /* residual stream, Q15.16 */
	int32_t t[MMF_ONCHIP_ROWS_MAX];   /* BitLinear output / element-wise temporaries, Q15.16 */
	int32_t i[MMF_ONCHIP_D_MAX];      /* i_proj output */
	int32_t f[MMF_ONCHIP_D_MAX];      /* f_proj output */
	int32_t p[MMF_ONCHIP_K_MAX];      /* products before renormalisation */
	int32_t acc[MMF_ONCHIP_ROWS_MAX]; /* engine results */
	int8_t q[MMF_ONCHIP_K_MAX];       /* int8 activation codes */
	int16_t vm[MMF_ONCHIP_K_MAX];     /* a vec16 input */
	int16_t hm[MMF_ONCHIP_K_MAX];     /* a normed vec16 */
	int16_t um[MMF_ONCHIP_K_MAX];     /* a second vec16 operand */
	int32_t logit[MMF_ONCHIP_V_MAX];  /* lm_head output, Q15.16 */
} mmf_onchip_t;

/* ---- the element-wise unit's functions (each one step of docs/onchip.md) ---- */

/* sigmoid(z) in Q0.16 (65535 for 1) of z in Q15.16: table plus linear interpolation. */
uint16_t mmf_onchip_sigmoid(int32_t z);
/* silu(z) = z * sigmoid(z), Q15.16 in and out. */
int32_t mmf_onchip_silu(int32_t z);
/* 1/sqrt(u) in Q2.14 for u = mn / 2^16, mn in [2^14, 2^16): table plus one Newton step. */
uint16_t mmf_onchip_rsqrt16(uint16_t mn);
/* ceil(2^32 / dv) for dv in [2^15, 2^16): a restoring divider, 17 quotient bits. */
uint32_t mmf_onchip_recip17(uint16_t dv);
/* v * 2^e normalised to a bf, rounding half up. */
mmf_onchip_bf_t mmf_onchip_bf(uint64_t v, int32_t e);
/* 1/sqrt(a) of a bf; 0 for 0. */
mmf_onchip_bf_t mmf_onchip_bf_rsqrt(mmf_onchip_bf_t a);
/* a + b, saturating at the int32 range. */
int32_t mmf_onchip_sat_add(int32_t a, int32_t b);
/* v[n] * 2^e as a vec16 (n <= MMF_ONCHIP_K_MAX): m[n] and the returned exponent (0 for an all-zero v). */
int32_t mmf_onchip_vec16(const int32_t *v, uint32_t n, int32_t e, int16_t *m);
/* RMSNorm of the vec16 (vm, ve) with weight w (sqrt(n) folded in) and eps * n: out om, returns its
 * exponent. */
int32_t mmf_onchip_rmsnorm(const int16_t *vm, int32_t ve, uint32_t n, const mmf_onchip_nw_t *w,
			   mmf_onchip_bf_t eps, int32_t *p, int16_t *om);
/* The int8 codes of a BitLinear: q[j] = round(127 p[j] / max|p|), half away from zero, exactly (a
 * reciprocal estimate, then one exact check); returns max|p| (0: all codes 0). */
uint32_t mmf_onchip_quant(const int32_t *p, uint32_t n, int8_t *q);
/* out[rows] = BitLinear P of the vec16 (vm, ve), Q15.16 saturated to int32; 0, or -1 when the engine
 * refuses the shape. */
int mmf_onchip_bitlinear(mmf_onchip_t *s, const mmf_onchip_lin_t *P, const int16_t *vm, int32_t ve,
			 int32_t *out);

/* ---- the token loop ---- */

/* Zero the recurrent state (before the first token of a sequence). */
void mmf_onchip_reset(mmf_onchip_t *s);
/* One token through the whole model: returns the argmax (the lowest id on a tie), or -1 for a token
 * outside the vocabulary or a shape the engine refuses. logits16 (V values, Q7.8, saturated) may be
 * 0; s->logit holds the Q15.16 logits either way. */
int32_t mmf_onchip_step(mmf_onchip_t *s, uint32_t token, int16_t *logits16);

/* ROM contents (mmf_onchip_tab.c, generated by tools/gen_onchip_tab.py). */
extern const uint16_t mmf_onchip_sig_tab[MMF_ONCHIP_SIG_N];
extern const uint16_t mmf_onchip_rsq_tab[MMF_ONCHIP_RSQ_N];

#ifdef __cplusplus
}
#endif

#endif
