/*
 * board.h: what board.c, open.c and uri.c share (internal to libmmfree): the board handle.
 */
#ifndef MMFI_BOARD_H
#define MMFI_BOARD_H

#include "proto.h"

enum {
	MMFI_ERR_LEN = MMFI_MSG,    /* message buffer */
	MMFI_URI_MAX = 512,         /* longest URI taken */
};

struct mmf_board {
	mmfi_link link;             /* protocol state */
	mmfi_transport *t;          /* the bytes (owned) */
	struct mmf_info info;       /* INFO, read at open */
	char err[MMFI_ERR_LEN];     /* last message */
	mmf_progress_fn progress;   /* long-transfer callback, or NULL */
	void *progress_user;        /* its argument */
	uint32_t mtu;               /* payload bytes per packet of a split transfer, now */
	uint32_t mtu_max;           /* the most the board takes */
	uint32_t clean;             /* commands in a row that needed no retransmission */
	unsigned flags;             /* MMF_BOARD_*: simulated, no line (from the URI, at open) */
};

/* One command whose answer must be status OK and `data_len` bytes of data (any length if < 0);
 * `what` gives the values for messages: " (addr 16380, 10 words)". *data, *got: the answer data. */
int mmfi_command(mmf_board *b, uint8_t cmd, const uint8_t *p, uint16_t len, int data_len,
		 const char *what, const uint8_t **data, uint16_t *got);

/* The long-transfer callback set by mmf_set_progress, to put back after borrowing it. */
static inline void mmfi_progress_get(const mmf_board *b, mmf_progress_fn *fn, void **user)
{
	*fn = b->progress;
	*user = b->progress_user;
}

static inline uint32_t mmfi_get16(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t mmfi_get32(const uint8_t *p)
{
	return mmfi_get16(p) | mmfi_get16(p + 2) << 16;
}

/* A board URI, parsed: "kind[:arg][?opt=val&...]". */
struct mmfi_uri {
	char kind[16];              /* "cpu", "sim", "socket", "ftdi" */
	char arg[MMFI_URI_MAX];     /* after ':' (socket path, FTDI serial), or "" */
	uint32_t timeout_ms;        /* timeout_ms=N: answer wait per try */
	int faults;                 /* faults= given */
	struct mmfi_fault_opts fault; /* faults=RATE, seed=S */
	struct mmfi_cpu_opts cpu;   /* dead_after=N, dead_for=M */
	int uart;                   /* sim: uart=1, the board's UART instead of the fast mode */
	uint32_t baud;              /* ftdi: baud=N, the UART rate to set (0: the board's) */
	int link;                   /* ftdi: link=uart|ft245 given: MMFI_FTDI_LINK_*; 0: not given */
	uint32_t window;            /* window=N: WRITE_MEMs in flight (0: the board kind's default) */
	int ina_absent;             /* sim: ina226=0, no INA226 model on the I2C lines */
	int ina_set;                /* sim: ina_shunt_uv= or ina_bus_mv= given */
	uint32_t ina_shunt_uv;      /* sim: the model's shunt voltage, uV */
	uint32_t ina_bus_mv;        /* sim: the model's bus voltage, mV */
};

/* Parse uri; MMF_ERR_ARG with a message naming the bad part. */
int mmfi_uri_parse(const char *uri, struct mmfi_uri *u, char *err, size_t err_len);
/* Open the transport a parsed URI names, with the fault injector around it if asked. */
int mmfi_uri_transport(const struct mmfi_uri *u, const char *uri, mmfi_transport **out, char *err,
		       size_t err_len);

#endif
