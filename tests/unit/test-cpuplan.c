// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CPU plans (issue 15) on captured topologies, tests/rootfs/cpu-*.spec plus the guide's seed and
 * the two-socket numa2: hwloc reads each tree, 'cpus' must suggest the stated plan with the
 * stated rules, 'check' must accept that plan and flag bad ones by the rule they break, and
 * 'libvirt-xml' must keep SMT siblings together, pin the emulator near the VM and validate.
 */
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../../lib/cpuplan.h"
#include "kselftest_harness.h"
#include "testutil.h"

static char out[262144];

#define ctl(r, ...) run_ctl(r, out, sizeof(out), __VA_ARGS__)

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

/* The rule names of a notes array, comma-joined, into BUF. */
static const char *rule_names(json_object *notes, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; notes && i < json_object_array_length(notes); i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? "," : "",
			      field(json_object_array_get_idx(notes, i), "rule"));
	return buf;
}

/* The vm-cpus findings of check --json that failed, their rule names comma-joined. */
static const char *failed_cpu_rules(json_object *j, char *buf, size_t size)
{
	json_object *checks = get(j, "checks");
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; checks && i < json_object_array_length(checks); i++) {
		json_object *c = json_object_array_get_idx(checks, i);

		if (strcmp(field(c, "check"), "vm-cpus") || !strcmp(field(c, "ok"), "true"))
			continue;
		n += snprintf(buf + n, size - n, "%s%s", n ? "," : "", field(c, "rule"));
	}
	return buf;
}

FIXTURE(machine)
{
	struct vroot r;
};

FIXTURE_VARIANT(machine)
{
	const char *fixture;
	const char *gpu;       /* bind lines for the config: the VM's GPU, or "" */
	const char *plan;      /* the suggested vm-cpus, NULL: none */
	const char *rules;     /* every rule that shaped it, in order */
	const char *hugepages; /* on NUMA machines */
};

FIXTURE_SETUP(machine)
{
	ASSERT_EQ(0, vroot_make(&self->r, variant->fixture));
}

FIXTURE_TEARDOWN(machine)
{
	vroot_destroy(&self->r);
}

