/*
 * uri.c: board URIs (uri.h). "cpu" (the hls_c device model in-process), "sim", "sim?uart=1", "sim:BOARD"
 * (the SoC's RTL under Verilator, in build/bin/mmfree), "socket:PATH" (a virtual board in another
 * process, mmfree-vboard), "ftdi[:SERIAL]" (a board on an FTDI USB bridge). Options after '?',
 * separated by '&'. Every board takes timeout_ms=N (answer wait per try) and window=N (WRITE_MEMs in
 * flight), read here with the kind's defaults, and faults=RATE, seed=S (transport_faults.c). Each kind
 * reads its own keys (docs/host.md has the table): cpu dead_after, dead_for, wmem, engines
 * (transport_cpu.c); sim uart, ina226, ina_shunt_uv, ina_bus_mv (transport_sim.cpp); ftdi baud, link
 * (transport_ftdi.c); socket none.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "transport_faults.h"

/* The board kinds a URI may name, for messages. */
#define BOARD_KINDS "cpu, sim, sim:BOARD, socket:PATH, ftdi[:SERIAL]"

/* The options of the link every board has (read here), NULL-terminated. */
static const char *const link_keys[] = { "timeout_ms", "window", NULL };

/* The kinds, in the order the unknown-option message lists their keys; sim is NULL in a program
 * built without the Verilator board. */
static const struct mmfi_board_kind *const kind_table[] = {
	&mmfi_board_cpu, &mmfi_board_sim, &mmfi_board_socket, &mmfi_board_ftdi,
};
enum { N_KINDS = sizeof(kind_table) / sizeof(kind_table[0]) };

static int has_key(const char *const *keys, const char *key)
{
	for (; keys && *keys; keys++)
		if (!strcmp(*keys, key))
			return 1;
	return 0;
}

/* Append ", word" (or "word" first) to list. */
static void list_add(char *list, size_t len, const char *word)
{
	size_t n = strlen(list);

	snprintf(list + n, len - n, "%s%s", n ? ", " : "", word);
}

