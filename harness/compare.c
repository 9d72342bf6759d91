/* bench compare, the command side: options, help, and printing the rows
 * that compare_rows.c decided (a table or JSON, then the one-line verdict).
 * Only sb_compare_main turns errors into exit codes. */
#include "harness/compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/json.h"
#include "harness/compare_rows.h"

#define CMP_HELP 1

static const char *const default_exact[] = {"conns_requested", "join_rate"};

void sb_compare_usage(FILE *f)
{
	fputs("USAGE\n"
	      "  bench compare [OPTIONS] BASE NEW\n"
	      "\n"
	      "Compares two runs from their summary.json and fails when NEW is worse than BASE\n"
	      "by more than the thresholds. BASE and NEW are each one of:\n"
	      "  - a run directory (results/<run>/, holding summary.json)\n"
	      "  - a summary.json file\n"
	      "  - a directory whose subdirectories are run directories (repeats, e.g. a sweep\n"
	      "    with --repeat): every metric is then the median over the runs, and the\n"
	      "    table shows the spread (max-min)/median so thresholds can sit above noise\n"
	      "    (subdirectories without summary.json, i.e. unfinished runs, are skipped)\n"
	      "\n"
	      "OPTIONS\n"
	      "  --max-p99-regress PCT  fail when the p99 of a latency_us block in NEW exceeds\n"
	      "                         BASE by more than PCT percent; applies to every block\n"
	      "                         with samples on both sides (default: off)\n"
	      "  --min-delta-us US      with --max-p99-regress: also require the p99 increase\n"
	      "                         to exceed US microseconds (default 0), so jitter on\n"
	      "                         tiny blocks (notify_delay) does not fail CI\n"
	      "  --max-rate-drop PCT    fail when rate_conns_per_s in NEW is more than PCT\n"
	      "                         percent below BASE (0..100; default: off)\n"
	      "  --exact KEY[,KEY...]   dotted summary.json keys whose values must be equal\n"
	      "                         (medians over repeats), e.g. outcomes.accepted,\n"
	      "                         kernel_counters.ListenOverflows; repeatable.\n"
	      "                         Default: conns_requested,join_rate. 'none': no exact\n"
	      "                         checks. An absent kernel_counters.* or\n"
	      "                         probes.drops_by_reason.* key counts as 0.\n"
	      "                         A --no-probes run has join_rate null: compare it\n"
	      "                         with a probes run using --exact conns_requested.\n"
	      "  --json                 print the verdict as JSON on stdout (no table)\n"
	      "  -h, --help             this text\n"
	      "\n"
	      "ALWAYS CHECKED\n"
	      "  interrupted            NEW must be complete (an interrupted BASE is bad input)\n"
	      "  lost_events            NEW must not lose more events than BASE (the largest\n"
	      "                         value over repeats): its summary would not be exact\n"
	      "  A latency block without samples (count 0 or null, e.g. --no-probes) shows n/a\n"
	      "  and is never a failure. p50 rows are shown for information.\n"
	      "\n"
	      "OUTPUT\n"
	      "  A table (metric, base, new, delta, delta %, verdict), then one line:\n"
	      "  \"compare: PASS (N checks)\" or \"compare: FAIL: <metric (why)>; ...\"\n"
	      "\n"
	      "EXIT STATUS\n"
	      "  0 pass; 1 a check failed (regression); 2 bad input: missing file, malformed\n"
	      "  JSON (file:line:col), not a summary, schema mismatch, bad option\n"
	      "\n"
	      "EXAMPLES\n"
	      "  bench compare results/baselines/loopback results/ci --max-p99-regress 20 \\\n"
	      "        --max-rate-drop 10\n"
	      "  bench compare base-repeats/ new-repeats/ --max-p99-regress 15 \\\n"
	      "        --exact outcomes.accepted,kernel_counters.ListenOverflows --json\n",
	      f);
}

/* ---- options ---- */

