/* harness/cli/opts.c: every option, good and bad, the key=value dump and the
 * help text. No privileges needed. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/test.h"
#include "harness/cli/opts.h"

#define MAX_ARGS 12

struct good_case {
	const char *args[MAX_ARGS];
	const char *expect[6]; /* key=value lines that sb_opts_print must write */
};

struct bad_case {
	const char *args[MAX_ARGS];
	const char *needle; /* must appear in the error line */
};

/* Runs sb_opts_parse on {"synbench", args...}. */
static int parse(const char *const *args, struct sb_opts *o, char *err, size_t errlen)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;

	argv[argc++] = "synbench";
	for (int i = 0; i < MAX_ARGS && args[i]; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	return sb_opts_parse(argc, argv, o, err, errlen);
}

static void join(const char *const *args, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < MAX_ARGS && args[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", args[i]);
}

/* The sb_opts_print output, with a leading newline so "\nkey=value\n" finds
 * whole lines. Caller frees. */
static char *dump(const struct sb_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputc('\n', f);
	sb_opts_print(o, f);
	fclose(f);
	return buf;
}

static bool has_line(const char *text, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\n%s\n", line);
	return text && strstr(text, want);
}

static const char *const all_keys[] = {
    "conns",
    "backlog",
    "concurrency",
    "rate",
    "threads",
    "mode",
    "close",
    "close-first",
    "engine",
    "req",
    "resp",
    "connect-timeout",
    "max-time",
    "accept",
    "port",
    "dests",
    "ipv6",
    "per-cpu-listeners",
    "reuseport",
    "accept-socket",
    "close-socket",
    "paired",
    "syncookies",
    "abort-on-overflow",
    "somaxconn",
    "syn-retries",
    "synack-retries",
    "syn-linear-timeouts",
    "migrate-req",
    "max-syn-backlog",
    "port-range",
    "no-probes",
    "attach", "sampler", "probe-off",
    "sample-us",
    "trace-states",
    "no-bpf-stats",
    "target",
    "server-cmd",
    "netns",
    "http",
    "http-path",
    "tls",
    "tls-version",
    "tls-key-type",
    "tls-resume",
    "tls-cert",
    "tls-key",
    "tls-sni",
    "tls-ca",
    "topology",
    "delay",
    "loss",
    "rate-limit",
    "server-via",
    "server-addr",
    "client-via",
    "remote-bin",
    "out",
    "label",
    "force",
    "no-plot",
    "json",
    "quiet",
    "verbose",
    "record-memory",
};

#define L100                                                                                       \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaa"

static const struct good_case good[] = {
    {{"--reuseport", "2", "--accept-socket", "1=none", "--close-socket", "1@500",
      "--migrate-req", "1"},
     {"reuseport=2", "accept-socket=1=none", "close-socket=1@500", "migrate-req=1"}},
    {{"--conns", "5"}, {"conns=5", "concurrency=5"}},
    {{"--conns=100000000"}, {"conns=100000000"}},
    {{"--conns", "007"}, {"conns=7"}},
    {{"--conns", "5", "--conns", "6"}, {"conns=6"}},
    {{"--backlog", "0"}, {"backlog=0"}},
    {{"--backlog=65535"}, {"backlog=65535"}},
    {{"--concurrency", "1048576"}, {"concurrency=1048576", "rate=0"}},
    {{"--rate", "20000"}, {"rate=20000", "concurrency=10000"}},
    /* an open loop holds what can be in flight: rate x 2 x 5 s + 1024 */
    {{"--rate", "2500.5", "--conns", "5000000"}, {"rate=2500.5", "concurrency=26029"}},
    {{"--rate", ".5", "--conns", "100"}, {"rate=0.5", "concurrency=100"}},
    {{"--rate=10000000"}, {"rate=10000000"}},
    {{"--rate", "0.1"}, {"rate=0.1"}},
    {{"--rate", "33.333"}, {"rate=33.333"}},
    {{"--rate", "100", "--concurrency", "50"}, {"rate=100", "concurrency=50"}},
    {{"--concurrency", "50", "--rate", "100"}, {"rate=100", "concurrency=50"}},
    {{"--threads", "1"}, {"threads=1"}},
    {{"--threads", "1024"}, {"threads=1024"}},
    {{"--mode", "crr", "--req", "100", "--resp", "1048576"},
     {"mode=crr", "req=100", "resp=1048576"}},
    {{"--req", "7", "--mode=crr"}, {"mode=crr", "req=7", "resp=1"}},
    {{"--mode", "connect"}, {"mode=connect"}},
    {{"--close", "rst"}, {"close=rst"}},
    {{"--paired", "--mode", "crr"}, {"paired=1", "engine=uring"}},
    {{"--mode", "crr", "--close-first", "client"}, {"close-first=client", "mode=crr"}},
    {{"--close-first=server", "--mode", "crr"}, {"close-first=server"}},
    {{"--mode", "crr", "--close-first", "race"}, {"close-first=race"}},
    {{"--engine", "epoll"}, {"engine=epoll"}},
    {{"--accept", "delay:5"}, {"accept=delay:5"}},
    {{"--accept=rate:100"}, {"accept=rate:100"}},
    {{"--accept", "pause:2000"}, {"accept=pause:2000"}},
    {{"--accept", "none"}, {"accept=none"}},
    {{"--accept", "fast"}, {"accept=fast"}},
    {{"--connect-timeout", "1"}, {"connect-timeout=1"}},
    {{"--connect-timeout=600000"}, {"connect-timeout=600000"}},
    {{"--max-time", "86400"}, {"max-time=86400"}},
    {{"--port", "2023"}, {"port=2023"}},
    {{"--port", "65535"}, {"port=65535"}},
    {{"--port=1"}, {"port=1"}},
    {{"--dests", "254"}, {"dests=254"}},
    {{"--dests", "1"}, {"dests=1"}},
    {{"--ipv6"}, {"ipv6=1", "dests=16"}},
    {{"--syncookies"}, {"syncookies=1"}},
    {{"--syncookies", "0"}, {"syncookies=0"}},
    {{"--syncookies=2"}, {"syncookies=2"}},
    {{"--syncookies", "--conns", "5"}, {"syncookies=1", "conns=5"}},
    {{"--syncookies", "-v"}, {"syncookies=1", "verbose=1"}},
    {{"--syncookies", "2", "--syncookies", "0"}, {"syncookies=0"}},
    {{"--no-syncookies"}, {"syncookies=0"}},
    {{"--no-syncookies", "--syncookies", "0"}, {"syncookies=0"}},
    {{"--abort-on-overflow"}, {"abort-on-overflow=1", "syncookies=-1"}},
    {{"--somaxconn", "0"}, {"somaxconn=0"}},
    {{"--somaxconn", "2147483647"}, {"somaxconn=2147483647"}},
    {{"--syn-retries", "127"}, {"syn-retries=127"}},
    {{"--syn-retries=1"}, {"syn-retries=1"}},
    {{"--synack-retries", "0"}, {"synack-retries=0"}},
    {{"--synack-retries", "255"}, {"synack-retries=255"}},
    {{"--syn-linear-timeouts", "0"}, {"syn-linear-timeouts=0"}},
    {{"--syn-linear-timeouts", "255"}, {"syn-linear-timeouts=255"}},
    {{"--max-syn-backlog", "2147483647"}, {"max-syn-backlog=2147483647"}},
    {{"--port-range", "1024-65535"}, {"port-range=1024-65535"}},
    {{"--port-range=0100-0200"}, {"port-range=100-200"}},
    {{"--port-range", "5000-5000"}, {"port-range=5000-5000"}},
    {{"--no-probes"}, {"no-probes=1", "attach=auto"}},
    {{"--target", "127.0.0.2:8080"}, {"target=127.0.0.2:8080", "port=8080", "dests=1"}},
    {{"--target", "10.1.2.3:80", "--netns", "web", "--mode", "crr", "--http"},
     {"target=10.1.2.3:80", "netns=web", "http=1", "port=80"}},
    {{"--target=127.0.0.1:80", "--server-cmd", "nginx -c /tmp/n.conf"},
     {"server-cmd=nginx -c /tmp/n.conf"}},
    {{"--attach", "tracepoint"}, {"attach=tracepoint"}},
    {{"--topology", "veth"}, {"topology=veth", "delay=", "loss=", "rate-limit=0"}},
    {{"--server-via", "ssh -T root@srv", "--server-addr", "198.18.0.1"},
     {"server-via=ssh -T root@srv", "server-addr=198.18.0.1", "client-via=", "remote-bin=synbench"}},
    {{"--server-via", "a", "--server-addr", "198.18.0.1", "--client-via", "b", "--client-via", "c",
      "--remote-bin", "/opt/sb"},
     {"client-via=b", "client-via.2=c", "remote-bin=/opt/sb"}},
    {{"--server-via", "a", "--target", "198.18.0.7:80"}, {"server-addr=198.18.0.7", "port=80"}},
    {{"--topology=veth", "--delay", "20", "--loss", "0.5", "--rate-limit", "100"},
     {"topology=veth", "delay=20", "loss=0.5", "rate-limit=100"}},
    {{"--topology", "veth", "--delay", "20.5,2"}, {"delay=20.5,2"}},
    {{"--topology", "veth", "--delay", "5,5", "--loss", "100"}, {"delay=5,5", "loss=100"}},
    {{"--topology", "veth", "--target", "198.18.0.1:8080"},
     {"target=198.18.0.1:8080", "port=8080", "topology=veth"}},
    {{"--topology", "lo"}, {"topology=lo"}},
    {{"--attach=tp_btf", "--sample-us", "100", "--trace-states"},
     {"attach=tp_btf", "sample-us=100", "trace-states=1"}},
    {{"--attach", "raw_tp", "--sample-us=10000000"}, {"attach=raw_tp", "sample-us=10000000"}},
    {{"--out", "/tmp/x y"}, {"out=/tmp/x y"}},
    {{"--out", "-dash"}, {"out=-dash"}},
    {{"--out=results/a=b"}, {"out=results/a=b"}},
    {{"--label", "run_1.a-B"}, {"label=run_1.a-B"}},
    {{"--label", "-x"}, {"label=-x"}},
    {{"--label", L100}, {"label=" L100}},
    {{"--force", "--no-plot", "--json", "--quiet"},
     {"force=1", "no-plot=1", "json=1", "quiet=1", "verbose=0"}},
    {{"-v", "--verbose"}, {"verbose=2"}},
    {{"--mode", "crr", "--tls"}, {"tls=1", "tls-version=1.3", "tls-key-type=ecdsa-p256",
				  "tls-resume=0"}},
    /* --tls: 64 in flight per thread by default, a burst only when asked */
    {{"--mode", "crr", "--tls", "--threads", "3"}, {"concurrency=192"}},
    {{"--mode", "crr", "--tls", "--threads", "3", "--conns", "100"}, {"concurrency=100"}},
    {{"--mode", "crr", "--tls", "--concurrency", "5000"}, {"concurrency=5000"}},
    {{"--mode", "crr", "--tls", "--tls-version", "1.2", "--tls-key-type", "rsa-2048",
      "--tls-resume", "--tls-sni", "a-b.example"},
     {"tls-version=1.2", "tls-key-type=rsa-2048", "tls-resume=1", "tls-sni=a-b.example"}},
    {{"--target", "127.0.0.1:8443", "--mode", "crr", "--tls", "--http", "--http-path",
      "/a/b?c=d"},
     {"http=1", "http-path=/a/b?c=d", "tls=1"}},
};

static const struct bad_case bad[] = {
    {{"--close-socket", "1@500"}, "add --reuseport 2"},
    {{"--reuseport", "1", "--accept-socket", "0=none", "--close-socket", "0@5"},
     "add --reuseport 2"},
    {{"--reuseport", "2", "--close-socket", "2@5"}, "is not a socket of --reuseport 2"},
    {{"--reuseport", "2", "--close-socket", "1@5"}, "add --accept-socket 1=none"},
    {{"--reuseport", "2", "--accept-socket", "1=none", "--close-socket", "1@"},
     "--close-socket must be K@MS"},
    {{"--reuseport", "2", "--accept-socket", "1=none", "--close-socket", "1@86400001"},
     "--close-socket must be K@MS"},
    {{"--migrate-req", "2"}, "--migrate-req must be"},
    {{"--conns", "0"}, "--conns must be a whole number"},
    {{"--conns", "-5"}, "--conns"},
    {{"--conns", "10x"}, "--conns"},
    {{"--conns", "10k"}, "--conns"},
    {{"--conns", "1e4"}, "--conns"},
    {{"--conns", "0x10"}, "--conns"},
    {{"--conns", "+5"}, "--conns"},
    {{"--conns", " 5"}, "--conns"},
    {{"--conns", "5 "}, "--conns"},
    {{"--conns", "18446744073709551616"}, "--conns"},
    {{"--conns", "99999999999999999999999999"}, "--conns"},
    {{"--conns", "100000001"}, "--conns"},
    {{"--conns="}, "--conns"},
    {{"--conns"}, "--conns needs a value"},
    {{"--conns", "--backlog", "5"}, "--conns needs a value"},
    {{"--conns", "-h"}, "--conns needs a value"},
    {{"--backlog", "65536"}, "--backlog"},
    {{"--backlog", "-1"}, "--backlog"},
    {{"--concurrency", "0"}, "--concurrency"},
    {{"--concurrency", "1048577"}, "--concurrency"},
    {{"--rate", "0"}, "--rate"},
    {{"--rate", "0.0"}, "--rate"},
    {{"--rate", "-1"}, "--rate"},
    {{"--rate", "abc"}, "--rate"},
    {{"--rate", "1e5"}, "--rate"},
    {{"--rate", "inf"}, "--rate"},
    {{"--rate", "nan"}, "--rate"},
    {{"--rate", "."}, "--rate"},
    {{"--rate", "1.2.3"}, "--rate"},
    {{"--rate", "10000000.5"}, "--rate"},
    {{"--rate="}, "--rate"},
    {{"--threads", "0"}, "--threads"},
    {{"--threads", "1025"}, "--threads"},
    {{"--mode", "tcp"}, "--mode must be one of connect|crr"},
    {{"--mode", "CRR"}, "--mode"},
    {{"--close", "reset"}, "--close"},
    {{"--paired", "--engine", "epoll"}, "--paired needs --engine uring"},
    {{"--paired", "--accept", "none"}, "--paired needs"},
    {{"--mode", "crr", "--close-first", "both"}, "--close-first must be one of"},
    {{"--close-first", "client"}, "--close-first only applies to --mode crr"},
    {{"--close-first", "server", "--mode", "connect"}, "--close-first only applies"},
    {{"--engine", "poll"}, "--engine"},
    {{"--mode", "crr", "--req", "0"}, "--req"},
    {{"--mode", "crr", "--resp", "1048577"}, "--resp"},
    {{"--req", "10"}, "--req only applies to --mode crr"},
    {{"--resp", "10", "--mode", "connect"}, "--resp only applies to --mode crr"},
    {{"--accept", "slow"}, "--accept"},
    {{"--accept", "rate:0"}, "--accept"},
    {{"--accept", "delay:"}, "--accept"},
    {{"--accept", "delay:-1"}, "--accept"},
    {{"--connect-timeout", "0"}, "--connect-timeout"},
    {{"--connect-timeout", "600001"}, "--connect-timeout"},
    {{"--max-time", "0"}, "--max-time"},
    {{"--max-time", "86401"}, "--max-time"},
    {{"--port", "0"}, "--port"},
    {{"--port", "65536"}, "--port"},
    {{"--port", "0"}, "--port"},
    {{"--target", "127.0.0.1"}, "--target must be HOST:PORT"},
    {{"--target", "127.0.0.1:0"}, "--target port"},
    {{"--target", "10.1.2.3:80"}, "not a loopback address"},
    {{"--target", "localhost:80"}, "IPv4 address"},
    {{"--target", "127.0.0.1:80", "--backlog", "5"}, "--backlog is about our listener"},
    {{"--target", "127.0.0.1:80", "--accept", "none"}, "--accept is about our listener"},
    {{"--target", "127.0.0.1:80", "--http"}, "--http needs --mode crr"},
    {{"--http"}, "--http needs --target"},
    {{"--delay", "20"}, "--delay needs --topology veth"},
    {{"--topology", "lo", "--loss", "1"}, "--loss needs --topology veth"},
    {{"--rate-limit", "10"}, "--rate-limit needs --topology veth"},
    {{"--topology", "veth", "--rate-limit", "0"}, "--rate-limit must be"},
    {{"--topology", "wire"}, "--topology must be one of lo|veth"},
    {{"--topology", "veth", "--delay", "0"}, "--delay must be"},
    {{"--topology", "veth", "--delay", "-1"}, "--delay must be"},
    {{"--topology", "veth", "--delay", "20,21"}, "--delay must be"},
    {{"--topology", "veth", "--delay", "20,"}, "--delay must be"},
    {{"--topology", "veth", "--delay", "1e3"}, "--delay must be"},
    {{"--topology", "veth", "--delay", "60001"}, "--delay must be"},
    {{"--topology", "veth", "--loss", "0"}, "--loss must be"},
    {{"--topology", "veth", "--loss", "100.1"}, "--loss must be"},
    {{"--topology", "veth", "--ipv6"}, "--ipv6 does not apply to --topology veth"},
    {{"--topology", "veth", "--dests", "2"}, "--dests does not apply"},
    {{"--topology", "veth", "--target", "127.0.0.1:80"}, "198.18.0.1"},
    {{"--topology", "veth", "--target", "127.0.0.1:80", "--netns", "web"}, "--netns does not apply"},
    {{"--netns", "web"}, "--netns needs --target"},
    {{"--server-cmd", "nginx"}, "--server-cmd needs --target"},
    {{"--target", "127.0.0.1:80", "--netns", "a/b"}, "--netns needs a namespace name"},
    {{"--dests", "0"}, "--dests"},
    {{"--dests", "255"}, "--dests"},
    {{"--ipv6", "--dests", "4"}, "--dests"},
    {{"--syncookies", "3"}, "--syncookies must be 0, 1 or 2"},
    {{"--syncookies="}, "--syncookies"},
    {{"--syncookies=-1"}, "--syncookies"},
    {{"--syncookies", "-1"}, "--syncookies"},
    {{"--syncookies", "yes"}, "--syncookies"},
    {{"--no-syncookies", "--syncookies", "1"}, "--no-syncookies conflicts with --syncookies 1"},
    {{"--syncookies=2", "--no-syncookies"}, "--no-syncookies"},
    {{"--no-syncookies", "--syncookies"}, "--no-syncookies"},
    {{"--no-syncookies=1"}, "--no-syncookies takes no value"},
    {{"--somaxconn", "-1"}, "--somaxconn"},
    {{"--somaxconn", "2147483648"}, "--somaxconn"},
    {{"--syn-retries", "0"}, "--syn-retries"},
    {{"--syn-retries", "128"}, "--syn-retries"},
    {{"--synack-retries", "256"}, "--synack-retries"},
    {{"--syn-linear-timeouts", "256"}, "--syn-linear-timeouts"},
    {{"--max-syn-backlog", "2147483648"}, "--max-syn-backlog"},
    {{"--port-range", "100"}, "--port-range"},
    {{"--port-range", "2000-1000"}, "--port-range"},
    {{"--port-range", "0-100"}, "--port-range"},
    {{"--port-range", "1-65536"}, "--port-range"},
    {{"--port-range", "1000-"}, "--port-range"},
    {{"--port-range", "-5"}, "--port-range"},
    {{"--port-range", "1-2-3"}, "--port-range"},
    {{"--port-range", "00000000000000001-2"}, "--port-range"},
    {{"--attach", "kprobe"}, "--attach"},
    {{"--sample-us", "99"}, "--sample-us"},
    {{"--sample-us", "10000001"}, "--sample-us"},
    {{"--no-probes", "--attach", "raw_tp"}, "--attach has no effect with --no-probes"},
    {{"--trace-states", "--no-probes"}, "--trace-states"},
    {{"--no-probes", "--sample-us", "1000"}, "--sample-us"},
    {{"--out="}, "--out"},
    {{"--out"}, "--out needs a value"},
    {{"--label", "a b"}, "--label"},
    {{"--label", "x/y"}, "--label"},
    {{"--label", ".."
		 "/etc"},
     "--label"},
    {{"--label", L100 "a"}, "--label"},
    {{"--label="}, "--label"},
    {{"--ipv6=1"}, "--ipv6 takes no value"},
    {{"--client-via", "x"}, "--client-via needs --server-via CMD"},
    {{"--server-addr", "198.18.0.1"}, "--server-addr needs --server-via CMD"},
    {{"--server-via", "x"}, "--server-via needs --server-addr"},
    {{"--server-via", "x", "--server-addr", "198.18.0.300"}, "--server-addr needs the server host's IPv4"},
    {{"--server-via", "x", "--server-addr", "198.18.0.1", "--topology", "veth"}, "drop --topology veth"},
    {{"--server-via", "x", "--server-addr", "198.18.0.1", "--paired"}, "--paired does not work across hosts"},
    {{"--server-via", ""}, "--server-via needs a command"},
    {{"--help=yes"}, "--help"},
    {{"--foo"}, "unknown option '--foo'; see synbench --help"},
    {{"--conn", "5"}, "did you mean --conns?"},
    {{"--backlg", "5"}, "did you mean --backlog?"},
    {{"--no-syncookie"}, "did you mean --no-syncookies?"},
    {{"-conns", "5"}, "did you mean --conns?"},
    {{"--CONNS", "5"}, "unknown option '--CONNS'"},
    {{"-x"}, "unknown option '-x'"},
    {{"-vv"}, "unknown option '-vv'"},
    {{"stray"}, "unexpected argument 'stray'"},
    {{"--conns", "5", "extra"}, "unexpected argument 'extra'"},
    {{"--"}, "unexpected argument '--'"},
    {{"-"}, "unexpected argument '-'"},
    {{""}, "unexpected argument ''"},
    {{"--tls"}, "--tls needs --mode crr"},
    {{"--mode", "crr", "--tls-version", "1.2"}, "--tls-version needs --tls"},
    {{"--mode", "crr", "--tls-resume"}, "--tls-resume needs --tls"},
    {{"--mode", "crr", "--tls", "--tls-version", "1.1"}, "--tls-version must be one of"},
    {{"--mode", "crr", "--tls", "--tls-key-type", "ed25519"}, "--tls-key-type must be one of"},
    {{"--mode", "crr", "--tls", "--tls-cert", "/etc/hostname"}, "--tls-cert and --tls-key go"},
    {{"--mode", "crr", "--tls", "--tls-cert", "/nonexistent.pem", "--tls-key", "/etc/hostname"},
     "--tls-cert: cannot read '/nonexistent.pem'"},
    {{"--mode", "crr", "--tls", "--tls-cert", "/etc/hostname", "--tls-key", "/etc/hostname",
      "--tls-key-type", "rsa-2048"},
     "drop --tls-key-type"},
    {{"--target", "127.0.0.1:8443", "--mode", "crr", "--tls", "--tls-key-type", "rsa-2048"},
     "--tls-key-type is about our listener"},
    {{"--mode", "crr", "--tls", "--tls-sni", "bad name"}, "--tls-sni needs a DNS name"},
    {{"--mode", "crr", "--tls", "--tls-sni", "127.0.0.1:443"}, "--tls-sni needs a DNS name"},
    {{"--mode", "crr", "--tls", "--paired"}, "--paired"},
    {{"--mode", "crr", "--tls", "--server-via", "ssh x", "--server-addr", "198.18.0.1"},
     "--tls does not run across hosts yet"},
    {{"--target", "127.0.0.1:80", "--mode", "crr", "--http-path", "/x"}, "--http-path needs --http"},
    {{"--target", "127.0.0.1:80", "--mode", "crr", "--http", "--http-path", "x"},
     "--http-path must start with /"},
    {{"--target", "127.0.0.1:80", "--mode", "crr", "--http", "--http-path", "/a b"},
     "--http-path must start with /"},
};

static void test_good(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct sb_opts o;
		char err[256], cmd[256], name[640];
		int rc = parse(good[i].args, &o, err, sizeof(err));
		char *text;

		join(good[i].args, cmd, sizeof(cmd));
		snprintf(name, sizeof(name), "good '%s' (%s)", cmd, err);
		if (!ASSERT_EQ(rc, 0, name))
			continue;
		text = dump(&o);
		for (int k = 0; k < 6 && good[i].expect[k]; k++) {
			snprintf(name, sizeof(name), "'%s' -> %s", cmd, good[i].expect[k]);
			ASSERT_TRUE(has_line(text, good[i].expect[k]), name);
		}
		free(text);
	}
}

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sb_opts o, before;
		char err[512], cmd[256], name[1024];
		int rc;

		memset(&o, 0x5a, sizeof(o));
		before = o;
		join(bad[i].args, cmd, sizeof(cmd));
		rc = parse(bad[i].args, &o, err, sizeof(err));
		snprintf(name, sizeof(name), "bad '%s' rejected", cmd);
		ASSERT_EQ(rc, -EINVAL, name);
		snprintf(name, sizeof(name), "'%s': error '%s' names '%s'", cmd, err,
			 bad[i].needle);
		/* the message alone: main prefixes the program's name */
		ASSERT_TRUE(strncmp(err, "synbench", 8) != 0 && strstr(err, bad[i].needle),
			    name);
		snprintf(name, sizeof(name), "'%s': one line with a fix after ';'", cmd);
		ASSERT_TRUE(!strchr(err, '\n') && strstr(err, "; "), name);
		snprintf(name, sizeof(name), "'%s': opts untouched on error", cmd);
		ASSERT_EQ(memcmp(&o, &before, sizeof(o)), 0, name);
	}
}

