/*
 * check.h: what the C tests share: CHECK(cond, printf-args) counts a check and reports a failure with
 * its file and line, and a xorshift64 generator for repeatable random inputs.
 */
#ifndef MMF_TESTS_CHECK_H
#define MMF_TESTS_CHECK_H

#include <stdint.h>
#include <stdio.h>

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

#endif
