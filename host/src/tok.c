/*
 * tok.c: tokenizers. The Hugging Face tokenizer.json of the MMfreeLM / Mistral / Llama repositories
 * (a BPE model over SentencePiece pieces: "▁" for spaces, merges applied by rank, <0xNN> byte
 * fallback), and the byte-level tokenizer of small models without one. docs/tokenizer.md says what
 * is supported and lists the messages.
 *
 * Encoding follows the tokenizers library's pipeline for these files: the normalizer (Prepend "▁",
 * Replace " " -> "▁") or the Metaspace pre-tokenizer of newer files; the text split into UTF-8
 * characters, each one a piece of model.vocab, or else its <0xNN> byte tokens, or else <unk>; then
 * the adjacent pair of lowest merge rank is merged until no pair has a merge. A min-heap of candidate
 * pairs ordered by (rank, position) makes that O(n log n); entries a merge made stale are skipped
 * when they come up. When the vocabulary allows it (see space_words_safe), each word is merged with
 * its own small heap, which gives the same pieces and keeps the heap in cache on long texts. Unlike the tokenizers library, text that spells a special token ("<s>") is not
 * turned into it (SentencePiece does not either), and bytes that are not UTF-8 become their byte
 * tokens instead of being refused, so every C string round-trips.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmfree.h"
#include "outfile.h"
#include "tok.h"
#include "transport.h"

enum {
	TOK_MAX_IDS = 1 << 22,      /* ids a tokenizer.json may use (Mistral 32000, Llama 3 128256) */
	TOK_MAX_OPS = 8,            /* normalizer steps, decoder steps */
	TOK_MAX_STR = 16,           /* a normalizer or decoder string (" ", "▁") with its NUL */
	TOK_MAX_DEPTH = 4,          /* Sequences inside Sequences */
	TOK_MAX_FILE = 256 << 20,   /* bytes of tokenizer.json that mmfi_tok_load reads */
	TOK_MAX_TEXT = 1 << 28,     /* bytes of text one encode takes */
	TOK_BYTES_FIRST = 3,        /* byte-level tokenizer: byte b is id 3 + b */
	TOK_BYTES_VOCAB = 259,      /* ... so it needs at least 259 ids */
};

enum tok_kind {
	TOK_KIND_BYTES = 0,         /* ids 0 <unk>, 1 <s>, 2 </s>, 3 + b */
	TOK_KIND_BPE = 1,           /* tokenizer.json */
};

/* Flags of one id. */
enum {
	PIECE_MODEL = 1,            /* in model.vocab (the BPE model can produce it) */
	PIECE_ADDED = 2,            /* in added_tokens */
	PIECE_SPECIAL = 4,          /* decodes to "": a special added token, <unk>, <s>, </s> */
};

/* One id's text. */
struct piece {
	uint32_t off;               /* offset in mmfi_tok.arena */
	uint32_t len;               /* bytes (pieces hold no NUL) */
	uint8_t flags;              /* PIECE_* */
};

/* A normalizer step, applied to the whole text in order. */
enum norm_kind {
	NORM_PREPEND = 0,           /* put `to` in front of a text that is not empty */
	NORM_REPLACE = 1,           /* every `from` becomes `to`, left to right */
};
struct norm_op {
	enum norm_kind kind;        /* what it does */
	char from[TOK_MAX_STR];     /* Replace: the pattern (never empty) */
	char to[TOK_MAX_STR];       /* Prepend: the prefix; Replace: the replacement */
};

/* A decoder step, applied to each token's text in order. */
enum dec_kind {
	DEC_REPLACE = 0,            /* every `from` becomes `to` */
	DEC_BYTE_FALLBACK = 1,      /* a token "<0xNN>" becomes the byte NN */
	DEC_STRIP = 2,              /* drop up to `start` leading and `stop` trailing `from` */
};
struct dec_op {
	enum dec_kind kind;         /* what it does */
	int fused;                  /* after a Fuse: works on the whole text, so on its first token only */
	int start;                  /* Strip: characters dropped at the start */
	int stop;                   /* Strip: characters dropped at the end (0 once fused) */
	char from[TOK_MAX_STR];     /* Replace: the pattern; Strip: the character */
	char to[TOK_MAX_STR];       /* Replace: the replacement */
};

/* The Metaspace pre-tokenizer of newer files. */
struct metaspace {
	int on;                     /* present */
	int prepend;                /* put `rep` in front unless the text starts with it */
	int split;                  /* each `rep` starts a word; merges never cross words */
	char rep[TOK_MAX_STR];      /* the replacement of ' ' ("▁") */
};

/* One slot of the (left id, right id) -> merge table. */
struct merge_slot {
	uint64_t key;               /* ((uint64_t)left << 32 | right) + 1; 0: empty */
	uint32_t rank;              /* position in model.merges: lower merges first */
	int32_t id;                 /* the merged piece */
};

struct mmfi_tok {
	enum tok_kind kind;         /* which tokenizer */
	int n_ids;                  /* ids 0 .. n_ids - 1 */
	int bos;                    /* <s>, or -1 */
	int eos;                    /* </s>, or -1 */
	int unk;                    /* model.unk_token, or -1 (unknown characters are dropped) */
	int max_emit;               /* the largest id encode can produce */
	/* tokenizer.json only */
	char *arena;                /* the text of every id, back to back */
	struct piece *pieces;       /* n_ids: each id's text and flags */
	uint32_t *vocab_slot;       /* piece -> id hash table of model.vocab: id + 1, 0 empty */
	uint32_t vocab_mask;        /* its size - 1 (a power of two) */
	struct merge_slot *merges;  /* pair -> merge hash table */
	uint32_t merge_mask;        /* its size - 1 */
	int n_merges;               /* entries of model.merges */
	int32_t byte_id[256];       /* <0xNN> of each byte, or -1 */
	int byte_fallback;          /* model.byte_fallback */
	int fuse_unk;               /* model.fuse_unk: a run of unknown characters is one <unk> */
	int space_words;            /* "▁" after another character starts a word no merge can cross */
	int n_norm;                 /* normalizer steps */
	struct norm_op norm[TOK_MAX_OPS]; /* ... in order */
	struct metaspace meta;      /* pre_tokenizer */
	int n_dec;                  /* decoder steps */
	struct dec_op dec[TOK_MAX_OPS]; /* ... in order */
	char note[160];             /* what works but is worth saying (missing byte tokens), or "" */
};

/* ================================================================ small helpers */

/* A growing byte buffer. */
struct sbuf {
	char *p;                    /* bytes (not NUL-terminated) */
	size_t n;                   /* used */
	size_t cap;                 /* allocated */
};

static int sb_put(struct sbuf *b, const void *s, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->n + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return MMF_ERR_NOMEM;
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	return MMF_OK;
}

/* Bytes of the UTF-8 character at s (n bytes left); 1 for a byte that does not start a valid one
 * (overlong forms, surrogates and code points past U+10FFFF are not valid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 1;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 1;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 1;
	return len;
}

/* s (len bytes) for a message: quoted, at most ~40 bytes, control bytes as \xNN. Returns dst. */
static const char *quote(char *dst, size_t cap, const char *s, size_t len)
{
	size_t o = 0, i;

	dst[o++] = '"';
	for (i = 0; i < len && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 40) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(dst + o, cap - o, c == '"' || c == '\\' ? "\\%c" : "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

#define QUOTE_LEN 200
#define Q(buf, s) quote(buf, sizeof(buf), (s), strlen(s))

/* What a JSON value is, for messages. */
static const char *json_type(const cJSON *v)
{
	if (!v)
		return "nothing";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "a list";
	return "an object";
}

/* v as a whole number in [lo, hi]: 0, or -1 (not a number, not whole, out of range). */
static int json_int(const cJSON *v, double lo, double hi, int *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= lo && d <= hi) || d != (double)(int)d)
		return -1;
	*out = (int)d;
	return 0;
}

