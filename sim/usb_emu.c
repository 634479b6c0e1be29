/*
 * usb_emu.c: `mmfree-vboard --usb`: emulated FTDI chips on an emulated USB bus, so that the real
 * libusb path of an unmodified program (mmfree, built against the system libusb) runs with no
 * hardware. The way libusb's own test suite does it: a umockdev testbed redirects /sys and /dev, each
 * chip is a USB device added from a description (sysfs attributes, udev properties, the device and
 * configuration descriptors), and a "handle-ioctl" handler on its /dev/bus/usb node answers usbfs
 * (USBDEVFS_*). The program runs under LD_PRELOAD=libumockdev-preload.so with the testbed's
 * UMOCKDEV_DIR, exactly as umockdev-wrapper runs it.
 *
 * What the FT2232H model does (the iCEBreaker's bridge):
 *   - descriptors of a real FT2232H (0403:6010, bcdDevice 7.00, two vendor interfaces, bulk 0x81/0x02
 *     and 0x83/0x04 of 512 bytes), strings over GET_DESCRIPTOR, ftdi_sio bound to both interfaces
 *     until a program detaches it (GETDRIVER, USBDEVFS_IOCTL DISCONNECT/CONNECT, DISCONNECT_CLAIM);
 *   - the vendor requests a host uses: reset and purge, latency timer (set and get), baud divisor,
 *     8N1, flow control, bit mode, modem status; anything else stalls;
 *   - channel B's UART wired to the Verilator iCEBreaker (its own top, UART at 12 Mbaud in simulated
 *     time). A baud divisor, data format or bit mode the board's UART does not match garbles every
 *     byte both ways, with a note on stderr;
 *   - a 4 KiB TX buffer: an OUT URB completes only once all its bytes are in it, and the UART drains
 *     it into the SoC at the line rate in simulated time (back-pressure);
 *   - IN packets of at most 512 bytes, each starting with 2 status bytes; a full packet (510 bytes of
 *     data) goes at once, otherwise the latency timer decides: when it expires (measured from the last
 *     packet sent, in simulated time) the chip sends the status bytes and whatever it holds, and that
 *     short packet ends the URB. So an idle chip answers IN with 2-byte packets every latency period;
 *   - unplug (--unplug-after-bytes): URBs in flight end with ENODEV, every later call fails with
 *     ENODEV, and the device leaves the testbed (umockdev_testbed_remove_device).
 * What the FT232H model does (the UPduino v3's bridge): one vendor interface (bulk 0x81/0x02),
 * channel A's requests (wIndex 1), bit mode 0x02 and the MPSSE engine of mpsse_emu.c on the bytes
 * the host sends: its SCK, DO, DI and ADBUS3 are the UPduino SoC's SPI pins (sim/vboard_spi.v driven
 * pin by pin), clocked in the board's simulated time at the divisor the host set; 0x87 sends what
 * was read at once. A 1 KiB buffer each way, as the FT232H has. In a build for another board the
 * FT232H still answers MPSSE, with nothing on its pins (MISO reads 1: a board with no bitstream).
 * What the FT245 chip does (`ft245`: an FT2232H, serial MMF0003, whose EEPROM makes channel A a 245
 * FIFO; no board in boards/ wires that bus): channel A (interface 0, bulk 0x81/0x02, wIndex 1) in bit
 * mode 0x40 is the FPGA side of sim/vboard_ft245.v, the SoC behind its FT245 synchronous FIFO PHY,
 * through the C model of the chip's bus side (usb_ft245.cpp: a 48 MHz core, the 60 MHz CLKOUT). The
 * host's bytes go from the OUT URBs into the chip's 4 KiB buffer for the FPGA (RXF# low while it holds
 * any), the FPGA's into its 4 KiB buffer for the host (TXE# high when that is full), and from there as
 * IN packets as on channel B; a SIWU# strobe sends what that buffer holds at the next IN request
 * instead of at the latency timer. In any other bit mode channel A carries nothing: the host's bytes are
 * dropped with a note, TXE# stays high. EEPROM word 0 says what the channels are (0x0801: A a 245
 * FIFO, B a UART), as a host checks before it sets the mode.
 * Channel A of the iCEBreaker's FT2232H with --flash: MPSSE (mpsse_emu.c) on the board's configuration
 * side (ice40_cfg.c): the W25Q128JV flash kept in the file, CRESET_B and CDONE on the pins the board
 * wires, the iCE40 booting from the flash or configured as an SPI slave, so unmodified flashers
 * (iceprog, openFPGALoader) program it. Its engine runs in the handler thread as the host's bytes
 * come: nothing there needs the SoC's simulated clock (the flash's BUSY times and the latency timer
 * are wall-clock, as a flasher's polling loop sleeps in wall-clock time).
 * Only the chip of the board the build simulates (Makefile BOARD) has the SoC behind it, or the FT245
 * chip when it is on the bus (its SoC is built into every mmfree-vboard); the others are descriptors
 * and strings only.
 *
 * Threads: umockdev runs the handler on its worker thread, where nothing slow happens: URBs are
 * queued, and the simulation thread moves bytes between them and the SoC, completing URBs into a
 * list that the host reaps (REAPURBNDELAY).
 *
 * Time: the chip's clock is the SoC's simulated clock (48 MHz), and it runs only while the host
 * waits, as the in-process `sim` board's does. libusb under umockdev polls with REAPURBNDELAY while
 * it waits; every poll that finds nothing grants the board GRANT cycles (11 us), at most GRANT_MAX
 * ahead. So the host's own work between two commands costs at most ~30 us of board time, the
 * simulation stops when the host does, and figures in board time (bench link's upload_vs_line) do
 * not depend on how fast or loaded this machine is. That is a fast host: a real one turns around in
 * one or two 125 us microframes (docs/usb.md: what that costs behind the latency timer).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#include "ice40_cfg.h"
#include "mmfree.h"
#include "mpsse_emu.h"
#include "transport_faults.h"
#include "transport_sim.h"
#include "usb_emu.h"
#include "usb_ft245.h"

/* What the chip and the board are. */
enum {
	PACKET = 512,               /* high-speed bulk packet */
	STATUS_BYTES = 2,           /* start of every IN packet: modem status, line status */
	MODEM_STATUS = 0x01,        /* first status byte as an FT2232H sends it when idle */
	LINE_STATUS = 0x60,         /* second: transmitter holding register and shifter empty */
	TX_FIFO = 4096,             /* FT2232H buffer per channel, host to UART (the arrays' size) */
	RX_FIFO = 4096,             /* ... UART to host */
	FT232H_FIFO = 1024,         /* the FT232H's buffers, each way */
	MPSSE_PEEK = 64,            /* command bytes the MPSSE engine looks at per step */
	BOARD_BAUD = 12000000,      /* the iCEBreaker's UART (boards/icebreaker) */
	CLOCK_HZ = 48000000,        /* the SoC's clock: simulated cycles per second */
	CHUNK = 8,                  /* bytes fed to the SoC per step (320 cycles) */
	SLICE = 256,                /* cycles per step when nothing goes to the SoC */
	GRANT = 512,                /* board cycles one empty reap (a host waiting) allows */
	GRANT_MAX = 1024,           /* ... at most this far ahead of the host's last poll */
	MAX_CHIPS = 2,
	MAX_URBS = 64,              /* URBs in flight per chip before SUBMITURB says ENOMEM */
	FIFO_MODE = 0x40,           /* SET_BITMODE mode: 245 synchronous FIFO (channel A of the FT245 chip) */
	EEPROM_BLANK = 0xffff,      /* an EEPROM word as read from a blank EEPROM */
	EEPROM_FT245 = 0x0801,      /* word 0 of the FT245 chip: channel A a 245 FIFO (type 1, D2XX driver),
				     * channel B a UART (type 0) with the VCP driver (bit 3) */
};

/* FTDI vendor requests (bRequest of bmRequestType 0x40 / 0xC0). */
enum {
	FTDI_RESET = 0x00, FTDI_MODEM_CTRL = 0x01, FTDI_SET_FLOW = 0x02, FTDI_SET_BAUD = 0x03,
	FTDI_SET_DATA = 0x04, FTDI_GET_MODEM = 0x05, FTDI_EVENT_CHAR = 0x06, FTDI_ERROR_CHAR = 0x07,
	FTDI_SET_LATENCY = 0x09, FTDI_GET_LATENCY = 0x0A, FTDI_SET_BITMODE = 0x0B, FTDI_READ_PINS = 0x0C,
	FTDI_READ_EEPROM = 0x90,
};

/* One URB the host submitted, until it reaps it. */
struct urb {
	struct urb *next;           /* in its queue */
	UMockdevIoctlData *data;    /* the client's struct usbdevfs_urb (a local copy, synced at reap) */
	UMockdevIoctlClient *client; /* the open fd it came on: only that fd reaps it */
	struct usbdevfs_urb *u;     /* data->data */
	uint8_t *buf;               /* its buffer (local copy), or NULL */
	int len;                    /* buffer_length */
	int done;                   /* bytes filled (IN, control) or taken (OUT) */
};

struct queue {
	struct urb *head, *tail;    /* oldest first */
	int n;                      /* URBs in it */
};

