/*
 * host_codec.c: the host's packet codec (host/src/proto.c) on its own.
 *
 * Proves: encode/decode round-trips every payload length class (0, 1, 2..1024, random contents, all
 * types and seqs), fed at once or a byte at a time; the CRC is zlib's and agrees with the device
 * model's mmf_crc32_byte; every single-byte corruption of a packet (every position, every other
 * value) is detected, i.e. never delivered, and the packet after it is still received; the decoder
 * resynchronises after random garbage (A5 and A5 5A included) and after a packet cut short at every
 * length; a length beyond MMF_MAX_PAYLOAD is refused by the encoder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "proto.h"

#include "check.h"

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	return (uint32_t)(check_rng(&g_rng) >> 32);
}

static mmfi_decoder g_dec;
static mmfi_packet g_got[64];

/* Feed n bytes (in pieces of `piece`, 0 = all at once); collect the packets; returns how many. */
static int feed(const uint8_t *in, size_t n, size_t piece, int flush)
{
	size_t off = 0, used, step;
	int k = 0, guard;

	while (off < n) {
		step = piece && piece < n - off ? piece : n - off;
		while (step) {
			if (mmfi_dec_push(&g_dec, in + off, step, &used, &g_got[k < 63 ? k : 63]))
				k++;
			off += used;
			step -= used;
		}
	}
	/* packets complete in the decoder's buffer (behind one just delivered) */
	while (mmfi_dec_push(&g_dec, NULL, 0, &used, &g_got[k < 63 ? k : 63]))
		k++;
	/* the bytes stopped: as the link layer does at a deadline, drop and re-hunt until empty */
	for (guard = 0; flush && g_dec.n && guard < 10000; guard++) {
		mmfi_dec_timeout(&g_dec);
		while (mmfi_dec_push(&g_dec, NULL, 0, &used, &g_got[k < 63 ? k : 63]))
			k++;
	}
	return k;
}

static int same(const mmfi_packet *p, uint8_t type, uint8_t seq, const uint8_t *pl, uint16_t len)
{
	return p->type == type && p->seq == seq && p->len == len && !memcmp(p->payload, pl, len);
}

static uint8_t g_pl[MMF_MAX_PAYLOAD], g_pl2[MMF_MAX_PAYLOAD];
static uint8_t g_a[MMF_MAX_PACKET], g_b[MMF_MAX_PACKET], g_stream[4 * MMF_MAX_PACKET];

static void test_round_trip(void)
{
	static const size_t pieces[] = { 0, 1, 7, 100 };
	uint32_t len, t, i, crc_dev;
	size_t n, p;

	for (t = 0; t < 400; t++) {
		len = t < 3 ? t : t < 6 ? MMF_MAX_PAYLOAD - (t - 3) : rnd() % (MMF_MAX_PAYLOAD + 1);
		for (i = 0; i < len; i++)
			g_pl[i] = (uint8_t)rnd();
		n = mmfi_pkt_encode(g_a, (uint8_t)t, (uint8_t)(t * 7), g_pl, (uint16_t)len);
		CHECK(n == MMF_HDR_BYTES + len + MMF_CRC_BYTES, "encode length %zu for payload %u", n, len);
		/* zlib's CRC and the device model's agree on every packet */
		crc_dev = 0;
		for (i = 2; i < n - 4; i++)
			crc_dev = mmf_crc32_byte(crc_dev, g_a[i]);
		CHECK(crc_dev == (uint32_t)crc32(0L, g_a + 2, (uInt)(n - 6)), "device CRC differs, len %u",
		      len);
		for (p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
			mmfi_dec_init(&g_dec);
			CHECK(feed(g_a, n, pieces[p], 0) == 1 &&
			      same(&g_got[0], (uint8_t)t, (uint8_t)(t * 7), g_pl, (uint16_t)len),
			      "round trip, payload %u, pieces of %zu", len, pieces[p]);
			CHECK(g_dec.n == 0, "decoder holds %u bytes after a whole packet", g_dec.n);
		}
	}
	CHECK(mmfi_pkt_encode(g_a, 1, 1, g_pl, MMF_MAX_PAYLOAD + 1) == 0, "encoder took 1025 bytes");
}

