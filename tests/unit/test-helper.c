// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The boot helper end to end on fake roots: every rule of DESIGN.md §5 and every switch of §4.
 * The fake kernel (fakekernel.c) answers drivers_probe and unbind, so "bound" means a driver
 * link to vfio-pci appeared, as it would in sysfs.
 */
#include <dlfcn.h>
#include <json-c/json.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakekernel.h"
#include "kselftest_harness.h"
#include "testutil.h"

#define GPU_CONF                                             \
	"bind 0b:00.0 1002:73bf    # Navi 21 VGA\n"          \
	"bind 0b:00.1 1002:ab28    # Navi 21 HDMI audio\n"   \
	"bind 0b:00.2 1002:73a6    # Navi 21 USB\n"          \
	"bind 0b:00.3 1002:73a4    # Navi 21 USB-C (UCSI)\n" \
	"bind 0f:00.0 1106:3483    # VIA VL805 USB 3.0 card\n"
#define SEED_CONF GPU_CONF "hugepages 2M 8192\nvm-cpus 8-15\n"

static const char *const gpu_slots[] = {"0000:0b:00.0", "0000:0b:00.1", "0000:0b:00.2",
					"0000:0b:00.3", "0000:0f:00.0"};

static char out[65536];

/* The report's device entry for SLOT, or NULL. */
static json_object *report_device(json_object *report, const char *slot)
{
	json_object *devices, *d, *s;
	size_t i;

	if (!report || !json_object_object_get_ex(report, "devices", &devices))
		return NULL;
	for (i = 0; i < json_object_array_length(devices); i++) {
		d = json_object_array_get_idx(devices, i);
		if (json_object_object_get_ex(d, "slot", &s) &&
		    !strcmp(json_object_get_string(s), slot))
			return d;
	}
	return NULL;
}

static const char *field(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return "(null)";
	return json_object_get_string(v);
}

/* Issue 10.6: every report is read by a strict parser that also rejects invalid UTF-8. */
static json_object *strict_parse(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (json_tokener_get_error(tok) != json_tokener_success) {
		fprintf(stderr, "report is not strict JSON: %s\n",
			json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static json_object *load_report(const struct vroot *r)
{
	const char *text = vroot_read(r, "run/vfio-early/report.json");

	return text ? strict_parse(text) : NULL;
}

FIXTURE(seed)
{
	struct vroot r;
	struct fake_kernel *fk;
	json_object *report;
};

FIXTURE_SETUP(seed)
{
	ASSERT_EQ(0, vroot_make(&self->r, "seed"));
	self->fk = NULL;
	self->report = NULL;
}

FIXTURE_TEARDOWN(seed)
{
	fk_stop(self->fk);
	json_object_put(self->report);
	vroot_destroy(&self->r);
}

static void start_kernel(struct __test_metadata *_metadata, FIXTURE_DATA(seed) * self)
{
	self->fk = fk_start(self->r.dir);
	ASSERT_NE(NULL, self->fk);
}

static int run(FIXTURE_DATA(seed) * self, const char *cmdline)
{
	int status;

	vroot_write(&self->r, "proc/cmdline", cmdline);
	status = run_helper(&self->r, out, sizeof(out), NULL);
	json_object_put(self->report);
	self->report = load_report(&self->r);
	return status;
}

TEST_F(seed, binds_gpu_and_usb_card_over_host_drivers)
{
	size_t i;

	vroot_write(&self->r, "etc/vfio-early.conf", SEED_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, "ro quiet")) TH_LOG("%s%s", out, vroot_log(&self->r));
	for (i = 0; i < 5; i++) {
		EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, gpu_slots[i]));
		EXPECT_STREQ("bound", field(report_device(self->report, gpu_slots[i]), "action"));
	}
	EXPECT_STREQ("amdgpu", field(report_device(self->report, "0000:0b:00.0"), "driver_before"));
	EXPECT_STREQ("26", field(report_device(self->report, "0000:0b:00.0"), "group"));
	/* The override was in place when the host driver let go: nothing could grab it between. */
	EXPECT_NE(NULL,
		  strstr(fk_events(self->fk), "unbind amdgpu 0000:0b:00.0 override=vfio-pci\n"))
	TH_LOG("%s", fk_events(self->fk));
	EXPECT_NE(NULL, strstr(fk_events(self->fk), "probe 0000:0b:00.0 -> vfio-pci\n"));
	/* Same-class neighbours stay with the host. */
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0e:00.3"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0c:00.0"));
	EXPECT_NE(NULL,
		  strstr(vroot_log(&self->r), "<6>vfio-early: bound 5/5, hugepages 2M 8192/8192, "
					      "vm-cpus 8-15, "));
}

