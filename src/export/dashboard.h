/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard page (src/export/dashboard.html), embedded at build time by
 * src/export/embed.py: one self-contained HTML document (inline CSS and JS,
 * no external asset) that reads the agent's JSON API (docs/API.md).
 * docs/DASHBOARD.md describes it.
 *
 * The bytes are static, read-only and live as long as the program;
 * dashboard_html[dashboard_html_len] is a NUL.
 */
#ifndef CONNMON_EXPORT_DASHBOARD_H
#define CONNMON_EXPORT_DASHBOARD_H

#include <stddef.h>

extern const unsigned char dashboard_html[];
extern const size_t dashboard_html_len;

/* The Content-Type and Content-Security-Policy the page is served with (docs/API.md). */
#define DASHBOARD_CONTENT_TYPE "text/html; charset=utf-8"
#define DASHBOARD_CSP                                                                               \
	"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " \
	"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"

#endif
