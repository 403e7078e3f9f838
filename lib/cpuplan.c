// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CPU plans through hwloc: the machine's topology, a vm-cpus that follows the rules of a good
 * split, and a judgement of a configured one by the same rules. Only vfio-earlyctl links this.
 */
#include "cpuplan.h"

#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/util.h"

/* ---- small set algebra on vfe_cpuset ---- */

static void set_and(struct vfe_cpuset *a, const struct vfe_cpuset *b)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(a->bits); i++)
		a->bits[i] &= b->bits[i];
}

static void set_or(struct vfe_cpuset *a, const struct vfe_cpuset *b)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(a->bits); i++)
		a->bits[i] |= b->bits[i];
}

static void set_andnot(struct vfe_cpuset *a, const struct vfe_cpuset *b)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(a->bits); i++)
		a->bits[i] &= ~b->bits[i];
}

static bool set_intersects(const struct vfe_cpuset *a, const struct vfe_cpuset *b)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(a->bits); i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

/* A is inside B */
static bool set_within(const struct vfe_cpuset *a, const struct vfe_cpuset *b)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(a->bits); i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

static bool set_empty(const struct vfe_cpuset *a)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(a->bits); i++)
		if (a->bits[i])
			return false;
	return true;
}

static int set_first(const struct vfe_cpuset *a)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(a->bits); i++)
		if (a->bits[i])
			return (int)(i * 64 + (size_t)__builtin_ctzll(a->bits[i]));
	return -1;
}

static const char *list(const struct vfe_cpuset *s, char *buf, size_t size)
{
	vfe_cpulist_format(s, buf, (unsigned int)size);
	return buf;
}

/* "96 MiB", "512 KiB" */
static const char *size_name(unsigned long long kb, char *buf, size_t size)
{
	if (kb >= 1024 * 1024 && kb % (1024 * 1024) == 0)
		snprintf(buf, size, "%llu GiB", kb / (1024 * 1024));
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(buf, size, "%llu MiB", kb / 1024);
	else
		snprintf(buf, size, "%llu KiB", kb);
	return buf;
}

/* ---- reading the machine ---- */

static void from_hwloc(hwloc_const_bitmap_t b, struct vfe_cpuset *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	if (!b)
		return;
	hwloc_bitmap_foreach_begin(i, b)
	{
		if (i >= 0 && i < VFE_MAX_CPUS)
			vfe_cpuset_set(s, (unsigned int)i);
	}
	hwloc_bitmap_foreach_end();
}

static int collect(hwloc_topology_t topo, hwloc_obj_type_t type, struct vfe_cpu_group **out,
		   unsigned int *n_out)
{
	int n = hwloc_get_nbobjs_by_type(topo, type), i;
	struct vfe_cpu_group *g;

	*out = NULL;
	*n_out = 0;
	if (n <= 0)
		return 0;
	g = calloc((size_t)n, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, (unsigned int)i);

		from_hwloc(o->cpuset, &g[i].cpus);
		g[i].os_index = o->os_index == HWLOC_UNKNOWN_INDEX ? -1 : (int)o->os_index;
		if (hwloc_obj_type_is_cache(type))
			g[i].size_kb = o->attr->cache.size / 1024;
		else if (type == HWLOC_OBJ_NUMANODE)
			g[i].size_kb = o->attr->numanode.local_memory / 1024;
	}
	*out = g;
	*n_out = (unsigned int)n;
	return 0;
}

/*
 * The hybrid PMUs' CPU lists (cpu_core, cpu_atom) as CoreType kinds: hwloc 2.9 has core types
 * only from CPUID, in its x86 backend, which vfe_machine_read leaves out (it would rebind this
 * process to every CPU); later hwloc reads these files itself.
 */
