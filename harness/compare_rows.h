/* bench compare, the data side: resolve BASE/NEW to summary.json files,
 * load and validate them, and decide every row (metric, BASE and NEW value,
 * verdict). Printing lives in compare.c. Functions return 0 or negative
 * errno and leave a one-line "what; what to do" message in err. */
#ifndef SB_COMPARE_ROWS_H
#define SB_COMPARE_ROWS_H

#include <stddef.h>

#include "harness/jsonread.h"

/* The summary.json schema this reader understands (SB_SUMMARY_SCHEMA in
 * harness/results.h). */
#define SB_CMP_SCHEMA 1

/* The effective options (owned by sb_compare_main). */
struct sb_cmp_opts {
	double max_p99;	 /* percent; < 0: off */
	double max_rate; /* percent; < 0: off */
	double min_delta_us;
	char **exact; /* owned copies */
	size_t nexact;
	int exact_given;
	int json;
	const char *base, *new;
};

/* One side: the summary.json of each run, parsed. */
struct sb_cmp_side {
	const char *label; /* "BASE" or "NEW" */
	const char *arg;
	char **paths;
	struct sb_jdoc **docs;
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
	const struct sb_jval *rep; /* CMP_SCALAR: the value (the same in every run) */
};

enum sb_cmp_kind { CMP_K_INFO, CMP_K_P99, CMP_K_RATE, CMP_K_EXACT, CMP_K_HEALTH };
enum sb_cmp_verdict { CMP_V_INFO, CMP_V_OK, CMP_V_FAIL, CMP_V_NA };

/* One line of the table. CMP_V_INFO rows are shown but never checked. */
struct sb_cmp_row {
	char metric[128];
	enum sb_cmp_kind kind;
	enum sb_cmp_verdict verdict;
	struct sb_cmp_val b, n;
	double limit; /* percent, CMP_K_P99 / CMP_K_RATE */
	char note[160];
};

struct sb_cmp_rows {
	struct sb_cmp_row *r;
	size_t n, cap;
};

/* s->label and s->arg set: a summary.json, a run directory, or a directory
 * of run directories (sorted by name). */
int sb_cmp_side_load(struct sb_cmp_side *s, char *err, size_t len);
void sb_cmp_side_free(struct sb_cmp_side *s);

/* Health rows, rate, p50/p99 of every latency block, then the --exact keys.
 * rs must be zeroed; free rs->r. */
int sb_cmp_rows_build(const struct sb_cmp_opts *o, const struct sb_cmp_side *b,
		      const struct sb_cmp_side *n, struct sb_cmp_rows *rs, char *err, size_t len);

int sb_cmp_both_num(const struct sb_cmp_row *r);
/* (NEW - BASE) / |BASE| in percent; NAN when not both numbers or BASE is 0. */
double sb_cmp_delta_pct(const struct sb_cmp_row *r);

int sb_cmp_errf(char *err, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
