/* bench watch: attach the run's probes to an existing namespace, watch
 * until --duration, --max-conns or a signal, then collect and write the
 * result directory. Every step that can fail on bad input fails before
 * anything is written. */
#include "harness/commands/watch.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/commands/finish.h"
#include "harness/analysis/kfold.h"
#include "harness/run/netns.h"
#include "harness/run/observe.h"
#include "harness/output/outdir.h"
#include "harness/run/probes.h"
#include "harness/run/signals.h"
#include "harness/run/target.h"
#include "harness/cli/msg.h"
#include "loadgen/loadgen.h" /* lg_now_ns: the one clock */


int sb_watch_listen_ports(struct sb_watch_info *w)
{
	static const char *const files[] = { "/proc/thread-self/net/tcp",
					     "/proc/thread-self/net/tcp6" };

	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "re");
		char line[512];

		if (!f) {
			if (i == 1 && errno == ENOENT)
				continue; /* no IPv6 */
			return -errno;
		}
		while (fgets(line, sizeof(line), f)) {
			unsigned int port, st, k;
			char *c = strchr(line, ':');

			/* "  0: 0100007F:1F40 00000000:0000 0A ..." */
			if (!c || !(c = strchr(c + 1, ':')) || sscanf(c + 1, "%x %*s %x", &port, &st) != 2 ||
			    st != 0x0A)
				continue;
			for (k = 0; k < w->ns_nlisten_ports && k < 64; k++)
				if (w->ns_listen_ports[k] == port)
					break;
			if (k < w->ns_nlisten_ports)
				continue;
			if (w->ns_nlisten_ports < 64)
				w->ns_listen_ports[w->ns_nlisten_ports] = (uint16_t)port;
			w->ns_nlisten_ports++;
		}
		fclose(f);
	}
	return 0;
}

static void progress(const struct sb_watch_live *l, uint64_t t0, int final)
{
	double s = (double)(lg_now_ns() - t0) / 1e9;

	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\r\033[Kwatch: %.0f s  sockets %llu  handshakes %llu  events %llu",
		s, (unsigned long long)sb_watch_live__sockets(l),
		(unsigned long long)sb_watch_live__handshakes(l),
		(unsigned long long)sb_watch_live__events(l));
}

/* Until --duration, --max-conns or a signal. Returns 1 if a signal
 * stopped a bounded watch early. */
static int wait_until_done(const struct sb_watch_opts *o, const struct sb_watch_live *l,
			   struct sb_probes *p, uint64_t t0)
{
	/* sk_storage_iter samples the listeners it has registered: look for
	 * new ones once a second (the other modes find them every pass) */
	int rescan = sb_probes__components(p)->c[SB_COMP_LISTENER_SAMPLER].mode ==
		     SB_MODE_SK_STORAGE_ITER;
	uint64_t scanned = t0;
	int tty = !o->quiet && !o->json && !o->connlat && !o->trace_states &&
		  isatty(STDERR_FILENO);
	uint64_t end = o->duration_s > 0 ? t0 + (uint64_t)(o->duration_s * 1e9) : UINT64_MAX;
	uint64_t last = t0;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	int shown = 0;

	while (!sb_stop_requested && lg_now_ns() < end && sb_watch_live__sockets(l) < o->max_conns) {
		nanosleep(&tick, NULL);
		if (rescan && lg_now_ns() - scanned >= 1000000000ull) {
			scanned = lg_now_ns();
			sb_probes__find_listeners(p);
		}
		if (tty && lg_now_ns() - last >= 1000000000ull) {
			last = lg_now_ns();
			progress(l, t0, 0);
			shown = 1;
		}
	}
	if (shown)
		progress(l, t0, 1);
	/* Ctrl-C is how an unbounded watch ends: not an interruption */
	return sb_stop_requested && o->duration_s > 0;
}

static int enter_netns(const struct sb_watch_opts *o, uint64_t *ino, char *err, size_t len)
{
	int e = 0;

	if (o->netns[0]) {
		e = sb_netns_join(o->netns);
		if (e) {
			snprintf(err, len,
				 "watch: cannot enter network namespace '%s' (%s); check "
				 "'ip netns list'",
				 o->netns, strerror(-e));
			return e;
		}
	}
	*ino = sb_netns_inode();
	if (!*ino) {
		snprintf(err, len, "watch: cannot read the network namespace's inode");
		return -ENOENT;
	}
	return 0;
}

