/*
 * mmfree_power.c: `mmfree power` (read a meter alone), and what `mmfree run` and `mmfree bench model`
 * do with a meter: idle power before the run, readings in a thread alongside generation lined up
 * with each token's start and end, the measured figures, and the plot (gnuplot, SVG). A meter read
 * through the run's own board (`board`, mmf_meter_polled) gets no thread: it is read between the
 * run's commands, after every token, so its I2C commands never interleave with a token's.
 *
 * Measured figures are printed as MEASURED and never replace the estimate of docs/power.md: both are
 * shown. A sensor MODEL's readings (the INA226 model of a simulated board, sigrok's demo driver:
 * mmf_meter_source) are printed as SIMULATED, and on a simulated board their per-token figures take
 * the board's clock (cycles / clock), not the wall time the simulation took. When the meter cannot be
 * opened or gives no reading, the run goes on and says that the energy figures are the estimate.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmfree_cli.h"
#include "outfile.h"

enum {
	IDLE_MS = 1000,             /* idle window before a run */
	LABEL_MAX = 80,             /* tokens labelled one by one in a plot; more: every k-th */
};

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A JSON number, or null for NAN. */
static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fprintf(f, "null");
}

/* The label of a meter's readings: MEASURED, or SIMULATED for a sensor model (mmf_meter_source). */
static const char *source_label(const mmf_meter *m)
{
	return strcmp(mmf_meter_source(m), "simulated") ? "MEASURED" : "SIMULATED";
}

/* ---- mmfree power ------------------------------------------------------------------------------ */

static void help_power(FILE *f)
{
	fprintf(f, "usage: mmfree power --meter URI [--board URI] [--seconds S] [--interval MS] [--json]\n\n"
		"Read a power meter alone: one reading every MS milliseconds for S seconds, printed as\n"
		"it comes (time, W, and V and A when the meter gives them), then the average. A\n"
		"MEASUREMENT, unlike the energy estimate of `run` and `bench`; docs/power.md. A sensor\n"
		"model (the INA226 of a simulated board, sigrok's demo) is labelled SIMULATED instead.\n\n"
		"  --meter URI     the meter (below)\n"
		"  --board URI     the board a `board` meter is read through (its FPGA reads the INA226)\n"
		"  --seconds S     how long (default 3)\n"
		"  --interval MS   time between readings (default 200); a slower meter sets its own pace\n"
		"  --json          one JSON object on stdout\n\n%s", cli_meters_help);
}

const char cli_meters_help[] =
	"Meters (--meter URI):\n"
	"  sigrok:DRIVER[:conn=PORT...]   a meter sigrok-cli drives (baylibre-acme, rdtech-um, ...);\n"
	"                   ?channels=A,B  ?group=G&config=K=V  ?samples=N (a run per reading)\n"
	"                   ?time_ms=N  ?timeout_ms=N\n"
	"  hwmon:PATH|NAME  a Linux hwmon device: power1_input, or in1_input x curr1_input (?ch=N)\n"
	"  ina2xx:PATH|NAME an INA219/INA226 under the ina2xx driver (?shunt_uohm=R: the real shunt)\n"
	"  um:TTY           RDTech UM24C/UM25C/UM34C (e.g. um:/dev/rfcomm0; ?baud=B&timeout_ms=N)\n"
	"  rapl[:PATH]      the CPU package's RAPL energy counter (root only since Linux 5.10)\n"
	"  board[:shunt=OHMS,addr=A]  an INA226 on the board, read by its FPGA over I2C (through the\n"
	"                   run's --board; shunt default 0.1 ohm, addr 0x40)\n"
	"  e.g. --meter ina2xx:ina226   --meter 'sigrok:baylibre-acme?channels=P1_ENRG_PWR'\n";

