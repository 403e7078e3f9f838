// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel command-line tokens vfio-earlyctl owns, and the editor that changes only them.
 *
 * Ownership is by name ('-' and '_' alike, as the kernel compares them); video= is ours only
 * with the exact value efifb:off. Owned names fall into groups; default_hugepagesz,
 * hugepagesz and hugepages form one group because the kernel reads them in order (a
 * hugepages= counts pages of the hugepagesz= before it). Per group:
 *   - the tokens found match the wanted ones name for name: each is updated where it stands;
 *   - else the first one found is replaced by all wanted tokens of the group, the rest go;
 *   - none found: the wanted ones are added after the last token, before a lone "--".
 */
#include "tokens.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "../lib/boot/cpulist.h"
#include "../lib/boot/util.h"

static const struct owned_name {
	const char *name;
	const char *value; /* NULL: any value is ours */
	int group;
} owned[] = {
    {"intel_iommu", NULL, 0},	     {"iommu", NULL, 1},
    {"kvm.ignore_msrs", NULL, 2},    {"video", "efifb:off", 3},
    {"default_hugepagesz", NULL, 4}, {"hugepagesz", NULL, 4},
    {"hugepages", NULL, 4},	     {"isolcpus", NULL, 5},
    {"nohz_full", NULL, 6},	     {"rcu_nocbs", NULL, 7},
    {"irqaffinity", NULL, 8},
};
#define N_GROUPS 9

void vfe_sbuf_add(struct vfe_sbuf *b, const char *s, size_t len)
{
	if (b->err)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *n;

		while (b->len + len + 1 > cap)
			cap *= 2;
		n = realloc(b->s, cap);
		if (!n) {
			b->err = -ENOMEM;
			return;
		}
		b->s = n;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

void vfe_sbuf_adds(struct vfe_sbuf *b, const char *s)
{
	vfe_sbuf_add(b, s, strlen(s));
}

int vfe_sbuf_finish(struct vfe_sbuf *b, char **out, size_t *len)
{
	vfe_sbuf_add(b, "", 0); /* an empty result still gets its buffer */
	if (b->err) {
		free(b->s);
		memset(b, 0, sizeof(*b));
		return -ENOMEM;
	}
	*out = b->s;
	if (len)
		*len = b->len;
	memset(b, 0, sizeof(*b));
	return 0;
}

bool vfe_text_edit_changed(const struct vfe_text_edit *e)
{
	return e->old_len != e->new_len || memcmp(e->old, e->new, e->old_len);
}

void vfe_text_edit_free(struct vfe_text_edit *e)
{
	free(e->old);
	free(e->new);
	memset(e, 0, sizeof(*e));
}

static bool is_blank(char c)
{
	return isspace((unsigned char)c);
}

/*
 * End of the word starting at S[I] (not a blank): blanks inside double quotes do not split.
 * *OPEN when a quote is left open: the word runs to the end.
 */
static size_t word_end(const char *s, size_t len, size_t i, bool *open)
{
	bool in_quote = false;

	for (; i < len; i++) {
		if (is_blank(s[i]) && !in_quote)
			break;
		if (s[i] == '"')
			in_quote = !in_quote;
	}
	*open = in_quote;
	return i;
}

/* One word split into name and value by the kernel's rules, in its own copy. */
struct word {
	char *copy, *param, *val;
	int group; /* -1: not ours */
};

static int group_of(const char *param, const char *val)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(owned); i++) {
		if (!vfe_param_eq(param, owned[i].name))
			continue;
		if (owned[i].value && (!val || strcmp(val, owned[i].value)))
			continue;
		return owned[i].group;
	}
	return -1;
}

static int word_parse(struct word *w, const char *s, size_t len)
{
	char *rest;

	w->group = -1;
	w->copy = malloc(len + 1);
	if (!w->copy)
		return -ENOMEM;
	memcpy(w->copy, s, len);
	w->copy[len] = '\0';
	rest = vfe_cmdline_next(w->copy, &w->param, &w->val);
	(void)rest;
	/* Shell text (expansions, escapes) and NUL bytes are never ours: we cannot know what
	 * they stand for. */
	if (memchr(s, '\0', len) || memchr(s, '$', len) || memchr(s, '\\', len) ||
	    memchr(s, '`', len))
		return 0;
	w->group = group_of(w->param, w->val);
	return 0;
}

