// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /etc/vfio-early.conf, line based, '#' starts a comment, words separated by blanks:
 *
 *   bind <slot> <id> [allow-boot-vga]
 *   hugepages <size> <count>[@<node>] ...     size 2M or 1G
 *   vm-cpus <cpulist>
 *   governor <name>|keep
 *   nested yes|no                             nested virtualization for the guest
 *
 * Any error rejects the whole file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MAX_WORDS 64

static bool is_hex_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != ':' && *s != '.')
			return false;
	return true;
}

/* Fields of 1 to MAX_DIGITS hex digits separated by SEP; their number, or -1 when malformed. */
static int hex_fields(const char *s, char sep, int max_digits)
{
	int fields = 1, digits = 0;

	for (; *s; s++) {
		if (*s == sep) {
			if (!digits)
				return -1;
			fields++;
			digits = 0;
		} else if (!isxdigit((unsigned char)*s) || ++digits > max_digits) {
			return -1;
		}
	}
	return digits ? fields : -1;
}

/*
 * The shape libpci's parser is more lenient about: [[domain:]bus:]device.function with
 * nothing empty, a domain of up to 8 hex digits (VMD's are above ffff), bus and device of
 * up to 2 and one function digit. libpci checks the ranges.
 */
static bool slot_shaped(const char *slot)
{
	static const int widths[] = {8, 2, 2};
	const char *dot = strrchr(slot, '.'), *p;
	char head[32], *field, *save = NULL;
	int n, k = 0;
	size_t len;

	if (!dot || hex_fields(dot + 1, '\0', 1) != 1)
		return false;
	len = (size_t)(dot - slot);
	if (len >= sizeof(head))
		return false;
	memcpy(head, slot, len);
	head[len] = '\0';
	n = hex_fields(head, ':', 8);
	if (n != 2 && n != 3)
		return false;
	/* bus:device, or domain:bus:device */
	for (field = strtok_r(head, ":", &save); field; field = strtok_r(NULL, ":", &save), k++)
		for (p = field; *p; p++)
			if (p - field >= widths[k + 3 - n])
				return false;
	return true;
}

static const char *slot_filter(const char *slot, struct pci_filter *f)
{
	char buf[64];
	const char *err;

	if (strlen(slot) >= sizeof(buf))
		return "slot too long";
	/* libpci takes wildcards and partial slots; a bind line names one function. */
	if (!is_hex_word(slot) || !slot_shaped(slot))
		return "slot must be [domain:]bus:device.function in hex, no wildcards";
	strcpy(buf, slot);
	pci_filter_init(NULL, f);
	err = pci_filter_parse_slot(f, buf);
	if (err)
		return err;
	if (f->bus < 0 || f->slot < 0 || f->func < 0)
		return "slot must name bus, device and function (e.g. 0b:00.0)";
	if (f->domain < 0)
		f->domain = 0;
	return NULL;
}

const char *vfe_slot_parse(const char *slot, char out[VFE_SLOT_LEN])
{
	struct pci_filter f;
	const char *err = slot_filter(slot, &f);

	if (err)
		return err;
	snprintf(out, VFE_SLOT_LEN, "%04x:%02x:%02x.%d", f.domain, f.bus, f.slot, f.func);
	return NULL;
}

const char *vfe_bind_rule_parse(struct vfe_bind_rule *rule, const char *slot, const char *id)
{
	struct pci_filter f;
	char buf[64];
	const char *err;
	int n;

	memset(rule, 0, sizeof(*rule));
	err = slot_filter(slot, &f);
	if (err)
		return err;
	/* vendor:device or vendor:device:class; libpci would also take a prog-if and wildcards */
	n = hex_fields(id, ':', 4);
	if (strlen(id) >= sizeof(rule->id) || (n != 2 && n != 3))
		return "id must be vendor:device[:class] in hex, no wildcards";
	strcpy(buf, id);
	err = pci_filter_parse_id(&f, buf);
	if (err)
		return err;
	if (f.vendor < 0 || f.device < 0)
		return "id must name both vendor and device (e.g. 1002:73bf)";
	rule->domain = f.domain;
	rule->bus = f.bus;
	rule->dev = f.slot;
	rule->func = f.func;
	rule->vendor = f.vendor;
	rule->device = f.device;
	rule->device_class = f.device_class;
	snprintf(rule->slot, sizeof(rule->slot), "%04x:%02x:%02x.%d", f.domain, f.bus, f.slot,
		 f.func);
	strcpy(rule->id, id);
	return NULL;
}

const char *vfe_count_parse(const char *s, unsigned long *count)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return "count must be a decimal number";
	errno = 0;
	*count = strtoul(s, &end, 10);
	if (errno || *end || *count > 100000000UL)
		return "count must be a decimal number below 100000000";
	return NULL;
}

