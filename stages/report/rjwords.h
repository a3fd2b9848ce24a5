/*
 * rjwords.h - a reject in a statistician's words: what to check, in
 * Chinese, from a reject file's reason, field and message (rs-ingest's and
 * rs-validate's `source,line,reason,field,message,raw`). The message is
 * ours, in English, for developers; what a district or a statistician
 * reads is this. Used by the 退回清单 (returns.c) and `reliefstat explain`
 * (pipelines/runner/explain.c): the functions are static inline here, as
 * the runner links no report objects. They can't fail.
 */
#ifndef RS_REPORT_RJWORDS_H
#define RS_REPORT_RJWORDS_H

#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

/* The canonical field names a reject names, in the export's words. */
static inline const char *field_zh(const char *f)
{
	static const char *const m[][2] = {
		{ "id", "身份证号码" }, { "beneficiary", "身份证号码" },
		{ "region_code", "行政区划代码" }, { "program", "救助类别" },
		{ "area", "城乡属性" }, { "persons", "保障人数" }, { "period", "发放年月" },
		{ "amount", "发放金额" }, { "household_size", "家庭人口" },
		{ "funding", "资金来源" }, { "support_mode", "供养方式" },
		{ "covers", "所属期" }, { "kind", "备注" },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(m[i][0], f))
			return m[i][1];
	return NULL;
}

/* What to check, in words, for a reason; the field and an earlier line
 * the message names ("as line 1670") are added where they help. */
static inline void reject_words(const char *reason, const char *field, const char *msg,
		    struct sbuf *out)
{
	static const char *const m[][2] = {
		{ "malformed_line", "字段个数与表头不一致，请检查是否有多余或缺少的逗号、引号" },
		{ "bad_encoding", "含有无法识别的字符，请按正确的编码重新导出" },
		{ "missing_field", "必填项为空，请补填" },
		{ "bad_id", "身份证号码位数、校验码或出生日期有误，或被电子表格改写为科学计数法，请核对后以文本格式填写" },
		{ "bad_amount", "发放金额不是有效的数字，或精确到分以下，请核对" },
		{ "negative_amount", "发放金额为负数；如为冲正，请在备注中注明" },
		{ "bad_period", "发放年月无法识别，请按“2024年1月”或“2024-01”填写" },
		{ "unknown_program", "救助类别不在项目目录中，请核对名称" },
		{ "unknown_region", "行政区划代码不是有效的村（社区）代码，请核对" },
		{ "period_out_of_range", "发放年月不在本次报告期内，请核对年月" },
		{ "persons_out_of_range", "保障人数小于1或大于家庭人口，请核对" },
		{ "age_ineligible", "按身份证号码推算的年龄不符合该项目的条件，请核对" },
		{ "off_standard", "发放金额与规定的发放标准不符，请核对" },
		{ "duplicate_payment", "同一对象、同一项目、同一月份重复发放" },
		{ "conflicting_programs", "同一对象同月同时领取最低生活保障和特困人员救助供养" },
		{ "unknown_area", "城乡属性无法识别，请填写城镇或农村" },
		{ "unmatched_reversal", "冲正记录找不到对应的原发放记录" },
	};
	const char *fz = field_zh(field), *at;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(m[i][0], reason))
			break;
	if (fz && strcmp(reason, "malformed_line") && strcmp(reason, "bad_encoding"))
		sbuf_addf(out, "“%s”：", fz);
	sbuf_adds(out, i < sizeof(m) / sizeof(m[0]) ? m[i][1] : "未通过数据检查，请核对");
	at = strstr(msg, "line ");
	if (at && at[5] >= '0' && at[5] <= '9') {
		long l = strtol(at + 5, NULL, 10);

		sbuf_addf(out, "（与第%ld行）", l);
	}
	sbuf_adds(out, "。");
}

#endif
