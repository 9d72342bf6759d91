/* libFuzzer: the control channel's results message (harness/run/wire.h),
 * read from memory as the coordinator reads a host's channel, expected
 * once from the server host and once from a client host (their caps
 * differ); what decodes is merged with an empty client0 as a run across
 * machines is, then freed. The first line also goes through the hello
 * parser. Seeds: tests/fixtures/wire/ (the fixture run, encoded by
 * tests/unit/test_wire.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/hosts.h"
#include "harness/run/wire.h"

static struct sb_opts opts;

static void rd_free(struct sb_rundata *rd)
{
	free(rd->krecs);
	free(rd->samples);
	free(rd->conns_buf);
	free(rd->accepts);
	free(rd->mib);
	free(rd->client_mib);
	free(rd->sysctls);
	free(rd->hists);
	for (size_t v = 0; v < SB_MAX_DROP_REASONS; v++)
		free((void *)rd->drop_names[v]);
	memset(rd, 0, sizeof(*rd));
}

static void one(const uint8_t *data, size_t size, int server)
{
	struct sb_wire_expect x = {.server = server, .conns = 6, .run_ns = 3000000000ull,
				   .sample_us = 5000};
	struct sb_host hosts[2];
	struct sb_rundata merged;
	struct sb_ctl *c = sb_ctl_mem(data, size);
	char err[512];

	if (!c)
		abort();
	memset(hosts, 0, sizeof(hosts));
	hosts[0].role = SB_HOST_CLIENT;
	hosts[0].rd.opts = &opts;
	hosts[1].role = server ? SB_HOST_SERVER : SB_HOST_CLIENT;
	if (sb_wire_recv(c, &x, &opts, &hosts[1].rd, UINT64_MAX, err, sizeof(err)) == 0) {
		sb_hosts_merge(&opts, hosts, 2, &merged);
		merged.hosts = NULL;
		rd_free(&merged);
	} else if (hosts[1].rd.krecs || hosts[1].rd.conns || hosts[1].rd.hists) {
		abort(); /* refused, yet something kept */
	}
	rd_free(&hosts[1].rd);
	sb_ctl_close(c, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct sb_wire_hello h;

	if (nl && (size_t)(nl - data) < 1024) {
		char line[1024];

		memcpy(line, data, (size_t)(nl - data));
		line[nl - data] = 0;
		sb_wire_hello_parse(line, 1, &h);
		sb_wire_hello_parse(line, 0, &h);
	}
	one(data, size, 1);
	one(data, size, 0);
	return 0;
}
