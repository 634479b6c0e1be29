/*
 * fuzz_tok.c: libFuzzer target for tokenizer.json (mmfi_tok_parse). The input is the whole file; when
 * it parses, a text made from the input and a fixed one are encoded and decoded, and what tok.h
 * promises is checked: ids inside the vocabulary, the count the same with and without room, decode
 * lengths like snprintf. A broken promise aborts (a crash for libFuzzer); everything is freed, so
 * LeakSanitizer sees any leak. Built by tests/fuzz.mk, run by tests/test_fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfree.h"
#include "fuzz_args.h"
#include "tok.h"

enum { TEXT_MAX = 2048 };

#define MUST(cond)                                                                     \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz_tok: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* Encode text, check the ids, decode them back. */
static void encode_decode(const mmfi_tok *t, const char *text, int bos)
{
	char piece[64], small[4];
	int32_t *ids, *again;
	int n = -1, m = -1, i, k, r, vocab = mmfi_tok_vocab(t);

	r = mmfi_tok_encode(t, text, bos, NULL, 0, &n);
	MUST(r == MMF_OK || r == MMF_ERR_NOMEM || (r == MMF_ERR_ARG && bos && mmfi_tok_bos(t) < 0));
	if (r)
		return;
	MUST(n >= 0);
	ids = malloc(((size_t)n + 1) * sizeof(*ids));
	again = malloc(((size_t)n + 1) * sizeof(*again));
	MUST(ids && again);
	MUST(mmfi_tok_encode(t, text, bos, ids, n, &m) == MMF_OK && m == n);
	if (n > 1) {
		/* less room: the same first ids, the same count */
		MUST(mmfi_tok_encode(t, text, bos, again, n - 1, &m) == MMF_OK && m == n);
		MUST(!memcmp(ids, again, (size_t)(n - 1) * sizeof(*ids)));
	}
	for (i = 0; i < n; i++) {
		MUST(ids[i] >= 0 && ids[i] < vocab);
		k = mmfi_tok_decode(t, i ? ids[i - 1] : -1, ids[i], piece, sizeof(piece));
		MUST(k >= 0 || k == MMF_ERR_NOMEM);
		if (k >= 0 && k < (int)sizeof(piece))
			MUST(piece[k] == '\0');
		r = mmfi_tok_decode(t, i ? ids[i - 1] : -1, ids[i], small, sizeof(small));
		MUST(r == k || r == MMF_ERR_NOMEM || k == MMF_ERR_NOMEM);
		MUST(memchr(small, '\0', sizeof(small)) != NULL);
	}
	free(ids);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fixed[] = " Hello  w\xc3\xb6rld\t\xf0\x9f\x98\x80 the\ncat \xe2\x96\x81 \xff\xfe";
	char err[256], text[TEXT_MAX + 1];
	mmfi_tok *t = NULL;
	size_t i, n = size < TEXT_MAX ? size : TEXT_MAX;
	int r;

	memset(err, 'x', sizeof(err));
	r = mmfi_tok_parse((const char *)data, size, "tokenizer.json", &t, err, sizeof(err));
	if (r) {
		MUST(memchr(err, '\0', sizeof(err)) != NULL);
		MUST(!t && err[0] && (r == MMF_ERR_ARG || r == MMF_ERR_UNSUPPORTED || r == MMF_ERR_NOMEM));
		return 0;
	}
	MUST(t && mmfi_tok_vocab(t) > 0 && mmfi_tok_bos(t) < mmfi_tok_vocab(t));
	MUST(mmfi_tok_decode(t, -1, -1, err, sizeof(err)) == MMF_ERR_ARG);
	MUST(mmfi_tok_decode(t, -1, mmfi_tok_vocab(t), err, sizeof(err)) == MMF_ERR_ARG);
	/* the input as text: NUL bytes become spaces */
	for (i = 0; i < n; i++)
		text[i] = data[i] ? (char)data[i] : ' ';
	text[n] = '\0';
	encode_decode(t, text, 0);
	encode_decode(t, fixed, 1);
	encode_decode(t, "", 1);
	mmfi_tok_free(t);
	return 0;
}