/* Channel A of the iCEBreaker's FT2232H on the board's configuration side (--flash). */
struct chan_a {
	struct queue in_q, out_q;   /* its bulk URBs in flight (0x81, 0x02) */
	uint8_t tx[TX_FIFO];        /* host bytes the MPSSE engine has not taken yet */
	size_t tx_len;
	uint8_t rx[RX_FIFO];        /* bytes read back, for the host */
	size_t rx_head, rx_len;
	struct mpsse mp;            /* the engine */
	uint8_t bitmode;            /* SET_BITMODE mode (0x02: MPSSE) */
	int not_mpsse;              /* bytes came outside MPSSE (said once) */
	unsigned latency_ms;        /* latency timer */
	uint64_t last_in;           /* CLOCK_MONOTONIC ns of the last IN packet */
	int send_now;               /* 0x87 seen: send what rx holds at once */
	uint64_t to_chip;           /* host bytes taken */
	struct ice40_cfg cfg;       /* what the pins reach: the flash, CRESET_B, CDONE */
};

/* One emulated chip on the bus. */
struct chip {
	int board;                  /* 1: the SoC is behind it (the chip of the board the build simulates) */
	int spi;                    /* 1: an FT232H, its MPSSE on interface 0 (channel A); 0: an FT2232H */
	int ft245;                  /* 1: an FT2232H whose channel A is a 245 FIFO to the FT245 SoC */
	uint16_t eeprom0;           /* EEPROM word 0: the channels' types (EEPROM_BLANK: blank) */
	int not_fifo;               /* the FT245 chip got bytes outside bit mode 0x40 (said once) */
	int purge;                  /* FT245 chip: 1 / 2, the chip model's buffer to the host / to the FPGA
				     * is to be emptied (by the simulation thread, which owns the model) */
	size_t fifo;                /* bytes its buffers hold, each way */
	struct mpsse mp;            /* the FT232H's MPSSE engine */
	struct chan_a *fa;          /* the iCEBreaker chip's channel A with --flash, or NULL */
	int not_mpsse;              /* the FT232H got bytes outside MPSSE (said once) */
	uint16_t pid, bcd;          /* 0x6010 / 0x0700 or 0x6014 / 0x0900 */
	int n_ifaces;               /* 2 or 1 */
	int devnum;                 /* USB address on bus 1 */
	char devnode[32];           /* /dev/bus/usb/001/00N */
	char syspath[96];           /* /sys/devices/... as the testbed names it */
	const char *serial, *product, *manufacturer; /* string descriptors 3, 2, 1 */
	UMockdevIoctlBase *handler; /* answers its usbfs ioctls */
	int claimed[2];             /* interface claimed by a host */
	int bound[2];               /* ftdi_sio bound to the interface */
	int gone;                   /* unplugged */
	/* channel B, as the host set it */
	unsigned latency_ms;        /* latency timer */
	uint32_t baud;              /* from the divisor (9600 after power-up) */
	uint16_t baud_value, baud_index; /* the divisor as sent */
	int baud_set;               /* the host has set a divisor (until then the chip is at 9600) */
	uint16_t data_fmt;          /* SET_DATA wValue (0x0008: 8N1) */
	uint8_t bitmode;            /* SET_BITMODE mode (0: UART) */
	int garble;                 /* the UART settings do not match the board's */
	struct queue in_q, out_q, done_q; /* bulk IN and OUT in flight; completed, to reap */
	uint8_t tx[TX_FIFO];        /* host bytes for the UART */
	size_t tx_head, tx_len;
	uint8_t rx[RX_FIFO];        /* UART bytes for the host */
	size_t rx_head, rx_len;
	uint64_t last_in;           /* cycle the last IN packet went out (the latency timer's start) */
	int send_now;               /* send what the buffer holds at once: MPSSE's 0x87, or (FT245)
				     * a SIWU# strobe */
	uint64_t to_board, to_host; /* bytes moved */
	uint64_t garbled, overrun;  /* bytes garbled; UART bytes lost to a full RX buffer */
	uint64_t dark;              /* channel B bytes lost while the iCE40 was unconfigured (--flash) */
	uint64_t urbs;              /* URBs submitted */
};

