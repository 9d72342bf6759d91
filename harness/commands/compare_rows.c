/* bench compare: from BASE/NEW arguments to decided rows. */
#include "harness/commands/compare_rows.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/commands/compare_stats.h"
#include "harness/output/jsonget.h"
#include "harness/cli/msg.h"

static const char *const lat_blocks[] = {"user_connect", "kernel_handshake", "pre_syn",
					 "notify_delay", "accept_wait",
					 /* crr phases: rows only when a side has samples */
					 "tls_handshake", "first_byte", "last_byte", "tls_accept"};
#define LAT_OPTIONAL 5 /* the first of the blocks above that are rows only with samples */


/* ---- loading ---- */

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int side_add(struct sb_cmp_side *s, const char *dir, const char *name)
{
	char **np = realloc(s->paths, (s->n + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	s->paths = np;
	if (asprintf(&s->paths[s->n], "%s%s%s", dir, name ? "/" : "", name ? name : "") < 0)
		return -ENOMEM;
	s->n++;
	return 0;
}

/* Adds one argument's files: the file, dir/summary.json, or
 * dir/<sub>/summary.json. */
static int side_resolve_one(struct sb_cmp_side *s, const char *arg, char *err, size_t len)
{
	struct dirent **ents = NULL;
	struct stat st;
	size_t before = s->n;
	char *p = NULL;
	int n, r = 0;

	if (stat(arg, &st) < 0)
		return sb_errf(
		    err, len, -errno,
		    "%s '%s': %s; give a run directory, a summary.json or a directory of "
		    "runs",
		    s->label, arg, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return side_add(s, arg, NULL);
	if (asprintf(&p, "%s/summary.json", arg) < 0)
		return -ENOMEM;
	if (is_file(p)) {
		free(p);
		return side_add(s, arg, "summary.json");
	}
	free(p);
	n = scandir(arg, &ents, NULL, alphasort);
	if (n < 0)
		return sb_errf(err, len, -errno, "%s '%s': %s; check the permissions", s->label,
			       arg, strerror(errno));
	for (int i = 0; i < n; i++) {
		if (!r && ents[i]->d_name[0] != '.') {
			if (asprintf(&p, "%s/%s/summary.json", arg, ents[i]->d_name) < 0)
				r = -ENOMEM;
			else if (is_file(p))
				r = side_add(s, p, NULL);
			free(p);
		}
		free(ents[i]);
	}
	free(ents);
	if (!r && s->n == before)
		return sb_errf(err, len, -ENOENT,
			       "%s '%s': no summary.json in it nor in its subdirectories; give a "
			       "finished run directory (summary.json is written last)",
			       s->label, arg);
	return r;
}

static int side_resolve(struct sb_cmp_side *s, char *err, size_t len)
{
	for (size_t i = 0; i < s->nargs; i++) {
		int r = side_resolve_one(s, s->args[i], err, len);

		if (r)
			return r;
	}
	return 0;
}

static int bad_value(char *err, size_t len, const char *path, const json_t *v, const char *key,
		     const char *want)
{
	return sb_errf(err, len, -EINVAL,
			   "%s: '%s' is %s, expected %s; is this a synbench summary.json?", path,
			   key, sb_jget_type(v), want);
}

/* The keys compare relies on, with the right types. */
static int validate(const char *path, const json_t *root, char *err, size_t len)
{
	static const struct {
		const char *key;
		const char *type; /* sb_jget_type */
		int integral;
	} req[] = {{"interrupted", "boolean", 0},
		   {"conns_requested", "number", 1},
		   {"lost_events", "number", 1},
		   {"rate_conns_per_s", "number", 0},
		   {"latency_us", "object", 0}};
	static const char *const pct[] = {"count", "p50", "p99"};
	const json_t *v = json_object_get(root, "schema"), *lat;
	int64_t schema;

	if (!json_is_object(root))
		return bad_value(err, len, path, root, "the top level", "an object");
	if (!v)
		return sb_errf(
		    err, len, -EINVAL,
		    "%s: no 'schema' key; not a synbench summary.json (give the file a run "
		    "wrote)",
		    path);
	if (sb_jget_int64(v, &schema))
		return bad_value(err, len, path, v, "schema", "an integer");
	if (schema != SB_CMP_SCHEMA)
		return sb_errf(
		    err, len, -EPROTO,
		    "%s: summary schema %lld, this synbench reads schema %d; compare runs "
		    "recorded by the same synbench version",
		    path, (long long)schema, SB_CMP_SCHEMA);
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		v = json_object_get(root, req[i].key);
		if (!v)
			return sb_errf(err, len, -EINVAL,
					   "%s: no '%s' key; not a complete synbench summary.json",
					   path, req[i].key);
		if (strcmp(sb_jget_type(v), req[i].type) ||
		    (req[i].integral && sb_jget_int64(v, &(int64_t){0})))
			return bad_value(err, len, path, v, req[i].key,
					 req[i].integral ? "an integer" : req[i].type);
	}
	lat = json_object_get(root, "latency_us");
	for (size_t b = 0; b < sizeof(lat_blocks) / sizeof(*lat_blocks); b++) {
		const json_t *blk = json_object_get(lat, lat_blocks[b]);
		char key[96];

		if (!blk || json_is_null(blk))
			continue;
		snprintf(key, sizeof(key), "latency_us.%s", lat_blocks[b]);
		if (!json_is_object(blk))
			return bad_value(err, len, path, blk, key, "an object or null");
		for (size_t k = 0; k < sizeof(pct) / sizeof(*pct); k++) {
			v = json_object_get(blk, pct[k]);
			snprintf(key, sizeof(key), "latency_us.%s.%s", lat_blocks[b], pct[k]);
			if (v && !json_is_number(v) && !json_is_null(v))
				return bad_value(err, len, path, v, key, "a number or null");
		}
	}
	return 0;
}

int sb_cmp_side_load(struct sb_cmp_side *s, char *err, size_t len)
{
	int r = side_resolve(s, err, len);

	if (r)
		return r;
	s->docs = calloc(s->n, sizeof(*s->docs));
	if (!s->docs)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		char e[PATH_MAX + 256];

		r = sb_jget_load(s->paths[i], &s->docs[i], e, sizeof(e));
		if (r == -ENOMEM)
			return r;
		if (r)
			return sb_errf(err, len, r, "%s; %s", e,
					   r == -EINVAL ? "not valid JSON, rerun or fix the file"
							: "give a readable summary.json");
		r = validate(s->paths[i], s->docs[i], err, len);
		if (r)
			return r;
	}
	return 0;
}

void sb_cmp_side_free(struct sb_cmp_side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->paths[i]);
		if (s->docs)
			json_decref(s->docs[i]);
	}
	free(s->paths);
	free(s->docs);
}

