// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /etc/default/grub is a shell file that grub-mkconfig sources. We read it the way sh would,
 * without running one: a command is words up to an unquoted newline, ';', '&', '|', '(' or
 * ')'; '#' at the start of a word comments out the rest of the line; a word is built of bare
 * characters, '...' (nothing special inside), "..." (backslash, $(...), ${...} and `...`
 * inside), $(...), ${...} and `...`; backslash-newline joins lines. NAME=word words at the
 * start of a command (or after export/readonly) assign, unless a command word follows, in
 * which case they only set that command's environment. CR before LF counts as the line end.
 * Here-documents are not understood.
 */
#include "grub.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/boot/util.h"

#define MAX_DEPTH 64

struct lexer {
	const char *s;
	size_t len;
	int depth;
	size_t bad_at; /* where an unclosed quote starts, or SIZE_MAX */
};

static size_t scan_dq(struct lexer *lx, size_t i);
static size_t scan_paren(struct lexer *lx, size_t i);
static size_t scan_brace(struct lexer *lx, size_t i);

static size_t unclosed(struct lexer *lx, size_t start)
{
	if (lx->bad_at == SIZE_MAX)
		lx->bad_at = start;
	return lx->len;
}

/* I is just past the opening quote; returns just past the closing one. */
static size_t scan_sq(struct lexer *lx, size_t i)
{
	size_t start = i - 1;

	while (i < lx->len && lx->s[i] != '\'')
		i++;
	return i < lx->len ? i + 1 : unclosed(lx, start);
}

static size_t scan_bq(struct lexer *lx, size_t i)
{
	size_t start = i - 1;

	while (i < lx->len && lx->s[i] != '`')
		i += lx->s[i] == '\\' ? 2 : 1;
	return i < lx->len ? i + 1 : unclosed(lx, start);
}

/*
 * "..." and ${...}: I is past the opening; the body runs to CLOSE. Both take `...`, $(...) and
 * ${...}; a " inside ${...} opens a nested string (inside "..." it is the close).
 */
static size_t scan_to(struct lexer *lx, size_t i, char close, size_t start)
{
	if (++lx->depth > MAX_DEPTH)
		return unclosed(lx, start);
	while (i < lx->len) {
		char c = lx->s[i];

		if (c == close) {
			lx->depth--;
			return i + 1;
		}
		if (c == '\\')
			i += 2;
		else if (c == '"')
			i = scan_dq(lx, i + 1);
		else if (c == '`')
			i = scan_bq(lx, i + 1);
		else if (c == '$' && i + 1 < lx->len && lx->s[i + 1] == '(')
			i = scan_paren(lx, i + 2);
		else if (c == '$' && i + 1 < lx->len && lx->s[i + 1] == '{')
			i = scan_brace(lx, i + 2);
		else
			i++;
	}
	return unclosed(lx, start);
}

static size_t scan_brace(struct lexer *lx, size_t i)
{
	return scan_to(lx, i, '}', i - 2);
}

/* $(...) and $((...)): I is past the parenthesis. */
static size_t scan_paren(struct lexer *lx, size_t i)
{
	size_t start = i - 2;
	int open = 1;

	if (++lx->depth > MAX_DEPTH)
		return unclosed(lx, start);
	while (i < lx->len) {
		char c = lx->s[i];

		if (c == ')' && --open == 0) {
			lx->depth--;
			return i + 1;
		}
		if (c == '(')
			open++;
		if (c == '\\')
			i += 2;
		else if (c == '\'')
			i = scan_sq(lx, i + 1);
		else if (c == '"')
			i = scan_dq(lx, i + 1);
		else if (c == '`')
			i = scan_bq(lx, i + 1);
		else
			i++;
	}
	return unclosed(lx, start);
}

static size_t scan_dq(struct lexer *lx, size_t i)
{
	return scan_to(lx, i, '"', i - 1);
}

static bool ends_word(const struct lexer *lx, size_t i)
{
	char c = lx->s[i];

	if (c == '\r')
		return i + 1 < lx->len && lx->s[i + 1] == '\n';
	return strchr(" \t\n;&|()<>", c) && c;
}

/* A word from I; *QUOTED when it holds a top-level '...' or "..." part. */
static size_t scan_word(struct lexer *lx, size_t i, bool *quoted)
{
	*quoted = false;
	while (i < lx->len && !ends_word(lx, i)) {
		char c = lx->s[i];

		if (c == '\\') {
			i += 2;
		} else if (c == '\'') {
			*quoted = true;
			i = scan_sq(lx, i + 1);
		} else if (c == '"') {
			*quoted = true;
			i = scan_dq(lx, i + 1);
		} else if (c == '`') {
			i = scan_bq(lx, i + 1);
		} else if (c == '$' && i + 1 < lx->len && lx->s[i + 1] == '(') {
			i = scan_paren(lx, i + 2);
		} else if (c == '$' && i + 1 < lx->len && lx->s[i + 1] == '{') {
			i = scan_brace(lx, i + 2);
		} else {
			i++;
		}
	}
	return i < lx->len ? i : lx->len;
}

