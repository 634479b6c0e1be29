/*
 * transport_ftdi.c: the `ftdi[:SERIAL]` board, a board behind an FTDI USB bridge, on raw libusb-1.0
 * (no libftdi). The FT2232H of the iCEBreaker and the iCE40HX8K-B-EVN carries the board's UART on
 * channel B (interface 1, bulk OUT 0x04, bulk IN 0x83); the FT232H of the UPduino v3 reaches the FPGA
 * only on the flash's SPI lines, so there the link is SPI: its one channel (interface 0, bulk OUT
 * 0x02, IN 0x81) in MPSSE mode is the master, the SoC's mmf_spi_slave the slave, and the link bytes
 * cross in the transactions of docs/protocol.md ("SPI link layer"): a packet goes out as a WRITE,
 * answers come in READs, parsed as length bytes and chunks. With `ftdi?link=ft245` the FT2232H's
 * channel A (interface 0, bulk OUT 0x02, IN 0x81) runs in 245 synchronous FIFO mode (bit mode 0x40)
 * for a board that wires that bus to the FPGA (rtl/mmf_ft245_sync.v): the link bytes go straight over
 * bulk, no baud rate, IN packets stripped of their status bytes as in UART mode. The chip must have
 * channel A made a 245 FIFO in its EEPROM (the mode is refused otherwise); that is checked first.
 *
 * Chip set-up is what a real FT2232H needs after power-up or after another program: claim the
 * interface (the kernel's ftdi_sio detached for the time we hold it), reset the channel, purge both
 * buffers, latency timer 1 ms, bit mode reset (plain UART), 8N1, no flow control, and the baud
 * divisor of the H chips (120 MHz / 10 base, see mmfi_ftdi_baud). Every IN packet (512 bytes at high
 * speed) starts with 2 status bytes that are stripped here. Several bulk IN transfers stay in flight
 * so the chip never waits for the host; writes are bulk OUT. The transport's clock is the wall clock:
 * recv() returns no bytes only when timeout_ms have passed, and every libusb wait has a deadline.
 *
 * Errors carry libusb_error_name() and a way out: LIBUSB_ERROR_ACCESS names the udev rule, a busy
 * interface names who may hold it, several boards list their serials, and a board unplugged mid-run
 * fails the next send or wait at once, saying how many bytes went each way before.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <libusb.h>

#include "mmfree.h"
#include "transport_ftdi.h"
#include "uri.h"

/* FTDI vendor requests (bmRequestType 0x40 out; wIndex = channel, A = 1, B = 2). */
enum {
	FTDI_RESET = 0x00,          /* wValue: 0 reset the channel, 1 purge RX, 2 purge TX */
	FTDI_SET_FLOW = 0x02,       /* wValue 0, wIndex = channel: no flow control */
	FTDI_SET_BAUD = 0x03,       /* wValue/wIndex: the encoded divisor (mmfi_ftdi_baud) */
	FTDI_SET_DATA = 0x04,       /* wValue 0x0008: 8 data bits, no parity, 1 stop bit */
	FTDI_SET_LATENCY = 0x09,    /* wValue: latency timer, 1..255 ms */
	FTDI_GET_LATENCY = 0x0A,    /* one byte back */
	FTDI_SET_BITMODE = 0x0B,    /* wValue = mode << 8 | pin mask; 0x0000: reset (UART) */
	FTDI_READ_EEPROM = 0x90,    /* IN, wIndex = word address: one 16-bit EEPROM word back */
	FTDI_PURGE_RX = 1,          /* FTDI_RESET wValue: drop the chip's bytes for the host */
	FTDI_PURGE_TX = 2,          /* ... and the host's bytes not yet on the UART */
	FTDI_OUT = 0x40,            /* bmRequestType: vendor, device, host to device */
	FTDI_IN = 0xC0,             /* ... device to host */
};

/* Chip and board constants. */
enum {
	FTDI_VID = 0x0403,
	FTDI_PID_2232H = 0x6010,    /* FT2232H: iCEBreaker, iCE40HX8K-B-EVN (UART on channel B) */
	FTDI_PID_232H = 0x6014,     /* FT232H: UPduino v3 (MPSSE SPI) */
	UART_IFACE = 1,             /* FT2232H channel B */
	UART_CHANNEL = 2,           /* wIndex of channel B */
	UART_EP_OUT = 0x04,
	UART_EP_IN = 0x83,
	SPI_IFACE = 0,              /* FT232H: its one channel (A) */
	SPI_CHANNEL = 1,            /* wIndex of channel A */
	SPI_EP_OUT = 0x02,
	SPI_EP_IN = 0x81,
	FIFO_IFACE = 0,             /* FT2232H channel A: the 245 synchronous FIFO */
	FIFO_CHANNEL = 1,           /* wIndex of channel A */
	FIFO_EP_OUT = 0x02,
	FIFO_EP_IN = 0x81,
	FIFO_MODE = 0x40,           /* FTDI_SET_BITMODE mode: single channel synchronous FIFO */
	FIFO_PINS = 0xFF,           /* its pin mask (the bus is the chip's; the mask is not used) */
	FLOW_RTS_CTS = 0x0100,      /* FTDI_SET_FLOW wIndex high byte: RTS/CTS, which FTDI's AN_130 sets
				     * for the synchronous FIFO so that no byte is lost */
	EEPROM_CHAN_TYPE = 0x07,    /* EEPROM word 0, low byte: channel A's type (high byte: B's) */
	EEPROM_CHAN_FIFO = 0x01,    /* ... 245 FIFO; 0 UART, 2 fast opto-isolated serial, 4 CPU FIFO */
	FIFO_MIN_BPS = 1000000,     /* bytes/s a FIFO board takes at the least (deadlines of a send) */
	BOARD_BAUD = 12000000,      /* the boards' UART (docs/protocol.md) */
	LATENCY_MS = 1,             /* latency timer: the chip sends a short packet after this */
	PACKET = 512,               /* high-speed bulk packet; 2 status bytes start each IN packet */
	STATUS_BYTES = 2,
	IN_XFERS = 8,               /* bulk IN transfers in flight */
	IN_SIZE = 16384,            /* bytes each (a multiple of PACKET) */
	RX_CAP = 1 << 18,           /* received bytes the host has not read yet */
	CTRL_MS = 1000,             /* deadline of one control request */
	CLOSE_MS = 500,             /* deadline for cancelled transfers to come back at close */
	MAX_FOUND = 16,             /* boards listed in a message */
};

