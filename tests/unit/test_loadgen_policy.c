/* Accept policy text: every valid form parses and prints back the same;
 * anything else is -EINVAL. */
#include <errno.h>

#include "loadgen/loadgen.h"
#include "tests/test.h"

int main(void)
{
	static const struct {
		const char *in;
		int err;
		enum lg_accept_kind kind;
		uint32_t value;
	} cases[] = {
	    {"fast", 0, LG_ACCEPT_FAST, 0},
	    {"none", 0, LG_ACCEPT_NONE, 0},
	    {"delay:0", 0, LG_ACCEPT_DELAY, 0},
	    {"delay:5", 0, LG_ACCEPT_DELAY, 5},
	    {"rate:1", 0, LG_ACCEPT_RATE, 1},
	    {"rate:100000", 0, LG_ACCEPT_RATE, 100000},
	    {"pause:10", 0, LG_ACCEPT_PAUSE, 10},
	    {"pause:0", 0, LG_ACCEPT_PAUSE, 0},
	    {"delay:4294967295", 0, LG_ACCEPT_DELAY, 4294967295u},
	    {"", -EINVAL},
	    {"delay:", -EINVAL},
	    {"delay:-1", -EINVAL},
	    {"delay:+1", -EINVAL},
	    {"delay:1x", -EINVAL},
	    {"delay:4294967296", -EINVAL},
	    {"rate:0", -EINVAL},
	    {"rate:x", -EINVAL},
	    {"rate:", -EINVAL},
	    {"fast:1", -EINVAL},
	    {"none:0", -EINVAL},
	    {"FAST", -EINVAL},
	    {"pause", -EINVAL},
	    {"pause: 10", -EINVAL},
	    {"slow", -EINVAL},
	};
	char name[96], buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lg_accept_policy p = {LG_ACCEPT_NONE, 12345};
		int err = lg_accept_policy_parse(cases[i].in, &p);

		snprintf(name, sizeof(name), "parse \"%s\"", cases[i].in);
		if (!ASSERT_EQ(err, cases[i].err, name) || err)
			continue;
		snprintf(name, sizeof(name), "kind \"%s\"", cases[i].in);
		ASSERT_EQ(p.kind, cases[i].kind, name);
		snprintf(name, sizeof(name), "value \"%s\"", cases[i].in);
		ASSERT_EQ(p.value, cases[i].value, name);
		ASSERT_STREQ(lg_accept_policy_str(&p, buf, sizeof(buf)), cases[i].in, "round trip");
	}
	return sb_test_result();
}
