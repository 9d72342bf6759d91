/* Reading JSON files with jansson: strict load, FILE:LINE:COL errors, dotted paths, numbers. */
#ifndef SB_JSONGET_H
#define SB_JSONGET_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Parses the file at path (duplicate keys rejected, no \u0000, the top level
 * an object or array). 0 and *out (json_decref it); -EINVAL with
 * "PATH:LINE:COL: what" in err on malformed JSON; a negative errno with
 * "PATH: cannot open: why" (or "not a regular file") when it cannot be read. */
int sb_jget_load(const char *path, json_t **out, char *err, size_t len);

/* Dotted path: "latency_us.user_connect.p99"; a segment that is a decimal
 * number indexes an array ("a.0.b"). "" is v itself. NULL when absent. */
json_t *sb_jget_path(const json_t *v, const char *path);

/* 0, or -EINVAL when v is NULL or not a number; int64 also gives -ERANGE for
 * a number that is not an integral int64 (3.0 is integral). */
int sb_jget_double(const json_t *v, double *out);
int sb_jget_int64(const json_t *v, int64_t *out);
/* 0, or -EINVAL when v is NULL or not true/false. */
int sb_jget_bool(const json_t *v, int *out);
/* "object", "array", "string", "number", "boolean", "null"; "missing" for NULL. */
const char *sb_jget_type(const json_t *v);

#endif
