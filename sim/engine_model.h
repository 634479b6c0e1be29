// engine_model.h: one face for the three hls_c engines, so the testbenches are written once.
// The build picks the engine with -DMMF_TB_TAC / -DMMF_TB_SAC / -DMMF_TB_LUT and its
// parameters with -DTB_FMT / -DTB_LANES / -DTB_LG_ACT (the same values go to Verilator as -G).
#ifndef MMF_ENGINE_MODEL_H
#define MMF_ENGINE_MODEL_H

#include <cstdint>
#include <random>
#include <vector>

#include "lut.h"
#include "sac.h"
#include "tac.h"

// Weight patterns the tests draw from.
enum WeightMode {
	W_RANDOM_WORDS,    // any 64 bits, invalid codes included
	W_RANDOM_VALID,    // packed random weights of the format
	W_ALL_NEG,         // every weight -1 (shift-add: -2^0)
	W_ALL_POS,         // every weight +1 (shift-add: +2^0)
	W_ALL_ZERO,
	W_MODES
};

#if defined(MMF_TB_TAC)
#define TB_NAME "tac"
struct EngineModel {
	tac_t s;
	int init() { return tac_init(&s, TB_FMT, TB_LANES); }
	uint32_t max_cols() const { return tac_max_cols(&s); }
	int load(const int8_t *x, uint32_t k) { return tac_load(&s, x, k); }
	uint32_t matvec(const uint64_t *w, uint32_t n, int32_t *y) const { return tac_matvec(&s, w, n, y); }
	int32_t pack(const std::vector<int8_t> &w, uint32_t r, uint32_t k, std::vector<uint64_t> &out) const
	{
		return tac_pack(TB_FMT, TB_LANES, w.data(), r, k, out.data(), (uint32_t)out.size());
	}
	static int8_t weight(std::mt19937_64 &rng, int mode)
	{
		switch (mode) {
		case W_ALL_NEG: return -1;
		case W_ALL_POS: return 1;
		case W_ALL_ZERO: return 0;
		default: return (int8_t)((int)(rng() % 3) - 1);
		}
	}
};
#elif defined(MMF_TB_SAC)
#define TB_NAME "sac"
struct EngineModel {
	sac_t s;
	int init() { return sac_init(&s, TB_LANES); }
	uint32_t max_cols() const { return sac_max_cols(&s); }
	int load(const int8_t *x, uint32_t k) { return sac_load(&s, x, k); }
	uint32_t matvec(const uint64_t *w, uint32_t n, int32_t *y) const { return sac_matvec(&s, w, n, y); }
	int32_t pack(const std::vector<int8_t> &w, uint32_t r, uint32_t k, std::vector<uint64_t> &out) const
	{
		return sac_pack(TB_LANES, (const uint8_t *)w.data(), r, k, out.data(), (uint32_t)out.size());
	}
	static int8_t weight(std::mt19937_64 &rng, int mode)
	{
		switch (mode) {
		case W_ALL_NEG: return (int8_t)sac_encode(1, 0);
		case W_ALL_POS: return (int8_t)sac_encode(0, 0);
		case W_ALL_ZERO: return (int8_t)SAC_CODE_ZERO;
		default: return (int8_t)(rng() % 16);
		}
	}
};
#elif defined(MMF_TB_LUT)
#define TB_NAME "lut"
struct EngineModel {
	lut_t s;
	int init() { return lut_init(&s, TB_LANES); }
	uint32_t max_cols() const { return lut_max_cols(&s); }
	int load(const int8_t *x, uint32_t k) { return lut_load(&s, x, k); }
	uint32_t matvec(const uint64_t *w, uint32_t n, int32_t *y) const { return lut_matvec(&s, w, n, y); }
	int32_t pack(const std::vector<int8_t> &w, uint32_t r, uint32_t k, std::vector<uint64_t> &out) const
	{
		return lut_pack(TB_LANES, w.data(), r, k, out.data(), (uint32_t)out.size());
	}
	static int8_t weight(std::mt19937_64 &rng, int mode)
	{
		switch (mode) {
		case W_ALL_NEG: return -1;
		case W_ALL_POS: return 1;
		case W_ALL_ZERO: return 0;
		default: return (int8_t)((int)(rng() % 3) - 1);
		}
	}
};
#else
#error "define MMF_TB_TAC, MMF_TB_SAC or MMF_TB_LUT"
#endif

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
