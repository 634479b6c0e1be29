/*
 * meter_sigrok.c: any meter sigrok drives, through the sigrok-cli program (sigrok:DRIVER[:OPTS]).
 *
 * sigrok-cli runs as a child process (fork and exec, no shell) with its analog output module, one
 * line per channel per reading, flushed as it goes:
 *
 *   P1_ENRG_PWR: 1.2340 W          baylibre-acme (then P1_ENRG_CURR in A, P1_ENRG_VOL in V)
 *   V: 5.1000 V                    rdtech-um (newer libsigrok than Debian 12's: V, I, D+, D-, T, E)
 *   A0: -10.0000 V DC              the demo driver (its channel groups can be set to W, A, ...)
 *
 * Values carry an SI prefix (mW, uV with a micro sign, kW). The power is the first channel in W;
 * without one, the first channel in V times the first in A, paired as they arrive. A reading is the
 * mean of what came since the previous one, so a fast meter is averaged, not decimated.
 *
 * Two ways to run it: one sigrok-cli kept running (--continuous, or --time N when time_ms is given),
 * read as it writes; or, with samples=N, one sigrok-cli per reading that takes N samples and ends.
 * sigrok-cli 0.7.2's demo driver writes nothing with --continuous (it stops at once), so the tests
 * use time_ms or samples with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "meter.h"

enum {
	SR_TIMEOUT_MS = 3000,       /* default wait for a reading: a serial meter's scan takes ~1 s */
	SR_LINE = 512,              /* longest output line kept (longer ones are not readings) */
	SR_NAME = 64,               /* longest channel name */
	SR_ERRTAIL = 400,           /* stderr kept for messages */
	SR_SEEN = 200,              /* channels seen, listed in messages */
	SR_MAX_ARGS = 20,           /* argv entries */
	SR_DRAIN_MAX = 1 << 20,     /* bytes read in one go before looking at the clock again */
};

struct sigrok_meter {
	struct mmf_meter m;         /* first: the common handle */
	const char *prog;           /* "sigrok-cli", or $MMF_SIGROK_CLI */
	char *argv[SR_MAX_ARGS];    /* its arguments (pointing into the strings below) */
	char dev[MMFI_METER_URI];   /* -d DRIVER[:OPTS] */
	char chans[256], group[64], config[256]; /* --channels, --channel-group, --config */
	char limit[32];             /* the value of --time or --samples */
	unsigned long samples;      /* > 0: one sigrok-cli per reading, taking this many samples */
	unsigned timeout_ms;        /* wait for a reading */
	pid_t pid;                  /* the child, or 0 */
	int fd_out, fd_err;         /* its stdout and stderr, or -1 */
	int eof;                    /* its stdout has ended */
	char line[SR_LINE];         /* the line being read */
	size_t line_len;            /* its bytes so far (more are dropped) */
	char errtail[SR_ERRTAIL];   /* its stderr, lines joined with "; " */
	char seen[SR_SEEN];         /* channels seen: "A0 (V), A1 (V)" */
	char ch_w[SR_NAME], ch_v[SR_NAME], ch_a[SR_NAME]; /* the channels used, once seen */
	double sum_w, sum_p, sum_v, sum_a; /* since the last reading: W values, V x A pairs, V, A */
	unsigned long n_w, n_p, n_v, n_a; /* and their counts */
	double cur_v, cur_a;        /* the latest V and A values, to pair */
	int new_v, new_a;           /* each arrived since the last pair */
	double t_first, t_last;     /* when the first and last values of this reading came */
	double last_t;              /* time of the last reading returned */
};

/* ---- parsing ----------------------------------------------------------------------------------- */

