/* The --topology veth per-side sentence shared by the text and HTML
 * reports (report_sides.h). */
#include "harness/output/report_sides.h"
#include "harness/output/reportmodel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

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
