/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../lib/boot/util.h"
#include "tokens.h"

#define VFE_GRUB_VAR "GRUB_CMDLINE_LINUX_DEFAULT"
/* grub-mkconfig puts this one on every entry, before VFE_GRUB_VAR: the kernel sees both. */
#define VFE_GRUB_VAR_ALL     "GRUB_CMDLINE_LINUX"
#define VFE_GRUB_DEFAULT     "/etc/default/grub"
#define VFE_GRUB_DROPIN_DIR  "/etc/default/grub.d"
#define VFE_GRUB_MAX_SOURCES 48
/* Ends the line we append when the file has no assignment; removing our last token
 * removes such a line again. */
#define VFE_GRUB_MARK	   " # added by vfio-earlyctl"
#define VFE_GRUB_MAX_BYTES (1024 * 1024)

enum vfe_grub_style {
	VFE_GRUB_EMPTY, /* VAR= */
	VFE_GRUB_BARE,	/* VAR=word, no quotes */
	VFE_GRUB_DQ,	/* VAR="..." */
	VFE_GRUB_SQ,	/* VAR='...' */
	VFE_GRUB_MIXED, /* VAR=a"b"'c': left alone */
};

/* One assignment of the variable, as sh would run it. */
struct vfe_grub_assign {
	size_t name_start;	       /* offset of the name in the text */
	size_t value_start, value_end; /* the word after '=', quotes included */
	unsigned int line;	       /* 1-based */
	enum vfe_grub_style style;
	bool self_ref;	  /* the value mentions $VAR: the one before still counts */
	bool conditional; /* inside if/case/a loop/a function/( ), or after && or || */
};

/*
 * Find every assignment of VAR in a shell file as sh would (comments, quotes, command
 * substitutions, line continuations, "export"/"readonly", VAR=x as a command's environment
 * is not one). Stores up to MAX in A; returns how many there are, or -EINVAL when a quote
 * is never closed (ERR names the line). No shell is run.
 */
int vfe_grub_find(const char *text, size_t len, const char *var, struct vfe_grub_assign *a,
		  unsigned int max, char *err, size_t errsize);

/*
 * Give VAR's effective value (its last assignment, and the ones before it as long as each
 * refers to the one before) exactly our WANTED tokens, touching no other byte: quoting
 * kept, double quotes added to a bare value that needs a blank, a line appended when VAR is
 * never assigned. *OUT is malloc'd. 0, -EINVAL (ERR says why: unterminated quote, a value
 * we cannot edit safely, an assignment that only counts under a condition: which one counts
 * cannot be told without running the file, so none is edited), -ENOMEM.
 */
int vfe_grub_edit(const char *text, size_t len, const char *var, const struct vfe_ktokens *wanted,
		  char **out, size_t *outlen, char *err, size_t errsize);

/* Read PATH (/etc/default/grub under a root) and edit GRUB_CMDLINE_LINUX_DEFAULT; -errno. */
int vfe_grub_file_edit(const char *path, const struct vfe_ktokens *wanted, struct vfe_text_edit *e,
		       char *err, size_t errsize);

/* One file grub-mkconfig sources, and what apply would make of it. */
struct vfe_grub_source {
	char path[VFE_PATH_MAX]; /* under the root */
	struct vfe_text_edit e;	 /* its text, and the text with the edit (the same when none) */
	unsigned int n_assign;	 /* assignments of the variable in it */
	unsigned int set_line;	 /* its last assignment that drops the previous value, or 0 */
};

struct vfe_grub_sources {
	struct vfe_grub_source *src;
	unsigned int n;
	unsigned int effective; /* the source whose assignment counts: it gets our tokens */
};

/*
 * grub-mkconfig sources /etc/default/grub, then (Debian's, whose script says so) every .cfg
 * file of /etc/default/grub.d in glob order (bytewise, as dash sorts). The effective assignment of
 * GRUB_CMDLINE_LINUX_DEFAULT lives in the last of these files that assigns it without referring to
 * its previous value, or in /etc/default/grub when none does (a .cfg that appends
 * "$GRUB_CMDLINE_LINUX_DEFAULT ..." builds on it). That file is edited to carry exactly WANTED; in
 * every other file our tokens go (a dead copy would come back when the override goes; a live one
 * would stand next to ours). Reads the files under ROOT into GS (freed with vfe_grub_sources_free
 * even on error); nothing is written. GRUB_CMDLINE_LINUX (its value as it counts, over the same
 * files) must hold no token of a name WANTED sets: the kernel would see both (-EINVAL, ERR names
 * the file, line and token). 0, -ENOENT (no /etc/default/grub), -E2BIG (too many files),
 * -EINVAL (ERR names the file and line), -errno.
 */
int vfe_grub_sources_edit(const char *root, const struct vfe_ktokens *wanted,
			  struct vfe_grub_sources *gs, char *err, size_t errsize);
void vfe_grub_sources_free(struct vfe_grub_sources *gs);

/*
 * Every assignment of VAR in the files grub-mkconfig reads under ROOT (as above, in that
 * order): FN gets the file, the line and the value (LEN bytes, its quotes taken off). Files
 * that cannot be read or parsed are skipped.
 */
void vfe_grub_each_value(const char *root, const char *var,
			 void (*fn)(void *ctx, const char *path, unsigned int line,
				    const char *value, size_t len),
			 void *ctx);

/* Where vfio-earlyctl apply writes the GRUB entry without PCI pass-through. */
#define VFE_GRUB_OFF_ENTRY "/etc/grub.d/42_vfio-early"

/*
 * The text of VFE_GRUB_OFF_ENTRY, a grub-mkconfig script: one menu entry for the newest kernel
 * that boots as if vfio-early were not installed. Its linux line carries GRUB_CMDLINE_LINUX and
 * GRUB_CMDLINE_LINUX_DEFAULT as grub-mkconfig has them, split by the kernel's rules, less every
 * token vfe_ktoken_is_owned() calls ours and every vfio_pci.ids=/vfio-pci.ids=, blanks (a CRLF
 * file's CR too) squeezed to one space, a double quote left open closed, then vfio_early.off
 * before a lone "--". *OUT is malloc'd; 0 or -ENOMEM.
 */
int vfe_grub_off_entry(char **out, size_t *len);
