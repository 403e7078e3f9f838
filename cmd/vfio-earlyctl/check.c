// SPDX-License-Identifier: GPL-2.0-or-later
/* check: preflight and drift, one line per finding with what to do. Exit 0 clean, 1 findings. */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../kernel-cmdline/grub.h"
#include "../../kernel-cmdline/kernelcmdline.h"
#include "../../lib/boot/config.h"
#include "../../kernel-cmdline/cmdline.h"
#include "../../lib/follow.h"
#include "../../lib/handmade.h"
#include "../../lib/boot/cpulist.h"
#include "../../lib/cpuplan.h"
#include "../../lib/inventory.h"
#include "../../lib/boot/log.h"
#include "../../lib/run.h"
#include "../../lib/boot/report.h"
#include "../../lib/boot/util.h"
#include "../../modules-load/modload.h"
#include "../../modules-load/softdep.h"
#include "apply.h"
#include "ctl.h"

struct findings {
	json_object *list;
	unsigned int bad;
	bool json;
};

static void finding(struct findings *f, bool ok, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void finding(struct findings *f, bool ok, const char *check, const char *fmt, ...)
{
	char msg[1024];
	json_object *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->bad += !ok;
	if (!f->json) {
		printf("%-5s %-10s %s\n", ok ? "ok" : "FIX", check, msg);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "check", json_object_new_string(check));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_array_add(f->list, o);
}

/* Virtualization on; whether the CPU is AMD's (for the hand-made checks), false when unknown. */
static bool check_cpu(struct findings *f, const char *root)
{
	char text[16384];

	if (vfe_cpuinfo_first(root, text, sizeof(text)) <= 0) {
		finding(f, true, "cpu", "cannot read %s/proc/cpuinfo; virtualization not checked",
			strcmp(root, "/") ? root : "");
		return false;
	}
	if (strstr(text, " vmx") || strstr(text, " svm"))
		finding(f, true, "cpu", "hardware virtualization (%s) is on",
			strstr(text, " vmx") ? "VT-x" : "AMD-V");
	else
		finding(f, false, "cpu",
			"no vmx/svm flag: enable VT-x/AMD-V (SVM) in the firmware");
	return strstr(text, "AuthenticAMD") != NULL;
}

/* Does a mounted filesystem or active swap live on a block device below the device's path? */
static void check_storage(struct findings *f, const char *root, const struct vfe_dev *d)
{
	char path[VFE_PATH_MAX], devpath[VFE_PATH_MAX], real[VFE_PATH_MAX], *mounts = NULL;
	char *swaps = NULL, used[256] = "";
	struct dirent *e;
	size_t len;
	DIR *dir;

	vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s", d->slot);
	if (!realpath(path, devpath))
		return;
	vfe_path(path, sizeof(path), root, "/proc/mounts");
	vfe_slurp(path, 8 << 20, &mounts, &len);
	vfe_path(path, sizeof(path), root, "/proc/swaps");
	vfe_slurp(path, 1 << 20, &swaps, &len);
	vfe_path(path, sizeof(path), root, "/sys/block");
	dir = opendir(path);
	while (dir && (e = readdir(dir))) {
		char name[VFE_PATH_MAX + 8];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", e->d_name);
		if (realpath(path, real) && !strncmp(real, devpath, strlen(devpath)) &&
		    real[strlen(devpath)] == '/') {
			/* "/dev/nvme0n1" matches its partitions too (nvme0n1p2) in both tables */
			snprintf(name, sizeof(name), "/dev/%.200s", e->d_name);
			if ((mounts && strstr(mounts, name)) || (swaps && strstr(swaps, name)))
				snprintf(used + strlen(used), sizeof(used) - strlen(used),
					 "%s%.60s", used[0] ? ", " : "", name);
		}
		*strrchr(path, '/') = '\0';
	}
	if (dir)
		closedir(dir);
	if (used[0])
		finding(f, false, "storage",
			"%s holds %s, mounted or used as swap: the host would lose it; remove it "
			"with 'vfio-earlyctl remove %s'",
			d->slot, used, d->slot);
	free(mounts);
	free(swaps);
}

static bool line_fits(const struct vfe_inventory *inv, const struct vfe_bind_rule *b)
{
	const struct vfe_dev *d = vfe_inventory_find(inv, b->slot);

	return d && d->vendor == (unsigned int)b->vendor && d->device == (unsigned int)b->device;
}

/* What regenerate would do with the card of B's line, said once per card. */
static void follow_hint(struct findings *f, const struct vfe_config *conf,
			const struct vfe_inventory *inv, const struct vfe_seen *seen,
			const struct vfe_bind_rule *b)
{
	char found[VFE_FOLLOW_MAX][VFE_SLOT_LEN], where[VFE_FOLLOW_MAX * (VFE_SLOT_LEN + 2)] = "";
	unsigned int i, stayed;
	int hits;

	/* said at the card's first line that is not in place */
	for (i = 0; &conf->binds[i] != b; i++)
		if (vfe_same_card(conf->binds[i].slot, b->slot) && !line_fits(inv, &conf->binds[i]))
			return;
	hits = vfe_follow_card(inv, conf, seen, b->slot, found, &stayed);
	for (i = 0; hits > 0 && i < (unsigned int)hits && i < VFE_FOLLOW_MAX; i++)
		snprintf(where + strlen(where), sizeof(where) - strlen(where), "%s%s",
			 i ? ", " : "", found[i]);
	if (hits == 1)
		finding(f, false, "device",
			"line %u: the card moved to %s: 'vfio-earlyctl regenerate' follows it",
			b->line, where);
	else if (hits > 1)
		finding(
		    f, false, "device",
		    "line %u: the card's ids are at %s; which one is the card cannot be told%s: "
		    "set the slot with 'vfio-earlyctl remove' and 'add'",
		    b->line, where,
		    seen->known ? "" : " (no record of the last apply in " VFE_SLOTS_PATH ")");
}

static void check_binds(struct findings *f, const char *root, const struct vfe_config *conf,
			const struct vfe_inventory *inv, const struct vfe_seen *seen)
{
	unsigned int i, k;

	for (i = 0; i < conf->n_binds; i++) {
		const struct vfe_bind_rule *b = &conf->binds[i];
		const struct vfe_dev *d = vfe_inventory_find(inv, b->slot);
		char where[128] = "", label[160];

		if (!line_fits(inv, b)) {
			for (k = 0; k < inv->n; k++)
				if (inv->devs[k].vendor == (unsigned int)b->vendor &&
				    inv->devs[k].device == (unsigned int)b->device)
					snprintf(where + strlen(where),
						 sizeof(where) - strlen(where), "%s%s",
						 where[0] ? ", " : "", inv->devs[k].slot);
			if (!d)
				finding(f, false, "device", "line %u: nothing at %s%s%s%s%s",
					b->line, b->slot, where[0] ? "; " : "",
					where[0] ? b->id : "", where[0] ? " is at " : "", where);
			else
				finding(f, false, "device",
					"line %u: %s holds %04x:%04x, not %s%s%s", b->line, b->slot,
					d->vendor, d->device, b->id,
					where[0] ? "; that card is at " : "", where);
			follow_hint(f, conf, inv, seen, b);
			continue;
		}
		finding(f, true, "device", "line %u: %s is %s (%s)", b->line, b->slot, b->id,
			vfe_inventory_label(inv, d, label, sizeof(label)));
		if (d->boot_vga == 1 && !b->allow_boot_vga)
			finding(f, false, "boot-vga",
				"%s is the boot VGA: the helper refuses it unless line %u says "
				"allow-boot-vga (and the host needs another console)",
				b->slot, b->line);
		if (vfe_dev_is_bridge(d))
			finding(f, false, "bridge", "line %u: %s is a PCI bridge; remove it",
				b->line, b->slot);
		for (k = 0; k < inv->n; k++) {
			const struct vfe_dev *m = &inv->devs[k];
			unsigned int j;
			bool cfg = false;

			if (m->group != d->group || d->group < 0 || m == d || vfe_dev_is_bridge(m))
				continue;
			for (j = 0; j < conf->n_binds; j++)
				cfg |= !strcmp(conf->binds[j].slot, m->slot);
			if (!cfg)
				finding(
				    f, false, "group",
				    "%s: IOMMU group %d also holds %s [%04x:%04x] (%s), which is "
				    "not configured: add it or the helper refuses the group",
				    b->slot, d->group, m->slot, m->vendor, m->device,
				    m->driver[0] ? m->driver : "no driver");
		}
		check_storage(f, root, d);
	}
}

/* The finding just made breaks RULE of the CPU plan: its name and the suggestion, in --json. */
static void finding_rule(struct findings *f, const char *rule, const char *suggested)
{
	json_object *o;
	size_t n = json_object_array_length(f->list);

	if (!f->json || !n)
		return;
	o = json_object_array_get_idx(f->list, n - 1);
	json_object_object_add(o, "rule", json_object_new_string(rule));
	json_object_object_add(o, "suggested_vm_cpus",
			       suggested ? json_object_new_string(suggested) : NULL);
}

/* vm-cpus judged by the rules of 'vfio-earlyctl cpus': each broken rule is a finding. */
static void check_cpu_plan(struct findings *f, const char *root, const struct vfe_config *conf)
{
	static struct vfe_rule_note notes[VFE_PLAN_NOTES];
	static struct vfe_cpuplan plan;
	static char suggested[2048];
	struct vfe_machine m;
	unsigned int i, n;

	if (vfe_machine_read(root, conf, &m) < 0) {
		finding(f, true, "vm-cpus", "cannot read the CPU topology; the plan is not judged");
		return;
	}
	vfe_cpuplan_suggest(&m, NULL, &plan);
	vfe_cpulist_format(&plan.vm, suggested, sizeof(suggested));
	n = vfe_cpuplan_judge(&m, &conf->vm_cpus, notes, VFE_PLAN_NOTES);
	for (i = 0; i < n; i++) {
		finding(f, false, "vm-cpus", "%s: %s%s%s%s%s", notes[i].rule, notes[i].text,
			plan.ok ? "; suggested: vm-cpus " : "", plan.ok ? suggested : "",
			plan.hugepages[0] ? ", " : "", plan.hugepages);
		finding_rule(f, notes[i].rule, plan.ok ? suggested : NULL);
	}
	if (!n)
		finding(f, true, "vm-cpus",
			"vm-cpus follows the CPU plan's rules (whole cores, the host's CPU 0, CPU "
			"kinds, L3 domains, NUMA nodes; 'vfio-earlyctl cpus' explains them)");
	vfe_machine_free(&m);
}

static void check_resources(struct findings *f, const char *root, const struct vfe_config *conf)
{
	char path[VFE_PATH_MAX], *text = NULL, *p;
	unsigned long long want_kb = 0, total_kb = 0;
	struct vfe_cpuset possible;
	char why[200];
	size_t len;
	unsigned int i;

	for (i = 0; i < conf->n_hugepages; i++)
		want_kb +=
		    (unsigned long long)conf->hugepages[i].size_kb * conf->hugepages[i].count;
	vfe_path(path, sizeof(path), root, "/proc/meminfo");
	if (want_kb && vfe_slurp(path, 1 << 20, &text, &len) == 0 &&
	    (p = strstr(text, "MemTotal:"))) {
		total_kb = strtoull(p + 9, NULL, 10);
		/* The host keeps at least a quarter of its memory. */
		if (want_kb > total_kb * 3 / 4)
			finding(
			    f, false, "hugepages",
			    "%llu MiB of hugepages asked, %llu MiB in the machine: leave the host "
			    "at least a quarter",
			    want_kb / 1024, total_kb / 1024);
		else
			finding(f, true, "hugepages", "%llu of %llu MiB for hugepages",
				want_kb / 1024, total_kb / 1024);
	}
	free(text);
	if (!conf->has_vm_cpus)
		return;
	if (vfe_present_cpus(root, &possible) < 0) {
		finding(f, true, "vm-cpus", "cannot read the CPU list; vm-cpus not checked");
		return;
	}
	/* The boot helper's own rules, so check refuses exactly what the helper would. */
	if (vfe_vm_cpus_refusal(&conf->vm_cpus, &possible, why, sizeof(why)))
		finding(f, false, "vm-cpus", "%s", why);
	else
		finding(f, true, "vm-cpus", "vm-cpus fits this machine");
	check_cpu_plan(f, root, conf);
}

/* The initramfs must be newer than the config it carries a copy of. */
/* Does LIST (one path per line, or ls -l lines ending in the path) hold PATH or usr/PATH? */
static bool listed(const char *list, const char *path)
{
	const char *p;
	size_t n = strlen(path);

	for (p = list; (p = strstr(p, path)); p += n) {
		const char *start = p;

		if (p[n] != '\n' && p[n] != '\0')
			continue;
		if (start >= list + 4 && !strncmp(start - 4, "usr/", 4))
			start -= 4;
		if (start == list || start[-1] == '\n' || start[-1] == ' ' || start[-1] == '/')
			return true;
	}
	return false;
}

/*
 * What the image holds: our helper and config (lsinitramfs, or dracut's lsinitrd), and with
 * lsinitrd the config's text itself against CONFIG's.
 */
static void check_image_contents(struct findings *f, const char *image, const char *config)
{
	char prog[VFE_PATH_MAX], real[PATH_MAX], *list = NULL, *inside = NULL, *ours = NULL;
	bool helper, conf;
	size_t len;
	int r;

	/* unmkinitramfs reads a symlink as an empty archive: give it the file itself */
	if (!realpath(image, real))
		snprintf(real, sizeof(real), "%s", image);
	/* Fedora and RHEL keep their images 0600: a user's check cannot look into them */
	if (access(real, R_OK) < 0) {
		finding(f, true, "initramfs", "%s is not readable by this user: not looked into",
			image);
		return;
	}

	if (vfe_find_program("lsinitramfs", prog, sizeof(prog))) {
		char *argv[] = {prog, real, NULL};

		r = vfe_run_capture(argv, &list, 16 << 20);
	} else if (vfe_find_program("lsinitrd", prog, sizeof(prog))) {
		char *argv[] = {prog, real, NULL};

		r = vfe_run_capture(argv, &list, 16 << 20);
	} else {
		finding(f, true, "initramfs",
			"neither lsinitramfs nor lsinitrd: %s not looked into", image);
		return;
	}
	/* lsinitramfs exits 2 after listing an image with trailing bytes it cannot take for an
	 * archive; what it listed still stands */
	if (r < 0 || !list || !list[0]) {
		finding(f, false, "initramfs", "%s cannot be listed (%s exited %d)", image, prog,
			r);
		free(list);
		return;
	}
	helper = listed(list, "sbin/vfio-early");
	conf = listed(list, "etc/vfio-early.conf");
	free(list);
	if (!helper || !conf) {
		finding(f, false, "initramfs",
			"%s holds no %s%s%s: the helper will not run from it; run 'vfio-earlyctl "
			"apply' (after 'make install')",
			image, helper ? "" : "/usr/sbin/vfio-early",
			helper || conf ? "" : " and no ", conf ? "" : "/etc/vfio-early.conf");
		return;
	}
	if (!vfe_find_program("lsinitrd", prog, sizeof(prog))) {
		finding(f, true, "initramfs", "%s holds the helper and a config", image);
		return;
	}
	{
		char *argv[] = {prog, "-f", "etc/vfio-early.conf", real, NULL};

		r = vfe_run_capture(argv, &inside, 1 << 20);
	}
	if (r == 0 && inside && vfe_slurp(config, 1 << 20, &ours, &len) == 0 &&
	    strcmp(inside, ours))
		finding(f, false, "initramfs",
			"the config inside %s is not %s: run 'vfio-earlyctl apply' to rebuild it",
			image, config);
	else
		finding(f, true, "initramfs", "%s holds the helper and %s", image,
			r == 0 && ours ? "this config" : "a config");
	free(inside);
	free(ours);
}

static void check_initramfs(struct findings *f, const char *root, const char *config)
{
	char path[VFE_PATH_MAX], newest[VFE_PATH_MAX] = "";
	struct stat cst, ist;
	time_t newest_time = 0;
	struct dirent *e;
	DIR *dir;

	if (stat(config, &cst) < 0)
		return;
	vfe_path(path, sizeof(path), root, "/boot");
	dir = opendir(path);
	while (dir && (e = readdir(dir))) {
		if (strncmp(e->d_name, "initrd.img-", 11) && strncmp(e->d_name, "initramfs-", 10))
			continue;
		vfe_pathf(path, sizeof(path), root, "/boot/%s", e->d_name);
		if (stat(path, &ist) == 0 && ist.st_mtime >= newest_time) {
			newest_time = ist.st_mtime;
			snprintf(newest, sizeof(newest), "%s", path);
		}
	}
	if (dir)
		closedir(dir);
	if (!newest[0])
		finding(f, true, "initramfs", "no initramfs under /boot; not checked");
	else if (newest_time < cst.st_mtime)
		finding(f, false, "initramfs",
			"%s is older than %s: run 'vfio-earlyctl apply' to rebuild it", newest,
			config);
	else
		finding(f, true, "initramfs", "%s is newer than the config", newest);
	if (newest[0])
		check_image_contents(f, newest, config);
}

/* TOK as a word of TEXT (blanks, quotes or '=' around it): for messages only. */
static bool has_word(const char *text, const char *tok)
{
	size_t n = strlen(tok);
	const char *p;

	for (p = strstr(text, tok); p; p = strstr(p + 1, tok))
		if ((p == text || strchr(" \t\"'=", p[-1])) && strchr(" \t\"'\r\n", p[n]))
			return true;
	return false;
}

/* The wanted tokens TEXT lacks, as " a b", into BUF. */
static void missing_tokens(const char *text, const struct vfe_ktokens *t, char *buf, size_t size)
{
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < t->n; i++)
		if (!has_word(text, t->tok[i]))
			snprintf(buf + strlen(buf), size - strlen(buf), " %s", t->tok[i]);
}

