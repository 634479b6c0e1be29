/*
 * proto.h: the host side of the link protocol (docs/protocol.md): packet encoder, resynchronising
 * decoder, and request() with sequence numbers, deadlines and bounded retransmission.
 *
 * Internal to libmmfree (mmfi_* names, hidden from the shared library); the constants and codes come
 * from hls_c/mmf_dev.h so host and board cannot disagree on them. The CRC is zlib's crc32(), not the
 * device model's, so the two implementations check each other.
 */
#ifndef MMFI_PROTO_H
#define MMFI_PROTO_H

#include "mmf_dev.h"
#include "mmfree.h"
#include "transport.h"

enum {
	MMFI_TRIES = 8,             /* tries of one command (the first and 7 retransmissions) */
	MMFI_PEND = 4096,           /* bytes read from the transport per read */
	MMFI_MSG = 320,             /* message buffers */
	MMFI_WINDOW_MAX = 8,        /* commands a window keeps in flight, at most */
};

/* One packet, decoded. */
typedef struct {
	uint8_t type;               /* command or response code */
	uint8_t seq;                /* sequence number */
	uint16_t len;               /* payload bytes */
	uint8_t payload[MMF_MAX_PAYLOAD]; /* for a response: status byte, then data */
} mmfi_packet;

/* Decoder: bytes in, packets out, resynchronising after garbage and damaged packets. */
typedef struct {
	uint8_t buf[MMF_MAX_PACKET]; /* the candidate packet from its first sync byte, or leftovers */
	uint32_t n;                 /* bytes in buf */
	uint64_t skipped;           /* bytes discarded while hunting for a sync */
	uint64_t hdr_errors;        /* candidates dropped for a bad header check or length */
	uint64_t crc_errors;        /* candidates dropped for a bad CRC */
	uint64_t cut_short;         /* candidates dropped because their bytes stopped (timeout) */
} mmfi_decoder;

/* Encode a packet into out (MMF_MAX_PACKET bytes); returns its length, 0 if len is too long. */
size_t mmfi_pkt_encode(uint8_t *out, uint8_t type, uint8_t seq, const uint8_t *payload, uint16_t len);
void mmfi_dec_init(mmfi_decoder *d);
/* Feed up to n bytes. Returns 1 with a packet in *p as soon as one is complete, *used = bytes of `in`
 * consumed; 0 when all n are consumed and no packet is complete. Several packets may be complete
 * at once (a resync finds them in bytes already held): call again, with n = 0 when the input is
 * used up, until it returns 0. */
int mmfi_dec_push(mmfi_decoder *d, const uint8_t *in, size_t n, size_t *used, mmfi_packet *p);
/* The bytes stopped: drop the candidate being gathered and hunt again from its second byte. */
void mmfi_dec_timeout(mmfi_decoder *d);

/* A command in a window: sent, its answer not yet taken. */
typedef struct {
	uint8_t pkt[MMF_MAX_PACKET]; /* the packet as sent (its seq changes when the window is resent) */
	uint16_t n;                 /* its bytes */
	uint8_t cmd, seq;           /* command code, the sequence number it carries now */
	uint16_t resp_max;          /* longest answer payload expected (for the deadline) */
	uint32_t at, count;         /* the caller's: which part of a transfer (board.c: first word, words) */
	uint64_t bytes_in;          /* the link's bytes_in at its first send */
	uint32_t sends;             /* times sent */
	uint32_t fails;             /* times the window broke while it was the oldest: its failed tries */
	uint32_t naks, lost, silent; /* ... by a NAK, by a later command's answer first, by the deadline */
} mmfi_slot;

