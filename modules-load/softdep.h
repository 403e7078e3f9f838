/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/*
 * The host drivers that would claim SLOTS: each device's modalias looked up with libkmod
 * (ROOT's module tree and modprobe.d), vfio-pci itself left out. Writes the modprobe.d text
 * ("softdep <driver> pre: vfio-pci" per driver, sorted, no duplicates) into a malloc'd *OUT.
 */
int vfe_softdeps_render(const char *root, const char (*slots)[16], size_t n, char **out);
