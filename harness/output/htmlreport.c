/* report.html and report.md from the report model (htmlreport.h): one writer emits both documents side by side. */
#include "harness/output/htmlreport.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define fmt_count sb_fmt_count
#define fmt_us	  sb_fmt_us
#include "harness/output/fmt.h"
#include "harness/output/report_sides.h"
#include "harness/output/report_phases.h"
#define jnum	  sb_report_jnum
#define jint	  sb_report_jint
#define jbool	  sb_report_jbool

/* ---- the two documents ---- */

struct doc {
	FILE *h, *m; /* report.html, report.md */
	const char *dir;
};

/* Markdown table cell: no pipes, no newlines */
static void mdcell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void heading(struct doc *d, int level, const char *id, const char *text)
{
	fprintf(d->h, "<h%d id=\"%s\">", level, id);
	sb_fmt_markup(d->h, text);
	fprintf(d->h, "</h%d>\n", level);
	fprintf(d->m, "\n%.*s %s\n\n", level, "####", text);
}

__attribute__((format(printf, 2, 3))) static void para(struct doc *d, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("<p>", d->h);
	sb_fmt_markup(d->h, buf);
	fputs("</p>\n", d->h);
	fprintf(d->m, "%s\n\n", buf);
}

static void table_begin(struct doc *d, const char *cls, const char *const *head, int n)
{
	fprintf(d->h, "<table class=\"%s\"><thead><tr>", cls);
	fputs("\n|", d->m);
	for (int i = 0; i < n; i++) {
		fputs("<th>", d->h);
		sb_fmt_markup(d->h, head[i]);
		fputs("</th>", d->h);
		fputc(' ', d->m);
		mdcell(d->m, head[i]);
		fputs(" |", d->m);
	}
	fputs("</tr></thead><tbody>\n", d->h);
	fputs("\n|", d->m);
	for (int i = 0; i < n; i++)
		fputs(i ? "---:|" : "---|", d->m);
	fputc('\n', d->m);
}

/* One row; cell i shows html[i] in HTML (title: exact[i] when set) and
 * md[i] (or html[i]) in Markdown. */
static void table_row(struct doc *d, const char *const *html, const char *const *exact,
		      const char *const *md, int n)
{
	fputs("<tr>", d->h);
	fputc('|', d->m);
	for (int i = 0; i < n; i++) {
		fputs(i ? "<td" : "<th", d->h);
		if (exact && exact[i] && exact[i][0]) {
			fputs(" title=\"", d->h);
			sb_fmt_markup(d->h, exact[i]);
			fputc('"', d->h);
		}
		fputc('>', d->h);
		sb_fmt_markup(d->h, html[i]);
		fputs(i ? "</td>" : "</th>", d->h);
		fputc(' ', d->m);
		mdcell(d->m, md && md[i] ? md[i] : html[i]);
		fputs(" |", d->m);
	}
	fputs("</tr>\n", d->h);
	fputc('\n', d->m);
}

static void table_end(struct doc *d)
{
	fputs("</tbody></table>\n", d->h);
	fputc('\n', d->m);
}