/* The emulator. */
static struct {
	pthread_mutex_t lock;       /* everything below */
	pthread_cond_t wake;        /* host work for a frozen board */
	const struct usb_emu_opts *o; /* options */
	UMockdevTestbed *tb;        /* the redirected /sys and /dev */
	struct chip chip[MAX_CHIPS]; /* the devices */
	int n_chips;
	struct chip *bc;            /* the chip whose channel B reaches the SoC, or NULL */
	mmfi_transport *sim;        /* the SoC (for stepping and its clock) */
	usb_ft245 *ft;              /* ... or the FT245 SoC with the chip's bus side (bc->ft245) */
	mmfi_transport *link;       /* its bytes, through the fault injector if any */
	uint64_t now;               /* simulated cycles */
	uint64_t budget;            /* cycles the board may run before the host polls again */
	int quit;                   /* the program ended: stop the simulation */
	int unplug;                 /* a chip went away: take it out of the testbed */
	int sim_failed;             /* the simulation returned an error */
	int ft245_listed;           /* the FT245 chip is on the bus */
	char err[512];              /* its message */
} e = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static void note(int always, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(int always, const char *fmt, ...)
{
	va_list ap;

	if (!always && e.o->quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "mmfree-vboard: usb: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- descriptors ---------------------------------------------------------------------------------- */

/* Device + configuration descriptors of the chip, as hex for the sysfs "descriptors" file. */
static void descriptors_hex(const struct chip *c, char *hex, size_t len)
{
	uint8_t d[18 + 9 + 2 * 23], *p = d;
	int i, total = 9 + c->n_ifaces * 23;
	size_t at = 0;

	/* device: USB 2.0, class in the interfaces, EP0 64 bytes, strings 1 2 3, one configuration */
	const uint8_t dev[18] = { 18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x03, 0x04, (uint8_t)c->pid,
				  (uint8_t)(c->pid >> 8), (uint8_t)c->bcd, (uint8_t)(c->bcd >> 8), 1, 2, 3, 1 };
	/* configuration 1: bus powered, 500 mA */
	const uint8_t cfg[9] = { 9, 2, (uint8_t)total, 0, (uint8_t)c->n_ifaces, 1, 0, 0x80, 0xFA };
	memcpy(p, dev, 18);
	p += 18;
	memcpy(p, cfg, 9);
	p += 9;
	for (i = 0; i < c->n_ifaces; i++) {
		/* interface i: vendor class, two bulk endpoints of 512 bytes, string 2 */
		const uint8_t itf[9] = { 9, 4, (uint8_t)i, 0, 2, 0xFF, 0xFF, 0xFF, 2 };
		const uint8_t ein[7] = { 7, 5, (uint8_t)(0x81 + 2 * i), 2, 0x00, 0x02, 0 };
		const uint8_t eout[7] = { 7, 5, (uint8_t)(0x02 + 2 * i), 2, 0x00, 0x02, 0 };
		memcpy(p, itf, 9);
		memcpy(p + 9, ein, 7);
		memcpy(p + 16, eout, 7);
		p += 23;
	}
	for (i = 0; i < (int)(p - d) && at + 3 < len; i++)
		at += (size_t)snprintf(hex + at, len - at, "%02x", d[i]);
}

/* String descriptor idx (0: the language list) into out; returns its length. */
static int string_desc(const struct chip *c, unsigned idx, uint8_t *out, int max)
{
	const char *s = idx == 1 ? c->manufacturer : idx == 2 ? c->product : idx == 3 ? c->serial : NULL;
	uint8_t d[2 + 2 * 126];
	int n = 2, i;

	if (idx == 0) {
		d[n++] = 0x09;          /* English (US) */
		d[n++] = 0x04;
	} else if (!s) {
		return -1;
	} else {
		for (i = 0; s[i] && n < (int)sizeof(d); i++) {
			d[n++] = (uint8_t)s[i];
			d[n++] = 0;
		}
	}
	d[0] = (uint8_t)n;
	d[1] = 3;
	if (n > max)
		n = max;
	memcpy(out, d, (size_t)n);
	return n;
}

/* ---- URB queues ------------------------------------------------------------------------------------ */

static void push(struct queue *q, struct urb *r)
{
	r->next = NULL;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->n++;
}

/* Take r out of q (it must be there). */
static void unlink_urb(struct queue *q, struct urb *r)
{
	struct urb **pp = &q->head, *prev = NULL;

	while (*pp && *pp != r) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = r->next;
	if (q->tail == r)
		q->tail = prev;
	q->n--;
}

/* The URB is done: it waits in done_q for the host to reap it. */
static void finish(struct chip *c, struct queue *from, struct urb *r, int status)
{
	if (from)
		unlink_urb(from, r);
	r->u->status = status;
	r->u->actual_length = r->done;
	push(&c->done_q, r);
}

static void free_urb(struct urb *r)
{
	g_object_unref(r->data);
	g_object_unref(r->client);
	free(r);
}

/* The interface that reaches the SoC: 0 (channel A) on the FT232H and the FT245 chip, else 1 (B). */
static int link_iface(const struct chip *c)
{
	return c->spi || c->ft245 ? 0 : 1;
}

/* ---- the chip's channel B ------------------------------------------------------------------------- */

/* The rate a divisor makes (the inverse of the host's encoder, AN232B-05). */
static uint32_t baud_of(uint16_t value, uint16_t index)
{
	static const uint8_t eighths_of_code[8] = { 0, 4, 2, 1, 3, 5, 6, 7 };
	uint32_t enc = value | (uint32_t)(index & 0xff00) << 8;
	uint32_t base = (enc & 0x20000) ? 12000000u : 3000000u;
	uint32_t whole = enc & 0x3fff, eighths = eighths_of_code[(enc >> 14) & 7];

	if (whole == 0 && eighths == 0)
		return base;
	if (whole == 1 && eighths == 0)
		return base * 2 / 3;
	return (uint32_t)((uint64_t)base * 8 / (whole * 8 + eighths));
}

/* Does channel B still talk to the board's UART? Says so whenever a setting makes it not. */
static void check_line(struct chip *c)
{
	uint32_t off = c->baud > BOARD_BAUD ? c->baud - BOARD_BAUD : BOARD_BAUD - c->baud;
	int bad = off > BOARD_BAUD / 33 || c->data_fmt != 0x0008 || c->bitmode != 0;

	if (bad && c->baud_set)
		note(1, "channel B set to %u baud (divisor wValue 0x%04x wIndex 0x%04x), data format "
		     "0x%04x, bit mode 0x%02x; the board's UART runs at %u baud 8N1: every byte both ways "
		     "will be garbled", c->baud, c->baud_value, c->baud_index, c->data_fmt, c->bitmode,
		     (unsigned)BOARD_BAUD);
	else if (!bad && c->garble)
		note(0, "channel B at %u baud 8N1: matches the board's UART", c->baud);
	c->garble = bad;
}

/* What a UART at the wrong rate makes of a byte: framing errors, never the byte. */
static uint8_t garble(struct chip *c, uint8_t b)
{
	c->garbled++;
	return (uint8_t)(b * 167u + 13u) ^ 0x5a;
}

/* Host bytes from the OUT URBs into the TX buffer; an URB completes once all of it is in. */
static void take_out(struct chip *c)
{
	struct urb *r;
	size_t room, n, i;

	while ((r = c->out_q.head) && c->tx_len < c->fifo) {
		room = c->fifo - c->tx_len;
		n = (size_t)(r->len - r->done) < room ? (size_t)(r->len - r->done) : room;
		for (i = 0; i < n; i++)
			c->tx[(c->tx_head + c->tx_len + i) % TX_FIFO] = r->buf[r->done + i];
		c->tx_len += n;
		r->done += (int)n;
		if (r->done == r->len)
			finish(c, &c->out_q, r, 0);
	}
}

/* IN packets as the chip sends them: a full one at once, else when the latency timer expires (in
 * simulated time, from the last packet sent). A short packet ends the URB. */
static void send_in(struct chip *c)
{
	struct urb *r;
	int room, n, expired;

	while ((r = c->in_q.head)) {
		room = r->len - r->done;
		if (room < PACKET) {    /* a buffer that is no multiple of 512: end it */
			finish(c, &c->in_q, r, 0);
			continue;
		}
		/* the latency timer in board time; MPSSE's 0x87 sends at once; a chip with no board behind it
		 * has no clock: it sends as soon as it holds anything */
		expired = e.now - c->last_in >= (uint64_t)c->latency_ms * (CLOCK_HZ / 1000) ||
			  (c->send_now && c->rx_len) || (!c->board && c->rx_len);
		if (!c->board && !c->rx_len)
			return;
		if (c->rx_len < PACKET - STATUS_BYTES && !expired)
			return;
		n = c->rx_len < PACKET - STATUS_BYTES ? (int)c->rx_len : PACKET - STATUS_BYTES;
		r->buf[r->done] = MODEM_STATUS;
		r->buf[r->done + 1] = LINE_STATUS;
		for (int i = 0; i < n; i++) {
			r->buf[r->done + STATUS_BYTES + i] = c->rx[c->rx_head];
			c->rx_head = (c->rx_head + 1) % RX_FIFO;
		}
		c->rx_len -= (size_t)n;
		c->to_host += (uint64_t)n;
		r->done += STATUS_BYTES + n;
		c->last_in = e.now;
		if (!c->rx_len)
			c->send_now = 0;
		if (STATUS_BYTES + n < PACKET || r->done == r->len)
			finish(c, &c->in_q, r, 0);
	}
}

/* The chip leaves the bus: everything in flight ends with ENODEV. */
static void unplug(struct chip *c)
{
	while (c->in_q.head)
		finish(c, &c->in_q, c->in_q.head, -ENODEV);
	while (c->out_q.head)
		finish(c, &c->out_q, c->out_q.head, -ENODEV);
	while (c->fa && c->fa->in_q.head)
		finish(c, &c->fa->in_q, c->fa->in_q.head, -ENODEV);
	while (c->fa && c->fa->out_q.head)
		finish(c, &c->fa->out_q, c->fa->out_q.head, -ENODEV);
	c->gone = 1;
	e.unplug = 1;
	if (c->fa)
		note(1, "unplugged %s after %llu bytes on channel A (the flash's MPSSE)", c->devnode,
		     (unsigned long long)c->fa->to_chip);
	else
		note(1, "unplugged %s after %llu bytes to the board and %llu to the host", c->devnode,
		     (unsigned long long)c->to_board, (unsigned long long)c->to_host);
	pthread_cond_broadcast(&e.wake);
}

/* ---- the FT232H's MPSSE --------------------------------------------------------------------------- */

static void mpsse_note(const char *msg)
{
	note(1, "%s", msg);
}

/* The SoC's SPI pins, for the MPSSE engine: in the board's simulated time. */
static int spi_pins(void *ctx, int sck, int cs_n, int mosi, uint32_t cycles)
{
	int miso = 1;

	(void)ctx;
	if (!mmfi_sim_spi_pins || mmfi_sim_spi_pins(e.sim, sck, cs_n, mosi, cycles, &miso)) {
		e.sim_failed = 1;
		return 1;
	}
	return miso;
}

/* Run the MPSSE engine on the host's bytes in the TX buffer, at most max_data data bytes clocked;
 * what it reads goes to the RX buffer. Returns the command bytes consumed (0: it waits for more, or
 * for room). The lock is held: a step clocks at most max_data bytes of board time. */
static size_t mpsse_step(struct chip *c, size_t max_data)
{
	struct mpsse_pins p = { c->board ? spi_pins : NULL, c, CLOCK_HZ, NULL };
	uint8_t cmd[MPSSE_PEEK + CHUNK], rd[MPSSE_PEEK + CHUNK];
	size_t n = c->tx_len < sizeof(cmd) ? c->tx_len : sizeof(cmd), room = c->fifo - c->rx_len;
	size_t used, got, i;
	uint64_t before = c->mp.clocked;

	if (!n)
		return 0;
	if (c->bitmode != 0x02) {
		/* the UART or another bit mode: nothing on these pins is modelled */
		if (!c->not_mpsse)
			note(1, "%s: %zu bytes sent in bit mode 0x%02x, not MPSSE (0x02): dropped (the link is "
			     "SPI through MPSSE)", c->devnode, n, c->bitmode);
		c->not_mpsse = 1;
		c->tx_head = (c->tx_head + n) % TX_FIFO;
		c->tx_len -= n;
		return n;
	}
	c->not_mpsse = 0;
	for (i = 0; i < n; i++)
		cmd[i] = c->tx[(c->tx_head + i) % TX_FIFO];
	used = mpsse_run(&c->mp, &p, cmd, n, rd, room < sizeof(rd) ? room : sizeof(rd), &got, max_data,
			 mpsse_note);
	c->tx_head = (c->tx_head + used) % TX_FIFO;
	c->tx_len -= used;
	for (i = 0; i < got; i++)
		c->rx[(c->rx_head + c->rx_len++) % RX_FIFO] = rd[i];
	if (c->mp.flush) {
		c->send_now = 1;
		c->mp.flush = 0;
	}
	c->to_board += c->mp.clocked - before;
	return used;
}

/* An FT232H with no SoC behind it: its engine runs as the bytes come (it has no clock to wait on). */
static void mpsse_unwired(struct chip *c)
{
	do
		take_out(c);
	while (mpsse_step(c, (size_t)-1));
	send_in(c);
}

/* ---- the FT2232H's channel A on the configuration flash (--flash) ----------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* IN packets of channel A: a full one at once, a short one when the latency timer expires (wall time
 * since the last packet) or after 0x87, status bytes only when there is nothing. A short packet ends
 * the URB. */
static void fa_send_in(struct chip *c)
{
	struct chan_a *a = c->fa;
	struct urb *r;
	int n, i;
	uint64_t now = mono_ns();

	while ((r = a->in_q.head)) {
		if (r->len - r->done < PACKET) {
			finish(c, &a->in_q, r, 0);
			continue;
		}
		if (a->rx_len < PACKET - STATUS_BYTES && !(a->send_now && a->rx_len) &&
		    now - a->last_in < (uint64_t)a->latency_ms * 1000000u)
			return;
		n = a->rx_len < PACKET - STATUS_BYTES ? (int)a->rx_len : PACKET - STATUS_BYTES;
		r->buf[r->done] = MODEM_STATUS;
		r->buf[r->done + 1] = LINE_STATUS;
		for (i = 0; i < n; i++) {
			r->buf[r->done + STATUS_BYTES + i] = a->rx[a->rx_head];
			a->rx_head = (a->rx_head + 1) % RX_FIFO;
		}
		a->rx_len -= (size_t)n;
		r->done += STATUS_BYTES + n;
		a->last_in = now;
		if (!a->rx_len)
			a->send_now = 0;
		if (STATUS_BYTES + n < PACKET || r->done == r->len)
			finish(c, &a->in_q, r, 0);
	}
}

/* Run channel A: host bytes into the chip's buffer (an OUT URB completes once all of it is in), the
 * MPSSE engine on them as far as there is room for what it reads, IN packets out. Lock held. */
static void fa_pump(struct chip *c)
{
	struct chan_a *a = c->fa;
	struct mpsse_pins p = { NULL, &a->cfg, CLOCK_HZ, ice40_cfg_port };
	static uint8_t rd[RX_FIFO];
	struct urb *r;
	size_t n, used, got, i;

	for (;;) {
		while ((r = a->out_q.head) && a->tx_len < TX_FIFO) {
			n = (size_t)(r->len - r->done) < TX_FIFO - a->tx_len ? (size_t)(r->len - r->done) :
			    TX_FIFO - a->tx_len;
			memcpy(a->tx + a->tx_len, r->buf + r->done, n);
			a->tx_len += n;
			r->done += (int)n;
			a->to_chip += n;
			if (r->done == r->len)
				finish(c, &a->out_q, r, 0);
		}
		if (!a->tx_len)
			break;
		if (a->bitmode != 0x02) {
			if (!a->not_mpsse)
				note(0, "%s: %zu bytes sent on channel A in bit mode 0x%02x, not MPSSE (0x02): "
				     "dropped (the flash is reached through MPSSE)", c->devnode, a->tx_len,
				     a->bitmode);
			a->not_mpsse = 1;
			a->tx_len = 0;
			continue;
		}
		used = mpsse_run(&a->mp, &p, a->tx, a->tx_len, rd, RX_FIFO - a->rx_len, &got, (size_t)-1,
				 mpsse_note);
		memmove(a->tx, a->tx + used, a->tx_len - used);
		a->tx_len -= used;
		for (i = 0; i < got; i++)
			a->rx[(a->rx_head + a->rx_len++) % RX_FIFO] = rd[i];
		if (a->mp.flush) {
			a->send_now = 1;
			a->mp.flush = 0;
		}
		fa_send_in(c);
		if (!used && !got)
			break;
	}
	fa_send_in(c);
	if (e.o->unplug_after && a->to_chip >= e.o->unplug_after && !c->gone)
		unplug(c);
}

/* Channel A's vendor requests (wIndex 1). Returns 0, or -1 to stall. */
static int fa_control(struct chip *c, uint8_t req, uint16_t value)
{
	struct chan_a *a = c->fa;

	switch (req) {
	case FTDI_RESET:
		if (value == 0 || value == 1) {
			a->rx_len = 0;
			a->rx_head = 0;
		}
		if (value == 0 || value == 2)
			a->tx_len = 0;
		return value <= 2 ? 0 : -1;
	case FTDI_SET_LATENCY:
		a->latency_ms = value >= 1 && value <= 255 ? value : 1;
		return 0;
	case FTDI_SET_BITMODE:
		/* entering MPSSE starts its engine afresh: divisor 0, divide-by-5, pins inputs (the board's
		 * pull-ups: CRESET_B released, the flash deselected) */
		if ((value >> 8) == 0x02 && a->bitmode != 0x02)
			mpsse_reset(&a->mp);
		if ((value >> 8) != 0x02) {
			mpsse_reset(&a->mp);
			ice40_cfg_port(&a->cfg, 0xFF, 0);
		}
		if ((value >> 8) != a->bitmode)
			note(0, "%s: channel A bit mode 0x%02x%s", c->devnode, value >> 8,
			     (value >> 8) == 0x02 ? " (MPSSE)" : (value >> 8) == 0 ? " (reset)" : "");
		a->bitmode = (uint8_t)(value >> 8);
		a->not_mpsse = 0;
		return 0;
	case FTDI_SET_BAUD:
	case FTDI_SET_DATA:
	case FTDI_MODEM_CTRL:
	case FTDI_SET_FLOW:
	case FTDI_EVENT_CHAR:
	case FTDI_ERROR_CHAR:
		return 0;
	}
	note(1, "channel A: vendor request 0x%02x (wValue 0x%04x) not modelled: stalled", req, value);
	return -1;
}

/* Set up channel A on the flash of --flash: 0, or -1 said on stderr. */
static int fa_open(struct chip *c, const struct usb_emu_opts *o)
{
	struct ice40_cfg_opts co = { o->flash, { 0xEF, 0x40, 0x18 }, o->flash_sr1, 16u << 20, NULL };
	char err[512], exe[4096], *ref = NULL;
	ssize_t n;
	unsigned id;
	int ret = -1;

	if (o->flash_id) {
		char *end;
		id = (unsigned)strtoul(o->flash_id, &end, 16);
		if (strlen(o->flash_id) != 6 || *end) {
			note(1, "--flash-id '%s': six hex digits, the JEDEC ID's three bytes (EF4018)", o->flash_id);
			return -1;
		}
		co.id[0] = (uint8_t)(id >> 16);
		co.id[1] = (uint8_t)(id >> 8);
		co.id[2] = (uint8_t)id;
	}
	/* the reference bitstream: build/icebreaker/mmfree.bin beside build/bin/mmfree-vboard */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if (strrchr(exe, '/'))
			*strrchr(exe, '/') = '\0';
		if (asprintf(&ref, "%s/../icebreaker/mmfree.bin", exe) < 0)
			ref = NULL;
		co.bitstream = ref;
	}
	c->fa = calloc(1, sizeof(*c->fa));
	if (!c->fa) {
		note(1, "out of memory for channel A");
		goto out;
	}
	c->fa->latency_ms = 16;
	mpsse_reset(&c->fa->mp);
	if (ice40_cfg_open(&c->fa->cfg, &co, err, sizeof(err))) {
		note(1, "%s", err);
		free(c->fa);
		c->fa = NULL;
		goto out;
	}
	note(0, "channel A: the flash (JEDEC ID %02X %02X %02X, status 1 = 0x%02x) in %s%s; CDONE checked "
	     "against %s", co.id[0], co.id[1], co.id[2], co.sr1, o->flash, c->fa->cfg.created ?
	     " (new: erased)" : "", c->fa->cfg.ref ? c->fa->cfg.ref_path : "nothing (no bitstream built: "
	     "CDONE stays low)");
	ret = 0;
out:
	free(ref);
	return ret;
}

/* Channel A's end: what happened to the flash, and the file written back. 0, or -1 said. */
static int fa_close(struct chip *c)
{
	struct chan_a *a = c->fa;
	struct ice40_cfg *g = &a->cfg;
	char err[512];
	int ret = 0;

	note(0, "channel A: %llu MPSSE bytes; flash: %llu page programs, %llu erases; iCE40: %llu boots "
	     "from flash, %llu configurations (CDONE %s%s%s)", (unsigned long long)a->to_chip,
	     (unsigned long long)g->flash.programs, (unsigned long long)g->flash.erases,
	     (unsigned long long)g->boots, (unsigned long long)g->configs, g->cdone ? "high" : "low",
	     g->why[0] && !g->cdone ? ": " : "", g->cdone ? "" : g->why);
	if (g->flash.refused)
		note(1, "the flash refused %llu program, erase or status writes (status 1 = 0x%02x, 2 = "
		     "0x%02x: %s)", (unsigned long long)g->flash.refused, g->flash.sr[0], g->flash.sr[1],
		     (g->flash.sr[0] & SF_SR1_BP) || (g->flash.sr[1] & SF_SR2_CMP) ?
		     "write-protected by its BP bits" : "no write enable first, or locked");
	if (ice40_cfg_close(g, err, sizeof(err))) {
		note(1, "%s", err);
		ret = -1;
	}
	for (int k = 0; k < 2; k++) {
		struct queue *q = k ? &a->out_q : &a->in_q;
		struct urb *r;
		while ((r = q->head)) {
			unlink_urb(q, r);
			free_urb(r);
		}
	}
	free(a);
	c->fa = NULL;
	return ret;
}

/* ---- the FT245 chip's channel A: a 245 synchronous FIFO --------------------------------------------- */

/* Host bytes from the OUT URBs into the chip's buffer for the FPGA (TX_FIFO bytes); an URB completes
 * once all of it is in. Outside bit mode 0x40 channel A is no FIFO: the bytes are dropped, said once.
 * The simulation thread only (it owns the chip model), lock held. */
static void fifo_take_out(struct chip *c, mmf_ft245_chip_t *fc)
{
	struct urb *r;

	while ((r = c->out_q.head)) {
		if (c->bitmode != FIFO_MODE) {
			if (!c->not_fifo)
				note(1, "%s: %d bytes sent on channel A in bit mode 0x%02x, not the synchronous "
				     "FIFO (0x40): dropped, nothing reaches the FPGA", c->devnode,
				     r->len - r->done, c->bitmode);
			c->not_fifo = 1;
			r->done = r->len;
		}
		while (r->done < r->len && fc->to_n < TX_FIFO)
			mmf_ft245_chip_host_write(fc, r->buf[r->done++]);
		if (r->done < r->len)
			return;
		finish(c, &c->out_q, r, 0);
	}
}

/* One step of the FT245 chip and its SoC: the host's bytes in, SLICE core cycles with the lock
 * released (the handler thread touches only the URB queues and the chip's settings meanwhile), the
 * FPGA's bytes out into the buffer for the host, IN packets. Lock held on entry and return. */
static void fifo_step(struct chip *c)
{
	mmf_ft245_chip_t *fc = usb_ft245_chip(e.ft);
	uint64_t t0 = e.now, read0 = fc->read_bytes;
	uint8_t b;

	/* a purge keeps the byte on offer (RXF# low): the FPGA may take it at the next edge */
	if (c->purge & 2)
		fc->to_n = !fc->rxf_n && fc->to_n ? 1 : 0;
	if (c->purge & 1)
		fc->th_head = fc->th_n = 0;
	c->purge = 0;
	fifo_take_out(c, fc);
	/* TXE# low only in FIFO mode and while the buffer for the host has room */
	fc->th_cap = c->bitmode == FIFO_MODE ? (uint32_t)(RX_FIFO - c->rx_len) : 0;
	pthread_mutex_unlock(&e.lock);
	usb_ft245_run(e.ft, SLICE);
	pthread_mutex_lock(&e.lock);
	c->to_board += fc->read_bytes - read0;
	while (c->rx_len < RX_FIFO && mmf_ft245_chip_host_read(fc, &b) == 0)
		c->rx[(c->rx_head + c->rx_len++) % RX_FIFO] = b;
	/* SIWU#: what the buffer holds goes at the next IN request, short packet and all (the bytes
	 * that came after the strobe in this slice too: a slice is 256 core cycles) */
	if (fc->send_now && c->rx_len)
		c->send_now = 1;
	fc->send_now = 0;
	e.now = usb_ft245_cycles(e.ft);
	e.budget = e.budget > e.now - t0 ? e.budget - (e.now - t0) : 0;
	send_in(c);
	if (e.o->unplug_after && c->to_board >= e.o->unplug_after)
		unplug(c);
}

/* ---- control transfers --------------------------------------------------------------------------- */

/* Answer one control request: data (IN) into out (at most wLength bytes); returns the bytes, or -1
 * for a stall. */
static int control(struct chip *c, const uint8_t *setup, uint8_t *out)
{
	uint8_t type = setup[0], req = setup[1];
	uint16_t value = setup[2] | setup[3] << 8, index = setup[4] | setup[5] << 8;
	uint16_t wlen = setup[6] | setup[7] << 8;
	char hex[256];
	int n;

	if (type == 0x80 && req == 6) {            /* GET_DESCRIPTOR */
		if (value >> 8 == 3)
			return string_desc(c, value & 0xff, out, wlen);
		if (value >> 8 == 1 || value >> 8 == 2) {
			descriptors_hex(c, hex, sizeof(hex));
			int off = value >> 8 == 1 ? 0 : 18, len = value >> 8 == 1 ? 18 : (int)strlen(hex) / 2 - 18;
			for (n = 0; n < len && n < wlen; n++)
				sscanf(hex + 2 * (off + n), "%2hhx", &out[n]);
			return n;
		}
		return -1;
	}
	if (type == 0x80 && req == 0) {            /* GET_STATUS */
		memset(out, 0, wlen < 2 ? wlen : 2);
		return wlen < 2 ? wlen : 2;
	}
	if (type == 0xC0) {
		switch (req) {
		case FTDI_GET_LATENCY:
			if (wlen < 1)
				return -1;
			out[0] = (uint8_t)(c->fa && (index & 0xff) == 1 ? c->fa->latency_ms : c->latency_ms);
			return 1;
		case FTDI_GET_MODEM:
			if (wlen < 2)
				return -1;
			out[0] = MODEM_STATUS;
			out[1] = LINE_STATUS;
			return 2;
		case FTDI_READ_PINS:
			if (wlen < 1)
				return -1;
			out[0] = 0xff;
			return 1;
		case FTDI_READ_EEPROM:       /* word wIndex: word 0 as the chip has it, the rest blank */
			if (wlen < 2)
				return -1;
			out[0] = (uint8_t)(index == 0 ? c->eeprom0 : EEPROM_BLANK);
			out[1] = (uint8_t)((index == 0 ? c->eeprom0 : EEPROM_BLANK) >> 8);
			return 2;
		}
		return -1;
	}
	if (type != 0x40)
		return -1;
	if (c->fa && (index & 0xff) == 1)
		return fa_control(c, req, value);
	if ((index & 0xff) != link_iface(c) + 1 || !(c->board || c->spi)) {
		/* the iCEBreaker FT2232H's channel A (the flash), the FT245 chip's channel B, or an FT2232H
		 * with no SoC: not modelled */
		if (req == FTDI_SET_BITMODE || req == FTDI_RESET || req == FTDI_SET_LATENCY)
			return 0;
		note(1, "vendor request 0x%02x for channel %u accepted and ignored (only %s is modelled)",
		     req, index & 0xff, !c->board ? "the chip of the board this build simulates" :
		     c->ft245 ? "channel A, the 245 FIFO" : "channel B");
		return 0;
	}
	switch (req) {
	case FTDI_RESET:
		if (value == 0 || value == 1) {
			c->rx_len = 0;
			c->rx_head = 0;
		}
		if (value == 0 || value == 2) {
			c->tx_len = 0;
			c->tx_head = 0;
		}
		if (c->ft245 && value <= 2)
			c->purge |= value == 0 ? 3 : (int)value;
		return value <= 2 ? 0 : -1;
	case FTDI_SET_BAUD:
		c->baud_value = value;
		c->baud_index = index;
		c->baud = baud_of(value, index);
		c->baud_set = 1;
		if (!c->spi && !c->ft245)
			check_line(c);
		return 0;
	case FTDI_SET_DATA:
		c->data_fmt = value;
		if (!c->spi && !c->ft245)
			check_line(c);
		return 0;
	case FTDI_SET_LATENCY:
		c->latency_ms = value >= 1 && value <= 255 ? value : 1;
		return 0;
	case FTDI_SET_BITMODE:
		if (c->spi) {
			/* entering MPSSE starts its engine afresh: divisor 0, divide-by-5, pins inputs */
			if ((value >> 8) == 0x02 && c->bitmode != 0x02) {
				mpsse_reset(&c->mp);
				c->send_now = 0;
			}
			if ((value >> 8) != c->bitmode)
				note(0, "%s: bit mode 0x%02x%s", c->devnode, value >> 8,
				     (value >> 8) == 0x02 ? " (MPSSE)" : (value >> 8) == 0 ? " (reset)" : "");
			c->bitmode = (uint8_t)(value >> 8);
			return 0;
		}
		if (c->ft245) {
			if ((value >> 8) != c->bitmode)
				note(0, "%s: channel A bit mode 0x%02x%s", c->devnode, value >> 8,
				     (value >> 8) == FIFO_MODE ? " (245 synchronous FIFO)" :
				     (value >> 8) == 0 ? " (reset)" : "");
			c->bitmode = (uint8_t)(value >> 8);
			c->not_fifo = 0;
			return 0;
		}
		c->bitmode = (uint8_t)(value >> 8);
		check_line(c);
		return 0;
	case FTDI_MODEM_CTRL:
	case FTDI_SET_FLOW:
	case FTDI_EVENT_CHAR:
	case FTDI_ERROR_CHAR:
		return 0;
	}
	note(1, "vendor request 0x%02x (wValue 0x%04x) not modelled: stalled", req, value);
	return -1;
}

/* ---- the usbfs ioctls ---------------------------------------------------------------------------- */

static void done_ioctl(UMockdevIoctlClient *client, int err, long result)
{
	umockdev_ioctl_client_complete(client, err ? -1 : result, err);
}

/* USBDEVFS_CONTROL: a control transfer in one call, as libusb-0.1 (iceprog's libftdi 0.20) sends
 * them; the bytes of an IN request are its result. */
static int sync_control(struct chip *c, UMockdevIoctlData *arg, long *result)
{
	UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_ctrltransfer), NULL);
	UMockdevIoctlData *buf = NULL;
	struct usbdevfs_ctrltransfer *ct;
	uint8_t setup[8], data[256];
	int n, err = 0;

	if (!d)
		return EFAULT;
	ct = (struct usbdevfs_ctrltransfer *)d->data;
	if (ct->wLength > sizeof(data)) {
		err = EINVAL;
		goto out;
	}
	if (ct->wLength) {
		buf = umockdev_ioctl_data_resolve(d, offsetof(struct usbdevfs_ctrltransfer, data), ct->wLength, NULL);
		if (!buf) {
			err = EFAULT;
			goto out;
		}
	}
	setup[0] = ct->bRequestType;
	setup[1] = ct->bRequest;
	setup[2] = (uint8_t)ct->wValue;
	setup[3] = (uint8_t)(ct->wValue >> 8);
	setup[4] = (uint8_t)ct->wIndex;
	setup[5] = (uint8_t)(ct->wIndex >> 8);
	setup[6] = (uint8_t)ct->wLength;
	setup[7] = (uint8_t)(ct->wLength >> 8);
	n = control(c, setup, data);
	if (n < 0) {
		err = EPIPE;
		goto out;
	}
	if ((ct->bRequestType & 0x80) && buf)
		memcpy(buf->data, data, (size_t)n);
	*result = (ct->bRequestType & 0x80) ? n : ct->wLength;
out:
	if (buf)
		g_object_unref(buf);
	g_object_unref(d);
	return err;
}

