/*
 * meter.h: what the meter files share (internal to libmmfree): the handle every kind of meter
 * starts with, its two operations, and the URI options.
 *
 *   meter.c         open by URI, the options, the recorder thread, the energy integral
 *   meter_sysfs.c   hwmon:, ina2xx:, rapl
 *   meter_um.c      um: (RDTech UM24C / UM25C / UM34C over a serial port)
 *   meter_sigrok.c  sigrok: (sigrok-cli as a child process)
 *   meter_board.c   board (an INA226 on the board, read by the FPGA over I2C)
 */
#ifndef MMFI_METER_H
#define MMFI_METER_H

#include <stddef.h>

#include "mmfree.h"
#include "transport.h"

enum {
	MMFI_METER_ERR = 512,       /* message buffer */
	MMFI_METER_DESC = 320,      /* description buffer */
	MMFI_METER_URI = 1024,      /* longest meter URI taken */
	MMFI_METER_OPTS = 8,        /* options after '?' one URI may give */
};

/* The operations of one kind of meter. */
struct mmfi_meter_ops {
	/* One reading newer than the last (see mmf_meter_read); 0 or a negative mmf_error, message in
	 * m->err. */
	int (*read)(mmf_meter *m, struct mmf_meter_sample *s);
	/* Free what the kind holds, and m itself. */
	void (*close)(mmf_meter *m);
};

/* The start of every kind's handle. */
struct mmf_meter {
	const struct mmfi_meter_ops *ops; /* what it does */
	char err[MMFI_METER_ERR];        /* last message */
	char desc[MMFI_METER_DESC];      /* what it is, for people */
	int polled;                      /* read only from the thread that owns its board (no recorder
					  * thread: mmf_meter_rec_poll) */
	int simulated;                   /* its readings come from a sensor model (mmf_meter_source) */
};

/* One option after '?': "key=value" split at the first '='. */
struct mmfi_meter_opt {
	const char *key;            /* "timeout_ms" */
	const char *val;            /* "500" (may hold '=' and ':': config=a=1:b=2) */
};

/* A meter URI, parsed: "kind[:arg][?key=val&...]", the strings pointing into buf. */
struct mmfi_meter_uri {
	char buf[MMFI_METER_URI];   /* the URI, cut into its parts */
	const char *uri;            /* the whole URI as given, for messages */
	const char *kind;           /* "sigrok", "hwmon", "ina2xx", "um", "rapl", "board" */
	const char *arg;            /* after the first ':', or NULL */
	struct mmfi_meter_opt opt[MMFI_METER_OPTS]; /* options in URI order */
	int n_opt;                  /* how many */
};

/* Check the options against the keys a kind takes ("ch, shunt_uohm"): MMF_ERR_ARG naming an unknown
 * one. */
int mmfi_meter_opts_check(const struct mmfi_meter_uri *u, const char *const *keys, char *err,
			  size_t err_len);
/* The value of option key, or NULL. */
const char *mmfi_meter_opt(const struct mmfi_meter_uri *u, const char *key);
/* Option key as a whole number in [lo, hi] (dflt when absent); MMF_ERR_ARG naming it if bad. */
int mmfi_meter_opt_num(const struct mmfi_meter_uri *u, const char *key, unsigned long lo,
		       unsigned long hi, unsigned long dflt, unsigned long *v, char *err, size_t err_len);
/* MMF_SYSFS_ROOT (or "") followed by path, into buf. */
void mmfi_sysfs_path(char *buf, size_t len, const char *path);

/* The kinds: each allocates its handle (starting with struct mmf_meter), checks the meter answers,
 * and returns 0 or a negative mmf_error with the message in err. */
int mmfi_meter_hwmon_open(const struct mmfi_meter_uri *u, int ina, mmf_meter **out, char *err,
			  size_t err_len);
int mmfi_meter_rapl_open(const struct mmfi_meter_uri *u, mmf_meter **out, char *err, size_t err_len);
int mmfi_meter_um_open(const struct mmfi_meter_uri *u, mmf_meter **out, char *err, size_t err_len);
int mmfi_meter_sigrok_open(const struct mmfi_meter_uri *u, mmf_meter **out, char *err, size_t err_len);
/* board: b is the board it is read through (NULL: MMF_ERR_NO_BOARD, saying so). */
int mmfi_meter_board_open(const struct mmfi_meter_uri *u, mmf_board *b, mmf_meter **out, char *err,
			  size_t err_len);

/* The parsers, apart from any device, for tests (meter_um.c, meter_sigrok.c). */
/* A 130-byte UM reply into a sample (t and window_s left alone); *model gets "UM24C" etc.
 * MMF_ERR_PROTOCOL naming what is wrong. */
int mmfi_um_decode(const unsigned char *buf, size_t n, struct mmf_meter_sample *s, const char **model,
		   char *err, size_t err_len);
/* One line of sigrok-cli's analog output ("P1_ENRG_PWR: 1.2340 mW"): the channel name (NUL-terminated
 * in name), the value in base units (W, V, A) and the quantity: 'W', 'V', 'A', or 0 for any other
 * (temperature, energy). -1 if the line is not a reading. */
int mmfi_sigrok_parse_line(const char *line, char *name, size_t name_len, double *value);

#endif