static const char *const css =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:#1d2330;background:#f6f7f9;margin:0}"
    "main{max-width:1040px;margin:0 auto;padding:24px 28px 48px;background:#fff;"
    "box-shadow:0 0 0 1px #e3e6eb}"
    "h1{font-size:26px;margin:6px 0 2px}h2{font-size:20px;margin:34px 0 10px;"
    "padding-bottom:4px;border-bottom:2px solid #e3e6eb}h3{font-size:16px;margin:22px 0 6px}"
    ".sub{color:#5b6475;margin:0 0 14px}"
    "ul.findings{list-style:none;padding:0;margin:0}"
    "ul.findings li{margin:6px 0;padding:8px 12px;border-left:5px solid #9aa5b8;"
    "background:#f3f5f8;border-radius:3px}"
    "ul.findings li.problem{border-color:#d62728;background:#fdf1f1}"
    "ul.findings li.note{border-color:#e8a33d;background:#fdf7ec}"
    "ul.findings li.info{border-color:#2ca02c;background:#f1f8f1}"
    ".tag{display:inline-block;min-width:64px;font-size:11px;font-weight:700;"
    "text-transform:uppercase;letter-spacing:.04em;color:#5b6475}"
    "table{border-collapse:collapse;margin:8px 0 14px;font-size:14px}"
    "th,td{padding:5px 10px;border-bottom:1px solid #e3e6eb;text-align:right;"
    "font-variant-numeric:tabular-nums}"
    "thead th{background:#eef1f5;border-bottom:2px solid #cfd5de}thead "
    "th:first-child{text-align:left}"
    "tbody th{text-align:left;font-weight:600}"
    "table.kv td,table.kv th{text-align:left}td[title]{cursor:help}"
    "figure{margin:18px 0 26px}figure svg,figure img{width:100%;height:auto;"
    "border:1px solid #e3e6eb}"
    "figcaption{color:#4a5263;font-size:14px;margin-top:6px}"
    ".skip{color:#8a5300;background:#fdf7ec;padding:8px 12px;border-radius:3px}"
    "ul.rec{padding-left:20px}ul.rec li{margin:3px 0}.warn{color:#a31515}"
    "pre{background:#f3f5f8;padding:10px;overflow:auto;font-size:12.5px}"
    "details{margin:8px 0}summary{cursor:pointer;color:#34507a}"
    "footer{margin-top:36px;color:#7a8294;font-size:12.5px}";

static void sec_findings(struct doc *d, const struct sb_finding *fs, size_t n)
{
	static const char *const cls[] = {"info", "note", "problem"};
	static const char *const md[] = {"ok", "**note**", "**problem**"};

	heading(d, 2, "findings", "Findings");
	fputs("<ul class=\"findings\">\n", d->h);
	for (size_t i = 0; i < n; i++) {
		fprintf(d->h, "<li class=\"%s\"><span class=\"tag\">%s</span> ", cls[fs[i].level],
			cls[fs[i].level]);
		sb_fmt_markup(d->h, fs[i].text);
		fputs("</li>\n", d->h);
		fprintf(d->m, "- %s: %s\n", md[fs[i].level], fs[i].text);
	}
	fputs("</ul>\n", d->h);
}

static void sec_latency(struct doc *d, const json_t *s)
{
	static const char *const blocks[][2] = {
	    {"kernel_handshake", "kernel handshake (SYN_SENT → ESTABLISHED)"},
	    {"user_connect", "user connect() (submit → connected)"},
	    {"pre_syn", "pre-SYN (submit → kernel SYN_SENT)"},
	    {"notify_delay", "notify delay (kernel ESTABLISHED → connect returns)"},
	    {"accept_wait", "accept-queue wait (child ESTABLISHED → accept)"},
	    {"user_connect_sched", "user connect from schedule (open loop)"},
	    {"response", "response (crr: connected → response)"},
	    {"child_established", "server child SYN_RECV → ESTABLISHED"},
	    {"tls_handshake", "TLS handshake (ClientHello sent → done)"},
	    {"first_byte", "first byte (request sent → first response byte)"},
	    {"last_byte", "last byte (first → last response byte)"},
	    {"tls_accept", "server TLS accept (accept → its handshake done)"},
	};
	static const char *const keys[] = {"min", "p50", "p90", "p99", "p999", "max"};
	static const char *const head[] = {"latency", "count", "min",	"p50",
					   "p90",     "p99",   "p99.9", "max"};
	const json_t *lat = json_object_get(s, "latency_us");

	heading(d, 2, "latency", "Kernel vs user latency");
	para(d, "Percentiles from summary.json (nearest rank over log-linear buckets, within "
		"0.4%%), to 4 significant digits; hover a cell in the HTML for the exact value "
		"(summary.json has it in µs).");
	table_begin(d, "lat", head, 8);
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		const json_t *blk = json_object_get(lat, blocks[b][0]);
		char hv[8][48], ex[8][48];
		const char *h[8], *e[8], *m[8];
		int64_t cnt;

		if (!blk)
			continue;
		cnt = jint(blk, "count");
		if (cnt <= 0 && b >= 5)
			continue; /* optional blocks without samples */
		h[0] = m[0] = blocks[b][1];
		e[0] = NULL;
		h[1] = fmt_count(hv[1], sizeof(hv[1]), cnt < 0 ? 0 : cnt);
		m[1] = h[1];
		e[1] = NULL;
		for (int k = 0; k < 6; k++) {
			double v = jnum(blk, keys[k]);

			if (isnan(v)) {
				h[k + 2] = m[k + 2] = "–";
				e[k + 2] = NULL;
				continue;
			}
			h[k + 2] = m[k + 2] = fmt_us(hv[k + 2], sizeof(hv[k + 2]), v);
			e[k + 2] = sb_fmt_us_exact(ex[k + 2], sizeof(ex[k + 2]), v);
		}
		table_row(d, h, e, m, 8);
	}
	table_end(d);
}

