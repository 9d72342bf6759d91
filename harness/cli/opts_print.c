/* Printing the options: the key=value dump, the visitor behind it and
 * config.json, and the --help text; all from the one option table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "harness/cli/opts.h"
#include "harness/cli/opts_table.h"

/* ---- output ---- */

/* Shortest fixed-point text that reads back as the same double. */
static const char *fmt_double(double v, char *buf, size_t len)
{
	for (int prec = 0; prec <= 17; prec++) {
		snprintf(buf, len, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

static const char *name_of(const struct sb_optdef *d, long long v)
{
	for (long long i = 0; d->choices[i]; i++)
		if (i == v)
			return d->choices[i];
	return "?";
}

void sb_opts_foreach(const struct sb_opts *o, sb_opt_visit_fn fn, void *ctx)
{
	char buf[64];

	for (size_t i = 0; i < sb_run_optset.ndefs; i++) {
		const struct sb_optdef *d = &sb_run_optset.defs[i];
		const char *s;

		if (!d->name)
			continue;
		if (d->kind == SB_OPT_FLAG || d->kind == SB_OPT_COUNT || d->kind == SB_OPT_UINT) {
			snprintf(buf, sizeof(buf), "%lld", sb_optparse_load(o, d));
			fn(ctx, d->name, buf, 1);
			continue;
		}
		if (d->kind == SB_OPT_CHOICE) {
			fn(ctx, d->name, name_of(d, sb_optparse_load(o, d)), 0);
			continue;
		}
		switch (d->id) {
		case O_RATE:
			s = fmt_double(o->rate, buf, sizeof(buf));
			break;
		case O_SAMPLER:
			s = o->sampler < 0 ? "auto" : sb_comp_mode_name((enum sb_comp_mode)o->sampler);
			break;
		case O_PROBE_OFF:
			buf[0] = 0;
			for (int k = 0; k < SB_NCOMPONENTS; k++)
				if (o->probe_off & (1u << k))
					snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
						 buf[0] ? "," : "", sb_component_name(k));
			s = buf;
			break;
		case O_ACCEPT:
			s = lg_accept_policy_str(&o->accept, buf, sizeof(buf));
			break;
		case O_ACCEPT_SOCKET: {
			char p[32];

			buf[0] = 0;
			if (o->accept_socket >= 0)
				snprintf(buf, sizeof(buf), "%d=%s", o->accept_socket,
					 lg_accept_policy_str(&o->accept_socket_policy, p, sizeof(p)));
			s = buf;
			break;
		}
		case O_CLOSE_SOCKET:
			buf[0] = 0;
			if (o->close_socket >= 0)
				snprintf(buf, sizeof(buf), "%d@%u", o->close_socket, o->close_at_ms);
			s = buf;
			break;
		case O_SYNCOOKIES:
			snprintf(buf, sizeof(buf), "%d", o->syncookies);
			s = buf;
			break;
		case O_PORT_RANGE:
			s = o->port_range;
			break;
		case O_TARGET:
			s = o->target;
			break;
		case O_NETNS:
			s = o->netns;
			break;
		case O_SERVER_CMD:
			s = o->server_cmd;
			break;
		case O_DELAY:
			s = sb_netem_delay_str(&o->netem, buf, sizeof(buf));
			break;
		case O_LOSS:
			s = sb_netem_loss_str(&o->netem, buf, sizeof(buf));
			break;
		case O_SERVER_VIA:
			s = o->server_via;
			break;
		case O_SERVER_ADDR:
			s = o->server_addr ? inet_ntop(AF_INET, &o->server_addr, buf, sizeof(buf)) : "";
			break;
		case O_CLIENT_VIA: /* each on its own key: client-via, client-via.2 .. */
			for (int k = 0; k < o->nclient_via; k++) {
				char key[32];

				snprintf(key, sizeof(key), k ? "client-via.%d" : "client-via", k + 1);
				fn(ctx, key, o->client_via[k], 0);
			}
			if (!o->nclient_via)
				fn(ctx, d->name, "", 0);
			continue;
		case O_REMOTE_BIN:
			s = o->remote_bin;
			break;
		case O_OUT:
			s = o->out;
			break;
		case O_LABEL:
			s = o->label;
			break;
		case O_HTTP_PATH:
			s = o->http_path[0] ? o->http_path : "/";
			break;
		case O_TLS_CERT:
			s = o->tls_cert;
			break;
		case O_TLS_KEY:
			s = o->tls_key;
			break;
		case O_TLS_SNI:
			s = o->tls_sni;
			break;
		case O_TLS_CA:
			s = o->tls_ca;
			break;
		default:
			continue; /* --no-syncookies (in syncookies), --help, --version */
		}
		fn(ctx, d->name, s, d->id == O_RATE || d->id == O_SYNCOOKIES);
	}
}

static void print_one(void *ctx, const char *key, const char *value, int numeric)
{
	(void)numeric;
	fprintf(ctx, "%s=%s\n", key, value);
}

void sb_opts_print(const struct sb_opts *o, FILE *f)
{
	sb_opts_foreach(o, print_one, f);
}

const struct sb_optset *sb_opts_optset(void)
{
	return &sb_run_optset;
}

void sb_print_help(FILE *f)
{
	fputs("bench: open TCP connections against a listener in a private network namespace,\n"
	      "watch every handshake from the kernel (eBPF) and from user space, and report\n"
	      "where the time went and where connections were lost.\n"
	      "\n"
	      "USAGE:\n"
	      "  bench [OPTIONS]                run once, results in results/<run>/\n"
	      "  bench plot DIR                 (re)draw the plots of a result directory\n"
	      "  bench compare BASE NEW [--junit F] [--markdown F] [--json]\n"
	      "                                 the CI gate: exit 1 on a regression (gates\n"
	      "                                 latency, rate, lost events, join rate by\n"
	      "                                 default; repeats: Mann-Whitney U)\n"
	      "  bench baseline save DIR --args '...'   record a baseline in one command\n"
	      "  bench sweep [OPTIONS with comma lists, e.g. --backlog 1,5,128]\n"
	      "                                 one run per combination\n"
	      "  bench advise [OPTIONS] [--goal no-overflow|p99:5ms]\n"
	      "                                 the smallest backlog that meets the goal\n"
	      "  bench experiment NAME          a reproducible experiment from scripts/\n"
	      "  bench doctor [--json]          what this machine's kernel lets synbench do\n"
	      "  bench watch [--netns N] [--port P] [--duration S] [--connlat]\n"
	      "                                 the same kernel view of traffic you make\n"
	      "  bench SUBCOMMAND --help        each sub-command's options and examples\n"
	      "  (an installed synbench is the same program: synbench compare ...)\n"
	      "\n"
	      "OPTIONS (--opt VALUE or --opt=VALUE; numbers are plain decimal):\n",
	      f);
	sb_optparse_help(f, &sb_run_optset);
	fputs("\n"
	      "EXAMPLES:\n"
	      "  bench --conns 10000 --backlog 5\n"
	      "      10,000 connects against listen(fd, 5); see the SYN retransmit bands\n"
	      "  bench --conns 20 --backlog 3 --accept none --syncookies 0\n"
	      "      never accept: 4 connections queue (B+1), the rest retransmit SYNs\n"
	      "  bench --mode crr --close rst --conns 100000 --no-probes\n"
	      "      connect/request/response/RST at full speed, user side only\n"
	      "  bench --rate 20000 --conns 100000\n"
	      "      open loop: 20,000 new connections per second\n"
	      "  bench --server-via 'ssh -T root@srv' --server-addr 10.0.0.2 --backlog 5\n"
	      "      the listener and its probes on host srv (synbench installed there)\n"
	      "  bench --mode crr --tls --conns 10000 --backlog 128\n"
	      "      TLS 1.3 over every connection: kernel handshake, connect, TLS handshake,\n"
	      "      first and last response byte per connection (docs/tls.md)\n"
	      "\n"
	      "REQUIRES: root, or CAP_BPF+CAP_PERFMON+CAP_NET_ADMIN+CAP_SYS_ADMIN;\n"
	      "Linux >= 5.8 with BTF (/sys/kernel/btf/vmlinux). All traffic stays on\n"
	      "loopback in a private network namespace (--server-via: on the hosts'\n"
	      "own network, in their own namespaces).\n"
	      "Bad options: one line on stderr, exit 2.\n",
	      f);
}