/* The guide's Ryzen 7 3700X: one CCX of 4 cores with its siblings (DESIGN.md section 9). */
FIXTURE_VARIANT_ADD(machine, r7_3700x_seed){
    .fixture = "seed",
    .gpu = "bind 0b:00.0 1002:73bf\n",
    .plan = "4-7,12-15",
    .rules = "host-cpu0,whole-l3,whole-cores",
};
/* 13th-gen laptop: P-cores but CPU 0's; the old reader said 13-19 (issue 15). */
FIXTURE_VARIANT_ADD(machine, i7_1370p){
    .fixture = "cpu-i7-1370p",
    .gpu = "",
    .plan = "2-11",
    .rules = "performance-cores,host-cpu0,whole-cores",
};
FIXTURE_VARIANT_ADD(machine, i7_13700k){
    .fixture = "cpu-i7-13700k",
    .gpu = "",
    .plan = "2-15",
    .rules = "performance-cores,host-cpu0,whole-cores",
};
/* Zen 3, two equal CCDs: the one without CPU 0, whole. */
FIXTURE_VARIANT_ADD(machine, r9_5950x){
    .fixture = "cpu-r9-5950x",
    .gpu = "",
    .plan = "8-15,24-31",
    .rules = "host-cpu0,whole-l3,whole-cores",
};
/* X3D: the 96 MiB V-Cache CCD, though it holds CPU 0: all of it but that core. */
FIXTURE_VARIANT_ADD(machine, r9_7950x3d){
    .fixture = "cpu-r9-7950x3d",
    .gpu = "",
    .plan = "1-7,17-23",
    .rules = "host-cpu0,larger-l3,whole-cores",
};
/* Zen 5 + Zen 5c: kinds by maximum frequency only; the larger L3 holds the Zen 5 cores. */
FIXTURE_VARIANT_ADD(machine, ryzen_ai_hx370){
    .fixture = "cpu-ryzen-ai-hx370",
    .gpu = "",
    .plan = "1-3,13-15",
    .rules = "host-cpu0,larger-l3,whole-cores",
};
/* One CCD, one L3: the upper half of the cores. */
FIXTURE_VARIANT_ADD(machine, r7_7800x3d){
    .fixture = "cpu-r7-7800x3d",
    .gpu = "",
    .plan = "4-7,12-15",
    .rules = "host-cpu0,one-l3,whole-cores",
};
/* Threadripper in NUMA mode, GPU on node 1: one CCX there, hugepages there. */
FIXTURE_VARIANT_ADD(machine, tr_2950x){
    .fixture = "cpu-tr-2950x",
    .gpu = "bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:ab28\n",
    .plan = "8-11,24-27",
    .rules = "gpu-node,host-cpu0,whole-l3,whole-cores,hugepages-node",
    .hugepages = "hugepages 1G 8@1",
};
/* Two sockets, no GPU configured: the node without CPU 0, all of it. */
FIXTURE_VARIANT_ADD(machine, xeon_2s_numa2){
    .fixture = "numa2",
    .gpu = "",
    .plan = "4-7,12-15",
    .rules = "numa-node,host-cpu0,whole-node,whole-cores,hugepages-node",
    .hugepages = "hugepages 1G 15@1",
};
/* nosmt: the second threads offline, named; the CCX without CPU 0. */
FIXTURE_VARIANT_ADD(machine, r7_3700x_nosmt){
    .fixture = "cpu-r7-3700x-nosmt",
    .gpu = "",
    .plan = "4-7",
    .rules = "offline-cpus,smt-off,host-cpu0,whole-l3,whole-cores",
};
FIXTURE_VARIANT_ADD(machine, i5_9600k_no_smt){
    .fixture = "cpu-i5-9600k",
    .gpu = "",
    .plan = "3-5",
    .rules = "smt-off,host-cpu0,one-l3,whole-cores",
};
FIXTURE_VARIANT_ADD(machine, l3_per_core){
    .fixture = "cpu-l3-per-core",
    .gpu = "",
    .plan = "2-3",
    .rules = "smt-off,host-cpu0,l3-per-core,one-l3,whole-cores",
};
FIXTURE_VARIANT_ADD(machine, nocpufreq_vm){
    .fixture = "nocpufreq",
    .gpu = "",
    .plan = "2-3",
    .rules = "smt-off,host-cpu0,one-l3,whole-cores",
};
/* One core: no plan, and why. */
FIXTURE_VARIANT_ADD(machine, tiny_one_core){
    .fixture = "cpu-tiny",
    .gpu = "",
    .plan = NULL,
    .rules = "too-small",
};

TEST_F(machine, cpus_suggests_the_plan_with_its_rules)
{
	char conf[512], names[512];
	json_object *j;

	vroot_write(&self->r, "etc/vfio-early.conf", variant->gpu);
	EXPECT_EQ(variant->plan ? 0 : 1, ctl(&self->r, "cpus", "--json", NULL)) TH_LOG("%s", out);
	j = json_tokener_parse(out);
	ASSERT_NE(NULL, j) TH_LOG("%s", out);
	EXPECT_STREQ(variant->plan ? variant->plan : "(null)", field(j, "suggested_vm_cpus"));
	EXPECT_STREQ(variant->rules, rule_names(get(j, "rules"), names, sizeof(names)));
	EXPECT_STREQ(variant->hugepages ? variant->hugepages : "(null)",
		     field(j, "suggested_hugepages"));
	/* every rule explained in words */
	EXPECT_LT(20, strlen(field(json_object_array_get_idx(get(j, "rules"), 0), "why")));
	json_object_put(j);

	/* the text says the same */
	ctl(&self->r, "cpus", NULL);
	if (variant->plan) {
		snprintf(conf, sizeof(conf), "suggested vm-cpus: %s   (rules: ", variant->plan);
		EXPECT_NE(NULL, strstr(out, conf)) TH_LOG("%s", out);
	} else {
		EXPECT_NE(NULL, strstr(out, "no vm-cpus to suggest")) TH_LOG("%s", out);
	}
	EXPECT_NE(NULL, strstr(out, variant->rules[0] == 'p' ? "performance-cores " : "  "));
}