/* The GRUB files as apply would leave them: our tokens where the value is set, nowhere else. */
static void check_grub(struct findings *f, const char *root, const struct vfe_ktokens *t)
{
	struct vfe_grub_sources gs;
	const struct vfe_grub_source *eff;
	char err[VFE_PATH_MAX + 320], missing[512], where[2 * VFE_PATH_MAX + 128] = "";
	unsigned int i;

	if (vfe_grub_sources_edit(root, t, &gs, err, sizeof(err)) < 0) {
		finding(f, false, "cmdline", "%s: apply cannot edit it", err);
		goto out;
	}
	eff = &gs.src[gs.effective];
	missing_tokens(eff->e.old, t, missing, sizeof(missing));
	if (gs.effective)
		snprintf(where, sizeof(where), "%s line %u sets %s again and overrides %s; ",
			 eff->path, eff->set_line, VFE_GRUB_VAR, gs.src[0].path);
	if (vfe_text_edit_changed(&eff->e))
		finding(f, false, "cmdline",
			"%sthe kernel command line is out of date (%s%s): run 'vfio-earlyctl "
			"apply'%s",
			where,
			missing[0] ? "missing:" : "tokens of ours the config no longer asks for",
			missing, gs.effective ? ", which edits that file" : "");
	else
		finding(f, true, "cmdline", "%s%s carries our tokens", where, eff->path);
	for (i = 0; i < gs.n; i++) {
		if (i == gs.effective || !vfe_text_edit_changed(&gs.src[i].e))
			continue;
		finding(
		    f, false, "cmdline",
		    "%s: tokens of ours outside the assignment that counts (%s): 'vfio-earlyctl "
		    "apply' removes them",
		    gs.src[i].path, i < gs.effective ? "overridden" : "appended after ours");
	}
out:
	vfe_grub_sources_free(&gs);
}

