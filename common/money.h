/*
 * money.h - exact decimal money in integer fen.
 *
 * Amounts are parsed straight from their decimal text to int64 fen: no
 * binary floating point anywhere. A value more precise than a fen in its
 * unit (12.345 元, 0.0000001 万元) is an error, never rounded silently.
 * Display rounds half-up (四舍五入), away from zero for negatives.
 */
#ifndef RS_MONEY_H
#define RS_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Amount units: how many fen one unit holds, as a power of ten. */
enum money_unit { MU_FEN = 0, MU_YUAN = 2, MU_WAN = 6 };

enum money_status {
	MONEY_OK = 0,
	MONEY_EMPTY,        /* nothing but spaces */
	MONEY_NOT_NUMBER,   /* not a decimal number */
	MONEY_TOO_PRECISE,  /* finer than a fen */
	MONEY_TOO_LARGE,    /* beyond +-10^15 fen */
};

/*
 * Parses s (already width-folded: ASCII digits) to fen. Accepts an optional
 * sign, thousands separators ',' between digit groups, and '.' as the
 * decimal point (the caller maps 。 or ． to '.' first when the mapping
 * says so). *fen is set only on MONEY_OK.
 */
enum money_status money_parse(const char *s, size_t n, enum money_unit unit,
			      int64_t *fen);

/* Parses a whole decimal integer of at most 18 digits, with an optional
 * '-', and nothing else. Returns 0, or -1 with *out unchanged. */
int parse_int64(const char *s, int64_t *out);

/* Formats fen as yuan with two decimals ("-12.30"). buf >= 32 bytes. */
char *money_fmt_yuan(int64_t fen, char *buf);
/* Formats fen as 万元 rounded half-up to two decimals. buf >= 32 bytes. */
char *money_fmt_wan(int64_t fen, char *buf);
/* Formats num/den (fen per unit) as yuan, half-up to two decimals
 * ("734.00"); den must be > 0. buf >= 32 bytes. */
char *money_fmt_ratio(int64_t num_fen, int64_t den, char *buf);
/*
 * Adds v to *acc. Returns 0, or -1 when the sum leaves int64 (the caller
 * fails the run naming the group: a sum never wraps); *acc is then
 * unchanged.
 */
static inline int money_add(int64_t *acc, int64_t v)
{
	int64_t r;

	if (__builtin_add_overflow(*acc, v, &r))
		return -1;
	*acc = r;
	return 0;
}

/* Divides half-up: round(num / den) for den > 0. */
int64_t div_half_up(int64_t num, int64_t den);

#endif
