// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * regenerate: after hardware changes, follow each card that moved. A card is the bind lines
 * of one bus:device; it is found again where every one of its functions shows the same id,
 * at exactly one place not already configured, or it is left alone and said so.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/confedit.h"
#include "../../lib/config.h"
#include "../../lib/inventory.h"
#include "../../lib/log.h"
#include "apply.h"
#include "ctl.h"

/* Does the card at PREFIX ("dddd:bb:dd") hold every function of CARD's lines with their ids? */
static bool card_fits(const struct vfe_inventory *inv, const struct vfe_config *conf,
		      const char *card, const char *prefix)
{
	unsigned int i;

	for (i = 0; i < conf->n_binds; i++) {
		const struct vfe_bind_rule *b = &conf->binds[i];
		const struct vfe_dev *d;
		char slot[VFE_SLOT_LEN];

		if (strncmp(b->slot, card, 10))
			continue;
		snprintf(slot, sizeof(slot), "%.10s.%d", prefix, b->func);
		d = vfe_inventory_find(inv, slot);
		if (!d || d->vendor != (unsigned int)b->vendor ||
		    d->device != (unsigned int)b->device)
			return false;
	}
	return true;
}

static bool configured_card(const struct vfe_config *conf, const char *prefix)
{
	unsigned int i;

	for (i = 0; i < conf->n_binds; i++)
		if (!strncmp(conf->binds[i].slot, prefix, 10))
			return true;
	return false;
}

static int do_regenerate(struct ctl_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"yes", no_argument, NULL, 'y'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static char from[VFE_MAX_BINDS][16], to[VFE_MAX_BINDS][16];
	static struct vfe_config conf;
	struct vfe_inventory inv;
	bool dry_run = false, yes = false, stuck = false;
	unsigned int i, k, n = 0;
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
	r = vfe_config_load(&conf, g->config, err, sizeof(err));
	if (r < 0) {
		ERR("%s", err);
		return 1;
	}
	r = vfe_inventory_scan(&inv, g->root, false);
	if (r < 0) {
		ERR("cannot read the PCI bus: %s", strerror(-r));
		return 1;
	}
	for (i = 0; i < conf.n_binds; i++) {
		const char *card = conf.binds[i].slot;
		char found[VFE_SLOT_LEN] = "";
		unsigned int hits = 0, j;
		bool seen = false;

		for (j = 0; j < i; j++)
			seen |= !strncmp(conf.binds[j].slot, card, 10);
		if (seen || card_fits(&inv, &conf, card, card))
			continue;
		for (k = 0; k < inv.n; k++) {
			const char *cand = inv.devs[k].slot;

			/* one candidate per card: its function 0 entry, or the first function seen
			 */
			if (k && !strncmp(inv.devs[k - 1].slot, cand, 10))
				continue;
			if (configured_card(&conf, cand) || !card_fits(&inv, &conf, card, cand))
				continue;
			if (strncmp(found, cand, 10))
				hits++;
			snprintf(found, sizeof(found), "%.10s", cand);
		}
		if (hits != 1) {
			stuck = true;
			ERR("card at %.10s (line %u): %s", card, conf.binds[i].line,
			    hits ? "found at several places; fix the slots with remove and add"
				 : "not found anywhere on this machine; left as is");
			continue;
		}
		for (j = 0; j < conf.n_binds; j++) {
			if (strncmp(conf.binds[j].slot, card, 10))
				continue;
			snprintf(from[n], sizeof(from[n]), "%s", conf.binds[j].slot);
			snprintf(to[n], sizeof(to[n]), "%.10s.%d", found, conf.binds[j].func);
			printf("moved: %s -> %s (%s)\n", from[n], to[n], conf.binds[j].id);
			n++;
		}
	}
	vfe_inventory_free(&inv);
	if (!n) {
		printf("no card moved%s\n", stuck ? " that could be followed" : "");
		return stuck ? 1 : 0;
	}
	r = vfe_conf_move_slots(g->root, g->config, (const char(*)[16])from, (const char(*)[16])to,
				n, dry_run, err, sizeof(err));
	if (r < 0) {
		ERR("%s", err);
		return 1;
	}
	if (dry_run)
		printf("(dry run: %s not changed)\n", g->config);
	r = ctl_apply(g, dry_run, yes);
	return r || stuck ? 1 : 0;
}

const struct ctl_cmd ctl_cmd_regenerate = {"regenerate", do_regenerate,
					   "follow moved cards to their new slots, then apply"};
