// tb_engine.cpp: checks one engine (rtl/tac.v, sac.v or lut.v) against its hls_c twin, transaction
// by transaction: corner cases first (all -1, all +1, all zero weights; activations -128 and 127;
// K not a multiple of LANES; one row; the largest K and the largest matrix the weight memory holds),
// then random transactions, with random valid/ready back-pressure on every stream. One random
// transaction in five keeps its vector loaded (i_w_keep) and the next one runs against it with no
// activation stream.
//
// Usage: tb_<engine> [--seed S] [--count N] [--trace FILE --trace-from C --trace-to C]
// On a mismatch it prints the seed and transaction, writes the inputs to a file and exits 1.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>

#include "engine_model.h"
#include "testb.h"
#include VTOP_H

static const uint64_t IDLE_LIMIT = 100000;   // cycles without any handshake before we call it a hang

// The transaction list: corners first, then random ones, made on demand so memory stays small.
class Source {
public:
	Source(EngineModel &m, uint64_t seed, uint64_t count) : m_model(m), m_rng(seed), m_count(count)
	{
		uint32_t kmax = m.max_cols();
		uint32_t odd = TB_LANES + (TB_LANES > 1 ? TB_LANES / 2 + 1 : 1);
		// {K, rows, weight mode, activation fill (0 random, else that value)}
		m_corners = {
			{kmax, 3, W_ALL_NEG, -128}, {kmax, 3, W_ALL_POS, -128}, {kmax, 2, W_ALL_NEG, 127},
			{kmax, 2, W_ALL_POS, 127}, {odd, 4, W_ALL_ZERO, 127}, {odd, 4, W_ALL_NEG, -128},
			{1, 1, W_ALL_POS, -128}, {1, 1, W_ALL_NEG, -128}, {1, 5, W_RANDOM_VALID, 0},
			{TB_LANES, 1, W_RANDOM_VALID, 0}, {TB_LANES + 1, 1, W_RANDOM_VALID, 0},
			{odd, 1, W_RANDOM_WORDS, 0}, {kmax, 1, W_RANDOM_VALID, 0},
			{kmax - 1, 2, W_RANDOM_VALID, 0},
			// the largest matrix the weight memory holds
			{kmax, (uint32_t)(MMF_WMEM_WORDS / words_per_row(kmax)), W_RANDOM_VALID, 0},
			{kmax, (uint32_t)(MMF_WMEM_WORDS / words_per_row(kmax)), W_ALL_NEG, -128},
		};
	}

	uint64_t total() const { return m_corners.size() + m_count; }

	bool make(uint64_t n, Transaction &t)
	{
		int mode;
		int fill = 0;
		bool reuse = m_prev_keep;
		if (n < m_corners.size()) {
			const Corner &c = m_corners[n];
			t.k = c.k;
			t.rows = c.rows;
			mode = c.mode;
			fill = c.fill;
		} else {
			uint32_t kmax = m_model.max_cols();
			uint32_t r = (uint32_t)(m_rng() % 100);
			if (r < 45)
				t.k = 1 + (uint32_t)(m_rng() % (2 * TB_LANES + 3));
			else if (r < 85)
				t.k = 1 + (uint32_t)(m_rng() % std::min<uint32_t>(kmax, 8 * TB_LANES));
			else if (r < 95)
				t.k = TB_LANES * (1 + (uint32_t)(m_rng() % std::min<uint32_t>(kmax / TB_LANES, 6)));
			else
				t.k = kmax - (uint32_t)(m_rng() % 3);
			t.rows = 1 + (uint32_t)(m_rng() % ((m_rng() % 8) ? 6 : 40));
			mode = (int)(m_rng() % 10);
			mode = mode < 5 ? W_RANDOM_VALID : mode < 8 ? W_RANDOM_WORDS : (int)(W_ALL_NEG + m_rng() % 3);
			if (m_rng() % 16 == 0)
				fill = (m_rng() & 1) ? 127 : -128;
			t.keep = m_rng() % 5 == 0;
		}
		if (reuse) {
			t.reuse = true;
			t.k = (uint32_t)m_prev_x.size();
			t.x = m_prev_x;
		} else {
			t.x.resize(t.k);
			for (auto &v : t.x)
				v = fill ? (int8_t)fill : (int8_t)m_rng();
		}
		m_prev_keep = t.keep;
		m_prev_x = t.x;
		return make_weights(m_model, m_rng, mode, t);
	}

private:
	struct Corner {
		uint32_t k, rows;
		int mode, fill;
	};
	EngineModel &m_model;
	std::mt19937_64 m_rng;
	uint64_t m_count;
	std::vector<Corner> m_corners;
	bool m_prev_keep = false;
	std::vector<int8_t> m_prev_x;
};