int cmd_power(int argc, char **argv)
{
	const char *uri = NULL, *board_uri = NULL;
	struct mmf_meter_sample *s = NULL, one;
	mmf_board *b = NULL;
	double seconds = 3, t0, next, sum = 0, mn = INFINITY, mx = -INFINITY, energy = 0, sv = 0, sa = 0;
	uint64_t interval = 200;
	size_t n = 0, cap = 0, i, nv = 0, na = 0;
	unsigned failures = 0;
	static const char *const valued[] = { "--meter", "--seconds", "--interval", "--board" };
	mmf_meter *m = NULL;
	uint64_t seen = 0;
	int a, json = 0, r;

	for (a = 0; a < argc; a++) {
		const char *opt = argv[a], *val = NULL;
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			help_power(stdout);
			return EXIT_OK;
		}
		if (!strcmp(opt, "--json")) {
			if ((r = cli_once("power", opt, &seen, 1)))
				return r;
			json = 1;
			continue;
		}
		/* --opt VALUE or --opt=VALUE, as every command takes them */
		for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++) {
			size_t len = strlen(valued[i]);
			if (!strncmp(opt, valued[i], len) && (opt[len] == '\0' || opt[len] == '=')) {
				val = opt[len] == '=' ? opt + len + 1 : NULL;
				opt = valued[i];
				break;
			}
		}
		if (i == sizeof(valued) / sizeof(valued[0]))
			return cli_usage("power", "unknown option '%s'", opt);
		/* one bit an option, from its first letter: --meter, --seconds, --interval, --board */
		if ((r = cli_once("power", opt, &seen, (uint64_t)2 << (opt[2] - 'a'))))
			return r;
		if (!val && a + 1 >= argc)
			return cli_usage("power", "%s needs a value", opt);
		if (!val)
			val = argv[++a];
		if (!strcmp(opt, "--meter")) {
			uri = val;
		} else if (!strcmp(opt, "--board")) {
			board_uri = val;
		} else if (!strcmp(opt, "--seconds")) {
			if (cli_parse_real(val, &seconds) || !(seconds > 0 && seconds <= 86400))
				return cli_usage("power", "--seconds '%s': a number of seconds above 0 (up to "
						 "86400)", val);
		} else if ((r = cli_parse_num("power", opt, val, 3600000, &interval))) {
			return r;
		} else if (!interval) {
			return cli_usage("power", "--interval '%s': at least 1 ms", val);
		}
	}
	if (!uri)
		return cli_usage("power", "%s", "--meter URI is required (e.g. --meter hwmon:ina226)");
	if (board_uri && (r = mmf_open(board_uri, &b))) {
		fprintf(stderr, "mmfree: power: board '%s': %s (%s)\n", board_uri, mmf_board_error(NULL),
			mmf_error_name(r));
		return r == MMF_ERR_ARG ? EXIT_USAGE : EXIT_FAIL;
	}
	r = mmf_meter_open_board(uri, b, &m);
	if (r) {
		fprintf(stderr, "mmfree: power: %s (%s)\n", mmf_meter_error(NULL), mmf_error_name(r));
		mmf_close(b);
		return r == MMF_ERR_ARG ? EXIT_USAGE : EXIT_FAIL;
	}
	if (!json)
		printf("meter      %s\n           %s\n       t s          W          V          A\n", uri,
		       mmf_meter_describe(m));
	t0 = next = mmf_meter_now();
	while (mmf_meter_now() - t0 < seconds) {
		r = mmf_meter_read(m, &one);
		if (r) {
			failures++;
			fprintf(stderr, "mmfree: power: reading failed: %s (%s)\n", mmf_meter_error(m),
				mmf_error_name(r));
		} else {
			if (n == cap) {
				struct mmf_meter_sample *ns = realloc(s, (cap = cap ? 2 * cap : 64) * sizeof(*s));
				if (!ns) {
					r = cli_fail("power", "out of memory");
					goto out;
				}
				s = ns;
			}
			s[n++] = one;
			if (!json) {
				printf("%8.3f %10.4f", one.t - t0, one.w);
				if (isfinite(one.v))
					printf(" %10.4f", one.v);
				else
					printf("          -");
				if (isfinite(one.a))
					printf(" %10.4f\n", one.a);
				else
					printf("          -\n");
				fflush(stdout);
			}
		}
		next += interval * 1e-3;
		sleep_s(fmin(next, t0 + seconds) - mmf_meter_now());
	}
	if (!n) {
		fprintf(stderr, "mmfree: power: no reading from '%s' in %.1f s (%u failed)\n", uri, seconds,
			failures);
		r = EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		sum += s[i].w;
		mn = fmin(mn, s[i].w);
		mx = fmax(mx, s[i].w);
		if (isfinite(s[i].v)) {
			sv += s[i].v;
			nv++;
		}
		if (isfinite(s[i].a)) {
			sa += s[i].a;
			na++;
		}
	}
	mmf_meter_energy(s, n, s[0].t - s[0].window_s, s[n - 1].t, &energy);
	if (json) {
		printf("{\"meter\": ");
		cli_json_str(stdout, uri);
		printf(", \"source\": \"%s\", \"description\": ", mmf_meter_source(m));
		cli_json_str(stdout, mmf_meter_describe(m));
		printf(", \"interval_ms\": %llu, \"seconds\": %.3f, \"readings\": %zu, \"failures\": %u, "
		       "\"avg_w\": %.6g, \"min_w\": %.6g, \"max_w\": %.6g, \"avg_v\": ",
		       (unsigned long long)interval, seconds, n, failures, sum / n, mn, mx);
		json_num(stdout, nv ? sv / nv : NAN);
		printf(", \"avg_a\": ");
		json_num(stdout, na ? sa / na : NAN);
		printf(", \"energy_j\": %.6g, \"span_s\": %.4f, \"samples\": [", energy,
		       s[n - 1].t - s[0].t + s[0].window_s);
		for (i = 0; i < n; i++) {
			printf("%s{\"t\": %.4f, \"w\": %.6g, \"v\": ", i ? ", " : "", s[i].t - t0, s[i].w);
			json_num(stdout, s[i].v);
			printf(", \"a\": ");
			json_num(stdout, s[i].a);
			printf(", \"window_s\": %.4f}", s[i].window_s);
		}
		printf("]}\n");
	} else {
		printf("average    %.4f W %s over %zu readings (min %.4f, max %.4f)", sum / n, source_label(m),
		       n, mn, mx);
		if (nv)
			printf(", %.4f V", sv / nv);
		if (na)
			printf(", %.4f A", sa / na);
		printf("; %.4g J in %.2f s%s\n", energy, s[n - 1].t - s[0].t + s[0].window_s,
		       failures ? " (some readings failed: see above)" : "");
	}
	r = EXIT_OK;
