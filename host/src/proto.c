/*
 * proto.c: the host side of the link protocol (docs/protocol.md), see proto.h.
 *
 * Retry and deadline rules (docs/host.md says the same for users):
 *  - every command gets the next sequence number; a retransmission reuses it, so the board executes a
 *    state-changing command once however often it arrives;
 *  - a try ends at a NAK for our seq (retransmit at once) or at its deadline: timeout_ms plus the link
 *    time of the command and the longest answer at the board's link rate (retransmit);
 *  - after MMFI_TRIES tries the command fails: MMF_ERR_TIMEOUT if not a byte came back (the board
 *    stopped answering), MMF_ERR_IO if bytes came but no whole answer (the link is too noisy for
 *    packets this long: board.c then resends shorter ones). The next command is preceded by a SYNC,
 *    because the board may or may not have executed the one that failed;
 *  - answers with another seq or type are stale (an answer to an earlier try) and ignored.
 * Every wait is bounded by a wall-clock deadline as well, so a transport that babbles forever cannot
 * hold a request either.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "proto.h"

enum {
	BITS_PER_BYTE = 10,         /* UART 8N1; an overestimate for SPI and FIFO links, which is safe */
	DEC_MORE = 0, DEC_OK, DEC_HUNT, DEC_BAD_HDR, DEC_BAD_CRC, /* dec_check() verdicts */
	WAIT_ANSWER = 0, WAIT_NAK, WAIT_TIMEOUT, WAIT_OTHER, /* outcomes (or a negative mmf_error) */
};

uint64_t mmfi_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t mmfi_transport_now(mmfi_transport *t)
{
	return t->ops->now_us ? t->ops->now_us(t) : mmfi_now_us();
}

/* ---- names ------------------------------------------------------------------------------------- */

const char *mmfi_cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case MMF_CMD_SYNC: return "SYNC";
	case MMF_CMD_INFO: return "INFO";
	case MMF_CMD_WRITE_MEM: return "WRITE_MEM";
	case MMF_CMD_READ_MEM: return "READ_MEM";
	case MMF_CMD_LOAD_ACT: return "LOAD_ACT";
	case MMF_CMD_RUN: return "RUN";
	case MMF_CMD_READ_RES: return "READ_RES";
	case MMF_CMD_READ_COUNTERS: return "READ_COUNTERS";
	case MMF_CMD_CLEAR_COUNTERS: return "CLEAR_COUNTERS";
	case MMF_CMD_RESET: return "RESET";
	case MMF_CMD_I2C: return "I2C";
	}
	return "?";
}

const char *mmfi_status_name(uint8_t status)
{
	static const char *const n[] = { "OK", "BAD_LENGTH", "BAD_ENGINE", "BAD_ADDRESS", "TOO_MANY",
					 "NOT_LOADED" };
	return status < sizeof(n) / sizeof(n[0]) ? n[status] : "?";
}

const char *mmfi_nak_name(uint8_t reason)
{
	static const char *const n[] = { "?", "CRC", "OUT_OF_ORDER", "TOO_LONG", "UNKNOWN_TYPE" };
	return reason < sizeof(n) / sizeof(n[0]) ? n[reason] : "?";
}

/* ---- packets ----------------------------------------------------------------------------------- */

static uint8_t hdr_check(const uint8_t *h) /* h = type, seq, len[0], len[1] */
{
	return (uint8_t)(0xFFu ^ h[0] ^ h[1] ^ h[2] ^ h[3]);
}

size_t mmfi_pkt_encode(uint8_t *out, uint8_t type, uint8_t seq, const uint8_t *payload, uint16_t len)
{
	uint32_t crc;

	if (len > MMF_MAX_PAYLOAD)
		return 0;
	out[0] = MMF_SYNC0;
	out[1] = MMF_SYNC1;
	out[2] = type;
	out[3] = seq;
	out[4] = (uint8_t)len;
	out[5] = (uint8_t)(len >> 8);
	out[6] = hdr_check(out + 2);
	if (len)
		memcpy(out + MMF_HDR_BYTES, payload, len);
	/* the CRC covers everything but the sync: bytes 2 .. 6+len */
	crc = (uint32_t)crc32(0L, out + 2, (uInt)(MMF_HDR_BYTES - 2 + len));
	out[MMF_HDR_BYTES + len + 0] = (uint8_t)crc;
	out[MMF_HDR_BYTES + len + 1] = (uint8_t)(crc >> 8);
	out[MMF_HDR_BYTES + len + 2] = (uint8_t)(crc >> 16);
	out[MMF_HDR_BYTES + len + 3] = (uint8_t)(crc >> 24);
	return (size_t)MMF_HDR_BYTES + len + MMF_CRC_BYTES;
}

