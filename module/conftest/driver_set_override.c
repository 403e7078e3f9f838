// SPDX-License-Identifier: GPL-2.0-only
/*
 * Build-time probe (see the top-level Kbuild): this file compiles only when the
 * kernel headers declare driver_set_override() AND it takes the PCI core's own
 * override field, whatever the version number says (5.10's stable updates have
 * the function for other buses while struct pci_dev still holds a char *).
 */
#include <linux/device.h>
#include <linux/pci.h>

int vfe_conftest(struct pci_dev *pdev);

int vfe_conftest(struct pci_dev *pdev)
{
	return driver_set_override(&pdev->dev, &pdev->driver_override,
				   "vfio-pci", 8);
}
