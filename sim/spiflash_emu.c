/*
 * spiflash_emu.c: the SPI NOR flash model (see spiflash_emu.h).
 */
#include <string.h>

#include "spiflash_emu.h"

/* Commands (W25Q128JV datasheet, section 8). */
enum {
	FC_WRSR1 = 0x01,            /* Write Status Register 1 (2 with a second byte) */
	FC_PP = 0x02,               /* Page Program */
	FC_READ = 0x03,             /* Read Data */
	FC_WRDI = 0x04,             /* Write Disable */
	FC_RDSR1 = 0x05,            /* Read Status Register 1 */
	FC_WREN = 0x06,             /* Write Enable */
	FC_FAST = 0x0B,             /* Fast Read (one dummy byte) */
	FC_WRSR3 = 0x11,            /* Write Status Register 3 */
	FC_RDSR3 = 0x15,            /* Read Status Register 3 */
	FC_SE = 0x20,               /* Sector Erase, 4 KiB */
	FC_WRSR2 = 0x31,            /* Write Status Register 2 */
	FC_RDSR2 = 0x35,            /* Read Status Register 2 */
	FC_VWREN = 0x50,            /* Volatile SR Write Enable */
	FC_BE32 = 0x52,             /* Block Erase, 32 KiB */
	FC_CE2 = 0x60,              /* Chip Erase (second opcode) */
	FC_RSTEN = 0x66,            /* Enable Reset */
	FC_MFID = 0x90,             /* Manufacturer / Device ID */
	FC_RST = 0x99,              /* Reset Device */
	FC_JEDEC = 0x9F,            /* JEDEC ID */
	FC_RPD = 0xAB,              /* Release Power-down / Device ID */
	FC_PD = 0xB9,               /* Power-down */
	FC_CE = 0xC7,               /* Chip Erase */
	FC_BE64 = 0xD8,             /* Block Erase, 64 KiB */
};

void spiflash_init(struct spiflash *f, uint8_t *mem, uint32_t size, const uint8_t id[3])
{
	static const uint64_t typ[SF_N_OPS] = {
		[SF_OP_PROGRAM] = 400000, [SF_OP_ERASE4] = 45000000, [SF_OP_ERASE32] = 120000000,
		[SF_OP_ERASE64] = 150000000, [SF_OP_CHIP] = 40000000000ull, [SF_OP_STATUS] = 10000000,
	};

	memset(f, 0, sizeof(*f));
	f->mem = mem;
	f->size = size;
	memcpy(f->id, id, 3);
	memcpy(f->op_ns, typ, sizeof(typ));
	f->miso = 1;
	f->dirty_lo = size;
}

void spiflash_time(struct spiflash *f, uint64_t ns)
{
	if (ns > f->now)
		f->now = ns;
	if ((f->sr[0] & SF_SR1_BUSY) && f->now >= f->busy_until)
		f->sr[0] &= (uint8_t)~(SF_SR1_BUSY | SF_SR1_WEL);
}

/* The protected range [*lo, *hi) before CMP: the datasheet's table (CMP = 0) for a part of any size:
 * BP 1..6 protect 1/64 .. 1/2 of it (SEC = 0) or 4, 8, 16, 32, 32, 32 KiB (SEC = 1), at the top
 * (TB = 0) or the bottom (TB = 1); BP 7 the whole part. */
static void bp_range(const struct spiflash *f, uint32_t *lo, uint32_t *hi)
{
	unsigned bp = (f->sr[0] & SF_SR1_BP) >> 2;
	uint32_t len;

	if (bp == 0) {
		*lo = *hi = 0;
		return;
	}
	if (bp == 7) {
		*lo = 0;
		*hi = f->size;
		return;
	}
	if (f->sr[0] & SF_SR1_SEC)
		len = bp <= 3 ? 4096u << (bp - 1) : 32768u;
	else
		len = (f->size / 64) << (bp - 1);
	*lo = (f->sr[0] & SF_SR1_TB) ? 0 : f->size - len;
	*hi = *lo + len;
}

int spiflash_protected(const struct spiflash *f, uint32_t addr, uint32_t len)
{
	uint32_t lo, hi, end = addr + len;
	int in;

	bp_range(f, &lo, &hi);
	if (!(f->sr[1] & SF_SR2_CMP))
		return lo < hi && addr < hi && end > lo;
	/* CMP = 1: everything outside [lo, hi) is protected; the range is protected unless it lies inside */
	in = addr >= lo && end <= hi;
	return !in;
}

static void dirty(struct spiflash *f, uint32_t addr, uint32_t len)
{
	if (addr < f->dirty_lo)
		f->dirty_lo = addr;
	if (addr + len > f->dirty_hi)
		f->dirty_hi = addr + len;
}

/* Start an operation: BUSY for its time. */
static void busy(struct spiflash *f, int op)
{
	f->sr[0] |= SF_SR1_BUSY;
	f->busy_until = f->now + f->op_ns[op];
}

/* An erase of the aligned block of `len` bytes holding addr. */
static void erase(struct spiflash *f, uint32_t addr, uint32_t len, int op)
{
	addr &= ~(len - 1) & (f->size - 1);
	if (!(f->sr[0] & SF_SR1_WEL) || spiflash_protected(f, addr, len)) {
		f->refused++;
		return;
	}
	memset(f->mem + addr, 0xFF, len);
	dirty(f, addr, len);
	f->erases++;
	busy(f, op);
}

