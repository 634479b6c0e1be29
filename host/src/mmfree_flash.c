/*
 * mmfree_flash.c: `mmfree flash FILE`: program a board with a bitstream from `make bitstream` by
 * running the board's programmer (iceprog or openFPGALoader; mmfree has no flasher of its own), after
 * checking the metadata scripts/bitstream.sh writes beside it: the board it was built for, the link
 * protocol version, that it met the board clock, and that FILE is the bitstream the metadata
 * describes (size and CRC-32). A bitstream that fails a check is refused before anything runs.
 *
 * The programmer runs as a child (fork and exec, no shell) with its output, progress included, on our
 * stderr; stdout carries only the result (--json). After programming, --check URI opens the board and
 * compares what INFO says (board, protocol version, RTL revision) with the metadata.
 * docs/boards.md, "Programming a board", describes all of it.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "mmf_dev.h"
#include "mmfree_cli.h"
#include "outfile.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

enum {
	META_MAX = 1 << 16,     /* metadata is a few hundred bytes; a bigger file is not ours */
	PREAMBLE_MAX = 1 << 16, /* a bitstream's sync word is looked for in its first bytes, this many */
	ARGS_MAX = 10,          /* the programmer's argv, NULL included */
};

/* ==== the programmers ========================================================================== */

/* The programmers mmfree can run. */
static const struct programmer {
	const char *name;       /* as in board.mk PROGRAMMER and --programmer */
	const char *package;    /* the Debian package that installs it */
	const char *hint;       /* what a failure usually means */
} programmers[] = {
	{ "iceprog", "fpga-icestorm",
	  "is the board plugged in (lsusb lists 0403:6010 or 0403:6014)? Without a udev rule for it "
	  "(mmfree udev-rule), run as root; is another program (mmfree, a serial terminal) holding it?" },
	{ "openFPGALoader", "openfpgaloader",
	  "is the board plugged in (lsusb lists its FTDI bridge) and may this user open it (udev rule)? "
	  "Is another program (mmfree, a serial terminal) holding it?" },
};

static const struct programmer *programmer_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(programmers) / sizeof(programmers[0]); i++)
		if (!strcmp(programmers[i].name, name))
			return &programmers[i];
	return NULL;
}

static const struct cli_board_prog *board_find(const char *name)
{
	unsigned i;

	for (i = 0; i < cli_n_boards; i++)
		if (!strcmp(cli_boards[i].name, name))
			return &cli_boards[i];
	return NULL;
}

/* "icebreaker, upduino3" into buf. */
static const char *board_list(char *buf, size_t n)
{
	size_t len = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < cli_n_boards && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", cli_boards[i].name);
	return buf;
}

/* ==== the metadata beside the bitstream ======================================================= */

/* What scripts/bitstream.sh recorded, as far as flash uses it. Strings are "" when absent. */
struct meta {
	char path[PATH_MAX];    /* the JSON file read */
	char board[64];         /* board the bitstream was built for */
	double proto;           /* protocol_version; -1 absent */
	int timing_met;         /* 1, 0, or -1 absent */
	double fmax_mhz;        /* fmax_mhz; 0 absent */
	double clock_mhz;       /* clock_mhz; 0 absent */
	double bytes;           /* bitstream_bytes; -1 absent */
	char crc32[16];         /* bitstream_crc32, 8 hex digits */
	char git_rev[16];       /* git_rev, 8 hex digits */
	int local_changes;      /* built from a tree with uncommitted changes to rtl/ or boards/ */
	char programmer[32];    /* board.mk PROGRAMMER */
	char ofl_board[64];     /* board.mk OFL_BOARD */
	char ofl_cable[64];     /* board.mk OFL_CABLE */
};

/* A string field into dst (size n); absent, not a string, or too long leaves dst "". */
static void json_str(const cJSON *o, const char *key, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	dst[0] = '\0';
	if (cJSON_IsString(v) && v->valuestring && strlen(v->valuestring) < n)
		strcpy(dst, v->valuestring);
}

static double json_num(const cJSON *o, const char *key, double absent)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : absent;
}

static int json_bool(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : -1;
}

/* The last refusal of open_in, for messages that would otherwise say only strerror(EINVAL). */
static char in_err[512];

