// tb_i2c.cpp: the I2C master (rtl/mmf_i2c_master.v) against the INA226 model (sim/ina226_model.v),
// every byte and acknowledge compared with the C bus of hls_c/mmf_i2c.c (the same model in C): random
// transfers of START, address (mostly the INA226's 0x40, sometimes an address nobody answers: a NAK),
// register writes (pointer, MSB, LSB, extra bytes), reads of 1..6 bytes acknowledged but the last,
// repeated STARTs and STOPs. Also checks SCL's high and low times against the mode's minimums (fast
// mode: 0.6 us high, 1.3 us low; standard: 4.0 and 4.7 us); that SDA changes under a high SCL only
// for START and STOP is a proof (tests/test_formal.sh).
//
// Usage: tb_i2c [--seed S] [--count N] [--trace FILE.fst --trace-from C --trace-to C]
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "Vtb_i2c_top.h"
#include "mmf_i2c.h"
#include "testb.h"

static const uint8_t REGS[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xFE, 0xFF, 0x10};

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 400;
	o.count_help = "random transfers";
	if (!tb_parse(argc, argv, o, "N random transfers of the I2C master (" + std::to_string(I2C_HZ) + " Hz) against the INA226 model, "
		      "every byte and\nacknowledge compared with hls_c/mmf_i2c.c, SCL's high and low times checked."))
		return 2;
	const uint64_t seed = o.seed, count = o.count;
	std::mt19937_64 rng(seed);
	auto r = [&](uint32_t n) { return (uint32_t)(rng() % n); };
	Testb<Vtb_i2c_top> tb(argc, argv, o);
	auto *top = tb.top.get();
	uint16_t shunt = (uint16_t)rng(), bus = (uint16_t)(rng() & 0x7FFF);
	top->i_present = 1;
	top->i_shunt = shunt;
	top->i_bus = bus;
	top->i_cmd_valid = 0;
	tb.reset();
	mmf_i2c_bus_t c;
	mmf_i2c_bus_init(&c, 1, INA226_ADDR_DEFAULT, shunt, bus);

	// the line checks, every cycle
	const double cyc_ns = 1e9 / 48e6;
	const double min_high = I2C_HZ > 100000 ? 600 : 4000, min_low = I2C_HZ > 100000 ? 1300 : 4700;
	uint64_t errors = 0, line_errors = 0, since = 0, naks = 0, bytes = 0;
	int pscl = 1;
	bool seen_edge = false;
	auto tick = [&]() {
		tb.tick();
		int scl = top->o_scl;
		since++;
		if (scl != pscl) {
			double t = since * cyc_ns;
			if (seen_edge && ((pscl && t < min_high) || (!pscl && t < min_low))) {
				if (line_errors++ < 5)
					fprintf(stderr, "SCL %s for %.0f ns at cycle %" PRIu64 "\n", pscl ? "high" : "low", t,
						tb.cycle);
			}
			seen_edge = true;
			since = 0;
		}
		pscl = scl;
	};
	// one master command; returns the outcome
	auto cmd = [&](int kind, uint8_t data, int ack, uint8_t *rdata, int *nak) {
		while (!top->o_cmd_ready)
			tick();
		top->i_cmd_valid = 1;
		top->i_cmd = kind;
		top->i_data = data;
		top->i_ack = ack;
		tick();
		top->i_cmd_valid = 0;
		uint64_t guard = tb.cycle + 100000;
		while (!top->o_done && tb.cycle < guard)
			tick();
		if (!top->o_done) {
			fprintf(stderr, "command %d never finished\n", kind);
			exit(1);
		}
		if (rdata)
			*rdata = top->o_rdata;
		if (nak)
			*nak = top->o_nak;
		tick();
	};
	bool open = false;                   // a transfer is under way (no STOP yet)
	uint64_t transfers = 0;              // begun (all of them, unless one failed)
	for (uint64_t n = 0; n < count && !errors; n++) {
		transfers++;
		uint8_t addr = r(5) ? INA226_ADDR_DEFAULT : (uint8_t)r(128);
		int rd = r(2);
		uint8_t ab = (uint8_t)(addr << 1 | rd), got;
		int nak;
		cmd(0, 0, 0, nullptr, nullptr);
		open = true;
		cmd(1, ab, 0, nullptr, &nak);
		uint8_t want_ack = mmf_i2c_start(&c, ab);
		bytes++;
		if (nak != !want_ack) {
			fprintf(stderr, "MISMATCH transfer %" PRIu64 ": address byte %02x: RTL %s, C %s\n", n, ab,
				nak ? "NAK" : "ACK", want_ack ? "ACK" : "NAK");
			errors++;
			break;
		}
		if (nak) {
			naks++;
			cmd(3, 0, 0, nullptr, nullptr);
			mmf_i2c_stop(&c);
			open = false;
			continue;
		}
		if (!rd) {
			uint32_t nw = r(5);
			for (uint32_t i = 0; i < nw; i++) {
				uint8_t b = i == 0 ? REGS[r(sizeof REGS)] : (uint8_t)rng();
				if (i == 1 && r(3) == 0)
					b &= 0x7F;          // config writes mostly without the reset bit
				cmd(1, b, 0, nullptr, &nak);
				uint8_t w = mmf_i2c_write(&c, b);
				bytes++;
				if (nak != !w) {
					fprintf(stderr, "MISMATCH transfer %" PRIu64 ": write %02x: RTL %s\n", n, b, nak ? "NAK" : "ACK");
					errors++;
				}
			}
		} else {
			uint32_t nr = 1 + r(6);
			for (uint32_t i = 0; i < nr; i++) {
				cmd(2, 0, i + 1 < nr, &got, nullptr);
				uint8_t w = mmf_i2c_read(&c);
				bytes++;
				if (got != w) {
					fprintf(stderr, "MISMATCH transfer %" PRIu64 ": read byte %u of %u: RTL %02x, C %02x (ptr %02x)\n",
						n, i, nr, got, w, c.ina.ptr);
					errors++;
				}
			}
		}
		if (r(4)) {                      // else a repeated START follows
			cmd(3, 0, 0, nullptr, nullptr);
			mmf_i2c_stop(&c);
			open = false;
		}
	}
	if (open)
		cmd(3, 0, 0, nullptr, nullptr);
	errors += line_errors;
	printf("tb_i2c (%d Hz): %" PRIu64 " transfers, %" PRIu64 " bytes, %" PRIu64 " address NAKs, %" PRIu64
	       " mismatches, %" PRIu64 " SCL timing errors, seed %" PRIu64 "\n", (int)I2C_HZ, transfers, bytes, naks,
	       errors - line_errors, line_errors, seed);
	return errors ? 1 : 0;
}
