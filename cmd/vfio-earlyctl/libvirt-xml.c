// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt-xml: the parts of a libvirt domain that must agree with the config: vCPUs pinned
 * so that guest threads 2k and 2k+1 are the two threads of one host core, the emulator and
 * I/O thread on the host's CPUs of the VM's NUMA node, a host-passthrough CPU with the same
 * topology, <numatune> on NUMA machines, hugepage backing of the configured size, and one
 * <hostdev> per bind line. Without a vm-cpus it follows the plan of 'vfio-earlyctl cpus'.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/affinity.h"
#include "../../lib/config.h"
#include "../../lib/cpuplan.h"
#include "../../lib/hugepages.h"
#include "../../lib/log.h"
#include "ctl.h"

#define LIST_LEN 1024

static const char usage_text[] =
    "[--vcpus N]\n"
    "\n"
    "  -n, --vcpus N   give the guest N vCPUs (default: every VM CPU)\n"
    "  -h, --help      show this help\n";

/* The guest's vCPUs in order: host CPU of each, cores in ascending order. */
struct pinning {
	unsigned int host_cpu[VFE_MAX_CPUS];
	unsigned int n, threads; /* threads per guest core */
	bool mixed;		 /* VM cores with more threads than others (P and E cores) */
	struct vfe_cpuset used;
};

/* The core holding CPU, NULL when none does. */
static const struct vfe_cpuset *core_of(const struct vfe_machine *m, unsigned int cpu)
{
	int c = vfe_group_of(m->cores, m->n_cores, cpu);

	return c < 0 ? NULL : &m->cores[c].cpus;
}

/*
 * Pair guest threads with host SMT siblings. THREADS is what every VM core offers: 2 when
 * vm-cpus holds both threads of each of its cores, 1 when it holds only one of some. WANT 0:
 * every core, THREADS vCPUs each.
 */
static int pin(const struct vfe_machine *t, const struct vfe_cpuset *vm, unsigned int want,
	       struct pinning *p)
{
	const struct vfe_cpuset *core;
	unsigned int cpu, other, threads = 0, nbits = vfe_cpuset_nbits(vm);

	memset(p, 0, sizeof(*p));
	for (cpu = 0; cpu < nbits; cpu++) {
		unsigned int n = 0;

		if (!vfe_cpuset_test(vm, cpu) || !(core = core_of(t, cpu)))
			continue;
		for (other = 0; other < nbits; other++)
			n += vfe_cpuset_test(core, other) && vfe_cpuset_test(vm, other);
		if (threads && n != threads)
			p->mixed = true;
		if (!threads || n < threads)
			threads = n;
	}
	if (!threads)
		return -ENOENT;
	if (!want)
		want = VFE_MAX_CPUS;
	if (want % threads) {
		ERR("--vcpus %u: the guest's cores have %u threads; give a multiple of %u", want,
		    threads, threads);
		return -EINVAL;
	}
	p->threads = threads;
	for (cpu = 0; cpu < nbits && p->n < want; cpu++) {
		unsigned int taken = 0;

		/* Each host core once, by its first VM thread. */
		if (!vfe_cpuset_test(vm, cpu) || vfe_cpuset_test(&p->used, cpu) ||
		    !(core = core_of(t, cpu)))
			continue;
		for (other = 0; other < nbits && taken < threads; other++) {
			if (!vfe_cpuset_test(core, other) || !vfe_cpuset_test(vm, other))
				continue;
			p->host_cpu[p->n++] = other;
			vfe_cpuset_set(&p->used, other);
			taken++;
		}
		/* A core's other VM threads (beyond THREADS) stay unused, never split apart. */
		for (other = 0; other < nbits; other++)
			if (vfe_cpuset_test(core, other) && vfe_cpuset_test(vm, other))
				vfe_cpuset_set(&p->used, other);
	}
	if (p->n < want && want != VFE_MAX_CPUS) {
		ERR("--vcpus %u: vm-cpus gives only %u", want, p->n);
		return -EINVAL;
	}
	/* used marked every thread of a taken core; keep only the pinned ones. */
	memset(&p->used, 0, sizeof(p->used));
	for (cpu = 0; cpu < p->n; cpu++)
		vfe_cpuset_set(&p->used, p->host_cpu[cpu]);
	return 0;
}

/*
 * On machines with several NUMA nodes: the node of the VM's CPUs (the configured hugepages'
 * node when they span several), and the host's CPUs there for the emulator and I/O threads.
 */
