/*
 * preview.c - rs-ingest --preview: the first rows of an export read through
 * its mapping, shown per canonical field (the header matched, raw values,
 * parsed values) with the rejects those rows would get, so a new mapping
 * can be tried before the first run. Nothing is written; IDs are masked.
 */
#include <stdio.h>
#include <string.h>

#include "ingest.h"

static void samples(FILE *out, const char *what, char *const *v)
{
	int i;

	fprintf(out, "    %-7s", what);
	if (!v[0])
		fputs(" -", out);
	for (i = 0; i < PREVIEW_SAMPLES && v[i]; i++)
		fprintf(out, "%s'%s'", i ? " | " : " ", v[i]);
	fputc('\n', out);
}

int ingest_preview_print(const struct ingest_preview *pv, const struct mapping *m,
			 const char *source, FILE *out)
{
	long rejected = pv->rows - pv->records;
	int f, i, first = 1;

	fprintf(out, "preview of '%s' through '%s': %ld data rows, header at record %ld; nothing written\n",
		source, m->path, pv->rows, pv->header_record);
	for (f = 0; f < F__COUNT; f++) {
		if (!pv->header[f]) {
			if (m->column[f] || m->position[f])
				continue;	/* cannot happen: a missing column stops */
			fprintf(out, "%-15s not mapped\n", field_names[f]);
			continue;
		}
		fprintf(out, "%-15s column %ld '%s'\n", field_names[f], pv->column[f],
			pv->header[f]);
		samples(out, "raw:", pv->raw[f]);
		samples(out, "parsed:", pv->parsed[f]);
	}
	fprintf(out, "rejects of these %ld rows: %ld", pv->rows, rejected);
	for (i = 0; i < RJ__COUNT; i++) {
		if (!pv->counts[i])
			continue;
		fprintf(out, "%s%s %ld", first ? " (" : ", ", reject_code_name(i), pv->counts[i]);
		first = 0;
	}
	fputs(first ? "\n" : ")\n", out);
	for (i = 0; i < RJ__COUNT; i++)
		if (pv->first[i])
			fprintf(out, "    %s, e.g. %s\n", reject_code_name(i), pv->first[i]);
	if (pv->too_precise * 2 > pv->rows && m->unit == MU_YUAN)
		fprintf(out, "likely fix: the amount column looks like 万元 (amounts more precise than a fen): set `amount_unit: 万元` in '%s'\n",
			m->path);
	return ferror(out) ? -1 : 0;
}
