/*
 * money.c - exact decimal parsing and half-up display (see money.h).
 */
#include <stdio.h>
#include <string.h>

#include "money.h"

#define MONEY_LIMIT 1000000000000000LL   /* 10^15 fen = 10 trillion yuan */

enum money_status money_parse(const char *s, size_t n, enum money_unit unit,
			      int64_t *fen)
{
	size_t i = 0, end = n;
	int neg = 0, digits = 0, frac = 0, seen_point = 0, group = -1;
	int64_t v = 0;
	int scale = (int)unit;

	while (i < end && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (i == end)
		return MONEY_EMPTY;
	if (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-';
		i++;
	}
	for (; i < end; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (seen_point) {
				/* A digit past the fen must be zero. */
				if (frac >= scale) {
					if (c != '0')
						return MONEY_TOO_PRECISE;
					continue;
				}
				frac++;
			}
			if (v > MONEY_LIMIT)
				return MONEY_TOO_LARGE;
			v = v * 10 + (c - '0');
			digits++;
			if (group >= 0)
				group++;
		} else if (c == ',' && !seen_point && digits > 0) {
			/* thousands separator: groups of exactly three */
			if (group >= 0 && group != 3)
				return MONEY_NOT_NUMBER;
			if (group < 0 && digits > 3)
				return MONEY_NOT_NUMBER;
			group = 0;
		} else if (c == '.' && !seen_point) {
			if (group >= 0 && group != 3)
				return MONEY_NOT_NUMBER;
			seen_point = 1;
		} else {
			return MONEY_NOT_NUMBER;
		}
	}
	if (!digits || (group >= 0 && !seen_point && group != 3))
		return MONEY_NOT_NUMBER;
	for (; frac < scale; frac++) {
		if (v > MONEY_LIMIT)
			return MONEY_TOO_LARGE;
		v *= 10;
	}
	if (v > MONEY_LIMIT)
		return MONEY_TOO_LARGE;
	*fen = neg ? -v : v;
	return MONEY_OK;
}

int parse_int64(const char *s, int64_t *out)
{
	int64_t v = 0;
	int neg = 0, n = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n >= 18)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (!n)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

char *money_fmt_yuan(int64_t fen, char *buf)
{
	/* Digits are written backwards, then moved to the front: no printf,
	 * as this runs once per output row. */
	uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	char tmp[32], *e = tmp + sizeof(tmp), *d = e;
	uint64_t yuan = a / 100;

	*--d = '\0';
	*--d = (char)('0' + a % 10);
	*--d = (char)('0' + a / 10 % 10);
	*--d = '.';
	do {
		*--d = (char)('0' + yuan % 10);
		yuan /= 10;
	} while (yuan);
	if (fen < 0)
		*--d = '-';
	memcpy(buf, d, (size_t)(e - d));
	return buf;
}

int64_t div_half_up(int64_t num, int64_t den)
{
	int neg = (num < 0) != (den < 0);
	uint64_t a = num < 0 ? (uint64_t)0 - (uint64_t)num : (uint64_t)num;
	uint64_t b = den < 0 ? (uint64_t)0 - (uint64_t)den : (uint64_t)den;
	uint64_t q = a / b, r = a % b;

	if (r * 2 >= b)
		q++;
	return neg ? -(int64_t)q : (int64_t)q;
}

char *money_fmt_wan(int64_t fen, char *buf)
{
	/* 0.01 万元 = 100 元 = 10000 fen */
	return money_fmt_yuan(div_half_up(fen, 10000), buf);
}

char *money_fmt_ratio(int64_t num_fen, int64_t den, char *buf)
{
	return money_fmt_yuan(div_half_up(num_fen, den), buf);
}