static int vm_node(const struct vfe_machine *m, const struct vfe_config *conf,
		   const struct vfe_cpuset *vm, struct vfe_cpuset *host)
{
	unsigned int i, cpu, hits = 0, nbits;
	int node = -1;
	struct vfe_cpuset near;

	if (m->n_nodes < 2)
		return -1;
	for (i = 0; i < m->n_nodes; i++) {
		for (cpu = 0, nbits = vfe_cpuset_nbits(vm); cpu < nbits; cpu++)
			if (vfe_cpuset_test(vm, cpu) && vfe_cpuset_test(&m->nodes[i].cpus, cpu))
				break;
		if (cpu < nbits) {
			hits++;
			node = (int)i;
		}
	}
	if (hits != 1) {
		node = -1;
		for (i = 0; i < conf->n_hugepages; i++)
			if (conf->hugepages[i].node >= 0)
				node = conf->hugepages[i].node;
		for (i = 0; node >= 0 && i < m->n_nodes; i++)
			if (m->nodes[i].os_index == node)
				return node;
		return -1;
	}
	memset(&near, 0, sizeof(near));
	for (cpu = 0, nbits = vfe_cpuset_nbits(host); cpu < nbits; cpu++)
		if (vfe_cpuset_test(host, cpu) && vfe_cpuset_test(&m->nodes[node].cpus, cpu))
			vfe_cpuset_set(&near, cpu);
	if (vfe_cpuset_count(&near))
		*host = near;
	return m->nodes[node].os_index;
}

/* The configured size that backs the most memory; 0 when there is none. */
static unsigned long hugepage_size(const struct vfe_config *conf, unsigned long long *total_kb)
{
	unsigned long best = 0;
	unsigned long long best_kb = 0;
	unsigned int i, j;

	for (i = 0; i < conf->n_hugepages; i++) {
		unsigned long long kb = 0;

		for (j = 0; j < conf->n_hugepages; j++)
			if (conf->hugepages[j].size_kb == conf->hugepages[i].size_kb)
				kb += (unsigned long long)conf->hugepages[j].size_kb *
				      conf->hugepages[j].count;
		if (kb > best_kb) {
			best_kb = kb;
			best = conf->hugepages[i].size_kb;
		}
	}
	*total_kb = best_kb;
	return best;
}

static void print_xml(const struct vfe_machine *t, const struct vfe_config *conf,
		      const struct vfe_cpuset *vm, const struct vfe_cpuset *host, int node,
		      const struct pinning *p, const char *source)
{
	char vm_list[LIST_LEN], host_list[LIST_LEN], used_list[LIST_LEN], size[24];
	unsigned long long hp_kb;
	unsigned long hp_size = hugepage_size(conf, &hp_kb);
	unsigned int i;

	vfe_cpulist_format(vm, vm_list, sizeof(vm_list));
	vfe_cpulist_format(host, host_list, sizeof(host_list));
	vfe_cpulist_format(&p->used, used_list, sizeof(used_list));
	printf("<!-- vfio-earlyctl libvirt-xml: vm-cpus %s (%s), host CPUs %s", vm_list, source,
	       host_list);
	if (hp_size)
		printf(", hugepages %s = %llu MiB: <memory> must fit in them",
		       vfe_hugepage_size_name(hp_size, size, sizeof(size)), hp_kb / 1024);
	printf(
	    ".\n     Paste into the domain (virsh edit NAME), each hostdev inside devices. -->\n");
	printf("<vcpu placement='static' cpuset='%s'>%u</vcpu>\n", used_list, p->n);
	printf("<iothreads>1</iothreads>\n");
	printf("<cputune>\n");
	for (i = 0; i < p->n; i++)
		printf("  <vcpupin vcpu='%u' cpuset='%u'/>\n", i, p->host_cpu[i]);
	printf("  <emulatorpin cpuset='%s'/>\n", host_list);
	printf("  <iothreadpin iothread='1' cpuset='%s'/>\n", host_list);
	printf("</cputune>\n");
	if (node >= 0) {
		/* The guest's memory (and its hugepages) on the node of its CPUs and GPU. */
		printf("<numatune>\n  <memory mode='strict' nodeset='%d'/>\n</numatune>\n", node);
	}
	printf("<cpu mode='host-passthrough' check='none'>\n");
	printf("  <topology sockets='1' dies='1' cores='%u' threads='%u'/>\n", p->n / p->threads,
	       p->threads);
	if (vfe_machine_is_amd(t)) {
		/* Without topoext a Windows guest on AMD sees no SMT, whatever the topology says.
		 */
		printf("  <cache mode='passthrough'/>\n");
		printf("  <feature policy='require' name='topoext'/>\n");
	}
	printf("</cpu>\n");
	if (hp_size) {
		printf("<memoryBacking>\n  <hugepages>\n");
		printf("    <page size='%lu' unit='KiB'/>\n", hp_size);
		printf("  </hugepages>\n</memoryBacking>\n");
	}
	for (i = 0; i < conf->n_binds; i++) {
		const struct vfe_bind_rule *b = &conf->binds[i];

		printf("<hostdev mode='subsystem' type='pci' managed='yes'>\n  <source>\n");
		printf(
		    "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
		    b->domain, b->bus, b->dev, b->func);
		printf("  </source>\n</hostdev>\n");
	}
}

