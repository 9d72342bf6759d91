/* The probes' kernel-side state read back: compact records expanded, slots flushed. */
#include "harness/run/probes_kmem.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "harness/run/kbtf.h"
#include "harness/run/rundata.h"

/* Reads one iterator pass of fixed-size items into out (at most max; the
 * rest are read and dropped). A pass that a program ended early (it
 * returned 1: EAGAIN) is complete. Returns the count read or a negative
 * errno. */
int sb_read_iter(struct bpf_link *link, void *out, size_t size, int max)
{
	char buf[4096];
	size_t have = 0;
	int fd, n = 0;
	ssize_t r;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	while ((r = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		size_t off = 0;

		have += (size_t)r;
		for (; have - off >= size; off += size, n++)
			if (n < max)
				memcpy((char *)out + (size_t)n * size, buf + off, size);
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (r < 0 && errno == EAGAIN)
		r = 0;
	close(fd);
	return r < 0 ? -errno : n;
}

uint64_t sb_percpu_sum(int fd, uint32_t key, uint64_t *vals, int ncpu)
{
	uint64_t sum = 0;

	if (bpf_map_lookup_elem(fd, &key, vals) != 0)
		return 0;
	for (int c = 0; c < ncpu; c++)
		sum += vals[c];
	return sum;
}

uint64_t sb_counter_sum(int fd, uint32_t c, uint64_t *vals, int ncpu)
{
	return sb_percpu_sum(fd, c, vals, ncpu) + sb_percpu_sum(fd, c + SB_NCOUNTERS, vals, ncpu);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Before the detach, so that a record left afterwards whose socket was not
 * among these lost its CLOSE while we watched: the kernel skipped the
 * handler, or freed a child without a CLOSE transition. */
uint64_t *sb_live_addrs(struct bpf_program *prog, uint64_t netns_ino, size_t *n)
{
	struct bpf_link *link;
	size_t cap = 4096;
	uint64_t *v = NULL;
	struct stat st;
	int got;

	*n = 0;
	/* iter/tcp walks the namespace of the thread that opens it */
	if (stat("/proc/thread-self/ns/net", &st) != 0 || (uint64_t)st.st_ino != netns_ino)
		return NULL;
	link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		return NULL;
	for (;;) {
		uint64_t *nv = realloc(v, cap * sizeof(*v));

		if (!nv) {
			free(v);
			v = NULL;
			break;
		}
		v = nv;
		got = sb_read_iter(link, v, sizeof(*v), (int)cap);
		if (got < 0) {
			free(v);
			v = NULL;
			break;
		}
		if ((size_t)got <= cap) {
			*n = (size_t)got;
			break;
		}
		cap = (size_t)got * 2;
	}
	bpf_link__destroy(link);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_u64);
	return v;
}

uint64_t *sb_live_addrs2(struct bpf_program *prog, uint64_t netns_ino, int fd2, uint64_t ino2,
			 size_t *n)
{
	uint64_t *a = sb_live_addrs(prog, netns_ino, n), *b = NULL, *m;
	size_t nb = 0;
	int home;

	if (!a || !ino2)
		return a;
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home >= 0 && setns(fd2, CLONE_NEWNET) == 0) {
		b = sb_live_addrs(prog, ino2, &nb);
		if (setns(home, CLONE_NEWNET) != 0) /* cannot happen: we came from there */
			abort();
	}
	if (home >= 0)
		close(home);
	m = b ? realloc(a, (*n + nb + 1) * sizeof(*a)) : NULL;
	if (!m) {
		free(a);
		free(b);
		*n = 0;
		return NULL;
	}
	memcpy(m + *n, b, nb * sizeof(*b));
	*n += nb;
	free(b);
	qsort(m, *n, sizeof(*m), cmp_u64);
	return m;
}

static void flush_one(struct sb_flush *f, uint64_t tag, struct sb_krec *r)
{
	if (!(r->flags & SB_KF_FLUSH_MASK)) {
		if (f->live && !bsearch(&tag, f->live, f->nlive, sizeof(tag), cmp_u64)) {
			r->flags |= SB_REC_CLOSE_MISSED | SB_KF_PARTIAL;
			f->close_missed++;
		} else {
			r->flags |= SB_REC_LIVE_AT_END;
		}
	}
	f->emit(f->ctx, r, sizeof(*r));
}

void sb_flush_slots(int fd, uint32_t n, int hfd, struct sb_flush *f)
{
	const uint32_t chunk = 1024;
	uint32_t *keys = calloc(chunk, sizeof(*keys));
	struct sb_slot *v = calloc(chunk, sizeof(*v));
	uint64_t key, next;
	void *prev = NULL;
	struct sb_slot r;

	for (uint32_t first = 0; keys && v && first < n; first += chunk) {
		/* a batch starts after its in_batch key: after first - 1 */
		uint32_t cnt = n - first < chunk ? n - first : chunk, in = first - 1, out, got = cnt;

		if (bpf_map_lookup_batch(fd, first ? &in : NULL, &out, keys, v, &got, NULL) &&
		    errno != ENOENT) {
			/* no batch operations: one element at a time */
			got = 0;
			for (uint32_t i = 0; i < cnt; i++) {
				keys[got] = first + i;
				if (bpf_map_lookup_elem(fd, &keys[got], &v[got]) == 0)
					got++;
			}
		}
		for (uint32_t i = 0; i < got && i < cnt; i++)
			if (v[i].tag)
				flush_one(f, v[i].tag, &v[i].rec);
	}
	free(keys);
	free(v);
	while (bpf_map_get_next_key(hfd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(hfd, &key, &r) == 0)
			flush_one(f, key, &r.rec);
	}
}

/* Kernel memory the maps hold, from their sizes: max_entries x (key +
 * value), per-CPU maps once per CPU, a ring buffer its size (mmapable
 * arrays, the record queues, are counted as arrays). Hash entries'
 * own overhead and page rounding are not counted. */
uint64_t sb_map_bytes(struct bpf_object *obj, int ncpu)
{
	struct bpf_map *m;
	uint64_t sum = 0;

	bpf_object__for_each_map(m, obj)
	{
		uint64_t n = bpf_map__max_entries(m), kv;
		enum bpf_map_type t = bpf_map__type(m);

		if (bpf_map__fd(m) < 0)
			continue;
		if (t == BPF_MAP_TYPE_RINGBUF) {
			sum += n;
			continue;
		}
		if (t == BPF_MAP_TYPE_SK_STORAGE)
			continue; /* per socket, on demand */
		kv = (uint64_t)(t == BPF_MAP_TYPE_HASH ? bpf_map__key_size(m) : 0) +
		     ((bpf_map__value_size(m) + 7) & ~7u);
		if (t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH)
			kv *= (uint64_t)ncpu;
		sum += n * kv;
	}
	return sum;
}

/* Linux 6.18 gave tcp_retransmit_skb an err field and fires it for a
 * retransmit that failed to leave (a veth peer's full backlog: -ENOBUFS);
 * before, it fired only on success while TcpExt TCPSynRetrans counted every
 * attempt and TCPRetransFail the failures. */
int sb_retransmit_traces_failures(const struct sb_kbtf *btf)
{
	return sb_kbtf__has_member(btf, "trace_event_raw_tcp_retransmit_skb", "err");
}

struct reason_names {
	const char **names;
	size_t n;
};

static void reason_name(void *ctx, const char *name, int64_t value)
{
	static const char prefix[] = "SKB_DROP_REASON_";
	struct reason_names *r = ctx;

	if (value < 0 || (uint64_t)value >= r->n || r->names[value])
		return;
	if (strncmp(name, prefix, sizeof(prefix) - 1) == 0)
		name += sizeof(prefix) - 1;
	r->names[value] = strdup(name);
}

int sb_drop_reason_names(const struct sb_kbtf *btf, const char **names, size_t n)
{
	struct reason_names r = { names, n };

	return sb_kbtf__enum_values(btf, "skb_drop_reason", reason_name, &r);
}
