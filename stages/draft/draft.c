/*
 * draft.c - a mapping drafted from an export (see draft.h).
 *
 * The export is read once through the same row source ingest uses
 * (rowsrc.h): the header is the first of the first HEADER_SEARCH records
 * in which at least MIN_FIELDS cells are common names of canonical
 * fields; the rows after it are sampled for the amount's form and size,
 * the months' form and the program labels. Memory is bounded by the
 * distinct labels kept (at most MAX_LABELS).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvscan.h"
#include "draft.h"
#include "fileio.h"
#include "money.h"
#include "norm.h"
#include "period.h"
#include "rowsrc.h"
#include "xalloc.h"

#define HEADER_SEARCH 30
#define MIN_FIELDS 4
#define SAMPLE_ROWS 5000
#define MAX_LABELS 200

enum { D_REGION, D_ID, D_PROGRAM, D_AREA, D_HOUSEHOLD, D_PERSONS, D_PERIOD,
       D_AMOUNT, D_FUNDING, D_MODE, D__COUNT };

static const char *const dfield[D__COUNT] = {
	"region_code", "id", "program", "area", "household_size", "persons",
	"period", "amount", "funding", "support_mode",
};
static const int drequired[D__COUNT] = { 1, 1, 1, 1, 0, 1, 1, 1, 0, 0 };

/* Common header names, folded (Simplified, ASCII brackets), best first.
 * The amount's names are also matched as a prefix before a unit in
 * brackets: 发放金额(元), 金额(万元). */
static const char *const names_region[] = { "行政区划代码", "区划代码", "统计用区划代码",
	"行政区划", "村(社区)代码", "村社区代码", "地区代码", "区域代码", NULL };
static const char *const names_id[] = { "身份证号码", "身份证号", "证件号码", "证件号",
	"公民身份号码", "身份证件号码", "户主身份证号码", "户主身份证号", "身份证", NULL };
static const char *const names_program[] = { "救助类别", "救助类型", "救助项目", "保障类别",
	"救助种类", "项目名称", "补贴类别", "补贴类型", "项目类别", "类别", NULL };
static const char *const names_area[] = { "城乡属性", "城乡类别", "城乡类型", "城乡",
	"户籍类别", "户籍性质", "城乡标识", NULL };
static const char *const names_household[] = { "家庭人口", "家庭人数", "家庭人口数",
	"户人口数", "共同生活人数", NULL };
static const char *const names_persons[] = { "保障人数", "享受人数", "救助人数",
	"保障人口", "享受人口", "人数", NULL };
static const char *const names_period[] = { "发放年月", "所属年月", "发放月份", "发放月度",
	"救助年月", "年月", "发放时间", "发放日期", "所属期", "月份", NULL };
static const char *const names_amount[] = { "发放金额", "救助金额", "补助金额", "实发金额",
	"发放资金", "金额", NULL };
static const char *const names_funding[] = { "资金来源", "资金渠道", "经费来源", NULL };
static const char *const names_mode[] = { "供养方式", "集中/分散", "供养形式", NULL };
static const char *const *const dnames[D__COUNT] = {
	names_region, names_id, names_program, names_area, names_household,
	names_persons, names_period, names_amount, names_funding, names_mode,
};

struct label {
	char *text;          /* folded */
	long n;
	int known;
};

struct dctx {
	const struct draft_opts *o;
	struct rs_error *err;
	long records, header_record, header_line, data_rows;
	int have_header, best_score, gave_up;
	long col[D__COUNT];
	char *header[D__COUNT];  /* as read */
	int rank[D__COUNT];      /* index in the name table matched (0 best) */
	long dup[D__COUNT];      /* another column (1-based) with the same
				    folded header name, or 0: rs-ingest
				    stops on a field read by such a name */
	long ncols;
	char *best_headers;      /* the closest record, for the message */
	/* amounts */
	long amounts, amt_dot3, amt_ideo, amt_lt100, amt_int, amt_big, amt_bad,
	     amt_under1;
	/* months */
	long months, m_plain, m_slash, m_first_gt12, m_second_gt12, m_serial, m_bad;
	struct label labels[MAX_LABELS];
	size_t nlabels;
	long labels_dropped;
	struct sbuf tmp;
	struct sbuf hdr_raw;     /* the header row as read */
	const char *same_sheets; /* ", 2月, 3月": later sheets with that
				    header; NULL: none */
	const char *other_sheets; /* later sheets with rows, other header */
};

