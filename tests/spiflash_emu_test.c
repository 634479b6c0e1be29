/*
 * spiflash_emu_test.c: the SPI NOR flash model of sim/spiflash_emu.c, driven pin by pin in SPI mode 0
 * as the MPSSE drives it (MOSI set while SCK is low, MISO read after the rising edge).
 *
 * Proves, on a 1 MiB part with the W25Q128JV's ID and its typical times: the JEDEC ID (EF 40 18, then
 * 0x00 as iceprog's fourth byte reads it); program and erase refused without the write-enable latch;
 * BUSY set for the operation's time (only status reads answer meanwhile, a write enable is ignored),
 * then BUSY and WEL clear; programming only clears bits; a page program wraps within its page and
 * keeps the last 256 bytes; 4 / 32 / 64 KiB erases clear exactly their aligned block, chip erase all;
 * read and fast read (one dummy byte) from any address; power-down hears only its release (which
 * answers the device ID 0x17); a command cut mid-byte does nothing; write protection: BP/TB/SEC/CMP
 * ranges as the datasheet's table has them, a protected erase or program ignored (no BUSY), status
 * writes refused once SRL is set.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "spiflash_emu.h"

enum { SIZE = 1 << 20 };

static struct spiflash F;
static uint8_t mem[SIZE];

/* One transaction: select, n bytes out (io[] in place: what came back), deselect; `bits` of the last
 * byte only when cut (0: whole bytes). */
static void xfer_bits(uint8_t *io, size_t n, int cut_bits)
{
	size_t i;
	int k;

	spiflash_pins(&F, 0, 0, 1);
	for (i = 0; i < n; i++) {
		uint8_t in = 0;
		int nb = (cut_bits && i == n - 1) ? cut_bits : 8;
		for (k = 0; k < nb; k++) {
			int bit = (io[i] >> (7 - k)) & 1;
			spiflash_pins(&F, 0, 0, bit);
			in = (uint8_t)(in << 1 | spiflash_pins(&F, 0, 1, bit));
		}
		spiflash_pins(&F, 0, 0, 1);
		io[i] = in;
	}
	spiflash_pins(&F, 1, 0, 1);
}

static void xfer(uint8_t *io, size_t n)
{
	xfer_bits(io, n, 0);
}

static void cmd1(uint8_t c)
{
	xfer(&c, 1);
}

static uint8_t status(int reg)
{
	uint8_t io[2] = { reg == 1 ? 0x05 : reg == 2 ? 0x35 : 0x15, 0 };
	xfer(io, 2);
	return io[1];
}

/* Let the running operation end. */
static void wait_ready(void)
{
	spiflash_time(&F, F.now + 50000000000ull);
}

