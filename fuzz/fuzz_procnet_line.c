// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/net line parsers.  The first input byte selects the file the line
 * comes from (0: tcp, 1: tcp6, 2: udp, 3: raw6, others: unix); the rest is
 * the line, copied into an exact-size buffer so ASan sees any over-read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collect/procnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_entry s;
	size_t sum = 0;
	char *line;
	int ret;

	if (size < 1)
		return 0;
	line = malloc(size - 1 ? size - 1 : 1);
	memcpy(line, data + 1, size - 1);
	switch (data[0] % 5) {
	case 0:
		ret = procnet_parse_inet_line(line, size - 1, PROTO_TCP, AF_INET, &s);
		break;
	case 1:
		ret = procnet_parse_inet_line(line, size - 1, PROTO_TCP, AF_INET6, &s);
		break;
	case 2:
		ret = procnet_parse_inet_line(line, size - 1, PROTO_UDP, AF_INET, &s);
		break;
	case 3:
		ret = procnet_parse_inet_line(line, size - 1, PROTO_RAW, AF_INET6, &s);
		break;
	default:
		ret = procnet_parse_unix_line(line, size - 1, &s);
		break;
	}
	for (uint32_t i = 0; ret == 0 && s.unix_path && i < s.unix_path_len; i++)
		sum += (uint8_t)s.unix_path[i];
	free(line);
	return sum == 1 ? 1 : 0;
}
