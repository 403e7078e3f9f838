// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run - the `make bench` driver: vfio-early against a POSIX-sh binder on fake sysfs trees.
 * Usage: run [-b BUILD] [-s SRC] [-k RUNS] [-n N[,N...]] [-d TMPDIR] [--keep] [--no-fake-kernel]
 *
 * For each size N (default 64, 512, 4096): bench/gen-spec.sh writes the spec of a machine with N
 * PCI devices and the config binding its 8 targets; tests/rootfs/mkroot builds a pristine tree and
 * a working tree from it. Then RUNS times (default 31), in alternating order, BUILD/vfio-early
 * --root TREE --config CONF -q and sh bench/shell-binder.sh TREE CONF run on the working tree,
 * each timed from spawn to reap (wall clock) with its peak RSS from wait4; in the same rounds,
 * BUILD/vfio-early --version (the helper's start-up alone: loading, linking, exit) and /bin/true
 * (the floor under every figure), the four in a rotating order. Both tools run with
 * BUILD/bench/fakesysfs.so preloaded, which makes unbind, bind and drivers_probe take effect
 * synchronously as the kernel does (without it no driver link ever changes and the helper times
 * its 50 ms waits for one). Both change the tree (driver_override, unbind, drivers_probe, driver
 * links, the report), so after every run, outside the timing, whatever changed since the run
 * began is put back from the pristine tree. One warm-up run per tool first: its output goes to
 * TOOL.log, its changes are counted. The trees go to $TMPDIR, else /dev/shm (sysfs is in memory
 * too, and a journalled file system would time its own writes), else /tmp.
 *
 * Prints a table, the speed-up and the growth from the first size to the last, a summary per size
 * (helper wall, its own time, shell binder, start-up), and one "BENCH key=value ..." line per
 * case. Never part of pass/fail: exits 0 unless it could not run.
 */
#define _XOPEN_SOURCE	700
#define _DEFAULT_SOURCE /* wait4 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_SIZES 16
#define NTOOLS	  2

enum { HELPER, BINDER };
static const char *const tool_name[NTOOLS] = {"vfio-early", "shell-binder"};

struct result {
	int ok; /* measured */
	double median_us, min_us, max_us;
	double self_us; /* median of the helper's own duration_us (report.json); 0: none */
	long maxrss_kb;
	int exit_status; /* of the warm-up run; -1 when it varied between runs */
	int changed;	 /* files and links the warm-up run changed, created or removed */
	int overrides;	 /* driver_override files it left reading vfio-pci */
	int bound;	 /* driver links to vfio-pci it made */
};

static struct {
	const char *helper, *mkroot, *gen, *binder, *shim;
	int runs, keep, fake;
	char **envp; /* the children's: ours, with the shim preloaded */
} opt = {.runs = 31, .fake = 1};

/* state of the tree restore (nftw has no user pointer) */
static struct {
	const char *tree, *pristine;
	size_t tree_len;
	struct timespec since;
	int changed, overrides, bound;
} restore;

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = malloc((size_t)n + 1);
	if (!s)
		die("out of memory");
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * Spawn argv with envp, stdin from /dev/null, stdout+stderr to log (or /dev/null); wait for it.
 * Returns the exit status (128 + signal when killed); fills the wall time and peak RSS.
 */
static int run_timed(char *const argv[], char **envp, const char *log, double *wall_us,
		     long *maxrss_kb)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	double t0;
	pid_t pid;
	int st, err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log ? log : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0666);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	t0 = now_us();
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		die("%s: %s", argv[0], strerror(err));
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4: %s", strerror(errno));
	if (wall_us)
		*wall_us = now_us() - t0;
	if (maxrss_kb)
		*maxrss_kb = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_or_die(char *const argv[], const char *log)
{
	int st = run_timed(argv, environ, log, NULL, NULL);

	if (st)
		die("%s exited with %d%s%s", argv[0], st, log ? ", see " : "", log ? log : "");
}

