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
 * A window (mmfi_win_*) keeps several commands in flight; its rules are at its section below.
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
	/* outcomes of a wait (or a negative mmf_error): the answer, a NAK to retransmit on, the
	 * deadline, a packet that is not ours, a later command's answer or NAK first (a window's
	 * oldest answer was lost), a packet in l->resp not yet judged */
	WAIT_ANSWER = 0, WAIT_NAK, WAIT_TIMEOUT, WAIT_OTHER, WAIT_LOST, WAIT_PACKET,
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

/* Number a packet whose type, len and payload are in place: seq, header check, CRC. */
static void pkt_seal(uint8_t *out, uint8_t seq)
{
	uint32_t len = out[4] | (uint32_t)out[5] << 8, crc;

	out[3] = seq;
	out[6] = hdr_check(out + 2);
	/* the CRC covers everything but the sync: bytes 2 .. 6+len */
	crc = (uint32_t)crc32(0L, out + 2, (uInt)(MMF_HDR_BYTES - 2 + len));
	out[MMF_HDR_BYTES + len + 0] = (uint8_t)crc;
	out[MMF_HDR_BYTES + len + 1] = (uint8_t)(crc >> 8);
	out[MMF_HDR_BYTES + len + 2] = (uint8_t)(crc >> 16);
	out[MMF_HDR_BYTES + len + 3] = (uint8_t)(crc >> 24);
}

size_t mmfi_pkt_encode(uint8_t *out, uint8_t type, uint8_t seq, const uint8_t *payload, uint16_t len)
{
	if (len > MMF_MAX_PAYLOAD)
		return 0;
	out[0] = MMF_SYNC0;
	out[1] = MMF_SYNC1;
	out[2] = type;
	out[4] = (uint8_t)len;
	out[5] = (uint8_t)(len >> 8);
	if (len)
		memcpy(out + MMF_HDR_BYTES, payload, len);
	pkt_seal(out, seq);
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
	l->window = 1;
	mmfi_dec_init(&l->dec);
}

void mmfi_link_set_window(mmfi_link *l, uint32_t window)
{
	l->window = window < 1 ? 1 : window > MMFI_WINDOW_MAX ? MMFI_WINDOW_MAX : window;
}

uint32_t mmfi_link_window(const mmfi_link *l)
{
	return l->window;
}

int mmfi_win_room(const mmfi_link *l)
{
	return l->win_n < l->window;
}

void mmfi_link_set_rate(mmfi_link *l, uint32_t link_rate)
{
	l->link_rate = link_rate;
}

uint64_t mmfi_link_retries(const mmfi_link *l)
{
	return l->st.retries;
}

