// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Issue 16: a hand-made setup (the guide's machine as its steps leave it, tests/handmade/guide)
 * through import, apply, check and rollback; apply's ownership of its command-line tokens
 * (golden files in tests/golden/owned: NAME.in edited with NAME.want, the tokens of
 * NAME.record ours and the ids of NAME.ids going, gives NAME.expected, and finds
 * NAME.adopted and NAME.conflicts); the hand-made line editors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "testutil.h"
#include "../../kernel-cmdline/tokens.h"
#include "../../lib/handmade.h"

static char out[131072];

#define ctl(r, ...) run_ctl(r, out, sizeof(out), __VA_ARGS__)

static const char *src_dir(void)
{
	const char *d = getenv("VFE_SRC");

	return d ? d : ".";
}

/* The guide's hand-made files over the seed machine, and what libkmod needs under the root. */
static void guide_machine(struct __test_metadata *_metadata, const struct vroot *r)
{
	char uts[256], cmd[2048];
	FILE *p = popen("uname -r", "r");

	ASSERT_NE(NULL, fgets(uts, sizeof(uts), p));
	pclose(p);
	uts[strcspn(uts, "\n")] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "cp -a %s/tests/handmade/guide/. %s/ && mkdir -p %s/etc/modprobe.d "
		 "%s/lib/modules/%s",
		 src_dir(), r->dir, r->dir, r->dir, uts);
	ASSERT_EQ(0, system(cmd));
	vroot_write(r, "etc/modprobe.d/aliases.conf",
		    "alias pci:v00001002d000073BF* amdgpu\n"
		    "alias pci:v00001002d0000AB28* snd_hda_intel\n"
		    "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n");
}

/* Every file under etc/ and var/lib/vfio-early/ except the backups, to compare trees. */
static char *etc_snapshot(const struct vroot *r)
{
	char cmd[1024], *buf = malloc(1 << 20);
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "cd %s && find etc var/lib/vfio-early -path var/lib/vfio-early/backup -prune -o "
		 "-type f -print 2>/dev/null | sort | while read -r f; do echo \"== $f\"; "
		 "stat -c %%a \"$f\"; cat \"$f\"; done",
		 r->dir);
	p = popen(cmd, "r");
	n = fread(buf, 1, (1 << 20) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

static unsigned int count_of(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

FIXTURE(guide)
{
	struct vroot r;
};

FIXTURE_SETUP(guide)
{
	ASSERT_EQ(0, vroot_make(&self->r, "seed"));
	guide_machine(_metadata, &self->r);
}

FIXTURE_TEARDOWN(guide)
{
	vroot_destroy(&self->r);
}

TEST_F(guide, import_writes_the_guide_as_config)
{
	const char *conf, *rec;

	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL)) TH_LOG("%s", out);
	/* each source line, and what it became */
	EXPECT_NE(NULL, strstr(out, "/etc/default/grub line 10: vfio_pci.ids=1002:73bf,1002:ab28,"
				    "1002:73a6,1002:73a4\n      -> bind 0000:0b:00.0 1002:73bf\n"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/etc/default/grub line 10: hugepages=8192\n"
				    "      -> hugepages 2M 8192\n"));
	EXPECT_NE(NULL, strstr(out, "/etc/default/grub line 10: isolcpus=8-15\n"
				    "      -> vm-cpus 8-15\n"));
	EXPECT_NE(NULL, strstr(out, "/etc/sysctl.conf line 10: vm.nr_hugepages = 8192\n"
				    "      -> hugepages 2M 8192\n"));
	EXPECT_NE(NULL, strstr(out, "-> governor performance (CPUs 8-15)"));
	EXPECT_NE(NULL, strstr(out, "/etc/default/irqbalance line 12: IRQBALANCE_BANNED_CPULIST="
				    "8-15\n      -> vm-cpus 8-15\n"));
	EXPECT_NE(NULL, strstr(out, "/etc/libvirt/qemu/win11.xml: <hostdev> 0000:0f:00.0\n"
				    "      -> bind 0000:0f:00.0 1106:3483\n"));
	EXPECT_NE(NULL, strstr(out, "/etc/libvirt/qemu/win11.xml: <vcpupin> cpusets 8-15\n"
				    "      -> vm-cpus 8-15\n"));
	/* the group check of add, then apply's plan for the hand-made lines */
	EXPECT_NE(NULL, strstr(out, "IOMMU groups: complete (26, 27, 28, 29, 37)"));
	EXPECT_NE(NULL, strstr(out, "what 'vfio-earlyctl apply' will do with the hand-made lines"));
	EXPECT_NE(NULL, strstr(out, "vm.nr_hugepages = 8192: apply takes it out"));

	conf = vroot_read(&self->r, "etc/vfio-early.conf");
	ASSERT_NE(NULL, conf);
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0b:00.0 1002:73bf    # Navi 21"));
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0b:00.1 1002:ab28    #"));
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0b:00.2 1002:73a6    #"));
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0b:00.3 1002:73a4    #"));
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0f:00.0 1106:3483    #"));
	EXPECT_EQ(5, count_of(conf, "bind "));
	EXPECT_NE(NULL, strstr(conf, "\nhugepages 2M 8192\nvm-cpus 8-15\ngovernor performance\n"))
	TH_LOG("%s", conf);
	/* the command-line tokens it read are apply's to replace now */
	rec = vroot_read(&self->r, "var/lib/vfio-early/cmdline-tokens");
	ASSERT_NE(NULL, rec);
	EXPECT_NE(NULL, strstr(rec, "\nisolcpus=8-15\n"));
	EXPECT_NE(NULL, strstr(rec, "\nhugepages=8192\n"));

	/* importing again adds nothing */
	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "nothing new for"));
	EXPECT_STREQ(conf, vroot_read(&self->r, "etc/vfio-early.conf"));
}

