/* Log-linear histogram buckets shared by the BPF programs and user space.
 *
 * Values are nanoseconds. Below 2^SB_HIST_SUB_BITS a bucket holds one value;
 * above, every power of two is split into 2^(SB_HIST_SUB_BITS-1) equal
 * buckets, so a bucket's width is at most 1/128 of its lower bound: a value
 * reported as its bucket's midpoint is off by at most 0.4%, its bucket's
 * lower bound by at most 0.8%. SB_HIST_BUCKETS covers 0 .. 2^40 ns (18 min);
 * larger values land in the last bucket. No includes, no bool: this file is
 * compiled for the BPF target too.
 */
#ifndef SB_HIST_H
#define SB_HIST_H

#define SB_HIST_SUB_BITS 8
#define SB_HIST_SUB (1u << SB_HIST_SUB_BITS)	    /* 256 */
#define SB_HIST_HALF (1u << (SB_HIST_SUB_BITS - 1)) /* 128 */
#define SB_HIST_MAX_MSB 40
#define SB_HIST_BUCKETS (SB_HIST_HALF * (SB_HIST_MAX_MSB - SB_HIST_SUB_BITS + 2) + SB_HIST_HALF)

static inline unsigned int sb_hist_msb(unsigned long long v)
{
	unsigned int n = 0;

	if (v >> 32) { v >>= 32; n += 32; }
	if (v >> 16) { v >>= 16; n += 16; }
	if (v >> 8) { v >>= 8; n += 8; }
	if (v >> 4) { v >>= 4; n += 4; }
	if (v >> 2) { v >>= 2; n += 2; }
	if (v >> 1) { n += 1; }
	return n;
}

/* In the kernel each histogram is SB_HIST_NCHUNK per-CPU values of
 * SB_HIST_CHUNK buckets (a per-CPU value is at most 32 KiB): bucket b of
 * histogram h is element h * SB_HIST_NCHUNK + b / SB_HIST_CHUNK. A handful of
 * per-CPU allocations, where one element per bucket took 120,960 of them
 * (65-90 ms of map creation, a pointer-table cache miss per event). */
#define SB_HIST_NCHUNK 2
#define SB_HIST_CHUNK (SB_HIST_BUCKETS / SB_HIST_NCHUNK)
struct sb_hist_chunk {
	unsigned long long b[SB_HIST_CHUNK];
};

/* Bucket index of value v (ns). */
static inline unsigned int sb_hist_bucket(unsigned long long v)
{
	unsigned int msb, shift, idx;

	if (v < SB_HIST_SUB)
		return (unsigned int)v;
	msb = sb_hist_msb(v);
	if (msb > SB_HIST_MAX_MSB)
		return SB_HIST_BUCKETS - 1;
	shift = msb - (SB_HIST_SUB_BITS - 1);		  /* >= 1 */
	idx = SB_HIST_HALF * shift + (unsigned int)(v >> shift); /* v>>shift in [128,255] */
	return idx < SB_HIST_BUCKETS ? idx : SB_HIST_BUCKETS - 1;
}

/* Smallest value that falls into bucket idx. */
static inline unsigned long long sb_hist_lower(unsigned int idx)
{
	unsigned int shift;

	if (idx < SB_HIST_SUB)
		return idx;
	shift = idx / SB_HIST_HALF - 1;
	return (unsigned long long)(idx - SB_HIST_HALF * shift) << shift;
}

/* Largest value that falls into bucket idx. */
static inline unsigned long long sb_hist_upper(unsigned int idx)
{
	if (idx + 1 >= SB_HIST_BUCKETS)
		return ~0ULL;
	return sb_hist_lower(idx + 1) - 1;
}

#endif