/* Across machines: one row per host, its own numbers in its own clock
 * (summary.json hosts[]; the reconciliation has a line per host too). */
static void sec_hosts(struct doc *d, const json_t *s)
{
	static const char *const head[] = {"host",     "role",  "machine", "connections",
					   "per s",    "joined", "identities", "CPU s",
					   "max RSS",  "clock offset"};
	const json_t *hosts = json_object_get(s, "hosts");

	if (!json_array_size(hosts))
		return;
	heading(d, 2, "hosts", "Hosts");
	para(d, "Each host's share, rate, identities (its probes against its own counters), CPU "
		"and memory, and its clock's offset from this host's, measured over the control "
		"channel (± half the shortest round trip).");
	table_begin(d, "hosts", head, 10);
	for (size_t i = 0; i < json_array_size(hosts); i++) {
		const json_t *h = json_array_get(hosts, i), *ids = json_object_get(h, "identities");
		int server = json_string_value(json_object_get(h, "role")) &&
			     strcmp(json_string_value(json_object_get(h, "role")), "server") == 0;
		char c[10][96], t[2][32];
		const char *row[10];
		const char *k;
		const json_t *v;
		int hold = 0, fail = 0;

		json_object_foreach((json_t *)ids, k, v) {
			const char *st = json_string_value(json_object_get(v, "status"));

			hold += st && strcmp(st, "holds") == 0;
			fail += st && strcmp(st, "fails") == 0;
		}
		snprintf(c[0], 96, "%s", json_string_value(json_object_get(h, "name")) ?: "?");
		snprintf(c[1], 96, "%s", server ? "server" : "client");
		snprintf(c[2], 96, "%s, %s", json_string_value(json_object_get(h, "hostname")) ?: "?",
			 json_string_value(json_object_get(h, "kernel_release")) ?: "?");
		if (jbool(h, "lost") == 1)
			snprintf(c[3], 96, "lost during the run");
		else if (server)
			snprintf(c[3], 96, "%s accepts, backlog %lld", fmt_count(t[0], 32, jint(h, "accepts")),
				 (long long)jint(h, "effective_backlog"));
		else
			snprintf(c[3], 96, "%s of %s", fmt_count(t[0], 32, jint(h, "conns_started")),
				 fmt_count(t[1], 32, jint(h, "conns_share")));
		snprintf(c[4], 96, "%.0f", jnum(h, "rate_per_s"));
		snprintf(c[5], 96, "%s", fmt_count(t[0], 32, jint(h, server ? "child_records_joined" : "joined")));
		snprintf(c[6], 96, fail ? "%d hold, %d FAIL" : "%d hold", hold, fail);
		snprintf(c[7], 96, "%.2f user + %.2f sys", jnum(h, "cpu_user_s"), jnum(h, "cpu_sys_s"));
		snprintf(c[8], 96, "%.1f MiB", (double)jint(h, "max_rss_kb") / 1024.0);
		snprintf(c[9], 96, "%+.3f ms ± %.3f ms", (double)jint(h, "clock_offset_ns") / 1e6,
			 (double)jint(h, "clock_uncertainty_ns") / 1e6);
		for (int n = 0; n < 10; n++)
			row[n] = c[n];
		table_row(d, row, NULL, NULL, 10);
	}
	table_end(d);
}

/* A SO_REUSEPORT group (summary.json listeners): a row per socket of the
 * run's port, when it had two or more. */
