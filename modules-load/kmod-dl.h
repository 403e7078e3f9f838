/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libkmod.h>
#include <stddef.h>

/*
 * libkmod, opened when it is first needed (dlopen, systemd's dlopen-on-demand): the boot
 * helper's usual run, vfio-pci already registered, and every vfio-earlyctl command that
 * neither loads a module nor reads modprobe's configuration map neither it nor the libcrypto,
 * libzstd and liblzma it brings. Its own declarations type every symbol; the functions are
 * called through sym_<name>. vfe_kmod_open() is 0, or -ELIBACC/-ELIBBAD with ERR saying why.
 */
int vfe_kmod_open(char *err, size_t errsize);

#define VFE_KMOD_FUNCS(X)                  \
	X(kmod_new)                        \
	X(kmod_unref)                      \
	X(kmod_set_log_fn)                 \
	X(kmod_set_log_priority)           \
	X(kmod_list_next)                  \
	X(kmod_module_new_from_lookup)     \
	X(kmod_module_new_from_name)       \
	X(kmod_module_get_module)          \
	X(kmod_module_get_name)            \
	X(kmod_module_get_softdeps)        \
	X(kmod_module_probe_insert_module) \
	X(kmod_module_unref)               \
	X(kmod_module_unref_list)

#define VFE_KMOD_DECLARE(f) extern typeof(f) *sym_##f;
VFE_KMOD_FUNCS(VFE_KMOD_DECLARE)
#undef VFE_KMOD_DECLARE

/* kmod_list_foreach, through the opened library */
#define vfe_kmod_list_foreach(l, list) \
	for ((l) = (list); (l); (l) = sym_kmod_list_next((list), (l)))
