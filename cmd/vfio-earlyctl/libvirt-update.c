// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt-xml --update NAME: the parts of a domain that vfio-early owns (<vcpu>, the pins of
 * <cputune>, <numatune>, the topology and features of <cpu>, the hugepages of
 * <memoryBacking>, the <hostdev>s of the bound devices) taken from the domain libvirt-xml
 * --domain would print and put into the definition libvirt holds; every other element and
 * attribute stays as it is. Read with 'virsh dumpxml --inactive --security-info' (so
 * passwords survive), shown as a diff, kept under /var/lib/vfio-early/libvirt/ and defined
 * with 'virsh define --validate'.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/boot/log.h"
#include "../../lib/run.h"
#include "../../lib/boot/util.h"
#include "libvirt.h"
#include "xml.h"

#define DOMAIN_XML_MAX	   (8 << 20)
#define LIBVIRT_BACKUP_DIR "/var/lib/vfio-early/libvirt"

static bool is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNode *child(xmlNode *parent, const char *name)
{
	xmlNode *n;

	for (n = parent ? parent->children : NULL; n; n = n->next)
		if (is(n, name))
			return n;
	return NULL;
}

static bool attr_is(xmlNode *n, const char *name, const char *value)
{
	xmlChar *v = sym_xmlGetProp(n, (const xmlChar *)name);
	bool same = v && !strcmp((const char *)v, value);

	vfe_xml_free(v);
	return same;
}

/* A numeric attribute (0x.. or decimal), -1 when absent. */
static long attr_num(xmlNode *n, const char *name)
{
	xmlChar *v = sym_xmlGetProp(n, (const xmlChar *)name);
	long r = v ? strtol((const char *)v, NULL, 0) : -1;

	vfe_xml_free(v);
	return r;
}

/* A copy of GEN (from the generated domain) in place of PARENT's first child named alike. */
static xmlNode *put_child(xmlNode *parent, xmlNode *gen)
{
	xmlNode *copy = sym_xmlDocCopyNode(gen, parent->doc, 1),
		*old = child(parent, (const char *)gen->name);

	if (!copy)
		return NULL;
	if (old) {
		sym_xmlReplaceNode(old, copy);
		sym_xmlFreeNode(old);
	} else {
		sym_xmlAddChild(parent, copy);
	}
	return copy;
}