static void test_exact_fields(void)
{
	const char *args[] = {"--conns",  "100000",  "--rate",	     "2500.25",
			      "--accept", "delay:7", "--mode",	     "crr",
			      "--req",	  "3",	     "--port-range", "2000-3000"};
	char *argv[14] = {"synbench"};
	struct sb_opts o;
	char err[256];

	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		argv[i + 1] = (char *)args[i];
	ASSERT_OK(sb_opts_parse(13, argv, &o, err, sizeof(err)), "parse a full line");
	ASSERT_EQ(o.conns, 100000, "conns");
	ASSERT_TRUE(o.rate == 2500.25, "rate exact");
	ASSERT_EQ(o.concurrency, 26026, "open loop: concurrency = rate x 2 x timeout + 1024");
	ASSERT_EQ(o.accept.kind, LG_ACCEPT_DELAY, "accept kind");
	ASSERT_EQ(o.accept.value, 7, "accept value");
	ASSERT_EQ(o.mode, LG_MODE_CRR, "mode");
	ASSERT_EQ(o.req_bytes, 3, "req");
	ASSERT_EQ(o.resp_bytes, 1, "resp default");
	ASSERT_STREQ(o.port_range, "2000-3000", "port_range");

	/* the three spellings of --syncookies, straight from the struct */
	ASSERT_OK(parse((const char *[]){"--syncookies", NULL}, &o, err, sizeof(err)), "bare");
	ASSERT_EQ(o.syncookies, 1, "bare --syncookies = 1");
	ASSERT_OK(parse((const char *[]){"--syncookies", "0", NULL}, &o, err, sizeof(err)), "0");
	ASSERT_EQ(o.syncookies, 0, "--syncookies 0");
	ASSERT_OK(parse((const char *[]){"--syncookies=2", NULL}, &o, err, sizeof(err)), "=2");
	ASSERT_EQ(o.syncookies, 2, "--syncookies=2");
	ASSERT_OK(parse((const char *[]){NULL}, &o, err, sizeof(err)), "none");
	ASSERT_EQ(o.syncookies, -1, "no --syncookies: namespace default");

	/* every port is free inside the run's private namespace: 2024 too */
	ASSERT_OK(parse((const char *[]){"--port", "2024", NULL}, &o, err, sizeof(err)),
		  "port 2024 accepted");
	ASSERT_EQ(o.port, 2024, "port 2024");

	/* the example from the brief, word for word up to the range */
	ASSERT_EQ(parse((const char *[]){"--conns", "0", NULL}, &o, err, sizeof(err)), -EINVAL,
		  "conns 0");
	ASSERT_STREQ(err,
		     "--conns must be a whole number from 1 to 100000000 (got '0'); "
		     "try --conns 10000",
		     "conns 0 message");

	/* a tiny error buffer is truncated, never overrun; NULL is fine */
	ASSERT_EQ(parse((const char *[]){"--foo", NULL}, &o, err, 12), -EINVAL, "small err buffer");
	ASSERT_STREQ(err, "unknown opt", "truncated error");
	ASSERT_EQ(parse((const char *[]){"--foo", NULL}, &o, NULL, 0), -EINVAL, "NULL err buffer");
}

