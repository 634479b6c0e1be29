/*
 * meter_board.c: `board`, a TI INA226 on the board read by the FPGA over I2C (docs/power.md): the SoC's
 * I2C command carries each register access, the host speaks the INA226's register protocol. The meter
 * uses the run's own board handle, so it is read from the thread that owns the board, between the
 * run's commands (mmf_meter_polled: the run loop takes a reading after every token; no thread).
 *
 * URI: board[:shunt=OHMS,addr=A][?shunt=OHMS&addr=A]; shunt defaults to 0.1 ohm, addr to 0x40.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "meter.h"

/* The INA226's registers and values (TI SBOS547). */
enum {
	INA_BUS = 0x02,             /* bus voltage, 1.25 mV per LSB */
	INA_CURRENT = 0x04,         /* current, in the LSB the calibration sets */
	INA_CAL = 0x05,             /* calibration */
	INA_MFR = 0xFE,             /* manufacturer id: 0x5449, "TI" */
	INA_DIE = 0xFF,             /* die id: 0x2260 */
	INA_MFR_TI = 0x5449,
	INA_DIE_226 = 0x2260,
	/* calibration 2048 makes the current register equal the shunt register: current LSB =
	 * 0.00512 / (2048 x R) = 2.5 uV / R, the shunt's own resolution (no range is lost: the shunt
	 * register's +-81.92 mV maps onto the current register's 16 bits) */
	CAL_VALUE = 2048,
};

struct board_meter {
	struct mmf_meter m;         /* the common part, first */
	mmf_board *b;               /* the run's board (not owned) */
	unsigned addr;              /* the INA226's 7-bit address */
	double shunt_ohm;           /* the shunt resistor */
	double amp_lsb;             /* amperes per current LSB: 2.5e-6 / shunt_ohm */
};

/* One 16-bit register: pointer, then two bytes, MSB first. */
static int reg_read(struct board_meter *bm, uint8_t reg, uint16_t *v)
{
	uint8_t r[2];
	int e = mmf_i2c(bm->b, bm->addr, &reg, 1, r, 2);

	if (!e)
		*v = (uint16_t)(r[0] << 8 | r[1]);
	return e;
}

static int reg_write(struct board_meter *bm, uint8_t reg, uint16_t v)
{
	uint8_t w[3] = { reg, (uint8_t)(v >> 8), (uint8_t)v };

	return mmf_i2c(bm->b, bm->addr, w, 3, NULL, 0);
}

static int board_read(mmf_meter *m, struct mmf_meter_sample *s)
{
	struct board_meter *bm = (struct board_meter *)m;
	uint16_t bus, cur;
	int e;

	if ((e = reg_read(bm, INA_BUS, &bus)) || (e = reg_read(bm, INA_CURRENT, &cur))) {
		mmfi_msg(m->err, sizeof(m->err), "INA226 at 0x%02x on the board's I2C: %s", bm->addr,
			 mmf_board_error(bm->b));
		return e;
	}
	s->t = mmf_meter_now();
	s->window_s = 0;
	s->v = bus * 1.25e-3;
	s->a = (int16_t)cur * bm->amp_lsb;
	s->w = s->v * s->a;
	return MMF_OK;
}

static void board_close(mmf_meter *m)
{
	free(m);
}

static const struct mmfi_meter_ops board_ops = { board_read, board_close };

/* One "key=value" of the argument list or the options. */
static int set_opt(struct board_meter *bm, const char *uri, const char *key, const char *val, char *err,
		   size_t err_len)
{
	char *end;
	double x;

	errno = 0;
	if (!strcmp(key, "shunt")) {
		x = strtod(val, &end);
		if (!*val || *end || errno || !(x > 0 && x <= 1000)) {
			mmfi_msg(err, err_len, "meter URI '%s': shunt='%s' is not a resistance in ohms (e.g. "
				 "shunt=0.1)", uri, val);
			return MMF_ERR_ARG;
		}
		bm->shunt_ohm = x;
	} else if (!strcmp(key, "addr")) {
		unsigned long a = strtoul(val, &end, 0);
		if (!*val || *end || errno || a < 0x40 || a > 0x4F) {
			mmfi_msg(err, err_len, "meter URI '%s': addr='%s' is no INA226 address (0x40 to 0x4f, "
				 "set by its A0 and A1 pins)", uri, val);
			return MMF_ERR_ARG;
		}
		bm->addr = (unsigned)a;
	} else {
		mmfi_msg(err, err_len, "meter URI '%s': unknown option '%s' for board (options: shunt, addr)",
			 uri, key);
		return MMF_ERR_ARG;
	}
	return MMF_OK;
}

