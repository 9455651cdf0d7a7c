// SPDX-License-Identifier: GPL-2.0-only
/* Starting the processes of one measurement: see processes.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "processes.h"

extern char **environ;

/* Set by on_stop; the child being waited for, to pass the signal on to. */
static volatile sig_atomic_t stop_signal;
static volatile pid_t waited_child;
/* Inside pb_process_stop_begin/end: the stop handlers stay between processes. */
static bool series;
static struct sigaction series_term, series_hup;

static void on_stop(int sig)
{
	stop_signal = sig;
	if (waited_child > 0)
		kill(waited_child, sig);
}

int pb_process_stop_signal(void)
{
	return stop_signal;
}

/* This environment with @extra's keys replaced or added; NULL when out of memory. */
static char **merged_env(char *const extra[])
{
	size_t n = 0, m = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = calloc(n + m + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t klen = strcspn(environ[i], "=");
		bool replaced = false;

		for (size_t j = 0; j < m && !replaced; j++)
			replaced = !strncmp(extra[j], environ[i], klen) && extra[j][klen] == '=';
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		env[k++] = extra[j];
	env[k] = NULL;
	return env;
}

static void restore_signals(const struct sigaction *i, const struct sigaction *q,
			    const struct sigaction *t, const struct sigaction *h)
{
	sigaction(SIGINT, i, NULL);
	sigaction(SIGQUIT, q, NULL);
	if (series)
		return;		/* pb_process_stop_end restores them */
	sigaction(SIGTERM, t, NULL);
	sigaction(SIGHUP, h, NULL);
}

void pb_process_stop_begin(void)
{
	struct sigaction stop = { .sa_handler = on_stop };

	sigemptyset(&stop.sa_mask);
	sigaction(SIGTERM, &stop, &series_term);
	sigaction(SIGHUP, &stop, &series_hup);
	series = true;
}

void pb_process_stop_end(void)
{
	if (!series)
		return;
	series = false;
	sigaction(SIGTERM, &series_term, NULL);
	sigaction(SIGHUP, &series_hup, NULL);
}

int pb_process_run(char *const argv[], char *const env[], struct pb_err *err)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, stop = { .sa_handler = on_stop };
	struct sigaction old_int, old_quit, old_term, old_hup;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def;
	char **e = merged_env(env);
	int rc, status;
	pid_t pid;

	if (!e)
		return pb_err_set(err, "out of memory");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	/*
	 * As system() does: ^C goes to the child (default handling there), the parent waits
	 * it out, sees the signal in its status and cleans up after it.
	 */
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGQUIT);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	/* kill PARENT reaches the parent only: it passes the signal on, then cleans up. */
	sigemptyset(&stop.sa_mask);
	if (!series) {
		sigaction(SIGTERM, &stop, &old_term);
		sigaction(SIGHUP, &stop, &old_hup);
	}
	if (stop_signal) {
		rc = 0;
		pid = -1;
	} else {
		rc = strchr(argv[0], '/') ? posix_spawn(&pid, argv[0], &fa, &attr, argv, e) :
				     posix_spawnp(&pid, argv[0], &fa, &attr, argv, e);
		if (!rc)
			waited_child = pid;
		/* A signal between the spawn and the line above is passed on here. */
		if (!rc && stop_signal)
			kill(pid, stop_signal);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(e);
	if (rc || pid < 0) {
		restore_signals(&old_int, &old_quit, &old_term, &old_hup);
		if (pid < 0)
			return pb_err_set(err, "stopped by signal %d before %s started",
					  (int)stop_signal, argv[0]);
		return pb_err_set(err, "cannot run %s: %s", argv[0], strerror(rc));
	}
	while ((rc = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	waited_child = 0;
	restore_signals(&old_int, &old_quit, &old_term, &old_hup);
	if (rc < 0)
		return pb_err_set(err, "waiting for %s: %s", argv[0], strerror(errno));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

bool pb_process_child(unsigned *index, unsigned *count)
{
	const char *v = getenv(PB_PROCESS_ENV);
	unsigned i, n;
	int end = 0;

	*index = 0;
	*count = 1;
	if (!v || sscanf(v, "%u/%u%n", &i, &n, &end) != 2 || v[end] || i >= n)
		return false;
	*index = i;
	*count = n;
	return true;
}

int pb_process_self(char *buf, size_t len, struct pb_err *err)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n < 0)
		return pb_err_set(err, "cannot find this program's binary (/proc/self/exe): %s",
				  strerror(errno));
	path[n] = '\0';
	if ((size_t)n >= len)
		return pb_err_set(err, "%s: path too long", path);
	memcpy(buf, path, (size_t)n + 1);
	return 0;
}

bool pb_abba_is_b(unsigned k)
{
	return k % 4 == 1 || k % 4 == 2;
}
