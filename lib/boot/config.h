/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "cpulist.h"

#define VFE_MAX_BINDS	     256
#define VFE_MAX_HUGEPAGES    64
#define VFE_CONFIG_MAX_BYTES (1024 * 1024)
#define VFE_SLOT_LEN	     20 /* "dddddddd:bb:dd.f": the kernel's domains are 32 bits (VMD) */

/* One device for the VM: slot AND id must both match. */
struct vfe_bind_rule {
	int domain, bus, dev, func;
	int vendor, device, device_class; /* device_class -1 when not given */
	bool allow_boot_vga;
	unsigned int line; /* 0 when it came from the command line */
	char slot[VFE_SLOT_LEN];
	char id[24];
};

struct vfe_hugepages {
	unsigned long size_kb;
	int node; /* -1: the kernel's choice */
	unsigned long count;
};

struct vfe_config {
	struct vfe_bind_rule binds[VFE_MAX_BINDS];
	unsigned int n_binds;
	struct vfe_hugepages hugepages[VFE_MAX_HUGEPAGES];
	unsigned int n_hugepages;
	bool has_vm_cpus;
	struct vfe_cpuset vm_cpus;
	char governor[32]; /* "" = default (performance with vm-cpus), "keep" = leave alone */
	bool nested; /* nested virtualization: kvm_amd/kvm_intel nested=1, svm/vmx for the guest */
};

/*
 * Slot in lspci -s syntax, one function, no wildcards: [domain:]bus:device.function (hex);
 * id in lspci -d syntax: vendor:device[:class] (hex). Parsed by libpci's filter parsers.
 * Returns NULL or a static message.
 */
const char *vfe_bind_rule_parse(struct vfe_bind_rule *rule, const char *slot, const char *id);
/* Slot alone, as for vfio_early.skip=; the result is normalized ("0000:0b:00.0"). */
const char *vfe_slot_parse(const char *slot, char out[VFE_SLOT_LEN]);
/* Whether a bind line of C names SLOT (in the config's full form). */
bool vfe_config_binds_slot(const struct vfe_config *c, const char *slot);
/* "2M" / "1G" -> kB; NULL or a static message. */
const char *vfe_hugepage_size_parse(const char *s, unsigned long *size_kb);
/* Decimal count; NULL or a static message. */
const char *vfe_count_parse(const char *s, unsigned long *count);

void vfe_config_init(struct vfe_config *c);
/*
 * Parse the whole text; any error rejects the whole file: returns -EINVAL with
 * "line N: what is wrong" in ERR, and C left empty.
 */
int vfe_config_parse(struct vfe_config *c, const char *text, size_t len, char *err, size_t errsize);
/*
 * Why a config file with this stat may not be trusted (in BUF), or NULL: anything but a
 * regular file, a file of another user than root (or the caller), one that group or
 * others may write.
 */
const char *vfe_config_untrusted(const struct stat *st, char *buf, size_t size);
/*
 * Read and parse PATH, never waiting on it; ERR starts with PATH. -ENOENT when it does not
 * exist, -EPERM when it is not to be trusted, -EINVAL when it is not a regular file or
 * does not parse (as above).
 */
int vfe_config_load(struct vfe_config *c, const char *path, char *err, size_t errsize);
