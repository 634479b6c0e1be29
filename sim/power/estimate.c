/*
 * estimate.c: the counter-based energy estimate of libmmfree (mmf_energy_estimate_totals) for a
 * run described on the command line, as JSON: the other half of scripts/power_crosscheck.sh, which
 * compares it with an estimate from simulated switching.
 *
 * Usage: estimate --board NAME --format FMT --lanes N --clock HZ --cycles N --busy N --macs N
 *                 [--bytes-in N] [--bytes-out N] [--cells N] [--no-pll]
 * One engine in slot 0. Exit 0, or 2 on a usage error, 1 if the library refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmf_engines.h"
#include "mmfree.h"

static int usage(const char *msg)
{
	fprintf(stderr, "estimate: %s\nusage: estimate --board NAME --format FMT --lanes N --clock HZ "
		"--cycles N --busy N --macs N [--bytes-in N] [--bytes-out N] [--cells N] [--no-pll]\n", msg);
	return 2;
}

/* The index of name in a name table (mmf_board_name, mmf_format_name), or -1. */
static int lookup(const char *(*names)(unsigned), const char *name)
{
	unsigned i;

	for (i = 0; i < 16; i++)
		if (!strcmp(names(i), name))
			return (int)i;
	return -1;
}

int main(int argc, char **argv)
{
	struct mmf_info in;
	struct mmf_counter_totals t;
	struct mmf_energy_params p;
	struct mmf_energy e;
	int a, board = -1, fmt = -1;

	memset(&in, 0, sizeof(in));
	memset(&t, 0, sizeof(t));
	memset(&p, 0, sizeof(p));
	in.n_engines = 1;
	for (a = 1; a < argc; a++) {
		const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(o, "--no-pll")) {
			p.no_pll = 1;
			continue;
		}
		if (!v)
			return usage("an option without its value");
		a++;
		if (!strcmp(o, "--board"))
			board = lookup(mmf_board_name, v);
		else if (!strcmp(o, "--format"))
			fmt = lookup(mmf_format_name, v);
		else if (!strcmp(o, "--lanes"))
			in.engine[0].lanes = (uint8_t)strtoul(v, NULL, 0);
		else if (!strcmp(o, "--clock"))
			in.clock_hz = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(o, "--cycles"))
			t.cycles = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--busy"))
			t.busy[0] = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--macs"))
			t.macs = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--bytes-in"))
			t.bytes_in = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--bytes-out"))
			t.bytes_out = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--cells"))
			p.cells = (uint32_t)strtoul(v, NULL, 0);
		else
			return usage("unknown option");
	}
	if (board < 0 || fmt < 0)
		return usage("--board and --format need known names");
	in.board_id = (uint8_t)board;
	in.engine[0].format = (uint8_t)fmt;
	in.engine[0].id = mmf_fmts[fmt].engine;    /* the engine table: the format's engine */
	if (mmf_energy_estimate_totals(&in, &t, &p, &e)) {
		fprintf(stderr, "estimate: %s\n", mmf_energy_error());
		return 1;
	}
	printf("{\"estimate\": %d, \"family\": \"%s\", \"board\": \"%s\", \"cells\": %u, \"seconds\": %.9g, "
	       "\"static_j\": %.6g, \"clock_j\": %.6g, \"logic_j\": %.6g, \"mac_j\": %.6g, \"spram_j\": %.6g, "
	       "\"ebr_j\": %.6g, \"link_j\": %.6g, \"total_j\": %.6g, \"avg_w\": %.6g, \"j_per_mac\": %.6g}\n",
	       e.estimate, e.family, e.board, e.cells, e.seconds, e.static_j, e.clock_j, e.logic_j, e.mac_j,
	       e.spram_j, e.ebr_j, e.link_j, e.total_j, e.avg_w, e.j_per_mac);
	return 0;
}
