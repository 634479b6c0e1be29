/*
 * fuzz_safetensors.c: libFuzzer target for safetensors files (mmfi_safetensors_parse). The input is
 * the whole file, in a buffer of exactly its size, so AddressSanitizer catches any read past it. On
 * success every tensor is checked against what ckpt.h promises (data inside the file, numel the
 * product of the shape, shard 0, a NUL-terminated name) and all its elements are read as floats.
 * A broken promise aborts; the tensor array is freed. Built by tests/fuzz.mk, run by
 * tests/test_fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "mmfree.h"
#include "fuzz_args.h"

#define MUST(cond)                                                                            \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "fuzz_safetensors: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                              \
		}                                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmfi_tensor *ts = NULL;
	char err[256];
	float *f;
	int n = -1, i, d, r;

	memset(err, 'x', sizeof(err));
	r = mmfi_safetensors_parse(data, size, "model.safetensors", &ts, &n, err, sizeof(err));
	if (r) {
		MUST(memchr(err, '\0', sizeof(err)) != NULL);
		MUST(err[0] && (r == MMF_ERR_ARG || r == MMF_ERR_NOMEM));
		free(ts);
		return 0;
	}
	MUST(n >= 0 && (ts || !n));
	for (i = 0; i < n; i++) {
		const struct mmfi_tensor *t = &ts[i];
		int64_t numel = 1;
		uint64_t bytes;
		int64_t k;

		MUST(memchr(t->name, '\0', sizeof(t->name)) != NULL);
		MUST(t->dtype == MMFI_DT_BF16 || t->dtype == MMFI_DT_F16 || t->dtype == MMFI_DT_F32);
		MUST(t->ndim >= 0 && t->ndim <= MMFI_CKPT_MAX_DIMS && t->shard == 0);
		for (d = 0; d < t->ndim; d++) {
			MUST(t->shape[d] >= 0 && (t->shape[d] == 0 || numel <= INT64_MAX / t->shape[d]));
			numel *= t->shape[d];
		}
		MUST(numel == t->numel);
		bytes = (uint64_t)numel * (t->dtype == MMFI_DT_F32 ? 4 : 2);
		MUST(bytes <= size);
		if (!numel)
			continue;
		MUST((const uint8_t *)t->data >= data && (const uint8_t *)t->data + bytes <= data + size);
		MUST((const uint8_t *)t->data - data >= 8);     /* after the header length at least */
		/* every element, as the model code will read them */
		f = malloc((size_t)numel * sizeof(*f));
		MUST(f != NULL);
		mmfi_tensor_read(t, 0, numel, f);
		for (k = 0; k < numel; k += numel > 64 ? numel / 64 : 1) {
			float g = mmfi_tensor_get(t, k);

			MUST(memcmp(&g, &f[k], sizeof(g)) == 0);
		}
		free(f);
	}
	free(ts);
	return 0;
}
