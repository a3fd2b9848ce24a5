/*
 * fuzz_yaml_pipeline.c - the pipeline loader of the runner
 * (pipelines/runner/pipeline.c): load and expand, link the DAG, select
 * everything and format each command line, as `reliefstat dag` does.
 * Nothing is run.
 */
#include <string.h>

#include "../../pipelines/runner/runner.h"
#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *vars[] = { (char *)"extra=1", NULL };
	struct pipeline pl;
	struct selection sel;
	struct rs_error err;
	struct sbuf sb;
	size_t i;

	if (!pipeline_load(&pl, fuzz_file(0, data, size), vars, 1, &err) &&
	    !graph_build(&pl, &err)) {
		memset(&sel, 0, sizeof(sel));
		if (!graph_select(&pl, &sel, &err)) {
			sbuf_init(&sb, 0);
			for (i = 0; i < pl.ntasks; i++) {
				sbuf_reset(&sb);
				task_cmdline(&pl.tasks[i], &sb);
			}
			sbuf_release(&sb);
		}
	}
	pipeline_release(&pl);
	return 0;
}
