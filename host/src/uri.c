/*
 * uri.c: board URIs. "cpu" (the hls_c device model in-process), "sim", "sim?uart=1", "sim:BOARD" (the
 * SoC's RTL under Verilator, in build/bin/mmfree), "socket:PATH" (a virtual board in another process,
 * mmfree-vboard), "ftdi[:SERIAL]" (a board on an FTDI USB bridge, transport_ftdi.c). Options after
 * '?', separated by '&': faults=RATE, seed=S, timeout_ms=N (default 200, 5000 for socket), window=N
 * (WRITE_MEMs in flight); for cpu, dead_after=N and dead_for=M (the
 * link is cut after the host's N-th byte, for M bytes or for good), wmem=N (weight memory words) and
 * engines=F[,F...] (the slots' weight formats: tac2, tac5, sac4, lut3), so that the model is built as
 * a given SoC is; for ftdi, baud=N (the UART rate the chip is set to; the board's is 12000000) and
 * link=uart|ft245 (the FT2232H's channel B as a UART, the default, or its channel A in 245 synchronous
 * FIFO mode, for a board that wires that bus).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"

/* The board kinds a URI may name, for messages. */
#define BOARD_KINDS "cpu, sim, sim:BOARD, socket:PATH, ftdi[:SERIAL]"

static const char known_opts[] = "faults, seed, timeout_ms, window, dead_after, dead_for, wmem, engines, "
	"uart, baud, link, ina226, ina_shunt_uv, ina_bus_mv";

