// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-earlyctl list/add/remove/status on the seed's machine (a fake root). */
#include <fcntl.h>
#include <json-c/json.h>
#include <pty.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "testutil.h"
#include "../../lib/follow.h"
#include "../../lib/run.h"

static char out[131072];

#define ctl(r, ...) run_ctl(r, out, sizeof(out), __VA_ARGS__)

FIXTURE(seed)
{
	struct vroot r;
};

FIXTURE_SETUP(seed)
{
	ASSERT_EQ(0, vroot_make(&self->r, "seed"));
}

FIXTURE_TEARDOWN(seed)
{
	vroot_destroy(&self->r);
}

TEST_F(seed, list_shows_groups_drivers_and_marks)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	ASSERT_EQ(0, ctl(&self->r, "list", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "Group 19:"));
	EXPECT_NE(NULL, strstr(out, "06:00.3  USB controller"));
	EXPECT_NE(NULL, strstr(out, "Matisse USB 3.0 Host Controller  (xhci_hcd)"));
	EXPECT_NE(NULL, strstr(out, "(amdgpu boot-VGA)"));
	EXPECT_NE(NULL, strstr(out, "*[1106:3483]"));
	EXPECT_NE(NULL, strstr(out, "[configured]"));
	/* the USB devices behind each controller, and [R] where a reset exists */
	EXPECT_NE(NULL, strstr(out, "[046a:0001]  Bus 003 Device 003  Cherry GmbH Keyboard"));
	EXPECT_NE(NULL, strstr(out, "[1022:149c] [R] 06:00.3"));
	EXPECT_NE(NULL, strstr(out, "[1022:1485]     06:00.0"));
}

TEST_F(seed, list_json)
{
	json_object *j, *groups, *g, *devs, *d, *v;
	size_t i;
	bool seen = false;

	ASSERT_EQ(0, ctl(&self->r, "list", "--json", NULL));
	j = json_tokener_parse(out);
	ASSERT_NE(NULL, j) TH_LOG("%s", out);
	ASSERT_TRUE(json_object_object_get_ex(j, "groups", &groups));
	for (i = 0; i < json_object_array_length(groups); i++) {
		g = json_object_array_get_idx(groups, i);
		if (json_object_get_int(json_object_object_get(g, "group")) != 30)
			continue;
		devs = json_object_object_get(g, "devices");
		ASSERT_EQ(2, json_object_array_length(devs));
		d = json_object_array_get_idx(devs, 0);
		EXPECT_STREQ("0000:0c:00.0",
			     json_object_get_string(json_object_object_get(d, "slot")));
		EXPECT_TRUE(json_object_object_get_ex(d, "boot_vga", &v) &&
			    json_object_get_boolean(v));
		EXPECT_STREQ("amdgpu", json_object_get_string(json_object_object_get(d, "driver")));
		EXPECT_STREQ("VGA compatible controller",
			     json_object_get_string(json_object_object_get(d, "class_name")));
		seen = true;
	}
	EXPECT_TRUE(seen);
	json_object_put(j);
}

TEST_F(seed, add_takes_every_function_of_a_graphics_card)
{
	const char *conf;

	vroot_write(&self->r, "etc/vfio-early.conf", "# my VM\nhugepages 2M 8192\n");
	ASSERT_EQ(0, ctl(&self->r, "add", "0b:00.0", "1106:3483", NULL)) TH_LOG("%s", out);
	conf = vroot_read(&self->r, "etc/vfio-early.conf");
	EXPECT_EQ(0, strncmp(conf, "# my VM\nhugepages 2M 8192\nbind 0000:0b:00.0 1002:73bf", 52))
	TH_LOG("%s", conf);
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0b:00.1 1002:ab28"));
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0b:00.2 1002:73a6"));
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0b:00.3 1002:73a4"));
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0f:00.0 1106:3483"));
	/* the old file was backed up */
	ASSERT_EQ(0, system(strcat(strcpy(out, "grep -rqx 'hugepages 2M 8192' "),
				   vroot_path(&self->r, "var/lib/vfio-early/backup"))));
	/* a second add of the same card changes nothing */
	ASSERT_EQ(0, ctl(&self->r, "add", "0b:00.1", NULL));
	EXPECT_NE(NULL, strstr(out, "already configured"));
}

