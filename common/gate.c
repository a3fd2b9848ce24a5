/*
 * gate.c - the loss gate shared by rs-ingest and rs-validate (gate.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

void gate_init(struct rs_gate *g)
{
	int i;

	memset(g, 0, sizeof(*g));
	g->max_rate = GATE_DEFAULT_RATE;
	for (i = 0; i < RJ__COUNT; i++)
		g->reason_max[i] = -1;
	snprintf(g->origin, sizeof(g->origin), "the default");
}

/* A share: "0.05" or "5%". Returns 0 and sets *out, or -1. */
int gate_parse_share(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s)
		return -1;
	v = strtod(s, &end);
	if (end == s)
		return -1;
	if (*end == '%') {
		v /= 100;
		end++;
	}
	if (*end || !(v >= 0 && v <= 1))
		return -1;
	*out = v;
	return 0;
}

int gate_parse(struct rs_gate *g, const struct ydoc *doc,
	       const struct ynode *map, struct rs_error *err)
{
	const struct ynode *n = ynode_get(map, "max_reject_rate");
	size_t i;

	if (n) {
		if (n->type != YNODE_SCALAR || gate_parse_share(n->scalar, &g->max_rate))
			return ynode_err(doc, n, err,
					 "max_reject_rate must be a share from 0 to 1 (0.05 or 5%%), not '%s'",
					 n->type == YNODE_SCALAR ? n->scalar : "a list");
		snprintf(g->origin, sizeof(g->origin), "max_reject_rate in '%s'", doc->path);
	}
	n = ynode_get(map, "max_reject_rates");
	if (!n)
		return 0;
	if (n->type != YNODE_MAP)
		return ynode_err(doc, n, err,
				 "max_reject_rates must map reject reasons to shares ({bad_amount: 0.01})");
	for (i = 0; i < n->n; i++) {
		const struct ynode *k = ynode_key(n, i), *v = ynode_val(n, i);
		int code = k->type == YNODE_SCALAR ?
			   reject_code_lookup(k->scalar, strlen(k->scalar)) : -1;

		if (code < 0)
			return ynode_err(doc, k, err,
					 "max_reject_rates: '%s' is not a reject reason (see SPEC.md section 3)",
					 k->type == YNODE_SCALAR ? k->scalar : "?");
		if (v->type != YNODE_SCALAR || gate_parse_share(v->scalar, &g->reason_max[code]))
			return ynode_err(doc, v, err,
					 "max_reject_rates: the share for '%s' must be from 0 to 1",
					 k->scalar);
	}
	return 0;
}

int gate_set_rate(struct rs_gate *g, const char *arg, struct rs_error *err)
{
	const char *eq = strchr(arg, '=');
	double v;

	if (!eq) {
		if (gate_parse_share(arg, &v))
			return rs_err(err, "--max-reject-rate takes a share from 0 to 1 (0.05 or 5%%), not '%s'", arg);
		g->max_rate = v;
		snprintf(g->origin, sizeof(g->origin), "--max-reject-rate");
		return 0;
	}
	int code = reject_code_lookup(arg, (size_t)(eq - arg));
	if (code < 0)
		return rs_err(err, "--max-reject-rate: '%.*s' is not a reject reason",
			      (int)(eq - arg), arg);
	if (gate_parse_share(eq + 1, &v))
		return rs_err(err, "--max-reject-rate: the share for '%.*s' must be from 0 to 1, not '%s'",
			      (int)(eq - arg), arg, eq + 1);
	g->reason_max[code] = v;
	return 0;
}

