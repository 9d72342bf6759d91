/* Kernel MIB counters: /proc/net/netstat and /proc/net/snmp snapshots and their deltas. */
#include "harness/run/mib.h"

#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/run/rundata.h"

struct mib_ent {
	char table[16];
	char name[48];
	int64_t v;
};

struct sb_mib_snap {
	struct mib_ent *e;
	size_t n, cap;
};

static const char *const kept_tables[] = {"TcpExt", "Tcp", "IpExt", "Ip"};

struct sb_mib_snap *sb_mib_snap__new_empty(void)
{
	return calloc(1, sizeof(struct sb_mib_snap));
}

void sb_mib_snap__free(struct sb_mib_snap *s)
{
	if (!s)
		return;
	free(s->e);
	free(s);
}

size_t sb_mib_snap__count(const struct sb_mib_snap *s)
{
	return s->n;
}

static struct mib_ent *find_ent(const struct sb_mib_snap *s, const char *table, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->e[i].name, name) == 0 && strcmp(s->e[i].table, table) == 0)
			return &s->e[i];
	return NULL;
}

int sb_mib_snap__get(const struct sb_mib_snap *s, const char *table, const char *name, int64_t *v)
{
	const struct mib_ent *e = find_ent(s, table, name);

	if (!e)
		return -ENOENT;
	*v = e->v;
	return 0;
}

/* Adds or overwrites (table, name). */
static int put(struct sb_mib_snap *s, const char *table, const char *name, int64_t v)
{
	struct mib_ent *e = find_ent(s, table, name);

	if (strlen(table) >= sizeof(e->table) || strlen(name) >= sizeof(e->name))
		return 0; /* longer than any kernel name: not ours to keep */
	if (!e) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			struct mib_ent *ne = realloc(s->e, cap * sizeof(*ne));

			if (!ne)
				return -ENOMEM;
			s->e = ne;
			s->cap = cap;
		}
		e = &s->e[s->n++];
		memset(e, 0, sizeof(*e));
		strcpy(e->table, table);
		strcpy(e->name, name);
	}
	e->v = v;
	return 0;
}

static int kept(const char *table)
{
	for (size_t i = 0; i < sizeof(kept_tables) / sizeof(kept_tables[0]); i++)
		if (strcmp(table, kept_tables[i]) == 0)
			return 1;
	return 0;
}

/* Splits "Table: a b c" into table (without colon) and the rest. */
static char *split_prefix(char *line, char **rest)
{
	char *colon = strchr(line, ':');

	if (!colon || colon == line)
		return NULL;
	*colon = '\0';
	*rest = colon + 1;
	return line;
}

static int parse_value(const char *tok, int64_t *v)
{
	char *end;

	errno = 0;
	if (tok[0] == '-') {
		*v = strtoll(tok, &end, 10);
	} else {
		/* some counters (IpExt InOctets) are unsigned 64-bit: keep the bits */
		*v = (int64_t)strtoull(tok, &end, 10);
	}
	return errno || *end || end == tok ? -EINVAL : 0;
}

static int parse_pair(struct sb_mib_snap *s, char *hdr, char *val)
{
	char *hrest, *vrest, *ht, *vt, *hsave, *vsave;
	char *htable = split_prefix(hdr, &hrest), *vtable = split_prefix(val, &vrest);
	int err;

	if (!htable || !vtable || strcmp(htable, vtable) != 0)
		return -EINVAL;
	if (!kept(htable))
		return 0;
	ht = strtok_r(hrest, " \t\n", &hsave);
	vt = strtok_r(vrest, " \t\n", &vsave);
	while (ht && vt) {
		int64_t v;

		if (parse_value(vt, &v))
			return -EINVAL;
		err = put(s, htable, ht, v);
		if (err)
			return err;
		ht = strtok_r(NULL, " \t\n", &hsave);
		vt = strtok_r(NULL, " \t\n", &vsave);
	}
	return ht || vt ? -EINVAL : 0; /* names and values must pair up */
}

int sb_mib_snap__parse_pairs(struct sb_mib_snap *s, FILE *f)
{
	char *hdr = NULL, *val = NULL;
	size_t hcap = 0, vcap = 0;
	int err = 0;

	for (;;) {
		ssize_t n = getline(&hdr, &hcap, f);

		if (n < 0)
			break;
		if (n <= 1)
			continue; /* blank line */
		if (getline(&val, &vcap, f) < 0) {
			err = -EINVAL;
			break;
		}
		err = parse_pair(s, hdr, val);
		if (err)
			break;
	}
	free(hdr);
	free(val);
	return err;
}