/* The factor of an SI prefix at the start of u, and its length in bytes (0 if none). */
static double si_prefix(const char *u, size_t *len)
{
	static const struct { const char *p; double f; } px[] = {
		{ "\xc2\xb5", 1e-6 }, { "u", 1e-6 }, { "p", 1e-12 }, { "n", 1e-9 }, { "m", 1e-3 },
		{ "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 },
	};
	size_t i;

	for (i = 0; i < sizeof(px) / sizeof(px[0]); i++)
		if (!strncmp(u, px[i].p, strlen(px[i].p))) {
			*len = strlen(px[i].p);
			return px[i].f;
		}
	*len = 0;
	return 1;
}

int mmfi_sigrok_parse_line(const char *line, char *name, size_t name_len, double *value)
{
	const char *colon = strstr(line, ": "), *u;
	char unit[16], *end;
	size_t n, pl;
	double v, f;

	if (!colon || colon == line || (size_t)(colon - line) >= name_len)
		return -1;
	errno = 0;
	v = strtod(colon + 2, &end);
	if (end == colon + 2 || errno || !isfinite(v) || *end != ' ')
		return -1;
	while (*end == ' ')
		end++;
	n = strcspn(end, " \r\n");
	if (!n || n >= sizeof(unit))
		return -1;
	memcpy(unit, end, n);
	unit[n] = '\0';
	memcpy(name, line, (size_t)(colon - line));
	name[colon - line] = '\0';
	/* the unit alone, or after one SI prefix; anything else (Wh, degrees C, %) is no quantity here */
	u = unit;
	f = 1;
	if (strcmp(u, "W") && strcmp(u, "V") && strcmp(u, "A")) {
		f = si_prefix(u, &pl);
		u += pl;
		if (!pl || (strcmp(u, "W") && strcmp(u, "V") && strcmp(u, "A")))
			return 0;
	}
	*value = v * f;
	return u[0];
}

/* Add "name (unit)" to the list of channels seen, once. */
static void note_seen(struct sigrok_meter *sm, const char *name, int q)
{
	char item[SR_NAME + 16];
	size_t l = strlen(sm->seen);

	snprintf(item, sizeof(item), "%s (%s)", name, q ? (q == 'W' ? "W" : q == 'V' ? "V" : "A") :
		 "another unit");
	if (strstr(sm->seen, item) || l + strlen(item) + 3 >= sizeof(sm->seen))
		return;
	snprintf(sm->seen + l, sizeof(sm->seen) - l, "%s%s", l ? ", " : "", item);
}

/* One whole line of output, received at time t. */
static void take_line(struct sigrok_meter *sm, const char *line, double t)
{
	char name[SR_NAME];
	double v;
	int q = mmfi_sigrok_parse_line(line, name, sizeof(name), &v), used = 0;

	if (q < 0)
		return;
	note_seen(sm, name, q);
	if (q == 'W') {
		if (!sm->ch_w[0])
			snprintf(sm->ch_w, sizeof(sm->ch_w), "%s", name);
		if (!strcmp(name, sm->ch_w)) {
			sm->sum_w += v;
			sm->n_w++;
			used = 1;
		}
	} else if (q == 'V' || q == 'A') {
		char *ch = q == 'V' ? sm->ch_v : sm->ch_a;
		if (!ch[0])
			snprintf(ch, SR_NAME, "%s", name);
		if (!strcmp(name, ch)) {
			if (q == 'V') {
				sm->cur_v = v;
				sm->new_v = 1;
				sm->sum_v += v;
				sm->n_v++;
			} else {
				sm->cur_a = v;
				sm->new_a = 1;
				sm->sum_a += v;
				sm->n_a++;
			}
			if (sm->new_v && sm->new_a) {
				sm->sum_p += sm->cur_v * sm->cur_a;
				sm->n_p++;
				sm->new_v = sm->new_a = 0;
			}
			used = 1;
		}
	}
	if (used) {
		if (!sm->t_first)
			sm->t_first = t;
		sm->t_last = t;
	}
}

/* Bytes from stdout: cut into lines. */
static void take_bytes(struct sigrok_meter *sm, const char *b, size_t n, double t)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] == '\n') {
			sm->line[sm->line_len < SR_LINE ? sm->line_len : SR_LINE - 1] = '\0';
			if (sm->line_len < SR_LINE)
				take_line(sm, sm->line, t);
			sm->line_len = 0;
		} else if (sm->line_len < SR_LINE) {
			sm->line[sm->line_len++] = b[i];
		}
	}
}

