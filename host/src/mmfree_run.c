/*
 * mmfree_run.c: `mmfree run` (generate text with a MatMul-free LM on a board or the host kernels) and
 * `mmfree bench model` (the same, measured: load, placement, tokens/s, board cycles, link bytes).
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mmf_engines.h"
#include "mmfree_cli.h"
#include "outfile.h"

enum { MAX_PROMPT = 65536 };

/* Options of run and bench model. */
struct run_opts {
	const char *model;          /* --model DIR */
	const char *board;          /* --board URI ("host": the host kernels, no board) */
	const char *prompt;         /* --prompt TEXT */
	const char *prompt_ids;     /* --prompt-ids 1,5,9 */
	const char *logits;         /* --logits FILE */
	unsigned engine;            /* --engine NAME: a weight format (mmf_model_opts.engine) */
	int engine_set;             /* --engine given; else the board's default (mmf_model_engine_default) */
	uint64_t max_new;           /* --max-new N */
	int greedy;                 /* --greedy given (the default) */
	double temperature;         /* --temperature T */
	uint64_t seed;              /* --seed S */
	int seed_set;               /* --seed given */
	int json;                   /* --json */
	int quiet;                  /* --quiet: no streamed text */
	const char *meter;          /* --meter URI: measure power (mmfree_power.c) */
	uint64_t meter_interval;    /* --meter-interval MS */
	const char *plot;           /* --plot FILE.svg */
};

static const char board_help[] =
	"  --board URI     host (default: the hls_c kernels in this process, no board, no link, fast),\n"
	"                  cpu (the board's C model behind the link: cycles and the energy estimate),\n"
	"                  sim, sim?uart=1, cpu?OPTIONS, ...: see `mmfree --help`\n"
	"  --meter URI     measure power with a meter (`mmfree power --help` lists them): ~1 s idle\n"
	"                  first, then readings alongside the tokens; reported as MEASURED beside the\n"
	"                  estimate (a meter that fails leaves the estimate alone, and says so)\n"
	"  --meter-interval MS  time between meter readings (default 50)\n"
	"  --plot FILE.svg power over time with the token boundaries (gnuplot); without a meter, the\n"
	"                  ESTIMATED power per token from the board's counters\n";

/* The engine choices, "tac, tac2, lut, sac", in the order the default takes them: those board INFO
 * in has (in NULL: all of them); "" if none. */
static const char *engine_list(char *buf, size_t n, const struct mmf_info *in)
{
	size_t len = 0;
	unsigned r;
	int e;

	buf[0] = '\0';
	for (r = 0; (e = mmf_model_engine_rank(r)) >= 0 && len < n; r++)
		if (mmf_model_engine_slot(in, (unsigned)e) >= 0)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
						mmf_model_engine_name((unsigned)e));
	return buf;
}

void cli_engines_help(FILE *f)
{
	const mmf_fmt_row_t *row;
	unsigned r;
	int e;

	fprintf(f, "  --engine E      the engine the weights are packed for (the engine table, docs/datapaths.md):\n");
	for (r = 0; (e = mmf_model_engine_rank(r)) >= 0; r++) {
		row = &mmf_fmts[e];
		fprintf(f, "                    %-5s %s engine, %s weights, %u lanes, K up to %u a product%s\n",
			row->choice, mmf_engine_kinds[row->engine], row->name, row->lanes,
			mmf_fmt_max_cols((unsigned)e),
			row->quant == MMF_QUANT_POW2 ? ",\n                          power-of-two weights: "
			"the model variant made for it" : "");
	}
	fprintf(f, "                  default: the first of these that the board has (INFO), named on\n"
		"                  stderr; %s on the host kernels\n", mmf_model_engine_name(
			(unsigned)mmf_model_engine_rank(0)));
}

static void help_run(FILE *f)
{
	fprintf(f, "usage: mmfree run --model DIR [--prompt TEXT | --prompt-ids 1,5,9] [--max-new N]\n"
		"                  [--greedy | --temperature T --seed S] [--board URI] [--engine E]\n"
		"                  [--logits FILE] [--json] [--quiet] [--meter URI] [--plot FILE.svg]\n\n"
		"Load a MatMul-free LM checkpoint (config.json + safetensors, see docs/checkpoints.md),\n"
		"quantise it for the engine, place it on the board (resident when it fits, else streamed)\n"
		"and generate. The host does norms, gates and the recurrence in float32; the engine does\n"
		"every matrix-vector product. Text streams to stdout as it is generated (control bytes\n"
		"shown as \\xNN); a summary goes to stderr.\n\n"
		"  --model DIR     checkpoint folder (mmfree mkmodel writes one)\n"
		"  --prompt TEXT   encoded with the model's tokenizer, <s> first (default: <s> alone)\n"
		"  --prompt-ids L  token ids, comma-separated, used as given\n"
		"  --max-new N     tokens to generate (default 32); stops early at </s>\n"
		"  --greedy        take the most likely token (default)\n"
		"  --temperature T sample from softmax(logits / T), with --seed S (default 1)\n");
	cli_engines_help(f);
	fprintf(f, "%s"
		"  --logits FILE   write little-endian float32 logits [T, vocab]: one row per prompt\n"
		"                  position (teacher-forced), then one per generated token\n"
		"  --json          one JSON object on stdout: ids, text, timings, board counters\n"
		"  --quiet         no streamed text\n\n%s\n"
		"e.g. mmfree run --model build/demo-model --board 'sim:icebreaker?uart=1&timeout_ms=5'\n"
		"        --prompt 'Hello' --max-new 16      (the lut engine: the one the iCEBreaker has)\n",
		board_help, cli_files_help);
}

