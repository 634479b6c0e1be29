// tb_spi.cpp: checks rtl/mmf_spi_slave.v bit by bit against a C model of the host side of the SPI
// link (docs/protocol.md, "SPI link layer"): an SPI master in mode 0 that drives SCK, CS and MOSI once
// per core cycle, and a core that offers random bytes to the slave's TX FIFO (built with 16 entries,
// so it fills). Transactions of every kind, in random order:
//   WRITE   command 0x01 and random bytes: each whole byte must reach o_rx_valid once, in order;
//   READ    command 0x02 and random filler: MISO is parsed as length bytes and data; every byte the
//           core handed over must arrive once, in order, and each length must lie between the bytes
//           waiting when its first bit was clocked and those waiting at its last (capped at 127);
//   other   an unknown command (0x00, 0xFF, random): nothing reaches the core, nothing is taken;
//   cut     any of these with CS raised in the middle of a byte (SCK low or high): that byte counts
//           for neither side, a READ's cut byte comes again in the next READ;
//   reset   i_reset in the middle of a transaction: the slave ignores the rest of it.
// SCK timing is random per half period, down to the slave's limit of 2 core cycles high and 2 low
// (a quarter of the core clock), with a phase exactly at the limit; MISO must be stable for at least
// one core cycle before every rising edge the master samples it on (the whole-period rule). The core
// side offers bytes at several rates, so the FIFO runs empty, full (back-pressure), and in between.
//
// Usage: tb_spi [--seed S] [--count N] [--trace FILE.fst --trace-from C --trace-to C]
// N is the number of transactions. Exit 0 when every byte and length arrived as expected.
#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <deque>
#include <random>
#include <string>

#include "testb.h"
#include "Vmmf_spi_slave.h"

#ifndef TB_DEPTH
#define TB_DEPTH 16                    // the slave's TX FIFO, as built (-GLG_DEPTH=4)
#endif
static const unsigned MAX_REPORTS = 20; // errors printed in full
static const uint8_t CMD_WRITE = 0x01, CMD_READ = 0x02;

class Bench {
public:
	// what happened, for the summary
	uint64_t written = 0;           // bytes the core received (checked)
	uint64_t read = 0;              // bytes the host read (checked)
	uint64_t lengths = 0;           // length bytes checked
	uint64_t n_write = 0, n_read = 0, n_other = 0, n_cut = 0, n_reset = 0;
	uint64_t full_cycles = 0;       // cycles the core waited on a full FIFO
	uint64_t min_setup = ~0ull;     // fewest cycles MISO was stable before a sampling edge
	uint64_t errors = 0;

	Bench(Testb<Vmmf_spi_slave> &tb, uint64_t seed) : m_tb(tb), t(tb.top.get()), m_rng(seed), m_seed(seed) {}

	// ---- timing and producer phases ----
	int hmin = 2, hmax = 6;         // SCK half period, core cycles
	double push_p = 0.3;            // chance per cycle that the core offers a new byte

	// One transaction: cmd, then n more bytes (payload for a WRITE, filler otherwise). cut >= 0:
	// CS rises after `cut` rising edges of byte cut_byte (cut in 0..7), with SCK high if cut_high.
	void transaction(uint8_t cmd, const std::string &payload, int cut_byte = -1, int cut = 0,
			 bool cut_high = false, int reset_at = -1)
	{
		bool is_read = false;
		int left = 0;                        // announced bytes still to come in this READ
		bool reset_done = false, cut_now = false;
		m_cmd = cmd;
		cs = 0;
		for (size_t i = 0; i <= payload.size(); i++) {
			uint8_t out = i == 0 ? cmd : (uint8_t)payload[i - 1];
			int edges = (int)i == cut_byte ? cut : 8;
			uint64_t pushed_first = 0, pushed_last = 0;
			uint8_t in = 0;
			if ((int)i == reset_at) {
				// the slave is reset here; it must ignore the rest of this transaction
				t->i_reset = 1;
				for (int c = 0; c < 3; c++)
					cycle();
				t->i_reset = 0;
				m_fifo.clear();
				m_rx.clear();
				m_consumed = m_pushed;  // what the FIFO held is gone
				reset_done = true;
				n_reset++;
			}
			for (int b = 7; b >= 0 && 7 - b < edges; b--) {
				mosi = (out >> b) & 1;
				run(half());
				// the rising edge: the master samples MISO as it is now
				if (m_stable < min_setup)
					min_setup = m_stable;
				if (m_stable < 1)
					fail("MISO changed in the cycle before the rising edge of bit %d of byte %zu", b, i);
				in = (uint8_t)(in << 1 | t->o_spi_miso);
				if (b == 7)
					pushed_first = m_pushed;
				sck = 1;
				// the byte is whole at its eighth rising edge: a WRITE byte is due at the core
				if (b == 0 && i > 0 && cmd == CMD_WRITE && !reset_done)
					m_rx.push_back(out);
				run(half());
				if (b == 0)
					pushed_last = m_pushed;
				if (!(cut_high && (int)i == cut_byte && 7 - b + 1 == edges))
					sck = 0;
			}
			if (edges < 8) {
				// CS rises in the middle of this byte (SCK low, or high with cut_high): the byte
				// counts for neither side
				run(1 + (int)(m_rng() % 3));
				cs = 1;
				run(1 + (int)(m_rng() % 3));
				sck = 0;
				cut_now = true;
				n_cut++;
				break;
			}
			if (reset_done)
				continue;       // nothing after the reset is looked at
			// the byte is whole: what the slave sent in it
			if (left > 0) {
				if (m_fifo.empty()) {
					fail("READ: a data byte 0x%02x arrived with nothing offered by the core", in);
				} else {
					if (in != m_fifo.front())
						fail("READ: byte %" PRIu64 " is 0x%02x, the core sent 0x%02x", read, in,
						     m_fifo.front());
					m_fifo.pop_front();
					m_consumed++;
					read++;
				}
				left--;
			} else {
				check_length(in, pushed_first, pushed_last, i);
				if (i == 0)
					is_read = (cmd == CMD_READ);
				if (is_read)
					left = in & 0x7F;
			}
		}
		// mode 0: SCK is low again; CS rises after a half period, then stays high a while
		if (!cut_now) {
			run(half());
			cs = 1;
		}
		run(2 + (int)(m_rng() % 9));
		if (!m_rx.empty() && !reset_done)
			fail("WRITE: %zu bytes did not reach o_rx_valid (first 0x%02x)", m_rx.size(), m_rx.front());
		if (cmd == CMD_WRITE)
			n_write++;
		else if (cmd == CMD_READ)
			n_read++;
		else
			n_other++;
	}