TEST_F(seed, add_refuses_an_incomplete_group_naming_the_members)
{
	ASSERT_EQ(1, ctl(&self->r, "add", "06:00.3", NULL));
	EXPECT_NE(NULL, strstr(out, "IOMMU group 19 would be incomplete"));
	EXPECT_NE(NULL, strstr(out, "0000:06:00.0 [1022:1485]"));
	EXPECT_NE(NULL, strstr(out, "0000:06:00.1 [1022:149c]"));
	/* with what hangs behind them: the host's headset and receiver */
	EXPECT_NE(NULL, strstr(out, "USB 001:005 [046d:c547] Logitech USB Receiver"));
	EXPECT_NE(NULL, strstr(out, "SteelSeries Arctis Pro Wireless"));
	EXPECT_EQ(NULL, strstr(out, "03:08.0"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/vfio-early.conf"));
}

TEST_F(seed, add_by_ambiguous_id_asks_for_a_slot)
{
	ASSERT_EQ(1, ctl(&self->r, "add", "1022:149c", NULL));
	EXPECT_NE(NULL, strstr(out, "1022:149c matches 3 devices"));
	EXPECT_NE(NULL, strstr(out, "0000:0e:00.3"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/vfio-early.conf"));
}

TEST_F(seed, add_refuses_boot_vga_and_bridges)
{
	ASSERT_EQ(1, ctl(&self->r, "add", "0c:00.0", NULL));
	EXPECT_NE(NULL, strstr(out, "boot VGA"));
	ASSERT_EQ(1, ctl(&self->r, "add", "09:00.0", NULL));
	EXPECT_NE(NULL, strstr(out, "PCI bridge"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/vfio-early.conf"));
	ASSERT_EQ(0, ctl(&self->r, "add", "--allow-boot-vga", "0c:00.0", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"),
			       "bind 0000:0c:00.0 1002:67df allow-boot-vga"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"),
			       "bind 0000:0c:00.1 1002:aaf0"));
}

TEST_F(seed, add_unknown_slot_and_bad_words)
{
	EXPECT_EQ(1, ctl(&self->r, "add", "10:00.0", NULL));
	EXPECT_NE(NULL, strstr(out, "no device at this slot"));
	EXPECT_EQ(1, ctl(&self->r, "add", "nonsense", NULL));
	EXPECT_EQ(2, ctl(&self->r, "add", NULL));
	EXPECT_EQ(2, ctl(&self->r, "frobnicate", NULL));
	EXPECT_NE(NULL, strstr(out, "unknown command"));
	EXPECT_EQ(2, ctl(&self->r, "--bogus", NULL));
	EXPECT_NE(NULL, strstr(out, "Try 'vfio-earlyctl --help'"));
	EXPECT_EQ(0, ctl(&self->r, "--help", NULL));
	EXPECT_NE(NULL, strstr(out, "vfio-earlyctl(8)"));
}

TEST_F(seed, remove_keeps_every_other_byte)
{
	static const char before[] = "# VM devices\n"
				     "bind 0f:00.0 1106:3483   # VL805\n"
				     "\n"
				     "bind 0000:0b:00.1 1002:ab28\n"
				     "vm-cpus 8-15 # the VM\n";

	vroot_write(&self->r, "etc/vfio-early.conf", before);
	ASSERT_EQ(0, ctl(&self->r, "remove", "0000:0f:00.0", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ("# VM devices\n\nbind 0000:0b:00.1 1002:ab28\nvm-cpus 8-15 # the VM\n",
		     vroot_read(&self->r, "etc/vfio-early.conf"));
	EXPECT_EQ(1, ctl(&self->r, "remove", "0c:00.0", NULL));
	EXPECT_NE(NULL, strstr(out, "no bind line"));
}

TEST_F(seed, status_reports_boot_and_live_state)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	ASSERT_EQ(0,
		  system(strcat(strcpy(out, "mkdir -p "), vroot_path(&self->r, "run/vfio-early"))));
	vroot_write(&self->r, "run/vfio-early/report.json",
		    "{\"version\":\"0.1.0\",\"disabled\":false,\"duration_us\":812,"
		    "\"devices\":[{\"slot\":\"0000:0f:00.0\",\"action\":\"failed\","
		    "\"reason\":\"vfio-pci did not bind it\"}]}");
	EXPECT_EQ(1, ctl(&self->r, "status", NULL));
	EXPECT_NE(NULL, strstr(out, "vfio-pci did not bind it"));
	EXPECT_NE(NULL, strstr(out, "0000:0f:00.0 xhci_hcd"));
	EXPECT_NE(NULL, strstr(out, "NOT on vfio-pci"));
	EXPECT_EQ(1, ctl(&self->r, "status", "--json", NULL));
	EXPECT_NE(NULL, strstr(out, "\"on_vfio_pci\":false"));
}

TEST_F(seed, check_finds_drift_and_says_what_to_do)
{
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:ab28\nbind 0b:00.2 1002:73a6\n"
		    "bind 0b:00.3 1002:73a4\nbind 10:00.0 1106:3483\nbind 0c:00.1 1002:aaf0\n"
		    "hugepages 1G 30\nvm-cpus 0-7\n");
	EXPECT_EQ(1, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "ok    iommu"));
	EXPECT_NE(NULL, strstr(out, "ok    cpu        hardware virtualization (AMD-V) is on"));
	/* the VL805 moved from 0f:00.0: found by its id */
	EXPECT_NE(NULL,
		  strstr(out, "line 5: nothing at 0000:10:00.0; 1106:3483 is at 0000:0f:00.0"));
	EXPECT_NE(NULL, strstr(out, "vfio-earlyctl regenerate"));
	EXPECT_NE(NULL, strstr(out, "IOMMU group 30 also holds 0000:0c:00.0"));
	EXPECT_NE(NULL, strstr(out, "FIX   hugepages"));
	EXPECT_NE(NULL, strstr(out, "vm-cpus holds CPU 0"));

	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:ab28\nbind 0b:00.2 1002:73a6\n"
		    "bind 0b:00.3 1002:73a4\nbind 0f:00.0 1106:3483\nhugepages 2M 8192\n"
		    "vm-cpus 4-7,12-15\n"); /* the guide's 8-15 splits cores: test-cpuplan */
	EXPECT_EQ(0, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "0 finding(s)"));
	EXPECT_EQ(0, ctl(&self->r, "check", "--json", NULL));
	EXPECT_NE(NULL, strstr(out, "\"findings\":0"));
}

/* The label of check's "line N: SLOT is ID (LABEL)" into BUF; "" when the line is absent. */
static void check_label(const char *text, const char *head, char *buf, size_t size)
{
	const char *s = strstr(text, head), *e;

	buf[0] = 0;
	if (s && (e = strstr(s += strlen(head), ")\n")))
		snprintf(buf, size, "%.*s", (int)(e - s), s);
}

/*
 * check names a device from udev's hwdb (no parse of all of pci.ids), and from pci.ids where
 * hwdb cannot: here hwdb.bin is hidden, in a mount namespace of this test's own process, and
 * the name must be list's (pci.ids'). A device neither knows is named by its class.
 */
TEST_F(seed, check_names_devices_from_hwdb_or_pci_ids)
{
	static const char *const hwdb[] = {"/etc/systemd/hwdb/hwdb.bin", "/etc/udev/hwdb.bin",
					   "/usr/lib/systemd/hwdb/hwdb.bin",
					   "/usr/lib/udev/hwdb.bin", "/lib/udev/hwdb.bin"};
	char with[200], without[200], listed[240];
	const char *l;
	unsigned int i;

	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	ASSERT_EQ(0, ctl(&self->r, "list", NULL));
	l = strstr(out, "[1106:3483]");
	ASSERT_NE(NULL, l);
	ASSERT_NE(NULL, strstr(l, "USB controller "));
	l = strstr(l, "USB controller ") + 15;
	snprintf(listed, sizeof(listed), "%s", l + strspn(l, " "));
	if (strstr(listed, "  ("))
		*strstr(listed, "  (") = 0; /* "NAME  (driver)" */
	ASSERT_NE(0, listed[0]);
	ctl(&self->r, "check", NULL);
	check_label(out, "line 1: 0000:0f:00.0 is 1106:3483 (", with, sizeof(with));
	EXPECT_NE(NULL, strstr(with, "VL805")) TH_LOG("%s", out);

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		SKIP(return, "hiding hwdb.bin needs root and a mount namespace");
	for (i = 0; i < sizeof(hwdb) / sizeof(hwdb[0]); i++)
		if (access(hwdb[i], F_OK) == 0)
			ASSERT_EQ(0, mount("/dev/null", hwdb[i], NULL, MS_BIND, NULL));
	ctl(&self->r, "check", NULL);
	check_label(out, "line 1: 0000:0f:00.0 is 1106:3483 (", without, sizeof(without));
	EXPECT_STREQ(listed, without) TH_LOG("%s", out);

	/* in neither database: the class's name, not "Device 3484" */
	ASSERT_EQ(0, vroot_write(&self->r, "sys/bus/pci/devices/0000:0f:00.0/device", "0x3484\n"));
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3484\n");
	ctl(&self->r, "check", NULL);
	check_label(out, "line 1: 0000:0f:00.0 is 1106:3484 (", without, sizeof(without));
	EXPECT_STREQ("USB controller", without) TH_LOG("%s", out);
}

/*
 * A FIFO where /proc/cpuinfo was: check says so and goes on, never waiting on it. (Without
 * vm-cpus: hwloc, which reads the file for the CPU plan, opens it without O_NONBLOCK.)
 */
TEST_F(seed, check_refuses_a_fifo_cpuinfo)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	ASSERT_EQ(0, unlink(vroot_path(&self->r, "proc/cpuinfo")));
	ASSERT_EQ(0, mkfifo(vroot_path(&self->r, "proc/cpuinfo"), 0644));
	ctl(&self->r, "check", NULL);
	EXPECT_NE(NULL, strstr(out, "/proc/cpuinfo; virtualization not checked")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "line 1: 0000:0f:00.0 is 1106:3483")) TH_LOG("%s", out);
}

TEST_F(seed, check_finds_a_target_that_holds_the_root_filesystem)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 04:00.0 15b7:5002\n");
	ASSERT_EQ(0, system(strcat(strcpy(out, "mkdir -p "), vroot_path(&self->r, "sys/block"))));
	ASSERT_EQ(0, symlink("../devices/pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:01.0/"
			     "0000:04:00.0/nvme/nvme0/nvme0n1",
			     vroot_path(&self->r, "sys/block/nvme0n1")));
	ASSERT_EQ(0, system(strcat(strcpy(out, "mkdir -p "),
				   vroot_path(&self->r, "sys/devices/pci0000:00/0000:00:01.2/"
							"0000:02:00.0/0000:03:01.0/0000:04:00.0/"
							"nvme/nvme0/nvme0n1"))));
	vroot_write(&self->r, "proc/mounts", "/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n");
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "0000:04:00.0 holds /dev/nvme0n1, mounted or used as swap"))
	TH_LOG("%s", out);
}

static void grub_machine(struct __test_metadata *_metadata, const struct vroot *r)
{
	char uts[256], cmd[1024];
	FILE *p = popen("uname -r", "r");

	ASSERT_NE(NULL, fgets(uts, sizeof(uts), p));
	pclose(p);
	uts[strcspn(uts, "\n")] = '\0';
	/* libkmod under --root reads ROOT/lib/modules/<running release> and ROOT's modprobe.d */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc/default %s/etc/modprobe.d %s/lib/modules/%s",
		 r->dir, r->dir, r->dir, uts);
	ASSERT_EQ(0, system(cmd));
	vroot_write(r, "etc/modprobe.d/aliases.conf",
		    "alias pci:v00001002d000073BF* amdgpu\n"
		    "alias pci:v00001002d0000AB28* snd_hda_intel\n"
		    "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n");
	vroot_write(r, "etc/default/grub",
		    "# If you change this file, run 'update-grub' afterwards.\n"
		    "GRUB_DEFAULT=0\n"
		    "GRUB_TIMEOUT=5\n"
		    "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\n"
		    "GRUB_CMDLINE_LINUX=\"\"\n");
	vroot_write(r, "etc/vfio-early.conf",
		    "bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:ab28\nbind 0b:00.2 1002:73a6\n"
		    "bind 0b:00.3 1002:73a4\nbind 0f:00.0 1106:3483\nhugepages 2M 8192\n"
		    "vm-cpus 4-7,12-15\n"); /* one whole CCX: check judges the guide's 8-15 */
}

TEST_F(seed, apply_writes_diffs_backs_up_and_rolls_back)
{
	char original[1024];
	const char *grub, *softdep;

	grub_machine(_metadata, &self->r);
	snprintf(original, sizeof(original), "%s", vroot_read(&self->r, "etc/default/grub"));

	/* not a terminal and no --yes: show, write nothing */
	EXPECT_EQ(1, ctl(&self->r, "apply", NULL));
	EXPECT_NE(NULL, strstr(out, "+GRUB_CMDLINE_LINUX_DEFAULT="));
	EXPECT_STREQ(original, vroot_read(&self->r, "etc/default/grub"));

	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	grub = vroot_read(&self->r, "etc/default/grub");
	/* AMD: iommu=pt but never amd_iommu=on, nor intel_iommu=on */
	EXPECT_NE(NULL,
		  strstr(grub, "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash iommu=pt "
			       "kvm.ignore_msrs=1 default_hugepagesz=2M hugepagesz=2M "
			       "hugepages=8192 isolcpus=managed_irq,domain,4-7,12-15 "
			       "nohz_full=4-7,12-15 rcu_nocbs=4-7,12-15 irqaffinity=0-3,8-11'\n"))
	TH_LOG("%s", grub);
	EXPECT_EQ(NULL, strstr(grub, "amd_iommu"));
	EXPECT_EQ(NULL, strstr(grub, "intel_iommu"));
	EXPECT_NE(NULL, strstr(grub, "# If you change this file, run 'update-grub' afterwards.\n"
				     "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n"));
	softdep = vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf");
	EXPECT_NE(NULL, strstr(softdep, "softdep amdgpu pre: vfio-pci\n"
					"softdep snd_hda_intel pre: vfio-pci\n"
					"softdep xhci_pci pre: vfio-pci\n"))
	TH_LOG("%s", softdep);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/grub.d/42_vfio-early"), "vfio_early.off"));
	/* under --root the generators are named, not run */
	EXPECT_NE(NULL, strstr(out, "would run: "));

	/* applying again changes nothing */
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "no file changes"));

	/* rollback: byte for byte, and the files apply created are gone */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(original, vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
	/* and so is the directory apply made for its GRUB entry; the user's stay */
	EXPECT_NE(0, access(vroot_path(&self->r, "etc/grub.d"), F_OK));
	EXPECT_NE(NULL, strstr(out, "/etc/grub.d/\n")) TH_LOG("%s", out);
	EXPECT_EQ(0, access(vroot_path(&self->r, "etc/modprobe.d/aliases.conf"), F_OK));
}