static int submit(struct chip *c, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *ud, *bd = NULL;
	struct usbdevfs_urb *u;
	struct urb *r;
	int n;

	if (c->gone)
		return ENODEV;
	ud = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
	if (!ud)
		return EFAULT;
	u = (struct usbdevfs_urb *)ud->data;
	if (u->buffer_length > 0) {
		bd = umockdev_ioctl_data_resolve(ud, offsetof(struct usbdevfs_urb, buffer),
						 (gsize)u->buffer_length, NULL);
		if (!bd) {
			g_object_unref(ud);
			return EFAULT;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r || c->in_q.n + c->out_q.n >= MAX_URBS) {
		free(r);
		if (bd)
			g_object_unref(bd);
		g_object_unref(ud);
		return ENOMEM;
	}
	r->data = ud;
	r->client = g_object_ref(client);
	r->u = u;
	r->buf = bd ? bd->data : NULL;
	r->len = u->buffer_length;
	if (bd)
		g_object_unref(bd);     /* ud holds it */
	c->urbs++;
	if (u->type == USBDEVFS_URB_TYPE_CONTROL) {
		n = r->len >= 8 ? control(c, r->buf, r->buf + 8) : -1;
		r->done = n > 0 ? n : 0;
		finish(c, NULL, r, n < 0 ? -EPIPE : 0);
		return 0;
	}
	if (u->type == USBDEVFS_URB_TYPE_BULK && c->fa && c->claimed[0] &&
	    (u->endpoint == 0x81 || u->endpoint == 0x02)) {
		push(u->endpoint & 0x80 ? &c->fa->in_q : &c->fa->out_q, r);
		fa_pump(c);
		return 0;
	}
	if (u->type == USBDEVFS_URB_TYPE_BULK && (c->board || c->spi) && c->claimed[link_iface(c)] &&
	    (u->endpoint == 0x81 + 2 * link_iface(c) || u->endpoint == 0x02 + 2 * link_iface(c))) {
		push(u->endpoint & 0x80 ? &c->in_q : &c->out_q, r);
		if (c->spi && !c->board)
			mpsse_unwired(c);
		pthread_cond_broadcast(&e.wake);
		return 0;
	}
	note(1, "URB type %u on endpoint 0x%02x refused (%s)", u->type, u->endpoint,
	     c->spi ? "the FT232H's bulk endpoints are 0x81 and 0x02, once interface 0 is claimed" :
	     c->board && c->ft245 ? "only channel A's bulk endpoints 0x81 and 0x02 (the 245 FIFO) are "
	     "modelled, once interface 0 is claimed" :
	     c->board ? "only channel B's bulk endpoints 0x83 and 0x04 are modelled, once interface 1 is "
	     "claimed" : e.ft245_listed ? "this FT2232H has no SoC behind it while the ft245 chip is on "
	     "the bus: descriptors only" : "this FT2232H has no SoC behind it in this build: descriptors only");
	free_urb(r);
	c->urbs--;
	return EINVAL;
}

static int reap(struct chip *c, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *ptr;
	struct urb *r;

	if (c->fa && !c->gone)
		fa_pump(c);     /* the latency timer and the flash's BUSY time run in wall time */
	for (r = c->done_q.head; r && r->client != client; r = r->next)
		;
	if (!r && !c->gone && c->board) {
		/* the host polls: it is waiting, so the board's time runs (see the top of the file) */
		e.budget = e.budget + GRANT < GRANT_MAX ? e.budget + GRANT : GRANT_MAX;
		pthread_cond_broadcast(&e.wake);
	}
	if (!r)
		return c->gone ? ENODEV : EAGAIN;
	unlink_urb(&c->done_q, r);
	ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), NULL);
	if (!ptr) {
		free_urb(r);
		return EFAULT;
	}
	umockdev_ioctl_data_set_ptr(ptr, 0, r->data);   /* the reap hands the client its URB back */
	g_object_unref(ptr);
	free_urb(r);
	return 0;
}