static void check_cmdline(struct findings *f, struct ctl_globals *g, const struct vfe_config *conf,
			  const struct vfe_inventory *inv)
{
	char path[VFE_PATH_MAX], err[VFE_PATH_MAX + 320], missing[512];
	struct vfe_ktokens t;
	struct vfe_text_edit e;
	bool any = false;

	static struct vfe_kown own;
	unsigned int i;

	if (!conf)
		vfe_ktokens_init(&t); /* no config: none of ours belongs there */
	else if (ctl_render_tokens(g, conf, inv, &t) < 0) {
		finding(f, false, "cmdline", "the config gives no kernel command line");
		return;
	}
	/* only the tokens apply wrote are ours (vfio_pci.ids= is check_handmade's) */
	if (ctl_kown_load(g->root, NULL, &own) == 0)
		t.own = &own;
	vfe_path(path, sizeof(path), g->root, VFE_GRUB_DEFAULT);
	if (vfe_exists(path)) {
		any = true;
		check_grub(f, g->root, &t);
	}
	vfe_path(path, sizeof(path), g->root, VFE_KERNEL_CMDLINE_PATH);
	if (vfe_exists(path)) {
		any = true;
		if (vfe_kernel_cmdline_file_edit(path, &t, &e, err, sizeof(err)) < 0) {
			finding(f, false, "cmdline", "%s", err);
		} else if (vfe_text_edit_changed(&e)) {
			missing_tokens(e.old, &t, missing, sizeof(missing));
			finding(f, false, "cmdline",
				"%s: the kernel command line is out of date (%s%s): run "
				"'vfio-earlyctl apply'",
				path,
				missing[0] ? "missing:"
					   : "tokens of ours the config no longer asks for",
				missing);
		} else {
			finding(f, true, "cmdline", "%s carries our tokens", path);
		}
		vfe_text_edit_free(&e);
	}
	if (!any)
		finding(f, true, "cmdline",
			"neither %s nor %s: the kernel command line is not checked",
			VFE_GRUB_DEFAULT, VFE_KERNEL_CMDLINE_PATH);
	for (i = 0; t.own && i < own.n_conflicts; i++)
		finding(f, false, "cmdline",
			"%s on the kernel command line is yours, and the config asks for %s: apply "
			"stops until they agree (make the config say yours, take yours out, or "
			"'vfio-earlyctl apply --adopt' replaces it)",
			own.conflict[i][0], own.conflict[i][1]);
}

