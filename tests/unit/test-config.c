// SPDX-License-Identifier: GPL-2.0-or-later
/* The config grammar of DESIGN.md §3: every kind of error names its line, and rejects all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/boot/config.h"
#include "kselftest_harness.h"

static struct vfe_config conf;
static char err[256];

static int parse(const char *text)
{
	return vfe_config_parse(&conf, text, strlen(text), err, sizeof(err));
}

TEST(seed_example)
{
	ASSERT_EQ(0, parse("# the seed's machine\n"
			   "bind 0b:00.0 1002:73bf    # Navi 21 VGA\n"
			   "bind 0b:00.1 1002:ab28\n"
			   "\n"
			   "\tbind 0000:0b:00.2 1002:73a6\r\n"
			   "bind 0b:00.3 1002:73a4\n"
			   "bind 0f:00.0 1106:3483 # VL805\n"
			   "hugepages 2M 8192\n"
			   "vm-cpus 8-15\n"
			   "governor performance"));
	EXPECT_EQ(5, conf.n_binds);
	EXPECT_STREQ("0000:0b:00.0", conf.binds[0].slot);
	EXPECT_EQ(0x1002, conf.binds[0].vendor);
	EXPECT_EQ(0x73bf, conf.binds[0].device);
	EXPECT_EQ(-1, conf.binds[0].device_class);
	EXPECT_EQ(2, conf.binds[0].line);
	EXPECT_STREQ("0000:0b:00.2", conf.binds[2].slot);
	EXPECT_EQ(5, conf.binds[2].line);
	EXPECT_FALSE(conf.binds[0].allow_boot_vga);
	EXPECT_EQ(1, conf.n_hugepages);
	EXPECT_EQ(2048, conf.hugepages[0].size_kb);
	EXPECT_EQ(8192, conf.hugepages[0].count);
	EXPECT_EQ(-1, conf.hugepages[0].node);
	EXPECT_TRUE(conf.has_vm_cpus);
	EXPECT_EQ(8, vfe_cpuset_count(&conf.vm_cpus));
	EXPECT_TRUE(vfe_cpuset_test(&conf.vm_cpus, 15));
	EXPECT_FALSE(vfe_cpuset_test(&conf.vm_cpus, 7));
	EXPECT_STREQ("performance", conf.governor);
}

TEST(options_class_domain_and_nodes)
{
	ASSERT_EQ(0, parse("bind 0c:00.0 1002:67df:0300 allow-boot-vga\n"
			   "bind 0001:00:1f.7 8086:a0ed\n"
			   "hugepages 1G 8@0 8@1\n"
			   "hugepages 2M 512\n"
			   "vm-cpus 4-7,12-15\n"
			   "governor keep\n"));
	EXPECT_TRUE(conf.binds[0].allow_boot_vga);
	EXPECT_EQ(0x0300, conf.binds[0].device_class);
	EXPECT_STREQ("0001:00:1f.7", conf.binds[1].slot);
	EXPECT_EQ(3, conf.n_hugepages);
	EXPECT_EQ(1048576, conf.hugepages[1].size_kb);
	EXPECT_EQ(1, conf.hugepages[1].node);
	EXPECT_STREQ("keep", conf.governor);
	EXPECT_FALSE(conf.nested);
	ASSERT_EQ(0, parse("nested yes\n"));
	EXPECT_TRUE(conf.nested);
	ASSERT_EQ(0, parse("nested no\n"));
	EXPECT_FALSE(conf.nested);
}

TEST(empty_and_comments_only)
{
	ASSERT_EQ(0, parse(""));
	ASSERT_EQ(0, parse("# nothing\n\n   \n#bind 0b:00.0 1002:73bf\n"));
	EXPECT_EQ(0, conf.n_binds);
}

FIXTURE(bad){};
FIXTURE_SETUP(bad)
{
}
FIXTURE_TEARDOWN(bad)
{
}
FIXTURE_VARIANT(bad)
{
	const char *text;
	const char *error;
};

#define BAD(name, t, e)                                          \
	FIXTURE_VARIANT_ADD(bad, name)                           \
	{                                                        \
		.text = "bind 0b:00.0 1002:73bf\n" t, .error = e \
	}

BAD(unknown_directive, "bnid 0b:00.1 1002:ab28\n", "line 2: unknown directive 'bnid'");
BAD(bind_missing_id, "bind 0b:00.1\n", "line 2: bind: expected <slot> <id> [allow-boot-vga]");
BAD(bind_extra_word, "bind 0b:00.1 1002:ab28 yes\n", "line 2: bind: unknown option 'yes'");
BAD(slot_without_function, "bind 0b:00 1002:ab28\n", "line 2: bind: slot '0b:00': ");
BAD(slot_without_bus, "bind 00.1 1002:ab28\n", "line 2: bind: slot '00.1': ");
BAD(slot_wildcard, "bind *:00.1 1002:ab28\n", "line 2: bind: slot '*:00.1': ");
BAD(slot_not_hex, "bind 0g:00.1 1002:ab28\n", "line 2: bind: slot '0g:00.1': ");
BAD(slot_function_8, "bind 0b:00.8 1002:ab28\n", "line 2: bind: slot '0b:00.8': ");
BAD(slot_device_32, "bind 0b:20.0 1002:ab28\n", "line 2: bind: slot '0b:20.0': ");
BAD(id_without_device, "bind 0b:00.1 1002\n", "line 2: bind: id '1002': ");
BAD(id_empty_device, "bind 0b:00.1 1002:\n", "line 2: bind: id '1002:': ");
BAD(id_wildcard, "bind 0b:00.1 *:ab28\n", "line 2: bind: id '*:ab28': ");
BAD(id_not_hex, "bind 0b:00.1 1002:ab2x\n", "line 2: bind: id '1002:ab2x': ");
BAD(id_too_wide, "bind 0b:00.1 10020:ab28\n", "line 2: bind: id '10020:ab28': ");
BAD(id_prog_if, "bind 0f:00.0 1106:3483:0c03:30\n", "line 2: bind: id '1106:3483:0c03:30': ");
BAD(id_empty_class, "bind 0f:00.0 1106:3483:\n", "line 2: bind: id '1106:3483:': ");
BAD(slot_domain_too_wide, "bind 100000000:e0:00.0 8086:a0ed\n",
    "line 2: bind: slot '100000000:e0:00.0': ");
BAD(slot_empty_domain, "bind :0b:00.0 1002:73bf\n", "line 2: bind: slot ':0b:00.0': ");
BAD(slot_two_functions, "bind 0b:00.0.1 1002:73bf\n", "line 2: bind: slot '0b:00.0.1': ");
BAD(hugepages_two_plain_counts, "hugepages 2M 8192 1024\n",
    "line 2: hugepages: one count without @node, or one per node");
BAD(duplicate_slot, "bind 0000:0b:00.0 1002:73bf\n",
    "line 2: bind: slot 0000:0b:00.0 is already bound on line 1");
BAD(hugepages_size, "hugepages 4M 16\n", "line 2: hugepages: '4M': hugepage size must be 2M or 1G");
BAD(hugepages_count, "hugepages 2M lots\n", "line 2: hugepages: 'lots': count must be");
BAD(hugepages_no_count, "hugepages 2M\n", "line 2: hugepages: expected");
BAD(hugepages_node, "hugepages 1G 8@x\n", "line 2: hugepages: 'x': node must be");
BAD(hugepages_mixed, "hugepages 1G 8 8@1\n", "line 2: hugepages: a count without @node");
BAD(hugepages_node_twice, "hugepages 1G 8@1 4@1\n", "line 2: hugepages: node 1 given twice");
BAD(hugepages_twice, "hugepages 2M 8\nhugepages 2M 16\n",
    "line 3: hugepages: 2M is already set by an earlier line");
BAD(vm_cpus_syntax, "vm-cpus 8-\n", "line 2: vm-cpus: '8-': expected a CPU number");
BAD(vm_cpus_reversed, "vm-cpus 15-8\n", "line 2: vm-cpus: '15-8': range end before its start");
BAD(vm_cpus_twice, "vm-cpus 8-15\nvm-cpus 4-7\n", "line 3: vm-cpus: already set on line 2");
BAD(governor_twice, "governor keep\ngovernor powersave\n",
    "line 3: governor: already set on line 2");
BAD(nested_value, "nested on\n", "line 2: nested: expected yes or no");
BAD(nested_twice, "nested yes\nnested no\n", "line 3: nested: already set on line 2");
BAD(governor_name, "governor Perf!\n", "line 2: governor: 'Perf!' is not a governor name");

TEST_F(bad, rejects_the_whole_file_naming_the_line)
{
	EXPECT_EQ(-EINVAL,
		  vfe_config_parse(&conf, variant->text, strlen(variant->text), err, sizeof(err)));
	EXPECT_EQ(0, strncmp(err, variant->error, strlen(variant->error)))
	TH_LOG("got '%s', want '%s...'", err, variant->error);
	/* The good first line is dropped too: one error rejects the whole file. */
	EXPECT_EQ(0, conf.n_binds);
	EXPECT_EQ(0, conf.n_hugepages);
	EXPECT_FALSE(conf.has_vm_cpus);
}

