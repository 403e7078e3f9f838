// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkroot - build a fake root shaped like a real kernel's sysfs from a fixture spec.
 * Usage: mkroot SPEC OUTDIR
 *
 * Spec lines (# starts a comment):
 *   cmdline <text>        /proc/cmdline
 *   driver <name>         a registered PCI driver with bind/unbind/new_id/remove_id
 *   dev <path> <vendor>:<device> <class> <group|-> <driver|-> [boot_vga=0|1] [subsys=V:D]
 *       [rev=XX] [reset]
 *   usb <slot> <dir> <vid>:<pid> <busnum> <devnum> [<product>...]
 *                         a USB device below a controller: ROOT/sys/bus/pci/devices/<slot>/<dir>
 *   file <path> <text>    any other file, "\n" in the text for a line break
 *   cpu <N> package=<id> core=<id> threads=<list> [die=<list>] [cluster=<id>:<list>]
 *       [l1d=<size>:<list>] [l1i=<size>:<list>] [l2=<size>:<list>] [l3=<size>:<list>]
 *       [max_freq=<kHz>] [base_freq=<kHz>]
 *                         one online CPU: topology/ (ids, and every mask as the kernel's hex
 *                         map and as a list; package_cpus from the CPUs of the same package),
 *                         cache/indexK/ (level, type, size, shared_cpu_map/_list, id), cpufreq/
 *   cpu <N> offline       an offline CPU: cpuN/online 0 and no topology or cache, as Linux has it
 *   cpuinfo <vendor> <family> <model> <model name...>
 *                         /proc/cpuinfo with one block per online CPU (svm or vmx in its flags)
 *   node <N> cpus=<list> distance=<d,d,...> [mem_kb=<n>]
 *                         a NUMA node: cpulist, cpumap, distance, meminfo; node/online, possible
 * After the last line: cpu/possible, present and online from the cpu lines (unless a file line
 * wrote them), the masks sized for the highest CPU, as nr_cpu_ids sizes them.
 * <list> is a kernel cpulist (0-3,8-11); a size is a number with K or M (32K, 96M).
 * <path> of a dev is the device directory under /sys/devices; its last part is the slot.
 * dev options numa_node=<n> and local_cpus=<list> write numa_node, local_cpus, local_cpulist.
 * Links are relative (as ln -r makes them) so a copy of the tree (cp -a) stays self-contained.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_LEN  4096
#define MAX_WORDS 64

static const char *spec_name;
static int out_fd = -1;
static char out_real[4096];

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mkroot: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void fmt_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_LEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_LEN)
		die("%s: path too long", spec_name);
}

/* mkdir -p, relative to dirfd; path is modified temporarily but restored */
static void mkdir_p(int dirfd, char *path)
{
	char *slash;

	if (!mkdirat(dirfd, path, 0777) || errno == EEXIST)
		return;
	if (errno != ENOENT)
		die("mkdir %s: %s", path, strerror(errno));
	slash = strrchr(path, '/');
	if (!slash || slash == path)
		die("mkdir %s: %s", path, strerror(ENOENT));
	*slash = '\0';
	mkdir_p(dirfd, path);
	*slash = '/';
	if (mkdirat(dirfd, path, 0777) && errno != EEXIST)
		die("mkdir %s: %s", path, strerror(errno));
}

static void mkdirs(const char *fmt, ...)
{
	char path[PATH_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_LEN)
		die("%s: path too long", spec_name);
	mkdir_p(out_fd, path);
}

static void put_file(int dirfd, const char *name, const void *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		die("%s: %s", name, strerror(errno));
	if (len && write(fd, data, len) != (ssize_t)len)
		die("write %s: %s", name, strerror(errno));
	close(fd);
}

/* a text file holding one line, as `echo "$fmt..." >file` writes it */
static void put_line(int dirfd, const char *name, const char *fmt, ...)
{
	char buf[PATH_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(buf) - 1)
		die("%s: %s: value too long", spec_name, name);
	buf[n++] = '\n';
	put_file(dirfd, name, buf, n);
}

