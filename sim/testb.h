// testb.h: the harness every Verilator testbench shares: one context, one top, a clock, a reset,
// and an FST trace that is compiled in but only written for a window of cycles.
#ifndef MMF_TESTB_H
#define MMF_TESTB_H

#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>
#include <verilated.h>
#include <verilated_fst_c.h>

// ---- the command line every testbench shares ----
//
// The options: --seed S, --count N (or the testbench's own name for it, e.g. --matrices), --trace
// FILE.fst with --trace-from C and --trace-to C (a window of cycles; 10,000 if no end is given),
// --help, and the testbench's own flags and options (TbOpt). Numbers are whole decimal or 0x hex
// numbers, nothing before or after them, within the option's range; anything else, an unknown
// option, a missing value, an empty trace window or a trace file that cannot be written is refused
// with a message that names the option, before any cycle is simulated.
struct TbOptions {
	uint64_t seed = 1;                 // seed of everything random
	uint64_t count = 0;                // how many transactions (each testbench sets its default)
	const char *count_opt = "--count"; // the option that sets count
	const char *count_help = "how many transactions";   // its line in --help
	uint64_t count_max = UINT64_MAX;   // its largest value (the smallest is 1: 0 would check nothing)
	const char *trace = nullptr;       // FST file, or none
	uint64_t trace_from = 0;           // first traced cycle
	uint64_t trace_to = 0;             // first cycle not traced
};

// One option of a testbench's own: a flag (sets *flag), a whole number (*num, within [min, max]) or a
// string (*str). `value` names the value in --help ("N", "FILE"), null for a flag.
struct TbOpt {
	const char *name;                  // "--no-scan"
	const char *value;                 // "N", "FILE", or null for a flag
	const char *help;                  // its line in --help
	bool *flag = nullptr;              // set by a flag
	uint64_t *num = nullptr;           // set by a number
	const char **str = nullptr;        // set by a string
	uint64_t min = 0, max = UINT64_MAX; // a number's range
};

static inline TbOpt tb_flag(const char *name, bool *dst, const char *help)
{
	TbOpt t = {name, nullptr, help};
	t.flag = dst;
	return t;
}

static inline TbOpt tb_number(const char *name, const char *value, uint64_t *dst, uint64_t min, uint64_t max,
			      const char *help)
{
	TbOpt t = {name, value, help};
	t.num = dst;
	t.min = min;
	t.max = max;
	return t;
}

static inline TbOpt tb_string(const char *name, const char *value, const char **dst, const char *help)
{
	TbOpt t = {name, value, help};
	t.str = dst;
	return t;
}

// s as a whole number (decimal, or hex after 0x) into *v: null, or why not (an empty string, a sign,
// spaces, trailing characters; a value past 2^64 - 1).
static inline const char *tb_number_of(const char *s, uint64_t *v)
{
	char *end;
	const bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	if (!isxdigit((unsigned char)digits[0]) || (!hex && !isdigit((unsigned char)digits[0])))
		return "not a whole number";
	errno = 0;
	unsigned long long x = strtoull(digits, &end, hex ? 16 : 10);   // 010 is ten, not octal eight
	if (*end)
		return "not a whole number";
	if (errno)
		return "larger than 18446744073709551615";
	*v = x;
	return nullptr;
}

