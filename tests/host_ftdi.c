/*
 * host_ftdi.c: the FTDI transport's pure parts, no USB needed.
 *
 * Proves: the H-chip baud divisor (mmfi_ftdi_baud) gives, for rates from 12 Mbaud down to 300, the
 * wValue / wIndex that AN232B-05's algorithm gives when worked by hand (below, each with its
 * working); rates outside 1..12000000 are refused; every rate from 733 baud up lands within 0.5 %
 * of what was asked for the rates a UART uses; the libusb error messages name the error and the
 * way out (the udev rule for LIBUSB_ERROR_ACCESS, who may hold a busy interface, an unplugged board)
 * and map to the right mmf_error; the board kind comes from the product id and string.
 */
#include <string.h>

#include <libusb.h>

#include "check.h"
#include "mmfree.h"
#include "transport_ftdi.h"

/* Worked by hand from AN232B-05 for the H chips: divisor = 12 MHz / baud in eighths (rounded to the
 * nearest eighth: sixteenths = floor(192e6 / baud), eighths = (sixteenths + 1) / 2), 14 integer
 * bits, the eighths as the 3-bit code {0:0, 1:3, 2:2, 3:4, 4:1, 5:5, 6:6, 7:7} in bits 14..16, the
 * 0x20000 flag for the 12 MHz base; divisors 1 and 1.5 are the special codes 0 and 1. wValue is the
 * low 16 bits, wIndex's high byte bits 16..23 (shifted right 8). Below ~733 baud (baud * 10 <=
 * 120 MHz / 0x3fff) the 3 MHz base without the flag. */
static const struct {
	uint32_t baud;              /* asked for */
	uint16_t value;             /* wValue */
	uint16_t index_hi;          /* wIndex without the channel */
	uint32_t actual;            /* what the chip makes */
} want[] = {
	{ 12000000, 0x0000, 0x0200, 12000000 }, /* 12 MHz / 1: special code 0, flag -> 0x20000 */
	{ 8000000, 0x0001, 0x0200, 8000000 },   /* 12 MHz / 1.5: special code 1 */
	{ 6000000, 0x0002, 0x0200, 6000000 },   /* 12 MHz / 2 */
	{ 3000000, 0x0004, 0x0200, 3000000 },   /* divisor 4.0: 32 eighths -> 4, code 0 */
	{ 2000000, 0x0006, 0x0200, 2000000 },   /* divisor 6 */
	{ 1000000, 0x000c, 0x0200, 1000000 },   /* divisor 12 */
	/* 192e6 / 115200 = 1666.67 -> 1666 sixteenths -> 833 eighths = 104 + 1/8: 104 = 0x68, code 3
	 * -> 0x68 | 3 << 14 = 0xc068; 12e6 * 8 / 833 = 115246.1 */
	{ 115200, 0xc068, 0x0200, 115246 },
	{ 9600, 0x04e2, 0x0200, 9600 },         /* divisor 1250 = 0x4e2 */
	/* 192e6 / 1103448 = 174.00004 -> 87 eighths = 10 + 7/8: code 7 sets bits 14..16, so
	 * 0x2000a | 7 << 14 = 0x3c00a: wValue 0xc00a, wIndex 0x0300 | channel */
	{ 1103448, 0xc00a, 0x0300, 1103448 },
	/* 7330 > 7324.6: still the 12 MHz base; 192e6 / 733 = 261937.2 -> 130969 eighths = 16371 +
	 * 1/8: 0x3ff3 | 3 << 14 = 0xfff3 */
	{ 733, 0xfff3, 0x0200, 733 },
	{ 300, 0x2710, 0x0000, 300 },           /* 3 MHz base, no flag: divisor 10000 = 0x2710 */
};

static int has(const char *msg, const char *s)
{
	return strstr(msg, s) != NULL;
}