/* what ln -sr writes: target as seen from the directory holding link (both under the root) */
static void rel_symlink(const char *target, const char *link)
{
	const char *slash = strrchr(link, '/');
	size_t dir_len = slash ? (size_t)(slash - link) : 0;
	size_t common = 0, up = 0, i, n = 0;
	const char *rest;
	char buf[PATH_LEN];

	/* the longest run of whole components shared by target and the link's directory */
	for (i = 0;; i++) {
		char a = i < dir_len ? link[i] : '\0', b = target[i];

		if ((a == '/' || !a) && (b == '/' || !b))
			common = i;
		if (a != b || !a)
			break;
	}
	for (i = common; i < dir_len; i++)
		up += link[i] == '/';
	if (!common && dir_len)
		up++;
	rest = target + common + (target[common] == '/');
	if (up * 3 + strlen(rest) >= sizeof(buf))
		die("%s: path too long", spec_name);
	for (i = 0; i < up; i++, n += 3)
		memcpy(buf + n, "../", 3);
	memcpy(buf + n, rest, strlen(rest));
	n += strlen(rest);
	if (n && buf[n - 1] == '/')
		n--;
	if (!n)
		buf[n++] = '.';
	buf[n] = '\0';
	if (symlinkat(buf, out_fd, link))
		die("ln %s: %s", link, strerror(errno));
}

