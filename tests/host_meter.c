/*
 * host_meter.c: the power meters (host/src/meter*.c), each against a fake that speaks like the real one.
 *
 * Proves:
 *  - URIs: unknown kinds, options and values are refused with MMF_ERR_ARG naming them; `board`
 *    without a board, on a board without the I2C master (`cpu`), or with bad options says so;
 *  - the energy integral: exact for constant, straight-line and averaged readings, holding the nearest
 *    value outside them, additive over adjacent windows;
 *  - hwmon and ina2xx on a sysfs tree in a temporary directory (a plain directory, given as PATH, and
 *    through MMF_SYSFS_ROOT for names): power1_input in uW, in1 x curr1 when there is no power file,
 *    another channel, a device directory holding hwmon/hwmonN, lookup by name, an INA2xx's
 *    shunt_resistor and the correction for a wrong one, a non-INA refused, a non-number, a file that
 *    goes away;
 *  - rapl on a fake powercap zone: the average power between two reads from energy_uj, the wrap at
 *    max_energy_range_uj, the default zone under MMF_SYSFS_ROOT, and (as an unprivileged user) the
 *    root-only message;
 *  - um: an RDTech UM25C / UM24C / UM34C emulator on a pseudo-terminal answering 0xF0 with 130 bytes:
 *    the fields decoded in each model's units, the UM34C check byte, and a garbled reply, a wrong
 *    model id, a reply cut short and a silent meter, each with its error, and recovery afterwards;
 *  - sigrok: sigrok-cli's analog output lines parsed (SI prefixes, units that are not power); a
 *    stand-in program (MMF_SIGROK_CLI) printing what the rdtech-um and baylibre-acme drivers print,
 *    checked for the arguments it was given; a driver that finds nothing, and no program at all;
 *    and the real sigrok-cli's demo driver when it is installed (its channel set to W);
 *  - the recorder: readings at the asked interval in rising time, values that change on the way,
 *    failures counted with the first message kept.
 *
 * Usage: host_meter                 the tests
 *        host_meter --serve-um      a UM25C emulator on a pseudo-terminal for tests/test_power.sh:
 *                                   prints the terminal's path, answers until stdin closes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "meter.h"
#include "mmfree.h"

static char g_dir[200];                 /* the test's temporary directory */

static int near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

