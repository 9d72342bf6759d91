/* The restore journal's text: format, parse, validate (restore_journal.h). */
#include "harness/run/restore_journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "synbench-restore 1"

int sb_journal_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n >= SB_JOURNAL_NAME || strncmp(name, "net.", 4) != 0 || name[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return 0;
		if (c == '.' && name[i + 1] == '.')
			return 0;
	}
	return 1;
}

int sb_journal_value_ok(const char *value)
{
	int digits = 0;
	size_t n = strlen(value);

	if (n >= SB_JOURNAL_VALUE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (value[i] >= '0' && value[i] <= '9')
			digits = 1;
		else if (value[i] != ' ' && value[i] != '\t')
			return 0;
	}
	return digits;
}

int sb_journal_via_ok(const char *via)
{
	const char *name = via + strlen("/run/netns/");

	if (!via[0] || strcmp(via, "/proc/1/ns/net") == 0)
		return 1;
	if (strlen(via) >= SB_JOURNAL_VIA ||
	    strncmp(via, "/run/netns/", strlen("/run/netns/")) != 0 || !name[0] ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return 0;
	return 1;
}

/* The next number of a value: its digits without leading zeros. */
static const char *next_number(const char *p, const char **digits, size_t *len)
{
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p == '0' && p[1] >= '0' && p[1] <= '9')
		p++;
	*digits = p;
	while (*p >= '0' && *p <= '9')
		p++;
	*len = (size_t)(p - *digits);
	return p;
}

int sb_journal_values_equal(const char *a, const char *b)
{
	if (!sb_journal_value_ok(a) || !sb_journal_value_ok(b))
		return 0;
	for (;;) {
		const char *da, *db;
		size_t la, lb;

		a = next_number(a, &da, &la);
		b = next_number(b, &db, &lb);
		if (la != lb || memcmp(da, db, la) != 0)
			return 0;
		if (la == 0)
			return 1; /* both at their end */
	}
}

int sb_journal_format(const struct sb_journal *j, char *buf, size_t len)
{
	size_t off;
	int n;

	if (!sb_journal_via_ok(j->via) || j->n > SB_JOURNAL_MAX)
		return -EINVAL;
	n = snprintf(buf, len, MAGIC "\npid %ld\nstart %llu\nnetns %llu\ncookie %llu\n", j->pid,
		     j->start, (unsigned long long)j->netns, (unsigned long long)j->cookie);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	off = (size_t)n;
	if (j->via[0]) {
		n = snprintf(buf + off, len - off, "via %s\n", j->via);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	for (size_t i = 0; i < j->n; i++) {
		const struct sb_journal_set *s = &j->set[i];

		if (!sb_journal_name_ok(s->name) || !sb_journal_value_ok(s->before) ||
		    !sb_journal_value_ok(s->written) || strchr(s->before, '\t') ||
		    strchr(s->written, '\t'))
			return -EINVAL;
		n = snprintf(buf + off, len - off, "set\t%s\t%s\t%s\n", s->name, s->before,
			     s->written);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return (int)off;
}

/* A decimal number filling s: 0 with *v, else -EINVAL. */
static int number(const char *s, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 20)
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

/* One "set" line's fields (after "set\t"), each checked. */
static int parse_set(char *p, struct sb_journal *j)
{
	char *f[3];
	struct sb_journal_set *s;

	for (int i = 0; i < 3; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if ((i < 2) != (p != NULL))
			return -EINVAL; /* three fields, no fourth */
		if (p)
			*p++ = 0;
	}
	if (!sb_journal_name_ok(f[0]) || !sb_journal_value_ok(f[1]) || !sb_journal_value_ok(f[2]) ||
	    j->n >= SB_JOURNAL_MAX)
		return -EINVAL;
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->set[i].name, f[0]) == 0)
			return -EINVAL; /* a name twice */
	s = &j->set[j->n++];
	snprintf(s->name, sizeof(s->name), "%s", f[0]);
	snprintf(s->before, sizeof(s->before), "%s", f[1]);
	snprintf(s->written, sizeof(s->written), "%s", f[2]);
	return 0;
}

static int bad(char *err, size_t len, int line, const char *why)
{
	snprintf(err, len, "line %d: %s", line, why);
	return -EINVAL;
}

int sb_journal_parse(const char *text, struct sb_journal *j, char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *next;
	unsigned long long v;
	int ln = 0, seen = 0, e = 0;

	if (!copy)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	for (line = copy; line && *line && !e; line = next) {
		next = strchr(line, '\n');
		if (!next) {
			e = bad(err, errlen, ln + 1, "no end of line");
			break;
		}
		*next++ = 0;
		ln++;
		if (ln == 1) {
			if (strcmp(line, MAGIC) != 0)
				e = bad(err, errlen, ln, "not a synbench restore journal");
		} else if (strncmp(line, "pid ", 4) == 0 && !(seen & 1)) {
			e = number(line + 4, &v) || v == 0 || v > 0x7fffffff
				? bad(err, errlen, ln, "bad pid")
				: 0;
			j->pid = (long)v;
			seen |= 1;
		} else if (strncmp(line, "start ", 6) == 0 && !(seen & 2)) {
			e = number(line + 6, &j->start) ? bad(err, errlen, ln, "bad start time")
							: 0;
			seen |= 2;
		} else if (strncmp(line, "netns ", 6) == 0 && !(seen & 4)) {
			e = number(line + 6, &v) || v == 0 ? bad(err, errlen, ln, "bad netns inode")
							   : 0;
			j->netns = v;
			seen |= 4;
		} else if (strncmp(line, "cookie ", 7) == 0 && !(seen & 8)) {
			e = number(line + 7, &v) ? bad(err, errlen, ln, "bad netns cookie") : 0;
			j->cookie = v;
			seen |= 8;
		} else if (strncmp(line, "via ", 4) == 0 && !(seen & 16)) {
			e = !line[4] || !sb_journal_via_ok(line + 4)
				? bad(err, errlen, ln, "bad via")
				: 0;
			snprintf(j->via, sizeof(j->via), "%s", e ? "" : line + 4);
			seen |= 16;
		} else if (strncmp(line, "set\t", 4) == 0 && (seen & 7) == 7) {
			e = parse_set(line + 4, j) ? bad(err, errlen, ln, "bad sysctl line") : 0;
		} else {
			e = bad(err, errlen, ln, "unknown, repeated or misplaced line");
		}
	}
	if (!e && (seen & 7) != 7)
		e = bad(err, errlen, ln, "pid, start or netns missing");
	free(copy);
	return e;
}
