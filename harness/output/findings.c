/* The findings of a report in plain words, computed from the report model (see harness/output/htmlreport.h). */
#include "harness/output/htmlreport.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/output/listeners_report.h"
#include "harness/output/report_phases.h"

#define fmt_count sb_fmt_count
#define fmt_us	  sb_fmt_us
#define jnum	  sb_report_jnum
#define jint	  sb_report_jint
#define jbool	  sb_report_jbool

/* ---- findings ---- */

struct flist {
	struct sb_finding *out;
	size_t n, max;
};

__attribute__((format(printf, 3, 4))) static void add(struct flist *l, enum sb_finding_level lv,
						      const char *fmt, ...)
{
	va_list ap;

	if (l->n >= l->max)
		return;
	l->out[l->n].level = lv;
	va_start(ap, fmt);
	vsnprintf(l->out[l->n].text, sizeof(l->out[l->n].text), fmt, ap);
	va_end(ap);
	l->n++;
}

/* "1 retransmit (~1 s) 1,204; 2 (~2 s) 880; ..." */
static void bands(char *buf, size_t len, const struct sb_report_facts *f)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int b = 1; b < SB_REPORT_RETRANS_BANDS && o < len; b++) {
		char c[32];

		if (!f->retrans[b])
			continue;
		o += snprintf(buf + o, len - o, "%s%d%s SYN retransmit%s: %s", o ? "; " : "", b,
			      b == SB_REPORT_RETRANS_BANDS - 1 ? "+" : "", b == 1 ? "" : "s",
			      fmt_count(c, sizeof(c), (int64_t)f->retrans[b]));
	}
}

static int64_t syncookies_of(const json_t *s, const json_t *cfg)
{
	int64_t v = jint(s, "reconciliation.syncookies");

	if (v < 0 && cfg) {
		const json_t *sy =
		    json_object_get(json_object_get(cfg, "sysctls"), "net.ipv4.tcp_syncookies");

		if (json_string_value(sy))
			v = strtoll(json_string_value(sy), NULL, 10);
	}
	return v;
}

