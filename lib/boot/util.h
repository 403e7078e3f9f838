/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VFE_PATH_MAX	  4096
#define VFE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ROOT + ABS into BUF ("" or NULL root means /); -ENAMETOOLONG when it does not fit. */
int vfe_path(char *buf, size_t size, const char *root, const char *abs);
int vfe_pathf(char *buf, size_t size, const char *root, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Read at most SIZE-1 bytes of PATH into BUF, trailing newline removed; length or -errno. */
ssize_t vfe_read_file(const char *path, char *buf, size_t size);
/* Read a whole regular file (up to MAX bytes) into a malloc'd NUL-terminated buffer; -errno,
 * -EFBIG, -EINVAL for anything but a regular file (a FIFO is refused without waiting). */
int vfe_slurp(const char *path, size_t max, char **out, size_t *len);
/* The same from an open descriptor, read to its end (the caller closes it). */
int vfe_slurp_fd(int fd, size_t max, char **out, size_t *len);
/* Basename of a symlink's target into BUF; -errno (-ENOENT when there is no link). */
int vfe_read_link_name(const char *path, char *buf, size_t size);
/* Write VALUE to an existing sysfs attribute, logged at debug level before the write. */
int vfe_sysfs_write(const char *path, const char *value);
/* fsync the directory that holds PATH; -errno. */
int vfe_fsync_dir_of(const char *path);
/* Write a file atomically: temp file, fsync, rename (mode 0644), fsync of the directory. */
int vfe_write_atomic(const char *path, const char *data, size_t len);
/* mkdir -p; -errno. */
int vfe_mkdir_p(const char *path, mode_t mode);
bool vfe_exists(const char *path);
/* Monotonic clock in microseconds. */
unsigned long long vfe_now_us(void);
