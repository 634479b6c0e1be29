/*
 * host_energy.c: the energy estimate (host/src/energy.c, boards/energy.json).
 *
 * Proves: the built-in coefficient data parses and so does boards/energy.json on disk; every
 * coefficient has a value, unit, source, derivation and a kind of measured / derived / guessed, and
 * both families (ice40up, ice40hx) are there; the estimate is linear in MACs, cycles, busy cycles
 * and link bytes, and additive over runs; counters with no activity give only the always-on terms
 * (static, clock, clocked cells), and all-zero counters give zero; counter differences accumulate
 * across a u32 wrap and the MAC carry; malformed files (not JSON, a missing source, an unknown kind,
 * a missing coefficient, a wrong unit, a board naming an unknown family, an unreadable path) are
 * refused with MMF_ERR_ARG / MMF_ERR_IO and a message naming the field, and the data in use is kept;
 * a real run on the `cpu` board gives a positive estimate labelled as one, whose MAC term is the
 * counted MACs times the engine's coefficient; cell counts come from bitstream and nextpnr reports.
 *
 * Usage: host_energy [boards/energy.json] (run from the repository root by tests/test_host.sh).
 */
#include <math.h>

#include "host_common.h"

static const char *g_tmp = "build/host_energy.tmp.json";  /* build/ exists: the test lives in it */

/* |a - b| within a relative tolerance */
static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b)) + 1e-30;
}

/* The value of coefficient `name` of family `fam` in the data in use; NAN if absent. */
static double coef(const char *fam, const char *name)
{
	struct mmf_energy_coef c;
	unsigned i;

	for (i = 0; mmf_energy_coefficient(i, &c) == MMF_OK; i++)
		if (!strcmp(c.family, fam) && !strcmp(c.name, name))
			return c.value;
	return NAN;
}

/* An iCEBreaker-like INFO: the lut engine alone at 48 MHz. */
static void lut_board(struct mmf_info *in)
{
	memset(in, 0, sizeof(*in));
	in->version = 1;
	in->board_id = 1;
	in->clock_hz = 48000000;
	in->n_engines = 1;
	in->engine[0].id = 2;
	in->engine[0].format = 3;
	in->engine[0].lanes = 36;
}

static void test_data(const char *path)
{
	static const char *const kinds[] = { "measured", "derived", "guessed" };
	struct mmf_energy_coef c;
	unsigned i, k, n[3] = { 0, 0, 0 }, up = 0, hx = 0;
	int r;

	for (i = 0; (r = mmf_energy_coefficient(i, &c)) == MMF_OK; i++) {
		CHECK(c.family && c.name && c.unit && c.source && c.derivation && c.kind,
		      "coefficient %u has a missing string", i);
		if (!c.kind)
			continue;
		for (k = 0; k < 3 && strcmp(c.kind, kinds[k]); k++)
			;
		CHECK(k < 3, "%s.%s: kind '%s'", c.family, c.name, c.kind);
		if (k < 3)
			n[k]++;
		CHECK(strlen(c.source) > 3 && strlen(c.derivation) > 3, "%s.%s: empty source or derivation",
		      c.family, c.name);
		CHECK(isfinite(c.value) && c.value >= 0, "%s.%s: value %g", c.family, c.name, c.value);
		up += !strcmp(c.family, "ice40up");
		hx += !strcmp(c.family, "ice40hx");
	}
	CHECK(r == MMF_ERR_ARG, "past the last coefficient: %s", mmf_error_name(r));
	CHECK(up >= 20 && hx >= 20, "families: %u ice40up, %u ice40hx coefficients", up, hx);
	CHECK(n[0] > 0 && n[1] > 0 && n[2] > 0, "kinds: %u measured, %u derived, %u guessed", n[0], n[1], n[2]);
	/* the UP5K calibration: the measured static power and the derived clock cost */
	CHECK(near(coef("ice40up", "static_w"), 1.297e-4), "static_w %g", coef("ice40up", "static_w"));
	CHECK(coef("ice40up", "clock_j_per_cycle") > 4e-11 && coef("ice40up", "clock_j_per_cycle") < 6e-11,
	      "clock_j_per_cycle %g", coef("ice40up", "clock_j_per_cycle"));
	r = mmf_energy_load(path);
	CHECK(r == MMF_OK, "load %s: %s (%s)", path, mmf_energy_error(), mmf_error_name(r));
	CHECK(near(coef("ice40up", "mac_j_lut3"), 2.53e-12), "file and built-in data differ: mac_j_lut3 %g",
	      coef("ice40up", "mac_j_lut3"));
	CHECK(mmf_energy_load(NULL) == MMF_OK, "back to the built-in data: %s", mmf_energy_error());
	printf("data: %u coefficients (%u measured, %u derived, %u guessed), %u ice40up, %u ice40hx\n", i,
	       n[0], n[1], n[2], up, hx);
}

