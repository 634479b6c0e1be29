/*
 * outfile.h: the one home of the rules for files mmfree writes and the files it reads (internal to
 * libmmfree; the CLI and the board emulators use it too). docs/host.md, "Files written and read".
 *
 * Writing PATH (mmfi_out_open ... mmfi_out_commit):
 *   - absent, or a regular file: written under a temporary name beside it, "PATH.<pid>.<n>.part"
 *     (created O_EXCL), renamed over PATH at the end; a replaced file keeps its mode. A failed or
 *     interrupted write leaves PATH as it was.
 *   - a symlink: followed to the end of its chain and the file there written by the rules here; the
 *     symlink itself is never replaced.
 *   - a character device or a FIFO (/dev/null, /dev/stdout on a pipe): written through in place,
 *     never truncated, never renamed over (opening a FIFO waits for its reader, as a shell does).
 *   - a read-only regular file (no write bit, or not writable by this user): refused, for root too.
 *   - a directory, a block device or a socket: refused.
 *
 * Interrupts: every temporary file in progress is on one list; mmfi_out_remove_pending removes them
 * (async-signal-safe), for the CLI's SIGINT/SIGTERM handler. Other temporaries (a directory of
 * scratch files) go on the same list with mmfi_out_pending_add.
 *
 * Reading: mmfi_in_open refuses what is not a regular file without blocking on it (a FIFO named
 * model.safetensors would otherwise hang the loader until a writer came).
 *
 * Functions return 0 or a negative mmf_error (MMF_ERR_IO for a file that cannot be written or read,
 * MMF_ERR_ARG for a path that is refused by the rules, MMF_ERR_NOMEM) with a message in err that names
 * the path.
 */
#ifndef MMFI_OUTFILE_H
#define MMFI_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

/* A file being written. */
struct mmfi_out {
	char *path;                 /* the name given (messages) */
	char *target;               /* the file written: path, or the end of its symlink chain */
	char *tmp;                  /* the temporary renamed over target at commit; NULL: in place */
	int fd;                     /* open for writing; -1 once closed */
	int slot;                   /* tmp's place on the interrupt list, -1 if none */
};

/* Whether path could be written by the rules above, without writing or opening anything (a FIFO's
 * open would wait): for a check before a long run. 0, or MMF_ERR_ARG / MMF_ERR_IO with why. */
int mmfi_out_check(const char *path, char *err, size_t err_len);
/* Open path for writing by the rules above; o is cleared first. On failure nothing is left behind. */
int mmfi_out_open(struct mmfi_out *o, const char *path, char *err, size_t err_len);
/* All n bytes of buf to o (EINTR retried). */
int mmfi_out_write(struct mmfi_out *o, const void *buf, size_t n, char *err, size_t err_len);
/* Close o and put it in place (rename the temporary over the target); o is freed either way, and on
 * failure the temporary is removed. */
int mmfi_out_commit(struct mmfi_out *o, char *err, size_t err_len);
/* Close o and remove its temporary: the target is left as it was (written-through files keep what
 * was written). Safe on a cleared or already finished o. */
void mmfi_out_abort(struct mmfi_out *o);

/* Put path on the interrupt list (the string must live until mmfi_out_pending_del): a file is
 * unlinked, a directory removed (when empty: add it before the files in it). Returns the slot, or
 * -1 if the list is full (the path is then simply not removed on an interrupt). */
int mmfi_out_pending_add(const char *path);
/* Take slot off the list (-1: nothing). */
void mmfi_out_pending_del(int slot);
/* Async-signal-safe, for a signal handler: remove everything on the list, newest first, and write
 * the names of the files removed (", " between them, cut to fit) into names, NUL-terminated.
 * Returns how many were removed. */
int mmfi_out_remove_pending(char *names, size_t len);

/* Open path for reading, refusing anything that is not a regular file (a FIFO, a device, a
 * directory) without waiting on it. *fd: the descriptor, blocking, close-on-exec. what: how the
 * message names the file ("a shard model.safetensors.index.json names"), or NULL. On failure errno
 * is that of the failed call (ENOENT: no such file). */
int mmfi_in_open(const char *path, const char *what, int *fd, char *err, size_t err_len);
/* The same as a stdio stream ("rb"). */
int mmfi_in_fopen(const char *path, const char *what, FILE **f, char *err, size_t err_len);

#endif
