/*
 * mmfree_cli.h: what the CLI's files (mmfree.c, mmfree_*.c) share. Only the CLI prints and exits;
 * the library reports.
 */
#ifndef MMFREE_CLI_H
#define MMFREE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "mmfree.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Options of the subcommands (each takes the ones it lists in its --help). */
struct cli_opts {
	const char *board;          /* --board URI */
	int json;                   /* --json */
	uint32_t words;             /* --words N (0: the whole weight memory) */
	uint32_t count;             /* --count N */
	uint64_t seed;              /* --seed S */
};

/* "mmfree: <what>: <detail>" on stderr; returns EXIT_FAIL. */
int cli_fail(const char *what, const char *detail);
/* The library's failure: "mmfree: <what>: <message> (<error name>)"; returns EXIT_FAIL, or
 * EXIT_USAGE for MMF_ERR_ARG (a bad URI or argument is a usage error). */
int cli_lib_fail(const char *what, int err, const mmf_board *b);
/* A usage error: "mmfree: <cmd>: <fmt with arg> (try 'mmfree <cmd> --help')"; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, const char *arg);
/* A whole number in [0, max] (decimal or 0x hex) for option opt of cmd; EXIT_OK or EXIT_USAGE after
 * saying why. */
int cli_parse_num(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *v);
/* Option opt of cmd, whose bit in *seen is bit, is given: EXIT_OK the first time; a second time it is
 * a usage error (which one was meant?), said. */
int cli_once(const char *cmd, const char *opt, uint64_t *seen, uint64_t bit);
/* A plain decimal number (digits, one '.', an exponent; no sign, space, hex, inf or nan) into *v:
 * 0, or -1 if s is not one. */
int cli_parse_real(const char *s, double *v);
/* Open --board (EXIT_OK, or the exit code after printing why not). */
int cli_open(const struct cli_opts *o, mmf_board **b);
/* INFO's link rate per byte on the wire: baud / 10 (UART, 8N1), SCK Hz / 8 (SPI), and the FIFO's
 * rate is already bytes per second (a byte per bus clock). */
static inline double cli_link_units_per_byte(unsigned link)
{
	return link == 0 ? 10.0 : link == 1 ? 8.0 : 1.0;
}
/* ... and the rate's unit */
static inline const char *cli_link_rate_unit(unsigned link)
{
	return link == 0 ? "baud" : link == 1 ? "Hz" : "bytes/s";
}
/* How files are written (--logits, --plot, --out) and what an interrupt does, for --help
 * (host/src/outfile.h has the rules). */
extern const char cli_files_help[];
/* A JSON string literal of n bytes that is valid UTF-8 whatever the bytes are: quote, backslash and
 * control characters escaped, bytes that are not UTF-8 written as \ufffd (the replacement character,
 * one for each maximal subpart, as Python's errors="replace" does). Returns 1 if some byte was
 * replaced (the exact bytes then need cli_json_hex beside it), else 0. */
int cli_json_bytes(FILE *f, const char *s, size_t n);
/* The same for a NUL-terminated string. */
void cli_json_str(FILE *f, const char *s);
/* The UTF-8 sequence at s (n > 0 bytes): its length if valid (RFC 3629), else minus the length of
 * its maximal subpart (at least 1). */
int cli_utf8_len(const unsigned char *s, size_t n);
/* n bytes as a JSON string of lowercase hex digits, two per byte ("48690a"). */
void cli_json_hex(FILE *f, const char *s, size_t n);
/* Progress on stderr, only when it is a terminal: "\r<label> 45%"; cli_progress_done ends the line. */
int cli_progress_on(void);
void cli_progress(const char *label, uint64_t done, uint64_t total);
void cli_progress_done(void);
double cli_now(void);        /* wall clock, seconds */
double cli_cpu(void);        /* host CPU time of this process, seconds */
uint64_t cli_rand(uint64_t *s); /* xorshift64 */

int bench_link(const struct cli_opts *o);
int bench_engines(const struct cli_opts *o);

/* Commands with their own options: argv holds what follows the command name (argc of them); each
 * takes --help. They return the exit status. */
int cmd_mkmodel(int argc, char **argv);   /* mmfree_mkmodel.c */
int cmd_run(int argc, char **argv);       /* mmfree_run.c */
int bench_model(int argc, char **argv);   /* mmfree_run.c: bench model */
int cmd_list(int argc, char **argv);      /* mmfree_usb.c: the FTDI boards on USB */
int cmd_udev_rule(int argc, char **argv); /* mmfree_usb.c: the udev rule for them */
int cmd_power(int argc, char **argv);     /* mmfree_power.c */
int cmd_flash(int argc, char **argv);     /* mmfree_flash.c: program a board with a bitstream */
int cmd_eval(int argc, char **argv);      /* mmfree_eval.c: bits per byte over a text */

