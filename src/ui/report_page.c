// SPDX-License-Identifier: GPL-2.0-or-later
/* The HTML page around the report's charts. */
#include "ui/report_page.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "ui/chart.h"

static const char page_css[] =
	":root{color-scheme:light}"
	"body{margin:0;background:#f5f6f8;color:#1f2328;"
	"font:14px/1.45 " CHART_FONTS "}"
	"main{max-width:1120px;margin:0 auto;padding:28px 20px 40px}"
	"header{border-bottom:1px solid #d8dce1;padding-bottom:14px}"
	"h1{font-size:24px;font-weight:650;margin:0 0 6px;letter-spacing:-.01em}"
	".meta{color:#57606a;margin:0;display:flex;flex-wrap:wrap;gap:4px 22px}"
	".meta b{color:#1f2328;font-weight:600}"
	"section{margin-top:30px}"
	"h2{font-size:18px;font-weight:620;margin:0 0 2px}"
	".note{color:#57606a;margin:0 0 10px;max-width:72ch}"
	".card{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:6px 2px 4px;"
	"margin:12px 0;break-inside:avoid}"
	".card svg{display:block;height:auto}"
	".pair{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:12px;"
	"align-items:start}"
	".pair{margin:12px 0}.pair .card{margin:0}"
	"table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}"
	"caption{text-align:left;font-weight:600;padding:6px 12px 4px}"
	"th{color:#57606a;font-weight:600;font-size:12px}"
	"th,td{padding:4px 12px;border-bottom:1px solid #eef0f2;text-align:left;"
	"overflow-wrap:anywhere}"
	"tr:last-child td{border-bottom:0}"
	".n{text-align:right;white-space:nowrap}"
	"footer{margin-top:36px;color:#6e7781;font-size:12px}"
	"@media (max-width:900px){.pair{grid-template-columns:minmax(0,1fr)}"
	"main{padding:18px 10px 30px}"
	/* A 960-wide chart shown 760 wide: larger type in its own units keeps it readable. */
	".wide .cm-chart{font-size:15px}"
	".wide :is(.cm-tick,.cm-unit,.cm-lh,.cm-ctx,.cm-mark){font-size:14px}"
	".wide .cm-title{font-size:18px}.wide .cm-sub{font-size:15px}}"
	"@media print{body{background:#fff}main{max-width:none;padding:0}"
	".card{border-color:#c9ced4}.pair{grid-template-columns:minmax(0,1fr)}"
	"section{break-inside:auto}h2{break-after:avoid}}";

/* "Sun 29 Nov 2026 16:05" in the page's zone. */
static void add_local_time(struct strbuf *out, int64_t t_ms, int tz_offset_s)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t local_ms = t_ms + (int64_t)tz_offset_s * 1000;
	time_t s = (time_t)(local_ms / 1000 - (local_ms % 1000 < 0));
	struct tm tm;

	if (!gmtime_r(&s, &tm)) {
		strbuf_addstr(out, "?");
		return;
	}
	strbuf_addf(out, "%s %d %s %d %02d:%02d", day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

/* "2 days 3 h", "45 min", "90 s": the length of the range. */
static void add_duration(struct strbuf *out, int64_t ms)
{
	int64_t s = ms / 1000, d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d)
		strbuf_addf(out, "%lld day%s", (long long)d, d == 1 ? "" : "s");
	if (h)
		strbuf_addf(out, "%s%lld h", d ? " " : "", (long long)h);
	if (m && !d)
		strbuf_addf(out, "%s%lld min", h ? " " : "", (long long)m);
	if (!d && !h && !m)
		strbuf_addf(out, "%lld s", (long long)s);
}

static void add_zone(struct strbuf *out, const struct report_page_info *info)
{
	int off = info->tz_offset_s < 0 ? -info->tz_offset_s : info->tz_offset_s;

	if (info->tz_name && *info->tz_name) {
		chart_xml_text(out, info->tz_name, 24);
		strbuf_addstr(out, ", ");
	}
	strbuf_addf(out, "UTC%s%02d:%02d", info->tz_offset_s < 0 ? "\xe2\x88\x92" : "+", off / 3600,
		    off / 60 % 60);
}

static void add_meta(struct strbuf *out, const struct report_page_info *info)
{
	strbuf_addstr(out, "<p class=\"meta\">");
	if (info->host) {
		strbuf_addstr(out, "<span>Host <b>");
		chart_xml_text(out, info->host, 64);
		strbuf_addstr(out, "</b></span>");
	}
	strbuf_addstr(out, "<span>From <b>");
	add_local_time(out, info->since_ms, info->tz_offset_s);
	strbuf_addstr(out, "</b> to <b>");
	add_local_time(out, info->until_ms, info->tz_offset_s);
	strbuf_addstr(out, "</b> (");
	add_duration(out, info->until_ms - info->since_ms);
	strbuf_addstr(out, ")</span><span>Times in <b>");
	add_zone(out, info);
	strbuf_addstr(out, "</b></span></p>\n");
}

