/*
 * host_tok.c: the tokenizers of host/src/tok.c.
 *
 * A tokenizer.json laid out as Mistral's (ids 0-2 <unk> <s> </s>, 256 <0xNN> byte tokens at 3..258,
 * merged pieces in merge order, single characters last; the Prepend/Replace normalizer and the
 * Replace/ByteFallback/Fuse/Strip decoder) with ~90 merges over English words is built here with
 * cJSON. Checked: encodings derived by hand (byte fallback, emoji, spaces, the empty text), merge
 * order by rank where left-to-right merging would differ, both merges forms, Metaspace files, the
 * encoder against a naive O(n^2) BPE on random text, decode(encode(s)) == s for random UTF-8 and
 * random bytes, speed on long texts, decode's rules, malformed files each refused with a message
 * naming the bad field, mmfi_tok_load (ids against the model's vocab_size, no tokenizer.json, a
 * directory in its place), and the byte-level tokenizer on all 256 bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mmfree.h"
#include "tok.h"

#include "check.h"

#define SP "\xe2\x96\x81"           /* U+2581, SentencePiece's space */

/* ================================================================ the test vocabulary */

enum { MAX_PIECES = 600, PIECE_LEN = 32 };

static char g_piece[MAX_PIECES][PIECE_LEN];  /* id -> piece */
static int g_n;                              /* pieces (the last, "s▁", in the second tokenizer only) */
static int g_main;                           /* pieces of the main tokenizer: g_n - 1 */

/* Merges by rank; their results are added to the vocabulary in this order (ids from 259). */
static const char *const g_merges[][2] = {
	{ SP, "t" }, { "h", "e" }, { "i", "n" }, { SP "t", "he" }, { "r", "e" },           /* 0 */
	{ "o", "n" }, { "e", "r" }, { SP, "a" }, { "a", "n" }, { "o", "r" },                /* 5 */
	{ "e", "n" }, { "in", "g" }, { SP, "o" }, { SP, "s" }, { SP "o", "f" },            /* 10 */
	{ "a", "t" }, { "n", "d" }, { SP, "w" }, { "e", "s" }, { SP "a", "nd" },           /* 15 */
	{ "i", "s" }, { SP, "c" }, { SP "t", "o" }, { SP, "i" }, { SP "i", "n" },          /* 20 */
	{ "e", "d" }, { "l", "l" }, { SP, "b" }, { SP, "h" }, { SP, "m" },                 /* 25 */
	{ "o", "u" }, { SP, "f" }, { "a", "r" }, { SP, "T" }, { SP "T", "he" },            /* 30 */
	{ SP, "p" }, { SP, "d" }, { "i", "t" }, { SP, "l" }, { "o", "w" },                 /* 35 */
	{ SP, "e" }, { SP, "n" }, { SP, "r" }, { "l", "e" }, { SP, SP },                   /* 40 */
	{ SP SP, SP }, { SP SP, SP SP }, { SP "h", "e" }, { "ll", "o" }, { SP "he", "llo" }, /* 45 */
	{ SP "w", "or" }, { "l", "d" }, { SP "wor", "ld" }, { SP "c", "at" }, { SP "s", "at" }, /* 50 */
	{ SP "o", "n" }, { SP "m", "at" }, { SP "s", "t" }, { SP "st", "r" }, { SP "str", "in" }, /* 55 */
	{ SP "strin", "g" }, { SP "t", "h" }, { "e", "re" }, { SP "th", "ere" }, { SP "b", "e" }, /* 60 */
	{ SP, "H" }, { "e", "llo" }, { SP "H", "ello" }, { SP, "W" }, { SP "W", "or" },   /* 65 */
	{ SP "Wor", "ld" }, { SP "to", "k" }, { SP "tok", "en" }, { SP "token", "s" }, { SP "p", "l" }, /* 70 */
	{ "a", "y" }, { SP "pl", "ay" }, { SP "play", "ing" }, { SP, "\xc3\xa9" },        /* 75 */
	{ "t", "\xc3\xa9" }, { ".", "." }, { "ing", "s" }, { SP, "on" },                   /* 79 */
	{ "s", SP },        /* 83: only in the second tokenizer: "s▁" makes words interact */
};
#define N_MERGES ((int)(sizeof(g_merges) / sizeof(g_merges[0])))
#define N_MERGES_LIT 84     /* N_MERGES as a literal (checked in main) */
#define N_MAIN (N_MERGES - 1) /* merges of the main tokenizer */
#define N_MAIN_LIT 83       /* N_MAIN as a literal, for messages */

static int16_t g_rank[MAX_PIECES][MAX_PIECES];   /* left id, right id -> merge rank, or -1 */
static int g_result[N_MERGES_LIT];               /* merge rank -> the merged piece's id */

/* Single characters, after the merged pieces (as SentencePiece orders them). Q, X, Z and CJK are
 * missing on purpose: they fall back to bytes. */
static const char *const g_chars[] = {
	SP, "e", "t", "a", "o", "i", "n", "s", "h", "r", "d", "l", "c", "u", "m", "w", "f", "g", "y",
	"p", "b", "v", "k", "j", "x", "q", "z", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K",
	"L", "M", "N", "O", "P", "R", "S", "T", "U", "V", "W", "Y", "0", "1", "2", "3", "4", "5", "6",
	"7", "8", "9", ".", ",", "!", "?", "'", "-", ":", ";", "(", ")", "\xc3\xa9",
};

static int find_piece(const char *s)
{
	int i;

	for (i = 0; i < g_n; i++)
		if (!strcmp(g_piece[i], s))
			return i;
	return -1;
}

/* The id of a piece the test vocabulary must have. */
static int pid(const char *s)
{
	int id = find_piece(s);

	if (id < 0) {
		fprintf(stderr, "test bug: no piece \"%s\"\n", s);
		exit(2);
	}
	return id;
}

static void add_piece(const char *s)
{
	if (find_piece(s) >= 0)
		return;
	if (g_n == MAX_PIECES || strlen(s) >= PIECE_LEN) {
		fprintf(stderr, "test bug: piece table full\n");
		exit(2);
	}
	strcpy(g_piece[g_n++], s);
}

