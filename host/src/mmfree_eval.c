/*
 * mmfree_eval.c: `mmfree eval`: how well a model predicts a text, in bits per byte (docs/accuracy.md).
 *
 * The text is encoded with the model's tokenizer, <s> first, and teacher-forced: token t goes in, the
 * logits come out, and token t+1 is scored by its log-probability under a log-softmax over the logits
 * taken in double precision. Bits per byte = total bits / bytes of text evaluated; bits per token =
 * total bits / tokens scored (the same figure for the byte-level tokenizer, whose tokens are bytes).
 *
 * A text must be text: a file holding a NUL byte, or bytes that are not UTF-8 (overlong forms,
 * surrogates and code points over U+10FFFF included), is refused as binary, naming the offset.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mmfree_cli.h"
#include "outfile.h"

enum {
	EVAL_MAX_TEXT = 1 << 28,    /* bytes one eval takes (the tokenizer's limit on one text) */
	EVAL_COUNTER_EVERY = 64,    /* tokens between readings of the board's 32-bit counters */
};

/* Options of eval. */
struct eval_opts {
	const char *model;          /* --model DIR */
	const char *text;           /* --text FILE */
	const char *board;          /* --board URI ("host": the host kernels) */
	unsigned engine;            /* --engine (mmf_model_opts.engine) */
	int engine_set;             /* --engine given; else the board's default, as run takes it */
	uint64_t max_bytes;         /* --max-bytes N (0: the whole file) */
	uint64_t window;            /* --window N (0: the whole text is one sequence) */
	int json;                   /* --json */
};

static void help_eval(FILE *f)
{
	fprintf(f, "usage: mmfree eval --model DIR --text FILE [--board URI] [--engine E]\n"
		"                   [--max-bytes N] [--window N] [--json]\n\n"
		"Measure how well a model predicts a text: the text is encoded with the model's tokenizer,\n"
		"<s> first, and teacher-forced (feed token t, score token t+1 by its log-probability, a\n"
		"log-softmax over the logits in double precision). Prints bits per byte (total bits / bytes\n"
		"of text), bits per token, bytes and tokens evaluated, and tokens/s of wall-clock time (and,\n"
		"on a board, at the board's clock from its cycle counter). docs/accuracy.md.\n\n"
		"The file must be text: a NUL byte or bytes that are not UTF-8 make it binary, refused.\n\n"
		"  --model DIR     checkpoint folder\n"
		"  --text FILE     the text to score (at most 256 MiB evaluated)\n"
		"  --board URI     host (default: the hls_c kernels in this process, no board), cpu (the\n"
		"                  board's C model behind the link), sim, ...: `mmfree --help`\n");
	cli_engines_help(f);
	fprintf(f, "  --max-bytes N   only the first N bytes of the file (cut back to a whole UTF-8 character)\n"
		"  --window N      reset the recurrent state and feed <s> again every N scored tokens, as\n"
		"                  a model trained on N-token sequences sees text (default: one sequence)\n"
		"  --json          one JSON object on stdout\n\n"
		"e.g. mmfree eval --model models/kjv-ternary --text heldout.txt --max-bytes 20000\n");
}

