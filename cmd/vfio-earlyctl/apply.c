// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * apply: render the kernel command line, softdeps, the GRUB "without passthrough" entry and the
 * initramfs from the config. Every file gets a diff first, a backup, and an atomic replace; a
 * generator that fails puts the backups back.
 */
#include "apply.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../../kernel-cmdline/grub.h"
#include "../../kernel-cmdline/kernelcmdline.h"
#include "../../kernel-cmdline/tokens.h"
#include "../../lib/backup.h"
#include "../../lib/boot/config.h"
#include "../../lib/follow.h"
#include "../../lib/handmade.h"
#include "../../lib/inventory.h"
#include "../../lib/boot/log.h"
#include "../../lib/boot/report.h"
#include "../../lib/run.h"
#include "../../lib/boot/util.h"
#include "../../modules-load/modload.h"
#include "../../modules-load/softdep.h"

/* Files of each hand-made kind apply edits at most. */
#define HM_FILES_MAX 16
/* The config, every GRUB source, 42_vfio-early, /etc/kernel/cmdline, softdeps, irqbalance,
 * the record of the bus and of our tokens, hand-made sysctl, udev and modprobe.d files. */
#define MAX_CHANGES (VFE_GRUB_MAX_SOURCES + 8 + 3 * HM_FILES_MAX)

struct change {
	char path[VFE_PATH_MAX];
	struct vfe_text_edit e;
	bool existed;
	bool remove;	  /* the file goes */
	bool quiet;	  /* no diff: a record of ours, not a file the user reads */
	const char *what; /* what a quiet one is */
	mode_t mode;	  /* for a new file */
};

struct plan {
	struct change c[MAX_CHANGES];
	unsigned int n;
	bool grub;
	const char *root;
	struct vfe_inventory inv; /* the bus the plan was made for */
	bool record;		  /* every card at its slot: the bus may be recorded */
	bool no_config;		  /* the config is gone: what an earlier apply wrote goes */
	bool adopt;		  /* --adopt: the user's tokens of our names become ours */
	unsigned int n_handmade;  /* hand-made lines taken out (named before the diffs) */
};

/* Room for any cpulist of VFE_MAX_CPUS CPUs ("0,2,4,...,8190"). */
#define CPULIST_MAX ((size_t)VFE_MAX_CPUS * 6 + 1)

/* The whole cpulist of SET, malloc'd; NULL on ENOMEM. */
static char *cpulist_dup(const struct vfe_cpuset *set)
{
	char *s = malloc(CPULIST_MAX);

	if (s)
		vfe_cpulist_format(set, s, CPULIST_MAX);
	return s;
}

static enum vfe_cpu_vendor cpu_vendor(const char *root)
{
	char path[VFE_PATH_MAX], *text = NULL;
	enum vfe_cpu_vendor v = VFE_CPU_OTHER;
	size_t len;

	vfe_path(path, sizeof(path), root, "/proc/cpuinfo");
	if (vfe_slurp(path, 8 << 20, &text, &len) < 0)
		return v;
	if (strstr(text, "GenuineIntel"))
		v = VFE_CPU_INTEL;
	else if (strstr(text, "AuthenticAMD"))
		v = VFE_CPU_AMD;
	free(text);
	return v;
}

/* Our own modprobe.d file for 'nested yes': the whole file is ours. */
#define VFE_NESTED_CONF "/etc/modprobe.d/vfio-early-nested.conf"

/* Its text for CONF on a CPU of VENDOR, NULL when it should not exist. */
static const char *nested_conf(const struct vfe_config *conf, enum vfe_cpu_vendor vendor)
{
	if (!conf->nested)
		return NULL;
	if (vendor == VFE_CPU_AMD)
		return "# written by vfio-earlyctl apply: 'nested yes' in /etc/vfio-early.conf\n"
		       "options kvm_amd nested=1\n";
	if (vendor == VFE_CPU_INTEL)
		return "# written by vfio-earlyctl apply: 'nested yes' in /etc/vfio-early.conf\n"
		       "options kvm_intel nested=1\n";
	WRN("nested yes: neither an AMD nor an Intel CPU, no kvm option written");
	return NULL;
}

static void kernel_version(const char *root, int *major, int *minor)
{
	char path[VFE_PATH_MAX], buf[128];
	struct utsname u;

	*major = *minor = 0;
	vfe_path(path, sizeof(path), root, "/proc/sys/kernel/osrelease");
	if (vfe_read_file(path, buf, sizeof(buf)) < 0) {
		uname(&u);
		snprintf(buf, sizeof(buf), "%s", u.release);
	}
	sscanf(buf, "%d.%d", major, minor);
}

int ctl_render_tokens(struct ctl_globals *g, const struct vfe_config *conf,
		      const struct vfe_inventory *inv, struct vfe_ktokens *t)
{
	struct vfe_ktokens_input in = {0};
	struct vfe_cpuset possible, host;
	char *vm = NULL, *hostlist = NULL;
	const char *err;
	unsigned int i;
	int r = 0;

	in.vendor = cpu_vendor(g->root);
	kernel_version(g->root, &in.kernel_major, &in.kernel_minor);
	for (i = 0; i < conf->n_binds; i++) {
		const struct vfe_dev *d = vfe_inventory_find(inv, conf->binds[i].slot);

		in.target_is_boot_vga |= d && d->boot_vga == 1;
	}
	in.hugepages = conf->hugepages;
	in.n_hugepages = conf->n_hugepages;
	if (conf->has_vm_cpus) {
		vm = cpulist_dup(&conf->vm_cpus);
		if (!vm)
			return -ENOMEM;
		in.vm_cpus = vm;
		if (vfe_possible_cpus(g->root, &possible) == 0) {
			memset(&host, 0, sizeof(host));
			for (i = 0; i < VFE_MAX_CPUS; i++)
				if (vfe_cpuset_test(&possible, i) &&
				    !vfe_cpuset_test(&conf->vm_cpus, i))
					vfe_cpuset_set(&host, i);
			hostlist = cpulist_dup(&host);
			if (!hostlist) {
				r = -ENOMEM;
				goto out;
			}
			in.host_cpus = hostlist;
		}
	}
	err = vfe_ktokens_render(&in, t);
	if (err) {
		ERR("cannot render the kernel command line: %s", err);
		r = -EINVAL;
	}
out:
	free(vm);
	free(hostlist);
	return r;
}

