/* The running kernel's BTF (/sys/kernel/btf/vmlinux), read for the few
 * questions the probes' plan asks (a type by name, a member, an enum's
 * values) without libbpf's parse: the file is mapped where the kernel
 * allows it and read whole otherwise, and types are found by one walk.
 * libbpf parses it once more for the load itself (CO-RE, attach targets);
 * each parse cost 35-60 ms of CPU on the development VMs (5.5 MB read a page
 * per system call, copied, indexed). */
#ifndef SB_KBTF_H
#define SB_KBTF_H

#include <stdint.h>

struct sb_kbtf;

/* 0, or a negative errno (no BTF: CONFIG_DEBUG_INFO_BTF). */
int sb_kbtf__open(struct sb_kbtf **out);
void sb_kbtf__free(struct sb_kbtf *b); /* NULL ok */
/* The id of the type called name of kind kind (linux/btf.h BTF_KIND_*), or
 * -ENOENT (b NULL too). */
int sb_kbtf__find(const struct sb_kbtf *b, const char *name, int kind);
/* 1 if the struct or union called sname has a member called mname. */
int sb_kbtf__has_member(const struct sb_kbtf *b, const char *sname, const char *mname);
/* fn(ctx, name, value) for every value of the enum called ename (32-bit
 * values). 0 or -ENOENT. */
int sb_kbtf__enum_values(const struct sb_kbtf *b, const char *ename,
			 void (*fn)(void *ctx, const char *name, int64_t value), void *ctx);

#endif
