/*
 * merge.c - k-way merge of sorted aggregate files (see merge.h).
 *
 * Each input's current row lives in its reader's buffer; a binary heap of
 * input indices orders them by key, ties broken by input position so the
 * first file's sex and age win. The row being built (the accumulator) is a
 * copy, because the input it came from moves on before the next key is
 * known. Because the accumulator always holds the key an input has just
 * given up, checking that input's next row against it is the sort check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggrd.h"
#include "fileio.h"
#include "gate.h"
#include "merge.h"
#include "money.h"
#include "sbuf.h"
#include "warn.h"
#include "xalloc.h"

#define ACC_NTEXT (AGG_NKEY + 2)   /* key columns, sex, age */

struct input {
	struct aggrd rd;
	struct agg_row row;
	const char *path;
};

struct acc {
	int has;
	struct sbuf text;          /* ACC_NTEXT NUL-terminated copies */
	struct agg_row row;        /* f[] point into text */
};

struct merger {
	struct input *in;
	size_t nin;
	size_t *heap;
	size_t nheap;
	struct acc acc;
	struct sbuf line;
	struct rs_out out;
	int out_open;
	struct merge_stats *st;
	struct wtable *warn;       /* NULL without --warnings */
};

static int heap_less(const struct merger *m, size_t a, size_t b)
{
	int c = agg_key_cmp(&m->in[a].row, &m->in[b].row);

	return c < 0 || (c == 0 && a < b);
}

static void heap_down(struct merger *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i, t;

		if (l < m->nheap && heap_less(m, m->heap[l], m->heap[s]))
			s = l;
		if (r < m->nheap && heap_less(m, m->heap[r], m->heap[s]))
			s = r;
		if (s == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[s];
		m->heap[s] = t;
		i = s;
	}
}

static void acc_start(struct acc *a, const struct input *in)
{
	size_t i, off[ACC_NTEXT];

	sbuf_reset(&a->text);
	/* Fields are at most 1 MiB each and the ceiling is above nine of
	 * them, so these appends cannot fail. */
	for (i = 0; i < ACC_NTEXT; i++) {
		off[i] = a->text.len;
		sbuf_add(&a->text, in->row.f[i], in->row.len[i]);
		sbuf_addc(&a->text, '\0');
	}
	for (i = 0; i < ACC_NTEXT; i++) {
		a->row.f[i] = a->text.buf + off[i];
		a->row.len[i] = in->row.len[i];
	}
	a->row.payments = in->row.payments;
	a->row.persons = in->row.persons;
	a->row.fen = in->row.fen;
	a->has = 1;
}

static int acc_add(struct acc *a, const struct input *in, struct rs_error *err)
{
	if (__builtin_add_overflow(a->row.payments, in->row.payments, &a->row.payments) ||
	    __builtin_add_overflow(a->row.persons, in->row.persons, &a->row.persons) ||
	    __builtin_add_overflow(a->row.fen, in->row.fen, &a->row.fen))
		return rs_err(err, "sum overflows at '%s' line %ld", in->path,
			      in->row.line);
	return 0;
}

/* Writes the accumulated row in rs-aggregate's exact format. */
static void acc_emit(struct merger *m)
{
	const struct agg_row *r = &m->acc.row;
	char money[32];
	size_t i;

	/* A payment and its reversal from two files cancel out: like
	 * rs-aggregate, leave no row for nothing. */
	if (!r->payments && !r->persons && !r->fen)
		return;
	sbuf_reset(&m->line);
	for (i = 0; i < ACC_NTEXT; i++) {
		sbuf_add_csv(&m->line, r->f[i], r->len[i]);
		sbuf_addc(&m->line, ',');
	}
	/* No printf: this runs once per row. */
	sbuf_add_int(&m->line, r->payments);
	sbuf_addc(&m->line, ',');
	sbuf_add_int(&m->line, r->persons);
	sbuf_addc(&m->line, ',');
	sbuf_adds(&m->line, money_fmt_yuan(r->fen, money));
	sbuf_addc(&m->line, '\n');
	rs_out_write(&m->out, m->line.buf, m->line.len);
	m->st->rows_written++;
}

/*
 * Moves input i to its next row, checking it sorts after the key just
 * taken from it (held by the accumulator). Returns 1 for a row, 0 at end
 * of input, -1 on error.
 */
static int advance(struct merger *m, size_t i, struct rs_error *err)
{
	struct input *in = &m->in[i];
	long prev = in->row.line;
	int rc = aggrd_next(&in->rd, &in->row, err), c;

	if (rc <= 0)
		return rc;
	m->st->rows_read++;
	if (m->warn && wtable_add(m->warn, i, &in->row, err))
		return -1;
	if (!m->acc.has)
		return 1;
	c = agg_key_cmp(&in->row, &m->acc.row);
	if (c == 0)
		return rs_err(err, "duplicate key in '%s' at line %ld (same as line %ld): not an aggregate file",
			      in->path, in->row.line, prev);
	if (c < 0)
		return rs_err(err, "key out of order in '%s' at line %ld (sorts before line %ld): inputs must be sorted as rs-aggregate writes them",
			      in->path, in->row.line, prev);
	return 1;
}

/* Opens and writes the summary in out, not committed (rs_out_commit_set
 * commits it with the merged file). Returns 0, or -1 with nothing open. */
static int write_summary(const struct merge_opts *o, const struct merge_stats *st,
			 struct rs_out *out, struct rs_error *err)
{
	json_t *sum = json_object(), *inputs = json_array(), *ov;
	struct sbuf sb;
	size_t i;
	int ret;

