// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lines of a hand-made pass-through setup that vfio-early replaces: sysctl hugepages, a
 * udev rule for the governor, modprobe.d's vfio-pci ids and softdeps, irqbalance's banned CPUs.
 */
#include "handmade.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/cpulist.h"

static const struct {
	const char *dir, *suffix, *file; /* a directory's files with SUFFIX, then FILE */
} where[VFE_HM_KINDS] = {
    [VFE_HM_SYSCTL_HUGEPAGES] = {"/etc/sysctl.d", ".conf", "/etc/sysctl.conf"},
    [VFE_HM_UDEV_GOVERNOR] = {"/etc/udev/rules.d", ".rules", NULL},
    [VFE_HM_MODPROBE_IDS] = {"/etc/modprobe.d", ".conf", NULL},
    [VFE_HM_MODPROBE_SOFTDEP] = {"/etc/modprobe.d", ".conf", NULL},
    [VFE_HM_IRQBALANCE] = {NULL, NULL, "/etc/default/irqbalance"},
};

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

unsigned int vfe_hm_files(const char *root, enum vfe_hm_kind kind, char (*paths)[VFE_PATH_MAX],
			  unsigned int max)
{
	struct dirent **names = NULL;
	char dir[VFE_PATH_MAX];
	unsigned int n = 0;
	int i, k = 0;

	if (where[kind].dir && vfe_path(dir, sizeof(dir), root, where[kind].dir) == 0)
		k = scandir(dir, &names, NULL, by_name);
	for (i = 0; i < k; i++) {
		const char *d = names[i]->d_name;
		size_t l = strlen(d), sl = strlen(where[kind].suffix);

		if (n < max && d[0] != '.' && l > sl && !strcmp(d + l - sl, where[kind].suffix) &&
		    !strstr(d, "vfio-early") &&
		    vfe_pathf(paths[n], VFE_PATH_MAX, root, "%s/%s", where[kind].dir, d) == 0)
			n++;
		free(names[i]);
	}
	free(names);
	if (where[kind].file && n < max &&
	    vfe_path(paths[n], VFE_PATH_MAX, root, where[kind].file) == 0 && vfe_exists(paths[n]))
		n++;
	return n;
}

/* One logical line: [start, end) in the text, its line end included; continued with '\'. */
struct lline {
	size_t start, end;
	unsigned int line;
	char text[1024]; /* joined, line end and comment-free checks left to the caller */
};

static bool next_line(const char *s, size_t len, size_t *pos, unsigned int *lineno, bool cont,
		      struct lline *l)
{
	size_t used = 0;

	if (*pos >= len)
		return false;
	l->start = *pos;
	l->line = *lineno + 1;
	for (;;) {
		const char *nl = memchr(s + *pos, '\n', len - *pos);
		size_t e = nl ? (size_t)(nl - s) : len, n = e - *pos;
		bool more;

		(*lineno)++;
		if (n && s[e - 1] == '\r')
			n--;
		more = cont && n && s[*pos + n - 1] == '\\' && nl;
		if (more)
			n--;
		if (used + n >= sizeof(l->text))
			n = sizeof(l->text) - 1 - used;
		memcpy(l->text + used, s + *pos, n);
		used += n;
		*pos = nl ? e + 1 : len;
		if (!more)
			break;
	}
	l->text[used] = '\0';
	l->end = *pos;
	return true;
}