/*
 * The softdeps apply wrote: kmod takes the first softdep line of a module in the order of
 * the files' names, so a file sorting before ours can silently take its place.
 */
static void check_softdeps(struct findings *f, const char *root)
{
	char path[VFE_PATH_MAX], first[VFE_PATH_MAX], *text = NULL, *line, *save = NULL;
	unsigned int n = 0, bad = 0;
	size_t len;

	vfe_path(path, sizeof(path), root, VFE_MODPROBE_CONF_OLD);
	if (vfe_modprobe_conf_is_ours(path))
		finding(f, false, "softdep",
			"%s: the name an earlier version of apply used; 'vfio-earlyctl apply' "
			"moves its lines to %s",
			path, VFE_MODPROBE_CONF);
	vfe_path(path, sizeof(path), root, VFE_MODPROBE_CONF);
	if (vfe_slurp(path, 1 << 20, &text, &len) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char driver[64];

		if (sscanf(line, "softdep %63s pre:", driver) != 1)
			continue;
		n++;
		if (vfe_softdep_first_file(root, driver, NULL, first, sizeof(first)) < 0 ||
		    !strcmp(first, path))
			continue;
		bad++;
		finding(
		    f, false, "softdep",
		    "%s: kmod takes the softdep line of %s, which comes before %s (kmod takes "
		    "only the first): vfio-pci is not loaded before %s; rename or remove that line",
		    driver, first, path, driver);
	}
	free(text);
	if (n && !bad)
		finding(f, true, "softdep", "vfio-pci loads before the %u host driver(s) in %s", n,
			path);
}