/* ---- values over the runs of a side ---- */

/* Sorts vals in place (the test that follows needs the values, not their
 * order). */
static void finish_num(struct sb_cmp_val *sv, double *vals)
{
	sv->state = sv->runs ? CMP_NUM : CMP_NA;
	if (!sv->runs)
		return;
	sv->med = sb_compare_median(vals, sv->runs);
	sv->min = vals[0];
	sv->max = vals[sv->runs - 1];
}

/* A percentile of a latency block: from the runs where the block has samples. */
static void side_latency(const struct sb_cmp_side *s, const char *block, const char *pct,
			 double *scratch, struct sb_cmp_val *sv)
{
	*sv = (struct sb_cmp_val){.min_count = INFINITY};
	for (size_t i = 0; i < s->n; i++) {
		const json_t *blk =
		    json_object_get(json_object_get(s->docs[i], "latency_us"), block);
		double count = 0, v;

		if (sb_jget_double(json_object_get(blk, "count"), &count) == 0 && count > 0 &&
		    sb_jget_double(json_object_get(blk, pct), &v) == 0 && isfinite(v)) {
			scratch[sv->runs++] = v;
			sv->min_count = fmin(sv->min_count, count);
		}
	}
	finish_num(sv, scratch);
}

static int sparse_key(const char *key)
{
	return strncmp(key, "kernel_counters.", 16) == 0 ||
	       strncmp(key, "probes.drops_by_reason.", 23) == 0;
}

/* Any key: a number in every run gives the median; otherwise the runs must
 * agree on one scalar (CMP_SCALAR), or the key is missing, or varies. */
static int side_key(const struct sb_cmp_side *s, const char *key, double *scratch,
		    struct sb_cmp_val *sv, char *err, size_t len)
{
	size_t missing = 0;

