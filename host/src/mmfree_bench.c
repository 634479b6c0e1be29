/*
 * mmfree_bench.c: `mmfree bench link` and `mmfree bench engines`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mmf_engines.h"
#include "mmfree_cli.h"

/* ---- the energy line: an ESTIMATE from the board's counters (host/src/energy.c, docs/power.md) -- */

/* JSON: `, "energy_estimate": {...}`; text: one line. `per` names what n counts ("MAC", "payload
 * byte"); nothing is printed if the estimate cannot be made (e.g. a board the data has no entry for). */
static void print_energy(int json, const struct mmf_info *in, const uint32_t *cnt, const char *per, double n)
{
	struct mmf_energy e;

	if (mmf_energy_estimate(in, cnt, &e) != MMF_OK) {
		if (!json)
			printf("energy       no estimate: %s\n", mmf_energy_error());
		return;
	}
	if (json) {
		printf(", \"energy_estimate\": {\"estimate\": true, \"family\": \"%s\", \"cells\": %u, "
		       "\"over_capacity\": %s, \"seconds\": %.6g, \"total_j\": %.6g, \"avg_w\": %.6g, "
		       "\"static_j\": %.6g, \"clock_j\": %.6g, \"logic_j\": %.6g, \"mac_j\": %.6g, \"spram_j\": %.6g, "
		       "\"ebr_j\": %.6g, \"link_j\": %.6g, \"j_per_%s\": %.6g}", e.family, e.cells,
		       e.over_capacity ? "true" : "false", e.seconds, e.total_j, e.avg_w, e.static_j, e.clock_j,
		       e.logic_j, e.mac_j, e.spram_j, e.ebr_j, e.link_j, strcmp(per, "MAC") ? "byte" : "mac",
		       n > 0 ? e.total_j / n : 0);
		return;
	}
	printf("energy       ESTIMATE, not measured: %.4g mJ in %.4g ms of board time, %.3g mW average, "
	       "%.3g nJ per %s (%s coefficients%s; docs/power.md)\n", e.total_j * 1e3, e.seconds * 1e3,
	       e.avg_w * 1e3, n > 0 ? e.total_j / n * 1e9 : 0.0, per, e.family,
	       e.over_capacity ? ", more logic cells than the part has" : "");
}

/* ---- bench link -------------------------------------------------------------------------------- */

static void link_progress(void *user, uint64_t done, uint64_t total)
{
	cli_progress((const char *)user, done, total);
}

