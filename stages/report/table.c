/*
 * table.c - report tables, CSV and Markdown rendering, suppression (see
 * table.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
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
	t->nleft = nleft;
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
	for (i = 0; i < t->nrows; i++)
		free(t->rkey[i]);
	free(t->rkey);
	free(t->rstyle);
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
		t->rkey = xreallocarray(t->rkey, t->rcap, sizeof(*t->rkey));
		t->rstyle = xrealloc(t->rstyle, t->rcap);
	}
	memset(t->cells + t->nrows * t->ncols, 0, t->ncols * sizeof(*t->cells));
	t->rkey[t->nrows] = NULL;
	t->rstyle[t->nrows] = ROW_PLAIN;
	return t->nrows++;
}

void table_set_count(struct table *t, size_t row, size_t col, int64_t n)
{
	struct tcell *c = &t->cells[row * t->ncols + col];

	table_setf(t, row, col, "%lld", (long long)n);
	c->has_v = V_COUNT;
	c->v = n;
}

void table_set_wan(struct table *t, size_t row, size_t col, int64_t fen)
{
	struct tcell *c = &t->cells[row * t->ncols + col];
	char buf[32];

	table_set(t, row, col, money_fmt_wan(fen, buf));
	c->has_v = V_WAN;
	c->v = fen;
}

void table_set_key(struct table *t, size_t row, const char *key)
{
	free(t->rkey[row]);
	t->rkey[row] = xstrdup(key);
}

void table_set_style(struct table *t, size_t row, int style)
{
	t->rstyle[row] = (unsigned char)style;
}

size_t table_find_key(const struct table *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->nrows; i++)
		if (t->rkey[i] && !strcmp(t->rkey[i], key))
			return i;
	return (size_t)-1;
}

char *fmt_pct1(int64_t num, int64_t den, char *buf)
{
	__int128 n = (__int128)num * 1000, r;
	int64_t q;

	q = (int64_t)(n / den);
	r = n % den;
	if (r * 2 >= den)
		q++;
	else if (r * 2 <= -(__int128)den)
		q--;
	snprintf(buf, 48, "%s%lld.%lld", q < 0 ? "-" : "",
		 (long long)(q < 0 ? -q : q) / 10, (long long)(q < 0 ? -q : q) % 10);
	return buf;
}

void table_yoy(struct table *t, const struct table *prev, size_t src,
	       size_t chg, size_t pct)
{
	size_t i, pi, psrc = (size_t)-1, c;

	/* The same column last year: tables grow columns with the programs
	 * paid, so it is found by name. */
	for (c = 0; prev && c < prev->ncols && psrc == (size_t)-1; c++)
		if (!strcmp(prev->cols[c], t->cols[src]))
			psrc = c;
	for (i = 0; i < t->nrows; i++) {
		const struct tcell *c = &t->cells[i * t->ncols + src], *pc;
		int64_t d;
		char buf[48];

		table_set(t, i, chg, "—");
		table_set(t, i, pct, "—");
		if (psrc == (size_t)-1 || !t->rkey[i] || !c->has_v)
			continue;
		pi = table_find_key(prev, t->rkey[i]);
		if (pi == (size_t)-1)
			continue;
		pc = &prev->cells[pi * prev->ncols + psrc];
		if (!pc->has_v)
			continue;
		d = c->v - pc->v;
		if (c->has_v == V_WAN)
			table_set_wan(t, i, chg, d);
		else
			table_set_count(t, i, chg, d);
		if (pc->v > 0)
			table_set(t, i, pct, fmt_pct1(d, pc->v, buf));
		if (c->hidden || pc->hidden) {
			table_hide(t, i, chg);
			table_hide(t, i, pct);
		}
	}
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

const char *table_text(const struct table *t, size_t r, size_t c,
		       int published)
{
	const struct tcell *cell = &t->cells[r * t->ncols + c];

	if (published && cell->hidden)
		return HIDDEN_MARK;
	return cell->text ? cell->text : "";
}
#define cell_text table_text

