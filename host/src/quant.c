/*
 * quant.c: the runtime's quantisers, the one home of its two rounding rules (docs/model.md,
 * "Quantisation and rounding").
 *
 * The upstream code rounds the two kinds of codes differently, and the checkpoints were trained with
 * its rules, so the runtime follows them:
 *   - activation codes: to nearest, ties away from zero (the Triton kernel's round in
 *     mmfreelm/ops/fusedbitnet.py; C's roundf);
 *   - weight codes: to nearest, ties to even (torch.round; C's rint in the default rounding mode).
 * Exact activation ties do occur in float32 runs, and a tie rounded the other way moves every later
 * logit by about one code step's worth of quantisation noise.
 */
#include <math.h>

#include "model.h"

float mmfi_round_act(float v)
{
	return roundf(v);
}

double mmfi_round_weight(double v)
{
	return rint(v);
}

int8_t mmfi_quant_ternary(float w, double gamma)
{
	double v = mmfi_round_weight((double)w / gamma);

	return (int8_t)(v > 1 ? 1 : v < -1 ? -1 : v);
}

uint8_t mmfi_quant_sac(float w, double alpha, double *wq)
{
	double a = fabs((double)w) / alpha;
	double p;

	if (a == 0.0 || a < 0.011048543456039806) { /* 2^-6.5 */
		*wq = 0.0;
		return SAC_CODE_ZERO;
	}
	/* -log2(a) is never exactly k + 0.5 for a rational a, so the tie rule cannot matter here */
	p = mmfi_round_weight(-log2(a));
	if (p < 0)
		p = 0;
	if (p > 6)
		p = 6;
	*wq = (w < 0 ? -alpha : alpha) * ldexp(1.0, -(int)p);
	return sac_encode(w < 0, (uint8_t)p);
}

float mmfi_quant_act(const float *y, uint32_t n, int8_t *q)
{
	float mx = 0.0f, sx, a, s;
	uint32_t j;

	for (j = 0; j < n; j++) {
		a = fabsf(y[j]);
		mx = a > mx ? a : mx;
	}
	sx = 127.0f / (mx > 1e-5f ? mx : 1e-5f);
	for (j = 0; j < n; j++) {
		s = mmfi_round_act(y[j] * sx);
		q[j] = (int8_t)(s > 127.0f ? 127 : s < -128.0f ? -128 : s);
	}
	return sx;
}
