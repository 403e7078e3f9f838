// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Step 10: keep the host's interrupts, unbound kernel work and frequency policy off the
 * VM's CPUs.
 *
 * A CPU "exists" when it is in /sys/devices/system/cpu/present (possible may list hotplug
 * slots that hold no CPU). The host keeps every present CPU the VM does not take.
 * /proc/irq/N/smp_affinity_list takes a cpulist; /proc/irq/default_smp_affinity and the
 * workqueue cpumask take the kernel's hex bitmap. Managed IRQs (NVMe queues and the like)
 * and the few IRQs that cannot move answer the write with EIO: any IRQ whose write fails
 * is counted as refused and the step goes on, since nothing the user can change would
 * move it.
 */
#include "affinity.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

static int read_cpulist(const char *root, const char *abs, struct vfe_cpuset *set)
{
	char path[VFE_PATH_MAX], buf[4096];
	ssize_t n;

	if (vfe_path(path, sizeof(path), root, abs) < 0)
		return -ENAMETOOLONG;
	n = vfe_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return vfe_cpulist_parse(buf, set) ? -EINVAL : 0;
}

int vfe_possible_cpus(const char *root, struct vfe_cpuset *set)
{
	return read_cpulist(root, "/sys/devices/system/cpu/possible", set);
}

int vfe_present_cpus(const char *root, struct vfe_cpuset *set)
{
	int r = read_cpulist(root, "/sys/devices/system/cpu/present", set);

	return r == -ENOENT ? vfe_possible_cpus(root, set) : r;
}

const char *vfe_vm_cpus_refusal(const struct vfe_cpuset *vm, const struct vfe_cpuset *present,
				char *buf, size_t size)
{
	char *list = vfe_cpulist_string(vm), *there = vfe_cpulist_string(present);
	const char *why = NULL;
	unsigned int cpu;

	/* The lists only explain; a long one is shortened in the message, never in the work. */
	for (cpu = 0; cpu < VFE_MAX_CPUS && !why; cpu++)
		if (vfe_cpuset_test(vm, cpu) && !vfe_cpuset_test(present, cpu)) {
			snprintf(buf, size,
				 "vm-cpus names CPU %u, which does not exist (CPUs: %.200s)", cpu,
				 there ? there : "?");
			why = buf;
		}
	for (cpu = 0; cpu < VFE_MAX_CPUS && !why; cpu++)
		if (vfe_cpuset_test(present, cpu) && !vfe_cpuset_test(vm, cpu))
			break;
	if (!why && cpu == VFE_MAX_CPUS) {
		snprintf(buf, size, "vm-cpus leaves no CPU to the host (%.200s is every CPU)",
			 list ? list : "?");
		why = buf;
	}
	if (!why && vfe_cpuset_test(vm, 0)) {
		snprintf(buf, size, "vm-cpus holds CPU 0, which the host needs (vm-cpus %.200s)",
			 list ? list : "?");
		why = buf;
	}
	free(list);
	free(there);
	return why;
}

/* Ascending numbers as a compact list ("0,2,24-40"), cut with "..." when BUF is full. */
static void format_numbers(const long *v, unsigned int n, char *buf, size_t size)
{
	size_t used = 0;
	unsigned int i = 0, j;
	int k;

	buf[0] = '\0';
	while (i < n) {
		for (j = i; j + 1 < n && v[j + 1] == v[j] + 1; j++)
			;
		if (j == i)
			k = snprintf(buf + used, size - used, "%s%ld", used ? "," : "", v[i]);
		else
			k = snprintf(buf + used, size - used, "%s%ld-%ld", used ? "," : "", v[i],
				     v[j]);
		if (k < 0 || (size_t)k >= size - used - 4) {
			snprintf(buf + used, size - used, "...");
			return;
		}
		used += (size_t)k;
		i = j + 1;
	}
}