TEST_F(machine, check_accepts_the_plan)
{
	char conf[512], rules[512];
	json_object *j;

	if (!variant->plan)
		SKIP(return, "no plan on this machine");
	snprintf(conf, sizeof(conf), "%svm-cpus %s\n", variant->gpu, variant->plan);
	vroot_write(&self->r, "etc/vfio-early.conf", conf);
	ctl(&self->r, "check", "--json", NULL);
	j = json_tokener_parse(out);
	ASSERT_NE(NULL, j) TH_LOG("%s", out);
	EXPECT_STREQ("", failed_cpu_rules(j, rules, sizeof(rules))) TH_LOG("%s", out);
	json_object_put(j);
	ctl(&self->r, "check", NULL);
	EXPECT_NE(NULL, strstr(out, "ok    vm-cpus    vm-cpus follows the CPU plan's rules"))
	TH_LOG("%s", out);
}

/* tests/rootfs/capture-cpus.sh on the fixture's tree gives a spec that gives the same plan. */
TEST_F(machine, capture_script_round_trip)
{
	char cmd[2048], spec[600], copy[600], plan[256];
	struct vroot again;
	json_object *j;

	if (strncmp(variant->fixture, "cpu-", 4))
		SKIP(return, "written before the cpu directive: not a capture");
	snprintf(spec, sizeof(spec), "%s/captured.spec", self->r.dir);
	snprintf(copy, sizeof(copy), "%s/captured", self->r.dir);
	snprintf(cmd, sizeof(cmd),
		 "sh tests/rootfs/capture-cpus.sh '%s' >'%s' && build/tests/mkroot '%s' '%s'",
		 self->r.dir, spec, spec, copy);
	ASSERT_EQ(0, system(cmd));
	snprintf(again.dir, sizeof(again.dir), "%s", copy);
	ctl(&again, "cpus", "--json", NULL);
	j = json_tokener_parse(out);
	ASSERT_NE(NULL, j) TH_LOG("%s", out);
	snprintf(plan, sizeof(plan), "%s", field(j, "suggested_vm_cpus"));
	EXPECT_STREQ(variant->plan ? variant->plan : "(null)", plan);
	json_object_put(j);
}

/* The host CPU each vCPU is pinned to, from libvirt-xml's <vcpupin>s; the count. */
static int vcpupins(const char *xml, int *host, int max)
{
	const char *p = xml;
	int n = 0, v, c;

	while (n < max && (p = strstr(p, "<vcpupin vcpu='"))) {
		if (sscanf(p, "<vcpupin vcpu='%d' cpuset='%d'/>", &v, &c) != 2 || v != n)
			return -1;
		host[n++] = c;
		p++;
	}
	return n;
}

static int validate(const struct vroot *r, const char *xml, char *msg, size_t msgsize)
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
	fputs("<domain type='kvm'>\n<name>win11</name>\n<memory unit='GiB'>8</memory>\n", f);
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

