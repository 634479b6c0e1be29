/*
 * ckpt.h: MatMul-free LM checkpoints in the Hugging Face layout (internal to libmmfree).
 *
 * A checkpoint is a folder: config.json, then either model.safetensors or shards named in
 * model.safetensors.index.json, and optionally tokenizer.json (see tok.h). Files are mapped with
 * mmap, never copied: a tensor's data points into the mapping. Everything is checked at open
 * (docs/checkpoints.md lists the checks, with example messages); a checkpoint that fails one is
 * refused whole, with a message that names the file, the tensor and what was expected against what
 * was found.
 *
 * The parsers take a buffer so that they can be fuzzed alone (tests/fuzz_*.c): they never read outside
 * it, whatever it holds.
 *
 * Errors: MMF_ERR_ARG for a file whose contents are wrong (or a bad option of mmfi_mkmodel),
 * MMF_ERR_IO for a file that cannot be opened, read, mapped or written, MMF_ERR_NOMEM.
 */
#ifndef MMFI_CKPT_H
#define MMFI_CKPT_H

#include <stddef.h>
#include <stdint.h>

enum {
	MMFI_CKPT_MAX_DIMS = 4,     /* safetensors tensors this loader takes have at most 4 dims */
	MMFI_CKPT_NAME = 128,       /* longest tensor name taken (with its NUL) */
	MMFI_CKPT_MAX_SHARDS = 64,  /* shards in an index */
	MMFI_CKPT_MAX_TENSORS = 1 << 17, /* tensors in one safetensors header (the 370M has 365) */
	MMFI_CKPT_MAX_HEADER = 100000000, /* bytes of one safetensors JSON header (as safetensors) */
	MMFI_CKPT_MAX_JSON = 64 << 20, /* bytes of config.json or the index */
	/* config.json bounds: every size computed from them fits an int64 with room to spare */
	MMFI_CKPT_MAX_HIDDEN = 65536,  /* hidden_size */
	MMFI_CKPT_MAX_LAYERS = 1024,   /* num_hidden_layers */
	MMFI_CKPT_MAX_VOCAB = 1 << 20, /* vocab_size */
	MMFI_CKPT_MAX_INTER = 1 << 20, /* intermediate_size */
	MMFI_CKPT_MAX_RATIO = 16,      /* hidden_ratio */
};

/* Tensor element types (the safetensors dtype strings "BF16", "F16", "F32"). */
enum mmfi_dtype {
	MMFI_DT_BF16 = 0,
	MMFI_DT_F16 = 1,
	MMFI_DT_F32 = 2,
};
/* Bytes per element (2, 2, 4) and the safetensors name ("BF16", "F16", "F32"). */
int mmfi_dtype_size(enum mmfi_dtype t);
const char *mmfi_dtype_name(enum mmfi_dtype t);

/* The model's shape and constants, from config.json with the documented defaults applied. */
struct mmfi_config {
	int hidden;                 /* hidden_size d */
	int layers;                 /* num_hidden_layers L */
	int vocab;                  /* vocab_size V */
	int intermediate;           /* intermediate_size I (null: 256 * ceil(int(d * hidden_ratio * 2/3) / 256)) */
	int hidden_ratio;           /* hidden_ratio (4): sets the default of intermediate_size */
	int num_heads;              /* num_heads: only 1 is supported */
	int use_lower_bound;        /* use_lower_bound (true) */
	int tie_word_embeddings;    /* tie_word_embeddings: only false is supported */
	float rms_norm_eps;         /* rms_norm_eps (1e-6) */
	int bos_token_id;           /* bos_token_id (1; -1 when null), below vocab */
	int eos_token_id;           /* eos_token_id (2; -1 when null), below vocab */
	char model_type[32];        /* "hgrn_bit" (the only one taken) */
};

/* One tensor, its data inside a mapped file. */
struct mmfi_tensor {
	char name[MMFI_CKPT_NAME];  /* "model.layers.0.attn.i_proj.weight" */
	enum mmfi_dtype dtype;      /* element type */
	int ndim;                   /* dimensions used in shape[] */
	int64_t shape[MMFI_CKPT_MAX_DIMS]; /* row-major shape */
	int64_t numel;              /* product of shape */
	const void *data;           /* numel elements, little-endian, inside the mapping */
	uint64_t offset;            /* byte offset of data in its file (after the header) */
	int shard;                  /* index into mmfi_ckpt.files */
};

struct mmfi_ckpt {
	struct mmfi_config cfg;     /* config.json */
	int n_files;                /* safetensors files mapped */
	char *files[MMFI_CKPT_MAX_SHARDS]; /* their paths */
	void *maps[MMFI_CKPT_MAX_SHARDS];  /* their mappings */
	size_t map_len[MMFI_CKPT_MAX_SHARDS]; /* their sizes */
	int n_tensors;              /* tensors in all files */
	struct mmfi_tensor *tensors; /* sorted by name */
};

/* Parse config.json text (path only names it in messages); defaults applied, types checked
 * ("config.json: hidden_size: expected a positive integer, found string \"1024\""). 0 or MMF_ERR_ARG
 * (MMF_ERR_NOMEM). Required: hidden_size, num_hidden_layers, vocab_size; docs/checkpoints.md lists
 * the rest with their defaults. */
int mmfi_config_parse(const char *text, size_t len, const char *path, struct mmfi_config *cfg,
		      char *err, size_t err_len);