static void build_vocab(void)
{
	char s[PIECE_LEN * 2];
	int i, k;

	add_piece("<unk>");
	add_piece("<s>");
	add_piece("</s>");
	for (i = 0; i < 256; i++) {
		snprintf(s, sizeof(s), "<0x%02X>", i);
		add_piece(s);
	}
	for (i = 0; i <= N_MERGES; i++) {
		/* the last merge's piece goes after the characters: the main tokenizer stops before it */
		if (i == N_MAIN)
			for (k = 0; k < (int)(sizeof(g_chars) / sizeof(g_chars[0])); k++)
				add_piece(g_chars[k]);
		if (i == N_MERGES)
			break;
		snprintf(s, sizeof(s), "%s%s", g_merges[i][0], g_merges[i][1]);
		add_piece(s);
	}
	g_main = g_n - 1;
	memset(g_rank, 0xff, sizeof(g_rank));
	for (i = 0; i < N_MERGES; i++) {
		snprintf(s, sizeof(s), "%s%s", g_merges[i][0], g_merges[i][1]);
		g_rank[pid(g_merges[i][0])][pid(g_merges[i][1])] = (int16_t)i;
		g_result[i] = pid(s);
	}
}

/* ================================================================ tokenizer.json */

static cJSON *added(int id, const char *content)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddNumberToObject(a, "id", id);
	cJSON_AddStringToObject(a, "content", content);
	cJSON_AddFalseToObject(a, "single_word");
	cJSON_AddFalseToObject(a, "lstrip");
	cJSON_AddFalseToObject(a, "rstrip");
	cJSON_AddBoolToObject(a, "normalized", id < 2);
	cJSON_AddTrueToObject(a, "special");
	return a;
}

static cJSON *replace_step(const char *from, const char *to)
{
	cJSON *r = cJSON_CreateObject(), *pat = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "type", "Replace");
	cJSON_AddStringToObject(pat, "String", from);
	cJSON_AddItemToObject(r, "pattern", pat);
	cJSON_AddStringToObject(r, "content", to);
	return r;
}

static cJSON *typed(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	return o;
}

/* The tokenizer.json of the test vocabulary; pair_merges: merges as ["a", "b"] (newer files);
 * full: with the last merge and its piece "s▁". */
static cJSON *make_json(int pair_merges, int full)
{
	cJSON *root = cJSON_CreateObject(), *list, *o, *seq, *model, *vocab, *merges;
	char s[PIECE_LEN * 2 + 2];
	int i;

	cJSON_AddStringToObject(root, "version", "1.0");
	cJSON_AddNullToObject(root, "truncation");
	cJSON_AddNullToObject(root, "padding");
	list = cJSON_AddArrayToObject(root, "added_tokens");
	cJSON_AddItemToArray(list, added(0, "<unk>"));
	cJSON_AddItemToArray(list, added(1, "<s>"));
	cJSON_AddItemToArray(list, added(2, "</s>"));
	o = typed("Sequence");
	seq = cJSON_AddArrayToObject(o, "normalizers");
	cJSON_AddItemToArray(seq, typed("Prepend"));
	cJSON_AddStringToObject(cJSON_GetArrayItem(seq, 0), "prepend", SP);
	cJSON_AddItemToArray(seq, replace_step(" ", SP));
	cJSON_AddItemToObject(root, "normalizer", o);
	cJSON_AddNullToObject(root, "pre_tokenizer");
	o = typed("TemplateProcessing");    /* ignored by tok.c; here because the real files have it */
	cJSON_AddItemToObject(root, "post_processor", o);
	o = typed("Sequence");
	seq = cJSON_AddArrayToObject(o, "decoders");
	cJSON_AddItemToArray(seq, replace_step(SP, " "));
	cJSON_AddItemToArray(seq, typed("ByteFallback"));
	cJSON_AddItemToArray(seq, typed("Fuse"));
	cJSON_AddItemToArray(seq, typed("Strip"));
	cJSON_AddStringToObject(cJSON_GetArrayItem(seq, 3), "content", " ");
	cJSON_AddNumberToObject(cJSON_GetArrayItem(seq, 3), "start", 1);
	cJSON_AddNumberToObject(cJSON_GetArrayItem(seq, 3), "stop", 0);
	cJSON_AddItemToObject(root, "decoder", o);
	model = cJSON_AddObjectToObject(root, "model");
	cJSON_AddStringToObject(model, "type", "BPE");
	cJSON_AddNullToObject(model, "dropout");
	cJSON_AddStringToObject(model, "unk_token", "<unk>");
	cJSON_AddNullToObject(model, "continuing_subword_prefix");
	cJSON_AddNullToObject(model, "end_of_word_suffix");
	cJSON_AddTrueToObject(model, "fuse_unk");
	cJSON_AddTrueToObject(model, "byte_fallback");
	vocab = cJSON_AddObjectToObject(model, "vocab");
	for (i = 0; i < (full ? g_n : g_main); i++)
		cJSON_AddNumberToObject(vocab, g_piece[i], i);
	merges = cJSON_AddArrayToObject(model, "merges");
	for (i = 0; i < (full ? N_MERGES : N_MAIN); i++) {
		if (pair_merges) {
			cJSON_AddItemToArray(merges, cJSON_CreateStringArray(g_merges[i], 2));
		} else {
			snprintf(s, sizeof(s), "%s %s", g_merges[i][0], g_merges[i][1]);
			cJSON_AddItemToArray(merges, cJSON_CreateString(s));
		}
	}
	return root;
}

static char g_err[512];

/* Parse a cJSON tree as tokenizer.json; NULL on failure (message in g_err). */
static mmfi_tok *parse_json(const cJSON *root, int *r)
{
	char *text = cJSON_PrintUnformatted(root);
	mmfi_tok *t = NULL;

	*r = mmfi_tok_parse(text, strlen(text), "tokenizer.json", &t, g_err, sizeof(g_err));
	free(text);
	return t;
}

/* ================================================================ encode and decode helpers */

enum { MAX_IDS = 1 << 20 };
static int32_t g_ids[MAX_IDS];

static int enc(const mmfi_tok *t, const char *s, int bos)
{
	int n = -1, r = mmfi_tok_encode(t, s, bos, g_ids, MAX_IDS, &n);

	CHECK(r == 0 && n >= 0 && n <= MAX_IDS, "encode \"%s\": %s, n %d", s, mmf_error_name(r), n);
	return n;
}

/* The text of ids (the first follows prev), into out (cap bytes). */
static size_t dec(const mmfi_tok *t, int32_t prev, const int32_t *ids, int n, char *out, size_t cap)
{
	char piece[256];
	size_t o = 0;
	int i, k;

	for (i = 0; i < n; i++) {
		k = mmfi_tok_decode(t, prev, ids[i], piece, sizeof(piece));
		CHECK(k >= 0 && k < (int)sizeof(piece), "decode id %d: %d", ids[i], k);
		if (k < 0 || o + (size_t)k >= cap)
			break;
		memcpy(out + o, piece, (size_t)k);
		o += (size_t)k;
		prev = ids[i];
	}
	out[o] = '\0';
	return o;
}

