// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: the readers and editors of hand-made lines (lib/handmade.c) and the command-line
 * editor with an owner (apply's recorded tokens, the vfio_pci.ids= entries that go). The
 * first byte picks the kind; the rest is the file. Whatever the bytes, nothing crashes, and:
 *   - an edit succeeds, and editing its result again changes nothing;
 *   - after an edit of sysctl or udev lines, none of that kind is left;
 *   - after the softdep edit, no softdep line for a driver of ours is left;
 *   - the command-line editor keeps every token that is not ours byte for byte in order.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel-cmdline/tokens.h"
#include "../../lib/handmade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ids[3][16] = {"1002:73bf", "1106:3483", "1b36:000d"};
static const char ours[] = "# Written by vfio-earlyctl apply\nsoftdep amdgpu pre: vfio-pci\n"
			   "softdep snd_hda_intel pre: vfio-pci foo post: bar\n";

static void softdeps(const char *text, size_t len)
{
	static struct vfe_hm_line l[8];
	char *once = NULL, *twice = NULL;
	unsigned int n, i;
	size_t n1, n2;
	bool empty;

	if (vfe_hm_edit_softdeps(text, len, ours, &once, &n1, &empty) < 0)
		abort();
	if (vfe_hm_edit_softdeps(once, n1, ours, &twice, &n2, &empty) < 0)
		abort();
	if (n1 != n2 || memcmp(once, twice, n1))
		abort();
	n = vfe_hm_scan(VFE_HM_MODPROBE_SOFTDEP, once, n1, l, 8);
	for (i = 0; i < n && i < 8; i++)
		if (vfe_hm_softdep_replaced(l[i].value, ours))
			abort();
	free(once);
	free(twice);
}

static void hm(enum vfe_hm_kind kind, const char *text, size_t len)
{
	static struct vfe_hm_line l[8];
	char *once = NULL, *twice = NULL, *list;
	size_t n1, n2;
	bool empty;

	vfe_hm_scan(kind, text, len, l, 8);
	if (vfe_hm_edit(kind, text, len, ids, 3, &once, &n1, &empty) < 0)
		abort();
	if (vfe_hm_edit(kind, once, n1, ids, 3, &twice, &n2, &empty) < 0)
		abort();
	if (n1 != n2 || memcmp(once, twice, n1))
		abort();
	if ((kind == VFE_HM_SYSCTL_HUGEPAGES || kind == VFE_HM_UDEV_GOVERNOR) &&
	    vfe_hm_scan(kind, once, n1, l, 8))
		abort();
	free(once);
	free(twice);
	if (kind == VFE_HM_MODPROBE_SOFTDEP)
		softdeps(text, len);
	list = strndup(text, len);
	if (list) {
		char parsed[8][16];

		vfe_hm_ids_parse(list, parsed, 8);
		free(list);
	}
}

static void cmdline(const char *text, size_t len)
{
	static struct vfe_kown own;
	struct vfe_ktokens t;
	char *out = NULL;
	size_t outlen;

	memset(&own, 0, sizeof(own));
	vfe_kown_add(&own, "iommu=pt");
	vfe_kown_add(&own, "hugepages=16");
	memcpy(own.ids, ids, sizeof(ids));
	own.n_ids = 3;
	vfe_ktokens_init(&t);
	vfe_ktokens_add(&t, "iommu=pt");
	vfe_ktokens_add(&t, "default_hugepagesz=2M");
	vfe_ktokens_add(&t, "hugepagesz=2M");
	vfe_ktokens_add(&t, "hugepages=8192");
	vfe_ktokens_add(&t, "isolcpus=managed_irq,domain,8-15");
	t.own = &own;
	if (vfe_cmdline_edit(text, len, &t, &out, &outlen) == 0 && !out)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	unsigned int kind;

	if (!size)
		return 0;
	kind = data[0] % (VFE_HM_KINDS + 1);
	if (kind == VFE_HM_KINDS)
		cmdline(text, size - 1);
	else
		hm((enum vfe_hm_kind)kind, text, size - 1);
	return 0;
}
