// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_early - kernel-assisted mode of vfio-early.
 *
 * The boot helper hands the configured PCI functions to vfio-pci when the
 * initramfs runs.  Functions that appear later (a remove and rescan, a
 * hot-plugged card, SR-IOV virtual functions) are caught here instead: when a
 * PCI device is added and both its slot and its vendor:device id match a rule,
 * its driver_override is set to "vfio-pci" before any driver is offered it.
 * A device that already has a driver is never unbound: that stays the boot
 * helper's decision.  Like the helper, it refuses bridges, and the boot VGA
 * device unless the rule says allow-boot-vga.  Unloading stops the matching
 * and leaves every override and binding in place, as if user space had
 * written them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vgaarb.h>
#include <linux/workqueue.h>

#include "vfio_early_limits.h"

#define VFE_DRIVER "vfio-pci"

/*
 * bind= and skip= as given.  Not charp: the kernel's charp parameters refuse
 * more than 1024 characters and fail the module load, and a switch given
 * without a value (vfio_early.skip) would fail it too.  Here any value is
 * taken; vfe_parse_params() decides whether it is well formed, and a
 * malformed one only means binding nothing.
 */
struct vfe_list_param {
	char *val;	/* a copy of the value; NULL when none or too long */
	size_t len;	/* its length as given */
	bool given;	/* set at all */
	bool bare;	/* given without '=' and value */
};

static struct vfe_list_param bind_param, skip_param;

static int vfe_list_set(const char *val, const struct kernel_param *kp)
{
	struct vfe_list_param *p = kp->arg;
	size_t len = val ? strlen(val) : 0;
	char *copy = NULL;

	if (val && len <= VFE_KMOD_MAX_LIST_LEN) {
		copy = kstrdup(val, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	/* the last one given wins, as on the kernel command line */
	kfree(p->val);
	p->val = copy;
	p->len = len;
	p->given = true;
	p->bare = !val;
	return 0;
}

static int vfe_list_get(char *buf, const struct kernel_param *kp)
{
	const struct vfe_list_param *p = kp->arg;

	if (p->bare)
		return sysfs_emit(buf, "(no value)\n");
	/* A list longer than the page is not cut: say so instead. */
	if (!p->val || p->len + 2 > PAGE_SIZE)
		return sysfs_emit(buf, "(%zu characters, not shown)\n", p->len);
	return sysfs_emit(buf, "%s\n", p->val);
}

static void vfe_list_free(void *arg)
{
	struct vfe_list_param *p = arg;

	kfree(p->val);
	p->val = NULL;
}

static const struct kernel_param_ops vfe_list_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = vfe_list_set,
	.get = vfe_list_get,
	.free = vfe_list_free,
};

module_param_cb(bind, &vfe_list_ops, &bind_param, 0444);
MODULE_PARM_DESC(bind,
		 "PCI functions for vfio-pci: <slot>/<id>[/allow-boot-vga][,...], <slot> as [domain:]bus:device.function and <id> as vendor:device[:class], all hex (lspci -s and -d syntax); at most 256 entries; a malformed list binds nothing");

module_param_cb(skip, &vfe_list_ops, &skip_param, 0444);
MODULE_PARM_DESC(skip,
		 "Slots left alone this boot: <slot>[,<slot>...], <slot> as in bind; at most 256; a malformed list (an empty one too) binds nothing");

static bool off;
module_param(off, bool, 0444);
MODULE_PARM_DESC(off, "Do nothing at all: off, off=1 or off=y (boolean)");

static bool dry_run;
module_param(dry_run, bool, 0444);
MODULE_PARM_DESC(dry_run, "Decide and log, set no override: dry_run or dry_run=1 (boolean)");

static bool debug;
module_param(debug, bool, 0644);
MODULE_PARM_DESC(debug, "Also log the PCI devices that no rule names: debug or debug=1 (boolean)");

/* What the module last did about a rule; the status view prints it. */
enum vfe_action {
	VFE_WAITING,	/* no device seen at the slot yet */
	VFE_SET,	/* driver_override set to vfio-pci */
	VFE_ALREADY,	/* on vfio-pci, or its override already says so */
	VFE_LEFT,	/* bound to another driver: left alone */
	VFE_CHANGED,	/* another vendor:device at the slot */
	VFE_SKIPPED,	/* named in skip= */
	VFE_DRY_RUN,	/* would have set the override */
	VFE_FAILED,	/* setting the override failed */
	VFE_REFUSED,	/* a bridge, or the boot VGA device without allow-boot-vga */
};

static const char * const vfe_action_names[] = {
	[VFE_WAITING] = "waiting",
	[VFE_SET] = "set",
	[VFE_ALREADY] = "already",
	[VFE_LEFT] = "left",
	[VFE_CHANGED] = "changed",
	[VFE_SKIPPED] = "skipped",
	[VFE_DRY_RUN] = "dry-run",
	[VFE_FAILED] = "failed",
	[VFE_REFUSED] = "refused",
};

struct vfe_rule {
	/* where and what: fixed once the parameters are parsed */
	u32 domain;
	u8 bus;
	u8 devfn;
	u16 vendor;
	u16 device;
	int class;		/* class << 8 | subclass, or -1 for any class */
	bool skip;
	bool allow_boot_vga;
	/* what happened: under vfe_lock */
	enum vfe_action action;
	unsigned int seen;	/* additions at this slot */
	u16 found_vendor;
	u16 found_device;
	int err;
	const char *refusal;	/* why refused */
};

enum vfe_state { VFE_IDLE, VFE_ACTIVE, VFE_OFF, VFE_REJECTED };

static const char * const vfe_state_names[] = {
	[VFE_IDLE] = "idle",
	[VFE_ACTIVE] = "active",
	[VFE_OFF] = "off",
	[VFE_REJECTED] = "rejected",
};

/* vfe_lock is a leaf: nothing else is ever taken while holding it. */
static DEFINE_MUTEX(vfe_lock);
static struct vfe_rule *vfe_rules;
static unsigned int vfe_nr_rules;
static enum vfe_state vfe_state;
static char vfe_error[128];
static bool vfe_requested;	/* request_module() was tried */
static int vfe_request_err;	/* and what it returned */
static bool vfe_listening;

static void vfe_work_fn(struct work_struct *work);
static DECLARE_WORK(vfe_work, vfe_work_fn);

/* 1 to @width hex digits, no prefix, at most @max */
static int vfe_hex(const char *s, unsigned int width, unsigned int max,
		   unsigned int *val)
{
	size_t len = strlen(s);
	size_t i;

	if (!len || len > width)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isxdigit(s[i]))
			return -EINVAL;
	if (kstrtouint(s, 16, val) || *val > max)
		return -EINVAL;
	return 0;
}

