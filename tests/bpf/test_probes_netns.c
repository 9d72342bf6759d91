/* The probes count their own namespace only: traffic in another namespace,
 * at the same time and on the same port, is not seen. */
#include <stdlib.h>
#include <sys/wait.h>

#include "tests/test.h"
#include "tests/bpf/tcp_util.h"
#include "tests/bpf/probe_util.h"

#define PORT 5303

static void traffic(int n)
{
	int lfd = tu_listen(PORT, 128);

	for (int i = 0; i < n; i++) {
		int fd = tu_connect(PORT), afd = accept(lfd, NULL, NULL);

		close(fd);
		close(afd);
	}
	close(lfd);
}

int main(void)
{
	struct sb_probes_opts po = { .conns = 100 };
	struct sb_rundata rd = { 0 };
	struct sb_probes *p = NULL;
	int rc = sb_test_need_root(), status = 0;
	uint64_t other = 0;
	pid_t pid;

	if (rc)
		return rc;
	p = probe_test_start(&po, NULL);
	if (!p)
		return 1;
	pid = fork();
	if (pid == 0) {
		if (sb_netns_enter(&other))
			_exit(3);
		traffic(300);
		_exit(0);
	}
	traffic(25);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "other namespace ran its traffic");
	sb_probes__stop(p);
	ASSERT_OK(sb_probes__collect(p, &rd), "collect");
	ASSERT_EQ(rd.counters[SB_C_CLIENTS], 25, "only our clients counted");
	ASSERT_EQ(rd.counters[SB_C_CHILDREN], 25, "only our children counted");
	ASSERT_EQ(rd.nkrecs, 50, "only our records");
	sb_rundata_free_kernel(&rd);
	sb_probes__free(p);
	return sb_test_result();
}