static bool is_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/* Length of NAME in a NAME=... word, or 0. */
static size_t assignment_name(const char *w, size_t len)
{
	size_t i = 0;

	while (i < len && is_name_char(w[i], i == 0))
		i++;
	return i && i < len && w[i] == '=' ? i : 0;
}

static bool word_is(const char *w, size_t len, const char *what)
{
	return len == strlen(what) && !memcmp(w, what, len);
}

/* After these, a new command starts. */
static bool reserved_word(const char *w, size_t len)
{
	static const char *const words[] = {"if",     "then",  "else",	"elif", "fi",	"do",
					    "done",   "while", "until", "for",	"case", "esac",
					    "select", "{",     "}",	"!"};
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(words); i++)
		if (word_is(w, len, words[i]))
			return true;
	return false;
}

/* $VAR or ${VAR...} in VALUE (outside single quotes). */
static bool mentions(const char *v, size_t len, const char *var, enum vfe_grub_style style)
{
	size_t vl = strlen(var), i;

	if (style == VFE_GRUB_SQ)
		return false;
	for (i = 0; i + 1 < len; i++) {
		size_t at;

		if (v[i] != '$')
			continue;
		at = i + 1 + (v[i + 1] == '{');
		if (at + vl <= len && !memcmp(v + at, var, vl) &&
		    (at + vl == len || !is_name_char(v[at + vl], false)))
			return true;
	}
	return false;
}

static enum vfe_grub_style classify(struct lexer *lx, size_t vs, size_t ve, bool quoted)
{
	struct lexer sub = {.s = lx->s, .len = ve, .bad_at = SIZE_MAX};

	if (vs == ve)
		return VFE_GRUB_EMPTY;
	if (!quoted)
		return VFE_GRUB_BARE;
	if (lx->s[vs] == '"' && scan_dq(&sub, vs + 1) == ve && sub.bad_at == SIZE_MAX)
		return VFE_GRUB_DQ;
	if (lx->s[vs] == '\'' && scan_sq(&sub, vs + 1) == ve && sub.bad_at == SIZE_MAX)
		return VFE_GRUB_SQ;
	return VFE_GRUB_MIXED;
}

static unsigned int line_of(const char *s, size_t at)
{
	unsigned int line = 1;
	size_t i;

	for (i = 0; i < at; i++)
		line += s[i] == '\n';
	return line;
}

struct found {
	struct vfe_grub_assign *a;
	unsigned int n, cap;
	unsigned int pending; /* first assignment of the current command */
	int err;
};

static void record(struct found *f, const struct vfe_grub_assign *a)
{
	if (f->n == f->cap) {
		unsigned int cap = f->cap ? f->cap * 2 : 8;
		struct vfe_grub_assign *na = realloc(f->a, cap * sizeof(*na));

		if (!na) {
			f->err = -ENOMEM;
			return;
		}
		f->a = na;
		f->cap = cap;
	}
	f->a[f->n++] = *a;
}

/* Words that open and close a compound command: what is inside runs only sometimes. */
static int nesting(const char *w, size_t len)
{
	static const char *const open[] = {"if", "while", "until", "for", "case", "select", "{"};
	static const char *const close[] = {"fi", "done", "esac", "}"};
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(open); i++)
		if (word_is(w, len, open[i]))
			return 1;
	for (i = 0; i < VFE_ARRAY_SIZE(close); i++)
		if (word_is(w, len, close[i]))
			return -1;
	return 0;
}

