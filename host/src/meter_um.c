/*
 * meter_um.c: RDTech UM24C / UM25C / UM34C USB power meters (um:TTY).
 *
 * The host sends one byte, 0xF0; the meter answers 130 bytes (docs/power.md cites the layout: the
 * libsigrok rdtech-um driver and rdserialtool). Big-endian fields:
 *
 *   0..1    model id: 0x0963 UM24C, 0x09C9 UM25C, 0x0D4C UM34C
 *   2..3    voltage: 10 mV units (UM24C, UM34C), 1 mV (UM25C)
 *   4..5    current: 1 mA units (UM24C, UM34C), 0.1 mA (UM25C)
 *   6..9    power: 1 mW units
 *   10..11  temperature, degrees C
 *   96..99  D+ and D- voltages; 102..109 the threshold recording (mAh, mWh); ...
 *   128..129  0xFFF1 (UM24C, UM25C); on the UM34C byte 129 is instead the XOR of 32 bytes at fixed
 *           odd offsets (um34c_sum below)
 *
 * The "C" meters carry this over Bluetooth (SPP): bind it to /dev/rfcomm0 with `rfcomm bind`. libsigrok
 * opens the port at 115200 8N1, which is the default here; on an rfcomm port the rate is ignored.
 * Every read flushes what is waiting, sends the request and reads one reply with a deadline.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "meter.h"

enum {
	UM_REPLY = 130,             /* bytes of every reply */
	UM_POLL = 0xF0,             /* the request: "send me your readings" */
	UM_END = 0xFFF1,            /* last two bytes of a UM24C / UM25C reply */
	UM_TIMEOUT_MS = 1000,       /* default wait for a reply (libsigrok waits as long) */
	UM_ID_24C = 0x0963,         /* model ids, bytes 0..1 */
	UM_ID_25C = 0x09C9,
	UM_ID_34C = 0x0D4C,
};

/* One model: its id, name, and the sizes of its voltage and current units. */
static const struct um_model {
	unsigned id;                /* bytes 0..1 */
	const char *name;           /* "UM25C" */
	double volt_unit;           /* volts per count */
	double amp_unit;            /* amperes per count */
} um_models[] = {
	{ UM_ID_24C, "UM24C", 0.01, 0.001 },
	{ UM_ID_25C, "UM25C", 0.001, 0.0001 },
	{ UM_ID_34C, "UM34C", 0.01, 0.001 },
};

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)be16(p) << 16 | be16(p + 2);
}

/* The UM34C's check byte: XOR of the bytes at these offsets (from the libsigrok rdtech-um driver). */
static unsigned um34c_sum(const unsigned char *b)
{
	static const unsigned char at[] = {
		1, 3, 7, 9, 15, 17, 19, 23, 31, 39, 41, 45, 49, 53, 55, 57,
		59, 63, 67, 69, 73, 79, 83, 89, 97, 99, 109, 111, 113, 119, 121, 127,
	};
	unsigned i, x = 0;

	for (i = 0; i < sizeof(at); i++)
		x ^= b[at[i]];
	return x;
}

int mmfi_um_decode(const unsigned char *b, size_t n, struct mmf_meter_sample *s, const char **model,
		   char *err, size_t err_len)
{
	const struct um_model *m = NULL;
	unsigned i, id;

	if (n != UM_REPLY) {
		mmfi_msg(err, err_len, "reply of %zu bytes, expected %d", n, UM_REPLY);
		return MMF_ERR_PROTOCOL;
	}
	id = be16(b);
	for (i = 0; i < sizeof(um_models) / sizeof(um_models[0]); i++)
		if (um_models[i].id == id)
			m = &um_models[i];
	if (!m) {
		mmfi_msg(err, err_len, "reply starts with model id 0x%04X, none of UM24C 0x%04X, UM25C "
			 "0x%04X, UM34C 0x%04X (garbled, or not an RDTech UM meter)", id, UM_ID_24C, UM_ID_25C,
			 UM_ID_34C);
		return MMF_ERR_PROTOCOL;
	}
	if (id == UM_ID_34C && um34c_sum(b) != b[UM_REPLY - 1]) {
		mmfi_msg(err, err_len, "UM34C reply: check byte 0x%02X, the bytes give 0x%02X (garbled)",
			 b[UM_REPLY - 1], um34c_sum(b));
		return MMF_ERR_PROTOCOL;
	}
	if (id != UM_ID_34C && be16(b + UM_REPLY - 2) != UM_END) {
		mmfi_msg(err, err_len, "%s reply ends with 0x%04X, expected 0x%04X (garbled)", m->name,
			 be16(b + UM_REPLY - 2), UM_END);
		return MMF_ERR_PROTOCOL;
	}
	s->v = be16(b + 2) * m->volt_unit;
	s->a = be16(b + 4) * m->amp_unit;
	s->w = be32(b + 6) * 0.001;
	if (model)
		*model = m->name;
	return MMF_OK;
}

