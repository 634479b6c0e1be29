/*
 * onchip_pack.c: the model's tensors in the on-chip formats (hls_c/mmf_onchip.h, docs/onchip.md),
 * converted once at load time on the host, which may use floating point:
 *   - BitLinear weights: the ternary codes the loader packed for the tac engine, copied word for word;
 *   - gamma * sqrt(K) / 127 and 1e-6 * K of each BitLinear as bf scalars;
 *   - every RMSNorm weight as int16 mantissas with one exponent (block norms with sqrt(d) folded in);
 *   - the lower bounds and 1 - lower bound in Q0.16; the embeddings as int16 with one exponent.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onchip_pack.h"
#include "transport.h"

mmf_onchip_bf_t mmfi_onchip_bf(double x)
{
	mmf_onchip_bf_t r = {0, 0};
	int e;
	double f;
	long m;

	if (!(x > 0))
		return r;
	f = frexp(x, &e);               /* x = f 2^e, f in [0.5, 1) */
	m = lround(ldexp(f, 16));
	if (m > 65535) {                /* rounded up to 2^16 */
		m >>= 1;
		e++;
	}
	r.m = (uint16_t)m;
	r.e = (int16_t)(e - 16);
	return r;
}

void mmfi_onchip_nw(const float *w, uint32_t n, double mul, mmf_onchip_nw_t *out)
{
	double mx = 0, v;
	uint32_t j;
	int e = 0;
	long q;

	memset(out, 0, sizeof(*out));
	for (j = 0; j < n; j++)
		mx = fabs(w[j] * mul) > mx ? fabs(w[j] * mul) : mx;
	if (mx > 0)
		frexp(mx, &e);          /* mx = f 2^e: mantissas in [2^14, 2^15) with exponent e - 15 */
	out->e = (int16_t)(e - 15);
	for (j = 0; j < n; j++) {
		v = ldexp(w[j] * mul, 15 - e);
		q = lround(v);
		out->m[j] = (int16_t)(q > 32767 ? 32767 : q < -32767 ? -32767 : q);
	}
}

/* One BitLinear: its words appended to s->w, its constants folded. */
static int pack_lin(const struct mmfi_qlin *q, mmf_onchip_t *s, mmf_onchip_lin_t *o,
		    char *err, size_t n)
{
	if (q->n_tiles != 1 || q->cols > MMF_ONCHIP_K_MAX || q->rows > MMF_ONCHIP_ROWS_MAX) {
		mmfi_msg(err, n, "%s: %u x %u in %u tiles; on chip takes one tile of at most %u x %u", q->name,
			 q->rows, q->cols, q->n_tiles, MMF_ONCHIP_ROWS_MAX, MMF_ONCHIP_K_MAX);
		return MMF_ERR_UNSUPPORTED;
	}
	if (s->n_words + q->n_words > MMF_WMEM_WORDS) {
		mmfi_msg(err, n, "%s: its %llu words after %u do not fit the %u words of weight memory",
			 q->name, (unsigned long long)q->n_words, s->n_words, MMF_WMEM_WORDS);
		return MMF_ERR_UNSUPPORTED;
	}
	o->rows = q->rows;
	o->cols = q->cols;
	o->base = s->n_words;
	memcpy(s->w + s->n_words, q->words, q->n_words * sizeof(uint64_t));
	s->n_words += (uint32_t)q->n_words;
	o->scale = mmfi_onchip_bf((double)q->scale * sqrt((double)q->cols) / 127.0);
	o->eps = mmfi_onchip_bf(1e-6 * q->cols);          /* a BitLinear's eps is always 1e-6 */
	mmfi_onchip_nw(q->norm, q->cols, 1.0, &o->norm);
	return MMF_OK;
}

