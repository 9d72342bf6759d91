/* lgperf: connection-rate measurement of the load generator alone.
 * Enters a private netns, runs listener + client, prints conns/s.
 * Not part of the build; compile by hand:
 *   gcc -O2 -D_GNU_SOURCE -I. tools/lgperf.c loadgen/[a-z]*.c \
 *       harness/run/netns.c -luring -lpthread -lm -o /tmp/lgperf
 * EXAMPLES
 *   lgperf --mode crr --conns 1000000 --conc 64 --threads 2 --sthreads 2
 *   lgperf --mode connect --close rst --conns 1000000 --conc 64 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness/run/netns.h"
#include "loadgen/loadgen.h"

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct lg_client_opts co = {.conns = 200000,
				    .concurrency = 64,
				    .threads = 2,
				    .mode = LG_MODE_CRR,
				    .req_bytes = 1,
				    .resp_bytes = 1,
				    .connect_timeout_ms = 2000,
				    .port = 8080,
				    .ndest = 8};
	struct lg_server_opts so = {
	    .port = 8080, .backlog = 4096, .threads = 2, .policy = {LG_ACCEPT_FAST, 0}};
	static const struct option lo[] = {
	    {"conns", 1, 0, 'n'},    {"conc", 1, 0, 'c'},   {"threads", 1, 0, 't'},
	    {"sthreads", 1, 0, 's'}, {"mode", 1, 0, 'm'},   {"close", 1, 0, 'C'},
	    {"engine", 1, 0, 'e'},   {"rate", 1, 0, 'r'},   {"ndest", 1, 0, 'd'},
	    {"no-pin", 0, 0, 'P'},   {"secs", 1, 0, 'S'},   {"accept", 1, 0, 'a'},
	    {"ipv6", 0, 0, '6'},     {"percpu", 0, 0, 'L'}, {"paired", 0, 0, 'p'},
	    {0, 0, 0, 0},
	};
	struct lg_client *c = NULL;
	struct lg_server *s = NULL;
	struct lg_client_stats st;
	uint64_t ino, out[6] = {0}, n;
	const struct lg_conn *cs;
	double secs = 30, cpu0, el;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'n':
			co.conns = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			co.concurrency = (uint32_t)atoi(optarg);
			break;
		case 't':
			co.threads = (uint32_t)atoi(optarg);
			break;
		case 's':
			so.threads = (uint32_t)atoi(optarg);
			break;
		case 'm':
			co.mode = strcmp(optarg, "crr") == 0 ? LG_MODE_CRR : LG_MODE_CONNECT;
			break;
		case 'C':
			co.close = strcmp(optarg, "rst") == 0 ? LG_CLOSE_RST : LG_CLOSE_FIN;
			break;
		case 'e':
			co.engine =
			    strcmp(optarg, "epoll") == 0 ? LG_ENGINE_EPOLL : LG_ENGINE_URING;
			break;
		case 'r':
			co.rate = atof(optarg);
			break;
		case 'd':
			co.ndest = (uint32_t)atoi(optarg);
			break;
		case 'P':
			co.no_affinity = so.no_affinity = 1;
			break;
		case 'S':
			secs = atof(optarg);
			break;
		case 'a':
			if (lg_accept_policy_parse(optarg, &so.policy)) {
				fprintf(stderr, "lgperf: bad --accept %s\n", optarg);
				return 2;
			}
			break;
		case '6':
			co.ipv6 = so.ipv6 = 1;
			break;
		case 'L':
			so.per_cpu_listeners = 1;
			break;
		case 'p':
			so.paired = 1;
			break;
		default:
			return 2;
		}
	}
	err = sb_netns_enter(&ino);
	if (err) {
		fprintf(stderr, "lgperf: netns: %s\n", strerror(-err));
		return 1;
	}
	sb_sysctl_write("net.ipv4.ip_local_port_range", "1024 65535");
	so.mode = co.mode;
	so.req_bytes = co.req_bytes;
	so.resp_bytes = co.resp_bytes;
	co.deadline_ns = lg_now_ns() + (uint64_t)(secs * 1e9);
	if ((err = lg_server__new(&so, &s)) || (err = lg_server__start(s)) ||
	    (so.paired && (co.paired = s, 0)) || (err = lg_client__new(&co, &c))) {
		fprintf(stderr, "lgperf: setup: %s\n", strerror(-err));
		return 1;
	}
	cpu0 = cpu_s();
	if ((err = lg_client__start(c)) || (err = lg_client__wait(c)))
		fprintf(stderr, "lgperf: run: %s\n", strerror(-err));
	lg_client__stats(c, &st);
	el = (double)(st.t_end - st.t_start) / 1e9;
	cs = lg_client__conns(c, &n);
	for (uint64_t i = 0; i < n; i++)
		out[cs[i].outcome < 6 ? cs[i].outcome : 5]++;
	printf(
	    "mode=%s close=%s engine=%s threads=%u sthreads=%u conc=%u ndest=%u pin=%d percpu=%d\n",
	    co.mode ? "crr" : "connect", co.close ? "rst" : "fin", co.engine ? "epoll" : "uring",
	    co.threads, so.threads, co.concurrency, co.ndest, !co.no_affinity,
	    so.per_cpu_listeners);
	printf("done=%llu ok=%llu timeout=%llu refused=%llu reset=%llu error=%llu none=%llu "
	       "port_retries=%llu\n",
	       (unsigned long long)st.done, (unsigned long long)out[1], (unsigned long long)out[2],
	       (unsigned long long)out[3], (unsigned long long)out[4], (unsigned long long)out[5],
	       (unsigned long long)out[0], (unsigned long long)st.port_retries);
	printf("elapsed=%.3f s rate=%.0f conns/s cpu=%.1f us/conn\n", el, (double)st.done / el,
	       (cpu_s() - cpu0) * 1e6 / (double)(st.done ? st.done : 1));
	lg_server__stop(s);
	{
		uint64_t na = 0, open_at_end = 0;
		const struct lg_accept *as = lg_server__accepts(s, &na);

		for (uint64_t i = 0; i < na; i++)
			open_at_end += as[i].t_closed == 0;
		printf("server accepted=%llu, never closed by the server=%llu\n",
		       (unsigned long long)lg_server__accepted(s), (unsigned long long)open_at_end);
	}
	if (getenv("LGPERF_NSTAT"))
		if (system("nstat -az | grep -E "
			   "'Retrans|Overflow|Drop|Timeout|Opens|TW|Fail|Reset|Backlog' | grep -v "
			   "' 0 '") < 0)
			perror("nstat");
	lg_client__free(c);
	lg_server__free(s);
	return 0;
}
