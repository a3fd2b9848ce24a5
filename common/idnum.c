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

/*
 * The length of the blank at s: a space or tab, NBSP, U+2000-200B, U+202F,
 * U+205F, U+3000 or U+FEFF; 0 if none. Blanks inside an ID are what a
 * clerk's grouping (410103 19400104 0784) or a copy from a web page or a
 * word processor leave; with them dropped, 18 characters that pass the
 * birth date and check digit are that ID and no other.
 */
static size_t id_blank_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == ' ' || u[0] == '\t')
		return 1;
	if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (n < 3)
		return 0;
	if (u[0] == 0xE2 && u[1] == 0x80 && ((u[2] >= 0x80 && u[2] <= 0x8B) || u[2] == 0xAF))
		return 3;
	if (u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F)
		return 3;
	if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	if (u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		return 3;
	return 0;
}

enum id_status id_check(const char *s, size_t n, long today, char out[19])
{
	char buf[64];
	size_t i = 0, k = 0;
	int y, m, d;

	/* Trim, drop blanks (id_blank_at), fold full-width digits, Ｘ/ｘ,
	 * and lowercase x. */
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return ID_EMPTY;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t b = id_blank_at(s + i, n - i);

		if (b) {
			i += b - 1;
			continue;
		}
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
	if (!k)
		return ID_EMPTY;
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
static size_t digit_at(const char *s, size_t n);

static size_t sci_len(const char *s, size_t n)
{
	size_t i = 0, mant = 0, e = 0;

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
	/* An exponent has one or two digits (E+17): more digits after the
	 * E are a chain of their own, for id_mask_text to judge. */
	while (i < n && isdigit((unsigned char)s[i]) && e < 3)
		i++, e++;
	if (e > 2 || digit_at(s + i, n - i))
		return 0;
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
 * Bytes of a separator character at s, or 0: what a clerk, a converter or
 * a damaged file may put between the digits of an ID. ASCII blanks and
 * controls (NUL included), - . / \ _, and the Unicode spaces, hyphens,
 * zero-width and format characters, the ideographic space, 、 。 ・, the
 * full-width － ． ／ ＿, U+FFFD (an invalid byte decoded), and a byte
 * that starts no valid UTF-8 character (an invalid byte left raw).
 */
static size_t sep_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, k;

	if (u[0] < 0x80)
		return (u[0] < 0x20 || u[0] == ' ' || u[0] == '-' || u[0] == '.' ||
			u[0] == '/' || u[0] == '\\' || u[0] == '_' || u[0] == 0x7F);
	len = u[0] >= 0xF0 && u[0] <= 0xF4 ? 4 : u[0] >= 0xE0 ? 3 :
	      u[0] >= 0xC2 && u[0] < 0xE0 ? 2 : 0;
	if (!len || len > n)
		return 1;
	for (k = 1; k < len; k++)
		if ((u[k] & 0xC0) != 0x80)
			return 1;
	if (len == 2)
		return u[0] == 0xC2 && (u[1] == 0xA0 || u[1] == 0xAD) ? 2 : 0;
	if (len != 3)
		return 0;
	if (u[0] == 0xE2 && u[1] == 0x80 &&
	    ((u[2] >= 0x80 && u[2] <= 0x95) || (u[2] >= 0xA8 && u[2] <= 0xAF)))
		return 3;   /* U+2000-2015, U+2028-202F */
	if (u[0] == 0xE2 && u[1] == 0x81 && u[2] >= 0x9F && u[2] <= 0xA4)
		return 3;   /* U+205F-2064 */
	if (u[0] == 0xE3 && ((u[1] == 0x80 && u[2] <= 0x82) ||
			     (u[1] == 0x83 && u[2] == 0xBB)))
		return 3;   /* U+3000-3002, U+30FB */
	if (u[0] == 0xEF && ((u[1] == 0xBB && u[2] == 0xBF) ||
			     (u[1] == 0xBF && u[2] == 0xBD) ||
			     (u[1] == 0xBC && (u[2] == 0x8D || u[2] == 0x8E ||
					       u[2] == 0x8F || u[2] == 0xBF))))
		return 3;   /* BOM, U+FFFD, － ． ／ ＿ */
	return 0;
}

/*
 * The end of the separator run at i (at most ID_SEP_MAX characters) when
 * a digit (or, past 12 digits, a final X) follows it; i itself otherwise.
 */
#define ID_SEP_MAX 4

static size_t skip_sep(const char *s, size_t n, size_t i, size_t ndig)
{
	size_t k = i, u;
	int m = 0;

	while (k < n && m < ID_SEP_MAX && (u = sep_at(s + k, n - k))) {
		k += u;
		m++;
	}
	if (m && k < n && (digit_at(s + k, n - k) ||
			   (ndig >= 13 && check_x_at(s + k, n - k))))
		return k;
	return i;
}

/*
 * A chain is a run of digits (ASCII or full-width, counted in characters)
 * that separators may break (sep_at, at most ID_SEP_MAX in a row), ended
 * by an optional X once 13 digits are in. A chain of MASK_MIN or more
 * characters is masked whatever its length, so an ID with a separator, a
 * NUL, an invalid byte or one digit too many never shows more than its
 * first 6 and last 4 characters, 10 of its 18. A masked full-width digit
 * becomes the full-width ＊, also 3 bytes, so the text keeps its length.
 */
#define MASK_MIN 14

char *id_mask_text(const char *s, size_t n, char *out)
{
	size_t i = 0;

	memcpy(out, s, n);
	out[n] = '\0';
	while (i < n) {
		size_t j = i, len = 0, k, u = digit_at(out + i, n - i), d;

		if (!u) {
			i++;
			continue;
		}
		/* first pass: the chain's end and its length in characters */
		for (;;) {
			if ((u = digit_at(out + j, n - j))) {
				len++;
				j += u;
				continue;
			}
			if (len >= 13 && (u = check_x_at(out + j, n - j))) {
				len++;
				j += u;
				break;
			}
			k = skip_sep(out, n, j, len);
			if (k == j)
				break;
			j = k;
		}
		if (len >= MASK_MIN) {
			/* 510117********123X: first 6 and last 4 stay */
			for (k = i, d = 0; k < j; ) {
				if ((u = digit_at(out + k, n - k)) ||
				    (u = check_x_at(out + k, n - k))) {
					if (d >= 6 && d + 4 < len) {
						if (u == 3)
							memcpy(out + k, "\xEF\xBC\x8A", 3);
						else
							out[k] = '*';
					}
					d++;
					k += u;
				} else {
					k++;
				}
			}
		} else if ((len = sci_len(out + i, n - i)) > 0) {
			/* 5.10117E+17: the digits after the first stay hidden */
			j = i + len;
			for (k = i + 1; k < j; k++)
				if (isdigit((unsigned char)out[k]) &&
				    k < j - 3)
					out[k] = '*';
		}
		i = j > i ? j : i + 1;
	}
	return out;
}

/* Bytes of the UTF-8 character at s (1 for an invalid byte). */
static size_t char_len(const unsigned char *u, size_t n)
{
	size_t len = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 1;

	return len <= n ? len : 1;
}

void name_mask_text(char *text, size_t n, const char *name, size_t nlen)
{
	const unsigned char *u = (const unsigned char *)name;
	size_t first, i, k;

	while (nlen && (name[0] == ' ' || name[0] == '\t')) {
		name++, u++;
		nlen--;
	}
	while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
		nlen--;
	if (!nlen)
		return;
	first = char_len(u, nlen);
	if (first >= nlen)
		return;
	for (i = 0; i + nlen <= n; i++) {
		if (memcmp(text + i, name, nlen))
			continue;
		for (k = i + first; k < i + nlen; ) {
			size_t l = char_len((const unsigned char *)text + k,
					    i + nlen - k);

			if (l >= 3) {
				memcpy(text + k, "\xEF\xBC\x8A", 3);
				if (l == 4)
					text[k + 3] = '*';
			} else {
				memset(text + k, '*', l);
			}
			k += l;
		}
		i += nlen - 1;
	}
}
