/*
 * period.h - months and reporting periods.
 *
 * A month is held as ym = year * 12 + (month - 1), so ranges and
 * differences are integer arithmetic. A reporting period is a first and a
 * last month, written "2024-01..2024-12" on command lines.
 */
#ifndef RS_PERIOD_H
#define RS_PERIOD_H

#include <stddef.h>

struct period {
	int first, last;     /* ym, inclusive */
};

/*
 * Parses a month in the forms exports use, already width-folded:
 * 2024-03, 2024/03, 2024.03, 202403, 2024年3月, 2024-3. Returns ym, or -1.
 */
int month_parse(const char *s, size_t n);
/* Writes "YYYY-MM" (8 bytes with NUL). */
void month_fmt(int ym, char out[8]);
/* Parses "2024-01..2024-12", a single month "2024-03", a quarter "2024Q1"
 * or a year "2024". Returns 0 or -1. */
int period_parse(const char *s, struct period *p);
/* Label as users write it: "2024年", "2021年1—7月", "2024年3月",
 * "2024年第一季度", "2023年11月—2024年2月". out >= 64 bytes. */
char *period_label(const struct period *p, char *out, size_t outsz);

#endif
