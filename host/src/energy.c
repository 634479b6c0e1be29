/*
 * energy.c: the energy estimate (docs/power.md): the board's counters times per-event coefficients.
 *
 * The coefficients come from boards/energy.json, compiled into the library as mmfi_energy_json
 * (scripts/gen_energy_c.sh), or from another file given to mmf_energy_load(). The file is checked
 * whole when it is loaded (every coefficient has a value, unit, kind, source and derivation; every
 * coefficient the model uses is there with the unit it expects), so the estimate itself cannot fail
 * on the data.
 *
 * The model, per run (t = cycles / clock_hz):
 *   static  = static_w * t
 *   clock   = cycles * clock_j_per_cycle + pll_w * t             (pll_w only for boards with a PLL)
 *   logic   = cycles * cells * cell_j_per_cycle
 *   mac     = sum over engines of macs_e * mac_j_<format>        (MACs split by busy_e * lanes_e)
 *   spram   = sum over engines of busy_e * (4 * spram_j_per_read + stream_j_per_word)
 *   ebr     = sum over engines of busy_e * ebr_reads_per_word_<format> * ebr_j_per_read
 *   link    = bytes_out * (link_j_per_byte_out + link_j_per_byte_core) + bytes_in * link_j_per_byte_core
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmf_engines.h"
#include "mmfree.h"
#include "outfile.h"
#include "transport.h"

/* boards/energy.json, NUL-terminated (generated: build/host/energy_data.c) */
extern const unsigned char mmfi_energy_json[];
extern const size_t mmfi_energy_json_len;

enum {
	E_MAX_FAMILIES = 8,         /* coefficient sections one file may hold */
	E_MAX_BOARDS = 16,          /* board entries one file may hold */
	E_N_FORMATS = MMF_N_FORMATS, /* weight formats: the engine table's rows, by format id */
	E_ERR_LEN = 512,            /* message buffer */
	E_MAX_FILE = 1 << 20,       /* a coefficient file larger than this is refused */
	E_SPRAM_PER_WORD = 4,       /* a 64-bit weight word is one 16-bit read of each of 4 SPRAMs */
};

/* The scalar coefficients the model uses, with the unit each must have. */
enum {
	K_STATIC_W, K_CLOCK_J, K_PLL_W, K_CELL_J, K_SPRAM_J, K_STREAM_J, K_EBR_J, K_LINK_OUT_J,
	K_LINK_CORE_J, K_SOC_CELLS, K_N
};
static const struct { const char *name, *unit; } k_keys[K_N] = {
	{ "static_w", "W" }, { "clock_j_per_cycle", "J" }, { "pll_w", "W" }, { "cell_j_per_cycle", "J" },
	{ "spram_j_per_read", "J" }, { "stream_j_per_word", "J" }, { "ebr_j_per_read", "J" },
	{ "link_j_per_byte_out", "J" }, { "link_j_per_byte_core", "J" }, { "soc_base_cells", "cells" },
};
/* Per weight format: the prefix of the coefficient name ("mac_j_" + "lut3") and its unit. */
enum { F_MAC_J, F_EBR_READS, F_ENGINE_CELLS, F_N };
static const struct { const char *prefix, *unit; } f_keys[F_N] = {
	{ "mac_j_", "J" }, { "ebr_reads_per_word_", "reads" }, { "engine_cells_", "cells" },
};

/* One family's coefficients, as the model uses them. */
struct e_family {
	const char *name;           /* the key in "families" (points into the cJSON tree) */
	uint32_t cells_total;       /* logic cells of the part */
	double k[K_N];              /* scalar coefficients */
	double f[F_N][E_N_FORMATS]; /* per-format coefficients */
};

/* One board entry. */
struct e_board {
	const char *name;           /* the key in "boards" */
	int family;                 /* index into families */
	int pll;                    /* its clock comes from the PLL */
};