TEST_F(machine, libvirt_xml_keeps_siblings_together_and_validates)
{
	struct vfe_machine m;
	int host[256], n, i, threads;
	char msg[4096], conf[512];

	if (!variant->plan)
		SKIP(return, "no plan on this machine");
	snprintf(conf, sizeof(conf), "%svm-cpus %s\n%s\n", variant->gpu, variant->plan,
		 variant->hugepages ? variant->hugepages : "hugepages 2M 4096");
	vroot_write(&self->r, "etc/vfio-early.conf", conf);
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", NULL)) TH_LOG("%s", out);
	ASSERT_EQ(0, vfe_machine_read(self->r.dir, NULL, &m));
	n = vcpupins(out, host, 256);
	ASSERT_LT(0, n) TH_LOG("%s", out);
	threads = (int)m.threads_per_core;
	snprintf(msg, sizeof(msg), "cores='%d' threads='%d'", n / threads, threads);
	EXPECT_NE(NULL, strstr(out, msg)) TH_LOG("%s", out);
	/* guest threads t*k .. t*k+t-1 are the threads of one host core, in the plan */
	for (i = 0; i < n; i++) {
		int c = vfe_group_of(m.cores, m.n_cores, (unsigned int)host[i]);
		int c0 = vfe_group_of(m.cores, m.n_cores, (unsigned int)host[i - i % threads]);

		EXPECT_EQ(c0, c) TH_LOG("vCPU %d on host CPU %d", i, host[i]);
	}
	if (m.n_nodes > 1) {
		/* the emulator on the host's CPUs of the VM's node; the memory there too */
		EXPECT_NE(NULL, strstr(out, "<numatune>\n  <memory mode='strict' nodeset='1'/>"))
		TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, !strcmp(variant->fixture, "numa2")
						? "<emulatorpin cpuset='0-3,8-11'/>"
						: "<emulatorpin cpuset='12-15,28-31'/>"))
		TH_LOG("%s", out);
		/* the I/O thread beside the emulator */
		EXPECT_NE(NULL,
			  strstr(out, !strcmp(variant->fixture, "numa2")
					  ? "<iothreadpin iothread='1' cpuset='0-3,8-11'/>"
					  : "<iothreadpin iothread='1' cpuset='12-15,28-31'/>"))
		TH_LOG("%s", out);
	} else {
		EXPECT_EQ(NULL, strstr(out, "<numatune>"));
	}
	vfe_machine_free(&m);
	if (system("command -v virt-xml-validate >/dev/null 2>&1"))
		SKIP(return, "virt-xml-validate (libvirt-clients) is not installed");
	EXPECT_EQ(0, validate(&self->r, strstr(out, "<vcpu"), msg, sizeof(msg))) TH_LOG("%s", msg);
}

/* ---- bad plans: check names the rule each breaks, with the suggestion ---- */

FIXTURE(plain)
{
	struct vroot r;
};
FIXTURE_SETUP(plain)
{
}
FIXTURE_TEARDOWN(plain)
{
	vroot_destroy(&self->r);
}

static const char *check_rules(struct __test_metadata *_metadata, const struct vroot *r,
			       const char *conf, char *buf, size_t size)
{
	json_object *j;

	vroot_write(r, "etc/vfio-early.conf", conf);
	run_ctl(r, out, sizeof(out), "check", "--json", NULL);
	j = json_tokener_parse(out);
	if (!j)
		return "(no json)";
	failed_cpu_rules(j, buf, size);
	json_object_put(j);
	return buf;
}

TEST_F(plain, the_guides_8_15_splits_every_core)
{
	char rules[512];

	ASSERT_EQ(0, vroot_make(&self->r, "seed"));
	EXPECT_STREQ("host-cpu0,split-core,spans-l3",
		     check_rules(_metadata, &self->r, "vm-cpus 8-15\n", rules, sizeof(rules)));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "FIX   vm-cpus    split-core: shares 8 cores with the host "
				    "(e.g. 0,8)"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "; suggested: vm-cpus 4-7,12-15\n"));
	/* cpus judges the configured one by the same rules */
	EXPECT_EQ(0, ctl(&self->r, "cpus", NULL));
	EXPECT_NE(NULL, strstr(out, "configured vm-cpus: 8-15\n  ! host-cpu0: "));
	EXPECT_NE(NULL, strstr(out, "  ! split-core: shares 8 cores with the host"));
	/* a rule-abiding plan spread over both CCX is still flagged */
	EXPECT_STREQ("spans-l3",
		     check_rules(_metadata, &self->r, "vm-cpus 3-4,11-12\n", rules, sizeof(rules)));
}

TEST_F(plain, hybrid_e_cores_while_p_cores_are_free)
{
	char rules[512];
	json_object *j, *c = NULL;
	size_t i;

	ASSERT_EQ(0, vroot_make(&self->r, "cpu-i7-1370p"));
	/* the old reader's suggestion: seven E-cores, a cluster split with the host */
	EXPECT_STREQ("e-cores,e-cluster-split",
		     check_rules(_metadata, &self->r, "vm-cpus 13-19\n", rules, sizeof(rules)));
	j = json_tokener_parse(out);
	ASSERT_NE(NULL, j);
	for (i = 0; i < json_object_array_length(get(j, "checks")); i++) {
		c = json_object_array_get_idx(get(j, "checks"), i);
		if (!strcmp(field(c, "rule"), "e-cores"))
			break;
	}
	ASSERT_GT(json_object_array_length(get(j, "checks")), i);
	EXPECT_STREQ("2-11", field(c, "suggested_vm_cpus"));
	EXPECT_NE(NULL, strstr(field(c, "message"),
			       "efficiency cores 13-19 while performance cores 2-11 are free"))
	TH_LOG("%s", field(c, "message"));
	json_object_put(j);
	/* CPU 0's core, split */
	EXPECT_STREQ("host-cpu0,split-core",
		     check_rules(_metadata, &self->r, "vm-cpus 1-11\n", rules, sizeof(rules)));
}