static void ids_str(const int32_t *ids, int n, char *out, size_t cap)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && o + 48 < cap; i++) {
		const char *p = ids[i] < g_n ? g_piece[ids[i]] : "?";

		o += (size_t)snprintf(out + o, cap - o, "%s%d:%s", i ? " " : "", ids[i],
				      strncmp(p, SP, 3) ? p : "_");
		if (!strncmp(p, SP, 3))
			o += (size_t)snprintf(out + o, cap - o, "%s", p + 3);
	}
}

/* s encodes to the pieces named in want (NULL-terminated). */
static void expect(const mmfi_tok *t, const char *s, const char *const *want)
{
	char got_s[2048], want_s[2048];
	int32_t w[64];
	int n = enc(t, s, 0), nw = 0;

	while (want[nw])
		w[nw] = pid(want[nw]), nw++;
	ids_str(g_ids, n, got_s, sizeof(got_s));
	ids_str(w, nw, want_s, sizeof(want_s));
	CHECK(n == nw && !memcmp(g_ids, w, (size_t)nw * sizeof(*w)), "encode \"%s\": [%s], expected [%s]",
	      s, got_s, want_s);
}

#define EXPECT(t, s, ...) expect(t, s, (const char *const[]){ __VA_ARGS__, NULL })

/* ================================================================ a naive reference BPE */

/* The merge rank of a + b, or -1: a linear search of g_merges. */
static int rank_of(const char *a, const char *b)
{
	int i;

	for (i = 0; i < N_MERGES; i++)
		if (!strcmp(g_merges[i][0], a) && !strcmp(g_merges[i][1], b))
			return i;
	return -1;
}

/* The test vocabulary's BPE done the slow way: normalise, split into characters (byte tokens for
 * those not in the vocabulary), then merge the leftmost lowest-rank pair, scanning the whole text
 * each time, until no pair has a merge. Merges of rank n_merges and up are left out. Only for
 * texts that are valid UTF-8. Returns the number of ids. */
static int ref_bpe(const char *text, int n_merges, int32_t *out)
{
	char norm[4096 * 3], c[8];
	size_t i, o = 0, cl;
	int n = 0, k, best, best_rank, r;

	if (!*text)
		return 0;
	o += (size_t)sprintf(norm, SP);
	for (i = 0; text[i]; i++)
		o += (size_t)(text[i] == ' ' ? sprintf(norm + o, SP) : sprintf(norm + o, "%c", text[i]));
	for (i = 0; i < o; i += cl) {
		unsigned char b = (unsigned char)norm[i];

		cl = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
		memcpy(c, norm + i, cl);
		c[cl] = '\0';
		if (find_piece(c) >= 0)
			out[n++] = pid(c);
		else
			for (k = 0; k < (int)cl; k++)
				out[n++] = 3 + (unsigned char)c[k];
	}
	for (;;) {
		best = -1;
		best_rank = N_MERGES;
		for (k = 0; k + 1 < n; k++) {
			r = g_rank[out[k]][out[k + 1]];
			if (r >= 0 && r < n_merges && r < best_rank)
				best = k, best_rank = r;
		}
		if (best < 0)
			break;
		out[best] = g_result[best_rank];
		memmove(out + best + 1, out + best + 2, (size_t)(n - best - 2) * sizeof(*out));
		n--;
	}
	return n;
}

/* Left-to-right merging (not BPE): merge the first mergeable pair from the left, repeatedly. Only
 * here to show a text where it differs from merging by rank. */
static int greedy_left(const char *const *chars, int n, char out[][PIECE_LEN])
{
	int k, merged = 1;

	for (k = 0; k < n; k++)
		strcpy(out[k], chars[k]);
	while (merged) {
		merged = 0;
		for (k = 0; k + 1 < n; k++) {
			if (rank_of(out[k], out[k + 1]) >= 0) {
				strcat(out[k], out[k + 1]);
				memmove(out[k + 1], out[k + 2], (size_t)(n - k - 2) * PIECE_LEN);
				n--;
				merged = 1;
				break;
			}
		}
	}
	return n;
}

/* ================================================================ random text */

/* One random code point, mostly ASCII letters and spaces, never U+2581 (it decodes to a space, so
 * a text holding it cannot come back) and never NUL. */
static uint32_t rand_cp(uint64_t *rng)
{
	static const uint32_t some[] = { 0xe9, 0xf1, 0x4e2d, 0x1f600, 0x1f44d, 0x3b1, 0x20ac, 0x2014,
					 '\n', '\t', 'Q', 'X', 'Z' };
	uint64_t r = check_rng(rng) % 100;
	uint32_t cp;

	if (r < 25)
		return ' ';
	if (r < 75)
		return (uint32_t)"etaoinshrdlucmwfgypbvk.,'"[check_rng(rng) % 25];
	if (r < 90)
		return some[check_rng(rng) % (sizeof(some) / sizeof(some[0]))];
	do
		cp = (uint32_t)(check_rng(rng) % 0x10FFFF) + 1;
	while ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x2581);
	return cp;
}

