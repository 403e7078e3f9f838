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

#include "../../lib/boot/affinity.h"
#include "../../lib/boot/config.h"
#include "../../lib/cpuplan.h"
#include "../../lib/boot/hugepages.h"
#include "../../lib/boot/log.h"
#include "ctl.h"
#include "libvirt.h"

#define LIST_LEN 1024

static const char usage_text[] =
    "[--vcpus N] [--domain NAME | --update NAME] [OPTIONS]\n"
    "\n"
    "Without --domain or --update: the elements to paste into a domain.\n"
    "  -n, --vcpus N        give the guest N vCPUs (default: every VM CPU)\n"
    "\n"
    "A complete domain (printed, for 'virsh define'):\n"
    "  -d, --domain NAME    q35, OVMF with Secure Boot, TPM 2.0, Hyper-V, pinning, hugepages,\n"
    "                       every bound device\n"
    "  -m, --memory SIZE    guest memory, e.g. 16G (default: the hugepages' total, else 8G)\n"
    "      --disk PATH      a virtio disk: an image file (.qcow2 or raw) or a /dev block device\n"
    "      --iso PATH       the installation ISO, as a SATA CD-ROM\n"
    "      --share DIR:TAG  a host directory for the guest over virtiofs (shared memory)\n"
    "      --virt-type T    kvm (default) or qemu, for a machine without KVM (TCG)\n"
    "\n"
    "Our parts of a domain libvirt holds (vCPUs, pinning, topology, hugepages, hostdevs):\n"
    "  -u, --update NAME    show the change as a diff, then define it through virsh\n"
    "      --dry-run        show the diff only\n"
    "  -y, --yes            do not ask\n"
    "  -c, --connect URI    libvirt URI for virsh (default: virsh's own)\n"
    "\n"
    "  -j, --json           with --update: what changed, as JSON\n"
    "  -h, --help           show this help\n";

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

/* S with XML's five special characters escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* <vcpu>, <iothreads>, <cputune> and <numatune>, each line prefixed by IND. */
static void emit_pinning(FILE *f, const struct vfe_cpuset *host, int node, const struct pinning *p,
			 const char *ind)
{
	char host_list[LIST_LEN], used_list[LIST_LEN];
	unsigned int i;

	vfe_cpulist_format(host, host_list, sizeof(host_list));
	vfe_cpulist_format(&p->used, used_list, sizeof(used_list));
	fprintf(f, "%s<vcpu placement='static' cpuset='%s'>%u</vcpu>\n", ind, used_list, p->n);
	fprintf(f, "%s<iothreads>1</iothreads>\n", ind);
	fprintf(f, "%s<cputune>\n", ind);
	for (i = 0; i < p->n; i++)
		fprintf(f, "%s  <vcpupin vcpu='%u' cpuset='%u'/>\n", ind, i, p->host_cpu[i]);
	fprintf(f, "%s  <emulatorpin cpuset='%s'/>\n", ind, host_list);
	fprintf(f, "%s  <iothreadpin iothread='1' cpuset='%s'/>\n", ind, host_list);
	fprintf(f, "%s</cputune>\n", ind);
	if (node >= 0) {
		/* The guest's memory (and its hugepages) on the node of its CPUs and GPU. */
		fprintf(f,
			"%s<numatune>\n%s  <memory mode='strict' nodeset='%d'/>\n%s</numatune>\n",
			ind, ind, node, ind);
	}
}

/* <cpu>: MODE host-passthrough (KVM) or maximum (TCG has no host CPU to pass through). */
static void emit_cpu(FILE *f, const struct vfe_machine *t, const struct pinning *p, bool nested,
		     const char *mode, const char *ind)
{
	bool amd = vfe_machine_is_amd(t);

	fprintf(f, "%s<cpu mode='%s' check='none'>\n", ind, mode);
	fprintf(f, "%s  <topology sockets='1' dies='1' cores='%u' threads='%u'/>\n", ind,
		p->n / p->threads, p->threads);
	if (amd) {
		/* Without topoext a Windows guest on AMD sees no SMT, whatever the topology says.
		 */
		fprintf(f, "%s  <cache mode='passthrough'/>\n", ind);
		fprintf(f, "%s  <feature policy='require' name='topoext'/>\n", ind);
	}
	if (nested) /* Hyper-V, WSL2 and VBS in the guest need the virtualization extension */
		fprintf(f, "%s  <feature policy='require' name='%s'/>\n", ind, amd ? "svm" : "vmx");
	fprintf(f, "%s</cpu>\n", ind);
}

