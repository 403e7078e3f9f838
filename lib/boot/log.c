// SPDX-License-Identifier: GPL-2.0-or-later
/* One logger: /dev/kmsg with the program's prefix in early boot, stderr otherwise. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/*
 * The kernel lets one open /dev/kmsg write a burst of 10 lines every 5 s and drops the
 * rest (printk.devkmsg=ratelimit, its default). The budget keeps the last line for the
 * summary and the two before it for warnings and errors; what does not fit goes to
 * stderr and is counted, so the summary can say so.
 */
#define KMSG_BURST 10

static const char *log_prog = "vfio-early";
static int log_fd = -1;
static int log_stderr_too;
static enum vfe_log_level log_max = VFE_LOG_INFO;
static unsigned int kmsg_budget = KMSG_BURST, kmsg_used, kmsg_dropped;

/* printk.devkmsg=on lifts the limit; "ratelimit" (the default) and "off" keep it. */
static unsigned int read_kmsg_budget(const char *root)
{
	char path[VFE_PATH_MAX], mode[32];

	if (vfe_path(path, sizeof(path), root, "/proc/sys/kernel/printk_devkmsg") == 0 &&
	    vfe_read_file(path, mode, sizeof(mode)) > 0 && !strcmp(mode, "on"))
		return ~0U;
	return KMSG_BURST;
}

void vfe_log_open(const char *prog, const char *root)
{
	char path[VFE_PATH_MAX];

	log_prog = prog;
	kmsg_used = kmsg_dropped = 0;
	if (!root || vfe_path(path, sizeof(path), root, "/dev/kmsg") < 0)
		return;
	/* O_APPEND keeps lines whole when a test root has a plain file there. */
	log_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	if (log_fd >= 0)
		kmsg_budget = read_kmsg_budget(root);
}

unsigned int vfe_log_kmsg_dropped(void)
{
	return kmsg_dropped;
}

/* May a line of LEVEL still go to the kernel log (the summary: always, if any room)? */
static bool kmsg_room(enum vfe_log_level level, bool summary)
{
	unsigned int keep = summary ? 0 : level <= VFE_LOG_WARNING ? 1 : 3;

	return kmsg_budget == ~0U || kmsg_used + keep < kmsg_budget;
}

void vfe_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

void vfe_log_set_level(enum vfe_log_level max)
{
	log_max = max;
}

enum vfe_log_level vfe_log_get_level(void)
{
	return log_max;
}

void vfe_log_also_stderr(int on)
{
	log_stderr_too = on;
}

static const char *level_name(enum vfe_log_level level)
{
	switch (level) {
	case VFE_LOG_ERR:
		return "ERROR";
	case VFE_LOG_WARNING:
		return "WARNING";
	case VFE_LOG_INFO:
		return "INFO";
	default:
		return "DEBUG";
	}
}

static void log_line(enum vfe_log_level level, bool summary, const char *fmt, va_list ap)
{
	/* The kernel takes at most 1024 bytes a record, prefix included. */
	char msg[960];
	int saved = errno;

	if (level > log_max && !summary)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_fd >= 0 && !kmsg_room(level, summary)) {
		kmsg_dropped++;
	} else if (log_fd >= 0) {
		char line[1024];
		int n = snprintf(line, sizeof(line), "<%d>%s: %s\n", level, log_prog, msg);

		if (n > (int)sizeof(line) - 1)
			n = sizeof(line) - 1;
		kmsg_used++;
		if (write(log_fd, line, n) == n && !log_stderr_too)
			goto out;
	}
	fprintf(stderr, "%s: %s: %s\n", log_prog, level_name(level), msg);
out:
	errno = saved;
}

void vfe_logv(enum vfe_log_level level, const char *fmt, va_list ap)
{
	log_line(level, false, fmt, ap);
}

void vfe_log_summary(enum vfe_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level, true, fmt, ap);
	va_end(ap);
}

void vfe_log(enum vfe_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfe_logv(level, fmt, ap);
	va_end(ap);
}