/* ---- the serial port ---------------------------------------------------------------------------- */

struct um_meter {
	struct mmf_meter m;         /* first: the common handle */
	int fd;                     /* the port */
	char tty[MMFI_METER_URI];   /* its path, for messages */
	unsigned timeout_ms;        /* wait for one reply */
	const char *model;          /* "UM25C", from the first reply */
	double last_t;              /* time of the last reading */
};

static speed_t baud_code(unsigned long baud)
{
	switch (baud) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	}
	return 0;
}

/* Send the request and read one reply: 0, MMF_ERR_TIMEOUT (nothing came), MMF_ERR_PROTOCOL (cut
 * short or not a reply), MMF_ERR_IO. */
static int um_poll(struct um_meter *u, struct mmf_meter_sample *s)
{
	unsigned char buf[UM_REPLY + 1], req = UM_POLL;
	struct pollfd p;
	double t0, left;
	size_t got = 0;
	ssize_t k;
	int r;

	tcflush(u->fd, TCIFLUSH);    /* what came late after an earlier reply, or noise */
	if (write(u->fd, &req, 1) != 1) {
		mmfi_msg(u->m.err, sizeof(u->m.err), "um:%s: sending the request failed: %s", u->tty,
			 strerror(errno));
		return MMF_ERR_IO;
	}
	t0 = mmf_meter_now();
	while (got < UM_REPLY) {
		left = u->timeout_ms * 1e-3 - (mmf_meter_now() - t0);
		if (left <= 0)
			break;
		p.fd = u->fd;
		p.events = POLLIN;
		r = poll(&p, 1, (int)ceil(left * 1e3));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (p.revents & (POLLERR | POLLNVAL))) {
			mmfi_msg(u->m.err, sizeof(u->m.err), "um:%s: waiting for the reply failed: %s",
				 u->tty, r < 0 ? strerror(errno) : "the port reported an error");
			return MMF_ERR_IO;
		}
		if (r == 0)
			break;
		k = read(u->fd, buf + got, UM_REPLY - got);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k < 0) {
			mmfi_msg(u->m.err, sizeof(u->m.err), "um:%s: reading the reply failed: %s", u->tty,
				 strerror(errno));
			return MMF_ERR_IO;
		}
		if (k == 0 && (p.revents & POLLHUP)) {
			mmfi_msg(u->m.err, sizeof(u->m.err), "um:%s: the port hung up (meter disconnected?) "
				 "after %zu of %d bytes", u->tty, got, UM_REPLY);
			return MMF_ERR_IO;
		}
		got += (size_t)k;
	}
	if (got == 0) {
		mmfi_msg(u->m.err, sizeof(u->m.err), "um:%s: no reply to 0x%02X in %u ms: is the meter on, "
			 "connected (Bluetooth: `rfcomm bind`, then /dev/rfcomm0) and an RDTech UM24C, UM25C "
			 "or UM34C?", u->tty, UM_POLL, u->timeout_ms);
		return MMF_ERR_TIMEOUT;
	}
	if (got < UM_REPLY) {
		mmfi_msg(u->m.err, sizeof(u->m.err), "um:%s: reply cut short: %zu of %d bytes in %u ms",
			 u->tty, got, UM_REPLY, u->timeout_ms);
		return MMF_ERR_PROTOCOL;
	}
	r = mmfi_um_decode(buf, got, s, &u->model, u->m.err, sizeof(u->m.err));
	if (r) {
		char msg[MMFI_METER_ERR];
		snprintf(msg, sizeof(msg), "%s", u->m.err);
		mmfi_msg(u->m.err, sizeof(u->m.err), "um:%s: %s", u->tty, msg);
		return r;
	}
	s->t = mmf_meter_now();
	if (s->t <= u->last_t)
		s->t = nextafter(u->last_t, INFINITY);
	u->last_t = s->t;
	s->window_s = 0;
	return MMF_OK;
}

