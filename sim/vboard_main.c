/*
 * vboard_main.c: mmfree-vboard, the virtual board as a server. The SoC's RTL under Verilator (the
 * board's own top, or the generic core) answers the link bytes of one host at a time on a Unix
 * socket; hosts open it as `--board socket:PATH`. Options inject link faults and dump an FST trace
 * of a window of cycles.
 *
 * Simulated time runs while the link is busy and for IDLE_CYCLES of board time after the last byte
 * (4 ms at 48 MHz: long enough for any command to finish and for the board's inter-byte timeout to
 * drop a cut packet), in slices of SLICE_CYCLES between which the socket is read; then it stops
 * until the host sends again, so an idle virtual board costs no CPU. Like a real board's, the cycle
 * counter of a virtual board on a socket therefore also counts some of the time the host takes.
 *
 * With --usb the board sits behind an emulated FTDI chip on an emulated USB bus instead (usb_emu.c):
 * `mmfree-vboard --usb icebreaker -- PROGRAM ARGS...` runs PROGRAM, which finds the board with libusb
 * as `--board ftdi`.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mmfree.h"
#include "transport_faults.h"
#include "transport_sim.h"
#include "usb_emu.h"

enum {
	EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2,
	IDLE_CYCLES = 192000,       /* board time simulated after the last byte */
	SLICE_CYCLES = 2048,        /* board time between two looks at the socket */
	BUF = 4096,                 /* bytes moved per step */
};

/* Options. */
struct vb_opts {
	const char *board;          /* --board: the built board's name, or "sim" for the generic core */
	const char *listen;         /* --listen PATH */
	int uart;                   /* --uart: the generic core behind its UART */
	double errors;              /* --inject-errors RATE */
	uint64_t seed;              /* --seed S */
	const char *trace;          /* --trace FILE */
	uint64_t trace_from;        /* --trace-from CYCLE */
	uint64_t trace_to;          /* --trace-to CYCLE */
	int once;                   /* --once: serve one host, then exit */
	int quiet;                  /* --quiet */
	const char *usb;            /* --usb BOARDS: emulated FTDI chips instead of a socket */
	const char *serial;         /* --serial S: the emulated iCEBreaker's serial string */
	uint64_t unplug_after;      /* --unplug-after-bytes N */
	int claim_busy;             /* --claim-busy: channel B held by another program */
	int deny_access;            /* --deny-access: device nodes root's, mode 0600 */
	const char *flash;          /* --flash FILE: the iCEBreaker's flash, kept in FILE */
	const char *flash_id;       /* --flash-id HEX: its JEDEC ID */
	unsigned long long flash_sr1; /* --flash-sr1 N: its status register 1 at power-up */
	char **prog;                /* after --: the program to run with the USB board attached */
};

