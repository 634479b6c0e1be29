/*
 * meter_sysfs.c: meters the Linux kernel reads for us, through sysfs files of whole numbers.
 *
 *   hwmon:PATH[?ch=N]   powerN_input (microwatts) when the device has it, else inN_input (millivolts)
 *                       x currN_input (milliamperes); inN and currN are reported beside the power
 *                       when present (Documentation/hwmon/sysfs-interface.rst)
 *   ina2xx:PATH         the same for channel 1 of an INA219/INA226 under the ina2xx driver (in1 = bus
 *                       voltage; in0 is the shunt voltage), with its shunt_resistor (microohms);
 *                       ?shunt_uohm=R corrects current and power for a shunt the driver was told
 *                       wrongly (it computes both from the shunt voltage over shunt_resistor)
 *   rapl[:PATH]         powercap energy_uj (microjoules, wraps at max_energy_range_uj): the average
 *                       power between two reads (Documentation/power/powercap/powercap.rst)
 *
 * Every read opens the files again: sysfs attributes are small, and a device that went away then
 * says so on the next read instead of returning what an old descriptor held.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meter.h"

enum {
	PATH_LEN = 768,             /* longest sysfs path built */
	RAPL_MIN_WINDOW_MS = 10,    /* RAPL counters update about every millisecond: shorter windows
				     * are mostly counting noise, so a read waits at least this long */
};

/* What a failed open() or read() of a sysfs file means. */
static int sys_err(int e)
{
	return e == ENOENT || e == ENODEV || e == ENXIO ? MMF_ERR_NO_BOARD : MMF_ERR_IO;
}

/* The first line of a small file, without its newline; 0 or -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* dir/name as a whole number; 0, or an mmf_error with the message naming the file. */
static int read_num(const char *dir, const char *name, long long *v, char *err, size_t err_len)
{
	char path[PATH_LEN + 64], buf[64], *end;
	int e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	e = read_line(path, buf, sizeof(buf));
	if (e) {
		mmfi_msg(err, err_len, "%s: %s%s", path, strerror(-e), -e == EACCES ?
			 " (permission denied: run as root, or give this user read access)" : "");
		return sys_err(-e);
	}
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (end == buf || *end || errno) {
		mmfi_msg(err, err_len, "%s: '%s' is not a whole number", path, buf);
		return MMF_ERR_PROTOCOL;
	}
	return MMF_OK;
}

