/* The io_uring capability probe and its fallbacks. The probe agrees with the
 * running kernel's version (IORING_OP_SOCKET and multishot accept 5.19, the
 * socket setsockopt/getsockopt command 6.7, IORING_OP_BIND 6.11). With each
 * fallback forced by SYNBENCH_URING_NO (the plain syscall before the rest of
 * the chain, or poll + accept4 on the server), 1000 crr connections and 1000
 * connect + rst connections all complete, each in a fresh namespace, with
 * the same exact counts as without: every record OK with a cookie and its
 * destination, every client port accepted once, the namespace's ActiveOpens
 * equal to the connections made and its PassiveOpens to the accepts. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "harness/run/mib.h"
#include "harness/run/netns.h"
#include "loadgen/loadgen.h"
#include "loadgen/uring_caps.h"
#include "tests/bpf/netns_util.h"
#include "tests/test.h"

#define CONNS 1000

static int64_t mib(const char *table, const char *name)
{
	struct sb_mib_snap *m = NULL;
	int64_t v = -1;

	if (sb_mib_snap__read(&m) == 0 && sb_mib_snap__get(m, table, name, &v) != 0)
		v = -1;
	sb_mib_snap__free(m);
	return v;
}

/* The running kernel's version as major * 100 + minor (6.18 -> 618). */
static int kernel_version(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return 0;
	return maj * 100 + min;
}

static void probe_matches_kernel(void)
{
	struct lg_uring_caps c;
	int v = kernel_version();
	char msg[160] = "";

	fprintf(stderr, "kernel %d.%d\n", v / 100, v % 100);
	unsetenv("SYNBENCH_URING_NO");
	ASSERT_OK(lg_uring_caps_probe(&c, NULL, 0), "probe");
	ASSERT_EQ(!!(c.have & LG_URING_BASE), v >= 519, "base ops iff 5.19+");
	ASSERT_EQ(!!(c.have & LG_URING_SOCKET), v >= 519, "IORING_OP_SOCKET iff 5.19+");
	ASSERT_EQ(!!(c.have & LG_URING_MULTISHOT), v >= 519, "multishot accept iff 5.19+");
	/* 6.11 to 6.13 may read a linked socket command's SQE late (fixed by
	 * d6211ebbdaa5 in 6.14, backported to some stable kernels): then the
	 * commands are left out; never outside those versions */
	fprintf(stderr, "linked socket commands read their SQE %s\n",
		c.sockopt_stale_sqe ? "late (left out)" : "at submit");
	ASSERT_TRUE(!c.sockopt_stale_sqe || (v >= 611 && v < 614),
		    "stale SQE reads only on 6.11 to 6.13");
	ASSERT_EQ(!!(c.have & LG_URING_SOCKOPT), v >= 607 && !c.sockopt_stale_sqe,
		  "socket setsockopt command iff 6.7+ (and SQEs read at submit)");
	ASSERT_EQ(!!(c.have & LG_URING_BIND), v >= 611, "IORING_OP_BIND iff 6.11+");
	ASSERT_EQ(c.forced, 0, "nothing forced");
	if (v < 611)
		ASSERT_STREQ(lg_uring_caps_missing(&c, LG_URING_BIND),
			     "IORING_OP_BIND (Linux 6.11+)", "missing bind named with its version");
	else
		ASSERT_TRUE(lg_uring_caps_missing(&c, LG_URING_BIND) == NULL, "bind not missing");

	setenv("SYNBENCH_URING_NO", "bind,sockopt", 1);
	ASSERT_OK(lg_uring_caps_probe(&c, NULL, 0), "probe, bind and sockopt forced off");
	ASSERT_STREQ(lg_uring_caps_missing(&c, LG_URING_SOCKET | LG_URING_SOCKOPT),
		     v < 519		    ? "IORING_OP_SOCKET (Linux 5.19+)"
		     : c.sockopt_stale_sqe ? "io_uring socket commands that read a linked request's "
					     "SQE when submitted (this kernel reads it late; fixed "
					     "in Linux 6.14)"
					   : "IORING_OP_URING_CMD SOCKET_URING_OP_SETSOCKOPT/"
					     "GETSOCKOPT (Linux 6.7+)",
		     "the first missing op named");
	ASSERT_EQ(c.have & (LG_URING_BIND | LG_URING_SOCKOPT), 0, "forced off");
	ASSERT_EQ(!!(c.have & LG_URING_SOCKET), v >= 519, "socket untouched");
	ASSERT_EQ(c.forced,
		  (v >= 611 ? LG_URING_BIND : 0) |
		      (v >= 607 && !c.sockopt_stale_sqe ? LG_URING_SOCKOPT : 0),
		  "forced = what the kernel has of them");
	setenv("SYNBENCH_URING_NO", "bind,connect", 1);
	ASSERT_EQ(lg_uring_caps_probe(&c, msg, sizeof(msg)), -EINVAL, "unknown op refused");
	ASSERT_OK(strncmp(msg, "SYNBENCH_URING_NO: unknown io_uring operation 'connect'", 55),
		  "message names it");
	unsetenv("SYNBENCH_URING_NO");
}