static void findings_loss(struct flist *l, const json_t *s, const json_t *cfg,
			  const struct sb_report_facts *f)
{
	char a[32], b[32], c[32], d[512];
	int64_t lim = jint(s, "effective_backlog") + 1;
	int64_t ovf = jint(s, "kernel_counters.ListenOverflows");
	int64_t cpu = jint(s, "softnet.dropped");
	int64_t cpu_probe = jint(s, "probes.drops_by_reason.CPU_BACKLOG");
	int64_t ghost = jint(s, "outcomes.ghost"), tmo = jint(s, "outcomes.timeout");
	int64_t cookies = syncookies_of(s, cfg);

	if (f->waited_1s) {
		bands(d, sizeof(d), f);
		if (ovf > 0)
			add(l, SB_FIND_PROBLEM,
			    "%s connections waited >= 1 s for connect(): their SYNs were dropped "
			    "while "
			    "the accept queue was full (limit %" PRId64 " = backlog + 1; TcpExt "
			    "ListenOverflows %s)%s%s%s.",
			    fmt_count(a, sizeof(a), (int64_t)f->waited_1s), lim,
			    fmt_count(b, sizeof(b), ovf),
			    cpu > 0 ? ", or lost in the per-CPU backlog" : "",
			    d[0] ? ". Retransmit bands: " : "", d);
		else
			add(l, SB_FIND_PROBLEM,
			    "%s connections waited >= 1 s for connect(): SYNs were retransmitted "
			    "(%s)%s.",
			    fmt_count(a, sizeof(a), (int64_t)f->waited_1s),
			    d[0] ? d : "no retransmit data",
			    cpu > 0 ? "; packets were dropped by the per-CPU backlog" : "");
	}
	if (tmo > 0)
		add(l, SB_FIND_PROBLEM,
		    "%s connections timed out (connect timeout %s ms): every SYN they sent was "
		    "dropped, the client gave up in SYN_SENT.",
		    fmt_count(a, sizeof(a), tmo),
		    fmt_count(b, sizeof(b), jint(cfg, "options.connect-timeout")));
	if (ghost > 0)
		add(l, SB_FIND_PROBLEM,
		    "%s ghost connections: the client reached ESTABLISHED with a syncookie but the "
		    "server never had a socket (accept queue full at the ACK; syncookies=%" PRId64
		    ", SyncookiesSent %s). The client only finds out when it writes.",
		    fmt_count(a, sizeof(a), ghost), cookies,
		    fmt_count(b, sizeof(b), jint(s, "kernel_counters.SyncookiesSent")));
	if (jint(s, "reconciliation.revived") > 0)
		add(l, SB_FIND_NOTE,
		    "%s accepted or queued connections were syncookie ghosts until the client "
		    "closed: the cookie ACK in the client's FIN made the server socket once the "
		    "accept queue had room (docs/kernel-facts.md#fact-19), and %s more server sockets appeared "
		    "on them after the first closed. Each connection is counted once.",
		    fmt_count(a, sizeof(a), jint(s, "reconciliation.revived")),
		    fmt_count(b, sizeof(b), jint(s, "reconciliation.extra_children")));
	if (jint(s, "outcomes.queued") > 0)
		add(l, SB_FIND_NOTE,
		    "%s connections were ESTABLISHED on the server but never accepted (left in the "
		    "accept queue at the end of the run).",
		    fmt_count(a, sizeof(a), jint(s, "outcomes.queued")));
	if (jint(s, "outcomes.unaccepted") > 0)
		add(l, SB_FIND_NOTE,
		    "%s connections connected but were never accepted (without probes a ghost and "
		    "a "
		    "queued connection look the same).",
		    fmt_count(a, sizeof(a), jint(s, "outcomes.unaccepted")));
	if (jint(s, "outcomes.refused") > 0 || jint(s, "outcomes.reset") > 0)
		add(l, SB_FIND_PROBLEM, "%s connections were refused and %s reset.",
		    fmt_count(a, sizeof(a), jint(s, "outcomes.refused")),
		    fmt_count(b, sizeof(b), jint(s, "outcomes.reset")));
	if (jint(s, "failure_causes.timeout") + jint(s, "failure_causes.refused") +
		jint(s, "failure_causes.reset") + jint(s, "failure_causes.unreachable") +
		jint(s, "failure_causes.aborted") + jint(s, "failure_causes.other") > 0)
		add(l, SB_FIND_NOTE,
		    "The kernel's cause of each failed client connection (its socket's error as it "
		    "closed, docs/kernel-facts.md#fact-39): %" PRId64 " timed out, %" PRId64
		    " refused, %" PRId64 " reset after the SYN-ACK, %" PRId64 " unreachable, %" PRId64
		    " closed by their application before the kernel gave up, %" PRId64 " other.",
		    jint(s, "failure_causes.timeout"), jint(s, "failure_causes.refused"),
		    jint(s, "failure_causes.reset"), jint(s, "failure_causes.unreachable"),
		    jint(s, "failure_causes.aborted"), jint(s, "failure_causes.other"));
	if (f->qsamples && f->qfull)
		add(l, SB_FIND_NOTE,
		    "The accept queue was full (%" PRId64 " of limit %" PRId64
		    ") in %s of %s listener samples (%.1f%%); the longest SYN queue was %" PRId64
		    ".",
		    f->qmax, f->qlimit + 1, fmt_count(a, sizeof(a), (int64_t)f->qfull),
		    fmt_count(b, sizeof(b), (int64_t)f->qsamples),
		    100.0 * (double)f->qfull / (double)f->qsamples, f->synq_max);
	else if (f->qsamples && ovf > 0)
		add(l, SB_FIND_NOTE,
		    "The listener samples never caught the accept queue full (deepest %" PRId64
		    " of limit %" PRId64 " in %s samples), yet ListenOverflows counted %s: it "
		    "filled between samples (a smaller --sample-us shows it).",
		    f->qmax, f->qlimit + 1, fmt_count(a, sizeof(a), (int64_t)f->qsamples),
		    fmt_count(b, sizeof(b), ovf));
	else if (f->qsamples)
		add(l, SB_FIND_INFO,
		    "The accept queue never filled: deepest %" PRId64 " of limit %" PRId64
		    " over %s listener samples.",
		    f->qmax, f->qlimit + 1, fmt_count(a, sizeof(a), (int64_t)f->qsamples));
	if (cpu > 0)
		add(l, SB_FIND_PROBLEM,
		    "%s packets dropped by the per-CPU backlog (net.core.netdev_max_backlog, "
		    "global: "
		    "softnet_stat; probe CPU_BACKLOG drops %s). SYN retransmit bursts overflow it.",
		    fmt_count(a, sizeof(a), cpu),
		    fmt_count(c, sizeof(c), cpu_probe < 0 ? 0 : cpu_probe));
}

