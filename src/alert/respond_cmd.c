// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The manual commands (block, unblock, unblock --all), reconcile and the
 * table's removal: each one nftables transaction, then the rows and the
 * audit through the ops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alert/respond_int.h"
#include "base/xalloc.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The addresses of rows, sorted, for bsearch; the strings are borrowed from rows. */
static const char **sorted_addrs(const struct respond_block *rows, size_t nr)
{
	const char **v = xcalloc(nr + 1, sizeof(*v));

	for (size_t i = 0; i < nr; i++)
		v[i] = rows[i].addr;
	qsort(v, nr, sizeof(*v), cmp_str);
	return v;
}

static bool has(const char **sorted, size_t nr, const char *addr)
{
	return bsearch(&addr, sorted, nr, sizeof(*sorted), cmp_str) != NULL;
}

/* result = prefix what ("refused: " "'x' is not an address") */
static void req_set(struct respond_req *q, int status, const char *prefix, const char *what)
{
	q->status = status;
	snprintf(q->result, sizeof(q->result), "%s%s", prefix, what);
}

static int list_rows(struct responder *r, int64_t now_ms, struct respond_block **rows, size_t *nr)
{
	*rows = NULL;
	*nr = 0;
	return r->ops.block_list ? r->ops.block_list(r->ops.ctx, now_ms, rows, nr) : 0;
}

/* Fails every request still pending (status 1) with the transaction's error. */
static void fail_pending(struct respond_req *reqs, size_t nr, int ret, const char *why)
{
	for (size_t i = 0; i < nr; i++)
		if (reqs[i].status == 1)
			req_set(&reqs[i], ret, "failed: ", why);
}

/* Audits the requests of one command in one call. */
static void audit_reqs(struct responder *r, const struct respond_req *reqs, size_t nr,
		       const char *action, int64_t now_ms, const char *detail)
{
	struct respond_audit *a = xcalloc(nr + 1, sizeof(*a));

	for (size_t i = 0; i < nr; i++) {
		a[i].time_ms = now_ms;
		snprintf(a[i].action, sizeof(a[i].action), "%s", action);
		snprintf(a[i].target, sizeof(a[i].target), "%s", reqs[i].text);
		snprintf(a[i].mode, sizeof(a[i].mode), "manual");
		snprintf(a[i].result, sizeof(a[i].result), "%s", reqs[i].result);
		snprintf(a[i].detail, sizeof(a[i].detail), "%s", detail);
	}
	if (r->ops.audit && nr)
		r->ops.audit(r->ops.ctx, a, nr);
	free(a);
}

/* Parses and checks one address to block; 1 when it goes into the batch. */
static int block_one(struct responder *r, struct respond_req *q, struct nft_elem *e,
		     char addr[ALERT_ADDR_LEN])
{
	struct strbuf why = STRBUF_INIT;
	const char *allowed;
	int ret = 1;

	if (respond_parse_host(q->text, e, &why)) {
		req_set(q, -EINVAL, "refused: ", why.buf);
		ret = 0;
	} else if ((allowed = respond_allowed_reason(r, e))) {
		respond_host_text(e, addr);
		strbuf_addf(&why, "allowlisted (%s)", allowed);
		req_set(q, -EPERM, "refused: ", why.buf);
		ret = 0;
	} else {
		respond_host_text(e, addr);
		q->status = 1;
	}
	strbuf_release(&why);
	return ret;
}

/* Marks repeated addresses of one command (an nft set statement must not hold one twice). */
static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct respond_block *)a)->addr,
		      ((const struct respond_block *)b)->addr);
}

static void fill_row(struct respond_block *row, const char *addr, int64_t now_ms,
		     int64_t duration_ms, const char *reason)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->addr, sizeof(row->addr), "%s", addr);
	row->created_ms = now_ms;
	row->expires_ms = duration_ms > 0 ? now_ms + duration_ms : 0;
	snprintf(row->rule, sizeof(row->rule), "manual");
	snprintf(row->reason, sizeof(row->reason), "%s", reason ? reason : "");
	snprintf(row->origin, sizeof(row->origin), "cli");
}

struct block_run {
	struct respond_block *old, *rows;
	const char **old_sorted;
	size_t nr_old, nr_rows;
};

