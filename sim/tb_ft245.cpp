// tb_ft245.cpp: checks rtl/mmf_ft245_sync.v, the FT245 synchronous FIFO PHY, between the C model of
// the FT2232H's side of the bus (sim/ft245_chip.c, at 60 MHz) and a core on its own clock, at three
// core clocks: 48 MHz (the boards'), 100 MHz (faster than the bus) and 24 MHz (slower than it: the
// receive FIFO fills and RD# must throttle), each against 60 MHz with a drifting, random phase (time
// in femtoseconds: sim/ft245_clocks.h). At each clock ratio, after a reset:
//   - throughput: nothing stalls (the chip always has bytes and room, the core offers a byte every
//     cycle and takes every byte), and the bytes crossing the bus per FIFO clock cycle are measured
//     over 20,000 cycles, both directions together and each alone;
//   - random streams both ways at once: every few thousand cycles new random stall settings for the
//     chip (RXF# and TXE# high at random edges, 1 to 300 edges long), the host's supply (the chip's
//     queue kept short, so RXF# also rises as it runs dry) and the core's offer rate;
//   - a drain: everything sent must arrive, and the PHY must strobe SIWU# after the last byte the
//     chip took (the end of the stream: the chip sends its short packet at once).
// Before all this, power-up: the bus clock runs before the core clock does, and no byte may cross.
// Every byte must arrive once, in order, on both sides (a byte lost, doubled or reordered is a
// mismatch); the chip model counts the FPGA's protocol violations (none allowed); byte pulses to the
// core must be at least RX_SPACING core cycles apart (TB_SPACING, as built); a SIWU# strobe with no
// byte written since the one before is a failure (each strobe costs the host a short USB packet).
//
// Built twice: build/bin/tb_ft245 with RX_SPACING 1 (a byte to the core every cycle if it can: the
// throughput figures), build/bin/tb_ft245_s8 with 8 (the SoC's: the receive FIFO fills at every ratio).
//
// Usage: tb_ft245 [--seed S] [--count N] [--trace FILE.fst --trace-from C --trace-to C]
// N is the number of bytes each way at each clock ratio. Exit 0 when all arrived and no rule broke.
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>

#include "ft245_clocks.h"
#include "testb.h"
#include "Vmmf_ft245_sync.h"

#ifndef TB_SPACING
#define TB_SPACING 1                    // the PHY's RX_SPACING, as built
#endif
typedef Vmmf_ft245_sync Top;
static const uint64_t FT_FS = 16666667;         // 60 MHz, femtoseconds
static const unsigned MAX_REPORTS = 20;

struct Ratio {
	unsigned mhz;                   // core clock
	uint64_t fs;                    // its period
};
static const Ratio RATIOS[] = {{48, 20833333}, {100, 10000000}, {24, 41666667}};
static const int N_RATIOS = sizeof(RATIOS) / sizeof(RATIOS[0]);

class Bench {
public:
	uint64_t mismatches = 0;
	uint64_t to_core = 0, to_host = 0;      // bytes checked on arrival
	// the knobs of the current phase
	double offer_p = 1.0;           // chance per core cycle that the core offers a new byte
	uint32_t host_fill = 4096;      // the host keeps this many bytes queued in the chip
	bool supply = true;             // the host and the core still send
	uint64_t tx_wait_cycles = 0;    // core cycles the core waited on o_tx_ready

	Bench(Testb<Top> &tb, uint64_t seed)
		: m_tb(tb), t(tb.top.get()), m_chip(new mmf_ft245_chip_t), clk(tb, m_chip.get()), m_rng(seed),
		  m_seed(seed)
	{
		mmf_ft245_chip_init(m_chip.get(), seed * 2654435761u + 1);
	}

	mmf_ft245_chip_t *chip() { return m_chip.get(); }
	std::mt19937_64 &rng() { return m_rng; }
	uint64_t in_flight() const { return m_rx.size() + m_tx.size(); }
	uint64_t tx_pending() const { return m_tx.size(); }

	// Power-up: the bus clock runs for a microsecond (60 edges) before the core clock's first edge,
	// as while a PLL locks, and the chip has bytes and room. The bus side must start in reset and
	// stay there: the bus idle, nothing crossing.
	void power_up()
	{
		clk.set_clocks(2000000000, FT_FS, m_rng() % FT_FS);
		cycle();        // queues the host's bytes, then runs to the core clock's first rising edge
		if (m_chip->read_bytes || m_chip->written_bytes || !t->o_oe_n || !t->o_rd_n || !t->o_wr_n ||
		    t->o_data_oe)
			fail("before the core clock ran: %" PRIu64 " bytes read, %" PRIu64 " written, OE# %d RD# %d "
			     "WR# %d, D driven %d", m_chip->read_bytes, m_chip->written_bytes, t->o_oe_n, t->o_rd_n,
			     t->o_wr_n, t->o_data_oe);
		// the chip as new, its queue empty: start() runs the clocks without the checks of cycle()
		mmf_ft245_chip_init(m_chip.get(), m_seed * 2654435761u + 1);
		m_rx.clear();
		m_tx.clear();
	}

