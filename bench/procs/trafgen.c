// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Traffic for bench/procs/run.sh: NCONN loopback TCP connections inside one
 * process, each sending CHUNK bytes every PERIOD_MS; the accepted ends read
 * everything.  Runs at most LIFETIME_S seconds (bounded), then exits.
 *
 * Usage: cm-trafgen [-c NCONN] [-b CHUNK] [-p PERIOD_MS] [-t LIFETIME_S]
 * Defaults: 1000 connections, 1024 bytes every 100 ms (10 MB/s in all).
 * Prints "ready PID" once every connection is up, and at exit
 * "sent BYTES" (bytes the kernel accepted from write()).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 10000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int listener(struct sockaddr_in *sin)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) < 0 || listen(fd, 4096) < 0)
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	static int cli[MAX_CONN], srv[MAX_CONN];
	static char buf[65536];
	long nconn = 1000, chunk = 1024, period_ms = 100, life_s = 120;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9000) };
	unsigned long long sent = 0;
	double end, next;
	int c, lfd;

	while ((c = getopt(argc, argv, "c:b:p:t:")) != -1) {
		long v = strtol(optarg, NULL, 10);

		if (c == 'c')
			nconn = v;
		else if (c == 'b')
			chunk = v;
		else if (c == 'p')
			period_ms = v;
		else if (c == 't')
			life_s = v;
		else
			return 2;
	}
	if (nconn < 1 || nconn > MAX_CONN || chunk < 1 || chunk > (long)sizeof(buf) ||
	    period_ms < 1 || life_s < 1 || life_s > 3600)
		return 2;
	sin.sin_addr.s_addr = htonl(0x7f030001); /* 127.3.0.1 */
	lfd = listener(&sin);
	if (lfd < 0) {
		perror("cm-trafgen: listen");
		return 1;
	}
	for (long i = 0; i < nconn; i++) {
		cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cli[i] < 0 || connect(cli[i], (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    (srv[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0) {
			perror("cm-trafgen: connect");
			return 1;
		}
		fcntl(cli[i], F_SETFL, O_NONBLOCK);
	}
	memset(buf, 'z', sizeof(buf));
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	end = now_s() + (double)life_s;
	next = now_s();
	while (now_s() < end) {
		for (long i = 0; i < nconn; i++) {
			ssize_t n = write(cli[i], buf, (size_t)chunk);

			if (n > 0)
				sent += (unsigned long long)n;
		}
		for (long i = 0; i < nconn; i++)
			while (read(srv[i], buf, sizeof(buf)) > 0)
				;
		next += (double)period_ms / 1000;
		while (now_s() < next)
			usleep((useconds_t)((next - now_s()) * 1e6) + 1);
	}
	printf("sent %llu\n", sent);
	return 0;
}
