// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dashboard page's two routes.  The page is a constant in the binary,
 * so the handler only copies it: it reads nothing of the agent and never
 * blocks.  The page is ~45 KiB; copying it per request costs microseconds
 * against the loopback round trip, and keeps the route a plain handler so
 * it can carry its own headers (the Content-Security-Policy of docs/API.md).
 */
#include "app/agent_page.h"

#include <errno.h>
#include <string.h>

#include "app/log.h"
#include "export/dashboard.h"
#include "export/http.h"

static int page_handler(void *ctx, const struct http_request *req, struct strbuf *body,
			const char **content_type)
{
	(void)ctx;
	http_response_header(req, "Content-Security-Policy", DASHBOARD_CSP);
	http_response_header(req, "X-Content-Type-Options", "nosniff");
	http_response_header(req, "Referrer-Policy", "no-referrer");
	strbuf_add(body, dashboard_html, dashboard_html_len);
	*content_type = DASHBOARD_CONTENT_TYPE;
	return 200;
}

int agent_page_open(struct http_server *srv)
{
	static const char *const paths[] = { "/", "/index.html" };
	int ret;

	if (!srv)
		return 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ret = http_server_route(srv, paths[i], page_handler, NULL);
		if (ret < 0) {
			log_error("cannot serve the dashboard at %s: %s", paths[i], strerror(-ret));
			return ret;
		}
	}
	return 0;
}