static void help_bench_model(FILE *f)
{
	fprintf(f, "usage: mmfree bench model --model DIR [--board URI] [--engine E]\n"
		"                          [--tokens N] [--json] [--meter URI] [--plot FILE.svg]\n\n"
		"Measure a model end to end: load and quantise time, peak resident memory, placement\n"
		"(resident or streamed, upload time), then N greedy tokens from <s>: tokens/s of wall\n"
		"time, and on a board tokens/s at the board's clock from its cycle counter, with engine\n"
		"busy cycles, link bytes per token and host time per token.\n\n"
		"  --model DIR     checkpoint folder\n"
		"  --tokens N      tokens to run (default 8)\n");
	cli_engines_help(f);
	fprintf(f, "%s"
		"  --json          one JSON object on stdout\n\n%s", board_help, cli_files_help);
}

/* ---- options ----------------------------------------------------------------------------------- */

int parse_engine(const char *cmd, const char *s, unsigned *e)
{
	char names[64], msg[128];
	unsigned r;
	int x;

	for (r = 0; (x = mmf_model_engine_rank(r)) >= 0; r++)
		if (!strcmp(s, mmf_model_engine_name((unsigned)x))) {
			*e = (unsigned)x;
			return EXIT_OK;
		}
	snprintf(msg, sizeof(msg), "--engine '%.32s': one of %s", s, engine_list(names, sizeof(names), NULL));
	return cli_usage(cmd, "%s", msg);
}

/* -1 to go on, else the exit code. bench: the options of `bench model`. */
static int parse_run(int argc, char **argv, const char *cmd, int bench, struct run_opts *o)
{
	static const char *const with_val[] = {
		"--model", "--board", "--prompt", "--prompt-ids", "--logits", "--engine", "--max-new",
		"--temperature", "--seed", "--tokens", "--meter", "--meter-interval", "--plot",
	};
	enum { SEEN_JSON = 1u << 20, SEEN_GREEDY = 1u << 21, SEEN_QUIET = 1u << 22 };
	const char *opt, *val;
	uint64_t seen = 0;
	size_t i, n;
	int a, r;

	for (a = 0; a < argc; a++) {
		opt = argv[a];
		val = NULL;
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			(bench ? help_bench_model : help_run)(stdout);
			return EXIT_OK;
		}
		if (!strcmp(opt, "--json")) {
			if ((r = cli_once(cmd, opt, &seen, SEEN_JSON)))
				return r;
			o->json = 1;
			continue;
		}
		if (!bench && !strcmp(opt, "--greedy")) {
			if ((r = cli_once(cmd, opt, &seen, SEEN_GREEDY)))
				return r;
			o->greedy = 1;
			continue;
		}
		if (!bench && !strcmp(opt, "--quiet")) {
			if ((r = cli_once(cmd, opt, &seen, SEEN_QUIET)))
				return r;
			o->quiet = 1;
			continue;
		}
		for (i = 0; i < sizeof(with_val) / sizeof(with_val[0]); i++) {
			n = strlen(with_val[i]);
			if (!strncmp(opt, with_val[i], n) && (opt[n] == '\0' || opt[n] == '=')) {
				val = opt[n] == '=' ? opt + n + 1 : NULL;
				opt = with_val[i];
				break;
			}
		}
		if (i == sizeof(with_val) / sizeof(with_val[0]) ||
		    (bench && strcmp(opt, "--model") && strcmp(opt, "--board") && strcmp(opt, "--engine") &&
		     strcmp(opt, "--tokens") && strncmp(opt, "--meter", 7) && strcmp(opt, "--plot")) ||
		    (!bench && !strcmp(opt, "--tokens")))
			return cli_usage(cmd, "unknown option '%s'", argv[a]);
		if ((r = cli_once(cmd, opt, &seen, (uint64_t)1 << i)))
			return r;
		if (!val && a + 1 >= argc)
			return cli_usage(cmd, "%s needs a value", opt);
		if (!val)
			val = argv[++a];
		r = EXIT_OK;
		if (!strcmp(opt, "--model"))
			o->model = val;
		else if (!strcmp(opt, "--board"))
			o->board = val;
		else if (!strcmp(opt, "--prompt"))
			o->prompt = val;
		else if (!strcmp(opt, "--prompt-ids"))
			o->prompt_ids = val;
		else if (!strcmp(opt, "--logits"))
			o->logits = val;
		else if (!strcmp(opt, "--meter"))
			o->meter = val;
		else if (!strcmp(opt, "--plot"))
			o->plot = val;
		else if (!strcmp(opt, "--meter-interval")) {
			r = cli_parse_num(cmd, opt, val, 60000, &o->meter_interval);
			if (!r && !o->meter_interval)
				return cli_usage(cmd, "%s", "--meter-interval: at least 1 ms");
		}
		else if (!strcmp(opt, "--engine")) {
			r = parse_engine(cmd, val, &o->engine);
			o->engine_set = 1;
		}
		else if (!strcmp(opt, "--max-new") || !strcmp(opt, "--tokens")) {
			r = cli_parse_num(cmd, opt, val, 1000000, &o->max_new);
			/* run --max-new 0 still gives the prompt's logits; a benchmark of 0 tokens measures
			 * nothing */
			if (!r && bench && !o->max_new)
				return cli_usage(cmd, "%s", "--tokens 0: at least 1 token to measure");
		}
		else if (!strcmp(opt, "--seed")) {
			r = cli_parse_num(cmd, opt, val, UINT64_MAX, &o->seed);
			o->seed_set = 1;
		}
		else if (!strcmp(opt, "--temperature")) {
			if (cli_parse_real(val, &o->temperature) || !(o->temperature > 0) ||
			    o->temperature > 100)
				return cli_usage(cmd, "--temperature '%s': a number above 0 (up to 100)", val);
		}
		if (r)
			return r;
	}
	if (!o->model)
		return cli_usage(cmd, "%s", "--model DIR is required (mmfree mkmodel writes one)");
	if (o->prompt && o->prompt_ids)
		return cli_usage(cmd, "%s", "give --prompt or --prompt-ids, not both");
	/* greedy takes the most likely token: a temperature would be ignored, and so would a seed */
	if (o->greedy && o->temperature > 0)
		return cli_usage(cmd, "%s", "--greedy and --temperature contradict each other: give one");
	if (o->seed_set && o->temperature <= 0)
		return cli_usage(cmd, "%s", "--seed seeds the sampling: it needs --temperature (greedy "
				 "decoding draws nothing)");
	return -1;
}