int bench_link(const struct cli_opts *o)
{
	struct mmf_info in;
	struct mmf_link_stats s0, s1;
	mmf_board *b;
	uint64_t *w = NULL, *back = NULL, rng = o->seed | 1, payload, link, bad = 0, first_bad = 0;
	uint32_t n, i, cw[MMF_NUM_COUNTERS], ca[MMF_NUM_COUNTERS];
	double t0, c0, wall, cpu, mb, link_s, up_s, up_ratio, cyc_per_s, all_s;
	char ratio[32];             /* upload_vs_line in JSON: a number, or null without a line */
	int r = cli_open(o, &b), ret = EXIT_FAIL, line;

	if (r)
		return r;
	mmf_get_info(b, &in);
	/* sim's fast mode hands the bytes straight to the packet layer: INFO's line is not in the path,
	 * so there is no line time and no bound to compare with */
	line = in.link_rate && !(mmf_board_flags(b) & MMF_BOARD_NO_LINE);
	n = o->words ? o->words : in.wmem_words;
	if (n > in.wmem_words) {
		fprintf(stderr, "mmfree: bench link: --words %u: the board's weight memory has %u words "
			"(try 'mmfree bench link --help')\n", n, in.wmem_words);
		ret = EXIT_USAGE;
		goto out;
	}
	w = malloc(8u * (size_t)n);
	back = malloc(8u * (size_t)n);
	if (!w || !back) {
		cli_fail("bench link", "out of memory for the words");
		goto out;
	}
	for (i = 0; i < n; i++)
		w[i] = cli_rand(&rng);
	if (cli_progress_on())
		mmf_set_progress(b, link_progress, "bench link: write");
	/* the board's own cycle counter times the upload: simulated time on `sim`, real time on a board */
	r = mmf_clear_counters(b);
	if (r) {
		cli_lib_fail("bench link: clear counters", r, b);
		goto out;
	}
	mmf_get_link_stats(b, &s0);
	t0 = cli_now();
	c0 = cli_cpu();
	r = mmf_write_mem(b, 0, w, n);
	if (!r)
		r = mmf_read_counters(b, cw);
	if (r) {
		cli_progress_done();
		cli_lib_fail("bench link: write", r, b);
		goto out;
	}
	if (cli_progress_on())
		mmf_set_progress(b, link_progress, "bench link: read ");
	r = mmf_read_mem(b, 0, back, n);
	cli_progress_done();
	if (r) {
		cli_lib_fail("bench link: read back", r, b);
		goto out;
	}
	wall = cli_now() - t0;
	cpu = cli_cpu() - c0;
	r = mmf_read_counters(b, ca);
	if (r) {
		cli_lib_fail("bench link: read counters", r, b);
		goto out;
	}
	mmf_get_link_stats(b, &s1);
	/* upload: payload bytes per second of board time against the line's bound (8N1: baud / 10;
	 * SPI: SCK / 8; FIFO: the bus's bytes per second) */
	up_s = in.clock_hz ? (double)cw[MMF_COUNTER_CYCLES] / in.clock_hz : 0;
	up_ratio = up_s > 0 && line ? 8.0 * n / up_s / (in.link_rate / cli_link_units_per_byte(in.link)) : 0;
	cyc_per_s = wall > 0 ? ca[MMF_COUNTER_CYCLES] / wall : 0;
	/* the whole round trip (write, read back, the counter reads) in board time: payload bytes/s */
	all_s = in.clock_hz ? (double)ca[MMF_COUNTER_CYCLES] / in.clock_hz : 0;
	for (i = 0; i < n; i++)
		if (w[i] != back[i] && bad++ == 0)
			first_bad = i;
	payload = 16ull * n;
	link = (s1.bytes_out - s0.bytes_out) + (s1.bytes_in - s0.bytes_in);
	mb = payload / 1e6;
	/* the time the bytes take on the board's wire: 10 bits per byte on a UART, 8 on SPI, one bus
	 * cycle on the FIFO */
	link_s = line ? (double)link * cli_link_units_per_byte(in.link) / in.link_rate : 0;
	if (line)
		snprintf(ratio, sizeof(ratio), "%.4f", up_ratio);
	else
		snprintf(ratio, sizeof(ratio), "null");
	if (o->json) {
		printf("{\"board\": ");
		cli_json_str(stdout, o->board);
		printf(", \"words\": %u, \"mismatches\": %" PRIu64 ", \"payload_bytes\": %" PRIu64
		       ", \"link_bytes\": %" PRIu64 ", \"efficiency\": %.4f, \"wall_s\": %.6f, "
		       "\"wall_s_per_mb\": %.6f, \"cpu_s\": %.6f, \"cpu_s_per_mb\": %.6f, "
		       "\"line\": %s, \"link_s\": %.6f, \"link_rate\": %u, \"packets\": %" PRIu64 ", \"retries\": %"
		       PRIu64 ", \"naks\": %" PRIu64 ", \"timeouts\": %" PRIu64 ", \"upload_board_s\": %.6f, "
		       "\"upload_bytes_per_s\": %.0f, \"upload_vs_line\": %s, \"payload_board_s\": %.6f, "
		       "\"payload_bytes_per_s\": %.0f, \"board_cycles\": %u, "
		       "\"board_cycles_per_wall_s\": %.0f", n, bad, payload,
		       link, (double)payload / link, wall, wall / mb, cpu, cpu / mb, line ? "true" : "false", link_s,
		       in.link_rate, s1.packets_sent - s0.packets_sent, s1.retries - s0.retries,
		       s1.naks - s0.naks, s1.timeouts - s0.timeouts, up_s, up_s > 0 ? 8.0 * n / up_s : 0,
		       ratio, all_s, all_s > 0 ? payload / all_s : 0, ca[MMF_COUNTER_CYCLES], cyc_per_s);
		print_energy(1, &in, ca, "payload byte", (double)payload);
		printf("}\n");
	} else {
		printf("bench link on %s: %u words written and read back, %" PRIu64 " differ\n",
		       o->board, n, bad);
		printf("payload      %" PRIu64 " bytes (written + read)\n", payload);
		printf("link         %" PRIu64 " bytes in %" PRIu64 " packets (out %" PRIu64 ", in %"
		       PRIu64 ")\n", link, s1.packets_sent - s0.packets_sent, s1.bytes_out - s0.bytes_out,
		       s1.bytes_in - s0.bytes_in);
		printf("efficiency   %.4f (payload / link bytes)\n", (double)payload / link);
		printf("wall         %.4f s, %.4f s per MB\n", wall, wall / mb);
		printf("host cpu     %.4f s, %.4f s per MB\n", cpu, cpu / mb);
		if (line)
			printf("link time    %.4f s at %u %s (the bytes on the board's wire)\n", link_s,
			       in.link_rate, cli_link_rate_unit(in.link));
		else
			printf("link time    none: no line (%s's fast mode hands the bytes straight to the "
			       "packet layer; INFO's %u %s is the line of sim?uart=1)\n", o->board, in.link_rate,
			       cli_link_rate_unit(in.link));
		printf("retries      %" PRIu64 " (naks %" PRIu64 ", timeouts %" PRIu64 ")\n",
		       s1.retries - s0.retries, s1.naks - s0.naks, s1.timeouts - s0.timeouts);
		printf("upload       %.4f s of board time (%u cycles): %.0f bytes/s", up_s, cw[MMF_COUNTER_CYCLES],
		       up_s > 0 ? 8.0 * n / up_s : 0);
		if (line)
			printf(", %.3f of the line's bound (%.0f bytes/s: %u %s / %.0f)\n", up_ratio,
			       in.link_rate / cli_link_units_per_byte(in.link), in.link_rate,
			       cli_link_rate_unit(in.link), cli_link_units_per_byte(in.link));
		else
			printf("; no line, so no bound to compare with\n");
		printf("round trip   %.4f s of board time (write, read back): %.0f payload bytes/s\n", all_s,
		       all_s > 0 ? payload / all_s : 0);
		printf("board clock  %u cycles in %.3f s wall: %.2f M cycles per wall second\n",
		       ca[MMF_COUNTER_CYCLES], wall, cyc_per_s / 1e6);
		print_energy(0, &in, ca, "payload byte", (double)payload);
	}
	if (bad) {
		fprintf(stderr, "mmfree: bench link: %" PRIu64 " of %u words differ, the first at address "
			"%" PRIu64 ": wrote %016" PRIx64 ", read %016" PRIx64 "\n", bad, n, first_bad,
			w[first_bad], back[first_bad]);
		goto out;
	}
	ret = EXIT_OK;
out:
	free(back);
	free(w);
	mmf_close(b);
	return ret;
}

