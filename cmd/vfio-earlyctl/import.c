// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * import: a hand-made setup (a guide followed by hand) into the config. vfio_pci.ids= and
 * modprobe.d's "options vfio-pci ids=" become bind lines by slot (an id on several devices is
 * listed, never guessed); libvirt's <hostdev>s become bind lines, its pinning vm-cpus;
 * hugepages=, vm.nr_hugepages, isolcpus=, nohz_full=, irqbalance's banned CPUs and a governor
 * udev rule become hugepages, vm-cpus and governor. Only new lines are added; the command-line
 * tokens it read become apply's to replace. Nothing else is written: apply does the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kernel-cmdline/cmdline.h"
#include "../../kernel-cmdline/grub.h"
#include "../../kernel-cmdline/kernelcmdline.h"
#include "../../kernel-cmdline/tokens.h"
#include "../../lib/backup.h"
#include "../../lib/boot/config.h"
#include "../../lib/boot/cpulist.h"
#include "../../lib/handmade.h"
#include "../../lib/inventory.h"
#include "../../lib/boot/log.h"
#include "../../lib/boot/util.h"
#include "../../modules-load/softdep.h"
#include "apply.h"
#include "ctl.h"
#include "xml.h"

#define MAX_PICK    64
#define MAX_CANDS   16
#define MAX_DOMAINS 16
#define SRC_LEN	    (VFE_PATH_MAX + 32)

struct cpu_cand {
	char src[SRC_LEN], text[VFE_HM_TEXT_LEN];
	struct vfe_cpuset set;
};

struct hp_cand {
	char src[SRC_LEN], text[VFE_HM_TEXT_LEN];
	unsigned long size_kb, count;
	int node;
};

struct import {
	struct ctl_globals *g;
	struct vfe_inventory inv;
	struct vfe_config *conf; /* the config there is (empty when none) */
	const struct vfe_dev *pick[MAX_PICK];
	unsigned int n_pick;
	struct hp_cand hp[MAX_CANDS];
	unsigned int n_hp;
	struct cpu_cand cpus[MAX_CANDS];
	unsigned int n_cpus;
	char governor[32], governor_src[SRC_LEN], governor_cpus[VFE_HM_TEXT_LEN];
	unsigned long default_kb; /* the kernel's default hugepage size */
	struct vfe_kown *adopt;	  /* the command-line tokens apply may replace */
	struct {
		char where[SRC_LEN], word[VFE_KTOKEN_LEN];
		json_object *src; /* its entry of "sources" (--json) */
	} tok[MAX_CANDS * 2]; /* tokens of apply's names read, judged once the lines are known */
	unsigned int n_tok;
	struct {
		char where[SRC_LEN], text[VFE_HM_TEXT_LEN], driver[VFE_HM_TEXT_LEN];
		json_object *src;
	} sd[MAX_CANDS]; /* softdep lines of others read, judged once the lines are known */
	unsigned int n_sd;
	struct vfe_sbuf fate; /* what apply will do with each hand-made line */
	bool refused;	      /* a device that cannot be imported as it is */
	/* --json: the same facts as data, printed once at the end instead of the text */
	json_object *j;	  /* the whole answer; NULL: text */
	json_object *cur; /* the entry of "sources" being read */
};

/* What each kind of hand-made line is, in --json's "kind". */
static const char *const hm_kind_name[VFE_HM_KINDS] = {
    [VFE_HM_SYSCTL_HUGEPAGES] = "sysctl-hugepages",
    [VFE_HM_UDEV_GOVERNOR] = "udev-governor",
    [VFE_HM_MODPROBE_IDS] = "modprobe-ids",
    [VFE_HM_MODPROBE_SOFTDEP] = "modprobe-softdep",
    [VFE_HM_IRQBALANCE] = "irqbalance",
};

/* A path under the root as the system names it. */
static const char *sys_path(const struct import *im, const char *path)
{
	size_t n = strlen(im->g->root);

	if (strcmp(im->g->root, "/") && !strncmp(path, im->g->root, n) && path[n] == '/')
		return path + n;
	return path;
}

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* The array KEY of O, made on first use. */
static json_object *jarray(json_object *o, const char *key)
{
	json_object *a;

	if (json_object_object_get_ex(o, key, &a) && a)
		return a;
	a = json_object_new_array();
	json_object_object_add(o, key, a);
	return a;
}

/* A source line read: printed, or a new entry of "sources" that what follows fills in. */
static void source(struct import *im, const char *where, const char *kind, const char *text)
{
	json_object *o;

	if (!im->j) {
		printf("  %s: %s\n", where, text);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "source", jstr(where));
	json_object_object_add(o, "kind", jstr(kind));
	json_object_object_add(o, "text", jstr(text));
	json_object_object_add(o, "became", json_object_new_array());
	json_object_object_add(o, "notes", json_object_new_array());
	json_object_object_add(o, "apply", NULL);
	json_object_array_add(jarray(im->j, "sources"), o);
	im->cur = o;
}

/*
 * A config line the source line gives (WHAT: its fields, with "directive"; taken): printed
 * as "-> LINE (WHY)", or added to the source's "became".
 */
static void became(struct import *im, const char *line, const char *why, json_object *what)
{
	if (!im->j) {
		printf("      -> %s%s%s%s\n", line, why ? " (" : "", why ? why : "",
		       why ? ")" : "");
		json_object_put(what);
		return;
	}
	json_object_object_add(what, "line", jstr(line));
	json_object_object_add(what, "why", jstr(why));
	json_object_array_add(jarray(im->cur ? im->cur : im->j, "became"), what);
}

static json_object *directive(const char *name)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "directive", jstr(name));
	return o;
}

/* A note, as text (INDENT before it) or into the "notes" of ONTO in --json. */
static void vnote(struct import *im, json_object *onto, const char *indent, const char *fmt,
		  va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (!im->j)
		printf("%s%s\n", indent, line);
	else
		json_object_array_add(jarray(onto, "notes"), jstr(line));
}

/* Something said about the source line being read (left out, and why). */
static void note(struct import *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct import *im, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(im, im->cur ? im->cur : im->j, "      ", fmt, ap);
	va_end(ap);
}

/* Something said about the import as a whole. */
static void say(struct import *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct import *im, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(im, im->j, "", fmt, ap);
	va_end(ap);
}

