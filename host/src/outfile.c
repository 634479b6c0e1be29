/*
 * outfile.c: writing output files without destroying what the name stood for, removing temporaries
 * on an interrupt, and opening input files without blocking on a FIFO (outfile.h has the rules).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE             /* realpath, readlink */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmfree.h"
#include "outfile.h"
#include "transport.h"

enum {
	LINK_HOPS = 40,             /* symlinks followed before giving up (Linux's own limit) */
	TMP_TRIES = 1000,           /* temporary names tried when one exists */
	PENDING_MAX = 128,          /* temporaries on the interrupt list at once */
};

/* ---- the interrupt list ------------------------------------------------------------------------ */

/* Paths to remove on an interrupt; NULL: a free slot. Filled and emptied by the thread that writes
 * the files, read by a signal handler on any thread: each slot is one pointer, stored whole. */
static const char *volatile g_pending[PENDING_MAX];

int mmfi_out_pending_add(const char *path)
{
	int i;

	for (i = 0; i < PENDING_MAX; i++)
		if (!g_pending[i]) {
			g_pending[i] = path;
			return i;
		}
	return -1;
}

void mmfi_out_pending_del(int slot)
{
	if (slot >= 0 && slot < PENDING_MAX)
		g_pending[slot] = NULL;
}

/* s onto names at *at, cut to fit (async-signal-safe: no library call). */
static void put_name(char *names, size_t len, size_t *at, const char *s)
{
	while (*s && *at + 1 < len)
		names[(*at)++] = *s++;
	names[*at] = '\0';
}

int mmfi_out_remove_pending(char *names, size_t len)
{
	size_t at = 0;
	int i, n = 0, pass;

	if (len)
		names[0] = '\0';
	/* files first, then the directories they were in (rmdir only removes an empty one) */
	for (pass = 0; pass < 2; pass++)
		for (i = PENDING_MAX - 1; i >= 0; i--) {
			const char *p = g_pending[i];

			if (!p || (pass == 0 ? unlink(p) : rmdir(p)))
				continue;
			g_pending[i] = NULL;
			if (pass == 1)
				continue;
			if (n++ && len)
				put_name(names, len, &at, ", ");
			if (len)
				put_name(names, len, &at, p);
		}
	return n;
}

/* ---- where a name leads ------------------------------------------------------------------------ */

/* What writing a name does. */
enum out_kind {
	OUT_NEW,                    /* nothing there: a temporary, renamed into place */
	OUT_REPLACE,                /* a writable regular file: a temporary, renamed over it */
	OUT_THROUGH,                /* a character device or a FIFO: written in place */
};

/* The folder of path ("." for a bare name), malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char *d;

	if (!slash)
		return strdup(".");
	if (n == 0)
		n = 1;              /* "/x": the root */
	d = malloc(n + 1);
	if (d) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

/* Where symlink link's contents to lead: to itself when absolute, else beside link; malloc'd. */
static char *link_dest(const char *link, const char *to)
{
	char *d, *p;

	if (to[0] == '/')
		return strdup(to);
	d = dir_of(link);
	p = d ? malloc(strlen(d) + strlen(to) + 2) : NULL;
	if (p)
		sprintf(p, "%s/%s", d, to);
	free(d);
	return p;
}

/* A dangling symlink's chain followed to the name it ends at (which does not exist), malloc'd into
 * *end. */
static int follow_dangling(const char *path, char **end, char *err, size_t err_len)
{
	char buf[PATH_MAX], *cur = strdup(path), *next;
	struct stat st;
	ssize_t n;
	int hops;

	for (hops = 0; cur && hops <= LINK_HOPS; hops++) {
		if (lstat(cur, &st)) {
			if (errno != ENOENT)
				break;
			*end = cur;
			return MMF_OK;
		}
		if (!S_ISLNK(st.st_mode) || (n = readlink(cur, buf, sizeof(buf) - 1)) < 0) {
			errno = S_ISLNK(st.st_mode) ? errno : EAGAIN;  /* it appeared meanwhile */
			break;
		}
		buf[n] = '\0';
		next = link_dest(cur, buf);
		free(cur);
		cur = next;
	}
	if (!cur) {
		mmfi_msg(err, err_len, "%s: no memory", path);
		return MMF_ERR_NOMEM;
	}
	mmfi_msg(err, err_len, "%s: cannot follow the symlink (at %s): %s", path, cur,
		 hops > LINK_HOPS ? "too many levels of symlinks" : strerror(errno));
	free(cur);
	return MMF_ERR_IO;
}

/* What writing path would do (*kind), the file it would write (*target, malloc'd) and that file's
 * stat (OUT_REPLACE) into *st. Refusals by the rules of outfile.h. */
