/*
 * ice40_cfg.h: the configuration side of an emulated iCE40 board, as the FTDI chip's channel A sees
 * it (sim/usb_emu.c): the SPI flash (sim/spiflash_emu.c) kept in a file, CRESET_B, CDONE, and the
 * iCE40's own configuration: from the flash when CRESET_B rises with the select high (SPI master
 * boot), or as an SPI slave when the select is low at that moment (what `iceprog -S` does). CDONE goes
 * high only for a bitstream that is ours for this board: byte for byte the reference bitstream
 * (build/<board>/mmfree.bin), which must itself start with the iCE40 preamble 7E AA 99 7E.
 *
 * The pins are the iCEBreaker's channel A (docs/boards.md): ADBUS0 SCK, 1 MOSI, 2 MISO, 4 the flash's
 * select (also the iCE40's SPI_SS_B), 6 CDONE (in), 7 CRESET_B (out). A pin that is no output floats
 * high (the board's pull-ups), so CRESET_B released is CRESET_B high.
 */
#ifndef MMF_ICE40_CFG_H
#define MMF_ICE40_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "spiflash_emu.h"

enum {
	ICE40_PIN_SCK = 0x01, ICE40_PIN_MOSI = 0x02, ICE40_PIN_MISO = 0x04, ICE40_PIN_SS = 0x10,
	ICE40_PIN_CDONE = 0x40, ICE40_PIN_CRESET = 0x80,
	ICE40_DUMMY_BITS = 49,      /* SCK cycles after the bitstream before CDONE (iceprog sends 49) */
};

struct ice40_cfg_opts {
	const char *flash_path;     /* the flash's contents (created erased when missing) */
	uint8_t id[3];              /* the flash's JEDEC ID */
	uint8_t sr1;                /* its status register 1 at power-up (protection bits) */
	uint32_t flash_bytes;       /* its size */
	const char *bitstream;      /* the reference bitstream, or NULL: CDONE then never rises */
};

struct ice40_cfg {
	struct spiflash flash;      /* the part */
	uint8_t *mem;               /* its array */
	char *path;                 /* the file it is kept in */
	int created;                /* the file did not exist: written at close even if untouched */
	unsigned mode;              /* the file's permission bits, kept when it is rewritten */
	uint8_t *ref;               /* the reference bitstream */
	size_t ref_len;
	char *ref_path;             /* its path, resolved */
	uint64_t t0;                /* CLOCK_MONOTONIC at open, ns: the flash's time runs from here */
	int creset_b;               /* CRESET_B at the last call */
	int cdone;                  /* CDONE */
	int slave;                  /* SPI slave configuration running (SS low when CRESET_B rose) */
	int sck;                    /* SCK at the last call */
	uint8_t *cfg;               /* slave: the bytes clocked in (ref_len of them kept) */
	uint64_t cfg_bits;          /* ... and how many bits in all */
	uint8_t cfg_byte;           /* ... the byte coming in */
	int cfg_ok;                 /* ... every byte so far matches the reference */
	uint64_t boots, configs;    /* flash boots tried; configurations that raised CDONE */
	char why[256];              /* why CDONE is low after the last attempt ("" before any) */
};

/* Open the flash file (a missing one is erased; a symlink, a file that is no regular file or one of
 * another size is refused) and the reference bitstream. 0, or -1 with the reason in err. */
int ice40_cfg_open(struct ice40_cfg *c, const struct ice40_cfg_opts *o, char *err, size_t len);

/* The port: every ADBUS level for `cycles` (the callback of struct mpsse_pins); returns the levels the
 * board drives: MISO and CDONE. ctx: the struct ice40_cfg. */
uint8_t ice40_cfg_port(void *ctx, uint8_t adbus, uint32_t cycles);

/* Write the flash back to its file when it changed (or was created), through a new file renamed over
 * it; free everything. 0, or -1 with the reason in err. */
int ice40_cfg_close(struct ice40_cfg *c, char *err, size_t len);

/* Whether buf starts (after 0xFF padding and an optional comment) with the iCE40 preamble. */
int ice40_has_preamble(const uint8_t *buf, size_t len);

#endif