static void register_pmu_kinds(hwloc_topology_t topo, const char *root)
{
	static const char *const pmu[][2] = {{"cpu_core", "IntelCore"}, {"cpu_atom", "IntelAtom"}};
	char path[VFE_PATH_MAX], buf[4096];
	hwloc_bitmap_t set[2] = {NULL, NULL};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (vfe_pathf(path, sizeof(path), root, "/sys/devices/%s/cpus", pmu[i][0]) < 0 ||
		    vfe_read_file(path, buf, sizeof(buf)) <= 0)
			goto out;
		set[i] = hwloc_bitmap_alloc();
		if (!set[i] || hwloc_bitmap_list_sscanf(set[i], buf) < 0 ||
		    hwloc_bitmap_iszero(set[i]))
			goto out;
	}
	for (i = 0; i < 2; i++) {
		struct hwloc_info_s info = {(char *)"CoreType", (char *)pmu[i][1]};

		hwloc_bitmap_and(set[i], set[i], hwloc_topology_get_topology_cpuset(topo));
		if (!hwloc_bitmap_iszero(set[i]))
			hwloc_cpukinds_register(topo, set[i], -1, 1, &info, 0);
	}
out:
	for (i = 0; i < 2; i++)
		if (set[i])
			hwloc_bitmap_free(set[i]);
}

/*
 * Kinds are core types when a CoreType or a capacity tells them apart, or their base
 * frequencies differ (intel_pstate); kinds that differ only in maximum frequency are the
 * favoured cores of one type (Turbo Boost Max 3.0, AMD preferred cores), not P and E cores.
 */
static void read_kinds(hwloc_topology_t topo, struct vfe_machine *m)
{
	int n = hwloc_cpukinds_get_nr(topo, 0), i, best = -1, best_eff = -2;
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	const char *base_first = NULL;
	bool core_type = false, capacity = false, base_differs = false;

	if (!set || n < 2)
		goto out;
	for (i = 0; i < n; i++) {
		struct hwloc_info_s *infos;
		unsigned int nr = 0, j;
		const char *base = NULL;
		int eff = -1;

		if (hwloc_cpukinds_get_info(topo, (unsigned int)i, set, &eff, &nr, &infos, 0) < 0)
			continue;
		for (j = 0; j < nr; j++) {
			core_type |= !strcmp(infos[j].name, "CoreType");
			capacity |= !strcmp(infos[j].name, "LinuxCapacity");
			if (!strcmp(infos[j].name, "FrequencyBaseMHz"))
				base = infos[j].value;
		}
		if (base && base_first && strcmp(base, base_first))
			base_differs = true;
		if (base && !base_first)
			base_first = base;
		if (eff > best_eff) {
			best_eff = eff;
			best = i;
		}
	}
	m->hybrid = best >= 0 && (core_type || capacity || base_differs);
	if (!m->hybrid)
		goto out;
	snprintf(m->kinds_from, sizeof(m->kinds_from), "%s",
		 core_type  ? "CoreType"
		 : capacity ? "LinuxCapacity"
			    : "FrequencyBaseMHz");
	for (i = 0; i < n; i++) {
		struct vfe_cpuset s;
		int eff;
		unsigned int nr;
		struct hwloc_info_s *infos;

		if (hwloc_cpukinds_get_info(topo, (unsigned int)i, set, &eff, &nr, &infos, 0) < 0)
			continue;
		from_hwloc(set, &s);
		set_or(i == best ? &m->perf : &m->eff, &s);
	}
out:
	if (set)
		hwloc_bitmap_free(set);
}

/* Which node holds the VM's GPU: its numa_node, else the node its local_cpulist lies in. */
static void read_gpu(const char *root, const struct vfe_config *conf, struct vfe_machine *m)
{
	char path[VFE_PATH_MAX], buf[4096];
	struct vfe_cpuset local;
	unsigned int i;
	int node;

	m->gpu_node = -1;
	for (i = 0; conf && i < conf->n_binds && !m->gpu_slot[0]; i++) {
		if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/class",
			      conf->binds[i].slot) < 0 ||
		    vfe_read_file(path, buf, sizeof(buf)) <= 0 || strncmp(buf, "0x03", 4))
			continue;
		snprintf(m->gpu_slot, sizeof(m->gpu_slot), "%s", conf->binds[i].slot);
	}
	if (!m->gpu_slot[0])
		return;
	if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/numa_node", m->gpu_slot) ==
		0 &&
	    vfe_read_file(path, buf, sizeof(buf)) > 0 && (node = atoi(buf)) >= 0) {
		for (i = 0; i < m->n_nodes; i++)
			if (m->nodes[i].os_index == node)
				m->gpu_node = node;
		if (m->gpu_node >= 0)
			return;
	}
	if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/local_cpulist",
		      m->gpu_slot) < 0 ||
	    vfe_read_file(path, buf, sizeof(buf)) <= 0 || vfe_cpulist_parse(buf, &local))
		return;
	set_and(&local, &m->online);
	for (i = 0; i < m->n_nodes && !set_empty(&local); i++)
		if (set_within(&local, &m->nodes[i].cpus))
			m->gpu_node = m->nodes[i].os_index;
}

