// tb_soc.cpp: the SoC against the board's C model (hls_c/mmf_dev.c), byte for byte: built once with
// sim/vboard_core.v (rtl/mmf_soc_core.v with the INA226 model) fed bytes directly (the fast mode), once, with -DTB_UART_DIV=D,
// through the UART (sim/vboard_uart.v: line bits at D cycles per bit), and once, with -DTB_SPI, as the
// UPduino v3's own top behind the host's SPI master (sim/vboard_spi.v: 10 MHz SCK, the link layer's
// WRITE and polled READ transactions; the lut engine alone, INFO as that board's), and, with
// -DTB_MEM_WORDS=N -DTB_TAC2_ONLY, as the iCE40HX8K-B-EVN's SoC (N words of block RAM, the tac engine
// with 2-bit codes alone), addresses at and past the end included, and, with -DTB_FT245, behind the
// FT245 synchronous FIFO PHY (sim/vboard_ft245.v: the iCEBreaker's engine set and I2C master, the
// core at 48 MHz, the bus at 60 MHz with the C model of the FT2232H's side, sim/ft245_chip.c, stalling
// at random; its protocol violations must be none). A stop-and-wait host sends random
// command sequences to both: every command of docs/protocol.md, bad lengths and arguments, damaged
// packets, repeats, wrong sequence numbers and unknown types, and I2C transfers to the INA226 model on
// the SoC's I2C lines (sim/ina226_model.v against its C twin hls_c/ina226_model.c: register writes,
// pointer-and-read, reads, addresses nobody answers); every answer must be identical (for
// READ_COUNTERS, all but the cycle and busy counters, which count real cycles in the RTL).
//
// Usage: tb_soc [--seed S] [--count N] [--verbose] [--trace FILE.fst --trace-from C --trace-to C]
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "mmf_dev.h"
#include "pkt_ref.h"
#include "testb.h"

#if defined(TB_FT245)
#include "Vvboard_ft245.h"
#include "ft245_clocks.h"
typedef Vvboard_ft245 Top;
static const uint32_t BYTE_CYCLES = 8;                  // the PHY's RX_SPACING: the core's fastest
#define TB_MODE "ft245"
#define TB_LUT_ONLY                                     // the iCEBreaker's engine set
#elif defined(TB_SPI)
#include "Vvboard_spi.h"
typedef Vvboard_spi Top;
static const uint32_t BYTE_CYCLES = 40;                 // 8 SCK periods at 10 MHz, 4.8 cycles each
#define TB_MODE "spi"
#define TB_LUT_ONLY                                     // the UPduino's engine set
#define TB_HANDSHAKE                                    // host bytes move when o_rx_ready says so
#elif defined(TB_UART_DIV)
#include "Vvboard_uart.h"
typedef Vvboard_uart Top;
static const uint32_t BYTE_CYCLES = 10 * TB_UART_DIV;   // a UART frame: start, 8 data, stop
#define TB_MODE "uart"
#define TB_HANDSHAKE
#else
#include "Vvboard_core.h"
typedef Vvboard_core Top;
static const uint32_t BYTE_CYCLES = 8;                  // fast mode: one link byte every 8 cycles
#define TB_MODE "fast"
#endif

struct Host {
	std::mt19937_64 rng;
	explicit Host(uint64_t s) : rng(s) {}
	uint32_t r(uint32_t n) { return n ? (uint32_t)(rng() % n) : 0; }
};

static void put16(std::vector<uint8_t> &v, uint32_t x)
{
	v.push_back((uint8_t)x);
	v.push_back((uint8_t)(x >> 8));
}

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 3000;
	o.count_help = "random commands";
	bool verbose = false;
	if (!tb_parse(argc, argv, o, "N random commands to the SoC (" TB_MODE " mode) and to hls_c/mmf_dev.c, stop-and-wait; every\n"
		      "answer must be identical.",
		      {tb_flag("--verbose", &verbose, "one line per command: type, length, the sizes of both answers")}))
		return 2;
	const uint64_t seed = o.seed, count = o.count;
	mmf_dev_cfg_t cfg = {};
	cfg.i2c = 1;                                        // the I2C master (not on the UPduino: below)
	cfg.board_id = MMF_BOARD_SIM;
	cfg.link = MMF_LINK_UART;
	cfg.clock_hz = 48000000;
	cfg.link_rate = 12000000;