static bool word_same(const struct word *a, const struct word *b)
{
	if (!vfe_param_eq(a->param, b->param))
		return false;
	if (!a->val || !b->val)
		return !a->val && !b->val;
	return !strcmp(a->val, b->val);
}

/* Characters a token we write may hold: safe in double or single shell quotes and bare. */
static bool plain_token(const char *t)
{
	if (!*t)
		return false;
	for (; *t; t++)
		if (!isalnum((unsigned char)*t) && !strchr("._,:=/+-", *t))
			return false;
	return true;
}

bool vfe_ktoken_is_owned(const char *token, size_t len)
{
	struct word w;
	bool r;

	if (word_parse(&w, token, len) < 0)
		return false;
	r = w.group >= 0;
	free(w.copy);
	return r;
}

/* NAME as a sh pattern: '-' and '_' alike, as the kernel compares names. */
static void sh_name_pattern(struct vfe_sbuf *b, const char *name)
{
	for (; *name; name++)
		if (*name == '-' || *name == '_')
			vfe_sbuf_adds(b, "[-_]");
		else
			vfe_sbuf_add(b, name, 1);
}

void vfe_ktokens_sh_case(struct vfe_sbuf *b, const char *indent)
{
	bool first = true;
	size_t i;

	vfe_sbuf_adds(b, indent);
	for (i = 0; i < VFE_ARRAY_SIZE(owned); i++) {
		if (owned[i].value)
			continue;
		if (!first)
			vfe_sbuf_adds(b, " | ");
		sh_name_pattern(b, owned[i].name);
		first = false;
	}
	vfe_sbuf_adds(b, ") continue ;;\n");
	for (i = 0; i < VFE_ARRAY_SIZE(owned); i++) {
		if (!owned[i].value)
			continue;
		/* owned values are plain (no quote, no blank): safe inside single quotes */
		vfe_sbuf_adds(b, indent);
		sh_name_pattern(b, owned[i].name);
		vfe_sbuf_adds(b, ") [ \"$value\" != '");
		vfe_sbuf_adds(b, owned[i].value);
		vfe_sbuf_adds(b, "' ] || continue ;;\n");
	}
}

void vfe_ktokens_init(struct vfe_ktokens *t)
{
	t->n = 0;
	t->own = NULL;
	t->also = NULL;
}

bool vfe_kown_has(const struct vfe_kown *own, const char *token, size_t len)
{
	struct word a, b;
	bool same = false;
	unsigned int i;

	if (word_parse(&a, token, len) < 0)
		return false;
	for (i = 0; i < own->n && !same; i++) {
		if (word_parse(&b, own->tok[i], strlen(own->tok[i])) < 0)
			break;
		same = word_same(&a, &b);
		free(b.copy);
	}
	free(a.copy);
	return same;
}

/* A and B parsed, compared by SAME_VALUE or by name only; false on ENOMEM. */
static bool tokens_compare(const char *a, const char *b, bool same_value)
{
	struct word x, y;
	bool r = false;

	if (word_parse(&x, a, strlen(a)) < 0)
		return false;
	if (word_parse(&y, b, strlen(b)) == 0) {
		r = same_value ? word_same(&x, &y) : vfe_param_eq(x.param, y.param);
		free(y.copy);
	}
	free(x.copy);
	return r;
}

bool vfe_ktoken_same(const char *a, const char *b)
{
	return tokens_compare(a, b, true);
}

bool vfe_ktoken_same_name(const char *a, const char *b)
{
	return tokens_compare(a, b, false);
}

int vfe_kown_add(struct vfe_kown *own, const char *token)
{
	if (vfe_kown_has(own, token, strlen(token)))
		return 0;
	if (own->n == VFE_KOWN_MAX || strlen(token) >= VFE_KTOKEN_LEN)
		return -E2BIG;
	snprintf(own->tok[own->n++], VFE_KTOKEN_LEN, "%s", token);
	return 0;
}

void vfe_kown_reset_notes(struct vfe_kown *own)
{
	own->n_adopted = own->n_conflicts = own->n_dropped = 0;
}

