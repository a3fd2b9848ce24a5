/*
 * canon.h - the canonical record (SPEC.md section 2), rejects and stage
 * summaries: the files stages pass to each other.
 *
 * Records are written and read as gzip CSV with the header CANON_HEADER.
 * A reader checks the header and every field, so a damaged intermediate is
 * an error naming file and line, never a wrong number.
 */
#ifndef RS_CANON_H
#define RS_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "error.h"
#include "fileio.h"
#include "jsonw.h"
#include "sbuf.h"

#define CANON_HEADER "source,line,region_code,program,area,period,beneficiary,household_size,persons,amount,age,sex,funding,support_mode,kind,covers"
#define CANON_NFIELDS 16
/* Files written before kind and covers existed are still read. */
#define CANON_HEADER_V1 "source,line,region_code,program,area,period,beneficiary,household_size,persons,amount,age,sex,funding,support_mode"
#define CANON_NFIELDS_V1 14

/*
 * kind: "" for a payment; "reversal" (冲正: a negative amount that cancels
 * an earlier payment of the same beneficiary, program and month); "backpay"
 * (补发: paid in the record's period for the months in covers,
 * "YYYY-MM..YYYY-MM"); a reversal with covers cancels a back-payment.
 * See README "Reversals and back-pay".
 */
enum record_kind { RK_PAYMENT, RK_REVERSAL, RK_BACKPAY };

struct record {
	const char *source;
	long line;
	const char *region;      /* 12 digits */
	const char *program;     /* catalog code */
	const char *area;        /* urban | rural */
	int ym;                  /* period as year*12 + month-1 */
	const char *beneficiary; /* 32 hex */
	long household_size;     /* 0 when unknown */
	long persons;
	int64_t amount;          /* fen */
	int age;                 /* -1 when unknown */
	char sex;                /* 'M', 'F' or 0 */
	const char *funding;     /* "" when absent */
	const char *support_mode;
	enum record_kind kind;
	int covers_first, covers_last;   /* ym; -1 unless a back-payment or
					    the reversal of one */
};

/* Appends one record as a CSV line (with '\n') to sb. */
void record_format(const struct record *r, struct sbuf *sb);

typedef int (*record_fn)(const struct record *r, const struct csv_row *row,
			 void *ctx, struct rs_error *err);

/* Streams the records of a canonical file. Returns 0, or -1 with err filled
 * ("'f' line 12: bad amount '1x'"); *nread counts data rows seen. */
int record_read(const char *path, record_fn fn, void *ctx, long *nread,
		struct rs_error *err);

/*
 * Reject codes in SPEC.md section 3's order (rank = index + 1).
 */
enum reject_code {
	RJ_MALFORMED_LINE, RJ_BAD_ENCODING, RJ_MISSING_FIELD, RJ_BAD_ID,
	RJ_BAD_AMOUNT, RJ_NEGATIVE_AMOUNT, RJ_BAD_PERIOD, RJ_UNKNOWN_PROGRAM,
	RJ_UNKNOWN_REGION, RJ_PERIOD_OUT_OF_RANGE, RJ_PERSONS_OUT_OF_RANGE,
	RJ_AGE_INELIGIBLE, RJ_OFF_STANDARD, RJ_DUPLICATE_PAYMENT,
	RJ_CONFLICTING_PROGRAMS,
	/* not in SPEC.md's table: ranked after it */
	RJ_UNKNOWN_AREA, RJ_UNMATCHED_REVERSAL,
	RJ__COUNT
};
const char *reject_code_name(enum reject_code c);
/* The reject code whose name is the len bytes at name ("bad_id" -> RJ_BAD_ID;
 * name need not be NUL-terminated), or -1 for a name it does not know. */
int reject_code_lookup(const char *name, size_t len);
/* The Chinese name of a reason code ("malformed_line" -> 字段数不符), or
 * NULL for a code it does not know. */
const char *reject_code_zh(const char *code);

#define REJECTS_HEADER "source,line,reason,field,message,raw"

/* A reject file: opened mode 0600; every ID-shaped token of the message
 * and the raw text is masked before it is written (id_mask_text), and so
 * is the name a caller sets in name/name_len before rejects_add
 * (name_mask_text: ingest points it at the row's 户主姓名). */
struct rejects {
	struct rs_out out;
	struct sbuf line;
	const char *name;           /* borrowed, NULL: none */
	size_t name_len;
	long counts[RJ__COUNT];
	long total;
	/* The first reject of each reason, masked, for a stage's gate message
	 * ("x.csv:12: amount '0.1451' is more precise than a fen | raw...");
	 * kept until rejects_sample_release (commit and abort leave them). */
	char *sample[RJ__COUNT];
};
int rejects_open(struct rejects *rj, const char *path, struct rs_error *err);
void rejects_add(struct rejects *rj, const char *source, long line,
		 enum reject_code code, const char *field, const char *message,
		 const char *raw, size_t raw_len);
int rejects_commit(struct rejects *rj, struct rs_error *err);
/* The reject file's output, for rs_out_commit_set (no more rejects_add). */
struct rs_out *rejects_out(struct rejects *rj);
void rejects_abort(struct rejects *rj);
void rejects_sample_release(struct rejects *rj);

/*
 * Writes a stage summary as JSON (jansson, one line):
 * {"stage":"ingest","source":"x.csv","rows_read":N,"records":N,
 *  "rejects":{"bad_id":6,...},"reject_total":N, ...extra's members}
 * Reject codes appear in rank order, zero counts left out; extra (an
 * object, or NULL) adds its members in the order they were set.
 */
int summary_write(const char *path, const char *stage, const char *source,
		  long rows_read, long records, const long counts[RJ__COUNT],
		  const json_t *extra, struct rs_error *err);
/* summary_write's file opened and written in out, not committed: for a
 * stage's rs_out_commit_set. Returns 0, or -1 with err filled (nothing
 * open then). */
int summary_prepare(struct rs_out *out, const char *path, const char *stage,
		    const char *source, long rows_read, long records,
		    const long counts[RJ__COUNT], const json_t *extra,
		    struct rs_error *err);

/* Appends " (bad_id 6, missing_field 6)" for the non-zero counts, in rank
 * order; nothing when all are zero. */
void reject_counts_format(const long counts[RJ__COUNT], struct sbuf *sb);


/* Finds a default data file (catalog, regions, rules): in $RS_DATADIR;
 * else beside the program (PREFIX/share/reliefstat when installed,
 * samples/reference in the source tree); else the compile-time RS_DATADIR.
 * Writes dir/name into out. */
void rs_data_path(const char *name, char *out, size_t outsz);

#endif