/* A loaded coefficient file. */
struct e_model {
	cJSON *root;                /* the parsed file: the strings above point into it */
	struct e_family fam[E_MAX_FAMILIES];
	int n_fam;
	struct e_board board[E_MAX_BOARDS];
	int n_board;
};

static struct e_model *g_model;     /* the data in use; NULL until first needed */
static char g_err[E_ERR_LEN];       /* message of the last failure */

const char *mmf_energy_error(void)
{
	return g_err;
}

/* ---- loading and checking -------------------------------------------------------------------- */

static void model_free(struct e_model *m)
{
	if (!m)
		return;
	cJSON_Delete(m->root);
	free(m);
}

/* A non-empty string field of object o, or NULL. */
static const char *str_field(const cJSON *o, const char *name)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(s) && s->valuestring[0] ? s->valuestring : NULL;
}

/* Check one coefficient object; 0, or MMF_ERR_ARG with the message naming it. */
static int check_coef(const char *what, const char *fam, const cJSON *c)
{
	static const char *const kinds[] = { "measured", "derived", "guessed" };
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "value");
	const char *kind = str_field(c, "kind"), *missing = NULL;
	unsigned i;

	if (!cJSON_IsObject(c))
		missing = "an object";
	else if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
		missing = "a \"value\" (a number >= 0)";
	else if (!str_field(c, "unit"))
		missing = "a \"unit\"";
	else if (!kind)
		missing = "a \"kind\"";
	else if (!str_field(c, "source"))
		missing = "a \"source\"";
	else if (!str_field(c, "derivation"))
		missing = "a \"derivation\"";
	if (missing) {
		mmfi_msg(g_err, sizeof(g_err), "%s: families.%s.coefficients.%s: not %s", what, fam,
			 c->string ? c->string : "?", missing);
		return MMF_ERR_ARG;
	}
	for (i = 0; i < 3; i++)
		if (!strcmp(kind, kinds[i]))
			return MMF_OK;
	mmfi_msg(g_err, sizeof(g_err), "%s: families.%s.coefficients.%s: kind \"%s\" is none of measured, "
		 "derived, guessed", what, fam, c->string, kind);
	return MMF_ERR_ARG;
}

/* The value of coefficient `name` with unit `unit` in coefs; 0, or MMF_ERR_ARG naming what is wrong. */
static int get_coef(const char *what, const char *fam, const cJSON *coefs, const char *name,
		    const char *unit, double *out)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(coefs, name);
	const char *u;

	if (!c) {
		mmfi_msg(g_err, sizeof(g_err), "%s: families.%s.coefficients: no \"%s\" (the model needs it)",
			 what, fam, name);
		return MMF_ERR_ARG;
	}
	u = str_field(c, "unit");
	if (strcmp(u, unit)) {
		mmfi_msg(g_err, sizeof(g_err), "%s: families.%s.coefficients.%s: unit \"%s\", expected \"%s\"",
			 what, fam, name, u, unit);
		return MMF_ERR_ARG;
	}
	*out = cJSON_GetObjectItemCaseSensitive(c, "value")->valuedouble;
	return MMF_OK;
}

/* One family section into f; 0 or MMF_ERR_ARG. */
static int parse_family(const char *what, const cJSON *fj, struct e_family *f)
{
	const cJSON *coefs = cJSON_GetObjectItemCaseSensitive(fj, "coefficients"), *c;
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(fj, "cells_total");
	char name[64];
	unsigned i, j;
	int r;

	f->name = fj->string;
	if (!cJSON_IsObject(fj) || !cJSON_IsNumber(total) || total->valuedouble < 1 ||
	    total->valuedouble > 1e7 || !cJSON_IsObject(coefs)) {
		mmfi_msg(g_err, sizeof(g_err), "%s: families.%s: needs \"cells_total\" (a number) and "
			 "\"coefficients\" (an object)", what, f->name);
		return MMF_ERR_ARG;
	}
	f->cells_total = (uint32_t)total->valuedouble;
	cJSON_ArrayForEach(c, coefs) {
		r = check_coef(what, f->name, c);
		if (r)
			return r;
	}
	for (i = 0; i < K_N; i++) {
		r = get_coef(what, f->name, coefs, k_keys[i].name, k_keys[i].unit, &f->k[i]);
		if (r)
			return r;
	}
	for (i = 0; i < F_N; i++)
		for (j = 0; j < E_N_FORMATS; j++) {
			snprintf(name, sizeof(name), "%s%s", f_keys[i].prefix, mmf_format_name(j));
			r = get_coef(what, f->name, coefs, name, f_keys[i].unit, &f->f[i][j]);
			if (r)
				return r;
		}
	return MMF_OK;
}

