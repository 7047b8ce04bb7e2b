// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's frame (collect/agent_frame.h): a body as the agent writes
 * it, nulls, caps, members of the wrong type, unknown members, and bodies
 * that are not a frame at all.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "base/strbuf.h"
#include "collect/agent_frame.h"

static const char live[] =
	"{\"t_ms\":1795990640000,\"interval_ms\":1000,\"seq\":4,"
	"\"tcp_states\":{\"established\":412,\"time_wait\":7,\"listen\":3,\"close_wait\":2},"
	"\"census_ms\":1795990639000,"
	"\"sockets\":[{\"proto\":\"tcp\",\"family\":\"ipv4\",\"count\":430}],"
	"\"top_peers\":[{\"addr\":\"10.0.0.2\",\"sockets\":12,\"established\":10}],"
	"\"top_ports\":[{\"port\":443,\"sockets\":300,\"queue\":1,\"backlog\":null}],"
	"\"top_procs\":[{\"pid\":77,\"comm\":\"nginx\",\"rx_bytes_per_s\":1.5,"
	"\"tx_bytes_per_s\":null}],"
	"\"close_wait\":[{\"pid\":null,\"comm\":\"other\",\"sockets\":2}],"
	"\"ifaces\":[{\"name\":\"eth0\",\"rx_bytes_per_s\":100,\"tx_bytes_per_s\":200,"
	"\"rx_packets_per_s\":1,\"tx_packets_per_s\":2,\"errors_per_s\":0,\"drops_per_s\":0,"
	"\"speed_bits_per_s\":null,\"new_member\":[1,2]}],"
	"\"health\":{\"retrans_ratio\":0.25,\"out_segs_per_s\":8},"
	"\"alerts_firing\":[{\"id\":3,\"time\":\"x\",\"rule\":\"syn_flood\",\"severity\":"
	"\"critical\",\"status\":\"firing\",\"subject\":{\"addr\":\"203.0.113.9\"},"
	"\"started_at\":\"2026-11-29T22:00:00.000Z\",\"summary\":\"a flood\",\"actions\":[]},"
	"{\"id\":4,\"rule\":\"listen_full\",\"subject\":{\"port\":80}}],"
	"\"blocks_active\":1,\"future\":{\"a\":true}}";

static void test_whole(void **state)
{
	struct agent_frame *f = malloc(sizeof(*f));
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(agent_frame_parse(f, live, strlen(live), &err), 0);
	assert_true(f->t_ms == 1795990640000LL && f->interval_ms == 1000 && f->seq == 4);
	assert_true(f->census_ms == 1795990639000LL);
	assert_true(f->states[0] == 412 && f->states[5] == 7 && f->states[9] == 3);
	assert_true(f->states[7] == 2 && isnan(f->states[1]));
	assert_int_equal(f->nr_sockets, 1);
	assert_string_equal(f->sockets[0].family, "ipv4");
	assert_true(f->sockets[0].count == 430);
	assert_int_equal(f->nr_peers, 1);
	assert_string_equal(f->peers[0].addr, "10.0.0.2");
	assert_true(f->peers[0].established == 10);
	assert_int_equal(f->nr_ports, 1);
	assert_true(f->ports[0].port == 443 && f->ports[0].queue == 1 &&
		    isnan(f->ports[0].backlog));
	assert_int_equal(f->nr_procs, 1);
	assert_true(f->procs[0].pid == 77 && f->procs[0].rx == 1.5 && isnan(f->procs[0].tx));
	assert_int_equal(f->nr_close_wait, 1);
	assert_true(f->close_wait[0].pid == -1 && f->close_wait[0].rx == 2);
	assert_int_equal(f->nr_ifaces, 1);
	assert_true(f->ifaces[0].tx_bps == 200 && isnan(f->ifaces[0].speed));
	assert_true(f->health[AFH_RETRANS_RATIO] == 0.25 && isnan(f->health[AFH_IN_SEGS]));
	assert_int_equal(f->nr_alerts, 2);
	assert_string_equal(f->alerts[0].subject, "203.0.113.9");
	assert_string_equal(f->alerts[0].severity, "critical");
	assert_string_equal(f->alerts[1].subject, "port 80");
	assert_string_equal(f->alerts[1].severity, "");
	assert_true(f->blocks_active == 1 && !f->truncated);
	strbuf_release(&err);
	free(f);
}