/* MPSSE commands (FTDI AN_108) and the FT232H's low byte as the UPduino v3 wires it (docs/boards.md). */
enum {
	MPSSE_MODE = 0x02,          /* FTDI_SET_BITMODE mode: MPSSE */
	MP_SET_LOW = 0x80,          /* value, direction of ADBUS0..7 */
	MP_WRITE = 0x11,            /* clock bytes out, MSB first, DO changing on the falling edge */
	MP_READ_WRITE = 0x31,       /* ... and DI sampled on the rising edge: SPI mode 0 */
	MP_LOOPBACK_OFF = 0x85,
	MP_DIVISOR = 0x86,          /* low, high: SCK = 60 MHz / (2 (1 + divisor)) */
	MP_SEND_NOW = 0x87,         /* send what was read to the host at once */
	MP_DIV5_OFF = 0x8A,         /* 60 MHz master clock */
	MP_3PHASE_OFF = 0x8D,
	MP_ADAPTIVE_OFF = 0x97,
	MP_BAD = 0xFA,              /* the chip's answer to a bad command, then the command */
	MP_BOGUS = 0xAA,            /* a bad command sent to see the chip answer it (AN_135) */
	PIN_SCK = 0x01,             /* ADBUS0 -> FPGA pin 15 (and the flash's CLK) */
	PIN_MOSI = 0x02,            /* ADBUS1 -> FPGA pin 14 (and the flash's DI) */
	PIN_CS = 0x08,              /* ADBUS3 -> FPGA pin 41 through the TP11 wire: the FPGA's select */
	PIN_FLASH_CS = 0x10,        /* ADBUS4 -> the flash's select: always high (deselected) */
	PINS_OUT = PIN_SCK | PIN_MOSI | PIN_CS | PIN_FLASH_CS, /* ADBUS2 (MISO) and CRESET stay inputs */
	PINS_IDLE = PIN_CS | PIN_FLASH_CS,
	PINS_SELECT = PIN_FLASH_CS,
	SPI_DIVISOR = 2,            /* 10 MHz: the slave takes up to a quarter of its 48 MHz clock */
	SPI_HZ = 10000000,
	CS_HIGH_CMDS = 3,           /* CS-high commands in a row: >= 2 board cycles high between transactions */
	LINK_WRITE = 0x01,          /* the SPI link layer's commands (docs/protocol.md) */
	LINK_READ = 0x02,
	WRITE_MAX = 4096,           /* link bytes per WRITE transaction */
	READ_MIN = 64,              /* bytes a READ clocks when nothing was waiting ... */
	READ_MAX = 4096,            /* ... and at most, when an answer is streaming */
	PEND_CAP = READ_MAX + 1,    /* link bytes read but not yet returned */
};

/* H chips: 120 MHz / 10 = 12 MHz base with the 0x20000 flag; 48 MHz / 16 = 3 MHz for slow rates. */
#define H_BASE 12000000u
#define AM_BASE 3000000u
#define H_FLAG 0x20000u

typedef struct {
	mmfi_transport base;        /* must be first */
	libusb_context *ctx;        /* our own libusb context */
	libusb_device_handle *h;    /* the open chip */
	struct libusb_transfer *in[IN_XFERS]; /* bulk IN transfers */
	int in_busy[IN_XFERS];      /* 1 while submitted */
	uint8_t *rx;                /* ring of received data bytes (status bytes stripped) */
	size_t rx_head, rx_len;     /* first byte, bytes held */
	int gone;                   /* the chip disappeared (LIBUSB_ERROR_NO_DEVICE) */
	int in_err;                 /* a bulk IN transfer failed: its libusb_transfer_status + 1, or 0 */
	uint64_t sent, got;         /* bytes to and from the board since open */
	uint32_t baud;              /* the rate set (UART) */
	int spi;                    /* an FT232H: MPSSE SPI on channel A, not a UART on channel B */
	int fifo;                   /* link=ft245: the FT2232H's channel A in 245 synchronous FIFO mode */
	int iface, chan;            /* the interface claimed, the wIndex of its vendor requests */
	uint8_t ep_in, ep_out;      /* its bulk endpoints */
	uint32_t read_k;            /* SPI: bytes the next READ clocks after its command */
	uint8_t *pend;              /* SPI: link bytes read but not yet returned */
	size_t pend_head, pend_len;
	char name[96];              /* "ftdi:MMF0001 (bus 1 address 2)" */
} ftdi_transport;

/* ---- messages ------------------------------------------------------------------------------------ */

int mmfi_ftdi_error(int usb_err)
{
	switch (usb_err) {
	case LIBUSB_SUCCESS: return MMF_OK;
	case LIBUSB_ERROR_TIMEOUT: return MMF_ERR_TIMEOUT;
	case LIBUSB_ERROR_NO_DEVICE:
	case LIBUSB_ERROR_NOT_FOUND: return MMF_ERR_NO_BOARD;
	case LIBUSB_ERROR_NO_MEM: return MMF_ERR_NOMEM;
	case LIBUSB_ERROR_NOT_SUPPORTED: return MMF_ERR_UNSUPPORTED;
	case LIBUSB_ERROR_INVALID_PARAM: return MMF_ERR_ARG;
	}
	return MMF_ERR_IO;
}

int mmfi_ftdi_msg(char *err, size_t len, const char *what, int usb_err)
{
	const char *hint = "";

	switch (usb_err) {
	case LIBUSB_ERROR_ACCESS:
		hint = ": no permission on the USB device node; install the udev rule ("
		       "'mmfree udev-rule > /etc/udev/rules.d/60-mmfree.rules' as root, then "
		       "'udevadm control --reload && udevadm trigger' and replug the board), or run as root";
		break;
	case LIBUSB_ERROR_BUSY:
		hint = ": the interface is claimed by another program or driver (another mmfree, "
		       "iceprog, openFPGALoader or a serial terminal on /dev/ttyUSB*?); close it and retry";
		break;
	case LIBUSB_ERROR_NO_DEVICE:
		hint = ": the board was unplugged or reset";
		break;
	case LIBUSB_ERROR_NOT_FOUND:
		hint = ": the kernel driver or the device went away";
		break;
	}
	mmfi_msg(err, len, "%s: %s%s", what, libusb_error_name(usb_err), hint);
	return mmfi_ftdi_error(usb_err);
}

/* ---- the baud divisor (AN232B-05; H chips) -------------------------------------------------------- */

int mmfi_ftdi_baud(uint32_t baud, uint16_t *value, uint16_t *index_hi, uint32_t *actual)
{
	/* the 3-bit fraction code of eighths 0, 1/8, 2/8, ... 7/8 (AN232B-05) */
	static const uint8_t frac_code[8] = { 0, 3, 2, 4, 1, 5, 6, 7 };
	uint32_t base, flag, enc, eighths, got;
	uint64_t sixteenths;

	if (baud == 0 || baud > H_BASE)
		return MMF_ERR_ARG;
	/* the 12 MHz base reaches down to 12 MHz / 16383.875 (~733 baud); slower rates use 3 MHz */
	if ((uint64_t)baud * 10u > 120000000u / 0x3fff) {
		base = H_BASE;
		flag = H_FLAG;
	} else {
		base = AM_BASE;
		flag = 0;
	}
	if (baud >= base) {                       /* divisor 1: code 0 means "base" */
		enc = 0;
		got = base;
	} else if (baud >= base * 2 / 3) {        /* divisor 1.5: code 1 */
		enc = 1;
		got = base * 2 / 3;
	} else if (baud >= base / 2) {            /* divisor 2: code 2 */
		enc = 2;
		got = base / 2;
	} else {
		/* the divisor in eighths, rounded to the nearest eighth */
		sixteenths = (uint64_t)base * 16u / baud;
		eighths = (uint32_t)((sixteenths + 1) / 2);
		if (eighths > 0x1ffff)
			eighths = 0x1ffff;
		if (eighths < 0x10)
			eighths = 0x10;
		got = (uint32_t)(((uint64_t)base * 8u * 2u / eighths + 1) / 2);
		enc = (eighths >> 3) | (uint32_t)frac_code[eighths & 7] << 14;
	}
	enc |= flag;
	*value = (uint16_t)(enc & 0xffff);
	*index_hi = (uint16_t)((enc >> 8) & 0xff00);
	if (actual)
		*actual = got;
	return MMF_OK;
}

