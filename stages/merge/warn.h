/*
 * warn.h - beneficiaries paid by two inputs of one merge (rs-merge
 * --warnings).
 *
 * A partitioned pipeline validates each partition (a county's export, a
 * township of a big county) on its own, so the cross-row check for
 * duplicate payments (SPEC.md section 3, rank 14: same beneficiary, program
 * and month) cannot see two payments made in two partitions. The merge sees
 * every partition's rows, and this table is where such pairs surface: one
 * line per (beneficiary, program, period) found in two or more of the
 * merge's input files, naming the inputs and the region codes that paid.
 * At each level of a merge tree (county, city, province) it lists the pairs
 * that cross that level's inputs; pairs within one input were listed when
 * that input was merged, or rejected by validation.
 *
 * Memory is bounded by distinct keys, never by rows: a slot of about 40
 * bytes per distinct (beneficiary, program, period) over all inputs, 60 to
 * 120 bytes with the hash table's slack (measured: 413 MB for 3.96 M keys),
 * plus each distinct program, period and region string once, plus a small
 * record per key found in two inputs. The beneficiary is stored as the 16
 * bytes its 32 hex digits encode.
 */
#ifndef RS_MERGE_WARN_H
#define RS_MERGE_WARN_H

#include <stddef.h>

#include "aggrd.h"
#include "error.h"

struct wtable;

/* A new table for a merge of ninputs files; labels[i] names input i in
 * the table (the caller keeps them). This function can't fail. */
struct wtable *wtable_new(char *const *labels, size_t ninputs);
/* Notes that input i holds row. Fails only past WT_MAX_KEYS distinct keys. */
int wtable_add(struct wtable *w, size_t input, const struct agg_row *row,
	       struct rs_error *err);
/* How many keys are in two or more inputs so far. */
size_t wtable_count(const struct wtable *w);
/* How many distinct keys there are, in one input or more. */
size_t wtable_keys(const struct wtable *w);
/*
 * The two inputs (*a < *b) that share the most keys, and how many they
 * share; 0 when no key is in two inputs, or when there are more than
 * WT_PAIR_MAX inputs (the count would need too large a matrix).
 */
#define WT_PAIR_MAX 1024
size_t wtable_top_pair(const struct wtable *w, size_t *a, size_t *b);
/*
 * Writes the table to path atomically, gzip when it ends in .gz:
 * beneficiary,program,period,files,regions, sorted bytewise by the first
 * three; files and regions are ';'-separated (files in input order,
 * regions sorted). Returns 0, or -1 with err.
 */
int wtable_write(struct wtable *w, const char *path, struct rs_error *err);
void wtable_free(struct wtable *w);

#endif
