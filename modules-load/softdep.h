/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include <stdbool.h>

#include "../lib/boot/config.h"

/*
 * The modprobe.d file apply writes. kmod reads the files of every modprobe.d directory in
 * the order of their names and takes only the first softdep line for a module: the name
 * sorts before the usual ones, so a packaged softdep for the same host driver does not
 * silently win over ours (ours carries that one's modules too: nothing is lost).
 */
#define VFE_MODPROBE_CONF "/etc/modprobe.d/00-vfio-early.conf"
/* Where an apply before 0.1.0's rename wrote it: removed by apply when it is ours. */
#define VFE_MODPROBE_CONF_OLD "/etc/modprobe.d/vfio-early.conf"
/* The first line of the file apply writes (how apply and check know it is ours). */
#define VFE_MODPROBE_HEADER "# Written by vfio-earlyctl apply"

/*
 * VFE_MODPROBE_CONF: the host drivers that would claim the BINDS devices, each
 * device's modalias looked up with libkmod (ROOT's module tree and modprobe.d), get
 * "softdep <driver> pre: vfio-pci" (sorted, once each). With the kernel module installed
 * (WITH_MODULE), it comes first too and gets "options vfio_early bind=..." from the config.
 * A malloc'd text into *OUT.
 */
int vfe_modprobe_conf_render(const char *root, const struct vfe_bind_rule *binds, size_t n,
			     bool with_module, char **out);

/*
 * The modprobe.d file (ROOT's path) whose softdep line for DRIVER kmod takes, in kmod's
 * order (the files of /etc, /run, /usr/local/lib and /lib/modprobe.d by name, a name in an
 * earlier directory hiding the same name in a later one), into FILE; "" when no file has
 * one. AS_IF_WRITTEN (a path under ROOT, or NULL): counted as present, for a file apply
 * is about to write. 0, or a negative errno.
 */
int vfe_softdep_first_file(const char *root, const char *driver, const char *as_if_written,
			   char *file, size_t size);

/* Whether PATH is a regular file that apply wrote (its first line says so). */
bool vfe_modprobe_conf_is_ours(const char *path);