/* Every position, every other value: never delivered; the next packet still is. */
static void test_corruption(uint16_t len)
{
	size_t n, m, pos;
	uint32_t i, v, missed = 0, lost_next = 0, cases = 0;
	int k;

	for (i = 0; i < len; i++)
		g_pl[i] = (uint8_t)rnd();
	for (i = 0; i < 9; i++)
		g_pl2[i] = (uint8_t)(0x30 + i);
	n = mmfi_pkt_encode(g_a, 0x91, 17, g_pl, len);
	m = mmfi_pkt_encode(g_b, 0x92, 18, g_pl2, 9);
	for (pos = 0; pos < n; pos++) {
		for (v = 0; v < 256; v++) {
			if (v == g_a[pos])
				continue;
			cases++;
			memcpy(g_stream, g_a, n);
			g_stream[pos] = (uint8_t)v;
			memcpy(g_stream + n, g_b, m);
			mmfi_dec_init(&g_dec);
			k = feed(g_stream, n + m, 0, 1);
			/* the only packet delivered must be the good one behind */
			if (k > 1 || (k == 1 && !same(&g_got[0], 0x92, 18, g_pl2, 9)))
				missed++;
			if (k < 1 || !same(&g_got[k - 1], 0x92, 18, g_pl2, 9))
				lost_next++;
		}
	}
	CHECK(missed == 0, "payload %u: %u of %u single-byte corruptions delivered", len, missed, cases);
	CHECK(lost_next == 0, "payload %u: the packet after a corrupted one was lost %u of %u times", len,
	      lost_next, cases);
	printf("corruption: payload %4u bytes, %6u single-byte corruptions, all detected, next packet "
	       "received after each\n", len, cases);
}

static void test_garbage(void)
{
	uint32_t t, g, i, ok = 0;
	size_t n, m, off;
	int k;

	for (t = 0; t < 2000; t++) {
		g = rnd() % 64;
		for (i = 0; i < g; i++) {
			/* garbage rich in sync bytes */
			uint32_t r = rnd() % 4;
			g_stream[i] = r == 0 ? MMF_SYNC0 : r == 1 ? MMF_SYNC1 : (uint8_t)rnd();
		}
		off = g;
		for (i = 0; i < 20; i++)
			g_pl[i] = (uint8_t)rnd();
		n = mmfi_pkt_encode(g_stream + off, 0x82, (uint8_t)t, g_pl, 20);
		off += n;
		m = mmfi_pkt_encode(g_stream + off, 0x83, (uint8_t)t, g_pl, 5);
		off += m;
		mmfi_dec_init(&g_dec);
		k = feed(g_stream, off, t % 2 ? 1 : 0, 1);
		if (k == 2 && same(&g_got[0], 0x82, (uint8_t)t, g_pl, 20) &&
		    same(&g_got[1], 0x83, (uint8_t)t, g_pl, 5))
			ok++;
		else
			CHECK(0, "garbage of %u bytes then two packets: got %d packets", g, k);
	}
	printf("garbage: %u of 2000 streams (0-63 bytes of garbage, a third sync bytes) resynchronised\n",
	       ok);
}

/* A packet cut short at every length, then two good ones: both are found, with no deadline needed
 * once the cut packet's length is reached, and with one when it is not. */
static void test_truncated(void)
{
	uint32_t cut, i, ok = 0, total = 0;
	size_t n, m, off;
	int k;

	for (i = 0; i < 300; i++)
		g_pl[i] = (uint8_t)rnd();
	n = mmfi_pkt_encode(g_a, 0x91, 1, g_pl, 300);
	for (cut = 1; cut < n; cut++) {
		memcpy(g_stream, g_a, cut);
		off = cut;
		m = mmfi_pkt_encode(g_stream + off, 0x92, 2, g_pl, 9);
		off += m;
		off += mmfi_pkt_encode(g_stream + off, 0x93, 3, g_pl, 40);
		mmfi_dec_init(&g_dec);
		total++;
		k = feed(g_stream, off, 0, 1);
		if (k == 2 && same(&g_got[0], 0x92, 2, g_pl, 9) && same(&g_got[1], 0x93, 3, g_pl, 40))
			ok++;
		else
			CHECK(0, "packet cut after %u of %zu bytes: %d packets after it", cut, n, k);
	}
	printf("truncated: a 311-byte packet cut at each of %u lengths, the two packets after it found "
	       "%u times\n", total, ok);
}

int main(int argc, char **argv)
{
	check_args(argc, argv, 0, NULL, "",
		   "The host's packet codec (host/src/proto.c) on its own (tests/host_codec.c).");
	test_round_trip();
	test_corruption(0);
	test_corruption(64);
	test_corruption(MMF_MAX_PAYLOAD);
	test_garbage();
	test_truncated();
	printf("host_codec: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail != 0;
}
