// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpus: the machine through hwloc (packages, NUMA nodes, L3 and L2 domains, cores and their
 * threads, CPU kinds, the GPU's node), a suggested vm-cpus with every rule that shaped it, and
 * the configured vm-cpus judged by the same rules.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/boot/config.h"
#include "../../lib/cpuplan.h"
#include "../../lib/boot/log.h"
#include "ctl.h"

#define LIST_LEN 2048

static const char usage_text[] =
    "[--json] [--e-cores]\n"
    "\n"
    "  -j, --json      machine-readable output\n"
    "  -e, --e-cores   also give the VM whole E-core clusters (hybrid CPUs)\n"
    "  -h, --help      show this help\n";

static const char *fmt(const struct vfe_cpuset *set, char *buf)
{
	vfe_cpulist_format(set, buf, LIST_LEN);
	return buf;
}

static bool within(const struct vfe_cpuset *a, const struct vfe_cpuset *b)
{
	size_t i;

	for (i = 0; i < sizeof(a->bits) / sizeof(a->bits[0]); i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static json_object *jset(const struct vfe_cpuset *set)
{
	char buf[LIST_LEN];

	return jstr(fmt(set, buf));
}

/* The cores of an L3 (or a package without one), E-core clusters as E[12 13 14 15]. */
static json_object *cores_json(const struct vfe_machine *m, const struct vfe_cpuset *in)
{
	json_object *cores = json_object_new_array();
	unsigned int i;

	for (i = 0; i < m->n_cores; i++)
		if (within(&m->cores[i].cpus, in))
			json_object_array_add(cores, jset(&m->cores[i].cpus));
	return cores;
}

static json_object *l2_json(const struct vfe_machine *m, const struct vfe_cpuset *in)
{
	json_object *l2 = json_object_new_array();
	unsigned int i, j, n;

	for (i = 0; i < m->n_l2; i++) {
		json_object *o;

		if (!within(&m->l2[i].cpus, in))
			continue;
		for (j = 0, n = 0; j < m->n_cores; j++)
			n += within(&m->cores[j].cpus, &m->l2[i].cpus);
		if (n < 2) /* only clusters: an L2 per core is the rule */
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "cpus", jset(&m->l2[i].cpus));
		json_object_object_add(o, "size_kb",
				       json_object_new_int64((int64_t)m->l2[i].size_kb));
		json_object_object_add(o, "cores", json_object_new_int((int)n));
		json_object_array_add(l2, o);
	}
	return l2;
}

/* An L3 domain, or a package without one (SIZE_KB 0: no L3 known). */
static json_object *l3_json(const struct vfe_machine *m, const struct vfe_cpuset *cpus,
			    unsigned long long size_kb)
{
	json_object *l3 = json_object_new_object();

	json_object_object_add(l3, "cpus", jset(cpus));
	json_object_object_add(l3, "size_kb",
			       size_kb ? json_object_new_int64((int64_t)size_kb) : NULL);
	json_object_object_add(l3, "holds_cpu0", json_object_new_boolean(vfe_cpuset_test(cpus, 0)));
	json_object_object_add(l3, "cores", cores_json(m, cpus));
	json_object_object_add(l3, "l2_clusters", l2_json(m, cpus));
	return l3;
}

static json_object *topology_json(const struct vfe_machine *m)
{
	json_object *packages = json_object_new_array();
	unsigned int p, i;

	for (p = 0; p < m->n_packages || (!m->n_packages && p == 0); p++) {
		const struct vfe_cpuset *pcpus = m->n_packages ? &m->packages[p].cpus : &m->online;
		json_object *pkg = json_object_new_object(), *groups = json_object_new_array();
		bool any = false;

		json_object_object_add(
		    pkg, "id", json_object_new_int(m->n_packages ? m->packages[p].os_index : 0));
		json_object_object_add(pkg, "cpus", jset(pcpus));
		for (i = 0; i < m->n_l3; i++) {
			json_object *l3;

			if (!within(&m->l3[i].cpus, pcpus))
				continue;
			l3 = l3_json(m, &m->l3[i].cpus, m->l3[i].size_kb);
			json_object_array_add(groups, l3);
			any = true;
		}
		if (!any) /* no L3: the package is the sharing group */
			json_object_array_add(groups, l3_json(m, pcpus, 0));
		json_object_object_add(pkg, "l3_groups", groups);
		json_object_array_add(packages, pkg);
	}
	return packages;
}

static json_object *nodes_json(const struct vfe_machine *m)
{
	json_object *nodes = json_object_new_array();
	unsigned int i, j;

	for (i = 0; i < m->n_nodes; i++) {
		json_object *o = json_object_new_object(), *d = NULL;

		json_object_object_add(o, "node", json_object_new_int(m->nodes[i].os_index));
		json_object_object_add(o, "cpus", jset(&m->nodes[i].cpus));
		json_object_object_add(o, "memory_kb",
				       json_object_new_int64((int64_t)m->nodes[i].size_kb));
		if (m->distances) {
			d = json_object_new_array();
			for (j = 0; j < m->n_nodes; j++)
				json_object_array_add(
				    d, json_object_new_int((int)m->distances[i * m->n_nodes + j]));
		}
		json_object_object_add(o, "distances", d);
		json_object_array_add(nodes, o);
	}
	return nodes;
}

static json_object *notes_json(const struct vfe_rule_note *notes, unsigned int n)
{
	json_object *a = json_object_new_array();
	unsigned int i;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "rule", jstr(notes[i].rule));
		json_object_object_add(o, "why", jstr(notes[i].text));
		json_object_array_add(a, o);
	}
	return a;
}