	*sv = (struct sb_cmp_val){0};
	for (size_t i = 0; i < s->n; i++) {
		const json_t *v = sb_jget_path(s->docs[i], key);

		if (!v && sparse_key(key)) {
			scratch[sv->runs++] = 0;
			continue;
		}
		if (!v) {
			missing++;
			continue;
		}
		if (json_is_object(v) || json_is_array(v))
			return sb_errf(
			    err, len, -EINVAL,
			    "--exact %s: is an %s in %s; name a number, string or boolean "
			    "inside it, e.g. %s.<name>",
			    key, sb_jget_type(v), s->paths[i], key);
		if (json_is_number(v))
			scratch[sv->runs++] = json_number_value(v);
		if (!sv->rep)
			sv->rep = v;
		else if (!json_equal(sv->rep, v))
			sv->state = CMP_VARIES;
	}
	if (missing == s->n)
		sv->state = CMP_MISSING;
	else if (sv->runs == s->n)
		finish_num(sv, scratch);
	else if (missing || sv->runs)
		sv->state = CMP_VARIES;
	else if (sv->state != CMP_VARIES)
		sv->state = CMP_SCALAR;
	return 0;
}

/* ---- mode and defaults ---- */

enum sb_cmp_mode sb_cmp_mode_for(const struct sb_cmp_opts *o, size_t nb, size_t nn)
{
	double alpha = o->set & CMP_SET_ALPHA ? o->alpha : SB_CMP_ALPHA;

	return nb && nn && sb_mwu_min_p(nb, nn) <= alpha ? CMP_MODE_TEST : CMP_MODE_SINGLE;
}

void sb_cmp_opts_defaults(struct sb_cmp_opts *o, enum sb_cmp_mode mode)
{
	int t = mode == CMP_MODE_TEST;

	if (!(o->set & CMP_SET_LAT))
		o->lat = t ? SB_CMP_TEST_LAT : SB_CMP_SINGLE_LAT;
	if (!(o->set & CMP_SET_P99))
		o->p99_all = -1;
	if (!(o->set & CMP_SET_RATE))
		o->rate = t ? SB_CMP_TEST_RATE : SB_CMP_SINGLE_RATE;
	if (!(o->set & CMP_SET_DELTA))
		o->min_delta_us = t ? SB_CMP_TEST_MIN_DELTA_US : SB_CMP_SINGLE_MIN_DELTA_US;
	if (!(o->set & CMP_SET_SAMPLES))
		o->min_samples = SB_CMP_MIN_SAMPLES;
	if (!(o->set & CMP_SET_ALPHA))
		o->alpha = SB_CMP_ALPHA;
}

/* ---- rows ---- */

static struct sb_cmp_row *row_add(struct sb_cmp_rows *rs, enum sb_cmp_kind kind, const char *fmt,
				  ...) __attribute__((format(printf, 3, 4)));

static struct sb_cmp_row *row_add(struct sb_cmp_rows *rs, enum sb_cmp_kind kind, const char *fmt,
				  ...)
{
	struct sb_cmp_row *r;
	va_list ap;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 32;
		struct sb_cmp_row *nr = realloc(rs->r, cap * sizeof(*nr));

		if (!nr)
			return NULL;
		rs->r = nr;
		rs->cap = cap;
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->verdict = CMP_V_INFO;
	r->p = NAN;
	va_start(ap, fmt);
	vsnprintf(r->metric, sizeof(r->metric), fmt, ap);
	va_end(ap);
	return r;
}

int sb_cmp_both_num(const struct sb_cmp_row *r)
{
	return r->b.state == CMP_NUM && r->n.state == CMP_NUM;
}

double sb_cmp_delta_pct(const struct sb_cmp_row *r)
{
	return sb_cmp_both_num(r) && r->b.med != 0 ? (r->n.med - r->b.med) / fabs(r->b.med) * 100.0
						   : NAN;
}

int sb_cmp_is_check(const struct sb_cmp_row *r)
{
	return r->verdict == CMP_V_OK || r->verdict == CMP_V_FAIL || r->verdict == CMP_V_NOISE;
}

