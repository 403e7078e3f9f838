/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* Global options, fixed before the command word. */
struct ctl_globals {
	const char *root;
	const char *config; /* the path as given, or ROOT/etc/vfio-early.conf */
	bool json;
	unsigned int lock_wait; /* seconds a writing command waits for another one */
};

struct ctl_cmd {
	const char *name;
	int (*fn)(struct ctl_globals *g, int argc, char *argv[]);
	const char *help;
};

extern const struct ctl_cmd ctl_cmd_list, ctl_cmd_add, ctl_cmd_remove, ctl_cmd_check, ctl_cmd_apply,
    ctl_cmd_regenerate, ctl_cmd_rollback, ctl_cmd_status;
extern const struct ctl_cmd ctl_cmd_cpus, ctl_cmd_libvirt_xml;
extern const struct ctl_cmd ctl_cmd_import;

/* Every command that writes calls this before it reads what it will change; 0 or -errno. */
int ctl_lock(struct ctl_globals *g);

/*
 * Asks QUESTION ("Write these changes?") on the terminal: true for y or Y. Without a terminal
 * it says to run again with --yes "to WHAT" and answers no.
 */
bool ctl_confirm(const char *question, const char *what);

/* Parse "--json" and "-h" shared by every command; returns optind or -1 on usage error. */
int ctl_parse_common(struct ctl_globals *g, const struct ctl_cmd *cmd, int argc, char *argv[],
		     const char *usage);
