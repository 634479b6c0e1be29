/*
 * test_dev.c: the device model (hls_c/mmf_dev.c) through its link, as a host sees it.
 *
 * Proves: the device's CRC-32 is zlib's, byte by byte and chained; every command of docs/protocol.md
 * answers what the engine models (tac5 40 lanes, sac 16 lanes, lut 36 lanes in one board) compute
 * when called directly, with LOAD_ACT vectors split over several packets; WRITE_MEM / READ_MEM round
 * trip; the sequence rules (SYNC first, new, repeat, out of order; state-changing repeats are not
 * executed again, reads are); a packet with any one byte damaged is NAKed or dropped, never executed,
 * and the next packet is understood; garbage between packets, truncated packets (the inter-byte
 * timeout), over-long and unreadable headers, unknown types and every error status; the counters
 * count exactly the bytes, commands, NAKs, CRC errors and MACs the host saw; and over a channel that
 * corrupts, drops and duplicates bytes at 1e-2, a plain retransmitting host gets 2000 commands each
 * executed exactly once with every read correct.
 *
 * Packets are built and checked here with zlib's crc32(), independently of the device's CRC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mmf_dev.h"

#include "check.h"

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	return check_rng(&g_rng);
}

enum { SLOT_TAC = 0, SLOT_SAC = 1, SLOT_LUT = 2, OUT_MAX = 8 * MMF_MAX_PACKET };

static mmf_dev_t g_dev;
static const mmf_dev_cfg_t g_cfg = {
	MMF_BOARD_SIM, MMF_LINK_UART, 3, 12000000, 1000000, MMF_WMEM_WORDS, 0x4cfae50,
	{{MMF_ENGINE_TAC, MMF_FMT_TAC5, 40, 8}, {MMF_ENGINE_SAC, MMF_FMT_SAC4, 16, 8},
	 {MMF_ENGINE_LUT, MMF_FMT_LUT3, 36, 5}},
	0,
};

/* ---- host side: packets, the byte pipe, the parser ------------------------------------------- */

typedef struct {
	uint8_t type, seq;
	uint16_t len;
	uint8_t p[MMF_MAX_PAYLOAD];
} pkt_t;