static unsigned int count_l3(json_object *packages)
{
	unsigned int p, n = 0;

	for (p = 0; p < json_object_array_length(packages); p++)
		n += (unsigned int)json_object_array_length(
		    json_object_object_get(json_object_array_get_idx(packages, p), "l3_groups"));
	return n;
}

static void print_text(const struct vfe_machine *m, json_object *packages,
		       const struct vfe_cpuplan *plan, const char *configured,
		       const struct vfe_rule_note *findings, unsigned int n_findings)
{
	char buf[LIST_LEN], b2[LIST_LEN];
	size_t p, g, c;
	unsigned int i;

	printf("CPUs %s: %u package%s, %u L3 group%s, %u core%s, %u thread%s per core, %u NUMA "
	       "node%s%s%s%s\n",
	       fmt(&m->online, buf), (unsigned int)json_object_array_length(packages),
	       json_object_array_length(packages) == 1 ? "" : "s", count_l3(packages),
	       count_l3(packages) == 1 ? "" : "s", m->n_cores, m->n_cores == 1 ? "" : "s",
	       m->threads_per_core, m->threads_per_core == 1 ? "" : "s",
	       m->n_nodes ? m->n_nodes : 1, m->n_nodes > 1 ? "s" : "",
	       m->model[0] || m->vendor[0] ? " (" : "", m->model[0] ? m->model : m->vendor,
	       m->model[0] || m->vendor[0] ? ")" : "");
	if (m->hybrid)
		printf("hybrid: performance cores %s, efficiency cores %s (kinds by %s)\n",
		       fmt(&m->perf, buf), fmt(&m->eff, b2), m->kinds_from);
	if (vfe_cpuset_count(&m->offline))
		printf("offline: CPUs %s\n", fmt(&m->offline, buf));
	for (i = 0; m->n_nodes > 1 && i < m->n_nodes; i++) {
		printf("node %d: CPUs %s, %llu MiB", m->nodes[i].os_index,
		       fmt(&m->nodes[i].cpus, buf), m->nodes[i].size_kb / 1024);
		if (m->distances) {
			unsigned int j;

			printf(", distances");
			for (j = 0; j < m->n_nodes; j++)
				printf(" %u", m->distances[i * m->n_nodes + j]);
		}
		printf("%s\n", m->nodes[i].os_index == m->gpu_node ? "   <- the VM's GPU" : "");
	}
	for (p = 0; p < json_object_array_length(packages); p++) {
		json_object *pkg = json_object_array_get_idx(packages, p), *groups;

		printf("package %d: CPUs %s\n",
		       json_object_get_int(json_object_object_get(pkg, "id")),
		       json_object_get_string(json_object_object_get(pkg, "cpus")));
		groups = json_object_object_get(pkg, "l3_groups");
		for (g = 0; g < json_object_array_length(groups); g++) {
			json_object *l3 = json_object_array_get_idx(groups, g);
			json_object *cores = json_object_object_get(l3, "cores");
			json_object *l2 = json_object_object_get(l3, "l2_clusters");
			int64_t kb = json_object_get_int64(json_object_object_get(l3, "size_kb"));

			if (kb)
				printf("  %3lld MiB ", (long long)(kb / 1024));
			else
				printf("  ");
			printf("%s %-14s cores:", kb ? "L3" : "  ",
			       json_object_get_string(json_object_object_get(l3, "cpus")));
			for (c = 0; c < json_object_array_length(cores); c++)
				printf(" %s",
				       json_object_get_string(json_object_array_get_idx(cores, c)));
			printf("%s\n",
			       json_object_get_boolean(json_object_object_get(l3, "holds_cpu0"))
				   ? "   <- CPU 0: the host's"
				   : "");
			for (c = 0; c < json_object_array_length(l2); c++) {
				json_object *cl = json_object_array_get_idx(l2, c);

				printf("           L2 %s shared by %d cores (%lld KiB)\n",
				       json_object_get_string(json_object_object_get(cl, "cpus")),
				       json_object_get_int(json_object_object_get(cl, "cores")),
				       (long long)json_object_get_int64(
					   json_object_object_get(cl, "size_kb")));
			}
		}
	}
	if (plan->ok) {
		printf("suggested vm-cpus: %s   (rules:", fmt(&plan->vm, buf));
		for (i = 0; i < plan->n_notes; i++)
			printf("%s %s", i ? "," : "", plan->notes[i].rule);
		printf(")\n");
		if (plan->hugepages[0])
			printf("suggested %s\n", plan->hugepages);
	} else {
		printf("no vm-cpus to suggest:\n");
	}
	for (i = 0; i < plan->n_notes; i++)
		printf("  %-17s %s\n", plan->notes[i].rule, plan->notes[i].text);
	if (!configured)
		return;
	printf("configured vm-cpus: %s%s\n", configured,
	       n_findings ? "" : "   (follows every rule)");
	for (i = 0; i < n_findings; i++)
		printf("  ! %s: %s\n", findings[i].rule, findings[i].text);
}

