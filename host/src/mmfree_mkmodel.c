/*
 * mmfree_mkmodel.c: `mmfree mkmodel`: write a random MatMul-free LM checkpoint in the Hugging Face
 * layout (host/src/mkmodel.c), then open it with the loader to check it (host/src/ckpt.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt.h"
#include "mmfree_cli.h"

static void help_mkmodel(FILE *f)
{
	fprintf(f, "usage: mmfree mkmodel --out DIR [--hidden D] [--layers L] [--vocab V]\n"
		"                      [--intermediate I] [--shards N] [--dtype bf16|f16|f32] [--seed S]\n"
		"                      [--json]\n\n"
		"Write a random MatMul-free LM checkpoint in the layout of the Hugging Face MMfreeLM\n"
		"repositories (docs/checkpoints.md): config.json, and model.safetensors or N shards\n"
		"model-0000k-of-0000N.safetensors with model.safetensors.index.json; every tensor of\n"
		"docs/model.md, random values repeatable with the seed. Then open it with the loader, which\n"
		"checks everything, and print what was written: files, bytes, parameters.\n"
		"Each file is checked before anything is written, written under a temporary name and\n"
		"renamed into place at the end, config.json last.\n\n"
		"  --out DIR           the checkpoint folder (made if missing; its parent must exist)\n"
		"  --hidden D          hidden_size (default 64; the 370M has 1024)\n"
		"  --layers L          num_hidden_layers (default 2; the 370M has 24)\n"
		"  --vocab V           vocab_size (default 259: the byte-level tokenizer's; the 370M has\n"
		"                      32000)\n"
		"  --intermediate I    intermediate_size (default: null in config.json, which means\n"
		"                      256 * ceil(int(8 D / 3) / 256), 2816 for D = 1024)\n"
		"  --shards N          N > 1: that many shards and the index (default 1)\n"
		"  --dtype T           bf16 (default, as the hub's), f16 or f32\n"
		"  --seed S            seed of the random weights (default 1)\n"
		"  --json              one JSON object on stdout\n\n"
		"e.g. the 370M's shape (748,216,320 bytes of tensor data in bf16):\n"
		"  mmfree mkmodel --out /tmp/m370 --hidden 1024 --layers 24 --vocab 32000\n\n%s",
		cli_files_help);
}

static const char *const dtype_arg[] = { "bf16", "f16", "f32" };

/* The options with a value, in the order of help_mkmodel. */
enum { O_OUT, O_HIDDEN, O_LAYERS, O_VOCAB, O_INTER, O_SHARDS, O_DTYPE, O_SEED, N_OPTS };
static const struct {
	const char *name;           /* the option */
	uint64_t max;               /* its largest value, when it is a number */
} mk_opts[N_OPTS] = {
	[O_OUT] = { "--out", 0 },
	[O_HIDDEN] = { "--hidden", MMFI_CKPT_MAX_HIDDEN },
	[O_LAYERS] = { "--layers", MMFI_CKPT_MAX_LAYERS },
	[O_VOCAB] = { "--vocab", MMFI_CKPT_MAX_VOCAB },
	[O_INTER] = { "--intermediate", MMFI_CKPT_MAX_INTER },
	[O_SHARDS] = { "--shards", MMFI_CKPT_MAX_SHARDS },
	[O_DTYPE] = { "--dtype", 0 },
	[O_SEED] = { "--seed", UINT64_MAX },
};

/* Parse argv into o, *out and *json; -1 to go on, else the exit code. */
static int mkmodel_opts(int argc, char **argv, struct mmfi_mkmodel_opts *o, const char **out, int *json)
{
	const char *val;
	uint64_t v = 0, seen = 0;
	size_t n;
	int a, i, d, r;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
			help_mkmodel(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[a], "--json")) {
			if ((r = cli_once("mkmodel", "--json", &seen, (uint64_t)1 << N_OPTS)))
				return r;
			*json = 1;
			continue;
		}
		/* every other option takes a value: --opt V or --opt=V */
		n = strcspn(argv[a], "=");
		for (i = 0; i < N_OPTS; i++)
			if (strlen(mk_opts[i].name) == n && !strncmp(argv[a], mk_opts[i].name, n))
				break;
		if (i == N_OPTS)
			return cli_usage("mkmodel", "unknown option '%s'", argv[a]);
		if ((r = cli_once("mkmodel", mk_opts[i].name, &seen, (uint64_t)1 << i)))
			return r;
		val = argv[a][n] == '=' ? argv[a] + n + 1 : NULL;
		if (!val && a + 1 >= argc)
			return cli_usage("mkmodel", "%s needs a value", argv[a]);
		if (!val)
			val = argv[++a];
		if (mk_opts[i].max) {
			r = cli_parse_num("mkmodel", mk_opts[i].name, val, mk_opts[i].max, &v);
			if (r)
				return r;
		}
		switch (i) {
		case O_OUT: *out = val; break;
		case O_HIDDEN: o->hidden = (int)v; break;
		case O_LAYERS: o->layers = (int)v; break;
		case O_VOCAB: o->vocab = (int)v; break;
		case O_INTER: o->intermediate = (int)v; break;
		case O_SHARDS: o->shards = (int)v; break;
		case O_SEED: o->seed = v; break;
		case O_DTYPE:
			for (d = 0; d < 3 && strcmp(val, dtype_arg[d]); d++)
				;
			if (d == 3)
				return cli_usage("mkmodel", "--dtype '%s': expected bf16, f16 or f32", val);
			o->dtype = (enum mmfi_dtype)d;
			break;
		}
	}
	if (!*out)
		return cli_usage("mkmodel", "%s", "--out DIR is required");
	return -1;
}

