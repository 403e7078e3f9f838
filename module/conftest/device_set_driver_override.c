// SPDX-License-Identifier: GPL-2.0-only
/*
 * Build-time probe (see the top-level Kbuild): compiles only when the driver
 * core keeps a device's override itself (device_set_driver_override() and the
 * locked name in struct device), whatever the version number says.
 */
#include <linux/device.h>
#include <linux/spinlock.h>

int vfe_conftest(struct device *dev);

int vfe_conftest(struct device *dev)
{
	const char *name;

	spin_lock(&dev->driver_override.lock);
	name = dev->driver_override.name;
	spin_unlock(&dev->driver_override.lock);
	return name ? 0 : device_set_driver_override(dev, "vfio-pci");
}