static int um_read(mmf_meter *m, struct mmf_meter_sample *s)
{
	return um_poll((struct um_meter *)m, s);
}

static void um_close(mmf_meter *m)
{
	struct um_meter *u = (struct um_meter *)m;

	close(u->fd);
	free(u);
}

static const struct mmfi_meter_ops um_ops = { um_read, um_close };

int mmfi_meter_um_open(const struct mmfi_meter_uri *uri, mmf_meter **out, char *err, size_t err_len)
{
	static const char *const keys[] = { "baud", "timeout_ms", NULL };
	struct mmf_meter_sample s;
	struct termios tio;
	unsigned long baud, tmo;
	struct um_meter *u;
	speed_t code;
	int r = mmfi_meter_opts_check(uri, keys, err, err_len);

	if (!r)
		r = mmfi_meter_opt_num(uri, "baud", 1, 4000000, 115200, &baud, err, err_len);
	if (!r)
		r = mmfi_meter_opt_num(uri, "timeout_ms", 1, 60000, UM_TIMEOUT_MS, &tmo, err, err_len);
	if (r)
		return r;
	code = baud_code(baud);
	if (!code) {
		mmfi_msg(err, err_len, "meter URI '%s': baud=%lu: one of 9600, 19200, 38400, 57600, 115200, "
			 "230400", uri->uri, baud);
		return MMF_ERR_ARG;
	}
	if (!uri->arg || !*uri->arg) {
		mmfi_msg(err, err_len, "meter URI '%s': um needs the serial port, e.g. um:/dev/rfcomm0",
			 uri->uri);
		return MMF_ERR_ARG;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		mmfi_msg(err, err_len, "meter '%s': out of memory", uri->uri);
		return MMF_ERR_NOMEM;
	}
	u->m.ops = &um_ops;
	u->timeout_ms = (unsigned)tmo;
	snprintf(u->tty, sizeof(u->tty), "%s", uri->arg);
	u->fd = open(u->tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (u->fd < 0) {
		r = errno == ENOENT || errno == ENODEV || errno == ENXIO ? MMF_ERR_NO_BOARD : MMF_ERR_IO;
		mmfi_msg(err, err_len, "meter '%s': cannot open %s: %s%s", uri->uri, u->tty, strerror(errno),
			 errno == EACCES ? " (add this user to the dialout group)" : "");
		free(u);
		return r;
	}
	/* raw bytes, 8N1, no flow control, no modem lines: the meter's reply is binary */
	if (tcgetattr(u->fd, &tio)) {
		mmfi_msg(err, err_len, "meter '%s': %s is not a serial port: %s", uri->uri, u->tty,
			 strerror(errno));
		r = MMF_ERR_ARG;
		goto fail;
	}
	cfmakeraw(&tio);
	tio.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
	tio.c_cflag |= CLOCAL | CREAD | CS8;
	tio.c_iflag &= ~(IXON | IXOFF | IXANY);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, code);
	cfsetospeed(&tio, code);
	if (tcsetattr(u->fd, TCSANOW, &tio)) {
		mmfi_msg(err, err_len, "meter '%s': cannot set %s to %lu 8N1: %s", uri->uri, u->tty, baud,
			 strerror(errno));
		r = MMF_ERR_IO;
		goto fail;
	}
	r = um_poll(u, &s);
	if (r) {
		mmfi_msg(err, err_len, "meter '%s': %s", uri->uri, u->m.err);
		goto fail;
	}
	snprintf(u->m.desc, sizeof(u->m.desc), "RDTech %s on %.200s (%lu baud): voltage, current, power",
		 u->model, u->tty, baud);
	*out = &u->m;
	return MMF_OK;
fail:
	close(u->fd);
	free(u);
	return r;
}
