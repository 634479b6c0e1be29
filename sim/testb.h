// testb.h: the harness every Verilator testbench shares: one context, one top, a clock, a reset,
// and an FST trace that is compiled in but only written for a window of cycles.
#ifndef MMF_TESTB_H
#define MMF_TESTB_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <verilated.h>
#include <verilated_fst_c.h>

// The options every testbench takes: --seed S, --count N, --trace FILE.fst --trace-from C --trace-to C
// (a window of cycles; 10,000 if no end is given), --help, and at most one flag of its own.
struct TbOptions {
	uint64_t seed = 1;                 // seed of everything random
	uint64_t count = 0;                // how many transactions (each testbench sets its default)
	const char *trace = nullptr;       // FST file, or none
	uint64_t trace_from = 0;           // first traced cycle
	uint64_t trace_to = 0;             // first cycle not traced
	bool flag = false;                 // the testbench's own flag was given
};

// Parse argv into o. --help prints usage and exits 0; an unknown or incomplete option prints a
// message and returns false. `flag` names the testbench's own flag (e.g. "--no-scan"), or is null.
static inline bool tb_parse(int argc, char **argv, TbOptions &o, const std::string &usage,
			    const char *flag = nullptr)
{
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto next = [&](void) -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
		const char *v = nullptr;
		if (a == "--help" || a == "-h") {
			fputs(usage.c_str(), stdout);
			exit(0);
		} else if (flag && a == flag) {
			o.flag = true;
		} else if (a == "--seed" && (v = next())) {
			o.seed = strtoull(v, nullptr, 0);
		} else if (a == "--count" && (v = next())) {
			o.count = strtoull(v, nullptr, 0);
		} else if (a == "--trace" && (v = next())) {
			o.trace = v;
		} else if (a == "--trace-from" && (v = next())) {
			o.trace_from = strtoull(v, nullptr, 0);
		} else if (a == "--trace-to" && (v = next())) {
			o.trace_to = strtoull(v, nullptr, 0);
		} else if (a.rfind("+verilator", 0) != 0) {
			fprintf(stderr, "%s: unknown or incomplete option '%s' (see --help)\n", argv[0], a.c_str());
			return false;
		}
	}
	if (o.trace && o.trace_to == 0)
		o.trace_to = o.trace_from + 10000;
	return true;
}

template <class V> class Testb {
public:
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<V> top;
	uint64_t cycle = 0;

	Testb(int argc, char **argv) : ctx(new VerilatedContext)
	{
		ctx->commandArgs(argc, argv);
		ctx->traceEverOn(true);
		top.reset(new V(ctx.get()));
		top->i_reset = 1;   // held from time 0: the assertions assume a reset first
		top->i_clk = 0;
		top->eval();
	}

	~Testb()
	{
		close_trace();
		top->final();
	}

	// Trace cycles [from, to) into path (FST).
	void trace_window(const char *path, uint64_t from, uint64_t to)
	{
		m_path = path;
		m_from = from;
		m_to = to;
	}

	// Inputs are set; settle the combinational outputs before sampling handshakes.
	void settle() { top->eval(); }

	void tick()
	{
		dump(10 * cycle + 9);
		top->i_clk = 1;
		top->eval();
		dump(10 * cycle + 10);
		top->i_clk = 0;
		top->eval();
		cycle++;
		ctx->timeInc(1);
	}

	// For testbenches with more than one clock: the caller sets the clock inputs itself, then
	// evaluates here. t is the trace time (any unit, increasing); `cycle`, which the caller counts,
	// still chooses the trace window.
	void eval_at(uint64_t t)
	{
		top->eval();
		dump(t);
	}

	void reset(int cycles = 4)
	{
		top->i_reset = 1;
		for (int i = 0; i < cycles; i++)
			tick();
		top->i_reset = 0;
	}

private:
	const char *m_path = nullptr;
	uint64_t m_from = 0, m_to = 0;
	std::unique_ptr<VerilatedFstC> m_tfp;

	void dump(uint64_t t)
	{
		if (!m_path)
			return;
		if (cycle >= m_from && cycle < m_to) {
			if (!m_tfp) {
				m_tfp.reset(new VerilatedFstC);
				top->trace(m_tfp.get(), 99);
				m_tfp->open(m_path);
			}
			m_tfp->dump(t);
		} else if (cycle >= m_to) {
			close_trace();
		}
	}

	void close_trace()
	{
		if (m_tfp) {
			m_tfp->close();
			m_tfp.reset();
			m_path = nullptr;
		}
	}
};

#endif
