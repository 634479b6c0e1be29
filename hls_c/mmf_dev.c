/*
 * mmf_dev.c: the board behind the link, the executable specification of the SoC's link side (see
 * mmf_dev.h and docs/protocol.md): a receiver that finds packets in a byte stream, the sequence rules,
 * the command controller in front of the engine models, and a transmitter that sends one response at
 * a time. The RTL is checked against it byte for byte, so every rule below is deliberate.
 *
 * Rules docs/protocol.md leaves open, fixed here:
 *  - One response at a time. A packet is processed (CRC, sequence, command) only when the transmitter
 *    is empty. A packet that completes while a response is still going out is held in rx_buf and
 *    processed when the last byte of that response leaves (mmf_dev_tx); bytes that arrive while a
 *    packet is held are counted and discarded. A held packet is a BODY whose rx_n == rx_need.
 *  - A header with a good hchk but len > MMF_MAX_PAYLOAD is answered with NAK TOO_LONG only if the
 *    transmitter is empty at that moment (the receiver cannot wait: it re-scans at once). A header
 *    with a wrong hchk is dropped silently. Both count a CRC error.
 *  - After a rejected header the hunt resumes at the byte after its A5 (the 5A, which cannot start a
 *    sync, so the re-scan feeds type..hchk back through the hunter).
 *  - Inter-byte timeout: rx_idle counts while the receiver is anywhere but HUNT0 (an A5 seen is the
 *    start of a packet) and not holding a complete packet; the partial packet is dropped when rx_idle
 *    exceeds MMF_RX_TIMEOUT_CYCLES. A timeout is not a CRC error.
 *  - A NAK's expected_seq is last_seq + 1 after a SYNC, 0 before one, for every reason.
 *  - Checks in order: CRC, known type, SYNC, sequence. A repeat (seq == last) must also have the last
 *    command's type, else it is OUT_OF_ORDER: a stored status belongs to one command.
 *  - A command that fails a check answers the status byte alone, changes nothing (LOAD_ACT: drops the
 *    vector being gathered), and still takes its sequence number (a repeat answers the same error).
 *    SYNC with a payload answers BAD_LENGTH and does not synchronise.
 *  - MMF_CNT_EXECUTED counts every command run, re-executed reads included, and is incremented before
 *    the command runs (so CLEAR_COUNTERS and RESET leave it at 0). MMF_CNT_REPEATS counts repeats
 *    answered from the stored status. MMF_CNT_NAKS counts NAKs when they are queued.
 *  - Every LOAD_ACT packet to an engine clears its loaded flag until the final packet loads the whole
 *    vector: a RUN between the packets of one vector answers NOT_LOADED.
 *  - An engine's activation capacity is lanes << lg_act (lg_act at most the model's compile-time
 *    LG_ACT); INFO reports it as max_cols.
 *  - Status codes for counts over a command's limit (READ_MEM > 127, READ_RES > 255): TOO_MANY.
 *  - I2C exists only on a board built with the I2C master (cfg.i2c): elsewhere it is an unknown type.
 *    Its checks in order: length (2..5), address (bit 7 set: BAD_ADDRESS), read count (> 4:
 *    TOO_MANY). A repeat runs the transfer again, as the reads do: the host sends only transfers that
 *    may be repeated (a register pointer and a read, a register write). RESET leaves the bus alone.
 *  - INFO ends with a features byte only when a feature is built (bit 0: I2C), so a board without
 *    one answers exactly as before.
 */
#include "mmf_dev.h"

enum {
	RX_HDR = MMF_HDR_BYTES - 2,     /* header bytes in rx_buf: type, seq, len lo, len hi, hchk */
	TX_STATUS = MMF_HDR_BYTES,      /* offset of the status byte in tx_buf */
	WRITE_MEM_MAX = (MMF_MAX_PAYLOAD - 2) / 8, /* words one WRITE_MEM packet can carry */
	RUN_LEN = 5,                    /* RUN payload: engine u8, base u16, words u16 */
	RANGE_LEN = 4,                  /* READ_MEM, READ_RES payload: first u16, count u16 */
	CRC_POLY = 0xEDB88320u,         /* CRC-32, reflected */
};

