/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The full path of program NAME in the system directories, or NULL. */
const char *vfe_find_program(const char *name, char *buf, size_t size);
/* Run ARGV (argv[0] a full path) with execve and a fixed environment; no shell. Exit status,
 * or -errno when it could not be started. Its output goes to ours. */
int vfe_run_program(char *const argv[]);
/*
 * The same, with its standard output in *OUT (NUL-terminated, at most MAX bytes kept, the
 * rest read and dropped; free it) and its standard error dropped.
 */
int vfe_run_capture(char *const argv[], char **out, size_t max);
/* "a b c" for messages. */
void vfe_argv_join(char *const argv[], char *buf, size_t size);
