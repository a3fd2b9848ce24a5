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

int month_parse(const char *s, size_t n)
{
	size_t i = 0;
	int y, m, k;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (digits(s, n, &i, 4, &y) != 4)
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
	if (i != n || m < 1 || m > 12 || y < 1900 || y > 2999)
		return -1;
	return y * 12 + m - 1;
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
