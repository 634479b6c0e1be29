/*
 * host_ckpt.c: checkpoints (host/src/ckpt.c, mkmodel.c).
 *
 *   - mkmodel -> open round trips for every dtype, in one file and in 3 shards, with sizes that are
 *     not powers of two; every value read back equals mkmodel's generator rounded to the dtype by a
 *     reference computed here (frexp/ldexp, not bit tricks); the files are in the Hugging Face form
 *     (header padded to 8 bytes, "__metadata__" first, data in name order, index with total_size)
 *   - half and bfloat16 widening on the special values (subnormals, infinities, NaN, -0)
 *   - config.json: defaults (intermediate_size null -> 2816 for d = 1024, as the 370M), every
 *     refusal with its message
 *   - malformed checkpoints, each made by patching a good one: the error code, and a message naming
 *     the file, the tensor and what is wrong
 *   - the safetensors parser on many damaged copies of a good file: refused or accepted, never a
 *     crash (run the test under valgrind to see invalid reads)
 *
 * Prints "host_ckpt: N checks, M failed"; exits non-zero on a failure. Files go under $TMPDIR.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "ckpt.h"
#include "mmfree.h"

static char g_root[256];            /* this run's temporary folder */
static int g_verbose;               /* -v: print every refusal's message */

/* ---- files ------------------------------------------------------------------------------------- */

static char *path_of(const char *dir, const char *name)
{
	static char buf[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

static void spill(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f && fwrite(buf, 1, len, f) == len, "write %s", path);
	if (f)
		fclose(f);
}

/* Remove every file in dir, then dir (the folders here are flat). */
static void rm_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(path_of(dir, e->d_name));
	closedir(d);
	rmdir(dir);
}

/* dst (fresh) = a copy of every file of src. */
static void copy_dir(const char *src, const char *dst)
{
	struct dirent *e;
	DIR *d = opendir(src);
	uint8_t *buf;
	size_t len;

	rm_dir(dst);
	mkdir(dst, 0777);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		buf = slurp(path_of(src, e->d_name), &len);
		spill(path_of(dst, e->d_name), buf, len);
		free(buf);
	}
	if (d)
		closedir(d);
}

/* Files in dir whose name ends with suffix. */
static int count_suffix(const char *dir, const char *suffix)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t n, s = strlen(suffix);
	int count = 0;

	while (d && (e = readdir(d))) {
		n = strlen(e->d_name);
		count += n >= s && !strcmp(e->d_name + n - s, suffix);
	}
	if (d)
		closedir(d);
	return count;
}

/* ---- safetensors files, read and rewritten here with cJSON (not with the loader) ----------------- */

/* A safetensors file in memory: its header as a JSON tree and its data area. */
struct stfile {
	cJSON *head;                /* the header */
	uint8_t *data;              /* the bytes after it */
	size_t data_len;            /* how many */
	uint64_t head_len;          /* the header's length as the file had it */
};

static int st_load(const char *path, struct stfile *s)
{
	size_t len;
	uint8_t *buf = slurp(path, &len);
	uint64_t n = 0;
	int i;

	memset(s, 0, sizeof(*s));
	if (!buf || len < 8)
		return free(buf), -1;
	for (i = 7; i >= 0; i--)
		n = n << 8 | buf[i];
	s->head_len = n;
	s->head = cJSON_ParseWithLength((const char *)buf + 8, (size_t)n);
	s->data_len = len - 8 - (size_t)n;
	s->data = malloc(s->data_len + 64);
	memcpy(s->data, buf + 8 + n, s->data_len);
	free(buf);
	return s->head ? 0 : -1;
}

/* Write s back to path in the safetensors form (header padded with spaces to 8 bytes). */
static void st_save(const char *path, struct stfile *s)
{
	char *text = cJSON_PrintUnformatted(s->head);
	size_t n = strlen(text), pad = (8 - n % 8) % 8, i;
	uint8_t *buf = malloc(8 + n + pad + s->data_len);

	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)((uint64_t)(n + pad) >> (8 * i));
	memcpy(buf + 8, text, n);
	memset(buf + 8 + n, ' ', pad);
	memcpy(buf + 8 + n + pad, s->data, s->data_len);
	spill(path, buf, 8 + n + pad + s->data_len);
	free(buf);
	free(text);
}

static void st_free(struct stfile *s)
{
	cJSON_Delete(s->head);
	free(s->data);
}

/* The data_offsets of tensor name. */
static void st_offsets(struct stfile *s, const char *name, double *begin, double *end)
{
	cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(s->head, name), "data_offsets");

	*begin = o ? cJSON_GetArrayItem(o, 0)->valuedouble : -1;
	*end = o ? cJSON_GetArrayItem(o, 1)->valuedouble : -1;
}

static void st_set_offsets(struct stfile *s, const char *name, double begin, double end)
{
	cJSON *t = cJSON_GetObjectItem(s->head, name);
	double v[2] = { begin, end };

	cJSON_ReplaceItemInObject(t, "data_offsets", cJSON_CreateDoubleArray(v, 2));
}

static void st_set_shape(struct stfile *s, const char *name, const double *dims, int n)
{
	cJSON *t = cJSON_GetObjectItem(s->head, name);

	cJSON_ReplaceItemInObject(t, "shape", cJSON_CreateDoubleArray(dims, n));
}

/* Add tensor name (F32, shape [n]) with n new elements at the end of the data area. */
static void st_append(struct stfile *s, const char *name, int n, float value)
{
	cJSON *t = cJSON_CreateObject();
	double dims[1] = { n }, offs[2] = { (double)s->data_len, (double)s->data_len + 4.0 * n };
	int i;

	cJSON_AddStringToObject(t, "dtype", "F32");
	cJSON_AddItemToObject(t, "shape", cJSON_CreateDoubleArray(dims, 1));
	cJSON_AddItemToObject(t, "data_offsets", cJSON_CreateDoubleArray(offs, 2));
	cJSON_AddItemToObject(s->head, name, t);
	s->data = realloc(s->data, s->data_len + 4u * (size_t)n);
	for (i = 0; i < n; i++)
		memcpy(s->data + s->data_len + 4 * i, &value, 4);
	s->data_len += 4u * (size_t)n;
}

/* Byte offset, in the file, of element i of tensor name (2-byte dtype). */
static long st_elem_at(const char *path, const char *name, long i)
{
	struct stfile s;
	double b, e;
	long at;

	if (st_load(path, &s))
		return -1;
	st_offsets(&s, name, &b, &e);
	at = 8 + (long)s.head_len + (long)b + 2 * i;
	st_free(&s);
	return at;
}

/* Overwrite 2 bytes (little-endian u16) at file offset at. */
static void poke16(const char *path, long at, uint16_t v)
{
	size_t len;
	uint8_t *buf = slurp(path, &len);

	CHECK(buf && at >= 0 && (size_t)at + 2 <= len, "poke %s at %ld", path, at);
	if (buf && at >= 0 && (size_t)at + 2 <= len) {
		buf[at] = (uint8_t)v;
		buf[at + 1] = (uint8_t)(v >> 8);
		spill(path, buf, len);
	}
	free(buf);
}

