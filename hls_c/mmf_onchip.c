/*
 * mmf_onchip.c: the on-chip forward pass in fixed point, the executable specification of the
 * sequencer and its element-wise unit (see mmf_onchip.h; formats and error bounds in docs/onchip.md).
 *
 * Every loop runs to a compile-time bound and leaves early at the model's size, as the hardware's
 * counters do. Element-wise products are at most 16 x 17 bits (one SB_MAC16 plus an add) except the
 * ones named where they occur: the recurrence (17 x 25), SiLU (21 x 16), the quantiser's exact check
 * (8 x 31) and the BitLinear output scale (18 x 16), each two MAC16 passes.
 */
#include "mmf_onchip.h"

/* ---- integer helpers ------------------------------------------------------------------------- */

/* Bits needed for v: 0 for 0, 64 - (leading zeros) otherwise: a priority encoder. */
static int32_t bitlen(uint64_t v)
{
	int32_t n = 0, i;

	for (i = 0; i < 64; i++)
		if ((v >> i) & 1u)
			n = i + 1;
	return n;
}

static int32_t sat32(int64_t v)
{
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return INT32_MIN;
	return (int32_t)v;
}

static int32_t clamp32(int32_t v, int32_t lim)
{
	return v > lim ? lim : v < -lim ? -lim : v;
}

/* v * 2^-sh, rounded to nearest with ties away from zero (sh > 0), exact (sh <= 0); saturated to
 * int32. |v| < 2^62. */
static int32_t shift_round(int64_t v, int32_t sh)
{
	uint64_t a = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
	int64_t r;

	if (sh > 0) {
		if (sh > 62)
			return 0;
		a = (a + ((uint64_t)1 << (sh - 1))) >> sh;
	} else if (sh < 0) {
		if (a && (sh < -31 || bitlen(a) - sh > 31))
			return v < 0 ? INT32_MIN : INT32_MAX;
		a <<= -sh;
	}
	if (a > (uint64_t)INT32_MAX + 1u)
		a = (uint64_t)INT32_MAX + 1u;
	r = v < 0 ? -(int64_t)a : (int64_t)a;
	return sat32(r);
}

int32_t mmf_onchip_sat_add(int32_t a, int32_t b)
{
	return sat32((int64_t)a + b);
}

/* ---- block floating point -------------------------------------------------------------------- */

mmf_onchip_bf_t mmf_onchip_bf(uint64_t v, int32_t e)
{
	mmf_onchip_bf_t r = {0, 0};
	int32_t n = bitlen(v), sh = n - 16;

	if (!v)
		return r;
	if (sh > 0) {
		v = (v + ((uint64_t)1 << (sh - 1))) >> sh;
		if (v >> 16) {          /* rounding carried into bit 16 */
			v >>= 1;
			sh++;
		}
	} else {
		v <<= -sh;
	}
	r.m = (uint16_t)v;
	r.e = (int16_t)(e + sh);
	return r;
}

static mmf_onchip_bf_t bf_mul(mmf_onchip_bf_t a, mmf_onchip_bf_t b)
{
	return mmf_onchip_bf((uint64_t)a.m * b.m, (int32_t)a.e + b.e);
}

/* a + b, both >= 0: the smaller aligned to the larger with 24 guard bits, then normalised. */
static mmf_onchip_bf_t bf_add(mmf_onchip_bf_t a, mmf_onchip_bf_t b)
{
	mmf_onchip_bf_t big = a, small = b;
	int32_t dexp;

	if (!a.m)
		return b;
	if (!b.m)
		return a;
	if (b.e > a.e) {
		big = b;
		small = a;
	}
	dexp = (int32_t)big.e - small.e;
	if (dexp > 40)
		return big;
	return mmf_onchip_bf(((uint64_t)big.m << 24) + (((uint64_t)small.m << 24) >> dexp), (int32_t)big.e - 24);
}

/* ---- the element-wise unit ------------------------------------------------------------------- */

