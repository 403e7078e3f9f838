// SPDX-License-Identifier: GPL-2.0-or-later
#include "softdep.h"

#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../module/vfio_early_limits.h"

#define MAX_DRIVERS 64

/*
 * One entry of the module's bind= list, written from the rule's numbers in the form the
 * module parses (module/vfio_early.c, tests/switch-cases.txt): a slot or id the module would
 * reject is refused here (-EINVAL), so apply never writes an options line that loads the
 * module with no rules.
 */
static int kmod_entry(char *buf, size_t size, const struct vfe_bind_rule *b)
{
	char class[8] = "";
	int len;

	if (b->domain < 0 || (unsigned long)b->domain > VFE_KMOD_MAX_DOMAIN || b->bus < 0 ||
	    b->bus > 0xff || b->dev < 0 || b->dev > 0x1f || b->func < 0 || b->func > 7 ||
	    b->vendor < 0 || b->vendor > 0xffff || b->device < 0 || b->device > 0xffff ||
	    b->device_class > 0xffff)
		return -EINVAL;
	if (b->device_class >= 0)
		snprintf(class, sizeof(class), ":%04x", (unsigned int)b->device_class);
	len = snprintf(buf, size, "%04x:%02x:%02x.%x/%04x:%04x%s%s", (unsigned int)b->domain,
		       (unsigned int)b->bus, (unsigned int)b->dev, (unsigned int)b->func,
		       (unsigned int)b->vendor, (unsigned int)b->device, class,
		       b->allow_boot_vga ? "/allow-boot-vga" : "");
	if (len < 0 || (size_t)len >= size || len > VFE_KMOD_MAX_ENTRY_LEN)
		return -EINVAL;
	return len;
}

static bool ours(const char *name)
{
	return !strcmp(name, "vfio_pci") || !strcmp(name, "vfio-pci") ||
	       !strcmp(name, "vfio_early");
}

/* " NAME..." of the modules in LIST that are not ours, appended to BUF; false when full. */
static bool append_names(char *buf, size_t size, struct kmod_list *list)
{
	struct kmod_list *l;

	kmod_list_foreach (l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		const char *name = kmod_module_get_name(m);
		size_t len = strlen(buf);
		int w = 0;

		if (!ours(name))
			w = snprintf(buf + len, size - len, " %s", name);
		kmod_module_unref(m);
		if (w < 0 || (size_t)w >= size - len)
			return false;
	}
	return true;
}

/*
 * The softdep that modprobe.d already gives DRIVER (a packaged one, or ours from the last
 * apply), without our own modules: " a b post: c", or NULL when there is none. kmod takes
 * only the first softdep line for a module, so ours carries the other's modules too and
 * nothing is lost whichever line comes first.
 */