static void test_linear(void)
{
	struct mmf_info in;
	struct mmf_counter_totals t0, t1, t2, t12;
	struct mmf_energy e0, e1, e2, e12, ez;
	double mac = coef("ice40up", "mac_j_lut3");

	lut_board(&in);
	memset(&t0, 0, sizeof(t0));
	CHECK(mmf_energy_estimate_totals(&in, &t0, NULL, &ez) == MMF_OK, "zero: %s", mmf_energy_error());
	CHECK(ez.total_j == 0 && ez.estimate == 1, "all-zero counters: %g J", ez.total_j);

	/* idle: cycles only */
	t0.cycles = 48000000;
	CHECK(mmf_energy_estimate_totals(&in, &t0, NULL, &e0) == MMF_OK, "idle: %s", mmf_energy_error());
	CHECK(e0.static_j > 0 && e0.clock_j > 0 && e0.logic_j > 0 && e0.mac_j == 0 && e0.spram_j == 0 &&
	      e0.ebr_j == 0 && e0.link_j == 0, "idle second: static %g clock %g logic %g mac %g spram %g ebr %g "
	      "link %g", e0.static_j, e0.clock_j, e0.logic_j, e0.mac_j, e0.spram_j, e0.ebr_j, e0.link_j);
	CHECK(near(e0.seconds, 1) && near(e0.static_j, coef("ice40up", "static_w")) &&
	      near(e0.avg_w, e0.total_j), "one idle second: %g s, %g J static, %g W", e0.seconds, e0.static_j,
	      e0.avg_w);
	/* (the iCEBreaker SoC places in 4266 of 5280 cells, docs/soc.md: not over capacity) */
	CHECK(!strcmp(e0.family, "ice40up") && !strcmp(e0.board, "icebreaker") &&
	      e0.cells == (uint32_t)(coef("ice40up", "soc_base_cells") + coef("ice40up", "engine_cells_lut3")) &&
	      e0.over_capacity == (e0.cells > 5280), "family %s board %s cells %u over %d", e0.family, e0.board,
	      e0.cells, e0.over_capacity);

	/* activity: MACs, busy cycles and link bytes, each alone and together */
	t1 = t0;
	t1.macs = 1000000;
	t1.busy[0] = 27778;
	t2 = t0;
	t2.bytes_in = 5000;
	t2.bytes_out = 700;
	t2.cycles = 12345;
	CHECK(mmf_energy_estimate_totals(&in, &t1, NULL, &e1) == MMF_OK &&
	      mmf_energy_estimate_totals(&in, &t2, NULL, &e2) == MMF_OK, "estimate: %s", mmf_energy_error());
	CHECK(near(e1.mac_j, 1e6 * mac), "mac_j %g for 1e6 MACs at %g", e1.mac_j, mac);
	CHECK(near(e1.spram_j, 27778 * (4 * coef("ice40up", "spram_j_per_read") + coef("ice40up", "stream_j_per_word"))),
	      "spram_j %g", e1.spram_j);
	CHECK(near(e1.ebr_j, 27778 * 24 * coef("ice40up", "ebr_j_per_read")), "ebr_j %g", e1.ebr_j);
	CHECK(near(e2.link_j, 700 * (coef("ice40up", "link_j_per_byte_out") + coef("ice40up", "link_j_per_byte_core")) +
		   5000 * coef("ice40up", "link_j_per_byte_core")), "link_j %g", e2.link_j);
	/* additive: two runs = the two estimates summed */
	t12 = t1;
	mmf_counters_accumulate(&t12, NULL, (const uint32_t[MMF_NUM_COUNTERS]){ 12345, 0, 0, 0, 0, 0, 5000, 700 });
	t12.cycles = t1.cycles + t2.cycles;
	CHECK(mmf_energy_estimate_totals(&in, &t12, NULL, &e12) == MMF_OK, "sum: %s", mmf_energy_error());
	CHECK(near(e12.total_j, e1.total_j + e2.total_j), "additive: %g vs %g + %g", e12.total_j, e1.total_j,
	      e2.total_j);
	/* doubling each counter doubles its terms */
	t12 = t1;
	t12.macs *= 2;
	CHECK(mmf_energy_estimate_totals(&in, &t12, NULL, &e12) == MMF_OK && near(e12.mac_j, 2 * e1.mac_j) &&
	      near(e12.total_j - e1.total_j, e1.mac_j), "2x MACs: mac %g vs %g", e12.mac_j, e1.mac_j);
	t12 = t1;
	t12.cycles *= 3;
	CHECK(mmf_energy_estimate_totals(&in, &t12, NULL, &e12) == MMF_OK &&
	      near(e12.static_j + e12.clock_j + e12.logic_j, 3 * (e1.static_j + e1.clock_j + e1.logic_j)) &&
	      near(e12.mac_j, e1.mac_j), "3x cycles: always-on %g vs %g", e12.static_j + e12.clock_j + e12.logic_j,
	      e1.static_j + e1.clock_j + e1.logic_j);
	t12 = t1;
	t12.busy[0] *= 2;
	CHECK(mmf_energy_estimate_totals(&in, &t12, NULL, &e12) == MMF_OK && near(e12.spram_j, 2 * e1.spram_j) &&
	      near(e12.ebr_j, 2 * e1.ebr_j), "2x busy: spram %g ebr %g", e12.spram_j, e12.ebr_j);
	CHECK(near(e1.j_per_mac, e1.total_j / 1e6) && near(mmf_energy_per_token(&e1, 4), e1.total_j / 4) &&
	      mmf_energy_per_token(&e1, 0) == 0, "per MAC and per token");
	printf("linear: one idle second %.3g J (%.3g W); 1e6 lut3 MACs add %.3g J\n", e0.total_j, e0.avg_w,
	       e1.mac_j);
}

