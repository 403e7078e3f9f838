// SPDX-License-Identifier: GPL-2.0-or-later
/* status: what the helper did at this boot (its report), and whether it still holds now. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/boot/affinity.h"
#include "../../lib/boot/config.h"
#include "../../lib/boot/hugepages.h"
#include "../../lib/boot/log.h"
#include "../../lib/boot/report.h"
#include "../../lib/boot/util.h"
#include "ctl.h"

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static void driver_now(const char *root, const char *slot, char *buf, size_t size)
{
	char path[VFE_PATH_MAX];

	buf[0] = '\0';
	if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/driver", slot) == 0)
		vfe_read_link_name(path, buf, size);
}

/*
 * A CPU set the kernel shows in ABS, held against WANT and reported under NAME:
 *   HOST_MASK     a hex mask (default_smp_affinity, the workqueue cpumask) that must hold
 *                 some CPUs and host CPUs only;
 *   EXACT_LIST    a cpulist (isolated, nohz_full: what apply's isolcpus= and nohz_full= give
 *                 at the next boot) that must be exactly the VM CPUs.
 * A kernel without the file is not counted: the helper does not count it either.
 */
enum cpus_rule { HOST_MASK, EXACT_LIST };

static bool cpus_now(const char *root, const char *abs, const char *name, enum cpus_rule rule,
		     const struct vfe_cpuset *want, json_object *aff, bool print)
{
	char path[VFE_PATH_MAX], buf[1024], key[64];
	struct vfe_cpuset now;
	unsigned int cpu;
	bool ok, parsed;

	vfe_path(path, sizeof(path), root, abs);
	if (!vfe_exists(path)) {
		json_object_object_add(aff, name, NULL);
		if (print)
			printf("  %-20s (none in this kernel)\n", name);
		return true;
	}
	if (vfe_read_file(path, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(unreadable)");
	/* an empty set reads "(null)" in nohz_full, "" in isolated */
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
	memset(&now, 0, sizeof(now));
	if (rule == HOST_MASK)
		parsed = !vfe_cpumask_parse(buf, &now);
	else
		parsed = !buf[0] || !vfe_cpulist_parse(buf, &now);
	ok = parsed && (rule == EXACT_LIST || vfe_cpuset_count(&now) > 0);
	for (cpu = 0; cpu < VFE_MAX_CPUS && ok; cpu++)
		ok = rule == HOST_MASK ? !vfe_cpuset_test(&now, cpu) || vfe_cpuset_test(want, cpu)
				       : vfe_cpuset_test(&now, cpu) == vfe_cpuset_test(want, cpu);
	json_object_object_add(aff, name, json_object_new_string(buf));
	snprintf(key, sizeof(key), "%s_ok", name);
	json_object_object_add(aff, key, json_object_new_boolean(ok));
	if (print)
		printf("  %-20s %s %s\n", name, buf[0] ? buf : "(none)",
		       ok ? "ok"
		       : rule == HOST_MASK
			   ? "REACHES VM CPUs"
			   : "NOT the VM CPUs (is apply's command line on this boot?)");
	return ok;
}

/*
 * The tuning as it is now, against the config: hugepages reserved per request, the
 * default IRQ and workqueue masks, the isolated and nohz_full CPUs, IRQs still reaching VM CPUs
 * (managed ones always do), and the VM CPUs' governor. Adds to TUNING; returns how many things are
 * not as asked.
 */
static unsigned int tuning_now(const char *root, const struct vfe_config *conf, json_object *tuning,
			       bool print)
{
	json_object *hps = json_object_new_array(), *aff;
	struct vfe_cpuset present, host;
	char path[VFE_PATH_MAX], buf[1024], list[256], size[24], want[64];
	unsigned int i, cpu, bad = 0, total = 0;
	int n;

	for (i = 0; i < conf->n_hugepages; i++) {
		const struct vfe_hugepages *hp = &conf->hugepages[i];
		long now = vfe_hugepages_reserved(root, hp->size_kb, hp->node);
		json_object *h = json_object_new_object();
		bool ok = now >= 0 && (unsigned long)now >= hp->count;

		json_object_object_add(h, "size_kb", json_object_new_int64((int64_t)hp->size_kb));
		json_object_object_add(h, "node",
				       hp->node >= 0 ? json_object_new_int(hp->node) : NULL);
		json_object_object_add(h, "requested", json_object_new_int64((int64_t)hp->count));
		json_object_object_add(h, "reserved", now >= 0 ? json_object_new_int64(now) : NULL);
		json_object_object_add(h, "ok", json_object_new_boolean(ok));
		json_object_array_add(hps, h);
		bad += !ok;
		if (!print)
			continue;
		snprintf(want, sizeof(want), "hugepages %s%s",
			 vfe_hugepage_size_name(hp->size_kb, size, sizeof(size)),
			 hp->node >= 0 ? "@" : "");
		if (hp->node >= 0)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%d", hp->node);
		printf("  %-20s %ld/%lu %s\n", want, now, hp->count, ok ? "ok" : "SHORT");
	}
	json_object_object_add(tuning, "hugepages", hps);
	if (!conf->has_vm_cpus || vfe_present_cpus(root, &present) < 0) {
		json_object_object_add(tuning, "affinity", NULL);
		return bad;
	}
	aff = json_object_new_object();
	memset(&host, 0, sizeof(host));
	for (cpu = 0; cpu < VFE_MAX_CPUS; cpu++)
		if (vfe_cpuset_test(&present, cpu) && !vfe_cpuset_test(&conf->vm_cpus, cpu))
			vfe_cpuset_set(&host, cpu);
	vfe_cpulist_format(&conf->vm_cpus, buf, sizeof(buf));
	json_object_object_add(aff, "vm_cpus", json_object_new_string(buf));
	bad += !cpus_now(root, "/proc/irq/default_smp_affinity", "default_smp_affinity", HOST_MASK,
			 &host, aff, print);
	bad += !cpus_now(root, "/sys/devices/virtual/workqueue/cpumask", "workqueue", HOST_MASK,
			 &host, aff, print);
	bad += !cpus_now(root, "/sys/devices/system/cpu/isolated", "isolated", EXACT_LIST,
			 &conf->vm_cpus, aff, print);
	bad += !cpus_now(root, "/sys/devices/system/cpu/nohz_full", "nohz_full", EXACT_LIST,
			 &conf->vm_cpus, aff, print);
	n = vfe_irqs_reaching(root, &conf->vm_cpus, &total, list, sizeof(list));
	json_object_object_add(aff, "irqs", json_object_new_int((int)total));
	json_object_object_add(aff, "irqs_on_vm_cpus", json_object_new_int(n < 0 ? 0 : n));
	json_object_object_add(aff, "irqs_on_vm_cpus_list",
			       n > 0 ? json_object_new_string(list) : NULL);
	if (print && n >= 0)
		printf("  %-20s %u in all, %d still on VM CPUs%s%s\n", "IRQs", total, n,
		       n > 0 ? " (managed or fixed): " : "", n > 0 ? list : "");
	if (strcmp(conf->governor, "keep")) {
		const char *gov = conf->governor[0] ? conf->governor : "performance";
		struct vfe_cpuset off;

		memset(&off, 0, sizeof(off));
		for (cpu = 0; cpu < VFE_MAX_CPUS; cpu++) {
			if (!vfe_cpuset_test(&conf->vm_cpus, cpu) ||
			    vfe_pathf(path, sizeof(path), root,
				      "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor",
				      cpu) < 0 ||
			    vfe_read_file(path, buf, sizeof(buf)) < 0)
				continue;
			if (strcmp(buf, gov))
				vfe_cpuset_set(&off, cpu);
		}
		vfe_cpulist_format(&off, list, sizeof(list));
		json_object_object_add(aff, "governor", json_object_new_string(gov));
		json_object_object_add(aff, "governor_off",
				       list[0] ? json_object_new_string(list) : NULL);
		bad += list[0] != '\0';
		if (print)
			printf("  %-20s %s%s%s\n", "governor", gov,
			       list[0] ? ": NOT on CPUs " : " ok", list);
	}
	json_object_object_add(tuning, "affinity", aff);
	return bad;
}

static int do_status(struct ctl_globals *g, int argc, char *argv[])
{
	char path[VFE_PATH_MAX], now[64];
	json_object *report, *devices, *live;
	static struct vfe_config conf;
	unsigned int i, bad = 0;
	char err[320];
	size_t k;

	if (ctl_parse_common(g, &ctl_cmd_status, argc, argv, "[--json]") != argc)
		return 2;
	vfe_path(path, sizeof(path), g->root, VFE_REPORT_PATH);
	report = json_object_from_file(path);
	if (!report)
		WRN("no boot report at %s: the helper did not run this boot", path);
	if (vfe_config_load(&conf, g->config, err, sizeof(err)) < 0 && !report) {
		ERR("%s", err);
		return 1;
	}
	live = json_object_new_array();
	for (i = 0; i < conf.n_binds; i++) {
		json_object *l = json_object_new_object();

		driver_now(g->root, conf.binds[i].slot, now, sizeof(now));
		json_object_object_add(l, "slot", json_object_new_string(conf.binds[i].slot));
		json_object_object_add(l, "driver", now[0] ? json_object_new_string(now) : NULL);
		json_object_object_add(l, "on_vfio_pci",
				       json_object_new_boolean(!strcmp(now, "vfio-pci")));
		json_object_array_add(live, l);
		bad += strcmp(now, "vfio-pci") != 0;
	}
	if (g->json) {
		json_object *out = json_object_new_object(), *tuning = json_object_new_object();

		bad += tuning_now(g->root, &conf, tuning, false);
		json_object_object_add(out, "report", json_object_get(report));
		json_object_object_add(out, "live", live);
		json_object_object_add(out, "tuning", tuning);
		printf("%s\n", json_object_to_json_string_ext(
				   out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(out);
		json_object_put(report);
		return bad ? 1 : 0;
	}
	if (report) {
		json_object *v;

		if (json_object_object_get_ex(report, "disabled", &v) && json_object_get_boolean(v))
			printf("At boot: switched off by vfio_early.off\n");
		if (str(json_object_object_get(report, "config"), "error"))
			printf("At boot: config rejected: %s\n",
			       str(json_object_object_get(report, "config"), "error"));
		printf("At boot (%s us):\n", str(report, "duration_us"));
		if (json_object_object_get_ex(report, "devices", &devices))
			for (k = 0; k < json_object_array_length(devices); k++) {
				json_object *d = json_object_array_get_idx(devices, k);

				printf("  %-12s %-8s %s\n", str(d, "slot"), str(d, "action"),
				       str(d, "reason") ? str(d, "reason") : "");
			}
	}
	printf("Now:\n");
	for (i = 0; i < conf.n_binds; i++) {
		driver_now(g->root, conf.binds[i].slot, now, sizeof(now));
		printf("  %-12s %-10s %s\n", conf.binds[i].slot, now[0] ? now : "(none)",
		       !strcmp(now, "vfio-pci") ? "ok" : "NOT on vfio-pci");
	}
	{
		json_object *tuning = json_object_new_object();

		bad += tuning_now(g->root, &conf, tuning, true);
		json_object_put(tuning);
	}
	json_object_put(live);
	json_object_put(report);
	return bad ? 1 : 0;
}

const struct ctl_cmd ctl_cmd_status = {"status", do_status,
				       "the boot report and a live check of every target"};