/* The boards section into m (after the families); 0 or MMF_ERR_ARG. */
static int parse_boards(const char *what, const cJSON *boards, struct e_model *m)
{
	const cJSON *bj, *pll;
	const char *fam;
	int i;

	cJSON_ArrayForEach(bj, boards) {
		struct e_board *b = &m->board[m->n_board];

		if (m->n_board == E_MAX_BOARDS) {
			mmfi_msg(g_err, sizeof(g_err), "%s: more than %d boards", what, E_MAX_BOARDS);
			return MMF_ERR_ARG;
		}
		fam = str_field(bj, "family");
		pll = cJSON_GetObjectItemCaseSensitive(bj, "pll");
		if (!fam || !cJSON_IsBool(pll)) {
			mmfi_msg(g_err, sizeof(g_err), "%s: boards.%s: needs \"family\" (a string) and \"pll\" "
				 "(true or false)", what, bj->string);
			return MMF_ERR_ARG;
		}
		b->name = bj->string;
		b->pll = cJSON_IsTrue(pll);
		b->family = -1;
		for (i = 0; i < m->n_fam; i++)
			if (!strcmp(m->fam[i].name, fam))
				b->family = i;
		if (b->family < 0) {
			mmfi_msg(g_err, sizeof(g_err), "%s: boards.%s: family \"%s\" is not in \"families\"",
				 what, b->name, fam);
			return MMF_ERR_ARG;
		}
		m->n_board++;
	}
	return MMF_OK;
}

