// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's configuration: the file (cli/config.h) under the command
 * line's overrides, turned into the settings the agent runs with; and the
 * SIGHUP reload, which parses into a copy and swaps only when the whole new
 * config is good.  What a reload cannot change without a restart (the
 * database path, the namespace, the ring's span, the store's tiers) is
 * logged as such and keeps its running value.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/agent.h"
#include "app/agent_api.h"
#include "app/agent_page.h"
#include "app/log.h"
#include "app/respond_app.h"
#include "cli/config.h"
#include "export/http.h"

#define NS_PER_MS 1000000ull

/* The command line's --db, --interval and --listen over c. */
/* Each --auth-log PATH joins [detect] auth_logs (space-separated; a path may hold no blank). */
static int auth_log_options(struct agent_config *c, const struct cli_opts *o, struct strbuf *err)
{
	size_t len = strlen(c->detect.auth_logs);

	for (size_t i = 0; i < o->nr_auth_logs; i++) {
		const char *p = o->auth_logs[i];
		size_t add = strlen(p) + (len ? 1 : 0);

		if (!*p || strpbrk(p, " \t")) {
			strbuf_addf(err,
				    "invalid value '%s' for '--auth-log': a path without blanks",
				    p);
			return -EINVAL;
		}
		if (len + add >= sizeof(c->detect.auth_logs)) {
			strbuf_addstr(err, "too many --auth-log paths");
			return -EINVAL;
		}
		snprintf(c->detect.auth_logs + len, sizeof(c->detect.auth_logs) - len, "%s%s",
			 len ? " " : "", p);
		len += add;
	}
	return 0;
}

static int apply_overrides(struct agent_config *c, const struct cli_opts *o, struct strbuf *err)
{
	char buf[32];

	if (o->db && config_set(c, "--db", "agent", "db", o->db, err) < 0)
		return -EINVAL;
	if (o->interval_s > 0) {
		snprintf(buf, sizeof(buf), "%.3f", o->interval_s);
		if (config_set(c, "--interval", "agent", "interval", buf, err) < 0)
			return -EINVAL;
	}
	if (o->listen && config_set(c, "--listen", "agent", "listen", o->listen, err) < 0)
		return -EINVAL;
	/* --alerts-file: every event, whatever the file's own severity setting. */
	if (o->alerts_file &&
	    (config_set(c, "--alerts-file", "alerts", "file", o->alerts_file, err) < 0 ||
	     config_set(c, "--alerts-file", "alerts", "file_severity", "info", err) < 0))
		return -EINVAL;
	return auth_log_options(c, o, err) < 0 ? -EINVAL : respond_app_options(c, o, err);
}

int agent_config_load(struct agent_config *c, const struct cli_opts *o, struct strbuf *err)
{
	const char *path = o->config ? o->config : CONFIG_DEFAULT_PATH;
	struct agent_config n;
	int ret;

	config_defaults(&n);
	ret = config_load(&n, path, err);
	if (ret == -ENOENT && !o->config) {
		/* No file at the default path: the defaults are a complete config. */
		strbuf_reset(err);
		config_defaults(&n);
	} else if (ret < 0) {
		return ret;
	}
	ret = apply_overrides(&n, o, err);
	if (ret < 0)
		return ret;
	if (!n.agent.listen.off && !n.agent.listen.loopback && !n.agent.listen_public) {
		strbuf_addstr(err, "[agent] listen is not a loopback address; set [agent] "
				   "listen_public = yes to serve /metrics beyond this host");
		return -EINVAL;
	}
	*c = n;
	return 0;
}

static enum log_level log_level_of(int l)
{
	switch (l) {
	case CONFIG_LOG_ERROR:
		return LOG_LVL_ERROR;
	case CONFIG_LOG_WARNING:
		return LOG_LVL_WARNING;
	case CONFIG_LOG_DEBUG:
		return LOG_LVL_DEBUG;
	default:
		return LOG_LVL_INFO;
	}
}