static void add_driver(const char *name)
{
	static const char *const files[] = {"bind", "unbind", "new_id", "remove_id"};
	char path[PATH_LEN];
	struct stat st;
	unsigned int i;
	int fd;

	fmt_path(path, "sys/bus/pci/drivers/%s", name);
	if (!fstatat(out_fd, path, &st, 0) && S_ISDIR(st.st_mode))
		return;
	mkdir_p(out_fd, path);
	fd = openat(out_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put_file(fd, files[i], NULL, 0);
	close(fd);
}

/* ${s#??}: s without its first n characters, unless it is shorter */
static const char *drop_head(const char *s, size_t n)
{
	return strlen(s) >= n ? s + n : s;
}

/* ${s%??}: s without its last n characters, unless it is shorter; copied into buf */
static const char *drop_tail(char *buf, size_t size, const char *s, size_t n)
{
	size_t len = strlen(s);

	if (len >= n)
		len -= n;
	if (len >= size)
		die("%s: value too long: %s", spec_name, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

/* one config-space byte from a hex string, as printf "\\$(printf %03o 0x$s)" makes it */
static unsigned char hex_byte(const char *s, const char *what, const char *whole)
{
	unsigned int v = 0;
	const char *p;
	int c;

	for (p = s; *p && v <= 0xff; p++) {
		c = (unsigned char)*p;
		if (!isxdigit(c))
			break;
		v = v * 16 + (unsigned int)(isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	if (!*s || *p || v > 0xff)
		die("%s: bad %s: %s", spec_name, what, whole);
	return (unsigned char)v;
}

/* cut -c FROM-TO | tr a-f A-F */
static void cut_upper(char *buf, const char *s, size_t from, size_t to)
{
	size_t len = strlen(s), i, n = 0;

	for (i = from - 1; i < to && i < len; i++)
		buf[n++] = (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 'A' : s[i];
	buf[n] = '\0';
}

static void upper_af(char *buf, size_t size, const char *s)
{
	size_t len = strlen(s);

	if (len >= size)
		die("%s: value too long: %s", spec_name, s);
	cut_upper(buf, s, 1, len);
}

/* ${s%%:*} and ${s#*:} */
static void split_pair(char *a, char *b, size_t size, const char *s)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	const char *rest = colon ? colon + 1 : s;

	if (len >= size || strlen(rest) >= size)
		die("%s: value too long: %s", spec_name, s);
	memcpy(a, s, len);
	a[len] = '\0';
	strcpy(b, rest);
}

/* 64 bytes of config space: ids, class, header type (1 for bridges) */
static void write_config(int dirfd, const char *v, const char *d, const char *c, const char *r)
{
	unsigned char cfg[64] = {0};
	char t1[PATH_LEN], t2[PATH_LEN];

	cfg[0] = hex_byte(drop_head(v, 2), "vendor", v);
	cfg[1] = hex_byte(drop_tail(t1, sizeof(t1), v, 2), "vendor", v);
	cfg[2] = hex_byte(drop_head(d, 2), "device", d);
	cfg[3] = hex_byte(drop_tail(t1, sizeof(t1), d, 2), "device", d);
	cfg[6] = 0x10;
	cfg[8] = hex_byte(r, "rev", r);
	cfg[9] = hex_byte(drop_head(c, 4), "class", c);
	cfg[10] = hex_byte(drop_head(drop_tail(t1, sizeof(t1), c, 2), 2), "class", c);
	cfg[11] = hex_byte(drop_tail(t2, sizeof(t2), c, 4), "class", c);
	cfg[14] = strcmp(drop_tail(t1, sizeof(t1), c, 2), "0604") ? 0x00 : 0x01;
	put_file(dirfd, "config", cfg, sizeof(cfg));
}

/* ---- CPUs and NUMA nodes ---- */
#define MAX_CPUS  1024
#define MAX_NODES 64
typedef unsigned char cpubits[MAX_CPUS];

struct cpu_spec {
	int present, offline, package, core_id, cluster_id, max_freq, base_freq;
	cpubits threads, die, cluster, cache[4];
	unsigned int cache_kb[4]; /* 0 l1d, 1 l1i, 2 l2, 3 l3 */
};
static struct cpu_spec *cpus;
static struct {
	int present;
	cpubits cpus;
	char distance[256];
	unsigned long long mem_kb;
} nodes[MAX_NODES];
static char cpuinfo_line[512];
static int any_cpu, any_node;

static void parse_list(const char *s, unsigned char *set, const char *what)
{
	const char *p = s;
	char *end;

	memset(set, 0, MAX_CPUS);
	while (*p) {
		long a = strtol(p, &end, 10), b = a;

		if (end == p || a < 0 || a >= MAX_CPUS)
			die("%s: bad %s list: %s", spec_name, what, s);
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a || b >= MAX_CPUS)
				die("%s: bad %s list: %s", spec_name, what, s);
			p = end;
		}
		for (; a <= b; a++)
			set[a] = 1;
		if (*p == ',')
			p++;
		else if (*p)
			die("%s: bad %s list: %s", spec_name, what, s);
	}
}

/* The kernel's "%*pbl" */
static void fmt_list(const unsigned char *set, char *buf, size_t size)
{
	size_t n = 0;
	int i, j;

	buf[0] = '\0';
	for (i = 0; i < MAX_CPUS; i++) {
		if (!set[i])
			continue;
		for (j = i; j + 1 < MAX_CPUS && set[j + 1]; j++)
			;
		n += snprintf(buf + n, size - n, n ? ",%d" : "%d", i);
		if (j > i)
			n += snprintf(buf + n, size - n, "-%d", j);
		if (n >= size)
			die("%s: list too long", spec_name);
		i = j;
	}
}

/* The kernel's "%*pb" for NBITS bits: 32-bit groups, most significant first */
static void fmt_mask(const unsigned char *set, int nbits, char *buf)
{
	int chunks = (nbits + 31) / 32, c, n = 0, first_digits = ((nbits - 1) % 32) / 4 + 1;

	for (c = chunks - 1; c >= 0; c--) {
		unsigned int v = 0;
		int b;

		for (b = 0; b < 32; b++)
			if (c * 32 + b < MAX_CPUS && set[c * 32 + b])
				v |= 1u << b;
		n += sprintf(buf + n, "%s%0*x", c == chunks - 1 ? "" : ",",
			     c == chunks - 1 ? first_digits : 8, v);
	}
}

static unsigned int parse_size_kb(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || (*end != 'K' && *end != 'M'))
		die("%s: bad cache size %s (32K, 96M)", spec_name, s);
	return (unsigned int)(*end == 'M' ? v * 1024 : v);
}

static void add_cpu(int argc, char **argv)
{
	static const char *const caches[] = {"l1d=", "l1i=", "l2=", "l3="};
	struct cpu_spec *c;
	long n;
	int i, k;

	if (argc < 2)
		die("%s: cpu: needs <N> and its place, or offline", spec_name);
	n = strtol(argv[0], NULL, 10);
	if (n < 0 || n >= MAX_CPUS)
		die("%s: cpu %s: out of range", spec_name, argv[0]);
	if (!cpus && !(cpus = calloc(MAX_CPUS, sizeof(*cpus))))
		die("out of memory");
	any_cpu = 1;
	c = &cpus[n];
	c->present = 1;
	c->package = c->core_id = c->cluster_id = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "offline"))
			c->offline = 1;
		else if (!strncmp(a, "package=", 8))
			c->package = atoi(a + 8);
		else if (!strncmp(a, "core=", 5))
			c->core_id = atoi(a + 5);
		else if (!strncmp(a, "threads=", 8))
			parse_list(a + 8, c->threads, "threads");
		else if (!strncmp(a, "die=", 4))
			parse_list(a + 4, c->die, "die");
		else if (!strncmp(a, "cluster=", 8) && strchr(a, ':')) {
			c->cluster_id = atoi(a + 8);
			parse_list(strchr(a, ':') + 1, c->cluster, "cluster");
		} else if (!strncmp(a, "max_freq=", 9))
			c->max_freq = atoi(a + 9);
		else if (!strncmp(a, "base_freq=", 10))
			c->base_freq = atoi(a + 10);
		else {
			for (k = 0; k < 4; k++)
				if (!strncmp(a, caches[k], strlen(caches[k])) && strchr(a, ':'))
					break;
			if (k == 4)
				die("%s: cpu: unknown option %s", spec_name, a);
			c->cache_kb[k] = parse_size_kb(a + strlen(caches[k]));
			parse_list(strchr(a, ':') + 1, c->cache[k], caches[k]);
		}
	}
	if (!c->offline && (c->package < 0 || c->core_id < 0 || !c->threads[n]))
		die("%s: cpu %ld: needs package=, core= and threads= holding itself", spec_name, n);
}

