/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "boot/util.h"

/*
 * A hand-made pass-through setup, as the guides leave it (issue 16): the lines of other
 * programs' files that vfio-early replaces. import reads them into the config, apply takes
 * them out (named, backed up), check finds what is left. Pure text in, text out; the files
 * are found and read by the callers.
 */
enum vfe_hm_kind {
	VFE_HM_SYSCTL_HUGEPAGES, /* vm.nr_hugepages = N (sysctl.conf, sysctl.d) */
	VFE_HM_UDEV_GOVERNOR,	 /* a udev rule writing cpufreq/scaling_governor */
	VFE_HM_MODPROBE_IDS,	 /* options vfio-pci ... ids=LIST (modprobe.d) */
	VFE_HM_MODPROBE_SOFTDEP, /* softdep DRIVER pre: ... vfio-pci (modprobe.d) */
	VFE_HM_IRQBALANCE,	 /* IRQBALANCE_BANNED_CPULIST=LIST (/etc/default/irqbalance) */
	VFE_HM_KINDS,
};

#define VFE_HM_MAX	32
#define VFE_HM_TEXT_LEN 256

/* One line found. */
struct vfe_hm_line {
	unsigned int line;	     /* 1-based, its first line when continued */
	char text[VFE_HM_TEXT_LEN];  /* as written (cut), line end and continuations squeezed */
	char value[VFE_HM_TEXT_LEN]; /* the count, the governor, the id list, the driver, the
					cpulist */
	char cpus[VFE_HM_TEXT_LEN];  /* udev: the cpulist of its KERNEL== match, "" for any CPU */
};

/*
 * The files a kind lives in under ROOT, in the order the system reads them (sysctl.conf after
 * sysctl.d as systemd-sysctl does; the others in name order), into PATHS (full paths);
 * files named *vfio-early* are ours and never listed. Returns how many (at most MAX).
 */
unsigned int vfe_hm_files(const char *root, enum vfe_hm_kind kind, char (*paths)[VFE_PATH_MAX],
			  unsigned int max);

/* Every line of KIND in TEXT into F (at most MAX); returns how many there are. */
unsigned int vfe_hm_scan(enum vfe_hm_kind kind, const char *text, size_t len, struct vfe_hm_line *f,
			 unsigned int max);

/*
 * TEXT without the lines of KIND (sysctl hugepages, the governor rule), or for
 * VFE_HM_MODPROBE_IDS without the entries of IDS ("vvvv:dddd", lower case) in each ids= list
 * (ids= goes when it is left empty, the line when no option is left). Every other byte
 * stays. *OUT malloc'd; *EMPTY (may be NULL) when nothing but comments and blanks is left.
 * 0 or -ENOMEM.
 */
int vfe_hm_edit(enum vfe_hm_kind kind, const char *text, size_t len, const char (*ids)[16],
		unsigned int n_ids, char **out, size_t *outlen, bool *empty);

/*
 * Module names as kmod compares them: '-' and '_' alike (N bytes of A against the string
 * B).
 */
bool vfe_hm_module_eq(const char *a, size_t n, const char *b);

/*
 * Does OURS (the text of the modprobe.d file apply writes) give DRIVER a softdep line? Then
 * that line replaces another file's softdep for DRIVER: kmod takes only the first one, and
 * ours carries its other modules.
 */
bool vfe_hm_softdep_replaced(const char *driver, const char *ours);

/*
 * TEXT without its softdep lines (pre: vfio-pci, VFE_HM_MODPROBE_SOFTDEP) whose driver OURS
 * replaces; every other byte stays. *OUT malloc'd; *EMPTY (may be NULL) when nothing but
 * comments and blanks is left. 0 or -ENOMEM.
 */
int vfe_hm_edit_softdeps(const char *text, size_t len, const char *ours, char **out, size_t *outlen,
			 bool *empty);

/*
 * Parse a vfio-pci ids list ("1002:73bf,1002:ab28:...": vendor:device[:subvendor:subdevice
 * [:class:mask]]) into IDS ("vvvv:dddd", lower case, each once); returns how many, or -EINVAL
 * for an entry that is not one.
 */
int vfe_hm_ids_parse(const char *list, char (*ids)[16], unsigned int max);
