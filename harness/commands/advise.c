/* bench advise (advise.h): a bracketing search of real runs for the smallest
 * backlog that meets the goal. */
#include "harness/commands/advise.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cli/msg.h"
#include "harness/cli/opts.h"
#include "harness/commands/runchild.h"
#include "harness/output/fmt.h"
#include "harness/output/json.h"
#include "harness/output/jsonget.h"
#include "harness/output/outdir.h"

#define ADVISE_MAX_REPEAT 20u
/* the namespace default of net.core.somaxconn since Linux 5.4 */
#define SOMAXCONN_DEFAULT 4096u

static volatile sig_atomic_t advise_stop;

static void on_signal(int sig)
{
	(void)sig;
	advise_stop = 1;
}

struct advise {
	char **fixed; /* the run options, passed to each run as given */
	size_t nfixed;
	unsigned int repeat;
	uint32_t max_backlog;
	enum sb_advise_goal goal;
	double p99_us;
	char goal_text[64];
	char out[4096];
	struct sb_opts o; /* the run options as parsed (somaxconn, syncookies ...) */
	/* --target with --server-cmd: the server listens anew in each run with
	 * its own backlog, which the search caps with net.core.somaxconn */
	int target;
	long server_backlog; /* a run's backlog below somaxconn: the server's own, else -1 */
	/* learnt from the first run's config.json */
	long syn_backlog_default; /* net.ipv4.tcp_max_syn_backlog, -1 unknown */
	int linear;		  /* net.ipv4.tcp_syn_linear_timeouts, 0 absent */
	FILE *csv;
	int logfd; /* DIR/runs.log: the runs' stderr */
	size_t runs;
};

/* One run's outcome, from its summary.json. */
struct outcome {
	int ok; /* a summary was written */
	int code;
	double overflows, reqq_drops, retrans, p99_us, eff_backlog;
	int meets;
};

/* ---- the SYN-retransmit bands ---- */

double sb_advise_band_s(int k, int linear)
{
	double t = 0, rto = 1;

	for (int i = 1; i <= k; i++) {
		t += rto;
		if (i > linear)
			rto *= 2;
	}
	return t;
}

int sb_advise_band_of(double us, int linear)
{
	int k = 0;

	/* a retransmitted SYN answered at once lands just after its send time */
	while (k < 16 && us >= sb_advise_band_s(k + 1, linear) * 1e6 * 0.98)
		k++;
	return k;
}

int sb_advise_parse_goal(const char *s, enum sb_advise_goal *g, double *p99_us)
{
	char *end;
	double v;

	if (strcmp(s, "no-overflow") == 0) {
		*g = SB_GOAL_NO_OVERFLOW;
		*p99_us = 0;
		return 0;
	}
	if (strncmp(s, "p99:", 4) != 0 || !s[4] || s[4] == '-')
		return -EINVAL;
	errno = 0;
	v = strtod(s + 4, &end);
	if (errno || end == s + 4 || !(v > 0) || !isfinite(v))
		return -EINVAL;
	if (strcmp(end, "us") == 0)
		;
	else if (strcmp(end, "ms") == 0)
		v *= 1e3;
	else if (strcmp(end, "s") == 0)
		v *= 1e6;
	else
		return -EINVAL;
	*g = SB_GOAL_P99;
	*p99_us = v;
	return 0;
}

/* ---- options ---- */

enum { A_GOAL = 1, A_REPEAT, A_MAX, A_OUT, A_REFUSED, A_HELP };

/* clang-format off */
#define REFUSED(name, why) \
	{ name, 0, SB_ARG_OPT, SB_OPT_CUSTOM, A_REFUSED, NULL, why, NULL, NULL, 0, 0, NULL, 0, 0, \
	  SB_FLD_NONE, 0 }

