// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bpf/synbench.h"
#include "bpf/hist.h"
#include "bpf/compat.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 netns_ino = 0;
__u64 syn_sent_count = 0;

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_set_state_btf, const struct sock *sk, int oldstate, int newstate)
{
	if (BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) != netns_ino)
		return 0;
	if (oldstate == SB_TCP_CLOSE && newstate == SB_TCP_SYN_SENT)
		__sync_fetch_and_add(&syn_sent_count, 1);
	return 0;
}