/*
 * What apply will do with the hand-made line TEXT (may be NULL) of WHERE: listed after the
 * new lines, or the "apply" of SRC (NULL: the source line being read).
 */
static void fate(struct import *im, json_object *src, const char *where, const char *text,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fate(struct import *im, json_object *src, const char *where, const char *text,
		 const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (im->j) {
		src = src ? src : im->cur;
		if (src)
			json_object_object_add(src, "apply", jstr(what));
		return;
	}
	vfe_sbuf_adds(&im->fate, "  ");
	vfe_sbuf_adds(&im->fate, where);
	vfe_sbuf_adds(&im->fate, ": ");
	if (text) {
		vfe_sbuf_adds(&im->fate, text);
		vfe_sbuf_adds(&im->fate, ": ");
	}
	vfe_sbuf_adds(&im->fate, what);
	vfe_sbuf_adds(&im->fate, "\n");
}

static bool picked(const struct import *im, const struct vfe_dev *d)
{
	unsigned int i;

	for (i = 0; i < im->n_pick; i++)
		if (im->pick[i] == d)
			return true;
	return false;
}

/* "bind SLOT ID" of D, as a source line's result. */
static void became_bind(struct import *im, const struct vfe_dev *d, const char *why)
{
	json_object *o = directive("bind");
	char line[64], id[16];

	snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
	snprintf(line, sizeof(line), "bind %s %s", d->slot, id);
	json_object_object_add(o, "slot", jstr(d->slot));
	json_object_object_add(o, "id", jstr(id));
	became(im, line, why, o);
}

/* D, and for a graphics card every function of its slot, as add takes them. */
static void pick_device(struct import *im, const struct vfe_dev *d, const char *why)
{
	unsigned int i;

	if (picked(im, d)) {
		became_bind(im, d, "already above");
		return;
	}
	for (i = 0; i < im->inv.n; i++) {
		const struct vfe_dev *m = &im->inv.devs[i];

		if (m != d && (!vfe_dev_is_display(d) || strncmp(m->slot, d->slot, 10)))
			continue;
		if (vfe_dev_is_bridge(m)) {
			note(im, "%s is a PCI bridge: never passed through, left out", m->slot);
			im->refused = true;
			continue;
		}
		if (picked(im, m))
			continue;
		if (im->n_pick == MAX_PICK) {
			note(im, "%s: too many devices, left out", m->slot);
			continue;
		}
		im->pick[im->n_pick++] = m;
		became_bind(im, m, m != d ? why : NULL);
	}
}

/*
 * An id several devices have: listed with each (text), or an entry of "ambiguous" naming its
 * source and every slot (--json). Never guessed.
 */
static void ambiguous(struct import *im, const char *id, unsigned int v, unsigned int dv,
		      unsigned int n)
{
	json_object *a = NULL, *devs = NULL, *src;
	unsigned int i;

	note(im,
	     "%s is on %u devices; choose the VM's with 'vfio-earlyctl add <slot>' (vfio_pci.ids= "
	     "took them all):",
	     id, n);
	if (im->j) {
		a = json_object_new_object();
		devs = json_object_new_array();
		json_object_object_add(a, "id", jstr(id));
		if (im->cur && json_object_object_get_ex(im->cur, "source", &src))
			json_object_object_add(a, "source", json_object_get(src));
		json_object_object_add(a, "devices", devs);
		json_object_array_add(jarray(im->j, "ambiguous"), a);
	}
	for (i = 0; i < im->inv.n; i++) {
		const struct vfe_dev *d = &im->inv.devs[i];
		json_object *o;

		if (d->vendor != v || d->device != dv)
			continue;
		if (!im->j) {
			printf("        %s  %s (%s)\n", d->slot, d->device_name,
			       d->driver[0] ? d->driver : "no driver");
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "slot", jstr(d->slot));
		json_object_object_add(o, "name", jstr(d->device_name));
		json_object_object_add(o, "driver", d->driver[0] ? jstr(d->driver) : NULL);
		json_object_array_add(devs, o);
	}
}

/* One vfio-pci id resolved on this bus: a unique device is picked, several are listed. */
static void import_id(struct import *im, const char *id)
{
	unsigned int v, dv, i, n = 0;
	const struct vfe_dev *found = NULL;

	if (sscanf(id, "%x:%x", &v, &dv) != 2)
		return;
	for (i = 0; i < im->inv.n; i++)
		if (im->inv.devs[i].vendor == v && im->inv.devs[i].device == dv) {
			found = &im->inv.devs[i];
			n++;
		}
	if (n == 0) {
		note(im, "%s: no such device on this machine, left out", id);
		return;
	}
	if (n > 1) {
		ambiguous(im, id, v, dv, n);
		return;
	}
	pick_device(im, found, "same card");
}

static void import_id_list(struct import *im, const char *list)
{
	char ids[VFE_KOWN_MAX][16];
	int n = vfe_hm_ids_parse(list, ids, VFE_KOWN_MAX), i;

	if (n < 0) {
		note(im, "not a list of vendor:device ids, left out");
		return;
	}
	for (i = 0; i < n; i++)
		import_id(im, ids[i]);
}

static void add_cpus(struct import *im, const char *src, const char *text, const char *list)
{
	struct cpu_cand *c;
	json_object *o;
	char line[VFE_HM_TEXT_LEN + 16];

	if (im->n_cpus == MAX_CANDS)
		return;
	c = &im->cpus[im->n_cpus];
	if (vfe_cpulist_parse(list, &c->set)) {
		note(im, "'%s' is not a CPU list, left out", list);
		return;
	}
	snprintf(c->src, sizeof(c->src), "%s", src);
	snprintf(c->text, sizeof(c->text), "%s", text);
	im->n_cpus++;
	o = directive("vm-cpus");
	json_object_object_add(o, "cpus", jstr(list));
	snprintf(line, sizeof(line), "vm-cpus %s", list);
	became(im, line, NULL, o);
}

/* The config's words for a hugepage size and count: "hugepages 2M 8192[@node]". */
static void hugepages_line(char *line, size_t size, unsigned long size_kb, unsigned long count,
			   int node)
{
	if (node >= 0)
		snprintf(line, size, "hugepages %s %lu@%d", size_kb == 2048 ? "2M" : "1G", count,
			 node);
	else
		snprintf(line, size, "hugepages %s %lu", size_kb == 2048 ? "2M" : "1G", count);
}

static void add_hugepages(struct import *im, const char *src, const char *text,
			  unsigned long size_kb, unsigned long count, int node)
{
	struct hp_cand *h;
	json_object *o;
	char line[96];

	if (im->n_hp == MAX_CANDS)
		return;
	h = &im->hp[im->n_hp++];
	snprintf(h->src, sizeof(h->src), "%s", src);
	snprintf(h->text, sizeof(h->text), "%s", text);
	h->size_kb = size_kb;
	h->count = count;
	h->node = node;
	o = directive("hugepages");
	json_object_object_add(o, "size", jstr(size_kb == 2048 ? "2M" : "1G"));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)count));
	json_object_object_add(o, "node", node >= 0 ? json_object_new_int(node) : NULL);
	hugepages_line(line, sizeof(line), size_kb, count, node);
	became(im, line, NULL, o);
}