static int do_cpus(struct ctl_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"e-cores", no_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct vfe_config conf;
	static struct vfe_cpuplan plan;
	static struct vfe_rule_note findings[VFE_PLAN_NOTES];
	struct vfe_cpuplan_opts opts = {0};
	struct vfe_machine m;
	char configured[LIST_LEN], buf[LIST_LEN], err[320];
	json_object *packages;
	unsigned int n_findings = 0, i;
	bool judged;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+jeh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			g->json = true;
			break;
		case 'e':
			opts.e_cores = true;
			break;
		case 'h':
			printf("Usage: vfio-earlyctl cpus %s\n%s\n", usage_text, ctl_cmd_cpus.help);
			return 0;
		default:
			fprintf(stderr, "Try 'vfio-earlyctl cpus --help' for more information.\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vfio-earlyctl: cpus: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	r = vfe_config_load(&conf, g->config, err, sizeof(err));
	if (r < 0 && r != -ENOENT)
		WRN("%s; the configured vm-cpus is not judged", err);
	judged = r == 0 && conf.has_vm_cpus;
	r = vfe_machine_read(g->root, r == 0 ? &conf : NULL, &m);
	if (r < 0) {
		ERR("cannot read the CPUs of %s: %s", g->root, strerror(-r));
		return 1;
	}
	vfe_cpuplan_suggest(&m, &opts, &plan);
	if (judged) {
		fmt(&conf.vm_cpus, configured);
		n_findings = vfe_cpuplan_judge(&m, &conf.vm_cpus, findings, VFE_PLAN_NOTES);
	}
	packages = topology_json(&m);
	if (g->json) {
		json_object *o = json_object_new_object(), *strings = json_object_new_array(), *h;

		json_object_object_add(o, "cpus", jset(&m.online));
		json_object_object_add(o, "offline_cpus", jset(&m.offline));
		json_object_object_add(o, "vendor", m.vendor[0] ? jstr(m.vendor) : NULL);
		json_object_object_add(o, "model", m.model[0] ? jstr(m.model) : NULL);
		json_object_object_add(o, "threads_per_core",
				       json_object_new_int((int)m.threads_per_core));
		h = NULL;
		if (m.hybrid) {
			h = json_object_new_object();
			json_object_object_add(h, "performance_cpus", jset(&m.perf));
			json_object_object_add(h, "efficiency_cpus", jset(&m.eff));
			json_object_object_add(h, "kinds_from", jstr(m.kinds_from));
		}
		json_object_object_add(o, "hybrid", h);
		json_object_object_add(o, "numa_nodes", nodes_json(&m));
		h = NULL;
		if (m.gpu_slot[0]) {
			h = json_object_new_object();
			json_object_object_add(h, "slot", jstr(m.gpu_slot));
			json_object_object_add(h, "numa_node", json_object_new_int(m.gpu_node));
		}
		json_object_object_add(o, "gpu", h);
		json_object_object_add(o, "packages", json_object_get(packages));
		json_object_object_add(o, "suggested_vm_cpus",
				       plan.ok ? jstr(fmt(&plan.vm, buf)) : NULL);
		json_object_object_add(o, "suggested_node",
				       plan.node >= 0 ? json_object_new_int(plan.node) : NULL);
		json_object_object_add(o, "suggested_hugepages",
				       plan.hugepages[0] ? jstr(plan.hugepages) : NULL);
		json_object_object_add(o, "rules", notes_json(plan.notes, plan.n_notes));
		for (i = 0, buf[0] = '\0'; i < plan.n_notes; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 i ? ", " : "", plan.notes[i].rule);
		json_object_object_add(o, "suggestion", jstr(buf));
		json_object_object_add(o, "configured_vm_cpus", judged ? jstr(configured) : NULL);
		json_object_object_add(o, "configured_findings", notes_json(findings, n_findings));
		for (i = 0; i < n_findings; i++)
			json_object_array_add(strings, jstr(findings[i].text));
		json_object_object_add(o, "configured_notes", strings);
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		print_text(&m, packages, &plan, judged ? configured : NULL, findings, n_findings);
	}
	json_object_put(packages);
	vfe_machine_free(&m);
	return plan.ok ? 0 : 1;
}

const struct ctl_cmd ctl_cmd_cpus = {
    "cpus", do_cpus,
    "CPU topology through hwloc (packages, NUMA, L3/L2, SMT, CPU kinds, the GPU's node) and a "
    "vm-cpus with the rules behind it"};