#ifdef TB_SPI
	// boards/upduino3/upduino3_top.v: its board id, its link and the SCK rate its host sets
	cfg.board_id = MMF_BOARD_UPDUINO3;
	cfg.i2c = 0;                                        // built without the I2C master (upduino3_top.v)
	cfg.link = MMF_LINK_SPI;
	cfg.link_rate = 10000000;
#endif
#ifdef TB_FT245
	// rtl/mmf_soc_ft245.v in sim/vboard_ft245.v: link 2 (fifo), the bus's byte rate
	cfg.link = MMF_LINK_FIFO;
	cfg.link_rate = 60000000;
#endif
	cfg.git_rev = 0;
#ifdef TB_MEM_WORDS
	// a weight memory other than the four SPRAMs (built with -GMEM_WORDS=TB_MEM_WORDS: block RAM)
	const uint32_t mem = TB_MEM_WORDS;
#else
	const uint32_t mem = MMF_WMEM_WORDS;
#endif
	cfg.wmem_words = mem;
#if defined(TB_TAC2_ONLY)
	// the iCE40HX8K-B-EVN's SoC: the tac engine alone, 2-bit codes, 32 lanes (built with -GENG_SAC=0
	// -GENG_LUT=0 -GTAC_FMT=0 -GTAC_LANES=32)
	cfg.i2c = 0;                                        // no I2C master (hx8k_evn_top.v)
	cfg.n_engines = 1;
	mmf_eng_slot(MMF_FMT_TAC2, &cfg.engine[0]);           // the engine table's tac2 slot
	const uint32_t lanes[3] = {32, 32, 32}, maxk[3] = {8192, 8192, 8192};
#elif defined(TB_LUT_ONLY)
	// the iCEBreaker's SoC: the lut engine alone (built with -GENG_TAC=0 -GENG_SAC=0)
	cfg.n_engines = 1;
	mmf_eng_slot(MMF_FMT_LUT3, &cfg.engine[0]);           // the engine table's lut3 slot
	const uint32_t lanes[3] = {36, 36, 36}, maxk[3] = {1152, 1152, 1152};
#else
	// the SoC's default slots (the engine table's mmf_soc_formats, as rtl/mmf_soc_core.v's defaults)
	cfg.n_engines = MMF_SOC_SLOTS;
	for (int i = 0; i < MMF_SOC_SLOTS; i++)
		mmf_eng_slot(mmf_soc_formats[i], &cfg.engine[i]);
	const uint32_t lanes[3] = {40, 16, 36}, maxk[3] = {10240, 4096, 1152};
#endif
	std::unique_ptr<mmf_dev_t> dev(new mmf_dev_t);
	if (mmf_dev_init(dev.get(), &cfg) != 0) {
		fprintf(stderr, "tb_soc: the C model refused the configuration\n");
		return 2;
	}
	Testb<Top> tb(argc, argv, o);
	auto *top = tb.top.get();
	// the INA226 on the I2C lines, its readings the same random values on both sides
	std::mt19937_64 vrng(seed ^ 0x1226);
	uint16_t ina_shunt = (uint16_t)vrng(), ina_bus = (uint16_t)(vrng() & 0x7FFF);
	mmf_i2c_bus_init(&dev->i2c, 1, INA226_ADDR_DEFAULT, ina_shunt, ina_bus);
	top->i_ina_present = 1;
	top->i_ina_shunt = ina_shunt;
	top->i_ina_bus = ina_bus;