out:
	free(s);
	mmf_meter_close(m);
	mmf_close(b);
	return r;
}

/* ---- a meter alongside a run ------------------------------------------------------------------- */

/* The stderr line for a meter that gives nothing. */
static void no_measurement(const struct power_run *p, const char *cmd, int estimate)
{
	fprintf(stderr, "mmfree: %s: no measurement: %s; %s\n", cmd, p->meter_err, estimate ?
		"the energy figures are the ESTIMATE" : "and no estimate either (the host kernels have no "
		"board counters)");
}

int power_begin(struct power_run *p, const char *cmd, int estimate)
{
	int r;

	p->meter_err[0] = '\0';
	if (!p->meter_uri)
		return EXIT_OK;
	if (!p->interval_ms)
		p->interval_ms = 50;
	r = mmf_meter_open_board(p->meter_uri, p->board, &p->m);
	if (r) {
		snprintf(p->meter_err, sizeof(p->meter_err), "%s (%s)", mmf_meter_error(NULL),
			 mmf_error_name(r));
		no_measurement(p, cmd, estimate);
		p->m = NULL;
		return EXIT_OK;
	}
	/* the idle window: the board attached and placed, nothing running */
	p->t0 = mmf_meter_now();
	r = mmf_meter_rec_start(p->m, p->interval_ms, &p->rec);
	if (r) {
		snprintf(p->meter_err, sizeof(p->meter_err), "%s (%s)", mmf_meter_error(p->m),
			 mmf_error_name(r));
		no_measurement(p, cmd, estimate);
		mmf_meter_close(p->m);
		p->m = NULL;
		return EXIT_OK;
	}
	if (mmf_meter_polled(p->m)) {
		/* read through the board: from this thread, every interval of the idle window */
		double end = p->t0 + IDLE_MS * 1e-3, next = p->t0;
		while ((next += p->interval_ms * 1e-3) < end) {
			sleep_s(next - mmf_meter_now());
			mmf_meter_rec_poll(p->rec);
		}
		sleep_s(end - mmf_meter_now());
	} else {
		sleep_s(IDLE_MS * 1e-3);
	}
	p->idle_t1 = mmf_meter_now();
	return EXIT_OK;
}

