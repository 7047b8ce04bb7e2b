// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The local socket (http.h, "The local socket"): the server's routes on a
 * unix stream socket, read-only, each peer checked when it connects.
 */
#include <errno.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "export/http.h"
#include "export/http_int.h"

struct http_unix {
	struct http_server *srv; /* set by http_server_listen_unix */
	struct MHD_Daemon *daemon;
	int fd;	    /* the listening socket until the daemon takes it; -1 after */
	char *path; /* the socket file, removed by stop if still this inode */
	dev_t dev;
	ino_t ino;
	uid_t uid;	  /* the agent's effective uid: always allowed */
	gid_t gid;	  /* the socket file's group: its members are allowed */
	const char *proc; /* where /proc/PID/status is read ("/proc") */
};

/* The two verdicts a connection's socket_context points to. */
static const char peer_allowed = 'y', peer_refused = 'n';

bool http_status_has_group(const char *text, size_t len, gid_t gid)
{
	const char *end = text + len, *p = text;

	/*
	 * The line "Groups:\t1 2 3 \n" (numbers separated by blanks); other
	 * lines are skipped.  A line without its newline may have been cut in
	 * a number ("20" of "2000"): it says nothing.
	 */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			return false;
		if (eol - p < 7 || memcmp(p, "Groups:", 7)) {
			p = eol + 1;
			continue;
		}
		for (p += 7;;) {
			uint64_t v = 0;
			const char *digits;

			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			if (p == eol)
				return false;
			for (digits = p; p < eol && *p >= '0' && *p <= '9'; p++)
				v = v > UINT32_MAX ? v : v * 10 + (uint64_t)(*p - '0');
			if (p == digits || (p < eol && *p != ' ' && *p != '\t'))
				return false; /* not the kernel's line: trust nothing in it */
			if (v == gid)
				return true;
		}
	}
	return false;
}

/*
 * Whether pid's supplementary groups hold gid, from PROC/PID/status; false
 * when unreadable.  The file is read whole (up to 1 MiB: 65,536 groups fit).
 */
static bool pid_in_group(const char *proc, pid_t pid, gid_t gid)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	bool has;

	strbuf_addf(&path, "%s/%d/status", proc, (int)pid);
	text.max_len = 1u << 20;
	has = strbuf_read_file(&text, path.buf, 4096) == 0 && !text.truncated &&
	      http_status_has_group(text.buf, text.len, gid);
	strbuf_release(&path);
	strbuf_release(&text);
	return has;
}

static bool peer_ok(const struct http_unix *u, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
		return false;
	if (cred.uid == 0 || cred.uid == u->uid || cred.gid == u->gid)
		return true;
	return cred.pid > 0 && pid_in_group(u->proc, cred.pid, u->gid);
}

static void on_connection_unix(void *cls, struct MHD_Connection *conn, void **socket_context,
			       enum MHD_ConnectionNotificationCode toe)
{
	struct http_unix *u = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	http_count(&u->srv->connections);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	*socket_context = (void *)(uintptr_t)(ci && peer_ok(u, ci->connect_fd) ? &peer_allowed :
										 &peer_refused);
}

static enum MHD_Result reply_refused(struct http_server *srv, struct MHD_Connection *conn,
				     unsigned int status, const char *json)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(json), (void *)(uintptr_t)json, MHD_RESPMEM_PERSISTENT);

	if (status == MHD_HTTP_FORBIDDEN)
		http_count(&srv->refused);
	return http_queue(srv, conn, status, resp, "application/json");
}

/*
 * The local socket's requests: the peer's verdict first, then the method
 * (read-only: anything but GET and HEAD is 405, whatever the path), then
 * the TCP listener's own handling of the same routes.
 */