/* ---- finding boards ------------------------------------------------------------------------------ */

const char *mmfi_ftdi_kind(uint16_t pid, const char *product)
{
	if (pid == FTDI_PID_232H)
		return "FT232H: UPduino v3 or similar (MPSSE SPI link)";
	if (pid != FTDI_PID_2232H)
		return "?";
	if (product && !strncmp(product, "iCEBreaker", 10))
		return "FT2232H: iCEBreaker (UART on channel B)";
	if (product && strstr(product, "Lattice"))
		return "FT2232H: iCE40HX8K-B-EVN likely (UART on channel B)";
	return "FT2232H: iCEBreaker or iCE40HX8K-B-EVN (UART on channel B)";
}

/* EEPROM word 0 (the channels' types) into *word: the libusb result (2 when read). */
static int eeprom_word0(libusb_device_handle *h, uint16_t *word)
{
	uint8_t w[2] = { 0xff, 0xff };  /* a failed read reads as blank */
	int r = libusb_control_transfer(h, FTDI_IN, FTDI_READ_EEPROM, 0, 0, w, 2, CTRL_MS);

	*word = (uint16_t)(w[0] | w[1] << 8);
	return r;
}

/* Does EEPROM word 0 make channel A a 245 FIFO (a blank EEPROM does not)? */
static int chan_a_fifo(uint16_t word)
{
	return word != 0xffff && (word & EEPROM_CHAN_TYPE) == EEPROM_CHAN_FIFO;
}

/* One string descriptor as ASCII, or "" (with *access set on LIBUSB_ERROR_ACCESS at open). */
static void get_str(libusb_device_handle *h, uint8_t idx, char *out, size_t len)
{
	int n = idx ? libusb_get_string_descriptor_ascii(h, idx, (unsigned char *)out, (int)len) : 0;

	out[n > 0 ? (n < (int)len ? n : (int)len - 1) : 0] = '\0';
}

/* What one candidate device is; open_err = 0, or the libusb error that kept its strings unread. */
static int describe(libusb_device *dev, const struct libusb_device_descriptor *dd,
		    struct mmfi_ftdi_dev *d)
{
	libusb_device_handle *h;
	int r;

	memset(d, 0, sizeof(*d));
	d->vid = dd->idVendor;
	d->pid = dd->idProduct;
	d->bus = libusb_get_bus_number(dev);
	d->addr = libusb_get_device_address(dev);
	r = libusb_open(dev, &h);
	if (r) {
		d->open_err = r;
		snprintf(d->serial, sizeof(d->serial), "?");
	} else {
		get_str(h, dd->iSerialNumber, d->serial, sizeof(d->serial));
		get_str(h, dd->iProduct, d->product, sizeof(d->product));
		get_str(h, dd->iManufacturer, d->manufacturer, sizeof(d->manufacturer));
		if (d->pid == FTDI_PID_2232H) {
			uint16_t word;
			d->fifo_a = eeprom_word0(h, &word) == 2 && chan_a_fifo(word);
		}
		libusb_close(h);
	}
	d->kind = d->fifo_a ? "FT2232H: channel A a 245 synchronous FIFO (link=ft245)" :
		  mmfi_ftdi_kind(d->pid, d->product);
	return r;
}

static int is_ftdi_board(const struct libusb_device_descriptor *dd)
{
	return dd->idVendor == FTDI_VID &&
	       (dd->idProduct == FTDI_PID_2232H || dd->idProduct == FTDI_PID_232H);
}

/* Candidates on ctx into d[0..max); *n = how many there are (may exceed max); *list = the device list
 * (kept referenced for the caller, NULL if not wanted), devs[i] its device for d[i]. */
static int find(libusb_context *ctx, struct mmfi_ftdi_dev *d, int max, int *n, libusb_device ***list,
		libusb_device **devs, char *err, size_t err_len)
{
	struct libusb_device_descriptor dd;
	libusb_device **all;
	ssize_t cnt, i;

	*n = 0;
	cnt = libusb_get_device_list(ctx, &all);
	if (cnt < 0)
		return mmfi_ftdi_msg(err, err_len, "listing USB devices failed", (int)cnt);
	for (i = 0; i < cnt; i++) {
		if (libusb_get_device_descriptor(all[i], &dd) || !is_ftdi_board(&dd))
			continue;
		if (*n < max) {
			describe(all[i], &dd, &d[*n]);
			if (devs)
				devs[*n] = all[i];
		}
		(*n)++;
	}
	/* by bus and address, as lsusb lists them */
	for (i = 1; i < (*n < max ? *n : max); i++)
		for (ssize_t j = i; j > 0 && (d[j - 1].bus > d[j].bus ||
				(d[j - 1].bus == d[j].bus && d[j - 1].addr > d[j].addr)); j--) {
			struct mmfi_ftdi_dev t = d[j];
			d[j] = d[j - 1];
			d[j - 1] = t;
			if (devs) {
				libusb_device *u = devs[j];
				devs[j] = devs[j - 1];
				devs[j - 1] = u;
			}
		}
	if (list)
		*list = all;
	else
		libusb_free_device_list(all, 1);
	return MMF_OK;
}

int mmfi_ftdi_list(struct mmfi_ftdi_dev *d, int max, int *n, char *err, size_t err_len)
{
	libusb_context *ctx;
	int r = libusb_init(&ctx);

	*n = 0;
	if (r)
		return mmfi_ftdi_msg(err, err_len, "libusb_init failed", r);
	r = find(ctx, d, max, n, NULL, NULL, err, err_len);
	libusb_exit(ctx);
	return r;
}

/* "MMF0001 (0403:6010, bus 1 address 2), ..." into buf. */
static void found_list(const struct mmfi_ftdi_dev *d, int n, char *buf, size_t len)
{
	size_t at = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && i < MAX_FOUND && at + 1 < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s'%s' (%04x:%04x, bus %u address %u%s)",
				       i ? ", " : "", d[i].serial, d[i].vid, d[i].pid, d[i].bus, d[i].addr,
				       d[i].open_err ? ", not readable: " : "");
}

