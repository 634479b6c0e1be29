/*
 * mkmodel.c: random MatMul-free LM checkpoints in the Hugging Face layout, for testing the loader and
 * everything after it without the hub's files (docs/checkpoints.md).
 *
 * The files are what transformers and safetensors write: config.json with sorted keys and an indent
 * of 2; safetensors files whose JSON header is compact, "__metadata__" first, then the tensors in the
 * order of their data (sorted by name), padded with spaces to a multiple of 8 bytes; for N > 1 shards,
 * model-0000k-of-0000N.safetensors and model.safetensors.index.json. Tensor data is generated and
 * written a chunk at a time, so memory stays small for any model size.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "mmfree.h"
#include "outfile.h"
#include "transport.h"

enum {
	CHUNK = 1 << 16,            /* elements generated and written at a time */
	MAX_FILES = MMFI_CKPT_MAX_SHARDS + 2, /* shards, the index, config.json */
	CONFIG_MAX = 2048,          /* bytes of config.json */
};

#define TWO_PI 6.283185307179586

/* ---- random values ----------------------------------------------------------------------------- */

/* splitmix64: a good 64-bit generator whose state may start anywhere, 0 included. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void mmfi_mkmodel_gen_init(struct mmfi_mkmodel_gen *g, const char *name, enum mmfi_tensor_kind kind,
			   uint64_t seed)
{
	/* FNV-1a of the name: each tensor has its own stream, whatever the layout of the files */
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	g->state = seed ^ h;
	g->have_spare = 0;
	g->spare = 0;
	g->mean = kind == MMFI_TK_NORM ? 1.0f : 0.0f;
	g->scale = kind == MMFI_TK_PROJ ? 0.02f : kind == MMFI_TK_NORM ? 0.1f : 0.5f;
}

void mmfi_mkmodel_gen_fill(struct mmfi_mkmodel_gen *g, float *dst, size_t n)
{
	double u1, u2, r, z;
	size_t i;

	for (i = 0; i < n; i++) {
		if (g->have_spare) {
			z = g->spare;
			g->have_spare = 0;
		} else {
			/* Box-Muller; u1 in (0, 1] so the log is finite */
			u1 = ((splitmix64(&g->state) >> 11) + 1) * 0x1p-53;
			u2 = (splitmix64(&g->state) >> 11) * 0x1p-53;
			r = sqrt(-2.0 * log(u1));
			z = r * cos(TWO_PI * u2);
			g->spare = r * sin(TWO_PI * u2);
			g->have_spare = 1;
		}
		dst[i] = g->mean + g->scale * (float)z;
	}
}

/* ---- float to the file's dtypes, rounding to nearest, ties to even ----------------------------- */

static uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static uint16_t f32_to_bf16(float f)
{
	uint32_t u = f32_bits(f);

	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)(u >> 16 | 0x40);  /* a NaN stays a NaN (quiet) */
	return (uint16_t)((u + 0x7fffu + (u >> 16 & 1)) >> 16);
}

static uint16_t f32_to_f16(float f)
{
	uint32_t u = f32_bits(f), sign = u >> 16 & 0x8000u, a = u & 0x7fffffffu;

	if (a > 0x7f800000u)
		return (uint16_t)(sign | 0x7e00u);
	if (a >= 0x477ff000u)                   /* 65520 and up round to infinity */
		return (uint16_t)(sign | 0x7c00u);
	if (a < 0x38800000u)                    /* below 2^-14: a subnormal, in units of 2^-24 */
		return (uint16_t)(sign | (uint32_t)nearbyintf(fabsf(f) * 0x1p24f));
	a -= (127u - 15u) << 23;                /* rebias; a carry out of the mantissa is right */
	return (uint16_t)(sign | (a + 0xfffu + (a >> 13 & 1)) >> 13);
}

