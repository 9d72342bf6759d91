/* A crr connection's setup by phase, and what --tls's handshakes did, for
 * the text reports and the findings (report_phases.h); from summary.json
 * alone. */
#include "harness/output/report_phases.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "harness/output/fmt.h"

#define jint  sb_report_jint
#define jnum  sb_report_jnum
#define jbool sb_report_jbool

const struct sb_phase sb_phases[SB_NPHASES] = {
    {"kernel_handshake", "kernel handshake", "SYN_SENT -> ESTABLISHED (kernel)", 0},
    {"user_connect", "user connect", "connect submitted -> completion seen", 0},
    {"tls_handshake", "TLS handshake", "ClientHello sent -> handshake done", 0},
    {"first_byte", "first byte", "request sent -> first response byte", 0},
    {"last_byte", "last byte", "first -> last response byte", 0},
    {"accept_wait", "accept wait", "server: child ESTABLISHED -> accept()", 1},
    {"tls_accept", "TLS accept", "server: accept() -> its handshake done", 1},
};

int sb_report_has_phases(const json_t *s)
{
	return json_is_object(json_object_get(s, "tls")) ||
	       jint(s, "latency_us.first_byte.count") > 0;
}

void sb_report_phases_text(FILE *f, const struct sb_report_model *m)
{
	static const char *const head[] = {"min", "p50", "p90", "p99", "p99.9", "max"};
	char b[48], line[512];

	if (!sb_report_has_phases(m->s))
		return;
	fputs("\nPhases (each phase's own percentiles; server: our listener's stamps)\n", f);
	fprintf(f, "%-24s %9s", "phase", "count");
	for (int k = 0; k < 6; k++)
		fprintf(f, " %11s", head[k]);
	fputc('\n', f);
	for (int p = 0; p < SB_NPHASES; p++) {
		struct sb_report_lat l;
		char name[40];

		sb_report_lat(m, sb_phases[p].key, &l);
		if (!l.count)
			continue;
		snprintf(name, sizeof(name), "%s%s", sb_phases[p].server ? "server: " : "",
			 sb_phases[p].name);
		fprintf(f, "%-24s %9" PRId64, name, l.count);
		for (int k = 0; k < 6; k++) {
			sb_fmt_us(b, sizeof(b), l.v[k]);
			/* µ is two bytes, one column */
			fprintf(f, " %*s", strstr(b, "µ") ? 12 : 11, b);
		}
		fputc('\n', f);
	}
	if (sb_report_tls_sentence(m->s, line, sizeof(line)) >= 0)
		fprintf(f, "%s\n", line);
}

int sb_report_tls_sentence(const json_t *s, char *buf, size_t len)
{
	const json_t *t = json_object_get(s, "tls"), *fl = json_object_get(t, "failures");
	const char *kt = json_string_value(json_object_get(t, "key_type"));
	int64_t hs = jint(t, "handshakes"), failed = jint(t, "failed");
	size_t o;
	char a[32], b[32], c[32], p50[48];

	if (!json_is_object(t))
		return -1;
	sb_fmt_us(p50, sizeof(p50), jnum(s, "latency_us.tls_handshake.p50"));
	o = (size_t)snprintf(
	    buf, len, "TLS %s%s%s, resumption %s, certificate %s: %s handshakes (p50 %s), %s resumed, %s failed",
	    json_string_value(json_object_get(t, "version")) ?: "?", kt ? " " : "", kt ? kt : "",
	    jbool(t, "resumption") == 1 ? "on" : "off",
	    jbool(t, "verified") == 1 ? "verified" : "not verified",
	    sb_fmt_count(a, sizeof(a), hs < 0 ? 0 : hs), p50,
	    sb_fmt_count(b, sizeof(b), jint(t, "resumed") < 0 ? 0 : jint(t, "resumed")),
	    sb_fmt_count(c, sizeof(c), failed < 0 ? 0 : failed));
	for (size_t i = 0; i < json_array_size(fl) && o < len; i++) {
		const json_t *e = json_array_get(fl, i);
		const char *why = json_string_value(json_object_get(e, "reason"));
		const char *v = json_string_value(json_object_get(e, "verify"));

		o += (size_t)snprintf(buf + o, len - o, "%s%s%s%s%s %" PRId64, i ? "; " : ": ",
				      why ? why : "?", v ? " (" : "", v ? v : "", v ? ")" : "",
				      jint(e, "count"));
	}
	if (jint(t, "failures_other") > 0 && o < len)
		snprintf(buf + o, len - o, "; other reasons %" PRId64, jint(t, "failures_other"));
	return failed > 0 ? 1 : 0;
}