TEST_F(guide, import_dry_run_and_no_answer_write_nothing)
{
	char *before = etc_snapshot(&self->r), *after;

	ASSERT_EQ(0, ctl(&self->r, "import", "--dry-run", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "+ vm-cpus 8-15"));
	/* not a terminal, no --yes */
	EXPECT_EQ(1, ctl(&self->r, "import", NULL));
	after = etc_snapshot(&self->r);
	EXPECT_STREQ(before, after);
	free(before);
	free(after);
}

TEST_F(guide, import_merges_into_an_existing_config)
{
	const char *conf;

	vroot_write(&self->r, "etc/vfio-early.conf",
		    "# mine\nbind 0f:00.0 1106:3483\nhugepages 2M 4096\n");
	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL)) TH_LOG("%s", out);
	conf = vroot_read(&self->r, "etc/vfio-early.conf");
	EXPECT_EQ(0, strncmp(conf, "# mine\nbind 0f:00.0 1106:3483\nhugepages 2M 4096\n", 46))
	TH_LOG("%s", conf);
	EXPECT_EQ(NULL, strstr(conf, "bind 0000:0f:00.0"));
	EXPECT_EQ(NULL, strstr(conf, "hugepages 2M 8192"));
	EXPECT_NE(NULL, strstr(out, "hugepages: the config has its own line already; it stays"));
	EXPECT_NE(NULL, strstr(conf, "bind 0000:0b:00.3 1002:73a4"));
}

TEST_F(guide, import_apply_check_rollback)
{
	char *before = etc_snapshot(&self->r), *after;
	const char *grub;

	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL)) TH_LOG("%s", out);
	/* check names every hand-made line before apply */
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "FIX   handmade   ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "vfio_pci.ids=1002:73bf,1002:ab28,1002:73a6,1002:73a4 binds "
				    "every device with these ids by id alone"));
	EXPECT_NE(NULL, strstr(out, "vm.nr_hugepages = 8192 sets the count again"));
	EXPECT_NE(NULL, strstr(out, "90-scaling-governor-performance.rules line 1: a governor"));

	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	/* each hand-made line named before the diffs */
	EXPECT_NE(NULL, strstr(out, "hand-made lines the config replaces"));
	EXPECT_NE(NULL, strstr(out, "  vfio_pci.ids=1002:73bf,1002:ab28,1002:73a6,1002:73a4 ("));
	EXPECT_NE(NULL, strstr(out, "/etc/sysctl.conf line 10: vm.nr_hugepages = 8192 ("));
	grub = vroot_read(&self->r, "etc/default/grub");
	EXPECT_NE(NULL, strstr(grub, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash kvm.ignore_msrs=1 "
				     "default_hugepagesz=2M hugepagesz=2M hugepages=8192 "
				     "isolcpus=managed_irq,domain,8-15 iommu=pt nohz_full=8-15 "
				     "rcu_nocbs=8-15 irqaffinity=0-7\"\n"))
	TH_LOG("%s", grub);
	EXPECT_EQ(NULL, strstr(grub, "vfio_pci.ids"));
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/sysctl.conf"), "nr_hugepages"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/sysctl.conf"),
			       "kernel.shmmax = 17179869184\nvm.min_free_kbytes = 112640\n"));
	EXPECT_EQ(NULL,
		  vroot_read(&self->r, "etc/udev/rules.d/90-scaling-governor-performance.rules"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/irqbalance"),
			       "\nIRQBALANCE_BANNED_CPULIST=8-15\n"));

	/* no finding left about the hand-made lines; the running kernel's ids are only said */
	ctl(&self->r, "check", NULL);
	EXPECT_EQ(NULL, strstr(out, "FIX   handmade")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "FIX   cmdline")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "ok    handmade   this boot has vfio_pci.ids="));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "no file changes"));

	/* apply's change, then import's: every file byte for byte, mode too */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	after = etc_snapshot(&self->r);
	EXPECT_STREQ(before, after);
	free(before);
	free(after);
}