void table_notes(const struct table *t, int published,
		 void (*fn)(const char *note, void *ctx), void *ctx)
{
	size_t i;

	for (i = 0; i < t->nnotes; i++)
		fn(t->notes[i], ctx);
	if (published)
		for (i = 0; i < t->npub_notes; i++)
			fn(t->pub_notes[i], ctx);
	else
		for (i = 0; i < t->nint_notes; i++)
			fn(t->int_notes[i], ctx);
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

void sdc_init(struct sdc *s)
{
	memset(s, 0, sizeof(*s));
}

void sdc_release(struct sdc *s)
{
	free(s->weight);
	free(s->nonzero);
	free(s->hidden);
	free(s->primary);
	free(s->member);
	free(s->neg);
	free(s->line);
	free(s->tie);
	memset(s, 0, sizeof(*s));
}

size_t sdc_unit(struct sdc *s, int64_t weight, int nonzero, int primary)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->weight = xreallocarray(s->weight, s->cap, sizeof(*s->weight));
		s->nonzero = xrealloc(s->nonzero, s->cap);
		s->hidden = xrealloc(s->hidden, s->cap);
		s->primary = xrealloc(s->primary, s->cap);
	}
	s->weight[s->n] = weight;
	s->nonzero[s->n] = nonzero != 0;
	s->primary[s->n] = primary && nonzero;
	s->hidden[s->n] = 0;
	return s->n++;
}

void sdc_line(struct sdc *s, size_t total, int family)
{
	if (s->nline == s->lcap) {
		s->lcap = s->lcap ? s->lcap * 2 : 16;
		s->line = xreallocarray(s->line, s->lcap, sizeof(*s->line));
	}
	s->line[s->nline].total = total;
	s->line[s->nline].first = s->nmember;
	s->line[s->nline].count = 0;
	s->line[s->nline].family = family;
	s->nline++;
}

static void add_member(struct sdc *s, size_t unit, int neg)
{
	if (s->nmember == s->mcap) {
		s->mcap = s->mcap ? s->mcap * 2 : 64;
		s->member = xreallocarray(s->member, s->mcap, sizeof(*s->member));
		s->neg = xrealloc(s->neg, s->mcap);
	}
	s->neg[s->nmember] = (unsigned char)neg;
	s->member[s->nmember++] = unit;
	s->line[s->nline - 1].count++;
}

void sdc_member(struct sdc *s, size_t unit)
{
	add_member(s, unit, 0);
}

void sdc_member_neg(struct sdc *s, size_t unit)
{
	add_member(s, unit, 1);
}

void sdc_tie(struct sdc *s, size_t leader, size_t follower)
{
	if (s->ntie == s->tcap) {
		s->tcap = s->tcap ? s->tcap * 2 : 16;
		s->tie = xreallocarray(s->tie, s->tcap, 2 * sizeof(*s->tie));
	}
	s->tie[2 * s->ntie] = leader;
	s->tie[2 * s->ntie + 1] = follower;
	s->ntie++;
}

/* Hides the followers of hidden leaders. Returns 1 if one was hidden. */
static int follow_ties(struct sdc *s)
{
	size_t i;
	int changed = 0;

	for (i = 0; i < s->ntie; i++)
		if (s->hidden[s->tie[2 * i]] && !s->hidden[s->tie[2 * i + 1]]) {
			s->hidden[s->tie[2 * i + 1]] = 1;
			changed = 1;
		}
	return changed;
}

/* Hidden units of line l, and the visible non-zero ones (*open, the last
 * of them in *last). */
static size_t line_state(const struct sdc *s, const struct sdc_line *l,
			 size_t *open, size_t *last)
{
	size_t nh = 0, i, u;

	*open = 0;
	for (i = 0; i <= l->count; i++) {
		u = i < l->count ? s->member[l->first + i] : l->total;
		if (s->hidden[u]) {
			nh++;
		} else if (s->nonzero[u]) {
			(*open)++;
			*last = u;
		}
	}
	return nh;
}

