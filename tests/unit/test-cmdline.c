// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel's command-line rules and the vfio_early.* switches of DESIGN.md §4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel-cmdline/cmdline.h"
#include "kselftest_harness.h"

static struct vfe_switches sw;

/* Split LINE as the kernel does; "param=val|param|..." for comparison. */
static const char *split(const char *line)
{
	static char buf[512], out[1024];
	char *args = buf, *param, *val;

	snprintf(buf, sizeof(buf), "%s", line);
	out[0] = '\0';
	while (*args == ' ')
		args++;
	while (*args) {
		args = vfe_cmdline_next(args, &param, &val);
		strcat(out, param);
		if (val) {
			strcat(out, "=");
			strcat(out, val);
		}
		strcat(out, "|");
	}
	return out;
}

TEST(kernel_splitting_rules)
{
	EXPECT_STREQ("ro|quiet|", split("ro quiet"));
	EXPECT_STREQ("a=b c|d|", split("a=\"b c\" d"));
	EXPECT_STREQ("param=x y|z|", split("\"param=x y\" z"));
	EXPECT_STREQ("a=|b|", split("  a=   b  "));
	EXPECT_STREQ("=x|", split("=x"));
	EXPECT_STREQ("a=b=c|", split("a=b=c"));
	EXPECT_STREQ("a=tab|b|", split("a=tab\tb\n"));
	EXPECT_STREQ("k=v\"w|", split("k=v\"w"));
}

TEST(no_switches)
{
	vfe_switches_parse(&sw,
			   "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet vfio_pci.ids=1002:73bf");
	EXPECT_FALSE(sw.off);
	EXPECT_FALSE(sw.have_bind);
	EXPECT_EQ(0, sw.n_skip);
	EXPECT_EQ(0, sw.n_unknown);
}

TEST(off_forms)
{
	vfe_switches_parse(&sw, "vfio_early.off");
	EXPECT_TRUE(sw.off);
	vfe_switches_parse(&sw, "vfio_early.off=1");
	EXPECT_TRUE(sw.off);
	vfe_switches_parse(&sw, "vfio_early.off=y");
	EXPECT_TRUE(sw.off);
	vfe_switches_parse(&sw, "vfio-early.off");
	EXPECT_TRUE(sw.off);
	vfe_switches_parse(&sw, "vfio_early.off=0");
	EXPECT_FALSE(sw.off);
	vfe_switches_parse(&sw, "vfio_early.off=n");
	EXPECT_FALSE(sw.off);
	/* Unknown value: the cautious reading, and a note saying so. */
	vfe_switches_parse(&sw, "vfio_early.off=maybe");
	EXPECT_TRUE(sw.off);
	EXPECT_NE(NULL, strstr(sw.notes, "not a boolean"));
	/* Last wins, and nothing after "--" is the kernel's. */
	vfe_switches_parse(&sw, "vfio_early.off vfio_early.off=0");
	EXPECT_FALSE(sw.off);
	vfe_switches_parse(&sw, "ro -- vfio_early.off");
	EXPECT_FALSE(sw.off);
	vfe_switches_parse(&sw, "ro \"--\" vfio_early.off");
	EXPECT_FALSE(sw.off);
	vfe_switches_parse(&sw, "ro --=x vfio_early.off");
	EXPECT_TRUE(sw.off);
	/* Not ours: another module's parameter with a similar name. */
	vfe_switches_parse(&sw, "vfio_earlyoff vfio_early_off xvfio_early.off");
	EXPECT_FALSE(sw.off);
}

TEST(dry_run_and_debug)
{
	vfe_switches_parse(&sw, "vfio_early.dry_run vfio-early.debug=1");
	EXPECT_TRUE(sw.dry_run);
	EXPECT_TRUE(sw.debug);
	vfe_switches_parse(&sw, "vfio_early.dry-run=off");
	EXPECT_FALSE(sw.dry_run);
}