static void test_params_and_refusals(void)
{
	struct mmf_info in;
	struct mmf_counter_totals t;
	struct mmf_energy_params p;
	struct mmf_energy e, e2;
	int r;

	lut_board(&in);
	memset(&t, 0, sizeof(t));
	memset(&p, 0, sizeof(p));
	t.cycles = 1000;
	p.cells = 5000;
	p.no_pll = 1;
	CHECK(mmf_energy_estimate_totals(&in, &t, &p, &e) == MMF_OK && e.cells == 5000, "cells given: %u", e.cells);
	CHECK(mmf_energy_estimate_totals(&in, &t, NULL, &e2) == MMF_OK &&
	      near(e2.clock_j - e.clock_j, coef("ice40up", "pll_w") * e.seconds), "no_pll leaves out the PLL");
	p.family = "ice40hx";
	CHECK(mmf_energy_estimate_totals(&in, &t, &p, &e) == MMF_OK && !strcmp(e.family, "ice40hx"),
	      "family given: %s", e.family);
	p.family = "ecp5";
	r = mmf_energy_estimate_totals(&in, &t, &p, &e);
	CHECK(r == MMF_ERR_ARG && strstr(mmf_energy_error(), "ecp5"), "unknown family: %s %s",
	      mmf_error_name(r), mmf_energy_error());
	in.clock_hz = 0;
	r = mmf_energy_estimate_totals(&in, &t, NULL, &e);
	CHECK(r == MMF_ERR_ARG && strstr(mmf_energy_error(), "0 Hz"), "clock 0: %s", mmf_energy_error());
	in.clock_hz = 48000000;
	in.board_id = 9;
	r = mmf_energy_estimate_totals(&in, &t, NULL, &e);
	CHECK(r == MMF_ERR_ARG && strstr(mmf_energy_error(), "board id 9"), "unknown board: %s",
	      mmf_energy_error());
	CHECK(mmf_energy_estimate(NULL, NULL, &e) == MMF_ERR_ARG, "NULL arguments");
}

/* Write text to the temporary file; 0 or -1. */
static int write_tmp(const char *text)
{
	FILE *f = fopen(g_tmp, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* boards/energy.json with the first occurrence of `from` replaced by `to`, into the temporary file. */
static int write_edited(const char *path, const char *from, const char *to)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 17], out[1 << 17];
	size_t n;
	char *at;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	at = strstr(buf, from);
	if (!at || n + strlen(to) >= sizeof(out))
		return -1;
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
	return write_tmp(out);
}

