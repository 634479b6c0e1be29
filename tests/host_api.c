/*
 * host_api.c: the public API (mmfree.h) against the `cpu` board, or against the board named by the
 * first argument (build/bin/host_api_sim, linked with the Verilator board: `sim`, `sim?uart=1`,
 * `socket:PATH` to mmfree-vboard --board sim): every command of the protocol on the RTL, results
 * checked against the hls_c models.
 *
 * Proves: INFO fields are the cpu board's configuration; weight memory round-trips (whole memory,
 * odd ranges, split packets) ; matvec on all three engines equals the hls_c models, at K = 1, K
 * spanning several LOAD_ACT packets, the largest K, and 256 rows (two READ_RES packets); the board's
 * refusals come back as MMF_ERR_DEVICE naming command, values and status (BAD_ENGINE, BAD_ADDRESS,
 * TOO_MANY, NOT_LOADED) and the board works normally afterwards; arguments the protocol cannot carry
 * are MMF_ERR_ARG; bad URIs, unknown options and options of another board kind are MMF_ERR_ARG
 * naming them (the key, the kind that takes it and the kind given), unbuilt boards
 * MMF_ERR_UNSUPPORTED; counters, reset, link statistics and error names.
 */
#include "host_common.h"

static struct product g_p;
static uint64_t g_w[MMF_WMEM_WORDS], g_back[MMF_WMEM_WORDS];
static int32_t g_y[MMF_MAX_ROWS];

static int has(const mmf_board *b, const char *s)
{
	return strstr(mmf_board_error(b), s) != NULL;
}

static void test_info(mmf_board *b, struct mmf_info *in)
{
	static const uint8_t id[3] = { 0, 1, 2 }, fmt[3] = { 1, 2, 3 }, lanes[3] = { 40, 16, 36 };
	static const uint8_t lg[3] = { 8, 8, 5 };
	static const uint16_t cols[3] = { 10240, 4096, 1152 };
	unsigned e;

	CHECK(mmf_get_info(b, in) == MMF_OK, "get_info");
	CHECK(in->version == 1 && in->board_id == 0 && in->link == 0, "version %u board %u link %u",
	      in->version, in->board_id, in->link);
	CHECK(in->clock_hz == 48000000 && in->link_rate == 12000000, "clock %u rate %u", in->clock_hz,
	      in->link_rate);
	CHECK(in->wmem_words == 16384 && in->max_payload == 1024 && in->res_rows == 256,
	      "wmem %u payload %u rows %u", in->wmem_words, in->max_payload, in->res_rows);
	CHECK(in->n_engines == 3, "%u engines", in->n_engines);
	for (e = 0; e < 3; e++)
		CHECK(in->engine[e].id == id[e] && in->engine[e].format == fmt[e] &&
		      in->engine[e].lanes == lanes[e] && in->engine[e].lg_act == lg[e] &&
		      in->engine[e].max_cols == cols[e], "engine %u: %u %u %u %u %u", e, in->engine[e].id,
		      in->engine[e].format, in->engine[e].lanes, in->engine[e].lg_act,
		      in->engine[e].max_cols);
	CHECK(!strcmp(mmf_engine_name(in->engine[2].id), "lut") &&
	      !strcmp(mmf_format_name(in->engine[0].format), "tac5") &&
	      !strcmp(mmf_board_name(in->board_id), "sim") && !strcmp(mmf_link_name(in->link), "uart"),
	      "names");
}

static void test_mem(mmf_board *b)
{
	uint64_t rng = 7;
	uint32_t i, addr, n, t;

	for (i = 0; i < MMF_WMEM_WORDS; i++)
		g_w[i] = hrand(&rng);
	CHECK(mmf_write_mem(b, 0, g_w, MMF_WMEM_WORDS) == MMF_OK, "write all: %s", mmf_board_error(b));
	CHECK(mmf_read_mem(b, 0, g_back, MMF_WMEM_WORDS) == MMF_OK, "read all: %s", mmf_board_error(b));
	CHECK(!memcmp(g_w, g_back, sizeof(g_w)), "whole memory differs after the round trip");
	for (t = 0; t < 50; t++) {
		addr = (uint32_t)(hrand(&rng) % MMF_WMEM_WORDS);
		n = (uint32_t)(hrand(&rng) % (MMF_WMEM_WORDS - addr + 1));
		n = n > 600 ? n % 600 : n;
		for (i = 0; i < n; i++)
			g_w[addr + i] = hrand(&rng);
		CHECK(mmf_write_mem(b, addr, g_w + addr, n) == MMF_OK, "write %u+%u", addr, n);
		memset(g_back, 0, sizeof(g_back));
		CHECK(mmf_read_mem(b, addr, g_back + addr, n) == MMF_OK, "read %u+%u", addr, n);
		CHECK(!memcmp(g_w + addr, g_back + addr, 8u * n), "range %u+%u differs", addr, n);
	}
	CHECK(mmf_read_mem(b, 0, g_back, MMF_WMEM_WORDS) == MMF_OK &&
	      !memcmp(g_w, g_back, sizeof(g_w)), "memory differs after the range writes");
}