static int skipped(const struct sb_cmp_opts *o, const char *metric)
{
	for (size_t i = 0; i < o->nskip; i++)
		if (strcmp(o->skip[i], metric) == 0)
			return 1;
	return 0;
}

/* The per-run figures of both sides, for the test (unsorted copies). */
struct runs {
	double *b, *n;
	size_t nb, nn;
};

/* A threshold row: NEW worse than BASE by more than limit percent (and, with
 * repeats, significantly so)? */
static void judge_pct(const struct sb_cmp_opts *o, const struct sb_cmp_rows *rs,
		      struct sb_cmp_row *r, const struct runs *v, double limit, int higher_is_worse,
		      double min_delta, double min_samples)
{
	double pct = sb_cmp_delta_pct(r), worse;
	int big;

	r->limit = limit;
	if (!sb_cmp_both_num(r)) {
		r->verdict = CMP_V_NA;
		snprintf(r->note, sizeof(r->note), "no samples in %s",
			 r->b.state != CMP_NUM ? (r->n.state != CMP_NUM ? "BASE and NEW" : "BASE")
					       : "NEW");
		return;
	}
	if (fmin(r->b.min_count, r->n.min_count) < min_samples) {
		r->verdict = CMP_V_NA;
		snprintf(r->note, sizeof(r->note), "%.0f samples in a run, fewer than %g",
			 fmin(r->b.min_count, r->n.min_count), min_samples);
		return;
	}
	if (r->b.med <= 0) {
		r->verdict = CMP_V_NA;
		snprintf(r->note, sizeof(r->note), "BASE is %g, no percentage", r->b.med);
		return;
	}
	worse = higher_is_worse ? pct : -pct;
	big = worse > limit && fabs(r->n.med - r->b.med) > min_delta;
	if (rs->mode == CMP_MODE_TEST && v->nb == r->b.runs && v->nn == r->n.runs)
		r->p = higher_is_worse ? sb_mwu_p_greater(v->b, v->nb, v->n, v->nn, NULL)
				       : sb_mwu_p_greater(v->n, v->nn, v->b, v->nb, NULL);
	if (!isnan(r->p) && r->p > o->alpha)
		r->verdict = CMP_V_NOISE;
	else
		r->verdict = big ? CMP_V_FAIL : CMP_V_OK;
	if (higher_is_worse)
		snprintf(r->note, sizeof(r->note), "%+.2f%% %s +%g%%", pct,
			 big ? ">" : "<=", limit);
	else
		snprintf(r->note, sizeof(r->note), "drop %.2f%% %s %g%%", -pct + 0.0,
			 big ? ">" : "<=", limit);
	if (r->verdict == CMP_V_NOISE)
		snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
			 ", p=%.3g > %g: not significant", r->p, o->alpha);
}

/* A run stopped before all it was asked for: interrupted, or a stop_reason
 * other than "complete" (--max-time passed first). Writes the reason. */
static int stopped_early(const json_t *root, char *why, size_t len)
{
	const char *r = json_string_value(json_object_get(root, "stop_reason"));
	int v = 0;

	sb_jget_bool(json_object_get(root, "interrupted"), &v);
	snprintf(why, len, "%s", r ? r : v ? "interrupted" : "complete");
	return v || (r && strcmp(r, "complete") != 0);
}

/* Health rows: interrupted (or otherwise stopped early), lost_events,
 * join_rate. */
