// SPDX-License-Identifier: GPL-2.0-or-later
/* The boot helper's steps, in the order DESIGN.md §5 gives them. */
#include "boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel-cmdline/cmdline.h"
#include "../../lib/boot/affinity.h"
#include "../../lib/boot/bind.h"
#include "../../lib/boot/hugepages.h"
#include "../../lib/boot/log.h"
#include "../../lib/boot/report.h"
#include "../../lib/boot/util.h"
#include "../../modules-load/modload.h"

/* Large tables live here rather than on the stack of an early-boot program. */
static struct vfe_switches switches;
static struct vfe_config config;
static struct vfe_bind_plan plan;
static struct vfe_hugepages_result hugepages[VFE_MAX_HUGEPAGES];
static struct vfe_affinity_result affinity;

static void read_cmdline(const char *root, struct vfe_switches *sw)
{
	char path[VFE_PATH_MAX], *text = NULL;
	size_t len;
	int r;

	r = vfe_path(path, sizeof(path), root, "/proc/cmdline");
	if (r == 0)
		r = vfe_slurp(path, 65536, &text, &len);
	if (r < 0) {
		WRN("cannot read %s: %s; no vfio_early.* switches this run", path, strerror(-r));
		vfe_switches_parse(sw, "");
		return;
	}
	vfe_switches_parse(sw, text);
	free(text);
	if (sw->notes[0])
		WRN("%s", sw->notes);
}

static void finish(struct vfe_run *run, unsigned long long t0)
{
	json_object *report;
	int r;

	run->duration_us = vfe_now_us() - t0;
	report = vfe_report_build(run);
	if (run->dry_run) {
		/* Nothing is written in a dry run; the report goes to stdout instead. */
		printf("%s\n", json_object_to_json_string_ext(report, JSON_C_TO_STRING_PRETTY));
	} else {
		r = vfe_report_write(run->root, report);
		if (r < 0)
			WRN("cannot write %s: %s", VFE_REPORT_PATH, strerror(-r));
	}
	json_object_put(report);
}

static void summary(const struct vfe_run *run)
{
	char line[900];
	unsigned int i, ok = 0, n;
	size_t used;

	for (i = 0; i < plan.n; i++)
		ok += vfe_target_ok(&plan.targets[i]);
	used = (size_t)snprintf(line, sizeof(line), "%s %u/%u",
				run->dry_run ? "dry run: would be bound" : "bound", ok, plan.n);
	/* Every device not in place is counted here, even when its own line found no room. */
	for (i = VFE_SKIPPED; i <= VFE_FAILED; i++) {
		n = vfe_plan_count(&plan, (enum vfe_action)i);
		if (i == VFE_SKIPPED)
			for (unsigned int k = 0; k < plan.n; k++)
				n -= plan.targets[k].would_bind;
		if (n && used < sizeof(line))
			used += (size_t)snprintf(line + used, sizeof(line) - used, " (%u %s)", n,
						 vfe_action_name((enum vfe_action)i));
	}

	/* "hugepages 2M 8192/8192": reserved/requested, as "bound" counts ok/asked. */
	for (i = 0; i < run->n_hugepages && used < sizeof(line); i++) {
		const struct vfe_hugepages_result *hp = &run->hugepages[i];
		char node[16] = "", size[24];

		if (hp->node >= 0)
			snprintf(node, sizeof(node), "@%d", hp->node);
		used +=
		    (size_t)snprintf(line + used, sizeof(line) - used, ", hugepages %s%s %ld/%lu",
				     vfe_hugepage_size_name(hp->size_kb, size, sizeof(size)), node,
				     hp->reserved < 0 ? 0 : hp->reserved, hp->requested);
	}
	if (run->has_vm_cpus && used < sizeof(line)) {
		char *cpus = vfe_cpulist_string(&run->affinity->vm);

		used += (size_t)snprintf(line + used, sizeof(line) - used, ", vm-cpus %.200s%s%s",
					 cpus ? cpus : "?", cpus && strlen(cpus) > 200 ? "..." : "",
					 run->affinity->refused[0] ? " refused" : "");
		free(cpus);
	}
	if (run->n_switch_errors && used < sizeof(line))
		used += (size_t)snprintf(line + used, sizeof(line) - used, ", %s",
					 run->switch_errors[0]);
	if (used < sizeof(line))
		used += (size_t)snprintf(line + used, sizeof(line) - used, ", %.1f ms",
					 (double)run->duration_us / 1000.0);
	n = vfe_log_kmsg_dropped();
	if (n && used < sizeof(line))
		snprintf(line + used, sizeof(line) - used,
			 " (%u lines past the kernel log's limit: see %s)", n, VFE_REPORT_PATH);
	vfe_log_summary(VFE_LOG_INFO, "%s", line);
}

