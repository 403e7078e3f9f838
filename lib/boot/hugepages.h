/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "config.h"

/* What step 9 found and did for one configured size (and node). */
struct vfe_hugepages_result {
	unsigned long size_kb;
	int node; /* -1: the kernel's choice of nodes */
	unsigned long requested;
	long before;   /* the count found before this run wrote anything; -1 unknown */
	long reserved; /* the count read back after the write; -1 unknown */
	bool wrote;    /* this run wrote the count */
	unsigned long long write_us; /* the write and its read-back took this long; 0 when none */
	int error;		     /* -errno of a failed read or write, 0 */
};

/* Hugepages of SIZE_KB reserved now (on NODE, or all when -1); -errno. */
long vfe_hugepages_reserved(const char *root, unsigned long size_kb, int node);
/* "2M", "1G", or "<n>kB" for a size the config cannot name. */
const char *vfe_hugepage_size_name(unsigned long size_kb, char *buf, unsigned int size);

/*
 * Step 9. For each request, raise the count to at least the number asked for and read it
 * back; a count already at or above it is left as it is (see hugepages.c). A dry run reads
 * and writes nothing but the current counts. Fills OUT[0..N); returns the number of requests
 * that are not fully in place (a shortfall or an error), every one logged.
 */
unsigned int vfe_hugepages_reserve(const char *root, bool dry_run, const struct vfe_hugepages *req,
				   unsigned int n, struct vfe_hugepages_result *out);
/* True when R has every page it asked for. */
bool vfe_hugepages_in_place(const struct vfe_hugepages_result *r);
