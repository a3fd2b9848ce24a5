/*
 * regions.h - the statistical division table (reference/regions.csv).
 *
 * Codes are stored in their 12-digit NBS form (a county 410103 is
 * 410103000000). Levels: province (2 significant digits), city (4),
 * county (6), township (9), village (12).
 */
#ifndef RS_REGIONS_H
#define RS_REGIONS_H

#include <stddef.h>

#include "error.h"

enum region_level { RL_PROVINCE, RL_CITY, RL_COUNTY, RL_TOWNSHIP, RL_VILLAGE };

struct region {
	char code[13];       /* 12 digits */
	char *name;
	enum region_level level;
};

struct regions {
	struct region *r;    /* sorted by code */
	size_t n;
};

int regions_load(struct regions *rt, const char *path, struct rs_error *err);
void regions_release(struct regions *rt);
/* Looks up a code given as 2, 4, 6, 9 or 12 digits. NULL if absent. */
const struct region *regions_find(const struct regions *rt, const char *code,
				  size_t len);
/* Significant digits of a level: 2, 4, 6, 9, 12. */
int region_level_digits(enum region_level l);

#endif
