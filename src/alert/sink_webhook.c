// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * HTTP for the webhook and Alertmanager sinks: one POST with libcurl's easy
 * interface on the notifier's thread, bounded by the sink timeout.
 * CURLOPT_NOSIGNAL because the process has other threads (curl would use
 * SIGALRM for its resolver timeouts otherwise); redirects are not followed
 * (a POST that is redirected is a misconfigured URL, reported as such).
 */
#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "alert/notify_core.h"

int notify_url_check(const char *url, struct strbuf *err)
{
	CURLU *u;
	CURLUcode rc;

	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) {
		strbuf_addf(err, "'%s' is not an http:// or https:// URL", url);
		return -EINVAL;
	}
	u = curl_url();
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	curl_url_cleanup(u);
	if (rc != CURLUE_OK) {
		strbuf_addf(err, "'%s' is not a valid URL: %s", url, curl_url_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

/* The answer's body is not needed: count it away. */
static size_t discard(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

int notify_http_post(const char *url, const char *body, size_t len, int64_t timeout_ms,
		     struct strbuf *err)
{
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	char curl_err[CURL_ERROR_SIZE] = "";
	CURL *h = curl_easy_init();
	long code = 0;
	CURLcode rc;
	int ret = -EIO;

	if (!h || !hdr) {
		strbuf_addstr(err, "cannot set up libcurl");
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "connmon");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		strbuf_addf(err, "POST %s: %s", url, *curl_err ? curl_err : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		strbuf_addf(err, "POST %s: HTTP status %ld", url, code);
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(hdr);
	if (h)
		curl_easy_cleanup(h);
	return ret;
}

/* The webhook sink: one POST of the events as a JSON array. */
static int webhook_deliver(const struct notify_core *core, const struct alert_event *ev, size_t nr,
			   int64_t now_ms, int64_t timeout_ms, struct strbuf *err)
{
	struct strbuf body = STRBUF_INIT;
	int ret;

	(void)now_ms;
	notify_json_array(ev, nr, &body);
	ret = notify_http_post(core->cfg.webhook, body.buf, body.len, timeout_ms, err);
	strbuf_release(&body);
	return ret;
}

const struct notify_sink_ops notify_webhook_ops = { .deliver = webhook_deliver };
