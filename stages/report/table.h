/*
 * table.h - report tables, their rendering, and small-cell suppression.
 *
 * A struct table is a grid of display strings with, per cell, a flag that
 * hides it in the published version. It is built once and rendered twice:
 * internal (every value) and published (hidden cells as "*", plus the
 * published-only notes). CSV output is the header row and the data rows,
 * RFC 4180, LF line ends; Markdown output is a "## heading", a pipe table
 * and the notes. The page (html.c), the workbook (xlsx.c) and the bulletin
 * (bulletin.c) read the same cells through table_text() and table_notes(),
 * so every format shows the same figures and hides the same ones.
 *
 * struct sdc is the suppression engine. Units are the things hidden
 * together (a row of the programs table, a cell pair of the months table);
 * lines are the additive relations "total = sum of members", within a
 * table or across tables (the months table's period cell of a program is
 * the sum of the programs table's rows of that program). Primary units are
 * hidden first; then, until nothing changes, a line with exactly one hidden
 * unit gets a second one. Forced choices go first (a line with a single
 * other non-zero unit, such as an equality between two tables); otherwise
 * the visible non-zero member that repairs the most such lines (less those
 * it would newly break) is hidden, the lightest on a tie, or, if no member
 * can be, the total. A line with two or more hidden units cannot
 * give any one of them back by subtraction by itself; several lines
 * together still may (a + b = 11, a + c = 8, b + c + d = 9 ...), so an
 * audit then checks, over all the lines of all the tables at once (the
 * identities between tables too: a stock is a month's cell, table 5's
 * flows a difference of two months), that no hidden unit is fixed by the
 * published ones; for one that is, it finds exactly the lightest unit, or
 * pair, whose hiding sets it free, and hides more until none is fixed.
 * Ties make a unit follow another: the stock cells of a programs row are
 * hidden whenever the row is, and may be hidden alone.
 */
#ifndef RS_REPORT_TABLE_H
#define RS_REPORT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/*
 * A cell: its display text, whether the published version hides it, and
 * for counts and money the exact value behind the text (a count, or fen
 * for a 万元 cell), so year-on-year changes are computed from exact
 * values, never from rounded ones.
 */
struct tcell {
	char *text;
	int hidden;
	int has_v;               /* 0: text only; V_COUNT; V_WAN (v in fen) */
	int64_t v;
};
enum { V_NONE, V_COUNT, V_WAN };

/* How a row reads: ordinary, a subtotal (小计, a county), or the 合计. */
enum { ROW_PLAIN, ROW_SUB, ROW_TOTAL };

struct table {
	char *name;              /* file stem: "programs-2024" */
	char *heading;           /* "同安区2024年分项目汇总表" */
	size_t ncols;
	char **cols;
	unsigned char *right;    /* per column: right-aligned in Markdown */
	struct tcell *cells;     /* nrows x ncols */
	size_t nrows, rcap;
	char **rkey;             /* per row: a key that names the row across
				    years (NULL: none), see table_yoy() */
	unsigned char *rstyle;   /* per row: ROW_PLAIN, ROW_SUB, ROW_TOTAL */
	size_t nleft;            /* leading label columns (frozen in XLSX) */
	char **notes;            /* shown in both versions */
	size_t nnotes;
	char **pub_notes;        /* shown in the published version only */
	size_t npub_notes;
	char **int_notes;        /* shown in the internal version only */
	size_t nint_notes;
};

void table_init(struct table *t, const char *name, const char *heading,
		const char *const *cols, size_t ncols, size_t nleft);
