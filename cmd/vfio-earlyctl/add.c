// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * add: new bind lines. A display controller brings every function of its slot; any other
 * device comes alone. Every IOMMU group touched must end up complete (bridges aside), or
 * nothing changes and the missing members are named with what hangs behind them.
 */
#include <errno.h>
#include <getopt.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/confedit.h"
#include "../../lib/boot/config.h"
#include "../../lib/inventory.h"
#include "../../lib/boot/log.h"
#include "ctl.h"

#define MAX_PICK 64

struct pick {
	const struct vfe_dev *devs[MAX_PICK];
	unsigned int n;
};

static bool picked(const struct pick *p, const struct vfe_dev *d)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->devs[i] == d)
			return true;
	return false;
}

static int pick_add(struct pick *p, const struct vfe_dev *d)
{
	if (picked(p, d))
		return 0;
	if (p->n == MAX_PICK)
		return -E2BIG;
	p->devs[p->n++] = d;
	return 0;
}

/* The device ARG names: a slot, or a vendor:device that must match exactly one device. */
static const struct vfe_dev *resolve(const struct vfe_inventory *inv, const char *arg)
{
	char slot[VFE_SLOT_LEN], buf[64];
	const struct vfe_dev *found = NULL;
	struct pci_filter f;
	unsigned int i, n = 0;

	if (!vfe_slot_parse(arg, slot)) {
		found = vfe_inventory_find(inv, slot);
		if (!found)
			ERR("%s: no device at this slot", slot);
		return found;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	pci_filter_init(NULL, &f);
	if (strlen(arg) >= sizeof(buf) || pci_filter_parse_id(&f, buf) || f.vendor < 0 ||
	    f.device < 0) {
		ERR("'%s' is neither a slot ([domain:]bus:device.function) nor an id "
		    "(vendor:device)",
		    arg);
		return NULL;
	}
	for (i = 0; i < inv->n; i++)
		if (inv->devs[i].vendor == (unsigned int)f.vendor &&
		    inv->devs[i].device == (unsigned int)f.device) {
			n++;
			found = &inv->devs[i];
		}
	if (n == 1)
		return found;
	if (n == 0) {
		ERR("%s: no such device on this machine", arg);
		return NULL;
	}
	ERR("%s matches %u devices; name one by slot:", arg, n);
	for (i = 0; i < inv->n; i++)
		if (inv->devs[i].vendor == (unsigned int)f.vendor &&
		    inv->devs[i].device == (unsigned int)f.device)
			fprintf(stderr, "  %s  %s (%s)\n", inv->devs[i].slot,
				inv->devs[i].device_name,
				inv->devs[i].driver[0] ? inv->devs[i].driver : "no driver");
	return NULL;
}

/* A graphics card is all its functions (audio, USB, UCSI share the slot). */
static int pick_device(struct pick *p, const struct vfe_inventory *inv, const struct vfe_dev *d)
{
	unsigned int i;
	int r = 0;

	if (!vfe_dev_is_display(d))
		return pick_add(p, d);
	for (i = 0; i < inv->n && r == 0; i++)
		if (!strncmp(inv->devs[i].slot, d->slot, 10)) /* dddd:bb:dd */
			r = pick_add(p, &inv->devs[i]);
	return r;
}

/* Every non-bridge member of every touched group is picked or already configured. */
static bool groups_complete(const struct pick *p, const struct vfe_inventory *inv,
			    const struct vfe_config *conf)
{
	bool ok = true;
	unsigned int i, k;

	for (i = 0; i < p->n; i++) {
		int group = p->devs[i]->group;
		bool seen = false;

		for (k = 0; k < i; k++)
			seen |= p->devs[k]->group == group;
		for (k = 0; k < inv->n && !seen; k++) {
			const struct vfe_dev *m = &inv->devs[k];
			unsigned int u;

			if (m->group != group || group < 0 || vfe_dev_is_bridge(m) ||
			    picked(p, m) || vfe_config_binds_slot(conf, m->slot))
				continue;
			if (ok)
				ERR("IOMMU group %d would be incomplete; these members are not "
				    "passed through:",
				    group);
			ok = false;
			fprintf(stderr, "  %s [%04x:%04x] %s (%s)\n", m->slot, m->vendor, m->device,
				m->device_name, m->driver[0] ? m->driver : "no driver");
			for (u = 0; u < m->n_usb; u++)
				fprintf(stderr, "      USB %03u:%03u [%04x:%04x] %s\n",
					m->usb[u].busnum, m->usb[u].devnum, m->usb[u].vendor,
					m->usb[u].product, m->usb[u].name);
		}
	}
	return ok;
}

static int do_add(struct ctl_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"allow-boot-vga", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char err[320], *lines[MAX_PICK];
	struct vfe_inventory inv;
	static struct vfe_config conf;
	struct pick p = {.n = 0};
	bool allow_vga = false;
	unsigned int i, n_lines = 0;
	int c, r, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'b') {
			allow_vga = true;
		} else if (c == 'h') {
			printf("Usage: vfio-earlyctl add [--allow-boot-vga] "
			       "<slot>|<vendor:device>...\n"
			       "\n%s\n",
			       ctl_cmd_add.help);
			return 0;
		} else {
			fprintf(stderr, "Try 'vfio-earlyctl add --help' for more information.\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vfio-earlyctl add: name at least one slot or vendor:device\n");
		return 2;
	}
	if (ctl_lock(g) < 0)
		return 1;
	r = vfe_config_load(&conf, g->config, err, sizeof(err));
	if (r < 0 && r != -ENOENT) {
		ERR("%s: fix it first (nothing changed)", err);
		return 1;
	}
	r = vfe_inventory_scan(&inv, g->root, VFE_INV_USB | VFE_INV_NAMES);
	if (r < 0) {
		ERR("cannot read the PCI bus: %s", strerror(-r));
		return 1;
	}
	for (; optind < argc; optind++) {
		const struct vfe_dev *d = resolve(&inv, argv[optind]);

		if (!d || pick_device(&p, &inv, d) < 0)
			goto out;
	}
	for (i = 0; i < p.n; i++) {
		if (vfe_dev_is_bridge(p.devs[i])) {
			ERR("%s is a PCI bridge: bridges are never passed through",
			    p.devs[i]->slot);
			goto out;
		}
		if (p.devs[i]->boot_vga == 1 && !allow_vga) {
			ERR("%s is the boot VGA (the host's console); add --allow-boot-vga to pass "
			    "it anyway",
			    p.devs[i]->slot);
			goto out;
		}
	}
	if (!groups_complete(&p, &inv, &conf))
		goto out;
	for (i = 0; i < p.n; i++) {
		const struct vfe_dev *d = p.devs[i];
		char line[256];

		if (vfe_config_binds_slot(&conf, d->slot))
			continue;
		snprintf(line, sizeof(line), "bind %s %04x:%04x%s    # %.60s", d->slot, d->vendor,
			 d->device, d->boot_vga == 1 ? " allow-boot-vga" : "",
			 d->device_name[0] ? d->device_name : d->class_name);
		lines[n_lines++] = strdup(line);
		printf("+ %s\n", line);
	}
	if (!n_lines) {
		printf("nothing to add: already configured\n");
		status = 0;
		goto out;
	}
	r = vfe_conf_add_lines(g->root, g->config, (const char *const *)lines, n_lines, err,
			       sizeof(err));
	if (r < 0) {
		ERR("%s", err);
		goto out;
	}
	printf("%s updated; run 'vfio-earlyctl apply' to rebuild the initramfs\n", g->config);
	status = 0;
out:
	for (i = 0; i < n_lines; i++)
		free(lines[i]);
	vfe_inventory_free(&inv);
	return status;
}

const struct ctl_cmd ctl_cmd_add = {"add", do_add,
				    "add bind lines (a graphics card with all its functions)"};