TEST(nul_byte_is_an_error)
{
	static const char text[] = "bind 0b:00.0 1002:73bf\nbind 0b:00.1\0 1002:ab28\n";

	EXPECT_EQ(-EINVAL, vfe_config_parse(&conf, text, sizeof(text) - 1, err, sizeof(err)));
	EXPECT_STREQ("line 2: NUL byte in line", err);
}

TEST(too_long_line)
{
	static char text[5000];

	memset(text, 'x', sizeof(text) - 1);
	EXPECT_EQ(-EINVAL, parse(text));
	EXPECT_EQ(0, strncmp(err, "line 1: line longer than", 24));
}

TEST(too_many_binds)
{
	static char text[VFE_MAX_BINDS * 40 + 100];
	size_t used = 0;
	int i;

	for (i = 0; i <= VFE_MAX_BINDS; i++)
		used += snprintf(text + used, sizeof(text) - used, "bind %02x:%02x.%d 1002:73bf\n",
				 i / 32 / 8, i / 8 % 32, i % 8);
	EXPECT_EQ(-EINVAL, parse(text));
	EXPECT_STREQ("line 257: bind: more than 256 bind lines", err);
}

/* Intel VMD puts its root ports in domains above ffff: kept whole, never cut to 16 bits. */
TEST(domain_above_ffff_is_kept_whole)
{
	char slot[VFE_SLOT_LEN];

	ASSERT_EQ(0, parse("bind 10000:e0:00.0 144d:a80a\nbind 0000:e0:00.0 144d:a80a\n"))
	TH_LOG("%s", err);
	EXPECT_STREQ("10000:e0:00.0", conf.binds[0].slot);
	EXPECT_EQ(0x10000, conf.binds[0].domain);
	EXPECT_STREQ("0000:e0:00.0", conf.binds[1].slot);
	EXPECT_EQ(NULL, vfe_slot_parse("7fffffff:ff:1f.7", slot));
	EXPECT_STREQ("7fffffff:ff:1f.7", slot);
}