/* For each unit, the lines it is in (as total or member): CSR arrays. */
struct unit_lines {
	size_t *start;          /* n + 1 */
	size_t *line;
};

static void index_lines(const struct sdc *s, struct unit_lines *ul)
{
	size_t i, j, *fill;

	ul->start = xcalloc(s->n + 1, sizeof(*ul->start));
	for (i = 0; i < s->nline; i++) {
		ul->start[s->line[i].total + 1]++;
		for (j = 0; j < s->line[i].count; j++)
			ul->start[s->member[s->line[i].first + j] + 1]++;
	}
	for (i = 0; i < s->n; i++)
		ul->start[i + 1] += ul->start[i];
	ul->line = xcalloc(ul->start[s->n] ? ul->start[s->n] : 1, sizeof(*ul->line));
	fill = xcalloc(s->n ? s->n : 1, sizeof(*fill));
	for (i = 0; i < s->nline; i++) {
		size_t u = s->line[i].total;

		ul->line[ul->start[u] + fill[u]++] = i;
		for (j = 0; j < s->line[i].count; j++) {
			u = s->member[s->line[i].first + j];
			ul->line[ul->start[u] + fill[u]++] = i;
		}
	}
	free(fill);
}

/*
 * One free choice: among the visible non-zero members of lines with exactly
 * one hidden unit, hide the one that repairs the most such lines minus the
 * lines it would newly leave with exactly one hidden unit; ties go to the
 * smaller weight, then the earlier unit. With no member to choose, a
 * deficient line's total is hidden. Returns 1 if a unit was hidden.
 */
static int choose(struct sdc *s, const struct unit_lines *ul, const size_t *nh)
{
	size_t i, j, best = (size_t)-1;
	long best_score = 0;

	for (i = 0; i < s->nline; i++) {
		const struct sdc_line *l = &s->line[i];

		if (nh[i] != 1)
			continue;
		for (j = 0; j < l->count; j++) {
			size_t u = s->member[l->first + j], k;
			long score = 0;

			if (s->hidden[u] || !s->nonzero[u])
				continue;
			for (k = ul->start[u]; k < ul->start[u + 1]; k++) {
				size_t m = ul->line[k];
				score += nh[m] == 1 ? 1 : nh[m] == 0 ? -1 : 0;
			}
			if (best == (size_t)-1 || score > best_score ||
			    (score == best_score && (s->weight[u] < s->weight[best] ||
			     (s->weight[u] == s->weight[best] && u < best)))) {
				best = u;
				best_score = score;
			}
		}
	}
	if (best == (size_t)-1) {
		for (i = 0; i < s->nline; i++) {
			size_t t = s->line[i].total;
			if (nh[i] == 1 && !s->hidden[t] && s->nonzero[t]) {
				best = t;
				break;
			}
		}
	}
	if (best == (size_t)-1)
		return 0;
	s->hidden[best] = 1;
	return 1;
}

/*
 * The audit. Published cells are constants; hidden units are unknowns; each
 * line is one equation over the unknowns it holds. A hidden unit x_j can be
 * recomputed exactly iff the unit vector e_j lies in the row space of those
 * equations, i.e. iff the reduced row echelon form has a row that is e_j.
 * Elimination runs modulo the prime 2^61 - 1: exact integer arithmetic, and
 * for matrices of 0 and +-1 entries of this size the rank modulo so large
 * a prime is the rank over the rationals.
 */
#define AUDIT_P 0x1FFFFFFFFFFFFFFFULL

static uint64_t mulmod(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;
	uint64_t lo = (uint64_t)(r & AUDIT_P), hi = (uint64_t)(r >> 61);
	uint64_t x = lo + hi;

	return x >= AUDIT_P ? x - AUDIT_P : x;
}

static uint64_t submod(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : a + AUDIT_P - b;
}

