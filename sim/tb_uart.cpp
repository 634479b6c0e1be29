// tb_uart.cpp: checks rtl/mmf_uart_tx.v and rtl/mmf_uart_rx.v through sim/tb_uart_top.v.
//  1. loopback: at each divisor, random bytes with random gaps go tx -> line -> rx and must arrive
//     equal and in order, with no frame error; each byte must be taken exactly when the transmitter
//     can take it: 10 * div cycles after the one before if it was waiting (back to back), else at once.
//  2. throughput: a burst with valid always high takes exactly 10 * div cycles per byte.
//  3. rate mismatch: the receiver's divisor 2% off the transmitter's (104 against 102 and 106).
//  4. frame errors: the line inverted for a whole stop bit gives one o_frame_err and no byte; the byte
//     after it arrives.
//  5. the receiver alone, on waveforms built here with fractional bit times: rate error -2%, 0, +2%
//     at every divisor, back to back and with gaps, mixed with low glitches up to half a bit (to be
//     ignored), bad stop bits and breaks (one frame error each).
//  6. a scan of the rate error the receiver tolerates at each divisor (printed, not judged).
//
// Usage: tb_uart [--seed S] [--count N] [--no-scan] [--trace FILE.fst --trace-from C --trace-to C]
// N is the number of loopback bytes per divisor. Exit 0 when every byte and error arrived as expected.
#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "testb.h"
#include "Vtb_uart_top.h"

static const int FRAME_ERR = -1;                     // an expected event that is not a byte
static const unsigned DIVS[] = {4, 5, 7, 16, 104};   // 12 Mbaud .. 460800 baud at 48 MHz
static const unsigned MAX_REPORTS = 20;              // errors printed in full

// A line level per clock cycle, built from segments of fractional length: cycle k takes the level
// of the segment that holds time k.
struct Wave {
	std::vector<uint8_t> level;
	double t = 0;

	void seg(int v, double dur)
	{
		t += dur;
		while ((double)level.size() < t)
			level.push_back((uint8_t)v);
	}
	void frame(unsigned byte, int stop, double bit)
	{
		seg(0, bit);
		for (int i = 0; i < 8; i++)
			seg((byte >> i) & 1, bit);
		seg(stop, bit);
	}
};

class Bench {
public:
	uint64_t bytes = 0;          // bytes received and checked
	uint64_t frame_errs = 0;     // frame errors received where one was expected
	uint64_t back_to_back = 0;   // bytes taken exactly 10 * div after the one before
	uint64_t errors = 0;

	Bench(Testb<Vtb_uart_top> &tb, uint64_t seed) : m_tb(tb), m_rng(seed), m_seed(seed) {}

	// Random bytes with random gaps from the transmitter to the receiver.
	void loopback(const char *phase, unsigned div, unsigned div_rx, uint64_t n)
	{
		Vtb_uart_top *t = begin(phase, div, div_rx);
		uint64_t sent = 0, last = 0, offered = 0, gap = 0;
		bool have_last = false;
		while (sent < n && m_errors_here == 0) {
			if (!t->i_valid) {
				if (gap) {
					gap--;
				} else {
					t->i_valid = 1;
					t->i_data = m_rng() & 0xFF;
					offered = m_tb.cycle;
				}
			}
			uint64_t c = m_tb.cycle;
			if (clock()) {
				uint64_t want = have_last ? std::max(last + 10 * div, offered) : offered;
				if (c != want)
					fail("byte %" PRIu64 " taken at cycle %" PRIu64 ", expected %" PRIu64
					     " (previous taken at %" PRIu64 ", offered at %" PRIu64 ")",
					     sent, c, want, last, offered);
				if (have_last && offered <= last + 10 * div)
					back_to_back++;
				have_last = true;
				last = c;
				sent++;
				t->i_valid = 0;
				gap = draw_gap(div);
			} else if (t->i_valid && m_tb.cycle - offered > 20 * div) {
				fail("the transmitter has not taken a byte for %" PRIu64 " cycles", m_tb.cycle - offered);
			}
		}
		drain(div_rx);
	}

	// valid always high: returns the cycles per byte between the first and the last of n bytes.
	double burst(unsigned div, uint64_t n)
	{
		Vtb_uart_top *t = begin("burst", div, div);
		uint64_t first = 0, last = 0, taken = 0, start = m_tb.cycle;
		t->i_valid = 1;
		t->i_data = m_rng() & 0xFF;
		while (taken < n && m_tb.cycle - start < 20 * div * n) {
			uint64_t c = m_tb.cycle;
			if (clock()) {
				if (taken++ == 0)
					first = c;
				last = c;
				t->i_data = m_rng() & 0xFF;
			}
		}
		t->i_valid = 0;
		drain(div);
		double per = taken > 1 ? (double)(last - first) / (double)(taken - 1) : 0;
		if (taken != n || last - first != (n - 1) * 10 * div)
			fail("%" PRIu64 " of %" PRIu64 " bytes in %" PRIu64 " cycles: %.3f cycles per byte, expected %u",
			     taken, n, last - first, per, 10 * div);
		return per;
	}

