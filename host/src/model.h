/*
 * model.h: the MatMul-free LM runtime's internals (model.c loads and quantises, model_run.c runs),
 * internal to libmmfree.
 */
#ifndef MMFI_MODEL_H
#define MMFI_MODEL_H

#include "ckpt.h"
#include "mmf_dev.h"
#include "mmfree.h"
#include "tok.h"

enum {
	MMFI_MODEL_ERR = 512,       /* message buffer */
};

/* One BitLinear, quantised and packed. K is cut into tiles of at most max_cols columns; tile t
 * holds rows x wpr(t) words, row after row, and the tiles follow one another in words[]. */
struct mmfi_qlin {
	char name[MMFI_CKPT_NAME];  /* its weight tensor, "model.layers.0.attn.i_proj.weight" */
	uint32_t rows;              /* output features */
	uint32_t cols;              /* input features K */
	float scale;                /* y = (integer result) * scale / s_x: gamma, or alpha / 64 for sac */
	float *norm;                /* [cols] the BitLinear's own RMSNorm weight */
	uint32_t tile_cols;         /* columns per tile (the last may be shorter) */
	uint32_t n_tiles;           /* tiles */
	uint64_t *words;            /* packed weights, all tiles */
	uint64_t n_words;           /* their count */
	uint64_t *tile_off;         /* [n_tiles] word offset of each tile in words[] */
	uint32_t base;              /* resident on the board: word address of words[0] */
	double err2, norm2;         /* sum (W - Wq)^2 and sum W^2, for the quantisation error */
};

/* One layer's BitLinears. */
struct mmfi_qlayer {
	float *attn_norm;           /* [d] */
	float *mlp_norm;            /* [d] */
	float *g_norm;              /* [d] attn.g_norm.weight */
	float *lower_bound;         /* [d] lb[l] after softmax and cumsum (zeros for layer 0) */
	struct mmfi_qlin i_proj, f_proj, g_proj, o_proj; /* [d, d] */
	struct mmfi_qlin gate_proj; /* [2I, d] */
	struct mmfi_qlin down_proj; /* [d, I] */
};

struct mmf_model {
	struct mmfi_ckpt *ck;       /* the mapped checkpoint (embeddings are read from it per token) */
	const struct mmfi_tensor *emb; /* model.embeddings.weight */
	mmfi_tok *tok;              /* tokenizer */
	const char *tok_kind;       /* "tokenizer.json" or "bytes" */
	mmf_engine_cfg_t eng;       /* the engine slot the weights are packed for (the engine table's) */
	int d, L, V, I;             /* shape */
	float eps;                  /* rms_norm_eps */
	struct mmfi_qlayer *layer;  /* [L] */
	float *final_norm;          /* [d] model.norm.weight */
	struct mmfi_qlin lm_head;   /* [V, d] */
	uint64_t params;            /* parameters in the checkpoint */
	/* running */
	mmf_board *b;               /* attached board, or NULL: host kernels */
	int slot;                   /* the board's engine slot */
	int resident;               /* weights resident on the board */
	uint32_t res_rows;          /* the board's result buffer */
	uint32_t stream_words;      /* streaming: words of weight memory used as the buffer */
	mmf_engines_t k;            /* host kernels' engine state */
	float *state;               /* [L][d] recurrent state s */
	float *x, *h, *i, *f, *g, *o, *y; /* [d] or [max(d, 2I, I)] work vectors */
	float *ab;                  /* [2I] gate_proj output */
	float *m;                   /* [I] silu(a) * b */
	float *nrm;                 /* [max K] BitLinear RMSNorm output */
	int8_t *q;                  /* [max K] int8 activations */
	int32_t *acc;               /* [max rows] integer results */
	int32_t *part;              /* [max rows] one tile's results */
	struct mmf_model_stats st;  /* counters */
	char err[MMFI_MODEL_ERR];   /* last message */
};

/* quant.c: the quantisers and their rounding rules (docs/model.md, "Quantisation and rounding") */
/* An activation code's rounding: to nearest, ties away from zero (upstream's Triton kernel). */
float mmfi_round_act(float v);
/* A weight code's rounding: to nearest, ties to even (upstream's torch.round). */
double mmfi_round_weight(double v);
/* The ternary code of weight w against the tensor's absmean scale gamma: clamp(round(w/gamma), -1, 1). */
int8_t mmfi_quant_ternary(float w, double gamma);
/* The power-of-two code (sac) of w against alpha = max|W|; *wq gets the value it stands for. */
uint8_t mmfi_quant_sac(float w, double alpha, double *wq);
/* int8 codes q[n] of a normalised activation vector y[n]; returns its scale
 * s_x = 127 / max(max|y|, 1e-5), with q = clamp(round(y * s_x), -128, 127). */
float mmfi_quant_act(const float *y, uint32_t n, int8_t *q);
/* model.c: the slot of board INFO in with an engine of configuration c, or -1 */
int mmfi_engine_slot(const mmf_engine_cfg_t *c, const struct mmf_info *in);
/* model.c: every BitLinear of m in the order a token meets them (lm_head last), up to max into v;
 * returns how many there are */
int mmfi_model_lins(mmf_model *m, struct mmfi_qlin **v, int max);

/* model_run.c */
int mmfi_model_alloc_run(mmf_model *m);
void mmfi_model_free_run(mmf_model *m);

#endif
