/*
 * mpsse_emu.h: the MPSSE engine of an emulated FTDI chip (FTDI AN_108's command processor), for the
 * emulated FT232H of sim/usb_emu.c (and the FT2232H's channel A on a board's configuration flash): it
 * reads the command bytes a host sends in bit mode 0x02, clocks the low byte's pins (ADBUS0 SCK,
 * ADBUS1 DO/MOSI, ADBUS2 DI/MISO, ADBUS3 the FPGA's select; or every ADBUS pin) through a callback in
 * the board's simulated time, and writes the bytes it reads back for the host.
 */
#ifndef MMF_MPSSE_EMU_H
#define MMF_MPSSE_EMU_H

#include <stddef.h>
#include <stdint.h>

/* What is wired to the pins. xfer sets SCK, CS (ADBUS3) and MOSI (ADBUS1), returns MISO (ADBUS2) as
 * it was at that moment, then lets `cycles` core cycles pass. NULL: nothing there (MISO reads 1, as
 * the chip's pulled-up input does, and no time passes). */
struct mpsse_pins {
	int (*xfer)(void *ctx, int sck, int cs_n, int mosi, uint32_t cycles);
	void *ctx;
	uint32_t clock_hz;          /* the board's core clock: cycles per second of pin time */
	/* or, when set (xfer then unused): every ADBUS level (outputs as driven, inputs as pulled up)
	 * for `cycles`; returns the levels the board drives (DI, and inputs such as the iCEBreaker's
	 * CDONE on ADBUS6). Pins of a configuration port: none of the link's notes apply */
	uint8_t (*port)(void *ctx, uint8_t adbus, uint32_t cycles);
};

/* The engine's state (all zero is a chip fresh from power-up: 60 MHz / 2 / (1 + 0) would be 30 MHz,
 * but the divisor resets to 0 and divide-by-5 to on, as AN_108 says: set mpsse_reset first). */
struct mpsse {
	uint8_t lo_val, lo_dir;     /* ADBUS levels and directions (0x80) */
	uint8_t hi_val, hi_dir;     /* ACBUS (0x82): kept, not wired */
	uint16_t div;               /* clock divisor (0x86) */
	int div5;                   /* divide-by-5: 12 MHz master clock (0x8B), else 60 MHz (0x8A) */
	int loopback;               /* TDI to TDO inside the chip (0x84) */
	int three_phase;            /* 3-phase data clocking (0x8C): not modelled, noted */
	int adaptive;               /* adaptive clocking (0x96): not modelled, noted */
	int mosi;                   /* the DO line's level between bytes */
	uint8_t op;                 /* clocking command in progress, or 0 */
	uint32_t op_left;           /* its data bytes still to clock */
	uint64_t acc;               /* SCK half periods in core cycles: the fraction carried over */
	int flush;                  /* 0x87 seen: send what was read at once */
	unsigned noted;             /* notes already given (one bit each) */
	uint64_t clocked;           /* data bytes clocked */
	uint64_t bad;               /* bad commands answered 0xFA */
};

/* Power-up / bit mode reset: divisor 0, divide-by-5 on, all pins inputs. */
void mpsse_reset(struct mpsse *m);

/* Run the engine on the host's command bytes in[0..n): returns how many bytes it consumed (a
 * command not yet complete is left for the next call, except the data of a clocking command, which
 * is clocked as it comes). Bytes read back go to out (at most out_room; a clocking command waits
 * for room, as the chip waits for the host to read), *out_n says how many. At most max_data data
 * bytes are clocked per call. note() reports what a real board would not like, once each. */
size_t mpsse_run(struct mpsse *m, const struct mpsse_pins *p, const uint8_t *in, size_t n,
		 uint8_t *out, size_t out_room, size_t *out_n, size_t max_data,
		 void (*note)(const char *msg));

#endif