uint16_t mmf_onchip_rsqrt16(uint16_t mn)
{
	uint32_t y0, y2, t, y1;
	int32_t c;

	if (mn < (1u << 14))
		mn = 1u << 14;
	y0 = mmf_onchip_rsq_tab[(mn >> 8) - MMF_ONCHIP_RSQ_LO];   /* Q2.14, within 0.4% */
	/* one Newton step, y1 = y0 (3 - u y0^2) / 2 with u = mn / 2^16: three 16 x 17 products */
	y2 = (y0 * y0 + (1u << 13)) >> 14;                        /* y0^2, Q2.14, 17 bits */
	t = (uint32_t)(((uint64_t)mn * y2 + (1u << 15)) >> 16);   /* u y0^2, Q2.14, about 2^14 */
	c = 3 * (1 << 14) - (int32_t)t;                           /* 3 - u y0^2, Q2.14, about 2^15 */
	if (c < 0)
		c = 0;
	y1 = (y0 * (uint32_t)c + (1u << 14)) >> 15;
	return (uint16_t)(y1 > 65535u ? 65535u : y1);
}

uint32_t mmf_onchip_recip17(uint16_t dv)
{
	uint64_t rem = 0, q = 0;
	int32_t i;

	if (dv < (1u << 15))
		dv = 1u << 15;
	/* restoring division of 2^32 by dv, one quotient bit per step (bits 32..0), then up by one if
	 * anything remains: the ceiling, so that an exact tie of the quantiser rounds away from zero */
	for (i = 32; i >= 0; i--) {
		rem = (rem << 1) | (i == 32 ? 1u : 0u);
		if (rem >= dv) {
			rem -= dv;
			q |= (uint64_t)1 << i;
		}
	}
	return (uint32_t)(q + (rem ? 1u : 0u));
}

mmf_onchip_bf_t mmf_onchip_bf_rsqrt(mmf_onchip_bf_t a)
{
	mmf_onchip_bf_t z = {0, 0};
	int32_t e = a.e;
	uint16_t mn = a.m;

	if (!a.m)
		return z;
	if (e & 1) {                /* an even exponent halves exactly */
		mn = (uint16_t)(mn >> 1);
		e += 1;
	}
	/* 1/sqrt(mn 2^e) = 2^(-e/2) (1/sqrt(mn / 2^16)) 2^-8, the table's output in Q2.14 */
	return mmf_onchip_bf(mmf_onchip_rsqrt16(mn), -e / 2 - 22);
}

uint16_t mmf_onchip_sigmoid(int32_t z)
{
	int64_t t = (int64_t)z + ((int64_t)MMF_ONCHIP_SIG_ZMAX << MMF_ONCHIP_FRAC);
	const int32_t fb = MMF_ONCHIP_FRAC - MMF_ONCHIP_SIG_STEP_LG;   /* fraction bits between entries */
	uint32_t k, fr, lo, hi;

	if (t < 0)
		return 0;
	if (t >= ((int64_t)2 * MMF_ONCHIP_SIG_ZMAX << MMF_ONCHIP_FRAC))
		return MMF_ONCHIP_ONE;
	k = (uint32_t)(t >> fb);
	fr = (uint32_t)t & ((1u << fb) - 1u);
	lo = mmf_onchip_sig_tab[k];
	hi = k + 1 < MMF_ONCHIP_SIG_N ? mmf_onchip_sig_tab[k + 1] : MMF_ONCHIP_ONE;
	/* linear interpolation: a 16 x 12 product (the table rises, so hi >= lo) */
	return (uint16_t)(lo + (((hi - lo) * fr + (1u << (fb - 1))) >> fb));
}

int32_t mmf_onchip_silu(int32_t z)
{
	const int32_t lim = MMF_ONCHIP_SIG_ZMAX << MMF_ONCHIP_FRAC;

	if (z >= lim)
		return z;           /* sigmoid(16) = 1 - 1.1e-7 */
	if (z < -lim)
		return 0;           /* |silu| < 1.8e-6 there */
	/* z in 21 bits times sigmoid in 16 */
	return shift_round((int64_t)z * mmf_onchip_sigmoid(z), 16);
}

/* ---- vectors --------------------------------------------------------------------------------- */

