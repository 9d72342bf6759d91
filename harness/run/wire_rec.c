/* Records on the control channel: layouts and checks (wire_rec.h). */
#include "harness/run/wire_rec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/run/rundata.h"

/* One field of a record: where it lives in the struct, the width of each
 * element (1, 2, 4, 8: an unsigned or two's complement integer, little
 * endian on the wire), how many elements (arrays); or count bytes as they
 * are: a text field (NUL-terminated within it, zeros after, its charset
 * checked with the record) or an address (network byte order already). */
enum { F_INT, F_TEXT, F_BYTES };

struct wfield {
	const char *name;
	size_t off;
	unsigned char width;
	unsigned char count;
	unsigned char kind; /* F_INT, or F_TEXT / F_BYTES of count bytes (width 1) */
};

#define M(type, m) (((type *)0)->m)
#define FS(type, m) {#m, offsetof(type, m), sizeof(M(type, m)), 1, F_INT}
#define FA(type, m)                                                                                \
	{#m, offsetof(type, m), sizeof(M(type, m)[0]),                                             \
	 sizeof(M(type, m)) / sizeof(M(type, m)[0]), F_INT}
#define FC(type, m) {#m, offsetof(type, m), 1, sizeof(M(type, m)), F_TEXT}
#define FB(type, m) {#m, offsetof(type, m), 1, sizeof(M(type, m)), F_BYTES}

static const struct wfield krec_fields[] = {
	FS(struct sb_conn_rec, cookie),	     FA(struct sb_conn_rec, ts),
	FB(struct sb_conn_rec, saddr),	     FB(struct sb_conn_rec, daddr),
	FS(struct sb_conn_rec, sport),	     FS(struct sb_conn_rec, dport),
	FS(struct sb_conn_rec, family),	     FS(struct sb_conn_rec, syn_retrans),
	FS(struct sb_conn_rec, role),	     FS(struct sb_conn_rec, final_state),
	FS(struct sb_conn_rec, flushed),     FS(struct sb_conn_rec, partial),
	FS(struct sb_conn_rec, srtt_us),     FS(struct sb_conn_rec, side),
	FS(struct sb_conn_rec, has_isn),     FS(struct sb_conn_rec, isn),
	FS(struct sb_conn_rec, err),	     FS(struct sb_conn_rec, err_soft),
};

static const struct wfield sample_fields[] = {
	FS(struct sb_listen_sample, ts),	      FS(struct sb_listen_sample, ack_backlog),
	FS(struct sb_listen_sample, max_ack_backlog), FS(struct sb_listen_sample, syn_qlen),
	FS(struct sb_listen_sample, drops),	      FS(struct sb_listen_sample, port),
	FS(struct sb_listen_sample, family),	      FS(struct sb_listen_sample, cookie),
};

static const struct wfield conn_fields[] = {
	FS(struct lg_conn, cookie),   FS(struct lg_conn, t_sched),     FS(struct lg_conn, t_submit),
	FS(struct lg_conn, t_connected), FS(struct lg_conn, t_sent),   FS(struct lg_conn, t_resp),
	FS(struct lg_conn, t_closed), FS(struct lg_conn, err),	       FS(struct lg_conn, lport),
	FS(struct lg_conn, rport),    FB(struct lg_conn, raddr),       FS(struct lg_conn, outcome),
	FS(struct lg_conn, thread),   FS(struct lg_conn, status),      FS(struct lg_conn, t_first),
	FS(struct lg_conn, t_tls_start), FS(struct lg_conn, t_tls_done), FS(struct lg_conn, tls_err),
	FS(struct lg_conn, tls_verify), FS(struct lg_conn, tls_flags), FS(struct lg_conn, tls_version),
};

static const struct wfield accept_fields[] = {
	FS(struct lg_accept, cookie),	 FS(struct lg_accept, t_accept),
	FS(struct lg_accept, t_closed),	 FS(struct lg_accept, peer_port),
	FB(struct lg_accept, peer_addr), FS(struct lg_accept, t_tls_done),
	FS(struct lg_accept, tls_err),	 FS(struct lg_accept, tls_flags),
};

static const struct wfield mib_fields[] = {
	FC(struct sb_mib, table), FC(struct sb_mib, name),
	FS(struct sb_mib, before), FS(struct sb_mib, after),
};

static const struct wfield sysctl_fields[] = {
	FC(struct sb_sysctl, name),
	FC(struct sb_sysctl, value),
};

