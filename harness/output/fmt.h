/* Figures for people and files: ns as a fixed-point decimal of a unit,
 * counts with thousands separators, microseconds in a person's unit. Pure
 * formatting, shared by the result files, the reports and the
 * sub-commands. */
#ifndef SB_FMT_H
#define SB_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/analysis/stats.h" /* SB_NA */

/* ns as a decimal of unit (1000: us, 1000000: ms) with 3 decimals, exact to
 * the rounding of the last digit; "" when ns == SB_NA. Returns buf. */
const char *sb_fmt_scaled(char *buf, size_t len, int64_t ns, int64_t unit);
/* 1234567 -> "1,234,567". Returns buf. */
const char *sb_fmt_count(char *buf, size_t len, int64_t v);
/* microseconds in a person's unit, 4 significant digits: "2.059 s",
 * "12.81 ms", "170.5 µs"; NaN -> "n/a". Returns buf. */
const char *sb_fmt_us(char *buf, size_t len, double us);
/* microseconds with every digit to the ns, in a person's unit:
 * "1.017118719 s", "7.782399 ms", "61.376 µs"; NaN -> "n/a". Returns buf. */
const char *sb_fmt_us_exact(char *buf, size_t len, double us);
/* s as one CSV field (RFC 4180: quoted, quotes doubled, when it holds a
 * comma, a quote or a line break), no separator. */
void sb_fmt_csv_field(FILE *f, const char *s);
/* s as HTML or XML text or attribute value: & < > " ' as entities, control
 * characters but tab and newline as a space */
void sb_fmt_markup(FILE *f, const char *s);

#endif
