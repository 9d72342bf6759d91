/* bench compare, the data side: resolve BASE/NEW to summary.json files,
 * load and validate them, and decide every row (metric, BASE and NEW value,
 * p-value, verdict). Printing lives in compare_out.c. Functions return 0 or
 * negative errno and leave a one-line "what; what to do" message in err. */
#ifndef SB_COMPARE_ROWS_H
#define SB_COMPARE_ROWS_H

#include <stddef.h>

#include <jansson.h>

/* The summary.json schema this reader understands (SB_SUMMARY_SCHEMA in
 * harness/output/results.h). */
#define SB_CMP_SCHEMA 1

/* Defaults. Single runs: significance cannot be judged, and one shape's rate
 * moved 57k-104k conns/s within an hour on the project's VM, so only a
 * doubling of latency or a halving of the rate fails. Repeats: the test
 * decides what is noise, and the threshold is the smallest effect that
 * matters. */
#define SB_CMP_SINGLE_LAT	   100.0
#define SB_CMP_SINGLE_RATE	   50.0
#define SB_CMP_SINGLE_MIN_DELTA_US 10.0
#define SB_CMP_TEST_LAT		   5.0
#define SB_CMP_TEST_RATE	   5.0
#define SB_CMP_TEST_MIN_DELTA_US   0.0
#define SB_CMP_MIN_SAMPLES	   100.0
#define SB_CMP_ALPHA		   0.05

/* Which options were set (on the command line or in BASE/compare). */
enum {
	CMP_SET_LAT = 1 << 0,
	CMP_SET_P99 = 1 << 1,
	CMP_SET_RATE = 1 << 2,
	CMP_SET_DELTA = 1 << 3,
	CMP_SET_SAMPLES = 1 << 4,
	CMP_SET_ALPHA = 1 << 5,
	CMP_SET_EXACT = 1 << 6,
	CMP_SET_LOST = 1 << 7,
	CMP_SET_SKIP = 1 << 8,
};

/* The effective options (owned by sb_compare_main). Percentages < 0: off. */
struct sb_cmp_opts {
	unsigned set;
	double lat;	/* user_connect, kernel_handshake p50/p99: max increase */
	double p99_all; /* --max-p99-regress: the p99 of every block */
	double rate;	/* max rate drop */
	double min_delta_us;
	double min_samples;
	double alpha;
	int allow_lost; /* lost_events may be as many as BASE's */
	char **exact;	/* owned copies */
	size_t nexact;
	char **skip; /* metrics not gated */
	size_t nskip;
	int json, no_base_opts;
	const char *junit, *markdown;
	const char **base, **new; /* the arguments of each side */
	size_t nbase, nnew;
	char base_opts[512]; /* BASE/compare, when read: its path */
};

/* One side: the summary.json of each run, parsed. */
struct sb_cmp_side {
	const char *label; /* "BASE" or "NEW" */
	const char **args;
	size_t nargs;
	char **paths;
	json_t **docs;
	size_t n;
};

/* A metric over the runs of a side: a number (median, min, max over the runs
 * that have it), one scalar every run agrees on, missing, varying, or n/a
 * (a latency block without samples). */
enum sb_cmp_vstate { CMP_NUM, CMP_SCALAR, CMP_MISSING, CMP_VARIES, CMP_NA };

struct sb_cmp_val {
	enum sb_cmp_vstate state;
	double med, min, max;
	size_t runs;		   /* runs that gave a number */
	const json_t *rep;	   /* CMP_SCALAR: the value (the same in every run) */
	double min_count;	   /* latency: fewest samples in one run */
};

enum sb_cmp_kind { CMP_K_INFO, CMP_K_LAT, CMP_K_RATE, CMP_K_EXACT, CMP_K_HEALTH };
enum sb_cmp_verdict { CMP_V_INFO, CMP_V_OK, CMP_V_FAIL, CMP_V_NA, CMP_V_NOISE };

/* How the latency and rate rows are judged. */
enum sb_cmp_mode {
	CMP_MODE_SINGLE, /* too few runs for the test to reach alpha */
	CMP_MODE_TEST,	 /* Mann-Whitney U on the per-run figures */
};

/* One line of the table. CMP_V_INFO rows are shown but never checked. */
struct sb_cmp_row {
	char metric[128];
	enum sb_cmp_kind kind;
	enum sb_cmp_verdict verdict;
	struct sb_cmp_val b, n;
	double limit; /* percent, CMP_K_LAT / CMP_K_RATE */
	double p;     /* one-sided p-value (CMP_MODE_TEST), else NAN */
	char note[160];
};

struct sb_cmp_rows {
	struct sb_cmp_row *r;
	size_t n, cap;
	enum sb_cmp_mode mode;
	double min_p; /* smallest p-value the run counts allow */
};

/* s->label, s->args and s->nargs set: each a summary.json, a run directory,
 * or a directory of run directories (sorted by name). */
int sb_cmp_side_load(struct sb_cmp_side *s, char *err, size_t len);
void sb_cmp_side_free(struct sb_cmp_side *s);

/* The mode the run counts allow, and every option left unset filled with
 * that mode's default. */
enum sb_cmp_mode sb_cmp_mode_for(const struct sb_cmp_opts *o, size_t nb, size_t nn);
void sb_cmp_opts_defaults(struct sb_cmp_opts *o, enum sb_cmp_mode mode);

/* Health rows, rate, p50/p99 of every latency block, then the exact keys.
 * o must hold effective values (sb_cmp_opts_defaults). rs must be zeroed;
 * free rs->r. */
int sb_cmp_rows_build(const struct sb_cmp_opts *o, const struct sb_cmp_side *b,
		      const struct sb_cmp_side *n, struct sb_cmp_rows *rs, char *err, size_t len);

int sb_cmp_both_num(const struct sb_cmp_row *r);
/* (NEW - BASE) / |BASE| in percent; NAN when not both numbers or BASE is 0. */
double sb_cmp_delta_pct(const struct sb_cmp_row *r);
/* A row that counts as a check (ok, FAIL or noise). */
int sb_cmp_is_check(const struct sb_cmp_row *r);

#endif
