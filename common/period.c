/*
 * period.c - month parsing and period labels (see period.h).
 */
#include <stdio.h>
#include <string.h>

#include "period.h"

static int digits(const char *s, size_t n, size_t *i, int max, int *v)
{
	int k = 0;

	*v = 0;
	while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
		*v = *v * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	return k;
}

/* Days from 1970-01-01 to the civil date (H. Hinnant's algorithm). */
static void civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int ym_ok(int y, int m)
{
	return m >= 1 && m <= 12 && y >= 1900 && y <= 2999 ? y * 12 + m - 1 : -1;
}

int rs_serial_date(double serial, int flags, int *y, int *m, int *d)
{
	long days = (long)serial;

	if (!(serial >= 0 && serial <= 400000))
		return -1;
	/* Unix day numbers: the 1904 system counts from 1904-01-01 (serial
	 * 0); the 1900 system's serial 1 is 1900-01-01 and it counts a 29
	 * February 1900 that never was (serial 60). */
	if (flags & RS_DATE_SERIAL1904)
		days -= 24107;
	else
		days -= days >= 61 ? 25569 : 25568;
	civil_from_days(days, y, m, d);
	return 0;
}

int month_from_serial(double serial, int flags)
{
	int y, m, d;

	if (serial < 1 || !(flags & (RS_DATE_SERIAL1900 | RS_DATE_SERIAL1904)) ||
	    rs_serial_date(serial, flags, &y, &m, &d))
		return -1;
	return ym_ok(y, m);
}

/* A time after a date ("2024-03-01 00:00:00", "2024/3/1 0:00"). */
static int time_tail(const char *s, size_t n, size_t i)
{
	if (i == n)
		return 1;
	if (s[i] != ' ' && s[i] != 'T')
		return 0;
	for (i++; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && s[i] != ':' && s[i] != '.')
			return 0;
	return 1;
}

int month_parse_opt(const char *s, size_t n, int flags)
{
	size_t i = 0;
	int y, m, k, d;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	k = digits(s, n, &i, 6, &y);
	if (k <= 2 && k > 0 && i < n && (s[i] == '/' || s[i] == '-' || s[i] == '.') &&
	    (flags & (RS_DATE_MDY | RS_DATE_DMY))) {
		/* 3/1/2024: month and day in the order the mapping says */
		int a = y, b, kk;
		char sep = s[i++];
		if (!(kk = digits(s, n, &i, 2, &b)) || i >= n || s[i] != sep)
			return -1;
		i++;
		if (digits(s, n, &i, 4, &y) != 4 || !time_tail(s, n, i))
			return -1;
		m = flags & RS_DATE_DMY ? b : a;
		d = flags & RS_DATE_DMY ? a : b;
		if (d < 1 || d > 31)
			return -1;
		return ym_ok(y, m);
	}
	if (k == 5 && i == n && (flags & (RS_DATE_SERIAL1900 | RS_DATE_SERIAL1904)))
		return month_from_serial(y, flags);
	if (k == 5 && i < n && s[i] == '.' && (flags & (RS_DATE_SERIAL1900 | RS_DATE_SERIAL1904))) {
		size_t j = i + 1;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		return j == n ? month_from_serial(y, flags) : -1;
	}
	if (k == 6) {          /* 202403 */
		m = y % 100;
		y /= 100;
		return i == n ? ym_ok(y, m) : -1;
	}
	if (k != 4)
		return -1;
	if (i < n && (s[i] == '-' || s[i] == '/' || s[i] == '.')) {
		i++;
	} else if (n - i >= 3 && !memcmp(s + i, "年", 3)) {
		i += 3;
	}
	k = digits(s, n, &i, 2, &m);
	if (k == 0)
		return -1;
	if (n - i >= 3 && !memcmp(s + i, "月", 3))
		i += 3;
	if (i < n && (s[i] == '-' || s[i] == '/' || s[i] == '.' ||
		      (i > 3 && !memcmp(s + i - 3, "月", 3)))) {
		/* a whole date: 2024-03-01, 2024/3/1, 2024年3月1日 */
		if (s[i] == '-' || s[i] == '/' || s[i] == '.')
			i++;
		if (!digits(s, n, &i, 2, &d) || d < 1 || d > 31)
			return -1;
		if (n - i >= 3 && !memcmp(s + i, "日", 3))
			i += 3;
		else if (n - i >= 3 && !memcmp(s + i, "号", 3))
			i += 3;
		if (!time_tail(s, n, i))
			return -1;
		return ym_ok(y, m);
	}
	if (i != n)
		return -1;
	return ym_ok(y, m);
}

int month_parse(const char *s, size_t n)
{
	return month_parse_opt(s, n, 0);
}

void month_fmt(int ym, char out[8])
{
	unsigned y = (unsigned)(ym / 12) % 10000, m = (unsigned)(ym % 12) + 1;

	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '\0';
}

int period_parse(const char *s, struct period *p)
{
	const char *dots = strstr(s, "..");
	size_t n = strlen(s);

	if (dots) {
		p->first = month_parse(s, (size_t)(dots - s));
		p->last = month_parse(dots + 2, strlen(dots + 2));
	} else if (n == 6 && strspn(s, "0123456789") == 4 &&
		   (s[4] == 'Q' || s[4] == 'q') && s[5] >= '1' && s[5] <= '4') {
		int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
			(s[2] - '0') * 10 + (s[3] - '0');
		p->first = y * 12 + (s[5] - '1') * 3;
		p->last = p->first + 2;
	} else if (n == 4 && strspn(s, "0123456789") == 4) {
		int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
			(s[2] - '0') * 10 + (s[3] - '0');
		p->first = y * 12;
		p->last = y * 12 + 11;
	} else {
		p->first = p->last = month_parse(s, n);
	}
	if (p->first < 0 || p->last < 0 || p->last < p->first)
		return -1;
	return 0;
}

char *period_label(const struct period *p, char *out, size_t outsz)
{
	int y1 = p->first / 12, m1 = p->first % 12 + 1;
	int y2 = p->last / 12, m2 = p->last % 12 + 1;

	static const char *const q[] = { "一", "二", "三", "四" };

	if (y1 == y2 && m1 == 1 && m2 == 12)
		snprintf(out, outsz, "%d年", y1);
	else if (y1 == y2 && m1 % 3 == 1 && m2 == m1 + 2)
		snprintf(out, outsz, "%d年第%s季度", y1, q[m1 / 3]);
	else if (p->first == p->last)
		snprintf(out, outsz, "%d年%d月", y1, m1);
	else if (y1 == y2)
		snprintf(out, outsz, "%d年%d—%d月", y1, m1, m2);
	else
		snprintf(out, outsz, "%d年%d月—%d年%d月", y1, m1, y2, m2);
	return out;
}
