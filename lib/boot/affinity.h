/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cpulist.h"

/* What step 10 found and did. */
struct vfe_affinity_result {
	struct vfe_cpuset vm, host;
	char refused[512]; /* why vm-cpus was refused (nothing done), "" */
	/* Sized from the CPU count (malloc'd, vfe_affinity_result_free); NULL unknown */
	char *default_affinity; /* /proc/irq/default_smp_affinity read back */
	char *workqueue;	/* the unbound workqueue cpumask read back, NULL none */
	unsigned int irqs_found, irqs_moved, irqs_refused;
	char refused_irqs[256]; /* "0,2,24-40" (cut with "..." when long) */
	const char *governor;	/* the governor asked for, "keep", or NULL */
	/* VM CPUs now on the governor, without cpufreq, and where it could not be set */
	struct vfe_cpuset governor_set, no_cpufreq, governor_failed;
	struct vfe_cpuset governor_would_set; /* a dry run's: not on it yet */
	unsigned int failures;		      /* writes that did not take, besides refused IRQs */
};

/* The CPUs that exist (ROOT/sys/devices/system/cpu/possible); -errno. */
int vfe_possible_cpus(const char *root, struct vfe_cpuset *set);
/* The CPUs that are there: .../cpu/present, else .../cpu/possible; -errno. */
int vfe_present_cpus(const char *root, struct vfe_cpuset *set);
/*
 * The rules for a vm-cpus list on a machine whose CPUs are PRESENT: every CPU it names must
 * exist, the host must keep at least one CPU, and CPU 0. NULL when it is fine, else why not
 * (in BUF).
 */
const char *vfe_vm_cpus_refusal(const struct vfe_cpuset *vm, const struct vfe_cpuset *present,
				char *buf, size_t size);

/*
 * Step 10: IRQs (default and each one), the unbound workqueue mask and the VM CPUs'
 * cpufreq governor (GOVERNOR NULL or "keep": left alone). A dry run reads, logs what it
 * would write and writes nothing. Returns 0 when everything that can be moved was moved
 * (IRQs the kernel refuses are counted, not failures), else 1; every problem is logged.
 */
int vfe_affinity_apply(const char *root, bool dry_run, const struct vfe_cpuset *vm,
		       const char *governor, struct vfe_affinity_result *res);

void vfe_affinity_result_free(struct vfe_affinity_result *res);

/*
 * For status: the IRQs whose smp_affinity_list still reaches a CPU of CPUS (into LIST as
 * "0,25-26"); TOTAL counts every IRQ read. Returns their number or -errno.
 */
int vfe_irqs_reaching(const char *root, const struct vfe_cpuset *cpus, unsigned int *total,
		      char *list, size_t size);
