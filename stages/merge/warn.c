/*
 * warn.c - the table of beneficiaries paid by two inputs (see warn.h).
 *
 * Every row's (beneficiary, program, period) goes into a hash set whose
 * value is the first input that had it and that row's region; a key met
 * again in another input becomes a "multi" record listing each (input,
 * region) pair. Program, period and region strings are interned, so a
 * slot holds only numbers. Only multi records are written, sorted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fileio.h"
#include "kset.h"
#include "sbuf.h"
#include "warn.h"
#include "xalloc.h"

#define WT_MAX_KEYS ((size_t)1 << 31)
#define MULTI 0x80000000u

struct wkey {
	unsigned char bene[16];
	uint32_t prog, period;
};

struct wval {
	uint32_t first;          /* input index, or MULTI | multi index */
	uint32_t region;         /* the first row's region (string id) */
};

/* Interned strings: ids in order of first sight. */
struct strtab {
	char **s;
	size_t n;
	uint32_t *slot;          /* cap entries: id + 1, 0 for empty */
	size_t cap;
};

struct pair {
	uint32_t input, region;
};

struct multi {
	char *bene;              /* the beneficiary as written */
	uint32_t prog, period;
	struct pair *p;
	size_t np;
};

struct wtable {
	char *const *labels;
	size_t ninputs;
	struct kset keys;
	struct strtab progs, periods, regions;
	struct multi *m;
	size_t nm;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static uint32_t intern(struct strtab *t, const char *s, size_t n)
{
	size_t i, j, cap;
	uint32_t *old;

	if (2 * (t->n + 1) > t->cap) {
		old = t->slot;
		cap = t->cap;
		t->cap = cap ? 2 * cap : 64;
		t->slot = xcalloc(t->cap, sizeof(*t->slot));
		for (j = 0; j < cap; j++) {
			if (!old[j])
				continue;
			i = hash_bytes(t->s[old[j] - 1],
				       strlen(t->s[old[j] - 1])) & (t->cap - 1);
			while (t->slot[i])
				i = (i + 1) & (t->cap - 1);
			t->slot[i] = old[j];
		}
		free(old);
	}
	i = hash_bytes(s, n) & (t->cap - 1);
	while (t->slot[i]) {
		const char *c = t->s[t->slot[i] - 1];

		if (strlen(c) == n && !memcmp(c, s, n))
			return t->slot[i] - 1;
		i = (i + 1) & (t->cap - 1);
	}
	t->s = xreallocarray(t->s, t->n + 1, sizeof(*t->s));
	t->s[t->n] = xstrndup(s, n);
	t->slot[i] = (uint32_t)++t->n;
	return (uint32_t)(t->n - 1);
}

static void strtab_release(struct strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
}

/* The 16 bytes a 32-hex-digit pseudonym encodes. aggrd accepts nothing
 * else today; any other text would be hashed to 16 bytes. */
static void bene_key(const char *s, size_t n, unsigned char out[16])
{
	size_t bin = 0;

	if (n == 32 && !sodium_hex2bin(out, 16, s, n, NULL, &bin, NULL) &&
	    bin == 16)
		return;
	crypto_generichash(out, 16, (const unsigned char *)s, n, NULL, 0);
}

struct wtable *wtable_new(char *const *labels, size_t ninputs)
{
	struct wtable *w = xcalloc(1, sizeof(*w));

	w->labels = labels;
	w->ninputs = ninputs;
	kset_init(&w->keys, sizeof(struct wkey), sizeof(struct wval), 1024);
	return w;
}

static void multi_add(struct multi *m, uint32_t input, uint32_t region)
{
	size_t i;

	for (i = 0; i < m->np; i++)
		if (m->p[i].input == input && m->p[i].region == region)
			return;
	m->p = xreallocarray(m->p, m->np + 1, sizeof(*m->p));
	m->p[m->np].input = input;
	m->p[m->np++].region = region;
}

int wtable_add(struct wtable *w, size_t input, const struct agg_row *row,
	       struct rs_error *err)
{
	struct wkey k;
	struct wval v;
	struct multi *m;
	unsigned char *slot;
	uint32_t region;
	int added;

