/*
 * villages.c - the village-level divisions rs-gen pays in, read from
 * regions.csv (code,name,level,parent_code), with each village's township
 * name, county and kind (urban community or rural village), and a code
 * under the same township that the table lacks (for unknown_region rows).
 *
 * The generator reads the table itself rather than through common/regions
 * so that it stays an independent witness of what the stages must accept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "xalloc.h"

#define REGIONS_MAX ((size_t)64 << 20)

struct entry {
	const char *code, *name, *level, *parent;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->code,
		      ((const struct entry *)b)->code);
}

static const struct entry *find(const struct entry *e, size_t n,
				const char *code)
{
	struct entry key = { code, NULL, NULL, NULL };

	return bsearch(&key, e, n, sizeof(*e), cmp_entry);
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[n] == '\0';
}

static int read_all(const char *path, char **out, struct rs_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int ret = -1;

	if (!f)
		return rs_err(err, "cannot open '%s': %m", path);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if (cap > REGIONS_MAX) {
				rs_err(err, "'%s' is larger than %zu bytes",
				       path, REGIONS_MAX);
				goto out;
			}
			buf = xrealloc(buf, cap + 1);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rs_err(err, "cannot read '%s'", path);
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	ret = 0;
out:
	fclose(f);
	free(buf);
	return ret;
}

/* Splits the text in place into entries; returns their number. */
static size_t split(char *text, struct entry **out)
{
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	char *p = text, *line;

	if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (*p) {
		char *f[4] = { NULL, NULL, NULL, NULL };
		size_t nf = 0;

		line = p;
		p += strcspn(p, "\n");
		if (*p)
			*p++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		while (nf < 4) {
			f[nf++] = line;
			line += strcspn(line, ",");
			if (!*line)
				break;
			*line++ = '\0';
		}
		if (nf < 3 || strcmp(f[0], "code") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			e = xreallocarray(e, cap, sizeof(*e));
		}
		e[n].code = f[0];
		e[n].name = f[1];
		e[n].level = f[2];
		e[n].parent = f[3] ? f[3] : "";
		n++;
	}
	*out = e;
	return n;
}

static int is_urban(const char *name, const char *code)
{
	if (strstr(name, "社区") || strstr(name, "居委会"))
		return 1;
	if (strstr(name, "村"))
		return 0;
	/* NBS urban-rural digits: 0xx/1xx residents', 2xx villagers' committees */
	return code[9] < '2';
}

int gen_regions_load(struct gen_regions *g, const char *path,
		     const char *county, struct rs_error *err)
{
	struct entry *e = NULL;
	size_t n, i;
	int all = strcmp(county, "all") == 0;
	int ret = -1;

	memset(g, 0, sizeof(*g));
	if (read_all(path, &g->text, err) < 0)
		return -1;
	n = split(g->text, &e);
	qsort(e, n, sizeof(*e), cmp_entry);
	g->v = xcalloc(n ? n : 1, sizeof(*g->v));
	g->county = xcalloc(n ? n : 1, sizeof(*g->county));
	g->urban = xcalloc(n ? n : 1, sizeof(*g->urban));
	g->rural = xcalloc(n ? n : 1, sizeof(*g->rural));
	for (i = 0; i < n; i++) {
		struct gen_village *v;
		const struct entry *t;
		char town[10];
		int s;

		if (strcmp(e[i].level, "village") != 0 ||
		    !all_digits(e[i].code, 12))
			continue;
		if (!all && strncmp(e[i].code, county, 6) != 0)
			continue;
		v = &g->v[g->nv];
		memcpy(v->code, e[i].code, 13);
		v->name = e[i].name;
		memcpy(town, e[i].code, 9);
		town[9] = '\0';
		t = find(e, n, town);
		v->township = t ? t->name : "";
		for (s = 999; s >= 100; s--) {
			memcpy(v->bad_code, town, 9);
			v->bad_code[9] = (char)('0' + s / 100);
			v->bad_code[10] = (char)('0' + s / 10 % 10);
			v->bad_code[11] = (char)('0' + s % 10);
			v->bad_code[12] = '\0';
			if (!find(e, n, v->bad_code))
				break;
		}
		if (s < 100) {
			rs_err(err, "no unused village code under township "
			       "'%s' in '%s'", town, path);
			goto out;
		}
		if (!g->ncounty ||
		    strncmp(g->county[g->ncounty - 1], v->code, 6) != 0) {
			memcpy(g->county[g->ncounty], v->code, 6);
			g->county[g->ncounty][6] = '\0';
			g->ncounty++;
		}
		v->county = (uint32_t)(g->ncounty - 1);
		v->urban = is_urban(v->name, v->code);
		if (v->urban)
			g->urban[g->nurban++] = (uint32_t)g->nv;
		else
			g->rural[g->nrural++] = (uint32_t)g->nv;
		g->nv++;
	}
	if (!g->nv) {
		rs_err(err, "no village-level code under county '%s' in '%s'",
		       county, path);
		goto out;
	}
	ret = 0;
out:
	free(e);
	if (ret < 0)
		gen_regions_release(g);
	return ret;
}

void gen_regions_release(struct gen_regions *g)
{
	free(g->v);
	free(g->county);
	free(g->urban);
	free(g->rural);
	free(g->text);
	memset(g, 0, sizeof(*g));
}
