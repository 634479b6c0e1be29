/*
 * transport.h: how the host library moves bytes to and from a board, a small vtable.
 *
 * Internal to libmmfree: names are mmfi_* ("i" for internal), hidden from the shared library. A
 * transport knows nothing of packets; proto.c does. Transports keep their own clock: recv() returns no
 * bytes only once timeout_ms have passed on it (the `cpu` board's clock is link time, so its waits
 * cost no wall time; a serial port's clock is the wall clock).
 *
 * This header is the ops table and what the ops need. How a URI names and opens each kind is uri.h;
 * what a transport offers beyond that (its options as a struct, for the virtual board programs and
 * tests) is in its own header: transport_cpu.h, transport_sim.h, transport_faults.h, transport_ftdi.h.
 */
#ifndef MMFI_TRANSPORT_H
#define MMFI_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct mmfi_transport mmfi_transport;

struct mmfi_transport_ops {
	/* Hand n bytes to the link. 0 or a negative mmf_error (message in err). */
	int (*send)(mmfi_transport *t, const uint8_t *buf, size_t n);
	/* Wait at most timeout_ms for at least one byte; *got = bytes stored (0: the time passed).
	 * 0 or a negative mmf_error. */
	int (*recv)(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got);
	/* Free the transport (and any transport it wraps). */
	void (*close)(mmfi_transport *t);
	/* The transport's clock, microseconds, the one recv's timeout runs on (link time for `cpu`,
	 * simulated time for `sim`); NULL: the wall clock. */
	uint64_t (*now_us)(mmfi_transport *t);
};

struct mmfi_transport {
	const struct mmfi_transport_ops *ops; /* what it does */
	const char *name;                     /* for messages: "cpu", "faults(cpu)" */
	char *err;                            /* message buffer for failures (the board's), or NULL */
	size_t err_len;                       /* its size */
};

/* Monotonic wall clock in microseconds (proto.c). */
uint64_t mmfi_now_us(void);
/* t's own clock (ops->now_us), or the wall clock (proto.c). */
uint64_t mmfi_transport_now(mmfi_transport *t);
/* printf into a message buffer (error.c); a NULL buffer is ignored. */
void mmfi_msg(char *buf, size_t len, const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 3, 4)))
#endif
	;

#endif
