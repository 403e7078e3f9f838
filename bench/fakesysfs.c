// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fakesysfs.so - the kernel's side of the PCI bus files of a fake root, for the bench only.
 * Loaded with LD_PRELOAD into both timed programs, it wraps write(2): a write to
 * ROOT/sys/bus/pci/drivers_probe or ROOT/sys/bus/pci/drivers/DRV/{bind,unbind} (ROOT not "/")
 * lands in the plain file as usual and then takes effect at once, as it does in sysfs, where
 * these writes return only when the driver core is done: unbind removes the driver links,
 * bind and drivers_probe create them (drivers_probe: only for a driver_override naming a
 * registered driver). Without it nothing ever binds, and a binder that waits for the driver
 * link to change times its wait, not its work. Writes elsewhere only pay one readlink.
 * Build: cc -O2 -shared -fPIC -o fakesysfs.so fakesysfs.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BUS "/sys/bus/pci"

/* snprintf into a PATH_MAX buffer; 0, or -ENAMETOOLONG when it did not fit */
static int pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int exists(const char *path)
{
	return !access(path, F_OK);
}

/* the driver a device is bound to, "" for none */
static void current_driver(const char *root, const char *slot, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	buf[0] = '\0';
	if (pathf(path, "%s" BUS "/devices/%s/driver", root, slot))
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (snprintf(buf, size, "%s", strrchr(target, '/') + 1) >= (int)size)
			buf[0] = '\0';
	}
}

static void override_of(const char *root, const char *slot, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if (pathf(path, "%s" BUS "/devices/%s/driver_override", root, slot))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
}

/* target as seen from dir, both canonical absolute paths */
static void relative(const char *dir, const char *target, char *buf, size_t size)
{
	size_t common = 0, i, n = 0;
	const char *rest;

	for (i = 0;; i++) {
		char a = dir[i], b = target[i];

		if ((a == '/' || !a) && (b == '/' || !b))
			common = i;
		if (a != b || !a)
			break;
	}
	for (i = common; dir[i]; i++)
		if (dir[i] == '/' && n + 4 < size) {
			memcpy(buf + n, "../", 3);
			n += 3;
		}
	rest = target + common + (target[common] == '/');
	if (snprintf(buf + n, size - n, "%s", rest) >= (int)(size - n))
		buf[n] = '\0';
	n = strlen(buf);
	if (n && buf[n - 1] == '/')
		buf[n - 1] = '\0';
}

static int link_driver(const char *root, const char *slot, const char *driver)
{
	char path[PATH_MAX], dev[PATH_MAX], drv[PATH_MAX], rel[PATH_MAX];

	if (pathf(path, "%s" BUS "/devices/%s", root, slot) || !realpath(path, dev))
		return -ENODEV;
	if (pathf(path, "%s" BUS "/drivers/%s", root, driver) || !realpath(path, drv))
		return -ENODEV;
	relative(dev, drv, rel, sizeof(rel));
	if (pathf(path, "%s/driver", dev))
		return -ENAMETOOLONG;
	if (symlink(rel, path))
		return -errno;
	relative(drv, dev, rel, sizeof(rel));
	if (pathf(path, "%s/%s", drv, slot))
		return -ENAMETOOLONG;
	if (symlink(rel, path))
		return -errno;
	return 0;
}

static int unlink_driver(const char *root, const char *slot, const char *driver)
{
	char path[PATH_MAX];

	if (pathf(path, "%s" BUS "/devices/%s/driver", root, slot))
		return -ENAMETOOLONG;
	if (unlink(path))
		return -errno;
	if (!pathf(path, "%s" BUS "/drivers/%s/%s", root, driver, slot))
		unlink(path);
	return 0;
}

/* what the driver core does for a write of `value` to `file` (drivers_probe, bind, unbind) */
static int act(const char *root, const char *driver, const char *file, const char *value)
{
	char slot[64], cur[64], ovr[64], path[PATH_MAX];

	if (snprintf(slot, sizeof(slot), "%.*s", (int)strcspn(value, "\n"), value) >=
		(int)sizeof(slot) ||
	    !slot[0] || strchr(slot, '/') || pathf(path, "%s" BUS "/devices/%s", root, slot) ||
	    !exists(path))
		return -ENODEV;
	current_driver(root, slot, cur, sizeof(cur));
	override_of(root, slot, ovr, sizeof(ovr));
	if (!strcmp(file, "unbind"))
		return strcmp(cur, driver) ? -ENODEV : unlink_driver(root, slot, driver);
	if (!strcmp(file, "bind")) {
		if (cur[0])
			return -EBUSY;
		if (ovr[0] && strcmp(ovr, driver))
			return -ENODEV;
		return link_driver(root, slot, driver);
	}
	/* drivers_probe: success even when nothing binds, as the kernel says */
	if (!cur[0] && ovr[0])
		link_driver(root, slot, ovr);
	return 0;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	ssize_t n = syscall(SYS_write, fd, buf, count);
	char proc[32], path[PATH_MAX], value[128], *bus, *file, *driver = "";
	ssize_t len;
	int err = errno, r;

	if (n < 0 || count >= sizeof(value))
		return n;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	len = readlink(proc, path, sizeof(path) - 1);
	if (len <= 0)
		goto out;
	path[len] = '\0';
	bus = strstr(path, BUS "/");
	if (!bus || bus == path)
		goto out;
	file = bus + strlen(BUS "/");
	if (!strncmp(file, "drivers/", 8)) {
		driver = file + 8;
		file = strchr(driver, '/');
		if (!file || (strcmp(file, "/bind") && strcmp(file, "/unbind")))
			goto out;
		*file++ = '\0';
	} else if (strcmp(file, "drivers_probe")) {
		goto out;
	}
	*bus = '\0';
	memcpy(value, buf, count);
	value[count] = '\0';
	r = act(path, driver, file, value);
	if (r < 0) {
		errno = -r;
		return -1;
	}
out:
	errno = err;
	return n;
}