static uint64_t invmod(uint64_t a)
{
	uint64_t r = 1, e = AUDIT_P - 2;

	while (e) {
		if (e & 1)
			r = mulmod(r, a);
		a = mulmod(a, a);
		e >>= 1;
	}
	return r;
}

/* A hidden unit that the published cells determine exactly through the
 * lines of the families in mask (bit 1 << family), or (size_t)-1; with
 * want other than (size_t)-1, want if it is one, else (size_t)-1. */
static size_t audit_n(const struct sdc *s, unsigned mask, size_t want,
		      size_t *nfixed)
{
	size_t *col = xcalloc(s->n ? s->n : 1, sizeof(*col)), *unit;
	size_t nu = 0, nr = 0, i, j, r, c, found = (size_t)-1;
	uint64_t *m;

	for (i = 0; i < s->n; i++)
		col[i] = s->hidden[i] ? nu++ : (size_t)-1;
	unit = xcalloc(nu ? nu : 1, sizeof(*unit));
	for (i = 0; i < s->n; i++)
		if (s->hidden[i])
			unit[col[i]] = i;
	m = xcalloc((s->nline ? s->nline : 1) * (nu ? nu : 1), sizeof(*m));
	for (i = 0; i < s->nline; i++) {
		const struct sdc_line *l = &s->line[i];
		uint64_t *row = m + nr * nu;
		int any = 0;

		if (!(mask & 1u << l->family))
			continue;
		if (s->hidden[l->total]) {
			row[col[l->total]] = 1;
			any = 1;
		}
		for (j = 0; j < l->count; j++) {
			size_t u = s->member[l->first + j];
			if (s->hidden[u]) {
				row[col[u]] = s->neg[l->first + j] ? (row[col[u]] + 1) % AUDIT_P :
					      submod(row[col[u]], 1);
				any = 1;
			}
		}
		if (any)
			nr++;
	}
	/* Reduced row echelon form. */
	for (c = 0, r = 0; c < nu && r < nr; c++) {
		size_t p = r;
		uint64_t inv;

		while (p < nr && !m[p * nu + c])
			p++;
		if (p == nr)
			continue;
		if (p != r)
			for (j = 0; j < nu; j++) {
				uint64_t t = m[p * nu + j];
				m[p * nu + j] = m[r * nu + j];
				m[r * nu + j] = t;
			}
		inv = invmod(m[r * nu + c]);
		for (j = 0; j < nu; j++)
			m[r * nu + j] = mulmod(m[r * nu + j], inv);
		for (i = 0; i < nr; i++) {
			uint64_t f = m[i * nu + c];
			if (i == r || !f)
				continue;
			for (j = 0; j < nu; j++)
				if (m[r * nu + j])
					m[i * nu + j] = submod(m[i * nu + j], mulmod(f, m[r * nu + j]));
		}
		r++;
	}
	if (nfixed)
		*nfixed = 0;
	for (i = 0; i < r && (found == (size_t)-1 || nfixed); i++) {
		size_t nz = 0, at = 0;
		for (j = 0; j < nu; j++)
			if (m[i * nu + j]) {
				nz++;
				at = j;
			}
		if (nz == 1 && nfixed)
			(*nfixed)++;
		if (nz == 1 && found == (size_t)-1 &&
		    (want == (size_t)-1 || unit[at] == want))
			found = unit[at];
	}
	free(m);
	free(unit);
	free(col);
	return found;
}

static size_t audit(const struct sdc *s, unsigned mask, size_t want)
{
	return audit_n(s, mask, want, NULL);
}

/*
 * Hides one more unit to protect u: the lightest visible non-zero member
 * of a line through u, else such a total, else the lightest visible
 * non-zero unit of any line holding a hidden unit. Returns 0 if nothing is
 * left to hide.
 */