TEST_F(seed, binds_before_any_driver_at_early_boot)
{
	vroot_unbind_all(&self->r);
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, ""));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("(null)", field(report_device(self->report, "0000:0b:00.0"), "driver_before"));
	EXPECT_EQ(NULL, strstr(fk_events(self->fk), "unbind"));
}

TEST_F(seed, moved_card_is_never_grabbed)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 10:00.0 1002:73bf\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_STREQ("skipped", field(report_device(self->report, "0000:10:00.0"), "action"));
	EXPECT_NE(NULL, strstr(field(report_device(self->report, "0000:10:00.0"), "reason"),
			       "missing: no device at the slot; 1002:73bf is at 0000:0b:00.0"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:0b:00.0", "(null)"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_F(seed, another_card_in_the_slot_is_left_alone)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0b:00.0 10de:2204\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_STREQ("skipped", field(report_device(self->report, "0000:0b:00.0"), "action"));
	EXPECT_STREQ("changed: expected 10de:2204, found 1002:73bf (class 0300)",
		     field(report_device(self->report, "0000:0b:00.0"), "reason"));
	EXPECT_STREQ("1002:73bf", field(report_device(self->report, "0000:0b:00.0"), "found_id"));
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:0b:00.0", "(null)"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
}

TEST_F(seed, class_in_the_id_must_match_too)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0b:00.1 1002:ab28:0300\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_STREQ("skipped", field(report_device(self->report, "0000:0b:00.1"), "action"));
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0b:00.1 1002:ab28:0403\n");
	EXPECT_EQ(0, run(self, ""));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0b:00.1"));
}

TEST_F(seed, bridge_is_refused)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0a:00.0 1002:1479\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_STREQ("refused", field(report_device(self->report, "0000:0a:00.0"), "action"));
	EXPECT_NE(NULL, strstr(field(report_device(self->report, "0000:0a:00.0"), "reason"),
			       "PCI bridge"));
	EXPECT_STREQ("pcieport", vroot_driver(&self->r, "0000:0a:00.0"));
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:0a:00.0", "(null)"));
}

TEST_F(seed, boot_vga_needs_allow_boot_vga)
{
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 0c:00.0 1002:67df\nbind 0c:00.1 1002:aaf0\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_STREQ("refused", field(report_device(self->report, "0000:0c:00.0"), "action"));
	EXPECT_NE(NULL,
		  strstr(field(report_device(self->report, "0000:0c:00.0"), "reason"), "boot VGA"));
	/* Its audio shares group 30 with the refused VGA: the group is refused whole. */
	EXPECT_STREQ("refused", field(report_device(self->report, "0000:0c:00.1"), "action"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0c:00.0"));
	EXPECT_STREQ("snd_hda_intel", vroot_driver(&self->r, "0000:0c:00.1"));
	EXPECT_STREQ("", fk_events(self->fk));

	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 0c:00.0 1002:67df allow-boot-vga\nbind 0c:00.1 1002:aaf0\n");
	EXPECT_EQ(0, run(self, ""));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0c:00.0"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0c:00.1"));
}

TEST_F(seed, shared_iommu_group_is_refused_whole)
{
	const char *reason;

	vroot_write(&self->r, "etc/vfio-early.conf", "bind 06:00.3 1022:149c\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	reason = field(report_device(self->report, "0000:06:00.3"), "reason");
	EXPECT_STREQ("refused", field(report_device(self->report, "0000:06:00.3"), "action"));
	/* Names the members that are missing (not the bridge 03:08.0, bridges are aside). */
	EXPECT_NE(NULL, strstr(reason, "IOMMU group 19"));
	EXPECT_NE(NULL, strstr(reason, "0000:06:00.0 [1022:1485]"));
	EXPECT_NE(NULL, strstr(reason, "0000:06:00.1 [1022:149c] on xhci_hcd"));
	EXPECT_EQ(NULL, strstr(reason, "03:08.0"));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:06:00.3"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_F(seed, whole_group_with_bridge_aside_is_viable)
{
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 06:00.0 1022:1485\nbind 06:00.1 1022:149c\nbind 06:00.3 1022:149c\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, "")) TH_LOG("%s", vroot_log(&self->r));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:06:00.1"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:06:00.3"));
	EXPECT_STREQ("pcieport", vroot_driver(&self->r, "0000:03:08.0"));
}

