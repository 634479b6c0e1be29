/*
 * host_quant.c: the runtime's quantisers (host/src/quant.c) on exact ties.
 *
 * Proves: activation codes round half away from zero and weight codes half to even, as the upstream
 * code does (docs/model.md, "Quantisation and rounding"):
 *   - the two rounding functions on +-0.5, +-2.5, -126.5 and on the float just below 0.5;
 *   - mmfi_quant_act, the quantiser every BitLinear calls, on vectors built so that y * s_x is exactly
 *     k + 0.5 in float32 (max|y| = 127 gives s_x = 1, 63.5 gives s_x = 2): 0.5 -> 1, 2.5 -> 3,
 *     -2.5 -> -3, -126.5 -> -127 (half to even would give 0, 2, -2, -126);
 *   - mmfi_quant_ternary, the loader's quantiser, at W / gamma = +-0.5 exactly: 0 (half away from
 *     zero would give +-1), and +-1 just beyond;
 *   - the clamps: codes stay in -128..127 and -1..1, an all-zero vector gives zeros.
 */
#include <math.h>

#include "host_common.h"
#include "model.h"

static void test_rules(void)
{
	static const float v[] = { 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, -126.5f, 2.4999998f };
	static const float away[] = { 1, -1, 2, 3, -3, -127, 2 };
	static const float even[] = { 0, -0, 2, 2, -2, -126, 2 };
	float below = nextafterf(0.5f, 0.0f);
	unsigned i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(mmfi_round_act(v[i]) == away[i], "round_act(%.9g) = %g, want %g", v[i],
		      mmfi_round_act(v[i]), away[i]);
		CHECK(mmfi_round_weight(v[i]) == even[i], "round_weight(%.9g) = %g, want %g", v[i],
		      mmfi_round_weight(v[i]), even[i]);
	}
	/* floor(x + 0.5) would give 1 here: x + 0.5 rounds up to 1.0f */
	CHECK(mmfi_round_act(below) == 0 && mmfi_round_act(-below) == 0, "round_act(%.9g) = %g",
	      below, mmfi_round_act(below));
}

static void test_act_ties(void)
{
	static const float y1[] = { 127.0f, 0.5f, 1.5f, 2.5f, -2.5f, -126.5f, 0.25f, -127.0f };
	static const int8_t want[] = { 127, 1, 2, 3, -3, -127, 0, -127 };
	enum { N = sizeof(y1) / sizeof(y1[0]) };
	float y2[N], zero[N] = { 0 }, sx;
	int8_t q[N];
	unsigned i;

	sx = mmfi_quant_act(y1, N, q);
	CHECK(sx == 1.0f, "s_x = %.9g, want exactly 1", sx);
	for (i = 0; i < N; i++)
		CHECK(q[i] == want[i], "max|y| 127: y[%u] = %g -> code %d, want %d (ties away from zero)", i,
		      y1[i], q[i], want[i]);
	/* the same ties at s_x = 2: y / 2 is exact */
	for (i = 0; i < N; i++)
		y2[i] = y1[i] / 2;
	sx = mmfi_quant_act(y2, N, q);
	CHECK(sx == 2.0f, "s_x = %.9g, want exactly 2", sx);
	for (i = 0; i < N; i++)
		CHECK(q[i] == want[i], "max|y| 63.5: y[%u] = %g -> code %d, want %d (ties away from zero)", i,
		      y2[i], q[i], want[i]);
	/* nothing to scale: the 1e-5 floor keeps s_x finite and every code 0 */
	sx = mmfi_quant_act(zero, N, q);
	CHECK(isfinite(sx), "s_x of zeros = %g", sx);
	for (i = 0; i < N; i++)
		CHECK(q[i] == 0, "zeros: code %d at %u", q[i], i);
}

static void test_weight_ties(void)
{
	static const float w[] = { 0.125f, -0.125f, 0.375f, -0.375f, 0.25f, 2.0f, 0.12500001f, -0.1249999f };
	static const int8_t want[] = { 0, 0, 1, -1, 1, 1, 1, 0 };
	const double gamma = 0.25;   /* W / gamma = +-0.5, +-1.5 exactly for the first four */
	unsigned i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		int8_t c = mmfi_quant_ternary(w[i], gamma);

		CHECK(c == want[i], "ternary(%.9g / %g) = %d, want %d (ties to even)", w[i], gamma, c, want[i]);
	}
}

int main(int argc, char **argv)
{
	check_args(argc, argv, 0, NULL, "", "The quantisers' rounding rules on exact ties (host/src/quant.c).");
	test_rules();
	test_act_ties();
	test_weight_ties();
	printf("host_quant: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail ? 1 : 0;
}
