/* The option engine (optparse.h): parses argv against a table, suggests the
 * closest name for a typo, prints the table as help. Reentrant: no globals. */
#include "harness/cli/optparse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/msg.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool visible(const struct sb_optset *s, const struct sb_optdef *d)
{
	return d->name && (!s->groups || !d->groups || (d->groups & s->groups));
}

const char *sb_optparse_see(const struct sb_optset *s, char *buf, size_t len)
{
	snprintf(buf, len, "see %s%s%s --help", sb_prog(), s->cmd ? " " : "",
		 s->cmd ? s->cmd : "");
	return buf;
}

int sb_optparse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static void store(void *dst, const struct sb_optdef *d, uint64_t v)
{
	void *p = (char *)dst + d->off;

	if (d->fld == SB_FLD_U64)
		*(uint64_t *)p = v;
	else if (d->fld == SB_FLD_U32)
		*(uint32_t *)p = (uint32_t)v;
	else if (d->fld == SB_FLD_U16)
		*(uint16_t *)p = (uint16_t)v;
	else if (d->fld == SB_FLD_INT)
		*(int *)p = (int)v;
}

long long sb_optparse_load(const void *src, const struct sb_optdef *d)
{
	const void *p = (const char *)src + d->off;

	if (d->fld == SB_FLD_U64)
		return (long long)*(const uint64_t *)p;
	if (d->fld == SB_FLD_U32)
		return *(const uint32_t *)p;
	if (d->fld == SB_FLD_U16)
		return *(const uint16_t *)p;
	if (d->fld == SB_FLD_INT)
		return *(const int *)p;
	return 0;
}

int sb_optparse_choice(const struct sb_optdef *d, const char *val, int *out, char *err,
		       size_t len)
{
	char list[200] = "";

	for (int i = 0; d->choices && d->choices[i]; i++) {
		if (strcmp(val, d->choices[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 list[0] ? "|" : "", d->choices[i]);
	}
	return sb_errf(err, len, -EINVAL, "--%s must be one of %s (got '%.64s'); try --%s %s",
		       d->name, list, val, d->name, d->example ? d->example : d->choices[0]);
}

const struct sb_optdef *sb_optparse_def(const struct sb_optset *s, int id)
{
	for (size_t i = 0; i < s->ndefs; i++)
		if (s->defs[i].name && s->defs[i].id == id)
			return &s->defs[i];
	return NULL;
}

static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[64];

	if (na >= ARRAY_LEN(row) || nb >= ARRAY_LEN(row))
		return SIZE_MAX;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[nb];
}

static const struct sb_optdef *find_long(const struct sb_optset *s, const char *name, size_t n)
{
	for (size_t i = 0; i < s->ndefs; i++) {
		const char *ln = s->defs[i].name;

		if (visible(s, &s->defs[i]) && strlen(ln) == n && strncmp(ln, name, n) == 0)
			return &s->defs[i];
	}
	return NULL;
}

static const struct sb_optdef *find_short(const struct sb_optset *s, char ch)
{
	for (size_t i = 0; i < s->ndefs; i++)
		if (visible(s, &s->defs[i]) && s->defs[i].short_name == ch)
			return &s->defs[i];
	return NULL;
}

/* "--conn" -> "conns": the option a typo most likely meant, or NULL. */
static const char *suggest(const struct sb_optset *s, const char *name, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < s->ndefs; i++) {
		const char *ln = s->defs[i].name;
		size_t dist;

		if (!visible(s, &s->defs[i]))
			continue;
		dist = edit_distance(name, n, ln);
		if (n >= 3 && strncmp(ln, name, n) == 0 && strlen(ln) > n)
			dist = dist < 1 ? dist : 1; /* a prefix is a likely meaning */
		if (dist < best_d) {
			best_d = dist;
			best = ln;
		}
	}
	return best_d <= 2 && best_d < n ? best : NULL;
}

static int unknown(const struct sb_optset *s, const char *arg, char *err, size_t len)
{
	const char *name = arg, *hint;
	char see[64];
	size_t n;

	while (*name == '-')
		name++;
	n = strcspn(name, "=");
	hint = n ? suggest(s, name, n) : NULL;
	sb_optparse_see(s, see, sizeof(see));
	if (hint)
		return sb_errf(err, len, -EINVAL, "unknown option '%.64s'; did you mean --%s? %s",
			       arg, hint, see);
	return sb_errf(err, len, -EINVAL, "unknown option '%.64s'; %s", arg, see);
}

/* A separate argument that cannot be an option's value: an option of the
 * set ("--args '--conns 5'" is a value). */
