// SPDX-License-Identifier: GPL-2.0-or-later
#include "cpulist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *parse_cpu(const char **s, unsigned int *out)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char)**s))
		return "expected a CPU number";
	while (isdigit((unsigned char)**s)) {
		v = v * 10 + (unsigned long)(**s - '0');
		if (v >= VFE_MAX_CPUS)
			return "CPU number too large";
		(*s)++;
	}
	*out = (unsigned int)v;
	return NULL;
}

const char *vfe_cpulist_parse(const char *s, struct vfe_cpuset *set)
{
	const char *err;

	memset(set, 0, sizeof(*set));
	if (!*s)
		return "empty CPU list";
	for (;;) {
		unsigned int a, b, used = 1, group = 1, cpu;

		err = parse_cpu(&s, &a);
		if (err)
			return err;
		b = a;
		if (*s == '-') {
			s++;
			err = parse_cpu(&s, &b);
			if (err)
				return err;
			if (b < a)
				return "range end before its start";
			if (*s == ':') {
				s++;
				if ((err = parse_cpu(&s, &used)) || *s++ != '/' ||
				    (err = parse_cpu(&s, &group)))
					return err ? err : "expected N-M:used/group";
				if (!used || used > group)
					return "bad used/group in range";
			}
		}
		for (cpu = a; cpu <= b; cpu++)
			if ((cpu - a) % group < used)
				vfe_cpuset_set(set, cpu);
		if (!*s)
			return NULL;
		if (*s++ != ',')
			return "expected ',' between CPU ranges";
	}
}

void vfe_cpuset_set(struct vfe_cpuset *set, unsigned int cpu)
{
	if (cpu < VFE_MAX_CPUS)
		set->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

bool vfe_cpuset_test(const struct vfe_cpuset *set, unsigned int cpu)
{
	return cpu < VFE_MAX_CPUS && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned int vfe_cpuset_count(const struct vfe_cpuset *set)
{
	unsigned int i, n = 0;

	for (i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
		n += (unsigned int)__builtin_popcountll(set->bits[i]);
	return n;
}

void vfe_cpulist_format(const struct vfe_cpuset *set, char *buf, unsigned int size)
{
	unsigned int cpu = 0, used = 0;

	buf[0] = '\0';
	while (cpu < VFE_MAX_CPUS) {
		unsigned int end;
		int n;

		if (!vfe_cpuset_test(set, cpu)) {
			cpu++;
			continue;
		}
		for (end = cpu; end + 1 < VFE_MAX_CPUS && vfe_cpuset_test(set, end + 1); end++)
			;
		if (end == cpu)
			n = snprintf(buf + used, size - used, "%s%u", used ? "," : "", cpu);
		else
			n = snprintf(buf + used, size - used, "%s%u-%u", used ? "," : "", cpu, end);
		if (n < 0 || (unsigned int)n >= size - used) {
			buf[used] = '\0';
			return;
		}
		used += (unsigned int)n;
		cpu = end + 1;
	}
}

unsigned int vfe_cpuset_nbits(const struct vfe_cpuset *set)
{
	unsigned int i = VFE_MAX_CPUS;

	while (i > 0 && !vfe_cpuset_test(set, i - 1))
		i--;
	return i;
}

static uint32_t group_of(const struct vfe_cpuset *set, unsigned int g)
{
	return (uint32_t)(set->bits[g / 2] >> (32 * (g % 2)));
}

void vfe_cpumask_format(const struct vfe_cpuset *set, unsigned int nbits, char *buf,
			unsigned int size)
{
	unsigned int groups, g, used = 0, top_digits;
	int n;

	if (nbits < vfe_cpuset_nbits(set))
		nbits = vfe_cpuset_nbits(set);
	if (!nbits)
		nbits = 1;
	groups = (nbits + 31) / 32;
	/* Only the top group is shorter, as the kernel prints it. */
	top_digits = ((nbits - 1) % 32) / 4 + 1;
	buf[0] = '\0';
	for (g = groups; g-- > 0;) {
		n = snprintf(buf + used, size - used, "%s%0*x", used ? "," : "",
			     g == groups - 1 ? (int)top_digits : 8, group_of(set, g));
		if (n < 0 || (unsigned int)n >= size - used) {
			buf[0] = '\0';
			return;
		}
		used += (unsigned int)n;
	}
}

const char *vfe_cpumask_parse(const char *s, struct vfe_cpuset *set)
{
	uint32_t groups[VFE_MAX_CPUS / 32];
	unsigned int n = 0, i;

	memset(set, 0, sizeof(*set));
	while (isspace((unsigned char)*s))
		s++;
	for (;;) {
		uint32_t v = 0;
		unsigned int digits = 0;

		while (isxdigit((unsigned char)*s)) {
			if (++digits > 8)
				return "more than 8 hex digits in a group";
			v = v << 4 | (uint32_t)(isdigit((unsigned char)*s)
						    ? *s - '0'
						    : (tolower((unsigned char)*s) - 'a' + 10));
			s++;
		}
		if (!digits)
			return "expected hex digits";
		if (n == sizeof(groups) / sizeof(groups[0]))
			return "mask too long";
		groups[n++] = v;
		if (*s != ',')
			break;
		s++;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s)
		return "unexpected character in mask";
	/* The last group holds CPUs 0-31. */
	for (i = 0; i < n; i++)
		set->bits[i / 2] |= (uint64_t)groups[n - 1 - i] << (32 * (i % 2));
	return NULL;
}

char *vfe_cpulist_string(const struct vfe_cpuset *set)
{
	/* A CPU number has at most 4 digits (VFE_MAX_CPUS): 5 bytes a CPU bound any form. */
	unsigned int size = 5 * vfe_cpuset_count(set) + 1;
	char *buf = malloc(size);

	if (buf)
		vfe_cpulist_format(set, buf, size);
	return buf;
}

char *vfe_cpumask_string(const struct vfe_cpuset *set, unsigned int nbits)
{
	unsigned int size;
	char *buf;

	if (nbits < vfe_cpuset_nbits(set))
		nbits = vfe_cpuset_nbits(set);
	/* 8 digits and a comma for every 32 CPUs */
	size = (nbits / 32 + 1) * 9 + 1;
	buf = malloc(size);
	if (buf)
		vfe_cpumask_format(set, nbits, buf, size);
	return buf;
}