/* One product on slot e at (k, rows), at a base; compared with the model. */
static void matvec_case(mmf_board *b, const struct mmf_info *in, unsigned e, uint32_t k,
			uint32_t rows, uint32_t base, uint64_t *rng)
{
	uint16_t got = 0;
	int r;

	CHECK(product_make(&in->engine[e], k, rows, &g_p, rng) == 0, "make e%u k%u r%u", e, k, rows);
	CHECK(mmf_write_mem(b, base, g_p.w, g_p.words) == MMF_OK, "write: %s", mmf_board_error(b));
	r = mmf_matvec(b, e, base, g_p.words, g_p.x, k, g_y, &got);
	CHECK(r == MMF_OK, "matvec e%u k%u rows %u: %s", e, k, rows, mmf_board_error(b));
	CHECK(got == rows && !memcmp(g_y, g_p.want, 4u * rows), "engine %u K %u rows %u (got %u): "
	      "results differ from hls_c", e, k, rows, got);
}

static void test_matvec(mmf_board *b, const struct mmf_info *in)
{
	uint64_t rng = 11;
	unsigned e, t, n = 0;
	uint32_t maxk, k, wpr, rows;

	for (e = 0; e < 3; e++) {
		maxk = in->engine[e].max_cols;
		matvec_case(b, in, e, 1, 5, 0, &rng);
		matvec_case(b, in, e, 2500 < maxk ? 2500 : maxk, 7, 100, &rng); /* LOAD_ACT split */
		wpr = (maxk + in->engine[e].lanes - 1) / in->engine[e].lanes;
		matvec_case(b, in, e, maxk, MMF_WMEM_WORDS / wpr < 256 ? MMF_WMEM_WORDS / wpr : 256, 0,
			    &rng);
		matvec_case(b, in, e, in->engine[e].lanes, 256, 3, &rng);       /* two READ_RES */
		n += 4;
		for (t = 0; t < 30; t++, n++) {
			k = 1 + (uint32_t)(hrand(&rng) % maxk);
			wpr = (k + in->engine[e].lanes - 1) / in->engine[e].lanes;
			rows = MMF_WMEM_WORDS / wpr < 256 ? MMF_WMEM_WORDS / wpr : 256;
			rows = 1 + (uint32_t)(hrand(&rng) % rows);
			matvec_case(b, in, e, k, rows, (uint32_t)(hrand(&rng) %
					(MMF_WMEM_WORDS - rows * wpr + 1)), &rng);
		}
	}
	printf("matvec: %u products on tac5, sac4, lut3 equal to hls_c\n", n);
}

/* A refusal: the code, and the message naming command and status. */
static void refused(mmf_board *b, int r, int want, const char *cmd, const char *status)
{
	CHECK(r == want, "%s: %s, expected %s (%s)", cmd, mmf_error_name(r), mmf_error_name(want),
	      mmf_board_error(b));
	CHECK(has(b, cmd) && has(b, status), "message '%s' should name %s and %s", mmf_board_error(b),
	      cmd, status);
	printf("refused as expected: %s: %s\n", mmf_error_name(r), mmf_board_error(b));
}

