// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuplan-time ROOT CONFIG RUNS CTL: the CPU plan's cost on ROOT, each case timed RUNS times
 * (after one warm-up of each), the cases interleaved round by round in a rotating order so that
 * a burst of load on a shared machine hits them all alike:
 *   true      /bin/true spawned: the floor of a spawn, reap and clock read here
 *   ctl-exec  CTL --version: vfio-earlyctl's own start-up (its shared libraries) and exit
 *   cpus      CTL --root ROOT cpus
 *   check     CTL --root ROOT --config CONFIG check
 *   plan      in this process, no start-up: vfe_machine_read (hwloc's load of ROOT),
 *             vfe_cpuplan_suggest and vfe_cpuplan_judge of the config's vm-cpus
 * A spawned case is timed from posix_spawn to its reap (CLOCK_MONOTONIC), its output to
 * /dev/null, and its CPU time (user + system, all its threads) taken from wait4; the
 * in-process case's from CLOCK_PROCESS_CPUTIME_ID. Prints "NAME MIN MEDIAN MAX CPU-MEDIAN" in
 * microseconds, one line per case. Built by bench/cpus.sh.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "../lib/boot/config.h"
#include "../lib/cpuplan.h"

extern char **environ;

enum { C_TRUE, C_EXEC, C_CPUS, C_CHECK, C_PLAN, N_CASES };
static const char *const case_name[N_CASES] = {"true", "ctl-exec", "cpus", "check", "plan"};

static double clock_us(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

static double tv_us(struct timeval tv)
{
	return tv.tv_sec * 1e6 + tv.tv_usec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ARGV spawned with its output to /dev/null and reaped: the wall time, or -1; *CPU its CPU time. */
static double spawn_us(char *const argv[], double *cpu)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	double t0;
	pid_t pid;
	int st, err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	t0 = now_us();
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -1;
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
		return -1; /* check exits 1 on findings: that is a result, not a failure */
	*cpu = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
	return now_us() - t0;
}

static double plan_us(const char *root, const struct vfe_config *conf, double *cpu)
{
	static struct vfe_cpuplan plan;
	static struct vfe_rule_note notes[VFE_PLAN_NOTES];
	struct vfe_machine m;
	double c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID), t0 = now_us();

	if (vfe_machine_read(root, conf, &m) < 0)
		return -1;
	vfe_cpuplan_suggest(&m, NULL, &plan);
	vfe_cpuplan_judge(&m, &conf->vm_cpus, notes, VFE_PLAN_NOTES);
	vfe_machine_free(&m);
	*cpu = clock_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return now_us() - t0;
}

/* One case of a round, timed (*CPU: its CPU time); -1 when it failed. */
static double time_case(int c, char *const *argv, const struct vfe_config *conf, double *cpu)
{
	char *ctl = argv[4], *root = argv[1], *config = argv[2];
	char *av_true[] = {(char *)"/bin/true", NULL};
	char *av_exec[] = {ctl, (char *)"--version", NULL};
	char *av_cpus[] = {ctl, (char *)"--root", root, (char *)"cpus", NULL};
	char *av_check[] = {ctl,    (char *)"--root", root, (char *)"--config",
			    config, (char *)"check",  NULL};

	switch (c) {
	case C_TRUE:
		return spawn_us(av_true, cpu);
	case C_EXEC:
		return spawn_us(av_exec, cpu);
	case C_CPUS:
		return spawn_us(av_cpus, cpu);
	case C_CHECK:
		return spawn_us(av_check, cpu);
	default:
		return plan_us(root, conf, cpu);
	}
}

int main(int argc, char **argv)
{
	static struct vfe_config conf;
	double *t[N_CASES], *u[N_CASES];
	char err[320];
	int i, c, k, runs;

	if (argc != 5 || (runs = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: cpuplan-time ROOT CONFIG RUNS VFIO-EARLYCTL\n");
		return 2;
	}
	if (vfe_config_load(&conf, argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (c = 0; c < N_CASES; c++)
		if (!(t[c] = calloc((size_t)runs, sizeof(double))) ||
		    !(u[c] = calloc((size_t)runs, sizeof(double))))
			return 1;
	for (i = -1; i < runs; i++) { /* round -1: the warm-up */
		for (k = 0; k < N_CASES; k++) {
			double us, cpu = 0;

			c = (k + (i < 0 ? 0 : i)) % N_CASES;
			us = time_case(c, argv, &conf, &cpu);
			if (us < 0) {
				fprintf(stderr, "cpuplan-time: %s failed\n", case_name[c]);
				return 1;
			}
			if (i >= 0) {
				t[c][i] = us;
				u[c][i] = cpu;
			}
		}
	}
	for (c = 0; c < N_CASES; c++) {
		qsort(t[c], (size_t)runs, sizeof(double), cmp);
		qsort(u[c], (size_t)runs, sizeof(double), cmp);
		printf("%s %.0f %.0f %.0f %.0f\n", case_name[c], t[c][0], t[c][(runs - 1) / 2],
		       t[c][runs - 1], u[c][(runs - 1) / 2]);
		free(t[c]);
		free(u[c]);
	}
	return 0;
}
