/*
 * mmfree.c: the mmfree command line: `info`, `bench link`, `bench engines`, `version`, and the
 * dispatch of the commands in the other mmfree_*.c files (`run`, `bench model`, `eval`, `mkmodel`,
 * `list`, `udev-rule`, `power`, `flash`).
 *
 * Exit status 0 on success, 1 on failure, 2 on a usage error (a bad option, number or board URI).
 * Errors go to stderr as "mmfree: <what failed>: <detail>"; progress goes to stderr when it is a
 * terminal; results go to stdout, as text or (--json) one JSON object.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmfree_cli.h"
#include "outfile.h"

static const char boards_help[] =
	"Boards (--board URI):\n"
	"  host             run, eval and bench model only, their default: no board, the hls_c\n"
	"                   kernels in this process on the model's own packed words (fast; no\n"
	"                   cycles, no energy estimate)\n"
	"  cpu              the board's C model (hls_c) in this process behind the link: no hardware\n"
	"                   needed; cycles, counters and the energy estimate as a board has them\n"
	"  sim              the SoC's RTL under Verilator in this process (fast mode; sim?uart=1:\n"
	"                   through its UART at 12 Mbaud); give it a short timeout_ms, e.g. 5\n"
	"  sim:BOARD        the board's own top (boards/BOARD: its PLL, reset, link, engines) under\n"
	"                   Verilator, as built (make BOARD=...), e.g. sim:icebreaker\n"
	"  socket:PATH      a virtual board in another process (mmfree-vboard --listen PATH)\n"
	"  ftdi[:SERIAL]    a board on an FTDI USB bridge: the FT2232H's UART on channel B\n"
	"                   (iCEBreaker, iCE40HX8K-B-EVN) or the FT232H as SPI master (UPduino v3);\n"
	"                   'mmfree list' shows the serials\n"
	"                   ftdi?link=ft245: the FT2232H's channel A in 245 synchronous FIFO mode\n"
	"                   (bit mode 0x40), for a board that wires that bus and a chip whose EEPROM\n"
	"                   makes channel A a 245 FIFO; baud=N: the UART's rate (link=uart)\n"
	"  options after '?', joined by '&'; every board takes faults=RATE (inject bit flips,\n"
	"  drops and duplicates, each byte with probability RATE), seed=S (the faults' seed),\n"
	"  timeout_ms=N (answer wait per try; default 200, 5000 on socket) and window=N\n"
	"  (WRITE_MEMs in flight, 1..8; default 3 on ftdi, 1 elsewhere); the others are one kind's:\n"
	"    cpu: dead_after=N and dead_for=M (the link is cut after the host's N-th byte, for good\n"
	"         or for M bytes), wmem=N and engines=F[,F...] (built with N words of weight memory\n"
	"         and those engines, e.g. engines=tac2 as the iCE40HX8K-B-EVN)\n"
	"    sim: uart=1 (above), ina226=0|1, ina_shunt_uv=N, ina_bus_mv=N (the INA226 model on the\n"
	"         I2C bus and its readings, docs/vboard.md)\n"
	"    ftdi: link=uart|ft245, baud=N (above)\n"
	"  e.g. --board 'cpu?faults=1e-3&seed=1'\n";

static void help_main(FILE *f)
{
	fprintf(f, "usage: mmfree <command> [options]\n\n"
		"Talk to an mmfree board over its link (docs/protocol.md, docs/host.md).\n\n"
		"Commands:\n"
		"  info --board URI [--json]                           what the board is (INFO)\n"
		"  bench link --board URI [--words N] [--json]         link throughput, every word checked\n"
		"  bench engines --board URI [--count N] [--seed S] [--json]\n"
		"                                                      random matrix-vector products,\n"
		"                                                      every result checked against hls_c\n"
		"  run --model DIR [--prompt TEXT] [--board URI] [--engine E] ...\n"
		"                                                      generate with a MatMul-free LM\n"
		"  eval --model DIR --text FILE [--board URI] [--max-bytes N] [--json]\n"
		"                                                      bits per byte of a model on a text\n"
		"  bench model --model DIR [--board URI] [--tokens N] [--json]\n"
		"                                                      load, place and run a model, measured\n"
		"  power --meter URI [--seconds S] [--interval MS] [--json]\n"
		"                                                      read a power meter (docs/power.md)\n"
		"  mkmodel --out DIR [--hidden D --layers L --vocab V ...]\n"
		"                                                      write a random checkpoint (HF layout)\n"
		"  list [--json]                                       the FTDI boards on USB (ftdi:SERIAL)\n"
		"  udev-rule                                           the udev rule for them (no root)\n"
		"  flash FILE [--board NAME] [--sram] [--dry-run] [--check URI] ...\n"
		"                                                      program a board with a bitstream from\n"
		"                                                      make bitstream (iceprog/openFPGALoader)\n"
		"  version                                             versions of this tool and protocol\n\n"
		"`mmfree <command> --help` for each. Exit status: 0 success, 1 failure, 2 usage error.\n\n%s",
		boards_help);
}

static void help_info(FILE *f)
{
	fprintf(f, "usage: mmfree info --board URI [--json]\n\n"
		"Open the board (SYNC, INFO) and print what it is: protocol version, board, link, clock,\n"
		"weight memory, packet and result limits, and each engine slot (engine, weight format,\n"
		"lanes, largest K).\n\n"
		"  --board URI   the board (below)\n"
		"  --json        one JSON object on stdout\n\n%s", boards_help);
}

static void help_bench(FILE *f)
{
	fprintf(f, "usage: mmfree bench link|engines|model [options]\n\n"
		"  link      write random weight words, read them back, compare; link efficiency and time\n"
		"  engines   random matrix-vector products on every engine, checked against hls_c\n"
		"  model     a MatMul-free LM end to end: load, placement, tokens/s, board cycles\n\n"
		"`mmfree bench link --help` etc. for their options.\n");
}

static void help_bench_link(FILE *f)
{
	fprintf(f, "usage: mmfree bench link --board URI [--words N] [--seed S] [--json]\n\n"
		"Write N random 64-bit words into the weight memory from address 0, read them back and\n"
		"compare every word. Reports payload bytes (written + read), link bytes (every byte of\n"
		"every packet, both ways, retransmissions included), efficiency = payload / link bytes,\n"
		"wall and host CPU time per MB of payload, the link time at the board's rate, retries, and\n"
		"an energy ESTIMATE from the board's counters (a model, not a meter: docs/power.md).\n"
		"Fails (exit 1) if any word differs.\n\n"
		"  --board URI   the board (below)\n"
		"  --words N     words to move (default: the whole weight memory)\n"
		"  --seed S      seed of the random words (default 1)\n"
		"  --json        one JSON object on stdout\n\n%s", boards_help);
}

static void help_bench_engines(FILE *f)
{
	fprintf(f, "usage: mmfree bench engines --board URI [--count N] [--seed S] [--json]\n\n"
		"For every engine slot, N random matrix-vector products: random K (1 to the slot's\n"
		"largest), random rows (as many as the result buffer and weight memory allow), random\n"
		"weights packed with the hls_c packers and written at a random base, random int8\n"
		"activations. Every result is checked against the hls_c model computed on the host.\n"
		"Reports products, mismatches, MACs and busy cycles (board counters), the link's\n"
		"retries, NAKs and timeouts, and an energy ESTIMATE from the board's counters (a model,\n"
		"not a meter: docs/power.md). Fails (exit 1) on any mismatch.\n\n"
		"  --board URI   the board (below)\n"
		"  --count N     products per engine (default 20)\n"
		"  --seed S      seed of everything random (default 1)\n"
		"  --json        one JSON object on stdout\n\n%s", boards_help);
}

/* ---- helpers shared with mmfree_bench.c -------------------------------------------------------- */

