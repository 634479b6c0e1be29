/*
 * uri.h: board URIs and the board kinds that open them (internal to libmmfree).
 *
 * A URI is "kind[:arg][?key=value&...]". uri.c cuts it into a key/value list and refuses what no kind
 * could mean: an unknown kind, an empty option, a key with no value, a key given twice, a key no board
 * takes, and a key of another kind ("baud is an option of 'ftdi' only"). It reads the options every
 * board takes (the link's timeout_ms and window; transport_faults.c reads faults and seed); each kind
 * (transport_*.c) reads and checks its own keys and its ':arg', and holds its own defaults, so the core
 * never asks which kind it has.
 */
#ifndef MMFI_URI_H
#define MMFI_URI_H

#include <stdint.h>

#include "transport.h"

enum {
	MMFI_URI_MAX = 512,         /* longest URI taken */
	MMFI_URI_OPTS = 16,         /* options after '?' one URI may give */
	MMFI_TIMEOUT_MS = 200,      /* the usual default answer wait per try, beyond the link time */
};

/* One option after '?': "key=value" split at the first '='. */
struct mmfi_uri_opt {
	const char *key;            /* "timeout_ms" */
	const char *val;            /* "5" */
};

/* A board URI, parsed; the strings point into buf. */
struct mmfi_uri {
	char buf[MMFI_URI_MAX];     /* the URI, cut into its parts */
	const char *uri;            /* the whole URI as given, for messages */
	const char *kind;           /* "cpu", "sim", "socket", "ftdi" */
	const char *arg;            /* after the first ':' (socket path, FTDI serial, sim board), or "" */
	struct mmfi_uri_opt opt[MMFI_URI_OPTS]; /* options in URI order, each key once */
	int n_opt;                  /* how many */
	uint32_t timeout_ms;        /* timeout_ms=, or the kind's default: answer wait per try */
	uint32_t window;            /* window=, or the kind's default: WRITE_MEMs in flight */
};

/* One kind of board a URI may name: its own options, its defaults, and how it opens. */
struct mmfi_board_kind {
	const char *name;           /* the URI's kind: "cpu" */
	const char *const *keys;    /* the options it takes beyond the common ones, NULL-terminated */
	uint32_t timeout_ms;        /* default answer wait per try (timeout_ms= sets another) */
	uint32_t window;            /* default WRITE_MEMs in flight (window= sets another) */
	/* Check u's ':arg' and the kind's own keys, then open the transport; *flags = the board's
	 * MMF_BOARD_*. 0 or a negative mmf_error with the message in err. */
	int (*open)(const struct mmfi_uri *u, mmfi_transport **out, unsigned *flags, char *err,
		    size_t err_len);
};

/* The kinds (transport_cpu.c, transport_sim.cpp, transport_socket.c, transport_ftdi.c). `sim` is
 * linked into build/bin/mmfree and mmfree-vboard only: a weak symbol, its address NULL elsewhere. */
extern const struct mmfi_board_kind mmfi_board_cpu;
extern const struct mmfi_board_kind mmfi_board_sim
#ifdef __GNUC__
	__attribute__((weak))
#endif
	;
extern const struct mmfi_board_kind mmfi_board_socket;
extern const struct mmfi_board_kind mmfi_board_ftdi;

/* Parse uri into u and find its kind (*kind); MMF_ERR_ARG with a message naming the bad part, or
 * MMF_ERR_UNSUPPORTED for a kind this program was built without. */
int mmfi_uri_parse(const char *uri, struct mmfi_uri *u, const struct mmfi_board_kind **kind, char *err,
		   size_t err_len);
/* Open the transport a parsed URI names, with the fault injector around it if asked. */
int mmfi_uri_transport(const struct mmfi_uri *u, const struct mmfi_board_kind *kind, mmfi_transport **out,
		       unsigned *flags, char *err, size_t err_len);

/* For the kinds, reading their keys: */
/* The value of option key, or NULL if not given. */
const char *mmfi_uri_opt(const struct mmfi_uri *u, const char *key);
/* Option key, if given, as a whole number in [lo, hi] into *v (left alone when absent): decimal, or
 * hex after 0x. MMF_ERR_ARG if bad, the message saying it is `what` ("milliseconds, 1 to 600000"). */
int mmfi_uri_num(const struct mmfi_uri *u, const char *key, uint64_t lo, uint64_t hi, uint64_t *v,
		 const char *what, char *err, size_t err_len);
/* The message for a bad value of option key, which should be `what`; returns MMF_ERR_ARG. */
int mmfi_uri_bad(const struct mmfi_uri *u, const char *key, const char *what, char *err, size_t err_len);

#endif
