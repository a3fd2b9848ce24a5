/*
 * reasons.c - the Chinese names of reject reasons, for whatever a
 * statistician or a district reads (the quality table, the 退回清单):
 * the codes (SPEC.md section 3) are ours and stay in the internal files.
 */
#include <string.h>

#include "report.h"

static const struct {
	const char *code, *zh;
} names[] = {
	{ "malformed_line", "字段数不符" },
	{ "bad_encoding", "编码错误" },
	{ "missing_field", "必填项为空" },
	{ "bad_id", "身份证号码有误" },
	{ "bad_amount", "金额格式有误" },
	{ "negative_amount", "金额为负数" },
	{ "bad_period", "发放年月有误" },
	{ "unknown_program", "救助类别无法识别" },
	{ "unknown_region", "行政区划代码无法识别" },
	{ "period_out_of_range", "发放年月不在报告期内" },
	{ "persons_out_of_range", "保障人数有误" },
	{ "age_ineligible", "年龄不符合条件" },
	{ "off_standard", "金额不符合发放标准" },
	{ "duplicate_payment", "重复发放" },
	{ "conflicting_programs", "同月同时享受低保和特困" },
	{ "unknown_area", "城乡属性无法识别" },
	{ "unmatched_reversal", "冲正无对应发放" },
};

const char *reason_zh(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].code, code))
			return names[i].zh;
	return NULL;
}