static int exists(const char *dir, const char *name)
{
	char path[PATH_LEN + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* ---- hwmon and ina2xx -------------------------------------------------------------------------- */

struct hwmon_meter {
	struct mmf_meter m;         /* first: the common handle */
	char dir[PATH_LEN];         /* the hwmon directory */
	char f_power[16];           /* "power1_input", or "" to multiply voltage and current */
	char f_volt[16];            /* "in1_input", or "" */
	char f_curr[16];            /* "curr1_input", or "" */
	double scale;               /* current and power factor: shunt_resistor / the real shunt */
	double last_t;              /* time of the last reading (readings are strictly later) */
};

static int hwmon_read(mmf_meter *mm, struct mmf_meter_sample *s)
{
	struct hwmon_meter *h = (struct hwmon_meter *)mm;
	long long p = 0, mv = 0, ma = 0;
	int r;

	if (h->f_power[0] && (r = read_num(h->dir, h->f_power, &p, mm->err, sizeof(mm->err))))
		return r;
	if (h->f_volt[0] && (r = read_num(h->dir, h->f_volt, &mv, mm->err, sizeof(mm->err))))
		return r;
	if (h->f_curr[0] && (r = read_num(h->dir, h->f_curr, &ma, mm->err, sizeof(mm->err))))
		return r;
	s->t = mmf_meter_now();
	if (s->t <= h->last_t)       /* two reads in the same clock tick: keep the times strictly rising */
		s->t = nextafter(h->last_t, INFINITY);
	h->last_t = s->t;
	s->window_s = 0;
	s->v = h->f_volt[0] ? mv * 1e-3 : NAN;
	s->a = h->f_curr[0] ? ma * 1e-3 * h->scale : NAN;
	s->w = h->f_power[0] ? p * 1e-6 * h->scale : s->v * s->a;
	return MMF_OK;
}

static void hwmon_close(mmf_meter *m)
{
	free(m);
}

static const struct mmfi_meter_ops hwmon_ops = { hwmon_read, hwmon_close };

/* a before b in "hwmon2" < "hwmon10" order: shorter first, then by bytes */
static int name_before(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la != lb ? la < lb : strcmp(a, b) < 0;
}

/* A hwmon directory by name: the entry of /sys/class/hwmon with the lowest number whose `name` file
 * holds it. (opendir, not scandir: umockdev's testbed redirects the first, not glibc's internal one.) */
static int hwmon_by_name(const char *uri, const char *name, char *dir, size_t len, char *err,
			 size_t err_len)
{
	char base[PATH_LEN], path[PATH_LEN + 300], got[64], best[300] = "";
	struct dirent *e;
	DIR *d;

	mmfi_sysfs_path(base, sizeof(base), "/sys/class/hwmon");
	d = opendir(base);
	if (!d) {
		mmfi_msg(err, err_len, "meter '%s': no hwmon device named '%s': cannot list %s: %s", uri,
			 name, base, strerror(errno));
		return MMF_ERR_NO_BOARD;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(best))
			continue;
		snprintf(path, sizeof(path), "%s/%s/name", base, e->d_name);
		if (!read_line(path, got, sizeof(got)) && !strcmp(got, name) &&
		    (!best[0] || name_before(e->d_name, best)))
			snprintf(best, sizeof(best), "%s", e->d_name);
	}
	closedir(d);
	if (!best[0]) {
		mmfi_msg(err, err_len, "meter '%s': no hwmon device named '%s' in %s (`cat %s/*/name` lists "
			 "them)", uri, name, base, base);
		return MMF_ERR_NO_BOARD;
	}
	snprintf(dir, len, "%.500s/%.200s", base, best);
	return MMF_OK;
}

/* A device directory (/sys/bus/i2c/devices/1-0040) holds its hwmon directory in hwmon/hwmonN. */
static void hwmon_descend(char *dir, size_t len)
{
	char sub[PATH_LEN + 16];
	struct dirent *e;
	DIR *d;

	if (exists(dir, "name"))
		return;
	snprintf(sub, sizeof(sub), "%s/hwmon", dir);
	d = opendir(sub);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "hwmon", 5)) {
			snprintf(dir + strlen(dir), len - strlen(dir), "/hwmon/%s", e->d_name);
			break;
		}
	closedir(d);
}

