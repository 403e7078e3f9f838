/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VFE_BACKUP_DIR "/var/lib/vfio-early/backup"
/* How many backups are kept: the newest, by sequence number; older ones are deleted. */
#define VFE_BACKUP_KEEP 10
/* Every command that writes holds this lock (flock) from before it reads until it exits. */
#define VFE_LOCK_PATH "/run/vfio-early/ctl.lock"
/* How long a command waits for the lock by default, in seconds. */
#define VFE_LOCK_WAIT 60

/*
 * Take ROOT/VFE_LOCK_PATH, waiting at most WAIT_S seconds (saying so on stderr once when it
 * must wait). 0, -ETIMEDOUT (said too), -errno. Held until the process exits.
 */
int vfe_lock_take(const char *root, unsigned int wait_s);

/*
 * Where an edit of PATH (a full path under ROOT) goes: PATH itself, or the file its symlinks
 * end at, an absolute link target taken below ROOT. 0 or -errno (-ELOOP).
 */
int vfe_file_resolve(const char *root, const char *path, char *real, size_t size);

/*
 * A change set: files backed up together (one backup, one sequence number), written each
 * atomically, put back together. Every file is recorded (bytes, mode, owner, SELinux label,
 * or that it did not exist) before the first write.
 *
 *   vfe_backup_begin, vfe_backup_add for every file, vfe_backup_write / vfe_backup_remove for
 *   each, then vfe_backup_end; on a failure vfe_backup_undo. vfe_backup_discard when nothing
 *   was written after all.
 */
struct vfe_backup_entry;
struct vfe_backup {
	const char *root;
	unsigned long seq;
	char dir[4096];
	struct vfe_backup_entry *e;
	unsigned int n;
	bool sealed;
};

/* A new backup numbered one past the highest there is; COMMAND names it. 0 or -errno. */
int vfe_backup_begin(struct vfe_backup *b, const char *root, const char *command);
/*
 * Record PATH (a full path under ROOT; a symlink is followed to its target) before it is
 * changed. With EXPECT (EXPECT_LEN bytes; NULL: the file must not exist) the file must
 * still hold what the change was planned on: -ESTALE otherwise, and the caller stops.
 * With ANY_STATE nothing is compared.
 */
#define VFE_BACKUP_ANY_STATE ((const char *)1)
int vfe_backup_add(struct vfe_backup *b, const char *path, const char *expect, size_t expect_len);
/*
 * Replace PATH (recorded with vfe_backup_add) with DATA atomically: a temporary file beside the
 * real one, with its mode, owner and label (MODE_NEW for a file that did not exist), fsync,
 * rename, fsync of the directory. 0 or -errno.
 */
int vfe_backup_write(struct vfe_backup *b, const char *path, const char *data, size_t len,
		     mode_t mode_new);
/* Delete PATH (recorded with vfe_backup_add); the directory is synced. 0 or -errno. */
int vfe_backup_remove(struct vfe_backup *b, const char *path);
/* The change is complete: backups beyond VFE_BACKUP_KEEP go. */
void vfe_backup_end(struct vfe_backup *b);
/*
 * Put back every file written so far (the others were never touched), each atomically, each
 * said on stdout, each failure on stderr; then the backup counts as restored. -EIO when any
 * could not be put back (the backup then stays for 'rollback').
 */
int vfe_backup_undo(struct vfe_backup *b);
/* Nothing was written: the backup goes. */
void vfe_backup_discard(struct vfe_backup *b);
/* The backup's path for messages ("/var/lib/vfio-early/backup/12"). */
const char *vfe_backup_name(const struct vfe_backup *b);

/* The newest backup not yet restored, by sequence number, into BUF; -ENOENT when none. */
int vfe_backup_latest(const char *root, char *buf, size_t size);
/*
 * Put back every file of backup NAME that differs from it (bytes, mode, owner, label),
 * remove the files it lists as absent; each said on stdout, each failure on stderr and
 * the rest still done. Then it counts as restored, so the next rollback goes one further
 * back. -EIO when any file could not be put back (it then stays unrestored).
 */
int vfe_backup_restore(const char *root, const char *name);