void table_release(struct table *t);
/* Appends an empty row and returns its index. */
size_t table_add_row(struct table *t);
/* Sets a cell's text (copied). */
void table_set(struct table *t, size_t row, size_t col, const char *text);
void table_setf(struct table *t, size_t row, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A count (text "%lld", exact value n), and fen shown as 万元 (half-up,
 * two decimals, exact value fen). */
void table_set_count(struct table *t, size_t row, size_t col, int64_t n);
void table_set_wan(struct table *t, size_t row, size_t col, int64_t fen);
void table_set_key(struct table *t, size_t row, const char *key);
void table_set_style(struct table *t, size_t row, int style);
void table_hide(struct table *t, size_t row, size_t col);
/* The text a version shows: "*" for a hidden cell when published. */
const char *table_text(const struct table *t, size_t row, size_t col,
		       int published);
/* The row whose key is key, or (size_t)-1. */
size_t table_find_key(const struct table *t, const char *key);

/* Display width of UTF-8 text: a CJK (wide) character counts as two, as
 * spreadsheets and monospace layouts need. */
size_t utf8_width(const char *s);

/* num / den in per cent, half-up to one decimal ("12.5", "-0.4"); den > 0.
 * buf >= 48 bytes. */
char *fmt_pct1(int64_t num, int64_t den, char *buf);

/*
 * Year-on-year columns: for each row of t with a key, the row of prev
 * (the same table a year earlier, built and suppressed the same way) with
 * that key gives the base, in prev's column named as src (columns differ
 * when the programs paid do). For src, a count or 万元 column, chg gets the
 * exact change (shown like src) and pct the change in per cent of the base,
 * half-up to one decimal; "—" when the row is new, the base is zero, or
 * src has no value. prev == NULL fills "—". A change is hidden when src is
 * hidden this year or was hidden in prev's published version: published
 * with both ends it adds nothing; with either end hidden it would give
 * that end back.
 */
void table_yoy(struct table *t, const struct table *prev, size_t src,
	       size_t chg, size_t pct);

enum note_where { NOTE_BOTH, NOTE_PUBLISHED, NOTE_INTERNAL };
void table_note(struct table *t, enum note_where where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Renders into out (appending). published: hidden cells become "*".
 * A CSV is the header row and the data rows, no notes. */
void table_csv(const struct table *t, int published, struct sbuf *out);
/* The notes a version shows, in order: calls fn for each. */
void table_notes(const struct table *t, int published,
		 void (*fn)(const char *note, void *ctx), void *ctx);
void table_md(const struct table *t, int published, struct sbuf *out);

struct sdc_line {
	size_t total;
	size_t first, count;     /* members: sdc.member[first .. first+count) */
	int family;              /* which columns the relation holds for */
};

/* Lines hold for some columns only: the additive ones (人次, 户次, 支出),
 * the stocks, which relate only the monthly programs' rows, or the
 * counts of table 5 (其中 lines and flows), each cell a unit of its own.
 * The stock lines include the identities between tables: a program's
 * 期末保障人数 is the persons of its last month's payments, the months
 * table's last-month 人次 of that program. So a unit of either family
 * holds one value that the lines of both relate (the stock columns of a
 * programs row are a unit apart from the row), and the audit solves the
 * additive and stock lines together. */
enum { SDC_ADDITIVE, SDC_STOCK, SDC_PEOPLE, SDC_NFAMILIES };

struct sdc {
	size_t n, cap;
	int64_t *weight;
	unsigned char *nonzero, *hidden, *primary;
	size_t *member;
	unsigned char *neg;      /* per member: 1 if it counts with a minus */
	size_t nmember, mcap;
	struct sdc_line *line;
	size_t nline, lcap;
	size_t *tie;             /* pairs (leader, follower) */
	size_t ntie, tcap;
};

void sdc_init(struct sdc *s);
void sdc_release(struct sdc *s);
/* Adds a unit and returns its index: its weight (smaller is hidden first),
 * whether any of its values is non-zero, and whether it is sensitive by
 * itself (ignored for an all-zero unit: zeros are not sensitive). */
size_t sdc_unit(struct sdc *s, int64_t weight, int nonzero, int primary);
/* Starts a line with the given total and family; sdc_member() adds its
 * members. */
void sdc_line(struct sdc *s, size_t total, int family);
void sdc_member(struct sdc *s, size_t unit);
/* A member that the total subtracts: total = ... - unit (a flow's exits). */
void sdc_member_neg(struct sdc *s, size_t unit);
/* Hides follower whenever leader is hidden (the stock cells of a hidden
 * programs row). */
void sdc_tie(struct sdc *s, size_t leader, size_t follower);
/* Runs primary and secondary suppression; s->hidden holds the result. */
void sdc_run(struct sdc *s);

#endif