/* "2M", "1G", "2048K", "1024M": kB, or 0 for a size the config cannot hold. */
static unsigned long size_kb_of(const char *s)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (end == s)
		return 0;
	if (*end == 'K' || *end == 'k')
		;
	else if (*end == 'M' || *end == 'm')
		n *= 1024;
	else if (*end == 'G' || *end == 'g')
		n *= 1024 * 1024;
	else if (!*end)
		n /= 1024; /* bytes */
	else
		return 0;
	return n == 2048 || n == 1048576 ? n : 0;
}

/* isolcpus=[nohz,][domain,][managed_irq,]<cpulist>: the list after the flags. */
static const char *isolcpus_list(const char *v)
{
	static const char *const flags[] = {"nohz,", "domain,", "managed_irq,"};
	bool again = true;
	size_t i;

	while (again) {
		again = false;
		for (i = 0; i < VFE_ARRAY_SIZE(flags); i++)
			if (!strncmp(v, flags[i], strlen(flags[i]))) {
				v += strlen(flags[i]);
				again = true;
			}
	}
	return v;
}

/* One command line (a GRUB value, /etc/kernel/cmdline, /proc/cmdline) word by word. */
static void import_cmdline(struct import *im, const char *where, const char *text, size_t len)
{
	char *copy = strndup(text, len), *rest, *param, *val, src[SRC_LEN];
	unsigned long size_kb = 0; /* the hugepagesz= before, or the default */

	if (!copy)
		return;
	for (rest = copy; *rest;) {
		char word[VFE_KTOKEN_LEN];

		rest = vfe_cmdline_next(rest, &param, &val);
		if (!strcmp(param, "--"))
			break;
		snprintf(word, sizeof(word), "%s%s%s", param, val ? "=" : "", val ? val : "");
		snprintf(src, sizeof(src), "%s", where);
		/* the kernel reads '-' and '_' alike in a parameter's name: vfio-pci.ids too */
		if (val && vfe_param_eq(param, "vfio_pci.ids")) {
			source(im, where, "cmdline", word);
			import_id_list(im, val);
			fate(im, NULL, where, word,
			     "apply takes out the ids the config binds by slot");
			continue;
		}
		if (!vfe_ktoken_is_owned(word, strlen(word))) {
			if (vfe_param_eq(param, "amd_iommu") && val && !strcmp(val, "on")) {
				source(im, where, "cmdline", word);
				note(im, "nothing: not a value the kernel knows");
				fate(im, NULL, where, word,
				     "not a value the kernel knows (the AMD IOMMU is on by "
				     "default); take it out by hand");
			}
			continue;
		}
		source(im, where, "cmdline", word);
		if (im->n_tok < VFE_ARRAY_SIZE(im->tok)) {
			snprintf(im->tok[im->n_tok].where, SRC_LEN, "%s", where);
			snprintf(im->tok[im->n_tok].word, VFE_KTOKEN_LEN, "%s", word);
			im->tok[im->n_tok].src = im->cur;
			im->n_tok++;
		}
		if (val && (vfe_param_eq(param, "hugepagesz") ||
			    vfe_param_eq(param, "default_hugepagesz"))) {
			size_kb = size_kb_of(val);
			if (vfe_param_eq(param, "default_hugepagesz") && size_kb)
				im->default_kb = size_kb;
			if (!size_kb)
				note(im, "a size the config cannot hold (2M or 1G), left out");
		} else if (val && vfe_param_eq(param, "hugepages")) {
			unsigned long kb = size_kb ? size_kb : im->default_kb, count, node;
			char *p = val, *end;

			if (!strchr(val, ':')) {
				count = strtoul(val, &end, 10);
				if (*end || end == val)
					note(im, "not a count, left out");
				else
					add_hugepages(im, src, word, kb, count, -1);
			}
			while (strchr(val, ':') && *p) {
				node = strtoul(p, &end, 10);
				if (*end != ':')
					break;
				count = strtoul(end + 1, &end, 10);
				add_hugepages(im, src, word, kb, count, (int)node);
				p = *end == ',' ? end + 1 : end;
			}
		} else if (val && vfe_param_eq(param, "isolcpus")) {
			add_cpus(im, src, word, isolcpus_list(val));
		} else if (val && vfe_param_eq(param, "nohz_full")) {
			add_cpus(im, src, word, val);
		}
	}
	free(copy);
}

static void grub_value(void *ctx, const char *path, unsigned int line, const char *value,
		       size_t len)
{
	struct import *im = ctx;
	char where[SRC_LEN];

	snprintf(where, sizeof(where), "%s line %u", sys_path(im, path), line);
	import_cmdline(im, where, value, len);
}

/* Every value of both variables in the GRUB files grub-mkconfig reads. */
static void import_grub(struct import *im)
{
	vfe_grub_each_value(im->g->root, VFE_GRUB_VAR_ALL, grub_value, im);
	vfe_grub_each_value(im->g->root, VFE_GRUB_VAR, grub_value, im);
}

static void import_cmdlines(struct import *im)
{
	char path[VFE_PATH_MAX], *text = NULL;
	size_t len;
	bool any = false;

	vfe_path(path, sizeof(path), im->g->root, VFE_GRUB_DEFAULT);
	if (vfe_exists(path)) {
		import_grub(im);
		any = true;
	}
	vfe_path(path, sizeof(path), im->g->root, VFE_KERNEL_CMDLINE_PATH);
	if (vfe_slurp(path, VFE_KERNEL_CMDLINE_MAX_BYTES, &text, &len) == 0) {
		import_cmdline(im, VFE_KERNEL_CMDLINE_PATH, text, len);
		any = true;
	}
	free(text);
	text = NULL;
	/* no bootloader file to read: what this boot was given */
	vfe_path(path, sizeof(path), im->g->root, "/proc/cmdline");
	if (!any && vfe_slurp(path, 1 << 20, &text, &len) == 0)
		import_cmdline(im, "/proc/cmdline (no bootloader file found)", text, len);
	free(text);
}

