/*
 * rules.c - loads a rules YAML (see rules.h).
 */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "money.h"
#include "regions.h"
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
	{ "field", CK_FIELD, RJ_MISSING_FIELD },
	{ "compare", CK_COMPARE, RJ_PERSONS_OUT_OF_RANGE },
};

static const char *const canon_columns[CANON_NFIELDS] = {
	"source", "line", "region_code", "program", "area", "period",
	"beneficiary", "household_size", "persons", "amount", "age", "sex",
	"funding", "support_mode", "kind", "covers",
};

int canon_column(const char *name)
{
	int i;

	for (i = 0; i < CANON_NFIELDS; i++)
		if (!strcmp(name, canon_columns[i]))
			return i;
	return -1;
}

const char *canon_column_name(int i)
{
	return i >= 0 && i < CANON_NFIELDS ? canon_columns[i] : "?";
}

int hundredths(const char *s, size_t n, int64_t *out)
{
	return money_parse(s, n, MU_YUAN, out) == MONEY_OK ? 0 : -1;
}

static int load_column(const struct ydoc *doc, const struct ynode *e,
		       const char *key, int *col, struct rs_error *err)
{
	const char *name = NULL;

	if (ynode_str(doc, e, key, 1, &name, err))
		return -1;
	*col = canon_column(name);
	if (*col < 0)
		return ynode_err(doc, ynode_get(e, key), err,
				 "'%s' is not a column of the canonical record (source, line, region_code, program, area, period, beneficiary, household_size, persons, amount, age, sex, funding, support_mode, kind, covers)",
				 name);
	return 0;
}

static int load_bound(const struct ydoc *doc, const struct ynode *e,
		      const char *key, int *has, int64_t *v, struct rs_error *err)
{
	const char *s = NULL;

	if (ynode_str(doc, e, key, 0, &s, err))
		return -1;
	if (!s)
		return 0;
	if (hundredths(s, strlen(s), v))
		return ynode_err(doc, ynode_get(e, key), err,
				 "'%s' must be a number with at most two decimals, not '%s'", key, s);
	*has = 1;
	return 0;
}

static int load_field(struct rule *r, const struct ydoc *doc,
		      const struct ynode *e, struct rs_error *err)
{
	const char *type = NULL, *pattern = NULL, *ref = NULL;
	const struct ynode *en = ynode_get(e, "enum");
	size_t i;

	if (load_column(doc, e, "field", &r->field, err) ||
	    ynode_bool(doc, e, "required", 0, &r->required, err) ||
	    ynode_str(doc, e, "type", 0, &type, err) ||
	    ynode_str(doc, e, "pattern", 0, &pattern, err) ||
	    ynode_str(doc, e, "reference", 0, &ref, err) ||
	    load_bound(doc, e, "min", &r->has_min, &r->min, err) ||
	    load_bound(doc, e, "max", &r->has_max, &r->max, err))
		return -1;
	if (type) {
		if (!strcmp(type, "integer"))
			r->type = FT_INTEGER;
		else if (!strcmp(type, "decimal"))
			r->type = FT_DECIMAL;
		else if (!strcmp(type, "month"))
			r->type = FT_MONTH;
		else if (strcmp(type, "text"))
			return ynode_err(doc, ynode_get(e, "type"), err,
					 "type must be integer, decimal, month or text, not '%s'", type);
	}
	if (pattern) {
		int rc = regcomp(&r->re, pattern, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char buf[256];
			regerror(rc, &r->re, buf, sizeof(buf));
			return ynode_err(doc, ynode_get(e, "pattern"), err,
					 "bad pattern '%s': %s", pattern, buf);
		}
		r->has_re = 1;
	}
	if (ref) {
		if (!strcmp(ref, "regions"))
			r->reference = 1;
		else if (!strcmp(ref, "villages"))
			r->reference = 2;
		else
			return ynode_err(doc, ynode_get(e, "reference"), err,
					 "reference must be regions or villages, not '%s'", ref);
	}
	if (en && en->type == YNODE_SCALAR && !strcmp(en->scalar, "catalog")) {
		r->enum_catalog = 1;
	} else if (en) {
		if (en->type != YNODE_SEQ)
			return ynode_err(doc, en, err, "enum must be a list of values or 'catalog'");
		r->enumv = xcalloc(en->n ? en->n : 1, sizeof(*r->enumv));
		for (i = 0; i < en->n; i++) {
			if (en->items[i]->type != YNODE_SCALAR)
				return ynode_err(doc, en->items[i], err, "an enum value must be a single value");
			r->enumv[r->nenum++] = xstrdup(en->items[i]->scalar);
		}
	}
	return 0;
}