static void msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Write text to dir/name (in place, so a reader always sees one whole value). */
static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static void mkdirs(const char *path)
{
	char buf[512], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

/* Open uri expecting failure with code want and every needle in the message. */
static void refuse(const char *uri, int want, const char *needle, const char *needle2)
{
	mmf_meter *m = NULL;
	int r = mmf_meter_open(uri, &m);

	CHECK(r == want, "open '%s': %s, expected %s (%s)", uri, mmf_error_name(r), mmf_error_name(want),
	      mmf_meter_error(NULL));
	CHECK(strstr(mmf_meter_error(NULL), needle), "open '%s': message lacks '%s': %s", uri, needle,
	      mmf_meter_error(NULL));
	if (needle2)
		CHECK(strstr(mmf_meter_error(NULL), needle2), "open '%s': message lacks '%s': %s", uri,
		      needle2, mmf_meter_error(NULL));
	if (!r)
		mmf_meter_close(m);
}

/* Open uri (must work) and take one reading into *s. */
static mmf_meter *open_read(const char *uri, struct mmf_meter_sample *s)
{
	mmf_meter *m = NULL;
	int r = mmf_meter_open(uri, &m);

	CHECK(r == MMF_OK, "open '%s': %s (%s)", uri, mmf_error_name(r), mmf_meter_error(NULL));
	if (r)
		return NULL;
	r = mmf_meter_read(m, s);
	CHECK(r == MMF_OK, "read '%s': %s (%s)", uri, mmf_error_name(r), mmf_meter_error(m));
	return m;
}

/* ---- URIs -------------------------------------------------------------------------------------- */

static void test_uris(void)
{
	refuse("", MMF_ERR_ARG, "no meter URI", NULL);
	refuse("watts:/dev/x", MMF_ERR_ARG, "unknown kind 'watts'", "hwmon:PATH");
	refuse("hwmon", MMF_ERR_ARG, "needs a path", NULL);
	refuse("hwmon:/sys/x?volts=1", MMF_ERR_ARG, "unknown option 'volts'", "ch");
	refuse("hwmon:/sys/x?ch", MMF_ERR_ARG, "not KEY=VALUE", NULL);
	refuse("hwmon:/sys/x?ch=abc", MMF_ERR_ARG, "ch='abc'", NULL);
	refuse("um:/dev/ttyUSB0?baud=1234", MMF_ERR_ARG, "baud=1234", "115200");
	refuse("um", MMF_ERR_ARG, "serial port", NULL);
	refuse("sigrok", MMF_ERR_ARG, "needs a driver", NULL);
	refuse("sigrok:demo?samples=5&time_ms=9", MMF_ERR_ARG, "exclude each other", NULL);
	refuse("rapl?x=1", MMF_ERR_ARG, "unknown option 'x'", "none");
	/* an option twice is refused (which was meant?), not last-one-wins */
	refuse("rapl?zone=1&zone=2", MMF_ERR_ARG, "option 'zone' given twice", NULL);
	refuse("board", MMF_ERR_NO_BOARD, "no board to read it through", "INA226");
	refuse("board:shunt=0", MMF_ERR_ARG, "shunt='0' is not a resistance", NULL);
	refuse("board?addr=0x30", MMF_ERR_ARG, "no INA226 address", NULL);
	refuse("board:volts=1", MMF_ERR_ARG, "unknown option 'volts'", "shunt, addr");
	{
		/* the C model's board has no I2C master: the meter says so, and is not opened */
		mmf_board *b = NULL;
		mmf_meter *m = NULL;
		CHECK(mmf_open("cpu", &b) == MMF_OK, "open cpu: %s", mmf_board_error(NULL));
		CHECK(mmf_meter_open_board("board", b, &m) == MMF_ERR_NO_BOARD && !m &&
		      strstr(mmf_meter_error(NULL), "no INA226 at 0x40 on the board's I2C: the board has no I2C master"),
		      "board meter on cpu: %s", mmf_meter_error(NULL));
		mmf_close(b);
	}
	CHECK(mmf_meter_open("hwmon:x", NULL) == MMF_ERR_ARG, "NULL out accepted");
}

/* ---- the energy integral ----------------------------------------------------------------------- */

static void test_energy(void)
{
	struct mmf_meter_sample s[5];
	double j, j1, j2;
	int i;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 5; i++) {       /* 2 W at t = 10, 10.1, ... 10.4 */
		s[i].t = 10 + 0.1 * i;
		s[i].w = 2;
	}
	CHECK(mmf_meter_energy(s, 5, 10.05, 10.35, &j) == MMF_OK && near(j, 0.6, 1e-12), "constant: %g", j);
	mmf_meter_energy(s, 5, 9, 12, &j);  /* held outside the readings */
	CHECK(near(j, 6, 1e-12), "constant, held outside: %g", j);
	for (i = 0; i < 5; i++)         /* a ramp: 0, 1, 2, 3, 4 W; the integral of a line is exact */
		s[i].w = i;
	mmf_meter_energy(s, 5, 10.05, 10.25, &j);
	CHECK(near(j, 0.2 * 1.5, 1e-12), "ramp: %g, expected 0.3", j);
	mmf_meter_energy(s, 5, 10.0, 10.2, &j1);
	mmf_meter_energy(s, 5, 10.2, 10.4, &j2);
	mmf_meter_energy(s, 5, 10.0, 10.4, &j);
	CHECK(near(j1 + j2, j, 1e-12) && near(j, 0.8, 1e-12), "additive: %g + %g vs %g", j1, j2, j);
	for (i = 0; i < 5; i++) {       /* averaged readings: 1, 2, 3, 4, 5 W, each over the 0.1 s before */
		s[i].w = i + 1;
		s[i].window_s = 0.1;
	}
	mmf_meter_energy(s, 5, 9.9, 10.4, &j);
	CHECK(near(j, 0.1 * 15, 1e-12), "averaged: %g, expected 1.5", j);
	mmf_meter_energy(s, 5, 10.15, 10.2, &j);  /* inside the window of the reading at 10.2 (3 W) */
	CHECK(near(j, 0.05 * 3, 1e-12), "averaged, inside a window: %g", j);
	mmf_meter_energy(s, 1, 0, 100, &j);
	CHECK(near(j, 100, 1e-9), "one reading held everywhere: %g", j);
	CHECK(mmf_meter_energy(s, 0, 0, 1, &j) == MMF_ERR_ARG, "no readings accepted");
	CHECK(mmf_meter_energy(s, 5, 2, 1, &j) == MMF_ERR_ARG, "t1 < t0 accepted");
}

/* ---- hwmon and ina2xx -------------------------------------------------------------------------- */

