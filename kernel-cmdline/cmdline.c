// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/cmdline with the kernel's own rules, and the vfio_early.* switches:
 *   vfio_early.off[=bool]  vfio_early.dry_run[=bool]  vfio_early.debug[=bool]
 *   vfio_early.skip=<slot>[,<slot>...]
 *   vfio_early.bind=<slot>/<id>[/allow-boot-vga][,...]
 *   vfio_early.hugepages=<size>:<count> | 0
 *   vfio_early.cpus=<cpulist> | off
 * A malformed switch makes the helper do less, never more.
 */
#include "cmdline.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "vfio_early."

static bool is_blank(char c)
{
	return isspace((unsigned char)c);
}

static char *skip_blanks(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

char *vfe_cmdline_next(char *args, char **param, char **val)
{
	bool in_quote = false, quoted = false;
	size_t i, equals = 0;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (is_blank(args[i]) && !in_quote)
			break;
		if (!equals && args[i] == '=')
			equals = i; /* like the kernel, a leading '=' does not start a value */
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	*val = NULL;
	if (equals) {
		args[equals] = '\0';
		*val = args + equals + 1;
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i])
		args[i++] = '\0';
	return skip_blanks(args + i);
}

bool vfe_param_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

/* kstrtobool: y/Y/1/on true, n/N/0/off false; no value means true. */
static int parse_bool(const char *val, bool *out)
{
	if (!val) {
		*out = true;
		return 0;
	}
	switch (val[0]) {
	case 'y':
	case 'Y':
	case '1':
		*out = true;
		return 0;
	case 'n':
	case 'N':
	case '0':
		*out = false;
		return 0;
	case 'o':
	case 'O':
		if (val[1] == 'n' || val[1] == 'N') {
			*out = true;
			return 0;
		}
		if (val[1] == 'f' || val[1] == 'F') {
			*out = false;
			return 0;
		}
		break;
	}
	return -1;
}

static void set_bool(struct vfe_switches *sw, const char *name, const char *val, bool *flag)
{
	if (parse_bool(val, flag) < 0) {
		/* Unknown value: take the cautious reading (off, dry run, debug: all do less). */
		*flag = true;
		snprintf(sw->notes, sizeof(sw->notes), "%s%s=%.40s: not a boolean, taken as on",
			 PREFIX, name, val);
	}
}

/*
 * The next entry of a comma-separated list, cut off in place; NULL at the end. Unlike
 * strtok_r, an empty entry (a,,b or a trailing comma) is returned as "" so that the
 * caller rejects it: the module reads these lists the same way.
 */
static char *next_entry(char **rest)
{
	char *entry = *rest, *comma;

	if (!entry)
		return NULL;
	comma = strchr(entry, ',');
	if (comma) {
		*comma = '\0';
		*rest = comma + 1;
	} else {
		*rest = NULL;
	}
	return entry;
}

static void parse_skip(struct vfe_switches *sw, char *val)
{
	char *tok, *rest = val;
	const char *err = NULL;

	sw->n_skip = 0;
	sw->skip_error[0] = '\0';
	if (!val || !*val) {
		snprintf(sw->skip_error, sizeof(sw->skip_error), "expects <slot>[,<slot>...]");
		return;
	}
	while ((tok = next_entry(&rest))) {
		if (!*tok)
			err = "an empty entry";
		else if (sw->n_skip == VFE_MAX_BINDS)
			err = "too many slots";
		else
			err = vfe_slot_parse(tok, sw->skip[sw->n_skip++]);
		if (err) {
			snprintf(sw->skip_error, sizeof(sw->skip_error), "'%.40s': %s", tok, err);
			sw->n_skip = 0;
			return;
		}
	}
}

