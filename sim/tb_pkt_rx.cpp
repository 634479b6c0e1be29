// tb_pkt_rx.cpp: rtl/mmf_pkt_rx.v against packets built here with zlib's crc32(). Proves: every
// intact packet is received exactly (type, seq, len, payload) and in order; no damaged packet is ever
// reported good: a flipped byte anywhere (sync, header, payload, CRC), a truncated packet (dropped
// after the inter-byte timeout), a length beyond the maximum, garbage between packets, and a packet
// that starts inside a rejected header (found by the replay) all behave as docs/protocol.md says.
//
// Usage: tb_pkt_rx [--seed S] [--count N] [--trace FILE.fst --trace-from C --trace-to C]
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "Vmmf_pkt_rx.h"
#include "pkt_ref.h"
#include "testb.h"

struct Pkt {
	uint8_t type, seq;
	std::vector<uint8_t> payload;
};

static std::vector<uint8_t> encode(const Pkt &p) { return pkt_ref_encode(p.type, p.seq, p.payload); }

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 20000;
	o.count_help = "packets, intact and damaged";
	if (!tb_parse(argc, argv, o, "Sends N packets, intact and damaged on purpose, to rtl/mmf_pkt_rx.v and checks what it\n"
		      "delivers against packets built with zlib."))
		return 2;
	const uint64_t seed = o.seed, count = o.count;
	std::mt19937_64 rng(seed);
	Testb<Vmmf_pkt_rx> tb(argc, argv, o);
	auto *top = tb.top.get();
	top->i_valid = 0;
	tb.reset();

	const uint32_t timeout = 1u << 10;   // built with LG_TIMEOUT=10
	std::deque<Pkt> expect;              // intact packets, in order
	uint8_t buf[1024];
	uint64_t good = 0, crc_err = 0, hdr_err = 0, too_long = 0, timeouts = 0, sent_intact = 0;
	uint64_t damaged = 0, errors = 0;

	auto run_cycles = [&](uint32_t n) {
		for (uint32_t c = 0; c < n; c++) {
			tb.tick();
			if (top->o_buf_we)
				buf[top->o_buf_addr] = top->o_buf_data;
			good += top->o_good;
			crc_err += top->o_crc_err;
			hdr_err += top->o_hdr_err;
			too_long += top->o_too_long;
			timeouts += top->o_timeout;
			if (top->o_good) {
				if (expect.empty()) {
					fprintf(stderr, "FAIL seed %" PRIu64 ": a packet reported good that was never sent intact\n", seed);
					errors++;
					continue;
				}
				Pkt p = expect.front();
				expect.pop_front();
				if (top->o_type != p.type || top->o_seq != p.seq || top->o_len != p.payload.size() ||
				    (p.payload.size() && memcmp(buf, p.payload.data(), p.payload.size()))) {
					fprintf(stderr, "FAIL seed %" PRIu64 ": packet type %02x seq %u len %zu received as type %02x seq %u len %u\n",
						seed, p.type, p.seq, p.payload.size(), top->o_type, top->o_seq, top->o_len);
					errors++;
				}
			}
		}
	};
	auto send = [&](const std::vector<uint8_t> &bytes) {
		for (uint8_t b : bytes) {
			top->i_valid = 1;
			top->i_data = b;
			run_cycles(1);
			top->i_valid = 0;
			run_cycles(7 + (uint32_t)(rng() % 6));   // a link byte every 8..13 cycles
		}
	};

	for (uint64_t n = 0; n < count && !errors; n++) {
		Pkt p;
		p.type = (uint8_t)rng();
		p.seq = (uint8_t)n;
		size_t len = (rng() % 16 == 0) ? (size_t)(rng() % 1025) : (size_t)(rng() % 40);
		p.payload.resize(len);
		for (auto &v : p.payload)
			v = (uint8_t)rng();
		std::vector<uint8_t> bytes = encode(p);
		unsigned kind = (unsigned)(rng() % 100);
		if (kind < 8) {                         // one flipped bit anywhere
			bytes[rng() % bytes.size()] ^= (uint8_t)(1u << (rng() % 8));
			damaged++;
			send(bytes);
			// a damaged length may leave the receiver waiting: let the timeout clear it
			run_cycles(timeout + 8);
		} else if (kind < 12) {                 // truncated, then silence
			bytes.resize(1 + rng() % (bytes.size() - 1));
			damaged++;
			send(bytes);
			run_cycles(timeout + 8);
		} else if (kind < 14) {                 // a length beyond the maximum, good hchk
			std::vector<uint8_t> h = {0xA5, 0x5A, 0x10, 0, 0x01, 0x08};   // len 2049
			h.push_back((uint8_t)(0xFF ^ h[2] ^ h[3] ^ h[4] ^ h[5]));
			send(h);
			damaged++;
			expect.push_back(p);
			sent_intact++;
			send(bytes);
		} else if (kind < 18) {                 // the packet starts inside a rejected header
			std::vector<uint8_t> pre = {0xA5, 0x5A};
			for (unsigned i = rng() % 3; i > 0; i--)
				pre.push_back((uint8_t)rng());
			pre.insert(pre.end(), bytes.begin(), bytes.end());
			expect.push_back(p);
			sent_intact++;
			send(pre);
			run_cycles(timeout + 8);
		} else {
			if (kind < 30) {                   // garbage first (no A5 in it)
				std::vector<uint8_t> g(1 + rng() % 8);
				for (auto &v : g)
					v = (uint8_t)((rng() % 255 + 0xA6) & 0xFF) == 0xA5 ? 0 : (uint8_t)(rng() % 0xA5);
				send(g);
			}
			expect.push_back(p);
			sent_intact++;
			send(bytes);
		}
	}
	run_cycles(timeout + 16);

	// The timeout's edge, as hls_c/mmf_dev.c counts it: a packet is dropped when the gap between two
	// of its bytes (cycles from one arrival to the next) exceeds the timeout; a gap of exactly the
	// timeout still delivers it.
	for (uint32_t gap = timeout - 1; gap <= timeout + 1 && !errors; gap++) {
		Pkt p;
		p.type = 0x11;
		p.seq = (uint8_t)gap;
		p.payload = {1, 2, 3, 4};
		std::vector<uint8_t> bytes = encode(p);
		uint64_t good0 = good, timeouts0 = timeouts;
		expect.push_back(p);   // checked like any intact packet if it arrives
		for (size_t i = 0; i < bytes.size(); i++) {
			top->i_valid = 1;
			top->i_data = bytes[i];
			run_cycles(1);
			top->i_valid = 0;
			run_cycles(i == 8 ? gap - 1 : 7);   // the next byte arrives `gap` cycles later
		}
		bool delivered = good == good0 + 1, dropped = good == good0 && timeouts == timeouts0 + 1;
		if (gap <= timeout ? !delivered : !dropped) {
			fprintf(stderr, "FAIL seed %" PRIu64 ": a gap of %u cycles (timeout %u) %s the packet\n", seed, gap,
				timeout, delivered ? "delivered" : "dropped");
			errors++;
		}
		if (delivered)
			sent_intact++;
		else
			expect.pop_back();
		run_cycles(timeout + 16);
	}
	if (!expect.empty()) {
		fprintf(stderr, "FAIL seed %" PRIu64 ": %zu intact packets never received (first seq %u)\n", seed,
			expect.size(), expect.front().seq);
		errors++;
	}
	printf("tb_pkt_rx: %" PRIu64 " intact packets received exactly, %" PRIu64 " damaged sent (crc errors %" PRIu64
	       ", header errors %" PRIu64 ", too long %" PRIu64 ", timeouts %" PRIu64 "), %" PRIu64 " errors, seed %" PRIu64 "\n",
	       good, damaged, crc_err, hdr_err, too_long, timeouts, errors, seed);
	return errors ? 1 : 0;
}
