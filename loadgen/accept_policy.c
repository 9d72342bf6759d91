/* The listener's accept policies: fast, delay:MS, rate:N, pause:MS, none, parsed and printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/loadgen.h"

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > 0xffffffffull)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

int lg_accept_policy_parse(const char *s, struct lg_accept_policy *p)
{
	static const struct {
		const char *prefix;
		enum lg_accept_kind kind;
		int min;
	} kinds[] = {
	    {"delay:", LG_ACCEPT_DELAY, 0},
	    {"rate:", LG_ACCEPT_RATE, 1},
	    {"pause:", LG_ACCEPT_PAUSE, 0},
	};

	if (strcmp(s, "fast") == 0) {
		*p = (struct lg_accept_policy){LG_ACCEPT_FAST, 0};
		return 0;
	}
	if (strcmp(s, "none") == 0) {
		*p = (struct lg_accept_policy){LG_ACCEPT_NONE, 0};
		return 0;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);
		uint32_t v;

		if (strncmp(s, kinds[i].prefix, n) != 0)
			continue;
		if (parse_u32(s + n, &v) || v < (uint32_t)kinds[i].min)
			return -EINVAL;
		*p = (struct lg_accept_policy){kinds[i].kind, v};
		return 0;
	}
	return -EINVAL;
}

const char *lg_accept_policy_str(const struct lg_accept_policy *p, char *buf, size_t len)
{
	switch (p->kind) {
	case LG_ACCEPT_FAST:
		snprintf(buf, len, "fast");
		break;
	case LG_ACCEPT_DELAY:
		snprintf(buf, len, "delay:%u", p->value);
		break;
	case LG_ACCEPT_RATE:
		snprintf(buf, len, "rate:%u", p->value);
		break;
	case LG_ACCEPT_PAUSE:
		snprintf(buf, len, "pause:%u", p->value);
		break;
	case LG_ACCEPT_NONE:
		snprintf(buf, len, "none");
		break;
	}
	return buf;
}