/* "1,5,9" into ids: decimal ids below vocab, one comma between each two, nothing else; EXIT_OK or
 * EXIT_USAGE. */
static int parse_ids(const char *s, int vocab, int32_t *ids, int max, int *n)
{
	char msg[160];
	char *end;
	long v;

	*n = 0;
	if (!*s)
		return cli_usage("run", "%s", "--prompt-ids: no ids");
	for (;;) {
		v = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (v < 0 || (*end && *end != ',') || (*end == ',' && !end[1])) {
			snprintf(msg, sizeof(msg), "--prompt-ids: '%.40s' (id %d on): not a comma-separated "
				 "list of whole numbers", s, *n + 1);
			return cli_usage("run", "%s", msg);
		}
		if (v >= vocab) {
			snprintf(msg, sizeof(msg), "--prompt-ids: id %d is %ld, not below the vocabulary size "
				 "%d", *n + 1, v, vocab);
			return cli_usage("run", "%s", msg);
		}
		if (*n >= max) {
			snprintf(msg, sizeof(msg), "--prompt-ids: more than %d ids", max);
			return cli_usage("run", "%s", msg);
		}
		ids[(*n)++] = (int32_t)v;
		if (!*end)
			return EXIT_OK;
		s = end + 1;
	}
}

/* ---- shared by run and bench ------------------------------------------------------------------- */

static void load_progress(void *user, uint64_t done, uint64_t total)
{
	cli_progress((const char *)user, done, total);
}

/* The engine: --engine's if the board has it, else the first the board has (said on stderr).
 * EXIT_OK, or the exit status after saying why not. */
static int session_engine(const struct run_opts *o, const char *cmd, const struct session *s,
			  unsigned *engine)
{
	const struct mmf_info *in = s->b ? &s->info : NULL;
	char has[64], all[64];

	*engine = o->engine;
	if (o->engine_set && mmf_model_engine_slot(in, o->engine) >= 0)
		return EXIT_OK;
	if (o->engine_set) {
		fprintf(stderr, "mmfree: %s: --engine %s: board %s (%s) has no %s engine; it has %s (try "
			"'mmfree %s --help')\n", cmd, mmf_model_engine_name(o->engine),
			mmf_board_name(s->info.board_id), o->board, mmf_model_engine_name(o->engine),
			*engine_list(has, sizeof(has), in) ? has : "none of them", cmd);
		return EXIT_USAGE;
	}
	if (mmf_model_engine_default(in, engine)) {
		fprintf(stderr, "mmfree: %s: board %s (%s) has none of the engines a model runs on (%s): "
			"`mmfree info --board %s` lists its slots\n", cmd, mmf_board_name(s->info.board_id),
			o->board, engine_list(all, sizeof(all), NULL), o->board);
		return EXIT_FAIL;
	}
	if (in)
		fprintf(stderr, "mmfree: %s: the %s engine, the first of %s that board %s has "
			"(--engine chooses)\n", cmd, mmf_model_engine_name(*engine),
			engine_list(all, sizeof(all), NULL), mmf_board_name(s->info.board_id));
	return EXIT_OK;
}

