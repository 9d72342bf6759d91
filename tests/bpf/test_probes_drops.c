/* kfree_skb drop reasons, named from the running kernel's BTF: a SYN to a
 * port nobody listens on is answered with a RST and its skb freed with
 * reason NO_SOCKET, once per connect; the connect fails with ECONNREFUSED. */
#include <stdlib.h>

#include "tests/test.h"
#include "tests/bpf/tcp_util.h"
#include "tests/bpf/probe_util.h"

#define N 7
#define PORT 5304

int main(void)
{
	struct sb_probes_opts po = { .conns = N };
	struct sb_rundata rd = { 0 };
	struct sb_probes *p = NULL;
	int rc = sb_test_need_root(), refused = 0, reason = -1;

	if (rc)
		return rc;
	p = probe_test_start(&po, NULL);
	if (!p)
		return 1;
	for (int i = 0; i < N; i++)
		refused += tu_connect(PORT) == -ECONNREFUSED;
	sb_probes__stop(p);
	ASSERT_OK(sb_probes__collect(p, &rd), "collect");
	ASSERT_EQ(refused, N, "connects refused");
	for (int r = 0; r < SB_MAX_DROP_REASONS; r++)
		if (rd.drop_names[r] && strcmp(rd.drop_names[r], "NO_SOCKET") == 0)
			reason = r;
	if (ASSERT_GE(reason, 0, "NO_SOCKET found in the kernel's enum skb_drop_reason"))
		ASSERT_EQ(rd.drops[reason], N, "one NO_SOCKET drop per refused SYN");
	ASSERT_EQ(rd.counters[SB_C_CLIENTS], N, "clients tracked");
	{
		int closed = 0;

		for (size_t i = 0; i < rd.nkrecs; i++)
			closed += rd.krecs[i].role == SB_ROLE_CLIENT &&
				  rd.krecs[i].final_state == SB_TCP_CLOSE &&
				  rd.krecs[i].ts[SB_TCP_ESTABLISHED] == 0;
		ASSERT_EQ(closed, N, "SYN_SENT -> CLOSE without ESTABLISHED");
	}
	sb_rundata_free_kernel(&rd);
	sb_probes__free(p);
	return sb_test_result();
}
