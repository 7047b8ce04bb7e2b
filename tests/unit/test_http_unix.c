// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The HTTP listener's local socket (export/http.h, http_unix_*): the file
 * it makes (mode, group, a stale socket replaced, any other file left
 * alone, removed at close, kept across a detach), the routes it serves
 * through the client of collect/agent_link.h, the read-only rule, and the
 * peer check (as root: children that become nobody, refused or allowed
 * through a fake /proc's Groups line).  No network: unix sockets in a
 * temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "collect/agent_link.h"
#include "export/http.h"

#define NOBODY	 65534
#define TEST_GID 4242

static void test_status_groups(void **state)
{
	static const struct {
		const char *text;
		gid_t gid;
		bool has;
	} cases[] = {
		{ "Name:\tx\nGroups:\t4 24 27 \nNgid:\t0\n", 24, true },
		{ "Name:\tx\nGroups:\t4 24 27 \nNgid:\t0\n", 27, true },
		{ "Name:\tx\nGroups:\t4 24 27 \nNgid:\t0\n", 2, false },
		{ "Name:\tx\nGroups:\t4 24 27 \nNgid:\t0\n", 247, false },
		{ "Groups:\t\n", 0, false },
		{ "Groups:\n", 0, false },
		{ "Groups:\t1000\n", 1000, true },
		{ "Groups:\t1000", 1000, false }, /* cut: maybe of 10000 */
		{ "Groups:\t10", 10, false },
		{ "Gid:\t24\t24\t24\t24\nGroups:\t5\n", 24, false },
		{ "Groups:\t4294967296\n", 0, false },
		{ "Groups:\t99999999999999999999999 7\n", 7, true },
		{ "Groups:\t99999999999999999999999\n", 0, false },
		{ "Groups:\t7x 8\n", 8, false },
		{ "Groups:\t-1\n", (gid_t)-1, false },
		{ "Name:\tGroups: 5\nGroups:\t6\n", 5, false },
		{ "", 0, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool has =
			http_status_has_group(cases[i].text, strlen(cases[i].text), cases[i].gid);

		if (has != cases[i].has)
			fail_msg("case %zu (gid %u): got %d", i, (unsigned)cases[i].gid, has);
	}
}

struct fixture {
	char dir[64];
	char path[128];
	char proc[128];
	struct http_server *srv;
};

static void setup_dir(struct fixture *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/connmon-unix-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(chmod(f->dir, 0755), 0);
	snprintf(f->path, sizeof(f->path), "%s/agent.sock", f->dir);
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->dir);
	assert_int_equal(mkdir(f->proc, 0755), 0);
}

static void teardown_dir(struct fixture *f)
{
	rmdir(f->proc);
	rmdir(f->dir);
}

/* A server without TCP, /metrics published, serving f->path with mode and gid. */
static void start(struct fixture *f, unsigned int mode, gid_t gid)
{
	struct http_server_config cfg = { .listen = NULL };
	struct http_unix_config uc = { .path = f->path, .mode = mode, .gid = gid, .proc = f->proc };
	struct strbuf err = STRBUF_INIT;
	struct http_unix *u;

	assert_int_equal(http_server_open(&f->srv, &cfg, &err), 0);
	assert_int_equal(http_server_port(f->srv), 0);
	assert_int_equal(http_server_publish(f->srv, "/metrics", xstrdup("m 1\n"), 4,
					     HTTP_CONTENT_TYPE_PROM),
			 0);
	if (http_unix_bind(&u, &uc, &err))
		fail_msg("%s", err.buf);
	assert_int_equal(http_server_listen_unix(f->srv, u, NULL, &err), 0);
	strbuf_release(&err);
}

static void get(const char *path, const char *target, int status, const char *body)
{
	struct strbuf err = STRBUF_INIT;
	struct agent_reply r;

	if (agent_link_get(path, target, NULL, &r, &err))
		fail_msg("%s", err.buf);
	assert_int_equal(r.status, status);
	if (body)
		assert_string_equal(r.body, body);
	agent_reply_release(&r);
	strbuf_release(&err);
}

/* Sends raw bytes and returns the status of the answer. */
static int raw_status(const char *path, const char *request)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), status = -1;
	char buf[1024];
	ssize_t n, got = 0;

	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd);
	if (sscanf(buf, "HTTP/1.1 %d ", &status) != 1)
		fail_msg("no status in '%s'", buf);
	return status;
}