/* Both end a progress line first, so that the message starts a line of its own. */
int cli_fail(const char *what, const char *detail)
{
	cli_progress_done();
	fprintf(stderr, "mmfree: %s: %s\n", what, detail);
	return EXIT_FAIL;
}

int cli_lib_fail(const char *what, int err, const mmf_board *b)
{
	cli_progress_done();
	fprintf(stderr, "mmfree: %s: %s (%s)\n", what, mmf_board_error(b), mmf_error_name(err));
	return err == MMF_ERR_ARG ? EXIT_USAGE : EXIT_FAIL;
}

int cli_open(const struct cli_opts *o, mmf_board **b)
{
	char what[600];
	int r;

	/* `host` is no board: the model commands run their kernels on it (session_open) */
	if (!strcmp(o->board, MMFI_CLI_HOST_BOARD)) {
		fprintf(stderr, "mmfree: --board %s: the host kernels of run, eval and bench model are no "
			"board to open; the board's C model is --board cpu\n", o->board);
		return EXIT_USAGE;
	}
	r = mmf_open(o->board, b);
	if (r == MMF_OK)
		return EXIT_OK;
	/* the library's message names the URI when the URI was the problem */
	if (strstr(mmf_board_error(NULL), o->board))
		snprintf(what, sizeof(what), "open board");
	else
		snprintf(what, sizeof(what), "open board '%s'", o->board);
	return cli_lib_fail(what, r, NULL);
}