void power_start(struct power_run *p, const struct mmf_counter_totals *c)
{
	struct mmf_info in;

	if (!c || !p->board)
		return;
	p->c_start = *c;
	p->have_start = 1;
	mmf_get_info(p->board, &in);
	p->clock_hz = in.clock_hz;
}

/* A sensor model read through a simulated board: figures over the board's clock. */
static int board_clock(const struct power_run *p)
{
	return p->m && !strcmp(mmf_meter_source(p->m), "simulated") && p->board &&
	       (mmf_board_flags(p->board) & MMF_BOARD_SIMULATED) && p->have_start && p->clock_hz;
}

/* Token i's board time: its cycles (since the previous token's counters) / the clock. */
static double tok_board_s(const struct power_run *p, size_t i)
{
	uint64_t a = i ? p->tok_c[i - 1].cycles : p->c_start.cycles;

	return (double)(p->tok_c[i].cycles - a) / p->clock_hz;
}

int power_token(struct power_run *p, double t0, double t1, const struct mmf_counter_totals *c)
{
	if (p->n_tok == p->cap_tok) {
		size_t cap = p->cap_tok ? 2 * p->cap_tok : 64;
		double *a = realloc(p->tok_t0, cap * sizeof(double));
		double *b = a ? realloc(p->tok_t1, cap * sizeof(double)) : NULL;
		struct mmf_counter_totals *ct = b ? realloc(p->tok_c, cap * sizeof(*ct)) : NULL;
		if (a)
			p->tok_t0 = a;
		if (b)
			p->tok_t1 = b;
		if (!ct)
			return cli_fail("power", "out of memory");
		p->tok_c = ct;
		p->cap_tok = cap;
	}
	/* a polled meter (`board`): one reading after every token, between the run's commands */
	if (p->rec)
		mmf_meter_rec_poll(p->rec);
	p->tok_t0[p->n_tok] = t0;
	p->tok_t1[p->n_tok] = t1;
	if (c)
		p->tok_c[p->n_tok] = *c;
	else
		memset(&p->tok_c[p->n_tok], 0, sizeof(*c));
	p->n_tok++;
	return EXIT_OK;
}

/* The measured figures, from the recording; 0 if there is no measurement (meter_err says why). */
struct power_figures {
	double idle_w;              /* mean power over the idle window */
	double active_w;            /* mean power from the first token's start to the last one's end */
	double run_s;               /* that span */
	double run_j;               /* energy over it */
	double j_per_token;         /* run_j / tokens */
	double j_above_idle;        /* (active_w - idle_w) x run_s / tokens: the energy the work added */
	double tps_per_w;           /* tokens / run_s / active_w */
	int board_clock;            /* run_s is board time (a sensor model on a simulated board), and the
				     * energies are active_w x board time; else all is wall time */
	size_t readings;            /* readings in all */
	size_t in_idle, in_run;     /* readings inside the idle window and the run */
};

