/*
 * test_hls.c: the hls_c models against independent references.
 *
 * Proves: each engine's matvec equals a plain sum_k w*x written here without the engines' code
 * paths (for shift-add, computed in double and required to be exact); lut equals tac bit for bit on
 * the same ternary weights; every packer round-trips through its unpacker; the 5-trit decode ROM is
 * base 3 for all 243 codes and zero for the rest; invalid codes read as zero as documented; packers
 * refuse weights they cannot encode and outputs that are too small.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lut.h"
#include "mmf_engines.h"
#include "sac.h"
#include "tac.h"

#include "check.h"

static uint64_t g_rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
	return check_rng(&g_rng);
}

enum { MAXR = 9, MAXK = 1200 };
static tac_t g_tac;
static sac_t g_sac;
static lut_t g_lut;
static int8_t g_w[MAXR * MAXK], g_x[MAXK], g_back[64];
static uint8_t g_codes[MAXR * MAXK];
static uint64_t g_words[MAXR * 300];
static int32_t g_y[MAXR], g_y2[MAXR];

static void test_decode(void)
{
	for (unsigned b = 0; b < 256; b++) {
		uint16_t c = tac5_decode((uint8_t)b);
		unsigned v = b;
		for (unsigned n = 0; n < 5; n++) {
			unsigned want = b < 243 ? v % 3 : 1;
			CHECK(((c >> (2 * n)) & 3u) == want, "tac5_decode(%u) trit %u", b, n);
			v /= 3;
		}
	}
	/* balanced-ternary digits of every lut index */
	for (int i = 0; i < 16; i++) {
		uint8_t d = lut_digits((uint8_t)i);
		int v = ((d & 3) - 1) + 3 * (((d >> 2) & 3) - 1) + 9 * (((d >> 4) & 3) - 1);
		CHECK(v == (i <= 13 ? i : 0), "lut_digits(%d) = %d", i, v);
	}
}

static void ref_matvec(uint32_t rows, uint32_t k, int32_t *y)
{
	for (uint32_t r = 0; r < rows; r++) {
		int64_t s = 0;
		for (uint32_t c = 0; c < k; c++)
			s += (int64_t)g_w[r * k + c] * g_x[c];
		y[r] = (int32_t)s;
	}
}

static void random_case(uint32_t *rows, uint32_t *k, uint32_t kmax)
{
	*rows = 1 + (uint32_t)(rnd() % MAXR);
	*k = 1 + (uint32_t)(rnd() % kmax);
	int fill = (int)(rnd() % 8);
	for (uint32_t i = 0; i < *k; i++)
		g_x[i] = fill == 0 ? -128 : fill == 1 ? 127 : (int8_t)rnd();
	for (uint32_t i = 0; i < *rows * *k; i++)
		g_w[i] = (int8_t)((int)(rnd() % 3) - 1);
}

static void test_ternary(void)
{
	for (int it = 0; it < 3000; it++) {
		uint32_t rows, k, n;
		uint8_t fmt = (uint8_t)(it & 1);
		uint8_t lanes = fmt == TAC_FMT_2B ? (uint8_t)(1 + rnd() % 32) : (uint8_t)(5 * (1 + rnd() % 8));
		uint8_t llanes = (uint8_t)(3 * (1 + rnd() % 12));
		int32_t ref[MAXR];

		CHECK(tac_init(&g_tac, fmt, lanes) == 0, "tac_init %u %u", fmt, lanes);
		CHECK(lut_init(&g_lut, llanes) == 0, "lut_init %u", llanes);
		random_case(&rows, &k, lut_max_cols(&g_lut) < MAXK ? lut_max_cols(&g_lut) : MAXK);
		if (k > tac_max_cols(&g_tac))
			k = tac_max_cols(&g_tac);
		ref_matvec(rows, k, ref);

		int32_t nw = tac_pack(fmt, lanes, g_w, rows, k, g_words, sizeof g_words / 8);
		CHECK(nw == (int32_t)(rows * mmf_words_per_row(k, lanes)), "tac_pack words %d", nw);
		CHECK(tac_load(&g_tac, g_x, k) == 0, "tac_load");
		n = tac_matvec(&g_tac, g_words, (uint32_t)nw, g_y);
		CHECK(n == rows, "tac rows %u", n);
		for (uint32_t r = 0; r < rows; r++)
			CHECK(g_y[r] == ref[r], "tac fmt %u lanes %u K %u row %u: %d vs %d", fmt, lanes, k, r, g_y[r], ref[r]);
		/* round trip */
		for (uint32_t wi = 0; wi < mmf_words_per_row(k, lanes); wi++) {
			tac_unpack_word(fmt, lanes, g_words[wi], g_back);
			for (uint32_t l = 0; l < lanes && wi * lanes + l < k; l++)
				CHECK(g_back[l] == g_w[wi * lanes + l], "tac unpack word %u lane %u", wi, l);
		}

		nw = lut_pack(llanes, g_w, rows, k, g_words, sizeof g_words / 8);
		CHECK(nw == (int32_t)(rows * mmf_words_per_row(k, llanes)), "lut_pack words %d", nw);
		CHECK(lut_load(&g_lut, g_x, k) == 0, "lut_load");
		n = lut_matvec(&g_lut, g_words, (uint32_t)nw, g_y2);
		CHECK(n == rows, "lut rows %u", n);
		for (uint32_t r = 0; r < rows; r++)
			CHECK(g_y2[r] == g_y[r], "lut vs tac lanes %u K %u row %u: %d vs %d", llanes, k, r, g_y2[r], g_y[r]);
		for (uint32_t wi = 0; wi < mmf_words_per_row(k, llanes); wi++) {
			lut_unpack_word(llanes, g_words[wi], g_back);
			for (uint32_t l = 0; l < llanes && wi * llanes + l < k; l++)
				CHECK(g_back[l] == g_w[wi * llanes + l], "lut unpack word %u lane %u", wi, l);
		}
	}
}

