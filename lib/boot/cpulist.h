/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define VFE_MAX_CPUS 8192

struct vfe_cpuset {
	uint64_t bits[VFE_MAX_CPUS / 64];
};

/*
 * Kernel cpulist syntax: comma-separated entries, each N or N-M (decimal, N <= M),
 * optionally N-M:U/G (use U CPUs of every group of G). Returns NULL or a static error.
 */
const char *vfe_cpulist_parse(const char *s, struct vfe_cpuset *set);
void vfe_cpuset_set(struct vfe_cpuset *set, unsigned int cpu);
bool vfe_cpuset_test(const struct vfe_cpuset *set, unsigned int cpu);
unsigned int vfe_cpuset_count(const struct vfe_cpuset *set);
/* Back to the shortest cpulist form ("0-3,8-11"); "" for an empty set. */
void vfe_cpulist_format(const struct vfe_cpuset *set, char *buf, unsigned int size);

/* The same into a string sized for SET (never cut), malloc'd; NULL without memory. */
char *vfe_cpulist_string(const struct vfe_cpuset *set);
/* vfe_cpumask_format into a string sized for NBITS, malloc'd; NULL without memory. */
char *vfe_cpumask_string(const struct vfe_cpuset *set, unsigned int nbits);

/*
 * The kernel's hex bitmap ("%*pb", as in /proc/irq/default_smp_affinity): 32-bit groups of
 * hex digits separated by commas, most significant first, zero-padded to NBITS bits.
 */
void vfe_cpumask_format(const struct vfe_cpuset *set, unsigned int nbits, char *buf,
			unsigned int size);
/* The same format back (groups of at most 8 digits, blanks around it ignored); NULL or error. */
const char *vfe_cpumask_parse(const char *s, struct vfe_cpuset *set);
/* The highest CPU in SET plus one; 0 for an empty set. */
unsigned int vfe_cpuset_nbits(const struct vfe_cpuset *set);
