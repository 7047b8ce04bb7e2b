// SPDX-License-Identifier: GPL-2.0-or-later
#include "ui/sock_render.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "base/strbuf.h"
#include "base/units.h"

/* True when the kernel's tcp_info was long enough to carry field f. */
#define TCPI_HAS(s, f)               \
	((s)->has & SOCK_HAS_INFO && \
	 offsetof(struct tcp_info, f) + sizeof((s)->tcpi.f) <= (s)->tcpi_len)

#define COL_NETID 6
#define COL_STATE 11
#define COL_QUEUE 7
#define COL_ADDR4 24
#define COL_ADDR6 47 /* "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" */

void sock_render_init(struct sock_render *r, struct outbuf *out, const struct sock_render_opts *o)
{
	r->out = out;
	r->o = *o;
	r->nr = 0;
}

/*
 * The address columns: at a width, half of what the other columns leave
 * (24 at 80 with Netid and State, 32 without either), at most what the
 * longest address needs; the full layout: the longest address.
 */
static size_t addr_col(const struct sock_render *r)
{
	size_t fixed = (r->o.show_netid ? COL_NETID : 0) + (r->o.show_state ? COL_STATE : 0) +
		       2 * COL_QUEUE + 1;
	size_t most = r->o.wide_addrs ? COL_ADDR6 : COL_ADDR4;
	size_t fit;

	if (r->o.width == 0)
		return most;
	fit = r->o.width > fixed + 2 * COL_ADDR4 ? (r->o.width - fixed) / 2 : COL_ADDR4;
	return fit < most ? fit : most;
}

static void table_header(struct sock_render *r)
{
	struct outbuf *ob = r->out;

	if (r->o.show_netid) {
		outbuf_addstr(ob, "Netid");
		outbuf_pad(ob, 5, COL_NETID);
	}
	if (r->o.show_state) {
		outbuf_addstr(ob, "State");
		outbuf_pad(ob, 5, COL_STATE);
	}
	outbuf_addstr(ob, "Recv-Q Send-Q Local Address:Port");
	outbuf_pad(ob, 18, addr_col(r) + 1);
	outbuf_addstr(ob, "Peer Address:Port");
	if (r->o.processes) {
		outbuf_pad(ob, 17, addr_col(r) + 1);
		outbuf_addstr(ob, "Process");
	}
	outbuf_addch(ob, '\n');
}

static const char csv_header[] =
	"proto,family,state,local_addr,local_port,remote_addr,remote_port,recv_q,send_q,uid,inode,cookie";

void sock_render_begin(struct sock_render *r)
{
	r->nr = 0; /* -w: every pass is a document of its own */
	switch (r->o.format) {
	case RENDER_TABLE:
		if (!r->o.no_header)
			table_header(r);
		break;
	case RENDER_JSON:
		outbuf_addch(r->out, '[');
		break;
	case RENDER_CSV:
		if (!r->o.no_header) {
			outbuf_addstr(r->out, csv_header);
			outbuf_addstr(r->out, r->o.processes ? ",processes\n" : "\n");
		}
		break;
	}
}

void sock_render_end(struct sock_render *r)
{
	if (r->o.format == RENDER_JSON)
		outbuf_addstr(r->out, r->nr ? "\n]\n" : "]\n");
}

static const char *family_name(const struct sock_entry *s)
{
	return s->family == AF_INET ? "inet" : s->family == AF_INET6 ? "inet6" : "unix";
}

