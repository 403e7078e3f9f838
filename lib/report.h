/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "affinity.h"
#include "bind.h"
#include "config.h"
#include "hugepages.h"

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
	const struct vfe_hugepages_result *hugepages; /* step 9, one per request */
	unsigned int n_hugepages;
	bool has_vm_cpus;
	const struct vfe_affinity_result *affinity; /* step 10, when has_vm_cpus */
};

json_object *vfe_report_build(const struct vfe_run *run);
/* Atomically replace ROOT/run/vfio-early/report.json. */
int vfe_report_write(const char *root, json_object *report);
