/* bench watch without privileges: option parsing, and the analysis of
 * recorded kernel records (PID/COMM tags from live events, client/child
 * pairing, outcomes, --pid filtering, listener drops, identities). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tests/test.h"
#include "harness/analysis/kview.h"
#include "harness/commands/watch.h"

static int parse(const char *line, struct sb_watch_opts *o, char *err, size_t len)
{
	char buf[512], *argv[32], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "watch %s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return sb_watch_parse(argc, argv, o, err, len);
}

static void test_opts(void)
{
	static const char *const bad[] = {
		"--port 0", "--port 70000", "--port 1 --port 2 --port 3 --port 4 --port 5 --port 6 "
		"--port 7 --port 8 --port 9", "--pid -1", "--comm 0123456789abcdefg",
		"--duration 0", "--duration 1e3", "--max-conns 0", "--ipv4 --ipv6",
		"--connlat --trace-states", "--json --connlat", "--cgroup /sys/fs/cgroup/x",
		"--attach kprobe", "--netns a/b", "--bogus", "positional", "--port",
	};
	struct sb_watch_opts o;
	char err[256];

	ASSERT_EQ(parse("", &o, err, sizeof(err)), 0, "no options");
	ASSERT_EQ(o.pid, -1, "default pid: any");
	ASSERT_EQ(o.max_conns, SB_WATCH_DEFAULT_MAX_CONNS, "default max-conns");
	ASSERT_FALSE(sb_watch_filtered(&o), "no filter");
	ASSERT_EQ(parse("--netns web --port 8000 --port=8001 --pid 42 --comm curl --ipv6 "
			"--duration 2.5 --max-conns 10 --connlat",
			&o, err, sizeof(err)),
		  0, "all options");
	ASSERT_STREQ(o.netns, "web", "netns");
	ASSERT_EQ(o.nports, 2, "two ports");
	ASSERT_EQ(o.ports[1], 8001, "--port=8001");
	ASSERT_EQ(o.pid, 42, "pid");
	ASSERT_STREQ(o.comm, "curl", "comm");
	ASSERT_EQ(o.family, AF_INET6, "ipv6");
	ASSERT_NEAR(o.duration_s, 2.5, 1e-9, "duration");
	ASSERT_EQ(o.max_conns, 10, "max-conns");
	ASSERT_TRUE(sb_watch_filtered(&o), "filtered");
	ASSERT_EQ(parse("--help", &o, err, sizeof(err)), SB_OPTS_HELP, "help");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (!ASSERT_EQ(parse(bad[i], &o, err, sizeof(err)), -22, bad[i]))
			continue;
		ASSERT_TRUE(strncmp(err, "watch: ", 7) == 0 && !strchr(err, '\n'),
			    "one line naming the command");
	}
}

static struct sb_state_event ev(uint64_t skaddr, uint64_t ts, int old, int new, int role,
				uint32_t pid, const char *comm, uint16_t dport)
{
	struct sb_state_event e;

	memset(&e, 0, sizeof(e));
	e.skaddr = skaddr;
	e.ts = ts;
	e.oldstate = (uint8_t)old;
	e.newstate = (uint8_t)new;
	e.role = (uint8_t)role;
	e.pid = pid;
	e.family = AF_INET;
	e.daddr[0] = htonl(0x7f000001);
	e.saddr[0] = htonl(0x7f000001);
	e.dport = dport;
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	return e;
}

/* client sport -> 8000, closed by us (FIN_WAIT1 ...), its child served */
static void client_rec(struct sb_conn_rec *r, uint64_t cookie, uint64_t t, uint16_t sport,
		       int established)
{
	memset(r, 0, sizeof(*r));
	r->cookie = cookie;
	r->role = SB_ROLE_CLIENT;
	r->family = AF_INET;
	r->saddr[0] = r->daddr[0] = htonl(0x7f000001);
	r->sport = sport;
	r->dport = 8000;
	r->ts[SB_TCP_SYN_SENT] = t;
	if (established) {
		r->ts[SB_TCP_ESTABLISHED] = t + 1000;
		r->ts[SB_TCP_FIN_WAIT1] = t + 5000;
	}
	r->ts[SB_TCP_CLOSE] = t + 9000;
	r->final_state = SB_TCP_CLOSE;
}

static void child_rec(struct sb_conn_rec *r, uint64_t cookie, uint64_t t, uint16_t peer)
{
	memset(r, 0, sizeof(*r));
	r->cookie = cookie;
	r->role = SB_ROLE_CHILD;
	r->family = AF_INET;
	r->saddr[0] = r->daddr[0] = htonl(0x7f000001);
	r->sport = 8000;
	r->dport = peer;
	r->ts[SB_TCP_SYN_RECV] = t;
	r->ts[SB_TCP_ESTABLISHED] = t + 2;
	r->ts[SB_TCP_CLOSE_WAIT] = t + 4000;
	r->ts[SB_TCP_LAST_ACK] = t + 6000;
	r->ts[SB_TCP_CLOSE] = t + 7000;
	r->final_state = SB_TCP_CLOSE;
}