/* NOTE once into LIST (N of them, at most VFE_KOWN_NOTES), cut to VFE_KTOKEN_LEN. */
static void note(char (*list)[VFE_KTOKEN_LEN], unsigned int *n, const char *s, size_t len)
{
	unsigned int i;

	if (len >= VFE_KTOKEN_LEN)
		len = VFE_KTOKEN_LEN - 1;
	for (i = 0; i < *n; i++)
		if (strlen(list[i]) == len && !memcmp(list[i], s, len))
			return;
	if (*n == VFE_KOWN_NOTES)
		return;
	memcpy(list[*n], s, len);
	list[(*n)++][len] = '\0';
}

int vfe_ktokens_add(struct vfe_ktokens *t, const char *fmt, ...)
{
	char *tok;
	va_list ap;
	int n;

	if (t->n == VFE_KTOKENS_MAX)
		return -E2BIG;
	tok = t->tok[t->n];
	va_start(ap, fmt);
	n = vsnprintf(tok, VFE_KTOKEN_LEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= VFE_KTOKEN_LEN)
		return -E2BIG;
	if (!plain_token(tok) || !vfe_ktoken_is_owned(tok, n))
		return -EINVAL;
	t->n++;
	return 0;
}

static void size_text(unsigned long kb, char *buf, size_t size)
{
	if (kb % (1024 * 1024) == 0)
		snprintf(buf, size, "%luG", kb / (1024 * 1024));
	else if (kb % 1024 == 0)
		snprintf(buf, size, "%luM", kb / 1024);
	else
		snprintf(buf, size, "%luK", kb);
}

static bool kernel_before(const struct vfe_ktokens_input *in, int major, int minor)
{
	return in->kernel_major < major || (in->kernel_major == major && in->kernel_minor < minor);
}

/* hugepagesz=S hugepages=N (or node:count,...) per size, in the order sizes first appear. */
static const char *render_hugepages(const struct vfe_ktokens_input *in, struct vfe_ktokens *out)
{
	unsigned int i, j;
	bool first = true;

	for (i = 0; i < in->n_hugepages; i++) {
		const struct vfe_hugepages *h = &in->hugepages[i];
		char size[32], counts[VFE_KTOKEN_LEN] = "";
		size_t used = 0;
		bool nodes = false, global = false, seen = false;

		for (j = 0; j < i; j++)
			if (in->hugepages[j].size_kb == h->size_kb)
				seen = true;
		if (seen)
			continue;
		for (j = i; j < in->n_hugepages; j++) {
			const struct vfe_hugepages *e = &in->hugepages[j];
			int n;

			if (e->size_kb != h->size_kb)
				continue;
			if (e->node >= 0) {
				nodes = true;
				n = snprintf(counts + used, sizeof(counts) - used, "%s%d:%lu",
					     used ? "," : "", e->node, e->count);
			} else {
				if (global)
					return "hugepages: one size given twice";
				global = true;
				n = snprintf(counts + used, sizeof(counts) - used, "%lu", e->count);
			}
			if (n < 0 || (size_t)n >= sizeof(counts) - used)
				return "hugepages: too many nodes";
			used += n;
		}
		if (nodes && global)
			return "hugepages: a count without a node mixed with per-node counts";
		if (nodes && kernel_before(in, 5, 16))
			return "hugepages: per-node counts need Linux 5.16 or later";
		size_text(h->size_kb, size, sizeof(size));
		if (first && vfe_ktokens_add(out, "default_hugepagesz=%s", size) < 0)
			return "too many tokens";
		first = false;
		if (vfe_ktokens_add(out, "hugepagesz=%s", size) < 0 ||
		    vfe_ktokens_add(out, "hugepages=%s", counts) < 0)
			return "too many tokens";
	}
	return NULL;
}

const char *vfe_ktokens_render(const struct vfe_ktokens_input *in, struct vfe_ktokens *out)
{
	static struct vfe_cpuset set;
	const char *err;

	vfe_ktokens_init(out);
	/* AMD's IOMMU is on by default, and amd_iommu=on is not a value the kernel knows. */
	if (in->vendor == VFE_CPU_INTEL)
		vfe_ktokens_add(out, "intel_iommu=on");
	vfe_ktokens_add(out, "iommu=pt");
	vfe_ktokens_add(out, "kvm.ignore_msrs=1");
	/* Since 6.0 the kernel hands the boot framebuffer over when vfio-pci takes the card. */
	if (in->target_is_boot_vga && kernel_before(in, 6, 0))
		vfe_ktokens_add(out, "video=efifb:off");
	err = render_hugepages(in, out);
	if (err)
		return err;
	if (in->vm_cpus && *in->vm_cpus) {
		if (vfe_cpulist_parse(in->vm_cpus, &set))
			return "vm-cpus is not a CPU list";
		if (vfe_ktokens_add(out, "isolcpus=managed_irq,domain,%s", in->vm_cpus) < 0 ||
		    vfe_ktokens_add(out, "nohz_full=%s", in->vm_cpus) < 0 ||
		    vfe_ktokens_add(out, "rcu_nocbs=%s", in->vm_cpus) < 0)
			return "vm-cpus does not fit a token";
	}
	if (in->host_cpus && *in->host_cpus) {
		if (vfe_cpulist_parse(in->host_cpus, &set))
			return "host CPUs are not a CPU list";
		if (vfe_ktokens_add(out, "irqaffinity=%s", in->host_cpus) < 0)
			return "host CPUs do not fit a token";
	}
	return NULL;
}

