// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host tuning end to end on fake roots: the helper's steps 9 (hugepages) and 10 (IRQs,
 * workqueues, governor), and the CLI's cpus and libvirt-xml commands. Fixtures: the seed's
 * 3700X (seed), a two-node machine (numa2), a small VM without cpufreq (nocpufreq).
 *
 * A plain file cannot answer a write with fewer pages than asked, as the kernel does; the
 * fake hugetlb below serves nr_hugepages from a FIFO and caps what it "finds". A plain file
 * cannot answer EIO either: a managed IRQ is emulated by a directory in place of its
 * smp_affinity_list, whose write fails (EISDIR); the helper counts any failed IRQ write as
 * refused, so the count is what is tested.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/boot/cpulist.h"
#include "kselftest_harness.h"
#include "testutil.h"

static char out[131072];

static const char *field(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return "(null)";
	return json_object_get_string(v);
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o)
		json_object_object_get_ex(o, key, &v);
	return v;
}

#define ctl(r, ...) run_ctl(r, out, sizeof(out), __VA_ARGS__)

/*
 * The kernel's side of one nr_hugepages file: SCRIPT says what the helper will do, 'r' a
 * read, 'w' a write; a write of N leaves min(N, cap) pages, as an allocation that found
 * fewer pages does.
 */
struct fake_hugetlb {
	char path[1024];
	long count, cap;
	const char *script;
	char written[64];
	int served;
	volatile int stop;
	pthread_t thread;
};

static void *hugetlb_serve(void *arg)
{
	struct fake_hugetlb *h = arg;
	const char *step;
	char buf[64];

	for (step = h->script; *step && !h->stop; step++) {
		int fd = open(h->path, *step == 'r' ? O_WRONLY : O_RDONLY);
		ssize_t n;

		if (fd < 0 || h->stop) {
			if (fd >= 0)
				close(fd);
			break;
		}
		if (*step == 'r') {
			n = snprintf(buf, sizeof(buf), "%ld\n", h->count);
			if (write(fd, buf, (size_t)n) != n)
				break;
		} else {
			size_t used = 0;

			while (used + 1 < sizeof(h->written) &&
			       (n = read(fd, h->written + used, sizeof(h->written) - used - 1)) > 0)
				used += (size_t)n;
			h->written[used] = '\0';
			h->count = atol(h->written) < h->cap ? atol(h->written) : h->cap;
		}
		close(fd);
		h->served++;
	}
	return NULL;
}

static int hugetlb_start(struct fake_hugetlb *h, const struct vroot *r, const char *rel, long count,
			 long cap, const char *script)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->path, sizeof(h->path), "%s", vroot_path(r, rel));
	h->count = count;
	h->cap = cap;
	h->script = script;
	if (unlink(h->path) < 0 || mkfifo(h->path, 0644) < 0)
		return -errno;
	return pthread_create(&h->thread, NULL, hugetlb_serve, h) ? -1 : 0;
}

/* Stop the server wherever it waits: an O_RDWR open completes either side of a FIFO. */
static void hugetlb_stop(struct fake_hugetlb *h)
{
	h->stop = 1;
	while (pthread_tryjoin_np(h->thread, NULL) == EBUSY) {
		int fd = open(h->path, O_RDWR | O_NONBLOCK);

		if (fd >= 0)
			close(fd);
		usleep(1000);
	}
}

FIXTURE(tuning)
{
	struct vroot r;
	json_object *report;
};

FIXTURE_SETUP(tuning)
{
	self->r.dir[0] = '\0';
	self->report = NULL;
}

FIXTURE_TEARDOWN(tuning)
{
	json_object_put(self->report);
	if (self->r.dir[0])
		vroot_destroy(&self->r);
}

#define MAKE_ROOT(name) ASSERT_EQ(0, vroot_make(&self->r, name))

/* Run the helper with CONF and CMDLINE; the report (if written) into self->report. */
static int run_conf(FIXTURE_DATA(tuning) * self, const char *conf, const char *cmdline, ...)
{
	const char *text;
	int status;

	vroot_write(&self->r, "etc/vfio-early.conf", conf);
	vroot_write(&self->r, "proc/cmdline", cmdline);
	unlink(vroot_path(&self->r, "run/vfio-early/report.json"));
	status = run_helper(&self->r, out, sizeof(out), NULL);
	json_object_put(self->report);
	text = vroot_read(&self->r, "run/vfio-early/report.json");
	self->report = text ? json_tokener_parse(text) : NULL;
	return status;
}

static json_object *hugepages_entry(FIXTURE_DATA(tuning) * self, size_t i)
{
	return json_object_array_get_idx(get(self->report, "hugepages"), i);
}

static json_object *affinity(FIXTURE_DATA(tuning) * self)
{
	return get(self->report, "affinity");
}

static bool logged(FIXTURE_DATA(tuning) * self, const char *text)
{
	return strstr(vroot_log(&self->r), text) != NULL;
}

#define SEED_CPU(n, attr) "sys/devices/system/cpu/cpu" #n "/cpufreq/" attr

/* ---- step 9: hugepages ---- */