static const struct wfield bucket_fields[] = {
	FS(struct sb_wire_bucket, index),
	FS(struct sb_wire_bucket, count),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct kind {
	const char *name;
	const struct wfield *f;
	size_t nf, mem;
} kinds[SB_NWIRE_KINDS] = {
	[SB_WK_KRECS] = {"krecs", krec_fields, N(krec_fields), sizeof(struct sb_conn_rec)},
	[SB_WK_SAMPLES] = {"samples", sample_fields, N(sample_fields),
			   sizeof(struct sb_listen_sample)},
	[SB_WK_CONNS] = {"conns", conn_fields, N(conn_fields), sizeof(struct lg_conn)},
	[SB_WK_ACCEPTS] = {"accepts", accept_fields, N(accept_fields), sizeof(struct lg_accept)},
	[SB_WK_MIB] = {"mib", mib_fields, N(mib_fields), sizeof(struct sb_mib)},
	[SB_WK_CLIENT_MIB] = {"client_mib", mib_fields, N(mib_fields), sizeof(struct sb_mib)},
	[SB_WK_SYSCTLS] = {"sysctls", sysctl_fields, N(sysctl_fields), sizeof(struct sb_sysctl)},
	[SB_WK_HISTS] = {"hists", bucket_fields, N(bucket_fields), sizeof(struct sb_wire_bucket)},
};

const char *sb_wire_kind_name(enum sb_wire_kind k)
{
	return (unsigned int)k < SB_NWIRE_KINDS ? kinds[k].name : "?";
}

int sb_wire_kind_parse(const char *name)
{
	for (int k = 0; k < SB_NWIRE_KINDS; k++)
		if (strcmp(name, kinds[k].name) == 0)
			return k;
	return -1;
}

size_t sb_wire_rec_size(enum sb_wire_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < kinds[k].nf; i++)
		n += (size_t)kinds[k].f[i].width * kinds[k].f[i].count;
	return n;
}

size_t sb_wire_mem_size(enum sb_wire_kind k)
{
	return kinds[k].mem;
}

static uint64_t load(const unsigned char *p, size_t width)
{
	uint64_t v = 0;

	for (size_t b = 0; b < width; b++)
		v |= (uint64_t)p[b] << (8 * b);
	return v;
}

static void store(unsigned char *p, uint64_t v, size_t width)
{
	for (size_t b = 0; b < width; b++)
		p[b] = (unsigned char)(v >> (8 * b));
}

/* An integer field element of the struct, as an unsigned number of its
 * width (a signed one in two's complement). */
static uint64_t get(const void *rec, size_t off, size_t width)
{
	const char *p = (const char *)rec + off;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (width) {
	case 1: memcpy(&u8, p, 1); return u8;
	case 2: memcpy(&u16, p, 2); return u16;
	case 4: memcpy(&u32, p, 4); return u32;
	default: memcpy(&u64, p, 8); return u64;
	}
}