static volatile sig_atomic_t stop;  /* SIGINT / SIGTERM seen */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void help(FILE *f)
{
	const char *b = mmfi_sim_board_name ? mmfi_sim_board_name() : "?";

	fprintf(f, "usage: mmfree-vboard --listen PATH [--board %s|sim] [--uart] [--inject-errors RATE]\n"
		"                     [--seed S] [--trace FILE --trace-from C --trace-to C] [--once]\n\n"
		"Serve the virtual board on a Unix socket: the SoC's RTL under Verilator answers the link\n"
		"bytes of one host at a time. Hosts use it as --board socket:PATH, e.g.\n"
		"  mmfree-vboard --listen /tmp/vb.sock &\n"
		"  mmfree info --board socket:/tmp/vb.sock\n\n"
		"  --listen PATH         the socket to create (a stale socket there is replaced)\n"
		"  --board NAME          %s (default): the board's own top module as its bitstream has it\n"
		"                        (PLL, reset, UART at its baud in simulated time, its engines);\n"
		"                        sim: the generic core with every engine, bytes fed straight in\n"
		"  --uart                with --board sim: through the core's UART at 12 Mbaud\n"
		"  --inject-errors RATE  each link byte, both ways, is flipped, dropped or doubled with\n"
		"                        probability RATE (repeatable with --seed S, default 1)\n"
		"  --trace FILE          write an FST trace (GTKWave) of cycles [--trace-from, --trace-to)\n"
		"  --once                exit when the first host disconnects\n"
		"  --quiet               no messages but errors\n\n"
		"The board keeps its weight memory across hosts, as a real board does until it is reset.\n\n"
		"usage: mmfree-vboard --usb icebreaker[,upduino3][,ft245] [--serial S] [--unplug-after-bytes N]\n"
		"                     [--inject-errors RATE] [--seed S] [--claim-busy] [--deny-access]\n"
		"                     [--flash FILE [--flash-id HEX] [--flash-sr1 N]] [--quiet]\n"
		"                     -- PROGRAM ARGS...\n\n"
		"Run PROGRAM with emulated FTDI chips on an emulated USB bus (umockdev; PROGRAM runs under\n"
		"LD_PRELOAD=libumockdev-preload.so): its libusb finds them as real devices, e.g.\n"
		"  mmfree-vboard --usb icebreaker -- mmfree info --board ftdi\n\n"
		"  --usb icebreaker      an FT2232H (0403:6010, serial MMF0001) whose channel B UART is the\n"
		"                        iCEBreaker SoC's, at 12 Mbaud in simulated time\n"
		"  --usb upduino3        an FT232H (0403:6014, serial MMF0002) whose MPSSE clocks the\n"
		"                        UPduino SoC's SPI pins in simulated time\n"
		"  --usb ft245           an FT2232H (0403:6010, serial MMF0003) whose EEPROM makes channel A\n"
		"                        a 245 FIFO: in bit mode 0x40 its bus is the FPGA side of\n"
		"                        sim/vboard_ft245.v (the SoC behind rtl/mmf_ft245_sync.v, core 48 MHz,\n"
		"                        CLKOUT 60 MHz); no board wires this bus. Host: --board ftdi?link=ft245\n"
		"                        The SoC is behind ft245 when it is listed, else behind the chip of\n"
		"                        the board this build simulates (%s); the others are descriptors\n"
		"                        only (an FT232H then reads 0xFF on MISO)\n"
		"  --serial S            the iCEBreaker chip's serial string\n"
		"  --unplug-after-bytes N  the chip leaves the bus once the board took N bytes\n"
		"  --claim-busy          the link's channel is held by another program (claiming it says EBUSY)\n"
		"  --deny-access         device nodes root's, mode 0600, as without the udev rule (run\n"
		"                        PROGRAM as another user to see LIBUSB_ERROR_ACCESS)\n"
		"  --flash FILE          the iCEBreaker chip's channel A is the board's configuration side:\n"
		"                        MPSSE on its W25Q128JV flash, kept in FILE (16 MiB, created erased\n"
		"                        if missing), CRESET_B and CDONE, so iceprog and openFPGALoader\n"
		"                        program it; CDONE rises for build/icebreaker/mmfree.bin only\n"
		"  --flash-id HEX        the flash answers this JEDEC ID (default EF4018)\n"
		"  --flash-sr1 N         its status register 1 at power-up (0x1C: BP2..0 set, all protected)\n"
		"The exit status is PROGRAM's.\n",
		b, b, b);
}

static int usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "mmfree-vboard: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try 'mmfree-vboard --help')\n");
	return EXIT_USAGE;
}

/* The same for an option and its value: "--seed 'x': not a whole number". */
static int usage2(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "mmfree-vboard: %s '%s': %s (try 'mmfree-vboard --help')\n", opt, val, why);
	return EXIT_USAGE;
}