/*
 * <slot> = [domain:]bus:device.function, hex, no wildcards: domain 1-8 digits
 * up to 7fffffff (a VMD domain such as 10000 kept whole), defaulting to 0000;
 * bus 1-2 digits, device 1-2 up to 1f, function 0-7.  Returns NULL or why
 * not.  Cuts @s up.
 */
static const char *vfe_parse_slot(char *s, struct vfe_rule *r)
{
	char *field[3];
	unsigned int n = 0, dom = 0, bus, dev, fn;
	char *dot;

	while (s && n < ARRAY_SIZE(field))
		field[n++] = strsep(&s, ":");
	if (s || n < 2)
		return "slot: expects [domain:]bus:device.function";
	dot = strchr(field[n - 1], '.');
	if (!dot)
		return "slot: expects device.function";
	*dot++ = '\0';
	if (n == 3 && vfe_hex(field[0], 8, VFE_KMOD_MAX_DOMAIN, &dom))
		return "slot: bad domain";
	if (vfe_hex(field[n - 2], 2, 0xff, &bus))
		return "slot: bad bus";
	if (vfe_hex(field[n - 1], 2, 0x1f, &dev))
		return "slot: bad device";
	if (vfe_hex(dot, 1, 7, &fn))
		return "slot: bad function";
	r->domain = dom;
	r->bus = bus;
	r->devfn = PCI_DEVFN(dev, fn);
	return NULL;
}