TEST_F(seed, rollback_keeps_a_directory_the_user_had_even_empty)
{
	char cmd[1024];

	grub_machine(_metadata, &self->r);
	snprintf(cmd, sizeof(cmd), "mkdir %s/etc/grub.d", self->r.dir);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
	EXPECT_EQ(0, access(vroot_path(&self->r, "etc/grub.d"), F_OK));
	EXPECT_EQ(NULL, strstr(out, "/etc/grub.d/\n")) TH_LOG("%s", out);
}

TEST_F(seed, apply_with_the_kernel_module_installed)
{
	grub_machine(_metadata, &self->r);
	/* libkmod finds the module through ROOT's configuration, as it would through modules.dep */
	vroot_write(&self->r, "etc/modprobe.d/vfio-early-module.conf",
		    "alias vfio-early vfio_early\n");
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:ab28\n"
		    "bind 0c:00.0 1002:67df allow-boot-vga\nbind 0c:00.1 1002:aaf0\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL,
		  strstr(vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"),
			 "softdep amdgpu pre: vfio-pci vfio_early\n"
			 "softdep snd_hda_intel pre: vfio-pci vfio_early\n"
			 "options vfio_early bind=0000:0b:00.0/1002:73bf,0000:0b:00.1/1002:ab28,"
			 "0000:0c:00.0/1002:67df/allow-boot-vga,0000:0c:00.1/1002:aaf0\n"))
	TH_LOG("%s", vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
}

TEST_F(seed, apply_bans_the_vm_cpus_in_irqbalance_only)
{
	static const char original[] = "# Configuration for the irqbalance daemon\n"
				       "#IRQBALANCE_ONESHOT=\n"
				       "#IRQBALANCE_BANNED_CPULIST=\n";
	const char *conf = "bind 0f:00.0 1106:3483\nvm-cpus 4-7,12-15\n";

	grub_machine(_metadata, &self->r);
	vroot_write(&self->r, "etc/default/irqbalance", original);
	vroot_write(&self->r, "etc/vfio-early.conf", conf);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ("# Configuration for the irqbalance daemon\n#IRQBALANCE_ONESHOT=\n"
		     "#IRQBALANCE_BANNED_CPULIST=\n"
		     "# added by vfio-earlyctl: irqbalance leaves the VM's CPUs alone\n"
		     "IRQBALANCE_BANNED_CPULIST=4-7,12-15\n",
		     vroot_read(&self->r, "etc/default/irqbalance"));
	/* without vm-cpus the line we added goes, and the file is as it was */
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(original, vroot_read(&self->r, "etc/default/irqbalance"));
	/* the user's own line (the guide's 8-15) is set to the VM's CPUs, nothing else */
	vroot_write(&self->r, "etc/default/irqbalance", "#x\nIRQBALANCE_BANNED_CPULIST=8-15\n#y\n");
	vroot_write(&self->r, "etc/vfio-early.conf", conf);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ("#x\nIRQBALANCE_BANNED_CPULIST=4-7,12-15\n#y\n",
		     vroot_read(&self->r, "etc/default/irqbalance"));
}

/* Issue 11 item 12: systemd's EnvironmentFile= would read a comment after the value as part
 * of it. A line marked the old way (comment on the line) is ours and is rewritten. */
TEST_F(seed, apply_irqbalance_value_carries_no_comment)
{
	grub_machine(_metadata, &self->r);
	vroot_write(&self->r, "etc/default/irqbalance",
		    "ENABLED=1\nIRQBALANCE_BANNED_CPULIST=4-7,12-15  # added by vfio-earlyctl\n");
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\nvm-cpus 8-15\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ("ENABLED=1\n# added by vfio-earlyctl: irqbalance leaves the VM's CPUs alone\n"
		     "IRQBALANCE_BANNED_CPULIST=8-15\n",
		     vroot_read(&self->r, "etc/default/irqbalance"));
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ("ENABLED=1\n", vroot_read(&self->r, "etc/default/irqbalance"));
}

/* Issue 11 item 1: a long vm-cpus list overflowed the irqbalance editor's buffer. */
TEST_F(seed, apply_irqbalance_takes_a_long_cpu_list_whole)
{
	char conf[2048], want[2048], list[1024] = "";
	unsigned int cpu;

	grub_machine(_metadata, &self->r);
	for (cpu = 1; cpu <= 159; cpu += 2)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u",
			 cpu > 1 ? "," : "", cpu);
	snprintf(conf, sizeof(conf), "bind 0f:00.0 1106:3483\nvm-cpus %s\n", list);
	vroot_write(&self->r, "etc/vfio-early.conf", conf);
	vroot_write(&self->r, "etc/default/irqbalance", "ENABLED=1\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	snprintf(want, sizeof(want),
		 "ENABLED=1\n# added by vfio-earlyctl: irqbalance leaves the VM's CPUs alone\n"
		 "IRQBALANCE_BANNED_CPULIST=%s\n",
		 list);
	EXPECT_STREQ(want, vroot_read(&self->r, "etc/default/irqbalance"));
	/* the diff showed the same line */
	snprintf(want, sizeof(want), "+IRQBALANCE_BANNED_CPULIST=%s\n", list);
	EXPECT_NE(NULL, strstr(out, want));
}

TEST_F(seed, apply_on_intel_adds_intel_iommu)
{
	grub_machine(_metadata, &self->r);
	vroot_write(&self->r, "proc/cpuinfo",
		    "processor\t: 0\nvendor_id\t: GenuineIntel\n"
		    "flags\t\t: fpu vmx\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"),
			       "'quiet splash intel_iommu=on iommu=pt"));
}

/*
 * The entry without PCI pass-through, run as grub-mkconfig runs it (after sourcing
 * /etc/default/grub) with a stand-in for grub-mkconfig_lib: the arguments of its linux line.
 */
static void off_entry_linux_args(struct __test_metadata *_metadata, const struct vroot *r,
				 char *args, size_t size)
{
	char cmd[2048], line[4096];
	FILE *p;

	args[0] = '\0';
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/stub", r->dir);
	ASSERT_EQ(0, system(cmd));
	vroot_write(r, "stub/grub-mkconfig_lib",
		    "grub_file_is_not_garbage() { return 0; }\n"
		    "version_find_latest() { echo \"$1\"; }\n"
		    "prepare_grub_to_access_device() { :; }\n"
		    "make_system_path_relative_to_its_root() { echo \"$1\"; }\n");
	snprintf(
	    cmd, sizeof(cmd),
	    "cd %s && env -i PATH=/usr/bin:/bin pkgdatadir=%s/stub sh -c '. ./etc/default/grub; "
	    "export GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT; "
	    "exec sh etc/grub.d/42_vfio-early'",
	    r->dir, r->dir);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p))
		if (!strncmp(line, "\tlinux\t", 7) && strstr(line, " ro "))
			snprintf(args, size, "%s", strstr(line, " ro ") + 4);
	EXPECT_EQ(0, pclose(p));
}

/*
 * Issue 14: the recovery entry boots as if vfio-early were not installed. On the guide's
 * machine (hugepages, vm-cpus) with a CRLF /etc/default/grub and vfio-pci ids left on the
 * command line: vfio_early.off, the user's own words, none of our tokens, no ids, no CR.
 */