TEST_F(seed, no_iommu_refuses_everything)
{
	char *argv_rm[] = {NULL};

	(void)argv_rm;
	ASSERT_EQ(0, system(strcat(strcpy(out, "rm -rf "),
				   vroot_path(&self->r, "sys/kernel/iommu_groups"))));
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_STREQ("refused", field(report_device(self->report, "0000:0b:00.0"), "action"));
	EXPECT_NE(NULL, strstr(field(report_device(self->report, "0000:0b:00.0"), "reason"),
			       "enable the IOMMU"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_F(seed, vfio_pci_unavailable_clears_overrides)
{
	size_t i;

	ASSERT_EQ(0, system(strcat(strcpy(out, "rm -rf "),
				   vroot_path(&self->r, "sys/bus/pci/drivers/vfio-pci"))));
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	for (i = 0; i < 5; i++) {
		EXPECT_TRUE(vroot_override_is(&self->r, gpu_slots[i], "(null)"));
		EXPECT_STREQ("failed", field(report_device(self->report, gpu_slots[i]), "action"));
	}
	EXPECT_NE(NULL, strstr(field(report_device(self->report, "0000:0b:00.0"), "reason"),
			       "vfio-pci unavailable"));
	/* The host drivers took their devices back. */
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"));
}

/*
 * libkmod is opened only to load vfio-pci: an image without it (here the library the
 * loader finds, covered by an empty file in a mount namespace of the helper's own) gets the
 * reason in the log and the report, the overrides cleared, and the boot goes on.
 */
TEST_F(seed, missing_libkmod_is_said_and_the_boot_goes_on)
{
	char lib[4096], bin[512];
	struct link_map *map = NULL;
	const char *build = getenv("VFE_BUILD");
	void *dl = dlopen("libkmod.so.2", RTLD_NOW);
	size_t i;

	ASSERT_NE(NULL, dl);
	ASSERT_EQ(0, dlinfo(dl, RTLD_DI_LINKMAP, &map));
	ASSERT_NE(NULL, realpath(map->l_name, lib));
	dlclose(dl);
	if (system("unshare -rm true 2>/dev/null"))
		SKIP(return, "no user and mount namespaces here (unshare -rm)");
	snprintf(bin, sizeof(bin), "%s/vfio-early", build ? build : "build");
	ASSERT_EQ(0, system(strcat(strcpy(out, "rm -rf "),
				   vroot_path(&self->r, "sys/bus/pci/drivers/vfio-pci"))));
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	vroot_write(&self->r, "proc/cmdline", "");
	start_kernel(_metadata, self);
	snprintf(out, sizeof(out),
		 "unshare -rm sh -c 'mount --bind /dev/null \"$0\" && exec \"$@\"' %s %s --root %s "
		 ">%s 2>&1",
		 lib, bin, self->r.dir, vroot_path(&self->r, "helper.out"));
	EXPECT_EQ(1, WEXITSTATUS(system(out)));
	self->report = load_report(&self->r);
	ASSERT_NE(NULL, self->report);
	for (i = 0; i < 5; i++) {
		const char *reason = field(report_device(self->report, gpu_slots[i]), "reason");

		EXPECT_STREQ("failed", field(report_device(self->report, gpu_slots[i]), "action"));
		EXPECT_NE(NULL, strstr(reason, "vfio-pci unavailable: cannot open libkmod.so.2"))
		TH_LOG("reason: %s", reason);
		EXPECT_TRUE(vroot_override_is(&self->r, gpu_slots[i], "(null)"));
	}
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "cannot open libkmod.so.2"));
	/* The host drivers took their devices back. */
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"));
}

TEST_F(seed, second_run_is_a_no_op)
{
	char *before;

	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, ""));
	before = vroot_snapshot(&self->r);
	vroot_write(&self->r, "dev/kmsg", "");
	fk_stop(self->fk);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, ""));
	EXPECT_STREQ("already", field(report_device(self->report, "0000:0b:00.0"), "action"));
	EXPECT_STREQ("", fk_events(self->fk));
	EXPECT_EQ(NULL, strstr(vroot_log(&self->r), "write"));
	free(before);
}

