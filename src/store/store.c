// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening and closing: the writer's lock, the checks that refuse a file we
 * must not touch, the schema and its version, prepared statements.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "store/store_int.h"

#define MS_HOUR (3600 * 1000LL)
#define MS_DAY	(24 * MS_HOUR)

static const char *const schema_sql =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE series (id INTEGER PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL,"
	" kind INTEGER NOT NULL, first_ms INTEGER, last_ms INTEGER, UNIQUE (name, labels));"
	"CREATE TABLE chunk (series_id INTEGER NOT NULL, tier INTEGER NOT NULL,"
	" first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL, nr INTEGER NOT NULL,"
	" data BLOB NOT NULL);"
	"CREATE UNIQUE INDEX chunk_key ON chunk (series_id, tier, first_ms);"
	"CREATE INDEX chunk_age ON chunk (tier, last_ms);"
	"CREATE TABLE baseline (series_id INTEGER NOT NULL, slot INTEGER NOT NULL,"
	" median REAL, p10 REAL, p90 REAL, nr_samples INTEGER NOT NULL,"
	" nr_days INTEGER NOT NULL, learning INTEGER NOT NULL, computed_ms INTEGER NOT NULL,"
	" PRIMARY KEY (series_id, slot)) WITHOUT ROWID;";

/*
 * Version 2: detection and responses (docs/STORE.md, "Alerts and blocks").
 * A version-1 database gains these tables when a writer opens it.
 */
static const char *const schema_v2_sql =
	"CREATE TABLE alert_event (id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL,"
	" time_ms INTEGER NOT NULL, rule TEXT NOT NULL, severity INTEGER NOT NULL,"
	" status INTEGER NOT NULL, subject TEXT NOT NULL, started_ms INTEGER NOT NULL,"
	" summary TEXT NOT NULL, json TEXT NOT NULL);"
	"CREATE INDEX alert_event_time ON alert_event (time_ms);"
	"CREATE INDEX alert_event_alert ON alert_event (alert_id);"
	"CREATE TABLE block (addr TEXT PRIMARY KEY, created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER, rule TEXT NOT NULL, reason TEXT NOT NULL,"
	" origin TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE offender (addr TEXT PRIMARY KEY, bans INTEGER NOT NULL,"
	" last_ban_ms INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE audit (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
	" action TEXT NOT NULL, target TEXT NOT NULL, mode TEXT NOT NULL,"
	" result TEXT NOT NULL, detail TEXT NOT NULL);"
	"CREATE INDEX audit_time ON audit (time_ms);"
	"CREATE TABLE listener (proto INTEGER NOT NULL, port INTEGER NOT NULL,"
	" comm TEXT NOT NULL, first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,"
	" PRIMARY KEY (proto, port, comm)) WITHOUT ROWID;";

static const char *const stmt_sql[SQL_NR] = {
	[SQL_SERIES_BY_KEY] = "SELECT id, kind, first_ms, last_ms FROM series"
			      " WHERE name = ?1 AND labels = ?2",
	[SQL_SERIES_BY_ID] = "SELECT name, labels, kind, first_ms, last_ms FROM series"
			     " WHERE id = ?1",
	[SQL_SERIES_INSERT] = "INSERT INTO series (id, name, labels, kind, first_ms, last_ms)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQL_SERIES_RANGE] = "UPDATE series SET"
			     " first_ms = CASE WHEN first_ms IS NULL OR first_ms > ?2"
			     " THEN ?2 ELSE first_ms END,"
			     " last_ms = CASE WHEN last_ms IS NULL OR last_ms < ?3"
			     " THEN ?3 ELSE last_ms END WHERE id = ?1",
	[SQL_CHUNK_UPSERT] = "INSERT INTO chunk (series_id, tier, first_ms, last_ms, nr, data)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
			     " ON CONFLICT (series_id, tier, first_ms) DO UPDATE SET"
			     " last_ms = excluded.last_ms, nr = excluded.nr, data = excluded.data",
	[SQL_CHUNK_LAST] =
		"SELECT first_ms, last_ms, data FROM chunk WHERE series_id = ?1 AND tier = ?2"
		" ORDER BY first_ms DESC LIMIT 1",
	/* The chunk holding since (or the last one before it) and every later one before until. */
	[SQL_CHUNK_RANGE] = "SELECT first_ms, data FROM chunk WHERE series_id = ?1 AND tier = ?2"
			    " AND first_ms < ?4 AND first_ms >= coalesce((SELECT max(first_ms)"
			    " FROM chunk WHERE series_id = ?1 AND tier = ?2 AND first_ms <= ?3),"
			    " ?3) ORDER BY first_ms",
	[SQL_CHUNK_BLOCK] = "SELECT rowid, data FROM chunk WHERE series_id = ?1 AND tier = ?2"
			    " AND first_ms >= ?3 AND first_ms < ?4 ORDER BY first_ms",
	[SQL_CHUNK_DELETE] = "DELETE FROM chunk WHERE rowid = ?1",
};

void store_options_init(struct store_options *o)
{
	memset(o, 0, sizeof(*o));
	o->retention_ms[STORE_TIER_TICK] = 48 * MS_HOUR;
	o->retention_ms[STORE_TIER_MINUTE] = 90 * MS_DAY;
	o->retention_ms[STORE_TIER_HOUR] = 730 * MS_DAY;
	o->block_ms[STORE_TIER_TICK] = MS_HOUR;
	o->block_ms[STORE_TIER_MINUTE] = 6 * MS_HOUR;
	o->block_ms[STORE_TIER_HOUR] = 7 * MS_DAY;
	o->size_cap_bytes = 1ULL << 30;
	o->backlog_max_samples = 8000000;
	o->idle_ms = MS_HOUR;
}

int64_t store_bucket_ms(enum store_tier tier)
{
	return tier == STORE_TIER_MINUTE ? 60 * 1000LL : tier == STORE_TIER_HOUR ? MS_HOUR : 1;
}

int64_t store_floor(int64_t t, int64_t len)
{
	int64_t q = t / len;

	if (t % len < 0)
		q--;
	return q * len;
}

sqlite3_stmt *store_stmt(struct store *st, enum store_stmt which)
{
	sqlite3_stmt *s = st->stmt[which];

	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v3(st->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
	    SQLITE_OK)
		return NULL;
	st->stmt[which] = s;
	return s;
}

/* Maps an SQLite result to a negative errno and says what failed. */
int store_sql_error(struct store *st, int rc, struct strbuf *err, const char *what)
{
	int e;

	switch (rc & 0xff) {
	case SQLITE_FULL:
		e = -ENOSPC;
		break;
	case SQLITE_IOERR:
		e = sqlite3_system_errno(st->db) == ENOSPC ||
				    sqlite3_system_errno(st->db) == EDQUOT ||
				    rc == SQLITE_IOERR_WRITE ?
			    -ENOSPC :
			    -EIO;
		break;
	case SQLITE_READONLY:
		e = -EROFS;
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		e = -EACCES;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		e = -EPROTO;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		e = -EBUSY;
		break;
	default:
		e = -EIO;
	}
	if (err)
		strbuf_addf(err, "cannot %s '%s': %s%s", what, st->path, sqlite3_errmsg(st->db),
			    e == -EPROTO ? " (the file is corrupt or not a database)" : "");
	return e;
}

int store_exec(struct store *st, const char *sql, struct strbuf *err, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_sql_error(st, rc, err, what);
}

bool store_read_begin(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		return false;
	return sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

void store_read_end(struct store *st, bool began)
{
	if (began)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int store_version(const struct store *st)
{
	return st->version;
}

bool store_is_writer(const struct store *st)
{
	return st->mode == STORE_WRITE;
}

bool store_writer_check(const struct store *st, struct strbuf *err)
{
	if (st->mode == STORE_WRITE)
		return true;
	if (err)
		strbuf_addf(err, "'%s' is open read-only", st->path);
	return false;
}

static int check_dir(const char *path, bool writer, struct strbuf *err)
{
	char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	struct stat sb;
	int ret = 0;

	if (stat(dir, &sb) != 0) {
		ret = -errno;
		strbuf_addf(err, "cannot open database '%s': directory '%s': %s", path, dir,
			    strerror(errno));
	} else if (!S_ISDIR(sb.st_mode)) {
		ret = -ENOTDIR;
		strbuf_addf(err, "cannot open database '%s': '%s' is not a directory", path, dir);
	} else if (writer && access(dir, W_OK | X_OK) != 0) {
		ret = -errno;
		strbuf_addf(err, "cannot write database '%s': directory '%s' is not writable: %s",
			    path, dir, strerror(errno));
	}
	free(copy);
	return ret;
}

/* Refuses what is not a database before SQLite sees it: sets *empty for a new file. */
/*
 * Whether path can be opened, and whether it is empty (a writer creates the
 * schema then).  The file is not opened here: closing any descriptor of a
 * file drops every POSIX lock the process holds on it, SQLite's included,
 * and an agent holds the database open while its API opens a second
 * connection.  The header is checked through SQLite's own handle
 * (check_magic), after the open.
 */
static int check_file(const char *path, bool writer, bool *empty, struct strbuf *err)
{
	struct stat sb;

	*empty = false;
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT && writer) {
			*empty = true;
			return 0;
		}
		strbuf_addf(err, "cannot open database '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(sb.st_mode)) {
		strbuf_addf(err, "cannot open database '%s': not a regular file", path);
		return -EINVAL;
	}
	if (access(path, writer ? R_OK | W_OK : R_OK) != 0) {
		strbuf_addf(err, "cannot open database '%s': %s", path, strerror(errno));
		return -errno;
	}
	*empty = writer && sb.st_size == 0;
	return 0;
}

/* The first 16 bytes, read through the connection's own file: an SQLite file's magic. */
static int check_magic(struct store *st, struct strbuf *err)
{
	static const char magic[16] = "SQLite format 3";
	sqlite3_file *f = NULL;
	char head[16] = { 0 };

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods || f->pMethods->xRead(f, head, sizeof(head), 0) != SQLITE_OK ||
	    memcmp(head, magic, sizeof(magic)) != 0) {
		strbuf_addf(err,
			    "'%s' is not an SQLite database (not a connmon history file?);"
			    " left untouched",
			    st->path);
		return -EPROTO;
	}
	return 0;
}

static int take_lock(struct store *st, struct strbuf *err)
{
	struct strbuf lock = STRBUF_INIT;
	char pid[32];
	ssize_t n;
	int ret = 0;

	strbuf_addf(&lock, "%s.lock", st->path);
	st->lock_fd = open(lock.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (st->lock_fd < 0) {
		ret = -errno;
		strbuf_addf(err, "cannot create lock file '%s': %s", lock.buf, strerror(errno));
		goto out;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		n = pread(st->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (ret == -EBUSY)
			strbuf_addf(err,
				    "database '%s' is in use by another connmon writer (pid %s)",
				    st->path, pid[0] ? pid : "unknown");
		else
			strbuf_addf(err, "cannot lock '%s': %s", lock.buf, strerror(-ret));
		goto out;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(st->lock_fd, 0) != 0 || pwrite(st->lock_fd, pid, (size_t)n, 0) != n) {
		ret = -errno;
		strbuf_addf(err, "cannot write lock file '%s': %s", lock.buf, strerror(errno));
	}
out:
	strbuf_release(&lock);
	return ret;
}

static int create_schema(struct store *st, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT;
	int ret;

	/* Before the first table: auto_vacuum cannot be turned on afterwards. */
	ret = store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL", err, "create database");
	if (ret)
		return ret;
	strbuf_addf(&sql,
		    "BEGIN; %s %s INSERT INTO meta VALUES ('schema_version', '%d'),"
		    " ('created_by', 'connmon'); COMMIT;",
		    schema_sql, schema_v2_sql, STORE_SCHEMA_VERSION);
	ret = store_exec(st, sql.buf, err, "create database");
	strbuf_release(&sql);
	if (ret)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* A version-1 database: the tables of version 2, in one transaction. */
static int upgrade_schema(struct store *st, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT;
	int ret;

	strbuf_addf(&sql,
		    "BEGIN; %s UPDATE meta SET value = '%d' WHERE key = 'schema_version';"
		    " COMMIT;",
		    schema_v2_sql, STORE_SCHEMA_VERSION);
	ret = store_exec(st, sql.buf, err, "upgrade database");
	strbuf_release(&sql);
	if (ret)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* No meta table: a new, empty database (0), or someone else's. */
static int no_meta_table(struct store *st, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_schema", -1, &s, NULL);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 0)
		rc = SQLITE_DONE;
	else if (rc == SQLITE_OK)
		rc = SQLITE_MISMATCH;
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_MISMATCH) {
		strbuf_addf(err,
			    "'%s' is an SQLite database but not connmon's (no meta table);"
			    " left untouched",
			    st->path);
		return -EPROTO;
	}
	return store_sql_error(st, rc, err, "read database");
}

static int read_version(struct store *st, long *version, struct strbuf *err)
{
	sqlite3_stmt *s = NULL;
	const char *v;
	char *end;
	int rc;

	*version = 0;
	rc = sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
				&s, NULL);
	if (rc == SQLITE_ERROR)
		return no_meta_table(st, err);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "read database");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(s, 0);
		*version = v ? strtol(v, &end, 10) : 0;
		if (!v || *end || *version <= 0)
			*version = -1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_error(st, rc, err, "read database");
	if (*version <= 0) {
		strbuf_addf(err, "'%s' has no valid connmon schema version; left untouched",
			    st->path);
		return -EPROTO;
	}
	if (*version > STORE_SCHEMA_VERSION) {
		strbuf_addf(
			err,
			"'%s' was written by a newer connmon (schema version %ld; this one reads"
			" up to %d); left untouched",
			st->path, *version, STORE_SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* The writer's settings; the file's format (journal mode) is set here too. */
static int writer_setup(struct store *st, struct strbuf *err)
{
	static const char *const pragmas =
		/* A commit survives a crash of the process; only a power loss may lose the
		 * last ones (the database stays consistent): docs/STORE.md. */
		"PRAGMA synchronous = NORMAL;"
		"PRAGMA journal_size_limit = 16777216;"
		"PRAGMA foreign_keys = OFF;";
	const char *mode;
	sqlite3_stmt *s;
	int rc, ret;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(s, 0);
		if (!mode || strcmp(mode, "ok")) {
			strbuf_addf(err, "'%s' is corrupt (quick_check: %s); left untouched",
				    st->path, mode ? mode : "?");
			sqlite3_finalize(s);
			return -EPROTO;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "check");
	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(s, 0);
		rc = mode && !strcmp(mode, "wal") ? SQLITE_OK : SQLITE_CANTOPEN;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "set WAL mode on");
	ret = store_exec(st, pragmas, err, "configure");
	if (ret)
		return ret;
	rc = store_int64(st, "SELECT max(id) FROM series", &st->next_id, 0);
	if (rc == SQLITE_OK)
		rc = store_int64(st, "SELECT max(last_ms) FROM series", &st->now_ms, NO_TIME);
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "read");
	st->next_id++;
	return 0;
}

/*
 * A reader in a directory it cannot write (a read-only mount, someone
 * else's directory) cannot create the -shm file SQLite's WAL mode needs.
 * With no WAL content there is nothing it would hold, and no writer (which
 * would have created it): the file is then opened as immutable.
 */
static bool reader_needs_immutable(const char *path)
{
	struct strbuf wal = STRBUF_INIT;
	char *copy = xstrdup(path);
	bool writable = access(dirname(copy), W_OK) == 0;
	struct stat sb;
	bool need;

	strbuf_addf(&wal, "%s-wal", path);
	need = !writable && (stat(wal.buf, &sb) != 0 || sb.st_size == 0);
	strbuf_release(&wal);
	free(copy);
	return need;
}

static int open_immutable(struct store *st, int flags)
{
	struct strbuf uri = STRBUF_INIT;
	int rc;

	strbuf_addstr(&uri, "file:");
	for (const char *p = st->path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			strbuf_addf(&uri, "%%%02X", (unsigned char)*p);
		else
			strbuf_addch(&uri, *p);
	}
	strbuf_addstr(&uri, "?immutable=1");
	rc = sqlite3_open_v2(uri.buf, &st->db, flags | SQLITE_OPEN_URI, NULL);
	strbuf_release(&uri);
	return rc;
}

static int open_db(struct store *st, bool empty, struct strbuf *err)
{
	int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	long version;
	int rc, ret;

	flags |= st->mode != STORE_READ ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE :
					  SQLITE_OPEN_READONLY;
	if (st->mode == STORE_READ && reader_needs_immutable(st->path)) {
		rc = open_immutable(st, flags);
	} else {
		rc = sqlite3_open_v2(st->path, &st->db, flags, NULL);
	}
	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, err, "open database");
	if (!empty && (ret = check_magic(st, err)) < 0)
		return ret;
	sqlite3_busy_timeout(st->db, st->mode == STORE_WRITE ? 1000 : 5000);
	if (st->mode == STORE_ADMIN) {
		/* As the writer: WAL (set on a new file), commits durable across a crash of the
		 * process. */
		ret = store_exec(st,
				 empty ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL" :
					 "PRAGMA synchronous = NORMAL",
				 err, "configure");
		if (ret)
			return ret;
	}
	ret = read_version(st, &version, err);
	if (ret)
		return ret;
	if (version == 0) {
		if (st->mode == STORE_READ || !empty) {
			strbuf_addf(err, "'%s' holds no connmon history", st->path);
			return st->mode != STORE_READ ? -EPROTO : -ENOENT;
		}
		ret = create_schema(st, err);
		if (ret)
			return ret;
	} else if (version < STORE_SCHEMA_VERSION && st->mode != STORE_READ) {
		ret = upgrade_schema(st, err);
		if (ret)
			return ret;
		version = STORE_SCHEMA_VERSION;
	}
	st->version = (int)(version ? version : STORE_SCHEMA_VERSION);
	return st->mode == STORE_WRITE ? writer_setup(st, err) : 0;
}

static int check_options(const struct store_options *o, struct strbuf *err)
{
	if (o->idle_ms < 1000) {
		strbuf_addf(err, "bad idle time %lld ms: at least 1000 ms", (long long)o->idle_ms);
		return -EINVAL;
	}
	for (int k = 0; k < STORE_NR_TIERS; k++) {
		if (o->block_ms[k] < store_bucket_ms(k) || o->block_ms[k] % store_bucket_ms(k)) {
			strbuf_addf(err,
				    "bad block length %lld ms for tier %d: a multiple of %lld ms",
				    (long long)o->block_ms[k], k, (long long)store_bucket_ms(k));
			return -EINVAL;
		}
	}
	return 0;
}

int store_open(struct store **out, const char *path, enum store_mode mode,
	       const struct store_options *opts, struct strbuf *err)
{
	struct strbuf dummy = STRBUF_INIT;
	struct store *st;
	bool empty;
	int ret;

	*out = NULL;
	if (!err)
		err = &dummy;
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->mode = mode;
	st->lock_fd = -1;
	st->now_ms = NO_TIME;
	strbuf_init(&st->blob, 0);
	series_map_init(&st->map);
	if (opts)
		st->opt = *opts;
	else
		store_options_init(&st->opt);
	ret = check_options(&st->opt, err);
	if (!ret)
		ret = check_dir(path, mode != STORE_READ, err);
	if (!ret && mode == STORE_WRITE)
		ret = take_lock(st, err);
	if (!ret)
		ret = check_file(path, mode != STORE_READ, &empty, err);
	if (!ret)
		ret = open_db(st, empty, err);
	strbuf_release(&dummy);
	if (ret) {
		st->mode = STORE_READ; /* nothing to flush */
		store_close(st, NULL);
		return ret;
	}
	*out = st;
	return 0;
}

int store_close(struct store *st, struct strbuf *err)
{
	int ret = 0;

	if (!st)
		return 0;
	if (st->mode == STORE_WRITE) {
		store_finish_buckets(st, true);
		ret = store_flush(st, err);
	}
	store_drop_memory(st);
	store_import_release(st);
	for (size_t i = 0; i < SQL_NR; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(
		st->db); /* the writer's, the last connection, checkpoints and removes the WAL */
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* releases the flock */
	series_map_release(&st->map);
	strbuf_release(&st->blob);
	free(st->path);
	free(st);
	return ret;
}

void store_health(const struct store *st, struct store_health *h)
{
	struct stat sb;

	*h = st->health;
	h->nr_series = st->map.nr;
	h->db_bytes = stat(st->path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

int store_newest(struct store *st, int64_t *newest_ms)
{
	int rc = store_int64(st, "SELECT max(last_ms) FROM series", newest_ms, NO_TIME);

	if (rc != SQLITE_OK)
		return store_sql_error(st, rc, NULL, "read");
	if (st->mode == STORE_WRITE && st->now_ms > *newest_ms)
		*newest_ms = st->now_ms;
	return 0;
}
