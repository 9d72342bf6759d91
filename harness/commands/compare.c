/* bench compare, the command side: options (the command line, then the
 * BASE directory's `compare` file for what the command line leaves unset),
 * help, and the outputs. Only sb_compare_main turns errors into exit codes. */
#include "harness/commands/compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli/argsfile.h"
#include "harness/commands/compare_out.h"
#include "harness/commands/compare_rows.h"
#include "harness/cli/msg.h"
#include "harness/cli/optparse.h"

static const char *const default_exact[] = {"conns_requested"};

/* ---- options: one table for the command line and BASE/compare ---- */

enum {
	C_LAT,
	C_P99,
	C_RATE,
	C_DELTA,
	C_SAMPLES,
	C_ALPHA,
	C_EXACT,
	C_SKIP,
	C_LOST,
	C_NO_BASE_OPTS,
	C_JSON,
	C_JUNIT,
	C_MARKDOWN,
	C_BASE,
	C_NEW,
	C_HELP,
};

/* Where an option may appear: the command line, BASE/compare. */
#define G_CMD  1u
#define G_FILE 2u

/* clang-format off */
#define CUSTOM(name, id, meta, help, dflt, example, groups) \
	{ name, 0, meta ? SB_ARG_REQ : SB_ARG_NONE, SB_OPT_CUSTOM, id, meta, help, dflt, example, \
	  0, 0, NULL, 0, 0, SB_FLD_NONE, groups }

static const struct sb_optdef cmp_table[] = {
	{ .help = "Gates (also in BASE/compare):", .kind = SB_OPT_HEADING },
	CUSTOM("max-latency-regress", C_LAT, "PCT|off",
	       "user_connect, kernel_handshake (and --tls's tls_handshake) p50/p99 may rise by PCT "
	       "(0..1000000)",
	       "100, 5 with repeats", "20", G_CMD | G_FILE),
	CUSTOM("max-p99-regress", C_P99, "PCT|off",
	       "gate the p99 of every latency_us block (also pre_syn, notify_delay, "
	       "accept_wait, and crr's first_byte, last_byte, tls_accept) at PCT", "off", "50",
	       G_CMD | G_FILE),
	CUSTOM("max-rate-drop", C_RATE, "PCT|off", "the rate gate (0..100)",
	       "50, 5 with repeats", "10", G_CMD | G_FILE),
	CUSTOM("min-delta-us", C_DELTA, "US", "a latency row also needs an increase above US",
	       "10, 0 with repeats", "10", G_CMD | G_FILE),
	CUSTOM("min-samples", C_SAMPLES, "N",
	       "latency rows with fewer samples in a run are n/a (a p99 of 20 samples is "
	       "their max)", "100", "100", G_CMD | G_FILE),
	CUSTOM("alpha", C_ALPHA, "P", "significance level (1e-9..0.5)", "0.05", "0.05",
	       G_CMD | G_FILE),
	CUSTOM("exact", C_EXACT, "KEY[,KEY...]",
	       "dotted summary.json keys whose values must be equal (medians over repeats), "
	       "e.g. outcomes.accepted, kernel_counters.ListenOverflows; repeatable; 'none' for "
	       "no exact checks. An absent kernel_counters.* or probes.drops_by_reason.* key "
	       "counts as 0. Use them where counts are deterministic (no overflow races).",
	       "conns_requested", "outcomes.accepted", G_CMD | G_FILE),
	CUSTOM("skip", C_SKIP, "METRIC[,...]",
	       "show these rows but do not gate them, e.g. join_rate when comparing a "
	       "--no-probes run with a probes run", NULL, "join_rate", G_CMD | G_FILE),
	CUSTOM("allow-lost-events", C_LOST, NULL, "NEW may lose as many events as BASE did",
	       NULL, NULL, G_CMD | G_FILE),
	{ .help = "Inputs and outputs (command line only):", .kind = SB_OPT_HEADING, .groups = G_CMD },
	CUSTOM("base", C_BASE, "RUN", "a BASE run directory; repeatable (instead of BASE)", NULL,
	       "results/a", G_CMD),
	CUSTOM("new", C_NEW, "RUN", "a NEW run directory; repeatable (instead of NEW)", NULL,
	       "results/b", G_CMD),
	CUSTOM("no-baseline-opts", C_NO_BASE_OPTS, NULL, "ignore BASE/compare", NULL, NULL, G_CMD),
	{ "json", 0, SB_ARG_NONE, SB_OPT_FLAG, C_JSON, NULL, "the verdict as JSON on stdout (no table)",
	  NULL, NULL, 0, 0, NULL, SB_FLD(struct sb_cmp_opts, json), G_CMD },
	CUSTOM("junit", C_JUNIT, "FILE",
	       "JUnit XML: one testcase per gated metric, a failure with the numbers for each "
	       "regression", NULL, "compare.xml", G_CMD),
	CUSTOM("markdown", C_MARKDOWN, "FILE",
	       "a Markdown table (PR comment, $GITHUB_STEP_SUMMARY)", NULL, "compare.md", G_CMD),
	{ "help", 'h', SB_ARG_NONE, SB_OPT_RETURN, C_HELP, NULL, "this text", .groups = G_CMD },
};
/* clang-format on */

