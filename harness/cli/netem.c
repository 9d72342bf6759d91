/* --delay, --loss, --rate-limit: parsing, printing and the tc commands for
 * one end of the veth pair (netem.h). */
#include "harness/cli/netem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Plain decimal with an optional fraction ("20", "0.5"); no sign, no
 * exponent. 0 or -1. */
static int parse_dec(const char *s, size_t n, double *v)
{
	char buf[32], *end;
	size_t digits = 0, dots = 0;

	if (!n || n >= sizeof(buf))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && !dots)
			dots++;
		else
			return -1;
	}
	if (!digits)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	*v = strtod(buf, &end);
	return *end ? -1 : 0;
}

int sb_netem_parse_delay(const char *s, double *ms, double *jitter)
{
	const char *comma = strchr(s, ',');
	double d, j = 0;

	if (parse_dec(s, comma ? (size_t)(comma - s) : strlen(s), &d) || !(d > 0) || d > 60000)
		return -1;
	if (comma && (parse_dec(comma + 1, strlen(comma + 1), &j) || j > d))
		return -1;
	*ms = d;
	*jitter = j;
	return 0;
}

int sb_netem_parse_loss(const char *s, double *pct)
{
	double v;

	if (parse_dec(s, strlen(s), &v) || !(v > 0) || v > 100)
		return -1;
	*pct = v;
	return 0;
}

/* Shortest text that reads back as v ("20", "0.5"). */
static void fmt(double v, char *buf, size_t len)
{
	for (int prec = 0; prec <= 9; prec++) {
		snprintf(buf, len, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
}

const char *sb_netem_delay_str(const struct sb_netem *n, char *buf, size_t len)
{
	char d[32], j[32];

	buf[0] = 0;
	if (!(n->delay_ms > 0))
		return buf;
	fmt(n->delay_ms, d, sizeof(d));
	fmt(n->jitter_ms, j, sizeof(j));
	snprintf(buf, len, "%s%s%s", d, n->jitter_ms > 0 ? "," : "", n->jitter_ms > 0 ? j : "");
	return buf;
}

const char *sb_netem_loss_str(const struct sb_netem *n, char *buf, size_t len)
{
	buf[0] = 0;
	if (n->loss_pct > 0)
		fmt(n->loss_pct, buf, len);
	return buf;
}

int sb_netem_wanted(const struct sb_netem *n)
{
	if (n->delay_ms > 0 || n->loss_pct > 0)
		return 1;
	return n->rate_mbit ? 2 : 0;
}

/* Each direction carries half the round trip (and half the jitter): a
 * handshake (SYN out, SYN-ACK back) then takes one configured RTT. The
 * queue limit is far above any burst a run makes (netem's default, 1000
 * packets, would drop a 2000-SYN burst at 20 ms). */
int sb_netem_tc_batch(const struct sb_netem *n, const char *dev, char *buf, size_t len)
{
	char netem[160] = "", d[32], j[32], l[32];
	size_t used;
	int k;

	if (sb_netem_wanted(n) == 1) {
		k = snprintf(netem, sizeof(netem), "netem limit 1000000");
		if (n->delay_ms > 0) {
			fmt(n->delay_ms * 500.0, d, sizeof(d));
			fmt(n->jitter_ms * 500.0, j, sizeof(j));
			k += snprintf(netem + k, sizeof(netem) - (size_t)k, " delay %sus%s%s%s", d,
				      n->jitter_ms > 0 ? " " : "", n->jitter_ms > 0 ? j : "",
				      n->jitter_ms > 0 ? "us" : "");
		}
		if (n->loss_pct > 0) {
			fmt(n->loss_pct, l, sizeof(l));
			snprintf(netem + k, sizeof(netem) - (size_t)k, " loss %s%%", l);
		}
	}
	if (n->rate_mbit) {
		used = (size_t)snprintf(buf, len,
					"qdisc add dev %s root handle 1: htb default 1\n"
					"class add dev %s parent 1: classid 1:1 htb rate %umbit\n",
					dev, dev, n->rate_mbit);
		if (used < len && netem[0])
			used += (size_t)snprintf(buf + used, len - used,
						 "qdisc add dev %s parent 1:1 handle 10: %s\n", dev,
						 netem);
	} else {
		used = (size_t)snprintf(buf, len, "qdisc add dev %s root %s\n", dev, netem);
	}
	return used < len ? 0 : -ENOSPC;
}
