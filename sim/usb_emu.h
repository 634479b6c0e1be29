/*
 * usb_emu.h: the emulated FTDI chips of `mmfree-vboard --usb` (usb_emu.c): an FT2232H whose channel B
 * UART is wired to the Verilator iCEBreaker SoC (and, with a flash file, whose channel A is the board's
 * configuration side: ice40_cfg.c), and an FT232H with descriptors only, put under
 * umockdev so that an unmodified libusb program (mmfree) finds them on /dev/bus/usb.
 */
#ifndef MMF_USB_EMU_H
#define MMF_USB_EMU_H

#include <stdint.h>

struct usb_emu_opts {
	const char *boards;         /* "icebreaker", "upduino3", or both comma-separated */
	const char *serial;         /* the iCEBreaker's serial string ("MMF0001") */
	uint64_t unplug_after;      /* unplug once the board took this many host bytes; 0: never */
	double errors;              /* link faults per UART byte, both ways (the fault injector) */
	uint64_t seed;              /* their seed */
	int claim_busy;             /* another program holds channel B: CLAIMINTERFACE says EBUSY */
	int deny_access;            /* device nodes root's and 0600, as without the udev rule */
	int quiet;                  /* only errors on stderr */
	const char *flash;          /* the iCEBreaker's flash kept in this file (channel A), or NULL */
	const char *flash_id;       /* its JEDEC ID as six hex digits, NULL: EF4018 (W25Q128JV) */
	uint8_t flash_sr1;          /* its status register 1 at power-up (protection bits) */
};

/* Attach the chips, run argv[0] with its arguments under LD_PRELOAD=libumockdev-preload.so with the
 * testbed's UMOCKDEV_DIR, and return its exit status (128 + signal when killed); 1 on a set-up
 * failure, said on stderr. */
int usb_emu_run(const struct usb_emu_opts *o, char **argv);

#endif