/* ==== CRC, header check, little-endian fields ================================================ */

uint32_t mmf_crc32_byte(uint32_t crc, uint8_t byte)
{
	/* zlib keeps the register inverted between calls, so chaining works byte by byte */
	uint32_t c = ~crc ^ byte;
	uint32_t k;

	for (k = 0; k < 8; k++)
		c = (c >> 1) ^ ((c & 1u) ? CRC_POLY : 0u);
	return ~c;
}

uint8_t mmf_hchk(uint8_t type, uint8_t seq, uint16_t len)
{
	return (uint8_t)(0xFFu ^ type ^ seq ^ (len & 0xFFu) ^ (len >> 8));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32);
}

/* ==== transmitter: building the one response packet ========================================= */

static void tx_begin(mmf_dev_t *d, uint8_t type, uint8_t seq)
{
	d->tx_buf[0] = MMF_SYNC0;
	d->tx_buf[1] = MMF_SYNC1;
	d->tx_buf[2] = type;
	d->tx_buf[3] = seq;
	d->tx_len = MMF_HDR_BYTES;      /* len and hchk are filled in by tx_end */
	d->tx_pos = 0;
}

static void tx_put8(mmf_dev_t *d, uint8_t b)
{
	/* every response fits by construction (the largest, READ_RES, is 1 + 4 x 255 bytes); the guard
	 * only keeps a wrong one inside the buffer */
	if (d->tx_len < MMF_HDR_BYTES + MMF_MAX_PAYLOAD)
		d->tx_buf[d->tx_len++] = b;
}

static void tx_put16(mmf_dev_t *d, uint16_t v)
{
	tx_put8(d, (uint8_t)v);
	tx_put8(d, (uint8_t)(v >> 8));
}

static void tx_put32(mmf_dev_t *d, uint32_t v)
{
	tx_put16(d, (uint16_t)v);
	tx_put16(d, (uint16_t)(v >> 16));
}

/* Length, header check and CRC: the packet is ready to go out. */
static void tx_end(mmf_dev_t *d)
{
	uint16_t len = (uint16_t)(d->tx_len - MMF_HDR_BYTES);
	uint32_t crc = 0, i;

	d->tx_buf[4] = (uint8_t)len;
	d->tx_buf[5] = (uint8_t)(len >> 8);
	d->tx_buf[6] = mmf_hchk(d->tx_buf[2], d->tx_buf[3], len);
	for (i = 2; i < MMF_HDR_BYTES + MMF_MAX_PAYLOAD; i++) {
		if (i >= d->tx_len)
			break;
		crc = mmf_crc32_byte(crc, d->tx_buf[i]);
	}
	for (i = 0; i < MMF_CRC_BYTES; i++)
		d->tx_buf[d->tx_len++] = (uint8_t)(crc >> (8u * i));
}

/* The sequence number the board wants next: NAKs carry it. */
static uint8_t seq_expected(const mmf_dev_t *d)
{
	return d->synced ? (uint8_t)(d->last_seq + 1u) : 0u;
}

static void tx_nak(mmf_dev_t *d, uint8_t seq, uint8_t reason)
{
	tx_begin(d, MMF_NAK, seq);
	tx_put8(d, reason);
	tx_put8(d, seq_expected(d));
	tx_end(d);
	d->cnt[MMF_CNT_NAKS]++;
}

/* ==== engines: one model of each kind, addressed by slot (the table's dispatch) ============= */

static int eng_init(mmf_dev_t *d, uint32_t e)
{
	return mmf_eng_init(&d->eng, d->cfg.engine[e].format, d->cfg.engine[e].lanes);
}

/* A slot's id and format belong together (the engine table) and lg_act fits the model's buffer
 * (lanes: eng_init). */
static int eng_cfg_ok(const mmf_engine_cfg_t *c)
{
	return c->format < MMF_N_FORMATS && c->id == mmf_fmts[c->format].engine && c->lg_act >= 1 &&
	       c->lg_act <= mmf_fmts[c->format].lg_act;
}