/* Replace the first `from` in the file path (text or not) by `to`. */
static void patch_text(const char *path, const char *from, const char *to)
{
	size_t len, n = strlen(from), m = strlen(to), at;
	uint8_t *buf = slurp(path, &len), *out;

	for (at = 0; buf && at + n <= len && memcmp(buf + at, from, n); at++)
		;
	CHECK(buf && at + n <= len, "%s has no '%s' to patch", path, from);
	if (buf && at + n <= len) {
		out = malloc(len - n + m);
		memcpy(out, buf, at);
		memcpy(out + at, to, m);
		memcpy(out + at + m, buf + at + n, len - at - n);
		spill(path, out, len - n + m);
		free(out);
	}
	free(buf);
}

/* Rewrite the safetensors file path with exactly this header text (no padding added). */
static void st_raw(const char *path, const char *head)
{
	struct stfile s;
	size_t n = strlen(head), i;
	uint8_t *buf;

	if (st_load(path, &s))
		return;
	buf = malloc(8 + n + s.data_len);
	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)((uint64_t)n >> (8 * i));
	memcpy(buf + 8, head, n);
	memcpy(buf + 8 + n, s.data, s.data_len);
	spill(path, buf, 8 + n + s.data_len);
	free(buf);
	st_free(&s);
}

/* The header of the safetensors file path as compact JSON text (malloc'd). */
static char *st_text(const char *path)
{
	struct stfile s;
	char *text;

	if (st_load(path, &s))
		return NULL;
	text = cJSON_PrintUnformatted(s.head);
	st_free(&s);
	return text;
}

static void truncate_by(const char *path, long drop)
{
	size_t len;
	uint8_t *buf = slurp(path, &len);

	spill(path, buf, drop >= 0 ? len - (size_t)drop : (size_t)-drop);
	free(buf);
}

/* ---- expectations ------------------------------------------------------------------------------ */

/* The message must hold every string of the NULL-ended list. */
static void expect_msg(const char *what, const char *msg, va_list ap)
{
	const char *s;

	while ((s = va_arg(ap, const char *)))
		CHECK(strstr(msg, s), "%s: message lacks '%s': %s", what, s, msg);
}

/* Open dir: the result must be want, the message must name each string that follows (NULL-ended). */
static void expect_open(const char *what, const char *dir, int want, ...)
{
	struct mmfi_ckpt *c = NULL;
	char err[1024] = "";
	va_list ap;
	int r = mmfi_ckpt_open(dir, &c, err, sizeof(err));

	CHECK(r == want, "%s: open gave %s, expected %s (%s)", what, mmf_error_name(r),
	      mmf_error_name(want), err);
	CHECK((c != NULL) == (want == MMF_OK), "%s: handle %p", what, (void *)c);
	if (g_verbose && r)
		printf("  %-24s %s\n", what, err);
	va_start(ap, want);
	expect_msg(what, err, ap);
	va_end(ap);
	mmfi_ckpt_close(c);
}

/* config.json text: the result must be want, and the message name each string given. */
static void expect_config(const char *what, const char *text, int want, struct mmfi_config *cfg, ...)
{
	struct mmfi_config tmp;
	char err[512] = "";
	va_list ap;
	int r = mmfi_config_parse(text, strlen(text), "config.json", cfg ? cfg : &tmp, err, sizeof(err));

	CHECK(r == want, "%s: config gave %s, expected %s (%s)", what, mmf_error_name(r),
	      mmf_error_name(want), err);
	if (g_verbose && r)
		printf("  %-24s %s\n", what, err);
	va_start(ap, cfg);
	expect_msg(what, err, ap);
	va_end(ap);
}

static void make(const char *dir, int hidden, int layers, int vocab, int inter, int shards,
		 enum mmfi_dtype dt, uint64_t seed)
{
	struct mmfi_mkmodel_opts o = { hidden, layers, vocab, inter, shards, dt, seed, 0 };
	char err[512] = "";
	int r = mmfi_mkmodel(dir, &o, NULL, NULL, err, sizeof(err));

	CHECK(r == MMF_OK, "mkmodel %s: %s (%s)", dir, err, mmf_error_name(r));
}

/* ---- round trips ------------------------------------------------------------------------------- */

/* v rounded to nearest-even with `bits` significant bits and normals from 2^min_exp down, the way a
 * bfloat16 (8, -126) or a half (11, -14) holds it; a half beyond 65504 is infinite. */
static float ref_round(float v, int bits, int min_exp, double max)
{
	int e, qe;
	double q;

	if (v == 0 || !isfinite(v))
		return v;
	frexp(v, &e);
	qe = e - bits;
	if (qe < min_exp - bits + 1)
		qe = min_exp - bits + 1;
	q = ldexp(nearbyint(ldexp(v, -qe)), qe);
	if (fabs(q) > max)
		q = q > 0 ? INFINITY : -INFINITY;
	return (float)q;
}

static float ref_dtype(float v, enum mmfi_dtype dt)
{
	if (dt == MMFI_DT_BF16)
		return ref_round(v, 8, -126, 3.4e38);
	if (dt == MMFI_DT_F16)
		return ref_round(v, 11, -14, 65504.0);
	return v;
}

/* Every value of every tensor of c against mkmodel's generator; the number that differ. */
static long compare_values(const struct mmfi_ckpt *c, uint64_t seed, double *sum)
{
	struct mmfi_tensor_spec *s;
	struct mmfi_mkmodel_gen g;
	const struct mmfi_tensor *t;
	float *want, *got;
	long bad = 0;
	int n, i;
	int64_t e;

	*sum = 0;
	if (mmfi_model_tensors(&c->cfg, &s, &n))
		return -1;
	for (i = 0; i < n; i++) {
		t = mmfi_ckpt_find(c, s[i].name);
		CHECK(t, "%s not found", s[i].name);
		if (!t)
			continue;
		want = malloc((size_t)t->numel * sizeof(float));
		got = malloc((size_t)t->numel * sizeof(float));
		mmfi_mkmodel_gen_init(&g, s[i].name, s[i].kind, seed);
		mmfi_mkmodel_gen_fill(&g, want, (size_t)t->numel);
		mmfi_tensor_read(t, 0, t->numel, got);
		for (e = 0; e < t->numel; e++) {
			*sum += got[e];
			if (got[e] != ref_dtype(want[e], t->dtype) && bad++ < 3)
				fprintf(stderr, "%s[%ld]: read %.9g, wrote %.9g (%s)\n", t->name, (long)e,
					got[e], want[e], mmfi_dtype_name(t->dtype));
			if (got[e] != mmfi_tensor_get(t, e))
				bad++;
		}
		free(want);
		free(got);
	}
	free(s);
	return bad;
}

