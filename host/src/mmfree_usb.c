/*
 * mmfree_usb.c: `mmfree list` (the FTDI boards on USB) and `mmfree udev-rule` (the rule that lets a
 * user open them without root).
 */
#include <string.h>

#include "mmfree_cli.h"
#include "transport_ftdi.h"

enum { LIST_MAX = 32 };

static void help_list(FILE *f)
{
	fprintf(f, "usage: mmfree list [--json]\n\n"
		"The FTDI bridges attached to USB that an mmfree board may sit behind: 0403:6010 (FT2232H:\n"
		"iCEBreaker, iCE40HX8K-B-EVN; the board's UART on channel B) and 0403:6014 (FT232H: UPduino\n"
		"v3; the host is the SPI master, MPSSE at 10 MHz SCK, docs/usb.md). For each: bus and\n"
		"address, serial, product string, the board it likely is, and the URI to open it with\n"
		"(ftdi:SERIAL).\n\n"
		"  --json   one JSON object on stdout\n");
}

static void help_udev(FILE *f)
{
	fprintf(f, "usage: mmfree udev-rule\n\n"
		"Print the udev rule that gives the plugdev group (and the user at the seat) access to the\n"
		"FTDI bridges of mmfree boards. Install it as root:\n"
		"  mmfree udev-rule > /etc/udev/rules.d/60-mmfree.rules\n"
		"  udevadm control --reload && udevadm trigger      (or replug the board)\n");
}

int cmd_list(int argc, char **argv)
{
	struct mmfi_ftdi_dev d[LIST_MAX];
	char err[512], uri[80];
	uint64_t seen = 0;
	int json = 0, n, i, denied = 0, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help_list(stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--json"))
			return cli_usage("list", "unknown option '%s'", argv[i]);
		if ((r = cli_once("list", "--json", &seen, 1)))
			return r;
		json = 1;
	}
	r = mmfi_ftdi_list(d, LIST_MAX, &n, err, sizeof(err));
	if (r) {
		fprintf(stderr, "mmfree: list: %s (%s)\n", err, mmf_error_name(r));
		return EXIT_FAIL;
	}
	if (n > LIST_MAX)
		n = LIST_MAX;
	if (json)
		printf("{\"devices\": [");
	else if (n)
		printf("bus addr vid:pid   serial           product              board\n");
	for (i = 0; i < n; i++) {
		const char *access = d[i].open_err ? "no access" : "ok";
		denied += d[i].open_err != 0;
		if (json) {
			printf("%s{\"bus\": %u, \"address\": %u, \"vid\": \"%04x\", \"pid\": \"%04x\", \"serial\": ",
			       i ? ", " : "", d[i].bus, d[i].addr, d[i].vid, d[i].pid);
			cli_json_str(stdout, d[i].serial);
			printf(", \"product\": ");
			cli_json_str(stdout, d[i].product);
			printf(", \"manufacturer\": ");
			cli_json_str(stdout, d[i].manufacturer);
			printf(", \"board\": ");
			cli_json_str(stdout, d[i].kind);
			snprintf(uri, sizeof(uri), "ftdi:%s%s", d[i].serial, d[i].fifo_a ? "?link=ft245" : "");
			printf(", \"uri\": ");
			cli_json_str(stdout, d[i].open_err ? "" : uri);
			printf(", \"access\": \"%s\"}", access);
		} else {
			printf("%3u %4u %04x:%04x %-16s %-20s %s%s\n", d[i].bus, d[i].addr, d[i].vid, d[i].pid,
			       d[i].serial, d[i].product[0] ? d[i].product : "?", d[i].kind,
			       d[i].open_err ? " [no access: see below]" : "");
		}
	}
	if (json) {
		printf("]}\n");
	} else if (!n) {
		printf("no FTDI boards on USB (looked for 0403:6010 FT2232H and 0403:6014 FT232H)\n");
	}
	if (denied) {
		mmfi_ftdi_msg(err, sizeof(err), "some devices could not be opened", d[0].open_err ?
			      d[0].open_err : -3 /* LIBUSB_ERROR_ACCESS */);
		fprintf(stderr, "mmfree: list: %s\n", err);
	}
	return EXIT_OK;
}

int cmd_udev_rule(int argc, char **argv)
{
	static const unsigned pids[] = { 0x6010, 0x6014 };
	unsigned i;

	for (i = 0; i < (unsigned)argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help_udev(stdout);
			return EXIT_OK;
		}
		return cli_usage("udev-rule", "unknown option '%s'", argv[i]);
	}
	printf("# mmfree: the FTDI bridges of iCE40 boards, readable and writable without root\n"
	       "# (0403:6010 FT2232H: iCEBreaker, iCE40HX8K-B-EVN; 0403:6014 FT232H: UPduino v3).\n"
	       "# Install: mmfree udev-rule > /etc/udev/rules.d/60-mmfree.rules\n"
	       "#          udevadm control --reload && udevadm trigger\n"
	       "# Members of plugdev, and the user logged in at the seat (uaccess), may then open them.\n");
	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
		printf("SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"0403\", ATTRS{idProduct}==\"%04x\", "
		       "MODE=\"0660\", GROUP=\"plugdev\", TAG+=\"uaccess\"\n", pids[i]);
	return EXIT_OK;
}