/* Parse and check a whole file's text; what names it in messages. */
static int model_parse(const char *what, const char *text, struct e_model **out)
{
	struct e_model *m = calloc(1, sizeof(*m));
	const cJSON *schema, *fams, *boards, *fj;
	int r = MMF_ERR_ARG;

	if (!m) {
		mmfi_msg(g_err, sizeof(g_err), "%s: out of memory", what);
		return MMF_ERR_NOMEM;
	}
	m->root = cJSON_Parse(text);
	if (!m->root) {
		mmfi_msg(g_err, sizeof(g_err), "%s: not valid JSON (near \"%.24s\")", what,
			 cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
		goto fail;
	}
	schema = cJSON_GetObjectItemCaseSensitive(m->root, "schema");
	fams = cJSON_GetObjectItemCaseSensitive(m->root, "families");
	boards = cJSON_GetObjectItemCaseSensitive(m->root, "boards");
	if (!cJSON_IsNumber(schema) || schema->valuedouble != 1) {
		mmfi_msg(g_err, sizeof(g_err), "%s: \"schema\" is not 1 (this library reads schema 1)", what);
		goto fail;
	}
	if (!cJSON_IsObject(fams) || !cJSON_IsObject(boards) || !fams->child) {
		mmfi_msg(g_err, sizeof(g_err), "%s: needs \"families\" (at least one) and \"boards\" objects",
			 what);
		goto fail;
	}
	cJSON_ArrayForEach(fj, fams) {
		if (m->n_fam == E_MAX_FAMILIES) {
			mmfi_msg(g_err, sizeof(g_err), "%s: more than %d families", what, E_MAX_FAMILIES);
			goto fail;
		}
		r = parse_family(what, fj, &m->fam[m->n_fam]);
		if (r)
			goto fail;
		m->n_fam++;
	}
	r = parse_boards(what, boards, m);
	if (r)
		goto fail;
	*out = m;
	return MMF_OK;
fail:
	model_free(m);
	return r ? r : MMF_ERR_ARG;
}

/* The model in use, parsing the built-in data on first use; NULL if that fails (a build error). */
static struct e_model *model(void)
{
	if (!g_model && model_parse("built-in boards/energy.json", (const char *)mmfi_energy_json, &g_model))
		g_model = NULL;
	return g_model;
}

int mmf_energy_load(const char *path)
{
	struct e_model *m = NULL;
	FILE *f;
	char *text;
	long n;
	int r;

	if (!path) {
		r = model_parse("built-in boards/energy.json", (const char *)mmfi_energy_json, &m);
		if (r)
			return r;
		model_free(g_model);
		g_model = m;
		return MMF_OK;
	}
	if ((r = mmfi_in_fopen(path, NULL, &f, g_err, sizeof(g_err))))
		return r;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > E_MAX_FILE || fseek(f, 0, SEEK_SET)) {
		mmfi_msg(g_err, sizeof(g_err), "%s: cannot read it, or larger than %d bytes", path, E_MAX_FILE);
		fclose(f);
		return MMF_ERR_IO;
	}
	text = malloc((size_t)n + 1);
	if (!text) {
		fclose(f);
		mmfi_msg(g_err, sizeof(g_err), "%s: out of memory (%ld bytes)", path, n + 1);
		return MMF_ERR_NOMEM;
	}
	if (fread(text, 1, (size_t)n, f) != (size_t)n) {
		mmfi_msg(g_err, sizeof(g_err), "%s: read failed", path);
		r = MMF_ERR_IO;
		goto out;
	}
	text[n] = '\0';
	r = model_parse(path, text, &m);
	if (r)
		goto out;
	model_free(g_model);
	g_model = m;
out:
	free(text);
	fclose(f);
	return r;
}

int mmf_energy_coefficient(unsigned index, struct mmf_energy_coef *out)
{
	struct e_model *m = model();
	const cJSON *fj, *c;
	unsigned i = 0;

	if (!m || !out) {
		mmfi_msg(g_err, sizeof(g_err), "mmf_energy_coefficient: %s", m ? "out is NULL" :
			 "the built-in coefficients do not parse");
		return MMF_ERR_ARG;
	}
	cJSON_ArrayForEach(fj, cJSON_GetObjectItemCaseSensitive(m->root, "families")) {
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(fj, "coefficients")) {
			if (i++ != index)
				continue;
			out->family = fj->string;
			out->name = c->string;
			out->value = cJSON_GetObjectItemCaseSensitive(c, "value")->valuedouble;
			out->unit = str_field(c, "unit");
			out->kind = str_field(c, "kind");
			out->source = str_field(c, "source");
			out->derivation = str_field(c, "derivation");
			return MMF_OK;
		}
	}
	mmfi_msg(g_err, sizeof(g_err), "mmf_energy_coefficient: index %u past the last (%u)", index, i);
	return MMF_ERR_ARG;
}

/* ---- counters -------------------------------------------------------------------------------- */

