/*
 * model.c: load a MatMul-free LM checkpoint, quantise every BitLinear once, pack it for an engine.
 *
 * Ternary (tac, lut): gamma = max(mean |W|, 1e-5) over the whole tensor, T = clamp(round(W / gamma),
 * -1, 1), rounding half to even (as torch.round; quant.c has the rules). Shift-add (sac): a model
 * variant with power-of-two weights, alpha = max |W|, w = sign * alpha * 2^-p with p = round(-log2
 * (|W| / alpha)) in 0..6, and zero below alpha * 2^-6.5; the engine's result is 2^6 times the dot
 * product, so the scale kept is alpha / 64.
 *
 * The weights are read from the mapped checkpoint a few rows at a time and never held as floats: the
 * packed words are the only copy. Pages of the mapping are given back once a tensor is packed, so
 * the resident set stays near the packed size (docs/runtime.md has the figures).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "transport.h"

enum {
	PACK_ROWS = 256,            /* rows quantised and packed at a time */
};

static char load_err[MMFI_MODEL_ERR]; /* why the last mmf_model_load failed */

/* ---- engine choices ---------------------------------------------------------------------------- */

/* The engine choices are the engine table's rows (hls_c/mmf_engines.c): an engine is its weight
 * format's id, its name the row's choice name, the default order the row's rank. */
const char *mmf_model_engine_name(unsigned engine)
{
	return engine < MMF_N_FORMATS ? mmf_fmts[engine].choice : NULL;
}

int mmf_model_engine_rank(unsigned rank)
{
	int f;

	for (f = 0; f < MMF_N_FORMATS; f++)
		if (mmf_fmts[f].rank == rank)
			return f;
	return -1;
}

int mmfi_engine_slot(const mmf_engine_cfg_t *c, const struct mmf_info *in)
{
	uint32_t max_cols = (uint32_t)c->lanes << c->lg_act;
	int s;

	for (s = 0; s < in->n_engines; s++)
		if (in->engine[s].id == c->id && in->engine[s].format == c->format &&
		    in->engine[s].lanes == c->lanes && in->engine[s].max_cols >= max_cols)
			return s;
	return -1;
}

int mmf_model_engine_slot(const struct mmf_info *in, unsigned engine)
{
	mmf_engine_cfg_t c;
	int s;

	if (engine >= MMF_N_FORMATS)
		return MMF_ERR_ARG;
	if (!in)
		return 0;
	mmf_eng_slot((uint8_t)engine, &c);
	s = mmfi_engine_slot(&c, in);
	return s >= 0 ? s : MMF_ERR_UNSUPPORTED;
}

int mmf_model_engine_default(const struct mmf_info *in, unsigned *engine)
{
	int e;
	unsigned r;

	for (r = 0; (e = mmf_model_engine_rank(r)) >= 0; r++)
		if (mmf_model_engine_slot(in, (unsigned)e) >= 0) {
			*engine = (unsigned)e;
			return MMF_OK;
		}
	return MMF_ERR_UNSUPPORTED;
}

/* ---- small helpers ----------------------------------------------------------------------------- */

static const struct mmfi_tensor *need(mmf_model *m, const char *name)
{
	const struct mmfi_tensor *t = mmfi_ckpt_find(m->ck, name);

	if (!t)
		mmfi_msg(load_err, sizeof(load_err), "tensor %s missing", name);
	return t;
}

/* A [n] vector tensor as floats. */
static int load_vec(mmf_model *m, const char *name, int n, float **out)
{
	const struct mmfi_tensor *t = need(m, name);

	if (!t)
		return MMF_ERR_ARG;
	if (t->numel != n) {
		mmfi_msg(load_err, sizeof(load_err), "tensor %s: %lld elements, expected %d", name,
			 (long long)t->numel, n);
		return MMF_ERR_ARG;
	}
	*out = malloc((size_t)n * sizeof(float));
	if (!*out) {
		mmfi_msg(load_err, sizeof(load_err), "out of memory for %s", name);
		return MMF_ERR_NOMEM;
	}
	mmfi_tensor_read(t, 0, n, *out);
	return MMF_OK;
}