/* Bytes from stderr: kept, lines joined, without the glib assertion sigrok-cli 0.7.2 prints as it
 * exits ("g_atomic_ref_count_dec: assertion 'old_value > 0' failed"), which says nothing about the
 * meter. */
static void take_err(struct sigrok_meter *sm, const char *b, size_t n)
{
	char buf[SR_ERRTAIL], *line, *save = NULL;
	size_t l;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, b, n);
	buf[n] = '\0';
	for (line = strtok_r(buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		if (strstr(line, "g_atomic_ref_count_dec") || !*line)
			continue;
		l = strlen(sm->errtail);
		if (l + strlen(line) + 3 < sizeof(sm->errtail))
			snprintf(sm->errtail + l, sizeof(sm->errtail) - l, "%s%s", l ? "; " : "", line);
	}
}

/* ---- the child --------------------------------------------------------------------------------- */

static void child_reap(struct sigrok_meter *sm, int *status)
{
	int i, st = 0;

	if (sm->pid <= 0)
		return;
	/* it has been asked to stop (or its output ended): give it a second, then make sure */
	for (i = 0; i < 100; i++) {
		if (waitpid(sm->pid, &st, WNOHANG) == sm->pid)
			goto done;
		struct timespec ts = { 0, 10000000L };
		nanosleep(&ts, NULL);
	}
	kill(sm->pid, SIGKILL);
	waitpid(sm->pid, &st, 0);
done:
	if (status)
		*status = st;
	sm->pid = 0;
}

static void child_stop(struct sigrok_meter *sm, int *status)
{
	if (sm->pid > 0 && !sm->eof)
		kill(sm->pid, SIGTERM);
	if (sm->fd_out >= 0)
		close(sm->fd_out);
	if (sm->fd_err >= 0)
		close(sm->fd_err);
	sm->fd_out = sm->fd_err = -1;
	child_reap(sm, status);
}