#ifdef TB_FT245
	// the FT2232H on the bus, stalling at random; two clocks (48 MHz core, 60 MHz bus)
	std::unique_ptr<mmf_ft245_chip_t> chip(new mmf_ft245_chip_t);
	mmf_ft245_chip_init(chip.get(), seed * 2654435761u + 1);
	mmf_ft245_chip_stalls(chip.get(), 5, 20);
	Ft245Clocks<Top> clocks(tb, chip.get());
	clocks.set_clocks(20833333, 16666667, vrng() % 16666667);
	top->i_rxf_n = 1;
	top->i_txe_n = 1;
	auto tick = [&]() { clocks.tick(); };
	clocks.reset(4);
	uint64_t host_sent = 0, core_got = 0;   // host bytes queued in the chip; byte pulses at the core
	uint8_t host_byte = 0;
	bool host_pending = false;
#else
	auto tick = [&]() { tb.tick(); };
	top->i_rx_valid = 0;
	top->i_tx_ready = 1;
	tb.reset();
#endif
#if defined(TB_SPI) || defined(TB_FT245)
	// the board's own reset runs out after configuration; a transaction begun before it is ignored
	// (the slave waits for CS high), so the host waits as transport_sim.cpp does
	for (int c = 0; c < 64; c++)
		tick();
