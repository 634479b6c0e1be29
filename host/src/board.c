/*
 * board.c: the public API (mmfree.h) on top of proto.c: weight memory, activations, RUN, results,
 * counters (open.c opens the board). Long transfers are split into packets; what the board refuses
 * comes back as MMF_ERR_DEVICE with the command, its values and the board's status in the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"

enum {
	MTU_MIN = 16,               /* smallest packet payload the link adapts down to */
	MTU_GROW_AFTER = 8,         /* clean commands in a row before packets grow again */
	REDO_MAX = 6,               /* shorter resends of one part of a split transfer (1024 -> 16) */
};

/* ---- helpers ----------------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Why: on a noisy link a long packet is rarely received whole (at a byte error rate p, n bytes get
 * through with probability (1-p)^n: 36% for a full packet at 1e-3), and each command has only
 * MMFI_TRIES tries. So split transfers halve their packets after a command that needed a
 * retransmission and double them again after MTU_GROW_AFTER clean ones. A retransmission is always
 * the same packet; only the next command is shorter. */
static void mtu_adapt(mmf_board *b, int retried)
{
	uint32_t lo = b->mtu_max < MTU_MIN ? b->mtu_max : MTU_MIN;

	if (retried) {
		b->clean = 0;
		b->mtu = b->mtu / 2 < lo ? lo : b->mtu / 2;
	} else if (++b->clean >= MTU_GROW_AFTER && b->mtu < b->mtu_max) {
		b->clean = 0;
		b->mtu = b->mtu * 2 > b->mtu_max ? b->mtu_max : b->mtu * 2;
	}
}

/* An answer to cmd: status OK and `data_len` bytes of data (any length if < 0), else the error with
 * the command, its values (`what`) and the board's status in the message. */
static int answer_check(mmf_board *b, uint8_t cmd, const mmfi_packet *resp, int data_len,
			const char *what)
{
	uint8_t st = resp->payload[0];

	if (st != MMF_ST_OK) {
		mmfi_msg(b->err, sizeof(b->err), "%s seq %u%s: board answered %s (status %u)",
			 mmfi_cmd_name(cmd), resp->seq, what, mmfi_status_name(st), st);
		return MMF_ERR_DEVICE;
	}
	if (data_len >= 0 && resp->len != 1 + data_len) {
		mmfi_msg(b->err, sizeof(b->err), "%s seq %u%s: answer has %u data bytes, expected %d",
			 mmfi_cmd_name(cmd), resp->seq, what, resp->len - 1u, data_len);
		return MMF_ERR_PROTOCOL;
	}
	return MMF_OK;
}

int mmfi_command(mmf_board *b, uint8_t cmd, const uint8_t *p, uint16_t len, int data_len,
		 const char *what, const uint8_t **data, uint16_t *got)
{
	const mmfi_packet *resp;
	uint64_t retries = mmfi_link_retries(&b->link);
	int r;

	r = mmfi_request(&b->link, cmd, p, len,
			 (uint16_t)(data_len < 0 ? MMF_MAX_PAYLOAD : 1 + data_len), &resp);
	mtu_adapt(b, mmfi_link_retries(&b->link) != retries);
	if (r)
		return r;
	r = answer_check(b, cmd, resp, data_len, what);
	if (r)
		return r;
	if (data)
		*data = resp->payload + 1;
	if (got)
		*got = (uint16_t)(resp->len - 1u);
	return MMF_OK;
}

/* A packet of a split transfer failed with MMF_ERR_IO: the board answered, but the link damaged
 * every try of a packet that long. The packets are already shorter (mtu_adapt), so send that part
 * again, at most REDO_MAX times in a row. A board that does not answer at all (MMF_ERR_TIMEOUT) is
 * not helped by shorter packets and fails at once. */
static int redo(int r, unsigned *redos)
{
	return r == MMF_ERR_IO && (*redos)++ < REDO_MAX;
}

static void progress(mmf_board *b, uint64_t done, uint64_t total)
{
	if (b->progress)
		b->progress(b->progress_user, done, total);
}

/* An argument the protocol's fields cannot carry. */
static int bad_arg(mmf_board *b, const char *fmt, unsigned long a, unsigned long c)
{
	mmfi_msg(b->err, sizeof(b->err), fmt, a, c);
	return MMF_ERR_ARG;
}

/* ---- weight memory ----------------------------------------------------------------------------- */