/* Before the first census: null census, empty arrays; before the second tick: null rates. */
static void test_minimal(void **state)
{
	static const char body[] = "{\"t_ms\":5,\"census_ms\":null,\"top_peers\":[]}";
	struct agent_frame *f = malloc(sizeof(*f));

	(void)state;
	assert_int_equal(agent_frame_parse(f, body, strlen(body), NULL), 0);
	assert_true(f->t_ms == 5 && f->census_ms == -1 && f->blocks_active == -1);
	assert_int_equal(f->nr_peers + f->nr_ports + f->nr_ifaces + f->nr_alerts, 0);
	assert_true(isnan(f->states[0]) && isnan(f->health[0]));
	free(f);
}

static void expect_bad(const char *body, int ret, const char *phrase)
{
	struct agent_frame *f = malloc(sizeof(*f));
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(agent_frame_parse(f, body, strlen(body), &err), ret);
	if (phrase && !strstr(err.buf, phrase))
		fail_msg("'%s': '%s' lacks '%s'", body, err.buf, phrase);
	strbuf_release(&err);
	free(f);
}

static void test_bad(void **state)
{
	(void)state;
	expect_bad("[1]", -EINVAL, "the body is not an object");
	expect_bad("{}", -EINVAL, "t_ms");
	expect_bad("{\"t_ms\":\"1\"}", -EINVAL, "t_ms is not an integer");
	expect_bad("{\"t_ms\":1.5}", -EINVAL, "t_ms is not an integer");
	expect_bad("{\"t_ms\":1,\"tcp_states\":[]}", -EINVAL, "tcp_states is not an object");
	expect_bad("{\"t_ms\":1,\"tcp_states\":{\"listen\":\"3\"}}", -EINVAL, "listen");
	expect_bad("{\"t_ms\":1,\"top_peers\":[1]}", -EINVAL, "an array of objects");
	expect_bad("{\"t_ms\":1,\"top_peers\":{}}", -EINVAL, "top_peers is not an array");
	expect_bad("{\"t_ms\":1,\"top_ports\":[{\"port\":70000}]}", -EINVAL, "a port number");
	expect_bad("{\"t_ms\":1,\"ifaces\":[{\"name\":3}]}", -EINVAL, "name is not a string");
	expect_bad("{\"t_ms\":1", -ENODATA, NULL);
	expect_bad("not json", -EINVAL, NULL);
	expect_bad("", -ENODATA, NULL);
}

/* More rows than the cap: the first ones stay, truncated says so; a long name is cut whole. */
static void test_caps(void **state)
{
	struct agent_frame *f = malloc(sizeof(*f));
	struct strbuf body = STRBUF_INIT;

	(void)state;
	strbuf_addstr(&body, "{\"t_ms\":1,\"top_peers\":[");
	for (int i = 0; i < AGENT_FRAME_TOP + 5; i++)
		strbuf_addf(&body, "%s{\"addr\":\"10.0.0.%d\",\"sockets\":%d}", i ? "," : "", i,
			    100 - i);
	strbuf_addstr(&body, "],\"ifaces\":[{\"name\":\"");
	for (int i = 0; i < 40; i++)
		strbuf_addstr(&body, "\xc3\xa9"); /* 80 bytes of 2-byte characters */
	strbuf_addstr(&body, "\"}]}");
	assert_int_equal(agent_frame_parse(f, body.buf, body.len, NULL), 0);
	assert_int_equal(f->nr_peers, AGENT_FRAME_TOP);
	assert_string_equal(f->peers[0].addr, "10.0.0.0");
	assert_true(f->truncated);
	assert_int_equal(strlen(f->ifaces[0].name), 62); /* 31 whole characters */
	strbuf_release(&body);
	free(f);
}