int32_t mmf_onchip_vec16(const int32_t *v, uint32_t n, int32_t e, int16_t *m)
{
	uint32_t j, amax = 0, a;
	int32_t sh;

	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= n)
			break;
		a = v[j] < 0 ? (uint32_t)0 - (uint32_t)v[j] : (uint32_t)v[j];
		amax = a > amax ? a : amax;
	}
	sh = bitlen(amax) - 15;     /* the largest gets 15 bits: [2^14, 2^15) */
	if (!amax)
		sh = -e;            /* all zero: exponent 0 */
	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= n)
			break;
		m[j] = (int16_t)clamp32(shift_round(v[j], sh), 32767);
	}
	return e + sh;
}

/* sum of m[j]^2: 30 bits each, 40 bits for K <= 1024 */
static uint64_t sumsq(const int16_t *m, uint32_t n)
{
	uint64_t ss = 0;
	uint32_t j;

	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= n)
			break;
		ss += (uint64_t)((int32_t)m[j] * m[j]);
	}
	return ss;
}

/* 1/sqrt(ss + eps 2^-2ve): the norm of a vec16 whose mantissas' squares sum to ss */
static mmf_onchip_bf_t inv_rms(uint64_t ss, mmf_onchip_bf_t eps, int32_t ve)
{
	mmf_onchip_bf_t e2 = eps;

	e2.e = (int16_t)(eps.e - 2 * ve);
	return mmf_onchip_bf_rsqrt(bf_add(mmf_onchip_bf(ss, 0), e2));
}

int32_t mmf_onchip_rmsnorm(const int16_t *vm, int32_t ve, uint32_t n, const mmf_onchip_nw_t *w,
			   mmf_onchip_bf_t eps, int32_t *p, int16_t *om)
{
	mmf_onchip_bf_t r = inv_rms(sumsq(vm, n), eps, ve);
	int32_t pe;
	uint32_t j;

	/* v_j w_j sqrt(n) / sqrt(sum v^2 + n eps): the 2^ve of v cancels */
	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= n)
			break;
		p[j] = (int32_t)vm[j] * w->m[j];
	}
	pe = mmf_onchip_vec16(p, n, 0, om);
	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= n)
			break;
		p[j] = (int32_t)om[j] * r.m;   /* 16 x 16 */
	}
	return mmf_onchip_vec16(p, n, pe + r.e + w->e, om);
}

uint32_t mmf_onchip_quant(const int32_t *p, uint32_t n, int8_t *q)
{
	uint32_t j, M = 0, a, R, code;
	int32_t sm;
	int64_t D;

	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= n)
			break;
		a = p[j] < 0 ? (uint32_t)0 - (uint32_t)p[j] : (uint32_t)p[j];
		M = a > M ? a : M;
	}
	for (j = 0; j < MMF_ONCHIP_K_MAX; j++)
		if (j < n)
			q[j] = 0;
	if (!M)
		return 0;
	/* magnitudes to 16 bits against the largest (truncating), then 127 a / M through 2^32 / M */
	sm = bitlen(M) - 16;
	R = mmf_onchip_recip17((uint16_t)(sm >= 0 ? M >> sm : M << -sm));
	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= n)
			break;
		a = p[j] < 0 ? (uint32_t)0 - (uint32_t)p[j] : (uint32_t)p[j];
		a = sm >= 0 ? a >> sm : a << -sm;
		/* the estimate: a 16 x 17 product, times 127 by shift and subtract; within 0.004 of the
		 * exact 127 |p| / M, so it is the right code or one off, and only near a half */
		code = (uint32_t)(((uint64_t)a * R * MMF_ONCHIP_ACT_MAX + ((uint64_t)1 << 31)) >> 32);
		/* the exact check on the full-width values: code c is right when
		 * (2c - 1) M <= 254 |p| < (2c + 1) M (a tie goes up: half away from zero); an 8 x 31 product */
		a = p[j] < 0 ? (uint32_t)0 - (uint32_t)p[j] : (uint32_t)p[j];
		D = (int64_t)a * (2 * MMF_ONCHIP_ACT_MAX) - ((int64_t)2 * code - 1) * M;
		if (D < 0)
			code--;
		else if (D >= (int64_t)2 * M)
			code++;
		code = code > MMF_ONCHIP_ACT_MAX ? MMF_ONCHIP_ACT_MAX : code;
		q[j] = (int8_t)(p[j] < 0 ? -(int32_t)code : (int32_t)code);
	}
	return M;
}