/* Parse one safetensors file held in buf[0..len): the 8-byte header length, the JSON header, every
 * tensor's dtype/shape/data_offsets checked against the file (in range, size equal to dtype size
 * times numel, names unique, and the tensors tile the data area: no overlap, no gap, nothing after
 * the last, as the format requires). On success *out is a malloc'd array of *n tensors sorted by
 * name (data pointing into buf, shard = 0; free() it). 0 or MMF_ERR_ARG (or MMF_ERR_NOMEM). */
int mmfi_safetensors_parse(const uint8_t *buf, size_t len, const char *path, struct mmfi_tensor **out,
			   int *n, char *err, size_t err_len);

/* Open a checkpoint folder: config, index (if any), every shard mapped and parsed, then the model
 * checks: every tensor of docs/model.md present with the shape config.json implies, no extra tensor,
 * no NaN or Inf in any weight. 0 or a negative mmf_error, message in err. */
int mmfi_ckpt_open(const char *dir, struct mmfi_ckpt **out, char *err, size_t err_len);
void mmfi_ckpt_close(struct mmfi_ckpt *c);
/* The tensor called name, or NULL. */
const struct mmfi_tensor *mmfi_ckpt_find(const struct mmfi_ckpt *c, const char *name);
/* Element i of t as a float (BF16 and F16 widened exactly: subnormals, infinities, NaN). i must be
 * in [0, numel). */
float mmfi_tensor_get(const struct mmfi_tensor *t, int64_t i);
/* Give the mapped pages of t back to the kernel (they are read from the file again if touched):
 * keeps the resident set of a large checkpoint small after a pass over it. */
void mmfi_tensor_release(const struct mmfi_tensor *t);
/* Elements [first, first + n) of t into dst as float32; the range must lie in [0, numel). */
void mmfi_tensor_read(const struct mmfi_tensor *t, int64_t first, int64_t n, float *dst);

/* The tensors of the model (docs/model.md), what the loader checks and mkmodel writes. */
enum mmfi_tensor_kind {
	MMFI_TK_PROJ = 0,           /* a BitLinear weight (*_proj.weight, lm_head.weight): ternarised */
	MMFI_TK_EMBED = 1,          /* model.embeddings.weight */
	MMFI_TK_NORM = 2,           /* an RMSNorm weight (*norm.weight) */
	MMFI_TK_LOWER_BOUNDS = 3,   /* model.lower_bounds */
};
struct mmfi_tensor_spec {
	char name[MMFI_CKPT_NAME];  /* "model.layers.0.mlp.gate_proj.weight" */
	enum mmfi_tensor_kind kind; /* what it is */
	int ndim;                   /* 1 or 2 */
	int64_t shape[2];           /* from config.json */
	const char *dim[2];         /* where each dimension comes from: "d", "2I", "I", "V", "L" */
};
/* The tensors cfg implies, sorted by name (15 per layer, then 4, and model.lower_bounds when
 * use_lower_bound): a malloc'd array of *n. 0 or MMF_ERR_NOMEM. */
int mmfi_model_tensors(const struct mmfi_config *cfg, struct mmfi_tensor_spec **out, int *n);
/* intermediate_size when config.json has null: 256 * ceil(int(d * ratio * 2 / 3) / 256). */
int mmfi_default_intermediate(int hidden, int hidden_ratio);

/* Writing checkpoints (mkmodel.c) */
struct mmfi_mkmodel_opts {
	int hidden;                 /* d */
	int layers;                 /* L */
	int vocab;                  /* V */
	int intermediate;           /* I; 0: null in config.json, the default applies */
	int shards;                 /* 1: model.safetensors; N > 1: model-0000k-of-0000N.safetensors + index */
	enum mmfi_dtype dtype;      /* element type of every tensor */
	uint64_t seed;              /* the random weights repeat with the seed */
	int tokenizer;              /* 1: also write a byte-level tokenizer.json (not done yet: ignored) */
};
/* Write a random checkpoint into dir (created if missing; its parent must exist); files are written
 * under temporary names (NAME.tmp) and renamed at the end, config.json last, so an interrupted run
 * leaves no half checkpoint; on failure the temporary files are removed. A model.safetensors.index.json
 * (unsharded) or model.safetensors (sharded) left by an earlier run is removed, so the folder holds one
 * layout. Streams: memory use does not grow with the model. progress (may be NULL) is called with
 * bytes written and total. 0 or a negative mmf_error. */
int mmfi_mkmodel(const char *dir, const struct mmfi_mkmodel_opts *o,
		 void (*progress)(void *user, uint64_t done, uint64_t total), void *user,
		 char *err, size_t err_len);

/* The random values mkmodel writes for one tensor, in order, as float32 before rounding to the
 * checkpoint's dtype: they depend only on the tensor's name, kind and the seed, not on the layout.
 * Projections N(0, 0.02), embeddings 0.5 N(0, 1), norm weights 1 + 0.1 N(0, 1), lower bounds
 * 0.5 N(0, 1). */
struct mmfi_mkmodel_gen {
	uint64_t state;             /* splitmix64 state */
	float scale;                /* standard deviation */
	float mean;                 /* added after scaling */
	int have_spare;             /* Box-Muller gives two normals: the second is kept */
	double spare;               /* ... here */
};
void mmfi_mkmodel_gen_init(struct mmfi_mkmodel_gen *g, const char *name, enum mmfi_tensor_kind kind,
			   uint64_t seed);
void mmfi_mkmodel_gen_fill(struct mmfi_mkmodel_gen *g, float *dst, size_t n);

#endif
