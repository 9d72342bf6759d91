/* synbench-tls-serve: synbench's own listener terminating TLS (the one a
 * `--mode crr --tls` run starts: loadgen/server.c with tls_server.c), alone
 * in the caller's network namespace, so that another client (`openssl
 * s_time`, or synbench with --netns and --target) measures against the very
 * same server; scripts/bench-tls runs both against it in one run.
 *
 * usage: synbench-tls-serve PORT SECONDS [ecdsa-p256|rsa-2048] [1.3|1.2] [resume]
 * Listens on 0.0.0.0:PORT (backlog 4096, one accept thread per CPU, a
 * throwaway self-signed certificate for localhost made in memory), serves
 * crr exchanges of a 1-byte request and a 1-byte response (a client that
 * only does the handshake and closes is served too), prints "listening PORT"
 * once ready and "served N handshakes, M failed" when it ends: after
 * SECONDS (at most 600), or on SIGINT/SIGTERM. Exit 0, 1 when the listener
 * failed, 2 on bad arguments. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadgen/loadgen.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	return s[0] >= '1' && s[0] <= '9' && !*end && !errno && v <= max ? v : 0;
}

struct tally {
	uint64_t handshakes, failed;
};

static void count(void *ctx, const struct lg_accept *recs, size_t n)
{
	struct tally *t = ctx;

	/* from the accept threads, concurrently: a count each is enough */
	for (size_t i = 0; i < n; i++) {
		__atomic_add_fetch(&t->handshakes, !!recs[i].t_tls_done, __ATOMIC_RELAXED);
		__atomic_add_fetch(&t->failed, !!recs[i].tls_err, __ATOMIC_RELAXED);
	}
}

int main(int argc, char **argv)
{
	struct lg_tls_opts to = {.version = 13, .key = LG_TLS_KEY_ECDSA_P256};
	struct lg_server_opts so = {.backlog = 4096, .mode = LG_MODE_CRR, .req_bytes = 1,
				    .resp_bytes = 1, .policy = {LG_ACCEPT_FAST, 0}, .stop = &stop};
	struct sigaction sa = {.sa_handler = on_signal};
	struct tally tally = {0, 0};
	struct lg_server *srv = NULL;
	struct lg_tls *tls = NULL;
	unsigned long port, secs;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char err[512];
	uint64_t end;
	int e;

	if (argc < 3 || argc > 6 || !(port = num(argv[1], 65535)) || !(secs = num(argv[2], 600)))
		goto usage;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "ecdsa-p256") || !strcmp(argv[i], "rsa-2048"))
			to.key = argv[i][0] == 'r' ? LG_TLS_KEY_RSA_2048 : LG_TLS_KEY_ECDSA_P256;
		else if (!strcmp(argv[i], "1.3") || !strcmp(argv[i], "1.2"))
			to.version = argv[i][2] == '2' ? 12 : 13;
		else if (!strcmp(argv[i], "resume"))
			to.resume = 1;
		else
			goto usage;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	e = lg_tls__new(&to, 1, &tls, err, sizeof(err));
	if (e) {
		fprintf(stderr, "synbench-tls-serve: %s\n", err);
		return 1;
	}
	so.port = (uint16_t)port;
	so.threads = ncpu > 0 ? (uint32_t)ncpu : 1;
	so.tls = tls;
	so.sink = count;
	so.sink_ctx = &tally;
	e = lg_server__new(&so, &srv);
	if (!e)
		e = lg_server__start(srv);
	if (e) {
		fprintf(stderr, "synbench-tls-serve: cannot listen on port %lu (%s)\n", port,
			strerror(-e));
		lg_server__free(srv);
		lg_tls__free(tls);
		return 1;
	}
	printf("listening %lu\n", port);
	fflush(stdout);
	end = lg_now_ns() + (uint64_t)secs * 1000000000ull;
	while (!stop && lg_now_ns() < end) {
		struct timespec t = {0, 50 * 1000 * 1000};

		nanosleep(&t, NULL);
	}
	lg_server__stop(srv);
	printf("served %llu handshakes, %llu failed\n", (unsigned long long)tally.handshakes,
	       (unsigned long long)tally.failed);
	lg_server__free(srv);
	lg_tls__free(tls);
	return 0;
usage:
	fprintf(stderr, "usage: synbench-tls-serve PORT SECONDS [ecdsa-p256|rsa-2048] [1.3|1.2] "
			"[resume]\nexample: synbench-tls-serve 8443 60 ecdsa-p256\n");
	return 2;
}
