/*
 * sac.c: shift-add, the executable specification of rtl/sac.v (see sac.h).
 */
#include "sac.h"

int sac_init(sac_t *e, uint8_t lanes)
{
	uint32_t i, j;

	if (lanes < 1 || lanes > SAC_LANES_MAX)
		return -1;
	e->lanes = lanes;
	e->words = 0;
	e->cols = 0;
	for (i = 0; i < SAC_ACT_WORDS; i++)
		for (j = 0; j < SAC_LANES_MAX; j++)
			e->act[i][j] = 0;
	return 0;
}

uint32_t sac_max_cols(const sac_t *e)
{
	return (uint32_t)SAC_ACT_WORDS * e->lanes;
}

int sac_load(sac_t *e, const int8_t *x, uint32_t cols)
{
	uint32_t wi, l, k;

	if (cols < 1 || cols > sac_max_cols(e))
		return -1;
	e->cols = cols;
	e->words = (uint16_t)mmf_words_per_row(cols, e->lanes);
	for (wi = 0; wi < SAC_ACT_WORDS; wi++) {
		if (wi >= e->words)
			break;
		for (l = 0; l < SAC_LANES_MAX; l++) {
			k = wi * e->lanes + l;
			e->act[wi][l] = (l < e->lanes && k < cols) ? x[k] : 0;
		}
	}
	return 0;
}

int32_t sac_term(uint8_t code, int8_t a)
{
	uint32_t p = code & 7u;
	uint32_t mag;

	if (p == SAC_EXP_ZERO)
		return 0;
	/* a shift, not a multiply: x * 2^-p scaled by 2^SAC_FRAC */
	mag = (uint32_t)(int32_t)a << (SAC_FRAC - p);
	return (int32_t)((code & 8u) ? 0u - mag : mag);
}

int32_t sac_word(const sac_t *e, uint32_t widx, uint64_t w)
{
	uint32_t sum = 0, l;

	for (l = 0; l < SAC_LANES_MAX; l++) {
		if (l >= e->lanes)
			break;
		sum += (uint32_t)sac_term((uint8_t)((w >> (SAC_CODE_BITS * l)) & 15u), e->act[widx][l]);
	}
	return (int32_t)sum;
}

uint32_t sac_matvec(const sac_t *e, const uint64_t *w, uint32_t nwords, int32_t *y)
{
	mmf_rowseq_t s = {0, 0, 0};
	uint32_t i;

	for (i = 0; i < (uint32_t)MMF_MAX_STREAM_WORDS; i++) {
		if (i >= nwords)
			break;
		mmf_row_step(&s, sac_word(e, s.widx, w[i]), e->words, i + 1 == nwords, y);
	}
	return s.rows;
}

uint8_t sac_encode(uint8_t neg, uint8_t p)
{
	if (p >= SAC_EXP_ZERO)
		return SAC_CODE_ZERO;
	return (uint8_t)((neg ? 8u : 0u) | p);
}

int32_t sac_pack(uint8_t lanes, const uint8_t *codes, uint32_t rows, uint32_t cols,
		 uint64_t *out, uint32_t out_words)
{
	uint32_t wpr = mmf_words_per_row(cols, lanes), r, wi, l, k, o = 0;
	uint64_t word;
	uint8_t c;

	if (rows > MMF_MAX_ROWS || wpr > SAC_ACT_WORDS || (uint64_t)rows * wpr > out_words)
		return -1;
	for (r = 0; r < MMF_MAX_ROWS; r++) {
		if (r >= rows)
			break;
		for (wi = 0; wi < SAC_ACT_WORDS; wi++) {
			if (wi >= wpr)
				break;
			word = 0;
			for (l = 0; l < SAC_LANES_MAX; l++) {
				if (l >= lanes)
					break;
				k = wi * lanes + l;
				c = k < cols ? codes[(uint64_t)r * cols + k] : SAC_CODE_ZERO;
				if (c > 15u)
					return -1;
				word |= (uint64_t)c << (SAC_CODE_BITS * l);
			}
			out[o++] = word;
		}
	}
	return (int32_t)o;
}

void sac_unpack_word(uint8_t lanes, uint64_t word, uint8_t *codes)
{
	uint32_t l;

	for (l = 0; l < SAC_LANES_MAX; l++) {
		if (l >= lanes)
			break;
		codes[l] = (uint8_t)((word >> (SAC_CODE_BITS * l)) & 15u);
	}
}