static void import_files(struct import *im, enum vfe_hm_kind kind)
{
	static struct vfe_hm_line found[VFE_HM_MAX];
	char(*paths)[VFE_PATH_MAX] = calloc(16, VFE_PATH_MAX);
	unsigned int n = paths ? vfe_hm_files(im->g->root, kind, paths, 16) : 0, i, k, m;

	for (i = 0; i < n; i++) {
		char *text = NULL, src[SRC_LEN];
		const char *p = sys_path(im, paths[i]);
		size_t len;

		if (vfe_slurp(paths[i], 1 << 20, &text, &len) < 0)
			continue;
		m = vfe_hm_scan(kind, text, len, found, VFE_HM_MAX);
		for (k = 0; k < m && k < VFE_HM_MAX; k++) {
			const struct vfe_hm_line *l = &found[k];
			char *end;
			unsigned long count;

			snprintf(src, sizeof(src), "%s line %u", p, l->line);
			source(im, src, hm_kind_name[kind], l->text);
			switch (kind) {
			case VFE_HM_SYSCTL_HUGEPAGES:
				count = strtoul(l->value, &end, 10);
				if (*end || end == l->value) {
					note(im, "not a count, left out");
					break;
				}
				add_hugepages(im, src, l->text, im->default_kb, count, -1);
				fate(im, NULL, src, l->text,
				     "apply takes it out (the helper reserves them)");
				break;
			case VFE_HM_UDEV_GOVERNOR: {
				json_object *o = directive("governor");
				char line[64], why[VFE_HM_TEXT_LEN + 8];

				snprintf(im->governor, sizeof(im->governor), "%s", l->value);
				snprintf(im->governor_src, sizeof(im->governor_src), "%s", src);
				snprintf(im->governor_cpus, sizeof(im->governor_cpus), "%s",
					 l->cpus);
				json_object_object_add(o, "governor", jstr(l->value));
				json_object_object_add(o, "cpus",
						       l->cpus[0] ? jstr(l->cpus) : NULL);
				snprintf(line, sizeof(line), "governor %s", im->governor);
				snprintf(why, sizeof(why), "CPUs %s", l->cpus[0] ? l->cpus : "all");
				became(im, line, why, o);
				fate(im, NULL, src, "the governor rule",
				     "apply takes it out (the helper sets the VM CPUs' governor; a "
				     "file left empty goes)");
				break;
			}
			case VFE_HM_MODPROBE_IDS:
				import_id_list(im, l->value);
				fate(im, NULL, src, l->text,
				     "apply takes out the ids the config binds by slot");
				break;
			case VFE_HM_MODPROBE_SOFTDEP:
				note(im,
				     "nothing: apply writes the softdeps of the targets' drivers "
				     "itself");
				if (im->n_sd < VFE_ARRAY_SIZE(im->sd)) {
					snprintf(im->sd[im->n_sd].where, SRC_LEN, "%s", src);
					snprintf(im->sd[im->n_sd].text, VFE_HM_TEXT_LEN, "%s",
						 l->text);
					snprintf(im->sd[im->n_sd].driver, VFE_HM_TEXT_LEN, "%s",
						 l->value);
					im->sd[im->n_sd].src = im->cur;
					im->n_sd++;
				}
				break;
			case VFE_HM_IRQBALANCE:
				add_cpus(im, src, l->text, l->value);
				fate(im, NULL, src, l->text, "apply keeps it at vm-cpus");
				break;
			default:
				break;
			}
		}
		free(text);
	}
	free(paths);
}

/* The attribute NAME of NODE as a number (libvirt writes 0x.. hex), or -1. */
static long attr_num(xmlNodePtr node, const char *name)
{
	xmlChar *v = sym_xmlGetProp(node, (const xmlChar *)name);
	char *end;
	long n;

	if (!v)
		return -1;
	n = strtol((const char *)v, &end, 0);
	if (*end || end == (char *)v)
		n = -1;
	vfe_xml_free(v);
	return n;
}

static xmlXPathObjectPtr xpath(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr o = sym_xmlXPathEvalExpression((const xmlChar *)expr, ctx);

	if (o && (!o->nodesetval || !o->nodesetval->nodeNr)) {
		sym_xmlXPathFreeObject(o);
		return NULL;
	}
	return o;
}

