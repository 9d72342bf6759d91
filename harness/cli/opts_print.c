/* Printing the options: the key=value dump, the visitor behind it and
 * config.json, and the --help text; all from the one option table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] ? names[v] : "?";
}

void sb_opts_foreach(const struct sb_opts *o, sb_opt_visit_fn fn, void *ctx)
{
	char buf[64];

	for (size_t i = 0; i < sb_opt_table_len; i++) {
		const struct opt_def *d = &sb_opt_table[i];
		const char *s;

		if (!d->name)
			continue;
		if (d->kind != K_NONE) {
			snprintf(buf, sizeof(buf), "%lld", sb_opt_fld_load(o, d));
			fn(ctx, d->name, buf, 1);
			continue;
		}
		switch (d->id) {
		case O_RATE:
			s = fmt_double(o->rate, buf, sizeof(buf));
			break;
		case O_MODE:
			s = name_of(sb_opt_mode_names, ARRAY_LEN(sb_opt_mode_names), o->mode);
			break;
		case O_CLOSE:
			s = name_of(sb_opt_close_names, ARRAY_LEN(sb_opt_close_names), o->close);
			break;
		case O_CLOSE_FIRST:
			s = name_of(sb_opt_close_first_names, ARRAY_LEN(sb_opt_close_first_names),
				    o->close_first);
			break;
		case O_ENGINE:
			s = name_of(sb_opt_engine_names, ARRAY_LEN(sb_opt_engine_names), o->engine);
			break;
		case O_ATTACH:
			s = name_of(sb_opt_attach_names, ARRAY_LEN(sb_opt_attach_names), o->attach);
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
		case O_TOPOLOGY:
			s = name_of(sb_opt_topology_names, ARRAY_LEN(sb_opt_topology_names),
				    (unsigned)o->topology);
			break;
		case O_DELAY:
			s = sb_netem_delay_str(&o->netem, buf, sizeof(buf));
			break;
		case O_LOSS:
			s = sb_netem_loss_str(&o->netem, buf, sizeof(buf));
			break;
		case O_OUT:
			s = o->out;
			break;
		case O_LABEL:
			s = o->label;
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

#define HELP_COL   32
#define HELP_WIDTH 80

/* Writes text from column col on, wrapped at HELP_WIDTH under HELP_COL;
 * returns the column reached. sep: where text may break. */
static int help_wrap(FILE *f, const char *text, int col, const char *sep)
{
	while (*text) {
		size_t word = strcspn(text, sep);

		if (col > HELP_COL && col + 1 + (int)word > HELP_WIDTH) {
			fprintf(f, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		} else if (col > HELP_COL) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, word, f);
		col += (int)word;
		text += word;
		text += strspn(text, " ");
	}
	return col;
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
	      "  bench experiment NAME          a reproducible experiment from scripts/\n"
	      "  bench doctor [--json]          what this machine's kernel lets synbench do\n"
	      "  bench watch [--netns N] [--port P] [--duration S] [--connlat]\n"
	      "                                 the same kernel view of traffic you make\n"
	      "  bench SUBCOMMAND --help        each sub-command's options and examples\n"
	      "  (an installed synbench is the same program: synbench compare ...)\n"
	      "\n"
	      "OPTIONS (--opt VALUE or --opt=VALUE; numbers are plain decimal):\n",
	      f);
	for (size_t i = 0; i < sb_opt_table_len; i++) {
		const struct opt_def *d = &sb_opt_table[i];
		char left[64], dflt[128], text[192];
		int col;

		if (!d->name) {
			fprintf(f, " %s\n", d->help);
			continue;
		}
		snprintf(left, sizeof(left), "%c%c%s--%s%s%s", d->short_name ? '-' : ' ',
			 d->short_name ? d->short_name : ' ', d->short_name ? ", " : "  ", d->name,
			 d->metavar ? " " : "", d->metavar ? d->metavar : "");
		col = fprintf(f, "  %-*s", HELP_COL - 2, left);
		if (col > HELP_COL) {
			fprintf(f, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		}
		if (d->kind != K_NONE && d->arg == ARG_REQ) /* the range, from the table */
			snprintf(text, sizeof(text), "%s, %llu..%llu", d->help,
				 (unsigned long long)d->lo, (unsigned long long)d->hi);
		else
			snprintf(text, sizeof(text), "%s", d->help);
		col = help_wrap(f, text, col, " ");
		if (d->dflt) {
			/* "(default X)" stays on one line */
			snprintf(dflt, sizeof(dflt), "(default %s)", d->dflt);
			help_wrap(f, dflt, col, "");
		}
		fputc('\n', f);
	}
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
	      "\n"
	      "REQUIRES: root, or CAP_BPF+CAP_PERFMON+CAP_NET_ADMIN+CAP_SYS_ADMIN;\n"
	      "Linux >= 5.8 with BTF (/sys/kernel/btf/vmlinux). All traffic stays on\n"
	      "loopback in a private network namespace.\n"
	      "Bad options: one line on stderr, exit 2.\n",
	      f);
}
