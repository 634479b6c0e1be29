/*
 * host_faults.c: the link under injected faults: 10,000 matrix-vector products over
 * "cpu?faults=1e-3&seed=1" (in both directions, each byte with probability 1e-3 has a bit flipped, is
 * dropped or is doubled).
 *
 * Proves: no wrong result ever reaches the caller (every product is checked against hls_c), no
 * command fails (retransmission with the same seq and the shrinking packets of a noisy link get
 * every one through), and the weight memory holds exactly what was written. Prints the retries, NAKs
 * and timeouts it took. Usage: host_faults [COUNT [URI]].
 */
#include <time.h>

#include "host_common.h"

/* Each engine keeps its matrix in its third of the memory, a new one every PER_MATRIX products, of
 * at most MAX_WORDS words: the models' time (tac5 decodes every lane, on the board and on the host)
 * grows with the words, the link's work with K and the rows. */
enum { REGION = MMF_WMEM_WORDS / 3, PER_MATRIX = 10, MAX_WORDS = 1024 };

static struct product g_p[3];
static int32_t g_y[MMF_MAX_ROWS];
static uint64_t g_back[REGION];

int main(int argc, char **argv)
{
	const char *uri = argc > 2 ? argv[2] : "cpu?faults=1e-3&seed=1";
	uint32_t count;
	uint32_t i, e, k, wpr, rows, wrong = 0, errors = 0, done = 0, tries;
	int written[3] = { 0, 0, 0 };
	struct mmf_link_stats s;
	struct mmf_info in;
	uint64_t rng = 1;
	uint16_t got;
	mmf_board *b;
	clock_t t0 = clock();
	int r;

	check_args(argc, argv, 2, NULL, "[COUNT [URI]]", "COUNT (default 10000) matrix-vector products over URI "
		   "(default 'cpu?faults=1e-3&seed=1'),\nevery one checked against hls_c (tests/host_faults.c).");
	count = argc > 1 ? (uint32_t)check_number("host_faults", "COUNT", argv[1], 1, UINT32_MAX) : 10000;
	r = mmf_open(uri, &b);
	if (r) {
		fprintf(stderr, "open %s: %s (%s)\n", uri, mmf_board_error(NULL), mmf_error_name(r));
		return 1;
	}
	mmf_get_info(b, &in);
	for (i = 0; i < count; i++) {
		e = i % 3;
		if ((i / 3) % PER_MATRIX == 0) {
			/* a new matrix for this engine in its third of the memory */
			k = 1 + (uint32_t)(hrand(&rng) % in.engine[e].max_cols);
			wpr = (k + in.engine[e].lanes - 1) / in.engine[e].lanes;
			rows = MAX_WORDS / wpr < 256 ? MAX_WORDS / wpr : 256;
			rows = rows ? rows : 1;
			rows = 1 + (uint32_t)(hrand(&rng) % rows);
			CHECK(product_make(&in.engine[e], k, rows, &g_p[e], &rng) == 0, "make");
			for (tries = 0; tries < 3; tries++) {
				r = mmf_write_mem(b, e * REGION, g_p[e].w, g_p[e].words);
				if (!r)
					break;
				errors++;
				fprintf(stderr, "write, engine %u: %s (%s)\n", e, mmf_board_error(b),
					mmf_error_name(r));
			}
			written[e] = r == MMF_OK;
		} else {
			CHECK(product_x(&in.engine[e], &g_p[e], &rng) == (int)g_p[e].rows, "model");
		}
		if (!written[e])
			continue;   /* the board does not hold this matrix: nothing to check against */
		memset(g_y, 0x55, 4u * g_p[e].rows);
		r = mmf_matvec(b, e, e * REGION, g_p[e].words, g_p[e].x, g_p[e].k, g_y, &got);
		if (r) {
			errors++;
			fprintf(stderr, "product %u, engine %u, K %u, %u rows: %s (%s)\n", i, e, g_p[e].k,
				g_p[e].rows, mmf_board_error(b), mmf_error_name(r));
			continue;
		}
		done++;
		if (got != g_p[e].rows || memcmp(g_y, g_p[e].want, 4u * got)) {
			wrong++;
			fprintf(stderr, "WRONG product %u, engine %u, K %u, %u rows (got %u)\n", i, e,
				g_p[e].k, g_p[e].rows, got);
		}
	}
	for (e = 0; e < 3; e++) {
		if (!written[e])
			continue;
		r = mmf_read_mem(b, e * REGION, g_back, g_p[e].words);
		CHECK(r == MMF_OK && !memcmp(g_back, g_p[e].w, 8u * g_p[e].words),
		      "weight memory of engine %u differs or unreadable: %s", e, mmf_board_error(b));
	}
	mmf_get_link_stats(b, &s);
	mmf_close(b);
	CHECK(wrong == 0, "%u wrong results", wrong);
	CHECK(errors == 0, "%u commands failed", errors);
	CHECK(done == count, "%u of %u products done", done, count);
	printf("faults %s: %u products, %u wrong, %u failed; %llu packets, %llu retries (%llu NAKs, "
	       "%llu timeouts), %llu answers dropped by the host; %.1f s CPU\n", uri, done, wrong,
	       errors, (unsigned long long)s.packets_sent, (unsigned long long)s.retries,
	       (unsigned long long)s.naks, (unsigned long long)s.timeouts,
	       (unsigned long long)s.rx_dropped, (double)(clock() - t0) / CLOCKS_PER_SEC);
	printf("host_faults: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail != 0;
}
