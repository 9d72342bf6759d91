/* A host's rundata over the control channel (wire.h). */
#include "harness/run/wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The arrays of a rundata, by name: where each lives and its element size. */
struct field {
	const char *name;
	size_t offp, offn, size;
};

#define FIELD(name, p, n, type)                                                                    \
	{ name, offsetof(struct sb_rundata, p), offsetof(struct sb_rundata, n), sizeof(type) }

static const struct field fields[] = {
	FIELD("krecs", krecs, nkrecs, struct sb_conn_rec),
	FIELD("samples", samples, nsamples, struct sb_listen_sample),
	FIELD("conns", conns, nconns, struct lg_conn),
	FIELD("accepts", accepts, naccepts, struct lg_accept),
	FIELD("mib", mib, nmib, struct sb_mib),
	FIELD("client_mib", client_mib, nclient_mib, struct sb_mib),
	FIELD("sysctls", sysctls, nsysctls, struct sb_sysctl),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static void **ptr_of(struct sb_rundata *rd, const struct field *f)
{
	return (void **)((char *)rd + f->offp);
}

static size_t *count_of(struct sb_rundata *rd, const struct field *f)
{
	return (size_t *)((char *)rd + f->offn);
}

int sb_wire_send(struct sb_ctl *c, const struct sb_rundata *rd)
{
	struct sb_rundata flat = *rd;
	char *names = NULL;
	size_t len = 0;
	FILE *f;
	int e;

	/* the struct itself, without a pointer the other end could misread */
	flat.opts = NULL;
	flat.hists = NULL;
	flat.store = NULL;
	flat.conns_buf = NULL;
	flat.hosts = NULL;
	flat.nhosts = 0;
	memset(flat.drop_names, 0, sizeof(flat.drop_names));
	for (size_t i = 0; i < NFIELDS; i++)
		*ptr_of(&flat, &fields[i]) = NULL;
	e = sb_ctl_send_blob(c, "rundata", &flat, sizeof(flat));
	for (size_t i = 0; i < NFIELDS && !e; i++) {
		struct sb_rundata *r = (struct sb_rundata *)rd;
		size_t n = *count_of(r, &fields[i]);

		if (n && *ptr_of(r, &fields[i]))
			e = sb_ctl_send_blob(c, fields[i].name, *ptr_of(r, &fields[i]),
					     n * fields[i].size);
	}
	if (!e && rd->hists)
		e = sb_ctl_send_blob(c, "hists", rd->hists,
				     (size_t)SB_NHISTS * SB_HIST_BUCKETS * sizeof(*rd->hists));
	/* this kernel's drop reason names: "VALUE NAME" lines */
	f = open_memstream(&names, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < SB_MAX_DROP_REASONS; i++)
		if (rd->drop_names[i])
			fprintf(f, "%zu %s\n", i, rd->drop_names[i]);
	fclose(f);
	if (!e && len)
		e = sb_ctl_send_blob(c, "drop_names", names, len);
	free(names);
	return e ? e : sb_ctl_send(c, "end");
}

static int take_drop_names(struct sb_rundata *rd, char *text, size_t n)
{
	char *save = NULL;

	text[n - 1] = 0; /* the last newline */
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long v;
		char name[128];

		if (sscanf(l, "%lu %127s", &v, name) != 2 || v >= SB_MAX_DROP_REASONS)
			return -EPROTO;
		free((void *)rd->drop_names[v]);
		rd->drop_names[v] = strdup(name);
		if (!rd->drop_names[v])
			return -ENOMEM;
	}
	return 0;
}

/* One blob into rd. */
static int take(struct sb_rundata *rd, const char *name, void *p, size_t n, int *have_struct)
{
	if (strcmp(name, "rundata") == 0) {
		if (n != sizeof(*rd))
			return -EPROTO;
		memcpy(rd, p, n);
		free(p);
		*have_struct = 1;
		return 0;
	}
	if (!*have_struct)
		return -EPROTO;
	if (strcmp(name, "hists") == 0) {
		if (n != (size_t)SB_NHISTS * SB_HIST_BUCKETS * sizeof(*rd->hists))
			return -EPROTO;
		rd->hists = p;
		return 0;
	}
	if (strcmp(name, "drop_names") == 0) {
		int e = n ? take_drop_names(rd, p, n) : 0;

		free(p);
		return e;
	}
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];

		if (strcmp(name, f->name) != 0)
			continue;
		if (n % f->size || n / f->size != *count_of(rd, f) || *ptr_of(rd, f))
			return -EPROTO;
		*ptr_of(rd, f) = p;
		if (strcmp(name, "conns") == 0)
			rd->conns_buf = p;
		return 0;
	}
	free(p); /* a newer sender's extra: skipped */
	return 0;
}

int sb_wire_recv(struct sb_ctl *c, const struct sb_opts *opts, struct sb_rundata *rd,
		 int timeout_ms, char *err, size_t errlen)
{
	int have_struct = 0, e = 0;

	memset(rd, 0, sizeof(*rd));
	for (;;) {
		char line[256], name[64];
		size_t n;
		void *p;

		e = sb_ctl_recv(c, line, sizeof(line), timeout_ms);
		if (e)
			break;
		if (strcmp(line, "end") == 0)
			break;
		if (strncmp(line, "error ", 6) == 0) {
			snprintf(err, errlen, "%s", line + 6);
			e = -EIO;
			goto fail;
		}
		if (strcmp(line, "done") == 0 || strncmp(line, "pong ", 5) == 0 ||
		    strncmp(line, "progress ", 9) == 0)
			continue; /* a client half's last words before the results */
		if (sscanf(line, "blob %63s %zu", name, &n) != 2) {
			e = -EPROTO;
			break;
		}
		e = sb_ctl_recv_bytes(c, n, &p, timeout_ms);
		if (e)
			break;
		e = take(rd, name, p, n, &have_struct);
		if (e) {
			free(p);
			break;
		}
	}
	if (!e && !have_struct)
		e = -EPROTO;
	if (!e) {
		/* counts of arrays that did not come are zero */
		for (size_t i = 0; i < NFIELDS; i++)
			if (!*ptr_of(rd, &fields[i]))
				*count_of(rd, &fields[i]) = 0;
		rd->opts = opts;
		rd->server_log_fd = 0;
		return 0;
	}
	snprintf(err, errlen, "%s",
		 e == -ETIMEDOUT ? "no results in time"
		 : e == -EPIPE	 ? "the connection closed before all results came"
				 : "results garbled (are both hosts on the same synbench build?)");
fail:
	/* what came is rd's (sb_rundata_free); what did not, counts nothing */
	for (size_t i = 0; i < NFIELDS; i++)
		if (!*ptr_of(rd, &fields[i]))
			*count_of(rd, &fields[i]) = 0;
	rd->opts = opts;
	return e;
}
