/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "ctl.h"

/* libvirt-xml --update: our parts of a domain libvirt holds, replaced from GENERATED. */
struct vfe_libvirt_update {
	const char *name;      /* the domain */
	const char *generated; /* the complete domain libvirt-xml --domain would print */
	const char *uri;       /* virsh -c, NULL: virsh's default */
	bool dry_run, yes;
};

/* Shows the change as a diff, asks, keeps the old definition, defines; 0 or -errno. */
int vfe_libvirt_update(struct ctl_globals *g, const struct vfe_libvirt_update *u);