/* path opened for reading as a stream, refusing what is not a regular file without waiting on it
 * (a FIFO named as the bitstream would hang the read); NULL with errno set and in_err said. */
static FILE *open_in(const char *path)
{
	FILE *f;

	mmfi_in_fopen(path, NULL, &f, in_err, sizeof(in_err));
	return f;
}

/* The whole of a small file, NUL-terminated; NULL with errno set (EFBIG: over max bytes). */
static char *slurp(const char *path, size_t max)
{
	FILE *f = open_in(path);
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (!buf)
		goto fail;
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		errno = ferror(f) ? EIO : EFBIG;
		goto fail;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* Parse m->path into m. 0, or -1 with why in err. */
static int meta_read(struct meta *m, char *err, size_t errn)
{
	char *text = slurp(m->path, META_MAX);
	const cJSON *a, *b;
	cJSON *o;

	if (!text) {
		if (errno == EINVAL)
			snprintf(err, errn, "cannot read the metadata %s", in_err);
		else
			snprintf(err, errn, "cannot read the metadata %s: %s", m->path, strerror(errno));
		return -1;
	}
	o = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		snprintf(err, errn, "the metadata %s is not a JSON object", m->path);
		return -1;
	}
	/* cJSON would check the first of two, a person reading the file might see the second */
	for (a = o->child; a; a = a->next)
		for (b = a->next; b; b = b->next)
			if (a->string && b->string && !strcmp(a->string, b->string)) {
				snprintf(err, errn, "the metadata %s has \"%.40s\" twice: which is meant?",
					 m->path, a->string);
				cJSON_Delete(o);
				return -1;
			}
	json_str(o, "board", m->board, sizeof(m->board));
	m->proto = json_num(o, "protocol_version", -1);
	m->timing_met = json_bool(o, "timing_met");
	m->fmax_mhz = json_num(o, "fmax_mhz", 0);
	m->clock_mhz = json_num(o, "clock_mhz", 0);
	m->bytes = json_num(o, "bitstream_bytes", -1);
	json_str(o, "bitstream_crc32", m->crc32, sizeof(m->crc32));
	json_str(o, "git_rev", m->git_rev, sizeof(m->git_rev));
	m->local_changes = json_bool(o, "local_changes") == 1;
	json_str(o, "programmer", m->programmer, sizeof(m->programmer));
	json_str(o, "openfpgaloader_board", m->ofl_board, sizeof(m->ofl_board));
	json_str(o, "openfpgaloader_cable", m->ofl_cable, sizeof(m->ofl_cable));
	cJSON_Delete(o);
	return 0;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The metadata beside file: file with .json for its extension (build/icebreaker/mmfree.bin ->
 * mmfree.json), else mmfree.json in its folder if that one's "bitstream" is file's name (a copy
 * renamed beside the original). 1 found (m->path set); 0 none, with where it looked in looked. */
static int meta_find(const char *file, struct meta *m, char *looked, size_t n)
{
	const char *slash = strrchr(file, '/'), *base = slash ? slash + 1 : file;
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - file) : strlen(file);
	size_t dir = (size_t)(base - file);
	char other[PATH_MAX], named[256] = "";
	char *text;
	cJSON *o;

	snprintf(looked, n, "%.*s.json", (int)stem, file);
	if (stem + 6 > sizeof(m->path) || dir + 12 > sizeof(other))
		return 0;
	snprintf(m->path, sizeof(m->path), "%.*s.json", (int)stem, file);
	if (is_file(m->path))
		return 1;
	snprintf(other, sizeof(other), "%.*smmfree.json", (int)dir, file);
	if (!strcmp(other, m->path))
		return 0;
	snprintf(looked + strlen(looked), n - strlen(looked), ", %s", other);
	text = slurp(other, META_MAX);
	if (!text)
		return 0;
	o = cJSON_Parse(text);
	free(text);
	json_str(o, "bitstream", named, sizeof(named));
	cJSON_Delete(o);
	if (strcmp(named, base))
		return 0;
	snprintf(m->path, sizeof(m->path), "%s", other);
	return 1;
}