static void test_hwmon(void)
{
	char hw[512], uri[1200], dev[1024], root[512];
	struct mmf_meter_sample s;
	mmf_meter *m;
	int r;

	snprintf(hw, sizeof(hw), "%s/hwmon7", g_dir);
	mkdirs(hw);
	put(hw, "name", "ina226\n");
	put(hw, "power1_input", "2500000\n");   /* 2.5 W in uW */
	put(hw, "in0_input", "25\n");           /* the shunt voltage: never used as the bus voltage */
	put(hw, "in1_input", "5000\n");         /* 5 V in mV */
	put(hw, "curr1_input", "500\n");        /* 0.5 A in mA */
	put(hw, "shunt_resistor", "10000\n");   /* 10 mOhm in uOhm */

	snprintf(uri, sizeof(uri), "hwmon:%s", hw);
	m = open_read(uri, &s);
	CHECK(m && s.w == 2.5 && s.v == 5 && s.a == 0.5 && s.window_s == 0, "hwmon: %g W %g V %g A", s.w,
	      s.v, s.a);
	CHECK(m && strstr(mmf_meter_describe(m), "power1_input"), "describe: %s", m ? mmf_meter_describe(m) : "");
	if (m) {
		double t = s.t;
		put(hw, "power1_input", "1250000\n");
		r = mmf_meter_read(m, &s);
		CHECK(!r && s.w == 1.25 && s.t > t, "hwmon: new value %g W, time %g after %g", s.w, s.t, t);
		put(hw, "power1_input", "12x\n");
		r = mmf_meter_read(m, &s);
		CHECK(r == MMF_ERR_PROTOCOL && strstr(mmf_meter_error(m), "'12x' is not a whole number"),
		      "non-number: %s %s", mmf_error_name(r), mmf_meter_error(m));
		put(hw, "power1_input", "2500000\n");
		mmf_meter_close(m);
	}
	/* the ina2xx driver's node, its shunt, and a correction for a 20 mOhm shunt it was not told */
	snprintf(uri, sizeof(uri), "ina2xx:%s", hw);
	m = open_read(uri, &s);
	CHECK(m && s.w == 2.5 && s.v == 5 && s.a == 0.5, "ina2xx: %g W %g V %g A", s.w, s.v, s.a);
	CHECK(m && strstr(mmf_meter_describe(m), "shunt_resistor 10000 uOhm"), "describe: %s",
	      m ? mmf_meter_describe(m) : "");
	mmf_meter_close(m);
	snprintf(uri, sizeof(uri), "ina2xx:%s?shunt_uohm=20000", hw);
	m = open_read(uri, &s);
	CHECK(m && s.w == 1.25 && s.v == 5 && s.a == 0.25, "ina2xx corrected: %g W %g V %g A", s.w, s.v, s.a);
	mmf_meter_close(m);

	/* no power file: bus voltage x current */
	snprintf(dev, sizeof(dev), "%s/hwmon7/power1_input", g_dir);
	unlink(dev);
	snprintf(uri, sizeof(uri), "hwmon:%s", hw);
	m = open_read(uri, &s);
	CHECK(m && near(s.w, 2.5, 1e-12), "hwmon V x A: %g W", s.w);
	CHECK(m && strstr(mmf_meter_describe(m), "in1_input x curr1_input"), "describe: %s",
	      m ? mmf_meter_describe(m) : "");
	if (m) {                        /* the device goes away */
		snprintf(dev, sizeof(dev), "%s/curr1_input", hw);
		unlink(dev);
		r = mmf_meter_read(m, &s);
		CHECK(r == MMF_ERR_NO_BOARD && strstr(mmf_meter_error(m), "curr1_input"), "gone: %s %s",
		      mmf_error_name(r), mmf_meter_error(m));
		mmf_meter_close(m);
	}
	refuse(uri, MMF_ERR_NO_BOARD, "no power1_input, and no in1_input with curr1_input", NULL);
	/* another channel */
	put(hw, "in2_input", "12000\n");
	put(hw, "curr2_input", "250\n");
	snprintf(uri, sizeof(uri), "hwmon:%s?ch=2", hw);
	m = open_read(uri, &s);
	CHECK(m && near(s.w, 3, 1e-12) && s.v == 12 && s.a == 0.25, "ch=2: %g W", s.w);
	mmf_meter_close(m);

	/* a device directory holding hwmon/hwmonN (/sys/bus/i2c/devices/1-0040) */
	snprintf(dev, sizeof(dev), "%s/i2c/1-0040/hwmon/hwmon3", g_dir);
	mkdirs(dev);
	put(dev, "name", "ina219\n");
	put(dev, "power1_input", "330000\n");
	put(dev, "in1_input", "3300\n");
	put(dev, "curr1_input", "100\n");
	snprintf(uri, sizeof(uri), "ina2xx:%s/i2c/1-0040", g_dir);
	m = open_read(uri, &s);
	CHECK(m && near(s.w, 0.33, 1e-12) && strstr(mmf_meter_describe(m), "no shunt_resistor"),
	      "device dir: %g W, %s", s.w, m ? mmf_meter_describe(m) : "");
	mmf_meter_close(m);
	snprintf(uri, sizeof(uri), "ina2xx:%s/i2c/1-0040?shunt_uohm=5000", g_dir);
	refuse(uri, MMF_ERR_ARG, "shunt_resistor", NULL);

	/* lookup by name under MMF_SYSFS_ROOT; an INA2xx refuses another chip */
	snprintf(root, sizeof(root), "%s/root", g_dir);
	snprintf(dev, sizeof(dev), "%s/sys/class/hwmon/hwmon0", root);
	mkdirs(dev);
	put(dev, "name", "coretemp\n");
	put(dev, "temp1_input", "40000\n");
	snprintf(dev, sizeof(dev), "%s/sys/class/hwmon/hwmon1", root);
	mkdirs(dev);
	put(dev, "name", "ina226\n");
	put(dev, "power1_input", "750000\n");
	setenv("MMF_SYSFS_ROOT", root, 1);
	m = open_read("ina2xx:ina226", &s);
	CHECK(m && s.w == 0.75 && strstr(mmf_meter_describe(m), "hwmon1"), "by name: %g W, %s", s.w,
	      m ? mmf_meter_describe(m) : "");
	mmf_meter_close(m);
	refuse("hwmon:ina3221", MMF_ERR_NO_BOARD, "no hwmon device named 'ina3221'", NULL);
	refuse("ina2xx:coretemp", MMF_ERR_NO_BOARD, "not an INA2xx", NULL);
	refuse("hwmon:coretemp", MMF_ERR_NO_BOARD, "does not measure power", NULL);
	unsetenv("MMF_SYSFS_ROOT");
	refuse("hwmon:/nonexistent/hwmon9", MMF_ERR_NO_BOARD, "no hwmon directory", NULL);
}