/* ---- one BitLinear ----------------------------------------------------------------------------- */

/* Pack rows [r0, r0 + nr) of tile t from the int8 codes c[nr][kc]. */
static int pack_block(mmf_model *m, struct mmfi_qlin *q, uint32_t t, uint32_t r0, uint32_t nr,
		      uint32_t kc, const int8_t *c)
{
	uint32_t wpr = mmf_words_per_row(kc, m->eng.lanes);
	uint64_t *out = q->words + q->tile_off[t] + (uint64_t)r0 * wpr;
	uint32_t room = nr * wpr;
	int32_t got;

	got = mmf_eng_pack(m->eng.format, m->eng.lanes, c, nr, kc, out, room);
	if (got != (int32_t)room) {
		mmfi_msg(load_err, sizeof(load_err), "%s: packing tile %u rows %u..%u failed", q->name, t,
			 r0, r0 + nr - 1);
		return MMF_ERR_ARG;
	}
	return MMF_OK;
}

/* Quantise and pack weight tensor `name` ([rows, cols]) with its norm `name` minus "weight" plus
 * "norm.weight". */
static int load_qlin(mmf_model *m, struct mmfi_qlin *q, const char *prefix, uint32_t rows,
		     uint32_t cols)
{
	char nname[MMFI_CKPT_NAME + 16];
	const struct mmfi_tensor *t;
	float *row = NULL;
	int8_t *codes = NULL;
	double sum = 0.0, gamma, wq;
	uint64_t off = 0;
	uint32_t r, r0, nr, k, tt, k0, kc, wpr;
	int pow2 = mmf_fmts[m->eng.format].quant == MMF_QUANT_POW2;
	int r_ = MMF_OK;

	snprintf(q->name, sizeof(q->name), "%s.weight", prefix);
	snprintf(nname, sizeof(nname), "%s.norm.weight", prefix);
	q->rows = rows;
	q->cols = cols;
	t = need(m, q->name);
	if (!t)
		return MMF_ERR_ARG;
	if (t->numel != (int64_t)rows * cols) {
		mmfi_msg(load_err, sizeof(load_err), "tensor %s: %lld elements, expected %u x %u", q->name,
			 (long long)t->numel, rows, cols);
		return MMF_ERR_ARG;
	}
	r_ = load_vec(m, nname, (int)cols, &q->norm);
	if (r_)
		return r_;
	/* tiles of K */
	q->tile_cols = ((uint32_t)m->eng.lanes << m->eng.lg_act) / m->eng.lanes * m->eng.lanes;
	if (q->tile_cols > cols)
		q->tile_cols = cols;
	q->n_tiles = (cols + q->tile_cols - 1) / q->tile_cols;
	q->tile_off = calloc(q->n_tiles, sizeof(*q->tile_off));
	row = malloc((size_t)cols * sizeof(float));
	codes = malloc((size_t)PACK_ROWS * q->tile_cols);
	if (!q->tile_off || !row || !codes)
		goto nomem;
	for (tt = 0; tt < q->n_tiles; tt++) {
		k0 = tt * q->tile_cols;
		kc = cols - k0 < q->tile_cols ? cols - k0 : q->tile_cols;
		q->tile_off[tt] = off;
		off += (uint64_t)rows * mmf_words_per_row(kc, m->eng.lanes);
	}
	q->n_words = off;
	q->words = malloc(off * sizeof(uint64_t));
	if (!q->words)
		goto nomem;

	/* the scale: absmean (ternary) or absmax (power of two), over the whole tensor */
	for (r = 0; r < rows; r++) {
		mmfi_tensor_read(t, (int64_t)r * cols, cols, row);
		for (k = 0; k < cols; k++) {
			double a = fabs((double)row[k]);
			if (pow2)
				sum = a > sum ? a : sum;
			else
				sum += a;
			q->norm2 += (double)row[k] * row[k];
		}
	}
	if (pow2) {
		gamma = sum > 0 ? sum : 1e-5;
		q->scale = (float)(gamma / 64.0);
	} else {
		gamma = sum / ((double)rows * cols);
		gamma = gamma > 1e-5 ? gamma : 1e-5;
		q->scale = (float)gamma;
	}

	/* codes, PACK_ROWS rows of one tile at a time */
	for (tt = 0; tt < q->n_tiles; tt++) {
		k0 = tt * q->tile_cols;
		kc = cols - k0 < q->tile_cols ? cols - k0 : q->tile_cols;
		wpr = mmf_words_per_row(kc, m->eng.lanes);
		(void)wpr;
		for (r0 = 0; r0 < rows; r0 += nr) {
			nr = rows - r0 < PACK_ROWS ? rows - r0 : PACK_ROWS;
			for (r = 0; r < nr; r++) {
				mmfi_tensor_read(t, (int64_t)(r0 + r) * cols + k0, kc, row);
				for (k = 0; k < kc; k++) {
					int8_t c;
					if (pow2) {
						c = (int8_t)mmfi_quant_sac(row[k], gamma, &wq);
					} else {
						c = mmfi_quant_ternary(row[k], gamma);
						wq = c * gamma;
					}
					codes[(size_t)r * kc + k] = c;
					q->err2 += (row[k] - wq) * (row[k] - wq);
				}
			}
			r_ = pack_block(m, q, tt, r0, nr, kc, codes);
			if (r_)
				goto out;
		}
	}
	mmfi_tensor_release(t);
	goto out;
nomem:
	mmfi_msg(load_err, sizeof(load_err), "out of memory quantising %s (%u x %u)", q->name, rows, cols);
	r_ = MMF_ERR_NOMEM;
out:
	free(row);
	free(codes);
	return r_;
}