int mmfi_meter_hwmon_open(const struct mmfi_meter_uri *u, int ina, mmf_meter **out, char *err,
			  size_t err_len)
{
	static const char *const hwmon_keys[] = { "ch", NULL };
	static const char *const ina_keys[] = { "shunt_uohm", NULL };
	const char *kind = ina ? "ina2xx" : "hwmon";
	struct hwmon_meter *h;
	struct mmf_meter_sample s;
	unsigned long ch, shunt_real;
	long long shunt_cfg = 0;
	char name[64] = "?";
	int r;

	r = mmfi_meter_opts_check(u, ina ? ina_keys : hwmon_keys, err, err_len);
	if (!r)
		r = mmfi_meter_opt_num(u, "ch", 0, 99, 1, &ch, err, err_len);
	if (!r)
		r = mmfi_meter_opt_num(u, "shunt_uohm", 1, 1000000000UL, 0, &shunt_real, err, err_len);
	if (r)
		return r;
	if (!u->arg || !*u->arg) {
		mmfi_msg(err, err_len, "meter URI '%s': %s needs a path or a name, e.g. %s:/sys/class/"
			 "hwmon/hwmon2 or %s:%s", u->uri, kind, kind, kind, ina ? "ina226" : "ina219");
		return MMF_ERR_ARG;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		mmfi_msg(err, err_len, "meter '%s': out of memory", u->uri);
		return MMF_ERR_NOMEM;
	}
	h->m.ops = &hwmon_ops;
	h->scale = 1;
	if (!strchr(u->arg, '/')) {
		r = hwmon_by_name(u->uri, u->arg, h->dir, sizeof(h->dir), err, err_len);
		if (r)
			goto fail;
	} else {
		snprintf(h->dir, sizeof(h->dir), "%s", u->arg);
		hwmon_descend(h->dir, sizeof(h->dir));
	}
	{
		char path[PATH_LEN + 8];
		snprintf(path, sizeof(path), "%s/name", h->dir);
		struct stat st;
		if (stat(h->dir, &st) || !S_ISDIR(st.st_mode)) {
			mmfi_msg(err, err_len, "meter '%s': no hwmon directory at %s", u->uri, h->dir);
			r = MMF_ERR_NO_BOARD;
			goto fail;
		}
		read_line(path, name, sizeof(name));
	}
	if (ina) {
		ch = 1;
		if (strncmp(name, "ina", 3)) {
			mmfi_msg(err, err_len, "meter '%s': %s is hwmon device '%s', not an INA2xx (use "
				 "hwmon:%s for any hwmon device)", u->uri, h->dir, name, h->dir);
			r = MMF_ERR_NO_BOARD;
			goto fail;
		}
		r = read_num(h->dir, "shunt_resistor", &shunt_cfg, err, err_len);
		if (r && shunt_real) {
			r = MMF_ERR_ARG;
			goto fail;       /* a correction needs the value the driver uses */
		}
		if (r)
			shunt_cfg = 0;   /* older kernels lack the attribute: report it as unknown */
		if (shunt_real && shunt_cfg > 0)
			h->scale = (double)shunt_cfg / (double)shunt_real;
	}
	snprintf(h->f_power, sizeof(h->f_power), "power%lu_input", ch);
	snprintf(h->f_volt, sizeof(h->f_volt), "in%lu_input", ch);
	snprintf(h->f_curr, sizeof(h->f_curr), "curr%lu_input", ch);
	if (!exists(h->dir, h->f_power))
		h->f_power[0] = '\0';
	if (!exists(h->dir, h->f_volt))
		h->f_volt[0] = '\0';
	if (!exists(h->dir, h->f_curr))
		h->f_curr[0] = '\0';
	if (!h->f_power[0] && !(h->f_volt[0] && h->f_curr[0])) {
		mmfi_msg(err, err_len, "meter '%s': hwmon device '%s' at %s has no power%lu_input, and "
			 "no in%lu_input with curr%lu_input: it does not measure power on channel %lu",
			 u->uri, name, h->dir, ch, ch, ch, ch);
		r = MMF_ERR_NO_BOARD;
		goto fail;
	}
	if (h->f_power[0])
		snprintf(h->m.desc, sizeof(h->m.desc), "%s %s at %.200s: %s (uW)", kind, name, h->dir,
			 h->f_power);
	else
		snprintf(h->m.desc, sizeof(h->m.desc), "%s %s at %.200s: %s x %s (mV x mA)", kind, name,
			 h->dir, h->f_volt, h->f_curr);
	if (ina) {
		size_t l = strlen(h->m.desc);
		if (shunt_cfg > 0)
			snprintf(h->m.desc + l, sizeof(h->m.desc) - l, ", shunt_resistor %lld uOhm%s", shunt_cfg,
				 shunt_real ? "" : " (the driver's: check it is the board's shunt)");
		else
			snprintf(h->m.desc + l, sizeof(h->m.desc) - l, ", no shunt_resistor attribute");
		l = strlen(h->m.desc);
		if (shunt_real)
			snprintf(h->m.desc + l, sizeof(h->m.desc) - l, ", corrected to a %lu uOhm shunt "
				 "(x %.4g)", shunt_real, h->scale);
	}
	/* the first reading: the files must be readable and hold numbers */
	r = hwmon_read(&h->m, &s);
	if (r) {
		mmfi_msg(err, err_len, "meter '%s': %s", u->uri, h->m.err);
		goto fail;
	}
	*out = &h->m;
	return MMF_OK;
fail:
	free(h);
	return r;
}

/* ---- rapl -------------------------------------------------------------------------------------- */

struct rapl_meter {
	struct mmf_meter m;         /* first: the common handle */
	char dir[PATH_LEN];         /* the powercap zone */
	long long max_uj;           /* max_energy_range_uj: the counter wraps after it */
	long long last_uj;          /* the counter at the last read */
	double last_t;              /* and when it was read */
};