/* -1 to go on, else the exit code. */
static int parse_eval(int argc, char **argv, struct eval_opts *o)
{
	static const char *const with_val[] = {
		"--model", "--text", "--board", "--engine", "--max-bytes", "--window",
	};
	const char *opt, *val;
	uint64_t seen = 0;
	size_t i, n;
	int a, r;

	for (a = 0; a < argc; a++) {
		opt = argv[a];
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			help_eval(stdout);
			return EXIT_OK;
		}
		if (!strcmp(opt, "--json")) {
			/* bit 63: --json; the options with a value take bits 0.. */
			if ((r = cli_once("eval", opt, &seen, (uint64_t)1 << 63)))
				return r;
			o->json = 1;
			continue;
		}
		val = NULL;
		for (i = 0; i < sizeof(with_val) / sizeof(with_val[0]); i++) {
			n = strlen(with_val[i]);
			if (!strncmp(opt, with_val[i], n) && (opt[n] == '\0' || opt[n] == '=')) {
				val = opt[n] == '=' ? opt + n + 1 : NULL;
				opt = with_val[i];
				break;
			}
		}
		if (i == sizeof(with_val) / sizeof(with_val[0]))
			return cli_usage("eval", "unknown option '%s'", argv[a]);
		if ((r = cli_once("eval", opt, &seen, (uint64_t)1 << i)))
			return r;
		if (!val && a + 1 >= argc)
			return cli_usage("eval", "%s needs a value", opt);
		if (!val)
			val = argv[++a];
		r = EXIT_OK;
		if (!strcmp(opt, "--model"))
			o->model = val;
		else if (!strcmp(opt, "--text"))
			o->text = val;
		else if (!strcmp(opt, "--board"))
			o->board = val;
		else if (!strcmp(opt, "--engine")) {
			r = parse_engine("eval", val, &o->engine);
			o->engine_set = 1;
		}
		else if (!strcmp(opt, "--max-bytes")) {
			r = cli_parse_num("eval", opt, val, EVAL_MAX_TEXT, &o->max_bytes);
			if (!r && !o->max_bytes)
				return cli_usage("eval", "%s", "--max-bytes: at least 1");
		} else {
			r = cli_parse_num("eval", opt, val, EVAL_MAX_TEXT, &o->window);
			if (!r && !o->window)
				return cli_usage("eval", "%s", "--window: at least 1 token");
		}
		if (r)
			return r;
	}
	if (!o->model)
		return cli_usage("eval", "%s", "--model DIR is required");
	if (!o->text)
		return cli_usage("eval", "%s", "--text FILE is required");
	return -1;
}

/* ---- the text ---------------------------------------------------------------------------------- */

/* Read the text to evaluate: the whole file, or its first max_bytes cut back to a character boundary.
 * *buf is NUL-terminated. EXIT_OK, or EXIT_FAIL after saying why (missing, unreadable, empty,
 * binary, too long). */
static int read_text(const char *path, uint64_t max_bytes, char **buf, size_t *len)
{
	/* read 3 bytes past the limit: enough to see whether the cut falls inside a character */
	size_t want = max_bytes ? (size_t)max_bytes + 3 : (size_t)EVAL_MAX_TEXT + 1;
	size_t cap = 0, n = 0, cut, i, c;
	char *p = NULL, *np, what[700], err[600];
	struct stat st;
	FILE *f;
	int r = EXIT_FAIL, k;

	*buf = NULL;
	snprintf(what, sizeof(what), "eval: --text %s", path);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return cli_fail(what, "is a directory, not a text file");
	/* a FIFO or a device is refused without waiting on it, as the loader's files are */
	if (mmfi_in_fopen(path, NULL, &f, err, sizeof(err)))
		return cli_fail("eval: --text", err);
	for (;;) {
		size_t got;
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > want + 1)
				cap = want + 1;
			np = realloc(p, cap);
			if (!np) {
				cli_fail(what, "out of memory");
				goto out;
			}
			p = np;
		}
		got = fread(p + n, 1, cap - 1 - n < want - n ? cap - 1 - n : want - n, f);
		n += got;
		if (ferror(f)) {
			cli_fail(what, strerror(errno ? errno : EIO));
			goto out;
		}
		if (!got || n == want)
			break;
	}
	p[n] = '\0';
	if (!n) {
		cli_fail(what, "the file is empty: nothing to evaluate");
		goto out;
	}
	if (!max_bytes && n > EVAL_MAX_TEXT) {
		fprintf(stderr, "mmfree: %s: over %d bytes: evaluate a part with --max-bytes N\n", what,
			EVAL_MAX_TEXT);
		goto out;
	}
	cut = max_bytes && n > max_bytes ? (size_t)max_bytes : n;
	/* a cut inside a multi-byte character moves back to its first byte (at most 3 bytes back) */
	for (c = 0; c < 3 && cut > 0 && cut < n && ((unsigned char)p[cut] & 0xc0) == 0x80; c++)
		cut--;
	for (i = 0; i < cut; i += c) {
		if (!p[i]) {
			fprintf(stderr, "mmfree: %s: binary, not text: a NUL byte at offset %zu\n", what, i);
			goto out;
		}
		k = cli_utf8_len((const unsigned char *)p + i, cut - i);
		c = k > 0 ? (size_t)k : 0;
		if (!c) {
			fprintf(stderr, "mmfree: %s: binary, not text: byte 0x%02x at offset %zu is not UTF-8\n",
				what, (unsigned char)p[i], i);
			goto out;
		}
	}
	if (!cut) {
		fprintf(stderr, "mmfree: %s: --max-bytes %llu is shorter than the first character\n", what,
			(unsigned long long)max_bytes);
		goto out;
	}
	p[cut] = '\0';
	*buf = p;
	*len = cut;
	p = NULL;
	r = EXIT_OK;