static struct change *add_change(struct plan *p, const char *path)
{
	struct change *c = &p->c[p->n++];

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->mode = 0644;
	return c;
}

/* The last change is no change after all. */
static void drop_if_unchanged(struct plan *p)
{
	struct change *c = &p->c[p->n - 1];

	if (!vfe_text_edit_changed(&c->e) && !c->remove) {
		vfe_text_edit_free(&c->e);
		p->n--;
	}
}

/* A whole file we own: its wanted content (NULL: it goes) against what is there. */
/* PATH's bytes where a write will go: a link's target below the root. */
static int read_target(const struct plan *p, const char *path, struct vfe_text_edit *e)
{
	char real[VFE_PATH_MAX];
	int r = vfe_file_resolve(p->root, path, real, sizeof(real));

	return r < 0 ? r : vfe_slurp(real, 1 << 20, &e->old, &e->old_len);
}

static int plan_whole_file(struct plan *p, const char *path, const char *content, mode_t mode)
{
	struct change *c = add_change(p, path);
	int r = read_target(p, path, &c->e);

	if (r < 0 && r != -ENOENT) {
		p->n--;
		ERR("cannot read %s: %s", path, strerror(-r));
		return r;
	}
	c->existed = r == 0;
	c->mode = mode;
	if (!c->existed && !content) {
		p->n--;
		return 0;
	}
	if (!c->existed)
		c->e.old = strdup("");
	c->remove = !content;
	c->e.new = strdup(content ? content : "");
	c->e.new_len = content ? strlen(content) : 0;
	if (!c->e.old || !c->e.new) {
		vfe_text_edit_free(&c->e);
		p->n--;
		return -ENOMEM;
	}
	drop_if_unchanged(p);
	return 0;
}

#define IRQBALANCE_KEY "IRQBALANCE_BANNED_CPULIST="
/*
 * A line we add is marked by the comment line above it: systemd's EnvironmentFile= (which
 * irqbalance.service reads) would take a comment after the value as part of the value.
 */
#define IRQBALANCE_MARK_LINE "# added by vfio-earlyctl: irqbalance leaves the VM's CPUs alone"
/* Our older mark, on the line itself: still recognised, rewritten as above. */
#define IRQBALANCE_OLD_MARK "  # added by vfio-earlyctl"

static bool is_mark_line(const char *line, size_t n)
{
	size_t m = strlen(IRQBALANCE_MARK_LINE);

	return n >= m && !memcmp(line, IRQBALANCE_MARK_LINE, m) &&
	       strspn(line + m, "\r\n") == n - m;
}

/*
 * /etc/default/irqbalance: only the IRQBALANCE_BANNED_CPULIST line is ours. The last
 * uncommented one is set to the VM's CPUs (or a line is added, marked); without vm-cpus a
 * line we added goes away again. Every other byte stays. NULL on ENOMEM.
 */
static char *irqbalance_edit(const char *old, size_t len, const char *vm)
{
	size_t pos = 0, last = (size_t)-1, prev = (size_t)-1, last_prev = (size_t)-1;
	struct vfe_sbuf b = {0};
	char *out = NULL;

	while (pos < len) {
		const char *line = old + pos, *nl = memchr(line, '\n', len - pos);
		size_t n_line = nl ? (size_t)(nl - line) + 1 : len - pos;
		size_t lead = strspn(line, " \t");

		if (lead < n_line &&
		    !strncmp(line + lead, IRQBALANCE_KEY, strlen(IRQBALANCE_KEY))) {
			last = pos;
			last_prev = prev;
		}
		prev = pos;
		pos += n_line;
	}
	for (pos = 0; pos < len;) {
		const char *line = old + pos, *nl = memchr(line, '\n', len - pos);
		size_t n_line = nl ? (size_t)(nl - line) + 1 : len - pos;
		bool marked_below = pos == last_prev && is_mark_line(line, n_line);

		if (marked_below) {
			/* our mark: it goes with our line, or stays with it */
			if (vm)
				vfe_sbuf_add(&b, line, n_line);
		} else if (pos == last) {
			bool ours =
			    (last_prev != (size_t)-1 &&
			     is_mark_line(old + last_prev, last - last_prev)) ||
			    memmem(line, n_line, IRQBALANCE_OLD_MARK, strlen(IRQBALANCE_OLD_MARK));
			bool had_mark = last_prev != (size_t)-1 &&
					is_mark_line(old + last_prev, last - last_prev);

			if (vm) {
				if (ours && !had_mark)
					vfe_sbuf_adds(&b, IRQBALANCE_MARK_LINE "\n");
				vfe_sbuf_adds(&b, IRQBALANCE_KEY);
				vfe_sbuf_adds(&b, vm);
				vfe_sbuf_adds(&b, "\n");
			} else if (!ours) {
				vfe_sbuf_add(&b, line, n_line);
			}
		} else {
			vfe_sbuf_add(&b, line, n_line);
		}
		pos += n_line;
	}
	if (last == (size_t)-1 && vm) {
		if (b.len && b.s[b.len - 1] != '\n')
			vfe_sbuf_adds(&b, "\n");
		vfe_sbuf_adds(&b, IRQBALANCE_MARK_LINE "\n" IRQBALANCE_KEY);
		vfe_sbuf_adds(&b, vm);
		vfe_sbuf_adds(&b, "\n");
	}
	if (vfe_sbuf_finish(&b, &out, NULL) < 0)
		return NULL;
	return out;
}

static int plan_irqbalance(struct plan *p, const char *path, const char *vm)
{
	struct change *c = add_change(p, path);
	int r = read_target(p, path, &c->e);

	if (r < 0) {
		p->n--;
		return r == -ENOENT ? 0 : r; /* no irqbalance here: nothing to ban */
	}
	c->existed = true;
	c->e.new = irqbalance_edit(c->e.old, c->e.old_len, vm);
	if (!c->e.new) {
		vfe_text_edit_free(&c->e);
		p->n--;
		return -ENOMEM;
	}
	c->e.new_len = strlen(c->e.new);
	drop_if_unchanged(p);
	return 0;
}

