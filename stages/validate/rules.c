/*
 * rules.c - loads a rules YAML (see rules.h).
 */
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "rules.h"
#include "xalloc.h"
#include "ydoc.h"

static const struct {
	const char *name;
	enum check_kind kind;
	enum reject_code code;   /* default reason code */
} kinds[] = {
	{ "region_level", CK_REGION_LEVEL, RJ_UNKNOWN_REGION },
	{ "period_in_range", CK_PERIOD_IN_RANGE, RJ_PERIOD_OUT_OF_RANGE },
	{ "persons_range", CK_PERSONS_RANGE, RJ_PERSONS_OUT_OF_RANGE },
	{ "age_eligibility", CK_AGE_ELIGIBILITY, RJ_AGE_INELIGIBLE },
	{ "standard", CK_STANDARD, RJ_OFF_STANDARD },
	{ "duplicate", CK_DUPLICATE, RJ_DUPLICATE_PAYMENT },
	{ "conflict", CK_CONFLICT, RJ_CONFLICTING_PROGRAMS },
	{ "outlier", CK_OUTLIER, RJ_OFF_STANDARD },
};

static int load_standards(struct rule *r, const struct ydoc *doc,
			  const struct ynode *list, struct rs_error *err)
{
	static const char *const keys[] = { "program", "region", "period", "per",
					    "amount", NULL };
	size_t i;

	if (!list || list->type != YNODE_SEQ)
		return ynode_err(doc, list, err, "a 'standard' rule needs a 'standards' list");
	r->std = xcalloc(list->n ? list->n : 1, sizeof(*r->std));
	for (i = 0; i < list->n; i++) {
		const struct ynode *e = list->items[i];
		struct standard *s = &r->std[r->nstd];
		const char *prog = NULL, *region = "", *period = NULL, *per = "household",
			   *amount = NULL;

		if (ynode_check_keys(doc, e, keys, err) ||
		    ynode_str(doc, e, "program", 1, &prog, err) ||
		    ynode_str(doc, e, "region", 0, &region, err) ||
		    ynode_str(doc, e, "period", 0, &period, err) ||
		    ynode_str(doc, e, "per", 0, &per, err) ||
		    ynode_str(doc, e, "amount", 1, &amount, err))
			return -1;
		s->program = xstrdup(prog);
		s->region_prefix = xstrdup(region);
		r->nstd++;
		s->period.first = -1;
		if (period && period_parse(period, &s->period))
			return ynode_err(doc, ynode_get(e, "period"), err,
					 "period must look like 2024-01..2024-12, not '%s'", period);
		if (strcmp(per, "household") && strcmp(per, "person"))
			return ynode_err(doc, ynode_get(e, "per"), err,
					 "'per' must be household or person");
		s->per_person = !strcmp(per, "person");
		if (money_parse(amount, strlen(amount), MU_YUAN, &s->amount) != MONEY_OK)
			return ynode_err(doc, ynode_get(e, "amount"), err,
					 "amount must be yuan with at most two decimals, not '%s'",
					 amount);
	}
	return 0;
}