static int newer(const struct timespec *t, const struct timespec *since)
{
	return t->tv_sec > since->tv_sec ||
	       (t->tv_sec == since->tv_sec && t->tv_nsec >= since->tv_nsec);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(from, O_RDONLY | O_CLOEXEC);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
	if (in < 0 || out < 0)
		die("restore %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("restore %s: %s", to, strerror(errno));
	close(in);
	close(out);
}

static void copy_link(const char *from, const char *to)
{
	char target[PATH_MAX];
	ssize_t n = readlink(from, target, sizeof(target) - 1);

	if (n < 0)
		die("restore %s: %s", to, strerror(errno));
	target[n] = '\0';
	if ((unlink(to) && errno != ENOENT) || symlink(target, to))
		die("restore %s: %s", to, strerror(errno));
}

static int same_link(const char *a, const char *b)
{
	char ta[PATH_MAX], tb[PATH_MAX];
	ssize_t na = readlink(a, ta, sizeof(ta)), nb = readlink(b, tb, sizeof(tb));

	return na >= 0 && na == nb && !memcmp(ta, tb, (size_t)na);
}

static int holds_vfio_pci(const char *path)
{
	char buf[64] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = '\0';
	close(fd);
	return !strncmp(buf, "vfio-pci", 8);
}

/* entries of the pristine directory orig that the run removed from dir come back */
static void restore_missing(const char *dir, const char *orig)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(orig);

	if (!d)
		die("restore %s: %s", orig, strerror(errno));
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(to, sizeof(to), "%s/%s", dir, e->d_name) >= (int)sizeof(to) ||
		    snprintf(from, sizeof(from), "%s/%s", orig, e->d_name) >= (int)sizeof(from))
			die("%s/%s: path too long", dir, e->d_name);
		if (!lstat(to, &st))
			continue;
		if (lstat(from, &st))
			die("restore %s: %s", from, strerror(errno));
		if (S_ISLNK(st.st_mode))
			copy_link(from, to);
		else if (S_ISREG(st.st_mode))
			copy_file(from, to, st.st_mode);
		else
			die("restore %s: a removed directory, not supported", to);
		restore.changed++;
	}
	closedir(d);
}

static int restore_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char orig[PATH_MAX];
	struct stat ost;

	(void)ftw;
	if (!newer(&st->st_mtim, &restore.since))
		return 0;
	if ((size_t)snprintf(orig, sizeof(orig), "%s%s", restore.pristine,
			     path + restore.tree_len) >= sizeof(orig))
		die("%s: path too long", path);
	if (lstat(orig, &ost)) {
		/* created by the run */
		if (type == FTW_DP ? rmdir(path) : unlink(path))
			die("restore %s: %s", path, strerror(errno));
		restore.changed++;
		restore.bound += type == FTW_SL && strstr(path, "/drivers/vfio-pci/");
		return 0;
	}
	if (type == FTW_DP) {
		restore_missing(path, orig);
	} else if (type == FTW_F && S_ISREG(ost.st_mode)) {
		if (!strcmp(path + strlen(path) - strlen("/driver_override"), "/driver_override") &&
		    holds_vfio_pci(path))
			restore.overrides++;
		copy_file(orig, path, ost.st_mode);
		restore.changed++;
	} else if (type == FTW_SL && S_ISLNK(ost.st_mode)) {
		if (!same_link(orig, path)) {
			copy_link(orig, path);
			restore.changed++;
		}
	} else {
		die("restore %s: changed its type", path);
	}
	return 0;
}

/* undo what a run wrote: files modified since `since` come back from the pristine tree */
static void restore_tree(const char *tree, const char *pristine, const struct timespec *since)
{
	restore.tree = tree;
	restore.pristine = pristine;
	restore.tree_len = strlen(tree);
	restore.since = *since;
	restore.changed = 0;
	restore.overrides = 0;
	restore.bound = 0;
	if (nftw(tree, restore_one, 32, FTW_PHYS | FTW_DEPTH))
		die("restore %s: %s", tree, strerror(errno));
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP ? rmdir(path) : unlink(path))
		die("rm %s: %s", path, strerror(errno));
	return 0;
}

