// SPDX-License-Identifier: GPL-2.0-or-later
#include "confedit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "boot/util.h"

static int load_text(const char *path, char **text, size_t *len, bool *existed)
{
	int r = vfe_slurp(path, VFE_CONFIG_MAX_BYTES, text, len);

	*existed = r == 0;
	if (r == -ENOENT) {
		*text = strdup("");
		*len = 0;
		return *text ? 0 : -ENOMEM;
	}
	return r;
}

/* TEXT replaces OLD at PATH, with a backup, unless someone changed the file in between. */
static int commit(const char *root, const char *path, const char *old, size_t old_len, bool existed,
		  const char *text, size_t len, const char *command, char *err, size_t errsize)
{
	static struct vfe_config check;
	struct vfe_backup b;
	char perr[256];
	int r;

	/* Never write a file the helper would reject whole. */
	if (vfe_config_parse(&check, text, len, perr, sizeof(perr)) < 0) {
		snprintf(err, errsize, "the result would not parse (%s); nothing written", perr);
		return -EINVAL;
	}
	r = vfe_backup_begin(&b, root, command);
	if (r < 0) {
		snprintf(err, errsize, "cannot make a backup: %s; nothing written", strerror(-r));
		return r;
	}
	r = vfe_backup_add(&b, path, existed ? old : NULL, old_len);
	if (r == 0)
		r = vfe_backup_write(&b, path, text, len, 0644);
	if (r == 0) {
		vfe_backup_end(&b);
		return 0;
	}
	if (r == -ESTALE)
		snprintf(err, errsize, "%s changed while it was being edited; nothing written",
			 path);
	else
		snprintf(err, errsize, "cannot write %s: %s", path, strerror(-r));
	if (!b.sealed)
		vfe_backup_discard(&b);
	else if (vfe_backup_undo(&b) < 0)
		snprintf(err + strlen(err), errsize - strlen(err), "; the backup stays at %s",
			 vfe_backup_name(&b));
	return r;
}

int vfe_conf_add_lines(const char *root, const char *path, const char *const *lines, size_t n,
		       char *err, size_t errsize)
{
	char *text, *out;
	size_t len, need, used, i;
	bool existed;
	int r;

	r = load_text(path, &text, &len, &existed);
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
	r = commit(root, path, text, len, existed, out, used, "add", err, errsize);
	free(out);
	free(text);
	return r;
}

/*
 * The normalized slot of a bind line (LINE, N bytes, any length), and where its slot word
 * starts and ends; "" for any other line.
 */
static void bind_slot_of(const char *line, size_t n, char slot[VFE_SLOT_LEN], size_t *ws,
			 size_t *we)
{
	size_t i = 0, s, e;
	char word[64];

	slot[0] = '\0';
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (n - i < 5 || memcmp(line + i, "bind", 4) || (line[i + 4] != ' ' && line[i + 4] != '\t'))
		return;
	i += 4;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	s = i;
	while (i < n && !strchr(" \t\r\n#", line[i]))
		i++;
	e = i;
	if (e == s || e - s >= sizeof(word))
		return;
	memcpy(word, line + s, e - s);
	word[e - s] = '\0';
	if (vfe_slot_parse(word, slot)) {
		slot[0] = '\0';
		return;
	}
	*ws = s;
	*we = e;
}

/*
 * The one walk over the text for remove and move: the bind line of FROM[i] is dropped when
 * TO is NULL, else its slot word (as written) becomes TO[i]. HITS[i] counts the lines of
 * FROM[i].
 */
static int edit_bind_lines(const char *text, size_t len, const char *const *from,
			   const char *const *to, size_t n, unsigned int *hits, char **out,
			   size_t *outlen)
{
	size_t pos = 0, used = 0, i, total = 0, lines = 1;
	char *o;

	/* a rewritten line grows by at most one slot */
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	o = malloc(len + (to ? lines * VFE_SLOT_LEN : 0) + 1);
	if (!o)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		hits[i] = 0;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n_line = nl ? (size_t)(nl - line) + 1 : len - pos, ws = 0, we = 0;
		char slot[VFE_SLOT_LEN];

		bind_slot_of(line, n_line, slot, &ws, &we);
		for (i = 0; slot[0] && i < n && strcmp(slot, from[i]); i++)
			;
		pos += n_line;
		if (!slot[0] || i == n) {
			memcpy(o + used, line, n_line);
			used += n_line;
			continue;
		}
		hits[i]++;
		total++;
		if (to) {
			memcpy(o + used, line, ws);
			used += ws;
			used += (size_t)sprintf(o + used, "%s", to[i]);
			memcpy(o + used, line + we, n_line - we);
			used += n_line - we;
		}
	}
	o[used] = '\0';
	if (!total) {
		free(o);
		return -ENOENT;
	}
	*out = o;
	*outlen = used;
	return 0;
}

int vfe_conf_remove_slots(const char *root, const char *path, const char *const *slots, size_t n,
			  unsigned int *hits, char *err, size_t errsize)
{
	char *text, *out = NULL;
	size_t len, outlen = 0;
	bool existed;
	int r;

	r = load_text(path, &text, &len, &existed);
	if (r < 0) {
		snprintf(err, errsize, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	r = edit_bind_lines(text, len, slots, NULL, n, hits, &out, &outlen);
	if (r == -ENOENT)
		snprintf(err, errsize, "no bind line for the given slot(s) in %s; nothing changed",
			 path);
	else if (r == 0)
		r = commit(root, path, text, len, existed, out, outlen, "remove", err, errsize);
	free(out);
	free(text);
	return r;
}

int vfe_conf_move_text(const char *old, size_t len, const char (*from)[VFE_SLOT_LEN],
		       const char (*to)[VFE_SLOT_LEN], size_t n, char **out, size_t *outlen)
{
	const char *f[VFE_MAX_BINDS], *t[VFE_MAX_BINDS];
	unsigned int hits[VFE_MAX_BINDS];
	size_t i;

	for (i = 0; i < n && i < VFE_MAX_BINDS; i++) {
		f[i] = from[i];
		t[i] = to[i];
	}
	return edit_bind_lines(old, len, f, t, i, hits, out, outlen);
}