typedef int (*cmdline_editor)(const char *path, const struct vfe_ktokens *wanted,
			      struct vfe_text_edit *e, char *err, size_t errsize);

/* A file holding a command line of which only our tokens are ours. */
static int plan_cmdline_edit(struct plan *p, const char *path, cmdline_editor edit,
			     const struct vfe_ktokens *tokens)
{
	struct change *c = add_change(p, path);
	char err[VFE_PATH_MAX + 320], real[VFE_PATH_MAX];
	int r;

	c->existed = true;
	r = vfe_file_resolve(p->root, path, real, sizeof(real));
	if (r == 0)
		r = edit(real, tokens, &c->e, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s: %s", path, strerror(-r));
	if (r < 0) {
		ERR("%s", err);
		vfe_text_edit_free(&c->e);
		p->n--;
		return r;
	}
	drop_if_unchanged(p);
	return 0;
}

/*
 * GRUB_CMDLINE_LINUX_DEFAULT where grub-mkconfig takes it from: /etc/default/grub, or the
 * .cfg of /etc/default/grub.d that sets it again after it (a cloud image's, say). Our tokens
 * go where the value is set, and only there.
 */
/*
 * GRUB_CMDLINE_LINUX holds none of our tokens, but a guide may have put vfio_pci.ids= there:
 * the entries the config binds by slot go from it too (E's new text). A value apply cannot
 * edit is left as it is (check names the entries).
 */
static int ids_out_of_cmdline_linux(struct vfe_text_edit *e, struct vfe_kown *own)
{
	static struct vfe_kown ids_only;
	struct vfe_ktokens none;
	char err[320], *out = NULL;
	size_t len, i;

	if (!own || !own->n_ids)
		return 0;
	memset(&ids_only, 0, sizeof(ids_only));
	memcpy(ids_only.ids, own->ids, sizeof(own->ids));
	ids_only.n_ids = own->n_ids;
	vfe_ktokens_init(&none);
	none.own = &ids_only;
	if (vfe_grub_edit(e->new, e->new_len, VFE_GRUB_VAR_ALL, &none, &out, &len, err,
			  sizeof(err)) < 0)
		return 0;
	free(e->new);
	e->new = out;
	e->new_len = len;
	for (i = 0; i < ids_only.n_dropped && own->n_dropped < VFE_KOWN_NOTES; i++)
		snprintf(own->dropped[own->n_dropped++], VFE_KTOKEN_LEN, "%s", ids_only.dropped[i]);
	return 0;
}

static int plan_grub(struct plan *p, const struct vfe_ktokens *tokens)
{
	struct vfe_grub_sources gs;
	const struct vfe_grub_source *eff;
	char err[VFE_PATH_MAX + 320];
	unsigned int i;
	int r;

	r = vfe_grub_sources_edit(p->root, tokens, &gs, err, sizeof(err));
	if (r < 0) {
		ERR("%s", err);
		goto out;
	}
	eff = &gs.src[gs.effective];
	if (gs.effective)
		printf("%s line %u sets %s again after %s: our tokens go there\n", eff->path,
		       eff->set_line, VFE_GRUB_VAR, gs.src[0].path);
	for (i = 0; i < gs.n; i++) {
		struct change *c;

		r = ids_out_of_cmdline_linux(&gs.src[i].e, tokens->own);
		if (r < 0)
			goto out;
		if (!vfe_text_edit_changed(&gs.src[i].e))
			continue;
		c = add_change(p, gs.src[i].path);
		c->existed = true;
		c->e = gs.src[i].e; /* the plan owns the texts now */
		memset(&gs.src[i].e, 0, sizeof(gs.src[i].e));
	}
out:
	vfe_grub_sources_free(&gs);
	return r;
}

int ctl_kown_load(const char *root, const struct vfe_config *conf, struct vfe_kown *own)
{
	char path[VFE_PATH_MAX], *text = NULL, *line, *save = NULL;
	unsigned int i, k;
	size_t len;
	int r;

	memset(own, 0, sizeof(*own));
	vfe_path(path, sizeof(path), root, VFE_KTOKENS_RECORD);
	r = vfe_slurp(path, 1 << 20, &text, &len);
	if (r < 0 && r != -ENOENT)
		return r;
	for (line = r == 0 ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, " \t\r")] = '\0';
		if (line[0] && line[0] != '#' && vfe_kown_add(own, line) < 0)
			WRN("%s: too many tokens; the rest are taken for the user's", path);
	}
	free(text);
	for (i = 0; conf && i < conf->n_binds; i++) {
		char id[VFE_KOWN_ID_LEN];

		snprintf(id, sizeof(id), "%04x:%04x", (unsigned int)conf->binds[i].vendor,
			 (unsigned int)conf->binds[i].device);
		for (k = 0; k < own->n_ids && strcmp(own->ids[k], id); k++)
			;
		if (k == own->n_ids && own->n_ids < VFE_KOWN_MAX)
			snprintf(own->ids[own->n_ids++], VFE_KOWN_ID_LEN, "%s", id);
	}
	return 0;
}

char *ctl_kown_record_text(const struct vfe_kown *own)
{
	struct vfe_sbuf b = {0};
	char *out = NULL;
	unsigned int i;

	if (!own->n)
		return strdup("");
	vfe_sbuf_adds(
	    &b, "# Written by vfio-earlyctl: the kernel command-line tokens that are its own (it\n"
		"# wrote them, or they were taken over). It never removes any other token.\n");
	for (i = 0; i < own->n; i++) {
		vfe_sbuf_adds(&b, own->tok[i]);
		vfe_sbuf_adds(&b, "\n");
	}
	return vfe_sbuf_finish(&b, &out, NULL) < 0 ? NULL : out;
}

/*
 * An apply from before the record of tokens (its slots or its GRUB entry are there, the
 * record is not) wrote every token of our names there is: they are taken as ours this once.
 */
