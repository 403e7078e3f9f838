// SPDX-License-Identifier: GPL-2.0-or-later
#include "confedit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "config.h"
#include "util.h"

static int load_text(const char *path, char **text, size_t *len)
{
	int r = vfe_slurp(path, VFE_CONFIG_MAX_BYTES, text, len);

	if (r == -ENOENT) {
		*text = strdup("");
		*len = 0;
		return *text ? 0 : -ENOMEM;
	}
	return r;
}

static int commit(const char *root, const char *path, const char *text, size_t len, char *err,
		  size_t errsize)
{
	static struct vfe_config check;
	char perr[256];
	int r;

	/* Never write a file the helper would reject whole. */
	if (vfe_config_parse(&check, text, len, perr, sizeof(perr)) < 0) {
		snprintf(err, errsize, "the result would not parse (%s); nothing written", perr);
		return -EINVAL;
	}
	r = vfe_replace_file(root, path, text, len);
	if (r < 0)
		snprintf(err, errsize, "cannot write %s: %s", path, strerror(-r));
	return r;
}

int vfe_conf_add_lines(const char *root, const char *path, const char *const *lines, size_t n,
		       char *err, size_t errsize)
{
	char *text, *out;
	size_t len, need, used, i;
	int r;

	r = load_text(path, &text, &len);
	if (r < 0) {
		snprintf(err, errsize, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	need = len + 2;
	for (i = 0; i < n; i++)
		need += strlen(lines[i]) + 1;
	out = malloc(need);
	if (!out) {
		free(text);
		return -ENOMEM;
	}
	memcpy(out, text, len);
	used = len;
	if (used && out[used - 1] != '\n')
		out[used++] = '\n';
	for (i = 0; i < n; i++)
		used += (size_t)sprintf(out + used, "%s\n", lines[i]);
	r = commit(root, path, out, used, err, errsize);
	free(out);
	free(text);
	return r;
}

/* The normalized slot of a bind line, or "" for any other line. */
static void bind_slot_of(const char *line, size_t n, char slot[VFE_SLOT_LEN])
{
	char buf[512], *w, *save = NULL;

	slot[0] = '\0';
	if (n >= sizeof(buf))
		return;
	memcpy(buf, line, n);
	buf[n] = '\0';
	buf[strcspn(buf, "#")] = '\0';
	w = strtok_r(buf, " \t\r", &save);
	if (!w || strcmp(w, "bind"))
		return;
	w = strtok_r(NULL, " \t\r", &save);
	if (!w || vfe_slot_parse(w, slot))
		slot[0] = '\0';
}

/*
 * The one walk over the file for remove and move: the bind line of FROM[i] is dropped when
 * TO is NULL, else its slot word (as written) becomes TO[i]. -ENOENT when no line matched.
 */
static int edit_bind_lines(const char *root, const char *path, const char *const *from,
			   const char *const *to, size_t n, bool dry_run, char *err, size_t errsize)
{
	char *text, *out;
	size_t len, pos = 0, used = 0, i, hits = 0;
	int r;

	r = vfe_slurp(path, VFE_CONFIG_MAX_BYTES, &text, &len);
	if (r < 0) {
		snprintf(err, errsize, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	out = malloc(len + n * VFE_SLOT_LEN + 1);
	if (!out) {
		free(text);
		return -ENOMEM;
	}
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n_line = nl ? (size_t)(nl - line) + 1 : len - pos;
		char slot[VFE_SLOT_LEN];

		bind_slot_of(line, n_line, slot);
		for (i = 0; slot[0] && i < n && strcmp(slot, from[i]); i++)
			;
		pos += n_line;
		if (!slot[0] || i == n) {
			memcpy(out + used, line, n_line);
			used += n_line;
			continue;
		}
		hits++;
		if (to) {
			/* the slot word as written: after "bind" and blanks */
			const char *w = line + strspn(line, " \t") + 4;
			size_t before, wlen;

			w += strspn(w, " \t");
			wlen = strcspn(w, " \t\r\n#");
			before = (size_t)(w - line);
			memcpy(out + used, line, before);
			used += before;
			used += (size_t)sprintf(out + used, "%s", to[i]);
			memcpy(out + used, w + wlen, n_line - before - wlen);
			used += n_line - before - wlen;
		}
	}
	if (!hits) {
		snprintf(err, errsize, "no bind line for the given slot(s) in %s", path);
		r = -ENOENT;
	} else if (!dry_run) {
		r = commit(root, path, out, used, err, errsize);
	}
	free(out);
	free(text);
	return r;
}

int vfe_conf_remove_slots(const char *root, const char *path, const char *const *slots, size_t n,
			  char *err, size_t errsize)
{
	return edit_bind_lines(root, path, slots, NULL, n, false, err, errsize);
}

int vfe_conf_move_slots(const char *root, const char *path, const char (*from)[16],
			const char (*to)[16], size_t n, bool dry_run, char *err, size_t errsize)
{
	const char *f[VFE_MAX_BINDS], *t[VFE_MAX_BINDS];
	size_t i;

	for (i = 0; i < n && i < VFE_MAX_BINDS; i++) {
		f[i] = from[i];
		t[i] = to[i];
	}
	return edit_bind_lines(root, path, f, t, i, dry_run, err, errsize);
}