static void mkmodel_progress(void *user, uint64_t done, uint64_t total)
{
	(void)user;
	cli_progress("mkmodel: write", done, total);
}

/* Size of dir/name, 0 if it cannot be read. */
static uint64_t file_size(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

/* Bytes of tensor data in shard i. */
static uint64_t shard_data(const struct mmfi_ckpt *c, int i)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < c->n_tensors; k++)
		if (c->tensors[k].shard == i)
			n += (uint64_t)c->tensors[k].numel * (uint64_t)mmfi_dtype_size(c->tensors[k].dtype);
	return n;
}

/* The summary of what was written and checked. */
static void mkmodel_report(const struct mmfi_ckpt *c, const struct mmfi_mkmodel_opts *o, const char *out,
			   int json, double t_write, double t_check)
{
	const char *extra[2] = { "config.json", "model.safetensors.index.json" };
	uint64_t params = 0, bytes = 0, sz;
	int i, n_extra = c->n_files > 1 ? 2 : 1;

	for (i = 0; i < c->n_tensors; i++)
		params += (uint64_t)c->tensors[i].numel;
	for (i = 0; i < n_extra; i++)
		bytes += file_size(out, extra[i]);
	for (i = 0; i < c->n_files; i++)
		bytes += c->map_len[i];
	if (json) {
		printf("{\"out\": ");
		cli_json_str(stdout, out);
		printf(", \"hidden\": %d, \"layers\": %d, \"vocab\": %d, \"intermediate\": %d, "
		       "\"intermediate_in_config\": ", c->cfg.hidden, c->cfg.layers, c->cfg.vocab,
		       c->cfg.intermediate);
		if (o->intermediate)
			printf("%d", o->intermediate);
		else
			printf("null");
		printf(", \"dtype\": \"%s\", \"seed\": %" PRIu64 ", \"shards\": %d, \"tensors\": %d, "
		       "\"parameters\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"files\": [",
		       dtype_arg[o->dtype], o->seed, c->n_files, c->n_tensors, params, bytes);
		for (i = 0; i < n_extra + c->n_files; i++) {
			const char *name = i < n_extra ? extra[i] : strrchr(c->files[i - n_extra], '/') + 1;

			sz = i < n_extra ? file_size(out, name) : c->map_len[i - n_extra];
			printf("%s{\"name\": ", i ? ", " : "");
			cli_json_str(stdout, name);
			printf(", \"bytes\": %" PRIu64 "}", sz);
		}
		printf("], \"write_s\": %.3f, \"check_s\": %.3f}\n", t_write, t_check);
		return;
	}
	printf("mmfree mkmodel: %s, checked by the loader\n", out);
	printf("model       hidden %d, layers %d, vocab %d, intermediate %d%s, %s, seed %" PRIu64 "\n",
	       c->cfg.hidden, c->cfg.layers, c->cfg.vocab, c->cfg.intermediate,
	       o->intermediate ? "" : " (null in config.json)", dtype_arg[o->dtype], o->seed);
	printf("tensors     %d, %" PRIu64 " parameters\n", c->n_tensors, params);
	for (i = 0; i < n_extra; i++)
		printf("file        %-36s %14" PRIu64 " bytes\n", extra[i], file_size(out, extra[i]));
	for (i = 0; i < c->n_files; i++)
		printf("file        %-36s %14" PRIu64 " bytes (%" PRIu64 " of tensor data)\n",
		       strrchr(c->files[i], '/') + 1, (uint64_t)c->map_len[i],
		       shard_data(c, i));
	printf("total       %" PRIu64 " bytes in %d files\n", bytes, n_extra + c->n_files);
	printf("time        write %.3f s, check %.3f s\n", t_write, t_check);
}

int cmd_mkmodel(int argc, char **argv)
{
	struct mmfi_mkmodel_opts o = { 64, 2, 259, 0, 1, MMFI_DT_BF16, 1, 0 };
	struct mmfi_ckpt *c = NULL;
	const char *out = NULL;
	char err[1024];
	double t0, t_write;
	int json = 0, r;

	r = mkmodel_opts(argc, argv, &o, &out, &json);
	if (r >= 0)
		return r;
	t0 = cli_now();
	r = mmfi_mkmodel(out, &o, cli_progress_on() ? mkmodel_progress : NULL, NULL, err, sizeof(err));
	cli_progress_done();
	if (r) {
		fprintf(stderr, "mmfree: mkmodel: %s (%s)\n", err, mmf_error_name(r));
		return r == MMF_ERR_ARG ? EXIT_USAGE : EXIT_FAIL;
	}
	t_write = cli_now() - t0;
	t0 = cli_now();
	r = mmfi_ckpt_open(out, &c, err, sizeof(err));
	if (r) {
		fprintf(stderr, "mmfree: mkmodel: the loader refuses what was written: %s (%s)\n", err,
			mmf_error_name(r));
		return EXIT_FAIL;
	}
	mkmodel_report(c, &o, out, json, t_write, cli_now() - t0);
	mmfi_ckpt_close(c);
	return EXIT_OK;
}