/* n floats as little-endian dtype elements into out. */
static void encode(enum mmfi_dtype dt, const float *f, size_t n, uint8_t *out)
{
	uint32_t u;
	size_t i;

	for (i = 0; i < n; i++) {
		switch (dt) {
		case MMFI_DT_BF16:
		case MMFI_DT_F16:
			u = dt == MMFI_DT_BF16 ? f32_to_bf16(f[i]) : f32_to_f16(f[i]);
			out[2 * i] = (uint8_t)u;
			out[2 * i + 1] = (uint8_t)(u >> 8);
			break;
		case MMFI_DT_F32:
			u = f32_bits(f[i]);
			out[4 * i] = (uint8_t)u;
			out[4 * i + 1] = (uint8_t)(u >> 8);
			out[4 * i + 2] = (uint8_t)(u >> 16);
			out[4 * i + 3] = (uint8_t)(u >> 24);
			break;
		}
	}
}

/* ---- text -------------------------------------------------------------------------------------- */

/* A growing string. */
struct sbuf {
	char *p;                    /* the text, NUL-terminated */
	size_t len;                 /* its length */
	size_t cap;                 /* bytes allocated */
	int oom;                    /* an append ran out of memory */
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	char *p;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	need = b->len + (size_t)n + 1;
	if (need > b->cap) {
		p = realloc(b->p, need * 2);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = need * 2;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char *const torch_dtype[] = { "bfloat16", "float16", "float32" };

/* config.json as transformers writes it (sorted keys, indent 2, a newline at the end). */
static void config_text(const struct mmfi_mkmodel_opts *o, char *buf, size_t len)
{
	char inter[16];

	if (o->intermediate)
		snprintf(inter, sizeof(inter), "%d", o->intermediate);
	else
		snprintf(inter, sizeof(inter), "null");
	snprintf(buf, len,
		 "{\n"
		 "  \"architectures\": [\n"
		 "    \"HGRNBitForCausalLM\"\n"
		 "  ],\n"
		 "  \"attn_mode\": \"fused_recurrent\",\n"
		 "  \"bos_token_id\": 1,\n"
		 "  \"conv_size\": 4,\n"
		 "  \"eos_token_id\": 2,\n"
		 "  \"expand_ratio\": 1,\n"
		 "  \"hidden_act\": \"swish\",\n"
		 "  \"hidden_ratio\": 4,\n"
		 "  \"hidden_size\": %d,\n"
		 "  \"intermediate_size\": %s,\n"
		 "  \"max_position_embeddings\": 2048,\n"
		 "  \"model_type\": \"hgrn_bit\",\n"
		 "  \"num_heads\": 1,\n"
		 "  \"num_hidden_layers\": %d,\n"
		 "  \"rms_norm_eps\": 1e-06,\n"
		 "  \"share_conv_kernel\": true,\n"
		 "  \"tie_word_embeddings\": false,\n"
		 "  \"torch_dtype\": \"%s\",\n"
		 "  \"use_lower_bound\": true,\n"
		 "  \"use_short_conv\": false,\n"
		 "  \"vocab_size\": %d\n"
		 "}\n", o->hidden, inter, o->layers, torch_dtype[o->dtype], o->vocab);
}

/* ---- layout ------------------------------------------------------------------------------------ */

/* Where the tensors go: the shard of each, and its data offset there. */
struct plan {
	int n;                      /* tensors */
	struct mmfi_tensor_spec *s; /* the model's, sorted by name */
	int *shard;                 /* shard of tensor i */
	uint64_t *begin;            /* its offset in the shard's data area */
	uint64_t *bytes;            /* its size */
	struct sbuf head[MMFI_CKPT_MAX_SHARDS]; /* each shard's JSON header, padded */
	uint64_t file_bytes[MMFI_CKPT_MAX_SHARDS]; /* each shard's file size */
	uint64_t data_bytes;        /* all tensors */
};

/* Split the tensors (in name order) into o->shards runs of roughly equal bytes: a tensor opens the
 * next shard when its middle lies past that shard's share, or when as many tensors are left as shards
 * still to fill. Then the headers. */
static int plan_make(struct plan *p, const struct mmfi_mkmodel_opts *o)
{
	uint64_t cum = 0, pos = 0, esize = (uint64_t)mmfi_dtype_size(o->dtype);
	int i, k = 0, in_k = 0, j, d;

	p->data_bytes = 0;
	for (i = 0; i < p->n; i++) {
		p->bytes[i] = esize * (uint64_t)p->s[i].shape[0] * (uint64_t)(p->s[i].ndim == 2 ?
									   p->s[i].shape[1] : 1);
		p->data_bytes += p->bytes[i];
	}
	for (i = 0; i < p->n; i++) {
		if (k < o->shards - 1 && in_k &&
		    (cum + p->bytes[i] / 2 >= (uint64_t)(k + 1) * p->data_bytes / (uint64_t)o->shards ||
		     p->n - i == o->shards - 1 - k)) {
			k++;
			in_k = 0;
			pos = 0;
		}
		p->shard[i] = k;
		p->begin[i] = pos;
		pos += p->bytes[i];
		cum += p->bytes[i];
		in_k++;
	}
	for (k = 0; k < o->shards; k++) {
		sb_printf(&p->head[k], "{\"__metadata__\":{\"format\":\"pt\"}");
		pos = 0;
		for (i = 0; i < p->n; i++) {
			if (p->shard[i] != k)
				continue;
			sb_printf(&p->head[k], ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", p->s[i].name,
				  mmfi_dtype_name(o->dtype));
			for (d = 0; d < p->s[i].ndim; d++)
				sb_printf(&p->head[k], "%s%" PRId64, d ? "," : "", p->s[i].shape[d]);
			sb_printf(&p->head[k], "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}", p->begin[i],
				  p->begin[i] + p->bytes[i]);
			pos += p->bytes[i];
		}
		sb_printf(&p->head[k], "}");
		for (j = (int)(p->head[k].len % 8); j && j < 8; j++)
			sb_printf(&p->head[k], " ");
		if (p->head[k].oom)
			return MMF_ERR_NOMEM;
		p->file_bytes[k] = 8 + p->head[k].len + pos;
	}
	return MMF_OK;
}

/* ---- files ------------------------------------------------------------------------------------- */

/* The files one run writes (outfile.h: each under a temporary name until it is put in place). */
struct files {
	int n;                      /* files */
	char *final[MAX_FILES];     /* "dir/NAME" */
	struct mmfi_out out[MAX_FILES]; /* each open for writing, once opened */
};

/* Add dir/name to f; returns its index, or -1 without memory. */
static int files_add(struct files *f, const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	int i = f->n;

	f->final[i] = malloc(n);
	f->n++;
	if (!f->final[i])
		return -1;
	snprintf(f->final[i], n, "%s/%s", dir, name);
	return i;
}

/* Progress of the whole run. */
struct progress {
	void (*fn)(void *user, uint64_t done, uint64_t total); /* the caller's, or NULL */
	void *user;                 /* its argument */
	uint64_t done;              /* bytes written */
	uint64_t total;             /* bytes to write */
};

static void progress_add(struct progress *pr, uint64_t n)
{
	pr->done += n;
	if (pr->fn)
		pr->fn(pr->user, pr->done, pr->total);
}

/* Shard k of the plan into path: 8-byte header length, header, then each tensor's values. */
static int write_shard(const struct plan *p, int k, const struct mmfi_mkmodel_opts *o, struct mmfi_out *out,
		       float *fbuf, uint8_t *bbuf, struct progress *pr, char *err, size_t err_len)
{
	struct mmfi_mkmodel_gen g;
	uint64_t hlen = p->head[k].len, done, numel;
	uint8_t len8[8];
	size_t m, esize = (size_t)mmfi_dtype_size(o->dtype);
	int i, r;

	for (i = 0; i < 8; i++)
		len8[i] = (uint8_t)(hlen >> (8 * i));
	if ((r = mmfi_out_write(out, len8, 8, err, err_len)) ||
	    (r = mmfi_out_write(out, p->head[k].p, p->head[k].len, err, err_len)))
		return r;
	progress_add(pr, 8 + hlen);
	for (i = 0; i < p->n; i++) {
		if (p->shard[i] != k)
			continue;
		mmfi_mkmodel_gen_init(&g, p->s[i].name, p->s[i].kind, o->seed);
		numel = p->bytes[i] / esize;
		for (done = 0; done < numel; done += m) {
			m = numel - done < CHUNK ? (size_t)(numel - done) : CHUNK;
			mmfi_mkmodel_gen_fill(&g, fbuf, m);
			encode(o->dtype, fbuf, m, bbuf);
			if ((r = mmfi_out_write(out, bbuf, m * esize, err, err_len)))
				return r;
			progress_add(pr, m * esize);
		}
	}
	return MMF_OK;
}

/* model.safetensors.index.json as transformers writes it (sorted keys, indent 2). */
static int index_text(const struct plan *p, const struct files *f, struct sbuf *b)
{
	int i;

	sb_printf(b, "{\n  \"metadata\": {\n    \"total_size\": %" PRIu64 "\n  },\n  \"weight_map\": {\n",
		  p->data_bytes);
	for (i = 0; i < p->n; i++)
		sb_printf(b, "    \"%s\": \"%s\"%s\n", p->s[i].name, strrchr(f->final[p->shard[i]], '/') + 1,
			  i + 1 < p->n ? "," : "");
	sb_printf(b, "  }\n}\n");
	return b->oom ? MMF_ERR_NOMEM : MMF_OK;
}

/* Options in range, with a message naming the bad one. */
static int opts_check(const struct mmfi_mkmodel_opts *o, char *err, size_t err_len)
{
	const char *what = NULL;
	long v = 0, lo = 1, hi = 0;

	if (o->hidden < 1 || o->hidden > MMFI_CKPT_MAX_HIDDEN)
		what = "hidden", v = o->hidden, hi = MMFI_CKPT_MAX_HIDDEN;
	else if (o->layers < 1 || o->layers > MMFI_CKPT_MAX_LAYERS)
		what = "layers", v = o->layers, hi = MMFI_CKPT_MAX_LAYERS;
	else if (o->vocab < 3 || o->vocab > MMFI_CKPT_MAX_VOCAB)
		what = "vocab", v = o->vocab, lo = 3, hi = MMFI_CKPT_MAX_VOCAB;
	else if (o->intermediate < 0 || o->intermediate > MMFI_CKPT_MAX_INTER)
		what = "intermediate", v = o->intermediate, lo = 0, hi = MMFI_CKPT_MAX_INTER;
	else if (o->shards < 1 || o->shards > MMFI_CKPT_MAX_SHARDS)
		what = "shards", v = o->shards, hi = MMFI_CKPT_MAX_SHARDS;
	else if ((unsigned)o->dtype > MMFI_DT_F32)
		what = "dtype", v = o->dtype, lo = 0, hi = MMFI_DT_F32;
	if (what) {
		mmfi_msg(err, err_len, "%s %ld: expected %ld to %ld", what, v, lo, hi);
		return MMF_ERR_ARG;
	}
	return MMF_OK;
}

int mmfi_mkmodel(const char *dir, const struct mmfi_mkmodel_opts *o,
		 void (*progress)(void *user, uint64_t done, uint64_t total), void *user,
		 char *err, size_t err_len)
{
	struct plan p;
	struct files f;
	struct progress pr = { progress, user, 0, 0 };
	struct mmfi_config cfg;
	struct sbuf index = { NULL, 0, 0, 0 };
	struct stat st;
	char config[CONFIG_MAX], name[64], *stale = NULL;
	float *fbuf = NULL;
	uint8_t *bbuf = NULL;
	int i, k, r, made = 0, dir_slot = -1;

	memset(&p, 0, sizeof(p));
	memset(&f, 0, sizeof(f));
	if ((r = opts_check(o, err, err_len)))
		return r;
	config_text(o, config, sizeof(config));
	r = mmfi_config_parse(config, strlen(config), "config.json", &cfg, err, err_len);
	if (r)
		goto out;
	r = MMF_ERR_NOMEM;
	if (mmfi_model_tensors(&cfg, &p.s, &p.n))
		goto nomem;
	if (o->shards > p.n) {
		mmfi_msg(err, err_len, "shards %d: the model has only %d tensors", o->shards, p.n);
		r = MMF_ERR_ARG;
		goto out;
	}
	p.shard = calloc((size_t)p.n, sizeof(*p.shard));
	p.begin = calloc((size_t)p.n, sizeof(*p.begin));
	p.bytes = calloc((size_t)p.n, sizeof(*p.bytes));
	fbuf = malloc(CHUNK * sizeof(*fbuf));
	bbuf = malloc(CHUNK * 4);
	if (!p.shard || !p.begin || !p.bytes || !fbuf || !bbuf || plan_make(&p, o))
		goto nomem;
	for (k = 0; k < o->shards; k++)
		pr.total += p.file_bytes[k];

	made = mkdir(dir, 0777) == 0;
	if (!made && (errno != EEXIST || stat(dir, &st) || !S_ISDIR(st.st_mode))) {
		mmfi_msg(err, err_len, "%s: cannot make the folder: %s", dir,
			 errno == EEXIST ? "a file of that name exists" : strerror(errno));
		r = MMF_ERR_IO;
		goto out;
	}
	/* a folder this run made goes again if the run fails or is interrupted (when it is empty) */
	dir_slot = made ? mmfi_out_pending_add(dir) : -1;
	for (k = 0; k < o->shards; k++) {
		if (o->shards == 1)
			snprintf(name, sizeof(name), "model.safetensors");
		else
			snprintf(name, sizeof(name), "model-%05d-of-%05d.safetensors", k + 1, o->shards);
		if (files_add(&f, dir, name) < 0)
			goto nomem;
	}
	if ((o->shards > 1 && files_add(&f, dir, "model.safetensors.index.json") < 0) ||
	    files_add(&f, dir, "config.json") < 0)
		goto nomem;
	/* what an earlier run of the other layout left, which would change what the folder means */
	stale = malloc(strlen(dir) + 40);
	if (!stale)
		goto nomem;
	snprintf(stale, strlen(dir) + 40, "%s/%s", dir,
		 o->shards > 1 ? "model.safetensors" : "model.safetensors.index.json");

	/* every file opened before any is written: one that is refused (read-only, say) stops the run
	 * before the long part */
	for (i = 0; i < f.n; i++)
		if ((r = mmfi_out_open(&f.out[i], f.final[i], err, err_len)))
			goto out;
	for (k = 0; k < o->shards; k++) {
		r = write_shard(&p, k, o, &f.out[k], fbuf, bbuf, &pr, err, err_len);
		if (r)
			goto out;
	}
	if (o->shards > 1) {
		if (index_text(&p, &f, &index))
			goto nomem;
		r = mmfi_out_write(&f.out[o->shards], index.p, index.len, err, err_len);
		if (r)
			goto out;
	}
	r = mmfi_out_write(&f.out[f.n - 1], config, strlen(config), err, err_len);
	if (r)
		goto out;
	/* config.json last: the folder is not a checkpoint until everything else is in place */
	for (i = 0; i < f.n; i++) {
		if (i == f.n - 1 && unlink(stale) && errno != ENOENT) {
			mmfi_msg(err, err_len, "%s: cannot remove it (left by an earlier run): %s", stale,
				 strerror(errno));
			r = MMF_ERR_IO;
			goto out;
		}
		if ((r = mmfi_out_commit(&f.out[i], err, err_len)))
			goto out;
	}
	r = MMF_OK;
	goto out;
nomem:
	mmfi_msg(err, err_len, "%s: no memory", dir);
	r = MMF_ERR_NOMEM;
out:
	for (i = 0; i < f.n; i++) {
		mmfi_out_abort(&f.out[i]);   /* what was not put in place: its temporary removed */
		free(f.final[i]);
	}
	if (r && made)
		rmdir(dir);
	mmfi_out_pending_del(dir_slot);
	for (k = 0; k < MMFI_CKPT_MAX_SHARDS; k++)
		free(p.head[k].p);
	free(stale);
	free(index.p);
	free(bbuf);
	free(fbuf);
	free(p.bytes);
	free(p.begin);
	free(p.shard);
	free(p.s);
	return r;
}
