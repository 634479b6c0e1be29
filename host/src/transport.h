/*
 * transport.h: how the host library moves bytes to and from a board, a small vtable.
 *
 * Internal to libmmfree: names are mmfi_* ("i" for internal), hidden from the shared library. A
 * transport knows nothing of packets; proto.c does. Transports keep their own clock: recv() returns no
 * bytes only once timeout_ms have passed on it (the `cpu` board's clock is link time, so its waits
 * cost no wall time; a serial port's clock is the wall clock).
 */
#ifndef MMFI_TRANSPORT_H
#define MMFI_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct mmfi_transport mmfi_transport;

struct mmfi_transport_ops {
	/* Hand n bytes to the link. 0 or a negative mmf_error (message in err). */
	int (*send)(mmfi_transport *t, const uint8_t *buf, size_t n);
	/* Wait at most timeout_ms for at least one byte; *got = bytes stored (0: the time passed).
	 * 0 or a negative mmf_error. */
	int (*recv)(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got);
	/* Free the transport (and any transport it wraps). */
	void (*close)(mmfi_transport *t);
	/* The transport's clock, microseconds, the one recv's timeout runs on (link time for `cpu`,
	 * simulated time for `sim`); NULL: the wall clock. */
	uint64_t (*now_us)(mmfi_transport *t);
};

struct mmfi_transport {
	const struct mmfi_transport_ops *ops; /* what it does */
	const char *name;                     /* for messages: "cpu", "faults(cpu)" */
	char *err;                            /* message buffer for failures (the board's), or NULL */
	size_t err_len;                       /* its size */
};

/* Options a transport may take from the URI (after '?'). */
struct mmfi_cpu_opts {
	uint64_t dead_after;        /* the link is cut after this many bytes from the host; 0: never */
	uint64_t dead_for;          /* ... and comes back after this many more; 0: never */
	uint32_t wmem_words;        /* weight memory words; 0: MMF_WMEM_WORDS (the UP5K's SPRAM) */
	uint8_t n_formats;          /* engine slots named by engines=; 0: tac5, sac4, lut3 */
	uint8_t formats[3];         /* their weight formats (MMF_FMT_*), one engine of each kind */
};
struct mmfi_fault_opts {
	double rate;                /* probability per byte, each direction, of a fault */
	uint64_t seed;              /* the faults repeat with the seed */
};

/* The hls_c device model in-process (transport_cpu.c). */
int mmfi_cpu_open(const struct mmfi_cpu_opts *o, mmfi_transport **out, char *err, size_t err_len);
/* The Verilator SoC in-process (transport_sim.cpp, linked into build/bin/mmfree and mmfree-vboard
 * only: weak symbols, NULL in programs built without it). */
struct mmfi_sim_opts {
	int uart;                   /* the generic core behind its UART instead of the fast mode */
	const char *board;          /* a board's own top ("icebreaker"), or NULL / "" for the core */
	const char *trace;          /* FST file for a window of cycles (mmfree-vboard only), or NULL */
	uint64_t trace_from;        /* first cycle traced */
	uint64_t trace_to;          /* cycle after the last one traced */
	/* the INA226 MODEL on the board's I2C lines (sim/ina226_model.v): its readings, or none */
	int ina_set;                /* 0: the defaults below; 1: the values given */
	int ina_absent;             /* 1: no INA226 on the bus (reads as an absent sensor) */
	uint32_t ina_shunt_uv;      /* shunt voltage, uV (default 1800: 18 mA through 0.1 ohm) */
	uint32_t ina_bus_mv;        /* bus voltage, mV (default 1200: the UP5K's core rail) */
};
enum {
	MMFI_SIM_INA_SHUNT_UV = 1800,  /* the model's default readings (docs/vboard.md) */
	MMFI_SIM_INA_BUS_MV = 1200,
};
int mmfi_sim_open(const struct mmfi_sim_opts *o, mmfi_transport **out, char *err, size_t err_len)
#ifdef __GNUC__
	__attribute__((weak))
#endif
	;
/* Run a sim transport (not a wrapper of one) for up to `cycles` cycles, less once it has bytes for
 * the host: the board's clock between the host's bytes (mmfree-vboard). */
void mmfi_sim_step(mmfi_transport *t, uint32_t cycles)
#ifdef __GNUC__
	__attribute__((weak))
#endif
	;