static void remove_tree(const char *path)
{
	if (!access(path, F_OK) && nftw(path, remove_one, 32, FTW_PHYS | FTW_DEPTH))
		die("rm %s: %s", path, strerror(errno));
}

/* the file system's clock as of now: the mtime of a file just written (coarse, like the tree's) */
static struct timespec fs_now(const char *stamp)
{
	struct stat st;
	int fd = open(stamp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0 || write(fd, "x", 1) != 1 || fstat(fd, &st))
		die("%s: %s", stamp, strerror(errno));
	close(fd);
	return st.st_mtim;
}

/* duration_us from the report the helper left in the tree, 0 when there is none */
static double reported_us(const char *tree)
{
	char path[PATH_MAX], buf[8192], *p;
	ssize_t n;
	int fd;

	n = snprintf(path, sizeof(path), "%s/run/vfio-early/report.json", tree);
	if (n >= (ssize_t)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	p = strstr(buf, "\"duration_us\"");
	p = p ? strchr(p, ':') : NULL;
	return p ? strtod(p + 1, NULL) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void bench_size(const char *work, int n, struct result res[NTOOLS], double *floor_us,
		       double *startup_us)
{
	char *dir = xasprintf("%s/n%d", work, n), *spec = xasprintf("%s/spec", dir);
	char *conf = xasprintf("%s/conf", dir), *pristine = xasprintf("%s/pristine", dir);
	char *tree = xasprintf("%s/tree", dir), *stamp = xasprintf("%s/stamp", dir);
	char *log[NTOOLS], nbuf[16];
	char *gen_argv[] = {"/bin/sh", (char *)opt.gen, nbuf, spec, conf, NULL};
	char *mk1_argv[] = {(char *)opt.mkroot, spec, pristine, NULL};
	char *mk2_argv[] = {(char *)opt.mkroot, spec, tree, NULL};
	char *argv[NTOOLS][8] = {
	    {(char *)opt.helper, "--root", tree, "--config", conf, "-q", NULL},
	    {"/bin/sh", (char *)opt.binder, tree, conf, NULL},
	};
	char *true_argv[] = {"/bin/true", NULL};
	char *version_argv[] = {(char *)opt.helper, "--version", NULL};
	double *wall[NTOOLS], *self, *floor, *startup, t0;
	struct timespec since;
	int i, t, k, st;

	if (mkdir(dir, 0777))
		die("%s: %s", dir, strerror(errno));
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	run_or_die(gen_argv, NULL);
	fprintf(stderr, "bench: %d devices: building the trees ...", n);
	t0 = now_us();
	run_or_die(mk1_argv, NULL);
	run_or_die(mk2_argv, NULL);
	fprintf(stderr, " %.2f s each; %d runs per tool ...", (now_us() - t0) / 2e6, opt.runs);

	self = calloc((size_t)opt.runs, sizeof(double));
	floor = calloc((size_t)opt.runs, sizeof(double));
	startup = calloc((size_t)opt.runs, sizeof(double));
	if (!startup)
		die("out of memory");
	for (t = 0; t < NTOOLS; t++) {
		memset(&res[t], 0, sizeof(res[t]));
		wall[t] = calloc((size_t)opt.runs, sizeof(double));
		log[t] = xasprintf("%s/%s.log", dir, tool_name[t]);
		if (!wall[t] || !self || !floor)
			die("out of memory");
		if (t == HELPER && access(opt.helper, X_OK))
			continue;
		/* let the coarse file-system clock pass the tree's last writes: exact counts */
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
		since = fs_now(stamp);
		st = run_timed(argv[t], opt.envp, log[t], NULL, NULL);
		restore_tree(tree, pristine, &since);
		if (st != 0 && st != 1) {
			fprintf(stderr, "\nbench: %s exited with %d on %d devices, see %s\n",
				tool_name[t], st, n, log[t]);
			continue;
		}
		res[t].ok = 1;
		res[t].exit_status = st;
		res[t].changed = restore.changed;
		res[t].overrides = restore.overrides;
		res[t].bound = restore.bound;
	}

	/* each round: both tools, the helper's start-up alone and /bin/true, in a rotating order */
	for (i = 0; i < opt.runs; i++) {
		for (k = 0; k < NTOOLS + 2; k++) {
			long rss;

			t = (i + k) % (NTOOLS + 2);
			if (t == NTOOLS) {
				run_timed(true_argv, opt.envp, NULL, &floor[i], NULL);
				continue;
			}
			if (t == NTOOLS + 1) {
				if (res[HELPER].ok)
					run_timed(version_argv, opt.envp, NULL, &startup[i], NULL);
				continue;
			}
			if (!res[t].ok)
				continue;
			since = fs_now(stamp);
			st = run_timed(argv[t], opt.envp, NULL, &wall[t][i], &rss);
			if (t == HELPER)
				self[i] = reported_us(tree);
			restore_tree(tree, pristine, &since);
			if (st != res[t].exit_status)
				res[t].exit_status = -1;
			if (rss > res[t].maxrss_kb)
				res[t].maxrss_kb = rss;
		}
	}
	fprintf(stderr, " done\n");

	for (t = 0; t < NTOOLS; t++) {
		if (res[t].ok) {
			res[t].median_us = median(wall[t], opt.runs);
			res[t].min_us = wall[t][0];
			res[t].max_us = wall[t][opt.runs - 1];
			if (t == HELPER)
				res[t].self_us = median(self, opt.runs);
		}
		free(wall[t]);
		free(log[t]);
	}
	*floor_us = median(floor, opt.runs);
	*startup_us = res[HELPER].ok ? median(startup, opt.runs) : 0;
	free(self);
	free(floor);
	free(startup);
	if (!opt.keep && res[HELPER].ok == !access(opt.helper, X_OK) && res[BINDER].ok)
		remove_tree(dir);
	free(dir), free(spec), free(conf), free(pristine), free(tree), free(stamp);
}

static void usage(void)
{
	fputs("usage: run [-b BUILD] [-s SRC] [-k RUNS] [-n N[,N...]] [-d TMPDIR] [--keep]\n"
	      "           [--no-fake-kernel]\n"
	      "  -b BUILD          where vfio-early, tests/mkroot, bench/fakesysfs.so are (build)\n"
	      "  -s SRC            the source tree, for bench/*.sh (.)\n"
	      "  -k RUNS           timed runs per tool and size (31)\n"
	      "  -n N,...          device counts, each at least 57 (64,512,4096)\n"
	      "  -d TMPDIR         where the trees go ($TMPDIR, else /dev/shm, else /tmp)\n"
	      "  --keep            keep the trees, specs, configs and logs\n"
	      "  --no-fake-kernel  plain files only: nothing binds, the helper waits it out\n",
	      stderr);
	exit(2);
}

static const char *ms(double us, char *buf)
{
	sprintf(buf, us < 10000 ? "%.2f ms" : "%.1f ms", us / 1000);
	return buf;
}

/* our environment for the children, with LD_PRELOAD naming only the shim (or unset) */
static char **child_env(void)
{
	size_t n = 0, i, k = 0;
	char **envp;

	while (environ[n])
		n++;
	envp = calloc(n + 2, sizeof(char *));
	if (!envp)
		die("out of memory");
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11))
			envp[k++] = environ[i];
	if (opt.fake)
		envp[k++] = xasprintf("LD_PRELOAD=%s", opt.shim);
	return envp;
}

