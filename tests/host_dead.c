/*
 * host_dead.c: a board that stops answering, and links that never let a wait end on their own.
 *
 * Proves: a `cpu` board whose link is cut (cpu?dead_after=N) gives MMF_ERR_TIMEOUT after MMFI_TRIES
 * tries with a message naming the command and its seq, within a bounded time, and so does every
 * command after it (naming the command asked for and the SYNC that failed); a cut during open fails
 * the open naming SYNC; against real-time transports written here, a silent one times out after
 * 8 tries of timeout_ms, and one that babbles garbage forever (so recv never waits) still ends at
 * the wall-clock deadline; a link cut in the middle of a multi-packet LOAD_ACT and restored
 * (dead_for=M) leaves no stale activations on the board: the next product is right.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "host_common.h"
#include "proto.h"

static double now_s(void)
{
	return (double)mmfi_now_us() * 1e-6;
}

static int has(const char *msg, const char *s)
{
	return strstr(msg, s) != NULL;
}

static void test_cut(void)
{
	uint64_t w[4];
	uint32_t c[MMF_NUM_COUNTERS];
	mmf_board *b;
	double t0;
	int r;

	/* open is SYNC and INFO, 11 bytes each: the link is cut right after */
	r = mmf_open("cpu?dead_after=22", &b);
	CHECK(r == MMF_OK, "open: %s", mmf_board_error(NULL));
	if (r)
		return;
	t0 = now_s();
	r = mmf_read_mem(b, 0, w, 4);
	CHECK(r == MMF_ERR_TIMEOUT, "read_mem on a cut link: %s", mmf_error_name(r));
	CHECK(has(mmf_board_error(b), "READ_MEM seq 2: no answer after 8 tries"), "message: %s",
	      mmf_board_error(b));
	printf("cut link: %s: %s\n", mmf_error_name(r), mmf_board_error(b));
	r = mmf_read_counters(b, c);
	CHECK(r == MMF_ERR_TIMEOUT && has(mmf_board_error(b), "READ_COUNTERS: the SYNC") &&
	      has(mmf_board_error(b), "SYNC seq 3: no answer"), "next command: %s: %s",
	      mmf_error_name(r), mmf_board_error(b));
	printf("cut link, next command: %s: %s\n", mmf_error_name(r), mmf_board_error(b));
	/* the cpu board's clock is link time: 16 tries of 200 ms cost no wall time */
	CHECK(now_s() - t0 < 2.0, "two timeouts took %.2f s", now_s() - t0);
	mmf_close(b);

	r = mmf_open("cpu?dead_after=5", &b);
	CHECK(r == MMF_ERR_TIMEOUT && b == NULL && has(mmf_board_error(NULL), "SYNC seq 0"),
	      "open on a cut link: %s: %s", mmf_error_name(r), mmf_board_error(NULL));
}

/* ---- transports on the wall clock -------------------------------------------------------------- */

typedef struct {
	mmfi_transport base;        /* must be first */
	int babble;                 /* 1: garbage at every read; 0: silence until the timeout */
	uint64_t rng;               /* garbage */
} wall_transport;

static int wall_send(mmfi_transport *t, const uint8_t *buf, size_t n)
{
	(void)t, (void)buf, (void)n;
	return MMF_OK;
}

static int wall_recv(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got)
{
	wall_transport *w = (wall_transport *)t;
	struct timespec ts = { 0, 1000000 };  /* 1 ms: a slow trickle */
	size_t i;

	if (!w->babble) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		*got = 0;
		return MMF_OK;
	}
	nanosleep(&ts, NULL);
	/* garbage full of syncs and headers that lead nowhere */
	for (i = 0; i < max && i < 16; i++)
		buf[i] = i % 4 == 0 ? MMF_SYNC0 : i % 4 == 1 ? MMF_SYNC1 : (uint8_t)hrand(&w->rng);
	*got = i;
	return MMF_OK;
}