static void test_serve_unix(void **state)
{
	struct http_server_stats s;
	struct fixture f;
	struct stat st;

	(void)state;
	setup_dir(&f);
	start(&f, 0660, (gid_t)-1);
	assert_int_equal(lstat(f.path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, getegid());
	get(f.path, "/metrics", 200, "m 1\n");
	get(f.path, "/nope", 404, NULL);
	assert_int_equal(raw_status(f.path, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n"
					    "Connection: close\r\n\r\n"),
			 200);
	/* Read-only: POST and any other method, on any path, even with a body. */
	assert_int_equal(raw_status(f.path, "POST /api/v1/unblock HTTP/1.1\r\nHost: x\r\n"
					    "Content-Length: 2\r\nConnection: close\r\n\r\n{}"),
			 405);
	assert_int_equal(raw_status(f.path, "DELETE /metrics HTTP/1.1\r\nHost: x\r\n"
					    "Connection: close\r\n\r\n"),
			 405);
	http_server_get_stats(f.srv, &s);
	assert_int_equal(s.requests, 5);
	assert_int_equal(s.served, 2);
	assert_int_equal(s.not_found, 1);
	assert_int_equal(s.bad_method, 2);
	assert_int_equal(s.refused, 0);
	http_server_close(f.srv);
	assert_int_equal(lstat(f.path, &st), -1);
	assert_int_equal(errno, ENOENT);
	teardown_dir(&f);
}

/* A stale socket is replaced; a live one and a regular file are left alone, named in the error. */
static void test_path_in_the_way(void **state)
{
	struct http_unix_config uc = { .mode = 0600, .gid = (gid_t)-1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct strbuf err = STRBUF_INIT;
	struct http_unix *u;
	struct fixture f;
	struct stat st;
	char buf[16] = { 0 };
	int fd;

	(void)state;
	setup_dir(&f);
	uc.path = f.path;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sa.sun_path, f.path, strlen(f.path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(http_unix_bind(&u, &uc, &err), 0);
	assert_int_equal(lstat(f.path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	http_unix_release(u);
	assert_int_equal(lstat(f.path, &st), -1);

	/* A live socket (another agent's) is neither removed nor taken over. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(http_unix_bind(&u, &uc, &err), -EADDRINUSE);
	assert_non_null(strstr(err.buf, "another process"));
	assert_int_equal(lstat(f.path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	close(fd);
	unlink(f.path);
	strbuf_reset(&err);

	fd = open(f.path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(http_unix_bind(&u, &uc, &err), -EEXIST);
	assert_null(u);
	assert_non_null(strstr(err.buf, f.path));
	assert_non_null(strstr(err.buf, "not a socket"));
	fd = open(f.path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "keep");
	close(fd);
	unlink(f.path);
	teardown_dir(&f);
	strbuf_release(&err);
}

/* The agent's reload: the socket moves to a new server, its file never goes away. */
static void test_detach(void **state)
{
	struct http_server_config cfg = { .listen = NULL };
	struct strbuf err = STRBUF_INIT;
	struct http_server *next;
	struct http_unix *u;
	struct fixture f;
	struct stat st;

	(void)state;
	setup_dir(&f);
	start(&f, 0660, (gid_t)-1);
	u = http_server_detach_unix(f.srv);
	assert_non_null(u);
	assert_null(http_server_detach_unix(f.srv));
	http_server_close(f.srv);
	assert_int_equal(lstat(f.path, &st), 0);
	assert_int_equal(http_server_open(&next, &cfg, &err), 0);
	assert_int_equal(http_server_publish(next, "/metrics", xstrdup("m 2\n"), 4, "text/plain"),
			 0);
	assert_int_equal(http_server_listen_unix(next, u, NULL, &err), 0);
	get(f.path, "/metrics", 200, "m 2\n");
	http_server_close(next);
	assert_int_equal(lstat(f.path, &st), -1);
	teardown_dir(&f);
	strbuf_release(&err);
}

/* In a child: become nobody (no supplementary groups), wait for go, GET /metrics. */
static pid_t as_nobody(const char *path, int go[2])
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct strbuf err = STRBUF_INIT;
		struct agent_reply r;
		char c;

		close(go[1]);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(100);
		if (read(go[0], &c, 1) != 1)
			_exit(101);
		if (agent_link_get(path, "/metrics", NULL, &r, &err))
			_exit(102);
		_exit(r.status == 200 ? 0 : r.status == 403 ? 3 : 104);
	}
	close(go[0]);
	return pid;
}

/* Runs a nobody child; with_group, the fake /proc lists TEST_GID among its groups. */
static int nobody_result(struct fixture *f, bool with_group)
{
	char dir[192], file[224];
	int go[2], status, fd;
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	pid = as_nobody(f->path, go);
	snprintf(dir, sizeof(dir), "%s/%d", f->proc, (int)pid);
	snprintf(file, sizeof(file), "%s/status", dir);
	if (with_group) {
		assert_int_equal(mkdir(dir, 0755), 0);
		fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
		assert_true(fd >= 0);
		dprintf(fd, "Name:\tx\nUid:\t%d\t%d\t%d\t%d\nGroups:\t10 %d \n", NOBODY, NOBODY,
			NOBODY, NOBODY, TEST_GID);
		close(fd);
	}
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (with_group) {
		unlink(file);
		rmdir(dir);
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_peer_check(void **state)
{
	struct http_server_stats s;
	struct fixture f;
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	setup_dir(&f);
	start(&f, 0666, TEST_GID);
	assert_int_equal(lstat(f.path, &st), 0);
	assert_int_equal(st.st_gid, TEST_GID);
	/* root itself (uid 0) is served. */
	get(f.path, "/metrics", 200, "m 1\n");
	assert_int_equal(nobody_result(&f, false), 3);
	assert_int_equal(nobody_result(&f, true), 0);
	http_server_get_stats(f.srv, &s);
	assert_int_equal(s.refused, 1);
	assert_int_equal(s.served, 2);
	http_server_close(f.srv);
	/* Mode 0660 and a group nobody is not in: connect(2) itself is refused. */
	start(&f, 0660, TEST_GID);
	assert_int_equal(nobody_result(&f, true), 102);
	http_server_close(f.srv);
	teardown_dir(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_groups),	cmocka_unit_test(test_serve_unix),
		cmocka_unit_test(test_path_in_the_way), cmocka_unit_test(test_detach),
		cmocka_unit_test(test_peer_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
