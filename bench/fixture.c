// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The benchmark's socket population, built in the current network namespace
 * (bench/run.sh runs it in a namespace of its own): NPROC processes, each with
 * NLISTEN listeners, NCONN client connections to the next process's
 * listeners, and the NCONN server ends accepted from the previous process.
 * Defaults: 200 processes x (5 listeners + 500 clients + 500 accepted) =
 * 1,000 listeners and 100,000 established connections (200,000 sockets).
 * Spreading them over processes keeps each under the machine's limit of
 * 20,000 open files, and gives `-p` many processes to attribute.
 *
 * Addresses (all on lo, which owns 127.0.0.0/8):
 *   process i listens on 127.1.(i/250).(i%250+1), ports 8000..8000+NLISTEN-1;
 *   its clients bind to one of 50 addresses of its own in 127.2.0.0/16
 *   (client_addr()), so peers spread over NPROC*50 addresses, as the many
 *   clients of a server would; the kernel picks the source port at connect().
 *
 * Usage: cm-fixture [-p NPROC] [-c NCONN] [-l NLISTEN] [-t LIFETIME_S]
 * Prints "ready SOCKETS" on stdout once every connection is established,
 * then holds them until SIGTERM/SIGINT or LIFETIME_S (default 1800 s).
 * Children die with the parent (PR_SET_PDEATHSIG), so killing its PID is
 * enough.  Exit 0, or 1 with a message on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	MAX_PROCS = 1000, /* keeps client_addr() inside 127.2.0.0/16 */
	MAX_LISTEN = 1000,
	BASE_PORT = 8000,
	CLIENT_ADDRS = 50, /* source addresses per process */
	SETUP_TIMEOUT_MS = 120 * 1000,
};

struct fixture {
	unsigned nproc, nconn, nlisten, lifetime_s;
};

/* Child -> parent status bytes on one shared pipe (writes of 1 byte are atomic). */
enum {
	ST_LISTENING = 'L',
	ST_DONE = 'D',
	ST_FAILED = 'E'
};

static uint32_t listen_addr(unsigned proc)
{
	return (127u << 24) | (1u << 16) | ((proc / 250) << 8) | (proc % 250 + 1);
}

static uint32_t client_addr(unsigned proc, unsigned conn)
{
	unsigned n = proc * CLIENT_ADDRS + conn % CLIENT_ADDRS;
	return (127u << 24) | (2u << 16) | ((n / 250) << 8) | (n % 250 + 1);
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	sin.sin_addr.s_addr = htonl(addr);
	return sin;
}

static int open_listeners(const struct fixture *fx, unsigned proc, int *fds)
{
	for (unsigned k = 0; k < fx->nlisten; k++) {
		struct sockaddr_in sin = sin_of(listen_addr(proc), (uint16_t)(BASE_PORT + k));
		int one = 1;

		fds[k] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[k] < 0)
			return -errno;
		setsockopt(fds[k], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fds[k], (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    listen(fds[k], 4096) < 0)
			return -errno;
	}
	return 0;
}