static int find_all(const char *s, size_t len, const char *var, struct found *f, char *err,
		    size_t errsize)
{
	struct lexer lx = {.s = s, .len = len, .bad_at = SIZE_MAX};
	bool cmd_start = true, exporting = false, redirect = false, chained = false,
	     op_open = false;
	int depth = 0, in_case = 0;
	size_t i = 0;

	memset(f, 0, sizeof(*f));
	while (i < len && !f->err) {
		char c = s[i];
		size_t we, nl;
		bool quoted;

		if (c == ' ' || c == '\t' || (c == '\r' && ends_word(&lx, i))) {
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < len && s[i + 1] == '\n') {
			i += 2;
			continue;
		}
		if (c == '<' || c == '>') {
			redirect = true; /* the next word names a file, not a command */
			while (i < len && (s[i] == '<' || s[i] == '>' || s[i] == '&'))
				i++;
			continue;
		}
		if (strchr("\n;&|()", c)) {
			f->pending = f->n; /* the command ended without a command word */
			cmd_start = true;
			exporting = false;
			/* what follows && or || runs only sometimes; ; & and a line end it */
			if ((c == '&' || c == '|') && i + 1 < len && s[i + 1] == c) {
				chained = op_open = true;
				i++;
			} else if (c == '|') {
				chained = op_open =
				    true; /* a pipeline's commands run in subshells */
			} else if ((c == '\n' && !op_open) || c == ';' || c == '&') {
				chained =
				    false; /* a line end right after && goes on with the list */
			}
			/* a subshell's or a function's body; in a case, ')' ends a pattern */
			if (c == '(' && !in_case)
				depth++;
			else if (c == ')' && !in_case && depth > 0)
				depth--;
			i++;
			continue;
		}
		if (c == '#') {
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		we = scan_word(&lx, i, &quoted);
		op_open = false;
		if (redirect) {
			redirect = false;
		} else if ((cmd_start || exporting) && (nl = assignment_name(s + i, we - i))) {
			if (nl == strlen(var) && !memcmp(s + i, var, nl)) {
				struct vfe_grub_assign a = {
				    .name_start = i,
				    .value_start = i + nl + 1,
				    .value_end = we,
				    .line = line_of(s, i),
				};

				a.conditional = depth > 0 || chained;
				a.style = classify(&lx, a.value_start, we, quoted);
				a.self_ref =
				    mentions(s + a.value_start, we - a.value_start, var, a.style);
				record(f, &a);
			}
		} else if (cmd_start && (word_is(s + i, we - i, "export") ||
					 word_is(s + i, we - i, "readonly"))) {
			exporting = true;
			cmd_start = false;
		} else if (cmd_start && reserved_word(s + i, we - i)) {
			int d = nesting(s + i, we - i);

			depth += d;
			if (depth < 0)
				depth = 0;
			in_case += word_is(s + i, we - i, "case");
			in_case -= in_case > 0 && word_is(s + i, we - i, "esac");
			f->pending = f->n;
		} else {
			if (!exporting)
				f->n = f->pending; /* VAR=x cmd: only cmd's environment */
			cmd_start = false;
		}
		i = we;
	}
	if (f->err)
		return f->err;
	if (lx.bad_at != SIZE_MAX) {
		snprintf(err, errsize, "line %u: quote or substitution never closed",
			 line_of(s, lx.bad_at));
		return -EINVAL;
	}
	return 0;
}

int vfe_grub_find(const char *text, size_t len, const char *var, struct vfe_grub_assign *a,
		  unsigned int max, char *err, size_t errsize)
{
	struct found f;
	unsigned int i;
	int r;

	r = find_all(text, len, var, &f, err, errsize);
	if (r == 0) {
		for (i = 0; i < f.n && i < max; i++)
			a[i] = f.a[i];
		r = (int)f.n;
	}
	free(f.a);
	return r;
}

/* "\r\n" when the first line of TEXT[0, LEN) ends so, else "\n". */
static const char *newline_of(const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);

	return nl && nl > text && nl[-1] == '\r' ? "\r\n" : "\n";
}

static int join_tokens(const struct vfe_ktokens *t, struct vfe_sbuf *b)
{
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		if (i)
			vfe_sbuf_add(b, " ", 1);
		vfe_sbuf_adds(b, t->tok[i]);
	}
	return b->err;
}

/* VAR is never assigned: a line of our own at the end, in the file's line-ending style. */
static int append_line(const char *text, size_t len, const char *var,
		       const struct vfe_ktokens *wanted, char **out, size_t *outlen)
{
	struct vfe_sbuf b = {0};
	const char *nl = newline_of(text, len);
	bool ends = len && text[len - 1] == '\n';

	vfe_sbuf_add(&b, text, len);
	if (wanted->n) {
		if (len && !ends)
			vfe_sbuf_adds(&b, nl);
		vfe_sbuf_adds(&b, var);
		vfe_sbuf_adds(&b, "=\"");
		join_tokens(wanted, &b);
		vfe_sbuf_adds(&b, "\"" VFE_GRUB_MARK);
		if (!len || ends)
			vfe_sbuf_adds(&b, nl);
	}
	return vfe_sbuf_finish(&b, out, outlen);
}

/* The edited file still parses, with the same assignments. */
static bool same_assignments(const char *text, size_t len, const char *var, unsigned int n)
{
	struct found f;
	char err[8];
	bool ok;

	if (find_all(text, len, var, &f, err, sizeof(err)) < 0)
		return false;
	ok = f.n == n;
	free(f.a);
	return ok;
}

/* Whether sh would take the line we appended as the assignment (a last line ending in a
 * backslash, for one, would swallow it). */
static bool appended_line_counts(const char *text, size_t len, const char *var)
{
	struct found f;
	char err[8];
	bool ok;

	if (find_all(text, len, var, &f, err, sizeof(err)) < 0)
		return false;
	ok = f.n == 1 && f.a[0].style == VFE_GRUB_DQ && !f.a[0].conditional;
	free(f.a);
	return ok;
}

struct value_edit {
	size_t start, end; /* bytes replaced */
	char *text;
	size_t len;
};

static bool has_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (strchr(" \t\n\r\v\f", s[i]))
			return true;
	return false;
}