/* The files of dir are in the Hugging Face form: headers padded to 8, "__metadata__" first with
 * format pt, tensors in name order with their data in the same order, no gap; the index (shards > 1)
 * lists every tensor with the sum of their sizes as total_size. */
static void check_layout(const char *dir, int shards, int n_tensors)
{
	char name[64], prev[MMFI_CKPT_NAME], *text;
	struct stfile s;
	cJSON *e, *ix, *wm, *m;
	double pos, b, end, total = 0;
	size_t len;
	int k, count = 0;

	for (k = 0; k < shards; k++) {
		if (shards == 1)
			snprintf(name, sizeof(name), "model.safetensors");
		else
			snprintf(name, sizeof(name), "model-%05d-of-%05d.safetensors", k + 1, shards);
		if (st_load(path_of(dir, name), &s)) {
			CHECK(0, "%s/%s: cannot read it as safetensors", dir, name);
			continue;
		}
		CHECK(s.head_len % 8 == 0, "%s: header length %lu not a multiple of 8", name,
		      (unsigned long)s.head_len);
		m = s.head->child;
		CHECK(m && !strcmp(m->string, "__metadata__") &&
		      !strcmp(cJSON_GetObjectItem(m, "format")->valuestring, "pt"),
		      "%s: __metadata__ {format: pt} is not first", name);
		pos = 0;
		prev[0] = 0;
		for (e = m ? m->next : NULL; e; e = e->next) {
			st_offsets(&s, e->string, &b, &end);
			CHECK(b == pos, "%s: %s begins at %.0f, expected %.0f", name, e->string, b, pos);
			CHECK(strcmp(prev, e->string) < 0, "%s: %s after %s", name, e->string, prev);
			snprintf(prev, sizeof(prev), "%s", e->string);
			pos = end;
			count++;
		}
		CHECK(pos == (double)s.data_len && pos > 0, "%s: data area %zu, tensors end at %.0f", name,
		      s.data_len, pos);
		total += pos;
		st_free(&s);
	}
	CHECK(count == n_tensors, "%s: %d tensors in the files, expected %d", dir, count, n_tensors);
	CHECK((access(path_of(dir, "model.safetensors.index.json"), F_OK) == 0) == (shards > 1),
	      "%s: index.json present when shards = %d", dir, shards);
	if (shards == 1)
		return;
	text = (char *)slurp(path_of(dir, "model.safetensors.index.json"), &len);
	ix = cJSON_Parse(text);
	free(text);
	wm = cJSON_GetObjectItem(ix, "weight_map");
	CHECK(cJSON_GetArraySize(wm) == n_tensors, "index: %d tensors", cJSON_GetArraySize(wm));
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(ix, "metadata"), "total_size")->valuedouble == total,
	      "index: total_size differs from the tensors' %.0f", total);
	cJSON_Delete(ix);
}

static void test_round_trips(void)
{
	static const char *const dt_name[] = { "bf16", "f16", "f32" };
	char dir[300];
	struct mmfi_ckpt *c;
	char err[512];
	double sums[3][2];
	int dt, sh, shards, r;
	long bad;

	for (dt = 0; dt < 3; dt++) {
		for (sh = 0; sh < 2; sh++) {
			shards = sh ? 3 : 1;
			snprintf(dir, sizeof(dir), "%s/rt-%s-%d", g_root, dt_name[dt], shards);
			make(dir, 48, 2, 300, 0, shards, (enum mmfi_dtype)dt, 7);
			CHECK(count_suffix(dir, ".part") == 0, "%s: temporary files left", dir);
			check_layout(dir, shards, 35);
			r = mmfi_ckpt_open(dir, &c, err, sizeof(err));
			CHECK(r == MMF_OK, "open %s: %s", dir, err);
			if (r)
				continue;
			CHECK(c->n_files == shards && c->n_tensors == 35, "%s: %d files, %d tensors", dir,
			      c->n_files, c->n_tensors);
			CHECK(c->cfg.hidden == 48 && c->cfg.layers == 2 && c->cfg.vocab == 300 &&
			      c->cfg.intermediate == 256 && c->cfg.use_lower_bound && c->cfg.bos_token_id == 1 &&
			      c->cfg.eos_token_id == 2 && c->cfg.rms_norm_eps == 1e-6f,
			      "%s: config %d %d %d %d", dir, c->cfg.hidden, c->cfg.layers, c->cfg.vocab,
			      c->cfg.intermediate);
			CHECK(mmfi_ckpt_find(c, "model.layers.1.mlp.gate_proj.weight")->shape[0] == 512,
			      "gate_proj rows");
			CHECK(!mmfi_ckpt_find(c, "model.layers.2.attn_norm.weight"), "found a layer 2");
			bad = compare_values(c, 7, &sums[dt][sh]);
			CHECK(bad == 0, "%s: %ld values differ from what was written", dir, bad);
			mmfi_ckpt_close(c);
		}
		CHECK(sums[dt][0] == sums[dt][1], "%s: sharded and unsharded sums differ: %.9g %.9g",
		      dt_name[dt], sums[dt][0], sums[dt][1]);
	}
	/* the same seed: the dtypes differ only by rounding; another seed: other values */
	CHECK(fabs(sums[0][0] - sums[2][0]) < 1.0 && fabs(sums[1][0] - sums[2][0]) < 0.1,
	      "sums across dtypes: %.6f %.6f %.6f", sums[0][0], sums[1][0], sums[2][0]);

	/* odd sizes, an explicit intermediate_size, another seed, many shards */
	snprintf(dir, sizeof(dir), "%s/rt-odd", g_root);
	make(dir, 40, 3, 77, 100, 7, MMFI_DT_F16, 99);
	check_layout(dir, 7, 50);
	r = mmfi_ckpt_open(dir, &c, err, sizeof(err));
	CHECK(r == MMF_OK, "open %s: %s", dir, err);
	if (!r) {
		const struct mmfi_tensor *t = mmfi_ckpt_find(c, "model.layers.2.mlp.down_proj.weight");

		CHECK(c->cfg.intermediate == 100 && t && t->shape[0] == 40 && t->shape[1] == 100,
		      "down_proj shape with intermediate 100");
		bad = compare_values(c, 99, &sums[0][0]);
		CHECK(bad == 0, "%s: %ld values differ", dir, bad);
		mmfi_ckpt_close(c);
	}
	/* writing again over a sharded checkpoint, unsharded: the old index goes */
	make(dir, 40, 3, 77, 100, 1, MMFI_DT_F16, 99);
	CHECK(access(path_of(dir, "model.safetensors.index.json"), F_OK) != 0, "stale index left");
	expect_open("rewritten unsharded", dir, MMF_OK, NULL);
}

