// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-early: hand the configured PCI devices to vfio-pci before any host driver. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/boot/log.h"
#include "boot.h"

#ifndef VFE_VERSION
#define VFE_VERSION "0"
#endif

static void usage(FILE *out)
{
	fputs("Usage: vfio-early [options]\n"
	      "\n"
	      "Bind the PCI devices named in /etc/vfio-early.conf to vfio-pci, by slot AND id,\n"
	      "before udev and the host drivers. Runs from the initramfs at every boot.\n"
	      "\n"
	      "Options:\n"
	      "  -r, --root DIR     resolve /sys, /proc, /etc, /run, /dev/kmsg, /lib/modules under "
	      "DIR\n"
	      "  -c, --config FILE  read FILE instead of ROOT/etc/vfio-early.conf\n"
	      "  -n, --dry-run      decide and log everything, write nothing (report on stdout)\n"
	      "  -v, --verbose      log every decision and every sysfs write\n"
	      "  -q, --quiet        log errors only\n"
	      "  -h, --help         show this help and exit\n"
	      "  -V, --version      show the version and exit\n"
	      "\n"
	      "Exit status: 0 everything asked for is in place; 1 something was skipped, refused\n"
	      "or failed (all logged); 2 usage error.\n"
	      "\n"
	      "See vfio-early(8) and vfio-early.conf(5).\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"root", required_argument, NULL, 'r'}, {"config", required_argument, NULL, 'c'},
	    {"dry-run", no_argument, NULL, 'n'},    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0},
	};
	struct vfe_boot_opts opts = {.root = "/"};
	int c, status;

	while ((c = getopt_long(argc, argv, "r:c:nvqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			opts.root = optarg;
			break;
		case 'c':
			opts.config = optarg;
			break;
		case 'n':
			opts.dry_run = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'q':
			opts.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vfio-early %s\n", VFE_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'vfio-early --help' for more information.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfio-early: unexpected argument '%s'\n", argv[optind]);
		fprintf(stderr, "Try 'vfio-early --help' for more information.\n");
		return 2;
	}
	if (!opts.root[0] || opts.root[0] != '/') {
		fprintf(stderr, "vfio-early: --root needs an absolute directory\n");
		return 2;
	}

	vfe_log_open("vfio-early", opts.root);
	/* A person at a terminal wants to see what happened, not only the kernel log. */
	vfe_log_also_stderr(isatty(STDERR_FILENO));
	vfe_log_set_level(opts.quiet ? VFE_LOG_ERR : opts.verbose ? VFE_LOG_DEBUG : VFE_LOG_INFO);
	status = vfe_boot_run(&opts);
	vfe_log_close();
	return status;
}