static size_t put_utf8(char *s, uint32_t cp)
{
	if (cp < 0x80) {
		s[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		s[0] = (char)(0xC0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		s[0] = (char)(0xE0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	s[0] = (char)(0xF0 | cp >> 18);
	s[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	s[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	s[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static void rand_utf8(char *s, int chars, uint64_t *rng)
{
	size_t o = 0;
	int i;

	for (i = 0; i < chars; i++)
		o += put_utf8(s + o, rand_cp(rng));
	s[o] = '\0';
}

/* Random bytes 1..255 (mostly not UTF-8), without the bytes of U+2581. */
static void rand_bytes(char *s, int n, uint64_t *rng)
{
	int i;

	do {
		for (i = 0; i < n; i++)
			s[i] = (char)(check_rng(rng) % 255 + 1);
		s[n] = '\0';
	} while (strstr(s, SP));
}

/* ================================================================ the tests */

static void test_known(const mmfi_tok *t)
{
	char s[64];

	/* words: each merged by rank inside itself */
	EXPECT(t, "the cat sat on the mat", SP "the", SP "cat", SP "sat", SP "on", SP "the", SP "mat");
	EXPECT(t, "Hello World", SP "Hello", SP "World");
	EXPECT(t, "Hello world", SP "Hello", SP "world");
	EXPECT(t, "The tokens", SP "The", SP "tokens");
	EXPECT(t, "playing", SP "playing");
	/* "in" (rank 2) and "ing" (11) merge before "▁s" (13), so "▁str" + "in" never meet */
	EXPECT(t, "strings", SP "str", "ings");
	/* spaces: the normalizer makes " a  b " "▁▁a▁▁b▁"; "▁a" (rank 7) and "▁b" (27) come before
	 * "▁▁" (44), which then has no pair left */
	EXPECT(t, " a  b ", SP, SP "a", SP, SP "b", SP);
	EXPECT(t, "a    b", SP "a", SP SP SP, SP "b");
	EXPECT(t, "hi ", SP "h", "i", SP);
	EXPECT(t, " the", SP, SP "the");
	/* characters not in the vocabulary: their UTF-8 bytes (ids 3 + byte, as in Mistral) */
	EXPECT(t, "\xc3\xb1", SP, "<0xC3>", "<0xB1>");                        /* ñ U+00F1 */
	EXPECT(t, "\xf0\x9f\x98\x80", SP, "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"); /* 😀 U+1F600 */
	EXPECT(t, "Q", SP, "<0x51>");
	EXPECT(t, "a\nb", SP "a", "<0x0A>", "b");
	EXPECT(t, "\xe4\xb8\xad", SP, "<0xE4>", "<0xB8>", "<0xAD>");          /* 中 U+4E2D */
	/* é is a piece (two bytes), and merges */
	EXPECT(t, "\xc3\xa9t\xc3\xa9", SP "\xc3\xa9", "t\xc3\xa9");
	/* literal ids for the byte tokens, as Mistral numbers them */
	CHECK(enc(t, "\xf0\x9f\x98\x80", 0) == 5 && g_ids[1] == 243 && g_ids[2] == 162 &&
	      g_ids[3] == 155 && g_ids[4] == 131, "emoji ids");
	CHECK(pid("<0x0A>") == 13 && pid("<0xFF>") == 258, "byte token ids");
	/* the empty text: nothing, or <s> alone */
	CHECK(enc(t, "", 0) == 0, "empty text");
	CHECK(enc(t, "", 1) == 1 && g_ids[0] == 1, "empty text with <s>");
	CHECK(enc(t, "the", 1) == 2 && g_ids[0] == 1 && g_ids[1] == pid(SP "the"), "<s> the");
	/* a bare ▁ in the text is the space piece */
	snprintf(s, sizeof(s), "a%sb", SP);
	EXPECT(t, s, SP "a", SP "b");
}

static void test_rank_order(const mmfi_tok *t)
{
	static const char *const chars[] = { SP, "t", "h", "e", "r", "e" };
	char out[6][PIECE_LEN];
	int n;

	/* "▁there": merging the first mergeable pair from the left gives "▁t", "▁th" (rank 61), then
	 * "er" (6): "▁th" "er" "e". By rank, "▁t" (0), "he" (1), "▁the" (3), "re" (4): "▁the" "re",
	 * which no merge joins (and "▁there", a piece, is never reached): what SentencePiece and the
	 * tokenizers library produce. */
	n = greedy_left(chars, 6, out);
	CHECK(n == 3 && !strcmp(out[0], SP "th") && !strcmp(out[1], "er") && !strcmp(out[2], "e"),
	      "left-to-right merging gives %d pieces", n);
	CHECK(find_piece(SP "there") >= 0, "▁there in the vocabulary");
	EXPECT(t, "there", SP "the", "re");
	/* equal ranks: the leftmost pair first; "▁lll" is "▁ l l l": "l l" (26) at 1 goes before "▁ l"
	 * (38), which then has no pair left */
	EXPECT(t, "lll", SP, "ll", "l");
}

/* The encoder against ref_bpe on random text; n_merges: the merges t has. */
static void test_reference(const mmfi_tok *t, int n_merges, uint64_t *rng)
{
	static int32_t want[4096];
	char s[1024], a[2048], b[2048];
	int i, n, nw, bad = 0;

	for (i = 0; i < 3000; i++) {
		rand_utf8(s, (int)(check_rng(rng) % 60), rng);
		n = enc(t, s, 0);
		nw = ref_bpe(s, n_merges, want);
		if (n != nw || memcmp(g_ids, want, (size_t)n * sizeof(*want))) {
			if (bad++ < 5) {
				ids_str(g_ids, n, a, sizeof(a));
				ids_str(want, nw, b, sizeof(b));
				CHECK(0, "random text %d \"%s\": [%s], the naive BPE gives [%s]", i, s, a, b);
			}
		}
	}
	CHECK(!bad, "%d of 3000 random texts differ from the naive BPE (%d merges)", bad, n_merges);
}

static void test_round_trip(const mmfi_tok *t, uint64_t *rng)
{
	static char s[8192], back[16384];
	int i, n, bad = 0;

	for (i = 0; i < 4000; i++) {
		int bytes = i % 2;

		if (bytes)
			rand_bytes(s, (int)(check_rng(rng) % 200), rng);
		else
			rand_utf8(s, (int)(check_rng(rng) % 300), rng);
		n = enc(t, s, i % 4 == 0);
		dec(t, -1, g_ids, n, back, sizeof(back));
		if (strcmp(s, back) && bad++ < 5)
			CHECK(0, "round trip of random %s %d (%zu bytes) gives %zu bytes",
			      bytes ? "bytes" : "UTF-8", i, strlen(s), strlen(back));
	}
	CHECK(!bad, "%d of 4000 random texts do not come back", bad);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_speed(const mmfi_tok *t, uint64_t *rng)
{
	static char s[400001], back[800001];
	double t0, dt_text, dt_spaces;
	int n, i;

	/* 200,000 characters of random words, then 400,000 spaces (one long chain of ▁▁ merges) */
	rand_utf8(s, 200000, rng);
	t0 = now();
	n = enc(t, s, 0);
	dt_text = now() - t0;
	dec(t, -1, g_ids, n, back, sizeof(back));
	CHECK(!strcmp(s, back), "long text round trip");
	for (i = 0; i < 400000; i++)
		s[i] = ' ';
	s[i] = '\0';
	t0 = now();
	n = enc(t, s, 0);
	dt_spaces = now() - t0;
	/* "▁" x 400001: "▁▁" (44) pairs them from the left, the odd one joins the last as "▁▁▁" (45),
	 * then "▁▁ ▁▁" (46) pairs the pairs, leaving "▁▁" "▁▁▁" at the end */
	CHECK(n == 100001 && g_ids[0] == pid(SP SP SP SP) && g_ids[n - 2] == pid(SP SP) &&
	      g_ids[n - 1] == pid(SP SP SP), "400000 spaces: %d ids", n);
	dec(t, -1, g_ids, n, back, sizeof(back));
	CHECK(!strcmp(s, back), "spaces round trip");
	CHECK(dt_text < 2.0 && dt_spaces < 2.0, "encode took %.3f s and %.3f s", dt_text, dt_spaces);
	printf("speed: 200000 random characters in %.1f ms, 400000 spaces in %.1f ms\n", dt_text * 1e3,
	       dt_spaces * 1e3);
}

static void test_decode(const mmfi_tok *t)
{
	char buf[16];
	int32_t the = pid(SP "the");

	CHECK(mmfi_tok_decode(t, -1, the, buf, sizeof(buf)) == 3 && !strcmp(buf, "the"), "first: %s", buf);
	CHECK(mmfi_tok_decode(t, 1, the, buf, sizeof(buf)) == 3 && !strcmp(buf, "the"), "after <s>");
	CHECK(mmfi_tok_decode(t, pid(SP "cat"), the, buf, sizeof(buf)) == 4 && !strcmp(buf, " the"),
	      "after a word: '%s'", buf);
	CHECK(mmfi_tok_decode(t, pid(SP "cat"), pid(SP SP SP SP), buf, sizeof(buf)) == 4 &&
	      !strcmp(buf, "    "), "four spaces");
	CHECK(mmfi_tok_decode(t, -1, pid(SP SP), buf, sizeof(buf)) == 1 && !strcmp(buf, " "),
	      "first of two spaces");
	CHECK(mmfi_tok_decode(t, 5, pid("<0x41>"), buf, sizeof(buf)) == 1 && !strcmp(buf, "A"), "<0x41>");
	CHECK(mmfi_tok_decode(t, 5, pid("<0xF0>"), buf, sizeof(buf)) == 1 && buf[0] == '\xf0', "<0xF0>");
	CHECK(mmfi_tok_decode(t, -1, 1, buf, sizeof(buf)) == 0 && !buf[0], "<s> decodes to nothing");
	CHECK(mmfi_tok_decode(t, 7, 2, buf, sizeof(buf)) == 0 && !buf[0], "</s>");
	CHECK(mmfi_tok_decode(t, 7, 0, buf, sizeof(buf)) == 0 && !buf[0], "<unk>");
	CHECK(mmfi_tok_decode(t, 7, -1, buf, sizeof(buf)) == MMF_ERR_ARG, "id -1");
	CHECK(mmfi_tok_decode(t, 7, g_main, buf, sizeof(buf)) == MMF_ERR_ARG, "id past the vocabulary");
	/* cut short like snprintf: the full length back */
	CHECK(mmfi_tok_decode(t, 7, pid(SP "playing"), buf, 4) == 8 && !strcmp(buf, " pl"), "short buf");
	CHECK(mmfi_tok_vocab(t) == g_main && mmfi_tok_bos(t) == 1 && mmfi_tok_eos(t) == 2, "vocab %d bos %d",
	      mmfi_tok_vocab(t), mmfi_tok_bos(t));
	CHECK(!mmfi_tok_note(t)[0], "no note: %s", mmfi_tok_note(t));
}

/* The two merges forms give one tokenizer. */
static void test_pair_merges(const mmfi_tok *t)
{
	cJSON *j = make_json(1, 0);
	static int32_t a[64];
	mmfi_tok *u;
	int r, n, m;

	u = parse_json(j, &r);
	CHECK(u, "merges as pairs: %s", g_err);
	if (u) {
		n = enc(t, "the strings of the world", 0);
		memcpy(a, g_ids, (size_t)n * sizeof(*a));
		m = enc(u, "the strings of the world", 0);
		CHECK(n == m && !memcmp(a, g_ids, (size_t)n * sizeof(*a)), "pairs and strings differ");
	}
	mmfi_tok_free(u);
	cJSON_Delete(j);
}

/* Newer files: no normalizer, the Metaspace pre-tokenizer (each ▁ starts a word) and decoder. */
static void test_metaspace(void)
{
	cJSON *j = make_json(0, 0), *m;
	char back[64];
	mmfi_tok *t;
	int r, n;

	cJSON_ReplaceItemInObject(j, "normalizer", cJSON_CreateNull());
	m = typed("Metaspace");
	cJSON_AddStringToObject(m, "replacement", SP);
	cJSON_AddStringToObject(m, "prepend_scheme", "first");
	cJSON_AddTrueToObject(m, "split");
	cJSON_ReplaceItemInObject(j, "pre_tokenizer", cJSON_Duplicate(m, 1));
	cJSON_ReplaceItemInObject(j, "decoder", m);
	t = parse_json(j, &r);
	CHECK(t, "Metaspace file: %s", g_err);
	if (t) {
		EXPECT(t, "the cat", SP "the", SP "cat");
		/* split: the spaces are words of their own, no "▁▁" */
		EXPECT(t, "a    b", SP "a", SP, SP, SP, SP "b");
		/* a text that starts with a space gets no second ▁ */
		EXPECT(t, " the", SP "the");
		expect(t, "", (const char *const[]){ NULL });
		n = enc(t, "the cat", 1);
		dec(t, -1, g_ids, n, back, sizeof(back));
		CHECK(!strcmp(back, "the cat"), "Metaspace decode: '%s'", back);
	}
	mmfi_tok_free(t);
	cJSON_Delete(j);
}

/* A file without some byte tokens: parsed, with a note; characters that need them become <unk>. */
static void test_missing_bytes(void)
{
	cJSON *j = make_json(0, 0), *vocab;
	mmfi_tok *t;
	int r;

	vocab = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "model"), "vocab");
	/* move <0xF0> to a new name: its id stays used, the byte has no token */
	cJSON_DeleteItemFromObject(vocab, "<0xF0>");
	cJSON_AddNumberToObject(vocab, "zz", pid("<0xF0>"));
	t = parse_json(j, &r);
	CHECK(t, "missing byte token: %s", g_err);
	if (t) {
		CHECK(strstr(mmfi_tok_note(t), "1 of the 256 byte tokens are missing (the first <0xF0>)"),
		      "note: %s", mmfi_tok_note(t));
		/* 😀 needs <0xF0>: one <unk>, and two of them fuse into one (fuse_unk) */
		CHECK(enc(t, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 0) == 2 && g_ids[1] == 0, "emoji -> <unk>");
		CHECK(enc(t, "\xc3\xb1", 0) == 3, "ñ still falls back to bytes");
	}
	mmfi_tok_free(t);
	cJSON_Delete(j);
}

/* ---------------------------------------------------------------- malformed files */

static cJSON *g_base;       /* the good file */

static cJSON *model_of(cJSON *j)
{
	return cJSON_GetObjectItem(j, "model");
}

/* The good file changed by fn is refused with err and a message holding want. */
static void refused(const char *what, void (*fn)(cJSON *), int err, const char *want)
{
	cJSON *j = cJSON_Duplicate(g_base, 1);
	mmfi_tok *t;
	int r;

	fn(j);
	g_err[0] = '\0';
	t = parse_json(j, &r);
	CHECK(!t && r == err && strstr(g_err, want), "%s: %s, message '%s' (expected %s and '%s')", what,
	      mmf_error_name(r), g_err, mmf_error_name(err), want);
	if (r == err && strstr(g_err, want))
		printf("refused %-26s %s\n", what, g_err);
	mmfi_tok_free(t);
	cJSON_Delete(j);
}

static void no_vocab(cJSON *j) { cJSON_DeleteItemFromObject(model_of(j), "vocab"); }
static void no_merges(cJSON *j) { cJSON_DeleteItemFromObject(model_of(j), "merges"); }
static void no_model(cJSON *j) { cJSON_DeleteItemFromObject(j, "model"); }
static void unigram(cJSON *j)
{
	cJSON_ReplaceItemInObject(model_of(j), "type", cJSON_CreateString("Unigram"));
}
static void merge_unknown(cJSON *j)
{
	cJSON_AddItemToArray(cJSON_GetObjectItem(model_of(j), "merges"), cJSON_CreateString("zq x"));
}
static void merge_one_piece(cJSON *j)
{
	cJSON_ReplaceItemInArray(cJSON_GetObjectItem(model_of(j), "merges"), 17, cJSON_CreateString("ab"));
}
static void merge_result(cJSON *j)
{
	cJSON_AddItemToArray(cJSON_GetObjectItem(model_of(j), "merges"), cJSON_CreateString("q z"));
}
static void merge_repeat(cJSON *j)
{
	cJSON_AddItemToArray(cJSON_GetObjectItem(model_of(j), "merges"), cJSON_CreateString("h e"));
}
static void merge_three(cJSON *j)
{
	static const char *const three[] = { "a", "b", "c" };

	cJSON_AddItemToArray(cJSON_GetObjectItem(model_of(j), "merges"), cJSON_CreateStringArray(three, 3));
}
static void merge_number(cJSON *j)
{
	cJSON_AddItemToArray(cJSON_GetObjectItem(model_of(j), "merges"), cJSON_CreateNumber(3));
}
static void id_string(cJSON *j)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(model_of(j), "vocab"), "e", cJSON_CreateString("12"));
}
static void id_fraction(cJSON *j)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(model_of(j), "vocab"), "e", cJSON_CreateNumber(1.5));
}
static void id_negative(cJSON *j)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(model_of(j), "vocab"), "e", cJSON_CreateNumber(-1));
}
static void id_twice(cJSON *j)
{
	cJSON_AddNumberToObject(cJSON_GetObjectItem(model_of(j), "vocab"), "zz", 5);
}
static void piece_twice(cJSON *j)
{
	cJSON_AddNumberToObject(cJSON_GetObjectItem(model_of(j), "vocab"), SP "the", g_main);
}
static void id_gap(cJSON *j)
{
	cJSON_AddNumberToObject(cJSON_GetObjectItem(model_of(j), "vocab"), "zz", 100000);
}
static void id_huge(cJSON *j)
{
	cJSON_AddNumberToObject(cJSON_GetObjectItem(model_of(j), "vocab"), "zz", 4e9);
}
static void unk_missing(cJSON *j)
{
	cJSON_ReplaceItemInObject(model_of(j), "unk_token", cJSON_CreateString("<oops>"));
}
static void byte_fallback_string(cJSON *j)
{
	cJSON_ReplaceItemInObject(model_of(j), "byte_fallback", cJSON_CreateString("yes"));
}
static void dropout(cJSON *j)
{
	cJSON_ReplaceItemInObject(model_of(j), "dropout", cJSON_CreateNumber(0.1));
}
static void added_clash(cJSON *j)
{
	cJSON *a = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "added_tokens"), 1);

	cJSON_ReplaceItemInObject(a, "content", cJSON_CreateString("<bos>"));
}
static void added_no_id(cJSON *j)
{
	cJSON_DeleteItemFromObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "added_tokens"), 2), "id");
}
static void added_not_list(cJSON *j)
{
	cJSON_ReplaceItemInObject(j, "added_tokens", cJSON_CreateObject());
}
static void nfkc(cJSON *j)
{
	cJSON_AddItemToArray(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "normalizer"), "normalizers"),
			     typed("NFKC"));
}
static void regex(cJSON *j)
{
	cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "normalizer"),
							  "normalizers"), 1);
	cJSON *pat = cJSON_CreateObject();

	cJSON_AddStringToObject(pat, "Regex", " +");
	cJSON_ReplaceItemInObject(r, "pattern", pat);
}
static void byte_level(cJSON *j)
{
	cJSON_ReplaceItemInObject(j, "pre_tokenizer", typed("ByteLevel"));
}
static void decoder_unknown(cJSON *j)
{
	cJSON_AddItemToArray(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "decoder"), "decoders"),
			     typed("WordPiece"));
}
static void strip_no_start(cJSON *j)
{
	cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "decoder"), "decoders"), 3);

	cJSON_DeleteItemFromObject(s, "start");
}
static void prepend_number(cJSON *j)
{
	cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "normalizer"),
							  "normalizers"), 0);

	cJSON_ReplaceItemInObject(p, "prepend", cJSON_CreateNumber(7));
}