/* <id> = vendor:device[:class], hex; class is the 16-bit class and subclass */
static const char *vfe_parse_id(char *s, struct vfe_rule *r)
{
	char *field[3];
	unsigned int n = 0, vendor, device, class;

	while (s && n < ARRAY_SIZE(field))
		field[n++] = strsep(&s, ":");
	if (s || n < 2)
		return "id: expects vendor:device[:class]";
	if (vfe_hex(field[0], 4, 0xffff, &vendor))
		return "id: bad vendor";
	if (vfe_hex(field[1], 4, 0xffff, &device))
		return "id: bad device";
	if (n == 3 && vfe_hex(field[2], 4, 0xffff, &class))
		return "id: bad class";
	r->vendor = vendor;
	r->device = device;
	r->class = n == 3 ? class : -1;
	return NULL;
}

static bool vfe_same_slot(const struct vfe_rule *a, const struct vfe_rule *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->devfn == b->devfn;
}

/* Entries in a list: one more than its commas. */
static unsigned int vfe_entries(const char *s)
{
	unsigned int n = 1;

	for (; *s; s++)
		n += *s == ',';
	return n;
}

static void vfe_reject(const char *list, const char *entry, const char *why)
{
	if (entry)
		snprintf(vfe_error, sizeof(vfe_error), "%s '%s': %s", list, entry,
			 why);
	else
		snprintf(vfe_error, sizeof(vfe_error), "%s: %s", list, why);
}

/* Whether @p can be a list at all: a value, not empty, not too long. */
static int vfe_list_check(const char *list, const struct vfe_list_param *p)
{
	if (p->bare)
		vfe_reject(list, NULL, "expects a value");
	else if (!p->len)
		vfe_reject(list, NULL, "empty list");
	else if (!p->val)
		snprintf(vfe_error, sizeof(vfe_error),
			 "%s: %zu characters, more than %u", list, p->len,
			 VFE_KMOD_MAX_LIST_LEN);
	else if (vfe_entries(p->val) > VFE_KMOD_MAX_RULES)
		snprintf(vfe_error, sizeof(vfe_error),
			 "%s: more than %u entries", list, VFE_KMOD_MAX_RULES);
	else
		return 0;
	return -EINVAL;
}

/* <slot>/<id>[/allow-boot-vga] into @r.  Returns NULL or why not; cuts @entry up. */
static const char *vfe_parse_entry(char *entry, struct vfe_rule *r)
{
	const char *why;
	char *id, *opt;

	if (!*entry)
		return "empty entry";
	id = strchr(entry, '/');
	if (!id)
		return "expects <slot>/<id>[/allow-boot-vga]";
	*id++ = '\0';
	opt = strchr(id, '/');
	if (opt) {
		*opt++ = '\0';
		if (strcmp(opt, "allow-boot-vga"))
			return "unknown option (only allow-boot-vga)";
		r->allow_boot_vga = true;
	}
	why = vfe_parse_slot(entry, r);
	return why ? why : vfe_parse_id(id, r);
}

/*
 * Parses bind= and skip= into vfe_rules.  Any error rejects both lists whole,
 * the reason in vfe_error: an empty list or an empty entry (a,,b or a
 * trailing comma) is an error, as in the boot helper (tests/switch-cases.txt).
 */
static int vfe_parse_params(void)
{
	struct vfe_rule *rules = NULL, probe;
	unsigned int n = 0, i;
	char *buf = NULL, *s, *entry;
	const char *why;
	char shown[48];

	if (bind_param.given) {
		if (vfe_list_check("bind", &bind_param))
			return -EINVAL;
		rules = kcalloc(vfe_entries(bind_param.val), sizeof(*rules),
				GFP_KERNEL);
		buf = kstrdup(bind_param.val, GFP_KERNEL);
		if (!rules || !buf) {
			vfe_reject("bind", NULL, "out of memory");
			goto reject;
		}
		s = buf;
		while ((entry = strsep(&s, ","))) {
			strscpy(shown, entry, sizeof(shown));
			why = vfe_parse_entry(entry, &rules[n]);
			for (i = 0; !why && i < n; i++)
				if (vfe_same_slot(&rules[i], &rules[n]))
					why = "slot named twice";
			if (why) {
				vfe_reject("bind", shown, why);
				goto reject;
			}
			n++;
		}
		kfree(buf);
		buf = NULL;
	}

	if (skip_param.given) {
		if (vfe_list_check("skip", &skip_param))
			goto reject;
		buf = kstrdup(skip_param.val, GFP_KERNEL);
		if (!buf) {
			vfe_reject("skip", NULL, "out of memory");
			goto reject;
		}
		s = buf;
		while ((entry = strsep(&s, ","))) {
			strscpy(shown, entry, sizeof(shown));
			why = *entry ? vfe_parse_slot(entry, &probe) : "empty entry";
			if (why) {
				vfe_reject("skip", shown, why);
				goto reject;
			}
			/* a rule in skip= is skipped from the start */
			for (i = 0; i < n; i++) {
				if (vfe_same_slot(&rules[i], &probe)) {
					rules[i].skip = true;
					rules[i].action = VFE_SKIPPED;
				}
			}
		}
		kfree(buf);
	}
	vfe_rules = rules;
	vfe_nr_rules = n;
	return 0;

reject:
	kfree(buf);
	kfree(rules);
	return -EINVAL;
}

