/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

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
