// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect/authlog_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "base/xalloc.h"

/* One file followed like tail -F. */
struct follow {
	char *path;
	int fd; /* -1: not open (missing or unreadable) */
	dev_t dev;
	ino_t ino;
	off_t off;
	bool opened_once; /* later opens read a new file from its start */
	bool skipping;	  /* inside a line longer than AUTHLOG_LINE_MAX */
	int err;	  /* errno of the last failed open, 0 */
	size_t len;	  /* bytes of an unfinished line in buf */
	char buf[AUTHLOG_LINE_MAX];
};

struct authlog_reader {
	sd_journal *journal;
	int journal_fd;
	char journal_why[96]; /* "" when the journal runs or was not asked for */
	struct follow **files;
	size_t nr_files;
	uint64_t nr_lines, nr_events;
	/* valid during a poll */
	authlog_fn fn;
	void *arg;
	int64_t now_ms;
};

static void handle_line(struct authlog_reader *r, const char *line, size_t len, int64_t t_ms)
{
	struct authlog_event ev;

	r->nr_lines++;
	if (authlog_parse_line(line, len, r->now_ms, &ev) < 0)
		return;
	r->nr_events++;
	r->fn(&ev, t_ms, r->arg);
}

/* ---- files ---- */

static struct follow *follow_new(const char *path)
{
	struct follow *f = xcalloc(1, sizeof(*f));

	f->path = xstrdup(path);
	f->fd = -1;
	return f;
}

static void follow_close(struct follow *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->len = 0;
	f->skipping = false;
}

static void follow_open(struct follow *f)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) < 0) {
		f->err = errno;
		if (fd >= 0)
			close(fd);
		f->opened_once = true; /* a file that appears later is new: read it whole */
		return;
	}
	f->err = 0;
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = f->opened_once ? 0 : st.st_size;
	f->opened_once = true;
}

static void follow_feed(struct authlog_reader *r, struct follow *f, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;

		if (!f->skipping && f->len + take <= sizeof(f->buf)) {
			memcpy(f->buf + f->len, p, take);
			f->len += take;
		} else {
			f->skipping = true;
			f->len = 0;
		}
		if (nl == NULL)
			return;
		if (!f->skipping)
			handle_line(r, f->buf, f->len, r->now_ms);
		f->skipping = false;
		f->len = 0;
		p = nl + 1;
		n -= take + 1;
	}
}

/* Reads to the end (bounded); returns false when the bound stopped it. */
static bool follow_drain(struct authlog_reader *r, struct follow *f, size_t *budget)
{
	char chunk[16384];
	struct stat st;

	if (fstat(f->fd, &st) == 0 && st.st_size < f->off) {
		f->off = 0; /* truncated: what is there now is new */
		f->len = 0;
		f->skipping = false;
	}
	while (*budget > 0) {
		size_t want = *budget < sizeof(chunk) ? *budget : sizeof(chunk);
		ssize_t n = pread(f->fd, chunk, want, f->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		f->off += n;
		*budget -= (size_t)n;
		follow_feed(r, f, chunk, (size_t)n);
	}
	return false;
}

static void follow_poll(struct authlog_reader *r, struct follow *f)
{
	size_t budget = AUTHLOG_POLL_MAX_BYTES;
	struct stat st;

	for (int round = 0; round < 2; round++) {
		if (f->fd < 0)
			follow_open(f);
		if (f->fd < 0 || !follow_drain(r, f, &budget))
			return;
		/* At the end of the open file: is the name still this file? */
		if (stat(f->path, &st) < 0)
			return; /* moved away, no new one yet: keep the old */
		if (st.st_dev == f->dev && st.st_ino == f->ino)
			return;
		follow_close(f); /* rotated: the next round reads the new file */
	}
}

/* ---- journal ---- */

static const char *const journal_matches[] = {
	"_COMM=sshd",
	"_COMM=sshd-session",
	"SYSLOG_IDENTIFIER=sshd",
	"SYSLOG_IDENTIFIER=sshd-session",
};

static int journal_setup(sd_journal *j)
{
	int rc;

	for (size_t i = 0; i < sizeof(journal_matches) / sizeof(journal_matches[0]); i++) {
		if (i > 0 && (rc = sd_journal_add_disjunction(j)) < 0)
			return rc;
		rc = sd_journal_add_match(j, journal_matches[i], 0);
		if (rc < 0)
			return rc;
	}
	/* sd_journal_open gives an empty journal, not an error, when no file is readable */
	if (sd_journal_has_runtime_files(j) <= 0 && sd_journal_has_persistent_files(j) <= 0)
		return -EACCES;
	rc = sd_journal_seek_tail(j);
	if (rc < 0)
		return rc;
	/* after the tail, previous() then next() yields only entries added from now on */
	sd_journal_previous(j);
	return sd_journal_get_fd(j);
}

static void journal_open(struct authlog_reader *r, const char *dir)
{
	sd_journal *j = NULL;
	int rc = dir ? sd_journal_open_directory(&j, dir, 0) :
		       sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);

	if (rc >= 0)
		rc = journal_setup(j);
	if (rc < 0) {
		if (rc == -EACCES)
			snprintf(r->journal_why, sizeof(r->journal_why),
				 "cannot read the journal: no journal file is readable");
		else
			snprintf(r->journal_why, sizeof(r->journal_why),
				 "cannot read the journal: %s", strerror(-rc));
		if (j != NULL)
			sd_journal_close(j);
		return;
	}
	r->journal = j;
	r->journal_fd = rc;
}

