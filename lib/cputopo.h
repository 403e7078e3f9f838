/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cpulist.h"

/* Where one CPU sits; each group is named by its lowest CPU number (-1: not known). */
struct vfe_cpu_place {
	int package;
	int core; /* the SMT siblings sharing this CPU's core */
	int l3;	  /* the CPUs sharing its last-level (L3) cache; its package when there is none */
};

struct vfe_cputopo {
	struct vfe_cpuset present;
	unsigned int nbits;	       /* the highest present CPU + 1 */
	struct vfe_cpu_place *place;   /* [nbits] */
	unsigned int threads_per_core; /* the most SMT siblings any core has */
	bool have_l3;		       /* some cache/indexK/level read 3 */
	char vendor[32];	       /* vendor_id of /proc/cpuinfo, "" when unknown */
};

enum vfe_topo_level { VFE_TOPO_PACKAGE, VFE_TOPO_CORE, VFE_TOPO_L3 };

/* Read ROOT/sys/devices/system/cpu (present, cpuN/topology, cpuN/cache) and /proc/cpuinfo. */
int vfe_cputopo_read(const char *root, struct vfe_cputopo *t);
void vfe_cputopo_free(struct vfe_cputopo *t);
/* The CPUs sharing CPU's package, core or L3 into OUT. */
void vfe_cputopo_group(const struct vfe_cputopo *t, enum vfe_topo_level level, unsigned int cpu,
		       struct vfe_cpuset *out);
/* The group key of CPU at LEVEL (its lowest member), -1 when unknown. */
int vfe_cputopo_key(const struct vfe_cputopo *t, enum vfe_topo_level level, unsigned int cpu);
bool vfe_cputopo_is_amd(const struct vfe_cputopo *t);
/*
 * A vm-cpus for this machine: every whole L3 group (all SMT threads of its cores) that does
 * not hold CPU 0, from one package. When one L3 serves every CPU, the upper half of the cores
 * with all their threads. Fills WHY with how it was chosen; -ENOENT when nothing fits.
 */
int vfe_cputopo_suggest(const struct vfe_cputopo *t, struct vfe_cpuset *vm, char *why, size_t size);
