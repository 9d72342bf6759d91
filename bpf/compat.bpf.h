/* Kernel-version shims and network constants that vmlinux.h lacks. */
#ifndef SB_COMPAT_BPF_H
#define SB_COMPAT_BPF_H

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

#endif
