/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fallback socket source: <proc_root>/net/{tcp,tcp6,udp,udp6,raw,raw6,unix}
 * when NETLINK_SOCK_DIAG is not available.  Same visitor contract as
 * sockdiag_dump(): each socket is parsed into a stack sock_entry and visited.
 * The files lack cookies, memory and most tcp_info; those fields stay zero and
 * their SOCK_HAS_ bits unset.
 *
 * Errors: 0, the visitor's non-zero value, or -errno when no file could be
 * read.  Malformed lines are counted in *nr_bad and skipped.
 */
#ifndef CONNMON_COLLECT_PROCNET_H
#define CONNMON_COLLECT_PROCNET_H

#include <stddef.h>
#include <stdint.h>

#include "collect/sockdiag.h"

int procnet_dump(const char *proc_root, const struct sockdiag_query *q, sock_visit_fn visit,
		 void *arg, struct sockdiag_stats *stats);

/*
 * Pure line parsers (tests, fuzzing).  line is one line without the newline,
 * not NUL-terminated.  Return 0, or -EBADMSG.  unix_path points into line.
 */
int procnet_parse_inet_line(const char *line, size_t len, enum sock_proto proto, int family,
			    struct sock_entry *out);
int procnet_parse_unix_line(const char *line, size_t len, struct sock_entry *out);

#endif
