/* Figures for people and files: fixed-point and person-unit formatting
 * (fmt.h). */
#include "harness/output/fmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *sb_fmt_scaled(char *buf, size_t len, int64_t ns, int64_t unit)
{
	uint64_t mag, step, x;

	if (ns == SB_NA) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	mag = ns < 0 ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
	step = unit >= 1000 ? (uint64_t)unit / 1000 : 1; /* ns per thousandth */
	x = mag / step + (mag % step >= (step + 1) / 2 && step > 1);
	/* by hand: snprintf was most of the time of writing connections.csv,
	 * nine of these per row */
	{
		char t[32];
		size_t i = 0, o = 0;
		uint64_t w = x / 1000, f = x % 1000;

		t[i++] = (char)('0' + f % 10);
		t[i++] = (char)('0' + f / 10 % 10);
		t[i++] = (char)('0' + f / 100);
		t[i++] = '.';
		do
			t[i++] = (char)('0' + w % 10);
		while ((w /= 10));
		if (ns < 0 && x)
			t[i++] = '-';
		while (i && o + 1 < len)
			buf[o++] = t[--i];
		if (len)
			buf[o] = '\0';
	}
	return buf;
}

/* 1234567 -> "1,234,567" */
const char *sb_fmt_count(char *buf, size_t len, int64_t v)
{
	char digits[32];
	size_t n, o = 0;

	snprintf(digits, sizeof(digits), "%" PRId64, v < 0 ? -v : v);
	n = strlen(digits);
	if (v < 0 && o + 1 < len)
		buf[o++] = '-';
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* microseconds -> "2.059 s", "12.81 ms", "170.5 µs" (4 significant digits) */
const char *sb_fmt_us(char *buf, size_t len, double us)
{
	if (isnan(us))
		snprintf(buf, len, "n/a");
	else if (us >= 1e6)
		snprintf(buf, len, "%.4g s", us / 1e6);
	else if (us >= 1e3)
		snprintf(buf, len, "%.4g ms", us / 1e3);
	else
		snprintf(buf, len, "%.4g µs", us);
	return buf;
}

/* microseconds (exact to the ns) in a person's unit, every digit kept:
 * "1.017118719 s", "7.782399 ms", "61.376 µs"; NaN -> "n/a" */
const char *sb_fmt_us_exact(char *buf, size_t len, double us)
{
	double a = fabs(us);

	if (isnan(us))
		snprintf(buf, len, "n/a");
	else if (a >= 1e6)
		snprintf(buf, len, "%.9f s", us / 1e6);
	else if (a >= 1e3)
		snprintf(buf, len, "%.6f ms", us / 1e3);
	else
		snprintf(buf, len, "%.3f µs", us);
	return buf;
}

void sb_fmt_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void sb_fmt_markup(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\'')
			fputs("&#39;", f);
		else if (c < 0x20 && c != '\t' && c != '\n')
			fputc(' ', f);
		else
			fputc(c, f);
	}
}
