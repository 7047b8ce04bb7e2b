/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One local address and the interface that holds it: what collect reads
 * (getifaddrs) and analyze/pair_bytes uses to name a host pair's interface.
 * Plain data.
 */
#ifndef CONNMON_MODEL_ADDR_IFACE_H
#define CONNMON_MODEL_ADDR_IFACE_H

#include <stdint.h>

struct addr_iface {
	uint8_t family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes, the rest zero */
	char ifname[16];  /* IFNAMSIZ, NUL-terminated */
};

#endif