TEST_F(seed, dry_run_writes_nothing)
{
	char *before, *after;

	vroot_write(&self->r, "etc/vfio-early.conf", SEED_CONF);
	vroot_write(&self->r, "proc/cmdline", "");
	before = vroot_snapshot(&self->r);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run_helper(&self->r, out, sizeof(out), "--dry-run", NULL));
	fk_stop(self->fk);
	self->fk = NULL;
	vroot_write(&self->r, "dev/kmsg", "");
	after = vroot_snapshot(&self->r);
	EXPECT_STREQ(before, after);
	EXPECT_NE(NULL, strstr(out, "\"dry_run\":true"));
	EXPECT_NE(NULL, strstr(out, "dry run: would bind to vfio-pci (from amdgpu)"));
	free(before);
	free(after);
}

TEST_F(seed, dry_run_switch_writes_nothing)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, "quiet vfio_early.dry_run"));
	EXPECT_EQ(NULL, self->report);
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:0b:00.0", "(null)"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_F(seed, off_does_nothing)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, "ro vfio_early.off quiet"));
	EXPECT_STREQ("true", field(self->report, "disabled"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:0b:00.0", "(null)"));
	EXPECT_STREQ("", fk_events(self->fk));
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "switched off by vfio_early.off"));

	EXPECT_EQ(0, run(self, "vfio_early.off=y"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	/* Last occurrence wins; =0 means not off. */
	EXPECT_EQ(0, run(self, "vfio_early.off vfio_early.off=0"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0b:00.0"));
}

TEST_F(seed, off_after_double_dash_is_not_ours)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, "ro -- vfio_early.off"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0b:00.0"));
}

TEST_F(seed, skip_leaves_that_slot_to_the_host)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, "vfio_early.skip=\"0f:00.0\""));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"));
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:0f:00.0", "(null)"));
	EXPECT_STREQ("skipped", field(report_device(self->report, "0000:0f:00.0"), "action"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0b:00.0"));
}

TEST_F(seed, malformed_skip_binds_nothing)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, "vfio_early.skip=0f:00"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("", fk_events(self->fk));
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "malformed vfio_early.skip="));
}

TEST_F(seed, bind_switch_replaces_the_config_lines)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, "vfio_early.bind=0000:0f:00.0/1106:3483"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0f:00.0"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_EQ(NULL, report_device(self->report, "0000:0b:00.0"));
}

TEST_F(seed, malformed_bind_switch_binds_nothing)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, "vfio_early.bind=0f:00.0/1106:3483,0b:00.0"));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("", fk_events(self->fk));
	EXPECT_NE(NULL, strstr(field(report_device(self->report, "0000:0b:00.0"), "reason"),
			       "malformed vfio_early.bind="));
}

TEST_F(seed, hugepages_and_cpus_switches_are_reported)
{
	json_object *hp, *aff;

	vroot_write(&self->r, "etc/vfio-early.conf", "hugepages 2M 8192\nvm-cpus 8-15\n");
	ASSERT_EQ(0, system(strcat(strcpy(out, "mkdir -p "),
				   vroot_path(&self->r, "sys/devices/system/cpu"))));
	vroot_write(&self->r, "sys/devices/system/cpu/possible", "0-15\n");
	EXPECT_EQ(0, run(self, "vfio_early.hugepages=1G:8 vfio_early.cpus=4-7,12-15"));
	ASSERT_TRUE(json_object_object_get_ex(self->report, "hugepages", &hp));
	EXPECT_EQ(1, json_object_array_length(hp));
	EXPECT_STREQ("1048576", field(json_object_array_get_idx(hp, 0), "size_kb"));
	EXPECT_STREQ("8", field(json_object_array_get_idx(hp, 0), "requested"));
	ASSERT_TRUE(json_object_object_get_ex(self->report, "affinity", &aff));
	EXPECT_STREQ("4-7,12-15", field(aff, "vm_cpus"));
	EXPECT_STREQ("0-3,8-11", field(aff, "host_cpus"));
	EXPECT_STREQ("performance", field(aff, "governor"));

	EXPECT_EQ(0, run(self, "vfio_early.hugepages=0 vfio_early.cpus=off"));
	ASSERT_TRUE(json_object_object_get_ex(self->report, "hugepages", &hp));
	EXPECT_EQ(0, json_object_array_length(hp));
	EXPECT_STREQ("(null)", field(self->report, "affinity"));

	/* Malformed: that step is skipped (less, never more), and said. */
	EXPECT_EQ(1, run(self, "vfio_early.hugepages=3M:8 vfio_early.cpus=7-4"));
	ASSERT_TRUE(json_object_object_get_ex(self->report, "hugepages", &hp));
	EXPECT_EQ(0, json_object_array_length(hp));
	EXPECT_STREQ("(null)", field(self->report, "affinity"));
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "malformed vfio_early.hugepages="));
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "malformed vfio_early.cpus="));
}