	// Idle cycles with CS high.
	void idle(int n) { run(n); }

	size_t waiting() const { return m_fifo.size(); }
	uint64_t seed() const { return m_seed; }
	std::mt19937_64 &rng() { return m_rng; }

private:
	Testb<Vmmf_spi_slave> &m_tb;
	Vmmf_spi_slave *t;
	std::mt19937_64 m_rng;
	uint64_t m_seed;
	int sck = 0, cs = 1, mosi = 0;  // the pins the master drives
	std::deque<uint8_t> m_fifo;     // bytes the slave took from the core, not yet read by the host
	std::deque<uint8_t> m_rx;       // whole WRITE bytes not yet seen on o_rx_valid
	uint64_t m_pushed = 0;          // bytes the slave took from the core
	uint64_t m_consumed = 0;        // bytes the host read
	bool m_offer = false;           // the core is offering m_offer_data
	uint8_t m_offer_data = 0;
	int m_last_miso = -1;
	uint64_t m_stable = 0;          // cycles MISO has held its value
	uint8_t m_cmd = 0;

	int half() { return hmin + (int)(m_rng() % (uint64_t)(hmax - hmin + 1)); }

	void run(int n)
	{
		for (int i = 0; i < n; i++)
			cycle();
	}

	// One core cycle: pins in, the core's offer, the byte pulse checked, the clock.
	void cycle()
	{
		t->i_spi_sck = sck;
		t->i_spi_cs_n = cs;
		t->i_spi_mosi = mosi;
		if (!m_offer && std::uniform_real_distribution<double>(0, 1)(m_rng) < push_p) {
			m_offer = true;
			m_offer_data = (uint8_t)m_rng();
		}
		t->i_tx_valid = m_offer;
		t->i_tx_data = m_offer_data;
		m_tb.settle();
		bool taken = m_offer && t->o_tx_ready;
		if (m_offer && !t->o_tx_ready) {
			full_cycles++;
			// the FIFO says full only when it is: what the host has not read, less at most the byte
			// whose last bit was just clocked, fills it
			if (m_fifo.size() + 1 < TB_DEPTH && !t->i_reset)
				fail("o_tx_ready low with %zu bytes waiting (FIFO of %d)", m_fifo.size(), TB_DEPTH);
		}
		if (t->o_rx_valid) {
			if (m_cmd != CMD_WRITE || m_rx.empty()) {
				fail("o_rx_valid with 0x%02x, no WRITE byte pending", t->o_rx_data);
			} else {
				if (t->o_rx_data != m_rx.front())
					fail("WRITE: the core got 0x%02x, the host sent 0x%02x", t->o_rx_data, m_rx.front());
				m_rx.pop_front();
				written++;
			}
		}
		m_tb.tick();
		if (taken) {
			m_fifo.push_back(m_offer_data);
			m_pushed++;
			m_offer = false;
		}
		int miso = t->o_spi_miso;
		m_stable = (miso == m_last_miso) ? m_stable + 1 : 0;
		m_last_miso = miso;
	}