static char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return (char *)p;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static void copy(char *dst, const char *src, size_t n)
{
	if (n >= VFE_HM_TEXT_LEN)
		n = VFE_HM_TEXT_LEN - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "vm.nr_hugepages = 8192" (sysctl.d(5): '/' or '.', a leading '-'): the value, or NULL. */
static bool sysctl_hugepages(const char *t, char *value)
{
	const char *p = skip_blank(t), *eq;
	char key[64];
	size_t n;

	if (*p == '-')
		p++;
	eq = strchr(p, '=');
	if (*p == '#' || *p == ';' || !eq || (size_t)(eq - p) >= sizeof(key))
		return false;
	memcpy(key, p, (size_t)(eq - p));
	key[eq - p] = '\0';
	trim(key);
	if (strcmp(key, "vm.nr_hugepages") && strcmp(key, "vm/nr_hugepages"))
		return false;
	p = skip_blank(eq + 1);
	n = strlen(p);
	copy(value, p, n);
	trim(value);
	return true;
}

/* The quoted value after KEY (e.g. ATTR{cpufreq/scaling_governor}=), into OUT. */
static bool quoted_after(const char *t, const char *key, char *out)
{
	const char *p = strstr(t, key), *q;

	if (!p)
		return false;
	p = skip_blank(p + strlen(key));
	if (*p != '"')
		return false;
	q = strchr(p + 1, '"');
	if (!q)
		return false;
	copy(out, p + 1, (size_t)(q - p - 1));
	return true;
}

/* KERNEL=="cpu8|cpu9|..." as a cpulist; "" when it is a pattern or absent (any CPU). */
static void udev_cpus(const char *t, char *out)
{
	char match[VFE_HM_TEXT_LEN], *tok, *save = NULL;
	struct vfe_cpuset set;

	out[0] = '\0';
	if (!quoted_after(t, "KERNEL==", match))
		return;
	memset(&set, 0, sizeof(set));
	for (tok = strtok_r(match, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		char *end;
		unsigned long cpu;

		if (strncmp(tok, "cpu", 3) || !isdigit((unsigned char)tok[3]))
			return;
		cpu = strtoul(tok + 3, &end, 10);
		if (*end || cpu >= VFE_MAX_CPUS)
			return;
		vfe_cpuset_set(&set, (unsigned int)cpu);
	}
	vfe_cpulist_format(&set, out, VFE_HM_TEXT_LEN);
}

static bool udev_governor(const char *t, char *value, char *cpus)
{
	const char *p = skip_blank(t);

	if (*p == '#' || !strstr(p, "scaling_governor}") || !strstr(p, "SUBSYSTEM==\"cpu\""))
		return false;
	if (!quoted_after(p, "ATTR{cpufreq/scaling_governor}=", value) &&
	    !quoted_after(p, "ATTR{cpufreq/scaling_governor}:=", value))
		return false;
	udev_cpus(p, cpus);
	return true;
}

bool vfe_hm_module_eq(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n && b[i]; i++)
		if ((a[i] == '-' ? '_' : a[i]) != (b[i] == '-' ? '_' : b[i]))
			return false;
	return i == n && !b[i];
}

static bool is_vfio_pci(const char *w, size_t n)
{
	return vfe_hm_module_eq(w, n, "vfio_pci");
}

/* Words of a modprobe.d line: [start, len) pairs. */
static unsigned int words(const char *t, const char **w, size_t *wl, unsigned int max)
{
	unsigned int n = 0;

	for (;;) {
		t = skip_blank(t);
		if (!*t || n == max)
			return n;
		w[n] = t;
		while (*t && *t != ' ' && *t != '\t')
			t++;
		wl[n] = (size_t)(t - w[n]);
		n++;
	}
}

static bool modprobe_ids(const char *t, char *value)
{
	const char *w[64];
	size_t wl[64];
	unsigned int n = words(t, w, wl, 64), i;

	if (n < 3 || wl[0] != 7 || strncmp(w[0], "options", 7) || !is_vfio_pci(w[1], wl[1]))
		return false;
	for (i = 2; i < n; i++)
		if (wl[i] > 4 && !strncmp(w[i], "ids=", 4)) {
			copy(value, w[i] + 4, wl[i] - 4);
			return true;
		}
	return false;
}

static bool modprobe_softdep(const char *t, char *value)
{
	const char *w[64];
	size_t wl[64];
	unsigned int n = words(t, w, wl, 64), i;
	bool pre = false;

	if (n < 4 || wl[0] != 7 || strncmp(w[0], "softdep", 7))
		return false;
	for (i = 2; i < n; i++) {
		if (wl[i] == 4 && !strncmp(w[i], "pre:", 4))
			pre = true;
		else if (wl[i] == 5 && !strncmp(w[i], "post:", 5))
			pre = false;
		else if (pre && is_vfio_pci(w[i], wl[i])) {
			copy(value, w[1], wl[1]);
			return true;
		}
	}
	return false;
}

static bool irqbalance_banned(const char *t, char *value)
{
	const char *p = skip_blank(t);
	size_t n;

	if (strncmp(p, "IRQBALANCE_BANNED_CPULIST=", 26))
		return false;
	p += 26;
	n = strcspn(p, " \t#");
	if (n >= 2 && (p[0] == '"' || p[0] == '\'') && p[n - 1] == p[0]) {
		p++;
		n -= 2;
	}
	copy(value, p, n);
	return true;
}

static bool match(enum vfe_hm_kind kind, const char *t, char *value, char *cpus)
{
	cpus[0] = '\0';
	switch (kind) {
	case VFE_HM_SYSCTL_HUGEPAGES:
		return sysctl_hugepages(t, value);
	case VFE_HM_UDEV_GOVERNOR:
		return udev_governor(t, value, cpus);
	case VFE_HM_MODPROBE_IDS:
		return modprobe_ids(t, value);
	case VFE_HM_MODPROBE_SOFTDEP:
		return modprobe_softdep(t, value);
	case VFE_HM_IRQBALANCE:
		return irqbalance_banned(t, value);
	default:
		return false;
	}
}

static bool continues(enum vfe_hm_kind kind)
{
	return kind == VFE_HM_UDEV_GOVERNOR || kind == VFE_HM_MODPROBE_IDS ||
	       kind == VFE_HM_MODPROBE_SOFTDEP;
}

unsigned int vfe_hm_scan(enum vfe_hm_kind kind, const char *text, size_t len, struct vfe_hm_line *f,
			 unsigned int max)
{
	static struct lline l;
	unsigned int n = 0, lineno = 0;
	size_t pos = 0;

	while (next_line(text, len, &pos, &lineno, continues(kind), &l)) {
		struct vfe_hm_line one;

		/* a NUL byte: not a line of text any of these programs reads as meant */
		if (memchr(text + l.start, '\0', l.end - l.start) ||
		    !match(kind, l.text, one.value, one.cpus))
			continue;
		if (n < max) {
			one.line = l.line;
			copy(one.text, skip_blank(l.text), strlen(skip_blank(l.text)));
			trim(one.text);
			f[n] = one;
		}
		n++;
	}
	return n;
}

int vfe_hm_ids_parse(const char *list, char (*ids)[16], unsigned int max)
{
	unsigned int n = 0, i;
	const char *p = list;

	while (*p) {
		size_t l = strcspn(p, ",");
		unsigned int v, d;
		char id[16], e[64];
		int used = 0;

		if (l && l < sizeof(e)) {
			memcpy(e, p, l);
			e[l] = '\0';
			if (sscanf(e, "%4x:%4x%n", &v, &d, &used) != 2 ||
			    (e[used] && e[used] != ':'))
				return -EINVAL;
			snprintf(id, sizeof(id), "%04x:%04x", v, d);
			for (i = 0; i < n && strcmp(ids[i], id); i++)
				;
			if (i == n && n < max)
				snprintf(ids[n++], 16, "%s", id);
		} else if (l) {
			return -EINVAL;
		}
		p += l + (p[l] == ',');
	}
	return (int)n;
}

static bool id_listed(const char (*ids)[16], unsigned int n_ids, const char *e, size_t len)
{
	char one[1][16], buf[64];
	unsigned int i;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, e, len);
	buf[len] = '\0';
	if (vfe_hm_ids_parse(buf, one, 1) != 1)
		return false;
	for (i = 0; i < n_ids; i++)
		if (!strcmp(ids[i], one[0]))
			return true;
	return false;
}