TEST(skip)
{
	vfe_switches_parse(&sw, "vfio_early.skip=0b:00.1,0000:0f:00.0");
	ASSERT_EQ(2, sw.n_skip);
	EXPECT_STREQ("0000:0b:00.1", sw.skip[0]);
	EXPECT_STREQ("0000:0f:00.0", sw.skip[1]);
	EXPECT_STREQ("", sw.skip_error);
	vfe_switches_parse(&sw, "vfio_early.skip=\"0b:00.1\"");
	ASSERT_EQ(1, sw.n_skip);
	vfe_switches_parse(&sw, "vfio_early.skip=0b:00.1,0b:00");
	EXPECT_EQ(0, sw.n_skip);
	EXPECT_NE(NULL, strstr(sw.skip_error, "'0b:00'"));
	vfe_switches_parse(&sw, "vfio_early.skip");
	EXPECT_NE(0, strlen(sw.skip_error));
	/* last wins: a good later one clears the earlier error */
	vfe_switches_parse(&sw, "vfio_early.skip=zz vfio_early.skip=0b:00.0");
	EXPECT_STREQ("", sw.skip_error);
	EXPECT_EQ(1, sw.n_skip);
}

TEST(bind)
{
	vfe_switches_parse(&sw, "vfio_early.bind=0b:00.0/1002:73bf,0f:00.0/1106:3483");
	ASSERT_TRUE(sw.have_bind);
	ASSERT_EQ(2, sw.n_binds);
	EXPECT_STREQ("0000:0b:00.0", sw.binds[0].slot);
	EXPECT_EQ(0x3483, sw.binds[1].device);
	EXPECT_EQ(0, sw.binds[1].line);
	EXPECT_STREQ("", sw.bind_error);
	EXPECT_FALSE(sw.binds[0].allow_boot_vga);
	vfe_switches_parse(&sw,
			   "vfio_early.bind=0c:00.0/1002:67df/allow-boot-vga,0c:00.1/1002:aaf0");
	ASSERT_EQ(2, sw.n_binds);
	EXPECT_TRUE(sw.binds[0].allow_boot_vga);
	EXPECT_FALSE(sw.binds[1].allow_boot_vga);
	vfe_switches_parse(&sw, "vfio_early.bind=0c:00.0/1002:67df/yes");
	EXPECT_NE(NULL, strstr(sw.bind_error, "allow-boot-vga"));
	vfe_switches_parse(&sw, "vfio_early.bind=0b:00.0");
	EXPECT_TRUE(sw.have_bind);
	EXPECT_EQ(0, sw.n_binds);
	EXPECT_NE(NULL, strstr(sw.bind_error, "expects <slot>/<id>"));
	vfe_switches_parse(&sw, "vfio_early.bind=0b:00.0/1002:73bf,0b:00.0/1002:73bf");
	EXPECT_NE(NULL, strstr(sw.bind_error, "slot given twice"));
	vfe_switches_parse(&sw, "vfio_early.bind=0b:00.0/1002:*");
	EXPECT_NE(0, strlen(sw.bind_error));
	vfe_switches_parse(&sw, "vfio_early.bind=");
	EXPECT_NE(0, strlen(sw.bind_error));
}

TEST(hugepages)
{
	vfe_switches_parse(&sw, "vfio_early.hugepages=2M:8192");
	EXPECT_TRUE(sw.have_hugepages);
	EXPECT_EQ(2048, sw.hugepages.size_kb);
	EXPECT_EQ(8192, sw.hugepages.count);
	EXPECT_STREQ("", sw.hugepages_error);
	vfe_switches_parse(&sw, "vfio_early.hugepages=0");
	EXPECT_TRUE(sw.hugepages_off);
	vfe_switches_parse(&sw, "vfio_early.hugepages=1G");
	EXPECT_NE(0, strlen(sw.hugepages_error));
	vfe_switches_parse(&sw, "vfio_early.hugepages=3M:1");
	EXPECT_NE(0, strlen(sw.hugepages_error));
	vfe_switches_parse(&sw, "vfio_early.hugepages=1G:-1");
	EXPECT_NE(0, strlen(sw.hugepages_error));
}