/* "10.0.0.1:22", "[::1]:ssh", "0.0.0.0:*", "/run/x.sock 1234" into buf (>= 320 bytes). */
static size_t fmt_endpoint(const struct sock_render *r, const struct sock_entry *s, bool local,
			   char *buf)
{
	const uint8_t *addr = local ? s->local : s->remote;
	uint16_t port = local ? s->lport : s->rport;
	size_t n = 0, name_len;
	const char *name;

	if (sock_is_unix(s)) {
		uint64_t ino = local ? s->inode : s->unix_peer_inode;

		if (local && s->unix_path && s->unix_path_len) {
			if (s->unix_abstract)
				buf[n++] = '@';
			memcpy(buf + n, s->unix_path,
			       s->unix_path_len < 256 ? s->unix_path_len : 256);
			n += s->unix_path_len < 256 ? s->unix_path_len : 256;
		} else {
			buf[n++] = '*';
		}
		buf[n++] = ' ';
		return n + fmt_u64(buf + n, ino);
	}
	if (s->family == AF_INET6)
		buf[n++] = '[';
	name_len = r->o.host_name && !sock_addr_is_any(s->family, addr) ?
			   r->o.host_name(r->o.host_ctx, s->family, addr, buf + n, 256) :
			   0;
	n += name_len ? name_len : sock_format_addr(buf + n, s->family, addr);
	if (s->family == AF_INET6)
		buf[n++] = ']';
	buf[n++] = ':';
	if (!port && !local) {
		buf[n++] = '*';
		return n;
	}
	name = r->o.numeric || !r->o.svc ? NULL :
					   services_name(r->o.svc, port, s->proto == PROTO_UDP);
	if (name) {
		size_t len = strnlen(name, 32);

		memcpy(buf + n, name, len);
		return n + len;
	}
	return n + fmt_u64(buf + n, port);
}

/* A number left-aligned in width columns, and always a space after it (a full queue). */
static void add_col_u64(struct outbuf *ob, uint64_t v, size_t width)
{
	char tmp[24];
	size_t n = fmt_u64(tmp, v);

	outbuf_add(ob, tmp, n);
	outbuf_pad(ob, n, n < width ? width : n + 1);
}

static void text_processes(struct sock_render *r, const struct sock_entry *s)
{
	const struct proc_ref *p = r->o.procs ? proc_table_first(r->o.procs, s->inode) : NULL;
	struct outbuf *ob = r->out;

	if (!p)
		return;
	outbuf_addstr(ob, " users:(");
	for (bool first = true; p; p = proc_table_next(r->o.procs, p), first = false) {
		const char *comm = proc_table_comm(r->o.procs, p);

		outbuf_addstr(ob, first ? "(\"" : ",(\"");
		outbuf_add_safe(ob, comm, strlen(comm));
		outbuf_addstr(ob, "\",pid=");
		outbuf_adds64(ob, p->pid);
		outbuf_addstr(ob, ",fd=");
		outbuf_adds64(ob, p->fd);
		outbuf_addch(ob, ')');
	}
	outbuf_addch(ob, ')');
}