int mmf_onchip_bitlinear(mmf_onchip_t *s, const mmf_onchip_lin_t *P, const int16_t *vm, int32_t ve,
			 int32_t *out)
{
	mmf_onchip_bf_t S;
	uint64_t ss = sumsq(vm, P->cols);
	uint32_t j, M, wpr;

	/* its RMSNorm and the int8 codes: 127 v_j w_j / max|v w| (the 1/rms cancels in the codes) */
	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= P->cols)
			break;
		s->p[j] = (int32_t)vm[j] * P->norm.m[j];
	}
	M = mmf_onchip_quant(s->p, P->cols, s->q);
	for (j = 0; j < MMF_ONCHIP_ROWS_MAX; j++)
		if (j < P->rows)
			out[j] = 0;
	if (!M)
		return 0;
	/* the engine: exact integer products */
	wpr = mmf_words_per_row(P->cols, s->eng.lanes);
	if (tac_load(&s->eng, s->q, P->cols) ||
	    tac_matvec(&s->eng, s->w + P->base, P->rows * wpr, s->acc) != P->rows)
		return -1;
	/* out = acc gamma max|y| / 127 = acc (gamma sqrt(K) / 127) M 2^(e_w) / sqrt(ss + K eps 2^-2ve) */
	S = bf_mul(bf_mul(P->scale, mmf_onchip_bf(M, P->norm.e)), inv_rms(ss, P->eps, ve));
	for (j = 0; j < MMF_ONCHIP_ROWS_MAX; j++) {
		if (j >= P->rows)
			break;
		out[j] = shift_round((int64_t)s->acc[j] * S.m, -(S.e + MMF_ONCHIP_FRAC));
	}
	return 0;
}

/* ---- the token loop -------------------------------------------------------------------------- */

void mmf_onchip_reset(mmf_onchip_t *s)
{
	uint32_t l, j;

	for (l = 0; l < MMF_ONCHIP_L_MAX; l++)
		for (j = 0; j < MMF_ONCHIP_D_MAX; j++)
			s->s[l][j] = 0;
}

/* The recurrence of layer l: s = f s + silu(i) (1 - f) = s + (1 - f)(silu(i) - s), one 17 x 25 product. */
static void recurrence(mmf_onchip_t *s, uint32_t l)
{
	const mmf_onchip_layer_t *ly = &s->layer[l];
	int32_t *st = s->s[l], c;
	uint32_t j, f;

	for (j = 0; j < MMF_ONCHIP_D_MAX; j++) {
		if (j >= s->d)
			break;
		f = mmf_onchip_sigmoid(s->f[j]);
		if (l > 0)                                  /* the lower bound: lb + (1 - lb) f */
			f = ly->lb[j] + ((ly->omlb[j] * f + (1u << 15)) >> 16);
		f = f > MMF_ONCHIP_ONE ? MMF_ONCHIP_ONE : f;
		c = clamp32(mmf_onchip_silu(s->i[j]), MMF_ONCHIP_STATE_MAX);
		st[j] = clamp32(st[j] + shift_round((int64_t)(65536 - f) * (c - st[j]), 16), MMF_ONCHIP_STATE_MAX);
	}
}

/* x += y, saturating */
static void residual(int32_t *x, const int32_t *y, uint32_t n)
{
	uint32_t j;

	for (j = 0; j < MMF_ONCHIP_D_MAX; j++) {
		if (j >= n)
			break;
		x[j] = mmf_onchip_sat_add(x[j], y[j]);
	}
}

/* hm = RMSNorm(x; w) as a vec16; returns its exponent */
static int32_t norm_x(mmf_onchip_t *s, const mmf_onchip_nw_t *w)
{
	int32_t xe = mmf_onchip_vec16(s->x, s->d, -MMF_ONCHIP_FRAC, s->vm);

	return mmf_onchip_rmsnorm(s->vm, xe, s->d, w, s->eps, s->p, s->hm);
}