TEST_F(plain, hybrid_e_core_clusters_on_request_never_shared)
{
	json_object *j;
	char names[512];

	ASSERT_EQ(0, vroot_make(&self->r, "cpu-i7-13700k"));
	ASSERT_EQ(0, ctl(&self->r, "cpus", "--e-cores", "--json", NULL)) TH_LOG("%s", out);
	j = json_tokener_parse(out);
	ASSERT_NE(NULL, j);
	EXPECT_STREQ("2-15,20-23", field(j, "suggested_vm_cpus"));
	EXPECT_STREQ("performance-cores,e-core-clusters,host-cpu0,whole-cores",
		     rule_names(get(j, "rules"), names, sizeof(names)));
	EXPECT_STREQ("0-15", field(get(j, "hybrid"), "performance_cpus"));
	EXPECT_STREQ("16-23", field(get(j, "hybrid"), "efficiency_cpus"));
	EXPECT_STREQ("CoreType", field(get(j, "hybrid"), "kinds_from"));
	json_object_put(j);
	/* check accepts that plan: no P-core is free, no E-core cluster is split */
	EXPECT_STREQ(
	    "", check_rules(_metadata, &self->r, "vm-cpus 2-15,20-23\n", names, sizeof(names)));
	/* libvirt-xml cannot show P and E cores in one topology: one vCPU a core, and why */
	ASSERT_EQ(0, ctl(&self->r, "libvirt-xml", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "<vcpu placement='static' cpuset='2,4,6,8,10,12,14,20-23'>11"));
	EXPECT_NE(NULL, strstr(out, "<topology sockets='1' dies='1' cores='11' threads='1'/>"));
	EXPECT_NE(NULL, strstr(out, "vm-cpus mixes cores with 1 and with more threads"));
	if (!system("command -v virt-xml-validate >/dev/null 2>&1")) {
		char msg[4096];

		EXPECT_EQ(0, validate(&self->r, strstr(out, "<vcpu"), msg, sizeof(msg)))
		TH_LOG("%s", msg);
	}
	/* an E-core cluster split with the host is flagged */
	EXPECT_STREQ("e-cluster-split", check_rules(_metadata, &self->r, "vm-cpus 2-15,18-23\n",
						    names, sizeof(names)));
}

TEST_F(plain, x3d_the_smaller_ccd_is_flagged)
{
	char rules[512];

	ASSERT_EQ(0, vroot_make(&self->r, "cpu-r9-7950x3d"));
	EXPECT_STREQ("smaller-l3", check_rules(_metadata, &self->r, "vm-cpus 8-15,24-31\n", rules,
					       sizeof(rules)));
	EXPECT_NE(NULL, strstr(out, "runs on a 32 MiB L3 while a 96 MiB L3")) TH_LOG("%s", out);
}

TEST_F(plain, numa_far_from_the_gpu_and_spanning_nodes)
{
	char rules[512];

	ASSERT_EQ(0, vroot_make(&self->r, "cpu-tr-2950x"));
	EXPECT_STREQ("gpu-node",
		     check_rules(_metadata, &self->r, "bind 0b:00.0 1002:73bf\nvm-cpus 4-7,20-23\n",
				 rules, sizeof(rules)));
	EXPECT_NE(NULL, strstr(out, "the GPU 0000:0b:00.0 is on node 1; vm-cpus has no CPU there"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "suggested: vm-cpus 8-11,24-27, hugepages 1G 8@1"));
	EXPECT_STREQ("spans-l3,spans-numa,gpu-node",
		     check_rules(_metadata, &self->r, "bind 0b:00.0 1002:73bf\nvm-cpus 6-9,22-25\n",
				 rules, sizeof(rules)));
}

