/* A tiny streaming JSON writer (json.h). */
#include "harness/output/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SB_JSON_MAX_DEPTH 32

struct sb_json {
	FILE *f;
	int pretty;
	int depth;
	int err;
	int done;		       /* a complete top-level value was written */
	char kind[SB_JSON_MAX_DEPTH];  /* '{' or '[' */
	char count[SB_JSON_MAX_DEPTH]; /* nonzero once the container has a member */
};

struct sb_json *sb_json__new(FILE *f, int pretty)
{
	struct sb_json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->f = f;
	j->pretty = pretty;
	return j;
}

int sb_json__error(const struct sb_json *j)
{
	if (j->err)
		return j->err;
	return ferror(j->f) ? -EIO : 0;
}

int sb_json__free(struct sb_json *j)
{
	int err;

	if (!j)
		return 0;
	if (j->depth != 0 || !j->done)
		j->err = j->err ?: -EINVAL;
	if (!j->err)
		fputc('\n', j->f);
	err = sb_json__error(j);
	free(j);
	return err;
}

static void indent(struct sb_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputc('\t', j->f);
}

static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void sb_json_write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		unsigned char c = *s;
		size_t n;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			s++;
			continue;
		case '\\':
			fputs("\\\\", f);
			s++;
			continue;
		case '\n':
			fputs("\\n", f);
			s++;
			continue;
		case '\r':
			fputs("\\r", f);
			s++;
			continue;
		case '\t':
			fputs("\\t", f);
			s++;
			continue;
		case '\b':
			fputs("\\b", f);
			s++;
			continue;
		case '\f':
			fputs("\\f", f);
			s++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			s++;
			continue;
		}
		n = utf8_seq_len(s);
		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

const char *sb_json_format_double(double v, char *buf, size_t len)
{
	double back;

	if (!isfinite(v)) {
		snprintf(buf, len, "null");
		return buf;
	}
	snprintf(buf, len, "%.15g", v);
	if (sscanf(buf, "%lf", &back) != 1 || back != v)
		snprintf(buf, len, "%.17g", v);
	/* a locale with a decimal comma must not leak into JSON */
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	return buf;
}

/* Separator, indentation and key before a value; 0 if the value may follow. */
static int begin_value(struct sb_json *j, const char *key)
{
	if (j->err)
		return -1;
	if (j->depth == 0) {
		if (key || j->done) {
			j->err = -EINVAL;
			return -1;
		}
		return 0;
	}
	if ((j->kind[j->depth - 1] == '{') != (key != NULL)) {
		j->err = -EINVAL;
		return -1;
	}
	if (j->count[j->depth - 1])
		fputc(',', j->f);
	j->count[j->depth - 1] = 1;
	indent(j);
	if (key) {
		sb_json_write_string(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
	return 0;
}

static void end_value(struct sb_json *j)
{
	if (j->depth == 0)
		j->done = 1;
}

static void open_container(struct sb_json *j, const char *key, char kind)
{
	if (begin_value(j, key))
		return;
	if (j->depth >= SB_JSON_MAX_DEPTH) {
		j->err = -E2BIG;
		return;
	}
	fputc(kind, j->f);
	j->kind[j->depth] = kind;
	j->count[j->depth] = 0;
	j->depth++;
}

static void close_container(struct sb_json *j, char kind)
{
	if (j->err)
		return;
	if (j->depth == 0 || j->kind[j->depth - 1] != kind) {
		j->err = -EINVAL;
		return;
	}
	j->depth--;
	if (j->count[j->depth])
		indent(j);
	fputc(kind == '{' ? '}' : ']', j->f);
	end_value(j);
}

void sb_json_obj_begin(struct sb_json *j, const char *key)
{
	open_container(j, key, '{');
}

void sb_json_obj_end(struct sb_json *j)
{
	close_container(j, '{');
}

void sb_json_arr_begin(struct sb_json *j, const char *key)
{
	open_container(j, key, '[');
}

void sb_json_arr_end(struct sb_json *j)
{
	close_container(j, '[');
}

static void raw(struct sb_json *j, const char *key, const char *text)
{
	if (begin_value(j, key))
		return;
	fputs(text, j->f);
	end_value(j);
}

void sb_json_str(struct sb_json *j, const char *key, const char *s)
{
	if (!s) {
		raw(j, key, "null");
		return;
	}
	if (begin_value(j, key))
		return;
	sb_json_write_string(j->f, s);
	end_value(j);
}

void sb_json_int(struct sb_json *j, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	raw(j, key, buf);
}

void sb_json_uint(struct sb_json *j, const char *key, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	raw(j, key, buf);
}

void sb_json_bool(struct sb_json *j, const char *key, int v)
{
	raw(j, key, v ? "true" : "false");
}

void sb_json_null(struct sb_json *j, const char *key)
{
	raw(j, key, "null");
}

void sb_json_double(struct sb_json *j, const char *key, double v)
{
	char buf[40];

	raw(j, key, sb_json_format_double(v, buf, sizeof(buf)));
}

void sb_json_fixed(struct sb_json *j, const char *key, double v, int decimals)
{
	char buf[400]; /* %.17f of DBL_MAX fits */

	if (!isfinite(v)) {
		raw(j, key, "null");
		return;
	}
	if (decimals < 0 || decimals > 17)
		decimals = 3;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	/* "-0.000" is valid JSON but reads oddly */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
		memmove(buf, buf + 1, strlen(buf));
	raw(j, key, buf);
}

void sb_json_i64_or_null(struct sb_json *j, const char *key, int64_t v)
{
	if (v < 0)
		sb_json_null(j, key);
	else
		sb_json_int(j, key, v);
}