TEST_F(seed, off_entry_boots_as_if_not_installed)
{
	char args[4096];

	grub_machine(_metadata, &self->r);
	vroot_write(
	    &self->r, "etc/default/grub",
	    "GRUB_DEFAULT=0\r\n"
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash vfio_pci.ids=1002:73bf,1002:ab28\"\r\n"
	    "GRUB_CMDLINE_LINUX=\"rd.luks=0 vfio-pci.ids=1106:3483\"\r\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), "hugepages=8192"));
	off_entry_linux_args(_metadata, &self->r, args, sizeof(args));
	EXPECT_STREQ("rd.luks=0 quiet splash vfio_early.off\n", args);
}

TEST_F(seed, apply_with_kernel_install_cmdline)
{
	grub_machine(_metadata, &self->r);
	unlink(vroot_path(&self->r, "etc/default/grub"));
	ASSERT_EQ(0, system(strcat(strcpy(out, "mkdir -p "), vroot_path(&self->r, "etc/kernel"))));
	vroot_write(&self->r, "etc/kernel/cmdline", "root=UUID=0b3c5e7a ro quiet\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_EQ(0, strncmp(vroot_read(&self->r, "etc/kernel/cmdline"),
			     "root=UUID=0b3c5e7a ro quiet iommu=pt kvm.ignore_msrs=1", 53))
	TH_LOG("%s", vroot_read(&self->r, "etc/kernel/cmdline"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
}

/* A cloud image's settings (Ubuntu's 50-cloudimg-settings.cfg) set the value again. */
static const char cloud_cfg[] = "# Cloud Image specific Grub settings for Generic Cloud Images\n"
				"GRUB_TIMEOUT=0\n"
				"\n"
				"# Set the default commandline\n"
				"GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0\"\n";
static const char ours[] = "iommu=pt kvm.ignore_msrs=1 default_hugepagesz=2M hugepagesz=2M "
			   "hugepages=8192 isolcpus=managed_irq,domain,4-7,12-15 "
			   "nohz_full=4-7,12-15 rcu_nocbs=4-7,12-15 irqaffinity=0-3,8-11";

static void grub_d(struct __test_metadata *_metadata, const struct vroot *r, const char *name,
		   const char *text)
{
	char cmd[1024], rel[256];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc/default/grub.d", r->dir);
	ASSERT_EQ(0, system(cmd));
	snprintf(rel, sizeof(rel), "etc/default/grub.d/%s", name);
	vroot_write(r, rel, text);
}

TEST_F(seed, apply_edits_the_grub_d_file_that_overrides_the_value)
{
	char grub[1024], cfg[1024], want[1024];

	grub_machine(_metadata, &self->r);
	grub_d(_metadata, &self->r, "50-cloudimg-settings.cfg", cloud_cfg);
	snprintf(grub, sizeof(grub), "%s", vroot_read(&self->r, "etc/default/grub"));

	/* check: the override is named, and our tokens are not in the value that counts */
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "50-cloudimg-settings.cfg line 5 sets "
				    "GRUB_CMDLINE_LINUX_DEFAULT again and overrides "))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "the kernel command line is out of date (missing: iommu=pt "
				    "kvm.ignore_msrs=1"));
	EXPECT_NE(NULL, strstr(out, "which edits that file"));

	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "50-cloudimg-settings.cfg line 5 sets "
				    "GRUB_CMDLINE_LINUX_DEFAULT again after "));
	EXPECT_NE(NULL, strstr(out, "+GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0 "
				    "iommu=pt"));
	snprintf(want, sizeof(want),
		 "# Cloud Image specific Grub settings for Generic Cloud Images\nGRUB_TIMEOUT=0\n\n"
		 "# Set the default commandline\n"
		 "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0 %s\"\n",
		 ours);
	EXPECT_STREQ(want, vroot_read(&self->r, "etc/default/grub.d/50-cloudimg-settings.cfg"));
	/* /etc/default/grub does not count: it stays as it was, without a copy of ours */
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(0, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "50-cloudimg-settings.cfg carries our tokens"));

	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "no file changes")) TH_LOG("%s", out);

	/* rollback puts the .cfg back byte for byte */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(cloud_cfg,
		     vroot_read(&self->r, "etc/default/grub.d/50-cloudimg-settings.cfg"));
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));

	/* The user had put iommu=pt and kvm.ignore_msrs=1 there by hand: apply with tuning
	 * adds the rest, a config without tuning takes it away again, byte for byte. */
	snprintf(cfg, sizeof(cfg), "%.*s console=ttyS0 iommu=pt kvm.ignore_msrs=1\"\n",
		 (int)(strlen(cloud_cfg) - 16), cloud_cfg);
	grub_d(_metadata, &self->r, "50-cloudimg-settings.cfg", cfg);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub.d/50-cloudimg-settings.cfg"),
			       "ttyS0 iommu=pt kvm.ignore_msrs=1 default_hugepagesz=2M"));
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(cfg, vroot_read(&self->r, "etc/default/grub.d/50-cloudimg-settings.cfg"));
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
}

TEST_F(seed, grub_d_is_left_alone_where_grub_mkconfig_does_not_read_it)
{
	char cmd[1024], cfg[1024];

	grub_machine(_metadata, &self->r);
	grub_d(_metadata, &self->r, "50-cloudimg-settings.cfg", cloud_cfg);
	/* upstream's (Fedora's) grub2-mkconfig sources /etc/default/grub alone */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/usr/sbin", self->r.dir);
	ASSERT_EQ(0, system(cmd));
	vroot_write(&self->r, "usr/sbin/grub2-mkconfig",
		    "#!/bin/sh\nif test -f ${sysconfdir}/default/grub ; then\n"
		    "  . ${sysconfdir}/default/grub\nfi\n");
	snprintf(cfg, sizeof(cfg), "%s", cloud_cfg);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "50-cloudimg-settings.cfg"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), ours));
	EXPECT_STREQ(cfg, vroot_read(&self->r, "etc/default/grub.d/50-cloudimg-settings.cfg"));
	EXPECT_EQ(0, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
}

TEST_F(seed, apply_keeps_grub_for_a_grub_d_file_that_appends)
{
	static const char append[] =
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT nvme_core.io_timeout=255\"\n";
	char want[1024];

	grub_machine(_metadata, &self->r);
	grub_d(_metadata, &self->r, "60-nvme.cfg", append);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "again after"));
	snprintf(want, sizeof(want), "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash %s'\n", ours);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), want));
	EXPECT_STREQ(append, vroot_read(&self->r, "etc/default/grub.d/60-nvme.cfg"));
	EXPECT_EQ(0, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "no file changes"));
}

TEST_F(seed, apply_with_an_override_and_an_append_leaves_ours_in_one_place)
{
	static const char append[] =
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT hugepages=4 nomodeset\"\n";
	char grub[1024], want[1024];

	grub_machine(_metadata, &self->r);
	snprintf(grub, sizeof(grub), "%s", vroot_read(&self->r, "etc/default/grub"));
	/* an earlier apply, before the cloud settings came */
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	grub_d(_metadata, &self->r, "50-cloudimg-settings.cfg", cloud_cfg);
	grub_d(_metadata, &self->r, "60-nomodeset.cfg", append);
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "etc/default/grub: tokens of ours outside the assignment that "
				    "counts (overridden)"))
	TH_LOG("%s", out);
	/* hugepages=4 there is the user's (issue 16): a conflict, not a token of ours */
	EXPECT_NE(NULL, strstr(out, "hugepages=4 on the kernel command line is yours, and the "
				    "config asks for hugepages=8192"));

	/* hugepages=4 is the user's, not one apply wrote: it stops, naming both (issue 16) */
	EXPECT_EQ(1, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "has hugepages=4, which you wrote, and the config asks for "
				    "hugepages=8192"))
	TH_LOG("%s", out);
	EXPECT_STREQ(append, vroot_read(&self->r, "etc/default/grub.d/60-nomodeset.cfg"));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", "--adopt", NULL)) TH_LOG("%s", out);
	snprintf(want, sizeof(want),
		 "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0 %s\"\n", ours);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub.d/50-cloudimg-settings.cfg"),
			       want));
	/* the dead copy in grub and the stale hugepages= after ours went; nothing else did */
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
	EXPECT_STREQ("GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT nomodeset\"\n",
		     vroot_read(&self->r, "etc/default/grub.d/60-nomodeset.cfg"));
	EXPECT_EQ(0, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "no file changes"));

	/* one rollback puts all three back as the earlier apply left them */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(cloud_cfg,
		     vroot_read(&self->r, "etc/default/grub.d/50-cloudimg-settings.cfg"));
	EXPECT_STREQ(append, vroot_read(&self->r, "etc/default/grub.d/60-nomodeset.cfg"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), ours));
}

TEST_F(seed, check_says_when_grub_lacks_our_tokens)
{
	grub_machine(_metadata, &self->r);
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "FIX   cmdline    the kernel command line is out of date "
				    "(missing: iommu=pt"))
	TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "overrides"));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_EQ(0, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "etc/default/grub carries our tokens"));
	/* a token of ours the config no longer asks for */
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "tokens of ours the config no longer asks for"));
}

TEST_F(seed, regenerate_follows_moved_cards)
{
	const char *conf;

	grub_machine(_metadata, &self->r);
	/* The config from before: the GPU at 0d:00 (that slot now holds another device), the
	 * VL805 at 11:00.0 (empty now). */
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "# my VM\nbind 0d:00.0 1002:73bf # VGA\nbind 0d:00.1 1002:ab28\n"
		    "bind 0d:00.2 1002:73a6\nbind 0d:00.3 1002:73a4\nbind 11:00.0 1106:3483\n");
	ASSERT_EQ(0, ctl(&self->r, "regenerate", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "moved: 0000:0d:00.0 -> 0000:0b:00.0 (1002:73bf)"));
	EXPECT_NE(NULL, strstr(out, "moved: 0000:11:00.0 -> 0000:0f:00.0 (1106:3483)"));
	conf = vroot_read(&self->r, "etc/vfio-early.conf");
	EXPECT_STREQ("# my VM\nbind 0000:0b:00.0 1002:73bf # VGA\nbind 0000:0b:00.1 1002:ab28\n"
		     "bind 0000:0b:00.2 1002:73a6\nbind 0000:0b:00.3 1002:73a4\n"
		     "bind 0000:0f:00.0 1106:3483\n",
		     conf);
	/* and apply ran */
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), "iommu=pt"));
}

