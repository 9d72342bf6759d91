/* Why a client connection failed: sb_rec_fail_cause() on records shaped as
 * the probes leave them (harness/run/krec.h), the outcome and cause rules of
 * a watch (sb_kview_client_outcome) and the embryonic_rsts identity's rule
 * (sb_embryonic_status). */
#include <errno.h>
#include <string.h>

#include "tests/test.h"
#include "harness/analysis/identities.h"
#include "harness/analysis/kview.h"
#include "harness/run/krec.h"

/* A client record: SYN_SENT at 1000, then the states given (0 ends), then
 * CLOSE; err its error at CLOSE. */
static struct sb_conn_rec client(int err, int soft, int s1, int s2)
{
	struct sb_conn_rec r;

	memset(&r, 0, sizeof(r));
	r.role = SB_ROLE_CLIENT;
	r.family = 2;
	r.ts[SB_TCP_SYN_SENT] = 1000;
	if (s1)
		r.ts[s1] = 2000;
	if (s2)
		r.ts[s2] = 3000;
	r.ts[SB_TCP_CLOSE] = 4000;
	r.final_state = SB_TCP_CLOSE;
	r.err = (unsigned char)err;
	r.err_soft = (unsigned char)soft;
	return r;
}

static void causes(void)
{
	struct sb_conn_rec r;

	r = client(ETIMEDOUT, 0, 0, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_TIMEOUT, "SYN_SENT -> CLOSE, ETIMEDOUT");
	r = client(ECONNREFUSED, 0, 0, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_REFUSED, "SYN_SENT -> CLOSE, ECONNREFUSED");
	r = client(EHOSTUNREACH, 0, 0, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_UNREACHABLE, "EHOSTUNREACH");
	r = client(ENETUNREACH, 0, 0, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_UNREACHABLE, "ENETUNREACH");
	r = client(0, 0, 0, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_ABORTED, "no error: its application closed it");
	r = client(EHOSTUNREACH, 1, 0, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_ABORTED,
		  "a soft error only (ICMP seen, the application closed it first)");
	r = client(EPROTO, 0, 0, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_OTHER, "another error");
	r = client(255, 0, 0, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_OTHER, "an errno too large for the byte");
	r = client(0, 0, 0, 0);
	r.flushed = SB_REC_CLOSE_MISSED;
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_OTHER, "its CLOSE missed: error unknown");
	r = client(0, 0, 0, 0);
	r.flushed = SB_REC_LIVE_AT_END;
	r.ts[SB_TCP_CLOSE] = 0;
	r.final_state = SB_TCP_SYN_SENT;
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_NONE, "still connecting at the end");
	/* established */
	r = client(ECONNRESET, 0, SB_TCP_ESTABLISHED, 0);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_RESET, "ESTABLISHED -> CLOSE, ECONNRESET");
	r = client(ECONNRESET, 0, SB_TCP_ESTABLISHED, SB_TCP_FIN_WAIT1);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_NONE,
		  "reset after its own FIN: not by itself a failed setup (a ghost's FIN draws one)");
	ASSERT_TRUE(sb_rec_reset_after_fin(&r),
		    "  but reset after its FIN, before it was acknowledged: the join decides "
		    "(6.1 under TCG: 6 of 4,000 with syncookies 0)");
	r.ts[SB_TCP_FIN_WAIT2] = 3500;
	ASSERT_TRUE(!sb_rec_reset_after_fin(&r), "reset after the peer acknowledged its FIN: no");
	r = client(0, 0, SB_TCP_ESTABLISHED, SB_TCP_FIN_WAIT1);
	ASSERT_TRUE(!sb_rec_reset_after_fin(&r), "a normal close: no");
	r = client(ECONNRESET, 0, SB_TCP_ESTABLISHED, 0);
	ASSERT_TRUE(!sb_rec_reset_after_fin(&r), "reset before its FIN: no (that one is a cause)");
	r = client(0, 0, SB_TCP_ESTABLISHED, SB_TCP_FIN_WAIT1);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_NONE, "a normal close");
	r = client(EPIPE, 0, SB_TCP_ESTABLISHED, SB_TCP_CLOSE_WAIT);
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_NONE, "reset in CLOSE_WAIT: EPIPE, not setup");
	r = client(ETIMEDOUT, 0, 0, 0);
	r.role = SB_ROLE_CHILD;
	ASSERT_EQ(sb_rec_fail_cause(&r), SB_FAIL_NONE, "a server child has no client cause");
	for (int c = SB_FAIL_NONE + 1; c < SB_NFAIL; c++)
		ASSERT_TRUE(sb_fail_cause_name(c)[0], "every cause named");
	ASSERT_TRUE(!strcmp(sb_fail_cause_name(SB_FAIL_NONE), ""), "none: empty");
	ASSERT_TRUE(!strcmp(sb_fail_cause_name(SB_NFAIL + 3), "other"), "out of range: other");
}