/* No config: what an earlier apply wrote would still act (softdeps, the module's rules). */
static void check_leftovers(struct findings *f, struct ctl_globals *g,
			    const struct vfe_inventory *inv)
{
	static const char *const files[] = {VFE_MODPROBE_CONF, VFE_MODPROBE_CONF_OLD,
					    "/etc/grub.d/42_vfio-early"};
	char path[VFE_PATH_MAX];
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(files); i++) {
		vfe_path(path, sizeof(path), g->root, files[i]);
		if (vfe_exists(path))
			finding(f, false, "leftover",
				"%s is left from an earlier apply although there is no config: "
				"'vfio-earlyctl apply' removes it",
				path);
	}
	check_cmdline(f, g, NULL, inv);
}

/* What check_handmade needs while it walks the command lines. */
struct hm_check {
	struct findings *f;
	const char *root;
	const struct vfe_config *conf; /* NULL: none */
	const struct vfe_inventory *inv;
	char *softdeps;	     /* the modprobe.d file apply writes for the config, NULL: none */
	bool softdeps_tried; /* hm_softdeps has run */
	bool amd;
	unsigned int configured; /* vfio_pci.ids= found in the configured command lines */
};

static bool conf_binds_slot(const struct vfe_config *conf, const char *slot)
{
	unsigned int i;

	for (i = 0; conf && i < conf->n_binds; i++)
		if (!strcmp(conf->binds[i].slot, slot))
			return true;
	return false;
}