/* Start sigrok-cli; 0, or an mmf_error with the message in m.err. */
static int child_start(struct sigrok_meter *sm)
{
	int out[2], er[2], ex[2], e = 0, devnull;
	ssize_t k;

	sm->eof = 0;
	sm->line_len = 0;
	sm->errtail[0] = '\0';
	if (pipe2(out, O_CLOEXEC))
		goto fail_pipe;
	if (pipe2(er, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		goto fail_pipe;
	}
	/* the exec error pipe: closed by a successful exec, else it carries errno */
	if (pipe2(ex, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		close(er[0]);
		close(er[1]);
		goto fail_pipe;
	}
	sm->pid = fork();
	if (sm->pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);    /* no orphaned sigrok-cli if mmfree dies */
#endif
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(er[1], 2);
		execvp(sm->prog, sm->argv);
		e = errno;
		k = write(ex[1], &e, sizeof(e));
		(void)k;
		_exit(127);
	}
	e = errno;
	close(out[1]);
	close(er[1]);
	close(ex[1]);
	if (sm->pid < 0) {
		close(out[0]);
		close(er[0]);
		close(ex[0]);
		sm->pid = 0;
		mmfi_msg(sm->m.err, sizeof(sm->m.err), "cannot start %s: %s", sm->prog, strerror(e));
		return MMF_ERR_IO;
	}
	do
		k = read(ex[0], &e, sizeof(e));
	while (k < 0 && errno == EINTR);
	close(ex[0]);
	sm->fd_out = out[0];
	sm->fd_err = er[0];
	if (k == sizeof(e)) {
		sm->eof = 1;
		child_stop(sm, NULL);
		mmfi_msg(sm->m.err, sizeof(sm->m.err), "cannot run %s: %s%s", sm->prog, strerror(e),
			 e == ENOENT ? " (install the Debian package sigrok-cli: scripts/deps.sh)" : "");
		return e == ENOENT ? MMF_ERR_NO_BOARD : MMF_ERR_IO;
	}
	fcntl(sm->fd_out, F_SETFL, fcntl(sm->fd_out, F_GETFL) | O_NONBLOCK);
	fcntl(sm->fd_err, F_SETFL, fcntl(sm->fd_err, F_GETFL) | O_NONBLOCK);
	return MMF_OK;
fail_pipe:
	mmfi_msg(sm->m.err, sizeof(sm->m.err), "cannot make a pipe for %s: %s", sm->prog, strerror(errno));
	return MMF_ERR_IO;
}

/* Wait up to timeout_ms for output (0: take only what is there), and take it all. */
static void pump(struct sigrok_meter *sm, int timeout_ms)
{
	struct pollfd p[2];
	char buf[65536];
	size_t total = 0;
	ssize_t k;
	int n = 0, i;

	if (sm->fd_out >= 0) {
		p[n].fd = sm->fd_out;
		p[n++].events = POLLIN;
	}
	if (sm->fd_err >= 0) {
		p[n].fd = sm->fd_err;
		p[n++].events = POLLIN;
	}
	if (!n || poll(p, (nfds_t)n, timeout_ms) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		for (;;) {
			k = read(p[i].fd, buf, sizeof(buf));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				if (k == 0) {            /* the end: this stream is done */
					close(p[i].fd);
					if (p[i].fd == sm->fd_out) {
						sm->fd_out = -1;
						sm->eof = 1;
					} else {
						sm->fd_err = -1;
					}
				}
				break;
			}
			if (p[i].fd == sm->fd_out)
				take_bytes(sm, buf, (size_t)k, mmf_meter_now());
			else
				take_err(sm, buf, (size_t)k);
			total += (size_t)k;
			if (total > SR_DRAIN_MAX)
				break;
		}
	}
}

static int have_reading(const struct sigrok_meter *sm)
{
	return sm->n_w || sm->n_p;
}

/* The reading made of what came since the last one; the sums start again. */
static void make_sample(struct sigrok_meter *sm, struct mmf_meter_sample *s)
{
	unsigned long n = sm->n_w ? sm->n_w : sm->n_p;
	double start = sm->last_t > 0 ? sm->last_t : sm->t_first;

	s->w = sm->n_w ? sm->sum_w / sm->n_w : sm->sum_p / sm->n_p;
	s->v = sm->n_v ? sm->sum_v / sm->n_v : NAN;
	s->a = sm->n_a ? sm->sum_a / sm->n_a : NAN;
	s->t = sm->t_last > sm->last_t ? sm->t_last : nextafter(sm->last_t, INFINITY);
	s->window_s = n > 1 && s->t > start ? s->t - start : 0;
	sm->last_t = s->t;
	sm->sum_w = sm->sum_p = sm->sum_v = sm->sum_a = 0;
	sm->n_w = sm->n_p = sm->n_v = sm->n_a = 0;
	sm->t_first = sm->t_last = 0;
}

