/* Per-socket records in the kernel: a socket's key, its slot in the
 * tagged direct-mapped array with the hash map as fallback, and a record's
 * emission to the ring. Included once, by synbench.bpf.c after its maps. */
#ifndef SB_RECORDS_BPF_H
#define SB_RECORDS_BPF_H

/* A socket's address as a number. The verifier forbids arithmetic on a
 * typed (tp_btf) pointer; one that went through memory it does not track
 * comes back as a plain scalar. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scratch SEC(".maps");

static __always_inline __u64 sk_key(const struct sock *sk)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&scratch, &zero);

	if (!v)
		return 0;
	*v = (__u64)sk;
	return *(volatile __u64 *)v;
}

static __always_inline struct sb_slot *slot_of(__u64 key)
{
	__u32 i = (__u32)((key * 0x9E3779B97F4A7C15ULL) >> 32) & slot_mask;

	return bpf_map_lookup_elem(&slots, &i);
}

/* The state of a tracked socket or NULL; *in_slot: 1 if in the array. */
static __always_inline struct sb_slot *rec_find(__u64 key, int *in_slot)
{
	struct sb_slot *s = slot_of(key);

	*in_slot = 0;
	if (s && s->tag == key) {
		*in_slot = 1;
		return s;
	}
	if (!socks_live)
		return NULL;
	return bpf_map_lookup_elem(&socks, &key);
}

/* Sends a record: 72 B for IPv4 (SB_KREC_V4), 96 B for IPv6, written in place. */
static __always_inline void rec_emit(const struct sb_krec *r)
{
	void *e;

	if (r->family == AF_INET6) {
		e = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
		if (e)
			__builtin_memcpy(e, r, sizeof(*r));
	} else {
		e = bpf_ringbuf_reserve(&events, SB_KREC_V4, 0);
		if (e)
			__builtin_memcpy(e, r, SB_KREC_V4);
	}
	if (!e) {
		count(SB_C_RB_FAIL);
		return;
	}
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	count(SB_C_RECORDS);
}

static __always_inline void hash_delete(__u64 key)
{
	if (!bpf_map_delete_elem(&socks, &key))
		__sync_fetch_and_add(&socks_live, -1);
}

static __always_inline void rec_release(__u64 key, struct sb_slot *s, int in_slot)
{
	if (in_slot)
		s->tag = 0;
	else
		hash_delete(key);
}

/* A place for the socket at key, its tag set, the rest to be written by
 * the caller; NULL if none (counted). A socket at the same address whose
 * CLOSE we missed left its record: the kernel skips a tracing program that
 * fires while it already runs on this CPU (a softirq interrupting it;
 * counted as the program's recursion_misses). That record is sent as it
 * was, marked, before the place is reused. */
static __always_inline struct sb_slot *rec_create(__u64 key)
{
	struct sb_slot *s = slot_of(key), *h;
	struct sb_slot init = {};

	if (socks_live) {
		h = bpf_map_lookup_elem(&socks, &key);
		if (h) {
			count(SB_C_REPLACED);
			h->rec.flags |= SB_REC_CLOSE_MISSED;
			rec_emit(&h->rec);
			hash_delete(key);
		}
	}
	if (s) {
		if (s->tag == key) {
			count(SB_C_REPLACED);
			s->rec.flags |= SB_REC_CLOSE_MISSED;
			rec_emit(&s->rec);
			return s;
		}
		/* two CPUs may claim one free slot at once */
		if (!s->tag && __sync_val_compare_and_swap(&s->tag, 0, key) == 0)
			return s;
	}
	count(SB_C_SLOT_COLLISION);
	init.tag = key;
	if (bpf_map_update_elem(&socks, &key, &init, BPF_NOEXIST)) {
		count(SB_C_MAP_FULL);
		return NULL;
	}
	__sync_fetch_and_add(&socks_live, 1);
	return bpf_map_lookup_elem(&socks, &key);
}

#endif
