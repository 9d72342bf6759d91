/* The stop's flush reads every record left in the per-socket slot array, in
 * batches of 1024: each slot holding a socket, whatever its index. A batch
 * lookup starts after its in_batch key, so a batch from `first` must pass
 * first - 1; passing first skipped every slot at a multiple of 1024 (a
 * socket still open there at the stop lost its record, uncounted: found by
 * a run that stopped while sockets were open). A real BPF array of the
 * probes' slot type, every slot filled: each must be flushed once. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test.h"
#include "harness/run/probes_kmem.h"

#define SLOTS 4096

struct seen {
	unsigned int n;
	unsigned char got[SLOTS + 1];
};

static int emit(void *ctx, void *data, size_t len)
{
	struct seen *s = ctx;
	const struct sb_krec *r = data;

	(void)len;
	if (r->cookie >= 1 && r->cookie <= SLOTS)
		s->got[r->cookie]++;
	s->n++;
	return 0;
}

int main(void)
{
	struct seen seen;
	struct sb_flush f = {.emit = emit, .ctx = &seen};
	struct sb_slot v;
	int fd, hfd, missing = 0, twice = 0, rc = sb_test_need_root();

	if (rc)
		return rc;
	memset(&seen, 0, sizeof(seen));
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "slots", sizeof(uint32_t), sizeof(struct sb_slot),
			    SLOTS, NULL);
	hfd = bpf_map_create(BPF_MAP_TYPE_HASH, "socks", sizeof(uint64_t), sizeof(struct sb_slot),
			     16, NULL);
	if (!ASSERT_TRUE(fd >= 0 && hfd >= 0, "maps"))
		return sb_test_result();
	for (uint32_t k = 0; k < SLOTS; k++) {
		memset(&v, 0, sizeof(v));
		v.tag = 0x1000 + k;
		v.rec.cookie = k + 1;
		v.rec.flags = SB_REC_LIVE_AT_END;
		bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	}
	sb_flush_slots(fd, SLOTS, hfd, &f);
	for (int k = 1; k <= SLOTS; k++) {
		missing += seen.got[k] == 0;
		twice += seen.got[k] > 1;
	}
	ASSERT_EQ(seen.n, SLOTS, "every slot's record flushed");
	ASSERT_EQ(missing, 0, "none skipped (slots 1024, 2048, 3072 among them)");
	ASSERT_EQ(twice, 0, "none twice");
	return sb_test_result();
}
