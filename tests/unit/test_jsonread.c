/* harness/jsonread.c: values, escapes, dotted paths, integral numbers, and
 * malformed input: every case must give -EINVAL with the right line:col and
 * never crash (ASan+UBSan build). Truncations and byte flips of a valid
 * document are run too. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test.h"
#include "harness/output/jsonread.h"

static struct sb_jdoc *parse_ok(const char *text, const char *name)
{
	struct sb_jerr e;
	struct sb_jdoc *d = NULL;
	int err = sb_jdoc__parse(text, strlen(text), &d, &e);

	if (!ASSERT_OK(err, name))
		fprintf(stderr, "    %d:%d: %s\n", e.line, e.col, e.msg);
	return d;
}

static void test_values(void)
{
	const char *text = "{\n"
			   "  \"schema\": 1,\n"
			   "  \"interrupted\": false,\n"
			   "  \"join_rate\": 0.998,\n"
			   "  \"big\": 9223372036854775807,\n"
			   "  \"huge\": 9223372036854775808,\n"
			   "  \"neg\": -42,\n"
			   "  \"float_int\": 3.0e2,\n"
			   "  \"tiny\": 1e-400,\n"
			   "  \"latency_us\": {\"user_connect\": {\"count\": 3, \"p99\": 12.5},\n"
			   "                 \"pre_syn\": {\"count\": 0, \"p99\": null}},\n"
			   "  \"list\": [10, [20, 21], {\"x\": \"y\"}],\n"
			   "  \"esc\": \"q\\\"b\\\\s\\/n\\nt\\tu\\u00e9\\ud83d\\ude00\",\n"
			   "  \"nul\": \"a\\u0000b\",\n"
			   "  \"utf8\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\n"
			   "  \"empty\": {}, \"none\": []\n"
			   "}";
	struct sb_jdoc *d = parse_ok(text, "parse summary-like document");
	const struct sb_jval *r = sb_jdoc_root(d), *v;
	int64_t i;
	double x;
	int b;

	if (!d)
		return;
	ASSERT_EQ(r->type, SB_JOBJECT, "root is an object");
	ASSERT_EQ(r->len, 15, "root member count");
	ASSERT_OK(sb_jval_int64(sb_jval_get(r, "schema"), &i), "schema int");
	ASSERT_EQ(i, 1, "schema value");
	ASSERT_OK(sb_jval_bool(sb_jval_get(r, "interrupted"), &b), "interrupted bool");
	ASSERT_EQ(b, 0, "interrupted value");
	ASSERT_OK(sb_jval_double(sb_jval_get(r, "join_rate"), &x), "join_rate double");
	ASSERT_NEAR(x, 0.998, 1e-12, "join_rate value");
	ASSERT_EQ(sb_jval_int64(sb_jval_get(r, "join_rate"), &i), -ERANGE, "join_rate not int");
	ASSERT_OK(sb_jval_int64(sb_jval_get(r, "big"), &i), "INT64_MAX int");
	ASSERT_TRUE(i == INT64_MAX, "INT64_MAX exact");
	ASSERT_EQ(sb_jval_int64(sb_jval_get(r, "huge"), &i), -ERANGE, "2^63 not int64");
	ASSERT_OK(sb_jval_double(sb_jval_get(r, "huge"), &x), "2^63 still a double");
	ASSERT_OK(sb_jval_int64(sb_jval_get(r, "neg"), &i), "negative int");
	ASSERT_EQ(i, -42, "negative value");
	ASSERT_OK(sb_jval_int64(sb_jval_get(r, "float_int"), &i), "3.0e2 integral");
	ASSERT_EQ(i, 300, "3.0e2 value");
	ASSERT_OK(sb_jval_double(sb_jval_get(r, "tiny"), &x), "underflow is 0, not an error");
	ASSERT_OK(sb_jval_double(sb_jval_path(r, "latency_us.user_connect.p99"), &x),
		  "dotted path");
	ASSERT_NEAR(x, 12.5, 0, "dotted path value");
	v = sb_jval_path(r, "latency_us.pre_syn.p99");
	ASSERT_TRUE(sb_jval_is_null(v), "null percentile");
	ASSERT_EQ(sb_jval_double(v, &x), -EINVAL, "null is not a number");
	ASSERT_EQ(v->line, 11, "value line");
	ASSERT_EQ(v->col, 49, "value column");
	ASSERT_TRUE(sb_jval_path(r, "latency_us.nope.p99") == NULL, "absent path");
	ASSERT_TRUE(sb_jval_path(r, "schema.x") == NULL, "path through a number");
	ASSERT_TRUE(sb_jval_path(r, "latency_us.") == NULL, "trailing dot");
	ASSERT_TRUE(sb_jval_path(r, "") == r, "empty path is the value");
	ASSERT_OK(sb_jval_int64(sb_jval_path(r, "list.1.1"), &i), "array index path");
	ASSERT_EQ(i, 21, "array index value");
	ASSERT_STREQ(sb_jval_str(sb_jval_path(r, "list.2.x")), "y", "object in array");
	ASSERT_TRUE(sb_jval_path(r, "list.3") == NULL, "index out of range");
	ASSERT_TRUE(sb_jval_path(r, "list.x") == NULL, "non-numeric index");
	ASSERT_STREQ(sb_jval_str(sb_jval_get(r, "esc")), "q\"b\\s/n\nt\tu\xc3\xa9\xf0\x9f\x98\x80",
		     "escapes decoded to UTF-8");
	v = sb_jval_get(r, "nul");
	ASSERT_EQ(v->len, 3, "\\u0000 kept in length");
	ASSERT_TRUE(memcmp(v->str, "a\0b", 3) == 0, "\\u0000 kept in bytes");
	ASSERT_STREQ(sb_jval_str(sb_jval_get(r, "utf8")), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		     "raw UTF-8 kept");
	ASSERT_EQ(sb_jval_get(r, "empty")->len, 0, "empty object");
	ASSERT_TRUE(sb_jval_get(r, "empty")->child == NULL, "empty object has no child");
	ASSERT_EQ(sb_jval_get(r, "none")->type, SB_JARRAY, "empty array");
	ASSERT_TRUE(sb_jval_str(sb_jval_get(r, "schema")) == NULL, "number is not a string");
	sb_jdoc__free(d);
}

static void test_equal_and_scalars(void)
{
	struct sb_jdoc *a =
	    parse_ok("{\"x\": [1, 2.0, \"s\"], \"y\": {\"k\": null}, \"z\": true}", "parse a");
	struct sb_jdoc *b = parse_ok(" {\"z\": true, \"y\": {\"k\": null}, \"x\": [1, 2, \"s\"]} ",
				     "parse b (reordered)");
	struct sb_jdoc *c =
	    parse_ok("{\"z\": true, \"y\": {\"k\": 0}, \"x\": [1, 2, \"s\"]}", "parse c (differs)");
	struct sb_jdoc *s = parse_ok("\xef\xbb\xbf  \"top\"  ", "BOM and scalar top level");

	if (a && b && c) {
		ASSERT_TRUE(sb_jval_equal(sb_jdoc_root(a), sb_jdoc_root(b)), "deep equal");
		ASSERT_FALSE(sb_jval_equal(sb_jdoc_root(a), sb_jdoc_root(c)), "deep differ");
	}
	if (s)
		ASSERT_STREQ(sb_jval_str(sb_jdoc_root(s)), "top", "scalar root");
	sb_jdoc__free(a);
	sb_jdoc__free(b);
	sb_jdoc__free(c);
	sb_jdoc__free(s);
	sb_jdoc__free(NULL);
}

struct bad {
	const char *text;
	size_t len; /* 0: strlen */
	int line, col;
	const char *needle;
};