static int session_open(const struct run_opts *o, const char *cmd, struct session *s)
{
	struct mmf_model_opts mo = { 0, load_progress, (void *)"quantising" };
	struct cli_opts co;
	double t0;
	int r;

	memset(s, 0, sizeof(*s));
	/* the board first: which engines it has decides the weights' packing */
	if (o->board && strcmp(o->board, MMFI_CLI_HOST_BOARD)) {
		memset(&co, 0, sizeof(co));
		co.board = o->board;
		r = cli_open(&co, &s->b);
		if (r)
			return r;
		mmf_get_info(s->b, &s->info);
	}
	r = session_engine(o, cmd, s, &mo.engine);
	if (r)
		return r;
	t0 = cli_now();
	r = mmf_model_load(o->model, &mo, &s->m);
	cli_progress_done();
	if (r) {
		fprintf(stderr, "mmfree: load model %s: %s (%s)\n", o->model, mmf_model_error(NULL),
			mmf_error_name(r));
		return r == MMF_ERR_ARG ? EXIT_FAIL : EXIT_FAIL;
	}
	s->load_s = cli_now() - t0;
	mmf_model_describe(s->m, &s->desc);
	if (s->b)
		mmf_set_progress(s->b, load_progress, (void *)"placing weights");
	t0 = cli_now();
	r = mmf_model_attach(s->m, s->b);
	cli_progress_done();
	if (s->b)
		mmf_set_progress(s->b, NULL, NULL);
	if (r) {
		fprintf(stderr, "mmfree: place model on %s: %s (%s)\n", o->board, mmf_model_error(s->m),
			mmf_error_name(r));
		return EXIT_FAIL;
	}
	s->place_s = cli_now() - t0;
	if (s->b) {
		r = mmf_clear_counters(s->b);
		if (r)
			return cli_lib_fail("clear counters", r, s->b);
	}
	mmf_model_reset_stats(s->m);
	return EXIT_OK;
}

int session_open_model(const char *cmd, const char *model, const char *board, int engine,
		       struct session *s)
{
	struct run_opts o;

	memset(&o, 0, sizeof(o));
	o.model = model;
	o.board = board;
	o.engine = engine < 0 ? 0 : (unsigned)engine;
	o.engine_set = engine >= 0;
	return session_open(&o, cmd, s);
}

/* Add the counters moved since the last reading (they are 32-bit on the board and wrap). */
int session_counters(struct session *s)
{
	uint32_t now[MMF_NUM_COUNTERS];
	int r;

	if (!s->b)
		return EXIT_OK;
	r = mmf_read_counters(s->b, now);
	if (r)
		return cli_lib_fail("read counters", r, s->b);
	mmf_counters_accumulate(&s->c, s->last, now);
	memcpy(s->last, now, sizeof(now));
	return EXIT_OK;
}

void session_close(struct session *s)
{
	mmf_model_free(s->m);
	mmf_close(s->b);
}

static uint64_t macs_of(const struct session *s)
{
	return s->c.macs;
}

/* The energy estimate of the run and the idle power (one second of cycles, nothing else moving),
 * from the board's counters; 0 when there is no board or no estimate. */
static int energy_of(const struct session *s, struct mmf_energy *e, double *idle_w)
{
	struct mmf_counter_totals idle;
	struct mmf_energy ei;

	if (!s->b || mmf_energy_estimate_totals(&s->info, &s->c, NULL, e))
		return 0;
	memset(&idle, 0, sizeof(idle));
	idle.cycles = s->info.clock_hz;
	*idle_w = mmf_energy_estimate_totals(&s->info, &idle, NULL, &ei) ? 0 : ei.avg_w;
	return 1;
}