static int parse_pct(const char *opt, const char *s, double max, double *out, char *err, size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == '%')
		end++;
	if (end == s || *end || errno || !isfinite(v) || v < 0 || v > max)
		return sb_cmp_errf(
		    err, len, -EINVAL,
		    "%s '%s' is not a valid value; give a number from 0 to %g, e.g. 10", opt, s,
		    max);
	*out = v;
	return 0;
}

static int add_exact(struct sb_cmp_opts *o, const char *list, char *err, size_t len)
{
	const char *s = list;

	o->exact_given = 1;
	if (strcmp(list, "none") == 0) {
		for (size_t i = 0; i < o->nexact; i++)
			free(o->exact[i]);
		o->nexact = 0;
		return 0;
	}
	for (;;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char **nk;

		if (n == 0 || s[0] == '.' || s[n - 1] == '.' || memmem(s, n, "..", 2))
			return sb_cmp_errf(
			    err, len, -EINVAL,
			    "--exact '%s' has an empty key; give dotted summary.json keys "
			    "separated by commas, e.g. outcomes.accepted,lost_events",
			    list);
		nk = realloc(o->exact, (o->nexact + 1) * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		o->exact = nk;
		o->exact[o->nexact] = strndup(s, n);
		if (!o->exact[o->nexact])
			return -ENOMEM;
		o->nexact++;
		if (!e)
			return 0;
		s = e + 1;
	}
}

static int parse_opts(int argc, char **argv, struct sb_cmp_opts *o, char *err, size_t len)
{
	const char *pos[2];
	int npos = 0, only_pos = 0, explicit, r;

	*o = (struct sb_cmp_opts){.max_p99 = -1, .max_rate = -1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val, *eq;
		char name[32];

		if (only_pos || a[0] != '-' || !a[1]) {
			if (npos == 2)
				return sb_cmp_errf(
				    err, len, -EINVAL,
				    "unexpected argument '%s'; give exactly BASE and NEW", a);
			pos[npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return CMP_HELP;
		if (strcmp(a, "--json") == 0) {
			o->json = 1;
			continue;
		}
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		if (strcmp(name, "--max-p99-regress") && strcmp(name, "--max-rate-drop") &&
		    strcmp(name, "--min-delta-us") && strcmp(name, "--exact"))
			return sb_cmp_errf(err, len, -EINVAL,
					   "unknown option '%s'; see bench compare --help", a);
		val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!val)
			return sb_cmp_errf(err, len, -EINVAL,
					   "%s needs a value; see bench compare --help", name);
		if (strcmp(name, "--max-p99-regress") == 0)
			r = parse_pct(name, val, 1e6, &o->max_p99, err, len);
		else if (strcmp(name, "--max-rate-drop") == 0)
			r = parse_pct(name, val, 100, &o->max_rate, err, len);
		else if (strcmp(name, "--min-delta-us") == 0)
			r = parse_pct(name, val, 1e9, &o->min_delta_us, err, len);
		else
			r = add_exact(o, val, err, len);
		if (r)
			return r;
	}
	if (npos != 2)
		return sb_cmp_errf(
		    err, len, -EINVAL,
		    "needs BASE and NEW (run directories or summary.json files); see bench "
		    "compare --help");
	explicit = o->exact_given;
	o->base = pos[0];
	o->new = pos[1];
	for (size_t i = 0; !explicit && i < sizeof(default_exact) / sizeof(*default_exact); i++) {
		r = add_exact(o, default_exact[i], err, len);
		if (r)
			return r;
	}
	o->exact_given = explicit;
	return 0;
}

static void opts_free(struct sb_cmp_opts *o)
{
	for (size_t i = 0; i < o->nexact; i++)
		free(o->exact[i]);
	free(o->exact);
}

/* ---- output ---- */

static void fmt_num(double v, char *buf, size_t len, int sign)
{
	if (v == trunc(v) && fabs(v) < 1e15)
		snprintf(buf, len, sign ? "%+.0f" : "%.0f", v);
	else
		snprintf(buf, len, sign ? "%+.3f" : "%.3f", v);
}

static void fmt_val(const struct sb_cmp_val *v, char *buf, size_t len)
{
	static const char *const text[] = {
	    [CMP_MISSING] = "(missing)", [CMP_VARIES] = "(varies)", [CMP_NA] = "n/a"};

	if (v->state == CMP_NUM)
		fmt_num(v->med, buf, len, 0);
	else if (v->state != CMP_SCALAR)
		snprintf(buf, len, "%s", text[v->state]);
	else if (v->rep->type == SB_JSTRING)
		snprintf(buf, len, "\"%.24s\"", v->rep->str);
	else
		snprintf(buf, len, "%s",
			 v->rep->type == SB_JNULL ? "null"
			 : v->rep->num		  ? "true"
						  : "false");
}

/* (max - min) / median in percent, over the runs of a side; NAN for one run. */
static double spread(const struct sb_cmp_val *v)
{
	return v->state == CMP_NUM && v->runs > 1 && v->med != 0
		   ? (v->max - v->min) / fabs(v->med) * 100.0
		   : NAN;
}

static void fail_desc(const struct sb_cmp_row *r, char *buf, size_t len)
{
	char b[48], n[48];

	fmt_val(&r->b, b, sizeof(b));
	fmt_val(&r->n, n, sizeof(n));
	if (r->kind == CMP_K_EXACT)
		snprintf(buf, len, "%s (%s != %s)", r->metric, b, n);
	else if (r->kind == CMP_K_HEALTH && strcmp(r->metric, "lost_events") == 0)
		snprintf(buf, len, "%s (%s -> %s)", r->metric, b, n);
	else
		snprintf(buf, len, "%s (%s)", r->metric, r->note);
}

static const char *const verdict_names[] = {"-", "ok", "FAIL", "n/a"};
static const char *const kind_names[] = {"info", "p99", "rate", "exact", "health"};

static void print_table(FILE *f, const struct sb_cmp_rows *rs, const struct sb_cmp_side *b,
			const struct sb_cmp_side *n)
{
	int w = 6, rep = b->n > 1 || n->n > 1;

	for (size_t i = 0; i < rs->n; i++)
		w = (int)strlen(rs->r[i].metric) > w ? (int)strlen(rs->r[i].metric) : w;
	if (rep)
		fprintf(f,
			"BASE: median of %zu run(s) in %s; NEW: median of %zu run(s) in %s; "
			"spread = (max-min)/median\n",
			b->n, b->arg, n->n, n->arg);
	fprintf(f, "%-*s %14s %14s %14s %9s", w, "metric", "base", "new", "delta", "delta%");
	if (rep)
		fprintf(f, " %8s %8s", "spread_b", "spread_n");
	fprintf(f, "  verdict\n");
	for (size_t i = 0; i < rs->n; i++) {
		const struct sb_cmp_row *r = &rs->r[i];
		char bv[48], nv[48], d[48] = "", dp[24] = "";
		double pct = sb_cmp_delta_pct(r);

		fmt_val(&r->b, bv, sizeof(bv));
		fmt_val(&r->n, nv, sizeof(nv));
		if (sb_cmp_both_num(r))
			fmt_num(r->n.med - r->b.med, d, sizeof(d), 1);
		if (!isnan(pct))
			snprintf(dp, sizeof(dp), "%+.2f%%", pct);
		fprintf(f, "%-*s %14s %14s %14s %9s", w, r->metric, bv, nv, d, dp);
		if (rep) {
			char sb[16] = "", sn[16] = "";

			if (!isnan(spread(&r->b)))
				snprintf(sb, sizeof(sb), "%.1f%%", spread(&r->b));
			if (!isnan(spread(&r->n)))
				snprintf(sn, sizeof(sn), "%.1f%%", spread(&r->n));
			fprintf(f, " %8s %8s", sb, sn);
		}
		fprintf(f, "  %s", verdict_names[r->verdict]);
		if (r->note[0] && r->kind != CMP_K_INFO)
			fprintf(f, " (%s)", r->note);
		fputc('\n', f);
	}
}

static void json_val(struct sb_json *j, const char *key, const struct sb_cmp_val *v)
{
	if (v->state == CMP_NUM)
		sb_json_double(j, key, v->med);
	else if (v->state == CMP_SCALAR && v->rep->type == SB_JSTRING)
		sb_json_str(j, key, v->rep->str);
	else if (v->state == CMP_SCALAR && v->rep->type == SB_JBOOL)
		sb_json_bool(j, key, v->rep->num != 0);
	else
		sb_json_null(j, key);
}

static void json_num(struct sb_json *j, const char *key, double v)
{
	if (isnan(v))
		sb_json_null(j, key);
	else
		sb_json_double(j, key, v);
}

static void json_side(struct sb_json *j, const char *key, const struct sb_cmp_side *s)
{
	sb_json_obj_begin(j, key);
	sb_json_str(j, "arg", s->arg);
	sb_json_arr_begin(j, "runs");
	for (size_t i = 0; i < s->n; i++)
		sb_json_str(j, NULL, s->paths[i]);
	sb_json_arr_end(j);
	sb_json_obj_end(j);
}

static int print_json(FILE *f, const struct sb_cmp_opts *o, const struct sb_cmp_rows *rs,
		      const struct sb_cmp_side *b, const struct sb_cmp_side *n, size_t checks,
		      size_t fails)
{
	struct sb_json *j = sb_json__new(f, 1);
	char buf[320];

	if (!j)
		return -ENOMEM;
	sb_json_obj_begin(j, NULL);
	sb_json_int(j, "schema", 1);
	sb_json_str(j, "result", fails ? "fail" : "pass");
	sb_json_uint(j, "checks", checks);
	sb_json_uint(j, "failed", fails);
	json_side(j, "base", b);
	json_side(j, "new", n);
	sb_json_obj_begin(j, "thresholds");
	json_num(j, "max_p99_regress_pct", o->max_p99 < 0 ? NAN : o->max_p99);
	json_num(j, "max_rate_drop_pct", o->max_rate < 0 ? NAN : o->max_rate);
	sb_json_double(j, "min_delta_us", o->min_delta_us);
	sb_json_arr_begin(j, "exact");
	for (size_t i = 0; i < o->nexact; i++)
		sb_json_str(j, NULL, o->exact[i]);
	sb_json_arr_end(j);
	sb_json_obj_end(j);
	sb_json_arr_begin(j, "rows");
	for (size_t i = 0; i < rs->n; i++) {
		const struct sb_cmp_row *r = &rs->r[i];

		sb_json_obj_begin(j, NULL);
		sb_json_str(j, "metric", r->metric);
		sb_json_str(j, "kind", kind_names[r->kind]);
		sb_json_str(j, "verdict",
			    r->verdict == CMP_V_INFO ? "info" : verdict_names[r->verdict]);
		json_val(j, "base", &r->b);
		json_val(j, "new", &r->n);
		json_num(j, "delta", sb_cmp_both_num(r) ? r->n.med - r->b.med : NAN);
		json_num(j, "delta_pct", sb_cmp_delta_pct(r));
		json_num(j, "base_min", r->b.state == CMP_NUM ? r->b.min : NAN);
		json_num(j, "base_max", r->b.state == CMP_NUM ? r->b.max : NAN);
		json_num(j, "new_min", r->n.state == CMP_NUM ? r->n.min : NAN);
		json_num(j, "new_max", r->n.state == CMP_NUM ? r->n.max : NAN);
		sb_json_uint(j, "base_runs", r->b.runs);
		sb_json_uint(j, "new_runs", r->n.runs);
		if (r->kind == CMP_K_P99 || r->kind == CMP_K_RATE)
			sb_json_double(j, "limit_pct", r->limit);
		sb_json_str(j, "note", r->note);
		sb_json_obj_end(j);
	}
	sb_json_arr_end(j);
	sb_json_arr_begin(j, "failures");
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->r[i].verdict != CMP_V_FAIL)
			continue;
		fail_desc(&rs->r[i], buf, sizeof(buf));
		sb_json_str(j, NULL, buf);
	}
	sb_json_arr_end(j);
	sb_json_obj_end(j);
	return sb_json__free(j);
}