/* The UTF-8 sequence at s (n > 0 bytes there): its length if it is one (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), else minus the length of its longest start that could
 * begin one (at least 1): Unicode's "maximal subpart", which one U+FFFD replaces. */
int cli_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t k, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return -1;
	k = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	/* the second byte's range keeps out overlong forms, surrogates and code points past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < k; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return -(int)i;
		lo = 0x80;
		hi = 0xbf;
	}
	return (int)k;
}

int cli_json_bytes(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int k, bad = 0;

	fputc('"', f);
	while (i < n) {
		k = cli_utf8_len(p + i, n - i);
		if (k < 0) {
			/* not UTF-8: one U+FFFD, the replacement character, for the bytes that began a sequence */
			fputs("\\ufffd", f);
			bad = 1;
			i += (size_t)-k;
		} else if (k > 1) {
			fwrite(p + i, 1, (size_t)k, f);
			i += (size_t)k;
		} else {
			if (p[i] == '"' || p[i] == '\\')
				fprintf(f, "\\%c", p[i]);
			else if (p[i] < 0x20)
				fprintf(f, "\\u%04x", p[i]);
			else
				fputc(p[i], f);
			i++;
		}
	}
	fputc('"', f);
	return bad;
}

void cli_json_str(FILE *f, const char *s)
{
	cli_json_bytes(f, s, strlen(s));
}

void cli_json_hex(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", (unsigned char)s[i]);
	fputc('"', f);
}

int cli_progress_on(void)
{
	return isatty(STDERR_FILENO);
}

static const char *progress_label;  /* what the progress line shows now */
static unsigned progress_pct;       /* and its percentage */

void cli_progress(const char *label, uint64_t done, uint64_t total)
{
	unsigned pct = total ? (unsigned)(100 * done / total) : 100;

	/* a terminal is slow: write only when the line changes */
	if (!cli_progress_on() || (label == progress_label && pct == progress_pct))
		return;
	progress_label = label;
	progress_pct = pct;
	fprintf(stderr, "\r%s %3u%%", label, pct);
}