static int figures(const struct power_run *p, struct power_figures *f)
{
	const struct mmf_meter_sample *s;
	double j_idle = 0;
	size_t n, i;

	memset(f, 0, sizeof(*f));
	if (!p->rec || !p->n_tok)
		return 0;
	n = mmf_meter_rec_samples(p->rec, &s);
	if (!n)
		return 0;
	f->readings = n;
	f->run_s = p->tok_t1[p->n_tok - 1] - p->tok_t0[0];
	for (i = 0; i < n; i++) {
		f->in_idle += s[i].t >= p->t0 && s[i].t <= p->idle_t1;
		f->in_run += s[i].t >= p->tok_t0[0] && s[i].t <= p->tok_t1[p->n_tok - 1];
	}
	mmf_meter_energy(s, n, p->t0, p->idle_t1, &j_idle);
	mmf_meter_energy(s, n, p->tok_t0[0], p->tok_t1[p->n_tok - 1], &f->run_j);
	f->idle_w = p->idle_t1 > p->t0 ? j_idle / (p->idle_t1 - p->t0) : 0;
	f->active_w = f->run_s > 0 ? f->run_j / f->run_s : 0;
	if (board_clock(p)) {
		/* the simulation's wall time is not the board's: the model's power over the cycles */
		f->board_clock = 1;
		f->run_s = (double)(p->tok_c[p->n_tok - 1].cycles - p->c_start.cycles) / p->clock_hz;
		f->run_j = f->active_w * f->run_s;
	}
	f->j_per_token = f->run_j / p->n_tok;
	f->j_above_idle = (f->active_w - f->idle_w) * f->run_s / p->n_tok;
	f->tps_per_w = f->run_s > 0 && f->active_w > 0 ? p->n_tok / f->run_s / f->active_w : 0;
	return 1;
}

void power_end(struct power_run *p, const char *cmd, int estimate)
{
	const struct mmf_meter_sample *s;

	if (!p->rec)
		return;
	mmf_meter_rec_stop(p->rec);
	if (!mmf_meter_rec_samples(p->rec, &s)) {
		snprintf(p->meter_err, sizeof(p->meter_err), "meter '%s' gave no reading (%u failed: %s)",
			 p->meter_uri, mmf_meter_rec_failures(p->rec), mmf_meter_rec_error(p->rec));
		no_measurement(p, cmd, estimate);
	}
}