static bool looks_like_option(const struct sb_optset *s, const char *a)
{
	if (a[0] != '-')
		return false;
	if (a[1] == '-')
		return a[2] && find_long(s, a + 2, strcspn(a + 2, "="));
	return a[1] && !a[2] && find_short(s, a[1]);
}

/* Stores one typed option; CUSTOM goes to the set's callback. */
static int apply(const struct sb_optset *s, const struct sb_optdef *d, const char *val,
		 void *dst, void *ctx, char *err, size_t len)
{
	uint64_t v = 0;
	int k;

	switch (d->kind) {
	case SB_OPT_FLAG:
		store(dst, d, 1);
		return 0;
	case SB_OPT_COUNT:
		store(dst, d, (uint64_t)sb_optparse_load(dst, d) + 1);
		return 0;
	case SB_OPT_UINT:
		if (sb_optparse_u64(val, &v) || v < d->lo || v > d->hi)
			return sb_errf(err, len, -EINVAL,
				       "--%s must be a whole number from %llu to %llu (got "
				       "'%.64s'); try --%s %s",
				       d->name, (unsigned long long)d->lo,
				       (unsigned long long)d->hi, val, d->name, d->example);
		store(dst, d, v);
		return 0;
	case SB_OPT_CHOICE:
		if (sb_optparse_choice(d, val, &k, err, len))
			return -EINVAL;
		store(dst, d, (uint64_t)k);
		return 0;
	case SB_OPT_STRING:
		if (!*val || strlen(val) >= d->size)
			return sb_errf(err, len, -EINVAL,
				       "--%s needs a value of 1 to %zu bytes (got %zu); try --%s %s",
				       d->name, d->size - 1, strlen(val), d->name, d->example);
		memcpy((char *)dst + d->off, val, strlen(val) + 1);
		return 0;
	case SB_OPT_RETURN:
		return d->id;
	case SB_OPT_CUSTOM:
		return s->apply ? s->apply(ctx, d, val, err, len) : 0;
	case SB_OPT_HEADING:
		break;
	}
	return 0;
}

static int positional(const struct sb_optset *s, void *ctx, const char *a, char *err, size_t len)
{
	char see[64];

	if (s->positional)
		return s->positional(ctx, a, err, len);
	return sb_errf(err, len, -EINVAL,
		       "unexpected argument '%.64s'; %s%s%s takes only --options here, %s", a,
		       sb_prog(), s->cmd ? " " : "", s->cmd ? s->cmd : "",
		       sb_optparse_see(s, see, sizeof(see)));
}