TEST_F(plain, offline_cpus_are_named)
{
	char rules[512];

	ASSERT_EQ(0, vroot_make(&self->r, "cpu-r7-3700x-nosmt"));
	EXPECT_STREQ("offline-cpus",
		     check_rules(_metadata, &self->r, "vm-cpus 4-7,12-15\n", rules, sizeof(rules)));
	ASSERT_EQ(0, ctl(&self->r, "cpus", NULL));
	EXPECT_NE(NULL, strstr(out, "offline: CPUs 8-15\n")) TH_LOG("%s", out);
}

/* The library on its own: what hwloc made of the laptop's tree. */
TEST_F(plain, machine_read_sees_kinds_clusters_and_caches)
{
	struct vfe_machine m;
	char buf[256];

	ASSERT_EQ(0, vroot_make(&self->r, "cpu-i7-1370p"));
	ASSERT_EQ(0, vfe_machine_read(self->r.dir, NULL, &m));
	EXPECT_EQ(14, m.n_cores);
	EXPECT_EQ(2, m.threads_per_core);
	EXPECT_EQ(8, m.n_l2); /* 6 P-core L2s, 2 E-core clusters */
	EXPECT_EQ(1, m.n_l3);
	EXPECT_EQ(24 * 1024, m.l3[0].size_kb);
	EXPECT_TRUE(m.hybrid);
	vfe_cpulist_format(&m.eff, buf, sizeof(buf));
	EXPECT_STREQ("12-19", buf);
	EXPECT_STREQ("GenuineIntel", m.vendor);
	vfe_machine_free(&m);

	/* Without the PMU lists, intel_pstate's base frequencies still tell P from E. */
	unlink(vroot_path(&self->r, "sys/devices/cpu_core/cpus"));
	unlink(vroot_path(&self->r, "sys/devices/cpu_atom/cpus"));
	ASSERT_EQ(0, vfe_machine_read(self->r.dir, NULL, &m));
	EXPECT_TRUE(m.hybrid);
	EXPECT_STREQ("FrequencyBaseMHz", m.kinds_from);
	vfe_cpulist_format(&m.perf, buf, sizeof(buf));
	EXPECT_STREQ("0-11", buf);
	vfe_machine_free(&m);
}

/*
 * NUMA nodes that are dies of one package keep their own CPUs: hwloc hangs them below groups,
 * which the topology filters must keep (without them each node got the package's CPUs).
 */
TEST_F(plain, machine_read_numa_nodes_inside_one_package)
{
	struct vfe_machine m;
	char buf[256];

	ASSERT_EQ(0, vroot_make(&self->r, "cpu-tr-2950x"));
	ASSERT_EQ(0, vfe_machine_read(self->r.dir, NULL, &m));
	EXPECT_EQ(1, m.n_packages);
	ASSERT_EQ(2, m.n_nodes);
	vfe_cpulist_format(&m.nodes[0].cpus, buf, sizeof(buf));
	EXPECT_STREQ("0-7,16-23", buf);
	vfe_cpulist_format(&m.nodes[1].cpus, buf, sizeof(buf));
	EXPECT_STREQ("8-15,24-31", buf);
	EXPECT_EQ(4, m.n_l3);
	ASSERT_NE(NULL, m.distances);
	EXPECT_EQ(16, m.distances[1]);
	vfe_machine_free(&m);
}

/* The scheduler's count of this thread's moves between CPUs; -1 when the kernel has none. */
static long nr_migrations(void)
{
	char line[256];
	long n = -1;
	FILE *f = fopen("/proc/thread-self/sched", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "se.nr_migrations", 16))
			n = atol(strchr(line, ':') + 1);
	if (f)
		fclose(f);
	return n;
}

/*
 * Reading the running machine never moves this process to another CPU (hwloc's x86 backend
 * would, to each in turn, the VM's isolated ones too): pinned to one CPU, it stays there.
 */