/* A whole string as an unsigned number in [lo, hi]: decimal, or hex after 0x; no sign or space (which
 * strtoull would skip), and a leading zero is not octal (010 is ten). */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	char *end;
	unsigned long long x;

	if (!isxdigit((unsigned char)s[hex ? 2 : 0]) || (!hex && !isdigit((unsigned char)s[0])))
		return -1;
	errno = 0;
	x = strtoull(s + (hex ? 2 : 0), &end, hex ? 16 : 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

/* An option given twice is a mistake either way (which was meant?), not a last-one-wins: refused. */
static int uri_twice(const char *uri, char *err, size_t err_len)
{
	const char *a = strchr(uri, '?'), *b;
	size_t n;

	for (a = a ? a + 1 : NULL; a && *a; a = strchr(a, '&') ? strchr(a, '&') + 1 : NULL) {
		n = strcspn(a, "=&");
		for (b = strchr(a, '&'); b; b = strchr(b + 1, '&'))
			if (strcspn(b + 1, "=&") == n && !strncmp(a, b + 1, n)) {
				mmfi_msg(err, err_len, "board URI '%s': option '%.*s' given twice", uri,
					 (int)n, a);
				return MMF_ERR_ARG;
			}
	}
	return MMF_OK;
}

/* A key kind k does not take: refused naming the kinds that take it, or as unknown with every option
 * this program knows (the list `mmfree --help` must name, tests/test_host.sh). */
static int key_refuse(const struct mmfi_uri *u, const struct mmfi_board_kind *k, const char *key,
		      char *err, size_t err_len)
{
	char owners[64] = "", all[320] = "";
	const char *const *lists[2] = { mmfi_faults_keys, link_keys };
	const char *const *p;
	char q[24];
	int i;

	for (i = 0; i < N_KINDS; i++)
		if (kind_table[i] && kind_table[i] != k && has_key(kind_table[i]->keys, key)) {
			snprintf(q, sizeof(q), "'%s'", kind_table[i]->name);
			list_add(owners, sizeof(owners), q);
		}
	if (owners[0]) {
		mmfi_msg(err, err_len, "board URI '%s': %s is an option of %s only, not of '%s'", u->uri, key,
			 owners, k->name);
		return MMF_ERR_ARG;
	}
	for (i = 0; i < 2; i++)
		for (p = lists[i]; *p; p++)
			list_add(all, sizeof(all), *p);
	for (i = 0; i < N_KINDS; i++)
		for (p = kind_table[i] ? kind_table[i]->keys : NULL; p && *p; p++)
			list_add(all, sizeof(all), *p);
	mmfi_msg(err, err_len, "board URI '%s': unknown option '%s' (options: %s)", u->uri, key, all);
	return MMF_ERR_ARG;
}

const char *mmfi_uri_opt(const struct mmfi_uri *u, const char *key)
{
	int i;

	for (i = 0; i < u->n_opt; i++)              /* each is given once (uri_twice) */
		if (!strcmp(u->opt[i].key, key))
			return u->opt[i].val;
	return NULL;
}

int mmfi_uri_bad(const struct mmfi_uri *u, const char *key, const char *what, char *err, size_t err_len)
{
	mmfi_msg(err, err_len, "board URI '%s': bad value '%s' for %s (%s)", u->uri,
		 mmfi_uri_opt(u, key) ? mmfi_uri_opt(u, key) : "", key, what);
	return MMF_ERR_ARG;
}

int mmfi_uri_num(const struct mmfi_uri *u, const char *key, uint64_t lo, uint64_t hi, uint64_t *v,
		 const char *what, char *err, size_t err_len)
{
	const char *s = mmfi_uri_opt(u, key);

	if (s && parse_u64(s, lo, hi, v))
		return mmfi_uri_bad(u, key, what, err, err_len);
	return MMF_OK;
}

/* Cut "key=value&..." (in u->buf) into u->opt, refusing an empty option, one with no value, and a key
 * kind k does not take. */
static int split_opts(struct mmfi_uri *u, char *opts, const struct mmfi_board_kind *k, char *err,
		      size_t err_len)
{
	char *opt, *next, *eq;

	for (opt = opts; opt; opt = next) {
		next = strchr(opt, '&');
		if (next)
			*next++ = '\0';
		if (!*opt) {
			mmfi_msg(err, err_len, "board URI '%s': an empty option (a '?' or '&' with nothing "
				 "after it)", u->uri);
			return MMF_ERR_ARG;
		}
		eq = strchr(opt, '=');
		if (!eq) {
			mmfi_msg(err, err_len, "board URI '%s': option '%s' has no value (write %s=VALUE)",
				 u->uri, opt, opt);
			return MMF_ERR_ARG;
		}
		*eq = '\0';
		if (!has_key(link_keys, opt) && !has_key(mmfi_faults_keys, opt) && !has_key(k->keys, opt))
			return key_refuse(u, k, opt, err, err_len);
		if (u->n_opt == MMFI_URI_OPTS) {
			mmfi_msg(err, err_len, "board URI '%s': more than %d options", u->uri, MMFI_URI_OPTS);
			return MMF_ERR_ARG;
		}
		u->opt[u->n_opt].key = opt;
		u->opt[u->n_opt].val = eq + 1;
		u->n_opt++;
	}
	return MMF_OK;
}

int mmfi_uri_parse(const char *uri, struct mmfi_uri *u, const struct mmfi_board_kind **kind, char *err,
		   size_t err_len)
{
	const struct mmfi_board_kind *k = NULL;
	char *opts, *colon;
	uint64_t v;
	int r, i;

	memset(u, 0, sizeof(*u));
	u->uri = uri;
	if (!uri || !*uri) {
		mmfi_msg(err, err_len, "no board URI (boards: cpu, sim, socket:PATH, ftdi[:SERIAL])");
		return MMF_ERR_ARG;
	}
	if (strlen(uri) >= sizeof(u->buf)) {
		mmfi_msg(err, err_len, "board URI of %zu characters: at most %zu", strlen(uri),
			 sizeof(u->buf) - 1);
		return MMF_ERR_ARG;
	}
	r = uri_twice(uri, err, err_len);
	if (r)
		return r;
	strcpy(u->buf, uri);
	opts = strchr(u->buf, '?');
	if (opts)
		*opts++ = '\0';
	colon = strchr(u->buf, ':');
	if (colon)
		*colon = '\0';
	u->arg = colon ? colon + 1 : "";
	u->kind = u->buf;
	for (i = 0; i < N_KINDS && !k; i++)
		if (kind_table[i] && !strcmp(kind_table[i]->name, u->kind))
			k = kind_table[i];
	if (!k && !strcmp(u->kind, "sim")) {
		mmfi_msg(err, err_len, "board '%s': this program was built without the Verilator board "
			 "(build/bin/mmfree has it)", uri);
		return MMF_ERR_UNSUPPORTED;
	}
	if (!k) {
		mmfi_msg(err, err_len, "board URI '%s': unknown board '%s' (boards: %s)", uri, u->kind,
			 BOARD_KINDS);
		return MMF_ERR_ARG;
	}
	r = split_opts(u, opts, k, err, err_len);
	if (r)
		return r;
	/* the options of the link every board has, over the kind's defaults */
	v = k->timeout_ms;
	r = mmfi_uri_num(u, "timeout_ms", 1, 600000, &v, "milliseconds, 1 to 600000", err, err_len);
	if (r)
		return r;
	u->timeout_ms = (uint32_t)v;
	v = k->window;
	r = mmfi_uri_num(u, "window", 1, MMFI_WINDOW_MAX, &v, "commands in flight, 1 to 8", err, err_len);
	if (r)
		return r;
	u->window = (uint32_t)v;
	*kind = k;
	return MMF_OK;
}

int mmfi_uri_transport(const struct mmfi_uri *u, const struct mmfi_board_kind *kind, mmfi_transport **out,
		       unsigned *flags, char *err, size_t err_len)
{
	struct mmfi_fault_opts fo;
	mmfi_transport *t = NULL;
	int faults, r;

	r = mmfi_faults_uri(u, &fo, &faults, err, err_len);
	if (r)
		return r;
	r = kind->open(u, &t, flags, err, err_len);
	if (r)
		return r;
	if (faults) {
		r = mmfi_faults_open(t, &fo, &t, err, err_len);
		if (r)
			return r;   /* the injector closed the inner transport */
	}
	*out = t;
	return MMF_OK;
}
