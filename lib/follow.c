// SPDX-License-Identifier: GPL-2.0-or-later
/* Following a configured card to its new slot, for regenerate and check. */
#include "follow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/util.h"

char *vfe_seen_text(const struct vfe_inventory *inv, size_t *len)
{
	static const char head[] = "# PCI functions when the config was last applied "
				   "(vfio-earlyctl apply); read by regenerate\n";
	size_t cap = sizeof(head) + (size_t)inv->n * (VFE_SLOT_LEN + 12), used;
	char *text = malloc(cap);
	unsigned int i;

	if (!text)
		return NULL;
	used = (size_t)snprintf(text, cap, "%s", head);
	for (i = 0; i < inv->n && used < cap; i++)
		used +=
		    (size_t)snprintf(text + used, cap - used, "%s %04x:%04x\n", inv->devs[i].slot,
				     inv->devs[i].vendor & 0xffff, inv->devs[i].device & 0xffff);
	*len = used < cap ? used : cap - 1;
	return text;
}

int vfe_seen_load(const char *root, struct vfe_seen *seen)
{
	char path[VFE_PATH_MAX], *text, *line, *save = NULL;
	size_t len, i, lines;
	int r;

	memset(seen, 0, sizeof(*seen));
	if (vfe_path(path, sizeof(path), root, VFE_SLOTS_PATH) < 0)
		return -ENAMETOOLONG;
	r = vfe_slurp(path, 1 << 20, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	seen->known = true;
	lines = 1;
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	seen->devs = calloc(lines, sizeof(*seen->devs));
	if (!seen->devs) {
		free(text);
		return -ENOMEM;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *sp = strchr(line, ' ');
		struct vfe_seen_dev d;

		/* a slot as long as VFE_SLOT_LEN allows, then the id */
		if (line[0] == '#' || !sp || sp == line || sp - line >= VFE_SLOT_LEN ||
		    sscanf(sp + 1, "%4x:%4x", &d.vendor, &d.device) != 2)
			continue;
		memcpy(d.slot, line, (size_t)(sp - line));
		d.slot[sp - line] = '\0';
		seen->devs[seen->n++] = d;
	}
	free(text);
	return 0;
}

void vfe_seen_free(struct vfe_seen *seen)
{
	free(seen->devs);
	memset(seen, 0, sizeof(*seen));
}

size_t vfe_card_len(const char *slot)
{
	const char *dot = strrchr(slot, '.');

	return dot ? (size_t)(dot - slot) : strlen(slot);
}

bool vfe_same_card(const char *a, const char *b)
{
	size_t n = vfe_card_len(a);

	return n == vfe_card_len(b) && !strncmp(a, b, n);
}

static bool was_there(const struct vfe_seen *seen, const char *slot, unsigned int vendor,
		      unsigned int device)
{
	unsigned int i;

	for (i = 0; i < seen->n; i++)
		if (!strcmp(seen->devs[i].slot, slot))
			return seen->devs[i].vendor == vendor && seen->devs[i].device == device;
	return false;
}

/*
 * Does the bus:device at PREFIX hold every function of CARD's lines with their ids? With
 * SEEN: and not all of them there already at the last apply.
 */
static bool card_fits(const struct vfe_inventory *inv, const struct vfe_config *conf,
		      const struct vfe_seen *seen, const char *card, const char *prefix)
{
	bool all_seen = true;
	unsigned int i;

	for (i = 0; i < conf->n_binds; i++) {
		const struct vfe_bind_rule *b = &conf->binds[i];
		const struct vfe_dev *d;
		char slot[VFE_SLOT_LEN];

		if (!vfe_same_card(b->slot, card))
			continue;
		snprintf(slot, sizeof(slot), "%.*s.%d", (int)vfe_card_len(prefix), prefix, b->func);
		d = vfe_inventory_find(inv, slot);
		if (!d || d->vendor != (unsigned int)b->vendor ||
		    d->device != (unsigned int)b->device)
			return false;
		if (seen)
			all_seen &= was_there(seen, slot, d->vendor, d->device);
	}
	return !seen || !all_seen;
}

static bool configured_card(const struct vfe_config *conf, const char *prefix)
{
	unsigned int i;

	for (i = 0; i < conf->n_binds; i++)
		if (vfe_same_card(conf->binds[i].slot, prefix))
			return true;
	return false;
}

bool vfe_card_in_place(const struct vfe_inventory *inv, const struct vfe_config *conf,
		       const char *card)
{
	return card_fits(inv, conf, NULL, card, card);
}

int vfe_follow_card(const struct vfe_inventory *inv, const struct vfe_config *conf,
		    const struct vfe_seen *seen, const char *card, char found[][VFE_SLOT_LEN],
		    unsigned int *stayed)
{
	char last[VFE_SLOT_LEN] = "";
	const struct vfe_seen *known = seen && seen->known ? seen : NULL;
	unsigned int k;
	int hits = 0;

	*stayed = 0;
	if (vfe_card_in_place(inv, conf, card))
		return -1;
	for (k = 0; k < inv->n; k++) {
		const char *cand = inv->devs[k].slot;
		int j;

		if (configured_card(conf, cand) || !card_fits(inv, conf, NULL, card, cand))
			continue;
		if (known && !card_fits(inv, conf, known, card, cand)) {
			/* callers only ask whether there were any */
			if (!vfe_same_card(last, cand))
				(*stayed)++;
			snprintf(last, sizeof(last), "%.*s", (int)vfe_card_len(cand), cand);
			continue;
		}
		/* the inventory is sorted by group: a card's functions need not be adjacent */
		for (j = 0; j < hits && j < VFE_FOLLOW_MAX; j++)
			if (vfe_same_card(found[j], cand))
				break;
		if (j < hits)
			continue;
		if (hits < VFE_FOLLOW_MAX)
			snprintf(found[hits], VFE_SLOT_LEN, "%.*s", (int)vfe_card_len(cand), cand);
		hits++;
	}
	return hits;
}