out:
	fclose(f);
	free(p);
	return r;
}

/* ---- scoring ----------------------------------------------------------------------------------- */

/* -log2 p(target) under softmax(logits[0..V)), in double; NAN if a logit is not finite. */
static double bits_of(const float *logits, int V, int32_t target)
{
	double mx = -INFINITY, z = 0;
	int j;

	for (j = 0; j < V; j++) {
		if (!isfinite(logits[j]))
			return NAN;
		if (logits[j] > mx)
			mx = logits[j];
	}
	for (j = 0; j < V; j++)
		z += exp((double)logits[j] - mx);
	return (mx + log(z) - (double)logits[target]) / log(2.0);
}

int cmd_eval(int argc, char **argv)
{
	struct eval_opts o;
	struct session s;
	struct mmf_model_stats st;
	int32_t *ids = NULL;
	float *logits = NULL;
	char *text = NULL;
	size_t bytes = 0;
	double total = 0, t0, wall, clk_tps = 0, b;
	uint64_t scored;
	int n = 0, max, j, r, session = 0;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	o.board = MMFI_CLI_HOST_BOARD;
	r = parse_eval(argc, argv, &o);
	if (r >= 0)
		return r;
	/* the text first: a bad file is refused before the model is loaded */
	r = read_text(o.text, o.max_bytes, &text, &bytes);
	if (r)
		goto out;
	session = 1;
	r = session_open_model("eval", o.model, o.board, o.engine_set ? (int)o.engine : -1, &s);
	if (r)
		goto out;
	/* the tokenizer says how many ids it needs: once more with room for them if the guess is short */
	for (max = (int)bytes + 2;; max = n) {
		int32_t *ni = realloc(ids, (size_t)max * sizeof(int32_t));
		if (!ni) {
			r = cli_fail("eval", "out of memory");
			goto out;
		}
		ids = ni;
		r = mmf_model_encode(s.m, text, 1, ids, max, &n);
		if (r) {
			fprintf(stderr, "mmfree: eval: encode %s: %s (%s)\n", o.text, mmf_model_error(s.m),
				mmf_error_name(r));
			r = EXIT_FAIL;
			goto out;
		}
		if (n <= max)
			break;
	}
	if (n < 2) {
		r = cli_fail("eval", "the text encodes to no token after <s>: nothing to score");
		goto out;
	}
	logits = malloc((size_t)s.desc.vocab * sizeof(float));
	if (!logits) {
		r = cli_fail("eval", "out of memory");
		goto out;
	}
	scored = (uint64_t)n - 1;
	t0 = cli_now();
	/* ids[j] is scored from the logits after ids[j - 1]; at the start of each window the state is
	 * reset and ids[j] is scored after <s> alone */
	for (j = 1; j < n; j++) {
		int fresh = o.window && j > 1 && (uint64_t)(j - 1) % o.window == 0;
		if (fresh && (r = mmf_model_reset(s.m)) == 0)
			r = mmf_model_step(s.m, s.desc.bos, logits);
		else if (!fresh)
			r = mmf_model_step(s.m, ids[j - 1], logits);
		if (r) {
			cli_progress_done();
			fprintf(stderr, "mmfree: eval: token %d (id %d): %s (%s)\n", j - 1, ids[j - 1],
				mmf_model_error(s.m), mmf_error_name(r));
			r = EXIT_FAIL;
			goto out;
		}
		b = bits_of(logits, s.desc.vocab, ids[j]);
		if (isnan(b)) {
			cli_progress_done();
			fprintf(stderr, "mmfree: eval: the logits after token %d (id %d) are not all finite\n",
				j - 1, ids[j - 1]);
			r = EXIT_FAIL;
			goto out;
		}
		total += b;
		if (j % EVAL_COUNTER_EVERY == 0 && (r = session_counters(&s)))
			goto out;
		/* every token: a step on a simulated board takes most of a second; the line is
		 * rewritten only when its percentage moves */
		cli_progress("evaluating", (uint64_t)j, scored);
	}
	wall = cli_now() - t0;
	cli_progress_done();
	if ((r = session_counters(&s)))
		goto out;
	mmf_model_stats(s.m, &st);
	if (s.b && s.c.cycles)
		clk_tps = (double)s.info.clock_hz * (double)st.tokens / (double)s.c.cycles;
	if (o.json) {
		printf("{\"model\": ");
		cli_json_str(stdout, o.model);
		printf(", \"text_file\": ");
		cli_json_str(stdout, o.text);
		printf(", \"board\": ");
		cli_json_str(stdout, o.board);
		printf(", \"engine\": \"%s\", \"format\": \"%s\", \"tokenizer\": \"%s\", \"bytes\": %zu, "
		       "\"tokens\": %llu, \"window\": %llu, \"total_bits\": %.17g, \"bits_per_byte\": %.17g, "
		       "\"bits_per_token\": %.17g, \"steps\": %llu, \"wall_s\": %.4f, "
		       "\"tokens_per_s_wall\": %.3f", mmf_engine_name(s.desc.engine),
		       mmf_format_name(s.desc.format), s.desc.tokenizer, bytes, (unsigned long long)scored,
		       (unsigned long long)o.window, total, total / (double)bytes, total / (double)scored,
		       (unsigned long long)st.tokens, wall, wall > 0 ? st.tokens / wall : 0);
		if (s.b)
			printf(", \"board_clock_hz\": %u, \"board_cycles\": %llu, \"tokens_per_s_at_clock\": %.3f",
			       s.info.clock_hz, (unsigned long long)s.c.cycles, clk_tps);
		printf("}\n");
	} else {
		printf("bits/byte  %.4f over %zu bytes of %s%s\n", total / (double)bytes, bytes, o.text,
		       o.max_bytes ? " (--max-bytes)" : "");
		if (strcmp(s.desc.tokenizer, "bytes"))
			printf("bits/token %.4f over %llu tokens (%.2f bytes a token)\n", total / (double)scored,
			       (unsigned long long)scored, (double)bytes / (double)scored);
		else
			printf("tokens     %llu (the byte-level tokenizer: one a byte, scored after <s>)\n",
			       (unsigned long long)scored);
		if (o.window)
			printf("window     the state reset and <s> fed again every %llu tokens\n",
			       (unsigned long long)o.window);
		printf("model      %s: %s engine (%s), tokenizer %s, on %s\n", o.model,
		       mmf_engine_name(s.desc.engine), mmf_format_name(s.desc.format), s.desc.tokenizer,
		       o.board);
		printf("speed      %llu steps in %.2f s: %.1f tokens/s of wall-clock time (host included)\n",
		       (unsigned long long)st.tokens, wall, wall > 0 ? st.tokens / wall : 0);
		if (s.b)
			printf("           %.1f tokens/s at the board's %.0f MHz clock (its cycle counter: link "
			       "and engine, host arithmetic not counted)\n", clk_tps, s.info.clock_hz / 1e6);
	}
	r = EXIT_OK;
out:
	if (session)
		session_close(&s);
	free(ids);
	free(logits);
	free(text);
	return r;
}
