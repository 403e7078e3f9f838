/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#define VFE_BACKUP_DIR "/var/lib/vfio-early/backup"

/*
 * Every file the CLI changes is first copied to ROOT/var/lib/vfio-early/backup/<stamp>/ with
 * its absolute path kept below it; a file that did not exist is listed in <stamp>/absent so a
 * rollback removes it. One stamp per command run.
 */
const char *vfe_backup_stamp(void);
int vfe_backup_file(const char *root, const char *path);
/* Replace PATH with DATA: backup first, then temp file, fsync, rename. */
int vfe_replace_file(const char *root, const char *path, const char *data, size_t len);