enum action {
	KEEP,
	DROP,
	REPLACE, /* by wanted tokens [wfirst, wfirst + wcount) of its group */
	REWRITE, /* by REWRITTEN (a vfio_pci.ids= token that lost entries) */
};

struct tok {
	size_t start, end;
	struct word w;
	enum action action;
	char *rewritten;
	unsigned int wfirst, wcount;
	bool open; /* an unclosed double quote */
};

struct edit {
	const char *s;
	size_t len;
	struct tok *t;
	size_t n, end_idx; /* end_idx: the lone "--", or n */
	struct word want[VFE_KTOKENS_MAX];
	unsigned int n_want;
	const struct vfe_ktokens *wanted;
	struct vfe_sbuf out;
	bool first;
	bool open; /* the last word written leaves a quote open */
	int err;
};

static int split(struct edit *e)
{
	size_t i = 0, cap = 0;

	e->end_idx = SIZE_MAX;
	for (;;) {
		struct tok *t;

		while (i < e->len && is_blank(e->s[i]))
			i++;
		if (i >= e->len)
			break;
		if (e->n == cap) {
			struct tok *nt;

			cap = cap ? cap * 2 : 32;
			nt = realloc(e->t, cap * sizeof(*nt));
			if (!nt)
				return -ENOMEM;
			e->t = nt;
		}
		t = &e->t[e->n];
		memset(t, 0, sizeof(*t));
		t->start = i;
		t->end = i = word_end(e->s, e->len, i, &t->open);
		e->n++;
		if (word_parse(&t->w, e->s + t->start, t->end - t->start) < 0)
			return -ENOMEM;
		if (e->end_idx != SIZE_MAX) {
			t->w.group = -1; /* init's */
		} else if (!t->w.val && !strcmp(t->w.param, "--")) {
			e->end_idx = e->n - 1;
			t->w.group = -1;
		}
	}
	if (e->end_idx == SIZE_MAX)
		e->end_idx = e->n;
	return 0;
}

/* Match the tokens of group G found in the line with the wanted ones. */
static void plan_group(struct edit *e, int g, bool *append)
{
	unsigned int widx[VFE_KTOKENS_MAX], nw = 0, k;
	size_t found[VFE_KTOKENS_MAX], nf = 0, i;
	bool pairwise;

	for (k = 0; k < e->n_want; k++)
		if (e->want[k].group == g)
			widx[nw++] = k;
	for (i = 0; i < e->end_idx; i++) {
		if (e->t[i].w.group != g)
			continue;
		e->t[i].action = DROP; /* unless matched below */
		if (nf < VFE_KTOKENS_MAX)
			found[nf++] = i;
	}
	if (!nf) {
		for (k = 0; k < nw; k++)
			append[widx[k]] = true;
		return;
	}
	pairwise = nf == nw;
	for (i = 0; pairwise && i < nf; i++)
		pairwise = vfe_param_eq(e->t[found[i]].w.param, e->want[widx[i]].param);
	if (pairwise) {
		for (i = 0; i < nf; i++) {
			struct tok *t = &e->t[found[i]];

			if (word_same(&t->w, &e->want[widx[i]])) {
				t->action = KEEP;
			} else {
				t->action = REPLACE;
				t->wfirst = widx[i];
				t->wcount = 1;
			}
		}
		return;
	}
	if (nw) {
		e->t[found[0]].action = REPLACE;
		e->t[found[0]].wfirst = widx[0];
		e->t[found[0]].wcount = nw;
	}
}

