/*
 * ckpt.c: MatMul-free LM checkpoints in the Hugging Face layout: config.json, then safetensors files
 * (model.safetensors, or the shards model.safetensors.index.json names), mapped read-only and checked
 * whole before anything uses them (docs/checkpoints.md).
 *
 * Everything read from a file is untrusted: every number is range-checked before it is used in a
 * size, every multiplication is bounded first, and JSON text is copied with a terminating NUL before
 * cJSON sees it (cJSON is written for NUL-terminated strings).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE             /* madvise(MADV_DONTNEED) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ckpt.h"
#include "mmfree.h"
#include "outfile.h"
#include "transport.h"

enum {
	SHOW_NAMES = 3,             /* missing or extra tensors named in a message, the rest counted */
	SHOWN = 48,                 /* characters of an untrusted string shown in a message */
};

/* Numbers a JSON document can carry exactly: whole numbers up to 2^53. */
#define JSON_INT_MAX 9007199254740992.0

/* ---- dtypes and elements ----------------------------------------------------------------------- */

static const struct {
	const char *name;           /* safetensors dtype string */
	int size;                   /* bytes per element */
} dtypes[] = {
	[MMFI_DT_BF16] = { "BF16", 2 },
	[MMFI_DT_F16] = { "F16", 2 },
	[MMFI_DT_F32] = { "F32", 4 },
};

int mmfi_dtype_size(enum mmfi_dtype t)
{
	return (unsigned)t <= MMFI_DT_F32 ? dtypes[t].size : 0;
}

const char *mmfi_dtype_name(enum mmfi_dtype t)
{
	return (unsigned)t <= MMFI_DT_F32 ? dtypes[t].name : "?";
}

static float f32_from_bits(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* IEEE half to float, exactly: subnormals scaled by 2^-24, infinities and NaN (payload kept). */
static float f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
	float f;

	if (exp == 0) {
		f = (float)man * 0x1p-24f;
		return sign ? -f : f;
	}
	if (exp == 31)
		return f32_from_bits(sign | 0x7f800000u | man << 13);
	return f32_from_bits(sign | (exp + 127 - 15) << 23 | man << 13);
}

/* Element i (little-endian, possibly unaligned) of data as float. */
static float elem(enum mmfi_dtype dt, const uint8_t *data, int64_t i)
{
	const uint8_t *p;

	switch (dt) {
	case MMFI_DT_BF16:
		p = data + 2 * i;
		return f32_from_bits((uint32_t)(p[0] | p[1] << 8) << 16);
	case MMFI_DT_F16:
		p = data + 2 * i;
		return f16_to_f32((uint16_t)(p[0] | p[1] << 8));
	case MMFI_DT_F32:
		p = data + 4 * i;
		return f32_from_bits(p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
	}
	return 0.0f;
}

float mmfi_tensor_get(const struct mmfi_tensor *t, int64_t i)
{
	return elem(t->dtype, t->data, i);
}

void mmfi_tensor_read(const struct mmfi_tensor *t, int64_t first, int64_t n, float *dst)
{
	int64_t i;

	for (i = 0; i < n; i++)
		dst[i] = elem(t->dtype, t->data, first + i);
}

/* ---- messages ---------------------------------------------------------------------------------- */

/* An untrusted string for a message: at most SHOWN characters, control characters as '?'. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i;

	if (!s)
		s = "";
	for (i = 0; s[i] && i + 4 < len && i < SHOWN; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i])
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

/* What a JSON value is, for "expected ..., found <what>": string "1024", number 1.5, true, null,
 * a list of 3, an object, nothing. */
static const char *json_what(const cJSON *v, char *buf, size_t len)
{
	char s[SHOWN + 8];

	if (!v)
		snprintf(buf, len, "nothing");
	else if (cJSON_IsString(v))
		snprintf(buf, len, "string \"%s\"", shown(v->valuestring, s, sizeof(s)));
	else if (cJSON_IsNumber(v))
		snprintf(buf, len, "number %.10g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		snprintf(buf, len, "null");
	else if (cJSON_IsArray(v))
		snprintf(buf, len, "a list of %d", cJSON_GetArraySize(v));
	else
		snprintf(buf, len, "an object");
	return buf;
}

/* "[512, 64]" */
static const char *shape_str(const int64_t *shape, int ndim, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	snprintf(buf, len, "[");
	for (i = 0; i < ndim; i++) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%" PRId64, i ? ", " : "", shape[i]);
	}
	used = strlen(buf);
	snprintf(buf + used, len - used, "]");
	return buf;
}

/* ---- JSON -------------------------------------------------------------------------------------- */

/* Parse text[0..len) (what: "", or "header " for messages) into an object. The text is copied with a
 * NUL after it; anything but whitespace after the value is refused. 0, MMF_ERR_ARG or MMF_ERR_NOMEM. */
static int json_object(const char *text, size_t len, const char *path, const char *what, cJSON **out,
		       char *err, size_t err_len)
{
	const char *end = NULL;
	char *copy, found[SHOWN + 32];
	cJSON *root;
	size_t at;
	int r = MMF_ERR_ARG;

	*out = NULL;
	copy = malloc(len + 1);
	if (!copy) {
		mmfi_msg(err, err_len, "%s: no memory for a %zu-byte %sJSON text", path, len, what);
		return MMF_ERR_NOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 0);
	at = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
	if (!root) {
		mmfi_msg(err, err_len, "%s: %snot valid JSON (at byte %zu of %zu)", path, what, at, len);
		goto out;
	}
	while (at < len && (copy[at] == ' ' || copy[at] == '\t' || copy[at] == '\n' || copy[at] == '\r'))
		at++;
	if (at < len) {
		mmfi_msg(err, err_len, "%s: %snot valid JSON (something after the value, at byte %zu of %zu)",
			 path, what, at, len);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		mmfi_msg(err, err_len, "%s: %sexpected a JSON object, found %s", path, what,
			 json_what(root, found, sizeof(found)));
		goto out;
	}
	*out = root;
	root = NULL;
	r = MMF_OK;
out:
	cJSON_Delete(root);
	free(copy);
	return r;
}

/* Object o's keys must each appear once: cJSON keeps both of a pair and finds the first, while
 * Python's json (which wrote or will read the file) keeps the last, so the two would disagree.
 * where: "" or "tensor \"x\": " for the message. 0 or MMF_ERR_ARG. */
static int json_once(const cJSON *o, const char *path, const char *where, char *err, size_t err_len)
{
	const cJSON *a, *b;
	char key[SHOWN + 8];

	for (a = o->child; a; a = a->next)
		for (b = a->next; b; b = b->next)
			if (a->string && b->string && !strcmp(a->string, b->string)) {
				mmfi_msg(err, err_len, "%s: %skey \"%s\" appears twice (which value is meant?)",
					 path, where, shown(a->string, key, sizeof(key)));
				return MMF_ERR_ARG;
			}
	return MMF_OK;
}

/* v as a whole number in [lo, hi] (|lo|, |hi| <= 2^53); 0, or -1 if it is not one. */
static int json_int(const cJSON *v, double lo, double hi, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= lo && d <= hi) || d != floor(d))
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* ---- config.json ------------------------------------------------------------------------------- */