void mmf_eng_slot(uint8_t format, mmf_engine_cfg_t *c)
{
	uint8_t f = format < MMF_N_FORMATS ? format : 0u;

	c->id = mmf_fmts[f].engine;
	c->format = f;
	c->lanes = mmf_fmts[f].lanes;
	c->lg_act = mmf_fmts[f].lg_act;
}

/* Activations the slot's buffer holds: LANES x 2^LG_ACT, as the RTL is built. */
static uint32_t eng_max_cols(const mmf_dev_t *d, uint32_t e)
{
	return (uint32_t)d->cfg.engine[e].lanes << d->cfg.engine[e].lg_act;
}

static int eng_load(mmf_dev_t *d, uint32_t e, uint32_t cols)
{
	return mmf_eng_load(&d->eng, d->cfg.engine[e].format, d->act[e], cols);
}

/* K of the loaded vector, and the words one row takes (the loaded activation words). */
static uint32_t eng_cols(const mmf_dev_t *d, uint32_t e)
{
	return mmf_eng_cols(&d->eng, d->cfg.engine[e].format);
}

static uint32_t eng_words_per_row(const mmf_dev_t *d, uint32_t e)
{
	return mmf_eng_words(&d->eng, d->cfg.engine[e].format);
}

static uint32_t eng_matvec(mmf_dev_t *d, uint32_t e, uint32_t base, uint32_t words)
{
	return mmf_eng_matvec(&d->eng, d->cfg.engine[e].format, &d->wmem[base], words, d->res);
}

/* ==== commands: check, act, append the answer data; return the status ====================== */

static void cnt_clear(mmf_dev_t *d)
{
	uint32_t i;

	for (i = 0; i < MMF_N_COUNTERS; i++)
		d->cnt[i] = 0;
}

/* MACs are one 64-bit counter read as two u32 fields. */
static void cnt_add_macs(mmf_dev_t *d, uint32_t n)
{
	uint32_t lo = d->cnt[MMF_CNT_MACS_LO] + n;

	if (lo < n)
		d->cnt[MMF_CNT_MACS_HI]++;
	d->cnt[MMF_CNT_MACS_LO] = lo;
}

static uint8_t cmd_info(mmf_dev_t *d, uint32_t len)
{
	uint32_t e;

	if (len != 0)
		return MMF_ST_BAD_LENGTH;
	tx_put8(d, MMF_PROTO_VERSION);
	tx_put8(d, d->cfg.board_id);
	tx_put8(d, d->cfg.link);
	tx_put8(d, d->cfg.n_engines);
	tx_put32(d, d->cfg.clock_hz);
	tx_put32(d, d->cfg.link_rate);
	tx_put32(d, d->cfg.wmem_words);
	tx_put16(d, MMF_MAX_PAYLOAD);
	tx_put16(d, MMF_RES_ROWS);
	tx_put32(d, d->cfg.git_rev);
	for (e = 0; e < MMF_MAX_ENGINES; e++) {
		if (e >= d->cfg.n_engines)
			break;
		tx_put8(d, d->cfg.engine[e].id);
		tx_put8(d, d->cfg.engine[e].format);
		tx_put8(d, d->cfg.engine[e].lanes);
		tx_put8(d, d->cfg.engine[e].lg_act);
		tx_put16(d, (uint16_t)eng_max_cols(d, e));
		tx_put16(d, 0);
	}
	if (d->cfg.i2c)
		tx_put8(d, MMF_INFO_FEAT_I2C);
	return MMF_ST_OK;
}

/* addr u8 (7 bits), read count u8, then 0..3 bytes to write: one transfer; answer the outcome
 * (enum mmf_i2c_result) and the read count's bytes (zero past a refusal). */
