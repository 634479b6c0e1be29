/*
 * board.h: what board.c and open.c share (internal to libmmfree): the board handle.
 */
#ifndef MMFI_BOARD_H
#define MMFI_BOARD_H

#include "proto.h"
#include "uri.h"

enum {
	MMFI_ERR_LEN = MMFI_MSG,    /* message buffer */
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

#endif