static xmlNode *get_or_add(xmlNode *parent, const char *name)
{
	xmlNode *n = child(parent, name);

	return n ? n : sym_xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

static void remove_children(xmlNode *parent, const char *name)
{
	xmlNode *n, *next;

	for (n = parent->children; n; n = next) {
		next = n->next;
		if (is(n, name)) {
			sym_xmlUnlinkNode(n);
			sym_xmlFreeNode(n);
		}
	}
}

/* <cputune>: our pins replace theirs; shares, quotas and schedulers stay. */
static void update_cputune(xmlNode *cur, xmlNode *gen)
{
	xmlNode *ct = get_or_add(cur, "cputune"), *n, *pin = NULL;
	xmlNode *io = child(cur, "iothreads");
	long i, iothreads = 0;

	if (io) {
		xmlChar *v = sym_xmlNodeGetContent(io);

		iothreads = v ? strtol((const char *)v, NULL, 10) : 0;
		vfe_xml_free(v);
	}
	if (iothreads < 1) {
		put_child(cur, child(gen, "iothreads"));
		iothreads = 1;
	}
	remove_children(ct, "vcpupin");
	remove_children(ct, "emulatorpin");
	remove_children(ct, "iothreadpin");
	for (n = child(gen, "cputune")->children; n; n = n->next) {
		xmlNode *copy;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		copy = sym_xmlAddChild(ct, sym_xmlDocCopyNode(n, ct->doc, 1));
		if (is(n, "iothreadpin"))
			pin = copy;
	}
	/* every I/O thread of theirs with the host's CPUs, as ours */
	for (i = 2; pin && i <= iothreads; i++) {
		xmlNode *more = sym_xmlAddChild(ct, sym_xmlDocCopyNode(pin, ct->doc, 1));
		char id[24];

		snprintf(id, sizeof(id), "%ld", i);
		sym_xmlSetProp(more, (const xmlChar *)"iothread", (const xmlChar *)id);
	}
}

/* <cpu>: our topology and features (topoext, svm/vmx); the mode and the rest stay theirs. */
static void update_cpu(xmlNode *cur, xmlNode *gen)
{
	xmlNode *gcpu = child(gen, "cpu"), *cpu = child(cur, "cpu"), *n, *m;

	if (!cpu) {
		put_child(cur, gcpu);
		return;
	}
	put_child(cpu, child(gcpu, "topology"));
	if (child(gcpu, "cache") && !child(cpu, "cache"))
		put_child(cpu, child(gcpu, "cache"));
	for (n = gcpu->children; n; n = n->next) {
		xmlChar *name;

		if (!is(n, "feature"))
			continue;
		name = sym_xmlGetProp(n, (const xmlChar *)"name");
		for (m = cpu->children; m; m = m->next)
			if (is(m, "feature") && attr_is(m, "name", (const char *)name))
				break;
		if (m) {
			xmlNode *copy = sym_xmlDocCopyNode(n, cpu->doc, 1);

			sym_xmlReplaceNode(m, copy);
			sym_xmlFreeNode(m);
		} else {
			sym_xmlAddChild(cpu, sym_xmlDocCopyNode(n, cpu->doc, 1));
		}
		vfe_xml_free(name);
	}
}

/* <memoryBacking>: our hugepages (none when the config reserves none); access and source stay. */
static void update_memory_backing(xmlNode *cur, xmlNode *gen)
{
	xmlNode *ghp = child(child(gen, "memoryBacking"), "hugepages"),
		*mb = child(cur, "memoryBacking");

	if (ghp) {
		put_child(get_or_add(cur, "memoryBacking"), ghp);
	} else if (mb) {
		remove_children(mb, "hugepages");
		if (!mb->children || !sym_xmlFirstElementChild(mb)) {
			sym_xmlUnlinkNode(mb);
			sym_xmlFreeNode(mb);
		}
	}
}

/* Their <hostdev> of the same host PCI function, or NULL. */
static xmlNode *find_hostdev(xmlNode *devices, xmlNode *gen_hostdev)
{
	xmlNode *ga = child(child(gen_hostdev, "source"), "address"), *n;

	for (n = devices->children; n; n = n->next) {
		xmlNode *a;

		if (!is(n, "hostdev") || !attr_is(n, "type", "pci"))
			continue;
		a = child(child(n, "source"), "address");
		if (a && attr_num(a, "domain") == attr_num(ga, "domain") &&
		    attr_num(a, "bus") == attr_num(ga, "bus") &&
		    attr_num(a, "slot") == attr_num(ga, "slot") &&
		    attr_num(a, "function") == attr_num(ga, "function"))
			return n;
	}
	return NULL;
}

/* A new pcie-root-port after their highest PCI controller index; its index. */
static long add_root_port(xmlNode *devices)
{
	xmlNode *n, *c;
	long max = 0;
	char idx[24];

	for (n = devices->children; n; n = n->next)
		if (is(n, "controller") && attr_is(n, "type", "pci") && attr_num(n, "index") > max)
			max = attr_num(n, "index");
	snprintf(idx, sizeof(idx), "%ld", max + 1);
	c = sym_xmlNewChild(devices, NULL, (const xmlChar *)"controller", NULL);
	sym_xmlSetProp(c, (const xmlChar *)"type", (const xmlChar *)"pci");
	sym_xmlSetProp(c, (const xmlChar *)"index", (const xmlChar *)idx);
	sym_xmlSetProp(c, (const xmlChar *)"model", (const xmlChar *)"pcie-root-port");
	return max + 1;
}

static void set_guest_address(xmlNode *hostdev, long bus, long slot, long fn)
{
	xmlNode *a = sym_xmlNewDocNode(hostdev->doc, NULL, (const xmlChar *)"address", NULL), *old;
	char v[24];

	sym_xmlSetProp(a, (const xmlChar *)"type", (const xmlChar *)"pci");
	sym_xmlSetProp(a, (const xmlChar *)"domain", (const xmlChar *)"0x0000");
	snprintf(v, sizeof(v), "0x%02lx", bus);
	sym_xmlSetProp(a, (const xmlChar *)"bus", (const xmlChar *)v);
	snprintf(v, sizeof(v), "0x%02lx", slot);
	sym_xmlSetProp(a, (const xmlChar *)"slot", (const xmlChar *)v);
	snprintf(v, sizeof(v), "0x%lx", fn);
	sym_xmlSetProp(a, (const xmlChar *)"function", (const xmlChar *)v);
	if (!fn)
		sym_xmlSetProp(a, (const xmlChar *)"multifunction", (const xmlChar *)"on");
	old = child(hostdev, "address");
	if (old) {
		sym_xmlReplaceNode(old, a);
		sym_xmlFreeNode(old);
	} else {
		sym_xmlAddChild(hostdev, a);
	}
}

/*
 * Every bound device a <hostdev managed='no'>: theirs for the same function kept (a <rom>,
 * a boot order stay), a new one otherwise. The functions of one card go into one guest
 * slot: where their function 0 sat, or behind a new root port.
 */
static void update_hostdevs(xmlNode *cur, xmlNode *gen)
{
	xmlNode *devices = get_or_add(cur, "devices"), *n;
	long group;

	for (n = child(gen, "devices")->children; n; n = n->next) {
		xmlNode *mine;

		if (!is(n, "hostdev"))
			continue;
		mine = find_hostdev(devices, n);
		if (mine) {
			sym_xmlSetProp(mine, (const xmlChar *)"managed", (const xmlChar *)"no");
		} else {
			mine = sym_xmlAddChild(devices, sym_xmlDocCopyNode(n, devices->doc, 1));
			remove_children(mine, "address"); /* placed below, or by libvirt */
		}
	}
	/* the generated domain numbers the cards' root ports 1, 2, ... */
	for (group = 1;; group++) {
		xmlNode *first = NULL, *fn0;
		long bus = -1, slot = 0;

		for (n = child(gen, "devices")->children; n; n = n->next) {
			xmlNode *a = child(n, "address");

			if (is(n, "hostdev") && a && attr_num(a, "bus") == group &&
			    attr_num(a, "function") == 0)
				first = n;
		}
		if (!first)
			break;
		fn0 = child(find_hostdev(devices, first), "address");
		if (fn0 && attr_is(fn0, "type", "pci")) {
			bus = attr_num(fn0, "bus");
			slot = attr_num(fn0, "slot");
		} else {
			bus = add_root_port(devices);
		}
		for (n = child(gen, "devices")->children; n; n = n->next) {
			xmlNode *a = child(n, "address");

			if (is(n, "hostdev") && a && attr_num(a, "bus") == group)
				set_guest_address(find_hostdev(devices, n), bus, slot,
						  attr_num(a, "function"));
		}
	}
}

static char *serialize(xmlDoc *doc)
{
	xmlChar *buf = NULL;
	int len = 0;
	char *s;

	sym_xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
	if (!buf)
		return NULL;
	s = strndup((const char *)buf, (size_t)len);
	vfe_xml_free(buf);
	return s;
}

/* TEXT into a new temporary file; its name in PATH. */
static int temp_file(char *path, size_t size, const char *text)
{
	int fd;
	size_t len = strlen(text);

	snprintf(path, size, "/tmp/vfio-earlyctl-domain-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		close(fd);
		unlink(path);
		return -e;
	}
	close(fd);
	return 0;
}

static void show_diff(const char *name, const char *before, const char *after)
{
	char a[64], b[64], diff[256], la[300], lb[300];

	if (temp_file(a, sizeof(a), before) < 0)
		return;
	if (temp_file(b, sizeof(b), after) < 0) {
		unlink(a);
		return;
	}
	snprintf(la, sizeof(la), "%s (libvirt's definition)", name);
	snprintf(lb, sizeof(lb), "%s (with vfio-early's parts)", name);
	if (vfe_find_program("diff", diff, sizeof(diff))) {
		char *argv[] = {diff, "-u", "--label", la, "--label", lb, a, b, NULL};

		fflush(stdout);
		vfe_run_program(argv);
	} else {
		printf("(diff(1) not found)\n");
	}
	unlink(a);
	unlink(b);
}

/* virsh [-c URI] ARGS...: ARGV gets the words; its length. */
static int virsh_argv(char *argv[], const char *virsh, const char *uri)
{
	int n = 0;

	argv[n++] = (char *)virsh;
	if (uri) {
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)uri;
	}
	return n;
}

