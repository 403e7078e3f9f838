// SPDX-License-Identifier: GPL-2.0-or-later
/* remove: drop the bind lines of the given slots; every other line stays as it was. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/confedit.h"
#include "../../lib/boot/config.h"
#include "../../lib/boot/log.h"
#include "../../lib/boot/util.h"
#include "ctl.h"

static int do_remove(struct ctl_globals *g, int argc, char *argv[])
{
	static char slots[VFE_MAX_BINDS][VFE_SLOT_LEN];
	static const char *ptrs[VFE_MAX_BINDS];
	static unsigned int hits[VFE_MAX_BINDS];
	char err[VFE_PATH_MAX + 320];
	int i, first, n = 0, k, r, status = 0;

	first = ctl_parse_common(g, &ctl_cmd_remove, argc, argv, "<slot>...");
	if (first < 0)
		return 2;
	if (first >= argc) {
		fprintf(stderr, "vfio-earlyctl remove: name at least one slot\n");
		return 2;
	}
	if (argc - first > VFE_MAX_BINDS) {
		fprintf(stderr, "vfio-earlyctl remove: at most %d slots at a time\n",
			VFE_MAX_BINDS);
		return 2;
	}
	for (i = first; i < argc; i++) {
		const char *e = vfe_slot_parse(argv[i], slots[n]);

		if (e) {
			ERR("'%s': %s", argv[i], e);
			return 2;
		}
		for (k = 0; k < n && strcmp(slots[k], slots[n]); k++)
			;
		if (k < n)
			continue; /* named twice */
		ptrs[n] = slots[n];
		n++;
	}
	if (ctl_lock(g) < 0)
		return 1;
	r = vfe_conf_remove_slots(g->root, g->config, ptrs, (size_t)n, hits, err, sizeof(err));
	if (r < 0 && r != -ENOENT) {
		ERR("%s", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (hits[i]) {
			printf("- %s%s\n", slots[i], hits[i] > 1 ? " (every line of it)" : "");
		} else {
			ERR("%s: no bind line for it in %s", slots[i], g->config);
			status = 1;
		}
	}
	if (r == 0)
		printf("%s updated; run 'vfio-earlyctl apply' to rebuild the initramfs\n",
		       g->config);
	else
		printf("%s not changed\n", g->config);
	return status;
}

const struct ctl_cmd ctl_cmd_remove = {"remove", do_remove, "remove the bind lines of slots"};