static enum MHD_Result on_request_unix(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	struct http_unix *u = cls;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (!ci || ci->socket_context != &peer_allowed)
		return reply_refused(
			u->srv, conn, MHD_HTTP_FORBIDDEN,
			"{\"error\":\"the agent's socket serves root, the agent's user "
			"and the members of the socket's group only\"}\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_refused(u->srv, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				     "{\"error\":\"the agent's socket is read-only: "
				     "use GET or HEAD\"}\n");
	return http_on_request(u->srv, conn, url, method, version, upload_data, upload_data_size,
			       con_cls);
}

/* Whether a process accepts connections on the socket at path (a live one, not stale). */
static bool socket_live(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int ret;

	if (fd < 0)
		return true; /* cannot tell: keep it */
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
	close(fd);
	return ret != ECONNREFUSED && ret != ENOENT;
}

/*
 * Removes path when it is a stale socket (nobody accepts on it): 0,
 * -EADDRINUSE (a live socket, another agent's), -EEXIST (another kind of
 * file) or -errno.
 */
static int remove_stale_socket(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (socket_live(path))
		return -EADDRINUSE;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* Binds u->path, gives it its mode and group, then listens: no peer connects before. */
static int unix_listen(struct http_unix *u, unsigned int mode, const char **step)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int ret;

	*step = "socket";
	u->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (u->fd < 0)
		return -errno;
	memcpy(sa.sun_path, u->path, strlen(u->path) + 1);
	*step = "bind";
	if (bind(u->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	*step = "stat";
	if (lstat(u->path, &st) < 0)
		return -errno;
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	*step = "chown";
	if (u->gid != st.st_gid && chown(u->path, (uid_t)-1, u->gid) < 0)
		return -errno;
	*step = "chmod";
	if (chmod(u->path, mode & 07777) < 0)
		return -errno;
	*step = "listen";
	ret = listen(u->fd, 64) < 0 ? -errno : 0;
	return ret;
}

int http_unix_bind(struct http_unix **out, const struct http_unix_config *cfg, struct strbuf *err)
{
	struct http_unix *u;
	const char *step = NULL;
	int ret;

	*out = NULL;
	if (!cfg->path || !cfg->path[0] ||
	    strlen(cfg->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		strbuf_addf(err, "cannot listen on '%s': %s", cfg->path ? cfg->path : "",
			    cfg->path && cfg->path[0] ? "the path is longer than 107 bytes" :
							"no path");
		return -ENAMETOOLONG;
	}
	ret = remove_stale_socket(cfg->path);
	if (ret == -EEXIST) {
		strbuf_addf(err,
			    "cannot listen on '%s': a file that is not a socket is in the way "
			    "(it is left alone; remove it or choose another [agent] socket)",
			    cfg->path);
		return ret;
	}
	if (ret == -EADDRINUSE) {
		strbuf_addf(err, "cannot listen on '%s': another process (an agent?) serves it",
			    cfg->path);
		return ret;
	}
	if (ret < 0) {
		strbuf_addf(err, "cannot listen on '%s': %s", cfg->path, strerror(-ret));
		return ret;
	}
	u = xcalloc(1, sizeof(*u));
	u->path = xstrdup(cfg->path);
	u->uid = geteuid();
	u->gid = cfg->gid == (gid_t)-1 ? getegid() : cfg->gid;
	u->proc = cfg->proc ? cfg->proc : "/proc";
	u->fd = -1;
	ret = unix_listen(u, cfg->mode, &step);
	if (ret < 0) {
		strbuf_addf(err, "cannot listen on '%s': %s (%s)", cfg->path, strerror(-ret), step);
		http_unix_release(u);
		return ret;
	}
	*out = u;
	return 0;
}

void http_unix_release(struct http_unix *u)
{
	struct stat st;

	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	/* Only the file this listener made: a newer agent's socket at the path stays. */
	if (u->ino && lstat(u->path, &st) == 0 && st.st_ino == u->ino && st.st_dev == u->dev)
		unlink(u->path);
	free(u->path);
	free(u);
}

void http_unix_stop(struct http_unix *u)
{
	if (u && u->daemon)
		MHD_stop_daemon(u->daemon);
	http_unix_release(u);
}

int http_server_listen_unix(struct http_server *srv, struct http_unix *u,
			    const struct http_server_config *cfg, struct strbuf *err)
{
	unsigned int max =
		cfg && cfg->max_connections ? cfg->max_connections : HTTP_DEFAULT_MAX_CONNECTIONS;
	unsigned int timeout =
		cfg && cfg->timeout_sec ? cfg->timeout_sec : HTTP_DEFAULT_TIMEOUT_SEC;
	struct stat st;

	if (srv->unix_) {
		strbuf_addf(err, "cannot listen on '%s': the server has a socket already", u->path);
		http_unix_release(u);
		return -EBUSY;
	}
	u->srv = srv;
	if (fstat(u->fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	u->daemon = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		on_request_unix, u, MHD_OPTION_EXTERNAL_LOGGER, http_on_log, srv,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)u->fd, MHD_OPTION_CONNECTION_LIMIT, max,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_NOTIFY_COMPLETED,
		http_on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection_unix, u,
		MHD_OPTION_END);
	if (!u->daemon) {
		http_close_if_still_ours(u->fd, &st);
		u->fd = -1;
		strbuf_addf(err, "cannot start the HTTP server on '%s'", u->path);
		http_unix_release(u);
		return -EIO;
	}
	u->fd = -1; /* the daemon's: MHD_stop_daemon closes it */
	srv->unix_ = u;
	return 0;
}

struct http_unix *http_server_detach_unix(struct http_server *srv)
{
	struct http_unix *u = srv ? srv->unix_ : NULL;
	MHD_socket fd;

	if (!u)
		return NULL;
	srv->unix_ = NULL;
	/* The listening socket is taken back first: stopping then closes the connections only. */
	fd = MHD_quiesce_daemon(u->daemon);
	MHD_stop_daemon(u->daemon);
	u->daemon = NULL;
	u->srv = NULL;
	u->fd = fd;
	if (fd == MHD_INVALID_SOCKET) {
		http_unix_release(u);
		return NULL;
	}
	return u;
}

bool http_server_serves_unix(const struct http_server *srv)
{
	return srv && srv->unix_;
}
