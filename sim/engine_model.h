// engine_model.h: one face for the hls_c engines, so the testbenches are written once.
// The build picks the weight format with -DTB_FMT (a row of hls_c/mmf_engines.c's table: the engine,
// its packer) and the lanes with -DTB_LANES (the same values go to Verilator as -G).
#ifndef MMF_ENGINE_MODEL_H
#define MMF_ENGINE_MODEL_H

#include <cstdint>
#include <random>
#include <vector>

#include "mmf_engines.h"

// Weight patterns the tests draw from.
enum WeightMode {
	W_RANDOM_WORDS,    // any 64 bits, invalid codes included
	W_RANDOM_VALID,    // packed random weights of the format
	W_ALL_NEG,         // every weight -1 (shift-add: -2^0)
	W_ALL_POS,         // every weight +1 (shift-add: +2^0)
	W_ALL_ZERO,
	W_MODES
};

// The engine under test: the engine table's row TB_FMT (its kind, its packer), at TB_LANES.
#define TB_NAME (mmf_engine_kinds[mmf_fmts[TB_FMT].engine])
struct EngineModel {
	mmf_engines_t s;
	int init() { return mmf_eng_init(&s, TB_FMT, TB_LANES); }
	uint32_t max_cols() const { return mmf_eng_max_cols(&s, TB_FMT); }
	int load(const int8_t *x, uint32_t k) { return mmf_eng_load(&s, TB_FMT, x, k); }
	uint32_t matvec(const uint64_t *w, uint32_t n, int32_t *y) const
	{
		return mmf_eng_matvec(&s, TB_FMT, w, n, y);
	}
	int32_t pack(const std::vector<int8_t> &w, uint32_t r, uint32_t k, std::vector<uint64_t> &out) const
	{
		return mmf_eng_pack(TB_FMT, TB_LANES, w.data(), r, k, out.data(), (uint32_t)out.size());
	}
	static int8_t weight(std::mt19937_64 &rng, int mode)
	{
		bool pow2 = mmf_fmts[TB_FMT].quant == MMF_QUANT_POW2;
		switch (mode) {
		case W_ALL_NEG: return pow2 ? (int8_t)sac_encode(1, 0) : -1;
		case W_ALL_POS: return pow2 ? (int8_t)sac_encode(0, 0) : 1;
		case W_ALL_ZERO: return pow2 ? (int8_t)SAC_CODE_ZERO : 0;
		default: return pow2 ? (int8_t)(rng() % 16) : (int8_t)((int)(rng() % 3) - 1);
		}
	}
};

// One matrix-vector product: the streams the engine sees and the rows it must return.
struct Transaction {
	uint32_t k = 0, rows = 0;
	bool keep = false;    // the vector stays loaded after this matrix (i_w_keep with the last word)
	bool reuse = false;   // no activation stream: the previous transaction's vector is still loaded
	std::vector<int8_t> x;
	std::vector<uint64_t> w;
	std::vector<int32_t> y;
};

static inline uint32_t words_per_row(uint32_t k) { return (k + TB_LANES - 1) / TB_LANES; }

// Fill t.w for t.rows x t.k in the given mode and compute t.y with the C model.
static inline bool make_weights(EngineModel &m, std::mt19937_64 &rng, int mode, Transaction &t)
{
	uint32_t n = t.rows * words_per_row(t.k);
	t.w.assign(n, 0);
	if (mode == W_RANDOM_WORDS) {
		for (auto &v : t.w)
			v = rng();
	} else {
		std::vector<int8_t> wt((size_t)t.rows * t.k);
		for (auto &v : wt)
			v = EngineModel::weight(rng, mode);
		if (m.pack(wt, t.rows, t.k, t.w) != (int32_t)n)
			return false;
	}
	if (m.load(t.x.data(), t.k) != 0)
		return false;
	t.y.assign(t.rows, 0);
	return m.matvec(t.w.data(), n, t.y.data()) == t.rows;
}

#endif
