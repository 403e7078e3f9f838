/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sys/types.h>
/*
 * CPU plans: the machine as hwloc sees it (packages, NUMA nodes, L3 and L2 domains, cores and
 * their SMT threads, CPU kinds, the VM GPU's node) and the vm-cpus that follows the rules of a
 * good split, each rule applied recorded by name with its reason. vfio-earlyctl only: the boot
 * helper never links hwloc.
 */
#include <stdbool.h>
#include <stddef.h>

#include "boot/config.h"
#include "boot/cpulist.h"

/* A set of CPUs that share something: a core, an L2 or L3, a NUMA node, a package. */
struct vfe_cpu_group {
	struct vfe_cpuset cpus;
	unsigned long long size_kb; /* caches: their size; nodes: local memory */
	int os_index;		    /* packages and nodes: the kernel's number; else -1 */
};

struct vfe_machine {
	struct vfe_cpuset online;  /* the CPUs hwloc found running */
	struct vfe_cpuset offline; /* present (a cpuN directory) but not online */
	struct vfe_cpu_group *cores, *l2, *l3, *nodes, *packages;
	unsigned int n_cores, n_l2, n_l3, n_nodes, n_packages;
	unsigned int threads_per_core; /* the most any core has online */
	unsigned int *distances;       /* n_nodes x n_nodes (latency, 10 = local), or NULL */
	/* hybrid: CPU kinds that are core types (P/E cores), not frequency steps of one type */
	bool hybrid;
	struct vfe_cpuset perf, eff; /* the most efficient kind's CPUs; every other kind's */
	char kinds_from[48];	     /* what told the kinds apart: "CoreType", "FrequencyBaseMHz" */
	char vendor[32], model[96];
	/* the VM's GPU: the first configured display function, and its NUMA node (-1 unknown) */
	char gpu_slot[16];
	int gpu_node;
};

struct vfe_rule_note {
	const char *rule; /* a stable name: "whole-cores", "performance-cores", ... */
	char text[400];
};

#define VFE_PLAN_NOTES 16

struct vfe_cpuplan {
	bool ok;	      /* a vm-cpus to suggest */
	struct vfe_cpuset vm; /* the suggestion */
	int node;	      /* its NUMA node's number on machines with several, else -1 */
	char hugepages[96];   /* "hugepages 1G 16@1" on NUMA machines, else "" */
	struct vfe_rule_note notes[VFE_PLAN_NOTES];
	unsigned int n_notes;
};

struct vfe_cpuplan_opts {
	bool e_cores; /* also give the VM whole E-core clusters (never one shared with the host) */
};

/*
 * Load ROOT's topology with hwloc (hwloc_topology_set_fsroot when ROOT is not "/") into M;
 * CONF (may be NULL) names the VM's GPU, whose numa_node is read from ROOT's sysfs.
 * 0 or -errno.
 */
int vfe_machine_read(const char *root, const struct vfe_config *conf, struct vfe_machine *m);
/*
 * The first processor's block of ROOT's /proc/cpuinfo (vendor_id, flags: each processor has
 * the same) into BUF, cut at SIZE - 1: on a machine of hundreds of CPUs the kernel makes
 * every processor's block for a whole read, and this reads on only until the first ends.
 * Length or -errno.
 */
ssize_t vfe_cpuinfo_first(const char *root, char *buf, size_t size);
void vfe_machine_free(struct vfe_machine *m);
/* The group of CPU among GROUPS[N] (its index), -1 when none holds it. */
int vfe_group_of(const struct vfe_cpu_group *groups, unsigned int n, unsigned int cpu);
bool vfe_machine_is_amd(const struct vfe_machine *m);

/* The suggested vm-cpus and every rule that shaped it; P->ok false with the reason when none. */
void vfe_cpuplan_suggest(const struct vfe_machine *m, const struct vfe_cpuplan_opts *opts,
			 struct vfe_cpuplan *p);
/*
 * Judge a configured vm-cpus by the same rules: one note per rule it breaks ("split-core",
 * "host-cpu0", "e-cores", "e-cluster-split", "spans-l3", "smaller-l3", "spans-numa", "gpu-node",
 * "offline-cpus"). Returns the number of notes written into NOTES (at most MAX).
 */
unsigned int vfe_cpuplan_judge(const struct vfe_machine *m, const struct vfe_cpuset *vm,
			       struct vfe_rule_note *notes, unsigned int max);
