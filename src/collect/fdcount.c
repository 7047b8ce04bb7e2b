// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/fdcount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/strbuf.h"

/* The first unsigned number (or "unlimited") at *p, skipping blanks. */
static int read_limit(const char **p, const char *end, uint64_t *v)
{
	const char *q = *p;
	uint64_t n = 0;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if ((size_t)(end - q) >= 9 && !memcmp(q, "unlimited", 9)) {
		*v = FDCOUNT_UNLIMITED;
		*p = q + 9;
		return 0;
	}
	if (q == end || *q < '0' || *q > '9')
		return -EPROTO;
	while (q < end && *q >= '0' && *q <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			return -EPROTO;
		n = n * 10 + (uint64_t)(*q++ - '0');
	}
	*v = n;
	*p = q;
	return 0;
}

int fdcount_parse_limits(const char *text, size_t len, uint64_t *soft_limit)
{
	static const char key[] = "Max open files";
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > sizeof(key) - 1 && !memcmp(p, key, sizeof(key) - 1)) {
			const char *q = p + sizeof(key) - 1;

			return read_limit(&q, eol, soft_limit);
		}
		p = eol + 1;
	}
	return -EPROTO;
}

static int count_fds(const char *proc_root, int32_t pid, uint64_t *nr_open)
{
	char path[256];
	struct dirent *d;
	uint64_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%d/fd", proc_root, (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return -errno;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	*nr_open = n;
	return 0;
}

int fdcount_read(const char *proc_root, int32_t pid, uint64_t *nr_open, uint64_t *soft_limit)
{
	struct strbuf text = STRBUF_INIT;
	char path[256];
	int rc;

	snprintf(path, sizeof(path), "%s/%d/limits", proc_root, (int)pid);
	rc = strbuf_read_file(&text, path, 2048);
	if (rc >= 0)
		rc = fdcount_parse_limits(text.buf, text.len, soft_limit);
	strbuf_release(&text);
	if (rc < 0)
		return rc;
	return count_fds(proc_root, pid, nr_open);
}

int fdcount_iface_addrs(struct addr_iface *out, size_t cap)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i != NULL && n < cap; i = i->ifa_next) {
		struct addr_iface *a = &out[n];

		if (i->ifa_addr == NULL || i->ifa_name == NULL)
			continue;
		memset(a, 0, sizeof(*a));
		if (i->ifa_addr->sa_family == AF_INET) {
			memcpy(a->addr,
			       &((const struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(a->addr,
			       &((const struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		a->family = (uint8_t)i->ifa_addr->sa_family;
		snprintf(a->ifname, sizeof(a->ifname), "%s", i->ifa_name);
		n++;
	}
	freeifaddrs(ifa);
	return (int)n;
}
