// SPDX-License-Identifier: GPL-2.0-or-later
/* cpus: packages, L3 groups (a CCX on Ryzen) and SMT siblings, and a vm-cpus to use. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/config.h"
#include "../../lib/cputopo.h"
#include "../../lib/log.h"
#include "ctl.h"

#define LIST_LEN 1024

static void fmt(const struct vfe_cpuset *set, char *buf)
{
	vfe_cpulist_format(set, buf, LIST_LEN);
}

/* Is CPU the first (lowest) member of its group at LEVEL? */
static bool leads(const struct vfe_cputopo *t, enum vfe_topo_level level, unsigned int cpu)
{
	return vfe_cputopo_key(t, level, cpu) == (int)cpu;
}

static unsigned int count_groups(const struct vfe_cputopo *t, enum vfe_topo_level level)
{
	unsigned int cpu, n = 0;

	for (cpu = 0; cpu < t->nbits; cpu++)
		n += leads(t, level, cpu);
	return n;
}

/*
 * What is wrong with a configured vm-cpus, in words (one note per line into NOTES): cores
 * whose threads the host shares, L3 groups split between host and VM.
 */
static unsigned int judge(const struct vfe_cputopo *t, const struct vfe_cpuset *vm,
			  json_object *notes)
{
	struct vfe_cpuset group;
	unsigned int cpu, other, shared_cores = 0, split_l3 = 0;
	char msg[256];

	for (cpu = 0; cpu < t->nbits; cpu++) {
		bool in = false, out = false;

		if (!leads(t, VFE_TOPO_CORE, cpu) && !leads(t, VFE_TOPO_L3, cpu))
			continue;
		if (leads(t, VFE_TOPO_CORE, cpu)) {
			vfe_cputopo_group(t, VFE_TOPO_CORE, cpu, &group);
			for (other = 0; other < t->nbits; other++)
				if (vfe_cpuset_test(&group, other))
					*(vfe_cpuset_test(vm, other) ? &in : &out) = true;
			shared_cores += in && out;
		}
		in = out = false;
		if (leads(t, VFE_TOPO_L3, cpu)) {
			vfe_cputopo_group(t, VFE_TOPO_L3, cpu, &group);
			for (other = 0; other < t->nbits; other++)
				if (vfe_cpuset_test(&group, other))
					*(vfe_cpuset_test(vm, other) ? &in : &out) = true;
			split_l3 += in && out;
		}
	}
	if (shared_cores) {
		snprintf(
		    msg, sizeof(msg),
		    "shares %u core%s with the host: one SMT thread each side of the same core",
		    shared_cores, shared_cores == 1 ? "" : "s");
		json_object_array_add(notes, json_object_new_string(msg));
	}
	if (split_l3 && t->have_l3) {
		snprintf(msg, sizeof(msg), "splits %u L3 group%s between the host and the VM",
			 split_l3, split_l3 == 1 ? "" : "s");
		json_object_array_add(notes, json_object_new_string(msg));
	}
	return shared_cores + split_l3;
}

/* CPU is the lowest CPU of its package. */
static bool leads_package(const struct vfe_cputopo *t, unsigned int cpu)
{
	struct vfe_cpuset set;
	unsigned int other;

	if (cpu >= t->nbits || !vfe_cpuset_test(&t->present, cpu))
		return false;
	vfe_cputopo_group(t, VFE_TOPO_PACKAGE, cpu, &set);
	for (other = 0; other < cpu; other++)
		if (vfe_cpuset_test(&set, other))
			return false;
	return true;
}

static json_object *topology_json(const struct vfe_cputopo *t)
{
	json_object *packages = json_object_new_array();
	struct vfe_cpuset set, core;
	char buf[LIST_LEN];
	unsigned int p, g, c;

	for (p = 0; p < t->nbits; p++) {
		json_object *pkg, *groups;

		if (!leads_package(t, p))
			continue;
		pkg = json_object_new_object();
		groups = json_object_new_array();
		vfe_cputopo_group(t, VFE_TOPO_PACKAGE, p, &set);
		fmt(&set, buf);
		json_object_object_add(pkg, "id", json_object_new_int(t->place[p].package));
		json_object_object_add(pkg, "cpus", json_object_new_string(buf));
		for (g = 0; g < t->nbits; g++) {
			json_object *l3, *cores;

			if (!leads(t, VFE_TOPO_L3, g) || t->place[g].package != t->place[p].package)
				continue;
			l3 = json_object_new_object();
			cores = json_object_new_array();
			vfe_cputopo_group(t, VFE_TOPO_L3, g, &set);
			fmt(&set, buf);
			json_object_object_add(l3, "cpus", json_object_new_string(buf));
			json_object_object_add(l3, "holds_cpu0",
					       json_object_new_boolean(vfe_cpuset_test(&set, 0)));
			for (c = 0; c < t->nbits; c++) {
				if (!vfe_cpuset_test(&set, c) || !leads(t, VFE_TOPO_CORE, c))
					continue;
				vfe_cputopo_group(t, VFE_TOPO_CORE, c, &core);
				fmt(&core, buf);
				json_object_array_add(cores, json_object_new_string(buf));
			}
			json_object_object_add(l3, "cores", cores);
			json_object_array_add(groups, l3);
		}
		json_object_object_add(pkg, "l3_groups", groups);
		json_object_array_add(packages, pkg);
	}
	return packages;
}

