// SPDX-License-Identifier: GPL-2.0-or-later
/* list: the IOMMU groups as the guides print them, with drivers, boot VGA and USB devices. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/boot/config.h"
#include "../../lib/inventory.h"
#include "../../lib/boot/log.h"
#include "ctl.h"

static const struct vfe_bind_rule *configured(const struct vfe_config *conf, const char *slot)
{
	unsigned int i;

	for (i = 0; i < conf->n_binds; i++)
		if (!strcmp(conf->binds[i].slot, slot))
			return &conf->binds[i];
	return NULL;
}

static json_object *dev_json(const struct vfe_dev *d, const struct vfe_config *conf)
{
	json_object *o = json_object_new_object(), *usb = json_object_new_array();
	char id[16];
	unsigned int i;

	snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
	json_object_object_add(o, "slot", json_object_new_string(d->slot));
	json_object_object_add(o, "id", json_object_new_string(id));
	snprintf(id, sizeof(id), "%04x", d->device_class);
	json_object_object_add(o, "class", json_object_new_string(id));
	json_object_object_add(o, "class_name", json_object_new_string(d->class_name));
	json_object_object_add(o, "vendor_name", json_object_new_string(d->vendor_name));
	json_object_object_add(o, "device_name", json_object_new_string(d->device_name));
	json_object_object_add(o, "resettable", json_object_new_boolean(d->resettable));
	json_object_object_add(o, "driver",
			       d->driver[0] ? json_object_new_string(d->driver) : NULL);
	json_object_object_add(o, "boot_vga", json_object_new_boolean(d->boot_vga == 1));
	json_object_object_add(o, "configured",
			       json_object_new_boolean(configured(conf, d->slot) != NULL));
	for (i = 0; i < d->n_usb; i++) {
		json_object *u = json_object_new_object();

		snprintf(id, sizeof(id), "%04x:%04x", d->usb[i].vendor, d->usb[i].product);
		json_object_object_add(u, "id", json_object_new_string(id));
		json_object_object_add(u, "bus", json_object_new_int((int)d->usb[i].busnum));
		json_object_object_add(u, "device", json_object_new_int((int)d->usb[i].devnum));
		json_object_object_add(u, "name", json_object_new_string(d->usb[i].name));
		json_object_array_add(usb, u);
	}
	json_object_object_add(o, "usb", usb);
	return o;
}

static void print_json(const struct vfe_inventory *inv, const struct vfe_config *conf)
{
	json_object *root = json_object_new_object(), *groups = json_object_new_array();
	json_object *g = NULL, *members = NULL;
	unsigned int i;
	int last = -2;

	json_object_object_add(root, "iommu", json_object_new_boolean(inv->iommu));
	for (i = 0; i < inv->n; i++) {
		const struct vfe_dev *d = &inv->devs[i];

		if (d->group != last) {
			g = json_object_new_object();
			members = json_object_new_array();
			json_object_object_add(
			    g, "group", d->group >= 0 ? json_object_new_int(d->group) : NULL);
			json_object_object_add(g, "devices", members);
			json_object_array_add(groups, g);
			last = d->group;
		}
		json_object_array_add(members, dev_json(d, conf));
	}
	json_object_object_add(root, "groups", groups);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

static void print_text(const struct vfe_inventory *inv, const struct vfe_config *conf)
{
	unsigned int i, k;
	int last = -2;

	if (!inv->iommu)
		printf(
		    "No IOMMU groups: the IOMMU is off (firmware VT-d/AMD-Vi; intel_iommu=on).\n");
	for (i = 0; i < inv->n; i++) {
		const struct vfe_dev *d = &inv->devs[i];
		char head[24] = "", extra[96] = "";

		if (d->group != last) {
			if (d->group >= 0)
				snprintf(head, sizeof(head), "Group %d:", d->group);
			else
				snprintf(head, sizeof(head), "No group:");
			last = d->group;
		}
		snprintf(extra, sizeof(extra), "%s%s%s", d->driver[0] ? d->driver : "-",
			 d->boot_vga == 1 ? " boot-VGA" : "",
			 configured(conf, d->slot) ? " [configured]" : "");
		/* The guides' layout: group, [id], [R] when resettable, slot, class, name. */
		printf("%-10s%c[%04x:%04x] %s %s  %-24.24s %-.34s  (%s)\n", head,
		       configured(conf, d->slot) ? '*' : ' ', d->vendor, d->device,
		       d->resettable ? "[R]" : "   ", d->slot + 5, d->class_name, d->device_name,
		       extra);
		for (k = 0; k < d->n_usb; k++)
			printf("  USB:       [%04x:%04x]  Bus %03u Device %03u  %s\n",
			       d->usb[k].vendor, d->usb[k].product, d->usb[k].busnum,
			       d->usb[k].devnum, d->usb[k].name);
	}
}

static int do_list(struct ctl_globals *g, int argc, char *argv[])
{
	struct vfe_inventory inv;
	struct vfe_config conf;
	char err[320];
	int r;

	if (ctl_parse_common(g, &ctl_cmd_list, argc, argv, "[--json]") != argc)
		return 2;
	r = vfe_config_load(&conf, g->config, err, sizeof(err));
	if (r < 0 && r != -ENOENT)
		WRN("%s (configured devices are not marked)", err);
	r = vfe_inventory_scan(&inv, g->root, VFE_INV_USB | VFE_INV_NAMES);
	if (r < 0) {
		ERR("cannot read the PCI bus under %s: %s", g->root, strerror(-r));
		return 1;
	}
	if (g->json)
		print_json(&inv, &conf);
	else
		print_text(&inv, &conf);
	vfe_inventory_free(&inv);
	return 0;
}

const struct ctl_cmd ctl_cmd_list = {"list", do_list, "show IOMMU groups, devices, drivers, USB"};
