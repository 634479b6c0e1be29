/*
 * model_run.c: one token through the MatMul-free LM (docs/model.md), the host's float32 part and the
 * engine's integer part.
 *
 * The host computes norms, activation quantisation, sigmoid/SiLU, the recurrence, the GLU product
 * and the residuals in float32 (sums of squares accumulate in double); every BitLinear's integer
 * product runs on the engine, on a board or with the hls_c kernels. The integers are exact on every
 * path and the float code is the same, so a model gives identical logits on `cpu` and on a board.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "model.h"
#include "transport.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- buffers ----------------------------------------------------------------------------------- */

int mmfi_model_alloc_run(mmf_model *m)
{
	size_t wide = (size_t)m->d;

	if ((size_t)2 * m->I > wide)
		wide = (size_t)2 * m->I;
	if ((size_t)m->V > wide)
		wide = (size_t)m->V;
	m->state = calloc((size_t)m->L * m->d, sizeof(float));
	m->x = malloc(m->d * sizeof(float));
	m->h = malloc(m->d * sizeof(float));
	m->i = malloc(m->d * sizeof(float));
	m->f = malloc(m->d * sizeof(float));
	m->g = malloc(m->d * sizeof(float));
	m->o = malloc(m->d * sizeof(float));
	m->y = malloc(m->d * sizeof(float));
	m->ab = malloc((size_t)2 * m->I * sizeof(float));
	m->m = malloc((size_t)m->I * sizeof(float));
	m->nrm = malloc(wide * sizeof(float));
	m->q = malloc(wide);
	m->acc = malloc(wide * sizeof(int32_t));
	m->part = malloc(wide * sizeof(int32_t));
	if (!m->state || !m->x || !m->h || !m->i || !m->f || !m->g || !m->o || !m->y || !m->ab ||
	    !m->m || !m->nrm || !m->q || !m->acc || !m->part)
		return MMF_ERR_NOMEM;
	return MMF_OK;
}

void mmfi_model_free_run(mmf_model *m)
{
	free(m->state);
	free(m->x);
	free(m->h);
	free(m->i);
	free(m->f);
	free(m->g);
	free(m->o);
	free(m->y);
	free(m->ab);
	free(m->m);
	free(m->nrm);
	free(m->q);
	free(m->acc);
	free(m->part);
}

/* ---- the engine: host kernels or a board ------------------------------------------------------- */

static int kernel_load(mmf_model *m, const int8_t *x, uint32_t k)
{
	switch (m->eng.id) {
	case MMF_ENGINE_TAC: return tac_load(&m->k.tac, x, k);
	case MMF_ENGINE_LUT: return lut_load(&m->k.lut, x, k);
	default: return sac_load(&m->k.sac, x, k);
	}
}

static uint32_t kernel_matvec(mmf_model *m, const uint64_t *w, uint32_t n, int32_t *y)
{
	switch (m->eng.id) {
	case MMF_ENGINE_TAC: return tac_matvec(&m->k.tac, w, n, y);
	case MMF_ENGINE_LUT: return lut_matvec(&m->k.lut, w, n, y);
	default: return sac_matvec(&m->k.sac, w, n, y);
	}
}

/* Rows of tile t of q that one RUN takes: the result buffer, and when streaming the buffer space. */
static uint32_t run_rows(const mmf_model *m, uint32_t wpr)
{
	uint32_t r = m->res_rows;

	if (!m->resident && m->stream_words / wpr < r)
		r = m->stream_words / wpr;
	return r;
}

