// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alert/nft_batch and the pure part of alert/nft: the script text for IPv4
 * and IPv6 elements, timeouts, refresh and delete phases, the table setup
 * and deletion, v4-mapped addresses, and the parser of `nft -j list set`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* clang-format off: cmocka.h needs the headers above */
#include <cmocka.h>
/* clang-format on */

#include "alert/nft.h"
#include "alert/nft_batch.h"
#include "base/strbuf.h"

static struct nft_elem elem(const char *text, uint16_t port, int64_t timeout_ms)
{
	struct nft_elem e = { .port = port, .timeout_ms = timeout_ms };

	e.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(e.family, text, e.addr), 1);
	return e;
}

static char *text_of(const struct nft_batch *b)
{
	struct strbuf out = STRBUF_INIT;

	nft_batch_text(b, &out);
	return strbuf_detach(&out, NULL);
}

static void test_add_v4_v6(void **state)
{
	struct nft_batch b;
	struct nft_elem e[3] = { elem("10.0.0.1", 0, 600000), elem("2001:db8::1", 0, 0),
				 elem("192.0.2.7", 0, 1500) };
	char *t;

	(void)state;
	nft_batch_init(&b);
	assert_true(nft_batch_is_empty(&b));
	for (int i = 0; i < 3; i++)
		nft_batch_add(&b, &e[i], false, false);
	assert_int_equal(nft_batch_elements(&b), 3);
	t = text_of(&b);
	assert_string_equal(
		t,
		"add element inet connmon block4 { 10.0.0.1 timeout 600000ms, 192.0.2.7 timeout 1500ms }\n"
		"add element inet connmon block6 { 2001:db8::1 }\n");
	free(t);
	nft_batch_release(&b);
}

static void test_refresh_and_delete(void **state)
{
	struct nft_batch b;
	struct nft_elem a = elem("10.0.0.1", 0, 60000), d = elem("2001:db8::2", 0, 0);
	char *t;

	(void)state;
	nft_batch_init(&b);
	nft_batch_add(&b, &a, false, true);
	nft_batch_delete(&b, &d, false);
	t = text_of(&b);
	/* ensures first, deletes next, adds last: one transaction, no error for a missing element
	 */
	assert_string_equal(t, "add element inet connmon block4 { 10.0.0.1 }\n"
			       "add element inet connmon block6 { 2001:db8::2 }\n"
			       "delete element inet connmon block4 { 10.0.0.1 }\n"
			       "delete element inet connmon block6 { 2001:db8::2 }\n"
			       "add element inet connmon block4 { 10.0.0.1 timeout 60000ms }\n");
	free(t);
	nft_batch_reset(&b);
	assert_true(nft_batch_is_empty(&b));
	nft_batch_release(&b);
}

static void test_limit_and_mapped(void **state)
{
	struct nft_batch b;
	struct nft_elem l = elem("::ffff:198.51.100.9", 22, 120000), l6 = elem("fe80::1", 443, 0);
	char *t;

	(void)state;
	nft_batch_init(&b);
	nft_batch_add(&b, &l, true, false);
	nft_batch_add(&b, &l6, true, false);
	t = text_of(&b);
	assert_string_equal(
		t, "add element inet connmon limit4 { 198.51.100.9 . 22 timeout 120000ms }\n"
		   "add element inet connmon limit6 { fe80::1 . 443 }\n");
	free(t);
	nft_batch_release(&b);
}