static void test_sac(void)
{
	for (int it = 0; it < 2000; it++) {
		uint32_t rows, k, n;
		uint8_t lanes = (uint8_t)(1 + rnd() % 16);
		CHECK(sac_init(&g_sac, lanes) == 0, "sac_init");
		random_case(&rows, &k, sac_max_cols(&g_sac) < MAXK ? sac_max_cols(&g_sac) : MAXK);
		for (uint32_t i = 0; i < rows * k; i++)
			g_codes[i] = (uint8_t)(rnd() % 16);
		int32_t nw = sac_pack(lanes, g_codes, rows, k, g_words, sizeof g_words / 8);
		CHECK(nw == (int32_t)(rows * mmf_words_per_row(k, lanes)), "sac_pack");
		CHECK(sac_load(&g_sac, g_x, k) == 0, "sac_load");
		n = sac_matvec(&g_sac, g_words, (uint32_t)nw, g_y);
		CHECK(n == rows, "sac rows");
		for (uint32_t r = 0; r < rows; r++) {
			/* reference in double: w = (-1)^s 2^-p, exact for these sizes */
			double s = 0;
			for (uint32_t c = 0; c < k; c++) {
				uint8_t code = g_codes[r * k + c];
				unsigned p = code & 7u;
				double w = p == 7 ? 0.0 : (code & 8u ? -1.0 : 1.0) / (double)(1u << p);
				s += w * g_x[c];
			}
			CHECK((double)g_y[r] == s * (1 << SAC_FRAC), "sac lanes %u K %u row %u: %d vs %.6f", lanes, k,
			      r, g_y[r], s * 64);
		}
		sac_unpack_word(lanes, g_words[0], (uint8_t *)g_back);
		for (uint32_t l = 0; l < lanes && l < k; l++)
			CHECK((uint8_t)g_back[l] == g_codes[l], "sac unpack lane %u", l);
	}
	CHECK(sac_encode(1, 9) == SAC_CODE_ZERO && sac_encode(1, 3) == 0xb, "sac_encode");
}

static void test_invalid(void)
{
	/* code 3 in 2-bit format reads as zero; lut indices 14, 15 read as zero */
	CHECK(tac_init(&g_tac, TAC_FMT_2B, 32) == 0, "init");
	memset(g_x, 100, 32);
	CHECK(tac_load(&g_tac, g_x, 32) == 0, "load");
	CHECK(tac_word(&g_tac, 0, ~0ull) == 0, "tac code 3 must read as zero");
	CHECK(lut_init(&g_lut, 36) == 0, "init");
	CHECK(lut_load(&g_lut, g_x, 36) == 0, "load");
	{
		uint64_t w14 = 0, w15 = 0;
		for (int g = 0; g < 12; g++) {
			w14 |= 14ull << (5 * g);
			w15 |= 31ull << (5 * g);
		}
		CHECK(lut_word(&g_lut, 0, w14) == 0 && lut_word(&g_lut, 0, w15) == 0,
		      "lut indices 14 and 15 must read as zero");
		CHECK(lut_word(&g_lut, 0, 1ull) == 100 && lut_word(&g_lut, 0, 17ull) == -100, "lut +-1 lookups");
	}
	CHECK(lut_entry(14, 5, 6, 7) == 0 && lut_entry(15, 5, 6, 7) == 0, "lut entries 14, 15 are zero");
	/* refusals */
	g_w[0] = 2;
	CHECK(tac_pack(TAC_FMT_2B, 32, g_w, 1, 1, g_words, 1) == -1, "tac_pack accepts 2");
	CHECK(lut_pack(36, g_w, 1, 1, g_words, 1) == -1, "lut_pack accepts 2");
	g_w[0] = 1;
	CHECK(tac_pack(TAC_FMT_2B, 32, g_w, 2, 33, g_words, 3) == -1, "tac_pack overruns its output");
	CHECK(tac_init(&g_tac, TAC_FMT_5T, 12) == -1, "tac_init 5T with 12 lanes");
	CHECK(lut_init(&g_lut, 37) == -1, "lut_init 37 lanes");
	CHECK(sac_init(&g_sac, 17) == -1, "sac_init 17 lanes");
	CHECK(tac_init(&g_tac, TAC_FMT_5T, 40) == 0 && tac_load(&g_tac, g_x, 40 * 256 + 1) == -1,
	      "tac_load beyond the buffer");
}