/* acc[rows] = the integer products of q's codes with the int8 activations m->q[cols]. */
static int matvec(mmf_model *m, struct mmfi_qlin *q)
{
	uint32_t t, k0, kc, wpr, r0, nr, per, got;
	uint16_t rows;
	uint64_t off;
	int r;

	memset(m->acc, 0, q->rows * sizeof(int32_t));
	for (t = 0; t < q->n_tiles; t++) {
		k0 = t * q->tile_cols;
		kc = q->cols - k0 < q->tile_cols ? q->cols - k0 : q->tile_cols;
		wpr = mmf_words_per_row(kc, m->eng.lanes);
		off = q->tile_off[t];
		m->st.matvecs++;
		m->st.macs += (uint64_t)kc * q->rows;
		if (!m->b) {
			if (kernel_load(m, m->q + k0, kc))
				goto bad_tile;
			got = kernel_matvec(m, q->words + off, q->rows * wpr, m->part);
			if (got != q->rows)
				goto bad_tile;
			for (r0 = 0; r0 < q->rows; r0++)
				m->acc[r0] += m->part[r0];
			continue;
		}
		r = mmf_load_act(m->b, (unsigned)m->slot, m->q + k0, kc);
		if (r)
			goto board_fail;
		per = run_rows(m, wpr);
		for (r0 = 0; r0 < q->rows; r0 += nr) {
			uint32_t base = q->base + (uint32_t)off + r0 * wpr;
			nr = q->rows - r0 < per ? q->rows - r0 : per;
			if (!m->resident) {
				base = 0;
				r = mmf_write_mem(m->b, 0, q->words + off + (uint64_t)r0 * wpr, nr * wpr);
				if (r)
					goto board_fail;
				m->st.upload_words += nr * wpr;
			}
			r = mmf_run(m->b, (unsigned)m->slot, base, nr * wpr, &rows);
			if (r)
				goto board_fail;
			if (rows != nr) {
				mmfi_msg(m->err, sizeof(m->err), "%s tile %u rows %u..: board produced %u rows, "
					 "expected %u", q->name, t, r0, rows, nr);
				return MMF_ERR_PROTOCOL;
			}
			r = mmf_read_res(m->b, 0, nr, m->part);
			if (r)
				goto board_fail;
			for (got = 0; got < nr; got++)
				m->acc[r0 + got] += m->part[got];
		}
	}
	return MMF_OK;
bad_tile:
	mmfi_msg(m->err, sizeof(m->err), "%s tile %u: the host kernel refused it", q->name, t);
	return MMF_ERR_ARG;
board_fail:
	mmfi_msg(m->err, sizeof(m->err), "%s tile %u: %s", q->name, t, mmf_board_error(m->b));
	return r;
}

/* ---- float32 pieces ---------------------------------------------------------------------------- */

static void rmsnorm(float *out, const float *v, const float *w, int n, float eps)
{
	double ss = 0.0;
	float inv;
	int j;

	for (j = 0; j < n; j++)
		ss += (double)v[j] * v[j];
	inv = (float)(1.0 / sqrt(ss / n + eps));
	for (j = 0; j < n; j++)
		out[j] = v[j] * inv * w[j];
}

static float sigmoidf_(float z)
{
	return 1.0f / (1.0f + expf(-z));
}

static float siluf_(float z)
{
	return z * sigmoidf_(z);
}

/* out[rows] = BitLinear(v): its RMSNorm (eps 1e-6), int8 activations, the engine, the two scales. */
static int bitlinear(mmf_model *m, struct mmfi_qlin *q, const float *v, float *out)
{
	float sx;
	uint32_t j;
	double t0 = now_s(), t1;
	int r;

	rmsnorm(m->nrm, v, q->norm, (int)q->cols, 1e-6f);
	sx = mmfi_quant_act(m->nrm, q->cols, m->q);   /* ties away from zero (quant.c) */
	t1 = now_s();
	m->st.host_s += t1 - t0;
	r = matvec(m, q);
	t0 = now_s();
	m->st.engine_s += t0 - t1;
	if (r)
		return r;
	for (j = 0; j < q->rows; j++)
		out[j] = (float)m->acc[j] * q->scale / sx;
	m->st.host_s += now_s() - t0;
	return MMF_OK;
}

/* ---- the model --------------------------------------------------------------------------------- */

int mmf_model_reset(mmf_model *m)
{
	if (!m)
		return MMF_ERR_ARG;
	memset(m->state, 0, (size_t)m->L * m->d * sizeof(float));
	return MMF_OK;
}