void report_page_begin(struct report_page *p, struct strbuf *out,
		       const struct report_page_info *info)
{
	const char *title = info->title ? info->title : "Network report";

	p->out = out;
	p->info = *info;
	p->nr_sections = 0;
	p->in_section = false;
	strbuf_addstr(out,
		      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
		      "'none'; style-src 'unsafe-inline'\">\n<title>");
	chart_xml_text(out, title, 80);
	if (info->host) {
		strbuf_addstr(out, " \xe2\x80\x94 ");
		chart_xml_text(out, info->host, 64);
	}
	/* The page's rules come last: its narrow-screen rules override the charts'. */
	strbuf_addf(out, "</title>\n<style>%s%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>",
		    chart_css(), page_css);
	chart_xml_text(out, title, 80);
	strbuf_addstr(out, "</h1>\n");
	add_meta(out, info);
	strbuf_addstr(out, "</header>\n");
}

static void close_section(struct report_page *p)
{
	if (p->in_section)
		strbuf_addstr(p->out, "</section>\n");
	p->in_section = false;
}

void report_page_section(struct report_page *p, const char *heading, const char *note)
{
	close_section(p);
	p->nr_sections++;
	strbuf_addf(p->out, "<section id=\"s%u\">\n<h2>", p->nr_sections);
	chart_xml_text(p->out, heading, 0);
	strbuf_addstr(p->out, "</h2>\n");
	if (note) {
		strbuf_addstr(p->out, "<p class=\"note\">");
		chart_xml_text(p->out, note, 0);
		strbuf_addstr(p->out, "</p>\n");
	}
	p->in_section = true;
}

void report_page_chart(struct report_page *p, const struct chart *c)
{
	strbuf_addstr(p->out, "<div class=\"card wide\">\n");
	chart_svg(p->out, c, REPORT_CHART_WIDTH, REPORT_CHART_HEIGHT, false);
	strbuf_addstr(p->out, "</div>\n");
}

static void add_row(struct strbuf *out, const char *tag, const char *const *cells, size_t nr,
		    unsigned numeric)
{
	strbuf_addstr(out, "<tr>");
	for (size_t i = 0; i < nr; i++) {
		bool n = i < 32 && (numeric >> i & 1);

		strbuf_addf(out, "<%s%s>", tag, n ? " class=\"n\"" : "");
		if (cells[i])
			chart_xml_text(out, cells[i], 0);
		strbuf_addf(out, "</%s>", tag);
	}
	strbuf_addstr(out, "</tr>\n");
}

void report_page_table(struct report_page *p, const struct report_table *t)
{
	strbuf_addstr(p->out, "<div class=\"card\">\n<table>\n");
	if (t->caption) {
		strbuf_addstr(p->out, "<caption>");
		chart_xml_text(p->out, t->caption, 0);
		strbuf_addstr(p->out, "</caption>\n");
	}
	if (t->head) {
		strbuf_addstr(p->out, "<thead>");
		add_row(p->out, "th", t->head, t->nr_cols, t->numeric_cols);
		strbuf_addstr(p->out, "</thead>\n");
	}
	strbuf_addstr(p->out, "<tbody>\n");
	for (size_t r = 0; r < t->nr_rows; r++)
		add_row(p->out, "td", t->cells + r * t->nr_cols, t->nr_cols, t->numeric_cols);
	strbuf_addstr(p->out, "</tbody>\n</table>\n</div>\n");
}

void report_page_chart_table(struct report_page *p, const struct chart *c,
			     const struct report_table *t)
{
	strbuf_addstr(p->out, "<div class=\"pair\">\n<div class=\"card\">\n");
	chart_svg(p->out, c, REPORT_PAIR_WIDTH, REPORT_CHART_HEIGHT, false);
	strbuf_addstr(p->out, "</div>\n");
	report_page_table(p, t);
	strbuf_addstr(p->out, "</div>\n");
}

void report_page_end(struct report_page *p)
{
	close_section(p);
	strbuf_addstr(p->out, "<footer>Made");
	if (p->info.generator) {
		strbuf_addstr(p->out, " by ");
		chart_xml_text(p->out, p->info.generator, 64);
	}
	strbuf_addstr(p->out, " on ");
	add_local_time(p->out, p->info.generated_ms, p->info.tz_offset_s);
	strbuf_addstr(p->out, ". Shaded bands are the baseline (p10 to p90 of the same hour), "
			      "dashed lines its median; gaps are times without data.</footer>\n"
			      "</main>\n</body>\n</html>\n");
	p->out = NULL;
}

void report_local_zone(int64_t t_ms, int *tz_offset_s, char *name, size_t len)
{
	time_t t = (time_t)(t_ms / 1000);
	struct tm tm;

	*tz_offset_s = 0;
	if (len)
		name[0] = '\0';
	if (!localtime_r(&t, &tm))
		return;
	*tz_offset_s = (int)tm.tm_gmtoff;
	if (len && tm.tm_zone)
		snprintf(name, len, "%s", tm.tm_zone);
}