TEST_F(guide, apply_keeps_what_the_user_wrote_with_a_config_of_binds)
{
	const char *grub;

	/* the issue's case: bind lines only; hugepages= and isolcpus= are the user's */
	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:ab28\nbind 0b:00.2 1002:73a6\n"
		    "bind 0b:00.3 1002:73a4\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "adopted: kvm.ignore_msrs=1 on the kernel command line is "
				    "yours and the same as ours"));
	grub = vroot_read(&self->r, "etc/default/grub");
	EXPECT_NE(NULL, strstr(grub, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash kvm.ignore_msrs=1 "
				     "hugepages=8192 isolcpus=8-15 iommu=pt\"\n"))
	TH_LOG("%s", grub);
	/* sysctl and the governor rule stay: the config has no hugepages, no vm-cpus */
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/sysctl.conf"), "vm.nr_hugepages = 8192"));
	EXPECT_NE(NULL,
		  vroot_read(&self->r, "etc/udev/rules.d/90-scaling-governor-performance.rules"));
	/* without a config, only what apply wrote goes (kvm.ignore_msrs=1 was adopted) */
	unlink(vroot_path(&self->r, "etc/vfio-early.conf"));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"),
			       "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash hugepages=8192 "
			       "isolcpus=8-15\"\n"))
	TH_LOG("%s", vroot_read(&self->r, "etc/default/grub"));
	EXPECT_EQ(NULL, vroot_read(&self->r, "var/lib/vfio-early/cmdline-tokens"));
}

TEST_F(guide, apply_stops_on_a_different_value_of_our_name)
{
	char *before;

	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\nhugepages 2M 4096\n");
	before = etc_snapshot(&self->r);
	EXPECT_EQ(1, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "the kernel command line has hugepages=8192, which you wrote, "
				    "and the config asks for hugepages=4096"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "nothing written"));
	{
		char *after = etc_snapshot(&self->r);

		EXPECT_STREQ(before, after);
		free(after);
	}
	EXPECT_EQ(1, ctl(&self->r, "check", NULL));
	EXPECT_NE(NULL, strstr(out, "hugepages=8192 on the kernel command line is yours, and the "
				    "config asks for hugepages=4096"));
	/* --adopt: apply replaces it, named in the diff */
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", "--adopt", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"),
			       "default_hugepagesz=2M hugepagesz=2M hugepages=4096"));
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), "hugepages=8192"));
	free(before);
}

TEST_F(guide, an_apply_from_before_the_record_owns_its_tokens_once)
{
	/* an older apply left its GRUB entry and hugepages=8192, and no record */
	vroot_write(&self->r, "etc/vfio-early.conf", "bind 0f:00.0 1106:3483\nhugepages 2M 4096\n");
	ASSERT_EQ(0, mkdir(vroot_path(&self->r, "etc/grub.d"), 0755));
	vroot_write(&self->r, "etc/grub.d/42_vfio-early", "#!/bin/sh\n");
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "taken as its own this once"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), "hugepages=4096"));
	EXPECT_NE(NULL, vroot_read(&self->r, "var/lib/vfio-early/cmdline-tokens"));
	/* from now on the record says what is ours */
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_EQ(NULL, strstr(out, "taken as its own this once"));
	EXPECT_NE(NULL, strstr(out, "no file changes"));
}

TEST_F(guide, an_id_on_several_devices_is_listed_never_guessed)
{
	vroot_write(&self->r, "etc/default/grub",
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet "
		    "vfio_pci.ids=1022:149c,1106:3483\"\n");
	unlink(vroot_path(&self->r, "etc/libvirt/qemu/win11.xml"));
	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "1022:149c is on 3 devices; choose the VM's with "
				    "'vfio-earlyctl add <slot>'"));
	EXPECT_NE(NULL, strstr(out, "        0000:06:00.1  "));
	EXPECT_NE(NULL, strstr(out, "        0000:0e:00.3  "));
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"), "1022:149c"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"),
			       "bind 0000:0f:00.0 1106:3483"));
	/* apply takes out only the id the config binds; check says what the other takes */
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"),
			       "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet vfio_pci.ids=1022:149c"));
	ctl(&self->r, "check", NULL);
	EXPECT_NE(NULL, strstr(out, "vfio_pci.ids=1022:149c binds every device with these ids by "
				    "id alone (it defeats slot matching and the recovery entry); "
				    "it also takes devices the config does not bind: "
				    "0000:06:00.1 (1022:149c, xhci_hcd)"))
	TH_LOG("%s", out);
}

TEST_F(guide, ids_in_grub_cmdline_linux_go_too)
{
	vroot_write(&self->r, "etc/default/grub",
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		    "GRUB_CMDLINE_LINUX=\"rd.luks=0 vfio-pci.ids=1106:3483\"\n");
	vroot_write(&self->r, "proc/cmdline",
		    "BOOT_IMAGE=/vmlinuz rd.luks=0 vfio-pci.ids=1106:3483\n");
	unlink(vroot_path(&self->r, "etc/libvirt/qemu/win11.xml"));
	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/etc/default/grub line 2: vfio-pci.ids=1106:3483\n"
				    "      -> bind 0000:0f:00.0 1106:3483\n"));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "  vfio-pci.ids=1106:3483 (kernel command line"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"),
			       "GRUB_CMDLINE_LINUX=\"rd.luks=0\"\n"))
	TH_LOG("%s", vroot_read(&self->r, "etc/default/grub"));
	ctl(&self->r, "check", NULL);
	EXPECT_EQ(NULL, strstr(out, "FIX   handmade")) TH_LOG("%s", out);
}

