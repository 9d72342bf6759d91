/* Strict JSON reader: recursive descent over an owned copy of the text,
 * values appended to one growing array (linked by index while it may move,
 * by pointer once parsing is done), strings decoded in place. */
#include "harness/output/jsonread.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sb_jdoc {
	char *text; /* len + 1 bytes, text[len] == '\0' */
	size_t len;
	struct sb_jval *v; /* v[0] is the root */
	size_t nv, cap;
};

struct parser {
	struct sb_jdoc *d;
	struct sb_jerr *err;
	size_t pos;
	int line;	   /* line of pos */
	size_t line_start; /* offset of the first byte of that line */
};

#define NONE 0u /* index 0 is the root, never a child or a sibling */

static int fail_at(struct parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* at must be on the current line (all callers report at or after the start
 * of the current token, and tokens other than whitespace never span lines). */
static int fail_at(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (!p->err)
		return -EINVAL;
	p->err->line = p->line;
	p->err->col = (int)(at - p->line_start) + 1;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "'x'" for printable bytes, "byte 0x01" otherwise, "end of input" at the end. */
static const char *describe(const struct parser *p, size_t at, char *buf, size_t len)
{
	unsigned char c = (unsigned char)p->d->text[at];

	if (at >= p->d->len)
		snprintf(buf, len, "end of input");
	else if (c >= 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", c);
	return buf;
}

static int unexpected(struct parser *p, const char *expected)
{
	char b[24];

	return fail_at(p, p->pos, "unexpected %s; expected %s", describe(p, p->pos, b, sizeof(b)),
		       expected);
}

static void skip_ws(struct parser *p)
{
	const char *t = p->d->text;

	while (p->pos < p->d->len) {
		char c = t[p->pos];

		if (c == '\n') {
			p->line++;
			p->line_start = p->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		p->pos++;
	}
}

static int new_value(struct parser *p, enum sb_jtype type, uint32_t *idx)
{
	struct sb_jdoc *d = p->d;
	struct sb_jval *v;

	if (d->nv == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct sb_jval *nv;

		if (cap > UINT32_MAX)
			return -ENOMEM;
		nv = realloc(d->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		d->v = nv;
		d->cap = cap;
	}
	*idx = (uint32_t)d->nv;
	v = &d->v[d->nv++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	v->line = p->line;
	v->col = (int)(p->pos - p->line_start) + 1;
	return 0;
}

static void append_child(struct sb_jdoc *d, uint32_t parent, uint32_t child)
{
	struct sb_jval *pv = &d->v[parent];

	if (pv->child_i_ == NONE)
		pv->child_i_ = child;
	else
		d->v[pv->last_i_].next_i_ = child;
	pv->last_i_ = child;
	pv->len++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at t[at..at+3] (bounded by len); -1 if not. */
static long hex4(const char *t, size_t at, size_t len)
{
	long v = 0;

	if (at + 4 > len)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(t[at + i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence starting at s[0] (s[0] >= 0x80), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static size_t put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* \uXXXX (and a following low surrogate) at t[*src] == 'u'; writes UTF-8 at
 * t[*dst]. The decoded form is never longer than the escape. */
static int unicode_escape(struct parser *p, size_t *src, size_t *dst)
{
	char *t = p->d->text;
	size_t at = *src - 1; /* the backslash */
	long cp = hex4(t, *src + 1, p->d->len);

	if (cp < 0)
		return fail_at(p, at, "\\u must be followed by four hex digits");
	*src += 5;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail_at(p, at, "lone low surrogate \\u%04lX", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		long lo = -1;

		if (*src + 1 < p->d->len && t[*src] == '\\' && t[*src + 1] == 'u')
			lo = hex4(t, *src + 2, p->d->len);
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail_at(p, at, "high surrogate \\u%04lX without a low surrogate",
				       cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		*src += 6;
	}
	*dst += put_utf8(t + *dst, (unsigned long)cp);
	return 0;
}

/* A string at t[pos] == '"'; decoded in place. *s and *len describe it. */
static int parse_string(struct parser *p, const char **s, size_t *len)
{
	char *t = p->d->text;
	size_t open = p->pos, src = p->pos + 1, dst = src;
	int err;

	for (;;) {
		unsigned char c;

		if (src >= p->d->len)
			return fail_at(p, open, "unterminated string");
		c = (unsigned char)t[src];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail_at(p, src, "control character 0x%02x in a string; escape it",
				       c);
		if (c >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)t + src, p->d->len - src);

			if (!n)
				return fail_at(p, src, "invalid UTF-8 byte 0x%02x in a string", c);
			memmove(t + dst, t + src, n);
			src += n;
			dst += n;
			continue;
		}
		if (c != '\\') {
			t[dst++] = (char)c;
			src++;
			continue;
		}
		if (src + 1 >= p->d->len)
			return fail_at(p, open, "unterminated string");
		src += 1;
		switch (t[src]) {
		case '"':
		case '\\':
		case '/':
			t[dst++] = t[src++];
			break;
		case 'b':
			t[dst++] = '\b', src++;
			break;
		case 'f':
			t[dst++] = '\f', src++;
			break;
		case 'n':
			t[dst++] = '\n', src++;
			break;
		case 'r':
			t[dst++] = '\r', src++;
			break;
		case 't':
			t[dst++] = '\t', src++;
			break;
		case 'u':
			err = unicode_escape(p, &src, &dst);
			if (err)
				return err;
			break;
		default:
			if (t[src] > 0x20 && t[src] < 0x7f)
				return fail_at(p, src - 1, "invalid escape '\\%c' in a string",
					       t[src]);
			return fail_at(p, src - 1,
				       "invalid escape: backslash then byte 0x%02x in a string",
				       (unsigned char)t[src]);
		}
	}
	t[dst] = '\0'; /* dst <= src: at most the closing quote is overwritten */
	*s = t + open + 1;
	*len = dst - (open + 1);
	p->pos = src + 1;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct parser *p, struct sb_jval *v)
{
	char *t = p->d->text, *end, saved;
	size_t start = p->pos, i = p->pos, n = p->d->len;
	int integral = 1;
	double d;

	if (i < n && t[i] == '-')
		i++;
	if (i < n && t[i] == '0') {
		i++;
		if (i < n && is_digit(t[i]))
			return fail_at(p, start, "leading zero in a number");
	} else if (i < n && is_digit(t[i])) {
		while (i < n && is_digit(t[i]))
			i++;
	} else {
		return fail_at(p, i, "expected a digit in a number");
	}
	if (i < n && t[i] == '.') {
		integral = 0;
		if (++i >= n || !is_digit(t[i]))
			return fail_at(p, i, "expected a digit after the decimal point");
		while (i < n && is_digit(t[i]))
			i++;
	}
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		integral = 0;
		if (++i < n && (t[i] == '+' || t[i] == '-'))
			i++;
		if (i >= n || !is_digit(t[i]))
			return fail_at(p, i, "expected a digit in the exponent");
		while (i < n && is_digit(t[i]))
			i++;
	}
	saved = t[i]; /* t[n] exists; terminate the token for strtod/strtoll */
	t[i] = '\0';
	errno = 0;
	d = strtod(t + start, &end);
	if (isinf(d)) {
		t[i] = saved;
		return fail_at(p, start, "number out of range of a double");
	}
	v->num = d;
	if (integral) {
		long long ll;

		errno = 0;
		ll = strtoll(t + start, &end, 10);
		if (errno == 0) {
			v->is_int = 1;
			v->inum = ll;
		}
	} else if (d == trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
		v->is_int = 1;
		v->inum = (int64_t)d;
	}
	t[i] = saved;
	p->pos = i;
	return 0;
}

static int parse_value(struct parser *p, int depth, uint32_t *out);

/* '[' or '{' at pos; elements appended to d->v[idx]. */
static int parse_container(struct parser *p, int depth, uint32_t idx, int obj)
{
	const char close = obj ? '}' : ']';
	const char *what = obj ? "object" : "array";
	int err;

	p->pos++;
	skip_ws(p);
	if (p->pos < p->d->len && p->d->text[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		const char *key = NULL;
		size_t keylen = 0;
		uint32_t child;

		if (obj) {
			if (p->pos >= p->d->len || p->d->text[p->pos] != '"')
				return unexpected(p, "'\"' to start a member name");
			err = parse_string(p, &key, &keylen);
			if (err)
				return err;
			skip_ws(p);
			if (p->pos >= p->d->len || p->d->text[p->pos] != ':')
				return unexpected(p, "':' after a member name");
			p->pos++;
			skip_ws(p);
		}
		err = parse_value(p, depth + 1, &child);
		if (err)
			return err;
		p->d->v[child].key = key;
		p->d->v[child].keylen = keylen;
		append_child(p->d, idx, child);
		skip_ws(p);
		if (p->pos < p->d->len && p->d->text[p->pos] == close) {
			p->pos++;
			return 0;
		}
		if (p->pos >= p->d->len || p->d->text[p->pos] != ',') {
			char b[40];

			snprintf(b, sizeof(b), "',' or '%c' in an %s", close, what);
			return unexpected(p, b);
		}
		p->pos++;
		skip_ws(p);
		if (p->pos < p->d->len && p->d->text[p->pos] == close)
			return fail_at(p, p->pos, "trailing comma before '%c'", close);
	}
}

static int parse_value(struct parser *p, int depth, uint32_t *out)
{
	static const struct {
		const char *word;
		enum sb_jtype type;
		int val;
	} lits[] = {{"true", SB_JBOOL, 1}, {"false", SB_JBOOL, 0}, {"null", SB_JNULL, 0}};
	const char *t = p->d->text;
	uint32_t idx;
	char c;
	int err;

	if (depth > SB_JDOC_MAX_DEPTH)
		return fail_at(p, p->pos, "nesting deeper than %d levels", SB_JDOC_MAX_DEPTH);
	if (p->pos >= p->d->len)
		return unexpected(p, "a value");
	c = t[p->pos];
	if (c == '{' || c == '[') {
		err = new_value(p, c == '{' ? SB_JOBJECT : SB_JARRAY, &idx);
		if (!err)
			err = parse_container(p, depth, idx, c == '{');
	} else if (c == '"') {
		const char *s;
		size_t len;

		err = new_value(p, SB_JSTRING, &idx);
		if (!err)
			err = parse_string(p, &s, &len);
		if (!err) {
			p->d->v[idx].str = s;
			p->d->v[idx].len = len;
		}
	} else if (c == '-' || is_digit(c)) {
		err = new_value(p, SB_JNUMBER, &idx);
		if (!err)
			err = parse_number(p, &p->d->v[idx]);
	} else {
		for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
			size_t n = strlen(lits[i].word);

			if (p->d->len - p->pos < n || memcmp(t + p->pos, lits[i].word, n) != 0)
				continue;
			err = new_value(p, lits[i].type, &idx);
			if (err)
				return err;
			p->d->v[idx].num = lits[i].val;
			p->pos += n;
			*out = idx;
			return 0;
		}
		return unexpected(p, "a value (object, array, string, number, true, false, null)");
	}
	if (!err)
		*out = idx;
	return err;
}

static int cmp_member(const void *a, const void *b)
{
	const struct sb_jval *x = *(const struct sb_jval *const *)a;
	const struct sb_jval *y = *(const struct sb_jval *const *)b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return x < y ? -1 : x > y; /* equal keys: text order, to report the later one */
}

/* Turns indices into pointers and rejects duplicate member names. */
static int finish(struct parser *p)
{
	struct sb_jdoc *d = p->d;
	const struct sb_jval **tmp = NULL;
	size_t tmpcap = 0;
	int err = 0;

	for (size_t i = 0; i < d->nv; i++) {
		struct sb_jval *v = &d->v[i];

		v->child = v->child_i_ != NONE ? &d->v[v->child_i_] : NULL;
		v->next = v->next_i_ != NONE ? &d->v[v->next_i_] : NULL;
	}
	for (size_t i = 0; i < d->nv && !err; i++) {
		const struct sb_jval *v = &d->v[i], *m;
		size_t k = 0;

		if (v->type != SB_JOBJECT || v->len < 2)
			continue;
		if (v->len > tmpcap) {
			const struct sb_jval **nt = realloc(tmp, v->len * sizeof(*tmp));

			if (!nt) {
				err = -ENOMEM;
				break;
			}
			tmp = nt;
			tmpcap = v->len;
		}
		for (m = v->child; m; m = m->next)
			tmp[k++] = m;
		qsort(tmp, k, sizeof(*tmp), cmp_member);
		for (size_t j = 1; j < k; j++) {
			if (tmp[j - 1]->keylen == tmp[j]->keylen &&
			    memcmp(tmp[j - 1]->key, tmp[j]->key, tmp[j]->keylen) == 0) {
				if (p->err) {
					p->err->line = tmp[j]->line;
					p->err->col = tmp[j]->col;
					snprintf(p->err->msg, sizeof(p->err->msg),
						 "duplicate member name \"%.80s\"", tmp[j]->key);
				}
				err = -EINVAL;
				break;
			}
		}
	}
	free(tmp);
	return err;
}

/* Takes ownership of text (len + 1 bytes, text[len] == '\0'). */
static int parse_owned(char *text, size_t len, struct sb_jdoc **out, struct sb_jerr *err)
{
	struct sb_jdoc *d = calloc(1, sizeof(*d));
	struct parser p = {.d = d, .err = err, .line = 1};
	uint32_t root;
	int r;

	*out = NULL;
	if (!d) {
		free(text);
		return -ENOMEM;
	}
	d->text = text;
	d->len = len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p.pos = p.line_start = 3;
	skip_ws(&p);
	if (p.pos >= len)
		r = fail_at(&p, p.pos, "empty input; expected a JSON value");
	else
		r = parse_value(&p, 1, &root);
	if (!r) {
		skip_ws(&p);
		if (p.pos < len)
			r = unexpected(&p, "end of input after the top-level value");
	}
	if (!r)
		r = finish(&p);
	if (r) {
		sb_jdoc__free(d);
		return r;
	}
	*out = d;
	return 0;
}

int sb_jdoc__parse(const char *text, size_t len, struct sb_jdoc **out, struct sb_jerr *err)
{
	char *copy = malloc(len + 1);

	if (err)
		memset(err, 0, sizeof(*err));
	if (!copy) {
		*out = NULL;
		return -ENOMEM;
	}
	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	return parse_owned(copy, len, out, err);
}

static int load_fail(struct sb_jerr *err, int e, const char *what)
{
	if (err)
		snprintf(err->msg, sizeof(err->msg), "%s: %s", what, strerror(-e));
	return e;
}

int sb_jdoc__load(const char *path, struct sb_jdoc **out, struct sb_jerr *err)
{
	struct stat st;
	size_t len, got = 0;
	char *buf;
	int fd, e;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return load_fail(err, -errno, "cannot open");
	if (fstat(fd, &st) < 0) {
		e = -errno;
		close(fd);
		return load_fail(err, e, "cannot stat");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return load_fail(err, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
				 "not a regular file");
	}
	if ((unsigned long long)st.st_size > SB_JDOC_MAX_FILE) {
		close(fd);
		return load_fail(err, -EFBIG, "larger than 64 MiB");
	}
	len = (size_t)st.st_size;
	buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? -errno : -EIO;
			free(buf);
			close(fd);
			return load_fail(err, e, "cannot read");
		}
		got += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return parse_owned(buf, len, out, err);
}

void sb_jdoc__free(struct sb_jdoc *d)
{
	if (!d)
		return;
	free(d->text);
	free(d->v);
	free(d);
}

const struct sb_jval *sb_jdoc_root(const struct sb_jdoc *d)
{
	return d && d->nv ? &d->v[0] : NULL;
}
