/*
 * meter.c: power meters by URI (docs/power.md): opening one of the kinds, the URI's options, the
 * recorder thread that samples a meter alongside other work, and the energy integral over a window.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meter.h"

static const char kinds_help[] = "sigrok:DRIVER, hwmon:PATH, ina2xx:PATH, um:TTY, rapl[:PATH], "
	"board[:shunt=OHMS,addr=A]";

static char open_err[MMFI_METER_ERR];   /* message of the last failed mmf_meter_open */

double mmf_meter_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

const char *mmf_meter_error(const mmf_meter *m)
{
	return m ? m->err : open_err;
}

const char *mmf_meter_describe(const mmf_meter *m)
{
	return m ? m->desc : "";
}

const char *mmf_meter_source(const mmf_meter *m)
{
	return m && m->simulated ? "simulated" : "measured";
}

/* ---- URI and options --------------------------------------------------------------------------- */

static int uri_parse(const char *uri, struct mmfi_meter_uri *u, char *err, size_t err_len)
{
	char *q, *colon, *opt, *next, *eq;
	int i;

	memset(u, 0, sizeof(*u));
	u->uri = uri;
	if (!uri || !*uri) {
		mmfi_msg(err, err_len, "no meter URI (meters: %s)", kinds_help);
		return MMF_ERR_ARG;
	}
	if (strlen(uri) >= sizeof(u->buf)) {
		mmfi_msg(err, err_len, "meter URI of %zu characters: at most %zu", strlen(uri),
			 sizeof(u->buf) - 1);
		return MMF_ERR_ARG;
	}
	strcpy(u->buf, uri);
	q = strchr(u->buf, '?');
	if (q)
		*q++ = '\0';
	colon = strchr(u->buf, ':');
	if (colon) {
		*colon = '\0';
		u->arg = colon + 1;
	}
	u->kind = u->buf;
	for (opt = q; opt && *opt; opt = next) {
		next = strchr(opt, '&');
		if (next)
			*next++ = '\0';
		eq = strchr(opt, '=');
		if (!eq || eq == opt) {
			mmfi_msg(err, err_len, "meter URI '%s': option '%s' is not KEY=VALUE", uri, opt);
			return MMF_ERR_ARG;
		}
		if (u->n_opt == MMFI_METER_OPTS) {
			mmfi_msg(err, err_len, "meter URI '%s': more than %d options", uri, MMFI_METER_OPTS);
			return MMF_ERR_ARG;
		}
		*eq = '\0';
		for (i = 0; i < u->n_opt; i++)
			if (!strcmp(u->opt[i].key, opt)) {
				mmfi_msg(err, err_len, "meter URI '%s': option '%s' given twice", uri, opt);
				return MMF_ERR_ARG;
			}
		u->opt[u->n_opt].key = opt;
		u->opt[u->n_opt].val = eq + 1;
		u->n_opt++;
	}
	return MMF_OK;
}

int mmfi_meter_opts_check(const struct mmfi_meter_uri *u, const char *const *keys, char *err,
			  size_t err_len)
{
	char list[160] = "";
	int i, k, found;

	for (i = 0; i < u->n_opt; i++) {
		found = 0;
		for (k = 0; keys[k]; k++)
			found |= !strcmp(u->opt[i].key, keys[k]);
		if (found)
			continue;
		for (k = 0; keys[k]; k++) {
			if (k)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, keys[k], sizeof(list) - strlen(list) - 1);
		}
		mmfi_msg(err, err_len, "meter URI '%s': unknown option '%s' for %s (options: %s)", u->uri,
			 u->opt[i].key, u->kind, keys[0] ? list : "none");
		return MMF_ERR_ARG;
	}
	return MMF_OK;
}

const char *mmfi_meter_opt(const struct mmfi_meter_uri *u, const char *key)
{
	int i;

	for (i = 0; i < u->n_opt; i++)              /* each is given once (uri_parse) */
		if (!strcmp(u->opt[i].key, key))
			return u->opt[i].val;
	return NULL;
}

int mmfi_meter_opt_num(const struct mmfi_meter_uri *u, const char *key, unsigned long lo,
		       unsigned long hi, unsigned long dflt, unsigned long *v, char *err, size_t err_len)
{
	const char *s = mmfi_meter_opt(u, key);
	char *end;
	unsigned long x;

	if (!s) {
		*v = dflt;
		return MMF_OK;
	}
	errno = 0;
	x = strtoul(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || x < lo || x > hi) {
		mmfi_msg(err, err_len, "meter URI '%s': %s='%s' is not a whole number from %lu to %lu",
			 u->uri, key, s, lo, hi);
		return MMF_ERR_ARG;
	}
	*v = x;
	return MMF_OK;
}

