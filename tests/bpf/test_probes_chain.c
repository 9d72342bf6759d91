/* The chain end to end, for every attach plan: load the real skeleton, open
 * loopback connections in a fresh namespace, and find each of them in the
 * kernel's records with the user's SO_COOKIE, its SYN_SENT stamp between the
 * user's clock readings around connect() (docs/kernel-facts.md, facts 12, 13). */
#include <stdlib.h>

#include "tests/test.h"
#include "tests/bpf/tcp_util.h"
#include "tests/bpf/probe_util.h"

#define NMAX 1000
#define PORT 5301

struct conn {
	uint64_t cookie, before, after;
};

static const struct sb_conn_rec *find(const struct sb_rundata *rd, uint64_t cookie, int role)
{
	for (size_t i = 0; i < rd->nkrecs; i++)
		if (rd->krecs[i].cookie == cookie && rd->krecs[i].role == role)
			return &rd->krecs[i];
	return NULL;
}

static void run_plan(enum sb_attach plan, const char *name, int N)
{
	struct sb_probes_opts po = { .conns = (uint64_t)N, .attach = plan };
	struct sb_rundata rd = { 0 };
	struct sb_probes *p = NULL;
	static struct conn c[NMAX];
	static uint64_t child_cookie[NMAX];
	char label[128];
	int lfd, ok_found = 0, in_window = 0, children = 0;

	fprintf(stderr, "plan %s, %d connections\n", name, N);
	p = probe_test_start(&po, NULL);
	if (!p)
		return;
	ASSERT_STREQ(sb_probes__plan(p), name, "plan in use");
	lfd = tu_listen(PORT, 1024);
	for (int i = 0; i < N; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), afd;
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		c[i].cookie = tu_cookie(fd); /* before connect, as the load generator does */
		c[i].before = lg_now_ns();
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
			fprintf(stderr, "connect: %d\n", errno);
		c[i].after = lg_now_ns();
		afd = accept(lfd, NULL, NULL);
		child_cookie[i] = tu_cookie(afd);
		close(fd);
		close(afd);
	}
	close(lfd);
	usleep(50 * 1000);
	sb_probes__stop(p);
	ASSERT_OK(sb_probes__collect(p, &rd), "collect");
	ASSERT_EQ(rd.counters[SB_C_CLIENTS], N, "CLOSE->SYN_SENT transitions");
	ASSERT_EQ(rd.counters[SB_C_CHILDREN], N, "LISTEN->SYN_RECV transitions");
	ASSERT_EQ(rd.counters[SB_C_RB_FAIL] + rd.counters[SB_C_MAP_FULL], 0, "nothing lost");
	for (int i = 0; i < N; i++) {
		const struct sb_conn_rec *r = find(&rd, c[i].cookie, SB_ROLE_CLIENT);

		if (!r)
			continue;
		ok_found++;
		if (r->ts[SB_TCP_SYN_SENT] >= c[i].before && r->ts[SB_TCP_SYN_SENT] <= c[i].after &&
		    r->ts[SB_TCP_ESTABLISHED] >= r->ts[SB_TCP_SYN_SENT] && r->dport == PORT &&
		    r->sport != 0 && r->ts[SB_TCP_CLOSE] != 0)
			in_window++;
		else if (!in_window)
			fprintf(stderr, "first miss: syn_sent %llu window [%llu,%llu] est %llu dport %u sport %u close %llu\n",
				(unsigned long long)r->ts[SB_TCP_SYN_SENT], (unsigned long long)c[i].before,
				(unsigned long long)c[i].after, (unsigned long long)r->ts[SB_TCP_ESTABLISHED],
				r->dport, r->sport, (unsigned long long)r->ts[SB_TCP_CLOSE]);
		if (find(&rd, child_cookie[i], SB_ROLE_CHILD))
			children++;
	}
	snprintf(label, sizeof(label), "%s: user cookies found in kernel client records", name);
	ASSERT_EQ(ok_found, N, label);
	ASSERT_EQ(in_window, N, "kernel SYN_SENT stamp inside the user's connect() window");
	ASSERT_EQ(children, N, "accepted children found by cookie");
	{
		uint64_t hs = 0;

		for (unsigned b = 0; b < SB_HIST_BUCKETS; b++)
			hs += rd.hists[SB_H_HANDSHAKE * SB_HIST_BUCKETS + b];
		ASSERT_EQ(hs, N, "handshake histogram count");
	}
	{
		/* every record carries the socket's smoothed RTT at CLOSE: the
		 * handshake gave both ends an RTT sample, so all 2N have one */
		uint64_t with_rtt = 0, rtt_hist = 0;

		for (size_t k = 0; k < rd.nkrecs; k++)
			with_rtt += rd.krecs[k].srtt_us > 0;
		for (unsigned b = 0; b < SB_HIST_BUCKETS; b++)
			rtt_hist += rd.hists[SB_H_SRTT * SB_HIST_BUCKETS + b];
		ASSERT_EQ(with_rtt, 2 * N, "records with an RTT estimate (client and child)");
		ASSERT_EQ(rd.counters[SB_C_RTT_SAMPLES], with_rtt, "rtt_samples counter");
		ASSERT_EQ(rtt_hist, with_rtt, "srtt histogram count");
	}
	sb_rundata_free_kernel(&rd);
	sb_probes__free(p);
}

int main(void)
{
	int rc = sb_test_need_root();

	if (rc)
		return rc;
	run_plan(SB_ATTACH_TP_BTF, "tp_btf", 1000);
	run_plan(SB_ATTACH_RAW_TP, "raw_tp", 200);
	run_plan(SB_ATTACH_TRACEPOINT, "tracepoint", 200);
	return sb_test_result();
}