static uint8_t cmd_i2c(mmf_dev_t *d, const uint8_t *p, uint32_t len)
{
	uint8_t r[MMF_I2C_MAX_READ];
	uint8_t res;
	uint32_t i, nr;

	if (len < MMF_I2C_LEN_MIN || len > MMF_I2C_LEN_MAX)
		return MMF_ST_BAD_LENGTH;
	if (p[0] & 0x80u)
		return MMF_ST_BAD_ADDRESS;
	nr = p[1];
	if (nr > MMF_I2C_MAX_READ)
		return MMF_ST_TOO_MANY;
	res = mmf_i2c_xfer(&d->i2c, p[0], p + 2, len - MMF_I2C_LEN_MIN, r, nr);
	tx_put8(d, res);
	for (i = 0; i < MMF_I2C_MAX_READ; i++)
		if (i < nr)
			tx_put8(d, r[i]);
	return MMF_ST_OK;
}

/* addr u16, then whole 64-bit words. */
static uint8_t cmd_write_mem(mmf_dev_t *d, const uint8_t *p, uint32_t len)
{
	uint32_t addr, n, i;

	if (len < 2 || (len - 2u) % 8u != 0)
		return MMF_ST_BAD_LENGTH;
	addr = get16(p);
	n = (len - 2u) / 8u;
	if (addr + n > d->cfg.wmem_words)
		return MMF_ST_BAD_ADDRESS;
	for (i = 0; i < WRITE_MEM_MAX; i++) {
		if (i >= n)
			break;
		d->wmem[addr + i] = get64(p + 2u + 8u * i);
	}
	return MMF_ST_OK;
}

static uint8_t cmd_read_mem(mmf_dev_t *d, const uint8_t *p, uint32_t len)
{
	uint32_t addr, count, i;

	if (len != RANGE_LEN)
		return MMF_ST_BAD_LENGTH;
	addr = get16(p);
	count = get16(p + 2);
	if (count > MMF_READ_MEM_MAX)
		return MMF_ST_TOO_MANY;
	if (addr + count > d->cfg.wmem_words)
		return MMF_ST_BAD_ADDRESS;
	for (i = 0; i < MMF_READ_MEM_MAX; i++) {
		if (i >= count)
			break;
		tx_put32(d, (uint32_t)d->wmem[addr + i]);
		tx_put32(d, (uint32_t)(d->wmem[addr + i] >> 32));
	}
	return MMF_ST_OK;
}

/* engine u8 (bit 0x80: more follows, bit 0x40: first packet of a vector), then int8 activations appended to the slot's vector; the
 * final packet loads the whole vector into the engine. */
static uint8_t cmd_load_act(mmf_dev_t *d, const uint8_t *p, uint32_t len)
{
	uint32_t e, k, i, cols;

	if (len < 1)
		return MMF_ST_BAD_LENGTH;
	e = p[0] & MMF_LOAD_ENGINE;
	if (e >= d->cfg.n_engines)
		return MMF_ST_BAD_ENGINE;
	d->loaded[e] = 0;
	if (p[0] & MMF_LOAD_FIRST)
		d->act_n[e] = 0;        /* a new vector: whatever a failed load left is dropped */
	k = len - 1u;
	if (d->act_n[e] + k > eng_max_cols(d, e)) {
		d->act_n[e] = 0;        /* the vector is lost: the host starts it again */
		return MMF_ST_TOO_MANY;
	}
	for (i = 0; i < MMF_MAX_PAYLOAD - 1; i++) {
		if (i >= k)
			break;
		d->act[e][d->act_n[e] + i] = (int8_t)p[1 + i];
	}
	d->act_n[e] += k;
	if (p[0] & MMF_LOAD_MORE)
		return MMF_ST_OK;
	cols = d->act_n[e];
	d->act_n[e] = 0;
	if (cols == 0 || eng_load(d, e, cols) != 0)
		return MMF_ST_BAD_LENGTH;   /* an empty vector (a final packet with nothing gathered) */
	d->loaded[e] = 1;
	return MMF_ST_OK;
}

