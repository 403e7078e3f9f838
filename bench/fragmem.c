// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fragments physical memory the way a host that has run for a while has it, then runs a
 * command while the fragmentation holds (bench/hugepages.sh runs the hugepage request there).
 *
 * Movable memory alone does not do it: the kernel compacts (migrates) movable pages out of
 * the way when a hugepage is asked for. What defeats compaction are the kernel's own pages,
 * which cannot move, spread over many 2 MiB blocks. So:
 *   1. fill free memory with anonymous pages (movable), all but RESERVE MiB over the zones'
 *      high watermarks (with the kernel settings below changed meanwhile);
 *   2. fill what is left (whole free blocks) with pipe buffers, which are kernel pages that
 *      cannot move (as sockets' and slabs' cannot), down to MARGIN MiB over the watermarks:
 *      else the kernel would serve the next step from these blocks, not from the holes;
 *   3. free one anonymous page in every STRIDE: the free memory is now holes of one page,
 *      scattered through every 2 MiB block, and fill the holes with pipe buffers again;
 *      ROUNDS times, each freeing the page next to the last round's;
 *   4. free all the anonymous memory and close every other pipe.
 * Then most memory is free again, but few 2 MiB blocks are wholly free or can be made so.
 *
 * Usage: fragmem [-s STRIDE] [-n ROUNDS] [-r RESERVE_MIB] [-m MARGIN_MIB] CMD [ARG...]
 * Prints what it did on stdout ("fragmem: ..."), runs CMD, and exits with its status
 * (127 when it cannot run it, 1 when fragmenting failed).
 *
 * Built static (cc -static) so it runs in the busybox test image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PIPE_PAGES 16 /* the default pipe size: 16 buffers of one page */

/* A /proc/meminfo value in kB, or -errno. */
static long meminfo_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -ENOENT;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* The zones' "high" watermarks, summed, in kB (/proc/zoneinfo); 0 when unknown. */
static long zones_high_kb(long page)
{
	char line[256];
	long v, sum = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " high %ld", &v) == 1)
			sum += v;
	fclose(f);
	return sum * (page / 1024);
}

/*
 * Kernel settings changed while fragmenting, restored before the command runs:
 * - min_free_kbytes: what stays free at the end stays as holes in blocks no pipe reached, so
 *   the lower the watermarks the fewer; 8 MiB is about the kernel's own minimum for a few
 *   GiB (the transparent hugepage setup raises it to 45 MiB or more);
 * - percpu_pagelist_high_fraction: freed pages would otherwise wait in the per-CPU lists, out
 *   of the unmovable allocations' reach;
 * - watermark_boost_factor: each block an unmovable allocation takes over raises the
 *   watermarks for a while so that kswapd reclaims page cache; there is none here, and the
 *   raised watermarks would only bring the OOM killer.
 */
static struct tuning {
	const char *path, *value;
	char old[32];
} tunings[] = {
    {"/proc/sys/vm/min_free_kbytes", "8192", ""},
    {"/proc/sys/vm/percpu_pagelist_high_fraction", "1000000", ""},
    {"/proc/sys/vm/watermark_boost_factor", "0", ""},
};

static void write_value(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(value, f);
		fclose(f);
	}
}

static void tune(void)
{
	unsigned int i;
	FILE *f;

	for (i = 0; i < sizeof(tunings) / sizeof(tunings[0]); i++) {
		f = fopen(tunings[i].path, "r");
		if (!f)
			continue;
		if (fgets(tunings[i].old, sizeof(tunings[i].old), f))
			write_value(tunings[i].path, tunings[i].value);
		else
			tunings[i].old[0] = 0;
		fclose(f);
	}
}

static void untune(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(tunings) / sizeof(tunings[0]); i++)
		if (tunings[i].old[0])
			write_value(tunings[i].path, tunings[i].old);
}

/* Faults in every page of [p, p + len) for writing. */
static void populate(char *p, size_t len, long page)
{
	size_t i;

	if (!madvise(p, len, MADV_POPULATE_WRITE))
		return;
	for (i = 0; i < len; i += (size_t)page) /* kernels before 5.14 */
		p[i] = 1;
}

struct pipes {
	int *fd; /* read ends, -1 once closed */
	long n, max;
	char *buf;
	long page;
};

/* Fills pipes of PIPE_PAGES pages each until no more than FLOOR_KB are left free. */
static int fill_pipes(struct pipes *p, long floor_kb)
{
	int fd[2], j;

	while (meminfo_kb("MemFree") > floor_kb) {
		if (p->n == p->max) {
			int *more = realloc(p->fd, (size_t)(p->max * 2 + 1024) * sizeof(*more));

			if (!more)
				return -ENOMEM;
			p->fd = more;
			p->max = p->max * 2 + 1024;
		}
		if (pipe(fd) < 0)
			return -errno;
		/* Page-sized writes: each fills a buffer of its own, one newly allocated page. */
		for (j = 0; j < PIPE_PAGES; j++)
			if (write(fd[1], p->buf, (size_t)p->page) != p->page)
				break;
		close(fd[1]); /* the data stays while the read end is open */
		p->fd[p->n++] = fd[0];
	}
	return 0;
}

