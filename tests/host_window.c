/*
 * host_window.c: a window of WRITE_MEMs in flight (proto.c, mmfi_win_*; docs/protocol.md, "A window
 * of commands") against the board's C model.
 *
 * Proves: with a window of W the host sends W packets before it reads a byte back, and every word
 * arrives, with no retry even when sending the window takes longer than the answer timeout; an answer damaged on its way back (the host sees the next command's answer first) and a
 * command damaged on its way out (the board NAKs it, then refuses the ones behind it as out of
 * order) both end with every command answered OK after one SYNC and a resend of the window; a link
 * cut for a while in the middle of a windowed upload is ridden out; a cut that outlasts the tries
 * fails the upload, and every word the progress callback had reported written is on the board when
 * the link comes back (nothing unanswered is counted as written); the URI option's range; the
 * defaults each board kind owns (a window of 3 behind ftdi, 1 elsewhere; a 5000 ms answer wait on
 * socket, 200 elsewhere) and that window= and timeout_ms= override them; the link keeps a window set
 * through mmfi_link_set_window within 1..MMFI_WINDOW_MAX.
 */
#include "host_common.h"
#include "board.h"
#include "transport_cpu.h"

enum { WORDS_PER_PKT = (MMF_MAX_PAYLOAD - 2) / 8, UPLOAD = 4096 };

/* ---- a transport around the cpu board that watches and damages ------------------------------- */

typedef struct {
	mmfi_transport base;        /* must be first */
	mmfi_transport *in;         /* the cpu board */
	uint32_t sends;             /* sends since bytes last came back */
	uint32_t most;              /* the most sends in a row with no byte back */
	int spoil_send;             /* > 0: flip a byte of the spoil_send-th send from now */
	int spoil_recv;             /* 1: flip a byte of the next bytes that come back */
} spy_transport;

static int spy_send(mmfi_transport *t, const uint8_t *buf, size_t n)
{
	spy_transport *s = (spy_transport *)t;
	uint8_t copy[MMF_MAX_PACKET];

	if (++s->sends > s->most)
		s->most = s->sends;
	if (s->spoil_send > 0 && --s->spoil_send == 0 && n <= sizeof(copy) && n > 20) {
		memcpy(copy, buf, n);
		copy[20] ^= 0x01;   /* a payload byte: the board's CRC check fails */
		return s->in->ops->send(s->in, copy, n);
	}
	return s->in->ops->send(s->in, buf, n);
}

static int spy_recv(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got)
{
	spy_transport *s = (spy_transport *)t;
	int r = s->in->ops->recv(s->in, buf, max, timeout_ms, got);

	if (r == MMF_OK && *got) {
		s->sends = 0;
		if (s->spoil_recv && *got > 9) {
			buf[9] ^= 0x01;   /* the first answer's CRC */
			s->spoil_recv = 0;
		}
	}
	return r;
}

static void spy_close(mmfi_transport *t)
{
	spy_transport *s = (spy_transport *)t;

	s->in->ops->close(s->in);
}

static uint64_t spy_now(mmfi_transport *t)
{
	spy_transport *s = (spy_transport *)t;

	return s->in->ops->now_us(s->in);
}

static const struct mmfi_transport_ops spy_ops = { spy_send, spy_recv, spy_close, spy_now };

static uint64_t g_w[UPLOAD], g_back[UPLOAD];

/* WRITE_MEM of words [at, at + n) of g_w. */
static uint16_t pack(uint8_t *p, uint32_t at, uint32_t n)
{
	uint32_t i, k;

	p[0] = (uint8_t)at;
	p[1] = (uint8_t)(at >> 8);
	for (i = 0; i < n; i++)
		for (k = 0; k < 8; k++)
			p[2 + 8 * i + k] = (uint8_t)(g_w[at + i] >> (8 * k));
	return (uint16_t)(2 + 8 * n);
}

/* Read words [0, n) back one command at a time and compare them with g_w. */
static int read_back(mmfi_link *l, uint32_t n)
{
	const mmfi_packet *resp;
	uint8_t p[4];
	uint32_t at, step, i;

	for (at = 0; at < n; at += step) {
		step = n - at < MMF_READ_MEM_MAX ? n - at : MMF_READ_MEM_MAX;
		p[0] = (uint8_t)at;
		p[1] = (uint8_t)(at >> 8);
		p[2] = (uint8_t)step;
		p[3] = 0;
		if (mmfi_request(l, MMF_CMD_READ_MEM, p, 4, (uint16_t)(1 + 8 * step), &resp) ||
		    resp->payload[0] != MMF_ST_OK || resp->len != 1 + 8 * step)
			return -1;
		for (i = 0; i < step; i++) {
			const uint8_t *d = resp->payload + 1 + 8 * i;
			g_back[at + i] = (uint64_t)mmfi_get32(d) | (uint64_t)mmfi_get32(d + 4) << 32;
		}
	}
	return memcmp(g_back, g_w, 8u * n) ? -1 : 0;
}

