/*
 * transport_faults.c: a fault injector around any transport (URI options faults=RATE, seed=S, which
 * every board kind takes).
 *
 * In both directions each byte, with probability RATE, suffers one fault chosen at random: a bit of
 * it flips, it is dropped, or it is sent twice. These are the faults of a real UART (noise, overrun,
 * a glitch read as an extra byte). The faults come from a seeded generator, so a run repeats exactly
 * with the same seed (on the `cpu` board, whose clock is link time, the whole run repeats).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfree.h"
#include "transport_faults.h"

enum {
	FAULT_CHUNK = 512,          /* bytes faulted per step: the output is at most twice that */
	FAULT_FLIP = 0, FAULT_DROP = 1, FAULT_DUP = 2, FAULT_KINDS = 3,
};

typedef struct {
	mmfi_transport base;        /* must be first */
	mmfi_transport *inner;      /* the transport that carries the bytes */
	uint64_t threshold;         /* a byte is hit when 53 random bits are below this (RATE * 2^53) */
	uint64_t rng;               /* xorshift64 state, from the seed */
	uint64_t hits[FAULT_KINDS]; /* faults injected, by kind */
	uint8_t buf[2 * FAULT_CHUNK]; /* bytes after faults */
	char name[48];              /* "faults(cpu)" */
} fault_transport;

static uint64_t fault_rand(fault_transport *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

/* Pass n bytes (n <= FAULT_CHUNK) through the faults into out; returns the bytes written. */
static size_t fault_apply(fault_transport *f, const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i, o = 0;
	unsigned kind;

	for (i = 0; i < n; i++) {
		if ((fault_rand(f) >> 11) >= f->threshold) {
			out[o++] = in[i];
			continue;
		}
		kind = (unsigned)(fault_rand(f) % FAULT_KINDS);
		f->hits[kind]++;
		if (kind == FAULT_FLIP) {
			out[o++] = (uint8_t)(in[i] ^ (1u << (fault_rand(f) % 8)));
		} else if (kind == FAULT_DUP) {
			out[o++] = in[i];
			out[o++] = in[i];
		}
	}
	return o;
}

static int fault_send(mmfi_transport *t, const uint8_t *buf, size_t n)
{
	fault_transport *f = (fault_transport *)t;
	size_t off, step, o;
	int ret;

	for (off = 0; off < n; off += step) {
		step = n - off < FAULT_CHUNK ? n - off : FAULT_CHUNK;
		o = fault_apply(f, buf + off, step, f->buf);
		ret = f->inner->ops->send(f->inner, f->buf, o);
		if (ret)
			return ret;
	}
	return MMF_OK;
}

static int fault_recv(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got)
{
	fault_transport *f = (fault_transport *)t;
	uint8_t in[FAULT_CHUNK];
	uint64_t deadline = mmfi_transport_now(f->inner) + (uint64_t)timeout_ms * 1000;
	size_t n, want = max / 2;
	int ret;

	if (want > FAULT_CHUNK)
		want = FAULT_CHUNK;
	if (want == 0)
		want = 1;
	*got = 0;
	/* when every byte read was dropped, read again: an empty answer would mean the time passed */
	do {
		ret = f->inner->ops->recv(f->inner, in, want, timeout_ms, &n);
		if (ret || n == 0)
			return ret;
		n = fault_apply(f, in, n, f->buf);
	} while (n == 0 && mmfi_transport_now(f->inner) < deadline);
	if (n > max) /* only when max == 1 and the byte was doubled */
		n = max;
	memcpy(buf, f->buf, n);
	*got = n;
	return MMF_OK;
}

static void fault_close(mmfi_transport *t)
{
	fault_transport *f = (fault_transport *)t;

	f->inner->ops->close(f->inner);
	free(f);
}

static uint64_t fault_now(mmfi_transport *t)
{
	return mmfi_transport_now(((fault_transport *)t)->inner);
}

static const struct mmfi_transport_ops fault_ops = { fault_send, fault_recv, fault_close, fault_now };

int mmfi_faults_open(mmfi_transport *inner, const struct mmfi_fault_opts *o, mmfi_transport **out,
		     char *err, size_t err_len)
{
	fault_transport *f;

	if (!(o->rate >= 0.0 && o->rate <= 1.0)) {
		mmfi_msg(err, err_len, "faults=%g: a rate is a probability, 0 to 1", o->rate);
		inner->ops->close(inner);
		return MMF_ERR_ARG;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		mmfi_msg(err, err_len, "faults: out of memory (%zu bytes)", sizeof(*f));
		inner->ops->close(inner);
		return MMF_ERR_NOMEM;
	}
	f->inner = inner;
	f->threshold = (uint64_t)(o->rate * 9007199254740992.0); /* 2^53 */
	/* xorshift must not start at 0; mix the seed so that seeds 1, 2, 3 differ at once */
	f->rng = (o->seed ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	if (f->rng == 0)
		f->rng = 1;
	snprintf(f->name, sizeof(f->name), "faults(%s)", inner->name);
	f->base.ops = &fault_ops;
	f->base.name = f->name;
	f->base.err = err;
	f->base.err_len = err_len;
	*out = &f->base;
	return MMF_OK;
}

/* ---- the URI: faults=RATE&seed=S on any board ---------------------------------------------------- */

const char *const mmfi_faults_keys[] = { "faults", "seed", NULL };

int mmfi_faults_uri(const struct mmfi_uri *u, struct mmfi_fault_opts *o, int *on, char *err,
		    size_t err_len)
{
	const char *val = mmfi_uri_opt(u, "faults");
	char *end;

	o->rate = 0.0;
	o->seed = 1;
	*on = val != NULL;
	if (val) {
		errno = 0;
		o->rate = strtod(val, &end);
		/* a plain decimal: not " 0.1", "0x1p-3" or "nan" */
		if (!(isdigit((unsigned char)*val) || *val == '.') || strpbrk(val, "xX") || *end || errno ||
		    !(o->rate >= 0.0 && o->rate <= 1.0))
			return mmfi_uri_bad(u, "faults", "a probability, 0 to 1", err, err_len);
	}
	return mmfi_uri_num(u, "seed", 0, UINT64_MAX, &o->seed, "a whole number", err, err_len);
}