/*
 * The devices a vfio-pci ids list takes that are not targets (without a config: those of an
 * id that more than one device has), into BUF; how many of its ids the config does not bind
 * at all into *UNBOUND.
 */
static unsigned int ids_beyond_targets(const struct hm_check *c, const char *list, char *buf,
				       size_t size, unsigned int *unbound)
{
	char ids[64][16];
	int n = vfe_hm_ids_parse(list, ids, 64), i;
	unsigned int k, extra = 0;

	buf[0] = '\0';
	*unbound = 0;
	for (i = 0; i < n; i++) {
		unsigned int v, d;
		bool bound = false;

		sscanf(ids[i], "%x:%x", &v, &d);
		for (k = 0; c->conf && k < c->conf->n_binds; k++)
			bound |= (unsigned int)c->conf->binds[k].vendor == v &&
				 (unsigned int)c->conf->binds[k].device == d;
		*unbound += !bound;
		for (k = 0; k < c->inv->n; k++) {
			const struct vfe_dev *dev = &c->inv->devs[k];
			unsigned int same = 0, j;

			for (j = 0; j < c->inv->n; j++)
				same += c->inv->devs[j].vendor == v && c->inv->devs[j].device == d;
			/* a target; without a config, the one device of its id */
			if (dev->vendor != v || dev->device != d ||
			    (c->conf ? conf_binds_slot(c->conf, dev->slot) : same < 2))
				continue;
			extra++;
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s (%s, %s)",
				 buf[0] ? ", " : "", dev->slot, ids[i],
				 dev->driver[0] ? dev->driver : "no driver");
		}
	}
	return extra;
}

/* The words of one command line that a hand-made setup leaves; RUNNING: /proc/cmdline. */
static void hm_cmdline(struct hm_check *c, const char *where, const char *text, size_t len,
		       bool running)
{
	char *copy = strndup(text, len), *rest, *param, *val, others[512];
	unsigned int unbound;

	for (rest = copy; rest && *rest;) {
		rest = vfe_cmdline_next(rest, &param, &val);
		if (!strcmp(param, "--"))
			break;
		if (val &&
		    (vfe_param_eq(param, "vfio_pci.ids") || vfe_param_eq(param, "vfio-pci.ids"))) {
			unsigned int extra =
			    ids_beyond_targets(c, val, others, sizeof(others), &unbound);

			if (running) {
				finding(c->f, !extra, "handmade", "this boot has %s=%s%s%s%s%s",
					param, val, extra ? ", which also took " : "", others,
					extra ? " (on vfio-pci until a reboot)" : "",
					c->configured ? ""
						      : "; it is gone from the configured command "
							"line: the next boot is without it");
				continue;
			}
			c->configured++;
			finding(
			    c->f, false, "handmade",
			    "%s: %s=%s binds every device with these ids by id alone (it defeats "
			    "slot matching and the recovery entry)%s%s; %s",
			    where, param, val,
			    extra ? (c->conf ? "; it also takes devices the config does not bind: "
					     : "; an id there is on several devices, it takes them "
					       "all: ")
				  : "",
			    others,
			    unbound ? "'vfio-earlyctl import' turns it into bind lines by slot, "
				      "then 'vfio-earlyctl apply' takes it out"
				    : "the config binds them by slot: 'vfio-earlyctl apply' takes "
				      "it out");
		} else if (!running && val && vfe_param_eq(param, "amd_iommu") &&
			   !strcmp(val, "on")) {
			finding(
			    c->f, false, "handmade",
			    "%s: amd_iommu=on is not a value the kernel knows (the AMD IOMMU is "
			    "on by default): take it out",
			    where);
		} else if (!running && c->amd && val && vfe_param_eq(param, "intel_iommu")) {
			finding(c->f, false, "handmade",
				"%s: %s=%s does nothing on this AMD machine: take it out", where,
				param, val);
		}
	}
	free(copy);
}

static void hm_grub_value(void *ctx, const char *path, unsigned int line, const char *value,
			  size_t len)
{
	char where[VFE_PATH_MAX + 32];

	snprintf(where, sizeof(where), "%s line %u", path, line);
	hm_cmdline(ctx, where, value, len, false);
}

