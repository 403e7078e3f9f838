// SPDX-License-Identifier: GPL-2.0-or-later
/* rollback: put back the files of the last apply/add/remove/regenerate and regenerate. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/backup.h"
#include "../../lib/boot/log.h"
#include "apply.h"
#include "ctl.h"

static int do_rollback(struct ctl_globals *g, int argc, char *argv[])
{
	char name[128];
	int r, status = 0;

	if (ctl_parse_common(g, &ctl_cmd_rollback, argc, argv, "") != argc)
		return 2;
	if (ctl_lock(g) < 0)
		return 1;
	r = vfe_backup_latest(g->root, name, sizeof(name));
	if (r < 0) {
		ERR("no backup to restore under %s", VFE_BACKUP_DIR);
		return 1;
	}
	printf("restoring backup %s/%s\n", VFE_BACKUP_DIR, name);
	r = vfe_backup_restore(g->root, name);
	if (r < 0) {
		ERR("NOT every file of backup %s could be put back (each is named above); it stays "
		    "the newest: fix the cause and run rollback again",
		    name);
		status = 1;
	}
	/* The boot files follow the files as they now are, whatever was put back. */
	if (ctl_regenerate_boot_files(g, CTL_GEN_GRUB | CTL_GEN_INITRAMFS, false, NULL) < 0)
		status = 1;
	return status;
}

const struct ctl_cmd ctl_cmd_rollback = {"rollback", do_rollback,
					 "restore the files of the last change and regenerate"};
