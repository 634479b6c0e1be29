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

/* Parse tokenizer.json text (path only names it in messages, NULL: "tokenizer.json"). 0, or
 * MMF_ERR_ARG (a field is missing or wrong: the message names it), MMF_ERR_UNSUPPORTED (a normalizer,
 * pre-tokenizer, decoder or model option this file does not implement: named), MMF_ERR_NOMEM. */
int mmfi_tok_parse(const char *text, size_t len, const char *path, mmfi_tok **out, char *err,
		   size_t err_len);
/* The byte-level tokenizer for a vocabulary of vocab ids (vocab >= 259, else MMF_ERR_ARG). */
int mmfi_tok_bytes(int vocab, mmfi_tok **out, char *err, size_t err_len);
/* dir/tokenizer.json if it exists, else the byte-level tokenizer (*kind, if kind is not NULL, says
 * which: "tokenizer.json" or "bytes"). Every id the tokenizer can produce must be < vocab (the
 * model's), else MMF_ERR_ARG naming the largest. MMF_ERR_IO when the file cannot be read. */
int mmfi_tok_load(const char *dir, int vocab, mmfi_tok **out, const char **kind, char *err,
		  size_t err_len);
void mmfi_tok_free(mmfi_tok *t);

/* Encode the UTF-8 text (a C string; bytes that are not UTF-8 become byte tokens; add_bos: put <s>
 * first). Writes at most max ids; *n = ids the text needs (may be > max: then call again with more
 * room). 0, or MMF_ERR_ARG (add_bos without a <s>, text over 256 MiB), MMF_ERR_NOMEM. */
int mmfi_tok_encode(const mmfi_tok *t, const char *text, int add_bos, int32_t *ids, int max, int *n);
/* The bytes of token id as it appears in text that follows token prev (-1: id starts the text).
 * SentencePiece drops the leading space of the first piece of a text, so after <s> or at the start
 * one leading space goes. Byte tokens give their raw byte, which may be part of a UTF-8 sequence;
 * special tokens (<s>, </s>, <unk>, special added tokens) give "". Like snprintf: writes at most
 * len - 1 bytes and a NUL, returns the token's full length (>= len: cut short), or MMF_ERR_ARG for
 * an id outside 0 .. vocab - 1, MMF_ERR_NOMEM. */
int mmfi_tok_decode(const mmfi_tok *t, int32_t prev, int32_t id, char *buf, size_t len);
/* Ids the tokenizer knows (tokenizer.json: model.vocab and added_tokens; bytes: the model's). */
int mmfi_tok_vocab(const mmfi_tok *t);
/* <s> and </s>, or -1 when the tokenizer has none. */
int mmfi_tok_bos(const mmfi_tok *t);
int mmfi_tok_eos(const mmfi_tok *t);
/* What works but is worth telling the user (a tokenizer.json with byte_fallback that lacks some
 * <0xNN> tokens), or "". */
const char *mmfi_tok_note(const mmfi_tok *t);

#endif