static void test_errors(mmf_board *b, const struct mmf_info *in)
{
	uint64_t rng = 5;
	uint16_t rows;
	int8_t x[4] = { 1, 2, 3, 4 };

	refused(b, mmf_load_act(b, 3, x, 4), MMF_ERR_DEVICE, "LOAD_ACT", "BAD_ENGINE");
	refused(b, mmf_run(b, 7, 0, 1, &rows), MMF_ERR_DEVICE, "RUN", "BAD_ENGINE");
	refused(b, mmf_write_mem(b, 16380, g_w, 10), MMF_ERR_DEVICE, "WRITE_MEM", "BAD_ADDRESS");
	refused(b, mmf_read_mem(b, 16000, g_back, 1000), MMF_ERR_DEVICE, "READ_MEM", "BAD_ADDRESS");
	refused(b, mmf_load_act(b, 2, g_p.x, 1153), MMF_ERR_DEVICE, "LOAD_ACT", "TOO_MANY");
	CHECK(mmf_load_act(b, 0, x, 1) == MMF_OK, "load K 1: %s", mmf_board_error(b));
	refused(b, mmf_run(b, 0, 0, 300, &rows), MMF_ERR_DEVICE, "RUN", "TOO_MANY"); /* 300 rows */
	refused(b, mmf_run(b, 0, 16000, 1000, &rows), MMF_ERR_DEVICE, "RUN", "BAD_ADDRESS");
	CHECK(mmf_reset(b) == MMF_OK, "reset: %s", mmf_board_error(b));
	refused(b, mmf_read_res(b, 0, 10, g_y), MMF_ERR_DEVICE, "READ_RES", "BAD_ADDRESS");
	refused(b, mmf_run(b, 1, 0, 1, &rows), MMF_ERR_DEVICE, "RUN", "NOT_LOADED");
	refused(b, mmf_write_mem(b, 65530, g_w, 10), MMF_ERR_ARG, "write_mem", "16-bit");
	refused(b, mmf_load_act(b, 0, x, 0), MMF_ERR_ARG, "load_act", "k 0");
	refused(b, mmf_run(b, 0, 70000, 1, &rows), MMF_ERR_ARG, "run", "base 70000");
	/* after every refusal the board still works */
	matvec_case(b, in, 1, 100, 10, 0, &rng);
}

static void test_counters(mmf_board *b, const struct mmf_info *in)
{
	uint32_t c[MMF_NUM_COUNTERS];
	uint64_t rng = 3, macs;

	CHECK(mmf_clear_counters(b) == MMF_OK, "clear");
	matvec_case(b, in, 2, 72, 20, 0, &rng);
	CHECK(mmf_read_counters(b, c) == MMF_OK, "read counters: %s", mmf_board_error(b));
	macs = c[MMF_COUNTER_MACS_LO] | (uint64_t)c[MMF_COUNTER_MACS_HI] << 32;
	CHECK(macs == 72 * 20, "MACs %llu, expected 1440", (unsigned long long)macs);
	/* busy: one cycle per weight word in the C model; the RTL counts its real cycles, the pipeline's
	 * fill and drain too (a few per RUN) */
	CHECK(c[MMF_COUNTER_BUSY2] >= g_p.words && c[MMF_COUNTER_BUSY2] <= g_p.words + 16 &&
	      c[MMF_COUNTER_BUSY0] == 0, "busy %u %u for %u words", c[1], c[3], g_p.words);
	/* write, load, run, read results, read counters (CLEAR_COUNTERS counts itself, then clears) */
	CHECK(c[MMF_COUNTER_EXECUTED] == 5, "executed %u", c[MMF_COUNTER_EXECUTED]);
	CHECK(c[MMF_COUNTER_CRC_ERRORS] == 0 && c[MMF_COUNTER_NAKS] == 0, "crc %u naks %u",
	      c[MMF_COUNTER_CRC_ERRORS], c[MMF_COUNTER_NAKS]);
	CHECK(!strcmp(mmf_counter_name(MMF_COUNTER_REPEATS), "repeats"), "counter name");
}

