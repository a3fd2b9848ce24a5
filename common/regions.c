/*
 * regions.c - the statistical division table (see regions.h).
 *
 * regions.csv (code,name,level,parent_code) holds codes in their short
 * form; they are padded to the 12-digit NBS form and kept sorted for
 * binary search.
 */
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "regions.h"
#include "xalloc.h"

struct load_ctx {
	struct regions *rt;
	size_t cap;
	const char *path;
};

int region_level_digits(enum region_level l)
{
	static const int d[] = { 2, 4, 6, 9, 12 };

	return d[l];
}

static int on_row(const struct csv_row *row, void *vctx, struct rs_error *err)
{
	struct load_ctx *ctx = vctx;
	struct region *r;
	size_t len;
	const char *lvl;

	if (row->line == 1 || row->n == 0)
		return 0;
	if (row->n < 3 || row->bad_encoding)
		return rs_err(err, "malformed row in '%s' at line %ld", ctx->path, row->line);
	len = row->f[0].len;
	if (len != 2 && len != 4 && len != 6 && len != 9 && len != 12)
		return rs_err(err, "bad region code '%s' in '%s' at line %ld",
			      row->f[0].p, ctx->path, row->line);
	if (ctx->rt->n == ctx->cap) {
		ctx->cap = ctx->cap ? ctx->cap * 2 : 2048;
		ctx->rt->r = xreallocarray(ctx->rt->r, ctx->cap, sizeof(*ctx->rt->r));
	}
	r = &ctx->rt->r[ctx->rt->n];
	memset(r->code, '0', 12);
	memcpy(r->code, row->f[0].p, len);
	r->code[12] = '\0';
	lvl = row->f[2].p;
	if (!strcmp(lvl, "province"))
		r->level = RL_PROVINCE;
	else if (!strcmp(lvl, "city"))
		r->level = RL_CITY;
	else if (!strcmp(lvl, "county"))
		r->level = RL_COUNTY;
	else if (!strcmp(lvl, "township"))
		r->level = RL_TOWNSHIP;
	else if (!strcmp(lvl, "village"))
		r->level = RL_VILLAGE;
	else
		return rs_err(err, "unknown level '%s' in '%s' at line %ld", lvl,
			      ctx->path, row->line);
	r->name = xstrdup(row->f[1].p);
	ctx->rt->n++;
	return 0;
}

static int cmp_region(const void *a, const void *b)
{
	/* codes are always 12 bytes (padded with '0' when loaded and when
	 * looked up): memcmp, not strcmp, on the hot path of every row */
	return memcmp(((const struct region *)a)->code,
		      ((const struct region *)b)->code, 12);
}

int regions_load(struct regions *rt, const char *path, struct rs_error *err)
{
	struct load_ctx ctx = { rt, 0, path };
	struct csvin_opts opts = { RS_ENC_UTF8, ',', 0, 0, 0, NULL };

	memset(rt, 0, sizeof(*rt));
	if (csvin_read(path, &opts, on_row, &ctx, err)) {
		regions_release(rt);
		return -1;
	}
	qsort(rt->r, rt->n, sizeof(*rt->r), cmp_region);
	return 0;
}

void regions_release(struct regions *rt)
{
	size_t i;

	for (i = 0; i < rt->n; i++)
		free(rt->r[i].name);
	free(rt->r);
	memset(rt, 0, sizeof(*rt));
}

const struct region *regions_find(const struct regions *rt, const char *code,
				  size_t len)
{
	struct region key;

	if (len != 2 && len != 4 && len != 6 && len != 9 && len != 12)
		return NULL;
	memset(key.code, '0', 12);
	memcpy(key.code, code, len);
	key.code[12] = '\0';
	return bsearch(&key, rt->r, rt->n, sizeof(*rt->r), cmp_region);
}