/* ---- bench engines ----------------------------------------------------------------------------- */

/* The host's models: large (activation buffers, tables), so static. */
static mmf_engines_t ref;

/* Does the engine table have the slot's format, read by the slot's engine? */
static int fmt_known(const struct mmf_engine_info *e)
{
	return e->format < MMF_N_FORMATS && mmf_fmts[e->format].engine == e->id;
}

/* Random weights for the slot, packed; returns the words, or -1 if the format has no packer here. */
static int32_t make_weights(const struct mmf_engine_info *e, uint64_t *rng, uint32_t rows, uint32_t k,
			    int8_t *wt, uint64_t *out, uint32_t out_words)
{
	uint64_t i, n = (uint64_t)rows * k;
	int pow2 = e->format < MMF_N_FORMATS && mmf_fmts[e->format].quant == MMF_QUANT_POW2;

	for (i = 0; i < n; i++)
		wt[i] = pow2 ? (int8_t)(cli_rand(rng) % 16) : (int8_t)(cli_rand(rng) % 3) - 1;
	return mmf_eng_pack(e->format, e->lanes, wt, rows, k, out, out_words);
}

/* The hls_c model's answer; -1 if the slot is not one the models can be. */
static int ref_matvec(const struct mmf_engine_info *e, const int8_t *x, uint32_t k, const uint64_t *w,
		      uint32_t words, int32_t *y)
{
	if (!fmt_known(e) || mmf_eng_init(&ref, e->format, e->lanes) || mmf_eng_load(&ref, e->format, x, k))
		return -1;
	return (int)mmf_eng_matvec(&ref, e->format, w, words, y);
}

