// SPDX-License-Identifier: GPL-2.0-or-later
/* CPU topology from sysfs: packages, SMT siblings, L3 groups (a CCX on Ryzen). */
#include "cputopo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "affinity.h"
#include "util.h"

static int lowest(const struct vfe_cpuset *set)
{
	unsigned int cpu;

	for (cpu = 0; cpu < VFE_MAX_CPUS; cpu++)
		if (vfe_cpuset_test(set, cpu))
			return (int)cpu;
	return -1;
}

/* The lowest CPU of the cpulist in ROOT/sys/devices/system/cpu/cpuN/REL, -1 when absent. */
static int list_key(const char *root, unsigned int cpu, const char *rel)
{
	char path[VFE_PATH_MAX], buf[4096];
	struct vfe_cpuset set;

	if (vfe_pathf(path, sizeof(path), root, "/sys/devices/system/cpu/cpu%u/%s", cpu, rel) < 0 ||
	    vfe_read_file(path, buf, sizeof(buf)) < 0 || vfe_cpulist_parse(buf, &set))
		return -1;
	return lowest(&set);
}

/* The cache/indexK holding the L3 of CPU (index3 on x86, but the level file says). */
static int l3_key(const char *root, unsigned int cpu)
{
	char path[VFE_PATH_MAX], buf[16], rel[64];
	int k;

	for (k = 0; k < 8; k++) {
		if (vfe_pathf(path, sizeof(path), root,
			      "/sys/devices/system/cpu/cpu%u/cache/index%d/level", cpu, k) < 0 ||
		    vfe_read_file(path, buf, sizeof(buf)) < 0 || strcmp(buf, "3"))
			continue;
		snprintf(rel, sizeof(rel), "cache/index%d/shared_cpu_list", k);
		return list_key(root, cpu, rel);
	}
	return -1;
}

static void read_vendor(const char *root, struct vfe_cputopo *t)
{
	char path[VFE_PATH_MAX], *text = NULL, *p, *end;
	size_t len;

	t->vendor[0] = '\0';
	if (vfe_path(path, sizeof(path), root, "/proc/cpuinfo") < 0 ||
	    vfe_slurp(path, 1 << 22, &text, &len) < 0)
		return;
	p = strstr(text, "vendor_id");
	if (p && (p = strchr(p, ':'))) {
		p += 1 + strspn(p + 1, " \t");
		end = p + strcspn(p, " \t\r\n");
		snprintf(t->vendor, sizeof(t->vendor), "%.*s", (int)(end - p), p);
	}
	free(text);
}

int vfe_cputopo_read(const char *root, struct vfe_cputopo *t)
{
	unsigned int cpu, other;
	int r;

	memset(t, 0, sizeof(*t));
	r = vfe_present_cpus(root, &t->present);
	if (r < 0)
		return r;
	t->nbits = vfe_cpuset_nbits(&t->present);
	t->place = calloc(t->nbits ? t->nbits : 1, sizeof(*t->place));
	if (!t->place)
		return -ENOMEM;
	for (cpu = 0; cpu < t->nbits; cpu++) {
		struct vfe_cpu_place *p = &t->place[cpu];
		char path[VFE_PATH_MAX], buf[32];

		p->package = p->core = p->l3 = -1;
		if (!vfe_cpuset_test(&t->present, cpu))
			continue;
		if (vfe_pathf(path, sizeof(path), root,
			      "/sys/devices/system/cpu/cpu%u/topology/physical_package_id",
			      cpu) == 0 &&
		    vfe_read_file(path, buf, sizeof(buf)) > 0)
			p->package = atoi(buf);
		p->core = list_key(root, cpu, "topology/core_cpus_list");
		if (p->core < 0)
			p->core = list_key(root, cpu, "topology/thread_siblings_list");
		if (p->core < 0)
			p->core = (int)cpu; /* no topology: every CPU its own core */
		p->l3 = l3_key(root, cpu);
		t->have_l3 |= p->l3 >= 0;
	}
	/* Without an L3 list, a package is the sharing group; the package is named by a CPU. */
	for (cpu = 0; cpu < t->nbits; cpu++) {
		struct vfe_cpu_place *p = &t->place[cpu];

		if (!vfe_cpuset_test(&t->present, cpu) || p->l3 >= 0)
			continue;
		for (other = 0; other < t->nbits; other++)
			if (vfe_cpuset_test(&t->present, other) &&
			    t->place[other].package == p->package)
				break;
		p->l3 = (int)other;
	}
	for (cpu = 0; cpu < t->nbits; cpu++) {
		struct vfe_cpuset core;
		unsigned int n;

		if (!vfe_cpuset_test(&t->present, cpu))
			continue;
		vfe_cputopo_group(t, VFE_TOPO_CORE, cpu, &core);
		n = vfe_cpuset_count(&core);
		if (n > t->threads_per_core)
			t->threads_per_core = n;
	}
	read_vendor(root, t);
	return 0;
}

void vfe_cputopo_free(struct vfe_cputopo *t)
{
	free(t->place);
	t->place = NULL;
}

int vfe_cputopo_key(const struct vfe_cputopo *t, enum vfe_topo_level level, unsigned int cpu)
{
	if (cpu >= t->nbits || !vfe_cpuset_test(&t->present, cpu))
		return -1;
	switch (level) {
	case VFE_TOPO_PACKAGE:
		return t->place[cpu].package;
	case VFE_TOPO_CORE:
		return t->place[cpu].core;
	default:
		return t->place[cpu].l3;
	}
}