static void run(const char *no, enum lg_mode mode, enum lg_close close, uint16_t port)
{
	volatile sig_atomic_t stop = 0;
	struct lg_server_opts so = {.port = port,
				    .backlog = 128,
				    .mode = mode,
				    .req_bytes = 100,
				    .resp_bytes = 3000,
				    .policy = {LG_ACCEPT_FAST, 0},
				    .threads = 2,
				    .stop = &stop};
	struct lg_client_opts co = {.conns = CONNS,
				    .concurrency = 32,
				    .threads = 2,
				    .mode = mode,
				    .close = close,
				    .engine = LG_ENGINE_URING,
				    .req_bytes = 100,
				    .resp_bytes = 3000,
				    .connect_timeout_ms = 3000,
				    .port = port,
				    .ndest = 4,
				    .stop = &stop};
	uint8_t *seen = calloc(65536, 1);
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	struct lg_uring_caps want;
	const struct lg_accept *acc;
	const struct lg_conn *cs;
	struct lg_client_stats st;
	uint64_t n, na, bad = 0, missing = 0, ok = 0, ino;
	int64_t active0, passive0, embryonic0, passive, embryonic;
	char buf[160];

	fprintf(stderr, "SYNBENCH_URING_NO=%s mode=%s close=%s\n", no, mode ? "crr" : "connect",
		close ? "rst" : "fin");
	if (!ASSERT_OK(sb_netns_enter(&ino), "fresh namespace") ||
	    !ASSERT_OK(sb_sysctl_write("net.ipv4.ip_local_port_range", "1024 65535"), "ports"))
		goto out;
	setenv("SYNBENCH_URING_NO", no, 1);
	ASSERT_OK(lg_uring_caps_probe(&want, NULL, 0), "probe");
	active0 = mib("Tcp", "ActiveOpens");
	passive0 = mib("Tcp", "PassiveOpens");
	embryonic0 = mib("TcpExt", "EmbryonicRsts");
	if (!ASSERT_OK(lg_server__new(&so, &s), "server new") ||
	    !ASSERT_OK(lg_server__start(s), "server start"))
		goto out;
	co.deadline_ns = lg_now_ns() + 30ull * 1000000000ull;
	if (!ASSERT_OK(lg_client__new(&co, &c), "client new"))
		goto out;
	fprintf(stderr, "  client: %s\n", lg_uring_caps_str(lg_client__uring_caps(c), buf,
							     sizeof(buf)));
	ASSERT_EQ(lg_client__uring_caps(c)->have, want.have, "client took the forced caps");
	ASSERT_EQ(lg_server__uring_caps(s)->have, want.have, "server took the forced caps");
	ASSERT_OK(lg_client__start(c), "client start");
	ASSERT_OK(lg_client__wait(c), "client wait");
	lg_client__stats(c, &st);
	ASSERT_EQ(st.ok, CONNS, "stats ok");
	/* the server accepts what the kernel queued: wait for it (up to 10 s,
	 * an emulated CPU is slow) rather than for a fixed time */
	for (int i = 0; i < 1000 && (int64_t)lg_server__accepted(s) +
						 mib("TcpExt", "EmbryonicRsts") - embryonic0 <
					     CONNS; i++)
		usleep(10000);
	usleep(50000);
	lg_server__stop(s);
	/* every connect sent its SYN; the server accepted a child for each,
	 * but in connect + rst a client's RST can overtake its handshake's ACK
	 * and reset the request socket instead (EmbryonicRsts). Taken on two
	 * CPUs at once, both count: the ACK's child is made (PassiveOpens) and
	 * dropped, the RST having unlinked the request socket first
	 * (docs/kernel-facts.md, fact 43) */
	passive = mib("Tcp", "PassiveOpens") - passive0;
	embryonic = mib("TcpExt", "EmbryonicRsts") - embryonic0;
	fprintf(stderr, "  PassiveOpens %" PRId64 ", EmbryonicRsts %" PRId64
			", children made and dropped %" PRId64 "\n",
		passive, embryonic, passive - (int64_t)lg_server__accepted(s));
	ASSERT_EQ(mib("Tcp", "ActiveOpens") - active0, CONNS, "kernel ActiveOpens = connections");
	ASSERT_EQ((int64_t)lg_server__accepted(s) + embryonic, CONNS,
		  "server accepted + kernel EmbryonicRsts = connections");
	if (mode == LG_MODE_CRR)
		ASSERT_EQ(passive, CONNS, "crr: kernel PassiveOpens = connections");
	ASSERT_TRUE(passive >= (int64_t)lg_server__accepted(s) &&
			    passive - (int64_t)lg_server__accepted(s) <= embryonic,
		    "children made and dropped (PassiveOpens - accepted) each lost to an "
		    "EmbryonicRst");
	acc = lg_server__accepts(s, &na);
	for (uint64_t i = 0; i < na; i++) {
		bad += acc[i].cookie == 0 || acc[i].peer_port == 0;
		seen[acc[i].peer_port]++;
	}
	ASSERT_EQ(bad, 0, "server records have cookie and peer");
	cs = lg_client__conns(c, &n);
	for (uint64_t i = 0; i < n; i++) {
		const struct lg_conn *r = &cs[i];
		uint32_t a = ntohl(r->raddr);

		ok += r->outcome == LG_OUT_OK && r->err == 0;
		bad += r->cookie == 0 || a < 0x7f000001 || a > 0x7f000004 || r->rport != port;
		missing += seen[r->lport] > 1 || (mode == LG_MODE_CRR && seen[r->lport] != 1);
	}
	ASSERT_EQ(ok, CONNS, "client records OK");
	ASSERT_EQ(bad, 0, "client records have cookie and destination");
	ASSERT_EQ(missing, 0, "every client port accepted once");
out:
	unsetenv("SYNBENCH_URING_NO");
	lg_client__free(c);
	lg_server__free(s);
	free(seen);
}

int main(void)
{
	static const char *const no[] = {"", "bind", "sockopt", "socket", "multishot", "all"};
	int rc = nu_enter_fresh_netns();
	uint16_t port = 8101;

	if (rc)
		return rc;
	probe_matches_kernel();
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		run(no[i], LG_MODE_CRR, LG_CLOSE_FIN, port++);
		run(no[i], LG_MODE_CONNECT, LG_CLOSE_RST, port++);
	}
	return sb_test_result();
}
