/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "bind.h"
#include "config.h"

#define VFE_REPORT_PATH "/run/vfio-early/report.json"

/* Everything one run decided, for /run/vfio-early/report.json. */
struct vfe_run {
	const char *root;
	bool disabled, dry_run;
	unsigned long long duration_us;
	const char *config_path;
	bool config_ok;
	const char *config_error; /* "" when none */
	const struct vfe_bind_plan *plan;
	const struct vfe_hugepages *hugepages;
	unsigned int n_hugepages;
	const char *hugepages_note; /* why the step did not act, "" when it did */
	bool has_vm_cpus;
	const struct vfe_cpuset *vm_cpus;
	const char *governor;
	const char *affinity_note;
};

json_object *vfe_report_build(const struct vfe_run *run);
/* Atomically replace ROOT/run/vfio-early/report.json. */
int vfe_report_write(const char *root, json_object *report);
/* Hugepages of SIZE_KB reserved now (on NODE, or all when -1); -errno. */
long vfe_hugepages_reserved(const char *root, unsigned long size_kb, int node);
/* The CPUs that exist (ROOT/sys/devices/system/cpu/possible); -errno. */
int vfe_possible_cpus(const char *root, struct vfe_cpuset *set);