int mmfi_onchip_pack(const mmf_model *m, mmf_onchip_t *s, char *err, size_t n)
{
	const double rd = sqrt((double)m->d);
	float *emb = NULL;
	double mx = 0, lb;
	int64_t k, nel = (int64_t)m->V * m->d;
	int l, j, e = 0, r;
	long q;

	if (m->eng.id != MMF_ENGINE_TAC) {
		mmfi_msg(err, n, "the on-chip pass runs the tac engine; the model is packed for %s",
			 mmf_engine_name(m->eng.id));
		return MMF_ERR_UNSUPPORTED;
	}
	if (m->d > MMF_ONCHIP_D_MAX || m->L > MMF_ONCHIP_L_MAX || m->V > MMF_ONCHIP_V_MAX ||
	    m->I > MMF_ONCHIP_I_MAX) {
		mmfi_msg(err, n, "d %d, L %d, V %d, I %d: on chip takes at most d %d, L %d, V %d, I %d", m->d,
			 m->L, m->V, m->I, MMF_ONCHIP_D_MAX, MMF_ONCHIP_L_MAX, MMF_ONCHIP_V_MAX, MMF_ONCHIP_I_MAX);
		return MMF_ERR_UNSUPPORTED;
	}
	s->d = (uint32_t)m->d;
	s->L = (uint32_t)m->L;
	s->V = (uint32_t)m->V;
	s->I = (uint32_t)m->I;
	s->n_words = 0;
	if (tac_init(&s->eng, mmf_fmts[m->eng.format].model_fmt, m->eng.lanes))
		return MMF_ERR_UNSUPPORTED;
	s->eps = mmfi_onchip_bf((double)m->eps * m->d);
	for (l = 0; l < m->L; l++) {
		const struct mmfi_qlayer *ly = &m->layer[l];
		mmf_onchip_layer_t *o = &s->layer[l];

		mmfi_onchip_nw(ly->attn_norm, s->d, rd, &o->attn_norm);
		mmfi_onchip_nw(ly->g_norm, s->d, rd, &o->g_norm);
		mmfi_onchip_nw(ly->mlp_norm, s->d, rd, &o->mlp_norm);
		for (j = 0; j < m->d; j++) {
			lb = ly->lower_bound ? ly->lower_bound[j] : 0.0;
			q = lround(lb * 65536.0);
			o->lb[j] = (uint16_t)(q > MMF_ONCHIP_ONE ? MMF_ONCHIP_ONE : q < 0 ? 0 : q);
			q = lround((1.0 - lb) * 65536.0);
			o->omlb[j] = (uint16_t)(q > MMF_ONCHIP_ONE ? MMF_ONCHIP_ONE : q < 0 ? 0 : q);
		}
		if ((r = pack_lin(&ly->i_proj, s, &o->i_proj, err, n)) ||
		    (r = pack_lin(&ly->f_proj, s, &o->f_proj, err, n)) ||
		    (r = pack_lin(&ly->g_proj, s, &o->g_proj, err, n)) ||
		    (r = pack_lin(&ly->o_proj, s, &o->o_proj, err, n)) ||
		    (r = pack_lin(&ly->gate_proj, s, &o->gate_proj, err, n)) ||
		    (r = pack_lin(&ly->down_proj, s, &o->down_proj, err, n)))
			return r;
	}
	mmfi_onchip_nw(m->final_norm, s->d, rd, &s->final_norm);
	if ((r = pack_lin(&m->lm_head, s, &s->lm_head, err, n)))
		return r;
	/* the embeddings: one exponent for the table, mantissas in [2^14, 2^15) for the largest */
	emb = malloc((size_t)nel * sizeof(float));
	if (!emb) {
		mmfi_msg(err, n, "out of memory for the %lld embedding values", (long long)nel);
		return MMF_ERR_NOMEM;
	}
	mmfi_tensor_read(m->emb, 0, nel, emb);
	for (k = 0; k < nel; k++)
		mx = fabs(emb[k]) > mx ? fabs(emb[k]) : mx;
	if (mx > 0)
		frexp(mx, &e);
	s->emb_e = (int16_t)(e - 15);
	for (k = 0; k < nel; k++) {
		q = lround(ldexp(emb[k], 15 - e));
		s->emb[k / m->d][k % m->d] = (int16_t)(q > 32767 ? 32767 : q < -32767 ? -32767 : q);
	}
	free(emb);
	mmf_onchip_reset(s);
	return MMF_OK;
}