static bool legacy_apply(const char *root)
{
	char path[VFE_PATH_MAX];

	vfe_path(path, sizeof(path), root, VFE_KTOKENS_RECORD);
	if (vfe_exists(path))
		return false;
	vfe_path(path, sizeof(path), root, VFE_SLOTS_PATH);
	if (!vfe_exists(path))
		vfe_path(path, sizeof(path), root, VFE_GRUB_OFF_ENTRY);
	if (!vfe_exists(path))
		return false;
	printf("no record of the command-line tokens apply wrote (an older vfio-earlyctl "
	       "applied): every token of its names is taken as its own this once\n");
	return true;
}

/* The record of our tokens after this apply: exactly those it wants (they are all in place). */
static int plan_token_record(struct plan *p, const struct vfe_ktokens *tokens)
{
	static struct vfe_kown mine;
	char path[VFE_PATH_MAX], *text;
	unsigned int i;
	int r;

	memset(&mine, 0, sizeof(mine));
	for (i = 0; i < tokens->n; i++)
		vfe_kown_add(&mine, tokens->tok[i]);
	text = ctl_kown_record_text(&mine);
	if (!text)
		return -ENOMEM;
	vfe_path(path, sizeof(path), p->root, VFE_KTOKENS_RECORD);
	r = plan_whole_file(p, path, mine.n ? text : NULL, 0644);
	free(text);
	if (r == 0 && p->n && !strcmp(p->c[p->n - 1].path, path)) {
		p->c[p->n - 1].quiet = true;
		p->c[p->n - 1].what = "the kernel command-line tokens that are ours";
	}
	return r;
}

/* A vfio-pci ids list that holds an id of IDS. */
static bool ids_meet(const char *list, const char (*ids)[VFE_KOWN_ID_LEN], unsigned int n_ids)
{
	char mine[VFE_KOWN_MAX][16];
	int n = vfe_hm_ids_parse(list, mine, VFE_KOWN_MAX), i;
	unsigned int k;

	for (i = 0; i < n; i++)
		for (k = 0; k < n_ids; k++)
			if (!strcmp(mine[i], ids[k]))
				return true;
	return false;
}

static void say_handmade(struct plan *p, const char *path, const struct vfe_hm_line *l,
			 const char *why)
{
	if (!p->n_handmade++)
		printf("hand-made lines the config replaces (each backed up; 'vfio-earlyctl "
		       "rollback' puts them back):\n");
	if (path)
		printf("  %s line %u: %s (%s)\n", path, l->line, l->text, why);
	else
		printf("  %s (%s)\n", l->text, why);
}

/* The change of PATH already in the plan (a file edited for two reasons), or NULL. */
static struct change *planned(struct plan *p, const char *path)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->c[i].path, path))
			return &p->c[i];
	return NULL;
}

/* Does the hand-made line L of KIND go (the config replaces it)? */
static bool handmade_goes(enum vfe_hm_kind kind, const struct vfe_hm_line *l,
			  const struct vfe_kown *own, const char *ours)
{
	switch (kind) {
	case VFE_HM_MODPROBE_IDS:
		return ids_meet(l->value, own->ids, own->n_ids);
	case VFE_HM_MODPROBE_SOFTDEP:
		return ours && vfe_hm_softdep_replaced(l->value, ours);
	default:
		return true;
	}
}

/*
 * The hand-made lines of KIND that the config replaces go from every file of that kind: the
 * file is edited (a udev rules file left with nothing but comments goes), named, backed up.
 * OURS: the softdeps apply writes (for VFE_HM_MODPROBE_SOFTDEP). A file edited already (its
 * vfio-pci ids, then its softdeps) is edited further; lines are named as the file has them.
 */
static int plan_handmade(struct plan *p, enum vfe_hm_kind kind, const struct vfe_kown *own,
			 const char *ours, const char *why)
{
	static struct vfe_hm_line found[VFE_HM_MAX];
	char(*paths)[VFE_PATH_MAX] = calloc(HM_FILES_MAX, VFE_PATH_MAX);
	unsigned int n, i, k, m;
	int r = 0;

	if (!paths)
		return -ENOMEM;
	n = vfe_hm_files(p->root, kind, paths, HM_FILES_MAX);
	for (i = 0; i < n && r == 0; i++) {
		struct change *c = planned(p, paths[i]);
		bool empty = false, earlier = c != NULL, goes = false;
		char *edited = NULL;
		size_t edited_len = 0;

		if (!c) {
			c = add_change(p, paths[i]);
			r = read_target(p, paths[i], &c->e);
			if (r < 0) {
				p->n--;
				if (r != -ENOENT)
					ERR("cannot read %s: %s", paths[i], strerror(-r));
				r = r == -ENOENT ? 0 : r;
				continue;
			}
			c->existed = true;
		}
		m = vfe_hm_scan(kind, c->e.old, c->e.old_len, found, VFE_HM_MAX);
		for (k = 0; k < m && k < VFE_HM_MAX; k++)
			goes |= handmade_goes(kind, &found[k], own, ours);
		if (goes) {
			const char *base = earlier ? c->e.new : c->e.old;
			size_t base_len = earlier ? c->e.new_len : c->e.old_len;

			if (kind == VFE_HM_MODPROBE_SOFTDEP)
				r = vfe_hm_edit_softdeps(base, base_len, ours, &edited, &edited_len,
							 &empty);
			else
				r = vfe_hm_edit(kind, base, base_len, own->ids, own->n_ids, &edited,
						&edited_len, &empty);
		}
		if (r < 0 || !goes) {
			if (!earlier) {
				vfe_text_edit_free(&c->e);
				p->n--;
			}
			continue;
		}
		free(c->e.new);
		c->e.new = edited;
		c->e.new_len = edited_len;
		c->remove = kind == VFE_HM_UDEV_GOVERNOR && empty;
		if (!earlier) {
			drop_if_unchanged(p);
			if (p->n == 0 || strcmp(p->c[p->n - 1].path, paths[i]))
				continue;
		}
		for (k = 0; k < m && k < VFE_HM_MAX; k++) {
			char one[VFE_PATH_MAX + 160];

			if (!handmade_goes(kind, &found[k], own, ours))
				continue;
			if (kind == VFE_HM_MODPROBE_SOFTDEP)
				snprintf(one, sizeof(one),
					 "%s gives %s its softdep line, with any other module this "
					 "one names",
					 VFE_MODPROBE_CONF, found[k].value);
			say_handmade(p, paths[i], &found[k],
				     kind == VFE_HM_MODPROBE_SOFTDEP ? one : why);
		}
	}
	free(paths);
	return r;
}