void cli_progress_done(void)
{
	if (cli_progress_on() && progress_label)
		fprintf(stderr, "\r\033[K");
	progress_label = NULL;
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double cli_cpu(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

uint64_t cli_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- options ----------------------------------------------------------------------------------- */

enum { OPT_BOARD = 1, OPT_JSON = 2, OPT_WORDS = 4, OPT_COUNT = 8, OPT_SEED = 16 };

int cli_usage(const char *cmd, const char *fmt, const char *arg)
{
	int top = !strcmp(cmd, "mmfree");

	fprintf(stderr, "mmfree: %s%s", top ? "" : cmd, top ? "" : ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try 'mmfree%s%s --help')\n", top ? "" : " ", top ? "" : cmd);
	return EXIT_USAGE;
}

int cli_once(const char *cmd, const char *opt, uint64_t *seen, uint64_t bit)
{
	if (*seen & bit)
		return cli_usage(cmd, "%s given twice: give each option once", opt);
	*seen |= bit;
	return EXIT_OK;
}

int cli_parse_real(const char *s, double *v)
{
	char *end;

	if (!isdigit((unsigned char)s[0]) && !(s[0] == '.' && isdigit((unsigned char)s[1])))
		return -1;
	if (strpbrk(s, "xX"))
		return -1;          /* strtod would read 0x1p3 as hex */
	errno = 0;
	*v = strtod(s, &end);
	return *end || errno ? -1 : 0;
}

int cli_parse_num(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *v)
{
	char *end = (char *)s;
	unsigned long long x = 0;
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	/* decimal, or hex after 0x: no sign or space (strtoull skips them), and no octal from a leading
	 * zero (010 is ten) */
	errno = 0;
	if (isxdigit((unsigned char)s[hex ? 2 : 0]) && (hex || isdigit((unsigned char)s[0])))
		x = strtoull(s + (hex ? 2 : 0), &end, hex ? 16 : 10);
	if (end == s || *end || errno || x > max) {
		fprintf(stderr, "mmfree: %s: %s '%s': not a whole number up to %llu (try 'mmfree %s "
			"--help')\n", cmd, opt, s, (unsigned long long)max, cmd);
		return EXIT_USAGE;
	}
	*v = x;
	return EXIT_OK;
}

/* Parse argv[0..argc) for a command taking `allowed`; -1 to go on, else the exit code. */
static int parse_opts(int argc, char **argv, const char *cmd, unsigned allowed, void (*help)(FILE *),
		      struct cli_opts *o)
{
	static const struct { const char *name; unsigned bit; } opts[] = {
		{ "--board", OPT_BOARD }, { "--json", OPT_JSON }, { "--words", OPT_WORDS },
		{ "--count", OPT_COUNT }, { "--seed", OPT_SEED },
	};
	uint64_t v, seen = 0;
	const char *val, *name = NULL;
	size_t n;
	unsigned i, bit;
	int a, r;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
			help(stdout);
			return EXIT_OK;
		}
		bit = 0;
		val = NULL;
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			n = strlen(opts[i].name);
			if (!strncmp(argv[a], opts[i].name, n) && (argv[a][n] == '\0' || argv[a][n] == '=')) {
				bit = opts[i].bit;
				name = opts[i].name;
				val = argv[a][n] == '=' ? argv[a] + n + 1 : NULL;
			}
		}
		if (!(bit & allowed))
			return cli_usage(cmd, "unknown option '%s'", argv[a]);
		if ((r = cli_once(cmd, name, &seen, bit)))
			return r;
		if (bit == OPT_JSON) {
			if (val)
				return cli_usage(cmd, "--json takes no value ('%s')", argv[a]);
			o->json = 1;
			continue;
		}
		if (!val && a + 1 >= argc)
			return cli_usage(cmd, "%s needs a value", argv[a]);
		if (!val)
			val = argv[++a];
		if (bit == OPT_BOARD) {
			o->board = val;
			continue;
		}
		r = cli_parse_num(cmd, bit == OPT_WORDS ? "--words" : bit == OPT_COUNT ? "--count" : "--seed",
			      val, bit == OPT_SEED ? UINT64_MAX : 1000000000u, &v);
		if (r)
			return r;
		/* no products: nothing checked, and yet a pass */
		if (bit == OPT_COUNT && !v)
			return cli_usage(cmd, "%s", "--count 0: at least 1 product per engine");
		if (bit == OPT_WORDS)
			o->words = (uint32_t)v;
		else if (bit == OPT_COUNT)
			o->count = (uint32_t)v;
		else
			o->seed = v;
	}
	if ((allowed & OPT_BOARD) && !o->board)
		return cli_usage(cmd, "%s", "--board URI is required (e.g. --board cpu)");
	return -1;
}