void vfe_cputopo_group(const struct vfe_cputopo *t, enum vfe_topo_level level, unsigned int cpu,
		       struct vfe_cpuset *out)
{
	int key = vfe_cputopo_key(t, level, cpu);
	unsigned int other;

	memset(out, 0, sizeof(*out));
	if (key < 0)
		return;
	for (other = 0; other < t->nbits; other++)
		if (vfe_cputopo_key(t, level, other) == key)
			vfe_cpuset_set(out, other);
}

bool vfe_cputopo_is_amd(const struct vfe_cputopo *t)
{
	return !strcmp(t->vendor, "AuthenticAMD") || !strcmp(t->vendor, "HygonGenuine");
}

/* Every core of GROUP lies wholly inside it. */
static bool whole_cores(const struct vfe_cputopo *t, const struct vfe_cpuset *group)
{
	struct vfe_cpuset core;
	unsigned int cpu, other;

	for (cpu = 0; cpu < t->nbits; cpu++) {
		if (!vfe_cpuset_test(group, cpu))
			continue;
		vfe_cputopo_group(t, VFE_TOPO_CORE, cpu, &core);
		for (other = 0; other < t->nbits; other++)
			if (vfe_cpuset_test(&core, other) && !vfe_cpuset_test(group, other))
				return false;
	}
	return true;
}

static void add_set(struct vfe_cpuset *to, const struct vfe_cpuset *from)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(to->bits); i++)
		to->bits[i] |= from->bits[i];
}

/* Fallback for one shared L3: the upper half of the cores, each with all its threads. */
static int suggest_cores(const struct vfe_cputopo *t, struct vfe_cpuset *vm, char *why, size_t size)
{
	unsigned int cpu, n_cores = 0, want, taken = 0;
	struct vfe_cpuset core;

	for (cpu = 0; cpu < t->nbits; cpu++)
		if (vfe_cputopo_key(t, VFE_TOPO_CORE, cpu) == (int)cpu)
			n_cores++;
	want = n_cores / 2;
	if (!want)
		return -ENOENT;
	for (cpu = t->nbits; cpu-- > 0 && taken < want;) {
		int key = vfe_cputopo_key(t, VFE_TOPO_CORE, cpu);

		if (key != (int)cpu || key == vfe_cputopo_key(t, VFE_TOPO_CORE, 0))
			continue;
		vfe_cputopo_group(t, VFE_TOPO_CORE, cpu, &core);
		add_set(vm, &core);
		taken++;
	}
	snprintf(why, size, "one L3 serves every CPU: %u of %u cores, with all their threads",
		 taken, n_cores);
	return taken ? 0 : -ENOENT;
}

static bool package_seen_before(const struct vfe_cputopo *t, unsigned int cpu)
{
	unsigned int other;

	for (other = 0; other < cpu; other++)
		if (vfe_cpuset_test(&t->present, other) &&
		    t->place[other].package == t->place[cpu].package)
			return true;
	return false;
}

int vfe_cputopo_suggest(const struct vfe_cputopo *t, struct vfe_cpuset *vm, char *why, size_t size)
{
	struct vfe_cpuset group;
	unsigned int cpu, first, best_count = 0, n_groups = 0, used = 0;
	int host_l3 = vfe_cputopo_key(t, VFE_TOPO_L3, 0), best_package = -1, package;

	memset(vm, 0, sizeof(*vm));
	/* The package with the most CPUs in whole L3 groups away from CPU 0. */
	for (first = 0; first < t->nbits; first++) {
		unsigned int count = 0;

		package = t->place[first].package;
		if (!vfe_cpuset_test(&t->present, first) || package_seen_before(t, first))
			continue;
		for (cpu = 0; cpu < t->nbits; cpu++) {
			int key = vfe_cputopo_key(t, VFE_TOPO_L3, cpu);

			if (key != (int)cpu || key == host_l3 || t->place[cpu].package != package)
				continue;
			vfe_cputopo_group(t, VFE_TOPO_L3, cpu, &group);
			if (whole_cores(t, &group))
				count += vfe_cpuset_count(&group);
		}
		if (count > best_count) {
			best_count = count;
			best_package = package;
		}
	}
	if (!best_count)
		return suggest_cores(t, vm, why, size);
	for (cpu = 0; cpu < t->nbits; cpu++) {
		int key = vfe_cputopo_key(t, VFE_TOPO_L3, cpu);

		if (key >= 0 && key == (int)cpu && key != host_l3)
			n_groups++;
		if (key != (int)cpu || key == host_l3 || t->place[cpu].package != best_package)
			continue;
		vfe_cputopo_group(t, VFE_TOPO_L3, cpu, &group);
		if (whole_cores(t, &group)) {
			add_set(vm, &group);
			used++;
		}
	}
	if (used < n_groups)
		snprintf(why, size,
			 "%u of the %u L3 groups without CPU 0, all in one package; "
			 "whole cores with all their threads",
			 used, n_groups);
	else
		snprintf(why, size,
			 "the L3 group%s without CPU 0; whole cores with all their threads",
			 used == 1 ? "" : "s");
	return 0;
}
