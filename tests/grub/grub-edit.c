// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test driver for tests/grub/mkconfig-check.sh: edit GRUB_CMDLINE_LINUX_DEFAULT of FILE so
 * that our tokens are exactly TOKEN... (none: remove ours), as `vfio-earlyctl apply` would.
 * Usage: grub-edit FILE [TOKEN...]
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../kernel-cmdline/grub.h"
#include "../../lib/boot/util.h"

int main(int argc, char **argv)
{
	struct vfe_text_edit e;
	struct vfe_ktokens t;
	char err[256];
	int i, r;

	if (argc < 2) {
		fprintf(stderr, "usage: grub-edit FILE [TOKEN...]\n");
		return 2;
	}
	vfe_ktokens_init(&t);
	for (i = 2; i < argc; i++)
		if (vfe_ktokens_add(&t, "%s", argv[i]) < 0) {
			fprintf(stderr, "grub-edit: %s: not a token of ours\n", argv[i]);
			return 2;
		}
	r = vfe_grub_file_edit(argv[1], &t, &e, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "grub-edit: %s\n", err);
		return 1;
	}
	if (vfe_text_edit_changed(&e))
		r = vfe_write_atomic(argv[1], e.new, e.new_len);
	vfe_text_edit_free(&e);
	return r < 0 ? 1 : 0;
}