/* The generator's spread: what the model needs to be non-degenerate. */
static void test_values(void)
{
	static const struct { enum mmfi_tensor_kind kind; double mean, sd; } k[] = {
		{ MMFI_TK_PROJ, 0, 0.02 }, { MMFI_TK_EMBED, 0, 0.5 }, { MMFI_TK_NORM, 1, 0.1 },
		{ MMFI_TK_LOWER_BOUNDS, 0, 0.5 },
	};
	struct mmfi_mkmodel_gen g;
	float v[20000];
	double m, s2;
	int i, j;

	for (i = 0; i < 4; i++) {
		mmfi_mkmodel_gen_init(&g, "x", k[i].kind, 3);
		mmfi_mkmodel_gen_fill(&g, v, 20000);
		m = s2 = 0;
		for (j = 0; j < 20000; j++)
			m += v[j];
		m /= 20000;
		for (j = 0; j < 20000; j++)
			s2 += (v[j] - m) * (v[j] - m);
		s2 = sqrt(s2 / 20000);
		CHECK(fabs(m - k[i].mean) < 0.05 * k[i].sd + 0.002 && fabs(s2 / k[i].sd - 1) < 0.05,
		      "kind %d: mean %.4f sd %.4f, expected %.2f %.3f", k[i].kind, m, s2, k[i].mean, k[i].sd);
	}
}

/* ---- widening ---------------------------------------------------------------------------------- */

static void test_widening(void)
{
	static const struct { uint16_t h; float want; } f16[] = {
		{ 0x0001, 0x1p-24f }, { 0x03ff, 1023 * 0x1p-24f }, { 0x0400, 0x1p-14f },
		{ 0x3c00, 1.0f }, { 0xc000, -2.0f }, { 0x7bff, 65504.0f }, { 0x3555, 0.333251953125f },
		{ 0x8001, -0x1p-24f },
	};
	static const struct { uint16_t h; float want; } bf16[] = {
		{ 0x3f80, 1.0f }, { 0xc040, -3.0f }, { 0x0001, 0x1p-133f }, { 0x7f7f, 3.3895314e38f },
	};
	struct mmfi_tensor t;
	uint8_t buf[64 + 1];
	float out[4];
	unsigned i;

	memset(&t, 0, sizeof(t));
	t.dtype = MMFI_DT_F16;
	t.data = buf + 1;               /* unaligned on purpose */
	for (i = 0; i < sizeof(f16) / sizeof(f16[0]); i++) {
		buf[1] = (uint8_t)f16[i].h;
		buf[2] = (uint8_t)(f16[i].h >> 8);
		CHECK(mmfi_tensor_get(&t, 0) == f16[i].want, "f16 %04x: %.9g, expected %.9g", f16[i].h,
		      mmfi_tensor_get(&t, 0), f16[i].want);
	}
	buf[1] = 0x00, buf[2] = 0x7c;
	CHECK(isinf(mmfi_tensor_get(&t, 0)) && mmfi_tensor_get(&t, 0) > 0, "f16 7c00 is +inf");
	buf[1] = 0x00, buf[2] = 0xfc;
	CHECK(isinf(mmfi_tensor_get(&t, 0)) && mmfi_tensor_get(&t, 0) < 0, "f16 fc00 is -inf");
	buf[1] = 0x01, buf[2] = 0x7e;
	CHECK(isnan(mmfi_tensor_get(&t, 0)), "f16 7e01 is NaN");
	buf[1] = 0x00, buf[2] = 0x80;
	CHECK(mmfi_tensor_get(&t, 0) == 0 && signbit(mmfi_tensor_get(&t, 0)), "f16 8000 is -0");
	/* every half that is a number widens to the value the reference rounding gives back */
	for (i = 0; i < 0x10000; i++) {
		float f;

		buf[1] = (uint8_t)i, buf[2] = (uint8_t)(i >> 8);
		f = mmfi_tensor_get(&t, 0);
		if ((i & 0x7c00) != 0x7c00 && ref_dtype(f, MMFI_DT_F16) != f) {
			CHECK(0, "f16 %04x widens to %.9g, which is not a half", i, f);
			break;
		}
	}
	t.dtype = MMFI_DT_BF16;
	for (i = 0; i < sizeof(bf16) / sizeof(bf16[0]); i++) {
		buf[1] = (uint8_t)bf16[i].h;
		buf[2] = (uint8_t)(bf16[i].h >> 8);
		CHECK(mmfi_tensor_get(&t, 0) == bf16[i].want, "bf16 %04x: %.9g", bf16[i].h,
		      mmfi_tensor_get(&t, 0));
	}
	t.dtype = MMFI_DT_F32;
	for (i = 0; i < 4; i++) {
		float f = (float)i - 1.5f;

		memcpy(buf + 1 + 4 * i, &f, 4);
	}
	mmfi_tensor_read(&t, 1, 3, out);
	CHECK(out[0] == -0.5f && out[1] == 0.5f && out[2] == 1.5f, "f32 read %g %g %g", out[0], out[1],
	      out[2]);
}

/* ---- config.json ------------------------------------------------------------------------------- */

static void test_config(void)
{
	struct mmfi_config cfg;
	char text[512];
	static const struct { int d, i; } sizes[] = { { 1024, 2816 }, { 2048, 5632 }, { 2560, 6912 },
						       { 48, 256 }, { 100, 512 } };
	unsigned k;

	/* the 370M's config as the hub has it: intermediate_size null */
	expect_config("370m", "{\"hidden_size\": 1024, \"num_hidden_layers\": 24, \"vocab_size\": 32000, "
		      "\"intermediate_size\": null, \"model_type\": \"hgrn_bit\", \"num_heads\": 1, "
		      "\"expand_ratio\": 1, \"hidden_ratio\": 4, \"rms_norm_eps\": 1e-06, "
		      "\"tie_word_embeddings\": false, \"use_short_conv\": false, \"use_lower_bound\": true, "
		      "\"hidden_act\": \"swish\", \"bos_token_id\": 1, \"eos_token_id\": 2, "
		      "\"torch_dtype\": \"bfloat16\", \"attn_mode\": \"fused_recurrent\"}", MMF_OK, &cfg, NULL);
	CHECK(cfg.intermediate == 2816 && cfg.hidden == 1024 && cfg.layers == 24 && cfg.vocab == 32000,
	      "370m: intermediate %d", cfg.intermediate);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		snprintf(text, sizeof(text), "{\"hidden_size\": %d, \"num_hidden_layers\": 2, "
			 "\"vocab_size\": 300}", sizes[k].d);
		expect_config("default I", text, MMF_OK, &cfg, NULL);
		CHECK(cfg.intermediate == sizes[k].i && mmfi_default_intermediate(sizes[k].d, 4) == sizes[k].i,
		      "d %d: intermediate %d, expected %d", sizes[k].d, cfg.intermediate, sizes[k].i);
	}
	expect_config("defaults", "{\"hidden_size\": 8, \"num_hidden_layers\": 1, \"vocab_size\": 3}",
		      MMF_OK, &cfg, NULL);
	CHECK(cfg.bos_token_id == 1 && cfg.eos_token_id == 2 && cfg.use_lower_bound == 1 &&
	      cfg.rms_norm_eps == 1e-6f && cfg.num_heads == 1 && cfg.hidden_ratio == 4 &&
	      !strcmp(cfg.model_type, "hgrn_bit"), "defaults");
	expect_config("null bos", "{\"hidden_size\": 8, \"num_hidden_layers\": 1, \"vocab_size\": 3, "
		      "\"bos_token_id\": null, \"use_lower_bound\": false}", MMF_OK, &cfg, NULL);
	CHECK(cfg.bos_token_id == -1 && cfg.use_lower_bound == 0, "null bos");