void mmf_counters_accumulate(struct mmf_counter_totals *t, const uint32_t prev[MMF_NUM_COUNTERS],
			     const uint32_t now[MMF_NUM_COUNTERS])
{
	static const uint32_t zero[MMF_NUM_COUNTERS];
	uint64_t m0, m1;
	unsigned e;

	if (!t || !now)
		return;
	if (!prev)
		prev = zero;
/* a u32 counter's difference, modulo 2^32: right across one wrap */
#define D(i) ((uint64_t)(uint32_t)(now[i] - prev[i]))
	t->cycles += D(MMF_COUNTER_CYCLES);
	for (e = 0; e < 3; e++)
		t->busy[e] += D(MMF_COUNTER_BUSY0 + e);
	t->bytes_in += D(MMF_COUNTER_BYTES_IN);
	t->bytes_out += D(MMF_COUNTER_BYTES_OUT);
	t->crc_errors += D(MMF_COUNTER_CRC_ERRORS);
	t->naks += D(MMF_COUNTER_NAKS);
	t->executed += D(MMF_COUNTER_EXECUTED);
	t->repeats += D(MMF_COUNTER_REPEATS);
#undef D
	m0 = (uint64_t)prev[MMF_COUNTER_MACS_HI] << 32 | prev[MMF_COUNTER_MACS_LO];
	m1 = (uint64_t)now[MMF_COUNTER_MACS_HI] << 32 | now[MMF_COUNTER_MACS_LO];
	t->macs += m1 - m0;
}

/* ---- the estimate ---------------------------------------------------------------------------- */

/* The board entry for INFO's board id, or -1 after a message. */
static int find_board(const struct e_model *m, unsigned board_id)
{
	const char *name = mmf_board_name(board_id);
	int i;

	for (i = 0; i < m->n_board; i++)
		if (!strcmp(m->board[i].name, name))
			return i;
	mmfi_msg(g_err, sizeof(g_err), "energy estimate: board id %u (%s) has no entry in the coefficient "
		 "data's \"boards\"", board_id, name);
	return -1;
}

int mmf_energy_estimate_totals(const struct mmf_info *info, const struct mmf_counter_totals *t,
			       const struct mmf_energy_params *p, struct mmf_energy *e)
{
	static const struct mmf_energy_params defaults;
	const struct e_model *m = model();
	const struct e_family *f;
	double seconds, weight[3], wsum = 0, cells;
	unsigned n_eng, i, fmt;
	int b, fi;

	if (!info || !t || !e || !m) {
		mmfi_msg(g_err, sizeof(g_err), "energy estimate: %s", !m ?
			 "the built-in coefficients do not parse" : "info, counters and result must not be NULL");
		return MMF_ERR_ARG;
	}
	if (!p)
		p = &defaults;
	if (!info->clock_hz) {
		mmfi_msg(g_err, sizeof(g_err), "energy estimate: the board reports a clock of 0 Hz");
		return MMF_ERR_ARG;
	}
	b = find_board(m, info->board_id);
	if (b < 0)
		return MMF_ERR_ARG;
	fi = m->board[b].family;
	if (p->family) {
		for (fi = 0; fi < m->n_fam && strcmp(m->fam[fi].name, p->family); fi++)
			;
		if (fi == m->n_fam) {
			mmfi_msg(g_err, sizeof(g_err), "energy estimate: family \"%s\" is not in the coefficient "
				 "data", p->family);
			return MMF_ERR_ARG;
		}
	}
	f = &m->fam[fi];
	memset(e, 0, sizeof(*e));
	n_eng = info->n_engines < 3 ? info->n_engines : 3;   /* busy counters exist for slots 0..2 */

	/* logic cells in use: given, or the SoC base plus each engine's */
	cells = f->k[K_SOC_CELLS];
	for (i = 0; i < info->n_engines && i < MMF_INFO_MAX_ENGINES; i++)
		cells += info->engine[i].format < E_N_FORMATS ? f->f[F_ENGINE_CELLS][info->engine[i].format] : 0;
	e->cells = p->cells ? p->cells : (uint32_t)cells;
	e->over_capacity = e->cells > f->cells_total;

	seconds = (double)t->cycles / info->clock_hz;
	e->seconds = seconds;
	e->static_j = f->k[K_STATIC_W] * seconds;
	e->clock_j = (double)t->cycles * f->k[K_CLOCK_J] + (m->board[b].pll && !p->no_pll ? f->k[K_PLL_W] * seconds : 0);
	e->logic_j = (double)t->cycles * e->cells * f->k[K_CELL_J];

	/* MACs are one counter for all engines: share them by what each engine could have done */
	for (i = 0; i < n_eng; i++) {
		weight[i] = (double)t->busy[i] * info->engine[i].lanes;
		wsum += weight[i];
	}
	for (i = 0; i < n_eng; i++) {
		fmt = info->engine[i].format < E_N_FORMATS ? info->engine[i].format : 0;
		e->mac_j += (wsum > 0 ? weight[i] / wsum : i == 0) * (double)t->macs * f->f[F_MAC_J][fmt];
		e->spram_j += (double)t->busy[i] * (E_SPRAM_PER_WORD * f->k[K_SPRAM_J] + f->k[K_STREAM_J]);
		e->ebr_j += (double)t->busy[i] * f->f[F_EBR_READS][fmt] * f->k[K_EBR_J];
	}
	e->link_j = (double)t->bytes_out * (f->k[K_LINK_OUT_J] + f->k[K_LINK_CORE_J]) +
		    (double)t->bytes_in * f->k[K_LINK_CORE_J];
	e->total_j = e->static_j + e->clock_j + e->logic_j + e->mac_j + e->spram_j + e->ebr_j + e->link_j;
	e->avg_w = seconds > 0 ? e->total_j / seconds : 0;
	e->macs = t->macs;
	e->j_per_mac = t->macs ? e->total_j / (double)t->macs : 0;
	e->family = f->name;
	e->board = m->board[b].name;
	e->estimate = 1;
	return MMF_OK;
}

