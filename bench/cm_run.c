// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs one command and reports what it cost, for bench/run.sh.
 *
 * Usage: cm-run [-t LIMIT_S] COMMAND [ARG...]
 * The command's stdout goes to /dev/null; its stderr is kept.  It runs in a
 * process group of its own; after LIMIT_S seconds (default 600) the whole
 * group is killed, so a pipeline cannot outlive its time limit.  On stderr
 * cm-run then prints one line:
 *   cm-run: WALL_S USER_S SYS_S MAXRSS_KIB STATUS
 * Wall time comes from CLOCK_MONOTONIC around fork..wait, so it has
 * nanosecond resolution (/usr/bin/time's %e has 10 ms).  CPU times and peak
 * RSS come from wait4(), which includes the descendants the command reaped:
 * a `sh -c 'a | b'` pipeline is charged for all of its stages.
 * STATUS is the exit code, or 128+signal.  cm-run exits with that status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static double elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void exec_child(char **argv, const sigset_t *oldmask)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	setpgid(0, 0);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (null < 0 || dup2(null, STDOUT_FILENO) < 0) {
		perror("cm-run: /dev/null");
		_exit(126);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "cm-run: cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Waits for pid until limit_s seconds after *start; kills its process group
 * when the limit passes.  SIGCHLD is blocked, so none is lost between checks.
 */
static int wait_limited(pid_t pid, const struct timespec *start, double limit_s,
			const sigset_t *chld, int *wstatus, struct rusage *ru)
{
	for (;;) {
		struct timespec now, tick = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
		pid_t got = wait4(pid, wstatus, WNOHANG, ru);

		if (got == pid)
			return 0;
		if (got < 0 && errno != EINTR)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (elapsed_s(start, &now) > limit_s) {
			fprintf(stderr, "cm-run: command ran over %.0f s, killed\n", limit_s);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (wait4(pid, wstatus, 0, ru) < 0)
				if (errno != EINTR)
					return -errno;
			return 0;
		}
		sigtimedwait(chld, NULL, &tick);
	}
}

int main(int argc, char **argv)
{
	struct timespec start, end;
	struct rusage ru;
	sigset_t chld, oldmask;
	double limit_s = 600;
	int wstatus, status, argi = 1;
	pid_t pid;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		char *endp;
		limit_s = strtod(argv[2], &endp);
		if (endp == argv[2] || *endp || limit_s <= 0)
			argc = 0;
		argi = 3;
	}
	if (argc <= argi) {
		fprintf(stderr, "usage: cm-run [-t LIMIT_S] COMMAND [ARG...]\n");
		return 2;
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &oldmask);
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid < 0) {
		perror("cm-run: fork");
		return 126;
	}
	if (pid == 0)
		exec_child(argv + argi, &oldmask);
	/* Also here: whichever of parent and child runs first, the group exists. */
	setpgid(pid, pid);
	if (wait_limited(pid, &start, limit_s, &chld, &wstatus, &ru) < 0) {
		perror("cm-run: wait4");
		return 126;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	fprintf(stderr, "cm-run: %.6f %.6f %.6f %ld %d\n", elapsed_s(&start, &end),
		seconds(&ru.ru_utime), seconds(&ru.ru_stime), ru.ru_maxrss, status);
	return status;
}
