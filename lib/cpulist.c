// SPDX-License-Identifier: GPL-2.0-or-later
#include "cpulist.h"

#include <ctype.h>
#include <stdio.h>
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
				if ((err = parse_cpu(&s, &used)) || *s++ != '/' || (err = parse_cpu(&s, &group)))
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