static int discard(struct chip *c, UMockdevIoctlData *arg)
{
	gulong addr = *(gulong *)arg->data;
	struct queue *q[4] = { &c->in_q, &c->out_q, c->fa ? &c->fa->in_q : NULL, c->fa ? &c->fa->out_q : NULL };
	struct urb *r;
	int i;

	for (i = 0; i < 4 && q[i]; i++)
		for (r = q[i]->head; r; r = r->next)
			if (r->data->client_addr == addr) {
				finish(c, q[i], r, -ENOENT);
				return 0;
			}
	return EINVAL;
}

/* USBDEVFS_IOCTL: the kernel driver detached (DISCONNECT) or attached again (CONNECT). */
static int driver_ioctl(struct chip *c, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_ioctl), NULL);
	struct usbdevfs_ioctl *io;
	int r = 0;

	if (!d)
		return EFAULT;
	io = (struct usbdevfs_ioctl *)d->data;
	if (io->ifno < 0 || io->ifno >= c->n_ifaces) {
		r = EINVAL;
	} else if (io->ioctl_code == (int)USBDEVFS_DISCONNECT) {
		if (!c->bound[io->ifno])
			r = ENODATA;
		c->bound[io->ifno] = 0;
		if (!r)
			note(0, "ftdi_sio detached from interface %d", io->ifno);
	} else if (io->ioctl_code == (int)USBDEVFS_CONNECT) {
		if (c->claimed[io->ifno]) {
			r = EBUSY;
		} else {
			c->bound[io->ifno] = 1;
			note(0, "ftdi_sio attached again to interface %d", io->ifno);
		}
	} else {
		r = ENOTTY;
	}
	g_object_unref(d);
	return r;
}

