// SPDX-License-Identifier: GPL-2.0-only
/*
 * Build-time probe (see the top-level Kbuild): this file compiles only when the
 * kernel headers declare driver_set_override(), whatever the version number says.
 */
#include <linux/device.h>

int vfe_conftest(struct device *dev, const char **override);

int vfe_conftest(struct device *dev, const char **override)
{
	return driver_set_override(dev, override, "vfio-pci", 8);
}