static void emit(struct edit *e, const char *gap, size_t gaplen, const char *text, size_t len)
{
	if (!e->first) {
		if (gap)
			vfe_sbuf_add(&e->out, gap, gaplen);
		else
			vfe_sbuf_add(&e->out, " ", 1);
	}
	vfe_sbuf_add(&e->out, text, len);
	e->first = false;
	e->open = false;
}

static void emit_wanted(struct edit *e, const char *gap, size_t gaplen, int g, unsigned int from,
			unsigned int count)
{
	unsigned int k, done = 0;

	for (k = from; k < e->n_want && done < count; k++) {
		const char *w = e->wanted->tok[k];

		if (e->want[k].group != g)
			continue;
		emit(e, done ? NULL : gap, gaplen, w, strlen(w));
		done++;
	}
}

static void emit_appended(struct edit *e, const bool *append)
{
	unsigned int k;

	for (k = 0; k < e->n_want; k++) {
		if (!append[k])
			continue;
		/* The kernel would read what we add as part of the quoted word. */
		if (e->open)
			e->err = -EBADMSG;
		emit(e, NULL, 0, e->wanted->tok[k], strlen(e->wanted->tok[k]));
	}
}

/* Is the vfio_pci.ids= entry E (LEN bytes, "vendor:device[:...]") one OWN takes out? */
static bool id_goes(const struct vfe_kown *own, const char *e, size_t len)
{
	char buf[64], id[VFE_KOWN_ID_LEN];
	unsigned int v, d, i;
	int used = 0;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, e, len);
	buf[len] = '\0';
	if (sscanf(buf, "%4x:%4x%n", &v, &d, &used) != 2 || (buf[used] && buf[used] != ':'))
		return false;
	snprintf(id, sizeof(id), "%04x:%04x", v, d);
	for (i = 0; i < own->n_ids; i++)
		if (!strcmp(own->ids[i], id))
			return true;
	return false;
}

/* A vfio_pci.ids= token without the entries OWN takes out: DROP, REWRITE or left alone. */
static int ids_token(struct edit *e, struct tok *t, struct vfe_kown *own)
{
	const char *s = e->s + t->start, *eq = memchr(s, '=', t->end - t->start), *p, *end;
	struct vfe_sbuf b = {0};
	bool gone = false, kept = false;

	if (!eq || memchr(s, '"', t->end - t->start))
		return 0;
	vfe_sbuf_add(&b, s, (size_t)(eq - s) + 1);
	for (p = eq + 1, end = e->s + t->end; p < end;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t n = c ? (size_t)(c - p) : (size_t)(end - p);

		if (n && id_goes(own, p, n)) {
			gone = true;
		} else if (n) {
			if (kept)
				vfe_sbuf_add(&b, ",", 1);
			vfe_sbuf_add(&b, p, n);
			kept = true;
		}
		p += n + (c != NULL);
	}
	if (!gone) {
		free(b.s);
		return 0;
	}
	note(own->dropped, &own->n_dropped, s, t->end - t->start);
	if (!kept) {
		free(b.s);
		t->action = DROP;
		return 0;
	}
	t->action = REWRITE;
	return vfe_sbuf_finish(&b, &t->rewritten, NULL);
}

static void conflict_note(struct vfe_kown *own, const char *s, size_t n, const char *ours)
{
	unsigned int c = own->n_conflicts, j;

	if (c == VFE_KOWN_NOTES)
		return;
	snprintf(own->conflict[c][0], VFE_KTOKEN_LEN, "%.*s",
		 (int)(n < VFE_KTOKEN_LEN ? n : VFE_KTOKEN_LEN - 1), s);
	snprintf(own->conflict[c][1], VFE_KTOKEN_LEN, "%s", ours);
	for (j = 0; j < c; j++)
		if (!strcmp(own->conflict[j][0], own->conflict[c][0]) &&
		    !strcmp(own->conflict[j][1], own->conflict[c][1]))
			return;
	own->n_conflicts++;
}

/* The user's token T against ours elsewhere on the command line (e->wanted->also). */
static int also_conflict(struct edit *e, const struct tok *t, struct vfe_kown *own)
{
	const struct vfe_ktokens *also = e->wanted->also;
	unsigned int k;
	struct word w;

	for (k = 0; also && k < also->n; k++) {
		bool same, name;

		if (word_parse(&w, also->tok[k], strlen(also->tok[k])) < 0)
			return -ENOMEM;
		same = word_same(&t->w, &w);
		name = vfe_param_eq(t->w.param, w.param);
		free(w.copy);
		if (same)
			return 0;
		if (name) {
			conflict_note(own, e->s + t->start, t->end - t->start, also->tok[k]);
			return 0;
		}
	}
	return 0;
}