/* A later sheet looked at for the header of the first: its first rows. */
struct probe {
	const struct sbuf *hdr;
	long rows;
	int same;
};

static int probe_row(const struct csv_row *row, void *vctx, struct rs_error *err)
{
	struct probe *pr = vctx;

	if (!row->raw_len)
		return 0;
	pr->rows++;
	if (row->raw_len == pr->hdr->len && !memcmp(row->raw, pr->hdr->buf, row->raw_len))
		pr->same = 1;
	if (pr->same || pr->rows >= HEADER_SEARCH)
		return rs_err(err, "probe done");   /* enough: stop reading */
	return 0;
}

static void fold(struct dctx *c, const char *s, size_t n)
{
	size_t i, k;

	sbuf_reset(&c->tmp);
	if (norm_label(s, n, &c->tmp, c->err)) {
		sbuf_reset(&c->tmp);
		sbuf_add(&c->tmp, s, n);
	}
	for (i = k = 0; i < c->tmp.len; i++)
		if (c->tmp.buf[i] != ' ')
			c->tmp.buf[k++] = c->tmp.buf[i];
	c->tmp.len = k;
	if (c->tmp.buf)
		c->tmp.buf[k] = '\0';
}

/* The rank of folded header h among field d's names, or -1. */
static int name_rank(int d, const char *h)
{
	int i;

	for (i = 0; dnames[d][i]; i++) {
		const char *nm = dnames[d][i];
		size_t l = strlen(nm);
		if (!strcmp(h, nm))
			return i;
		if (d == D_AMOUNT && !strncmp(h, nm, l) && h[l] == '(')
			return i;
	}
	return -1;
}

/* Matches a record's cells against the names; returns how many fields. */
static int score_header(struct dctx *c, const struct csv_row *row, long col[D__COUNT],
			int rank[D__COUNT])
{
	size_t i;
	int d, score = 0;

	for (d = 0; d < D__COUNT; d++) {
		col[d] = -1;
		rank[d] = 1000;
	}
	for (i = 0; i < row->n; i++) {
		fold(c, row->f[i].p, row->f[i].len);
		for (d = 0; d < D__COUNT; d++) {
			int r = name_rank(d, c->tmp.buf ? c->tmp.buf : "");
			if (r >= 0 && r < rank[d]) {
				if (col[d] < 0)
					score++;
				col[d] = (long)i;
				rank[d] = r;
			}
		}
	}
	return score;
}

static void sample_amount(struct dctx *c, const char *s, size_t n)
{
	struct sbuf w;
	const char *dot;
	size_t dec = 0;
	int64_t fen;

	if (!n)
		return;
	sbuf_init(&w, 0);
	norm_width(s, n, &w);
	if (strstr(w.buf ? w.buf : "", "。")) {
		c->amt_ideo++;
		sbuf_release(&w);
		return;
	}
	c->amounts++;
	dot = strchr(w.buf ? w.buf : "", '.');
	if (dot)
		dec = strspn(dot + 1, "0123456789");
	if (dec > 2)
		c->amt_dot3++;
	if (money_parse(w.buf ? w.buf : "", w.len, MU_WAN, &fen) != MONEY_OK)
		c->amt_bad++;
	else if (fen < 100 * 10000 * 100LL)     /* under 100 万元 read as 万元 */
		c->amt_lt100++;
	if (!dot)
		c->amt_int++;
	if (money_parse(w.buf ? w.buf : "", w.len, MU_YUAN, &fen) == MONEY_OK &&
	    fen >= 1000000)                     /* 10000 元 or more */
		c->amt_big++;
	if (money_parse(w.buf ? w.buf : "", w.len, MU_YUAN, &fen) == MONEY_OK &&
	    fen > 0 && fen < 100)               /* under 1 元 */
		c->amt_under1++;
	sbuf_release(&w);
}

