/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard page on the agent's HTTP listener: GET / and GET /index.html
 * answer the page embedded in the binary (export/dashboard.h) with the
 * Content-Security-Policy of docs/API.md.  The page itself reads the JSON
 * API beside it; docs/DASHBOARD.md describes it.
 */
#ifndef CONNMON_APP_AGENT_PAGE_H
#define CONNMON_APP_AGENT_PAGE_H

struct http_server;

/*
 * Routes / and /index.html on srv (borrowed; NULL is a no-op returning 0).
 * Returns 0 or the negative errno of http_server_route (-EEXIST, -ENOSPC),
 * after logging it: the agent goes on without the page.
 */
int agent_page_open(struct http_server *srv);

#endif