/* Why there is no reading, into m.err, with the status if the child ended. */
static int no_reading(struct sigrok_meter *sm, int ended, int status)
{
	char what[160];

	if (ended) {
		if (WIFEXITED(status))
			snprintf(what, sizeof(what), "%s ended (exit status %d)", sm->prog, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			snprintf(what, sizeof(what), "%s ended (signal %d)", sm->prog, WTERMSIG(status));
		else
			snprintf(what, sizeof(what), "%s ended", sm->prog);
	} else {
		snprintf(what, sizeof(what), "no reading from %s in %u ms", sm->prog, sm->timeout_ms);
	}
	if (sm->seen[0])
		mmfi_msg(sm->m.err, sizeof(sm->m.err), "%s: no power: its channels gave %s; a channel in W, "
			 "or one in V and one in A, is needed (choose them with channels=)%s%s", what,
			 sm->seen, sm->errtail[0] ? "; it said: " : "", sm->errtail);
	else
		mmfi_msg(sm->m.err, sizeof(sm->m.err), "%s without a reading%s%s", what,
			 sm->errtail[0] ? "; it said: " : "", sm->errtail);
	/* a driver that finds nothing is "no meter there"; anything else the meter failing */
	return strstr(sm->errtail, "No devices found") || strstr(sm->errtail, "not found") ?
	       MMF_ERR_NO_BOARD : ended || sm->seen[0] ? MMF_ERR_IO : MMF_ERR_TIMEOUT;
}

static int sigrok_read(mmf_meter *mm, struct mmf_meter_sample *s)
{
	struct sigrok_meter *sm = (struct sigrok_meter *)mm;
	double deadline = mmf_meter_now() + sm->timeout_ms * 1e-3, left;
	int status = 0, r;

	if (sm->samples) {           /* one sigrok-cli per reading */
		r = child_start(sm);
		if (r)
			return r;
		while (!sm->eof && (left = deadline - mmf_meter_now()) > 0)
			pump(sm, (int)ceil(left * 1e3));
		while (sm->fd_err >= 0 && sm->eof && (left = deadline - mmf_meter_now()) > 0)
			pump(sm, (int)ceil(left * 1e3));   /* its last words, for a message */
		r = sm->eof;
		child_stop(sm, &status);
		if (have_reading(sm)) {
			make_sample(sm, s);
			return MMF_OK;
		}
		return no_reading(sm, r, status);
	}
	for (;;) {
		pump(sm, 0);
		if (have_reading(sm)) {
			make_sample(sm, s);
			return MMF_OK;
		}
		left = deadline - mmf_meter_now();
		if (sm->eof || left <= 0)
			break;
		pump(sm, (int)ceil(left * 1e3));
	}
	if (sm->eof) {
		while (sm->fd_err >= 0 && (left = deadline - mmf_meter_now()) > 0)
			pump(sm, (int)ceil(left * 1e3));
		child_stop(sm, &status);
		return no_reading(sm, 1, status);
	}
	return no_reading(sm, 0, 0);
}

static void sigrok_close(mmf_meter *mm)
{
	struct sigrok_meter *sm = (struct sigrok_meter *)mm;

	child_stop(sm, NULL);
	free(sm);
}

static const struct mmfi_meter_ops sigrok_ops = { sigrok_read, sigrok_close };

/* ---- open -------------------------------------------------------------------------------------- */

int mmfi_meter_sigrok_open(const struct mmfi_meter_uri *u, mmf_meter **out, char *err, size_t err_len)
{
	static const char *const keys[] = {
		"channels", "group", "config", "samples", "time_ms", "timeout_ms", NULL,
	};
	struct mmf_meter_sample s;
	struct sigrok_meter *sm;
	unsigned long samples, time_ms, tmo;
	const char *v, *prog = getenv("MMF_SIGROK_CLI");
	int a = 0, r = mmfi_meter_opts_check(u, keys, err, err_len);

	if (!r)
		r = mmfi_meter_opt_num(u, "samples", 1, 100000000UL, 0, &samples, err, err_len);
	if (!r)
		r = mmfi_meter_opt_num(u, "time_ms", 1, 2000000000UL, 0, &time_ms, err, err_len);
	if (!r)
		r = mmfi_meter_opt_num(u, "timeout_ms", 1, 600000, SR_TIMEOUT_MS, &tmo, err, err_len);
	if (r)
		return r;
	if (!u->arg || !*u->arg) {
		mmfi_msg(err, err_len, "meter URI '%s': sigrok needs a driver, e.g. sigrok:baylibre-acme or "
			 "sigrok:demo (`sigrok-cli -L` lists them)", u->uri);
		return MMF_ERR_ARG;
	}
	if (samples && time_ms) {
		mmfi_msg(err, err_len, "meter URI '%s': samples= (one run per reading) and time_ms= (one "
			 "long run) exclude each other", u->uri);
		return MMF_ERR_ARG;
	}
	sm = calloc(1, sizeof(*sm));
	if (!sm) {
		mmfi_msg(err, err_len, "meter '%s': out of memory", u->uri);
		return MMF_ERR_NOMEM;
	}
	sm->m.ops = &sigrok_ops;
	sm->fd_out = sm->fd_err = -1;
	sm->prog = prog && *prog ? prog : "sigrok-cli";
	sm->samples = samples;
	sm->timeout_ms = (unsigned)tmo;
	snprintf(sm->dev, sizeof(sm->dev), "%s", u->arg);
	/* the demo driver makes its values up: a simulated meter */
	sm->m.simulated = !strncmp(sm->dev, "demo", 4) && (!sm->dev[4] || sm->dev[4] == ':');
	sm->argv[a++] = (char *)sm->prog;
	sm->argv[a++] = (char *)"-d";
	sm->argv[a++] = sm->dev;
	if ((v = mmfi_meter_opt(u, "channels"))) {
		snprintf(sm->chans, sizeof(sm->chans), "%s", v);
		sm->argv[a++] = (char *)"--channels";
		sm->argv[a++] = sm->chans;
	}
	if ((v = mmfi_meter_opt(u, "group"))) {
		snprintf(sm->group, sizeof(sm->group), "%s", v);
		sm->argv[a++] = (char *)"--channel-group";
		sm->argv[a++] = sm->group;
	}
	if ((v = mmfi_meter_opt(u, "config"))) {
		snprintf(sm->config, sizeof(sm->config), "%s", v);
		sm->argv[a++] = (char *)"--config";
		sm->argv[a++] = sm->config;
	}
	if (samples) {
		snprintf(sm->limit, sizeof(sm->limit), "%lu", samples);
		sm->argv[a++] = (char *)"--samples";
		sm->argv[a++] = sm->limit;
	} else if (time_ms) {
		snprintf(sm->limit, sizeof(sm->limit), "%lu", time_ms);
		sm->argv[a++] = (char *)"--time";
		sm->argv[a++] = sm->limit;
	} else {
		sm->argv[a++] = (char *)"--continuous";
	}
	sm->argv[a++] = (char *)"-O";
	sm->argv[a++] = (char *)"analog";
	sm->argv[a] = NULL;
	if (!samples && (r = child_start(sm)))
		goto fail;
	/* the first reading proves the meter is there and gives power; it is not kept */
	r = sigrok_read(&sm->m, &s);
	if (r)
		goto fail;
	if (sm->ch_w[0])
		snprintf(sm->m.desc, sizeof(sm->m.desc), "sigrok-cli -d %.120s (%s): channel %s in W", sm->dev,
			 samples ? "one run per reading" : "kept running", sm->ch_w);
	else
		snprintf(sm->m.desc, sizeof(sm->m.desc), "sigrok-cli -d %.120s (%s): channel %s (V) x %s (A)",
			 sm->dev, samples ? "one run per reading" : "kept running", sm->ch_v, sm->ch_a);
	if (sm->m.simulated)
		strncat(sm->m.desc, "; the demo driver's made-up values: SIMULATED, not a measurement",
			sizeof(sm->m.desc) - strlen(sm->m.desc) - 1);
	*out = &sm->m;
	return MMF_OK;
fail:
	mmfi_msg(err, err_len, "meter '%s': %s", u->uri, sm->m.err);
	child_stop(sm, NULL);
	free(sm);
	return r;
}