int mmf_energy_estimate(const struct mmf_info *info, const uint32_t c[MMF_NUM_COUNTERS], struct mmf_energy *e)
{
	struct mmf_counter_totals t;

	if (!c) {
		mmfi_msg(g_err, sizeof(g_err), "energy estimate: counters must not be NULL");
		return MMF_ERR_ARG;
	}
	memset(&t, 0, sizeof(t));
	mmf_counters_accumulate(&t, NULL, c);
	return mmf_energy_estimate_totals(info, &t, NULL, e);
}

double mmf_energy_per_token(const struct mmf_energy *e, uint64_t tokens)
{
	return e && tokens ? e->total_j / (double)tokens : 0;
}

/* ---- bitstream reports ----------------------------------------------------------------------- */

int mmf_energy_cells_from_report(const char *path, uint32_t *cells)
{
	cJSON *root = NULL;
	const cJSON *v;
	char *text = NULL;
	FILE *f;
	long n;
	int r = MMF_ERR_ARG;

	if (!path || !cells) {
		mmfi_msg(g_err, sizeof(g_err), "mmf_energy_cells_from_report: path and cells must not be NULL");
		return MMF_ERR_ARG;
	}
	if ((r = mmfi_in_fopen(path, NULL, &f, g_err, sizeof(g_err))))
		return r;
	r = MMF_ERR_ARG;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > E_MAX_FILE || fseek(f, 0, SEEK_SET) ||
	    !(text = malloc((size_t)n + 1)) || fread(text, 1, (size_t)n, f) != (size_t)n) {
		mmfi_msg(g_err, sizeof(g_err), "%s: cannot read it (or larger than %d bytes)", path, E_MAX_FILE);
		r = MMF_ERR_IO;
		goto out;
	}
	text[n] = '\0';
	root = cJSON_Parse(text);
	/* build/<board>/mmfree.json has "cells"; a nextpnr report has utilization.ICESTORM_LC.used */
	v = cJSON_GetObjectItemCaseSensitive(root, "cells");
	if (!cJSON_IsNumber(v))
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
			root, "utilization"), "ICESTORM_LC"), "used");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e7) {
		mmfi_msg(g_err, sizeof(g_err), "%s: neither \"cells\" (mmfree.json) nor utilization.ICESTORM_LC."
			 "used (nextpnr --report)", path);
		goto out;
	}
	*cells = (uint32_t)v->valuedouble;
	r = MMF_OK;
out:
	cJSON_Delete(root);
	free(text);
	fclose(f);
	return r;
}