/* <memoryBacking>: the hugepages; with a virtiofs share, memory the daemon can map too. */
static void emit_memory_backing(FILE *f, unsigned long hp_size, bool shared, const char *ind)
{
	if (!hp_size && !shared)
		return;
	fprintf(f, "%s<memoryBacking>\n", ind);
	if (hp_size)
		fprintf(f,
			"%s  <hugepages>\n%s    <page size='%lu' unit='KiB'/>\n%s  </hugepages>\n",
			ind, ind, hp_size, ind);
	if (shared) {
		fprintf(f, "%s  <source type='memfd'/>\n", ind);
		fprintf(f, "%s  <access mode='shared'/>\n", ind);
	}
	fprintf(f, "%s</memoryBacking>\n", ind);
}

static bool same_slot(const struct vfe_bind_rule *a, const struct vfe_bind_rule *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

/* The first bind line of I's host slot, and how many lines name a function of it. */
static unsigned int slot_first(const struct vfe_config *conf, unsigned int i, unsigned int *members)
{
	unsigned int j, first = i;

	*members = 0;
	for (j = 0; j < conf->n_binds; j++) {
		if (!same_slot(&conf->binds[j], &conf->binds[i]))
			continue;
		if (j < first)
			first = j;
		++*members;
	}
	return first;
}

/*
 * Functions of one host slot given together (a GPU with its audio, USB, UCSI): the index of
 * the group's guest PCIe root port (1, 2, ... in the order of the config), 0 for a device
 * alone in its slot. GUEST_FN gets the function inside the guest slot, in host order from 0.
 */
static unsigned int slot_group(const struct vfe_config *conf, unsigned int i,
			       unsigned int *guest_fn)
{
	unsigned int j, members, other, group = 1, first = slot_first(conf, i, &members);

	*guest_fn = 0;
	if (members < 2)
		return 0;
	for (j = 0; j < conf->n_binds; j++)
		if (same_slot(&conf->binds[j], &conf->binds[i]) &&
		    conf->binds[j].func < conf->binds[i].func)
			++*guest_fn;
	for (j = 0; j < first; j++)
		if (slot_first(conf, j, &other) == j && other > 1)
			group++;
	return group;
}

/*
 * One <hostdev> per bind line. managed='no': libvirt then neither takes a device from a host
 * driver at start nor gives it back at shutdown (vfio-earlyctl(8), MANAGED). With GUEST_SLOTS,
 * the functions of one host slot share one guest slot, multifunction as on the card.
 */
static void emit_hostdevs(FILE *f, const struct vfe_config *conf, bool guest_slots, const char *ind)
{
	unsigned int i, fn, group;

	for (i = 0; i < conf->n_binds; i++) {
		const struct vfe_bind_rule *b = &conf->binds[i];

		fprintf(f, "%s<hostdev mode='subsystem' type='pci' managed='no'>\n%s  <source>\n",
			ind, ind);
		fprintf(
		    f,
		    "%s    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
		    ind, b->domain, b->bus, b->dev, b->func);
		fprintf(f, "%s  </source>\n", ind);
		group = slot_group(conf, i, &fn);
		if (guest_slots && group)
			fprintf(f,
				"%s  <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' "
				"function='0x%x'%s/>\n",
				ind, group, fn, fn ? "" : " multifunction='on'");
		fprintf(f, "%s</hostdev>\n", ind);
	}
}

/* How many guest root ports emit_hostdevs' slot groups need. */
static unsigned int slot_groups(const struct vfe_config *conf)
{
	unsigned int i, fn, n = 0, g;

	for (i = 0; i < conf->n_binds; i++)
		if ((g = slot_group(conf, i, &fn)) > n)
			n = g;
	return n;
}

static void print_xml(const struct vfe_machine *t, const struct vfe_config *conf,
		      const struct vfe_cpuset *vm, const struct vfe_cpuset *host, int node,
		      const struct pinning *p, const char *source)
{
	char vm_list[LIST_LEN], host_list[LIST_LEN], size[24];
	unsigned long long hp_kb;
	unsigned long hp_size = hugepage_size(conf, &hp_kb);

	vfe_cpulist_format(vm, vm_list, sizeof(vm_list));
	vfe_cpulist_format(host, host_list, sizeof(host_list));
	printf("<!-- vfio-earlyctl libvirt-xml: vm-cpus %s (%s), host CPUs %s", vm_list, source,
	       host_list);
	if (hp_size)
		printf(", hugepages %s = %llu MiB: <memory> must fit in them",
		       vfe_hugepage_size_name(hp_size, size, sizeof(size)), hp_kb / 1024);
	printf(
	    ".\n     Paste into the domain (virsh edit NAME), each hostdev inside devices. -->\n");
	emit_pinning(stdout, host, node, p, "");
	emit_cpu(stdout, t, p, conf->nested, "host-passthrough", "");
	emit_memory_backing(stdout, hp_size, false, "");
	emit_hostdevs(stdout, conf, false, "");
}

/* SIZE with an optional K, M, G or T (binary; "GiB", "G" alike), in KiB; 0 or -EINVAL. */
static int size_parse_kb(const char *s, unsigned long long *kb)
{
	char *end;
	unsigned long long v;
	unsigned int shift;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || !v)
		return -EINVAL;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 0;
		break;
	case 'M':
	case 'm':
		shift = 10;
		break;
	case 'G':
	case 'g':
		shift = 20;
		break;
	case 'T':
	case 't':
		shift = 30;
		break;
	case '\0': /* a bare number: MiB, as virt-install takes it */
		shift = 10;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -EINVAL;
	if (v > (~0ULL >> (shift + 1)))
		return -EINVAL;
	*kb = v << shift;
	return 0;
}

