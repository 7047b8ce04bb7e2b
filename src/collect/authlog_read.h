/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where sshd's lines come from: the systemd journal and log files, read
 * from their tail, without blocking, into collect/authlog's parser.
 *
 * Journal: entries with _COMM=sshd, _COMM=sshd-session,
 * SYSLOG_IDENTIFIER=sshd or SYSLOG_IDENTIFIER=sshd-session, local machine
 * only, starting after the last entry present at open.  Its descriptor
 * (authlog_reader_fd) is for the caller's poll loop; entries are read by
 * authlog_reader_poll, which also runs sd_journal_process.
 *
 * Files: the configured ones (--auth-log, config), and /var/log/auth.log
 * (opts.fallback) when the journal cannot be read.  Each is followed like
 * `tail -F`: opened at its end; a file that shrinks (truncated) is read
 * again from its start; a file replaced under its name (rotated) is drained
 * to its end, then the new one is read from its start; a missing file is
 * retried at every poll and read from its start when it appears.  Files
 * have no descriptor to poll: call authlog_reader_poll every tick.
 * Lines longer than AUTHLOG_LINE_MAX are skipped whole.
 *
 * Bounds: at most AUTHLOG_POLL_MAX_BYTES per file and AUTHLOG_POLL_MAX_ENTRIES
 * journal entries per poll; the rest waits for the next poll.
 *
 * State: a source that cannot be read does not stop the others.
 * authlog_reader_state says whether any source runs and, if not or if one
 * failed, why ("cannot read the journal: no journal files are readable").
 *
 * Ownership: the reader owns its descriptors, the journal handle and copies
 * of the paths.  Events handed to the callback live during the call only.
 */
#ifndef CONNMON_COLLECT_AUTHLOG_READ_H
#define CONNMON_COLLECT_AUTHLOG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/authlog.h"

#define AUTHLOG_LINE_MAX	 8192
#define AUTHLOG_POLL_MAX_BYTES	 (1u << 20)
#define AUTHLOG_POLL_MAX_ENTRIES 10000
#define AUTHLOG_DEFAULT_FALLBACK "/var/log/auth.log"

struct authlog_reader_opts {
	bool journal;		  /* read the systemd journal */
	const char *journal_dir;  /* tests: a directory of journal files; NULL: the machine's */
	const char *fallback;	  /* read this file when the journal cannot be read; NULL: none */
	const char *const *files; /* always read these (borrowed during open) */
	size_t nr_files;
};

/*
 * One parsed line.  t_ms is when it happened as far as the reader knows: the
 * journal's realtime stamp; for file lines the time it was read (now_ms of
 * the poll), since lines are read within a poll of being written and
 * syslog stamps carry neither year nor zone (ev->time_ms keeps the stamp).
 */
typedef void (*authlog_fn)(const struct authlog_event *ev, int64_t t_ms, void *arg);

struct authlog_reader;

/* Never fails: sources that cannot be opened are recorded in the state. */
struct authlog_reader *authlog_reader_open(const struct authlog_reader_opts *o);
/*
 * Reads what is new in every source, hands each parsed line to fn.
 * Returns the number of lines (entries) read.
 */
size_t authlog_reader_poll(struct authlog_reader *r, int64_t now_ms, authlog_fn fn, void *arg);
/* The journal's descriptor to poll for POLLIN, or -1 without a journal. */
int authlog_reader_fd(const struct authlog_reader *r);
/*
 * True when at least one source is being read.  why gets "" when every
 * source runs, else the first problem ("cannot read the journal: ...").
 */
bool authlog_reader_state(const struct authlog_reader *r, char *why, size_t why_len);
/* Lines read and parsed to an event since open (for the agent's counters). */
void authlog_reader_counts(const struct authlog_reader *r, uint64_t *nr_lines, uint64_t *nr_events);
void authlog_reader_close(struct authlog_reader *r);

#endif