static struct vfe_rule *vfe_rule_at(struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < vfe_nr_rules; i++) {
		struct vfe_rule *r = &vfe_rules[i];

		if (r->domain == (u32)pci_domain_nr(pdev->bus) &&
		    r->bus == pdev->bus->number && r->devfn == pdev->devfn)
			return r;
	}
	return NULL;
}

/* As the boot_vga attribute in sysfs decides it. */
static bool vfe_is_boot_vga(struct pci_dev *pdev)
{
	struct pci_dev *vga = vga_default_device();

	if ((pdev->class >> 8) != PCI_CLASS_DISPLAY_VGA)
		return false;
	if (vga)
		return vga == pdev;
	return pdev->resource[PCI_ROM_RESOURCE].flags & IORESOURCE_ROM_SHADOW;
}

/* Why a matching device must not go to vfio-pci, or NULL. */
static const char *vfe_refusal(const struct vfe_rule *r, struct pci_dev *pdev)
{
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return "bridge";
	if (!r->allow_boot_vga && vfe_is_boot_vga(pdev))
		return "boot-vga";
	return NULL;
}

static bool vfe_id_matches(const struct vfe_rule *r, struct pci_dev *pdev)
{
	return pdev->vendor == r->vendor && pdev->device == r->device &&
	       (r->class < 0 || (pdev->class >> 8) == r->class);
}

#if defined(VFE_HAVE_DEVICE_SET_DRIVER_OVERRIDE)
/* The driver core keeps the override under a lock of its own. */
static int vfe_set_override(struct pci_dev *pdev)
{
	return device_set_driver_override(&pdev->dev, VFE_DRIVER);
}

static bool vfe_overridden(struct pci_dev *pdev)
{
	bool match;

	spin_lock(&pdev->dev.driver_override.lock);
	match = pdev->dev.driver_override.name &&
		!strcmp(pdev->dev.driver_override.name, VFE_DRIVER);
	spin_unlock(&pdev->dev.driver_override.lock);
	return match;
}
#else
#ifdef VFE_HAVE_DRIVER_SET_OVERRIDE
static int vfe_set_override(struct pci_dev *pdev)
{
	return driver_set_override(&pdev->dev, &pdev->driver_override,
				   VFE_DRIVER, strlen(VFE_DRIVER));
}
#else
/* Kernels without driver_set_override(): the PCI core kfree()s the string. */
static int vfe_set_override(struct pci_dev *pdev)
{
	char *new = kstrdup(VFE_DRIVER, GFP_KERNEL);
	const char *old;

	if (!new)
		return -ENOMEM;
	device_lock(&pdev->dev);
	old = pdev->driver_override;
	pdev->driver_override = new;
	device_unlock(&pdev->dev);
	kfree(old);
	return 0;
}
#endif

/* The PCI core's override, which the device lock guards: the caller holds it. */
static bool vfe_overridden(struct pci_dev *pdev)
{
	return pdev->driver_override &&
	       !strcmp(pdev->driver_override, VFE_DRIVER);
}
#endif

static bool vfe_vfio_registered(void)
{
	return driver_find(VFE_DRIVER, &pci_bus_type);
}

/*
 * What to do with a device that a rule names: the caller acts on VFE_SET.
 * Copies the name of its driver, if any, into @drv.
 */