static int parse(struct board_meter *bm, const struct mmfi_meter_uri *u, char *err, size_t err_len)
{
	char list[MMFI_METER_URI], *item, *next, *eq;
	int i, e;

	if (u->arg && *u->arg) {
		snprintf(list, sizeof(list), "%s", u->arg);
		for (item = list; item && *item; item = next) {
			next = strchr(item, ',');
			if (next)
				*next++ = '\0';
			eq = strchr(item, '=');
			if (!eq) {
				mmfi_msg(err, err_len, "meter URI '%s': '%s' is not KEY=VALUE (board:shunt=0.1,"
					 "addr=0x40)", u->uri, item);
				return MMF_ERR_ARG;
			}
			*eq = '\0';
			if ((e = set_opt(bm, u->uri, item, eq + 1, err, err_len)))
				return e;
		}
	}
	for (i = 0; i < u->n_opt; i++)
		if ((e = set_opt(bm, u->uri, u->opt[i].key, u->opt[i].val, err, err_len)))
			return e;
	return MMF_OK;
}

int mmfi_meter_board_open(const struct mmfi_meter_uri *u, mmf_board *b, mmf_meter **out, char *err,
			  size_t err_len)
{
	struct board_meter *bm;
	uint16_t mfr = 0, die = 0, cal = 0;
	int e;

	bm = calloc(1, sizeof(*bm));
	if (!bm) {
		mmfi_msg(err, err_len, "meter '%s': out of memory", u->uri);
		return MMF_ERR_NOMEM;
	}
	bm->m.ops = &board_ops;
	bm->m.polled = 1;
	bm->addr = 0x40;
	bm->shunt_ohm = 0.1;
	if ((e = parse(bm, u, err, err_len)))
		goto fail;
	bm->amp_lsb = 2.5e-6 / bm->shunt_ohm;
	if (!b) {
		mmfi_msg(err, err_len, "meter '%s': no board to read it through: the FPGA reads the "
			 "INA226, so give the board (--board URI; the host kernels have none)", u->uri);
		e = MMF_ERR_NO_BOARD;
		goto fail;
	}
	bm->b = b;
	/* a simulated board's INA226 is a model (sim/ina226_model.v): values the harness set */
	bm->m.simulated = (mmf_board_flags(b) & MMF_BOARD_SIMULATED) != 0;
	/* is an INA226 there: its manufacturer and die ids */
	if ((e = reg_read(bm, INA_MFR, &mfr)) || (e = reg_read(bm, INA_DIE, &die))) {
		mmfi_msg(err, err_len, "no INA226 at 0x%02x on the board's I2C: %s", bm->addr,
			 mmf_board_error(b));
		if (e == MMF_ERR_UNSUPPORTED)
			e = MMF_ERR_NO_BOARD;
		goto fail;
	}
	if (mfr != INA_MFR_TI || die != INA_DIE_226) {
		mmfi_msg(err, err_len, "no INA226 at 0x%02x on the board's I2C: the device there has "
			 "manufacturer id 0x%04x and die id 0x%04x (an INA226 has 0x%04x, 0x%04x)", bm->addr,
			 mfr, die, INA_MFR_TI, INA_DIE_226);
		e = MMF_ERR_PROTOCOL;
		goto fail;
	}
	/* the calibration, read back */
	if ((e = reg_write(bm, INA_CAL, CAL_VALUE)) || (e = reg_read(bm, INA_CAL, &cal))) {
		mmfi_msg(err, err_len, "INA226 at 0x%02x on the board's I2C: setting the calibration: %s",
			 bm->addr, mmf_board_error(b));
		goto fail;
	}
	if (cal != CAL_VALUE) {
		mmfi_msg(err, err_len, "INA226 at 0x%02x on the board's I2C: calibration reads back 0x%04x, "
			 "0x%04x was written", bm->addr, cal, (unsigned)CAL_VALUE);
		e = MMF_ERR_PROTOCOL;
		goto fail;
	}
	snprintf(bm->m.desc, sizeof(bm->m.desc), "INA226 at I2C 0x%02x on the %s board, read by the FPGA; "
		 "shunt %g ohm (current LSB %.4g mA): bus voltage and current, read between the run's "
		 "commands%s", bm->addr, mmf_board_name(b->info.board_id), bm->shunt_ohm, bm->amp_lsb * 1e3,
		 bm->m.simulated ? "; the board is SIMULATED: a MODEL of the sensor, not a measurement" : "");
	*out = &bm->m;
	return MMF_OK;
fail:
	free(bm);
	return e;
}