	// A new clock ratio: the clocks, then a reset of the PHY (nothing is in flight).
	void start(const Ratio &r)
	{
		t->i_tx_valid = 0;
		m_offer = false;
		clk.set_clocks(r.fs, FT_FS, m_rng() % FT_FS);
		clk.reset(2 + (int)(m_rng() % 6));
		for (int i = 0; i < 40; i++)
			clk.tick();
		m_gap = TB_SPACING;
	}

	// n core cycles.
	void run(uint64_t n)
	{
		for (uint64_t i = 0; i < n; i++)
			cycle();
	}

	uint64_t ft_cycles() const { return clk.ft_cycles; }

	void fail(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
	{
		if (mismatches++ < MAX_REPORTS) {
			va_list ap;
			va_start(ap, fmt);
			fprintf(stderr, "FAIL (seed %" PRIu64 ", core cycle %" PRIu64 "): ", m_seed, m_tb.cycle);
			vfprintf(stderr, fmt, ap);
			fputc('\n', stderr);
			va_end(ap);
		}
	}

private:
	Testb<Top> &m_tb;
	Top *t;
	std::unique_ptr<mmf_ft245_chip_t> m_chip;
	Ft245Clocks<Top> clk;
	std::mt19937_64 m_rng;
	uint64_t m_seed;
	std::deque<uint8_t> m_rx;       // bytes queued in the chip for the FPGA, not yet at the core
	std::deque<uint8_t> m_tx;       // bytes the core handed over, not yet read by the host
	bool m_offer = false;           // the core offers m_offer_data
	uint8_t m_offer_data = 0;
	uint64_t m_gap = 0;             // core cycles since the last byte pulse

	// One core cycle: the host's side of the chip, the core's offer and byte pulse, the clocks.
	void cycle()
	{
		mmf_ft245_chip_t *c = m_chip.get();
		while (supply && c->to_n < host_fill) {
			uint8_t b = (uint8_t)m_rng();
			mmf_ft245_chip_host_write(c, b);
			m_rx.push_back(b);
		}
		uint8_t b;
		while (mmf_ft245_chip_host_read(c, &b) == 0) {
			if (m_tx.empty())
				fail("the host got 0x%02x, the core sent nothing more", b);
			else if (b != m_tx.front())
				fail("byte %" PRIu64 " to the host is 0x%02x, the core sent 0x%02x", to_host, b, m_tx.front());
			if (!m_tx.empty())
				m_tx.pop_front();
			to_host++;
		}
		if (supply && !m_offer && std::uniform_real_distribution<double>(0, 1)(m_rng) < offer_p) {
			m_offer = true;
			m_offer_data = (uint8_t)m_rng();
		}
		t->i_tx_valid = m_offer;
		t->i_tx_data = m_offer_data;
		t->eval();
		bool taken = m_offer && t->o_tx_ready;
		if (m_offer && !t->o_tx_ready)
			tx_wait_cycles++;
		m_gap++;
		if (t->o_rx_valid) {
			if (m_gap < TB_SPACING)
				fail("byte pulses %" PRIu64 " cycles apart (RX_SPACING %d)", m_gap, TB_SPACING);
			m_gap = 0;
			if (m_rx.empty() || c->to_n >= m_rx.size())
				fail("the core got 0x%02x, the host sent nothing more", t->o_rx_data);
			else if (t->o_rx_data != m_rx.front())
				fail("byte %" PRIu64 " to the core is 0x%02x, the host sent 0x%02x", to_core, t->o_rx_data,
				     m_rx.front());
			if (!m_rx.empty())
				m_rx.pop_front();
			to_core++;
		}
		clk.tick();
		if (taken) {
			m_tx.push_back(m_offer_data);
			m_offer = false;
		}
	}
};

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 200000;
	o.count_help = "random bytes each way at each clock ratio";
	if (!tb_parse(argc, argv, o, "N random bytes each way at each of three clock ratios through "
		      "rtl/mmf_ft245_sync.v."))
		return 2;
	Testb<Top> tb(argc, argv, o);
	auto *t = tb.top.get();
	t->i_ft_clk = 0;
	t->i_rxf_n = 1;
	t->i_txe_n = 1;
	t->i_data = 0;
	t->i_tx_valid = 0;
	t->i_tx_data = 0;