static int claim(struct chip *c, unsigned iface)
{
	if (iface >= (unsigned)c->n_ifaces)
		return ENOENT;
	if (c->bound[iface] || c->claimed[iface] || ((int)iface == link_iface(c) && e.o->claim_busy))
		return EBUSY;
	c->claimed[iface] = 1;
	return 0;
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *client, gpointer user)
{
	struct chip *c = user;
	gulong req = umockdev_ioctl_client_get_request(client);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client), *d = NULL;
	int err = 0;
	long result = 0;

	(void)h;
	pthread_mutex_lock(&e.lock);
	if (c->gone && req != USBDEVFS_REAPURB && req != USBDEVFS_REAPURBNDELAY) {
		err = ENODEV;
		goto out;
	}
	switch (req) {
	case USBDEVFS_GET_CAPABILITIES:
		d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
		if (!d) {
			err = EFAULT;
			break;
		}
		*(guint32 *)d->data = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
				      USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
		break;
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESETEP:
	case USBDEVFS_SETCONFIGURATION:
		d = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned int), NULL);
		if (!d) {
			err = EFAULT;
			break;
		}
		if (req == USBDEVFS_CLAIMINTERFACE)
			err = claim(c, *(unsigned *)d->data);
		else if (req == USBDEVFS_RELEASEINTERFACE && *(unsigned *)d->data < (unsigned)c->n_ifaces)
			c->claimed[*(unsigned *)d->data] = 0;
		break;
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_RESET:
		break;
	case USBDEVFS_CONNECTINFO: {
		/* libftdi's libusb asks whether the device is low speed */
		struct usbdevfs_connectinfo *ci;
		d = umockdev_ioctl_data_resolve(arg, 0, sizeof(*ci), NULL);
		if (!d) {
			err = EFAULT;
			break;
		}
		ci = (struct usbdevfs_connectinfo *)d->data;
		ci->devnum = (unsigned)c->devnum;
		ci->slow = 0;
		break;
	}
	case USBDEVFS_GETDRIVER: {
		struct usbdevfs_getdriver *g;
		d = umockdev_ioctl_data_resolve(arg, 0, sizeof(*g), NULL);
		if (!d) {
			err = EFAULT;
			break;
		}
		g = (struct usbdevfs_getdriver *)d->data;
		if (g->interface >= (unsigned)c->n_ifaces)
			err = EINVAL;
		else if (c->claimed[g->interface])
			snprintf(g->driver, sizeof(g->driver), "usbfs");
		else if (c->bound[g->interface])
			snprintf(g->driver, sizeof(g->driver), "ftdi_sio");
		else
			err = ENODATA;
		break;
	}
	case USBDEVFS_DISCONNECT_CLAIM: {
		struct usbdevfs_disconnect_claim *dc;
		d = umockdev_ioctl_data_resolve(arg, 0, sizeof(*dc), NULL);
		if (!d) {
			err = EFAULT;
			break;
		}
		dc = (struct usbdevfs_disconnect_claim *)d->data;
		if (dc->interface < (unsigned)c->n_ifaces && c->bound[dc->interface]) {
			c->bound[dc->interface] = 0;
			note(0, "ftdi_sio detached from interface %u", dc->interface);
		}
		err = claim(c, dc->interface);
		break;
	}
	case USBDEVFS_IOCTL:
		err = driver_ioctl(c, arg);
		break;
	case USBDEVFS_SUBMITURB:
		err = submit(c, client, arg);
		break;
	case USBDEVFS_CONTROL:
		err = sync_control(c, arg, &result);
		break;
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY:
		err = reap(c, client, arg);
		break;
	case USBDEVFS_DISCARDURB:
		err = discard(c, arg);
		break;
	default:
		note(1, "usbfs ioctl 0x%lx not modelled: ENOTTY", (unsigned long)req);
		err = ENOTTY;
		break;
	}