void agent_settings_from(struct agent_settings *s, const struct agent_config *c)
{
	s->interval_ns = (uint64_t)c->agent.interval_ms * NS_PER_MS;
	s->write_interval_ns = (uint64_t)c->agent.write_interval_ms * NS_PER_MS;
	s->census_max_period_ns = (uint64_t)c->agent.census_max_period_ms * NS_PER_MS;
	s->ring_ns = (uint64_t)c->series.ring_ms * NS_PER_MS;
	s->max_ports = c->series.ports;
	s->max_peers = c->series.peers;
	s->max_procs = c->series.processes;
	s->retention_ms[0] = c->store.retention_ticks_ms;
	s->retention_ms[1] = c->store.retention_minutes_ms;
	s->retention_ms[2] = c->store.retention_hours_ms;
	s->max_size_bytes = c->store.max_size_bytes;
	s->backlog_max_bytes = c->store.backlog_max_bytes;
	s->store_idle_ms = c->store.idle_ms;
	log_set_level(log_level_of(c->agent.log_level));
}

static bool listen_changed(const struct agent_config *a, const struct agent_config *b)
{
	return memcmp(&a->agent.listen, &b->agent.listen, sizeof(a->agent.listen)) != 0;
}

static void needs_restart(const struct agent_config *old, const struct agent_config *n)
{
	if (strcmp(old->agent.db, n->agent.db))
		log_warn("reload: [agent] db changes at the next restart (still '%s')",
			 old->agent.db);
	if (strcmp(old->agent.netns, n->agent.netns))
		log_warn("reload: [agent] netns changes at the next restart");
	if (old->series.ring_ms != n->series.ring_ms)
		log_warn("reload: [series] ring changes at the next restart");
	if (memcmp(&old->socket, &n->socket, sizeof(old->socket)))
		log_warn("reload: [agent] socket settings change at the next restart");
	if (memcmp(&old->store, &n->store, sizeof(old->store)))
		log_warn("reload: [store] settings change at the next restart");
}

void agent_reload(struct agent *a)
{
	struct strbuf err = STRBUF_INIT;
	struct agent_config n;
	struct agent_settings s = a->set;

	if (agent_config_load(&n, a->opts, &err) < 0) {
		log_error("reload refused, the running config stays: %s", err.buf);
		strbuf_release(&err);
		return;
	}
	needs_restart(&a->cfg, &n);
	agent_settings_from(&s, &n);
	s.ring_ns = a->set.ring_ns;
	memcpy(s.retention_ms, a->set.retention_ms, sizeof(s.retention_ms));
	s.max_size_bytes = a->set.max_size_bytes;
	s.backlog_max_bytes = a->set.backlog_max_bytes;
	if (s.interval_ns != a->set.interval_ns && a->tick)
		tick_set_interval(a->tick, s.interval_ns);
	a->cen.census.max_ports = s.max_ports;
	a->cen.census.max_peers = s.max_peers;
	a->set = s;
	if (listen_changed(&a->cfg, &n)) {
		struct strbuf addr = STRBUF_INIT;

		struct http_unix *u = http_server_detach_unix(a->http); /* kept across */

		agent_metrics_close(a);
		agent_api_close(a); /* its routes were on the listener that closed */
		config_format_listen(&n.agent.listen, &addr);
		agent_metrics_open(a, addr.buf);
		agent_socket_attach(a, u);
		agent_api_open(a);
		agent_page_open(a->http);
		strbuf_release(&addr);
	}
	memcpy(&n.socket, &a->cfg.socket, sizeof(n.socket));
	memcpy(n.agent.db, a->cfg.agent.db, sizeof(n.agent.db));
	a->cfg = n;
	agent_rules_reload(a);
	log_info("reloaded: a tick every %.3g s, a write every %.3g s", (double)s.interval_ns / 1e9,
		 (double)s.write_interval_ns / 1e9);
	strbuf_release(&err);
}
