/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "boot/config.h"
#include "inventory.h"

/*
 * The PCI functions there were when the config was last applied, one "slot vendor:device"
 * per line. A function that is still at its slot with its id did not move, so it is no
 * candidate for a configured card that did (the host's own controller, identical to the
 * card that moved, stays out of the way).
 */
#define VFE_SLOTS_PATH "/var/lib/vfio-early/slots"

struct vfe_seen {
	struct vfe_seen_dev {
		char slot[VFE_SLOT_LEN];
		unsigned int vendor, device;
	} * devs;
	unsigned int n;
	bool known; /* the file was there */
};

/* The text of VFE_SLOTS_PATH for INV (malloc'd, *LEN bytes), or NULL; apply writes it. */
char *vfe_seen_text(const struct vfe_inventory *inv, size_t *len);
/* Reads it; a missing file is no error (KNOWN false). -errno on a read error. */
int vfe_seen_load(const char *root, struct vfe_seen *seen);
void vfe_seen_free(struct vfe_seen *seen);

/* Is every bind line of CONF's card at CARD ("dddd:bb:dd") at its slot with its id? */
bool vfe_card_in_place(const struct vfe_inventory *inv, const struct vfe_config *conf,
		       const char *card);

/* The card of a slot: "domain:bus:device", the slot up to its '.' (domains may be 32 bits). */
size_t vfe_card_len(const char *slot);
/* Are slots (or cards) A and B of the same card? */
bool vfe_same_card(const char *a, const char *b);

#define VFE_FOLLOW_MAX 8

/*
 * Where the card at CARD ("dddd:bb:dd", the bind lines of one bus:device of CONF) could be
 * now: each other bus:device of INV, configured for no card, that shows every one of the
 * card's functions with its id, and that did not hold those ids at its slot already when
 * the config was applied (SEEN). Fills FOUND with up to VFE_FOLLOW_MAX of them (cards);
 * returns how many there are, and in *STAYED how many others match but were there already.
 * The card is still in place: -1.
 */
int vfe_follow_card(const struct vfe_inventory *inv, const struct vfe_config *conf,
		    const struct vfe_seen *seen, const char *card, char found[][VFE_SLOT_LEN],
		    unsigned int *stayed);
