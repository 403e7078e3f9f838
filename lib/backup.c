// SPDX-License-Identifier: GPL-2.0-or-later
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int vfe_backup_latest(const char *root, char *buf, size_t size)
{
	char dir[VFE_PATH_MAX];
	struct dirent **list;
	int n, i, r = -ENOENT;

	if (vfe_path(dir, sizeof(dir), root, VFE_BACKUP_DIR) < 0)
		return -ENAMETOOLONG;
	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0)
		return -ENOENT;
	for (i = n - 1; i >= 0; i--) {
		const char *name = list[i]->d_name;

		if (r == -ENOENT && name[0] != '.' && !strstr(name, ".restored")) {
			snprintf(buf, size, "%s", name);
			r = 0;
		}
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return r;
}

static int restore_tree(const char *root, const char *base, const char *rel)
{
	char path[VFE_PATH_MAX], target[VFE_PATH_MAX], *data;
	struct dirent *e;
	struct stat st;
	size_t len;
	DIR *dir;
	int r = 0;

	snprintf(path, sizeof(path), "%s%s", base, rel);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && r == 0) {
		char sub[VFE_PATH_MAX];

		if (e->d_name[0] == '.' || (!rel[0] && !strcmp(e->d_name, "absent")))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name);
		snprintf(path, sizeof(path), "%s%s", base, sub);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			r = restore_tree(root, base, sub);
			continue;
		}
		if (vfe_path(target, sizeof(target), root, sub) < 0)
			continue;
		r = vfe_slurp(path, 64 << 20, &data, &len);
		if (r < 0)
			break;
		r = vfe_write_atomic(target, data, len);
		/* keep an executable grub.d script executable */
		if (r == 0 && (st.st_mode & 0111))
			chmod(target, 0755);
		free(data);
		if (r == 0)
			printf("restored %s\n", target);
	}
	closedir(dir);
	return r;
}

int vfe_backup_restore(const char *root, const char *stamp)
{
	char base[VFE_PATH_MAX], path[VFE_PATH_MAX + 16], done[VFE_PATH_MAX + 16], *list = NULL,
										   *line;
	char *save = NULL;
	size_t len;
	int r;

	if (vfe_pathf(base, sizeof(base), root, "%s/%s", VFE_BACKUP_DIR, stamp) < 0)
		return -ENAMETOOLONG;
	r = restore_tree(root, base, "");
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/absent", base);
	if (vfe_slurp(path, 1 << 20, &list, &len) == 0) {
		for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char target[VFE_PATH_MAX];

			if (vfe_path(target, sizeof(target), root, line) == 0 &&
			    unlink(target) == 0)
				printf("removed %s\n", target);
		}
		free(list);
	}
	snprintf(done, sizeof(done), "%s.restored", base);
	return rename(base, done) < 0 ? -errno : 0;
}
