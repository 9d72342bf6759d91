/* Every listener socket on its own (harness/analysis/listeners.h): the
 * imbalance figure, and the per-socket figures of a SO_REUSEPORT group
 * from interleaved sampler passes: drops, accepts, time at full queue, and
 * the socket that dropped while a sibling had room. */
#include <math.h>
#include <string.h>

#include "harness/analysis/listeners.h"
#include "tests/test.h"

#define MS 1000000ull

static void test_imbalance(void)
{
	int64_t even[4] = {10, 10, 10, 10}, one[4] = {0, 40, 0, 0}, skew[3] = {1, 2, 3};

	ASSERT_TRUE(fabs(sb_listeners_imbalance(even, 4) - 1.0) < 1e-12, "even: 1");
	ASSERT_TRUE(fabs(sb_listeners_imbalance(one, 4) - 4.0) < 1e-12, "all on one of 4: 4");
	ASSERT_TRUE(fabs(sb_listeners_imbalance(skew, 3) - 1.5) < 1e-12, "3 / mean 2: 1.5");
	ASSERT_TRUE(isnan(sb_listeners_imbalance(one, 1)), "one socket: none");
	ASSERT_TRUE(isnan(sb_listeners_imbalance((int64_t[2]){0, 0}, 2)), "mean 0: none");
}

static struct sb_listen_sample smp(uint64_t t, uint64_t cookie, uint32_t q, uint32_t drops)
{
	return (struct sb_listen_sample){.ts = t * MS, .ack_backlog = q, .max_ack_backlog = 3,
					 .drops = drops, .port = 5201, .family = 2,
					 .cookie = cookie};
}

/* Two sockets (cookies 11, 12) of the built-in listener and one of another
 * port; three passes: socket 1 fills and drops while socket 0 has room. */
static void test_group(void)
{
	struct sb_listen_sample s[] = {
	    smp(0, 12, 0, 0), smp(0, 11, 0, 0), smp(0, 99, 0, 7),
	    smp(5, 12, 4, 3), smp(5, 11, 1, 0), smp(5, 99, 0, 7),
	    smp(9, 12, 4, 8), smp(9, 11, 0, 0), smp(9, 99, 0, 7),
	};
	struct sb_rundata rd;
	struct sb_listeners ls;

	memset(&rd, 0, sizeof(rd));
	s[2].port = s[5].port = s[8].port = 80;
	rd.samples = s;
	rd.nsamples = sizeof(s) / sizeof(s[0]);
	rd.nown = 2;
	rd.own[0] = (struct sb_own_listener){.cookie = 11, .accepts = 30};
	rd.own[1] = (struct sb_own_listener){.cookie = 12, .accepts = 10,
					     .policy = {LG_ACCEPT_NONE, 0}};
	sb_listeners_compute(&rd, 5201, &ls);
	ASSERT_EQ(ls.n, 3, "three sockets");
	ASSERT_EQ(ls.l[0].index, 1, "cookie 12: the group's socket 1");
	ASSERT_EQ(ls.l[1].index, 0, "cookie 11: socket 0");
	ASSERT_EQ(ls.l[2].index, 0, "port 80's first socket: 0");
	ASSERT_EQ(ls.l[2].accepts, -1, "not ours: accepts unknown");
	ASSERT_EQ(ls.l[0].drops, 8, "socket 1 drops: its last sk_drops");
	ASSERT_EQ(ls.l[0].max_queue, 4, "socket 1 deepest queue");
	ASSERT_EQ(ls.l[0].full_samples, 2, "socket 1 full in 2 samples");
	ASSERT_EQ(ls.l[0].full_ns, 4 * MS, "full from 5 ms to the next sample at 9 ms");
	ASSERT_EQ(ls.l[0].dropped_sibling_room, 2, "dropped in 2 passes, socket 0 with room");
	ASSERT_EQ(ls.l[1].dropped_sibling_room, 0, "socket 0 never dropped");
	ASSERT_EQ(ls.drops_sum, 8, "the port's drops: port 80 apart");
	ASSERT_EQ(ls.accepts_sum, 40, "the port's accepts");
	ASSERT_TRUE(fabs(ls.drops_imbalance - 2.0) < 1e-12, "drops 8 of mean 4: 2");
	ASSERT_TRUE(fabs(ls.accepts_imbalance - 1.5) < 1e-12, "accepts 30 of mean 20: 1.5");
	ASSERT_EQ(ls.overflow_socket, 1, "the overflowing socket: 1");
	ASSERT_EQ(ls.room_socket, 0, "its sibling with room: 0");
	ASSERT_EQ(ls.overflow_passes, 2, "in 2 passes");
	sb_listeners_compute(&rd, 0, &ls);
	ASSERT_EQ(ls.drops_sum, 15, "every port: 8 + 7");
	ASSERT_EQ(ls.accepts_sum, -1, "every port: one socket's accepts unknown");
}

int main(void)
{
	test_imbalance();
	test_group();
	return sb_test_result();
}