static void sample_month(struct dctx *c, const char *s, size_t n)
{
	struct sbuf w;
	const char *p;
	int a, b;

	if (!n)
		return;
	sbuf_init(&w, 0);
	norm_width(s, n, &w);
	p = w.buf ? w.buf : "";
	c->months++;
	if (month_parse_opt(p, w.len, 0) >= 0)
		c->m_plain++;
	else if (sscanf(p, "%d/%d/", &a, &b) == 2 && strlen(p) >= 8 && a <= 31 && b <= 31) {
		c->m_slash++;
		c->m_first_gt12 += a > 12;
		c->m_second_gt12 += b > 12;
	} else if (w.len == 5 && strspn(p, "0123456789") == 5 &&
		   month_from_serial(strtod(p, NULL), RS_DATE_SERIAL1900) >= 0)
		c->m_serial++;
	else
		c->m_bad++;
	sbuf_release(&w);
}

static void sample_label(struct dctx *c, const char *s, size_t n)
{
	size_t i;

	if (!n)
		return;
	fold(c, s, n);
	for (i = 0; i < c->nlabels; i++)
		if (!strcmp(c->labels[i].text, c->tmp.buf)) {
			c->labels[i].n++;
			return;
		}
	if (c->nlabels == MAX_LABELS) {
		c->labels_dropped++;
		return;
	}
	c->labels[c->nlabels].text = xstrdup(c->tmp.buf);
	c->labels[c->nlabels].n = 1;
	c->labels[c->nlabels].known = catalog_lookup_label(c->o->cat, c->tmp.buf) != NULL;
	c->nlabels++;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The letters of a folded label (valid UTF-8) as sorted code points,
 * ASCII punctuation and spaces, 、·【】《》 left out: 最低生活保障(城市) and
 * 城市最低生活保障 give the same. Returns how many, or -1 past max.
 */
static int letters(const char *s, uint32_t *cp, int max)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t u;
	int n = 0, k, i;

	while (*p) {
		k = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
		u = k == 1 ? *p : (uint32_t)(*p & (0x7F >> k));
		for (i = 1; i < k; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return -1;
			u = u << 6 | (p[i] & 0x3F);
		}
		p += k;
		if ((u < 0x80 && !((u >= '0' && u <= '9') || ((u | 0x20) >= 'a' &&
		     (u | 0x20) <= 'z'))) || u == 0xB7 || u == 0x3001 ||
		    u == 0x300A || u == 0x300B || u == 0x3010 || u == 0x3011)
			continue;
		if (n == max)
			return -1;
		cp[n++] = u;
	}
	qsort(cp, (size_t)n, sizeof(*cp), cmp_u32);
	return n;
}

/*
 * The one program a name or alias of which has the label's letters in
 * another order (最低生活保障(城市) for 城市最低生活保障), or NULL: none, or
 * names of two programs. *name: that catalog label.
 */
static const struct program *reordered(const struct catalog *cat,
				       const char *label, const char **name)
{
	uint32_t a[32], b[32];
	const struct program *found = NULL, *p;
	int na = letters(label, a, 32), nb;
	size_t i;

	if (na < 2)
		return NULL;
	for (i = 0; i < cat->nlabels; i++) {
		nb = letters(cat->labels[i], b, 32);
		if (nb != na || memcmp(a, b, (size_t)na * sizeof(*a)))
			continue;
		p = &cat->p[cat->label_prog[i]];
		if (found && found != p)
			return NULL;
		found = p;
		*name = cat->labels[i];
	}
	return found;
}

/* Unknown labels, most rows first (then in the order first seen). */
static int cmp_label_n(const void *a, const void *b)
{
	const struct label *x = *(const struct label *const *)a;
	const struct label *y = *(const struct label *const *)b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x < y ? -1 : x > y;
}

static const struct csv_field *cell(const struct dctx *c, const struct csv_row *row, int d)
{
	static const struct csv_field empty = { "", 0 };

	return c->col[d] >= 0 && (size_t)c->col[d] < row->n ? &row->f[c->col[d]] : &empty;
}