void power_print(FILE *f, const struct power_run *p, int has_estimate, int json)
{
	const struct mmf_meter_sample *s;
	struct power_figures g;
	size_t n, i;
	int have;

	if (!p->meter_uri)
		return;
	have = figures(p, &g);
	if (json) {
		fprintf(f, ", \"power\": {\"source\": \"%s\", \"measured\": %s, \"meter\": ",
			have ? mmf_meter_source(p->m) : has_estimate ? "estimate" : "none",
			have && !strcmp(mmf_meter_source(p->m), "measured") ? "true" : "false");
		cli_json_str(f, p->meter_uri);
		if (!have) {
			fprintf(f, ", \"error\": ");
			cli_json_str(f, p->meter_err[0] ? p->meter_err : "no token ran");
			fprintf(f, "}");
			return;
		}
		fprintf(f, ", \"description\": ");
		cli_json_str(f, mmf_meter_describe(p->m));
		fprintf(f, ", \"time\": \"%s\"", g.board_clock ? "board clock" : "wall");
		fprintf(f, ", \"interval_ms\": %u, \"idle_s\": %.4f, \"idle_w\": %.6g, \"active_w\": %.6g, "
			"\"run_s\": %.9g, \"run_j\": %.6g, \"j_per_token\": %.6g, \"j_per_token_above_idle\": "
			"%.6g, \"tokens_per_s_per_w\": %.6g, \"token_intervals\": %zu, \"readings\": %zu, "
			"\"readings_idle\": %zu, \"readings_run\": %zu, \"read_failures\": %u, "
			"\"time_origin\": \"idle start\", \"intervals\": [",
			p->interval_ms, p->idle_t1 - p->t0, g.idle_w, g.active_w, g.run_s, g.run_j,
			g.j_per_token, g.j_above_idle, g.tps_per_w, p->n_tok, g.readings, g.in_idle, g.in_run,
			mmf_meter_rec_failures(p->rec));
		n = mmf_meter_rec_samples(p->rec, &s);
		for (i = 0; i < p->n_tok; i++) {
			double j = 0;
			mmf_meter_energy(s, n, p->tok_t0[i], p->tok_t1[i], &j);
			if (g.board_clock) {
				/* the model's power over the token's wall window, for the token's board time */
				double ws = p->tok_t1[i] - p->tok_t0[i], bs = tok_board_s(p, i);
				j = ws > 0 ? j / ws * bs : 0;
				fprintf(f, "%s{\"t0\": %.6f, \"t1\": %.6f, \"board_s\": %.9f, \"j\": %.6g}",
					i ? ", " : "", p->tok_t0[i] - p->t0, p->tok_t1[i] - p->t0, bs, j);
				continue;
			}
			fprintf(f, "%s{\"t0\": %.6f, \"t1\": %.6f, \"j\": %.6g}", i ? ", " : "",
				p->tok_t0[i] - p->t0, p->tok_t1[i] - p->t0, j);
		}
		fprintf(f, "], \"samples\": [");
		for (i = 0; i < n; i++)
			fprintf(f, "%s[%.5f, %.6g]", i ? ", " : "", s[i].t - p->t0, s[i].w);
		fprintf(f, "]}");
		return;
	}
	if (!have) {
		fprintf(f, "power      NOT MEASURED: %s; %s\n",
			p->meter_err[0] ? p->meter_err : "no token ran",
			has_estimate ? "the energy line below is the ESTIMATE" : "and there is no estimate either");
		return;
	}
	fprintf(f, "power      %s (%s): %.4g W active, %.4g W idle, %.4g J/token (%.4g above idle), "
		"%.4g tokens/s/W%s\n", source_label(p->m), p->meter_uri, g.active_w, g.idle_w, g.j_per_token,
		g.j_above_idle, g.tps_per_w, g.board_clock ? " at the board's clock" : "");
	fprintf(f, "           %s; %zu readings %s %u ms%s: %zu in the %.2f s idle window, %zu in the "
		"%.2f s%s of %zu token intervals%s%s\n", mmf_meter_describe(p->m), g.readings,
		mmf_meter_polled(p->m) ? "idle every" : "every", p->interval_ms,
		mmf_meter_polled(p->m) ? ", then one after every token" : "", g.in_idle, p->idle_t1 - p->t0,
		g.in_run, g.board_clock ? g.run_s : p->tok_t1[p->n_tok - 1] - p->tok_t0[0],
		g.board_clock ? " of board time (the simulation took longer)" : "", p->n_tok,
		mmf_meter_rec_failures(p->rec) ? ", some readings failed: " : "",
		mmf_meter_rec_failures(p->rec) ? mmf_meter_rec_error(p->rec) : "");
	if (g.in_run < 2)
		fprintf(f, "           (fewer than 2 readings inside the run: its figures lean on the readings "
			"around it; use a smaller --meter-interval or more tokens)\n");
}

void power_free(struct power_run *p)
{
	mmf_meter_rec_free(p->rec);
	mmf_meter_close(p->m);
	free(p->tok_t0);
	free(p->tok_t1);
	free(p->tok_c);
	p->rec = NULL;
	p->m = NULL;
	p->tok_t0 = p->tok_t1 = NULL;
	p->tok_c = NULL;
}

/* ---- the plot ---------------------------------------------------------------------------------- */

/* A gnuplot double-quoted string: backslash and quote escaped, a newline as \n (a line break). */
static void gp_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Token labels and boundaries: one dashed line at every token start and after the last end, and a
 * label "tN" centred on each token (every k-th one past LABEL_MAX tokens). */
static void gp_tokens(FILE *f, const double *a, const double *b, size_t n)
{
	size_t i, k = n > LABEL_MAX ? (n + LABEL_MAX - 1) / LABEL_MAX : 1;

	for (i = 0; i < n; i++) {
		fprintf(f, "set arrow from %.6f, graph 0 to %.6f, graph 1 nohead lc rgb '#888888' dt 2\n",
			a[i], a[i]);
		if (i % k == 0)
			fprintf(f, "set label 'tok%zu' at %.6f, graph 0.98 right rotate by 90 font ',8' front noenhanced\n",
				i + 1, 0.5 * (a[i] + b[i]));
	}
	if (n)
		fprintf(f, "set arrow from %.6f, graph 0 to %.6f, graph 1 nohead lc rgb '#888888' dt 2\n",
			b[n - 1], b[n - 1]);
}

