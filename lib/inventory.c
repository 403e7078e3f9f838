// SPDX-License-Identifier: GPL-2.0-or-later
/* The whole bus, for the CLI: libpci scan and names, IOMMU groups, USB devices behind controllers.
 */
#include "inventory.h"

#include <dirent.h>
#include <errno.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot/log.h"
#include "boot/pci-guard.h"
#include "boot/pci.h"
#include "boot/util.h"

#define USB_MAX_DEPTH 8

struct vfe_inventory_names {
	struct vfe_pci pci; /* the scan's libpci access, kept open for its names */
	bool all;	    /* VFE_INV_NAMES: every function's names are in its vfe_dev */
	bool started;	    /* vfe_inventory_label has pointed libpci away from pci.ids */
	char *ids_path;	    /* pci.ids' path while libpci reads hwdb alone; NULL once loaded */
};

static int cmp_dev(const void *a, const void *b)
{
	const struct vfe_dev *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return strcmp(x->slot, y->slot);
}

static void usb_add(struct vfe_dev *d, const char *dir)
{
	char path[VFE_PATH_MAX], buf[128], man[64] = "", prod[64] = "";
	struct vfe_usb_dev *u, *grown;

	grown = realloc(d->usb, (d->n_usb + 1) * sizeof(*d->usb));
	if (!grown)
		return;
	d->usb = grown;
	u = &d->usb[d->n_usb];
	memset(u, 0, sizeof(*u));
#define READ_HEX(attr, field)                           \
	snprintf(path, sizeof(path), "%s/" attr, dir);  \
	if (vfe_read_file(path, buf, sizeof(buf)) >= 0) \
		u->field = (unsigned int)strtoul(buf, NULL, 16);
	READ_HEX("idVendor", vendor)
	READ_HEX("idProduct", product)
#undef READ_HEX
	snprintf(path, sizeof(path), "%s/busnum", dir);
	if (vfe_read_file(path, buf, sizeof(buf)) >= 0)
		u->busnum = (unsigned int)strtoul(buf, NULL, 10);
	snprintf(path, sizeof(path), "%s/devnum", dir);
	if (vfe_read_file(path, buf, sizeof(buf)) >= 0)
		u->devnum = (unsigned int)strtoul(buf, NULL, 10);
	/* The device's own strings: usb.ids has no library, and lsusb's names come from hwdb. */
	snprintf(path, sizeof(path), "%s/manufacturer", dir);
	vfe_read_file(path, man, sizeof(man));
	snprintf(path, sizeof(path), "%s/product", dir);
	vfe_read_file(path, prod, sizeof(prod));
	snprintf(u->name, sizeof(u->name), "%s%s%s", man, man[0] && prod[0] ? " " : "", prod);
	d->n_usb++;
}