/* A link: one transport; one outstanding command (mmfi_request), or a window of them (mmfi_win_*). */
typedef struct {
	mmfi_transport *t;          /* the bytes */
	mmfi_decoder dec;           /* answers being decoded */
	uint8_t next_seq;           /* sequence number of the next command */
	uint8_t need_sync;          /* a command failed: SYNC before the next one */
	uint32_t timeout_ms;        /* answer wait per try, beyond the link time */
	uint32_t link_rate;         /* baud, from INFO (0 until known): the link time of a packet */
	uint8_t pend[MMFI_PEND];    /* bytes read from the transport, not yet decoded */
	uint32_t pend_off, pend_n;  /* where they start, how many */
	uint8_t tx[MMF_MAX_PACKET]; /* the command being sent, kept for retransmission */
	mmfi_packet resp;           /* the last answer */
	struct mmf_link_stats st;   /* counts since open */
	char *err;                  /* message buffer (the board's) */
	size_t err_len;             /* its size */
	uint32_t window;            /* commands mmfi_win_send keeps in flight, 1..MMFI_WINDOW_MAX */
	mmfi_slot win[MMFI_WINDOW_MAX]; /* the window, a ring: oldest at win_head */
	uint32_t win_head, win_n;   /* its oldest, how many are in flight */
} mmfi_link;

void mmfi_link_init(mmfi_link *l, mmfi_transport *t, uint32_t timeout_ms, char *err, size_t err_len);
/* What the board layer asks of a link (it reads no field of mmfi_link). */
/* Keep up to `window` commands in flight (1..MMFI_WINDOW_MAX; 1, the default, is one at a time). */
void mmfi_link_set_window(mmfi_link *l, uint32_t window);
/* The window size set: 1 when commands go one at a time. */
uint32_t mmfi_link_window(const mmfi_link *l);
/* 1 while the window has room for another mmfi_win_send, 0 when it is full. */
int mmfi_win_room(const mmfi_link *l);
/* The link's rate from INFO (baud, or bytes/s for a FIFO): the link time of a packet in deadlines. */
void mmfi_link_set_rate(mmfi_link *l, uint32_t link_rate);
/* Retransmissions since open: a change across a command means it needed one. */
uint64_t mmfi_link_retries(const mmfi_link *l);
/* The counts since open, rx_dropped (the decoder's dropped candidates) included. */
void mmfi_link_stats(const mmfi_link *l, struct mmf_link_stats *s);
/* Send a command and wait for its answer, retransmitting the same seq on a NAK or at the deadline,
 * at most MMFI_TRIES tries. resp_max = the longest answer payload expected (for the deadline). On
 * MMF_OK, *resp is the answer (payload[0] = status, not checked here). */
int mmfi_request(mmfi_link *l, uint8_t cmd, const uint8_t *payload, uint16_t len, uint16_t resp_max,
		 const mmfi_packet **resp);
/* A window: commands sent before the answers to the earlier ones have come (docs/protocol.md,
 * "A window of commands"). Only for commands that may be executed twice with the same effect
 * (WRITE_MEM of the same words, reads), because recovering a broken window sends its commands again
 * under new sequence numbers after a SYNC. mmfi_request must not be called while one is in flight.
 *
 * Send a command into the window (l->win_n < l->window); `at`, `count` come back with its answer.
 * On an error the window is dropped (nothing in it counts as done) and the next command SYNCs. */
int mmfi_win_send(mmfi_link *l, uint8_t cmd, const uint8_t *payload, uint16_t len, uint16_t resp_max,
		  uint32_t at, uint32_t count);
/* Wait for the answer to the oldest command in the window and take it out: *resp as mmfi_request
 * gives it, *at and *count as sent. A NAK, an answer to a later command first, or the deadline
 * breaks the window: SYNC, then every command in it is sent again under new numbers; after
 * MMFI_TRIES broken tries of the oldest it fails as mmfi_request does, and the window is dropped. */
int mmfi_win_wait(mmfi_link *l, const mmfi_packet **resp, uint32_t *at, uint32_t *count);
/* Forget the commands in flight (the caller gives up); the next command SYNCs first. */
void mmfi_win_drop(mmfi_link *l);
/* "READ_MEM", "BAD_ADDRESS", "CRC"; "?" when unknown. */
const char *mmfi_cmd_name(uint8_t cmd);
const char *mmfi_status_name(uint8_t status);
const char *mmfi_nak_name(uint8_t reason);

#endif