/* One libvirt domain: its PCI hostdevs and its vCPU pinning. */
static void import_domain(struct import *im, const char *path)
{
	xmlDocPtr doc =
	    vfe_xml_open() < 0
		? NULL
		: sym_xmlReadFile(path, NULL,
				  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlXPathContextPtr ctx = doc ? sym_xmlXPathNewContext(doc) : NULL;
	xmlXPathObjectPtr o;
	struct vfe_cpuset pins;
	const char *p = sys_path(im, path);
	char src[SRC_LEN], list[VFE_HM_TEXT_LEN], what[VFE_HM_TEXT_LEN + 32];
	size_t first = im->j ? json_object_array_length(jarray(im->j, "sources")) : 0, k;
	int i;

	if (!ctx) {
		source(im, p, "libvirt-domain", "<domain>");
		note(im, "not an XML file libxml2 can read, left out");
		goto out;
	}
	o = xpath(ctx, "/domain/devices/hostdev[@mode='subsystem'][@type='pci']/source/address");
	for (i = 0; o && i < o->nodesetval->nodeNr; i++) {
		xmlNodePtr a = o->nodesetval->nodeTab[i];
		long dom = attr_num(a, "domain"), bus = attr_num(a, "bus"),
		     slot = attr_num(a, "slot"), fn = attr_num(a, "function");
		char s[VFE_SLOT_LEN], text[64];
		const struct vfe_dev *d;

		snprintf(text, sizeof(text), "%04lx:%02lx:%02lx.%lx", dom < 0 ? 0 : dom, bus, slot,
			 fn);
		snprintf(what, sizeof(what), "<hostdev> %s", text);
		source(im, p, "libvirt-hostdev", what);
		if (bus < 0 || slot < 0 || fn < 0 || vfe_slot_parse(text, s)) {
			note(im, "not a PCI address, left out");
			continue;
		}
		d = vfe_inventory_find(&im->inv, s);
		if (!d) {
			note(im, "nothing at %s on this machine, left out", s);
			continue;
		}
		pick_device(im, d, "another function of the graphics card");
	}
	sym_xmlXPathFreeObject(o);
	memset(&pins, 0, sizeof(pins));
	o = xpath(ctx, "/domain/cputune/vcpupin");
	if (!o)
		o = xpath(ctx, "/domain/vcpu[@cpuset]");
	for (i = 0; o && i < o->nodesetval->nodeNr; i++) {
		xmlChar *v = sym_xmlGetProp(o->nodesetval->nodeTab[i], (const xmlChar *)"cpuset");
		struct vfe_cpuset one;
		unsigned int c;

		if (v && !vfe_cpulist_parse((const char *)v, &one))
			for (c = 0; c < VFE_MAX_CPUS; c++)
				if (vfe_cpuset_test(&one, c))
					vfe_cpuset_set(&pins, c);
		vfe_xml_free(v);
	}
	if (o) {
		vfe_cpulist_format(&pins, list, sizeof(list));
		snprintf(src, sizeof(src), "%s", p);
		snprintf(what, sizeof(what), "%s %s",
			 strcmp((const char *)o->nodesetval->nodeTab[0]->name, "vcpupin")
			     ? "<vcpu cpuset>"
			     : "<vcpupin> cpusets",
			 list);
		source(im, p, "libvirt-pinning", what);
		add_cpus(im, src, "vCPU pinning", list);
	}
	sym_xmlXPathFreeObject(o);
	/* the domain is left as it is: every line read from it says so */
	for (k = first; im->j && k < json_object_array_length(jarray(im->j, "sources")); k++)
		fate(im, json_object_array_get_idx(jarray(im->j, "sources"), k), p, NULL,
		     "left alone ('vfio-earlyctl libvirt-xml --update NAME' keeps it in line with "
		     "the config)");
	if (!im->j)
		fate(im, NULL, p, NULL,
		     "left alone ('vfio-earlyctl libvirt-xml --update NAME' keeps it in line with "
		     "the config)");
out:
	sym_xmlXPathFreeContext(ctx);
	sym_xmlFreeDoc(doc);
}

static void import_domains(struct import *im, char **domains, unsigned int n_domains)
{
	char dir[VFE_PATH_MAX], path[VFE_PATH_MAX];
	struct dirent **names = NULL;
	unsigned int i;
	int n, k;

	for (i = 0; i < n_domains; i++)
		import_domain(im, domains[i]);
	if (n_domains)
		return;
	vfe_path(dir, sizeof(dir), im->g->root, "/etc/libvirt/qemu");
	n = scandir(dir, &names, NULL, alphasort);
	for (k = 0; k < n; k++) {
		size_t l = strlen(names[k]->d_name);

		if (l > 4 && !strcmp(names[k]->d_name + l - 4, ".xml") &&
		    snprintf(path, sizeof(path), "%s/%s", dir, names[k]->d_name) <
			(int)sizeof(path))
			import_domain(im, path);
		free(names[k]);
	}
	free(names);
}

/* The kernel's default hugepage size here (/proc/meminfo), 2 MiB when it does not say. */
static unsigned long default_hugepage_kb(const char *root)
{
	char path[VFE_PATH_MAX], *text = NULL, *p;
	unsigned long kb = 2048;
	size_t len;

	vfe_path(path, sizeof(path), root, "/proc/meminfo");
	if (vfe_slurp(path, 1 << 20, &text, &len) == 0 && (p = strstr(text, "Hugepagesize:")))
		kb = strtoul(p + 13, NULL, 10);
	free(text);
	return kb == 1048576 ? kb : 2048;
}

/* Every touched IOMMU group complete (bridges aside), as add checks it. */
static bool groups_complete(const struct import *im)
{
	json_object *j = NULL, *missing = NULL, *groups = NULL;
	bool ok = true;
	unsigned int i, k;

	if (im->j) {
		j = json_object_new_object();
		missing = json_object_new_array();
		groups = json_object_new_array();
		json_object_object_add(j, "groups", groups);
		json_object_object_add(j, "missing", missing);
		json_object_object_add(im->j, "iommu_groups", j);
	}
	for (i = 0; i < im->n_pick; i++) {
		int group = im->pick[i]->group;
		bool seen = false;

		for (k = 0; k < i; k++)
			seen |= im->pick[k]->group == group;
		if (!seen && j)
			json_object_array_add(groups, json_object_new_int(group));
		for (k = 0; k < im->inv.n && !seen && group >= 0; k++) {
			const struct vfe_dev *m = &im->inv.devs[k];
			json_object *o;
			char id[16];

			if (m->group != group || vfe_dev_is_bridge(m) || picked(im, m) ||
			    vfe_config_binds_slot(im->conf, m->slot))
				continue;
			if (ok && !j)
				printf("IOMMU groups: NOT complete; these members are not passed "
				       "through:\n");
			ok = false;
			if (!j) {
				printf("  group %d: %s [%04x:%04x] %s (%s)\n", group, m->slot,
				       m->vendor, m->device, m->device_name,
				       m->driver[0] ? m->driver : "no driver");
				continue;
			}
			snprintf(id, sizeof(id), "%04x:%04x", m->vendor, m->device);
			o = json_object_new_object();
			json_object_object_add(o, "group", json_object_new_int(group));
			json_object_object_add(o, "slot", jstr(m->slot));
			json_object_object_add(o, "id", jstr(id));
			json_object_object_add(o, "name", jstr(m->device_name));
			json_object_object_add(o, "driver", m->driver[0] ? jstr(m->driver) : NULL);
			json_object_array_add(missing, o);
		}
	}
	if (j)
		json_object_object_add(j, "complete", json_object_new_boolean(ok));
	if (!j && ok && im->n_pick) {
		printf("IOMMU groups: complete (");
		for (i = 0; i < im->n_pick; i++) {
			bool seen = false;

			for (k = 0; k < i; k++)
				seen |= im->pick[k]->group == im->pick[i]->group;
			if (!seen)
				printf("%s%d", i ? ", " : "", im->pick[i]->group);
		}
		printf(")\n");
	}
	return ok;
}

static bool same_set(const struct vfe_cpuset *a, const struct vfe_cpuset *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/*
 * One directive the sources cannot give as they are (they disagree, or the config has its
 * own line): said, or an entry of "conflicts" whose sources conflict_source adds.
 */
static json_object *conflict(struct import *im, const char *name, const char *what)
{
	json_object *c;

	if (!im->j) {
		printf("%s: %s\n", name, what);
		return NULL;
	}
	c = directive(name);
	json_object_object_add(c, "resolution", jstr(what));
	json_object_object_add(c, "sources", json_object_new_array());
	json_object_array_add(jarray(im->j, "conflicts"), c);
	return c;
}

static void conflict_source(json_object *c, const char *src, const char *text, const char *line)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "source", jstr(src));
	json_object_object_add(o, "text", jstr(text));
	json_object_object_add(o, "line", jstr(line));
	json_object_array_add(jarray(c, "sources"), o);
}