/* The new value is one whole word on its own, with nothing escaping what follows it. */
static bool word_whole(const char *v, size_t len)
{
	struct lexer lx = {.s = v, .len = len, .bad_at = SIZE_MAX};
	size_t slashes = 0;
	bool quoted;

	if (len && scan_word(&lx, 0, &quoted) != len)
		return false;
	while (slashes < len && v[len - 1 - slashes] == '\\')
		slashes++;
	return lx.bad_at == SIZE_MAX && slashes % 2 == 0;
}

/* The new bytes for one assignment's value; e->text NULL when nothing changes. */
static int edit_value(const char *text, const struct vfe_grub_assign *a, const char *var,
		      const struct vfe_ktokens *wanted, struct value_edit *e, char *err,
		      size_t errsize)
{
	const char *v = text + a->value_start;
	size_t vlen = a->value_end - a->value_start, ilen;
	struct vfe_sbuf b = {0};
	bool quoted = a->style == VFE_GRUB_DQ || a->style == VFE_GRUB_SQ;
	char *inner;
	int r;

	e->start = a->value_start;
	e->end = a->value_end;
	e->text = NULL;
	if (quoted)
		r = vfe_cmdline_edit(v + 1, vlen - 2, wanted, &inner, &ilen);
	else
		r = vfe_cmdline_edit(v, vlen, wanted, &inner, &ilen);
	if (r < 0) {
		snprintf(err, errsize, "line %u: %s: %s", a->line, var,
			 r == -EINVAL	 ? "invalid token to write"
			 : r == -EBADMSG ? "a kernel double quote is never closed"
					 : "out of memory");
		return r;
	}
	if (ilen == (quoted ? vlen - 2 : vlen) && !memcmp(inner, quoted ? v + 1 : v, ilen)) {
		free(inner);
		return 0;
	}
	switch (a->style) {
	case VFE_GRUB_DQ:
	case VFE_GRUB_SQ:
		vfe_sbuf_add(&b, v, 1);
		vfe_sbuf_add(&b, inner, ilen);
		vfe_sbuf_add(&b, v, 1);
		break;
	case VFE_GRUB_EMPTY:
	case VFE_GRUB_BARE:
		if (!has_blank(inner, ilen)) {
			vfe_sbuf_add(&b, inner, ilen);
			break;
		}
		/* Inside double quotes these would mean something else than bare. */
		if (memchr(v, '\\', vlen) || memchr(v, '"', vlen) || memchr(v, '\'', vlen) ||
		    memchr(v, '~', vlen)) {
			snprintf(err, errsize,
				 "line %u: %s: cannot add to this unquoted value safely; "
				 "put it in double quotes",
				 a->line, var);
			free(inner);
			return -EINVAL;
		}
		vfe_sbuf_add(&b, "\"", 1);
		vfe_sbuf_add(&b, inner, ilen);
		vfe_sbuf_add(&b, "\"", 1);
		break;
	case VFE_GRUB_MIXED:
		snprintf(err, errsize,
			 "line %u: %s: the value mixes quoting styles; write it as one "
			 "double-quoted string",
			 a->line, var);
		free(inner);
		return -EINVAL;
	}
	free(inner);
	r = vfe_sbuf_finish(&b, &e->text, &e->len);
	if (r == 0 && !word_whole(e->text, e->len)) {
		/* A backslash before a token we took away would now escape something else. */
		snprintf(err, errsize, "line %u: %s: cannot edit this value safely (backslashes)",
			 a->line, var);
		free(e->text);
		e->text = NULL;
		r = -EINVAL;
	}
	return r;
}

/* Our own appended line, now with an empty value: the line goes, with its line end. */
static bool own_line_empty(const char *text, size_t len, const struct vfe_grub_assign *a,
			   const struct value_edit *e, size_t *from, size_t *to)
{
	size_t ls = a->name_start, le, ml = strlen(VFE_GRUB_MARK);
	const char *nl;

	if (a->style != VFE_GRUB_DQ || !e->text || e->len != 2)
		return false;
	if (ls && text[ls - 1] != '\n')
		return false;
	if (a->value_end + ml > len || memcmp(text + a->value_end, VFE_GRUB_MARK, ml))
		return false;
	le = a->value_end + ml;
	if (le < len && text[le] == '\r' && le + 1 < len && text[le + 1] == '\n')
		le++;
	if (le < len && text[le] != '\n')
		return false;
	if (le < len) {
		*from = ls;
		*to = le + 1;
		return true;
	}
	/* The last line has no line end: it was added after one in the style of the file's
	 * first line end (or "\n"), which goes with it. */
	*from = ls;
	if (ls) {
		nl = newline_of(text, ls - 1);
		*from = ls - 1;
		if (nl[0] == '\r' && ls >= 2 && text[ls - 2] == '\r')
			*from = ls - 2;
	}
	*to = len;
	return true;
}