TEST_F(seed, regenerate_refuses_ambiguity)
{
	/* two identical SATA controllers at function 0: a moved one cannot be told apart */
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 11:00.0 1022:7901\n");
	EXPECT_EQ(1, ctl(&self->r, "regenerate", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "the same ids are at 0000:07:00, 0000:08:00; which one is the "
				    "card cannot be told (no record of the last apply"));
	EXPECT_STREQ("bind 11:00.0 1022:7901\n", vroot_read(&self->r, "etc/vfio-early.conf"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "line 1: the card's ids are at 0000:07:00, 0000:08:00; which "
				    "one is the card cannot be told"));
}

TEST_F(seed, regenerate_tells_the_moved_card_from_its_twin_by_the_last_apply)
{
	const char *slots;

	/* apply records what is on the bus: every function, with its id */
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 07:00.0 1022:7901\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	slots = vroot_read(&self->r, "var/lib/vfio-early/slots");
	ASSERT_NE(NULL, slots);
	EXPECT_NE(NULL, strstr(slots, "\n0000:07:00.0 1022:7901\n"));
	EXPECT_NE(NULL, strstr(slots, "\n0000:0b:00.3 1002:73a4\n"));
	/* Then the controller at 07:00.0 moves to 11:00.0 (the record is edited to match:
	 * 07:00 was not there, 08:00 was), and its twin at 08:00.0 stays where it was. */
	vroot_write(&self->r, "var/lib/vfio-early/slots",
		    "# test\n0000:08:00.0 1022:7901\n0000:11:00.0 1022:7901\n");
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 11:00.0 1022:7901 # the SATA card\n");
	/* an apply before regenerate keeps the record: the moved card is not "there already" */
	EXPECT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "0000:11:00.0 (line 1) is not at its slot: "
				    "/var/lib/vfio-early/slots left as it was"));
	EXPECT_STREQ("# test\n0000:08:00.0 1022:7901\n0000:11:00.0 1022:7901\n",
		     vroot_read(&self->r, "var/lib/vfio-early/slots"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "line 1: the card moved to 0000:07:00: 'vfio-earlyctl "
				    "regenerate' follows it"));
	EXPECT_EQ(0, ctl(&self->r, "regenerate", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "moved: 0000:11:00.0 -> 0000:07:00.0 (1022:7901)"));
	EXPECT_STREQ("bind 0000:07:00.0 1022:7901 # the SATA card\n",
		     vroot_read(&self->r, "etc/vfio-early.conf"));
	/* regenerate's own apply records the bus as it now is */
	slots = vroot_read(&self->r, "var/lib/vfio-early/slots");
	EXPECT_NE(NULL, strstr(slots, "\n0000:07:00.0 1022:7901\n"));
	/* Both were there at the last apply: neither is the card. */
	vroot_write(&self->r, "var/lib/vfio-early/slots",
		    "0000:07:00.0 1022:7901\n0000:08:00.0 1022:7901\n");
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 11:00.0 1022:7901\n");
	EXPECT_EQ(1, ctl(&self->r, "regenerate", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "was at the same slot when the config was applied"));
	EXPECT_STREQ("bind 11:00.0 1022:7901\n", vroot_read(&self->r, "etc/vfio-early.conf"));

	/* A record of nothing but short and broken lines is read safely, and knows nothing. */
	{
		static char junk[4096];
		size_t i;

		for (i = 0; i + 8 < sizeof(junk); i += 6)
			memcpy(junk + i, "a 1:1\n", 6);
		vroot_write(&self->r, "var/lib/vfio-early/slots", junk);
	}
	EXPECT_EQ(1, ctl(&self->r, "regenerate", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "the same ids are at 0000:07:00, 0000:08:00"));
}

TEST_F(seed, check_names_a_later_function_out_of_place)
{
	/* 0b:00.0 still holds the 6900 XT's VGA function; the audio line names the RX 480's
	 * audio id: said at that line, and no card shows both ids, so no move is offered */
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:aaf0\n");
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "line 2: 0000:0b:00.1 holds 1002:ab28, not 1002:aaf0"))
	TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "regenerate' follows it"));
}

/* Packs DIR (under the test root) into ROOT/boot/initrd.img-6.1.0-test, a gzipped cpio. */
static int pack_image(const struct vroot *r, const char *dir)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s' && cd '%s' && find . | cpio -o -H newc --quiet | gzip > '%s' && "
		 "touch -d '+1 hour' '%s'",
		 vroot_path(r, "boot"), vroot_path(r, dir),
		 vroot_path(r, "boot/initrd.img-6.1.0-test"),
		 vroot_path(r, "boot/initrd.img-6.1.0-test"));
	return system(cmd);
}

TEST_F(seed, check_looks_into_the_initramfs)
{
	const char *conf = "bind 0f:00.0 1106:3483\n";
	char prog[256];
	bool lsinitrd = vfe_find_program("lsinitrd", prog, sizeof(prog)) != NULL;

	if (!vfe_find_program("lsinitramfs", prog, sizeof(prog)) && !lsinitrd)
		SKIP(return, "neither lsinitramfs nor lsinitrd here");
	vroot_write(&self->r, "etc/vfio-early.conf", conf);
	ASSERT_EQ(0, system(strcat(strcpy(out, "mkdir -p "), vroot_path(&self->r, "img/etc"))));
	vroot_write(&self->r, "img/etc/vfio-early.conf", conf);
	/* an image without the helper: made before 'make install' */
	ASSERT_EQ(0, pack_image(&self->r, "img"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "initrd.img-6.1.0-test holds no /usr/sbin/vfio-early: the "
				    "helper will not run from it"))
	TH_LOG("%s", out);

	ASSERT_EQ(0,
		  system(strcat(strcpy(out, "mkdir -p "), vroot_path(&self->r, "img/usr/sbin"))));
	vroot_write(&self->r, "img/usr/sbin/vfio-early", "\177ELF");
	ASSERT_EQ(0, pack_image(&self->r, "img"));
	ctl(&self->r, "check", NULL);
	EXPECT_NE(NULL, strstr(out, "ok    initramfs  "));
	EXPECT_NE(NULL,
		  strstr(out, lsinitrd ? "initrd.img-6.1.0-test holds the helper and this config"
				       : "initrd.img-6.1.0-test holds the helper and a config"))
	TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "FIX   initramfs"));

	if (!lsinitrd)
		return;
	/* the config changed since, the image is newer still: its text tells */
	vroot_write(&self->r, "img/etc/vfio-early.conf", "bind 10:00.0 1106:3483\n");
	ASSERT_EQ(0, pack_image(&self->r, "img"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "the config inside "));
	EXPECT_NE(NULL, strstr(out, "run 'vfio-earlyctl apply' to rebuild it"));
}

/* ---- issue 11: never lose, corrupt or misreport a user's boot files ---- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Issue 11 item 2: a write that fails halfway puts back every file, and says so truly. */
TEST_F(seed, apply_failure_puts_every_file_back)
{
	char grub[1024];
	int r;

	grub_machine(_metadata, &self->r);
	snprintf(grub, sizeof(grub), "%s", vroot_read(&self->r, "etc/default/grub"));
	vroot_write(&self->r, "etc/default/irqbalance", "ENABLED=1\n");
	/* irqbalance comes after GRUB, 42_vfio-early and modprobe.d: they are written first */
	if (sh("chattr +i %s 2>/dev/null", vroot_path(&self->r, "etc/default/irqbalance")))
		SKIP(return, "chattr +i does not work here");
	r = ctl(&self->r, "apply", "--yes", NULL);
	sh("chattr -i %s", vroot_path(&self->r, "etc/default/irqbalance"));
	EXPECT_EQ(1, r);
	EXPECT_NE(NULL, strstr(out, "wrote ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "cannot write ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "every file is as it was before")) TH_LOG("%s", out);
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "var/lib/vfio-early/slots"));
	EXPECT_STREQ("ENABLED=1\n", vroot_read(&self->r, "etc/default/irqbalance"));
	EXPECT_NE(NULL, strstr(out, "removed ")) TH_LOG("%s", out);
	/* nothing is left for a rollback to do */
	EXPECT_EQ(1, ctl(&self->r, "rollback", NULL));
	EXPECT_NE(NULL, strstr(out, "no backup to restore")) TH_LOG("%s", out);
}

static void mode_owner(struct __test_metadata *_metadata, const char *path, mode_t mode, uid_t uid,
		       gid_t gid)
{
	struct stat st;

	ASSERT_EQ(0, lstat(path, &st)) TH_LOG("%s", path);
	EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("%s", path);
	EXPECT_EQ(mode, st.st_mode & 07777) TH_LOG("%s", path);
	EXPECT_EQ(uid, st.st_uid) TH_LOG("%s", path);
	EXPECT_EQ(gid, st.st_gid) TH_LOG("%s", path);
}