static void sec_listeners(struct doc *d, const json_t *s)
{
	static const char *const head[] = {"socket", "policy",    "accepts", "drops",
					   "max queue", "limit",   "full ms", "cookie"};
	const json_t *l = json_object_get(s, "listeners"), *a = json_object_get(l, "sockets");
	int64_t port = jint(l, "port");
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(a); i++)
		n += !port || jint(json_array_get(a, i), "port") == port;
	if (n < 2)
		return;
	heading(d, 2, "listeners", "Listener sockets");
	char acc[32] = "n/a", ai[16] = "n/a", di[16] = "n/a";

	if (json_is_integer(json_object_get(l, "accepts_sum")))
		snprintf(acc, sizeof(acc), "%lld", (long long)jint(l, "accepts_sum"));
	if (json_is_number(json_object_get(l, "accepts_imbalance")))
		snprintf(ai, sizeof(ai), "%.2f", jnum(l, "accepts_imbalance"));
	if (json_is_number(json_object_get(l, "drops_imbalance")))
		snprintf(di, sizeof(di), "%.2f", jnum(l, "drops_imbalance"));
	para(d, "Port %lld, one SO_REUSEPORT group: drops %lld, accepts %s; imbalance (max/mean) "
		"accepts %s, drops %s.", (long long)port, (long long)jint(l, "drops_sum"), acc, ai, di);
	table_begin(d, "listeners", head, 8);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *k = json_array_get(a, i);
		char c[8][32];
		const char *row[8];
		static const char *const keys[] = {"index", NULL,     "accepts", "drops",
						   "max_accept_queue", "limit", NULL, "cookie"};

		if (port && jint(k, "port") != port)
			continue;
		for (int j = 0; j < 8; j++) {
			if (keys[j])
				snprintf(c[j], 32, "%lld", (long long)jint(k, keys[j]));
			row[j] = c[j];
		}
		snprintf(c[1], 32, "%s", json_string_value(json_object_get(k, "policy")) ?: "-");
		if (!json_is_integer(json_object_get(k, "accepts")))
			snprintf(c[2], 32, "n/a");
		snprintf(c[6], 32, "%.3f", jnum(k, "time_full_ms"));
		table_row(d, row, NULL, NULL, 8);
	}
	table_end(d);
}

static void rec_line(struct doc *d, int warn, const char *text)
{
	fprintf(d->h, "<li%s>", warn ? " class=\"warn\"" : "");
	sb_fmt_markup(d->h, text);
	fputs("</li>\n", d->h);
	fprintf(d->m, "- %s%s\n", warn ? "warning: " : "", text);
}

