/* harness/output/jsonget.c: line:col errors, duplicate keys, dotted paths, 64-bit integers. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/test.h"
#include "harness/output/jsonget.h"

static char dir[] = "/tmp/sb-jsonget-XXXXXX";

/* Writes text to dir/name and loads it; err gets the message. */
static int load_text(const char *name, const char *text, json_t **out, char *err, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	return sb_jget_load(path, out, err, len);
}

static void test_errors(void)
{
	char err[512], want[256];
	json_t *d = (json_t *)1;

	ASSERT_EQ(
	    load_text("bad.json", "{\n  \"a\": 1,\n  \"b\": [1, 2,]\n}\n", &d, err, sizeof(err)),
	    -EINVAL, "trailing comma rejected");
	ASSERT_TRUE(d == NULL, "no document on error");
	snprintf(want, sizeof(want), "%s/bad.json:3:14: ", dir);
	ASSERT_TRUE(strncmp(err, want, strlen(want)) == 0, "FILE:LINE:COL: prefix");
	ASSERT_TRUE(strchr(err, '\n') == NULL, "one line");
	ASSERT_EQ(load_text("dup.json", "{\"p99\": 1, \"p99\": 2}", &d, err, sizeof(err)), -EINVAL,
		  "duplicate key rejected");
	ASSERT_TRUE(strstr(err, "duplicate object key") != NULL, "duplicate key named");
	ASSERT_EQ(load_text("nan.json", "{\"x\": NaN}", &d, err, sizeof(err)), -EINVAL, "NaN");
	ASSERT_EQ(load_text("nul.json", "{\"x\": \"a\\u0000b\"}", &d, err, sizeof(err)), -EINVAL,
		  "\\u0000 rejected");
	ASSERT_EQ(load_text("two.json", "{} {}", &d, err, sizeof(err)), -EINVAL, "text after");
	ASSERT_EQ(sb_jget_load("/nonexistent/summary.json", &d, err, sizeof(err)), -ENOENT,
		  "missing file");
	ASSERT_STREQ(err, "/nonexistent/summary.json: cannot open: No such file or directory",
		     "missing file message");
	ASSERT_EQ(sb_jget_load(dir, &d, err, sizeof(err)), -EISDIR, "directory");
}

static void test_values(void)
{
	const char *text = "{\"schema\": 1, \"big\": 9223372036854775807, \"neg\": -42,\n"
			   " \"float_int\": 3.0e2, \"rate\": 0.5, \"off\": false, \"none\": null,\n"
			   " \"latency_us\": {\"user_connect\": {\"p99\": 12.5, \"pre\": null}},\n"
			   " \"list\": [10, [20, 21], {\"x\": \"y\"}]}";
	char err[512];
	json_t *d = NULL;
	int64_t i;
	double x;
	int b;

	if (!ASSERT_OK(load_text("ok.json", text, &d, err, sizeof(err)), "load"))
		return;
	ASSERT_OK(sb_jget_int64(sb_jget_path(d, "big"), &i), "INT64_MAX");
	ASSERT_TRUE(i == INT64_MAX, "INT64_MAX exact");
	ASSERT_OK(sb_jget_int64(sb_jget_path(d, "neg"), &i), "negative");
	ASSERT_EQ(i, -42, "negative value");
	ASSERT_OK(sb_jget_int64(sb_jget_path(d, "float_int"), &i), "3.0e2 is integral");
	ASSERT_EQ(i, 300, "3.0e2 value");
	ASSERT_EQ(sb_jget_int64(sb_jget_path(d, "rate"), &i), -ERANGE, "0.5 not integral");
	ASSERT_EQ(sb_jget_int64(sb_jget_path(d, "off"), &i), -EINVAL, "bool not a number");
	ASSERT_OK(sb_jget_double(sb_jget_path(d, "schema"), &x), "integer as double");
	ASSERT_OK(sb_jget_double(sb_jget_path(d, "latency_us.user_connect.p99"), &x), "dotted");
	ASSERT_NEAR(x, 12.5, 0, "dotted value");
	ASSERT_EQ(sb_jget_double(sb_jget_path(d, "latency_us.user_connect.pre"), &x), -EINVAL,
		  "null is not a number");
	ASSERT_EQ(sb_jget_double(sb_jget_path(d, "latency_us.nope.p99"), &x), -EINVAL, "absent");
	ASSERT_OK(sb_jget_bool(sb_jget_path(d, "off"), &b), "bool");
	ASSERT_EQ(b, 0, "bool value");
	ASSERT_OK(sb_jget_int64(sb_jget_path(d, "list.1.1"), &i), "array index");
	ASSERT_EQ(i, 21, "array index value");
	ASSERT_STREQ(json_string_value(sb_jget_path(d, "list.2.x")), "y", "object in array");
	ASSERT_TRUE(sb_jget_path(d, "list.3") == NULL, "index out of range");
	ASSERT_TRUE(sb_jget_path(d, "list.x") == NULL, "non-numeric index");
	ASSERT_TRUE(sb_jget_path(d, "schema.x") == NULL, "path through a number");
	ASSERT_TRUE(sb_jget_path(d, "latency_us.") == NULL, "trailing dot");
	ASSERT_TRUE(sb_jget_path(d, "") == d, "empty path is the value");
	ASSERT_STREQ(sb_jget_type(sb_jget_path(d, "latency_us")), "object", "type object");
	ASSERT_STREQ(sb_jget_type(sb_jget_path(d, "rate")), "number", "type number");
	ASSERT_STREQ(sb_jget_type(sb_jget_path(d, "off")), "boolean", "type boolean");
	ASSERT_STREQ(sb_jget_type(sb_jget_path(d, "none")), "null", "type null");
	ASSERT_STREQ(sb_jget_type(NULL), "missing", "type of nothing");
	json_decref(d);
}

int main(void)
{
	char cmd[64];

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return sb_test_result();
	test_errors();
	test_values();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return sb_test_result();
}