struct cmp_parse {
	struct sb_cmp_opts *o;
	const char *pos[2];
	int npos;
	const char *src; /* BASE/compare's path, or NULL: the command line */
};

static int parse_num(const char *opt, const char *s, double min, double max, int can_off,
		     double *out, char *err, size_t len)
{
	char *end;
	double v;

	if (can_off && strcmp(s, "off") == 0) {
		*out = -1;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == '%')
		end++;
	if (end == s || *end || errno || !isfinite(v) || v < min || v > max)
		return sb_errf(err, len, -EINVAL,
			       "%s '%s' is not a valid value; give a number from %g to %g%s", opt,
			       s, min, max, can_off ? " or off" : "");
	*out = v;
	return 0;
}

static int add_list(char ***list, size_t *n, const char *opt, const char *val, char *err,
		    size_t len)
{
	const char *s = val;

	if (strcmp(val, "none") == 0) {
		for (size_t i = 0; i < *n; i++)
			free((*list)[i]);
		*n = 0;
		return 0;
	}
	for (;;) {
		const char *e = strchr(s, ',');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		char **nk;

		if (k == 0 || s[0] == '.' || s[k - 1] == '.' || memmem(s, k, "..", 2))
			return sb_errf(err, len, -EINVAL,
				       "%s '%s' has an empty key; give dotted summary.json keys "
				       "separated by commas, e.g. outcomes.accepted,lost_events",
				       opt, val);
		nk = realloc(*list, (*n + 1) * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		*list = nk;
		(*list)[*n] = strndup(s, k);
		if (!(*list)[*n])
			return -ENOMEM;
		(*n)++;
		if (!e)
			return 0;
		s = e + 1;
	}
}

static int add_side(const char ***list, size_t *n, const char *v)
{
	const char **nl = realloc(*list, (*n + 1) * sizeof(*nl));

	if (!nl)
		return -ENOMEM;
	*list = nl;
	nl[(*n)++] = v;
	return 0;
}

static int cmp_apply(void *ctx, const struct sb_optdef *d, const char *val, char *err, size_t len)
{
	struct cmp_parse *p = ctx;
	struct sb_cmp_opts *o = p->o;
	char name[48];

	snprintf(name, sizeof(name), "--%s", d->name);
	switch (d->id) {
	case C_LAT:
		o->set |= CMP_SET_LAT;
		return parse_num(name, val, 0, 1e6, 1, &o->lat, err, len);
	case C_P99:
		o->set |= CMP_SET_P99;
		return parse_num(name, val, 0, 1e6, 1, &o->p99_all, err, len);
	case C_RATE:
		o->set |= CMP_SET_RATE;
		return parse_num(name, val, 0, 100, 1, &o->rate, err, len);
	case C_DELTA:
		o->set |= CMP_SET_DELTA;
		return parse_num(name, val, 0, 1e9, 0, &o->min_delta_us, err, len);
	case C_SAMPLES:
		o->set |= CMP_SET_SAMPLES;
		return parse_num(name, val, 0, 1e12, 0, &o->min_samples, err, len);
	case C_ALPHA:
		o->set |= CMP_SET_ALPHA;
		return parse_num(name, val, 1e-9, 0.5, 0, &o->alpha, err, len);
	case C_EXACT:
		o->set |= CMP_SET_EXACT;
		return add_list(&o->exact, &o->nexact, name, val, err, len);
	case C_SKIP:
		o->set |= CMP_SET_SKIP;
		return add_list(&o->skip, &o->nskip, name, val, err, len);
	case C_LOST:
		o->allow_lost = 1;
		o->set |= CMP_SET_LOST;
		return 0;
	case C_NO_BASE_OPTS:
		o->no_base_opts = 1;
		return 0;
	case C_JUNIT:
		o->junit = val;
		return 0;
	case C_MARKDOWN:
		o->markdown = val;
		return 0;
	case C_BASE:
		return add_side(&o->base, &o->nbase, val);
	case C_NEW:
		return add_side(&o->new, &o->nnew, val);
	}
	return 0;
}

static int cmp_positional(void *ctx, const char *arg, char *err, size_t len)
{
	struct cmp_parse *p = ctx;

	if (p->src)
		return sb_errf(err, len, -EINVAL,
			       "unexpected argument '%s'; it holds compare options only", arg);
	if (p->npos == 2)
		return sb_errf(err, len, -EINVAL,
			       "unexpected argument '%s'; give exactly BASE and NEW", arg);
	p->pos[p->npos++] = arg;
	return 0;
}

static const struct sb_optset cmd_optset = {
    .cmd = "compare",
    .defs = cmp_table,
    .ndefs = sizeof(cmp_table) / sizeof(cmp_table[0]),
    .groups = G_CMD,
    .apply = cmp_apply,
    .positional = cmp_positional,
};

const struct sb_optset *sb_compare_optset(void)
{
	return &cmd_optset;
}

static const struct sb_optset file_optset = {
    .cmd = "compare",
    .defs = cmp_table,
    .ndefs = sizeof(cmp_table) / sizeof(cmp_table[0]),
    .groups = G_FILE,
    .apply = cmp_apply,
    .positional = cmp_positional,
};

void sb_compare_usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench compare [OPTIONS] BASE NEW\n"
	      "  bench compare [OPTIONS] --base RUN... --new RUN...\n"
	      "\n"
	      "Compares runs from their summary.json and fails when NEW is worse than BASE.\n"
	      "BASE and NEW are each one of:\n"
	      "  - a run directory (results/<run>/, holding summary.json)\n"
	      "  - a summary.json file\n"
	      "  - a directory whose subdirectories are run directories (repeats, e.g.\n"
	      "    bench baseline run --repeat 5, or a sweep with --repeat): subdirectories\n"
	      "    without summary.json (unfinished runs) are skipped\n"
	      "  --base and --new may be repeated to list run directories one by one.\n"
	      "\n"
	      "HOW IT DECIDES\n"
	      "  Every metric is the median over the runs of a side. With enough repeats\n"
	      "  (the smallest p-value the run counts allow must reach --alpha: 3 vs 3 runs\n"
	      "  or more; 5 vs 5 recommended) latency and rate use a one-sided Mann-Whitney\n"
	      "  U test on the per-run figures: a row fails only when the change is\n"
	      "  significant (p <= alpha) AND larger than its threshold; a change that is\n"
	      "  not significant is shown as \"noise\". With fewer runs significance cannot\n"
	      "  be judged and the generous single-run thresholds apply.\n"
	      "\n"
	      "DEFAULT GATES                                     single runs   repeats\n"
	      "  user_connect, kernel_handshake p50 and p99 rise   +100%         +5%\n"
	      "  (each with >= --min-samples samples per run, and by more than\n"
	      "  --min-delta-us: 10 us for single runs, 0 with repeats)\n"
	      "  rate_conns_per_s drop                             50%           5%\n"
	      "  interrupted: NEW must be complete (an interrupted BASE is bad input)\n"
	      "  lost_events: NEW must lose none (its summary would not be exact)\n"
	      "  join_rate: NEW's lowest must not be below BASE's lowest\n"
	      "  exact: conns_requested, or the --exact keys of BASE/compare\n"
	      "  Options on the command line override the BASE directory's `compare` file\n"
	      "  (written by bench baseline save), which overrides these defaults.\n"
	      "\n"
	      "OPTIONS (--opt VALUE or --opt=VALUE)\n",
	      f);
	sb_optparse_help(f, &cmd_optset);
	fputs("\n"
	      "OUTPUT\n"
	      "  Two header lines (how it decided, the gates in force), a table (metric,\n"
	      "  base, new, delta, delta %, p with repeats, verdict: ok, FAIL, noise, n/a,\n"
	      "  - for information), then one line: \"compare: PASS (N checks)\" or\n"
	      "  \"compare: FAIL: <metric (why)>; ...\". Files are written to a temporary\n"
	      "  name and renamed.\n"
	      "\n"
	      "EXIT STATUS\n"
	      "  0 pass; 1 a check failed (regression); 2 bad input: missing file, malformed\n"
	      "  JSON (file:line:col), not a summary, schema mismatch, bad option\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench compare results/baselines/crr-2000 results/ci\n"
	      "  bench compare base-repeats/ new-repeats/ --junit compare.xml \\\n"
	      "        --markdown \"$GITHUB_STEP_SUMMARY\"\n"
	      "  bench compare A B --max-latency-regress 20 --max-rate-drop off --json\n",
	      f);
}