TEST(cpus)
{
	vfe_switches_parse(&sw, "vfio_early.cpus=4-7,12-15");
	EXPECT_TRUE(sw.have_cpus);
	EXPECT_EQ(8, vfe_cpuset_count(&sw.cpus));
	vfe_switches_parse(&sw, "vfio_early.cpus=off");
	EXPECT_TRUE(sw.cpus_off);
	vfe_switches_parse(&sw, "vfio_early.cpus=8-");
	EXPECT_NE(0, strlen(sw.cpus_error));
	vfe_switches_parse(&sw, "vfio_early.cpus");
	EXPECT_NE(0, strlen(sw.cpus_error));
}

TEST(unknown_switch_is_counted)
{
	vfe_switches_parse(&sw, "vfio_early.bogus=1 vfio_early.of");
	EXPECT_EQ(2, sw.n_unknown);
	EXPECT_STREQ("vfio_early.of", sw.unknown);
	EXPECT_FALSE(sw.off);
}

/* The parsed list of a bind= or skip= switch in the table's canonical form. */
static void canonical(const struct vfe_switches *v, bool bind, char *out, size_t size)
{
	size_t used = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < (bind ? v->n_binds : v->n_skip); i++) {
		const struct vfe_bind_rule *r = &v->binds[i];

		if (!bind) {
			used += snprintf(out + used, size - used, "%s%s", i ? "," : "", v->skip[i]);
			continue;
		}
		used += snprintf(out + used, size - used, "%s%s/%04x:%04x", i ? "," : "", r->slot,
				 r->vendor, r->device);
		if (r->device_class >= 0)
			used += snprintf(out + used, size - used, ":%04x", r->device_class);
		if (r->allow_boot_vga)
			used += snprintf(out + used, size - used, "/allow-boot-vga");
	}
}

/*
 * Issue 10.4 / 12.8: one table of switch cases (tests/switch-cases.txt) that the kernel
 * module's tests run too; the helper must give every line's answer.
 */
TEST(switch_cases_table)
{
	static char got[65536];
	char *line = NULL, *sp, *want, *kind;
	unsigned int cases = 0;
	size_t cap = 0;
	FILE *f = fopen(getenv("VFE_SWITCH_CASES") ?: "tests/switch-cases.txt", "r");

	ASSERT_NE(NULL, f);
	while (getline(&line, &cap, f) > 0) {
		bool bind;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		sp = strpbrk(line, " \t");
		ASSERT_NE(NULL, sp) TH_LOG("no answer: %s", line);
		*sp++ = '\0';
		kind = sp + strspn(sp, " \t");
		want = strpbrk(kind, " \t");
		if (want) {
			*want++ = '\0';
			want += strspn(want, " \t");
		}
		bind = !strncmp(line, "vfio_early.bind", 15);
		vfe_switches_parse(&sw, line);
		cases++;
		if (!strcmp(kind, "malformed")) {
			EXPECT_NE(0, strlen(bind ? sw.bind_error : sw.skip_error))
			TH_LOG("accepted, the table says malformed: %.200s", line);
			EXPECT_EQ(0, bind ? sw.n_binds : sw.n_skip);
			continue;
		}
		ASSERT_STREQ("list", kind);
		EXPECT_STREQ("", bind ? sw.bind_error : sw.skip_error)
		TH_LOG("rejected, the table says a list: %.200s", line);
		canonical(&sw, bind, got, sizeof(got));
		EXPECT_STREQ(want, got) TH_LOG("for %.200s", line);
	}
	free(line);
	fclose(f);
	EXPECT_LT(60, cases);
}

TEST_HARNESS_MAIN
