/*
 * onchip_pack.h: a loaded model converted once into the on-chip fixed-point formats of
 * hls_c/mmf_onchip.h (docs/onchip.md), internal to libmmfree.
 */
#ifndef MMFI_ONCHIP_PACK_H
#define MMFI_ONCHIP_PACK_H

#include <stddef.h>

#include "mmf_onchip.h"
#include "model.h"

/* x as a bf (m * 2^e, m in [2^15, 2^16)); x >= 0. */
mmf_onchip_bf_t mmfi_onchip_bf(double x);
/* w[n] * mul as an RMSNorm weight vector: int16 mantissas, one exponent. */
void mmfi_onchip_nw(const float *w, uint32_t n, double mul, mmf_onchip_nw_t *out);
/* Fill s (zeroed by the caller or not) from m, whose weights must be packed for the tac engine (tac5 or
 * tac2) in one tile per BitLinear, and whose shape and packed words fit the on-chip maxima. 0, or
 * MMF_ERR_UNSUPPORTED with a message in err[n] naming what does not fit. */
int mmfi_onchip_pack(const mmf_model *m, mmf_onchip_t *s, char *err, size_t n);

#endif