static enum vfe_action vfe_decide(struct vfe_rule *r, struct pci_dev *pdev,
				  const char **refusal, char *drv, size_t size)
{
	bool overridden;

	if (r->skip)
		return VFE_SKIPPED;
	if (!vfe_id_matches(r, pdev))
		return VFE_CHANGED;
	*refusal = vfe_refusal(r, pdev);
	if (*refusal)
		return VFE_REFUSED;

	device_lock(&pdev->dev);
	if (pdev->dev.driver)
		strscpy(drv, pdev->dev.driver->name, size);
	overridden = vfe_overridden(pdev);
	device_unlock(&pdev->dev);

	/* A driver binding right after this only means the override waits. */
	if (!strcmp(drv, VFE_DRIVER) || (!drv[0] && overridden))
		return VFE_ALREADY;
	if (drv[0])
		return VFE_LEFT;
	return dry_run ? VFE_DRY_RUN : VFE_SET;
}

/* Decides about one device, either just added or found present at load. */
static void vfe_consider(struct pci_dev *pdev, const char *how)
{
	struct vfe_rule *r = vfe_rule_at(pdev);
	const char *refusal = NULL;
	enum vfe_action act;
	char drv[32] = "";
	int err = 0;

	if (!r) {
		if (debug)
			pr_info("%s %04x:%04x (%s): no rule\n", pci_name(pdev),
				pdev->vendor, pdev->device, how);
		return;
	}
	act = vfe_decide(r, pdev, &refusal, drv, sizeof(drv));
	if (act == VFE_SET) {
		err = vfe_set_override(pdev);
		if (err)
			act = VFE_FAILED;
	}

	mutex_lock(&vfe_lock);
	r->action = act;
	r->seen++;
	r->found_vendor = pdev->vendor;
	r->found_device = pdev->device;
	r->err = err;
	r->refusal = refusal;
	mutex_unlock(&vfe_lock);

	switch (act) {
	case VFE_SKIPPED:
		pr_info("%s (%s): skipped (skip=)\n", pci_name(pdev), how);
		break;
	case VFE_CHANGED:
		pr_warn("%s (%s): expected %04x:%04x, found %04x:%04x: left alone\n",
			pci_name(pdev), how, r->vendor, r->device,
			pdev->vendor, pdev->device);
		break;
	case VFE_REFUSED:
		pr_warn("%s (%s): refused: %s\n", pci_name(pdev), how,
			!strcmp(refusal, "bridge") ? "a bridge" :
			"the boot VGA device (the host's console): add /allow-boot-vga to the rule");
		break;
	case VFE_LEFT:
		pr_info("%s (%s): bound to %s, left alone\n", pci_name(pdev),
			how, drv);
		break;
	case VFE_DRY_RUN:
		pr_info("%s (%s): would set driver_override to %s (dry run)\n",
			pci_name(pdev), how, VFE_DRIVER);
		break;
	case VFE_FAILED:
		pr_err("%s (%s): cannot set driver_override: %d\n",
		       pci_name(pdev), how, err);
		break;
	default:
		pr_info("%s (%s): %s for %s\n", pci_name(pdev), how,
			act == VFE_SET ? "driver_override set" : "already",
			VFE_DRIVER);
		/* A dry run only decides: it never loads or attaches anything. */
		if (!drv[0] && !dry_run)
			schedule_work(&vfe_work);
		break;
	}
}

static int vfe_bus_event(struct notifier_block *nb, unsigned long event,
			 void *data)
{
	if (event == BUS_NOTIFY_ADD_DEVICE)
		vfe_consider(to_pci_dev(data), "added");
	return NOTIFY_DONE;
}

static struct notifier_block vfe_nb = {
	.notifier_call = vfe_bus_event,
};

/*
 * Whether a device still waits for vfio-pci: no driver, and its override still
 * says vfio-pci.  What the rule recorded may be old: since then the device may
 * have been given back to the host (override cleared, unbound), and must then
 * not be probed again.  device_attach() takes the device lock itself; were the
 * override cleared in between, the device would go wherever the admin's own
 * drivers_probe would send it.
 */
static bool vfe_still_waiting(struct pci_dev *pdev)
{
	bool waiting;

	device_lock(&pdev->dev);
	waiting = !pdev->dev.driver && vfe_overridden(pdev);
	device_unlock(&pdev->dev);
	return waiting;
}