/* Their definition, kept where a 'virsh define' puts it back; its path in PATH. */
static int keep_old(const char *root, const char *name, const char *text, char *path, size_t size)
{
	char dir[4096];
	int r;

	vfe_path(dir, sizeof(dir), root, LIBVIRT_BACKUP_DIR);
	r = vfe_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	if ((size_t)snprintf(path, size, "%s/%s.%lld.xml", dir, name, (long long)time(NULL)) >=
		size ||
	    strchr(name, '/'))
		return -ENAMETOOLONG;
	return vfe_write_atomic(path, text, strlen(text));
}

static void print_json(const struct vfe_libvirt_update *u, bool changed, bool defined,
		       const char *kept, const char *error)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "domain", json_object_new_string(u->name));
	json_object_object_add(o, "error", error ? json_object_new_string(error) : NULL);
	json_object_object_add(o, "changed", json_object_new_boolean(changed));
	json_object_object_add(o, "dry_run", json_object_new_boolean(u->dry_run));
	json_object_object_add(o, "defined", json_object_new_boolean(defined));
	json_object_object_add(o, "backup", kept && *kept ? json_object_new_string(kept) : NULL);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

int vfe_libvirt_update(struct ctl_globals *g, const struct vfe_libvirt_update *u)
{
	char virsh[256], tmp[64], kept[4200] = "", why[400] = "";
	char *argv[12], *text = NULL, *before = NULL, *after = NULL;
	xmlDoc *cur = NULL, *gen = NULL;
	bool changed = false, defined = false;
	int n, r;

/* the error, and its words for --json's "error" */
#define FAIL(...)                                        \
	do {                                             \
		ERR(__VA_ARGS__);                        \
		snprintf(why, sizeof(why), __VA_ARGS__); \
	} while (0)

	if (!vfe_find_program("virsh", virsh, sizeof(virsh))) {
		FAIL("virsh not found (Debian: libvirt-clients)");
		r = -ENOENT;
		goto out;
	}
	r = vfe_xml_open();
	if (r < 0) {
		snprintf(why, sizeof(why), "libxml2 cannot be loaded");
		goto out;
	}
	r = ctl_lock(g);
	if (r < 0) {
		snprintf(why, sizeof(why), "another vfio-earlyctl holds the lock");
		goto out;
	}
	n = virsh_argv(argv, virsh, u->uri);
	argv[n++] = (char *)"dumpxml";
	argv[n++] = (char *)"--inactive";
	argv[n++] = (char *)"--security-info";
	argv[n++] = (char *)u->name;
	argv[n] = NULL;
	r = vfe_run_capture(argv, &text, DOMAIN_XML_MAX);
	if (r != 0) {
		FAIL("virsh dumpxml %s: %s (is it defined? 'virsh list --all')", u->name,
		     r < 0 ? strerror(-r) : "failed");
		r = -ENOENT;
		goto out;
	}
	cur = sym_xmlReadMemory(text, (int)strlen(text), "libvirt", NULL,
				XML_PARSE_NOBLANKS | XML_PARSE_NONET);
	gen = sym_xmlReadMemory(u->generated, (int)strlen(u->generated), "generated", NULL,
				XML_PARSE_NOBLANKS | XML_PARSE_NONET);
	if (!cur || !gen || !is(sym_xmlDocGetRootElement(cur), "domain")) {
		FAIL("%s: libvirt's definition does not parse as a domain", u->name);
		r = -EINVAL;
		goto out;
	}
	before = serialize(cur);
	{
		xmlNode *c = sym_xmlDocGetRootElement(cur), *s = sym_xmlDocGetRootElement(gen);

		put_child(c, child(s, "vcpu"));
		update_cputune(c, s);
		if (child(s, "numatune"))
			put_child(c, child(s, "numatune"));
		update_cpu(c, s);
		update_memory_backing(c, s);
		update_hostdevs(c, s);
	}
	after = serialize(cur);
	if (!before || !after) {
		r = -ENOMEM;
		goto out;
	}
	changed = strcmp(before, after) != 0;
	if (!changed) {
		if (!g->json)
			printf("%s: vfio-early's parts are as the config wants them; nothing to "
			       "change\n",
			       u->name);
		r = 0;
		goto out;
	}
	if (!g->json)
		show_diff(u->name, before, after);
	if (u->dry_run) {
		r = 0;
		goto out;
	}
	if (!u->yes && (g->json || !ctl_confirm("Define the domain with these changes?",
						"define the domain"))) {
		if (g->json)
			FAIL("--json: add --yes to define the domain");
		r = -ECANCELED;
		goto out;
	}
	r = keep_old(g->root, u->name, text, kept, sizeof(kept));
	if (r < 0) {
		FAIL("cannot keep the old definition of %s: %s", u->name, strerror(-r));
		goto out;
	}
	r = temp_file(tmp, sizeof(tmp), after);
	if (r < 0) {
		FAIL("cannot write a temporary file: %s", strerror(-r));
		goto out;
	}
	n = virsh_argv(argv, virsh, u->uri);
	argv[n++] = (char *)"define";
	argv[n++] = (char *)"--validate";
	argv[n++] = tmp;
	argv[n] = NULL;
	fflush(stdout);
	r = vfe_run_program(argv);
	unlink(tmp);
	if (r != 0) {
		FAIL("virsh define of %s failed: the domain is as it was", u->name);
		r = -EIO;
		goto out;
	}
	defined = true;
	if (!g->json)
		printf("%s: defined; its definition before is in %s ('virsh define' it to go "
		       "back)\n",
		       u->name, kept);
out:
	if (g->json)
		print_json(u, changed, defined, kept, r >= 0 ? NULL : why[0] ? why : strerror(-r));
	sym_xmlFreeDoc(cur);
	sym_xmlFreeDoc(gen);
	free(text);
	free(before);
	free(after);
	return r;
#undef FAIL
}
