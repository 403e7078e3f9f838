/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A stand-in for the kernel's side of the PCI bus files in a fake root: drivers_probe and
 * every driver's bind/unbind become FIFOs that a thread serves the way the kernel does,
 * creating and removing driver links. driver_override is read when a device is probed: set,
 * it names the only driver that may bind (if registered); unset, the device's host driver
 * (its driver link when the fake kernel started) takes it.
 */
struct fake_kernel;

struct fake_kernel *fk_start(const char *root);
/* Stops the thread and puts plain files back. */
void fk_stop(struct fake_kernel *fk);
/* What happened, one line per event: "unbind DRIVER SLOT override=X", "probe SLOT -> DRIVER". */
const char *fk_events(struct fake_kernel *fk);