/* What the command-line edits found: tokens adopted, vfio_pci.ids= that go, conflicts. */
static int token_findings(struct plan *p, const struct vfe_kown *own)
{
	unsigned int i;

	for (i = 0; i < own->n_dropped; i++) {
		struct vfe_hm_line l = {0};

		snprintf(l.text, sizeof(l.text), "%s", own->dropped[i]);
		say_handmade(p, NULL, &l,
			     "kernel command line: the config binds these ids by slot; an id "
			     "there would take every device with it");
	}
	for (i = 0; i < own->n_adopted; i++)
		printf("adopted: %s on the kernel command line is yours and the same as ours: "
		       "it stays, and vfio-earlyctl manages it from now on\n",
		       own->adopted[i]);
	if (!own->n_conflicts)
		return 0;
	for (i = 0; i < own->n_conflicts; i++)
		ERR("the kernel command line has %s, which you wrote, and the config asks for %s",
		    own->conflict[i][0], own->conflict[i][1]);
	ERR("nothing written: change the config to agree, take yours out, or let apply replace "
	    "yours with 'vfio-earlyctl apply --adopt' ('vfio-earlyctl import' adopts what it "
	    "imported)");
	return -EEXIST;
}

/*
 * Every hand-made line the config replaces, and the record of our tokens. SOFTDEPS: the
 * text of the modprobe.d file apply writes (NULL: none).
 */
static int plan_replacements(struct plan *p, const struct vfe_config *conf,
			     const struct vfe_ktokens *tokens, const char *softdeps)
{
	int r;

	r = token_findings(p, tokens->own);
	if (r == 0 && conf->n_hugepages)
		r = plan_handmade(p, VFE_HM_SYSCTL_HUGEPAGES, tokens->own, NULL,
				  "the config's hugepages reserve them at boot");
	if (r == 0 && conf->has_vm_cpus && strcmp(conf->governor, "keep"))
		r = plan_handmade(p, VFE_HM_UDEV_GOVERNOR, tokens->own, NULL,
				  "the helper sets the VM CPUs' governor");
	if (r == 0 && conf->n_binds)
		r = plan_handmade(p, VFE_HM_MODPROBE_IDS, tokens->own, NULL,
				  "the config binds these ids by slot");
	/* kmod takes a driver's first softdep line: ours, which carries the others' modules */
	if (r == 0 && softdeps)
		r = plan_handmade(p, VFE_HM_MODPROBE_SOFTDEP, tokens->own, softdeps, NULL);
	if (r == 0)
		r = plan_token_record(p, tokens);
	return r;
}

/* The GRUB entry without PCI pass-through (kernel-cmdline/grub.h); it goes with the config. */
static int plan_off_entry(struct plan *p)
{
	char path[VFE_PATH_MAX], *entry = NULL;
	int r;

	if (!p->no_config && vfe_grub_off_entry(&entry, NULL) < 0)
		return -ENOMEM;
	vfe_path(path, sizeof(path), p->root, VFE_GRUB_OFF_ENTRY);
	r = plan_whole_file(p, path, entry, 0755);
	free(entry);
	return r;
}

/*
 * Does FILE (a full path) give DRIVER a hand-made "pre: vfio-pci" softdep that apply takes
 * out (a file of ROOT's /etc/modprobe.d)?
 */
static bool softdep_goes(const char *root, const char *file, const char *driver)
{
	static struct vfe_hm_line found[VFE_HM_MAX];
	char dir[VFE_PATH_MAX], *text = NULL;
	unsigned int n, i;
	bool goes = false;
	size_t len;

	vfe_path(dir, sizeof(dir), root, "/etc/modprobe.d/");
	if (strncmp(file, dir, strlen(dir)) || strstr(file + strlen(dir), "vfio-early") ||
	    vfe_slurp(file, 1 << 20, &text, &len) < 0)
		return false;
	n = vfe_hm_scan(VFE_HM_MODPROBE_SOFTDEP, text, len, found, VFE_HM_MAX);
	for (i = 0; i < n && i < VFE_HM_MAX; i++)
		goes |= vfe_hm_module_eq(found[i].value, strlen(found[i].value), driver);
	free(text);
	return goes;
}

/*
 * kmod takes the first softdep line of a module, in the order of the files' names: a file
 * that sorts before ours and gives one of our drivers a softdep wins, and ours is ignored
 * (unless that line is a hand-made one apply takes out).
 */
static void warn_shadowed_softdeps(const char *root, const char *softdeps, const char *ours)
{
	const char *line;

	for (line = softdeps; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char driver[64], first[VFE_PATH_MAX];

		if (sscanf(line, "softdep %63s pre:", driver) != 1)
			continue;
		if (vfe_softdep_first_file(root, driver, ours, first, sizeof(first)) == 0 &&
		    first[0] && strcmp(first, ours) && !softdep_goes(root, first, driver))
			WRN("%s: the softdep line in %s comes first, and kmod ignores ours in "
			    "%s; rename or remove that line",
			    driver, first, ours);
	}
}

