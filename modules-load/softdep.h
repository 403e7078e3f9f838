/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include <stdbool.h>

#include "../lib/config.h"

/*
 * /etc/modprobe.d/vfio-early.conf: the host drivers that would claim the BINDS devices, each
 * device's modalias looked up with libkmod (ROOT's module tree and modprobe.d), get
 * "softdep <driver> pre: vfio-pci" (sorted, once each). With the kernel module installed
 * (WITH_MODULE), it comes first too and gets "options vfio_early bind=..." from the config.
 * A malloc'd text into *OUT.
 */
int vfe_modprobe_conf_render(const char *root, const struct vfe_bind_rule *binds, size_t n,
			     bool with_module, char **out);
