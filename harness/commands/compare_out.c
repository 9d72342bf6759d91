/* bench compare: the table, JSON, JUnit XML and Markdown renderings. */
#include "harness/commands/compare_out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/output/fmt.h"
#include "harness/output/json.h"
#include "harness/cli/msg.h"

static const char *const verdict_names[] = {"-", "ok", "FAIL", "n/a", "noise"};
static const char *const kind_names[] = {"info", "latency", "rate", "exact", "health"};

void sb_cmp_report_count(struct sb_cmp_report *r)
{
	r->checks = r->fails = 0;
	for (size_t i = 0; i < r->rs->n; i++) {
		r->checks += sb_cmp_is_check(&r->rs->r[i]);
		r->fails += r->rs->r[i].verdict == CMP_V_FAIL;
	}
}

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
	else if (json_is_string(v->rep))
		snprintf(buf, len, "\"%.24s\"", json_string_value(v->rep));
	else
		snprintf(buf, len, "%s",
			 json_is_null(v->rep)	? "null"
			 : json_is_true(v->rep) ? "true"
						: "false");
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
	else if (r->kind == CMP_K_HEALTH && strcmp(r->metric, "join_rate") == 0)
		snprintf(buf, len, "%s (%s -> %s)", r->metric, b, n);
	else if (!isnan(r->p))
		snprintf(buf, len, "%s (%s -> %s: %s, p=%.3g)", r->metric, b, n, r->note, r->p);
	else if (r->kind == CMP_K_LAT || r->kind == CMP_K_RATE)
		snprintf(buf, len, "%s (%s -> %s: %s)", r->metric, b, n, r->note);
	else
		snprintf(buf, len, "%s (%s)", r->metric, r->note);
}

static void fmt_p(const struct sb_cmp_row *r, char *buf, size_t len)
{
	if (isnan(r->p))
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "p=%.3f", r->p);
}

static void fmt_thr(double v, const char *pre, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "off");
	else
		snprintf(buf, len, "%s%g%%", pre, v);
}

/* Two lines: what was compared and how; the gates in force. */
static void describe(const struct sb_cmp_report *r, char *mode, size_t mlen, char *gates,
		     size_t glen)
{
	const struct sb_cmp_opts *o = r->o;
	char lat[32], p99[32], rate[32];
	size_t used;

	if (r->rs->mode == CMP_MODE_TEST)
		snprintf(mode, mlen,
			 "BASE %zu run(s), NEW %zu run(s): medians; one-sided Mann-Whitney U on "
			 "the per-run figures, alpha %g: a change with p > alpha is noise, a "
			 "significant one fails beyond its threshold",
			 r->b->n, r->n->n, o->alpha);
	else
		snprintf(mode, mlen,
			 "BASE %zu run(s), NEW %zu run(s): significance cannot be judged (the "
			 "smallest p-value %zu vs %zu runs allow is %.3g > alpha %g; give >= 3 "
			 "repeats each, 5 recommended); generous single-run thresholds",
			 r->b->n, r->n->n, r->b->n, r->n->n, r->rs->min_p, o->alpha);
	fmt_thr(o->lat, "+", lat, sizeof(lat));
	fmt_thr(o->p99_all, "+", p99, sizeof(p99));
	fmt_thr(o->rate, "", rate, sizeof(rate));
	used = (size_t)snprintf(
	    gates, glen,
	    "gates: latency user_connect/kernel_handshake p50,p99 %s (--max-latency-regress; "
	    "tls_handshake too), "
	    "every p99 %s (--max-p99-regress), min delta %g us, min %g samples; rate drop "
	    "%s (--max-rate-drop); lost_events %s; join_rate not lower; exact:",
	    lat, p99, o->min_delta_us, o->min_samples, rate, o->allow_lost ? "<= BASE" : "0");
	for (size_t i = 0; i < o->nexact && used < glen; i++)
		used +=
		    (size_t)snprintf(gates + used, glen - used, "%s%s", i ? "," : " ", o->exact[i]);
	if (!o->nexact && used < glen)
		used += (size_t)snprintf(gates + used, glen - used, " none");
	if (o->base_opts[0] && used < glen)
		snprintf(gates + used, glen - used, " (options from %s)", o->base_opts);
}