/* ================================================================ hash tables */

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t hash_u64(uint64_t k)
{
	k ^= k >> 33;               /* the murmur3 finaliser */
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return (uint32_t)k;
}

/* A table size: a power of two at least twice n. */
static uint32_t table_size(uint32_t n)
{
	uint32_t s = 16;

	while (s < 2 * n)
		s *= 2;
	return s;
}

/* The model.vocab id of piece s (n bytes), or -1. */
static int vocab_find(const mmfi_tok *t, const char *s, size_t n)
{
	uint32_t i = hash_bytes(s, n) & t->vocab_mask;

	for (;; i = (i + 1) & t->vocab_mask) {
		uint32_t v = t->vocab_slot[i];
		const struct piece *p;

		if (!v)
			return -1;
		p = &t->pieces[v - 1];
		if (p->len == n && !memcmp(t->arena + p->off, s, n))
			return (int)v - 1;
	}
}

/* Put id into the vocab table; the id it already holds for the same piece, or -1. */
static int vocab_add(mmfi_tok *t, int id)
{
	const struct piece *p = &t->pieces[id];
	int old = vocab_find(t, t->arena + p->off, p->len);
	uint32_t i;

	if (old >= 0)
		return old;
	i = hash_bytes(t->arena + p->off, p->len) & t->vocab_mask;
	while (t->vocab_slot[i])
		i = (i + 1) & t->vocab_mask;
	t->vocab_slot[i] = (uint32_t)id + 1;
	return -1;
}

static uint64_t merge_key(int32_t a, int32_t b)
{
	return ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
}

/* The merge of (a, b), or NULL. */
static const struct merge_slot *merge_find(const mmfi_tok *t, int32_t a, int32_t b)
{
	uint64_t k = merge_key(a, b);
	uint32_t i = hash_u64(k) & t->merge_mask;

	for (;; i = (i + 1) & t->merge_mask) {
		if (!t->merges[i].key)
			return NULL;
		if (t->merges[i].key == k)
			return &t->merges[i];
	}
}

/* ================================================================ tokenizer.json */

/* What parsing carries along. */
struct tok_parse {
	mmfi_tok *t;                /* being filled */
	const char *path;           /* names the file in messages */
	char *err;                  /* message buffer */
	size_t err_len;             /* its size */
	int fused;                  /* decoder: a Fuse has been seen */
};

/* A string field of o into dst (cap bytes with the NUL); empty only if allow_empty. 0 or
 * MMF_ERR_ARG. */
static int get_str(struct tok_parse *p, const cJSON *o, const char *key, const char *where, char *dst,
		   size_t cap, int allow_empty)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char q[QUOTE_LEN];

	if (!cJSON_IsString(v) || (!allow_empty && !v->valuestring[0])) {
		mmfi_msg(p->err, p->err_len, "%s: %s.%s: expected a string%s, found %s", p->path, where,
			 key, allow_empty ? "" : " that is not empty",
			 cJSON_IsString(v) ? "\"\"" : json_type(v));
		return MMF_ERR_ARG;
	}
	if (strlen(v->valuestring) >= cap) {
		mmfi_msg(p->err, p->err_len, "%s: %s.%s: %s is %zu bytes, at most %zu are supported",
			 p->path, where, key, Q(q, v->valuestring), strlen(v->valuestring), cap - 1);
		return MMF_ERR_ARG;
	}
	strcpy(dst, v->valuestring);
	return MMF_OK;
}

/* A {"String": s} pattern (the only kind supported; "Regex" is not). */
static int get_pattern(struct tok_parse *p, const cJSON *o, const char *where, char *dst)
{
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(o, "pattern");
	char w[96];

	if (cJSON_IsObject(pat) && cJSON_GetObjectItemCaseSensitive(pat, "Regex")) {
		mmfi_msg(p->err, p->err_len, "%s: %s.pattern: a Regex pattern is not supported (only "
			 "{\"String\": ...})", p->path, where);
		return MMF_ERR_UNSUPPORTED;
	}
	if (!cJSON_IsObject(pat)) {
		mmfi_msg(p->err, p->err_len, "%s: %s.pattern: expected an object {\"String\": ...}, found "
			 "%s", p->path, where, json_type(pat));
		return MMF_ERR_ARG;
	}
	snprintf(w, sizeof(w), "%s.pattern", where);
	return get_str(p, pat, "String", w, dst, TOK_MAX_STR, 0);
}

/* A boolean field: absent or null gives def. */
static int get_bool(struct tok_parse *p, const cJSON *o, const char *key, const char *where, int def,
		    int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v || cJSON_IsNull(v)) {
		*out = def;
		return MMF_OK;
	}
	if (!cJSON_IsBool(v)) {
		mmfi_msg(p->err, p->err_len, "%s: %s.%s: expected true or false, found %s", p->path, where,
			 key, json_type(v));
		return MMF_ERR_ARG;
	}
	*out = cJSON_IsTrue(v);
	return MMF_OK;
}

/* o's "type" string, or NULL after saying what is wrong. */
static const char *get_type(struct tok_parse *p, const cJSON *o, const char *where)
{
	const cJSON *v;

	if (!cJSON_IsObject(o)) {
		mmfi_msg(p->err, p->err_len, "%s: %s: expected an object, found %s", p->path, where,
			 json_type(o));
		return NULL;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "type");
	if (!cJSON_IsString(v)) {
		mmfi_msg(p->err, p->err_len, "%s: %s.type: expected a string, found %s", p->path, where,
			 json_type(v));
		return NULL;
	}
	return v->valuestring;
}

static int unsupported(struct tok_parse *p, const char *where, const char *type, const char *supported)
{
	char q[QUOTE_LEN];

	mmfi_msg(p->err, p->err_len, "%s: %s.type: %s is not supported (supported: %s)", p->path, where,
		 Q(q, type), supported);
	return MMF_ERR_UNSUPPORTED;
}

/* The elements of a list field of a Sequence, each parsed by fn with its own "where". */
static int each_step(struct tok_parse *p, const cJSON *o, const char *key, const char *where, int depth,
		     int (*fn)(struct tok_parse *, const cJSON *, const char *, int))
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, key), *e;
	char w[160];
	int i = 0, r;

	if (!cJSON_IsArray(list)) {
		mmfi_msg(p->err, p->err_len, "%s: %s.%s: expected a list, found %s", p->path, where, key,
			 json_type(list));
		return MMF_ERR_ARG;
	}
	if (depth >= TOK_MAX_DEPTH) {
		mmfi_msg(p->err, p->err_len, "%s: %s: Sequences nested more than %d deep", p->path, where,
			 TOK_MAX_DEPTH);
		return MMF_ERR_UNSUPPORTED;
	}
	cJSON_ArrayForEach(e, list) {
		snprintf(w, sizeof(w), "%s.%s[%d]", where, key, i++);
		r = fn(p, e, w, depth + 1);
		if (r)
			return r;
	}
	return MMF_OK;
}