static const char *timer_name(unsigned t)
{
	static const char *const names[] = { "off", "on", "keepalive", "timewait", "persist" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/* ss's timer form: "2min3sec", "59sec", "200ms". */
static void add_duration_ms(struct outbuf *ob, uint32_t ms)
{
	bool any = false;

	if (ms >= 60000) {
		outbuf_addf(ob, "%umin", ms / 60000);
		ms %= 60000;
		any = true;
	}
	if (ms >= 1000) {
		outbuf_addf(ob, "%usec", ms / 1000);
		ms %= 1000;
		any = true;
	}
	if (ms || !any)
		outbuf_addf(ob, "%ums", ms);
}

/* Bits per second as ss prints them: "218Gbps", "1.5Mbps". */
static void add_bps(struct outbuf *ob, const char *label, double bps)
{
	static const char *const units[] = { "bps", "Kbps", "Mbps", "Gbps", "Tbps" };
	size_t u = units_scale(&bps, 1000, UNITS_NR(units));

	outbuf_addf(ob, " %s %.3g%s", label, bps, units[u]);
}

static void text_extras(struct sock_render *r, const struct sock_entry *s)
{
	struct outbuf *ob = r->out;

	if (r->o.timers && s->has & SOCK_HAS_TIMER && s->timer) {
		outbuf_addf(ob, " timer:(%s,", timer_name(s->timer));
		add_duration_ms(ob, s->expires_ms);
		outbuf_addf(ob, ",%u)", s->retrans);
	}
	if (r->o.extended) {
		outbuf_addf(ob, " uid:%u ino:%llu", s->uid, (unsigned long long)s->inode);
		if (s->has & SOCK_HAS_COOKIE)
			outbuf_addf(ob, " sk:%llx", (unsigned long long)s->cookie);
	}
	if (r->o.memory && s->has & SOCK_HAS_MEM) {
		const uint32_t *m = s->skmem;

		outbuf_addf(ob, " skmem:(r%u,rb%u,t%u,tb%u,f%u,w%u,o%u,bl%u,d%u)", m[0], m[1], m[2],
			    m[3], m[4], m[5], m[6], m[7], m[8]);
	}
}

static void text_info(struct sock_render *r, const struct sock_entry *s)
{
	const struct tcp_info *t = &s->tcpi;
	struct outbuf *ob = r->out;

	if (!(s->has & (SOCK_HAS_INFO | SOCK_HAS_CONG)))
		return;
	outbuf_addstr(ob, "\n\t");
	if (s->has & SOCK_HAS_CONG)
		outbuf_addf(ob, " %s", s->cong);
	if (!(s->has & SOCK_HAS_INFO))
		return;
	outbuf_addf(ob, " wscale:%u,%u rto:%.3g rtt:%.3g/%.3g", t->tcpi_snd_wscale,
		    t->tcpi_rcv_wscale, t->tcpi_rto / 1000.0, t->tcpi_rtt / 1000.0,
		    t->tcpi_rttvar / 1000.0);
	if (t->tcpi_ato)
		outbuf_addf(ob, " ato:%.3g", t->tcpi_ato / 1000.0);
	outbuf_addf(ob, " mss:%u pmtu:%u rcvmss:%u advmss:%u cwnd:%u", t->tcpi_snd_mss,
		    t->tcpi_pmtu, t->tcpi_rcv_mss, t->tcpi_advmss, t->tcpi_snd_cwnd);
	if (t->tcpi_snd_ssthresh < 0xffff)
		outbuf_addf(ob, " ssthresh:%u", t->tcpi_snd_ssthresh);
	if (TCPI_HAS(s, tcpi_bytes_sent) && t->tcpi_bytes_sent)
		outbuf_addf(ob, " bytes_sent:%llu", (unsigned long long)t->tcpi_bytes_sent);
	if (TCPI_HAS(s, tcpi_bytes_acked) && t->tcpi_bytes_acked)
		outbuf_addf(ob, " bytes_acked:%llu", (unsigned long long)t->tcpi_bytes_acked);
	if (TCPI_HAS(s, tcpi_bytes_received) && t->tcpi_bytes_received)
		outbuf_addf(ob, " bytes_received:%llu", (unsigned long long)t->tcpi_bytes_received);
	if (TCPI_HAS(s, tcpi_segs_in))
		outbuf_addf(ob, " segs_out:%u segs_in:%u", t->tcpi_segs_out, t->tcpi_segs_in);
	if (t->tcpi_retrans || t->tcpi_total_retrans)
		outbuf_addf(ob, " retrans:%u/%u", t->tcpi_retrans, t->tcpi_total_retrans);
	if (t->tcpi_lost)
		outbuf_addf(ob, " lost:%u", t->tcpi_lost);
	/* ss's "send": what the congestion window allows per round trip. */
	if (t->tcpi_rtt && t->tcpi_snd_mss && t->tcpi_snd_cwnd)
		add_bps(ob, "send",
			(double)t->tcpi_snd_cwnd * t->tcpi_snd_mss * 8.0 * 1e6 / t->tcpi_rtt);
	outbuf_addf(ob, " lastsnd:%u lastrcv:%u lastack:%u", t->tcpi_last_data_sent,
		    t->tcpi_last_data_recv, t->tcpi_last_ack_recv);
	if (TCPI_HAS(s, tcpi_pacing_rate) && t->tcpi_pacing_rate && t->tcpi_pacing_rate != ~0ULL)
		add_bps(ob, "pacing_rate", (double)t->tcpi_pacing_rate * 8);
	if (TCPI_HAS(s, tcpi_delivery_rate) && t->tcpi_delivery_rate)
		add_bps(ob, "delivery_rate", (double)t->tcpi_delivery_rate * 8);
	if (TCPI_HAS(s, tcpi_delivered) && t->tcpi_delivered)
		outbuf_addf(ob, " delivered:%u", t->tcpi_delivered);
	if (TCPI_HAS(s, tcpi_busy_time) && t->tcpi_busy_time)
		outbuf_addf(ob, " busy:%llums", (unsigned long long)t->tcpi_busy_time / 1000);
	if (TCPI_HAS(s, tcpi_delivery_rate) && t->tcpi_delivery_rate_app_limited)
		outbuf_addstr(ob, " app_limited");
	outbuf_addf(ob, " rcv_space:%u rcv_ssthresh:%u", t->tcpi_rcv_space, t->tcpi_rcv_ssthresh);
	if (TCPI_HAS(s, tcpi_min_rtt) && t->tcpi_min_rtt != ~0u)
		outbuf_addf(ob, " minrtt:%.3g", t->tcpi_min_rtt / 1000.0);
	if (TCPI_HAS(s, tcpi_snd_wnd))
		outbuf_addf(ob, " snd_wnd:%u", t->tcpi_snd_wnd);
}

static void render_table(struct sock_render *r, const struct sock_entry *s)
{
	struct outbuf *ob = r->out;
	char buf[320];
	size_t n;

	if (r->o.show_netid) {
		const char *p = sock_proto_name(s->proto);

		outbuf_addstr(ob, p);
		outbuf_pad(ob, strlen(p), COL_NETID);
	}
	if (r->o.show_state) {
		const char *st = sock_state_ss_name(s);

		outbuf_addstr(ob, st);
		outbuf_pad(ob, strlen(st), COL_STATE);
	}
	add_col_u64(ob, s->recv_q, COL_QUEUE);
	add_col_u64(ob, s->send_q, COL_QUEUE);
	/* Paths and resolved names come from outside: escaped, padded by display columns. */
	n = fmt_endpoint(r, s, true, buf);
	outbuf_pad(ob, outbuf_add_safe(ob, buf, n), addr_col(r) + 1);
	n = fmt_endpoint(r, s, false, buf);
	n = outbuf_add_safe(ob, buf, n);
	if (r->o.processes) {
		outbuf_pad(ob, n, addr_col(r));
		text_processes(r, s);
	}
	text_extras(r, s);
	if (r->o.info)
		text_info(r, s);
	outbuf_addch(ob, '\n');
}

static void json_str(struct outbuf *ob, const char *s, size_t len)
{
	outbuf_addch(ob, '"');
	outbuf_add_json_str(ob, s, len);
	outbuf_addch(ob, '"');
}

/* ,"key":N */
static void json_u64(struct outbuf *ob, const char *key, uint64_t v)
{
	outbuf_addstr(ob, ",\"");
	outbuf_addstr(ob, key);
	outbuf_addstr(ob, "\":");
	outbuf_addu64(ob, v);
}

static void json_addr(struct outbuf *ob, const struct sock_entry *s, bool local)
{
	char buf[64];

	if (sock_is_unix(s)) {
		if (local && s->unix_path && s->unix_path_len) {
			outbuf_addstr(ob, s->unix_abstract ? "\"@" : "\"");
			outbuf_add_json_str(ob, s->unix_path, s->unix_path_len);
			outbuf_addch(ob, '"');
		} else {
			outbuf_addstr(ob, "\"*\"");
		}
		return;
	}
	json_str(ob, buf, sock_format_addr(buf, s->family, local ? s->local : s->remote));
}

static void json_processes(struct sock_render *r, const struct sock_entry *s)
{
	const struct proc_ref *p = r->o.procs ? proc_table_first(r->o.procs, s->inode) : NULL;
	struct outbuf *ob = r->out;

	outbuf_addstr(ob, ",\"processes\":[");
	for (bool first = true; p; p = proc_table_next(r->o.procs, p), first = false) {
		const char *comm = proc_table_comm(r->o.procs, p);

		outbuf_addstr(ob, first ? "{\"pid\":" : ",{\"pid\":");
		outbuf_adds64(ob, p->pid);
		outbuf_addstr(ob, ",\"fd\":");
		outbuf_adds64(ob, p->fd);
		outbuf_addstr(ob, ",\"comm\":");
		json_str(ob, comm, strlen(comm));
		outbuf_addch(ob, '}');
	}
	outbuf_addch(ob, ']');
}

static void json_info(struct outbuf *ob, const struct sock_entry *s)
{
	const struct tcp_info *t = &s->tcpi;

	outbuf_addstr(ob, ",\"info\":{\"state_ca\":");
	outbuf_addu64(ob, t->tcpi_ca_state);
	json_u64(ob, "rtt_us", t->tcpi_rtt);
	json_u64(ob, "rttvar_us", t->tcpi_rttvar);
	json_u64(ob, "rto_us", t->tcpi_rto);
	json_u64(ob, "ato_us", t->tcpi_ato);
	json_u64(ob, "snd_mss", t->tcpi_snd_mss);
	json_u64(ob, "rcv_mss", t->tcpi_rcv_mss);
	json_u64(ob, "cwnd", t->tcpi_snd_cwnd);
	json_u64(ob, "ssthresh", t->tcpi_snd_ssthresh);
	json_u64(ob, "unacked", t->tcpi_unacked);
	json_u64(ob, "sacked", t->tcpi_sacked);
	json_u64(ob, "retrans", t->tcpi_retrans);
	json_u64(ob, "total_retrans", t->tcpi_total_retrans);
	json_u64(ob, "lost", t->tcpi_lost);
	json_u64(ob, "pmtu", t->tcpi_pmtu);
	json_u64(ob, "rcv_space", t->tcpi_rcv_space);
	json_u64(ob, "last_data_sent_ms", t->tcpi_last_data_sent);
	json_u64(ob, "last_data_recv_ms", t->tcpi_last_data_recv);
	json_u64(ob, "last_ack_recv_ms", t->tcpi_last_ack_recv);
	if (TCPI_HAS(s, tcpi_pacing_rate))
		json_u64(ob, "pacing_rate_Bps", t->tcpi_pacing_rate);
	if (TCPI_HAS(s, tcpi_bytes_acked))
		json_u64(ob, "bytes_acked", t->tcpi_bytes_acked);
	if (TCPI_HAS(s, tcpi_bytes_received))
		json_u64(ob, "bytes_received", t->tcpi_bytes_received);
	if (TCPI_HAS(s, tcpi_segs_in)) {
		json_u64(ob, "segs_out", t->tcpi_segs_out);
		json_u64(ob, "segs_in", t->tcpi_segs_in);
	}
	if (TCPI_HAS(s, tcpi_min_rtt))
		json_u64(ob, "min_rtt_us", t->tcpi_min_rtt);
	if (TCPI_HAS(s, tcpi_delivery_rate))
		json_u64(ob, "delivery_rate_Bps", t->tcpi_delivery_rate);
	if (TCPI_HAS(s, tcpi_busy_time))
		json_u64(ob, "busy_time_us", t->tcpi_busy_time);
	if (TCPI_HAS(s, tcpi_delivered))
		json_u64(ob, "delivered", t->tcpi_delivered);
	if (TCPI_HAS(s, tcpi_bytes_sent))
		json_u64(ob, "bytes_sent", t->tcpi_bytes_sent);
	if (TCPI_HAS(s, tcpi_bytes_retrans))
		json_u64(ob, "bytes_retrans", t->tcpi_bytes_retrans);
	if (TCPI_HAS(s, tcpi_snd_wnd))
		json_u64(ob, "snd_wnd", t->tcpi_snd_wnd);
	if (TCPI_HAS(s, tcpi_delivery_rate)) {
		outbuf_addstr(ob, ",\"app_limited\":");
		outbuf_addstr(ob, t->tcpi_delivery_rate_app_limited ? "true" : "false");
	}
	if (s->has & SOCK_HAS_CONG) {
		outbuf_addstr(ob, ",\"cong\":");
		json_str(ob, s->cong, strnlen(s->cong, sizeof(s->cong)));
	}
	outbuf_addch(ob, '}');
}

static void json_extras(struct sock_render *r, const struct sock_entry *s)
{
	struct outbuf *ob = r->out;

	if (s->ifindex)
		json_u64(ob, "ifindex", s->ifindex);
	if (r->o.processes)
		json_processes(r, s);
	if (r->o.info && s->has & SOCK_HAS_INFO)
		json_info(ob, s);
	if (r->o.memory && s->has & SOCK_HAS_MEM) {
		static const char *const keys[SOCK_MEM_VARS] = {
			"rmem_alloc",  "rcvbuf", "wmem_alloc", "sndbuf", "fwd_alloc",
			"wmem_queued", "optmem", "backlog",    "drops",
		};

		outbuf_addstr(ob, ",\"mem\":{");
		for (unsigned i = 0; i < s->nr_skmem && i < SOCK_MEM_VARS; i++) {
			outbuf_addstr(ob, i ? ",\"" : "\"");
			outbuf_addstr(ob, keys[i]);
			outbuf_addstr(ob, "\":");
			outbuf_addu64(ob, s->skmem[i]);
		}
		outbuf_addch(ob, '}');
	}
	if (r->o.timers && s->has & SOCK_HAS_TIMER) {
		outbuf_addstr(ob, ",\"timer\":{\"kind\":\"");
		outbuf_addstr(ob, timer_name(s->timer));
		outbuf_addch(ob, '"');
		json_u64(ob, "expires_ms", s->expires_ms);
		json_u64(ob, "retrans", s->retrans);
		outbuf_addch(ob, '}');
	}
}

static void render_json(struct sock_render *r, const struct sock_entry *s)
{
	struct outbuf *ob = r->out;

	outbuf_addstr(ob, r->nr ? ",\n{\"proto\":\"" : "\n{\"proto\":\"");
	outbuf_addstr(ob, sock_proto_name(s->proto));
	outbuf_addstr(ob, "\",\"family\":\"");
	outbuf_addstr(ob, family_name(s));
	outbuf_addstr(ob, "\",\"state\":\"");
	outbuf_addstr(ob, sock_state_json_name(s));
	outbuf_addstr(ob, "\",\"local_addr\":");
	json_addr(ob, s, true);
	json_u64(ob, "local_port", sock_is_unix(s) ? s->inode : s->lport);
	outbuf_addstr(ob, ",\"remote_addr\":");
	json_addr(ob, s, false);
	json_u64(ob, "remote_port", sock_is_unix(s) ? s->unix_peer_inode : s->rport);
	json_u64(ob, "recv_q", s->recv_q);
	json_u64(ob, "send_q", s->send_q);
	json_u64(ob, "uid", s->uid);
	json_u64(ob, "inode", s->inode);
	json_u64(ob, "cookie", s->cookie);
	json_extras(r, s);
	outbuf_addch(ob, '}');
}

static void csv_addr(struct outbuf *ob, const struct sock_entry *s, bool local)
{
	char buf[64];

	if (sock_is_unix(s)) {
		if (local && s->unix_path && s->unix_path_len) {
			if (s->unix_abstract)
				outbuf_addch(ob, '@');
			outbuf_add_csv_str(ob, s->unix_path, s->unix_path_len);
		} else {
			outbuf_addch(ob, '*');
		}
		return;
	}
	outbuf_add(ob, buf, sock_format_addr(buf, s->family, local ? s->local : s->remote));
}

static void render_csv(struct sock_render *r, const struct sock_entry *s)
{
	struct outbuf *ob = r->out;
	const uint64_t nums[] = { s->recv_q, s->send_q, s->uid, s->inode, s->cookie };

	outbuf_addstr(ob, sock_proto_name(s->proto));
	outbuf_addch(ob, ',');
	outbuf_addstr(ob, family_name(s));
	outbuf_addch(ob, ',');
	outbuf_addstr(ob, sock_state_json_name(s));
	outbuf_addch(ob, ',');
	csv_addr(ob, s, true);
	outbuf_addch(ob, ',');
	outbuf_addu64(ob, sock_is_unix(s) ? s->inode : s->lport);
	outbuf_addch(ob, ',');
	csv_addr(ob, s, false);
	outbuf_addch(ob, ',');
	outbuf_addu64(ob, sock_is_unix(s) ? s->unix_peer_inode : s->rport);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		outbuf_addch(ob, ',');
		outbuf_addu64(ob, nums[i]);
	}
	if (r->o.processes) {
		const struct proc_ref *p =
			r->o.procs ? proc_table_first(r->o.procs, s->inode) : NULL;
		struct strbuf sb = STRBUF_INIT;

		for (; p; p = proc_table_next(r->o.procs, p))
			strbuf_addf(&sb, "%s%s/%d", sb.len ? ";" : "",
				    proc_table_comm(r->o.procs, p), p->pid);
		outbuf_addch(ob, ',');
		outbuf_add_csv_str(ob, sb.buf, sb.len);
		strbuf_release(&sb);
	}
	outbuf_addch(ob, '\n');
}

void sock_render_one(struct sock_render *r, const struct sock_entry *s)
{
	switch (r->o.format) {
	case RENDER_TABLE:
		render_table(r, s);
		break;
	case RENDER_JSON:
		render_json(r, s);
		break;
	case RENDER_CSV:
		render_csv(r, s);
		break;
	}
	r->nr++;
}