static void dump_inputs(const TbOptions &o, uint64_t n, const Transaction &t)
{
	char path[256];
	snprintf(path, sizeof path, "%s_mismatch_seed%" PRIu64 "_txn%" PRIu64 ".txt", TB_NAME, o.seed, n);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "# engine %s FMT %d LANES %d seed %" PRIu64 " transaction %" PRIu64 "\n", TB_NAME,
		TB_FMT, TB_LANES, o.seed, n);
	fprintf(f, "K %u rows %u\nx", t.k, t.rows);
	for (auto v : t.x)
		fprintf(f, " %d", v);
	fprintf(f, "\nw");
	for (auto v : t.w)
		fprintf(f, " %016" PRIx64, v);
	fprintf(f, "\ny");
	for (auto v : t.y)
		fprintf(f, " %d", v);
	fprintf(f, "\n");
	fclose(f);
	fprintf(stderr, "inputs written to %s\n", path);
}

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 100000;
	o.count_help = "random matrix-vector products after the corner cases";
	char what[512];
	snprintf(what, sizeof what,
		 "Checks the %s engine (FMT %d, LANES %d) against hls_c on N random matrix-vector products\n"
		 "after the corner cases, with random back-pressure. Exit 0 when every row matches.",
		 TB_NAME, TB_FMT, TB_LANES);
	if (!tb_parse(argc, argv, o, what))
		return 2;

	EngineModel model;
	if (model.init() != 0) {
		fprintf(stderr, "%s: FMT %d LANES %d is not a valid configuration\n", TB_NAME, TB_FMT, TB_LANES);
		return 2;
	}
	Source src(model, o.seed, o.count);
	std::mt19937_64 bp(o.seed ^ 0x9e3779b97f4a7c15ull);   // back-pressure, separate from the data

	Testb<VTOP> tb(argc, argv, o);
	auto *top = tb.top.get();
	top->i_act_valid = 0;
	top->i_w_valid = 0;
	top->i_w_keep = 0;
	top->i_res_ready = 0;
	tb.reset();

	// Three cursors walk the transaction list: activations, weights, results.
	std::deque<Transaction> live;      // transactions from index `base` on
	uint64_t base = 0, total = src.total();
	uint64_t a_txn = 0, w_txn = 0, r_txn = 0;
	uint32_t a_pos = 0, w_pos = 0, r_row = 0;
	uint64_t rows_checked = 0, idle = 0;
	unsigned p_valid = 100, p_ready = 100;
	int rc = 0;

	auto get = [&](uint64_t n) -> Transaction & {
		while (base + live.size() <= n) {
			live.emplace_back();
			if (!src.make(base + live.size() - 1, live.back())) {
				fprintf(stderr, "%s: the C model refused transaction %" PRIu64 "\n", TB_NAME,
					base + live.size() - 1);
				exit(2);
			}
		}
		return live[n - base];
	};

	while (r_txn < total) {
		// Back-pressure changes character every 4096 cycles.
		if ((tb.cycle & 4095) == 0) {
			static const unsigned p[] = {100, 90, 50, 20};
			p_valid = p[bp() % 4];
			p_ready = p[bp() % 4];
		}
		// A transaction that reuses the loaded vector has no activation stream.
		while (a_txn < total && a_pos == 0 && !top->i_act_valid && get(a_txn).reuse)
			a_txn++;
		// Drive: a valid, once raised, stays until its beat moves.
		if (a_txn < total && !top->i_act_valid && (bp() % 100) < p_valid) {
			Transaction &t = get(a_txn);
			top->i_act_valid = 1;
			top->i_act_data = (uint8_t)t.x[a_pos];
			top->i_act_last = a_pos + 1 == t.k;
		}
		if (w_txn < a_txn && !top->i_w_valid && (bp() % 100) < p_valid) {
			Transaction &t = get(w_txn);
			top->i_w_valid = 1;
			top->i_w_data = t.w[w_pos];
			top->i_w_last = w_pos + 1 == t.w.size();
			top->i_w_keep = t.keep;
		}
		top->i_res_ready = (bp() % 100) < p_ready;
		tb.settle();

		bool a_fire = top->i_act_valid && top->o_act_ready;
		bool w_fire = top->i_w_valid && top->o_w_ready;
		bool r_fire = top->o_res_valid && top->i_res_ready;

		if (r_fire) {
			Transaction &t = get(r_txn);
			bool last = r_row + 1 == t.rows;
			if ((int32_t)top->o_res_data != t.y[r_row] || (bool)top->o_res_last != last) {
				fprintf(stderr,
					"MISMATCH %s FMT %d LANES %d seed %" PRIu64 " transaction %" PRIu64
					" (K %u, rows %u) row %u: expected %d last %d, got %d last %d at cycle %" PRIu64
					"\nreproduce: --seed %" PRIu64 " --count %" PRIu64 " --trace t.fst --trace-from %" PRIu64 "\n",
					TB_NAME, TB_FMT, TB_LANES, o.seed, r_txn, t.k, t.rows, r_row, t.y[r_row], last,
					(int32_t)top->o_res_data, (int)top->o_res_last, tb.cycle, o.seed, r_txn + 1,
					tb.cycle > 2000 ? tb.cycle - 2000 : 0);
				dump_inputs(o, r_txn, t);
				rc = 1;
				break;
			}
			rows_checked++;
			if (last) {
				r_txn++;
				r_row = 0;
			} else {
				r_row++;
			}
		}
		tb.tick();

		if (a_fire) {
			top->i_act_valid = 0;
			if (++a_pos == get(a_txn).k) {
				a_txn++;
				a_pos = 0;
			}
		}
		if (w_fire) {
			top->i_w_valid = 0;
			if (++w_pos == get(w_txn).w.size()) {
				w_txn++;
				w_pos = 0;
			}
		}
		// Drop transactions every cursor has passed.
		while (base < r_txn && base < w_txn && base < a_txn) {
			live.pop_front();
			base++;
		}
		idle = (a_fire || w_fire || r_fire) ? 0 : idle + 1;
		if (idle > IDLE_LIMIT) {
			fprintf(stderr, "HANG %s seed %" PRIu64 ": no handshake for %" PRIu64 " cycles at cycle %" PRIu64
				" (act txn %" PRIu64 ", weight txn %" PRIu64 ", result txn %" PRIu64 ")\n",
				TB_NAME, o.seed, IDLE_LIMIT, tb.cycle, a_txn, w_txn, r_txn);
			rc = 1;
			break;
		}
	}

	printf("%s FMT %d LANES %d: %" PRIu64 " transactions (%" PRIu64 " rows) checked against hls_c, %s, "
	       "%" PRIu64 " cycles, seed %" PRIu64 "\n",
	       TB_NAME, TB_FMT, TB_LANES, r_txn, rows_checked, rc ? "MISMATCH" : "0 mismatches", tb.cycle, o.seed);
	return rc;
}
