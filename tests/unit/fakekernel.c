// SPDX-License-Identifier: GPL-2.0-or-later
#include "fakekernel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 128
#define MAX_DEVS  512

enum kind { PROBE, BIND, UNBIND };

struct served {
	enum kind kind;
	char driver[64];
	char path[1024];
	int rfd, wfd;
};

struct fake_kernel {
	char root[512];
	struct served files[MAX_FILES];
	int n_files;
	char host_slot[MAX_DEVS][16], host_driver[MAX_DEVS][64];
	int n_host;
	int stop[2];
	pthread_t thread;
	pthread_mutex_t lock;
	char events[65536];
};

static void event(struct fake_kernel *fk, const char *fmt, const char *a, const char *b,
		  const char *c)
{
	size_t used;

	pthread_mutex_lock(&fk->lock);
	used = strlen(fk->events);
	snprintf(fk->events + used, sizeof(fk->events) - used, fmt, a, b, c);
	pthread_mutex_unlock(&fk->lock);
}

static void devpath(struct fake_kernel *fk, const char *slot, const char *attr, char *buf, size_t n)
{
	snprintf(buf, n, "%s/sys/bus/pci/devices/%s%s%s", fk->root, slot, attr[0] ? "/" : "", attr);
}

static void current_driver(struct fake_kernel *fk, const char *slot, char *buf, size_t n)
{
	char path[1024], target[1024];
	ssize_t k;

	devpath(fk, slot, "driver", path, sizeof(path));
	k = readlink(path, target, sizeof(target) - 1);
	buf[0] = '\0';
	if (k > 0) {
		target[k] = '\0';
		snprintf(buf, n, "%s", strrchr(target, '/') + 1);
	}
}

static void override_of(struct fake_kernel *fk, const char *slot, char *buf, size_t n)
{
	char path[1024];
	ssize_t k;
	int fd;

	devpath(fk, slot, "driver_override", path, sizeof(path));
	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	k = read(fd, buf, n - 1);
	close(fd);
	buf[k < 0 ? 0 : k] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
}

/* Relative links, as the kernel makes them (libpci reads them that way). */
static int link_driver(struct fake_kernel *fk, const char *slot, const char *driver)
{
	char dev[1024], real[1024], sysdir[600], sys[1024], up[256] = "", target[1400], link[1400];
	const char *p, *below;

	snprintf(dev, sizeof(dev), "%s/sys/bus/pci/drivers/%s", fk->root, driver);
	if (access(dev, F_OK))
		return -1;
	devpath(fk, slot, "", dev, sizeof(dev));
	snprintf(sysdir, sizeof(sysdir), "%s/sys/", fk->root);
	if (!realpath(dev, real) || !realpath(sysdir, sys) || strncmp(real, sys, strlen(sys)))
		return -1;
	below = real + strlen(sys) + 1; /* devices/pci0000:00/.../SLOT */
	for (p = below; *p; p++)
		if (*p == '/')
			strcat(up, "../");
	snprintf(target, sizeof(target), "../%sbus/pci/drivers/%s", up, driver);
	snprintf(link, sizeof(link), "%s/driver", real);
	if (symlink(target, link) < 0)
		return -1;
	snprintf(target, sizeof(target), "../../../../%s", below);
	snprintf(link, sizeof(link), "%s/sys/bus/pci/drivers/%s/%s", fk->root, driver, slot);
	return symlink(target, link);
}

static void unlink_driver(struct fake_kernel *fk, const char *slot, const char *driver)
{
	char path[1024];

	devpath(fk, slot, "driver", path, sizeof(path));
	unlink(path);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s/%s", fk->root, driver, slot);
	unlink(path);
}

static void handle(struct fake_kernel *fk, struct served *s, char *slot)
{
	char cur[64], ovr[64], path[1024];
	const char *want = NULL;
	int i;

	slot[strcspn(slot, "\n")] = '\0';
	devpath(fk, slot, "", path, sizeof(path));
	if (access(path, F_OK)) {
		event(fk, "%s %s: no such device%s\n", s->kind == PROBE ? "probe" : "unbind", slot,
		      "");
		return;
	}
	current_driver(fk, slot, cur, sizeof(cur));
	override_of(fk, slot, ovr, sizeof(ovr));
	switch (s->kind) {
	case UNBIND:
		if (strcmp(cur, s->driver)) {
			event(fk, "unbind %s %s: not bound to it%s\n", s->driver, slot, "");
			return;
		}
		unlink_driver(fk, slot, s->driver);
		event(fk, "unbind %s %s override=%s\n", s->driver, slot, ovr[0] ? ovr : "(null)");
		return;
	case BIND:
	case PROBE:
		if (cur[0]) {
			event(fk, "probe %s: already %s%s\n", slot, cur, "");
			return;
		}
		if (s->kind == BIND)
			want = s->driver;
		else if (ovr[0])
			want = ovr;
		else
			for (i = 0; i < fk->n_host; i++)
				if (!strcmp(fk->host_slot[i], slot))
					want = fk->host_driver[i];
		if (!want || (s->kind == BIND && ovr[0] && strcmp(ovr, want)) ||
		    link_driver(fk, slot, want) < 0) {
			event(fk, "probe %s: no driver%s%s\n", slot, "", "");
			return;
		}
		event(fk, "probe %s -> %s%s\n", slot, want, "");
		return;
	}
}