/* Copy the file at from to the output file to (outfile.h's rules); 0, or -1 with why in msg. */
static int copy_out(const char *from, const char *to, char *msg, size_t len)
{
	char buf[65536];
	struct mmfi_out o;
	FILE *in = fopen(from, "rb");
	size_t k;
	int r;

	if (!in) {
		snprintf(msg, len, "cannot read %s: %s", from, strerror(errno));
		return -1;
	}
	r = mmfi_out_open(&o, to, msg, len);
	while (!r && (k = fread(buf, 1, sizeof(buf), in)) > 0)
		r = mmfi_out_write(&o, buf, k, msg, len);
	if (!r && ferror(in)) {
		snprintf(msg, len, "cannot read %s", from);
		r = -1;
	}
	fclose(in);
	if (r)
		mmfi_out_abort(&o);
	else
		r = mmfi_out_commit(&o, msg, len);
	return r ? -1 : 0;
}

/* Run gnuplot on script in dir, its stderr into dir/gnuplot.err; 0, or -1 with why in msg. */
static int run_gnuplot(const char *dir, const char *script, char *msg, size_t len)
{
	char errpath[512];
	int st, fd;
	pid_t pid;

	snprintf(errpath, sizeof(errpath), "%s/gnuplot.err", dir);
	pid = fork();
	if (pid == 0) {
		/* its messages into a file, and none on our stdout (which may be carrying JSON) */
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		snprintf(msg, len, "cannot run gnuplot: %s", strerror(errno));
		return -1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(msg, len, "gnuplot not found (install the Debian package gnuplot-nox: scripts/deps.sh)");
	} else {
		char line[300] = "";
		FILE *e = fopen(errpath, "r");
		while (e && fgets(line, sizeof(line), e) && !strstr(line, "rror"))
			;
		if (e)
			fclose(e);
		line[strcspn(line, "\n")] = '\0';
		snprintf(msg, len, "gnuplot failed (status %d): %s", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
			 line);
	}
	return -1;
}