static int load_rule(struct rule *r, const struct ydoc *doc,
		     const struct ynode *e, struct rs_error *err)
{
	static const char *const keys[] = { "name", "check", "severity", "code",
		"message", "standards", "families", "multiple", NULL };
	const char *name = NULL, *check = NULL, *sev = NULL, *code = NULL,
		   *msg = NULL;
	size_t i;
	int c;

	if (e->type != YNODE_MAP)
		return ynode_err(doc, e, err, "a rule must be a mapping");
	if (ynode_check_keys(doc, e, keys, err) ||
	    ynode_str(doc, e, "name", 1, &name, err) ||
	    ynode_str(doc, e, "check", 1, &check, err) ||
	    ynode_str(doc, e, "severity", 0, &sev, err) ||
	    ynode_str(doc, e, "code", 0, &code, err) ||
	    ynode_str(doc, e, "message", 0, &msg, err))
		return -1;
	r->name = xstrdup(name);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(check, kinds[i].name))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return ynode_err(doc, ynode_get(e, "check"), err,
				 "unknown check '%s' (region_level, period_in_range, persons_range, age_eligibility, standard, duplicate, conflict, outlier)",
				 check);
	r->kind = kinds[i].kind;
	r->code = kinds[i].code;
	if (code) {
		for (c = 0; c < RJ__COUNT; c++)
			if (!strcmp(code, reject_code_name((enum reject_code)c)))
				break;
		if (c == RJ__COUNT)
			return ynode_err(doc, ynode_get(e, "code"), err,
					 "unknown reason code '%s'", code);
		r->code = (enum reject_code)c;
	}
	if (!sev)
		sev = r->kind == CK_OUTLIER ? "warn" : "reject";
	if (strcmp(sev, "reject") && strcmp(sev, "warn"))
		return ynode_err(doc, ynode_get(e, "severity"), err,
				 "severity must be reject or warn, not '%s'", sev);
	r->warn = !strcmp(sev, "warn");
	if (msg)
		r->message = xstrdup(msg);
	if (r->kind == CK_STANDARD &&
	    load_standards(r, doc, ynode_get(e, "standards"), err))
		return -1;
	if (r->kind == CK_OUTLIER) {
		r->multiple = 10;
		if (ynode_long(doc, e, "multiple", 0, 2, 1000000, &r->multiple, err))
			return -1;
		if (!r->warn)
			return ynode_err(doc, e, err,
					 "an 'outlier' rule can only warn (severity: warn): it is decided after every row is read");
	}
	if (r->kind == CK_CONFLICT) {
		const struct ynode *f = ynode_get(e, "families");
		if (!f || f->type != YNODE_SEQ || f->n != 2 ||
		    f->items[0]->type != YNODE_SCALAR || f->items[1]->type != YNODE_SCALAR)
			return ynode_err(doc, f ? f : e, err,
					 "a 'conflict' rule needs 'families: [A, B]' (two catalog codes)");
		r->family[0] = xstrdup(f->items[0]->scalar);
		r->family[1] = xstrdup(f->items[1]->scalar);
	}
	return 0;
}

int rules_load(struct rules *rs, const char *path, struct rs_error *err)
{
	static const char *const keys[] = { "max_reject_rate", "rules", NULL };
	struct ydoc doc;
	const struct ynode *list;
	const char *rate = NULL;
	size_t i;
	int ret = -1;

	memset(rs, 0, sizeof(*rs));
	rs->max_reject_rate = 1.0;
	if (ydoc_load(&doc, path, err))
		return -1;
	if (!doc.root || doc.root->type != YNODE_MAP) {
		ynode_err(&doc, doc.root, err, "a rules file must be a YAML mapping");
		goto out;
	}
	if (ynode_check_keys(&doc, doc.root, keys, err) ||
	    ynode_str(&doc, doc.root, "max_reject_rate", 0, &rate, err))
		goto out;
	if (rate) {
		char *end;
		rs->max_reject_rate = strtod(rate, &end);
		if (*end || rs->max_reject_rate < 0 || rs->max_reject_rate > 1) {
			ynode_err(&doc, ynode_get(doc.root, "max_reject_rate"), err,
				  "max_reject_rate must be a share from 0 to 1, not '%s'", rate);
			goto out;
		}
	}
	list = ynode_get(doc.root, "rules");
	if (!list || list->type != YNODE_SEQ) {
		ynode_err(&doc, list ? list : doc.root, err, "'rules' must be a list");
		goto out;
	}
	rs->r = xcalloc(list->n ? list->n : 1, sizeof(*rs->r));
	for (i = 0; i < list->n; i++) {
		rs->n++;
		if (load_rule(&rs->r[i], &doc, list->items[i], err))
			goto out;
	}
	ret = 0;
out:
	ydoc_release(&doc);
	if (ret)
		rules_release(rs);
	return ret;
}

void rules_release(struct rules *rs)
{
	size_t i, j;

	for (i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];
		for (j = 0; j < r->nstd; j++) {
			free(r->std[j].program);
			free(r->std[j].region_prefix);
		}
		free(r->std);
		free(r->name);
		free(r->message);
		free(r->family[0]);
		free(r->family[1]);
	}
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}