/* The lines to add: binds by slot, then hugepages, vm-cpus, governor where all agree. */
static int new_lines(struct import *im, struct vfe_sbuf *b, unsigned int *n)
{
	char line[512], list[VFE_HM_TEXT_LEN];
	json_object *c;
	unsigned int i, k;

	*n = 0;
	for (i = 0; i < im->n_pick; i++) {
		const struct vfe_dev *d = im->pick[i];

		if (vfe_config_binds_slot(im->conf, d->slot))
			continue;
		snprintf(line, sizeof(line), "bind %s %04x:%04x%s    # %.60s\n", d->slot, d->vendor,
			 d->device, d->boot_vga == 1 ? " allow-boot-vga" : "",
			 d->device_name[0] ? d->device_name : d->class_name);
		if (d->boot_vga == 1)
			say(im,
			    "%s is the boot VGA: the line says allow-boot-vga, as the hand-made "
			    "setup gave it away too",
			    d->slot);
		vfe_sbuf_adds(b, line);
		(*n)++;
	}
	for (i = 1; i < im->n_hp; i++)
		if (im->hp[i].size_kb != im->hp[0].size_kb || im->hp[i].count != im->hp[0].count ||
		    im->hp[i].node != im->hp[0].node)
			break;
	if (im->n_hp && i < im->n_hp) {
		c = conflict(im, "hugepages",
			     "the sources disagree, none imported; write the line you mean:");
		for (k = 0; k < im->n_hp; k++) {
			hugepages_line(line, sizeof(line), im->hp[k].size_kb, im->hp[k].count,
				       im->hp[k].node);
			if (c)
				conflict_source(c, im->hp[k].src, im->hp[k].text, line);
			else
				printf("  %s: %s\n", im->hp[k].src, im->hp[k].text);
		}
	} else if (im->n_hp && im->conf->n_hugepages) {
		hugepages_line(line, sizeof(line), im->hp[0].size_kb, im->hp[0].count,
			       im->hp[0].node);
		c = conflict(im, "hugepages", "the config has its own line already; it stays");
		for (k = 0; c && k < im->n_hp; k++)
			conflict_source(c, im->hp[k].src, im->hp[k].text, line);
	} else if (im->n_hp) {
		hugepages_line(line, sizeof(line), im->hp[0].size_kb, im->hp[0].count,
			       im->hp[0].node);
		vfe_sbuf_adds(b, line);
		vfe_sbuf_adds(b, "\n");
		(*n)++;
	}
	for (i = 1; i < im->n_cpus; i++)
		if (!same_set(&im->cpus[i].set, &im->cpus[0].set))
			break;
	if (im->n_cpus && i < im->n_cpus) {
		c = conflict(im, "vm-cpus",
			     "the sources disagree, none imported ('vfio-earlyctl cpus' suggests "
			     "one):");
		for (k = 0; k < im->n_cpus; k++) {
			vfe_cpulist_format(&im->cpus[k].set, list, sizeof(list));
			snprintf(line, sizeof(line), "vm-cpus %s", list);
			if (c)
				conflict_source(c, im->cpus[k].src, im->cpus[k].text, line);
			else
				printf("  %s: %s (%s)\n", im->cpus[k].src, list, im->cpus[k].text);
		}
		return 0;
	}
	if (im->n_cpus && im->conf->has_vm_cpus) {
		c = conflict(im, "vm-cpus", "the config has its own line already; it stays");
		for (k = 0; c && k < im->n_cpus; k++) {
			vfe_cpulist_format(&im->cpus[k].set, list, sizeof(list));
			snprintf(line, sizeof(line), "vm-cpus %s", list);
			conflict_source(c, im->cpus[k].src, im->cpus[k].text, line);
		}
	} else if (im->n_cpus) {
		vfe_cpulist_format(&im->cpus[0].set, list, sizeof(list));
		snprintf(line, sizeof(line), "vm-cpus %s\n", list);
		vfe_sbuf_adds(b, line);
		(*n)++;
	}
	if (im->governor[0] && !im->conf->governor[0] && (im->n_cpus || im->conf->has_vm_cpus)) {
		if (im->governor_cpus[0] && im->n_cpus) {
			struct vfe_cpuset g;

			if (!vfe_cpulist_parse(im->governor_cpus, &g) &&
			    !same_set(&g, &im->cpus[0].set))
				say(im,
				    "governor: %s sets CPUs %s, vm-cpus is another set: the "
				    "helper sets the vm-cpus' governor",
				    im->governor_src, im->governor_cpus);
		}
		snprintf(line, sizeof(line), "governor %s\n", im->governor);
		vfe_sbuf_adds(b, line);
		(*n)++;
	} else if (im->governor[0] && !im->conf->governor[0]) {
		say(im, "governor: no vm-cpus, so no governor line");
	}
	return b->err;
}

/*
 * What apply will do with each token of its names that was read, now that the config is
 * known: the same as one apply wants, it stays and is apply's; with the name of one apply
 * wants, apply replaces it (import adopts it: apply would stop otherwise); else it stays the
 * user's, untouched. Names compare as the kernel reads them ('-' and '_' alike).
 */