void mmfi_dec_init(mmfi_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

/* What the bytes in buf are so far. */
static int dec_check(const mmfi_decoder *d)
{
	const uint8_t *b = d->buf;
	uint32_t len, total, crc, got;

	if (d->n >= 1 && b[0] != MMF_SYNC0)
		return DEC_HUNT;
	if (d->n >= 2 && b[1] != MMF_SYNC1)
		return DEC_HUNT;
	if (d->n < MMF_HDR_BYTES)
		return DEC_MORE;
	len = b[4] | (uint32_t)b[5] << 8;
	if (b[6] != hdr_check(b + 2) || len > MMF_MAX_PAYLOAD)
		return DEC_BAD_HDR;
	total = MMF_HDR_BYTES + len + MMF_CRC_BYTES;
	if (d->n < total)
		return DEC_MORE;
	crc = (uint32_t)crc32(0L, b + 2, (uInt)(MMF_HDR_BYTES - 2 + len));
	got = b[total - 4] | (uint32_t)b[total - 3] << 8 | (uint32_t)b[total - 2] << 16 |
	      (uint32_t)b[total - 1] << 24;
	return crc == got ? DEC_OK : DEC_BAD_CRC;
}

/* Drop the first byte of buf and hunt from the second: the next A5 starts the next candidate. */
static void dec_drop(mmfi_decoder *d)
{
	uint32_t i = 1;

	while (i < d->n && d->buf[i] != MMF_SYNC0)
		i++;
	memmove(d->buf, d->buf + i, d->n - i);
	d->n -= i;
}

/* Judge buf until it is an incomplete candidate (0) or starts with a whole packet (1, taken out). */
static int dec_settle(mmfi_decoder *d, mmfi_packet *p)
{
	uint32_t total;

	for (;;) {
		switch (dec_check(d)) {
		case DEC_MORE:
			return 0;
		case DEC_HUNT:
			d->skipped++;
			dec_drop(d);
			break;
		case DEC_BAD_HDR:
			d->hdr_errors++;
			dec_drop(d);
			break;
		case DEC_BAD_CRC:
			d->crc_errors++;
			dec_drop(d);
			break;
		default: /* DEC_OK */
			p->type = d->buf[2];
			p->seq = d->buf[3];
			p->len = (uint16_t)(d->buf[4] | d->buf[5] << 8);
			memcpy(p->payload, d->buf + MMF_HDR_BYTES, p->len);
			total = (uint32_t)MMF_HDR_BYTES + p->len + MMF_CRC_BYTES;
			memmove(d->buf, d->buf + total, d->n - total);
			d->n -= total;
			return 1;
		}
	}
}

int mmfi_dec_push(mmfi_decoder *d, const uint8_t *in, size_t n, size_t *used, mmfi_packet *p)
{
	size_t i = 0;

	for (;;) {
		if (dec_settle(d, p)) {
			*used = i;
			return 1;
		}
		if (i == n) {
			*used = n;
			return 0;
		}
		d->buf[d->n++] = in[i++];
	}
}

void mmfi_dec_timeout(mmfi_decoder *d)
{
	if (d->n == 0)
		return;
	d->cut_short++;
	dec_drop(d);
}

/* ---- requests ---------------------------------------------------------------------------------- */

void mmfi_link_init(mmfi_link *l, mmfi_transport *t, uint32_t timeout_ms, char *err, size_t err_len)
{
	memset(l, 0, sizeof(*l));
	l->t = t;
	l->timeout_ms = timeout_ms;
	l->err = err;
	l->err_len = err_len;
	mmfi_dec_init(&l->dec);
}

/* Is this packet the answer to (cmd, seq)? WAIT_ANSWER, WAIT_NAK (retransmit), WAIT_OTHER (not ours:
 * keep waiting) or a negative mmf_error (a NAK that no retransmission can cure). */
static int classify(mmfi_link *l, const mmfi_packet *p, uint8_t cmd, uint8_t seq)
{
	uint8_t reason, expected;

	if (p->type == (uint8_t)(cmd | MMF_RESP) && p->seq == seq) {
		if (p->len < 1) {
			mmfi_msg(l->err, l->err_len, "%s seq %u: the answer has no status byte",
				 mmfi_cmd_name(cmd), seq);
			return MMF_ERR_PROTOCOL;
		}
		return WAIT_ANSWER;
	}
	if (p->type != MMF_NAK)
		return WAIT_OTHER;
	l->st.naks++;
	if (p->seq != seq)
		return WAIT_OTHER;
	reason = p->len >= 1 ? p->payload[0] : 0;
	expected = p->len >= 2 ? p->payload[1] : 0;
	switch (reason) {
	case MMF_NAK_CRC:
	case MMF_NAK_TOO_LONG:
		/* TOO_LONG too: the host never sends more than the board's max payload, so the board
		 * read a header the link damaged in a way the header check missed (a doubled byte
		 * shifts the fields; 1 in 256 of those pass) */
		return WAIT_NAK;
	case MMF_NAK_OUT_OF_ORDER:
		mmfi_msg(l->err, l->err_len, "%s seq %u: board refused it as out of order, it expected "
			 "seq %u (was it reset, or opened by another host?)", mmfi_cmd_name(cmd), seq,
			 expected);
		return MMF_ERR_PROTOCOL;
	case MMF_NAK_UNKNOWN_TYPE:
		mmfi_msg(l->err, l->err_len, "%s seq %u: board does not know command 0x%02x "
			 "(NAK UNKNOWN_TYPE)", mmfi_cmd_name(cmd), seq, cmd);
		return MMF_ERR_UNSUPPORTED;
	default:
		mmfi_msg(l->err, l->err_len, "%s seq %u: board refused it with NAK %s (reason %u)",
			 mmfi_cmd_name(cmd), seq, mmfi_nak_name(reason), reason);
		return MMF_ERR_PROTOCOL;
	}
}

/* Wait until try_ms have passed for the answer to (cmd, seq). */
/* A transport failed: its own message (it writes into the same buffer) follows `what`. */
static void transport_fail(mmfi_link *l, const char *what)
{
	char why[MMFI_MSG];

	snprintf(why, sizeof(why), "%s", l->err ? l->err : "");
	mmfi_msg(l->err, l->err_len, "%s%s%s", what, why[0] ? ": " : "", why);
}

static int wait_answer(mmfi_link *l, uint8_t cmd, uint8_t seq, uint32_t try_ms)
{
	char what[MMFI_MSG];
	/* the deadline runs on the transport's clock: simulated time is far slower than wall time */
	uint64_t deadline = mmfi_transport_now(l->t) + (uint64_t)try_ms * 1000u, now;
	uint32_t left_ms;
	size_t used, got;
	int r;

	for (;;) {
		/* everything already received first: it may hold the answer */
		while (mmfi_dec_push(&l->dec, l->pend + l->pend_off, l->pend_n, &used, &l->resp)) {
			l->pend_off += (uint32_t)used;
			l->pend_n -= (uint32_t)used;
			r = classify(l, &l->resp, cmd, seq);
			if (r != WAIT_OTHER)
				return r;
		}
		l->pend_off = l->pend_n = 0;
		now = mmfi_transport_now(l->t);
		if (now >= deadline)
			break;
		left_ms = (uint32_t)((deadline - now + 999u) / 1000u);
		r = l->t->ops->recv(l->t, l->pend, sizeof(l->pend), left_ms, &got);
		if (r) {
			snprintf(what, sizeof(what), "%s seq %u: receiving from %s failed",
				 mmfi_cmd_name(cmd), seq, l->t->name);
			transport_fail(l, what);
			return r;
		}
		if (got == 0)
			break;
		l->st.bytes_in += got;
		l->pend_n = (uint32_t)got;
	}
	l->st.timeouts++;
	mmfi_dec_timeout(&l->dec);
	return WAIT_TIMEOUT;
}

static int request_once(mmfi_link *l, uint8_t cmd, const uint8_t *payload, uint16_t len,
			uint16_t resp_max, const mmfi_packet **resp)
{
	uint8_t seq = l->next_seq++;
	size_t n = mmfi_pkt_encode(l->tx, cmd, seq, payload, len);
	uint32_t link_ms = 0, naks = 0, silent = 0, try;
	uint64_t bytes_in = l->st.bytes_in;
	char wait[48];
	int r;

	if (n == 0) {
		mmfi_msg(l->err, l->err_len, "%s: payload of %u bytes, the protocol allows %u",
			 mmfi_cmd_name(cmd), len, (unsigned)MMF_MAX_PAYLOAD);
		return MMF_ERR_ARG;
	}
	/* the deadline allows for the bytes on the wire both ways, at the board's rate */
	if (l->link_rate)
		link_ms = (uint32_t)(((uint64_t)n + MMF_HDR_BYTES + MMF_CRC_BYTES + resp_max) *
				     BITS_PER_BYTE * 1000u / l->link_rate) + 1u;
	for (try = 0; try < MMFI_TRIES; try++) {
		if (try)
			l->st.retries++;
		l->st.packets_sent++;
		l->st.bytes_out += n;
		r = l->t->ops->send(l->t, l->tx, n);
		if (r) {
			char what[MMFI_MSG];
			snprintf(what, sizeof(what), "%s seq %u: sending %zu bytes to %s failed",
				 mmfi_cmd_name(cmd), seq, n, l->t->name);
			transport_fail(l, what);
			goto fail;
		}
		r = wait_answer(l, cmd, seq, l->timeout_ms + link_ms);
		if (r == WAIT_ANSWER) {
			*resp = &l->resp;
			return MMF_OK;
		}
		if (r == WAIT_NAK)
			naks++;
		else if (r == WAIT_TIMEOUT)
			silent++;
		else
			goto fail;
	}
	/* silence is a dead board; bytes that never made a whole answer are a noisy link */
	if (naks == 0 && l->st.bytes_in == bytes_in) {
		if (link_ms)
			snprintf(wait, sizeof(wait), "%u ms + %u ms link time", l->timeout_ms, link_ms);
		else
			snprintf(wait, sizeof(wait), "%u ms", l->timeout_ms);
		mmfi_msg(l->err, l->err_len, "%s seq %u: no answer after %u tries (timeout %s each)",
			 mmfi_cmd_name(cmd), seq, (unsigned)MMFI_TRIES, wait);
		r = MMF_ERR_TIMEOUT;
	} else {
		mmfi_msg(l->err, l->err_len, "%s seq %u: no whole answer in %u tries (%u NAKs, %u tries "
			 "timed out after %u ms, %llu bytes received): the link is too noisy",
			 mmfi_cmd_name(cmd), seq, (unsigned)MMFI_TRIES, naks, silent,
			 l->timeout_ms + link_ms, (unsigned long long)(l->st.bytes_in - bytes_in));
		r = MMF_ERR_IO;
	}
fail:
	/* the board may or may not have executed it: agree on the sequence before the next command */
	l->need_sync = 1;
	return r;
}

int mmfi_request(mmfi_link *l, uint8_t cmd, const uint8_t *payload, uint16_t len, uint16_t resp_max,
		 const mmfi_packet **resp)
{
	const mmfi_packet *sync;
	char why[MMFI_MSG];
	int r;

	if (l->need_sync && cmd != MMF_CMD_SYNC) {
		r = request_once(l, MMF_CMD_SYNC, NULL, 0, 1, &sync);
		if (r) {
			/* name the command the caller asked for, then what failed */
			snprintf(why, sizeof(why), "%s", l->err ? l->err : "");
			mmfi_msg(l->err, l->err_len, "%s: the SYNC after a failed command failed: %s",
				 mmfi_cmd_name(cmd), why);
			return r;
		}
		l->need_sync = 0;
	}
	r = request_once(l, cmd, payload, len, resp_max, resp);
	if (r == MMF_OK && cmd == MMF_CMD_SYNC)
		l->need_sync = 0;
	return r;
}