int vfe_grub_edit(const char *text, size_t len, const char *var, const struct vfe_ktokens *wanted,
		  char **out, size_t *outlen, char *err, size_t errsize)
{
	/* none of ours, with the same owner: only what is ours goes */
	struct vfe_ktokens none = {.n = 0, .own = wanted->own};
	struct value_edit *edits = NULL;
	struct vfe_sbuf b = {0};
	struct found f;
	size_t at = 0, from, to;
	unsigned int k, n_edits = 0, i;
	int r;

	err[0] = '\0';
	r = find_all(text, len, var, &f, err, errsize);
	if (r < 0)
		goto out;
	for (k = 0; k < f.n; k++) {
		if (!f.a[k].conditional)
			continue;
		if (r == 0)
			snprintf(err, errsize, "line %u", f.a[k].line);
		else
			snprintf(err + strlen(err), errsize - strlen(err), ", %u", f.a[k].line);
		r = -EINVAL;
	}
	if (r < 0) {
		snprintf(err + strlen(err), errsize - strlen(err),
			 ": %s is set under a condition (if, case, a loop, a function, && or ||); "
			 "which value counts cannot be told without running the file, so none is "
			 "edited: set it once, unconditionally, and run apply again",
			 var);
		goto out;
	}
	if (!f.n) {
		r = append_line(text, len, var, wanted, out, outlen);
		if (r == 0 && wanted->n && !appended_line_counts(*out, *outlen, var)) {
			snprintf(err, errsize,
				 "%s: cannot add a line: the file ends inside a "
				 "command",
				 var);
			free(*out);
			*out = NULL;
			r = -EINVAL;
		}
		goto out;
	}
	edits = calloc(f.n, sizeof(*edits));
	if (!edits) {
		r = -ENOMEM;
		goto out;
	}
	/* The last assignment gets WANTED; those it builds on lose our tokens. */
	none.also = wanted->n ? wanted : wanted->also; /* the kernel sees those before ours */
	for (k = f.n; k-- > 0;) {
		r = edit_value(text, &f.a[k], var, k == f.n - 1 ? wanted : &none, &edits[n_edits],
			       err, errsize);
		if (r < 0)
			goto out;
		n_edits++;
		if (!f.a[k].self_ref)
			break;
	}
	if (f.n == 1 && own_line_empty(text, len, &f.a[0], &edits[0], &from, &to)) {
		vfe_sbuf_add(&b, text, from);
		vfe_sbuf_add(&b, text + to, len - to);
		r = vfe_sbuf_finish(&b, out, outlen);
		goto out;
	}
	/* Edits were collected from the end of the file backwards. */
	for (i = n_edits; i-- > 0;) {
		if (!edits[i].text)
			continue;
		vfe_sbuf_add(&b, text + at, edits[i].start - at);
		vfe_sbuf_add(&b, edits[i].text, edits[i].len);
		at = edits[i].end;
	}
	vfe_sbuf_add(&b, text + at, len - at);
	r = vfe_sbuf_finish(&b, out, outlen);
	if (r == 0 && !same_assignments(*out, *outlen, var, f.n)) {
		snprintf(err, errsize, "%s: the edit would change how the file reads", var);
		free(*out);
		*out = NULL;
		r = -EINVAL;
	}
out:
	for (i = 0; i < n_edits; i++)
		free(edits[i].text);
	free(edits);
	free(f.a);
	return r;
}

int vfe_grub_file_edit(const char *path, const struct vfe_ktokens *wanted, struct vfe_text_edit *e,
		       char *err, size_t errsize)
{
	int r;

	memset(e, 0, sizeof(*e));
	err[0] = '\0';
	r = vfe_slurp(path, VFE_GRUB_MAX_BYTES, &e->old, &e->old_len);
	if (r < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(-r));
		return r;
	}
	r = vfe_grub_edit(e->old, e->old_len, VFE_GRUB_VAR, wanted, &e->new, &e->new_len, err,
			  errsize);
	if (r < 0)
		vfe_text_edit_free(e);
	return r;
}

void vfe_grub_sources_free(struct vfe_grub_sources *gs)
{
	unsigned int i;

	for (i = 0; i < gs->n; i++)
		vfe_text_edit_free(&gs->src[i].e);
	free(gs->src);
	memset(gs, 0, sizeof(*gs));
}

/* What sh's "*.cfg" matches and grub-mkconfig's [ -e ] keeps: no dot files, no directories. */
static int dropin_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && !strcmp(d->d_name + n - 4, ".cfg");
}

/* dash sorts a glob's matches bytewise. */
static int bytewise(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int add_source(struct vfe_grub_sources *gs, const char *path, char *err, size_t errsize)
{
	struct vfe_grub_source *s;
	struct found f;
	struct stat st;
	unsigned int i;
	int r;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (gs->n == VFE_GRUB_MAX_SOURCES) {
		snprintf(err, errsize, "%s: more than %d files to read", path,
			 VFE_GRUB_MAX_SOURCES);
		return -E2BIG;
	}
	s = &gs->src[gs->n];
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	r = vfe_slurp(path, VFE_GRUB_MAX_BYTES, &s->e.old, &s->e.old_len);
	if (r < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(-r));
		return r;
	}
	gs->n++;
	r = find_all(s->e.old, s->e.old_len, VFE_GRUB_VAR, &f, err, errsize);
	if (r == -EINVAL) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errsize, "%s: %s", path, why);
	}
	for (i = 0; r == 0 && i < f.n; i++)
		if (!f.a[i].self_ref)
			s->set_line = f.a[i].line;
	s->n_assign = f.n;
	free(f.a);
	return r;
}