void mmfi_sysfs_path(char *buf, size_t len, const char *path)
{
	const char *root = getenv("MMF_SYSFS_ROOT");

	snprintf(buf, len, "%s%s", root ? root : "", path);
}

/* ---- open, read, close ------------------------------------------------------------------------- */

int mmf_meter_open(const char *uri, mmf_meter **out)
{
	return mmf_meter_open_board(uri, NULL, out);
}

int mmf_meter_polled(const mmf_meter *m)
{
	return m ? m->polled : 0;
}

int mmf_meter_open_board(const char *uri, mmf_board *b, mmf_meter **out)
{
	struct mmfi_meter_uri *u;
	int r;

	if (!out) {
		mmfi_msg(open_err, sizeof(open_err), "mmf_meter_open: no place for the handle (out is NULL)");
		return MMF_ERR_ARG;
	}
	*out = NULL;
	open_err[0] = '\0';
	u = malloc(sizeof(*u));
	if (!u) {
		mmfi_msg(open_err, sizeof(open_err), "meter '%s': out of memory", uri ? uri : "");
		return MMF_ERR_NOMEM;
	}
	r = uri_parse(uri, u, open_err, sizeof(open_err));
	if (r)
		goto out;
	if (!strcmp(u->kind, "sigrok"))
		r = mmfi_meter_sigrok_open(u, out, open_err, sizeof(open_err));
	else if (!strcmp(u->kind, "hwmon"))
		r = mmfi_meter_hwmon_open(u, 0, out, open_err, sizeof(open_err));
	else if (!strcmp(u->kind, "ina2xx"))
		r = mmfi_meter_hwmon_open(u, 1, out, open_err, sizeof(open_err));
	else if (!strcmp(u->kind, "um"))
		r = mmfi_meter_um_open(u, out, open_err, sizeof(open_err));
	else if (!strcmp(u->kind, "rapl"))
		r = mmfi_meter_rapl_open(u, out, open_err, sizeof(open_err));
	else if (!strcmp(u->kind, "board"))
		r = mmfi_meter_board_open(u, b, out, open_err, sizeof(open_err));
	else {
		mmfi_msg(open_err, sizeof(open_err), "meter URI '%s': unknown kind '%s' (meters: %s)", uri,
			 u->kind, kinds_help);
		r = MMF_ERR_ARG;
	}
out:
	free(u);
	return r;
}

int mmf_meter_read(mmf_meter *m, struct mmf_meter_sample *s)
{
	if (!m || !s)
		return MMF_ERR_ARG;
	return m->ops->read(m, s);
}

void mmf_meter_close(mmf_meter *m)
{
	if (m)
		m->ops->close(m);
}

/* ---- energy over a window ---------------------------------------------------------------------- */

/* Power of the line through (ta, pa) and (tb, pb) at t. */
static double lerp(double ta, double pa, double tb, double pb, double t)
{
	return tb > ta ? pa + (pb - pa) * (t - ta) / (tb - ta) : pb;
}

int mmf_meter_energy(const struct mmf_meter_sample *s, size_t n, double t0, double t1, double *joules)
{
	double j = 0, a, b, first_start;
	size_t i;

	if (!s || !n || !joules || !(t1 >= t0))
		return MMF_ERR_ARG;
	/* the whole-sample part: before the first reading's start, and after the last reading */
	first_start = s[0].t - (s[0].window_s > 0 ? s[0].window_s : 0);
	if (t0 < first_start)
		j += s[0].w * (fmin(t1, first_start) - t0);
	if (t1 > s[n - 1].t)
		j += s[n - 1].w * (t1 - fmax(t0, s[n - 1].t));
	/* an averaged first reading holds over its own window */
	if (s[0].window_s > 0) {
		a = fmax(t0, first_start);
		b = fmin(t1, s[0].t);
		if (b > a)
			j += s[0].w * (b - a);
	}
	for (i = 1; i < n; i++) {
		a = fmax(t0, s[i - 1].t);
		b = fmin(t1, s[i].t);
		if (b <= a)
			continue;
		if (s[i].window_s > 0)   /* averaged: the reading's value over the time since the last one */
			j += s[i].w * (b - a);
		else                     /* instantaneous: the straight line between the two readings */
			j += 0.5 * (lerp(s[i - 1].t, s[i - 1].w, s[i].t, s[i].w, a) +
				    lerp(s[i - 1].t, s[i - 1].w, s[i].t, s[i].w, b)) * (b - a);
	}
	*joules = j;
	return MMF_OK;
}

/* ---- recorder ---------------------------------------------------------------------------------- */