/*
 * Makes sure vfio-pci is there, then offers it the devices that wait for it:
 * a module loads and probes them itself, a built-in vfio-pci has already
 * passed them by.  Runs from a work item so the notifier never waits for
 * modprobe.
 */
static void vfe_work_fn(struct work_struct *work)
{
	unsigned int i;
	int ret;

	if (dry_run)
		return;
	if (!vfe_vfio_registered()) {
		ret = request_module(VFE_DRIVER);
		mutex_lock(&vfe_lock);
		vfe_requested = true;
		vfe_request_err = ret;
		mutex_unlock(&vfe_lock);
		if (ret)
			pr_warn("cannot load %s (%d): the devices wait without a driver\n",
				VFE_DRIVER, ret);
		if (!vfe_vfio_registered())
			return;
	}

	for (i = 0; i < vfe_nr_rules; i++) {
		struct vfe_rule *r = &vfe_rules[i];
		struct pci_dev *pdev;
		bool wanted;

		mutex_lock(&vfe_lock);
		wanted = r->action == VFE_SET || r->action == VFE_ALREADY;
		mutex_unlock(&vfe_lock);
		if (!wanted)
			continue;
		pdev = pci_get_domain_bus_and_slot(r->domain, r->bus, r->devfn);
		if (!pdev)
			continue;
		if (vfe_still_waiting(pdev)) {
			ret = device_attach(&pdev->dev);
			if (ret < 0)
				pr_warn("%s: probe failed: %d\n", pci_name(pdev),
					ret);
		}
		pci_dev_put(pdev);
	}
}

static const char *vfe_vfio_state(void)
{
	if (vfe_vfio_registered())
		return "registered";
	if (!vfe_requested)
		return "absent";
	return vfe_request_err ? "missing" : "requested";
}

/*
 * The status view is one page.  A rule line is at most 145 characters:
 * "slot=7fffffff:ff:1f.7 id=ffff:ffff:ffff allow-boot-vga=1 action=refused
 * seen=4294967295 driver=<31 characters> error=-2147483648\n".  Whole lines only;
 * the rules that do not fit are counted in a last line "omitted=N".
 */
#define VFE_STATUS_LINE 160
#define VFE_STATUS_TAIL sizeof("omitted=256\n")

/* One line per rule: the rule, what was done, and the driver it has now. */
static int vfe_status_line(char *buf, size_t size, const struct vfe_rule *r)
{
	struct pci_dev *pdev;
	char drv[32] = "absent";
	char class[8] = "";
	int len;

	pdev = pci_get_domain_bus_and_slot(r->domain, r->bus, r->devfn);
	if (pdev) {
		device_lock(&pdev->dev);
		strscpy(drv, pdev->dev.driver ? pdev->dev.driver->name : "none",
			sizeof(drv));
		device_unlock(&pdev->dev);
		pci_dev_put(pdev);
	}
	if (r->class >= 0)
		snprintf(class, sizeof(class), ":%04x", r->class);
	len = scnprintf(buf, size,
			"slot=%04x:%02x:%02x.%x id=%04x:%04x%s%s action=%s seen=%u driver=%s",
			r->domain, r->bus, PCI_SLOT(r->devfn), PCI_FUNC(r->devfn),
			r->vendor, r->device, class,
			r->allow_boot_vga ? " allow-boot-vga=1" : "",
			vfe_action_names[r->action], r->seen, drv);
	if (r->action == VFE_CHANGED)
		len += scnprintf(buf + len, size - len, " found=%04x:%04x",
				 r->found_vendor, r->found_device);
	if (r->action == VFE_FAILED)
		len += scnprintf(buf + len, size - len, " error=%d", r->err);
	if (r->action == VFE_REFUSED)
		len += scnprintf(buf + len, size - len, " reason=%s", r->refusal);
	len += scnprintf(buf + len, size - len, "\n");
	return len;
}

