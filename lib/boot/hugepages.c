// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Step 9: hugepage reservation, early, while memory is not yet fragmented.
 *
 * The helper only ever raises a count. It runs at every boot, and the kernel command line
 * (hugepages=) or a sysctl may already have reserved as many or more: writing the same value
 * is a no-op, and lowering a count the host set higher would take pages from whoever set it.
 * The kernel answers a write with success even when it found fewer pages, so the count is
 * always read back and a shortfall reported with the number missing.
 */
#include "hugepages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

static int count_path(char *buf, size_t size, const char *root, unsigned long size_kb, int node)
{
	if (node < 0)
		return vfe_pathf(buf, size, root,
				 "/sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages", size_kb);
	return vfe_pathf(buf, size, root,
			 "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/nr_hugepages",
			 node, size_kb);
}

long vfe_hugepages_reserved(const char *root, unsigned long size_kb, int node)
{
	char path[VFE_PATH_MAX], buf[32], *end;
	ssize_t n;
	long v;
	int r;

	r = count_path(path, sizeof(path), root, size_kb, node);
	if (r < 0)
		return r;
	n = vfe_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	v = strtol(buf, &end, 10);
	return end == buf || v < 0 ? -EINVAL : v;
}

const char *vfe_hugepage_size_name(unsigned long size_kb, char *buf, unsigned int size)
{
	if (size_kb == 2048)
		return "2M";
	if (size_kb == 1048576)
		return "1G";
	snprintf(buf, size, "%lukB", size_kb);
	return buf;
}

bool vfe_hugepages_in_place(const struct vfe_hugepages_result *r)
{
	return !r->error && r->reserved >= 0 && (unsigned long)r->reserved >= r->requested;
}

/* "2M" or "1G@1", as the summary and the log name a request. */
static const char *label(const struct vfe_hugepages_result *r, char *buf, unsigned int size)
{
	char tmp[24];
	const char *name = vfe_hugepage_size_name(r->size_kb, tmp, sizeof(tmp));

	if (r->node >= 0)
		snprintf(buf, size, "%s@%d", name, r->node);
	else
		snprintf(buf, size, "%s", name);
	return buf;
}

static void reserve_one(const char *root, bool dry_run, struct vfe_hugepages_result *r)
{
	char path[VFE_PATH_MAX], value[32], what[40];
	unsigned long long t0;
	long now;
	int e;

	label(r, what, sizeof(what));
	now = vfe_hugepages_reserved(root, r->size_kb, r->node);
	if (now < 0) {
		r->error = (int)now;
		if (now == -ENOENT && r->node >= 0)
			ERR("hugepages %s: no %lu kB pages on node %d here (no such node or size)",
			    what, r->size_kb, r->node);
		else if (now == -ENOENT)
			ERR("hugepages %s: this kernel has no %lu kB hugepages", what, r->size_kb);
		else
			ERR("hugepages %s: cannot read the count: %s", what, strerror((int)-now));
		return;
	}
	r->before = now;
	r->reserved = now;
	if ((unsigned long)now >= r->requested) {
		DBG("hugepages %s: %ld reserved already, %lu asked", what, now, r->requested);
		return;
	}
	if (dry_run) {
		DBG("dry run: hugepages %s: would raise %ld to %lu", what, now, r->requested);
		return;
	}
	if (count_path(path, sizeof(path), root, r->size_kb, r->node) < 0)
		return;
	snprintf(value, sizeof(value), "%lu", r->requested);
	/* The kernel allocates (and compacts) inside the write: its time is the cost of asking. */
	t0 = vfe_now_us();
	e = vfe_sysfs_write(path, value);
	if (e < 0) {
		/* ENOMEM and friends still leave what the kernel found: read it back below. */
		DBG("hugepages %s: writing %s: %s", what, value, strerror(-e));
	}
	r->wrote = e == 0;
	/* The write's error stays the request's error, whatever the read-back finds. */
	r->error = e;
	now = vfe_hugepages_reserved(root, r->size_kb, r->node);
	r->write_us = vfe_now_us() - t0;
	if (now < 0) {
		r->error = e < 0 ? e : (int)now;
		r->reserved = -1;
		ERR("hugepages %s: cannot read the count back: %s", what, strerror((int)-now));
		return;
	}
	r->reserved = now;
	if ((unsigned long)now < r->requested)
		ERR("hugepages %s: %lu requested, %ld reserved, %lu short%s%s", what, r->requested,
		    now, r->requested - (unsigned long)now, e < 0 ? ": " : "",
		    e < 0 ? strerror(-e) : "");
	else if (e < 0)
		ERR("hugepages %s: writing %s: %s (%ld reserved)", what, value, strerror(-e), now);
	else
		DBG("hugepages %s: %ld reserved (%ld before)", what, now, r->before);
}

unsigned int vfe_hugepages_reserve(const char *root, bool dry_run, const struct vfe_hugepages *req,
				   unsigned int n, struct vfe_hugepages_result *out)
{
	unsigned int i, missing = 0;

	for (i = 0; i < n; i++) {
		struct vfe_hugepages_result *r = &out[i];

		memset(r, 0, sizeof(*r));
		r->size_kb = req[i].size_kb;
		r->node = req[i].node;
		r->requested = req[i].count;
		r->before = r->reserved = -1;
		reserve_one(root, dry_run, r);
		/* A dry run that would raise a count is not a shortfall: nothing was tried. */
		if (!vfe_hugepages_in_place(r) && !(dry_run && !r->error))
			missing++;
	}
	return missing;
}