static void judge_tokens(struct import *im, const struct vfe_ktokens *t)
{
	unsigned int i, k;

	for (i = 0; i < im->n_tok; i++) {
		const char *w = im->tok[i].word, *same = NULL, *named = NULL;
		size_t nl = strcspn(w, "=");

		for (k = 0; k < t->n; k++) {
			if (vfe_ktoken_same(t->tok[k], w))
				same = t->tok[k];
			else if (!named && vfe_ktoken_same_name(t->tok[k], w))
				named = t->tok[k];
		}
		if (same || named)
			vfe_kown_add(im->adopt, w);
		if (same)
			fate(im, im->tok[i].src, im->tok[i].where, w,
			     "the same as apply's: it stays, and is apply's from now on");
		else if (named)
			fate(im, im->tok[i].src, im->tok[i].where, w,
			     "apply replaces it with %s (and the tokens that go with it)", named);
		else
			fate(im, im->tok[i].src, im->tok[i].where, w,
			     "stays yours (the config asks for no %.*s)", (int)nl, w);
	}
}

/*
 * The softdep lines of others that were read: apply's own file gives the driver a softdep
 * line (with the other modules of this one), and apply takes this one out; for a driver of
 * no target it stays.
 */
static int judge_softdeps(struct import *im, const struct vfe_config *merged)
{
	char *ours = NULL;
	unsigned int i;
	int r;

	if (!im->n_sd)
		return 0;
	r = vfe_modprobe_conf_render(im->g->root, merged->binds, merged->n_binds, false, &ours);
	if (r < 0)
		return r;
	for (i = 0; i < im->n_sd; i++)
		if (vfe_hm_softdep_replaced(im->sd[i].driver, ours))
			fate(im, im->sd[i].src, im->sd[i].where, im->sd[i].text,
			     "apply takes it out: its own softdep line for %s replaces it (with "
			     "any other module this line names)",
			     im->sd[i].driver);
		else
			fate(im, im->sd[i].src, im->sd[i].where, im->sd[i].text,
			     "left alone: the config binds no device %s drives ('vfio-earlyctl "
			     "check' says what to do)",
			     im->sd[i].driver);
	free(ours);
	return 0;
}

/* The config as it will be (its lines and the new ones), and what apply will do then. */
static int judge(struct import *im, const char *lines, size_t lines_len)
{
	static struct vfe_config merged;
	struct vfe_ktokens t;
	struct vfe_sbuf b = {0};
	char *text = NULL, *old = NULL, err[320];
	size_t len, old_len = 0;
	int r;

	if (vfe_slurp(im->g->config, VFE_CONFIG_MAX_BYTES, &old, &old_len) < 0)
		old_len = 0;
	vfe_sbuf_add(&b, old ? old : "", old_len);
	vfe_sbuf_adds(&b, "\n");
	vfe_sbuf_add(&b, lines, lines_len);
	free(old);
	r = vfe_sbuf_finish(&b, &text, &len);
	if (r < 0)
		return r;
	r = vfe_config_parse(&merged, text, len, err, sizeof(err));
	free(text);
	if (r == 0)
		r = ctl_render_tokens(im->g, &merged, &im->inv, &t);
	if (r < 0)
		return r;
	judge_tokens(im, &t);
	return judge_softdeps(im, &merged);
}

/* The config with the new lines and the record of the tokens apply may replace, together. */
static int write_import(struct import *im, const char *lines, size_t lines_len)
{
	char record[VFE_PATH_MAX], err[320], *old = NULL, *text = NULL, *old_rec = NULL;
	static struct vfe_config check;
	static struct vfe_kown mine;
	struct vfe_sbuf b = {0};
	struct vfe_backup bk;
	size_t old_len = 0, len, old_rec_len = 0;
	bool existed, rec_existed;
	unsigned int i;
	char *rec_text = NULL;
	int r;

	r = vfe_slurp(im->g->config, VFE_CONFIG_MAX_BYTES, &old, &old_len);
	existed = r == 0;
	if (r < 0 && r != -ENOENT)
		goto out;
	vfe_sbuf_add(&b, old ? old : "", old_len);
	if (b.len && b.s[b.len - 1] != '\n')
		vfe_sbuf_adds(&b, "\n");
	vfe_sbuf_adds(&b, "# imported from the hand-made setup by 'vfio-earlyctl import'\n");
	vfe_sbuf_add(&b, lines, lines_len);
	r = vfe_sbuf_finish(&b, &text, &len);
	if (r < 0)
		goto out;
	if (vfe_config_parse(&check, text, len, err, sizeof(err)) < 0) {
		ERR("the config would not parse (%s): nothing written", err);
		r = -EINVAL;
		goto out;
	}
	/* the tokens already ours, and those imported */
	vfe_path(record, sizeof(record), im->g->root, VFE_KTOKENS_RECORD);
	r = ctl_kown_load(im->g->root, NULL, &mine);
	for (i = 0; r == 0 && i < im->adopt->n; i++)
		r = vfe_kown_add(&mine, im->adopt->tok[i]);
	rec_text = r == 0 ? ctl_kown_record_text(&mine) : NULL;
	if (!rec_text) {
		r = r < 0 ? r : -ENOMEM;
		goto out;
	}
	r = vfe_slurp(record, 1 << 20, &old_rec, &old_rec_len);
	rec_existed = r == 0;
	if (r < 0 && r != -ENOENT)
		goto out;
	r = vfe_backup_begin(&bk, im->g->root, "import");
	if (r < 0) {
		ERR("cannot make a backup: %s; nothing written", strerror(-r));
		goto out;
	}
	r = vfe_backup_add(&bk, im->g->config, existed ? old : NULL, old_len);
	if (r == 0 && mine.n)
		r = vfe_backup_add(&bk, record, rec_existed ? old_rec : NULL, old_rec_len);
	if (r == 0)
		r = vfe_backup_write(&bk, im->g->config, text, len, 0644);
	if (r == 0 && mine.n)
		r = vfe_backup_write(&bk, record, rec_text, strlen(rec_text), 0644);
	if (r == 0) {
		vfe_backup_end(&bk);
		if (im->j) {
			json_object_object_add(im->j, "written", json_object_new_boolean(true));
			json_object_object_add(im->j, "backup", jstr(vfe_backup_name(&bk)));
		} else {
			printf("wrote %s%s%s (backup %s%s; 'vfio-earlyctl rollback' undoes it)\n",
			       im->g->config, mine.n ? " and " : "", mine.n ? record : "",
			       strcmp(im->g->root, "/") ? im->g->root : "", vfe_backup_name(&bk));
		}
		goto out;
	}
	ERR("cannot write the config: %s", strerror(-r));
	if (!bk.sealed)
		vfe_backup_discard(&bk);
	else if (vfe_backup_undo(&bk) < 0)
		ERR("the backup stays at %s", vfe_backup_name(&bk));
out:
	free(old);
	free(old_rec);
	free(text);
	free(rec_text);
	return r;
}

