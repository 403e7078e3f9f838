// SPDX-License-Identifier: GPL-2.0-or-later
/* status: what the helper did at this boot (its report), and whether it still holds now. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/config.h"
#include "../../lib/log.h"
#include "../../lib/report.h"
#include "../../lib/util.h"
#include "ctl.h"

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static void driver_now(const char *root, const char *slot, char *buf, size_t size)
{
	char path[VFE_PATH_MAX];

	buf[0] = '\0';
	if (vfe_pathf(path, sizeof(path), root, "/sys/bus/pci/devices/%s/driver", slot) == 0)
		vfe_read_link_name(path, buf, size);
}

static int do_status(struct ctl_globals *g, int argc, char *argv[])
{
	char path[VFE_PATH_MAX], now[64];
	json_object *report, *devices, *live;
	static struct vfe_config conf;
	unsigned int i, bad = 0;
	char err[320];
	size_t k;

	if (ctl_parse_common(g, &ctl_cmd_status, argc, argv, "[--json]") != argc)
		return 2;
	vfe_path(path, sizeof(path), g->root, VFE_REPORT_PATH);
	report = json_object_from_file(path);
	if (!report)
		WRN("no boot report at %s: the helper did not run this boot", path);
	if (vfe_config_load(&conf, g->config, err, sizeof(err)) < 0 && !report) {
		ERR("%s", err);
		return 1;
	}
	live = json_object_new_array();
	for (i = 0; i < conf.n_binds; i++) {
		json_object *l = json_object_new_object();

		driver_now(g->root, conf.binds[i].slot, now, sizeof(now));
		json_object_object_add(l, "slot", json_object_new_string(conf.binds[i].slot));
		json_object_object_add(l, "driver", now[0] ? json_object_new_string(now) : NULL);
		json_object_object_add(l, "on_vfio_pci",
				       json_object_new_boolean(!strcmp(now, "vfio-pci")));
		json_object_array_add(live, l);
		bad += strcmp(now, "vfio-pci") != 0;
	}
	if (g->json) {
		json_object *out = json_object_new_object();

		json_object_object_add(out, "report", json_object_get(report));
		json_object_object_add(out, "live", live);
		printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
									  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(out);
		json_object_put(report);
		return bad ? 1 : 0;
	}
	if (report) {
		json_object *v;

		if (json_object_object_get_ex(report, "disabled", &v) && json_object_get_boolean(v))
			printf("At boot: switched off by vfio_early.off\n");
		if (str(json_object_object_get(report, "config"), "error"))
			printf("At boot: config rejected: %s\n",
			       str(json_object_object_get(report, "config"), "error"));
		printf("At boot (%s us):\n", str(report, "duration_us"));
		if (json_object_object_get_ex(report, "devices", &devices))
			for (k = 0; k < json_object_array_length(devices); k++) {
				json_object *d = json_object_array_get_idx(devices, k);

				printf("  %-12s %-8s %s\n", str(d, "slot"), str(d, "action"),
				       str(d, "reason") ? str(d, "reason") : "");
			}
	}
	printf("Now:\n");
	for (i = 0; i < conf.n_binds; i++) {
		driver_now(g->root, conf.binds[i].slot, now, sizeof(now));
		printf("  %-12s %-10s %s\n", conf.binds[i].slot, now[0] ? now : "(none)",
		       !strcmp(now, "vfio-pci") ? "ok" : "NOT on vfio-pci");
	}
	json_object_put(live);
	json_object_put(report);
	return bad ? 1 : 0;
}

const struct ctl_cmd ctl_cmd_status = {"status", do_status,
				       "the boot report and a live check of every target"};
