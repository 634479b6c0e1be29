/*
 * transport_cpu.c: the `cpu` board, the hls_c device model (hls_c/mmf_dev.c) behind an in-process
 * transport.
 *
 * The model is a UART board at 12 Mbaud with a 48 MHz core: one byte on the wire (8N1, 10 bits) takes
 * 40 core cycles. The link is full duplex, so each byte time carries one byte to the board and one from
 * it, and the model's clock advances by that time (mmf_dev_tick), which is what lets its inter-byte
 * timeout drop a packet that lost a byte. When the host waits and the board has nothing to say, link
 * time passes at once up to the host's timeout: the clock of this transport is link time, not the wall.
 *
 * URI options (its own; uri.c refuses them for other kinds): dead_after=N and dead_for=M cut the link
 * after the host's N-th byte, for good or for the next M bytes the host sends: bytes are lost both ways
 * while the board's clock runs on. wmem=N (weight memory words) and engines=F[,F...] (the slots' weight
 * formats: tac2, tac5, sac4, lut3) build the model as a given SoC is.
 */
#include <stdlib.h>
#include <string.h>

#include "mmf_dev.h"
#include "mmfree.h"
#include "transport_cpu.h"
#include "uri.h"

enum {
	CPU_CLOCK_HZ = 48000000,    /* core clock */
	CPU_BAUD = 12000000,        /* link rate */
	CPU_BITS_PER_BYTE = 10,     /* UART 8N1: start bit, 8 data bits, stop bit */
	CPU_BYTE_CYCLES = CPU_CLOCK_HZ / (CPU_BAUD / CPU_BITS_PER_BYTE), /* 40 */
	CPU_IDLE_STEP = 1 << 16,    /* cycles per step while the board is silent */
	CPU_RXQ = 1 << 16,          /* host-side receive buffer (a UART driver's), bytes */
};

/* The board as it is built by default, what INFO reports; its engine slots are the engine table's
 * default SoC slots (mmf_soc_formats), filled in by cpu_board_cfg. */
static const mmf_dev_cfg_t cpu_cfg = {
	MMF_BOARD_SIM, MMF_LINK_UART, MMF_SOC_SLOTS, CPU_CLOCK_HZ, CPU_BAUD, MMF_WMEM_WORDS, 0,
	{ { 0, 0, 0, 0 } },
	0,      /* no I2C master: the C model's board has no INA226 (the `board` meter says so) */
};

/* The configuration the options ask for: wmem= and engines= build the model as another SoC is, each
 * named format in the slot the engine table gives it. */
static void cpu_board_cfg(const struct mmfi_cpu_opts *o, mmf_dev_cfg_t *cfg)
{
	int i;

	*cfg = cpu_cfg;
	for (i = 0; i < MMF_SOC_SLOTS; i++)
		mmf_eng_slot(mmf_soc_formats[i], &cfg->engine[i]);
	if (o->wmem_words)
		cfg->wmem_words = o->wmem_words;
	if (o->n_formats) {
		cfg->n_engines = o->n_formats;
		for (i = 0; i < o->n_formats; i++)
			mmf_eng_slot(o->formats[i], &cfg->engine[i]);
	}
}

typedef struct {
	mmfi_transport base;        /* must be first */
	mmf_dev_t *dev;             /* the board (about 160 KiB, so on the heap) */
	uint8_t q[CPU_RXQ];         /* bytes the board sent that the host has not read yet */
	uint32_t q_head;            /* index of the oldest */
	uint32_t q_n;               /* bytes held */
	uint64_t host_out;          /* bytes the host has sent */
	uint64_t dead_after;        /* the link is cut after this many bytes from the host; 0 never */
	uint64_t dead_for;          /* ... for this many bytes from the host; 0 for good */
	uint64_t cycles;            /* board cycles so far: the transport's clock */
} cpu_transport;

/* Is the link cut? Then bytes are lost both ways; the board's clock keeps running. */
static int cpu_dead(const cpu_transport *c)
{
	return c->dead_after && c->host_out > c->dead_after &&
	       (!c->dead_for || c->host_out <= c->dead_after + c->dead_for);
}

/* The board's next output byte, if any, into the host's buffer (lost if the link is cut, dropped if
 * the buffer is full, as a UART driver would). 1 if the board sent a byte. */
/* Board cycles pass: the device model's and the transport's clock. */
static void cpu_tick(cpu_transport *c, uint32_t cycles)
{
	mmf_dev_tick(c->dev, cycles);
	c->cycles += cycles;
}

static int cpu_take_tx(cpu_transport *c)
{
	uint8_t b;

	if (!mmf_dev_tx(c->dev, &b))
		return 0;
	if (!cpu_dead(c) && c->q_n < CPU_RXQ) {
		c->q[(c->q_head + c->q_n) % CPU_RXQ] = b;
		c->q_n++;
	}
	return 1;
}

/* One byte time: a byte arrives at the board, one leaves it. */
static void cpu_byte_time(cpu_transport *c, uint8_t in)
{
	c->host_out++;
	cpu_tick(c, CPU_BYTE_CYCLES);
	if (!cpu_dead(c))
		mmf_dev_rx(c->dev, in);
	cpu_take_tx(c);
}

static int cpu_send(mmfi_transport *t, const uint8_t *buf, size_t n)
{
	cpu_transport *c = (cpu_transport *)t;
	size_t i;

	for (i = 0; i < n; i++)
		cpu_byte_time(c, buf[i]);
	return MMF_OK;
}