int mmf_model_step(mmf_model *m, int32_t token, float *logits)
{
	const int d = m->d, I = m->I;
	double t0;
	int l, j, r;

	if (token < 0 || token >= m->V) {
		mmfi_msg(m->err, sizeof(m->err), "token %d outside the vocabulary (0..%d)", token, m->V - 1);
		return MMF_ERR_ARG;
	}
	mmfi_tensor_read(m->emb, (int64_t)token * d, d, m->x);
	for (l = 0; l < m->L; l++) {
		struct mmfi_qlayer *ly = &m->layer[l];
		float *s = m->state + (size_t)l * d;

		t0 = now_s();
		rmsnorm(m->h, m->x, ly->attn_norm, d, m->eps);
		m->st.host_s += now_s() - t0;
		if ((r = bitlinear(m, &ly->i_proj, m->h, m->i)) || (r = bitlinear(m, &ly->f_proj, m->h, m->f)) ||
		    (r = bitlinear(m, &ly->g_proj, m->h, m->g)))
			return r;
		t0 = now_s();
		for (j = 0; j < d; j++) {
			float f = sigmoidf_(m->f[j]), c;
			if (l > 0)
				f = ly->lower_bound[j] + (1.0f - ly->lower_bound[j]) * f;
			c = siluf_(m->i[j]) * (1.0f - f);
			s[j] = f * s[j] + c;
		}
		rmsnorm(m->o, m->g, ly->g_norm, d, m->eps);
		for (j = 0; j < d; j++)
			m->o[j] *= siluf_(s[j]);
		m->st.host_s += now_s() - t0;
		if ((r = bitlinear(m, &ly->o_proj, m->o, m->y)))
			return r;
		t0 = now_s();
		for (j = 0; j < d; j++)
			m->x[j] += m->y[j];
		rmsnorm(m->h, m->x, ly->mlp_norm, d, m->eps);
		m->st.host_s += now_s() - t0;
		if ((r = bitlinear(m, &ly->gate_proj, m->h, m->ab)))
			return r;
		t0 = now_s();
		for (j = 0; j < I; j++)
			m->m[j] = siluf_(m->ab[j]) * m->ab[I + j];
		m->st.host_s += now_s() - t0;
		if ((r = bitlinear(m, &ly->down_proj, m->m, m->y)))
			return r;
		for (j = 0; j < d; j++)
			m->x[j] += m->y[j];
	}
	m->st.tokens++;
	if (!logits)
		return MMF_OK;
	t0 = now_s();
	rmsnorm(m->h, m->x, m->final_norm, d, m->eps);
	m->st.host_s += now_s() - t0;
	return bitlinear(m, &m->lm_head, m->h, logits);
}

/* ---- placement --------------------------------------------------------------------------------- */

/* One progress line for the whole placement: each tensor's write and read-back report their own
 * bytes, this adds the bytes of the transfers before them and reports over all of them. */
struct place_progress {
	mmf_progress_fn fn;         /* the caller's callback (mmf_set_progress) */
	void *user;                 /* its argument */
	uint64_t base;              /* bytes of the transfers finished before this one */
	uint64_t total;             /* bytes of the whole placement: every word written and read back */
};

static void place_step(void *user, uint64_t done, uint64_t total)
{
	struct place_progress *pp = user;

	(void)total;
	pp->fn(pp->user, pp->base + done, pp->total);
}

/* Upload every BitLinear's words one after another from address 0 and read them back. */
static int place_resident(mmf_model *m, struct mmfi_qlin **v, int n)
{
	struct place_progress pp = { NULL, NULL, 0, 0 };
	uint64_t *back = NULL, *nb;
	uint32_t addr = 0;
	int i, r = MMF_OK;

	mmfi_progress_get(m->b, &pp.fn, &pp.user);
	for (i = 0; i < n; i++)
		pp.total += 16ull * v[i]->n_words;
	if (pp.fn)
		mmf_set_progress(m->b, place_step, &pp);
	for (i = 0; i < n; i++) {
		v[i]->base = addr;
		r = mmf_write_mem(m->b, addr, v[i]->words, (uint32_t)v[i]->n_words);
		if (r)
			goto board_fail;
		pp.base += 8ull * v[i]->n_words;
		m->st.upload_words += v[i]->n_words;
		nb = realloc(back, v[i]->n_words * sizeof(uint64_t));
		if (!nb) {
			mmfi_msg(m->err, sizeof(m->err), "out of memory for the read-back of %s", v[i]->name);
			r = MMF_ERR_NOMEM;
			goto out;
		}
		back = nb;
		r = mmf_read_mem(m->b, addr, back, (uint32_t)v[i]->n_words);
		if (r)
			goto board_fail;
		pp.base += 8ull * v[i]->n_words;
		if (memcmp(back, v[i]->words, v[i]->n_words * sizeof(uint64_t))) {
			mmfi_msg(m->err, sizeof(m->err), "%s: read-back of its %llu words at address %u "
				 "differs from what was written", v[i]->name,
				 (unsigned long long)v[i]->n_words, addr);
			r = MMF_ERR_IO;
			goto out;
		}
		addr += (uint32_t)v[i]->n_words;
	}
	goto out;
board_fail:
	mmfi_msg(m->err, sizeof(m->err), "placing %s: %s", v[i]->name, mmf_board_error(m->b));
out:
	if (pp.fn)
		mmf_set_progress(m->b, pp.fn, pp.user);
	free(back);
	return r;
}