static void free_qlin(struct mmfi_qlin *q)
{
	free(q->norm);
	free(q->words);
	free(q->tile_off);
}

/* ---- the model --------------------------------------------------------------------------------- */

/* lb = softmax(model.lower_bounds, over layers); lb = cumsum(lb) - lb[0]: layer l gets lb[l]. */
static int load_lower_bounds(mmf_model *m)
{
	const struct mmfi_tensor *t = need(m, "model.lower_bounds");
	float *raw;
	double *cum;
	int l, j;

	if (!t)
		return MMF_ERR_ARG;
	raw = malloc((size_t)m->L * m->d * sizeof(float));
	cum = calloc((size_t)m->d, sizeof(double));
	if (!raw || !cum) {
		free(raw);
		free(cum);
		mmfi_msg(load_err, sizeof(load_err), "out of memory for model.lower_bounds");
		return MMF_ERR_NOMEM;
	}
	mmfi_tensor_read(t, 0, (int64_t)m->L * m->d, raw);
	for (j = 0; j < m->d; j++) {
		double mx = -INFINITY, z = 0.0, first = 0.0;
		for (l = 0; l < m->L; l++)
			mx = raw[l * m->d + j] > mx ? raw[l * m->d + j] : mx;
		for (l = 0; l < m->L; l++)
			z += exp(raw[l * m->d + j] - mx);
		for (l = 0; l < m->L; l++) {
			double p = exp(raw[l * m->d + j] - mx) / z;
			if (l == 0)
				first = p;
			cum[j] += p;
			m->layer[l].lower_bound[j] = (float)(cum[j] - first);
		}
	}
	free(raw);
	free(cum);
	return MMF_OK;
}

