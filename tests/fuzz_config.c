/*
 * fuzz_config.c: libFuzzer target for config.json (mmfi_config_parse). The input is the whole file.
 * On success the model's sizes must be usable (positive, the model type a NUL-terminated string);
 * on failure the message must be there. A broken promise aborts. Built by tests/fuzz.mk, run by
 * tests/test_fuzz.sh.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "mmfree.h"
#include "fuzz_args.h"

#define MUST(cond)                                                                        \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "fuzz_config: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                          \
		}                                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmfi_config cfg;
	char err[256];
	int r;

	memset(err, 'x', sizeof(err));
	memset(&cfg, 0xa5, sizeof(cfg));
	r = mmfi_config_parse((const char *)data, size, "config.json", &cfg, err, sizeof(err));
	if (r) {
		MUST(memchr(err, '\0', sizeof(err)) != NULL);
		MUST(err[0] && (r == MMF_ERR_ARG || r == MMF_ERR_NOMEM));
		return 0;
	}
	MUST(cfg.hidden > 0 && cfg.layers > 0 && cfg.vocab > 0 && cfg.intermediate > 0);
	MUST(cfg.hidden_ratio > 0 && cfg.num_heads > 0);
	MUST(isfinite(cfg.rms_norm_eps) && cfg.rms_norm_eps > 0.0f);
	MUST(memchr(cfg.model_type, '\0', sizeof(cfg.model_type)) != NULL);
	MUST(cfg.bos_token_id < cfg.vocab && cfg.eos_token_id < cfg.vocab);
	return 0;
}
