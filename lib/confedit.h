/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "boot/config.h"

/*
 * Line-preserving edits of /etc/vfio-early.conf: the user's comments, blank lines and order
 * stay; only whole bind lines are appended or dropped, or their slot word rewritten. Lines
 * of any length are read (the parser's limit is the parser's). The result must parse, or
 * nothing is written. The old file is backed up (see backup.h) and replaced atomically,
 * keeping its mode, owner and label.
 */
int vfe_conf_add_lines(const char *root, const char *path, const char *const *lines, size_t n,
		       char *err, size_t errsize);
/* Drop the bind lines of SLOTS[i] (normalized); HITS[i] gets how many lines each had. Nothing
 * is written when no slot had one (-ENOENT). */
int vfe_conf_remove_slots(const char *root, const char *path, const char *const *slots, size_t n,
			  unsigned int *hits, char *err, size_t errsize);
/*
 * The text of OLD (LEN bytes) with the slot word of the bind lines of FROM[i] rewritten to
 * TO[i]; everything else stays. *OUT is malloc'd. 0, -ENOENT (no line matched), -ENOMEM.
 */
int vfe_conf_move_text(const char *old, size_t len, const char (*from)[VFE_SLOT_LEN],
		       const char (*to)[VFE_SLOT_LEN], size_t n, char **out, size_t *outlen);