static int build_plan(struct ctl_globals *g, struct plan *p, const struct ctl_conf_change *cc,
		      bool adopt)
{
	static struct vfe_config conf;
	static struct vfe_kown own;
	char path[VFE_PATH_MAX], err[320], *softdeps = NULL;
	struct vfe_inventory *inv = &p->inv;
	struct vfe_ktokens tokens;
	unsigned int i;
	bool bootloader = false;
	int r;

	memset(p, 0, sizeof(*p));
	p->root = g->root;
	p->adopt = adopt;
	if (cc) {
		struct change *c = add_change(p, g->config);

		r = vfe_config_parse(&conf, cc->new, cc->new_len, err, sizeof(err));
		c->existed = cc->existed;
		c->e.old = strndup(cc->old, cc->old_len);
		c->e.old_len = cc->old_len;
		c->e.new = strndup(cc->new, cc->new_len);
		c->e.new_len = cc->new_len;
		if (!c->e.old || !c->e.new)
			r = -ENOMEM;
	} else {
		r = vfe_config_load(&conf, g->config, err, sizeof(err));
	}
	if (r == -ENOENT && !cc) {
		/* No config means nothing of ours anywhere: an earlier apply's files go. */
		printf("%s is gone: removing what an earlier apply wrote\n", g->config);
		p->no_config = true;
		vfe_config_init(&conf);
	} else if (r < 0) {
		ERR("%s: nothing to apply", err);
		return r;
	}
	r = vfe_inventory_scan(inv, g->root, 0);
	if (r < 0) {
		ERR("cannot read the PCI bus: %s", strerror(-r));
		return r;
	}
	/*
	 * While a configured card is not at its slot the record of the bus stays as it was:
	 * written now, it would show the moved card "there already" at its new slot, and
	 * regenerate would no longer take it for the card.
	 */
	p->record = !p->no_config;
	for (i = 0; i < conf.n_binds && p->record; i++)
		if (!vfe_card_in_place(inv, &conf, conf.binds[i].slot)) {
			WRN("%s (line %u) is not at its slot: %s left as it was; run "
			    "'vfio-earlyctl regenerate' to follow the card",
			    conf.binds[i].slot, conf.binds[i].line, VFE_SLOTS_PATH);
			p->record = false;
		}
	if (p->no_config)
		vfe_ktokens_init(&tokens);
	else
		r = ctl_render_tokens(g, &conf, inv, &tokens);
	if (r == 0)
		r = ctl_kown_load(g->root, p->no_config ? NULL : &conf, &own);
	if (r < 0)
		goto out;
	own.adopt_all = p->adopt || legacy_apply(g->root);
	tokens.own = &own;

	vfe_path(path, sizeof(path), g->root, VFE_GRUB_DEFAULT);
	if (vfe_exists(path)) {
		bootloader = p->grub = true;
		r = plan_grub(p, &tokens);
		if (r < 0)
			goto out;
		r = plan_off_entry(p);
		if (r < 0)
			goto out;
	}
	vfe_path(path, sizeof(path), g->root, VFE_KERNEL_CMDLINE_PATH);
	if (vfe_exists(path)) {
		bootloader = true;
		r = plan_cmdline_edit(p, path, vfe_kernel_cmdline_file_edit, &tokens);
		if (r < 0)
			goto out;
	}
	if (!bootloader && tokens.n) {
		WRN("neither /etc/default/grub nor /etc/kernel/cmdline: add these to the kernel "
		    "command line by hand:");
		for (i = 0; i < tokens.n; i++)
			fprintf(stderr, "  %s\n", tokens.tok[i]);
	}
	if (!p->no_config) {
		r = vfe_modprobe_conf_render(g->root, conf.binds, conf.n_binds,
					     vfe_module_available(g->root, "vfio_early"),
					     &softdeps);
		if (r < 0)
			goto out;
	}
	vfe_path(path, sizeof(path), g->root, VFE_MODPROBE_CONF);
	r = plan_whole_file(p, path, softdeps, 0644);
	if (r < 0)
		goto out;
	if (softdeps)
		warn_shadowed_softdeps(g->root, softdeps, path);
	/* nested virtualization for the guest (Hyper-V, WSL2 inside Windows): kvm's option */
	vfe_path(path, sizeof(path), g->root, VFE_NESTED_CONF);
	r = plan_whole_file(p, path, p->no_config ? NULL : nested_conf(&conf, cpu_vendor(g->root)),
			    0644);
	if (r < 0)
		goto out;
	/* the name an earlier apply gave it: kmod read it after a packaged softdep's */
	vfe_path(path, sizeof(path), g->root, VFE_MODPROBE_CONF_OLD);
	if (vfe_modprobe_conf_is_ours(path)) {
		r = plan_whole_file(p, path, NULL, 0644);
		if (r < 0)
			goto out;
	}
	/* irqbalance must not put IRQs back on the VM's CPUs after the helper moved them */
	vfe_path(path, sizeof(path), g->root, "/etc/default/irqbalance");
	if (conf.has_vm_cpus) {
		char *vm = cpulist_dup(&conf.vm_cpus);

		r = vm ? plan_irqbalance(p, path, vm) : -ENOMEM;
		free(vm);
	} else {
		r = plan_irqbalance(p, path, NULL);
	}
	if (r == 0)
		r = plan_replacements(p, &conf, &tokens, softdeps);
	if (r < 0 || !p->record)
		goto out;
	/* What was on the bus when the config was applied, for regenerate (lib/follow.h): in
	 * the backup like every other file, so a rollback puts the record back with the config. */
	vfe_path(path, sizeof(path), g->root, VFE_SLOTS_PATH);
	{
		size_t len;
		char *text = vfe_seen_text(inv, &len);

		r = text ? plan_whole_file(p, path, text, 0644) : -ENOMEM;
		free(text);
		if (r == 0 && p->n && !strcmp(p->c[p->n - 1].path, path))
			p->c[p->n - 1].quiet = true;
	}
out:
	free(softdeps);
	return r;
}