static int too_many_steps(struct tok_parse *p, const char *where)
{
	mmfi_msg(p->err, p->err_len, "%s: %s: more than %d steps", p->path, where, TOK_MAX_OPS);
	return MMF_ERR_UNSUPPORTED;
}

/* normalizer: Sequence, Prepend, Replace. */
static int parse_norm(struct tok_parse *p, const cJSON *o, const char *where, int depth)
{
	mmfi_tok *t = p->t;
	const char *type = get_type(p, o, where);
	struct norm_op *op;
	int r;

	if (!type)
		return MMF_ERR_ARG;
	if (!strcmp(type, "Sequence"))
		return each_step(p, o, "normalizers", where, depth, parse_norm);
	if (strcmp(type, "Prepend") && strcmp(type, "Replace"))
		return unsupported(p, where, type, "Sequence, Prepend, Replace");
	if (t->n_norm == TOK_MAX_OPS)
		return too_many_steps(p, where);
	op = &t->norm[t->n_norm++];
	if (!strcmp(type, "Prepend")) {
		op->kind = NORM_PREPEND;
		return get_str(p, o, "prepend", where, op->to, sizeof(op->to), 0);
	}
	op->kind = NORM_REPLACE;
	r = get_pattern(p, o, where, op->from);
	return r ? r : get_str(p, o, "content", where, op->to, sizeof(op->to), 1);
}

/* Metaspace's prepend: "prepend_scheme" (newer files) or "add_prefix_space" (older); default on. */
static int parse_prepend_scheme(struct tok_parse *p, const cJSON *o, const char *where, int *prepend)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "prepend_scheme");
	char q[QUOTE_LEN];

	if (!v || cJSON_IsNull(v))
		return get_bool(p, o, "add_prefix_space", where, 1, prepend);
	if (!cJSON_IsString(v) || (strcmp(v->valuestring, "always") && strcmp(v->valuestring, "first") &&
				   strcmp(v->valuestring, "never"))) {
		mmfi_msg(p->err, p->err_len, "%s: %s.prepend_scheme: expected \"always\", \"first\" or "
			 "\"never\", found %s", p->path, where,
			 cJSON_IsString(v) ? Q(q, v->valuestring) : json_type(v));
		return MMF_ERR_ARG;
	}
	*prepend = strcmp(v->valuestring, "never") != 0;
	return MMF_OK;
}

/* pre_tokenizer: Metaspace (or nothing). */
static int parse_pretok(struct tok_parse *p, const cJSON *o)
{
	struct metaspace *m = &p->t->meta;
	const char *type = get_type(p, o, "pre_tokenizer");

	if (!type)
		return MMF_ERR_ARG;
	if (strcmp(type, "Metaspace"))
		return unsupported(p, "pre_tokenizer", type, "Metaspace, or null");
	m->on = 1;
	if (get_str(p, o, "replacement", "pre_tokenizer", m->rep, sizeof(m->rep), 0) ||
	    parse_prepend_scheme(p, o, "pre_tokenizer", &m->prepend) ||
	    get_bool(p, o, "split", "pre_tokenizer", 1, &m->split))
		return MMF_ERR_ARG;
	return MMF_OK;
}

/* decoder: Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace. */
static int parse_dec(struct tok_parse *p, const cJSON *o, const char *where, int depth)
{
	mmfi_tok *t = p->t;
	const char *type = get_type(p, o, where);
	struct dec_op *op;
	int prepend, r;

	if (!type)
		return MMF_ERR_ARG;
	if (!strcmp(type, "Sequence"))
		return each_step(p, o, "decoders", where, depth, parse_dec);
	if (!strcmp(type, "Fuse")) {
		p->fused = 1;
		return MMF_OK;
	}
	if (strcmp(type, "Replace") && strcmp(type, "ByteFallback") && strcmp(type, "Strip") &&
	    strcmp(type, "Metaspace"))
		return unsupported(p, where, type, "Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace");
	if (t->n_dec + 2 > TOK_MAX_OPS)
		return too_many_steps(p, where);
	op = &t->dec[t->n_dec++];
	op->fused = p->fused;
	if (!strcmp(type, "ByteFallback")) {
		op->kind = DEC_BYTE_FALLBACK;
		if (p->fused) {
			mmfi_msg(p->err, p->err_len, "%s: %s: ByteFallback after Fuse is not supported",
				 p->path, where);
			return MMF_ERR_UNSUPPORTED;
		}
		return MMF_OK;
	}
	if (!strcmp(type, "Replace")) {
		op->kind = DEC_REPLACE;
		r = get_pattern(p, o, where, op->from);
		if (r || (r = get_str(p, o, "content", where, op->to, sizeof(op->to), 1)))
			return r;
		/* after Fuse a pattern could span two tokens; one character cannot */
		if (p->fused && utf8_len((const unsigned char *)op->from, strlen(op->from)) !=
		    strlen(op->from)) {
			mmfi_msg(p->err, p->err_len, "%s: %s: Replace of more than one character after Fuse "
				 "is not supported", p->path, where);
			return MMF_ERR_UNSUPPORTED;
		}
		return MMF_OK;
	}
	if (!strcmp(type, "Strip")) {
		const cJSON *start = cJSON_GetObjectItemCaseSensitive(o, "start");
		const cJSON *stop = cJSON_GetObjectItemCaseSensitive(o, "stop");

		op->kind = DEC_STRIP;
		if (get_str(p, o, "content", where, op->from, sizeof(op->from), 0))
			return MMF_ERR_ARG;
		if (utf8_len((const unsigned char *)op->from, strlen(op->from)) != strlen(op->from)) {
			mmfi_msg(p->err, p->err_len, "%s: %s.content: expected one character", p->path,
				 where);
			return MMF_ERR_ARG;
		}
		if (json_int(start, 0, 1000, &op->start) || json_int(stop, 0, 1000, &op->stop)) {
			mmfi_msg(p->err, p->err_len, "%s: %s: start and stop: expected whole numbers 0 to "
				 "1000, found %s and %s", p->path, where, json_type(start), json_type(stop));
			return MMF_ERR_ARG;
		}
		if (p->fused && op->stop) {
			mmfi_msg(p->err, p->err_len, "%s: %s.stop: %d: stripping the end of the text is not "
				 "supported", p->path, where, op->stop);
			return MMF_ERR_UNSUPPORTED;
		}
		return MMF_OK;
	}
	/* Metaspace: the replacement becomes a space, and the text's first one goes */
	op->kind = DEC_REPLACE;
	if (get_str(p, o, "replacement", where, op->from, sizeof(op->from), 0) ||
	    parse_prepend_scheme(p, o, where, &prepend))
		return MMF_ERR_ARG;
	strcpy(op->to, " ");
	if (prepend) {
		op = &t->dec[t->n_dec++];
		op->kind = DEC_STRIP;
		op->fused = 1;
		op->start = 1;
		strcpy(op->from, " ");
	}
	return MMF_OK;
}