/* Blocking connects: on loopback the handshake completes inside connect(). */
static int connect_clients(const struct fixture *fx, unsigned proc)
{
	unsigned peer = (proc + 1) % fx->nproc;

	for (unsigned c = 0; c < fx->nconn; c++) {
		struct sockaddr_in src = sin_of(client_addr(proc, c), 0);
		struct sockaddr_in dst =
			sin_of(listen_addr(peer), (uint16_t)(BASE_PORT + c % fx->nlisten));
		int one = 1;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		/* Let connect() pick the port per 4-tuple, not bind() per address. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
		    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
			return -errno;
	}
	return 0;
}

static int accept_servers(const struct fixture *fx, const int *lfds)
{
	struct pollfd pfd[MAX_LISTEN];
	unsigned accepted = 0;

	for (unsigned k = 0; k < fx->nlisten; k++)
		pfd[k] = (struct pollfd){ .fd = lfds[k], .events = POLLIN };
	while (accepted < fx->nconn) {
		int n = poll(pfd, fx->nlisten, SETUP_TIMEOUT_MS);
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0 && errno != EINTR)
			return -errno;
		for (unsigned k = 0; k < fx->nlisten && n > 0; k++) {
			if (!(pfd[k].revents & POLLIN))
				continue;
			while (accepted < fx->nconn &&
			       accept4(lfds[k], NULL, NULL, SOCK_CLOEXEC) >= 0)
				accepted++;
			if (errno != EAGAIN && errno != EWOULDBLOCK && accepted < fx->nconn)
				return -errno;
		}
	}
	return 0;
}

static void report(int fd, char status)
{
	while (write(fd, &status, 1) < 0 && errno == EINTR)
		;
}

/* Waits for the parent to close the "go" pipe: every listener is up by then. */
static void wait_go(int go_fd)
{
	char c;

	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void child_main(const struct fixture *fx, unsigned proc, int status_fd, int go_fd)
{
	int lfds[MAX_LISTEN];
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	err = open_listeners(fx, proc, lfds);
	if (err) {
		fprintf(stderr, "cm-fixture: listener of process %u: %s\n", proc, strerror(-err));
		report(status_fd, ST_FAILED);
		_exit(1);
	}
	report(status_fd, ST_LISTENING);
	wait_go(go_fd);
	err = connect_clients(fx, proc);
	if (!err)
		err = accept_servers(fx, lfds);
	if (err) {
		fprintf(stderr, "cm-fixture: connections of process %u: %s\n", proc,
			strerror(-err));
		report(status_fd, ST_FAILED);
		_exit(1);
	}
	report(status_fd, ST_DONE);
	/* Held until the parent dies (PDEATHSIG) or the lifetime runs out. */
	sleep(fx->lifetime_s + 60);
	_exit(0);
}

/* Counts status bytes until `want` of `kind` arrived; fails on ST_FAILED or timeout. */
static int collect_status(int status_fd, char kind, unsigned want)
{
	unsigned got = 0;

	while (got < want) {
		struct pollfd pfd = { .fd = status_fd, .events = POLLIN };
		char buf[256];
		ssize_t n;

		if (poll(&pfd, 1, SETUP_TIMEOUT_MS) == 0)
			return -ETIMEDOUT;
		n = read(status_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == ST_FAILED)
				return -EIO;
			got += buf[i] == kind;
		}
	}
	return 0;
}

static void kill_children(const pid_t *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

static int spawn(const struct fixture *fx, pid_t *pids, int status_fd[2], int go_fd[2])
{
	for (unsigned i = 0; i < fx->nproc; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -errno;
		if (pids[i] == 0) {
			close(status_fd[0]);
			close(go_fd[1]);
			child_main(fx, i, status_fd[1], go_fd[0]);
		}
	}
	return 0;
}

static int build(const struct fixture *fx, pid_t *pids)
{
	int status_fd[2], go_fd[2];
	int err;

	if (pipe2(status_fd, O_CLOEXEC) < 0 || pipe2(go_fd, O_CLOEXEC) < 0)
		return -errno;
	err = spawn(fx, pids, status_fd, go_fd);
	close(status_fd[1]);
	close(go_fd[0]);
	if (!err)
		err = collect_status(status_fd[0], ST_LISTENING, fx->nproc);
	close(go_fd[1]);
	if (!err)
		err = collect_status(status_fd[0], ST_DONE, fx->nproc);
	close(status_fd[0]);
	return err;
}

/* Holds the sockets until asked to stop, or until the lifetime is over. */
static void hold(const struct fixture *fx)
{
	struct timespec timeout = { .tv_sec = fx->lifetime_s };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	while (sigtimedwait(&set, NULL, &timeout) < 0 && errno == EINTR)
		;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct fixture *fx)
{
	int opt;

	while ((opt = getopt(argc, argv, "p:c:l:t:")) != -1) {
		int err = -EINVAL;
		if (opt == 'p')
			err = parse_uint(optarg, 2, MAX_PROCS, &fx->nproc);
		else if (opt == 'c')
			err = parse_uint(optarg, 0, 10000, &fx->nconn);
		else if (opt == 'l')
			err = parse_uint(optarg, 1, MAX_LISTEN, &fx->nlisten);
		else if (opt == 't')
			err = parse_uint(optarg, 1, 86400, &fx->lifetime_s);
		if (err)
			return err;
	}
	return optind == argc ? 0 : -EINVAL;
}

/* Open files per process: listeners + clients + accepted + a few; ask for all of the hard limit. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct fixture fx = { .nproc = 200, .nconn = 500, .nlisten = 5, .lifetime_s = 1800 };
	pid_t *pids;
	int err;

	if (parse_args(argc, argv, &fx)) {
		fprintf(stderr, "usage: cm-fixture [-p NPROC] [-c NCONN] [-l NLISTEN] "
				"[-t LIFETIME_S]\n");
		return 2;
	}
	raise_nofile();
	pids = calloc(fx.nproc, sizeof(*pids));
	if (!pids)
		return 1;
	/* A child that fails must not kill the parent with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	err = build(&fx, pids);
	if (err) {
		fprintf(stderr, "cm-fixture: setup failed: %s\n", strerror(-err));
		kill_children(pids, fx.nproc);
		free(pids);
		return 1;
	}
	printf("ready %lu\n", (unsigned long)fx.nproc * (fx.nlisten + 2ul * fx.nconn));
	fflush(stdout);
	hold(&fx);
	kill_children(pids, fx.nproc);
	free(pids);
	return 0;
}