static void test_malformed(void)
{
	static const struct bad cases[] = {
	    {"", 0, 1, 1, "empty input"},
	    {" \n\t ", 0, 2, 3, "empty input"},
	    {"{", 0, 1, 2, "end of input"},
	    {"{\"a\":1,}", 0, 1, 8, "trailing comma"},
	    {"[1,]", 0, 1, 4, "trailing comma"},
	    {"[1 2]", 0, 1, 4, "expected ',' or ']'"},
	    {"{\"a\" 1}", 0, 1, 6, "':'"},
	    {"{a:1}", 0, 1, 2, "member name"},
	    {"{\"a\":1 \"b\":2}", 0, 1, 8, "',' or '}'"},
	    {"01", 0, 1, 1, "leading zero"},
	    {"-01", 0, 1, 1, "leading zero"},
	    {"1.", 0, 1, 3, "decimal point"},
	    {"1.e5", 0, 1, 3, "decimal point"},
	    {"1e", 0, 1, 3, "exponent"},
	    {"1e+", 0, 1, 4, "exponent"},
	    {"-", 0, 1, 2, "digit"},
	    {"-x", 0, 1, 2, "digit"},
	    {"+1", 0, 1, 1, "expected a value"},
	    {".5", 0, 1, 1, "expected a value"},
	    {"0x10", 0, 1, 2, "end of input after"},
	    {"NaN", 0, 1, 1, "expected a value"},
	    {"Infinity", 0, 1, 1, "expected a value"},
	    {"-Infinity", 0, 1, 2, "digit"},
	    {"1e999", 0, 1, 1, "out of range"},
	    {"[-1e400]", 0, 1, 2, "out of range"},
	    {"\"abc", 0, 1, 1, "unterminated"},
	    {"\"abc\\", 0, 1, 1, "unterminated"},
	    {"\"a\nb\"", 0, 1, 3, "control character"},
	    {"\"a\tb\"", 0, 1, 3, "control character"},
	    {"\"\\x\"", 0, 1, 2, "invalid escape"},
	    {"\"\\u12\"", 0, 1, 2, "four hex digits"},
	    {"\"\\u12g4\"", 0, 1, 2, "four hex digits"},
	    {"\"\\ud800\"", 0, 1, 2, "high surrogate"},
	    {"\"\\ud800\\u0041\"", 0, 1, 2, "high surrogate"},
	    {"\"\\udc00\"", 0, 1, 2, "lone low surrogate"},
	    {"\"\xff\"", 0, 1, 2, "invalid UTF-8"},
	    {"\"\xc0\xaf\"", 0, 1, 2, "invalid UTF-8"},
	    {"\"\xed\xa0\x80\"", 0, 1, 2, "invalid UTF-8"},
	    {"\"\xf4\x90\x80\x80\"", 0, 1, 2, "invalid UTF-8"},
	    {"\"\xe2\x82\"", 0, 1, 2, "invalid UTF-8"},
	    {"tru", 0, 1, 1, "expected a value"},
	    {"nul", 0, 1, 1, "expected a value"},
	    {"truex", 0, 1, 5, "end of input after"},
	    {"{}{}", 0, 1, 3, "end of input after"},
	    {"{\"a\":1,\"b\":2,\"a\":3}", 0, 1, 18, "duplicate member name \"a\""},
	    {"[{\"k\":{}, \"k\":[]}]", 0, 1, 15, "duplicate"},
	    {"// c\n1", 0, 1, 1, "expected a value"},
	    {"[1,/*x*/2]", 0, 1, 4, "expected a value"},
	    {"\0", 1, 1, 1, "byte 0x00"},
	    {"[1]\0", 4, 1, 4, "byte 0x00"},
	    {"'a'", 0, 1, 1, "''''"},
	    {"{\n  \"a\": 1,\n  \"b\": x\n}", 0, 3, 8, "unexpected 'x'"},
	    {"{\n  \"a\": \"\\n\\n\",\n  \"b\": ]\n}", 0, 3, 8, "unexpected ']'"},
	    {"[\r\n1,\r\n]", 0, 3, 1, "trailing comma"},
	};
	char name[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		struct sb_jdoc *d = (struct sb_jdoc *)1;
		struct sb_jerr e;
		int err = sb_jdoc__parse(c->text, len, &d, &e);

		snprintf(name, sizeof(name), "malformed #%zu (%s) -> %d:%d: %s", i, c->needle,
			 e.line, e.col, e.msg);
		ASSERT_EQ(err, -EINVAL, name);
		ASSERT_TRUE(d == NULL, "no document on error");
		ASSERT_EQ(e.line, c->line, "error line");
		ASSERT_EQ(e.col, c->col, "error column");
		if (strcmp(c->needle, "''''") == 0)
			ASSERT_TRUE(strstr(e.msg, "'''") != NULL, "message names the quote");
		else
			ASSERT_TRUE(strstr(e.msg, c->needle) != NULL, "message says why");
		sb_jdoc__free(d);
	}
}