/* The figures of a run, text or JSON members (after an opening brace and other members). */
static void print_figures(FILE *f, const struct session *s, const struct run_opts *o, double wall,
			  int json, const struct power_run *pr)
{
	struct mmf_model_stats st;
	struct mmf_energy e;
	uint64_t tok, cyc, busy = 0, bytes;
	double clk_tps = 0, hz, link_s, idle_w = 0;
	int line;                   /* the bytes cross INFO's line (not sim's fast mode) */
	int has_e = energy_of(s, &e, &idle_w);

	mmf_model_stats(s->m, &st);
	tok = st.tokens ? st.tokens : 1;
	cyc = s->c.cycles;
	bytes = s->c.bytes_in + s->c.bytes_out;
	hz = s->b ? s->info.clock_hz : 0;
	/* the bytes' time on the board's wire: 10 bits a byte on a UART, 8 on SPI, a bus cycle on FIFO */
	line = s->b && s->info.link_rate && !(mmf_board_flags(s->b) & MMF_BOARD_NO_LINE);
	link_s = line ? (double)bytes * cli_link_units_per_byte(s->info.link) /
		 s->info.link_rate : 0;
	if (s->b) {
		unsigned e;
		for (e = 0; e < s->info.n_engines && e < 3; e++)
			busy += s->c.busy[e];
		clk_tps = cyc ? hz * st.tokens / (double)cyc : 0;
	}
	if (json) {
		fprintf(f, "\"board\": ");
		cli_json_str(f, o->board ? o->board : MMFI_CLI_HOST_BOARD);
		fprintf(f, ", \"engine\": \"%s\", \"format\": \"%s\", \"hidden\": %d, \"layers\": %d, "
			"\"vocab\": %d, \"intermediate\": %d, \"params\": %llu, \"packed_bytes\": %llu, "
			"\"quant_error\": %.6f, \"tokenizer\": \"%s\", \"load_s\": %.3f, \"place_s\": %.3f, "
			"\"on_board\": %s, \"resident\": %s, \"tokens\": %llu, \"wall_s\": %.4f, "
			"\"tokens_per_s_wall\": %.3f, \"host_s\": %.4f, \"engine_s\": %.4f, "
			"\"upload_words\": %llu, \"macs\": %llu",
			mmf_engine_name(s->desc.engine), mmf_format_name(s->desc.format), s->desc.hidden,
			s->desc.layers, s->desc.vocab, s->desc.intermediate,
			(unsigned long long)s->desc.params, (unsigned long long)s->desc.packed_words * 8,
			s->desc.quant_error, s->desc.tokenizer, s->load_s, s->place_s,
			st.on_board ? "true" : "false", st.resident ? "true" : "false",
			(unsigned long long)st.tokens, wall, wall > 0 ? st.tokens / wall : 0, st.host_s,
			st.engine_s, (unsigned long long)st.upload_words, (unsigned long long)st.macs);
		if (s->b) {
			struct mmf_link_stats ls;
			mmf_get_link_stats(s->b, &ls);
			fprintf(f, ", \"link_retries\": %llu, \"link_timeouts\": %llu",
				(unsigned long long)ls.retries, (unsigned long long)ls.timeouts);
		}
		if (s->b)
			fprintf(f, ", \"board_clock_hz\": %.0f, \"board_cycles\": %llu, "
				"\"board_cycles_per_token\": %.1f, \"tokens_per_s_at_clock\": %.3f, "
				"\"engine_busy_cycles\": %llu, \"board_macs\": %llu, \"link_bytes\": %llu, "
				"\"link_bytes_per_token\": %.1f, \"link_s_per_token\": %.6f, \"line\": %s, \"crc_errors\": %llu, "
				"\"naks\": %llu",
				hz, (unsigned long long)cyc, (double)cyc / tok, clk_tps,
				(unsigned long long)busy, (unsigned long long)macs_of(s),
				(unsigned long long)bytes, (double)bytes / tok, link_s / tok, line ? "true" : "false",
				(unsigned long long)s->c.crc_errors, (unsigned long long)s->c.naks);
		if (has_e)
			fprintf(f, ", \"energy_estimate\": {\"estimate\": true, \"measured\": false, "
				"\"family\": \"%s\", \"over_capacity\": %s, \"j_per_token\": %.6g, "
				"\"avg_w\": %.6g, \"idle_w\": %.6g, \"tokens_per_s_per_w\": %.6g, "
				"\"total_j\": %.6g, \"static_j\": %.6g, \"clock_j\": %.6g, \"logic_j\": %.6g, "
				"\"mac_j\": %.6g, \"spram_j\": %.6g, \"ebr_j\": %.6g, \"link_j\": %.6g}",
				e.family, e.over_capacity ? "true" : "false", e.total_j / tok, e.avg_w, idle_w,
				e.avg_w > 0 ? clk_tps / e.avg_w : 0, e.total_j, e.static_j, e.clock_j,
				e.logic_j, e.mac_j, e.spram_j, e.ebr_j, e.link_j);
		power_print(f, pr, has_e, 1);
		return;
	}
	fprintf(f, "model      d=%d L=%d V=%d I=%d, %llu parameters, tokenizer %s, %s engine (%s), %.2f MB packed, "
		"weight error %.3f\n", s->desc.hidden, s->desc.layers, s->desc.vocab, s->desc.intermediate,
		(unsigned long long)s->desc.params, s->desc.tokenizer, mmf_engine_name(s->desc.engine),
		mmf_format_name(s->desc.format), s->desc.packed_words * 8 / 1e6, s->desc.quant_error);
	fprintf(f, "load       %.2f s (quantise and pack); placement %.2f s, %s\n", s->load_s, s->place_s,
		!st.on_board ? "host kernels" : st.resident ? "resident on the board" :
		"streamed every token");
	fprintf(f, "tokens     %llu in %.2f s wall: %.2f tokens/s (host float %.3f s, engine %.3f s)\n",
		(unsigned long long)st.tokens, wall, wall > 0 ? st.tokens / wall : 0, st.host_s, st.engine_s);
	if (s->b) {
		fprintf(f, "board      %llu cycles/token at %.0f MHz: %.2f tokens/s at the board's clock "
			"(link and engine; host arithmetic not counted)\n", (unsigned long long)(cyc / tok),
			hz / 1e6, clk_tps);
		char wire[48];
		if (line)
			snprintf(wire, sizeof(wire), "%.2f ms on the wire", 1e3 * link_s / tok);
		else
			snprintf(wire, sizeof(wire), "no line: fast mode");
		fprintf(f, "           engine busy %llu cycles/token (%.1f%%), %llu MACs/token, link %.0f "
			"bytes/token (%s), %llu weight words uploaded/token\n",
			(unsigned long long)(busy / tok), cyc ? 100.0 * busy / cyc : 0,
			(unsigned long long)(macs_of(s) / tok), (double)bytes / tok, wire,
			(unsigned long long)(st.upload_words / tok));
	}
	power_print(f, pr, has_e, 0);
	if (has_e) {
		fprintf(f, "energy     ESTIMATE, not measured (%s coefficients, docs/power.md): %.3g mJ/token, "
			"%.3g mW active, %.3g mW idle, %.3g tokens/s/W%s\n", e.family, 1e3 * e.total_j / tok,
			1e3 * e.avg_w, 1e3 * idle_w, e.avg_w > 0 ? clk_tps / e.avg_w : 0,
			e.over_capacity ? " (more logic cells than the part has)" : "");
		fprintf(f, "           per token: static %.3g, clock %.3g, logic %.3g, MACs %.3g, SPRAM %.3g, "
			"EBR %.3g, link %.3g uJ\n", 1e6 * e.static_j / tok, 1e6 * e.clock_j / tok,
			1e6 * e.logic_j / tok, 1e6 * e.mac_j / tok, 1e6 * e.spram_j / tok,
			1e6 * e.ebr_j / tok, 1e6 * e.link_j / tok);
	} else if (!s->b) {
		fprintf(f, "energy     no estimate: the host kernels have no board counters (use a board, "
			"e.g. --board sim:icebreaker)\n");
	}
}