static int irq_number(const struct dirent *e)
{
	const char *p;

	for (p = e->d_name; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return e->d_name[0] != '\0';
}

static int irq_order(const struct dirent **a, const struct dirent **b)
{
	long x = atol((*a)->d_name), y = atol((*b)->d_name);

	return x < y ? -1 : x > y;
}

static void move_irqs(const char *root, bool dry_run, const char *host_list,
		      struct vfe_affinity_result *res)
{
	char dir[VFE_PATH_MAX], path[VFE_PATH_MAX];
	struct dirent **irqs;
	long *refused = NULL;
	int n, i, first_error = 0;

	if (vfe_path(dir, sizeof(dir), root, "/proc/irq") < 0)
		return;
	n = scandir(dir, &irqs, irq_number, irq_order);
	if (n < 0) {
		WRN("cannot list %s: %s; no IRQ moved", dir, strerror(errno));
		res->failures++;
		return;
	}
	refused = calloc((size_t)n + 1, sizeof(*refused));
	for (i = 0; i < n; i++) {
		int r;

		if (snprintf(path, sizeof(path), "%s/%s/smp_affinity_list", dir, irqs[i]->d_name) >=
			(int)sizeof(path) ||
		    !vfe_exists(path))
			goto next;
		res->irqs_found++;
		if (dry_run)
			goto next;
		r = vfe_sysfs_write(path, host_list);
		if (r == 0) {
			res->irqs_moved++;
		} else {
			DBG("IRQ %s stays: %s", irqs[i]->d_name, strerror(-r));
			if (!first_error)
				first_error = r;
			if (refused)
				refused[res->irqs_refused] = atol(irqs[i]->d_name);
			res->irqs_refused++;
		}
	next:
		free(irqs[i]);
	}
	free(irqs);
	if (refused)
		format_numbers(refused, res->irqs_refused, res->refused_irqs,
			       sizeof(res->refused_irqs));
	free(refused);
	if (dry_run)
		DBG("dry run: would move %u IRQs to CPUs %s", res->irqs_found, host_list);
	else if (res->irqs_refused)
		DBG("IRQs: %u moved to CPUs %s, %u refused by the kernel (%s: managed or fixed): "
		    "%s",
		    res->irqs_moved, host_list, res->irqs_refused, strerror(-first_error),
		    res->refused_irqs);
	else
		DBG("IRQs: %u moved to CPUs %s", res->irqs_moved, host_list);
}

/*
 * Write the hex mask of the host CPUs to ABS and read it back into BACK. The kernel trims
 * a mask to the CPUs it may use, so the check is: what it kept is host CPUs only, and some.
 * Returns 0, -ENOENT when the file is not there, or another -errno / -EIO on a mismatch.
 */
static int write_mask(const char *root, bool dry_run, const char *abs, const char *mask,
		      const struct vfe_cpuset *host, char **back)
{
	char path[VFE_PATH_MAX], *text;
	struct vfe_cpuset kept;
	unsigned int cpu;
	size_t len;
	int r;

	*back = NULL;
	if (vfe_path(path, sizeof(path), root, abs) < 0)
		return -ENAMETOOLONG;
	if (!vfe_exists(path))
		return -ENOENT;
	if (dry_run)
		DBG("dry run: would write %s to %s", mask, abs);
	else if ((r = vfe_sysfs_write(path, mask)) < 0)
		return r;
	/* As long as the kernel prints it: 9 bytes for every 32 CPUs, up to 8192 of them. */
	r = vfe_slurp(path, 65536, &text, &len);
	if (r < 0)
		return r;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	*back = text;
	if (dry_run)
		return 0;
	if (vfe_cpumask_parse(text, &kept) || !vfe_cpuset_count(&kept))
		return -EIO;
	for (cpu = 0; cpu < VFE_MAX_CPUS; cpu++)
		if (vfe_cpuset_test(&kept, cpu) && !vfe_cpuset_test(host, cpu))
			return -EIO;
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (p[len] == '\0' || isspace((unsigned char)p[len])))
			return true;
		p += len;
	}
	return false;
}

/*
 * 0 on the governor now, 1 no cpufreq here, 2 a dry run would set it, -errno when it could
 * not be set (logged at debug level: set_governors says it once for every CPU).
 */