static int on_row(const struct csv_row *row, void *vctx, struct rs_error *err)
{
	struct dctx *c = vctx;
	size_t i;
	int d;

	for (i = 0; i < row->n && !row->f[i].len; i++)
		;
	if (i == row->n)
		return 0;                      /* an empty record, as ingest skips */
	c->records++;
	if (!c->have_header) {
		long col[D__COUNT];
		int rank[D__COUNT], score = score_header(c, row, col, rank);
		if (score > c->best_score || !c->best_headers) {
			struct sbuf h;
			sbuf_init(&h, 0);
			for (i = 0; i < row->n && h.len < 300; i++) {
				if (i)
					sbuf_adds(&h, ", ");
				sbuf_add(&h, row->f[i].p, row->f[i].len);
			}
			free(c->best_headers);
			c->best_headers = sbuf_detach(&h, NULL);
			c->best_score = score;
		}
		if (score < MIN_FIELDS) {
			if (c->records < HEADER_SEARCH)
				return 0;
			c->gave_up = 1;       /* no header here: stop reading */
			return rs_err(err, "no header");
		}
		c->have_header = 1;
		sbuf_reset(&c->hdr_raw);
		sbuf_add(&c->hdr_raw, row->raw, row->raw_len);
		c->header_record = c->records;
		c->header_line = row->line;
		c->ncols = (long)row->n;
		for (d = 0; d < D__COUNT; d++) {
			c->col[d] = col[d];
			c->rank[d] = rank[d];
			if (col[d] >= 0)
				c->header[d] = xstrndup(row->f[col[d]].p, row->f[col[d]].len);
		}
		/* Two columns of one name: ingest cannot tell which one the
		 * name means, and stops (the draft says so, with both). */
		for (d = 0; d < D__COUNT; d++) {
			char *name;
			size_t j;

			if (col[d] < 0)
				continue;
			fold(c, row->f[col[d]].p, row->f[col[d]].len);
			name = xstrdup(c->tmp.buf ? c->tmp.buf : "");
			for (j = 0; j < row->n && !c->dup[d]; j++) {
				if ((long)j == col[d])
					continue;
				fold(c, row->f[j].p, row->f[j].len);
				if (*name && c->tmp.buf && !strcmp(name, c->tmp.buf))
					c->dup[d] = (long)j + 1;
			}
			free(name);
		}
		return 0;
	}
	/* total rows (no ID, a 计 somewhere) are not sampled */
	if (cell(c, row, D_ID)->len == 0)
		return 0;
	c->data_rows++;
	if (c->data_rows <= SAMPLE_ROWS) {
		sample_amount(c, cell(c, row, D_AMOUNT)->p, cell(c, row, D_AMOUNT)->len);
		sample_month(c, cell(c, row, D_PERIOD)->p, cell(c, row, D_PERIOD)->len);
	}
	sample_label(c, cell(c, row, D_PROGRAM)->p, cell(c, row, D_PROGRAM)->len);
	(void)err;
	return 0;
}

/* Writes s as a double-quoted YAML scalar. */
static void yaml_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s < 0x20)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

/* What the CSV's first bytes say: encoding and delimiter. */
static int sniff_csv(const char *path, const char **enc, char *delim,
		     struct rs_error *err)
{
	static const char cands[] = ",\t;|";
	long count[4] = { 0 };
	char *buf = NULL;
	size_t n = 0, k, i;
	int best = 0, lines = 0;

	FILE *f = fopen(path, "rb");

	if (!f)
		return rs_err(err, "cannot open '%s': %m", path);
	buf = xmalloc(256 << 10);
	n = fread(buf, 1, 256 << 10, f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return rs_err(err, "cannot read '%s'", path);
	}
	fclose(f);
	/* ingest's own choice for encoding: auto (a UTF-8 export with a
	 * stray byte is UTF-8, its row a bad_encoding reject) */
	switch (rs_encoding_detect(buf, n)) {
	case RS_ENC_UTF8_SIG: *enc = "utf-8-sig"; break;
	case RS_ENC_UTF8: *enc = "utf-8"; break;
	default: *enc = "gb18030"; break;
	}
	for (i = 0; i < n && lines < 40; i++) {
		const char *q = strchr(cands, buf[i]);
		if (buf[i] == '\n')
			lines++;
		else if (q && buf[i])
			count[q - cands]++;
	}
	for (k = 1; k < 4; k++)
		if (count[k] > count[best])
			best = (int)k;
	*delim = cands[best];
	free(buf);
	return 0;
}

