/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include <stddef.h>

#include "boot/config.h"

struct vfe_inventory_names;

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
	char vendor_name[128], device_name[160], class_name[80]; /* with VFE_INV_NAMES */
	struct vfe_usb_dev *usb;
	unsigned int n_usb;
};

struct vfe_inventory {
	struct vfe_dev *devs;
	unsigned int n;
	bool iommu;
	struct vfe_inventory_names *names; /* for vfe_inventory_label, kept until the free */
};

enum {
	VFE_INV_USB = 1 << 0,	/* the USB devices behind each USB controller */
	VFE_INV_NAMES = 1 << 1, /* every function's names from pci.ids, as lspci shows them */
};

/* Scan ROOT's PCI bus with libpci, with the IOMMU groups and what FLAGS (VFE_INV_*) ask for. */
int vfe_inventory_scan(struct vfe_inventory *inv, const char *root, unsigned int flags);
/*
 * D's device name, else its class name, into BUF (empty when neither is known), for a few
 * devices without VFE_INV_NAMES: from udev's hwdb, which libpci reads from a mapped file in
 * microseconds, and from pci.ids (whose whole parse takes about 20 ms) only where hwdb has no
 * name or is absent. The names are hwdb's, as 'udevadm info' shows them; they may differ from
 * lspci's in wording where the two databases do. Returns BUF.
 */
const char *vfe_inventory_label(const struct vfe_inventory *inv, const struct vfe_dev *d, char *buf,
				size_t size);
void vfe_inventory_free(struct vfe_inventory *inv);
struct vfe_dev *vfe_inventory_find(const struct vfe_inventory *inv, const char *slot);
bool vfe_dev_is_bridge(const struct vfe_dev *d);
bool vfe_dev_is_display(const struct vfe_dev *d);
bool vfe_dev_is_usb_controller(const struct vfe_dev *d);