	memset(&k, 0, sizeof(k));
	bene_key(row->f[AGG_BENEFICIARY], row->len[AGG_BENEFICIARY], k.bene);
	k.prog = intern(&w->progs, row->f[AGG_PROGRAM], row->len[AGG_PROGRAM]);
	k.period = intern(&w->periods, row->f[AGG_PERIOD],
			  row->len[AGG_PERIOD]);
	region = intern(&w->regions, row->f[AGG_REGION], row->len[AGG_REGION]);
	if (w->keys.n >= WT_MAX_KEYS)
		return rs_err(err, "--warnings: more than %zu distinct "
			      "(beneficiary, program, period) keys",
			      WT_MAX_KEYS);
	/* The value is copied in and out: the set promises no alignment. */
	slot = kset_put(&w->keys, &k, &added);
	if (added) {
		v.first = (uint32_t)input;
		v.region = region;
		memcpy(slot, &v, sizeof(v));
		return 0;
	}
	memcpy(&v, slot, sizeof(v));
	if (!(v.first & MULTI)) {
		if (v.first == input)
			return 0;       /* the same input, another row */
		w->m = xreallocarray(w->m, w->nm + 1, sizeof(*w->m));
		m = &w->m[w->nm];
		memset(m, 0, sizeof(*m));
		m->bene = xstrndup(row->f[AGG_BENEFICIARY],
				   row->len[AGG_BENEFICIARY]);
		m->prog = k.prog;
		m->period = k.period;
		multi_add(m, v.first, v.region);
		v.first = MULTI | (uint32_t)w->nm++;
		memcpy(slot, &v, sizeof(v));
	}
	multi_add(&w->m[v.first & ~MULTI], (uint32_t)input, region);
	return 0;
}

size_t wtable_count(const struct wtable *w)
{
	return w->nm;
}

size_t wtable_keys(const struct wtable *w)
{
	return w->keys.n;
}

size_t wtable_top_pair(const struct wtable *w, size_t *a, size_t *b)
{
	size_t n = w->ninputs, i, j, k, nd, best = 0;
	uint32_t *cnt, *in;

	if (n < 2 || n > WT_PAIR_MAX || !w->nm)
		return 0;
	cnt = xcalloc(n * n, sizeof(*cnt));
	in = xcalloc(n, sizeof(*in));
	for (i = 0; i < w->nm; i++) {
		const struct multi *m = &w->m[i];

		/* the key's distinct inputs, in order (an input may pay it
		 * from two regions), then each pair of them once */
		for (j = nd = 0; j < m->np; j++) {
			for (k = 0; k < nd && in[k] != m->p[j].input; k++)
				;
			if (k == nd)
				in[nd++] = m->p[j].input;
		}
		for (j = 0; j < nd; j++)
			for (k = j + 1; k < nd; k++)
				cnt[in[j] < in[k] ? in[j] * n + in[k] : in[k] * n + in[j]]++;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (cnt[i * n + j] > best) {
				best = cnt[i * n + j];
				*a = i;
				*b = j;
			}
	free(in);
	free(cnt);
	return best;
}

static const struct wtable *sort_table;

static int cmp_multi(const void *a, const void *b)
{
	const struct multi *x = a, *y = b;
	const struct wtable *w = sort_table;
	int c = strcmp(x->bene, y->bene);

	if (!c)
		c = strcmp(w->progs.s[x->prog], w->progs.s[y->prog]);
	if (!c)
		c = strcmp(w->periods.s[x->period], w->periods.s[y->period]);
	return c;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends one ';'-joined CSV field. */
static void add_joined(struct sbuf *line, struct sbuf *tmp, char **v,
		       size_t n)
{
	size_t i;

	sbuf_reset(tmp);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(v[i], v[i - 1]))
			continue;
		if (tmp->len)
			sbuf_addc(tmp, ';');
		sbuf_adds(tmp, v[i]);
	}
	sbuf_add_csv(line, tmp->buf ? tmp->buf : "", tmp->len);
}

int wtable_write(struct wtable *w, const char *path, struct rs_error *err)
{
	struct sbuf line, tmp;
	struct rs_out out;
	char **v = NULL;
	size_t i, j, k;
	int ret;

	if (rs_out_open(&out, path, 0644, err))
		return -1;
	sort_table = w;
	if (w->nm)
		qsort(w->m, w->nm, sizeof(*w->m), cmp_multi);
	sbuf_init(&line, 0);
	sbuf_init(&tmp, 0);
	rs_out_puts(&out, "beneficiary,program,period,files,regions\n");
	for (i = 0; i < w->nm; i++) {
		const struct multi *m = &w->m[i];

		v = xreallocarray(v, m->np + 1, sizeof(*v));
		sbuf_reset(&line);
		sbuf_add_csv(&line, m->bene, strlen(m->bene));
		sbuf_addc(&line, ',');
		sbuf_add_csv(&line, w->progs.s[m->prog],
			     strlen(w->progs.s[m->prog]));
		sbuf_addc(&line, ',');
		sbuf_add_csv(&line, w->periods.s[m->period],
			     strlen(w->periods.s[m->period]));
		sbuf_addc(&line, ',');
		/* Files in input order: walk the inputs, not the pairs. */
		for (j = k = 0; j < w->ninputs; j++) {
			size_t p;

			for (p = 0; p < m->np && m->p[p].input != j; p++)
				;
			if (p < m->np)
				v[k++] = w->labels[j];
		}
		add_joined(&line, &tmp, v, k);
		sbuf_addc(&line, ',');
		for (k = 0; k < m->np; k++)
			v[k] = w->regions.s[m->p[k].region];
		qsort(v, k, sizeof(*v), cmp_str);     /* k >= 2 here */
		add_joined(&line, &tmp, v, k);
		sbuf_addc(&line, '\n');
		rs_out_write(&out, line.buf, line.len);
	}
	ret = rs_out_commit(&out, err);
	free(v);
	sbuf_release(&line);
	sbuf_release(&tmp);
	return ret;
}

void wtable_free(struct wtable *w)
{
	size_t i;

	if (!w)
		return;
	kset_release(&w->keys);
	strtab_release(&w->progs);
	strtab_release(&w->periods);
	strtab_release(&w->regions);
	for (i = 0; i < w->nm; i++) {
		free(w->m[i].bene);
		free(w->m[i].p);
	}
	free(w->m);
	free(w);
}