/* ---- info, version ----------------------------------------------------------------------------- */

static int cmd_info(const struct cli_opts *o)
{
	struct mmf_info in;
	mmf_board *b;
	unsigned e;
	int r = cli_open(o, &b);

	if (r)
		return r;
	mmf_get_info(b, &in);
	if (o->json) {
		printf("{\"board\": ");
		cli_json_str(stdout, o->board);
		printf(", \"version\": %u, \"board_id\": %u, \"board_name\": \"%s\", \"link\": \"%s\", "
		       "\"link_rate\": %u, \"clock_hz\": %u, \"wmem_words\": %u, \"max_payload\": %u, "
		       "\"res_rows\": %u, \"git_rev\": \"%08x\", \"i2c\": %s, \"engines\": [", in.version,
		       in.board_id, mmf_board_name(in.board_id), mmf_link_name(in.link), in.link_rate,
		       in.clock_hz, in.wmem_words, in.max_payload, in.res_rows, in.git_rev,
		       (in.features & MMF_FEATURE_I2C) ? "true" : "false");
		for (e = 0; e < in.n_engines; e++)
			printf("%s{\"slot\": %u, \"id\": %u, \"engine\": \"%s\", \"format\": \"%s\", "
			       "\"lanes\": %u, \"lg_act\": %u, \"max_cols\": %u}", e ? ", " : "", e,
			       in.engine[e].id, mmf_engine_name(in.engine[e].id),
			       mmf_format_name(in.engine[e].format), in.engine[e].lanes,
			       in.engine[e].lg_act, in.engine[e].max_cols);
		printf("]}\n");
	} else {
		printf("board        %s (%s)\n", mmf_board_name(in.board_id), o->board);
		printf("protocol     version %u\n", in.version);
		printf("link         %s, %u %s\n", mmf_link_name(in.link), in.link_rate,
		       cli_link_rate_unit(in.link));
		printf("clock        %u Hz\n", in.clock_hz);
		printf("weight mem   %u words of 64 bits (%u KiB)\n", in.wmem_words, in.wmem_words / 128);
		printf("max payload  %u bytes\n", in.max_payload);
		printf("result rows  %u\n", in.res_rows);
		printf("rtl revision %08x\n", in.git_rev);
		printf("i2c master   %s\n", (in.features & MMF_FEATURE_I2C) ? "yes (the I2C command; the "
		       "`board` meter)" : "no");
		printf("engines      %u\n", in.n_engines);
		printf("  slot engine format lanes lg_act max_cols\n");
		for (e = 0; e < in.n_engines; e++)
			printf("  %4u %-6s %-6s %5u %6u %8u\n", e, mmf_engine_name(in.engine[e].id),
			       mmf_format_name(in.engine[e].format), in.engine[e].lanes,
			       in.engine[e].lg_act, in.engine[e].max_cols);
	}
	mmf_close(b);
	return EXIT_OK;
}

static int cmd_version(void)
{
	printf("mmfree %s, link protocol version 1\n", MMFREE_VERSION);
	return EXIT_OK;
}

const char cli_files_help[] =
	"Files written: a regular file as NAME.<pid>.<n>.part, renamed over NAME at the end (it keeps\n"
	"its mode); a symlink is followed, never replaced; a character device or FIFO (/dev/null,\n"
	"/dev/stdout) is written in place; a read-only file, a directory or a block device is refused\n"
	"before the work starts. Ctrl-C (SIGINT) or SIGTERM removes the partial files and exits 130 or\n"
	"143 with one line on stderr (docs/host.md, \"Files written and read\").\n";

