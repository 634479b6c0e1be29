/*
 * tac.c: ternary accumulate, the executable specification of rtl/tac.v (see tac.h).
 */
#include "tac.h"

int tac_init(tac_t *e, uint8_t fmt, uint8_t lanes)
{
	uint32_t i, j;

	if (fmt == TAC_FMT_2B) {
		if (lanes < 1 || lanes > TAC_LANES_2B)
			return -1;
	} else if (fmt == TAC_FMT_5T) {
		if (lanes < TAC_TRITS_PER_BYTE || lanes > TAC_LANES_5T || lanes % TAC_TRITS_PER_BYTE)
			return -1;
	} else {
		return -1;
	}
	e->fmt = fmt;
	e->lanes = lanes;
	e->words = 0;
	e->cols = 0;
	for (i = 0; i < TAC_ACT_WORDS; i++)
		for (j = 0; j < TAC_LANES_MAX; j++)
			e->act[i][j] = 0;
	return 0;
}

uint32_t tac_max_cols(const tac_t *e)
{
	return (uint32_t)TAC_ACT_WORDS * e->lanes;
}

int tac_load(tac_t *e, const int8_t *x, uint32_t cols)
{
	uint32_t wi, l, k;

	if (cols < 1 || cols > tac_max_cols(e))
		return -1;
	e->cols = cols;
	e->words = (uint16_t)mmf_words_per_row(cols, e->lanes);
	for (wi = 0; wi < TAC_ACT_WORDS; wi++) {
		if (wi >= e->words)
			break;
		for (l = 0; l < TAC_LANES_MAX; l++) {
			k = wi * e->lanes + l;
			e->act[wi][l] = (l < e->lanes && k < cols) ? x[k] : 0;
		}
	}
	return 0;
}

uint16_t tac5_decode(uint8_t byte)
{
	uint16_t codes = 0;
	uint32_t v = byte, n;

	if (byte >= TAC_BYTE_CODES)
		v = 121;   /* 11111 in base 3: every trit code 1, weight 0 */
	for (n = 0; n < TAC_TRITS_PER_BYTE; n++) {
		codes |= (uint16_t)((v % 3u) << (2u * n));
		v /= 3u;
	}
	return codes;
}

uint8_t tac_lane_code(const tac_t *e, uint64_t word, uint32_t lane)
{
	uint8_t byte;

	if (e->fmt == TAC_FMT_2B)
		return (uint8_t)((word >> (2u * lane)) & 3u);
	byte = (uint8_t)(word >> (8u * (lane / TAC_TRITS_PER_BYTE)));
	return (uint8_t)((tac5_decode(byte) >> (2u * (lane % TAC_TRITS_PER_BYTE))) & 3u);
}

int32_t tac_word(const tac_t *e, uint32_t widx, uint64_t w)
{
	uint32_t sum = 0, l;
	uint8_t code;
	int32_t a;

	for (l = 0; l < TAC_LANES_MAX; l++) {
		if (l >= e->lanes)
			break;
		code = tac_lane_code(e, w, l);
		a = e->act[widx][l];
		/* select on the code: the only arithmetic is the adder tree */
		if (code == TAC_CODE_POS)
			sum += (uint32_t)a;
		else if (code == TAC_CODE_NEG)
			sum -= (uint32_t)a;
	}
	return (int32_t)sum;
}

uint32_t tac_matvec(const tac_t *e, const uint64_t *w, uint32_t nwords, int32_t *y)
{
	mmf_rowseq_t s = {0, 0, 0};
	uint32_t i;

	for (i = 0; i < (uint32_t)MMF_MAX_STREAM_WORDS; i++) {
		if (i >= nwords)
			break;
		mmf_row_step(&s, tac_word(e, s.widx, w[i]), e->words, i + 1 == nwords, y);
	}
	return s.rows;
}

/* --- packers ---------------------------------------------------------------------------------- */

static uint64_t tac_pack_lane(uint8_t fmt, uint64_t word, uint32_t lane, int8_t v)
{
	uint32_t byte_i, n, pow3 = 1;

	if (fmt == TAC_FMT_2B)
		return word | ((uint64_t)(uint8_t)(v + 1) << (2u * lane));
	byte_i = lane / TAC_TRITS_PER_BYTE;
	for (n = 0; n < TAC_TRITS_PER_BYTE - 1; n++)
		if (n < lane % TAC_TRITS_PER_BYTE)
			pow3 *= 3u;
	return word + ((uint64_t)((uint32_t)(v + 1) * pow3) << (8u * byte_i));
}

int32_t tac_pack(uint8_t fmt, uint8_t lanes, const int8_t *w, uint32_t rows, uint32_t cols,
		 uint64_t *out, uint32_t out_words)
{
	uint32_t wpr = mmf_words_per_row(cols, lanes), r, wi, l, k, o = 0;
	uint64_t word;
	int8_t v;

	if (rows > MMF_MAX_ROWS || wpr > TAC_ACT_WORDS || (uint64_t)rows * wpr > out_words)
		return -1;
	for (r = 0; r < MMF_MAX_ROWS; r++) {
		if (r >= rows)
			break;
		for (wi = 0; wi < TAC_ACT_WORDS; wi++) {
			if (wi >= wpr)
				break;
			word = 0;
			for (l = 0; l < TAC_LANES_MAX; l++) {
				if (l >= lanes)
					break;
				k = wi * lanes + l;
				v = k < cols ? w[(uint64_t)r * cols + k] : 0;
				if (v < -1 || v > 1)
					return -1;
				word = tac_pack_lane(fmt, word, l, v);
			}
			out[o++] = word;
		}
	}
	return (int32_t)o;
}

void tac_unpack_word(uint8_t fmt, uint8_t lanes, uint64_t word, int8_t *w)
{
	tac_t cfg;
	uint32_t l;

	cfg.fmt = fmt;
	cfg.lanes = lanes;
	for (l = 0; l < TAC_LANES_MAX; l++) {
		if (l >= lanes)
			break;
		w[l] = (int8_t)((int)tac_lane_code(&cfg, word, l) - 1);
		if (w[l] > 1)
			w[l] = 0;   /* code 3 reads as zero */
	}
}