/* WRITE_MEM's payload for words [off, off + step) of w, written from word addr + off. */
static uint16_t pack_words(uint8_t *p, uint32_t addr, const uint64_t *w, uint32_t off, uint32_t step)
{
	uint32_t i, k;

	put16(p, addr + off);
	for (i = 0; i < step; i++)
		for (k = 0; k < 8; k++)
			p[2 + 8 * i + k] = (uint8_t)(w[off + i] >> (8 * k));
	return (uint16_t)(2 + 8 * step);
}

static void mem_describe(const mmf_board *b, uint32_t first, uint32_t n, char *buf, size_t len)
{
	snprintf(buf, len, " (addr %u, %u words; weight memory %u words)", first, n, b->info.wmem_words);
}

/* One WRITE_MEM at a time: each waits for its answer. */
static int write_serial(mmf_board *b, uint32_t addr, const uint64_t *w, uint32_t n)
{
	uint8_t p[MMF_MAX_PAYLOAD];
	char what[96];
	uint32_t off, step;
	unsigned redos = 0;
	uint16_t len;
	int r;

	for (off = 0; off < n; off += step) {
		step = (b->mtu - 2u) / 8u;
		if (step > n - off)
			step = n - off;
		len = pack_words(p, addr, w, off, step);
		mem_describe(b, addr + off, step, what, sizeof(what));
		r = mmfi_command(b, MMF_CMD_WRITE_MEM, p, len, 0, what, NULL, NULL);
		if (r && redo(r, &redos)) {
			step = 0;
			continue;
		}
		if (r)
			return r;
		redos = 0;
		progress(b, 8ull * (off + step), 8ull * n);
	}
	return MMF_OK;
}

/* A window of WRITE_MEMs in flight (proto.c): the next is sent before the answer to the last has
 * come. Writing the same words twice changes nothing, which the window's recovery relies on. Words
 * count as written only in the order their answers come; after a failure the part from the first
 * unanswered word is sent again (shorter packets, as write_serial does), the rest is not trusted. */
static int write_window(mmf_board *b, uint32_t addr, const uint64_t *w, uint32_t n)
{
	uint8_t p[MMF_MAX_PAYLOAD];
	const mmfi_packet *resp;
	char what[96];
	uint32_t off = 0, done = 0, step, at, count;
	uint64_t retries = mmfi_link_retries(&b->link);
	unsigned redos = 0;
	uint16_t len;
	int r;

	while (done < n) {
		if (off < n && mmfi_win_room(&b->link)) {
			step = (b->mtu - 2u) / 8u;
			if (step > n - off)
				step = n - off;
			len = pack_words(p, addr, w, off, step);
			r = mmfi_win_send(&b->link, MMF_CMD_WRITE_MEM, p, len, 1, off, step);
			if (r)
				goto failed;
			off += step;
			continue;
		}
		r = mmfi_win_wait(&b->link, &resp, &at, &count);
		mtu_adapt(b, mmfi_link_retries(&b->link) != retries);
		retries = mmfi_link_retries(&b->link);
		if (r)
			goto failed;
		mem_describe(b, addr + at, count, what, sizeof(what));
		r = answer_check(b, MMF_CMD_WRITE_MEM, resp, 0, what);
		if (r) {
			mmfi_win_drop(&b->link);
			return r;
		}
		done = at + count;
		redos = 0;
		progress(b, 8ull * done, 8ull * n);
		continue;
failed:
		/* nothing in flight counts: resend from the first word not answered */
		mmfi_win_drop(&b->link);
		if (!redo(r, &redos))
			return r;
		off = done;
	}
	return MMF_OK;
}

int mmf_write_mem(mmf_board *b, uint32_t addr, const uint64_t *w, uint32_t n)
{
	if ((uint64_t)addr + n > 65536u)
		return bad_arg(b, "write_mem: addr %lu + %lu words is beyond the 16-bit word address",
			       addr, n);
	return mmfi_link_window(&b->link) > 1 ? write_window(b, addr, w, n) : write_serial(b, addr, w, n);
}

/* A range read (READ_MEM, READ_RES): `count` items of `unit` bytes from `first`, in as many packets
 * as the packet size and the command's limit allow, each answer handed to the kind's store(). */
struct range_kind {
	uint8_t cmd;                /* READ_MEM or READ_RES */
	uint32_t unit;              /* bytes per item in the answer */
	uint32_t max;               /* items per command */
	/* " (addr 5, 3 words ...)": what the command asked, for messages */
	void (*describe)(const mmf_board *b, uint32_t first, uint32_t n, char *buf, size_t len);
	/* items [at, at + n) from the answer data d */
	void (*store)(void *dst, uint32_t at, const uint8_t *d, uint32_t n);
};

