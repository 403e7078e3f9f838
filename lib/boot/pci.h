/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "config.h"

struct pci_access;
struct pci_dev;

/* libpci pointed at ROOT/sys/bus/pci, with an error handler that never exits. */
struct vfe_pci {
	struct pci_access *acc;
	struct pci_access *scan; /* a whole-bus scan, only to explain missing cards */
	const char *root;
};

/* What the helper needs to know about one function. */
struct vfe_pci_info {
	char slot[VFE_SLOT_LEN];
	unsigned int vendor, device;
	unsigned int device_class; /* class << 8 | subclass, as libpci has it */
	int group;		   /* IOMMU group, -1 without one */
	char driver[64];	   /* "" when no driver is bound */
	int boot_vga;		   /* -1 when the attribute is absent */
	struct pci_dev *dev;
};

int vfe_pci_open(struct vfe_pci *p, const char *root);
void vfe_pci_close(struct vfe_pci *p);

/* Look up one function by slot, reading only that device; -ENODEV when nothing is there. */
int vfe_pci_lookup(struct vfe_pci *p, const char *slot, struct vfe_pci_info *info);
/* Fill INFO from a device libpci already has (from a scan). */
int vfe_pci_info_of(struct vfe_pci *p, struct pci_dev *d, struct vfe_pci_info *info);
/* Scan the whole bus into p->acc->devices: for the CLI, never on the boot path. */
int vfe_pci_scan(struct vfe_pci *p);
/* Re-read the bound driver (after a sysfs write). */
int vfe_pci_refresh_driver(struct vfe_pci *p, struct vfe_pci_info *info);
/* Does the rule's id (and class, when given) match the device? libpci's filter decides. */
bool vfe_pci_rule_matches(const struct vfe_bind_rule *rule, const struct vfe_pci_info *info);
bool vfe_pci_is_bridge(const struct vfe_pci_info *info);

/* Are there IOMMU groups at all (ROOT/sys/kernel/iommu_groups non-empty)? */
bool vfe_iommu_enabled(const char *root);
/* The names in IOMMU group GROUP, sorted, malloc'd (vfe_names_free); count or -errno. */
int vfe_iommu_group_members(const char *root, int group, char ***names);
void vfe_names_free(char **names, int n);

enum vfe_member_kind {
	VFE_MEMBER_PCI,	  /* a PCI function on the bus */
	VFE_MEMBER_GONE,  /* removed since the group was listed */
	VFE_MEMBER_OTHER, /* anything else: a platform device, a name that is not a slot */
};
/* What the member NAME of GROUP is. */
enum vfe_member_kind vfe_iommu_member_kind(const char *root, int group, const char *name);

/* Full bus scan, only to explain a missing card: slots whose id matches RULE, count. */
int vfe_pci_find_id(struct vfe_pci *p, const struct vfe_bind_rule *rule,
		    char (*slots)[VFE_SLOT_LEN], int max);