static char *kept_softdeps(struct kmod_ctx *ctx, const char *driver)
{
	struct kmod_list *pre = NULL, *post = NULL;
	struct kmod_module *m = NULL;
	char buf[512] = "", post_buf[512] = "";
	bool ok;

	if (kmod_module_new_from_name(ctx, driver, &m) < 0)
		return NULL;
	if (kmod_module_get_softdeps(m, &pre, &post) < 0) {
		kmod_module_unref(m);
		return NULL;
	}
	ok = append_names(buf, sizeof(buf), pre) && append_names(post_buf, sizeof(post_buf), post);
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	kmod_module_unref(m);
	if (!ok) {
		WRN("softdep %s: the modules modprobe.d gives it do not fit; ours leaves them out",
		    driver);
		return NULL;
	}
	if (post_buf[0] && strlen(buf) + strlen(post_buf) + 8 < sizeof(buf)) {
		strcat(buf, " post:");
		strcat(buf, post_buf);
	}
	return buf[0] ? strdup(buf) : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct kmod_ctx *ctx_for(const char *root)
{
	char dir[VFE_PATH_MAX], conf[2][VFE_PATH_MAX];
	const char *confs[3];
	struct utsname u;

	if (!root || !strcmp(root, "/"))
		return kmod_new(NULL, NULL);
	uname(&u);
	if (vfe_pathf(dir, sizeof(dir), root, "/lib/modules/%s", u.release) < 0 ||
	    vfe_path(conf[0], sizeof(conf[0]), root, "/etc/modprobe.d") < 0 ||
	    vfe_path(conf[1], sizeof(conf[1]), root, "/lib/modprobe.d") < 0)
		return NULL;
	confs[0] = conf[0];
	confs[1] = conf[1];
	confs[2] = NULL;
	return kmod_new(dir, confs);
}

int vfe_modprobe_conf_render(const char *root, const struct vfe_bind_rule *binds, size_t n,
			     bool with_module, char **out)
{
	char *drivers[MAX_DRIVERS], *kept[MAX_DRIVERS], path[VFE_PATH_MAX], alias[256], *text;
	size_t i, n_drivers = 0, len = 0, cap;
	struct kmod_ctx *ctx;
	char entry[VFE_KMOD_MAX_ENTRY_LEN + 2];
	size_t list_len = 0;

	/* The module takes at most VFE_KMOD_MAX_RULES entries, each in its own grammar. */
	if (with_module && n > VFE_KMOD_MAX_RULES) {
		ERR("vfio_early.ko takes at most %d bind rules, the config has %zu",
		    VFE_KMOD_MAX_RULES, n);
		return -E2BIG;
	}
	for (i = 0; with_module && i < n; i++) {
		int e = kmod_entry(entry, sizeof(entry), &binds[i]);

		if (e < 0) {
			ERR("bind %s %s: not a rule vfio_early.ko takes", binds[i].slot,
			    binds[i].id);
			return -EINVAL;
		}
		list_len += (size_t)e + (i ? 1 : 0);
	}
	if (list_len > VFE_KMOD_MAX_LIST_LEN) {
		ERR("vfio_early.ko bind= would be %zu characters, more than %d", list_len,
		    VFE_KMOD_MAX_LIST_LEN);
		return -E2BIG;
	}
	ctx = ctx_for(root);
	if (!ctx)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct kmod_list *list = NULL, *l;

		if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/modalias",
			      binds[i].slot) < 0 ||
		    vfe_read_file(path, alias, sizeof(alias)) < 0)
			continue;
		if (kmod_module_new_from_lookup(ctx, alias, &list) < 0)
			continue;
		kmod_list_foreach (l, list) {
			struct kmod_module *m = kmod_module_get_module(l);
			const char *name = kmod_module_get_name(m);
			size_t k;

			for (k = 0; k < n_drivers && strcmp(drivers[k], name); k++)
				;
			/* vfio-pci's only alias is "vfio_pci:", so it never shows up, but be sure
			 */
			if (k == n_drivers && n_drivers < MAX_DRIVERS && strcmp(name, "vfio_pci"))
				drivers[n_drivers++] = strdup(name);
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	qsort(drivers, n_drivers, sizeof(drivers[0]), cmp_str);
	cap = 256 + n_drivers * 96 + n * 64;
	for (i = 0; i < n_drivers; i++) {
		kept[i] = kept_softdeps(ctx, drivers[i]);
		cap += kept[i] ? strlen(kept[i]) : 0;
	}
	kmod_unref(ctx);
	text = malloc(cap);
	if (!text) {
		for (i = 0; i < n_drivers; i++) {
			free(drivers[i]);
			free(kept[i]);
		}
		return -ENOMEM;
	}
	len =
	    (size_t)snprintf(text, cap,
			     "# Written by vfio-earlyctl apply from /etc/vfio-early.conf; do not "
			     "edit.\n# A safety net: vfio-pci loads before the host drivers of the "
			     "configured devices.\n");
	for (i = 0; i < n_drivers; i++) {
		len += (size_t)snprintf(text + len, cap - len, "softdep %s pre: vfio-pci%s%s\n",
					drivers[i], with_module ? " vfio_early" : "",
					kept[i] ? kept[i] : "");
		free(drivers[i]);
		free(kept[i]);
	}
	/* The kernel module takes the same rules as the helper's vfio_early.bind= switch. */
	for (i = 0; with_module && i < n; i++) {
		kmod_entry(entry, sizeof(entry), &binds[i]);
		len += (size_t)snprintf(text + len, cap - len, "%s%s",
					i ? "," : "options vfio_early bind=", entry);
	}
	if (with_module && n)
		len += (size_t)snprintf(text + len, cap - len, "\n");
	*out = text;
	return 0;
}
