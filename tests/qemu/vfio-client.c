// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A minimal VFIO user, doing what QEMU does before it can pass a device through:
 * container, group, IOMMU model, device fd, config region. Then it reads the
 * vendor and device id from config space through VFIO, which only works when
 * the device really is on vfio-pci and its IOMMU group is viable.
 *
 * Usage: vfio-client SLOT          e.g. vfio-client 0000:04:00.0
 * Prints: vfio-client: 0000:04:00.0 vendor=1b36 device=000d
 * Exit: 0 done, 1 any step failed (said on stderr, prefixed the same way).
 *
 * Built static (cc -static) so it runs in the busybox test image.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

static const char *slot;

static int fail(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fprintf(stderr, "vfio-client: %s: ", slot ? slot : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	return 1;
}

/* The group number is the last component of /sys/bus/pci/devices/SLOT/iommu_group. */
static int group_of(const char *dev, char *out, size_t outsize)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", dev);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= outsize)
		return -1;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = {.argsz = sizeof(status)};
	struct vfio_region_info region = {.argsz = sizeof(region)};
	char group[32], path[64];
	int container, grp, dev, api;
	uint16_t ids[2];

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: vfio-client SLOT   (full form, e.g. 0000:04:00.0)\n");
		return 2;
	}
	slot = argv[1];

	errno = 0;
	if (group_of(slot, group, sizeof(group)) < 0)
		return fail("no IOMMU group (is the IOMMU on, is the slot right?)");

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		return fail("open /dev/vfio/vfio");
	api = ioctl(container, VFIO_GET_API_VERSION);
	if (api != VFIO_API_VERSION)
		return fail("VFIO API version %d, expected %d", api, VFIO_API_VERSION);
	errno = 0;
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		return fail("no VFIO_TYPE1_IOMMU support (vfio_iommu_type1 not loaded?)");

	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	grp = open(path, O_RDWR | O_CLOEXEC);
	if (grp < 0)
		return fail("open %s", path);
	if (ioctl(grp, VFIO_GROUP_GET_STATUS, &status) < 0)
		return fail("VFIO_GROUP_GET_STATUS on group %s", group);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = 0;
		return fail("group %s is not viable: a member is bound to a host driver", group);
	}
	if (ioctl(grp, VFIO_GROUP_SET_CONTAINER, &container) < 0)
		return fail("VFIO_GROUP_SET_CONTAINER (group %s)", group);
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0)
		return fail("VFIO_SET_IOMMU type1");
	dev = ioctl(grp, VFIO_GROUP_GET_DEVICE_FD, slot);
	if (dev < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD (group %s)", group);

	region.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &region) < 0)
		return fail("VFIO_DEVICE_GET_REGION_INFO config");
	if (!(region.flags & VFIO_REGION_INFO_FLAG_READ) || region.size < 4) {
		errno = 0;
		return fail("config region not readable (flags 0x%x, size %llu)", region.flags,
			    (unsigned long long)region.size);
	}
	/* Offset 0: vendor id, offset 2: device id, both little endian (x86 guest). */
	if (pread(dev, ids, sizeof(ids), (off_t)region.offset) != (ssize_t)sizeof(ids))
		return fail("pread config space");

	printf("vfio-client: %s vendor=%04x device=%04x (group %s)\n", slot, ids[0], ids[1], group);
	close(dev);
	close(grp);
	close(container);
	return 0;
}