/* engine u8, base u16, words u16: stream the words through the engine; answer rows u16. */
static uint8_t cmd_run(mmf_dev_t *d, const uint8_t *p, uint32_t len)
{
	uint32_t e, base, words, wpr, rows;

	if (len != RUN_LEN)
		return MMF_ST_BAD_LENGTH;
	e = p[0];
	base = get16(p + 1);
	words = get16(p + 3);
	if (e >= d->cfg.n_engines)
		return MMF_ST_BAD_ENGINE;
	if (!d->loaded[e])
		return MMF_ST_NOT_LOADED;
	if (base + words > d->cfg.wmem_words)
		return MMF_ST_BAD_ADDRESS;
	/* rows of wpr words, the last one possibly short: checked before anything is written */
	wpr = eng_words_per_row(d, e);
	if ((words + wpr - 1u) / wpr > MMF_RES_ROWS)
		return MMF_ST_TOO_MANY;
	rows = eng_matvec(d, e, base, words);
	d->res_rows = (uint16_t)rows;
	/* the RTL streams one word per cycle in its steady state */
	d->cnt[MMF_CNT_BUSY0 + e] += words;
	cnt_add_macs(d, rows * eng_cols(d, e));
	tx_put16(d, (uint16_t)rows);
	return MMF_ST_OK;
}

static uint8_t cmd_read_res(mmf_dev_t *d, const uint8_t *p, uint32_t len)
{
	uint32_t first, count, i;

	if (len != RANGE_LEN)
		return MMF_ST_BAD_LENGTH;
	first = get16(p);
	count = get16(p + 2);
	if (count > MMF_READ_RES_MAX)
		return MMF_ST_TOO_MANY;
	if (first + count > d->res_rows)
		return MMF_ST_BAD_ADDRESS;
	for (i = 0; i < MMF_READ_RES_MAX; i++) {
		if (i >= count)
			break;
		tx_put32(d, (uint32_t)d->res[first + i]);
	}
	return MMF_ST_OK;
}

static uint8_t cmd_read_counters(mmf_dev_t *d, uint32_t len)
{
	uint32_t i;

	if (len != 0)
		return MMF_ST_BAD_LENGTH;
	for (i = 0; i < MMF_N_COUNTERS; i++)
		tx_put32(d, d->cnt[i]);
	return MMF_ST_OK;
}

/* Engines (loaded vectors, gathering), results and counters back to reset; weight memory kept. */
static void dev_reset_engines(mmf_dev_t *d)
{
	uint32_t e, i;

	for (e = 0; e < MMF_MAX_ENGINES; e++) {
		d->loaded[e] = 0;
		d->act_n[e] = 0;
		if (e < d->cfg.n_engines)
			(void)eng_init(d, e);   /* cannot fail: mmf_dev_init accepted this slot */
	}
	for (i = 0; i < MMF_RES_ROWS; i++)
		d->res[i] = 0;
	d->res_rows = 0;
	cnt_clear(d);
}

static uint8_t cmd_execute(mmf_dev_t *d, uint8_t type, const uint8_t *p, uint32_t len)
{
	switch (type) {
	case MMF_CMD_SYNC:
		return len != 0 ? MMF_ST_BAD_LENGTH : MMF_ST_OK;   /* the sequence layer does the rest */
	case MMF_CMD_INFO:
		return cmd_info(d, len);
	case MMF_CMD_WRITE_MEM:
		return cmd_write_mem(d, p, len);
	case MMF_CMD_READ_MEM:
		return cmd_read_mem(d, p, len);
	case MMF_CMD_LOAD_ACT:
		return cmd_load_act(d, p, len);
	case MMF_CMD_RUN:
		return cmd_run(d, p, len);
	case MMF_CMD_READ_RES:
		return cmd_read_res(d, p, len);
	case MMF_CMD_READ_COUNTERS:
		return cmd_read_counters(d, len);
	case MMF_CMD_I2C:
		return cmd_i2c(d, p, len);
	case MMF_CMD_CLEAR_COUNTERS:
		if (len != 0)
			return MMF_ST_BAD_LENGTH;
		cnt_clear(d);
		return MMF_ST_OK;
	default: /* MMF_CMD_RESET: the sequence layer lets only known types through */
		if (len != 0)
			return MMF_ST_BAD_LENGTH;
		dev_reset_engines(d);
		return MMF_ST_OK;
	}
}

/* ==== sequence: CRC, type, sequence number; execute, repeat or NAK ========================== */