/* Read the counter; 0 or an mmf_error with the message in err (naming the root-only rule). */
static int rapl_counter(struct rapl_meter *rp, long long *uj, char *err, size_t err_len)
{
	char path[PATH_LEN + 16];
	int r = read_num(rp->dir, "energy_uj", uj, err, err_len);

	if (r == MMF_ERR_IO && access(rp->dir, F_OK) == 0) {
		snprintf(path, sizeof(path), "%s/energy_uj", rp->dir);
		if (access(path, R_OK))
			mmfi_msg(err, err_len, "%s: permission denied: RAPL energy counters are readable by "
				 "root only since Linux 5.10 (CVE-2020-8694); run as root, or `sudo chmod a+r "
				 "%s` (until the next boot)", path, path);
	}
	return r;
}

static int rapl_read(mmf_meter *mm, struct mmf_meter_sample *s)
{
	struct rapl_meter *rp = (struct rapl_meter *)mm;
	struct timespec ts = { 0, 0 };
	long long uj, d;
	double now = mmf_meter_now(), wait = rp->last_t + RAPL_MIN_WINDOW_MS * 1e-3 - now;
	int r;

	if (wait > 0) {
		ts.tv_nsec = (long)(wait * 1e9);
		nanosleep(&ts, NULL);
	}
	r = rapl_counter(rp, &uj, mm->err, sizeof(mm->err));
	if (r)
		return r;
	now = mmf_meter_now();
	d = uj - rp->last_uj;
	if (d < 0)                   /* wrapped past max_energy_range_uj (once: reads are far more often) */
		d += rp->max_uj;
	s->t = now;
	s->window_s = now - rp->last_t;
	s->w = d * 1e-6 / s->window_s;
	s->v = NAN;
	s->a = NAN;
	rp->last_uj = uj;
	rp->last_t = now;
	return MMF_OK;
}

static void rapl_close(mmf_meter *m)
{
	free(m);
}

static const struct mmfi_meter_ops rapl_ops = { rapl_read, rapl_close };

int mmfi_meter_rapl_open(const struct mmfi_meter_uri *u, mmf_meter **out, char *err, size_t err_len)
{
	static const char *const keys[] = { NULL };
	struct rapl_meter *rp;
	char name[64] = "?", path[PATH_LEN + 8];
	int r = mmfi_meter_opts_check(u, keys, err, err_len);

	if (r)
		return r;
	rp = calloc(1, sizeof(*rp));
	if (!rp) {
		mmfi_msg(err, err_len, "meter '%s': out of memory", u->uri);
		return MMF_ERR_NOMEM;
	}
	rp->m.ops = &rapl_ops;
	if (u->arg && *u->arg)
		snprintf(rp->dir, sizeof(rp->dir), "%s", u->arg);
	else
		mmfi_sysfs_path(rp->dir, sizeof(rp->dir), "/sys/class/powercap/intel-rapl:0");
	if (access(rp->dir, F_OK)) {
		if (errno == EACCES)
			mmfi_msg(err, err_len, "meter '%s': %s: permission denied (a directory on the way is "
				 "closed to this user)", u->uri, rp->dir);
		else
			mmfi_msg(err, err_len, "meter '%s': no RAPL zone at %s (%s): powercap needs an Intel "
				 "or AMD CPU with its driver loaded (intel_rapl_common), and is absent in most "
				 "virtual machines and containers", u->uri, rp->dir, strerror(errno));
		r = errno == EACCES ? MMF_ERR_IO : MMF_ERR_NO_BOARD;
		goto fail;
	}
	r = read_num(rp->dir, "max_energy_range_uj", &rp->max_uj, err, err_len);
	if (!r && rp->max_uj <= 0) {
		mmfi_msg(err, err_len, "%s/max_energy_range_uj: %lld, expected a positive range", rp->dir,
			 rp->max_uj);
		r = MMF_ERR_PROTOCOL;
	}
	if (!r)
		r = rapl_counter(rp, &rp->last_uj, err, err_len);
	if (r)
		goto fail;
	rp->last_t = mmf_meter_now();
	snprintf(path, sizeof(path), "%s/name", rp->dir);
	read_line(path, name, sizeof(name));
	snprintf(rp->m.desc, sizeof(rp->m.desc), "RAPL %.40s at %.160s: energy_uj, average power between reads "
		 "(wraps at %lld uJ)", name, rp->dir, rp->max_uj);
	*out = &rp->m;
	return MMF_OK;
fail:
	free(rp);
	return r;
}