int mmf_model_load(const char *dir, const struct mmf_model_opts *o, mmf_model **out)
{
	char name[MMFI_CKPT_NAME];
	mmf_model *m;
	unsigned e = o ? o->engine : MMF_FMT_TAC5;
	uint64_t total, done = 0;
	int l, r;

	if (!out || !dir) {
		mmfi_msg(load_err, sizeof(load_err), "mmf_model_load: dir or out is NULL");
		return MMF_ERR_ARG;
	}
	*out = NULL;
	if (e >= MMF_N_FORMATS) {
		mmfi_msg(load_err, sizeof(load_err), "engine %u: no such engine (a weight format, 0..%d)", e,
			 MMF_N_FORMATS - 1);
		return MMF_ERR_ARG;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		mmfi_msg(load_err, sizeof(load_err), "out of memory");
		return MMF_ERR_NOMEM;
	}
	mmf_eng_slot((uint8_t)e, &m->eng);
	r = mmfi_ckpt_open(dir, &m->ck, load_err, sizeof(load_err));
	if (r)
		goto fail;
	m->d = m->ck->cfg.hidden;
	m->L = m->ck->cfg.layers;
	m->V = m->ck->cfg.vocab;
	m->I = m->ck->cfg.intermediate;
	m->eps = m->ck->cfg.rms_norm_eps;
	/* no tokenizer.json and too small a vocabulary for bytes: ids only (--prompt-ids) */
	snprintf(name, sizeof(name), "%s/tokenizer.json", dir);
	if (m->V < 259 && access(name, F_OK)) {
		m->tok_kind = "none";
	} else {
		r = mmfi_tok_load(dir, m->V, &m->tok, &m->tok_kind, load_err, sizeof(load_err));
		if (r)
			goto fail;
	}
	for (l = 0; l < m->ck->n_tensors; l++)
		m->params += (uint64_t)m->ck->tensors[l].numel;
	m->emb = need(m, "model.embeddings.weight");
	m->layer = calloc((size_t)m->L, sizeof(*m->layer));
	if (!m->emb || !m->layer) {
		r = m->emb ? MMF_ERR_NOMEM : MMF_ERR_ARG;
		if (!m->layer)
			mmfi_msg(load_err, sizeof(load_err), "out of memory");
		goto fail;
	}
	total = (uint64_t)m->L * ((uint64_t)4 * m->d * m->d + 3ull * m->I * m->d) + (uint64_t)m->V * m->d;
	for (l = 0; l < m->L; l++) {
		struct mmfi_qlayer *ly = &m->layer[l];
		uint32_t d = (uint32_t)m->d, I = (uint32_t)m->I;
		ly->lower_bound = calloc((size_t)m->d, sizeof(float));
		if (!ly->lower_bound) {
			r = MMF_ERR_NOMEM;
			mmfi_msg(load_err, sizeof(load_err), "out of memory");
			goto fail;
		}
#define LAYER_VEC(field, suffix)                                                                     \
	snprintf(name, sizeof(name), "model.layers.%d." suffix, l);                                  \
	r = load_vec(m, name, m->d, &ly->field);                                                     \
	if (r)                                                                                       \
		goto fail;
		LAYER_VEC(attn_norm, "attn_norm.weight")
		LAYER_VEC(mlp_norm, "mlp_norm.weight")
		LAYER_VEC(g_norm, "attn.g_norm.weight")
#undef LAYER_VEC
#define LAYER_LIN(field, suffix, rows, cols)                                                         \
	snprintf(name, sizeof(name), "model.layers.%d." suffix, l);                                  \
	r = load_qlin(m, &ly->field, name, rows, cols);                                              \
	if (r)                                                                                       \
		goto fail;                                                                           \
	done += (uint64_t)(rows) * (cols);                                                           \
	if (o && o->progress)                                                                        \
		o->progress(o->progress_user, done, total);
		LAYER_LIN(i_proj, "attn.i_proj", d, d)
		LAYER_LIN(f_proj, "attn.f_proj", d, d)
		LAYER_LIN(g_proj, "attn.g_proj", d, d)
		LAYER_LIN(o_proj, "attn.o_proj", d, d)
		LAYER_LIN(gate_proj, "mlp.gate_proj", 2 * I, d)
		LAYER_LIN(down_proj, "mlp.down_proj", d, I)
#undef LAYER_LIN
	}
	r = load_lower_bounds(m);
	if (!r)
		r = load_vec(m, "model.norm.weight", m->d, &m->final_norm);
	if (!r)
		r = load_qlin(m, &m->lm_head, "lm_head", (uint32_t)m->V, (uint32_t)m->d);
	if (r)
		goto fail;
	if (o && o->progress)
		o->progress(o->progress_user, total, total);
	r = mmfi_model_alloc_run(m);
	if (r) {
		mmfi_msg(load_err, sizeof(load_err), "out of memory for the work vectors");
		goto fail;
	}
	mmf_model_attach(m, NULL);      /* the host kernels until a board is attached */
	*out = m;
	return MMF_OK;
fail:
	mmf_model_free(m);
	return r;
}

