/*
 * cover.c - which counties a slice's data covers, in words.
 *
 * A merged report adds up districts that need not be the same from one
 * year to the next (2023: 二七区 and 郫都区; 2024: 同安区, 二七区 and
 * 爱民区). The bulletin says what each year covers, and a comparison
 * between two years (同比, or two years side by side) is made only when
 * they cover the same counties. A slice's counties are the first six
 * digits of its townships (the township cross table, accum.c), which
 * every row of the slice has.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "xalloc.h"

/* More names than this read as a list no one reads: "等N个县（市、区）". */
#define COVER_NAMES 10

static int cmp_code(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds s's counties to c (unsorted; the caller sorts). */
static void cover_add(struct cover *c, const struct slice *s)
{
	size_t i, j;

	c->code = xreallocarray(c->code, c->n + s->town.nname + 1, sizeof(*c->code));
	for (i = 0; i < s->town.nname; i++) {
		const char *t = s->town.name[i];
		char code[7];

		if (strlen(t) < 6)
			continue;
		memcpy(code, t, 6);
		code[6] = '\0';
		for (j = 0; j < c->n && strcmp(c->code[j], code); j++)
			;
		if (j == c->n)
			c->code[c->n++] = xstrdup(code);
	}
}

void cover_init(struct cover *c, const struct slice *s)
{
	memset(c, 0, sizeof(*c));
	if (!s)
		return;
	cover_add(c, s);
	qsort(c->code, c->n, sizeof(*c->code), cmp_code);
}

void cover_init_all(struct cover *c, const struct report *r)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < r->acc.ns; i++)
		cover_add(c, r->acc.s[i]);
	qsort(c->code, c->n, sizeof(*c->code), cmp_code);
}

/*
 * A city or a province is named bare (沈阳市, and 全市 in the bulletin)
 * only for data of all its counties: two of 沈阳市's thirteen districts
 * are not 沈阳市. The regions table says which counties it has; a region
 * it lists none under (a city without districts, 东莞市) is whole.
 */
int cover_whole(const struct report *r, const struct cover *c,
		const char *code, size_t len)
{
	size_t i;

	if (len >= 6)
		return 1;
	for (i = 0; i < r->rt.n; i++) {
		const struct region *reg = &r->rt.r[i];
		char cc[7];

		if (reg->level != RL_COUNTY || strncmp(reg->code, code, len))
			continue;
		memcpy(cc, reg->code, 6);
		cc[6] = '\0';
		if (!cover_has(c, cc))
			return 0;
	}
	return 1;
}

void cover_release(struct cover *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->code[i]);
	free(c->code);
	memset(c, 0, sizeof(*c));
}

int cover_same(const struct cover *a, const struct cover *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->code[i], b->code[i]))
			return 0;
	return 1;
}

int cover_yoy_same(const struct report *r, const struct slice *s)
{
	struct cover now, before;
	int same;

	if (!r->yoy || !r->prev || !r->prev->nsi)
		return 1;
	cover_init(&now, s);
	cover_init(&before, r->prev->si[0].s);
	same = cover_same(&now, &before);
	cover_release(&now);
	cover_release(&before);
	return same;
}

void cover_yoy_note(const struct report *r, struct table *t,
		    const struct cover *before, const struct cover *now)
{
	struct sbuf a, b;

	sbuf_init(&a, 1 << 16);
	sbuf_init(&b, 1 << 16);
	cover_words(r, before, NULL, &a);
	cover_words(r, now, NULL, &b);
	table_note(t, NOTE_BOTH,
		   "上年同期数据涵盖%s，本期涵盖%s，涵盖地区不同，不作同比比较，同比各列以“—”表示。",
		   a.buf, b.buf);
	sbuf_release(&a);
	sbuf_release(&b);
}

/* 1 if code is one of c's counties. */
int cover_has(const struct cover *c, const char *code)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->code[i], code))
			return 1;
	return 0;
}

void cover_county_name(const struct report *r, const char *code,
		       struct sbuf *out)
{
	const char *city = report_region_name(r, code, 4);
	const char *county = report_region_name(r, code, 6);

	if (!county) {
		sbuf_addf(out, "%s", code);
		return;
	}
	/* 厦门市同安区; a county directly under its province (a 省直辖县)
	 * has no city to name. */
	if (city && strncmp(county, city, strlen(city)))
		sbuf_adds(out, city);
	sbuf_adds(out, county);
}

void cover_words(const struct report *r, const struct cover *c,
		 const struct cover *except, struct sbuf *out)
{
	size_t i, shown = 0, n = 0;

	for (i = 0; i < c->n; i++)
		if (!except || !cover_has(except, c->code[i]))
			n++;
	for (i = 0; i < c->n && shown < COVER_NAMES; i++) {
		if (except && cover_has(except, c->code[i]))
			continue;
		if (shown++)
			sbuf_adds(out, "、");
		cover_county_name(r, c->code[i], out);
	}
	if (n > COVER_NAMES)
		sbuf_addf(out, "等%zu个县（市、区）", n);
}