static void test_table(void **state)
{
	struct nft_table_params p = { .set_size = 1234,
				      .limit_connections = 7,
				      .limit_syn_rate = 9 };
	struct nft_batch b;
	char *t;

	(void)state;
	nft_batch_init(&b);
	nft_batch_table(&b, &p);
	t = text_of(&b);
	assert_non_null(strstr(t, "add table inet connmon\n"));
	assert_non_null(strstr(t, "add set inet connmon block4 { type ipv4_addr; flags timeout;"
				  " size 1234; }"));
	assert_non_null(strstr(t, "add set inet connmon block6 { type ipv6_addr; flags timeout;"
				  " size 1234; }"));
	assert_non_null(strstr(t, "priority -150;"));
	assert_non_null(strstr(t, "ip saddr @block4 drop\n"));
	assert_non_null(strstr(t, "ip6 saddr @block6 drop\n"));
	assert_non_null(strstr(t, "ct count over 7 }"));
	assert_non_null(strstr(t, "limit rate over 9/second"));
	/* the chain's rules are rewritten, not appended to */
	assert_true(strstr(t, "flush chain inet connmon prerouting") <
		    strstr(t, "add rule inet connmon prerouting"));
	free(t);
	nft_batch_reset(&b);
	nft_batch_delete_table(&b);
	t = text_of(&b);
	assert_string_equal(t, "add table inet connmon\ndelete table inet connmon\n");
	free(t);
	nft_batch_release(&b);
}

static void test_many(void **state)
{
	struct nft_batch b;
	struct strbuf out = STRBUF_INIT;
	size_t lines = 0;

	(void)state;
	nft_batch_init(&b);
	for (uint32_t i = 0; i < 20000; i++) {
		struct nft_elem e = { .family = AF_INET, .timeout_ms = 1000 };
		uint32_t a = htonl(0x0a000000u + i);

		memcpy(e.addr, &a, 4);
		nft_batch_add(&b, &e, false, false);
	}
	nft_batch_text(&b, &out);
	for (size_t i = 0; i < out.len; i++)
		lines += out.buf[i] == '\n';
	assert_int_equal(lines, 1); /* one statement for the whole set */
	assert_non_null(strstr(out.buf, "10.0.78.31 timeout 1000ms }"));
	strbuf_release(&out);
	nft_batch_release(&b);
}

static void test_parse_json(void **state)
{
	static const char js[] =
		"{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, {\"set\": {\"family\":"
		" \"inet\", \"name\": \"block4\", \"table\": \"connmon\", \"type\": \"ipv4_addr\","
		" \"elem\": [{\"elem\": {\"val\": \"10.0.0.1\", \"timeout\": 600, \"expires\": 599}},"
		" \"10.0.0.2\", \"2001:db8::1\", 7]}}]}";
	static const char lim[] = "{\"nftables\": [{\"set\": {\"elem\": [{\"elem\": {\"val\":"
				  " {\"concat\": [\"10.0.0.3\", 22]}, \"expires\": 60}}]}}]}";
	struct strbuf err = STRBUF_INIT;
	struct nft_elem *e;
	size_t nr;

	(void)state;
	assert_int_equal(nft_parse_set_json(js, strlen(js), NFT_SET_BLOCK4, &e, &nr, &err), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(e[0].timeout_ms, 599000);
	assert_int_equal(e[1].timeout_ms, 0);
	assert_memory_equal(e[1].addr, "\x0a\x00\x00\x02", 4);
	free(e);
	assert_int_equal(nft_parse_set_json(lim, strlen(lim), NFT_SET_LIMIT4, &e, &nr, &err), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(e[0].port, 22);
	free(e);
	assert_int_equal(nft_parse_set_json("[]", 2, NFT_SET_BLOCK4, &e, &nr, &err), -EPROTO);
	assert_int_equal(nft_parse_set_json("{", 1, NFT_SET_BLOCK4, &e, &nr, &err), -EPROTO);
	strbuf_release(&err);
}

static void test_error_codes(void **state)
{
	(void)state;
	assert_int_equal(nft_error_code("Operation not permitted (you must be root)"), -EPERM);
	assert_int_equal(
		nft_error_code("Error: Could not process rule: Too many open files in system"),
		-ENFILE);
	assert_int_equal(nft_error_code("Error: No such file or directory"), -ENOENT);
	assert_int_equal(nft_error_code("Error: syntax error"), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_v4_v6),
		cmocka_unit_test(test_refresh_and_delete),
		cmocka_unit_test(test_limit_and_mapped),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_parse_json),
		cmocka_unit_test(test_error_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