static int out_plan(const char *path, enum out_kind *kind, char **target, struct stat *st, char *err,
		    size_t err_len)
{
	const char *what;
	char *t = NULL;
	int r;

	*target = NULL;
	if (!path || !*path) {
		mmfi_msg(err, err_len, "an empty file name");
		return MMF_ERR_ARG;
	}
	if (lstat(path, st)) {
		if (errno != ENOENT) {
			mmfi_msg(err, err_len, "%s: %s", path, strerror(errno));
			return MMF_ERR_IO;
		}
		*kind = OUT_NEW;
		t = strdup(path);
		goto done;
	}
	if (S_ISLNK(st->st_mode)) {
		/* followed, never replaced: the file at the end is what gets written */
		if (stat(path, st)) {
			if (errno != ENOENT) {
				mmfi_msg(err, err_len, "%s: cannot follow the symlink: %s", path, strerror(errno));
				return MMF_ERR_IO;
			}
			if ((r = follow_dangling(path, &t, err, err_len)))
				return r;
			*kind = OUT_NEW;
			goto done;
		}
		/* a regular file is renamed over by its own name; anything else is opened through the
		 * link itself, which also serves /proc's links such as /dev/stdout -> pipe:[N] */
		t = S_ISREG(st->st_mode) ? realpath(path, NULL) : strdup(path);
		if (!t && errno != ENOMEM) {
			mmfi_msg(err, err_len, "%s: cannot follow the symlink: %s", path, strerror(errno));
			return MMF_ERR_IO;
		}
	} else {
		t = strdup(path);
	}
	if (S_ISREG(st->st_mode)) {
		*kind = OUT_REPLACE;
		/* the write bits as well as access(): root may write anything, but a file its owner made
		 * read-only is not to be replaced by mmfree */
		if (t && (!(st->st_mode & 0222) || access(t, W_OK))) {
			mmfi_msg(err, err_len, "%s%s%s%s: a read-only file: not written (make it writable, or "
				 "remove it)", t, strcmp(t, path) ? " (the symlink " : "",
				 strcmp(t, path) ? path : "", strcmp(t, path) ? " leads there)" : "");
			free(t);
			return MMF_ERR_ARG;
		}
	} else if (S_ISCHR(st->st_mode) || S_ISFIFO(st->st_mode)) {
		*kind = OUT_THROUGH;
	} else {
		what = S_ISDIR(st->st_mode) ? "a directory" : S_ISBLK(st->st_mode) ? "a block device" :
		       S_ISSOCK(st->st_mode) ? "a socket" : "not a file";
		mmfi_msg(err, err_len, "%s: %s: not written (give the name of a file)", path, what);
		free(t);
		return MMF_ERR_ARG;
	}
done:
	if (!t) {
		mmfi_msg(err, err_len, "%s: no memory", path);
		return MMF_ERR_NOMEM;
	}
	*target = t;
	return MMF_OK;
}

/* The folder a temporary beside target goes into must take a new file. */
static int dir_check(const char *target, char *err, size_t err_len)
{
	char *d = dir_of(target);
	int r = MMF_OK;

	if (!d) {
		mmfi_msg(err, err_len, "%s: no memory", target);
		return MMF_ERR_NOMEM;
	}
	if (access(d, W_OK | X_OK)) {
		mmfi_msg(err, err_len, "%s: cannot write a file in %s: %s", target, d, strerror(errno));
		r = MMF_ERR_IO;
	}
	free(d);
	return r;
}

int mmfi_out_check(const char *path, char *err, size_t err_len)
{
	struct stat st;
	enum out_kind kind;
	char *target;
	int r = out_plan(path, &kind, &target, &st, err, err_len);

	if (!r && kind != OUT_THROUGH)
		r = dir_check(target, err, err_len);
	free(target);
	return r;
}

/* ---- writing ----------------------------------------------------------------------------------- */

/* Create o->target's temporary, O_EXCL under a name no one has, and put it on the interrupt list
 * with the signals held, so that an interrupt finds every temporary that exists. */