static void block_batch(struct responder *r, struct block_run *b, struct respond_req *reqs,
			size_t nr, int64_t duration_ms, const char *reason, int64_t now_ms)
{
	size_t in_force = b->nr_old;

	b->rows = xcalloc(nr + 1, sizeof(*b->rows));
	for (size_t i = 0; i < nr; i++) {
		char addr[ALERT_ADDR_LEN] = "";
		struct nft_elem e;
		bool old;

		if (!block_one(r, &reqs[i], &e, addr))
			continue;
		old = has(b->old_sorted, b->nr_old, addr);
		if (!old && in_force >= r->p.set_size) {
			reqs[i].status = -ENFILE;
			snprintf(reqs[i].result, sizeof(reqs[i].result),
				 "refused: set full (%u elements)", (unsigned)r->p.set_size);
			continue;
		}
		in_force += !old;
		fill_row(&b->rows[b->nr_rows++], addr, now_ms, duration_ms, reason);
		reqs[i].status = old ? 2 : 1; /* 2: refresh */
	}
	qsort(b->rows, b->nr_rows, sizeof(*b->rows), cmp_row);
	for (size_t i = 0; i < b->nr_rows; i++) {
		struct nft_elem e;
		bool dup = i && !strcmp(b->rows[i].addr, b->rows[i - 1].addr);

		if (dup || respond_parse_host(b->rows[i].addr, &e, NULL))
			continue;
		e.timeout_ms = duration_ms > 0 ? duration_ms : 0;
		nft_batch_add(&r->batch, &e, false, has(b->old_sorted, b->nr_old, b->rows[i].addr));
	}
}

int respond_block(struct responder *r, struct respond_req *reqs, size_t nr, int64_t duration_ms,
		  const char *reason, int64_t now_ms, struct strbuf *err)
{
	struct block_run b = { 0 };
	struct strbuf detail = STRBUF_INIT;
	int ret;

	for (size_t i = 0; i < nr; i++)
		req_set(&reqs[i], 1, "", "pending");
	ret = respond_ensure_table(r, err);
	if (ret) {
		fail_pending(reqs, nr, ret, err->buf);
		return ret;
	}
	list_rows(r, now_ms, &b.old, &b.nr_old);
	b.old_sorted = sorted_addrs(b.old, b.nr_old);
	nft_batch_reset(&r->batch);
	block_batch(r, &b, reqs, nr, duration_ms, reason, now_ms);
	ret = nft_apply(r->nft, &r->batch, err);
	nft_batch_reset(&r->batch);
	if (ret) {
		for (size_t i = 0; i < nr; i++)
			reqs[i].status = reqs[i].status == 2 ? 1 : reqs[i].status;
		fail_pending(reqs, nr, ret, err->buf);
	} else {
		for (size_t i = 0; i < nr; i++)
			if (reqs[i].status > 0)
				req_set(&reqs[i], 0, "", "done");
		if (b.nr_rows && r->ops.block_save)
			r->ops.block_save(r->ops.ctx, b.rows, b.nr_rows);
	}
	strbuf_addstr(&detail, "for ");
	respond_format_duration(duration_ms, &detail);
	if (reason && *reason)
		strbuf_addf(&detail, ", %s", reason);
	audit_reqs(r, reqs, nr, "block", now_ms, detail.buf);
	strbuf_release(&detail);
	free(b.old_sorted);
	free(b.old);
	free(b.rows);
	return ret;
}

int respond_unblock(struct responder *r, struct respond_req *reqs, size_t nr, int64_t now_ms,
		    struct strbuf *err)
{
	char(*addrs)[ALERT_ADDR_LEN] = xcalloc(nr + 1, sizeof(*addrs));
	const char **names = xcalloc(nr + 1, sizeof(*names));
	struct strbuf why = STRBUF_INIT;
	size_t n = 0;
	int ret;

	ret = respond_ensure_table(r, err);
	nft_batch_reset(&r->batch);
	for (size_t i = 0; i < nr && !ret; i++) {
		struct nft_elem e;

		strbuf_reset(&why);
		if (respond_parse_host(reqs[i].text, &e, &why)) {
			req_set(&reqs[i], -EINVAL, "refused: ", why.buf);
			continue;
		}
		respond_host_text(&e, addrs[n]);
		names[n] = addrs[n];
		n++;
		reqs[i].status = 1;
		nft_batch_delete(&r->batch, &e, false);
	}
	if (!ret)
		ret = nft_apply(r->nft, &r->batch, err);
	nft_batch_reset(&r->batch);
	if (ret) {
		for (size_t i = 0; i < nr; i++)
			if (!reqs[i].result[0] || reqs[i].status == 1)
				req_set(&reqs[i], ret, "failed: ", err->buf);
	} else {
		for (size_t i = 0; i < nr; i++)
			if (reqs[i].status == 1)
				req_set(&reqs[i], 0, "", "done");
		if (n && r->ops.block_remove)
			r->ops.block_remove(r->ops.ctx, names, n, false);
	}
	audit_reqs(r, reqs, nr, "unblock", now_ms, "");
	strbuf_release(&why);
	free(names);
	free(addrs);
	return ret;
}

