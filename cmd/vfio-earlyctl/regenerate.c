// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * regenerate: after hardware changes, follow each card that moved. A card is the bind lines
 * of one bus:device; it is found again where every one of its functions shows the same id,
 * at exactly one place not already configured and not holding those ids already when the
 * config was last applied (lib/follow.c), or it is left alone and said so.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/confedit.h"
#include "../../lib/boot/config.h"
#include "../../lib/follow.h"
#include "../../lib/inventory.h"
#include "../../lib/boot/log.h"
#include "../../lib/boot/util.h"
#include "apply.h"
#include "ctl.h"

static int do_regenerate(struct ctl_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"yes", no_argument, NULL, 'y'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static char from[VFE_MAX_BINDS][VFE_SLOT_LEN], to[VFE_MAX_BINDS][VFE_SLOT_LEN];
	static struct vfe_config conf;
	struct vfe_inventory inv;
	struct vfe_seen seen;
	struct ctl_conf_change cc;
	char *text = NULL, *moved = NULL;
	size_t len, moved_len = 0;
	bool dry_run = false, yes = false, stuck = false;
	unsigned int i, j, k, n = 0;
	char err[320];
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+nyh", longopts, NULL)) != -1) {
		if (c == 'n') {
			dry_run = true;
		} else if (c == 'y') {
			yes = true;
		} else if (c == 'h') {
			printf("Usage: vfio-earlyctl regenerate [--dry-run] [--yes]\n\n%s\n",
			       ctl_cmd_regenerate.help);
			return 0;
		} else {
			fprintf(stderr, "Try 'vfio-earlyctl regenerate --help'.\n");
			return 2;
		}
	}
	if (!dry_run && ctl_lock(g) < 0)
		return 1;
	/* The text the moves are made on is the text the plan checks before writing. */
	r = vfe_slurp(g->config, VFE_CONFIG_MAX_BYTES, &text, &len);
	if (r < 0) {
		ERR("cannot read %s: %s", g->config, strerror(-r));
		return 1;
	}
	r = vfe_config_parse(&conf, text, len, err, sizeof(err));
	if (r < 0) {
		ERR("%s: %s", g->config, err);
		free(text);
		return 1;
	}
	r = vfe_inventory_scan(&inv, g->root, 0);
	if (r < 0) {
		ERR("cannot read the PCI bus: %s", strerror(-r));
		free(text);
		return 1;
	}
	r = vfe_seen_load(g->root, &seen);
	if (r < 0)
		WRN("cannot read %s: %s; identical devices cannot be told apart", VFE_SLOTS_PATH,
		    strerror(-r));
	for (i = 0; i < conf.n_binds; i++) {
		const char *card = conf.binds[i].slot;
		char found[VFE_FOLLOW_MAX][VFE_SLOT_LEN],
		    where[VFE_FOLLOW_MAX * (VFE_SLOT_LEN + 2)] = "";
		int cl = (int)vfe_card_len(card);
		bool seen_card = false;
		unsigned int stayed;
		int hits;

		for (j = 0; j < i; j++)
			seen_card |= vfe_same_card(conf.binds[j].slot, card);
		if (seen_card)
			continue;
		hits = vfe_follow_card(&inv, &conf, &seen, card, found, &stayed);
		if (hits < 0)
			continue;
		for (k = 0; k < (unsigned int)hits && k < VFE_FOLLOW_MAX; k++)
			snprintf(where + strlen(where), sizeof(where) - strlen(where), "%s%s",
				 k ? ", " : "", found[k]);
		if (hits != 1) {
			stuck = true;
			if (hits)
				ERR("card at %.*s (line %u): the same ids are at %s; which one is "
				    "the card cannot be told%s: set the slot with remove and add",
				    cl, card, conf.binds[i].line, where,
				    seen.known ? ""
					       : " (no record of the last apply in " VFE_SLOTS_PATH
						 ")");
			else if (stayed)
				ERR("card at %.*s (line %u): whatever has its ids here was at the "
				    "same slot when the config was applied, so it is not the card; "
				    "left as is",
				    cl, card, conf.binds[i].line);
			else
				ERR("card at %.*s (line %u): not found anywhere on this machine; "
				    "left "
				    "as is",
				    cl, card, conf.binds[i].line);
			continue;
		}
		for (j = 0; j < conf.n_binds; j++) {
			if (!vfe_same_card(conf.binds[j].slot, card))
				continue;
			snprintf(from[n], sizeof(from[n]), "%s", conf.binds[j].slot);
			snprintf(to[n], sizeof(to[n]), "%.*s.%u", (int)sizeof(to[n]) - 3, found[0],
				 (unsigned int)conf.binds[j].func & 7);
			printf("moved: %s -> %s (%s)\n", from[n], to[n], conf.binds[j].id);
			n++;
		}
	}
	vfe_seen_free(&seen);
	vfe_inventory_free(&inv);
	if (!n) {
		printf("no card moved%s\n", stuck ? " that could be followed" : "");
		free(text);
		return stuck ? 1 : 0;
	}
	r = vfe_conf_move_text(text, len, (const char(*)[VFE_SLOT_LEN])from,
			       (const char(*)[VFE_SLOT_LEN])to, n, &moved, &moved_len);
	if (r < 0) {
		ERR("cannot move the bind lines in %s: %s", g->config, strerror(-r));
		free(text);
		return 1;
	}
	/* The config's new slots are one more file of apply's: shown, asked for, backed up. */
	cc = (struct ctl_conf_change){
	    .old = text, .old_len = len, .new = moved, .new_len = moved_len, .existed = true};
	r = ctl_apply(g, dry_run, yes, &cc);
	free(moved);
	free(text);
	return r || stuck ? 1 : 0;
}

const struct ctl_cmd ctl_cmd_regenerate = {"regenerate", do_regenerate,
					   "follow moved cards to their new slots, then apply"};
