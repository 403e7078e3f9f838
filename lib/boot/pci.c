// SPDX-License-Identifier: GPL-2.0-or-later
/* PCI access through libpci, reading only the configured slots and their IOMMU groups. */
#include "pci.h"

#include <dirent.h>
#include <errno.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "pci-guard.h"
#include "util.h"

/* The innermost guarded call (pci-guard.h), where pci_error jumps. */
jmp_buf *vfe_pci_escape;

static void __attribute__((noreturn)) pci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vfe_logv(VFE_LOG_ERR, msg, ap);
	va_end(ap);
	if (vfe_pci_escape)
		longjmp(*vfe_pci_escape, 1);
	/* Unreachable by design: every libpci call below runs guarded. */
	abort();
}

static void pci_warning(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vfe_logv(VFE_LOG_DEBUG, msg, ap);
	va_end(ap);
}

static void pci_debug(char *msg, ...)
{
	(void)msg;
}

/* A libpci access on ROOT/sys/bus/pci that reports errors instead of exiting; NULL on error. */
static struct pci_access *new_access(const char *root)
{
	char path[VFE_PATH_MAX];
	struct pci_access *volatile acc = NULL;

	if (vfe_path(path, sizeof(path), root, "/sys/bus/pci") < 0)
		return NULL;
	PCI_GUARDED({
		if (acc)
			pci_cleanup(acc);
		return NULL;
	});
	acc = pci_alloc();
	acc->error = pci_error;
	acc->warning = pci_warning;
	acc->debug = pci_debug;
	acc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(acc, "sysfs.path", path);
	pci_init(acc);
	PCI_UNGUARD();
	return acc;
}

int vfe_pci_open(struct vfe_pci *p, const char *root)
{
	p->root = root;
	p->scan = NULL;
	p->acc = new_access(root);
	return p->acc ? 0 : -EIO;
}

void vfe_pci_close(struct vfe_pci *p)
{
	PCI_GUARDED(return );
	if (p->scan)
		pci_cleanup(p->scan);
	if (p->acc)
		pci_cleanup(p->acc);
	PCI_UNGUARD();
	p->acc = p->scan = NULL;
}

static int read_boot_vga(const char *root, const char *slot)
{
	char path[VFE_PATH_MAX], buf[8];

	if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/boot_vga", slot) < 0 ||
	    vfe_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return buf[0] == '1';
}

/* The driver link's name, "" when no driver is bound; 0 or -errno. */
static int read_driver(const char *root, struct vfe_pci_info *info)
{
	char path[VFE_PATH_MAX];
	int r;

	r = vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/driver", info->slot);
	if (r == 0)
		r = vfe_read_link_name(path, info->driver, sizeof(info->driver));
	if (r == -ENOENT) {
		info->driver[0] = '\0';
		r = 0;
	}
	return r;
}

/*
 * The IOMMU group and the driver are the last words of the device's iommu_group and driver
 * links. libpci's PCI_FILL_IOMMU_GROUP and PCI_FILL_DRIVER resolve each link's whole path
 * with realpath() to take that word: 20-odd system calls per link where a readlink() gives
 * the same name (issue 18: 16 such resolutions were most of the helper's own time).
 */
static void read_links(const char *root, struct vfe_pci_info *info)
{
	char path[VFE_PATH_MAX], group[16];

	info->group = -1;
	/* as libpci has it: a group only when the link leads to one */
	if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/iommu_group",
		      info->slot) == 0 &&
	    vfe_read_link_name(path, group, sizeof(group)) == 0 && vfe_exists(path))
		info->group = atoi(group);
	if (read_driver(root, info) < 0)
		info->driver[0] = '\0';
}

int vfe_pci_info_of(struct vfe_pci *p, struct pci_dev *d, struct vfe_pci_info *info)
{
	memset(info, 0, sizeof(*info));
	PCI_GUARDED(return -EIO);
	pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS);
	PCI_UNGUARD();
	info->dev = d;
	snprintf(info->slot, sizeof(info->slot), "%04x:%02x:%02x.%d", d->domain, d->bus, d->dev,
		 d->func);
	info->vendor = d->vendor_id;
	info->device = d->device_id;
	info->device_class = d->device_class;
	read_links(p->root, info);
	/* The kernel shows boot_vga on VGA functions only (pci_is_vga): no open that must fail. */
	info->boot_vga = info->device_class == PCI_CLASS_DISPLAY_VGA ||
				 info->device_class == PCI_CLASS_NOT_DEFINED_VGA
			     ? read_boot_vga(p->root, info->slot)
			     : -1;
	return 0;
}