/* Every probe component that did not run in its best mode, and why. */
/* --topology veth --delay: the handshake against the configured RTT. */
static void findings_rtt(struct flist *l, const json_t *s, const json_t *cfg)
{
	const char *d = json_string_value(sb_jget_path(cfg, "options.delay"));
	double rtt = d && *d ? strtod(d, NULL) * 1000.0 : 0;
	double p50 = jnum(s, "latency_us.kernel_handshake.p50");
	double p99 = jnum(s, "latency_us.kernel_handshake.p99");

	if (!(rtt > 0) || isnan(p50))
		return;
	add(l, SB_FIND_INFO,
	    "Configured RTT %s ms (--delay %s on the veth, half each way): kernel handshake p50 = "
	    "%.2f x configured RTT, p99 = %.2f x.",
	    d, d, p50 / rtt, isnan(p99) ? 0.0 : p99 / rtt);
}

static void findings_components(struct flist *l, const json_t *s)
{
	static const char *const names[] = {"state_changes", "syn_retransmits",
					    "synack_retransmits", "drops", "listener_sampler"};
	const json_t *cs = sb_jget_path(s, "probes.components");

	for (size_t i = 0; cs && i < sizeof(names) / sizeof(names[0]); i++) {
		const json_t *c = json_object_get(cs, names[i]);
		const char *mode = json_string_value(json_object_get(c, "mode"));
		const char *err = json_string_value(json_object_get(c, "error"));

		if (err)
			add(l, SB_FIND_NOTE, "Probe component %s ran as %s on this kernel: %s.",
			    names[i], mode ? mode : "?", err);
	}
}

