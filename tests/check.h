/*
 * check.h: what the C tests share: CHECK(cond, printf-args) counts a check and reports a failure with
 * its file and line, a xorshift64 generator for repeatable random inputs, and the command line of a
 * test program (check_args, check_number).
 */
#ifndef MMF_TESTS_CHECK_H
#define MMF_TESTS_CHECK_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_fail, g_checks;

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		g_checks++;                                                 \
		if (!(cond)) {                                              \
			g_fail++;                                           \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                       \
			fprintf(stderr, "\n");                              \
		}                                                           \
	} while (0)

/* xorshift64: the next value of the state *s (never start it at 0) */
static inline uint64_t check_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * The command line of a test program that takes at most max_args arguments: `synopsis` names them
 * ("[URI]", "" for none), `what` says what the program proves. --help or -h prints "usage: PROG
 * SYNOPSIS", then `what`, and exits 0; more arguments than max_args, or an argument starting with '-'
 * that is not `flag` (the program's one flag, or NULL), prints a message and exits 2.
 */
static inline void check_args(int argc, char **argv, int max_args, const char *flag, const char *synopsis,
			      const char *what)
{
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s%s%s\n%s\n", prog, synopsis[0] ? " " : "", synopsis, what);
			exit(0);
		}
	}
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && !(flag && !strcmp(argv[i], flag))) {
			fprintf(stderr, "%s: unknown option '%s' (see --help)\n", prog, argv[i]);
			exit(2);
		}
	}
	if (argc - 1 > max_args) {
		fprintf(stderr, "%s: unexpected argument '%s' (usage: %s%s%s)\n", prog, argv[max_args + 1], prog,
			synopsis[0] ? " " : "", synopsis);
		exit(2);
	}
}

/*
 * s, the value of the argument `name`, as a whole decimal number within [min, max]; otherwise a
 * message naming the argument and exit 2.
 */
static inline unsigned long long check_number(const char *prog, const char *name, const char *s,
					      unsigned long long min, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno) {
		fprintf(stderr, "%s: %s '%s': not a whole number\n", prog, name, s);
		exit(2);
	}
	if (v < min || v > max) {
		fprintf(stderr, "%s: %s %s: out of range (%llu to %llu)\n", prog, name, s, min, max);
		exit(2);
	}
	return v;
}

#endif