static int protect(struct sdc *s, const struct unit_lines *ul, size_t u)
{
	size_t k, j, best = (size_t)-1;
	int pass;

	for (pass = 0; pass < 3 && best == (size_t)-1; pass++) {
		size_t nl = pass < 2 ? ul->start[u + 1] - ul->start[u] : s->nline;

		for (k = 0; k < nl; k++) {
			const struct sdc_line *l = &s->line[pass < 2 ? ul->line[ul->start[u] + k] : k];
			size_t nh = s->hidden[l->total];

			for (j = 0; j < l->count; j++)
				nh += s->hidden[s->member[l->first + j]];
			if (!nh)
				continue;
			for (j = 0; j <= l->count; j++) {
				size_t v = j < l->count ? s->member[l->first + j] : l->total;

				if ((pass == 0) != (j < l->count) && pass != 2)
					continue;
				if (s->hidden[v] || !s->nonzero[v])
					continue;
				if (best == (size_t)-1 || s->weight[v] < s->weight[best] ||
				    (s->weight[v] == s->weight[best] && v < best))
					best = v;
			}
		}
	}
	if (best == (size_t)-1)
		return 0;
	s->hidden[best] = 1;
	return 1;
}

static const struct sdc *cand_sdc;

static int cand_cmp(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int64_t wa = cand_sdc->weight[a], wb = cand_sdc->weight[b];

	if (wa != wb)
		return wa < wb ? -1 : 1;
	return a < b ? -1 : a > b;
}

/*
 * Protects u, which the lines of mask fix, by the lightest visible unit,
 * or pair of units, whose hiding leaves u unfixed; found exactly rather
 * than by trying. With A the lines' coefficients of the hidden units, u
 * is fixed iff some combination y of the lines has y A = e_u; all such y
 * are y0 + N (N: the combinations with y A = 0, the lines with no hidden
 * unit among them). Hiding a set W of visible units adds the conditions
 * y a_v = 0, v in W, where a_v is v's column; u stays fixed iff
 * p_v t + d_v = 0 (p_v = N a_v, d_v = y0 a_v) has a solution t for all v
 * in W at once. So one unit protects u when p_v = 0 and d_v != 0, and two
 * when p_w = c p_v and d_w != c d_v. Elimination runs modulo AUDIT_P as
 * the audit's does. Returns 1 if units were hidden, 0 if none would do.
 */
static const uint64_t *pair_hash;

