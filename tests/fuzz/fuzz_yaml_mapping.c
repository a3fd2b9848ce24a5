/*
 * fuzz_yaml_mapping.c - the mapping loader (stages/ingest/mapping.c) over
 * common/ydoc.c and libyaml.
 */
#include "../../stages/ingest/mapping.h"
#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mapping m;
	struct rs_error err;

	if (!mapping_load(&m, fuzz_file(0, data, size), &err))
		mapping_release(&m);
	return 0;
}