#define BASE "\"hidden_size\": 8, \"num_hidden_layers\": 1, \"vocab_size\": 30"
	expect_config("string hidden", "{\"hidden_size\": \"1024\", \"num_hidden_layers\": 1, "
		      "\"vocab_size\": 3}", MMF_ERR_ARG, NULL,
		      "config.json: hidden_size: expected a positive integer, found string \"1024\"", NULL);
	expect_config("float layers", "{\"hidden_size\": 8, \"num_hidden_layers\": 1.5, \"vocab_size\": 3}",
		      MMF_ERR_ARG, NULL, "num_hidden_layers: expected a positive integer, found number 1.5",
		      NULL);
	expect_config("zero vocab", "{\"hidden_size\": 8, \"num_hidden_layers\": 1, \"vocab_size\": 0}",
		      MMF_ERR_ARG, NULL, "vocab_size: expected a positive integer, found number 0", NULL);
	expect_config("no vocab", "{\"hidden_size\": 8, \"num_hidden_layers\": 1}", MMF_ERR_ARG, NULL,
		      "vocab_size: missing", NULL);
	expect_config("huge hidden", "{\"hidden_size\": 1e300, \"num_hidden_layers\": 1, "
		      "\"vocab_size\": 3}", MMF_ERR_ARG, NULL, "hidden_size: expected a positive integer, found number 1e+300", NULL);
	expect_config("big hidden", "{\"hidden_size\": 65537, \"num_hidden_layers\": 1, \"vocab_size\": 3}",
		      MMF_ERR_ARG, NULL, "hidden_size: 65537 is more than this loader takes (65536)", NULL);
	expect_config("heads", "{" BASE ", \"num_heads\": 4}", MMF_ERR_ARG, NULL,
		      "num_heads: 4, only 1 is supported", NULL);
	expect_config("expand", "{" BASE ", \"expand_ratio\": 2}", MMF_ERR_ARG, NULL,
		      "expand_ratio: 2, only 1", NULL);
	expect_config("tied", "{" BASE ", \"tie_word_embeddings\": true}", MMF_ERR_ARG, NULL,
		      "tie_word_embeddings: true is not supported", NULL);
	expect_config("tied string", "{" BASE ", \"tie_word_embeddings\": \"false\"}", MMF_ERR_ARG, NULL,
		      "tie_word_embeddings: expected true or false, found string \"false\"", NULL);
	expect_config("model type", "{" BASE ", \"model_type\": \"llama\"}", MMF_ERR_ARG, NULL,
		      "model_type: expected \"hgrn_bit\"", "found string \"llama\"", NULL);
	expect_config("short conv", "{" BASE ", \"use_short_conv\": true}", MMF_ERR_ARG, NULL,
		      "use_short_conv: true is not supported", NULL);
	expect_config("act", "{" BASE ", \"hidden_act\": \"gelu\"}", MMF_ERR_ARG, NULL,
		      "hidden_act: expected \"swish|silu\"", NULL);
	expect_config("eps", "{" BASE ", \"rms_norm_eps\": \"1e-6\"}", MMF_ERR_ARG, NULL,
		      "rms_norm_eps: expected a number above 0", "found string \"1e-6\"", NULL);
	expect_config("tiny eps", "{" BASE ", \"rms_norm_eps\": 1e-300}", MMF_ERR_ARG, NULL,
		      "rms_norm_eps: expected a number above 0 and below 1, found number 1e-300", NULL);
	expect_config("eos", "{" BASE ", \"eos_token_id\": 30}", MMF_ERR_ARG, NULL,
		      "eos_token_id 30 is not below vocab_size 30", NULL);
	expect_config("ratio", "{" BASE ", \"hidden_ratio\": 17}", MMF_ERR_ARG, NULL,
		      "hidden_ratio: 17 is more than", NULL);
	expect_config("inter", "{" BASE ", \"intermediate_size\": -256}", MMF_ERR_ARG, NULL,
		      "intermediate_size: expected a positive integer, found number -256", NULL);
	expect_config("list", "[1, 2]", MMF_ERR_ARG, NULL, "config.json: expected a JSON object, found a "
		      "list of 2", NULL);
	expect_config("bad json", "{\"hidden_size\": 8,, }", MMF_ERR_ARG, NULL,
		      "config.json: not valid JSON (at byte", NULL);
	expect_config("trailing", "{" BASE "} x", MMF_ERR_ARG, NULL, "something after the value", NULL);
	/* a key twice: cJSON would take the first, Python the last; refused, naming the key */
	expect_config("key twice", "{" BASE ", \"num_hidden_layers\": 2}", MMF_ERR_ARG, NULL,
		      "config.json: key \"num_hidden_layers\" appears twice", NULL);
	expect_config("optional key twice", "{" BASE ", \"rms_norm_eps\": 1e-5, \"rms_norm_eps\": 1e-6}",
		      MMF_ERR_ARG, NULL, "key \"rms_norm_eps\" appears twice", NULL);
	expect_config("empty", "", MMF_ERR_ARG, NULL, "not valid JSON", NULL);
#undef BASE
}

/* ---- malformed checkpoints --------------------------------------------------------------------- */

/* A fresh copy of the good checkpoint `good` in the case folder `name`; its path. */
static const char *fresh(const char *good, const char *name)
{
	static char dir[300];

	snprintf(dir, sizeof(dir), "%s/%s", g_root, name);
	copy_dir(good, dir);
	return dir;
}