int respond_unblock_all(struct responder *r, size_t *nr, int64_t now_ms, struct strbuf *err)
{
	struct respond_block *rows;
	struct respond_req all = { .text = "*" };
	int ret;

	*nr = 0;
	ret = respond_ensure_table(r, err);
	if (!ret)
		ret = nft_run(r->nft,
			      "flush set " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " block4\n"
			      "flush set " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " block6\n",
			      err);
	if (!ret) {
		list_rows(r, INT64_MIN, &rows, nr);
		free(rows);
		if (r->ops.block_remove)
			r->ops.block_remove(r->ops.ctx, NULL, 0, true);
	}
	req_set(&all, ret, ret ? "failed: " : "%s", ret ? err->buf : "done");
	audit_reqs(r, &all, 1, "unblock", now_ms, "all");
	return ret;
}

int respond_remove_rules(struct responder *r, struct strbuf *err)
{
	int ret;

	if (!r->nft)
		r->nft = nft_new();
	nft_batch_reset(&r->batch);
	nft_batch_delete_table(&r->batch);
	ret = nft_apply(r->nft, &r->batch, err);
	nft_batch_reset(&r->batch);
	r->ready = false;
	return ret;
}

/* Kernel elements of both block sets, as canonical text (sorted) and their elements. */
static int kernel_blocks(struct responder *r, char (**text)[ALERT_ADDR_LEN], const char ***sorted,
			 size_t *nr, struct strbuf *err)
{
	struct nft_elem *e[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 };
	int ret = nft_list_set(r->nft, NFT_SET_BLOCK4, &e[0], &n[0], err);

	if (!ret)
		ret = nft_list_set(r->nft, NFT_SET_BLOCK6, &e[1], &n[1], err);
	*nr = 0;
	*text = xcalloc(n[0] + n[1] + 1, sizeof(**text));
	*sorted = xcalloc(n[0] + n[1] + 1, sizeof(**sorted));
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < n[s]; i++) {
			respond_host_text(&e[s][i], (*text)[*nr]);
			(*sorted)[*nr] = (*text)[*nr];
			(*nr)++;
		}
		free(e[s]);
	}
	qsort(*sorted, *nr, sizeof(**sorted), cmp_str);
	return ret;
}

static void reconcile_batch(struct responder *r, const struct respond_block *rows, size_t nr_rows,
			    const char **kern, size_t nr_kern, int64_t now_ms, size_t *added,
			    size_t *removed)
{
	const char **mine = sorted_addrs(rows, nr_rows);
	struct nft_elem e;

	for (size_t i = 0; i < nr_rows; i++) {
		if (has(kern, nr_kern, rows[i].addr) || respond_parse_host(rows[i].addr, &e, NULL))
			continue;
		e.timeout_ms = rows[i].expires_ms > 0 ? rows[i].expires_ms - now_ms : 0;
		if (rows[i].expires_ms > 0 && e.timeout_ms <= 0)
			continue;
		nft_batch_add(&r->batch, &e, false, false);
		(*added)++;
	}
	for (size_t i = 0; i < nr_kern; i++) {
		if (has(mine, nr_rows, kern[i]) || respond_parse_host(kern[i], &e, NULL))
			continue;
		nft_batch_delete(&r->batch, &e, false);
		(*removed)++;
	}
	free(mine);
}

int respond_reconcile(struct responder *r, int64_t now_ms, size_t *added, size_t *removed,
		      struct strbuf *err)
{
	char(*text)[ALERT_ADDR_LEN] = NULL;
	struct respond_block *rows = NULL;
	const char **kern = NULL;
	size_t nr_rows = 0, nr_kern = 0, a = 0, d = 0;
	char detail[64];
	int ret;

	if (r->p.mode != RESPOND_ON)
		goto out0;
	ret = respond_ensure_table(r, err);
	if (ret)
		return ret;
	ret = list_rows(r, now_ms, &rows, &nr_rows);
	if (!ret)
		ret = kernel_blocks(r, &text, &kern, &nr_kern, err);
	if (!ret) {
		nft_batch_reset(&r->batch);
		reconcile_batch(r, rows, nr_rows, kern, nr_kern, now_ms, &a, &d);
		ret = nft_apply(r->nft, &r->batch, err);
		nft_batch_reset(&r->batch);
	}
	if (!ret && (a || d)) {
		snprintf(detail, sizeof(detail), "%zu re-added, %zu removed", a, d);
		respond_audit(r, now_ms, "reconcile", "*", "done", detail);
	}
	free(rows);
	free(kern);
	free(text);
	if (ret)
		return ret;
out0:
	if (added)
		*added = a;
	if (removed)
		*removed = d;
	return 0;
}