/* ---- the transport ------------------------------------------------------------------------------- */

static int ctrl(ftdi_transport *f, uint8_t req, uint16_t value, uint16_t index, const char *what)
{
	char m[256];
	int r = libusb_control_transfer(f->h, FTDI_OUT, req, value, index, NULL, 0, CTRL_MS);

	if (r < 0) {
		snprintf(m, sizeof(m), "%s: %s (request 0x%02x, wValue 0x%04x, wIndex 0x%04x)", f->name,
			 what, req, value, index);
		return mmfi_ftdi_msg(f->base.err, f->base.err_len, m, r);
	}
	return MMF_OK;
}

/* The device is gone: say so, with what was lost. */
static int unplugged(ftdi_transport *f, const char *when)
{
	/* short: proto.c puts the command and the transport's name in front */
	f->gone = 1;
	mmfi_msg(f->base.err, f->base.err_len, "%s: LIBUSB_ERROR_NO_DEVICE: board unplugged after %llu "
		 "bytes sent, %llu received; the command in flight is lost", when,
		 (unsigned long long)f->sent, (unsigned long long)f->got);
	return MMF_ERR_IO;
}

/* Keep the received bytes of one IN transfer: 2 status bytes start every 512-byte packet. */
static void take_in(ftdi_transport *f, const uint8_t *buf, int len)
{
	int off, n, i;

	for (off = 0; off < len; off += PACKET) {
		n = len - off < PACKET ? len - off : PACKET;
		for (i = STATUS_BYTES; i < n; i++) {
			if (f->rx_len == RX_CAP)
				return;     /* never: a transfer is submitted only with room for it */
			f->rx[(f->rx_head + f->rx_len) % RX_CAP] = buf[off + i];
			f->rx_len++;
		}
		/* link bytes (over SPI they are counted as the READs are parsed) */
		if (!f->spi)
			f->got += n > STATUS_BYTES ? (uint64_t)(n - STATUS_BYTES) : 0;
	}
}

static void LIBUSB_CALL in_done(struct libusb_transfer *t)
{
	ftdi_transport *f = t->user_data;
	int i;

	for (i = 0; i < IN_XFERS; i++)
		if (f->in[i] == t)
			f->in_busy[i] = 0;
	switch (t->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		take_in(f, t->buffer, t->actual_length);
		break;
	case LIBUSB_TRANSFER_NO_DEVICE:
		f->gone = 1;
		break;
	case LIBUSB_TRANSFER_CANCELLED:
		break;
	default:
		if (!f->in_err)
			f->in_err = (int)t->status + 1;
		break;
	}
}

/* Submit every idle IN transfer that has room in the ring. */
static int submit_in(ftdi_transport *f)
{
	int i, r, busy = 0;

	for (i = 0; i < IN_XFERS; i++)
		busy += f->in_busy[i];
	for (i = 0; i < IN_XFERS && !f->gone && !f->in_err; i++) {
		if (f->in_busy[i])
			continue;
		/* room for the data of every transfer in flight, so no byte is ever dropped */
		if (f->rx_len + (size_t)(busy + 1) * IN_SIZE > RX_CAP)
			break;
		r = libusb_submit_transfer(f->in[i]);
		if (r == LIBUSB_ERROR_NO_DEVICE)
			return unplugged(f, "reading");
		if (r)
			return mmfi_ftdi_msg(f->base.err, f->base.err_len, "submitting a bulk IN transfer "
					     "failed", r);
		f->in_busy[i] = 1;
		busy++;
	}
	return MMF_OK;
}

/* Run libusb's events for at most ms milliseconds (or until *done, if given). */
static int events(ftdi_transport *f, uint32_t ms, int *done)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
	int r = libusb_handle_events_timeout_completed(f->ctx, &tv, done);

	if (r && r != LIBUSB_ERROR_INTERRUPTED)
		return mmfi_ftdi_msg(f->base.err, f->base.err_len, "waiting for USB events failed", r);
	return MMF_OK;
}

static int in_failed(ftdi_transport *f)
{
	static const char *const st[] = { "COMPLETED", "ERROR", "TIMED_OUT", "CANCELLED", "STALL",
					   "NO_DEVICE", "OVERFLOW" };
	int s = f->in_err - 1;

	mmfi_msg(f->base.err, f->base.err_len, "a bulk IN transfer on endpoint 0x%02x failed: "
		 "LIBUSB_TRANSFER_%s (after %llu bytes received)", f->ep_in,
		 s >= 0 && s < 7 ? st[s] : "?", (unsigned long long)f->got);
	return MMF_ERR_IO;
}

/* Bulk OUT of n bytes to the chip, within timeout ms; `sent` counts them as link bytes or not. */
static int bulk_out(ftdi_transport *f, const uint8_t *buf, size_t n, unsigned timeout, int link)
{
	int done, r;

	while (n) {
		if (f->gone)
			return unplugged(f, "sending");
		done = 0;
		r = libusb_bulk_transfer(f->h, f->ep_out, (unsigned char *)buf,
					 n > (size_t)INT32_MAX ? INT32_MAX : (int)n, &done, timeout);
		if (link)
			f->sent += (uint64_t)done;
		buf += done;
		n -= (size_t)done;
		if (r == LIBUSB_ERROR_NO_DEVICE)
			return unplugged(f, "sending");
		if (r == LIBUSB_ERROR_TIMEOUT) {
			mmfi_msg(f->base.err, f->base.err_len, "bulk OUT: LIBUSB_ERROR_TIMEOUT: the chip "
				 "took %d of %zu bytes in %u ms (%s)", done, n + (size_t)done, timeout,
				 f->spi ? "is its MPSSE clocking?" : f->fifo ? "is the FPGA reading the "
				 "245 FIFO bus?" : "is the board's UART reading?");
			return MMF_ERR_TIMEOUT;
		}
		if (r) {
			char m[64];
			snprintf(m, sizeof(m), "bulk OUT of %zu bytes failed", n);
			return mmfi_ftdi_msg(f->base.err, f->base.err_len, m, r);
		}
	}
	return MMF_OK;
}

static int ftdi_send(mmfi_transport *t, const uint8_t *buf, size_t n)
{
	ftdi_transport *f = (ftdi_transport *)t;
	/* the chip takes bytes as its UART drains them (or as the FPGA reads the FIFO, at FIFO_MIN_BPS
	 * at the least): allow twice the line time, plus a second */
	uint64_t line_ms = f->fifo ? (uint64_t)n * 1000u / FIFO_MIN_BPS : (uint64_t)n * 10u * 1000u / f->baud;

	return bulk_out(f, buf, n, (unsigned)(1000u + 2u * line_ms), 1);
}

/* Up to max bytes from the front of a ring of cap bytes (head, len) into buf; how many. */
static size_t ring_take(const uint8_t *ring, size_t cap, size_t *head, size_t *len, uint8_t *buf,
			size_t max)
{
	size_t n = 0;

	while (n < max && *len) {
		buf[n++] = ring[*head];
		*head = (*head + 1) % cap;
		(*len)--;
	}
	return n;
}

