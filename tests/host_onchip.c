/*
 * host_onchip.c: the on-chip fixed-point forward pass (hls_c/mmf_onchip.c) against libm and the float
 * runtime. Usage: host_onchip [MODEL_DIR TOKENS]...   (tests/test_onchip.sh passes mkmodel's models)
 *
 * Proves, each with the bound docs/onchip.md states:
 *   - every ROM entry: sigmoid within half an LSB of Q0.16, rsqrt within half an LSB of Q2.14;
 *   - sigmoid and SiLU at every table entry, between entries and beyond the table's range, against
 *     libm (|err| <= SIG_BOUND, and SILU_BOUND * max(1, |z|));
 *   - the reciprocal square root for every 16-bit mantissa, and as a bf over 2^-60..2^60
 *     (relative error <= RSQ_BOUND); the divider's ceil(2^32 / d) for every d, exactly;
 *   - the int8 quantiser: every code is the exact rounding (ties away from zero) of 127 p / max|p|,
 *     checked in integers on random vectors and on ties; within one of the float32 runtime's
 *     (mmfi_quant_act) and equal on all but 0.1%;
 *   - corner inputs: the zero vector (norm and quantiser give zeros), the largest int32 values
 *     (vec16, RMSNorm of +-2^31), saturating residual adds alone and through a whole token from an
 *     embedding beyond Q15.16's range, SiLU and sigmoid at the int32 extremes;
 *   - RMSNorm against float64 on random vectors of several magnitudes; one BitLinear's output scale
 *     against float64 on the same codes, and the zero vector through it;
 *   - on each model given: the fixed-point logits of a teacher-forced sequence against the float
 *     runtime's (mmf_model_step) within the reference's tolerance at every position, their mean drift
 *     within DRIFT_MAX of the float runtime's own when its norm weights move by the on-chip resolution,
 *     the greedy argmax agreement reported (and at least ARGMAX_MIN where the float's top two are apart);
 *   - a model packed for another engine, or too big for the weight memory, is refused by name.
 */
#include <math.h>

#include "host_common.h"
#include "model.h"
#include "onchip_pack.h"

#define SIG_BOUND 6.2e-5    /* sigmoid: interpolation (4.7e-5) + entry and output rounding (2 x 7.6e-6) */
#define SILU_BOUND 7e-5     /* SiLU, per unit of max(1, |z|): |z| SIG_BOUND + output rounding */
#define RSQ_BOUND 1.2e-4    /* 1/sqrt, relative: Newton residue + Q2.14 rounding */
/* Logits: at every position max |fixed - float| <= 1e-4 + LOGIT_TOL sqrt(L) max |float|, the tolerance
 * docs/reference.md derives for two valid int8 realisations of the model (float32 against float64);
 * the mean over positions of max |diff| / max |logit| at most DRIFT_MAX times the float runtime's own
 * drift when its norm weights move by the on-chip resolution; the greedy argmax equal on ARGMAX_MIN of
 * the positions where the float's top two are more than CLEAR_GAP sqrt(L) max |logit| apart. */
#define LOGIT_TOL 0.1
#define DRIFT_MAX 2.0
#define CLEAR_GAP 0.05
#define ARGMAX_MIN 0.97

