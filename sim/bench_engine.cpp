// bench_engine.cpp: one engine behind the SPRAM weight memory (rtl/mmf_bench_top.v), in steady
// state. Fills the memory with the largest matrix it holds for the engine's widest K, loads an
// activation vector, streams the matrix and checks every row against hls_c; counts the cycles from
// the first weight word to the last result. Prints one JSON object (see docs/datapaths.md).
//
// Usage: bench_<cfg> [--seed S] [--matrices N] [--coverage FILE] [--trace FILE.fst --trace-from C
// --trace-to C] [--help]. Exit 1 on any mismatch.
// --coverage (builds with Verilator's --coverage-toggle only, see scripts/power_crosscheck.sh) writes
// the toggle counts of the first matrix's stream, from its first weight word to its last result.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "Vmmf_bench_top.h"
#include "engine_model.h"
#include "testb.h"
#if VM_COVERAGE
#include <verilated_cov.h>
#endif

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 3;
	o.count_opt = "--matrices";
	o.count_help = "full-memory matrices to stream";
	o.count_max = 1000000;
	const char *coverage = nullptr;
	std::vector<TbOpt> own;
	if (VM_COVERAGE)
		own.push_back(tb_string("--coverage", "FILE", &coverage, "the first matrix's toggle counts"));
	char what[256];
	snprintf(what, sizeof what,
		 "Streams N full-memory matrices through the %s engine (LANES %d) from SPRAM,\n"
		 "checks every row against hls_c and prints the measured MACs per cycle as JSON.",
		 TB_CFG, TB_LANES);
	if (!tb_parse(argc, argv, o, what, own))
		return 2;
	const uint64_t seed = o.seed;
	const int matrices = (int)o.count;

	EngineModel model;
	if (model.init() != 0) {
		fprintf(stderr, "bench: bad configuration\n");
		return 2;
	}
	std::mt19937_64 rng(seed);
	Testb<Vmmf_bench_top> tb(argc, argv, o);
	auto *top = tb.top.get();
	top->i_mem_we = 0;
	top->i_cmd_valid = 0;
	top->i_act_valid = 0;
	top->i_res_ready = 1;
	tb.reset();

	uint64_t stream_cycles = 0, load_cycles = 0, macs = 0, rows_checked = 0, mismatches = 0;
	uint32_t k = model.max_cols();
	uint32_t wpr = words_per_row(k);
	uint32_t rows = MMF_WMEM_WORDS / wpr;
	auto wall0 = std::chrono::steady_clock::now();
	uint64_t cycle0 = tb.cycle;

	for (int m = 0; m < matrices; m++) {
		Transaction t;
		t.k = k;
		t.rows = rows;
		t.x.resize(k);
		bool corner = (m == 1);   // all -1 weights against all -128: the largest sums
		for (auto &v : t.x)
			v = corner ? (int8_t)-128 : (int8_t)rng();
		if (!make_weights(model, rng, corner ? W_ALL_NEG : W_RANDOM_VALID, t)) {
			fprintf(stderr, "bench: the C model refused the matrix\n");
			return 2;
		}
		// fill the weight memory, one word per cycle
		for (uint32_t a = 0; a < t.w.size(); a++) {
			top->i_mem_we = 1;
			top->i_mem_addr = a;
			top->i_mem_wdata = t.w[a];
			tb.tick();
		}
		top->i_mem_we = 0;
		// activations at full rate
		uint64_t c0 = tb.cycle;
		for (uint32_t i = 0; i < k;) {
			top->i_act_valid = 1;
			top->i_act_data = (uint8_t)t.x[i];
			top->i_act_last = i + 1 == k;
			tb.settle();
			bool fire = top->o_act_ready;
			tb.tick();
			if (fire)
				i++;
		}
		top->i_act_valid = 0;
		// stream the whole memory as one matrix
		top->i_cmd_valid = 1;
		top->i_cmd_base = 0;
		top->i_cmd_count = (uint32_t)t.w.size();
		uint64_t first = 0, guard = tb.cycle + 8ull * t.w.size() + 100000;
		bool started = false;
		uint32_t row = 0;
		while (row < rows && tb.cycle < guard) {
			tb.settle();
			if (top->i_cmd_valid && top->o_cmd_ready) {
				tb.tick();
				top->i_cmd_valid = 0;
				continue;
			}
			if (!started && top->o_w_beat) {
				started = true;
				first = tb.cycle;
				load_cycles += first - c0;
#if VM_COVERAGE
				if (m == 0)
					tb.ctx->coveragep()->zero();   // count the stream only
#endif
			}
			if (top->o_res_valid) {
				bool last = row + 1 == rows;
				if ((int32_t)top->o_res_data != t.y[row] || (bool)top->o_res_last != last) {
					if (mismatches < 5)
						fprintf(stderr, "MISMATCH %s seed %" PRIu64 " matrix %d row %u: expected %d got %d\n",
							TB_CFG, seed, m, row, t.y[row], (int32_t)top->o_res_data);
					mismatches++;
				}
				rows_checked++;
				row++;
			}
			tb.tick();
		}
		if (row < rows) {
			fprintf(stderr, "HANG %s: %u of %u rows after %" PRIu64 " cycles\n", TB_CFG, row, rows, tb.cycle);
			return 1;
		}
		stream_cycles += tb.cycle - first;
#if VM_COVERAGE
		if (m == 0 && coverage)
			tb.ctx->coveragep()->write(coverage);
#endif
		macs += (uint64_t)rows * k;
	}
	double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

	printf("{\"config\": \"%s\", \"lanes\": %d, \"rows\": %u, \"cols\": %u, \"weight_words\": %u, "
	       "\"matrices\": %d, \"stream_cycles\": %" PRIu64 ", \"act_load_cycles\": %" PRIu64 ", "
	       "\"macs\": %" PRIu64 ", \"macs_per_cycle\": %.4f, \"transactions_checked\": %d, "
	       "\"rows_checked\": %" PRIu64 ", \"mismatches\": %" PRIu64 ", \"sim_cycles_per_s\": %.0f}\n",
	       TB_CFG, TB_LANES, rows, k, rows * wpr, matrices, stream_cycles, load_cycles / matrices, macs,
	       (double)macs / (double)stream_cycles, matrices, rows_checked, mismatches,
	       (double)(tb.cycle - cycle0) / wall);
	return mismatches ? 1 : 0;
}