/*
 * With an owner: a token of our names that is not ours leaves its group (it is kept), unless
 * it is identical to a wanted one (adopted); with a wanted one's name it is a conflict too.
 */
static int own_tokens(struct edit *e, struct vfe_kown *own)
{
	size_t i;
	unsigned int k;
	int r;

	for (i = 0; i < e->end_idx; i++) {
		struct tok *t = &e->t[i];
		const char *s = e->s + t->start;
		size_t n = t->end - t->start;
		bool same = false;

		if (t->w.group < 0) {
			if (own->n_ids && t->w.val && vfe_param_eq(t->w.param, "vfio_pci.ids")) {
				r = ids_token(e, t, own);
				if (r < 0)
					return r;
			}
			continue;
		}
		if (own->adopt_all || vfe_kown_has(own, s, n))
			continue;
		for (k = 0; k < e->n_want && !same; k++)
			same = word_same(&t->w, &e->want[k]);
		if (same) {
			note(own->adopted, &own->n_adopted, s, n);
			continue;
		}
		t->w.group = -1; /* the user's: kept */
		r = also_conflict(e, t, own);
		if (r < 0)
			return r;
		for (k = 0; k < e->n_want; k++) {
			if (!vfe_param_eq(t->w.param, e->want[k].param))
				continue;
			conflict_note(own, s, n, e->wanted->tok[k]);
			break;
		}
	}
	return 0;
}

int vfe_cmdline_edit(const char *cur, size_t len, const struct vfe_ktokens *wanted, char **out,
		     size_t *outlen)
{
	struct edit e = {.s = cur, .len = len, .wanted = wanted, .first = true};
	bool append[VFE_KTOKENS_MAX] = {false};
	unsigned int k;
	size_t i;
	int g, r = 0;

	for (k = 0; k < wanted->n; k++) {
		const char *w = wanted->tok[k];

		if (!plain_token(w)) {
			r = -EINVAL;
			goto out;
		}
		r = word_parse(&e.want[k], w, strlen(w));
		e.n_want = k + 1;
		if (r < 0)
			goto out;
		if (e.want[k].group < 0) {
			r = -EINVAL;
			goto out;
		}
	}
	r = split(&e);
	if (r < 0)
		goto out;
	if (wanted->own) {
		r = own_tokens(&e, wanted->own);
		if (r < 0)
			goto out;
	}
	for (g = 0; g < N_GROUPS; g++)
		plan_group(&e, g, append);

	/* Blanks before the first token stay in front; a line of blanks only stays whole after
	 * what we add, so that a trailing newline remains the last byte. */
	vfe_sbuf_add(&e.out, cur, e.n ? e.t[0].start : 0);
	for (i = 0; i < e.n; i++) {
		struct tok *t = &e.t[i];
		const char *gap = i ? cur + e.t[i - 1].end : NULL;
		size_t gaplen = i ? t->start - e.t[i - 1].end : 0;

		if (i == e.end_idx)
			emit_appended(&e, append);
		if (t->action == KEEP) {
			emit(&e, gap, gaplen, cur + t->start, t->end - t->start);
			e.open = t->open;
		} else if (t->action == REPLACE) {
			emit_wanted(&e, gap, gaplen, t->w.group, t->wfirst, t->wcount);
		} else if (t->action == REWRITE) {
			emit(&e, gap, gaplen, t->rewritten, strlen(t->rewritten));
		}
	}
	if (e.end_idx == e.n)
		emit_appended(&e, append);
	i = e.n ? e.t[e.n - 1].end : 0;
	vfe_sbuf_add(&e.out, cur + i, len - i);
	r = e.err;
	if (r == 0)
		r = vfe_sbuf_finish(&e.out, out, outlen);
out:
	for (k = 0; k < e.n_want; k++)
		free(e.want[k].copy);
	for (i = 0; i < e.n; i++) {
		free(e.t[i].w.copy);
		free(e.t[i].rewritten);
	}
	free(e.t);
	if (r < 0) {
		free(e.out.s);
		*out = NULL;
	}
	return r;
}