/* Per engine slot. */
struct eng_result {
	uint32_t products;          /* matrix-vector products done */
	uint32_t mismatches;        /* products with a result that differs from the model's */
	uint64_t macs;              /* rows x K summed */
};

/* Buffers for one product, sized for the largest. */
struct bufs {
	int8_t *wt;                 /* weights (or sac codes), rows x K */
	uint64_t *words;            /* packed */
	int8_t *x;                  /* activations */
	int32_t *y, *want;          /* the board's results, the model's */
};

/* One random product on slot e; EXIT_OK, or the exit code after printing why not. */
static int one_product(mmf_board *b, const struct mmf_info *in, unsigned e, uint64_t *rng,
		       struct bufs *u, struct eng_result *res)
{
	const struct mmf_engine_info *ei = &in->engine[e];
	uint32_t k = 1 + (uint32_t)(cli_rand(rng) % ei->max_cols), wpr = (k + ei->lanes - 1) / ei->lanes;
	uint32_t rmax = in->wmem_words / wpr < in->res_rows ? in->wmem_words / wpr : in->res_rows;
	uint32_t rows = 1 + (uint32_t)(cli_rand(rng) % rmax), i, base;
	int32_t words = make_weights(ei, rng, rows, k, u->wt, u->words, in->wmem_words);
	char what[160];
	uint16_t got;
	int r, want_rows;

	snprintf(what, sizeof(what), "bench engines: slot %u (%s) product %u, K %u, %u rows", e,
		 mmf_format_name(ei->format), res->products, k, rows);
	if (words < 0)
		return cli_fail(what, "the host's packer refused the matrix");
	base = (uint32_t)(cli_rand(rng) % (in->wmem_words - (uint32_t)words + 1));
	for (i = 0; i < k; i++)
		u->x[i] = (int8_t)cli_rand(rng);
	want_rows = ref_matvec(ei, u->x, k, u->words, (uint32_t)words, u->want);
	if (want_rows < 0)
		return cli_fail(what, "the hls_c model cannot be this engine (id, format, lanes, K)");
	r = mmf_write_mem(b, base, u->words, (uint32_t)words);
	if (!r)
		r = mmf_matvec(b, e, base, (uint32_t)words, u->x, k, u->y, &got);
	if (r)
		return cli_lib_fail(what, r, b);
	res->products++;
	res->macs += (uint64_t)rows * k;
	if (got != (uint32_t)want_rows || memcmp(u->y, u->want, 4u * got)) {
		for (i = 0; i < got && u->y[i] == u->want[i]; i++)
			;
		fprintf(stderr, "mmfree: %s, base %u: row %u: board %" PRId32 ", hls_c %" PRId32
			" (%u rows, model %d); the same --seed repeats it\n", what, base, i,
			i < got ? u->y[i] : 0, i < got ? u->want[i] : 0, got, want_rows);
		res->mismatches++;
	}
	return EXIT_OK;
}

