// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A minimal VFIO user, doing what QEMU does before it can pass a device through,
 * both ways QEMU knows:
 *   group: container, group, IOMMU model, device fd from the group;
 *   cdev:  (kernels with VFIO_DEVICE_CDEV, 6.6 on) the device's own character device
 *          /dev/vfio/devices/vfioN, bound to an iommufd (/dev/iommu) and attached to
 *          an I/O address space allocated there.
 * Each way it reads the vendor and device id from config space through VFIO, which
 * only works when the device really is on vfio-pci and its IOMMU group is viable.
 * The cdev way is taken when the kernel made one for the device (its sysfs
 * vfio-dev/vfioN has a device number), after the group way has closed the device again.
 *
 * Usage: vfio-client SLOT          e.g. vfio-client 0000:04:00.0
 * Prints: vfio-client: 0000:04:00.0 vendor=1b36 device=000d (group 7)
 *         vfio-client: 0000:04:00.0 vendor=1b36 device=000d (cdev vfio3, iommufd)
 *      or vfio-client: 0000:04:00.0 no device cdev (the kernel has no VFIO_DEVICE_CDEV)
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
#include <dirent.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

/*
 * The cdev interface (Linux 6.6 uapi) where the build host's headers predate it:
 * the kernel's ABI, as include/uapi/linux/vfio.h and iommufd.h define it.
 */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)
#endif
#ifndef IOMMU_IOAS_ALLOC
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(';', 0x81)
#endif

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

/* Reads the vendor and device id through the config region of an open VFIO device. */
static int read_ids(int dev, uint16_t ids[2])
{
	struct vfio_region_info region = {.argsz = sizeof(region)};
	ssize_t want = 2 * sizeof(ids[0]);

	region.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &region) < 0)
		return fail("VFIO_DEVICE_GET_REGION_INFO config");
	if (!(region.flags & VFIO_REGION_INFO_FLAG_READ) || region.size < 4) {
		errno = 0;
		return fail("config region not readable (flags 0x%x, size %llu)", region.flags,
			    (unsigned long long)region.size);
	}
	/* Offset 0: vendor id, offset 2: device id, both little endian (x86 guest). */
	if (pread(dev, ids, want, (off_t)region.offset) != want)
		return fail("pread config space");
	return 0;
}

/*
 * The name of the device's cdev (vfioN): 0, or 1 when it has none. SLOT/vfio-dev/vfioN is
 * there from 6.1 on, but only a kernel with the cdev gives it a device number (its "dev").
 */
static int cdev_of(const char *dev, char *out, size_t outsize)
{
	char dir[PATH_MAX], num[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;
	int found = 1;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", dev);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 1 : -1;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vfio", 4) || strlen(e->d_name) >= outsize)
			continue;
		snprintf(num, sizeof(num), "%s/%s/dev", dir, e->d_name);
		if (access(num, F_OK) == 0) {
			memcpy(out, e->d_name, strlen(e->d_name) + 1);
			found = 0;
			break;
		}
	}
	closedir(d);
	return found;
}

/* The cdev way: /dev/vfio/devices/vfioN bound to an iommufd, attached to a new IOAS. */
static int through_cdev(void)
{
	struct vfio_device_bind_iommufd bind = {.argsz = sizeof(bind)};
	struct vfio_device_attach_iommufd_pt attach = {.argsz = sizeof(attach)};
	struct iommu_ioas_alloc ioas = {.size = sizeof(ioas)};
	char name[64], path[96];
	uint16_t ids[2];
	int r, dev, iommufd;

	errno = 0;
	r = cdev_of(slot, name, sizeof(name));
	if (r < 0)
		return fail("cannot read the device's vfio-dev directory");
	if (r > 0) {
		printf("vfio-client: %s no device cdev (the kernel has no VFIO_DEVICE_CDEV)\n",
		       slot);
		return 0;
	}
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return fail("open %s", path);
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		return fail("open /dev/iommu (IOMMUFD)");
	bind.iommufd = iommufd;
	if (ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0)
		return fail("VFIO_DEVICE_BIND_IOMMUFD (%s)", name);
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &ioas) < 0)
		return fail("IOMMU_IOAS_ALLOC");
	attach.pt_id = ioas.out_ioas_id;
	if (ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) < 0)
		return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT (%s, IOAS %u)", name, ioas.out_ioas_id);
	if (read_ids(dev, ids))
		return 1;
	printf("vfio-client: %s vendor=%04x device=%04x (cdev %s, iommufd)\n", slot, ids[0], ids[1],
	       name);
	close(dev);
	close(iommufd);
	return 0;
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = {.argsz = sizeof(status)};
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

	if (read_ids(dev, ids))
		return 1;

	printf("vfio-client: %s vendor=%04x device=%04x (group %s)\n", slot, ids[0], ids[1], group);
	close(dev);
	close(grp);
	close(container);
	return through_cdev();
}