/* engines=F[,F...]: format names (mmf_format_name) into o->formats; -1 if one is unknown or too many. */
static int parse_formats(const char *s, struct mmfi_cpu_opts *o)
{
	const char *p = s;
	size_t n;
	unsigned f;

	o->n_formats = 0;
	while (*p) {
		n = strcspn(p, ",");
		for (f = 0; f < 4; f++)
			if (strlen(mmf_format_name(f)) == n && !strncmp(p, mmf_format_name(f), n))
				break;
		if (f == 4 || o->n_formats == sizeof(o->formats))
			return -1;
		o->formats[o->n_formats++] = (uint8_t)f;
		p += n;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return o->n_formats ? 0 : -1;
}

/* A whole string as an unsigned number in [lo, hi]: decimal, or hex after 0x; no sign or space (which
 * strtoull would skip), and a leading zero is not octal (010 is ten). */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	char *end;
	unsigned long long x;

	if (!isxdigit((unsigned char)s[hex ? 2 : 0]) || (!hex && !isdigit((unsigned char)s[0])))
		return -1;
	errno = 0;
	x = strtoull(s + (hex ? 2 : 0), &end, hex ? 16 : 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static int parse_opt(struct mmfi_uri *u, char *opt, const char *uri, char *err, size_t err_len)
{
	char *val = strchr(opt, '=');
	char *end;
	uint64_t v;

	if (!val) {
		mmfi_msg(err, err_len, "board URI '%s': option '%s' has no value (write %s=VALUE)", uri,
			 opt, opt);
		return MMF_ERR_ARG;
	}
	*val++ = '\0';
	if (!strcmp(opt, "faults")) {
		errno = 0;
		u->fault.rate = strtod(val, &end);
		/* a plain decimal: not " 0.1", "0x1p-3" or "nan" */
		if (!(isdigit((unsigned char)*val) || *val == '.') || strpbrk(val, "xX") || *end || errno ||
		    !(u->fault.rate >= 0.0 && u->fault.rate <= 1.0))
			goto bad;
		u->faults = 1;
	} else if (!strcmp(opt, "seed")) {
		if (parse_u64(val, 0, UINT64_MAX, &u->fault.seed))
			goto bad;
	} else if (!strcmp(opt, "timeout_ms")) {
		if (parse_u64(val, 1, 600000, &v))
			goto bad;
		u->timeout_ms = (uint32_t)v;
	} else if (!strcmp(opt, "window")) {
		if (parse_u64(val, 1, MMFI_WINDOW_MAX, &v))
			goto bad;
		u->window = (uint32_t)v;
	} else if (!strcmp(opt, "baud")) {
		if (parse_u64(val, 1, 12000000, &v))
			goto bad;
		u->baud = (uint32_t)v;
	} else if (!strcmp(opt, "link")) {
		if (!strcmp(val, "uart"))
			u->link = MMFI_FTDI_LINK_UART;
		else if (!strcmp(val, "ft245"))
			u->link = MMFI_FTDI_LINK_FT245;
		else
			goto bad;
	} else if (!strcmp(opt, "uart")) {
		if (parse_u64(val, 0, 1, &v))
			goto bad;
		u->uart = (int)v;
	} else if (!strcmp(opt, "ina226")) {
		if (parse_u64(val, 0, 1, &v))
			goto bad;
		u->ina_absent = !v;
	} else if (!strcmp(opt, "ina_shunt_uv")) {
		/* the INA226's shunt range: 32767 x 2.5 uV */
		if (parse_u64(val, 0, 81917, &v))
			goto bad;
		u->ina_shunt_uv = (uint32_t)v;
		u->ina_set = 1;
	} else if (!strcmp(opt, "ina_bus_mv")) {
		if (parse_u64(val, 0, 40958, &v))
			goto bad;
		u->ina_bus_mv = (uint32_t)v;
		u->ina_set = 1;
	} else if (!strcmp(opt, "dead_after")) {
		if (parse_u64(val, 1, UINT64_MAX, &u->cpu.dead_after))
			goto bad;
	} else if (!strcmp(opt, "dead_for")) {
		if (parse_u64(val, 1, UINT64_MAX, &u->cpu.dead_for))
			goto bad;
	} else if (!strcmp(opt, "wmem")) {
		if (parse_u64(val, 1, MMF_WMEM_WORDS, &v))
			goto bad;
		u->cpu.wmem_words = (uint32_t)v;
	} else if (!strcmp(opt, "engines")) {
		if (parse_formats(val, &u->cpu))
			goto bad;
	} else {
		mmfi_msg(err, err_len, "board URI '%s': unknown option '%s' (options: %s)", uri, opt,
			 known_opts);
		return MMF_ERR_ARG;
	}
	return MMF_OK;
bad:
	mmfi_msg(err, err_len, "board URI '%s': bad value '%s' for %s (%s)", uri, val, opt,
		 !strcmp(opt, "faults") ? "a probability, 0 to 1" :
		 !strcmp(opt, "timeout_ms") ? "milliseconds, 1 to 600000" :
		 !strcmp(opt, "baud") ? "a UART rate, 1 to 12000000" :
		 !strcmp(opt, "link") ? "uart (the FT2232H's channel B) or ft245 (its channel A in 245 "
					"synchronous FIFO mode)" :
		 !strcmp(opt, "window") ? "commands in flight, 1 to 8" :
		 !strcmp(opt, "wmem") ? "weight memory words, 1 to 16384" :
		 !strcmp(opt, "engines") ? "weight formats tac2, tac5, sac4, lut3, comma-separated, up to 3" :
		 "a whole number");
	return MMF_ERR_ARG;
}

/* An option given twice is a mistake either way (which was meant?), not a last-one-wins: refused. */
static int uri_twice(const char *uri, char *err, size_t err_len)
{
	const char *a = strchr(uri, '?'), *b;
	size_t n;

	for (a = a ? a + 1 : NULL; a && *a; a = strchr(a, '&') ? strchr(a, '&') + 1 : NULL) {
		n = strcspn(a, "=&");
		for (b = strchr(a, '&'); b; b = strchr(b + 1, '&'))
			if (strcspn(b + 1, "=&") == n && !strncmp(a, b + 1, n)) {
				mmfi_msg(err, err_len, "board URI '%s': option '%.*s' given twice", uri,
					 (int)n, a);
				return MMF_ERR_ARG;
			}
	}
	return MMF_OK;
}

int mmfi_uri_parse(const char *uri, struct mmfi_uri *u, char *err, size_t err_len)
{
	char buf[MMFI_URI_MAX], *opts, *colon, *opt, *next;
	int r;

	memset(u, 0, sizeof(*u));
	u->timeout_ms = MMFI_TIMEOUT_MS;
	u->ina_shunt_uv = MMFI_SIM_INA_SHUNT_UV;
	u->ina_bus_mv = MMFI_SIM_INA_BUS_MV;
	u->fault.seed = 1;
	if (!uri || !*uri) {
		mmfi_msg(err, err_len, "no board URI (boards: cpu, sim, socket:PATH, ftdi[:SERIAL])");
		return MMF_ERR_ARG;
	}
	if (strlen(uri) >= sizeof(buf)) {
		mmfi_msg(err, err_len, "board URI of %zu characters: at most %zu", strlen(uri),
			 sizeof(buf) - 1);
		return MMF_ERR_ARG;
	}
	r = uri_twice(uri, err, err_len);
	if (r)
		return r;
	strcpy(buf, uri);
	opts = strchr(buf, '?');
	if (opts)
		*opts++ = '\0';
	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		strcpy(u->arg, colon + 1);
	}
	if (strlen(buf) >= sizeof(u->kind)) {
		mmfi_msg(err, err_len, "board URI '%s': unknown board '%s' (boards: %s)", uri, buf, BOARD_KINDS);
		return MMF_ERR_ARG;
	}
	strcpy(u->kind, buf);
	/* a virtual board behind a socket runs its clock on simulated time, 20 to 50 times slower than a
	 * real board's on a loaded machine, while the host waits on the wall clock: its waits are longer */
	if (!strcmp(u->kind, "socket"))
		u->timeout_ms = MMFI_SOCKET_TIMEOUT_MS;
	for (opt = opts; opt; opt = next) {
		next = strchr(opt, '&');
		if (next)
			*next++ = '\0';
		if (!*opt) {
			mmfi_msg(err, err_len, "board URI '%s': an empty option (a '?' or '&' with nothing "
				 "after it)", uri);
			return MMF_ERR_ARG;
		}
		r = parse_opt(u, opt, uri, err, err_len);
		if (r)
			return r;
	}
	return MMF_OK;
}

int mmfi_uri_transport(const struct mmfi_uri *u, const char *uri, mmfi_transport **out, char *err,
		       size_t err_len)
{
	mmfi_transport *t = NULL;
	int r;

	if (u->baud && strcmp(u->kind, "ftdi")) {
		mmfi_msg(err, err_len, "board URI '%s': baud is an option of 'ftdi' only", uri);
		return MMF_ERR_ARG;
	}
	if (u->link && strcmp(u->kind, "ftdi")) {
		mmfi_msg(err, err_len, "board URI '%s': link is an option of 'ftdi' only (it picks the FTDI "
			 "chip's channel and mode)", uri);
		return MMF_ERR_ARG;
	}
	if (u->link == MMFI_FTDI_LINK_FT245 && u->baud) {
		mmfi_msg(err, err_len, "board URI '%s': baud is the UART's; link=ft245 has no baud rate "
			 "(the FPGA clocks the bytes on the chip's 60 MHz CLKOUT): drop one of them", uri);
		return MMF_ERR_ARG;
	}
	if (u->uart && strcmp(u->kind, "sim")) {
		mmfi_msg(err, err_len, "board URI '%s': uart is an option of 'sim' only", uri);
		return MMF_ERR_ARG;
	}
	if ((u->ina_set || u->ina_absent) && strcmp(u->kind, "sim")) {
		mmfi_msg(err, err_len, "board URI '%s': ina226, ina_shunt_uv and ina_bus_mv set the INA226 "
			 "model of 'sim' only", uri);
		return MMF_ERR_ARG;
	}
	if ((u->cpu.dead_after || u->cpu.dead_for) && strcmp(u->kind, "cpu")) {
		mmfi_msg(err, err_len, "board URI '%s': dead_after and dead_for are options of 'cpu' "
			 "only", uri);
		return MMF_ERR_ARG;
	}
	if ((u->cpu.wmem_words || u->cpu.n_formats) && strcmp(u->kind, "cpu")) {
		mmfi_msg(err, err_len, "board URI '%s': wmem and engines are options of 'cpu' only (a real "
			 "or simulated board is built as it is)", uri);
		return MMF_ERR_ARG;
	}
	if (u->cpu.dead_for && !u->cpu.dead_after) {
		mmfi_msg(err, err_len, "board URI '%s': dead_for needs dead_after", uri);
		return MMF_ERR_ARG;
	}
	if (!strcmp(u->kind, "cpu")) {
		if (u->arg[0]) {
			mmfi_msg(err, err_len, "board URI '%s': 'cpu' takes no ':%s'", uri, u->arg);
			return MMF_ERR_ARG;
		}
		r = mmfi_cpu_open(&u->cpu, &t, err, err_len);
		if (r)
			return r;
	} else if (!strcmp(u->kind, "sim")) {
		if (!mmfi_sim_open) {
			mmfi_msg(err, err_len, "board '%s': this program was built without the Verilator "
				 "board (build/bin/mmfree has it)", uri);
			return MMF_ERR_UNSUPPORTED;
		}
		struct mmfi_sim_opts so = { u->uart, u->arg, NULL, 0, 0, u->ina_set, u->ina_absent,
					    u->ina_shunt_uv, u->ina_bus_mv };
		r = mmfi_sim_open(&so, &t, err, err_len);
		if (r)
			return r;
	} else if (!strcmp(u->kind, "socket")) {
		if (!u->arg[0]) {
			mmfi_msg(err, err_len, "board URI '%s': socket needs a path (socket:PATH)", uri);
			return MMF_ERR_ARG;
		}
		r = mmfi_socket_open(u->arg, &t, err, err_len);
		if (r)
			return r;
	} else if (!strcmp(u->kind, "ftdi")) {
		struct mmfi_ftdi_opts fo = { u->arg, u->baud, u->link };
		r = mmfi_ftdi_open(&fo, &t, err, err_len);
		if (r)
			return r;
	} else {
		mmfi_msg(err, err_len, "board URI '%s': unknown board '%s' (boards: %s)", uri, u->kind,
			 BOARD_KINDS);
		return MMF_ERR_ARG;
	}
	if (u->faults) {
		r = mmfi_faults_open(t, &u->fault, &t, err, err_len);
		if (r)
			return r;   /* the injector closed the inner transport */
	}
	*out = t;
	return MMF_OK;
}