TEST_F(guide, disagreeing_sources_give_no_line)
{
	vroot_write(&self->r, "etc/default/irqbalance", "IRQBALANCE_BANNED_CPULIST=4-7,12-15\n");
	ASSERT_EQ(0, mkdir(vroot_path(&self->r, "etc/sysctl.d"), 0755));
	vroot_write(&self->r, "etc/sysctl.d/80-hugepages.conf", "vm.nr_hugepages=4096\n");
	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "vm-cpus: the sources disagree, none imported"));
	EXPECT_NE(NULL, strstr(out, "hugepages: the sources disagree, none imported"));
	EXPECT_NE(NULL, strstr(out, "  /etc/default/irqbalance line 1: 4-7,12-15 ("));
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"), "vm-cpus"));
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"), "hugepages"));
	EXPECT_EQ(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"), "governor"));
	/* with no vm-cpus line, the user's isolcpus= is not apply's to remove */
	EXPECT_NE(NULL,
		  strstr(out, "isolcpus=8-15: stays yours (the config asks for no isolcpus)"));
	EXPECT_EQ(NULL,
		  strstr(vroot_read(&self->r, "var/lib/vfio-early/cmdline-tokens"), "isolcpus"));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/default/grub"), " isolcpus=8-15 "));
}

TEST_F(guide, modprobe_options_and_softdeps)
{
	static const char vfio[] = "# by hand\noptions vfio-pci ids=1106:3483,1002:67df "
				   "disable_vga=1\nsoftdep xhci_pci pre: vfio-pci\n";

	vroot_write(&self->r, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	unlink(vroot_path(&self->r, "etc/libvirt/qemu/win11.xml"));
	vroot_write(&self->r, "etc/modprobe.d/vfio.conf", vfio);
	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/etc/modprobe.d/vfio.conf line 2: options vfio-pci "
				    "ids=1106:3483,1002:67df disable_vga=1\n"
				    "      -> bind 0000:0f:00.0 1106:3483\n"));
	/* the host's boot GPU: a graphics card, with its audio, and allow-boot-vga said */
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"),
			       "bind 0000:0c:00.0 1002:67df allow-boot-vga"));
	EXPECT_NE(NULL, strstr(out, "is the boot VGA: the line says allow-boot-vga"));
	/* before apply: the softdep is one apply's own file replaces */
	ctl(&self->r, "check", NULL);
	EXPECT_NE(NULL,
		  strstr(out, "vfio.conf line 3: softdep xhci_pci pre: vfio-pci is "
			      "hand-made, and /etc/modprobe.d/00-vfio-early.conf gives xhci_pci "
			      "its softdep line"))
	TH_LOG("%s", out);
	ASSERT_EQ(0, ctl(&self->r, "remove", "0c:00.0", "0c:00.1", NULL)) TH_LOG("%s", out);
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL,
		  strstr(out, "vfio.conf line 3: softdep xhci_pci pre: vfio-pci "
			      "(/etc/modprobe.d/00-vfio-early.conf gives xhci_pci its softdep "
			      "line"));
	/* only the id the config binds goes, and the softdep ours replaces; the rest stays */
	EXPECT_STREQ("# by hand\noptions vfio-pci ids=1002:67df disable_vga=1\n",
		     vroot_read(&self->r, "etc/modprobe.d/vfio.conf"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf"),
			       "\nsoftdep xhci_pci pre: vfio-pci\n"));
	ctl(&self->r, "check", NULL);
	EXPECT_EQ(NULL, strstr(out, "softdep xhci_pci pre: vfio-pci is hand-made"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "vfio.conf line 2: options vfio-pci ids=1002:67df "
				    "disable_vga=1 gives vfio-pci these ids whatever the slot"));
	/* rollback: the file byte for byte */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(vfio, vroot_read(&self->r, "etc/modprobe.d/vfio.conf"));
}

/*
 * Someone else's softdep lines (issue 16 items 2, 4): those for a target's driver go, the
 * whole line, whatever its spelling ('-' and '_' alike) and wherever it sorts (the warning
 * that one comes before ours is for lines that stay); ours carries their other modules. A
 * softdep for a driver of no target stays, and check says why.
 */