static int cmd_known(const mmf_dev_t *d, uint8_t type)
{
	return (type == MMF_CMD_I2C && d->cfg.i2c) || type == MMF_CMD_SYNC || type == MMF_CMD_INFO || type == MMF_CMD_WRITE_MEM ||
	       type == MMF_CMD_READ_MEM || type == MMF_CMD_LOAD_ACT || type == MMF_CMD_RUN ||
	       type == MMF_CMD_READ_RES || type == MMF_CMD_READ_COUNTERS ||
	       type == MMF_CMD_CLEAR_COUNTERS || type == MMF_CMD_RESET;
}

/* Commands that only read: a repeat runs them again. */
static int cmd_reads(uint8_t type)
{
	return type == MMF_CMD_INFO || type == MMF_CMD_READ_MEM || type == MMF_CMD_READ_RES ||
	       type == MMF_CMD_READ_COUNTERS || type == MMF_CMD_I2C;
}

/* Run the command and build its answer: status, then data only if the status is OK. */
static uint8_t seq_execute(mmf_dev_t *d, uint8_t type, uint8_t seq, const uint8_t *p, uint32_t len)
{
	uint8_t st;

	tx_begin(d, (uint8_t)(type | MMF_RESP), seq);
	tx_put8(d, MMF_ST_OK);          /* status slot, written below */
	d->cnt[MMF_CNT_EXECUTED]++;     /* before the command, which may clear the counters */
	st = cmd_execute(d, type, p, len);
	if (st != MMF_ST_OK)
		d->tx_len = TX_STATUS + 1u; /* drop any data a failing command began */
	d->tx_buf[TX_STATUS] = st;
	tx_end(d);
	return st;
}

static void seq_record(mmf_dev_t *d, uint8_t type, uint8_t seq, uint8_t st)
{
	d->last_seq = seq;
	d->last_type = type;
	d->last_status = st;
}

/* A repeat of a state-changing command: its stored answer, without running it again. RUN's data,
 * the row count, is still res_rows: only a later command could have changed it. */
static void seq_repeat(mmf_dev_t *d, uint8_t seq)
{
	tx_begin(d, (uint8_t)(d->last_type | MMF_RESP), seq);
	tx_put8(d, d->last_status);
	if (d->last_type == MMF_CMD_RUN && d->last_status == MMF_ST_OK)
		tx_put16(d, d->res_rows);
	tx_end(d);
	d->cnt[MMF_CNT_REPEATS]++;
}

static int rx_crc_ok(const mmf_dev_t *d)
{
	uint32_t n = d->rx_need - MMF_CRC_BYTES, crc = 0, i;

	/* the CRC covers type .. payload, everything in rx_buf before the CRC itself */
	for (i = 0; i < MMF_MAX_PACKET; i++) {
		if (i >= n)
			break;
		crc = mmf_crc32_byte(crc, d->rx_buf[i]);
	}
	return crc == get32(&d->rx_buf[n]);
}

/* A complete packet in rx_buf, the transmitter empty: answer it. */
static void seq_packet(mmf_dev_t *d)
{
	uint8_t type = d->rx_buf[0], seq = d->rx_buf[1], st;
	uint32_t len = get16(&d->rx_buf[2]);
	const uint8_t *p = &d->rx_buf[RX_HDR];
	uint8_t next = (uint8_t)(d->last_seq + 1u);

	if (!rx_crc_ok(d)) {
		d->cnt[MMF_CNT_CRC_ERRORS]++;
		tx_nak(d, seq, MMF_NAK_CRC);
		return;
	}
	if (!cmd_known(d, type)) {
		tx_nak(d, seq, MMF_NAK_UNKNOWN_TYPE);   /* takes no sequence number */
		return;
	}
	if (type == MMF_CMD_SYNC) {
		/* any seq: the host starts here; last = seq */
		st = seq_execute(d, type, seq, p, len);
		if (st == MMF_ST_OK) {
			d->synced = 1;
			seq_record(d, type, seq, st);
		}
		return;
	}
	if (!d->synced || (seq != next && (seq != d->last_seq || type != d->last_type))) {
		tx_nak(d, seq, MMF_NAK_OUT_OF_ORDER);
		return;
	}
	if (seq == next || cmd_reads(type)) {
		st = seq_execute(d, type, seq, p, len);
		seq_record(d, type, seq, st);
		return;
	}
	seq_repeat(d, seq);
}