static bool modprobe_d_readable(const char *root);

/*
 * The modprobe.d file apply would write for the config (NULL: none, or no config), rendered
 * with libkmod at the first hand-made softdep line that is compared with it: does that file
 * replace the line?
 */
static const char *hm_softdeps(struct hm_check *c)
{
	if (!c->softdeps_tried) {
		c->softdeps_tried = true;
		if (c->conf && c->conf->n_binds && modprobe_d_readable(c->root) &&
		    vfe_modprobe_conf_render(c->root, c->conf->binds, c->conf->n_binds, false,
					     &c->softdeps) < 0)
			c->softdeps = NULL;
	}
	return c->softdeps;
}

/* Hand-made lines of one kind in their files. */
static void hm_files(struct hm_check *c, enum vfe_hm_kind kind)
{
	static struct vfe_hm_line l[VFE_HM_MAX];
	char(*paths)[VFE_PATH_MAX] = calloc(16, VFE_PATH_MAX);
	unsigned int n = paths ? vfe_hm_files(c->root, kind, paths, 16) : 0, i, k, m;
	char others[512];
	unsigned int unbound;

	for (i = 0; i < n; i++) {
		char *text = NULL;
		size_t len;

		if (vfe_slurp(paths[i], 1 << 20, &text, &len) < 0)
			continue;
		m = vfe_hm_scan(kind, text, len, l, VFE_HM_MAX);
		for (k = 0; k < m && k < VFE_HM_MAX; k++) {
			if (kind == VFE_HM_MODPROBE_IDS) {
				unsigned int extra = ids_beyond_targets(c, l[k].value, others,
									sizeof(others), &unbound);

				finding(
				    c->f, false, "handmade",
				    "%s line %u: %s gives vfio-pci these ids whatever the "
				    "slot%s%s; "
				    "%s",
				    paths[i], l[k].line, l[k].text,
				    extra
					? (c->conf ? "; it also takes devices the config does not "
						     "bind: "
						   : "; an id there is on several devices, it "
						     "takes them all: ")
					: "",
				    others,
				    unbound
					? "'vfio-earlyctl import' turns it into bind lines by "
					  "slot, then 'vfio-earlyctl apply' takes it out"
					: "the config binds them by slot: 'vfio-earlyctl apply' "
					  "takes it out");
			} else if (kind == VFE_HM_MODPROBE_SOFTDEP && hm_softdeps(c) &&
				   vfe_hm_softdep_replaced(l[k].value, c->softdeps)) {
				finding(c->f, false, "handmade",
					"%s line %u: %s is hand-made, and %s gives %s its softdep "
					"line (kmod takes only a driver's first): 'vfio-earlyctl "
					"apply' takes it out",
					paths[i], l[k].line, l[k].text, VFE_MODPROBE_CONF,
					l[k].value);
			} else if (kind == VFE_HM_MODPROBE_SOFTDEP && c->conf && hm_softdeps(c)) {
				finding(
				    c->f, false, "handmade",
				    "%s line %u: %s is hand-made, and the config binds no device "
				    "%s drives: it only serves an id-based binding "
				    "(vfio_pci.ids=, options vfio-pci ids=); remove it once "
				    "nothing needs it",
				    paths[i], l[k].line, l[k].text, l[k].value);
			} else if (kind == VFE_HM_MODPROBE_SOFTDEP) {
				finding(
				    c->f, false, "handmade",
				    "%s line %u: %s is hand-made: 'vfio-earlyctl import', then "
				    "'vfio-earlyctl apply' replaces it with a softdep line of its "
				    "own for each target's driver",
				    paths[i], l[k].line, l[k].text);
			} else if (kind == VFE_HM_SYSCTL_HUGEPAGES && c->conf &&
				   c->conf->n_hugepages) {
				finding(
				    c->f, false, "handmade",
				    "%s line %u: %s sets the count again after the helper reserved "
				    "the config's hugepages: 'vfio-earlyctl apply' takes it out",
				    paths[i], l[k].line, l[k].text);
			} else if (kind == VFE_HM_UDEV_GOVERNOR && c->conf &&
				   c->conf->has_vm_cpus && strcmp(c->conf->governor, "keep")) {
				finding(
				    c->f, false, "handmade",
				    "%s line %u: a governor rule of its own next to the helper's "
				    "governor for vm-cpus: 'vfio-earlyctl apply' takes it out",
				    paths[i], l[k].line);
			}
		}
		free(text);
	}
	free(paths);
}

/*
 * libkmod opens every .conf of the modprobe.d directories and waits on a FIFO: the softdeps
 * apply would write are only rendered here when none is one.
 */