/* One merge: "a b" or ["a", "b"]; puts it in the table with rank i. */
static int parse_merge(struct tok_parse *p, const cJSON *m, int i)
{
	mmfi_tok *t = p->t;
	const char *a, *b, *sp;
	size_t la, lb;
	char q[QUOTE_LEN], q2[QUOTE_LEN], *ab = NULL;
	int ia, ib, iab, r = MMF_ERR_ARG;
	uint64_t k;
	uint32_t s;

	if (cJSON_IsString(m)) {
		a = m->valuestring;
		sp = strchr(a, ' ');
		if (!sp || sp == a || !sp[1] || strchr(sp + 1, ' ')) {
			mmfi_msg(p->err, p->err_len, "%s: model.merges[%d]: %s: expected two pieces "
				 "separated by a space", p->path, i, Q(q, a));
			return MMF_ERR_ARG;
		}
		la = (size_t)(sp - a);
		b = sp + 1;
	} else if (cJSON_IsArray(m) && cJSON_GetArraySize(m) == 2 &&
		   cJSON_IsString(cJSON_GetArrayItem(m, 0)) && cJSON_IsString(cJSON_GetArrayItem(m, 1)) &&
		   cJSON_GetArrayItem(m, 0)->valuestring[0] && cJSON_GetArrayItem(m, 1)->valuestring[0]) {
		a = cJSON_GetArrayItem(m, 0)->valuestring;
		la = strlen(a);
		b = cJSON_GetArrayItem(m, 1)->valuestring;
	} else {
		mmfi_msg(p->err, p->err_len, "%s: model.merges[%d]: expected \"left right\" or [\"left\", "
			 "\"right\"], found %s", p->path, i, json_type(m));
		return MMF_ERR_ARG;
	}
	lb = strlen(b);
	ia = vocab_find(t, a, la);
	ib = vocab_find(t, b, lb);
	if (ia < 0 || ib < 0) {
		mmfi_msg(p->err, p->err_len, "%s: model.merges[%d]: %s is not in model.vocab", p->path, i,
			 ia < 0 ? quote(q, sizeof(q), a, la) : quote(q, sizeof(q), b, lb));
		return MMF_ERR_ARG;
	}
	ab = malloc(la + lb);
	if (!ab) {
		mmfi_msg(p->err, p->err_len, "%s: out of memory", p->path);
		return MMF_ERR_NOMEM;
	}
	memcpy(ab, a, la);
	memcpy(ab + la, b, lb);
	iab = vocab_find(t, ab, la + lb);
	if (iab < 0) {
		mmfi_msg(p->err, p->err_len, "%s: model.merges[%d]: the merged piece %s is not in "
			 "model.vocab", p->path, i, quote(q, sizeof(q), ab, la + lb));
		goto out;
	}
	k = merge_key(ia, ib);
	for (s = hash_u64(k) & t->merge_mask; t->merges[s].key; s = (s + 1) & t->merge_mask) {
		if (t->merges[s].key == k) {
			mmfi_msg(p->err, p->err_len, "%s: model.merges[%d]: %s %s repeats model.merges[%u]",
				 p->path, i, quote(q, sizeof(q), a, la), quote(q2, sizeof(q2), b, lb),
				 t->merges[s].rank);
			goto out;
		}
	}
	t->merges[s].key = k;
	t->merges[s].rank = (uint32_t)i;
	t->merges[s].id = iab;
	r = MMF_OK;
out:
	free(ab);
	return r;
}

/* Sizes of model.vocab and added_tokens, checked for types. */
struct id_count {
	int n_vocab;                /* model.vocab entries */
	int n_added;                /* added_tokens entries */
	int max_id;                 /* the largest id of either */
	size_t bytes;               /* their text */
};

/* First pass over model.vocab and added_tokens: types, ids in range, sizes. */
static int count_ids(struct tok_parse *p, const cJSON *vocab, const cJSON *added, struct id_count *c)
{
	const cJSON *e;
	char q[QUOTE_LEN];
	int id, i = 0;

	cJSON_ArrayForEach(e, vocab) {
		if (json_int(e, 0, TOK_MAX_IDS - 1, &id)) {
			mmfi_msg(p->err, p->err_len, "%s: model.vocab[%s]: expected an id 0 to %d, found %s",
				 p->path, Q(q, e->string), TOK_MAX_IDS - 1,
				 cJSON_IsNumber(e) ? "a number out of range or not whole" : json_type(e));
			return MMF_ERR_ARG;
		}
		if (!e->string[0]) {
			mmfi_msg(p->err, p->err_len, "%s: model.vocab: the empty piece \"\" (id %d)", p->path,
				 id);
			return MMF_ERR_ARG;
		}
		c->max_id = id > c->max_id ? id : c->max_id;
		c->bytes += strlen(e->string);
		c->n_vocab++;
	}
	cJSON_ArrayForEach(e, added) {
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(e, "content");

		if (!cJSON_IsObject(e) || json_int(cJSON_GetObjectItemCaseSensitive(e, "id"), 0,
						   TOK_MAX_IDS - 1, &id)) {
			mmfi_msg(p->err, p->err_len, "%s: added_tokens[%d].id: expected an id 0 to %d", p->path,
				 i, TOK_MAX_IDS - 1);
			return MMF_ERR_ARG;
		}
		if (!cJSON_IsString(content) || !content->valuestring[0]) {
			mmfi_msg(p->err, p->err_len, "%s: added_tokens[%d].content: expected a string that is "
				 "not empty, found %s", p->path, i, json_type(content));
			return MMF_ERR_ARG;
		}
		c->max_id = id > c->max_id ? id : c->max_id;
		c->bytes += strlen(content->valuestring);
		c->n_added++;
		i++;
	}
	if (!c->n_vocab) {
		mmfi_msg(p->err, p->err_len, "%s: model.vocab: empty", p->path);
		return MMF_ERR_ARG;
	}
	if (c->max_id >= c->n_vocab + c->n_added || c->bytes > UINT32_MAX) {
		/* some id below max_id is missing: refuse before allocating for max_id */
		mmfi_msg(p->err, p->err_len, "%s: id %d is used, but model.vocab and added_tokens hold %d "
			 "entries: ids must run from 0 without gaps", p->path, c->max_id,
			 c->n_vocab + c->n_added);
		return MMF_ERR_ARG;
	}
	return MMF_OK;
}

/* Append text to the arena as id's. */
static void set_text(mmfi_tok *t, int id, const char *text, size_t *off)
{
	struct piece *pc = &t->pieces[id];

	pc->off = (uint32_t)*off;
	pc->len = (uint32_t)strlen(text);
	memcpy(t->arena + *off, text, pc->len);
	*off += pc->len;
}