/* ---- interrupts -------------------------------------------------------------------------------- */

static const char *sig_cmd = "mmfree";  /* the command running, for the interrupt's line */
static int sig_tty;                     /* stderr is a terminal: start the line on a new one */

/* SIGINT, SIGTERM, SIGHUP: remove the temporaries of the files being written (outfile.h), say so in
 * one line and exit 128 + the signal (130, 143, 129), as a shell reports a command it interrupted.
 * Async-signal-safe: write() and _exit() only, the line built by hand. */
static void on_interrupt(int sig)
{
	char line[1024], names[700];
	const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
	const char *part[6], *c;
	size_t at = 0, i;
	int n = mmfi_out_remove_pending(names, sizeof(names));

	part[0] = sig_tty ? "\nmmfree: " : "mmfree: ";
	part[1] = sig_cmd;
	part[2] = ": interrupted (";
	part[3] = name;
	part[4] = n ? "); removed partial " : ")";
	part[5] = n ? names : "";
	for (i = 0; i < 6; i++)
		for (c = part[i]; *c && at + 1 < sizeof(line); c++)
			line[at++] = *c;
	line[at++] = '\n';
	if (write(STDERR_FILENO, line, at) < 0) {
		/* nothing more to do about it */
	}
	_exit(128 + sig);
}

/* The handler above for every command (cmd: its name). */
static void interrupts_install(const char *cmd)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	sig_cmd = cmd;
	sig_tty = isatty(STDERR_FILENO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* a signal ignored from the start stays ignored (nohup, a shell's background job) */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int main(int argc, char **argv)
{
	struct cli_opts o;
	int r;

	memset(&o, 0, sizeof(o));
	o.count = 20;
	o.seed = 1;
	if (argc < 2) {
		help_main(stderr);
		return EXIT_USAGE;
	}
	interrupts_install(argv[1]);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		help_main(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		r = parse_opts(argc - 2, argv + 2, "version", 0, help_main, &o);
		return r >= 0 ? r : cmd_version();
	}
	if (!strcmp(argv[1], "info")) {
		r = parse_opts(argc - 2, argv + 2, "info", OPT_BOARD | OPT_JSON, help_info, &o);
		return r >= 0 ? r : cmd_info(&o);
	}
	if (!strcmp(argv[1], "mkmodel"))
		return cmd_mkmodel(argc - 2, argv + 2);
	if (!strcmp(argv[1], "bench")) {
		if (argc < 3)
			return cli_usage("bench", "%s", "which benchmark: link, engines or model");
		if (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
			help_bench(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[2], "link")) {
			r = parse_opts(argc - 3, argv + 3, "bench link",
				       OPT_BOARD | OPT_JSON | OPT_WORDS | OPT_SEED, help_bench_link, &o);
			return r >= 0 ? r : bench_link(&o);
		}
		if (!strcmp(argv[2], "model"))
			return bench_model(argc - 3, argv + 3);
		if (!strcmp(argv[2], "engines")) {
			r = parse_opts(argc - 3, argv + 3, "bench engines",
				       OPT_BOARD | OPT_JSON | OPT_COUNT | OPT_SEED, help_bench_engines, &o);
			return r >= 0 ? r : bench_engines(&o);
		}
		return cli_usage("bench", "unknown benchmark '%s' (link, engines or model)", argv[2]);
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "eval"))
		return cmd_eval(argc - 2, argv + 2);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 2, argv + 2);
	if (!strcmp(argv[1], "udev-rule"))
		return cmd_udev_rule(argc - 2, argv + 2);
	if (!strcmp(argv[1], "power"))
		return cmd_power(argc - 2, argv + 2);
	if (!strcmp(argv[1], "flash"))
		return cmd_flash(argc - 2, argv + 2);
	return cli_usage("mmfree", "unknown command '%s'", argv[1]);
}
