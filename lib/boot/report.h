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
	/* vfio_early.* switches that were malformed or unknown, each with what it cost */
	char switch_errors[8][200];
	unsigned int n_switch_errors;
	unsigned int log_dropped; /* lines the kernel log's burst had no room for */
};

/* Note a switch problem for the report (the first eight are kept). */
void vfe_run_switch_error(struct vfe_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

json_object *vfe_report_build(const struct vfe_run *run);
/* Atomically replace ROOT/run/vfio-early/report.json. */
int vfe_report_write(const char *root, json_object *report);