TEST(running_machine_read_keeps_the_binding)
{
	cpu_set_t all, one;
	struct vfe_machine m;
	long before, after;
	int cpu;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	if (CPU_COUNT(&all) < 2)
		SKIP(return, "a single CPU: nothing to move to");
	for (cpu = 0; !CPU_ISSET(cpu, &all); cpu++)
		;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	before = nr_migrations();
	if (before < 0) {
		sched_setaffinity(0, sizeof(all), &all);
		SKIP(return, "no /proc/thread-self/sched (CONFIG_SCHED_DEBUG)");
	}
	ASSERT_EQ(0, vfe_machine_read("/", NULL, &m));
	after = nr_migrations();
	EXPECT_LT(0, m.n_cores);
	vfe_machine_free(&m);
	EXPECT_EQ(0, sched_getaffinity(0, sizeof(one), &one));
	EXPECT_EQ(1, CPU_COUNT(&one));
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
	EXPECT_EQ(before, after);
}

static const char *plan_text(const struct vfe_cpuplan *p, char *buf, size_t size)
{
	size_t i, n;

	vfe_cpulist_format(&p->vm, buf, (unsigned int)size);
	n = strlen(buf);
	for (i = 0; i < p->n_notes && n < size; i++)
		n += snprintf(buf + n, size - n, " %s", p->notes[i].rule);
	return buf;
}

/*
 * capture-cpus.sh on the machine running the tests (real sysfs, not a fixture) gives a tree
 * that hwloc reads as it reads the machine itself, and the same plan.
 */
TEST(capture_of_this_machine_gives_its_plan)
{
	static struct vfe_cpuplan live_plan, cap_plan;
	char dir[] = "/tmp/vfe-capture.XXXXXX", root[64], cmd[512], a[512], b[512];
	struct vfe_machine live, cap;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(cmd, sizeof(cmd),
		 "sh tests/rootfs/capture-cpus.sh >'%s/spec' && build/tests/mkroot '%s/spec' '%s' "
		 ">/dev/null",
		 dir, dir, root);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, vfe_machine_read("/", NULL, &live));
	ASSERT_EQ(0, vfe_machine_read(root, NULL, &cap));
	vfe_cpulist_format(&live.online, a, sizeof(a));
	vfe_cpulist_format(&cap.online, b, sizeof(b));
	EXPECT_STREQ(a, b);
	EXPECT_EQ(live.n_cores, cap.n_cores);
	EXPECT_EQ(live.threads_per_core, cap.threads_per_core);
	EXPECT_EQ(live.n_l2, cap.n_l2);
	EXPECT_EQ(live.n_l3, cap.n_l3);
	EXPECT_EQ(live.n_nodes, cap.n_nodes);
	EXPECT_EQ(live.n_packages, cap.n_packages);
	EXPECT_EQ(live.hybrid, cap.hybrid);
	EXPECT_STREQ(live.vendor, cap.vendor);
	vfe_cpuplan_suggest(&live, NULL, &live_plan);
	vfe_cpuplan_suggest(&cap, NULL, &cap_plan);
	EXPECT_STREQ(plan_text(&live_plan, a, sizeof(a)), plan_text(&cap_plan, b, sizeof(b)));
	vfe_machine_free(&live);
	vfe_machine_free(&cap);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	EXPECT_EQ(0, system(cmd));
}

/* Favoured cores (a higher maximum frequency only) are one core type, not P and E. */
TEST_F(plain, favoured_cores_are_not_a_hybrid)
{
	struct vfe_machine m;
	char rel[128];
	int cpu;

	ASSERT_EQ(0, vroot_make(&self->r, "cpu-r9-5950x"));
	for (cpu = 0; cpu < 32; cpu++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpufreq", cpu);
		mkdir(vroot_path(&self->r, rel), 0755);
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpufreq/cpuinfo_max_freq",
			 cpu);
		vroot_write(&self->r, rel, cpu % 16 < 2 ? "5050000\n" : "4900000\n");
	}
	ASSERT_EQ(0, vfe_machine_read(self->r.dir, NULL, &m));
	EXPECT_FALSE(m.hybrid);
	vfe_machine_free(&m);
	ASSERT_EQ(0, ctl(&self->r, "cpus", NULL));
	EXPECT_NE(NULL, strstr(out, "suggested vm-cpus: 8-15,24-31 ")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