TEST_F(guide, softdeps_of_others_replaced_with_consent)
{
	static const char early[] =
	    "# sorts before 00-vfio-early.conf\n"
	    "softdep snd-hda-intel pre: vfio_pci post: snd_hda_codec_hdmi\n";
	static const char late[] = "softdep amdgpu pre: vfio vfio-pci\n"
				   "softdep nouveau pre: vfio-pci\n"
				   "options vfio-pci disable_vga=1\n";
	char *before;
	const char *ours;

	vroot_write(&self->r, "etc/vfio-early.conf",
		    "bind 0b:00.0 1002:73bf\nbind 0b:00.1 1002:ab28\nbind 0b:00.2 1002:73a6\n"
		    "bind 0b:00.3 1002:73a4\n");
	vroot_write(&self->r, "etc/modprobe.d/0-vfio.conf", early);
	vroot_write(&self->r, "etc/modprobe.d/vfio.conf", late);
	/* libkmod names a softdep's modules only when it finds them: no .ko here, aliases */
	vroot_write(&self->r, "etc/modprobe.d/aliases.conf",
		    "alias pci:v00001002d000073BF* amdgpu\n"
		    "alias pci:v00001002d0000AB28* snd_hda_intel\n"
		    "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n"
		    "alias vfio vfio\nalias snd_hda_codec_hdmi snd_hda_codec_hdmi\n");
	before = etc_snapshot(&self->r);
	/* without consent nothing is written */
	EXPECT_EQ(1, ctl(&self->r, "apply", NULL));
	{
		char *after = etc_snapshot(&self->r);

		EXPECT_STREQ(before, after);
		free(after);
	}
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "0-vfio.conf line 2: softdep snd-hda-intel pre: vfio_pci post: "
				    "snd_hda_codec_hdmi (/etc/modprobe.d/00-vfio-early.conf gives "
				    "snd-hda-intel its softdep line"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "vfio.conf line 1: softdep amdgpu pre: vfio vfio-pci ("));
	EXPECT_EQ(NULL, strstr(out, "softdep nouveau pre: vfio-pci ("));
	EXPECT_EQ(NULL, strstr(out, "comes first")) TH_LOG("%s", out);
	EXPECT_STREQ("# sorts before 00-vfio-early.conf\n",
		     vroot_read(&self->r, "etc/modprobe.d/0-vfio.conf"));
	EXPECT_STREQ("softdep nouveau pre: vfio-pci\noptions vfio-pci disable_vga=1\n",
		     vroot_read(&self->r, "etc/modprobe.d/vfio.conf"));
	ours = vroot_read(&self->r, "etc/modprobe.d/00-vfio-early.conf");
	ASSERT_NE(NULL, ours);
	EXPECT_NE(NULL,
		  strstr(ours, "softdep snd_hda_intel pre: vfio-pci post: snd_hda_codec_hdmi\n"))
	TH_LOG("%s", ours);
	EXPECT_NE(NULL, strstr(ours, "softdep amdgpu pre: vfio-pci vfio\n")) TH_LOG("%s", ours);
	/* the next apply finds nothing to do */
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_NE(NULL, strstr(out, "no file changes")) TH_LOG("%s", out);
	ctl(&self->r, "check", NULL);
	EXPECT_NE(NULL, strstr(out, "vfio.conf line 1: softdep nouveau pre: vfio-pci is hand-made, "
				    "and the config binds no device nouveau drives"))
	TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "amdgpu pre: vfio vfio-pci is hand-made"));
	/* rollback: both files byte for byte */
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	{
		char *after = etc_snapshot(&self->r);

		EXPECT_STREQ(before, after);
		free(after);
	}
	free(before);
}

/* KEY of O (NULL when absent). */
static json_object *jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstring(json_object *o, const char *key)
{
	json_object *v = jget(o, key);

	return v ? json_object_get_string(v) : NULL;
}

/* The JSON document in the output of a command. */
static json_object *parse_out(void)
{
	const char *brace = strchr(out, '{');

	return brace ? json_tokener_parse(brace) : NULL;
}

/* The entry of "sources" for TEXT read at SOURCE. */
static json_object *source_of(json_object *j, const char *source, const char *text)
{
	json_object *a = jget(j, "sources");
	size_t i;

	for (i = 0; a && i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		if (!strcmp(jstring(o, "source"), source) && !strcmp(jstring(o, "text"), text))
			return o;
	}
	return NULL;
}

/*
 * import --json (issue 16): each source line and what it became, the id on several devices
 * with every slot (never guessed), the sources that disagree, the new lines; writes only
 * with --yes.
 */
