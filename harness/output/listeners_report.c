/* Every listener socket on its own, read back from summary.json for the
 * reports (listeners_report.h). */
#include "harness/output/listeners_report.h"

#include <inttypes.h>

#include "harness/output/jsonget.h"

static int64_t geti(const json_t *v, const char *path, int64_t dflt)
{
	int64_t x;

	return sb_jget_int64(sb_jget_path(v, path), &x) ? dflt : x;
}

static const char *gets_or(const json_t *v, const char *path, const char *dflt)
{
	const char *s = json_string_value(sb_jget_path(v, path));

	return s ? s : dflt;
}

/* The socket of the run's port with index i, or NULL. */
static const json_t *socket_at(const json_t *l, int64_t i)
{
	const json_t *a = sb_jget_path(l, "sockets");
	int64_t port = geti(l, "port", 0);

	for (size_t k = 0; k < json_array_size(a); k++) {
		const json_t *s = json_array_get(a, k);

		if ((!port || geti(s, "port", -1) == port) && geti(s, "index", -1) == i)
			return s;
	}
	return NULL;
}

static size_t on_port(const json_t *l)
{
	const json_t *a = sb_jget_path(l, "sockets");
	int64_t port = geti(l, "port", 0);
	size_t n = 0;

	for (size_t k = 0; k < json_array_size(a); k++)
		n += !port || geti(json_array_get(a, k), "port", -1) == port;
	return n;
}

static void ratio(char *buf, size_t len, const json_t *l, const char *key)
{
	double v;

	if (sb_jget_double(sb_jget_path(l, key), &v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f", v);
}

/* An integer, or "n/a" where summary.json has null (a --target server's accepts). */
static void count(char *buf, size_t len, const json_t *v, const char *key)
{
	int64_t x;

	if (sb_jget_int64(sb_jget_path(v, key), &x))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%" PRId64, x);
}

/* "python3[812] cpu 3": the process holding the socket and its
 * SO_INCOMING_CPU where set; "-" unknown */
static void owner(char *buf, size_t len, const json_t *s)
{
	int64_t pid = geti(s, "pid", -1), cpu = geti(s, "incoming_cpu", -1);
	int n;

	if (pid < 0) {
		snprintf(buf, len, "-");
		return;
	}
	n = snprintf(buf, len, "%s[%" PRId64 "]", gets_or(s, "comm", "?"), pid);
	if (cpu >= 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " cpu %" PRId64, cpu);
}

/* --close-socket: what the restart cost */
static void restart_line(FILE *f, const json_t *r)
{
	char q[24], mig[24], fail[24];
	int64_t m = geti(r, "migrate_req", -1);

	if (!json_is_object(r))
		return;
	count(q, sizeof(q), r, "queued");
	count(mig, sizeof(mig), r, "migrated");
	count(fail, sizeof(fail), r, "migrate_failed");
	fprintf(f,
		"  restart: socket %" PRId64 " closed at %.1f ms with %s connections in its accept "
		"queue; tcp_migrate_req=%s: %s moved to a sibling (TCPMigrateReqSuccess), %s could "
		"not be (TCPMigrateReqFailure), %" PRId64 " clients reset by the close\n",
		geti(r, "socket", -1), json_number_value(sb_jget_path(r, "at_ms")), q,
		m < 0 ? "n/a (before 5.14)" : m ? "1" : "0", mig, fail, geti(r, "reset", 0));
}

void sb_listeners_report(FILE *f, const json_t *summary)
{
	const json_t *l = sb_jget_path(summary, "listeners");
	const json_t *a = sb_jget_path(l, "sockets");
	int64_t port = geti(l, "port", 0);
	char ai[16], di[16], acc[24], fnd[512], own[64];

	if (on_port(l) < 2)
		return;
	ratio(ai, sizeof(ai), l, "accepts_imbalance");
	ratio(di, sizeof(di), l, "drops_imbalance");
	count(acc, sizeof(acc), l, "accepts_sum");
	if (port)
		fprintf(f, "listener sockets on port %" PRId64 " (one SO_REUSEPORT group)", port);
	else /* bench watch: every port it saw, each row says its own */
		fputs("listener sockets (every port watched)", f);
	fprintf(f, ": drops %" PRId64 ", accepts %s; imbalance (max/mean) accepts %s, drops %s\n",
		geti(l, "drops_sum", -1), acc, ai, di);
	if (!port)
		fprintf(f, "  %5s", "port");
	fprintf(f, "  %6s %-10s %9s %9s %9s %6s %12s  %-12s %s\n", "socket", "policy", "accepts",
		"drops", "max queue", "limit", "full (ms)", "cookie", "owner");
	for (size_t k = 0; k < json_array_size(a); k++) {
		const json_t *s = json_array_get(a, k);
		double ms = 0;

		if (port && geti(s, "port", -1) != port)
			continue;
		sb_jget_double(sb_jget_path(s, "time_full_ms"), &ms);
		count(acc, sizeof(acc), s, "accepts");
		if (!port)
			fprintf(f, "  %5" PRId64, geti(s, "port", -1));
		owner(own, sizeof(own), s);
		fprintf(f, "  %6" PRId64 " %-10s %9s %9" PRId64 " %9" PRId64 " %6" PRId64
			   " %12.3f  %-12" PRId64 " %s\n",
			geti(s, "index", -1), gets_or(s, "policy", "-"), acc,
			geti(s, "drops", -1), geti(s, "max_accept_queue", -1), geti(s, "limit", -1),
			ms, geti(s, "cookie", 0), own);
	}
	if (sb_listeners_finding(summary, fnd, sizeof(fnd)))
		fprintf(f, "  %s\n", fnd);
	restart_line(f, sb_jget_path(l, "restart"));
}

int sb_listeners_finding(const json_t *summary, char *buf, size_t len)
{
	const json_t *l = sb_jget_path(summary, "listeners");
	int64_t i = geti(l, "overflow_with_room.socket", -1);
	int64_t j = geti(l, "overflow_with_room.sibling", -1);
	const json_t *s = socket_at(l, i), *r = socket_at(l, j);
	char pol[48], sib[48];

	if (i < 0 || !s)
		return 0;
	pol[0] = sib[0] = 0;
	if (json_string_value(sb_jget_path(s, "policy")))
		snprintf(pol, sizeof(pol), " (policy %s)", gets_or(s, "policy", ""));
	if (r && json_string_value(sb_jget_path(r, "policy")))
		snprintf(sib, sizeof(sib), ", policy %s", gets_or(r, "policy", ""));
	snprintf(buf, len,
		 "Socket %" PRId64 " of the SO_REUSEPORT group%s overflowed while a sibling had "
		 "room: its sk_drops grew in %" PRId64 " sampler passes in which another socket's "
		 "accept queue was below its limit (socket %" PRId64 "%s); it dropped %" PRId64
		 " of the group's %" PRId64 " and was full %.1f ms. The kernel picks a socket by "
		 "the connection's hash, not by room: one slow acceptor loses its share.",
		 i, pol, geti(l, "overflow_with_room.passes", 0), j, sib, geti(s, "drops", -1),
		 geti(l, "drops_sum", -1), json_number_value(sb_jget_path(s, "time_full_ms")));
	return 1;
}