// Parse argv into o and the testbench's own options. --help prints usage (built from the option table,
// with `what` below it) and exits 0; anything refused prints a message and returns false (exit 2).
// Verilator's own +verilator+... arguments pass through to VerilatedContext::commandArgs.
static inline bool tb_parse(int argc, char **argv, TbOptions &o, const std::string &what,
			    std::vector<TbOpt> own = {})
{
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const uint64_t count_default = o.count;
	std::vector<TbOpt> opts = {
		tb_number("--seed", "S", &o.seed, 0, UINT64_MAX, "seed of everything random"),
		tb_number(o.count_opt, "N", &o.count, 1, o.count_max, o.count_help),
		tb_string("--trace", "FILE.fst", &o.trace, "write an FST trace (GTKWave) of a window of cycles"),
		tb_number("--trace-from", "C", &o.trace_from, 0, UINT64_MAX, "first traced cycle"),
		tb_number("--trace-to", "C", &o.trace_to, 1, UINT64_MAX, "first cycle not traced (--trace-from + 10000)"),
	};
	opts.insert(opts.end(), own.begin(), own.end());
	bool seen_from = false, seen_to = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s [OPTION]...\n%s\n", prog, what.c_str());
			for (const TbOpt &t : opts) {
				std::string left = std::string(t.name) + (t.value ? std::string(" ") + t.value : "");
				printf("  %-22s %s", left.c_str(), t.help);
				if (t.num == &o.count)
					printf(" (default %" PRIu64 ")", count_default);
				printf("\n");
			}
			printf("  %-22s %s\n", "--help", "this help");
			exit(0);
		}
		if (!strncmp(a, "+verilator", 10))
			continue;
		const TbOpt *t = nullptr;
		for (const TbOpt &c : opts)
			if (!strcmp(a, c.name))
				t = &c;
		if (!t) {
			fprintf(stderr, "%s: unknown option '%s' (see --help)\n", prog, a);
			return false;
		}
		if (t->flag) {
			*t->flag = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "%s: %s needs a value (%s)\n", prog, a, t->value);
			return false;
		}
		const char *v = argv[++i];
		if (t->str) {
			if (!v[0]) {
				fprintf(stderr, "%s: %s: an empty %s\n", prog, a, t->value);
				return false;
			}
			*t->str = v;
			continue;
		}
		uint64_t n;
		if (const char *why = tb_number_of(v, &n)) {
			fprintf(stderr, "%s: %s '%s': %s\n", prog, a, v, why);
			return false;
		}
		if (n < t->min || n > t->max) {
			fprintf(stderr, "%s: %s %s: out of range (%" PRIu64 " to %" PRIu64 ")\n", prog, a, v, t->min,
				t->max);
			return false;
		}
		*t->num = n;
		seen_from |= t->num == &o.trace_from;
		seen_to |= t->num == &o.trace_to;
	}

	// the trace window, and a trace file that can be written
	if (!o.trace && (seen_from || seen_to)) {
		fprintf(stderr, "%s: %s without --trace FILE.fst\n", prog, seen_from ? "--trace-from" : "--trace-to");
		return false;
	}
	if (!o.trace)
		return true;
	if (seen_to && o.trace_to <= o.trace_from) {
		fprintf(stderr, "%s: --trace-from %" PRIu64 " --trace-to %" PRIu64 ": an empty window (--trace-to "
			"must be above --trace-from)\n", prog, o.trace_from, o.trace_to);
		return false;
	}
	if (!seen_to)
		o.trace_to = o.trace_from > UINT64_MAX - 10000 ? UINT64_MAX : o.trace_from + 10000;
	FILE *f = fopen(o.trace, "w");
	if (!f) {
		fprintf(stderr, "%s: --trace %s: cannot write it: %s\n", prog, o.trace, strerror(errno));
		return false;
	}
	fclose(f);
	remove(o.trace);   // written when the window opens; a run that never reaches it leaves no file
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

	// The same, with the trace window of the command line (o.trace, if any).
	Testb(int argc, char **argv, const TbOptions &o) : Testb(argc, argv)
	{
		if (o.trace)
			trace_window(o.trace, o.trace_from, o.trace_to);
	}

	~Testb()
	{
		if (m_path && !m_tfp)
			fprintf(stderr, "trace: the run ended at cycle %" PRIu64 ", before the window [%" PRIu64 ", %"
				PRIu64 "): nothing written to %s\n", cycle, m_from, m_to, m_path);
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
				if (!m_tfp->isOpen()) {
					// tb_parse wrote to it: the file went away or the disk filled since
					fprintf(stderr, "trace: cannot write %s at cycle %" PRIu64 "\n", m_path, cycle);
					exit(1);
				}
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