/* The index of a merge appended to the test's merges, as a string. */
#define STR2(x) #x
#define STR(x) STR2(x)
#define LAST STR(N_MAIN_LIT)

static void test_malformed(void)
{
	const char *bad_json[] = { "", "{", "{\"model\": ", "[1, 2", "{\"model\": {}} trailing", "nul" };
	mmfi_tok *t;
	size_t i;
	int r;

	for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		g_err[0] = '\0';
		r = mmfi_tok_parse(bad_json[i], strlen(bad_json[i]), "tokenizer.json", &t, g_err,
				   sizeof(g_err));
		CHECK(r == MMF_ERR_ARG && !t && strstr(g_err, "tokenizer.json: not JSON"), "'%s': %s '%s'",
		      bad_json[i], mmf_error_name(r), g_err);
		printf("refused %-26s %s\n", bad_json[i], g_err);
	}
	r = mmfi_tok_parse("[]", 2, "x/tokenizer.json", &t, g_err, sizeof(g_err));
	CHECK(r == MMF_ERR_ARG && strstr(g_err, "x/tokenizer.json: expected an object at the top, found "
					  "a list"), "top-level list: %s", g_err);
	refused("no model", no_model, MMF_ERR_ARG, "tokenizer.json: model: expected an object, found "
		"nothing");
	refused("no model.vocab", no_vocab, MMF_ERR_ARG, "model.vocab: expected an object {piece: id}, "
		"found nothing");
	refused("no model.merges", no_merges, MMF_ERR_ARG, "model.merges: expected a list, found nothing");
	refused("Unigram", unigram, MMF_ERR_UNSUPPORTED, "model.type: \"Unigram\" is not supported "
		"(supported: BPE)");
	refused("merge of unknown piece", merge_unknown, MMF_ERR_ARG, "model.merges[" LAST "]: \"zq\" is not "
		"in model.vocab");
	refused("merge without a space", merge_one_piece, MMF_ERR_ARG, "tokenizer.json: model.merges[17]: "
		"\"ab\": expected two pieces separated by a space");
	refused("merge result not a piece", merge_result, MMF_ERR_ARG, "model.merges[" LAST "]: the merged "
		"piece \"qz\" is not in model.vocab");
	refused("merge twice", merge_repeat, MMF_ERR_ARG, "model.merges[" LAST "]: \"h\" \"e\" repeats "
		"model.merges[1]");
	refused("merge of three", merge_three, MMF_ERR_ARG, "model.merges[" LAST "]: expected \"left right\" or "
		"[\"left\", \"right\"], found a list");
	refused("merge a number", merge_number, MMF_ERR_ARG, "model.merges[" LAST "]: expected \"left right\" or "
		"[\"left\", \"right\"], found a number");
	refused("id a string", id_string, MMF_ERR_ARG, "model.vocab[\"e\"]: expected an id 0 to 4194303, "
		"found a string");
	refused("id 1.5", id_fraction, MMF_ERR_ARG, "model.vocab[\"e\"]: expected an id 0 to 4194303, "
		"found a number out of range or not whole");
	refused("id -1", id_negative, MMF_ERR_ARG, "model.vocab[\"e\"]: expected an id");
	refused("duplicate id", id_twice, MMF_ERR_ARG, "model.vocab: \"<0x02>\" and \"zz\" both have id 5");
	refused("duplicate piece", piece_twice, MMF_ERR_ARG, "model.vocab: \"" SP "the\" appears twice");
	refused("id gap", id_gap, MMF_ERR_ARG, "id 100000 is used, but model.vocab and added_tokens hold");
	refused("id 4e9", id_huge, MMF_ERR_ARG, "model.vocab[\"zz\"]: expected an id 0 to 4194303");
	refused("unk_token unknown", unk_missing, MMF_ERR_ARG, "model.unk_token: \"<oops>\" is not in "
		"model.vocab");
	refused("byte_fallback \"yes\"", byte_fallback_string, MMF_ERR_ARG, "model.byte_fallback: "
		"expected true or false, found a string");
	refused("dropout 0.1", dropout, MMF_ERR_UNSUPPORTED, "model.dropout: BPE dropout is not supported");
	refused("added token clash", added_clash, MMF_ERR_ARG, "added_tokens[1]: id 1 is \"<bos>\", but "
		"model.vocab gives it to \"<s>\"");
	refused("added token without id", added_no_id, MMF_ERR_ARG, "added_tokens[2].id: expected an id");
	refused("added_tokens an object", added_not_list, MMF_ERR_ARG, "added_tokens: expected a list, "
		"found an object");
	refused("NFKC normalizer", nfkc, MMF_ERR_UNSUPPORTED, "normalizer.normalizers[2].type: \"NFKC\" is "
		"not supported (supported: Sequence, Prepend, Replace)");
	refused("Regex pattern", regex, MMF_ERR_UNSUPPORTED, "normalizer.normalizers[1].pattern: a Regex "
		"pattern is not supported");
	refused("ByteLevel pre-tokenizer", byte_level, MMF_ERR_UNSUPPORTED, "pre_tokenizer.type: "
		"\"ByteLevel\" is not supported");
	refused("WordPiece decoder", decoder_unknown, MMF_ERR_UNSUPPORTED, "decoder.decoders[4].type: "
		"\"WordPiece\" is not supported");
	refused("Strip without start", strip_no_start, MMF_ERR_ARG, "decoder.decoders[3]: start and stop: "
		"expected whole numbers 0 to 1000, found nothing and a number");
	refused("prepend a number", prepend_number, MMF_ERR_ARG, "normalizer.normalizers[0].prepend: "
		"expected a string that is not empty, found a number");
}

