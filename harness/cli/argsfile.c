/* Splitting a one-line options file like a shell, minus the expansions. */
#include "harness/cli/argsfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int push(struct sb_args *a, const char *w, size_t n)
{
	char **nv;

	if (a->argc >= SB_ARGS_MAX_WORDS)
		return -E2BIG;
	nv = realloc(a->argv, (size_t)(a->argc + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	a->argv = nv;
	a->argv[a->argc] = strndup(w, n);
	if (!a->argv[a->argc])
		return -ENOMEM;
	a->argv[++a->argc] = NULL;
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int sb_args__split(const char *text, size_t len, const char *what, struct sb_args *out, char *err,
		   size_t errlen)
{
	struct sb_args a = {0};
	char *w = malloc(len + 1);
	size_t i = 0, n;
	int r = 0;

	*out = (struct sb_args){0};
	if (!w)
		return -ENOMEM;
	if (len > SB_ARGS_MAX_LEN) {
		snprintf(err, errlen, "%s: %zu bytes, more than %d; give one line of options", what,
			 len, SB_ARGS_MAX_LEN);
		r = -E2BIG;
		goto fail;
	}
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)text[k];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
			snprintf(err, errlen,
				 "%s: column %zu: control character 0x%02x; give one line of plain "
				 "text options",
				 what, k + 1, c);
			r = -EINVAL;
			goto fail;
		}
	}
	while (i < len) {
		int in_word = 0;

		while (i < len && is_blank(text[i]))
			i++;
		n = 0;
		while (i < len && !is_blank(text[i])) {
			char c = text[i];

			in_word = 1;
			if (c == '\0' || strchr("$`*?[~;|&<>()#{}!", c)) {
				snprintf(
				    err, errlen,
				    "%s: column %zu: '%s' would be expanded by a shell; quote it "
				    "('...') or remove it",
				    what, i + 1, c ? (char[]){c, 0} : "NUL");
				r = -EINVAL;
				goto fail;
			}
			if (c == '\\') {
				if (++i == len || text[i] == '\n' || text[i] == '\r') {
					snprintf(err, errlen,
						 "%s: a backslash ends the line; remove it", what);
					r = -EINVAL;
					goto fail;
				}
				w[n++] = text[i++];
			} else if (c == '\'' || c == '"') {
				size_t start = i++;

				while (i < len && text[i] != c) {
					if (text[i] == '\0' || text[i] == '\n' || text[i] == '\r') {
						i = len; /* a quote closes on its own line */
						break;
					}
					if (c == '"' && (text[i] == '$' || text[i] == '`')) {
						snprintf(
						    err, errlen,
						    "%s: column %zu: '%c' inside \"...\" would "
						    "be expanded by a shell; use '...'",
						    what, i + 1, text[i]);
						r = -EINVAL;
						goto fail;
					}
					if (c == '"' && text[i] == '\\' && i + 1 < len &&
					    (text[i + 1] == '"' || text[i + 1] == '\\'))
						i++;
					w[n++] = text[i++];
				}
				if (i >= len) {
					snprintf(
					    err, errlen,
					    "%s: column %zu: the quote %c is never closed; close "
					    "it",
					    what, start + 1, c);
					r = -EINVAL;
					goto fail;
				}
				i++;
			} else {
				w[n++] = text[i++];
			}
		}
		if (in_word) {
			r = push(&a, w, n);
			if (r == -E2BIG)
				snprintf(err, errlen, "%s: more than %d words; shorten it", what,
					 SB_ARGS_MAX_WORDS);
			if (r)
				goto fail;
		}
	}
	free(w);
	if (!a.argv) {
		a.argv = calloc(1, sizeof(*a.argv));
		if (!a.argv)
			return -ENOMEM;
	}
	*out = a;
	return 0;
fail:
	free(w);
	sb_args__free(&a);
	return r;
}

int sb_args__load(const char *path, struct sb_args *out, char *err, size_t errlen)
{
	char buf[SB_ARGS_MAX_LEN + 2];
	FILE *f = fopen(path, "re");
	size_t n;
	int r;

	*out = (struct sb_args){0};
	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s; give a baseline directory (bench baseline save)",
			 path, strerror(errno));
		return r;
	}
	n = fread(buf, 1, sizeof(buf), f);
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r) {
		snprintf(err, errlen, "%s: read error; check the file", path);
		return r;
	}
	if (memchr(buf, '\0', n)) {
		snprintf(err, errlen, "%s: holds a NUL byte, not a text file; rewrite it", path);
		return -EINVAL;
	}
	return sb_args__split(buf, n, path, out, err, errlen);
}

void sb_args__free(struct sb_args *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	*a = (struct sb_args){0};
}

char *sb_args__join(char *const *argv, int argc)
{
	size_t cap = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		cap += 4 * strlen(argv[i]) + 3;
	s = p = malloc(cap);
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		int plain = w[0] != '\0';

		for (const char *c = w; *c && plain; c++)
			plain = !is_blank(*c) && !strchr("$`*?[~;|&<>()#{}!\\'\"", *c);
		if (i)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, w);
			continue;
		}
		*p++ = '\'';
		for (const char *c = w; *c; c++) {
			if (*c == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *c;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}
