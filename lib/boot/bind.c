// SPDX-License-Identifier: GPL-2.0-or-later
/* Deciding and binding: slot AND id, safety rules, driver_override before unbind. */
#include "bind.h"

#include <errno.h>
#include <pci/pci.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

#define VFIO_DRIVER "vfio-pci"
/* Probing and unbinding are synchronous in the kernel: the wait only costs time when they fail
 * (then at most this long per device), and covers a deferred probe. */
#define DRIVER_WAIT_US 200000

const char *vfe_action_name(enum vfe_action action)
{
	static const char *const names[] = {
	    [VFE_PENDING] = "pending", [VFE_BOUND] = "bound",	  [VFE_ALREADY] = "already",
	    [VFE_SKIPPED] = "skipped", [VFE_REFUSED] = "refused", [VFE_FAILED] = "failed",
	};
	return names[action];
}

static void decide(struct vfe_target *t, enum vfe_action action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void decide(struct vfe_target *t, enum vfe_action action, const char *fmt, ...)
{
	va_list ap;

	t->action = action;
	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
	/* A device left where it is keeps its driver: the report says which. */
	if ((action == VFE_SKIPPED || action == VFE_REFUSED) && t->found && !t->would_bind)
		snprintf(t->driver_after, sizeof(t->driver_after), "%s", t->info.driver);
	/* One line per device only when asked: vfe_plan_log groups them for the kernel log. */
	DBG("%s: %s: %s", t->rule->slot, vfe_action_name(action), t->reason);
}

void vfe_plan_init(struct vfe_bind_plan *plan, const char *root, bool dry_run,
		   const struct vfe_bind_rule *rules, unsigned int n)
{
	unsigned int i;

	/*
	 * Only the targets in use are cleared: the whole table is 146 KiB, and each of its
	 * pages written is one more page fault for an early-boot process (37 of them).
	 */
	plan->root = root;
	plan->dry_run = dry_run;
	plan->n = n;
	memset(plan->targets, 0, n * sizeof(plan->targets[0]));
	for (i = 0; i < n; i++) {
		plan->targets[i].rule = &rules[i];
		plan->targets[i].info.group = -1;
	}
}

void vfe_plan_skip(struct vfe_bind_plan *plan, const char *slot, const char *reason)
{
	unsigned int i;

	for (i = 0; i < plan->n; i++) {
		struct vfe_target *t = &plan->targets[i];

		if (t->action == VFE_PENDING && (!slot || !strcmp(slot, t->rule->slot)))
			decide(t, VFE_SKIPPED, "%s", reason);
	}
}

static void explain_missing(struct vfe_target *t, struct vfe_pci *pci)
{
	char found[8][VFE_SLOT_LEN];
	char where[8 * (VFE_SLOT_LEN + 2)] = "";
	int i, n = vfe_pci_find_id(pci, t->rule, found, 8);

	for (i = 0; i < n; i++) {
		strcat(where, i ? ", " : "");
		strcat(where, found[i]);
	}
	if (n > 0)
		decide(t, VFE_SKIPPED,
		       "missing: no device at the slot; %s is at %s (moved? run "
		       "vfio-earlyctl regenerate)",
		       t->rule->id, where);
	else
		decide(t, VFE_SKIPPED, "missing: no device at the slot");
}

void vfe_plan_resolve(struct vfe_bind_plan *plan, struct vfe_pci *pci)
{
	unsigned int i;

	for (i = 0; i < plan->n; i++) {
		struct vfe_target *t = &plan->targets[i];
		int r;

		if (t->action != VFE_PENDING)
			continue;
		r = vfe_pci_lookup(pci, t->rule->slot, &t->info);
		if (r == -ENODEV) {
			explain_missing(t, pci);
			continue;
		}
		if (r < 0) {
			decide(t, VFE_FAILED, "cannot read the device: %s", strerror(-r));
			continue;
		}
		t->found = true;
		snprintf(t->driver_before, sizeof(t->driver_before), "%s", t->info.driver);
		if (!vfe_pci_rule_matches(t->rule, &t->info))
			/* Another card in the slot is never "close enough". */
			decide(t, VFE_SKIPPED, "changed: expected %s, found %04x:%04x (class %04x)",
			       t->rule->id, t->info.vendor, t->info.device, t->info.device_class);
	}
}

static struct vfe_target *target_at(struct vfe_bind_plan *plan, const char *slot)
{
	unsigned int i;

	for (i = 0; i < plan->n; i++)
		if (plan->targets[i].found && !strcmp(plan->targets[i].info.slot, slot))
			return &plan->targets[i];
	return NULL;
}

/* The rules came from vfio_early.bind= (they have no config line). */
static bool from_cmdline(const struct vfe_bind_plan *plan)
{
	return plan->n && !plan->targets[0].rule->line;
}

/* Append one description of a member that keeps GROUP from being viable. */
static void add_blocker(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_blocker(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 3 >= size)
		return;
	if (used) {
		strcpy(buf + used, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/*
 * Every member of the group must go to the VM with the targets: bridges aside, a member
 * that is not a pending target (another device, one refused or skipped, one that cannot be
 * read, one that is not a PCI function at all) refuses the group. Only a member that is
 * gone since the group was listed is left out.
 */
static void check_group(struct vfe_bind_plan *plan, struct vfe_pci *pci, int group)
{
	char blockers[1024] = "";
	char **members = NULL;
	unsigned int i;
	int n, k, r;

	n = vfe_iommu_group_members(plan->root, group, &members);
	if (n < 0) {
		add_blocker(blockers, sizeof(blockers), "cannot list it: %s", strerror(-n));
		goto refuse;
	}
	for (k = 0; k < n; k++) {
		const char *name = members[k];
		struct vfe_target *t = target_at(plan, name);
		struct vfe_pci_info info;

		if (t && t->action == VFE_PENDING)
			continue;
		if (t) {
			add_blocker(blockers, sizeof(blockers), "%s is %s", name,
				    vfe_action_name(t->action));
			continue;
		}
		switch (vfe_iommu_member_kind(plan->root, group, name)) {
		case VFE_MEMBER_GONE:
			continue;
		case VFE_MEMBER_OTHER:
			add_blocker(blockers, sizeof(blockers), "%s is not a PCI function", name);
			continue;
		case VFE_MEMBER_PCI:
			break;
		}
		r = vfe_pci_lookup(pci, name, &info);
		if (r == -ENODEV)
			continue; /* gone since the group was listed */
		if (r < 0) {
			add_blocker(blockers, sizeof(blockers), "%s cannot be read (%s)", name,
				    strerror(-r));
			continue;
		}
		pci_free_dev(info.dev);
		if (vfe_pci_is_bridge(&info))
			continue;
		add_blocker(blockers, sizeof(blockers), "%s [%04x:%04x]%s%s is not in the %s", name,
			    info.vendor, info.device, info.driver[0] ? " on " : "", info.driver,
			    from_cmdline(plan) ? "vfio_early.bind= list" : "config");
	}
	vfe_names_free(members, n);
	if (!blockers[0])
		return;
refuse:
	for (i = 0; i < plan->n; i++) {
		struct vfe_target *t = &plan->targets[i];

		if (t->action == VFE_PENDING && t->info.group == group)
			decide(
			    t, VFE_REFUSED,
			    "IOMMU group %d is not viable (its members go to the VM together): %s",
			    group, blockers);
	}
}

void vfe_plan_check_safety(struct vfe_bind_plan *plan, struct vfe_pci *pci)
{
	unsigned int i, j;

	/* A target in a group proves groups exist; only otherwise list the groups directory. */
	for (i = 0; i < plan->n; i++)
		if (plan->targets[i].found && plan->targets[i].info.group >= 0)
			break;
	if (i == plan->n && !vfe_iommu_enabled(plan->root)) {
		for (i = 0; i < plan->n; i++)
			if (plan->targets[i].action == VFE_PENDING)
				decide(&plan->targets[i], VFE_REFUSED,
				       "no IOMMU groups: enable the IOMMU (VT-d/AMD-Vi in the "
				       "firmware; "
				       "intel_iommu=on on Intel)");
		return;
	}
	for (i = 0; i < plan->n; i++) {
		struct vfe_target *t = &plan->targets[i];

		if (t->action != VFE_PENDING)
			continue;
		if (vfe_pci_is_bridge(&t->info))
			decide(t, VFE_REFUSED, "a PCI bridge is never passed through");
		else if (t->info.boot_vga == 1 && !t->rule->allow_boot_vga && t->rule->line)
			decide(t, VFE_REFUSED,
			       "boot VGA (the host's console); add allow-boot-vga to "
			       "line %u to pass it anyway",
			       t->rule->line);
		else if (t->info.boot_vga == 1 && !t->rule->allow_boot_vga)
			decide(t, VFE_REFUSED,
			       "boot VGA (the host's console); end its vfio_early.bind= entry "
			       "with /allow-boot-vga to pass it anyway");
		else if (t->info.group < 0)
			decide(t, VFE_REFUSED, "no IOMMU group");
	}
	/* Bridge/VGA refusals first: a refused member makes its whole group unviable. */
	for (i = 0; i < plan->n; i++) {
		struct vfe_target *t = &plan->targets[i];
		bool seen = false;

		if (!t->found || t->info.group < 0)
			continue;
		for (j = 0; j < i; j++)
			seen |=
			    plan->targets[j].found && plan->targets[j].info.group == t->info.group;
		if (!seen)
			check_group(plan, pci, t->info.group);
	}
}

static int device_attr(const struct vfe_bind_plan *plan, const struct vfe_target *t,
		       const char *attr, char *path, size_t size)
{
	return vfe_pathf(path, size, plan->root, "/sys/bus/pci/devices/%s/%s", t->info.slot, attr);
}

/* Read the driver link back until it says WANT ("" for none, NULL for any) or the wait is over. */
static bool wait_for_driver(struct vfe_pci *pci, struct vfe_target *t, const char *want)
{
	unsigned long long end = vfe_now_us() + DRIVER_WAIT_US;
	struct timespec pause = {0, 1000000};

	for (;;) {
		if (vfe_pci_refresh_driver(pci, &t->info) == 0 &&
		    (want ? !strcmp(t->info.driver, want) : t->info.driver[0] != '\0'))
			return true;
		if (vfe_now_us() >= end)
			return false;
		nanosleep(&pause, NULL);
	}
}

static int set_override(struct vfe_bind_plan *plan, struct vfe_target *t)
{
	char path[VFE_PATH_MAX], cur[64];
	int r;

	r = device_attr(plan, t, "driver_override", path, sizeof(path));
	if (r < 0)
		return r;
	if (vfe_read_file(path, cur, sizeof(cur)) >= 0 && !strcmp(cur, VFIO_DRIVER)) {
		t->override_before = true;
		return 0;
	}
	if (plan->dry_run) {
		DBG("%s: would write %s to driver_override", t->info.slot, VFIO_DRIVER);
		return 0;
	}
	r = vfe_sysfs_write(path, VFIO_DRIVER);
	if (r == 0)
		t->override_set = true;
	return r;
}

static int unbind_host_driver(struct vfe_bind_plan *plan, struct vfe_pci *pci, struct vfe_target *t)
{
	char path[VFE_PATH_MAX];
	int r;

	if (!t->info.driver[0])
		return 0;
	if (plan->dry_run) {
		DBG("%s: would unbind %s", t->info.slot, t->info.driver);
		return 0;
	}
	r = device_attr(plan, t, "driver/unbind", path, sizeof(path));
	if (r == 0)
		r = vfe_sysfs_write(path, t->info.slot);
	if (r < 0)
		return r;
	t->unbound = true;
	return wait_for_driver(pci, t, "") ? 0 : -EBUSY;
}

static int probe(struct vfe_bind_plan *plan, const char *slot)
{
	char path[VFE_PATH_MAX];
	int r = vfe_path(path, sizeof(path), plan->root, "/sys/bus/pci/drivers_probe");

	return r < 0 ? r : vfe_sysfs_write(path, slot);
}

static bool vfio_registered(const struct vfe_bind_plan *plan)
{
	char path[VFE_PATH_MAX];

	return vfe_path(path, sizeof(path), plan->root, "/sys/bus/pci/drivers/" VFIO_DRIVER) == 0 &&
	       vfe_exists(path);
}

/*
 * Step 7's promise for a target that will not end on vfio-pci: the override this run
 * wrote is cleared, and a device this run took from its driver is offered back to it.
 * Says what became of it in WHAT.
 */
static void give_back(struct vfe_bind_plan *plan, struct vfe_pci *pci, struct vfe_target *t,
		      char *what, size_t size)
{
	char path[VFE_PATH_MAX];
	const char *override = "";
	int r = 0;

	if (t->override_set) {
		r = device_attr(plan, t, "driver_override", path, sizeof(path));
		if (r == 0)
			r = vfe_sysfs_write(path, "\n");
		if (r == 0)
			t->override_set = false;
		override = r == 0 ? "override cleared" : "override could not be cleared";
	} else if (t->override_before) {
		/* Not this run's: an admin's or an earlier run's choice stays theirs. */
		override = "driver_override was vfio-pci before this run, left as it was";
	}
	if (t->unbound && vfe_pci_refresh_driver(pci, &t->info) == 0 && !t->info.driver[0] &&
	    probe(plan, t->info.slot) == 0)
		wait_for_driver(pci, t, NULL);
	vfe_pci_refresh_driver(pci, &t->info);
	snprintf(t->driver_after, sizeof(t->driver_after), "%s", t->info.driver);
	snprintf(what, size, "%s%s%s%s", override, override[0] ? ", " : "",
		 t->info.driver[0] ? "on " : "left without a driver",
		 t->info.driver[0] ? t->info.driver : "");
	if (r < 0)
		ERR("%s: cannot clear driver_override: %s", t->info.slot, strerror(-r));
}

/* vfio-pci cannot be had: give every device this run touched back to the host. */
static void undo_overrides(struct vfe_bind_plan *plan, struct vfe_pci *pci, const char *why)
{
	char what[160];
	unsigned int i;

	for (i = 0; i < plan->n; i++) {
		struct vfe_target *t = &plan->targets[i];

		if (t->action != VFE_PENDING)
			continue;
		give_back(plan, pci, t, what, sizeof(what));
		decide(t, VFE_FAILED, "vfio-pci unavailable: %s; %s", why, what);
	}
}

void vfe_plan_bind(struct vfe_bind_plan *plan, struct vfe_pci *pci, vfe_module_loader load)
{
	unsigned int i, pending = 0;
	char err[256] = "";
	int r;

	/* Step 6: the override first, then the unbind, so nothing can grab it in between. */
	for (i = 0; i < plan->n; i++) {
		struct vfe_target *t = &plan->targets[i];

		if (t->action != VFE_PENDING)
			continue;
		if (!strcmp(t->info.driver, VFIO_DRIVER)) {
			snprintf(t->driver_after, sizeof(t->driver_after), "%s", VFIO_DRIVER);
			decide(t, VFE_ALREADY, "already on vfio-pci");
			continue;
		}
		r = set_override(plan, t);
		if (r < 0) {
			decide(t, VFE_FAILED, "cannot write driver_override: %s", strerror(-r));
			continue;
		}
		r = unbind_host_driver(plan, pci, t);
		if (r < 0) {
			char what[160];

			give_back(plan, pci, t, what, sizeof(what));
			decide(t, VFE_FAILED, "cannot unbind %s: %s; %s", t->driver_before,
			       r == -EBUSY ? "the driver link stayed" : strerror(-r), what);
			continue;
		}
		pending++;
	}
	if (!pending)
		return;

	/* Step 7: vfio-pci registered, loading it (and its IOMMU backend) when it is not. */
	if (!vfio_registered(plan)) {
		if (plan->dry_run) {
			INF("vfio-pci is not registered; would load vfio-pci and vfio_iommu_type1");
		} else {
			r = load(plan->root, err, sizeof(err));
			if (r == 0 && !vfio_registered(plan))
				snprintf(err, sizeof(err), "loaded, but no %s driver is registered",
					 VFIO_DRIVER);
			if (r < 0 || !vfio_registered(plan)) {
				undo_overrides(plan, pci, err);
				return;
			}
		}
	}

	/* Step 8: probe and read back; the kernel reports success even when nothing bound. */
	for (i = 0; i < plan->n; i++) {
		struct vfe_target *t = &plan->targets[i];

		if (t->action != VFE_PENDING)
			continue;
		if (plan->dry_run) {
			t->would_bind = true;
			decide(t, VFE_SKIPPED, "dry run: would bind to vfio-pci%s%s%s",
			       t->driver_before[0] ? " (from " : "", t->driver_before,
			       t->driver_before[0] ? ")" : "");
			snprintf(t->driver_after, sizeof(t->driver_after), "%s", t->driver_before);
			continue;
		}
		r = probe(plan, t->info.slot);
		if (r < 0)
			WRN("%s: drivers_probe: %s", t->info.slot, strerror(-r));
		if (wait_for_driver(pci, t, VFIO_DRIVER)) {
			snprintf(t->driver_after, sizeof(t->driver_after), "%s", VFIO_DRIVER);
			decide(t, VFE_BOUND, "bound to vfio-pci%s%s%s",
			       t->driver_before[0] ? " (was " : "", t->driver_before,
			       t->driver_before[0] ? ")" : "");
		} else {
			char what[160];

			give_back(plan, pci, t, what, sizeof(what));
			decide(t, VFE_FAILED, "vfio-pci did not bind it; %s", what);
		}
	}
}

/*
 * The kernel keeps only a short burst of lines from one program (printk.devkmsg): the
 * devices that did not end where they were asked to go are logged in one line per action
 * and reason, failures first, each line naming the slots (cut when very long; the report
 * has every one).
 */
void vfe_plan_log(const struct vfe_bind_plan *plan)
{
	static const enum vfe_action order[] = {VFE_FAILED, VFE_REFUSED, VFE_SKIPPED};
	bool done[VFE_MAX_BINDS] = {false};
	unsigned int a, i, j;

	for (a = 0; a < VFE_ARRAY_SIZE(order); a++) {
		for (i = 0; i < plan->n; i++) {
			const struct vfe_target *t = &plan->targets[i];
			char line[900];
			unsigned int n = 0, shown = 0;
			size_t used;

			if (done[i] || t->action != order[a] || vfe_target_ok(t))
				continue;
			used = (size_t)snprintf(line, sizeof(line),
						"%s: ", vfe_action_name(t->action));
			for (j = i; j < plan->n; j++) {
				const struct vfe_target *u = &plan->targets[j];
				int k;

				if (done[j] || u->action != t->action || vfe_target_ok(u) ||
				    strcmp(u->reason, t->reason))
					continue;
				done[j] = true;
				n++;
				k = snprintf(line + used, sizeof(line) - used, "%s%s",
					     shown ? ", " : "", u->rule->slot);
				/* room for the reason after the slots */
				if (k > 0 && used + (size_t)k + 200 < sizeof(line)) {
					used += (size_t)k;
					shown++;
				} else {
					line[used] = '\0';
				}
			}
			if (shown < n)
				used += (size_t)snprintf(line + used, sizeof(line) - used,
							 " and %u more", n - shown);
			snprintf(line + used, sizeof(line) - used, ": %s", t->reason);
			if (t->action == VFE_FAILED)
				ERR("%s", line);
			else
				WRN("%s", line);
		}
	}
}

void vfe_plan_free(struct vfe_bind_plan *plan)
{
	unsigned int i;

	for (i = 0; i < plan->n; i++)
		if (plan->targets[i].info.dev)
			pci_free_dev(plan->targets[i].info.dev);
}

bool vfe_target_ok(const struct vfe_target *t)
{
	return t->action == VFE_BOUND || t->action == VFE_ALREADY || t->would_bind;
}

unsigned int vfe_plan_count(const struct vfe_bind_plan *plan, enum vfe_action action)
{
	unsigned int i, n = 0;

	for (i = 0; i < plan->n; i++)
		n += plan->targets[i].action == action;
	return n;
}