/* One row's cells as the table and the Markdown show them. */
struct cells {
	char base[48], new[48], delta[48], pct[24], p[24];
};

static void row_cells(const struct sb_cmp_row *r, struct cells *c)
{
	double pct = sb_cmp_delta_pct(r);

	memset(c, 0, sizeof(*c));
	fmt_val(&r->b, c->base, sizeof(c->base));
	fmt_val(&r->n, c->new, sizeof(c->new));
	if (sb_cmp_both_num(r))
		fmt_num(r->n.med - r->b.med, c->delta, sizeof(c->delta), 1);
	if (!isnan(pct))
		snprintf(c->pct, sizeof(c->pct), "%+.2f%%", pct);
	fmt_p(r, c->p, sizeof(c->p));
}

int sb_cmp_out_table(FILE *f, const struct sb_cmp_report *rp)
{
	const struct sb_cmp_rows *rs = rp->rs;
	char mode[512], gates[1024];
	int w = 6, test = rs->mode == CMP_MODE_TEST;

	describe(rp, mode, sizeof(mode), gates, sizeof(gates));
	fprintf(f, "%s\n%s\n", mode, gates);
	for (size_t i = 0; i < rs->n; i++)
		w = (int)strlen(rs->r[i].metric) > w ? (int)strlen(rs->r[i].metric) : w;
	fprintf(f, "%-*s %14s %14s %14s %9s", w, "metric", "base", "new", "delta", "delta%");
	if (test)
		fprintf(f, " %8s", "p");
	fprintf(f, "  verdict\n");
	for (size_t i = 0; i < rs->n; i++) {
		const struct sb_cmp_row *r = &rs->r[i];
		struct cells c;

		row_cells(r, &c);
		fprintf(f, "%-*s %14s %14s %14s %9s", w, r->metric, c.base, c.new, c.delta, c.pct);
		if (test)
			fprintf(f, " %8s", c.p);
		fprintf(f, "  %s", verdict_names[r->verdict]);
		if (r->note[0] && (r->kind != CMP_K_INFO || r->verdict == CMP_V_INFO))
			fprintf(f, " (%s)", r->note);
		fputc('\n', f);
	}
	return 0;
}

void sb_cmp_out_verdict(FILE *f, const struct sb_cmp_report *r)
{
	const char *sep = "";

	if (!r->fails) {
		fprintf(f, "compare: PASS (%zu checks)\n", r->checks);
		return;
	}
	fprintf(f, "compare: FAIL: ");
	for (size_t i = 0; i < r->rs->n; i++) {
		char buf[512];

		if (r->rs->r[i].verdict != CMP_V_FAIL)
			continue;
		fail_desc(&r->rs->r[i], buf, sizeof(buf));
		fprintf(f, "%s%s", sep, buf);
		sep = "; ";
	}
	fputc('\n', f);
}

/* ---- JSON ---- */

static void json_val(struct sb_json *j, const char *key, const struct sb_cmp_val *v)
{
	if (v->state == CMP_NUM)
		sb_json_double(j, key, v->med);
	else if (v->state == CMP_SCALAR && json_is_string(v->rep))
		sb_json_str(j, key, json_string_value(v->rep));
	else if (v->state == CMP_SCALAR && json_is_boolean(v->rep))
		sb_json_bool(j, key, json_is_true(v->rep));
	else
		sb_json_null(j, key);
}

static void json_num(struct sb_json *j, const char *key, double v)
{
	if (isnan(v) || isinf(v))
		sb_json_null(j, key);
	else
		sb_json_double(j, key, v);
}

static void json_side(struct sb_json *j, const char *key, const struct sb_cmp_side *s)
{
	sb_json_obj_begin(j, key);
	sb_json_str(j, "arg", s->nargs ? s->args[0] : "");
	sb_json_arr_begin(j, "args");
	for (size_t i = 0; i < s->nargs; i++)
		sb_json_str(j, NULL, s->args[i]);
	sb_json_arr_end(j);
	sb_json_arr_begin(j, "runs");
	for (size_t i = 0; i < s->n; i++)
		sb_json_str(j, NULL, s->paths[i]);
	sb_json_arr_end(j);
	sb_json_obj_end(j);
}

