// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuplan-time ROOT CONFIG RUNS: the CPU plan's own cost, without process start-up: RUNS times
 * vfe_machine_read (hwloc's load of ROOT) + vfe_cpuplan_suggest + vfe_cpuplan_judge of the
 * config's vm-cpus. Prints "min median max" in microseconds. Built by bench/cpus.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../lib/config.h"
#include "../lib/cpuplan.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static struct vfe_config conf;
	static struct vfe_cpuplan plan;
	static struct vfe_rule_note notes[VFE_PLAN_NOTES];
	struct vfe_machine m;
	char err[320];
	double *t;
	int i, runs;

	if (argc != 4 || (runs = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: cpuplan-time ROOT CONFIG RUNS\n");
		return 2;
	}
	if (vfe_config_load(&conf, argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t = calloc((size_t)runs, sizeof(*t));
	for (i = 0; t && i < runs; i++) {
		double t0 = now_us();

		if (vfe_machine_read(argv[1], &conf, &m) < 0)
			return 1;
		vfe_cpuplan_suggest(&m, NULL, &plan);
		vfe_cpuplan_judge(&m, &conf.vm_cpus, notes, VFE_PLAN_NOTES);
		vfe_machine_free(&m);
		t[i] = now_us() - t0;
	}
	if (!t)
		return 1;
	qsort(t, (size_t)runs, sizeof(*t), cmp);
	printf("%.0f %.0f %.0f\n", t[0], t[(runs - 1) / 2], t[runs - 1]);
	free(t);
	return 0;
}