/* What --domain and --update are given on the command line. */
struct domain_opts {
	const char *name;
	unsigned long long memory_kb; /* 0: the hugepages' total, else 8 GiB */
	const char *disk, *iso;
	const char *share_dir, *share_tag;
	const char *virt_type; /* kvm, or qemu (TCG) where there is no KVM */
};

static void emit_disks(FILE *f, const struct domain_opts *o)
{
	if (o->disk) {
		bool block = !strncmp(o->disk, "/dev/", 5);
		size_t len = strlen(o->disk);
		bool qcow2 = len > 6 && !strcmp(o->disk + len - 6, ".qcow2");

		fprintf(f, "    <disk type='%s' device='disk'>\n", block ? "block" : "file");
		/* its own I/O thread, pinned with the emulator to the host's CPUs */
		fprintf(f,
			"      <driver name='qemu' type='%s' cache='none' io='native' "
			"discard='unmap' iothread='1'/>\n",
			qcow2 ? "qcow2" : "raw");
		fprintf(f, "      <source %s='", block ? "dev" : "file");
		put_escaped(f, o->disk);
		fprintf(f, "'/>\n      <target dev='vda' bus='virtio'/>\n");
		fprintf(f, "      <boot order='1'/>\n    </disk>\n");
	}
	if (o->iso) {
		fprintf(f, "    <disk type='file' device='cdrom'>\n");
		fprintf(f, "      <driver name='qemu' type='raw'/>\n      <source file='");
		put_escaped(f, o->iso);
		fprintf(f, "'/>\n      <target dev='sda' bus='sata'/>\n      <readonly/>\n");
		fprintf(f, "      <boot order='2'/>\n    </disk>\n");
	}
}

/* The guest's memory must be whole hugepages and fit in the reserved ones. */
static int memory_fits(const struct vfe_config *conf, const struct domain_opts *o)
{
	char size[24];
	unsigned long long hp_kb;
	unsigned long hp_size = hugepage_size(conf, &hp_kb);

	if (!hp_size || !o->memory_kb)
		return 0;
	if (o->memory_kb % hp_size) {
		ERR("--memory: %llu KiB is not a whole number of %s hugepages", o->memory_kb,
		    vfe_hugepage_size_name(hp_size, size, sizeof(size)));
		return -EINVAL;
	}
	if (o->memory_kb > hp_kb) {
		ERR("--memory: %llu MiB, but the config reserves %llu MiB of %s hugepages: the "
		    "guest would not start",
		    o->memory_kb >> 10, hp_kb >> 10,
		    vfe_hugepage_size_name(hp_size, size, sizeof(size)));
		return -EINVAL;
	}
	return 0;
}

