/*
 * ice40_cfg.c: the configuration side of an emulated iCE40 board (see ice40_cfg.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ice40_cfg.h"

static const uint8_t PREAMBLE[4] = { 0x7E, 0xAA, 0x99, 0x7E };

int ice40_has_preamble(const uint8_t *buf, size_t len)
{
	size_t i = 0;

	/* icepack starts with a comment: FF 00, text, 00 FF */
	if (len >= 2 && buf[0] == 0xFF && buf[1] == 0x00) {
		for (i = 2; i + 1 < len && !(buf[i] == 0x00 && buf[i + 1] == 0xFF); i++)
			;
		i += 2;
	}
	while (i < len && buf[i] == 0xFF)
		i++;
	return i + 4 <= len && !memcmp(buf + i, PREAMBLE, 4);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The whole file into *buf (at most max bytes): its length, or -1 with errno. */
static long slurp(const char *path, uint8_t **buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	*buf = malloc(max + 1);
	n = *buf ? (long)fread(*buf, 1, max + 1, f) : -1;
	fclose(f);
	return n;
}

static void boot_from_flash(struct ice40_cfg *c);

int ice40_cfg_open(struct ice40_cfg *c, const struct ice40_cfg_opts *o, char *err, size_t len)
{
	struct stat st;
	int fd = -1;
	long n;

	memset(c, 0, sizeof(*c));
	c->creset_b = 1;
	c->mem = malloc(o->flash_bytes);
	c->path = strdup(o->flash_path);
	if (!c->mem || !c->path) {
		snprintf(err, len, "out of memory for a %u-byte flash", o->flash_bytes);
		goto fail;
	}
	memset(c->mem, 0xFF, o->flash_bytes);
	if (lstat(o->flash_path, &st)) {
		if (errno != ENOENT) {
			snprintf(err, len, "--flash %s: %s", o->flash_path, strerror(errno));
			goto fail;
		}
		c->created = 1;
	} else if (S_ISLNK(st.st_mode)) {
		snprintf(err, len, "--flash %s is a symbolic link: not followed (name the file itself)",
			 o->flash_path);
		goto fail;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "--flash %s is no regular file: it would not be replaced", o->flash_path);
		goto fail;
	} else if ((uint64_t)st.st_size != o->flash_bytes) {
		snprintf(err, len, "--flash %s holds %lld bytes; the flash is %u bytes (a file from another "
			 "part? remove it to start erased)", o->flash_path, (long long)st.st_size, o->flash_bytes);
		goto fail;
	} else {
		c->mode = st.st_mode & 07777;
		fd = open(o->flash_path, O_RDONLY | O_NOFOLLOW);
		if (fd < 0 || read(fd, c->mem, o->flash_bytes) != (ssize_t)o->flash_bytes) {
			snprintf(err, len, "--flash %s: cannot read it: %s", o->flash_path,
				 fd < 0 ? strerror(errno) : "short read");
			goto fail;
		}
		close(fd);
		fd = -1;
	}
	if (o->bitstream) {
		n = slurp(o->bitstream, &c->ref, o->flash_bytes);
		if (n > 0 && ice40_has_preamble(c->ref, (size_t)n)) {
			c->ref_len = (size_t)n;
			c->ref_path = realpath(o->bitstream, NULL);
			c->cfg = malloc(c->ref_len);
			if (!c->cfg || !c->ref_path) {
				snprintf(err, len, "out of memory");
				goto fail;
			}
		} else {
			free(c->ref);
			c->ref = NULL;
		}
	}
	spiflash_init(&c->flash, c->mem, o->flash_bytes, o->id);
	c->flash.sr[0] = o->sr1 & (uint8_t)~(SF_SR1_BUSY | SF_SR1_WEL);
	c->t0 = mono_ns();
	/* power-up: CRESET_B pulled high, the iCE40 boots from the flash as the board comes on */
	boot_from_flash(c);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(c->mem);
	free(c->path);
	free(c->ref);
	free(c->ref_path);
	free(c->cfg);
	memset(c, 0, sizeof(*c));
	return -1;
}

/* The FPGA boots from the flash (SPI master): CDONE when it holds our bitstream at offset 0. */
static void boot_from_flash(struct ice40_cfg *c)
{
	c->boots++;
	if (!c->ref)
		snprintf(c->why, sizeof(c->why), "no reference bitstream to check the flash against");
	else if (!ice40_has_preamble(c->mem, c->flash.size))
		snprintf(c->why, sizeof(c->why), "the flash holds no iCE40 bitstream at offset 0 (no 7E AA 99 7E "
			 "preamble%s)", c->mem[0] == 0xFF && c->mem[1] == 0xFF ? ": erased" : "");
	else if (memcmp(c->mem, c->ref, c->ref_len))
		snprintf(c->why, sizeof(c->why), "the flash holds an iCE40 bitstream that is not %s", c->ref_path);
	else
		c->why[0] = '\0';
	c->cdone = c->ref && !c->why[0];
	c->configs += (uint64_t)c->cdone;
}