int mmf_model_attach(mmf_model *m, mmf_board *b)
{
	struct mmfi_qlin *v[6 * 1024 + 1];
	struct mmf_info in;
	uint64_t total = 0;
	uint32_t wpr_max = 0, wpr, t;
	int n, i, s;

	if (!m)
		return MMF_ERR_ARG;
	m->b = NULL;
	m->resident = 0;
	n = mmfi_model_lins(m, v, (int)(sizeof(v) / sizeof(v[0])));
	if (!b) {
		/* host kernels: the slot's configuration, the whole model "resident" */
		switch (m->eng.id) {
		case MMF_ENGINE_TAC: tac_init(&m->k.tac, mmfi_tac_fmt(&m->eng), m->eng.lanes); break;
		case MMF_ENGINE_LUT: lut_init(&m->k.lut, m->eng.lanes); break;
		default: sac_init(&m->k.sac, m->eng.lanes); break;
		}
		m->st.on_board = 0;
		m->st.resident = 1;
		return MMF_OK;
	}
	mmf_get_info(b, &in);
	s = mmfi_engine_slot(&m->eng, &in);
	if (s < 0) {
		mmfi_msg(m->err, sizeof(m->err), "the board (%s) has no %s engine with format %s, %u lanes and "
			 "K up to %u: the model is packed for that", mmf_board_name(in.board_id),
			 mmf_engine_name(m->eng.id), mmf_format_name(m->eng.format), m->eng.lanes,
			 m->eng.max_cols);
		return MMF_ERR_UNSUPPORTED;
	}
	for (i = 0; i < n; i++) {
		total += v[i]->n_words;
		for (t = 0; t < v[i]->n_tiles; t++) {
			uint32_t kc = v[i]->cols - t * v[i]->tile_cols;
			kc = kc < v[i]->tile_cols ? kc : v[i]->tile_cols;
			wpr = mmf_words_per_row(kc, m->eng.lanes);
			wpr_max = wpr > wpr_max ? wpr : wpr_max;
		}
	}
	m->b = b;
	m->slot = s;
	m->res_rows = in.res_rows;
	m->stream_words = in.wmem_words;
	if (wpr_max > in.wmem_words || !in.res_rows) {
		mmfi_msg(m->err, sizeof(m->err), "one row needs %u words; the board has %u words of weight "
			 "memory and %u result rows", wpr_max, in.wmem_words, in.res_rows);
		m->b = NULL;
		return MMF_ERR_UNSUPPORTED;
	}
	m->st.on_board = 1;
	m->resident = total <= in.wmem_words;
	m->st.resident = m->resident;
	if (m->resident)
		return place_resident(m, v, n);
	return MMF_OK;
}

int mmf_model_stats(const mmf_model *m, struct mmf_model_stats *s)
{
	if (!m || !s)
		return MMF_ERR_ARG;
	*s = m->st;
	return MMF_OK;
}

void mmf_model_reset_stats(mmf_model *m)
{
	int on = m->st.on_board, res = m->st.resident;

	memset(&m->st, 0, sizeof(m->st));
	m->st.on_board = on;
	m->st.resident = res;
}