/* Issue 11 item 3: mode, owner, label and symlinks stay, through apply and rollback. */
TEST_F(seed, apply_and_rollback_keep_mode_owner_label_and_links)
{
	static const char label[] = "system_u:object_r:etc_t:s0";
	char grub[1024], script[] = "#!/bin/sh\necho '# mine'\n", got[64];
	char real[1024], script42[1024], conf[1024];
	bool labels;
	struct stat st;
	ssize_t n;

	grub_machine(_metadata, &self->r);
	snprintf(real, sizeof(real), "%s", vroot_path(&self->r, "etc/default/grub.real"));
	snprintf(script42, sizeof(script42), "%s",
		 vroot_path(&self->r, "etc/grub.d/42_vfio-early"));
	snprintf(conf, sizeof(conf), "%s", vroot_path(&self->r, "etc/vfio-early.conf"));
	snprintf(grub, sizeof(grub), "%s", vroot_read(&self->r, "etc/default/grub"));
	/* /etc/default/grub a link to the real file, 0600, another user's */
	ASSERT_EQ(0, rename(vroot_path(&self->r, "etc/default/grub"), real));
	ASSERT_EQ(0, symlink("grub.real", vroot_path(&self->r, "etc/default/grub")));
	ASSERT_EQ(0, chmod(real, 0600));
	ASSERT_EQ(0, chown(real, 1234, 1234));
	labels = setxattr(real, "security.selinux", label, sizeof(label), 0) == 0;
	/* the user's own 42_vfio-early, executable */
	ASSERT_EQ(0, sh("mkdir -p %s", vroot_path(&self->r, "etc/grub.d")));
	vroot_write(&self->r, "etc/grub.d/42_vfio-early", script);
	ASSERT_EQ(0, chmod(vroot_path(&self->r, "etc/grub.d/42_vfio-early"), 0750));
	ASSERT_EQ(0, chown(vroot_path(&self->r, "etc/grub.d/42_vfio-early"), 1234, 1234));

	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	ASSERT_EQ(0, lstat(vroot_path(&self->r, "etc/default/grub"), &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub.real"), "iommu=pt"));
	mode_owner(_metadata, real, 0600, 1234, 1234);
	mode_owner(_metadata, script42, 0750, 1234, 1234);
	if (labels) {
		n = getxattr(real, "security.selinux", got, sizeof(got));
		EXPECT_EQ((ssize_t)sizeof(label), n);
		EXPECT_STREQ(label, got);
	}

	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	ASSERT_EQ(0, lstat(vroot_path(&self->r, "etc/default/grub"), &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub.real"));
	mode_owner(_metadata, real, 0600, 1234, 1234);
	EXPECT_STREQ(script, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
	mode_owner(_metadata, script42, 0750, 1234, 1234);
	if (labels) {
		n = getxattr(real, "security.selinux", got, sizeof(got));
		EXPECT_EQ((ssize_t)sizeof(label), n);
		EXPECT_STREQ(label, got);
	}
	/* the config too (root's, as the helper wants it): add and remove keep mode and group */
	vroot_write(&self->r, "etc/vfio-early.conf", "vm-cpus 8-15\n");
	ASSERT_EQ(0, chmod(conf, 0640));
	ASSERT_EQ(0, chown(conf, 0, 1234));
	ASSERT_EQ(0, ctl(&self->r, "add", "0f:00.0", NULL)) TH_LOG("%s", out);
	mode_owner(_metadata, conf, 0640, 0, 1234);
	ASSERT_EQ(0, ctl(&self->r, "remove", "0f:00.0", NULL)) TH_LOG("%s", out);
	mode_owner(_metadata, conf, 0640, 0, 1234);
	EXPECT_STREQ("vm-cpus 8-15\n", vroot_read(&self->r, "etc/vfio-early.conf"));
}

/* Issue 11 item 4: regenerate writes nothing before consent; its dry run shows the real run. */
TEST_F(seed, regenerate_asks_before_writing_and_its_dry_run_shows_the_new_slot)
{
	static const char before[] = "bind 0d:00.0 1002:73bf\nbind 0d:00.1 1002:ab28\n"
				     "bind 0d:00.2 1002:73a6\nbind 0d:00.3 1002:73a4\n";

	grub_machine(_metadata, &self->r);
	vroot_write(&self->r, "etc/modprobe.d/vfio-early-module.conf",
		    "alias vfio-early vfio_early\n");
	vroot_write(&self->r, "etc/vfio-early.conf", before);
	EXPECT_EQ(1, ctl(&self->r, "regenerate", NULL));
	EXPECT_NE(NULL, strstr(out, "moved: 0000:0d:00.0 -> 0000:0b:00.0")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "+bind 0000:0b:00.0 1002:73bf")) TH_LOG("%s", out);
	EXPECT_STREQ(before, vroot_read(&self->r, "etc/vfio-early.conf"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));

	EXPECT_EQ(0, ctl(&self->r, "regenerate", "--dry-run", NULL));
	EXPECT_NE(NULL, strstr(out, "+options vfio_early bind=0000:0b:00.0/1002:73bf"))
	TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "bind=0000:0d:00.0"));
	EXPECT_STREQ(before, vroot_read(&self->r, "etc/vfio-early.conf"));

	ASSERT_EQ(0, ctl(&self->r, "regenerate", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"),
			       "options vfio_early bind=0000:0b:00.0/1002:73bf"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"),
			       "bind 0000:0b:00.0 1002:73bf"));
}

static int lock_hold(const struct vroot *r)
{
	int fd;

	sh("mkdir -p %s", vroot_path(r, "run/vfio-early"));
	fd = open(vroot_path(r, "run/vfio-early/ctl.lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Runs vfio-earlyctl in a child; its exit status comes from waitpid. */
static pid_t ctl_async(const struct vroot *r, int lock_fd, const char *a, const char *b,
		       const char *c)
{
	pid_t pid = fork();

	if (pid == 0) {
		static char buf[16384];

		close(lock_fd); /* the lock is the parent's to let go */
		_exit(run_ctl(r, buf, sizeof(buf), a, b, c, NULL));
	}
	return pid;
}

/* Issue 11 item 5: writers take turns; one that cannot get the lock says so and gives up. */
TEST_F(seed, writers_take_one_lock)
{
	int fd, st1, st2;
	pid_t a, b;

	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	fd = lock_hold(&self->r);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, ctl(&self->r, "--wait", "1", "remove", "0f:00.0", NULL));
	EXPECT_NE(NULL, strstr(out, "waiting for another vfio-earlyctl")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "gave up after 1 s")) TH_LOG("%s", out);
	EXPECT_STREQ("bind 0f:00.0 1106:3483\n", vroot_read(&self->r, "etc/vfio-early.conf"));
	/* an add and a remove at the same time: both land */
	a = ctl_async(&self->r, fd, "remove", "0f:00.0", NULL);
	b = ctl_async(&self->r, fd, "add", "0b:00.0", NULL);
	usleep(300 * 1000);
	close(fd);
	ASSERT_EQ(a, waitpid(a, &st1, 0));
	ASSERT_EQ(b, waitpid(b, &st2, 0));
	EXPECT_EQ(0, WEXITSTATUS(st1));
	EXPECT_EQ(0, WEXITSTATUS(st2));
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"), "0f:00.0"))
	TH_LOG("%s", vroot_read(&self->r, "etc/vfio-early.conf"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"), "0000:0b:00.3"));
}

/*
 * Issue 11 item 6: backups are ordered by a sequence number: a backup named by a clock that
 * ran ahead is never taken for the newest, and the order holds past 9 -> 10. Only the newest
 * VFE_BACKUP_KEEP (10) stay.
 */
TEST_F(seed, rollback_goes_back_in_sequence)
{
	static const char *const slots[] = {"0f:00.0", "04:00.0", "0b:00.0"};
	char states[16][512], cmd[1024];
	int i, kept = 0;
	FILE *p;

	vroot_write(&self->r, "etc/vfio-early.conf", "# start\n");
	ASSERT_EQ(0, sh("mkdir -p %s/etc", vroot_path(&self->r, "var/lib/vfio-early/backup/"
								"29991231T000000.000000")));
	vroot_write(&self->r,
		    "var/lib/vfio-early/backup/29991231T000000.000000/etc/vfio-early.conf",
		    "# from a clock that ran ahead\n");
	for (i = 0; i < 12; i++) {
		snprintf(states[i], sizeof(states[i]), "%s",
			 vroot_read(&self->r, "etc/vfio-early.conf"));
		ASSERT_EQ(0, ctl(&self->r, i % 2 ? "remove" : "add", slots[(i / 2) % 3], NULL))
		TH_LOG("%d: %s", i, out);
	}
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^[0-9]*$'",
		 vroot_path(&self->r, "var/lib/vfio-early/backup"));
	p = popen(cmd, "r");
	ASSERT_EQ(1, fscanf(p, "%d", &kept));
	pclose(p);
	EXPECT_EQ(10, kept);
	for (i = 11; i >= 2; i--) {
		ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%d: %s", i, out);
		EXPECT_STREQ(states[i], vroot_read(&self->r, "etc/vfio-early.conf"))
		TH_LOG("%d", i);
	}
	EXPECT_EQ(1, ctl(&self->r, "rollback", NULL));
}

/* Issue 11 item 7: each slot is reported by what happened to it; long lines are read. */
TEST_F(seed, remove_reports_each_slot)
{
	char conf[2048], comment[700];

	memset(comment, 'x', sizeof(comment) - 1);
	comment[sizeof(comment) - 1] = '\0';
	snprintf(conf, sizeof(conf), "bind 0b:00.3 1002:73a4 # %s\nbind 0f:00.0 1106:3483\n# end\n",
		 comment);
	vroot_write(&self->r, "etc/vfio-early.conf", conf);
	EXPECT_EQ(1, ctl(&self->r, "remove", "0b:00.3", "0f:00.0", "0c:00.0", NULL));
	EXPECT_NE(NULL, strstr(out, "- 0000:0b:00.3\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "- 0000:0f:00.0\n"));
	EXPECT_NE(NULL, strstr(out, "0000:0c:00.0: no bind line"));
	EXPECT_EQ(NULL, strstr(out, "- 0000:0c:00.0"));
	EXPECT_STREQ("# end\n", vroot_read(&self->r, "etc/vfio-early.conf"));
	EXPECT_EQ(1, ctl(&self->r, "remove", "0c:00.0", NULL));
	EXPECT_NE(NULL, strstr(out, "not changed"));
}

/* Runs apply on a terminal; at its question, CHANGE is appended to REL, then "y". */
static int apply_on_tty(const struct vroot *r, const char *rel, const char *change)
{
	char bin[512], buf[65536];
	size_t used = 0;
	int master, status;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/vfio-earlyctl",
		 getenv("VFE_BUILD") ? getenv("VFE_BUILD") : "build");
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid == 0) {
		execl(bin, bin, "--root", r->dir, "apply", NULL);
		_exit(127);
	}
	while (used + 1 < sizeof(buf)) {
		ssize_t n = read(master, buf + used, sizeof(buf) - 1 - used);

		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		if (strstr(buf, "[y/N]")) {
			FILE *f = fopen(vroot_path(r, rel), "a");

			fputs(change, f);
			fclose(f);
			if (write(master, "y\n", 2) != 2)
				break;
			break;
		}
	}
	while (used + 1 < sizeof(buf)) {
		ssize_t n = read(master, buf + used, sizeof(buf) - 1 - used);

		if (n <= 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	snprintf(out, sizeof(out), "%s", buf);
	close(master);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Issue 11 item 9: a file changed while apply waited at its question is not overwritten. */
TEST_F(seed, apply_refuses_a_file_changed_at_its_question)
{
	char grub[1024];

	grub_machine(_metadata, &self->r);
	snprintf(grub, sizeof(grub), "%sGRUB_TIMEOUT_STYLE=hidden\n",
		 vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(1, apply_on_tty(&self->r, "etc/default/grub", "GRUB_TIMEOUT_STYLE=hidden\n"));
	EXPECT_NE(NULL, strstr(out, "changed since its diff was made: nothing written"))
	TH_LOG("%s", out);
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
}

/* Issue 11 item 10: rollback puts the record of the bus back with the config. */
TEST_F(seed, rollback_restores_the_record_of_the_bus)
{
	static const char before[] = "bind 11:00.0 1106:3483\n";
	static const char record[] = "# test\n0000:0f:00.0 1106:3483\n";

	grub_machine(_metadata, &self->r);
	ASSERT_EQ(0, sh("mkdir -p %s", vroot_path(&self->r, "var/lib/vfio-early")));
	vroot_write(&self->r, "var/lib/vfio-early/slots", "# test\n0000:08:00.0 1022:7901\n");
	vroot_write(&self->r, "etc/vfio-early.conf", before);
	ASSERT_EQ(0, ctl(&self->r, "regenerate", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "var/lib/vfio-early/slots"),
			       "\n0000:0f:00.0 1106:3483\n"));
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(before, vroot_read(&self->r, "etc/vfio-early.conf"));
	EXPECT_STREQ("# test\n0000:08:00.0 1022:7901\n",
		     vroot_read(&self->r, "var/lib/vfio-early/slots"));
	/* so regenerate follows the card again */
	ASSERT_EQ(0, ctl(&self->r, "regenerate", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "moved: 0000:11:00.0 -> 0000:0f:00.0"));
	(void)record;
}

/*
 * Issue 11 item 12 and issue 12 item 4: update-grub ran, then update-initramfs failed: the
 * files go back and update-grub runs again, so grub.cfg is made from them.
 */
TEST_F(seed, apply_failure_runs_the_generators_again)
{
	char gen[600], script[2048];

	grub_machine(_metadata, &self->r);
	snprintf(gen, sizeof(gen), "%s", vroot_path(&self->r, "gen"));
	ASSERT_EQ(0, sh("mkdir -p %s %s", gen, vroot_path(&self->r, "boot/grub")));
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n. '%s/etc/default/grub'\n"
		 "echo \"linux /vmlinuz $GRUB_CMDLINE_LINUX_DEFAULT\" > '%s/boot/grub/grub.cfg'\n",
		 self->r.dir, self->r.dir);
	vroot_write(&self->r, "gen/update-grub", script);
	vroot_write(&self->r, "gen/update-initramfs", "#!/bin/sh\nexit 1\n");
	ASSERT_EQ(0, sh("chmod +x %s/update-grub %s/update-initramfs", gen, gen));
	setenv("VFE_TEST_GENERATOR_DIR", gen, 1);
	EXPECT_EQ(1, ctl(&self->r, "apply", "--yes", NULL));
	unsetenv("VFE_TEST_GENERATOR_DIR");
	EXPECT_NE(NULL, strstr(out, "every file is as it was before")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "running the generators again")) TH_LOG("%s", out);
	EXPECT_STREQ("linux /vmlinuz quiet splash\n", vroot_read(&self->r, "boot/grub/grub.cfg"));
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), "iommu=pt"));
}

/*
 * Issue 12 (also): update-initramfs exits 0 with "Not updating" (update_initramfs=no, a
 * read-only /boot): the image of an installed kernel not rebuilt is a failure, not success.
 */
TEST_F(seed, apply_fails_when_the_image_was_not_rebuilt)
{
	char gen[600];

	grub_machine(_metadata, &self->r);
	snprintf(gen, sizeof(gen), "%s", vroot_path(&self->r, "gen"));
	ASSERT_EQ(0, sh("mkdir -p %s %s %s", gen, vroot_path(&self->r, "boot/grub"),
			vroot_path(&self->r, "lib/modules/6.1.0-test")));
	vroot_write(&self->r, "boot/initrd.img-6.1.0-test", "an old image\n");
	ASSERT_EQ(
	    0, sh("touch -d '2020-01-01' %s", vroot_path(&self->r, "boot/initrd.img-6.1.0-test")));
	vroot_write(&self->r, "gen/update-grub", "#!/bin/sh\nexit 0\n");
	vroot_write(&self->r, "gen/update-initramfs",
		    "#!/bin/sh\necho 'update-initramfs: Not updating initramfs.'\nexit 0\n");
	ASSERT_EQ(0, sh("chmod +x %s/update-grub %s/update-initramfs", gen, gen));
	setenv("VFE_TEST_GENERATOR_DIR", gen, 1);
	EXPECT_EQ(1, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "boot/initrd.img-6.1.0-test was not rebuilt"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "every file is as it was before")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), "iommu=pt"));

	/* A generator that rebuilds the image: apply succeeds. */
	snprintf(gen + strlen(gen), sizeof(gen) - strlen(gen), "/update-initramfs");
	vroot_write(&self->r, "gen/update-initramfs", "");
	ASSERT_EQ(0, sh("printf '#!/bin/sh\\necho new > %s\\n' > %s && chmod +x %s",
			vroot_path(&self->r, "boot/initrd.img-6.1.0-test"), gen, gen));
	EXPECT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	unsetenv("VFE_TEST_GENERATOR_DIR");
	EXPECT_STREQ("new\n", vroot_read(&self->r, "boot/initrd.img-6.1.0-test"));
}

