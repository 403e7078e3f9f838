/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "ctl.h"

/* Render everything from the config, show the diffs, write, regenerate (apply, regenerate). */
int ctl_apply(struct ctl_globals *g, bool dry_run, bool yes);
/* Run the bootloader and initramfs generators this system has (or say what would run). */
int ctl_regenerate_boot_files(struct ctl_globals *g, bool grub, bool dry_run);