/* The select rose after `n` whole bytes (bits left over: the command is dropped, as on the chip). */
static void end_command(struct spiflash *f)
{
	uint8_t c = f->cmd;
	uint32_t page, i;

	if (f->bits || f->n == 0 || f->powered_down || (f->sr[0] & SF_SR1_BUSY))
		return;
	if (c == FC_WREN || c == FC_VWREN) {
		if (f->n == 1)
			f->sr[0] |= SF_SR1_WEL;
	} else if (c == FC_WRDI) {
		f->sr[0] &= (uint8_t)~SF_SR1_WEL;
	} else if (c == FC_WRSR1 || c == FC_WRSR2 || c == FC_WRSR3) {
		if (f->n < 2)
			return;
		if (!(f->sr[0] & SF_SR1_WEL) || (f->sr[1] & SF_SR2_SRL)) {
			f->refused++;
			return;
		}
		if (c == FC_WRSR1) {
			f->sr[0] = (uint8_t)((f->wsr[0] & 0xFC) | (f->sr[0] & 0x03));
			if (f->n >= 3)
				f->sr[1] = f->wsr[1];
		} else {
			f->sr[c == FC_WRSR2 ? 1 : 2] = f->wsr[0];
		}
		busy(f, SF_OP_STATUS);
	} else if (c == FC_PP) {
		if (f->n < 5)
			return;
		page = f->addr & ~0xFFu & (f->size - 1);
		if (!(f->sr[0] & SF_SR1_WEL) || spiflash_protected(f, page, 256)) {
			f->refused++;
			return;
		}
		for (i = 0; i < 256; i++)
			if (f->latched[i])
				f->mem[page + i] &= f->page[i];
		dirty(f, page, 256);
		f->programs++;
		busy(f, SF_OP_PROGRAM);
	} else if (c == FC_SE && f->n == 4) {
		erase(f, f->addr, 4096, SF_OP_ERASE4);
	} else if (c == FC_BE32 && f->n == 4) {
		erase(f, f->addr, 32768, SF_OP_ERASE32);
	} else if (c == FC_BE64 && f->n == 4) {
		erase(f, f->addr, 65536, SF_OP_ERASE64);
	} else if ((c == FC_CE || c == FC_CE2) && f->n == 1) {
		erase(f, 0, f->size, SF_OP_CHIP);
	} else if (c == FC_PD && f->n == 1) {
		f->powered_down = 1;
	} else if (c == FC_RSTEN && f->n == 1) {
		f->reset_enabled = 1;
		return;
	} else if (c == FC_RST && f->n == 1 && f->reset_enabled) {
		f->sr[0] &= (uint8_t)~SF_SR1_WEL;
	}
	f->reset_enabled = 0;
}

/* Byte k (0: the opcode) of a command has come in: what goes out next. */
static uint8_t take_byte(struct spiflash *f, uint8_t b)
{
	uint32_t k = f->n++;

	if (k == 0) {
		f->cmd = b;
		f->addr = 0;
		if (f->cmd == FC_RPD && f->powered_down)
			f->powered_down = 0;
		if (f->cmd == FC_PP)
			memset(f->latched, 0, sizeof(f->latched));
	}
	if (f->powered_down)
		return 0xFF;
	/* while busy only the status registers answer */
	if ((f->sr[0] & SF_SR1_BUSY) && f->cmd != FC_RDSR1 && f->cmd != FC_RDSR2 && f->cmd != FC_RDSR3)
		return 0xFF;
	switch (f->cmd) {
	case FC_RDSR1: return f->sr[0];
	case FC_RDSR2: return f->sr[1];
	case FC_RDSR3: return f->sr[2];
	case FC_JEDEC: return k < 3 ? f->id[k] : 0x00;
	case FC_RPD: return k >= 3 ? (uint8_t)(f->id[2] - 1) : 0xFF;      /* device ID: 0x17 for 0x18 */
	case FC_MFID: return k >= 3 ? ((k & 1) ? f->id[0] : (uint8_t)(f->id[2] - 1)) : 0xFF;
	case FC_WRSR1:
	case FC_WRSR2:
	case FC_WRSR3:
		if (k >= 1 && k <= 2)
			f->wsr[k - 1] = b;
		return 0xFF;
	case FC_READ:
	case FC_FAST:
	case FC_PP:
	case FC_SE:
	case FC_BE32:
	case FC_BE64:
		if (k >= 1 && k <= 3) {
			f->addr = (f->addr << 8 | b) & (f->size - 1);
			if (k < 3 || f->cmd != FC_READ)
				return 0xFF;
		}
		if (f->cmd == FC_PP && k >= 4) {
			/* the page's bytes wrap within it; a later byte at an offset replaces an earlier one */
			uint32_t off = (f->addr + k - 4) & 0xFF;
			f->page[off] = b;
			f->latched[off] = 1;
			return 0xFF;
		}
		if (f->cmd == FC_READ && k >= 3)
			return f->mem[(f->addr + k - 3) & (f->size - 1)];
		if (f->cmd == FC_FAST && k >= 4)
			return f->mem[(f->addr + k - 4) & (f->size - 1)];
		return 0xFF;
	}
	return 0xFF;
}

int spiflash_pins(struct spiflash *f, int cs_n, int sck, int mosi)
{
	if (cs_n) {
		if (f->selected)
			end_command(f);
		f->selected = 0;
		f->sck = sck;
		f->miso = 1;
		return 1;
	}
	if (!f->selected) {
		/* the select fell: a new command */
		f->selected = 1;
		f->n = 0;
		f->bits = 0;
		f->out = 0xFF;
		f->miso = 1;
	} else if (sck && !f->sck) {
		/* rising edge: MOSI in */
		f->in = (uint8_t)(f->in << 1 | (mosi & 1));
		if (++f->bits == 8) {
			f->bits = 0;
			f->out = take_byte(f, f->in);
		}
	} else if (!sck && f->sck) {
		/* falling edge: the next bit out (the first of a byte once the last came in) */
		f->miso = (f->out >> (7 - f->bits)) & 1;
	}
	f->sck = sck;
	return f->miso;
}