static void add_node(int argc, char **argv)
{
	long n;
	int i;

	if (argc < 2)
		die("%s: node: needs <N> cpus=<list>", spec_name);
	n = strtol(argv[0], NULL, 10);
	if (n < 0 || n >= MAX_NODES)
		die("%s: node %s: out of range", spec_name, argv[0]);
	any_node = 1;
	nodes[n].present = 1;
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "cpus=", 5))
			parse_list(argv[i] + 5, nodes[n].cpus, "node cpus");
		else if (!strncmp(argv[i], "distance=", 9))
			snprintf(nodes[n].distance, sizeof(nodes[n].distance), "%s", argv[i] + 9);
		else if (!strncmp(argv[i], "mem_kb=", 7))
			nodes[n].mem_kb = strtoull(argv[i] + 7, NULL, 10);
		else
			die("%s: node: unknown option %s", spec_name, argv[i]);
	}
}

static int file_exists(const char *path)
{
	struct stat st;

	return !fstatat(out_fd, path, &st, 0);
}

static void put_path(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_path(const char *path, const char *fmt, ...)
{
	char buf[16384], dir[PATH_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(buf) - 1)
		die("%s: %s: value too long", spec_name, path);
	buf[n++] = '\n';
	fmt_path(dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdir_p(out_fd, dir);
	put_file(out_fd, path, buf, n);
}

/* A mask file and its _list twin, as topology/ and cache/ have them. */
static void put_mask_pair(const char *dir, const char *mask_name, const char *list_name,
			  const unsigned char *set, int nbits)
{
	static char mask[4096], list[8192];
	char path[PATH_LEN];

	fmt_mask(set, nbits, mask);
	fmt_list(set, list, sizeof(list));
	fmt_path(path, "%s/%s", dir, mask_name);
	put_path(path, "%s", mask);
	fmt_path(path, "%s/%s", dir, list_name);
	put_path(path, "%s", list);
}

static void finish_cpus(void)
{
	static const char *const types[] = {"Data", "Instruction", "Unified", "Unified"};
	static const int levels[] = {1, 1, 2, 3};
	static cpubits present, online, pkg;
	static char list[8192], mask[4096];
	char dir[PATH_LEN];
	int i, j, k, nbits = 0, idx;

	if (!any_cpu)
		goto nodes;
	for (i = 0; i < MAX_CPUS; i++) {
		present[i] = (unsigned char)cpus[i].present;
		online[i] = (unsigned char)(cpus[i].present && !cpus[i].offline);
		if (present[i])
			nbits = i + 1;
	}
	fmt_list(present, list, sizeof(list));
	if (!file_exists("sys/devices/system/cpu/possible"))
		put_path("sys/devices/system/cpu/possible", "%s", list);
	if (!file_exists("sys/devices/system/cpu/present"))
		put_path("sys/devices/system/cpu/present", "%s", list);
	fmt_list(online, list, sizeof(list));
	if (!file_exists("sys/devices/system/cpu/online"))
		put_path("sys/devices/system/cpu/online", "%s", list);
	for (i = 0; i < MAX_CPUS; i++) {
		struct cpu_spec *c = &cpus[i];

		if (!c->present)
			continue;
		fmt_path(dir, "sys/devices/system/cpu/cpu%d", i);
		mkdir_p(out_fd, dir);
		if (i) { /* x86 cannot take CPU 0 down: it has no online file */
			fmt_path(dir, "sys/devices/system/cpu/cpu%d/online", i);
			put_path(dir, "%d", !c->offline);
		}
		if (c->offline)
			continue;
		fmt_path(dir, "sys/devices/system/cpu/cpu%d/topology", i);
		fmt_path(list, "%s/physical_package_id", dir);
		put_path(list, "%d", c->package);
		fmt_path(list, "%s/core_id", dir);
		put_path(list, "%d", c->core_id);
		fmt_path(list, "%s/die_id", dir);
		put_path(list, "0");
		put_mask_pair(dir, "core_cpus", "core_cpus_list", c->threads, nbits);
		put_mask_pair(dir, "thread_siblings", "thread_siblings_list", c->threads, nbits);
		memset(pkg, 0, sizeof(pkg));
		for (j = 0; j < MAX_CPUS; j++)
			pkg[j] =
			    cpus[j].present && !cpus[j].offline && cpus[j].package == c->package;
		put_mask_pair(dir, "package_cpus", "package_cpus_list", pkg, nbits);
		put_mask_pair(dir, "core_siblings", "core_siblings_list", pkg, nbits);
		put_mask_pair(dir, "die_cpus", "die_cpus_list", c->die[i] ? c->die : pkg, nbits);
		if (c->cluster_id >= 0) {
			put_mask_pair(dir, "cluster_cpus", "cluster_cpus_list", c->cluster, nbits);
			fmt_path(list, "%s/cluster_id", dir);
			put_path(list, "%d", c->cluster_id);
		}
		for (k = 0, idx = 0; k < 4; k++) {
			if (!c->cache_kb[k])
				continue;
			fmt_path(dir, "sys/devices/system/cpu/cpu%d/cache/index%d", i, idx++);
			fmt_path(list, "%s/level", dir);
			put_path(list, "%d", levels[k]);
			fmt_path(list, "%s/type", dir);
			put_path(list, "%s", types[k]);
			fmt_path(list, "%s/size", dir);
			put_path(list, "%uK", c->cache_kb[k]);
			fmt_path(list, "%s/coherency_line_size", dir);
			put_path(list, "64");
			for (j = 0; j < MAX_CPUS && !c->cache[k][j]; j++)
				;
			fmt_path(list, "%s/id", dir);
			put_path(list, "%d",
				 k == 3 ? c->package * 1000 + j : j); /* unique per domain */
			put_mask_pair(dir, "shared_cpu_map", "shared_cpu_list", c->cache[k], nbits);
		}
		if (c->max_freq) {
			fmt_path(list, "sys/devices/system/cpu/cpu%d/cpufreq/cpuinfo_max_freq", i);
			put_path(list, "%d", c->max_freq);
		}
		if (c->base_freq) {
			fmt_path(list, "sys/devices/system/cpu/cpu%d/cpufreq/base_frequency", i);
			put_path(list, "%d", c->base_freq);
		}
	}
	if (*cpuinfo_line) {
		static char text[1 << 20];
		char vendor[64], family[16], model[16], name[400];
		size_t n = 0;

		if (sscanf(cpuinfo_line, "%63s %15s %15s %399[^\n]", vendor, family, model, name) !=
		    4)
			die("%s: cpuinfo: needs <vendor> <family> <model> <name>", spec_name);
		for (i = 0; i < MAX_CPUS; i++) {
			if (!online[i])
				continue;
			for (j = 0, k = 0; j < MAX_CPUS; j++)
				k += cpus[j].present && !cpus[j].offline &&
				     cpus[j].package == cpus[i].package;
			n += snprintf(
			    text + n, sizeof(text) - n,
			    "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %s\nmodel\t\t: "
			    "%s\nmodel name\t: %s\nphysical id\t: %d\nsiblings\t: %d\ncore "
			    "id\t\t: %d\nflags\t\t: fpu vme de pse tsc msr pae ht %s\n\n",
			    i, vendor, family, model, name, cpus[i].package, k, cpus[i].core_id,
			    strcmp(vendor, "AuthenticAMD") ? "vmx" : "svm topoext");
			if (n >= sizeof(text))
				die("%s: cpuinfo too long", spec_name);
		}
		put_file(out_fd, "proc/cpuinfo", text, n);
	}
nodes:
	if (!any_node)
		return;
	memset(present, 0, sizeof(present));
	for (i = 0; i < MAX_NODES; i++) {
		if (!nodes[i].present)
			continue;
		present[i] = 1;
		fmt_path(dir, "sys/devices/system/node/node%d", i);
		fmt_list(nodes[i].cpus, list, sizeof(list));
		fmt_path(mask, "%s/cpulist", dir);
		put_path(mask, "%s", list);
		fmt_mask(nodes[i].cpus, nbits ? nbits : 1, list);
		fmt_path(mask, "%s/cpumap", dir);
		put_path(mask, "%s", list);
		for (j = 0; nodes[i].distance[j]; j++)
			if (nodes[i].distance[j] == ',')
				nodes[i].distance[j] = ' ';
		fmt_path(mask, "%s/distance", dir);
		put_path(mask, "%s", nodes[i].distance[0] ? nodes[i].distance : "10");
		fmt_path(mask, "%s/meminfo", dir);
		put_path(mask, "Node %d MemTotal:       %llu kB\nNode %d MemFree:        %llu kB",
			 i, nodes[i].mem_kb, i, nodes[i].mem_kb / 2);
	}
	fmt_list(present, list, sizeof(list));
	put_path("sys/devices/system/node/online", "%s", list);
	put_path("sys/devices/system/node/possible", "%s", list);
	put_path("sys/devices/system/node/has_cpu", "%s", list);
}

static void add_dev(int argc, char **argv)
{
	const char *path, *id, *class, *group, *drv, *slot;
	const char *boot_vga = "", *subsys = "0000:0000", *rev = "00", *numa_node = "-1";
	const char *local_cpus = NULL;
	char vendor[64], device[64], sv[64], sd[64], u[7][64];
	char norm[PATH_LEN], dir[PATH_LEN], link[PATH_LEN], tgt[PATH_LEN];
	size_t n = 0;
	char *p;
	int i, fd, reset = 0;

	if (argc < 5)
		die("%s: dev: needs <path> <id> <class> <group> <driver>", spec_name);
	path = argv[0], id = argv[1], class = argv[2], group = argv[3], drv = argv[4];
	for (i = 5; i < argc; i++) {
		if (!strncmp(argv[i], "boot_vga=", 9))
			boot_vga = argv[i] + 9;
		else if (!strncmp(argv[i], "subsys=", 7))
			subsys = argv[i] + 7;
		else if (!strncmp(argv[i], "rev=", 4))
			rev = argv[i] + 4;
		else if (!strcmp(argv[i], "reset"))
			reset = 1;
		else if (!strncmp(argv[i], "numa_node=", 10))
			numa_node = argv[i] + 10;
		else if (!strncmp(argv[i], "local_cpus=", 11))
			local_cpus = argv[i] + 11;
		else
			die("%s: unknown option %s", spec_name, argv[i]);
	}

	/* the path with empty and "." components dropped, as the kernel would resolve it */
	if (strlen(path) >= sizeof(norm))
		die("%s: path too long", spec_name);
	for (p = strtok(strcpy(tgt, path), "/"); p; p = strtok(NULL, "/")) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, ".."))
			die("%s: dev: '..' in path %s", spec_name, path);
		n += sprintf(norm + n, "%s%s", n ? "/" : "", p);
	}
	if (!n)
		die("%s: dev: empty path", spec_name);
	slot = strrchr(norm, '/') ? strrchr(norm, '/') + 1 : norm;

	split_pair(vendor, device, sizeof(vendor), id);
	split_pair(sv, sd, sizeof(sv), subsys);

	fmt_path(dir, "sys/devices/%s", norm);
	mkdir_p(out_fd, dir);
	fd = openat(out_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", dir, strerror(errno));
	put_line(fd, "vendor", "0x%s", vendor);
	put_line(fd, "device", "0x%s", device);
	put_line(fd, "class", "0x%s", class);
	put_line(fd, "subsystem_vendor", "0x%s", sv);
	put_line(fd, "subsystem_device", "0x%s", sd);
	put_line(fd, "revision", "0x%s", rev);
	put_line(fd, "driver_override", "(null)");
	put_line(fd, "irq", "0");
	put_line(fd, "enable", "1");
	put_line(fd, "numa_node", "%s", numa_node);
	if (local_cpus) {
		static cpubits set;
		static char mask[4096];
		int top = MAX_CPUS;

		parse_list(local_cpus, set, "local_cpus");
		while (top > 1 && !set[top - 1])
			top--;
		put_line(fd, "local_cpulist", "%s", local_cpus);
		fmt_mask(set, top, mask); /* sized by its own highest CPU, not nr_cpu_ids */
		put_line(fd, "local_cpus", "%s", mask);
	}
	upper_af(u[0], sizeof(u[0]), vendor);
	upper_af(u[1], sizeof(u[1]), device);
	upper_af(u[2], sizeof(u[2]), sv);
	upper_af(u[3], sizeof(u[3]), sd);
	cut_upper(u[4], class, 1, 2);
	cut_upper(u[5], class, 3, 4);
	cut_upper(u[6], class, 5, 6);
	put_line(fd, "modalias", "pci:v0000%sd0000%ssv0000%ssd0000%sbc%ssc%si%s", u[0], u[1], u[2],
		 u[3], u[4], u[5], u[6]);
	put_file(fd, "resource", NULL, 0);
	write_config(fd, vendor, device, class, rev);
	if (*boot_vga)
		put_line(fd, "boot_vga", "%s", boot_vga);
	if (reset)
		put_file(fd, "reset", NULL, 0);
	close(fd);

	fmt_path(link, "sys/bus/pci/devices/%s", slot);
	rel_symlink(dir, link);
	fmt_path(link, "%s/subsystem", dir);
	rel_symlink("sys/bus/pci", link);
	if (strcmp(group, "-")) {
		fmt_path(tgt, "sys/kernel/iommu_groups/%s", group);
		mkdirs("%s/devices", tgt);
		fmt_path(link, "%s/iommu_group", dir);
		rel_symlink(tgt, link);
		fmt_path(link, "%s/devices/%s", tgt, slot);
		rel_symlink(dir, link);
	}
	if (strcmp(drv, "-")) {
		add_driver(drv);
		fmt_path(tgt, "sys/bus/pci/drivers/%s", drv);
		fmt_path(link, "%s/driver", dir);
		rel_symlink(tgt, link);
		fmt_path(link, "%s/%s", tgt, slot);
		rel_symlink(dir, link);
	}
}

