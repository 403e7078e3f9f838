/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Load vfio-pci and vfio_iommu_type1 with libkmod, so options from modprobe.d and the
 * kernel command line apply. "Already loaded" and "built in" are success.
 * Under a ROOT other than /, modules come from ROOT/lib/modules/<release>.
 * libkmod.so.2 is opened at the first call; without it, -ELIBACC and a message in ERR.
 */
int vfe_load_vfio_modules(const char *root, char *err, size_t errsize);
/* Load one module by name or alias; 0 or -errno with a message in ERR. */
int vfe_load_module(const char *root, const char *name, char *err, size_t errsize);
/* Can NAME be had: built in, loaded, or a module file under ROOT's module tree? */
bool vfe_module_available(const char *root, const char *name);
