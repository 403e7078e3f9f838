/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "../../kernel-cmdline/tokens.h"
#include "../../lib/boot/config.h"
#include "../../lib/inventory.h"
#include "ctl.h"

/* A config text apply writes with the rest and acts on, instead of the file's (regenerate). */
struct ctl_conf_change {
	const char *old, *new;
	size_t old_len, new_len;
	bool existed;
};

/*
 * Render everything from the config (or CC), show the diffs, ask, back up, write, regenerate
 * (apply, regenerate). Nothing is written before the user agreed; a failed step puts every
 * file back and runs the generators that had run again. 0 or 1 (the exit status).
 */
int ctl_apply(struct ctl_globals *g, bool dry_run, bool yes, const struct ctl_conf_change *cc);
/* The same; ADOPT: the user's kernel command-line tokens of our names become ours (--adopt). */
int ctl_apply_adopt(struct ctl_globals *g, bool dry_run, bool yes, bool adopt,
		    const struct ctl_conf_change *cc);
/*
 * OWN as apply uses it: the tokens recorded in ROOT/VFE_KTOKENS_RECORD, and the ids of CONF's
 * bind lines (may be NULL) as the vfio_pci.ids= entries that go. 0 or -errno.
 */
int ctl_kown_load(const char *root, const struct vfe_config *conf, struct vfe_kown *own);
/* The text of VFE_KTOKENS_RECORD for OWN's tokens, malloc'd ("" for none); NULL on ENOMEM. */
char *ctl_kown_record_text(const struct vfe_kown *own);
/* The kernel command-line tokens the config asks for on this machine (apply, check). */
int ctl_render_tokens(struct ctl_globals *g, const struct vfe_config *conf,
		      const struct vfe_inventory *inv, struct vfe_ktokens *t);
#define CTL_GEN_GRUB	  1u
#define CTL_GEN_INITRAMFS 2u
/*
 * Run the bootloader (CTL_GEN_GRUB) and initramfs (CTL_GEN_INITRAMFS) generators of WHICH this
 * system has, or say what would run; *STARTED (may be NULL) gets those that were started.
 */
int ctl_regenerate_boot_files(struct ctl_globals *g, unsigned int which, bool dry_run,
			      unsigned int *started);