TEST_F(guide, import_json)
{
	json_object *j, *o, *a, *b;
	char *before = etc_snapshot(&self->r), *after;
	size_t i;
	bool found = false;

	vroot_write(&self->r, "etc/default/grub",
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet vfio-pci.ids=1022:149c,1106:3483 "
		    "hugepages=8192\"\n");
	vroot_write(&self->r, "etc/default/irqbalance", "IRQBALANCE_BANNED_CPULIST=4-7,12-15\n");
	unlink(vroot_path(&self->r, "etc/libvirt/qemu/win11.xml"));
	before = etc_snapshot(&self->r);
	ASSERT_EQ(0, ctl(&self->r, "import", "--json", NULL)) TH_LOG("%s", out);
	j = parse_out();
	ASSERT_NE(NULL, j) TH_LOG("%s", out);
	EXPECT_FALSE(json_object_get_boolean(jget(j, "written")));
	EXPECT_TRUE(json_object_get_boolean(jget(j, "dry_run")));
	EXPECT_EQ(NULL, jget(j, "backup"));
	after = etc_snapshot(&self->r);
	EXPECT_STREQ(before, after);
	free(after);

	o = source_of(j, "/etc/default/grub line 1", "vfio-pci.ids=1022:149c,1106:3483");
	ASSERT_NE(NULL, o) TH_LOG("%s", out);
	EXPECT_STREQ("cmdline", jstring(o, "kind"));
	EXPECT_STREQ("apply takes out the ids the config binds by slot", jstring(o, "apply"));
	a = jget(o, "became");
	ASSERT_EQ(1, json_object_array_length(a)) TH_LOG("%s", out);
	b = json_object_array_get_idx(a, 0);
	EXPECT_STREQ("bind", jstring(b, "directive"));
	EXPECT_STREQ("0000:0f:00.0", jstring(b, "slot"));
	EXPECT_STREQ("1106:3483", jstring(b, "id"));
	EXPECT_STREQ("bind 0000:0f:00.0 1106:3483", jstring(b, "line"));
	/* the id of three controllers: each slot, and nothing chosen */
	a = jget(j, "ambiguous");
	ASSERT_EQ(1, json_object_array_length(a)) TH_LOG("%s", out);
	o = json_object_array_get_idx(a, 0);
	EXPECT_STREQ("1022:149c", jstring(o, "id"));
	EXPECT_STREQ("/etc/default/grub line 1", jstring(o, "source"));
	a = jget(o, "devices");
	ASSERT_EQ(3, json_object_array_length(a));
	for (i = 0; i < 3; i++)
		found |= !strcmp(jstring(json_object_array_get_idx(a, i), "slot"), "0000:06:00.1");
	EXPECT_TRUE(found);
	/* hugepages= and vm.nr_hugepages agree; isolcpus... none here, irqbalance is alone */
	o = source_of(j, "/etc/sysctl.conf line 10", "vm.nr_hugepages = 8192");
	ASSERT_NE(NULL, o);
	EXPECT_STREQ("hugepages 2M 8192",
		     jstring(json_object_array_get_idx(jget(o, "became"), 0), "line"));
	a = jget(j, "lines");
	ASSERT_NE(NULL, a);
	found = false;
	for (i = 0; i < json_object_array_length(a); i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(a, i));

		found |= !strncmp(l, "bind 0000:0f:00.0 1106:3483", 27);
		EXPECT_EQ(NULL, strstr(l, "1022:149c")) TH_LOG("%s", l);
	}
	EXPECT_TRUE(found);
	EXPECT_TRUE(json_object_get_boolean(jget(jget(j, "iommu_groups"), "complete")));
	EXPECT_EQ(0, json_object_array_length(jget(j, "conflicts")));
	json_object_put(j);

	/* vm-cpus from two sources that disagree: a conflict naming both, no line */
	vroot_write(&self->r, "etc/default/grub",
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet nohz_full=8-15\"\n");
	ASSERT_EQ(0, ctl(&self->r, "import", "--json", NULL)) TH_LOG("%s", out);
	j = parse_out();
	ASSERT_NE(NULL, j);
	a = jget(j, "conflicts");
	ASSERT_EQ(1, json_object_array_length(a)) TH_LOG("%s", out);
	o = json_object_array_get_idx(a, 0);
	EXPECT_STREQ("vm-cpus", jstring(o, "directive"));
	a = jget(o, "sources");
	ASSERT_EQ(2, json_object_array_length(a));
	EXPECT_STREQ("vm-cpus 8-15", jstring(json_object_array_get_idx(a, 0), "line"));
	EXPECT_STREQ("/etc/default/irqbalance line 1",
		     jstring(json_object_array_get_idx(a, 1), "source"));
	EXPECT_STREQ("vm-cpus 4-7,12-15", jstring(json_object_array_get_idx(a, 1), "line"));
	json_object_put(j);

	/* --yes writes, and says where the backup is */
	ASSERT_EQ(0, ctl(&self->r, "import", "--json", "--yes", NULL)) TH_LOG("%s", out);
	j = parse_out();
	ASSERT_NE(NULL, j);
	EXPECT_TRUE(json_object_get_boolean(jget(j, "written")));
	EXPECT_NE(NULL, jstring(j, "backup"));
	EXPECT_NE(NULL, strstr(vroot_read(&self->r, "etc/vfio-early.conf"), "hugepages 2M 8192"));
	json_object_put(j);
	free(before);
}

/*
 * The kernel reads '-' and '_' alike in a parameter's name (issue 16): nohz-full=8-15 and
 * kvm.ignore-msrs=1 are the same as apply's nohz_full=8-15 and kvm.ignore_msrs=1: import
 * says so and records them, apply keeps them where they stand (never twice), check is clean.
 */
TEST_F(guide, dash_and_underscore_are_one_name)
{
	const char *grub, *rec;

	vroot_write(&self->r, "etc/default/grub",
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet vfio-pci.ids=1106:3483 nohz-full=8-15 "
		    "kvm.ignore-msrs=1 default-hugepagesz=2M hugepages=8192\"\n");
	vroot_write(&self->r, "proc/cmdline", "BOOT_IMAGE=/vmlinuz quiet\n");
	unlink(vroot_path(&self->r, "etc/libvirt/qemu/win11.xml"));
	vroot_write(&self->r, "etc/modprobe.d/vfio.conf", "softdep xhci-pci pre: vfio_pci\n");
	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "nohz-full=8-15: the same as apply's")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "kvm.ignore-msrs=1: the same as apply's"));
	EXPECT_NE(NULL, strstr(out, "default-hugepagesz=2M: the same as apply's"));
	EXPECT_NE(NULL, strstr(out, "softdep xhci-pci pre: vfio_pci: apply takes it out"));
	rec = vroot_read(&self->r, "var/lib/vfio-early/cmdline-tokens");
	ASSERT_NE(NULL, rec);
	EXPECT_NE(NULL, strstr(rec, "\nnohz-full=8-15\n"));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "adopted:")) TH_LOG("%s", out);
	grub = vroot_read(&self->r, "etc/default/grub");
	/* (the hugepages group is rewritten whole: one more token than the user's two) */
	EXPECT_NE(NULL, strstr(grub, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet nohz-full=8-15 "
				     "kvm.ignore-msrs=1 default_hugepagesz=2M hugepagesz=2M "
				     "hugepages=8192 iommu=pt isolcpus=managed_irq,domain,8-15 "
				     "rcu_nocbs=8-15 irqaffinity=0-7\"\n"))
	TH_LOG("%s", grub);
	EXPECT_EQ(1, count_of(grub, "default"));
	EXPECT_EQ(1, count_of(grub, "nohz"));
	EXPECT_EQ(1, count_of(grub, "ignore"));
	EXPECT_EQ(NULL, strstr(grub, "vfio"));
	EXPECT_STREQ("", vroot_read(&self->r, "etc/modprobe.d/vfio.conf"));
	ctl(&self->r, "check", NULL);
	EXPECT_EQ(NULL, strstr(out, "FIX   handmade")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "FIX   cmdline")) TH_LOG("%s", out);
}

