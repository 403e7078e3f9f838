// SPDX-License-Identifier: GPL-2.0-or-later
/* One logger: /dev/kmsg with the program's prefix in early boot, stderr otherwise. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static const char *log_prog = "vfio-early";
static int log_fd = -1;
static int log_stderr_too;
static enum vfe_log_level log_max = VFE_LOG_INFO;

void vfe_log_open(const char *prog, const char *root)
{
	char path[VFE_PATH_MAX];

	log_prog = prog;
	if (!root || vfe_path(path, sizeof(path), root, "/dev/kmsg") < 0)
		return;
	/* O_APPEND keeps lines whole when a test root has a plain file there. */
	log_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
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

void vfe_logv(enum vfe_log_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	if (level > log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_fd >= 0) {
		char line[1100];
		int n = snprintf(line, sizeof(line), "<%d>%s: %s\n", level, log_prog, msg);

		if (n > (int)sizeof(line) - 1)
			n = sizeof(line) - 1;
		if (write(log_fd, line, n) == n && !log_stderr_too)
			goto out;
	}
	fprintf(stderr, "%s: %s: %s\n", log_prog, level_name(level), msg);
out:
	errno = saved;
}

void vfe_log(enum vfe_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfe_logv(level, fmt, ap);
	va_end(ap);
}