#endif

	Host h(seed);
	// a first address for n words: mostly inside the memory, some at its end (a few of those running
	// past it), a few anywhere in the 16-bit field
	auto addr_for = [&](uint32_t n) -> uint32_t {
		uint32_t last = n <= mem ? mem - n : 0;     // the last first address that fits
		uint32_t p = h.r(16);
		return p < 12 ? h.r(last + 1) : p < 15 ? last + h.r(3) : h.r(65536);
	};
	const uint32_t n_eng = cfg.n_engines;
	uint32_t kload[3] = {0, 0, 0};
	uint64_t errors = 0, answers = 0, silent = 0, by_type[256] = {0};

	for (uint64_t n = 0; n < count && !errors; n++) {
		uint8_t seq = (uint8_t)(dev->last_seq + 1);
		std::vector<uint8_t> pl;
		uint8_t type;
		uint32_t pick = n == 0 ? 0 : h.r(100);
		if (pick < 3) {
			type = MMF_CMD_SYNC;
		} else if (pick < 6) {
			type = MMF_CMD_INFO;
		} else if (pick < 20) {
			type = MMF_CMD_WRITE_MEM;
			uint32_t words = h.r(8) ? 1 + h.r(8) : h.r(128);
			put16(pl, addr_for(words));
			for (uint32_t i = 0; i < 8 * words; i++)
				pl.push_back((uint8_t)h.rng());
		} else if (pick < 30) {
			type = MMF_CMD_READ_MEM;
			uint32_t c = h.r(8) ? h.r(20) : h.r(200);
			put16(pl, addr_for(c));
			put16(pl, c);
		} else if (pick < 50) {
			type = MMF_CMD_LOAD_ACT;
			uint32_t e = h.r(20) ? h.r(n_eng) : h.r(64);
			uint32_t k = h.r(4) ? 1 + h.r(std::min(maxk[e % 3], 200u)) : h.r(1100);
			bool more = h.r(4) == 0;
			bool first = h.r(3) == 0;
			pl.push_back((uint8_t)(e | (more ? MMF_LOAD_MORE : 0) | (first ? MMF_LOAD_FIRST : 0)));
			for (uint32_t i = 0; i < k && pl.size() < MMF_MAX_PAYLOAD; i++)
				pl.push_back((uint8_t)h.rng());
			if (e < n_eng && !more)
				kload[e] = k;
		} else if (pick < 70) {
			type = MMF_CMD_RUN;
			uint32_t e = h.r(20) ? h.r(n_eng) : h.r(5);
			uint32_t wpr = e < n_eng && kload[e] ? (kload[e] + lanes[e] - 1) / lanes[e] : 1 + h.r(4);
			uint32_t words = h.r(10) ? wpr * (1 + h.r(12)) : h.r(3000);
			pl.push_back((uint8_t)e);
			put16(pl, addr_for(words));
			put16(pl, words);
		} else if (pick < 85) {
			type = MMF_CMD_READ_RES;
			uint32_t c = h.r(10) ? h.r(16) : h.r(300);
			put16(pl, h.r(10) ? h.r(4) : h.r(300));
			put16(pl, c);
		} else if (pick < 90) {
			type = MMF_CMD_READ_COUNTERS;
		} else if (pick < 93) {
			type = MMF_CMD_CLEAR_COUNTERS;
		} else if (pick < 95) {
			type = MMF_CMD_RESET;
		} else if (pick < 98) {
			// I2C: mostly the INA226's own transfers (a register write, a pointer then 2 bytes, a
			// read), sometimes another address (nobody answers), a bad address or count
			static const uint8_t regs[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xFE, 0xFF};
			type = MMF_CMD_I2C;
			uint32_t a = h.r(6) ? INA226_ADDR_DEFAULT : h.r(20) ? h.r(128) : h.r(256);
			uint32_t form = h.r(4);
			uint32_t nr = form == 0 ? 0 : form == 3 ? h.r(6) : 2;
			uint32_t nw = form == 0 ? 3 : form == 1 ? 1 : form == 2 ? 0 : h.r(4);
			pl.push_back((uint8_t)a);
			pl.push_back((uint8_t)nr);
			for (uint32_t i = 0; i < nw; i++) {
				uint8_t b = i == 0 ? regs[h.r(sizeof regs)] : (uint8_t)h.rng();
				if (i == 1 && h.r(4))
					b &= 0x7F;  // config writes mostly without the reset bit
				pl.push_back(b);
			}
			if (h.r(20) == 0)
				pl.push_back((uint8_t)h.rng());   // one byte too many
		} else {
			type = (uint8_t)h.rng();   // usually unknown
		}
		// damage on purpose: a bad length, a repeat, a wrong sequence number
		uint32_t fault = h.r(100);
		if (fault < 4 && !pl.empty())
			pl.pop_back();
		else if (fault < 8)
			seq = dev->last_seq;
		else if (fault < 10)
			seq = (uint8_t)h.rng();
		std::vector<uint8_t> bytes = pkt_ref_encode(type, seq, pl);
		if (fault >= 10 && fault < 14)
			bytes[h.r((uint32_t)bytes.size())] ^= (uint8_t)(1u << h.r(8));
		by_type[type]++;

		// both boards get the bytes
		std::vector<uint8_t> want, got;
		uint8_t b;
#ifdef TB_FT245
		auto cycle = [&]() -> bool {   // one core clock; true if a host byte moved (into the chip)
			bool moved = false;
			if (host_pending && mmf_ft245_chip_host_write(chip.get(), host_byte) == 0) {
				moved = true;
				host_pending = false;
				host_sent++;
			}
			uint8_t y;
			while (mmf_ft245_chip_host_read(chip.get(), &y) == 0)
				got.push_back(y);
			tb.settle();
			core_got += top->o_core_rx_valid;
			tick();
			return moved;
		};
#else
		auto cycle = [&]() -> bool {   // one clock; true if a host byte moved
			tb.settle();
			if (top->o_tx_valid)
				got.push_back(top->o_tx_data);
#ifdef TB_HANDSHAKE
			bool moved = top->i_rx_valid && top->o_rx_ready;
#else
			bool moved = top->i_rx_valid;
#endif
			tb.tick();
			return moved;
		};
#endif
		for (uint8_t x : bytes) {
			mmf_dev_rx(dev.get(), x);
			mmf_dev_tick(dev.get(), BYTE_CYCLES);
#ifdef TB_FT245
			host_byte = x;
			host_pending = true;
#else
			top->i_rx_valid = 1;
			top->i_rx_data = x;
#endif
			uint32_t c = 1;
			while (!cycle())
				c++;
#ifndef TB_FT245
			top->i_rx_valid = 0;
#endif
#if !defined(TB_SPI) && !defined(TB_FT245)
			for (; c < BYTE_CYCLES; c++)
				cycle();
#else
			// the master takes the next byte as the last one's eighth bit goes out (SPI), the
			// chip queues it (FT245): offer it at once, so the link carries the packet in one go
			(void)c;
#endif
		}
#ifdef TB_FT245
		// the chip queued the packet at once; the PHY hands it to the core a byte per 8 cycles:
		// wait until the core has had every byte, as the other links' loops do byte by byte
		for (uint64_t w = 0; core_got < host_sent && w < 100000; w++)
			cycle();
#endif
		while (mmf_dev_tx(dev.get(), &b))
			want.push_back(b);
		// let the RTL finish: a damaged header may leave it waiting for bytes (then the timeout)
		uint64_t guard = tb.cycle + 300000, quiet = 0;
		while (tb.cycle < guard && (got.size() < want.size() || quiet < 3000)) {
			size_t before = got.size();
			cycle();
			quiet = got.size() != before ? 0 : quiet + 1;
		}
		if (want.empty() && got.empty()) {
			// both silent, e.g. a damaged header: send enough idle for both timeouts
			silent++;
			mmf_dev_tick(dev.get(), MMF_RX_TIMEOUT_CYCLES + 16);
			for (uint32_t c = 0; c < MMF_RX_TIMEOUT_CYCLES + 16; c++)
				tick();
			continue;
		}
		if (verbose)
			printf("cmd %" PRIu64 " type %02x seq %u len %zu fault %u -> C %zu bytes (type %02x status %02x), RTL %zu bytes\n",
			       n, type, seq, pl.size(), fault, want.size(), want.size() > 7 ? want[2] : 0,
			       want.size() > 7 ? want[7] : 0, got.size());
		bool same = want == got;
		if (!same && type == MMF_CMD_READ_COUNTERS && want.size() == got.size() && want.size() == 7 + 49 + 4) {
			// counters 0..3 (cycles, busy) are real cycles in the RTL and modelled in C
			same = std::equal(want.begin(), want.begin() + 8, got.begin()) &&
			       std::equal(want.begin() + 8 + 16, want.end() - 4, got.begin() + 8 + 16);
		}
		if (!same) {
			fprintf(stderr, "MISMATCH seed %" PRIu64 " command %" PRIu64 " type %02x seq %u len %zu fault %u\n  C  :",
				seed, n, type, seq, pl.size(), fault);
			for (size_t i = 0; i < want.size() && i < 48; i++)
				fprintf(stderr, " %02x", want[i]);
			fprintf(stderr, "%s\n  RTL:", want.size() > 48 ? " ..." : "");
			for (size_t i = 0; i < got.size() && i < 48; i++)
				fprintf(stderr, " %02x", got[i]);
			fprintf(stderr, "%s (%zu vs %zu bytes)\n", got.size() > 48 ? " ..." : "", want.size(), got.size());
			errors++;
		}
		answers++;
		// both idle for a moment before the next command
		mmf_dev_tick(dev.get(), 64);
		for (int c = 0; c < 64; c++)
			tick();
	}
#ifdef TB_FT245
	// the FT2232H's side of the bus saw no broken rule
	uint64_t violations = mmf_ft245_chip_violations(chip.get());
	for (int i = 0; i < MMF_FT245_N_RULES; i++)
		if (chip->violations[i])
			fprintf(stderr, "protocol: %s: %" PRIu64 " times\n", mmf_ft245_rule_name(i), chip->violations[i]);
	if (violations)
		errors++;
	printf("tb_soc (" TB_MODE "): %" PRIu64 " bytes to the board and %" PRIu64 " to the host on the bus, %" PRIu64
	       " protocol violations\n", chip->read_bytes, chip->written_bytes, violations);
#endif
	printf("tb_soc (" TB_MODE "): %" PRIu64 " answers identical to hls_c/mmf_dev.c (%" PRIu64 " silent drops), %" PRIu64
	       " mismatches, %" PRIu64 " cycles, seed %" PRIu64 "\n", answers, silent, errors, tb.cycle, seed);
	return errors ? 1 : 0;
}
