// SPDX-License-Identifier: GPL-2.0-or-later
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && v[0] ? v : def;
}

static char *rotate(void)
{
	static char bufs[8][65536];
	static int i;

	return bufs[i++ % 8];
}

static int run_argv(char *const argv[], char *out, size_t outsize)
{
	int pipefd[2], status;
	size_t used = 0;
	pid_t pid;

	if (pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char tmp[4096];
		ssize_t n = read(pipefd[0], tmp, sizeof(tmp));

		if (n <= 0)
			break;
		if (out && used + 1 < outsize) {
			size_t k = (size_t)n < outsize - used - 1 ? (size_t)n : outsize - used - 1;

			memcpy(out + used, tmp, k);
			used += k;
		}
	}
	if (out)
		out[used] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int vroot_make(struct vroot *r, const char *fixture)
{
	char src[512];
	char *argv[] = {"/bin/cp", "-a", src, r->dir, NULL};
	const char *tmp = env_or("TMPDIR", "/tmp");

	snprintf(r->dir, sizeof(r->dir), "%s/vfe-test.XXXXXX", tmp);
	if (!mkdtemp(r->dir))
		return -errno;
	snprintf(src, sizeof(src), "%s/%s/.", env_or("VFE_FIXTURES", "build/rootfs"), fixture);
	if (run_argv(argv, NULL, 0) != 0)
		return -EIO;
	/* The helper's kmsg goes to a plain file the test can read. */
	return vroot_write(r, "dev/kmsg", "");
}

void vroot_destroy(struct vroot *r)
{
	char *argv[] = {"/bin/rm", "-rf", r->dir, NULL};

	if (r->dir[0] && !getenv("VFE_KEEP"))
		run_argv(argv, NULL, 0);
}

const char *vroot_path(const struct vroot *r, const char *rel)
{
	char *buf = rotate();

	snprintf(buf, 65536, "%s/%s", r->dir, rel);
	return buf;
}

int vroot_write(const struct vroot *r, const char *rel, const char *content)
{
	const char *path = vroot_path(r, rel);
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(content, f);
	return fclose(f) ? -errno : 0;
}

const char *vroot_read(const struct vroot *r, const char *rel)
{
	char *buf = rotate();
	int fd = open(vroot_path(r, rel), O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, 65535);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

const char *vroot_driver(const struct vroot *r, const char *slot)
{
	char rel[128], target[512];
	char *buf = rotate();
	ssize_t n;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", slot);
	n = readlink(vroot_path(r, rel), target, sizeof(target) - 1);
	if (n < 0)
		return "";
	target[n] = '\0';
	snprintf(buf, 65536, "%s", strrchr(target, '/') + 1);
	return buf;
}

bool vroot_override_is(const struct vroot *r, const char *slot, const char *want)
{
	char rel[128];
	const char *v;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", slot);
	v = vroot_read(r, rel);
	if (!v)
		return false;
	if (!strcmp(v, "(null)\n") || !strcmp(v, "\n") || !v[0])
		return !strcmp(want, "(null)");
	return !strncmp(v, want, strlen(want)) &&
	       (v[strlen(want)] == '\0' || v[strlen(want)] == '\n');
}

static int unbind_dir(const struct vroot *r, const char *drivers)
{
	DIR *d = opendir(drivers);
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[1024], rel[256];
		DIR *sub;
		struct dirent *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", drivers, e->d_name);
		sub = opendir(path);
		if (!sub)
			continue;
		while ((f = readdir(sub))) {
			if (!strchr(f->d_name, ':'))
				continue;
			snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", f->d_name);
			unlink(vroot_path(r, rel));
			snprintf(path, sizeof(path), "%s/%s/%s", drivers, e->d_name, f->d_name);
			unlink(path);
		}
		closedir(sub);
	}
	closedir(d);
	return 0;
}

int vroot_unbind_all(const struct vroot *r)
{
	char drivers[1024];

	snprintf(drivers, sizeof(drivers), "%s/sys/bus/pci/drivers", r->dir);
	return unbind_dir(r, drivers);
}

static void snap(const char *base, const char *rel, char **buf, size_t *len, size_t *cap)
{
	char path[2048];
	struct dirent **list;
	int n, i;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	n = scandir(path, &list, NULL, alphasort);
	for (i = 0; i < n; i++) {
		char sub[1024], line[4096], content[1024], target[1024];
		struct stat st;
		ssize_t k;
		int fd;

		if (list[i]->d_name[0] == '.' && (!list[i]->d_name[1] || list[i]->d_name[1] == '.'))
			goto next;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", list[i]->d_name);
		snprintf(path, sizeof(path), "%s/%s", base, sub);
		if (lstat(path, &st) < 0)
			goto next;
		line[0] = '\0';
		if (S_ISLNK(st.st_mode)) {
			k = readlink(path, target, sizeof(target) - 1);
			target[k < 0 ? 0 : k] = '\0';
			snprintf(line, sizeof(line), "L %s -> %s\n", sub, target);
		} else if (S_ISDIR(st.st_mode)) {
			snprintf(line, sizeof(line), "D %s\n", sub);
		} else if (S_ISREG(st.st_mode)) {
			fd = open(path, O_RDONLY);
			k = fd < 0 ? 0 : read(fd, content, sizeof(content) - 1);
			if (fd >= 0)
				close(fd);
			content[k < 0 ? 0 : k] = '\0';
			snprintf(line, sizeof(line), "F %s %zd %s\n", sub, k, content);
		} else {
			snprintf(line, sizeof(line), "O %s\n", sub);
		}
		while (*len + strlen(line) + 1 > *cap) {
			*cap *= 2;
			*buf = realloc(*buf, *cap);
		}
		strcpy(*buf + *len, line);
		*len += strlen(line);
		if (S_ISDIR(st.st_mode))
			snap(base, sub, buf, len, cap);
	next:
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

char *vroot_snapshot(const struct vroot *r)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	buf[0] = '\0';
	snap(r->dir, "", &buf, &len, &cap);
	return buf;
}

static int run_tool(const char *tool, const struct vroot *r, char *out, size_t outsize, va_list ap)
{
	char bin[512];
	char *argv[32];
	int argc = 0;
	char *a;

	snprintf(bin, sizeof(bin), "%s/%s", env_or("VFE_BUILD", "build"), tool);
	argv[argc++] = bin;
	argv[argc++] = "--root";
	argv[argc++] = (char *)r->dir;
	while ((a = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = a;
	argv[argc] = NULL;
	return run_argv(argv, out, outsize);
}

int run_helper(const struct vroot *r, char *out, size_t outsize, ...)
{
	va_list ap;
	int status;

	va_start(ap, outsize);
	status = run_tool("vfio-early", r, out, outsize, ap);
	va_end(ap);
	return status;
}

int run_ctl(const struct vroot *r, char *out, size_t outsize, ...)
{
	va_list ap;
	int status;

	va_start(ap, outsize);
	status = run_tool("vfio-earlyctl", r, out, outsize, ap);
	va_end(ap);
	return status;
}

const char *vroot_log(const struct vroot *r)
{
	return vroot_read(r, "dev/kmsg");
}
