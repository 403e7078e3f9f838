// SPDX-License-Identifier: GPL-2.0-or-later
#include "softdep.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "../lib/boot/log.h"
#include "../lib/boot/util.h"
#include "../module/vfio_early_limits.h"
#include "kmod-dl.h"

#define MAX_DRIVERS 64

/* The modprobe.d directories kmod reads, in its order of precedence. */
static const char *const conf_dirs[] = {"/etc/modprobe.d", "/run/modprobe.d",
					"/usr/local/lib/modprobe.d", "/lib/modprobe.d"};

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

	vfe_kmod_list_foreach(l, list)
	{
		struct kmod_module *m = sym_kmod_module_get_module(l);
		const char *name = sym_kmod_module_get_name(m);
		size_t len = strlen(buf);
		int w = 0;

		if (!ours(name))
			w = snprintf(buf + len, size - len, " %s", name);
		sym_kmod_module_unref(m);
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

	if (sym_kmod_module_new_from_name(ctx, driver, &m) < 0)
		return NULL;
	if (sym_kmod_module_get_softdeps(m, &pre, &post) < 0) {
		sym_kmod_module_unref(m);
		return NULL;
	}
	ok = append_names(buf, sizeof(buf), pre) && append_names(post_buf, sizeof(post_buf), post);
	sym_kmod_module_unref_list(pre);
	sym_kmod_module_unref_list(post);
	sym_kmod_module_unref(m);
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
	char dir[VFE_PATH_MAX], conf[VFE_ARRAY_SIZE(conf_dirs)][VFE_PATH_MAX];
	const char *confs[VFE_ARRAY_SIZE(conf_dirs) + 1];
	char err[256];
	struct utsname u;
	size_t i;

	if (vfe_kmod_open(err, sizeof(err)) < 0) {
		ERR("%s", err);
		return NULL;
	}
	if (!root || !strcmp(root, "/"))
		return sym_kmod_new(NULL, NULL);
	uname(&u);
	if (vfe_pathf(dir, sizeof(dir), root, "/lib/modules/%s", u.release) < 0)
		return NULL;
	for (i = 0; i < VFE_ARRAY_SIZE(conf_dirs); i++) {
		if (vfe_path(conf[i], sizeof(conf[i]), root, conf_dirs[i]) < 0)
			return NULL;
		confs[i] = conf[i];
	}
	confs[i] = NULL;
	return sym_kmod_new(dir, confs);
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
		if (sym_kmod_module_new_from_lookup(ctx, alias, &list) < 0)
			continue;
		vfe_kmod_list_foreach(l, list)
		{
			struct kmod_module *m = sym_kmod_module_get_module(l);
			const char *name = sym_kmod_module_get_name(m);
			size_t k;

			for (k = 0; k < n_drivers && strcmp(drivers[k], name); k++)
				;
			/* vfio-pci's only alias is "vfio_pci:", so it never shows up, but be sure
			 */
			if (k == n_drivers && n_drivers < MAX_DRIVERS && strcmp(name, "vfio_pci"))
				drivers[n_drivers++] = strdup(name);
			sym_kmod_module_unref(m);
		}
		sym_kmod_module_unref_list(list);
	}
	qsort(drivers, n_drivers, sizeof(drivers[0]), cmp_str);
	cap = 256 + n_drivers * 96 + n * 64;
	for (i = 0; i < n_drivers; i++) {
		kept[i] = kept_softdeps(ctx, drivers[i]);
		cap += kept[i] ? strlen(kept[i]) : 0;
	}
	sym_kmod_unref(ctx);
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
			     VFE_MODPROBE_HEADER
			     " from /etc/vfio-early.conf; do not "
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

/* Module names compare with '-' and '_' alike, as kmod compares them. */
static bool same_module(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (strlen(b) != alen)
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

/* Whether the modprobe.d file at PATH has a "softdep DRIVER" line. */
static bool has_softdep(const char *path, const char *driver)
{
	char *text = NULL, *line, *save = NULL;
	size_t len;
	bool found = false;

	if (vfe_slurp(path, 1 << 20, &text, &len) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n;

		line += strspn(line, " \t");
		if (strncmp(line, "softdep", 7) || !strchr(" \t", line[7]) || !line[7])
			continue;
		line += 7 + strspn(line + 7, " \t");
		n = strcspn(line, " \t");
		found = same_module(line, n, driver);
	}
	free(text);
	return found;
}

struct conf_file {
	char name[256];
	char path[VFE_PATH_MAX];
};

static int cmp_conf(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->name, ((const struct conf_file *)b)->name);
}

/* Adds NAME (in DIR) unless a directory read before already gave that name. */
static int add_conf(struct conf_file **v, size_t *n, size_t *cap, const char *dir, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name))
			return 0;
	if (*n == *cap) {
		struct conf_file *nv = realloc(*v, (*cap ? *cap * 2 : 16) * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = *cap ? *cap * 2 : 16;
	}
	snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", name);
	if (snprintf((*v)[*n].path, sizeof((*v)[*n].path), "%s/%s", dir, name) >=
	    (int)sizeof((*v)[*n].path))
		return 0;
	(*n)++;
	return 0;
}

int vfe_softdep_first_file(const char *root, const char *driver, const char *as_if_written,
			   char *file, size_t size)
{
	struct conf_file *v = NULL;
	size_t n = 0, cap = 0, i, d;
	char dir[VFE_PATH_MAX];
	int r = 0;

	file[0] = 0;
	for (d = 0; d < VFE_ARRAY_SIZE(conf_dirs) && r == 0; d++) {
		size_t dl;
		DIR *dh;
		struct dirent *e;

		if (vfe_path(dir, sizeof(dir), root, conf_dirs[d]) < 0)
			continue;
		dl = strlen(dir);
		/* the file about to be written takes its place among the others */
		if (as_if_written && !strncmp(as_if_written, dir, dl) && as_if_written[dl] == '/' &&
		    !strchr(as_if_written + dl + 1, '/'))
			r = add_conf(&v, &n, &cap, dir, as_if_written + dl + 1);
		dh = opendir(dir);
		if (!dh)
			continue;
		while (r == 0 && (e = readdir(dh))) {
			size_t l = strlen(e->d_name);

			if (e->d_name[0] != '.' && l > 5 && !strcmp(e->d_name + l - 5, ".conf"))
				r = add_conf(&v, &n, &cap, dir, e->d_name);
		}
		closedir(dh);
	}
	if (r == 0) {
		qsort(v, n, sizeof(*v), cmp_conf);
		for (i = 0; i < n; i++) {
			bool planned = as_if_written && !strcmp(v[i].path, as_if_written);

			if (planned || has_softdep(v[i].path, driver)) {
				snprintf(file, size, "%s", v[i].path);
				break;
			}
		}
	}
	free(v);
	return r;
}

bool vfe_modprobe_conf_is_ours(const char *path)
{
	char head[sizeof(VFE_MODPROBE_HEADER)];
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       vfe_read_file(path, head, sizeof(head)) == (ssize_t)sizeof(head) - 1 &&
	       !strcmp(head, VFE_MODPROBE_HEADER);
}