static void cmd_addr(uint8_t c, uint32_t a)
{
	uint8_t io[4] = { c, (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a };
	xfer(io, 4);
}

static void program(uint32_t a, const uint8_t *d, size_t n)
{
	uint8_t *io = malloc(4 + n);
	io[0] = 0x02;
	io[1] = (uint8_t)(a >> 16);
	io[2] = (uint8_t)(a >> 8);
	io[3] = (uint8_t)a;
	memcpy(io + 4, d, n);
	xfer(io, 4 + n);
	free(io);
}

static void read_at(uint8_t c, uint32_t a, uint8_t *d, size_t n)
{
	size_t hdr = c == 0x0B ? 5 : 4;
	uint8_t *io = calloc(1, hdr + n);
	io[0] = c;
	io[1] = (uint8_t)(a >> 16);
	io[2] = (uint8_t)(a >> 8);
	io[3] = (uint8_t)a;
	xfer(io, hdr + n);
	memcpy(d, io + hdr, n);
	free(io);
}

static int all(uint32_t a, uint32_t n, uint8_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (mem[a + i] != v)
			return 0;
	return 1;
}

static void write_sr1(uint8_t v)
{
	uint8_t io[2] = { 0x01, v };
	cmd1(0x06);
	xfer(io, 2);
	wait_ready();
}

int main(int argc, char **argv)
{
	static const uint8_t id[3] = { 0xEF, 0x40, 0x18 };
	uint8_t io[8], d[600], r[600];
	uint32_t i;

	check_args(argc, argv, 0, NULL, "", "The W25Q128JV flash model of the emulated boards (sim/spiflash_emu.c).");
	memset(mem, 0xFF, sizeof(mem));
	spiflash_init(&F, mem, SIZE, id);

	/* the JEDEC ID, and the fourth byte iceprog reads as the extended length */
	memset(io, 0, sizeof(io));
	io[0] = 0x9F;
	xfer(io, 5);
	CHECK(io[1] == 0xEF && io[2] == 0x40 && io[3] == 0x18 && io[4] == 0x00,
	      "JEDEC ID %02x %02x %02x %02x", io[1], io[2], io[3], io[4]);

	/* no write enable: a program and an erase change nothing */
	mem[5] = 0x00;
	d[0] = 0x12;
	program(0, d, 1);
	cmd_addr(0x20, 0);
	CHECK(mem[0] == 0xFF && mem[5] == 0x00 && F.refused == 2 && !(status(1) & 1),
	      "without WEL: mem[0] %02x mem[5] %02x refused %llu", mem[0], mem[5],
	      (unsigned long long)F.refused);
	mem[5] = 0xFF;

	/* WEL, a program: BUSY for tPP, status reads only, then BUSY and WEL clear */
	cmd1(0x06);
	CHECK(status(1) == 0x02, "after 0x06: SR1 %02x", status(1));
	d[0] = 0xA5;
	d[1] = 0x0F;
	program(0x10, d, 2);
	CHECK(status(1) == 0x03, "programming: SR1 %02x (BUSY and WEL)", status(1));
	read_at(0x03, 0x10, r, 1);
	CHECK(r[0] == 0xFF, "a read while busy is not answered: %02x", r[0]);
	cmd1(0x06);
	spiflash_time(&F, F.now + 399999);
	CHECK(status(1) & 1, "still busy 1 ns before tPP");
	spiflash_time(&F, F.now + 1);
	CHECK(status(1) == 0x00, "after tPP: SR1 %02x", status(1));
	read_at(0x03, 0x10, r, 2);
	CHECK(r[0] == 0xA5 && r[1] == 0x0F, "programmed %02x %02x", r[0], r[1]);

	/* programming only clears bits */
	cmd1(0x06);
	d[0] = 0x5A;
	d[1] = 0xF3;
	program(0x10, d, 2);
	wait_ready();
	CHECK(mem[0x10] == 0x00 && mem[0x11] == 0x03, "1 -> 0 only: %02x %02x", mem[0x10], mem[0x11]);

	/* wrap-around within the page: 32 bytes from 0x1F0 land at 0x1F0..0x1FF and 0x100..0x10F */
	for (i = 0; i < 32; i++)
		d[i] = (uint8_t)i;
	cmd1(0x06);
	program(0x1F0, d, 32);
	wait_ready();
	CHECK(mem[0x1F0] == 0 && mem[0x1FF] == 15 && mem[0x100] == 16 && mem[0x10F] == 31 &&
	      mem[0x110] == 0xFF && mem[0x200] == 0xFF, "wrap: %02x %02x %02x %02x %02x %02x", mem[0x1F0],
	      mem[0x1FF], mem[0x100], mem[0x10F], mem[0x110], mem[0x200]);

	/* more than a page: the last 256 bytes count */
	for (i = 0; i < 300; i++)
		d[i] = (uint8_t)(i < 44 ? 0x00 : 0xFF - (i & 0x0F));
	cmd1(0x06);
	program(0x400, d, 300);
	wait_ready();
	for (i = 0; i < 256; i++)
		if (mem[0x400 + ((i + 44) & 0xFF)] != d[44 + i])
			break;
	CHECK(i == 256, "300 bytes: the last 256 kept (first difference at %u)", i);

	/* erases: each clears exactly its aligned block */
	memset(mem, 0x00, SIZE);
	cmd1(0x06);
	cmd_addr(0x20, 0x1234);
	CHECK(status(1) & 1, "4 KiB erase busy");
	spiflash_time(&F, F.now + 44999999);
	CHECK(status(1) & 1, "4 KiB erase still busy before tSE");
	wait_ready();
	CHECK(all(0x1000, 4096, 0xFF) && mem[0xFFF] == 0 && mem[0x2000] == 0, "4 KiB erase at 0x1234");
	cmd1(0x06);
	cmd_addr(0x52, 0x18000);
	wait_ready();
	CHECK(all(0x18000, 32768, 0xFF) && mem[0x17FFF] == 0 && mem[0x20000] == 0, "32 KiB erase");
	cmd1(0x06);
	cmd_addr(0xD8, 0x3FFFF);
	wait_ready();
	CHECK(all(0x30000, 65536, 0xFF) && mem[0x2FFFF] == 0 && mem[0x40000] == 0, "64 KiB erase");
	CHECK(F.erases == 3, "3 erases counted: %llu", (unsigned long long)F.erases);
	cmd1(0x06);
	cmd1(0xC7);
	wait_ready();
	CHECK(all(0, SIZE, 0xFF), "chip erase");

	/* read and fast read from an odd address, across a page */
	for (i = 0; i < 600; i++)
		d[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < 600; i += 256) {
		uint32_t a = 0x5000 + i;
		cmd1(0x06);
		program(a, d + i, 600 - i < 256 ? 600 - i : 256);
		wait_ready();
	}
	read_at(0x03, 0x5011, r, 500);
	CHECK(!memcmp(r, d + 0x11, 500), "read 500 bytes at 0x5011");
	read_at(0x0B, 0x5011, r, 500);
	CHECK(!memcmp(r, d + 0x11, 500), "fast read 500 bytes at 0x5011");

	/* power-down: nothing but the release is heard; the release answers the device ID */
	cmd1(0xB9);
	memset(io, 0, sizeof(io));
	io[0] = 0x9F;
	xfer(io, 4);
	CHECK(io[1] == 0xFF && io[2] == 0xFF, "powered down: JEDEC ID not answered (%02x)", io[1]);
	cmd1(0x06);
	cmd1(0xAB);
	CHECK(status(1) == 0x00, "0x06 unheard in power-down: SR1 %02x", status(1));
	memset(io, 0, sizeof(io));
	io[0] = 0xAB;
	xfer(io, 5);
	CHECK(io[4] == 0x17, "release power-down: device ID %02x", io[4]);

	/* a command cut mid-byte does nothing */
	cmd1(0x06);
	io[0] = 0x20;
	io[1] = 0x00;
	io[2] = 0x50;
	io[3] = 0x00;
	xfer_bits(io, 4, 5);
	CHECK(!(status(1) & 1) && mem[0x5000] == d[0], "erase cut after 29 bits: nothing erased");
	cmd1(0x04);

	/* protection: the table (1 MiB part: 1/64 = 16 KiB) */
	F.sr[0] = 1 << 2;             /* BP=001, TB=0: the top 16 KiB */
	CHECK(spiflash_protected(&F, SIZE - 16384, 1) && !spiflash_protected(&F, SIZE - 16385, 1),
	      "BP=1: top 16 KiB");
	F.sr[0] = 6 << 2 | SF_SR1_TB; /* BP=110, TB=1: the bottom half */
	CHECK(spiflash_protected(&F, SIZE / 2 - 1, 1) && !spiflash_protected(&F, SIZE / 2, 1),
	      "BP=6 TB: bottom half");
	F.sr[0] = 2 << 2 | SF_SR1_SEC; /* BP=010, SEC: the top 8 KiB */
	CHECK(spiflash_protected(&F, SIZE - 8192, 1) && !spiflash_protected(&F, SIZE - 8193, 1),
	      "BP=2 SEC: top 8 KiB");
	F.sr[1] = SF_SR2_CMP;         /* ... complemented: all but the top 8 KiB */
	CHECK(!spiflash_protected(&F, SIZE - 8192, 8192) && spiflash_protected(&F, 0, 1),
	      "CMP: all but the top 8 KiB");
	F.sr[0] = F.sr[1] = 0;
	CHECK(!spiflash_protected(&F, 0, SIZE), "BP=0: nothing protected");

	/* a protected flash: erase and program ignored, no BUSY; status 1 written through 0x01 */
	write_sr1(7 << 2);
	CHECK(status(1) == 0x1C, "SR1 written: %02x", status(1));
	cmd1(0x06);
	cmd_addr(0xD8, 0);
	CHECK(!(status(1) & 1) && mem[0x5000] == d[0], "protected: 64 KiB erase ignored");
	cmd1(0x06);
	d[0] = 0;
	program(0x5000, d, 1);
	CHECK(!(status(1) & 1) && mem[0x5000] == 3, "protected: program ignored");
	cmd1(0x04);
	write_sr1(0);
	CHECK(status(1) == 0x00, "protection cleared: %02x", status(1));

	/* SRL: status writes refused */
	F.sr[1] = SF_SR2_SRL;
	write_sr1(7 << 2);
	CHECK(status(1) == 0x02, "SRL: SR1 unchanged (WEL still set): %02x", status(1));

	printf("spiflash_emu: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail ? 1 : 0;
}