static int health_rows(const struct sb_cmp_opts *o, const struct sb_cmp_side *b,
		       const struct sb_cmp_side *n, struct sb_cmp_rows *rs, char *err, size_t len)
{
	double bj = INFINITY, nj = INFINITY;
	size_t bjn = 0, njn = 0;
	int ni = 0;
	int64_t bl = 0, nl = 0;
	struct sb_cmp_row *r;

	char why[32], nwhy[32] = "";

	for (size_t i = 0; i < b->n; i++) {
		const json_t *root = b->docs[i];
		int64_t l = 0;
		double j;

		if (stopped_early(root, why, sizeof(why)))
			return sb_errf(err, len, -EINVAL,
				       "BASE %s is a run that stopped early (%s); record a "
				       "complete baseline",
				       b->paths[i], why);
		sb_jget_int64(json_object_get(root, "lost_events"), &l);
		bl = l > bl ? l : bl;
		if (sb_jget_double(json_object_get(root, "join_rate"), &j) == 0 && isfinite(j)) {
			bj = fmin(bj, j);
			bjn++;
		}
	}
	for (size_t i = 0; i < n->n; i++) {
		const json_t *root = n->docs[i];
		int64_t l = 0;
		double j;

		if (stopped_early(root, why, sizeof(why))) {
			ni++;
			snprintf(nwhy, sizeof(nwhy), "%s", why);
		}
		sb_jget_int64(json_object_get(root, "lost_events"), &l);
		nl = l > nl ? l : nl;
		if (sb_jget_double(json_object_get(root, "join_rate"), &j) == 0 && isfinite(j)) {
			nj = fmin(nj, j);
			njn++;
		}
	}
	if (!(r = row_add(rs, CMP_K_HEALTH, "interrupted")))
		return -ENOMEM;
	r->b = (struct sb_cmp_val){CMP_NUM, 0, 0, 0, b->n, NULL, 0};
	r->n = (struct sb_cmp_val){CMP_NUM, ni, ni, ni, n->n, NULL, 0};
	r->verdict = ni ? CMP_V_FAIL : CMP_V_OK;
	if (ni)
		snprintf(r->note, sizeof(r->note), "%d of %zu NEW runs stopped early (%s)", ni,
			 n->n, nwhy);
	else
		snprintf(r->note, sizeof(r->note), "complete");

	if (!(r = row_add(rs, CMP_K_HEALTH, "lost_events")))
		return -ENOMEM;
	r->b = (struct sb_cmp_val){CMP_NUM, (double)bl, (double)bl, (double)bl, b->n, NULL, 0};
	r->n = (struct sb_cmp_val){CMP_NUM, (double)nl, (double)nl, (double)nl, n->n, NULL, 0};
	if (o->allow_lost) {
		r->verdict = nl > bl ? CMP_V_FAIL : CMP_V_OK;
		snprintf(r->note, sizeof(r->note), "%s",
			 nl > bl ? "NEW lost more events than BASE" : "max <= BASE");
	} else {
		r->verdict = nl > 0 ? CMP_V_FAIL : CMP_V_OK;
		snprintf(r->note, sizeof(r->note), "%s",
			 nl > 0 ? "NEW lost events: its summary is not exact" : "none lost");
	}

	if (!(r = row_add(rs, CMP_K_HEALTH, "join_rate")))
		return -ENOMEM;
	r->b = (struct sb_cmp_val){bjn == b->n ? CMP_NUM : CMP_NA, bj, bj, bj, bjn, NULL, 0};
	r->n = (struct sb_cmp_val){njn == n->n ? CMP_NUM : CMP_NA, nj, nj, nj, njn, NULL, 0};
	if (r->b.state != CMP_NUM) {
		r->verdict = CMP_V_NA;
		snprintf(r->note, sizeof(r->note), "no join in BASE (--no-probes)");
	} else if (r->n.state != CMP_NUM) {
		r->verdict = CMP_V_FAIL;
		snprintf(r->note, sizeof(r->note),
			 "no join in NEW (--no-probes?); compare like with like or --skip "
			 "join_rate");
	} else {
		r->verdict = nj < bj ? CMP_V_FAIL : CMP_V_OK;
		snprintf(r->note, sizeof(r->note), "%s",
			 nj < bj ? "lowest NEW join rate below BASE's" : "min >= BASE");
	}
	return 0;
}

static int is_gated_block(const char *block)
{
	return strcmp(block, "user_connect") == 0 || strcmp(block, "kernel_handshake") == 0 ||
	       strcmp(block, "tls_handshake") == 0;
}

/* A latency block with samples in some run of the side. */
static int side_has_block(const struct sb_cmp_side *s, const char *block)
{
	for (size_t i = 0; i < s->n; i++) {
		double count = 0;
		const json_t *blk =
		    json_object_get(json_object_get(s->docs[i], "latency_us"), block);

		if (sb_jget_double(json_object_get(blk, "count"), &count) == 0 && count > 0)
			return 1;
	}
	return 0;
}