/* A directory, a FIFO or a file others may write is not a config (and nothing waits on it). */
TEST(config_must_be_a_trusted_regular_file)
{
	char dir[] = "/tmp/vfe-conf-XXXXXX", path[64];
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ASSERT_EQ(0, mkfifo(path, 0600));
	EXPECT_EQ(-EINVAL, vfe_config_load(&conf, path, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a regular file (a FIFO)")) TH_LOG("%s", err);
	unlink(path);

	EXPECT_EQ(-EINVAL, vfe_config_load(&conf, dir, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a regular file (a directory)")) TH_LOG("%s", err);
	/* The path is said once. */
	EXPECT_EQ(0, strncmp(err, dir, strlen(dir)));
	EXPECT_EQ(NULL, strstr(err + 1, dir));

	snprintf(path, sizeof(path), "%s/conf", dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("bind 0b:00.0 1002:73bf\n", f);
	fclose(f);
	ASSERT_EQ(0, chmod(path, 0666));
	EXPECT_EQ(-EPERM, vfe_config_load(&conf, path, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "writable by everyone (mode 0666)")) TH_LOG("%s", err);
	EXPECT_EQ(0, conf.n_binds);
	ASSERT_EQ(0, chmod(path, 0620));
	EXPECT_EQ(-EPERM, vfe_config_load(&conf, path, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "writable by its group")) TH_LOG("%s", err);
	if (geteuid() == 0) {
		ASSERT_EQ(0, chmod(path, 0644));
		ASSERT_EQ(0, chown(path, 1000, 1000));
		EXPECT_EQ(-EPERM, vfe_config_load(&conf, path, err, sizeof(err)));
		EXPECT_NE(NULL, strstr(err, "owned by uid 1000")) TH_LOG("%s", err);
		ASSERT_EQ(0, chown(path, 0, 0));
	}
	ASSERT_EQ(0, chmod(path, 0644));
	EXPECT_EQ(0, vfe_config_load(&conf, path, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(1, conf.n_binds);
	unlink(path);
	rmdir(dir);
}

TEST(missing_file)
{
	EXPECT_EQ(-ENOENT,
		  vfe_config_load(&conf, "/nonexistent/vfio-early.conf", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "No such file"));
}

TEST(cpulist_round_trip)
{
	struct vfe_cpuset set;
	char buf[64];

	EXPECT_EQ(NULL, vfe_cpulist_parse("0-3,8-11", &set));
	vfe_cpulist_format(&set, buf, sizeof(buf));
	EXPECT_STREQ("0-3,8-11", buf);
	EXPECT_EQ(NULL, vfe_cpulist_parse("0-15:2/4", &set));
	vfe_cpulist_format(&set, buf, sizeof(buf));
	EXPECT_STREQ("0-1,4-5,8-9,12-13", buf);
	EXPECT_EQ(NULL, vfe_cpulist_parse("5", &set));
	EXPECT_EQ(1, vfe_cpuset_count(&set));
	EXPECT_NE(NULL, vfe_cpulist_parse("", &set));
	EXPECT_NE(NULL, vfe_cpulist_parse("1,,2", &set));
	EXPECT_NE(NULL, vfe_cpulist_parse("99999", &set));
	EXPECT_NE(NULL, vfe_cpulist_parse("0-7:0/4", &set));
}

TEST_HARNESS_MAIN