ssize_t vfe_cpuinfo_first(const char *root, char *buf, size_t size)
{
	char path[VFE_PATH_MAX];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	if (vfe_path(path, sizeof(path), root, "/proc/cpuinfo") < 0)
		return -ENAMETOOLONG;
	/* a FIFO or device where the file was expected: refused, never waited on (vfe_slurp) */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	buf[0] = 0;
	/* blocks end with an empty line */
	while (len + 1 < size && !strstr(buf, "\n\n")) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
	}
	close(fd);
	return len || !err ? (ssize_t)len : err;
}

/* vendor_id of /proc/cpuinfo: hwloc's Linux backend keeps only the model (CPUModel). */
static void read_vendor(const char *root, struct vfe_machine *m)
{
	char text[8192], *p, *end;

	if (vfe_cpuinfo_first(root, text, sizeof(text)) < 0)
		return;
	p = strstr(text, "vendor_id");
	if (p && (p = strchr(p, ':'))) {
		p += 1 + strspn(p + 1, " \t");
		end = p + strcspn(p, " \t\r\n");
		snprintf(m->vendor, sizeof(m->vendor), "%.*s", (int)(end - p), p);
	}
}

int vfe_machine_read(const char *root, const struct vfe_config *conf, struct vfe_machine *m)
{
	hwloc_topology_t topo;
	struct hwloc_distances_s *dist = NULL;
	unsigned int i, n_dist = 1;
	bool other_root;
	hwloc_obj_t pkg;
	int r = -EIO;

	memset(m, 0, sizeof(*m));
	m->gpu_node = -1;
	/*
	 * hwloc 2 takes another root from the environment only (lstopo --input DIR does the
	 * same): its Linux backend alone, reading ROOT's /sys and /proc.
	 */
	other_root = root && *root && strcmp(root, "/");
	if (other_root && (setenv("HWLOC_FSROOT", root, 1) < 0 ||
			   setenv("HWLOC_COMPONENTS", "linux,stop", 1) < 0))
		return -errno;
	r = hwloc_topology_init(&topo) < 0 ? -ENOMEM : 0;
	if (r < 0)
		goto env;
	/*
	 * Only what the plan reads: packages, cores, L2 and L3 (PUs and NUMA nodes are always
	 * kept), NUMA distances and CPU kinds. No I/O (the GPU's node comes from its sysfs
	 * numa_node), no memory attributes. Groups keep their default: a NUMA node that matches
	 * no package (one die of a Threadripper) hangs below a group, and without it hwloc gives
	 * the node its parent's CPUs. Never a change of binding: hwloc's x86 backend would move
	 * this process onto every CPU in turn for CPUID, the VM's isolated ones too (a guest
	 * running there pays), once per CPU; so the running machine is read as a captured tree
	 * is, by the Linux backend (CPU kinds from the PMU lists and cpufreq, see above).
	 */
	hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED |
					   HWLOC_TOPOLOGY_FLAG_NO_MEMATTRS |
					   HWLOC_TOPOLOGY_FLAG_DONT_CHANGE_BINDING);
	hwloc_topology_set_all_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
	hwloc_topology_set_type_filter(topo, HWLOC_OBJ_PACKAGE, HWLOC_TYPE_FILTER_KEEP_ALL);
	hwloc_topology_set_type_filter(topo, HWLOC_OBJ_CORE, HWLOC_TYPE_FILTER_KEEP_ALL);
	hwloc_topology_set_type_filter(topo, HWLOC_OBJ_L2CACHE, HWLOC_TYPE_FILTER_KEEP_ALL);
	hwloc_topology_set_type_filter(topo, HWLOC_OBJ_L3CACHE, HWLOC_TYPE_FILTER_KEEP_ALL);
	hwloc_topology_set_type_filter(topo, HWLOC_OBJ_GROUP, HWLOC_TYPE_FILTER_KEEP_STRUCTURE);
	if (hwloc_topology_load(topo) < 0) {
		r = -errno ? -errno : -EIO;
		goto out;
	}
	register_pmu_kinds(topo, root);
	from_hwloc(hwloc_topology_get_topology_cpuset(topo), &m->online);
	from_hwloc(hwloc_topology_get_complete_cpuset(topo), &m->offline);
	set_andnot(&m->offline, &m->online);
	if (set_empty(&m->online)) {
		r = -ENOENT;
		goto out;
	}
	if ((r = collect(topo, HWLOC_OBJ_CORE, &m->cores, &m->n_cores)) < 0 ||
	    (r = collect(topo, HWLOC_OBJ_L2CACHE, &m->l2, &m->n_l2)) < 0 ||
	    (r = collect(topo, HWLOC_OBJ_L3CACHE, &m->l3, &m->n_l3)) < 0 ||
	    (r = collect(topo, HWLOC_OBJ_NUMANODE, &m->nodes, &m->n_nodes)) < 0 ||
	    (r = collect(topo, HWLOC_OBJ_PACKAGE, &m->packages, &m->n_packages)) < 0)
		goto out;
	if (!m->n_cores) { /* no SMT information: every CPU is a core */
		r = collect(topo, HWLOC_OBJ_PU, &m->cores, &m->n_cores);
		if (r < 0)
			goto out;
	}
	for (i = 0; i < m->n_cores; i++) {
		unsigned int t = vfe_cpuset_count(&m->cores[i].cpus);

		if (t > m->threads_per_core)
			m->threads_per_core = t;
	}
	if (m->n_nodes > 1 &&
	    hwloc_distances_get_by_type(topo, HWLOC_OBJ_NUMANODE, &n_dist, &dist,
					HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) == 0 &&
	    n_dist && dist->nbobjs == m->n_nodes) {
		m->distances = calloc((size_t)m->n_nodes * m->n_nodes, sizeof(*m->distances));
		for (i = 0; m->distances && i < m->n_nodes * m->n_nodes; i++)
			m->distances[i] = (unsigned int)dist->values[i];
	}
	if (dist)
		hwloc_distances_release(topo, dist);
	read_kinds(topo, m);
	pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
	if (pkg) {
		const char *v = hwloc_obj_get_info_by_name(pkg, "CPUVendor");
		const char *model = hwloc_obj_get_info_by_name(pkg, "CPUModel");

		snprintf(m->vendor, sizeof(m->vendor), "%s", v ? v : "");
		snprintf(m->model, sizeof(m->model), "%s", model ? model : "");
	}
	if (!m->vendor[0])
		read_vendor(root, m);
	read_gpu(root, conf, m);
	r = 0;
