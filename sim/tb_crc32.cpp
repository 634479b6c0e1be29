// tb_crc32.cpp: checks rtl/mmf_crc32.v against zlib's crc32(): the check value of "123456789", then
// random messages of 0..300 bytes (the first two 0 and 300 bytes long), each started either by i_clr
// alone or by i_clr together with its first byte, with random idle cycles between the bytes.
//
// Usage: tb_crc32 [--seed S] [--count N] [--trace FILE.fst --trace-from C --trace-to C]
// On a mismatch it prints the seed and the message; exit 0 when every CRC matches.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>
#include <zlib.h>

#include "testb.h"
#include "Vmmf_crc32.h"

static const unsigned MAX_LEN = 300;
static const unsigned MAX_REPORTS = 10;   // mismatches printed in full

// Feeds one message; with_first puts the first byte in the clearing cycle. Returns o_crc after it.
static uint32_t run(Testb<Vmmf_crc32> &tb, std::mt19937_64 &rng, const std::vector<uint8_t> &msg,
		    bool with_first)
{
	Vmmf_crc32 *t = tb.top.get();
	size_t i = 0;
	t->i_clr = 1;
	t->i_en = 0;
	if (with_first && !msg.empty()) {
		t->i_en = 1;
		t->i_byte = msg[i++];
	}
	tb.tick();
	t->i_clr = 0;
	for (; i < msg.size(); i++) {
		// now and then idle cycles between the bytes, with junk on i_byte
		while (rng() % 4 == 0) {
			t->i_en = 0;
			t->i_byte = rng() & 0xFF;
			tb.tick();
		}
		t->i_en = 1;
		t->i_byte = msg[i];
		tb.tick();
	}
	t->i_en = 0;
	t->i_byte = rng() & 0xFF;
	tb.settle();
	return t->o_crc;
}

int main(int argc, char **argv)
{
	TbOptions o;
	o.count = 10000;
	o.count_help = "random messages after the check value";
	if (!tb_parse(argc, argv, o, "Checks mmf_crc32 against zlib on N random messages of 0.." +
		      std::to_string(MAX_LEN) + " bytes."))
		return 2;
	Testb<Vmmf_crc32> tb(argc, argv, o);
	std::mt19937_64 rng(o.seed);
	tb.top->i_clr = 0;
	tb.top->i_en = 0;
	tb.reset();

	uint64_t messages = 0, mismatches = 0, bytes = 0;
	std::vector<uint8_t> msg;
	for (uint64_t n = 0; n <= o.count; n++) {
		bool with_first = rng() & 1;
		if (n == 0) {
			const char *check = "123456789";
			msg.assign(check, check + 9);
		} else {
			size_t len = n == 1 ? 0 : n == 2 ? MAX_LEN : rng() % (MAX_LEN + 1);
			msg.resize(len);
			for (auto &b : msg)
				b = rng() & 0xFF;
		}
		uint32_t got = run(tb, rng, msg, with_first);
		uint32_t want = (uint32_t)crc32(0L, msg.data(), (uInt)msg.size());
		messages++;
		bytes += msg.size();
		if (got != want && ++mismatches <= MAX_REPORTS) {
			fprintf(stderr, "MISMATCH tb_crc32 seed %" PRIu64 " message %" PRIu64 " (%zu bytes, %s): "
				"rtl %08x, zlib %08x; bytes:", o.seed, n, msg.size(),
				with_first ? "first byte with i_clr" : "i_clr alone", got, want);
			for (uint8_t b : msg)
				fprintf(stderr, " %02x", b);
			fprintf(stderr, "\n");
		}
	}
	printf("tb_crc32: %" PRIu64 " messages checked, %" PRIu64 " mismatches (the check value, then %" PRIu64
	       " random of 0..%u bytes; %" PRIu64 " bytes)\n", messages, mismatches, o.count, MAX_LEN, bytes);
	return mismatches ? 1 : 0;
}