static void print_text(const struct vfe_cputopo *t, json_object *packages, const char *suggested,
		       const char *why, const char *configured, json_object *notes)
{
	size_t p, g, c;
	char buf[LIST_LEN];

	fmt(&t->present, buf);
	printf("CPUs %s: %u package%s, %u L3 group%s, %u cores, %u thread%s per core%s%s%s\n", buf,
	       (unsigned int)json_object_array_length(packages),
	       json_object_array_length(packages) == 1 ? "" : "s", count_groups(t, VFE_TOPO_L3),
	       count_groups(t, VFE_TOPO_L3) == 1 ? "" : "s", count_groups(t, VFE_TOPO_CORE),
	       t->threads_per_core, t->threads_per_core == 1 ? "" : "s", t->vendor[0] ? " (" : "",
	       t->vendor, t->vendor[0] ? ")" : "");
	for (p = 0; p < json_object_array_length(packages); p++) {
		json_object *pkg = json_object_array_get_idx(packages, p), *groups;

		printf("package %d: CPUs %s\n",
		       json_object_get_int(json_object_object_get(pkg, "id")),
		       json_object_get_string(json_object_object_get(pkg, "cpus")));
		groups = json_object_object_get(pkg, "l3_groups");
		for (g = 0; g < json_object_array_length(groups); g++) {
			json_object *l3 = json_object_array_get_idx(groups, g);
			json_object *cores = json_object_object_get(l3, "cores");

			printf("  %s %-14s cores:", t->have_l3 ? "L3" : "  ",
			       json_object_get_string(json_object_object_get(l3, "cpus")));
			for (c = 0; c < json_object_array_length(cores); c++)
				printf(" %s",
				       json_object_get_string(json_object_array_get_idx(cores, c)));
			printf("%s\n",
			       json_object_get_boolean(json_object_object_get(l3, "holds_cpu0"))
				   ? "   <- CPU 0: the host's"
				   : "");
		}
	}
	if (suggested)
		printf("suggested vm-cpus: %s   (%s)\n", suggested, why);
	else
		printf("no vm-cpus to suggest: %s\n", why);
	if (!configured)
		return;
	printf("configured vm-cpus: %s%s\n", configured,
	       json_object_array_length(notes) ? "" : "   (whole cores and L3 groups)");
	for (c = 0; c < json_object_array_length(notes); c++)
		printf("  ! %s\n", json_object_get_string(json_object_array_get_idx(notes, c)));
}

static int do_cpus(struct ctl_globals *g, int argc, char *argv[])
{
	static struct vfe_config conf;
	struct vfe_cputopo t;
	struct vfe_cpuset vm;
	char suggested[LIST_LEN], configured[LIST_LEN], why[256], err[320];
	json_object *packages, *notes;
	bool have_suggestion;
	int r;

	if (ctl_parse_common(g, &ctl_cmd_cpus, argc, argv, "[--json]") != argc)
		return 2;
	r = vfe_cputopo_read(g->root, &t);
	if (r < 0) {
		ERR("cannot read the CPUs of %s: %s", g->root, strerror(-r));
		return 1;
	}
	r = vfe_config_load(&conf, g->config, err, sizeof(err));
	if (r < 0 && r != -ENOENT)
		WRN("%s; the configured vm-cpus is not judged", err);
	packages = topology_json(&t);
	notes = json_object_new_array();
	have_suggestion = vfe_cputopo_suggest(&t, &vm, why, sizeof(why)) == 0;
	if (have_suggestion)
		fmt(&vm, suggested);
	else
		snprintf(why, sizeof(why), "too few cores to give the VM whole cores");
	if (r == 0 && conf.has_vm_cpus) {
		fmt(&conf.vm_cpus, configured);
		judge(&t, &conf.vm_cpus, notes);
	}
	if (g->json) {
		json_object *o = json_object_new_object();

		fmt(&t.present, err);
		json_object_object_add(o, "cpus", json_object_new_string(err));
		json_object_object_add(o, "vendor",
				       t.vendor[0] ? json_object_new_string(t.vendor) : NULL);
		json_object_object_add(o, "threads_per_core",
				       json_object_new_int((int)t.threads_per_core));
		json_object_object_add(o, "packages", json_object_get(packages));
		json_object_object_add(o, "suggested_vm_cpus",
				       have_suggestion ? json_object_new_string(suggested) : NULL);
		json_object_object_add(o, "suggestion", json_object_new_string(why));
		json_object_object_add(
		    o, "configured_vm_cpus",
		    r == 0 && conf.has_vm_cpus ? json_object_new_string(configured) : NULL);
		json_object_object_add(o, "configured_notes", json_object_get(notes));
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		print_text(&t, packages, have_suggestion ? suggested : NULL, why,
			   r == 0 && conf.has_vm_cpus ? configured : NULL, notes);
	}
	json_object_put(packages);
	json_object_put(notes);
	vfe_cputopo_free(&t);
	return have_suggestion ? 0 : 1;
}

const struct ctl_cmd ctl_cmd_cpus = {
    "cpus", do_cpus, "CPU topology (packages, L3 groups, SMT siblings) and a vm-cpus"};