static int parse(int argc, char **argv, struct vb_opts *o)
{
	char *end;
	int a;

	for (a = 1; a < argc; a++) {
		const char *opt = argv[a];
		const char *val = a + 1 < argc ? argv[a + 1] : NULL;
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			help(stdout);
			return EXIT_OK;
		}
		if (!strcmp(opt, "--uart")) {
			o->uart = 1;
			continue;
		}
		if (!strcmp(opt, "--once")) {
			o->once = 1;
			continue;
		}
		if (!strcmp(opt, "--quiet")) {
			o->quiet = 1;
			continue;
		}
		if (!strcmp(opt, "--claim-busy")) {
			o->claim_busy = 1;
			continue;
		}
		if (!strcmp(opt, "--deny-access")) {
			o->deny_access = 1;
			continue;
		}
		if (!strcmp(opt, "--")) {
			o->prog = argv + a + 1;
			break;
		}
		if (strcmp(opt, "--listen") && strcmp(opt, "--board") && strcmp(opt, "--inject-errors") &&
		    strcmp(opt, "--seed") && strcmp(opt, "--trace") && strcmp(opt, "--trace-from") &&
		    strcmp(opt, "--trace-to") && strcmp(opt, "--usb") && strcmp(opt, "--serial") &&
		    strcmp(opt, "--unplug-after-bytes") && strcmp(opt, "--flash") && strcmp(opt, "--flash-id") &&
		    strcmp(opt, "--flash-sr1"))
			return usage("unknown option '%s'", opt);
		if (!val)
			return usage("%s needs a value", opt);
		a++;
		errno = 0;
		if (!strcmp(opt, "--listen")) {
			o->listen = val;
		} else if (!strcmp(opt, "--board")) {
			o->board = val;
		} else if (!strcmp(opt, "--trace")) {
			o->trace = val;
		} else if (!strcmp(opt, "--usb")) {
			o->usb = val;
		} else if (!strcmp(opt, "--serial")) {
			o->serial = val;
		} else if (!strcmp(opt, "--flash")) {
			o->flash = val;
		} else if (!strcmp(opt, "--flash-id")) {
			o->flash_id = val;
		} else if (!strcmp(opt, "--inject-errors")) {
			o->errors = strtod(val, &end);
			if (!*val || *end || !(o->errors >= 0) || o->errors > 1)
				return usage2(opt, val, "a probability, 0 to 1");
		} else {
			/* decimal, or hex after 0x; no sign, no spaces, nothing after it */
			int hex = val[0] == '0' && (val[1] == 'x' || val[1] == 'X');
			unsigned long long v = strtoull(hex ? val + 2 : val, &end, hex ? 16 : 10);
			if (!(val[0] >= '0' && val[0] <= '9') || (hex && !isxdigit((unsigned char)val[2])) || *end)
				return usage2(opt, val, "not a whole number");
			if (errno)
				return usage2(opt, val, "larger than 18446744073709551615");
			if (!strcmp(opt, "--seed"))
				o->seed = v;
			else if (!strcmp(opt, "--unplug-after-bytes"))
				o->unplug_after = v;
			else if (!strcmp(opt, "--flash-sr1") && v > 0xFF)
				return usage("--flash-sr1 '%s': a byte, 0 to 0xFF", val);
			else if (!strcmp(opt, "--flash-sr1"))
				o->flash_sr1 = v;
			else if (!strcmp(opt, "--trace-from"))
				o->trace_from = v;
			else
				o->trace_to = v;
		}
	}
	if (o->usb) {
		if (!o->prog || !o->prog[0])
			return usage("%s", "--usb needs a program to run after -- (e.g. -- mmfree info "
				     "--board ftdi)");
		if (o->listen || o->trace || o->uart)
			return usage("%s", "--usb runs a program with the board on USB: no --listen, "
				     "--trace or --uart");
		return -1;
	}
	if (o->prog || o->unplug_after || o->serial || o->claim_busy || o->deny_access || o->flash)
		return usage("%s", "--, --serial, --unplug-after-bytes, --claim-busy, --deny-access and --flash "
			     "go with --usb");
	if (!o->listen)
		return usage("%s", "--listen PATH is required (or --usb BOARDS -- PROGRAM)");
	if (o->uart && strcmp(o->board, "sim"))
		return usage("--uart is for --board sim (board '%s' has its own link)", o->board);
	if (!o->trace && (o->trace_from || o->trace_to))
		return usage("%s", "--trace-from and --trace-to go with --trace FILE");
	if (o->trace && o->trace_to <= o->trace_from)
		return usage("%s", "--trace needs --trace-to above --trace-from (a window of cycles)");
	if (o->trace) {
		/* refused now, not once the window opens: the file is written when it does */
		FILE *f = fopen(o->trace, "w");
		if (!f)
			return usage2("--trace", o->trace, strerror(errno));
		fclose(f);
		remove(o->trace);
	}
	return -1;
}