static void show_diff(const struct change *c)
{
	char old[] = "/tmp/vfio-earlyctl.old.XXXXXX", new[] = "/tmp/vfio-earlyctl.new.XXXXXX";
	char diff[VFE_PATH_MAX], la[VFE_PATH_MAX + 32], lb[VFE_PATH_MAX + 32];
	int fo, fn;

	if (c->quiet) {
		printf("%s %s (%s)\n",
		       c->remove    ? "remove"
		       : c->existed ? "update"
				    : "new",
		       c->path,
		       c->what ? c->what : "the PCI functions there are now, for regenerate");
		return;
	}
	fo = mkstemp(old);
	fn = mkstemp(new);
	snprintf(la, sizeof(la), "%s%s", c->path, c->existed ? "" : " (new file)");
	if (c->remove)
		snprintf(lb, sizeof(lb), "%s (removed)", c->path);
	else if (!c->existed)
		snprintf(lb, sizeof(lb), "%s (mode %04o)", c->path, (unsigned int)c->mode);
	else
		snprintf(lb, sizeof(lb), "%s", c->path);
	if (fo < 0 || fn < 0 || write(fo, c->e.old, c->e.old_len) != (ssize_t)c->e.old_len ||
	    write(fn, c->e.new, c->e.new_len) != (ssize_t)c->e.new_len) {
		printf("--- %s (cannot show the diff)\n", c->path);
	} else if (vfe_find_program("diff", diff, sizeof(diff))) {
		char *argv[] = {diff, "-u", "--label", la, "--label", lb, old, new, NULL};

		vfe_run_program(argv);
	} else {
		printf("--- %s\n+++ %s\n(diff(1) not found)\n", la, lb);
	}
	if (fo >= 0)
		close(fo);
	if (fn >= 0)
		close(fn);
	unlink(old);
	unlink(new);
}

static int run_generator(char *argv[], bool dry_run)
{
	char line[1024];
	int r;

	vfe_argv_join(argv, line, sizeof(line));
	if (dry_run) {
		printf("would run: %s\n", line);
		return 0;
	}
	printf("running: %s\n", line);
	r = vfe_run_program(argv);
	if (r != 0)
		ERR("%s: %s", line, r < 0 ? strerror(-r) : "failed");
	return r == 0 ? 0 : -EIO;
}

/*
 * The generator NAME: in the system directories, or (tests only) in $VFE_TEST_GENERATOR_DIR,
 * whose programs also run under another root.
 */
static const char *find_generator(const char *name, char *buf, size_t size, bool *test)
{
	const char *dir = getenv("VFE_TEST_GENERATOR_DIR");

	*test = dir && dir[0];
	if (!*test)
		return vfe_find_program(name, buf, size);
	snprintf(buf, size, "%s/%s", dir, name);
	return access(buf, X_OK) == 0 ? buf : NULL;
}

/*
 * update-initramfs exits 0 without writing anything when it will not update (a read-only
 * /boot, update_initramfs=no, a chroot deferring to a trigger): an image under ROOT/boot
 * older than the run was not rebuilt. 0, or -EIO naming the first such image.
 */
static int initramfs_rebuilt(const char *root, time_t since)
{
	char dir[VFE_PATH_MAX], path[VFE_PATH_MAX];
	struct dirent *e;
	struct stat st;
	int r = 0;
	DIR *d;

	if (vfe_path(dir, sizeof(dir), root, "/boot") < 0 || !(d = opendir(dir)))
		return 0;
	while (r == 0 && (e = readdir(d))) {
		char ver[256], mods[VFE_PATH_MAX];
		const char *v = !strncmp(e->d_name, "initrd.img-", 11)	? e->d_name + 11
				: !strncmp(e->d_name, "initramfs-", 10) ? e->d_name + 10
									: NULL;

		if (!v)
			continue;
		snprintf(ver, sizeof(ver), "%s", v);
		if (strlen(ver) > 4 && !strcmp(ver + strlen(ver) - 4, ".img"))
			ver[strlen(ver) - 4] = '\0';
		/* only the images of kernels that are installed: "-k all" rebuilds those */
		if (vfe_pathf(mods, sizeof(mods), root, "/lib/modules/%s", ver) < 0 ||
		    !vfe_exists(mods))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_mtime >= since)
			continue;
		ERR("%s was not rebuilt although the generator said nothing failed (a read-only "
		    "/boot, update_initramfs=no in /etc/initramfs-tools/update-initramfs.conf, or "
		    "a "
		    "chroot?): the next boot would not have the new settings",
		    path);
		r = -EIO;
	}
	closedir(d);
	return r;
}

int ctl_regenerate_boot_files(struct ctl_globals *g, unsigned int which, bool dry_run,
			      unsigned int *started)
{
	static const struct {
		unsigned int kind;
		const char *name, *args[4];
	} gens[] = {
	    {CTL_GEN_GRUB, "update-grub", {NULL}},
	    {CTL_GEN_GRUB, "grub-mkconfig", {"-o", "/boot/grub/grub.cfg", NULL}},
	    {CTL_GEN_GRUB, "grub2-mkconfig", {"-o", "/boot/grub2/grub.cfg", NULL}},
	    {CTL_GEN_INITRAMFS, "update-initramfs", {"-u", "-k", "all", NULL}},
	    {CTL_GEN_INITRAMFS, "dracut", {"--regenerate-all", "-f", NULL}},
	    {CTL_GEN_INITRAMFS, "mkinitcpio", {"-P", NULL}},
	};
	char prog[VFE_PATH_MAX];
	unsigned int kind, i, k;
	int r = 0;

	if (started)
		*started = 0;
	for (kind = CTL_GEN_GRUB; kind <= CTL_GEN_INITRAMFS; kind <<= 1) {
		bool found = false, test = false;

		if (!(which & kind))
			continue;
		for (i = 0; i < VFE_ARRAY_SIZE(gens) && !found; i++) {
			char *argv[6] = {prog};

			if (gens[i].kind != kind ||
			    !find_generator(gens[i].name, prog, sizeof(prog), &test))
				continue;
			found = true;
			for (k = 0; gens[i].args[k]; k++)
				argv[k + 1] = (char *)gens[i].args[k];
			/* Under another root, programs of this system would act on the wrong one.
			 */
			if (!dry_run && (test || !strcmp(g->root, "/")) && started)
				*started |= kind;
			{
				bool real = !dry_run && (test || !strcmp(g->root, "/"));
				/* the file system's clock, a second's grain: older than this is old
				 */
				time_t since = time(NULL) - 1;

				r = run_generator(argv, !real);
				if (r == 0 && real && kind == CTL_GEN_INITRAMFS)
					r = initramfs_rebuilt(g->root, since);
			}
		}
		if (!found)
			printf("%s: %s\n",
			       dry_run || strcmp(g->root, "/") ? "would run"
							       : "not found, run by hand",
			       kind == CTL_GEN_GRUB ? "update-grub (or grub-mkconfig -o "
						      "/boot/grub/grub.cfg)"
						    : "update-initramfs -u -k all (or dracut "
						      "--regenerate-all -f)");
		if (r < 0)
			return r;
	}
	return r;
}