/* A config.json field: cfg_int() takes absent as def (REQUIRED: an error), null as null_def. */
#define REQUIRED INT64_MIN

/* Integer field key into *out: a whole number in [lo, hi]. 0 or MMF_ERR_ARG. */
static int cfg_int(const cJSON *root, const char *path, const char *key, int64_t lo, int64_t hi,
		   int64_t def, int64_t null_def, int *out, char *err, size_t err_len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	char found[SHOWN + 32];
	int64_t x;

	if (!v || (cJSON_IsNull(v) && null_def != REQUIRED)) {
		if ((v ? null_def : def) == REQUIRED) {
			mmfi_msg(err, err_len, "%s: %s: missing", path, key);
			return MMF_ERR_ARG;
		}
		*out = (int)(v ? null_def : def);
		return MMF_OK;
	}
	if (json_int(v, (double)lo, JSON_INT_MAX, &x)) {
		mmfi_msg(err, err_len, "%s: %s: expected a %s integer, found %s", path, key,
			 lo > 0 ? "positive" : "non-negative", json_what(v, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	if (x > hi) {
		mmfi_msg(err, err_len, "%s: %s: %" PRId64 " is more than this loader takes (%" PRId64 ")",
			 path, key, x, hi);
		return MMF_ERR_ARG;
	}
	*out = (int)x;
	return MMF_OK;
}

/* Boolean field key into *out (absent: def); a value other than `only` (when only >= 0) is refused
 * with the reason why. 0 or MMF_ERR_ARG. */
static int cfg_bool(const cJSON *root, const char *path, const char *key, int def, int only,
		    const char *why, int *out, char *err, size_t err_len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	char found[SHOWN + 32];

	if (!v) {
		*out = def;
		return MMF_OK;
	}
	if (!cJSON_IsBool(v)) {
		mmfi_msg(err, err_len, "%s: %s: expected true or false, found %s", path, key,
			 json_what(v, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	*out = cJSON_IsTrue(v) ? 1 : 0;
	if (only >= 0 && *out != only) {
		mmfi_msg(err, err_len, "%s: %s: %s is not supported (%s)", path, key, *out ? "true" : "false",
			 why);
		return MMF_ERR_ARG;
	}
	return MMF_OK;
}

/* String field key, when present, must be one of the `|`-separated names in `allowed`. */
static int cfg_str(const cJSON *root, const char *path, const char *key, const char *allowed,
		   const char *why, char *err, size_t err_len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	char found[SHOWN + 32];
	const char *a;
	size_t n;

	if (!v)
		return MMF_OK;
	if (cJSON_IsString(v)) {
		n = strlen(v->valuestring);
		for (a = allowed; *a; a += strcspn(a, "|"), a += *a == '|') {
			if (strcspn(a, "|") == n && !strncmp(a, v->valuestring, n))
				return MMF_OK;
		}
	}
	mmfi_msg(err, err_len, "%s: %s: expected \"%s\" (%s), found %s", path, key, allowed, why,
		 json_what(v, found, sizeof(found)));
	return MMF_ERR_ARG;
}

int mmfi_default_intermediate(int hidden, int hidden_ratio)
{
	/* int(d * ratio * 2 / 3) in Python: the float quotient truncated, here exact in integers */
	int64_t x = (int64_t)hidden * hidden_ratio * 2 / 3;

	return (int)(256 * ((x + 255) / 256));
}

int mmfi_config_parse(const char *text, size_t len, const char *path, struct mmfi_config *cfg,
		      char *err, size_t err_len)
{
	const cJSON *v;
	cJSON *root = NULL;
	char found[SHOWN + 32];
	int r, expand, short_conv;

	memset(cfg, 0, sizeof(*cfg));
	if (!path)
		path = "config.json";
	if (len > MMFI_CKPT_MAX_JSON) {
		mmfi_msg(err, err_len, "%s: %zu bytes, more than this loader reads (%d)", path, len,
			 MMFI_CKPT_MAX_JSON);
		return MMF_ERR_ARG;
	}
	r = json_object(text, len, path, "", &root, err, err_len);
	if (r)
		return r;
	if ((r = json_once(root, path, "", err, err_len)) ||
	    (r = cfg_str(root, path, "model_type", "hgrn_bit", "the MatMul-free LM's HGRNBit", err,
			 err_len)) ||
	    (r = cfg_int(root, path, "hidden_size", 1, MMFI_CKPT_MAX_HIDDEN, REQUIRED, REQUIRED,
			 &cfg->hidden, err, err_len)) ||
	    (r = cfg_int(root, path, "num_hidden_layers", 1, MMFI_CKPT_MAX_LAYERS, REQUIRED, REQUIRED,
			 &cfg->layers, err, err_len)) ||
	    (r = cfg_int(root, path, "vocab_size", 1, MMFI_CKPT_MAX_VOCAB, REQUIRED, REQUIRED,
			 &cfg->vocab, err, err_len)) ||
	    (r = cfg_int(root, path, "hidden_ratio", 1, MMFI_CKPT_MAX_RATIO, 4, 4, &cfg->hidden_ratio,
			 err, err_len)) ||
	    (r = cfg_int(root, path, "intermediate_size", 1, MMFI_CKPT_MAX_INTER, 0, 0,
			 &cfg->intermediate, err, err_len)) ||
	    (r = cfg_int(root, path, "num_heads", 1, MMFI_CKPT_MAX_HIDDEN, 1, 1, &cfg->num_heads, err,
			 err_len)) ||
	    (r = cfg_int(root, path, "expand_ratio", 1, MMFI_CKPT_MAX_HIDDEN, 1, 1, &expand, err,
			 err_len)) ||
	    (r = cfg_int(root, path, "bos_token_id", 0, MMFI_CKPT_MAX_VOCAB, 1, -1, &cfg->bos_token_id,
			 err, err_len)) ||
	    (r = cfg_int(root, path, "eos_token_id", 0, MMFI_CKPT_MAX_VOCAB, 2, -1, &cfg->eos_token_id,
			 err, err_len)) ||
	    (r = cfg_bool(root, path, "tie_word_embeddings", 0, 0,
			  "the model needs its own lm_head.weight", &cfg->tie_word_embeddings, err,
			  err_len)) ||
	    (r = cfg_bool(root, path, "use_lower_bound", 1, -1, "", &cfg->use_lower_bound, err,
			  err_len)) ||
	    (r = cfg_bool(root, path, "use_short_conv", 0, 0, "the model has no short convolution",
			  &short_conv, err, err_len)) ||
	    (r = cfg_str(root, path, "hidden_act", "swish|silu", "the model's activation", err,
			 err_len)))
		goto out;
	r = MMF_ERR_ARG;
	if (expand != 1) {
		mmfi_msg(err, err_len, "%s: expand_ratio: %d, only 1 is supported", path, expand);
		goto out;
	}
	if (cfg->num_heads != 1) {
		mmfi_msg(err, err_len, "%s: num_heads: %d, only 1 is supported", path, cfg->num_heads);
		goto out;
	}
	if (cfg->bos_token_id >= cfg->vocab || cfg->eos_token_id >= cfg->vocab) {
		mmfi_msg(err, err_len, "%s: %s %d is not below vocab_size %d", path,
			 cfg->bos_token_id >= cfg->vocab ? "bos_token_id" : "eos_token_id",
			 cfg->bos_token_id >= cfg->vocab ? cfg->bos_token_id : cfg->eos_token_id,
			 cfg->vocab);
		goto out;
	}
	cfg->rms_norm_eps = 1e-6f;
	v = cJSON_GetObjectItemCaseSensitive(root, "rms_norm_eps");
	if (v && !cJSON_IsNull(v)) {
		/* above 0 as a float too: an eps that rounds to 0 would let a zero vector divide by 0 */
		if (!cJSON_IsNumber(v) || !((float)v->valuedouble > 0.0f && v->valuedouble < 1)) {
			mmfi_msg(err, err_len, "%s: rms_norm_eps: expected a number above 0 and below 1, "
				 "found %s", path, json_what(v, found, sizeof(found)));
			goto out;
		}
		cfg->rms_norm_eps = (float)v->valuedouble;
	}
	if (!cfg->intermediate) {
		cfg->intermediate = mmfi_default_intermediate(cfg->hidden, cfg->hidden_ratio);
		if (cfg->intermediate <= 0) {
			mmfi_msg(err, err_len, "%s: intermediate_size (null): the default from hidden_size "
				 "%d and hidden_ratio %d is 0; give intermediate_size", path, cfg->hidden,
				 cfg->hidden_ratio);
			goto out;
		}
		if (cfg->intermediate > MMFI_CKPT_MAX_INTER) {
			mmfi_msg(err, err_len, "%s: intermediate_size (null): the default %d from hidden_size "
				 "%d and hidden_ratio %d is more than this loader takes (%d)", path,
				 cfg->intermediate, cfg->hidden, cfg->hidden_ratio, MMFI_CKPT_MAX_INTER);
			goto out;
		}
	}
	snprintf(cfg->model_type, sizeof(cfg->model_type), "hgrn_bit");
	r = MMF_OK;
out:
	cJSON_Delete(root);
	return r;
}

/* ---- safetensors ------------------------------------------------------------------------------- */

/* Bytes of t's data. */
static uint64_t tensor_bytes(const struct mmfi_tensor *t)
{
	return (uint64_t)t->numel * (uint64_t)mmfi_dtype_size(t->dtype);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct mmfi_tensor *)a)->name, ((const struct mmfi_tensor *)b)->name);
}

/* By name, then shard (for a name in two shards, so the message names them in order). */
static int cmp_name_shard(const void *a, const void *b)
{
	const struct mmfi_tensor *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->shard - y->shard;
}

/* By where the data lies: offset, then size, then name (a total order, so qsort is repeatable). */
static int cmp_offset(const void *a, const void *b)
{
	const struct mmfi_tensor *x = a, *y = b;
	uint64_t bx = tensor_bytes(x), by = tensor_bytes(y);

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (bx != by)
		return bx < by ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The "__metadata__" entry: an object of strings. */
static int st_metadata(const cJSON *m, const char *path, char *err, size_t err_len)
{
	const cJSON *e;
	char found[SHOWN + 32], key[SHOWN + 8];

	if (!cJSON_IsObject(m)) {
		mmfi_msg(err, err_len, "%s: __metadata__: expected an object of strings, found %s", path,
			 json_what(m, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	for (e = m->child; e; e = e->next) {
		if (!cJSON_IsString(e)) {
			mmfi_msg(err, err_len, "%s: __metadata__: \"%s\": expected a string, found %s", path,
				 shown(e->string, key, sizeof(key)), json_what(e, found, sizeof(found)));
			return MMF_ERR_ARG;
		}
	}
	return MMF_OK;
}

/* A tensor name as the loader takes it: 1 to MMFI_CKPT_NAME - 1 bytes, no control characters. */
static int name_ok(const char *name, const char *path, const char *where, char *err, size_t err_len)
{
	char s[SHOWN + 8];
	size_t n = name ? strlen(name) : 0, i;

	if (n == 0) {
		mmfi_msg(err, err_len, "%s: %sa tensor with an empty name", path, where);
		return MMF_ERR_ARG;
	}
	if (n >= MMFI_CKPT_NAME) {
		mmfi_msg(err, err_len, "%s: %stensor name of %zu bytes, longer than %d: \"%s\"", path, where,
			 n, MMFI_CKPT_NAME - 1, shown(name, s, sizeof(s)));
		return MMF_ERR_ARG;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			mmfi_msg(err, err_len, "%s: %stensor name with a control character: \"%s\"", path,
				 where, shown(name, s, sizeof(s)));
			return MMF_ERR_ARG;
		}
	}
	return MMF_OK;
}

/* Why JSON value v is no byte offset, into buf: "-2 is negative", "1.5 is not a whole number", ... */
static const char *offset_why(const cJSON *v, char *buf, size_t len)
{
	char what[SHOWN + 32];
	double d = v->valuedouble;

	if (!cJSON_IsNumber(v))
		snprintf(buf, len, "expected a non-negative integer, found %s", json_what(v, what, sizeof(what)));
	else if (d < 0)
		snprintf(buf, len, "%.10g is negative", d);
	else if (d != floor(d))
		snprintf(buf, len, "%.10g is not a whole number", d);
	else
		snprintf(buf, len, "%.10g is beyond 2^53, more bytes than any file holds", d);
	return buf;
}

/* One header entry name -> {"dtype", "shape", "data_offsets"} into t (not t->data), checked against
 * a data area of data_len bytes. */
static int st_entry(const cJSON *e, uint64_t data_len, const char *path, struct mmfi_tensor *t,
		    char *err, size_t err_len)
{
	const cJSON *dt, *shape, *offs, *d;
	char found[SHOWN + 64], sh[160], where[MMFI_CKPT_NAME + 16];
	int64_t x, begin, end;
	uint64_t numel = 1, need;
	int i, r;

	r = name_ok(e->string, path, "", err, err_len);
	if (r)
		return r;
	snprintf(t->name, sizeof(t->name), "%s", e->string);
	if (!cJSON_IsObject(e)) {
		mmfi_msg(err, err_len, "%s: tensor \"%s\": expected an object (dtype, shape, data_offsets), "
			 "found %s", path, t->name, json_what(e, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	snprintf(where, sizeof(where), "tensor \"%s\": ", t->name);
	r = json_once(e, path, where, err, err_len);
	if (r)
		return r;
	dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
	if (!cJSON_IsString(dt)) {
		mmfi_msg(err, err_len, "%s: tensor \"%s\": dtype: expected a string (\"BF16\", \"F16\" or "
			 "\"F32\"), found %s", path, t->name, json_what(dt, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	for (i = 0; i <= MMFI_DT_F32 && strcmp(dt->valuestring, dtypes[i].name); i++)
		;
	if (i > MMFI_DT_F32) {
		mmfi_msg(err, err_len, "%s: tensor \"%s\": dtype \"%s\" is not one this loader takes (BF16, "
			 "F16, F32)", path, t->name, shown(dt->valuestring, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	t->dtype = (enum mmfi_dtype)i;

	shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
	if (!cJSON_IsArray(shape)) {
		mmfi_msg(err, err_len, "%s: tensor \"%s\": shape: expected a list of non-negative integers, "
			 "found %s", path, t->name, json_what(shape, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	t->ndim = 0;
	for (d = shape->child; d; d = d->next) {
		if (t->ndim == MMFI_CKPT_MAX_DIMS) {
			mmfi_msg(err, err_len, "%s: tensor \"%s\": shape has %d dimensions, more than %d", path,
				 t->name, cJSON_GetArraySize(shape), MMFI_CKPT_MAX_DIMS);
			return MMF_ERR_ARG;
		}
		if (json_int(d, 0, JSON_INT_MAX, &x)) {
			mmfi_msg(err, err_len, "%s: tensor \"%s\": shape[%d]: expected a non-negative integer, "
				 "found %s", path, t->name, t->ndim, json_what(d, found, sizeof(found)));
			return MMF_ERR_ARG;
		}
		t->shape[t->ndim++] = x;
	}
	/* numel * 4 bytes must fit: bound the product at 2^60 elements, one factor at a time */
	for (i = 0; i < t->ndim; i++) {
		if (t->shape[i] && numel > ((uint64_t)1 << 60) / (uint64_t)t->shape[i]) {
			mmfi_msg(err, err_len, "%s: tensor \"%s\": shape %s has more elements than any file "
				 "holds", path, t->name, shape_str(t->shape, t->ndim, sh, sizeof(sh)));
			return MMF_ERR_ARG;
		}
		numel *= (uint64_t)t->shape[i];
	}
	t->numel = (int64_t)numel;

	offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
	if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2) {
		mmfi_msg(err, err_len, "%s: tensor \"%s\": data_offsets: expected two non-negative integers "
			 "[begin, end], found %s", path, t->name, json_what(offs, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	for (d = offs->child, i = 0; d; d = d->next, i++) {
		if (!json_int(d, 0, JSON_INT_MAX, i ? &end : &begin))
			continue;
		mmfi_msg(err, err_len, "%s: tensor \"%s\": data_offsets[%d] (%s): %s", path, t->name, i,
			 i ? "end" : "begin", offset_why(d, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	if (begin > end) {
		mmfi_msg(err, err_len, "%s: tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64 "]: begin "
			 "after end", path, t->name, begin, end);
		return MMF_ERR_ARG;
	}
	if ((uint64_t)end > data_len) {
		mmfi_msg(err, err_len, "%s: tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64 "]: end "
			 "beyond the data area (%" PRIu64 " bytes after the header)", path, t->name, begin,
			 end, data_len);
		return MMF_ERR_ARG;
	}
	need = numel * (uint64_t)dtypes[t->dtype].size;
	if ((uint64_t)(end - begin) != need) {
		mmfi_msg(err, err_len, "%s: tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64 "] hold %"
			 PRId64 " bytes, shape %s of %s needs %" PRIu64, path, t->name, begin, end,
			 end - begin, shape_str(t->shape, t->ndim, sh, sizeof(sh)), dtypes[t->dtype].name,
			 need);
		return MMF_ERR_ARG;
	}
	t->offset = (uint64_t)begin;
	return MMF_OK;
}

/* The tensors t[0..n) (sorted by offset here) must tile the data area: no overlap, no gap, nothing
 * after the last one (as the safetensors format requires: no room for hidden bytes). */
static int st_layout(struct mmfi_tensor *t, int n, uint64_t data_len, const char *path, char *err,
		     size_t err_len)
{
	uint64_t pos = 0;
	int i;

	qsort(t, (size_t)n, sizeof(*t), cmp_offset);
	for (i = 0; i < n; i++) {
		if (t[i].offset < pos) {
			mmfi_msg(err, err_len, "%s: tensors \"%s\" (bytes %" PRIu64 " to %" PRIu64 ") and "
				 "\"%s\" (bytes %" PRIu64 " to %" PRIu64 ") overlap", path, t[i - 1].name,
				 t[i - 1].offset, pos, t[i].name, t[i].offset,
				 t[i].offset + tensor_bytes(&t[i]));
			return MMF_ERR_ARG;
		}
		if (t[i].offset > pos) {
			if (i)
				mmfi_msg(err, err_len, "%s: %" PRIu64 " bytes between tensors \"%s\" (ends at %"
					 PRIu64 ") and \"%s\" (begins at %" PRIu64 ") belong to no tensor",
					 path, t[i].offset - pos, t[i - 1].name, pos, t[i].name, t[i].offset);
			else
				mmfi_msg(err, err_len, "%s: the data area begins with %" PRIu64 " bytes that "
					 "belong to no tensor (\"%s\" begins at %" PRIu64 ")", path,
					 t[i].offset, t[i].name, t[i].offset);
			return MMF_ERR_ARG;
		}
		pos = t[i].offset + tensor_bytes(&t[i]);
	}
	if (pos != data_len) {
		if (n)
			mmfi_msg(err, err_len, "%s: the last %" PRIu64 " bytes of the data area belong to no "
				 "tensor (the last, \"%s\", ends at %" PRIu64 " of %" PRIu64 ")", path,
				 data_len - pos, t[n - 1].name, pos, data_len);
		else
			mmfi_msg(err, err_len, "%s: the header lists no tensor but %" PRIu64 " bytes follow it",
				 path, data_len);
		return MMF_ERR_ARG;
	}
	return MMF_OK;
}

int mmfi_safetensors_parse(const uint8_t *buf, size_t len, const char *path, struct mmfi_tensor **out,
			   int *n, char *err, size_t err_len)
{
	struct mmfi_tensor *t = NULL;
	const cJSON *e;
	cJSON *root = NULL;
	const uint8_t *data;
	uint64_t hlen = 0, data_len;
	int count = 0, meta = 0, i, r;

	*out = NULL;
	*n = 0;
	if (!path)
		path = "safetensors";
	if (len < 8) {
		mmfi_msg(err, err_len, "%s: %zu bytes, shorter than the 8-byte header length", path, len);
		return MMF_ERR_ARG;
	}
	for (i = 7; i >= 0; i--)
		hlen = hlen << 8 | buf[i];
	if (hlen > len - 8) {
		mmfi_msg(err, err_len, "%s: header length %" PRIu64 " beyond the file (%zu bytes)", path,
			 hlen, len);
		return MMF_ERR_ARG;
	}
	if (hlen > MMFI_CKPT_MAX_HEADER) {
		mmfi_msg(err, err_len, "%s: header length %" PRIu64 ", more than this loader takes (%d)",
			 path, hlen, MMFI_CKPT_MAX_HEADER);
		return MMF_ERR_ARG;
	}
	data = buf + 8 + hlen;
	data_len = len - 8 - hlen;
	r = json_object((const char *)buf + 8, (size_t)hlen, path, "header: ", &root, err, err_len);
	if (r)
		return r;
	r = MMF_ERR_ARG;
	for (e = root->child; e; e = e->next) {
		if (e->string && !strcmp(e->string, "__metadata__")) {
			if (meta++) {
				mmfi_msg(err, err_len, "%s: header: __metadata__ appears twice", path);
				goto out;
			}
			if ((r = st_metadata(e, path, err, err_len)))
				goto out;
		} else if (++count > MMFI_CKPT_MAX_TENSORS) {
			mmfi_msg(err, err_len, "%s: header: more than %d tensors", path, MMFI_CKPT_MAX_TENSORS);
			r = MMF_ERR_ARG;
			goto out;
		}
	}
	t = calloc(count ? (size_t)count : 1, sizeof(*t));
	if (!t) {
		mmfi_msg(err, err_len, "%s: no memory for %d tensors", path, count);
		r = MMF_ERR_NOMEM;
		goto out;
	}
	i = 0;
	for (e = root->child; e; e = e->next) {
		if (e->string && !strcmp(e->string, "__metadata__"))
			continue;
		if ((r = st_entry(e, data_len, path, &t[i], err, err_len)))
			goto out;
		t[i].data = data + t[i].offset;
		i++;
	}
	if ((r = st_layout(t, count, data_len, path, err, err_len)))
		goto out;
	qsort(t, (size_t)count, sizeof(*t), cmp_name);
	for (i = 1; i < count; i++) {
		if (!strcmp(t[i - 1].name, t[i].name)) {
			mmfi_msg(err, err_len, "%s: header: tensor \"%s\" appears twice", path, t[i].name);
			r = MMF_ERR_ARG;
			goto out;
		}
	}
	*out = t;
	*n = count;
	t = NULL;
	r = MMF_OK;
out:
	free(t);
	cJSON_Delete(root);
	return r;
}

/* ---- the model's tensors ----------------------------------------------------------------------- */

static int cmp_spec(const void *a, const void *b)
{
	return strcmp(((const struct mmfi_tensor_spec *)a)->name,
		      ((const struct mmfi_tensor_spec *)b)->name);
}

/* Append one spec: name from fmt with the layer number, shape rows x cols (cols 0: one dim). */
static void spec_add(struct mmfi_tensor_spec *s, int *n, enum mmfi_tensor_kind kind, const char *fmt,
		     int layer, int64_t rows, const char *rdim, int64_t cols, const char *cdim)
{
	struct mmfi_tensor_spec *p = &s[(*n)++];

	snprintf(p->name, sizeof(p->name), fmt, layer);
	p->kind = kind;
	p->ndim = cdim ? 2 : 1;
	p->shape[0] = rows;
	p->shape[1] = cdim ? cols : 0;
	p->dim[0] = rdim;
	p->dim[1] = cdim;
}

int mmfi_model_tensors(const struct mmfi_config *cfg, struct mmfi_tensor_spec **out, int *n)
{
	static const char *const proj[] = { "i", "f", "g", "o" };
	struct mmfi_tensor_spec *s;
	int64_t d = cfg->hidden, in = cfg->intermediate, v = cfg->vocab;
	char fmt[96];
	int l, k, m = 0;

	*out = NULL;
	*n = 0;
	s = calloc(15 * (size_t)cfg->layers + 5, sizeof(*s));
	if (!s)
		return MMF_ERR_NOMEM;
	spec_add(s, &m, MMFI_TK_EMBED, "model.embeddings.weight", 0, v, "V", d, "d");
	if (cfg->use_lower_bound)
		spec_add(s, &m, MMFI_TK_LOWER_BOUNDS, "model.lower_bounds", 0, cfg->layers, "L", d, "d");
	spec_add(s, &m, MMFI_TK_NORM, "model.norm.weight", 0, d, "d", 0, NULL);
	spec_add(s, &m, MMFI_TK_PROJ, "lm_head.weight", 0, v, "V", d, "d");
	spec_add(s, &m, MMFI_TK_NORM, "lm_head.norm.weight", 0, d, "d", 0, NULL);
	for (l = 0; l < cfg->layers; l++) {
		spec_add(s, &m, MMFI_TK_NORM, "model.layers.%d.attn_norm.weight", l, d, "d", 0, NULL);
		spec_add(s, &m, MMFI_TK_NORM, "model.layers.%d.mlp_norm.weight", l, d, "d", 0, NULL);
		spec_add(s, &m, MMFI_TK_NORM, "model.layers.%d.attn.g_norm.weight", l, d, "d", 0, NULL);
		for (k = 0; k < 4; k++) {
			snprintf(fmt, sizeof(fmt), "model.layers.%%d.attn.%s_proj.weight", proj[k]);
			spec_add(s, &m, MMFI_TK_PROJ, fmt, l, d, "d", d, "d");
			snprintf(fmt, sizeof(fmt), "model.layers.%%d.attn.%s_proj.norm.weight", proj[k]);
			spec_add(s, &m, MMFI_TK_NORM, fmt, l, d, "d", 0, NULL);
		}
		spec_add(s, &m, MMFI_TK_PROJ, "model.layers.%d.mlp.gate_proj.weight", l, 2 * in, "2I", d, "d");
		spec_add(s, &m, MMFI_TK_NORM, "model.layers.%d.mlp.gate_proj.norm.weight", l, d, "d", 0,
			 NULL);
		spec_add(s, &m, MMFI_TK_PROJ, "model.layers.%d.mlp.down_proj.weight", l, d, "d", in, "I");
		spec_add(s, &m, MMFI_TK_NORM, "model.layers.%d.mlp.down_proj.norm.weight", l, in, "I", 0,
			 NULL);
	}
	qsort(s, (size_t)m, sizeof(*s), cmp_spec);
	*out = s;
	*n = m;
	return MMF_OK;
}

/* ---- opening a checkpoint folder --------------------------------------------------------------- */

/* One line of the index's weight_map. */
struct index_entry {
	const char *name;           /* tensor name (inside the index's cJSON tree) */
	int shard;                  /* index into mmfi_ckpt.files */
};

/* model.safetensors.index.json, parsed. */
struct ckpt_index {
	cJSON *root;                /* the document (owns the names) */
	struct index_entry *e;      /* weight_map, sorted by name */
	int n;                      /* entries */
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct index_entry *)a)->name, ((const struct index_entry *)b)->name);
}

/* "dir/name", malloc'd (NULL: no memory). */
static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (p)
		snprintf(p, a + b + 2, "%s%s%s", dir, a && dir[a - 1] == '/' ? "" : "/", name);
	return p;
}

/* The file name of shard i (its path's last part). */
static const char *shard_name(const struct mmfi_ckpt *c, int i)
{
	const char *s = strrchr(c->files[i], '/');

	return s ? s + 1 : c->files[i];
}

/* A whole small file (at most max bytes) into a malloc'd buffer. 0 or MMF_ERR_IO / NOMEM / ARG. */
static int read_small(const char *path, size_t max, char **text, size_t *len, char *err, size_t err_len)
{
	struct stat st;
	ssize_t got;
	size_t done = 0;
	char *buf = NULL;
	int fd, r = MMF_ERR_IO;

	*text = NULL;
	*len = 0;
	if ((r = mmfi_in_open(path, NULL, &fd, err, err_len)))
		return r;
	r = MMF_ERR_IO;
	if (fstat(fd, &st)) {
		mmfi_msg(err, err_len, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		mmfi_msg(err, err_len, "%s: %lld bytes, more than this loader reads (%zu)", path,
			 (long long)st.st_size, max);
		r = MMF_ERR_ARG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		mmfi_msg(err, err_len, "%s: no memory for %lld bytes", path, (long long)st.st_size);
		r = MMF_ERR_NOMEM;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		got = read(fd, buf + done, (size_t)st.st_size - done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			mmfi_msg(err, err_len, "%s: read failed after %zu of %lld bytes: %s", path, done,
				 (long long)st.st_size, got ? strerror(errno) : "the file became shorter");
			goto out;
		}
		done += (size_t)got;
	}
	buf[done] = '\0';
	*text = buf;
	*len = done;
	buf = NULL;
	r = MMF_OK;
out:
	free(buf);
	close(fd);
	return r;
}

/* Map shard i of c (c->files[i]) read-only into c->maps[i]; `index`: the index named it. 0 or
 * MMF_ERR_IO. */
static int map_shard(struct mmfi_ckpt *c, int i, int index, char *err, size_t err_len)
{
	struct stat st;
	void *m;
	int fd, r;

	/* a FIFO or a device is refused before it is read: it would block the loader, or never end */
	if ((r = mmfi_in_open(c->files[i], index ? "a shard model.safetensors.index.json names" : NULL, &fd,
			      err, err_len)))
		return r;
	r = MMF_ERR_IO;
	if (fstat(fd, &st)) {
		mmfi_msg(err, err_len, "%s: %s", c->files[i], strerror(errno));
		goto out;
	}
	if (st.st_size == 0) {
		mmfi_msg(err, err_len, "%s: empty file (a safetensors file has at least its 8-byte header "
			 "length)", c->files[i]);
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		mmfi_msg(err, err_len, "%s: %lld bytes, more than this machine maps", c->files[i],
			 (long long)st.st_size);
		goto out;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		mmfi_msg(err, err_len, "%s: mmap of %lld bytes failed: %s", c->files[i],
			 (long long)st.st_size, strerror(errno));
		goto out;
	}
	c->maps[i] = m;
	c->map_len[i] = (size_t)st.st_size;
	r = MMF_OK;
out:
	close(fd);
	return r;
}

/* Add a shard file name (checked: a plain name in dir) to c->files, or find it there; *shard = its
 * index. */
static int add_shard(struct mmfi_ckpt *c, const char *dir, const char *file, const char *path,
		     int *shard, char *err, size_t err_len)
{
	char s[SHOWN + 8];
	size_t n = strlen(file), i;
	int k;

	for (k = 0; k < c->n_files; k++) {
		if (!strcmp(shard_name(c, k), file)) {
			*shard = k;
			return MMF_OK;
		}
	}
	if (n == 0 || n > 255 || strchr(file, '/') || strstr(file, "..")) {
		mmfi_msg(err, err_len, "%s: weight_map: shard \"%s\" is not a plain file name in the folder "
			 "(no '/', no \"..\", 1 to 255 bytes)", path, shown(file, s, sizeof(s)));
		return MMF_ERR_ARG;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)file[i] < 0x20) {
			mmfi_msg(err, err_len, "%s: weight_map: shard name with a control character: \"%s\"",
				 path, shown(file, s, sizeof(s)));
			return MMF_ERR_ARG;
		}
	}
	if (c->n_files == MMFI_CKPT_MAX_SHARDS) {
		mmfi_msg(err, err_len, "%s: weight_map names more than %d shard files", path,
			 MMFI_CKPT_MAX_SHARDS);
		return MMF_ERR_ARG;
	}
	c->files[c->n_files] = path_join(dir, file);
	if (!c->files[c->n_files]) {
		mmfi_msg(err, err_len, "%s: no memory", path);
		return MMF_ERR_NOMEM;
	}
	*shard = c->n_files++;
	return MMF_OK;
}

/* Read model.safetensors.index.json (text) into ix, adding its shards to c->files. */
static int index_parse(struct mmfi_ckpt *c, const char *dir, const char *path, const char *text,
		       size_t len, struct ckpt_index *ix, char *err, size_t err_len)
{
	const cJSON *wm, *e;
	char found[SHOWN + 32], s[SHOWN + 8];
	int r;

	r = json_object(text, len, path, "", &ix->root, err, err_len);
	if (r)
		return r;
	r = json_once(ix->root, path, "", err, err_len);
	if (r)
		return r;
	wm = cJSON_GetObjectItemCaseSensitive(ix->root, "weight_map");
	if (!cJSON_IsObject(wm) || !wm->child) {
		mmfi_msg(err, err_len, "%s: weight_map: expected an object of tensor name -> shard file, "
			 "found %s", path, wm && cJSON_IsObject(wm) ? "an empty one" :
			 json_what(wm, found, sizeof(found)));
		return MMF_ERR_ARG;
	}
	ix->n = cJSON_GetArraySize(wm);
	if (ix->n > MMFI_CKPT_MAX_TENSORS * MMFI_CKPT_MAX_SHARDS) {
		mmfi_msg(err, err_len, "%s: weight_map: %d tensors, more than this loader takes", path, ix->n);
		return MMF_ERR_ARG;
	}
	ix->e = calloc((size_t)ix->n, sizeof(*ix->e));
	if (!ix->e) {
		mmfi_msg(err, err_len, "%s: no memory for %d entries", path, ix->n);
		return MMF_ERR_NOMEM;
	}
	ix->n = 0;
	for (e = wm->child; e; e = e->next) {
		r = name_ok(e->string, path, "weight_map: ", err, err_len);
		if (r)
			return r;
		if (!cJSON_IsString(e)) {
			mmfi_msg(err, err_len, "%s: weight_map: \"%s\": expected a shard file name, found %s",
				 path, e->string, json_what(e, found, sizeof(found)));
			return MMF_ERR_ARG;
		}
		ix->e[ix->n].name = e->string;
		r = add_shard(c, dir, e->valuestring, path, &ix->e[ix->n].shard, err, err_len);
		if (r)
			return r;
		ix->n++;
	}
	qsort(ix->e, (size_t)ix->n, sizeof(*ix->e), cmp_entry);
	for (r = 1; r < ix->n; r++) {
		if (!strcmp(ix->e[r - 1].name, ix->e[r].name)) {
			mmfi_msg(err, err_len, "%s: weight_map lists \"%s\" twice", path,
				 shown(ix->e[r].name, s, sizeof(s)));
			return MMF_ERR_ARG;
		}
	}
	return MMF_OK;
}

/* Every tensor the index lists is in the shard it names, and every tensor of a shard is listed. */
static int index_check(const struct mmfi_ckpt *c, const struct ckpt_index *ix, const char *path,
		       char *err, size_t err_len)
{
	const struct mmfi_tensor *t;
	struct index_entry key;
	int i;

	for (i = 0; i < ix->n; i++) {
		t = mmfi_ckpt_find(c, ix->e[i].name);
		if (!t) {
			mmfi_msg(err, err_len, "%s: lists tensor \"%s\" in %s, which does not hold it", path,
				 ix->e[i].name, shard_name(c, ix->e[i].shard));
			return MMF_ERR_ARG;
		}
		if (t->shard != ix->e[i].shard) {
			mmfi_msg(err, err_len, "%s: lists tensor \"%s\" in %s, but %s holds it", path,
				 ix->e[i].name, shard_name(c, ix->e[i].shard), shard_name(c, t->shard));
			return MMF_ERR_ARG;
		}
	}
	for (i = 0; i < c->n_tensors; i++) {
		key.name = c->tensors[i].name;
		if (!bsearch(&key, ix->e, (size_t)ix->n, sizeof(*ix->e), cmp_entry)) {
			mmfi_msg(err, err_len, "%s holds tensor \"%s\", which %s does not list",
				 c->files[c->tensors[i].shard], c->tensors[i].name, path);
			return MMF_ERR_ARG;
		}
	}
	return MMF_OK;
}

/* Append `what` (one name) to a message list: the first SHOW_NAMES are named. */
static void list_add(char *buf, size_t len, int *count, const char *what)
{
	size_t used = strlen(buf);

	if ((*count)++ < SHOW_NAMES)
		snprintf(buf + used, len - used, "%s%s", *count > 1 ? ", " : "", what);
}

void mmfi_tensor_release(const struct mmfi_tensor *t)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)t->data, e;

	if (pg <= 0)
		return;
	e = a + (uintptr_t)t->numel * (uintptr_t)mmfi_dtype_size(t->dtype);
	a = (a + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	e &= ~((uintptr_t)pg - 1);
	if (e > a)
		madvise((void *)a, e - a, MADV_DONTNEED);
}

/* The first element of t that is NaN or Inf (every exponent bit set), or -1. Integer tests on the
 * mapping, one loop per element size, so the scan of a large checkpoint stays cheap. */
static int64_t first_nonfinite(const struct mmfi_tensor *t)
{
	const uint8_t *p = t->data;
	uint32_t u;
	int64_t e;

	if (t->dtype == MMFI_DT_F32) {
		for (e = 0; e < t->numel; e++, p += 4) {
			u = p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
			if ((u & 0x7f800000u) == 0x7f800000u)
				return e;
		}
		return -1;
	}
	u = t->dtype == MMFI_DT_BF16 ? 0x7f80u : 0x7c00u;
	for (e = 0; e < t->numel; e++, p += 2) {
		if (((p[0] | p[1] << 8) & u) == u)
			return e;
	}
	return -1;
}

/* The tensors are exactly those of cfg, each of the shape cfg implies, without NaN or Inf. */
static int model_check(const struct mmfi_ckpt *c, const char *dir, char *err, size_t err_len)
{
	struct mmfi_tensor_spec *s = NULL;
	const struct mmfi_tensor *t;
	char missing[3 * MMFI_CKPT_NAME + 8] = "", extra[3 * MMFI_CKPT_NAME + 8] = "", sh[96], want[160];
	int n_spec, n_missing = 0, n_extra = 0, i = 0, j = 0, k, cmp, r;
	int64_t e;

	r = mmfi_model_tensors(&c->cfg, &s, &n_spec);
	if (r) {
		mmfi_msg(err, err_len, "%s: no memory for the model's tensor list", dir);
		return r;
	}
	r = MMF_ERR_ARG;
	/* both lists are sorted by name: walk them together */
	while (i < n_spec || j < c->n_tensors) {
		cmp = i == n_spec ? 1 : j == c->n_tensors ? -1 : strcmp(s[i].name, c->tensors[j].name);
		if (cmp < 0)
			list_add(missing, sizeof(missing), &n_missing, s[i++].name);
		else if (cmp > 0)
			list_add(extra, sizeof(extra), &n_extra, c->tensors[j++].name);
		else
			i++, j++;
	}
	if (n_missing || n_extra) {
		mmfi_msg(err, err_len, "%s: the tensors differ from what config.json implies (%d layers, "
			 "use_lower_bound %s): %d missing%s%s%s%s; %d not in the model%s%s%s%s", dir,
			 c->cfg.layers, c->cfg.use_lower_bound ? "true" : "false", n_missing,
			 n_missing ? " (" : "", missing, n_missing > SHOW_NAMES ? ", ..." : "",
			 n_missing ? ")" : "", n_extra, n_extra ? " (" : "", extra,
			 n_extra > SHOW_NAMES ? ", ..." : "", n_extra ? ")" : "");
		goto out;
	}
	for (i = 0; i < n_spec; i++) {
		t = &c->tensors[i];
		if (t->ndim == s[i].ndim && t->shape[0] == s[i].shape[0] &&
		    (t->ndim == 1 || t->shape[1] == s[i].shape[1]))
			continue;
		snprintf(want, sizeof(want), "[%s=%" PRId64, s[i].dim[0], s[i].shape[0]);
		if (s[i].ndim == 2) {
			k = (int)strlen(want);
			snprintf(want + k, sizeof(want) - (size_t)k, ", %s=%" PRId64, s[i].dim[1],
				 s[i].shape[1]);
		}
		mmfi_msg(err, err_len, "%s: %s: shape %s, expected %s] from config.json",
			 c->files[t->shard], t->name, shape_str(t->shape, t->ndim, sh, sizeof(sh)), want);
		goto out;
	}
	for (i = 0; i < c->n_tensors; i++) {
		t = &c->tensors[i];
		e = first_nonfinite(t);
		mmfi_tensor_release(t);     /* the scan need not keep the file resident */
		if (e >= 0) {
			float f = mmfi_tensor_get(t, e);

			mmfi_msg(err, err_len, "%s: %s: element %" PRId64 " is %s", c->files[t->shard], t->name,
				 e, isnan(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf");
			goto out;
		}
	}
	r = MMF_OK;
out:
	free(s);
	return r;
}

int mmfi_ckpt_open(const char *dir, struct mmfi_ckpt **out, char *err, size_t err_len)
{
	struct ckpt_index ix = { NULL, NULL, 0 };
	struct mmfi_ckpt *c;
	struct mmfi_tensor *t = NULL, *all;
	char *text = NULL, *path = NULL;
	size_t len;
	int i, k, n, r;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		mmfi_msg(err, err_len, "%s: no memory", dir);
		return MMF_ERR_NOMEM;
	}
	r = MMF_ERR_NOMEM;
	path = path_join(dir, "config.json");
	if (!path)
		goto nomem;
	if ((r = read_small(path, MMFI_CKPT_MAX_JSON, &text, &len, err, err_len)) ||
	    (r = mmfi_config_parse(text, len, path, &c->cfg, err, err_len)))
		goto out;
	free(text);
	free(path);
	text = NULL;
	path = path_join(dir, "model.safetensors.index.json");
	if (!path)
		goto nomem;
	if (access(path, F_OK) == 0) {
		if ((r = read_small(path, MMFI_CKPT_MAX_JSON, &text, &len, err, err_len)) ||
		    (r = index_parse(c, dir, path, text, len, &ix, err, err_len)))
			goto out;
	} else {
		c->files[0] = path_join(dir, "model.safetensors");
		if (!c->files[0])
			goto nomem;
		c->n_files = 1;
	}
	for (i = 0; i < c->n_files; i++) {
		if ((r = map_shard(c, i, ix.root != NULL, err, err_len)) ||
		    (r = mmfi_safetensors_parse(c->maps[i], c->map_len[i], c->files[i], &t, &n, err,
						err_len)))
			goto out;
		all = realloc(c->tensors, ((size_t)c->n_tensors + (size_t)n + 1) * sizeof(*all));
		if (!all)
			goto nomem;
		c->tensors = all;
		for (k = 0; k < n; k++) {
			t[k].shard = i;
			c->tensors[c->n_tensors++] = t[k];
		}
		free(t);
		t = NULL;
	}
	qsort(c->tensors, (size_t)c->n_tensors, sizeof(*c->tensors), cmp_name_shard);
	r = MMF_ERR_ARG;
	for (i = 1; i < c->n_tensors; i++) {
		if (!strcmp(c->tensors[i - 1].name, c->tensors[i].name)) {
			mmfi_msg(err, err_len, "%s: tensor \"%s\" is in both %s and %s", dir, c->tensors[i].name,
				 shard_name(c, c->tensors[i - 1].shard), shard_name(c, c->tensors[i].shard));
			goto out;
		}
	}
	if ((ix.root && (r = index_check(c, &ix, path, err, err_len))) ||
	    (r = model_check(c, dir, err, err_len)))
		goto out;
	*out = c;
	c = NULL;
	r = MMF_OK;
	goto out;
nomem:
	mmfi_msg(err, err_len, "%s: no memory", dir);
	r = MMF_ERR_NOMEM;
out:
	free(t);
	free(ix.e);
	cJSON_Delete(ix.root);
	free(text);
	free(path);
	mmfi_ckpt_close(c);
	return r;
}

void mmfi_ckpt_close(struct mmfi_ckpt *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < c->n_files; i++) {
		if (c->maps[i])
			munmap(c->maps[i], c->map_len[i]);
		free(c->files[i]);
	}
	free(c->tensors);
	free(c);
}

static int cmp_find(const void *key, const void *t)
{
	return strcmp(key, ((const struct mmfi_tensor *)t)->name);
}

const struct mmfi_tensor *mmfi_ckpt_find(const struct mmfi_ckpt *c, const char *name)
{
	return bsearch(name, c->tensors, (size_t)c->n_tensors, sizeof(*c->tensors), cmp_find);
}