/* The engine table is consistent and its dispatch is each kind's model: every row's codes fill at
 * most a word, its engine model takes its lanes and its buffer (lanes << lg_act), the ranks are an
 * order of all rows, the names are distinct; a product through the dispatch equals one through the
 * kind's own packer and model; a format past the table is refused by every call. */
static mmf_engines_t g_eng;
static void test_engine_table(void)
{
	uint32_t f, g, seen = 0, rows = 5, k, n, r, i;
	int32_t nw;

	for (f = 0; f < MMF_N_FORMATS; f++) {
		const mmf_fmt_row_t *t = &mmf_fmts[f];
		CHECK(t->lanes * t->code_bits <= 64u * t->code_weights, "%s: %u lanes of %u/%u bits exceed a word",
		      t->name, t->lanes, t->code_bits, t->code_weights);
		CHECK(t->engine < MMF_N_ENGINE_KINDS && t->rank < MMF_N_FORMATS, "%s: engine %u rank %u",
		      t->name, t->engine, t->rank);
		seen |= 1u << t->rank;
		for (g = 0; g < f; g++)
			CHECK(strcmp(t->name, mmf_fmts[g].name) && strcmp(t->choice, mmf_fmts[g].choice),
			      "%s and %s share a name", t->name, mmf_fmts[g].name);
		CHECK(mmf_eng_init(&g_eng, (uint8_t)f, t->lanes) == 0, "%s: init at %u lanes", t->name, t->lanes);
		CHECK(mmf_eng_max_cols(&g_eng, (uint8_t)f) == mmf_fmt_max_cols(f), "%s: model takes K %u, table %u",
		      t->name, mmf_eng_max_cols(&g_eng, (uint8_t)f), mmf_fmt_max_cols(f));
		/* a product through the dispatch against the kind's model fed by hand */
		k = 1 + (uint32_t)(check_rng(&g_rng) % (2u * t->lanes + 3u));
		for (i = 0; i < rows * k; i++)
			g_w[i] = t->quant == MMF_QUANT_POW2 ? (int8_t)(check_rng(&g_rng) % 16) :
				 (int8_t)((int)(check_rng(&g_rng) % 3) - 1);
		for (i = 0; i < k; i++)
			g_x[i] = (int8_t)check_rng(&g_rng);
		nw = mmf_eng_pack((uint8_t)f, t->lanes, g_w, rows, k, g_words, MAXR * 300);
		CHECK(nw == (int32_t)(rows * mmf_words_per_row(k, t->lanes)), "%s: pack %d words", t->name, nw);
		CHECK(mmf_eng_load(&g_eng, (uint8_t)f, g_x, k) == 0, "%s: load K %u", t->name, k);
		n = mmf_eng_matvec(&g_eng, (uint8_t)f, g_words, (uint32_t)nw, g_y);
		CHECK(n == rows && mmf_eng_cols(&g_eng, (uint8_t)f) == k, "%s: %u rows at K %u", t->name, n, k);
		if (t->engine == MMF_ENGINE_TAC) {
			tac_init(&g_tac, t->model_fmt, t->lanes);
			tac_load(&g_tac, g_x, k);
			n = tac_matvec(&g_tac, g_words, (uint32_t)nw, g_y2);
		} else if (t->engine == MMF_ENGINE_SAC) {
			sac_init(&g_sac, t->lanes);
			sac_load(&g_sac, g_x, k);
			n = sac_matvec(&g_sac, g_words, (uint32_t)nw, g_y2);
		} else {
			lut_init(&g_lut, t->lanes);
			lut_load(&g_lut, g_x, k);
			n = lut_matvec(&g_lut, g_words, (uint32_t)nw, g_y2);
		}
		for (r = 0; r < rows; r++)
			CHECK(n == rows && g_y[r] == g_y2[r], "%s row %u: dispatch %d, model %d", t->name, r, g_y[r],
			      g_y2[r]);
	}
	CHECK(seen == (1u << MMF_N_FORMATS) - 1u, "ranks %#x: not one of each", seen);
	CHECK(mmf_eng_init(&g_eng, MMF_N_FORMATS, 16) == -1 && mmf_eng_load(&g_eng, MMF_N_FORMATS, g_x, 1) == -1 &&
	      mmf_eng_pack(MMF_N_FORMATS, 16, g_w, 1, 1, g_words, 1) == -1 && mmf_fmt_max_cols(MMF_N_FORMATS) == 0,
	      "a format past the table is taken");
}

int main(int argc, char **argv)
{
	check_args(argc, argv, 0, NULL, "", "Checks the hls_c models against independent references "
		   "(tests/test_hls.c).");
	test_decode();
	test_ternary();
	test_sac();
	test_invalid();
	test_engine_table();
	printf("test_hls: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail ? 1 : 0;
}
