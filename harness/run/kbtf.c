/* The running kernel's BTF, read for the plan's questions (kbtf.h). */
#include "harness/run/kbtf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/btf.h>

#include "harness/run/bigmem.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"

struct sb_kbtf {
	const char *data; /* the file: mapped, or read into mem */
	size_t size;
	int mapped;
	struct sb_bigbuf mem;
	const char *strs; /* string section */
	uint32_t str_len;
	uint32_t *off; /* off[id]: the type's offset in the type section, id >= 1 */
	uint32_t ntypes;
	const char *types;
};

/* Bytes that follow a type's struct btf_type, by kind; -1 for a kind this
 * code does not know (a newer kernel's). */
static long extra(const struct btf_type *t)
{
	unsigned int kind = BTF_INFO_KIND(t->info), vlen = BTF_INFO_VLEN(t->info);

	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * (long)sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * (long)sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * (long)sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * (long)sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (long)vlen * (long)sizeof(struct btf_enum64);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

static int load(struct sb_kbtf *b)
{
	struct stat st;
	int fd = open(VMLINUX, O_RDONLY | O_CLOEXEC), e = 0;
	void *m;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || st.st_size <= (off_t)sizeof(struct btf_header)) {
		e = -EINVAL;
		goto out;
	}
	b->size = (size_t)st.st_size;
	/* mapped where sysfs allows it (no copy at all) */
	m = mmap(NULL, b->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m != MAP_FAILED) {
		b->data = m;
		b->mapped = 1;
		goto out;
	}
	e = sb_bigbuf_reserve(&b->mem, b->size);
	while (!e && b->mem.len < b->size) {
		ssize_t r = read(fd, b->mem.p + b->mem.len, b->size - b->mem.len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			e = r < 0 ? -errno : -EIO;
		else
			b->mem.len += (size_t)r;
	}
	b->data = b->mem.p;
out:
	close(fd);
	return e;
}

static int index_types(struct sb_kbtf *b)
{
	const struct btf_header *h = (const void *)b->data;
	size_t pos = 0, cap = 1 << 17;
	uint64_t tend, send;

	if (h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) || h->hdr_len > b->size)
		return -EINVAL;
	tend = (uint64_t)h->hdr_len + h->type_off + h->type_len;
	send = (uint64_t)h->hdr_len + h->str_off + h->str_len;
	if (tend > b->size || send > b->size || !h->str_len)
		return -EINVAL;
	b->types = b->data + h->hdr_len + h->type_off;
	b->strs = b->data + h->hdr_len + h->str_off;
	b->str_len = h->str_len;
	b->off = malloc(cap * sizeof(*b->off));
	if (!b->off)
		return -ENOMEM;
	b->off[0] = 0; /* id 0: void */
	b->ntypes = 1;
	while (pos + sizeof(struct btf_type) <= h->type_len) {
		const struct btf_type *t = (const void *)(b->types + pos);
		long x = extra(t);

		if (x < 0)
			return -EPROTO; /* a kind this code does not know */
		if (b->ntypes == cap) {
			uint32_t *n = realloc(b->off, 2 * cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			b->off = n;
			cap *= 2;
		}
		b->off[b->ntypes++] = (uint32_t)pos;
		pos += sizeof(*t) + (size_t)x;
	}
	return pos == h->type_len ? 0 : -EINVAL;
}

int sb_kbtf__open(struct sb_kbtf **out)
{
	struct sb_kbtf *b = calloc(1, sizeof(*b));
	int e = b ? load(b) : -ENOMEM;

	if (!e)
		e = index_types(b);
	if (e) {
		sb_kbtf__free(b);
		return e;
	}
	*out = b;
	return 0;
}

void sb_kbtf__free(struct sb_kbtf *b)
{
	if (!b)
		return;
	if (b->mapped)
		munmap((void *)b->data, b->size);
	sb_bigbuf_free(&b->mem);
	free(b->off);
	free(b);
}

static const struct btf_type *type(const struct sb_kbtf *b, uint32_t id)
{
	return (const void *)(b->types + b->off[id]);
}

static const char *str(const struct sb_kbtf *b, uint32_t off)
{
	return off < b->str_len ? b->strs + off : "";
}

int sb_kbtf__find(const struct sb_kbtf *b, const char *name, int kind)
{
	for (uint32_t id = 1; b && id < b->ntypes; id++) {
		const struct btf_type *t = type(b, id);

		if ((int)BTF_INFO_KIND(t->info) == kind && strcmp(str(b, t->name_off), name) == 0)
			return (int)id;
	}
	return -ENOENT;
}

int sb_kbtf__has_member(const struct sb_kbtf *b, const char *sname, const char *mname)
{
	int id = sb_kbtf__find(b, sname, BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *m;

	if (id < 0)
		id = sb_kbtf__find(b, sname, BTF_KIND_UNION);
	if (id < 0)
		return 0;
	t = type(b, (uint32_t)id);
	m = (const void *)(t + 1);
	for (unsigned int i = 0; i < BTF_INFO_VLEN(t->info); i++)
		if (strcmp(str(b, m[i].name_off), mname) == 0)
			return 1;
	return 0;
}

int sb_kbtf__enum_values(const struct sb_kbtf *b, const char *ename,
			 void (*fn)(void *ctx, const char *name, int64_t value), void *ctx)
{
	int id = sb_kbtf__find(b, ename, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;

	if (id < 0)
		return -ENOENT;
	t = type(b, (uint32_t)id);
	e = (const void *)(t + 1);
	for (unsigned int i = 0; i < BTF_INFO_VLEN(t->info); i++)
		fn(ctx, str(b, e[i].name_off), (int64_t)e[i].val);
	return 0;
}