TEST_F(guide, check_names_iommu_switches_that_do_nothing_here)
{
	vroot_write(&self->r, "etc/default/grub",
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet amd_iommu=on intel_iommu=on\"\n");
	ctl(&self->r, "check", NULL);
	EXPECT_NE(NULL, strstr(out, "amd_iommu=on is not a value the kernel knows"))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "intel_iommu=on does nothing on this AMD machine"));
}

TEST_F(guide, rollback_restores_what_apply_took_out)
{
	const char *rule = "etc/udev/rules.d/90-scaling-governor-performance.rules";
	char saved[512];

	snprintf(saved, sizeof(saved), "%s", vroot_read(&self->r, rule));
	chmod(vroot_path(&self->r, rule), 0640);
	ASSERT_EQ(0, ctl(&self->r, "import", "--yes", NULL));
	ASSERT_EQ(0, ctl(&self->r, "apply", "--yes", NULL));
	EXPECT_EQ(NULL, vroot_read(&self->r, rule));
	ASSERT_EQ(0, ctl(&self->r, "rollback", NULL)) TH_LOG("%s", out);
	EXPECT_STREQ(saved, vroot_read(&self->r, rule));
	{
		struct stat st;

		ASSERT_EQ(0, stat(vroot_path(&self->r, rule), &st));
		EXPECT_EQ(0640, st.st_mode & 07777);
	}
}

/* ---- golden files: the editor with an owner ---- */

static char *golden(const char *name, const char *ext)
{
	char path[512], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/golden/owned/%s.%s", src_dir(), name, ext);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	n = (long)fread(buf, 1, (size_t)n, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The words of golden NAME.EXT, one per line or blank separated, into LIST. */
static unsigned int words(const char *name, const char *ext, char (*list)[VFE_KTOKEN_LEN],
			  unsigned int max)
{
	char *text = golden(name, ext), *w, *save = NULL;
	unsigned int n = 0;

	for (w = text ? strtok_r(text, " \n", &save) : NULL; w && n < max;
	     w = strtok_r(NULL, " \n", &save))
		snprintf(list[n++], VFE_KTOKEN_LEN, "%s", w);
	free(text);
	return n;
}

FIXTURE(owned)
{
	struct vfe_ktokens want;
	struct vfe_kown own;
};

FIXTURE_VARIANT(owned)
{
	const char *name;
};

FIXTURE_VARIANT_ADD(owned, user_tokens_kept){
    .name = "user-tokens-kept",
};
FIXTURE_VARIANT_ADD(owned, adopted_identical){
    .name = "adopted-identical",
};
FIXTURE_VARIANT_ADD(owned, conflict){
    .name = "conflict",
};
FIXTURE_VARIANT_ADD(owned, recorded_updated){
    .name = "recorded-updated",
};
FIXTURE_VARIANT_ADD(owned, recorded_removed_user_kept){
    .name = "recorded-removed-user-kept",
};
FIXTURE_VARIANT_ADD(owned, ids_dropped){
    .name = "ids-dropped",
};
FIXTURE_VARIANT_ADD(owned, imported_guide){
    .name = "imported-guide",
};

FIXTURE_SETUP(owned)
{
	static char list[64][VFE_KTOKEN_LEN];
	unsigned int n, i;

	memset(&self->own, 0, sizeof(self->own));
	vfe_ktokens_init(&self->want);
	n = words(variant->name, "want", list, 64);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, vfe_ktokens_add(&self->want, "%s", list[i]));
	n = words(variant->name, "record", list, 64);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, vfe_kown_add(&self->own, list[i]));
	n = words(variant->name, "ids", list, 64);
	for (i = 0; i < n; i++)
		snprintf(self->own.ids[self->own.n_ids++], VFE_KOWN_ID_LEN, "%s", list[i]);
	self->want.own = &self->own;
}

FIXTURE_TEARDOWN(owned)
{
}