static void watch_outcomes(void)
{
	struct sb_conn_rec r = client(ECONNRESET, 0, SB_TCP_ESTABLISHED, 0), peer;
	enum sb_fail_cause c;

	ASSERT_EQ(sb_kview_client_outcome(&r, NULL, 1, -1, &c), SB_WOUT_FAILED,
		  "reset after the SYN-ACK, a listener here, no child: failed");
	ASSERT_EQ(c, SB_FAIL_RESET, "  by reset");
	ASSERT_EQ(sb_kview_client_outcome(&r, NULL, 0, -1, &c), SB_WOUT_ESTABLISHED,
		  "the server elsewhere: established");
	ASSERT_EQ(c, SB_FAIL_NONE, "  no cause");
	peer = client(0, 0, SB_TCP_ESTABLISHED, 0);
	peer.role = SB_ROLE_CHILD;
	peer.ts[SB_TCP_SYN_SENT] = 0;
	peer.ts[SB_TCP_SYN_RECV] = 1500;
	ASSERT_NE(sb_kview_client_outcome(&r, &peer, 0, -1, &c), SB_WOUT_FAILED,
		  "reset with a server child: not a failed setup");
	ASSERT_EQ(c, SB_FAIL_NONE, "  no cause");
	r = client(0, 0, 0, 0);
	ASSERT_EQ(sb_kview_client_outcome(&r, NULL, 1, -1, &c), SB_WOUT_FAILED, "aborted: failed");
	ASSERT_EQ(c, SB_FAIL_ABORTED, "  by abort");
	r = client(0, 0, 0, 0);
	r.flushed = SB_REC_CLOSE_MISSED;
	ASSERT_EQ(sb_kview_client_outcome(&r, NULL, 1, -1, &c), SB_WOUT_FAILED, "CLOSE missed: failed");
	ASSERT_EQ(c, SB_FAIL_OTHER, "  other");
	/* reset after its own FIN, no child, a listener here: the run's rule */
	r = client(ECONNRESET, 0, SB_TCP_ESTABLISHED, SB_TCP_FIN_WAIT1);
	ASSERT_EQ(sb_kview_client_outcome(&r, NULL, 1, 1, &c), SB_WOUT_GHOST,
		  "reset after its FIN, syncookies 1: a ghost (its FIN drew the listener's RST)");
	ASSERT_EQ(sb_kview_client_outcome(&r, NULL, 1, -1, &c), SB_WOUT_GHOST,
		  "  syncookies unknown: a ghost");
	ASSERT_EQ(sb_kview_client_outcome(&r, NULL, 1, 0, &c), SB_WOUT_FAILED,
		  "  syncookies 0 (no ghost can be): failed");
	ASSERT_EQ(c, SB_FAIL_RESET, "  by reset");
	ASSERT_EQ(sb_rec_serverless_cause(&r, 0), SB_FAIL_RESET,
		  "  the join's rule is the same function");
	ASSERT_EQ(sb_rec_serverless_cause(&r, 1), SB_FAIL_NONE, "  and with syncookies 1");
}

static void embryonic(void)
{
	char why[256] = "";

	ASSERT_EQ(sb_embryonic_status(49, 49, 2837, why, sizeof(why)), SB_ID_HOLDS, "equal");
	ASSERT_EQ(sb_embryonic_status(0, 0, 0, why, sizeof(why)), SB_ID_HOLDS, "none");
	ASSERT_EQ(sb_embryonic_status(5, 4, 100, why, sizeof(why)), SB_ID_FAILS,
		  "fewer than the resets: fails");
	ASSERT_EQ(sb_embryonic_status(5, 6, 0, why, sizeof(why)), SB_ID_FAILS,
		  "more, nobody aborted: fails");
	why[0] = 0;
	ASSERT_EQ(sb_embryonic_status(5, 8, 3, why, sizeof(why)), SB_ID_SKIPPED,
		  "more by no more than the aborted: skipped");
	ASSERT_TRUE(strstr(why, "exceeds the resets by 3") != NULL, "  says by how many");
	ASSERT_EQ(sb_embryonic_status(5, 9, 3, why, sizeof(why)), SB_ID_FAILS,
		  "more than resets + aborted: fails");
}

int main(void)
{
	causes();
	watch_outcomes();
	embryonic();
	return sb_test_result();
}
