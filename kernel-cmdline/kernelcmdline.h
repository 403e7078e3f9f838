/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tokens.h"

#define VFE_KERNEL_CMDLINE_PATH	     "/etc/kernel/cmdline"
#define VFE_KERNEL_CMDLINE_MAX_BYTES (64 * 1024)

/*
 * /etc/kernel/cmdline (kernel-install, systemd-boot, ukify): the whole file is one command
 * line (kernel-install squeezes its blanks and line ends into spaces). Edits our tokens in
 * place as vfe_cmdline_edit does. A missing file is -ENOENT and is never built from
 * /proc/cmdline: the caller decides. 0 or -errno; ERR says what failed.
 */
int vfe_kernel_cmdline_file_edit(const char *path, const struct vfe_ktokens *wanted,
				 struct vfe_text_edit *e, char *err, size_t errsize);