int power_plot(const struct power_run *p, const char *plot, const struct mmf_info *info, const char *cmd)
{
	static const char *const names[] = { "power.dat", "plot.gp", "plot.svg", "gnuplot.err" };
	const char *tmp = getenv("TMPDIR");
	char dir[256], scratch[4][320], *path = scratch[0], *script = scratch[1], *out = scratch[2],
		msg[700] = "";
	int slot[5];
	const struct mmf_meter_sample *s;
	struct power_figures g;
	FILE *f;
	size_t n = 0, i;
	int measured = figures(p, &g), r = EXIT_FAIL;
	double *a = NULL, *b = NULL;

	if (!measured && (!info || !p->n_tok)) {
		fprintf(stderr, "mmfree: %s: no plot: no meter reading and no board counters to estimate from "
			"(use --meter, or a board such as --board sim)\n", cmd);
		return EXIT_FAIL;
	}
	snprintf(dir, sizeof(dir), "%s/mmfree-plot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mmfree: %s: no plot: cannot make a directory in %s: %s\n", cmd,
			tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return EXIT_FAIL;
	}
	/* the scratch files, on the list an interrupt removes (the directory after them) */
	slot[4] = mmfi_out_pending_add(dir);
	for (i = 0; i < 4; i++) {
		snprintf(scratch[i], sizeof(scratch[i]), "%s/%s", dir, names[i]);
		slot[i] = mmfi_out_pending_add(scratch[i]);
	}
	a = malloc((p->n_tok + 1) * sizeof(double));
	b = malloc((p->n_tok + 1) * sizeof(double));
	f = a && b ? fopen(path, "w") : NULL;
	if (!f) {
		snprintf(msg, sizeof(msg), "cannot write %s", path);
		goto out;
	}
	if (measured) {
		/* readings over wall time from the idle window's start */
		n = mmf_meter_rec_samples(p->rec, &s);
		for (i = 0; i < n; i++)
			fprintf(f, "%.6f %.9g\n", s[i].t - p->t0, s[i].w);
		for (i = 0; i < p->n_tok; i++) {
			a[i] = p->tok_t0[i] - p->t0;
			b[i] = p->tok_t1[i] - p->t0;
		}
	} else {
		/* the estimate per token over board time: each token's counters through the model */
		double t = 0;
		for (i = 0; i < p->n_tok; i++) {
			struct mmf_counter_totals d = p->tok_c[i];
			struct mmf_energy e;
			if (i) {
				const struct mmf_counter_totals *q = &p->tok_c[i - 1];
				unsigned k;
				d.cycles -= q->cycles;
				for (k = 0; k < 3; k++)
					d.busy[k] -= q->busy[k];
				d.macs -= q->macs;
				d.bytes_in -= q->bytes_in;
				d.bytes_out -= q->bytes_out;
			}
			memset(&e, 0, sizeof(e));
			mmf_energy_estimate_totals(info, &d, NULL, &e);
			a[i] = t;
			t += e.seconds;
			b[i] = t;
			fprintf(f, "%.9f %.9f %.9g\n", a[i], b[i], e.seconds > 0 ? e.total_j / e.seconds : 0);
		}
	}
	fclose(f);
	f = fopen(script, "w");
	if (!f) {
		snprintf(msg, sizeof(msg), "cannot write %s", script);
		goto out;
	}
	fprintf(f, "set terminal svg size 960,480 dynamic font 'sans,11' background rgb 'white'\n"
		"set output '%s'\nset grid ytics\nset key below\n"
		/* room above the data for the token labels */
		"set offsets 0, 0, graph 0.25, graph 0.05\n", out);
	if (measured) {
		char title[900];
		snprintf(title, sizeof(title), "%s power, %s (%s)\n%.4g W active, %.4g W idle, %.4g "
			 "J/token over %zu tokens; dashed lines: token boundaries", source_label(p->m),
			 p->meter_uri,
			 mmf_meter_describe(p->m), g.active_w, g.idle_w, g.j_per_token, p->n_tok);
		fprintf(f, "set title ");
		gp_str(f, title);
		fprintf(f, " noenhanced\n");
		fprintf(f, "set xlabel 'seconds from the start of the %.1f s idle window'\nset ylabel 'W'\n",
			p->idle_t1 - p->t0);
		fprintf(f, "set object 1 rect from 0, graph 0 to %.6f, graph 1 fc rgb '#eeeeee' fs solid "
			"noborder behind\nset label 'idle' at %.6f, graph 0.92 center\n", p->idle_t1 - p->t0,
			0.5 * (p->idle_t1 - p->t0));
		gp_tokens(f, a, b, p->n_tok);
		fprintf(f, "plot '%s' using 1:2 with linespoints pt 7 ps 0.5 lc rgb '#0060b0' title "
			"'%s W'\n", path, strcmp(mmf_meter_source(p->m), "simulated") ? "measured" : "simulated");
	} else {
		fprintf(f, "set title ");
		gp_str(f, "ESTIMATED power per token: the board's counters x the coefficients of "
		       "boards/energy.json, NOT a measurement (docs/power.md)");
		fprintf(f, " noenhanced\nset xlabel 'board time, seconds (cycles / clock)'\n"
			"set ylabel 'W (estimated)'\nset yrange [0:*]\n");
		gp_tokens(f, a, b, p->n_tok);
		fprintf(f, "plot '%s' using (($1+$2)/2):3:($2-$1) with boxes fs solid 0.35 lc rgb '#c06000' "
			"title 'estimated W per token'\n", path);
	}
	fclose(f);
	if (run_gnuplot(dir, script, msg, sizeof(msg)))
		goto out;
	if (copy_out(out, plot, msg, sizeof(msg)))
		goto out;
	r = EXIT_OK;
out:
	if (r)
		fprintf(stderr, "mmfree: %s: no plot: %s\n", cmd, msg);
	free(a);
	free(b);
	/* the temporary directory: data, script, picture, gnuplot's messages */
	for (i = 0; i < 4; i++) {
		remove(scratch[i]);
		mmfi_out_pending_del(slot[i]);
	}
	rmdir(dir);
	mmfi_out_pending_del(slot[4]);
	return r;
}
