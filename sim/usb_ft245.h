/*
 * usb_ft245.h: the SoC behind its FT245 synchronous FIFO PHY (sim/vboard_ft245.v) under Verilator, with
 * the FT2232H's side of the bus (sim/ft245_chip.c) on its pins, for the emulated FT2232H of usb_emu.c
 * whose channel A runs in bit mode 0x40 (mmfree-vboard --usb ft245). The core runs at 48 MHz and the
 * chip's CLKOUT at 60 MHz, drifting against each other (sim/ft245_clocks.h). A C interface to the C++
 * model: the emulator moves bytes through the chip's queues (mmf_ft245_chip_host_write / _read) and
 * sets how much room the chip has for the FPGA's bytes (th_cap); only one thread may call these.
 */
#ifndef MMF_USB_FT245_H
#define MMF_USB_FT245_H

#include <stdint.h>

#include "ft245_chip.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct usb_ft245 usb_ft245;

/* The model out of reset and past the board's boot cycles, its chip idle with empty queues (no random
 * stalls: the emulator's USB buffers stall it). seed picks the CLKOUT's phase. 0, or -1 when out of
 * memory. */
int usb_ft245_open(usb_ft245 **out, uint64_t seed);

/* The chip on the bus: its queues, flags and counts (bytes the FPGA read, bytes it wrote, rules
 * broken). */
mmf_ft245_chip_t *usb_ft245_chip(usb_ft245 *b);

/* Run the core for `cycles` cycles of its 48 MHz clock, the bus clocked at 60 MHz meanwhile. */
void usb_ft245_run(usb_ft245 *b, uint32_t cycles);

/* Core cycles since the model started, and the bus's (CLKOUT) rising edges. */
uint64_t usb_ft245_cycles(const usb_ft245 *b);
uint64_t usb_ft245_bus_cycles(const usb_ft245 *b);

void usb_ft245_close(usb_ft245 *b);

#ifdef __cplusplus
}
#endif

#endif