static void test_help_version(void)
{
	static const struct {
		const char *args[4];
		int rc;
	} cases[] = {
	    {{"-h"}, SB_OPTS_HELP},
	    {{"--help"}, SB_OPTS_HELP},
	    {{"--conns", "5", "--help"}, SB_OPTS_HELP},
	    {{"-V"}, SB_OPTS_VERSION},
	    {{"--version"}, SB_OPTS_VERSION},
	    {{"--version", "--help"}, SB_OPTS_VERSION},
	    {{"--conns", "0", "--help"}, -EINVAL},
	};
	struct sb_opts o;
	char err[256];

	ASSERT_NE(SB_OPTS_HELP, SB_OPTS_VERSION, "distinct codes");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmd[128];

		join(cases[i].args, cmd, sizeof(cmd));
		ASSERT_EQ(parse(cases[i].args, &o, err, sizeof(err)), cases[i].rc, cmd);
	}
}

static void test_defaults(void)
{
	struct sb_opts d, p;
	char err[256], expect[4096];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = ncpu < 1 ? 1 : ncpu > 1024 ? 1024 : (unsigned)ncpu;
	char *text;
	int lines = 0;

	sb_opts_defaults(&d);
	ASSERT_EQ(d.conns, 10000, "default conns");
	ASSERT_EQ(d.backlog, 128, "default backlog");
	ASSERT_EQ(d.concurrency, 10000, "default concurrency: min(conns, 10000)");
	ASSERT_TRUE(d.rate == 0, "default rate: closed loop");
	ASSERT_EQ(d.threads, threads, "default threads = online CPUs");
	ASSERT_EQ(d.mode, LG_MODE_CONNECT, "default mode");
	ASSERT_EQ(d.close, LG_CLOSE_FIN, "default close");
	ASSERT_EQ(d.close_first, LG_CLOSE_FIRST_RACE, "default close-first");
	ASSERT_EQ(d.engine, LG_ENGINE_URING, "default engine");
	ASSERT_EQ(d.accept.kind, LG_ACCEPT_FAST, "default accept");
	ASSERT_EQ(d.port, SB_DEFAULT_PORT, "default port");
	ASSERT_EQ(d.syncookies, -1, "default syncookies");
	ASSERT_EQ(d.attach, SB_ATTACH_AUTO, "default attach");
	ASSERT_STREQ(d.port_range, "", "default port_range");
	ASSERT_OK(parse((const char *[]){NULL}, &p, err, sizeof(err)), "parse nothing");
	/* the command line as typed is kept (it travels to other hosts) */
	ASSERT_TRUE(p.argv != NULL, "argv kept");
	p.argc = 0;
	p.argv = NULL;
	ASSERT_EQ(memcmp(&d, &p, sizeof(d)), 0, "no options = defaults");
	ASSERT_OK(sb_opts_parse(0, (char *[]){NULL}, &p, err, sizeof(err)), "argc 0");

	snprintf(expect, sizeof(expect),
		 "\nconns=10000\nbacklog=128\nconcurrency=10000\nrate=0\nthreads=%u\n"
		 "mode=connect\nclose=fin\nclose-first=race\nengine=uring\nreq=1\nresp=1\n"
		 "connect-timeout=5000\n"
		 "max-time=120\naccept=fast\nport=5201\ndests=16\nipv6=0\nper-cpu-listeners=0\nreuseport=0\naccept-socket=\nclose-socket=\npaired=0\n"
		 "syncookies=-1\n"
		 "abort-on-overflow=-1\nsomaxconn=-1\nsyn-retries=-1\nsynack-retries=-1\n"
		 "syn-linear-timeouts=-1\nmigrate-req=-1\nmax-syn-backlog=-1\nport-range=\nno-probes=0\n"
		 "attach=auto\nsampler=auto\nprobe-off=\nsample-us=5000\ntrace-states=0\nno-bpf-stats=0\ntarget=\nserver-cmd=\nnetns=\nhttp=0\nhttp-path=/\n"
		 "tls=0\ntls-version=1.3\ntls-key-type=ecdsa-p256\ntls-resume=0\ntls-cert=\ntls-key=\n"
		 "tls-sni=\ntls-ca=\ntopology=lo\ndelay=\nloss=\nrate-limit=0\n"
		 "server-via=\nserver-addr=\nclient-via=\nremote-bin=synbench\nout=\nlabel=\nforce=0\n"
		 "no-plot=0\njson=0\nquiet=0\nverbose=0\nrecord-memory=64\n",
		 threads);
	text = dump(&d);
	ASSERT_STREQ(text, expect, "default dump, exact");
	for (const char *s = text ? text + 1 : ""; *s; s++)
		lines += *s == '\n';
	ASSERT_EQ(lines, sizeof(all_keys) / sizeof(all_keys[0]), "one line per key");
	for (size_t i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		char key[64];

		snprintf(key, sizeof(key), "\n%s=", all_keys[i]);
		ASSERT_TRUE(text && strstr(text, key), all_keys[i]);
	}
	free(text);
}

