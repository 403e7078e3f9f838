/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../lib/config.h"

#define VFE_KTOKENS_MAX 32
#define VFE_KTOKEN_LEN	512

/* The kernel command-line tokens vfio-earlyctl wants now, in the order it writes them. */
struct vfe_ktokens {
	unsigned int n;
	char tok[VFE_KTOKENS_MAX][VFE_KTOKEN_LEN];
};

enum vfe_cpu_vendor {
	VFE_CPU_OTHER,
	VFE_CPU_INTEL,
	VFE_CPU_AMD,
};

/* What the owned tokens are rendered from. */
struct vfe_ktokens_input {
	enum vfe_cpu_vendor vendor;
	bool target_is_boot_vga;
	int kernel_major, kernel_minor; /* of the kernel that will boot */
	const struct vfe_hugepages *hugepages;
	unsigned int n_hugepages;
	const char *vm_cpus, *host_cpus; /* cpulists, or NULL: no isolation / no irqaffinity */
};

/* A growable byte buffer, always NUL-terminated; on allocation failure it sets ENOMEM once. */
struct vfe_sbuf {
	char *s;
	size_t len, cap;
	int err;
};

/* A file's text before and after an edit, both malloc'd and NUL-terminated. */
struct vfe_text_edit {
	char *old, *new;
	size_t old_len, new_len;
};

bool vfe_text_edit_changed(const struct vfe_text_edit *e);
void vfe_text_edit_free(struct vfe_text_edit *e);

void vfe_sbuf_add(struct vfe_sbuf *b, const char *s, size_t len);
void vfe_sbuf_adds(struct vfe_sbuf *b, const char *s);
/* Hands the text over (*out, *len); 0 or -ENOMEM (the buffer is freed either way). */
int vfe_sbuf_finish(struct vfe_sbuf *b, char **out, size_t *len);

void vfe_ktokens_init(struct vfe_ktokens *t);
/* Append one token; -EINVAL when it is not one we own or not plain, -E2BIG when full. */
int vfe_ktokens_add(struct vfe_ktokens *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Our tokens: intel_iommu=, iommu=, kvm.ignore_msrs=, video=efifb:off (that exact value only),
 * default_hugepagesz=, hugepagesz=, hugepages=, isolcpus=, nohz_full=, rcu_nocbs=,
 * irqaffinity=. Names compare with the kernel's rule ('-' and '_' are the same).
 * TOKEN is one command-line word as written (kernel quotes allowed).
 */
bool vfe_ktoken_is_owned(const char *token, size_t len);

/*
 * The same ownership as arms of a sh "case $name in ... esac" that sees a word's NAME
 * (before its first '=', the kernel's leading quote taken off) and $value (its value, quotes
 * taken off): an arm ends in "continue" for a word that is ours. For a script that drops our
 * tokens where only sh runs (grub-mkconfig). Each arm is one line, indented by INDENT.
 */
void vfe_ktokens_sh_case(struct vfe_sbuf *b, const char *indent);

/*
 * The tokens DESIGN.md §6 asks for: intel_iommu=on on Intel only (never amd_iommu=on),
 * iommu=pt, kvm.ignore_msrs=1, video=efifb:off for a boot-VGA target on a kernel before 6.0,
 * default_hugepagesz= then hugepagesz=/hugepages= per size (per-node counts need 5.16),
 * isolcpus=managed_irq,domain,<vm> nohz_full=<vm> rcu_nocbs=<vm>, irqaffinity=<host>.
 * Returns NULL or a static message.
 */
const char *vfe_ktokens_render(const struct vfe_ktokens_input *in, struct vfe_ktokens *out);

/*
 * Edit one command line (LEN bytes of CUR, kernel splitting rules): our tokens that are not
 * WANTED go, wanted ones are updated where they stand or added after the last token (before a
 * lone "--": what follows belongs to init). Every other byte stays. Tokens holding '$', '\\'
 * or '`' are never ours (shell text). A malloc'd NUL-terminated result goes to *OUT; 0,
 * -EINVAL (a wanted token we do not own, or not plain), -EBADMSG (a token would have to be
 * added after a double quote left open: the kernel would swallow it) or -ENOMEM.
 */
int vfe_cmdline_edit(const char *cur, size_t len, const struct vfe_ktokens *wanted, char **out,
		     size_t *outlen);
