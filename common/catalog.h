/*
 * catalog.h - the program catalog (programs.yaml plus local extensions).
 *
 * The catalog lists every program a record may carry: its code, names in
 * both scripts, aliases, parent (for roll-ups: 低保 = 城市 + 农村), payment
 * grain and recurrence, and the area a program implies (城市低保 -> urban).
 * Users extend it with further YAML files of the same shape without
 * touching code; a later file may add programs or add aliases and fields
 * to an existing code.
 */
#ifndef RS_CATALOG_H
#define RS_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum rs_recurrence { REC_MONTHLY, REC_ONE_OFF, REC_STATUS, REC_TRIGGERED };

struct program {
	char *code;
	char *parent;        /* NULL at top level */
	char *name_zh;
	char *name_zh_hant;
	char *area;          /* "urban", "rural" or NULL: implied area */
	char *grain;         /* "household", "person", ... */
	enum rs_recurrence recurrence;
	int public_money;    /* counts in 财政 spending (charity/holiday: 0) */
	int min_age, max_age;/* eligibility; -1 when none */
	int order;           /* position in the catalog (for table order) */
};

struct catalog {
	struct program *p;
	size_t n;
	/* label index: normalised label -> program index */
	char **labels;
	size_t *label_prog;
	size_t nlabels, label_cap;
	/* hash indices over codes and labels, built when loading ends:
	 * slot -> position + 1, 0 empty; idx_cap a power of two */
	uint32_t *code_idx, *label_idx;
	size_t idx_cap;
	/* other_money_funding: substrings of a funding label (资金来源) that
	 * make a payment other money, not 财政 spending, whatever its
	 * program. The last file naming the list sets it; when none does it
	 * is CATALOG_OTHER_FUNDING_DEFAULT. */
	char **other_funding;
	size_t nother_funding;
	int have_other_funding;  /* some file set the list (maybe empty) */
};

/* The rule when no catalog file names other_money_funding: a label
 * holding 捐 (捐赠, 社会捐赠, 慈善捐款) or 慈善 is donated money. */
#define CATALOG_OTHER_FUNDING_DEFAULT { "捐", "慈善" }

/* Loads the catalog files in order. Returns 0 or -1 with err filled. A
 * program first defined by a file after the first (a local catalog) must
 * give recurrence, payment_grain and public_money, whose defaults would
 * otherwise change its figures silently ("'f':L:C: local program ..."). */
int catalog_load(struct catalog *c, const char *const *paths, size_t npaths,
		 struct rs_error *err);
/* As catalog_load, but with no paths it loads the defaults from the data
 * directory (programs.yaml, and programs-local.yaml when present). */
int catalog_load_default(struct catalog *c, const char *const *paths,
			 size_t npaths, struct rs_error *err);
void catalog_release(struct catalog *c);
const struct program *catalog_find(const struct catalog *c, const char *code);
/* Finds a program by label: its code, a name or an alias in either script.
 * label must already be normalised (norm_label). NULL if unknown. */
const struct program *catalog_lookup_label(const struct catalog *c,
					   const char *label);
/* 1 if a payment with this funding label (资金来源) is other money, not
 * 财政 spending: the label holds one of the catalog's other_money_funding
 * substrings. An empty label is public money. This function can't fail. */
int catalog_other_funding(const struct catalog *c, const char *funding);
/* The program whose code is nearest to code (at most two edits), for a
 * "did you mean" in messages; NULL if none is that near. */
const struct program *catalog_nearest(const struct catalog *c, const char *code);
/* The top-level ancestor's code (dibao for dibao_urban). */
const struct program *catalog_root(const struct catalog *c,
				   const struct program *p);

#endif
