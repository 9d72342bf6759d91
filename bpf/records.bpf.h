/* Per-socket records in the kernel: a socket's key, its slot in the
 * tagged direct-mapped array with the hash map as fallback, and a record's
 * emission to this CPU's record queue. Included once, by synbench.bpf.c after its maps. */
#ifndef SB_RECORDS_BPF_H
#define SB_RECORDS_BPF_H

/* An object's address as a number. The verifier forbids arithmetic on a
 * typed (tp_btf) pointer; one that went through memory it does not track
 * comes back as a plain scalar. Each program has a scratch word of its own
 * (sb_key_slot()): a program runs inside another on one CPU at times (a
 * softirq's handler inside a task's), and a shared word could hand back
 * the other's address. */
#define SB_KEY_SLOTS (2 * SB_NCATCH + 1)
#define SB_KEY_SLOT_ITER (2 * SB_NCATCH)
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SB_KEY_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} scratch SEC(".maps");

/* a handler of enum sb_catcher, its twin at lvl 1 */
static __always_inline __u32 sb_key_slot(__u32 handler, int lvl)
{
	return 2 * handler + (lvl ? 1 : 0);
}

static __always_inline __u64 sk_key(const void *obj, __u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&scratch, &slot);

	if (!v)
		return 0;
	*v = (__u64)obj;
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

/* Sends a record (96 B) to this CPU's queue of nesting level lvl (0: a handler,
 * 1: a catcher twin inside it): never woken, user space drains the queues
 * every few ms. A full queue loses nothing silently (SB_C_RB_FAIL). */
static __always_inline void rec_emit(const struct sb_krec *r, int lvl)
{
	__u32 cpu = bpf_get_smp_processor_id(), q = lvl ? recq_ncpu + cpu : cpu, n, i;
	struct sb_recq_ctl *c = bpf_map_lookup_elem(&recq_ctl, &q);
	struct sb_krec *e;
	__u64 h;

	if (!c) {
		count(SB_C_RB_FAIL, lvl);
		return;
	}
	n = lvl ? recq_tslots : recq_slots;
	h = c->head;
	if (h - *(volatile __u64 *)&c->tail >= n) {
		count(SB_C_RB_FAIL, lvl);
		return;
	}
	i = lvl ? recq_ncpu * recq_slots + cpu * recq_tslots : cpu * recq_slots;
	i += (__u32)h & (n - 1);
	e = bpf_map_lookup_elem(&recq, &i);
	if (!e) {
		count(SB_C_RB_FAIL, lvl);
		return;
	}
	/* whole: an IPv4 record's IPv6 tail is zero (track()), so user space
	 * takes the slots as they are, many at a time */
	__builtin_memcpy(e, r, sizeof(*r));
	/* published after the record; one writer per queue: this program on
	 * this CPU, which the kernel never runs twice at once there. Where
	 * stores stay in order (x86) a plain store after a compiler barrier
	 * does it: a locked add waited for the record's stores to reach the
	 * cache (~6% of the state program's time, perf on 6.18); elsewhere
	 * the atomic add orders them. The object is built for one
	 * architecture (cmake/bpf.cmake: __TARGET_ARCH_*). */
#if defined(__TARGET_ARCH_x86)
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&c->head = h + 1;
#else
	__sync_fetch_and_add(&c->head, 1);
#endif
	count(SB_C_RECORDS, lvl);
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
static __always_inline struct sb_slot *rec_create(__u64 key, int lvl)
{
	struct sb_slot *s = slot_of(key), *h;
	struct sb_slot init = {};

	if (socks_live) {
		h = bpf_map_lookup_elem(&socks, &key);
		if (h) {
			count(SB_C_REPLACED, lvl);
			h->rec.flags |= SB_REC_CLOSE_MISSED;
			rec_emit(&h->rec, lvl);
			hash_delete(key);
		}
	}
	if (s) {
		if (s->tag == key) {
			count(SB_C_REPLACED, lvl);
			s->rec.flags |= SB_REC_CLOSE_MISSED;
			rec_emit(&s->rec, lvl);
			return s;
		}
		/* two CPUs may claim one free slot at once */
		if (!s->tag && __sync_val_compare_and_swap(&s->tag, 0, key) == 0)
			return s;
	}
	count(SB_C_SLOT_COLLISION, lvl);
	init.tag = key;
	if (bpf_map_update_elem(&socks, &key, &init, BPF_NOEXIST)) {
		count(SB_C_MAP_FULL, lvl);
		return NULL;
	}
	__sync_fetch_and_add(&socks_live, 1);
	return bpf_map_lookup_elem(&socks, &key);
}

#endif