int sb_cmp_out_json(FILE *f, const struct sb_cmp_report *rp)
{
	const struct sb_cmp_opts *o = rp->o;
	const struct sb_cmp_rows *rs = rp->rs;
	struct sb_json *j = sb_json__new(f, 1);
	char buf[512];

	if (!j)
		return -ENOMEM;
	sb_json_obj_begin(j, NULL);
	sb_json_int(j, "schema", 2);
	sb_json_str(j, "result", rp->fails ? "fail" : "pass");
	sb_json_uint(j, "checks", rp->checks);
	sb_json_uint(j, "failed", rp->fails);
	sb_json_str(j, "mode", rs->mode == CMP_MODE_TEST ? "mann-whitney" : "single");
	json_num(j, "min_p", rs->min_p);
	json_side(j, "base", rp->b);
	json_side(j, "new", rp->n);
	sb_json_obj_begin(j, "thresholds");
	json_num(j, "max_latency_regress_pct", o->lat < 0 ? NAN : o->lat);
	json_num(j, "max_p99_regress_pct", o->p99_all < 0 ? NAN : o->p99_all);
	json_num(j, "max_rate_drop_pct", o->rate < 0 ? NAN : o->rate);
	sb_json_double(j, "min_delta_us", o->min_delta_us);
	sb_json_double(j, "min_samples", o->min_samples);
	sb_json_double(j, "alpha", o->alpha);
	sb_json_bool(j, "allow_lost_events", o->allow_lost);
	sb_json_arr_begin(j, "exact");
	for (size_t i = 0; i < o->nexact; i++)
		sb_json_str(j, NULL, o->exact[i]);
	sb_json_arr_end(j);
	if (o->base_opts[0])
		sb_json_str(j, "from", o->base_opts);
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
		json_num(j, "p", r->p);
		json_num(j, "base_min", r->b.state == CMP_NUM ? r->b.min : NAN);
		json_num(j, "base_max", r->b.state == CMP_NUM ? r->b.max : NAN);
		json_num(j, "new_min", r->n.state == CMP_NUM ? r->n.min : NAN);
		json_num(j, "new_max", r->n.state == CMP_NUM ? r->n.max : NAN);
		sb_json_uint(j, "base_runs", r->b.runs);
		sb_json_uint(j, "new_runs", r->n.runs);
		if (r->kind == CMP_K_LAT || r->kind == CMP_K_RATE)
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

/* ---- JUnit XML ---- */

/* A gated row: checked, or n/a (a gate that could not apply: <skipped>). */
static int junit_case(const struct sb_cmp_row *r)
{
	return sb_cmp_is_check(r) || (r->verdict == CMP_V_NA && r->kind != CMP_K_INFO);
}

/* One <testcase> per gated row (n/a ones are <skipped>), a <failure> for each
 * regression. */
int sb_cmp_out_junit(FILE *f, const struct sb_cmp_report *rp)
{
	const struct sb_cmp_rows *rs = rp->rs;
	char mode[512], gates[1024];
	size_t tests = 0, skipped = 0;

	describe(rp, mode, sizeof(mode), gates, sizeof(gates));
	for (size_t i = 0; i < rs->n; i++) {
		tests += junit_case(&rs->r[i]);
		skipped += junit_case(&rs->r[i]) && rs->r[i].verdict == CMP_V_NA;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f,
		"<testsuites name=\"synbench compare\" tests=\"%zu\" failures=\"%zu\">\n"
		"  <testsuite name=\"synbench.compare\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"0\" skipped=\"%zu\">\n",
		tests, rp->fails, tests, rp->fails, skipped);
	fprintf(f, "    <properties>\n      <property name=\"mode\" value=\"");
	sb_fmt_markup(f, mode);
	fprintf(f, "\"/>\n      <property name=\"gates\" value=\"");
	sb_fmt_markup(f, gates);
	fprintf(f, "\"/>\n    </properties>\n");
	for (size_t i = 0; i < rs->n; i++) {
		const struct sb_cmp_row *r = &rs->r[i];
		char bv[48], nv[48], pct[32] = "", p[24], buf[512];

		if (!junit_case(r))
			continue;
		fmt_val(&r->b, bv, sizeof(bv));
		fmt_val(&r->n, nv, sizeof(nv));
		fmt_p(r, p, sizeof(p));
		if (!isnan(sb_cmp_delta_pct(r)))
			snprintf(pct, sizeof(pct), " (%+.2f%%)", sb_cmp_delta_pct(r));
		fprintf(f, "    <testcase classname=\"synbench.compare.%s\" name=\"",
			kind_names[r->kind]);
		sb_fmt_markup(f, r->metric);
		fprintf(f, "\" time=\"0\">\n");
		if (r->verdict == CMP_V_FAIL) {
			fail_desc(r, buf, sizeof(buf));
			fprintf(f, "      <failure message=\"");
			sb_fmt_markup(f, buf);
			fprintf(f, "\" type=\"regression\">base %s, new %s%s %s; %s</failure>\n",
				bv, nv, pct, p, r->note);
		} else if (r->verdict == CMP_V_NA) {
			fprintf(f, "      <skipped message=\"");
			sb_fmt_markup(f, r->note);
			fprintf(f, "\"/>\n");
		} else {
			fprintf(f, "      <system-out>base %s, new %s%s %s %s: ", bv, nv, pct, p,
				verdict_names[r->verdict]);
			sb_fmt_markup(f, r->note);
			fprintf(f, "</system-out>\n");
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return 0;
}

/* ---- Markdown ---- */

static void md_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '*' || *s == '_' || *s == '`' || *s == '<' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

int sb_cmp_out_markdown(FILE *f, const struct sb_cmp_report *rp)
{
	const struct sb_cmp_rows *rs = rp->rs;
	char mode[512], gates[1024];

	describe(rp, mode, sizeof(mode), gates, sizeof(gates));
	fprintf(f, "### synbench compare: %s\n\n", rp->fails ? "**FAIL**" : "PASS");
	fprintf(f, "%zu checks, %zu failed. ", rp->checks, rp->fails);
	md_esc(f, mode);
	fprintf(f, ".\n\n<details><summary>gates</summary>\n\n");
	md_esc(f, gates);
	fprintf(f, "\n\n</details>\n\n");
	fprintf(f, "| metric | base | new | delta | delta %% | p | verdict |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
	for (size_t i = 0; i < rs->n; i++) {
		const struct sb_cmp_row *r = &rs->r[i];
		struct cells c;

		row_cells(r, &c);
		fputs("| `", f);
		fputs(r->metric, f); /* keys: no backquotes */
		fputs("` | ", f);
		md_esc(f, c.base);
		fputs(" | ", f);
		md_esc(f, c.new);
		fprintf(f, " | %s | %s | %s | %s", c.delta, c.pct, c.p,
			r->verdict == CMP_V_FAIL ? "**FAIL**" : verdict_names[r->verdict]);
		if (r->note[0] && r->kind != CMP_K_INFO) {
			fputs(" (", f);
			md_esc(f, r->note);
			fputs(")", f);
		}
		fputs(" |\n", f);
	}
	return 0;
}

/* ---- files ---- */

int sb_cmp_write_file(const char *path, int (*fn)(FILE *, const struct sb_cmp_report *),
		      const struct sb_cmp_report *r, char *err, size_t len)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd, ret;

	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = sb_errf(err, len, -errno, "cannot create %s: %s; check the directory", path,
			      strerror(errno));
		free(tmp);
		return ret;
	}
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	ret = fn(f, r);
	if (fflush(f) || ferror(f) || fsync(fileno(f)))
		ret = ret ? ret : -EIO;
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (!ret) {
		free(tmp);
		return 0;
	}
fail:
	unlink(tmp);
	free(tmp);
	return sb_errf(err, len, ret, "cannot write %s: %s; check the directory", path,
		       strerror(-ret));
}
