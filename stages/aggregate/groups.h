/*
 * groups.h - grouped measures with subtotals at every level of every
 * hierarchy, and the reconciliation check (SPEC.md section 4).
 *
 * A grouping names dimensions and their finest level: region (village,
 * township, county, city, province), program (catalog code, rolled up
 * through its parents), area, period (month, quarter, year, or the
 * reporting period), funding, support_mode. Every combination of levels
 * from each finest level up to the top (all regions, all programs, both
 * areas, the year) is a grouping set, as SQL's ROLLUP applied per
 * hierarchy and crossed (a CUBE of rollups).
 */
#ifndef RS_AGGREGATE_GROUPS_H
#define RS_AGGREGATE_GROUPS_H

#include "catalog.h"
#include "error.h"
#include "leaf.h"
#include "period.h"

enum period_grain { PG_MONTH, PG_QUARTER, PG_YEAR, PG_PERIOD };

struct group_spec {
	int region_level;       /* 0 province .. 4 village; -1 not grouped */
	int program, area, funding, mode;   /* grouped by? */
	int period_grain;       /* enum period_grain; -1 not grouped */
	struct period period;   /* the reporting period (first < 0: none) */
};

/* Parses "region=county,program,area,period=year". Returns 0 or -1. */
int group_spec_parse(const char *s, struct group_spec *spec, struct rs_error *err);

struct group_stats {
	size_t groups;
	size_t checks;          /* parent/child comparisons made */
};

/*
 * Computes every group from the leaves and writes them to path (gzip CSV,
 * sorted); then checks that each parent's additive measures equal the sum
 * of its children's exactly, that its distinct counts and stocks lie
 * between its largest child and the sum of its children, and that a
 * year's or quarter's stock equals its last month's. A failed check is an
 * error naming the group (the stage fails).
 */
int groups_write(const struct leafset *ls, const struct catalog *cat,
		 const struct group_spec *spec, const char *path,
		 struct group_stats *gs, struct rs_error *err);

#endif
