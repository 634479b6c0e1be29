/*
 * transport_sim.h: the `sim` board (transport_sim.cpp), the SoC's RTL under Verilator in-process, opened
 * with its options as a struct (mmfree-vboard and the USB chip emulators do; a URI opens it through
 * mmfi_board_sim, uri.h), and what the virtual board programs drive it with.
 */
#ifndef MMFI_TRANSPORT_SIM_H
#define MMFI_TRANSPORT_SIM_H

#include "transport.h"

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

#endif
