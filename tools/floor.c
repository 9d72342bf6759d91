/* synbench-floor: the machine's connection-rate floor, for comparison with
 * synbench's own figures (scripts/bench-speed prints both).
 *
 * The least work a connection of each shape can cost: one thread per CPU,
 * pinned, with its own io_uring and its own SO_REUSEPORT listener marked
 * SO_INCOMING_CPU, so a connection's client, server and softirq work stay on
 * one CPU. Per connection only the operations the shape needs: socket,
 * bind (the thread's next port of its own slice of the range), connect,
 * [send, recv], close on the client;
 * multishot accept, [recv, send], recv(EOF), close on the server. Nothing
 * is stamped, recorded or checked beyond the result codes.
 *
 * It runs in a private network namespace where tcp_max_tw_buckets is 0: no
 * TIME_WAIT socket is kept, so a port is free again once its connection
 * closed and no bind needs SO_REUSEADDR.
 *
 * io_uring operations: socket, multishot accept (both Linux 5.19+), connect,
 * send, recv, close; setsockopt (the socket command, 6.7+) and bind (6.11+),
 * each done as its syscall before the connect is submitted where the
 * kernel lacks it (struct lg_uring_caps; SYNBENCH_URING_NO=sockopt,bind
 * forces that, see loadgen/uring_caps.h).
 *
 * usage: synbench-floor crr|rst [CONNS] [IN_FLIGHT_PER_CPU]
 * prints: floor <shape>: <ok> conns in <s> s = <ok / s> conns/s (<cpus> CPUs, <n> failed)
 *         kernel: ActiveOpens <n> PassiveOpens <n>   (the run's namespace)
 * exit 0; 1 when a connection failed or the set-up did; 2 on bad arguments,
 * without root, or on a kernel without an io_uring operation it needs (the
 * message names it and the Linux version that has it). */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/run/netns.h"
#include "loadgen/uring_caps.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */

#define PORT 8090
#define MAX_INFLIGHT 1024
#define SECS_MAX 60 /* every run stops itself */

enum { OP_SOCKET = 1, OP_PREP, OP_CONNECT, OP_CLOSE, OP_ACCEPT, OP_SERVER, OP_IGNORE };

struct worker {
	pthread_t th;
	int cpu, crr, lfd, err;
	uint32_t caps; /* struct lg_uring_caps.have */
	uint64_t conns, inflight, started, done, failed;
	struct io_uring ring;
	struct sockaddr_in dst;
	struct sockaddr_in src[MAX_INFLIGHT]; /* bind addresses in flight */
	uint16_t port_lo, port_hi, port_next;
	char buf[64];
};

/* Room for a whole chain in the submission queue: a chain split over two
 * submissions would run unlinked. */
static void reserve(struct worker *w, unsigned int n)
{
	if (io_uring_sq_space_left(&w->ring) < n)
		io_uring_submit(&w->ring);
}

static struct io_uring_sqe *sqe_get(struct worker *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

	if (!sqe) {
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
	}
	return sqe;
}

static void queue(struct io_uring_sqe *sqe, int op, int fd, unsigned int flags)
{
	sqe->user_data = (uint64_t)(uint32_t)fd << 8 | (uint64_t)op;
	sqe->flags |= (unsigned char)flags;
}