out:
	hwloc_topology_destroy(topo);
env:
	if (other_root) {
		unsetenv("HWLOC_FSROOT");
		unsetenv("HWLOC_COMPONENTS");
	}
	if (r < 0)
		vfe_machine_free(m);
	return r;
}

void vfe_machine_free(struct vfe_machine *m)
{
	free(m->cores);
	free(m->l2);
	free(m->l3);
	free(m->nodes);
	free(m->packages);
	free(m->distances);
	m->cores = m->l2 = m->l3 = m->nodes = m->packages = NULL;
	m->distances = NULL;
	m->n_cores = m->n_l2 = m->n_l3 = m->n_nodes = m->n_packages = 0;
}

int vfe_group_of(const struct vfe_cpu_group *groups, unsigned int n, unsigned int cpu)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (vfe_cpuset_test(&groups[i].cpus, cpu))
			return (int)i;
	return -1;
}

bool vfe_machine_is_amd(const struct vfe_machine *m)
{
	return !strcmp(m->vendor, "AuthenticAMD") || !strcmp(m->vendor, "HygonGenuine");
}

/* ---- the plan ---- */

static void note(struct vfe_rule_note *notes, unsigned int *n, unsigned int max, const char *rule,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void note(struct vfe_rule_note *notes, unsigned int *n, unsigned int max, const char *rule,
		 const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	notes[*n].rule = rule;
	va_start(ap, fmt);
	vsnprintf(notes[*n].text, sizeof(notes[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
}

#define NOTE(p, rule, ...) note((p)->notes, &(p)->n_notes, VFE_PLAN_NOTES, rule, __VA_ARGS__)

/* The CPUs of every core wholly inside SET. */
static void whole_cores(const struct vfe_machine *m, const struct vfe_cpuset *set,
			struct vfe_cpuset *out, unsigned int *n_cores)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	*n_cores = 0;
	for (i = 0; i < m->n_cores; i++)
		if (set_within(&m->cores[i].cpus, set)) {
			set_or(out, &m->cores[i].cpus);
			(*n_cores)++;
		}
}

/* The core the host keeps: CPU 0's (or the first online CPU's when 0 is not online). */
static const struct vfe_cpu_group *host_core(const struct vfe_machine *m)
{
	int c = vfe_group_of(m->cores, m->n_cores, 0);

	if (c < 0)
		c = vfe_group_of(m->cores, m->n_cores, (unsigned int)set_first(&m->online));
	return c < 0 ? NULL : &m->cores[c];
}

/* L3 domains group cores here: some L3 holds more than one core. */
static bool l3_groups_cores(const struct vfe_machine *m)
{
	unsigned int i, j, n;

	for (i = 0; i < m->n_l3; i++) {
		for (j = 0, n = 0; j < m->n_cores; j++)
			n += set_within(&m->cores[j].cpus, &m->l3[i].cpus);
		if (n > 1)
			return true;
	}
	return false;
}

static unsigned int count_cores_in(const struct vfe_machine *m, const struct vfe_cpuset *set)
{
	struct vfe_cpuset tmp;
	unsigned int n;

	whole_cores(m, set, &tmp, &n);
	return n;
}

/* The NUMA node for the VM: the GPU's, else the one with the most CPUs and without CPU 0. */
static int pick_node(const struct vfe_machine *m, struct vfe_cpuplan *p)
{
	unsigned int i, with_cpus = 0, best_n = 0;
	int best = -1, gpu = -1;
	char buf[256];

	for (i = 0; i < m->n_nodes; i++) {
		unsigned int n = count_cores_in(m, &m->nodes[i].cpus);

		with_cpus += n > 0;
		if (m->nodes[i].os_index == m->gpu_node && n)
			gpu = (int)i;
		if (vfe_cpuset_test(&m->nodes[i].cpus, 0))
			n = n / 2; /* a node with CPU 0 only when it is much bigger */
		if (n > best_n) {
			best_n = n;
			best = (int)i;
		}
	}
	if (with_cpus < 2)
		return -1;
	if (gpu >= 0) {
		NOTE(p, "gpu-node",
		     "%u NUMA nodes: the VM's CPUs on node %d (CPUs %s), local to its GPU %s; "
		     "memory "
		     "and interrupts of the other node cost a hop",
		     with_cpus, m->nodes[gpu].os_index, list(&m->nodes[gpu].cpus, buf, sizeof(buf)),
		     m->gpu_slot);
		return gpu;
	}
	NOTE(p, "numa-node",
	     "%u NUMA nodes and %s: the VM's CPUs on node %d (CPUs %s), the one without CPU 0; "
	     "one node, never spanning two",
	     with_cpus, m->gpu_slot[0] ? "the GPU's node is not known" : "no GPU in the config",
	     m->nodes[best].os_index, list(&m->nodes[best].cpus, buf, sizeof(buf)));
	return best;
}

/* The L3 domain for the VM among those holding whole cores of REGION; -1 when none fits. */
static int pick_l3(const struct vfe_machine *m, const struct vfe_cpuset *region,
		   const struct vfe_cpuset *host, struct vfe_cpuplan *p)
{
	unsigned long long lo = ~0ULL, hi = 0;
	unsigned int i, touched = 0, best_n = 0;
	int best = -1;
	char a[256], b[64], c[64];

	for (i = 0; i < m->n_l3; i++) {
		struct vfe_cpuset s = m->l3[i].cpus;

		set_and(&s, region);
		if (!count_cores_in(m, &s))
			continue;
		touched++;
		if (m->l3[i].size_kb < lo)
			lo = m->l3[i].size_kb;
		if (m->l3[i].size_kb > hi)
			hi = m->l3[i].size_kb;
	}
	if (touched < 2)
		return -1;
	for (i = 0; i < m->n_l3; i++) {
		struct vfe_cpuset s = m->l3[i].cpus;
		unsigned int n;

		set_and(&s, region);
		set_andnot(&s, host);
		n = count_cores_in(m, &s);
		if (!n || (lo != hi && m->l3[i].size_kb != hi))
			continue;
		/* with equal sizes, a domain the host does not touch first */
		if (lo == hi && set_intersects(&m->l3[i].cpus, host))
			n = n / 2;
		if (n > best_n) {
			best_n = n;
			best = (int)i;
		}
	}
	if (best < 0)
		return -1;
	if (lo != hi)
		NOTE(p, "larger-l3",
		     "L3 domains differ (%s and %s): the VM gets the larger, %s (CPUs %s)%s; games "
		     "gain most from the bigger cache",
		     size_name(hi, b, sizeof(b)), size_name(lo, c, sizeof(c)),
		     size_name(hi, b, sizeof(b)), list(&m->l3[best].cpus, a, sizeof(a)),
		     vfe_machine_is_amd(m)
			 ? " (an X3D part's V-Cache CCD, or full cores beside compact ones)"
			 : "");
	else
		NOTE(p, "whole-l3",
		     "%u L3 domains of %s: the VM gets one whole (CPUs %s)%s; a VM spread over "
		     "several pays for every access across them",
		     touched, size_name(hi, b, sizeof(b)), list(&m->l3[best].cpus, a, sizeof(a)),
		     set_intersects(&m->l3[best].cpus, host) ? ", but for the host's core" : "");
	return best;
}

/* Every whole E-core cluster (an L2 of efficiency cores) in REGION but the first: the VM's. */
static void e_core_clusters(const struct vfe_machine *m, const struct vfe_cpuset *region,
			    struct vfe_cpuplan *p)
{
	struct vfe_cpuset eff = m->eff, given = {0};
	unsigned int i, n = 0;
	int kept = -1;
	char a[256], b[256];

	set_and(&eff, region);
	for (i = 0; i < m->n_l2; i++) {
		if (!set_within(&m->l2[i].cpus, &eff) || !count_cores_in(m, &m->l2[i].cpus))
			continue;
		if (kept < 0) {
			kept = (int)i;
			continue;
		}
		set_or(&given, &m->l2[i].cpus);
		n++;
	}
	if (!n) {
		NOTE(p, "e-core-clusters",
		     "--e-cores: %s: the efficiency cores stay with the host for its housekeeping",
		     kept < 0 ? "no E-core cluster lies wholly in the plan's node"
			      : "only one E-core cluster, which the host keeps");
		return;
	}
	set_or(&p->vm, &given);
	NOTE(p, "e-core-clusters",
	     "--e-cores: %u whole E-core cluster%s (CPUs %s) to the VM, each with its own L2; the "
	     "host keeps the cluster %s for its housekeeping, none is shared",
	     n, n == 1 ? "" : "s", list(&given, a, sizeof(a)),
	     list(&m->l2[kept].cpus, b, sizeof(b)));
}

void vfe_cpuplan_suggest(const struct vfe_machine *m, const struct vfe_cpuplan_opts *opts,
			 struct vfe_cpuplan *p)
{
	const struct vfe_cpu_group *host = host_core(m);
	struct vfe_cpuset region = m->online, cores;
	unsigned int n, i, n_region;
	char a[512], b[512];
	int node, l3;

	memset(p, 0, sizeof(*p));
	p->node = -1;
	if (!set_empty(&m->offline))
		NOTE(p, "offline-cpus",
		     "CPUs %s are offline: left out of the plan (bring them online and ask again)",
		     list(&m->offline, a, sizeof(a)));
	if (m->threads_per_core == 1)
		NOTE(p, "smt-off",
		     "no core runs a second thread (SMT off, or none): each whole core is one CPU");
	if (!host || m->n_cores < 2) {
		NOTE(p, "too-small",
		     "%u core%s: the host keeps CPU 0's core and nothing whole is left for the VM; "
		     "give the guest vCPUs without pinning",
		     m->n_cores, m->n_cores == 1 ? "" : "s");
		return;
	}
	node = pick_node(m, p);
	if (node >= 0) {
		set_and(&region, &m->nodes[node].cpus);
		p->node = m->nodes[node].os_index;
	}
	if (m->hybrid && count_cores_in(m, &m->perf) > 1) {
		struct vfe_cpuset perf = region;

		set_and(&perf, &m->perf);
		set_andnot(&perf, &host->cpus);
		if (count_cores_in(m, &perf)) {
			NOTE(p, "performance-cores",
			     "hybrid CPU (kinds told apart by %s): the VM gets performance cores "
			     "(%s); "
			     "the efficiency cores (%s) stay with the host for its housekeeping",
			     m->kinds_from, list(&m->perf, a, sizeof(a)),
			     list(&m->eff, b, sizeof(b)));
			if (opts && opts->e_cores)
				e_core_clusters(m, &region, p);
			set_and(&region, &m->perf);
		}
	}
	NOTE(p, "host-cpu0",
	     "CPU 0's core (%s) stays with the host: the boot CPU, its timers and housekeeping; "
	     "the host keeps at least that whole core",
	     list(&host->cpus, a, sizeof(a)));
	set_andnot(&region, &host->cpus);
	l3 = l3_groups_cores(m) ? pick_l3(m, &region, &host->cpus, p) : -1;
	if (m->n_l3 > 1 && !l3_groups_cores(m))
		NOTE(p, "l3-per-core",
		     "every L3 serves a single core: L3 domains group nothing here, so the cores "
		     "are split as under one shared cache");
	if (l3 >= 0) {
		set_and(&region, &m->l3[l3].cpus);
		whole_cores(m, &region, &cores, &n);
	} else if (m->hybrid && set_within(&region, &m->perf)) {
		whole_cores(m, &region, &cores, &n); /* every P-core but CPU 0's */
	} else if (node >= 0 && !set_intersects(&m->nodes[node].cpus, &host->cpus)) {
		whole_cores(m, &region, &cores, &n); /* the host lives on another node */
		if (n)
			NOTE(p, "whole-node",
			     "node %d holds no core of the host: the VM gets all %u of its cores",
			     p->node, n);
	} else {
		/* one L3 (or none known) for the region: the upper half of its cores */
		struct vfe_cpuset all = m->online;
		int shared;

		if (node >= 0)
			set_and(&all, &m->nodes[node].cpus);
		n_region = count_cores_in(m, &all);
		shared = l3_groups_cores(m)
			     ? vfe_group_of(m->l3, m->n_l3, (unsigned int)set_first(&all))
			     : -1;
		memset(&cores, 0, sizeof(cores));
		n = 0;
		for (i = m->n_cores; i-- > 0 && n < n_region / 2;) {
			if (!set_within(&m->cores[i].cpus, &region))
				continue;
			set_or(&cores, &m->cores[i].cpus);
			n++;
		}
		if (n && shared >= 0)
			NOTE(
			    p, "one-l3",
			    "one L3 of %s serves all %u cores here: the VM gets the upper half, %u "
			    "whole core%s, and the host the rest",
			    size_name(m->l3[shared].size_kb, b, sizeof(b)), n_region, n,
			    n == 1 ? "" : "s");
		else if (n)
			NOTE(p, "one-l3",
			     "no L3 groups the cores here: the VM gets the upper half of the %u "
			     "cores, "
			     "%u whole core%s, and the host the rest",
			     n_region, n, n == 1 ? "" : "s");
	}
	if (!n) {
		NOTE(p, "too-small",
		     "no whole core is left for the VM once the host has CPU 0's core");
		return;
	}
	set_or(&p->vm, &cores);
	p->ok = true;
	if (m->threads_per_core > 1)
		NOTE(p, "whole-cores",
		     "%u whole cores with all their threads (%u per core): no core is shared with "
		     "the host, and the guest's vCPU pairs are real SMT siblings",
		     n, m->threads_per_core);
	else
		NOTE(p, "whole-cores", "%u whole cores", n);
	if (node >= 0) {
		unsigned long long gib = m->nodes[node].size_kb / (1024 * 1024) / 2;

		snprintf(p->hugepages, sizeof(p->hugepages), "hugepages 1G %llu@%d", gib ? gib : 1,
			 p->node);
		NOTE(p, "hugepages-node",
		     "the guest's memory from node %d too: '%s' (half of its %s); libvirt-xml adds "
		     "<numatune> for it",
		     p->node, p->hugepages, size_name(m->nodes[node].size_kb, a, sizeof(a)));
	}
}

/* ---- judging a configured vm-cpus ---- */

unsigned int vfe_cpuplan_judge(const struct vfe_machine *m, const struct vfe_cpuset *vm,
			       struct vfe_rule_note *notes, unsigned int max)
{
	const struct vfe_cpu_group *host = host_core(m);
	struct vfe_cpuset s, free_perf;
	unsigned int i, n = 0, split = 0, touched = 0, e_split = 0;
	unsigned long long vm_l3_max = 0, l3_max = 0;
	int first_split = -1, gpu_idx = -1;
	char a[512], b[512];

	s = *vm;
	set_and(&s, &m->offline);
	if (!set_empty(&s))
		note(notes, &n, max, "offline-cpus",
		     "vm-cpus names offline CPUs %s: the VM's threads cannot run there",
		     list(&s, a, sizeof(a)));
	if (host && set_intersects(vm, &host->cpus))
		note(notes, &n, max, "host-cpu0",
		     "vm-cpus takes CPU 0's core (%s): the host's boot CPU and housekeeping run "
		     "there",
		     list(&host->cpus, a, sizeof(a)));
	for (i = 0; i < m->n_cores; i++)
		if (set_intersects(vm, &m->cores[i].cpus) && !set_within(&m->cores[i].cpus, vm)) {
			split++;
			if (first_split < 0)
				first_split = (int)i;
		}
	if (split)
		note(notes, &n, max, "split-core",
		     "shares %u core%s with the host (e.g. %s): one SMT thread each side of the "
		     "same "
		     "core, so host work stalls the guest",
		     split, split == 1 ? "" : "s", list(&m->cores[first_split].cpus, a, sizeof(a)));
	if (m->hybrid && set_intersects(vm, &m->eff)) {
		free_perf = m->perf;
		set_and(&free_perf, &m->online);
		set_andnot(&free_perf, vm);
		if (host)
			set_andnot(&free_perf, &host->cpus);
		s = *vm;
		set_and(&s, &m->eff);
		if (count_cores_in(m, &free_perf))
			note(
			    notes, &n, max, "e-cores",
			    "vm-cpus takes efficiency cores %s while performance cores %s are free",
			    list(&s, a, sizeof(a)), list(&free_perf, b, sizeof(b)));
		for (i = 0; i < m->n_l2; i++)
			if (set_within(&m->l2[i].cpus, &m->eff) &&
			    set_intersects(&m->l2[i].cpus, vm) && !set_within(&m->l2[i].cpus, vm))
				e_split++;
		if (e_split)
			note(notes, &n, max, "e-cluster-split",
			     "splits %u E-core cluster%s (a shared L2) between the host and the VM",
			     e_split, e_split == 1 ? "" : "s");
	}
	if (l3_groups_cores(m)) {
		for (i = 0; i < m->n_l3; i++) {
			if (m->l3[i].size_kb > l3_max)
				l3_max = m->l3[i].size_kb;
			if (!set_intersects(&m->l3[i].cpus, vm))
				continue;
			touched++;
			if (m->l3[i].size_kb > vm_l3_max)
				vm_l3_max = m->l3[i].size_kb;
		}
		if (touched > 1)
			note(notes, &n, max, "spans-l3",
			     "spans %u L3 domains: the guest's threads miss each other's cache",
			     touched);
		if (touched && vm_l3_max < l3_max)
			note(
			    notes, &n, max, "smaller-l3",
			    "runs on a %s L3 while a %s L3 (the X3D V-Cache CCD) holds other cores",
			    size_name(vm_l3_max, a, sizeof(a)), size_name(l3_max, b, sizeof(b)));
	}
	for (i = 0, touched = 0; i < m->n_nodes; i++) {
		if (!set_intersects(&m->nodes[i].cpus, vm))
			continue;
		touched++;
		if (m->nodes[i].os_index == m->gpu_node)
			gpu_idx = (int)i;
	}
	if (touched > 1)
		note(notes, &n, max, "spans-numa",
		     "spans %u NUMA nodes: memory and caches of the other node are a hop away",
		     touched);
	if (m->gpu_node >= 0 && touched && (touched > 1 || gpu_idx < 0))
		note(notes, &n, max, "gpu-node", "the GPU %s is on node %d; vm-cpus %s",
		     m->gpu_slot, m->gpu_node,
		     gpu_idx < 0 ? "has no CPU there" : "is not all there");
	return n;
}