static void test_depth(void)
{
	size_t n = 200000;
	char *deep = malloc(n);
	struct sb_jdoc *d = NULL;
	struct sb_jerr e;

	if (!ASSERT_OK_PTR(deep, "alloc"))
		return;
	memset(deep, '[', n);
	ASSERT_EQ(sb_jdoc__parse(deep, n, &d, &e), -EINVAL, "200000 '[' rejected, no overflow");
	ASSERT_TRUE(strstr(e.msg, "nesting deeper") != NULL, "nesting message");
	/* exactly at the limit is fine */
	memset(deep, '[', SB_JDOC_MAX_DEPTH);
	memset(deep + SB_JDOC_MAX_DEPTH, ']', SB_JDOC_MAX_DEPTH);
	ASSERT_OK(sb_jdoc__parse(deep, 2 * SB_JDOC_MAX_DEPTH, &d, &e), "max depth accepted");
	sb_jdoc__free(d);
	memset(deep, '[', SB_JDOC_MAX_DEPTH + 1);
	memset(deep + SB_JDOC_MAX_DEPTH + 1, ']', SB_JDOC_MAX_DEPTH + 1);
	ASSERT_EQ(sb_jdoc__parse(deep, 2 * SB_JDOC_MAX_DEPTH + 2, &d, &e), -EINVAL,
		  "max depth + 1 rejected");
	free(deep);
}