/*
 * Does the grub-mkconfig that will run read /etc/default/grub.d? Debian's does (a Debian patch);
 * upstream's, and Fedora's grub2-mkconfig, read /etc/default/grub alone. The one under ROOT
 * counts, else the running system's; with none to look at, Debian's rule.
 */
static bool mkconfig_reads_dropins(const char *root)
{
	static const char *const progs[] = {"/usr/sbin/grub-mkconfig", "/usr/sbin/grub2-mkconfig",
					    "/sbin/grub-mkconfig", "/sbin/grub2-mkconfig"};
	char path[VFE_PATH_MAX], *text;
	unsigned int pass, i;
	size_t len;
	bool reads;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
			if (vfe_path(path, sizeof(path), pass ? "/" : root, progs[i]) < 0 ||
			    vfe_slurp(path, 1 << 20, &text, &len) < 0)
				continue;
			reads = strstr(text, "default/grub.d") != NULL;
			free(text);
			return reads;
		}
	return true;
}

/* Token names compare as the kernel's do: '-' and '_' are the same. */
static bool same_name(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i] && b[i] != '='; i++)
		if (a[i] != b[i] && !(strchr("-_", a[i]) && strchr("-_", b[i])))
			return false;
	return i == alen && (!b[i] || b[i] == '=');
}

/*
 * A token of VFE_GRUB_VAR_ALL's value as it counts (over every source, in order) with the
 * name of one of WANTED: -EINVAL, ERR naming it. The kernel would see it and ours.
 */
static int check_cmdline_linux(const struct vfe_grub_sources *gs, const struct vfe_ktokens *wanted,
			       char *err, size_t errsize)
{
	unsigned int k, i, j;

	for (k = 0; k < gs->n; k++) {
		const struct vfe_grub_source *src = &gs->src[k];
		const char *text = src->e.old;
		struct found f;
		char why[64];
		bool later = false;

		if (find_all(text, src->e.old_len, VFE_GRUB_VAR_ALL, &f, why, sizeof(why)) < 0)
			continue; /* the file's own error is told by its edit */
		/* an assignment that drops the value before it in a later file: this one is dead */
		for (j = k + 1; j < gs->n && !later; j++) {
			struct found g;

			if (find_all(gs->src[j].e.old, gs->src[j].e.old_len, VFE_GRUB_VAR_ALL, &g,
				     why, sizeof(why)) < 0)
				continue;
			for (i = 0; i < g.n; i++)
				later |= !g.a[i].self_ref;
			free(g.a);
		}
		for (i = f.n; i-- > 0 && !later;) {
			const struct vfe_grub_assign *a = &f.a[i];
			size_t p = a->value_start, end = a->value_end;

			if (a->style == VFE_GRUB_DQ || a->style == VFE_GRUB_SQ) {
				p++;
				end--;
			}
			while (p < end) {
				size_t w = p, n;

				while (w < end && strchr(" \t\n", text[w]))
					w++;
				for (n = 0; w + n < end && !strchr(" \t\n", text[w + n]); n++)
					;
				p = w + n;
				if (!n || !vfe_ktoken_is_owned(text + w, n))
					continue;
				for (j = 0; j < wanted->n; j++) {
					size_t nl = strcspn(text + w, "=");

					if (nl > n)
						nl = n;
					if (!same_name(text + w, nl, wanted->tok[j]))
						continue;
					snprintf(
					    err, errsize,
					    "%s line %u: %s holds %.*s, and %s would get %s: the "
					    "kernel would see both; take it out of %s (apply "
					    "then sets it) or out of the config",
					    src->path, a->line, VFE_GRUB_VAR_ALL, (int)n, text + w,
					    VFE_GRUB_VAR, wanted->tok[j], VFE_GRUB_VAR_ALL);
					free(f.a);
					return -EINVAL;
				}
			}
			if (!a->self_ref)
				break; /* the ones before it do not count */
		}
		free(f.a);
	}
	return 0;
}

int vfe_grub_sources_edit(const char *root, const struct vfe_ktokens *wanted,
			  struct vfe_grub_sources *gs, char *err, size_t errsize)
{
	struct vfe_ktokens none = {.n = 0, .own = wanted->own};
	char path[VFE_PATH_MAX], dir[VFE_PATH_MAX];
	struct dirent **names = NULL;
	int r, n = 0, i;
	unsigned int k;

