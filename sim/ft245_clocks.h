// ft245_clocks.h: two clocks for a Verilated top with the FT245 bus (i_ft_clk, i_rxf_n, i_txe_n,
// i_data; o_oe_n, o_rd_n, o_wr_n, o_siwu_n, o_data, o_data_oe) and a core clock (i_clk), and the C model of
// the chip (sim/ft245_chip.c) on the bus. Time is kept in femtoseconds, so 60 MHz (16,666,667 fs) and
// a 48, 100 or 24 MHz core clock drift against each other instead of repeating a fixed pattern; the
// FIFO clock starts at a random phase. tick() runs to just after the next rising edge of the core
// clock, clocking the chip at every rising edge of the FIFO clock on the way: the caller sets the
// core side's inputs and samples its outputs between ticks, as with Testb::tick().
#ifndef MMF_FT245_CLOCKS_H
#define MMF_FT245_CLOCKS_H

#include <cstdint>

#include "ft245_chip.h"
#include "testb.h"

template <class V> class Ft245Clocks {
public:
	Testb<V> &tb;
	mmf_ft245_chip_t *chip;
	uint64_t ft_cycles = 0;          // rising edges of the FIFO clock so far

	Ft245Clocks(Testb<V> &t, mmf_ft245_chip_t *c) : tb(t), chip(c) {}

	// Clock periods in fs, and the FIFO clock's first rising edge (fs from now).
	void set_clocks(uint64_t core_fs, uint64_t ft_fs, uint64_t ft_phase)
	{
		m_core = core_fs;
		m_ft = ft_fs;
		m_next_core = m_now + (tb.top->i_clk ? m_core / 2 : m_core - m_core / 2);
		m_next_ft = m_now + 1 + ft_phase % m_ft;
		tb.top->i_ft_clk = 0;
	}

	// Up to and including the next rising edge of the core clock.
	void tick()
	{
		auto *t = tb.top.get();
		for (;;) {
			uint64_t now = m_next_core < m_next_ft ? m_next_core : m_next_ft;
			bool core_edge = (m_next_core == now), ft_edge = (m_next_ft == now);
			bool core_rise = core_edge && !t->i_clk, ft_rise = ft_edge && !t->i_ft_clk;
			m_now = now;
			t->eval();
			if (ft_rise) {
				mmf_ft245_pins_t p = pins();
				mmf_ft245_chip_edge(chip, &p);
			}
			if (core_edge)
				t->i_clk = !t->i_clk;
			if (ft_edge)
				t->i_ft_clk = !t->i_ft_clk;
			tb.eval_at(now / 1000);
			if (ft_rise) {
				// the chip's outputs change after the edge; D follows the FPGA's new OE#
				t->i_rxf_n = chip->rxf_n;
				t->i_txe_n = chip->txe_n;
				t->eval();
				mmf_ft245_pins_t p = pins();
				t->i_data = mmf_ft245_chip_bus(chip, &p);
				t->eval();
				ft_cycles++;
			}
			if (core_edge)
				m_next_core += t->i_clk ? m_core / 2 : m_core - m_core / 2;
			if (ft_edge)
				m_next_ft += t->i_ft_clk ? m_ft / 2 : m_ft - m_ft / 2;
			if (core_rise) {
				tb.cycle++;
				return;
			}
		}
	}

	// i_reset high for n core cycles.
	void reset(int n)
	{
		tb.top->i_reset = 1;
		for (int i = 0; i < n; i++)
			tick();
		tb.top->i_reset = 0;
	}

private:
	uint64_t m_core = 1, m_ft = 1, m_now = 0, m_next_core = 1, m_next_ft = 1;

	mmf_ft245_pins_t pins() const
	{
		auto *t = tb.top.get();
		mmf_ft245_pins_t p;
		p.oe_n = t->o_oe_n;
		p.rd_n = t->o_rd_n;
		p.wr_n = t->o_wr_n;
		p.siwu_n = t->o_siwu_n;
		p.data_oe = t->o_data_oe;
		p.data = t->o_data;
		return p;
	}
};

#endif
