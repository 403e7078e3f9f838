// SPDX-License-Identifier: GPL-2.0-or-later
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/util.h"

static const char *const search_dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};

const char *vfe_find_program(const char *name, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < VFE_ARRAY_SIZE(search_dirs); i++) {
		snprintf(buf, size, "%s/%s", search_dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* A known environment: the programs run as root and must not inherit surprises. */
static char *const run_envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8", NULL};

static int wait_for(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 127 ? -ENOEXEC : WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int vfe_run_program(char *const argv[])
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(argv[0], argv, run_envp);
		_exit(127);
	}
	return wait_for(pid);
}

int vfe_run_capture(char *const argv[], char **out, size_t max)
{
	size_t len = 0;
	char *buf, drop[4096];
	int fds[2], r;
	pid_t pid;

	*out = NULL;
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		free(buf);
		return r;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (dup2(fds[1], STDOUT_FILENO) < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0 ||
		    dup2(null, STDIN_FILENO) < 0)
			_exit(127);
		execve(argv[0], argv, run_envp);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = len < max ? read(fds[0], buf + len, max - len)
				      : read(fds[0], drop, sizeof(drop));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < max)
			len += (size_t)n;
	}
	close(fds[0]);
	buf[len] = '\0';
	*out = buf;
	return wait_for(pid);
}

void vfe_argv_join(char *const argv[], char *buf, size_t size)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "", argv[i]);
}