static int ftdi_recv(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got)
{
	ftdi_transport *f = (ftdi_transport *)t;
	uint64_t end = mmfi_now_us() + (uint64_t)timeout_ms * 1000u, now;
	int r;

	*got = 0;
	for (;;) {
		if (f->rx_len) {
			*got = ring_take(f->rx, RX_CAP, &f->rx_head, &f->rx_len, buf, max);
			/* a failure here (the board gone) is reported by the next call, with no bytes lost */
			(void)submit_in(f);
			return MMF_OK;
		}
		if (f->gone)
			return unplugged(f, "receiving");
		if (f->in_err)
			return in_failed(f);
		r = submit_in(f);
		if (r)
			return r;
		now = mmfi_now_us();
		if (now >= end)
			return MMF_OK;
		r = events(f, (uint32_t)((end - now + 999) / 1000), NULL);
		if (r)
			return r;
	}
}

static void ftdi_close(mmfi_transport *t)
{
	ftdi_transport *f = (ftdi_transport *)t;
	uint64_t end = mmfi_now_us() + (uint64_t)CLOSE_MS * 1000u;
	int i, busy;

	/* every transfer still in flight comes back through in_done (cancelled, or NO_DEVICE when the
	 * board is gone); wait for that, within the deadline */
	for (i = 0; i < IN_XFERS; i++)
		if (f->in_busy[i])
			libusb_cancel_transfer(f->in[i]);
	for (;;) {
		for (busy = 0, i = 0; i < IN_XFERS; i++)
			busy += f->in_busy[i];
		if (!busy || mmfi_now_us() >= end)
			break;
		events(f, 50, NULL);
	}
	/* a transfer still in flight is not freed: libusb may still write into it */
	for (i = 0; i < IN_XFERS; i++)
		if (f->in[i] && !f->in_busy[i]) {
			free(f->in[i]->buffer);
			libusb_free_transfer(f->in[i]);
		}
	if (!f->gone)
		libusb_release_interface(f->h, f->iface);   /* gives the interface back to ftdi_sio */
	libusb_close(f->h);
	if (!busy)
		libusb_exit(f->ctx);
	free(f->pend);
	free(f->rx);
	free(f);
}

static const struct mmfi_transport_ops ftdi_ops = { ftdi_send, ftdi_recv, ftdi_close, NULL };

/* ---- SPI through the FT232H's MPSSE (docs/protocol.md, "SPI link layer") ------------------------- */

/* Append the MPSSE commands that raise the FPGA's select and hold it high (>= 2 board cycles). */
static size_t cs_high(uint8_t *c)
{
	size_t i, n = 0;

	for (i = 0; i < CS_HIGH_CMDS; i++) {
		c[n++] = MP_SET_LOW;
		c[n++] = PINS_IDLE;
		c[n++] = PINS_OUT;
	}
	return n;
}

/* Wait until the chip has sent n bytes back, within ms; 0 or an error. */
static int wait_bytes(ftdi_transport *f, size_t n, uint32_t ms, const char *what)
{
	uint64_t end = mmfi_now_us() + (uint64_t)ms * 1000u, now;
	int r;

	while (f->rx_len < n) {
		if (f->gone)
			return unplugged(f, "receiving");
		if (f->in_err)
			return in_failed(f);
		r = submit_in(f);
		if (r)
			return r;
		now = mmfi_now_us();
		if (now >= end) {
			mmfi_msg(f->base.err, f->base.err_len, "%s: MPSSE: %s: the FT232H sent %zu of %zu "
				 "bytes back within %u ms", f->name, what, f->rx_len, n, ms);
			return MMF_ERR_TIMEOUT;
		}
		r = events(f, (uint32_t)((end - now + 999) / 1000), NULL);
		if (r)
			return r;
	}
	return MMF_OK;
}

static uint8_t take_rx(ftdi_transport *f)
{
	uint8_t b = f->rx[f->rx_head];

	f->rx_head = (f->rx_head + 1) % RX_CAP;
	f->rx_len--;
	return b;
}

/* A MISO byte that should be a length byte and is not (its MSB is set). */
static int not_a_length(ftdi_transport *f, uint8_t b, int first)
{
	if (first) {
		mmfi_msg(f->base.err, f->base.err_len, "%s: the FT232H is there, but no SPI slave answers on "
			 "MISO (it read 0x%02x, no length byte): is the UPduino programmed with mmfree's "
			 "bitstream (make bitstream BOARD=upduino3, then iceprog), and is TP11 (ADBUS3) wired "
			 "to the FPGA's select, pin 41 (docs/boards.md)?", f->name, b);
		return MMF_ERR_NO_BOARD;
	}
	mmfi_msg(f->base.err, f->base.err_len, "%s: SPI link: byte 0x%02x where a length byte belongs "
		 "(its MSB is set): the link layer lost its framing", f->name, b);
	return MMF_ERR_IO;
}

/* One READ transaction of f->read_k bytes after its command: the link bytes it carries go to pend. */
static int spi_read(ftdi_transport *f)
{
	uint32_t k = f->read_k, i, left = 0, got = 0;
	size_t n = 0, room = PEND_CAP - f->pend_len;
	uint8_t *c;
	int r, first = 1;

	if (k + 1 > room)
		k = (uint32_t)room - 1;
	c = malloc(k + 32);
	if (!c) {
		mmfi_msg(f->base.err, f->base.err_len, "%s: out of memory for an MPSSE command", f->name);
		return MMF_ERR_NOMEM;
	}
	c[n++] = MP_SET_LOW;
	c[n++] = PINS_SELECT;
	c[n++] = PINS_OUT;
	c[n++] = MP_READ_WRITE;
	c[n++] = (uint8_t)k;                /* length - 1: the command byte and k more */
	c[n++] = (uint8_t)(k >> 8);
	c[n++] = LINK_READ;
	memset(c + n, 0, k);
	n += k;
	n += cs_high(c + n);
	c[n++] = MP_SEND_NOW;
	r = bulk_out(f, c, n, 1000, 0);
	free(c);
	if (r)
		return r;
	r = wait_bytes(f, k + 1u, 1000u + (k + 1u) * 8u / (SPI_HZ / 1000u), "a READ");
	if (r)
		return r;
	/* a length byte, that many link bytes, a length byte, ... */
	for (i = 0; i <= k; i++) {
		uint8_t b = take_rx(f);
		if (left) {
			f->pend[(f->pend_head + f->pend_len++) % PEND_CAP] = b;
			left--;
			got++;
		} else if (b & 0x80) {
			/* drop the rest of this READ's bytes: they are not link bytes */
			for (i++; i <= k; i++)
				take_rx(f);
			return not_a_length(f, b, first);
		} else {
			left = b;
		}
		first = 0;
	}
	f->got += got;
	/* an answer streaming in: clock more next time; nothing: poll with few */
	f->read_k = got ? (2 * got > READ_MAX ? READ_MAX : 2 * got < READ_MIN ? READ_MIN : 2 * got) : READ_MIN;
	return MMF_OK;
}