/* ---------------------------------------------------------------- loading from a folder */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(2);
	}
}

static void test_load(void)
{
	char dir[] = "/tmp/host_tok.XXXXXX", path[64], want[200], *text;
	const char *kind = NULL;
	mmfi_tok *t;
	int r;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/tokenizer.json", dir);
	/* no tokenizer.json: the byte-level tokenizer, if the model has the ids */
	r = mmfi_tok_load(dir, 32000, &t, &kind, g_err, sizeof(g_err));
	CHECK(!r && t && kind && !strcmp(kind, "bytes") && mmfi_tok_vocab(t) == 32000, "no file: %s",
	      g_err);
	mmfi_tok_free(t);
	r = mmfi_tok_load(dir, 100, &t, &kind, g_err, sizeof(g_err));
	CHECK(r == MMF_ERR_ARG && !t && strstr(g_err, "has no tokenizer.json, and the byte-level "
						"tokenizer needs vocab_size >= 259 (the model has 100)"),
	      "no file, vocab 100: %s", g_err);
	/* the test file: a model with as many ids or more is fine, with fewer it is refused */
	text = cJSON_Print(g_base);
	write_file(path, text);
	free(text);
	r = mmfi_tok_load(dir, g_main, &t, &kind, g_err, sizeof(g_err));
	CHECK(!r && t && !strcmp(kind, "tokenizer.json") && mmfi_tok_vocab(t) == g_main, "load: %s",
	      g_err);
	if (t)
		EXPECT(t, "the world", SP "the", SP "world");
	mmfi_tok_free(t);
	r = mmfi_tok_load(dir, 32000, &t, &kind, g_err, sizeof(g_err));
	CHECK(!r && t, "load with a larger model vocabulary: %s", g_err);
	mmfi_tok_free(t);
	r = mmfi_tok_load(dir, g_main - 1, &t, &kind, g_err, sizeof(g_err));
	snprintf(want, sizeof(want), "/tokenizer.json: id %d (\"%s\") is past the model's vocab_size %d "
		 "(ids 0 to %d)", g_main - 1, g_piece[g_main - 1], g_main - 1, g_main - 2);
	CHECK(r == MMF_ERR_ARG && !t && strstr(g_err, want), "vocab one short: %s", g_err);
	printf("refused %-26s %s\n", "ids past vocab_size", g_err);
	/* a broken file names its path */
	write_file(path, "{\"model\": {\"type\": \"BPE\", \"vocab\": []}}");
	r = mmfi_tok_load(dir, 32000, &t, &kind, g_err, sizeof(g_err));
	CHECK(r == MMF_ERR_ARG && strstr(g_err, dir) && strstr(g_err, "model.vocab: expected an object"),
	      "broken file: %s", g_err);
	/* tokenizer.json a folder: refused before it is read (outfile.h's mmfi_in_open) */
	remove(path);
	mkdir(path, 0700);
	r = mmfi_tok_load(dir, 32000, &t, &kind, g_err, sizeof(g_err));
	CHECK(r == MMF_ERR_IO && !t && strstr(g_err, "tokenizer.json: a directory, not a regular file"),
	      "folder: %s %s", mmf_error_name(r), g_err);
	rmdir(path);
	rmdir(dir);
}

