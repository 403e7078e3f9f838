// SPDX-License-Identifier: GPL-2.0-or-later
/* remove: drop the bind lines of the given slots; every other line stays as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/confedit.h"
#include "../../lib/config.h"
#include "../../lib/log.h"
#include "ctl.h"

static int do_remove(struct ctl_globals *g, int argc, char *argv[])
{
	char slots[64][VFE_SLOT_LEN], err[320];
	const char *ptrs[64];
	int i, first, n = 0;

	first = ctl_parse_common(g, &ctl_cmd_remove, argc, argv, "<slot>...");
	if (first < 0)
		return 2;
	if (first >= argc) {
		fprintf(stderr, "vfio-earlyctl remove: name at least one slot\n");
		return 2;
	}
	for (i = first; i < argc && n < 64; i++) {
		const char *e = vfe_slot_parse(argv[i], slots[n]);

		if (e) {
			ERR("'%s': %s", argv[i], e);
			return 2;
		}
		ptrs[n] = slots[n];
		n++;
	}
	if (vfe_conf_remove_slots(g->root, g->config, ptrs, (size_t)n, err, sizeof(err)) < 0) {
		ERR("%s", err);
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("- %s\n", slots[i]);
	printf("%s updated; run 'vfio-earlyctl apply' to rebuild the initramfs\n", g->config);
	return 0;
}

const struct ctl_cmd ctl_cmd_remove = {"remove", do_remove, "remove the bind lines of slots"};
