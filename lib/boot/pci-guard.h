/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <setjmp.h>

/*
 * libpci calls its error callback where it cannot go on, and the callback must not return.
 * Ours (lib/boot/pci.c) jumps back to the innermost guarded call instead of exiting: every
 * libpci call that can fail runs between PCI_GUARDED(what to do then) and PCI_UNGUARD().
 * Locals changed between the two and read in ON_ERROR must be volatile.
 */
extern jmp_buf *vfe_pci_escape;

#define PCI_GUARDED(on_error)          \
	jmp_buf _jb;                   \
	if (setjmp(_jb)) {             \
		vfe_pci_escape = NULL; \
		on_error;              \
	}                              \
	vfe_pci_escape = &_jb

#define PCI_UNGUARD() (vfe_pci_escape = NULL)