TEST_F(seed, debug_switch_logs_every_write_first)
{
	const char *log;

	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, "vfio_early.debug"));
	log = vroot_log(&self->r);
	EXPECT_NE(NULL, strstr(log, "<7>vfio-early: write 'vfio-pci' to "));
	EXPECT_NE(NULL, strstr(log, "/sys/bus/pci/devices/0000:0f:00.0/driver_override\n"));
	EXPECT_NE(NULL, strstr(log, "/sys/bus/pci/drivers_probe\n"));
}

TEST_F(seed, broken_config_binds_nothing)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF "bind 0c:00.0 1002:67dg\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_STREQ("false", field(json_object_object_get(self->report, "config"), "ok"));
	EXPECT_NE(NULL, strstr(field(json_object_object_get(self->report, "config"), "error"),
			       "line 6: bind: id '1002:67dg'"));
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "<3>vfio-early: "));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_F(seed, missing_config_is_nothing_to_do)
{
	EXPECT_EQ(0, run(self, ""));
	EXPECT_STREQ("true", field(json_object_object_get(self->report, "config"), "ok"));
	EXPECT_EQ(0, json_object_array_length(json_object_object_get(self->report, "devices")));
}

TEST_F(seed, explicit_config_path_and_usage)
{
	char conf[600];

	snprintf(conf, sizeof(conf), "%s", vroot_path(&self->r, "other.conf"));
	vroot_write(&self->r, "other.conf", "bind 0f:00.0 1106:3483\n");
	start_kernel(_metadata, self);
	vroot_write(&self->r, "proc/cmdline", "");
	EXPECT_EQ(0, run_helper(&self->r, out, sizeof(out), "--config", conf, NULL));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0f:00.0"));
	EXPECT_EQ(1, run_helper(&self->r, out, sizeof(out), "-c", "/nonexistent.conf", NULL));
	EXPECT_EQ(2, run_helper(&self->r, out, sizeof(out), "--bogus", NULL));
	EXPECT_NE(NULL, strstr(out, "Try 'vfio-early --help'"));
	EXPECT_EQ(2, run_helper(&self->r, out, sizeof(out), "extra", NULL));
	EXPECT_EQ(0, run_helper(&self->r, out, sizeof(out), "--help", NULL));
	EXPECT_NE(NULL, strstr(out, "vfio-early(8)"));
	EXPECT_EQ(0, run_helper(&self->r, out, sizeof(out), "--version", NULL));
	EXPECT_NE(NULL, strstr(out, "vfio-early "));
}

