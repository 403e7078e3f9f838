// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backups and atomic replaces for the files vfio-earlyctl edits. A backup is a directory
 * ROOT/var/lib/vfio-early/backup/<N>, N a sequence number one past the highest there is (the
 * lock makes that safe; a wall clock can step back). It holds "manifest", one line per file:
 *
 *   file <mode octal> <uid> <gid> <label hex or -> <path below ROOT>
 *   absent <path below ROOT>
 *   nodir <directory below ROOT>
 *
 * "nodir" names a directory that did not exist when the first change was made, above a file
 * that did not either: writing the file creates it, and a restore removes it again when it is
 * empty (never one the user had, never one with anything in it).
 * and the bytes of each file under files/<path>. A restored backup is renamed <N>.restored.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "boot/log.h"
#include "boot/util.h"

#define LABEL_XATTR "security.selinux"
#define LABEL_MAX   256
#define FILE_MAX    (64 << 20)

struct meta {
	bool exists;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	char label[LABEL_MAX];
	ssize_t label_len; /* -1: none */
};

struct vfe_backup_entry {
	char path[VFE_PATH_MAX]; /* as the caller names it */
	char real[VFE_PATH_MAX]; /* the file itself */
	struct meta m;
	bool written;
};

int vfe_lock_take(const char *root, unsigned int wait_s)
{
	char path[VFE_PATH_MAX], dir[VFE_PATH_MAX];
	unsigned long long start = vfe_now_us();
	bool said = false;
	int fd;

	if (vfe_path(path, sizeof(path), root, VFE_LOCK_PATH) < 0)
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	vfe_mkdir_p(dir, 0755);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ERR("cannot open the lock %s: %s", path, strerror(errno));
		return -errno;
	}
	/* the descriptor stays open: the lock is held until the process exits */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		if (errno != EWOULDBLOCK && errno != EINTR) {
			int r = -errno;

			ERR("cannot lock %s: %s", path, strerror(-r));
			close(fd);
			return r;
		}
		if (!said) {
			fprintf(
			    stderr,
			    "vfio-earlyctl: waiting for another vfio-earlyctl to finish (lock %s, "
			    "up to %u s)\n",
			    path, wait_s);
			said = true;
		}
		if (vfe_now_us() - start >= (unsigned long long)wait_s * 1000000) {
			ERR("gave up after %u s: another vfio-earlyctl still holds %s; nothing "
			    "changed",
			    wait_s, path);
			close(fd);
			return -ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* PATH's part below ROOT, for the manifest and the copies. */
static const char *below_root(const char *root, const char *path)
{
	size_t n = root && strcmp(root, "/") ? strlen(root) : 0;

	return n && !strncmp(path, root, n) ? path + n : path;
}

int vfe_file_resolve(const char *root, const char *path, char *real, size_t size)
{
	char cur[VFE_PATH_MAX], target[VFE_PATH_MAX], next[VFE_PATH_MAX];
	int hops;

	snprintf(cur, sizeof(cur), "%s", path);
	for (hops = 0; hops < 40; hops++) {
		ssize_t n = readlink(cur, target, sizeof(target) - 1);

		if (n < 0) {
			if (errno != EINVAL && errno != ENOENT)
				return -errno;
			if ((size_t)snprintf(real, size, "%s", cur) >= size)
				return -ENAMETOOLONG;
			return 0;
		}
		target[n] = '\0';
		if (target[0] == '/') {
			if (vfe_path(next, sizeof(next), root, target) < 0)
				return -ENAMETOOLONG;
		} else {
			char *slash = strrchr(cur, '/');

			*slash = '\0';
			if ((size_t)snprintf(next, sizeof(next), "%s/%s", cur, target) >=
			    sizeof(next))
				return -ENAMETOOLONG;
		}
		snprintf(cur, sizeof(cur), "%s", next);
	}
	return -ELOOP;
}

static int meta_read(const char *real, struct meta *m)
{
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->label_len = -1;
	if (lstat(real, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(st.st_mode))
		return -EISDIR; /* nothing else is ours to replace */
	m->exists = true;
	m->mode = st.st_mode & 07777;
	m->uid = st.st_uid;
	m->gid = st.st_gid;
	m->label_len = lgetxattr(real, LABEL_XATTR, m->label, sizeof(m->label));
	if (m->label_len < 0 && errno != ENODATA && errno != ENOTSUP)
		return -errno;
	return 0;
}

static bool meta_same(const struct meta *a, const struct meta *b)
{
	return a->exists == b->exists && a->mode == b->mode && a->uid == b->uid &&
	       a->gid == b->gid && a->label_len == b->label_len &&
	       (a->label_len <= 0 || !memcmp(a->label, b->label, (size_t)a->label_len));
}

/*
 * REAL gets DATA through a temporary file beside it (hidden, not executable: no glob of
 * grub-mkconfig, modprobe or run-parts picks it up) with M's mode, owner and label.
 */
static int replace_file(const char *real, const char *data, size_t len, const struct meta *m)
{
	char tmp[VFE_PATH_MAX], *slash;
	size_t done = 0;
	int fd, r = 0;

	slash = strrchr(real, '/');
	if (!slash || (size_t)snprintf(tmp, sizeof(tmp), "%.*s/.%s.vfe-XXXXXX", (int)(slash - real),
				       real, slash + 1) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		done += (size_t)n;
	}
	if (fchown(fd, m->uid, m->gid) < 0 || fchmod(fd, m->mode) < 0) {
		r = -errno;
		goto fail;
	}
	if (m->label_len >= 0 &&
	    fsetxattr(fd, LABEL_XATTR, m->label, (size_t)m->label_len, 0) < 0 && errno != ENOTSUP) {
		r = -errno;
		goto fail;
	}
	if (fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	r = close(fd) < 0 ? -errno : 0;
	fd = -1;
	if (r == 0 && rename(tmp, real) < 0)
		r = -errno;
	if (r < 0)
		goto fail;
	return vfe_fsync_dir_of(real);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

static int remove_file(const char *real)
{
	if (unlink(real) < 0)
		return errno == ENOENT ? 0 : -errno;
	return vfe_fsync_dir_of(real);
}

/* Sequence number of a backup directory's name ("12", "12.restored"); 0 for any other. */
static unsigned long seq_of(const char *name, bool *restored)
{
	char *end;
	unsigned long n;

	if (name[0] < '0' || name[0] > '9')
		return 0;
	n = strtoul(name, &end, 10);
	if (*end && strcmp(end, ".restored"))
		return 0;
	if (restored)
		*restored = *end != '\0';
	return n;
}

static int by_seq(const struct dirent **a, const struct dirent **b)
{
	unsigned long x = seq_of((*a)->d_name, NULL), y = seq_of((*b)->d_name, NULL);

	return x < y ? -1 : x > y;
}

static int is_backup(const struct dirent *d)
{
	return seq_of(d->d_name, NULL) > 0;
}

/* The backups under ROOT, oldest first; -errno. */
static int list_backups(const char *root, char *dir, size_t size, struct dirent ***list)
{
	int n;

	if (vfe_path(dir, size, root, VFE_BACKUP_DIR) < 0)
		return -ENAMETOOLONG;
	n = scandir(dir, list, is_backup, by_seq);
	return n < 0 ? -errno : n;
}

static void free_list(struct dirent **list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int vfe_backup_begin(struct vfe_backup *b, const char *root, const char *command)
{
	char dir[VFE_PATH_MAX - 64], path[VFE_PATH_MAX + 16];
	struct dirent **list = NULL;
	int n, r, fd;

	memset(b, 0, sizeof(*b));
	b->root = root;
	n = list_backups(root, dir, sizeof(dir), &list);
	if (n == -ENOENT)
		n = 0;
	if (n < 0)
		return n;
	b->seq = n ? seq_of(list[n - 1]->d_name, NULL) + 1 : 1;
	free_list(list, n);
	r = vfe_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	if ((size_t)snprintf(b->dir, sizeof(b->dir), "%s/%lu", dir, b->seq) >= sizeof(b->dir) - 64)
		return -ENAMETOOLONG;
	if (mkdir(b->dir, 0700) < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/command", b->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dprintf(fd, "%s\n", command);
		close(fd);
	}
	return 0;
}

const char *vfe_backup_name(const struct vfe_backup *b)
{
	return below_root(b->root, b->dir);
}

static struct vfe_backup_entry *find_entry(struct vfe_backup *b, const char *path)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (!strcmp(b->e[i].path, path))
			return &b->e[i];
	return NULL;
}

int vfe_backup_add(struct vfe_backup *b, const char *path, const char *expect, size_t expect_len)
{
	struct vfe_backup_entry *e, *grown;
	char copy[VFE_PATH_MAX], *data = NULL;
	size_t len = 0;
	int r;

	if (b->sealed || find_entry(b, path))
		return -EINVAL;
	grown = realloc(b->e, (b->n + 1) * sizeof(*b->e));
	if (!grown)
		return -ENOMEM;
	b->e = grown;
	e = &b->e[b->n];
	memset(e, 0, sizeof(*e));
	snprintf(e->path, sizeof(e->path), "%s", path);
	r = vfe_file_resolve(b->root, path, e->real, sizeof(e->real));
	if (r == 0 && strchr(below_root(b->root, e->real), '\n'))
		r = -EINVAL;
	if (r == 0)
		r = meta_read(e->real, &e->m);
	if (r == 0 && e->m.exists)
		r = vfe_slurp(e->real, FILE_MAX, &data, &len);
	if (r < 0)
		goto out;
	if (expect != VFE_BACKUP_ANY_STATE &&
	    (!expect != !e->m.exists ||
	     (expect && (len != expect_len || memcmp(data, expect, len))))) {
		r = -ESTALE;
		goto out;
	}
	if (e->m.exists) {
		if ((size_t)snprintf(copy, sizeof(copy), "%s/files%s", b->dir,
				     below_root(b->root, e->real)) >= sizeof(copy)) {
			r = -ENAMETOOLONG;
			goto out;
		}
		*strrchr(copy, '/') = '\0';
		r = vfe_mkdir_p(copy, 0700);
		strcat(copy, strrchr(e->real, '/'));
		if (r == 0)
			r = replace_file(
			    copy, data, len,
			    &(struct meta){.exists = true, .mode = 0600, .label_len = -1});
	}
	if (r == 0)
		b->n++;
out:
	free(data);
	return r;
}

/* A "nodir" line for each directory above REAL (below ROOT) that does not exist. */
static void print_nodirs(FILE *f, const char *root, const char *real)
{
	char dir[VFE_PATH_MAX], *slash;
	size_t top = root && strcmp(root, "/") ? strlen(root) : 0;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", real);
	while ((slash = strrchr(dir, '/')) && (size_t)(slash - dir) > top) {
		*slash = '\0';
		if (lstat(dir, &st) == 0 || errno != ENOENT)
			break;
		fprintf(f, "nodir %s\n", below_root(root, dir));
	}
}

/* The manifest, written before the first change and synced with the copies. */
static int seal(struct vfe_backup *b)
{
	char path[VFE_PATH_MAX + 16], *text = NULL;
	size_t len = 0;
	FILE *f;
	unsigned int i;
	int r;

	if (b->sealed)
		return 0;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < b->n; i++) {
		const struct meta *mt = &b->e[i].m;
		const char *rel = below_root(b->root, b->e[i].real);
		ssize_t k;

		if (!mt->exists) {
			fprintf(f, "absent %s\n", rel);
			print_nodirs(f, b->root, b->e[i].real);
			continue;
		}
		fprintf(f, "file %o %u %u ", (unsigned int)mt->mode, (unsigned int)mt->uid,
			(unsigned int)mt->gid);
		for (k = 0; k < mt->label_len; k++)
			fprintf(f, "%02x", (unsigned char)mt->label[k]);
		fprintf(f, "%s %s\n", mt->label_len > 0 ? "" : "-", rel);
	}
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/manifest", b->dir);
	r = replace_file(path, text, len,
			 &(struct meta){.exists = true, .mode = 0600, .label_len = -1});
	free(text);
	if (r == 0)
		r = vfe_fsync_dir_of(b->dir);
	if (r == 0)
		b->sealed = true;
	return r;
}

/* What a file that did not exist gets: MODE, our owner, no label. */
static struct meta new_meta(mode_t mode)
{
	return (struct meta){
	    .exists = true, .mode = mode, .uid = geteuid(), .gid = getegid(), .label_len = -1};
}

int vfe_backup_write(struct vfe_backup *b, const char *path, const char *data, size_t len,
		     mode_t mode_new)
{
	struct vfe_backup_entry *e = find_entry(b, path);
	struct meta m;
	char dir[VFE_PATH_MAX];
	int r;

	if (!e)
		return -EINVAL;
	r = seal(b);
	if (r < 0)
		return r;
	m = e->m.exists ? e->m : new_meta(mode_new);
	if (!e->m.exists) {
		snprintf(dir, sizeof(dir), "%s", e->real);
		*strrchr(dir, '/') = '\0';
		r = vfe_mkdir_p(dir, 0755);
		if (r < 0)
			return r;
	}
	e->written = true; /* even a failed replace is checked on undo */
	return replace_file(e->real, data, len, &m);
}

int vfe_backup_remove(struct vfe_backup *b, const char *path)
{
	struct vfe_backup_entry *e = find_entry(b, path);
	int r;

	if (!e)
		return -EINVAL;
	r = seal(b);
	if (r < 0)
		return r;
	e->written = true;
	return remove_file(e->real);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

void vfe_backup_end(struct vfe_backup *b)
{
	char dir[VFE_PATH_MAX], path[2 * VFE_PATH_MAX];
	struct dirent **list = NULL;
	int n, i;

	n = list_backups(b->root, dir, sizeof(dir), &list);
	for (i = 0; i + VFE_BACKUP_KEEP < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
			WRN("cannot delete the old backup %s: %s", path, strerror(errno));
	}
	if (n > 0)
		free_list(list, n);
	free(b->e);
	b->e = NULL;
	b->n = 0;
}

void vfe_backup_discard(struct vfe_backup *b)
{
	if (b->dir[0])
		nftw(b->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(b->e);
	memset(b, 0, sizeof(*b));
}

static int mark_restored(const char *dir)
{
	char done[VFE_PATH_MAX + 16];

	snprintf(done, sizeof(done), "%s.restored", dir);
	return rename(dir, done) < 0 ? -errno : 0;
}

/* REAL back to the copy COPY with M (or gone when !M->exists), unless it is so already. */
static int restore_one(const char *real, const char *copy, const struct meta *m, bool *changed)
{
	struct meta now;
	char *want = NULL, *have = NULL;
	size_t wlen = 0, hlen = 0;
	int r;

	*changed = false;
	r = meta_read(real, &now);
	if (r == -EISDIR)
		return r;
	if (r < 0)
		return r;
	if (!m->exists) {
		if (!now.exists)
			return 0;
		*changed = true;
		return remove_file(real);
	}
	r = vfe_slurp(copy, FILE_MAX, &want, &wlen);
	if (r < 0)
		return r;
	if (now.exists && vfe_slurp(real, FILE_MAX, &have, &hlen) == 0 && meta_same(&now, m) &&
	    hlen == wlen && !memcmp(have, want, wlen)) {
		free(want);
		free(have);
		return 0;
	}
	free(have);
	if (!now.exists) {
		char dir[VFE_PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", real);
		*strrchr(dir, '/') = '\0';
		vfe_mkdir_p(dir, 0755);
	}
	*changed = true;
	r = replace_file(real, want, wlen, m);
	free(want);
	return r;
}

static int parse_line(char *line, struct meta *m, char **rel)
{
	unsigned int mode, uid, gid;
	char label[2 * LABEL_MAX + 2];
	int used = 0;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->label_len = -1;
	if (!strncmp(line, "absent /", 8)) {
		*rel = line + 7;
		return 0;
	}
	if (sscanf(line, "file %o %u %u %513s %n", &mode, &uid, &gid, label, &used) != 4 || !used ||
	    line[used] != '/')
		return -EINVAL;
	m->exists = true;
	m->mode = mode;
	m->uid = uid;
	m->gid = gid;
	if (strcmp(label, "-")) {
		for (i = 0; label[2 * i] && label[2 * i + 1] && i < LABEL_MAX; i++)
			sscanf(label + 2 * i, "%2hhx", (unsigned char *)&m->label[i]);
		m->label_len = (ssize_t)i;
	}
	*rel = line + used;
	return 0;
}

static int deeper_first(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return x > y ? -1 : x < y;
}

/* Restore what DIR's manifest lists; with ONLY (entries of a change set) just those written. */
static int restore_dir(const char *root, const char *dir, const struct vfe_backup *only)
{
	char path[VFE_PATH_MAX + 16], *list = NULL, *line, *save = NULL, *dirs[64];
	unsigned int failed = 0, ndirs = 0, d;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/manifest", dir);
	r = vfe_slurp(path, 16 << 20, &list, &len);
	if (r == -ENOENT && only && !only->sealed)
		return 0; /* nothing was written */
	if (r < 0) {
		ERR("cannot read %s: %s", path, strerror(-r));
		return r;
	}
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char real[VFE_PATH_MAX], copy[2 * VFE_PATH_MAX], *rel;
		struct meta m;
		bool changed, wanted = !only;
		unsigned int i;

		if (!strncmp(line, "nodir /", 7)) {
			if (ndirs < VFE_ARRAY_SIZE(dirs))
				dirs[ndirs++] = line + 6;
			continue;
		}
		if (parse_line(line, &m, &rel) < 0 || vfe_path(real, sizeof(real), root, rel) < 0) {
			ERR("%s: a line cannot be read: %s", path, line);
			failed++;
			continue;
		}
		for (i = 0; only && i < only->n; i++)
			wanted |= only->e[i].written && !strcmp(only->e[i].real, real);
		if (!wanted)
			continue;
		snprintf(copy, sizeof(copy), "%s/files%s", dir, rel);
		r = restore_one(real, copy, &m, &changed);
		if (r < 0) {
			ERR("cannot put back %s: %s", real, strerror(-r));
			failed++;
		} else if (changed) {
			printf("%s %s\n", m.exists ? "restored" : "removed", real);
		}
	}
	/* the directories the change made, deepest first, each only when nothing is left in it */
	qsort(dirs, ndirs, sizeof(*dirs), deeper_first);
	for (d = 0; d < ndirs; d++) {
		char real[VFE_PATH_MAX];

		if (vfe_path(real, sizeof(real), root, dirs[d]) == 0 && rmdir(real) == 0)
			printf("removed %s/\n", real);
	}
	free(list);
	return failed ? -EIO : 0;
}

int vfe_backup_undo(struct vfe_backup *b)
{
	int r = restore_dir(b->root, b->dir, b);

	if (r == 0)
		r = mark_restored(b->dir);
	free(b->e);
	b->e = NULL;
	b->n = 0;
	return r;
}

int vfe_backup_latest(const char *root, char *buf, size_t size)
{
	char dir[VFE_PATH_MAX];
	struct dirent **list = NULL;
	int n, i, r = -ENOENT;

	n = list_backups(root, dir, sizeof(dir), &list);
	if (n < 0)
		return -ENOENT;
	for (i = n - 1; i >= 0 && r == -ENOENT; i--) {
		bool restored;

		seq_of(list[i]->d_name, &restored);
		if (!restored) {
			snprintf(buf, size, "%s", list[i]->d_name);
			r = 0;
		}
	}
	free_list(list, n);
	return r;
}

int vfe_backup_restore(const char *root, const char *name)
{
	char dir[VFE_PATH_MAX];
	int r;

	if (vfe_pathf(dir, sizeof(dir), root, "%s/%s", VFE_BACKUP_DIR, name) < 0)
		return -ENAMETOOLONG;
	r = restore_dir(root, dir, NULL);
	if (r == 0)
		r = mark_restored(dir);
	return r;
}
