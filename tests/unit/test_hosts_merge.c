/* A run across machines, merged and joined: two client hosts and a server
 * host whose cookies collide (cookies are per host) and whose clocks are
 * far apart. The merge tags cookies by host, sums the client side, keeps
 * the server's listener view and drop reasons by name; the join pairs each
 * client with its server child by 4-tuple + ISN alone and never by time. */
#include "tests/test.h"
#include "tests/test_analyze.h"
#include "harness/analysis/analyze.h"
#include "harness/run/hosts.h"

#define A_CLI1 0x020112c6u /* 198.18.1.2, network order */
#define A_CLI2 0x020212c6u /* 198.18.2.2 */
#define A_SRV 0x010012c6u  /* 198.18.0.1 */

static struct sb_opts opts;

static void client_host(struct sb_host *h, const char *name, uint32_t saddr, uint32_t isn,
			uint64_t clock)
{
	struct sb_rundata *rd = &h->rd;
	struct sb_conn_rec *k = calloc(1, sizeof(*k));
	struct lg_conn *c = calloc(1, sizeof(*c));
	struct sb_mib *m = calloc(2, sizeof(*m));

	snprintf(h->name, sizeof(h->name), "%s", name);
	h->role = SB_HOST_CLIENT;
	rd->opts = &opts;
	/* the same cookie and local port on both client hosts */
	c->cookie = 7;
	c->t_sched = c->t_submit = clock + 100;
	c->t_connected = clock + 300;
	c->lport = 40000;
	c->rport = 5201;
	c->raddr = A_SRV;
	c->outcome = LG_OUT_OK;
	rd->conns = rd->conns_buf = c;
	rd->nconns = 1;
	k->cookie = 7;
	k->role = SB_ROLE_CLIENT;
	k->family = 2;
	k->sport = 40000;
	k->dport = 5201;
	k->saddr[0] = saddr;
	k->daddr[0] = A_SRV;
	k->ts[SB_TCP_SYN_SENT] = clock + 110;
	k->ts[SB_TCP_ESTABLISHED] = clock + 290;
	k->has_isn = 1;
	k->isn = isn;
	rd->krecs = k;
	rd->nkrecs = 1;
	rd->client.started = 1;
	rd->counters[SB_C_SYN_RETRANS] = 2;
	rd->counters[SB_C_DROPS] = 3;
	snprintf(m[0].table, sizeof(m[0].table), "Tcp");
	snprintf(m[0].name, sizeof(m[0].name), "ActiveOpens");
	m[0].before = 10;
	m[0].after = 11;
	snprintf(m[1].table, sizeof(m[1].table), "TcpExt");
	snprintf(m[1].name, sizeof(m[1].name), "TCPSynRetrans");
	m[1].after = 2;
	rd->mib = m;
	rd->nmib = 2;
	/* this host's kernel numbers the drop reason 5 */
	rd->drop_names[5] = strdup("NO_SOCKET");
	rd->drops[5] = 3;
}

static void server_host(struct sb_host *h)
{
	struct sb_rundata *rd = &h->rd;
	struct sb_conn_rec *k = calloc(2, sizeof(*k));
	struct lg_accept *a = calloc(2, sizeof(*a));
	struct sb_listen_sample *s = calloc(1, sizeof(*s));
	const uint32_t peer[2] = {A_CLI1, A_CLI2}, isn[2] = {1000, 5000};
	const uint64_t clock = 5000000000000ull; /* far from the clients' */

	snprintf(h->name, sizeof(h->name), "server");
	h->role = SB_HOST_SERVER;
	rd->opts = &opts;
	for (int i = 0; i < 2; i++) {
		k[i].cookie = 7 + 2 * (uint64_t)i; /* 7 collides with the clients' */
		k[i].role = SB_ROLE_CHILD;
		k[i].family = 2;
		k[i].sport = 5201;
		k[i].dport = 40000;
		k[i].saddr[0] = A_SRV;
		k[i].daddr[0] = peer[i];
		k[i].ts[SB_TCP_SYN_RECV] = clock + 10 * (uint64_t)i;
		k[i].ts[SB_TCP_ESTABLISHED] = clock + 10 * (uint64_t)i + 1;
		k[i].has_isn = 1;
		k[i].isn = isn[i];
		a[i].cookie = k[i].cookie;
		a[i].t_accept = clock + 100;
		a[i].peer_port = 40000;
		a[i].peer_addr = peer[i];
	}
	rd->krecs = k;
	rd->nkrecs = 2;
	rd->accepts = a;
	rd->naccepts = 2;
	s->max_ack_backlog = 5;
	rd->samples = s;
	rd->nsamples = 1;
	rd->effective_backlog = 5;
	rd->counters[SB_C_DROPS] = 4;
	/* another numbering: NO_SOCKET is 9 here */
	rd->drop_names[9] = strdup("NO_SOCKET");
	rd->drops[9] = 4;
}