int sb_mib_snap__parse_softnet(struct sb_mib_snap *s, FILE *f)
{
	static const char *const names[] = {"processed", "dropped", "time_squeeze"};
	uint64_t sum[3] = {0, 0, 0};
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	while (getline(&line, &cap, f) >= 0) {
		char *p = line, *end;
		int col;

		if (strspn(line, " \t\n") == strlen(line))
			continue;
		for (col = 0; col < 3; col++) {
			unsigned long long x;

			errno = 0;
			x = strtoull(p, &end, 16);
			if (errno || end == p)
				break;
			sum[col] += x;
			p = end;
		}
		if (col < 3) {
			err = -EINVAL;
			break;
		}
	}
	free(line);
	for (int i = 0; i < 3 && !err; i++)
		err = put(s, "softnet", names[i], (int64_t)sum[i]);
	return err;
}

static int read_file(struct sb_mib_snap *s, const char *path, int softnet)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return -errno;
	err = softnet ? sb_mib_snap__parse_softnet(s, f) : sb_mib_snap__parse_pairs(s, f);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	return err;
}

int sb_mib_snap__read_files(const char *netstat, const char *snmp, const char *softnet,
			    struct sb_mib_snap **out)
{
	struct sb_mib_snap *s = sb_mib_snap__new_empty();
	int err = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	/* snmp first: Ip and Tcp, then the Ext tables, as a person reads them */
	if (snmp)
		err = read_file(s, snmp, 0);
	if (!err && netstat)
		err = read_file(s, netstat, 0);
	if (!err && softnet) {
		err = read_file(s, softnet, 1);
		if (err == -ENOENT || err == -EACCES)
			err = 0;
	}
	if (err) {
		sb_mib_snap__free(s);
		return err;
	}
	*out = s;
	return 0;
}

int sb_mib_snap__read(struct sb_mib_snap **out)
{
	return sb_mib_snap__read_files(SB_MIB_NETSTAT, SB_MIB_SNMP, SB_MIB_SOFTNET, out);
}

int sb_mib_deltas(const struct sb_mib_snap *before, const struct sb_mib_snap *after,
		  struct sb_mib **out, size_t *n)
{
	size_t cap = before->n + after->n, k = 0;
	struct sb_mib *m = calloc(cap ? cap : 1, sizeof(*m));

	*out = NULL;
	*n = 0;
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < after->n; i++) {
		const struct mib_ent *a = &after->e[i], *b = find_ent(before, a->table, a->name);

		memcpy(m[k].table, a->table, sizeof(m[k].table));
		memcpy(m[k].name, a->name, sizeof(m[k].name));
		m[k].before = b ? b->v : 0;
		m[k].after = a->v;
		k++;
	}
	for (size_t i = 0; i < before->n; i++) {
		const struct mib_ent *b = &before->e[i];

		if (find_ent(after, b->table, b->name))
			continue;
		memcpy(m[k].table, b->table, sizeof(m[k].table));
		memcpy(m[k].name, b->name, sizeof(m[k].name));
		m[k].before = b->v;
		m[k].after = 0;
		k++;
	}
	*out = m;
	*n = k;
	return 0;
}

const struct sb_mib *sb_mib_find(const struct sb_mib *m, size_t n, const char *table,
				 const char *name)
{
	for (size_t i = 0; m && i < n; i++)
		if (strcmp(m[i].name, name) == 0 && strcmp(m[i].table, table) == 0)
			return &m[i];
	return NULL;
}

int64_t sb_mib_delta_or(const struct sb_mib *m, size_t n, const char *table, const char *name,
			int64_t dflt)
{
	const struct sb_mib *e = sb_mib_find(m, n, table, name);

	return e ? e->after - e->before : dflt;
}

uint64_t sb_machine_busy_ns(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait,
		   &irq, &softirq);
	fclose(f);
	if (n != 7 || hz <= 0)
		return 0;
	return (user + nice + sys + irq + softirq) * (1000000000ull / (unsigned long long)hz);
}
