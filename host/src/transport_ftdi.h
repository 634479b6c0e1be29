/*
 * transport_ftdi.h: what transport_ftdi.c offers beyond the `ftdi` board kind (uri.h): the chips
 * attached, as `mmfree list` shows them, and the helpers its tests check.
 */
#ifndef MMFI_TRANSPORT_FTDI_H
#define MMFI_TRANSPORT_FTDI_H

#include "transport.h"

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

#endif
