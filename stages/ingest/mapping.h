/*
 * mapping.h - how one family of source exports maps onto the canonical
 * record. A new district's export is taken by writing a mapping file,
 * never by changing code. The format is documented in README.md
 * ("Mapping files") and in samples/mappings/.
 */
#ifndef RS_INGEST_MAPPING_H
#define RS_INGEST_MAPPING_H

#include "csvin.h"
#include "error.h"
#include "gate.h"
#include "money.h"

enum field_id {
	F_REGION, F_ID, F_PROGRAM, F_AREA, F_HOUSEHOLD, F_PERSONS, F_PERIOD,
	F_AMOUNT, F_FUNDING, F_SUPPORT_MODE, F_KIND, F_COVERS,
	F__COUNT
};

struct label_map {
	char **from;     /* normalised labels */
	char **to;
	long *line, *col;  /* the code's position in the mapping */
	size_t n;
};

struct mapping {
	char *path;
	enum rs_encoding encoding;
	long encoding_line, encoding_col; /* YAML position of encoding:; 0 unset */
	unsigned char delim;
	long header_row;                 /* 1-based non-blank record number;
					    0: auto (found by the column names) */
	char *sheet;                     /* workbook sheet; NULL: the first
					    visible one, or every visible
					    one with the same header */
	char **sheets;                   /* sheets: [A, B]: these, in order */
	size_t nsheets;
	int sheets_all;                  /* sheets: all */
	int date_flags;                  /* RS_DATE_* (period.h): day/month
					    order, serial dates */
	int total_mismatch_fails;        /* a total row that disagrees with
					    its rows fails the stage */
	enum money_unit unit;
	long unit_line;                  /* YAML line of amount_unit; 0 unset */
	struct rs_gate gate;      /* max_reject_rate(s); GATE_DEFAULT_RATE else */
	char *decimal_points;            /* extra decimal point strings, NUL separated */
	size_t ndecimal;
	char *column[F__COUNT];          /* header name (normalised), or NULL */
	long position[F__COUNT];         /* 1-based column number, or 0 */
	long line[F__COUNT];             /* YAML line of the column entry */
	struct label_map programs;
	struct label_map areas;
	char *reversal_marker;           /* normalised, or NULL */
	char *backpay_marker;            /* normalised, or NULL */
};

extern const char *const field_names[F__COUNT];

/* Loads the mapping file path into m. Returns 0, or -1 with err filled
 * (file:line:column, the fix) and m released. */
int mapping_load(struct mapping *m, const char *path, struct rs_error *err);
/* As mapping_load, except for a mapping whose only fault is a required
 * field missing from columns: then it returns 0 with *lacks that field
 * (enum field_id) and err filled, and m loaded without it, for the caller
 * to look for the column in the export (ingest_suggest_column) before it
 * releases m and stops; a mapping with that fault must not be run.
 * *lacks is -1 otherwise. */
int mapping_load_lax(struct mapping *m, const char *path, int *lacks,
		     struct rs_error *err);
void mapping_release(struct mapping *m);
/* Looks label up in a label map; NULL if absent. */
const char *label_map_find(const struct label_map *lm, const char *label);
/* The area ("urban", "rural") of a normalised area label: the mapping's
 * areas:, else the common ones (城镇, 城市, 城区 / 农村, 乡村). NULL if
 * neither knows it. */
const char *mapping_area(const struct mapping *m, const char *label);

struct catalog;
struct program;
/* The catalog program of a normalised program label: the code the
 * mapping's programs: give it, else the catalog's own codes, names and
 * aliases (catalog_lookup_label). NULL if neither knows it, or if the
 * mapping gives a code the catalog lacks. Ingest and the runner's explain
 * both use it, so explain places a reject's raw row as ingest read it. */
const struct program *mapping_program(const struct mapping *m,
				      const struct catalog *cat,
				      const char *label);
/*
 * For a mapping that lacks the required field (mapping_load_lax): looks
 * through the first records of input, read with the mapping's encoding,
 * delimiter and sheet, for the header cell that most likely holds it (a
 * common name for the field, in the record holding most of the columns
 * the mapping names, no cell the mapping names already) and appends "the
 * export's header (line L) has 'NAME' in column C: add `field: NAME`
 * under `columns:`" to out. Returns 1 if it found one, 0 if not (the
 * file unreadable too). This function can't fail. rs-ingest and the
 * runner's check both use it (ingest.h declares it too).
 */
int ingest_suggest_column(const struct mapping *m, const char *input, int field,
			  struct sbuf *out);
/*
 * Appends one line ("'m.yaml':L:C: ...; the fix") when the export input
 * cannot be what the mapping's encoding says: a mapping saying gb18030
 * for a file that starts with a UTF-8 byte order mark. Returns 1 then,
 * else 0 (an unreadable file too: the stage will say so). Can't fail.
 */
int mapping_check_input(const struct mapping *m, const char *input, struct sbuf *out);
/* Appends one line per label mapped to a code the catalog lacks ("'m.yaml':
 * L:C: ...; the fix") and returns how many. This function can't fail. */
int mapping_check(const struct mapping *m, const struct catalog *cat,
		  struct sbuf *out);

#endif