int sb_optparse(const struct sb_optset *s, int argc, char **argv, int from, void *dst,
		void *ctx, unsigned char *given, char *err, size_t len)
{
	if (err && len)
		err[0] = '\0';
	for (int i = from; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct sb_optdef *d;
		bool inline_val = false;
		int r;

		if (strcmp(a, "--") == 0 && (s->rest || s->positional)) {
			if (s->rest)
				return s->rest(ctx, argc - i - 1, argv + i + 1, err, len);
			for (i++; i < argc; i++)
				if ((r = positional(s, ctx, argv[i], err, len)))
					return r;
			return 0;
		}
		if (a[0] == '-' && a[1] == '-' && a[2]) {
			const char *eq = strchr(a + 2, '=');

			d = find_long(s, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (eq) {
				inline_val = true;
				val = eq + 1;
			}
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			d = a[2] ? NULL : find_short(s, a[1]);
		} else {
			if ((r = positional(s, ctx, a, err, len)))
				return r;
			continue;
		}
		if (!d) {
			if (!s->other)
				return unknown(s, a, err, len);
			if ((r = s->other(ctx, argc, argv, &i, err, len)))
				return r;
			continue;
		}
		switch (d->arg) {
		case SB_ARG_NONE:
			if (inline_val)
				return sb_errf(err, len, -EINVAL,
					       "--%s takes no value (got '%.64s'); write just --%s",
					       d->name, a, d->name);
			break;
		case SB_ARG_REQ:
			if (inline_val)
				break;
			if (i + 1 >= argc || looks_like_option(s, argv[i + 1])) {
				char see[64];

				if (d->example)
					return sb_errf(err, len, -EINVAL,
						       "--%s needs a value; e.g. --%s %s", d->name,
						       d->name, d->example);
				return sb_errf(err, len, -EINVAL, "--%s needs a value; %s",
					       d->name, sb_optparse_see(s, see, sizeof(see)));
			}
			val = argv[++i];
			break;
		case SB_ARG_OPT:
			/* "--syncookies 0" takes the next word unless it is an option */
			if (!inline_val && i + 1 < argc &&
			    (argv[i + 1][0] != '-' ||
			     (argv[i + 1][1] >= '0' && argv[i + 1][1] <= '9')))
				val = argv[++i];
			break;
		}
		if (given)
			given[d->id] = 1;
		if ((r = apply(s, d, val, dst, ctx, err, len)))
			return r;
	}
	return 0;
}

#define HELP_COL   32
#define HELP_WIDTH 80

/* Writes text from column col on, wrapped at HELP_WIDTH under HELP_COL;
 * returns the column reached. sep: where text may break. */
static int help_wrap(FILE *f, const char *text, int col, const char *sep)
{
	while (*text) {
		size_t word = strcspn(text, sep);

		if (col > HELP_COL && col + 1 + (int)word > HELP_WIDTH) {
			fprintf(f, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		} else if (col > HELP_COL) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, word, f);
		col += (int)word;
		text += word;
		text += strspn(text, " ");
	}
	return col;
}

/* An option's help as printed: a number's range from the table, and with
 * with_default its default; malloc()ed, whatever its length (NULL: out of
 * memory). */
static char *help_text(const struct sb_optdef *d, int with_default)
{
	char range[64] = "", *t = NULL;

	if (d->kind == SB_OPT_UINT)
		snprintf(range, sizeof(range), ", %llu..%llu", (unsigned long long)d->lo,
			 (unsigned long long)d->hi);
	if (asprintf(&t, "%s%s%s%s%s", d->help, range, with_default && d->dflt ? " (default " : "",
		     with_default && d->dflt ? d->dflt : "", with_default && d->dflt ? ")" : "") < 0)
		return NULL;
	return t;
}

void sb_optparse_help(FILE *f, const struct sb_optset *s)
{
	for (size_t i = 0; i < s->ndefs; i++) {
		const struct sb_optdef *d = &s->defs[i];
		char left[80], dflt[160], *text;
		int col;

		if (!d->name) {
			if (!s->groups || !d->groups || (d->groups & s->groups))
				fprintf(f, " %s\n", d->help);
			continue;
		}
		if (!visible(s, d))
			continue;
		snprintf(left, sizeof(left), "%c%c%s--%s%s%s", d->short_name ? '-' : ' ',
			 d->short_name ? d->short_name : ' ', d->short_name ? ", " : "  ", d->name,
			 d->metavar ? " " : "", d->metavar ? d->metavar : "");
		col = fprintf(f, "  %-*s", HELP_COL - 2, left);
		if (col > HELP_COL) {
			fprintf(f, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		}
		text = help_text(d, 0);
		col = help_wrap(f, text ? text : d->help, col, " ");
		free(text);
		if (d->dflt) {
			/* "(default X)" stays on one line */
			snprintf(dflt, sizeof(dflt), "(default %s)", d->dflt);
			help_wrap(f, dflt, col, "");
		}
		fputc('\n', f);
	}
}

/* ---- roff (man page) ---- */

/* str escaped for roff: backslash as \e, every '-' as \- (a minus a
 * reader can type, not a typographic hyphen: the text is full of option
 * names), nothing else changed. */
static void roff_text(FILE *f, const char *str)
{
	for (; *str; str++) {
		if (*str == '\\')
			fputs("\\e", f);
		else if (*str == '-')
			fputs("\\-", f);
		else
			fputc(*str, f);
	}
}

void sb_optparse_roff_line(FILE *f, const char *str)
{
	if (*str == '.' || *str == '\'')
		fputs("\\&", f); /* not a request */
	roff_text(f, str);
	fputc('\n', f);
}

void sb_optparse_man(FILE *f, const struct sb_optset *s, int sub)
{
	for (size_t i = 0; i < s->ndefs; i++) {
		const struct sb_optdef *d = &s->defs[i];
		char *text;

		if (!d->name) {
			if (s->groups && d->groups && !(d->groups & s->groups))
				continue;
			fputs(sub ? ".PP\n.I \"" : ".SS \"", f);
			roff_text(f, d->help);
			fputs("\"\n", f);
			continue;
		}
		if (!visible(s, d))
			continue;
		fputs(".TP\n", f);
		if (d->short_name)
			fprintf(f, "\\fB\\-%c\\fR, ", d->short_name);
		fputs("\\fB\\-\\-", f);
		roff_text(f, d->name);
		fputs("\\fR", f);
		if (d->metavar) {
			fputs(" \\fI", f);
			roff_text(f, d->metavar);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		text = help_text(d, 1);
		sb_optparse_roff_line(f, text ? text : d->help);
		free(text);
	}
}
