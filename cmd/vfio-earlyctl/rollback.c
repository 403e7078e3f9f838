// SPDX-License-Identifier: GPL-2.0-or-later
/* rollback: put back the files of the last apply/add/remove and regenerate. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/backup.h"
#include "../../lib/log.h"
#include "apply.h"
#include "ctl.h"

static int do_rollback(struct ctl_globals *g, int argc, char *argv[])
{
	char stamp[128];
	int r;

	if (ctl_parse_common(g, &ctl_cmd_rollback, argc, argv, "") != argc)
		return 2;
	r = vfe_backup_latest(g->root, stamp, sizeof(stamp));
	if (r < 0) {
		ERR("no backup to restore under %s", VFE_BACKUP_DIR);
		return 1;
	}
	printf("restoring backup %s\n", stamp);
	r = vfe_backup_restore(g->root, stamp);
	if (r < 0) {
		ERR("cannot restore %s: %s", stamp, strerror(-r));
		return 1;
	}
	return ctl_regenerate_boot_files(g, true, false) < 0 ? 1 : 0;
}

const struct ctl_cmd ctl_cmd_rollback = {"rollback", do_rollback,
					 "restore the files of the last change and regenerate"};