	// A length byte: MSB 0, and between the bytes waiting at its first edge and at its last.
	void check_length(uint8_t len, uint64_t pushed_first, uint64_t pushed_last, size_t at)
	{
		uint64_t lo = std::min<uint64_t>(127, pushed_first - m_consumed);
		uint64_t hi = std::min<uint64_t>(127, pushed_last - m_consumed);
		lengths++;
		if (len & 0x80)
			fail("length byte 0x%02x (byte %zu of a transaction) has its MSB set", len, at);
		else if (len < lo || len > hi)
			fail("length byte %u (byte %zu of a transaction): between %" PRIu64 " and %" PRIu64
			     " bytes were waiting", len, at, lo, hi);
	}

	void fail(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
	{
		if (errors++ < MAX_REPORTS) {
			va_list ap;
			va_start(ap, fmt);
			fprintf(stderr, "FAIL (seed %" PRIu64 ", cycle %" PRIu64 "): ", m_seed, m_tb.cycle);
			vfprintf(stderr, fmt, ap);
			fputc('\n', stderr);
			va_end(ap);
		}
	}
};

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 20000;
	o.count_help = "transactions of random kinds";
	if (!tb_parse(argc, argv, o, "N transactions of random kinds against rtl/mmf_spi_slave.v."))
		return 2;
	Testb<Vmmf_spi_slave> tb(argc, argv, o);
	auto *t = tb.top.get();
	t->i_spi_sck = 0;
	t->i_spi_cs_n = 1;
	t->i_spi_mosi = 0;
	t->i_tx_valid = 0;
	tb.reset();

	Bench b(tb, o.seed);
	auto &rng = b.rng();
	auto r = [&](uint64_t n) { return (int)(rng() % n); };
	// phases: SCK half periods and the core's offer rate
	struct Phase { int hmin, hmax; double push; } phases[] = {
		{2, 2, 0.3},    // at the limit: 2 + 2 core cycles per SCK period
		{2, 3, 1.0},    // the FT232H's 10 MHz at 48 MHz (4.8 cycles), the core flat out
		{2, 6, 0.02},   // random timing, a slow core
		{3, 12, 0.0},   // slow SCK, nothing offered: lengths 0, reads of nothing
		{2, 4, 0.6},
	};
	const int n_phases = sizeof(phases) / sizeof(phases[0]);
	for (uint64_t n = 0; n < o.count && b.errors == 0; n++) {
		const Phase &p = phases[(n / 500) % n_phases];
		b.hmin = p.hmin;
		b.hmax = p.hmax;
		b.push_p = p.push;
		int kind = r(100);
		uint8_t cmd;
		std::string pl;
		if (kind < 40) {
			cmd = CMD_WRITE;
			for (int i = r(25); i > 0; i--)
				pl.push_back((char)rng());
		} else if (kind < 88) {
			cmd = CMD_READ;
			// random filler: MOSI must be ignored in a READ
			for (int i = r(8) ? r(40) : r(200); i > 0; i--)
				pl.push_back((char)rng());
		} else {
			static const uint8_t others[] = {0x00, 0xFF, 0x03, 0x81, 0x42};
			cmd = r(2) ? others[r(5)] : (uint8_t)rng();
			if (cmd == CMD_WRITE || cmd == CMD_READ)
				cmd = 0x00;
			for (int i = r(10); i > 0; i--)
				pl.push_back((char)rng());
		}
		int cut_byte = -1, cut = 0, reset_at = -1;
		bool cut_high = false;
		if (r(100) < 12) {
			cut_byte = r((int)pl.size() + 1);
			cut = r(8);
			cut_high = r(2) && cut > 0;
		}
		if (r(1000) < 3 && !pl.empty())
			reset_at = 1 + r((int)pl.size());
		b.transaction(cmd, pl, cut_byte, cut, cut_high, reset_at);
		if (r(10) == 0)
			b.idle(r(50));
	}
	// drain: the core stops, the host reads until nothing waits
	b.push_p = 0;
	b.hmin = 2;
	b.hmax = 3;
	for (int i = 0; i < 200 && b.waiting() > 0; i++)
		b.transaction(CMD_READ, std::string(40, '\0'));
	if (b.waiting() > 0 && b.errors == 0) {
		fprintf(stderr, "FAIL (seed %" PRIu64 "): %zu bytes offered by the core were never read\n",
			o.seed, b.waiting());
		b.errors++;
	}
	printf("tb_spi: %" PRIu64 " transactions (%" PRIu64 " write, %" PRIu64 " read, %" PRIu64 " other, %" PRIu64
	       " cut by CS, %" PRIu64 " resets); %" PRIu64 " bytes to the core, %" PRIu64 " to the host, %" PRIu64
	       " lengths checked; FIFO full %" PRIu64 " cycles; MISO stable >= %" PRIu64 " cycles before each sample; "
	       "%" PRIu64 " errors, seed %" PRIu64 "\n",
	       b.n_write + b.n_read + b.n_other, b.n_write, b.n_read, b.n_other, b.n_cut, b.n_reset, b.written,
	       b.read, b.lengths, b.full_cycles, b.min_setup, b.errors, o.seed);
	return b.errors ? 1 : 0;
}
