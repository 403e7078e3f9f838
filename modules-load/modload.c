// SPDX-License-Identifier: GPL-2.0-or-later
#include "modload.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "../lib/boot/log.h"
#include "../lib/boot/util.h"
#include "kmod-dl.h"

#define LIBKMOD_SONAME "libkmod.so.2"

#define VFE_KMOD_DEFINE(f) typeof(f) *sym_##f;
VFE_KMOD_FUNCS(VFE_KMOD_DEFINE)
#undef VFE_KMOD_DEFINE
static void *libkmod;

int vfe_kmod_open(char *err, size_t errsize)
{
	static const struct {
		const char *name;
		void **sym;
	} syms[] = {
#define VFE_KMOD_SYM(fn) {#fn, (void **)&sym_##fn},
	    VFE_KMOD_FUNCS(VFE_KMOD_SYM)
#undef VFE_KMOD_SYM
	};
	void *dl;
	size_t i;

	if (libkmod)
		return 0;
	dl = dlopen(LIBKMOD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		snprintf(err, errsize, "cannot open %s, which loads modules: %s", LIBKMOD_SONAME,
			 dlerror());
		return -ELIBACC;
	}
	for (i = 0; i < VFE_ARRAY_SIZE(syms); i++) {
		*syms[i].sym = dlsym(dl, syms[i].name);
		if (!*syms[i].sym) {
			snprintf(err, errsize, "%s has no %s: %s", LIBKMOD_SONAME, syms[i].name,
				 dlerror());
			dlclose(dl);
			return -ELIBBAD;
		}
	}
	libkmod = dl;
	return 0;
}

static void kmod_log(void *data, int priority, const char *file, int line, const char *fn,
		     const char *format, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	/* libkmod's own messages, routed into our one logger; its errors are ours to judge. */
	vfe_logv(priority <= VFE_LOG_ERR ? VFE_LOG_WARNING : VFE_LOG_DEBUG, format, args);
}

static struct kmod_ctx *open_ctx(const char *root, char *err, size_t errsize)
{
	char dir[VFE_PATH_MAX], conf[3][VFE_PATH_MAX];
	const char *confs[4];
	struct kmod_ctx *ctx;
	struct utsname u;

	if (vfe_kmod_open(err, errsize) < 0)
		return NULL;
	if (!root || !strcmp(root, "/") || !root[0]) {
		ctx = sym_kmod_new(NULL, NULL);
	} else {
		uname(&u);
		if (vfe_pathf(dir, sizeof(dir), root, "/lib/modules/%s", u.release) < 0 ||
		    vfe_path(conf[0], sizeof(conf[0]), root, "/etc/modprobe.d") < 0 ||
		    vfe_path(conf[1], sizeof(conf[1]), root, "/run/modprobe.d") < 0 ||
		    vfe_path(conf[2], sizeof(conf[2]), root, "/lib/modprobe.d") < 0) {
			snprintf(err, errsize, "path too long");
			return NULL;
		}
		if (!vfe_exists(dir)) {
			snprintf(err, errsize, "no modules at %s", dir);
			return NULL;
		}
		confs[0] = conf[0];
		confs[1] = conf[1];
		confs[2] = conf[2];
		confs[3] = NULL;
		ctx = sym_kmod_new(dir, confs);
	}
	if (!ctx) {
		snprintf(err, errsize, "libkmod: cannot start");
		return NULL;
	}
	sym_kmod_set_log_fn(ctx, kmod_log, NULL);
	sym_kmod_set_log_priority(ctx, vfe_log_get_level());
	return ctx;
}

static int load_one(struct kmod_ctx *ctx, const char *name, char *err, size_t errsize)
{
	struct kmod_list *list = NULL, *l;
	int r;

	r = sym_kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0 || !list) {
		snprintf(err, errsize, "module %s not found%s", name,
			 r < 0 ? ": lookup failed" : "");
		return r < 0 ? r : -ENOENT;
	}
	vfe_kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = sym_kmod_module_get_module(l);

		DBG("loading module %s", sym_kmod_module_get_name(mod));
		r = sym_kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
		if (r < 0)
			snprintf(err, errsize, "cannot load %s: %s", sym_kmod_module_get_name(mod),
				 strerror(-r));
		sym_kmod_module_unref(mod);
		if (r == 0)
			break;
	}
	sym_kmod_module_unref_list(list);
	return r;
}

int vfe_load_module(const char *root, const char *name, char *err, size_t errsize)
{
	struct kmod_ctx *ctx = open_ctx(root, err, errsize);
	int r;

	if (!ctx)
		return -ENOENT;
	r = load_one(ctx, name, err, errsize);
	sym_kmod_unref(ctx);
	return r;
}

int vfe_load_vfio_modules(const char *root, char *err, size_t errsize)
{
	struct kmod_ctx *ctx = open_ctx(root, err, errsize);
	int r;

	if (!ctx)
		return -ENOENT;
	r = load_one(ctx, "vfio-pci", err, errsize);
	/* The IOMMU backend is needed by every user of the device, not for binding. */
	if (r == 0 && load_one(ctx, "vfio_iommu_type1", err, errsize) < 0)
		WRN("%s", err);
	sym_kmod_unref(ctx);
	return r;
}

bool vfe_module_available(const char *root, const char *name)
{
	char err[256], path[VFE_PATH_MAX];
	struct kmod_list *list = NULL;
	struct kmod_ctx *ctx;
	bool found;

	/* A registered driver answers at once, whatever the module tree says. */
	if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/drivers/%s", name) == 0 &&
	    vfe_exists(path))
		return true;
	ctx = open_ctx(root, err, sizeof(err));
	if (!ctx)
		return false;
	found = sym_kmod_module_new_from_lookup(ctx, name, &list) == 0 && list;
	sym_kmod_module_unref_list(list);
	sym_kmod_unref(ctx);
	return found;
}