static int vfe_status_get(char *buf, const struct kernel_param *kp)
{
	struct vfe_rule *snap = NULL;
	char line[VFE_STATUS_LINE];
	unsigned int i, n;
	int len, l, room;

	/* Copy the rules: device locks are never taken under vfe_lock. */
	mutex_lock(&vfe_lock);
	n = vfe_nr_rules;
	if (n)
		snap = kmemdup(vfe_rules, n * sizeof(*snap), GFP_KERNEL);
	len = scnprintf(buf, PAGE_SIZE, "state=%s vfio-pci=%s rules=%u%s\n",
			vfe_state_names[vfe_state], vfe_vfio_state(), n,
			dry_run && vfe_state == VFE_ACTIVE ? " dry-run" : "");
	if (vfe_error[0])
		len += scnprintf(buf + len, PAGE_SIZE - len, "error=%s\n",
				 vfe_error);
	mutex_unlock(&vfe_lock);
	if (n && !snap)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		l = vfe_status_line(line, sizeof(line), &snap[i]);
		/* room for the line, and for "omitted=N" unless it is the last */
		room = PAGE_SIZE - 1 - len -
		       (i + 1 < n ? (int)VFE_STATUS_TAIL : 0);
		if (l > room)
			break;
		memcpy(buf + len, line, l + 1);
		len += l;
	}
	if (i < n)
		len += scnprintf(buf + len, PAGE_SIZE - len, "omitted=%u\n",
				 n - i);
	kfree(snap);
	return len;
}

static int vfe_status_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops vfe_status_ops = {
	.set = vfe_status_set,
	.get = vfe_status_get,
};

module_param_cb(status, &vfe_status_ops, NULL, 0444);
MODULE_PARM_DESC(status,
		 "Read only: \"state=<idle|active|off|rejected> vfio-pci=<registered|requested|missing|absent> rules=N\", an optional \"error=<why>\", then per rule \"slot=<slot> id=<id>[ allow-boot-vga=1] action=<waiting|set|already|left|changed|skipped|dry-run|failed|refused> seen=N driver=<name|none|absent>\", then \" found=<id>\", \" error=<errno>\" or \" reason=<bridge|boot-vga>\" for changed, failed, refused; rules that do not fit in the page are counted in a last line \"omitted=N\"");

static int __init vfe_init(void)
{
	struct pci_dev *pdev = NULL;
	int ret;

	if (off) {
		vfe_state = VFE_OFF;
		pr_info("switched off (vfio_early.off): doing nothing\n");
		return 0;
	}
	if (vfe_parse_params()) {
		vfe_state = VFE_REJECTED;
		pr_err("%s: binding nothing\n", vfe_error);
		return 0;
	}
	if (!vfe_nr_rules) {
		pr_info("no bind= rules: nothing to do\n");
		return 0;
	}

	/* Listen first, then look: a device added in between is seen twice. */
	ret = bus_register_notifier(&pci_bus_type, &vfe_nb);
	if (ret) {
		kfree(vfe_rules);
		return ret;
	}
	vfe_listening = true;
	vfe_state = VFE_ACTIVE;
	pr_info("%u rule(s)%s\n", vfe_nr_rules, dry_run ? ", dry run" : "");
	for_each_pci_dev(pdev)
		vfe_consider(pdev, "present");
	return 0;
}

static void __exit vfe_exit(void)
{
	struct vfe_rule *rules;

	if (vfe_listening)
		bus_unregister_notifier(&pci_bus_type, &vfe_nb);
	cancel_work_sync(&vfe_work);
	/* A status read may still be running: it copies the rules under vfe_lock. */
	mutex_lock(&vfe_lock);
	rules = vfe_rules;
	vfe_rules = NULL;
	vfe_nr_rules = 0;
	mutex_unlock(&vfe_lock);
	kfree(rules);
	if (vfe_state == VFE_ACTIVE && !dry_run)
		pr_info("unloaded: overrides and bindings stay as they are\n");
}

module_init(vfe_init);
module_exit(vfe_exit);

MODULE_DESCRIPTION("Hand configured PCI functions to vfio-pci as they appear");
MODULE_LICENSE("GPL");
#if defined(VFE_HAVE_DEVICE_SET_DRIVER_OVERRIDE)
MODULE_INFO(override_api, "device_set_driver_override");
#elif defined(VFE_HAVE_DRIVER_SET_OVERRIDE)
MODULE_INFO(override_api, "driver_set_override");
#else
MODULE_INFO(override_api, "kstrdup");
#endif