/* ==== receiver: hunt, header, body ========================================================== */

/* A complete packet waits for the transmitter to drain. */
static int rx_held(const mmf_dev_t *d)
{
	return d->rx_state == MMF_RX_BODY && d->rx_n == d->rx_need;
}

static void rx_complete(mmf_dev_t *d)
{
	d->rx_state = MMF_RX_HUNT0;
	d->rx_idle = 0;
	seq_packet(d);
}

/* One byte through the receiver. Returns 1 when it rejected a header (hchk or len): rx_buf[0..4]
 * then hold the rejected header and the caller re-scans them. */
static int rx_step(mmf_dev_t *d, uint8_t b)
{
	uint16_t len;
	int hchk_ok;

	switch (d->rx_state) {
	case MMF_RX_HUNT0:
		if (b == MMF_SYNC0)
			d->rx_state = MMF_RX_HUNT1;
		return 0;
	case MMF_RX_HUNT1:
		/* A5 A5 5A: the second A5 may be the sync, so stay */
		if (b == MMF_SYNC1) {
			d->rx_state = MMF_RX_HEADER;
			d->rx_n = 0;
		} else if (b != MMF_SYNC0) {
			d->rx_state = MMF_RX_HUNT0;
		}
		return 0;
	case MMF_RX_HEADER:
		d->rx_buf[d->rx_n++] = b;
		if (d->rx_n < RX_HDR)
			return 0;
		len = get16(&d->rx_buf[2]);
		hchk_ok = b == mmf_hchk(d->rx_buf[0], d->rx_buf[1], len);
		if (!hchk_ok || len > MMF_MAX_PAYLOAD) {
			d->cnt[MMF_CNT_CRC_ERRORS]++;
			if (hchk_ok && d->tx_len == 0)
				tx_nak(d, d->rx_buf[1], MMF_NAK_TOO_LONG);
			d->rx_state = MMF_RX_HUNT0;
			return 1;
		}
		d->rx_need = RX_HDR + len + MMF_CRC_BYTES;
		d->rx_state = MMF_RX_BODY;
		return 0;
	default: /* MMF_RX_BODY: payload and CRC */
		d->rx_buf[d->rx_n++] = b;
		if (d->rx_n == d->rx_need && d->tx_len == 0)
			rx_complete(d);
		return 0;   /* complete with tx busy: held (rx_held) until mmf_dev_tx drains */
	}
}

/* Hunt again from the byte after the rejected header's A5. That byte is the 5A, which cannot begin a
 * sync in HUNT0, so the five bytes type..hchk are fed back. Five bytes cannot hold a sync and a whole
 * header (seven), so this re-scan never rejects a header itself and never completes a packet. */
static void rx_rescan(mmf_dev_t *d)
{
	uint8_t hdr[RX_HDR];
	uint32_t i;

	for (i = 0; i < RX_HDR; i++)
		hdr[i] = d->rx_buf[i];  /* the re-scan may write rx_buf again */
	for (i = 0; i < RX_HDR; i++)
		(void)rx_step(d, hdr[i]);
}

/* ==== the link side: public functions ======================================================= */

void mmf_dev_rx(mmf_dev_t *d, uint8_t byte)
{
	d->cnt[MMF_CNT_BYTES_IN]++;
	d->rx_idle = 0;
	if (rx_held(d))
		return;                 /* one packet waits for the transmitter: this byte is lost */
	if (rx_step(d, byte))
		rx_rescan(d);
}

void mmf_dev_tick(mmf_dev_t *d, uint32_t cycles)
{
	d->cnt[MMF_CNT_CYCLES] += cycles;
	if (d->rx_state == MMF_RX_HUNT0 || rx_held(d))
		return;
	/* rx_idle <= MMF_RX_TIMEOUT_CYCLES here, so the sum cannot wrap */
	if (cycles > MMF_RX_TIMEOUT_CYCLES)
		d->rx_idle = MMF_RX_TIMEOUT_CYCLES + 1u;
	else
		d->rx_idle += cycles;
	if (d->rx_idle > MMF_RX_TIMEOUT_CYCLES) {
		d->rx_state = MMF_RX_HUNT0;     /* the partial packet is dropped */
		d->rx_idle = 0;
	}
}