void mmf_model_free(mmf_model *m)
{
	int l;

	if (!m)
		return;
	mmfi_model_free_run(m);
	if (m->layer) {
		for (l = 0; l < m->L; l++) {
			struct mmfi_qlayer *ly = &m->layer[l];
			free(ly->attn_norm);
			free(ly->mlp_norm);
			free(ly->g_norm);
			free(ly->lower_bound);
			free_qlin(&ly->i_proj);
			free_qlin(&ly->f_proj);
			free_qlin(&ly->g_proj);
			free_qlin(&ly->o_proj);
			free_qlin(&ly->gate_proj);
			free_qlin(&ly->down_proj);
		}
	}
	free(m->layer);
	free(m->final_norm);
	free_qlin(&m->lm_head);
	mmfi_tok_free(m->tok);
	mmfi_ckpt_close(m->ck);
	free(m);
}

const char *mmf_model_error(const mmf_model *m)
{
	return m ? m->err : load_err;
}

/* Every BitLinear of the model, in the order a token meets them (lm_head last). */
int mmfi_model_lins(mmf_model *m, struct mmfi_qlin **v, int max)
{
	int n = 0, l;

	for (l = 0; l < m->L && n + 6 <= max; l++) {
		v[n++] = &m->layer[l].i_proj;
		v[n++] = &m->layer[l].f_proj;
		v[n++] = &m->layer[l].g_proj;
		v[n++] = &m->layer[l].o_proj;
		v[n++] = &m->layer[l].gate_proj;
		v[n++] = &m->layer[l].down_proj;
	}
	if (n < max)
		v[n++] = &m->lm_head;
	return n;
}

int mmf_model_describe(const mmf_model *m, struct mmf_model_desc *d)
{
	struct mmfi_qlin *v[6 * 1024 + 1];
	double e2 = 0, n2 = 0;
	int n, i;

	if (!m || !d)
		return MMF_ERR_ARG;
	memset(d, 0, sizeof(*d));
	d->hidden = m->d;
	d->layers = m->L;
	d->vocab = m->V;
	d->intermediate = m->I;
	d->params = m->params;
	n = mmfi_model_lins((mmf_model *)m, v, (int)(sizeof(v) / sizeof(v[0])));
	for (i = 0; i < n; i++) {
		d->matvec_weights += (uint64_t)v[i]->rows * v[i]->cols;
		d->packed_words += v[i]->n_words;
		e2 += v[i]->err2;
		n2 += v[i]->norm2;
	}
	d->quant_error = n2 > 0 ? sqrt(e2 / n2) : 0.0;
	d->tokenizer = m->tok_kind;
	d->engine = m->eng.id;
	d->format = m->eng.format;
	d->bos = m->tok ? mmfi_tok_bos(m->tok) : m->ck->cfg.bos_token_id;
	d->eos = m->tok ? mmfi_tok_eos(m->tok) : m->ck->cfg.eos_token_id;
	return MMF_OK;
}

int mmf_model_encode(const mmf_model *m, const char *text, int add_bos, int32_t *ids, int max, int *n)
{
	if (!m || !text || !n)
		return MMF_ERR_ARG;
	if (!m->tok) {
		mmfi_msg(((mmf_model *)m)->err, sizeof(m->err), "the model has no tokenizer (no "
			 "tokenizer.json, vocabulary under 259): give token ids");
		return MMF_ERR_UNSUPPORTED;
	}
	return mmfi_tok_encode(m->tok, text, add_bos, ids, max, n);
}

int mmf_model_decode(const mmf_model *m, int32_t prev, int32_t id, char *buf, size_t len)
{
	int n;

	if (!m || !buf || !len)
		return 0;
	if (!m->tok)
		n = snprintf(buf, len, "[%d]", id);   /* no tokenizer: the id itself */
	else
		n = mmfi_tok_decode(m->tok, prev, id, buf, len);
	if (n < 0)
		buf[0] = '\0';
	/* a piece longer than buf was cut short: say what buf holds */
	return n < 0 ? 0 : (size_t)n >= len ? (int)len - 1 : n;
}