size_t sb_report_findings(const struct sb_report_model *m, struct sb_finding *out, size_t max)
{
	const json_t *s = m->s, *cfg = m->cfg;
	const struct sb_report_facts *f = &m->facts;
	struct flist l = {out, 0, max};
	char a[32], b[32], c[32], d[32], e[32], lsock[512];
	double jr = jnum(s, "join_rate"), rate = jnum(s, "rate_conns_per_s");
	int64_t lost = jint(s, "lost_events"), started = jint(s, "conns_started");
	double hs = jnum(s, "latency_us.kernel_handshake.p99");
	double nd = jnum(s, "latency_us.notify_delay.p99");
	double ps = jnum(s, "latency_us.pre_syn.p99");

	if (jbool(s, "interrupted") == 1)
		add(&l, SB_FIND_PROBLEM,
		    "The run was interrupted: the numbers cover only what finished.");
	const char *mode = json_string_value(json_object_get(s, "mode"));
	int watch = mode && strcmp(mode, "watch") == 0;

	if (watch) /* bench watch: kernel records only (harness/commands/watch.h) */
		add(&l, SB_FIND_INFO,
		    "Watched for %.3f s: %s client connects (%s reached ESTABLISHED) and %s server "
		    "children; kernel records only, no user-side stamps (bench watch).",
		    jnum(s, "duration_s"), fmt_count(a, sizeof(a), started),
		    fmt_count(b, sizeof(b), jint(s, "watch.handshakes")),
		    fmt_count(c, sizeof(c), jint(s, "reconciliation.child_records")));
	else
	add(&l, SB_FIND_INFO,
	    "%s of %s requested connections started in %.3f s; %s completed connect() "
	    "(%.1f connections/s); %s were accepted by the server.",
	    fmt_count(a, sizeof(a), started), fmt_count(b, sizeof(b), jint(s, "conns_requested")),
	    jnum(s, "duration_s"), fmt_count(c, sizeof(c), jint(s, "loadgen.ok")),
	    isnan(rate) ? 0.0 : rate, fmt_count(d, sizeof(d), jint(s, "outcomes.accepted")));
	findings_loss(&l, s, cfg, f);
	findings_components(&l, s);
	if (watch)
		; /* nothing of the user side to join */
	else if (isnan(jr))
		add(&l, SB_FIND_NOTE,
		    "Probes were off (--no-probes): no kernel stamps, queue samples or state "
		    "dwell; only the user-side latencies are reported.");
	else if (jr >= 1.0)
		add(&l, SB_FIND_INFO,
		    "Join rate 100%%: every one of the %s user connections was found in the kernel "
		    "records.",
		    fmt_count(a, sizeof(a), jint(s, "reconciliation.user_conns")));
	else
		add(&l, SB_FIND_PROBLEM,
		    "Join rate %.2f%%: only %s of %s user connections were found in the kernel "
		    "records; the kernel-side numbers miss the rest.",
		    100.0 * jr, fmt_count(a, sizeof(a), jint(s, "reconciliation.joined")),
		    fmt_count(b, sizeof(b), jint(s, "reconciliation.with_cookie")));
	if (lost > 0)
		add(&l, SB_FIND_PROBLEM,
		    "%s events were lost (ring buffer full, map full or failed samples): "
		    "per-connection kernel data is incomplete.",
		    fmt_count(a, sizeof(a), lost));
	else if (lost == 0 && (!isnan(jr) || watch))
		add(&l, SB_FIND_INFO, "No events were lost: the kernel-side data is complete.");
	if (!isnan(hs) && !isnan(nd))
		add(&l, nd > hs ? SB_FIND_NOTE : SB_FIND_INFO,
		    "User-space overhead: notify delay (kernel ESTABLISHED -> connect() returned) "
		    "p99 %s vs kernel handshake p99 %s (%.1f%%); pre-SYN (submit -> SYN sent) "
		    "p99 %s.",
		    fmt_us(a, sizeof(a), nd), fmt_us(b, sizeof(b), hs),
		    hs > 0 ? 100.0 * nd / hs : 0.0, fmt_us(c, sizeof(c), ps));
	findings_rtt(&l, s, cfg);
	if (jint(s, "latency_us.accept_wait.count") > 0)
		add(&l, SB_FIND_INFO,
		    "Accepted connections waited in the accept queue p50 %s, p99 %s (max %s).",
		    fmt_us(a, sizeof(a), jnum(s, "latency_us.accept_wait.p50")),
		    fmt_us(b, sizeof(b), jnum(s, "latency_us.accept_wait.p99")),
		    fmt_us(e, sizeof(e), jnum(s, "latency_us.accept_wait.max")));
	{
		char tls[512];
		int failed = sb_report_tls_sentence(s, tls, sizeof(tls));

		if (failed >= 0)
			add(&l, failed ? SB_FIND_PROBLEM : SB_FIND_INFO, "%s.", tls);
	}
	if (jbool(s, "reconciliation.identity_checked") == 1)
		add(&l,
		    jbool(s, "reconciliation.identity_holds") == 1 ? SB_FIND_INFO : SB_FIND_PROBLEM,
		    "With syncookies=0 every client ESTABLISHED must be accepted or queued "
		    "(no ghost): %s.",
		    jbool(s, "reconciliation.identity_holds") == 1 ? "it holds"
								   : "it does NOT hold");
	if (sb_listeners_finding(s, lsock, sizeof(lsock)))
		add(&l, SB_FIND_PROBLEM, "%s", lsock);
	if (json_array_size(sb_jget_path(s, "reconciliation.warnings")))
		add(&l, SB_FIND_NOTE, "%zu reconciliation warnings (listed under Reconciliation).",
		    json_array_size(sb_jget_path(s, "reconciliation.warnings")));
	return l.n;
}