/* Run a shell command in the fake root's directory (printf-style); its exit status. */
static int in_root(const struct vroot *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int in_root(const struct vroot *r, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", r->dir);

	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Issue 10.1: a member that is not a PCI function refuses the group, whatever its name. */
TEST_F(seed, platform_device_in_the_group_refuses_it)
{
	const char *reason;

	ASSERT_EQ(0, in_root(&self->r, "mkdir -p sys/devices/platform/AMDI0020:00 && "
				       "ln -s ../../../../devices/platform/AMDI0020:00 "
				       "sys/kernel/iommu_groups/37/devices/AMDI0020:00"));
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	reason = field(report_device(self->report, "0000:0f:00.0"), "reason");
	EXPECT_STREQ("refused", field(report_device(self->report, "0000:0f:00.0"), "action"));
	EXPECT_NE(NULL, strstr(reason, "AMDI0020:00 is not a PCI function")) TH_LOG("%s", reason);
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_F(seed, long_member_names_are_not_dropped)
{
	static const char name[] = "LNXVIDEO:00-a-platform-device-with-a-long-name";

	ASSERT_EQ(0, in_root(&self->r,
			     "mkdir -p 'sys/devices/platform/%s' && ln -s "
			     "'../../../../devices/platform/%s' "
			     "'sys/kernel/iommu_groups/37/devices/%s'",
			     name, name, name));
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_NE(NULL, strstr(field(report_device(self->report, "0000:0f:00.0"), "reason"), name));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"));
}

TEST_F(seed, unreadable_member_refuses_the_group)
{
	const char *reason;

	/* Its vendor and config cannot be read: a member nobody can vouch for. */
	ASSERT_EQ(0,
		  in_root(&self->r, "cd sys/bus/pci/devices/0000:0c:00.1/ && rm vendor config && "
				    "mkdir vendor config"));
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0c:00.0 1002:67df allow-boot-vga\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	reason = field(report_device(self->report, "0000:0c:00.0"), "reason");
	EXPECT_STREQ("refused", field(report_device(self->report, "0000:0c:00.0"), "action"));
	EXPECT_NE(NULL, strstr(reason, "0000:0c:00.1 cannot be read")) TH_LOG("%s", reason);
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0c:00.0"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_F(seed, member_gone_since_the_listing_is_left_out)
{
	/* A link that leads nowhere: the device was removed; the rest of the group is whole. */
	ASSERT_EQ(0, in_root(&self->r,
			     "ln -s ../../../../devices/pci0000:00/0000:00:03.3/0000:0f:00.1 "
			     "sys/kernel/iommu_groups/37/devices/0000:0f:00.1"));
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(0, run(self, "")) TH_LOG("%s", vroot_log(&self->r));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:0f:00.0"));
}

/* Issue 10.2: a FIFO in the config's place is refused at once, never waited on. */
TEST_F(seed, fifo_config_is_refused_without_waiting)
{
	ASSERT_EQ(0, in_root(&self->r, "rm -f etc/vfio-early.conf && mkfifo etc/vfio-early.conf"));
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_STREQ("false", field(json_object_object_get(self->report, "config"), "ok"));
	EXPECT_NE(NULL, strstr(field(json_object_object_get(self->report, "config"), "error"),
			       "not a regular file (a FIFO)"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_F(seed, config_others_may_write_binds_nothing)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	ASSERT_EQ(0, in_root(&self->r, "chmod 0646 etc/vfio-early.conf"));
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "writable by everyone (mode 0646)"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("", fk_events(self->fk));
}

/* ... and check names it, the same way. */
TEST_F(seed, check_names_a_config_others_may_write)
{
	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	ASSERT_EQ(0, in_root(&self->r, "chmod 0664 etc/vfio-early.conf"));
	EXPECT_NE(0, run_ctl(&self->r, out, sizeof(out), "check", NULL));
	EXPECT_NE(NULL, strstr(out, "writable by its group (mode 0664)")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "the helper would bind nothing"));
}

/* Issue 10.9: the config's path is said once. */
TEST_F(seed, config_that_is_a_directory_is_named_once)
{
	const char *log, *first;

	ASSERT_EQ(0, in_root(&self->r, "rm -f etc/vfio-early.conf && mkdir etc/vfio-early.conf"));
	EXPECT_EQ(1, run(self, ""));
	log = vroot_log(&self->r);
	first = strstr(log, "etc/vfio-early.conf");
	ASSERT_NE(NULL, first) TH_LOG("%s", log);
	EXPECT_EQ(NULL, strstr(first + 1, "etc/vfio-early.conf")) TH_LOG("%s", log);
	EXPECT_NE(NULL, strstr(log, "not a regular file (a directory)"));
}

/* Issue 10.4: an empty entry makes the switch malformed: nothing is bound. */
TEST_F(seed, empty_skip_entries_bind_nothing)
{
	static const char *const bad[] = {"vfio_early.skip=0f:00.0,", "vfio_early.skip=,",
					  "vfio_early.bind=0f:00.0/1106:3483,,0b:00.0/1002:73bf"};
	size_t i;

	vroot_write(&self->r, "etc/vfio-early.conf", GPU_CONF);
	start_kernel(_metadata, self);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(1, run(self, bad[i]));
		EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0")) TH_LOG("%s", bad[i]);
		EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"))
		TH_LOG("%s", bad[i]);
	}
	EXPECT_STREQ("", fk_events(self->fk));
}

/* Issue 10.9: a mistyped switch may be a mistyped vfio_early.off: nothing is done. */
TEST_F(seed, unknown_switch_does_nothing_and_says_so)
{
	json_object *errors;

	vroot_write(&self->r, "etc/vfio-early.conf", SEED_CONF);
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, "vfio_early.skp=0f:00.0"));
	EXPECT_STREQ("amdgpu", vroot_driver(&self->r, "0000:0b:00.0"));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"));
	EXPECT_STREQ("", fk_events(self->fk));
	ASSERT_TRUE(json_object_object_get_ex(self->report, "switch_errors", &errors));
	EXPECT_EQ(1, json_object_array_length(errors));
	EXPECT_NE(NULL, strstr(json_object_get_string(json_object_array_get_idx(errors, 0)),
			       "unknown switch vfio_early.skp"));
	EXPECT_EQ(0, json_object_array_length(json_object_object_get(self->report, "hugepages")));
	EXPECT_STREQ("(null)", field(self->report, "affinity"));
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "<6>vfio-early: bound 0/5 (5 skipped), "
						    "unknown switch vfio_early.skp: nothing done "
						    "this boot"))
	TH_LOG("%s", vroot_log(&self->r));
}

