// SPDX-License-Identifier: GPL-2.0-or-later
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#ifndef VFE_VERSION
#define VFE_VERSION "0"
#endif

/*
 * JSON strings are UTF-8: config text and reasons quote the user's bytes (a Latin-1
 * comment, a multi-byte character cut by a %.40s), so every invalid sequence becomes
 * U+FFFD. A valid string is passed as it is.
 */
static json_object *utf8_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), used = 0;
	json_object *o;
	char *out;

	out = malloc(3 * len + 1);
	if (!out)
		return json_object_new_string("");
	while (*p) {
		unsigned int need = *p < 0x80		  ? 0
				    : (*p & 0xe0) == 0xc0 ? 1
				    : (*p & 0xf0) == 0xe0 ? 2
				    : (*p & 0xf8) == 0xf0 ? 3
							  : 4;
		unsigned int k, cp = need == 1 ? *p & 0x1f : need == 2 ? *p & 0x0f : *p & 0x07;
		bool ok = need < 4;

		for (k = 1; ok && k <= need; k++) {
			ok = (p[k] & 0xc0) == 0x80;
			if (ok)
				cp = cp << 6 | (p[k] & 0x3f);
		}
		/* overlong forms, surrogates and code points past U+10FFFF are invalid too */
		if (ok && need &&
		    (cp < (need == 1   ? 0x80U
			   : need == 2 ? 0x800U
				       : 0x10000U) ||
		     (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff))
			ok = false;
		if (ok) {
			memcpy(out + used, p, need + 1);
			used += need + 1;
			p += need + 1;
		} else {
			memcpy(out + used, "\xef\xbf\xbd", 3);
			used += 3;
			p++;
		}
	}
	out[used] = '\0';
	o = json_object_new_string(out);
	free(out);
	return o;
}

static json_object *str_or_null(const char *s)
{
	return s && s[0] ? utf8_string(s) : NULL;
}

void vfe_run_switch_error(struct vfe_run *run, const char *fmt, ...)
{
	va_list ap;

	if (run->n_switch_errors == VFE_ARRAY_SIZE(run->switch_errors))
		return;
	va_start(ap, fmt);
	vsnprintf(run->switch_errors[run->n_switch_errors++], sizeof(run->switch_errors[0]), fmt,
		  ap);
	va_end(ap);
}

static json_object *device_json(const struct vfe_target *t)
{
	json_object *d = json_object_new_object();
	char id[16];

	json_object_object_add(d, "slot", utf8_string(t->rule->slot));
	json_object_object_add(d, "id", utf8_string(t->rule->id));
	if (t->found) {
		snprintf(id, sizeof(id), "%04x:%04x", t->info.vendor, t->info.device);
		json_object_object_add(d, "found_id", json_object_new_string(id));
	} else {
		json_object_object_add(d, "found_id", NULL);
	}
	json_object_object_add(
	    d, "group", t->found && t->info.group >= 0 ? json_object_new_int(t->info.group) : NULL);
	json_object_object_add(d, "driver_before", str_or_null(t->driver_before));
	json_object_object_add(d, "driver_after", str_or_null(t->driver_after));
	json_object_object_add(d, "action", json_object_new_string(vfe_action_name(t->action)));
	json_object_object_add(d, "reason", utf8_string(t->reason));
	json_object_object_add(d, "line",
			       t->rule->line ? json_object_new_int((int)t->rule->line) : NULL);
	return d;
}

static json_object *hugepages_json(const struct vfe_run *run)
{
	json_object *a = json_object_new_array();
	unsigned int i;

	for (i = 0; i < run->n_hugepages; i++) {
		const struct vfe_hugepages_result *hp = &run->hugepages[i];
		json_object *h = json_object_new_object();

		json_object_object_add(h, "size_kb", json_object_new_int64((int64_t)hp->size_kb));
		json_object_object_add(h, "node",
				       hp->node >= 0 ? json_object_new_int(hp->node) : NULL);
		json_object_object_add(h, "requested",
				       json_object_new_int64((int64_t)hp->requested));
		json_object_object_add(h, "before",
				       hp->before >= 0 ? json_object_new_int64(hp->before) : NULL);
		json_object_object_add(
		    h, "reserved", hp->reserved >= 0 ? json_object_new_int64(hp->reserved) : NULL);
		json_object_object_add(h, "write_us",
				       hp->wrote || hp->write_us
					   ? json_object_new_int64((int64_t)hp->write_us)
					   : NULL);
		json_object_object_add(
		    h, "error", hp->error ? json_object_new_string(strerror(-hp->error)) : NULL);
		json_object_array_add(a, h);
	}
	return a;
}

static json_object *cpulist_or_null(const struct vfe_cpuset *set)
{
	json_object *o;
	char *list;

	if (!vfe_cpuset_count(set))
		return NULL;
	list = vfe_cpulist_string(set);
	o = list ? json_object_new_string(list) : NULL;
	free(list);
	return o;
}

static json_object *affinity_json(const struct vfe_run *run)
{
	const struct vfe_affinity_result *res = run->affinity;
	json_object *a;

	if (!run->has_vm_cpus || !res)
		return NULL;
	a = json_object_new_object();
	json_object_object_add(a, "vm_cpus", cpulist_or_null(&res->vm));
	json_object_object_add(a, "host_cpus", cpulist_or_null(&res->host));
	json_object_object_add(a, "refused", str_or_null(res->refused));
	json_object_object_add(a, "default_smp_affinity", str_or_null(res->default_affinity));
	json_object_object_add(a, "irqs_found", json_object_new_int((int)res->irqs_found));
	json_object_object_add(a, "irqs_moved", json_object_new_int((int)res->irqs_moved));
	json_object_object_add(a, "irqs_refused", json_object_new_int((int)res->irqs_refused));
	json_object_object_add(a, "irqs_refused_list", str_or_null(res->refused_irqs));
	json_object_object_add(a, "workqueue", str_or_null(res->workqueue));
	json_object_object_add(a, "governor", str_or_null(res->governor));
	json_object_object_add(a, "governor_cpus", cpulist_or_null(&res->governor_set));
	json_object_object_add(a, "governor_would_set", cpulist_or_null(&res->governor_would_set));
	json_object_object_add(a, "governor_failed", cpulist_or_null(&res->governor_failed));
	json_object_object_add(a, "no_cpufreq", cpulist_or_null(&res->no_cpufreq));
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
	{
		json_object *errors = json_object_new_array();

		for (i = 0; i < run->n_switch_errors; i++)
			json_object_array_add(errors, utf8_string(run->switch_errors[i]));
		json_object_object_add(r, "switch_errors", errors);
	}
	json_object_object_add(r, "log_lines_dropped", json_object_new_int((int)run->log_dropped));
	for (i = 0; run->plan && i < run->plan->n; i++)
		json_object_array_add(devices, device_json(&run->plan->targets[i]));
	json_object_object_add(r, "devices", devices);
	json_object_object_add(r, "hugepages", hugepages_json(run));
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