static void put(void *rec, size_t off, size_t width, uint64_t v)
{
	char *p = (char *)rec + off;
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (width) {
	case 1: memcpy(p, &u8, 1); break;
	case 2: memcpy(p, &u16, 2); break;
	case 4: memcpy(p, &u32, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

void sb_wire_rec_encode(enum sb_wire_kind k, const void *rec, unsigned char *wire)
{
	for (size_t i = 0; i < kinds[k].nf; i++) {
		const struct wfield *f = &kinds[k].f[i];

		if (f->kind == F_TEXT) {
			const char *s = (const char *)rec + f->off;
			size_t n = strnlen(s, f->count);

			/* the text, then zeros (never what follows its NUL) */
			memset(wire, 0, f->count);
			memcpy(wire, s, n < f->count ? n : (size_t)f->count - 1);
			wire += f->count;
			continue;
		}
		if (f->kind == F_BYTES) {
			memcpy(wire, (const char *)rec + f->off, f->count);
			wire += f->count;
			continue;
		}
		for (size_t e = 0; e < f->count; e++, wire += f->width)
			store(wire, get(rec, f->off + e * f->width, f->width), f->width);
	}
}

/* name[0..n): NUL-terminated within n, every byte before the NUL accepted
 * by ok(). */
static int text_ok(const char *s, size_t n, int (*ok)(int c))
{
	size_t len = strnlen(s, n);

	if (len == n)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!ok((unsigned char)s[i]))
			return 0;
	return 1;
}

static int word_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* a kernel counter's name as /proc spells it, safe in CSV and JSON */
static int mib_char(int c)
{
	return c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '\\';
}

static int sysctl_char(int c)
{
	return word_char(c) || c == '.';
}

static int print_char(int c)
{
	return c >= 0x20 && c < 0x7f;
}

#define WHY(...) (snprintf(why, len, __VA_ARGS__), -EPROTO)

static int check_krec(const struct sb_conn_rec *r, char *why, size_t len)
{
	if (r->role != SB_ROLE_CLIENT && r->role != SB_ROLE_CHILD)
		return WHY("role %u out of range 1..2", r->role);
	/* a state the kernel may add beyond the names (6.8: BOUND_INACTIVE,
	 * 13) still stamps within ts[] */
	if (r->final_state >= SB_TS_SLOTS)
		return WHY("final_state %u out of range 0..%d", r->final_state, SB_TS_SLOTS - 1);
	if (r->flushed > SB_REC_CLOSE_MISSED)
		return WHY("flushed %u out of range 0..%d", r->flushed, SB_REC_CLOSE_MISSED);
	if (r->partial > 1 || r->has_isn > 1 || r->err_soft > 1)
		return WHY("partial %u, has_isn %u or err_soft %u not 0 or 1", r->partial,
			   r->has_isn, r->err_soft);
	if (r->side > SB_SIDE_CLIENT)
		return WHY("side %u out of range 0..1", r->side);
	if (r->family != 2 && r->family != 10)
		return WHY("family %u neither AF_INET (2) nor AF_INET6 (10)", r->family);
	return 0;
}

static int check(enum sb_wire_kind k, const void *rec, char *why, size_t len)
{
	switch (k) {
	case SB_WK_KRECS:
		return check_krec(rec, why, len);
	case SB_WK_SAMPLES: {
		const struct sb_listen_sample *s = rec;

		if (s->family != 2 && s->family != 10)
			return WHY("family %u neither AF_INET (2) nor AF_INET6 (10)", s->family);
		return 0;
	}
	case SB_WK_CONNS: {
		const struct lg_conn *c = rec;

		if (c->outcome > LG_OUT_TLS)
			return WHY("outcome %u out of range 0..%d", c->outcome, LG_OUT_TLS);
		/* the load generator's threads: at most 255 */
		if (c->thread == 255)
			return WHY("thread %u out of range 0..254", c->thread);
		if (c->err < 0 || c->err > 4095)
			return WHY("err %d out of range 0..4095", (int)c->err);
		if (c->status > 999)
			return WHY("status %u out of range 0..999", c->status);
		if (c->tls_version && c->tls_version != 12 && c->tls_version != 13)
			return WHY("tls_version %u neither 0, 12 nor 13", c->tls_version);
		if (c->tls_flags > LG_TLS_F_RESUMED)
			return WHY("tls_flags %u out of range 0..%u", c->tls_flags, LG_TLS_F_RESUMED);
		return 0;
	}
	case SB_WK_MIB:
	case SB_WK_CLIENT_MIB: {
		const struct sb_mib *m = rec;

		if (!text_ok(m->table, sizeof(m->table), mib_char) || !m->table[0] ||
		    !text_ok(m->name, sizeof(m->name), mib_char) || !m->name[0])
			return WHY("a counter name empty, not printable, or with a space, comma, "
				   "quote or backslash");
		return 0;
	}
	case SB_WK_SYSCTLS: {
		const struct sb_sysctl *s = rec;

		if (!text_ok(s->name, sizeof(s->name), sysctl_char) || !s->name[0])
			return WHY("a sysctl name not of letters, digits, _ and .");
		if (!text_ok(s->value, sizeof(s->value), print_char))
			return WHY("sysctl %s: a value not of printable characters", s->name);
		return 0;
	}
	case SB_WK_HISTS: {
		const struct sb_wire_bucket *b = rec;

		if (b->index >= (uint64_t)SB_NHISTS * SB_HIST_BUCKETS)
			return WHY("bucket %u out of range 0..%u", b->index,
				   (unsigned)(SB_NHISTS * SB_HIST_BUCKETS - 1));
		if (!b->count)
			return WHY("bucket %u sent with a zero count", b->index);
		return 0;
	}
	default:
		return 0;
	}
}

int sb_wire_rec_decode(enum sb_wire_kind k, const unsigned char *wire, void *rec, char *why,
		       size_t len)
{
	memset(rec, 0, kinds[k].mem);
	for (size_t i = 0; i < kinds[k].nf; i++) {
		const struct wfield *f = &kinds[k].f[i];

		if (f->kind == F_BYTES) {
			memcpy((char *)rec + f->off, wire, f->count);
			wire += f->count;
			continue;
		}
		if (f->kind == F_TEXT) {
			char *s = (char *)rec + f->off;
			size_t n = strnlen((const char *)wire, f->count);

			/* up to its NUL; none within the field: refused below */
			memcpy(s, wire, n);
			if (n == f->count)
				return WHY("field %s without its terminating NUL", f->name);
			wire += f->count;
			continue;
		}
		for (size_t e = 0; e < f->count; e++, wire += f->width)
			put(rec, f->off + e * f->width, f->width, load(wire, f->width));
	}
	return check(k, rec, why, len);
}