static void test_baud(void)
{
	static const uint32_t uart_rates[] = { 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200,
					       230400, 460800, 921600, 1000000, 1500000, 2000000,
					       3000000, 4000000, 6000000, 12000000 };
	uint16_t v, ih;
	uint32_t a;
	unsigned i;
	int r;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		r = mmfi_ftdi_baud(want[i].baud, &v, &ih, &a);
		CHECK(r == MMF_OK && v == want[i].value && ih == want[i].index_hi && a == want[i].actual,
		      "baud %u: wValue 0x%04x wIndex 0x%04x actual %u, expected 0x%04x 0x%04x %u",
		      want[i].baud, v, ih, a, want[i].value, want[i].index_hi, want[i].actual);
	}
	for (i = 0; i < sizeof(uart_rates) / sizeof(uart_rates[0]); i++) {
		r = mmfi_ftdi_baud(uart_rates[i], &v, &ih, &a);
		CHECK(r == MMF_OK && (a > uart_rates[i] ? a - uart_rates[i] : uart_rates[i] - a) * 200u <=
		      uart_rates[i], "baud %u: the chip makes %u, more than 0.5 %% off", uart_rates[i], a);
	}
	CHECK(mmfi_ftdi_baud(0, &v, &ih, &a) == MMF_ERR_ARG, "baud 0 accepted");
	CHECK(mmfi_ftdi_baud(12000001, &v, &ih, &a) == MMF_ERR_ARG, "baud 12000001 accepted");
	printf("baud divisor: %zu rates equal to the hand-worked values, %zu UART rates within 0.5 %%\n",
	       sizeof(want) / sizeof(want[0]), sizeof(uart_rates) / sizeof(uart_rates[0]));
}

static void test_messages(void)
{
	char m[512];
	int r;

	r = mmfi_ftdi_msg(m, sizeof(m), "ftdi:MMF0001: opening 0403:6010 failed", LIBUSB_ERROR_ACCESS);
	CHECK(r == MMF_ERR_IO && has(m, "ftdi:MMF0001: opening 0403:6010 failed: LIBUSB_ERROR_ACCESS") &&
	      has(m, "mmfree udev-rule > /etc/udev/rules.d/60-mmfree.rules") && has(m, "run as root"),
	      "access: %s (%s)", m, mmf_error_name(r));
	printf("%s\n", m);
	r = mmfi_ftdi_msg(m, sizeof(m), "claiming interface 1", LIBUSB_ERROR_BUSY);
	CHECK(r == MMF_ERR_IO && has(m, "LIBUSB_ERROR_BUSY") && has(m, "another program"),
	      "busy: %s", m);
	r = mmfi_ftdi_msg(m, sizeof(m), "opening", LIBUSB_ERROR_NO_DEVICE);
	CHECK(r == MMF_ERR_NO_BOARD && has(m, "LIBUSB_ERROR_NO_DEVICE") && has(m, "unplugged"),
	      "no device: %s", m);
	CHECK(mmfi_ftdi_error(LIBUSB_ERROR_TIMEOUT) == MMF_ERR_TIMEOUT, "timeout");
	CHECK(mmfi_ftdi_error(LIBUSB_ERROR_NO_MEM) == MMF_ERR_NOMEM, "no mem");
	CHECK(mmfi_ftdi_error(LIBUSB_ERROR_PIPE) == MMF_ERR_IO, "pipe");
	CHECK(mmfi_ftdi_error(LIBUSB_SUCCESS) == MMF_OK, "success");
}

static void test_kind(void)
{
	CHECK(has(mmfi_ftdi_kind(0x6010, "iCEBreaker V1.0e"), "iCEBreaker"), "icebreaker");
	CHECK(has(mmfi_ftdi_kind(0x6010, "Dual RS232-HS"), "iCEBreaker or iCE40HX8K"), "default FT2232H");
	CHECK(has(mmfi_ftdi_kind(0x6014, "Single RS232-HS"), "MPSSE SPI"), "FT232H");
	CHECK(!strcmp(mmfi_ftdi_kind(0x6001, ""), "?"), "FT232R is no board of ours");
}

int main(int argc, char **argv)
{
	check_args(argc, argv, 0, NULL, "",
		   "The FTDI transport's pure parts, no USB needed (tests/host_ftdi.c).");
	test_baud();
	test_messages();
	test_kind();
	printf("host_ftdi: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail != 0;
}
