#include "harness/output.h"

#include <stdio.h>

#include "harness/outdir.h"

int sb_output_write(struct sb_rundata *rd, const char *dir)
{
	int e = sb_mkdir_p(dir);

	if (e) {
		fprintf(stderr, "synbench: cannot create %s\n", dir);
		return 2;
	}
	printf("%zu user connections, %zu kernel records\n", rd->nconns, rd->nkrecs);
	return 0;
}