static void test_help_text(void)
{
	static const char *const must[] = {
	    "bench [OPTIONS]",
	    "bench plot DIR",
	    "bench compare BASE NEW [--junit F] [--markdown F] [--json]",
	    "bench baseline save DIR",
	    "bench doctor",
	    "bench sweep",
	    "bench experiment NAME",
	    "EXAMPLES",
	    "bench --conns 10000 --backlog 5",
	    "bench --conns 20 --backlog 3 --accept none --syncookies 0",
	    "bench --mode crr --close rst --conns 100000 --no-probes",
	    "bench --rate 20000 --conns 100000",
	    "CAP_BPF+CAP_PERFMON+CAP_NET_ADMIN+CAP_SYS_ADMIN",
	    "Linux >= 5.8",
	    "BTF",
	    "(default 10000)",
	    "(default 5201)",
	    "connections to open, 1..100000000",
	    "server port (the run's own namespace: any port",
	    "-v, --verbose",
	    "-h, --help",
	    "-V, --version",
	    "--no-syncookies",
	    "--syncookies [0|1|2]",
	};
	char *buf = NULL, *line;
	size_t len = 0, longest = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!ASSERT_OK_PTR(f, "memstream"))
		return;
	sb_print_help(f);
	fclose(f);
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		ASSERT_TRUE(strstr(buf, must[i]), must[i]);
	for (size_t i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		char opt[64];

		snprintf(opt, sizeof(opt), "--%s ", all_keys[i]);
		if (!strstr(buf, opt)) /* flags end the column with spaces too */
			snprintf(opt, sizeof(opt), "--%s", all_keys[i]);
		ASSERT_TRUE(strstr(buf, opt), opt);
	}
	ASSERT_TRUE(!strstr(buf, "synbench ["), "help names the command 'bench'");
	line = buf;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		longest = n > longest ? n : longest;
		line = nl ? nl + 1 : NULL;
	}
	ASSERT_LE(longest, 80, "help lines fit 80 columns");
	free(buf);
}

int main(void)
{
	test_defaults();
	test_good();
	test_bad();
	test_exact_fields();
	test_help_version();
	test_help_text();
	return sb_test_result();
}