static void journal_poll(struct authlog_reader *r)
{
	size_t n = 0;

	sd_journal_process(r->journal);
	while (n < AUTHLOG_POLL_MAX_ENTRIES && sd_journal_next(r->journal) > 0) {
		const void *data;
		size_t len;
		uint64_t usec;
		int64_t t_ms = r->now_ms;

		n++;
		if (sd_journal_get_data(r->journal, "MESSAGE", &data, &len) < 0 || len < 8)
			continue;
		if (sd_journal_get_realtime_usec(r->journal, &usec) >= 0)
			t_ms = (int64_t)(usec / 1000);
		handle_line(r, (const char *)data + 8, len - 8, t_ms);
	}
}

/* ---- the reader ---- */

static void add_file(struct authlog_reader *r, const char *path)
{
	r->files = xreallocarray(r->files, r->nr_files + 1, sizeof(*r->files));
	r->files[r->nr_files] = follow_new(path);
	follow_open(r->files[r->nr_files]);
	r->nr_files++;
}

struct authlog_reader *authlog_reader_open(const struct authlog_reader_opts *o)
{
	struct authlog_reader *r = xcalloc(1, sizeof(*r));

	r->journal_fd = -1;
	if (o->journal)
		journal_open(r, o->journal_dir);
	for (size_t i = 0; i < o->nr_files; i++)
		add_file(r, o->files[i]);
	if (r->journal == NULL && o->fallback != NULL && o->fallback[0] != '\0')
		add_file(r, o->fallback);
	return r;
}

size_t authlog_reader_poll(struct authlog_reader *r, int64_t now_ms, authlog_fn fn, void *arg)
{
	uint64_t before = r->nr_lines;

	r->fn = fn;
	r->arg = arg;
	r->now_ms = now_ms;
	if (r->journal != NULL)
		journal_poll(r);
	for (size_t i = 0; i < r->nr_files; i++)
		follow_poll(r, r->files[i]);
	return (size_t)(r->nr_lines - before);
}

int authlog_reader_fd(const struct authlog_reader *r)
{
	return r->journal_fd;
}

bool authlog_reader_state(const struct authlog_reader *r, char *why, size_t why_len)
{
	bool any = r->journal != NULL;
	size_t at = 0;

	if (why_len == 0)
		return false;
	why[0] = '\0';
	if (r->journal_why[0] != '\0')
		at += (size_t)snprintf(why, why_len, "%s", r->journal_why);
	for (size_t i = 0; i < r->nr_files; i++) {
		const struct follow *f = r->files[i];

		if (f->fd >= 0) {
			any = true;
		} else if (f->err && at < why_len) {
			at += (size_t)snprintf(why + at, why_len - at, "%scannot read '%s': %s",
					       at ? "; " : "", f->path, strerror(f->err));
		}
	}
	if (!any && why[0] == '\0')
		snprintf(why, why_len, "no source of sshd lines");
	return any;
}

void authlog_reader_counts(const struct authlog_reader *r, uint64_t *nr_lines, uint64_t *nr_events)
{
	*nr_lines = r->nr_lines;
	*nr_events = r->nr_events;
}

void authlog_reader_close(struct authlog_reader *r)
{
	if (r == NULL)
		return;
	if (r->journal != NULL)
		sd_journal_close(r->journal);
	for (size_t i = 0; i < r->nr_files; i++) {
		follow_close(r->files[i]);
		free(r->files[i]->path);
		free(r->files[i]);
	}
	free(r->files);
	free(r);
}