/* SPI slave configuration: a bit on SCK's rising edge while SS is low. */
static void slave_bit(struct ice40_cfg *c, int mosi)
{
	uint64_t byte = c->cfg_bits / 8;

	c->cfg_byte = (uint8_t)(c->cfg_byte << 1 | mosi);
	c->cfg_bits++;
	if (c->cfg_bits % 8 == 0 && byte < c->ref_len) {
		c->cfg[byte] = c->cfg_byte;
		if (c->cfg_byte != c->ref[byte])
			c->cfg_ok = 0;
	}
	if (!c->cdone && c->cfg_ok && c->cfg_bits >= (uint64_t)c->ref_len * 8 + ICE40_DUMMY_BITS) {
		c->cdone = 1;
		c->configs++;
		c->why[0] = '\0';
	}
}

uint8_t ice40_cfg_port(void *ctx, uint8_t adbus, uint32_t cycles)
{
	struct ice40_cfg *c = ctx;
	int sck = !!(adbus & ICE40_PIN_SCK), mosi = !!(adbus & ICE40_PIN_MOSI);
	int ss_n = !!(adbus & ICE40_PIN_SS), creset_b = !!(adbus & ICE40_PIN_CRESET);
	int miso;

	(void)cycles;
	spiflash_time(&c->flash, mono_ns() - c->t0);
	miso = spiflash_pins(&c->flash, ss_n, sck, mosi);
	if (!creset_b && c->creset_b) {
		/* held in reset: the configuration is lost */
		c->cdone = 0;
		c->slave = 0;
	} else if (creset_b && !c->creset_b) {
		if (ss_n) {
			boot_from_flash(c);
		} else {
			/* SS low as CRESET_B rises: the iCE40 waits for a bitstream as an SPI slave */
			c->slave = 1;
			c->cfg_bits = 0;
			c->cfg_ok = c->ref != NULL;
			snprintf(c->why, sizeof(c->why), c->ref ? "the bitstream clocked in is not %s" :
				 "no reference bitstream to check it against", c->ref ? c->ref_path : "");
		}
	} else if (c->slave && creset_b && !ss_n && sck && !c->sck) {
		slave_bit(c, mosi);
	}
	if (c->slave && c->cfg_ok && c->cfg_bits < (uint64_t)c->ref_len * 8 + ICE40_DUMMY_BITS &&
	    c->cfg_bits >= (uint64_t)c->ref_len * 8)
		snprintf(c->why, sizeof(c->why), "the bitstream is in; %d SCK cycles after it are needed",
			 ICE40_DUMMY_BITS);
	c->creset_b = creset_b;
	c->sck = sck;
	return (uint8_t)((miso ? ICE40_PIN_MISO : 0) | (c->cdone ? ICE40_PIN_CDONE : 0));
}

int ice40_cfg_close(struct ice40_cfg *c, char *err, size_t len)
{
	struct stat st;
	char *tmp = NULL;
	int fd = -1, ret = -1;
	size_t off = 0;

	if (!c->mem)
		return 0;
	if (!c->created && c->flash.dirty_lo >= c->flash.dirty_hi) {
		ret = 0;
		goto out;
	}
	/* the path again: it must still be a regular file or nothing */
	if (!lstat(c->path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, len, "--flash %s is no longer a regular file: the flash was not saved", c->path);
		goto out;
	}
	if (asprintf(&tmp, "%s.XXXXXX", c->path) < 0) {
		tmp = NULL;
		snprintf(err, len, "out of memory");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, len, "--flash %s: cannot create %s: %s", c->path, tmp, strerror(errno));
		goto out;
	}
	while (off < c->flash.size) {
		ssize_t w = write(fd, c->mem + off, c->flash.size - off);
		if (w <= 0) {
			snprintf(err, len, "--flash %s: writing %s: %s", c->path, tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	/* the file's own mode when it had one, else rw-r--r-- */
	if (fchmod(fd, c->created ? 0644 : c->mode) || close(fd)) {
		fd = -1;
		snprintf(err, len, "--flash %s: closing %s: %s", c->path, tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, c->path)) {
		snprintf(err, len, "--flash %s: renaming %s over it: %s", c->path, tmp, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(c->mem);
	free(c->path);
	free(c->ref);
	free(c->ref_path);
	free(c->cfg);
	memset(c, 0, sizeof(*c));
	return ret;
}