/* USB devices are directories with an idVendor, below the controller's own directory. */
static void usb_walk(struct vfe_dev *d, const char *dir, int depth)
{
	char path[VFE_PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *dh;

	if (depth > USB_MAX_DEPTH)
		return;
	snprintf(path, sizeof(path), "%s/idVendor", dir);
	if (depth > 0 && vfe_exists(path))
		usb_add(d, dir);
	dh = opendir(dir);
	if (!dh)
		return;
	while ((e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		/* usbN root hubs, then N-P.Q device names: no interfaces (they hold a ':') */
		if (strncmp(e->d_name, "usb", 3) && !strchr(e->d_name, '-'))
			continue;
		if (strchr(e->d_name, ':'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			usb_walk(d, path, depth + 1);
	}
	closedir(dh);
}

static int cmp_usb(const void *a, const void *b)
{
	const struct vfe_usb_dev *x = a, *y = b;

	if (x->busnum != y->busnum)
		return x->busnum < y->busnum ? -1 : 1;
	return x->devnum < y->devnum ? 1 : x->devnum > y->devnum ? -1 : 0;
}

/* NAME of the given ids (libpci's PCI_LOOKUP_* in FLAGS), "" when unknown; guarded. */
static void lookup(struct pci_access *acc, char *name, size_t size, int flags, unsigned int a,
		   unsigned int b)
{
	char buf[256];
	const char *s;

	name[0] = 0;
	PCI_GUARDED(return );
	s = pci_lookup_name(acc, buf, sizeof(buf), flags, a, b);
	PCI_UNGUARD();
	snprintf(name, size, "%s", s ? s : "");
}

static void fill_names(struct pci_access *acc, struct vfe_dev *d)
{
	lookup(acc, d->vendor_name, sizeof(d->vendor_name), PCI_LOOKUP_VENDOR, d->vendor, 0);
	lookup(acc, d->device_name, sizeof(d->device_name), PCI_LOOKUP_DEVICE, d->vendor,
	       d->device);
	lookup(acc, d->class_name, sizeof(d->class_name), PCI_LOOKUP_CLASS, d->device_class, 0);
}

const char *vfe_inventory_label(const struct vfe_inventory *inv, const struct vfe_dev *d, char *buf,
				size_t size)
{
	struct vfe_inventory_names *nm = inv->names;
	struct pci_access *acc;

	buf[0] = 0;
	if (!nm || nm->all) {
		snprintf(buf, size, "%s", d->device_name[0] ? d->device_name : d->class_name);
		return buf;
	}
	acc = nm->pci.acc;
	if (!nm->started) {
		/* an empty list in pci.ids' place: libpci then asks hwdb for each name */
		nm->started = true;
		nm->ids_path = strdup(acc->id_file_name);
		if (nm->ids_path)
			pci_set_name_list_path(acc, "/dev/null", 0);
	}
	if (nm->ids_path) {
		/*
		 * hwdb alone, for the device's name. A miss (no such name, or no hwdb) goes to
		 * pci.ids at once: libpci makes a new udev context at each hwdb miss without
		 * dropping the last one, and loading pci.ids frees the one it has.
		 */
		lookup(acc, buf, size, PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, d->vendor,
		       d->device);
		if (buf[0])
			return buf;
		pci_set_name_list_path(acc, nm->ids_path, 1); /* libpci frees the path */
		nm->ids_path = NULL;
		PCI_GUARDED(return buf);
		pci_load_name_list(acc);
		PCI_UNGUARD();
	}
	/* pci.ids, and no more hwdb: it had no name for this device */
	lookup(acc, buf, size, PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
	       d->vendor, d->device);
	if (!buf[0])
		lookup(acc, buf, size,
		       PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
		       d->device_class, 0);
	return buf;
}

int vfe_inventory_scan(struct vfe_inventory *inv, const char *root, unsigned int flags)
{
	struct vfe_inventory_names *nm;
	struct pci_dev *p;
	unsigned int cap = 0;
	int r;

	memset(inv, 0, sizeof(*inv));
	inv->iommu = vfe_iommu_enabled(root);
	nm = calloc(1, sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	nm->all = flags & VFE_INV_NAMES;
	r = vfe_pci_open(&nm->pci, root);
	if (r < 0) {
		free(nm);
		return r;
	}
	inv->names = nm;
	r = vfe_pci_scan(&nm->pci);
	if (r < 0)
		goto out;
	for (p = nm->pci.acc->devices; p; p = p->next) {
		struct vfe_dev *d;
		char path[VFE_PATH_MAX], real[VFE_PATH_MAX];
		struct vfe_pci_info info;

		if (inv->n == cap) {
			struct vfe_dev *grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(inv->devs, cap * sizeof(*inv->devs));
			if (!grown) {
				r = -ENOMEM;
				goto out;
			}
			inv->devs = grown;
		}
		d = &inv->devs[inv->n];
		memset(d, 0, sizeof(*d));
		snprintf(d->slot, sizeof(d->slot), "%04x:%02x:%02x.%d", p->domain, p->bus, p->dev,
			 p->func);
		if (vfe_pci_info_of(&nm->pci, p, &info) < 0)
			continue;
		d->vendor = info.vendor;
		d->device = info.device;
		d->device_class = info.device_class;
		d->group = info.group;
		d->boot_vga = info.boot_vga;
		snprintf(d->driver, sizeof(d->driver), "%s", info.driver);
		vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/reset", d->slot);
		d->resettable = vfe_exists(path);
		if (nm->all)
			fill_names(nm->pci.acc, d);
		if ((flags & VFE_INV_USB) && vfe_dev_is_usb_controller(d)) {
			vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s", d->slot);
			if (realpath(path, real)) {
				usb_walk(d, real, 0);
				/* qsort's pointer must not be NULL, even with nothing to sort. */
				if (d->n_usb)
					qsort(d->usb, d->n_usb, sizeof(*d->usb), cmp_usb);
			}
		}
		inv->n++;
	}
	if (inv->n)
		qsort(inv->devs, inv->n, sizeof(*inv->devs), cmp_dev);
out:
	if (r < 0)
		vfe_inventory_free(inv);
	return r;
}

void vfe_inventory_free(struct vfe_inventory *inv)
{
	unsigned int i;

	for (i = 0; i < inv->n; i++)
		free(inv->devs[i].usb);
	free(inv->devs);
	if (inv->names) {
		vfe_pci_close(&inv->names->pci);
		free(inv->names->ids_path);
		free(inv->names);
	}
	memset(inv, 0, sizeof(*inv));
}

struct vfe_dev *vfe_inventory_find(const struct vfe_inventory *inv, const char *slot)
{
	unsigned int i;

	for (i = 0; i < inv->n; i++)
		if (!strcmp(inv->devs[i].slot, slot))
			return &inv->devs[i];
	return NULL;
}

bool vfe_dev_is_bridge(const struct vfe_dev *d)
{
	return d->device_class == PCI_CLASS_BRIDGE_PCI || d->device_class == 0x0609;
}

bool vfe_dev_is_display(const struct vfe_dev *d)
{
	return (d->device_class >> 8) == PCI_BASE_CLASS_DISPLAY;
}

bool vfe_dev_is_usb_controller(const struct vfe_dev *d)
{
	return d->device_class == PCI_CLASS_SERIAL_USB;
}