static void sec_reconciliation(struct doc *d, const json_t *s)
{
	const json_t *r = json_object_get(s, "reconciliation");
	const json_t *w = json_object_get(r, "warnings");
	char t[1024], a[7][32];
	double jr = jnum(s, "join_rate");
	int64_t est = jint(r, "client_established"), acc = jint(r, "accepted");
	int64_t q = jint(r, "queued"), g = jint(r, "ghosts");
	int64_t ps = jint(r, "probe_syn_retransmits"), pa = jint(r, "probe_synack_retransmits");
	int64_t mib = jint(r, "mib_tcp_syn_retrans");

	heading(d, 2, "reconciliation", "Reconciliation");
	fputs("<ul class=\"rec\">\n", d->h);
	if (isnan(jr))
		snprintf(t, sizeof(t), "join: no kernel records (probes off), lost events %s",
			 fmt_count(a[0], 32, jint(s, "lost_events")));
	else
		snprintf(t, sizeof(t),
			 "join: %.2f%% (%s/%s user connections found in the kernel records), lost "
			 "events %s",
			 100.0 * jr, fmt_count(a[0], 32, jint(r, "joined")),
			 fmt_count(a[1], 32, jint(r, "with_cookie")),
			 fmt_count(a[2], 32, jint(s, "lost_events")));
	rec_line(d, 0, t);
	if (!isnan(jr)) {
		int64_t o = jint(r, "established_other"), rv = jint(r, "revived");
		int64_t xc = jint(r, "extra_children"), xa = jint(r, "extra_accepts");

		o = o > 0 ? o : 0; /* absent in results before the key existed */
		snprintf(t, sizeof(t),
			 "kernel: client ESTABLISHED %s %s accepted %s + queued %s + ghosts %s%s%s "
			 "(each client connection counted once)%s",
			 fmt_count(a[0], 32, est), est == acc + q + g + o ? "=" : "≠",
			 fmt_count(a[1], 32, acc), fmt_count(a[2], 32, q), fmt_count(a[3], 32, g),
			 o ? " + other " : "", o ? fmt_count(a[4], 32, o) : "",
			 jbool(r, "identity_checked") == 1 ? " (syncookies=0: no ghost allowed)" : "");
		rec_line(d, jbool(r, "identity_holds") == 0, t);
		if (rv > 0 || xc > 0 || xa > 0) {
			snprintf(t, sizeof(t),
				 "revived: %s syncookie ghosts got their server socket from the "
				 "client's FIN (counted once above); %s more server children and %s "
				 "more accepts on the same connections",
				 fmt_count(a[0], 32, rv), fmt_count(a[1], 32, xc),
				 fmt_count(a[2], 32, xa));
			rec_line(d, 0, t);
		}
		snprintf(t, sizeof(t),
			 "retransmits: probe SYN %s + SYN-ACK %s %s TcpExt "
			 "TCPSynRetrans %s",
			 fmt_count(a[0], 32, ps), fmt_count(a[1], 32, pa),
			 ps + pa == mib ? "=" : "≠", fmt_count(a[2], 32, mib));
		rec_line(d, 0, t);
		struct sb_sides_nums sn;

		if (sb_sides_from_json(r, &sn) == 0) /* --topology veth */
			rec_line(d, !sb_sides_line(&sn, t, sizeof(t)), t);
	}
	snprintf(
	    t, sizeof(t),
	    "listen drops: listener (last sample) %s, TcpExt ListenDrops %s + "
	    "TCP_LISTEN_OVERFLOW skb drops %s, ListenOverflows %s, softnet dropped (global) %s",
	    jint(r, "listener_drops") < 0 ? "n/a" : fmt_count(a[0], 32, jint(r, "listener_drops")),
	    fmt_count(a[1], 32, jint(r, "mib_listen_drops")),
	    fmt_count(a[2], 32, jint(r, "listen_overflow_skb_drops")),
	    fmt_count(a[3], 32, jint(r, "mib_listen_overflows")),
	    fmt_count(a[4], 32, jint(r, "softnet_dropped")));
	rec_line(d, 0, t);
	for (size_t i = 0; i < json_array_size(json_object_get(s, "hosts")); i++) {
		/* across machines: each host's own counters and probes */
		int ok = sb_host_line(json_array_get(json_object_get(s, "hosts"), i), t, sizeof(t));

		rec_line(d, !ok, t);
	}
	for (size_t i = 0; i < json_array_size(w); i++)
		if (json_string_value(json_array_get(w, i)))
			rec_line(d, 1, json_string_value(json_array_get(w, i)));
	fputs("</ul>\n", d->h);
	if (!json_array_size(w))
		para(d, "No reconciliation warnings.");
}

struct plot_note {
	const char *caption, *empty;
};

