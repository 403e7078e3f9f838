/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../lib/boot/config.h"

#define VFE_KTOKENS_MAX 32
#define VFE_KTOKEN_LEN	512

#define VFE_KOWN_MAX	64
#define VFE_KOWN_NOTES	16
#define VFE_KOWN_ID_LEN 16

/*
 * Which tokens of our names are ours to change (issue 16): those apply wrote before (its
 * record, VFE_KTOKENS_RECORD) and those the user let it take over (import, --adopt). A token
 * of one of our names that is not ours is the user's: identical to one we want, it is adopted
 * (kept, not duplicated); with the name of one we want and another value, it is a conflict
 * (kept, noted: the caller stops); otherwise it is left alone. The edits add their findings.
 */
struct vfe_kown {
	unsigned int n;
	char tok[VFE_KOWN_MAX][VFE_KTOKEN_LEN]; /* ours, as written */
	bool adopt_all;				/* every token of our names is ours */
	/* vfio_pci.ids= / vfio-pci.ids= entries that go (the config binds them by slot) */
	unsigned int n_ids;
	char ids[VFE_KOWN_MAX][VFE_KOWN_ID_LEN]; /* "1002:73bf", lower case */
	/* found by the edits, each once */
	unsigned int n_adopted, n_conflicts, n_dropped;
	char adopted[VFE_KOWN_NOTES][VFE_KTOKEN_LEN];
	char conflict[VFE_KOWN_NOTES][2][VFE_KTOKEN_LEN]; /* the user's, ours */
	char dropped[VFE_KOWN_NOTES]
		    [VFE_KTOKEN_LEN]; /* a vfio_pci.ids= token that goes or shrinks */
};

/* Where apply records the tokens it wrote, one per line; only these are ever removed. */
#define VFE_KTOKENS_RECORD "/var/lib/vfio-early/cmdline-tokens"

/* The kernel command-line tokens vfio-earlyctl wants now, in the order it writes them. */
struct vfe_ktokens {
	unsigned int n;
	char tok[VFE_KTOKENS_MAX][VFE_KTOKEN_LEN];
	/* NULL: every token of our names is ours (the rule before records existed) */
	struct vfe_kown *own;
	/* with OWN: tokens of ours the kernel sees elsewhere on the same command line (a value
	 * appended to ours): a user's token with one of their names is a conflict too */
	const struct vfe_ktokens *also;
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

/* Sets N to 0, OWN and ALSO to NULL. */
void vfe_ktokens_init(struct vfe_ktokens *t);
/* Add TOKEN (one word as written) to OWN's tokens once; -E2BIG when full. */
int vfe_kown_add(struct vfe_kown *own, const char *token);
/* Is TOKEN one of OWN's (compared as the kernel reads it: '-' and '_' alike in the name)? */
bool vfe_kown_has(const struct vfe_kown *own, const char *token, size_t len);
/*
 * Two command-line words as the kernel reads them: the same parameter ('-' and '_' alike in
 * the name, quotes taken off) with the same value (SAME), or only the same parameter
 * (vfe_ktoken_same_name).
 */
bool vfe_ktoken_same(const char *a, const char *b);
bool vfe_ktoken_same_name(const char *a, const char *b);
/* Forget what earlier edits found (adopted, conflicts, dropped). */
void vfe_kown_reset_notes(struct vfe_kown *own);
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
 * lone "--": what follows belongs to init). Every other byte stays. With WANTED->own, "ours"
 * is as struct vfe_kown says, and the vfio_pci.ids= entries it names go. Tokens holding '$', '\\'
 * or '`' are never ours (shell text). A malloc'd NUL-terminated result goes to *OUT; 0,
 * -EINVAL (a wanted token we do not own, or not plain), -EBADMSG (a token would have to be
 * added after a double quote left open: the kernel would swallow it) or -ENOMEM.
 */
int vfe_cmdline_edit(const char *cur, size_t len, const struct vfe_ktokens *wanted, char **out,
		     size_t *outlen);