/* Second pass: every id's text and flags, the piece table of model.vocab, no gaps. */
static int fill_ids(struct tok_parse *p, const cJSON *vocab, const cJSON *added)
{
	mmfi_tok *t = p->t;
	const cJSON *e;
	char q[QUOTE_LEN], q2[QUOTE_LEN], where[48];
	size_t off = 0;
	int id, i = 0, old, special;

	cJSON_ArrayForEach(e, vocab) {
		struct piece *pc = &t->pieces[id = (int)e->valuedouble];

		if (pc->flags & PIECE_MODEL) {
			mmfi_msg(p->err, p->err_len, "%s: model.vocab: %s and %s both have id %d", p->path,
				 quote(q, sizeof(q), t->arena + pc->off, pc->len), Q(q2, e->string), id);
			return MMF_ERR_ARG;
		}
		set_text(t, id, e->string, &off);
		pc->flags = PIECE_MODEL;
		old = vocab_add(t, id);
		if (old >= 0) {
			mmfi_msg(p->err, p->err_len, "%s: model.vocab: %s appears twice (ids %d and %d)",
				 p->path, Q(q, e->string), old, id);
			return MMF_ERR_ARG;
		}
	}
	cJSON_ArrayForEach(e, added) {
		const char *content = cJSON_GetObjectItemCaseSensitive(e, "content")->valuestring;
		struct piece *pc;

		id = (int)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble;
		pc = &t->pieces[id];
		snprintf(where, sizeof(where), "added_tokens[%d]", i);
		if (get_bool(p, e, "special", where, 0, &special))
			return MMF_ERR_ARG;
		if (pc->flags & PIECE_ADDED) {
			mmfi_msg(p->err, p->err_len, "%s: %s: id %d is already an added token", p->path, where,
				 id);
			return MMF_ERR_ARG;
		}
		if (!(pc->flags & PIECE_MODEL)) {
			set_text(t, id, content, &off);
		} else if (pc->len != strlen(content) || memcmp(t->arena + pc->off, content, pc->len)) {
			mmfi_msg(p->err, p->err_len, "%s: %s: id %d is %s, but model.vocab gives it to %s",
				 p->path, where, id, Q(q, content),
				 quote(q2, sizeof(q2), t->arena + pc->off, pc->len));
			return MMF_ERR_ARG;
		}
		pc->flags |= PIECE_ADDED | (special ? PIECE_SPECIAL : 0);
		i++;
	}
	for (id = 0; id < t->n_ids; id++) {
		if (!t->pieces[id].flags) {
			mmfi_msg(p->err, p->err_len, "%s: id %d is in neither model.vocab nor added_tokens "
				 "(ids must run from 0 to %d without gaps)", p->path, id, t->n_ids - 1);
			return MMF_ERR_ARG;
		}
		if (t->pieces[id].flags & PIECE_MODEL)
			t->max_emit = id;
	}
	return MMF_OK;
}

/* The model's options: unk_token, byte_fallback, fuse_unk; those that are not supported refused. */
static int parse_options(struct tok_parse *p, const cJSON *model)
{
	mmfi_tok *t = p->t;
	const cJSON *v;
	char q[QUOTE_LEN];
	int i, ignore;

	v = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
	t->unk = -1;
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v)) {
			mmfi_msg(p->err, p->err_len, "%s: model.unk_token: expected a string or null, found %s",
				 p->path, json_type(v));
			return MMF_ERR_ARG;
		}
		t->unk = vocab_find(t, v->valuestring, strlen(v->valuestring));
		if (t->unk < 0) {
			mmfi_msg(p->err, p->err_len, "%s: model.unk_token: %s is not in model.vocab", p->path,
				 Q(q, v->valuestring));
			return MMF_ERR_ARG;
		}
	}
	if (get_bool(p, model, "byte_fallback", "model", 0, &t->byte_fallback) ||
	    get_bool(p, model, "fuse_unk", "model", 0, &t->fuse_unk) ||
	    get_bool(p, model, "ignore_merges", "model", 0, &ignore))
		return MMF_ERR_ARG;
	if (ignore) {
		mmfi_msg(p->err, p->err_len, "%s: model.ignore_merges: true is not supported", p->path);
		return MMF_ERR_UNSUPPORTED;
	}
	v = cJSON_GetObjectItemCaseSensitive(model, "dropout");
	if (v && !cJSON_IsNull(v) && !(cJSON_IsNumber(v) && v->valuedouble == 0.0)) {
		mmfi_msg(p->err, p->err_len, "%s: model.dropout: BPE dropout is not supported (expected null "
			 "or 0)", p->path);
		return MMF_ERR_UNSUPPORTED;
	}
	for (i = 0; i < 2; i++) {
		const char *key = i ? "end_of_word_suffix" : "continuing_subword_prefix";

		v = cJSON_GetObjectItemCaseSensitive(model, key);
		if (v && !cJSON_IsNull(v) && !(cJSON_IsString(v) && !v->valuestring[0])) {
			mmfi_msg(p->err, p->err_len, "%s: model.%s: not supported (expected null)", p->path,
				 key);
			return MMF_ERR_UNSUPPORTED;
		}
	}
	return MMF_OK;
}

/* model.merges, by rank, into the merge table. */
static int parse_merges(struct tok_parse *p, const cJSON *model)
{
	mmfi_tok *t = p->t;
	const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges"), *e;
	int i = 0, r;

	if (!cJSON_IsArray(merges)) {
		mmfi_msg(p->err, p->err_len, "%s: model.merges: expected a list, found %s", p->path,
			 json_type(merges));
		return MMF_ERR_ARG;
	}
	t->n_merges = cJSON_GetArraySize(merges);
	t->merge_mask = table_size((uint32_t)t->n_merges) - 1;
	t->merges = calloc((size_t)t->merge_mask + 1, sizeof(*t->merges));
	if (!t->merges) {
		mmfi_msg(p->err, p->err_len, "%s: out of memory for %d merges", p->path, t->n_merges);
		return MMF_ERR_NOMEM;
	}
	cJSON_ArrayForEach(e, merges) {
		r = parse_merge(p, e, i++);
		if (r)
			return r;
	}
	return MMF_OK;
}

/* model (type, vocab, merges, options) and added_tokens. */
static int parse_model(struct tok_parse *p, const cJSON *root)
{
	mmfi_tok *t = p->t;
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
	const cJSON *vocab, *added;
	struct id_count c = { 0, 0, -1, 0 };
	const char *type;
	int r;

	type = get_type(p, model, "model");
	if (!type)
		return MMF_ERR_ARG;
	if (strcmp(type, "BPE"))
		return unsupported(p, "model", type, "BPE");
	vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
	if (!cJSON_IsObject(vocab)) {
		mmfi_msg(p->err, p->err_len, "%s: model.vocab: expected an object {piece: id}, found %s",
			 p->path, json_type(vocab));
		return MMF_ERR_ARG;
	}
	added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
	if (added && !cJSON_IsNull(added) && !cJSON_IsArray(added)) {
		mmfi_msg(p->err, p->err_len, "%s: added_tokens: expected a list, found %s", p->path,
			 json_type(added));
		return MMF_ERR_ARG;
	}
	r = count_ids(p, vocab, added, &c);
	if (r)
		return r;
	t->n_ids = c.max_id + 1;
	t->pieces = calloc((size_t)t->n_ids, sizeof(*t->pieces));
	t->arena = malloc(c.bytes + 1);
	t->vocab_mask = table_size((uint32_t)c.n_vocab) - 1;
	t->vocab_slot = calloc((size_t)t->vocab_mask + 1, sizeof(*t->vocab_slot));
	if (!t->pieces || !t->arena || !t->vocab_slot) {
		mmfi_msg(p->err, p->err_len, "%s: out of memory for %d ids", p->path, t->n_ids);
		return MMF_ERR_NOMEM;
	}
	r = fill_ids(p, vocab, added);
	if (!r)
		r = parse_options(p, model);
	if (!r)
		r = parse_merges(p, model);
	return r;
}

/* The id whose text is s (model.vocab or added_tokens), or -1. */
static int find_any(const mmfi_tok *t, const char *s)
{
	size_t n = strlen(s);
	int id = vocab_find(t, s, n);

	if (id >= 0)
		return id;
	for (id = 0; id < t->n_ids; id++)
		if (t->pieces[id].len == n && !memcmp(t->arena + t->pieces[id].off, s, n))
			return id;
	return -1;
}