struct vfe_sbuf_lite {
	char *s;
	size_t len, cap;
	bool err;
};

static void add(struct vfe_sbuf_lite *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p) {
			b->err = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Does the ids list LIST hold one of IDS? */
static bool ids_meet(const char (*ids)[16], unsigned int n_ids, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t l = strcspn(p, ",");

		if (l && id_listed(ids, n_ids, p, l))
			return true;
		p += l + (p[l] == ',');
	}
	return false;
}

/*
 * An options line (N bytes, no line end) without the IDS in its ids=, then NL, into B;
 * nothing when no option is left. Words are split at blanks, as modprobe splits them.
 */
static void modprobe_line_edit(struct vfe_sbuf_lite *b, const char *line, size_t n, const char *nl,
			       const char (*ids)[16], unsigned int n_ids)
{
	const char *p = line, *end = line + n;
	struct vfe_sbuf_lite nb = {0};
	unsigned int options = 0;

	/* word by word, blanks kept; the ids= word rebuilt */
	while (p < end) {
		const char *w = p;
		size_t wl;

		while (w < end && (*w == ' ' || *w == '\t'))
			w++;
		wl = 0;
		while (w + wl < end && w[wl] != ' ' && w[wl] != '\t')
			wl++;
		if (!wl) {
			add(&nb, p, (size_t)(end - p));
			break;
		}
		options++;
		if (wl > 4 && !strncmp(w, "ids=", 4)) {
			const char *q = w + 4, *qe = w + wl;
			bool first = true;
			struct vfe_sbuf_lite ib = {0};

			while (q < qe) {
				const char *c = memchr(q, ',', (size_t)(qe - q));
				size_t l = c ? (size_t)(c - q) : (size_t)(qe - q);

				if (l && !id_listed(ids, n_ids, q, l)) {
					if (!first)
						add(&ib, ",", 1);
					add(&ib, q, l);
					first = false;
				}
				q += l + (c != NULL);
			}
			if (!first) {
				add(&nb, p, (size_t)(w - p));
				add(&nb, "ids=", 4);
				add(&nb, ib.s, ib.len);
			} else {
				options--; /* ids= goes, with the blanks before it */
			}
			b->err |= ib.err;
			free(ib.s);
		} else {
			add(&nb, p, (size_t)(w + wl - p));
		}
		p = w + wl;
	}
	/*
	 * "options vfio-pci" and nothing else: the line goes. The joined line is written as one:
	 * a backslash left at its end (or before a carriage return there) would continue it into
	 * the next line, so both go.
	 */
	if (options > 2) {
		size_t keep = nb.len;

		while (keep && (nb.s[keep - 1] == '\\' || nb.s[keep - 1] == '\r'))
			keep--;
		add(b, nb.s, keep);
		add(b, nl, strlen(nl));
	}
	b->err |= nb.err;
	free(nb.s);
}