/* PATH (under the root) with every link resolved, again relative to the root; 0 if absent. */
static int realpathat(const char *path, char *buf)
{
	char full[2 * PATH_LEN], real[PATH_MAX];
	size_t n = strlen(out_real);

	snprintf(full, sizeof(full), "%s/%s", out_real, path);
	if (!realpath(full, real) || strncmp(real, out_real, n) || real[n] != '/')
		return 0;
	snprintf(buf, PATH_LEN, "%s", real + n + 1);
	return 1;
}

/* A directory of the PCI device's tree holding what the USB core puts there. */
static void add_usb(int argc, char **argv, const char *name)
{
	char dev[PATH_LEN], real[PATH_LEN], dir[PATH_LEN], vid[64], pid[64];
	int fd;

	if (argc < 5)
		die("%s: usb: needs <slot> <dir> <vid>:<pid> <busnum> <devnum>", spec_name);
	fmt_path(dev, "sys/bus/pci/devices/%s", argv[0]);
	if (!realpathat(dev, real))
		die("%s: usb: no PCI device %s (list it first)", spec_name, argv[0]);
	fmt_path(dir, "%s/%s", real, argv[1]);
	mkdir_p(out_fd, dir);
	fd = openat(out_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", dir, strerror(errno));
	split_pair(vid, pid, sizeof(vid), argv[2]);
	put_line(fd, "idVendor", "%s", vid);
	put_line(fd, "idProduct", "%s", pid);
	put_line(fd, "busnum", "%s", argv[3]);
	put_line(fd, "devnum", "%s", argv[4]);
	if (*name)
		put_line(fd, "product", "%s", name);
	close(fd);
}

static void add_file(const char *raw)
{
	char path[PATH_LEN], text[PATH_LEN], *slash;
	const char *p = raw + strspn(raw, " \t") + 4, *end;
	size_t n = 0;

	p += strspn(p, " \t");
	end = p + strcspn(p, " \t");
	if (end == p || (size_t)(end - p) >= sizeof(path))
		die("%s: file: needs <path> <text>", spec_name);
	memcpy(path, p, end - p);
	path[end - p] = '\0';
	for (p = end + strspn(end, " \t"); *p && n < sizeof(text) - 2; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			text[n++] = '\n';
			p++;
		} else {
			text[n++] = *p;
		}
	}
	text[n++] = '\n';
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		mkdirs("%s", path);
		*slash = '/';
	}
	put_file(out_fd, path, text, n);
}