/* vm = a * b element-wise (a and b Q15.16, n values), as a vec16; returns its exponent */
static int32_t product(mmf_onchip_t *s, const int32_t *a, const int32_t *b, uint32_t n)
{
	int32_t ae = mmf_onchip_vec16(a, n, -MMF_ONCHIP_FRAC, s->hm);
	int32_t be = mmf_onchip_vec16(b, n, -MMF_ONCHIP_FRAC, s->um);
	uint32_t j;

	for (j = 0; j < MMF_ONCHIP_K_MAX; j++) {
		if (j >= n)
			break;
		s->p[j] = (int32_t)s->hm[j] * s->um[j];     /* 16 x 16 */
	}
	return mmf_onchip_vec16(s->p, n, ae + be, s->vm);
}

int32_t mmf_onchip_step(mmf_onchip_t *s, uint32_t token, int16_t *logits16)
{
	const uint32_t d = s->d, I = s->I;
	int32_t e, best = 0;
	uint32_t l, j;

	if (token >= s->V)
		return -1;
	/* x = embeddings[token] */
	for (j = 0; j < MMF_ONCHIP_D_MAX; j++)
		if (j < d)
			s->x[j] = shift_round(s->emb[token][j], -(s->emb_e + MMF_ONCHIP_FRAC));
	for (l = 0; l < MMF_ONCHIP_L_MAX; l++) {
		const mmf_onchip_layer_t *ly = &s->layer[l];

		if (l >= s->L)
			break;
		/* h = RMSNorm(x; attn_norm); i, f, g = BL(h) */
		e = norm_x(s, &ly->attn_norm);
		if (mmf_onchip_bitlinear(s, &ly->i_proj, s->hm, e, s->i) ||
		    mmf_onchip_bitlinear(s, &ly->f_proj, s->hm, e, s->f) ||
		    mmf_onchip_bitlinear(s, &ly->g_proj, s->hm, e, s->t))
			return -1;
		/* f = sigmoid(f) with its lower bound; s = f s + silu(i) (1 - f) */
		recurrence(s, l);
		/* o = RMSNorm(g; g_norm) silu(s) */
		e = mmf_onchip_vec16(s->t, d, -MMF_ONCHIP_FRAC, s->vm);
		e = mmf_onchip_rmsnorm(s->vm, e, d, &ly->g_norm, s->eps, s->p, s->hm);
		for (j = 0; j < MMF_ONCHIP_D_MAX; j++)
			if (j < d)
				s->t[j] = mmf_onchip_silu(s->s[l][j]);
		e += mmf_onchip_vec16(s->t, d, -MMF_ONCHIP_FRAC, s->um);
		for (j = 0; j < MMF_ONCHIP_D_MAX; j++)
			if (j < d)
				s->p[j] = (int32_t)s->hm[j] * s->um[j];
		e = mmf_onchip_vec16(s->p, d, e, s->vm);
		/* x = x + BL(o; o_proj) */
		if (mmf_onchip_bitlinear(s, &ly->o_proj, s->vm, e, s->t))
			return -1;
		residual(s->x, s->t, d);
		/* ab = BL(RMSNorm(x; mlp_norm); gate_proj) */
		e = norm_x(s, &ly->mlp_norm);
		if (mmf_onchip_bitlinear(s, &ly->gate_proj, s->hm, e, s->t))
			return -1;
		/* m = silu(a) b; x = x + BL(m; down_proj) */
		for (j = 0; j < MMF_ONCHIP_I_MAX; j++)
			if (j < I)
				s->t[j] = mmf_onchip_silu(s->t[j]);
		e = product(s, s->t, s->t + I, I);
		if (mmf_onchip_bitlinear(s, &ly->down_proj, s->vm, e, s->t))
			return -1;
		residual(s->x, s->t, d);
	}
	/* logits = BL(RMSNorm(x; norm); lm_head); the argmax, lowest id on a tie */
	e = norm_x(s, &s->final_norm);
	if (mmf_onchip_bitlinear(s, &s->lm_head, s->hm, e, s->logit))
		return -1;
	for (j = 0; j < MMF_ONCHIP_V_MAX; j++) {
		if (j >= s->V)
			break;
		if (s->logit[j] > s->logit[best])
			best = (int32_t)j;
		if (logits16)
			logits16[j] = (int16_t)clamp32(shift_round(s->logit[j],
						MMF_ONCHIP_FRAC - MMF_ONCHIP_LOGIT_FRAC), 32767);
	}
	return best;
}
