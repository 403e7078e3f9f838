/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "../lib/boot/config.h"

#define VFE_ERR_LEN 160

/* The vfio_early.* switches of one boot; a later occurrence replaces an earlier one. */
struct vfe_switches {
	bool off, dry_run, debug;

	bool have_bind; /* vfio_early.bind= replaces the config's bind lines */
	struct vfe_bind_rule binds[VFE_MAX_BINDS];
	unsigned int n_binds;
	char skip[VFE_MAX_BINDS][VFE_SLOT_LEN];
	unsigned int n_skip;
	/* malformed bind or skip: bind nothing this boot */
	char bind_error[VFE_ERR_LEN], skip_error[VFE_ERR_LEN];

	bool have_hugepages, hugepages_off;
	struct vfe_hugepages hugepages;
	char hugepages_error[VFE_ERR_LEN]; /* malformed: skip the step */

	bool have_cpus, cpus_off;
	struct vfe_cpuset cpus;
	char cpus_error[VFE_ERR_LEN]; /* malformed: skip the step */

	unsigned int n_unknown;
	char unknown[64];	 /* the last unknown vfio_early.* name */
	char notes[VFE_ERR_LEN]; /* a bool switch with a value it does not know */
};

/*
 * Split the next parameter off ARGS the way the kernel does (kernel/params.c): blanks
 * separate, double quotes protect blanks, a value's surrounding quotes are dropped.
 * Modifies ARGS; returns the rest.
 */
char *vfe_cmdline_next(char *args, char **param, char **val);

/* Parse a whole command line; nothing after a lone "--" belongs to the kernel. */
void vfe_switches_parse(struct vfe_switches *sw, const char *cmdline);
/* Kernel rule: '-' and '_' are the same in parameter names. */
bool vfe_param_eq(const char *a, const char *b);
