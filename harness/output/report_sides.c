/* The --topology veth per-side sentence shared by the text and HTML
 * reports (report_sides.h). */
#include "harness/output/report_sides.h"
#include "harness/output/reportmodel.h"
#include "harness/output/fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *rel(int64_t a, int64_t b)
{
	return a >= 0 && a == b ? "=" : "!=";
}

int sb_sides_line(const struct sb_sides_nums *n, char *buf, size_t len)
{
	int64_t c = n->c_syn + n->c_synack + (n->c_fail > 0 ? n->c_fail : 0);
	int64_t s = n->s_syn + n->s_synack;
	char fail[96] = "";

	if (n->c_fail > 0)
		snprintf(fail, sizeof(fail), " + %" PRId64 " that failed to transmit (untraced "
					     "before 6.18: TCPRetransFail)", n->c_fail);
	snprintf(buf, len,
		 "per side: client SYN retransmits %" PRId64 "%s%s %s its TcpExt TCPSynRetrans %" PRId64
		 ", Tcp ActiveOpens %" PRId64 " %s connects started %" PRId64
		 "; server SYN-ACK retransmits %" PRId64 "%s %s its TcpExt TCPSynRetrans %" PRId64
		 ", Tcp ActiveOpens %" PRId64 " %s 0",
		 n->c_syn, n->c_synack ? " (+ SYN-ACK!)" : "", fail, rel(c, n->c_mib_syn), n->c_mib_syn,
		 n->c_opens, rel(n->c_opens, n->c_started), n->c_started, n->s_synack,
		 n->s_syn ? " (+ SYN!)" : "", rel(s, n->s_mib_syn), n->s_mib_syn, n->s_opens,
		 rel(n->s_opens, 0));
	return c == n->c_mib_syn && n->c_opens == n->c_started && s == n->s_mib_syn &&
	       n->s_opens == 0;
}

int sb_sides_from_json(const json_t *r, struct sb_sides_nums *n)
{
	const json_t *c = json_object_get(r, "client"), *v = json_object_get(r, "server");

	if (!c)
		return -ENOENT;
	*n = (struct sb_sides_nums){
	    sb_report_jint(c, "probe_syn_retransmits"), sb_report_jint(c, "probe_synack_retransmits"),
	    sb_report_jint(c, "mib_tcp_syn_retrans"), sb_report_jint(c, "mib_active_opens"),
	    sb_report_jint(c, "conns_started"), sb_report_jint(v, "probe_syn_retransmits"),
	    sb_report_jint(v, "probe_synack_retransmits"), sb_report_jint(v, "mib_tcp_syn_retrans"),
	    sb_report_jint(v, "mib_active_opens"),
	    sb_report_jbool(c, "retransmit_failures_traced") == 0
		? sb_report_jint(c, "mib_retrans_fail")
		: 0};
	return 0;
}

/* "NAME probe = kernel" of one host identity, or "" when absent/skipped. */
static int id_part(const json_t *host, const char *id, const char *what, const char *kname,
		   char *buf, size_t len)
{
	const json_t *o = json_object_get(json_object_get(host, "identities"), id);
	const char *st = json_string_value(json_object_get(o, "status"));
	int64_t p = sb_report_jint(o, "probe"), k = sb_report_jint(o, "kernel");

	buf[0] = 0;
	if (!st || strcmp(st, "skipped") == 0)
		return 1;
	snprintf(buf, len, ", %s %" PRId64 " %s %s %" PRId64, what, p,
		 strcmp(st, "holds") == 0 ? "=" : "!=", kname, k);
	return strcmp(st, "holds") == 0;
}

int sb_host_line(const json_t *h, char *buf, size_t len)
{
	const char *role = json_string_value(json_object_get(h, "role"));
	const char *name = json_string_value(json_object_get(h, "name"));
	const char *hn = json_string_value(json_object_get(h, "hostname"));
	const char *kr = json_string_value(json_object_get(h, "kernel_release"));
	char a[160], b[160], c[160], what[200], ow[160] = "";
	int ok = 1, server = role && strcmp(role, "server") == 0;
	double rate = sb_report_jnum(h, "rate_per_s");

	if (sb_report_jbool(h, "lost") == 1) {
		snprintf(buf, len, "host %s (%s): lost during the run, its records left out",
			 name ? name : "?", hn ? hn : "?");
		return 0;
	}
	if (server) {
		ok &= id_part(h, "listener_drops", "listener drops", "ListenDrops + overflow skb drops", a, sizeof(a));
		ok &= id_part(h, "server_synack_retransmits", "SYN-ACK retransmits", "TCPSynRetrans", b, sizeof(b));
		ok &= id_part(h, "server_active_opens", "ActiveOpens", "", c, sizeof(c));
		snprintf(what, sizeof(what), "backlog %" PRId64 ", %" PRId64 " accepts (%.0f/s), ListenOverflows %" PRId64,
			 sb_report_jint(h, "effective_backlog"), sb_report_jint(h, "accepts"),
			 isnan(rate) ? 0 : rate, sb_report_jint(h, "kernel_counters.ListenOverflows"));
		c[0] = 0; /* ActiveOpens 0 = 0 says little */
	} else {
		ok &= id_part(h, "client_syn_retransmits", "SYN retransmits", "TCPSynRetrans", a, sizeof(a));
		ok &= id_part(h, "client_active_opens", "connects", "ActiveOpens", b, sizeof(b));
		snprintf(what, sizeof(what), "%" PRId64 " connections (%.0f/s), joined %" PRId64 ", accepted %" PRId64,
			 sb_report_jint(h, "conns_started"), isnan(rate) ? 0 : rate,
			 sb_report_jint(h, "joined"), sb_report_jint(h, "accepted"));
		c[0] = 0;
		if (sb_report_jint(h, "established_gap_us.count") > 0) {
			char p50[32], unc[32];

			snprintf(ow, sizeof(ow),
				 "; server ESTABLISHED after the client's: p50 %s +- %s (clock offsets)",
				 sb_fmt_us(p50, sizeof(p50), sb_report_jnum(h, "established_gap_us.p50")),
				 sb_fmt_us(unc, sizeof(unc),
					   sb_report_jnum(h, "established_gap_us.uncertainty")));
		}
	}
	snprintf(buf, len,
		 "host %s (%s, %s): %s%s%s%s; CPU %.2f s user + %.2f s sys; clock %+.3f ms +- %.3f ms%s",
		 name ? name : "?", hn ? hn : "?", kr ? kr : "?", what, a, b, c,
		 sb_report_jnum(h, "cpu_user_s"), sb_report_jnum(h, "cpu_sys_s"),
		 sb_report_jint(h, "clock_offset_ns") / 1e6,
		 sb_report_jint(h, "clock_uncertainty_ns") / 1e6, ow);
	return ok;
}