const char *vfe_hugepage_size_parse(const char *s, unsigned long *size_kb)
{
	if (!strcmp(s, "2M"))
		*size_kb = 2048;
	else if (!strcmp(s, "1G"))
		*size_kb = 1048576;
	else
		return "hugepage size must be 2M or 1G";
	return NULL;
}

void vfe_config_init(struct vfe_config *c)
{
	memset(c, 0, sizeof(*c));
}

struct parse_state {
	struct vfe_config *c;
	unsigned int line;
	unsigned int vm_cpus_line, governor_line, nested_line;
	char *err;
	size_t errsize;
};

static int fail(struct parse_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse_state *st, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(st->err, st->errsize, "line %u: %s", st->line, msg);
	return -EINVAL;
}

static int parse_bind(struct parse_state *st, char **w, int n)
{
	struct vfe_config *c = st->c;
	struct vfe_bind_rule rule;
	const char *err;
	unsigned int i;

	if (n < 3 || n > 4)
		return fail(st, "bind: expected <slot> <id> [allow-boot-vga]");
	if (n == 4 && strcmp(w[3], "allow-boot-vga"))
		return fail(st, "bind: unknown option '%s' (only allow-boot-vga)", w[3]);
	err = vfe_slot_parse(w[1], rule.slot);
	if (err)
		return fail(st, "bind: slot '%.40s': %s", w[1], err);
	err = vfe_bind_rule_parse(&rule, w[1], w[2]);
	if (err)
		return fail(st, "bind: id '%.40s': %s", w[2], err);
	rule.allow_boot_vga = n == 4;
	rule.line = st->line;
	for (i = 0; i < c->n_binds; i++)
		if (!strcmp(c->binds[i].slot, rule.slot))
			return fail(st, "bind: slot %s is already bound on line %u", rule.slot,
				    c->binds[i].line);
	if (c->n_binds == VFE_MAX_BINDS)
		return fail(st, "bind: more than %d bind lines", VFE_MAX_BINDS);
	c->binds[c->n_binds++] = rule;
	return 0;
}

static int parse_hugepages(struct parse_state *st, char **w, int n)
{
	struct vfe_config *c = st->c;
	unsigned long size_kb;
	unsigned int i, first = c->n_hugepages;
	const char *err;
	int k;

	if (n < 3)
		return fail(st, "hugepages: expected <size> <count>[@<node>] ...");
	err = vfe_hugepage_size_parse(w[1], &size_kb);
	if (err)
		return fail(st, "hugepages: '%s': %s", w[1], err);
	for (i = 0; i < first; i++)
		if (c->hugepages[i].size_kb == size_kb)
			return fail(st, "hugepages: %s is already set by an earlier line", w[1]);
	for (k = 2; k < n; k++) {
		struct vfe_hugepages hp = {.size_kb = size_kb, .node = -1};
		char *at = strchr(w[k], '@');

		if (at) {
			unsigned long node;

			*at = '\0';
			err = vfe_count_parse(at + 1, &node);
			if (err || node > 1023)
				return fail(st,
					    "hugepages: '%s': node must be a number from 0 to 1023",
					    at + 1);
			hp.node = (int)node;
		}
		err = vfe_count_parse(w[k], &hp.count);
		if (err)
			return fail(st, "hugepages: '%s': %s", w[k], err);
		for (i = first; i < c->n_hugepages; i++) {
			if ((c->hugepages[i].node < 0) != (hp.node < 0))
				return fail(st,
					    "hugepages: a count without @node cannot be mixed with "
					    "per-node counts");
			if (hp.node < 0)
				return fail(st,
					    "hugepages: one count without @node, or one per "
					    "node (%s 8192, or %s 4096@0 4096@1)",
					    w[1], w[1]);
			if (c->hugepages[i].node == hp.node)
				return fail(st, "hugepages: node %d given twice", hp.node);
		}
		if (c->n_hugepages == VFE_MAX_HUGEPAGES)
			return fail(st, "hugepages: too many entries");
		c->hugepages[c->n_hugepages++] = hp;
	}
	return 0;
}

static int parse_vm_cpus(struct parse_state *st, char **w, int n)
{
	const char *err;

	if (n != 2)
		return fail(st, "vm-cpus: expected one <cpulist>, e.g. 8-15");
	if (st->vm_cpus_line)
		return fail(st, "vm-cpus: already set on line %u", st->vm_cpus_line);
	err = vfe_cpulist_parse(w[1], &st->c->vm_cpus);
	if (err)
		return fail(st, "vm-cpus: '%s': %s", w[1], err);
	st->c->has_vm_cpus = true;
	st->vm_cpus_line = st->line;
	return 0;
}