static const struct sb_optdef advise_table[] = {
	{ .help = "The search's own:", .kind = SB_OPT_HEADING },
	{ "goal", 0, SB_ARG_REQ, SB_OPT_CUSTOM, A_GOAL, "GOAL",
	  "no-overflow (ListenOverflows + TCPReqQFullDrop = 0), or p99:DURATION (also the "
	  "user connect p99 at most that: 5ms, 800us, 1.5s) in every run",
	  "no-overflow", "p99:5ms", .fld = SB_FLD_NONE },
	{ "repeat", 0, SB_ARG_REQ, SB_OPT_UINT, A_REPEAT, "K",
	  "runs per backlog tried; a backlog meets the goal only in all of them", "2", "3",
	  1, ADVISE_MAX_REPEAT, NULL, offsetof(struct advise, repeat), 0, SB_FLD_U32, 0 },
	{ "max-backlog", 0, SB_ARG_REQ, SB_OPT_UINT, A_MAX, "N",
	  "the largest backlog tried", "65535", "8192", 1, 65535, NULL,
	  offsetof(struct advise, max_backlog), 0, SB_FLD_U32, 0 },
	{ "out", 0, SB_ARG_REQ, SB_OPT_CUSTOM, A_OUT, "DIR", "the search's directory",
	  "results/advise-<time>", "results/advise-a", .fld = SB_FLD_NONE },
	{ "help", 'h', SB_ARG_NONE, SB_OPT_RETURN, A_HELP, NULL, "this text", .fld = SB_FLD_NONE },
	{ .help = "Refused:", .kind = SB_OPT_HEADING },
	REFUSED("backlog", "the search sets it"),
	REFUSED("json", "each run's output is the search's"),
	REFUSED("trace-states", "each run's output is the search's"),
	REFUSED("force", "each run's output is the search's"),
};
/* clang-format on */

