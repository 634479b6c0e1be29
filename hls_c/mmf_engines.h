/*
 * mmf_engines.h: the engine table, the one home of what each weight format is: the engine that reads
 * it, its lanes, its activation buffer, its bits per weight, its names, its quantiser; and one
 * dispatch (init, load, matvec, pack) from a format to the engine models of tac.c, sac.c and lut.c.
 *
 * Everything else reads it: the board model (mmf_dev.c), the host library (model packing, the host
 * kernels, the `cpu` board's slots, `bench`'s reference), the harnesses (sim/engine_model.h), and
 * gen_vh, which writes the RTL defaults (mmf_engines.vh) and the Makefile's engine list
 * (engines.mk) from it. Adding an engine format is a row here, its C model and its RTL.
 *
 * In the synthesizable subset like the rest of hls_c: fixed sizes, no heap, no library calls.
 */
#ifndef MMF_ENGINES_H
#define MMF_ENGINES_H

#include "mmf_hls.h"
#include "lut.h"
#include "sac.h"
#include "tac.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	MMF_N_FORMATS = 4,          /* rows of mmf_fmts: the MMF_FMT_* ids 0..3 */
	MMF_N_ENGINE_KINDS = 3,     /* MMF_ENGINE_* ids 0..2 */
	MMF_SOC_SLOTS = 3,          /* engine slots of the SoC as built by default */
};

/* How a checkpoint's float weights become a format's codes (host/src/quant.c). */
enum mmf_quant_id {
	MMF_QUANT_TERNARY = 0,      /* absmean scale, codes -1, 0, +1 (int8) */
	MMF_QUANT_POW2 = 1,         /* absmax scale, sign + exponent codes 0..15 (sac_encode) */
};

/* One weight format and the engine configuration that reads it, as the SoC builds it. */
typedef struct {
	uint8_t engine;             /* enum mmf_engine_id: the datapath that reads the format */
	uint8_t model_fmt;          /* the engine model's own FMT parameter (tac: TAC_FMT_*), else 0 */
	uint8_t lanes;              /* weights per 64-bit word (the RTL's LANES) */
	uint8_t lg_act;             /* log2 of the activation buffer in words (the RTL's LG_ACT) */
	uint8_t code_bits;          /* bits of one code in a word ... */
	uint8_t code_weights;       /* ... carrying this many weights: bits per weight = the ratio */
	uint8_t quant;              /* enum mmf_quant_id */
	uint8_t rank;               /* order of the default engine choice for a model (0 first) */
	const char *name;           /* the format's name ("tac5"): INFO listings, cpu:?engines= */
	const char *choice;         /* the engine choice's name (mmfree --engine): "tac" */
} mmf_fmt_row_t;

/* The table, indexed by format id (enum mmf_format_id). */
extern const mmf_fmt_row_t mmf_fmts[MMF_N_FORMATS];
/* Engine kinds' names, by enum mmf_engine_id ("tac", "sac", "lut": also the RTL module names). */
extern const char *const mmf_engine_kinds[MMF_N_ENGINE_KINDS];
/* The SoC's default slots (rtl/mmf_soc_core.v's defaults, the `cpu` board): formats in slot order. */
extern const uint8_t mmf_soc_formats[MMF_SOC_SLOTS];

/* Activations one product takes with the format's buffer: lanes << lg_act. */
static inline uint32_t mmf_fmt_max_cols(uint32_t format)
{
	return format < MMF_N_FORMATS ? (uint32_t)mmf_fmts[format].lanes << mmf_fmts[format].lg_act : 0u;
}

/* The engine models behind the dispatch: one of each kind (a board has at most one of each). */
typedef struct {
	tac_t tac;
	sac_t sac;
	lut_t lut;
} mmf_engines_t;

/* The model of the format's kind, set up for `lanes` (0, or -1 for a format or lanes it cannot be). */
int mmf_eng_init(mmf_engines_t *m, uint8_t format, uint8_t lanes);
/* The activation vector x[cols] into the kind's model (0, or -1: see tac_load). */
int mmf_eng_load(mmf_engines_t *m, uint8_t format, const int8_t *x, uint32_t cols);
/* The weight stream through the kind's model: rows written to y. */
uint32_t mmf_eng_matvec(const mmf_engines_t *m, uint8_t format, const uint64_t *w, uint32_t nwords,
			int32_t *y);
/* K of the loaded vector, and the activation words it takes (the words of one row). */
uint32_t mmf_eng_cols(const mmf_engines_t *m, uint8_t format);
uint32_t mmf_eng_words(const mmf_engines_t *m, uint8_t format);
/* Activations the kind's model takes as set up (its max_cols). */
uint32_t mmf_eng_max_cols(const mmf_engines_t *m, uint8_t format);
/* Codes c[rows][cols] (int8; pow2 formats: the 4-bit codes) to the format's words: words written,
 * or -1 if out_words is too small or the format is none. */
int32_t mmf_eng_pack(uint8_t format, uint8_t lanes, const int8_t *c, uint32_t rows, uint32_t cols,
		     uint64_t *out, uint32_t out_words);

#ifdef __cplusplus
}
#endif

#endif
