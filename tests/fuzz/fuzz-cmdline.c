// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: the kernel command-line splitter and the vfio_early.* switches. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel-cmdline/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vfe_switches sw;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	vfe_switches_parse(&sw, text);
	/* A malformed bind or skip leaves nothing to bind. */
	if ((sw.bind_error[0] && sw.n_binds) || (sw.skip_error[0] && sw.n_skip))
		abort();
	free(text);
	return 0;
}