/* Hands an edit's text over (OUT, OUTLEN) and says whether anything but comments is left. */
static int edited(struct vfe_sbuf_lite *b, bool content, char **out, size_t *outlen, bool *empty)
{
	if (b->err) {
		free(b->s);
		return -ENOMEM;
	}
	*out = b->s;
	if (outlen)
		*outlen = b->len;
	if (empty)
		*empty = !content;
	return 0;
}

int vfe_hm_edit(enum vfe_hm_kind kind, const char *text, size_t len, const char (*ids)[16],
		unsigned int n_ids, char **out, size_t *outlen, bool *empty)
{
	static struct lline l;
	struct vfe_sbuf_lite b = {0};
	unsigned int lineno = 0;
	size_t pos = 0;
	bool content = false;

	add(&b, "", 0);
	while (next_line(text, len, &pos, &lineno, continues(kind), &l)) {
		char value[VFE_HM_TEXT_LEN], cpus[VFE_HM_TEXT_LEN];
		const char *t = skip_blank(l.text);

		if (!memchr(text + l.start, '\0', l.end - l.start) &&
		    match(kind, l.text, value, cpus) &&
		    (kind != VFE_HM_MODPROBE_IDS || ids_meet(ids, n_ids, value))) {
			if (kind != VFE_HM_MODPROBE_IDS)
				continue;
			{
				struct vfe_sbuf_lite lb = {0};
				size_t e = l.end;
				const char *nl =
				    e > l.start && text[e - 1] == '\n'
					? (e - 1 > l.start && text[e - 2] == '\r' ? "\r\n" : "\n")
					: "";

				/* continued lines come back as one */
				modprobe_line_edit(&lb, l.text, strlen(l.text), nl, ids, n_ids);
				b.err |= lb.err;
				if (lb.len) {
					add(&b, lb.s, lb.len);
					content = true;
				}
				free(lb.s);
			}
			continue;
		}
		add(&b, text + l.start, l.end - l.start);
		content |= *t && *t != '#' && *t != ';';
	}
	return edited(&b, content, out, outlen, empty);
}

bool vfe_hm_softdep_replaced(const char *driver, const char *ours)
{
	const char *line = ours;

	while (line && *line) {
		const char *nl = strchr(line, '\n'), *w[3];
		char one[256];
		size_t wl[3], n = nl ? (size_t)(nl - line) : strlen(line);

		if (n < sizeof(one)) {
			memcpy(one, line, n);
			one[n] = '\0';
			if (words(one, w, wl, 3) == 3 && wl[0] == 7 &&
			    !strncmp(w[0], "softdep", 7) && vfe_hm_module_eq(w[1], wl[1], driver))
				return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

int vfe_hm_edit_softdeps(const char *text, size_t len, const char *ours, char **out, size_t *outlen,
			 bool *empty)
{
	static struct lline l;
	struct vfe_sbuf_lite b = {0};
	unsigned int lineno = 0;
	size_t pos = 0;
	bool content = false;

	add(&b, "", 0);
	while (next_line(text, len, &pos, &lineno, true, &l)) {
		char value[VFE_HM_TEXT_LEN], cpus[VFE_HM_TEXT_LEN];
		const char *t = skip_blank(l.text);

		/* ours gives this driver its softdep line (with this one's other modules) */
		if (!memchr(text + l.start, '\0', l.end - l.start) &&
		    match(VFE_HM_MODPROBE_SOFTDEP, l.text, value, cpus) &&
		    vfe_hm_softdep_replaced(value, ours))
			continue;
		add(&b, text + l.start, l.end - l.start);
		content |= *t && *t != '#';
	}
	return edited(&b, content, out, outlen, empty);
}
