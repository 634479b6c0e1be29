/*
 * tok.h: tokenizers (internal to libmmfree).
 *
 * Two kinds: the Hugging Face tokenizer.json that the MMfreeLM repositories ship (the Mistral/Llama
 * BPE over SentencePiece pieces with byte fallback: "▁" for spaces, <0xNN> byte tokens, merges by
 * rank), and a byte-level tokenizer for small models without tokenizer.json: id 0 <unk>, 1 <s>,
 * 2 </s>, then byte b is id 3 + b (the same first 259 ids as the Mistral vocabulary).
 * A tokenizer.json is parsed with cJSON; every field it needs is checked and a bad one is named.
 */
#ifndef MMFI_TOK_H
#define MMFI_TOK_H

#include <stddef.h>
#include <stdint.h>

typedef struct mmfi_tok mmfi_tok;

/* Parse tokenizer.json text (path only names it in messages). 0 or MMF_ERR_ARG / MMF_ERR_NOMEM. */
int mmfi_tok_parse(const char *text, size_t len, const char *path, mmfi_tok **out, char *err,
		   size_t err_len);
/* The byte-level tokenizer for a vocabulary of vocab ids (vocab >= 259, else MMF_ERR_ARG). */
int mmfi_tok_bytes(int vocab, mmfi_tok **out, char *err, size_t err_len);
/* dir/tokenizer.json if it exists, else the byte-level tokenizer (*kind says which: "tokenizer.json"
 * or "bytes"). Ids the tokenizer can produce must be < vocab (the model's), else MMF_ERR_ARG. */
int mmfi_tok_load(const char *dir, int vocab, mmfi_tok **out, const char **kind, char *err,
		  size_t err_len);
void mmfi_tok_free(mmfi_tok *t);

/* Encode UTF-8 text (add_bos: put bos first). Writes at most max ids; *n = ids the text needs (may
 * be > max: then call again with more room). 0 or a negative mmf_error. */
int mmfi_tok_encode(const mmfi_tok *t, const char *text, int add_bos, int32_t *ids, int max, int *n);
/* The bytes of token id as it appears in text that follows token prev (SentencePiece drops the
 * leading space of the first piece after <s>); byte tokens give their raw byte, which may be part of
 * a UTF-8 sequence. Returns bytes written to buf (at most len - 1, NUL-terminated); special tokens
 * (<s>, </s>, <unk>) give "". */
int mmfi_tok_decode(const mmfi_tok *t, int32_t prev, int32_t id, char *buf, size_t len);
int mmfi_tok_vocab(const mmfi_tok *t);
int mmfi_tok_bos(const mmfi_tok *t);
int mmfi_tok_eos(const mmfi_tok *t);

#endif