static void test_malformed(void)
{
	char good[300], sharded[300], msg[200];
	const char *d, *f;
	struct stfile s;
	double b, e, dims[2];

	snprintf(good, sizeof(good), "%s/good", g_root);
	snprintf(sharded, sizeof(sharded), "%s/good3", g_root);
	make(good, 16, 2, 40, 0, 1, MMFI_DT_BF16, 5);
	make(sharded, 16, 2, 40, 0, 3, MMFI_DT_BF16, 5);
	expect_open("good", good, MMF_OK, NULL);
	expect_open("good sharded", sharded, MMF_OK, NULL);

	d = fresh(good, "hlen");
	f = path_of(d, "model.safetensors");
	{
		size_t len;
		uint8_t *buf = slurp(f, &len);
		uint64_t v = 123456789;
		int i;

		for (i = 0; i < 8; i++)
			buf[i] = (uint8_t)(v >> (8 * i));
		spill(f, buf, len);
		snprintf(msg, sizeof(msg), "header length 123456789 beyond the file (%zu bytes)", len);
		free(buf);
	}
	expect_open("header length", d, MMF_ERR_ARG, "model.safetensors", msg, NULL);

	d = fresh(good, "truncated");
	truncate_by(path_of(d, "model.safetensors"), 10);
	expect_open("truncated", d, MMF_ERR_ARG, "model.safetensors", "\"model.norm.weight\"",
		    "end beyond the data area", NULL);
	truncate_by(path_of(d, "model.safetensors"), -5);
	expect_open("5 bytes", d, MMF_ERR_ARG, "model.safetensors: 5 bytes, shorter than the 8-byte",
		    NULL);
	spill(path_of(d, "model.safetensors"), "", 0);
	expect_open("empty", d, MMF_ERR_IO, "model.safetensors: empty file", NULL);
	unlink(path_of(d, "model.safetensors"));
	expect_open("no safetensors", d, MMF_ERR_IO, "model.safetensors: No such file", NULL);
	unlink(path_of(d, "config.json"));
	expect_open("no config", d, MMF_ERR_IO, "config.json: No such file", NULL);

	d = fresh(good, "json");
	f = path_of(d, "model.safetensors");
	patch_text(f, "\"format\":\"pt\"", "\"format\" \"pt\"");
	expect_open("bad json", d, MMF_ERR_ARG, "model.safetensors: header: not valid JSON (at byte 26 of",
		    NULL);

	/* a key twice inside one tensor's entry: refused, naming the tensor and the key */
	d = fresh(good, "entry-twice");
	f = path_of(d, "model.safetensors");
	{
		char *text = st_text(f), *at = strstr(text, "\"dtype\":"), *two = malloc(strlen(text) + 32);

		sprintf(two, "%.*s\"dtype\":\"F32\",%s", (int)(at - text), text, at);
		st_raw(f, two);
		expect_open("entry key twice", d, MMF_ERR_ARG, "model.safetensors: tensor \"",
			    "key \"dtype\" appears twice", NULL);
		free(text);
		free(two);
	}

	d = fresh(good, "pad");
	f = path_of(d, "model.safetensors");
	{
		char *text = st_text(f), *padded = malloc(strlen(text) + 8);

		sprintf(padded, "%s\n\t\r ", text);
		st_raw(f, padded);
		expect_open("whitespace pad", d, MMF_OK, NULL);
		sprintf(padded, "%s x", text);
		st_raw(f, padded);
		expect_open("garbage pad", d, MMF_ERR_ARG, "header: not valid JSON (something after the "
			    "value, at byte", NULL);
		sprintf(padded, "%s%c", text, 0);
		st_raw(f, padded);
		padded[strlen(text) + 1] = 0;
		{
			/* a NUL after the JSON: st_raw takes strlen, so write it by hand */
			size_t len;
			uint8_t *buf = slurp(f, &len), *nb = malloc(len + 1);
			uint64_t hl = strlen(text) + 1;
			int i;

			for (i = 0; i < 8; i++)
				nb[i] = (uint8_t)(hl >> (8 * i));
			memcpy(nb + 8, text, hl - 1);
			nb[8 + hl - 1] = 0;
			memcpy(nb + 8 + hl, buf + 8 + hl - 1, len - 8 - (hl - 1));
			spill(f, nb, len + 1);
			free(nb);
			free(buf);
		}
		expect_open("NUL pad", d, MMF_ERR_ARG, "header: not valid JSON (something after the value",
			    NULL);
		free(padded);
		free(text);
	}

	d = fresh(good, "dtype");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s.head, "model.layers.1.attn.f_proj.weight"), "dtype",
				  cJSON_CreateString("I8"));
	st_save(f, &s);
	st_free(&s);
	expect_open("dtype", d, MMF_ERR_ARG, "model.safetensors", "\"model.layers.1.attn.f_proj.weight\"",
		    "dtype \"I8\" is not one this loader takes", NULL);

	d = fresh(good, "offsets");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	st_offsets(&s, "model.norm.weight", &b, &e);
	st_set_offsets(&s, "model.norm.weight", b + 2, e + 2);
	st_save(f, &s);
	snprintf(msg, sizeof(msg), "data_offsets [%.0f, %.0f]: end beyond the data area (%zu bytes",
		 b + 2, e + 2, s.data_len);
	expect_open("offsets out of range", d, MMF_ERR_ARG, "\"model.norm.weight\"", msg, NULL);
	st_set_offsets(&s, "model.norm.weight", e, b);
	st_save(f, &s);
	expect_open("begin after end", d, MMF_ERR_ARG, "\"model.norm.weight\"", "begin after end", NULL);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s.head, "model.norm.weight"), "data_offsets",
				  cJSON_CreateString("0-32"));
	st_save(f, &s);
	expect_open("offsets string", d, MMF_ERR_ARG, "\"model.norm.weight\": data_offsets: expected two "
		    "non-negative integers [begin, end], found string \"0-32\"", NULL);
	/* a number that is no offset: which one (begin or end) and why */
	st_set_offsets(&s, "model.norm.weight", -2, e - b - 2);
	st_save(f, &s);
	expect_open("offsets negative", d, MMF_ERR_ARG, "\"model.norm.weight\": data_offsets[0] (begin): "
		    "-2 is negative", NULL);
	st_set_offsets(&s, "model.norm.weight", b, e + 0.5);
	st_save(f, &s);
	snprintf(msg, sizeof(msg), "data_offsets[1] (end): %.1f is not a whole number", e + 0.5);
	expect_open("offsets fraction", d, MMF_ERR_ARG, msg, NULL);
	st_set_offsets(&s, "model.norm.weight", b, 1e300);
	st_save(f, &s);
	expect_open("offsets huge", d, MMF_ERR_ARG, "data_offsets[1] (end): 1e+300 is beyond 2^53", NULL);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s.head, "model.norm.weight"), "data_offsets",
				  cJSON_Parse("[\"0\", 32]"));
	st_save(f, &s);
	expect_open("offsets string element", d, MMF_ERR_ARG, "data_offsets[0] (begin): expected a "
		    "non-negative integer, found string \"0\"", NULL);
	st_free(&s);

	d = fresh(good, "overlap");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	st_offsets(&s, "model.lower_bounds", &b, &e);
	st_set_offsets(&s, "model.lower_bounds", b - 2, e - 2);
	st_save(f, &s);
	st_free(&s);
	expect_open("overlap", d, MMF_ERR_ARG, "model.safetensors", "\"model.lower_bounds\"",
		    "\"model.layers.1.mlp_norm.weight\"", "overlap", NULL);

	d = fresh(good, "gap");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	s.data_len += 2;
	s.data[s.data_len - 1] = s.data[s.data_len - 2] = 0;
	st_save(f, &s);
	st_free(&s);
	expect_open("trailing bytes", d, MMF_ERR_ARG, "the last 2 bytes of the data area belong to no "
		    "tensor", "\"model.norm.weight\"", NULL);

	d = fresh(good, "size");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	dims[0] = 15;
	st_set_shape(&s, "model.norm.weight", dims, 1);
	st_save(f, &s);
	st_free(&s);
	expect_open("size mismatch", d, MMF_ERR_ARG, "\"model.norm.weight\"", "hold 32 bytes, shape [15] "
		    "of BF16 needs 30", NULL);

	d = fresh(good, "shape-dims");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s.head, "model.norm.weight"), "shape",
				  cJSON_Parse("[16, 1, 1, 1, 1]"));
	st_save(f, &s);
	expect_open("5 dims", d, MMF_ERR_ARG, "\"model.norm.weight\": shape has 5 dimensions, more than 4",
		    NULL);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s.head, "model.norm.weight"), "shape",
				  cJSON_Parse("[16, \"1\"]"));
	st_save(f, &s);
	expect_open("dim string", d, MMF_ERR_ARG, "shape[1]: expected a non-negative integer, found string",
		    NULL);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s.head, "model.norm.weight"), "shape",
				  cJSON_Parse("[4294967296, 4294967296, 4294967296]"));
	st_save(f, &s);
	expect_open("dims overflow", d, MMF_ERR_ARG, "has more elements than any file holds", NULL);
	st_free(&s);

	d = fresh(good, "shape");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	dims[0] = 16;
	dims[1] = 512;
	st_set_shape(&s, "model.layers.1.mlp.gate_proj.weight", dims, 2);
	st_save(f, &s);
	st_free(&s);
	expect_open("shape vs config", d, MMF_ERR_ARG, "model.safetensors: model.layers.1.mlp.gate_proj."
		    "weight: shape [16, 512], expected [2I=512, d=16] from config.json", NULL);
	patch_text(path_of(d, "config.json"), "\"hidden_size\": 16", "\"hidden_size\": 32");
	expect_open("config hidden", d, MMF_ERR_ARG, "lm_head.norm.weight: shape [16], expected [d=32] from "
		    "config.json", NULL);

	d = fresh(good, "missing");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	cJSON_DeleteItemFromObject(s.head, "model.norm.weight");
	s.data_len -= 32;
	st_save(f, &s);
	st_free(&s);
	expect_open("missing", d, MMF_ERR_ARG, "the tensors differ from what config.json implies",
		    "1 missing (model.norm.weight); 0 not in the model", NULL);

	d = fresh(good, "extra");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	st_append(&s, "model.extra.weight", 1, 0.5f);
	st_append(&s, "model.layers.2.attn_norm.weight", 16, 1.0f);
	st_save(f, &s);
	st_free(&s);
	expect_open("extra", d, MMF_ERR_ARG, "0 missing; 2 not in the model (model.extra.weight, "
		    "model.layers.2.attn_norm.weight)", NULL);
	d = fresh(good, "no-lower-bound");
	patch_text(path_of(d, "config.json"), "\"use_lower_bound\": true", "\"use_lower_bound\": false");
	expect_open("lower bounds extra", d, MMF_ERR_ARG, "use_lower_bound false", "(model.lower_bounds)",
		    NULL);

	d = fresh(good, "dup");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	st_append(&s, "model.norm.weight", 8, 1.0f);
	st_save(f, &s);
	st_free(&s);
	expect_open("duplicate", d, MMF_ERR_ARG, "header: tensor \"model.norm.weight\" appears twice", NULL);

	d = fresh(good, "name");
	f = path_of(d, "model.safetensors");
	st_load(f, &s);
	memset(msg, 'x', 150);
	msg[150] = 0;
	st_append(&s, msg, 1, 1.0f);
	st_save(f, &s);
	st_free(&s);
	expect_open("long name", d, MMF_ERR_ARG, "tensor name of 150 bytes, longer than 127", NULL);

	d = fresh(good, "nan");
	f = path_of(d, "model.safetensors");
	poke16(f, st_elem_at(f, "model.layers.1.attn.o_proj.weight", 5), 0x7fc0);
	expect_open("NaN", d, MMF_ERR_ARG, "model.safetensors: model.layers.1.attn.o_proj.weight: element 5 "
		    "is NaN", NULL);
	d = fresh(good, "inf");
	f = path_of(d, "model.safetensors");
	poke16(f, st_elem_at(f, "model.embeddings.weight", 39 * 16 + 15), 0xff80);
	expect_open("-Inf", d, MMF_ERR_ARG, "model.embeddings.weight: element 639 is -Inf", NULL);
	poke16(f, st_elem_at(f, "model.embeddings.weight", 39 * 16 + 15), 0x7f80);
	expect_open("+Inf", d, MMF_ERR_ARG, "model.embeddings.weight: element 639 is +Inf", NULL);

	d = fresh(good, "config-type");
	patch_text(path_of(d, "config.json"), "\"hidden_size\": 16", "\"hidden_size\": \"16\"");
	expect_open("config type", d, MMF_ERR_ARG, "config.json: hidden_size: expected a positive integer, "
		    "found string \"16\"", NULL);

	/* the index */
	d = fresh(sharded, "idx-missing-shard");
	patch_text(path_of(d, "model.safetensors.index.json"),
		   "\"model.norm.weight\": \"model-00003-of-00003.safetensors\"",
		   "\"model.norm.weight\": \"model-00009-of-00003.safetensors\"");
	expect_open("index names a missing shard", d, MMF_ERR_IO, "model-00009-of-00003.safetensors: No "
		    "such file or directory (a shard model.safetensors.index.json names)", NULL);
	d = fresh(sharded, "idx-unlisted");
	patch_text(path_of(d, "model.safetensors.index.json"),
		   "\"model.norm.weight\": \"model-00003-of-00003.safetensors\"",
		   "\"model.norm.weightx\": \"model-00003-of-00003.safetensors\"");
	expect_open("index lists a tensor no shard has", d, MMF_ERR_ARG, "model.safetensors.index.json: "
		    "lists tensor \"model.norm.weightx\" in model-00003-of-00003.safetensors, which does not "
		    "hold it", NULL);
	d = fresh(sharded, "idx-unlisted2");
	patch_text(path_of(d, "model.safetensors.index.json"),
		   ".safetensors\",\n    \"model.norm.weight\": \"model-00003-of-00003.safetensors\"\n",
		   ".safetensors\"\n");
	expect_open("shard tensor not in index", d, MMF_ERR_ARG, "model-00003-of-00003.safetensors holds "
		    "tensor \"model.norm.weight\", which", "model.safetensors.index.json does not list", NULL);
	d = fresh(sharded, "idx-wrong-shard");
	patch_text(path_of(d, "model.safetensors.index.json"),
		   "\"model.norm.weight\": \"model-00003-of-00003.safetensors\"",
		   "\"model.norm.weight\": \"model-00001-of-00003.safetensors\"");
	expect_open("index names the wrong shard", d, MMF_ERR_ARG, "lists tensor \"model.norm.weight\" in "
		    "model-00001-of-00003.safetensors, but model-00003-of-00003.safetensors holds it", NULL);
	d = fresh(sharded, "idx-path");
	patch_text(path_of(d, "model.safetensors.index.json"),
		   "\"model.norm.weight\": \"model-00003-of-00003.safetensors\"",
		   "\"model.norm.weight\": \"../good3/model-00003-of-00003.safetensors\"");
	expect_open("index path", d, MMF_ERR_ARG, "shard \"../good3/model-00003-of-00003.safetensors\" is "
		    "not a plain file name", NULL);
	d = fresh(sharded, "idx-type");
	patch_text(path_of(d, "model.safetensors.index.json"), "\"weight_map\": {", "\"weight_map\": [{");
	patch_text(path_of(d, "model.safetensors.index.json"), "  }\n}", "  }]\n}");
	expect_open("index weight_map type", d, MMF_ERR_ARG, "weight_map: expected an object of tensor "
		    "name -> shard file, found a list of 1", NULL);
	d = fresh(sharded, "idx-empty-shard");
	spill(path_of(d, "model-00002-of-00003.safetensors"), "", 0);
	expect_open("empty shard", d, MMF_ERR_IO, "model-00002-of-00003.safetensors: empty file", NULL);
	d = fresh(sharded, "idx-both");
	f = path_of(d, "model-00001-of-00003.safetensors");
	st_load(f, &s);
	st_append(&s, "model.norm.weight", 8, 1.0f);
	st_save(f, &s);
	st_free(&s);
	expect_open("tensor in two shards", d, MMF_ERR_ARG, "tensor \"model.norm.weight\" is in both "
		    "model-00001-of-00003.safetensors and model-00003-of-00003.safetensors", NULL);
}