/* Size and CRC-32 (zlib's) of a file; 0, or -1 with errno set. */
static int file_crc(const char *path, double *bytes, uint32_t *crc)
{
	unsigned char buf[65536];
	FILE *f = open_in(path);
	size_t n;
	uLong c = crc32(0L, Z_NULL, 0);
	int r = 0;

	if (!f)
		return -1;
	*bytes = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		c = crc32(c, buf, (uInt)n);
		*bytes += (double)n;
	}
	if (ferror(f)) {
		errno = EIO;
		r = -1;
	}
	fclose(f);
	*crc = (uint32_t)c;
	return r;
}

/* ==== is it an iCE40 bitstream? =============================================================== */

/* An iCE40 bitstream as icepack writes it (docs/boards.md): an optional comment block, 0xFF 0x00, the
 * comment's bytes, 0x00 0xFF; any 0xFF padding; then the sync word the FPGA's configuration logic
 * waits for. Anything else (an empty file, the .asc text, nextpnr's .json, a truncated download) is
 * not one, and a programmer would write it to the flash all the same. */
static const unsigned char ice40_sync[4] = { 0x7E, 0xAA, 0x99, 0x7E };

/* The first bytes of buf (n of them) as "ff 00 3c 21 ...", into out. */
static const char *hex_bytes(const unsigned char *buf, size_t n, char *out, size_t len)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < n && i < 8 && used + 4 < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%02x", i ? " " : "", buf[i]);
	if (n > 8 && used + 4 < len)
		snprintf(out + used, len - used, " ...");
	return out;
}

/* 0 if path starts as an iCE40 bitstream, else -1 with what was found in why (errno set when the file
 * could not be read). */