/* Whether a "▁" that follows another character may start a word of its own. A merge across that
 * boundary would make a piece holding "▁" right after bytes that are not "▁" (the left symbol's
 * piece ends with its last character, or is "<0xNN>" or "<unk>"; the right one's starts with the
 * piece "▁"). So when "▁" is a piece (never bytes or <unk>) and no piece of model.vocab has "▁"
 * after anything but "▁" ("▁▁" is fine), merging each word alone gives the same result. The
 * SentencePiece vocabularies are like that; a file that is not keeps one heap for the text. */
static int space_words_safe(const mmfi_tok *t)
{
	static const char sp[] = "\xe2\x96\x81";
	int id;

	if (t->meta.on && t->meta.split)
		return 0;               /* Metaspace splits already */
	if (vocab_find(t, sp, 3) < 0)
		return 0;
	for (id = 0; id < t->n_ids; id++) {
		const struct piece *pc = &t->pieces[id];
		const char *s = t->arena + pc->off;
		uint32_t k;

		if (!(pc->flags & PIECE_MODEL))
			continue;
		for (k = 1; k + 3 <= pc->len; k++)
			if (!memcmp(s + k, sp, 3) && (k < 3 || memcmp(s + k - 3, sp, 3)))
				return 0;
	}
	return 1;
}

/* Byte tokens, <s>, </s>, the largest id encode produces, the note. */
static void finish(mmfi_tok *t)
{
	char name[8];
	int b, missing = 0, first = -1;

	for (b = 0; b < 256; b++) {
		snprintf(name, sizeof(name), "<0x%02X>", b);
		t->byte_id[b] = vocab_find(t, name, 6);
		if (t->byte_id[b] < 0 && missing++ == 0)
			first = b;
	}
	if (t->byte_fallback && missing)
		snprintf(t->note, sizeof(t->note), "byte_fallback is on but %d of the 256 byte tokens are "
			 "missing (the first <0x%02X>): characters that need them become %s", missing, first,
			 t->unk >= 0 ? "<unk>" : "nothing");
	t->bos = find_any(t, "<s>");
	t->eos = find_any(t, "</s>");
	if (t->bos >= 0)
		t->pieces[t->bos].flags |= PIECE_SPECIAL;
	if (t->eos >= 0)
		t->pieces[t->eos].flags |= PIECE_SPECIAL;
	if (t->unk >= 0)
		t->pieces[t->unk].flags |= PIECE_SPECIAL;
	t->space_words = space_words_safe(t);
	t->max_emit = t->max_emit > t->bos ? t->max_emit : t->bos;
	t->max_emit = t->max_emit > t->eos ? t->max_emit : t->eos;
}

int mmfi_tok_parse(const char *text, size_t len, const char *path, mmfi_tok **out, char *err,
		   size_t err_len)
{
	struct tok_parse p = { NULL, path ? path : "tokenizer.json", err, err_len, 0 };
	const char *end = NULL;
	cJSON *root = NULL;
	const cJSON *v;
	char *copy = NULL;
	size_t i, line = 1;
	int r = MMF_ERR_NOMEM;

	*out = NULL;
	/* a NUL-terminated copy: cJSON then never reads past the text, whatever it holds */
	copy = malloc(len + 1);
	p.t = calloc(1, sizeof(*p.t));
	if (!copy || !p.t) {
		mmfi_msg(err, err_len, "%s: out of memory for %zu bytes", p.path, len);
		goto fail;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	p.t->kind = TOK_KIND_BPE;
	r = MMF_ERR_ARG;
	root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 0);
	if (root)
		while (end < copy + len && strchr(" \t\r\n", *end) && *end)
			end++;
	if (!root || end < copy + len) {
		size_t at = end ? (size_t)(end - copy) : 0;

		for (i = 0; i < at && i < len; i++)
			line += copy[i] == '\n';
		mmfi_msg(err, err_len, "%s: not JSON: %s at byte %zu (line %zu)", p.path,
			 root ? "more text after the end" : "a syntax error", at, line);
		goto fail;
	}
	if (!cJSON_IsObject(root)) {
		mmfi_msg(err, err_len, "%s: expected an object at the top, found %s", p.path,
			 json_type(root));
		goto fail;
	}
	r = parse_model(&p, root);
	if (r)
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
	if (v && !cJSON_IsNull(v) && (r = parse_norm(&p, v, "normalizer", 0)))
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
	if (v && !cJSON_IsNull(v) && (r = parse_pretok(&p, v)))
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(root, "decoder");
	if (v && !cJSON_IsNull(v) && (r = parse_dec(&p, v, "decoder", 0)))
		goto fail;
	finish(p.t);
	cJSON_Delete(root);
	free(copy);
	*out = p.t;
	return MMF_OK;
fail:
	cJSON_Delete(root);
	free(copy);
	mmfi_tok_free(p.t);
	return r;
}

/* ================================================================ the byte-level tokenizer */

int mmfi_tok_bytes(int vocab, mmfi_tok **out, char *err, size_t err_len)
{
	mmfi_tok *t;
	int b;

	*out = NULL;
	if (vocab < TOK_BYTES_VOCAB || vocab > TOK_MAX_IDS) {
		mmfi_msg(err, err_len, "the byte-level tokenizer needs a vocabulary of %d to %d ids, the "
			 "model has %d", TOK_BYTES_VOCAB, TOK_MAX_IDS, vocab);
		return MMF_ERR_ARG;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		mmfi_msg(err, err_len, "out of memory");
		return MMF_ERR_NOMEM;
	}
	t->kind = TOK_KIND_BYTES;
	t->n_ids = vocab;
	t->unk = 0;
	t->bos = 1;
	t->eos = 2;
	t->max_emit = TOK_BYTES_VOCAB - 1;
	for (b = 0; b < 256; b++)
		t->byte_id[b] = TOK_BYTES_FIRST + b;
	*out = t;
	return MMF_OK;
}

/* ================================================================ loading */

/* The whole file at path into *buf (*len bytes). 0 (with *missing set when there is no such file),
 * or a negative mmf_error after a message. */
