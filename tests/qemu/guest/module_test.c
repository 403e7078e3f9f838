// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs inside the rig guest (tests/qemu/module-tests.sh, boot "bind"), once
 * vfio_early has matched the boot's devices: the status view of the module
 * agrees with the driver links and overrides in sysfs, and it is read only.
 * Built static with the kernel's kselftest harness; TAP on the console.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define PARAMS	"/sys/module/vfio_early/parameters/"
#define DEVICES "/sys/bus/pci/devices/"

/* The whole of a small file, without its trailing newline; -1 when unreadable. */
static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* The line of the status view for @slot, copied into @line; 0 if found. */
static int status_line(const char *slot, char *line, size_t size)
{
	char buf[8192], key[64];
	char *p, *end;

	if (read_text(PARAMS "status", buf, sizeof(buf)))
		return -1;
	snprintf(key, sizeof(key), "slot=%s ", slot);
	for (p = buf; p && *p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (end)
			*end = '\0';
		if (!strncmp(p, key, strlen(key))) {
			snprintf(line, size, "%s", p);
			return 0;
		}
	}
	return -1;
}

static void driver_of(const char *slot, char *name, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), DEVICES "%s/driver", slot);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(name, size, "none");
		return;
	}
	target[n] = '\0';
	snprintf(name, size, "%s", basename(target));
}

TEST(status_header)
{
	char buf[8192];

	ASSERT_EQ(0, read_text(PARAMS "status", buf, sizeof(buf)));
	*strchrnul(buf, '\n') = '\0';
	EXPECT_STREQ("state=active vfio-pci=registered rules=7", buf);
}

TEST(parameters_read_only)
{
	static const char *const names[] = {"bind", "skip", "off", "dry_run", "status"};
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[128];

		snprintf(path, sizeof(path), PARAMS "%s", names[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(0, st.st_mode & 0222) TH_LOG("%s is writable", names[i]);
	}
	/* Even root cannot write a parameter that has no store method. */
	EXPECT_EQ(-1, open(PARAMS "status", O_WRONLY));
}

TEST(bind_is_the_command_line_value)
{
	char cmdline[4096], bind[1024], want[1024] = "";
	char *p;

	ASSERT_EQ(0, read_text("/proc/cmdline", cmdline, sizeof(cmdline)));
	ASSERT_EQ(0, read_text(PARAMS "bind", bind, sizeof(bind)));
	p = strstr(cmdline, "vfio_early.bind=");
	ASSERT_NE(NULL, p);
	sscanf(p + strlen("vfio_early.bind="), "%1023s", want);
	EXPECT_STREQ(want, bind);
}

FIXTURE(slot)
{
	char line[512];
	int has_line;
};

FIXTURE_VARIANT(slot)
{
	const char *slot;
	const char *driver;   /* the driver the device must be on, or "none" */
	const char *action;   /* in the status view; NULL: no rule names the slot */
	const char *override; /* driver_override as sysfs shows it */
};

#define SLOT(id, slot_, driver_, action_, override_)                                       \
	FIXTURE_VARIANT_ADD(slot, id)                                                      \
	{                                                                                  \
		.slot = slot_, .driver = driver_, .action = action_, .override = override_ \
	}
SLOT(gpu_vga, "0000:03:00.0", "vfio-pci", "set", "vfio-pci");
SLOT(gpu_audio, "0000:03:00.1", "vfio-pci", "set", "vfio-pci");
SLOT(gpu_usb, "0000:03:00.2", "vfio-pci", "set", "vfio-pci");
SLOT(vl805, "0000:04:00.0", "vfio-pci", "set", "vfio-pci");
/* same id as the VL805 stand-in, other slot: the host's own controller */
SLOT(twin, "0000:00:04.0", "xhci_hcd", NULL, "(null)");
/* a rule whose slot holds another id */
SLOT(changed, "0000:00:1f.3", "none", "changed", "(null)");
/* a bridge: refused, its port driver keeps it */
SLOT(bridge, "0000:02:00.0", "pcieport", "refused", "(null)");

FIXTURE_SETUP(slot)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), DEVICES "%s", variant->slot);
	if (stat(path, &st))
		SKIP(return, "%s is not in this guest", variant->slot);
	self->has_line = !status_line(variant->slot, self->line, sizeof(self->line));
}

FIXTURE_TEARDOWN(slot)
{
}

TEST_F(slot, driver_link)
{
	char name[64];

	driver_of(variant->slot, name, sizeof(name));
	EXPECT_STREQ(variant->driver, name);
}

TEST_F(slot, driver_override)
{
	char path[PATH_MAX], value[64];

	snprintf(path, sizeof(path), DEVICES "%s/driver_override", variant->slot);
	ASSERT_EQ(0, read_text(path, value, sizeof(value)));
	EXPECT_STREQ(variant->override, value);
}

TEST_F(slot, status_line)
{
	char want[128];

	if (!variant->action) {
		EXPECT_FALSE(self->has_line) TH_LOG("unexpected: %s", self->line);
		return;
	}
	ASSERT_TRUE(self->has_line) TH_LOG("no status line for %s", variant->slot);
	snprintf(want, sizeof(want), " action=%s ", variant->action);
	EXPECT_NE(NULL, strstr(self->line, want)) TH_LOG("%s", self->line);
	snprintf(want, sizeof(want), " driver=%s", variant->driver);
	EXPECT_NE(NULL, strstr(self->line, want)) TH_LOG("%s", self->line);
}

TEST_HARNESS_MAIN