static void test_time(void **state)
{
	(void)state;
	assert_true(agent_frame_time_ms("1970-01-01T00:00:01Z") == 1000);
	assert_true(agent_frame_time_ms("2027-01-15T08:00:00.123Z") == 1800000000123LL);
	assert_true(agent_frame_time_ms("2027-01-15T08:00:00.5Z") == 1800000000500LL);
	assert_true(agent_frame_time_ms("2027-01-15T08:00:00.12345Z") == 1800000000123LL);
	assert_true(agent_frame_time_ms("2027-01-15T08:00:00") == -1);
	assert_true(agent_frame_time_ms("2027-01-15 08:00:00Z") == -1);
	assert_true(agent_frame_time_ms("2027-13-15T08:00:00Z") == -1);
	assert_true(agent_frame_time_ms("") == -1);
}

static void test_alerts(void **state)
{
	static const char body[] =
		"{\"alerts\":[{\"id\":1,\"time\":\"2027-01-15T08:00:00.123Z\",\"rule\":\"syn_flood\","
		"\"severity\":\"critical\",\"status\":\"resolved\",\"subject\":{\"addr\":\"10.0.0.9\"},"
		"\"started_at\":\"2027-01-15T07:59:50.000Z\",\"summary\":\"s\"},"
		"{\"id\":2,\"rule\":\"capacity\",\"subject\":{\"resource\":\"conntrack\"}},"
		"{\"id\":3,\"rule\":\"x\",\"subject\":{}}]}";
	static const char bad[] = "{\"alerts\":[{\"id\":\"1\"}]}";
	struct agent_frame_alert *a;
	size_t nr;
	bool cut;

	(void)state;
	assert_int_equal(agent_alerts_parse(body, strlen(body), 10, &a, &nr, &cut, NULL), 0);
	assert_int_equal(nr, 3);
	assert_false(cut);
	assert_true(a[0].id == 1 && a[0].time_ms == 1800000000123LL);
	assert_true(a[0].started_ms == 1799999990000LL && a[0].subject_addr);
	assert_string_equal(a[0].status, "resolved");
	assert_string_equal(a[1].subject, "conntrack");
	assert_false(a[1].subject_addr);
	assert_true(a[1].time_ms == -1);
	assert_string_equal(a[2].subject, "");
	free(a);
	assert_int_equal(agent_alerts_parse(body, strlen(body), 2, &a, &nr, &cut, NULL), 0);
	assert_true(nr == 2 && cut);
	free(a);
	assert_int_equal(agent_alerts_parse("{\"alerts\":[]}", 13, 2, &a, &nr, &cut, NULL), 0);
	assert_true(nr == 0 && a == NULL);
	assert_int_equal(agent_alerts_parse(bad, strlen(bad), 2, &a, &nr, &cut, NULL), -EINVAL);
	assert_true(nr == 0 && a == NULL);
	assert_int_equal(agent_alerts_parse("[]", 2, 2, &a, &nr, &cut, NULL), -EINVAL);
}

static void test_blocks(void **state)
{
	static const char body[] =
		"{\"time\":\"2026-11-29T19:20:41Z\",\"count\":2,\"blocks\":["
		"{\"addr\":\"10.0.0.5\",\"created\":\"2026-11-29T19:20:41Z\",\"expires\":"
		"\"2026-11-29T19:30:41Z\",\"remaining_s\":600,\"rule\":\"manual\",\"reason\":\"test\","
		"\"origin\":\"cli\"},{\"addr\":\"2001:db8::9\",\"created\":\"2026-11-29T19:20:41Z\","
		"\"expires\":null,\"remaining_s\":null,\"rule\":\"port_scan\",\"reason\":\"r\"}]}";
	struct agent_frame_block *b;
	size_t nr;
	bool cut;

	(void)state;
	assert_int_equal(agent_blocks_parse(body, strlen(body), 10, &b, &nr, &cut, NULL), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(b[0].addr, "10.0.0.5");
	assert_true(b[0].expires_ms - b[0].created_ms == 600000);
	assert_true(b[1].expires_ms == 0);
	assert_string_equal(b[1].rule, "port_scan");
	free(b);
	assert_int_equal(agent_blocks_parse("{\"blocks\":3}", 12, 2, &b, &nr, &cut, NULL), -EINVAL);
	assert_null(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),  cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_bad),    cmocka_unit_test(test_caps),
		cmocka_unit_test(test_time),   cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