int sb_cmp_rows_build(const struct sb_cmp_opts *o, const struct sb_cmp_side *b,
		      const struct sb_cmp_side *n, struct sb_cmp_rows *rs, char *err, size_t len)
{
	size_t ns = b->n > n->n ? b->n : n->n;
	double *sb = calloc(ns, sizeof(*sb)), *sn = calloc(ns, sizeof(*sn));
	struct runs v;
	struct sb_cmp_row *r;
	int ret = -ENOMEM;

	if (!sb || !sn)
		goto out;
	rs->mode = sb_cmp_mode_for(o, b->n, n->n);
	rs->min_p = sb_mwu_min_p(b->n, n->n);
	ret = health_rows(o, b, n, rs, err, len);
	if (ret)
		goto out;
	ret = -ENOMEM;

	if (!(r = row_add(rs, o->rate >= 0 ? CMP_K_RATE : CMP_K_INFO, "rate_conns_per_s")))
		goto out;
	ret = side_key(b, r->metric, sb, &r->b, err, len);
	if (!ret)
		ret = side_key(n, r->metric, sn, &r->n, err, len);
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (r->kind == CMP_K_RATE) {
		/* sorted in place by the median; the test needs only the values */
		v = (struct runs){sb, sn, r->b.runs, r->n.runs};
		judge_pct(o, rs, r, &v, o->rate, 0, 0, 0);
	}
	for (size_t l = 0; l < sizeof(lat_blocks) / sizeof(*lat_blocks); l++) {
		static const char *const pcts[] = {"p50", "p99"};

		if (l >= LAT_OPTIONAL && !side_has_block(b, lat_blocks[l]) &&
		    !side_has_block(n, lat_blocks[l]))
			continue;
		for (size_t p = 0; p < 2; p++) {
			double limit = -1;
			enum sb_cmp_kind kind;

			if (p == 1 && o->p99_all >= 0)
				limit = o->p99_all;
			else if (is_gated_block(lat_blocks[l]) && o->lat >= 0)
				limit = o->lat;
			kind = limit >= 0 ? CMP_K_LAT : CMP_K_INFO;
			if (!(r = row_add(rs, kind, "latency_us.%s.%s", lat_blocks[l], pcts[p])))
				goto out;
			side_latency(b, lat_blocks[l], pcts[p], sb, &r->b);
			side_latency(n, lat_blocks[l], pcts[p], sn, &r->n);
			if (kind == CMP_K_LAT) {
				v = (struct runs){sb, sn, r->b.runs, r->n.runs};
				judge_pct(o, rs, r, &v, limit, 1, o->min_delta_us, o->min_samples);
			} else if (!sb_cmp_both_num(r)) {
				r->verdict = CMP_V_NA;
			}
		}
	}
	for (size_t i = 0; i < o->nexact; i++) {
		if (!(r = row_add(rs, CMP_K_EXACT, "%s", o->exact[i])))
			goto out;
		ret = side_key(b, o->exact[i], sb, &r->b, err, len);
		if (!ret)
			ret = side_key(n, o->exact[i], sn, &r->n, err, len);
		if (ret)
			goto out;
		ret = -ENOMEM;
		if (r->b.state == CMP_MISSING && r->n.state == CMP_MISSING) {
			ret = sb_errf(err, len, -EINVAL,
				      "--exact %s: no such key in BASE or NEW summary.json; give "
				      "dotted keys such as outcomes.accepted",
				      o->exact[i]);
			goto out;
		}
		if (sb_cmp_both_num(r))
			r->verdict = r->b.med == r->n.med ? CMP_V_OK : CMP_V_FAIL;
		else if (r->b.state == CMP_SCALAR && r->n.state == CMP_SCALAR)
			r->verdict = json_equal(r->b.rep, r->n.rep) ? CMP_V_OK : CMP_V_FAIL;
		else
			r->verdict = CMP_V_FAIL;
		snprintf(r->note, sizeof(r->note), "%s",
			 r->verdict == CMP_V_OK ? "equal" : "must be equal");
	}
	/* --skip: shown, never checked */
	for (size_t i = 0; i < rs->n; i++)
		if (skipped(o, rs->r[i].metric) && rs->r[i].kind != CMP_K_INFO) {
			rs->r[i].verdict = CMP_V_INFO;
			snprintf(rs->r[i].note, sizeof(rs->r[i].note), "skipped (--skip)");
		}
	ret = 0;
out:
	free(sb);
	free(sn);
	return ret;
}