int mmf_dev_tx(mmf_dev_t *d, uint8_t *byte)
{
	if (d->tx_pos >= d->tx_len)
		return 0;
	*byte = d->tx_buf[d->tx_pos++];
	d->cnt[MMF_CNT_BYTES_OUT]++;
	if (d->tx_pos == d->tx_len) {
		d->tx_len = 0;
		d->tx_pos = 0;
		if (rx_held(d))
			rx_complete(d);         /* the packet that waited for this response */
	}
	return 1;
}

/* Every field to a defined value: buffers, memory, sequence state, counters, all three models. */
static void dev_zero(mmf_dev_t *d)
{
	uint32_t i, e;

	d->rx_state = MMF_RX_HUNT0;
	d->rx_n = d->rx_need = d->rx_idle = 0;
	for (i = 0; i < MMF_MAX_PACKET; i++) {
		d->rx_buf[i] = 0;
		d->tx_buf[i] = 0;
	}
	d->last_seq = d->last_type = d->last_status = d->synced = 0;
	d->tx_len = d->tx_pos = 0;
	for (i = 0; i < MMF_WMEM_WORDS; i++)
		d->wmem[i] = 0;
	for (e = 0; e < MMF_MAX_ENGINES; e++)
		for (i = 0; i < TAC_ACT_WORDS * TAC_LANES_MAX; i++)
			d->act[e][i] = 0;
	/* valid parameters, so these zero the models; configured slots are initialised again */
	(void)mmf_eng_init(&d->eng, MMF_FMT_TAC2, 1);
	(void)mmf_eng_init(&d->eng, MMF_FMT_SAC4, 1);
	(void)mmf_eng_init(&d->eng, MMF_FMT_LUT3, LUT_GROUP);
	d->cfg.n_engines = 0;
	d->cfg.i2c = 0;
	mmf_i2c_bus_init(&d->i2c, 0, INA226_ADDR_DEFAULT, 0, 0);   /* nothing on the bus */
	dev_reset_engines(d);
}

int mmf_dev_init(mmf_dev_t *d, const mmf_dev_cfg_t *cfg)
{
	uint32_t e, seen = 0;

	dev_zero(d);
	/* field by field: a struct assignment may become a memcpy call */
	d->cfg.board_id = cfg->board_id;
	d->cfg.link = cfg->link;
	d->cfg.n_engines = cfg->n_engines;
	d->cfg.clock_hz = cfg->clock_hz;
	d->cfg.link_rate = cfg->link_rate;
	d->cfg.wmem_words = cfg->wmem_words;
	d->cfg.git_rev = cfg->git_rev;
	d->cfg.i2c = cfg->i2c ? 1u : 0u;
	for (e = 0; e < MMF_MAX_ENGINES; e++) {
		d->cfg.engine[e].id = cfg->engine[e].id;
		d->cfg.engine[e].format = cfg->engine[e].format;
		d->cfg.engine[e].lanes = cfg->engine[e].lanes;
		d->cfg.engine[e].lg_act = cfg->engine[e].lg_act;
	}
	if (cfg->n_engines < 1 || cfg->n_engines > MMF_MAX_ENGINES)
		return -1;
	if (cfg->wmem_words < 1 || cfg->wmem_words > MMF_WMEM_WORDS)
		return -1;
	for (e = 0; e < MMF_MAX_ENGINES; e++) {
		if (e >= cfg->n_engines)
			break;
		/* one model of each kind stands behind the slots */
		if (!eng_cfg_ok(&cfg->engine[e]) || (seen & (1u << cfg->engine[e].id)))
			return -1;
		seen |= 1u << cfg->engine[e].id;
		if (eng_init(d, e) != 0)
			return -1;
	}
	return 0;
}