/* The new lines, one string each, for --json. */
static json_object *lines_json(const char *lines)
{
	json_object *a = json_object_new_array();
	const char *p;

	for (p = lines; p && *p;) {
		size_t l = strcspn(p, "\n");

		json_object_array_add(a, json_object_new_string_len(p, (int)l));
		p += l + (p[l] == '\n');
	}
	return a;
}

static int do_import(struct ctl_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'},      {"yes", no_argument, NULL, 'y'},
	    {"domain", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	static struct vfe_config conf;
	static struct vfe_kown adopt;
	struct import im = {.g = g, .conf = &conf, .adopt = &adopt};
	char *domains[MAX_DOMAINS], err[320], *lines = NULL;
	unsigned int n_domains = 0, n_lines = 0;
	bool dry_run = false, yes = false;
	size_t lines_len = 0;
	struct vfe_sbuf b = {0};
	int c, r, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+nyd:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'y':
			yes = true;
			break;
		case 'd':
			if (n_domains == MAX_DOMAINS) {
				fprintf(stderr, "vfio-earlyctl import: at most %d --domain\n",
					MAX_DOMAINS);
				return 2;
			}
			domains[n_domains++] = optarg;
			break;
		case 'j':
			g->json = true;
			break;
		case 'h':
			printf(
			    "Usage: vfio-earlyctl import [--dry-run] [--yes] [--json] [--domain "
			    "FILE]...\n"
			    "\n%s\n\n"
			    "  -n, --dry-run      show what would be imported, write nothing\n"
			    "  -y, --yes          write without asking\n"
			    "  -j, --json         the same as data: each source line and what it\n"
			    "                     became, the ids on several devices with their "
			    "slots,\n"
			    "                     the group check, the conflicts, the new lines; "
			    "writes\n"
			    "                     only with --yes (it never asks)\n"
			    "  -d, --domain FILE  a libvirt domain XML to read (default: every\n"
			    "                     /etc/libvirt/qemu/*.xml)\n"
			    "\nThen 'vfio-earlyctl apply' replaces the hand-made lines, each named "
			    "and backed up.\n"
			    "See vfio-earlyctl(8).\n",
			    ctl_cmd_import.help);
			return 0;
		default:
			fprintf(stderr,
				"Try 'vfio-earlyctl import --help' for more information.\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vfio-earlyctl import: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	/* --json never asks: without --yes it is a dry run */
	if (g->json && !yes)
		dry_run = true;
	if (!dry_run && ctl_lock(g) < 0)
		return 1;
	r = vfe_config_load(&conf, g->config, err, sizeof(err));
	if (r == -ENOENT) {
		vfe_config_init(&conf);
	} else if (r < 0) {
		ERR("%s: fix it first (nothing changed)", err);
		return 1;
	}
	r = vfe_inventory_scan(&im.inv, g->root, VFE_INV_NAMES);
	if (r < 0) {
		ERR("cannot read the PCI bus: %s", strerror(-r));
		return 1;
	}
	if (g->json) {
		im.j = json_object_new_object();
		json_object_object_add(im.j, "config", jstr(g->config));
		json_object_object_add(im.j, "config_exists",
				       json_object_new_boolean(vfe_exists(g->config)));
		json_object_object_add(im.j, "dry_run", json_object_new_boolean(dry_run));
		json_object_object_add(im.j, "written", json_object_new_boolean(false));
		json_object_object_add(im.j, "backup", NULL);
		jarray(im.j, "sources");
		jarray(im.j, "ambiguous");
		jarray(im.j, "conflicts");
		jarray(im.j, "notes");
	}
	im.default_kb = default_hugepage_kb(g->root);
	if (!im.j)
		printf("the hand-made setup, line by line, and what it becomes:\n");
	import_cmdlines(&im);
	import_files(&im, VFE_HM_MODPROBE_IDS);
	import_files(&im, VFE_HM_MODPROBE_SOFTDEP);
	import_files(&im, VFE_HM_SYSCTL_HUGEPAGES);
	import_files(&im, VFE_HM_UDEV_GOVERNOR);
	import_files(&im, VFE_HM_IRQBALANCE);
	import_domains(&im, domains, n_domains);
	im.cur = NULL;
	if (!groups_complete(&im)) {
		ERR("nothing written: pass the whole groups to the VM (or none of them), then "
		    "import again");
		goto out;
	}
	if (new_lines(&im, &b, &n_lines) < 0 || vfe_sbuf_finish(&b, &lines, &lines_len) < 0) {
		r = -ENOMEM;
		goto out;
	}
	if (judge(&im, lines, lines_len) < 0) {
		ERR("the new lines do not give a kernel command line: nothing written");
		goto out;
	}
	if (im.j) {
		json_object_object_add(im.j, "lines", lines_json(lines));
	} else if (!n_lines) {
		printf("nothing new for %s\n", g->config);
	} else {
		printf("new lines for %s%s:\n", g->config,
		       vfe_exists(g->config) ? " (its own lines stay)" : "");
		for (char *p = lines; *p;) {
			size_t l = strcspn(p, "\n");

			printf("+ %.*s\n", (int)l, p);
			p += l + (p[l] == '\n');
		}
	}
	if (im.fate.len)
		printf("what 'vfio-earlyctl apply' will do with the hand-made lines:\n%s",
		       im.fate.s);
	if (dry_run || !n_lines) {
		status = im.refused;
		goto out;
	}
	if (!yes && !ctl_confirm("Write these lines?", "write the config"))
		goto out;
	if (write_import(&im, lines, lines_len) < 0)
		goto out;
	if (!im.j)
		printf("next: 'vfio-earlyctl check', then 'vfio-earlyctl apply'\n");
	status = im.refused;
out:
	if (im.j) {
		json_object_object_add(im.j, "refused", json_object_new_boolean(im.refused));
		printf("%s\n", json_object_to_json_string_ext(
				   im.j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(im.j);
	}
	free(lines);
	free(b.s);
	free(im.fate.s);
	vfe_inventory_free(&im.inv);
	return status;
}

const struct ctl_cmd ctl_cmd_import = {
    "import", do_import,
    "turn a hand-made setup (vfio_pci.ids=, sysctl, udev, irqbalance, libvirt) into the config"};