static int do_libvirt_xml(struct ctl_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"vcpus", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct vfe_config conf;
	static struct pinning pins;
	static struct vfe_cpuplan plan;
	struct vfe_cpuset vm, host;
	struct vfe_machine t = {0};
	char why[256], err[320], hp[160] = "";
	const char *source = "from the config";
	unsigned long vcpus = 0;
	unsigned int cpu, nbits;
	int c, r, node, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (vfe_count_parse(optarg, &vcpus) || !vcpus || vcpus > VFE_MAX_CPUS) {
				ERR("--vcpus '%s': expected a number of vCPUs", optarg);
				return 2;
			}
			break;
		case 'h':
			printf("Usage: vfio-earlyctl libvirt-xml %s\n%s\n", usage_text,
			       ctl_cmd_libvirt_xml.help);
			return 0;
		default:
			fprintf(stderr,
				"Try 'vfio-earlyctl libvirt-xml --help' for more information.\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vfio-earlyctl: libvirt-xml: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	r = vfe_config_load(&conf, g->config, err, sizeof(err));
	if (r < 0 && r != -ENOENT) {
		ERR("%s", err);
		return 1;
	}
	r = vfe_machine_read(g->root, &conf, &t);
	if (r < 0) {
		ERR("cannot read the CPUs of %s: %s", g->root, strerror(-r));
		goto out;
	}
	if (conf.has_vm_cpus) {
		struct vfe_cpuset present = t.online;

		vm = conf.vm_cpus;
		for (cpu = 0, nbits = vfe_cpuset_nbits(&t.offline); cpu < nbits; cpu++)
			if (vfe_cpuset_test(&t.offline, cpu))
				vfe_cpuset_set(&present, cpu);
		if (vfe_vm_cpus_refusal(&vm, &present, why, sizeof(why))) {
			ERR("%s: the boot helper would refuse it too", why);
			goto out;
		}
	} else if (vfe_cpuplan_suggest(&t, NULL, &plan), plan.ok) {
		vm = plan.vm;
		if (plan.hugepages[0])
			snprintf(hp, sizeof(hp), "; and '%s'", plan.hugepages);
		source = "suggested: the config has no vm-cpus";
		WRN("no vm-cpus in %s: using the suggested one; add it to the config so the host "
		    "keeps off these CPUs%s",
		    g->config, hp);
	} else {
		ERR("no vm-cpus in %s and none to suggest", g->config);
		goto out;
	}
	memset(&host, 0, sizeof(host));
	for (cpu = 0, nbits = vfe_cpuset_nbits(&t.online); cpu < nbits; cpu++)
		if (vfe_cpuset_test(&t.online, cpu) && !vfe_cpuset_test(&vm, cpu))
			vfe_cpuset_set(&host, cpu);
	node = vm_node(&t, &conf, &vm, &host);
	if (pin(&t, &vm, (unsigned int)vcpus, &pins) < 0)
		goto out;
	if (pins.mixed && t.hybrid)
		WRN("vm-cpus mixes cores with %u and with more threads (E and P cores): one guest "
		    "topology cannot show both, so each core gives %u vCPU%s and the other threads "
		    "stay idle; leave the E-cores out for SMT pairs",
		    pins.threads, pins.threads, pins.threads == 1 ? "" : "s");
	else if (pins.threads == 1 && t.threads_per_core > 1)
		WRN("vm-cpus takes only one thread of some cores: the guest gets cores without SMT "
		    "and shares those cores with the host ('vfio-earlyctl cpus' suggests better)");
	if (!conf.n_hugepages)
		WRN("no hugepages in the config: the guest's memory is not backed by hugepages");
	print_xml(&t, &conf, &vm, &host, node, &pins, source);
	status = 0;
out:
	vfe_machine_free(&t);
	return status;
}

const struct ctl_cmd ctl_cmd_libvirt_xml = {
    "libvirt-xml", do_libvirt_xml,
    "libvirt <vcpu>, <cputune>, <cpu>, <memoryBacking>, <hostdev> for the config"};
