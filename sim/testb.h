// testb.h: the harness every Verilator testbench shares: one context, one top, a clock, a reset,
// and an FST trace that is compiled in but only written for a window of cycles.
#ifndef MMF_TESTB_H
#define MMF_TESTB_H

#include <cstdint>
#include <memory>
#include <verilated.h>
#include <verilated_fst_c.h>

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
