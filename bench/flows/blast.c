// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A bounded UDP packet blaster for the flows benchmark: sends COUNT datagrams
 * of PAYLOAD bytes (18: 60-byte Ethernet frames) with sendmmsg(2) in batches
 * of 256, and stops after COUNT packets or SECONDS, whichever comes first.
 * The destination ports are PORT, PORT+1, ... PORT+NPORTS-1 in turn (default
 * one port), all from one socket: NPORTS distinct UDP 5-tuples, each packet a
 * different flow from the one before, so a flow table cannot ride on a cache
 * of the last flow.  Prints "sent N packets in S s (R pps)".
 *
 *   blast ADDR PORT COUNT SECONDS [PAYLOAD [NPORTS]]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	BATCH = 256,
	MAX_PAYLOAD = 1472
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char payload[MAX_PAYLOAD];
	static struct sockaddr_in dst[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	struct in_addr addr;
	unsigned long long count, sent = 0;
	unsigned long port, nports = 1, next = 0;
	double limit_s, start, now;
	size_t len = 18;
	int fd;

	if (argc < 5 || inet_pton(AF_INET, argv[1], &addr) != 1) {
		fprintf(stderr, "usage: blast ADDR PORT COUNT SECONDS [PAYLOAD [NPORTS]]\n");
		return 2;
	}
	port = strtoul(argv[2], NULL, 10);
	count = strtoull(argv[3], NULL, 10);
	limit_s = strtod(argv[4], NULL);
	if (argc > 5)
		len = strtoul(argv[5], NULL, 10);
	if (argc > 6)
		nports = strtoul(argv[6], NULL, 10);
	if (len > MAX_PAYLOAD || limit_s <= 0 || limit_s > 600 || port == 0 || nports == 0 ||
	    port + nports - 1 > 65535) {
		fprintf(stderr,
			"blast: payload at most %d bytes, 0 < SECONDS <= 600, "
			"ports PORT..PORT+NPORTS-1 within 1..65535\n",
			MAX_PAYLOAD);
		return 2;
	}
	/* Unconnected: the destination changes per datagram, and a port
	 * unreachable coming back (rate-limited by the receiver) is not an
	 * error to report on a socket that is not connected. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("blast: socket");
		return 1;
	}
	iov = (struct iovec){ .iov_base = payload, .iov_len = len };
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		dst[i] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = addr };
		msgs[i].msg_hdr.msg_name = &dst[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(dst[i]);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now = mono_s();
	while (sent < count && now - start < limit_s) {
		unsigned n = count - sent < BATCH ? (unsigned)(count - sent) : BATCH;
		int r;

		/* The ports of this batch continue where the datagrams actually
		 * sent so far left off: a short send repeats no port early. */
		for (unsigned i = 0; i < n; i++)
			dst[i].sin_port = htons((uint16_t)(port + (next + i) % nports));
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			/* ECONNREFUSED should not reach an unconnected socket; if a
			 * port unreachable does, sending on is still right. */
			if (errno != ECONNREFUSED && errno != ENOBUFS && errno != EINTR) {
				perror("blast: sendmmsg");
				return 1;
			}
		} else {
			sent += (unsigned)r;
			next = (next + (unsigned)r) % nports;
		}
		now = mono_s(); /* vDSO: ~20 ns per batch of 256 */
	}
	now = mono_s();
	printf("sent %llu packets in %.3f s (%.0f pps)\n", sent, now - start,
	       (double)sent / (now - start));
	close(fd);
	return 0;
}