/* After the files were put back: what the generators made from the new ones goes too. */
static void rerun_generators(struct ctl_globals *g, unsigned int started)
{
	if (!started)
		return;
	printf("running the generators again on the files put back\n");
	if (ctl_regenerate_boot_files(g, started, false, NULL) < 0)
		ERR("the generators failed on the files put back: the boot files may still carry "
		    "the new settings; fix the cause and run them by hand");
}

/*
 * Back up every file, check that none changed since the plan read it, write them. A failure
 * puts back every file written and says which could not be.
 */
static int write_plan(struct ctl_globals *g, struct plan *p, struct vfe_backup *b)
{
	unsigned int i;
	int r;

	r = vfe_backup_begin(b, g->root, "apply");
	if (r < 0) {
		ERR("cannot make a backup under %s: %s; nothing written", VFE_BACKUP_DIR,
		    strerror(-r));
		return r;
	}
	for (i = 0; i < p->n; i++) {
		struct change *c = &p->c[i];

		r = vfe_backup_add(b, c->path, c->existed ? c->e.old : NULL, c->e.old_len);
		if (r == -ESTALE) {
			ERR("%s changed since its diff was made: nothing written; run the "
			    "command again",
			    c->path);
			break;
		}
		if (r < 0) {
			ERR("cannot back up %s: %s; nothing written", c->path, strerror(-r));
			break;
		}
	}
	if (r < 0) {
		vfe_backup_discard(b);
		return r;
	}
	for (i = 0; i < p->n; i++) {
		struct change *c = &p->c[i];

		if (c->remove)
			r = vfe_backup_remove(b, c->path);
		else
			r = vfe_backup_write(b, c->path, c->e.new, c->e.new_len, c->mode);
		if (r < 0) {
			ERR("cannot %s %s: %s", c->remove ? "remove" : "write", c->path,
			    strerror(-r));
			return r;
		}
		printf("%s %s\n", c->remove ? "removed" : "wrote", c->path);
	}
	return 0;
}

/* A step failed after files were written: put them back, and what was made from them. */
static void undo(struct ctl_globals *g, struct vfe_backup *b, unsigned int started)
{
	char name[VFE_PATH_MAX];

	snprintf(name, sizeof(name), "%s", vfe_backup_name(b));
	ERR("putting the previous files back (backup %s)", name);
	if (vfe_backup_undo(b) < 0)
		ERR("NOT every file could be put back (each is named above); the backup stays at "
		    "%s%s: fix the cause and run 'vfio-earlyctl rollback'",
		    strcmp(g->root, "/") ? g->root : "", name);
	else
		printf("every file is as it was before\n");
	rerun_generators(g, started);
}

int ctl_apply(struct ctl_globals *g, bool dry_run, bool yes, const struct ctl_conf_change *cc)
{
	return ctl_apply_adopt(g, dry_run, yes, false, cc);
}

int ctl_apply_adopt(struct ctl_globals *g, bool dry_run, bool yes, bool adopt,
		    const struct ctl_conf_change *cc)
{
	struct vfe_backup b = {0};
	unsigned int i, which, started = 0;
	struct plan p;
	int r;

	r = build_plan(g, &p, cc, adopt);
	if (r < 0)
		goto out;
	for (i = 0; i < p.n; i++)
		show_diff(&p.c[i]);
	if (!p.n && p.no_config) {
		printf("nothing of ours is left to remove\n");
		goto out;
	}
	if (!p.n)
		printf("no file changes\n");
	which = (p.grub ? CTL_GEN_GRUB : 0) | CTL_GEN_INITRAMFS;
	if (dry_run) {
		r = ctl_regenerate_boot_files(g, which, true, NULL);
		goto out;
	}
	if (p.n && !yes && !ctl_confirm("Write these changes?", "write these changes")) {
		r = -ECANCELED;
		goto out;
	}
	if (p.n) {
		r = write_plan(g, &p, &b);
		if (r < 0) {
			if (b.sealed)
				undo(g, &b, 0);
			goto out;
		}
	}
	r = ctl_regenerate_boot_files(g, which, false, &started);
	if (r < 0 && p.n) {
		undo(g, &b, started);
	} else if (p.n) {
		vfe_backup_end(&b);
		printf("backup: %s%s (vfio-earlyctl rollback)\n",
		       strcmp(g->root, "/") ? g->root : "", vfe_backup_name(&b));
	}
out:
	for (i = 0; i < p.n; i++)
		vfe_text_edit_free(&p.c[i].e);
	vfe_inventory_free(&p.inv);
	return r < 0 ? 1 : 0;
}

static int do_apply(struct ctl_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"yes", no_argument, NULL, 'y'},
	    {"adopt", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool dry_run = false, yes = false, adopt = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+nyh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'a':
			adopt = true;
			break;
		case 'y':
			yes = true;
			break;
		case 'h':
			printf("Usage: vfio-earlyctl apply [--dry-run] [--yes] [--adopt]\n\n%s\n"
			       "\n"
			       "  -n, --dry-run  show what would change, write nothing\n"
			       "  -y, --yes      write without asking\n"
			       "      --adopt    replace command-line tokens of our names that\n"
			       "                 you wrote with other values (else apply stops)\n",
			       ctl_cmd_apply.help);
			return 0;
		default:
			fprintf(stderr, "Try 'vfio-earlyctl apply --help' for more information.\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vfio-earlyctl apply: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!dry_run && ctl_lock(g) < 0)
		return 1;
	return ctl_apply_adopt(g, dry_run, yes, adopt, NULL);
}

const struct ctl_cmd ctl_cmd_apply = {
    "apply", do_apply,
    "write kernel command line, softdeps, boot entry and initramfs from the config"};