/* Upload `pkts` full packets through a window of w on a fresh cpu board, answers waited for
 * timeout_ms; spoil one byte as asked. Returns the retries it took, or -1 after a failed check. */
static int run(uint32_t w, uint32_t pkts, uint32_t timeout_ms, int spoil_send, int spoil_recv,
	       const char *name)
{
	static uint8_t p[MMF_MAX_PAYLOAD];
	struct mmfi_cpu_opts co = { 0 };
	spy_transport s = { { &spy_ops, "spy(cpu)", NULL, 0 }, NULL, 0, 0, 0, 0 };
	const mmfi_packet *resp;
	char err[MMFI_MSG] = "";
	mmfi_link l;
	uint32_t sent = 0, done = 0, at, count, seen_most;
	int r, fails = g_fail;

	if (mmfi_cpu_open(&co, &s.in, err, sizeof(err)))
		return -1;
	s.base.err = err;
	s.base.err_len = sizeof(err);
	mmfi_link_init(&l, &s.base, timeout_ms, err, sizeof(err));
	mmfi_link_set_window(&l, w);
	CHECK(mmfi_link_window(&l) == w, "%s: window %u set, the link has %u", name, w, mmfi_link_window(&l));
	mmfi_link_set_rate(&l, 12000000);
	r = mmfi_request(&l, MMF_CMD_SYNC, NULL, 0, 1, &resp);
	CHECK(r == MMF_OK, "%s: SYNC: %s", name, err);
	s.most = s.sends = 0;
	s.spoil_send = spoil_send;
	s.spoil_recv = spoil_recv;
	while (done < pkts) {
		if (sent < pkts && mmfi_win_room(&l)) {
			r = mmfi_win_send(&l, MMF_CMD_WRITE_MEM, p, pack(p, sent * WORDS_PER_PKT, WORDS_PER_PKT),
					  1, sent * WORDS_PER_PKT, WORDS_PER_PKT);
			CHECK(r == MMF_OK, "%s: send %u: %s", name, sent, err);
			if (r)
				break;
			sent++;
			continue;
		}
		r = mmfi_win_wait(&l, &resp, &at, &count);
		CHECK(r == MMF_OK && resp->payload[0] == MMF_ST_OK, "%s: answer %u: %s", name, done, err);
		if (r)
			break;
		/* answers are taken in the order the commands were given */
		CHECK(at == done * WORDS_PER_PKT && count == WORDS_PER_PKT, "%s: answer %u is for words "
		      "%u..%u", name, done, at, at + count);
		done++;
	}
	seen_most = s.most;
	CHECK(l.win_n == 0 && !l.need_sync, "%s: window left with %u in flight", name, l.win_n);
	CHECK(read_back(&l, pkts * WORDS_PER_PKT) == 0, "%s: the words read back differ (%s)", name, err);
	if (!spoil_send && !spoil_recv) {
		/* the window's worth went out before the first byte came back */
		CHECK(seen_most >= (w < pkts ? w : pkts), "%s: at most %u packets sent before an answer "
		      "came, the window is %u", name, seen_most, w);
		CHECK(mmfi_link_retries(&l) == 0, "%s: %llu retries on a clean link", name,
		      (unsigned long long)mmfi_link_retries(&l));
	}
	printf("%s: window %u, %u packets: %u sent before the first answer at most, %llu retries, "
	       "%llu NAKs, %llu answers dropped\n", name, w, pkts, seen_most,
	       (unsigned long long)l.st.retries, (unsigned long long)l.st.naks,
	       (unsigned long long)(l.dec.crc_errors + l.dec.hdr_errors));
	s.base.ops->close(&s.base);
	return g_fail != fails ? -1 : (int)mmfi_link_retries(&l);
}

static void test_clean(void)
{
	uint32_t w;

	/* a send returns once the link has taken the bytes (0.86 ms of link time for a full packet
	 * on `cpu`), so sending a window of 8 takes longer than the 1 ms timeout: a try of the oldest
	 * runs from when the host starts waiting for it, and none of them times out */
	for (w = 1; w <= MMFI_WINDOW_MAX; w++)
		run(w, 12, 1, 0, 0, "clean");
}

static void test_spoiled(void)
{
	int r;

	/* the first answer damaged: the host sees the second command's answer first */
	r = run(4, 8, 50, 0, 1, "answer damaged");
	CHECK(r >= 4, "answer damaged: %d retries, expected the window of 4 sent again", r);
	/* the first command damaged: NAK CRC, then OUT_OF_ORDER for the three behind it */
	r = run(4, 8, 50, 1, 0, "command damaged");
	CHECK(r >= 4, "command damaged: %d retries, expected the window of 4 sent again", r);
	/* the third of four: the first two are answered, the rest sent again */
	r = run(4, 8, 50, 3, 0, "third command damaged");
	CHECK(r >= 2, "third command damaged: %d retries", r);
}

/* ---- through the API: a link cut during a windowed upload ----------------------------------- */