static void *serve(void *arg)
{
	struct fake_kernel *fk = arg;
	struct pollfd pfd[MAX_FILES + 1];
	int i;

	for (;;) {
		for (i = 0; i < fk->n_files; i++) {
			pfd[i].fd = fk->files[i].rfd;
			pfd[i].events = POLLIN;
		}
		pfd[fk->n_files].fd = fk->stop[0];
		pfd[fk->n_files].events = POLLIN;
		if (poll(pfd, fk->n_files + 1, -1) < 0 && errno != EINTR)
			return NULL;
		if (pfd[fk->n_files].revents)
			return NULL;
		for (i = 0; i < fk->n_files; i++) {
			char buf[256];
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = read(fk->files[i].rfd, buf, sizeof(buf) - 1);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			handle(fk, &fk->files[i], buf);
		}
	}
}

static int serve_file(struct fake_kernel *fk, enum kind kind, const char *driver, const char *path)
{
	struct served *s;

	if (fk->n_files == MAX_FILES)
		return -1;
	s = &fk->files[fk->n_files];
	s->kind = kind;
	snprintf(s->driver, sizeof(s->driver), "%s", driver);
	snprintf(s->path, sizeof(s->path), "%s", path);
	unlink(path);
	if (mkfifo(path, 0600) < 0)
		return -1;
	/* Our own writer end keeps the FIFO from reporting hang-up between the helper's writes. */
	s->rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	s->wfd = open(path, O_WRONLY | O_CLOEXEC);
	if (s->rfd < 0 || s->wfd < 0)
		return -1;
	fk->n_files++;
	return 0;
}

static void record_host_drivers(struct fake_kernel *fk)
{
	char path[1024];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", fk->root);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)) && fk->n_host < MAX_DEVS) {
		char cur[64];

		if (e->d_name[0] == '.')
			continue;
		current_driver(fk, e->d_name, cur, sizeof(cur));
		if (!cur[0])
			continue;
		snprintf(fk->host_slot[fk->n_host], 16, "%s", e->d_name);
		snprintf(fk->host_driver[fk->n_host], 64, "%s", cur);
		fk->n_host++;
	}
	closedir(d);
}

struct fake_kernel *fk_start(const char *root)
{
	struct fake_kernel *fk = calloc(1, sizeof(*fk));
	char path[1024];
	struct dirent *e;
	DIR *d;

	snprintf(fk->root, sizeof(fk->root), "%s", root);
	pthread_mutex_init(&fk->lock, NULL);
	record_host_drivers(fk);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers_probe", root);
	if (serve_file(fk, PROBE, "", path) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers", root);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s/unbind", root, e->d_name);
		if (serve_file(fk, UNBIND, e->d_name, path) < 0)
			goto fail;
		snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s/bind", root, e->d_name);
		if (serve_file(fk, BIND, e->d_name, path) < 0)
			goto fail;
	}
	if (d)
		closedir(d);
	if (pipe(fk->stop) < 0 || pthread_create(&fk->thread, NULL, serve, fk))
		goto fail;
	return fk;
fail:
	fprintf(stderr, "fake kernel: cannot serve %s: %s\n", path, strerror(errno));
	free(fk);
	return NULL;
}

void fk_stop(struct fake_kernel *fk)
{
	int i;

	if (!fk)
		return;
	if (write(fk->stop[1], "x", 1) == 1)
		pthread_join(fk->thread, NULL);
	for (i = 0; i < fk->n_files; i++) {
		close(fk->files[i].rfd);
		close(fk->files[i].wfd);
		unlink(fk->files[i].path);
		close(open(fk->files[i].path, O_WRONLY | O_CREAT, 0200));
	}
	close(fk->stop[0]);
	close(fk->stop[1]);
	free(fk);
}

const char *fk_events(struct fake_kernel *fk)
{
	return fk->events;
}
