/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "boot/config.h"

struct pci_access;

/* A USB device behind a controller, for `vfio-earlyctl list`. */
struct vfe_usb_dev {
	unsigned int vendor, product, busnum, devnum;
	char name[128];
};

/* One PCI function as the CLI shows it (the boot helper never scans the whole bus). */
struct vfe_dev {
	char slot[VFE_SLOT_LEN];
	unsigned int vendor, device, device_class;
	int group;
	char driver[64];
	int boot_vga; /* -1 when absent */
	bool resettable;
	char vendor_name[128], device_name[160], class_name[80];
	struct vfe_usb_dev *usb;
	unsigned int n_usb;
};

struct vfe_inventory {
	struct vfe_dev *devs;
	unsigned int n;
	bool iommu;
};

/* Scan ROOT's PCI bus with libpci (names from pci.ids), IOMMU groups and USB children. */
int vfe_inventory_scan(struct vfe_inventory *inv, const char *root, bool with_usb);
void vfe_inventory_free(struct vfe_inventory *inv);
struct vfe_dev *vfe_inventory_find(const struct vfe_inventory *inv, const char *slot);
bool vfe_dev_is_bridge(const struct vfe_dev *d);
bool vfe_dev_is_display(const struct vfe_dev *d);
bool vfe_dev_is_usb_controller(const struct vfe_dev *d);