static void test_uris(void)
{
	static const struct { const char *uri; int want; const char *says; } t[] = {
		{ "", MMF_ERR_ARG, "no board URI" },
		{ "usb", MMF_ERR_ARG, "unknown board 'usb'" },
		{ "cpu?speed=9", MMF_ERR_ARG, "unknown option 'speed'" },
		{ "cpu?faults=2", MMF_ERR_ARG, "faults" },
		{ "cpu?faults", MMF_ERR_ARG, "no value" },
		{ "cpu?timeout_ms=0", MMF_ERR_ARG, "timeout_ms" },
		{ "cpu?dead_for=5", MMF_ERR_ARG, "needs dead_after" },
		{ "cpu:x", MMF_ERR_ARG, "takes no" },
		{ "sim", MMF_ERR_UNSUPPORTED, "built without the Verilator board" },
		{ "socket:/tmp/mmfree-no-such.sock", MMF_ERR_NO_BOARD, "no virtual board listening" },
		{ "socket:", MMF_ERR_ARG, "socket needs a path" },
		{ "ftdi:FT1234", MMF_ERR_NO_BOARD, "ftdi:FT1234: no " },
		{ "ftdi?baud=0", MMF_ERR_ARG, "a UART rate" },
		{ "cpu?baud=9600", MMF_ERR_ARG, "baud is an option of 'ftdi' only" },
		{ "ftdi?dead_after=3", MMF_ERR_ARG, "cpu' only" },
		/* a key of another kind names the key, the kind that takes it and the kind given */
		{ "socket:/tmp/x?engines=tac2", MMF_ERR_ARG,
		  "engines is an option of 'cpu' only, not of 'socket'" },
		{ "cpu?link=ft245", MMF_ERR_ARG, "link is an option of 'ftdi' only, not of 'cpu'" },
		/* an option twice is refused, not last-one-wins; so is an empty one */
		{ "cpu?seed=1&faults=0&seed=2", MMF_ERR_ARG, "option 'seed' given twice" },
		{ "cpu?wmem=64&wmem", MMF_ERR_ARG, "option 'wmem' given twice" },
		{ "cpu?seed=1&", MMF_ERR_ARG, "an empty option" },
		{ "cpu?", MMF_ERR_ARG, "an empty option" },
	};
	mmf_board *b = (mmf_board *)&g_p;   /* must be set to NULL on failure */
	unsigned i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = mmf_open(t[i].uri, &b);
		CHECK(r == t[i].want && b == NULL, "open '%s': %s, expected %s", t[i].uri,
		      mmf_error_name(r), mmf_error_name(t[i].want));
		CHECK(has(NULL, t[i].says), "open '%s': message '%s' should say '%s'", t[i].uri,
		      mmf_board_error(NULL), t[i].says);
	}
	r = mmf_open("cpu?timeout_ms=50&seed=3&faults=0", &b);
	CHECK(r == MMF_OK, "open with options: %s", mmf_board_error(NULL));
	mmf_close(b);
	CHECK(!strcmp(mmf_error_name(MMF_ERR_TIMEOUT), "MMF_ERR_TIMEOUT") &&
	      !strcmp(mmf_error_name(MMF_ERR_UNSUPPORTED), "MMF_ERR_UNSUPPORTED") &&
	      !strcmp(mmf_error_name(-99), "MMF_ERR_UNKNOWN") && !strcmp(mmf_error_name(0), "MMF_OK"),
	      "error names");
}

int main(int argc, char **argv)
{
	const char *uri = argc > 1 ? argv[1] : "cpu";
	struct mmf_info in;
	struct mmf_link_stats s;
	mmf_board *b;
	int r;

	check_args(argc, argv, 1, NULL, "[URI]", "Every call of libmmfree on the board at URI (default cpu), each "
		   "result checked\nagainst hls_c (tests/host_api.c).");
	r = mmf_open(uri, &b);
	if (r) {
		fprintf(stderr, "open %s: %s (%s)\n", uri, mmf_board_error(NULL), mmf_error_name(r));
		return 1;
	}
	test_info(b, &in);
	test_mem(b);
	test_matvec(b, &in);
	test_errors(b, &in);
	test_counters(b, &in);
	CHECK(mmf_get_link_stats(b, &s) == MMF_OK, "stats");
	CHECK(s.retries == 0 && s.naks == 0 && s.timeouts == 0 && s.rx_dropped == 0 &&
	      s.packets_sent > 100 && s.bytes_out > 1000000 && s.bytes_in > 100000,
	      "clean link: %llu retries %llu naks %llu timeouts %llu dropped", (unsigned long long)s.retries,
	      (unsigned long long)s.naks, (unsigned long long)s.timeouts,
	      (unsigned long long)s.rx_dropped);
	printf("link: %llu packets, %llu bytes out, %llu bytes in, %llu retries\n",
	       (unsigned long long)s.packets_sent, (unsigned long long)s.bytes_out,
	       (unsigned long long)s.bytes_in, (unsigned long long)s.retries);
	mmf_close(b);
	if (argc < 2)
		test_uris();    /* what a build without the Verilator board says about `sim` */
	printf("host_api on %s: %d checks, %d failed\n", uri, g_checks, g_fail);
	return g_fail != 0;
}