static void plot_notes(const struct sb_report_facts *f, const json_t *s, struct plot_note *n)
{
	n[SB_PLOT_LATENCY_CDF] = (struct plot_note){
	    "Fraction of connections (y) that finished within x. Vertical steps at 1 s, 2 s, "
	    "3 s … are SYN retransmits; the horizontal gap between the curves is the time user "
	    "space adds to the kernel handshake. p50/p99 are exact over connections.csv.",
	    f->with_kernel + f->with_user ? NULL : "no connection completed connect()"};
	n[SB_PLOT_LATENCY_VS_TIME] = (struct plot_note){
	    "One dot per connection, at its start time. Horizontal bands at 1 s, 2 s, 3 s … "
	    "are connections whose SYN was dropped once, twice, three times and retransmitted; "
	    "crosses are connects that failed, drawn at the time of the error.",
	    f->rows ? NULL : "connections.csv has no connections"};
	n[SB_PLOT_QUEUE] = (struct plot_note){
	    "Listener samples. When the accept queue (blue) sits on the dashed limit B+1 the "
	    "queue is full: new SYNs are dropped and the listener drop count (red, right axis) "
	    "climbs.",
	    f->qsamples ? NULL
			: "no listener samples (queue.csv is empty: --no-probes or the sampler "
			  "did not run)"};
	n[SB_PLOT_DWELL] = (struct plot_note){
	    "In-kernel histograms of the time between entering one TCP state and the next "
	    "(all sockets in the namespace), with the number of transitions in parentheses.",
	    f->dwell_rows ? NULL : "no state dwell histograms (dwell.csv is empty: --no-probes)"};
	n[SB_PLOT_BREAKDOWN] = (struct plot_note){
	    "Each segment is that part's own p50 or p99 (not one connection's path), stacked to "
	    "show which part dominates. Values are in the key and in the latency table.",
	    NULL};
	n[SB_PLOT_OUTCOMES] = (struct plot_note){
	    "accepted: the server accepted it; queued: ESTABLISHED on the server, never "
	    "accepted; ghost: client ESTABLISHED, the server never had a socket; timeout, "
	    "refused, reset: connect() failed.",
	    NULL};
	n[SB_PLOT_PHASES] = (struct plot_note){
	    "A crr connection's setup by phase: connect, TLS handshake (ClientHello sent -> "
	    "done), request sent -> first response byte, first -> last byte; each segment is "
	    "that phase's own percentile, stacked. The server's TLS accept is drawn beside: it "
	    "overlaps the client's handshake.",
	    sb_report_has_phases(s) ? NULL : "no crr phases (--mode connect)"};
}

static int read_file(const char *path, char **out, size_t *len)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	char *buf;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) || st.st_size <= 0) {
		fclose(f);
		return -ENODATA;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = '\0';
	fclose(f);
	*out = buf;
	return 0;
}

/* Where an id or a reference to one starts at p: the length of the prefix
 * before the name ("id='", "href='#", "url(#"), or 0. */
static size_t id_ref_at(const char *svg, const char *p)
{
	static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};

	if (*p != 'i' && *p != 'h' && *p != 'u')
		return 0;
	for (size_t r = 0; r < sizeof(refs) / sizeof(refs[0]); r++) {
		size_t n = strlen(refs[r]);

		/* an attribute starts after a space or a namespace colon; url( anywhere */
		if (strncmp(p, refs[r], n) == 0 &&
		    (refs[r][0] == 'u' || p == svg || p[-1] == ' ' || p[-1] == ':' || p[-1] == '('))
			return n;
	}
	return 0;
}

/* The SVG without its XML prolog, every id made unique to this figure: one
 * pass over the file, whatever its size. */
static int inline_svg(FILE *h, const char *path, int fig)
{
	char *svg, *p, *run;
	size_t len;

	if (read_file(path, &svg, &len))
		return -ENOENT;
	p = strstr(svg, "<svg");
	if (!p) {
		free(svg);
		return -EINVAL;
	}
	fprintf(h, "<svg role=\"img\" aria-label=\"plot %d\"", fig);
	run = p += 4;
	for (; *p; p++) {
		size_t n = id_ref_at(svg, p);

		if (!n)
			continue;
		fwrite(run, 1, (size_t)(p - run) + n, h);
		fprintf(h, "f%d-", fig);
		p += n - 1;
		run = p + 1;
	}
	fwrite(run, 1, (size_t)(p - run), h);
	free(svg);
	return 0;
}