int sb_watch_main(int argc, char **argv)
{
	struct sb_watch_opts o;
	struct sb_opts so;
	struct sb_rundata rd = { 0 };
	struct sb_watch_info info = { 0 };
	struct sb_kview_opts ko;
	struct sb_finish_opts fo = { 0 };
	struct sb_observe *ob = NULL;
	struct sb_probes *probes;
	struct sb_watch_live *live = NULL;
	struct sb_serve *srv = NULL;
	struct sb_kfold *fold = NULL;
	char dir[4096], err[1024] = "";
	int e, rc = 2;

	e = sb_watch_parse(argc, argv, &o, err, sizeof(err));
	if (e == SB_OPTS_HELP) {
		sb_watch_usage(stdout);
		return 0;
	}
	if (e)
		goto fail;
	if (geteuid() != 0) {
		snprintf(err, sizeof(err),
			 "watch: needs root (BPF programs and setns: "
			 "CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN); run it with sudo");
		goto fail;
	}
	sb_opts_defaults(&so);
	snprintf(so.out, sizeof(so.out), "%s", o.out);
	snprintf(so.label, sizeof(so.label), "%s", o.label[0] ? o.label : "watch");
	so.force = o.force;
	if (!o.serve[0] && sb_outdir_check(&so, dir, sizeof(dir), err, sizeof(err)))
		goto fail;
	sb_signals_install();
	if (enter_netns(&o, &rd.netns_inode, err, sizeof(err)))
		goto fail;
	if (o.serve[0] && sb_serve__bind(&o, &srv, err, sizeof(err)))
		goto fail;
	if (sb_sysctls_record(&rd))
		goto oom;
	/* --serve: records folded as they come (no live events: no PID tags) */
	if (o.serve[0] ? sb_kfold__new(&(struct sb_kfold_opts){ .family = o.family,
								.syncookies_off =
								    sb_sysctls_syncookies(&rd) == 0 },
				       &fold)
		       : sb_watch_live__new(&o, stdout, &live))
		goto oom;
	sb_watch_info_of(&o, &info);
	rd.watch = &info;
	{
		struct sb_probes_opts po = {
			.netns_ino = rd.netns_inode,
			.nports = o.nports,
			.conns = o.max_conns,
			.attach = o.attach,
			.sampler_mode = SB_MODE_OFF,
			.verbose = o.verbose,
			/* always: PID/COMM of the connecting task, --connlat */
			.on_state = live ? sb_watch_live_on_state : NULL,
			.on_state_ctx = live,
			.on_record = fold ? sb_kfold__records : NULL,
			.on_record_ctx = fold,
		};

		memcpy(po.ports, o.ports, sizeof(po.ports));
		if (sb_observe__new(&po, !o.no_bpf_stats, &rd, &ob, err, sizeof(err)))
			goto fail;
	}
	probes = sb_observe__probes(ob);
	sb_watch_listen_ports(&info);
	if (sb_probes__components(probes)->c[SB_COMP_LISTENER_SAMPLER].mode &&
	    sb_probes__find_listeners(probes) < 0) {
		snprintf(err, sizeof(err), "watch: cannot look for the namespace's listeners");
		goto fail;
	}
	/* --serve samples the listeners itself, keeping no series */
	if (sb_observe__begin(ob, &rd, srv ? 0 : o.sample_us, err, sizeof(err)))
		goto fail;
	rd.t_start_ns = lg_now_ns();
	/* said even with --quiet: scripts wait for it before starting traffic */
	sb_error("watching netns %s (inode %llu), probes %s, %s%s",
		 o.netns[0] ? o.netns : "(this one)", (unsigned long long)rd.netns_inode,
		 rd.attach_plan, o.duration_s > 0 ? "" : "Ctrl-C to stop",
		 o.duration_s > 0 ? "for --duration" : "");
	fflush(stderr);
	sb_watch_kview_opts(&o, live, &info, &ko);
	if (srv && sb_serve__run(srv, &o, ob, &rd, fold, &ko, err, sizeof(err)))
		goto fail;
	if (!srv)
		rd.interrupted = wait_until_done(&o, live, probes, rd.t_start_ns);
	rd.t_end_ns = lg_now_ns();
	sb_observe__end_sampling(ob, &rd);
	sb_observe__owners(ob, &rd);
	sb_observe__cpu(ob, &info.watch_cpu_user_s, &info.watch_cpu_sys_s);
	sb_watch_listen_ports(&info);
	if (sb_observe__end(ob, &rd, err, sizeof(err)))
		goto fail;
	if (srv) {
		rc = rd.interrupted ? 130 : 0;
		goto out;
	}
	info.connlat_lines = sb_watch_live__connlat_lines(live);
	info.live_events = sb_watch_live__events(live);
	rd.stop_reason = rd.interrupted ? SB_STOP_SIGNAL : SB_STOP_COMPLETE;
	fflush(stdout);
	fo.kview = &ko;
	fo.no_plot = o.no_plot;
	fo.json = o.json;
	fo.quiet = o.quiet;
	rc = sb_finish(&rd, dir, &fo);
	goto out;
oom:
	snprintf(err, sizeof(err), "watch: out of memory");
fail:
	sb_error("%s", err);
	rc = 2;
out:
	sb_serve__free(srv); /* its server first: a scrape reads the probes */
	sb_observe__free(ob);
	sb_kfold__free(fold);
	sb_watch_live__free(live);
	sb_rundata_free_kernel(&rd);
	free(rd.samples);
	free(rd.mib);
	free(rd.sysctls);
	return rc;
}