static int read_file(const char *path, char **buf, size_t *len, int *missing, char *err, size_t err_len)
{
	struct sbuf b = { NULL, 0, 0 };
	char chunk[65536];
	size_t got;
	FILE *f;
	int r = mmfi_in_fopen(path, NULL, &f, err, err_len);

	if (r) {
		*missing = errno == ENOENT;
		return *missing ? MMF_OK : r;
	}
	r = MMF_ERR_IO;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.n + got > TOK_MAX_FILE) {
			mmfi_msg(err, err_len, "%s: larger than %d MiB", path, TOK_MAX_FILE >> 20);
			r = MMF_ERR_ARG;
			goto fail;
		}
		if (sb_put(&b, chunk, got)) {
			mmfi_msg(err, err_len, "%s: out of memory after %zu bytes", path, b.n);
			r = MMF_ERR_NOMEM;
			goto fail;
		}
	}
	if (ferror(f)) {
		mmfi_msg(err, err_len, "%s: read failed: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	*buf = b.p;
	*len = b.n;
	return MMF_OK;
fail:
	fclose(f);
	free(b.p);
	return r;
}

int mmfi_tok_load(const char *dir, int vocab, mmfi_tok **out, const char **kind, char *err,
		  size_t err_len)
{
	mmfi_tok *t = NULL;
	char *path = NULL, *text = NULL, q[QUOTE_LEN];
	size_t len = 0;
	int missing = 0, r;

	*out = NULL;
	path = malloc(strlen(dir) + sizeof("/tokenizer.json"));
	if (!path) {
		mmfi_msg(err, err_len, "out of memory");
		return MMF_ERR_NOMEM;
	}
	sprintf(path, "%s/tokenizer.json", dir);
	r = read_file(path, &text, &len, &missing, err, err_len);
	if (!r && missing) {
		r = mmfi_tok_bytes(vocab, &t, err, err_len);
		if (r)
			mmfi_msg(err, err_len, "%s has no tokenizer.json, and the byte-level tokenizer needs "
				 "vocab_size >= %d (the model has %d)", dir, TOK_BYTES_VOCAB, vocab);
		else if (kind)
			*kind = "bytes";
		goto done;
	}
	if (r)
		goto done;
	r = mmfi_tok_parse(text, len, path, &t, err, err_len);
	if (r)
		goto done;
	if (t->max_emit >= vocab) {
		const struct piece *pc = &t->pieces[t->max_emit];

		mmfi_msg(err, err_len, "%s: id %d (%s) is past the model's vocab_size %d (ids 0 to %d)",
			 path, t->max_emit, quote(q, sizeof(q), t->arena + pc->off, pc->len), vocab,
			 vocab - 1);
		r = MMF_ERR_ARG;
		goto done;
	}
	if (kind)
		*kind = "tokenizer.json";
done:
	if (r) {
		mmfi_tok_free(t);
		t = NULL;
	}
	*out = t;
	free(text);
	free(path);
	return r;
}

void mmfi_tok_free(mmfi_tok *t)
{
	if (!t)
		return;
	free(t->arena);
	free(t->pieces);
	free(t->vocab_slot);
	free(t->merges);
	free(t);
}

/* ================================================================ encoding */

/* Replace every `from` in b by `to`. */
static int replace_all(struct sbuf *b, const char *from, const char *to)
{
	struct sbuf o = { NULL, 0, 0 };
	size_t fl = strlen(from), tl = strlen(to), i;

	for (i = 0; i < b->n;) {
		if (i + fl <= b->n && !memcmp(b->p + i, from, fl)) {
			if (sb_put(&o, to, tl))
				goto nomem;
			i += fl;
		} else {
			if (sb_put(&o, b->p + i, 1))
				goto nomem;
			i++;
		}
	}
	free(b->p);
	*b = o;
	return MMF_OK;
nomem:
	free(o.p);
	return MMF_ERR_NOMEM;
}

/* Put s in front of b. */
static int prepend(struct sbuf *b, const char *s)
{
	size_t sl = strlen(s);

	if (sb_put(b, s, sl))
		return MMF_ERR_NOMEM;
	memmove(b->p + sl, b->p, b->n - sl);
	memcpy(b->p, s, sl);
	return MMF_OK;
}

/* The text after the normalizer and the Metaspace replacement (its split comes later). */
static int normalize(const mmfi_tok *t, const char *text, size_t n, struct sbuf *b)
{
	size_t rl = strlen(t->meta.rep);
	int k;

	if (sb_put(b, text, n))
		return MMF_ERR_NOMEM;
	for (k = 0; k < t->n_norm; k++) {
		const struct norm_op *op = &t->norm[k];

		/* Prepend leaves an empty text empty */
		if (op->kind == NORM_PREPEND ? b->n && prepend(b, op->to) : replace_all(b, op->from, op->to))
			return MMF_ERR_NOMEM;
	}
	if (t->meta.on) {
		/* ' ' becomes the replacement, which goes in front unless the text starts with it */
		if (replace_all(b, " ", t->meta.rep))
			return MMF_ERR_NOMEM;
		if (t->meta.prepend && b->n && (b->n < rl || memcmp(b->p, t->meta.rep, rl)) &&
		    prepend(b, t->meta.rep))
			return MMF_ERR_NOMEM;
	}
	return b->n > TOK_MAX_TEXT ? MMF_ERR_ARG : MMF_OK;
}

/* One symbol of the word being merged. */
struct sym {
	int32_t id;                 /* its piece */
	int32_t prev;               /* the symbol before, or -1 */
	int32_t next;               /* the symbol after, or -1 */
	uint32_t len;               /* bytes of text it covers; 0 once merged into the one before */
	int word_start;             /* no merge joins it to the symbol before */
};

/* A candidate merge of symbol pos with the one after it. */
struct cand {
	uint32_t rank;              /* the merge's rank */
	int32_t pos;                /* the left symbol */
	int32_t id;                 /* the merged piece it was for */
};

/* Min-heap order: rank, then position (the leftmost of equal merges first). */
static int cand_less(const struct cand *a, const struct cand *b)
{
	return a->rank != b->rank ? a->rank < b->rank : a->pos < b->pos;
}

static void heap_push(struct cand *h, size_t *n, struct cand c)
{
	size_t i = (*n)++;

	while (i && cand_less(&c, &h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = c;
}

static struct cand heap_pop(struct cand *h, size_t *n)
{
	struct cand top = h[0], last = h[--*n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < *n) {
		if (c + 1 < *n && cand_less(&h[c + 1], &h[c]))
			c++;
		if (!cand_less(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = last;
	return top;
}

/* Push the merge of symbol i with its next, if there is one. */
static void push_pair(const mmfi_tok *t, const struct sym *s, int32_t i, struct cand *h, size_t *n)
{
	const struct merge_slot *m;
	int32_t j = s[i].next;

	if (j < 0 || s[j].word_start)
		return;
	m = merge_find(t, s[i].id, s[j].id);
	if (m) {
		struct cand c = { m->rank, i, m->id };

		heap_push(h, n, c);
	}
}

/* The symbols of the normalised text: its characters, byte tokens, <unk>. */
static int32_t split_chars(const mmfi_tok *t, const char *s, size_t n, struct sym *out)
{
	size_t i, rl = t->meta.on && t->meta.split ? strlen(t->meta.rep) : 0;
	int32_t ns = 0;
	int unk_open = 0, start = 0, was_space = 1, space, id, b;

	for (i = 0; i < n;) {
		size_t cl = utf8_len((const unsigned char *)s + i, n - i);

		space = cl == 3 && !memcmp(s + i, "\xe2\x96\x81", 3);
		if (rl && cl == rl && !memcmp(s + i, t->meta.rep, rl)) {
			start = 1;      /* the tokenizers library merges each word alone */
			unk_open = 0;
		} else if (t->space_words && space && !was_space) {
			start = 1;      /* the same pieces as one heap for the text: space_words_safe */
		}
		was_space = space;
		id = vocab_find(t, s + i, cl);
		if (id < 0 && t->byte_fallback) {
			for (b = 0; b < (int)cl && t->byte_id[(unsigned char)s[i + b]] >= 0; b++)
				;
			if (b == (int)cl) {
				for (b = 0; b < (int)cl; b++) {
					struct sym y = { t->byte_id[(unsigned char)s[i + b]], 0, 0, 1, start };

					out[ns++] = y;
					start = 0;
				}
				unk_open = 0;
				i += cl;
				continue;
			}
		}
		if (id >= 0) {
			struct sym y = { id, 0, 0, (uint32_t)cl, start };

			out[ns++] = y;
			start = 0;
			unk_open = 0;
		} else if (t->unk >= 0) {
			if (unk_open && t->fuse_unk) {
				out[ns - 1].len += (uint32_t)cl;
			} else {
				struct sym y = { t->unk, 0, 0, (uint32_t)cl, start };

				out[ns++] = y;
				start = 0;
				unk_open = 1;
			}
		}
		/* else: no <unk>, the character is dropped (as the tokenizers library does) */
		i += cl;
	}
	return ns;
}

/* Merge the candidates in the heap, lowest rank first (the leftmost of equal ranks), until none is
 * left; each merge pushes the new pairs it makes with its neighbours. */
static void merge_word(const mmfi_tok *t, struct sym *sy, struct cand *h, size_t *nh)
{
	while (*nh) {
		struct cand c = heap_pop(h, nh);
		struct sym *l = &sy[c.pos], *rt;
		const struct merge_slot *m;

		/* stale: the left symbol was merged away, or is not the pair it was pushed for */
		if (!l->len || l->next < 0)
			continue;
		rt = &sy[l->next];
		if (rt->word_start)
			continue;
		m = merge_find(t, l->id, rt->id);
		if (!m || m->id != c.id)
			continue;
		l->id = c.id;
		l->len += rt->len;
		rt->len = 0;
		l->next = rt->next;
		if (l->next >= 0)
			sy[l->next].prev = c.pos;
		if (l->prev >= 0)
			push_pair(t, sy, l->prev, h, nh);
		push_pair(t, sy, c.pos, h, nh);
	}
}

/* BPE over the normalised text s (n bytes): *ids (malloc'd) gets *count ids. */
static int bpe(const mmfi_tok *t, const char *s, size_t n, int32_t **ids, int *count)
{
	struct sym *sy = malloc((n ? n : 1) * sizeof(*sy));
	struct cand *h = malloc((3 * n + 1) * sizeof(*h));
	int32_t ns, i, w, end, k = 0;
	size_t nh = 0;

	*ids = NULL;
	if (!sy || !h)
		goto nomem;
	ns = split_chars(t, s, n, sy);
	for (i = 0; i < ns; i++) {
		sy[i].prev = i - 1;
		sy[i].next = i + 1 < ns ? i + 1 : -1;
	}
	/* a word at a time: no merge crosses a word start, so the words do not interact */
	for (w = 0; w < ns; w = end) {
		for (end = w + 1; end < ns && !sy[end].word_start; end++)
			;
		for (i = w; i + 1 < end; i++)
			push_pair(t, sy, i, h, &nh);
		merge_word(t, sy, h, &nh);
	}
	*ids = malloc((ns ? (size_t)ns : 1) * sizeof(**ids));
	if (!*ids)
		goto nomem;
	for (i = 0; i < ns; i++)
		if (sy[i].len)
			(*ids)[k++] = sy[i].id;
	*count = k;
	free(sy);
	free(h);
	return MMF_OK;
nomem:
	free(sy);
	free(h);
	return MMF_ERR_NOMEM;
}

int mmfi_tok_encode(const mmfi_tok *t, const char *text, int add_bos, int32_t *ids, int max, int *n)
{
	struct sbuf norm = { NULL, 0, 0 };
	int32_t *got = NULL;
	size_t len;
	int count = 0, lead, i, r;

	*n = 0;
	if (!t || !text || max < 0 || (max && !ids))
		return MMF_ERR_ARG;
	if (add_bos && t->bos < 0)
		return MMF_ERR_ARG;
	len = strlen(text);
	if (len > TOK_MAX_TEXT)
		return MMF_ERR_ARG;
	lead = add_bos ? 1 : 0;
	if (lead && max)
		ids[0] = t->bos;
	if (t->kind == TOK_KIND_BYTES) {
		for (i = 0; i < (int)len; i++)
			if (lead + i < max)
				ids[lead + i] = TOK_BYTES_FIRST + (unsigned char)text[i];
		*n = lead + (int)len;
		return MMF_OK;
	}
	r = normalize(t, text, len, &norm);
	if (!r)
		r = bpe(t, norm.p, norm.n, &got, &count);
	free(norm.p);
	if (r)
		return r;
	for (i = 0; i < count && lead + i < max; i++)
		ids[lead + i] = got[i];
	free(got);
	*n = lead + count;
	return MMF_OK;
}

/* ================================================================ decoding */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Drop up to `start` leading and `stop` trailing copies of the character c. */
static void strip(struct sbuf *b, const char *c, int start, int stop)
{
	size_t cl = strlen(c);
	int k;

	for (k = 0; k < start && b->n >= cl && !memcmp(b->p, c, cl); k++) {
		memmove(b->p, b->p + cl, b->n - cl);
		b->n -= cl;
	}
	for (k = 0; k < stop && b->n >= cl && !memcmp(b->p + b->n - cl, c, cl); k++)
		b->n -= cl;
}

int mmfi_tok_decode(const mmfi_tok *t, int32_t prev, int32_t id, char *buf, size_t len)
{
	struct sbuf b = { NULL, 0, 0 };
	const struct piece *pc;
	int first, k, r;

	if (buf && len)
		buf[0] = '\0';
	if (!t || id < 0 || id >= t->n_ids)
		return MMF_ERR_ARG;
	if (t->kind == TOK_KIND_BYTES) {
		if (id < TOK_BYTES_FIRST || id >= TOK_BYTES_FIRST + 256)
			return 0;
		if (buf && len > 1) {
			buf[0] = (char)(id - TOK_BYTES_FIRST);
			buf[1] = '\0';
		}
		return 1;
	}
	pc = &t->pieces[id];
	if (pc->flags & PIECE_SPECIAL)
		return 0;
	first = prev < 0 || prev == t->bos;
	if (sb_put(&b, t->arena + pc->off, pc->len))
		return MMF_ERR_NOMEM;
	for (k = 0; k < t->n_dec; k++) {
		const struct dec_op *op = &t->dec[k];

		if (op->kind == DEC_REPLACE) {
			if (replace_all(&b, op->from, op->to)) {
				free(b.p);
				return MMF_ERR_NOMEM;
			}
		} else if (op->kind == DEC_BYTE_FALLBACK) {
			if (b.n == 6 && !memcmp(b.p, "<0x", 3) && b.p[5] == '>' && hexval(b.p[3]) >= 0 &&
			    hexval(b.p[4]) >= 0) {
				b.p[0] = (char)(hexval(b.p[3]) * 16 + hexval(b.p[4]));
				b.n = 1;
			}
		} else if (!op->fused) {
			strip(&b, op->from, op->start, op->stop);
		} else if (first) {
			strip(&b, op->from, op->start, 0);
		}
	}
	r = (int)b.n;
	if (buf && len) {
		size_t m = b.n < len - 1 ? b.n : len - 1;

		if (m)
			memcpy(buf, b.p, m);
		buf[m] = '\0';
	}
	free(b.p);
	return r;
}

int mmfi_tok_vocab(const mmfi_tok *t)
{
	return t->n_ids;
}

int mmfi_tok_bos(const mmfi_tok *t)
{
	return t->bos;
}

int mmfi_tok_eos(const mmfi_tok *t)
{
	return t->eos;
}

const char *mmfi_tok_note(const mmfi_tok *t)
{
	return t->note;
}
