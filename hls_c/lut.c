/*
 * lut.c: table-lookup matmul, the executable specification of rtl/lut.v (see lut.h).
 */
#include "lut.h"

int lut_init(lut_t *e, uint8_t lanes)
{
	uint32_t i, j, k;

	if (lanes < LUT_GROUP || lanes > LUT_LANES_MAX || lanes % LUT_GROUP)
		return -1;
	e->lanes = lanes;
	e->words = 0;
	e->cols = 0;
	for (i = 0; i < LUT_ACT_WORDS; i++)
		for (j = 0; j < LUT_GROUPS_MAX; j++)
			for (k = 0; k < LUT_ENTRIES; k++)
				e->tab[i][j][k] = 0;
	return 0;
}

uint32_t lut_max_cols(const lut_t *e)
{
	return (uint32_t)LUT_ACT_WORDS * e->lanes;
}

uint8_t lut_digits(uint8_t index)
{
	uint32_t v = index, n, d;
	uint8_t codes = 0;

	if (index > LUT_INDEX_MAX)
		return 0x15;   /* three code-1 digits: zero */
	for (n = 0; n < LUT_GROUP; n++) {
		/* balanced ternary: digit in {-1,0,1} stored as code digit+1 */
		d = (v + 1u) % 3u;
		codes |= (uint8_t)(d << (2u * n));
		v = (v + 1u) / 3u;
	}
	return codes;
}

static int32_t lut_digit_term(uint8_t code, int8_t a)
{
	if (code == 2u)
		return a;
	if (code == 0u)
		return -(int32_t)a;
	return 0;
}

int16_t lut_entry(uint8_t index, int8_t a0, int8_t a1, int8_t a2)
{
	uint8_t d = lut_digits(index);

	return (int16_t)(lut_digit_term(d & 3u, a0) + lut_digit_term((d >> 2) & 3u, a1) +
			 lut_digit_term((d >> 4) & 3u, a2));
}

int lut_load(lut_t *e, const int8_t *x, uint32_t cols)
{
	uint32_t wi, g, i, k;
	int8_t a[LUT_GROUP];
	uint32_t n;

	if (cols < 1 || cols > lut_max_cols(e))
		return -1;
	e->cols = cols;
	e->words = (uint16_t)mmf_words_per_row(cols, e->lanes);
	for (wi = 0; wi < LUT_ACT_WORDS; wi++) {
		if (wi >= e->words)
			break;
		for (g = 0; g < LUT_GROUPS_MAX; g++) {
			if (g * LUT_GROUP >= e->lanes)
				break;
			for (n = 0; n < LUT_GROUP; n++) {
				k = wi * e->lanes + g * LUT_GROUP + n;
				a[n] = k < cols ? x[k] : 0;
			}
			for (i = 0; i < LUT_ENTRIES; i++)
				e->tab[wi][g][i] = lut_entry((uint8_t)i, a[0], a[1], a[2]);
		}
	}
	return 0;
}

int32_t lut_word(const lut_t *e, uint32_t widx, uint64_t w)
{
	uint32_t sum = 0, g;
	uint8_t code;
	int32_t t;

	for (g = 0; g < LUT_GROUPS_MAX; g++) {
		if (g * LUT_GROUP >= e->lanes)
			break;
		code = (uint8_t)((w >> (LUT_CODE_BITS * g)) & 31u);
		/* one lookup per three weights; the sign bit mirrors the entry */
		t = e->tab[widx][g][code & 15u];
		sum += (uint32_t)((code & 16u) ? -t : t);
	}
	return (int32_t)sum;
}

uint32_t lut_matvec(const lut_t *e, const uint64_t *w, uint32_t nwords, int32_t *y)
{
	mmf_rowseq_t s = {0, 0, 0};
	uint32_t i;

	for (i = 0; i < (uint32_t)MMF_MAX_STREAM_WORDS; i++) {
		if (i >= nwords)
			break;
		mmf_row_step(&s, lut_word(e, s.widx, w[i]), e->words, i + 1 == nwords, y);
	}
	return s.rows;
}

uint8_t lut_encode(int8_t w0, int8_t w1, int8_t w2)
{
	int32_t v = w0 + 3 * w1 + 9 * w2;

	return (uint8_t)(v < 0 ? (16 | -v) : v);
}

int32_t lut_pack(uint8_t lanes, const int8_t *w, uint32_t rows, uint32_t cols,
		 uint64_t *out, uint32_t out_words)
{
	uint32_t wpr = mmf_words_per_row(cols, lanes), r, wi, g, n, k, o = 0;
	uint64_t word;
	int8_t t[LUT_GROUP];

	if (lanes % LUT_GROUP || rows > MMF_MAX_ROWS || wpr > LUT_ACT_WORDS ||
	    (uint64_t)rows * wpr > out_words)
		return -1;
	for (r = 0; r < MMF_MAX_ROWS; r++) {
		if (r >= rows)
			break;
		for (wi = 0; wi < LUT_ACT_WORDS; wi++) {
			if (wi >= wpr)
				break;
			word = 0;
			for (g = 0; g < LUT_GROUPS_MAX; g++) {
				if (g * LUT_GROUP >= lanes)
					break;
				for (n = 0; n < LUT_GROUP; n++) {
					k = wi * lanes + g * LUT_GROUP + n;
					t[n] = k < cols ? w[(uint64_t)r * cols + k] : 0;
					if (t[n] < -1 || t[n] > 1)
						return -1;
				}
				word |= (uint64_t)lut_encode(t[0], t[1], t[2]) << (LUT_CODE_BITS * g);
			}
			out[o++] = word;
		}
	}
	return (int32_t)o;
}

void lut_unpack_word(uint8_t lanes, uint64_t word, int8_t *w)
{
	uint32_t g, n;
	uint8_t code, d;

	for (g = 0; g < LUT_GROUPS_MAX; g++) {
		if (g * LUT_GROUP >= lanes)
			break;
		code = (uint8_t)((word >> (LUT_CODE_BITS * g)) & 31u);
		d = lut_digits(code & 15u);
		for (n = 0; n < LUT_GROUP; n++) {
			w[g * LUT_GROUP + n] = (int8_t)((int)((d >> (2u * n)) & 3u) - 1);
			if (code & 16u)
				w[g * LUT_GROUP + n] = (int8_t)-w[g * LUT_GROUP + n];
		}
	}
}