struct mmf_meter_rec {
	mmf_meter *m;               /* the meter, read only by the thread while it runs */
	int polled;                 /* no thread: mmf_meter_rec_poll reads it (mmf_meter_polled) */
	unsigned interval_ms;       /* time between the starts of two reads */
	pthread_t thread;           /* the reader */
	pthread_mutex_t lock;       /* guards stop and the wake-up */
	pthread_cond_t wake;        /* signalled by stop */
	int stop;                   /* set by mmf_meter_rec_stop */
	int joined;                 /* the thread has been joined */
	int stopped;                /* mmf_meter_rec_stop has been called */
	struct mmf_meter_sample *s; /* readings */
	size_t n, cap;              /* how many, room for */
	unsigned failures;          /* reads that failed */
	int first_err;              /* the first failure's code */
	char err[MMFI_METER_ERR];   /* and message */
};

/* One reading into the recording (or a failure counted). */
static void rec_take(mmf_meter_rec *r)
{
	struct mmf_meter_sample smp;
	int e;

	e = mmf_meter_read(r->m, &smp);
	if (e == MMF_OK && r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		struct mmf_meter_sample *ns = realloc(r->s, cap * sizeof(*ns));
		if (!ns) {
			e = MMF_ERR_NOMEM;
			mmfi_msg(r->m->err, sizeof(r->m->err), "recorder: out of memory after %zu "
				 "readings", r->n);
		} else {
			r->s = ns;
			r->cap = cap;
		}
	}
	if (e == MMF_OK) {
		r->s[r->n++] = smp;
	} else {
		if (!r->failures++) {
			r->first_err = e;
			snprintf(r->err, sizeof(r->err), "%s", r->m->err);
		}
	}
}

static void *rec_main(void *arg)
{
	mmf_meter_rec *r = arg;
	struct timespec next;
	int stop;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		rec_take(r);
		next.tv_nsec += (long)(r->interval_ms % 1000) * 1000000L;
		next.tv_sec += r->interval_ms / 1000 + next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		/* a read that took longer than the interval: start again from now rather than catch up
		 * with reads back to back */
		{
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
				next = now;
		}
		pthread_mutex_lock(&r->lock);
		while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock, &next) != ETIMEDOUT)
			;
		stop = r->stop;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			return NULL;
	}
}

int mmf_meter_rec_start(mmf_meter *m, unsigned interval_ms, mmf_meter_rec **out)
{
	pthread_condattr_t ca;
	mmf_meter_rec *r;
	int e;

	if (!m || !out || !interval_ms)
		return MMF_ERR_ARG;
	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		mmfi_msg(m->err, sizeof(m->err), "recorder: out of memory");
		return MMF_ERR_NOMEM;
	}
	r->m = m;
	r->interval_ms = interval_ms;
	if (m->polled) {
		/* read between the owner's own commands: no thread */
		r->polled = 1;
		r->joined = 1;
		rec_take(r);
		*out = r;
		return MMF_OK;
	}
	pthread_mutex_init(&r->lock, NULL);
	/* the waits run on CLOCK_MONOTONIC, the clock of the readings */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	e = pthread_create(&r->thread, NULL, rec_main, r);
	if (e) {
		mmfi_msg(m->err, sizeof(m->err), "recorder: cannot start a thread: %s", strerror(e));
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return MMF_ERR_IO;
	}
	*out = r;
	return MMF_OK;
}

int mmf_meter_rec_poll(mmf_meter_rec *r)
{
	if (!r)
		return MMF_ERR_ARG;
	if (r->polled && !r->stopped)
		rec_take(r);
	return MMF_OK;
}

int mmf_meter_rec_stop(mmf_meter_rec *r)
{
	if (!r)
		return MMF_ERR_ARG;
	r->stopped = 1;
	if (!r->joined) {
		pthread_mutex_lock(&r->lock);
		r->stop = 1;
		pthread_cond_signal(&r->wake);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
		r->joined = 1;
	}
	return r->failures ? r->first_err : MMF_OK;
}

size_t mmf_meter_rec_samples(const mmf_meter_rec *r, const struct mmf_meter_sample **s)
{
	if (s)
		*s = r ? r->s : NULL;
	return r ? r->n : 0;
}

unsigned mmf_meter_rec_failures(const mmf_meter_rec *r)
{
	return r ? r->failures : 0;
}

const char *mmf_meter_rec_error(const mmf_meter_rec *r)
{
	return r ? r->err : "";
}

void mmf_meter_rec_free(mmf_meter_rec *r)
{
	if (!r)
		return;
	mmf_meter_rec_stop(r);
	if (!r->polled) {
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
	}
	free(r->s);
	free(r);
}