/* Issue 10.9: messages that say what is true. */
TEST_F(seed, refusals_explain_themselves_truly)
{
	const char *reason;

	start_kernel(_metadata, self);
	/* From the command line there is no config line to name. */
	EXPECT_EQ(1, run(self, "vfio_early.bind=0c:00.0/1002:67df,0c:00.1/1002:aaf0"));
	reason = field(report_device(self->report, "0000:0c:00.0"), "reason");
	EXPECT_NE(NULL, strstr(reason, "end its vfio_early.bind= entry with /allow-boot-vga"))
	TH_LOG("%s", reason);
	EXPECT_EQ(NULL, strstr(reason, "line 0"));
	/* Its partner is listed: refused because of it, not "not in the config". */
	reason = field(report_device(self->report, "0000:0c:00.1"), "reason");
	EXPECT_NE(NULL, strstr(reason, "0000:0c:00.0 is refused")) TH_LOG("%s", reason);
	EXPECT_EQ(NULL, strstr(reason, "not in the"));
	/* Issue 10.8: a device left where it is keeps its driver, and the report says so. */
	EXPECT_STREQ("amdgpu", field(report_device(self->report, "0000:0c:00.0"), "driver_after"));
	EXPECT_STREQ("snd_hda_intel",
		     field(report_device(self->report, "0000:0c:00.1"), "driver_after"));
}

/* Issue 10.7: a failed unbind leaves no override behind. */
TEST_F(seed, failed_unbind_clears_the_override)
{
	const char *reason;

	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	start_kernel(_metadata, self);
	/* The host driver's unbind cannot be written: a directory stands in its place. */
	ASSERT_EQ(0, in_root(&self->r, "rm sys/bus/pci/drivers/xhci_hcd/unbind && "
				       "mkdir sys/bus/pci/drivers/xhci_hcd/unbind"));
	EXPECT_EQ(1, run(self, ""));
	reason = field(report_device(self->report, "0000:0f:00.0"), "reason");
	EXPECT_STREQ("failed", field(report_device(self->report, "0000:0f:00.0"), "action"));
	EXPECT_NE(NULL, strstr(reason, "cannot unbind xhci_hcd")) TH_LOG("%s", reason);
	EXPECT_NE(NULL, strstr(reason, "override cleared, on xhci_hcd")) TH_LOG("%s", reason);
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:0f:00.0", "(null)"));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:0f:00.0"));
	EXPECT_STREQ("xhci_hcd",
		     field(report_device(self->report, "0000:0f:00.0"), "driver_after"));
}

/* Issue 10.9: an override that was there before this run is neither cleared nor said to be. */
TEST_F(seed, override_set_before_is_left_and_said)
{
	const char *reason;

	ASSERT_EQ(0, system(strcat(strcpy(out, "rm -rf "),
				   vroot_path(&self->r, "sys/bus/pci/drivers/vfio-pci"))));
	vroot_write(&self->r, "sys/bus/pci/devices/0000:0f:00.0/driver_override", "vfio-pci\n");
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\n");
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, ""));
	reason = field(report_device(self->report, "0000:0f:00.0"), "reason");
	EXPECT_NE(NULL,
		  strstr(reason, "driver_override was vfio-pci before this run, left as it was"))
	TH_LOG("%s", reason);
	EXPECT_EQ(NULL, strstr(reason, "override cleared"));
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:0f:00.0", "vfio-pci"));
}

