// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cost bench's client (docs/PERFORMANCE.md, "Local socket"): COUNT
 * times, one connection, "GET TARGET" with Connection: close, the answer
 * read to EOF; the same code over a unix socket or TCP, so that only the
 * transport differs.  Usage:
 *   sock_bench unix PATH TARGET COUNT
 *   sock_bench tcp ADDR PORT TARGET COUNT
 * Prints "requests N bytes B user_ms U sys_ms S" (its own CPU time); exits 1
 * when a request fails or an answer is not 200.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int dial(const char *family, const char *where, const char *port)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	struct sockaddr_in si = { .sin_family = AF_INET };
	int unix_ = !strcmp(family, "unix");
	int fd = socket(unix_ ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (unix_) {
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", where);
		if (connect(fd, (struct sockaddr *)&su, sizeof(su)) == 0)
			return fd;
	} else {
		si.sin_port = htons((uint16_t)strtoul(port, NULL, 10));
		if (inet_pton(AF_INET, where, &si.sin_addr) == 1 &&
		    connect(fd, (struct sockaddr *)&si, sizeof(si)) == 0)
			return fd;
	}
	close(fd);
	return -1;
}

/* One exchange: the answer's size, or -1. */
static long once(int fd, const char *target, char *buf, size_t size)
{
	char req[512];
	int len =
		snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", target);
	long total = 0;
	ssize_t n;

	if (len <= 0 || (size_t)len >= sizeof(req) || write(fd, req, (size_t)len) != len)
		return -1;
	while ((n = read(fd, buf, size)) > 0) {
		if (total == 0 && (n < 12 || memcmp(buf + 9, "200", 3)))
			return -1;
		total += n;
	}
	return n < 0 ? -1 : total;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	int tcp = argc == 6 && !strcmp(argv[1], "tcp");
	const char *target = argv[tcp ? 4 : 3];
	long count, bytes = 0;
	struct rusage ru;

	if (!(tcp || (argc == 5 && !strcmp(argv[1], "unix")))) {
		fputs("usage: sock_bench unix PATH TARGET COUNT | tcp ADDR PORT TARGET COUNT\n",
		      stderr);
		return 2;
	}
	count = strtol(argv[tcp ? 5 : 4], NULL, 10);
	for (long i = 0; i < count; i++) {
		int fd = dial(argv[1], argv[2], tcp ? argv[3] : NULL);
		long n = fd < 0 ? -1 : once(fd, target, buf, sizeof(buf));

		if (fd >= 0)
			close(fd);
		if (n < 0) {
			fprintf(stderr, "sock_bench: request %ld failed\n", i);
			return 1;
		}
		bytes += n;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("requests %ld bytes %ld user_ms %ld sys_ms %ld\n", count, bytes,
	       ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000,
	       ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
	return 0;
}