/* ---- mkmodel's own refusals -------------------------------------------------------------------- */

static void test_mkmodel_args(void)
{
	struct mmfi_mkmodel_opts o = { 0, 2, 40, 0, 1, MMFI_DT_BF16, 1, 0 };
	char err[512] = "", dir[300];
	int r;

	snprintf(dir, sizeof(dir), "%s/args", g_root);
	r = mmfi_mkmodel(dir, &o, NULL, NULL, err, sizeof(err));
	CHECK(r == MMF_ERR_ARG && strstr(err, "hidden 0: expected 1 to 65536"), "hidden 0: %s", err);
	o.hidden = 16;
	o.shards = 36;
	r = mmfi_mkmodel(dir, &o, NULL, NULL, err, sizeof(err));
	CHECK(r == MMF_ERR_ARG && strstr(err, "shards 36: the model has only 35 tensors"), "shards: %s",
	      err);
	o.shards = 1;
	o.vocab = 2;
	r = mmfi_mkmodel(dir, &o, NULL, NULL, err, sizeof(err));
	CHECK(r == MMF_ERR_ARG && strstr(err, "vocab 2: expected 3 to"), "vocab: %s", err);
	o.vocab = 40;
	spill(dir, "x", 1);
	r = mmfi_mkmodel(dir, &o, NULL, NULL, err, sizeof(err));
	CHECK(r == MMF_ERR_IO && strstr(err, "a file of that name exists"), "dir is a file: %s", err);
	unlink(dir);
	snprintf(dir, sizeof(dir), "%s/no/such/parent", g_root);
	r = mmfi_mkmodel(dir, &o, NULL, NULL, err, sizeof(err));
	CHECK(r == MMF_ERR_IO && strstr(err, "cannot make the folder"), "no parent: %s", err);
}

