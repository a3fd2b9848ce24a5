/*
 * idnum.c - resident ID checks and masking (see idnum.h).
 */
#include <ctype.h>
#include <string.h>

#include "idnum.h"

static const int weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
static const char checks[11] = { '1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2' };

char id_check_char(const char *id17)
{
	int i, sum = 0;

	for (i = 0; i < 17; i++)
		sum += (id17[i] - '0') * weights[i];
	return checks[sum % 11];
}

static int valid_province(int p)
{
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) ||
	       (p >= 31 && p <= 37) || (p >= 41 && p <= 46) ||
	       (p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
	       p == 71 || p == 81 || p == 82 || p == 83 || p == 91;
}

static int days_in_month(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int num(const char *s, int n)
{
	int v = 0;

	while (n--)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Looks like a spreadsheet's rendering of a long number: 5.10117E+17,
 * 5.10117e17: scientific notation with one decimal point. */
static int looks_mangled(const char *s, size_t n)
{
	size_t i;
	int e = 0, dot = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == 'E' || c == 'e')
			e++;
		else if (c == '.')
			dot++;
		else if (!isdigit((unsigned char)c) && c != '+' && c != '-')
			return 0;
	}
	return e == 1 || (dot == 1 && n > 12);
}

enum id_status id_check(const char *s, size_t n, long today, char out[19])
{
	char buf[64];
	size_t i = 0, k = 0;
	int y, m, d;

	/* Trim and fold full-width digits, Ｘ/ｘ, and lowercase x. */
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return ID_EMPTY;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (k >= sizeof(buf) - 1)
			return ID_LENGTH;
		if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBC) {
			unsigned char c3 = (unsigned char)s[i + 2];
			if (c3 >= 0x90 && c3 <= 0x99) {          /* ０-９ */
				buf[k++] = (char)('0' + c3 - 0x90);
				i += 2;
				continue;
			}
			if (c3 == 0xB8) {                         /* Ｘ */
				buf[k++] = 'X';
				i += 2;
				continue;
			}
		}
		if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBD &&
		    (unsigned char)s[i + 2] == 0x98) {            /* ｘ */
			buf[k++] = 'X';
			i += 2;
			continue;
		}
		buf[k++] = c == 'x' ? 'X' : (char)c;
	}
	buf[k] = '\0';
	if (looks_mangled(buf, k))
		return ID_MANGLED;
	if (k != 18)
		return ID_LENGTH;
	for (i = 0; i < 17; i++)
		if (!isdigit((unsigned char)buf[i]))
			return ID_CHARS;
	if (!isdigit((unsigned char)buf[17]) && buf[17] != 'X')
		return ID_CHARS;
	if (!valid_province(num(buf, 2)))
		return ID_PROVINCE;
	y = num(buf + 6, 4);
	m = num(buf + 10, 2);
	d = num(buf + 12, 2);
	if (y < 1850 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return ID_BIRTH_DATE;
	if ((long)y * 10000 + m * 100 + d > today)
		return ID_FUTURE_BIRTH;
	if (id_check_char(buf) != buf[17])
		return ID_CHECK_DIGIT;
	memcpy(out, buf, 19);
	return ID_OK;
}

const char *id_status_text(enum id_status st)
{
	switch (st) {
	case ID_OK: return "valid";
	case ID_EMPTY: return "empty";
	case ID_MANGLED: return "mangled by a spreadsheet into a number in scientific notation; re-export the column as text";
	case ID_LENGTH: return "not 18 characters";
	case ID_CHARS: return "not 17 digits followed by a digit or X";
	case ID_PROVINCE: return "characters 1-2 are not a province code";
	case ID_BIRTH_DATE: return "characters 7-14 are not a real birth date";
	case ID_FUTURE_BIRTH: return "birth date is in the future";
	case ID_CHECK_DIGIT: return "wrong check digit";
	}
	return "invalid";
}

int id_age_at(const char id[19], int ym)
{
	int by = num(id + 6, 4), bm = num(id + 10, 2), bd = num(id + 12, 2);
	int y = ym / 12, m = ym % 12 + 1;
	int d = days_in_month(y, m);
	int age = y - by;

	/* Age on the last day of the month y-m. */
	if (m < bm || (m == bm && d < bd))
		age--;
	return age;
}

char id_sex(const char id[19])
{
	return ((id[16] - '0') % 2) ? 'M' : 'F';
}

/* Length of a spreadsheet number at s (d.dddddE+dd), or 0. */
static size_t sci_len(const char *s, size_t n)
{
	size_t i = 0, mant = 0;

	while (i < n && isdigit((unsigned char)s[i]))
		i++, mant++;
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			mant++;
	if (mant < 6 || i >= n || (s[i] != 'E' && s[i] != 'e'))
		return 0;
	i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i >= n || !isdigit((unsigned char)s[i]))
		return 0;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	return i;
}

/* Bytes of the digit at s: 1 for 0-9, 3 for full-width ０-９, else 0. */
static size_t digit_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (isdigit(u[0]))
		return 1;
	if (n >= 3 && u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99)
		return 3;
	return 0;
}

/* Bytes of an ID's final X at s: X or x, full-width Ｘ or ｘ, else 0. */
static size_t check_x_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 1 && (u[0] == 'X' || u[0] == 'x'))
		return 1;
	if (n >= 3 && u[0] == 0xEF && ((u[1] == 0xBC && u[2] == 0xB8) ||
				       (u[1] == 0xBD && u[2] == 0x98)))
		return 3;
	return 0;
}

/*
 * Digits are counted in characters, ASCII or full-width alike: an ID typed
 * with full-width digits (which id_check accepts) is as much an ID. A
 * masked full-width digit becomes the full-width ＊, also 3 bytes, so the
 * text keeps its length.
 */
char *id_mask_text(const char *s, size_t n, char *out)
{
	size_t i = 0, at[19];
	int prev_digit = 0;

	memcpy(out, s, n);
	out[n] = '\0';
	while (i < n) {
		size_t j = i, len = 0, k, u = digit_at(out + i, n - i);

		if (!u || prev_digit) {
			prev_digit = u != 0;
			i += u ? u : 1;
			continue;
		}
		while (j < n && (u = digit_at(out + j, n - j))) {
			if (len < 19)
				at[len] = j;
			len++;
			j += u;
		}
		if (len == 17 && (u = check_x_at(out + j, n - j))) {
			at[len++] = j;
			j += u;
		}
		if (len >= 15 && len <= 18) {
			/* 510117********123X: first 6 and last 4 stay */
			for (k = 6; k < len - 4; k++) {
				if (digit_at(out + at[k], n - at[k]) == 3)
					memcpy(out + at[k], "\xEF\xBC\x8A", 3);
				else
					out[at[k]] = '*';
			}
		} else if ((len = sci_len(out + i, n - i)) > 0) {
			/* 5.10117E+17: the digits after the first stay hidden */
			j = i + len;
			for (k = i + 1; k < j; k++)
				if (isdigit((unsigned char)out[k]) &&
				    k < j - 3)
					out[k] = '*';
		}
		prev_digit = 0;
		i = j > i ? j : i + 1;
	}
	return out;
}
