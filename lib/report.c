// SPDX-License-Identifier: GPL-2.0-or-later
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#ifndef VFE_VERSION
#define VFE_VERSION "0"
#endif

static json_object *str_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

long vfe_hugepages_reserved(const char *root, unsigned long size_kb, int node)
{
	char path[VFE_PATH_MAX], buf[32];
	ssize_t n;
	int r;

	if (node < 0)
		r = vfe_pathf(path, sizeof(path), root,
			      "/sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages", size_kb);
	else
		r = vfe_pathf(path, sizeof(path), root,
			      "/sys/devices/system/node/node%d/hugepages/hugepages-%lukB/nr_hugepages",
			      node, size_kb);
	if (r < 0)
		return r;
	n = vfe_read_file(path, buf, sizeof(buf));
	return n < 0 ? n : strtol(buf, NULL, 10);
}

int vfe_possible_cpus(const char *root, struct vfe_cpuset *set)
{
	char path[VFE_PATH_MAX], buf[256];
	ssize_t n;

	if (vfe_path(path, sizeof(path), root, "/sys/devices/system/cpu/possible") < 0)
		return -ENAMETOOLONG;
	n = vfe_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return vfe_cpulist_parse(buf, set) ? -EINVAL : 0;
}

static json_object *device_json(const struct vfe_target *t)
{
	json_object *d = json_object_new_object();
	char id[16];

	json_object_object_add(d, "slot", json_object_new_string(t->rule->slot));
	json_object_object_add(d, "id", json_object_new_string(t->rule->id));
	if (t->found) {
		snprintf(id, sizeof(id), "%04x:%04x", t->info.vendor, t->info.device);
		json_object_object_add(d, "found_id", json_object_new_string(id));
	} else {
		json_object_object_add(d, "found_id", NULL);
	}
	json_object_object_add(d, "group", t->found && t->info.group >= 0
						   ? json_object_new_int(t->info.group)
						   : NULL);
	json_object_object_add(d, "driver_before", str_or_null(t->driver_before));
	json_object_object_add(d, "driver_after", str_or_null(t->driver_after));
	json_object_object_add(d, "action", json_object_new_string(vfe_action_name(t->action)));
	json_object_object_add(d, "reason", json_object_new_string(t->reason));
	json_object_object_add(d, "line", t->rule->line ? json_object_new_int((int)t->rule->line)
						       : NULL);
	return d;
}

static json_object *hugepages_json(const struct vfe_run *run)
{
	json_object *a = json_object_new_array();
	unsigned int i;

	for (i = 0; i < run->n_hugepages; i++) {
		const struct vfe_hugepages *hp = &run->hugepages[i];
		json_object *h = json_object_new_object();
		long now = vfe_hugepages_reserved(run->root, hp->size_kb, hp->node);

		json_object_object_add(h, "size_kb", json_object_new_int64((int64_t)hp->size_kb));
		json_object_object_add(h, "node", hp->node >= 0 ? json_object_new_int(hp->node) : NULL);
		json_object_object_add(h, "requested", json_object_new_int64((int64_t)hp->count));
		json_object_object_add(h, "reserved", now >= 0 ? json_object_new_int64(now) : NULL);
		json_object_array_add(a, h);
	}
	return a;
}

static json_object *affinity_json(const struct vfe_run *run)
{
	json_object *a = json_object_new_object();
	struct vfe_cpuset possible, host;
	char buf[1024];
	unsigned int i;

	if (!run->has_vm_cpus) {
		json_object_put(a);
		return NULL;
	}
	vfe_cpulist_format(run->vm_cpus, buf, sizeof(buf));
	json_object_object_add(a, "vm_cpus", json_object_new_string(buf));
	if (vfe_possible_cpus(run->root, &possible) == 0) {
		memset(&host, 0, sizeof(host));
		for (i = 0; i < VFE_MAX_CPUS; i++)
			if (vfe_cpuset_test(&possible, i) && !vfe_cpuset_test(run->vm_cpus, i))
				vfe_cpuset_set(&host, i);
		vfe_cpulist_format(&host, buf, sizeof(buf));
		json_object_object_add(a, "host_cpus", json_object_new_string(buf));
	} else {
		json_object_object_add(a, "host_cpus", NULL);
	}
	json_object_object_add(a, "irqs_moved", json_object_new_int(0));
	json_object_object_add(a, "irqs_refused", json_object_new_int(0));
	json_object_object_add(a, "workqueue", NULL);
	json_object_object_add(a, "governor", str_or_null(run->governor));
	json_object_object_add(a, "note", str_or_null(run->affinity_note));
	return a;
}

json_object *vfe_report_build(const struct vfe_run *run)
{
	json_object *r = json_object_new_object();
	json_object *config = json_object_new_object();
	json_object *devices = json_object_new_array();
	unsigned int i;

	json_object_object_add(r, "version", json_object_new_string(VFE_VERSION));
	json_object_object_add(r, "disabled", json_object_new_boolean(run->disabled));
	json_object_object_add(r, "dry_run", json_object_new_boolean(run->dry_run));
	json_object_object_add(r, "duration_us", json_object_new_int64((int64_t)run->duration_us));
	json_object_object_add(config, "path", str_or_null(run->config_path));
	json_object_object_add(config, "ok", json_object_new_boolean(run->config_ok));
	json_object_object_add(config, "error", str_or_null(run->config_error));
	json_object_object_add(r, "config", config);
	for (i = 0; run->plan && i < run->plan->n; i++)
		json_object_array_add(devices, device_json(&run->plan->targets[i]));
	json_object_object_add(r, "devices", devices);
	json_object_object_add(r, "hugepages", hugepages_json(run));
	json_object_object_add(r, "hugepages_note", str_or_null(run->hugepages_note));
	json_object_object_add(r, "affinity", affinity_json(run));
	return r;
}

int vfe_report_write(const char *root, json_object *report)
{
	char dir[VFE_PATH_MAX], path[VFE_PATH_MAX];
	const char *text;
	size_t len;
	int r;

	if (vfe_path(dir, sizeof(dir), root, "/run/vfio-early") < 0 ||
	    vfe_path(path, sizeof(path), root, VFE_REPORT_PATH) < 0)
		return -ENAMETOOLONG;
	r = vfe_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	text = json_object_to_json_string_length(report, JSON_C_TO_STRING_PRETTY, &len);
	{
		char *buf = malloc(len + 2);

		if (!buf)
			return -ENOMEM;
		memcpy(buf, text, len);
		buf[len] = '\n';
		r = vfe_write_atomic(path, buf, len + 1);
		free(buf);
	}
	return r;
}
