/*
 * transport_socket.c: the `socket:PATH` board, a virtual board in another process (mmfree-vboard
 * --listen PATH) on a Unix stream socket. The bytes are the link's bytes; the clock is the wall
 * clock. A board process that stops or is killed shows as a closed connection: the next send or
 * wait fails at once with a message saying so, never a hang.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mmfree.h"
#include "uri.h"

typedef struct {
	mmfi_transport base;        /* must be first */
	int fd;                     /* the connected socket */
	char path[108];             /* sun_path, for messages */
} socket_transport;

static int closed(socket_transport *s, const char *what, int e)
{
	mmfi_msg(s->base.err, s->base.err_len, "virtual board at %s: %s (%s): the board process "
		 "stopped or was killed", s->path, what, e ? strerror(e) : "connection closed");
	return MMF_ERR_IO;
}

static int socket_send(mmfi_transport *t, const uint8_t *buf, size_t n)
{
	socket_transport *s = (socket_transport *)t;
	ssize_t w;

	while (n) {
		w = send(s->fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return closed(s, "send failed", w < 0 ? errno : 0);
		buf += w;
		n -= (size_t)w;
	}
	return MMF_OK;
}

static int socket_recv(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got)
{
	socket_transport *s = (socket_transport *)t;
	uint64_t end = mmfi_now_us() + (uint64_t)timeout_ms * 1000u, now;
	struct pollfd p = { s->fd, POLLIN, 0 };
	ssize_t n;
	int r;

	*got = 0;
	for (;;) {
		now = mmfi_now_us();
		if (now >= end)
			return MMF_OK;
		r = poll(&p, 1, (int)((end - now + 999) / 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return closed(s, "poll failed", errno);
		if (r == 0)
			return MMF_OK;
		n = recv(s->fd, buf, max, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return closed(s, "receive failed", n < 0 ? errno : 0);
		*got = (size_t)n;
		return MMF_OK;
	}
}

static void socket_close(mmfi_transport *t)
{
	socket_transport *s = (socket_transport *)t;

	close(s->fd);
	free(s);
}

static const struct mmfi_transport_ops socket_ops = { socket_send, socket_recv, socket_close, NULL };

/* socket:PATH, no options of its own. */
static int socket_open(const struct mmfi_uri *u, mmfi_transport **out, unsigned *flags, char *err,
		       size_t err_len)
{
	const char *path = u->arg;
	struct sockaddr_un a;
	socket_transport *s;
	int fd;

	if (!path[0]) {
		mmfi_msg(err, err_len, "board URI '%s': socket needs a path (socket:PATH)", u->uri);
		return MMF_ERR_ARG;
	}
	if (strlen(path) >= sizeof(a.sun_path)) {
		mmfi_msg(err, err_len, "socket:%s: path longer than %zu bytes", path, sizeof(a.sun_path) - 1);
		return MMF_ERR_ARG;
	}
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		mmfi_msg(err, err_len, "socket:%s: socket() failed: %s", path, strerror(errno));
		return MMF_ERR_IO;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;
		close(fd);
		mmfi_msg(err, err_len, "socket:%s: no virtual board listening there (%s); start one with "
			 "'mmfree-vboard --listen %s'", path, strerror(e), path);
		return MMF_ERR_NO_BOARD;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		mmfi_msg(err, err_len, "socket:%s: out of memory", path);
		return MMF_ERR_NOMEM;
	}
	s->fd = fd;
	strcpy(s->path, path);
	s->base.ops = &socket_ops;
	s->base.name = "socket";
	s->base.err = err;
	s->base.err_len = err_len;
	*out = &s->base;
	*flags = MMF_BOARD_SIMULATED;   /* mmfree-vboard */
	return MMF_OK;
}

static const char *const socket_keys[] = { NULL };

/* A virtual board runs its clock on simulated time, 20 to 50 times slower than a real board's on a
 * loaded machine, while the host waits on the wall clock: its waits are longer (5000 ms). */
const struct mmfi_board_kind mmfi_board_socket = { "socket", socket_keys, 5000, 1, socket_open };
