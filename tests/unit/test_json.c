/* The JSON writer: escaping, numbers, nesting, misuse. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "tests/test.h"
#include "harness/output/json.h"

/* Runs fn on a memory stream and returns what it wrote (static buffer). */
static char out[4096];

static int capture(void (*fn)(struct sb_json *j), int pretty)
{
	FILE *f = fmemopen(out, sizeof(out), "w");
	struct sb_json *j;
	int err;

	memset(out, 0, sizeof(out));
	if (!f)
		return -1;
	j = sb_json__new(f, pretty);
	fn(j);
	err = sb_json__free(j);
	fclose(f);
	return err;
}

static void doc_escapes(struct sb_json *j)
{
	sb_json_arr_begin(j, NULL);
	sb_json_str(j, NULL, "a\"b\\c/d");
	sb_json_str(j, NULL, "\n\r\t\b\f\x01\x1f\x7f");
	sb_json_str(j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	sb_json_str(j, NULL, "bad\xff\xc3(\xed\xa0\x80\xc0\xaf");
	sb_json_str(j, NULL, "");
	sb_json_str(j, NULL, NULL);
	sb_json_arr_end(j);
}

static void doc_numbers(struct sb_json *j)
{
	sb_json_obj_begin(j, NULL);
	sb_json_int(j, "i", INT64_MIN);
	sb_json_uint(j, "u", UINT64_MAX);
	sb_json_double(j, "d", 0.1);
	sb_json_double(j, "third", 1.0 / 3);
	sb_json_double(j, "big", 1e300);
	sb_json_double(j, "nan", NAN);
	sb_json_double(j, "inf", -INFINITY);
	sb_json_double(j, "whole", 42);
	sb_json_fixed(j, "us", 12345 / 1000.0, 3);
	sb_json_fixed(j, "negzero", -0.0001, 3);
	sb_json_fixed(j, "neg", -1.5, 3);
	sb_json_bool(j, "t", 1);
	sb_json_bool(j, "f", 0);
	sb_json_null(j, "n");
	sb_json_obj_end(j);
}

static void doc_nested(struct sb_json *j)
{
	sb_json_obj_begin(j, NULL);
	sb_json_obj_begin(j, "a");
	sb_json_arr_begin(j, "b");
	sb_json_int(j, NULL, 1);
	sb_json_obj_begin(j, NULL);
	sb_json_obj_end(j);
	sb_json_arr_end(j);
	sb_json_arr_begin(j, "e");
	sb_json_arr_end(j);
	sb_json_obj_end(j);
	sb_json_str(j, "k\"ey", "v");
	sb_json_obj_end(j);
}

static void doc_pretty(struct sb_json *j)
{
	sb_json_obj_begin(j, NULL);
	sb_json_int(j, "a", 1);
	sb_json_arr_begin(j, "b");
	sb_json_int(j, NULL, 2);
	sb_json_arr_end(j);
	sb_json_obj_end(j);
}

static void bad_key_in_array(struct sb_json *j)
{
	sb_json_arr_begin(j, NULL);
	sb_json_int(j, "k", 1);
	sb_json_arr_end(j);
}

static void bad_no_key(struct sb_json *j)
{
	sb_json_obj_begin(j, NULL);
	sb_json_int(j, NULL, 1);
	sb_json_obj_end(j);
}

static void bad_unclosed(struct sb_json *j)
{
	sb_json_obj_begin(j, NULL);
}

static void bad_mismatch(struct sb_json *j)
{
	sb_json_obj_begin(j, NULL);
	sb_json_arr_end(j);
}

static void bad_two_roots(struct sb_json *j)
{
	sb_json_int(j, NULL, 1);
	sb_json_int(j, NULL, 2);
}

int main(void)
{
	char buf[40];

	ASSERT_OK(capture(doc_escapes, 0), "escapes");
	ASSERT_STREQ(out,
		     "[\"a\\\"b\\\\c/d\",\"\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\","
		     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
		     "\"bad\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\",\"\",null]\n",
		     "escaped strings");
	ASSERT_OK(capture(doc_numbers, 0), "numbers");
	ASSERT_STREQ(out,
		     "{\"i\":-9223372036854775808,\"u\":18446744073709551615,\"d\":0.1,"
		     "\"third\":0.33333333333333331,\"big\":1e+300,\"nan\":null,\"inf\":null,"
		     "\"whole\":42,\"us\":12.345,\"negzero\":0.000,\"neg\":-1.500,\"t\":true,"
		     "\"f\":false,\"n\":null}\n",
		     "numbers");
	ASSERT_OK(capture(doc_nested, 0), "nested");
	ASSERT_STREQ(out, "{\"a\":{\"b\":[1,{}],\"e\":[]},\"k\\\"ey\":\"v\"}\n", "nested");
	ASSERT_OK(capture(doc_pretty, 1), "pretty");
	ASSERT_STREQ(out, "{\n\t\"a\": 1,\n\t\"b\": [\n\t\t2\n\t]\n}\n", "pretty");
	ASSERT_EQ(capture(bad_key_in_array, 0), -EINVAL, "key inside array");
	ASSERT_EQ(capture(bad_no_key, 0), -EINVAL, "no key inside object");
	ASSERT_EQ(capture(bad_unclosed, 0), -EINVAL, "unclosed");
	ASSERT_EQ(capture(bad_mismatch, 0), -EINVAL, "mismatched close");
	ASSERT_EQ(capture(bad_two_roots, 0), -EINVAL, "two top-level values");
	ASSERT_STREQ(sb_json_format_double(2.5e-7, buf, sizeof(buf)), "2.5e-07", "small double");
	ASSERT_STREQ(sb_json_format_double(-0.0, buf, sizeof(buf)), "-0", "negative zero");
	/* every double reads back exactly */
	srand(7);
	int bad = 0;
	for (int i = 0; i < 10000; i++) {
		double v = (double)rand() / RAND_MAX * pow(10, rand() % 40 - 20), back;

		sb_json_format_double(v, buf, sizeof(buf));
		if (sscanf(buf, "%lf", &back) != 1 || back != v)
			bad++;
	}
	ASSERT_EQ(bad, 0, "doubles round-trip");
	return sb_test_result();
}