	memset(gs, 0, sizeof(*gs));
	err[0] = '\0';
	gs->src = calloc(VFE_GRUB_MAX_SOURCES, sizeof(*gs->src));
	if (!gs->src)
		return -ENOMEM;
	vfe_path(path, sizeof(path), root, VFE_GRUB_DEFAULT);
	r = add_source(gs, path, err, errsize);
	if (r == 0 && !gs->n) {
		snprintf(err, errsize, "%s: absent", path);
		r = -ENOENT;
	}
	vfe_path(dir, sizeof(dir), root, VFE_GRUB_DROPIN_DIR);
	if (r == 0 && mkconfig_reads_dropins(root))
		n = scandir(dir, &names, dropin_filter, bytewise);
	for (i = 0; i < n; i++) {
		if (r == 0 && vfe_pathf(path, sizeof(path), root, "%s/%s", VFE_GRUB_DROPIN_DIR,
					names[i]->d_name) == 0)
			r = add_source(gs, path, err, errsize);
		free(names[i]);
	}
	free(names);
	if (r < 0)
		return r;
	for (k = 0; k < gs->n; k++)
		if (gs->src[k].set_line)
			gs->effective = k;
	r = check_cmdline_linux(gs, wanted, err, errsize);
	if (r < 0)
		return r;
	for (k = 0; k < gs->n; k++) {
		struct vfe_grub_source *s = &gs->src[k];
		char why[256];

		/* a file after the one that counts appends to ours: the kernel sees both */
		none.also = k > gs->effective ? wanted : NULL;
		r = vfe_grub_edit(s->e.old, s->e.old_len, VFE_GRUB_VAR,
				  k == gs->effective ? wanted : &none, &s->e.new, &s->e.new_len,
				  why, sizeof(why));
		if (r < 0) {
			snprintf(err, errsize, "%s: %s", s->path, why);
			return r;
		}
	}
	return 0;
}