static int bitstream_preamble(const char *path, char *why, size_t n)
{
	unsigned char *buf;
	char hex[48];
	FILE *f = open_in(path);
	size_t len, at = 0;
	int r = -1;

	if (!f) {
		snprintf(why, n, "%s", in_err);
		return -1;
	}
	buf = malloc(PREAMBLE_MAX);
	if (!buf) {
		snprintf(why, n, "%s: no memory to read its first %d bytes", path, PREAMBLE_MAX);
		goto out;
	}
	len = fread(buf, 1, PREAMBLE_MAX, f);
	if (ferror(f)) {
		snprintf(why, n, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (!len) {
		snprintf(why, n, "%s: an empty file (0 bytes), not an iCE40 bitstream", path);
		goto out;
	}
	if (len >= 2 && buf[0] == 0xFF && buf[1] == 0x00) {
		/* the comment block: up to its 0x00 0xFF */
		for (at = 2; at + 1 < len && !(buf[at] == 0x00 && buf[at + 1] == 0xFF); at++)
			;
		at += 2;
	}
	while (at < len && buf[at] == 0xFF)
		at++;
	if (at + 4 > len || memcmp(buf + at, ice40_sync, 4)) {
		snprintf(why, n, "%s: not an iCE40 bitstream: it starts %s and has no sync word 7e aa 99 7e "
			 "where the preamble ends (byte %zu); make bitstream writes one as mmfree.bin", path,
			 hex_bytes(buf, len, hex, sizeof(hex)), at);
		goto out;
	}
	r = 0;
out:
	free(buf);
	fclose(f);
	return r;
}

/* ==== the command's options =================================================================== */

static void help_flash(FILE *f)
{
	char boards[256];

	fprintf(f, "usage: mmfree flash FILE [--board NAME] [--sram] [--meta PATH] [--programmer P]\n"
		"                         [--check URI] [--force] [--dry-run] [--json]\n\n"
		"Program a board with FILE, a bitstream from `make bitstream BOARD=NAME`\n"
		"(build/NAME/mmfree.bin), by running its programmer: iceprog or openFPGALoader.\n"
		"The metadata beside FILE (FILE with .json for its extension, else mmfree.json in its\n"
		"folder if it names FILE) must say: built for board NAME, link protocol version %u (this\n"
		"mmfree's), timing met, and FILE's size and CRC-32. Otherwise nothing runs, and each\n"
		"failed check is named with what was expected and what was found.\n\n"
		"  --board NAME     the board attached (%s); default: the one the metadata\n"
		"                   names, which is then taken on trust (make prog always gives it)\n"
		"  --sram           load the FPGA's configuration RAM only (gone at power-off); default:\n"
		"                   write the SPI flash, which the FPGA boots from\n"
		"  --meta PATH      the metadata, when it is not beside FILE\n"
		"  --programmer P   iceprog or openFPGALoader instead of the board's own (board.mk\n"
		"                   PROGRAMMER, recorded in the metadata). Command lines:\n"
		"                     iceprog FILE                  iceprog -S FILE (--sram)\n"
		"                     openFPGALoader -b B [-c C] -f FILE     ... -m FILE (--sram)\n"
		"  --check URI      after programming, open the board at URI (e.g. ftdi) and compare its\n"
		"                   INFO (board, protocol version, RTL revision) with the metadata\n"
		"  --force          program although a check failed (each is printed as a warning);\n"
		"                   a raw bitstream without metadata needs --force and --board\n"
		"  --dry-run        print the programmer's command line and run nothing\n"
		"  --json           one JSON object on stdout when the programmer ran or would run;\n"
		"                   its own output stays on stderr\n\n"
		"The programmer's output, its progress included, goes to stderr. Exit status: 0\n"
		"programmed (and checked), or a dry run; 1 refused, programmer missing or failed (its\n"
		"status is named), or the check failed; 2 usage error.\n",
		(unsigned)MMF_PROTO_VERSION, board_list(boards, sizeof(boards)));
}

/* The options of one `mmfree flash`. */
struct flash_opts {
	const char *file;       /* the bitstream */
	const char *board;      /* --board, or NULL: the metadata's */
	const char *meta;       /* --meta, or NULL: beside the file */
	const char *programmer; /* --programmer, or NULL: the board's */
	const char *check;      /* --check URI, or NULL */
	int sram;               /* --sram */
	int force;              /* --force */
	int dry_run;            /* --dry-run */
	int json;               /* --json */
};

/* -1 to go on, else the exit status. */
static int flash_parse(int argc, char **argv, struct flash_opts *o)
{
	/* options without a value set an int to 1; the others take a string */
	static const struct { const char *name; size_t off; } flags[] = {
		{ "--sram", offsetof(struct flash_opts, sram) },
		{ "--force", offsetof(struct flash_opts, force) },
		{ "--dry-run", offsetof(struct flash_opts, dry_run) },
		{ "--json", offsetof(struct flash_opts, json) },
	}, valued[] = {
		{ "--board", offsetof(struct flash_opts, board) },
		{ "--meta", offsetof(struct flash_opts, meta) },
		{ "--programmer", offsetof(struct flash_opts, programmer) },
		{ "--check", offsetof(struct flash_opts, check) },
	};
	char boards[256];
	uint64_t seen = 0;
	size_t i, n;
	int a, r;

	memset(o, 0, sizeof(*o));
	for (a = 0; a < argc; a++) {
		const char *s = argv[a], **dst = NULL, *val = NULL;

		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			help_flash(stdout);
			return EXIT_OK;
		}
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]) && strcmp(s, flags[i].name); i++)
			;
		if (i < sizeof(flags) / sizeof(flags[0])) {
			if ((r = cli_once("flash", s, &seen, (uint64_t)1 << i)))
				return r;
			*(int *)(void *)((char *)o + flags[i].off) = 1;
			continue;
		}
		for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++) {
			n = strlen(valued[i].name);
			if (!strncmp(s, valued[i].name, n) && (s[n] == '\0' || s[n] == '=')) {
				dst = (const char **)(void *)((char *)o + valued[i].off);
				val = s[n] == '=' ? s + n + 1 : NULL;
				if ((r = cli_once("flash", valued[i].name, &seen, (uint64_t)256 << i)))
					return r;
			}
		}
		if (dst) {
			if (!val && a + 1 >= argc)
				return cli_usage("flash", "%s needs a value", s);
			*dst = val ? val : argv[++a];
			if (!**dst)
				return cli_usage("flash", "%s needs a value", s);
			continue;
		}
		if (s[0] == '-' && s[1])
			return cli_usage("flash", "unknown option '%s'", s);
		if (o->file)
			return cli_usage("flash", "one bitstream at a time ('%s' is a second)", s);
		o->file = s;
	}
	if (!o->file)
		return cli_usage("flash", "%s", "which bitstream? (e.g. build/icebreaker/mmfree.bin)");
	if (o->programmer && !programmer_find(o->programmer))
		return cli_usage("flash", "unknown programmer '%s' (iceprog or openFPGALoader)", o->programmer);
	if (o->board && !board_find(o->board)) {
		fprintf(stderr, "mmfree: flash: unknown board '%s' (boards: %s) (try 'mmfree flash --help')\n",
			o->board, board_list(boards, sizeof(boards)));
		return EXIT_USAGE;
	}
	return -1;
}

