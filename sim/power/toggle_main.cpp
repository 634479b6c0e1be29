// toggle_main.cpp: clocks a free-running calibration design (sim/power/cal_*.v, simulated as its
// Yosys gate-level netlist with Verilator's --coverage-toggle) for a number of cycles and writes the
// toggle counts of that window, for scripts/power_crosscheck.sh.
//
// Usage: toggle_<name> --cycles N --warmup W --out coverage.dat
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <verilated.h>
#include <verilated_cov.h>
#include VTOP_H

int main(int argc, char **argv)
{
	unsigned long long cycles = 100000, warmup = 1000;
	const char *out = "coverage.dat";

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
			cycles = strtoull(argv[++i], nullptr, 0);
		else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
			warmup = strtoull(argv[++i], nullptr, 0);
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--cycles N] [--warmup W] [--out FILE]\n", argv[0]);
			return 2;
		}
	}
	std::unique_ptr<VerilatedContext> ctx(new VerilatedContext);
	std::unique_ptr<VTOP> top(new VTOP(ctx.get()));
	top->i_clk = 0;
	top->eval();
	for (unsigned long long c = 0; c < warmup + cycles; c++) {
		// the window starts after the warm-up: power-up values settle, then count
		if (c == warmup)
			ctx->coveragep()->zero();
		top->i_clk = 1;
		top->eval();
		top->i_clk = 0;
		top->eval();
	}
	ctx->coveragep()->write(out);
	top->final();
	printf("{\"cycles\": %llu}\n", cycles);
	return 0;
}