static int spi_send(mmfi_transport *t, const uint8_t *buf, size_t n)
{
	ftdi_transport *f = (ftdi_transport *)t;
	uint8_t c[WRITE_MAX + 32];
	int r;

	while (n) {
		size_t len = n < WRITE_MAX ? n : WRITE_MAX, m = 0;
		c[m++] = MP_SET_LOW;
		c[m++] = PINS_SELECT;
		c[m++] = PINS_OUT;
		c[m++] = MP_WRITE;
		c[m++] = (uint8_t)len;      /* length - 1: the command byte and len more */
		c[m++] = (uint8_t)(len >> 8);
		c[m++] = LINK_WRITE;
		memcpy(c + m, buf, len);
		m += len;
		m += cs_high(c + m);
		/* the chip clocks them out at SCK: allow twice that, plus a second */
		r = bulk_out(f, c, m, 1000u + 2u * (unsigned)(m * 8u / (SPI_HZ / 1000u)), 0);
		if (r)
			return r;
		f->sent += len;
		buf += len;
		n -= len;
	}
	return MMF_OK;
}

static int spi_recv(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got)
{
	ftdi_transport *f = (ftdi_transport *)t;
	uint64_t end = mmfi_now_us() + (uint64_t)timeout_ms * 1000u;
	int r;

	*got = 0;
	for (;;) {
		if (f->pend_len) {
			*got = ring_take(f->pend, PEND_CAP, &f->pend_head, &f->pend_len, buf, max);
			return MMF_OK;
		}
		if (mmfi_now_us() >= end)
			return MMF_OK;
		/* the board cannot start a transfer: poll it with a READ */
		r = spi_read(f);
		if (r)
			return r;
	}
}

static const struct mmfi_transport_ops ftdi_spi_ops = { spi_send, spi_recv, ftdi_close, NULL };

/* ftdi[:SERIAL][?baud=N][&link=L], the URI's options (ftdi_uri_open). */
enum {
	FTDI_LINK_AUTO = 0,         /* the chip decides: FT2232H UART on channel B, FT232H MPSSE SPI */
	FTDI_LINK_UART = 1,         /* link=uart: the FT2232H's channel B as a UART */
	FTDI_LINK_FT245 = 2,        /* link=ft245: the FT2232H's channel A in 245 synchronous FIFO mode */
};
struct ftdi_opts {
	const char *serial;         /* the chip's serial string, or NULL / "" for the only board */
	uint32_t baud;              /* UART rate to set; 0: the boards' 12000000 */
	int link;                   /* FTDI_LINK_*: which channel and mode */
};

/* Pick the device: by serial, or the only one. */
static int pick(ftdi_transport *f, const struct ftdi_opts *o, libusb_device **dev,
		libusb_device ***list)
{
	struct mmfi_ftdi_dev d[MAX_FOUND];
	libusb_device *devs[MAX_FOUND];
	char found[1024];
	const char *serial = o->serial && o->serial[0] ? o->serial : NULL;
	int n, i, match = -1, nmatch = 0, denied = -1, r;

	r = find(f->ctx, d, MAX_FOUND, &n, list, devs, f->base.err, f->base.err_len);
	if (r)
		return r;
	if (n > MAX_FOUND)
		n = MAX_FOUND;
	for (i = 0; i < n; i++) {
		if (d[i].open_err == LIBUSB_ERROR_ACCESS && denied < 0)
			denied = i;
		if (!serial || !strcmp(serial, d[i].serial)) {
			match = i;
			nmatch++;
		}
	}
	found_list(d, n, found, sizeof(found));
	if (n == 0) {
		mmfi_msg(f->base.err, f->base.err_len, "ftdi%s%s: no FTDI board on USB (looked for "
			 "0403:6010 FT2232H and 0403:6014 FT232H; 'mmfree list' shows what is there; is "
			 "the board plugged in?)", serial ? ":" : "", serial ? serial : "");
		return MMF_ERR_NO_BOARD;
	}
	if (nmatch == 0 && denied >= 0) {
		char what[160];
		snprintf(what, sizeof(what), "ftdi:%s: no board with that serial among %s; the serial of "
			 "bus %u address %u could not be read", serial, found, d[denied].bus,
			 d[denied].addr);
		return mmfi_ftdi_msg(f->base.err, f->base.err_len, what, LIBUSB_ERROR_ACCESS);
	}
	if (nmatch == 0) {
		mmfi_msg(f->base.err, f->base.err_len, "ftdi:%s: no board with that serial; found %s",
			 serial, found);
		return MMF_ERR_NO_BOARD;
	}
	if (nmatch > 1) {
		mmfi_msg(f->base.err, f->base.err_len, "ftdi%s%s: %d FTDI boards match: %s; name one as "
			 "ftdi:SERIAL", serial ? ":" : "", serial ? serial : "", nmatch, found);
		return MMF_ERR_ARG;
	}
	if (d[match].open_err)
		snprintf(f->name, sizeof(f->name), "ftdi (%04x:%04x at bus %u address %u)", d[match].vid,
			 d[match].pid, d[match].bus, d[match].addr);
	else
		snprintf(f->name, sizeof(f->name), "ftdi:%s (bus %u address %u)", d[match].serial,
			 d[match].bus, d[match].addr);
	if (d[match].open_err) {
		char what[160];
		snprintf(what, sizeof(what), "%s: opening it failed", f->name);
		return mmfi_ftdi_msg(f->base.err, f->base.err_len, what, d[match].open_err);
	}
	if (d[match].pid == FTDI_PID_232H && o->baud) {
		mmfi_msg(f->base.err, f->base.err_len, "%s: an FT232H (UPduino v3): its link is SPI at "
			 "%u Hz; baud is an option of the FT2232H's UART", f->name, (unsigned)SPI_HZ);
		return MMF_ERR_ARG;
	}
	if (d[match].pid == FTDI_PID_232H && o->link) {
		mmfi_msg(f->base.err, f->base.err_len, "%s: an FT232H (UPduino v3): its link is MPSSE SPI "
			 "at %u Hz; link=%s is an option of the FT2232H (uart: channel B, ft245: channel A in "
			 "245 synchronous FIFO mode)", f->name, (unsigned)SPI_HZ,
			 o->link == FTDI_LINK_FT245 ? "ft245" : "uart");
		return MMF_ERR_ARG;
	}
	f->spi = d[match].pid == FTDI_PID_232H;
	f->fifo = d[match].pid == FTDI_PID_2232H && o->link == FTDI_LINK_FT245;
	*dev = devs[match];
	return MMF_OK;
}