/* ---- a model on a board, as run, bench model and eval hold it (mmfree_run.c) ---- */

/* A model with its board. */
struct session {
	mmf_model *m;               /* the model */
	mmf_board *b;               /* the board, or NULL for the host kernels */
	struct mmf_model_desc desc; /* what it is */
	struct mmf_info info;       /* the board's INFO */
	double load_s;              /* load and quantise, wall */
	double place_s;             /* placement (upload and read-back), wall */
	struct mmf_counter_totals c; /* board counters since generation started, 64-bit */
	uint32_t last[MMF_NUM_COUNTERS]; /* the last raw reading */
};
/* The board of the model commands (run, eval, bench model) that is no board: the model attached to
 * nothing runs on the hls_c kernels in this process (mmf_model_attach(m, NULL)). Their default. */
#define MMFI_CLI_HOST_BOARD "host"
/* The --engine lines of a help text, one per engine choice, from the engine table. */
void cli_engines_help(FILE *f);
/* --engine NAME into mmf_model_opts.engine; EXIT_OK or EXIT_USAGE after saying why. */
int parse_engine(const char *cmd, const char *s, unsigned *e);
/* Load model (quantised for engine) and place it on board (NULL or "host": the host kernels), with
 * progress on a terminal; the board's counters cleared. EXIT_OK, or the exit code after saying why
 * (call session_close either way). */
int session_open_model(const char *cmd, const char *model, const char *board, int engine,
		       struct session *s);
/* Add the board's counters moved since the last reading to s->c (nothing without a board). */
int session_counters(struct session *s);
void session_close(struct session *s);

/* How to program one board: boards/<name>/board.mk's PROGRAMMER, OFL_BOARD, OFL_CABLE (the table is
 * generated from them by scripts/gen_boards_c.sh into build/host/boards_data.c). */
struct cli_board_prog {
	const char *name;           /* boards/<name>/, and INFO's board name */
	const char *programmer;     /* what programs it by default: "iceprog" or "openFPGALoader" */
	const char *ofl_board;      /* openFPGALoader -b NAME, or NULL: openFPGALoader cannot */
	const char *ofl_cable;      /* openFPGALoader -c CABLE instead of the -b entry's, or NULL */
};
extern const struct cli_board_prog cli_boards[];
extern const unsigned cli_n_boards;

/* ---- a power meter alongside a model run (mmfree_power.c) ---- */
extern const char cli_meters_help[];      /* the meter URIs, for --help */

/* What run and bench model keep for --meter and --plot. */
struct power_run {
	const char *meter_uri;      /* --meter URI, or NULL */
	mmf_board *board;           /* the run's board (a `board` meter is read through it), or NULL */
	unsigned interval_ms;       /* --meter-interval MS (0: 50) */
	mmf_meter *m;               /* the open meter, or NULL (none asked, or it failed) */
	mmf_meter_rec *rec;         /* its recorder, from the idle window to the end of the run */
	char meter_err[700];        /* why there is no measurement, or "" */
	double t0;                  /* start of the idle window (CLOCK_MONOTONIC s) */
	double idle_t1;             /* its end */
	size_t n_tok, cap_tok;      /* token intervals recorded, room for */
	double *tok_t0, *tok_t1;    /* each token's start and end (CLOCK_MONOTONIC s) */
	struct mmf_counter_totals *tok_c; /* the board's counters after each token (zero: no board) */
	struct mmf_counter_totals c_start; /* the board's counters as the first token starts */
	int have_start;             /* power_start was called with a board's counters */
	uint32_t clock_hz;          /* the board's clock (INFO), for board-clock figures */
};
/* Open the meter and record ~1 s of idle power; a meter that fails is reported on stderr and the run
 * goes on with the estimate (EXIT_OK either way). */
int power_begin(struct power_run *p, const char *cmd, int estimate);
/* The tokens start now; c: the board's counters now (after the idle window), or NULL. */
void power_start(struct power_run *p, const struct mmf_counter_totals *c);
/* One token ran from t0 to t1 (cli_now()); c: the board's counters after it, or NULL. */
int power_token(struct power_run *p, double t0, double t1, const struct mmf_counter_totals *c);
/* Stop recording (a recording without a reading is reported like a meter that failed). estimate: the
 * run has a board, hence an energy estimate to fall back on. */
void power_end(struct power_run *p, const char *cmd, int estimate);
/* The "power" line(s), or the ", \"power\": {...}" JSON member (after other members). */
void power_print(FILE *f, const struct power_run *p, int has_estimate, int json);
/* Write the SVG: measured power over time, or else the estimate per token; EXIT_OK or EXIT_FAIL. */
int power_plot(const struct power_run *p, const char *plot, const struct mmf_info *info, const char *cmd);
void power_free(struct power_run *p);

#endif