static int load_compare(struct rule *r, const struct ydoc *doc,
			const struct ynode *e, struct rs_error *err)
{
	static const char *const ops[] = { "<", "<=", ">", ">=", "==", "!=", NULL };
	const char *op = NULL, *right = NULL;
	int i;

	if (load_column(doc, e, "left", &r->field, err) ||
	    ynode_str(doc, e, "op", 1, &op, err) ||
	    ynode_str(doc, e, "right", 1, &right, err))
		return -1;
	for (i = 0; ops[i] && strcmp(op, ops[i]); i++)
		;
	if (!ops[i])
		return ynode_err(doc, ynode_get(e, "op"), err,
				 "op must be one of < <= > >= == !=, not '%s'", op);
	memcpy(r->op, op, strlen(op) + 1);
	r->right_field = canon_column(right);
	if (r->right_field < 0 && hundredths(right, strlen(right), &r->right_value))
		return ynode_err(doc, ynode_get(e, "right"), err,
				 "right must be a column or a number, not '%s'", right);
	return 0;
}

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
		s->line = e->line;
		s->col = e->col;
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
		"message", "standards", "families", "multiple", "field", "required",
		"type", "min", "max", "pattern", "enum", "reference", "left", "op",
		"right", NULL };
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
				 "unknown check '%s' (field, compare, region_level, period_in_range, persons_range, age_eligibility, standard, duplicate, conflict, outlier)",
				 check);
	r->kind = kinds[i].kind;
	r->code = kinds[i].code;
	if (code) {
		if ((c = reject_code_lookup(code, strlen(code))) < 0)
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
	if (r->kind == CK_FIELD && load_field(r, doc, e, err))
		return -1;
	if (r->kind == CK_COMPARE && load_compare(r, doc, e, err))
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
		r->fam_line = f->line;
		r->fam_col = f->col;
		r->family[0] = xstrdup(f->items[0]->scalar);
		r->family[1] = xstrdup(f->items[1]->scalar);
	}
	return 0;
}

int rules_load(struct rules *rs, const char *path, struct rs_error *err)
{
	static const char *const keys[] = { "max_reject_rate", "max_reject_rates",
					    "rules", NULL };
	struct ydoc doc;
	const struct ynode *list;
	size_t i;
	int ret = -1;

	memset(rs, 0, sizeof(*rs));
	gate_init(&rs->gate);
	if (ydoc_load(&doc, path, err))
		return -1;
	rs->path = xstrdup(path);
	if (!doc.root || doc.root->type != YNODE_MAP) {
		ynode_err(&doc, doc.root, err, "a rules file must be a YAML mapping");
		goto out;
	}
	if (ynode_check_keys(&doc, doc.root, keys, err) ||
	    gate_parse(&rs->gate, &doc, doc.root, err))
		goto out;
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
		for (j = 0; j < r->nenum; j++)
			free(r->enumv[j]);
		free(r->enumv);
		if (r->has_re)
			regfree(&r->re);
	}
	free(rs->r);
	free(rs->path);
	memset(rs, 0, sizeof(*rs));
}

/* Does some region's code start with the prefix? Codes are sorted. */
static int prefix_known(const struct regions *rt, const char *prefix)
{
	size_t lo = 0, hi = rt->n, len = strlen(prefix), mid;

	if (!len)
		return 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strncmp(rt->r[mid].code, prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rt->n && !strncmp(rt->r[lo].code, prefix, len);
}

static void std_text(const struct standard *s, struct sbuf *out)
{
	sbuf_addf(out, "{program: %s, region: \"%s\", ", s->program, s->region_prefix);
	if (s->period.first >= 0) {
		char a[8], b[8];

		month_fmt(s->period.first, a);
		month_fmt(s->period.last, b);
		sbuf_addf(out, "period: %s..%s, ", a, b);
	}
	sbuf_addf(out, "amount: %lld.%02lld} at line %ld", (long long)(s->amount / 100),
		  (long long)(s->amount % 100), s->line);
}

static int overlap(const struct standard *a, const struct standard *b)
{
	size_t la = strlen(a->region_prefix), lb = strlen(b->region_prefix);

	if (strcmp(a->program, b->program) ||
	    strncmp(a->region_prefix, b->region_prefix, la < lb ? la : lb))
		return 0;
	if (a->period.first < 0 || b->period.first < 0)
		return 1;
	return a->period.first <= b->period.last && b->period.first <= a->period.last;
}

int rules_check(const struct rules *rs, const struct catalog *cat,
		const struct regions *rt, struct sbuf *out)
{
	size_t i, j, k;
	int n = 0, f;

	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->r[i];

		for (f = 0; r->kind == CK_CONFLICT && f < 2; f++, n++) {
			if (catalog_find(cat, r->family[f])) {
				n--;
				continue;
			}
			sbuf_addf(out, "'%s':%ld:%ld: rule '%s' names the program family '%s', which is not in the catalog: use a catalog code (e.g. dibao, tekun)\n",
				  rs->path, r->fam_line, r->fam_col, r->name, r->family[f]);
		}
		for (j = 0; j < r->nstd; j++) {
			const struct standard *s = &r->std[j];

			if (!catalog_find(cat, s->program)) {
				const struct program *near = catalog_nearest(cat, s->program);

				sbuf_addf(out, "'%s':%ld:%ld: payment standard for program '%s', which is not in the catalog: it would never apply; ",
					  rs->path, s->line, s->col, s->program);
				if (near)
					sbuf_addf(out, "did you mean '%s'?\n", near->code);
				else
					sbuf_adds(out, "use a catalog code (or add the program with --catalog)\n");
				n++;
			}
			if (rt && !prefix_known(rt, s->region_prefix)) {
				sbuf_addf(out, "'%s':%ld:%ld: payment standard for '%s' has region prefix \"%s\", which matches no region in the region table: it would never apply; give the leading digits of a region code (\"350212\" for a county)\n",
					  rs->path, s->line, s->col, s->program, s->region_prefix);
				n++;
			}
			for (k = 0; k < j; k++) {
				if (!overlap(&r->std[k], s))
					continue;
				sbuf_addf(out, "'%s':%ld:%ld: payment standards overlap: ", rs->path,
					  s->line, s->col);
				std_text(&r->std[k], out);
				sbuf_adds(out, " and ");
				std_text(s, out);
				sbuf_addf(out, " apply to the same rows, and the first always wins (rows at the second's amount are rejected as off_standard): make them differ in program, region or period\n");
				n++;
			}
		}
	}
	return n;
}