/* sysfs lives in memory: prefer tmpfs (/dev/shm) when it has room for the largest trees */
static const char *default_tmp(void)
{
	struct statvfs vfs;

	if (!access("/dev/shm", W_OK) && !statvfs("/dev/shm", &vfs) &&
	    (double)vfs.f_bavail * vfs.f_frsize >= 2.0 * 1024 * 1024 * 1024)
		return "/dev/shm";
	return "/tmp";
}

int main(int argc, char **argv)
{
	const char *build = "build", *src = ".", *tmp = getenv("TMPDIR");
	int sizes[MAX_SIZES] = {64, 512, 4096}, nsizes = 3, i, t;
	struct result res[MAX_SIZES][NTOOLS];
	char *work, *s, b1[32], b2[32], b3[32], b4[32], b5[32];
	struct result *first, *last;
	double floor[MAX_SIZES], startup[MAX_SIZES];

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--keep")) {
			opt.keep = 1;
			continue;
		}
		if (!strcmp(a, "--no-fake-kernel")) {
			opt.fake = 0;
			continue;
		}
		if (strlen(a) != 2 || a[0] != '-' || !v)
			usage();
		i++;
		switch (a[1]) {
		case 'b':
			build = v;
			break;
		case 's':
			src = v;
			break;
		case 'd':
			tmp = v;
			break;
		case 'k':
			opt.runs = atoi(v);
			if (opt.runs < 1)
				usage();
			break;
		case 'n':
			for (nsizes = 0, s = (char *)v; *s && nsizes < MAX_SIZES; nsizes++) {
				sizes[nsizes] = (int)strtol(s, &s, 10);
				if (sizes[nsizes] < 57 || (*s && *s++ != ','))
					usage();
			}
			break;
		default:
			usage();
		}
	}
	opt.helper = xasprintf("%s/vfio-early", build);
	opt.mkroot = xasprintf("%s/tests/mkroot", build);
	opt.shim = realpath(xasprintf("%s/bench/fakesysfs.so", build), NULL);
	opt.gen = xasprintf("%s/bench/gen-spec.sh", src);
	opt.binder = xasprintf("%s/bench/shell-binder.sh", src);
	if (access(opt.mkroot, X_OK) || access(opt.gen, R_OK) || access(opt.binder, R_OK))
		die("need %s, %s and %s", opt.mkroot, opt.gen, opt.binder);
	if (opt.fake && !opt.shim)
		die("need %s/bench/fakesysfs.so (or --no-fake-kernel)", build);
	if (access(opt.helper, X_OK))
		fprintf(stderr, "bench: %s not built: timing the shell binder only\n", opt.helper);
	opt.envp = child_env();
	if (!tmp || !*tmp)
		tmp = default_tmp();
	work = xasprintf("%s/vfio-early-bench.XXXXXX", tmp);
	if (!mkdtemp(work))
		die("%s: %s", work, strerror(errno));

	for (i = 0; i < nsizes; i++)
		bench_size(work, sizes[i], res[i], &floor[i], &startup[i]);

	printf("vfio-early bench: %d timed runs per tool and size; wall time from spawn to exit,\n"
	       "peak RSS from wait4; %ld CPUs; trees in %s; %s\n\n",
	       opt.runs, sysconf(_SC_NPROCESSORS_ONLN), tmp,
	       opt.fake ? "fake kernel: bench/fakesysfs.so" : "no fake kernel");
	printf("%7s  %-13s %9s %9s %9s %9s %9s %4s %5s %7s\n", "devices", "tool", "median", "min",
	       "max", "self", "peak RSS", "exit", "bound", "changed");
	for (i = 0; i < nsizes; i++) {
		for (t = 0; t < NTOOLS; t++) {
			struct result *r = &res[i][t];

			if (!r->ok) {
				printf("%7d  %-13s %9s\n", sizes[i], tool_name[t], "not run");
				continue;
			}
			printf("%7d  %-13s %9s %9s %9s %9s %5.1f MiB %4d %5d %7d\n", sizes[i],
			       tool_name[t], ms(r->median_us, b1), ms(r->min_us, b2),
			       ms(r->max_us, b3), r->self_us ? ms(r->self_us, b4) : "-",
			       r->maxrss_kb / 1024.0, r->exit_status, r->bound, r->changed);
		}
		if (res[i][HELPER].ok)
			printf("%7d  %-13s %9s\n", sizes[i], "start-up", ms(startup[i], b1));
		printf("%7d  %-13s %9s\n", sizes[i], "/bin/true", ms(floor[i], b1));
		if (res[i][HELPER].ok && res[i][BINDER].ok)
			printf("%7d  %-13s %8.1fx (net of the /bin/true spawn: %.1fx)\n", sizes[i],
			       "speed-up", res[i][BINDER].median_us / res[i][HELPER].median_us,
			       (res[i][BINDER].median_us - floor[i]) /
				   (res[i][HELPER].median_us - floor[i]));
	}
	printf("\n");
	for (t = 0; t < NTOOLS && nsizes > 1; t++) {
		first = &res[0][t];
		last = &res[nsizes - 1][t];
		if (first->ok && last->ok)
			printf("%s growth %d -> %d devices: %.2fx (%+.2f ms)\n", tool_name[t],
			       sizes[0], sizes[nsizes - 1], last->median_us / first->median_us,
			       (last->median_us - first->median_us) / 1000);
	}
	printf("self: the helper's own duration_us (report.json), from its start to the report\n"
	       "start-up: vfio-early --version, spawned the same way: loading, linking, exit\n"
	       "/bin/true: spawned the same way between the runs: the floor under every figure\n"
	       "exit: of every run (-1: it varied); bound: driver links to vfio-pci made;\n"
	       "changed: files and links changed, made or removed (put back after each run)\n");
	if (!opt.fake)
		printf("No fake kernel: no driver link ever changes, so both tools report every\n"
		       "target failed (exit 1) and the helper's figures are its waits for them.\n");
	printf("\nSummary (medians; the README's table):\n"
	       "| devices | vfio-early wall | its own time | shell binder | vfio-early start-up | "
	       "/bin/true | speed-up |\n|---|---|---|---|---|---|---|\n");
	for (i = 0; i < nsizes; i++) {
		struct result *h = &res[i][HELPER], *b = &res[i][BINDER];

		if (!h->ok || !b->ok)
			continue;
		printf("| %d | %s | %s | %s | %s | %s | %.1fx |\n", sizes[i], ms(h->median_us, b1),
		       ms(h->self_us, b2), ms(b->median_us, b3), ms(startup[i], b4),
		       ms(floor[i], b5), b->median_us / h->median_us);
	}
	printf("\n");

	for (i = 0; i < nsizes; i++) {
		for (t = 0; t < NTOOLS; t++) {
			struct result *r = &res[i][t];

			if (!r->ok)
				continue;
			printf("BENCH devices=%d tool=%s runs=%d median_us=%.0f min_us=%.0f "
			       "max_us=%.0f self_us=%.0f maxrss_kb=%ld exit=%d bound=%d changed=%d "
			       "overrides=%d fake_kernel=%d\n",
			       sizes[i], tool_name[t], opt.runs, r->median_us, r->min_us, r->max_us,
			       r->self_us, r->maxrss_kb, r->exit_status, r->bound, r->changed,
			       r->overrides, opt.fake);
		}
		if (res[i][HELPER].ok)
			printf("BENCH devices=%d tool=vfio-early-startup runs=%d median_us=%.0f\n",
			       sizes[i], opt.runs, startup[i]);
		printf("BENCH devices=%d tool=/bin/true runs=%d median_us=%.0f\n", sizes[i],
		       opt.runs, floor[i]);
		if (res[i][HELPER].ok && res[i][BINDER].ok)
			printf("BENCH devices=%d speedup=%.1f speedup_net=%.1f\n", sizes[i],
			       res[i][BINDER].median_us / res[i][HELPER].median_us,
			       (res[i][BINDER].median_us - floor[i]) /
				   (res[i][HELPER].median_us - floor[i]));
	}
	if (opt.keep || rmdir(work))
		fprintf(stderr, "bench: trees, specs and logs kept in %s\n", work);
	return 0;
}