static int cpu_recv(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got)
{
	cpu_transport *c = (cpu_transport *)t;
	uint64_t budget = (uint64_t)timeout_ms * (CPU_CLOCK_HZ / 1000), spent = 0, step;
	size_t n = 0;

	/* wait: the board's pending output arrives a byte time apart; silence lets time pass */
	while (c->q_n == 0 && spent < budget) {
		if (cpu_take_tx(c))
			step = CPU_BYTE_CYCLES;
		else
			step = budget - spent < CPU_IDLE_STEP ? budget - spent : CPU_IDLE_STEP;
		cpu_tick(c, (uint32_t)step);
		spent += step;
	}
	/* what else the board has ready comes in the same read */
	while (c->q_n < max && cpu_take_tx(c))
		cpu_tick(c, CPU_BYTE_CYCLES);
	while (n < max && c->q_n > 0) {
		buf[n++] = c->q[c->q_head];
		c->q_head = (c->q_head + 1) % CPU_RXQ;
		c->q_n--;
	}
	*got = n;
	return MMF_OK;
}

static void cpu_close(mmfi_transport *t)
{
	cpu_transport *c = (cpu_transport *)t;

	free(c->dev);
	free(c);
}

static uint64_t cpu_now(mmfi_transport *t)
{
	return ((cpu_transport *)t)->cycles / (CPU_CLOCK_HZ / 1000000);
}

static const struct mmfi_transport_ops cpu_ops = { cpu_send, cpu_recv, cpu_close, cpu_now };

int mmfi_cpu_open(const struct mmfi_cpu_opts *o, mmfi_transport **out, char *err, size_t err_len)
{
	cpu_transport *c;
	mmf_dev_cfg_t cfg;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c) {
		mmfi_msg(err, err_len, "cpu board: out of memory (%zu bytes)", sizeof(*c));
		return MMF_ERR_NOMEM;
	}
	c->dev = malloc(sizeof(*c->dev));
	if (!c->dev) {
		mmfi_msg(err, err_len, "cpu board: out of memory for the device model (%zu bytes)",
			 sizeof(*c->dev));
		ret = MMF_ERR_NOMEM;
		goto fail_free;
	}
	cpu_board_cfg(o, &cfg);
	if (mmf_dev_init(c->dev, &cfg) != 0) {
		mmfi_msg(err, err_len, "cpu board: the device model refused its configuration (%u engines, "
			 "one of each kind at most; %u words of weight memory)", cfg.n_engines, cfg.wmem_words);
		ret = o->n_formats ? MMF_ERR_ARG : MMF_ERR_IO;
		goto fail_dev;
	}
	c->base.ops = &cpu_ops;
	c->base.name = "cpu";
	c->base.err = err;
	c->base.err_len = err_len;
	c->dead_after = o->dead_after;
	c->dead_for = o->dead_for;
	*out = &c->base;
	return MMF_OK;

fail_dev:
	free(c->dev);
fail_free:
	free(c);
	return ret;
}

/* ---- the URI: cpu[?dead_after=N&dead_for=M&wmem=N&engines=F[,F...]] ----------------------------- */

static const char *const cpu_keys[] = { "dead_after", "dead_for", "wmem", "engines", NULL };

/* engines=F[,F...]: format names (mmf_format_name) into o->formats; -1 if one is unknown or too many. */
static int parse_formats(const char *s, struct mmfi_cpu_opts *o)
{
	const char *p = s;
	size_t n;
	unsigned f;

	o->n_formats = 0;
	while (*p) {
		n = strcspn(p, ",");
		for (f = 0; f < MMF_N_FORMATS; f++)
			if (strlen(mmf_format_name(f)) == n && !strncmp(p, mmf_format_name(f), n))
				break;
		if (f == MMF_N_FORMATS || o->n_formats == sizeof(o->formats))
			return -1;
		o->formats[o->n_formats++] = (uint8_t)f;
		p += n;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return o->n_formats ? 0 : -1;
}

static int cpu_uri_open(const struct mmfi_uri *u, mmfi_transport **out, unsigned *flags, char *err,
			size_t err_len)
{
	struct mmfi_cpu_opts o = { 0 };
	uint64_t wmem = 0;
	int r;

	if (u->arg[0]) {
		mmfi_msg(err, err_len, "board URI '%s': 'cpu' takes no ':%s'", u->uri, u->arg);
		return MMF_ERR_ARG;
	}
	if ((r = mmfi_uri_num(u, "dead_after", 1, UINT64_MAX, &o.dead_after, "a whole number", err,
			      err_len)) ||
	    (r = mmfi_uri_num(u, "dead_for", 1, UINT64_MAX, &o.dead_for, "a whole number", err, err_len)) ||
	    (r = mmfi_uri_num(u, "wmem", 1, MMF_WMEM_WORDS, &wmem, "weight memory words, 1 to 16384", err,
			      err_len)))
		return r;
	o.wmem_words = (uint32_t)wmem;
	if (mmfi_uri_opt(u, "engines") && parse_formats(mmfi_uri_opt(u, "engines"), &o))
		return mmfi_uri_bad(u, "engines", "weight formats tac2, tac5, sac4, lut3, comma-separated, "
				    "up to 3", err, err_len);
	if (o.dead_for && !o.dead_after) {
		mmfi_msg(err, err_len, "board URI '%s': dead_for needs dead_after", u->uri);
		return MMF_ERR_ARG;
	}
	*flags = MMF_BOARD_SIMULATED;
	return mmfi_cpu_open(&o, out, err, err_len);
}

/* The C model answers at once on link time: one command at a time, the default wait. */
const struct mmfi_board_kind mmfi_board_cpu = { "cpu", cpu_keys, MMFI_TIMEOUT_MS, 1, cpu_uri_open };