/* Loading the temporary file is refused with want, the message holding `says`. */
static void refused(int prep, int want, const char *says, const char *what)
{
	double before = coef("ice40up", "mac_j_lut3");
	int r;

	CHECK(prep == 0, "%s: could not write %s", what, g_tmp);
	r = mmf_energy_load(g_tmp);
	CHECK(r == want && strstr(mmf_energy_error(), says), "%s: %s (%s), expected %s naming '%s'", what,
	      mmf_error_name(r), mmf_energy_error(), mmf_error_name(want), says);
	CHECK(near(coef("ice40up", "mac_j_lut3"), before), "%s: the data in use changed", what);
}

static void test_malformed(const char *path)
{
	int r;

	refused(write_tmp("{\"schema\": 1, \"families\": {"), MMF_ERR_ARG, "not valid JSON", "truncated JSON");
	refused(write_tmp("{\"schema\": 2, \"families\": {}, \"boards\": {}}"), MMF_ERR_ARG, "schema", "schema 2");
	refused(write_edited(path, "\"source\": \"tinyvision-ai-inc/ice40_power README, row 'Blank design'\"",
			     "\"origin\": \"x\""), MMF_ERR_ARG, "static_w: not a \"source\"", "no source");
	refused(write_edited(path, "\"kind\": \"guessed\"", "\"kind\": \"invented\""), MMF_ERR_ARG,
		"kind \"invented\"", "unknown kind");
	refused(write_edited(path, "\"mac_j_lut3\"", "\"mac_j_lut4\""), MMF_ERR_ARG, "no \"mac_j_lut3\"",
		"missing coefficient");
	refused(write_edited(path, "\"unit\": \"W\"", "\"unit\": \"mW\""), MMF_ERR_ARG, "unit \"mW\", expected \"W\"",
		"wrong unit");
	refused(write_edited(path, "\"family\": \"ice40hx\"", "\"family\": \"ecp5\""), MMF_ERR_ARG,
		"family \"ecp5\"", "board with an unknown family");
	refused(write_edited(path, "\"value\": 1.297e-4", "\"value\": \"lots\""), MMF_ERR_ARG,
		"static_w: not a \"value\"", "value not a number");
	r = mmf_energy_load("build/tests/no/such/energy.json");
	CHECK(r == MMF_ERR_IO && strstr(mmf_energy_error(), "no/such"), "missing file: %s %s", mmf_error_name(r),
	      mmf_energy_error());
	remove(g_tmp);
	printf("malformed: 9 bad files refused, data in use kept\n");
}

static void test_accumulate(void)
{
	struct mmf_counter_totals t;
	uint32_t prev[MMF_NUM_COUNTERS] = { 0 }, now[MMF_NUM_COUNTERS] = { 0 };

	memset(&t, 0, sizeof(t));
	prev[MMF_COUNTER_CYCLES] = 0xFFFFFF00u;
	now[MMF_COUNTER_CYCLES] = 0x100u;           /* wrapped once */
	prev[MMF_COUNTER_MACS_LO] = 0xFFFFFFF0u;
	now[MMF_COUNTER_MACS_LO] = 0x10u;           /* the low half carried into the high half */
	now[MMF_COUNTER_MACS_HI] = 1;
	prev[MMF_COUNTER_BUSY2] = 5;
	now[MMF_COUNTER_BUSY2] = 9;
	now[MMF_COUNTER_BYTES_OUT] = 77;
	mmf_counters_accumulate(&t, prev, now);
	mmf_counters_accumulate(&t, prev, now);
	CHECK(t.cycles == 0x400 && t.macs == 0x40 && t.busy[2] == 8 && t.bytes_out == 154 && t.busy[0] == 0,
	      "accumulate: cycles %llu macs %llu busy2 %llu out %llu", (unsigned long long)t.cycles,
	      (unsigned long long)t.macs, (unsigned long long)t.busy[2], (unsigned long long)t.bytes_out);
}

