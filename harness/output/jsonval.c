/* Reading the values of a parsed JSON document (harness/jsonread.c): member
 * and element lookup, dotted paths, conversions, comparison. */
#include "harness/output/jsonread.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const struct sb_jval *get_n(const struct sb_jval *v, const char *key, size_t n)
{
	if (!v || v->type != SB_JOBJECT)
		return NULL;
	for (const struct sb_jval *m = v->child; m; m = m->next)
		if (m->keylen == n && memcmp(m->key, key, n) == 0)
			return m;
	return NULL;
}

const struct sb_jval *sb_jval_get(const struct sb_jval *v, const char *key)
{
	return key ? get_n(v, key, strlen(key)) : NULL;
}

const struct sb_jval *sb_jval_at(const struct sb_jval *v, size_t i)
{
	const struct sb_jval *e;

	if (!v || v->type != SB_JARRAY)
		return NULL;
	for (e = v->child; e && i; e = e->next)
		i--;
	return e;
}

const struct sb_jval *sb_jval_path(const struct sb_jval *v, const char *path)
{
	const char *s = path;

	if (!path)
		return NULL;
	while (v && *s) {
		const char *e = strchr(s, '.');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (v->type == SB_JARRAY) {
			size_t i = 0, k;

			if (n == 0 || n > 9)
				return NULL;
			for (k = 0; k < n && is_digit(s[k]); k++)
				i = i * 10 + (size_t)(s[k] - '0');
			v = k == n ? sb_jval_at(v, i) : NULL;
		} else {
			v = get_n(v, s, n);
		}
		if (!e)
			break;
		s = e + 1;
		if (!*s)
			return NULL; /* "a." */
	}
	return v;
}

int sb_jval_double(const struct sb_jval *v, double *out)
{
	if (!v || v->type != SB_JNUMBER)
		return -EINVAL;
	*out = v->num;
	return 0;
}

int sb_jval_int64(const struct sb_jval *v, int64_t *out)
{
	if (!v || v->type != SB_JNUMBER)
		return -EINVAL;
	if (!v->is_int)
		return -ERANGE;
	*out = v->inum;
	return 0;
}

int sb_jval_bool(const struct sb_jval *v, int *out)
{
	if (!v || v->type != SB_JBOOL)
		return -EINVAL;
	*out = v->num != 0;
	return 0;
}

const char *sb_jval_str(const struct sb_jval *v)
{
	return v && v->type == SB_JSTRING ? v->str : NULL;
}

int sb_jval_is_null(const struct sb_jval *v)
{
	return v && v->type == SB_JNULL;
}

int sb_jval_equal(const struct sb_jval *a, const struct sb_jval *b)
{
	if (!a || !b || a->type != b->type)
		return 0;
	switch (a->type) {
	case SB_JNULL:
		return 1;
	case SB_JBOOL:
		return a->num == b->num;
	case SB_JNUMBER:
		return a->is_int && b->is_int ? a->inum == b->inum : a->num == b->num;
	case SB_JSTRING:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case SB_JARRAY:
		if (a->len != b->len)
			return 0;
		for (a = a->child, b = b->child; a && b; a = a->next, b = b->next)
			if (!sb_jval_equal(a, b))
				return 0;
		return 1;
	case SB_JOBJECT:
		if (a->len != b->len)
			return 0;
		for (const struct sb_jval *m = a->child; m; m = m->next)
			if (!sb_jval_equal(m, get_n(b, m->key, m->keylen)))
				return 0;
		return 1;
	}
	return 0;
}

const char *sb_jtype_name(enum sb_jtype t)
{
	static const char *const names[] = {"null",   "boolean", "number",
					    "string", "array",	 "object"};

	return (unsigned int)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}