static uint64_t g_reported;         /* bytes the progress callback reported written */

static void on_progress(void *user, uint64_t done, uint64_t total)
{
	(void)user, (void)total;
	g_reported = done;
}

static void test_cut(const char *uri, int want_ok)
{
	struct mmf_link_stats st;
	uint32_t words, tries;
	mmf_board *b;
	int r;

	r = mmf_open(uri, &b);
	CHECK(r == MMF_OK, "open %s: %s", uri, mmf_board_error(NULL));
	if (r)
		return;
	g_reported = 0;
	mmf_set_progress(b, on_progress, NULL);
	r = mmf_write_mem(b, 0, g_w, UPLOAD);
	mmf_get_link_stats(b, &st);
	printf("%s: write of %u words: %s, %llu words reported written, %llu retries%s%s\n", uri,
	       UPLOAD, mmf_error_name(r), (unsigned long long)(g_reported / 8),
	       (unsigned long long)st.retries, r ? ": " : "", r ? mmf_board_error(b) : "");
	CHECK(want_ok ? r == MMF_OK : r == MMF_ERR_TIMEOUT, "%s: write: %s: %s", uri, mmf_error_name(r),
	      mmf_board_error(b));
	CHECK(want_ok ? g_reported == 8u * UPLOAD : g_reported < 8u * UPLOAD,
	      "%s: %llu bytes reported written", uri, (unsigned long long)g_reported);
	/* the words reported written are on the board: read them once the link is back (each failed
	 * try sends a few bytes more, which is what ends the cut) */
	words = (uint32_t)(g_reported / 8);
	for (tries = 0; tries < 4000; tries++)
		if ((r = mmf_read_mem(b, 0, g_back, words)) != MMF_ERR_TIMEOUT)
			break;
	CHECK(r == MMF_OK && !memcmp(g_back, g_w, 8u * words), "%s: the %u words reported written "
	      "read back %s (%s)", uri, words, r ? "failed" : "different", mmf_board_error(b));
	printf("%s: the %u words reported written read back equal (%u reads failed first)\n", uri,
	       words, tries);
	mmf_close(b);
}

static void test_uri(void)
{
	mmf_board *b;

	CHECK(mmf_open("cpu?window=0", &b) == MMF_ERR_ARG &&
	      strstr(mmf_board_error(NULL), "commands in flight, 1 to 8"), "window=0: %s",
	      mmf_board_error(NULL));
	CHECK(mmf_open("cpu?window=9", &b) == MMF_ERR_ARG, "window=9 accepted");
}

/* The kinds' own defaults, as the URI parser hands them to mmf_open (no board needed). */
static void test_defaults(void)
{
	static const struct { const char *uri; uint32_t timeout_ms, window; } t[] = {
		{ "cpu", 200, 1 },
		{ "ftdi", 200, 3 },
		{ "ftdi:FT1234?window=1", 200, 1 },
		{ "socket:/tmp/x", 5000, 1 },
		{ "socket:/tmp/x?timeout_ms=7&window=2", 7, 2 },
	};
	const struct mmfi_board_kind *k;
	struct mmfi_uri u;
	char err[MMFI_MSG] = "";
	mmfi_link l;
	unsigned i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(mmfi_uri_parse(t[i].uri, &u, &k, err, sizeof(err)) == MMF_OK, "%s: %s", t[i].uri, err);
		CHECK(u.timeout_ms == t[i].timeout_ms && u.window == t[i].window, "%s: timeout %u ms, "
		      "window %u; expected %u ms, %u", t[i].uri, u.timeout_ms, u.window, t[i].timeout_ms,
		      t[i].window);
	}
	mmfi_link_init(&l, NULL, 200, err, sizeof(err));
	CHECK(mmfi_link_window(&l) == 1, "a new link's window is %u, not 1", mmfi_link_window(&l));
	mmfi_link_set_window(&l, 0);
	CHECK(mmfi_link_window(&l) == 1, "window 0 kept as %u, not 1", mmfi_link_window(&l));
	mmfi_link_set_window(&l, 99);
	CHECK(mmfi_link_window(&l) == MMFI_WINDOW_MAX, "window 99 kept as %u", mmfi_link_window(&l));
}

int main(int argc, char **argv)
{
	uint64_t rng = 7;
	uint32_t i;

	check_args(argc, argv, 0, NULL, "",
		   "A window of WRITE_MEMs in flight against the board's C model (tests/host_window.c).");
	for (i = 0; i < UPLOAD; i++)
		g_w[i] = hrand(&rng);
	test_clean();
	test_spoiled();
	/* open is 22 bytes: the cut starts in the tenth packet; a short cut, then one no try outlasts */
	test_cut("cpu?window=4&dead_after=10000&dead_for=2000", 1);
	test_cut("cpu?window=4&dead_after=10000&dead_for=60000", 0);
	test_uri();
	test_defaults();
	printf("host_window: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail != 0;
}