static void start_one(struct worker *w)
{
	struct io_uring_sqe *sqe;

	if (w->started >= w->conns)
		return;
	w->started++;
	io_uring_prep_socket(sqe = sqe_get(w), AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
	queue(sqe, OP_SOCKET, 0, 0);
}

static void arm_accept(struct worker *w)
{
	struct io_uring_sqe *sqe = sqe_get(w);

	io_uring_prep_multishot_accept(sqe, w->lfd, NULL, NULL, SOCK_CLOEXEC);
	queue(sqe, OP_ACCEPT, 0, 0);
}

/* server: [recv request -> send response] -> recv(EOF) -> close */
static void serve(struct worker *w, int fd)
{
	struct io_uring_sqe *sqe;
	const unsigned int link = IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;

	reserve(w, 4);
	if (w->crr) {
		io_uring_prep_recv(sqe = sqe_get(w), fd, w->buf, 1, MSG_WAITALL);
		queue(sqe, OP_SERVER, fd, link);
		io_uring_prep_send(sqe = sqe_get(w), fd, w->buf, 1, MSG_NOSIGNAL);
		queue(sqe, OP_SERVER, fd, link);
	}
	io_uring_prep_recv(sqe = sqe_get(w), fd, w->buf + 32, 1, 0);
	queue(sqe, OP_SERVER, fd, link);
	io_uring_prep_close(sqe = sqe_get(w), fd);
	queue(sqe, OP_SERVER, fd, IOSQE_CQE_SKIP_SUCCESS);
}

/* client, connected: [send request -> recv response] -> close */
static void exchange(struct worker *w, int fd, int connected)
{
	struct io_uring_sqe *sqe;
	const unsigned int link = IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;

	reserve(w, 3);
	if (w->crr && connected) {
		io_uring_prep_send(sqe = sqe_get(w), fd, w->buf + 16, 1, MSG_NOSIGNAL);
		queue(sqe, OP_IGNORE, fd, link);
		io_uring_prep_recv(sqe = sqe_get(w), fd, w->buf + 16, 1, MSG_WAITALL);
		queue(sqe, OP_IGNORE, fd, link);
	}
	io_uring_prep_close(sqe = sqe_get(w), fd);
	queue(sqe, OP_CLOSE, fd, 0);
}

/* A new socket's set-up before its connect: [SO_LINGER {1, 0} (rst: close()
 * sends a RST)] -> bind to the thread's next port, linked before the
 * connect; each as its syscall, here, on a kernel without the io_uring
 * operation (setsockopt command 6.7, IORING_OP_BIND 6.11). 0 when a syscall
 * failed: the connection is over. */
static int prep(struct worker *w, int fd)
{
	static const struct linger rst = {1, 0};
	struct io_uring_sqe *sqe;
	/* the source port chosen here, not searched for by connect(): the
	 * thread's own slice of the port range */
	struct sockaddr_in *a = &w->src[w->port_next % MAX_INFLIGHT];

	*a = (struct sockaddr_in){.sin_family = AF_INET,
				  .sin_port = htons(w->port_next),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	w->port_next = w->port_next == w->port_hi ? w->port_lo : w->port_next + 1;
	if (!w->crr && !(w->caps & LG_URING_SOCKOPT) &&
	    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) != 0)
		goto fail;
	if (!(w->caps & LG_URING_BIND) && bind(fd, (struct sockaddr *)a, sizeof(*a)) != 0)
		goto fail;
	if (!w->crr && (w->caps & LG_URING_SOCKOPT)) {
		lg_prep_setsockopt(sqe = sqe_get(w), fd, SO_LINGER, &rst, sizeof(rst));
		queue(sqe, OP_PREP, fd, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS);
	}
	if (w->caps & LG_URING_BIND) {
		lg_prep_bind(sqe = sqe_get(w), fd, a, sizeof(*a));
		queue(sqe, OP_PREP, fd, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS);
	}
	return 1;
fail:
	close(fd);
	w->failed++;
	w->done++;
	start_one(w);
	return 0;
}

static void on_cqe(struct worker *w, const struct io_uring_cqe *cqe)
{
	int op = (int)(cqe->user_data & 0xff), fd = (int)(uint32_t)(cqe->user_data >> 8);
	int res = cqe->res;
	struct io_uring_sqe *sqe;

	switch (op) {
	case OP_SOCKET:
		if (res < 0) {
			w->failed++;
			w->done++;
			start_one(w);
			return;
		}
		reserve(w, 3);
		if (!prep(w, res))
			return;
		io_uring_prep_connect(sqe = sqe_get(w), res, (struct sockaddr *)&w->dst,
				      sizeof(w->dst));
		queue(sqe, OP_CONNECT, res, 0);
		return;
	case OP_PREP:
		/* a setsockopt or bind failed: the rest of its chain is
		 * cancelled without a completion (its requests are marked
		 * skip-on-success), so end the connection here */
		close(fd);
		w->failed++;
		w->done++;
		start_one(w);
		return;
	case OP_CONNECT:
		if (res < 0)
			w->failed++;
		exchange(w, fd, res == 0);
		return;
	case OP_CLOSE:
		w->done++;
		start_one(w);
		return;
	case OP_ACCEPT:
		if (!(cqe->flags & IORING_CQE_F_MORE))
			arm_accept(w);
		if (res >= 0)
			serve(w, res);
		return;
	case OP_SERVER:
		/* the chain's requests report only when they fail (a short
		 * receive included), and then the close after them never runs */
		close(fd);
		return;
	default: /* OP_IGNORE: the client's send or receive failed, as above */
		close(fd);
		w->failed++;
		w->done++;
		start_one(w);
		return;
	}
}

static int open_listener(int cpu)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, sizeof(cpu)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4096)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	uint64_t deadline = lg_now_ns() + SECS_MAX * 1000000000ull;
	cpu_set_t set;

	struct io_uring_params p = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN};

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	w->err = -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (w->err)
		return NULL;
	/* made here: a single-issuer ring belongs to the thread that made it */
	w->err = io_uring_queue_init_params(4096, &w->ring, &p);
	if (w->err)
		return NULL;
	arm_accept(w);
	for (uint64_t i = 0; i < w->inflight; i++)
		start_one(w);
	while (w->done < w->conns && lg_now_ns() < deadline) {
		struct __kernel_timespec ts = {.tv_sec = 1};
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;

		io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
		io_uring_for_each_cqe(&w->ring, head, cqe)
		{
			on_cqe(w, cqe);
			n++;
		}
		io_uring_cq_advance(&w->ring, n);
	}
	io_uring_queue_exit(&w->ring);
	return NULL;
}

