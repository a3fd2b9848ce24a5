/*
 * fuzz_yaml_catalog.c - the program catalog loader (common/catalog.c):
 * the input alone, and (when that loads) as an extension of the sample
 * catalog, the way --catalog adds local programs.
 */
#include "catalog.h"
#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog c;
	struct rs_error err;
	const char *paths[2];

	paths[0] = fuzz_file(0, data, size);
	if (catalog_load(&c, paths, 1, &err))
		return 0;
	catalog_release(&c);
	paths[1] = paths[0];
	paths[0] = fuzz_path(0, "samples/reference/programs.yaml");
	if (!catalog_load(&c, paths, 2, &err))
		catalog_release(&c);
	return 0;
}