/* Issue 12 item 3: without a config, apply removes what it wrote before; check names it. */
TEST_F(seed, apply_without_a_config_removes_its_files)
{
	char grub[1024];

	grub_machine(_metadata, &self->r);
	snprintf(grub, sizeof(grub), "%s", vroot_read(&self->r, "etc/default/grub"));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	ASSERT_NE(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
	unlink(vroot_path(&self->r, "etc/vfio-early.conf"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL,
		  strstr(out, "etc/modprobe.d/00-vfio-early.conf is left from an earlier apply"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "tokens of ours the config no longer asks for"));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "removed ")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_EQ(NULL, strstr(out, "left from an earlier apply")) TH_LOG("%s", out);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "nothing of ours is left to remove"));
	EXPECT_EQ(NULL, strstr(out, "would run")); /* nothing to regenerate */
	/* and a rollback brings them back */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
}

/*
 * Issue 12: kmod takes the first softdep line of a module, in the order of the files' names
 * across every modprobe.d directory. Ours is named to come first; the old name goes.
 */
TEST_F(seed, apply_writes_the_softdeps_first_and_drops_the_old_name)
{
	static const char old[] = "# Written by vfio-earlyctl apply from /etc/vfio-early.conf; do "
				  "not edit.\nsoftdep amdgpu pre: vfio-pci\n";

	grub_machine(_metadata, &self->r);
	vroot_write(&self->r, "etc/modprobe.d/vfio-early.conf", old);
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "etc/modprobe.d/vfio-early.conf: the name an earlier version"))
	TH_LOG("%s", out);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "etc/modprobe.d/vfio-early.conf")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/vfio-early.conf"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"),
			       "softdep amdgpu pre: vfio-pci\n"));
	EXPECT_EQ(0, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "vfio-pci loads before the 3 host driver(s)"))
	TH_LOG("%s", out);
	/* rollback puts the old file back, byte for byte */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(old, vroot_read(&self->r, "etc/modprobe.d/vfio-early.conf"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));

	/* a file of that name that apply did not write is the user's: left alone */
	vroot_write(&self->r, "etc/modprobe.d/vfio-early.conf",
		    "options snd_hda_intel power_save=0\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ("options snd_hda_intel power_save=0\n",
		     vroot_read(&self->r, "etc/modprobe.d/vfio-early.conf"));
}