	// Odd-numbered bytes get their stop bit inverted: a frame error instead of the byte.
	void frame_errors(unsigned div, unsigned n)
	{
		Vtb_uart_top *t = begin("frame-error", div, div);
		for (unsigned i = 0; i < n && m_errors_here == 0; i++) {
			bool flip = (i % 2 == 1);
			t->i_valid = 1;
			t->i_data = m_rng() & 0xFF;
			uint64_t offered = m_tb.cycle;
			while (!clock()) {
				if (m_tb.cycle - offered > 20 * div) {
					fail("the transmitter does not take a byte");
					return;
				}
			}
			uint64_t c = m_tb.cycle - 1;   // taken in this cycle: the stop bit is c+9div+1 .. c+10div
			t->i_valid = 0;
			if (flip)
				m_expect.back() = FRAME_ERR;
			uint64_t end = c + 10 * div + 1 + m_rng() % (2 * div);
			while (m_tb.cycle <= end) {
				t->i_flip = flip && m_tb.cycle > c + 9 * div && m_tb.cycle <= c + 10 * div;
				clock();
			}
			t->i_flip = 0;
		}
		drain(div);
	}

	// The receiver alone on a waveform with bit time div * rate; mixed events unless clean.
	// Returns the errors seen.
	uint64_t direct(unsigned div, double rate, unsigned n, bool clean)
	{
		Vtb_uart_top *t = begin(clean ? "scan" : "direct", div, div);
		std::uniform_real_distribution<double> u01(0.0, 1.0);
		double bit = div * rate;
		Wave w;
		w.seg(1, 3 + u01(m_rng) * bit);
		for (unsigned i = 0; i < n; i++) {
			unsigned r = clean ? 99 : m_rng() % 100, b = m_rng() & 0xFF;
			if (r < 4) {
				// a low glitch the start-bit check must drop
				w.seg(0, 1 + m_rng() % (div / 2));
				w.seg(1, div + u01(m_rng) * 2 * div);
			} else if (r < 7) {
				w.frame(b, 0, bit);
				m_expect.push_back(FRAME_ERR);
				w.seg(1, 2 + u01(m_rng) * 2 * bit);
			} else if (r < 9) {
				// a break: one frame error, then nothing until the line is high again
				w.seg(0, (10 + u01(m_rng) * 20) * bit);
				m_expect.push_back(FRAME_ERR);
				w.seg(1, 2 + u01(m_rng) * 2 * bit);
			} else {
				w.frame(b, 1, bit);
				m_expect.push_back((int)b);
				if (!clean && (m_rng() & 1))
					w.seg(1, u01(m_rng) * 3 * bit);
			}
		}
		t->i_direct = 1;
		for (size_t k = 0; k < w.level.size() && m_errors_here == 0; k++) {
			t->i_line = w.level[k];
			clock();
		}
		t->i_line = 1;
		drain(div);
		return m_errors_here;
	}

	// The rate errors, in steps of 0.25%, that the receiver takes on n back-to-back frames.
	void scan(unsigned div, unsigned n, double *lo, double *hi)
	{
		m_quiet = true;
		int k;
		for (k = 1; k <= 40 && direct(div, 1.0 - 0.0025 * k, n, true) == 0; k++)
			;
		*lo = -0.25 * (k - 1);
		for (k = 1; k <= 40 && direct(div, 1.0 + 0.0025 * k, n, true) == 0; k++)
			;
		*hi = 0.25 * (k - 1);
		m_quiet = false;
	}

private:
	Testb<Vtb_uart_top> &m_tb;
	std::mt19937_64 m_rng;
	uint64_t m_seed;
	std::deque<int> m_expect;     // bytes (0..255) and FRAME_ERR, in the order they must arrive
	const char *m_phase = "";
	unsigned m_div = 0, m_div_rx = 0;
	uint64_t m_errors_here = 0;   // in this phase
	bool m_quiet = false;         // count errors in m_errors_here only (the scan)

	Vtb_uart_top *begin(const char *phase, unsigned div, unsigned div_rx)
	{
		Vtb_uart_top *t = m_tb.top.get();
		m_phase = phase;
		m_div = div;
		m_div_rx = div_rx;
		m_errors_here = 0;
		m_expect.clear();
		// reset first: the transmitter's assumptions let the inputs change only under reset
		t->i_reset = 1;
		m_tb.tick();
		t->i_valid = 0;
		t->i_data = 0;
		t->i_flip = 0;
		t->i_direct = 0;
		t->i_line = 1;
		t->i_div = div;
		t->i_div_rx = div_rx;
		m_tb.reset();
		return t;
	}