out:
	if (d)
		g_object_unref(d);
	pthread_mutex_unlock(&e.lock);
	done_ioctl(client, err, result);
	return TRUE;
}

/* ---- the simulation thread ------------------------------------------------------------------------ */

static void *sim_main(void *arg)
{
	struct chip *c = e.bc;
	uint8_t in[CHUNK], out[4096];
	size_t n, got, i;
	uint64_t t0;
	int r, dark;

	(void)arg;
	pthread_mutex_lock(&e.lock);
	while (!e.quit) {
		if (!c->ft245)
			take_out(c);
		if (c->gone || e.budget == 0) {
			/* the host is not waiting: the board's clock stands still */
			pthread_cond_wait(&e.wake, &e.lock);
			continue;
		}
		if (c->ft245) {
			fifo_step(c);
			continue;
		}
		if (c->spi) {
			/* the FT232H: its MPSSE clocks the SoC's pins itself (lock held, CHUNK bytes at most);
			 * with nothing to do, the board's clock runs while the host waits */
			t0 = e.now;
			if (!mpsse_step(c, CHUNK))
				mmfi_sim_step(e.sim, SLICE);
			if (e.sim_failed) {
				note(1, "the simulation failed: the SPI pins could not be driven");
				unplug(c);
				break;
			}
			e.now = mmfi_transport_now(e.sim) * (CLOCK_HZ / 1000000);
			e.budget = e.budget > e.now - t0 ? e.budget - (e.now - t0) : 0;
			send_in(c);
			if (e.o->unplug_after && c->to_board >= e.o->unplug_after)
				unplug(c);
			continue;
		}
		for (n = 0; n < CHUNK && c->tx_len; n++) {
			in[n] = c->garble ? garble(c, c->tx[c->tx_head]) : c->tx[c->tx_head];
			c->tx_head = (c->tx_head + 1) % TX_FIFO;
			c->tx_len--;
		}
		t0 = e.now;
		/* with --flash the SoC is there only while the iCE40 is configured (CDONE high): otherwise
		 * its UART pins float, the host's bytes reach nothing and nothing answers */
		dark = c->fa && !c->fa->cfg.cdone;
		pthread_mutex_unlock(&e.lock);
		/* the UART takes the bytes at its line rate: send() runs the SoC until it has */
		if (n && !dark)
			r = e.link->ops->send(e.link, in, n);
		else
			r = (mmfi_sim_step(e.sim, SLICE), 0);
		got = 0;
		if (!r)
			r = e.link->ops->recv(e.link, out, sizeof(out), 0, &got);
		pthread_mutex_lock(&e.lock);
		if (r) {
			e.sim_failed = 1;
			note(1, "the simulation failed: %s", e.err);
			unplug(c);
			break;
		}
		/* the SoC's clock in microseconds of simulated time, as cycles of the 48 MHz core */
		e.now = mmfi_transport_now(e.sim) * (CLOCK_HZ / 1000000);
		e.budget = e.budget > e.now - t0 ? e.budget - (e.now - t0) : 0;
		if (dark) {
			c->dark += n + got;
			n = got = 0;
		}
		c->to_board += n;
		for (i = 0; i < got; i++) {
			if (c->rx_len == RX_FIFO) {
				c->overrun++;
				continue;
			}
			c->rx[(c->rx_head + c->rx_len) % RX_FIFO] = c->garble ? garble(c, out[i]) : out[i];
			c->rx_len++;
		}
		send_in(c);
		if (e.o->unplug_after && c->to_board >= e.o->unplug_after)
			unplug(c);
	}
	pthread_mutex_unlock(&e.lock);
	return NULL;
}

/* ---- the testbed and the program ----------------------------------------------------------------- */

/* The descriptors as the device node's contents too: libusb-0.1 (under iceprog's libftdi 0.20) reads
 * them from the node, as usbfs gives them, where libusb-1.0 reads sysfs. */