/* Write all of buf to the host; 0, or -1 when the host has gone. */
static int put_all(int fd, const uint8_t *buf, size_t n)
{
	ssize_t w;

	while (n) {
		w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One host, until it disconnects: t carries the bytes (through the fault injector, if any), sim is
 * the board itself. Counts the bytes moved each way into *in, *out. */
static int serve(int fd, mmfi_transport *t, mmfi_transport *sim, uint64_t *in, uint64_t *out)
{
	uint8_t buf[BUF];
	struct pollfd p = { fd, POLLIN, 0 };
	size_t got;
	ssize_t n;
	uint32_t idle = IDLE_CYCLES;
	int r;

	while (!stop) {
		r = poll(&p, 1, idle >= IDLE_CYCLES ? 200 : 0);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0)
				return 0;       /* the host closed the connection */
			*in += (uint64_t)n;
			if (t->ops->send(t, buf, (size_t)n))
				return -1;
			idle = 0;
		}
		if (idle >= IDLE_CYCLES)
			continue;
		/* a slice of board time, shorter once the board has bytes for the host; then take them */
		mmfi_sim_step(sim, SLICE_CYCLES);
		if (t->ops->recv(t, buf, sizeof(buf), 0, &got))
			return -1;
		if (got) {
			*out += got;
			if (put_all(fd, buf, got))
				return 0;
			idle = 0;
		} else {
			idle += SLICE_CYCLES;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vb_opts o = { 0 };
	struct mmfi_sim_opts so = { 0 };
	struct mmfi_fault_opts fo;
	struct sockaddr_un a;
	struct sigaction sa;
	struct stat st;
	mmfi_transport *t = NULL, *sim;
	char err[512];
	uint64_t in = 0, out = 0;
	int lfd = -1, fd, r, ret = EXIT_FAIL;

	if (!mmfi_sim_open) {
		fprintf(stderr, "mmfree-vboard: built without the Verilator board\n");
		return EXIT_FAIL;
	}
	o.board = mmfi_sim_board_name();
	o.seed = 1;
	r = parse(argc, argv, &o);
	if (r >= 0)
		return r;
	if (o.usb) {
		struct usb_emu_opts uo = { o.usb, o.serial, o.unplug_after, o.errors, o.seed,
					   o.claim_busy, o.deny_access, o.quiet, o.flash, o.flash_id,
					   (uint8_t)o.flash_sr1 };
		return usb_emu_run(&uo, o.prog);
	}
	so.uart = o.uart;
	so.board = strcmp(o.board, "sim") ? o.board : NULL;
	so.trace = o.trace;
	so.trace_from = o.trace_from;
	so.trace_to = o.trace_to;
	r = mmfi_sim_open(&so, &t, err, sizeof(err));
	sim = t;
	if (r) {
		fprintf(stderr, "mmfree-vboard: %s (%s)\n", err, mmf_error_name(r));
		return r == MMF_ERR_ARG || r == MMF_ERR_NO_BOARD ? EXIT_USAGE : EXIT_FAIL;
	}
	if (o.errors > 0) {
		fo.rate = o.errors;
		fo.seed = o.seed;
		r = mmfi_faults_open(t, &fo, &t, err, sizeof(err));
		if (r) {
			fprintf(stderr, "mmfree-vboard: %s\n", err);
			return EXIT_FAIL;
		}
	}
	if (strlen(o.listen) >= sizeof(a.sun_path)) {
		fprintf(stderr, "mmfree-vboard: --listen %s: longer than %zu bytes\n", o.listen,
			sizeof(a.sun_path) - 1);
		goto out;
	}
	/* a stale socket from an earlier run is replaced; anything else at the path is kept */
	if (!lstat(o.listen, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "mmfree-vboard: --listen %s: a file that is not a socket is there\n",
				o.listen);
			goto out;
		}
		unlink(o.listen);
	}
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, o.listen);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1)) {
		fprintf(stderr, "mmfree-vboard: --listen %s: %s\n", o.listen, strerror(errno));
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!o.quiet)
		fprintf(stderr, "mmfree-vboard: %s board listening on %s%s\n", o.board, o.listen,
			o.errors > 0 ? " (injecting link errors)" : "");
	while (!stop) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mmfree-vboard: accept: %s\n", strerror(errno));
			goto out;
		}
		r = serve(fd, t, sim, &in, &out);
		close(fd);
		if (r) {
			fprintf(stderr, "mmfree-vboard: the simulation failed: %s\n", err);
			goto out;
		}
		if (!o.quiet)
			fprintf(stderr, "mmfree-vboard: host disconnected (%llu bytes in, %llu out so far)\n",
				(unsigned long long)in, (unsigned long long)out);
		if (o.once)
			break;
	}
	ret = EXIT_OK;
out:
	if (lfd >= 0) {
		close(lfd);
		unlink(o.listen);
	}
	t->ops->close(t);   /* closes the FST trace too */
	return ret;
}