/* An SPI board (sim:BOARD of a build whose board is SPI, sim/vboard_spi.v): set its SCK, CS and MOSI
 * pins (from then on they, not the model's own master, drive the board), store in *miso (if not
 * NULL) the MISO line as a master sees it at that moment, then run `cycles` core cycles.
 * MMF_ERR_UNSUPPORTED for any other sim transport. For the emulated FT232H (sim/usb_emu.c). */
int mmfi_sim_spi_pins(mmfi_transport *t, int sck, int cs_n, int mosi, uint32_t cycles, int *miso)
#ifdef __GNUC__
	__attribute__((weak))
#endif
	;
/* The board whose top this build simulates as sim:BOARD. */
const char *mmfi_sim_board_name(void)
#ifdef __GNUC__
	__attribute__((weak))
#endif
	;
/* A virtual board in another process on a Unix socket (transport_socket.c). */
int mmfi_socket_open(const char *path, mmfi_transport **out, char *err, size_t err_len);
/* A board on an FTDI USB bridge, on libusb (transport_ftdi.c): ftdi[:SERIAL][?baud=N][&link=L]. */
enum {
	MMFI_FTDI_LINK_AUTO = 0,    /* the chip decides: FT2232H UART on channel B, FT232H MPSSE SPI */
	MMFI_FTDI_LINK_UART = 1,    /* link=uart: the FT2232H's channel B as a UART */
	MMFI_FTDI_LINK_FT245 = 2,   /* link=ft245: the FT2232H's channel A in 245 synchronous FIFO mode */
};
struct mmfi_ftdi_opts {
	const char *serial;         /* the chip's serial string, or NULL / "" for the only board */
	uint32_t baud;              /* UART rate to set; 0: the boards' 12000000 */
	int link;                   /* MMFI_FTDI_LINK_*: which channel and mode */
};
int mmfi_ftdi_open(const struct mmfi_ftdi_opts *o, mmfi_transport **out, char *err, size_t err_len);
/* One FTDI chip on USB, as `mmfree list` shows it. */
struct mmfi_ftdi_dev {
	uint16_t vid, pid;          /* 0403:6010 FT2232H, 0403:6014 FT232H */
	uint8_t bus, addr;          /* USB bus number and device address */
	char serial[64];            /* iSerialNumber, "?" when the device could not be opened */
	char product[64];           /* iProduct ("iCEBreaker V1.0e", "Dual RS232-HS"), or "" */
	char manufacturer[64];      /* iManufacturer, or "" */
	const char *kind;           /* which board that likely is (mmfi_ftdi_kind) */
	int fifo_a;                 /* an FT2232H whose EEPROM makes channel A a 245 FIFO (link=ft245) */
	int open_err;               /* 0, or the libusb error that kept the strings unread */
};
/* The FTDI boards attached: up to max into d, *n = how many there are. */
int mmfi_ftdi_list(struct mmfi_ftdi_dev *d, int max, int *n, char *err, size_t err_len);
/* Which board a chip likely is, from its product id and string. */
const char *mmfi_ftdi_kind(uint16_t pid, const char *product);
/* The H chips' baud divisor (AN232B-05): 12 MHz base with flag 0x20000 (3 MHz base below ~733
 * baud), 14 integer bits and a 3-bit code of eighths. wValue = *value, wIndex = *index_hi | channel;
 * *actual (may be NULL) = the rate the chip makes. MMF_ERR_ARG for 0 or above 12000000. */
int mmfi_ftdi_baud(uint32_t baud, uint16_t *value, uint16_t *index_hi, uint32_t *actual);
/* A libusb error as a message, "what: LIBUSB_ERROR_ACCESS: <the way out>"; returns its mmf_error. */
int mmfi_ftdi_msg(char *err, size_t len, const char *what, int usb_err);
/* A libusb error code as an mmf_error. */
int mmfi_ftdi_error(int usb_err);
/* Wrap `inner` (taking ownership) in a fault injector (transport_faults.c). */
int mmfi_faults_open(mmfi_transport *inner, const struct mmfi_fault_opts *o, mmfi_transport **out,
		     char *err, size_t err_len);

/* Monotonic wall clock in microseconds (proto.c). */
uint64_t mmfi_now_us(void);
/* t's own clock (ops->now_us), or the wall clock (proto.c). */
uint64_t mmfi_transport_now(mmfi_transport *t);
/* printf into a message buffer (error.c); a NULL buffer is ignored. */
void mmfi_msg(char *buf, size_t len, const char *fmt, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 3, 4)))
#endif
	;

#endif