	json_object_set_new(sum, "stage", json_string("merge"));
	for (i = 0; i < o->ninputs; i++)
		json_array_append_new(inputs, json_text(o->inputs[i]));
	json_object_set_new(sum, "inputs", inputs);
	json_object_set_new(sum, "rows_read", json_integer(st->rows_read));
	json_object_set_new(sum, "rows_written", json_integer(st->rows_written));
	if (o->warnings) {
		json_object_set_new(sum, "warnings", json_integer(st->warnings));
		ov = json_object();
		json_object_set_new(ov, "keys", json_integer(st->keys));
		json_object_set_new(ov, "paid_by_two", json_integer(st->warnings));
		if (o->max_overlap >= 0)
			json_object_set_new(ov, "max_overlap", json_real(o->max_overlap));
		json_object_set_new(ov, "over", json_boolean(st->overlap_over));
		json_object_set_new(ov, "accepted",
				    json_boolean(st->overlap_over && o->accept_overlap));
		json_object_set_new(sum, "overlap", ov);
	}
	if (st->overlap_over && !o->accept_overlap) {
		/* what stops the merge, for the runner's last line */
		char **names = o->labels ? (char **)o->labels : (char **)o->inputs;
		struct sbuf what;

		sbuf_init(&what, 0);
		sbuf_addf(&what, "%ld of %ld payments (beneficiary, program, month), %.2f%%, are paid by two or more inputs",
			  st->warnings, st->keys, 100.0 * (double)st->warnings / (double)st->keys);
		if (st->pair_n)
			sbuf_addf(&what, ", most of them (%ld) by both '%s' and '%s'",
				  st->pair_n, names[st->pair_a], names[st->pair_b]);
		stop_json(sum, "overlap", what.buf,
			  "one export given twice (a copy under another name, or one district's file in two sources): remove the copy from the sources",
			  "overlap");
		sbuf_release(&what);
	}
	sbuf_init(&sb, 0);
	ret = json_to_sbuf(sum, &sb) || sbuf_addc(&sb, '\n') ? -1 : 0;
	json_decref(sum);
	if (ret)
		ret = rs_err(err, "cannot write '%s': out of memory", o->summary);
	else
		ret = rs_out_open(out, o->summary, 0644, err);
	if (!ret)
		rs_out_write(out, sb.buf, sb.len);
	sbuf_release(&sb);
	return ret;
}

int merge_run(const struct merge_opts *o, struct merge_stats *st,
	      struct rs_error *err)
{
	struct merger m;
	struct rs_out sum, *set[2];
	size_t i, opened = 0;
	int ret = -1, rc;

	memset(&m, 0, sizeof(m));
	memset(st, 0, sizeof(*st));
	m.st = st;
	m.nin = o->ninputs;
	m.in = xcalloc(m.nin, sizeof(*m.in));
	m.heap = xcalloc(m.nin, sizeof(*m.heap));
	sbuf_init(&m.acc.text, (size_t)16 << 20);
	sbuf_init(&m.line, (size_t)32 << 20);
	if (o->warnings)
		m.warn = wtable_new(o->labels ? o->labels : o->inputs, m.nin);

	for (i = 0; i < m.nin; i++) {
		m.in[i].path = o->inputs[i];
		if (aggrd_open(&m.in[i].rd, o->inputs[i], err))
			goto out;
		opened = i + 1;
	}
	for (i = 0; i < m.nin; i++) {
		rc = advance(&m, i, err);
		if (rc < 0)
			goto out;
		if (rc)
			m.heap[m.nheap++] = i;
	}
	for (i = m.nheap / 2; i-- > 0;)
		heap_down(&m, i);

	if (rs_out_open(&m.out, o->out, 0644, err))
		goto out;
	m.out_open = 1;
	rs_out_puts(&m.out, AGG_HEADER "\n");
	while (m.nheap) {
		size_t top = m.heap[0];
		struct input *in = &m.in[top];

		if (m.acc.has && agg_key_cmp(&in->row, &m.acc.row) == 0) {
			if (acc_add(&m.acc, in, err))
				goto out;
		} else {
			if (m.acc.has)
				acc_emit(&m);
			acc_start(&m.acc, in);
		}
		rc = advance(&m, top, err);
		if (rc < 0)
			goto out;
		if (rc == 0)
			m.heap[0] = m.heap[--m.nheap];
		heap_down(&m, 0);
	}
	if (m.acc.has)
		acc_emit(&m);
	/* The table before the merged file, so a failure replaces neither
	 * the merged file nor leaves it beside a stale table. */
	if (m.warn) {
		st->warnings = (long)wtable_count(m.warn);
		st->keys = (long)wtable_keys(m.warn);
		st->pair_n = (long)wtable_top_pair(m.warn, &st->pair_a,
						   &st->pair_b);
		st->overlap_over = o->max_overlap >= 0 && st->keys &&
			(double)st->warnings > o->max_overlap * (double)st->keys;
		if (wtable_write(m.warn, o->warnings, err))
			goto out;
	}
	/* the merged file and its summary: both new or both old */
	if (o->summary && write_summary(o, st, &sum, err))
		goto out;
	set[0] = &m.out;
	set[1] = &sum;
	m.out_open = 0;
	if (rs_out_commit_set(set, o->summary ? 2 : 1, err))
		goto out;
	ret = 0;
out:
	if (m.out_open)
		rs_out_abort(&m.out);
	for (i = 0; i < opened; i++)
		aggrd_close(&m.in[i].rd);
	wtable_free(m.warn);
	free(m.in);
	free(m.heap);
	sbuf_release(&m.acc.text);
	sbuf_release(&m.line);
	return ret;
}
