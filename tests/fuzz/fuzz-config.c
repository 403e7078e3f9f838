// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: the config parser must accept or reject any bytes without crashing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/boot/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vfe_config conf;
	char err[256];
	int r;

	r = vfe_config_parse(&conf, (const char *)data, size, err, sizeof(err));
	/* A rejected file leaves nothing behind; an accepted one has no error text. */
	if (r && (conf.n_binds || conf.n_hugepages || conf.has_vm_cpus || strncmp(err, "line ", 5)))
		abort();
	if (!r && err[0])
		abort();
	return 0;
}
