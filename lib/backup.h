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
/* The newest backup stamp under ROOT (not yet restored) into BUF; -ENOENT when none. */
int vfe_backup_latest(const char *root, char *buf, size_t size);
/*
 * Put back every file of backup STAMP (and remove those listed as absent), atomically each;
 * then mark the backup restored so the next rollback goes one further back. Each path put
 * back is printed to stdout.
 */
int vfe_backup_restore(const char *root, const char *stamp);
