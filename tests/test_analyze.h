/* Tests that look at the rows of a join and at the result made of it:
 * one in-memory batch, joined (rows, counts) and analyzed (reconciliation,
 * identities, summaries). */
#ifndef SB_TEST_ANALYZE_H
#define SB_TEST_ANALYZE_H

#include "harness/analysis/analyze.h"
#include "harness/output/results.h"

static inline int test_analyze(const struct sb_rundata *rd, struct sb_join **j,
			       struct sb_result **res)
{
	int e = sb_join__new(rd, j);

	return e ? e : sb_analyze(rd, NULL, res);
}

static inline void test_analyze_free(struct sb_join **j, struct sb_result **res)
{
	sb_join__free(*j);
	sb_result__free(*res);
	*j = NULL;
	*res = NULL;
}

/* As the main job does: the rows into dir/connections.csv while analyzing,
 * then the other result files. 0 or negative errno. */
static inline int test_write_results(const char *dir, const struct sb_rundata *rd,
				     struct sb_result **res)
{
	struct sb_conn_writer *w = NULL;
	struct sb_row_sink sink = {sb_conn_writer__rows, NULL};
	int e = sb_conn_writer__open(dir, &w), c;

	*res = NULL;
	if (e)
		return e;
	sink.ctx = w;
	e = sb_analyze(rd, &sink, res);
	c = sb_conn_writer__close(w, !e);
	e = e ? e : c;
	return e ? e : sb_results_write(dir, rd, *res);
}

#endif