TEST_F(tuning, hugepages_reserved_and_read_back)
{
	MAKE_ROOT("seed");
	EXPECT_EQ(0, run_conf(self, "hugepages 2M 8192\n", ""))
	TH_LOG("%s%s", out, vroot_log(&self->r));
	EXPECT_STREQ("8192",
		     vroot_read(&self->r, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"));
	EXPECT_STREQ("2048", field(hugepages_entry(self, 0), "size_kb"));
	EXPECT_STREQ("(null)", field(hugepages_entry(self, 0), "node"));
	EXPECT_STREQ("8192", field(hugepages_entry(self, 0), "requested"));
	EXPECT_STREQ("0", field(hugepages_entry(self, 0), "before"));
	EXPECT_STREQ("8192", field(hugepages_entry(self, 0), "reserved"));
	EXPECT_STRNE("(null)", field(hugepages_entry(self, 0), "write_us"));
	EXPECT_TRUE(logged(self, "vfio-early: bound 0/0, hugepages 2M 8192/8192, "));
	/* The 1G pool was not asked for and is not touched. */
	EXPECT_STREQ("0\n", vroot_read(&self->r,
				       "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"));
}

TEST_F(tuning, shortfall_is_reported_exactly)
{
	struct fake_hugetlb h;

	MAKE_ROOT("seed");
	ASSERT_EQ(0, hugetlb_start(&h, &self->r,
				   "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", 0, 6144,
				   "rwr"));
	EXPECT_EQ(1, run_conf(self, "hugepages 2M 8192\n", ""));
	hugetlb_stop(&h);
	EXPECT_EQ(3, h.served);
	EXPECT_STREQ("8192", h.written);
	EXPECT_STREQ("6144", field(hugepages_entry(self, 0), "reserved"));
	EXPECT_STREQ("8192", field(hugepages_entry(self, 0), "requested"));
	EXPECT_TRUE(logged(
	    self, "<3>vfio-early: hugepages 2M: 8192 requested, 6144 reserved, 2048 short\n"))
	TH_LOG("%s", vroot_log(&self->r));
	EXPECT_TRUE(logged(self, ", hugepages 2M 6144/8192, "));
}

TEST_F(tuning, a_higher_count_is_never_lowered)
{
	struct fake_hugetlb h;

	MAKE_ROOT("seed");
	/* Reserved on the kernel command line already: read once, never written. */
	ASSERT_EQ(0, hugetlb_start(&h, &self->r,
				   "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", 10000,
				   20000, "rw"));
	EXPECT_EQ(0, run_conf(self, "hugepages 2M 8192\n", ""));
	hugetlb_stop(&h);
	EXPECT_EQ(1, h.served);
	EXPECT_STREQ("", h.written);
	EXPECT_STREQ("10000", field(hugepages_entry(self, 0), "reserved"));
	EXPECT_STREQ("(null)", field(hugepages_entry(self, 0), "write_us"));
	EXPECT_TRUE(logged(self, ", hugepages 2M 10000/8192, "));
}

TEST_F(tuning, per_node_counts_on_two_nodes)
{
	const char *n0 = "sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages";
	const char *n1 = "sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages";

	MAKE_ROOT("numa2");
	EXPECT_EQ(0, run_conf(self, "hugepages 1G 8@0 4@1\nhugepages 2M 512\n", ""))
	TH_LOG("%s%s", out, vroot_log(&self->r));
	EXPECT_STREQ("8", vroot_read(&self->r, n0));
	EXPECT_STREQ("4", vroot_read(&self->r, n1));
	EXPECT_STREQ("512",
		     vroot_read(&self->r, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"));
	/* Per-node requests leave the global 1G count to the kernel. */
	EXPECT_STREQ("0\n", vroot_read(&self->r,
				       "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"));
	EXPECT_STREQ("0", field(hugepages_entry(self, 0), "node"));
	EXPECT_STREQ("1", field(hugepages_entry(self, 1), "node"));
	EXPECT_STREQ("4", field(hugepages_entry(self, 1), "reserved"));
	EXPECT_TRUE(logged(self, "hugepages 1G@0 8/8, hugepages 1G@1 4/4, hugepages 2M 512/512"));
}

TEST_F(tuning, per_node_shortfall_names_the_node)
{
	struct fake_hugetlb h;

	MAKE_ROOT("numa2");
	ASSERT_EQ(0, hugetlb_start(&h, &self->r,
				   "sys/devices/system/node/node1/hugepages/hugepages-1048576kB/"
				   "nr_hugepages",
				   0, 3, "rwr"));
	EXPECT_EQ(1, run_conf(self, "hugepages 1G 8@0 8@1\n", ""));
	hugetlb_stop(&h);
	EXPECT_EQ(3, h.served);
	EXPECT_STREQ("8", field(hugepages_entry(self, 0), "reserved"));
	EXPECT_STREQ("3", field(hugepages_entry(self, 1), "reserved"));
	EXPECT_TRUE(logged(self, "hugepages 1G@1: 8 requested, 3 reserved, 5 short"))
	TH_LOG("%s", vroot_log(&self->r));
}

TEST_F(tuning, missing_node_or_size_is_an_error)
{
	MAKE_ROOT("numa2");
	EXPECT_EQ(1, run_conf(self, "hugepages 1G 2@2\n", ""));
	EXPECT_TRUE(logged(self, "hugepages 1G@2: no 1048576 kB pages on node 2"));
	EXPECT_STREQ("(null)", field(hugepages_entry(self, 0), "reserved"));
	EXPECT_STREQ("No such file or directory", field(hugepages_entry(self, 0), "error"));
	vroot_destroy(&self->r);

	MAKE_ROOT("nocpufreq");
	EXPECT_EQ(1, run_conf(self, "hugepages 1G 2\n", ""));
	EXPECT_TRUE(logged(self, "hugepages 1G: this kernel has no 1048576 kB hugepages"));
}

TEST_F(tuning, hugepages_switch_replaces_or_disables)
{
	const char *p2m = "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";
	const char *p1g = "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages";

	MAKE_ROOT("seed");
	EXPECT_EQ(0, run_conf(self, "hugepages 2M 8192\n", "vfio_early.hugepages=1G:4"));
	EXPECT_STREQ("4", vroot_read(&self->r, p1g));
	EXPECT_STREQ("0\n", vroot_read(&self->r, p2m));
	EXPECT_EQ(1, json_object_array_length(get(self->report, "hugepages")));

	EXPECT_EQ(0, run_conf(self, "hugepages 2M 8192\n", "vfio_early.hugepages=0"));
	EXPECT_STREQ("0\n", vroot_read(&self->r, p2m));
	EXPECT_EQ(0, json_object_array_length(get(self->report, "hugepages")));
}

/* ---- step 10: affinity ---- */

static const int seed_irqs[] = {0,  1,	8,  9,	12, 14, 15, 24, 25, 26,
				27, 28, 29, 30, 31, 32, 33, 34, 35, 36};

static const char *irq_list(const struct vroot *r, int irq)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/irq/%d/smp_affinity_list", irq);
	return vroot_read(r, rel);
}

TEST_F(tuning, host_keeps_irqs_workqueues_and_governor_off_vm_cpus)
{
	size_t i;
	int cpu;

	MAKE_ROOT("seed");
	EXPECT_EQ(0, run_conf(self, "vm-cpus 8-15\n", "")) TH_LOG("%s%s", out, vroot_log(&self->r));
	/* Hex bitmap, as wide as the kernel prints it for 16 possible CPUs. */
	EXPECT_STREQ("00ff", vroot_read(&self->r, "proc/irq/default_smp_affinity"));
	EXPECT_STREQ("00ff", vroot_read(&self->r, "sys/devices/virtual/workqueue/cpumask"));
	for (i = 0; i < sizeof(seed_irqs) / sizeof(seed_irqs[0]); i++)
		EXPECT_STREQ("0-7", irq_list(&self->r, seed_irqs[i]))
	TH_LOG("IRQ %d", seed_irqs[i]);
	for (cpu = 0; cpu < 16; cpu++) {
		char rel[96];

		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor",
			 cpu);
		EXPECT_STREQ(cpu >= 8 ? "performance" : "schedutil\n", vroot_read(&self->r, rel))
		TH_LOG("CPU %d", cpu);
	}
	EXPECT_STREQ("8-15", field(affinity(self), "vm_cpus"));
	EXPECT_STREQ("0-7", field(affinity(self), "host_cpus"));
	EXPECT_STREQ("20", field(affinity(self), "irqs_moved"));
	EXPECT_STREQ("0", field(affinity(self), "irqs_refused"));
	EXPECT_STREQ("00ff", field(affinity(self), "default_smp_affinity"));
	EXPECT_STREQ("00ff", field(affinity(self), "workqueue"));
	EXPECT_STREQ("performance", field(affinity(self), "governor"));
	EXPECT_STREQ("8-15", field(affinity(self), "governor_cpus"));
	EXPECT_STREQ("(null)", field(affinity(self), "refused"));
	EXPECT_TRUE(logged(self, ", vm-cpus 8-15, "));
}

TEST_F(tuning, irqs_that_refuse_are_counted_not_fatal)
{
	MAKE_ROOT("seed");
	/* Stand-ins for managed IRQs: their write fails, as EIO does from the kernel. */
	ASSERT_EQ(0, unlink(vroot_path(&self->r, "proc/irq/25/smp_affinity_list")));
	ASSERT_EQ(0, mkdir(vroot_path(&self->r, "proc/irq/25/smp_affinity_list"), 0755));
	ASSERT_EQ(0, unlink(vroot_path(&self->r, "proc/irq/26/smp_affinity_list")));
	ASSERT_EQ(0, mkdir(vroot_path(&self->r, "proc/irq/26/smp_affinity_list"), 0755));
	ASSERT_EQ(0, unlink(vroot_path(&self->r, "proc/irq/0/smp_affinity_list")));
	ASSERT_EQ(0, mkdir(vroot_path(&self->r, "proc/irq/0/smp_affinity_list"), 0755));
	EXPECT_EQ(0, run_conf(self, "vm-cpus 4-7,12-15\n", ""));
	EXPECT_STREQ("17", field(affinity(self), "irqs_moved"));
	EXPECT_STREQ("3", field(affinity(self), "irqs_refused"));
	EXPECT_STREQ("0,25-26", field(affinity(self), "irqs_refused_list"));
	EXPECT_STREQ("0-3,8-11", irq_list(&self->r, 24));
	EXPECT_STREQ("0-3,8-11", irq_list(&self->r, 27));
	EXPECT_STREQ("0f0f", vroot_read(&self->r, "proc/irq/default_smp_affinity"));
	EXPECT_TRUE(logged(self, "host CPUs 0-3,8-11: 17 IRQs moved, 3 refused by the kernel "
				 "(managed or fixed: 0,25-26)"))
	TH_LOG("%s", vroot_log(&self->r));
}

TEST_F(tuning, vm_cpus_that_would_starve_the_host_are_refused)
{
	static const struct {
		const char *conf, *why;
	} bad[] = {
	    {"vm-cpus 0-15\n", "vm-cpus leaves no CPU to the host (0-15 is every CPU)"},
	    {"vm-cpus 0-3\n", "vm-cpus holds CPU 0, which the host needs"},
	    {"vm-cpus 8-16\n", "vm-cpus names CPU 16, which does not exist (CPUs: 0-15)"},
	};
	size_t i;

	MAKE_ROOT("seed");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(1, run_conf(self, bad[i].conf, "")) TH_LOG("%s", bad[i].conf);
		EXPECT_NE(NULL, strstr(field(affinity(self), "refused"), bad[i].why))
		TH_LOG("%s", field(affinity(self), "refused"));
		EXPECT_TRUE(logged(self, bad[i].why));
		/* Nothing was touched. */
		EXPECT_STREQ("ffff\n", vroot_read(&self->r, "proc/irq/default_smp_affinity"));
		EXPECT_STREQ("0-15\n", irq_list(&self->r, 24));
		EXPECT_STREQ("ffff\n",
			     vroot_read(&self->r, "sys/devices/virtual/workqueue/cpumask"));
		EXPECT_STREQ("schedutil\n", vroot_read(&self->r, SEED_CPU(8, "scaling_governor")));
		EXPECT_STREQ("0", field(affinity(self), "irqs_moved"));
	}
	EXPECT_TRUE(logged(self, ", vm-cpus 8-16 refused, "));
}

TEST_F(tuning, governor_keep_named_or_unavailable)
{
	MAKE_ROOT("seed");
	EXPECT_EQ(0, run_conf(self, "vm-cpus 8-15\ngovernor keep\n", ""));
	EXPECT_STREQ("schedutil\n", vroot_read(&self->r, SEED_CPU(8, "scaling_governor")));
	EXPECT_STREQ("keep", field(affinity(self), "governor"));
	EXPECT_STREQ("(null)", field(affinity(self), "governor_cpus"));

	EXPECT_EQ(0, run_conf(self, "vm-cpus 8-15\ngovernor powersave\n", ""));
	EXPECT_STREQ("powersave", vroot_read(&self->r, SEED_CPU(15, "scaling_governor")));
	EXPECT_STREQ("schedutil\n", vroot_read(&self->r, SEED_CPU(7, "scaling_governor")));

	/* Not in scaling_available_governors: not written, and said. */
	EXPECT_EQ(1, run_conf(self, "vm-cpus 8-15\ngovernor turbo\n", ""));
	EXPECT_STREQ("powersave", vroot_read(&self->r, SEED_CPU(15, "scaling_governor")));
	EXPECT_STREQ("8-15", field(affinity(self), "governor_failed"));
	EXPECT_TRUE(logged(self, "governor turbo could not be set on CPUs 8-15: no such governor"))
	TH_LOG("%s", vroot_log(&self->r));
}

TEST_F(tuning, no_cpufreq_is_skipped_quietly)
{
	MAKE_ROOT("nocpufreq");
	EXPECT_EQ(0, run_conf(self, "vm-cpus 2-3\n", "")) TH_LOG("%s%s", out, vroot_log(&self->r));
	EXPECT_STREQ("2-3", field(affinity(self), "no_cpufreq"));
	EXPECT_STREQ("(null)", field(affinity(self), "governor_cpus"));
	EXPECT_STREQ("3", vroot_read(&self->r, "proc/irq/default_smp_affinity"));
	EXPECT_STREQ("3", vroot_read(&self->r, "sys/devices/virtual/workqueue/cpumask"));
	EXPECT_STREQ("0-1", irq_list(&self->r, 11));
	EXPECT_FALSE(logged(self, "<4>"));
	EXPECT_FALSE(logged(self, "<3>"));
}

TEST_F(tuning, kernel_without_workqueue_mask_is_not_a_failure)
{
	MAKE_ROOT("nocpufreq");
	ASSERT_EQ(0, unlink(vroot_path(&self->r, "sys/devices/virtual/workqueue/cpumask")));
	EXPECT_EQ(0, run_conf(self, "vm-cpus 2-3\n", ""));
	EXPECT_STREQ("(null)", field(affinity(self), "workqueue"));
	EXPECT_TRUE(logged(self, "unbound workqueues not in this kernel"));
}

TEST_F(tuning, cpus_switch_replaces_or_disables)
{
	MAKE_ROOT("seed");
	EXPECT_EQ(0, run_conf(self, "vm-cpus 8-15\n", "vfio_early.cpus=4-7,12-15"));
	EXPECT_STREQ("0f0f", vroot_read(&self->r, "proc/irq/default_smp_affinity"));
	EXPECT_STREQ("0-3,8-11", irq_list(&self->r, 30));
	EXPECT_STREQ("performance", vroot_read(&self->r, SEED_CPU(12, "scaling_governor")));
	EXPECT_STREQ("schedutil\n", vroot_read(&self->r, SEED_CPU(9, "scaling_governor")));
	vroot_destroy(&self->r);

	MAKE_ROOT("seed");
	EXPECT_EQ(0, run_conf(self, "vm-cpus 8-15\n", "vfio_early.cpus=off"));
	EXPECT_STREQ("ffff\n", vroot_read(&self->r, "proc/irq/default_smp_affinity"));
	EXPECT_STREQ("(null)", field(self->report, "affinity"));

	/* Malformed: the step is skipped, the run says so and fails. */
	EXPECT_EQ(1, run_conf(self, "vm-cpus 8-15\n", "vfio_early.cpus=9-x"));
	EXPECT_STREQ("ffff\n", vroot_read(&self->r, "proc/irq/default_smp_affinity"));
	EXPECT_TRUE(logged(self, "malformed vfio_early.cpus="));
}

TEST_F(tuning, dry_run_writes_nothing)
{
	char *before, *after;

	MAKE_ROOT("seed");
	vroot_write(&self->r, "etc/vfio-early.conf", "hugepages 2M 8192\nvm-cpus 8-15\n");
	/* The log goes to stderr (out), so the tree itself must not change at all. */
	ASSERT_EQ(0, unlink(vroot_path(&self->r, "dev/kmsg")));
	before = vroot_snapshot(&self->r);
	EXPECT_EQ(0, run_helper(&self->r, out, sizeof(out), "--dry-run", NULL));
	after = vroot_snapshot(&self->r);
	EXPECT_STREQ(before, after);
	EXPECT_NE(NULL,
		  strstr(out, "dry run: would be bound 0/0, hugepages 2M 0/8192, vm-cpus 8-15"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "dry run: host CPUs 0-7: 20 IRQs would move; unbound "
				    "workqueues would move; governor performance"));
	/* Issue 10.8: what a dry run would set is not reported as set. */
	EXPECT_NE(NULL, strstr(out, "\"governor_would_set\":\"8-15\""));
	EXPECT_NE(NULL, strstr(out, "\"governor_cpus\":null"));
	free(before);
	free(after);
}

/*
 * Issue 10.3: 608 and 800 possible CPUs. The masks read back are longer than any fixed
 * buffer the helper had (159 bytes), the host list longer than 1024 bytes: every one is
 * sized from the CPU count, and every IRQ goes to every host CPU.
 */
TEST_F(tuning, many_cpus_are_never_cut)
{
	static const unsigned int counts[] = {608, 800};
	char list[64], *mask_file, *irq;
	unsigned int k;

	MAKE_ROOT("nocpufreq");
	for (k = 0; k < 2; k++) {
		unsigned int n = counts[k];

		snprintf(list, sizeof(list), "0-%u\n", n - 1);
		vroot_write(&self->r, "sys/devices/system/cpu/possible", list);
		vroot_write(&self->r, "sys/devices/system/cpu/present", list);
		/* the VM takes every odd CPU from 32 on: the host list is long */
		snprintf(list, sizeof(list), "vm-cpus 33-%u:1/2\n", n - 1);
		EXPECT_EQ(0, run_conf(self, list, "")) TH_LOG("%s", vroot_log(&self->r));
		irq = strdup(vroot_read(&self->r, "proc/irq/11/smp_affinity_list"));
		/* 0-32 and then every even CPU up to the last */
		EXPECT_EQ(0, strncmp(irq, "0-32,34,36,", 11)) TH_LOG("%.80s", irq);
		irq[strcspn(irq, "\n")] = '\0';
		snprintf(list, sizeof(list), ",%u", n - 2);
		EXPECT_STREQ(list, irq + strlen(irq) - strlen(list))
		TH_LOG("%s", irq + strlen(irq) - 40);
		EXPECT_LT(1024, strlen(irq));
		EXPECT_STREQ(irq, field(affinity(self), "host_cpus"));
		mask_file = strdup(vroot_read(&self->r, "proc/irq/default_smp_affinity"));
		EXPECT_LT(159, strlen(mask_file));
		/* the report holds the whole mask read back, not an I/O error */
		EXPECT_EQ(0, strncmp(mask_file, field(affinity(self), "default_smp_affinity"),
				     strlen(mask_file) - 1));
		EXPECT_EQ(0, strncmp(mask_file, field(affinity(self), "workqueue"),
				     strlen(mask_file) - 1));
		EXPECT_FALSE(logged(self, "cannot set"));
		free(irq);
		free(mask_file);
	}
}

/* Issue 10.8: a failed nr_hugepages write is the request's error even if the count reads. */
TEST_F(tuning, failed_hugepages_write_is_reported_as_an_error)
{
	static const char ro[] = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";
	char cmd[2048];

	MAKE_ROOT("seed");
	if (access(ro, R_OK) < 0)
		SKIP(return, "no %s on this machine", ro);
	/* A kernel attribute without a store method: it reads a count, every write fails. */
	snprintf(cmd, sizeof(cmd), "ln -sf %s %s", ro,
		 vroot_path(&self->r, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"));
	ASSERT_EQ(0, system(cmd));
	EXPECT_EQ(1, run_conf(self, "hugepages 2M 8192\n", ""));
	EXPECT_STRNE("(null)", field(hugepages_entry(self, 0), "error"))
	TH_LOG("%s", vroot_log(&self->r));
	EXPECT_STRNE("(null)", field(hugepages_entry(self, 0), "reserved"));
}

TEST(hex_masks_as_the_kernel_prints_them)
{
	struct vfe_cpuset set;
	char buf[256];

	ASSERT_EQ(NULL, vfe_cpulist_parse("0-7", &set));
	vfe_cpumask_format(&set, 16, buf, sizeof(buf));
	EXPECT_STREQ("00ff", buf);
	ASSERT_EQ(NULL, vfe_cpulist_parse("0-3,32-35", &set));
	vfe_cpumask_format(&set, 64, buf, sizeof(buf));
	EXPECT_STREQ("0000000f,0000000f", buf);
	vfe_cpumask_format(&set, 40, buf, sizeof(buf));
	EXPECT_STREQ("0f,0000000f", buf);
	/* Back again, the way the kernel's bitmap_parse reads it. */
	ASSERT_EQ(NULL, vfe_cpumask_parse("ff,00000001\n", &set));
	vfe_cpulist_format(&set, buf, sizeof(buf));
	EXPECT_STREQ("0,32-39", buf);
	EXPECT_NE(NULL, vfe_cpumask_parse("123456789", &set));
	EXPECT_NE(NULL, vfe_cpumask_parse("ff,", &set));
	EXPECT_NE(NULL, vfe_cpumask_parse("", &set));
}

/* ---- vfio-earlyctl status: every value checked after boot ---- */

TEST_F(tuning, status_verifies_the_tuning_after_boot)
{
	json_object *j, *aff;

	MAKE_ROOT("seed");
	vroot_write(&self->r, "etc/vfio-early.conf", "hugepages 2M 8192\nvm-cpus 4-7,12-15\n");
	/* Before the helper ran: nothing is as asked. */
	EXPECT_EQ(1, ctl(&self->r, "status", NULL));
	EXPECT_NE(NULL, strstr(out, "hugepages 2M         0/8192 SHORT"));
	EXPECT_NE(NULL, strstr(out, "default_smp_affinity ffff REACHES VM CPUs"));
	EXPECT_NE(NULL, strstr(out, "governor             performance: NOT on CPUs 4-7,12-15"));

	ASSERT_EQ(0, unlink(vroot_path(&self->r, "proc/irq/33/smp_affinity_list")));
	ASSERT_EQ(0, mkdir(vroot_path(&self->r, "proc/irq/33/smp_affinity_list"), 0755));
	EXPECT_EQ(0, run_conf(self, "hugepages 2M 8192\nvm-cpus 4-7,12-15\n", ""));
	/* The refused IRQ keeps its old mask in a real kernel: put one back to see it found. */
	ASSERT_EQ(0, rmdir(vroot_path(&self->r, "proc/irq/33/smp_affinity_list")));
	vroot_write(&self->r, "proc/irq/33/smp_affinity_list", "0-15\n");
	EXPECT_EQ(0, ctl(&self->r, "status", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "hugepages 2M         8192/8192 ok"));
	EXPECT_NE(NULL, strstr(out, "default_smp_affinity 0f0f ok"));
	EXPECT_NE(NULL, strstr(out, "workqueue            0f0f ok"));
	EXPECT_NE(NULL, strstr(out, "IRQs                 20 in all, 1 still on VM CPUs"));
	EXPECT_NE(NULL, strstr(out, "governor             performance ok"));
	/* No such files in the fixture (a kernel without them): not counted. */
	EXPECT_NE(NULL, strstr(out, "isolated             (none in this kernel)"));

	/* Booted without apply's isolcpus=: the isolated list is empty, and status says so. */
	vroot_write(&self->r, "sys/devices/system/cpu/isolated", "\n");
	vroot_write(&self->r, "sys/devices/system/cpu/nohz_full", "4-7,12-15\n");
	EXPECT_EQ(1, ctl(&self->r, "status", NULL));
	EXPECT_NE(NULL, strstr(out, "isolated             (none) NOT the VM CPUs"));
	EXPECT_NE(NULL, strstr(out, "nohz_full            4-7,12-15 ok"));
	vroot_write(&self->r, "sys/devices/system/cpu/nohz_full", "(null)\n");
	EXPECT_EQ(1, ctl(&self->r, "status", NULL));
	EXPECT_NE(NULL, strstr(out, "nohz_full            (none) NOT the VM CPUs"));
	vroot_write(&self->r, "sys/devices/system/cpu/nohz_full", "4-7,12-15\n");
	vroot_write(&self->r, "sys/devices/system/cpu/isolated", "4-7,12-14\n");
	EXPECT_EQ(1, ctl(&self->r, "status", NULL));
	EXPECT_NE(NULL, strstr(out, "isolated             4-7,12-14 NOT the VM CPUs"));
	vroot_write(&self->r, "sys/devices/system/cpu/isolated", "4-7,12-15\n");

	EXPECT_EQ(0, ctl(&self->r, "status", "--json", NULL));
	j = json_tokener_parse(out);
	ASSERT_NE(NULL, j);
	aff = get(get(j, "tuning"), "affinity");
	EXPECT_STREQ("33", field(aff, "irqs_on_vm_cpus_list"));
	EXPECT_STREQ("true", field(aff, "workqueue_ok"));
	EXPECT_STREQ("true", field(aff, "isolated_ok"));
	EXPECT_STREQ("4-7,12-15", field(aff, "nohz_full"));
	EXPECT_STREQ("8192", field(json_object_array_get_idx(get(get(j, "tuning"), "hugepages"), 0),
				   "reserved"));
	json_object_put(j);
}

/* ---- vfio-earlyctl cpus ---- */

TEST_F(tuning, cpus_suggests_one_ccx_with_its_siblings_on_the_3700x)
{
	json_object *j, *pkg, *groups;

	MAKE_ROOT("seed");
	vroot_write(&self->r, "etc/vfio-early.conf", "vm-cpus 8-15\n");
	ASSERT_EQ(0, ctl(&self->r, "cpus", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL,
		  strstr(out, "CPUs 0-15: 1 package, 2 L3 groups, 8 cores, 2 threads per core"));
	EXPECT_NE(NULL, strstr(out, "L3 4-7,12-15      cores: 4,12 5,13 6,14 7,15\n"));
	EXPECT_NE(NULL, strstr(out, "suggested vm-cpus: 4-7,12-15 "));
	/* The seed's own choice shares every core with the host. */
	EXPECT_NE(NULL, strstr(out, "shares 8 cores with the host"));

	ASSERT_EQ(0, ctl(&self->r, "cpus", "--json", NULL));
	j = json_tokener_parse(out);
	ASSERT_NE(NULL, j);
	EXPECT_STREQ("4-7,12-15", field(j, "suggested_vm_cpus"));
	EXPECT_STREQ("8-15", field(j, "configured_vm_cpus"));
	EXPECT_STREQ("2", field(j, "threads_per_core"));
	EXPECT_STREQ("AuthenticAMD", field(j, "vendor"));
	ASSERT_EQ(1, json_object_array_length(get(j, "packages")));
	pkg = json_object_array_get_idx(get(j, "packages"), 0);
	groups = get(pkg, "l3_groups");
	ASSERT_EQ(2, json_object_array_length(groups));
	EXPECT_STREQ("0-3,8-11", field(json_object_array_get_idx(groups, 0), "cpus"));
	EXPECT_STREQ("true", field(json_object_array_get_idx(groups, 0), "holds_cpu0"));
	EXPECT_STREQ("4,12", json_object_get_string(json_object_array_get_idx(
				 get(json_object_array_get_idx(groups, 1), "cores"), 0)));
	json_object_put(j);
}

TEST_F(tuning, cpus_on_two_packages_and_on_one_l3)
{
	MAKE_ROOT("numa2");
	ASSERT_EQ(0, ctl(&self->r, "cpus", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "2 packages, 2 L3 groups"));
	EXPECT_NE(NULL, strstr(out, "package 1: CPUs 4-7,12-15"));
	EXPECT_NE(NULL, strstr(out, "suggested vm-cpus: 4-7,12-15 "));
	vroot_destroy(&self->r);

	/* One L3 and no SMT: half the cores, never CPU 0's. */
	MAKE_ROOT("nocpufreq");
	ASSERT_EQ(0, ctl(&self->r, "cpus", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "1 thread per core"));
	EXPECT_NE(NULL, strstr(out, "suggested vm-cpus: 2-3 "));
}

/* ---- vfio-earlyctl libvirt-xml ---- */

#define SEED_VM_CONF                                                               \
	"bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:ab28\nbind 0b:00.2 1002:73a6\n" \
	"bind 0b:00.3 1002:73a4\nbind 0f:00.0 1106:3483\nhugepages 2M 8192\nvm-cpus 4-7,12-15\n"

/*
 * A whole domain around the generated elements, the <hostdev>s inside <devices>; validated
 * by libvirt's own schema. Returns virt-xml-validate's status, 127 when it is missing.
 */
static int validate_domain(const struct vroot *r, const char *xml, char *msg, size_t msgsize)
{
	const char *hostdev = strstr(xml, "<hostdev");
	char path[600], cmd[1400];
	FILE *f, *p;
	size_t n;
	int status;

	snprintf(path, sizeof(path), "%s/domain.xml", r->dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("<domain type='kvm'>\n<name>win11</name>\n<memory unit='GiB'>16</memory>\n", f);
	fwrite(xml, 1, hostdev ? (size_t)(hostdev - xml) : strlen(xml), f);
	fputs("<os>\n  <type arch='x86_64' machine='q35'>hvm</type>\n</os>\n<devices>\n", f);
	if (hostdev)
		fputs(hostdev, f);
	fputs("</devices>\n</domain>\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "virt-xml-validate '%s' domain 2>&1", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(msg, 1, msgsize - 1, p);
	msg[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool have_validator(void)
{
	return system("command -v virt-xml-validate >/dev/null 2>&1") == 0;
}

TEST_F(tuning, libvirt_xml_pairs_guest_threads_with_host_siblings)
{
	char msg[4096];

	MAKE_ROOT("seed");
	vroot_write(&self->r, "etc/vfio-early.conf", SEED_VM_CONF);
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "<vcpu placement='static' cpuset='4-7,12-15'>8</vcpu>\n"));
	EXPECT_NE(NULL, strstr(out, "<iothreads>1</iothreads>\n"));
	/* Guest vCPUs 2k and 2k+1 are the two threads of one host core. */
	EXPECT_NE(NULL, strstr(out, "  <vcpupin vcpu='0' cpuset='4'/>\n"
				    "  <vcpupin vcpu='1' cpuset='12'/>\n"
				    "  <vcpupin vcpu='2' cpuset='5'/>\n"
				    "  <vcpupin vcpu='3' cpuset='13'/>\n"));
	EXPECT_NE(NULL, strstr(out, "  <vcpupin vcpu='7' cpuset='15'/>\n"
				    "  <emulatorpin cpuset='0-3,8-11'/>\n"
				    "  <iothreadpin iothread='1' cpuset='0-3,8-11'/>\n"));
	EXPECT_NE(NULL, strstr(out, "<topology sockets='1' dies='1' cores='4' threads='2'/>"));
	EXPECT_NE(NULL, strstr(out, "<cache mode='passthrough'/>"));
	EXPECT_NE(NULL, strstr(out, "<feature policy='require' name='topoext'/>"));
	EXPECT_NE(NULL, strstr(out, "<page size='2048' unit='KiB'/>"));
	EXPECT_NE(NULL,
		  strstr(out, "<address domain='0x0000' bus='0x0b' slot='0x00' function='0x3'/>"));
	EXPECT_NE(NULL,
		  strstr(out, "<address domain='0x0000' bus='0x0f' slot='0x00' function='0x0'/>"));

	if (!have_validator())
		SKIP(return, "virt-xml-validate (libvirt-clients) is not installed");
	EXPECT_EQ(0, validate_domain(&self->r, out, msg, sizeof(msg))) TH_LOG("%s", msg);
	/* The validator does reject: a topology libvirt does not know fails. */
	*strstr(out, "threads='2'") = 'x';
	EXPECT_NE(0, validate_domain(&self->r, out, msg, sizeof(msg)));
}

/* A whole file of XML through libvirt's schema; virt-xml-validate's status. */
static int validate_file(const struct vroot *r, const char *xml)
{
	char path[600], cmd[800];

	vroot_write(r, "whole.xml", xml);
	snprintf(path, sizeof(path), "%s/whole.xml", r->dir);
	snprintf(cmd, sizeof(cmd), "virt-xml-validate '%s' domain >/dev/null 2>&1", path);
	return system(cmd);
}

TEST_F(tuning, libvirt_xml_domain_is_whole_and_checks_its_options)
{
	MAKE_ROOT("seed");
	vroot_write(&self->r, "etc/vfio-early.conf", SEED_VM_CONF "nested yes\n");
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", "--domain", "win11", "--disk", "/dev/nvme1n1",
			 "--share", "/srv/a&b:games", NULL))
	TH_LOG("%s", out);
	EXPECT_EQ(0, strncmp(out, "<domain type='kvm'>\n  <name>win11</name>\n", 40))
	TH_LOG("%s", out);
	/* the hugepages' 16 GiB by default */
	EXPECT_NE(NULL, strstr(out, "<memory unit='KiB'>16777216</memory>"));
	EXPECT_NE(NULL, strstr(out, "<feature enabled='yes' name='secure-boot'/>"));
	EXPECT_NE(NULL, strstr(out, "<backend type='emulator' version='2.0'/>"));
	EXPECT_NE(NULL, strstr(out, "<feature policy='require' name='svm'/>"));
	EXPECT_NE(NULL, strstr(out, "<source type='memfd'/>\n    <access mode='shared'/>"));
	EXPECT_NE(NULL, strstr(out, "<source dir='/srv/a&amp;b'/>"));
	EXPECT_NE(NULL, strstr(out, "<disk type='block' device='disk'>"));
	EXPECT_NE(NULL, strstr(out, "<source dev='/dev/nvme1n1'/>"));
	/* the card's four functions in one guest slot, the USB card alone */
	EXPECT_NE(NULL, strstr(out, "<controller type='pci' index='1' model='pcie-root-port'/>"));
	EXPECT_EQ(NULL, strstr(out, "index='2'"));
	EXPECT_NE(NULL, strstr(out, "bus='0x01' slot='0x00' function='0x0' multifunction='on'/>"));
	EXPECT_NE(NULL, strstr(out, "bus='0x01' slot='0x00' function='0x3'/>"));
	EXPECT_EQ(NULL, strstr(out, "function='0x4'"));
	EXPECT_EQ(NULL, strstr(out, "managed='yes'"));
	if (have_validator())
		EXPECT_EQ(0, validate_file(&self->r, out));

	/* TCG: no KVM-only enlightenments, no host CPU to pass through */
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", "--domain", "t", "--virt-type", "qemu", NULL));
	EXPECT_NE(NULL, strstr(out, "<domain type='qemu'>"));
	EXPECT_NE(NULL, strstr(out, "<cpu mode='maximum'"));
	EXPECT_EQ(NULL, strstr(out, "vpindex"));
	EXPECT_EQ(2, ctl(&self->r, "libvirt-xml", "--domain", "t", "--virt-type", "xen", NULL));
	EXPECT_EQ(2, ctl(&self->r, "libvirt-xml", "--disk", "/x.img", NULL));
	EXPECT_EQ(2, ctl(&self->r, "libvirt-xml", "--domain", "a", "--update", "b", NULL));
	EXPECT_EQ(2, ctl(&self->r, "libvirt-xml", "--domain", "a", "--share", "rel:tag", NULL));
	/* more than the 16 GiB of hugepages would not start; 3 MiB is not whole 2 MiB pages */
	EXPECT_EQ(1, ctl(&self->r, "libvirt-xml", "--domain", "a", "--memory", "20G", NULL));
	EXPECT_NE(NULL, strstr(out, "the guest would not start"));
	EXPECT_EQ(1, ctl(&self->r, "libvirt-xml", "--domain", "a", "--memory", "3M", NULL));
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", "--domain", "a", "--memory", "8GiB", NULL));
	EXPECT_NE(NULL, strstr(out, "<memory unit='KiB'>8388608</memory>"));
}

TEST_F(tuning, nested_yes_gives_kvm_its_option_through_apply)
{
	const char *path = "etc/modprobe.d/vfio-early-nested.conf", *text;

	MAKE_ROOT("seed");
	vroot_write(&self->r, "etc/vfio-early.conf", SEED_VM_CONF "nested yes\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	text = vroot_read(&self->r, path);
	ASSERT_NE(NULL, text);
	/* the seed is a Ryzen: kvm_amd */
	EXPECT_NE(NULL, strstr(text, "\noptions kvm_amd nested=1\n")) TH_LOG("%s", text);
	/* the line gone, apply takes the file out; rollback puts it back */
	vroot_write(&self->r, "etc/vfio-early.conf", SEED_VM_CONF);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "vfio-early-nested.conf (removed)"));
	EXPECT_EQ(NULL, vroot_read(&self->r, path));
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	text = vroot_read(&self->r, path);
	ASSERT_NE(NULL, text);
	EXPECT_NE(NULL, strstr(text, "options kvm_amd nested=1"));
}

TEST_F(tuning, libvirt_xml_vcpus_and_other_machines)
{
	char msg[4096];

	MAKE_ROOT("seed");
	vroot_write(&self->r, "etc/vfio-early.conf", SEED_VM_CONF);
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", "--vcpus", "4", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "<vcpu placement='static' cpuset='4-5,12-13'>4</vcpu>"));
	EXPECT_NE(NULL, strstr(out, "cores='2' threads='2'"));
	EXPECT_NE(NULL, strstr(out, "<vcpupin vcpu='3' cpuset='13'/>\n  <emulatorpin"));
	/* Half a core cannot be given. */
	EXPECT_EQ(1, ctl(&self->r, "libvirt-xml", "--vcpus", "3", NULL));
	EXPECT_NE(NULL, strstr(out, "give a multiple of 2"));
	EXPECT_EQ(1, ctl(&self->r, "libvirt-xml", "--vcpus", "10", NULL));

	/* The seed's own 8-15: one thread per core, so the guest gets no SMT, and a warning. */
	vroot_write(&self->r, "etc/vfio-early.conf", "vm-cpus 8-15\nhugepages 1G 16\n");
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "cores='8' threads='1'"));
	EXPECT_NE(NULL, strstr(out, "<page size='1048576' unit='KiB'/>"));
	EXPECT_NE(NULL, strstr(out, "takes only one thread of some cores"));
	EXPECT_EQ(NULL, strstr(out, "<hostdev"));

	/* What the helper refuses, libvirt-xml refuses too. */
	vroot_write(&self->r, "etc/vfio-early.conf", "vm-cpus 0-7\n");
	EXPECT_EQ(1, ctl(&self->r, "libvirt-xml", NULL));
	EXPECT_NE(NULL, strstr(out, "vm-cpus holds CPU 0"));
	vroot_destroy(&self->r);

	/* Intel: no AMD-only cache and topoext elements. */
	MAKE_ROOT("numa2");
	vroot_write(&self->r, "etc/vfio-early.conf", "vm-cpus 4-7,12-15\nhugepages 1G 8@1\n");
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", NULL)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "topoext"));
	EXPECT_EQ(NULL, strstr(out, "<cache"));
	EXPECT_NE(NULL, strstr(out, "<page size='1048576' unit='KiB'/>"));
	if (!have_validator())
		SKIP(return, "virt-xml-validate (libvirt-clients) is not installed");
	EXPECT_EQ(0, validate_domain(&self->r, strstr(out, "<!--"), msg, sizeof(msg)))
	TH_LOG("%s", msg);
}

TEST_HARNESS_MAIN