int gate_accept(struct rs_gate *g, const char *arg, struct rs_error *err)
{
	const char *p = arg;
	int i;

	g->accept_any = 1;
	if (!*arg || !strcmp(arg, "all")) {
		for (i = 0; i < RJ__COUNT; i++)
			g->accept[i] = 1;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		int code = reject_code_lookup(p, len);

		if (code < 0)
			return rs_err(err, "--accept-loss: '%.*s' is not a reject reason",
				      (int)len, p);
		g->accept[code] = 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

void gate_judge(const struct rs_gate *g, long rows, const long counts[RJ__COUNT],
		struct gate_verdict *v)
{
	int i;

	memset(v, 0, sizeof(*v));
	v->rows = rows;
	v->top = -1;
	v->threshold = g->max_rate;
	for (i = 0; i < RJ__COUNT; i++) {
		if (g->accept[i]) {
			v->accepted += counts[i];
			continue;
		}
		v->rejected += counts[i];
		if (counts[i] > v->top_count) {
			v->top = i;
			v->top_count = counts[i];
		}
	}
	if (!rows)
		return;
	/* Compared in whole rows, not in a float share, so 5 % of 100 rows
	 * lets exactly 5 through whatever the rounding. */
	if ((double)v->rejected > g->max_rate * (double)rows + 1e-9) {
		v->over = 1;
		return;
	}
	for (i = 0; i < RJ__COUNT; i++) {
		if (g->accept[i] || g->reason_max[i] < 0 || !counts[i])
			continue;
		if ((double)counts[i] > g->reason_max[i] * (double)rows + 1e-9) {
			v->over = 1;
			v->reason_gate = 1;
			v->threshold = g->reason_max[i];
			v->top = i;
			v->top_count = counts[i];
			return;
		}
	}
}

void gate_json(const struct rs_gate *g, const long counts[RJ__COUNT],
	       const struct gate_verdict *v, json_t *obj)
{
	json_t *gate = json_object(), *acc;
	int i;

	json_object_set_new(gate, "max_reject_rate", json_real(g->max_rate));
	json_object_set_new(gate, "rows", json_integer(v->rows));
	json_object_set_new(gate, "rejected", json_integer(v->rejected));
	json_object_set_new(gate, "over", json_boolean(v->over));
	if (v->over && v->top >= 0)
		json_object_set_new(gate, "top_reason",
				    json_string(reject_code_name(v->top)));
	json_object_set_new(obj, "gate", gate);
	if (!g->accept_any)
		return;
	acc = json_object();
	for (i = 0; i < RJ__COUNT; i++)
		if (g->accept[i] && counts[i])
			json_object_set_new(acc, reject_code_name(i),
					    json_integer(counts[i]));
	json_object_set_new(obj, "loss_accepted", acc);
}

void stop_json(json_t *obj, const char *kind, const char *what,
	       const char *fix, const char *accept)
{
	json_t *stop = json_object();

	json_object_set_new(stop, "kind", json_text(kind));
	json_object_set_new(stop, "what", json_text(what ? what : ""));
	json_object_set_new(stop, "fix", json_text(fix ? fix : ""));
	if (accept)
		json_object_set_new(stop, "accept", json_text(accept));
	json_object_set_new(obj, "stop", stop);
}

void gate_message(const struct gate_verdict *v, const char *stage,
		  const char *source, const struct rs_gate *g,
		  const char *sample, const char *fix, struct sbuf *sb)
{
	double rows = v->rows ? (double)v->rows : 1;
	const char *top = v->top >= 0 ? reject_code_name(v->top) : "?";

	if (v->reason_gate)
		sbuf_addf(sb, "%s'%s': %ld of %ld rows rejected as %s (%.2f%%), above its threshold %.2f%% (max_reject_rates)",
			  stage, source, v->top_count, v->rows, top,
			  100.0 * (double)v->top_count / rows, 100.0 * v->threshold);
	else
		sbuf_addf(sb, "%s'%s': %ld of %ld rows rejected (%.2f%%), above the reject threshold %.2f%% (%s); top reason %s: %ld rows (%.2f%%)",
			  stage, source, v->rejected, v->rows,
			  100.0 * (double)v->rejected / rows, 100.0 * v->threshold,
			  g->origin, top, v->top_count,
			  100.0 * (double)v->top_count / rows);
	if (sample && *sample)
		sbuf_addf(sb, "\n  e.g. %s", sample);
	if (fix && *fix)
		sbuf_addf(sb, "\n  likely fix: %s", fix);
	sbuf_addf(sb, "\n  outputs written, nothing to publish; to publish this loss anyway rerun with --accept-loss=%s",
		  top);
}