static int pair_cmp(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	if (pair_hash[a] != pair_hash[b])
		return pair_hash[a] < pair_hash[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

static int protect_exact(struct sdc *s, const struct unit_lines *ul, size_t u,
			 unsigned mask)
{
	size_t *col = xcalloc(s->n ? s->n : 1, sizeof(*col)), *lrow, *cand;
	size_t nu = 0, nr = 0, w, i, j, r, c, k, nn, nc = 0, y0 = (size_t)-1;
	size_t best = (size_t)-1, best2 = (size_t)-1;
	uint64_t *m, *pv, *dv;
	unsigned char *seen;
	int ret = 0;

	for (i = 0; i < s->n; i++)
		col[i] = s->hidden[i] ? nu++ : (size_t)-1;
	lrow = xcalloc(s->nline ? s->nline : 1, sizeof(*lrow));
	for (i = 0; i < s->nline; i++)
		lrow[i] = mask & 1u << s->line[i].family ? nr++ : (size_t)-1;
	w = nu + nr;
	m = xcalloc((nr ? nr : 1) * (w ? w : 1), sizeof(*m));
	for (i = 0; i < s->nline; i++) {
		const struct sdc_line *l = &s->line[i];
		uint64_t *row;

		if (lrow[i] == (size_t)-1)
			continue;
		row = m + lrow[i] * w;
		if (s->hidden[l->total])
			row[col[l->total]] = 1;
		for (j = 0; j < l->count; j++) {
			size_t v = s->member[l->first + j];
			if (s->hidden[v])
				row[col[v]] = s->neg[l->first + j] ? (row[col[v]] + 1) % AUDIT_P :
					      submod(row[col[v]], 1);
		}
		row[nu + lrow[i]] = 1;
	}
	for (c = 0, r = 0; c < nu && r < nr; c++) {
		size_t p = r;
		uint64_t inv;

		while (p < nr && !m[p * w + c])
			p++;
		if (p == nr)
			continue;
		if (p != r)
			for (j = 0; j < w; j++) {
				uint64_t t = m[p * w + j];
				m[p * w + j] = m[r * w + j];
				m[r * w + j] = t;
			}
		inv = invmod(m[r * w + c]);
		for (j = 0; j < w; j++)
			m[r * w + j] = mulmod(m[r * w + j], inv);
		for (i = 0; i < nr; i++) {
			uint64_t f = m[i * w + c];
			if (i == r || !f)
				continue;
			for (j = 0; j < w; j++)
				if (m[r * w + j])
					m[i * w + j] = submod(m[i * w + j], mulmod(f, m[r * w + j]));
		}
		r++;
	}
	for (i = 0; i < r && y0 == (size_t)-1; i++) {
		size_t nz = 0;
		for (j = 0; j < nu; j++)
			nz += m[i * w + j] != 0;
		if (nz == 1 && m[i * w + col[u]])
			y0 = i;
	}
	nn = nr - r;               /* rows r.. are N */
	seen = xcalloc(s->n ? s->n : 1, 1);
	cand = xcalloc(s->n ? s->n : 1, sizeof(*cand));
	for (i = 0; i < s->nline; i++) {
		const struct sdc_line *l = &s->line[i];

		if (lrow[i] == (size_t)-1)
			continue;
		for (j = 0; j <= l->count; j++) {
			size_t v = j < l->count ? s->member[l->first + j] : l->total;

			if (!s->hidden[v] && s->nonzero[v] && !seen[v]) {
				seen[v] = 1;
				cand[nc++] = v;
			}
		}
	}
	cand_sdc = s;
	qsort(cand, nc, sizeof(*cand), cand_cmp);
	pv = xcalloc((nc ? nc : 1) * (nn ? nn : 1), sizeof(*pv));
	dv = xcalloc(nc ? nc : 1, sizeof(*dv));
	for (i = 0; y0 != (size_t)-1 && i < nc; i++) {
		size_t v = cand[i];

		for (k = ul->start[v]; k < ul->start[v + 1]; k++) {
			size_t li = ul->line[k], lr = lrow[li], q;
			const struct sdc_line *l = &s->line[li];
			uint64_t a = 0;

			if (lr == (size_t)-1)
				continue;
			/* v's coefficient in line li (a line lists it once per
			 * index entry; count this entry's share) */
			if (l->total == v)
				a = 1;
			for (q = 0; q < l->count; q++)
				if (s->member[l->first + q] == v)
					a = s->neg[l->first + q] ? (a + 1) % AUDIT_P : submod(a, 1);
			/* a unit in a line twice (total and member) has two
			 * index entries: count the line once */
			if (k > ul->start[v] && ul->line[k - 1] == li)
				continue;
			dv[i] = (dv[i] + mulmod(m[y0 * w + nu + lr], a)) % AUDIT_P;
			for (q = 0; q < nn; q++)
				pv[i * nn + q] = (pv[i * nn + q] +
						  mulmod(m[(r + q) * w + nu + lr], a)) % AUDIT_P;
		}
	}
	/* One unit: the lightest with p_v = 0 and d_v != 0. */
	for (i = 0; y0 != (size_t)-1 && i < nc && best == (size_t)-1; i++) {
		int zero = 1;
		for (k = 0; k < nn && zero; k++)
			zero = !pv[i * nn + k];
		if (zero && dv[i])
			best = i;
	}
	/* Two units: the lightest pair of parallel p with unequal d. Each p
	 * is scaled to a leading 1 (d with it), hashed, and the candidates
	 * sorted by hash, so that parallel ones sit together. */
	if (y0 != (size_t)-1 && best == (size_t)-1 && nn) {
		uint64_t *hash = xcalloc(nc ? nc : 1, sizeof(*hash));
		size_t *ord = xcalloc(nc ? nc : 1, sizeof(*ord)), no = 0, g, h;

		for (i = 0; i < nc; i++) {
			size_t f = 0;
			uint64_t inv, hv = 1469598103934665603ULL;

			while (f < nn && !pv[i * nn + f])
				f++;
			if (f == nn)
				continue;
			inv = invmod(pv[i * nn + f]);
			for (k = 0; k < nn; k++) {
				pv[i * nn + k] = mulmod(pv[i * nn + k], inv);
				hv = (hv ^ pv[i * nn + k]) * 1099511628211ULL;
			}
			dv[i] = mulmod(dv[i], inv);
			hash[i] = hv;
			ord[no++] = i;
		}
		pair_hash = hash;
		qsort(ord, no, sizeof(*ord), pair_cmp);
		for (g = 0; g < no; g = h) {
			for (h = g + 1; h < no && hash[ord[h]] == hash[ord[g]]; h++)
				;
			/* ord[g..h) in candidate (weight) order: the first
			 * with a d unlike the group's lightest, or else ... */
			for (i = g; i < h; i++)
				for (j = i + 1; j < h; j++) {
					size_t x = ord[i], y = ord[j];

					if (dv[x] == dv[y] ||
					    memcmp(pv + x * nn, pv + y * nn, nn * sizeof(*pv)))
						continue;
					if (best2 == (size_t)-1 ||
					    s->weight[cand[x]] + s->weight[cand[y]] <
					    s->weight[cand[best]] + s->weight[cand[best2]]) {
						best = x;
						best2 = y;
					}
				}
		}
		free(hash);
		free(ord);
	}
	if (best != (size_t)-1) {
		s->hidden[cand[best]] = 1;
		if (best2 != (size_t)-1)
			s->hidden[cand[best2]] = 1;
		ret = 1;
	}
	free(pv);
	free(dv);
	free(seen);
	free(cand);
	free(m);
	free(lrow);
	free(col);
	return ret;
}

void sdc_run(struct sdc *s)
{
	struct unit_lines ul;
	size_t i, u, open, last = 0, *nh;
	unsigned mask;
	int changed;

	memcpy(s->hidden, s->primary, s->n);
	index_lines(s, &ul);
	nh = xcalloc(s->nline ? s->nline : 1, sizeof(*nh));
	for (;;) {
		do {
			/* Forced choices first, to a fixed point ... */
			do {
				changed = follow_ties(s);
				for (i = 0; i < s->nline; i++) {
					if (line_state(s, &s->line[i], &open, &last) == 1 &&
					    open == 1) {
						s->hidden[last] = 1;
						changed = 1;
					}
				}
			} while (changed);
			/* ... then one free choice, and propagate again. */
			for (i = 0; i < s->nline; i++)
				nh[i] = line_state(s, &s->line[i], &open, &last);
			changed = choose(s, &ul, nh);
		} while (changed);
		/* No line gives a hidden unit back alone; may several? */
		mask = (1u << SDC_NFAMILIES) - 1;
		u = audit(s, mask, (size_t)-1);
		if (u == (size_t)-1)
			break;
		if (protect_exact(s, &ul, u, mask))
			continue;
		if (!protect(s, &ul, u))
			break;
	}
	free(nh);
	free(ul.start);
	free(ul.line);
}

size_t utf8_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		unsigned cp;
		int n, i;

		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xE0) == 0xC0) {
			cp = *p & 0x1F;
			n = 2;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = *p & 0x0F;
			n = 3;
		} else {
			cp = *p & 0x07;
			n = 4;
		}
		p++;
		for (i = 1; i < n && (*p & 0xC0) == 0x80; i++, p++)
			cp = cp << 6 | (*p & 0x3F);
		w += cp >= 0x2E80 || cp == 0x2014 ? 2 : 1;
	}
	return w;
}
