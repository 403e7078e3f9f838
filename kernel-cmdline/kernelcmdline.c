// SPDX-License-Identifier: GPL-2.0-or-later
/* /etc/kernel/cmdline: our tokens in the one command line kernel-install copies to entries. */
#include "kernelcmdline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/boot/util.h"

int vfe_kernel_cmdline_file_edit(const char *path, const struct vfe_ktokens *wanted,
				 struct vfe_text_edit *e, char *err, size_t errsize)
{
	int r;

	memset(e, 0, sizeof(*e));
	err[0] = '\0';
	r = vfe_slurp(path, VFE_KERNEL_CMDLINE_MAX_BYTES, &e->old, &e->old_len);
	if (r == -ENOENT) {
		snprintf(err, errsize, "%s: absent (the command line is not taken from here)",
			 path);
		return r;
	}
	if (r < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(-r));
		return r;
	}
	if (memchr(e->old, '\0', e->old_len)) {
		snprintf(err, errsize, "%s: NUL byte: not a command line", path);
		vfe_text_edit_free(e);
		return -EINVAL;
	}
	r = vfe_cmdline_edit(e->old, e->old_len, wanted, &e->new, &e->new_len);
	if (r < 0) {
		snprintf(err, errsize, "%s: %s", path,
			 r == -EINVAL	 ? "invalid token to write"
			 : r == -EBADMSG ? "a double quote is never closed"
					 : strerror(-r));
		vfe_text_edit_free(e);
	}
	return r;
}
