/*
 * idnum.h - resident ID numbers (GB 11643-1999), DOMAIN.md section 5.
 *
 * Raw ID numbers stop at ingest. This module normalises and checks them,
 * derives birth date and sex, and masks them for reject files; nothing
 * here logs or stores an ID.
 */
#ifndef RS_IDNUM_H
#define RS_IDNUM_H

#include <stddef.h>

enum id_status {
	ID_OK = 0,
	ID_EMPTY,
	ID_MANGLED,       /* a spreadsheet turned it into a number: 5.10117E+17 */
	ID_LENGTH,        /* not 18 characters */
	ID_CHARS,         /* not 17 digits and a digit or X */
	ID_PROVINCE,      /* characters 1-2 are no province code */
	ID_BIRTH_DATE,    /* characters 7-14 are no real date */
	ID_FUTURE_BIRTH,  /* born after the reference date */
	ID_CHECK_DIGIT,   /* wrong check character */
};

/*
 * Normalises s (full-width folded already or not: this folds ０-９ and Ｘ
 * too), drops blanks anywhere in it (spaces, tabs, NBSP, U+3000 and the
 * other Unicode spaces: 410103 19400104 0784), uppercases x. Writes 18 characters + NUL into out (size 19)
 * when the shape is right. today is YYYYMMDD as an integer (births after
 * it are rejected). Returns the status; on ID_OK out holds the ID.
 */
enum id_status id_check(const char *s, size_t n, long today, char out[19]);
/* A short English description of a status, for reject messages. */
const char *id_status_text(enum id_status st);
/* The expected check character for the first 17 digits. */
char id_check_char(const char *id17);
/* Age in whole years on the last day of year-month (ym = year*12+month-1). */
int id_age_at(const char id[19], int ym);
/* 'M' or 'F' from the 17th character. */
char id_sex(const char id[19]);

/*
 * Copies s to out masking every ID-shaped token: a chain of 14 or more
 * digits (full-width digits count too; a final X/x after 13 counts) that
 * separators may break -- blanks, - . / \ _, controls and NUL, NBSP,
 * U+3000, zero-width and other Unicode spaces, an invalid byte or U+FFFD,
 * at most 4 in a row -- keeps its first 6 and last 4 digits and stars the
 * rest (510117********123X, 510117 ****-****-123X); a spreadsheet-mangled
 * number keeps its first digit. However an ID is written, wherever it
 * stands, at most 10 of its digits remain. A full-width digit becomes ＊,
 * so out has the length of s. out must hold n + 1 bytes; returns out.
 */
char *id_mask_text(const char *s, size_t n, char *out);

/*
 * Masks, in place, every occurrence of the name (trimmed) in text: its
 * first character stays, each later one becomes ＊ (or '*' per byte for a
 * 1- or 2-byte character), so text keeps its length: 张三丰 -> 张＊＊. A
 * name of one character is left as it is. This function can't fail.
 */
void name_mask_text(char *text, size_t n, const char *name, size_t nlen);

#endif