static void sec_plots(struct doc *d, const struct sb_report_plots *pl,
		      const struct sb_report_facts *f, const json_t *s)
{
	struct plot_note notes[SB_NPLOTS];
	char path[PATH_MAX];

	heading(d, 2, "plots", "Plots");
	plot_notes(f, s, notes);
	if (pl->state != SB_PLOTS_DRAWN) {
		const char *why = pl->state == SB_PLOTS_OFF ? "--no-plot was given"
				  : pl->state == SB_PLOTS_NO_GNUPLOT
				      ? "gnuplot was not found (apt-get install gnuplot-nox)"
				      : "the gnuplot scripts (scripts/plots) were not found";

		fputs("<p class=\"skip\">", d->h);
		fprintf(d->h, "Plots were not drawn: %s. Draw them later with <code>bench plot ",
			why);
		sb_fmt_markup(d->h, d->dir);
		fputs("</code>.</p>\n", d->h);
		fprintf(d->m, "Plots were not drawn: %s. Draw them later with `bench plot %s`.\n\n",
			why, d->dir);
		return;
	}
	for (int id = 0; id < SB_NPLOTS; id++) {
		const struct sb_plot_def *def = sb_plot_def(id);

		heading(d, 3, def->name, def->title);
		if (notes[id].empty) {
			fputs("<p class=\"skip\">Not drawn: ", d->h);
			sb_fmt_markup(d->h, notes[id].empty);
			fputs(".</p>\n", d->h);
			fprintf(d->m, "Not drawn: %s.\n\n", notes[id].empty);
			continue;
		}
		if (!(pl->drawn & (1u << id))) {
			fputs("<p class=\"skip\">gnuplot failed on this plot; see "
			      "plots/gnuplot.log.</p>\n",
			      d->h);
			fputs("gnuplot failed on this plot; see plots/gnuplot.log.\n\n", d->m);
			continue;
		}
		snprintf(path, sizeof(path), "%s/plots/%s.svg", d->dir, def->name);
		fputs("<figure>\n", d->h);
		if (inline_svg(d->h, path, id))
			fputs("<p class=\"skip\">plots/*.svg is missing.</p>", d->h);
		fputs("\n<figcaption>", d->h);
		sb_fmt_markup(d->h, notes[id].caption);
		fprintf(d->h,
			" <a href=\"plots/%s.png\">PNG</a> · <a href=\"plots/%s.svg\">SVG</a>"
			"</figcaption>\n</figure>\n",
			def->name, def->name);
		fprintf(d->m, "![%s](plots/%s.png)\n\n%s\n\n", def->title, def->name,
			notes[id].caption);
	}
}

static const char *jtext(const json_t *v, char *buf, size_t len)
{
	int64_t i;

	if (!v || json_is_null(v))
		return "(kernel default)";
	if (json_is_string(v))
		return json_string_value(v)[0] ? json_string_value(v) : "(none)";
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (json_is_number(v)) {
		if (sb_jget_int64(v, &i) == 0)
			snprintf(buf, len, "%lld", (long long)i);
		else
			snprintf(buf, len, "%g", json_number_value(v));
		return buf;
	}
	return "…";
}

/* The probes' cost in one line (summary.json probes.cost). */
static void sec_cost(struct doc *d, const struct sb_report_model *rm)
{
	char line[512];

	if (sb_report_cost_line(rm, line, sizeof(line)) != 0)
		return;
	para(d, "Probe cost: %s.", line);
}

static void sec_config(struct doc *d, const json_t *cfg)
{
	/* config.json "options" uses the long option names (sb_opts_foreach) */
	static const char *const keys[] = {"conns",	      "backlog",	 "concurrency",
					   "rate",	      "threads",	 "mode",
					   "close",	      "close-first",	 "engine",
					   "accept",	      "connect-timeout", "syncookies",
					   "abort-on-overflow", "somaxconn",	 "syn-retries",
					   "target",	      "no-probes",	 "attach",
					   "sample-us",	      "label"};
	static const char *const head[] = {"setting", "value"};
	const json_t *opts = json_object_get(cfg, "options");
	const json_t *sys = json_object_get(cfg, "sysctls");
	char buf[64], path[PATH_MAX], *raw = NULL;
	size_t len;

	heading(d, 2, "config", "Configuration");
	if (!cfg) {
		para(d, "config.json is missing or unreadable.");
		return;
	}
	table_begin(d, "kv", head, 2);
	{
		const char *r[2] = {"effective backlog (listen queue holds one more)",
				    jtext(json_object_get(cfg, "effective_backlog"), buf, sizeof(buf))};

		table_row(d, r, NULL, NULL, 2);
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(opts, keys[i]);
		const char *r[2] = {keys[i], jtext(v, buf, sizeof(buf))};

		if (v)
			table_row(d, r, NULL, NULL, 2);
	}
	table_end(d);
	heading(d, 3, "sysctls", "Namespace sysctls");
	table_begin(d, "kv", (const char *const[]){"sysctl", "value"}, 2);
	const char *key;
	const json_t *m;

	json_object_foreach((json_t *)sys, key, m) {
		const char *r[2] = {key, jtext(m, buf, sizeof(buf))};

		table_row(d, r, NULL, NULL, 2);
	}
	table_end(d);
	snprintf(path, sizeof(path), "%s/config.json", d->dir);
	if (read_file(path, &raw, &len) == 0) {
		fputs("<details><summary>config.json</summary><pre>", d->h);
		sb_fmt_markup(d->h, raw);
		fputs("</pre></details>\n", d->h);
		fputs("The full configuration is in config.json.\n", d->m);
		free(raw);
	}
}

