// SPDX-License-Identifier: GPL-2.0-or-later
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int vfe_path(char *buf, size_t size, const char *root, const char *abs)
{
	int n;

	if (!root || !strcmp(root, "/"))
		root = "";
	n = snprintf(buf, size, "%s%s", root, abs);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int vfe_pathf(char *buf, size_t size, const char *root, const char *fmt, ...)
{
	char abs[VFE_PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(abs, sizeof(abs), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(abs))
		return -ENAMETOOLONG;
	return vfe_path(buf, size, root, abs);
}

ssize_t vfe_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

int vfe_slurp(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	int fd, r;

	/* a FIFO or device where a file was expected: refused, never waited on */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	r = vfe_slurp_fd(fd, max, out, len);
	close(fd);
	return r;
}

int vfe_slurp_fd(int fd, size_t max, char **out, size_t *len)
{
	size_t used = 0, cap = 4096;
	char *buf = NULL;
	int r = 0;

	for (;;) {
		ssize_t n;

		if (!buf || used + 1 >= cap) {
			char *nb;

			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		used += n;
		if (used > max) {
			r = -EFBIG;
			goto out;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	return r;
}

int vfe_read_link_name(const char *path, char *buf, size_t size)
{
	char target[VFE_PATH_MAX];
	ssize_t n;
	const char *base;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int vfe_sysfs_write(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, r = 0;

	DBG("write '%s' to %s", value[0] == '\n' ? "\\n" : value, path);
	/* No O_CREAT: a sysfs attribute that is not there must stay an error. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int vfe_mkdir_p(const char *path, mode_t mode)
{
	char parent[VFE_PATH_MAX];
	char *slash;
	int r;

	/* The deepest first: its parents are usually there, and each level is a system call. */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	if (strlen(path) >= sizeof(parent))
		return -ENAMETOOLONG;
	strcpy(parent, path);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -ENOENT;
	*slash = '\0';
	r = vfe_mkdir_p(parent, mode);
	if (r < 0)
		return r;
	return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -errno;
}

int vfe_fsync_dir_of(const char *path)
{
	char dir[VFE_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		r = -errno;
	close(fd);
	return r;
}

int vfe_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[VFE_PATH_MAX];
	size_t done = 0;
	int fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		done += n;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	/* The rename itself is durable only once its directory is. */
	return vfe_fsync_dir_of(path);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

bool vfe_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

unsigned long long vfe_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}