/* Every strict prefix of an object is malformed; random byte flips must not
 * crash (the sanitizers are the assertion) and either parse or say where. */
static void test_truncate_and_flip(void)
{
	const char *doc = "{\"schema\":1,\"s\":\"\\u00e9\\ud83d\\ude00x\",\"a\":[1.5e3,-0,true,"
			  "false,null,{\"k\":\"\xc3\xa9\"}],\"n\":{\"p99\":null}}";
	size_t len = strlen(doc), bad = 0, located = 0, flips = 0;
	char *buf = malloc(len);
	uint32_t seed = 12345;

	if (!ASSERT_OK_PTR(buf, "alloc"))
		return;
	for (size_t i = 0; i < len; i++) {
		struct sb_jdoc *d = NULL;
		struct sb_jerr e;

		bad += sb_jdoc__parse(doc, i, &d, &e) == -EINVAL && !d;
		located += e.line == 1 && e.col >= 1 && (size_t)e.col <= i + 1;
	}
	ASSERT_EQ(bad, len, "every prefix rejected");
	ASSERT_EQ(located, len, "every prefix error located inside the input");
	for (int round = 0; round < 20000; round++) {
		struct sb_jdoc *d = NULL;
		struct sb_jerr e;
		int err;

		memcpy(buf, doc, len);
		for (int k = 0; k < 1 + round % 3; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = (char)(seed >> 24);
		}
		err = sb_jdoc__parse(buf, len, &d, &e);
		if (err) {
			flips += err == -EINVAL && e.line >= 1 && e.col >= 1 && e.msg[0];
		} else {
			flips++;
			sb_jdoc__free(d);
		}
	}
	ASSERT_EQ(flips, 20000, "byte flips: parsed or located error");
	free(buf);
}

static void test_load(void)
{
	struct sb_jdoc *d = (struct sb_jdoc *)1;
	struct sb_jerr e;
	char path[512];

	ASSERT_EQ(sb_jdoc__load("/nonexistent/summary.json", &d, &e), -ENOENT, "missing file");
	ASSERT_TRUE(d == NULL, "missing: no document");
	ASSERT_TRUE(strstr(e.msg, "cannot open") != NULL, "missing: message");
	ASSERT_EQ(sb_jdoc__load(SB_FIXTURES, &d, &e), -EISDIR, "directory");
	snprintf(path, sizeof(path), "%s/compare/base/summary.json", SB_FIXTURES);
	if (ASSERT_OK(sb_jdoc__load(path, &d, &e), "load fixture")) {
		int64_t schema = 0;

		ASSERT_OK(sb_jval_int64(sb_jval_get(sb_jdoc_root(d), "schema"), &schema),
			  "fixture schema");
		ASSERT_EQ(schema, 1, "fixture schema value");
		sb_jdoc__free(d);
	}
	snprintf(path, sizeof(path), "%s/compare/malformed/summary.json", SB_FIXTURES);
	ASSERT_EQ(sb_jdoc__load(path, &d, &e), -EINVAL, "malformed fixture");
	ASSERT_TRUE(e.line > 1, "malformed fixture: line past the first");
}

int main(void)
{
	test_values();
	test_equal_and_scalars();
	test_malformed();
	test_depth();
	test_truncate_and_flip();
	test_load();
	return sb_test_result();
}