static int set_governor(const char *root, bool dry_run, unsigned int cpu, const char *governor)
{
	char path[VFE_PATH_MAX], avail[512], now[64] = "";
	int r;

	if (vfe_pathf(path, sizeof(path), root,
		      "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", cpu) < 0 ||
	    !vfe_exists(path))
		return 1;
	if (vfe_read_file(path, now, sizeof(now)) >= 0 && !strcmp(now, governor))
		return 0;
	vfe_pathf(path, sizeof(path), root,
		  "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_available_governors", cpu);
	if (vfe_read_file(path, avail, sizeof(avail)) >= 0 && !has_word(avail, governor)) {
		DBG("CPU %u: no cpufreq governor '%s' (available: %s)", cpu, governor, avail);
		return -ENOENT;
	}
	if (dry_run) {
		DBG("dry run: CPU %u: would set governor %s (now %s)", cpu, governor, now);
		return 2;
	}
	vfe_pathf(path, sizeof(path), root,
		  "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", cpu);
	r = vfe_sysfs_write(path, governor);
	if (r == 0 && vfe_read_file(path, now, sizeof(now)) >= 0 && strcmp(now, governor))
		r = -EIO;
	if (r < 0)
		DBG("CPU %u: cannot set governor %s: %s", cpu, governor, strerror(-r));
	return r;
}

static void set_governors(const char *root, bool dry_run, const char *governor,
			  struct vfe_affinity_result *res)
{
	unsigned int cpu;
	int first_error = 0;
	char *list;

	for (cpu = 0; cpu < VFE_MAX_CPUS; cpu++) {
		int r;

		if (!vfe_cpuset_test(&res->vm, cpu))
			continue;
		r = set_governor(root, dry_run, cpu, governor);
		if (r == 1)
			vfe_cpuset_set(&res->no_cpufreq, cpu);
		else if (r == 0)
			vfe_cpuset_set(&res->governor_set, cpu);
		else if (r == 2)
			vfe_cpuset_set(&res->governor_would_set, cpu);
		else {
			vfe_cpuset_set(&res->governor_failed, cpu);
			if (!first_error)
				first_error = r;
		}
	}
	if (vfe_cpuset_count(&res->governor_failed)) {
		list = vfe_cpulist_string(&res->governor_failed);
		WRN("governor %s could not be set on CPUs %.300s: %s", governor, list ? list : "?",
		    first_error == -ENOENT ? "no such governor" : strerror(-first_error));
		free(list);
		res->failures++;
	}
}

void vfe_affinity_result_free(struct vfe_affinity_result *res)
{
	free(res->default_affinity);
	free(res->workqueue);
	res->default_affinity = res->workqueue = NULL;
}