static int add_fixed(struct advise *a, char *arg)
{
	char **f = realloc(a->fixed, (a->nfixed + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	a->fixed = f;
	f[a->nfixed++] = arg;
	return 0;
}

static int advise_apply(void *ctx, const struct sb_optdef *d, const char *val, char *err,
			size_t len)
{
	struct advise *a = ctx;

	switch (d->id) {
	case A_REFUSED:
		return sb_errf(err, len, -EINVAL, "--%s is not for bench advise (%s); leave it out",
			       d->name, d->help);
	case A_GOAL:
		if (strlen(val) >= sizeof(a->goal_text) ||
		    sb_advise_parse_goal(val, &a->goal, &a->p99_us))
			return sb_errf(err, len, -EINVAL,
				       "bad --goal '%.40s'; give no-overflow or p99:DURATION, e.g. "
				       "--goal p99:5ms",
				       val);
		strcpy(a->goal_text, val);
		return 0;
	case A_OUT:
		if (!*val || strlen(val) >= sizeof(a->out) - 32)
			return sb_errf(err, len, -EINVAL,
				       "bad --out '%.80s'; give a new directory, e.g. --out %s",
				       val, d->example);
		strcpy(a->out, val);
		return 0;
	}
	return 0;
}

static int advise_other(void *ctx, int argc, char **argv, int *i, char *err, size_t len)
{
	(void)argc;
	(void)err;
	(void)len;
	return add_fixed(ctx, argv[*i]);
}

static int advise_positional(void *ctx, const char *arg, char *err, size_t len)
{
	(void)err;
	(void)len;
	return add_fixed(ctx, (char *)arg);
}

static const struct sb_optset advise_optset = {
    .cmd = "advise",
    .defs = advise_table,
    .ndefs = sizeof(advise_table) / sizeof(advise_table[0]),
    .apply = advise_apply,
    .positional = advise_positional,
    .other = advise_other,
};

const struct sb_optset *sb_advise_optset(void)
{
	return &advise_optset;
}

/* ---- one run ---- */

/* argv of a run at backlog b: the fixed options, the backlog, the limits
 * raised where the user left them and b needs it, the run's directory. */
static int run_argv(const struct advise *a, uint32_t b, const char *dir, char **args, size_t max,
		    char nums[3][24])
{
	size_t n = 0;

	if (a->nfixed + 16 > max)
		return -ENOSPC;
	args[n++] = "synbench";
	for (size_t i = 0; i < a->nfixed; i++)
		args[n++] = a->fixed[i];
	snprintf(nums[0], 24, "%u", b);
	/* a --target server's own backlog is capped at b by somaxconn */
	args[n++] = a->target ? "--somaxconn" : "--backlog";
	args[n++] = nums[0];
	/* listen() caps the backlog at somaxconn: raised to b when the user
	 * did not set it */
	if (!a->target && a->o.somaxconn < 0 && b > SOMAXCONN_DEFAULT) {
		snprintf(nums[1], 24, "%u", b);
		args[n++] = "--somaxconn";
		args[n++] = nums[1];
	}
	/* without syncookies the SYN queue holds 3/4 of tcp_max_syn_backlog
	 * (tcp_conn_request()): raised to cover b when the user did not set it */
	if (a->o.syncookies == 0 && a->o.max_syn_backlog < 0 && a->syn_backlog_default >= 0 &&
	    (long)b * 4 / 3 + 1 > a->syn_backlog_default) {
		snprintf(nums[2], 24, "%ld", (long)b * 4 / 3 + 1);
		args[n++] = "--max-syn-backlog";
		args[n++] = nums[2];
	}
	args[n++] = "--out";
	args[n++] = (char *)dir;
	args[n++] = "--quiet";
	args[n++] = "--no-plot";
	args[n] = NULL;
	return (int)n;
}

static double num(const json_t *d, const char *path)
{
	double v = NAN;

	if (d)
		sb_jget_double(sb_jget_path(d, path), &v);
	return v;
}

/* The first run's config.json: the namespace defaults the search needs. */
static void learn_defaults(struct advise *a, const char *dir)
{
	char path[4200], e[256];
	json_t *c = NULL;
	const char *v;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (sb_jget_load(path, &c, e, sizeof(e)) != 0)
		return;
	/* the keys hold dots: looked up whole */
	v = json_string_value(
		json_object_get(json_object_get(c, "sysctls"), "net.ipv4.tcp_max_syn_backlog"));
	if (v)
		a->syn_backlog_default = strtol(v, NULL, 10);
	v = json_string_value(
		json_object_get(json_object_get(c, "sysctls"), "net.ipv4.tcp_syn_linear_timeouts"));
	a->linear = v ? (int)strtol(v, NULL, 10) : 0;
	json_decref(c);
}

static const char *const phase_names[] = {"search", "bisect", "confirm", "half"};
enum phase { P_SEARCH, P_BISECT, P_CONFIRM, P_HALF };

/* One run at backlog b: its row in advise.csv and a progress line. */
static int run_one(struct advise *a, uint32_t b, enum phase ph, unsigned int rep,
		   struct outcome *r)
{
	char dir[sizeof(a->out) + 32], name[32], path[sizeof(dir) + 16], e[256], nums[3][24];
	char *args[4096];
	json_t *d = NULL;
	char p99s[48];
	int argc, st, interrupted = 0;

	memset(r, 0, sizeof(*r));
	a->runs++;
	snprintf(name, sizeof(name), "run-%03zu", a->runs);
	snprintf(dir, sizeof(dir), "%s/%s", a->out, name);
	argc = run_argv(a, b, dir, args, sizeof(args) / sizeof(args[0]), nums);
	if (argc < 0)
		return argc;
	st = sb_run_child(args, &advise_stop, a->logfd);
	r->code = st < 0 ? 2 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if (sb_jget_load(path, &d, e, sizeof(e)) == 0)
		r->ok = 1;
	sb_jget_bool(d ? sb_jget_path(d, "interrupted") : NULL, &interrupted);
	if (advise_stop || interrupted) {
		/* stopped early: its counts are not the backlog's */
		printf("  backlog %5u: interrupted (%s, not in advise.csv)\n", b, name);
		json_decref(d);
		advise_stop = 1;
		return -EINTR;
	}
	if (a->runs == 1)
		learn_defaults(a, dir);
	r->overflows = num(d, "kernel_counters.ListenOverflows");
	r->reqq_drops = num(d, "kernel_counters.TCPReqQFullDrop");
	r->retrans = num(d, "kernel_counters.TCPSynRetrans");
	r->p99_us = num(d, "latency_us.user_connect.p99");
	r->eff_backlog = num(d, "effective_backlog");
	json_decref(d);
	/* the server asked for less than somaxconn: its own backlog binds */
	if (a->target && r->eff_backlog >= 0 && r->eff_backlog < b)
		a->server_backlog = (long)r->eff_backlog;
	r->meets = r->ok && r->overflows == 0 && (isnan(r->reqq_drops) || r->reqq_drops == 0) &&
		   (a->goal != SB_GOAL_P99 || r->p99_us <= a->p99_us);
	fprintf(a->csv, "%zu,%s,%u,%u,%d,%.0f,%.0f,%.0f,%.3f,%.0f,%d,%s\n", a->runs,
		phase_names[ph], b, rep + 1, r->code, r->overflows, r->reqq_drops, r->retrans,
		r->p99_us, r->eff_backlog, r->meets, name);
	fflush(a->csv);
	if (!r->ok) {
		printf("  backlog %5u: run %s failed (exit %d, no summary.json; its messages in "
		       "%s/runs.log)\n",
		       b, name, r->code, a->out);
		return -EIO;
	}
	printf("  backlog %5u (%s %u/%u): ListenOverflows %.0f, p99 connect %s, SYN retransmits "
	       "%.0f: %s\n",
	       b, phase_names[ph], rep + 1, ph == P_HALF ? 1 : a->repeat, r->overflows,
	       sb_fmt_us(p99s, sizeof(p99s), r->p99_us), r->retrans,
	       r->meets ? "meets the goal" : "does not");
	fflush(stdout);
	return 0;
}

/* Whether b meets the goal in all --repeat runs (stops at the first that
 * does not). 1 yes, 0 no, negative errno: a run failed or Ctrl-C. */
static int try_backlog(struct advise *a, uint32_t b, enum phase ph, struct outcome *last)
{
	for (unsigned int k = 0; k < a->repeat; k++) {
		int e = run_one(a, b, ph, k, last);

		if (e)
			return e;
		if (!last->meets)
			return 0;
	}
	return 1;
}

/* ---- the report ---- */

struct answer {
	uint32_t backlog;   /* 0: none found */
	uint32_t lo;	    /* the largest backlog that did not meet the goal */
	int confirmed;
	struct outcome half; /* the run at backlog / 2 (half.ok 0: none) */
	uint32_t half_backlog;
};

static int write_json(FILE *f, void *ctx)
{
	const struct advise *a = ((const void **)ctx)[0];
	const struct answer *w = ((const void **)ctx)[1];
	struct sb_json *j = sb_json__new(f, 1);

	if (!j)
		return -ENOMEM;
	sb_json_obj_begin(j, NULL);
	sb_json_int(j, "schema", 1);
	sb_json_str(j, "goal", a->goal_text);
	if (a->goal == SB_GOAL_P99)
		sb_json_fixed(j, "p99_goal_us", a->p99_us, 3);
	sb_json_uint(j, "repeat", a->repeat);
	sb_json_uint(j, "runs", a->runs);
	if (w->backlog)
		sb_json_uint(j, "backlog", w->backlog);
	else
		sb_json_null(j, "backlog");
	sb_json_uint(j, "largest_failing_backlog", w->lo);
	sb_json_bool(j, "confirmed", w->confirmed);
	sb_json_bool(j, "interrupted", advise_stop);
	sb_json_obj_begin(j, "limits");
	sb_json_i64_or_null(j, "somaxconn_set", a->o.somaxconn);
	sb_json_bool(j, "somaxconn_binds",
		     w->backlog > (a->o.somaxconn >= 0 ? (uint32_t)a->o.somaxconn : SOMAXCONN_DEFAULT));
	sb_json_int(j, "syncookies", a->o.syncookies);
	sb_json_int(j, "tcp_max_syn_backlog_default", a->syn_backlog_default);
	sb_json_int(j, "tcp_syn_linear_timeouts", a->linear);
	sb_json_bool(j, "target", a->target);
	sb_json_i64_or_null(j, "server_backlog_binds", a->server_backlog);
	sb_json_obj_end(j);
	if (w->half.ok) {
		sb_json_obj_begin(j, "half");
		sb_json_uint(j, "backlog", w->half_backlog);
		sb_json_fixed(j, "ListenOverflows", w->half.overflows, 0);
		sb_json_fixed(j, "TCPSynRetrans", w->half.retrans, 0);
		sb_json_fixed(j, "p99_user_connect_us", w->half.p99_us, 3);
		sb_json_int(j, "syn_retransmit_band", sb_advise_band_of(w->half.p99_us, a->linear));
		sb_json_obj_end(j);
	}
	sb_json_obj_end(j);
	return sb_json__free(j);
}

static void say_limits(const struct advise *a, uint32_t b)
{
	uint32_t cap = a->o.somaxconn >= 0 ? (uint32_t)a->o.somaxconn : SOMAXCONN_DEFAULT;

	if (a->target)
		printf("  the server's listen backlog and net.core.somaxconn: both at least %u (the "
		       "runs capped the server's own with --somaxconn; listen() takes the smaller)\n",
		       b);
	else if (b <= cap)
		printf("  net.core.somaxconn %u >= %u: does not bind (listen() takes the smaller)\n",
		       cap, b);
	else
		printf("  net.core.somaxconn: binds: set it to at least %u (the runs did, "
		       "--somaxconn %u), or listen() cuts the backlog to %u\n",
		       b, b, cap);
	if (a->o.syncookies == 0)
		printf("  net.ipv4.tcp_max_syn_backlog: binds without syncookies: the SYN queue "
		       "holds 3/4 of it; keep it at least %u\n",
		       b * 4 / 3 + 1);
	else
		printf("  net.ipv4.tcp_max_syn_backlog: does not bind with syncookies on (then the "
		       "SYN queue is bounded by the backlog itself)\n");
}

static void say_half(const struct advise *a, const struct answer *w)
{
	char p99s[48];
	int band;

	if (!w->half.ok)
		return;
	band = sb_advise_band_of(w->half.p99_us, a->linear);
	printf("  at half of it (backlog %u): ListenOverflows %.0f, SYN retransmits %.0f, p99 "
	       "connect %s",
	       w->half_backlog, w->half.overflows, w->half.retrans,
	       sb_fmt_us(p99s, sizeof(p99s), w->half.p99_us));
	if (band)
		printf(": the band of %d SYN retransmit%s (the %s sent %.0f s after the first SYN)",
		       band, band == 1 ? "" : "s", band == 1 ? "retransmit" : "last",
		       sb_advise_band_s(band, a->linear));
	printf("\n  SYN retransmits are sent at %.0f, %.0f, %.0f, %.0f s ... after the first SYN "
	       "on this kernel (tcp_syn_linear_timeouts %d): a dropped SYN costs at least the "
	       "first\n",
	       sb_advise_band_s(1, a->linear), sb_advise_band_s(2, a->linear),
	       sb_advise_band_s(3, a->linear), sb_advise_band_s(4, a->linear), a->linear);
}

/* ---- the search ---- */

static int search(struct advise *a, struct answer *w)
{
	struct outcome r;
	uint32_t b = 1, hi = 0;
	int e;

	memset(w, 0, sizeof(*w));
	for (;;) {
		e = try_backlog(a, b, P_SEARCH, &r);
		if (e < 0)
			return e;
		if (e) {
			hi = b;
			break;
		}
		w->lo = b;
		if (b >= a->max_backlog || a->server_backlog >= 0)
			return 0; /* none, or none above the server's own backlog */
		b = b > a->max_backlog / 2 ? a->max_backlog : 2 * b;
	}
	/* down to a bracket of 1/16 of its top (at least 1) */
	while (hi - w->lo > (hi / 16 > 1 ? hi / 16 : 1)) {
		uint32_t mid = w->lo + (hi - w->lo) / 2;

		e = try_backlog(a, mid, P_BISECT, &r);
		if (e < 0)
			return e;
		if (e)
			hi = mid;
		else
			w->lo = mid;
	}
	/* confirmed by --repeat more runs; a step up (1/8) where one misses */
	for (int step = 0; step < 3 && !w->confirmed; step++) {
		e = try_backlog(a, hi, P_CONFIRM, &r);
		if (e < 0)
			return e;
		if (e)
			w->confirmed = 1;
		else if (hi < a->max_backlog)
			hi = hi + (hi / 8 > 1 ? hi / 8 : 1) > a->max_backlog
				     ? a->max_backlog
				     : hi + (hi / 8 > 1 ? hi / 8 : 1);
	}
	w->backlog = hi;
	if (hi >= 2) {
		w->half_backlog = hi / 2;
		e = run_one(a, w->half_backlog, P_HALF, 0, &w->half);
		if (e < 0)
			return e;
		w->half.ok = 1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench advise [RUN OPTIONS] [--goal GOAL] [--repeat K] [--max-backlog N] "
	      "[--out DIR]\n"
	      "\n"
	      "Finds the smallest listen backlog of the built-in listener that meets GOAL for\n"
	      "the load the run options give, by real runs: the backlog doubles from 1 until\n"
	      "all K runs meet the goal, the bracket is halved down to 1/16 of its top, the\n"
	      "answer is confirmed by K more runs, and one run at half of it shows what an\n"
	      "undersized backlog costs. Says which kernel limit binds (net.core.somaxconn,\n"
	      "net.ipv4.tcp_max_syn_backlog). Writes DIR/run-NNN/, DIR/advise.csv, DIR/advise.json.\n"
	      "With --target and --server-cmd, your server (started anew in each run, its own\n"
	      "backlog at least --max-backlog) has its backlog capped by net.core.somaxconn,\n"
	      "which the search sets instead.\n"
	      "\n"
	      "OPTIONS (--opt VALUE or --opt=VALUE; any run option but those refused)\n",
	      f);
	sb_optparse_help(f, &advise_optset);
	fputs("\n"
	      "EXIT STATUS\n"
	      "  0 an answer, confirmed; 1 none up to --max-backlog, not confirmed, or a run\n"
	      "  failed; 2 bad input (nothing run); 130 interrupted\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench advise --conns 400 --concurrency 400 --accept delay:1\n"
	      "  bench advise --rate 20000 --conns 100000 --accept delay:1 --goal p99:5ms\n"
	      "  bench advise --conns 400 --concurrency 400 --target 127.0.0.1:8080 \\\n"
	      "      --server-cmd 'exec ./myserver --listen 127.0.0.1:8080 --backlog 65535'\n",
	      f);
}

static int check(struct advise *a, char *err, size_t errlen)
{
	char *args[4096], nums[3][24], e[512];
	int argc, given_somaxconn = 0;

	for (size_t i = 0; i < a->nfixed; i++) {
		a->target |= !strcmp(a->fixed[i], "--target") || !strncmp(a->fixed[i], "--target=", 9);
		given_somaxconn |= !strcmp(a->fixed[i], "--somaxconn") ||
				   !strncmp(a->fixed[i], "--somaxconn=", 12);
	}
	argc = run_argv(a, 1, "advise-check", args, sizeof(args) / sizeof(args[0]), nums);

	if (argc < 0)
		return sb_errf(err, errlen, -EINVAL, "too many run options");
	argc = sb_opts_parse(argc, args, &a->o, e, sizeof(e));
	if (argc > 0)
		return sb_errf(err, errlen, -EINVAL, "--help/--version are not run options");
	if (argc < 0)
		return sb_errf(err, errlen, -EINVAL, "%s", e);
	if (a->target && !a->o.server_cmd[0])
		return sb_errf(err, errlen, -EINVAL,
			       "--target needs --server-cmd for bench advise: the server must "
			       "listen anew in each run, under the somaxconn the search sets; add "
			       "--server-cmd CMD");
	if (a->target && a->o.netns[0])
		return sb_errf(err, errlen, -EINVAL,
			       "--netns is not for bench advise: the search changes somaxconn, only "
			       "in the run's own namespace; leave --netns out");
	if (a->target && given_somaxconn)
		return sb_errf(err, errlen, -EINVAL,
			       "--somaxconn is what bench advise --target searches; leave it out");
	if (a->target)
		a->o.somaxconn = -1; /* the search's, not the user's */
	return 0;
}

int sb_advise_main(int argc, char **argv)
{
	static const char header[] = "run,phase,backlog,repeat,exit,ListenOverflows,"
				     "TCPReqQFullDrop,TCPSynRetrans,p99_user_connect_us,"
				     "effective_backlog,meets_goal,dir\n";
	struct advise a = {.repeat = 2, .max_backlog = 65535, .syn_backlog_default = -1,
			   .logfd = -1, .server_backlog = -1};
	const void *ctx[2];
	struct answer w;
	struct sigaction sa;
	char err[1024];
	int r, fd;

	snprintf(a.goal_text, sizeof(a.goal_text), "no-overflow");
	r = sb_optparse(&advise_optset, argc, argv, 1, &a, &a, NULL, err, sizeof(err));
	if (r == A_HELP) {
		usage(stdout);
		free(a.fixed);
		return 0;
	}
	if (r == 0)
		r = check(&a, err, sizeof(err));
	if (r != 0) {
		sb_error("advise: %s", r == -ENOMEM ? "out of memory" : err);
		free(a.fixed);
		return 2;
	}
	if (sb_new_outdir(a.out, sizeof(a.out), "advise", "advise") != 0) {
		free(a.fixed);
		return 2;
	}
	fd = sb_outdir_create(a.out, "advise.csv");
	a.csv = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!a.csv) {
		sb_error("advise: cannot write %s/advise.csv", a.out);
		free(a.fixed);
		return 2;
	}
	fputs(header, a.csv);
	a.logfd = sb_outdir_create(a.out, "runs.log");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("advise: the smallest backlog that meets %s in %u of %u runs, into %s\n",
	       a.goal_text, a.repeat, a.repeat, a.out);
	fflush(stdout);
	r = search(&a, &w);
	fclose(a.csv);
	if (a.logfd >= 0)
		close(a.logfd);
	ctx[0] = &a;
	ctx[1] = &w;
	if (sb_outdir_write_atomic(a.out, "advise.json", write_json, ctx) != 0)
		sb_error("advise: cannot write %s/advise.json", a.out);
	free(a.fixed);
	if (r == -EINTR || advise_stop) {
		printf("advise: interrupted after %zu runs (%s/advise.csv)\n", a.runs, a.out);
		return 130;
	}
	if (r < 0) {
		sb_error("advise: a run failed: see the last run's directory in %s", a.out);
		return 1;
	}
	if (!w.backlog && a.server_backlog >= 0) {
		printf("advise: the server's own listen backlog %ld binds: no larger backlog could be "
		       "tried, and %ld does not meet %s (%zu runs); raise the backlog in its "
		       "configuration (--server-cmd) and run again\n",
		       a.server_backlog, a.server_backlog, a.goal_text, a.runs);
		return 1;
	}
	if (!w.backlog) {
		printf("advise: no backlog up to %u meets %s (%zu runs); raise --max-backlog or "
		       "lighten the load\n",
		       a.max_backlog, a.goal_text, a.runs);
		if (a.o.somaxconn >= 0 && (uint32_t)a.o.somaxconn < a.max_backlog)
			printf("  net.core.somaxconn %d binds: listen() cut every backlog above it "
			       "to %d; raise it, or leave --somaxconn out (the search raises it as "
			       "it needs)\n",
			       a.o.somaxconn, a.o.somaxconn);
		return 1;
	}
	printf("advise: backlog %u meets %s%s (%zu runs; %u did not)\n", w.backlog, a.goal_text,
	       w.confirmed ? ", confirmed" : " in the search but NOT in its confirming runs",
	       a.runs, w.lo);
	say_limits(&a, w.backlog);
	say_half(&a, &w);
	return w.confirmed ? 0 : 1;
}
