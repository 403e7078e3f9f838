// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: the /etc/default/grub editor. The first byte picks the tokens we want; the rest
 * is the file. Whatever the bytes, the editor never crashes, and when it accepts a file:
 *   - a second apply changes nothing;
 *   - what apply changed, remove accepts (backslashes aside), and removing again is stable;
 *   - a file with none of our tokens (removing changes nothing) comes back byte for byte,
 *     unless its value had no quotes and had to gain some.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel-cmdline/grub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sets[] = {
    "",
    "intel_iommu=on iommu=pt kvm.ignore_msrs=1 default_hugepagesz=2M hugepagesz=2M "
    "hugepages=8192",
    "iommu=pt video=efifb:off hugepagesz=1G hugepages=0:8,1:8 isolcpus=managed_irq,domain,8-15",
    "kvm.ignore_msrs=1",
};

static void wanted(uint8_t pick, struct vfe_ktokens *t)
{
	char buf[512], *tok, *save = NULL;

	vfe_ktokens_init(t);
	strcpy(buf, sets[pick % (sizeof(sets) / sizeof(sets[0]))]);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (vfe_ktokens_add(t, "%s", tok) < 0)
			abort();
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

static int edit(const char *text, size_t len, const struct vfe_ktokens *t, char **out,
		size_t *outlen)
{
	char err[256] = "";
	int r;

	r = vfe_grub_edit(text, len, VFE_GRUB_VAR, t, out, outlen, err, sizeof(err));
	if (r < 0 && (!err[0] || *out))
		abort(); /* a refusal always says why and leaves nothing behind */
	return r;
}

/* The effective value had no quotes: adding a token had to add them. */
static bool bare_value(const char *text, size_t len)
{
	struct vfe_grub_assign a[64];
	char err[256];
	int n;

	n = vfe_grub_find(text, len, VFE_GRUB_VAR, a, 64, err, sizeof(err));
	if (n <= 0 || n > 64)
		return n > 64;
	return a[n - 1].style == VFE_GRUB_BARE || a[n - 1].style == VFE_GRUB_EMPTY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vfe_ktokens none;
	char *in, *once = NULL, *twice = NULL, *back = NULL, *again = NULL, *clean = NULL;
	size_t len, once_len, twice_len, back_len, again_len, clean_len;
	struct vfe_ktokens want;

	if (!size || size > 4096)
		return 0;
	wanted(data[0], &want);
	len = size - 1;
	in = malloc(len + 1);
	memcpy(in, data + 1, len);
	in[len] = '\0';

	if (edit(in, len, &want, &once, &once_len) < 0)
		goto out;
	if (edit(once, once_len, &want, &twice, &twice_len) < 0 ||
	    !same(once, once_len, twice, twice_len))
		abort();
	/* What we wrote we can take away, unless a backslash of the user's would then escape
	 * a quote; a value we left alone may still be refused. */
	if (edit(once, once_len, &none, &back, &back_len) < 0) {
		if (!same(in, len, once, once_len) && !memchr(in, '\\', len))
			abort();
		goto out;
	}
	if (edit(back, back_len, &none, &again, &again_len) < 0 ||
	    !same(back, back_len, again, again_len))
		abort();
	if (edit(in, len, &none, &clean, &clean_len) == 0 && same(in, len, clean, clean_len) &&
	    !(want.n && bare_value(in, len)) && !same(back, back_len, in, len))
		abort();
out:
	free(in);
	free(once);
	free(twice);
	free(back);
	free(again);
	free(clean);
	return 0;
}