static int parse_governor(struct parse_state *st, char **w, int n)
{
	const char *p;

	if (n != 2)
		return fail(st, "governor: expected one <name> or keep");
	if (st->governor_line)
		return fail(st, "governor: already set on line %u", st->governor_line);
	if (strlen(w[1]) >= sizeof(st->c->governor))
		return fail(st, "governor: name too long");
	for (p = w[1]; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return fail(st, "governor: '%s' is not a governor name", w[1]);
	strcpy(st->c->governor, w[1]);
	st->governor_line = st->line;
	return 0;
}

static int parse_nested(struct parse_state *st, char **w, int n)
{
	if (n != 2 || (strcmp(w[1], "yes") && strcmp(w[1], "no")))
		return fail(st, "nested: expected yes or no");
	if (st->nested_line)
		return fail(st, "nested: already set on line %u", st->nested_line);
	st->c->nested = !strcmp(w[1], "yes");
	st->nested_line = st->line;
	return 0;
}

static int parse_line(struct parse_state *st, char *s)
{
	char *w[MAX_WORDS];
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			break;
		if (n == MAX_WORDS)
			return fail(st, "too many words");
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#')
			s++;
		if (*s == '#') {
			*s = '\0';
			break;
		}
		if (*s)
			*s++ = '\0';
	}
	if (!n)
		return 0;
	if (!strcmp(w[0], "bind"))
		return parse_bind(st, w, n);
	if (!strcmp(w[0], "hugepages"))
		return parse_hugepages(st, w, n);
	if (!strcmp(w[0], "vm-cpus"))
		return parse_vm_cpus(st, w, n);
	if (!strcmp(w[0], "governor"))
		return parse_governor(st, w, n);
	if (!strcmp(w[0], "nested"))
		return parse_nested(st, w, n);
	return fail(st, "unknown directive '%.40s'", w[0]);
}

int vfe_config_parse(struct vfe_config *c, const char *text, size_t len, char *err, size_t errsize)
{
	struct parse_state st = {.c = c, .err = err, .errsize = errsize};
	size_t pos = 0;
	char line[4096];
	int r = 0;

	vfe_config_init(c);
	err[0] = '\0';
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		st.line++;
		if (n >= sizeof(line)) {
			r = fail(&st, "line longer than %zu bytes", sizeof(line) - 1);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (strlen(line) != n) {
			r = fail(&st, "NUL byte in line");
			break;
		}
		r = parse_line(&st, line);
		if (r)
			break;
		pos += n + 1;
	}
	if (r)
		vfe_config_init(c);
	return r;
}

const char *vfe_config_untrusted(const struct stat *st, char *buf, size_t size)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(buf, size, "not a regular file (%s)",
			 S_ISDIR(st->st_mode)	 ? "a directory"
			 : S_ISFIFO(st->st_mode) ? "a FIFO"
			 : S_ISSOCK(st->st_mode) ? "a socket"
						 : "a device");
		return buf;
	}
	/* Whoever may write it chooses which devices leave the host at the next boot. */
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(buf, size,
			 "owned by uid %u, not root: only root may decide what leaves the host",
			 (unsigned int)st->st_uid);
		return buf;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(buf, size, "writable by %s (mode %04o): chmod go-w it",
			 st->st_mode & S_IWOTH ? "everyone" : "its group",
			 (unsigned int)(st->st_mode & 07777));
		return buf;
	}
	return NULL;
}

int vfe_config_load(struct vfe_config *c, const char *path, char *err, size_t errsize)
{
	char why[320];
	struct stat st;
	char *text;
	size_t len;
	int fd, r;

	vfe_config_init(c);
	/* O_NONBLOCK: a FIFO in its place must not hold the boot until someone writes to it. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errsize, "%s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	if (vfe_config_untrusted(&st, why, sizeof(why))) {
		snprintf(err, errsize, "%s: %s", path, why);
		close(fd);
		return S_ISREG(st.st_mode) ? -EPERM : -EINVAL;
	}
	r = vfe_slurp_fd(fd, VFE_CONFIG_MAX_BYTES, &text, &len);
	close(fd);
	if (r < 0) {
		snprintf(err, errsize, "%s: %s", path,
			 r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return r;
	}
	r = vfe_config_parse(c, text, len, why, sizeof(why));
	free(text);
	if (r < 0)
		snprintf(err, errsize, "%s: %s", path, why);
	return r;
}

bool vfe_config_binds_slot(const struct vfe_config *c, const char *slot)
{
	unsigned int i;

	for (i = 0; i < c->n_binds; i++)
		if (!strcmp(c->binds[i].slot, slot))
			return true;
	return false;
}
