// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Children: the exec sink (a command of the config, through /bin/sh -c)
 * and the mail sink's sendmail.  The notifier's thread writes the input
 * through a non-blocking pipe and polls, so a child that neither reads nor
 * exits costs at most the timeout; then its whole process group is killed
 * and the child reaped, never left a zombie.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert/notify_core.h"
#include "base/xalloc.h"

extern char **environ;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The environment for the child: ours plus extra (built before fork: no malloc after it). */
static char **child_env(const char *const extra[])
{
	size_t n = 0, m = 0;
	char **env;

	while (environ && environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = xcalloc(n + m + 1, sizeof(*env));
	memcpy(env, environ, n * sizeof(*env));
	for (size_t i = 0; i < m; i++)
		env[n + i] = (char *)(uintptr_t)extra[i];
	return env;
}

/* In the child: only async-signal-safe calls until execve. */
static void child_exec(int in_fd, const char *const argv[], char **env)
{
	sigset_t none;
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || (null_fd >= 0 && dup2(null_fd, 1) < 0))
		_exit(126);
	execve(argv[0], (char *const *)(uintptr_t)argv, env);
	_exit(127);
}

/* Writes input into fd and waits for pid until deadline; 0 when it exited, -ETIMEDOUT. */
static int feed_and_wait(pid_t pid, int *fdp, const char *input, size_t len, int64_t deadline,
			 int *status)
{
	size_t done = 0;
	int fd = *fdp;

	for (;;) {
		int64_t left = deadline - mono_ms();
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return 0;
		if (w < 0 && errno == ECHILD) {
			*status = 0; /* SIGCHLD ignored: reaped by the kernel, its status is lost */
			return 0;
		}
		if (left <= 0)
			return -ETIMEDOUT;
		if (fd < 0) {
			poll(NULL, 0, left < 20 ? (int)left : 20);
			continue;
		}
		if (poll(&p, 1, left < 20 ? (int)left : 20) > 0) {
			ssize_t n = done < len ? write(fd, input + done, len - done) : 0;

			if (n > 0)
				done += (size_t)n;
			if (done == len || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(fd); /* EOF for the child, or it stopped reading (EPIPE) */
				fd = *fdp = -1;
			}
		}
	}
}

int notify_run_child(const char *const argv[], const char *const env[], const char *input,
		     size_t len, int64_t timeout_ms, struct strbuf *err)
{
	int64_t deadline = mono_ms() + timeout_ms;
	char **envp = child_env(env);
	int fds[2], status = 0, ret;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC)) {
		ret = -errno;
		strbuf_addf(err, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		strbuf_addf(err, "cannot fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		goto out;
	}
	if (pid == 0)
		child_exec(fds[0], argv, envp);
	setpgid(pid,
		pid); /* as the child does: a kill before it got there still reaches the group */
	close(fds[0]);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	ret = feed_and_wait(pid, &fds[1], input, len, deadline, &status);
	if (fds[1] >= 0)
		close(fds[1]);
	if (ret == -ETIMEDOUT) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		strbuf_addf(err, "'%s' did not finish within %.1fs; killed", argv[0],
			    (double)timeout_ms / 1000.0);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		ret = -ENOEXEC;
		strbuf_addf(err, "cannot run '%s'", argv[0]);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		ret = -ECHILD;
		strbuf_addf(err, "'%s' exited with status %d", argv[0], WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		ret = -ECHILD;
		strbuf_addf(err, "'%s' was killed by signal %d", argv[0], WTERMSIG(status));
	}
out:
	free(envp);
	return ret;
}

/* The exec sink: the events as JSON lines on the command's stdin. */
static int exec_deliver(const struct notify_core *core, const struct alert_event *ev, size_t nr,
			int64_t now_ms, int64_t timeout_ms, struct strbuf *err)
{
	const char *argv[] = { "/bin/sh", "-c", core->cfg.exec, NULL };
	struct strbuf in = STRBUF_INIT;
	char count[48];
	const char *env[] = { count, NULL };
	int ret;

	(void)now_ms;
	snprintf(count, sizeof(count), "CONNMON_ALERTS=%zu", nr);
	for (size_t i = 0; i < nr; i++) {
		alert_event_json(&ev[i], &in);
		strbuf_addch(&in, '\n');
	}
	ret = notify_run_child(argv, env, in.buf, in.len, timeout_ms, err);
	strbuf_release(&in);
	return ret;
}

const struct notify_sink_ops notify_exec_ops = { .deliver = exec_deliver };