/* Tcp: <name> of this thread's namespace from /proc/net/snmp, -1 if absent. */
static long long tcp_mib(const char *name)
{
	char names[1024], vals[1024], *sn, *sv, *n, *v;
	FILE *f = fopen("/proc/thread-self/net/snmp", "re");
	long long r = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(names, "Tcp:", 4) || strncmp(vals, "Tcp:", 4))
			continue;
		n = strtok_r(names + 4, " \n", &sn);
		v = strtok_r(vals + 4, " \n", &sv);
		for (; n && v; n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
			if (strcmp(n, name) == 0)
				r = strtoll(v, NULL, 10);
	}
	fclose(f);
	return r;
}

/* A positive decimal count no larger than max; 0 when it is not one. */
static uint64_t count_arg(const char *a, uint64_t max)
{
	char *end;
	uint64_t v;

	if (*a < '0' || *a > '9')
		return 0;
	errno = 0;
	v = strtoull(a, &end, 10);
	return errno || *end || v > max ? 0 : v;
}

int main(int argc, char **argv)
{
	uint64_t conns = 300000, inflight = 16, inode, t0, done = 0, failed = 0, slice;
	struct rlimit nofile;
	struct worker *ws;
	cpu_set_t allowed;
	struct lg_uring_caps caps;
	const char *missing;
	char why[200];
	long ncpu = 0;
	double secs;
	int crr;

	if (argc < 2 || argc > 4 || (strcmp(argv[1], "crr") && strcmp(argv[1], "rst"))) {
		fprintf(stderr, "usage: synbench-floor crr|rst [CONNS] [IN_FLIGHT_PER_CPU]\n"
				"example: synbench-floor crr 300000 16\n");
		return 2;
	}
	crr = strcmp(argv[1], "crr") == 0;
	if (lg_uring_caps_probe(&caps, why, sizeof(why)) != 0) {
		fprintf(stderr, "synbench-floor: %s\n", why);
		return 2;
	}
	/* no fallback for these: the floor is io_uring's own figure */
	missing = lg_uring_caps_missing(&caps, LG_URING_BASE | LG_URING_SOCKET |
						   LG_URING_MULTISHOT);
	if (missing) {
		fprintf(stderr, "synbench-floor: needs %s%s\n", missing,
			caps.forced ? " (or SYNBENCH_URING_NO took it away)" : "");
		return 2;
	}
	if (caps.have != (LG_URING_BASE | LG_URING_SOCKET | LG_URING_MULTISHOT |
			  LG_URING_SOCKOPT | LG_URING_BIND))
		fprintf(stderr, "synbench-floor: syscalls for what the ring cannot do: %s\n",
			lg_uring_caps_str(&caps, why, sizeof(why)));
	/* one worker per CPU this process may run on */
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return 1;
	ncpu = CPU_COUNT(&allowed);
	slice = 55536 / (uint64_t)ncpu; /* client ports per worker */
	if ((argc > 2 && !(conns = count_arg(argv[2], UINT64_MAX / 2))) ||
	    (argc > 3 && !(inflight = count_arg(argv[3], MAX_INFLIGHT)))) {
		fprintf(stderr, "synbench-floor: CONNS and IN_FLIGHT_PER_CPU (1-%d) are positive "
				"integers, e.g. synbench-floor crr 300000 16\n", MAX_INFLIGHT);
		return 2;
	}
	if (inflight * 4 > slice) {
		fprintf(stderr, "synbench-floor: %llu in flight per CPU needs %llu client ports per "
				"CPU, %ld CPUs leave %llu; use a lower IN_FLIGHT_PER_CPU\n",
			(unsigned long long)inflight, (unsigned long long)inflight * 4, ncpu,
			(unsigned long long)slice);
		return 2;
	}
	/* a client and a server socket per connection in flight, per CPU */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	if (sb_netns_enter(&inode) != 0 ||
	    sb_sysctl_write("net.ipv4.ip_local_port_range", "1024 65535") != 0 ||
	    sb_sysctl_write("net.ipv4.tcp_max_tw_buckets", "0") != 0) {
		fprintf(stderr, "synbench-floor: cannot make a network namespace (%s); run as root\n",
			strerror(errno));
		return 2;
	}
	ws = calloc((size_t)ncpu, sizeof(*ws));
	if (!ws)
		return 1;
	for (long i = 0, cpu = -1; i < ncpu; i++) {
		struct worker *w = &ws[i];

		while (!CPU_ISSET((int)++cpu, &allowed))
			;
		w->cpu = (int)cpu;
		w->crr = crr;
		w->caps = caps.have;
		w->inflight = inflight;
		w->conns = conns / (uint64_t)ncpu + ((uint64_t)i < conns % (uint64_t)ncpu);
		w->dst = (struct sockaddr_in){.sin_family = AF_INET,
					      .sin_port = htons(PORT),
					      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		/* client ports 10000-65535, split per worker; the server's is below */
		w->port_lo = (uint16_t)(10000 + (uint64_t)i * slice);
		w->port_hi = (uint16_t)(w->port_lo + slice - 1);
		w->port_next = w->port_lo;
		w->lfd = open_listener(w->cpu);
		if (w->lfd < 0) {
			fprintf(stderr, "synbench-floor: listener on CPU %d: %s\n", w->cpu,
				strerror(errno));
			return 1;
		}
	}
	t0 = lg_now_ns();
	for (long i = 0; i < ncpu; i++)
		pthread_create(&ws[i].th, NULL, run, &ws[i]);
	for (long i = 0; i < ncpu; i++) {
		pthread_join(ws[i].th, NULL);
		if (ws[i].err) {
			fprintf(stderr, "synbench-floor: worker on CPU %d (pinning or io_uring): %s\n",
				ws[i].cpu, strerror(-ws[i].err));
			return 1;
		}
		done += ws[i].done;
		failed += ws[i].failed;
	}
	secs = (double)(lg_now_ns() - t0) / 1e9;
	printf("floor %s: %llu conns in %.3f s = %.0f conns/s (%ld CPUs, %llu failed)\n", argv[1],
	       (unsigned long long)(done - failed), secs, (double)(done - failed) / secs, ncpu,
	       (unsigned long long)failed);
	/* the kernel's count of the same, in the run's own namespace */
	printf("kernel: ActiveOpens %lld PassiveOpens %lld\n", tcp_mib("ActiveOpens"),
	       tcp_mib("PassiveOpens"));
	return failed || done < conns ? 1 : 0;
}