static int out_create_tmp(struct mmfi_out *o, char *err, size_t err_len)
{
	size_t n = strlen(o->target) + 40;
	sigset_t all, old;
	int i, e = 0;

	o->tmp = malloc(n);
	if (!o->tmp) {
		mmfi_msg(err, err_len, "%s: no memory", o->path);
		return MMF_ERR_NOMEM;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < TMP_TRIES; i++) {
		snprintf(o->tmp, n, "%s.%ld.%d.part", o->target, (long)getpid(), i);
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
		if (o->fd >= 0 || errno != EEXIST)
			break;
	}
	e = errno;
	if (o->fd >= 0)
		o->slot = mmfi_out_pending_add(o->tmp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (o->fd < 0) {
		mmfi_msg(err, err_len, "%s: cannot create the temporary %s: %s", o->path, o->tmp, strerror(e));
		free(o->tmp);
		o->tmp = NULL;
		return MMF_ERR_IO;
	}
	return MMF_OK;
}

int mmfi_out_open(struct mmfi_out *o, const char *path, char *err, size_t err_len)
{
	struct stat st;
	enum out_kind kind;
	int r;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->slot = -1;
	r = out_plan(path, &kind, &o->target, &st, err, err_len);
	if (r)
		return r;
	o->path = strdup(path);
	if (!o->path) {
		mmfi_msg(err, err_len, "%s: no memory", path);
		r = MMF_ERR_NOMEM;
		goto fail;
	}
	if (kind == OUT_THROUGH) {
		/* no O_TRUNC, no rename: a device or a pipe is written as it is */
		o->fd = open(o->target, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (o->fd < 0) {
			mmfi_msg(err, err_len, "%s: %s", path, strerror(errno));
			r = MMF_ERR_IO;
			goto fail;
		}
		return MMF_OK;
	}
	if ((r = out_create_tmp(o, err, err_len)))
		goto fail;
	if (kind == OUT_REPLACE) {
		/* the file replaced keeps its mode and, where this user may give it, its owner */
		if (fchmod(o->fd, st.st_mode & 0777) || (fchown(o->fd, st.st_uid, st.st_gid) && errno != EPERM)) {
			mmfi_msg(err, err_len, "%s: cannot give %s the mode and owner of the file it replaces: %s",
				 path, o->tmp, strerror(errno));
			r = MMF_ERR_IO;
			goto fail;
		}
	}
	return MMF_OK;
fail:
	mmfi_out_abort(o);
	return r;
}

int mmfi_out_write(struct mmfi_out *o, const void *buf, size_t n, char *err, size_t err_len)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = write(o->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			mmfi_msg(err, err_len, "%s: write failed: %s", o->tmp ? o->tmp : o->path,
				 w ? strerror(errno) : "no progress");
			return MMF_ERR_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return MMF_OK;
}

int mmfi_out_commit(struct mmfi_out *o, char *err, size_t err_len)
{
	int r = MMF_OK, fd = o->fd;

	o->fd = -1;
	if (fd >= 0 && close(fd)) {
		mmfi_msg(err, err_len, "%s: close failed: %s", o->tmp ? o->tmp : o->path, strerror(errno));
		r = MMF_ERR_IO;
	} else if (o->tmp && rename(o->tmp, o->target)) {
		mmfi_msg(err, err_len, "%s: cannot rename %s to it: %s", o->target, o->tmp, strerror(errno));
		r = MMF_ERR_IO;
	} else if (o->tmp) {
		mmfi_out_pending_del(o->slot);
		o->slot = -1;
		free(o->tmp);
		o->tmp = NULL;      /* in place: nothing for abort to remove */
	}
	mmfi_out_abort(o);
	return r;
}

void mmfi_out_abort(struct mmfi_out *o)
{
	if (!o->path && !o->target)
		return;
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);     /* before leaving the list: an interrupt meanwhile removes it too */
	mmfi_out_pending_del(o->slot);
	free(o->tmp);
	free(o->target);
	free(o->path);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->slot = -1;
}

/* ---- reading ----------------------------------------------------------------------------------- */

/* What a file that is not a regular file is, for messages. */
static const char *kind_name(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int mmfi_in_open(const char *path, const char *what, int *fd, char *err, size_t err_len)
{
	struct stat st;
	int e, fl;

	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer */
	*fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0) {
		e = errno;
		mmfi_msg(err, err_len, "%s: %s%s%s%s", path, strerror(e), what ? " (" : "", what ? what : "",
			 what ? ")" : "");
		errno = e;
		return MMF_ERR_IO;
	}
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode) || (fl = fcntl(*fd, F_GETFL)) < 0 ||
	    fcntl(*fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		if (!fstat(*fd, &st) && !S_ISREG(st.st_mode)) {
			mmfi_msg(err, err_len, "%s: %s, not a regular file: not read%s%s%s", path,
				 kind_name(st.st_mode), what ? " (" : "", what ? what : "", what ? ")" : "");
			e = EINVAL;
		} else {
			mmfi_msg(err, err_len, "%s: %s", path, strerror(e));
		}
		close(*fd);
		*fd = -1;
		errno = e;
		return MMF_ERR_IO;
	}
	return MMF_OK;
}

int mmfi_in_fopen(const char *path, const char *what, FILE **f, char *err, size_t err_len)
{
	int fd, r = mmfi_in_open(path, what, &fd, err, err_len), e;

	*f = NULL;
	if (r)
		return r;
	*f = fdopen(fd, "rb");
	if (!*f) {
		e = errno;
		mmfi_msg(err, err_len, "%s: %s", path, strerror(e));
		close(fd);
		errno = e;
		return e == ENOMEM ? MMF_ERR_NOMEM : MMF_ERR_IO;
	}
	return MMF_OK;
}
