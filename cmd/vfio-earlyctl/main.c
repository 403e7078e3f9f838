// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-earlyctl: set up, check and report on vfio-early. One file per command. */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/backup.h"
#include "../../lib/boot/log.h"
#include "../../lib/boot/util.h"
#include "ctl.h"

#ifndef VFE_VERSION
#define VFE_VERSION "0"
#endif

static const struct ctl_cmd *const commands[] = {
    &ctl_cmd_list,	 &ctl_cmd_add,	       &ctl_cmd_remove,	  &ctl_cmd_check,
    &ctl_cmd_regenerate, &ctl_cmd_apply,       &ctl_cmd_rollback, &ctl_cmd_status,
    &ctl_cmd_cpus,	 &ctl_cmd_libvirt_xml, &ctl_cmd_import,
};

static void usage(FILE *out)
{
	size_t i;

	fputs("Usage: vfio-earlyctl [options] COMMAND [--json] [args]\n"
	      "\n"
	      "Set up and check vfio-early: which PCI devices go to vfio-pci at boot.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (i = 0; i < VFE_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->help);
	fputs("\n"
	      "Options:\n"
	      "  -r, --root DIR     work on the system under DIR (sysfs, /etc, /run)\n"
	      "  -c, --config FILE  the config file (default: ROOT/etc/vfio-early.conf)\n"
	      "  -v, --verbose      log more\n"
	      "  -q, --quiet        log errors only\n"
	      "  -w, --wait SECONDS how long a command that writes waits for another one\n"
	      "                     to finish (default 60)\n"
	      "  -h, --help         show this help and exit\n"
	      "  -V, --version      show the version and exit\n"
	      "\n"
	      "See vfio-earlyctl(8).\n",
	      out);
}

int ctl_lock(struct ctl_globals *g)
{
	return vfe_lock_take(g->root, g->lock_wait);
}

bool ctl_confirm(const char *question, const char *what)
{
	char answer[16];

	if (!isatty(STDIN_FILENO)) {
		ERR("not a terminal: run again with --yes to %s", what);
		return false;
	}
	printf("%s [y/N] ", question);
	fflush(stdout);
	return fgets(answer, sizeof(answer), stdin) && (answer[0] == 'y' || answer[0] == 'Y');
}

int ctl_parse_common(struct ctl_globals *g, const struct ctl_cmd *cmd, int argc, char *argv[],
		     const char *usage_text)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			g->json = true;
			break;
		case 'h':
			printf("Usage: vfio-earlyctl %s %s\n\n%s\n", cmd->name, usage_text,
			       cmd->help);
			exit(0);
		default:
			fprintf(stderr, "Try 'vfio-earlyctl %s --help' for more information.\n",
				cmd->name);
			return -1;
		}
	}
	return optind;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"root", required_argument, NULL, 'r'}, {"config", required_argument, NULL, 'c'},
	    {"verbose", no_argument, NULL, 'v'},    {"quiet", no_argument, NULL, 'q'},
	    {"wait", required_argument, NULL, 'w'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0},
	};
	static char config[VFE_PATH_MAX];
	struct ctl_globals g = {.root = "/", .lock_wait = VFE_LOCK_WAIT};
	char *end;
	enum vfe_log_level level = VFE_LOG_WARNING;
	size_t i;
	int c;

	/*
	 * A short run: the heap grows in large steps and is never trimmed. libpci's pci.ids
	 * names (check, list) take 2 MiB in 8 KiB pieces, and freeing them gave memory back to
	 * the kernel in some 250 brk calls (15 ms in pci_cleanup on the 256-CPU bench tree).
	 */
	mallopt(M_TOP_PAD, 8 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	/* "+": global options stop at the command word. */
	while ((c = getopt_long(argc, argv, "+r:c:vqw:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			g.root = optarg;
			break;
		case 'c':
			g.config = optarg;
			break;
		case 'v':
			level = VFE_LOG_DEBUG;
			break;
		case 'q':
			level = VFE_LOG_ERR;
			break;
		case 'w':
			g.lock_wait = (unsigned int)strtoul(optarg, &end, 10);
			if (!optarg[0] || *end || g.lock_wait > 86400) {
				fprintf(stderr, "vfio-earlyctl: --wait needs seconds (0-86400)\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vfio-earlyctl %s\n", VFE_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'vfio-earlyctl --help' for more information.\n");
			return 2;
		}
	}
	if (g.root[0] != '/') {
		fprintf(stderr, "vfio-earlyctl: --root needs an absolute directory\n");
		return 2;
	}
	if (strlen(g.root) > 1 && g.root[strlen(g.root) - 1] == '/') {
		/* "/x/" and "/x" are one root: paths below it are named the same way */
		static char root[VFE_PATH_MAX];
		size_t n;

		snprintf(root, sizeof(root), "%s", g.root);
		for (n = strlen(root); n > 1 && root[n - 1] == '/'; n--)
			root[n - 1] = '\0';
		g.root = root;
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!g.config) {
		if (vfe_path(config, sizeof(config), g.root, "/etc/vfio-early.conf") < 0)
			return 2;
		g.config = config;
	}
	/* The CLI talks to a person: stderr, never the kernel log. */
	vfe_log_open("vfio-earlyctl", NULL);
	vfe_log_set_level(level);
	for (i = 0; i < VFE_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[optind], commands[i]->name))
			return commands[i]->fn(&g, argc - optind, argv + optind);
	fprintf(stderr, "vfio-earlyctl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