TEST_F(seed, a_softdep_that_comes_before_ours_is_named)
{
	char cmd[1024];

	grub_machine(_metadata, &self->r);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/lib/modprobe.d", self->r.dir);
	ASSERT_EQ(0, system(cmd));
	/* after ours by name ("zz" > "00-"), in /etc: harmless */
	vroot_write(&self->r, "etc/modprobe.d/zz-sound.conf",
		    "alias snd-extra snd_extra\nsoftdep snd_hda_intel pre: snd-extra\n");
	/* before ours by name ('-' sorts before '0'), in /lib: kmod takes it for amdgpu */
	vroot_write(&self->r, "lib/modprobe.d/0-gpu.conf",
		    "# packaged\n  softdep amdgpu post: loop\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "amdgpu: the softdep line in "))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "lib/modprobe.d/0-gpu.conf comes first, and kmod ignores ours"))
	TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "zz-sound.conf")) TH_LOG("%s", out);
	/* our line keeps the other's modules: whichever line kmod takes, none is lost */
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"),
			       "softdep snd_hda_intel pre: vfio-pci snd_extra\n"))
	TH_LOG("%s", vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "amdgpu: kmod takes the softdep line of ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "lib/modprobe.d/0-gpu.conf, which comes before"));
	EXPECT_EQ(NULL, strstr(out, "snd_hda_intel: kmod takes")) TH_LOG("%s", out);
	/* a FIFO named like a modprobe.d file is not read (kmod skips it), nor waited on */
	ASSERT_EQ(0, mkfifo(vroot_path(&self->r, "etc/modprobe.d/0-fifo.conf"), 0644));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_EQ(NULL, strstr(out, "0-fifo.conf")) TH_LOG("%s", out);
	/* the same name in /etc hides the packaged file, as kmod does: then ours wins */
	vroot_write(&self->r, "etc/modprobe.d/0-gpu.conf", "# the admin's: empty\n");
	EXPECT_EQ(0, ctl(&self->r, "check", NULL)) TH_LOG("%s", out);
}

/* Issue 11 item 8: GRUB_CMDLINE_LINUX counts too: no second isolcpus= beside the user's. */
TEST_F(seed, apply_and_check_see_grub_cmdline_linux)
{
	static const char grub[] = "GRUB_DEFAULT=0\n"
				   "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
				   "GRUB_CMDLINE_LINUX=\"isolcpus=2,3 nohz_full=2,3\"\n";

	grub_machine(_metadata, &self->r);
	vroot_write(&self->r, "etc/default/grub", grub);
	EXPECT_EQ(1, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "line 3: GRUB_CMDLINE_LINUX holds isolcpus=2,3, and "
				    "GRUB_CMDLINE_LINUX_DEFAULT would get isolcpus="))
	TH_LOG("%s", out);
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "FIX   cmdline")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "GRUB_CMDLINE_LINUX holds isolcpus=2,3"));
	/* without vm-cpus nothing of ours has that name: apply goes ahead */
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"),
			       "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt kvm.ignore_msrs=1\""));
}

/* Issue 11 item 11: an if/else pair of assignments is refused by line, not half edited. */
TEST_F(seed, apply_and_check_refuse_conditional_assignments)
{
	static const char grub[] = "GRUB_DEFAULT=0\n"
				   "if [ -e /sys/firmware/efi ]; then\n"
				   "  GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
				   "else\n"
				   "  GRUB_CMDLINE_LINUX_DEFAULT=\"quiet nomodeset\"\n"
				   "fi\n";

	grub_machine(_metadata, &self->r);
	vroot_write(&self->r, "etc/default/grub", grub);
	EXPECT_EQ(1, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "line 3, 5: GRUB_CMDLINE_LINUX_DEFAULT is set under a "
				    "condition"))
	TH_LOG("%s", out);
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "FIX   cmdline")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "is set under a condition"));
}

/*
 * Issue 11 item 2: a file that cannot be put back is named, the others are put back, and the
 * backup stays for rollback, which finishes the job once the cause is gone.
 */
TEST_F(seed, apply_names_each_file_it_cannot_put_back)
{
	char gen[600], script[2048], grub[1024];
	int r;

	grub_machine(_metadata, &self->r);
	snprintf(grub, sizeof(grub), "%s", vroot_read(&self->r, "etc/default/grub"));
	snprintf(gen, sizeof(gen), "%s", vroot_path(&self->r, "gen"));
	ASSERT_EQ(0, sh("mkdir -p %s", gen));
	/* update-grub fails, and leaves /etc/default/grub immutable behind it */
	snprintf(script, sizeof(script), "#!/bin/sh\nchattr +i '%s/etc/default/grub'\nexit 1\n",
		 self->r.dir);
	vroot_write(&self->r, "gen/update-grub", script);
	ASSERT_EQ(0, sh("chmod +x %s/update-grub", gen));
	if (sh("chattr +i %s 2>/dev/null && chattr -i %s", vroot_path(&self->r, "gen/update-grub"),
	       vroot_path(&self->r, "gen/update-grub")))
		SKIP(return, "chattr +i does not work here");
	setenv("VFE_TEST_GENERATOR_DIR", gen, 1);
	r = ctl(&self->r, "apply", "--yes", NULL);
	unsetenv("VFE_TEST_GENERATOR_DIR");
	sh("chattr -i %s", vroot_path(&self->r, "etc/default/grub"));
	EXPECT_EQ(1, r);
	EXPECT_NE(NULL, strstr(out, "cannot put back ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "etc/default/grub: Operation not permitted"));
	EXPECT_NE(NULL, strstr(out, "NOT every file could be put back"));
	EXPECT_EQ(NULL, strstr(out, "every file is as it was before"));
	/* the others were put back */
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/grub.d/42_vfio-early"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), "iommu=pt"));
	/* the cause gone, rollback puts back the rest */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(grub, vroot_read(&self->r, "etc/default/grub"));
}

/* Issue 11 item 12: every rename is followed by an fsync of its directory. */
TEST_F(seed, each_rename_is_followed_by_a_directory_fsync)
{
	char bin[512], log[600], cmd[4096], line[4096], pending[4096] = "";
	unsigned int renames = 0, synced = 0;
	FILE *f;

	if (system("command -v strace >/dev/null 2>&1"))
		SKIP(return, "no strace here");
	grub_machine(_metadata, &self->r);
	snprintf(bin, sizeof(bin), "%s/vfio-earlyctl",
		 getenv("VFE_BUILD") ? getenv("VFE_BUILD") : "build");
	snprintf(log, sizeof(log), "%s", vroot_path(&self->r, "strace.log"));
	snprintf(cmd, sizeof(cmd),
		 /* LeakSanitizer cannot run under ptrace */
		 "ASAN_OPTIONS=detect_leaks=0 strace -f -y -qq -e trace=rename,fsync -o %s %s "
		 "--root %s apply --yes >/dev/null 2>&1",
		 log, bin, self->r.dir);
	ASSERT_EQ(0, system(cmd));
	f = fopen(log, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char *to = strstr(line, "rename(\""), *end;

		if (to && !strstr(line, "= -1")) {
			/* rename("dir/.name.vfe-XXXXXX", "dir/name") = 0 */
			to = strstr(to, "\", \"");
			ASSERT_NE(NULL, to);
			to += 4;
			end = strrchr(to, '/');
			ASSERT_NE(NULL, end);
			EXPECT_EQ(0, pending[0])
			TH_LOG("no fsync of %s before the next rename", pending);
			snprintf(pending, sizeof(pending), "%.*s>", (int)(end - to), to);
			renames++;
		} else if (pending[0] && strstr(line, "fsync(") && strstr(line, pending)) {
			pending[0] = '\0';
			synced++;
		}
	}
	fclose(f);
	EXPECT_EQ(0, pending[0]) TH_LOG("no fsync of %s", pending);
	EXPECT_LT(3, renames);
	EXPECT_EQ(renames, synced);
}

/* A card is its slot up to the '.': 32-bit PCI domains (VMD) are cards of their own. */
TEST(cards_of_slots_with_any_domain)
{
	EXPECT_EQ(10, vfe_card_len("0000:0b:00.3"));
	EXPECT_EQ(14, vfe_card_len("10000000:01:00.0"));
	EXPECT_TRUE(vfe_same_card("0000:0b:00.0", "0000:0b:00.3"));
	EXPECT_TRUE(vfe_same_card("0000:0b:00", "0000:0b:00.1"));
	EXPECT_FALSE(vfe_same_card("10000:01:00.0", "0000:01:00.0"));
	EXPECT_FALSE(vfe_same_card("0000:01:00.0", "10000:01:00.0"));
	EXPECT_FALSE(vfe_same_card("0000:0b:00.0", "0000:0b:01.0"));
}

TEST_HARNESS_MAIN