/* Claim the link's interface, the kernel's ftdi_sio detached for as long as we hold it. */
static int claim(ftdi_transport *f)
{
	char what[256];
	int r;

	/* ftdi_sio holds each channel as a /dev/ttyUSB*: detach it while we hold the interface */
	r = libusb_set_auto_detach_kernel_driver(f->h, 1);
	if (r && r != LIBUSB_ERROR_NOT_SUPPORTED)
		return mmfi_ftdi_msg(f->base.err, f->base.err_len, "detaching the kernel driver", r);
	r = libusb_claim_interface(f->h, f->iface);
	if (r) {
		snprintf(what, sizeof(what), "%s: claiming interface %d (channel %c)", f->name, f->iface,
			 'A' + f->chan - 1);
		return mmfi_ftdi_msg(f->base.err, f->base.err_len, what, r);
	}
	return MMF_OK;
}

/* Set the FT232H up as an SPI master: MPSSE, 10 MHz, mode 0, both selects high. The MPSSE answers
 * a bad command with 0xFA and the command: one is sent to see that it runs (AN_135). Runs after the
 * IN transfers are submitted (it reads). */
static int setup_spi(ftdi_transport *f)
{
	static const uint8_t init[] = {
		MP_DIV5_OFF, MP_ADAPTIVE_OFF, MP_3PHASE_OFF, MP_LOOPBACK_OFF,
		MP_DIVISOR, SPI_DIVISOR & 0xff, SPI_DIVISOR >> 8,
		MP_SET_LOW, PINS_IDLE, PINS_OUT,
		MP_BOGUS, MP_SEND_NOW,
	};
	uint8_t a, b;
	int r;

	r = bulk_out(f, init, sizeof(init), 1000, 0);
	if (r)
		return r;
	r = wait_bytes(f, 2, 1000, "starting MPSSE");
	if (r)
		return r;
	a = take_rx(f);
	b = take_rx(f);
	if (a != MP_BAD || b != MP_BOGUS) {
		mmfi_msg(f->base.err, f->base.err_len, "%s: MPSSE did not answer the bad command 0x%02x "
			 "with 0xfa 0x%02x but with 0x%02x 0x%02x: the chip is not in MPSSE mode", f->name,
			 MP_BOGUS, MP_BOGUS, a, b);
		return MMF_ERR_IO;
	}
	/* is the SoC there? a READ of nothing but its command: the length byte must be one */
	f->read_k = 0;
	r = spi_read(f);
	f->read_k = READ_MIN;
	return r;
}

/* What the chip's EEPROM makes channel A (word 0, low byte; AN_121, libftdi's decoder agrees). */
static const char *chan_type_name(unsigned type, uint16_t word)
{
	if (word == 0xffff)
		return "a UART (blank EEPROM)";
	switch (type) {
	case 0: return "a UART";
	case 1: return "a 245 FIFO";
	case 2: return "fast opto-isolated serial";
	case 4: return "a CPU-style FIFO";
	}
	return "an unknown type";
}

/* Is channel A a 245 FIFO? Without that in the EEPROM the chip has no synchronous FIFO mode on it:
 * bit mode 0x40 is taken and nothing crosses. */
static int check_fifo_eeprom(ftdi_transport *f)
{
	uint16_t word;
	char m[160];
	int r = eeprom_word0(f->h, &word);

	if (r < 0) {
		snprintf(m, sizeof(m), "%s: link=ft245: reading EEPROM word 0 (channel A's type)", f->name);
		return mmfi_ftdi_msg(f->base.err, f->base.err_len, m, r);
	}
	if (r != 2) {
		mmfi_msg(f->base.err, f->base.err_len, "%s: link=ft245: EEPROM word 0 came back as %d bytes, "
			 "not 2", f->name, r);
		return MMF_ERR_IO;
	}
	if (chan_a_fifo(word))
		return MMF_OK;
	/* short: the board's message buffer is MMFI_MSG (320) with the name and the URI before it */
	mmfi_msg(f->base.err, f->base.err_len, "%s: link=ft245: channel A is no 245 FIFO: EEPROM word 0 "
		 "= 0x%04x makes it %s; bit mode 0x40 needs it set to 245 FIFO in the EEPROM (ftdi_eeprom, "
		 "FT_Prog) and a board wiring that bus (iCEBreaker: UART on B, drop link=ft245)", f->name,
		 word, chan_type_name(word & EEPROM_CHAN_TYPE, word));
	return MMF_ERR_UNSUPPORTED;
}

/* Reset the chip's channel and set it up: a UART at f->baud on the FT2232H's channel B, channel A in
 * 245 synchronous FIFO mode (link=ft245), MPSSE on the FT232H (the rest of that in setup_spi). */
static int setup(ftdi_transport *f)
{
	uint16_t value, index_hi;
	uint32_t actual;
	int r;

	r = claim(f);
	if (r)
		return r;
	if (f->spi) {
		if ((r = ctrl(f, FTDI_RESET, 0, SPI_CHANNEL, "reset")) ||
		    (r = ctrl(f, FTDI_RESET, FTDI_PURGE_RX, SPI_CHANNEL, "purge RX")) ||
		    (r = ctrl(f, FTDI_RESET, FTDI_PURGE_TX, SPI_CHANNEL, "purge TX")) ||
		    (r = ctrl(f, FTDI_SET_LATENCY, LATENCY_MS, SPI_CHANNEL, "latency timer")) ||
		    (r = ctrl(f, FTDI_SET_BITMODE, 0x0000, SPI_CHANNEL, "bit mode reset")) ||
		    (r = ctrl(f, FTDI_SET_BITMODE, MPSSE_MODE << 8 | PINS_OUT, SPI_CHANNEL, "MPSSE")))
			goto release;
		return MMF_OK;
	}
	if (f->fifo) {
		/* bit mode reset first: a chip left in another mode (MPSSE, bit-bang) takes 0x40 from it */
		if ((r = check_fifo_eeprom(f)) ||
		    (r = ctrl(f, FTDI_RESET, 0, FIFO_CHANNEL, "reset")) ||
		    (r = ctrl(f, FTDI_RESET, FTDI_PURGE_RX, FIFO_CHANNEL, "purge RX")) ||
		    (r = ctrl(f, FTDI_RESET, FTDI_PURGE_TX, FIFO_CHANNEL, "purge TX")) ||
		    (r = ctrl(f, FTDI_SET_LATENCY, LATENCY_MS, FIFO_CHANNEL, "latency timer")) ||
		    (r = ctrl(f, FTDI_SET_BITMODE, 0x0000, FIFO_CHANNEL, "bit mode reset")) ||
		    (r = ctrl(f, FTDI_SET_BITMODE, FIFO_MODE << 8 | FIFO_PINS, FIFO_CHANNEL,
			      "synchronous FIFO mode")) ||
		    (r = ctrl(f, FTDI_SET_FLOW, 0x0000, FLOW_RTS_CTS | FIFO_CHANNEL, "RTS/CTS flow control")))
			goto release;
		return MMF_OK;
	}
	r = mmfi_ftdi_baud(f->baud, &value, &index_hi, &actual);
	if (r) {
		mmfi_msg(f->base.err, f->base.err_len, "%s: baud %u: the FT2232H's UART runs at 1 to "
			 "12000000 baud", f->name, f->baud);
		goto release;
	}
	if ((r = ctrl(f, FTDI_RESET, 0, UART_CHANNEL, "reset")) ||
	    (r = ctrl(f, FTDI_RESET, FTDI_PURGE_RX, UART_CHANNEL, "purge RX")) ||
	    (r = ctrl(f, FTDI_RESET, FTDI_PURGE_TX, UART_CHANNEL, "purge TX")) ||
	    (r = ctrl(f, FTDI_SET_BITMODE, 0x0000, UART_CHANNEL, "bit mode reset")) ||
	    (r = ctrl(f, FTDI_SET_LATENCY, LATENCY_MS, UART_CHANNEL, "latency timer")) ||
	    (r = ctrl(f, FTDI_SET_DATA, 0x0008, UART_CHANNEL, "8N1")) ||
	    (r = ctrl(f, FTDI_SET_FLOW, 0x0000, UART_CHANNEL, "no flow control")) ||
	    (r = ctrl(f, FTDI_SET_BAUD, value, index_hi | UART_CHANNEL, "baud")))
		goto release;
	return MMF_OK;
release:
	if (!f->gone)
		libusb_release_interface(f->h, f->iface);
	return r;
}