static void wall_close(mmfi_transport *t)
{
	(void)t;
}

static const struct mmfi_transport_ops wall_ops = { wall_send, wall_recv, wall_close, NULL };

static mmfi_link g_link;

static void test_wall(int babble)
{
	wall_transport w = { { &wall_ops, babble ? "babbler" : "silent", NULL, 0 }, babble, 99 };
	const mmfi_packet *resp;
	char err[MMFI_MSG] = "";
	double t0, dt;
	int r;

	mmfi_link_init(&g_link, &w.base, 50, err, sizeof(err));
	t0 = now_s();
	r = mmfi_request(&g_link, MMF_CMD_INFO, NULL, 0, 100, &resp);
	dt = now_s() - t0;
	CHECK(r == (babble ? MMF_ERR_IO : MMF_ERR_TIMEOUT), "%s: %s", w.base.name, mmf_error_name(r));
	CHECK(has(err, "INFO seq 0") && has(err, "8 tries"), "%s: message: %s", w.base.name, err);
	/* 8 tries of 50 ms, and not much more */
	CHECK(dt >= 0.39 && dt < 1.5, "%s: gave up after %.3f s, expected 0.4 s", w.base.name, dt);
	printf("%s link (timeout 50 ms): %s after %.3f s: %s\n", w.base.name, mmf_error_name(r), dt, err);
}

/* ---- a cut in the middle of LOAD_ACT, then the link comes back ---------------------------------- */

static struct product g_p;
static int32_t g_y[MMF_MAX_ROWS];

static void test_cut_mid_vector(void)
{
	/* open: 22 bytes; LOAD_ACT of K 3000 in packets of 1023 activations (1035 bytes): the cut at
	 * byte 1100 falls in the second packet, and lasts through its 8 tries (8237 bytes) and a few
	 * tries of the SYNC that follows */
	const char *uri = "cpu?dead_after=1100&dead_for=8300";
	struct mmf_info in;
	uint64_t rng = 21;
	mmf_board *b;
	uint16_t rows = 0;
	int r;

	r = mmf_open(uri, &b);
	CHECK(r == MMF_OK, "open %s: %s", uri, mmf_board_error(NULL));
	if (r)
		return;
	mmf_get_info(b, &in);
	CHECK(product_make(&in.engine[0], 3000, 20, &g_p, &rng) == 0, "make");
	r = mmf_load_act(b, 0, g_p.x, 3000);
	CHECK(r == MMF_ERR_TIMEOUT && has(mmf_board_error(b), "LOAD_ACT seq 3"),
	      "load across the cut: %s: %s", mmf_error_name(r), mmf_board_error(b));
	printf("cut mid-vector: %s: %s\n", mmf_error_name(r), mmf_board_error(b));
	/* the board holds the first 1023 activations; the library must not let them stay */
	r = mmf_write_mem(b, 0, g_p.w, g_p.words);
	CHECK(r == MMF_OK, "write after the link came back: %s", mmf_board_error(b));
	r = mmf_matvec(b, 0, 0, g_p.words, g_p.x, 3000, g_y, &rows);
	CHECK(r == MMF_OK && rows == 20 && !memcmp(g_y, g_p.want, 4 * 20),
	      "product after the cut: %s (%s), %u rows", mmf_error_name(r), mmf_board_error(b), rows);
	printf("after the link came back: product of K 3000, 20 rows %s\n",
	       r == MMF_OK && !memcmp(g_y, g_p.want, 80) ? "equal to hls_c" : "WRONG");
	mmf_close(b);
}

int main(int argc, char **argv)
{
	check_args(argc, argv, 0, NULL, "",
		   "A board that stops answering, and links that never let a wait end (tests/host_dead.c).");
	test_cut();
	test_wall(0);
	test_wall(1);
	test_cut_mid_vector();
	printf("host_dead: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail != 0;
}
