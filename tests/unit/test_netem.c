/* --delay/--loss/--rate-limit: parsing, printing back, and the exact tc
 * commands each end of the veth gets (harness/cli/netem.c). */
#include <errno.h>
#include <string.h>

#include "tests/test.h"
#include "harness/cli/netem.h"

static void test_parse(void)
{
	double d = -1, j = -1, l = -1;
	static const char *const bad_delay[] = {"", "0", "-1", "1e3", "20,", ",2", "20,21",
						"60000.5", "20,2,1", "0x10", "20ms", " 20"};
	static const char *const bad_loss[] = {"", "0", "100.01", "-5", "5%", "nan", "1e1"};

	ASSERT_OK(sb_netem_parse_delay("20", &d, &j), "20");
	ASSERT_TRUE(d == 20 && j == 0, "20 -> 20 ms, no jitter");
	ASSERT_OK(sb_netem_parse_delay("20.5,2", &d, &j), "20.5,2");
	ASSERT_TRUE(d == 20.5 && j == 2, "20.5,2 -> 20.5 ms, jitter 2");
	ASSERT_OK(sb_netem_parse_delay("60000,60000", &d, &j), "the largest");
	for (size_t i = 0; i < sizeof(bad_delay) / sizeof(bad_delay[0]); i++)
		ASSERT_EQ(sb_netem_parse_delay(bad_delay[i], &d, &j), -1, bad_delay[i]);
	ASSERT_OK(sb_netem_parse_loss("0.5", &l), "0.5");
	ASSERT_TRUE(l == 0.5, "loss 0.5");
	ASSERT_OK(sb_netem_parse_loss("100", &l), "100");
	for (size_t i = 0; i < sizeof(bad_loss) / sizeof(bad_loss[0]); i++)
		ASSERT_EQ(sb_netem_parse_loss(bad_loss[i], &l), -1, bad_loss[i]);
}

static void test_print(void)
{
	struct sb_netem n = {0};
	char b[64];

	ASSERT_STREQ(sb_netem_delay_str(&n, b, sizeof(b)), "", "no delay");
	ASSERT_STREQ(sb_netem_loss_str(&n, b, sizeof(b)), "", "no loss");
	ASSERT_EQ(sb_netem_wanted(&n), 0, "nothing wanted");
	n.rate_mbit = 10;
	ASSERT_EQ(sb_netem_wanted(&n), 2, "rate only: htb");
	n.delay_ms = 20.5;
	n.jitter_ms = 2;
	n.loss_pct = 0.25;
	ASSERT_STREQ(sb_netem_delay_str(&n, b, sizeof(b)), "20.5,2", "delay,jitter");
	ASSERT_STREQ(sb_netem_loss_str(&n, b, sizeof(b)), "0.25", "loss");
	ASSERT_EQ(sb_netem_wanted(&n), 1, "netem");
}

static void test_batch(void)
{
	struct sb_netem n = {.delay_ms = 20};
	char b[512];

	/* half the RTT each way, in us; a queue far above any burst */
	ASSERT_OK(sb_netem_tc_batch(&n, "sb-cli", b, sizeof(b)), "delay");
	ASSERT_STREQ(b, "qdisc add dev sb-cli root netem limit 1000000 delay 10000us\n", "delay");
	n = (struct sb_netem){.delay_ms = 20, .jitter_ms = 3, .loss_pct = 5};
	ASSERT_OK(sb_netem_tc_batch(&n, "sb-srv", b, sizeof(b)), "delay jitter loss");
	ASSERT_STREQ(b,
		     "qdisc add dev sb-srv root netem limit 1000000 delay 10000us 1500us loss 5%\n",
		     "delay jitter loss");
	n = (struct sb_netem){.loss_pct = 0.5, .rate_mbit = 100};
	ASSERT_OK(sb_netem_tc_batch(&n, "sb-cli", b, sizeof(b)), "loss and rate");
	ASSERT_STREQ(b,
		     "qdisc add dev sb-cli root handle 1: htb default 1\n"
		     "class add dev sb-cli parent 1: classid 1:1 htb rate 100mbit\n"
		     "qdisc add dev sb-cli parent 1:1 handle 10: netem limit 1000000 loss 0.5%\n",
		     "htb with netem under it");
	n = (struct sb_netem){.rate_mbit = 7};
	ASSERT_OK(sb_netem_tc_batch(&n, "sb-cli", b, sizeof(b)), "rate only");
	ASSERT_STREQ(b,
		     "qdisc add dev sb-cli root handle 1: htb default 1\n"
		     "class add dev sb-cli parent 1: classid 1:1 htb rate 7mbit\n",
		     "htb alone");
	ASSERT_EQ(sb_netem_tc_batch(&n, "sb-cli", b, 20), -ENOSPC, "too small a buffer");
}

int main(void)
{
	test_parse();
	test_print();
	test_batch();
	return sb_test_result();
}
