/*
 * fuzz_yaml_rules.c - the validation rules loader (stages/validate/rules.c).
 */
#include "../../stages/validate/rules.h"
#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules r;
	struct rs_error err;

	if (!rules_load(&r, fuzz_file(0, data, size), &err))
		rules_release(&r);
	return 0;
}
