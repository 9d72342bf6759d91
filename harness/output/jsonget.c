/* Reading JSON files with jansson (harness/output/jsonget.h). */
#include "harness/output/jsonget.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int sb_jget_load(const char *path, json_t **out, char *err, size_t len)
{
	FILE *f = fopen(path, "re");
	json_error_t je;
	struct stat st;
	int e = 0;

	*out = NULL;
	if (!f) {
		e = -errno;
		snprintf(err, len, "%s: cannot open: %s", path, strerror(-e));
		return e;
	}
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		snprintf(err, len, "%s: not a regular file", path);
	} else {
		*out = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
		if (!*out) {
			e = json_error_code(&je) == json_error_out_of_memory ? -ENOMEM : -EINVAL;
			snprintf(err, len, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		}
	}
	fclose(f);
	return e;
}

json_t *sb_jget_path(const json_t *v, const char *path)
{
	json_t *cur = (json_t *)v;
	const char *s = path;

	if (!path || !*path)
		return cur;
	while (cur) {
		size_t n = strcspn(s, ".");

		if (json_is_array(cur)) {
			size_t i = 0, k;

			for (k = 0; k < n && k < 10 && s[k] >= '0' && s[k] <= '9'; k++)
				i = i * 10 + (size_t)(s[k] - '0');
			cur = n && k == n ? json_array_get(cur, i) : NULL;
		} else {
			cur = json_object_getn(cur, s, n);
		}
		if (!s[n])
			return cur;
		s += n + 1;
		if (!*s)
			return NULL; /* "a." */
	}
	return NULL;
}

int sb_jget_double(const json_t *v, double *out)
{
	if (!json_is_number(v))
		return -EINVAL;
	*out = json_number_value(v);
	return 0;
}

int sb_jget_int64(const json_t *v, int64_t *out)
{
	double d;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return -EINVAL;
	d = json_real_value(v);
	if (d != floor(d) || d < -0x1p63 || d >= 0x1p63)
		return -ERANGE;
	*out = (int64_t)d;
	return 0;
}

int sb_jget_bool(const json_t *v, int *out)
{
	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}

const char *sb_jget_type(const json_t *v)
{
	if (!v)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}
