/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "pci.h"

enum vfe_action { VFE_PENDING, VFE_BOUND, VFE_ALREADY, VFE_SKIPPED, VFE_REFUSED, VFE_FAILED };

struct vfe_target {
	const struct vfe_bind_rule *rule;
	bool found; /* a device is at the slot */
	struct vfe_pci_info info;
	char driver_before[64], driver_after[64];
	enum vfe_action action;
	char reason[320];
	bool override_set;    /* this run wrote driver_override */
	bool override_before; /* driver_override was vfio-pci before this run */
	bool unbound;	      /* this run unbound it from driver_before */
	bool would_bind;      /* a dry run found nothing in the way */
};

struct vfe_bind_plan {
	const char *root;
	bool dry_run;
	struct vfe_target targets[VFE_MAX_BINDS];
	unsigned int n;
};

/* Loads vfio-pci and its IOMMU backend; 0 or -errno with a message in ERR. */
typedef int (*vfe_module_loader)(const char *root, char *err, size_t errsize);

const char *vfe_action_name(enum vfe_action action);

void vfe_plan_init(struct vfe_bind_plan *plan, const char *root, bool dry_run,
		   const struct vfe_bind_rule *rules, unsigned int n);
/* Mark every pending target skipped with REASON (vfio_early.skip=, a malformed switch). */
void vfe_plan_skip(struct vfe_bind_plan *plan, const char *slot, const char *reason);
/* Step 4: find each slot, check its id. */
void vfe_plan_resolve(struct vfe_bind_plan *plan, struct vfe_pci *pci);
/* Step 5: IOMMU present, no bridges, boot VGA only when allowed, whole IOMMU groups. */
void vfe_plan_check_safety(struct vfe_bind_plan *plan, struct vfe_pci *pci);
/* Steps 6-8: override, unbind, make sure vfio-pci is there, probe, verify. */
void vfe_plan_bind(struct vfe_bind_plan *plan, struct vfe_pci *pci, vfe_module_loader load);
/* Log the targets that are not in place, grouped (a few dense lines, failures first). */
void vfe_plan_log(const struct vfe_bind_plan *plan);
/* Release what libpci holds for the targets. */
void vfe_plan_free(struct vfe_bind_plan *plan);

/* Bound, already on vfio-pci, or (in a dry run) nothing in the way. */
bool vfe_target_ok(const struct vfe_target *t);
unsigned int vfe_plan_count(const struct vfe_bind_plan *plan, enum vfe_action action);