static void write_draft(struct dctx *c, FILE *out, enum rs_format fmt,
			const char *enc, char delim, const char *sheet,
			int *unsure)
{
	const char *base = strrchr(c->o->input, '/'), *unit = "元", *why;
	char name[128];
	size_t i;
	int d, flags = 0;

	base = base ? base + 1 : c->o->input;
	snprintf(name, sizeof(name), "%s", base);
	if (strrchr(name, '.'))
		*strrchr(name, '.') = '\0';
	fprintf(out, "# Mapping drafted by rs-draft from '%s' (%s%s%s%s).\n", base,
		rowsrc_format_name(fmt), !sheet ? "" : c->same_sheets ? ", sheets " : ", sheet ",
		sheet ? sheet : "", sheet && c->same_sheets ? c->same_sheets : "");
	fprintf(out, "# Read every line marked UNSURE or TODO, then try it: rs-ingest --mapping THIS_FILE ...\n");
	fprintf(out, "source: ");
	yaml_str(out, name);
	fputc('\n', out);
	if (fmt == RS_FMT_CSV) {
		fprintf(out, "encoding: %s\n", enc);
		if (delim == '\t')
			fprintf(out, "delimiter: tab\n");
		else if (delim != ',')
			fprintf(out, "delimiter: \"%c\"\n", delim);
	} else if (sheet && c->same_sheets && !c->other_sheets) {
		fprintf(out, "sheets: all           # the visible sheets %s%s have the same header: all are read, in order (sheet: NAME reads one)\n",
			sheet, c->same_sheets);
	} else if (sheet && c->same_sheets) {
		const char *q = c->same_sheets;
		fprintf(out, "sheets: [");
		yaml_str(out, sheet);
		while (q && *q) {
			const char *e = strstr(q + 2, ", ");
			size_t n = e ? (size_t)(e - q - 2) : strlen(q + 2);
			char nm[256];
			snprintf(nm, sizeof(nm), "%.*s", (int)n, q + 2);
			fprintf(out, ", ");
			yaml_str(out, nm);
			q = e;
		}
		fprintf(out, "]   # UNSURE: these sheets have the same header; %s hold%s another table, left out\n",
			c->other_sheets, strchr(c->other_sheets, ',') ? "" : "s");
		(*unsure)++;
	} else if (sheet) {
		fprintf(out, "sheet: ");
		yaml_str(out, sheet);
		fputc('\n', out);
	}
	fprintf(out, "header_row: auto      # the header is record %ld (line %ld; blank lines not counted)\n",
		c->header_record, c->header_line);
	/* the amount's unit: from its header, else from the magnitudes */
	why = NULL;
	if (c->header[D_AMOUNT] && strstr(c->header[D_AMOUNT], "万元")) {
		unit = "万元";
		why = "from the header";
	} else if (c->header[D_AMOUNT] && (strstr(c->header[D_AMOUNT], "（分）") ||
					   strstr(c->header[D_AMOUNT], "(分)"))) {
		unit = "分";
		why = "from the header";
	} else if (c->header[D_AMOUNT] && strstr(c->header[D_AMOUNT], "元")) {
		why = "from the header";
	}
	if (!why && c->amounts && c->amt_dot3 * 2 > c->amounts && c->amt_lt100 * 10 >= c->amounts * 9) {
		unit = "万元";
		fprintf(out, "amount_unit: %s      # UNSURE: from the magnitudes (most amounts have more than two decimals and are small)\n", unit);
		(*unsure)++;
	} else if (!why && c->amounts && c->amt_under1 * 2 > c->amounts) {
		unit = "万元";
		fprintf(out, "amount_unit: %s      # UNSURE: from the magnitudes (most amounts are under 1, and no payment is under 1 元)\n", unit);
		(*unsure)++;
	} else if (!why && c->amounts && c->amt_int == c->amounts && c->amt_big * 2 > c->amounts) {
		fprintf(out, "amount_unit: 元       # UNSURE: every amount is a whole number and most are 10000 or more: 分?\n");
		(*unsure)++;
	} else {
		fprintf(out, "amount_unit: %s%s%s\n", unit, why ? "      # " : "      # UNSURE: no unit in the header; the magnitudes look like ",
			why ? why : "元");
		if (!why)
			(*unsure)++;
	}
	if (c->amt_ideo)
		fprintf(out, "decimal_point: [\"。\", \".\"]   # %ld sampled amounts use 。 as the decimal point\n",
			c->amt_ideo);
	if (c->m_slash) {
		if (c->m_first_gt12 && !c->m_second_gt12)
			fprintf(out, "date_order: dmy        # months like 25/3/2024: the day comes first\n");
		else if (c->m_second_gt12 && !c->m_first_gt12)
			fprintf(out, "date_order: mdy        # months like 3/25/2024: the month comes first\n");
		else {
			fprintf(out, "date_order: mdy        # UNSURE: %ld dates like 3/1/2024 and none says which part is the day\n",
				c->m_slash);
			(*unsure)++;
		}
	}
	flags = c->m_serial ? RS_DATE_SERIAL1900 : 0;
	if (flags)
		fprintf(out, "serial_dates: 1900     # %ld months are spreadsheet day numbers (45352 = 2024-03-01); UNSURE if the file came from a Mac in the 1904 system\n",
			c->m_serial);
	if (c->m_bad)
		fprintf(out, "# UNSURE: %ld of %ld sampled months are in no known form\n",
			c->m_bad, c->months);
	*unsure += c->m_serial ? 1 : 0;
	*unsure += c->m_bad ? 1 : 0;
	fprintf(out, "columns:\n");
	for (d = 0; d < D__COUNT; d++) {
		if (!c->header[d]) {
			if (drequired[d]) {
				fprintf(out, "  # TODO: %s: ?      (required; no header matched a common name)\n",
					dfield[d]);
				(*unsure)++;
			}
			continue;
		}
		fprintf(out, "  %s: ", dfield[d]);
		yaml_str(out, c->header[d]);
		if (c->dup[d]) {
			long a = c->col[d] + 1, b = c->dup[d];

			if (a > b) {
				long t = a;
				a = b;
				b = t;
			}
			fprintf(out, "   # UNSURE: two columns are headed '%s' (columns %ld and %ld): "
				"rename one in the export, or give the column by number ('%s: %ld' or '%s: %ld')",
				c->header[d], a, b, dfield[d], a, dfield[d], b);
			rs_warn("the header of '%s' has two columns '%s' (columns %ld and %ld): "
				"rs-ingest cannot tell which one '%s' means; rename one in the export, "
				"or give the column by number in the mapping ('%s: %ld' or '%s: %ld')",
				c->o->input, c->header[d], a, b, dfield[d], dfield[d], a, dfield[d], b);
			(*unsure)++;
		} else if (c->rank[d] > 0 && dnames[d][c->rank[d] + 1] == NULL && d == D_PROGRAM) {
			fprintf(out, "   # UNSURE: a generic name");
			(*unsure)++;
		}
		fputc('\n', out);
	}
	{
		/* Labels the catalog has in another order are mapped (UNSURE);
		 * the others are left as commented TODO lines. */
		const struct label **u = xcalloc(c->nlabels + 1, sizeof(*u));
		const struct program *pr;
		const char *name = NULL;
		size_t nu = 0, nmapped = 0, nsingle = 0;
		int first = 1;

		for (i = 0; i < c->nlabels; i++)
			if (!c->labels[i].known)
				u[nu++] = &c->labels[i];
		qsort(u, nu, sizeof(*u), cmp_label_n);
		for (i = 0; i < nu; i++) {
			if (!(pr = reordered(c->o->cat, u[i]->text, &name)))
				continue;
			if (!nmapped++)
				fprintf(out, "programs:\n");
			fprintf(out, "  ");
			yaml_str(out, u[i]->text);
			fprintf(out, ": %s    # UNSURE: the catalog's '%s' in another order; %ld row%s\n",
				pr->code, name, u[i]->n, u[i]->n == 1 ? "" : "s");
			(*unsure)++;
			u[i] = NULL;
		}
		for (i = 0; i < nu; i++) {
			if (!u[i])
				continue;
			if (first) {
				fprintf(out, "# TODO: program labels the catalog does not know; map each to a\n"
					     "# catalog code (samples/reference/programs.yaml) and uncomment it%s,\n"
					     "# or add the program to a local catalog (--catalog). Until then\n"
					     "# their rows are rejected as unknown_program.\n%s",
					nmapped ? " (under programs: above)" : "",
					nmapped ? "" : "# programs:\n");
				first = 0;
				(*unsure)++;
			}
			fprintf(out, "#   ");
			yaml_str(out, u[i]->text);
			fprintf(out, ": TODO    # %ld row%s\n", u[i]->n, u[i]->n == 1 ? "" : "s");
			nsingle += u[i]->n == 1;
		}
		if (nsingle)
			fprintf(out, "# (a label on a single row is more likely a typing error than a program:\n"
				     "# left unmapped, its row is rejected and listed for the district to correct)\n");
		free(u);
		if (c->labels_dropped)
			fprintf(out, "# (more than %d distinct program labels: %ld rows' labels not listed)\n",
				MAX_LABELS, c->labels_dropped);
	}
}

