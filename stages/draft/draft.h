/*
 * draft.h - drafts a mapping file from an export (rs-draft): what a new
 * district's statistician would otherwise write by hand from the README.
 */
#ifndef RS_DRAFT_H
#define RS_DRAFT_H

#include <stdio.h>

#include "catalog.h"
#include "error.h"

struct draft_opts {
	const char *input;
	const char *sheet;          /* NULL: the first sheet with a header */
	const struct catalog *cat;
};

/*
 * Reads the export (CSV, .xlsx or .xls) and writes a mapping YAML to out:
 * encoding and delimiter (CSV), sheet (workbooks), header_row: auto with
 * the record it found, each canonical field matched from a table of
 * common header names, amount_unit from the header or the magnitudes,
 * the month form, and program labels not in the catalog: mapped (UNSURE)
 * to the one program a name or alias of which has the label's characters
 * in another order, brackets and punctuation aside, else commented TODO
 * lines, most rows first. Every guess it is unsure of says so in an UNSURE comment;
 * *unsure counts them. Returns 0; 2 when no header can be found (err
 * names what was looked at); 1 for an I/O failure.
 */
int draft_run(const struct draft_opts *o, FILE *out, int *unsure,
	      struct rs_error *err);

#endif