/* Issue 10.6: config bytes that are not UTF-8 reach the report as valid JSON. */
TEST_F(seed, report_stays_valid_utf8)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "hugepages 2M 1\xb2\n");
	EXPECT_EQ(1, run(self, ""));
	ASSERT_NE(NULL, self->report);
	EXPECT_NE(NULL, strstr(field(json_object_object_get(self->report, "config"), "error"),
			       "'1\xef\xbf\xbd'"));
	/* A cut through a multi-byte character (the parser quotes 40 bytes of a word). */
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bnid\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9 0f:00.0\n");
	EXPECT_EQ(1, run(self, ""));
	ASSERT_NE(NULL, self->report);
}

/*
 * Issue 10 (also) / 12.1: the kernel keeps a burst of 10 lines per open /dev/kmsg. More
 * problems than that still end in the summary line, and every refused device is named.
 */
TEST_F(seed, log_stays_within_the_kernel_burst)
{
	char cmd[2048] = "vfio_early.bind=0c:00.0/1002:67df,0c:00.1/1002:aaf0";
	const char *log, *p;
	int lines = 0, i;

	/* 14 slots with nothing in them and the boot VGA with its audio: 16 not in place */
	for (i = 0; i < 14; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), ",%02x:00.0/1b36:000d",
			 0x40 + i);
	start_kernel(_metadata, self);
	EXPECT_EQ(1, run(self, cmd));
	log = vroot_log(&self->r);
	for (p = log; *p; p++)
		lines += *p == '\n';
	EXPECT_GE(10, lines) TH_LOG("%s", log);
	EXPECT_NE(NULL, strstr(log, "<6>vfio-early: bound 0/16 (14 skipped) (2 refused)"))
	TH_LOG("%s", log);
	EXPECT_NE(NULL, strstr(log, "<4>vfio-early: refused: 0000:0c:00.0: boot VGA"));
	EXPECT_NE(NULL, strstr(log, "<4>vfio-early: refused: 0000:0c:00.1: IOMMU group 30"));
	EXPECT_NE(NULL, strstr(log, "skipped: 0000:40:00.0, 0000:41:00.0"));
}

/* The rig of DESIGN.md §8, captured from a real 6.1 kernel in QEMU. */
FIXTURE(rig)
{
	struct vroot r;
	struct fake_kernel *fk;
};

FIXTURE_SETUP(rig)
{
	ASSERT_EQ(0, vroot_make(&self->r, "qemu-rig"));
	self->fk = fk_start(self->r.dir);
	ASSERT_NE(NULL, self->fk);
	vroot_write(&self->r, "proc/cmdline", "console=ttyS0 intel_iommu=on");
}

FIXTURE_TEARDOWN(rig)
{
	fk_stop(self->fk);
	vroot_destroy(&self->r);
}

TEST_F(rig, identical_controllers_are_told_apart_by_slot)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 04:00.0 1b36:000d\n");
	EXPECT_EQ(0, run_helper(&self->r, out, sizeof(out), NULL))
	TH_LOG("%s", vroot_log(&self->r));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:04:00.0"));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:00:04.0"));
	EXPECT_TRUE(vroot_override_is(&self->r, "0000:00:04.0", "(null)"));
}

TEST_F(rig, gpu_functions_share_a_group_with_their_bridge)
{
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 03:00.0 1234:1111 allow-boot-vga\nbind 03:00.1 8086:293e\n"
		    "bind 03:00.2 1b36:000d\nbind 04:00.0 1b36:000d\n");
	EXPECT_EQ(0, run_helper(&self->r, out, sizeof(out), NULL))
	TH_LOG("%s", vroot_log(&self->r));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:03:00.0"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:03:00.1"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:03:00.2"));
	EXPECT_STREQ("vfio-pci", vroot_driver(&self->r, "0000:04:00.0"));
	EXPECT_STREQ("pcieport", vroot_driver(&self->r, "0000:02:00.0"));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:00:04.0"));
}

TEST_F(rig, part_of_the_gpu_group_is_refused)
{
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 03:00.2 1b36:000d\n");
	EXPECT_EQ(1, run_helper(&self->r, out, sizeof(out), NULL));
	EXPECT_STREQ("xhci_hcd", vroot_driver(&self->r, "0000:03:00.2"));
	EXPECT_NE(NULL, strstr(vroot_log(&self->r), "0000:03:00.0 [1234:1111] on bochs-drm"));
	EXPECT_STREQ("", fk_events(self->fk));
}

TEST_HARNESS_MAIN