/* ==== the checks ============================================================================== */

/* What the checks found: how many failed, and their names for --json. */
struct verdict {
	unsigned failed;        /* checks that failed */
	char names[160];        /* their names, JSON strings joined by ", " */
};

/* One check failed: say so (a refusal, or with --force a warning) and count it. */
static void failed(const struct flash_opts *o, struct verdict *v, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void failed(const struct flash_opts *o, struct verdict *v, const char *name, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(v->names);

	fprintf(stderr, "mmfree: flash: %s%s: ", o->force ? "warning: --force: " : "", o->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	snprintf(v->names + len, sizeof(v->names) - len, "%s\"%s\"", len ? ", " : "", name);
	v->failed++;
}

/* Every check of FILE against its metadata m, board being the board attached. Returns 0 when FILE
 * could be read, else -1 (errno set). */
static int flash_check(const struct flash_opts *o, const struct meta *m, const char *board, struct verdict *v)
{
	double bytes;
	uint32_t crc;
	char hex[16];

	if (!m->board[0])
		failed(o, v, "board", "the metadata %s names no board (no \"board\"): it is not from "
		       "scripts/bitstream.sh", m->path);
	else if (strcmp(m->board, board))
		failed(o, v, "board", "built for another board: \"board\" is %s in %s, expected %s (--board)",
		       m->board, m->path, board);
	if (m->proto < 0)
		failed(o, v, "protocol_version", "no \"protocol_version\" in %s, expected %u", m->path,
		       (unsigned)MMF_PROTO_VERSION);
	else if (m->proto != MMF_PROTO_VERSION)
		failed(o, v, "protocol_version", "another link protocol: \"protocol_version\" is %g in %s, "
		       "expected %u, this mmfree's (rebuild the bitstream, or use the mmfree it was built for)",
		       m->proto, m->path, (unsigned)MMF_PROTO_VERSION);
	if (m->timing_met < 0)
		failed(o, v, "timing_met", "no \"timing_met\" in %s, expected true", m->path);
	else if (!m->timing_met)
		failed(o, v, "timing_met", "missed the board clock: \"timing_met\" is false in %s, expected "
		       "true (Fmax %.2f MHz, clock %g MHz)", m->path, m->fmax_mhz, m->clock_mhz);

	if (file_crc(o->file, &bytes, &crc) != 0)
		return -1;
	snprintf(hex, sizeof(hex), "%08x", crc);
	if (m->bytes < 0)
		failed(o, v, "bitstream_bytes", "no \"bitstream_bytes\" in %s to hold its %.0f bytes against "
		       "(rebuild with make bitstream to record it)", m->path, bytes);
	else if (m->bytes != bytes)
		failed(o, v, "bitstream_bytes", "not the bitstream the metadata describes: %.0f bytes, "
		       "expected %.0f (\"bitstream_bytes\" in %s): %s", bytes, m->bytes, m->path,
		       bytes < m->bytes ? "truncated?" : "replaced or appended to?");
	if (!m->crc32[0])
		failed(o, v, "bitstream_crc32", "no \"bitstream_crc32\" in %s to hold its CRC-32 %s against "
		       "(rebuild with make bitstream to record it)", m->path, hex);
	else if (strcmp(hex, m->crc32))
		failed(o, v, "bitstream_crc32", "not the bitstream the metadata describes: CRC-32 %s, "
		       "expected %s (\"bitstream_crc32\" in %s)", hex, m->crc32, m->path);
	return 0;
}

/* ==== running the programmer ================================================================== */

/* The full path of an executable named exe in $PATH, into out; 0 if there is none. */
static int path_find(const char *exe, char *out, size_t n)
{
	const char *path = getenv("PATH"), *p, *end;
	size_t len;

	if (!path || !*path)
		return 0;
	for (p = path;; p = end + 1) {
		end = strchr(p, ':');
		len = end ? (size_t)(end - p) : strlen(p);
		/* an empty element is the current directory, as execvp takes it */
		if ((size_t)snprintf(out, n, "%.*s/%s", (int)(len ? len : 1), len ? p : ".", exe) < n &&
		    is_file(out) && access(out, X_OK) == 0)
			return 1;
		if (!end)
			return 0;
	}
}

/* One argument as a shell would need it written. */
static void shell_word(FILE *f, const char *s)
{
	const char *c;

	for (c = s; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:+,@%", *c))
			break;
	if (*s && !*c) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (c = s; *c; c++) {
		if (*c == '\'')
			fputs("'\\''", f);
		else
			fputc(*c, f);
	}
	fputc('\'', f);
}

static void print_argv(FILE *f, char *const *argv)
{
	int i;

	for (i = 0; argv[i]; i++) {
		if (i)
			fputc(' ', f);
		shell_word(f, argv[i]);
	}
}

/* Run path with argv, its stdout and stderr both on our stderr (stdout is for --json). Returns its
 * exit status, or 128 + N with *sig = N if signal N ended it, or -1 if it could not be started (errno
 * set). While it runs, Ctrl-C reaches it (it is in our process group) but not us, so that we can
 * report it. */
static int run(const char *path, char *const *argv, int *sig)
{
	struct sigaction ign, old_int, old_quit;
	pid_t pid;
	int st, r = -1;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	fflush(stdout);
	fflush(stderr);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execv(path, argv);
		fprintf(stderr, "mmfree: flash: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		*sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		r = WIFEXITED(st) ? WEXITSTATUS(st) : *sig ? 128 + *sig : -1;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return r;
}

/* ==== the check after programming ============================================================= */

/* What --check found. */
struct board_check {
	int done;               /* the board was opened and asked */
	char board[32];         /* INFO's board name */
	unsigned version;       /* INFO's protocol version */
	char git_rev[16];       /* INFO's RTL revision, 8 hex digits */
	unsigned mismatches;    /* fields that differ from what was expected */
};

/* Open uri and compare its INFO with board and, when there is metadata, its revision. 0 all agree,
 * else EXIT_FAIL after saying which field differs. */
static int board_check(const struct flash_opts *o, const struct meta *m, const char *board,
		       struct board_check *c)
{
	struct mmf_info in;
	mmf_board *b;
	char what[600];
	int r = mmf_open(o->check, &b);

	if (r) {
		snprintf(what, sizeof(what), "programmed, but --check %s", o->check);
		cli_lib_fail(what, r, NULL);
		return EXIT_FAIL;
	}
	mmf_get_info(b, &in);
	mmf_close(b);
	c->done = 1;
	snprintf(c->board, sizeof(c->board), "%s", mmf_board_name(in.board_id));
	c->version = in.version;
	snprintf(c->git_rev, sizeof(c->git_rev), "%08x", in.git_rev);
	/* INFO's version is MMF_PROTO_VERSION, or mmf_open would have refused the board */
	if (strcmp(c->board, board)) {
		fprintf(stderr, "mmfree: flash: --check %s: the board says board %s, expected %s\n",
			o->check, c->board, board);
		c->mismatches++;
	}
	if (m && m->git_rev[0] && strcmp(c->git_rev, m->git_rev)) {
		fprintf(stderr, "mmfree: flash: --check %s: the board says RTL revision %s, expected %s "
			"(\"git_rev\" in %s): is another bitstream running?\n", o->check, c->git_rev,
			m->git_rev, m->path);
		c->mismatches++;
	}
	if (c->mismatches)
		return EXIT_FAIL;
	fprintf(stderr, "mmfree: flash: --check %s: board %s, protocol version %u, RTL revision %s%s: "
		"as expected\n", o->check, c->board, c->version, c->git_rev,
		m && m->local_changes ? " (built with local changes: the revision does not say which)" : "");
	return EXIT_OK;
}

/* ==== the command ============================================================================= */

/* The result on stdout for --json. status < 0: not run (a dry run). */
static void print_json(const struct flash_opts *o, const struct meta *m, const char *board,
		       const char *prog, char *const *args, const struct verdict *v, int status,
		       double seconds, const struct board_check *c, int ok)
{
	int i;

	printf("{\"file\": ");
	cli_json_str(stdout, o->file);
	printf(", \"metadata\": ");
	if (m)
		cli_json_str(stdout, m->path);
	else
		printf("null");
	printf(", \"board\": ");
	cli_json_str(stdout, board);
	printf(", \"git_rev\": ");
	if (m && m->git_rev[0])
		cli_json_str(stdout, m->git_rev);
	else
		printf("null");
	printf(", \"mode\": \"%s\", \"programmer\": \"%s\", \"command\": [", o->sram ? "sram" : "flash", prog);
	for (i = 0; args[i]; i++) {
		printf("%s", i ? ", " : "");
		cli_json_str(stdout, args[i]);
	}
	printf("], \"forced\": [%s], \"dry_run\": %s", v->names, o->dry_run ? "true" : "false");
	if (status >= 0)
		printf(", \"exit_status\": %d, \"seconds\": %.2f", status, seconds);
	printf(", \"check\": ");
	if (c->done) {
		printf("{\"uri\": ");
		cli_json_str(stdout, o->check);
		printf(", \"board\": \"%s\", \"protocol_version\": %u, \"git_rev\": \"%s\", \"ok\": %s}",
		       c->board, c->version, c->git_rev, c->mismatches ? "false" : "true");
	} else {
		printf("null");
	}
	printf(", \"ok\": %s}\n", ok ? "true" : "false");
}

/* Why the programmer failed (exit status, or signal sig if not 0), into why. */
static void explain(const struct programmer *pg, int status, int sig, char *why, size_t n)
{
	if (sig)
		snprintf(why, n, "%s was ended by signal %d: the flash may be half-written; program it "
			 "again before using the board", pg->name, sig);
	else if (!strcmp(pg->name, "iceprog") && status == 3)
		snprintf(why, n, "iceprog exited with status 3: what it read back differs from what it "
			 "wrote (try again; then suspect the board's flash)");
	else if (!strcmp(pg->name, "iceprog") && status == 1)
		snprintf(why, n, "iceprog exited with status 1: a file or option problem (its message "
			 "is above)");
	else
		snprintf(why, n, "%s exited with status %d: %s", pg->name, status, pg->hint);
}

int cmd_flash(int argc, char **argv)
{
	struct flash_opts o;
	struct meta m;
	struct verdict v;
	struct board_check c;
	const struct cli_board_prog *bd;
	const struct programmer *pg;
	const char *board, *prog, *ofl_board, *ofl_cable;
	char exe[PATH_MAX], why[2 * PATH_MAX + 200], looked[2 * PATH_MAX + 8], file_arg[PATH_MAX + 2];
	char *args[ARGS_MAX];
	int r, n = 0, have_meta, status, sig = 0, same_board;
	double t0, secs;

	r = flash_parse(argc, argv, &o);
	if (r >= 0)
		return r;
	memset(&m, 0, sizeof(m));
	memset(&v, 0, sizeof(v));
	memset(&c, 0, sizeof(c));
	if (!is_file(o.file)) {
		snprintf(why, sizeof(why), "%s: %s", o.file, access(o.file, F_OK) == 0 ?
			 "not a regular file" : strerror(errno));
		return cli_fail("flash", why);
	}
	/* with or without metadata, --force or not: a programmer writes whatever it is given */
	if (bitstream_preamble(o.file, why, sizeof(why)))
		return cli_fail("flash", why);

	/* the metadata, and every check against it */
	if (o.meta) {
		snprintf(m.path, sizeof(m.path), "%s", o.meta);
		have_meta = 1;
	} else {
		have_meta = meta_find(o.file, &m, looked, sizeof(looked));
	}
	if (have_meta && meta_read(&m, why, sizeof(why)) != 0)
		return cli_fail("flash", why);
	board = o.board ? o.board : have_meta && m.board[0] ? m.board : NULL;
	if (!have_meta) {
		if (!o.force) {
			fprintf(stderr, "mmfree: flash: %s: no metadata (looked for %s), so nothing says which "
				"board it is for; make bitstream writes mmfree.json beside mmfree.bin. --meta "
				"PATH names one; --force --board NAME programs a raw bitstream\n", o.file, looked);
			return EXIT_FAIL;
		}
		if (!o.board)
			return cli_usage("flash", "%s", "a bitstream without metadata needs --board NAME");
		fprintf(stderr, "mmfree: flash: warning: --force: %s: no metadata (looked for %s): "
			"programming it unchecked\n", o.file, looked);
		snprintf(v.names, sizeof(v.names), "\"metadata\"");
	} else {
		if (!board)
			board = "?";
		if (flash_check(&o, &m, board, &v) != 0) {
			snprintf(why, sizeof(why), "cannot read %s: %s", o.file, strerror(errno));
			return cli_fail("flash", why);
		}
		if (v.failed && !o.force) {
			fprintf(stderr, "mmfree: flash: %s refused (%u check%s failed): nothing programmed\n",
				o.file, v.failed, v.failed == 1 ? "" : "s");
			return EXIT_FAIL;
		}
	}

	/* how to program the board: the metadata's way if it is for this board, else the board's */
	bd = board_find(board);
	same_board = have_meta && !strcmp(m.board, board) && m.programmer[0];
	if (!same_board && !bd) {
		snprintf(why, sizeof(why), "mmfree does not know how to program board '%s' and %s says "
			 "nothing about it", board, m.path);
		return cli_fail("flash", why);
	}
	prog = o.programmer ? o.programmer : same_board ? m.programmer : bd->programmer;
	ofl_board = same_board ? (m.ofl_board[0] ? m.ofl_board : NULL) : bd->ofl_board;
	ofl_cable = same_board ? (m.ofl_cable[0] ? m.ofl_cable : NULL) : bd->ofl_cable;
	pg = programmer_find(prog);
	if (!pg) {
		snprintf(why, sizeof(why), "%s names programmer '%s', which mmfree cannot run (iceprog or "
			 "openFPGALoader; --programmer chooses one)", m.path, prog);
		return cli_fail("flash", why);
	}

	/* its command line; a file name starting with '-' must not read as an option */
	snprintf(file_arg, sizeof(file_arg), "%s%s", o.file[0] == '-' ? "./" : "", o.file);
	args[n++] = (char *)pg->name;
	if (!strcmp(pg->name, "iceprog")) {
		if (o.sram)
			args[n++] = "-S";
	} else {
		if (!ofl_board) {
			snprintf(why, sizeof(why), "openFPGALoader has no name for board %s (set OFL_BOARD in "
				 "boards/%s/board.mk and rebuild the bitstream)", board, board);
			return cli_fail("flash", why);
		}
		args[n++] = "-b";
		args[n++] = (char *)ofl_board;
		if (ofl_cable) {
			args[n++] = "-c";
			args[n++] = (char *)ofl_cable;
		}
		args[n++] = o.sram ? "-m" : "-f";
	}
	args[n++] = file_arg;
	args[n] = NULL;

	if (o.dry_run) {
		if (o.json)
			print_json(&o, have_meta ? &m : NULL, board, pg->name, args, &v, -1, 0, &c, 1);
		else {
			print_argv(stdout, args);
			putchar('\n');
		}
		return EXIT_OK;
	}

	if (!path_find(pg->name, exe, sizeof(exe))) {
		snprintf(why, sizeof(why), "%s not found in PATH (install it: apt-get install %s)", pg->name,
			 pg->package);
		return cli_fail("flash", why);
	}
	fprintf(stderr, "mmfree: flash: %s %s with %s", board, o.sram ? "configuration RAM" : "flash",
		o.file);
	if (have_meta)
		fprintf(stderr, " (git %s%s, protocol %g, Fmax %.2f MHz)", m.git_rev[0] ? m.git_rev : "?",
			m.local_changes ? " with local changes" : "", m.proto, m.fmax_mhz);
	fprintf(stderr, ": ");
	print_argv(stderr, args);
	fputc('\n', stderr);
	t0 = cli_now();
	status = run(exe, args, &sig);
	secs = cli_now() - t0;
	if (status < 0) {
		snprintf(why, sizeof(why), "cannot run %s: %s", exe, strerror(errno));
		return cli_fail("flash", why);
	}
	r = EXIT_OK;
	if (status != 0) {
		explain(pg, status, sig, why, sizeof(why));
		r = cli_fail("flash", why);
	} else {
		fprintf(stderr, "mmfree: flash: %s programmed (%.1f s)\n", board, secs);
		if (o.check)
			r = board_check(&o, have_meta ? &m : NULL, board, &c);
	}
	if (o.json)
		print_json(&o, have_meta ? &m : NULL, board, pg->name, args, &v, status, secs, &c, r == EXIT_OK);
	return r;
}
