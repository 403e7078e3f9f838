/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "../../kernel-cmdline/tokens.h"
#include "../../lib/config.h"
#include "../../lib/inventory.h"
#include "ctl.h"

/* Render everything from the config, show the diffs, write, regenerate (apply, regenerate). */
int ctl_apply(struct ctl_globals *g, bool dry_run, bool yes);
/* The kernel command-line tokens the config asks for on this machine (apply, check). */
int ctl_render_tokens(struct ctl_globals *g, const struct vfe_config *conf,
		      const struct vfe_inventory *inv, struct vfe_ktokens *t);
/* Run the bootloader and initramfs generators this system has (or say what would run). */
int ctl_regenerate_boot_files(struct ctl_globals *g, bool grub, bool dry_run);
