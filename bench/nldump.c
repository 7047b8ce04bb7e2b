// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor for `connmon sockets -tan`: the cheapest way to get every TCP
 * socket out of the kernel.  One NETLINK_SOCK_DIAG dump per family (IPv4,
 * then IPv6, as ss does), all states, no extensions, a 32 KiB receive
 * buffer; every message is counted and thrown away.  What this costs is
 * nearly all the kernel's own work, so no socket lister can spend much less.
 *
 * Usage: nldump
 * Prints the number of sockets seen.  Exit 0, or 1 with a message.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

enum {
	RECV_BUF_LEN = 32 * 1024
};

static int send_request(int fd, uint8_t family, uint32_t seq)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = seq;
	msg.req.sdiag_family = family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = ~0u;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* Receives one dump to its end; adds the sockets seen to *nr. */
static int drain_dump(int fd, uint32_t seq, unsigned long *nr)
{
	char buf[RECV_BUF_LEN] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (len == 0)
			return -EPROTO;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error ? e->error : -EPROTO;
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY)
				(*nr)++;
		}
	}
}

int main(int argc, char **argv __attribute__((unused)))
{
	/* inet_diag answers AF_UNSPEC with -ENOENT: one dump per family. */
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	unsigned long nr = 0;
	int fd, err = 0;

	if (argc != 1) {
		fprintf(stderr, "usage: nldump\n");
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		perror("nldump: socket");
		return 1;
	}
	for (size_t i = 0; i < sizeof(families) && !err; i++) {
		uint32_t seq = (uint32_t)i + 1;
		err = send_request(fd, families[i], seq);
		if (!err)
			err = drain_dump(fd, seq, &nr);
	}
	close(fd);
	if (err) {
		fprintf(stderr, "nldump: dump failed: %s\n", strerror(-err));
		return 1;
	}
	printf("%lu\n", nr);
	return 0;
}