static void opts_free(struct sb_cmp_opts *o)
{
	for (size_t i = 0; i < o->nexact; i++)
		free(o->exact[i]);
	free(o->exact);
	for (size_t i = 0; i < o->nskip; i++)
		free(o->skip[i]);
	free(o->skip);
	free(o->base);
	free(o->new);
}

static void take_list(char ***dst, size_t *dn, char ***src, size_t *sn)
{
	char **t = *dst;
	size_t n = *dn;

	*dst = *src;
	*dn = *sn;
	*src = t;
	*sn = n;
}

/* BASE/compare (one BASE directory): its options where the command line set
 * none. */
int sb_compare_base_opts(struct sb_cmp_opts *o, const char *dir, char *err, size_t len)
{
	struct sb_cmp_opts f = {0};
	struct sb_args a;
	struct stat st;
	char path[4096];
	int r;

	if (snprintf(path, sizeof(path), "%s/compare", dir) >= (int)sizeof(path) ||
	    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	r = sb_args__load(path, &a, err, len);
	if (r)
		return r;
	{
		struct cmp_parse p = {.o = &f, .src = path};

		r = sb_optparse(&file_optset, a.argc, a.argv, 0, &f, &p, NULL, err, len);
	}
	sb_args__free(&a);
	if (r) {
		opts_free(&f);
		if (r > 0 || !strstr(err, path)) {
			char msg[768];

			snprintf(msg, sizeof(msg), "%.700s", r > 0 ? "unexpected option" : err);
			snprintf(err, len, "%.600s: %s", path, msg);
		}
		return r > 0 ? -EINVAL : r;
	}
#define TAKE(flag, field)                                                                          \
	do {                                                                                       \
		if ((f.set & (flag)) && !(o->set & (flag))) {                                      \
			o->field = f.field;                                                        \
			o->set |= (flag);                                                          \
		}                                                                                  \
	} while (0)
	TAKE(CMP_SET_LAT, lat);
	TAKE(CMP_SET_P99, p99_all);
	TAKE(CMP_SET_RATE, rate);
	TAKE(CMP_SET_DELTA, min_delta_us);
	TAKE(CMP_SET_SAMPLES, min_samples);
	TAKE(CMP_SET_ALPHA, alpha);
	TAKE(CMP_SET_LOST, allow_lost);
#undef TAKE
	if ((f.set & CMP_SET_EXACT) && !(o->set & CMP_SET_EXACT)) {
		take_list(&o->exact, &o->nexact, &f.exact, &f.nexact);
		o->set |= CMP_SET_EXACT;
	}
	if ((f.set & CMP_SET_SKIP) && !(o->set & CMP_SET_SKIP)) {
		take_list(&o->skip, &o->nskip, &f.skip, &f.nskip);
		o->set |= CMP_SET_SKIP;
	}
	snprintf(o->base_opts, sizeof(o->base_opts), "%.500s", path);
	opts_free(&f);
	return 0;
}

static int parse_opts(int argc, char **argv, struct sb_cmp_opts *o, char *err, size_t len)
{
	struct cmp_parse p = {.o = o};
	const char **pos = p.pos;
	int npos, r;

	*o = (struct sb_cmp_opts){0};
	r = sb_optparse(&cmd_optset, argc, argv, 1, o, &p, NULL, err, len);
	if (r)
		return r;
	npos = p.npos;
	if (npos && (o->nbase || o->nnew))
		return sb_errf(err, len, -EINVAL,
			       "give BASE and NEW either as two arguments or with --base and "
			       "--new, not both");
	if (npos == 2) {
		if (add_side(&o->base, &o->nbase, pos[0]) || add_side(&o->new, &o->nnew, pos[1]))
			return -ENOMEM;
	} else if (!o->nbase || !o->nnew) {
		return sb_errf(err, len, -EINVAL,
			       "needs BASE and NEW (run directories or summary.json files); see %s "
			       "compare --help",
			       sb_prog());
	}
	if (o->nbase == 1 && !o->no_base_opts) {
		r = sb_compare_base_opts(o, o->base[0], err, len);
		if (r)
			return r;
	}
	if (!(o->set & CMP_SET_EXACT))
		for (size_t i = 0; i < sizeof(default_exact) / sizeof(*default_exact); i++) {
			r = add_list(&o->exact, &o->nexact, "--exact", default_exact[i], err, len);
			if (r)
				return r;
		}
	return 0;
}

/* Prints and writes the verdict; returns 0 (pass), 1 (fail) or negative errno. */
static int report(const struct sb_cmp_opts *o, const struct sb_cmp_rows *rs,
		  const struct sb_cmp_side *b, const struct sb_cmp_side *n, char *err, size_t len)
{
	struct sb_cmp_report rp = {o, rs, b, n, 0, 0};
	int r = 0;

	sb_cmp_report_count(&rp);
	if (o->junit)
		r = sb_cmp_write_file(o->junit, sb_cmp_out_junit, &rp, err, len);
	if (!r && o->markdown)
		r = sb_cmp_write_file(o->markdown, sb_cmp_out_markdown, &rp, err, len);
	if (r)
		return r;
	if (o->json)
		r = sb_cmp_out_json(stdout, &rp);
	else
		sb_cmp_out_table(stdout, &rp);
	sb_cmp_out_verdict(o->json ? stderr : stdout, &rp);
	if (fflush(stdout) || ferror(stdout) || r)
		return sb_errf(err, len, r ? r : -EIO, "cannot write the result to stdout");
	return rp.fails ? 1 : 0;
}

int sb_compare_main(int argc, char **argv)
{
	struct sb_cmp_side b = {.label = "BASE"}, n = {.label = "NEW"};
	struct sb_cmp_rows rs = {0};
	struct sb_cmp_opts o;
	char err[1024] = "";
	int r;

	r = parse_opts(argc, argv, &o, err, sizeof(err));
	if (r == C_HELP) {
		sb_compare_usage(stdout);
		r = 0;
		goto out;
	}
	b.args = o.base;
	b.nargs = o.nbase;
	n.args = o.new;
	n.nargs = o.nnew;
	if (!r)
		r = sb_cmp_side_load(&b, err, sizeof(err));
	if (!r)
		r = sb_cmp_side_load(&n, err, sizeof(err));
	if (!r) {
		sb_cmp_opts_defaults(&o, sb_cmp_mode_for(&o, b.n, n.n));
		r = sb_cmp_rows_build(&o, &b, &n, &rs, err, sizeof(err));
	}
	if (!r)
		r = report(&o, &rs, &b, &n, err, sizeof(err));
out:
	if (r < 0) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-r));
		sb_error("compare: %s", err);
		r = 2;
	}
	free(rs.r);
	sb_cmp_side_free(&b);
	sb_cmp_side_free(&n);
	opts_free(&o);
	return r;
}