static int node_contents(const struct chip *c, const char *hex)
{
	char path[512];
	size_t n = strlen(hex) / 2, i;
	uint8_t d[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", umockdev_testbed_get_root_dir(e.tb), c->devnode);
	for (i = 0; i < n && i < sizeof(d); i++)
		sscanf(hex + 2 * i, "%2hhx", &d[i]);
	f = fopen(path, "wb");
	if (!f || fwrite(d, 1, i, f) != i) {
		note(1, "writing the descriptors into %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int add_chip(struct chip *c)
{
	char desc[1024], hex[256];
	GError *ge = NULL;

	descriptors_hex(c, hex, sizeof(hex));
	snprintf(c->devnode, sizeof(c->devnode), "/dev/bus/usb/001/%03d", c->devnum);
	snprintf(c->syspath, sizeof(c->syspath), "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-%d",
		 c->devnum - 1);
	snprintf(desc, sizeof(desc),
		 "P: /devices/pci0000:00/0000:00:14.0/usb1/1-%d\n"
		 "N: bus/usb/001/%03d\n"
		 "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
		 "E: BUSNUM=001\nE: DEVNUM=%03d\nE: DEVNAME=%s\n"
		 "E: PRODUCT=403/%x/%x\n"
		 "A: busnum=1\\n\nA: devnum=%d\\n\nA: speed=480\\n\nA: bConfigurationValue=1\\n\n"
		 "A: idVendor=0403\\n\nA: idProduct=%04x\\n\n"
		 "A: manufacturer=%s\\n\nA: product=%s\\n\nA: serial=%s\\n\n"
		 "H: descriptors=%s\n",
		 c->devnum - 1, c->devnum, c->devnum, c->devnode, c->pid, c->bcd, c->devnum, c->pid,
		 c->manufacturer, c->product, c->serial, hex);
	c->handler = umockdev_ioctl_base_new();
	g_signal_connect(c->handler, "handle-ioctl", G_CALLBACK(on_ioctl), c);
	/* the handler first, so the node answers from the moment the device appears */
	if (!umockdev_testbed_attach_ioctl(e.tb, c->devnode, c->handler, &ge)) {
		note(1, "attaching the ioctl handler to %s failed: %s", c->devnode, ge ? ge->message : "?");
		return -1;
	}
	if (!umockdev_testbed_add_from_string(e.tb, desc, &ge)) {
		note(1, "adding %s to the testbed failed: %s", c->devnode, ge ? ge->message : "?");
		return -1;
	}
	if (node_contents(c, hex))
		return -1;
	note(0, "%s: 0403:%04x '%s' serial %s", c->devnode, c->pid, c->product, c->serial);
	return 0;
}

/* The device nodes as a system without the udev rule has them: root's, mode 0600; the testbed's
 * folders open to all, so a program run as another user finds the chips but cannot open them. */
static int deny_access(void)
{
	char path[512];
	const char *root = umockdev_testbed_get_root_dir(e.tb);
	static const char *const dirs[] = { "", "/dev", "/dev/bus", "/dev/bus/usb", "/dev/bus/usb/001" };
	unsigned i;

	/* the root takes the sockets a client's preload library makes for uevents */
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		if (chmod(path, i ? 0755 : 01777)) {
			note(1, "chmod %s: %s", path, strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < (unsigned)e.n_chips; i++) {
		/* the node itself; umockdev's socket behind it stays open to all, as the kernel is */
		snprintf(path, sizeof(path), "%s%s", root, e.chip[i].devnode);
		if (chmod(path, 0600)) {
			note(1, "chmod %s: %s", path, strerror(errno));
			return -1;
		}
		snprintf(path, sizeof(path), "%s/ioctl%s", root, e.chip[i].devnode);
		if (chmod(path, 0777)) {
			note(1, "chmod %s: %s", path, strerror(errno));
			return -1;
		}
	}
	note(0, "device nodes are root's, mode 0600 (no udev rule)");
	return 0;
}

static int parse_boards(const struct usb_emu_opts *o)
{
	/* the SoC goes behind the chip of the board this build simulates */
	const char *built = mmfi_sim_board_name ? mmfi_sim_board_name() : "";
	char list[64], *tok, *save;

	if (strlen(o->boards) >= sizeof(list))
		return -1;
	strcpy(list, o->boards);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct chip *c = &e.chip[e.n_chips];
		if (e.n_chips == MAX_CHIPS)
			return -1;
		memset(c, 0, sizeof(*c));
		c->devnum = 2 + e.n_chips;
		c->latency_ms = 16;
		c->baud = 9600;
		c->data_fmt = 0x0008;
		c->fifo = TX_FIFO;
		if (!strcmp(tok, "icebreaker") && !e.bc) {
			c->board = !strcmp(built, "icebreaker");
			c->pid = 0x6010;
			c->bcd = 0x0700;
			c->n_ifaces = 2;
			c->serial = o->serial ? o->serial : "MMF0001";
			c->product = "iCEBreaker V1.0e";
			c->manufacturer = "FTDI";
			c->garble = 1;      /* 9600 baud after power-up */
			if (c->board)
				e.bc = c;
		} else if (!strcmp(tok, "ft245") && !e.ft245_listed) {
			/* an FT2232H as it comes, but with channel A made a 245 FIFO in its EEPROM */
			c->board = 1;
			c->ft245 = 1;
			c->eeprom0 = EEPROM_FT245;
			c->pid = 0x6010;
			c->bcd = 0x0700;
			c->n_ifaces = 2;
			c->serial = "MMF0003";
			c->product = "Dual RS232-HS";
			c->manufacturer = "FTDI";
			e.ft245_listed = 1;
		} else if (!strcmp(tok, "upduino3")) {
			c->board = !strcmp(built, "upduino3") && !e.bc;
			c->spi = 1;
			c->fifo = FT232H_FIFO;
			mpsse_reset(&c->mp);
			c->pid = 0x6014;
			c->bcd = 0x0900;
			c->n_ifaces = 1;
			c->serial = "MMF0002";
			c->product = "Single RS232-HS";
			c->manufacturer = "FTDI";
			if (c->board)
				e.bc = c;
		} else {
			return -1;
		}
		c->bound[0] = c->bound[1] = 1;   /* ftdi_sio took every interface at plug-in */
		if (!c->ft245)
			c->eeprom0 = EEPROM_BLANK;
		e.n_chips++;
	}
	/* the FT245 chip's SoC is built into every mmfree-vboard: when it is on the bus it is the one
	 * simulated, and the chip of the build's board is descriptors only */
	for (int i = 0; i < e.n_chips && e.ft245_listed; i++) {
		e.chip[i].board = e.chip[i].ft245;
		if (e.chip[i].ft245)
			e.bc = &e.chip[i];
	}
	return e.n_chips ? 0 : -1;
}

int usb_emu_run(const struct usb_emu_opts *o, char **argv)
{
	struct mmfi_sim_opts so = { 0 };
	struct mmfi_fault_opts fo;
	pthread_t th;
	const char *pre = getenv("LD_PRELOAD");
	char *preload = NULL;
	int i, st = 0, ret = 1, thread = 0;
	pid_t pid;

	e.o = o;
	if (parse_boards(o)) {
		fprintf(stderr, "mmfree-vboard: --usb %s: boards are icebreaker (FT2232H, UART on channel "
			"B), upduino3 (FT232H, MPSSE SPI) and ft245 (FT2232H, channel A a 245 synchronous "
			"FIFO to the SoC of sim/vboard_ft245.v), at most one of each; the SoC is behind "
			"ft245 if it is listed, else behind the one this build simulates (%s)\n", o->boards,
			mmfi_sim_board_name ? mmfi_sim_board_name() : "?");
		return 2;
	}
	if (e.bc && e.bc->ft245) {
		if (usb_ft245_open(&e.ft, o->seed)) {
			fprintf(stderr, "mmfree-vboard: usb: out of memory for the FT245 SoC\n");
			return 1;
		}
		e.now = usb_ft245_cycles(e.ft);
		if (o->errors > 0)
			note(1, "--inject-errors is not modelled on the 245 FIFO: no faults");
	} else if (e.bc) {
		so.board = mmfi_sim_board_name();
		if (!mmfi_sim_open || mmfi_sim_open(&so, &e.sim, e.err, sizeof(e.err))) {
			fprintf(stderr, "mmfree-vboard: usb: the %s SoC: %s\n", so.board, e.err);
			return 1;
		}
		e.link = e.sim;
		if (o->errors > 0 && e.bc->spi)
			note(1, "--inject-errors is not modelled on the SPI link: no faults");
		if (o->errors > 0 && !e.bc->spi) {
			fo.rate = o->errors;
			fo.seed = o->seed;
			if (mmfi_faults_open(e.sim, &fo, &e.link, e.err, sizeof(e.err))) {
				fprintf(stderr, "mmfree-vboard: usb: %s\n", e.err);
				return 1;
			}
		}
	}
	for (i = 0; o->flash && i < e.n_chips; i++)
		if (e.chip[i].pid == 0x6010 && !e.chip[i].ft245 && fa_open(&e.chip[i], o))
			return 1;
	if (o->flash && !(e.n_chips && e.chip[0].fa) && !(e.n_chips > 1 && e.chip[1].fa)) {
		fprintf(stderr, "mmfree-vboard: --flash is the iCEBreaker's flash: add icebreaker to --usb\n");
		return 2;
	}
	e.tb = umockdev_testbed_new();
	if (!e.tb) {
		fprintf(stderr, "mmfree-vboard: usb: umockdev_testbed_new failed\n");
		goto out;
	}
	for (i = 0; i < e.n_chips; i++)
		if (add_chip(&e.chip[i]))
			goto out;
	if (o->deny_access && deny_access())
		goto out;
	if (e.bc) {
		if (pthread_create(&th, NULL, sim_main, NULL)) {
			fprintf(stderr, "mmfree-vboard: usb: no simulation thread: %s\n", strerror(errno));
			goto out;
		}
		thread = 1;
	}
	if (asprintf(&preload, "libumockdev-preload.so.0%s%s", pre && *pre ? ":" : "",
		     pre ? pre : "") < 0)
		goto out;
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "mmfree-vboard: usb: fork: %s\n", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* the program sees the testbed: exactly what umockdev-wrapper sets up */
		setenv("UMOCKDEV_DIR", umockdev_testbed_get_root_dir(e.tb), 1);
		setenv("LD_PRELOAD", preload, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "mmfree-vboard: usb: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "mmfree-vboard: usb: waitpid: %s\n", strerror(errno));
			goto out;
		}
		pthread_mutex_lock(&e.lock);
		if (e.unplug) {
			e.unplug = 0;
			for (i = 0; i < e.n_chips; i++)
				if (e.chip[i].gone && e.chip[i].syspath[0]) {
					umockdev_testbed_remove_device(e.tb, e.chip[i].syspath);
					e.chip[i].syspath[0] = '\0';
				}
		}
		pthread_mutex_unlock(&e.lock);
		usleep(5000);
	}
	ret = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	if (e.bc)
		note(0, "%llu bytes to the board, %llu to the host, %llu URBs, %llu board cycles%s",
		     (unsigned long long)e.bc->to_board, (unsigned long long)e.bc->to_host,
		     (unsigned long long)e.bc->urbs, (unsigned long long)e.now,
		     e.bc->overrun ? " (RX overruns)" : "");
	if (e.bc && e.bc->ft245) {
		mmf_ft245_chip_t *fc = usb_ft245_chip(e.ft);
		uint64_t v = mmf_ft245_chip_violations(fc);
		note(0, "245 FIFO bus: %llu bytes to the FPGA, %llu from it, %llu SIWU# strobes, %llu CLKOUT "
		     "cycles, %llu bus rules broken", (unsigned long long)fc->read_bytes,
		     (unsigned long long)fc->written_bytes, (unsigned long long)fc->siwu_strobes,
		     (unsigned long long)usb_ft245_bus_cycles(e.ft), (unsigned long long)v);
		for (i = 0; v && i < MMF_FT245_N_RULES; i++)
			if (fc->violations[i])
				note(1, "the FPGA broke the 245 FIFO bus rule '%s' %llu times",
				     mmf_ft245_rule_name(i), (unsigned long long)fc->violations[i]);
	}
	if (e.bc && e.bc->dark)
		note(1, "%llu bytes on channel B went nowhere: the iCE40 was not configured (CDONE low: program "
		     "the flash, or load it with iceprog -S)", (unsigned long long)e.bc->dark);
	if (e.bc && e.bc->garbled)
		note(1, "%llu bytes were garbled by a UART setting the board does not have",
		     (unsigned long long)e.bc->garbled);
out:
	if (thread) {
		pthread_mutex_lock(&e.lock);
		e.quit = 1;
		pthread_cond_broadcast(&e.wake);
		pthread_mutex_unlock(&e.lock);
		pthread_join(th, NULL);
	}
	free(preload);
	for (i = 0; i < e.n_chips; i++)
		if (e.chip[i].fa && fa_close(&e.chip[i]) && ret == 0)
			ret = 1;
	if (e.tb)
		g_object_unref(e.tb);
	for (i = 0; i < e.n_chips; i++) {
		struct urb *r;
		struct queue *q[3] = { &e.chip[i].in_q, &e.chip[i].out_q, &e.chip[i].done_q };
		for (int k = 0; k < 3; k++)
			while ((r = q[k]->head)) {
				unlink_urb(q[k], r);
				free_urb(r);
			}
		if (e.chip[i].handler)
			g_object_unref(e.chip[i].handler);
	}
	if (e.link)
		e.link->ops->close(e.link);     /* closes the SoC too */
	if (e.ft)
		usb_ft245_close(e.ft);
	return ret;
}
