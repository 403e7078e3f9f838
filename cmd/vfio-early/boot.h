/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

struct vfe_boot_opts {
	const char *root;   /* "/" or a test root */
	const char *config; /* NULL: ROOT/etc/vfio-early.conf */
	bool dry_run;
	bool verbose, quiet;
};

/* DESIGN.md §5 steps 1-11; returns the exit status (0 all in place, 1 anything less). */
int vfe_boot_run(const struct vfe_boot_opts *opts);