static void write_doc(struct doc *d, const struct sb_report_model *rm)
{
	const json_t *s = rm->s, *cfg = rm->cfg;
	struct sb_finding fs[SB_REPORT_MAX_FINDINGS];
	size_t nf = sb_report_findings(rm, fs, SB_REPORT_MAX_FINDINGS);
	const char *label = json_string_value(json_object_get(s, "label"));
	const json_t *o = json_object_get(cfg, "options");
	char title[256], sub[768], b[4][64];

	snprintf(title, sizeof(title), "synbench report%s%s", label && label[0] ? ": " : "",
		 label && label[0] ? label : "");
	if (json_object_get(s, "watch")) /* bench watch: no load of ours */
		snprintf(sub, sizeof(sub),
			 "bench watch of netns %s, %s s · started %s · kernel %s · probes %s · "
			 "synbench %s",
			 json_string_value(sb_jget_path(s, "watch.netns")) ?: "(the caller's)",
			 jtext(json_object_get(s, "duration_s"), b[0], 64),
			 json_string_value(json_object_get(s, "started_at")) ?: "?",
			 json_string_value(json_object_get(s, "kernel_release")) ?: "?",
			 json_string_value(json_object_get(s, "attach_plan")) ?: "off",
			 json_string_value(json_object_get(s, "version")) ?: "?");
	else
	snprintf(sub, sizeof(sub),
		 "%s connections, backlog %s, accept %s, mode %s · started %s · kernel %s · "
		 "probes %s · synbench %s",
		 jtext(json_object_get(s, "conns_requested"), b[0], 64),
		 jtext(json_object_get(o, "backlog"), b[1], 64),
		 jtext(json_object_get(o, "accept"), b[2], 64), jtext(json_object_get(o, "mode"), b[3], 64),
		 json_string_value(json_object_get(s, "started_at")) ?: "?",
		 json_string_value(json_object_get(s, "kernel_release")) ?: "?",
		 json_string_value(json_object_get(s, "attach_plan")) ?: "off",
		 json_string_value(json_object_get(s, "version")) ?: "?");
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>",
	      d->h);
	sb_fmt_markup(d->h, title);
	fprintf(d->h, "</title>\n<style>%s</style>\n</head><body><main>\n<h1>", css);
	sb_fmt_markup(d->h, title);
	fputs("</h1>\n<p class=\"sub\">", d->h);
	sb_fmt_markup(d->h, sub);
	fputs("</p>\n", d->h);
	fprintf(d->m, "# %s\n\n%s\n", title, sub);
	sec_findings(d, fs, nf);
	sec_latency(d, s);
	sec_hosts(d, s);
	sec_listeners(d, s);
	sec_reconciliation(d, s);
	sec_plots(d, &rm->plots, &rm->facts, rm->s);
	sec_config(d, cfg);
	sec_cost(d, rm);
	fputs("<footer>Generated by synbench from the files in this directory (summary.json, "
	      "config.json, connections.csv, queue.csv, dwell.csv, counters.csv); regenerate "
	      "with <code>bench plot DIR</code>.</footer>\n</main></body></html>\n",
	      d->h);
	fputs("\n---\nGenerated by synbench from the files in this directory; regenerate with "
	      "`bench plot DIR`.\n",
	      d->m);
}

int sb_report_docs_write(FILE *html, FILE *md, const struct sb_report_model *m)
{
	struct doc d = {.h = html, .m = md, .dir = m->dir};

	write_doc(&d, m);
	return ferror(html) || ferror(md) ? -EIO : 0;
}