static int read_range(mmf_board *b, const struct range_kind *k, uint32_t first, uint32_t count,
		      void *dst)
{
	uint8_t p[4];
	const uint8_t *d;
	char what[96];
	uint32_t off, step;
	unsigned redos = 0;
	int r;

	for (off = 0; off < count; off += step) {
		step = (b->mtu - 1u) / k->unit;
		if (step > k->max)
			step = k->max;
		if (step > count - off)
			step = count - off;
		put16(p, first + off);
		put16(p + 2, step);
		k->describe(b, first + off, step, what, sizeof(what));
		r = mmfi_command(b, k->cmd, p, 4, (int)(k->unit * step), what, &d, NULL);
		if (r && redo(r, &redos)) {
			step = 0;
			continue;
		}
		if (r)
			return r;
		redos = 0;
		k->store(dst, off, d, step);
		progress(b, (uint64_t)k->unit * (off + step), (uint64_t)k->unit * count);
	}
	return MMF_OK;
}

static void mem_store(void *dst, uint32_t at, const uint8_t *d, uint32_t n)
{
	uint64_t *w = (uint64_t *)dst + at;
	uint32_t i;

	for (i = 0; i < n; i++)
		w[i] = (uint64_t)mmfi_get32(d + 8 * i) | (uint64_t)mmfi_get32(d + 8 * i + 4) << 32;
}

static const struct range_kind mem_kind = { MMF_CMD_READ_MEM, 8, MMF_READ_MEM_MAX, mem_describe, mem_store };

int mmf_read_mem(mmf_board *b, uint32_t addr, uint64_t *w, uint32_t n)
{
	if ((uint64_t)addr + n > 65536u)
		return bad_arg(b, "read_mem: addr %lu + %lu words is beyond the 16-bit word address",
			       addr, n);
	return read_range(b, &mem_kind, addr, n, w);
}

/* ---- engines ----------------------------------------------------------------------------------- */

int mmf_load_act(mmf_board *b, unsigned engine, const int8_t *x, uint32_t k)
{
	uint8_t p[MMF_MAX_PAYLOAD];
	char what[80];
	uint32_t off, step;
	unsigned redos = 0;
	int r;

	if (engine > MMF_LOAD_ENGINE || k == 0)
		return bad_arg(b, "load_act: engine %lu, k %lu (engine 0..63, k at least 1)", engine, k);
	for (off = 0; off < k; off += step) {
		step = b->mtu - 1u;
		if (step > k - off)
			step = k - off;
		/* the first packet says so: the board drops any part a failed load left behind */
		p[0] = (uint8_t)(engine | (off + step < k ? MMF_LOAD_MORE : 0) | (off == 0 ? MMF_LOAD_FIRST : 0));
		memcpy(p + 1, x + off, step);
		snprintf(what, sizeof(what), " (engine %u, activations %u..%u of %u)", engine, off,
			 off + step - 1, k);
		r = mmfi_command(b, MMF_CMD_LOAD_ACT, p, (uint16_t)(1 + step), 0, what, NULL, NULL);
		if (r && redo(r, &redos)) {
			/* send the vector again from its first packet, which drops the part the board holds */
			off = step = 0;
			continue;
		}
		if (r)
			return r;
		progress(b, off + step, k);
	}
	return MMF_OK;
}

int mmf_run(mmf_board *b, unsigned engine, uint32_t base, uint32_t words, uint16_t *rows)
{
	uint8_t p[5];
	const uint8_t *d;
	char what[80];
	int r;

	if (engine > 255 || base > 65535 || words > 65535) {
		mmfi_msg(b->err, sizeof(b->err), "run: engine %u, base %u, words %u (engine 0..255, base "
			 "and words 0..65535)", engine, base, words);
		return MMF_ERR_ARG;
	}
	p[0] = (uint8_t)engine;
	put16(p + 1, base);
	put16(p + 3, words);
	snprintf(what, sizeof(what), " (engine %u, base %u, %u words)", engine, base, words);
	r = mmfi_command(b, MMF_CMD_RUN, p, 5, 2, what, &d, NULL);
	if (r)
		return r;
	*rows = (uint16_t)mmfi_get16(d);
	return MMF_OK;
}

static void res_describe(const mmf_board *b, uint32_t first, uint32_t n, char *buf, size_t len)
{
	(void)b;
	snprintf(buf, len, " (first %u, count %u)", first, n);
}

static void res_store(void *dst, uint32_t at, const uint8_t *d, uint32_t n)
{
	int32_t *y = (int32_t *)dst + at;
	uint32_t i;

	for (i = 0; i < n; i++)
		y[i] = (int32_t)mmfi_get32(d + 4 * i);
}

static const struct range_kind res_kind = { MMF_CMD_READ_RES, 4, MMF_READ_RES_MAX, res_describe, res_store };

