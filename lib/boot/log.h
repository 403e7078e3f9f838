/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdarg.h>

enum vfe_log_level { VFE_LOG_ERR = 3, VFE_LOG_WARNING = 4, VFE_LOG_INFO = 6, VFE_LOG_DEBUG = 7 };

/* Open ROOT/dev/kmsg for the log (a NULL root: stderr only); without it, stderr. */
void vfe_log_open(const char *prog, const char *root);
void vfe_log_close(void);
void vfe_log_set_level(enum vfe_log_level max);
enum vfe_log_level vfe_log_get_level(void);
/* Log to stderr even when /dev/kmsg is open (interactive runs). */
void vfe_log_also_stderr(int on);

void vfe_log(enum vfe_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vfe_logv(enum vfe_log_level level, const char *fmt, va_list ap);

/* The run's last line: logged even when the kernel log's burst is spent by other lines. */
void vfe_log_summary(enum vfe_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Lines kept out of /dev/kmsg by the kernel's rate limit budget (sent to stderr). */
unsigned int vfe_log_kmsg_dropped(void);

#define ERR(...) vfe_log(VFE_LOG_ERR, __VA_ARGS__)
#define WRN(...) vfe_log(VFE_LOG_WARNING, __VA_ARGS__)
#define INF(...) vfe_log(VFE_LOG_INFO, __VA_ARGS__)
#define DBG(...) vfe_log(VFE_LOG_DEBUG, __VA_ARGS__)