int main(int argc, char **argv)
{
	char *line = NULL, *words[MAX_WORDS], *w, *hash, *text;
	char out[PATH_LEN], raw[PATH_LEN];
	size_t cap = 0;
	ssize_t len;
	int nw;
	FILE *f;

	if (argc != 3 || !*argv[1] || !*argv[2]) {
		fprintf(stderr, "usage: mkroot SPEC OUTDIR\n");
		return 2;
	}
	spec_name = argv[1];
	f = fopen(spec_name, "r");
	if (!f)
		die("%s: %s", spec_name, strerror(errno));

	fmt_path(out, "%s", argv[2]);
	mkdir_p(AT_FDCWD, out);
	out_fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (out_fd < 0 || !realpath(out, out_real))
		die("%s: %s", out, strerror(errno));
	mkdirs("sys/bus/pci/devices");
	mkdirs("sys/bus/pci/drivers");
	mkdirs("sys/devices");
	mkdirs("proc");
	mkdirs("run");
	mkdirs("etc");
	mkdirs("dev");
	put_file(out_fd, "sys/bus/pci/drivers_probe", NULL, 0);
	put_file(out_fd, "sys/bus/pci/rescan", NULL, 0);
	put_file(out_fd, "proc/cmdline", NULL, 0);

	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if ((size_t)len >= sizeof(raw))
			die("%s: line too long", spec_name);
		strcpy(raw, line);

		nw = 0;
		for (w = strtok(line, " \t"); w; w = strtok(NULL, " \t")) {
			if (nw == MAX_WORDS)
				die("%s: too many words: %s", spec_name, words[0]);
			words[nw++] = w;
		}
		if (!nw)
			continue;
		if (!strcmp(words[0], "cmdline")) {
			/* the text as written, blanks included: ${line#*cmdline } */
			text = strstr(raw, "cmdline ");
			put_line(out_fd, "proc/cmdline", "%s", text ? text + 8 : raw);
		} else if (!strcmp(words[0], "driver")) {
			if (nw < 2)
				die("%s: driver: needs a name", spec_name);
			add_driver(words[1]);
		} else if (!strcmp(words[0], "dev")) {
			add_dev(nw - 1, words + 1);
		} else if (!strcmp(words[0], "usb")) {
			/* the product string as written, blanks included */
			add_usb(nw - 1, words + 1, nw > 6 ? raw + (words[6] - line) : "");
		} else if (!strcmp(words[0], "file")) {
			add_file(raw);
		} else if (!strcmp(words[0], "cpu")) {
			add_cpu(nw - 1, words + 1);
		} else if (!strcmp(words[0], "node")) {
			add_node(nw - 1, words + 1);
		} else if (!strcmp(words[0], "cpuinfo")) {
			text = raw + (words[1] ? words[1] - line : 0);
			snprintf(cpuinfo_line, sizeof(cpuinfo_line), "%s", text);
		} else {
			die("%s: unknown line: %s", spec_name, raw);
		}
	}
	if (ferror(f))
		die("%s: %s", spec_name, strerror(errno));
	free(line);
	fclose(f);
	finish_cpus();
	free(cpus);
	close(out_fd);
	return 0;
}