/* Threshold rows whose repeats vary more than the threshold: say so. */
static void noise_notes(const struct sb_cmp_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct sb_cmp_row *r = &rs->r[i];
		double s = fmax(spread(&r->b), spread(&r->n));

		if ((r->kind == CMP_K_P99 || r->kind == CMP_K_RATE) && !isnan(s) && s > r->limit)
			fprintf(stderr,
				"synbench: compare: note: %s varies by %.1f%% across repeats, more "
				"than the %g%% threshold; raise the threshold or add repeats\n",
				r->metric, s, r->limit);
	}
}

/* Prints the verdict; returns 0 (pass), 1 (fail) or negative errno. */
static int report(const struct sb_cmp_opts *o, const struct sb_cmp_rows *rs,
		  const struct sb_cmp_side *b, const struct sb_cmp_side *n, char *err, size_t len)
{
	FILE *line = o->json ? stderr : stdout;
	size_t checks = 0, fails = 0;
	int r = 0;

	for (size_t i = 0; i < rs->n; i++) {
		checks += rs->r[i].verdict == CMP_V_OK || rs->r[i].verdict == CMP_V_FAIL;
		fails += rs->r[i].verdict == CMP_V_FAIL;
	}
	if (o->json)
		r = print_json(stdout, o, rs, b, n, checks, fails);
	else
		print_table(stdout, rs, b, n);
	noise_notes(rs);
	if (!fails) {
		fprintf(line, "compare: PASS (%zu checks)\n", checks);
	} else {
		const char *sep = "";

		fprintf(line, "compare: FAIL: ");
		for (size_t i = 0; i < rs->n; i++) {
			char buf[320];

			if (rs->r[i].verdict != CMP_V_FAIL)
				continue;
			fail_desc(&rs->r[i], buf, sizeof(buf));
			fprintf(line, "%s%s", sep, buf);
			sep = "; ";
		}
		fputc('\n', line);
	}
	if (fflush(stdout) || ferror(stdout) || r)
		return sb_cmp_errf(err, len, r ? r : -EIO, "cannot write the result to stdout");
	return fails ? 1 : 0;
}

int sb_compare_main(int argc, char **argv)
{
	struct sb_cmp_side b = {.label = "BASE"}, n = {.label = "NEW"};
	struct sb_cmp_rows rs = {0};
	struct sb_cmp_opts o;
	char err[1024] = "";
	int r;

	r = parse_opts(argc, argv, &o, err, sizeof(err));
	if (r == CMP_HELP) {
		sb_compare_usage(stdout);
		r = 0;
		goto out;
	}
	b.arg = o.base;
	n.arg = o.new;
	if (!r)
		r = sb_cmp_side_load(&b, err, sizeof(err));
	if (!r)
		r = sb_cmp_side_load(&n, err, sizeof(err));
	if (!r)
		r = sb_cmp_rows_build(&o, &b, &n, &rs, err, sizeof(err));
	if (!r)
		r = report(&o, &rs, &b, &n, err, sizeof(err));
out:
	if (r < 0) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-r));
		fprintf(stderr, "synbench: compare: %s\n", err);
		r = 2;
	}
	free(rs.r);
	sb_cmp_side_free(&b);
	sb_cmp_side_free(&n);
	opts_free(&o);
	return r;
}