/* ---- run --------------------------------------------------------------------------------------- */

static int32_t pick(const float *logits, int V, const struct run_opts *o, uint64_t *rng)
{
	double mx = -INFINITY, z = 0, u, acc = 0;
	int j, best = 0;

	for (j = 0; j < V; j++)
		if (logits[j] > mx) {
			mx = logits[j];
			best = j;
		}
	if (!(o->temperature > 0))
		return best;
	for (j = 0; j < V; j++)
		z += exp((logits[j] - mx) / o->temperature);
	u = (double)(cli_rand(rng) >> 11) / 9007199254740992.0 * z;
	for (j = 0; j < V; j++) {
		acc += exp((logits[j] - mx) / o->temperature);
		if (u < acc)
			return j;
	}
	return best;
}

/* Text bytes to a stream, control bytes as \xNN. */
static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static int write_row(struct mmfi_out *lf, const float *logits, int V)
{
	char err[600];

	/* the file is little-endian float32: this host's floats are, on every target mmfree builds for
	 * (x86-64, arm64); a big-endian host would need a swap here */
	if (mmfi_out_write(lf, logits, sizeof(float) * (size_t)V, err, sizeof(err)))
		return cli_fail("run: --logits", err);
	return EXIT_OK;
}

/* The files --logits and --plot name can be written (docs/host.md, "Files written and read"):
 * checked before the model is loaded, so that a refused name costs no run. */