int mmf_read_res(mmf_board *b, uint32_t first, uint32_t count, int32_t *y)
{
	if ((uint64_t)first + count > 65536u)
		return bad_arg(b, "read_res: first %lu + count %lu is beyond the 16-bit row number",
			       first, count);
	return read_range(b, &res_kind, first, count, y);
}

int mmf_matvec(mmf_board *b, unsigned engine, uint32_t base, uint32_t words, const int8_t *x,
	       uint32_t k, int32_t *y, uint16_t *rows_out)
{
	uint32_t wpr, want = 0;
	uint16_t rows;
	int r;

	r = mmf_load_act(b, engine, x, k);
	if (r)
		return r;
	r = mmf_run(b, engine, base, words, &rows);
	if (r)
		return r;
	/* y was sized by the caller from k and words: never write more rows than that */
	if (engine < b->info.n_engines) {
		wpr = (k + b->info.engine[engine].lanes - 1u) / b->info.engine[engine].lanes;
		want = (words + wpr - 1u) / wpr;
		if (rows != want) {
			mmfi_msg(b->err, sizeof(b->err), "RUN engine %u, %u words at K %u: board produced "
				 "%u rows, expected %u", engine, words, k, rows, want);
			return MMF_ERR_PROTOCOL;
		}
	}
	r = mmf_read_res(b, 0, rows, y);
	if (r)
		return r;
	if (rows_out)
		*rows_out = rows;
	return MMF_OK;
}

/* ---- counters, reset --------------------------------------------------------------------------- */

int mmf_i2c(mmf_board *b, unsigned addr, const uint8_t *w, unsigned nw, uint8_t *r, unsigned nr)
{
	uint8_t p[MMF_I2C_LEN_MAX];
	const uint8_t *d;
	uint16_t got;
	char what[48];
	unsigned i;
	int e;

	if (!b)
		return MMF_ERR_ARG;
	if (addr > 0x7F || nw > MMF_I2C_MAX_WRITE || nr > MMF_I2C_MAX_READ || (nw && !w) || (nr && !r))
		return bad_arg(b, "mmf_i2c: address 0x%lx, %lu bytes to write (at most 3) or to read (at most "
			       "4)", addr, nw > MMF_I2C_MAX_WRITE ? nw : nr);
	if (!(b->info.features & MMF_FEATURE_I2C)) {
		mmfi_msg(b->err, sizeof(b->err), "the board has no I2C master: its bitstream was built "
			 "without one (INFO features 0x%02x; the %s board)", b->info.features,
			 mmf_board_name(b->info.board_id));
		return MMF_ERR_UNSUPPORTED;
	}
	p[0] = (uint8_t)addr;
	p[1] = (uint8_t)nr;
	for (i = 0; i < nw; i++)
		p[2 + i] = w[i];
	snprintf(what, sizeof(what), " (address 0x%02x, %u written, %u read)", addr, nw, nr);
	e = mmfi_command(b, MMF_CMD_I2C, p, (uint16_t)(2 + nw), (int)(1 + nr), what, &d, &got);
	if (e)
		return e;
	if (d[0] == MMF_I2C_NAK_ADDR) {
		mmfi_msg(b->err, sizeof(b->err), "nothing acknowledged I2C address 0x%02x on the board's bus",
			 addr);
		return MMF_ERR_NO_BOARD;
	}
	if (d[0] != MMF_I2C_OK) {
		mmfi_msg(b->err, sizeof(b->err), "the device at I2C address 0x%02x did not acknowledge a "
			 "written byte (outcome %u)", addr, d[0]);
		return MMF_ERR_DEVICE;
	}
	for (i = 0; i < nr; i++)
		r[i] = d[1 + i];
	return MMF_OK;
}

int mmf_read_counters(mmf_board *b, uint32_t c[MMF_NUM_COUNTERS])
{
	const uint8_t *d;
	uint32_t i;
	int r;

	r = mmfi_command(b, MMF_CMD_READ_COUNTERS, NULL, 0, 4 * MMF_NUM_COUNTERS, "", &d, NULL);
	if (r)
		return r;
	for (i = 0; i < MMF_NUM_COUNTERS; i++)
		c[i] = mmfi_get32(d + 4 * i);
	return MMF_OK;
}

int mmf_clear_counters(mmf_board *b)
{
	return mmfi_command(b, MMF_CMD_CLEAR_COUNTERS, NULL, 0, 0, "", NULL, NULL);
}

int mmf_reset(mmf_board *b)
{
	return mmfi_command(b, MMF_CMD_RESET, NULL, 0, 0, "", NULL, NULL);
}