/* The complete domain for the guide's Windows 11 guest, into F. */
static void emit_domain(FILE *f, const struct vfe_machine *t, const struct vfe_config *conf,
			const struct vfe_cpuset *host, int node, const struct pinning *p,
			const struct domain_opts *o)
{
	unsigned long long hp_kb, mem_kb;
	unsigned long hp_size = hugepage_size(conf, &hp_kb);
	bool kvm = strcmp(o->virt_type, "qemu") != 0;
	unsigned int i, ports = slot_groups(conf);

	mem_kb = o->memory_kb ? o->memory_kb : hp_kb ? hp_kb : 8ULL << 20;
	fprintf(f, "<domain type='%s'>\n  <name>", o->virt_type);
	put_escaped(f, o->name);
	fprintf(f, "</name>\n");
	fprintf(f, "  <memory unit='KiB'>%llu</memory>\n", mem_kb);
	fprintf(f, "  <currentMemory unit='KiB'>%llu</currentMemory>\n", mem_kb);
	emit_memory_backing(f, hp_size, o->share_dir != NULL, "  ");
	emit_pinning(f, host, node, p, "  ");
	/* Windows 11 wants UEFI with Secure Boot (keys enrolled) and a TPM 2.0; libvirt picks
	 * the OVMF build from the firmware descriptors, Secure Boot needs SMM. */
	fprintf(f, "  <os firmware='efi'>\n");
	fprintf(f, "    <type arch='x86_64' machine='q35'>hvm</type>\n");
	fprintf(f, "    <firmware>\n      <feature enabled='yes' name='enrolled-keys'/>\n");
	fprintf(f, "      <feature enabled='yes' name='secure-boot'/>\n    </firmware>\n");
	fprintf(f, "    <loader secure='yes'/>\n  </os>\n");
	fprintf(f, "  <features>\n    <acpi/>\n    <apic/>\n");
	/* The enlightenments Windows uses for timers, interrupts and spinning vCPUs. */
	fprintf(f, "    <hyperv mode='custom'>\n");
	fprintf(f, "      <relaxed state='on'/>\n      <vapic state='on'/>\n");
	fprintf(f, "      <spinlocks state='on' retries='8191'/>\n");
	/* the rest are KVM's: QEMU under TCG refuses them ("kernel doesn't allow setting
	 * HyperV VP_INDEX") */
	if (kvm) {
		fprintf(f, "      <vpindex state='on'/>\n      <runtime state='on'/>\n");
		fprintf(f, "      <synic state='on'/>\n      <stimer state='on'/>\n");
		fprintf(f, "      <reset state='on'/>\n      <frequencies state='on'/>\n");
		fprintf(f, "      <tlbflush state='on'/>\n      <ipi state='on'/>\n");
	}
	fprintf(f, "    </hyperv>\n");
	fprintf(f, "    <vmport state='off'/>\n    <smm state='on'/>\n  </features>\n");
	emit_cpu(f, t, p, conf->nested, kvm ? "host-passthrough" : "maximum", "  ");
	fprintf(f, "  <clock offset='localtime'>\n");
	fprintf(f, "    <timer name='rtc' tickpolicy='catchup'/>\n");
	fprintf(f, "    <timer name='pit' tickpolicy='delay'/>\n");
	fprintf(f, "    <timer name='hpet' present='no'/>\n");
	fprintf(f, "    <timer name='hypervclock' present='yes'/>\n  </clock>\n");
	fprintf(f, "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n");
	fprintf(f, "  <on_crash>destroy</on_crash>\n");
	fprintf(f, "  <pm>\n    <suspend-to-mem enabled='no'/>\n");
	fprintf(f, "    <suspend-to-disk enabled='no'/>\n  </pm>\n");
	fprintf(f, "  <devices>\n");
	/* one root port per card whose functions stay together in the guest */
	for (i = 1; i <= ports; i++)
		fprintf(f, "    <controller type='pci' index='%u' model='pcie-root-port'/>\n", i);
	emit_disks(f, o);
	if (o->share_dir) {
		fprintf(f, "    <filesystem type='mount' accessmode='passthrough'>\n");
		fprintf(f, "      <driver type='virtiofs'/>\n      <source dir='");
		put_escaped(f, o->share_dir);
		fprintf(f, "'/>\n      <target dir='");
		put_escaped(f, o->share_tag);
		fprintf(f, "'/>\n    </filesystem>\n");
	}
	fprintf(f, "    <interface type='network'>\n      <source network='default'/>\n");
	fprintf(f, "      <model type='virtio'/>\n    </interface>\n");
	fprintf(f, "    <serial type='pty'>\n      <target type='isa-serial' port='0'/>\n");
	fprintf(f, "    </serial>\n    <console type='pty'>\n");
	fprintf(f, "      <target type='serial' port='0'/>\n    </console>\n");
	fprintf(f, "    <tpm model='tpm-crb'>\n      <backend type='emulator' version='2.0'/>\n");
	fprintf(f, "    </tpm>\n");
	emit_hostdevs(f, conf, true, "    ");
	/* with hugepages and a GPU the balloon could never give anything back */
	fprintf(f, "    <memballoon model='none'/>\n  </devices>\n</domain>\n");
}