int draft_run(const struct draft_opts *o, FILE *out, int *unsure,
	      struct rs_error *err)
{
	struct dctx c;
	struct rowsrc_opts ro;
	enum rs_format fmt;
	struct sbuf sheets, same, other;
	const char *enc = "auto", *sheet = o->sheet, *p;
	size_t nsame = 0;
	char delim = ',';
	size_t nsheets = 0, i, tried = 0;
	int ret = 1, d;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.err = err;
	sbuf_init(&c.tmp, 0);
	sbuf_init(&c.hdr_raw, 0);
	sbuf_init(&sheets, 0);
	sbuf_init(&same, 0);
	sbuf_init(&other, 0);
	*unsure = 0;
	if (rowsrc_sniff(o->input, &fmt, err))
		goto out;
	if (fmt == RS_FMT_CSV && sniff_csv(o->input, &enc, &delim, err))
		goto out;
	if (fmt != RS_FMT_CSV && !sheet &&
	    rowsrc_visible_sheets(o->input, fmt, &sheets, &nsheets, err)) {
		ret = 2;
		goto out;
	}
	memset(&ro, 0, sizeof(ro));
	rs_encoding_parse(enc, &ro.csv.encoding);
	ro.csv.delim = (unsigned char)delim;
	/* a workbook: the first sheet that has a header */
	p = sheets.buf;
	for (;;) {
		ro.sheet = sheet ? sheet : nsheets ? p : NULL;
		c.gave_up = 0;
		if (rowsrc_read(o->input, &ro, on_row, &c, NULL, err) && !c.gave_up) {
			ret = fmt == RS_FMT_CSV ? 1 : 2;
			goto out;
		}
		tried++;
		if (c.have_header || sheet || tried >= nsheets)
			break;
		p += strlen(p) + 1;
		c.records = 0;
		c.best_score = 0;
	}
	if (!c.have_header) {
		rs_err(err, "no header found in '%s'%s: none of the first %d records has %d or more common column names (区划代码, 身份证号码, 救助类别, 发放金额 ...); the closest: %s",
		       o->input, nsheets > 1 ? " (any sheet)" : "", HEADER_SEARCH,
		       MIN_FIELDS, c.best_headers ? c.best_headers : "none");
		ret = 2;
		goto out;
	}
	/* the later visible sheets: the same header is one table in parts
	 * (a sheet per month), read together; another header is another
	 * table */
	if (!sheet && nsheets > 1) {
		const char *q = p + strlen(p) + 1;
		struct rs_error e2;
		for (i = tried; i < nsheets; i++, q += strlen(q) + 1) {
			struct probe pr = { &c.hdr_raw, 0, 0 };
			ro.sheet = q;
			rowsrc_read(o->input, &ro, probe_row, &pr, NULL, &e2);
			if (pr.same) {
				sbuf_addf(&same, ", %s", q);
				nsame++;
			} else if (pr.rows) {
				sbuf_addf(&other, "%s%s", other.len ? ", " : "", q);
			}
		}
		ro.sheet = p;
	}
	c.same_sheets = nsame ? same.buf : NULL;
	c.other_sheets = other.len ? other.buf : NULL;
	write_draft(&c, out, fmt, enc, delim, fmt != RS_FMT_CSV ? ro.sheet : NULL,
		    unsure);
	ret = 0;
out:
	for (d = 0; d < D__COUNT; d++)
		free(c.header[d]);
	for (i = 0; i < c.nlabels; i++)
		free(c.labels[i].text);
	free(c.best_headers);
	sbuf_release(&c.tmp);
	sbuf_release(&c.hdr_raw);
	sbuf_release(&sheets);
	sbuf_release(&same);
	sbuf_release(&other);
	return ret;
}