int vfe_pci_lookup(struct vfe_pci *p, const char *slot, struct vfe_pci_info *info)
{
	char path[VFE_PATH_MAX];
	unsigned int dom, bus, dev, func;
	struct pci_dev *volatile d = NULL;
	int r;

	memset(info, 0, sizeof(*info));
	info->group = -1;
	if (sscanf(slot, "%x:%x:%x.%u", &dom, &bus, &dev, &func) != 4)
		return -EINVAL;
	r = vfe_pathf(path, sizeof(path), p->root, "/sys/bus/pci/devices/%s", slot);
	if (r < 0)
		return r;
	/* pci_get_dev does not look; an absent device would only fail later, inside libpci. */
	if (!vfe_exists(path))
		return -ENODEV;
	PCI_GUARDED(return -EIO);
	d = pci_get_dev(p->acc, (int)dom, (int)bus, (int)dev, (int)func);
	PCI_UNGUARD();
	r = vfe_pci_info_of(p, d, info);
	if (r < 0)
		pci_free_dev(d);
	return r;
}

int vfe_pci_scan(struct vfe_pci *p)
{
	PCI_GUARDED(return -EIO);
	pci_scan_bus(p->acc);
	PCI_UNGUARD();
	return 0;
}

int vfe_pci_refresh_driver(struct vfe_pci *p, struct vfe_pci_info *info)
{
	return read_driver(p->root, info);
}

bool vfe_pci_rule_matches(const struct vfe_bind_rule *rule, const struct vfe_pci_info *info)
{
	struct pci_filter f;

	pci_filter_init(NULL, &f);
	f.domain = rule->domain;
	f.bus = rule->bus;
	f.slot = rule->dev;
	f.func = rule->func;
	f.vendor = rule->vendor;
	f.device = rule->device;
	f.device_class = rule->device_class;
	return pci_filter_match(&f, info->dev);
}

bool vfe_pci_is_bridge(const struct vfe_pci_info *info)
{
	return info->device_class == PCI_CLASS_BRIDGE_PCI || info->device_class == 0x0609;
}

bool vfe_iommu_enabled(const char *root)
{
	char path[VFE_PATH_MAX];
	struct dirent *e;
	bool any = false;
	DIR *dir;

	if (vfe_path(path, sizeof(path), root, "/sys/kernel/iommu_groups") < 0)
		return false;
	dir = opendir(path);
	if (!dir)
		return false;
	while (!any && (e = readdir(dir)))
		any = e->d_name[0] != '.';
	closedir(dir);
	return any;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void vfe_names_free(char **names, int n)
{
	int i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int vfe_iommu_group_members(const char *root, int group, char ***names)
{
	char path[VFE_PATH_MAX];
	struct dirent *e;
	char **v = NULL;
	int n = 0, cap = 0, r = 0;
	DIR *dir;

	*names = NULL;
	if (vfe_pathf(path, sizeof(path), root, "/sys/kernel/iommu_groups/%d/devices", group) < 0)
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return -errno;
	/* Every name, whatever its length: a member that is not a PCI function counts too. */
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nv = realloc(v, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[n] = strdup(e->d_name);
		if (!v[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dir);
	if (r < 0) {
		vfe_names_free(v, n);
		return r;
	}
	if (n)
		qsort(v, (size_t)n, sizeof(*v), cmp_name);
	*names = v;
	return n;
}

enum vfe_member_kind vfe_iommu_member_kind(const char *root, int group, const char *name)
{
	char path[VFE_PATH_MAX], slot[VFE_SLOT_LEN];
	struct stat st;

	/* The group's link follows the device: when it leads nowhere, the device is gone. */
	if (vfe_pathf(path, sizeof(path), root, "/sys/kernel/iommu_groups/%d/devices/%s", group,
		      name) < 0)
		return VFE_MEMBER_OTHER;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return VFE_MEMBER_GONE;
	if (vfe_slot_parse(name, slot) || strcmp(slot, name))
		return VFE_MEMBER_OTHER;
	if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s", name) < 0)
		return VFE_MEMBER_OTHER;
	return vfe_exists(path) ? VFE_MEMBER_PCI : VFE_MEMBER_OTHER;
}

int vfe_pci_find_id(struct vfe_pci *p, const struct vfe_bind_rule *rule,
		    char (*slots)[VFE_SLOT_LEN], int max)
{
	struct pci_filter f;
	struct pci_dev *d;
	volatile int n = 0;

	/* One scan of its own for every missing card of a run, kept until vfe_pci_close. */
	if (!p->scan) {
		struct pci_access *volatile acc = new_access(p->root);

		if (!acc)
			return -EIO;
		PCI_GUARDED({
			pci_cleanup(acc);
			return -EIO;
		});
		pci_scan_bus(acc);
		PCI_UNGUARD();
		p->scan = acc;
	}
	PCI_GUARDED(return -EIO);
	pci_filter_init(p->scan, &f);
	f.vendor = rule->vendor;
	f.device = rule->device;
	f.device_class = rule->device_class;
	for (d = p->scan->devices; d; d = d->next) {
		if (!pci_filter_match(&f, d) || n == max)
			continue;
		snprintf(slots[n], VFE_SLOT_LEN, "%04x:%02x:%02x.%d", d->domain, d->bus, d->dev,
			 d->func);
		n++;
	}
	PCI_UNGUARD();
	return n;
}