/* ---- the parser on damaged files --------------------------------------------------------------- */

/* Damaged copies of a good file: bytes changed in the header, cuts, header lengths. Each is taken or
 * refused with a message; none may crash or read outside the buffer (valgrind shows it). */
static void test_damage(void)
{
	char dir[300], err[512];
	struct mmfi_tensor *t;
	uint8_t *good, *buf;
	size_t len, cut, hl;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	int i, k, n, r, taken = 0, refused = 0;

	snprintf(dir, sizeof(dir), "%s/good", g_root);
	good = slurp(path_of(dir, "model.safetensors"), &len);
	if (!good)
		return;
	hl = 8 + (good[0] | (size_t)good[1] << 8);
	for (i = 0; i < 3000; i++) {
		cut = i % 3 == 0 ? check_rng(&rng) % len : len;
		buf = malloc(cut ? cut : 1);     /* exactly the bytes given, so an overread is seen */
		memcpy(buf, good, cut);
		for (k = 0; i % 3 && k < 1 + (int)(check_rng(&rng) % 4); k++) {
			size_t at = check_rng(&rng) % hl;
			static const char pick[] = "{}[]\":,0123456789-.eE \\ntfalsu";

			buf[at] = check_rng(&rng) % 2 ? (uint8_t)check_rng(&rng) :
				(uint8_t)pick[check_rng(&rng) % (sizeof(pick) - 1)];
		}
		err[0] = 0;
		r = mmfi_safetensors_parse(buf, cut, "damaged", &t, &n, err, sizeof(err));
		if (r == MMF_OK)
			taken++;
		else
			refused++;
		CHECK(r == MMF_OK || (r == MMF_ERR_ARG && !strncmp(err, "damaged: ", 9)),
		      "damage %d: %s, message '%s'", i, mmf_error_name(r), err);
		CHECK(r != MMF_OK || t, "damage %d: taken but no tensors", i);
		free(t);
		free(buf);
	}
	printf("damaged files: %d taken, %d refused\n", taken, refused);
	CHECK(refused > 1000, "only %d damaged files refused", refused);
	free(good);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");

	check_args(argc, argv, 1, "-v", "[-v]", "Checkpoints (host/src/ckpt.c, mkmodel.c; tests/host_ckpt.c); -v "
		   "prints each loader message.");
	g_verbose = argc > 1;
	snprintf(g_root, sizeof(g_root), "%s/host_ckpt.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g_root)) {
		fprintf(stderr, "host_ckpt: mkdtemp %s: %s\n", g_root, strerror(errno));
		return 1;
	}
	test_widening();
	test_values();
	test_config();
	test_round_trips();
	test_malformed();
	test_mkmodel_args();
	test_damage();
	if (!g_fail) {
		/* keep the files of a failed run to look at */
		DIR *d = opendir(g_root);
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				rm_dir(path_of(g_root, e->d_name));
		if (d)
			closedir(d);
		rmdir(g_root);
	} else {
		printf("files kept in %s\n", g_root);
	}
	printf("host_ckpt: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail ? 1 : 0;
}