void mmfi_link_stats(const mmfi_link *l, struct mmf_link_stats *s)
{
	*s = l->st;
	s->rx_dropped = l->dec.hdr_errors + l->dec.crc_errors + l->dec.cut_short;
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

/* A transport failed: its own message (it writes into the same buffer) follows `what`. */
static void transport_fail(mmfi_link *l, const char *what)
{
	char why[MMFI_MSG];

	snprintf(why, sizeof(why), "%s", l->err ? l->err : "");
	mmfi_msg(l->err, l->err_len, "%s%s%s", what, why[0] ? ": " : "", why);
}

/* The next packet from the link into l->resp (WAIT_PACKET), or WAIT_TIMEOUT once the transport's
 * clock reaches `deadline` (us); (cmd, seq) is what the caller waits for, for messages. */
static int next_packet(mmfi_link *l, uint64_t deadline, uint8_t cmd, uint8_t seq)
{
	char what[MMFI_MSG];
	uint64_t now;
	uint32_t left_ms;
	size_t used, got;
	int r;

	for (;;) {
		/* everything already received first: it may hold the answer */
		if (mmfi_dec_push(&l->dec, l->pend + l->pend_off, l->pend_n, &used, &l->resp)) {
			l->pend_off += (uint32_t)used;
			l->pend_n -= (uint32_t)used;
			return WAIT_PACKET;
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

/* Wait until try_ms have passed for the answer to (cmd, seq). */
static int wait_answer(mmfi_link *l, uint8_t cmd, uint8_t seq, uint32_t try_ms)
{
	/* the deadline runs on the transport's clock: simulated time is far slower than wall time */
	uint64_t deadline = mmfi_transport_now(l->t) + (uint64_t)try_ms * 1000u;
	int r;

	for (;;) {
		r = next_packet(l, deadline, cmd, seq);
		if (r != WAIT_PACKET)
			return r;
		r = classify(l, &l->resp, cmd, seq);
		if (r != WAIT_OTHER)
			return r;
	}
}

/* The link time of a command of n bytes and an answer of up to resp_max payload bytes, both at the
 * board's rate, in ms (0 while the rate is unknown): a try's deadline allows for it. */
static uint32_t link_ms(const mmfi_link *l, size_t n, uint16_t resp_max)
{
	if (!l->link_rate)
		return 0;
	return (uint32_t)(((uint64_t)n + MMF_HDR_BYTES + MMF_CRC_BYTES + resp_max) * BITS_PER_BYTE *
			  1000u / l->link_rate) + 1u;
}

/* Every try of a command failed: a board that stayed silent (MMF_ERR_TIMEOUT) or a link that let
 * bytes through but no whole answer (MMF_ERR_IO); the message says which, with the counts. */
static int tries_failed(mmfi_link *l, uint8_t cmd, uint8_t seq, uint32_t naks, uint32_t lost,
			uint32_t silent, uint64_t bytes_in, uint32_t lms)
{
	char wait[48], lost_s[40] = "";

	if (naks == 0 && lost == 0 && l->st.bytes_in == bytes_in) {
		if (lms)
			snprintf(wait, sizeof(wait), "%u ms + %u ms link time", l->timeout_ms, lms);
		else
			snprintf(wait, sizeof(wait), "%u ms", l->timeout_ms);
		mmfi_msg(l->err, l->err_len, "%s seq %u: no answer after %u tries (timeout %s each)",
			 mmfi_cmd_name(cmd), seq, (unsigned)MMFI_TRIES, wait);
		return MMF_ERR_TIMEOUT;
	}
	if (lost)
		snprintf(lost_s, sizeof(lost_s), ", %u answers lost", lost);
	mmfi_msg(l->err, l->err_len, "%s seq %u: no whole answer in %u tries (%u NAKs%s, %u tries "
		 "timed out after %u ms, %llu bytes received): the link is too noisy",
		 mmfi_cmd_name(cmd), seq, (unsigned)MMFI_TRIES, naks, lost_s, silent,
		 l->timeout_ms + lms, (unsigned long long)(l->st.bytes_in - bytes_in));
	return MMF_ERR_IO;
}

static int request_once(mmfi_link *l, uint8_t cmd, const uint8_t *payload, uint16_t len,
			uint16_t resp_max, const mmfi_packet **resp)
{
	uint8_t seq = l->next_seq++;
	size_t n = mmfi_pkt_encode(l->tx, cmd, seq, payload, len);
	uint32_t lms, naks = 0, silent = 0, try;
	uint64_t bytes_in = l->st.bytes_in;
	int r;

	if (n == 0) {
		mmfi_msg(l->err, l->err_len, "%s: payload of %u bytes, the protocol allows %u",
			 mmfi_cmd_name(cmd), len, (unsigned)MMF_MAX_PAYLOAD);
		return MMF_ERR_ARG;
	}
	/* the deadline allows for the bytes on the wire both ways, at the board's rate */
	lms = link_ms(l, n, resp_max);
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
		r = wait_answer(l, cmd, seq, l->timeout_ms + lms);
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
	r = tries_failed(l, cmd, seq, naks, 0, silent, bytes_in, lms);
fail:
	/* the board may or may not have executed it: agree on the sequence before the next command */
	l->need_sync = 1;
	return r;
}

/* After a failed command: SYNC before `cmd`, naming both if the SYNC fails. */
static int sync_first(mmfi_link *l, uint8_t cmd)
{
	const mmfi_packet *sync;
	char why[MMFI_MSG];
	int r;

	if (!l->need_sync || cmd == MMF_CMD_SYNC)
		return MMF_OK;
	r = request_once(l, MMF_CMD_SYNC, NULL, 0, 1, &sync);
	if (r) {
		/* name the command the caller asked for, then what failed */
		snprintf(why, sizeof(why), "%s", l->err ? l->err : "");
		mmfi_msg(l->err, l->err_len, "%s: the SYNC after a failed command failed: %s",
			 mmfi_cmd_name(cmd), why);
		return r;
	}
	l->need_sync = 0;
	return MMF_OK;
}

int mmfi_request(mmfi_link *l, uint8_t cmd, const uint8_t *payload, uint16_t len, uint16_t resp_max,
		 const mmfi_packet **resp)
{
	int r;

	r = sync_first(l, cmd);
	if (r)
		return r;
	r = request_once(l, cmd, payload, len, resp_max, resp);
	if (r == MMF_OK && cmd == MMF_CMD_SYNC)
		l->need_sync = 0;
	return r;
}

/* ---- a window of commands in flight -------------------------------------------------------------
 *
 * Why: with one command in flight the line idles while an answer travels back, and behind an FTDI
 * bridge every short answer waits for the chip's latency timer (1 ms) first: the 12-byte answer to
 * a 1 KiB WRITE_MEM costs a whole period (docs/usb.md). A window sends command k+1 before the answer
 * to k has come, so the next packet's bytes are already on the wire.
 *
 * What the board does with that (docs/protocol.md, "A window of commands"): it executes in order,
 * one packet at a time, each seq only as last + 1; a packet arriving while it answers the one before
 * is received (the answers here are short: it is answered long before the next packet is whole).
 * So answers come in order, and an answer or NAK for a later command before the oldest's answer
 * means the oldest's answer was lost, and the board may have executed any prefix of the window.
 *
 * Recovery: the window is broken by a NAK for any command in it, a later command's answer first,
 * or the oldest's deadline. The host SYNCs (after everything in flight: the board takes packets in
 * order) and sends every command of the window again under new sequence numbers. A command the
 * board had executed under its old number is executed again, which is why windows carry only
 * commands for which that changes nothing. Every command reported done had its own answer with its
 * own number. The oldest gets MMFI_TRIES broken tries, then the window fails as mmfi_request does.
 *
 * Deadline of a try of the oldest: timeout_ms plus its link time, from when the host starts waiting
 * for it (or has sent the window again). The commands before it have been answered by then, so its
 * bytes are the next the board takes; sending the later ones may have taken the host a while (a
 * send returns once the link has taken the bytes), and its answer may be waiting already. */

static mmfi_slot *win_slot(mmfi_link *l, uint32_t i)
{
	return &l->win[(l->win_head + i) % MMFI_WINDOW_MAX];
}

/* Send window slot s under the next sequence number. */
static int win_put(mmfi_link *l, mmfi_slot *s)
{
	char what[MMFI_MSG];
	int r;

	s->seq = l->next_seq++;
	pkt_seal(s->pkt, s->seq);
	if (s->sends++)
		l->st.retries++;
	l->st.packets_sent++;
	l->st.bytes_out += s->n;
	r = l->t->ops->send(l->t, s->pkt, s->n);
	if (r) {
		snprintf(what, sizeof(what), "%s seq %u: sending %u bytes to %s failed",
			 mmfi_cmd_name(s->cmd), s->seq, (unsigned)s->n, l->t->name);
		transport_fail(l, what);
		return r;
	}
	return MMF_OK;
}

void mmfi_win_drop(mmfi_link *l)
{
	if (l->win_n)
		l->need_sync = 1;   /* the board may have executed any of them */
	l->win_n = 0;
}

int mmfi_win_send(mmfi_link *l, uint8_t cmd, const uint8_t *payload, uint16_t len, uint16_t resp_max,
		  uint32_t at, uint32_t count)
{
	mmfi_slot *s;
	int r;

	if (l->win_n >= l->window || l->win_n >= MMFI_WINDOW_MAX) {
		mmfi_msg(l->err, l->err_len, "%s: the window of %u commands is full", mmfi_cmd_name(cmd),
			 l->window);
		return MMF_ERR_ARG;
	}
	if (l->win_n == 0) {
		r = sync_first(l, cmd);
		if (r)
			return r;
	}
	s = win_slot(l, l->win_n);
	s->n = (uint16_t)mmfi_pkt_encode(s->pkt, cmd, 0, payload, len);
	if (s->n == 0) {
		mmfi_msg(l->err, l->err_len, "%s: payload of %u bytes, the protocol allows %u",
			 mmfi_cmd_name(cmd), len, (unsigned)MMF_MAX_PAYLOAD);
		return MMF_ERR_ARG;
	}
	s->cmd = cmd;
	s->resp_max = resp_max;
	s->at = at;
	s->count = count;
	s->bytes_in = l->st.bytes_in;
	s->sends = s->fails = s->naks = s->lost = s->silent = 0;
	l->win_n++;
	r = win_put(l, s);
	if (r)
		mmfi_win_drop(l);
	return r;
}

/* What packet p means for the window: WAIT_ANSWER (the oldest's), WAIT_NAK or WAIT_LOST (the window
 * is broken: a NAK; a later command's answer first), WAIT_OTHER (stale: ignore) or a negative
 * mmf_error (a NAK no resend cures). */
static int win_classify(mmfi_link *l, const mmfi_packet *p)
{
	mmfi_slot *s;
	uint32_t j, i;
	int r;

	for (j = 0; j < l->win_n && win_slot(l, j)->seq != p->seq; j++)
		;
	if (j == l->win_n || j == 0) {
		s = win_slot(l, 0);
		return classify(l, p, s->cmd, s->seq);
	}
	s = win_slot(l, j);
	if (p->type == MMF_NAK && p->len >= 2 && p->payload[0] == MMF_NAK_OUT_OF_ORDER) {
		/* the board wants an earlier command of the window: it missed that one */
		for (i = 0; i < j; i++)
			if (win_slot(l, i)->seq == p->payload[1]) {
				l->st.naks++;
				return WAIT_NAK;
			}
	}
	r = classify(l, p, s->cmd, s->seq);
	return r == WAIT_ANSWER ? WAIT_LOST : r;
}

/* The window broke: SYNC, then send all of it again under new numbers. */
static int win_resend(mmfi_link *l)
{
	const mmfi_packet *sync;
	mmfi_slot *s = win_slot(l, 0);
	char why[MMFI_MSG];
	uint32_t i;
	int r;

	r = request_once(l, MMF_CMD_SYNC, NULL, 0, 1, &sync);
	if (r) {
		snprintf(why, sizeof(why), "%s", l->err ? l->err : "");
		mmfi_msg(l->err, l->err_len, "%s seq %u: the SYNC before sending the window again "
			 "failed: %s", mmfi_cmd_name(s->cmd), s->seq, why);
		return r;
	}
	l->need_sync = 0;
	for (i = 0; i < l->win_n; i++) {
		r = win_put(l, win_slot(l, i));
		if (r)
			return r;
	}
	return MMF_OK;
}

int mmfi_win_wait(mmfi_link *l, const mmfi_packet **resp, uint32_t *at, uint32_t *count)
{
	mmfi_slot *s = win_slot(l, 0);
	uint64_t deadline = 0;
	uint32_t lms = 0;
	int r, fresh = 1;

	if (l->win_n == 0) {
		mmfi_msg(l->err, l->err_len, "waiting for an answer with no command in the window");
		return MMF_ERR_ARG;
	}
	for (;;) {
		if (fresh) {
			/* a try of the oldest starts now (see the section's comment) */
			s = win_slot(l, 0);
			lms = link_ms(l, s->n, s->resp_max);
			deadline = mmfi_transport_now(l->t) + (uint64_t)(l->timeout_ms + lms) * 1000u;
			fresh = 0;
		}
		r = next_packet(l, deadline, s->cmd, s->seq);
		if (r == WAIT_PACKET) {
			r = win_classify(l, &l->resp);
			if (r == WAIT_OTHER)
				continue;
		}
		if (r == WAIT_ANSWER) {
			*resp = &l->resp;
			*at = s->at;
			*count = s->count;
			l->win_head = (l->win_head + 1) % MMFI_WINDOW_MAX;
			l->win_n--;
			return MMF_OK;
		}
		if (r < 0)
			break;
		s->naks += r == WAIT_NAK;
		s->lost += r == WAIT_LOST;
		s->silent += r == WAIT_TIMEOUT;
		if (++s->fails >= MMFI_TRIES) {
			r = tries_failed(l, s->cmd, s->seq, s->naks, s->lost, s->silent, s->bytes_in, lms);
			break;
		}
		r = win_resend(l);
		if (r)
			break;
		fresh = 1;
	}
	mmfi_win_drop(l);
	return r;
}