static void test_reports(void)
{
	uint32_t cells = 0;

	CHECK(write_tmp("{\"board\": \"icebreaker\", \"cells\": 5012, \"cells_total\": 5280}") == 0 &&
	      mmf_energy_cells_from_report(g_tmp, &cells) == MMF_OK && cells == 5012, "mmfree.json: %u", cells);
	CHECK(write_tmp("{\"utilization\": {\"ICESTORM_LC\": {\"used\": 1528, \"available\": 5280}}}") == 0 &&
	      mmf_energy_cells_from_report(g_tmp, &cells) == MMF_OK && cells == 1528, "nextpnr report: %u", cells);
	CHECK(write_tmp("{\"fmax\": {}}") == 0 && mmf_energy_cells_from_report(g_tmp, &cells) == MMF_ERR_ARG &&
	      strstr(mmf_energy_error(), "ICESTORM_LC"), "no cell count: %s", mmf_energy_error());
	remove(g_tmp);
}

/* A few products on the cpu board, counters read back, the estimate of that run. */
static void test_cpu_run(void)
{
	static struct product p;
	static int32_t y[MMF_MAX_ROWS];
	struct mmf_info in;
	struct mmf_energy e;
	uint32_t c[MMF_NUM_COUNTERS];
	uint64_t rng = 5, macs = 0;
	mmf_board *b;
	uint16_t got;
	char name[32];
	unsigned i, slot;
	int r = mmf_open("cpu", &b);

	CHECK(r == MMF_OK, "open cpu: %s", mmf_board_error(NULL));
	if (r)
		return;
	mmf_get_info(b, &in);
	for (slot = 2; slot != 3; slot = slot == 2 ? 0 : 3) {  /* lut3, then tac5, each alone */
		CHECK(mmf_clear_counters(b) == MMF_OK, "clear: %s", mmf_board_error(b));
		for (i = 0; i < 4; i++) {
			uint32_t k = 100 + 250 * i, rows = 40 + 50 * i;

			CHECK(product_make(&in.engine[slot], k, rows, &p, &rng) == 0, "product %u", i);
			CHECK(mmf_write_mem(b, 0, p.w, p.words) == MMF_OK &&
			      mmf_matvec(b, slot, 0, p.words, p.x, k, y, &got) == MMF_OK && got == rows &&
			      !memcmp(y, p.want, 4u * rows), "slot %u product %u: %s", slot, i, mmf_board_error(b));
			macs += (uint64_t)rows * k;
		}
		CHECK(mmf_read_counters(b, c) == MMF_OK, "read counters: %s", mmf_board_error(b));
		CHECK(mmf_energy_estimate(&in, c, &e) == MMF_OK, "estimate: %s", mmf_energy_error());
		CHECK(e.estimate == 1 && e.total_j > 0 && e.avg_w > 0 && e.mac_j > 0 && e.link_j > 0 &&
		      !strcmp(e.family, "ice40up") && !strcmp(e.board, "sim"), "estimate %d, %g J, %g W, family %s",
		      e.estimate, e.total_j, e.avg_w, e.family);
		CHECK(e.macs == macs, "MACs counted %llu, products %llu", (unsigned long long)e.macs,
		      (unsigned long long)macs);
		/* three engines on one UP5K: more cells than the part has, and the estimate says so */
		CHECK(e.over_capacity == 1 && e.cells > 5280, "cells %u over capacity %d", e.cells, e.over_capacity);
		/* one engine ran: its coefficient times the counted MACs, exactly */
		snprintf(name, sizeof(name), "mac_j_%s", mmf_format_name(in.engine[slot].format));
		CHECK(near(e.mac_j, (double)macs * coef("ice40up", name)), "MAC term %g J, counted %llu x %s %g",
		      e.mac_j, (unsigned long long)macs, name, coef("ice40up", name));
		printf("cpu run: %s, %llu MACs in %u cycles: %.4g J estimated (%.3g W, %.3g J/MAC); MAC term "
		       "%.4g J = MACs x %.3g J\n", mmf_format_name(in.engine[slot].format), (unsigned long long)macs,
		       c[MMF_COUNTER_CYCLES], e.total_j, e.avg_w, e.j_per_mac, e.mac_j, coef("ice40up", name));
		macs = 0;
	}
	mmf_close(b);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "boards/energy.json";

	check_args(argc, argv, 1, NULL, "[ENERGY_JSON]", "The energy estimate with the coefficients of ENERGY_JSON "
		   "(default\nboards/energy.json; tests/host_energy.c).");
	test_data(path);
	test_linear();
	test_params_and_refusals();
	test_malformed(path);
	test_accumulate();
	test_reports();
	test_cpu_run();
	printf("host_energy: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail != 0;
}