static uint8_t g_seq;                   /* the host's next sequence number */
static uint64_t g_sent, g_recv;         /* bytes host to board, board to host */
static uint8_t g_pkt[MMF_MAX_PACKET + 16], g_out[OUT_MAX], g_pay[MMF_MAX_PAYLOAD + 16];

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rdle(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A whole packet; the header check and CRC computed here (zlib), not by the device. */
static size_t pkt_build(uint8_t *out, uint8_t type, uint8_t seq, const uint8_t *pay, size_t len)
{
	out[0] = 0xA5;
	out[1] = 0x5A;
	out[2] = type;
	out[3] = seq;
	le(out + 4, len, 2);
	out[6] = (uint8_t)(0xFF ^ type ^ seq ^ (len & 0xFF) ^ (len >> 8));
	if (len)
		memcpy(out + 7, pay, len);
	le(out + 7 + len, crc32(0, out + 2, (uInt)(5 + len)), 4);
	return 11 + len;
}

static void send_raw(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mmf_dev_rx(&g_dev, b[i]);
	g_sent += n;
}

static size_t drain(uint8_t *out)
{
	size_t n = 0;
	uint8_t b;

	while (n < OUT_MAX && mmf_dev_tx(&g_dev, &b))
		out[n++] = b;
	g_recv += n;
	return n;
}

/* The first valid packet at or after *pos, hunting past damaged ones; 1 if found. */
static int parse(const uint8_t *b, size_t n, size_t *pos, pkt_t *r)
{
	for (size_t i = *pos; i + 11 <= n; i++) {
		if (b[i] != 0xA5 || b[i + 1] != 0x5A)
			continue;
		size_t len = (size_t)rdle(b + i + 4, 2);
		if (b[i + 6] != (0xFF ^ b[i + 2] ^ b[i + 3] ^ b[i + 4] ^ b[i + 5]) || len > MMF_MAX_PAYLOAD ||
		    i + 11 + len > n)
			continue;
		if (crc32(0, b + i + 2, (uInt)(5 + len)) != (uint32_t)rdle(b + i + 7 + len, 4))
			continue;
		r->type = b[i + 2];
		r->seq = b[i + 3];
		r->len = (uint16_t)len;
		memcpy(r->p, b + i + 7, len);
		*pos = i + 11 + len;
		return 1;
	}
	return 0;
}

/* Send bytes, then the device's whole output must be exactly one valid packet. */
static int exchange_raw(const uint8_t *b, size_t n, pkt_t *r)
{
	size_t pos = 0, m;

	send_raw(b, n);
	m = drain(g_out);
	if (!parse(g_out, m, &pos, r) || pos != m || r->len + 11u != m) {
		CHECK(0, "expected one packet, got %zu bytes", m);
		return 0;
	}
	return 1;
}

static int exchange(uint8_t type, uint8_t seq, const uint8_t *pay, size_t len, pkt_t *r)
{
	return exchange_raw(g_pkt, pkt_build(g_pkt, type, seq, pay, len), r);
}

/* A command with the next seq: its status (data in r), or -1 (NAK or nothing). */
static int cmd(uint8_t type, const uint8_t *pay, size_t len, pkt_t *r)
{
	if (!exchange(type, g_seq, pay, len, r))
		return -1;
	if (r->type == MMF_NAK) {
		CHECK(0, "command %02x seq %u: NAK reason %u expected %u", type, g_seq, r->p[0], r->p[1]);
		return -1;
	}
	CHECK(r->type == (type | 0x80) && r->seq == g_seq && r->len >= 1, "answer %02x seq %u to %02x seq %u",
	      r->type, r->seq, type, g_seq);
	g_seq++;
	return r->p[0];
}

static void expect_nak(uint8_t type, uint8_t seq, const uint8_t *pay, size_t len, int reason, int expected)
{
	pkt_t r;

	if (!exchange(type, seq, pay, len, &r))
		return;
	CHECK(r.type == MMF_NAK && r.seq == seq && r.len == 2 && r.p[0] == reason && r.p[1] == expected,
	      "type %02x seq %u: want NAK %d exp %d, got type %02x seq %u reason %u exp %u", type, seq, reason,
	      expected, r.type, r.seq, r.p[0], r.p[1]);
}

/* ---- commands as the host library would send them ------------------------------------------------ */

static int c_range(uint8_t type, uint32_t first, uint32_t count, pkt_t *r)
{
	uint8_t p[4];
	le(p, first, 2);
	le(p + 2, count, 2);
	return cmd(type, p, 4, r);
}

static int c_write(uint32_t addr, const uint64_t *w, uint32_t n)
{
	pkt_t r;
	le(g_pay, addr, 2);
	for (uint32_t i = 0; i < n; i++)
		le(g_pay + 2 + 8 * i, w[i], 8);
	return cmd(MMF_CMD_WRITE_MEM, g_pay, 2 + 8 * n, &r);
}

/* Any number of words, 127 per packet. */
static void write_words(uint32_t addr, const uint64_t *w, uint32_t n)
{
	for (uint32_t i = 0; i < n; i += 127) {
		uint32_t k = n - i < 127 ? n - i : 127;
		CHECK(c_write(addr + i, w + i, k) == MMF_ST_OK, "WRITE_MEM %u+%u", addr + i, k);
	}
}

static int c_load(uint8_t engine, const int8_t *x, uint32_t k, int more)
{
	pkt_t r;
	g_pay[0] = (uint8_t)(engine | (more ? MMF_LOAD_MORE : 0));
	memcpy(g_pay + 1, x, k);
	return cmd(MMF_CMD_LOAD_ACT, g_pay, 1 + k, &r);
}

/* A vector in packets of random size (at most the 1023 one packet carries). */
static void load_vector(uint8_t engine, const int8_t *x, uint32_t k)
{
	uint32_t i = 0;
	do {
		uint32_t n = 1 + (uint32_t)(rnd() % 1023);
		if (n > k - i)
			n = k - i;
		CHECK(c_load(engine, x + i, n, i + n < k) == MMF_ST_OK, "LOAD_ACT engine %u at %u+%u", engine, i, n);
		i += n;
	} while (i < k);
}

static int c_run(uint8_t engine, uint32_t base, uint32_t words, uint32_t *rows)
{
	pkt_t r;
	uint8_t p[5] = {engine};
	int st;
	le(p + 1, base, 2);
	le(p + 3, words, 2);
	st = cmd(MMF_CMD_RUN, p, 5, &r);
	*rows = st == MMF_ST_OK && r.len == 3 ? (uint32_t)rdle(r.p + 1, 2) : 0xFFFFFFFFu;
	CHECK(st != MMF_ST_OK || r.len == 3, "RUN answer length %u", r.len);
	return st;
}

static void read_counters(uint32_t *c)
{
	pkt_t r;
	int st = cmd(MMF_CMD_READ_COUNTERS, NULL, 0, &r);
	CHECK(st == MMF_ST_OK && r.len == 1 + 4 * MMF_N_COUNTERS, "READ_COUNTERS status %d len %u", st, r.len);
	for (int i = 0; i < MMF_N_COUNTERS; i++)
		c[i] = (uint32_t)rdle(r.p + 1 + 4 * i, 4);
}

static uint64_t macs(const uint32_t *c)
{
	return (uint64_t)c[MMF_CNT_MACS_HI] << 32 | c[MMF_CNT_MACS_LO];
}

static void dev_start(uint8_t seq)
{
	pkt_t r;
	CHECK(mmf_dev_init(&g_dev, &g_cfg) == 0, "mmf_dev_init");
	g_seq = seq;
	CHECK(cmd(MMF_CMD_SYNC, NULL, 0, &r) == MMF_ST_OK && r.len == 1, "SYNC");
}

/* ---- engines: the reference is the model called directly ---------------------------------------- */

static tac_t g_rtac;
static sac_t g_rsac;
static lut_t g_rlut;
static int8_t g_x[16384], g_w[1 << 18];
static uint8_t g_codes[1 << 18];
static uint64_t g_words[MMF_WMEM_WORDS];
static int32_t g_ref[MMF_RES_ROWS + 8];

static void random_weights(uint8_t slot, uint32_t rows, uint32_t k, uint32_t *nw)
{
	int32_t n;
	for (uint32_t i = 0; i < rows * k; i++) {
		g_w[i] = (int8_t)((int)(rnd() % 3) - 1);
		g_codes[i] = (uint8_t)(rnd() % 16);
	}
	if (slot == SLOT_TAC)
		n = tac_pack(TAC_FMT_5T, 40, g_w, rows, k, g_words, MMF_WMEM_WORDS);
	else if (slot == SLOT_SAC)
		n = sac_pack(16, g_codes, rows, k, g_words, MMF_WMEM_WORDS);
	else
		n = lut_pack(36, g_w, rows, k, g_words, MMF_WMEM_WORDS);
	CHECK(n > 0, "pack slot %u rows %u K %u", slot, rows, k);
	*nw = (uint32_t)n;
}

/* The model's own answer for x[0..k) against words at mem[base..base+nw). */
static uint32_t ref_run(uint8_t slot, const int8_t *x, uint32_t k, const uint64_t *mem, uint32_t nw)
{
	if (slot == SLOT_TAC) {
		tac_init(&g_rtac, TAC_FMT_5T, 40);
		tac_load(&g_rtac, x, k);
		return tac_matvec(&g_rtac, mem, nw, g_ref);
	}
	if (slot == SLOT_SAC) {
		sac_init(&g_rsac, 16);
		sac_load(&g_rsac, x, k);
		return sac_matvec(&g_rsac, mem, nw, g_ref);
	}
	lut_init(&g_rlut, 36);
	lut_load(&g_rlut, x, k);
	return lut_matvec(&g_rlut, mem, nw, g_ref);
}

static void check_results(uint32_t rows, const char *what)
{
	pkt_t r;
	for (uint32_t f = 0; f < rows; f += 255) {
		uint32_t n = rows - f < 255 ? rows - f : 255;
		int st = c_range(MMF_CMD_READ_RES, f, n, &r);
		CHECK(st == MMF_ST_OK && r.len == 1 + 4 * n, "%s READ_RES %u+%u: %d", what, f, n, st);
		for (uint32_t i = 0; st == MMF_ST_OK && i < n; i++)
			CHECK((int32_t)rdle(r.p + 1 + 4 * i, 4) == g_ref[f + i], "%s row %u: %d vs %d", what, f + i,
			      (int32_t)rdle(r.p + 1 + 4 * i, 4), g_ref[f + i]);
	}
}

static void engine_case(uint8_t slot, uint32_t k, uint32_t rows, uint32_t base)
{
	uint32_t nw, got, want, c0[MMF_N_COUNTERS], c1[MMF_N_COUNTERS];
	char what[64];

	snprintf(what, sizeof what, "slot %u K %u rows %u", slot, k, rows);
	for (uint32_t i = 0; i < k; i++)
		g_x[i] = (int8_t)rnd();
	random_weights(slot, rows, k, &nw);
	write_words(base, g_words, nw);
	load_vector(slot, g_x, k);
	want = ref_run(slot, g_x, k, g_words, nw);
	CHECK(want == rows, "%s: model rows %u", what, want);
	read_counters(c0);
	CHECK(c_run(slot, base, nw, &got) == MMF_ST_OK && got == want, "%s: RUN rows %u", what, got);
	read_counters(c1);
	CHECK(c1[MMF_CNT_BUSY0 + slot] - c0[MMF_CNT_BUSY0 + slot] == nw, "%s: busy", what);
	CHECK(macs(c1) - macs(c0) == (uint64_t)rows * k, "%s: MACs %llu", what,
	      (unsigned long long)(macs(c1) - macs(c0)));
	check_results(rows, what);
}

static void test_engines(void)
{
	dev_start(0);
	engine_case(SLOT_TAC, 2500, 30, 0);         /* 3 LOAD_ACT packets at least */
	engine_case(SLOT_TAC, 10240, 3, 1000);      /* the whole activation buffer */
	engine_case(SLOT_TAC, 7, 256, 16384 - 256); /* 256 rows, at the top of memory */
	engine_case(SLOT_SAC, 1000, 40, 5);
	engine_case(SLOT_SAC, 4096, 2, 0);
	engine_case(SLOT_LUT, 1152, 200, 100);
	engine_case(SLOT_LUT, 40, 17, 3);           /* a short last word per row */
	for (int it = 0; it < 30; it++) {
		uint8_t slot = (uint8_t)(rnd() % 3);
		uint32_t kmax = slot == SLOT_TAC ? 10240 : slot == SLOT_SAC ? 4096 : 1152;
		uint32_t k = 1 + (uint32_t)(rnd() % kmax);
		uint32_t lanes = g_cfg.engine[slot].lanes, wpr = (k + lanes - 1) / lanes;
		uint32_t rows = 1 + (uint32_t)(rnd() % (4000 / wpr < 256 ? 4000 / wpr : 256));
		engine_case(slot, k, rows, (uint32_t)(rnd() % 8000));
	}
}

/* ---- CRC, configuration, INFO ------------------------------------------------------------------ */

static void test_crc(void)
{
	static uint8_t buf[3000];
	for (int it = 0; it < 300; it++) {
		uint32_t n = (uint32_t)(rnd() % sizeof buf), c = 0, seed = it % 3 ? (uint32_t)rnd() : 0;
		for (uint32_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rnd();
		c = seed;
		for (uint32_t i = 0; i < n; i++)
			c = mmf_crc32_byte(c, buf[i]);
		CHECK(c == crc32(seed, buf, n), "crc32 of %u bytes from %08x", n, seed);
	}
	for (uint32_t a = 0; a < 256; a++) {
		uint8_t b = (uint8_t)rnd(), ab[2] = {(uint8_t)a, b};
		CHECK(mmf_crc32_byte(mmf_crc32_byte(0, (uint8_t)a), b) == crc32(crc32(0, ab, 1), ab + 1, 1),
		      "chained crc %u %u", a, b);
	}
	CHECK(mmf_hchk(0x11, 0x22, 0x3344) == (0xFF ^ 0x11 ^ 0x22 ^ 0x44 ^ 0x33), "mmf_hchk");
}

static void test_cfg(void)
{
	mmf_dev_cfg_t c = g_cfg;
	CHECK(mmf_dev_init(&g_dev, &c) == 0, "good cfg");
	c.engine[0].format = MMF_FMT_TAC2;
	c.engine[0].lanes = 32;
	CHECK(mmf_dev_init(&g_dev, &c) == 0, "tac2 32 lanes");
	struct { int slot, field, value; const char *what; } bad[] = {
		{0, 1, MMF_FMT_SAC4, "tac with SAC4"}, {1, 1, MMF_FMT_TAC2, "sac with TAC2"},
		{2, 1, MMF_FMT_TAC5, "lut with TAC5"}, {0, 2, 12, "tac5 with 12 lanes"},
		{2, 2, 37, "lut with 37 lanes"}, {1, 2, 17, "sac with 17 lanes"}, {1, 2, 0, "sac with 0 lanes"},
		{0, 3, 9, "tac lg_act 9"}, {2, 3, 6, "lut lg_act 6"}, {1, 3, 0, "lg_act 0"},
		{2, 0, 3, "engine id 3"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = g_cfg;
		uint8_t *f = bad[i].field == 0 ? &c.engine[bad[i].slot].id : bad[i].field == 1 ?
			     &c.engine[bad[i].slot].format : bad[i].field == 2 ? &c.engine[bad[i].slot].lanes :
			     &c.engine[bad[i].slot].lg_act;
		*f = (uint8_t)bad[i].value;
		CHECK(mmf_dev_init(&g_dev, &c) == -1, "cfg %s accepted", bad[i].what);
	}
	c = g_cfg;
	c.engine[1] = c.engine[0];  /* a second tac, valid on its own */
	CHECK(mmf_dev_init(&g_dev, &c) == -1, "two tacs accepted");
	c = g_cfg;
	c.n_engines = 0;
	CHECK(mmf_dev_init(&g_dev, &c) == -1, "0 engines accepted");
	c.n_engines = 4;
	CHECK(mmf_dev_init(&g_dev, &c) == -1, "4 engines accepted");
	c.n_engines = 1;   /* slots past n_engines are not looked at */
	c.engine[1].id = 7;
	CHECK(mmf_dev_init(&g_dev, &c) == 0, "1 engine");
	c = g_cfg;
	c.wmem_words = 0;
	CHECK(mmf_dev_init(&g_dev, &c) == -1, "no weight memory accepted");
	c.wmem_words = MMF_WMEM_WORDS + 1;
	CHECK(mmf_dev_init(&g_dev, &c) == -1, "more weight memory than MMF_WMEM_WORDS accepted");
}

static void test_info(void)
{
	pkt_t r;
	dev_start(77);
	CHECK(cmd(MMF_CMD_INFO, NULL, 0, &r) == MMF_ST_OK && r.len == 1 + 24 + 8 * 3, "INFO len %u", r.len);
	const uint8_t *p = r.p + 1;
	CHECK(p[0] == 1 && p[1] == MMF_BOARD_SIM && p[2] == MMF_LINK_UART && p[3] == 3, "INFO head");
	CHECK(rdle(p + 4, 4) == 12000000 && rdle(p + 8, 4) == 1000000 && rdle(p + 12, 4) == 16384, "INFO sizes");
	CHECK(rdle(p + 16, 2) == 1024 && rdle(p + 18, 2) == 256 && rdle(p + 20, 4) == 0x4cfae50, "INFO limits");
	static const uint8_t eng[3][8] = {{0, 1, 40, 8, 0x00, 0x28, 0, 0}, {1, 2, 16, 8, 0x00, 0x10, 0, 0},
					  {2, 3, 36, 5, 0x80, 0x04, 0, 0}};
	CHECK(memcmp(p + 24, eng, sizeof eng) == 0, "INFO engines");
	CHECK(cmd(MMF_CMD_INFO, g_pay, 1, &r) == MMF_ST_BAD_LENGTH && r.len == 1, "INFO with payload");
}

/* ---- memory, sequence rules, repeats -------------------------------------------------------------- */

static void test_mem(void)
{
	pkt_t r;
	static uint64_t mem[MMF_WMEM_WORDS];
	dev_start(250);     /* the sequence wraps past 255 on the way */
	for (uint32_t i = 0; i < MMF_WMEM_WORDS; i++)
		mem[i] = rnd();
	write_words(0, mem, MMF_WMEM_WORDS);
	for (uint32_t a = 0; a < MMF_WMEM_WORDS;) {
		uint32_t n = 1 + (uint32_t)(rnd() % 127);
		if (n > MMF_WMEM_WORDS - a)
			n = MMF_WMEM_WORDS - a;
		int st = c_range(MMF_CMD_READ_MEM, a, n, &r);
		CHECK(st == MMF_ST_OK && r.len == 1 + 8 * n, "READ_MEM %u+%u", a, n);
		for (uint32_t i = 0; st == MMF_ST_OK && i < n; i++)
			CHECK(rdle(r.p + 1 + 8 * i, 8) == mem[a + i], "word %u", a + i);
		a += n;
	}
	CHECK(c_range(MMF_CMD_READ_MEM, 16384, 0, &r) == MMF_ST_OK && r.len == 1, "READ_MEM of nothing");
	CHECK(c_write(16384, NULL, 0) == MMF_ST_OK, "WRITE_MEM of nothing at the end");
}

/* A smaller weight memory (the HX8K's block RAM): INFO reports it and every command's range stops at it. */
static void test_small_mem(void)
{
	enum { WORDS = 768 };
	mmf_dev_cfg_t c = g_cfg;
	pkt_t r;
	uint32_t rows;
	uint64_t w[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
	int8_t x[40] = {1};

	c.wmem_words = WORDS;
	CHECK(mmf_dev_init(&g_dev, &c) == 0, "init with %u words", WORDS);
	g_seq = 3;
	CHECK(cmd(MMF_CMD_SYNC, NULL, 0, &r) == MMF_ST_OK, "SYNC");
	CHECK(cmd(MMF_CMD_INFO, NULL, 0, &r) == MMF_ST_OK && rdle(r.p + 1 + 12, 4) == WORDS, "INFO weight words");
	CHECK(c_write(WORDS - 2, w, 2) == MMF_ST_OK, "WRITE_MEM of the last two words");
	CHECK(c_write(WORDS - 1, w, 2) == MMF_ST_BAD_ADDRESS, "WRITE_MEM one word past the end");
	CHECK(c_write(WORDS, w, 1) == MMF_ST_BAD_ADDRESS, "WRITE_MEM at the end");
	CHECK(c_write(16383, w, 1) == MMF_ST_BAD_ADDRESS, "WRITE_MEM at 16383");
	CHECK(c_write(WORDS, NULL, 0) == MMF_ST_OK, "WRITE_MEM of nothing at the end");
	CHECK(c_range(MMF_CMD_READ_MEM, WORDS - 2, 2, &r) == MMF_ST_OK && rdle(r.p + 1, 8) == w[0] &&
	      rdle(r.p + 9, 8) == w[1], "READ_MEM of the last two words");
	CHECK(c_range(MMF_CMD_READ_MEM, WORDS - 1, 2, &r) == MMF_ST_BAD_ADDRESS, "READ_MEM past the end");
	CHECK(c_range(MMF_CMD_READ_MEM, WORDS, 0, &r) == MMF_ST_OK && r.len == 1, "READ_MEM of nothing at the end");
	CHECK(c_load(SLOT_TAC, x, 40, 0) == MMF_ST_OK, "LOAD_ACT");
	CHECK(c_run(SLOT_TAC, WORDS - 1, 1, &rows) == MMF_ST_OK && rows == 1, "RUN of the last word");
	CHECK(c_run(SLOT_TAC, WORDS - 1, 2, &rows) == MMF_ST_BAD_ADDRESS, "RUN past the end");
}

static void test_sequence(void)
{
	pkt_t r;
	uint8_t p[4] = {0, 0, 1, 0};

	/* before SYNC only SYNC: everything else is out of order, expecting 0 */
	CHECK(mmf_dev_init(&g_dev, &g_cfg) == 0, "init");
	expect_nak(MMF_CMD_READ_MEM, 0, p, 4, MMF_NAK_OUT_OF_ORDER, 0);
	expect_nak(MMF_CMD_INFO, 9, NULL, 0, MMF_NAK_OUT_OF_ORDER, 0);
	expect_nak(0x55, 3, NULL, 0, MMF_NAK_UNKNOWN_TYPE, 0);
	CHECK(exchange(MMF_CMD_SYNC, 5, p, 1, &r) && r.type == 0x81 && r.seq == 5 && r.p[0] == MMF_ST_BAD_LENGTH,
	      "SYNC with a payload");
	expect_nak(MMF_CMD_READ_MEM, 6, p, 4, MMF_NAK_OUT_OF_ORDER, 0);
	/* SYNC takes any seq; then last + 1 */
	g_seq = 200;
	CHECK(cmd(MMF_CMD_SYNC, NULL, 0, &r) == MMF_ST_OK, "SYNC 200");
	CHECK(c_range(MMF_CMD_READ_MEM, 0, 1, &r) == MMF_ST_OK, "seq 201");
	expect_nak(MMF_CMD_READ_MEM, 203, p, 4, MMF_NAK_OUT_OF_ORDER, 202);
	expect_nak(MMF_CMD_READ_MEM, 200, p, 4, MMF_NAK_OUT_OF_ORDER, 202);
	expect_nak(MMF_CMD_READ_MEM, 74, p, 4, MMF_NAK_OUT_OF_ORDER, 202);
	/* a repeat must be the same command */
	expect_nak(MMF_CMD_INFO, 201, NULL, 0, MMF_NAK_OUT_OF_ORDER, 202);
	expect_nak(0x12, 202, NULL, 0, MMF_NAK_UNKNOWN_TYPE, 202);
	expect_nak(0xFF, 202, NULL, 0, MMF_NAK_UNKNOWN_TYPE, 202);
	/* the CRC is checked first: an unknown type with a bad CRC is a CRC error */
	size_t n = pkt_build(g_pkt, 0x55, 202, p, 4);
	g_pkt[n - 1] ^= 0x40;
	CHECK(exchange_raw(g_pkt, n, &r) && r.type == MMF_NAK && r.seq == 202 && r.p[0] == MMF_NAK_CRC &&
	      r.p[1] == 202, "unknown type with a bad CRC");
	CHECK(c_range(MMF_CMD_READ_MEM, 0, 1, &r) == MMF_ST_OK && r.seq == 202, "seq 202 after the NAKs");
	/* SYNC again, at any point, with any seq */
	g_seq = 17;
	CHECK(cmd(MMF_CMD_SYNC, NULL, 0, &r) == MMF_ST_OK, "SYNC 17");
	CHECK(cmd(MMF_CMD_INFO, NULL, 0, &r) == MMF_ST_OK && r.seq == 18, "seq 18");
}

static void test_repeats(void)
{
	pkt_t r;
	uint32_t c0[MMF_N_COUNTERS], c1[MMF_N_COUNTERS], rows, rows2;
	uint64_t w = 0x1122334455667788ull, w2 = 0xdeadbeefull;

	dev_start(40);
	/* WRITE_MEM: the repeat (same seq, even with other data) answers OK and writes nothing */
	CHECK(c_write(100, &w, 1) == MMF_ST_OK, "WRITE_MEM");
	read_counters(c0);
	g_seq -= 2;     /* back to the WRITE_MEM's seq */
	le(g_pay, 100, 2);
	le(g_pay + 2, w2, 8);
	expect_nak(MMF_CMD_WRITE_MEM, g_seq, g_pay, 10, MMF_NAK_OUT_OF_ORDER, (uint8_t)(g_seq + 2));
	g_seq += 1;     /* the READ_COUNTERS seq: a read, executed again */
	read_counters(c1);
	CHECK(c1[MMF_CNT_EXECUTED] == c0[MMF_CNT_EXECUTED] + 1 && c1[MMF_CNT_BYTES_IN] > c0[MMF_CNT_BYTES_IN] &&
	      c1[MMF_CNT_REPEATS] == c0[MMF_CNT_REPEATS], "READ_COUNTERS repeat re-executed");
	CHECK(c_write(101, &w2, 1) == MMF_ST_OK, "WRITE_MEM 101");
	g_seq--;
	CHECK(c_write(100, &w2, 1) == MMF_ST_OK, "WRITE_MEM repeat answers OK");
	read_counters(c1);
	CHECK(c1[MMF_CNT_REPEATS] == c0[MMF_CNT_REPEATS] + 1, "repeat counted");
	CHECK(c_range(MMF_CMD_READ_MEM, 100, 2, &r) == MMF_ST_OK && rdle(r.p + 1, 8) == w &&
	      rdle(r.p + 9, 8) == w2, "WRITE_MEM repeat not executed");
	g_seq--;
	CHECK(c_range(MMF_CMD_READ_MEM, 100, 2, &r) == MMF_ST_OK && r.len == 17 && rdle(r.p + 1, 8) == w,
	      "READ_MEM repeat answers the data");
	/* an error status is repeated too */
	CHECK(c_write(16384, &w, 1) == MMF_ST_BAD_ADDRESS, "WRITE_MEM out of memory");
	g_seq--;
	CHECK(c_write(0, &w, 1) == MMF_ST_BAD_ADDRESS, "repeat answers the stored BAD_ADDRESS");
	/* LOAD_ACT with more, repeated: appended once */
	for (int i = 0; i < 100; i++)
		g_x[i] = (int8_t)(i * 7 - 300);
	CHECK(c_load(SLOT_SAC, g_x, 60, 1) == MMF_ST_OK, "LOAD_ACT part 1");
	g_seq--;
	CHECK(c_load(SLOT_SAC, g_x, 60, 1) == MMF_ST_OK, "LOAD_ACT part 1 again");
	CHECK(c_load(SLOT_SAC, g_x + 60, 40, 0) == MMF_ST_OK, "LOAD_ACT part 2");
	uint32_t nw;
	random_weights(SLOT_SAC, 5, 100, &nw);
	write_words(2000, g_words, nw);
	read_counters(c0);
	CHECK(c_run(SLOT_SAC, 2000, nw, &rows) == MMF_ST_OK && rows == 5, "RUN");
	g_seq--;
	CHECK(c_run(SLOT_SAC, 2000, nw, &rows2) == MMF_ST_OK && rows2 == 5, "RUN repeat answers the rows");
	read_counters(c1);
	CHECK(c1[MMF_CNT_BUSY1] - c0[MMF_CNT_BUSY1] == nw && macs(c1) - macs(c0) == 500,
	      "RUN repeat not executed (busy %u MACs %llu)", c1[MMF_CNT_BUSY1] - c0[MMF_CNT_BUSY1],
	      (unsigned long long)(macs(c1) - macs(c0)));
	CHECK(ref_run(SLOT_SAC, g_x, 100, g_words, nw) == 5, "model rows");
	check_results(5, "LOAD_ACT repeat");
}

/* ---- damage: bytes, headers, garbage, timeouts ------------------------------------------------- */

/* Every byte of a WRITE_MEM damaged in turn: NAK or silence, never executed; then a READ_MEM with
 * the same seq shows the memory unchanged (had the WRITE_MEM run, the seq would be taken). */
static void test_damage(void)
{
	pkt_t r;
	uint8_t bad[64], out_pos;
	uint64_t w = 0x0123456789abcdefull;
	static const uint8_t masks[] = {0x01, 0x80, 0xFF, 0x5A, 0xA5};

	dev_start(0);
	CHECK(c_write(7, &w, 1) == MMF_ST_OK, "WRITE_MEM 7");
	le(g_pay, 7, 2);
	le(g_pay + 2, ~w, 8);
	size_t n = pkt_build(bad, MMF_CMD_WRITE_MEM, g_seq, g_pay, 10);
	for (size_t i = 0; i < n; i++) {
		for (size_t m = 0; m < sizeof masks + 1; m++) {
			uint8_t save = bad[i];
			bad[i] ^= m < sizeof masks ? masks[m] : (uint8_t)(1 + rnd() % 255);
			send_raw(bad, n);
			bad[i] = save;
			size_t k = drain(g_out), pos = 0;
			out_pos = 0;
			while (parse(g_out, k, &pos, &r)) {
				out_pos++;
				CHECK(r.type == MMF_NAK && (r.p[0] == MMF_NAK_CRC || r.p[0] == MMF_NAK_TOO_LONG),
				      "byte %zu damaged: answer type %02x reason %u", i, r.type, r.p[0]);
			}
			CHECK(out_pos <= 1 && (k == 0 || pos == k), "byte %zu damaged: %zu bytes out", i, k);
			CHECK(c_range(MMF_CMD_READ_MEM, 7, 1, &r) == MMF_ST_OK && rdle(r.p + 1, 8) == w,
			      "byte %zu damaged: executed", i);
		}
	}
}

/* Header of a packet with a chosen len and hchk. */
static size_t header(uint8_t *b, uint8_t type, uint8_t seq, uint16_t len, int good_hchk)
{
	b[0] = 0xA5;
	b[1] = 0x5A;
	b[2] = type;
	b[3] = seq;
	le(b + 4, len, 2);
	b[6] = (uint8_t)(0xFF ^ type ^ seq ^ (len & 0xFF) ^ (len >> 8) ^ (good_hchk ? 0 : 0x10));
	return 7;
}

static void test_headers(void)
{
	pkt_t r;
	uint8_t b[2 * MMF_MAX_PACKET];
	uint32_t c0[MMF_N_COUNTERS], c1[MMF_N_COUNTERS];

	dev_start(3);
	read_counters(c0);
	/* len too long, header good: NAK TOO_LONG, and the packet right behind it is found */
	size_t n = header(b, MMF_CMD_WRITE_MEM, g_seq, 1025, 1);
	send_raw(b, n);
	size_t k = drain(g_out), pos = 0;
	CHECK(parse(g_out, k, &pos, &r) && pos == k && r.type == MMF_NAK && r.seq == g_seq &&
	      r.p[0] == MMF_NAK_TOO_LONG && r.p[1] == g_seq, "TOO_LONG NAK");
	CHECK(c_range(MMF_CMD_READ_MEM, 0, 1, &r) == MMF_ST_OK, "packet after TOO_LONG");
	n = header(b, MMF_CMD_WRITE_MEM, g_seq, 0xFFFF, 1);
	send_raw(b, n);
	CHECK(drain(g_out) == 13, "TOO_LONG NAK for len 65535");
	/* hchk wrong: silence */
	n = header(b, MMF_CMD_READ_MEM, g_seq, 4, 0);
	send_raw(b, n);
	CHECK(drain(g_out) == 0, "bad hchk answered");
	CHECK(c_range(MMF_CMD_READ_MEM, 0, 1, &r) == MMF_ST_OK, "packet after a bad hchk");
	/* a packet that starts inside a rejected header: A5 5A then a whole packet */
	uint8_t p[4] = {0, 0, 1, 0};
	b[0] = 0xA5;
	b[1] = 0x5A;
	n = 2 + pkt_build(b + 2, MMF_CMD_READ_MEM, g_seq, p, 4);
	CHECK(b[6] != (0xFF ^ b[2] ^ b[3] ^ b[4] ^ b[5]), "test premise: the false header is bad");
	CHECK(exchange_raw(b, n, &r) && r.type == 0x91 && r.seq == g_seq, "packet inside a damaged header");
	g_seq++;
	/* and one whose sync is the rejected header's len hi and hchk: A5 5A t s l [A5 5A ...] */
	n = header(b, 0x11, 0x22, 0x34, 0);
	n = 5 + pkt_build(b + 5, MMF_CMD_READ_MEM, g_seq, p, 4);
	CHECK(b[6] != (0xFF ^ b[2] ^ b[3] ^ b[4] ^ b[5]), "test premise: the false header is bad");
	CHECK(exchange_raw(b, n, &r) && r.type == 0x91 && r.seq == g_seq, "packet at a damaged header's end");
	g_seq++;
	read_counters(c1);
	CHECK(c1[MMF_CNT_CRC_ERRORS] - c0[MMF_CNT_CRC_ERRORS] == 5, "CRC errors %u",
	      c1[MMF_CNT_CRC_ERRORS] - c0[MMF_CNT_CRC_ERRORS]);
	CHECK(c1[MMF_CNT_NAKS] - c0[MMF_CNT_NAKS] == 2, "NAKs %u", c1[MMF_CNT_NAKS] - c0[MMF_CNT_NAKS]);
}

/* Garbage with no good header in it, then a packet: the packet is answered. */
static void test_garbage(void)
{
	pkt_t r;
	uint8_t b[256], p[4] = {0, 0, 1, 0};

	dev_start(9);
	for (int it = 0; it < 500; it++) {
		size_t g, n;
		int ok;
		do {
			g = (size_t)(rnd() % 60);
			for (size_t i = 0; i < g; i++) {
				uint64_t v = rnd() % 8;
				b[i] = v == 0 ? 0xA5 : v == 1 ? 0x5A : (uint8_t)rnd();
			}
			n = g + pkt_build(b + g, MMF_CMD_READ_MEM, g_seq, p, 4);
			ok = 1;
			for (size_t j = 0; j < g; j++)
				if (b[j] == 0xA5 && b[j + 1] == 0x5A &&
				    b[j + 6] == (0xFF ^ b[j + 2] ^ b[j + 3] ^ b[j + 4] ^ b[j + 5]))
					ok = 0;     /* a false header that parses would be a real packet */
		} while (!ok);
		CHECK(exchange_raw(b, n, &r) && r.type == 0x91 && r.seq == g_seq && r.p[0] == 0,
		      "packet after %zu bytes of garbage (it %d)", g, it);
		g_seq++;
	}
}

static void test_timeout(void)
{
	pkt_t r;
	uint8_t b[32], p[4] = {0, 0, 1, 0};
	uint32_t c[MMF_N_COUNTERS];

	dev_start(0);
	size_t n = pkt_build(b, MMF_CMD_READ_MEM, g_seq, p, 4);
	for (size_t cut = 1; cut < n; cut++) {
		/* a gap of exactly the timeout keeps the packet */
		send_raw(b, cut);
		mmf_dev_tick(&g_dev, MMF_RX_TIMEOUT_CYCLES);
		CHECK(exchange_raw(b + cut, n - cut, &r) && r.type == 0x91, "gap of the timeout at %zu", cut);
		g_seq++;
		n = pkt_build(b, MMF_CMD_READ_MEM, g_seq, p, 4);
		/* a byte in between restarts the count */
		send_raw(b, cut);
		mmf_dev_tick(&g_dev, MMF_RX_TIMEOUT_CYCLES - 5);
		send_raw(b + cut, 1);
		mmf_dev_tick(&g_dev, MMF_RX_TIMEOUT_CYCLES - 5);
		if (cut + 1 < n) {
			CHECK(exchange_raw(b + cut + 1, n - cut - 1, &r) && r.type == 0x91, "two gaps at %zu", cut);
		} else {
			CHECK(drain(g_out) == 20, "two gaps at the end");
		}
		g_seq++;
		n = pkt_build(b, MMF_CMD_READ_MEM, g_seq, p, 4);
		/* one cycle longer drops it, in one tick or several; the next packet is whole again */
		send_raw(b, cut);
		if (cut & 1) {
			mmf_dev_tick(&g_dev, MMF_RX_TIMEOUT_CYCLES / 2);
			mmf_dev_tick(&g_dev, MMF_RX_TIMEOUT_CYCLES / 2);
			mmf_dev_tick(&g_dev, 1);
		} else {
			mmf_dev_tick(&g_dev, 0xFFFFFFFFu);
		}
		CHECK(drain(g_out) == 0, "timeout answered");
		CHECK(exchange_raw(b, n, &r) && r.type == 0x91 && r.seq == g_seq, "packet after a timeout at %zu", cut);
		g_seq++;
		n = pkt_build(b, MMF_CMD_READ_MEM, g_seq, p, 4);
	}
	CHECK(cmd(MMF_CMD_CLEAR_COUNTERS, NULL, 0, &r) == MMF_ST_OK, "CLEAR_COUNTERS");
	mmf_dev_tick(&g_dev, 1000);
	mmf_dev_tick(&g_dev, 234);
	read_counters(c);
	CHECK(c[MMF_CNT_CYCLES] == 1234 && c[MMF_CNT_CRC_ERRORS] == 0, "cycles %u", c[MMF_CNT_CYCLES]);
}

/* ---- statuses, LOAD_ACT over packets, counters, the one response at a time ------------------------ */

static void test_status(void)
{
	pkt_t r;
	uint32_t rows;
	uint64_t w[2] = {1, 2};

	dev_start(100);
	/* BAD_LENGTH */
	CHECK(cmd(MMF_CMD_WRITE_MEM, g_pay, 9, &r) == MMF_ST_BAD_LENGTH && r.len == 1, "WRITE_MEM 2+7");
	CHECK(cmd(MMF_CMD_WRITE_MEM, g_pay, 1, &r) == MMF_ST_BAD_LENGTH, "WRITE_MEM 1");
	CHECK(cmd(MMF_CMD_READ_MEM, g_pay, 3, &r) == MMF_ST_BAD_LENGTH, "READ_MEM 3");
	CHECK(cmd(MMF_CMD_READ_RES, g_pay, 5, &r) == MMF_ST_BAD_LENGTH, "READ_RES 5");
	CHECK(cmd(MMF_CMD_RUN, g_pay, 4, &r) == MMF_ST_BAD_LENGTH, "RUN 4");
	CHECK(cmd(MMF_CMD_LOAD_ACT, g_pay, 0, &r) == MMF_ST_BAD_LENGTH, "LOAD_ACT 0");
	CHECK(c_load(SLOT_TAC, g_x, 0, 0) == MMF_ST_BAD_LENGTH, "LOAD_ACT of an empty vector");
	CHECK(cmd(MMF_CMD_READ_COUNTERS, g_pay, 2, &r) == MMF_ST_BAD_LENGTH, "READ_COUNTERS 2");
	CHECK(cmd(MMF_CMD_CLEAR_COUNTERS, g_pay, 1, &r) == MMF_ST_BAD_LENGTH, "CLEAR_COUNTERS 1");
	CHECK(cmd(MMF_CMD_RESET, g_pay, 1, &r) == MMF_ST_BAD_LENGTH, "RESET 1");
	/* BAD_ENGINE */
	CHECK(c_load(3, g_x, 5, 0) == MMF_ST_BAD_ENGINE, "LOAD_ACT engine 3");
	CHECK(c_load(0x7F, g_x, 5, 1) == MMF_ST_BAD_ENGINE, "LOAD_ACT engine 127");
	CHECK(c_run(3, 0, 1, &rows) == MMF_ST_BAD_ENGINE, "RUN engine 3");
	CHECK(c_run(0x80, 0, 1, &rows) == MMF_ST_BAD_ENGINE, "RUN engine 0x80");
	/* NOT_LOADED */
	CHECK(c_run(SLOT_LUT, 0, 1, &rows) == MMF_ST_NOT_LOADED, "RUN before LOAD_ACT");
	/* BAD_ADDRESS */
	CHECK(c_write(16383, w, 2) == MMF_ST_BAD_ADDRESS, "WRITE_MEM past the end");
	CHECK(c_write(0xFFFF, w, 1) == MMF_ST_BAD_ADDRESS, "WRITE_MEM at 65535");
	CHECK(c_range(MMF_CMD_READ_MEM, 16380, 5, &r) == MMF_ST_BAD_ADDRESS && r.len == 1, "READ_MEM past the end");
	CHECK(c_write(16382, w, 2) == MMF_ST_OK, "WRITE_MEM at the end");
	CHECK(c_load(SLOT_LUT, g_x, 36, 0) == MMF_ST_OK, "LOAD_ACT lut 36");
	CHECK(c_run(SLOT_LUT, 16000, 385, &rows) == MMF_ST_BAD_ADDRESS, "RUN past the end");
	CHECK(c_range(MMF_CMD_READ_RES, 0, 1, &r) == MMF_ST_BAD_ADDRESS, "READ_RES with no results");
	CHECK(c_run(SLOT_LUT, 16000, 384, &rows) == MMF_ST_TOO_MANY, "RUN 384 rows");
	CHECK(c_run(SLOT_LUT, 16000, 257, &rows) == MMF_ST_TOO_MANY, "RUN 257 rows");
	CHECK(c_run(SLOT_LUT, 16000, 256, &rows) == MMF_ST_OK && rows == 256, "RUN 256 rows");
	CHECK(c_range(MMF_CMD_READ_RES, 250, 7, &r) == MMF_ST_BAD_ADDRESS, "READ_RES past the rows");
	CHECK(c_range(MMF_CMD_READ_RES, 1, 255, &r) == MMF_ST_OK && r.len == 1021, "READ_RES 1+255");
	/* TOO_MANY */
	CHECK(c_range(MMF_CMD_READ_RES, 0, 256, &r) == MMF_ST_TOO_MANY, "READ_RES 256");
	CHECK(c_range(MMF_CMD_READ_MEM, 0, 128, &r) == MMF_ST_TOO_MANY, "READ_MEM 128");
	CHECK(c_range(MMF_CMD_READ_MEM, 0, 127, &r) == MMF_ST_OK && r.len == 1017, "READ_MEM 127");
	CHECK(c_load(SLOT_LUT, g_x, 1153 - 1023, 1) == MMF_ST_OK, "LOAD_ACT lut part");
	CHECK(c_load(SLOT_LUT, g_x, 1023, 0) == MMF_ST_TOO_MANY, "LOAD_ACT lut 1153");
	CHECK(c_run(SLOT_LUT, 0, 1, &rows) == MMF_ST_NOT_LOADED, "RUN after a refused vector");
	CHECK(c_load(SLOT_LUT, g_x, 1023, 1) == MMF_ST_OK, "LOAD_ACT lut starts again");
	CHECK(c_load(SLOT_LUT, g_x, 129, 0) == MMF_ST_OK, "LOAD_ACT lut 1152");
	CHECK(c_run(SLOT_LUT, 0, 64, &rows) == MMF_ST_OK && rows == 2, "RUN K 1152");
	/* a RUN between the packets of one vector finds nothing loaded */
	CHECK(c_load(SLOT_TAC, g_x, 10, 0) == MMF_ST_OK, "LOAD_ACT tac");
	CHECK(c_run(SLOT_TAC, 0, 1, &rows) == MMF_ST_OK && rows == 1, "RUN tac");
	CHECK(c_load(SLOT_TAC, g_x, 10, 1) == MMF_ST_OK, "LOAD_ACT tac part");
	CHECK(c_run(SLOT_TAC, 0, 1, &rows) == MMF_ST_NOT_LOADED, "RUN between parts");
	CHECK(c_load(SLOT_TAC, g_x, 10, 0) == MMF_ST_OK, "LOAD_ACT tac final");
	CHECK(c_run(SLOT_TAC, 0, 2, &rows) == MMF_ST_OK && rows == 2, "RUN after the final part");
	/* RESET: nothing loaded, no results, memory kept */
	CHECK(cmd(MMF_CMD_RESET, NULL, 0, &r) == MMF_ST_OK, "RESET");
	CHECK(c_run(SLOT_TAC, 0, 1, &rows) == MMF_ST_NOT_LOADED, "RUN after RESET");
	CHECK(c_range(MMF_CMD_READ_RES, 0, 1, &r) == MMF_ST_BAD_ADDRESS, "READ_RES after RESET");
	CHECK(c_range(MMF_CMD_READ_MEM, 16382, 2, &r) == MMF_ST_OK && rdle(r.p + 1, 8) == 1 &&
	      rdle(r.p + 9, 8) == 2, "memory after RESET");
}

static void test_counters(void)
{
	pkt_t r;
	uint32_t c[MMF_N_COUNTERS], rows;
	uint8_t b[64];

	dev_start(0);
	/* from init: SYNC and this READ_COUNTERS are counted (a command counts before it runs) */
	read_counters(c);
	CHECK(c[MMF_CNT_EXECUTED] == 2 && c[MMF_CNT_BYTES_IN] == 22 && c[MMF_CNT_BYTES_OUT] == 12,
	      "counters from init: executed %u in %u out %u", c[MMF_CNT_EXECUTED], c[MMF_CNT_BYTES_IN],
	      c[MMF_CNT_BYTES_OUT]);
	size_t n = pkt_build(b, MMF_CMD_CLEAR_COUNTERS, g_seq, NULL, 0);
	send_raw(b, n);
	uint64_t in0 = g_sent, out0 = g_recv;
	CHECK(drain(g_out) == 12, "CLEAR_COUNTERS answer");
	g_seq++;
	read_counters(c);
	CHECK(c[MMF_CNT_BYTES_IN] == 11 && c[MMF_CNT_BYTES_OUT] == 12 && c[MMF_CNT_EXECUTED] == 1 &&
	      c[MMF_CNT_CYCLES] == 0 && macs(c) == 0 && c[MMF_CNT_NAKS] == 0 && c[MMF_CNT_REPEATS] == 0 &&
	      c[MMF_CNT_CRC_ERRORS] == 0 && c[MMF_CNT_BUSY0] == 0, "counters after CLEAR_COUNTERS");
	/* a CRC error, a hchk error, an out-of-order, an unknown type, a repeat, a RUN, some cycles */
	n = pkt_build(b, MMF_CMD_INFO, g_seq, NULL, 0);
	b[8] ^= 1;
	CHECK(exchange_raw(b, n, &r) && r.type == MMF_NAK && r.p[0] == MMF_NAK_CRC && r.p[1] == g_seq, "CRC NAK");
	n = header(b, MMF_CMD_INFO, g_seq, 0, 0);
	send_raw(b, n);
	expect_nak(MMF_CMD_INFO, (uint8_t)(g_seq + 1), NULL, 0, MMF_NAK_OUT_OF_ORDER, g_seq);
	expect_nak(0x03, g_seq, NULL, 0, MMF_NAK_UNKNOWN_TYPE, g_seq);
	CHECK(c_load(SLOT_TAC, g_x, 100, 0) == MMF_ST_OK, "LOAD_ACT");
	g_seq--;
	CHECK(c_load(SLOT_TAC, g_x, 100, 0) == MMF_ST_OK, "LOAD_ACT repeat");
	CHECK(c_run(SLOT_TAC, 0, 9, &rows) == MMF_ST_OK && rows == 3, "RUN");
	mmf_dev_tick(&g_dev, 99);
	uint64_t in_want = g_sent - in0 + 11, out_want = g_recv - out0;
	read_counters(c);
	CHECK(c[MMF_CNT_BYTES_IN] == in_want && c[MMF_CNT_BYTES_OUT] == out_want, "bytes %u %u vs %llu %llu",
	      c[MMF_CNT_BYTES_IN], c[MMF_CNT_BYTES_OUT], (unsigned long long)in_want, (unsigned long long)out_want);
	CHECK(c[MMF_CNT_CRC_ERRORS] == 2 && c[MMF_CNT_NAKS] == 3 && c[MMF_CNT_REPEATS] == 1 &&
	      c[MMF_CNT_EXECUTED] == 4 && c[MMF_CNT_CYCLES] == 99, "events: crc %u naks %u rep %u exec %u cyc %u",
	      c[MMF_CNT_CRC_ERRORS], c[MMF_CNT_NAKS], c[MMF_CNT_REPEATS], c[MMF_CNT_EXECUTED], c[MMF_CNT_CYCLES]);
	CHECK(c[MMF_CNT_BUSY0] == 9 && c[MMF_CNT_BUSY1] == 0 && c[MMF_CNT_BUSY2] == 0 && macs(c) == 300,
	      "busy %u MACs %llu", c[MMF_CNT_BUSY0], (unsigned long long)macs(c));
	/* MACs carry into the high word (white box: start the low word near its end) */
	g_dev.cnt[MMF_CNT_MACS_LO] = 0xFFFFFF00u;
	CHECK(c_run(SLOT_TAC, 0, 9, &rows) == MMF_ST_OK, "RUN");
	read_counters(c);
	CHECK(c[MMF_CNT_MACS_HI] == 1 && c[MMF_CNT_MACS_LO] == 300 - 256, "MACs carry %u:%u",
	      c[MMF_CNT_MACS_HI], c[MMF_CNT_MACS_LO]);
	/* RESET clears them too */
	CHECK(cmd(MMF_CMD_RESET, NULL, 0, &r) == MMF_ST_OK, "RESET");
	read_counters(c);
	CHECK(c[MMF_CNT_EXECUTED] == 1 && macs(c) == 0 && c[MMF_CNT_BUSY0] == 0 && c[MMF_CNT_BYTES_OUT] == 12,
	      "counters after RESET");
}

/* A packet that completes while a response is going out waits for it; bytes meanwhile are lost. */
static void test_one_response(void)
{
	pkt_t r;
	uint8_t a[32], b[32], c[32], p[4] = {0, 0, 1, 0}, x;

	dev_start(60);
	size_t na = pkt_build(a, MMF_CMD_READ_MEM, g_seq, p, 4);
	size_t nb = pkt_build(b, MMF_CMD_INFO, (uint8_t)(g_seq + 1), NULL, 0);
	size_t nc = pkt_build(c, MMF_CMD_READ_MEM, (uint8_t)(g_seq + 2), p, 4);
	send_raw(a, na);
	CHECK(mmf_dev_tx(&g_dev, &x) && x == 0xA5, "first byte");
	g_recv++;
	send_raw(b, nb);    /* completes while A's answer is going out: held */
	send_raw(c, nc);    /* arrives while B is held: lost */
	mmf_dev_tick(&g_dev, MMF_RX_TIMEOUT_CYCLES + 1);   /* a held packet is complete: no timeout */
	g_out[0] = x;
	size_t k = 1 + drain(g_out + 1), pos = 0;
	CHECK(parse(g_out, k, &pos, &r) && r.type == 0x91 && r.seq == g_seq, "A answered first");
	CHECK(parse(g_out, k, &pos, &r) && r.type == 0x82 && r.seq == (uint8_t)(g_seq + 1), "then B");
	CHECK(pos == k && !parse(g_out, k, &pos, &r), "and nothing for C");
	g_seq += 2;
	CHECK(exchange_raw(c, nc, &r) && r.type == 0x91 && r.seq == g_seq, "C sent again");
	g_seq++;
}

/* ---- the faulty channel and a retransmitting host ------------------------------------------------ */

static uint8_t g_noisy[4 * OUT_MAX];
static uint32_t g_faults, g_retries;

/* Each byte is corrupted, dropped or duplicated with probability 1e-2. */
static size_t channel(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (rnd() % 100 != 0) {
			out[m++] = in[i];
			continue;
		}
		g_faults++;
		switch (rnd() % 3) {
		case 0: out[m++] = (uint8_t)(in[i] ^ (1 + rnd() % 255)); break;
		case 1: break;
		default: out[m++] = in[i]; out[m++] = in[i]; break;
		}
	}
	return m;
}

/* Stop and wait: send until the answer to this seq arrives; on a NAK or silence, let the board's
 * inter-byte timeout pass (it drops whatever it holds) and send again. */
static int host_xact(uint8_t type, const uint8_t *pay, size_t len, pkt_t *r)
{
	for (int t = 0; t < 100; t++) {
		size_t n = pkt_build(g_pkt, type, g_seq, pay, len), pos = 0;
		send_raw(g_noisy, channel(g_pkt, n, g_noisy));
		size_t k = drain(g_out);
		k = channel(g_out, k, g_noisy);
		while (parse(g_noisy, k, &pos, r)) {
			if (r->type == (type | 0x80) && r->seq == g_seq) {
				g_seq++;
				return r->p[0];
			}
			/* anything else is a NAK for a damaged packet (its seq may be damaged too) */
			CHECK(r->type == MMF_NAK && (r->p[0] == MMF_NAK_CRC || r->p[0] == MMF_NAK_TOO_LONG),
			      "answer %02x reason %u for seq %u", r->type, r->p[0], g_seq);
		}
		mmf_dev_tick(&g_dev, MMF_RX_TIMEOUT_CYCLES + 1);
		CHECK(drain(g_out) == 0, "output after a timeout");
		g_retries++;
	}
	CHECK(0, "board stopped answering after 100 tries of %02x seq %u", type, g_seq);
	return -1;
}

static void test_faults(void)
{
	enum { MEM = 1024, KMAX = 60 };
	static uint64_t shadow[MEM];
	int8_t vec[3][KMAX];
	uint32_t vec_k[3] = {0, 0, 0}, res_rows = 0, busy[3] = {0, 0, 0}, ncmd = 0;
	uint64_t mac_total = 0;
	static int32_t res[MMF_RES_ROWS];
	pkt_t r;

	dev_start(128);
	for (uint32_t i = 0; i < MEM; i++)
		shadow[i] = 0;
	write_words(0, shadow, MEM);
	CHECK(cmd(MMF_CMD_CLEAR_COUNTERS, NULL, 0, &r) == MMF_ST_OK, "CLEAR_COUNTERS");
	while (ncmd < 2000) {
		uint32_t op = (uint32_t)(rnd() % 7), a, n, i;
		uint8_t e = (uint8_t)(rnd() % 3);
		int st;
		if (op == 0) {              /* WRITE_MEM */
			n = 1 + (uint32_t)(rnd() % 4);
			a = (uint32_t)(rnd() % (MEM - n));
			le(g_pay, a, 2);
			for (i = 0; i < n; i++) {
				shadow[a + i] = rnd();
				le(g_pay + 2 + 8 * i, shadow[a + i], 8);
			}
			CHECK(host_xact(MMF_CMD_WRITE_MEM, g_pay, 2 + 8 * n, &r) == MMF_ST_OK, "WRITE_MEM");
			ncmd++;
		} else if (op == 1) {       /* READ_MEM */
			n = 1 + (uint32_t)(rnd() % 4);
			a = (uint32_t)(rnd() % (MEM - n));
			le(g_pay, a, 2);
			le(g_pay + 2, n, 2);
			st = host_xact(MMF_CMD_READ_MEM, g_pay, 4, &r);
			CHECK(st == MMF_ST_OK && r.len == 1 + 8 * n, "READ_MEM");
			for (i = 0; st == MMF_ST_OK && i < n; i++)
				CHECK(rdle(r.p + 1 + 8 * i, 8) == shadow[a + i], "READ_MEM word %u", a + i);
			ncmd++;
		} else if (op == 2) {       /* LOAD_ACT in up to three packets */
			uint32_t k = 1 + (uint32_t)(rnd() % KMAX), parts = 1 + (uint32_t)(rnd() % 3), at = 0;
			for (i = 0; i < k; i++)
				vec[e][i] = (int8_t)rnd();
			for (uint32_t pi = 0; pi < parts; pi++) {
				n = pi + 1 == parts ? k - at : (k - at) / 2;
				g_pay[0] = (uint8_t)(e | (pi + 1 < parts ? MMF_LOAD_MORE : 0));
				memcpy(g_pay + 1, vec[e] + at, n);
				CHECK(host_xact(MMF_CMD_LOAD_ACT, g_pay, 1 + n, &r) == MMF_ST_OK, "LOAD_ACT");
				at += n;
				ncmd++;
			}
			vec_k[e] = k;
		} else if (op == 3 && vec_k[e]) {  /* RUN */
			uint32_t wpr = (vec_k[e] + g_cfg.engine[e].lanes - 1) / g_cfg.engine[e].lanes;
			uint32_t rows = 1 + (uint32_t)(rnd() % 6), words = rows * wpr - (uint32_t)(rnd() % wpr);
			a = (uint32_t)(rnd() % (MEM - words));
			g_pay[0] = e;
			le(g_pay + 1, a, 2);
			le(g_pay + 3, words, 2);
			st = host_xact(MMF_CMD_RUN, g_pay, 5, &r);
			res_rows = ref_run(e, vec[e], vec_k[e], shadow + a, words);
			memcpy(res, g_ref, sizeof(int32_t) * res_rows);
			CHECK(st == MMF_ST_OK && r.len == 3 && rdle(r.p + 1, 2) == res_rows, "RUN rows");
			busy[e] += words;
			mac_total += (uint64_t)res_rows * vec_k[e];
			ncmd++;
		} else if (op == 4 && res_rows) {  /* READ_RES */
			n = 1 + (uint32_t)(rnd() % res_rows);
			a = (uint32_t)(rnd() % (res_rows - n + 1));
			le(g_pay, a, 2);
			le(g_pay + 2, n, 2);
			st = host_xact(MMF_CMD_READ_RES, g_pay, 4, &r);
			CHECK(st == MMF_ST_OK && r.len == 1 + 4 * n, "READ_RES");
			for (i = 0; st == MMF_ST_OK && i < n; i++)
				CHECK((int32_t)rdle(r.p + 1 + 4 * i, 4) == res[a + i], "READ_RES row %u", a + i);
			ncmd++;
		} else if (op == 5) {       /* READ_COUNTERS: every RUN counted exactly once */
			st = host_xact(MMF_CMD_READ_COUNTERS, NULL, 0, &r);
			CHECK(st == MMF_ST_OK && r.len == 49, "READ_COUNTERS");
			uint32_t c[MMF_N_COUNTERS];
			for (i = 0; i < MMF_N_COUNTERS; i++)
				c[i] = (uint32_t)rdle(r.p + 1 + 4 * i, 4);
			CHECK(c[MMF_CNT_BUSY0] == busy[0] && c[MMF_CNT_BUSY1] == busy[1] && c[MMF_CNT_BUSY2] == busy[2] &&
			      macs(c) == mac_total, "busy / MACs after %u commands", ncmd);
			ncmd++;
		} else if (op == 6) {       /* INFO */
			st = host_xact(MMF_CMD_INFO, NULL, 0, &r);
			CHECK(st == MMF_ST_OK && r.len == 49 && r.p[1] == 1, "INFO");
			ncmd++;
		}
	}
	uint32_t c[MMF_N_COUNTERS];
	read_counters(c);
	CHECK(c[MMF_CNT_BUSY0] == busy[0] && c[MMF_CNT_BUSY1] == busy[1] && c[MMF_CNT_BUSY2] == busy[2] &&
	      macs(c) == mac_total, "busy / MACs at the end");
	printf("faults: %u commands, %u channel faults, %u retransmissions, %u repeats answered, %u CRC errors\n",
	       ncmd, g_faults, g_retries, c[MMF_CNT_REPEATS], c[MMF_CNT_CRC_ERRORS]);
	CHECK(g_retries > 100 && c[MMF_CNT_REPEATS] > 10, "the channel did its damage");
}

/* I2C: unknown without the master; with it, transfers to the INA226 model, refusals, checks */
static void test_i2c(void)
{
	mmf_dev_cfg_t c = g_cfg;
	const uint8_t id[] = {0x40, 2, INA226_MFR_ID}, cal[] = {0x40, 0, INA226_CAL, 0x08, 0x00};
	const uint8_t cur[] = {0x40, 2, INA226_CURRENT}, absent[] = {0x41, 2, INA226_MFR_ID};
	const uint8_t probe[] = {0x40, 0}, many[] = {0x40, 5}, badaddr[] = {0xC0, 1};
	pkt_t r;

	dev_start(3);
	expect_nak(MMF_CMD_I2C, g_seq, id, sizeof id, MMF_NAK_UNKNOWN_TYPE, g_seq);
	c.i2c = 1;
	CHECK(mmf_dev_init(&g_dev, &c) == 0, "cfg with I2C");
	mmf_i2c_bus_init(&g_dev.i2c, 1, INA226_ADDR_DEFAULT, (uint16_t)-400, 960);
	g_seq = 9;
	CHECK(cmd(MMF_CMD_SYNC, NULL, 0, &r) == MMF_ST_OK, "SYNC");
	CHECK(cmd(MMF_CMD_INFO, NULL, 0, &r) == MMF_ST_OK && r.len == 1 + 24 + 8 * 3 + 1 &&
	      r.p[r.len - 1] == MMF_INFO_FEAT_I2C, "INFO with the features byte (len %u)", r.len);
	CHECK(cmd(MMF_CMD_I2C, id, sizeof id, &r) == MMF_ST_OK && r.len == 4 && r.p[1] == MMF_I2C_OK &&
	      r.p[2] == 0x54 && r.p[3] == 0x49, "manufacturer id");
	CHECK(cmd(MMF_CMD_I2C, cal, sizeof cal, &r) == MMF_ST_OK && r.len == 2 && r.p[1] == MMF_I2C_OK,
	      "calibration written");
	/* current = shunt x 2048 / 2048 = the shunt register, -400 */
	CHECK(cmd(MMF_CMD_I2C, cur, sizeof cur, &r) == MMF_ST_OK && r.len == 4 && r.p[2] == 0xFE &&
	      r.p[3] == 0x70, "current %02x%02x", r.p[2], r.p[3]);
	CHECK(cmd(MMF_CMD_I2C, absent, sizeof absent, &r) == MMF_ST_OK && r.len == 4 &&
	      r.p[1] == MMF_I2C_NAK_ADDR && r.p[2] == 0 && r.p[3] == 0, "absent address: NAK, zeros");
	CHECK(cmd(MMF_CMD_I2C, probe, sizeof probe, &r) == MMF_ST_OK && r.len == 2 && r.p[1] == MMF_I2C_OK,
	      "probe");
	CHECK(cmd(MMF_CMD_I2C, many, sizeof many, &r) == MMF_ST_TOO_MANY && r.len == 1, "5 to read");
	CHECK(cmd(MMF_CMD_I2C, badaddr, sizeof badaddr, &r) == MMF_ST_BAD_ADDRESS, "address bit 7");
	CHECK(cmd(MMF_CMD_I2C, id, 1, &r) == MMF_ST_BAD_LENGTH, "1 byte");
}

int main(int argc, char **argv)
{
	check_args(argc, argv, 0, NULL, "",
		   "Checks the device model (hls_c/mmf_dev.c) through its link, as a host sees it (tests/test_dev.c).");
	test_crc();
	test_cfg();
	test_info();
	test_mem();
	test_small_mem();
	test_sequence();
	test_repeats();
	test_engines();
	test_damage();
	test_headers();
	test_garbage();
	test_timeout();
	test_status();
	test_counters();
	test_one_response();
	test_faults();
	test_i2c();
	printf("test_dev: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail ? 1 : 0;
}
