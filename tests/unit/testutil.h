/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A fresh copy of a fake root (tests/rootfs/NAME.spec, built by mkroot) per test. */
struct vroot {
	char dir[512];
};

int vroot_make(struct vroot *r, const char *fixture);
void vroot_destroy(struct vroot *r);
/* ROOT/REL into a static rotating buffer. */
const char *vroot_path(const struct vroot *r, const char *rel);
int vroot_write(const struct vroot *r, const char *rel, const char *content);
/* Contents of ROOT/REL (trailing newline kept) in a static rotating buffer; NULL if absent. */
const char *vroot_read(const struct vroot *r, const char *rel);
/* The driver bound to SLOT ("" for none), from the driver link. */
const char *vroot_driver(const struct vroot *r, const char *slot);
/* The override of SLOT, "(null)" style when unset or cleared ("" or "\n" also read as unset). */
bool vroot_override_is(const struct vroot *r, const char *slot, const char *want);
/* Remove every driver link: the state of the bus before udev's coldplug. */
int vroot_unbind_all(const struct vroot *r);
/* A listing of every regular file's contents and every link, to compare whole trees. */
char *vroot_snapshot(const struct vroot *r);

/*
 * Run build/vfio-early --root ROOT with extra arguments (NULL-terminated); stdout and
 * stderr go to OUT (may be NULL). Returns the exit status, or -1.
 */
int run_helper(const struct vroot *r, char *out, size_t outsize, ...);
/* The same for build/vfio-earlyctl --root ROOT ARGS... (NULL-terminated). */
int run_ctl(const struct vroot *r, char *out, size_t outsize, ...);
/* The helper's kmsg lines (ROOT/dev/kmsg is a plain file in the fixtures). */
const char *vroot_log(const struct vroot *r);