static int outputs_check(const struct run_opts *o, const char *cmd)
{
	const char *opt[2] = { "--logits", "--plot" }, *path[2] = { o->logits, o->plot };
	char what[64], err[600];
	int i;

	for (i = 0; i < 2; i++)
		if (path[i] && mmfi_out_check(path[i], err, sizeof(err))) {
			snprintf(what, sizeof(what), "%s: %s", cmd, opt[i]);
			return cli_fail(what, err);
		}
	return EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct session s;
	struct power_run pr;
	int32_t *ids = NULL, *gen = NULL;
	float *logits = NULL;
	struct mmfi_out lo, *lf = NULL;
	char piece[256], *text = NULL, err[600];
	size_t text_len = 0, text_cap = 0;
	uint64_t rng, g;
	int n = 0, i, r, ng = 0, stream, replaced;
	double t0, wall, ta, tb;

	memset(&o, 0, sizeof(o));
	memset(&pr, 0, sizeof(pr));
	o.max_new = 32;
	o.seed = 1;
	o.board = MMFI_CLI_HOST_BOARD;
	r = parse_run(argc, argv, "run", 0, &o);
	if (r >= 0)
		return r;
	if ((r = outputs_check(&o, "run")))
		return r;
	ids = malloc(MAX_PROMPT * sizeof(int32_t));
	gen = malloc((o.max_new + 1) * sizeof(int32_t));
	if (!ids || !gen) {
		r = cli_fail("run", "out of memory");
		goto out;
	}
	r = session_open(&o, "run", &s);
	if (r)
		goto out_session;
	logits = malloc((size_t)s.desc.vocab * sizeof(float));
	if (!logits) {
		r = cli_fail("run", "out of memory");
		goto out_session;
	}
	if (o.prompt_ids) {
		r = parse_ids(o.prompt_ids, s.desc.vocab, ids, MAX_PROMPT, &n);
		if (r)
			goto out_session;
	} else {
		if (!o.prompt && !strcmp(s.desc.tokenizer, "none")) {
			r = cli_usage("run", "%s", "no prompt, and the model has no tokenizer to encode <s> "
				      "with (no tokenizer.json, a vocabulary under 259): give --prompt-ids");
			goto out_session;
		}
		if (!o.prompt)
			fprintf(stderr, "mmfree: run: no --prompt or --prompt-ids: generating from <s> "
				"alone\n");
		r = mmf_model_encode(s.m, o.prompt ? o.prompt : "", 1, ids, MAX_PROMPT, &n);
		if (r) {
			fprintf(stderr, "mmfree: run: --prompt: %s (%s)\n", mmf_model_error(s.m),
				mmf_error_name(r));
			r = r == MMF_ERR_UNSUPPORTED ? EXIT_USAGE : EXIT_FAIL;
			goto out_session;
		}
		if (n > MAX_PROMPT) {
			fprintf(stderr, "mmfree: run: --prompt: %d tokens, more than the %d a run takes\n", n,
				MAX_PROMPT);
			r = EXIT_USAGE;
			goto out_session;
		}
	}
	if (o.logits) {
		/* a regular file is written under a temporary name and renamed at the end: a failed or
		 * interrupted run leaves no half file (outfile.h) */
		if (mmfi_out_open(&lo, o.logits, err, sizeof(err))) {
			r = cli_fail("run: --logits", err);
			goto out_session;
		}
		lf = &lo;
	}
	stream = !o.json && !o.quiet;
	rng = o.seed ? o.seed : 1;
	pr.meter_uri = o.meter;
	pr.interval_ms = (unsigned)o.meter_interval;
	pr.board = s.b;
	if ((r = power_begin(&pr, "run", s.b != NULL)))
		goto out_session;
	/* the counters as the tokens start (the idle window's meter reads are behind them) */
	if ((r = session_counters(&s)))
		goto out_session;
	power_start(&pr, s.b ? &s.c : NULL);
	t0 = cli_now();
	/* the prompt, teacher-forced */
	for (i = 0; i < n; i++) {
		int want = lf || i == n - 1;
		ta = cli_now();
		r = mmf_model_step(s.m, ids[i], want ? logits : NULL);
		tb = cli_now();
		if (r) {
			fprintf(stderr, "mmfree: run: prompt token %d (id %d): %s (%s)\n", i, ids[i],
				mmf_model_error(s.m), mmf_error_name(r));
			r = EXIT_FAIL;
			goto out_session;
		}
		if (lf && (r = write_row(lf, logits, s.desc.vocab)))
			goto out_session;
		if ((r = session_counters(&s)) || (r = power_token(&pr, ta, tb, s.b ? &s.c : NULL)))
			goto out_session;
	}
	if (stream) {
		for (i = 0; i < n; i++) {
			mmf_model_decode(s.m, i ? ids[i - 1] : -1, ids[i], piece, sizeof(piece));
			put_text(stdout, piece);
		}
		fflush(stdout);
	}
	/* generation */
	for (g = 0; g < o.max_new; g++) {
		int32_t next = pick(logits, s.desc.vocab, &o, &rng);
		size_t pl;
		gen[ng++] = next;
		pl = (size_t)mmf_model_decode(s.m, ng > 1 ? gen[ng - 2] : ids[n - 1], next, piece, sizeof(piece));
		if (text_len + pl + 1 > text_cap) {
			char *nt = realloc(text, text_cap * 2 + pl + 64);
			if (!nt) {
				r = cli_fail("run", "out of memory");
				goto out_session;
			}
			text = nt;
			text_cap = text_cap * 2 + pl + 64;
		}
		memcpy(text + text_len, piece, pl + 1);
		text_len += pl;
		if (stream) {
			put_text(stdout, piece);
			fflush(stdout);
		}
		ta = cli_now();
		r = mmf_model_step(s.m, next, logits);
		tb = cli_now();
		if (r) {
			fprintf(stderr, "\nmmfree: run: generated token %llu (id %d): %s (%s)\n",
				(unsigned long long)g, next, mmf_model_error(s.m), mmf_error_name(r));
			r = EXIT_FAIL;
			goto out_session;
		}
		if (lf && (r = write_row(lf, logits, s.desc.vocab)))
			goto out_session;
		if ((r = session_counters(&s)) || (r = power_token(&pr, ta, tb, s.b ? &s.c : NULL)))
			goto out_session;
		if (next == s.desc.eos)
			break;          /* </s> is fed too: the logits file has a row for every token */
	}
	wall = cli_now() - t0;
	power_end(&pr, "run", s.b != NULL);
	if (stream) {
		printf("\n");
		fflush(stdout);     /* the text ends before the summary on stderr starts */
	}
	if (lf) {
		r = mmfi_out_commit(lf, err, sizeof(err));
		lf = NULL;
		if (r) {
			r = cli_fail("run: --logits", err);
			goto out_session;
		}
	}
	if (o.json) {
		printf("{\"model\": ");
		cli_json_str(stdout, o.model);
		printf(", \"prompt_ids\": [");
		for (i = 0; i < n; i++)
			printf("%s%d", i ? ", " : "", ids[i]);
		printf("], \"generated_ids\": [");
		for (i = 0; i < ng; i++)
			printf("%s%d", i ? ", " : "", gen[i]);
		/* the text as JSON (a byte that is not UTF-8 as U+FFFD), and its exact bytes in hex */
		printf("], \"text\": ");
		replaced = cli_json_bytes(stdout, text ? text : "", text_len);
		printf(", \"text_utf8\": %s, \"text_hex\": ", replaced ? "false" : "true");
		cli_json_hex(stdout, text ? text : "", text_len);
		printf(", ");
		print_figures(stdout, &s, &o, wall, 1, &pr);
		printf("}\n");
	} else {
		print_figures(stderr, &s, &o, wall, 0, &pr);
	}
	r = o.plot ? power_plot(&pr, o.plot, s.b ? &s.info : NULL, "run") : EXIT_OK;
out_session:
	if (lf)
		mmfi_out_abort(lf);
	power_free(&pr);
	session_close(&s);
out:
	free(ids);
	free(gen);
	free(logits);
	free(text);
	return r;
}