static void parse_bind(struct vfe_switches *sw, char *val)
{
	char *tok, *rest = val;
	unsigned int i;

	sw->have_bind = true;
	sw->n_binds = 0;
	sw->bind_error[0] = '\0';
	if (!val || !*val) {
		snprintf(sw->bind_error, sizeof(sw->bind_error), "expects <slot>/<id>[,...]");
		return;
	}
	while ((tok = next_entry(&rest))) {
		char *slash = strchr(tok, '/');
		struct vfe_bind_rule *rule = &sw->binds[sw->n_binds];
		const char *err = NULL;

		if (!*tok)
			err = "an empty entry";
		else if (!slash)
			err = "expects <slot>/<id>";
		else if (sw->n_binds == VFE_MAX_BINDS)
			err = "too many entries";
		if (!err) {
			char *opt = strchr(slash + 1, '/');

			*slash = '\0';
			/* <slot>/<id>/allow-boot-vga, as the kernel module takes it too */
			if (opt)
				*opt++ = '\0';
			if (opt && strcmp(opt, "allow-boot-vga"))
				err = "the only option is /allow-boot-vga";
			else
				err = vfe_bind_rule_parse(rule, tok, slash + 1);
			if (!err)
				rule->allow_boot_vga = opt != NULL;
			if (!err)
				for (i = 0; i < sw->n_binds; i++)
					if (!strcmp(sw->binds[i].slot, rule->slot))
						err = "slot given twice";
		}
		if (err) {
			snprintf(sw->bind_error, sizeof(sw->bind_error), "'%.40s': %s", tok, err);
			sw->n_binds = 0;
			return;
		}
		sw->n_binds++;
	}
}

static void parse_hugepages(struct vfe_switches *sw, const char *val)
{
	const char *err = NULL;
	char size[16];
	const char *colon;

	sw->have_hugepages = true;
	sw->hugepages_off = false;
	sw->hugepages_error[0] = '\0';
	memset(&sw->hugepages, 0, sizeof(sw->hugepages));
	sw->hugepages.node = -1;
	if (val && !strcmp(val, "0")) {
		sw->hugepages_off = true;
		return;
	}
	colon = val ? strchr(val, ':') : NULL;
	if (!colon || (size_t)(colon - val) >= sizeof(size)) {
		err = "expects <size>:<count> or 0";
	} else {
		memcpy(size, val, colon - val);
		size[colon - val] = '\0';
		err = vfe_hugepage_size_parse(size, &sw->hugepages.size_kb);
		if (!err)
			err = vfe_count_parse(colon + 1, &sw->hugepages.count);
	}
	if (err)
		snprintf(sw->hugepages_error, sizeof(sw->hugepages_error), "'%.40s': %s",
			 val ? val : "", err);
}

static void parse_cpus(struct vfe_switches *sw, const char *val)
{
	const char *err;

	sw->have_cpus = true;
	sw->cpus_off = false;
	sw->cpus_error[0] = '\0';
	if (val && !strcmp(val, "off")) {
		sw->cpus_off = true;
		return;
	}
	err = val ? vfe_cpulist_parse(val, &sw->cpus) : "expects <cpulist> or off";
	if (err)
		snprintf(sw->cpus_error, sizeof(sw->cpus_error), "'%.40s': %s", val ? val : "",
			 err);
}

static void apply_switch(struct vfe_switches *sw, const char *name, char *val)
{
	if (vfe_param_eq(name, "off"))
		set_bool(sw, name, val, &sw->off);
	else if (vfe_param_eq(name, "dry_run"))
		set_bool(sw, name, val, &sw->dry_run);
	else if (vfe_param_eq(name, "debug"))
		set_bool(sw, name, val, &sw->debug);
	else if (vfe_param_eq(name, "skip"))
		parse_skip(sw, val);
	else if (vfe_param_eq(name, "bind"))
		parse_bind(sw, val);
	else if (vfe_param_eq(name, "hugepages"))
		parse_hugepages(sw, val);
	else if (vfe_param_eq(name, "cpus"))
		parse_cpus(sw, val);
	else {
		sw->n_unknown++;
		snprintf(sw->unknown, sizeof(sw->unknown), "%s%.40s", PREFIX, name);
	}
}

void vfe_switches_parse(struct vfe_switches *sw, const char *cmdline)
{
	char *buf, *args, *param, *val;
	size_t plen = strlen(PREFIX);

	memset(sw, 0, sizeof(*sw));
	buf = strdup(cmdline);
	if (!buf) {
		/* Cannot read the switches: doing nothing is the safe reading. */
		sw->off = true;
		snprintf(sw->notes, sizeof(sw->notes), "out of memory reading the command line");
		return;
	}
	args = skip_blanks(buf);
	while (*args) {
		args = vfe_cmdline_next(args, &param, &val);
		if (!val && !strcmp(param, "--"))
			break;
		if (strlen(param) > plen) {
			char head[sizeof(PREFIX)];

			memcpy(head, param, plen);
			head[plen] = '\0';
			if (vfe_param_eq(head, PREFIX))
				apply_switch(sw, param + plen, val);
		}
	}
	free(buf);
}