TEST_F(owned, edit)
{
	static char list[64][VFE_KTOKEN_LEN];
	char *in = golden(variant->name, "in"), *expected = golden(variant->name, "expected");
	char *res = NULL, *again = NULL;
	size_t len, again_len;
	unsigned int n, i;

	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, expected);
	ASSERT_EQ(0, vfe_cmdline_edit(in, strlen(in), &self->want, &res, &len));
	EXPECT_STREQ(expected, res);
	n = words(variant->name, "adopted", list, 64);
	EXPECT_EQ(n, self->own.n_adopted);
	for (i = 0; i < n && i < self->own.n_adopted; i++)
		EXPECT_STREQ(list[i], self->own.adopted[i]);
	n = words(variant->name, "conflicts", list, 64);
	EXPECT_EQ(n / 2, self->own.n_conflicts);
	for (i = 0; i + 1 < n && i / 2 < self->own.n_conflicts; i += 2) {
		EXPECT_STREQ(list[i], self->own.conflict[i / 2][0]);
		EXPECT_STREQ(list[i + 1], self->own.conflict[i / 2][1]);
	}
	/* a second edit with the wanted tokens recorded as ours changes nothing */
	if (!self->own.n_conflicts) {
		struct vfe_kown *mine = calloc(1, sizeof(*mine));

		for (i = 0; i < self->want.n; i++)
			vfe_kown_add(mine, self->want.tok[i]);
		self->want.own = mine;
		ASSERT_EQ(0, vfe_cmdline_edit(res, len, &self->want, &again, &again_len));
		EXPECT_STREQ(res, again);
		EXPECT_EQ(0, mine->n_adopted);
		free(mine);
	}
	free(in);
	free(expected);
	free(res);
	free(again);
}

/* ---- the hand-made line editors ---- */

TEST(handmade_scan_and_edit)
{
	static const char sysctl[] = "kernel.shmmax = 1\n vm.nr_hugepages = 8192\n"
				     "# vm.nr_hugepages = 1\n-vm/nr_hugepages=16\nvm.swappiness=10";
	static const char udev[] = "# mine\nKERNEL==\"cpu[0-9]*\", SUBSYSTEM==\"cpu\", "
				   "ATTR{cpufreq/scaling_governor}=\"performance\"\n";
	static const char mp[] = "options vfio-pci ids=1002:73bf,1002:ab28 disable_vga=1\r\n"
				 "options vfio_pci \\\n ids=1106:3483\n"
				 "softdep amdgpu pre: vfio-pci post: foo\n";
	struct vfe_hm_line l[4];
	char ids[4][16], *res;
	size_t len;
	bool empty;

	ASSERT_EQ(2, vfe_hm_scan(VFE_HM_SYSCTL_HUGEPAGES, sysctl, strlen(sysctl), l, 4));
	EXPECT_EQ(2, l[0].line);
	EXPECT_STREQ("8192", l[0].value);
	EXPECT_STREQ("16", l[1].value);
	ASSERT_EQ(0, vfe_hm_edit(VFE_HM_SYSCTL_HUGEPAGES, sysctl, strlen(sysctl), NULL, 0, &res,
				 &len, &empty));
	EXPECT_STREQ("kernel.shmmax = 1\n# vm.nr_hugepages = 1\nvm.swappiness=10", res);
	EXPECT_FALSE(empty);
	free(res);

	ASSERT_EQ(1, vfe_hm_scan(VFE_HM_UDEV_GOVERNOR, udev, strlen(udev), l, 4));
	EXPECT_STREQ("performance", l[0].value);
	EXPECT_STREQ("", l[0].cpus); /* a pattern: any CPU */
	ASSERT_EQ(
	    0, vfe_hm_edit(VFE_HM_UDEV_GOVERNOR, udev, strlen(udev), NULL, 0, &res, &len, &empty));
	EXPECT_STREQ("# mine\n", res);
	EXPECT_TRUE(empty);
	free(res);

	ASSERT_EQ(2, vfe_hm_scan(VFE_HM_MODPROBE_IDS, mp, strlen(mp), l, 4));
	EXPECT_STREQ("1002:73bf,1002:ab28", l[0].value);
	EXPECT_EQ(2, l[1].line);
	EXPECT_STREQ("1106:3483", l[1].value);
	ASSERT_EQ(1, vfe_hm_scan(VFE_HM_MODPROBE_SOFTDEP, mp, strlen(mp), l, 4));
	EXPECT_STREQ("amdgpu", l[0].value);
	ASSERT_EQ(2, vfe_hm_ids_parse("1002:73BF,1106:3483", ids, 4));
	EXPECT_STREQ("1002:73bf", ids[0]);
	ASSERT_EQ(0, vfe_hm_edit(VFE_HM_MODPROBE_IDS, mp, strlen(mp), (const char(*)[16])ids, 2,
				 &res, &len, &empty));
	EXPECT_STREQ("options vfio-pci ids=1002:ab28 disable_vga=1\r\n"
		     "softdep amdgpu pre: vfio-pci post: foo\n",
		     res);
	free(res);
	ASSERT_EQ(0, vfe_hm_edit(VFE_HM_MODPROBE_IDS, mp, strlen(mp), (const char(*)[16])ids + 1, 1,
				 &res, &len, &empty));
	EXPECT_STREQ("options vfio-pci ids=1002:73bf,1002:ab28 disable_vga=1\r\n"
		     "softdep amdgpu pre: vfio-pci post: foo\n",
		     res);
	free(res);
	EXPECT_EQ(-EINVAL, vfe_hm_ids_parse("1002:73bf,xyz", ids, 4));
}

TEST_HARNESS_MAIN