/* ---- bench model ------------------------------------------------------------------------------- */

int bench_model(int argc, char **argv)
{
	struct run_opts o;
	struct session s;
	struct power_run pr;
	struct rusage ru;
	float *logits = NULL;
	int32_t tok;
	uint64_t i;
	double t0, wall, ta, tb;
	int r;

	memset(&o, 0, sizeof(o));
	memset(&pr, 0, sizeof(pr));
	o.max_new = 8;
	o.board = MMFI_CLI_HOST_BOARD;
	r = parse_run(argc, argv, "bench model", 1, &o);
	if (r >= 0)
		return r;
	if ((r = outputs_check(&o, "bench model")))
		return r;
	r = session_open(&o, "bench model", &s);
	if (r)
		goto out;
	logits = malloc((size_t)s.desc.vocab * sizeof(float));
	if (!logits) {
		r = cli_fail("bench model", "out of memory");
		goto out;
	}
	tok = s.desc.bos;
	pr.meter_uri = o.meter;
	pr.interval_ms = (unsigned)o.meter_interval;
	pr.board = s.b;
	if ((r = power_begin(&pr, "bench model", s.b != NULL)))
		goto out;
	/* the counters as the tokens start (the idle window's meter reads are behind them) */
	if ((r = session_counters(&s)))
		goto out;
	power_start(&pr, s.b ? &s.c : NULL);
	t0 = cli_now();
	for (i = 0; i < o.max_new; i++) {
		ta = cli_now();
		r = mmf_model_step(s.m, tok, logits);
		tb = cli_now();
		if (r) {
			fprintf(stderr, "mmfree: bench model: token %llu: %s (%s)\n", (unsigned long long)i,
				mmf_model_error(s.m), mmf_error_name(r));
			r = EXIT_FAIL;
			goto out;
		}
		if ((r = session_counters(&s)) || (r = power_token(&pr, ta, tb, s.b ? &s.c : NULL)))
			goto out;
		tok = pick(logits, s.desc.vocab, &o, NULL);
		cli_progress("tokens", i + 1, o.max_new);
	}
	cli_progress_done();
	wall = cli_now() - t0;
	power_end(&pr, "bench model", s.b != NULL);
	getrusage(RUSAGE_SELF, &ru);
	if (o.json) {
		printf("{\"model\": ");
		cli_json_str(stdout, o.model);
		printf(", \"peak_rss_mb\": %.1f, ", ru.ru_maxrss / 1024.0);
		print_figures(stdout, &s, &o, wall, 1, &pr);
		printf("}\n");
	} else {
		print_figures(stdout, &s, &o, wall, 0, &pr);
		printf("memory     peak resident %.1f MB\n", ru.ru_maxrss / 1024.0);
	}
	r = o.plot ? power_plot(&pr, o.plot, s.b ? &s.info : NULL, "bench model") : EXIT_OK;
out:
	power_free(&pr);
	session_close(&s);
	free(logits);
	return r;
}