/* A sink that checks client 1's row as the rows pass. */
static int check_rows(void *ctx, const struct sb_kview *v)
{
	int *seen = ctx;

	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].r->role == SB_ROLE_CLIENT && v->rows[i].r->sport == 40001) {
			ASSERT_TRUE(v->rows[i].tagged, "client 1 tagged");
			ASSERT_EQ(v->rows[i].pid, 100, "client 1 pid");
			ASSERT_OK_PTR(v->rows[i].peer, "client 1 paired with its child");
			ASSERT_EQ(v->rows[i].lat[SB_LAT_KERNEL_HANDSHAKE], 1000, "handshake ns");
			(*seen)++;
		}
	return 0;
}

static void analyse(const char *line, struct sb_rundata *rd, int64_t expect_clients,
		    int64_t expect_accepted, int64_t expect_ghost, int64_t expect_failed,
		    int64_t expect_untimed)
{
	struct sb_watch_opts o;
	struct sb_watch_info info;
	struct sb_kview_opts ko;
	struct sb_watch_live *l = NULL;
	struct sb_result *res = NULL;
	int seen = 0;
	struct sb_row_sink sink = {NULL, check_rows, &seen};
	FILE *null = fopen("/dev/null", "w");
	char err[256];
	struct sb_state_event e;

	if (!ASSERT_EQ(parse(line, &o, err, sizeof(err)), 0, line) ||
	    !ASSERT_OK(sb_watch_live__new(&o, null, &l), "live"))
		goto out;
	/* client 1 by pid 100 (curl), client 2 by pid 200 (wget), client 3 fails */
	e = ev(1, 1000, SB_TCP_CLOSE, SB_TCP_SYN_SENT, SB_ROLE_CLIENT, 100, "curl", 8000);
	sb_watch_live_on_state(l, &e);
	e = ev(2, 2000, SB_TCP_CLOSE, SB_TCP_SYN_SENT, SB_ROLE_CLIENT, 200, "wget", 8000);
	sb_watch_live_on_state(l, &e);
	e = ev(3, 3000, SB_TCP_CLOSE, SB_TCP_SYN_SENT, SB_ROLE_CLIENT, 100, "curl", 8000);
	sb_watch_live_on_state(l, &e);
	e = ev(1, 2000, SB_TCP_SYN_SENT, SB_TCP_ESTABLISHED, SB_ROLE_CLIENT, 0, "", 8000);
	sb_watch_live_on_state(l, &e);
	sb_watch_info_of(&o, &info);
	rd->watch = &info;
	sb_watch_kview_opts(&o, l, &info, &ko);
	if (!ASSERT_OK(sb_kview_analyze(rd, &ko, &sink, &res), "analyse"))
		goto out;
	ASSERT_EQ(res->mode, SB_RESULT_WATCH, "a watch's result");
	ASSERT_EQ(res->watch.clients, expect_clients, "client rows");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_ACCEPTED], expect_accepted, "accepted (child served)");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_GHOST], expect_ghost, "ghost (listener sampled here)");
	ASSERT_EQ(res->watch.outcomes[SB_WOUT_FAILED], expect_failed, "failed");
	ASSERT_EQ(res->watch.handshakes, expect_clients - expect_failed,
		  "handshakes: every client not failed");
	ASSERT_EQ(res->watch.untimed, expect_untimed, "handshakes without a time");
	ASSERT_EQ(seen, expect_accepted, "client 1's row seen when selected");
	ASSERT_EQ(res->watch.listener_drops, 7, "listener drops: last - first");
	ASSERT_EQ(res->ids[SB_ID_LISTEN_OVERFLOWS].probe, 7, "overflows (no skb drops)");
	ASSERT_EQ(res->lat[SB_LAT_USER_CONNECT].count, 0, "no user-side latency in a watch");
out:
	sb_result__free(res);
	sb_watch_live__free(l);
	rd->watch = NULL;
	if (null)
		fclose(null);
}

static void test_analysis(void)
{
	struct sb_conn_rec recs[5];
	struct sb_listen_sample samples[2] = {
		{ .ts = 1, .port = 8000, .family = AF_INET, .max_ack_backlog = 5, .drops = 3 },
		{ .ts = 2, .port = 8000, .family = AF_INET, .max_ack_backlog = 5, .drops = 10 },
	};
	struct sb_rundata rd;

	memset(&rd, 0, sizeof(rd));
	client_rec(&recs[0], 11, 1000, 40001, 1);
	client_rec(&recs[1], 12, 2000, 40002, 1); /* a ghost: no child */
	client_rec(&recs[2], 13, 3000, 40003, 0);
	child_rec(&recs[3], 21, 1500, 40001);
	/* its ESTABLISHED event hidden from BPF (README): FIN_WAIT1 says it was
	 * established, a ghost without a handshake time, not a failure */
	client_rec(&recs[4], 14, 4000, 40004, 1);
	recs[4].ts[SB_TCP_ESTABLISHED] = 0;
	recs[4].partial = 1;
	rd.krecs = recs;
	rd.nkrecs = 5;
	rd.samples = samples;
	rd.nsamples = 2;
	for (int c = 0; c < SB_NCOMPONENTS; c++)
		rd.components.c[c].mode = SB_MODE_TP_BTF;
	analyse("", &rd, 4, 1, 2, 1, 1);
	/* --pid 100: client 2 (pid 200) and the untagged client 4 are left
	 * out, the child stays as a peer */
	analyse("--pid 100", &rd, 2, 1, 0, 1, 0);
	analyse("--comm wget", &rd, 1, 0, 1, 0, 0);
}

int main(void)
{
	test_opts();
	test_analysis();
	return sb_test_failures ? 1 : 0;
}