int vfe_affinity_apply(const char *root, bool dry_run, const struct vfe_cpuset *vm,
		       const char *governor, struct vfe_affinity_result *res)
{
	struct vfe_cpuset present, possible;
	char *host_list = NULL, *mask = NULL;
	const char *wq = "left alone";
	unsigned int cpu;
	int r;

	memset(res, 0, sizeof(*res));
	res->vm = *vm;
	res->governor = governor;
	r = vfe_present_cpus(root, &present);
	if (r < 0) {
		snprintf(res->refused, sizeof(res->refused),
			 "cannot read which CPUs exist (/sys/devices/system/cpu/present): %s",
			 strerror(-r));
		ERR("%s; affinity left alone", res->refused);
		return 1;
	}
	if (vfe_vm_cpus_refusal(vm, &present, res->refused, sizeof(res->refused))) {
		ERR("%s; affinity left alone", res->refused);
		return 1;
	}
	for (cpu = 0; cpu < VFE_MAX_CPUS; cpu++)
		if (vfe_cpuset_test(&present, cpu) && !vfe_cpuset_test(vm, cpu))
			vfe_cpuset_set(&res->host, cpu);
	/* The kernel prints masks nr_cpu_ids wide: as many bits as possible CPUs. */
	if (vfe_possible_cpus(root, &possible) < 0)
		possible = present;
	/* Both sized from the CPU count: a list cut short would move IRQs to some CPUs only. */
	host_list = vfe_cpulist_string(&res->host);
	mask = vfe_cpumask_string(&res->host, vfe_cpuset_nbits(&possible));
	if (!host_list || !mask) {
		snprintf(res->refused, sizeof(res->refused), "out of memory");
		ERR("%s; affinity left alone", res->refused);
		free(host_list);
		free(mask);
		return 1;
	}

	r = write_mask(root, dry_run, "/proc/irq/default_smp_affinity", mask, &res->host,
		       &res->default_affinity);
	if (r < 0) {
		ERR("/proc/irq/default_smp_affinity: cannot set %.100s: %s", mask, strerror(-r));
		res->failures++;
	}
	move_irqs(root, dry_run, host_list, res);

	r = write_mask(root, dry_run, "/sys/devices/virtual/workqueue/cpumask", mask, &res->host,
		       &res->workqueue);
	if (r == -ENOENT) {
		wq = "not in this kernel";
		DBG("no workqueue cpumask in this kernel: unbound work may run on any CPU");
	} else if (r < 0) {
		ERR("workqueue cpumask: cannot set %.100s: %s", mask, strerror(-r));
		wq = "not moved";
		res->failures++;
	} else {
		wq = dry_run ? "would move" : "moved";
	}

	if (governor && strcmp(governor, "keep"))
		set_governors(root, dry_run, governor, res);
	/* One line for the step: the kernel keeps only a short burst of ours. */
	if (res->irqs_refused)
		INF("%shost CPUs %.200s: %u IRQs %s, %u refused by the kernel (managed or fixed: "
		    "%.100s); unbound workqueues %s%s%s",
		    dry_run ? "dry run: " : "", host_list,
		    dry_run ? res->irqs_found : res->irqs_moved, dry_run ? "would move" : "moved",
		    res->irqs_refused, res->refused_irqs, wq,
		    res->governor && strcmp(res->governor, "keep") ? "; governor " : "",
		    res->governor && strcmp(res->governor, "keep") ? res->governor : "");
	else
		INF("%shost CPUs %.200s: %u IRQs %s; unbound workqueues %s%s%s",
		    dry_run ? "dry run: " : "", host_list,
		    dry_run ? res->irqs_found : res->irqs_moved, dry_run ? "would move" : "moved",
		    wq, res->governor && strcmp(res->governor, "keep") ? "; governor " : "",
		    res->governor && strcmp(res->governor, "keep") ? res->governor : "");
	free(host_list);
	free(mask);
	return res->failures ? 1 : 0;
}

int vfe_irqs_reaching(const char *root, const struct vfe_cpuset *cpus, unsigned int *total,
		      char *list, size_t size)
{
	char dir[VFE_PATH_MAX], path[VFE_PATH_MAX], buf[4096];
	struct dirent **irqs;
	struct vfe_cpuset mask;
	unsigned int cpu, n_hit = 0;
	long *hit;
	int n, i;

	*total = 0;
	list[0] = '\0';
	if (vfe_path(dir, sizeof(dir), root, "/proc/irq") < 0)
		return -ENAMETOOLONG;
	n = scandir(dir, &irqs, irq_number, irq_order);
	if (n < 0)
		return -errno;
	hit = calloc((size_t)n + 1, sizeof(*hit));
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s/smp_affinity_list", dir, irqs[i]->d_name) <
			(int)sizeof(path) &&
		    vfe_read_file(path, buf, sizeof(buf)) > 0 && !vfe_cpulist_parse(buf, &mask)) {
			(*total)++;
			for (cpu = 0; cpu < VFE_MAX_CPUS; cpu++)
				if (vfe_cpuset_test(&mask, cpu) && vfe_cpuset_test(cpus, cpu))
					break;
			if (cpu < VFE_MAX_CPUS && hit)
				hit[n_hit++] = atol(irqs[i]->d_name);
		}
		free(irqs[i]);
	}
	free(irqs);
	if (hit)
		format_numbers(hit, n_hit, list, size);
	free(hit);
	return (int)n_hit;
}