static int fragment(long stride, long rounds, long reserve_mib, long margin_mib, struct pipes *p)
{
	long page = sysconf(_SC_PAGESIZE), free_kb, high_kb, floor_kb, pages, i, k, held, before;
	struct rlimit rl = {1 << 20, 1 << 20};
	size_t len;
	char *anon;
	int r;

	memset(p, 0, sizeof(*p));
	p->page = page;
	p->buf = malloc((size_t)page);
	if (!p->buf)
		return -ENOMEM;
	memset(p->buf, 'f', (size_t)page);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		rl.rlim_cur = rl.rlim_max = 1 << 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Never below the watermarks: kswapd would have nothing to reclaim, and the OOM killer. */
	high_kb = zones_high_kb(page);
	floor_kb = high_kb + margin_mib * 1024;
	free_kb = meminfo_kb("MemFree");
	if (free_kb < 0 || free_kb <= floor_kb + reserve_mib * 1024) {
		fprintf(stderr, "fragmem: only %ld kB free\n", free_kb);
		return -ENOMEM;
	}

	len = (size_t)((free_kb - floor_kb) / 1024 - reserve_mib) << 20;
	anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		return -errno;
	/* One page at a time, never a transparent hugepage: the holes must be single pages. */
	madvise(anon, len, MADV_NOHUGEPAGE);
	populate(anon, len, page);
	printf("fragmem: %zu MiB of anonymous memory (movable), %ld kB left free\n", len >> 20,
	       meminfo_kb("MemFree"));

	/* The whole free blocks left go to kernel pages first, or the holes would stay free. */
	r = fill_pipes(p, floor_kb);
	if (r < 0)
		return r;
	printf("fragmem: %ld pipes of %d pages in the free blocks left: %ld kB free\n", p->n,
	       PIPE_PAGES, meminfo_kb("MemFree"));
	/*
	 * The pipes take whole free blocks before single pages, and the watermarks keep some
	 * memory free: the holes filled last stay free. A second round of holes, next to the
	 * first ones, goes first to the blocks whose holes were left: every block gets some.
	 */
	pages = (long)(len / (size_t)page);
	for (k = 1; k <= rounds && k < stride; k++) {
		before = p->n;
		for (i = stride - k; i < pages; i += stride)
			madvise(anon + i * page, (size_t)page, MADV_DONTNEED);
		free_kb = meminfo_kb("MemFree");
		r = fill_pipes(p, floor_kb);
		if (r < 0)
			return r;
		printf(
		    "fragmem: round %ld: one anonymous page in %ld freed (%ld kB free), %ld pipes "
		    "put there: %ld kB free\n",
		    k, stride, free_kb, p->n - before, meminfo_kb("MemFree"));
	}
	printf("fragmem: %ld pipes of %d pages: %ld MiB of kernel pages (unmovable)\n", p->n,
	       PIPE_PAGES, p->n * PIPE_PAGES * page >> 20);

	munmap(anon, len);
	held = 0;
	for (i = 0; i < p->n; i++) {
		if (i % 2) {
			close(p->fd[i]);
			p->fd[i] = -1;
		} else {
			held++;
		}
	}
	printf("fragmem: anonymous memory freed, every other pipe closed: %ld pipes (%ld MiB) "
	       "held, %ld kB free\n",
	       held, held * PIPE_PAGES * page >> 20, meminfo_kb("MemFree"));
	return 0;
}

static long number(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 1) {
		fprintf(stderr, "fragmem: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long stride = 16, rounds = 2, reserve = 64, margin = 8;
	struct pipes pipes;
	int opt, st, r;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+s:n:r:m:")) != -1) {
		switch (opt) {
		case 's':
			stride = number(optarg, "stride");
			break;
		case 'n':
			rounds = number(optarg, "rounds");
			break;
		case 'r':
			reserve = number(optarg, "reserve");
			break;
		case 'm':
			margin = number(optarg, "margin");
			break;
		default:
			fprintf(stderr, "usage: fragmem [-s STRIDE] [-n ROUNDS] [-r RESERVE_MIB] "
					"[-m MARGIN_MIB] CMD [ARG...]\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: fragmem [-s STRIDE] [-n ROUNDS] [-r RESERVE_MIB] [-m "
				"MARGIN_MIB] CMD [ARG...]\n");
		return 2;
	}
	tune();
	r = fragment(stride, rounds, reserve, margin, &pipes);
	untune();
	if (r < 0) {
		fprintf(stderr, "fragmem: %s\n", strerror(-r));
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		long i;

		for (i = 0; i < pipes.n; i++) /* the child needs none of them */
			if (pipes.fd[i] >= 0)
				close(pipes.fd[i]);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "fragmem: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
