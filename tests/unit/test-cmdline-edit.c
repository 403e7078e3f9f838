// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command-line editors of `vfio-earlyctl apply`: our tokens only, every other byte kept.
 * Golden files: tests/golden/{grub,kernel-cmdline}/NAME.in is edited to NAME.expected with
 * the tokens of NAME.want (or the seed's Intel set); editing that again changes nothing;
 * removing our tokens from it gives NAME.in back, or NAME.removed where the original held
 * tokens of ours or had to gain quotes. For GRUB, NAME.recovery is the linux line (after "ro")
 * of the entry without pass-through that grub-mkconfig makes of NAME.expected.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kernel-cmdline/grub.h"
#include "../../kernel-cmdline/kernelcmdline.h"
#include "../../kernel-cmdline/tokens.h"
#include "../../lib/boot/util.h"
#include "kselftest_harness.h"

static const struct vfe_ktokens none;

static const char *golden_dir(void)
{
	const char *d = getenv("VFE_GOLDEN");

	return d ? d : "tests/golden";
}

/* DIR/KIND/NAME.EXT, or NULL when absent. */
static char *golden(const char *kind, const char *name, const char *ext, size_t *len)
{
	char path[VFE_PATH_MAX], *text;

	snprintf(path, sizeof(path), "%s/%s/%s.%s", golden_dir(), kind, name, ext);
	if (vfe_slurp(path, 1024 * 1024, &text, len) < 0)
		return NULL;
	return text;
}

/* The seed's machine: Intel, kernel 6.1, 8192 pages of 2M, no CPU isolation. */
static void seed_tokens(struct vfe_ktokens *t)
{
	static const struct vfe_hugepages hp = {.size_kb = 2048, .node = -1, .count = 8192};
	const struct vfe_ktokens_input in = {
	    .vendor = VFE_CPU_INTEL,
	    .kernel_major = 6,
	    .kernel_minor = 1,
	    .hugepages = &hp,
	    .n_hugepages = 1,
	};

	vfe_ktokens_render(&in, t);
}

static int wanted_for(const char *kind, const char *name, struct vfe_ktokens *t)
{
	char *text, *tok, *save = NULL;
	size_t len;
	int r = 0;

	text = golden(kind, name, "want", &len);
	if (!text) {
		seed_tokens(t);
		return 0;
	}
	vfe_ktokens_init(t);
	for (tok = strtok_r(text, " \n", &save); tok && !r; tok = strtok_r(NULL, " \n", &save))
		r = vfe_ktokens_add(t, "%s", tok);
	free(text);
	return r;
}

/* Whichever editor KIND names, over a text of LEN bytes. */
static int edit(const char *kind, const char *text, size_t len, const struct vfe_ktokens *t,
		char **out, size_t *outlen, char *err, size_t errsize)
{
	if (!strcmp(kind, "grub"))
		return vfe_grub_edit(text, len, VFE_GRUB_VAR, t, out, outlen, err, errsize);
	snprintf(err, errsize, "-");
	return vfe_cmdline_edit(text, len, t, out, outlen);
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

FIXTURE(golden)
{
	struct vfe_ktokens want;
	char *in, *expected, *removed;
	size_t in_len, expected_len, removed_len;
	char err[256];
};

FIXTURE_VARIANT(golden)
{
	const char *kind, *name;
};

FIXTURE_SETUP(golden)
{
	memset(self, 0, sizeof(*self));
	ASSERT_EQ(0, wanted_for(variant->kind, variant->name, &self->want));
	self->in = golden(variant->kind, variant->name, "in", &self->in_len);
	self->expected = golden(variant->kind, variant->name, "expected", &self->expected_len);
	ASSERT_NE(NULL, self->in) TH_LOG("%s/%s.in missing", variant->kind, variant->name);
	ASSERT_NE(NULL, self->expected);
	self->removed = golden(variant->kind, variant->name, "removed", &self->removed_len);
	if (!self->removed) {
		self->removed = malloc(self->in_len + 1);
		ASSERT_NE(NULL, self->removed);
		memcpy(self->removed, self->in, self->in_len + 1);
		self->removed_len = self->in_len;
	}
}

FIXTURE_TEARDOWN(golden)
{
	free(self->in);
	free(self->expected);
	free(self->removed);
}

#define GOLDEN(kind_, id, file)                   \
	FIXTURE_VARIANT_ADD(golden, kind_##_##id) \
	{                                         \
		.kind = #kind_, .name = file      \
	}

GOLDEN(grub, debian_default, "debian-default");
GOLDEN(grub, double_quotes_empty, "empty-quotes");
GOLDEN(grub, single_quotes, "single-quotes");
GOLDEN(grub, no_quotes, "no-quotes");
GOLDEN(grub, no_value, "empty-bare");
GOLDEN(grub, var_reference, "var-reference");
GOLDEN(grub, self_reference, "self-reference");
GOLDEN(grub, repeated, "repeated");
GOLDEN(grub, commented_out, "commented-out");
GOLDEN(grub, missing, "missing");
GOLDEN(grub, missing_no_final_newline, "missing-no-final-newline");
GOLDEN(grub, crlf, "crlf");
GOLDEN(grub, crlf_missing, "crlf-missing");
GOLDEN(grub, export_indented, "export-indented");
GOLDEN(grub, double_dash, "double-dash");
GOLDEN(grub, update_in_place, "update-in-place");
GOLDEN(grub, kernel_quotes, "kernel-quotes");
GOLDEN(grub, command_environment, "command-environment");
GOLDEN(grub, inside_string, "inside-string");
GOLDEN(grub, user_video, "user-video");
GOLDEN(grub, isolation, "isolation");
GOLDEN(grub, vfio_pci_ids_crlf, "vfio-pci-ids-crlf");

#define KC(id, file)                                     \
	FIXTURE_VARIANT_ADD(golden, kernel_cmdline_##id) \
	{                                                \
		.kind = "kernel-cmdline", .name = file   \
	}
KC(plain, "plain");
KC(no_final_newline, "no-final-newline");
KC(empty, "empty");
KC(double_dash, "double-dash");
KC(existing_tokens, "existing-tokens");
KC(kernel_quotes, "kernel-quotes");
KC(multi_line, "multi-line");

TEST_F(golden, apply_is_expected_idempotent_and_reversible)
{
	char *once = NULL, *twice = NULL, *back = NULL, *again = NULL;
	size_t once_len, twice_len, back_len, again_len;

	ASSERT_EQ(0, edit(variant->kind, self->in, self->in_len, &self->want, &once, &once_len,
			  self->err, sizeof(self->err)))
	TH_LOG("%s", self->err);
	EXPECT_TRUE(same(once, once_len, self->expected, self->expected_len))
	TH_LOG("apply gave:\n%s\nwant:\n%s", once, self->expected);

	ASSERT_EQ(0, edit(variant->kind, once, once_len, &self->want, &twice, &twice_len, self->err,
			  sizeof(self->err)));
	EXPECT_TRUE(same(twice, twice_len, once, once_len)) TH_LOG("second apply:\n%s", twice);

	ASSERT_EQ(0, edit(variant->kind, once, once_len, &none, &back, &back_len, self->err,
			  sizeof(self->err)));
	EXPECT_TRUE(same(back, back_len, self->removed, self->removed_len))
	TH_LOG("remove gave:\n%s\nwant:\n%s", back, self->removed);

	ASSERT_EQ(0, edit(variant->kind, back, back_len, &none, &again, &again_len, self->err,
			  sizeof(self->err)));
	EXPECT_TRUE(same(again, again_len, back, back_len)) TH_LOG("second remove:\n%s", again);
	free(once);
	free(twice);
	free(back);
	free(again);
}

/* A stand-in for grub-mkconfig_lib: every kernel is good, the first is the newest. */
static const char mkconfig_lib[] = "grub_file_is_not_garbage() { return 0; }\n"
				   "version_find_latest() { echo \"$1\"; }\n"
				   "prepare_grub_to_access_device() { :; }\n"
				   "make_system_path_relative_to_its_root() { echo \"$1\"; }\n";

static int put(const char *dir, const char *name, const char *text, size_t len)
{
	char path[VFE_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fwrite(text, 1, len, f);
	return fclose(f) ? -errno : 0;
}

/*
 * Run the GRUB entry without pass-through as grub-mkconfig would after sourcing GRUB (an
 * /etc/default/grub): the arguments after "ro" of its linux line, malloc'd (a CR kept, the
 * line end not), or NULL when it printed none.
 */
static char *off_entry_args(const char *grub, size_t grub_len)
{
	char dir[] = "/tmp/vfe-off-entry.XXXXXX", cmd[512], line[4096], *script = NULL,
	     *args = NULL;
	size_t len;
	FILE *p;

	if (!mkdtemp(dir) || vfe_grub_off_entry(&script, &len) < 0)
		return NULL;
	if (put(dir, "42_vfio-early", script, len) == 0 &&
	    put(dir, "grub-mkconfig_lib", mkconfig_lib, strlen(mkconfig_lib)) == 0 &&
	    put(dir, "grub", grub, grub_len) == 0) {
		snprintf(cmd, sizeof(cmd),
			 "cd %s && env -i PATH=/usr/bin:/bin pkgdatadir=%s sh -c "
			 "'. ./grub >/dev/null 2>&1; export GRUB_CMDLINE_LINUX "
			 "GRUB_CMDLINE_LINUX_DEFAULT; exec sh ./42_vfio-early'",
			 dir, dir);
		p = popen(cmd, "r");
		while (p && fgets(line, sizeof(line), p))
			if (!args && !strncmp(line, "\tlinux\t", 7) && strstr(line, " ro ")) {
				args = strdup(strstr(line, " ro ") + 4);
				if (args)
					args[strcspn(args, "\n")] = '\0';
			}
		if (p)
			pclose(p);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0) {
		/* a temporary directory left behind fails nothing */
	}
	free(script);
	return args;
}

/*
 * The entry without PCI pass-through boots as if vfio-early were not installed: for every
 * GRUB form here, the file as apply left it gives NAME.recovery (the user's words, none of
 * ours, no vfio-pci ids, blanks squeezed, no CR) then vfio_early.off.
 */
TEST_F(golden, off_entry_carries_only_the_users_words)
{
	char *args, *want, *word, *save = NULL;
	size_t want_len;

	if (strcmp(variant->kind, "grub"))
		return; /* /etc/kernel/cmdline setups get no second entry */
	want = golden(variant->kind, variant->name, "recovery", &want_len);
	ASSERT_NE(NULL, want) TH_LOG("grub/%s.recovery missing", variant->name);
	want[strcspn(want, "\n")] = '\0';
	args = off_entry_args(self->expected, self->expected_len);
	ASSERT_NE(NULL, args) TH_LOG("no linux line");
	EXPECT_STREQ(want, args);
	EXPECT_EQ(NULL, strchr(args, '\r'));
	/* up to a lone "--": what follows is init's */
	for (word = strtok_r(args, " ", &save); word && strcmp(word, "--");
	     word = strtok_r(NULL, " ", &save)) {
		EXPECT_FALSE(vfe_ktoken_is_owned(word, strlen(word))) TH_LOG("%s", word);
		EXPECT_NE(0, strncmp(word, "vfio_pci.ids", 12));
		EXPECT_NE(0, strncmp(word, "vfio-pci.ids", 12));
	}
	free(args);
	free(want);
}

/*
 * Issue 14 item 3, decided: the entry without pass-through gives the host everything back, so
 * the tokens of apply's names go whoever wrote them (a user's own hugepages=, isolation and
 * irqaffinity, spelled with '-' or '_'), and every vfio_pci.ids=/vfio-pci.ids=; the user's
 * other words stay, a CRLF file gives no CR.
 */
TEST(off_entry_drops_the_users_tokens_of_our_names_too)
{
	static const char grub[] =
	    "GRUB_DEFAULT=0\r\n"
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet default-hugepagesz=1G hugepagesz=1G hugepages=16 "
	    "isolcpus=2-3 nohz-full=2-3 rcu_nocbs=2-3 irqaffinity=0-1 kvm.ignore-msrs=1 "
	    "intel_iommu=on iommu=pt video=efifb:off video=HDMI-A-1:e vfio-pci.ids=1022:149c "
	    "mitigations=off\"\r\n"
	    "GRUB_CMDLINE_LINUX=\"rd.luks=0 vfio_pci.ids=1106:3483 vfio-pci.disable_vga=1\"\r\n";
	char *args = off_entry_args(grub, sizeof(grub) - 1);

	ASSERT_NE(NULL, args);
	EXPECT_STREQ("rd.luks=0 vfio-pci.disable_vga=1 quiet video=HDMI-A-1:e mitigations=off "
		     "vfio_early.off",
		     args);
	free(args);
}

/* Every golden input is in the table above: a new file cannot be silently skipped. */
TEST(every_golden_file_is_listed)
{
	static const char *const kinds[] = {"grub", "kernel-cmdline"};
	const struct __fixture_variant_metadata *v;
	char path[VFE_PATH_MAX];
	unsigned int k;

	for (k = 0; k < VFE_ARRAY_SIZE(kinds); k++) {
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", golden_dir(), kinds[k]);
		d = opendir(path);
		ASSERT_NE(NULL, d) TH_LOG("%s: %s", path, strerror(errno));
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			bool listed = false;

			if (n < 4 || strcmp(de->d_name + n - 3, ".in"))
				continue;
			/* The harness keeps the variants of a fixture in this list. */
			for (v = _golden_fixture_object.variant; v; v = v->next) {
				const FIXTURE_VARIANT(golden) *gv = v->data;

				if (!strcmp(gv->kind, kinds[k]) &&
				    !strncmp(gv->name, de->d_name, n - 3) && !gv->name[n - 3])
					listed = true;
			}
			EXPECT_TRUE(listed)
			TH_LOG("%s/%s is not in the table", kinds[k], de->d_name);
		}
		closedir(d);
	}
}

/* ---- token level ---- */

TEST(ownership)
{
	static const struct {
		const char *tok;
		bool ours;
	} cases[] = {
	    {"intel_iommu=on", true},
	    {"intel-iommu=igfx_off", true},
	    {"iommu=pt", true},
	    {"iommu", true},
	    {"kvm.ignore_msrs=1", true},
	    {"kvm.ignore-msrs=0", true},
	    {"video=efifb:off", true},
	    {"\"video=efifb:off\"", true},
	    {"video=HDMI-A-1:1920x1080@60", false},
	    {"video=efifb:off,nobgrt", false},
	    {"video", false},
	    {"amd_iommu=on", false},
	    {"iommu.passthrough=1", false},
	    {"intel_iommu_x=on", false},
	    {"hugepages=0:8,1:8", true},
	    {"default-hugepagesz=1G", true},
	    {"isolcpus=nohz,8-15", true},
	    {"nohz_full=8-15", true},
	    {"rcu_nocbs=8-15", true},
	    {"irqaffinity=0-7", true},
	    {"rcu_nocb_poll", false},
	    {"iommu=$MODE", false},
	    {"quiet", false},
	    {"--", false},
	};
	unsigned int i;

	for (i = 0; i < VFE_ARRAY_SIZE(cases); i++) {
		const char *tok = cases[i].tok;

		EXPECT_EQ(cases[i].ours, vfe_ktoken_is_owned(tok, strlen(tok))) TH_LOG("%s", tok);
	}
}

static void tokens_of(struct vfe_ktokens *t, const char *list)
{
	char buf[1024], *tok, *save = NULL;

	vfe_ktokens_init(t);
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (vfe_ktokens_add(t, "%s", tok) < 0)
			abort();
}

FIXTURE(line){};
FIXTURE_SETUP(line)
{
}
FIXTURE_TEARDOWN(line)
{
}
FIXTURE_VARIANT(line)
{
	const char *cur, *want, *expected;
};

#define LINE(id, c, w, e)                          \
	FIXTURE_VARIANT_ADD(line, id)              \
	{                                          \
		.cur = c, .want = w, .expected = e \
	}

LINE(append_to_empty, "", "iommu=pt", "iommu=pt");
LINE(append_to_blanks, "  ", "iommu=pt", "iommu=pt  ");
LINE(append_keeps_trailing_newline, "ro quiet\n", "iommu=pt", "ro quiet iommu=pt\n");
LINE(update_keeps_spacing, "a  iommu=soft\tb", "iommu=pt", "a  iommu=pt\tb");
LINE(same_value_other_spelling_kept, "kvm.ignore-msrs=1", "kvm.ignore_msrs=1", "kvm.ignore-msrs=1");
LINE(quoted_token_updated, "a \"iommu=soft\" b", "iommu=pt", "a iommu=pt b");
LINE(duplicates_collapse, "iommu=soft a iommu=nopt b", "iommu=pt", "iommu=pt a b");
LINE(remove_first_token, "iommu=pt quiet", "", "quiet");
LINE(remove_last_token, "quiet iommu=pt", "", "quiet");
LINE(remove_middle_token, "a iommu=pt  b", "", "a  b");
LINE(remove_all, "iommu=pt intel_iommu=on", "", "");
LINE(leading_blanks_kept, "  iommu=pt a", "", "  a");
LINE(before_double_dash, "a -- b", "iommu=pt", "a iommu=pt -- b");
LINE(double_dash_first, "-- single", "iommu=pt", "iommu=pt -- single");
LINE(after_double_dash_is_init, "a -- iommu=soft", "", "a -- iommu=soft");
LINE(quoted_double_dash_still_ends, "a \"--\" iommu=soft", "iommu=pt",
     "a iommu=pt \"--\" iommu=soft");
LINE(dash_inside_value_is_not_end, "a x=-- iommu=soft", "", "a x=--");
LINE(blank_inside_quotes, "\"a iommu=soft b\" c", "iommu=pt", "\"a iommu=soft b\" c iommu=pt");
LINE(user_video_kept, "video=DP-1:d video=efifb:off", "", "video=DP-1:d");
LINE(hugepages_pairs_in_place, "x hugepagesz=1G hugepages=4 y", "hugepagesz=1G hugepages=8",
     "x hugepagesz=1G hugepages=8 y");
LINE(hugepages_group_replaced_at_first, "hugepages=4 x hugepagesz=2M",
     "default_hugepagesz=2M hugepagesz=2M hugepages=8",
     "default_hugepagesz=2M hugepagesz=2M "
     "hugepages=8 x");
LINE(hugepages_two_sizes_kept_in_order, "hugepagesz=1G hugepages=4 hugepagesz=2M hugepages=512",
     "hugepagesz=1G hugepages=4 hugepagesz=2M hugepages=512",
     "hugepagesz=1G hugepages=4 hugepagesz=2M hugepages=512");
LINE(shell_text_never_ours, "\"$X\" iommu=$Y `z`", "iommu=pt", "\"$X\" iommu=$Y `z` iommu=pt");
LINE(unclosed_kernel_quote, "a \"b iommu=soft", "", "a \"b iommu=soft");

TEST_F(line, edit)
{
	struct vfe_ktokens want;
	char *out = NULL, *again = NULL;
	size_t len, again_len;

	tokens_of(&want, variant->want);
	ASSERT_EQ(0, vfe_cmdline_edit(variant->cur, strlen(variant->cur), &want, &out, &len));
	EXPECT_STREQ(variant->expected, out);
	EXPECT_EQ(strlen(out), len);
	ASSERT_EQ(0, vfe_cmdline_edit(out, len, &want, &again, &again_len));
	EXPECT_STREQ(out, again);
	free(out);
	free(again);
}

TEST(refuses_tokens_not_ours_or_not_plain)
{
	struct vfe_ktokens t = {.n = 1};
	char *out = NULL;
	size_t len;

	EXPECT_EQ(-EINVAL, vfe_ktokens_add(&t, "quiet"));
	EXPECT_EQ(-EINVAL, vfe_ktokens_add(&t, "amd_iommu=on"));
	EXPECT_EQ(-EINVAL, vfe_ktokens_add(&t, "iommu=p t"));
	EXPECT_EQ(-EINVAL, vfe_ktokens_add(&t, "iommu=\"pt\""));
	EXPECT_EQ(-EINVAL, vfe_ktokens_add(&t, "iommu=$X"));
	EXPECT_EQ(1, t.n);
	/* Written straight into the struct, the editor checks again. */
	snprintf(t.tok[0], sizeof(t.tok[0]), "iommu='pt'");
	EXPECT_EQ(-EINVAL, vfe_cmdline_edit("a", 1, &t, &out, &len));
	snprintf(t.tok[0], sizeof(t.tok[0]), "splash");
	EXPECT_EQ(-EINVAL, vfe_cmdline_edit("a", 1, &t, &out, &len));
	EXPECT_EQ(NULL, out);
}

/* What we add after a quote left open would become part of the quoted word. */
TEST(no_token_added_inside_an_open_quote)
{
	static const char grub[] = "GRUB_CMDLINE_LINUX_DEFAULT=\"a \\\"b\"\n";
	struct vfe_ktokens t;
	char err[256], *out = NULL;
	size_t len;

	tokens_of(&t, "iommu=pt");
	EXPECT_EQ(-EBADMSG, vfe_cmdline_edit("a \"b", 4, &t, &out, &len));
	EXPECT_EQ(NULL, out);
	/* Updating in place is fine. */
	ASSERT_EQ(0, vfe_cmdline_edit("a \"iommu=soft", 13, &t, &out, &len));
	EXPECT_STREQ("a iommu=pt", out);
	free(out);
	EXPECT_EQ(-EBADMSG, vfe_grub_edit(grub, strlen(grub), VFE_GRUB_VAR, &t, &out, &len, err,
					  sizeof(err)));
	EXPECT_STREQ("line 1: GRUB_CMDLINE_LINUX_DEFAULT: a kernel double quote is never closed",
		     err);
}

TEST(grub_no_line_appended_to_an_unfinished_command)
{
	static const char text[] = "GRUB_TIMEOUT=5\necho \\";
	struct vfe_ktokens t;
	char err[256], *out = NULL;
	size_t len;

	tokens_of(&t, "iommu=pt");
	EXPECT_EQ(-EINVAL, vfe_grub_edit(text, strlen(text), VFE_GRUB_VAR, &t, &out, &len, err,
					 sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "cannot add a line")) TH_LOG("%s", err);
	EXPECT_EQ(NULL, out);
}

/* ---- rendering ---- */

static const char *render(const struct vfe_ktokens_input *in)
{
	static char buf[4096];
	struct vfe_ktokens t;
	const char *err;
	unsigned int i;

	err = vfe_ktokens_render(in, &t);
	if (err)
		return err;
	buf[0] = '\0';
	for (i = 0; i < t.n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, t.tok[i]);
	}
	return buf;
}

TEST(render_by_vendor)
{
	struct vfe_ktokens_input in = {.vendor = VFE_CPU_INTEL, .kernel_major = 6};

	EXPECT_STREQ("intel_iommu=on iommu=pt kvm.ignore_msrs=1", render(&in));
	in.vendor = VFE_CPU_AMD;
	EXPECT_STREQ("iommu=pt kvm.ignore_msrs=1", render(&in));
	in.vendor = VFE_CPU_OTHER;
	EXPECT_STREQ("iommu=pt kvm.ignore_msrs=1", render(&in));
}

TEST(render_efifb_only_for_boot_vga_before_6_0)
{
	struct vfe_ktokens_input in = {.vendor = VFE_CPU_AMD, .target_is_boot_vga = true};

	in.kernel_major = 5;
	in.kernel_minor = 19;
	EXPECT_STREQ("iommu=pt kvm.ignore_msrs=1 video=efifb:off", render(&in));
	in.kernel_major = 6;
	in.kernel_minor = 0;
	EXPECT_STREQ("iommu=pt kvm.ignore_msrs=1", render(&in));
	in.kernel_major = 5;
	in.target_is_boot_vga = false;
	EXPECT_STREQ("iommu=pt kvm.ignore_msrs=1", render(&in));
}

TEST(render_hugepages)
{
	static const struct vfe_hugepages two_sizes[] = {
	    {.size_kb = 1048576, .node = 0, .count = 8},
	    {.size_kb = 2048, .node = -1, .count = 512},
	    {.size_kb = 1048576, .node = 1, .count = 4},
	};
	static const struct vfe_hugepages seed[] = {{.size_kb = 2048, .node = -1, .count = 8192}};
	struct vfe_ktokens_input in = {.vendor = VFE_CPU_AMD, .kernel_major = 6, .kernel_minor = 1};

	in.hugepages = seed;
	in.n_hugepages = 1;
	EXPECT_STREQ("iommu=pt kvm.ignore_msrs=1 default_hugepagesz=2M hugepagesz=2M "
		     "hugepages=8192",
		     render(&in));
	in.hugepages = two_sizes;
	in.n_hugepages = 3;
	EXPECT_STREQ("iommu=pt kvm.ignore_msrs=1 default_hugepagesz=1G hugepagesz=1G "
		     "hugepages=0:8,1:4 hugepagesz=2M hugepages=512",
		     render(&in));
	/* hugepages=<node>:<count> came with Linux 5.16. */
	in.kernel_major = 5;
	in.kernel_minor = 15;
	EXPECT_STREQ("hugepages: per-node counts need Linux 5.16 or later", render(&in));
	in.kernel_minor = 16;
	EXPECT_EQ(0, strncmp("iommu=pt", render(&in), 8));
}

TEST(render_isolation)
{
	struct vfe_ktokens_input in = {.vendor = VFE_CPU_INTEL, .kernel_major = 6};

	in.vm_cpus = "8-15";
	in.host_cpus = "0-7";
	EXPECT_STREQ("intel_iommu=on iommu=pt kvm.ignore_msrs=1 isolcpus=managed_irq,domain,8-15 "
		     "nohz_full=8-15 rcu_nocbs=8-15 irqaffinity=0-7",
		     render(&in));
	in.host_cpus = NULL;
	EXPECT_STREQ("intel_iommu=on iommu=pt kvm.ignore_msrs=1 isolcpus=managed_irq,domain,8-15 "
		     "nohz_full=8-15 rcu_nocbs=8-15",
		     render(&in));
	in.vm_cpus = "8-15 16";
	EXPECT_STREQ("vm-cpus is not a CPU list", render(&in));
}

/* ---- the shell reader ---- */

static int find(const char *text, struct vfe_grub_assign *a, unsigned int max, char *err)
{
	return vfe_grub_find(text, strlen(text), VFE_GRUB_VAR, a, max, err, 256);
}

TEST(grub_find_as_sh_would)
{
	struct vfe_grub_assign a[8];
	char err[256];

	EXPECT_EQ(4, find("GRUB_CMDLINE_LINUX_DEFAULT=\"a\"\n"
			  "GRUB_CMDLINE_LINUX_DEFAULT='b'; GRUB_CMDLINE_LINUX_DEFAULT=c\n"
			  "if true; then "
			  "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT\"a'b'; fi\n",
			  a, 8, err));
	EXPECT_EQ(VFE_GRUB_DQ, a[0].style);
	EXPECT_EQ(1, a[0].line);
	EXPECT_EQ(VFE_GRUB_SQ, a[1].style);
	EXPECT_EQ(VFE_GRUB_BARE, a[2].style);
	EXPECT_EQ(2, a[2].line);
	EXPECT_EQ(VFE_GRUB_MIXED, a[3].style);
	EXPECT_TRUE(a[3].self_ref);
	EXPECT_FALSE(a[0].self_ref);

	/* Not assignments: comments, quoted text, a longer name, a command's environment. */
	EXPECT_EQ(0, find("# GRUB_CMDLINE_LINUX_DEFAULT=x\n"
			  "echo GRUB_CMDLINE_LINUX_DEFAULT=x\n"
			  "X=\"\nGRUB_CMDLINE_LINUX_DEFAULT=x\"\n"
			  "GRUB_CMDLINE_LINUX_DEFAULTS=x\n"
			  "GRUB_CMDLINE_LINUX_DEFAULT=x env\n"
			  "Y=$(GRUB_CMDLINE_LINUX_DEFAULT=x)\n",
			  a, 8, err));
	/* Continuation lines, export with several names, a redirection. */
	EXPECT_EQ(3, find("export A=1 \\\n GRUB_CMDLINE_LINUX_DEFAULT=\"x\"\n"
			  "GRUB_CMDLINE_LINUX_DEFAULT=\"a\\\"b\" >/dev/null\n"
			  "GRUB_CMDLINE_LINUX_DEFAULT=${X:-\"}\"}\n",
			  a, 8, err));
	EXPECT_EQ(2, a[0].line);
	EXPECT_EQ(VFE_GRUB_DQ, a[1].style);
	EXPECT_EQ(VFE_GRUB_BARE, a[2].style);
}

TEST(grub_unclosed_quote_is_refused)
{
	struct vfe_ktokens t;
	struct vfe_grub_assign a[2];
	char err[256], *out = NULL;
	size_t len;
	static const char text[] = "A=1\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\nB=2\n";

	seed_tokens(&t);
	EXPECT_EQ(-EINVAL, find(text, a, 2, err));
	EXPECT_STREQ("line 2: quote or substitution never closed", err);
	EXPECT_EQ(-EINVAL, vfe_grub_edit(text, strlen(text), VFE_GRUB_VAR, &t, &out, &len, err,
					 sizeof(err)));
	EXPECT_EQ(NULL, out);
}

TEST(grub_values_we_cannot_edit_safely)
{
	static const char *const texts[] = {
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"' splash'\n",
	    "GRUB_CMDLINE_LINUX_DEFAULT=quiet\\ splash\n",
	    "GRUB_CMDLINE_LINUX_DEFAULT=~/x\n",
	};
	struct vfe_ktokens t;
	char err[256], *out = NULL;
	size_t len;
	unsigned int i;

	seed_tokens(&t);
	for (i = 0; i < VFE_ARRAY_SIZE(texts); i++) {
		EXPECT_EQ(-EINVAL, vfe_grub_edit(texts[i], strlen(texts[i]), VFE_GRUB_VAR, &t, &out,
						 &len, err, sizeof(err)))
		TH_LOG("%s", texts[i]);
		EXPECT_EQ(0, strncmp(err, "line 1: GRUB_CMDLINE_LINUX_DEFAULT: ", 36))
		TH_LOG("%s", err);
	}
	/* Nothing of ours to take away: nothing to refuse either. */
	EXPECT_EQ(0, vfe_grub_edit(texts[0], strlen(texts[0]), VFE_GRUB_VAR, &none, &out, &len, err,
				   sizeof(err)));
	EXPECT_STREQ(texts[0], out);
	free(out);
}

/* Issue 11 item 11: an assignment that counts only sometimes is never edited, and named. */
TEST(grub_conditional_assignments_are_refused_by_line)
{
	static const struct {
		const char *text, *lines;
	} refused[] = {
	    {"if [ -e /sys/firmware/efi ]; then\n\tGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nelse\n"
	     "\tGRUB_CMDLINE_LINUX_DEFAULT=\"quiet nomodeset\"\nfi\n",
	     "line 2, 4: "},
	    {"GRUB_CMDLINE_LINUX_DEFAULT=quiet\n[ -e /x ] && GRUB_CMDLINE_LINUX_DEFAULT=\"$x\"\n",
	     "line 2: "},
	    {"case $(uname -m) in\n(x86_64) GRUB_CMDLINE_LINUX_DEFAULT=a ;;\nesac\n", "line 2: "},
	    {"for f in a; do GRUB_CMDLINE_LINUX_DEFAULT=$f; done\n", "line 1: "},
	    {"f() { GRUB_CMDLINE_LINUX_DEFAULT=a; }\n", "line 1: "},
	    {"( GRUB_CMDLINE_LINUX_DEFAULT=a )\n", "line 1: "},
	    {"[ -e /x ] &&\n\n  GRUB_CMDLINE_LINUX_DEFAULT=a\n", "line 3: "},
	    {"echo | GRUB_CMDLINE_LINUX_DEFAULT=a\n", "line 1: "},
	};
	static const char *const fine[] = {
	    "if [ -e /x ]; then GRUB_TIMEOUT=1; fi\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	    "true || false\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\" || exit 1\n",
	    "X=\"$(if true; then echo a; fi)\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	};
	struct vfe_ktokens t;
	char err[512], *out = NULL;
	size_t len, i;

	seed_tokens(&t);
	for (i = 0; i < VFE_ARRAY_SIZE(refused); i++) {
		out = NULL;
		EXPECT_EQ(-EINVAL, vfe_grub_edit(refused[i].text, strlen(refused[i].text),
						 VFE_GRUB_VAR, &t, &out, &len, err, sizeof(err)))
		TH_LOG("%s", refused[i].text);
		EXPECT_EQ(NULL, out);
		EXPECT_EQ(0, strncmp(err, refused[i].lines, strlen(refused[i].lines)))
		TH_LOG("%s", err);
		EXPECT_NE(NULL, strstr(err, "is set under a condition")) TH_LOG("%s", err);
	}
	for (i = 0; i < VFE_ARRAY_SIZE(fine); i++) {
		EXPECT_EQ(0, vfe_grub_edit(fine[i], strlen(fine[i]), VFE_GRUB_VAR, &t, &out, &len,
					   err, sizeof(err)))
		TH_LOG("%s: %s", fine[i], err);
		EXPECT_NE(NULL, strstr(out, "\"quiet intel_iommu=on")) TH_LOG("%s", out);
		free(out);
	}
}

/* A file that ends inside an if: a line appended there would count only sometimes. */
TEST(grub_no_line_appended_inside_a_condition)
{
	static const char text[] = "if [ -e /x ]; then\n\tGRUB_TIMEOUT=1\n";
	struct vfe_ktokens t;
	char err[512], *out = NULL;
	size_t len;

	seed_tokens(&t);
	EXPECT_EQ(-EINVAL, vfe_grub_edit(text, strlen(text), VFE_GRUB_VAR, &t, &out, &len, err,
					 sizeof(err)));
	EXPECT_EQ(NULL, out);
	EXPECT_NE(NULL, strstr(err, "cannot add a line")) TH_LOG("%s", err);
}

TEST(grub_bare_value_updated_without_quotes)
{
	static const char text[] = "GRUB_CMDLINE_LINUX_DEFAULT=iommu=soft\n";
	struct vfe_ktokens t;
	char err[256], *out = NULL;
	size_t len;

	tokens_of(&t, "iommu=pt");
	ASSERT_EQ(
	    0, vfe_grub_edit(text, strlen(text), VFE_GRUB_VAR, &t, &out, &len, err, sizeof(err)));
	EXPECT_STREQ("GRUB_CMDLINE_LINUX_DEFAULT=iommu=pt\n", out);
	free(out);
}

TEST(grub_own_line_kept_when_the_user_added_to_it)
{
	static const char text[] =
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"iommu=pt quiet\"" VFE_GRUB_MARK "\n";
	char err[256], *out = NULL;
	size_t len;

	ASSERT_EQ(0, vfe_grub_edit(text, strlen(text), VFE_GRUB_VAR, &none, &out, &len, err,
				   sizeof(err)));
	EXPECT_STREQ("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"" VFE_GRUB_MARK "\n", out);
	free(out);
}

/* ---- files ---- */

TEST(files_read_from_a_root)
{
	char dir[] = "/tmp/vfe-cmdline-edit.XXXXXX", path[VFE_PATH_MAX], err[256];
	struct vfe_text_edit e;
	struct vfe_ktokens t;

	ASSERT_NE(NULL, mkdtemp(dir));
	seed_tokens(&t);
	snprintf(path, sizeof(path), "%s%s", dir, VFE_KERNEL_CMDLINE_PATH);
	EXPECT_EQ(-ENOENT, vfe_kernel_cmdline_file_edit(path, &t, &e, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "absent"));
	EXPECT_EQ(NULL, e.old);

	snprintf(path, sizeof(path), "%s/cmdline", dir);
	ASSERT_EQ(0, vfe_write_atomic(path, "root=/dev/vda1 iommu=pt\n", 24));
	ASSERT_EQ(0, vfe_kernel_cmdline_file_edit(path, &t, &e, err, sizeof(err)));
	EXPECT_TRUE(vfe_text_edit_changed(&e));
	EXPECT_STREQ("root=/dev/vda1 iommu=pt\n", e.old);
	EXPECT_STREQ("root=/dev/vda1 iommu=pt intel_iommu=on kvm.ignore_msrs=1 "
		     "default_hugepagesz=2M hugepagesz=2M hugepages=8192\n",
		     e.new);
	vfe_text_edit_free(&e);
	unlink(path);

	snprintf(path, sizeof(path), "%s/grub", dir);
	ASSERT_EQ(0, vfe_write_atomic(path, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n", 35));
	ASSERT_EQ(0, vfe_grub_file_edit(path, &none, &e, err, sizeof(err)));
	EXPECT_FALSE(vfe_text_edit_changed(&e));
	vfe_text_edit_free(&e);
	unlink(path);
	rmdir(dir);
}

/* ---- /etc/default/grub and the .cfg files of /etc/default/grub.d, as grub-mkconfig sources them
 * ---- */

#define CLOUD_CFG                                                         \
	"# Cloud Image specific Grub settings for Generic Cloud Images\n" \
	"GRUB_TIMEOUT=0\n"                                                \
	"\n"                                                              \
	"# Set the default commandline\n"                                 \
	"GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0\"\n"
#define APPEND_CFG "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT nomodeset\"\n"
#define USER_GRUB \
	"GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\nGRUB_CMDLINE_LINUX=\"\"\n"

/* Up to four files below etc/default: NAME (relative to it) and the text; NULL ends. */
struct grub_layout {
	const char *file[4], *text[4];
	unsigned int effective, set_line; /* index into file[] and the line that sets it */
	const char *after[4];		  /* each file after apply; NULL: unchanged */
};

FIXTURE(grub_sources)
{
	char root[64];
	struct vfe_ktokens want;
};

FIXTURE_VARIANT(grub_sources)
{
	struct grub_layout l;
};

FIXTURE_VARIANT_ADD(grub_sources, no_grub_d){
    .l = {.file = {"grub"},
	  .text = {USER_GRUB},
	  .effective = 0,
	  .set_line = 2,
	  .after = {"GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT='quiet splash iommu=pt "
		    "hugepages=16'\nGRUB_CMDLINE_LINUX=\"\"\n"}},
};

/* A cloud image's settings set the value again: our tokens go there, grub is not touched. */
FIXTURE_VARIANT_ADD(grub_sources, override){
    .l = {.file = {"grub", "grub.d/50-cloudimg-settings.cfg"},
	  .text = {USER_GRUB, CLOUD_CFG},
	  .effective = 1,
	  .set_line = 5,
	  .after = {NULL, "# Cloud Image specific Grub settings for Generic Cloud Images\n"
			  "GRUB_TIMEOUT=0\n\n# Set the default commandline\n"
			  "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0 iommu=pt "
			  "hugepages=16\"\n"}},
};

/* A .cfg that builds on the value leaves /etc/default/grub the place to edit. */
FIXTURE_VARIANT_ADD(grub_sources, append){
    .l = {.file = {"grub", "grub.d/60-nomodeset.cfg"},
	  .text = {USER_GRUB, APPEND_CFG},
	  .effective = 0,
	  .set_line = 2,
	  .after = {"GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT='quiet splash iommu=pt "
		    "hugepages=16'\nGRUB_CMDLINE_LINUX=\"\"\n"}},
};

/*
 * Both, in glob order (bytewise: "10-" before "9-"), with files the glob does not take; the
 * tokens an earlier apply left in grub (overridden now) and a stale one appended go.
 */
FIXTURE_VARIANT_ADD(grub_sources, override_and_append){
    .l = {.file = {"grub", "grub.d/10-cloud.cfg", "grub.d/9-append.cfg", "grub.d/.hidden.cfg"},
	  .text = {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt hugepages=8\"\n", CLOUD_CFG,
		   "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT hugepages=4 x\"\n",
		   "GRUB_CMDLINE_LINUX_DEFAULT=\"hidden\"\n"},
	  .effective = 1,
	  .set_line = 5,
	  .after = {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
		    "# Cloud Image specific Grub settings for Generic Cloud Images\n"
		    "GRUB_TIMEOUT=0\n\n# Set the default commandline\n"
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0 iommu=pt "
		    "hugepages=16\"\n",
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT x\"\n", NULL}},
};

FIXTURE_SETUP(grub_sources)
{
	char path[VFE_PATH_MAX];
	unsigned int i;

	snprintf(self->root, sizeof(self->root), "/tmp/vfe-grub-sources.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	snprintf(path, sizeof(path), "%s/etc/default/grub.d/not-a-cfg.cfg", self->root);
	ASSERT_EQ(0, vfe_mkdir_p(path, 0755)); /* a directory: [ -e ] takes it, we skip it */
	snprintf(path, sizeof(path), "%s/etc/default/grub.d/README", self->root);
	ASSERT_EQ(0, vfe_write_atomic(path, "GRUB_CMDLINE_LINUX_DEFAULT=no\n", 30));
	for (i = 0; i < 4 && variant->l.file[i]; i++) {
		snprintf(path, sizeof(path), "%s/etc/default/%s", self->root, variant->l.file[i]);
		ASSERT_EQ(0,
			  vfe_write_atomic(path, variant->l.text[i], strlen(variant->l.text[i])));
	}
	tokens_of(&self->want, "iommu=pt hugepages=16");
}

FIXTURE_TEARDOWN(grub_sources)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->root);
	system(cmd);
}

/* Index in GS of layout file I, or -1. */
static int source_of(const struct vfe_grub_sources *gs, const char *root, const char *file)
{
	char path[VFE_PATH_MAX];
	unsigned int k;

	snprintf(path, sizeof(path), "%s/etc/default/%s", root, file);
	for (k = 0; k < gs->n; k++)
		if (!strcmp(gs->src[k].path, path))
			return (int)k;
	return -1;
}

/* Write what an edit gave, as apply would. */
static void write_edits(const struct vfe_grub_sources *gs)
{
	unsigned int k;

	for (k = 0; k < gs->n; k++)
		if (vfe_text_edit_changed(&gs->src[k].e))
			vfe_write_atomic(gs->src[k].path, gs->src[k].e.new, gs->src[k].e.new_len);
}

TEST_F(grub_sources, our_tokens_go_where_the_value_is_set)
{
	const struct grub_layout *l = &variant->l;
	struct vfe_grub_sources gs;
	char err[VFE_PATH_MAX + 320];
	unsigned int i, n = 0;
	int k;

	ASSERT_EQ(0, vfe_grub_sources_edit(self->root, &self->want, &gs, err, sizeof(err)))
	TH_LOG("%s", err);
	/* grub first, then the .cfg files in bytewise order; no dot file, README, directory */
	for (i = 0; i < 4 && l->file[i]; i++)
		n += strncmp(l->file[i], "grub.d/.", 8) != 0;
	EXPECT_EQ(n, gs.n);
	EXPECT_EQ(0, source_of(&gs, self->root, "grub"));
	EXPECT_EQ(-1, source_of(&gs, self->root, "grub.d/.hidden.cfg"));
	if (l->file[2]) {
		EXPECT_EQ(1, source_of(&gs, self->root, "grub.d/10-cloud.cfg"));
		EXPECT_EQ(2, source_of(&gs, self->root, "grub.d/9-append.cfg"));
	}
	EXPECT_EQ(source_of(&gs, self->root, l->file[l->effective]), (int)gs.effective);
	EXPECT_EQ(l->set_line, gs.src[gs.effective].set_line);
	for (i = 0; i < 4 && l->file[i]; i++) {
		k = source_of(&gs, self->root, l->file[i]);
		if (k < 0)
			continue;
		EXPECT_STREQ(l->after[i] ? l->after[i] : l->text[i], gs.src[k].e.new)
		TH_LOG("%s", l->file[i]);
	}
	write_edits(&gs);
	vfe_grub_sources_free(&gs);

	/* applying again changes nothing */
	ASSERT_EQ(0, vfe_grub_sources_edit(self->root, &self->want, &gs, err, sizeof(err)));
	for (i = 0; i < gs.n; i++)
		EXPECT_FALSE(vfe_text_edit_changed(&gs.src[i].e)) TH_LOG("%s", gs.src[i].path);
	vfe_grub_sources_free(&gs);

	/* none of ours wanted: the file that sets the value is as it was before, byte for
	 * byte; in the others ours go whatever is wanted */
	ASSERT_EQ(0, vfe_grub_sources_edit(self->root, &none, &gs, err, sizeof(err)));
	for (i = 0; i < 4 && l->file[i]; i++) {
		k = source_of(&gs, self->root, l->file[i]);
		if (k < 0)
			continue;
		EXPECT_STREQ(i == l->effective || !l->after[i] ? l->text[i] : l->after[i],
			     gs.src[k].e.new)
		TH_LOG("%s", l->file[i]);
	}
	vfe_grub_sources_free(&gs);
}

TEST(grub_sources_name_the_file_they_cannot_read)
{
	char root[] = "/tmp/vfe-grub-sources.XXXXXX", path[VFE_PATH_MAX], err[VFE_PATH_MAX + 320];
	struct vfe_grub_sources gs;
	struct vfe_ktokens t;

	ASSERT_NE(NULL, mkdtemp(root));
	seed_tokens(&t);
	EXPECT_EQ(-ENOENT, vfe_grub_sources_edit(root, &t, &gs, err, sizeof(err)));
	vfe_grub_sources_free(&gs);
	snprintf(path, sizeof(path), "%s/etc/default/grub.d", root);
	ASSERT_EQ(0, vfe_mkdir_p(path, 0755));
	snprintf(path, sizeof(path), "%s/etc/default/grub", root);
	ASSERT_EQ(0, vfe_write_atomic(path, "GRUB_TIMEOUT=5\n", 15));
	snprintf(path, sizeof(path), "%s/etc/default/grub.d/50-bad.cfg", root);
	ASSERT_EQ(0, vfe_write_atomic(path, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\n", 34));
	EXPECT_EQ(-EINVAL, vfe_grub_sources_edit(root, &t, &gs, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/etc/default/grub.d/50-bad.cfg: line 1: quote"))
	TH_LOG("%s", err);
	vfe_grub_sources_free(&gs);
	/* an override whose quoting we cannot edit safely: refused, naming file and line */
	ASSERT_EQ(0, vfe_write_atomic(path, "#\nGRUB_CMDLINE_LINUX_DEFAULT=\"a\"'b'\n", 35));
	EXPECT_EQ(-EINVAL, vfe_grub_sources_edit(root, &t, &gs, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/etc/default/grub.d/50-bad.cfg: line 2: GRUB_CMDLINE_LINUX"))
	TH_LOG("%s", err);
	vfe_grub_sources_free(&gs);
	unlink(path);
	snprintf(path, sizeof(path), "%s/etc/default/grub", root);
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf %s", root);
	system(path);
}

TEST_HARNESS_MAIN
