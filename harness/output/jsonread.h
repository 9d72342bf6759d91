/* A small, strict JSON reader (RFC 8259) building a read-only DOM.
 *
 *   struct sb_jerr e;
 *   struct sb_jdoc *d;
 *   int err = sb_jdoc__load("summary.json", &d, &e);  // or sb_jdoc__parse(text, len, ..)
 *   if (err == -EINVAL) fprintf(stderr, "%s:%d:%d: %s\n", path, e.line, e.col, e.msg);
 *   const struct sb_jval *p99 = sb_jval_path(sb_jdoc_root(d), "latency_us.user_connect.p99");
 *   double v;
 *   if (sb_jval_double(p99, &v) == 0) ...	// a value knows its place: p99->line, ->col
 *   sb_jdoc__free(d);
 *
 * Allocation-light: the document owns one copy of the text (strings are
 * decoded in place, so they point into it) and one array of values. Strings
 * are NUL-terminated and carry their byte length (\u0000 is allowed inside).
 *
 * Strict: no comments, no trailing commas, no leading zeros, no NaN/Infinity,
 * no numbers that overflow a double, no duplicate keys, no lone surrogates,
 * no invalid UTF-8, no control characters in strings, nesting depth at most
 * SB_JDOC_MAX_DEPTH. A UTF-8 byte order mark at the start is skipped.
 * Malformed input never crashes: it gives -EINVAL and the line:col (1-based,
 * columns in bytes) of the first offending byte. */
#ifndef SB_JSONREAD_H
#define SB_JSONREAD_H

#include <stddef.h>
#include <stdint.h>

#define SB_JDOC_MAX_DEPTH 256
/* sb_jdoc__load refuses larger files (-EFBIG). */
#define SB_JDOC_MAX_FILE (64u << 20)

enum sb_jtype {
	SB_JNULL,
	SB_JBOOL,
	SB_JNUMBER,
	SB_JSTRING,
	SB_JARRAY,
	SB_JOBJECT,
};

/* A value. Read it through the accessors below; the fields are public so a
 * loop over members stays cheap:
 *   for (const struct sb_jval *m = obj->child; m; m = m->next) use(m->key, m); */
struct sb_jval {
	const struct sb_jval *child; /* first element / member (containers) */
	const struct sb_jval *next;  /* next element / member in the parent */
	const char *key;	     /* member name inside an object, else NULL */
	const char *str;	     /* SB_JSTRING: decoded text, NUL-terminated */
	size_t len;		     /* SB_JSTRING: bytes; containers: element count */
	size_t keylen;		     /* bytes of key */
	int line, col;		     /* where the value starts (1-based, bytes) */
	double num;		     /* SB_JNUMBER (and SB_JBOOL: 0 or 1) */
	int64_t inum;		     /* SB_JNUMBER with is_int */
	enum sb_jtype type;
	int is_int; /* number is integral and fits int64_t ("3", "3.0", "3e2") */
	/* private: indices used while parsing */
	uint32_t child_i_, next_i_, last_i_;
};

struct sb_jdoc;

struct sb_jerr {
	int line, col; /* 1-based; 0 when the error is not about a position */
	char msg[128];
};

/* Parses len bytes of text (need not be NUL-terminated). Returns 0 and *out,
 * -EINVAL with *err filled on malformed input, -ENOMEM. err may be NULL. */
int sb_jdoc__parse(const char *text, size_t len, struct sb_jdoc **out, struct sb_jerr *err);
/* Reads and parses a file. Also returns the negative errno of open/read
 * (err->msg then names the failing step) and -EFBIG above SB_JDOC_MAX_FILE. */
int sb_jdoc__load(const char *path, struct sb_jdoc **out, struct sb_jerr *err);
/* NULL is fine. */
void sb_jdoc__free(struct sb_jdoc *d);

const struct sb_jval *sb_jdoc_root(const struct sb_jdoc *d);

/* Member of an object by key; NULL when absent or v is not an object. */
const struct sb_jval *sb_jval_get(const struct sb_jval *v, const char *key);
/* Element of an array; NULL when out of range or v is not an array. */
const struct sb_jval *sb_jval_at(const struct sb_jval *v, size_t i);
/* Dotted path: "latency_us.user_connect.p99"; a segment that is a decimal
 * number indexes an array ("a.0.b"). "" is v itself. NULL when absent. */
const struct sb_jval *sb_jval_path(const struct sb_jval *v, const char *path);

/* Typed reads: 0 on success, -EINVAL on a NULL value or another type,
 * -ERANGE (int64) when the number is not an integral int64. */
int sb_jval_double(const struct sb_jval *v, double *out);
int sb_jval_int64(const struct sb_jval *v, int64_t *out);
int sb_jval_bool(const struct sb_jval *v, int *out);
/* The string, or NULL when v is not a string. */
const char *sb_jval_str(const struct sb_jval *v);
int sb_jval_is_null(const struct sb_jval *v);
/* Deep equality (numbers by value, objects regardless of member order). */
int sb_jval_equal(const struct sb_jval *a, const struct sb_jval *b);
const char *sb_jtype_name(enum sb_jtype t);

#endif
