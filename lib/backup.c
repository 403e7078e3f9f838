// SPDX-License-Identifier: GPL-2.0-or-later
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

const char *vfe_backup_stamp(void)
{
	static char stamp[64];
	struct timespec ts;
	struct tm tm;

	if (!stamp[0]) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		/* Sortable, and unique for runs in the same second. */
		snprintf(stamp, sizeof(stamp), "%04d%02d%02dT%02d%02d%02d.%06ld", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000);
	}
	return stamp;
}

/* PATH is a full path (already under ROOT); its part below ROOT names the backup copy. */
static const char *below_root(const char *root, const char *path)
{
	size_t n = root && strcmp(root, "/") ? strlen(root) : 0;

	return strncmp(path, root ? root : "", n) ? path : path + n;
}

int vfe_backup_file(const char *root, const char *path)
{
	char dest[VFE_PATH_MAX], dir[VFE_PATH_MAX], *data = NULL, *slash;
	size_t len;
	int r;

	r = vfe_pathf(dest, sizeof(dest), root, "%s/%s%s", VFE_BACKUP_DIR, vfe_backup_stamp(),
		      below_root(root, path));
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s", dest);
	slash = strrchr(dir, '/');
	*slash = '\0';
	r = vfe_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	r = vfe_slurp(path, 64 << 20, &data, &len);
	if (r == -ENOENT) {
		char absent[VFE_PATH_MAX], line[VFE_PATH_MAX + 1];
		int fd;

		vfe_pathf(absent, sizeof(absent), root, "%s/%s/absent", VFE_BACKUP_DIR,
			  vfe_backup_stamp());
		fd = open(absent, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		snprintf(line, sizeof(line), "%s\n", below_root(root, path));
		r = write(fd, line, strlen(line)) == (ssize_t)strlen(line) ? 0 : -EIO;
		close(fd);
		return r;
	}
	if (r < 0)
		return r;
	r = vfe_write_atomic(dest, data, len);
	free(data);
	if (r == 0)
		DBG("backed up %s to %s", path, dest);
	return r;
}

int vfe_replace_file(const char *root, const char *path, const char *data, size_t len)
{
	int r = vfe_backup_file(root, path);

	if (r < 0) {
		ERR("cannot back up %s: %s; not changing it", path, strerror(-r));
		return r;
	}
	return vfe_write_atomic(path, data, len);
}