int vfe_boot_run(const struct vfe_boot_opts *opts)
{
	unsigned long long t0 = vfe_now_us();
	char config_path[VFE_PATH_MAX], err[320] = "";
	struct vfe_run run = {.root = opts->root, .config_error = ""};
	const struct vfe_hugepages *hugepage_req;
	const struct vfe_cpuset *vm_cpus;
	unsigned int n_hugepage_req;
	const struct vfe_bind_rule *rules;
	struct vfe_pci pci = {0};
	unsigned int n_rules, i;
	bool use_cmdline;
	int r, status = 0;

	run.dry_run = opts->dry_run;

	/* Step 1: the switches. */
	read_cmdline(opts->root, &switches);
	if (switches.debug && !opts->quiet)
		vfe_log_set_level(VFE_LOG_DEBUG);
	run.dry_run |= switches.dry_run;
	if (switches.off) {
		INF("switched off by vfio_early.off: doing nothing");
		run.disabled = true;
		finish(&run, t0);
		return 0;
	}

	/* Step 2: the config, all or nothing. */
	if (opts->config)
		snprintf(config_path, sizeof(config_path), "%s", opts->config);
	else if (vfe_path(config_path, sizeof(config_path), opts->root, "/etc/vfio-early.conf") < 0)
		config_path[0] = '\0';
	run.config_path = config_path;
	r = vfe_config_load(&config, config_path, err, sizeof(err));
	if (r == -ENOENT && !opts->config) {
		INF("no %s: nothing configured", config_path);
		r = 0;
	} else if (r < 0) {
		ERR("%s; nothing is bound or reserved", err);
		run.config_error = err;
		finish(&run, t0);
		return 1;
	}
	run.config_ok = true;

	/* A malformed vfio_early.bind= leaves the config's lines, to be reported as skipped. */
	use_cmdline = switches.have_bind && !switches.bind_error[0];
	rules = use_cmdline ? switches.binds : config.binds;
	n_rules = use_cmdline ? switches.n_binds : config.n_binds;
	vfe_plan_init(&plan, opts->root, run.dry_run, rules, n_rules);
	/*
	 * A switch the helper does not know may be a mistyped vfio_early.off or skip=: the
	 * reading that can only do less is to do nothing at all this boot.
	 */
	if (switches.n_unknown) {
		vfe_run_switch_error(&run, "unknown switch %s: nothing done this boot",
				     switches.unknown);
		snprintf(err, sizeof(err),
			 "unknown switch %s on the command line: nothing is done "
			 "this boot",
			 switches.unknown);
		WRN("%s", err);
		vfe_plan_skip(&plan, NULL, err);
		status = 1;
	}
	if (switches.bind_error[0]) {
		vfe_run_switch_error(&run, "malformed vfio_early.bind=: binding nothing this boot");
		snprintf(err, sizeof(err),
			 "malformed vfio_early.bind=: %s; binding nothing this boot",
			 switches.bind_error);
		WRN("%s", err);
		vfe_plan_skip(&plan, NULL, err);
		status = 1;
	}
	if (switches.skip_error[0]) {
		vfe_run_switch_error(&run, "malformed vfio_early.skip=: binding nothing this boot");
		snprintf(err, sizeof(err),
			 "malformed vfio_early.skip=: %s; binding nothing this boot",
			 switches.skip_error);
		WRN("%s", err);
		vfe_plan_skip(&plan, NULL, err);
		status = 1;
	}
	for (i = 0; i < switches.n_skip; i++)
		vfe_plan_skip(&plan, switches.skip[i], "vfio_early.skip= on the command line");

	/* Steps 3-8. */
	if (vfe_plan_count(&plan, VFE_PENDING)) {
		r = vfe_pci_open(&pci, opts->root);
		if (r < 0) {
			vfe_plan_skip(&plan, NULL, "cannot open the PCI bus through libpci");
		} else {
			vfe_plan_resolve(&plan, &pci);
			vfe_plan_check_safety(&plan, &pci);
			vfe_plan_bind(&plan, &pci, vfe_load_vfio_modules);
		}
	}
	vfe_plan_log(&plan);

	/* Step 9: hugepages; the command line replaces or disables the config's. */
	hugepage_req = config.hugepages;
	n_hugepage_req = config.n_hugepages;
	if (switches.n_unknown) {
		n_hugepage_req = 0;
	} else if (switches.have_hugepages) {
		if (switches.hugepages_error[0]) {
			WRN("malformed vfio_early.hugepages=: %s; hugepages step skipped",
			    switches.hugepages_error);
			vfe_run_switch_error(&run, "malformed vfio_early.hugepages=: step skipped");
			n_hugepage_req = 0;
			status = 1;
		} else if (switches.hugepages_off) {
			INF("vfio_early.hugepages=0: no hugepages reserved this boot");
			n_hugepage_req = 0;
		} else {
			hugepage_req = &switches.hugepages;
			n_hugepage_req = 1;
		}
	}
	if (vfe_hugepages_reserve(opts->root, run.dry_run, hugepage_req, n_hugepage_req, hugepages))
		status = 1;
	run.hugepages = hugepages;
	run.n_hugepages = n_hugepage_req;

	/* Step 10: affinity, when there are VM CPUs; the command line replaces or disables. */
	vm_cpus = config.has_vm_cpus ? &config.vm_cpus : NULL;
	if (switches.n_unknown) {
		vm_cpus = NULL;
	} else if (switches.have_cpus) {
		if (switches.cpus_error[0]) {
			WRN("malformed vfio_early.cpus=: %s; affinity step skipped",
			    switches.cpus_error);
			vfe_run_switch_error(&run, "malformed vfio_early.cpus=: step skipped");
			vm_cpus = NULL;
			status = 1;
		} else if (switches.cpus_off) {
			INF("vfio_early.cpus=off: affinity left alone this boot");
			vm_cpus = NULL;
		} else {
			vm_cpus = &switches.cpus;
		}
	}
	if (vm_cpus) {
		const char *governor = config.governor[0] ? config.governor : "performance";

		if (vfe_affinity_apply(opts->root, run.dry_run, vm_cpus, governor, &affinity))
			status = 1;
		run.has_vm_cpus = true;
		run.affinity = &affinity;
	}

	/* Step 11. */
	run.plan = &plan;
	for (i = 0; i < plan.n; i++)
		if (!vfe_target_ok(&plan.targets[i]))
			status = 1;
	run.duration_us = vfe_now_us() - t0;
	summary(&run);
	run.log_dropped = vfe_log_kmsg_dropped();
	finish(&run, t0);
	vfe_affinity_result_free(&affinity);
	vfe_plan_free(&plan);
	vfe_pci_close(&pci);
	return status;
}
