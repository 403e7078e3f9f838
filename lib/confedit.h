/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Line-preserving edits of /etc/vfio-early.conf: the user's comments, blank lines and order
 * stay; only whole bind lines are appended or dropped. The result must parse, or nothing
 * is written. The old file is backed up (see backup.h) and replaced atomically.
 */
int vfe_conf_add_lines(const char *root, const char *path, const char *const *lines, size_t n,
		       char *err, size_t errsize);
int vfe_conf_remove_slots(const char *root, const char *path, const char *const *slots, size_t n,
			  char *err, size_t errsize);
/* Rewrite the slot of the bind lines for FROM[i] to TO[i]; everything else stays. */
int vfe_conf_move_slots(const char *root, const char *path, const char (*from)[16],
			const char (*to)[16], size_t n, bool dry_run, char *err, size_t errsize);