static int ftdi_open(const struct ftdi_opts *o, mmfi_transport **out, char *err, size_t err_len)
{
	ftdi_transport *f;
	libusb_device **list = NULL, *dev = NULL;
	int i, r;

	f = calloc(1, sizeof(*f));
	if (!f || !(f->rx = malloc(RX_CAP))) {
		free(f);
		mmfi_msg(err, err_len, "ftdi: out of memory");
		return MMF_ERR_NOMEM;
	}
	f->base.ops = &ftdi_ops;
	f->base.name = f->name;
	f->iface = UART_IFACE;
	f->chan = UART_CHANNEL;
	f->ep_in = UART_EP_IN;
	f->ep_out = UART_EP_OUT;
	f->base.err = err;
	f->base.err_len = err_len;
	f->baud = o->baud ? o->baud : BOARD_BAUD;
	snprintf(f->name, sizeof(f->name), "ftdi");
	r = libusb_init(&f->ctx);
	if (r) {
		/* no USB reachable here (no usbfs in a container, say): no board either */
		mmfi_ftdi_msg(err, err_len, "ftdi: no USB here: libusb_init failed", r);
		r = MMF_ERR_NO_BOARD;
		goto fail_free;
	}
	r = pick(f, o, &dev, &list);
	if (r)
		goto fail_list;
	if (f->fifo) {
		f->iface = FIFO_IFACE;
		f->chan = FIFO_CHANNEL;
		f->ep_in = FIFO_EP_IN;
		f->ep_out = FIFO_EP_OUT;
	}
	if (f->spi) {
		f->base.ops = &ftdi_spi_ops;
		f->iface = SPI_IFACE;
		f->chan = SPI_CHANNEL;
		f->ep_in = SPI_EP_IN;
		f->ep_out = SPI_EP_OUT;
		f->read_k = READ_MIN;
		f->pend = malloc(PEND_CAP);
		if (!f->pend) {
			mmfi_msg(err, err_len, "ftdi: out of memory");
			r = MMF_ERR_NOMEM;
			goto fail_list;
		}
	}
	r = libusb_open(dev, &f->h);
	libusb_free_device_list(list, 1);
	list = NULL;
	if (r) {
		char what[128];
		snprintf(what, sizeof(what), "%s: opening the device failed", f->name);
		r = mmfi_ftdi_msg(err, err_len, what, r);
		goto fail_list;
	}
	r = setup(f);
	if (r)
		goto fail_close;
	for (i = 0; i < IN_XFERS; i++) {
		uint8_t *b = malloc(IN_SIZE);
		f->in[i] = libusb_alloc_transfer(0);
		if (!b || !f->in[i]) {
			free(b);
			mmfi_msg(err, err_len, "ftdi: out of memory for the IN transfers");
			r = MMF_ERR_NOMEM;
			goto fail_xfers;
		}
		libusb_fill_bulk_transfer(f->in[i], f->h, f->ep_in, b, IN_SIZE, in_done, f, 0);
	}
	r = submit_in(f);
	if (r)
		goto fail_xfers;
	if (f->spi) {
		r = setup_spi(f);
		if (r)
			goto fail_xfers;
	}
	*out = &f->base;
	return MMF_OK;

fail_xfers:
	ftdi_close(&f->base);
	return r;
fail_close:
	libusb_close(f->h);
fail_list:
	if (list)
		libusb_free_device_list(list, 1);
	libusb_exit(f->ctx);
fail_free:
	free(f->pend);
	free(f->rx);
	free(f);
	return r;
}

/* ---- the URI: ftdi[:SERIAL][?baud=N][&link=uart|ft245] ------------------------------------------- */

static const char *const ftdi_keys[] = { "baud", "link", NULL };

static int ftdi_uri_open(const struct mmfi_uri *u, mmfi_transport **out, unsigned *flags, char *err,
			 size_t err_len)
{
	struct ftdi_opts o = { u->arg, 0, FTDI_LINK_AUTO };
	const char *link = mmfi_uri_opt(u, "link");
	uint64_t baud = 0;
	int r;

	r = mmfi_uri_num(u, "baud", 1, 12000000, &baud, "a UART rate, 1 to 12000000", err, err_len);
	if (r)
		return r;
	o.baud = (uint32_t)baud;
	if (link && !strcmp(link, "uart"))
		o.link = FTDI_LINK_UART;
	else if (link && !strcmp(link, "ft245"))
		o.link = FTDI_LINK_FT245;
	else if (link)
		return mmfi_uri_bad(u, "link", "uart (the FT2232H's channel B) or ft245 (its channel A in "
				    "245 synchronous FIFO mode)", err, err_len);
	if (o.link == FTDI_LINK_FT245 && o.baud) {
		mmfi_msg(err, err_len, "board URI '%s': baud is the UART's; link=ft245 has no baud rate "
			 "(the FPGA clocks the bytes on the chip's 60 MHz CLKOUT): drop one of them", u->uri);
		return MMF_ERR_ARG;
	}
	/* an emulated chip answers as a real one (same descriptors and strings, the board's own INFO),
	 * so what gives it away is the bus: umockdev's preload library serves /dev/bus/usb from the
	 * testbed that UMOCKDEV_DIR names */
	*flags = getenv("UMOCKDEV_DIR") ? MMF_BOARD_SIMULATED : 0;
	return ftdi_open(&o, out, err, err_len);
}

/* Behind an FTDI bridge every short answer waits for the latency timer: a window of 3 WRITE_MEMs in
 * flight by default (docs/usb.md). */
const struct mmfi_board_kind mmfi_board_ftdi = { "ftdi", ftdi_keys, MMFI_TIMEOUT_MS, 3, ftdi_uri_open };