	Bench b(tb, o.seed);
	auto &rng = b.rng();
	mmf_ft245_chip_t *c = b.chip();
	double tput[N_RATIOS][3] = {};
	b.power_up();
	// random phases: the chip's stalls (percent per edge, longest), the host's queue, the core's offers
	struct Phase { uint32_t pct, max, fill; double offer; } phases[] = {
		{0, 1, 4096, 1.0},      // nothing stalls
		{5, 4, 4096, 1.0},      // short stalls
		{2, 300, 64, 0.9},      // long stalls, a short supply
		{30, 2, 3, 0.5},        // flags toggling at most edges, RXF# high as the queue runs dry
		{1, 40, 4096, 0.05},    // a slow core: the bus mostly reads
		{10, 30, 1, 1.0},       // the host trickles bytes: the bus mostly writes
	};
	const int n_phases = sizeof(phases) / sizeof(phases[0]);
	for (int r = 0; r < N_RATIOS && b.mismatches == 0; r++) {
		b.start(RATIOS[r]);
		// throughput with nothing stalled, both directions, then each alone
		mmf_ft245_chip_stalls(c, 0, 1);
		for (int dir = 0; dir < 3; dir++) {
			b.host_fill = dir == 2 ? 0 : 4096;
			b.offer_p = dir == 1 ? 0.0 : 1.0;
			// the other direction's backlog out of the way first
			for (int i = 0; i < 100000 && (dir == 2 ? c->to_n > 0 : dir == 1 ? b.tx_pending() > 0 : false); i++)
				b.run(1);
			b.run(2000);
			uint64_t e0 = b.ft_cycles(), n0 = c->read_bytes + c->written_bytes;
			while (b.ft_cycles() - e0 < 20000)
				b.run(1);
			tput[r][dir] = (double)(c->read_bytes + c->written_bytes - n0) / (double)(b.ft_cycles() - e0);
		}
		// random streams both ways until N bytes each way have been sent at this ratio
		uint64_t rx0 = c->read_bytes, tx0 = c->written_bytes;
		for (uint64_t n = 0; (c->read_bytes - rx0 < o.count || c->written_bytes - tx0 < o.count) &&
		     b.mismatches == 0; n++) {
			const Phase &p = phases[n == 0 ? 0 : rng() % n_phases];
			mmf_ft245_chip_stalls(c, p.pct, p.max);
			b.host_fill = c->read_bytes - rx0 < o.count ? p.fill : 0;
			b.offer_p = c->written_bytes - tx0 < o.count ? p.offer : 0.0;
			b.run(1000 + rng() % 4000);
		}
		// drain: nothing more sent, no stalls; everything in flight must arrive
		mmf_ft245_chip_stalls(c, 0, 1);
		b.supply = false;
		for (int i = 0; i < 200000 && (b.in_flight() > 0); i++)
			b.run(1);
		b.run(100);
		if (b.in_flight() > 0)
			b.fail("%" PRIu64 " bytes never arrived at %u MHz", b.in_flight(), RATIOS[r].mhz);
		if (c->last_siwu_edge <= c->last_write_edge)
			b.fail("no SIWU# strobe after the last byte written (edge %" PRIu64 ", last strobe at edge %"
			       PRIu64 ") at %u MHz", c->last_write_edge, c->last_siwu_edge, RATIOS[r].mhz);
		b.supply = true;
	}
	uint64_t v = mmf_ft245_chip_violations(c);
	for (int i = 0; i < MMF_FT245_N_RULES; i++)
		if (c->violations[i])
			fprintf(stderr, "protocol: %s: %" PRIu64 " times\n", mmf_ft245_rule_name(i), c->violations[i]);
	printf("tb_ft245: bus bytes per FIFO clock cycle with no stalls (both ways / to the FPGA alone / to the host "
	       "alone):");
	for (int r = 0; r < N_RATIOS; r++)
		printf(" core %u MHz %.3f/%.3f/%.3f%s", RATIOS[r].mhz, tput[r][0], tput[r][1], tput[r][2],
		       r + 1 < N_RATIOS ? ";" : "\n");
	if (c->siwu_empty)
		b.fail("%" PRIu64 " SIWU# strobes with no byte written since the strobe before", c->siwu_empty);
	printf("tb_ft245: %" PRIu64 " bytes to the core, %" PRIu64 " to the host; core waited %" PRIu64
	       " cycles on a full FIFO; %" PRIu64 " SIWU# strobes\n", b.to_core, b.to_host, b.tx_wait_cycles,
	       c->siwu_strobes);
	printf("tb_ft245: %" PRIu64 " bytes each way at %d clock ratios (RX_SPACING %d), %" PRIu64 " mismatches, %" PRIu64
	       " protocol violations, seed %" PRIu64 "\n", o.count, N_RATIOS, TB_SPACING, b.mismatches, v, o.seed);
	return (b.mismatches || v) ? 1 : 0;
}
