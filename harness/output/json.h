/* A tiny streaming JSON writer: objects, arrays, strings with correct
 * escaping (control characters, quotes, backslash; invalid UTF-8 becomes
 * U+FFFD), and numbers that always parse back (NaN/Inf are written as null).
 *
 *   struct sb_json *j = sb_json__new(f, 1);
 *   sb_json_obj_begin(j, NULL);
 *   sb_json_int(j, "schema", 1);
 *   sb_json_obj_end(j);
 *   err = sb_json__free(j);	// 0, or negative errno (write or nesting error)
 *
 * Inside an object every value takes a key; inside an array or at top level
 * the key must be NULL. Misuse is recorded and reported by __free/__error. */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <stdint.h>
#include <stdio.h>

struct sb_json;

/* pretty != 0: newlines and tab indentation; 0: compact. NULL on ENOMEM. */
struct sb_json *sb_json__new(FILE *f, int pretty);
/* Ends the document (a final newline) and frees. Returns 0 or negative errno:
 * -EIO on a write error, -EINVAL on misuse (unbalanced, key misuse). NULL ok. */
int sb_json__free(struct sb_json *j);
/* Current error state (0 or negative errno), without freeing. */
int sb_json__error(const struct sb_json *j);

void sb_json_obj_begin(struct sb_json *j, const char *key);
void sb_json_obj_end(struct sb_json *j);
void sb_json_arr_begin(struct sb_json *j, const char *key);
void sb_json_arr_end(struct sb_json *j);

void sb_json_str(struct sb_json *j, const char *key, const char *s); /* s NULL -> null */
void sb_json_int(struct sb_json *j, const char *key, int64_t v);
void sb_json_uint(struct sb_json *j, const char *key, uint64_t v);
void sb_json_bool(struct sb_json *j, const char *key, int v);
void sb_json_null(struct sb_json *j, const char *key);
/* v < 0: null (an option left at its default, a counter absent). */
void sb_json_i64_or_null(struct sb_json *j, const char *key, int64_t v);
/* Shortest of %.15g / %.17g that reads back to the same double. */
void sb_json_double(struct sb_json *j, const char *key, double v);
/* Fixed decimals ("%.3f"), for values a person reads (us with 3 decimals). */
void sb_json_fixed(struct sb_json *j, const char *key, double v, int decimals);

/* Writes s as a JSON string literal (quotes included). Usable on its own. */
void sb_json_write_string(FILE *f, const char *s);
/* Formats v as a JSON number into buf (at least 32 bytes); "null" if not finite. */
const char *sb_json_format_double(double v, char *buf, size_t len);

#endif