static double sigm(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* every ROM entry against libm */
static void test_tables(void)
{
	int k;
	double want, worst = 0;

	for (k = 0; k < MMF_ONCHIP_SIG_N; k++) {
		want = sigm(-16.0 + k / 16.0) * 65536.0;
		if (want > MMF_ONCHIP_ONE)
			want = MMF_ONCHIP_ONE;
		CHECK(fabs(mmf_onchip_sig_tab[k] - want) <= 0.5, "sig_tab[%d] = %u, want %.3f", k,
		      mmf_onchip_sig_tab[k], want);
	}
	for (k = 0; k < MMF_ONCHIP_RSQ_N; k++) {
		want = 16384.0 / sqrt((k + MMF_ONCHIP_RSQ_LO + 0.5) / 256.0);
		CHECK(fabs(mmf_onchip_rsq_tab[k] - want) <= 0.5, "rsq_tab[%d] = %u, want %.3f", k,
		      mmf_onchip_rsq_tab[k], want);
		worst = fmax(worst, fabs(mmf_onchip_rsq_tab[k] - want));
	}
}

/* sigmoid and SiLU at each entry, a quarter, half and three quarters between, and past the ends */
static void test_sigmoid_silu(void)
{
	double worst_s = 0, worst_u = 0, z, es, eu;
	int32_t zq;
	int k, f;

	for (k = -16 * 3; k < (MMF_ONCHIP_SIG_N + 48) * 4; k++) {
		for (f = 0; f < 1; f++) {
			z = -19.0 + k / 64.0;
			zq = (int32_t)lround(ldexp(z, 16));
			z = ldexp(zq, -16);
			es = fabs(mmf_onchip_sigmoid(zq) / 65536.0 - sigm(z));
			eu = fabs(ldexp(mmf_onchip_silu(zq), -16) - z * sigm(z)) / fmax(1.0, fabs(z));
			worst_s = fmax(worst_s, es);
			worst_u = fmax(worst_u, eu);
			CHECK(es <= SIG_BOUND, "sigmoid(%.6f) = %u / 65536, want %.8f", z, mmf_onchip_sigmoid(zq),
			      sigm(z));
			CHECK(eu <= SILU_BOUND, "silu(%.6f) = %d / 65536, want %.8f", z, mmf_onchip_silu(zq),
			      z * sigm(z));
		}
	}
	printf("sigmoid: worst |err| %.2e (bound %.1e); silu: worst |err| / max(1,|z|) %.2e (bound %.1e)\n",
	       worst_s, SIG_BOUND, worst_u, SILU_BOUND);
	/* the int32 extremes */
	CHECK(mmf_onchip_sigmoid(INT32_MIN) == 0 && mmf_onchip_sigmoid(INT32_MAX) == MMF_ONCHIP_ONE,
	      "sigmoid at the int32 ends: %u %u", mmf_onchip_sigmoid(INT32_MIN), mmf_onchip_sigmoid(INT32_MAX));
	CHECK(mmf_onchip_silu(INT32_MIN) == 0 && mmf_onchip_silu(INT32_MAX) == INT32_MAX,
	      "silu at the int32 ends: %d %d", mmf_onchip_silu(INT32_MIN), mmf_onchip_silu(INT32_MAX));
	CHECK(mmf_onchip_silu(0) == 0 && mmf_onchip_sigmoid(0) == 32768, "silu(0) %d sigmoid(0) %u",
	      mmf_onchip_silu(0), mmf_onchip_sigmoid(0));
}

static void test_rsqrt_recip(void)
{
	double worst = 0, e, want;
	uint32_t mn, dv, want_q;
	int ex;

	for (mn = 1u << 14; mn < 1u << 16; mn++) {
		e = fabs(mmf_onchip_rsqrt16((uint16_t)mn) / 16384.0 * sqrt(mn / 65536.0) - 1.0);
		worst = fmax(worst, e);
		if (e > RSQ_BOUND)
			CHECK(0, "rsqrt16(%u) = %u, relative error %.2e", mn, mmf_onchip_rsqrt16((uint16_t)mn), e);
	}
	printf("rsqrt16: worst relative error %.2e over every mantissa (bound %.1e)\n", worst, RSQ_BOUND);
	for (ex = -60; ex <= 60; ex += 7)
		for (mn = 1u << 15; mn < 1u << 16; mn += 997) {
			mmf_onchip_bf_t a = { (uint16_t)mn, (int16_t)ex }, r = mmf_onchip_bf_rsqrt(a);
			want = 1.0 / sqrt(ldexp(mn, ex));
			e = fabs(ldexp(r.m, r.e) / want - 1.0);
			CHECK(e <= RSQ_BOUND && r.m >= 1u << 15, "bf_rsqrt(%u * 2^%d) = %u * 2^%d, rel err %.2e",
			      mn, ex, r.m, r.e, e);
		}
	for (dv = 1u << 15; dv < 1u << 16; dv++) {
		want_q = (uint32_t)((((uint64_t)1 << 32) + dv - 1) / dv);
		if (mmf_onchip_recip17((uint16_t)dv) != want_q)
			CHECK(0, "recip17(%u) = %u, want %u", dv, mmf_onchip_recip17((uint16_t)dv), want_q);
	}
}

/* the quantiser: ties, and agreement with the float runtime's on random vectors */
static void test_quant(void)
{
	/* 127 * 1 / 254 = 0.5 and 127 * 3 / 254 = 1.5 exactly: away from zero gives 1, 2, -1, -2 */
	static const int32_t tie[] = { 254, 1, 3, -1, -3, 0, -254 };
	static const int8_t want[] = { 127, 1, 2, -1, -2, 0, -127 };
	int32_t p[MMF_ONCHIP_K_MAX];
	float y[MMF_ONCHIP_K_MAX];
	int8_t q[MMF_ONCHIP_K_MAX], qf[MMF_ONCHIP_K_MAX];
	uint64_t rng = 77;
	long miss = 0, total = 0;
	long long a;
	unsigned i, j, n, far = 0, M;
	int c;

	mmf_onchip_quant(tie, 7, q);
	for (i = 0; i < 7; i++)
		CHECK(q[i] == want[i], "tie %d/254: code %d, want %d", tie[i], q[i], want[i]);
	/* the zero vector: all codes 0 */
	for (i = 0; i < 16; i++)
		p[i] = 0;
	CHECK(mmf_onchip_quant(p, 16, q) == 0 && q[0] == 0 && q[15] == 0, "zero vector quantised");
	for (i = 0; i < 2000; i++) {
		n = 1 + (unsigned)(hrand(&rng) % MMF_ONCHIP_K_MAX);
		for (j = 0; j < n; j++) {
			p[j] = (int32_t)(hrand(&rng) % (1u << 30)) - (1 << 29);
			p[j] >>= (unsigned)(hrand(&rng) % 20);
			y[j] = (float)p[j];
		}
		M = mmf_onchip_quant(p, n, q);
		mmfi_quant_act(y, n, qf);
		for (j = 0; j < n; j++) {
			/* exact: half away from zero of 127 |p| / M, in integers */
			a = llabs((long long)p[j]);
			c = (int)((254 * a + M) / (2 * (long long)M));
			if (p[j] < 0)
				c = -c;
			if (q[j] != c)
				CHECK(0, "quant: p %d of max %u gave %d, exact %d", p[j], M, q[j], c);
			total++;
			miss += q[j] != qf[j];
			far += abs(q[j] - qf[j]) > 1;
		}
	}
	printf("quant: every code exact; %ld of %ld differ from the float32 runtime's by one (%.4f%%)\n",
	       miss, total, 100.0 * miss / total);
	CHECK(far == 0, "%u codes differ from the float32 runtime's by more than one", far);
	CHECK(miss <= total / 1000, "%ld of %ld codes differ from the float32 runtime's", miss, total);
}

/* RMSNorm against float64, the zero vector and the largest values; vec16 and the residual adds */
static void test_norm_corners(void)
{
	static mmf_onchip_nw_t w;
	float wf[MMF_ONCHIP_K_MAX];
	int32_t v[MMF_ONCHIP_K_MAX], p[MMF_ONCHIP_K_MAX];
	int16_t vm[MMF_ONCHIP_K_MAX], om[MMF_ONCHIP_K_MAX];
	mmf_onchip_bf_t eps = mmfi_onchip_bf(1e-6 * 64);
	uint64_t rng = 5;
	double ss, worst = 0, want, mx;
	int32_t e, ve;
	int i, j, mag;

	for (j = 0; j < 64; j++)
		wf[j] = (float)(0.5 + (hrand(&rng) % 1000) / 1000.0);
	mmfi_onchip_nw(wf, 64, sqrt(64.0), &w);
	for (i = 0; i < 300; i++) {
		mag = (int)(hrand(&rng) % 31);
		for (j = 0, ss = 0; j < 64; j++) {
			v[j] = (int32_t)((int64_t)(hrand(&rng) % (1u << 31)) - (1 << 30)) >> mag;
			ss += ldexp(v[j], -16) * ldexp(v[j], -16);
		}
		ve = mmf_onchip_vec16(v, 64, -16, vm);
		e = mmf_onchip_rmsnorm(vm, ve, 64, &w, eps, p, om);
		for (j = 0, mx = 0; j < 64; j++)
			mx = fmax(mx, fabs(ldexp(v[j], -16) * wf[j] / sqrt(ss / 64 + 1e-6)));
		for (j = 0; j < 64; j++) {
			want = ldexp(v[j], -16) * wf[j] / sqrt(ss / 64 + 1e-6);
			worst = fmax(worst, fabs(ldexp(om[j], e) - want) / mx);
		}
	}
	printf("rmsnorm: worst |err| %.2e of the largest output over magnitudes 2^-16..2^14\n", worst);
	CHECK(worst <= 2e-4, "rmsnorm error %.2e", worst);
	/* the zero vector: exponent 0, zeros out, no division by zero */
	for (j = 0; j < 64; j++)
		v[j] = 0;
	ve = mmf_onchip_vec16(v, 64, -16, vm);
	e = mmf_onchip_rmsnorm(vm, ve, 64, &w, eps, p, om);
	CHECK(ve == 0 && om[0] == 0 && om[63] == 0, "zero vector: exponent %d, out %d %d", ve, om[0], om[63]);
	/* the largest values: +-2^31 normalise to +-2^14 with exponent 17 - 16, RMSNorm gives w */
	for (j = 0; j < 64; j++)
		v[j] = j & 1 ? INT32_MIN : INT32_MAX;
	ve = mmf_onchip_vec16(v, 64, -16, vm);
	CHECK(vm[0] == 16384 && vm[1] == -16384 && ve == 1, "vec16 of int32 ends: %d %d 2^%d", vm[0], vm[1], ve);
	e = mmf_onchip_rmsnorm(vm, ve, 64, &w, eps, p, om);
	for (j = 0; j < 64; j++) {
		want = (j & 1 ? -1 : 1) * wf[j];
		CHECK(fabs(ldexp(om[j], e) - want) <= 2e-4 * 1.5, "rmsnorm of the int32 ends [%d] = %g, want %g", j,
		      ldexp(om[j], e), want);
	}
	CHECK(mmf_onchip_sat_add(INT32_MAX, 1) == INT32_MAX && mmf_onchip_sat_add(INT32_MIN, -5) == INT32_MIN &&
	      mmf_onchip_sat_add(-3, 5) == 2, "residual adds saturate");
}

/* One BitLinear alone against float64 on the same codes: the output scale path (norm weight, 1/rms
 * with eps, gamma sqrt(K) / 127, max|p|, the 18 x 16 output product) within BL_BOUND of the largest
 * output, over random shapes, magnitudes and weights, the zero vector giving zeros. */
static void test_bitlinear(void)
{
	static mmf_onchip_t s;
	static mmf_onchip_lin_t P;
	static int8_t w[256 * MMF_ONCHIP_K_MAX];
	float nf[MMF_ONCHIP_K_MAX];
	int32_t v[MMF_ONCHIP_K_MAX], out[256];
	int16_t vm[MMF_ONCHIP_K_MAX];
	uint64_t rng = 31;
	double gamma, ss, mx, mo, acc, worst = 0, want, x, d;
	int32_t ve, words;
	uint32_t it, j, r, K, rows, mag;

	CHECK(tac_init(&s.eng, TAC_FMT_5T, TAC_LANES_5T) == 0, "tac_init");
	for (it = 0; it < 200; it++) {
		K = 1 + (uint32_t)(hrand(&rng) % MMF_ONCHIP_K_MAX);
		rows = 1 + (uint32_t)(hrand(&rng) % 256);
		for (j = 0; j < rows * K; j++)
			w[j] = (int8_t)((int)(hrand(&rng) % 3) - 1);
		words = tac_pack(TAC_FMT_5T, TAC_LANES_5T, w, rows, K, s.w, MMF_WMEM_WORDS);
		CHECK(words > 0, "tac_pack %u x %u", rows, K);
		gamma = 0.01 + (hrand(&rng) % 1000) * 1e-4;
		for (j = 0; j < K; j++)
			nf[j] = (float)(0.2 + (hrand(&rng) % 1000) * 2e-3);
		P.rows = rows;
		P.cols = K;
		P.base = 0;
		P.scale = mmfi_onchip_bf(gamma * sqrt((double)K) / 127.0);
		P.eps = mmfi_onchip_bf(1e-6 * K);
		mmfi_onchip_nw(nf, K, 1.0, &P.norm);
		mag = (uint32_t)(hrand(&rng) % 24);
		for (j = 0; j < K; j++)
			v[j] = (int32_t)((int64_t)(hrand(&rng) % (1u << 31)) - (1 << 30)) >> mag;
		ve = mmf_onchip_vec16(v, K, -16, vm);
		CHECK(mmf_onchip_bitlinear(&s, &P, vm, ve, out) == 0, "bitlinear %u x %u", rows, K);
		/* float64 from the same vec16 input, the same int16 norm weights and the same codes */
		for (j = 0, ss = 0, mx = 0; j < K; j++) {
			x = ldexp(vm[j], ve);
			ss += x * x;
			mx = fmax(mx, fabs(x * ldexp(P.norm.m[j], P.norm.e)));
		}
		mx /= sqrt(ss / K + 1e-6);      /* max |y| */
		for (r = 0, mo = 0, d = 0; r < rows; r++) {
			for (j = 0, acc = 0; j < K; j++)
				acc += w[r * K + j] * s.q[j];
			want = acc * gamma * mx / 127.0;
			mo = fmax(mo, fabs(want));
			d = fmax(d, fabs(ldexp(out[r], -16) - want));
		}
		if (mo > 0)
			worst = fmax(worst, d / mo);
	}
	printf("bitlinear: worst |err| %.2e of the largest output (on the same codes)\n", worst);
	CHECK(worst <= 2.5e-4, "bitlinear output error %.2e", worst);
	for (j = 0; j < 16; j++)
		vm[j] = 0;
	P.cols = 16;
	P.rows = 4;
	out[0] = out[3] = 1;
	CHECK(mmf_onchip_bitlinear(&s, &P, vm, 0, out) == 0 && out[0] == 0 && out[3] == 0,
	      "zero vector through a BitLinear: %d %d", out[0], out[3]);
}

/* The worst and mean over positions of max|a - b| / max|a| between two logit runs. */
struct drift {
	double worst, sum;          /* worst and summed relative drift */
	int n;                      /* positions */
	int agree;                  /* positions where the two argmaxes are equal */
};

static void drift_add(struct drift *dr, const float *a, const double *b, int V)
{
	double mx = 0, d = 0;
	int v, ba = 0, bb = 0;

	for (v = 0; v < V; v++) {
		mx = fmax(mx, fabs(a[v]));
		d = fmax(d, fabs(b[v] - a[v]));
		ba = a[v] > a[ba] ? v : ba;
		bb = b[v] > b[bb] ? v : bb;
	}
	dr->agree += ba == bb;
	dr->worst = fmax(dr->worst, d / mx);
	dr->sum += d / mx;
	dr->n++;
}

/* The float runtime against itself with every block-norm weight moved by a relative step of at most
 * 2^-15, the on-chip norm weights' resolution: how far two equally valid int8 runs drift apart, the
 * yardstick for the fixed-point pass's drift (a code one step off moves everything after it). */
static struct drift float_drift(const char *dir, int tokens)
{
	struct mmf_model_opts o = { MMF_FMT_TAC5, NULL, NULL };
	struct drift dr = {0, 0, 0, 0};
	mmf_model *a = NULL, *b = NULL;
	float *la = NULL, *lb = NULL;
	double *lbd = NULL;
	uint64_t rng = 99, rt = 1234;
	int l, j, t, v, tok = 1;

	if (mmf_model_load(dir, &o, &a) || mmf_model_load(dir, &o, &b))
		goto out;
	for (l = 0; l < b->L; l++)
		for (j = 0; j < b->d; j++) {
			b->layer[l].attn_norm[j] *= (float)(1 + ldexp((double)(hrand(&rng) % 2001) / 1000 - 1, -15));
			b->layer[l].mlp_norm[j] *= (float)(1 + ldexp((double)(hrand(&rng) % 2001) / 1000 - 1, -15));
		}
	la = malloc((size_t)a->V * sizeof(float));
	lb = malloc((size_t)a->V * sizeof(float));
	lbd = malloc((size_t)a->V * sizeof(double));
	if (!la || !lb || !lbd)
		goto out;
	for (t = 0; t < tokens; t++) {
		if (mmf_model_step(a, tok, la) || mmf_model_step(b, tok, lb))
			break;
		for (v = 0; v < a->V; v++)
			lbd[v] = lb[v];
		drift_add(&dr, la, lbd, a->V);
		tok = (int)(hrand(&rt) % (uint64_t)a->V);
	}
out:
	free(la);
	free(lb);
	free(lbd);
	mmf_model_free(a);
	mmf_model_free(b);
	return dr;
}

/* The fixed-point pass against the float runtime on one model, teacher-forced. */
static void test_model(const char *dir, int tokens)
{
	static mmf_onchip_t s;
	struct mmf_model_opts o = { MMF_FMT_TAC5, NULL, NULL };
	struct drift dr = {0, 0, 0, 0}, fd;
	mmf_model *m = NULL;
	float *lf = NULL;
	double *lc = NULL;
	int16_t l16[MMF_ONCHIP_V_MAX];
	char err[256];
	uint64_t rng = 1234;
	double mx, gap, tol, clear_gap;
	int t, v, tok = 1, fbest, f2, agree = 0, clear = 0, clear_agree = 0, cbest, r;

	r = mmf_model_load(dir, &o, &m);
	CHECK(r == 0, "load %s: %s", dir, m ? mmf_model_error(m) : mmf_error_name(r));
	if (r)
		return;
	memset(&s, 0, sizeof(s));
	r = mmfi_onchip_pack(m, &s, err, sizeof(err));
	CHECK(r == 0, "pack %s: %s", dir, err);
	tol = LOGIT_TOL * sqrt((double)m->L);
	clear_gap = CLEAR_GAP * sqrt((double)m->L);
	lf = malloc((size_t)m->V * sizeof(float));
	lc = malloc((size_t)m->V * sizeof(double));
	if (r || !lf || !lc)
		goto out;
	mmf_model_reset(m);
	for (t = 0; t < tokens; t++) {
		if (mmf_model_step(m, tok, lf)) {
			CHECK(0, "float step %d: %s", t, mmf_model_error(m));
			break;
		}
		cbest = mmf_onchip_step(&s, (uint32_t)tok, l16);
		CHECK(cbest >= 0 && cbest < m->V, "on-chip step %d gave %d", t, cbest);
		for (v = 0, mx = 0, fbest = 0; v < m->V; v++) {
			lc[v] = ldexp(s.logit[v], -16);
			mx = fmax(mx, fabs(lf[v]));
			/* the int16 logits are the Q15.16 ones rounded to Q7.8 */
			CHECK(fabs(ldexp(l16[v], -8) - lc[v]) <= ldexp(1, -9) || abs(l16[v]) >= 32767,
			      "int16 logit %d: %d / 256 for %g", v, l16[v], lc[v]);
			if (lf[v] > lf[fbest])
				fbest = v;
		}
		for (v = 0, f2 = fbest ? 0 : 1; v < m->V; v++)
			if (v != fbest && lf[v] > lf[f2])
				f2 = v;
		gap = lf[fbest] - lf[f2];
		for (v = 0; v < m->V; v++)
			if (fabs(lc[v] - lf[v]) > 1e-4 + tol * mx)
				break;
		CHECK(v == m->V, "%s position %d logit %d: fixed %.5g, float %.5g, max |logit| %.4g", dir, t, v,
		      v < m->V ? lc[v] : 0.0, v < m->V ? lf[v] : 0.0, mx);
		drift_add(&dr, lf, lc, m->V);
		agree += cbest == fbest;
		if (gap > clear_gap * mx) {
			clear++;
			clear_agree += cbest == fbest;
		}
		tok = (int)(hrand(&rng) % (uint64_t)m->V);     /* teacher forcing: the next input is given */
	}
	fd = float_drift(dir, tokens);
	printf("model %s (d %d, L %d, I %d, V %d, %u weight words), %d positions:\n"
	       "  fixed vs float logits, max |diff| / max |logit|: worst %.4f mean %.4f (tolerance %.3f)\n"
	       "  float vs float with norm weights moved by 2^-15:  worst %.4f mean %.4f, argmax agrees on %d\n"
	       "  greedy argmax agrees on %d (%.1f%%); on %d of %d where the float's top two are more than "
	       "%.3f max |logit| apart\n", dir, m->d, m->L, m->I, m->V, s.n_words, tokens, dr.worst,
	       dr.sum / dr.n, tol, fd.worst, fd.n ? fd.sum / fd.n : 0.0, fd.agree, agree, 100.0 * agree / tokens,
	       clear_agree, clear, clear_gap);
	CHECK(fd.n == tokens && dr.sum / dr.n <= DRIFT_MAX * fd.sum / fd.n,
	      "%s: mean drift %.4f against the float runtime's own %.4f", dir, dr.sum / dr.n, fd.sum / fd.n);
	CHECK(clear == 0 || clear_agree >= ARGMAX_MIN * clear, "argmax agreement %d of %d", clear_agree, clear);
out:
	free(lf);
	free(lc);
	mmf_model_free(m);
}

/* The largest inputs through a whole token: an embedding at the int32 ceiling of Q15.16 (both signs)
 * saturates the residual stream and stays saturated through every residual add (a wrapping add
 * would flip signs); the norms, the quantiser and the argmax still give a token in range. */
static void test_saturation(const char *dir)
{
	static mmf_onchip_t s;
	struct mmf_model_opts o = { MMF_FMT_TAC5, NULL, NULL };
	mmf_model *m = NULL;
	char err[256];
	int32_t best;
	uint32_t j, wrong = 0;

	if (mmf_model_load(dir, &o, &m) || mmfi_onchip_pack(m, &s, err, sizeof(err))) {
		CHECK(0, "load or pack %s", dir);
		mmf_model_free(m);
		return;
	}
	s.emb_e = 16;       /* 2^14 * 2^16 * 2^16: far beyond Q15.16 */
	for (j = 0; j < s.d; j++)
		s.emb[0][j] = (int16_t)(j & 1 ? -32767 : 32767);
	best = mmf_onchip_step(&s, 0, NULL);
	for (j = 0; j < s.d; j++)
		wrong += (j & 1) ? s.x[j] > -(1 << 30) : s.x[j] < (1 << 30);
	CHECK(wrong == 0, "saturated residual stream: %u of %u values lost their sign or saturation", wrong, s.d);
	CHECK(best >= 0 && best < (int32_t)s.V, "saturated step gave token %d", best);
	mmf_model_free(m);
}

/* A model the on-chip pass cannot take is refused with a message naming why. */
static void test_refuse(const char *dir, unsigned engine, const char *want)
{
	static mmf_onchip_t s;
	struct mmf_model_opts o = { MMF_FMT_TAC5, NULL, NULL };
	mmf_model *m = NULL;
	char err[256] = "";
	int r;

	o.engine = engine;
	r = mmf_model_load(dir, &o, &m);
	CHECK(r == 0, "load %s: %s", dir, m ? mmf_model_error(m) : mmf_error_name(r));
	if (r)
		return;
	r = mmfi_onchip_pack(m, &s, err, sizeof(err));
	CHECK(r == MMF_ERR_UNSUPPORTED && strstr(err, want), "pack %s (engine %u): %d '%s', want '%s'", dir,
	      engine, r, err, want);
	printf("refused: %s\n", err);
	mmf_model_free(m);
}

int main(int argc, char **argv)
{
	int i;

	check_args(argc, argv, 64, "--too-big", "[MODEL_DIR TOKENS | --too-big MODEL_DIR]...",
		   "The on-chip forward pass's fixed-point arithmetic (hls_c/mmf_onchip.c) against libm and\n"
		   "the float runtime, on the models named (tests/test_onchip.sh).");
	if ((argc - 1) % 2) {
		fprintf(stderr, "host_onchip: arguments come in pairs (MODEL_DIR TOKENS or --too-big DIR)\n");
		return 2;
	}
	for (i = 1; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--too-big"))
			check_number("host_onchip", "TOKENS", argv[i + 1], 1, 1000000);
	test_tables();
	test_sigmoid_silu();
	test_rsqrt_recip();
	test_quant();
	test_norm_corners();
	test_bitlinear();
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--too-big")) {
			test_refuse(argv[i + 1], MMF_FMT_TAC5, "do not fit");
			continue;
		}
		test_model(argv[i], atoi(argv[i + 1]));   /* checked above */
		if (i == 1) {   /* the lut engine's packing is not the on-chip one */
			test_refuse(argv[i], MMF_FMT_LUT3, "tac engine");
			test_saturation(argv[i]);
		}
	}
	printf("host_onchip: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail ? 1 : 0;
}