	// One cycle; returns whether the transmitter took a byte in it.
	bool clock()
	{
		Vtb_uart_top *t = m_tb.top.get();
		m_tb.settle();
		bool take = t->i_valid && t->o_ready;
		if (take)
			m_expect.push_back(t->i_data);
		m_tb.tick();
		if (t->o_rx_valid)
			got(t->o_rx_data);
		if (t->o_frame_err)
			got(FRAME_ERR);
		return take;
	}

	void got(int ev)
	{
		if (m_expect.empty()) {
			fail("unexpected %s%02x", ev == FRAME_ERR ? "frame error " : "byte ", ev & 0xFF);
			return;
		}
		int want = m_expect.front();
		m_expect.pop_front();
		if (ev != want)
			fail("got %s %02x, expected %s %02x", ev == FRAME_ERR ? "frame error" : "byte", ev & 0xFF,
			     want == FRAME_ERR ? "frame error" : "byte", want & 0xFF);
		else if (!m_quiet && ev == FRAME_ERR)
			frame_errs++;
		else if (!m_quiet)
			bytes++;
	}

	void drain(unsigned div_rx)
	{
		for (unsigned i = 0; i < 12 * div_rx + 8; i++)
			clock();
		if (!m_expect.empty())
			fail("%zu events never arrived", m_expect.size());
	}

	// Cycles after a byte is taken before the next is offered: mostly while the byte is still on the
	// line (so it waits and must go back to back), sometimes after the line went idle.
	uint64_t draw_gap(unsigned div)
	{
		unsigned r = m_rng() % 100;
		if (r < 40)
			return 0;
		if (r < 60)
			return 1 + m_rng() % 3;
		if (r < 80)
			return 1 + m_rng() % (10 * div);
		return 10 * div + m_rng() % (3 * div);   // 10 * div - 1: offered in the idle cycle itself
	}

	void fail(const char *fmt, ...)
	{
		m_errors_here++;
		if (m_quiet)
			return;
		if (++errors > MAX_REPORTS)
			return;
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		fprintf(stderr, "ERROR tb_uart %s div %u rx div %u seed %" PRIu64 " cycle %" PRIu64 ": %s\n",
			m_phase, m_div, m_div_rx, m_seed, m_tb.cycle, msg);
	}
};

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 20000;
	o.count_help = "loopback bytes per divisor";
	bool no_scan = false;
	if (!tb_parse(argc, argv, o, "Checks the UART transmitter and receiver (N loopback bytes per divisor). "
		      "Exit 0 when all\narrive as expected.",
		      {tb_flag("--no-scan", &no_scan, "skip the receiver's tolerance scan")}))
		return 2;
	const bool scan = !no_scan;
	Testb<Vtb_uart_top> tb(argc, argv, o);
	Bench b(tb, o.seed);

	for (unsigned div : DIVS)
		b.loopback("loopback", div, div, o.count);
	std::string per;
	for (unsigned div : DIVS) {
		char s[48];
		snprintf(s, sizeof s, " %u:%.0f", div, b.burst(div, 200));
		per += s;
	}
	printf("tb_uart: back-to-back cycles per byte at div%s (10 * div); %" PRIu64
	       " loopback bytes taken exactly 10 * div after the one before\n", per.c_str(), b.back_to_back);
	b.loopback("mismatch", 104, 102, o.count / 4);
	b.loopback("mismatch", 104, 106, o.count / 4);
	for (unsigned div : DIVS)
		b.frame_errors(div, 200);
	unsigned n_direct = (unsigned)std::max<uint64_t>(o.count / 10, 100);
	for (unsigned div : DIVS)
		for (double rate : {0.98, 1.0, 1.02})
			b.direct(div, rate, n_direct, false);
	if (scan) {
		for (unsigned div : DIVS) {
			double lo, hi;
			b.scan(div, 300, &lo, &hi);
			printf("tb_uart: rx at div %3u takes a transmitter bit time %+.2f%% .. %+.2f%% off "
			       "(300 back-to-back frames per 0.25%% step)\n", div, lo, hi);
		}
	}
	printf("tb_uart: divisors 4 5 7 16 104, loopback, burst, 2%% mismatch, stop-bit flips, rx alone at "
	       "-2/0/+2%%: %" PRIu64 " frame errors as expected, %" PRIu64 " bytes checked, %" PRIu64 " errors\n",
	       b.frame_errs, b.bytes, b.errors);
	return b.errors ? 1 : 0;
}
