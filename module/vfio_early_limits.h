/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Limits of vfio_early.ko's bind= and skip= lists, in one place for the module
 * and for user space: vfio-earlyctl apply (modules-load/softdep.c) writes no
 * "options vfio_early bind=" line that the module would reject.  Plain
 * #defines only, so both the kernel and user space can include it.
 */
#ifndef VFIO_EARLY_LIMITS_H
#define VFIO_EARLY_LIMITS_H

/* Entries in bind= and in skip=: the config's 256 bind lines all fit. */
#define VFE_KMOD_MAX_RULES 256

/* The longest entry: "7fffffff:ff:1f.7/ffff:ffff:ffff/allow-boot-vga" */
#define VFE_KMOD_MAX_ENTRY_LEN 46

/*
 * The longest list the module takes: every entry at its longest, with the
 * commas.  Longer is malformed.  (The kernel's charp parameters stop at 1024.)
 */
#define VFE_KMOD_MAX_LIST_LEN \
	(VFE_KMOD_MAX_RULES * (VFE_KMOD_MAX_ENTRY_LEN + 1) - 1)

/* PCI domains: as libpci, 1 to 8 hex digits, at most 7fffffff */
#define VFE_KMOD_MAX_DOMAIN 0x7fffffff

#endif /* VFIO_EARLY_LIMITS_H */