static bool modprobe_d_readable(const char *root)
{
	static const char *const dirs[] = {"/etc/modprobe.d", "/run/modprobe.d",
					   "/usr/local/lib/modprobe.d", "/lib/modprobe.d"};
	char dir[VFE_PATH_MAX], path[VFE_PATH_MAX];
	bool ok = true;
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(dirs) && ok; i++) {
		struct dirent *e;
		DIR *d;

		if (vfe_path(dir, sizeof(dir), root, dirs[i]) < 0 || !(d = opendir(dir)))
			continue;
		while (ok && (e = readdir(d))) {
			size_t n = strlen(e->d_name);
			struct stat st;

			if (n < 5 || strcmp(e->d_name + n - 5, ".conf") ||
			    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
				(int)sizeof(path) ||
			    stat(path, &st) < 0)
				continue;
			ok = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode);
		}
		closedir(d);
	}
	return ok;
}

/* What a hand-made setup (a guide followed by hand) left, each with what to do (issue 16). */
static void check_handmade(struct findings *f, struct ctl_globals *g, const struct vfe_config *conf,
			   const struct vfe_inventory *inv, bool amd)
{
	struct hm_check c = {.f = f, .root = g->root, .conf = conf, .inv = inv, .amd = amd};
	char path[VFE_PATH_MAX], *text = NULL;
	size_t len;

	vfe_grub_each_value(g->root, VFE_GRUB_VAR_ALL, hm_grub_value, &c);
	vfe_grub_each_value(g->root, VFE_GRUB_VAR, hm_grub_value, &c);
	vfe_path(path, sizeof(path), g->root, VFE_KERNEL_CMDLINE_PATH);
	if (vfe_slurp(path, VFE_KERNEL_CMDLINE_MAX_BYTES, &text, &len) == 0)
		hm_cmdline(&c, path, text, len, false);
	free(text);
	text = NULL;
	vfe_path(path, sizeof(path), g->root, "/proc/cmdline");
	if (vfe_slurp(path, 1 << 20, &text, &len) == 0)
		hm_cmdline(&c, "/proc/cmdline", text, len, true);
	free(text);
	hm_files(&c, VFE_HM_MODPROBE_IDS);
	hm_files(&c, VFE_HM_MODPROBE_SOFTDEP);
	free(c.softdeps);
	hm_files(&c, VFE_HM_SYSCTL_HUGEPAGES);
	hm_files(&c, VFE_HM_UDEV_GOVERNOR);
}

static int do_check(struct ctl_globals *g, int argc, char *argv[])
{
	struct findings f = {.list = json_object_new_array(), .json = false};
	static struct vfe_config conf;
	struct vfe_inventory inv;
	struct vfe_seen seen;
	char err[320];
	int r, r_conf;
	bool amd;

	if (ctl_parse_common(g, &ctl_cmd_check, argc, argv, "[--json]") != argc) {
		json_object_put(f.list);
		return 2;
	}
	f.json = g->json;
	r = vfe_config_load(&conf, g->config, err, sizeof(err));
	if (r == -ENOENT)
		finding(&f, false, "config", "no %s: add devices with 'vfio-earlyctl add'",
			g->config);
	else if (r < 0)
		finding(&f, false, "config", "%s: the helper would bind nothing", err);
	else
		finding(&f, true, "config", "%s: %u bind line(s)", g->config, conf.n_binds);
	r_conf = r;
	r = vfe_inventory_scan(&inv, g->root, 0);
	if (r < 0) {
		ERR("cannot read the PCI bus: %s", strerror(-r));
		json_object_put(f.list);
		return 1;
	}
	if (inv.iommu)
		finding(&f, true, "iommu", "IOMMU groups present");
	else
		finding(
		    &f, false, "iommu",
		    "no IOMMU groups: enable VT-d/AMD-Vi in the firmware (Intel: intel_iommu=on, "
		    "which 'vfio-earlyctl apply' adds)");
	amd = check_cpu(&f, g->root);
	if (vfe_module_available(g->root, "vfio-pci"))
		finding(&f, true, "vfio-pci", "vfio-pci is available");
	else
		finding(&f, false, "vfio-pci",
			"vfio-pci is neither loaded, built in nor installed");
	if (vfe_seen_load(g->root, &seen) < 0)
		WRN("cannot read %s", VFE_SLOTS_PATH);
	check_binds(&f, g->root, &conf, &inv, &seen);
	vfe_seen_free(&seen);
	if (r_conf == 0) {
		check_cmdline(&f, g, &conf, &inv);
		check_softdeps(&f, g->root);
	} else if (r_conf == -ENOENT)
		check_leftovers(&f, g, &inv);
	check_handmade(&f, g, r_conf == 0 ? &conf : NULL, &inv, amd);
	check_resources(&f, g->root, &conf);
	check_initramfs(&f, g->root, g->config);
	if (g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "findings", json_object_new_int((int)f.bad));
		json_object_object_add(o, "checks", f.list);
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		json_object_put(f.list);
		printf("%u finding(s)\n", f.bad);
	}
	vfe_inventory_free(&inv);
	return f.bad ? 1 : 0;
}

const struct ctl_cmd ctl_cmd_check = {"check", do_check,
				      "preflight and drift: what is wrong and what to do"};