static void print_engines(const struct cli_opts *o, const struct mmf_info *in, const struct eng_result *res,
			  const uint32_t *cnt, const struct mmf_link_stats *s, double wall)
{
	uint64_t products = 0, bad = 0, busy, macs = 0;
	unsigned e;

	for (e = 0; e < in->n_engines; e++) {
		products += res[e].products;
		bad += res[e].mismatches;
		macs += res[e].macs;
	}
	if (o->json) {
		printf("{\"board\": ");
		cli_json_str(stdout, o->board);
		printf(", \"count\": %u, \"seed\": %" PRIu64 ", \"transactions\": %" PRIu64
		       ", \"mismatches\": %" PRIu64 ", \"retries\": %" PRIu64 ", \"naks\": %" PRIu64
		       ", \"timeouts\": %" PRIu64 ", \"wall_s\": %.4f, \"engines\": [", o->count, o->seed,
		       products, bad, s->retries, s->naks, s->timeouts, wall);
		for (e = 0; e < in->n_engines; e++) {
			busy = e < 3 ? cnt[MMF_COUNTER_BUSY0 + e] : 0;
			printf("%s{\"slot\": %u, \"engine\": \"%s\", \"format\": \"%s\", \"lanes\": %u, "
			       "\"transactions\": %u, \"mismatches\": %u, \"macs\": %" PRIu64
			       ", \"busy_cycles\": %" PRIu64 "}", e ? ", " : "", e,
			       mmf_engine_name(in->engine[e].id), mmf_format_name(in->engine[e].format),
			       in->engine[e].lanes, res[e].products, res[e].mismatches, res[e].macs, busy);
		}
		printf("]");
		print_energy(1, in, cnt, "MAC", (double)macs);
		printf("}\n");
		return;
	}
	printf("bench engines on %s: %u random products per engine (seed %" PRIu64 "), every result "
	       "checked against hls_c\n", o->board, o->count, o->seed);
	printf("slot engine format lanes products mismatches          MACs  busy cycles MACs/cycle\n");
	for (e = 0; e < in->n_engines; e++) {
		busy = e < 3 ? cnt[MMF_COUNTER_BUSY0 + e] : 0;
		printf("%4u %-6s %-6s %5u %8u %10u %13" PRIu64 " %12" PRIu64 " %10.2f\n", e,
		       mmf_engine_name(in->engine[e].id), mmf_format_name(in->engine[e].format),
		       in->engine[e].lanes, res[e].products, res[e].mismatches, res[e].macs, busy,
		       busy ? (double)res[e].macs / busy : 0.0);
	}
	printf("total: %" PRIu64 " products, %" PRIu64 " mismatches; link: %" PRIu64 " retries, %"
	       PRIu64 " naks, %" PRIu64 " timeouts; %.2f s\n", products, bad, s->retries, s->naks,
	       s->timeouts, wall);
	print_energy(0, in, cnt, "MAC", (double)macs);
}

int bench_engines(const struct cli_opts *o)
{
	struct mmf_info in;
	struct mmf_link_stats s;
	struct eng_result res[MMF_INFO_MAX_ENGINES];
	struct bufs u = { NULL, NULL, NULL, NULL, NULL };
	uint32_t cnt[MMF_NUM_COUNTERS], i, maxk = 1;
	uint64_t rng = o->seed ^ 0x2545f4914f6cdd1dull, bad = 0;
	mmf_board *b;
	unsigned e;
	double t0;
	int r = cli_open(o, &b), ret = EXIT_FAIL;

	if (r)
		return r;
	if (!rng)
		rng = 1;
	mmf_get_info(b, &in);
	memset(res, 0, sizeof(res));
	for (e = 0; e < in.n_engines; e++)
		maxk = in.engine[e].max_cols > maxk ? in.engine[e].max_cols : maxk;
	/* rows x K <= words x lanes <= wmem x 255 */
	u.wt = malloc((size_t)in.wmem_words * 255u);
	u.words = malloc(8u * (size_t)in.wmem_words);
	u.x = malloc(maxk);
	u.y = malloc(4u * 65536u);
	u.want = malloc(4u * 65536u);
	if (!u.wt || !u.words || !u.x || !u.y || !u.want) {
		cli_fail("bench engines", "out of memory for the matrices");
		goto out;
	}
	r = mmf_clear_counters(b);
	if (r) {
		cli_lib_fail("bench engines: clear counters", r, b);
		goto out;
	}
	t0 = cli_now();
	for (e = 0; e < in.n_engines; e++) {
		for (i = 0; i < o->count; i++) {
			if (one_product(b, &in, e, &rng, &u, &res[e]))
				goto out;
			cli_progress(e == 0 ? "bench engines: slot 0" : e == 1 ? "bench engines: slot 1" :
				     "bench engines: slot 2+", i + 1, o->count);
		}
		bad += res[e].mismatches;
	}
	cli_progress_done();        /* the report starts on a clean line */
	r = mmf_read_counters(b, cnt);
	if (r) {
		cli_lib_fail("bench engines: read counters", r, b);
		goto out;
	}
	mmf_get_link_stats(b, &s);
	print_engines(o, &in, res, cnt, &s, cli_now() - t0);
	ret = bad ? EXIT_FAIL : EXIT_OK;
	if (bad)
		fprintf(stderr, "mmfree: bench engines: %" PRIu64 " products differ from hls_c\n", bad);
out:
	cli_progress_done();
	free(u.want);
	free(u.y);
	free(u.x);
	free(u.words);
	free(u.wt);
	mmf_close(b);
	return ret;
}
