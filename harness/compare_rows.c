/* bench compare: from BASE/NEW arguments to decided rows. */
#include "harness/compare_rows.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/compare.h"

static const char *const lat_blocks[] = {"user_connect", "kernel_handshake", "pre_syn",
					 "notify_delay", "accept_wait"};

int sb_cmp_errf(char *err, size_t len, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return code;
}

double sb_compare_median(double *v, size_t n)
{
	/* insertion sort: n is the number of repeats */
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	if (n == 0)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

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

/* Fills s->paths: the file, dir/summary.json, or dir/<sub>/summary.json. */
static int side_resolve(struct sb_cmp_side *s, char *err, size_t len)
{
	struct dirent **ents = NULL;
	struct stat st;
	char *p = NULL;
	int n, r = 0;

	if (stat(s->arg, &st) < 0)
		return sb_cmp_errf(
		    err, len, -errno,
		    "%s '%s': %s; give a run directory, a summary.json or a directory of "
		    "runs",
		    s->label, s->arg, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return side_add(s, s->arg, NULL);
	if (asprintf(&p, "%s/summary.json", s->arg) < 0)
		return -ENOMEM;
	if (is_file(p)) {
		free(p);
		return side_add(s, s->arg, "summary.json");
	}
	free(p);
	n = scandir(s->arg, &ents, NULL, alphasort);
	if (n < 0)
		return sb_cmp_errf(err, len, -errno, "%s '%s': %s; check the permissions", s->label,
				   s->arg, strerror(errno));
	for (int i = 0; i < n; i++) {
		if (!r && ents[i]->d_name[0] != '.') {
			if (asprintf(&p, "%s/%s/summary.json", s->arg, ents[i]->d_name) < 0)
				r = -ENOMEM;
			else if (is_file(p))
				r = side_add(s, p, NULL);
			free(p);
		}
		free(ents[i]);
	}
	free(ents);
	if (!r && s->n == 0)
		return sb_cmp_errf(
		    err, len, -ENOENT,
		    "%s '%s': no summary.json in it nor in its subdirectories; give a "
		    "finished run directory (summary.json is written last)",
		    s->label, s->arg);
	return r;
}

static int bad_value(char *err, size_t len, const char *path, const struct sb_jval *v,
		     const char *key, const char *want)
{
	return sb_cmp_errf(err, len, -EINVAL,
			   "%s:%d:%d: '%s' is %s, expected %s; is this a synbench summary.json?",
			   path, v->line, v->col, key, sb_jtype_name(v->type), want);
}

/* The keys compare relies on, with the right types. */
static int validate(const char *path, const struct sb_jval *root, char *err, size_t len)
{
	static const struct {
		const char *key;
		enum sb_jtype type;
		int integral;
	} req[] = {{"interrupted", SB_JBOOL, 0},
		   {"conns_requested", SB_JNUMBER, 1},
		   {"lost_events", SB_JNUMBER, 1},
		   {"rate_conns_per_s", SB_JNUMBER, 0},
		   {"latency_us", SB_JOBJECT, 0}};
	static const char *const pct[] = {"count", "p50", "p99"};
	const struct sb_jval *v = sb_jval_get(root, "schema"), *lat;
	int64_t schema;

	if (root->type != SB_JOBJECT)
		return bad_value(err, len, path, root, "the top level", "an object");
	if (!v)
		return sb_cmp_errf(
		    err, len, -EINVAL,
		    "%s: no 'schema' key; not a synbench summary.json (give the file a run "
		    "wrote)",
		    path);
	if (sb_jval_int64(v, &schema))
		return bad_value(err, len, path, v, "schema", "an integer");
	if (schema != SB_CMP_SCHEMA)
		return sb_cmp_errf(
		    err, len, -EPROTO,
		    "%s: summary schema %lld, this synbench reads schema %d; compare runs "
		    "recorded by the same synbench version",
		    path, (long long)schema, SB_CMP_SCHEMA);
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		v = sb_jval_get(root, req[i].key);
		if (!v)
			return sb_cmp_errf(err, len, -EINVAL,
					   "%s: no '%s' key; not a complete synbench summary.json",
					   path, req[i].key);
		if (v->type != req[i].type || (req[i].integral && !v->is_int))
			return bad_value(err, len, path, v, req[i].key,
					 req[i].integral ? "an integer"
							 : sb_jtype_name(req[i].type));
	}
	lat = sb_jval_get(root, "latency_us");
	for (size_t b = 0; b < sizeof(lat_blocks) / sizeof(*lat_blocks); b++) {
		const struct sb_jval *blk = sb_jval_get(lat, lat_blocks[b]);
		char key[96];

		if (!blk || blk->type == SB_JNULL)
			continue;
		snprintf(key, sizeof(key), "latency_us.%s", lat_blocks[b]);
		if (blk->type != SB_JOBJECT)
			return bad_value(err, len, path, blk, key, "an object or null");
		for (size_t k = 0; k < sizeof(pct) / sizeof(*pct); k++) {
			v = sb_jval_get(blk, pct[k]);
			snprintf(key, sizeof(key), "latency_us.%s.%s", lat_blocks[b], pct[k]);
			if (v && v->type != SB_JNUMBER && v->type != SB_JNULL)
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
		struct sb_jerr e;

		r = sb_jdoc__load(s->paths[i], &s->docs[i], &e);
		if (r == -EINVAL)
			return sb_cmp_errf(err, len, r,
					   "%s:%d:%d: %s; not valid JSON, rerun or fix the file",
					   s->paths[i], e.line, e.col, e.msg);
		if (r == -ENOMEM)
			return r;
		if (r)
			return sb_cmp_errf(err, len, r, "%s: %s; give a readable summary.json",
					   s->paths[i], e.msg);
		r = validate(s->paths[i], sb_jdoc_root(s->docs[i]), err, len);
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
			sb_jdoc__free(s->docs[i]);
	}
	free(s->paths);
	free(s->docs);
}

/* ---- values over the runs of a side ---- */

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
	*sv = (struct sb_cmp_val){0};
	for (size_t i = 0; i < s->n; i++) {
		const struct sb_jval *blk =
		    sb_jval_get(sb_jval_get(sb_jdoc_root(s->docs[i]), "latency_us"), block);
		double count = 0, v;

		if (sb_jval_double(sb_jval_get(blk, "count"), &count) == 0 && count > 0 &&
		    sb_jval_double(sb_jval_get(blk, pct), &v) == 0)
			scratch[sv->runs++] = v;
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
		const struct sb_jval *v = sb_jval_path(sb_jdoc_root(s->docs[i]), key);

		if (!v && sparse_key(key)) {
			scratch[sv->runs++] = 0;
			continue;
		}
		if (!v) {
			missing++;
			continue;
		}
		if (v->type == SB_JOBJECT || v->type == SB_JARRAY)
			return sb_cmp_errf(
			    err, len, -EINVAL,
			    "--exact %s: is an %s in %s; name a number, string or boolean "
			    "inside it, e.g. %s.<name>",
			    key, sb_jtype_name(v->type), s->paths[i], key);
		if (v->type == SB_JNUMBER)
			scratch[sv->runs++] = v->num;
		if (!sv->rep)
			sv->rep = v;
		else if (!sb_jval_equal(sv->rep, v))
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

/* A threshold row: NEW worse than BASE by more than limit percent? */
static void judge_pct(struct sb_cmp_row *r, double limit, int higher_is_worse, double min_delta)
{
	double pct = sb_cmp_delta_pct(r), worse;

	r->limit = limit;
	if (!sb_cmp_both_num(r)) {
		r->verdict = CMP_V_NA;
		snprintf(r->note, sizeof(r->note), "no samples in %s",
			 r->b.state != CMP_NUM ? (r->n.state != CMP_NUM ? "BASE and NEW" : "BASE")
					       : "NEW");
		return;
	}
	if (r->b.med <= 0) {
		r->verdict = CMP_V_NA;
		snprintf(r->note, sizeof(r->note), "BASE is %g, no percentage", r->b.med);
		return;
	}
	worse = higher_is_worse ? pct : -pct;
	r->verdict = worse > limit && fabs(r->n.med - r->b.med) > min_delta ? CMP_V_FAIL : CMP_V_OK;
	if (higher_is_worse)
		snprintf(r->note, sizeof(r->note), "%+.2f%% %s +%g%%", pct,
			 r->verdict == CMP_V_FAIL ? ">" : "<=", limit);
	else
		snprintf(r->note, sizeof(r->note), "drop %.2f%% %s %g%%", -pct,
			 r->verdict == CMP_V_FAIL ? ">" : "<=", limit);
}

int sb_cmp_rows_build(const struct sb_cmp_opts *o, const struct sb_cmp_side *b,
		      const struct sb_cmp_side *n, struct sb_cmp_rows *rs, char *err, size_t len)
{
	size_t nscratch = b->n > n->n ? b->n : n->n;
	double *scratch = calloc(nscratch, sizeof(*scratch));
	struct sb_cmp_row *r;
	int ret = -ENOMEM, bi = 0, ni = 0;
	int64_t bl = 0, nl = 0;

	if (!scratch)
		return -ENOMEM;
	/* health: interrupted (BASE interrupted is bad input), lost_events (max) */
	for (size_t i = 0; i < b->n; i++) {
		int v = 0;
		int64_t l = 0;

		sb_jval_bool(sb_jval_get(sb_jdoc_root(b->docs[i]), "interrupted"), &v);
		if (v) {
			ret =
			    sb_cmp_errf(err, len, -EINVAL,
					"BASE %s is an interrupted run; record a complete baseline",
					b->paths[i]);
			goto out;
		}
		sb_jval_int64(sb_jval_get(sb_jdoc_root(b->docs[i]), "lost_events"), &l);
		bl = l > bl ? l : bl;
	}
	for (size_t i = 0; i < n->n; i++) {
		int v = 0;
		int64_t l = 0;

		sb_jval_bool(sb_jval_get(sb_jdoc_root(n->docs[i]), "interrupted"), &v);
		ni += v;
		sb_jval_int64(sb_jval_get(sb_jdoc_root(n->docs[i]), "lost_events"), &l);
		nl = l > nl ? l : nl;
	}
	if (!(r = row_add(rs, CMP_K_HEALTH, "interrupted")))
		goto out;
	r->b = (struct sb_cmp_val){CMP_NUM, bi, bi, bi, b->n, NULL};
	r->n = (struct sb_cmp_val){CMP_NUM, ni, ni, ni, n->n, NULL};
	r->verdict = ni ? CMP_V_FAIL : CMP_V_OK;
	snprintf(r->note, sizeof(r->note), ni ? "%d of %zu NEW runs interrupted" : "complete", ni,
		 n->n);
	if (!(r = row_add(rs, CMP_K_HEALTH, "lost_events")))
		goto out;
	r->b = (struct sb_cmp_val){CMP_NUM, (double)bl, (double)bl, (double)bl, b->n, NULL};
	r->n = (struct sb_cmp_val){CMP_NUM, (double)nl, (double)nl, (double)nl, n->n, NULL};
	r->verdict = nl > bl ? CMP_V_FAIL : CMP_V_OK;
	snprintf(r->note, sizeof(r->note), "%s", nl > bl ? "NEW lost more events" : "max <= BASE");

	if (!(r = row_add(rs, o->max_rate >= 0 ? CMP_K_RATE : CMP_K_INFO, "rate_conns_per_s")))
		goto out;
	ret = side_key(b, r->metric, scratch, &r->b, err, len);
	if (!ret)
		ret = side_key(n, r->metric, scratch, &r->n, err, len);
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (r->kind == CMP_K_RATE)
		judge_pct(r, o->max_rate, 0, 0);
	for (size_t l = 0; l < sizeof(lat_blocks) / sizeof(*lat_blocks); l++) {
		static const char *const pcts[] = {"p50", "p99"};

		for (size_t p = 0; p < 2; p++) {
			enum sb_cmp_kind kind = p == 1 && o->max_p99 >= 0 ? CMP_K_P99 : CMP_K_INFO;

			if (!(r = row_add(rs, kind, "latency_us.%s.%s", lat_blocks[l], pcts[p])))
				goto out;
			side_latency(b, lat_blocks[l], pcts[p], scratch, &r->b);
			side_latency(n, lat_blocks[l], pcts[p], scratch, &r->n);
			if (kind == CMP_K_P99)
				judge_pct(r, o->max_p99, 1, o->min_delta_us);
			else if (!sb_cmp_both_num(r))
				r->verdict = CMP_V_NA;
		}
	}
	for (size_t i = 0; i < o->nexact; i++) {
		if (!(r = row_add(rs, CMP_K_EXACT, "%s", o->exact[i])))
			goto out;
		ret = side_key(b, o->exact[i], scratch, &r->b, err, len);
		if (!ret)
			ret = side_key(n, o->exact[i], scratch, &r->n, err, len);
		if (ret)
			goto out;
		ret = -ENOMEM;
		if (r->b.state == CMP_MISSING && r->n.state == CMP_MISSING) {
			ret =
			    sb_cmp_errf(err, len, -EINVAL,
					"--exact %s: no such key in BASE or NEW summary.json; give "
					"dotted keys such as outcomes.accepted",
					o->exact[i]);
			goto out;
		}
		if (sb_cmp_both_num(r))
			r->verdict = r->b.med == r->n.med ? CMP_V_OK : CMP_V_FAIL;
		else if (r->b.state == CMP_SCALAR && r->n.state == CMP_SCALAR)
			r->verdict = sb_jval_equal(r->b.rep, r->n.rep) ? CMP_V_OK : CMP_V_FAIL;
		else
			r->verdict = CMP_V_FAIL;
		snprintf(r->note, sizeof(r->note), "%s",
			 r->verdict == CMP_V_OK ? "equal" : "must be equal");
	}
	ret = 0;
out:
	free(scratch);
	return ret;
}
