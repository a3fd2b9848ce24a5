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
 * 2024-03, 2024/03, 2024.03, 202403, 2024年3月, 2024-3, and whole dates
 * 2024-03-01, 2024/3/1, 2024年3月1日. Returns ym, or -1.
 */
int month_parse(const char *s, size_t n);
/*
 * month_parse, and also what flags allow: RS_DATE_MDY or RS_DATE_DMY for
 * 3/1/2024 (month first, or day first); RS_DATE_SERIAL1900 (or 1904) for a
 * spreadsheet's serial day number of five digits, 45352 = 2024-03-01 in
 * the 1900 system. Whole dates (2024-03-01, 2024/3/1, 2024年3月1日, with or
 * without a time after them) give their month in every case.
 */
#define RS_DATE_MDY 1
#define RS_DATE_DMY 2
#define RS_DATE_SERIAL1900 4
#define RS_DATE_SERIAL1904 8
int month_parse_opt(const char *s, size_t n, int flags);
/* The month of a spreadsheet serial date in the system flags names
 * (RS_DATE_SERIAL1900 or RS_DATE_SERIAL1904); -1 if none or out of range. */
int month_from_serial(double serial, int flags);
/* The civil date of a serial day number (the 1904 system if flags has
 * RS_DATE_SERIAL1904, else 1900). Returns 0, or -1 out of range. */
int rs_serial_date(double serial, int flags, int *y, int *m, int *d);
/* Writes "YYYY-MM" (8 bytes with NUL). */
void month_fmt(int ym, char out[8]);
/* Parses "2024-01..2024-12", a single month "2024-03", a quarter "2024Q1"
 * or a year "2024". Returns 0 or -1. */
int period_parse(const char *s, struct period *p);
/* Label as users write it: "2024年", "2021年1—7月", "2024年3月",
 * "2024年第一季度", "2023年11月—2024年2月". out >= 64 bytes. */
char *period_label(const struct period *p, char *out, size_t outsz);

#endif