/* ---- rapl -------------------------------------------------------------------------------------- */

static void test_rapl(void)
{
	char zone[1024], uri[1200], root[512], buf[1100];
	struct mmf_meter_sample s;
	mmf_meter *m = NULL;
	pid_t pid;
	int r, st;

	snprintf(zone, sizeof(zone), "%s/rapl/intel-rapl:0", g_dir);
	mkdirs(zone);
	put(zone, "name", "package-0\n");
	put(zone, "max_energy_range_uj", "1000000\n");
	put(zone, "energy_uj", "100000\n");
	snprintf(uri, sizeof(uri), "rapl:%s", zone);
	r = mmf_meter_open(uri, &m);
	CHECK(r == MMF_OK, "rapl open: %s", mmf_meter_error(NULL));
	if (!r) {
		CHECK(strstr(mmf_meter_describe(m), "package-0"), "describe: %s", mmf_meter_describe(m));
		put(zone, "energy_uj", "600000\n");      /* 0.5 J since open */
		r = mmf_meter_read(m, &s);
		CHECK(!r && s.window_s >= 0.009 && near(s.w * s.window_s, 0.5, 1e-9) && isnan(s.v),
		      "rapl: %g W over %g s = %g J, expected 0.5", s.w, s.window_s, s.w * s.window_s);
		put(zone, "energy_uj", "200000\n");      /* wrapped: 0.4 J to the top, then 0.2 J */
		r = mmf_meter_read(m, &s);
		CHECK(!r && near(s.w * s.window_s, 0.6, 1e-9), "rapl wrap: %g J, expected 0.6", s.w * s.window_s);
		mmf_meter_close(m);
	}
	/* the default zone, under MMF_SYSFS_ROOT */
	snprintf(root, sizeof(root), "%s/rroot", g_dir);
	snprintf(zone, sizeof(zone), "%s/sys/class/powercap/intel-rapl:0", root);
	mkdirs(zone);
	put(zone, "max_energy_range_uj", "262143328850\n");
	put(zone, "energy_uj", "5\n");
	setenv("MMF_SYSFS_ROOT", root, 1);
	r = mmf_meter_open("rapl", &m);
	CHECK(r == MMF_OK && strstr(mmf_meter_describe(m), "rroot/sys/class/powercap/intel-rapl:0"),
	      "rapl default: %s %s", mmf_error_name(r), r ? mmf_meter_error(NULL) : mmf_meter_describe(m));
	if (!r)
		mmf_meter_close(m);
	unsetenv("MMF_SYSFS_ROOT");
	refuse("rapl:/nonexistent/intel-rapl:0", MMF_ERR_NO_BOARD, "no RAPL zone", "containers");
	/* energy_uj readable by root only: try as nobody (root reads everything, so drop to uid 65534),
	 * on a zone under /tmp, which nobody can reach whatever TMPDIR is */
	snprintf(zone, sizeof(zone), "/tmp/host_meter_rapl.XXXXXX");
	if (!mkdtemp(zone)) {
		CHECK(0, "cannot make %s: %s", zone, strerror(errno));
		return;
	}
	chmod(zone, 0755);
	put(zone, "max_energy_range_uj", "262143328850\n");
	put(zone, "energy_uj", "5\n");
	snprintf(buf, sizeof(buf), "%s/energy_uj", zone);
	chmod(buf, 0400);
	if (geteuid() != 0) {
		snprintf(uri, sizeof(uri), "rapl:%s", zone);
		refuse(uri, MMF_ERR_IO, "root only since Linux 5.10", NULL);
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		snprintf(uri, sizeof(uri), "rapl:%s", zone);
		r = mmf_meter_open(uri, &m);
		if (r != MMF_ERR_IO || !strstr(mmf_meter_error(NULL), "root only since Linux 5.10")) {
			fprintf(stderr, "as nobody: %s %s\n", mmf_error_name(r), mmf_meter_error(NULL));
			_exit(1);
		}
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "rapl as an unprivileged user: not refused with the root-only message (status %d)",
	      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s/max_energy_range_uj", zone);
	unlink(buf);
	rmdir(zone);
}

/* ---- um: an emulator on a pseudo-terminal ------------------------------------------------------ */

enum um_mode { UM_25C, UM_24C, UM_34C, UM_GARBLED, UM_BAD_ID, UM_SHORT, UM_SILENT, UM_BAD_SUM34 };

struct um_emu {
	int master;                 /* the pty's master side */
	char slave[128];            /* the path the meter opens */
	volatile int mode;          /* enum um_mode: what the next reply is */
	volatile int stop;          /* end the thread */
	volatile unsigned polls;    /* requests seen */
	pthread_t thread;
};

static void put16(unsigned char *b, unsigned v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

/* A reply of the given model with raw voltage, current and power (mW) fields. */
static void um_reply(unsigned char *b, unsigned id, unsigned v, unsigned a, unsigned long mw)
{
	static const unsigned char at[] = {
		1, 3, 7, 9, 15, 17, 19, 23, 31, 39, 41, 45, 49, 53, 55, 57,
		59, 63, 67, 69, 73, 79, 83, 89, 97, 99, 109, 111, 113, 119, 121, 127,
	};
	unsigned i, x = 0;

	memset(b, 0, 130);
	put16(b, id);
	put16(b + 2, v);
	put16(b + 4, a);
	put16(b + 6, (unsigned)(mw >> 16));
	put16(b + 8, (unsigned)mw & 0xffff);
	put16(b + 10, 31);               /* 31 C */
	put16(b + 96, 60);               /* D+ 0.6 V */
	for (i = 16; i < 96; i++)        /* data groups: something in every byte */
		b[i] = (unsigned char)(i * 7);
	put16(b + 128, 0xFFF1);
	if (id == 0x0D4C) {
		for (i = 0; i < sizeof(at); i++)
			x ^= b[at[i]];
		b[129] = (unsigned char)x;
	}
}

static void *um_main(void *arg)
{
	struct um_emu *e = arg;
	unsigned char in[64], b[130];
	struct pollfd p;
	ssize_t k, i;
	int n;

	while (!e->stop) {
		p.fd = e->master;
		p.events = POLLIN;
		n = poll(&p, 1, 20);
		if (n <= 0)
			continue;
		k = read(e->master, in, sizeof(in));
		if (k <= 0) {            /* no slave open (EIO): wait for the meter */
			msleep(5);
			continue;
		}
		for (i = 0; i < k; i++) {
			if (in[i] != 0xF0)
				continue;
			e->polls++;
			switch (e->mode) {
			case UM_25C: um_reply(b, 0x09C9, 5123, 4567, 2339); break;   /* 5.123 V, 0.4567 A */
			case UM_24C: um_reply(b, 0x0963, 512, 456, 2334); break;     /* 5.12 V, 0.456 A */
			case UM_34C: um_reply(b, 0x0D4C, 1201, 1500, 18015); break;  /* 12.01 V, 1.5 A */
			case UM_BAD_SUM34: um_reply(b, 0x0D4C, 1201, 1500, 18015); b[129] ^= 0x5A; break;
			case UM_GARBLED: um_reply(b, 0x09C9, 5123, 4567, 2339); put16(b + 128, 0x1234); break;
			case UM_BAD_ID: um_reply(b, 0x1111, 5123, 4567, 2339); break;
			case UM_SHORT: um_reply(b, 0x09C9, 5123, 4567, 2339); break;
			default: break;
			}
			if (e->mode == UM_SILENT)
				continue;
			if (write(e->master, b, e->mode == UM_SHORT ? 57 : 130) < 0)
				break;
		}
	}
	return NULL;
}

static int um_start(struct um_emu *e)
{
	memset(e, 0, sizeof(*e));
	e->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (e->master < 0 || grantpt(e->master) || unlockpt(e->master) || !ptsname(e->master))
		return -1;
	snprintf(e->slave, sizeof(e->slave), "%s", ptsname(e->master));
	return pthread_create(&e->thread, NULL, um_main, e) ? -1 : 0;
}

static void um_stop(struct um_emu *e)
{
	e->stop = 1;
	pthread_join(e->thread, NULL);
	close(e->master);
}

static void test_um_decode(void)
{
	unsigned char b[130];
	struct mmf_meter_sample s;
	const char *model = NULL;
	char err[256];

	um_reply(b, 0x09C9, 5123, 4567, 2339);
	CHECK(mmfi_um_decode(b, 130, &s, &model, err, sizeof(err)) == MMF_OK && near(s.v, 5.123, 1e-12) &&
	      near(s.a, 0.4567, 1e-12) && near(s.w, 2.339, 1e-12) && !strcmp(model, "UM25C"),
	      "UM25C decode: %g V %g A %g W %s", s.v, s.a, s.w, model);
	um_reply(b, 0x0963, 512, 456, 2334);
	CHECK(mmfi_um_decode(b, 130, &s, &model, err, sizeof(err)) == MMF_OK && near(s.v, 5.12, 1e-12) &&
	      near(s.a, 0.456, 1e-12) && !strcmp(model, "UM24C"), "UM24C decode: %g V %g A", s.v, s.a);
	um_reply(b, 0x0D4C, 1201, 1500, 18015);
	CHECK(mmfi_um_decode(b, 130, &s, &model, err, sizeof(err)) == MMF_OK && near(s.w, 18.015, 1e-12) &&
	      !strcmp(model, "UM34C"), "UM34C decode: %g W (%s)", s.w, err);
	b[129] ^= 1;
	CHECK(mmfi_um_decode(b, 130, &s, &model, err, sizeof(err)) == MMF_ERR_PROTOCOL &&
	      strstr(err, "check byte"), "UM34C bad check byte: %s", err);
	CHECK(mmfi_um_decode(b, 129, &s, &model, err, sizeof(err)) == MMF_ERR_PROTOCOL &&
	      strstr(err, "129 bytes"), "short buffer: %s", err);
	um_reply(b, 0x09C9, 1, 1, 1);
	b[0] = 0;
	CHECK(mmfi_um_decode(b, 130, &s, &model, err, sizeof(err)) == MMF_ERR_PROTOCOL &&
	      strstr(err, "model id 0x00C9"), "bad id: %s", err);
}

static void test_um(void)
{
	struct um_emu e;
	struct mmf_meter_sample s;
	char uri[300];
	mmf_meter *m = NULL;
	int r;

	test_um_decode();
	if (um_start(&e)) {
		CHECK(0, "cannot make a pseudo-terminal: %s", strerror(errno));
		return;
	}
	snprintf(uri, sizeof(uri), "um:%s?timeout_ms=300", e.slave);
	m = open_read(uri, &s);
	CHECK(m && near(s.v, 5.123, 1e-12) && near(s.a, 0.4567, 1e-12) && near(s.w, 2.339, 1e-12),
	      "um UM25C: %g V %g A %g W", s.v, s.a, s.w);
	CHECK(m && strstr(mmf_meter_describe(m), "UM25C"), "describe: %s", m ? mmf_meter_describe(m) : "");
	if (m) {
		e.mode = UM_24C;
		r = mmf_meter_read(m, &s);
		CHECK(!r && near(s.v, 5.12, 1e-12) && near(s.a, 0.456, 1e-12) && near(s.w, 2.334, 1e-12),
		      "um UM24C units: %g V %g A (%s)", s.v, s.a, mmf_meter_error(m));
		e.mode = UM_34C;
		r = mmf_meter_read(m, &s);
		CHECK(!r && near(s.v, 12.01, 1e-12) && near(s.w, 18.015, 1e-12), "um UM34C: %g V %g W (%s)",
		      s.v, s.w, mmf_meter_error(m));
		e.mode = UM_BAD_SUM34;
		r = mmf_meter_read(m, &s);
		CHECK(r == MMF_ERR_PROTOCOL && strstr(mmf_meter_error(m), "check byte"), "UM34C garbled: %s %s",
		      mmf_error_name(r), mmf_meter_error(m));
		e.mode = UM_GARBLED;
		r = mmf_meter_read(m, &s);
		CHECK(r == MMF_ERR_PROTOCOL && strstr(mmf_meter_error(m), "ends with 0x1234"), "garbled: %s %s",
		      mmf_error_name(r), mmf_meter_error(m));
		e.mode = UM_BAD_ID;
		r = mmf_meter_read(m, &s);
		CHECK(r == MMF_ERR_PROTOCOL && strstr(mmf_meter_error(m), "model id 0x1111"), "bad id: %s %s",
		      mmf_error_name(r), mmf_meter_error(m));
		e.mode = UM_SHORT;
		r = mmf_meter_read(m, &s);
		CHECK(r == MMF_ERR_PROTOCOL && strstr(mmf_meter_error(m), "cut short: 57 of 130"), "short: %s %s",
		      mmf_error_name(r), mmf_meter_error(m));
		e.mode = UM_SILENT;
		r = mmf_meter_read(m, &s);
		CHECK(r == MMF_ERR_TIMEOUT && strstr(mmf_meter_error(m), "no reply to 0xF0 in 300 ms"),
		      "silent: %s %s", mmf_error_name(r), mmf_meter_error(m));
		e.mode = UM_25C;         /* and it comes back */
		r = mmf_meter_read(m, &s);
		CHECK(!r && near(s.w, 2.339, 1e-12), "recovered: %s %s", mmf_error_name(r), mmf_meter_error(m));
		mmf_meter_close(m);
	}
	e.mode = UM_SILENT;
	refuse(uri, MMF_ERR_TIMEOUT, "no reply to 0xF0", "rfcomm");
	e.mode = UM_GARBLED;
	refuse(uri, MMF_ERR_PROTOCOL, "garbled", NULL);
	um_stop(&e);
	refuse("um:/dev/null", MMF_ERR_ARG, "not a serial port", NULL);
	refuse("um:/nonexistent/ttyUSB9", MMF_ERR_NO_BOARD, "cannot open /nonexistent/ttyUSB9", NULL);
}

/* ---- sigrok ------------------------------------------------------------------------------------ */

static void test_sigrok_parse(void)
{
	static const struct { const char *line; int q; double v; const char *name; } cases[] = {
		{ "A0: 2.5000 W", 'W', 2.5, "A0" },
		{ "P1_ENRG_PWR: 1.2340 mW", 'W', 1.234e-3, "P1_ENRG_PWR" },
		{ "A1: 0.0 mV DC", 'V', 0, "A1" },
		{ "A0: -10.0000 V DC", 'V', -10, "A0" },
		{ "I: 456.0000 mA", 'A', 0.456, "I" },
		{ "P1_ENRG_CURR: 12.5000 \xc2\xb5" "A", 'A', 12.5e-6, "P1_ENRG_CURR" },
		{ "X: 1.5 kW", 'W', 1500, "X" },
		{ "E: 12.0000 mWh", 0, 0, "E" },
		{ "T: 31.0000 \xc2\xb0" "C", 0, 0, "T" },
		{ "; CSV generated by libsigrok 0.5.2", -1, 0, "" },
		{ "V DC,V DC", -1, 0, "" },
		{ "A0: nan W", -1, 0, "" },
		{ "A0: 2.5", -1, 0, "" },
		{ "-10,3.09017", -1, 0, "" },
	};
	char name[64];
	double v;
	size_t i;
	int q;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -1;
		q = mmfi_sigrok_parse_line(cases[i].line, name, sizeof(name), &v);
		CHECK(q == cases[i].q, "'%s': quantity %d, expected %d", cases[i].line, q, cases[i].q);
		if (q > 0)
			CHECK(near(v, cases[i].v, 1e-12) && !strcmp(name, cases[i].name), "'%s': %s = %g",
			      cases[i].line, name, v);
	}
}

/* A stand-in for sigrok-cli: writes its arguments to dir/args, then prints body (a shell script). */
static void fake_cli(const char *path, const char *body)
{
	char text[2048];

	snprintf(text, sizeof(text), "#!/bin/sh\necho \"$@\" > \"%s.args\"\n%s", path, body);
	put(g_dir, strrchr(path, '/') + 1, text);
	chmod(path, 0755);
}

static void test_sigrok(void)
{
	char prog[1024], args[1100], buf[512] = "";
	struct mmf_meter_sample s;
	mmf_meter *m;
	FILE *f;
	int r;

	test_sigrok_parse();
	snprintf(prog, sizeof(prog), "%s/sigrok-cli-fake", g_dir);
	snprintf(args, sizeof(args), "%s.args", prog);
	setenv("MMF_SIGROK_CLI", prog, 1);
	/* rdtech-um as newer libsigrok prints it: V, I, D+, D-, T, E each poll (no W channel) */
	fake_cli(prog, "while :; do\n"
		 "  printf 'V: 5.1000 V\\nI: 500.0000 mA\\nD+: 600.0000 mV\\nD-: 0.0 mV\\nT: 31.0000 C\\n"
		 "E: 12.0000 mWh\\n'\n  sleep 0.02\ndone\n");
	m = open_read("sigrok:rdtech-um:conn=/dev/rfcomm0", &s);
	CHECK(m && near(s.w, 2.55, 1e-9) && near(s.v, 5.1, 1e-9) && near(s.a, 0.5, 1e-9),
	      "rdtech-um style: %g W %g V %g A", s.w, s.v, s.a);
	CHECK(m && strstr(mmf_meter_describe(m), "channel V (V) x I (A)"), "describe: %s",
	      m ? mmf_meter_describe(m) : "");
	mmf_meter_close(m);
	f = fopen(args, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	CHECK(!strcmp(buf, "-d rdtech-um:conn=/dev/rfcomm0 --continuous -O analog\n"), "arguments: %s", buf);
	/* baylibre-acme: power, current and voltage per probe; the first W channel is the power */
	fake_cli(prog, "while :; do\n"
		 "  printf 'P1_ENRG_PWR: 1.2000 W\\nP1_ENRG_CURR: 240.0000 mA\\nP1_ENRG_VOL: 5.0000 V\\n"
		 "P2_ENRG_PWR: 9.0000 W\\n'\n  sleep 0.02\ndone\n");
	m = open_read("sigrok:baylibre-acme?channels=P1_ENRG_PWR,P1_ENRG_CURR,P1_ENRG_VOL&timeout_ms=2000", &s);
	CHECK(m && near(s.w, 1.2, 1e-9) && near(s.a, 0.24, 1e-9), "acme style: %g W %g A", s.w, s.a);
	CHECK(m && strstr(mmf_meter_describe(m), "channel P1_ENRG_PWR in W"), "describe: %s",
	      m ? mmf_meter_describe(m) : "");
	if (m) {
		double t = s.t;
		r = mmf_meter_read(m, &s);
		CHECK(!r && s.t > t && near(s.w, 1.2, 1e-9), "acme second reading: %s", mmf_meter_error(m));
		mmf_meter_close(m);
	}
	f = fopen(args, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	CHECK(strstr(buf, "--channels P1_ENRG_PWR,P1_ENRG_CURR,P1_ENRG_VOL --continuous"), "arguments: %s", buf);
	/* one run per reading: the mean of its samples */
	fake_cli(prog, "printf 'A0: 1.0000 W\\nA0: 2.0000 W\\nA0: 3.0000 W\\nA0: 6.0000 W\\n'\n");
	m = open_read("sigrok:demo?samples=4", &s);
	CHECK(m && near(s.w, 3, 1e-12), "one run per reading: mean %g W, expected 3", s.w);
	mmf_meter_close(m);
	/* nothing found, nothing usable, a program that hangs, no program */
	fake_cli(prog, "echo 'No devices found.' >&2\nexit 1\n");
	refuse("sigrok:rdtech-um:conn=/dev/ttyUSB7", MMF_ERR_NO_BOARD, "No devices found", "exit status 1");
	fake_cli(prog, "while :; do echo 'T: 31.0000 C'; sleep 0.05; done\n");
	refuse("sigrok:thermo?timeout_ms=300", MMF_ERR_IO, "T (another unit)", "a channel in W");
	fake_cli(prog, "sleep 5\n");
	refuse("sigrok:slow?timeout_ms=200", MMF_ERR_TIMEOUT, "no reading from", "200 ms");
	setenv("MMF_SIGROK_CLI", "/nonexistent/sigrok-cli", 1);
	refuse("sigrok:demo", MMF_ERR_NO_BOARD, "cannot run /nonexistent/sigrok-cli", "sigrok-cli");
	unsetenv("MMF_SIGROK_CLI");

	/* the real program and its demo driver, with channel A0 made a 2.5 W source */
	if (system("sigrok-cli --version >/dev/null 2>&1")) {
		printf("SKIP sigrok-cli demo: sigrok-cli is not installed (scripts/deps.sh)\n");
		return;
	}
	m = open_read("sigrok:demo?channels=A0&group=A0&config=measured_quantity=power:amplitude=0:offset=2.5"
		      "&samples=50", &s);
	CHECK(m && near(s.w, 2.5, 1e-9), "sigrok-cli demo, a run per reading: %g W", s.w);
	mmf_meter_close(m);
	m = open_read("sigrok:demo?channels=A0&group=A0&config=measured_quantity=power:amplitude=0:offset=2.5"
		      "&time_ms=30000", &s);
	CHECK(m && near(s.w, 2.5, 1e-9), "sigrok-cli demo, kept running: %g W", s.w);
	if (m) {
		r = mmf_meter_read(m, &s);
		CHECK(!r && near(s.w, 2.5, 1e-9), "sigrok-cli demo, second reading: %g W (%s)", s.w,
		      mmf_meter_error(m));
		mmf_meter_close(m);
	}
	/* the demo's default: A0 in V, no power */
	refuse("sigrok:demo?channels=A0&samples=10", MMF_ERR_IO, "A0 (V)", "a channel in W");
	refuse("sigrok:nosuchdriver?samples=1", MMF_ERR_NO_BOARD, "nosuchdriver not found", NULL);
}

/* ---- the recorder ------------------------------------------------------------------------------ */

static void test_recorder(void)
{
	char hw[1024], uri[1200], path[1100];
	const struct mmf_meter_sample *s;
	mmf_meter_rec *rec = NULL;
	mmf_meter *m = NULL;
	size_t n, i, low = 0, high = 0;
	int r, rising = 1;

	snprintf(hw, sizeof(hw), "%s/rec", g_dir);
	mkdirs(hw);
	put(hw, "name", "ina226\n");
	put(hw, "power1_input", "1000000\n");
	snprintf(uri, sizeof(uri), "hwmon:%s", hw);
	r = mmf_meter_open(uri, &m);
	CHECK(!r, "recorder meter: %s", mmf_meter_error(NULL));
	if (r)
		return;
	CHECK(mmf_meter_rec_start(m, 0, &rec) == MMF_ERR_ARG, "interval 0 accepted");
	r = mmf_meter_rec_start(m, 10, &rec);
	CHECK(!r, "recorder start: %s", mmf_meter_error(m));
	if (r) {
		mmf_meter_close(m);
		return;
	}
	msleep(150);
	put(hw, "power1_input", "3000000\n");
	msleep(150);
	snprintf(path, sizeof(path), "%s/power1_input", hw);
	unlink(path);                    /* the meter goes away: reads fail, recording goes on */
	msleep(60);
	r = mmf_meter_rec_stop(rec);
	n = mmf_meter_rec_samples(rec, &s);
	for (i = 0; i < n; i++) {
		low += s[i].w == 1;
		high += s[i].w == 3;
		if (i && s[i].t <= s[i - 1].t)
			rising = 0;
	}
	CHECK(n >= 10 && n <= 45 && low >= 3 && high >= 3 && low + high == n && rising,
	      "recorder: %zu readings (%zu at 1 W, %zu at 3 W), rising %d", n, low, high, rising);
	CHECK(r == MMF_ERR_NO_BOARD && mmf_meter_rec_failures(rec) >= 2 &&
	      strstr(mmf_meter_rec_error(rec), "power1_input"), "failures: %s, %u, '%s'",
	      mmf_error_name(r), mmf_meter_rec_failures(rec), mmf_meter_rec_error(rec));
	mmf_meter_rec_free(rec);
	mmf_meter_close(m);
}

/* ---- the emulator for the shell test ----------------------------------------------------------- */

static int serve_um(void)
{
	struct um_emu e;
	char c;

	if (um_start(&e)) {
		fprintf(stderr, "host_meter: cannot make a pseudo-terminal: %s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", e.slave);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	um_stop(&e);
	return 0;
}

static void cleanup(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (g_dir[0] && system(cmd))
		fprintf(stderr, "could not remove %s\n", g_dir);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");

	check_args(argc, argv, 1, "--serve-um", "[--serve-um]", "The power meters against their fakes "
		   "(tests/host_meter.c); --serve-um is the UM25C\nemulator alone, on stdin and stdout.");
	if (argc > 1 && !strcmp(argv[1], "--serve-um"))
		return serve_um();
	snprintf(g_dir, sizeof(g_dir), "%s/host_meter.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g_dir)) {
		fprintf(stderr, "cannot make a temporary directory: %s\n", strerror(errno));
		return 2;
	}
	unsetenv("MMF_SYSFS_ROOT");
	unsetenv("MMF_SIGROK_CLI");
	test_uris();
	test_energy();
	test_hwmon();
	test_rapl();
	test_um();
	test_sigrok();
	test_recorder();
	cleanup();
	printf("meter: %d checks, %d failed\n", g_checks, g_fail);
	return g_fail != 0;
}