void vfe_grub_each_value(const char *root, const char *var,
			 void (*fn)(void *ctx, const char *path, unsigned int line,
				    const char *value, size_t len),
			 void *ctx)
{
	char path[VFE_PATH_MAX], dir[VFE_PATH_MAX];
	struct dirent **names = NULL;
	int n = 0, i;

	vfe_path(dir, sizeof(dir), root, VFE_GRUB_DROPIN_DIR);
	if (mkconfig_reads_dropins(root))
		n = scandir(dir, &names, dropin_filter, bytewise);
	if (n < 0)
		n = 0;
	for (i = -1; i < n; i++) {
		struct found f;
		struct stat st;
		char *text = NULL, err[64];
		size_t len;
		unsigned int k;

		if (i < 0)
			vfe_path(path, sizeof(path), root, VFE_GRUB_DEFAULT);
		else if (vfe_pathf(path, sizeof(path), root, "%s/%s", VFE_GRUB_DROPIN_DIR,
				   names[i]->d_name) < 0)
			continue;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
		    vfe_slurp(path, VFE_GRUB_MAX_BYTES, &text, &len) < 0)
			continue;
		if (find_all(text, len, var, &f, err, sizeof(err)) == 0) {
			for (k = 0; k < f.n; k++) {
				size_t a = f.a[k].value_start, b = f.a[k].value_end;

				if (f.a[k].style == VFE_GRUB_DQ || f.a[k].style == VFE_GRUB_SQ) {
					a++;
					b--;
				}
				fn(ctx, path, f.a[k].line, text + a, b - a);
			}
			free(f.a);
		}
		free(text);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The script before and after the arms of the "case" that drops a word of ours. */
static const char off_entry_head[] =
    "#!/bin/sh\n"
    "# Written by vfio-earlyctl apply: a boot entry without PCI pass-through, for when the\n"
    "# devices given to the VM are needed by the host. It boots as if vfio-early were not\n"
    "# installed: vfio_early.off, none of the tokens vfio-earlyctl manages (IOMMU mode,\n"
    "# hugepages, CPU isolation, irqaffinity), no vfio-pci ids; every other word stays.\n"
    "set -e\n"
    "prefix=/usr\n"
    "exec_prefix=/usr\n"
    "datarootdir=/usr/share\n"
    ". \"${pkgdatadir:-/usr/share/grub}/grub-mkconfig_lib\"\n"
    "\n"
    "vfe_odd_quotes() {\n"
    "\tvfe_s=$1\n"
    "\tvfe_n=0\n"
    "\twhile :; do\n"
    "\t\tcase $vfe_s in\n"
    "\t\t*'\"'*)\n"
    "\t\t\tvfe_s=${vfe_s#*'\"'}\n"
    "\t\t\tvfe_n=$((vfe_n + 1))\n"
    "\t\t\t;;\n"
    "\t\t*) break ;;\n"
    "\t\tesac\n"
    "\tdone\n"
    "\t[ $((vfe_n % 2)) -eq 1 ]\n"
    "}\n"
    "\n"
    "# The kernel's words of \"$*\" (blanks inside double quotes do not split; CR, tab and\n"
    "# newline are blanks: a CRLF /etc/default/grub leaves a CR in each value) without ours,\n"
    "# then vfio_early.off, before a lone \"--\" (the words after it are init's).\n"
    "vfe_off_args() {\n"
    "\tvfe_rest=$(printf '%s' \"$*\" | tr '\\r\\t\\n' '   ')\n"
    "\tvfe_out=\n"
    "\tvfe_tail=\n"
    "\twhile :; do\n"
    "\t\tvfe_rest=${vfe_rest#\"${vfe_rest%%[! ]*}\"}\n"
    "\t\t[ -n \"$vfe_rest\" ] || break\n"
    "\t\tvfe_word=${vfe_rest%%\" \"*}\n"
    "\t\tvfe_rest=${vfe_rest#\"$vfe_word\"}\n"
    "\t\t# an odd number of double quotes: the word runs on past the next one\n"
    "\t\twhile vfe_odd_quotes \"$vfe_word\" && [ -n \"$vfe_rest\" ]; do\n"
    "\t\t\tcase $vfe_rest in\n"
    "\t\t\t*'\"'*) vfe_seg=${vfe_rest%%'\"'*}'\"' ;;\n"
    "\t\t\t*) vfe_seg=$vfe_rest ;;\n"
    "\t\t\tesac\n"
    "\t\t\tvfe_rest=${vfe_rest#\"$vfe_seg\"}\n"
    "\t\t\tvfe_seg=$vfe_seg${vfe_rest%%\" \"*}\n"
    "\t\t\tvfe_rest=${vfe_rest#\"${vfe_rest%%\" \"*}\"}\n"
    "\t\t\tvfe_word=$vfe_word$vfe_seg\n"
    "\t\tdone\n"
    "\t\tcase $vfe_word in\n"
    "\t\t-- | '\"--\"')\n"
    "\t\t\tvfe_rest=${vfe_rest%\"${vfe_rest##*[! ]}\"}\n"
    "\t\t\tvfe_tail=\" --$vfe_rest\"\n"
    "\t\t\tbreak\n"
    "\t\t\t;;\n"
    "\t\tesac\n"
    "\t\tname=${vfe_word#'\"'}\n"
    "\t\tvalue=\n"
    "\t\tcase $name in\n"
    "\t\t*=*)\n"
    "\t\t\tvalue=${name#*=}\n"
    "\t\t\tvalue=${value#'\"'}\n"
    "\t\t\tvalue=${value%'\"'}\n"
    "\t\t\tname=${name%%=*}\n"
    "\t\t\t;;\n"
    "\t\tesac\n"
    "\t\tcase $name in\n";

static const char off_entry_tail[] =
    "\t\tvfio[-_]pci.ids) continue ;;\n"
    "\t\tesac\n"
    "\t\tvfe_out=\"$vfe_out${vfe_out:+ }$vfe_word\"\n"
    "\tdone\n"
    "\t# a quote left open would take vfio_early.off into its value\n"
    "\tif vfe_odd_quotes \"$vfe_out\"; then vfe_out=$vfe_out'\"'; fi\n"
    "\tprintf '%s\\n' \"$vfe_out${vfe_out:+ }vfio_early.off$vfe_tail\"\n"
    "}\n"
    "\n"
    "list=\n"
    "for f in /boot/vmlinuz-* /boot/vmlinux-*; do\n"
    "\tif grub_file_is_not_garbage \"$f\"; then list=\"$list $f\"; fi\n"
    "done\n"
    "[ -n \"$list\" ] || exit 0\n"
    "linux=$(version_find_latest $list)\n"
    "version=${linux#*/vmlinu[xz]-}\n"
    "initrd=\n"
    "for i in \"/boot/initrd.img-$version\" \"/boot/initramfs-$version.img\"; do\n"
    "\tif [ -f \"$i\" ]; then initrd=$i; break; fi\n"
    "done\n"
    "if [ -n \"${GRUB_DEVICE_UUID}\" ]; then root=\"root=UUID=${GRUB_DEVICE_UUID}\";\n"
    "else root=\"root=${GRUB_DEVICE}\"; fi\n"
    "echo \"menuentry 'Linux $version, without PCI pass-through (vfio_early.off)' "
    "--class gnu-linux {\"\n"
    "prepare_grub_to_access_device \"${GRUB_DEVICE_BOOT}\" | sed 's/^/\\t/'\n"
    "printf '\\tlinux\\t%s %s ro %s\\n' \"$(make_system_path_relative_to_its_root \"$linux\")\" "
    "\"$root\" \\\n"
    "\t\"$(vfe_off_args \"${GRUB_CMDLINE_LINUX}\" \"${GRUB_CMDLINE_LINUX_DEFAULT}\")\"\n"
    "if [ -n \"$initrd\" ]; then\n"
    "\tprintf '\\tinitrd\\t%s\\n' \"$(make_system_path_relative_to_its_root \"$initrd\")\"\n"
    "fi\n"
    "echo '}'\n";

int vfe_grub_off_entry(char **out, size_t *len)
{
	struct vfe_sbuf b = {0};

	vfe_sbuf_adds(&b, off_entry_head);
	vfe_ktokens_sh_case(&b, "\t\t");
	vfe_sbuf_adds(&b, off_entry_tail);
	return vfe_sbuf_finish(&b, out, len);
}
