/*
 * table.c - report tables, CSV and Markdown rendering, suppression (see
 * table.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "xalloc.h"

#define HIDDEN_MARK "*"

void table_init(struct table *t, const char *name, const char *heading,
		const char *const *cols, size_t ncols, size_t nleft)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	t->heading = xstrdup(heading);
	t->ncols = ncols;
	t->cols = xcalloc(ncols, sizeof(*t->cols));
	t->right = xcalloc(ncols, 1);
	for (i = 0; i < ncols; i++) {
		t->cols[i] = xstrdup(cols[i]);
		t->right[i] = i >= nleft;
	}
}

static void free_notes(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].text);
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free_notes(t->notes, t->nnotes);
	free_notes(t->pub_notes, t->npub_notes);
	free_notes(t->int_notes, t->nint_notes);
	free(t->cells);
	free(t->cols);
	free(t->right);
	free(t->name);
	free(t->heading);
	memset(t, 0, sizeof(*t));
}

size_t table_add_row(struct table *t)
{
	if (t->nrows == t->rcap) {
		t->rcap = t->rcap ? t->rcap * 2 : 16;
		t->cells = xreallocarray(t->cells, t->rcap * t->ncols,
					 sizeof(*t->cells));
	}
	memset(t->cells + t->nrows * t->ncols, 0, t->ncols * sizeof(*t->cells));
	return t->nrows++;
}

void table_set(struct table *t, size_t row, size_t col, const char *text)
{
	struct tcell *c = &t->cells[row * t->ncols + col];

	free(c->text);
	c->text = xstrdup(text);
}

void table_setf(struct table *t, size_t row, size_t col, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	table_set(t, row, col, buf);
}

void table_hide(struct table *t, size_t row, size_t col)
{
	t->cells[row * t->ncols + col].hidden = 1;
	t->any_hidden = 1;
}

void table_note(struct table *t, enum note_where where, const char *fmt, ...)
{
	char ***v = where == NOTE_BOTH ? &t->notes : where == NOTE_PUBLISHED ?
		    &t->pub_notes : &t->int_notes;
	size_t *n = where == NOTE_BOTH ? &t->nnotes : where == NOTE_PUBLISHED ?
		    &t->npub_notes : &t->nint_notes;
	va_list ap;
	char *p;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	p = xmalloc((size_t)len + 1);
	p[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = p;
}

static const char *cell_text(const struct table *t, size_t r, size_t c,
			     int published)
{
	const struct tcell *cell = &t->cells[r * t->ncols + c];

	if (published && cell->hidden)
		return HIDDEN_MARK;
	return cell->text ? cell->text : "";
}

void table_csv(const struct table *t, int published, struct sbuf *out)
{
	size_t r, c;

	for (c = 0; c < t->ncols; c++) {
		if (c)
			sbuf_addc(out, ',');
		sbuf_add_csv(out, t->cols[c], strlen(t->cols[c]));
	}
	sbuf_addc(out, '\n');
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = cell_text(t, r, c, published);
			if (c)
				sbuf_addc(out, ',');
			sbuf_add_csv(out, s, strlen(s));
		}
		sbuf_addc(out, '\n');
	}
}

/* A Markdown table cell: pipes escaped, line breaks flattened. */
static void md_cell(struct sbuf *out, const char *s)
{
	sbuf_addc(out, ' ');
	for (; *s; s++) {
		if (*s == '|')
			sbuf_adds(out, "\\|");
		else if (*s == '\n' || *s == '\r')
			sbuf_addc(out, ' ');
		else
			sbuf_addc(out, *s);
	}
	sbuf_adds(out, " |");
}

static void md_notes(struct sbuf *out, char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sbuf_addf(out, "\n%s\n", v[i]);
}

void table_md(const struct table *t, int published, struct sbuf *out)
{
	size_t r, c;

	sbuf_addf(out, "## %s\n\n|", t->heading);
	for (c = 0; c < t->ncols; c++)
		md_cell(out, t->cols[c]);
	sbuf_adds(out, "\n|");
	for (c = 0; c < t->ncols; c++)
		sbuf_adds(out, t->right[c] ? " ---: |" : " --- |");
	sbuf_addc(out, '\n');
	for (r = 0; r < t->nrows; r++) {
		sbuf_addc(out, '|');
		for (c = 0; c < t->ncols; c++)
			md_cell(out, cell_text(t, r, c, published));
		sbuf_addc(out, '\n');
	}
	md_notes(out, t->notes, t->nnotes);
	if (published)
		md_notes(out, t->pub_notes, t->npub_notes);
	else
		md_notes(out, t->int_notes, t->nint_notes);
}

void sdc_init(struct sdc *s, size_t nunits)
{
	memset(s, 0, sizeof(*s));
	s->n = nunits;
	s->weight = xcalloc(nunits, sizeof(*s->weight));
	s->nonzero = xcalloc(nunits, 1);
	s->hidden = xcalloc(nunits, 1);
	s->primary = xcalloc(nunits, 1);
}

void sdc_release(struct sdc *s)
{
	free(s->weight);
	free(s->nonzero);
	free(s->hidden);
	free(s->primary);
	free(s->member);
	free(s->line);
	memset(s, 0, sizeof(*s));
}

void sdc_unit(struct sdc *s, size_t i, int64_t weight, int nonzero, int primary)
{
	s->weight[i] = weight;
	s->nonzero[i] = nonzero != 0;
	s->primary[i] = primary && nonzero;
}

void sdc_line(struct sdc *s, size_t total)
{
	if (s->nline == s->lcap) {
		s->lcap = s->lcap ? s->lcap * 2 : 16;
		s->line = xreallocarray(s->line, s->lcap, sizeof(*s->line));
	}
	s->line[s->nline].total = total;
	s->line[s->nline].first = s->nmember;
	s->line[s->nline].count = 0;
	s->nline++;
}

void sdc_member(struct sdc *s, size_t unit)
{
	if (s->nmember == s->mcap) {
		s->mcap = s->mcap ? s->mcap * 2 : 64;
		s->member = xreallocarray(s->member, s->mcap, sizeof(*s->member));
	}
	s->member[s->nmember++] = unit;
	s->line[s->nline - 1].count++;
}

/* Hides one more unit of line l; returns 1 if it could. */
static int widen(struct sdc *s, const struct sdc_line *l)
{
	size_t i, best = (size_t)-1;

	for (i = l->first; i < l->first + l->count; i++) {
		size_t u = s->member[i];

		if (s->hidden[u] || !s->nonzero[u])
			continue;
		if (best == (size_t)-1 || s->weight[u] < s->weight[best] ||
		    (s->weight[u] == s->weight[best] && u < best))
			best = u;
	}
	if (best == (size_t)-1) {
		if (s->hidden[l->total] || !s->nonzero[l->total])
			return 0;
		best = l->total;
	}
	s->hidden[best] = 1;
	return 1;
}

void sdc_run(struct sdc *s)
{
	size_t i, j;
	int changed;

	memcpy(s->hidden, s->primary, s->n);
	do {
		changed = 0;
		for (i = 0; i < s->nline; i++) {
			const struct sdc_line *l = &s->line[i];
			size_t nh = s->hidden[l->total];

			for (j = l->first; j < l->first + l->count; j++)
				nh += s->hidden[s->member[j]];
			if (nh == 1 && widen(s, l))
				changed = 1;
		}
	} while (changed);
}