static int do_libvirt_xml(struct ctl_globals *g, int argc, char *argv[])
{
	enum { OPT_DISK = 256, OPT_ISO, OPT_SHARE, OPT_VIRT_TYPE, OPT_DRY_RUN };
	static const struct option longopts[] = {
	    {"vcpus", required_argument, NULL, 'n'},
	    {"domain", required_argument, NULL, 'd'},
	    {"update", required_argument, NULL, 'u'},
	    {"memory", required_argument, NULL, 'm'},
	    {"disk", required_argument, NULL, OPT_DISK},
	    {"iso", required_argument, NULL, OPT_ISO},
	    {"share", required_argument, NULL, OPT_SHARE},
	    {"virt-type", required_argument, NULL, OPT_VIRT_TYPE},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"yes", no_argument, NULL, 'y'},
	    {"connect", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static char share_dir[4096];
	struct domain_opts dom = {.virt_type = "kvm"};
	struct vfe_libvirt_update up = {0};
	const char *update = NULL;
	char *colon;
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
	while ((c = getopt_long(argc, argv, "+n:d:u:m:yc:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dom.name = optarg;
			break;
		case 'u':
			update = optarg;
			break;
		case 'm':
			if (size_parse_kb(optarg, &dom.memory_kb) < 0) {
				ERR("--memory '%s': expected a size such as 16G or 16384M", optarg);
				return 2;
			}
			break;
		case OPT_DISK:
			dom.disk = optarg;
			break;
		case OPT_ISO:
			dom.iso = optarg;
			break;
		case OPT_SHARE:
			colon = strrchr(optarg, ':');
			if (optarg[0] != '/' || !colon || !colon[1] ||
			    (size_t)(colon - optarg) >= sizeof(share_dir) ||
			    strlen(colon + 1) > 36) {
				ERR("--share '%s': expected /DIR:TAG (a tag of at most 36 "
				    "characters)",
				    optarg);
				return 2;
			}
			memcpy(share_dir, optarg, (size_t)(colon - optarg));
			share_dir[colon - optarg] = '\0';
			dom.share_dir = share_dir;
			dom.share_tag = colon + 1;
			break;
		case OPT_VIRT_TYPE:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "qemu")) {
				ERR("--virt-type '%s': expected kvm or qemu", optarg);
				return 2;
			}
			dom.virt_type = optarg;
			break;
		case OPT_DRY_RUN:
			up.dry_run = true;
			break;
		case 'y':
			up.yes = true;
			break;
		case 'c':
			up.uri = optarg;
			break;
		case 'j':
			g->json = true;
			break;
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
	if (dom.name && update) {
		ERR("--domain prints a new domain, --update changes one: give one of them");
		return 2;
	}
	if (update)
		dom.name = update;
	if (!dom.name && (dom.memory_kb || dom.disk || dom.iso || dom.share_dir)) {
		ERR("--memory, --disk, --iso and --share describe a whole domain: add --domain "
		    "NAME");
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
	if (!dom.name) {
		print_xml(&t, &conf, &vm, &host, node, &pins, source);
		status = 0;
		goto out;
	}
	if (memory_fits(&conf, &dom) < 0)
		goto out;
	{
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (!f) {
			ERR("out of memory");
			goto out;
		}
		emit_domain(f, &t, &conf, &host, node, &pins, &dom);
		fclose(f);
		if (update) {
			up.name = update;
			up.generated = text;
			status = vfe_libvirt_update(g, &up) < 0 ? 1 : 0;
		} else {
			fputs(text, stdout);
			status = 0;
		}
		free(text);
	}
out:
	vfe_machine_free(&t);
	return status;
}

const struct ctl_cmd ctl_cmd_libvirt_xml = {
    "libvirt-xml", do_libvirt_xml,
    "libvirt <vcpu>, <cputune>, <cpu>, <memoryBacking>, <hostdev> for the config; --domain a whole "
    "domain, --update our parts of a defined one"};
