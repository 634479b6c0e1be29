/*
 * host_common.h: what the host tests share: CHECK, a seeded generator, and random matrix-vector
 * products for an engine slot with the hls_c model's answer.
 */
#ifndef HOST_COMMON_H
#define HOST_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lut.h"
#include "mmfree.h"
#include "sac.h"
#include "tac.h"

#include "check.h"

static inline uint64_t hrand(uint64_t *s)
{
	return check_rng(s);
}

/* One product: the matrix packed for the slot, the activations and the model's results. */
struct product {
	uint32_t k;                 /* activations */
	uint32_t rows;              /* matrix rows */
	uint32_t words;             /* packed weight words */
	int8_t x[TAC_ACT_WORDS * TAC_LANES_MAX]; /* activations */
	int8_t wt[256 * TAC_ACT_WORDS * TAC_LANES_MAX]; /* weights (sac: 4-bit codes), rows x k */
	uint64_t w[MMF_WMEM_WORDS]; /* packed */
	int32_t want[MMF_MAX_ROWS]; /* hls_c's results */
};

static tac_t h_tac;
static sac_t h_sac;
static lut_t h_lut;

/* New activations for the product's matrix, and the model's results for them; rows, or -1. */
static inline int product_x(const struct mmf_engine_info *e, struct product *p, uint64_t *rng)
{
	uint32_t i;
	int fmt = e->format == MMF_FMT_TAC2 ? TAC_FMT_2B : TAC_FMT_5T;

	for (i = 0; i < p->k; i++)
		p->x[i] = (int8_t)hrand(rng);
	if (e->id == MMF_ENGINE_TAC) {
		if (tac_init(&h_tac, (uint8_t)fmt, e->lanes) || tac_load(&h_tac, p->x, p->k))
			return -1;
		return (int)tac_matvec(&h_tac, p->w, p->words, p->want);
	}
	if (e->id == MMF_ENGINE_SAC) {
		if (sac_init(&h_sac, e->lanes) || sac_load(&h_sac, p->x, p->k))
			return -1;
		return (int)sac_matvec(&h_sac, p->w, p->words, p->want);
	}
	if (lut_init(&h_lut, e->lanes) || lut_load(&h_lut, p->x, p->k))
		return -1;
	return (int)lut_matvec(&h_lut, p->w, p->words, p->want);
}

/* A random rows x k matrix for the slot, packed, with activations and results; 0 or -1. */
static inline int product_make(const struct mmf_engine_info *e, uint32_t k, uint32_t rows,
			       struct product *p, uint64_t *rng)
{
	uint64_t i;
	int32_t n;

	p->k = k;
	p->rows = rows;
	for (i = 0; i < (uint64_t)rows * k; i++)
		p->wt[i] = e->format == MMF_FMT_SAC4 ? (int8_t)(hrand(rng) % 16) :
			(int8_t)((int)(hrand(rng) % 3) - 1);
	if (e->format == MMF_FMT_SAC4)
		n = sac_pack(e->lanes, (const uint8_t *)p->wt, rows, k, p->w, MMF_WMEM_WORDS);
	else if (e->format == MMF_FMT_LUT3)
		n = lut_pack(e->lanes, p->wt, rows, k, p->w, MMF_WMEM_WORDS);
	else
		n = tac_pack(e->format == MMF_FMT_TAC2 ? TAC_FMT_2B : TAC_FMT_5T, e->lanes, p->wt, rows, k,
			     p->w, MMF_WMEM_WORDS);
	if (n < 0)
		return -1;
	p->words = (uint32_t)n;
	return product_x(e, p, rng) == (int)rows ? 0 : -1;
}

#endif
