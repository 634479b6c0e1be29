/*
 * mmf_engines.c: the engine table and its dispatch (see mmf_engines.h).
 */
#include "mmf_engines.h"

/* Every figure a format has is here and nowhere else. tac5 (a whole row up to K 10240 in one product)
 * is the default choice, then tac2 (the tac engine as the HX8K builds it), lut3 (K up to 1152 a
 * product: longer rows in tiles), and sac4 last, as it quantises a checkpoint differently (the model
 * variant with power-of-two weights). */
const mmf_fmt_row_t mmf_fmts[MMF_N_FORMATS] = {
	/* engine          model_fmt    lanes          lg_act      bits  weights  quant  rank */
	[MMF_FMT_TAC2] = { MMF_ENGINE_TAC, TAC_FMT_2B, TAC_LANES_2B, TAC_LG_ACT, 2, 1, MMF_QUANT_TERNARY, 1,
			   "tac2", "tac2" },
	[MMF_FMT_TAC5] = { MMF_ENGINE_TAC, TAC_FMT_5T, TAC_LANES_5T, TAC_LG_ACT, 8, 5, MMF_QUANT_TERNARY, 0,
			   "tac5", "tac" },
	[MMF_FMT_SAC4] = { MMF_ENGINE_SAC, 0, SAC_LANES_MAX, SAC_LG_ACT, SAC_CODE_BITS, 1, MMF_QUANT_POW2, 3,
			   "sac4", "sac" },
	[MMF_FMT_LUT3] = { MMF_ENGINE_LUT, 0, LUT_LANES_MAX, LUT_LG_ACT, LUT_CODE_BITS, LUT_GROUP,
			   MMF_QUANT_TERNARY, 2, "lut3", "lut" },
};

const char *const mmf_engine_kinds[MMF_N_ENGINE_KINDS] = {
	[MMF_ENGINE_TAC] = "tac",
	[MMF_ENGINE_SAC] = "sac",
	[MMF_ENGINE_LUT] = "lut",
};

const uint8_t mmf_soc_formats[MMF_SOC_SLOTS] = { MMF_FMT_TAC5, MMF_FMT_SAC4, MMF_FMT_LUT3 };

/* The kind of a format, MMF_N_ENGINE_KINDS for none: the one switch every call below goes through. */
static uint8_t kind(uint8_t format)
{
	return format < MMF_N_FORMATS ? mmf_fmts[format].engine : (uint8_t)MMF_N_ENGINE_KINDS;
}

int mmf_eng_init(mmf_engines_t *m, uint8_t format, uint8_t lanes)
{
	switch (kind(format)) {
	case MMF_ENGINE_TAC: return tac_init(&m->tac, mmf_fmts[format].model_fmt, lanes);
	case MMF_ENGINE_SAC: return sac_init(&m->sac, lanes);
	case MMF_ENGINE_LUT: return lut_init(&m->lut, lanes);
	default: return -1;
	}
}

int mmf_eng_load(mmf_engines_t *m, uint8_t format, const int8_t *x, uint32_t cols)
{
	switch (kind(format)) {
	case MMF_ENGINE_TAC: return tac_load(&m->tac, x, cols);
	case MMF_ENGINE_SAC: return sac_load(&m->sac, x, cols);
	case MMF_ENGINE_LUT: return lut_load(&m->lut, x, cols);
	default: return -1;
	}
}

uint32_t mmf_eng_matvec(const mmf_engines_t *m, uint8_t format, const uint64_t *w, uint32_t nwords,
			int32_t *y)
{
	switch (kind(format)) {
	case MMF_ENGINE_TAC: return tac_matvec(&m->tac, w, nwords, y);
	case MMF_ENGINE_SAC: return sac_matvec(&m->sac, w, nwords, y);
	case MMF_ENGINE_LUT: return lut_matvec(&m->lut, w, nwords, y);
	default: return 0;
	}
}

uint32_t mmf_eng_cols(const mmf_engines_t *m, uint8_t format)
{
	switch (kind(format)) {
	case MMF_ENGINE_TAC: return m->tac.cols;
	case MMF_ENGINE_SAC: return m->sac.cols;
	case MMF_ENGINE_LUT: return m->lut.cols;
	default: return 0;
	}
}

uint32_t mmf_eng_words(const mmf_engines_t *m, uint8_t format)
{
	switch (kind(format)) {
	case MMF_ENGINE_TAC: return m->tac.words;
	case MMF_ENGINE_SAC: return m->sac.words;
	case MMF_ENGINE_LUT: return m->lut.words;
	default: return 0;
	}
}

uint32_t mmf_eng_max_cols(const mmf_engines_t *m, uint8_t format)
{
	switch (kind(format)) {
	case MMF_ENGINE_TAC: return tac_max_cols(&m->tac);
	case MMF_ENGINE_SAC: return sac_max_cols(&m->sac);
	case MMF_ENGINE_LUT: return lut_max_cols(&m->lut);
	default: return 0;
	}
}

int32_t mmf_eng_pack(uint8_t format, uint8_t lanes, const int8_t *c, uint32_t rows, uint32_t cols,
		     uint64_t *out, uint32_t out_words)
{
	switch (kind(format)) {
	case MMF_ENGINE_TAC: return tac_pack(mmf_fmts[format].model_fmt, lanes, c, rows, cols, out, out_words);
	case MMF_ENGINE_SAC: return sac_pack(lanes, (const uint8_t *)c, rows, cols, out, out_words);
	case MMF_ENGINE_LUT: return lut_pack(lanes, c, rows, cols, out, out_words);
	default: return -1;
	}
}