/* ---------------------------------------------------------------- the byte-level tokenizer */

static void test_bytes(void)
{
	char s[256], back[512], buf[4];
	mmfi_tok *t = NULL;
	int i, n, r, ok = 1;

	r = mmfi_tok_bytes(258, &t, g_err, sizeof(g_err));
	CHECK(r == MMF_ERR_ARG && !t && strstr(g_err, "259"), "258 ids: %s", g_err);
	r = mmfi_tok_bytes(300, &t, g_err, sizeof(g_err));
	CHECK(!r && t && mmfi_tok_vocab(t) == 300 && mmfi_tok_bos(t) == 1 && mmfi_tok_eos(t) == 2, "300");
	if (!t)
		return;
	/* every byte decodes to itself, the specials and ids past the bytes to nothing */
	for (i = 0; i < 256; i++)
		ok &= mmfi_tok_decode(t, -1, 3 + i, buf, sizeof(buf)) == 1 && (unsigned char)buf[0] == i;
	CHECK(ok, "every byte decodes to itself");
	for (i = 0; i < 3; i++)
		CHECK(mmfi_tok_decode(t, -1, i, buf, sizeof(buf)) == 0 && !buf[0], "special %d", i);
	CHECK(mmfi_tok_decode(t, -1, 299, buf, sizeof(buf)) == 0, "id 299");
	CHECK(mmfi_tok_decode(t, -1, 300, buf, sizeof(buf)) == MMF_ERR_ARG, "id 300");
	/* bytes 1..255 in one text (a C string has no NUL) encode to 3 + b and come back */
	for (i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	n = enc(t, s, 1);
	CHECK(n == 256 && g_ids[0] == 1, "255 bytes with <s>: %d ids", n);
	for (i = 1, ok = 1; i < 256; i++)
		ok &= g_ids[i] == 3 + i;
	CHECK(ok, "byte b is id 3 + b");
	dec(t, -1, g_ids, n, back, sizeof(back));
	CHECK(!strcmp(back, s), "byte-level round trip");
	/* too little room: *n says how much */
	r = mmfi_tok_encode(t, "abc", 0, g_ids, 2, &n);
	CHECK(!r && n == 3 && g_ids[0] == 3 + 'a' && g_ids[1] == 3 + 'b', "short room: %d", n);
	r = mmfi_tok_encode(t, "abc", 0, NULL, 0, &n);
	CHECK(!r && n == 3, "counting only");
	mmfi_tok_free(t);
}

int main(int argc, char **argv)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	cJSON *full_json;
	mmfi_tok *t, *full;
	int r;

	check_args(argc, argv, 0, NULL, "", "The tokenizers of host/src/tok.c (tests/host_tok.c).");
	if (N_MERGES != N_MERGES_LIT || N_MAIN != N_MAIN_LIT) {
		fprintf(stderr, "test bug: N_MERGES_LIT is %d, there are %d merges\n", N_MERGES_LIT, N_MERGES);
		return 2;
	}
	build_vocab();
	g_base = make_json(0, 0);
	t = parse_json(g_base, &r);
	CHECK(t, "the test tokenizer.json: %s (%s)", g_err, mmf_error_name(r));
	full_json = make_json(0, 1);
	full = parse_json(full_json, &r);
	CHECK(full, "the second tokenizer.json: %s (%s)", g_err, mmf_error_name(r));
	if (!t || !full)
		return 1;
	printf("tokenizer.json: %d pieces (3 specials, 256 byte tokens, %d merged, %d characters), %d "
	       "merges; the second one with \"s▁\" too\n", g_main,
	       g_main - 259 - (int)(sizeof(g_chars) / sizeof(g_chars[0])),
	       (int)(sizeof(g_chars) / sizeof(g_chars[0])), N_MAIN);
	test_known(t);
	test_rank_order(t);
	/* the main vocabulary lets tok.c merge word by word; "s▁" in the second one does not */
	test_reference(t, N_MAIN, &rng);
	test_reference(full, N_MERGES, &rng);
	EXPECT(full, "cats ", SP "cat", "s" SP);
	EXPECT(t, "cats ", SP "cat", "s", SP);
	test_round_trip(t, &rng);
	test_round_trip(full, &rng);
	test_speed(t, &rng);
	test_decode(t);
	test_pair_merges(t);
	test_metaspace();
	test_missing_bytes();
	test_malformed();
	test_load();
	test_bytes();
	mmfi_tok_free(t);
	mmfi_tok_free(full);
	cJSON_Delete(g_base);
	cJSON_Delete(full_json);
	printf("host_tok: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail != 0;
}
