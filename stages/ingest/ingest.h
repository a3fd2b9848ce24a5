/*
 * ingest.h - the ingest loop: one source export in, canonical records and
 * rejects out. Every data row ends as exactly one of the two.
 */
#ifndef RS_INGEST_H
#define RS_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "canon.h"
#include "catalog.h"
#include "gate.h"
#include "mapping.h"
#include "pseudo.h"

/* The default ceiling of one payment: 1,000,000.00 yuan. With it, 92
 * billion payments are needed to overflow a sum in int64 fen. */
#define INGEST_MAX_FEN ((int64_t)100000000)

struct ingest_opts {
	const char *input;
	const char *source;       /* name written in the source column */
	const char *out, *rejects, *summary;
	const struct mapping *map;
	const struct catalog *cat;
	const struct pseudo_key *key;
	long today;               /* YYYYMMDD: births after it are impossible */
	int64_t max_fen;          /* the largest plausible payment, in fen (its
				     absolute value); 0: INGEST_MAX_FEN */
	long max_quoted_lines;    /* lines a quoted field may span; 0:
				     CSVIN_MAX_LINES */
	/* Partitioning: only rows whose region code starts with one of these
	 * prefixes are this run's; the others belong to other partitions and
	 * are counted, not read. Rows whose region cannot be read go to the
	 * one partition run with take_unattributed, so that the partitions of
	 * a file together hold every row exactly once. */
	char **prefixes;
	size_t nprefixes;
	int exclude;              /* prefixes name the rows NOT this run's (the
				     catch-all partition after the others) */
	int take_unattributed;
	const struct rs_gate *gate;  /* the loss gate; NULL: none */
	/* Preview: read only the first `preview` data rows, write nothing
	 * (no key needed), and fill *pv instead. 0: a normal run. */
	long preview;
	struct ingest_preview *pv;
};

#define PREVIEW_SAMPLES 3

/*
 * What rs-ingest --preview shows, per canonical field: the header cell it
 * matched and its 1-based column (NULL/0 when the mapping does not name
 * it), the first few distinct raw values (ID-shaped tokens masked) and
 * parsed values (of rows that became records); and the rejects those rows
 * would get, with the first message of each reason (masked).
 */
struct ingest_preview {
	char *header[F__COUNT];
	long column[F__COUNT];
	char *raw[F__COUNT][PREVIEW_SAMPLES];
	char *parsed[F__COUNT][PREVIEW_SAMPLES];
	long counts[RJ__COUNT];
	char *first[RJ__COUNT];
	long rows, records, too_precise;
	long header_record;       /* the record used as the header */
};
void ingest_preview_release(struct ingest_preview *pv);
/* Prints the preview for a reader (preview.c). Returns 0, -1 on a write
 * error. */
int ingest_preview_print(const struct ingest_preview *pv, const struct mapping *m,
			 const char *source, FILE *out);

struct ingest_stats {
	long rows_read, records;  /* rows_read: this partition's rows;
				     rows_read = records + rejects + totals
				     + footers */
	long counts[RJ__COUNT];
	long other_partitions;    /* rows left to other partitions */
	long totals;              /* total rows (合计/小计/总计): counted in
				     rows_read, neither records nor rejects */
	long footers;             /* footer rows (制表人, 审核人, 说明 ...)
				     after the last data row of a sheet:
				     counted in rows_read, neither records
				     nor rejects */
	long total_mismatches;    /* total rows that disagree with their rows */
	long too_precise;         /* bad_amount rows more precise than a fen */
	long bad_bytes;           /* bytes invalid in the encoding read, over
				     the bad_encoding rows; the first at
				     bad_line:bad_col (byte column) */
	long bad_line, bad_col;
	int bad_gb18030;          /* they were read as GB18030 */
	long trailing_empty;      /* malformed_line rows with one field more
				     than the header, the last one empty */
	long header_line;         /* the header's physical line */
	long unit_marks;          /* bad_amount rows whose amount carries a
				     unit or sign the mapping's unit denies
				     (0.07万元 read in 元); the first one's
				     mark, a static string */
	const char *unit_mark;
	long serial_months;       /* bad_period rows whose month is a
				     spreadsheet day number (serial_dates
				     unset); the first one's number */
	long serial_first;
	struct gate_verdict verdict;
	char *sample;             /* the gate's top reason, first reject (masked);
				     the caller frees it */
	char *sheets;             /* a workbook: the sheets read ("1月, 2月"),
				     NULL for CSV; the caller frees it */
	long nsheets;
};

/*
 * Runs the stage. Returns 0 (also when over the gate: st->verdict.over
 * says so, every output is written and the summary records it); 2 for a configuration error (a required
 * column missing from the header: the message names the column and the
 * mapping, lists the header found and what the bytes suggest; a
 * workbook that cannot be read, or lacks the mapping's sheet); 1 for a
 * data or I/O failure, or a total row that disagrees with its rows when
 * the mapping's total_mismatch is fail (outputs written). err is filled
 * when non-zero. The input may be CSV, .xlsx or .xls (rowsrc.h).
 */
int ingest_run(const struct ingest_opts *o, struct ingest_stats *st,
	       struct rs_error *err);

/*
 * For a mapping that lacks the required field (mapping_load_lax): looks
 * through the first records of input, read with the mapping's encoding,
 * delimiter and sheet, for the header cell that most likely holds it (a
 * common name for the field, in the record holding most of the columns
 * the mapping names, no cell the mapping names already) and appends "the
 * export's header (line L) has 'NAME' in column C: add `field: NAME`
 * under `columns:`" to out. Returns 1 if it found one, 0 if not (the
 * file unreadable too). This function can't fail (suggest.c).
 */
int ingest_suggest_column(const struct mapping *m, const char *input, int field,
			  struct sbuf *out);

#endif