int main(void)
{
	struct sb_host *hosts = calloc(3, sizeof(*hosts));
	struct sb_rundata rd;
	struct sb_join *j = NULL;
	struct sb_result *res = NULL;
	size_t slot = SB_MAX_DROP_REASONS;

	if (!ASSERT_OK_PTR(hosts, "alloc"))
		return 1;
	sb_opts_defaults(&opts);
	opts.conns = 2;
	client_host(&hosts[0], "client0", A_CLI1, 1000, 1000000);
	client_host(&hosts[1], "client1", A_CLI2, 5000, 900000000000ull);
	server_host(&hosts[2]);
	if (!ASSERT_OK(sb_hosts_merge(&opts, hosts, 3, &rd), "merge"))
		return 1;
	ASSERT_TRUE(rd.cross_host, "cross_host set");
	ASSERT_EQ(rd.nconns, 2, "both hosts' connections");
	ASSERT_EQ(rd.nkrecs, 4, "every host's records");
	ASSERT_EQ(rd.naccepts, 2, "the server's accepts");
	ASSERT_EQ(rd.conns[0].cookie, 7, "this host's cookie untouched");
	ASSERT_EQ(rd.conns[1].cookie, 7 | (1ull << SB_HOST_COOKIE_SHIFT), "host 1's cookie tagged");
	ASSERT_EQ(rd.accepts[0].cookie, 7 | (2ull << SB_HOST_COOKIE_SHIFT), "server's cookie tagged");
	ASSERT_EQ(rd.effective_backlog, 5, "the server's backlog");
	ASSERT_EQ(rd.nsamples, 1, "the server's samples");
	ASSERT_EQ(rd.counters[SB_C_SYN_RETRANS], 4, "SYN retransmits summed");
	ASSERT_EQ(rd.counters[SB_C_NS2_SYN_RETRANS], 4, "the client side's share");
	ASSERT_EQ(rd.counters[SB_C_NS2_DROPS], 6, "client drops");
	ASSERT_EQ(rd.counters[SB_C_DROPS], 10, "all drops");
	ASSERT_EQ(rd.nclient_mib, 2, "client MIB by name");
	ASSERT_EQ(rd.client_mib[0].after - rd.client_mib[0].before, 2, "ActiveOpens summed");
	for (size_t v = 0; v < SB_MAX_DROP_REASONS; v++)
		if (rd.drop_names[v] && strcmp(rd.drop_names[v], "NO_SOCKET") == 0)
			slot = v;
	ASSERT_LT(slot, SB_MAX_DROP_REASONS, "NO_SOCKET kept once");
	if (slot < SB_MAX_DROP_REASONS)
		ASSERT_EQ(rd.drops[slot], 10, "NO_SOCKET summed by name across numberings");
	if (ASSERT_OK(test_analyze(&rd, &j, &res), "join")) {
		ASSERT_EQ(j->counts.joined, 2, "each client with its own record (cookies tagged)");
		ASSERT_EQ(j->counts.children_by_isn, 2, "both children by 4-tuple + ISN");
		ASSERT_EQ(j->counts.kchildren_unmatched, 0, "no child left");
		ASSERT_EQ(j->counts.accepts_unmatched, 0, "no accept left");
		ASSERT_EQ(j->counts.outcomes[SB_OUT_ACCEPTED], 2, "both accepted");
		ASSERT_EQ(j->rows[0].kchild ? j->rows[0].kchild->daddr[0] : 0, A_CLI1,
			  "client0's child is its own");
		ASSERT_EQ(j->rows[1].kchild ? j->rows[1].kchild->daddr[0] : 0, A_CLI2,
			  "client1's child is its own");
		ASSERT_EQ(j->rows[1].lat[SB_LAT_ACCEPT_WAIT], 89, "accept wait within the server's clock");
		ASSERT_EQ(j->rows[1].lat[SB_LAT_KERNEL_HANDSHAKE], 180, "handshake within client1's");
		ASSERT_EQ(res->rec.two_sides, 1, "two sides: clients and the server");
	}
	test_analyze_free(&j, &res);
	sb_rundata_free(&rd);
	return sb_test_result();
}
