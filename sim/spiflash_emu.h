/*
 * spiflash_emu.h: a model of a board's SPI NOR configuration flash, pin by pin, for the emulated FTDI
 * chips of sim/usb_emu.c (what iceprog and openFPGALoader program). The iCEBreaker's part is a Winbond
 * W25Q128JV (16 MiB, JEDEC ID EF 40 18); the commands and times follow its datasheet:
 *
 *   0x9F JEDEC ID          0x90 manufacturer/device ID     0xAB release power-down (device ID 0x17)
 *   0xB9 power-down        0x05 / 0x35 / 0x15 read status register 1 / 2 / 3
 *   0x06 / 0x04 write enable / disable   0x50 write enable for volatile status (taken as 0x06)
 *   0x01 write status 1 (and 2)   0x31 write status 2   0x11 write status 3
 *   0x02 page program (256-byte pages: an address past the page's end wraps to its start; more than
 *        256 bytes keep the last 256)
 *   0x20 / 0x52 / 0xD8 erase 4 / 32 / 64 KiB   0xC7 (or 0x60) chip erase
 *   0x03 read   0x0B fast read (one dummy byte)   0x66 then 0x99 reset
 * Programming only clears bits (1 -> 0); erasing sets them. Write, program and erase need the
 * write-enable latch (WEL) and run only when the select rises after the last whole byte; they clear
 * WEL when they end. While BUSY (status 1 bit 0) the part answers only status reads. Write protection:
 * BP2..0, TB, SEC (status 1) and CMP (status 2) protect a range as the datasheet's table says; a
 * program or erase touching it is ignored (no BUSY), as on the chip. In power-down only 0xAB is heard.
 * SPI mode 0: MOSI is sampled on SCK's rising edge, MISO changes on its falling edge.
 */
#ifndef MMF_SPIFLASH_EMU_H
#define MMF_SPIFLASH_EMU_H

#include <stddef.h>
#include <stdint.h>

/* Status register bits. */
enum {
	SF_SR1_BUSY = 0x01, SF_SR1_WEL = 0x02, SF_SR1_BP = 0x1C, SF_SR1_TB = 0x20, SF_SR1_SEC = 0x40,
	SF_SR1_SRP = 0x80, SF_SR2_SRL = 0x01, SF_SR2_QE = 0x02, SF_SR2_CMP = 0x40,
};

/* Operation times in ns (W25Q128JV typical: tPP 0.4 ms, tSE 45 ms, tBE1 120 ms, tBE2 150 ms, tCE 40 s,
 * tW 10 ms). */
enum {
	SF_OP_PROGRAM, SF_OP_ERASE4, SF_OP_ERASE32, SF_OP_ERASE64, SF_OP_CHIP, SF_OP_STATUS, SF_N_OPS,
};

struct spiflash {
	uint8_t *mem;               /* the array (size bytes), owned by the caller */
	uint32_t size;              /* bytes: a power of two */
	uint8_t id[3];              /* JEDEC ID: manufacturer, memory type, capacity */
	uint8_t sr[3];              /* status registers 1..3 (BUSY and WEL in sr[0]) */
	uint64_t op_ns[SF_N_OPS];   /* how long each operation keeps BUSY set */
	uint64_t now;               /* the part's time, ns (spiflash_time) */
	uint64_t busy_until;        /* BUSY clears (and WEL with it) at this time */
	int powered_down;           /* after 0xB9, until 0xAB */
	int reset_enabled;          /* 0x66 was the last command */
	/* the command in progress, while the select is low */
	int selected;               /* CS low */
	int sck;                    /* SCK's level at the last call */
	int miso;                   /* what the part drives on MISO (1 when it does not) */
	uint8_t in;                 /* bits of the byte coming in */
	int bits;                   /* ... how many */
	uint8_t out;                /* the byte going out (MSB first) */
	uint32_t n;                 /* whole bytes of this command so far, the opcode included */
	uint8_t cmd;                /* the opcode */
	uint32_t addr;              /* its address as it comes, then the read address */
	uint8_t page[256];          /* page program: the bytes latched for the page */
	uint8_t latched[256];       /* ... 1 where a byte was latched */
	uint8_t wsr[2];             /* write status: the bytes given */
	/* what happened (for tests and notes) */
	uint64_t programs, erases;  /* operations run */
	uint64_t refused;           /* program / erase / status writes ignored (no WEL, protected, busy) */
	uint32_t dirty_lo, dirty_hi; /* the bytes changed: [lo, hi), empty when lo >= hi */
};

/* A fresh part: mem (size bytes) as the caller filled it, status registers zero, the datasheet's
 * typical times. id: 3 bytes. */
void spiflash_init(struct spiflash *f, uint8_t *mem, uint32_t size, const uint8_t id[3]);

/* The part's time is now `ns` (it never goes back): an operation that has run its time ends. */
void spiflash_time(struct spiflash *f, uint64_t ns);

/* The pins: select (low active), SCK, MOSI as they are now; returns MISO as the part drives it now
 * (1 when it does not drive it: the line's pull-up). */
int spiflash_pins(struct spiflash *f, int cs_n, int sck, int mosi);

/* Whether [addr, addr + len) touches the range the status registers protect. */
int spiflash_protected(const struct spiflash *f, uint32_t addr, uint32_t len);

#endif
