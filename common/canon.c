/*
 * canon.c - canonical records, rejects and summaries (see canon.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"
#include "jsonw.h"
#include "idnum.h"
#include "money.h"
#include "period.h"
#include "xalloc.h"

/*
 * The reject reasons in enum reject_code's order, each code with its
 * Chinese name, in one row so that the two cannot drift apart. The code is
 * ours and stays in internal files; the Chinese name is for whatever a
 * statistician or a district reads (the quality table, the 退回清单,
 * explain).
 */
static const struct reject_reason {
	const char *code;
	const char *zh;
} reasons[] = {
	[RJ_MALFORMED_LINE]       = { "malformed_line", "字段数不符" },
	[RJ_BAD_ENCODING]         = { "bad_encoding", "编码错误" },
	[RJ_MISSING_FIELD]        = { "missing_field", "必填项为空" },
	[RJ_BAD_ID]               = { "bad_id", "身份证号码有误" },
	[RJ_BAD_AMOUNT]           = { "bad_amount", "金额格式有误" },
	[RJ_NEGATIVE_AMOUNT]      = { "negative_amount", "金额为负数" },
	[RJ_BAD_PERIOD]           = { "bad_period", "发放年月有误" },
	[RJ_UNKNOWN_PROGRAM]      = { "unknown_program", "救助类别无法识别" },
	[RJ_UNKNOWN_REGION]       = { "unknown_region", "行政区划代码无法识别" },
	[RJ_PERIOD_OUT_OF_RANGE]  = { "period_out_of_range", "发放年月不在报告期内" },
	[RJ_PERSONS_OUT_OF_RANGE] = { "persons_out_of_range", "保障人数有误" },
	[RJ_AGE_INELIGIBLE]       = { "age_ineligible", "年龄不符合条件" },
	[RJ_OFF_STANDARD]         = { "off_standard", "金额不符合发放标准" },
	[RJ_DUPLICATE_PAYMENT]    = { "duplicate_payment", "重复发放" },
	[RJ_CONFLICTING_PROGRAMS] = { "conflicting_programs", "同月同时享受低保和特困" },
	[RJ_UNKNOWN_AREA]         = { "unknown_area", "城乡属性无法识别" },
	[RJ_UNMATCHED_REVERSAL]   = { "unmatched_reversal", "冲正无对应发放" },
};
/* A code added last to the enum without its row here stops the build; a
 * row missing elsewhere is left all NULL (tests/t_ingest.sh fails then). */
_Static_assert(sizeof(reasons) / sizeof(reasons[0]) == RJ__COUNT,
	       "every reject code needs its row in reasons[]");

const char *reject_code_name(enum reject_code c)
{
	return c < RJ__COUNT ? reasons[c].code : "unknown";
}

int reject_code_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < RJ__COUNT; i++)
		if (strlen(reasons[i].code) == len && !memcmp(reasons[i].code, name, len))
			return i;
	return -1;
}

const char *reject_code_zh(const char *code)
{
	int i = reject_code_lookup(code, strlen(code));

	return i < 0 ? NULL : reasons[i].zh;
}

/* Appends a string known to need no CSV quoting (codes, digits, hex). */
static void add_plain(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

/* Written field by field without printf: this runs once per record. */
void record_format(const struct record *r, struct sbuf *sb)
{
	char month[8], money[32];

	sbuf_add_csv(sb, r->source, strlen(r->source));
	sbuf_addc(sb, ',');
	sbuf_add_int(sb, r->line);
	sbuf_addc(sb, ',');
	add_plain(sb, r->region);
	sbuf_addc(sb, ',');
	add_plain(sb, r->program);
	sbuf_addc(sb, ',');
	add_plain(sb, r->area);
	sbuf_addc(sb, ',');
	month_fmt(r->ym, month);
	add_plain(sb, month);
	sbuf_addc(sb, ',');
	add_plain(sb, r->beneficiary);
	sbuf_addc(sb, ',');
	if (r->household_size > 0)
		sbuf_add_int(sb, r->household_size);
	sbuf_addc(sb, ',');
	sbuf_add_int(sb, r->persons);
	sbuf_addc(sb, ',');
	add_plain(sb, money_fmt_yuan(r->amount, money));
	sbuf_addc(sb, ',');
	if (r->age >= 0)
		sbuf_add_int(sb, r->age);
	sbuf_addc(sb, ',');
	if (r->sex)
		sbuf_addc(sb, r->sex);
	sbuf_addc(sb, ',');
	sbuf_add_csv(sb, r->funding, strlen(r->funding));
	sbuf_addc(sb, ',');
	sbuf_add_csv(sb, r->support_mode, strlen(r->support_mode));
	add_plain(sb, r->kind == RK_REVERSAL ? ",reversal," :
		  r->kind == RK_BACKPAY ? ",backpay," : ",,");
	if (r->covers_first >= 0) {
		char a[8], b[8];
		month_fmt(r->covers_first, a);
		month_fmt(r->covers_last, b);
		add_plain(sb, a);
		sbuf_add(sb, "..", 2);
		add_plain(sb, b);
	}
	sbuf_addc(sb, '\n');
}

struct read_ctx {
	const char *path;
	record_fn fn;
	void *ctx;
	long n;
	size_t nfields;          /* from the header: 16, or 14 for old files */
	int header;              /* the header was read */
};

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;
	int64_t q;

	if (!*s)
		return -1;
	/* What we write ourselves, a plain decimal of at most 18 digits, is
	 * read without strtol; anything else strtol judges, as before. */
	if (!parse_int64(s, &q)) {
		if (q < min || q > max)
			return -1;
		*out = (long)q;
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int on_row(const struct csv_row *row, void *vctx, struct rs_error *err)
{
	struct read_ctx *c = vctx;
	struct record r;
	const struct csv_field *f = row->f;
	long v;

	if (row->line == 1) {
		if (row->raw_len == strlen(CANON_HEADER) &&
		    !memcmp(row->raw, CANON_HEADER, row->raw_len))
			c->nfields = CANON_NFIELDS;
		else if (row->raw_len == strlen(CANON_HEADER_V1) &&
			 !memcmp(row->raw, CANON_HEADER_V1, row->raw_len))
			c->nfields = CANON_NFIELDS_V1;
		else
			return rs_err(err, "'%s' is not a canonical record file (unexpected header)",
				      c->path);
		c->header = 1;
		return 0;
	}
	c->n++;
#define BAD(what) return rs_err(err, "'%s' line %ld: bad %s", c->path, row->line, what)
	if (row->n != c->nfields || row->bad_encoding)
		BAD("record (wrong number of fields)");
	memset(&r, 0, sizeof(r));
	r.source = f[0].p;
	if (parse_long(f[1].p, 1, 0x7fffffffffffffffL, &r.line))
		BAD("line number");
	if (f[2].len != 12 || strspn(f[2].p, "0123456789") != 12)
		BAD("region_code");
	r.region = f[2].p;
	if (!f[3].len)
		BAD("program");
	r.program = f[3].p;
	if (strcmp(f[4].p, "urban") && strcmp(f[4].p, "rural"))
		BAD("area");
	r.area = f[4].p;
	if (f[5].len != 7 || (r.ym = month_parse(f[5].p, f[5].len)) < 0)
		BAD("period");
	if (f[6].len != 32 || strspn(f[6].p, "0123456789abcdef") != 32)
		BAD("beneficiary");
	r.beneficiary = f[6].p;
	if (f[7].len && parse_long(f[7].p, 1, 1000000, &r.household_size))
		BAD("household_size");
	if (parse_long(f[8].p, -1000000, 1000000, &r.persons))
		BAD("persons");
	if (money_parse(f[9].p, f[9].len, MU_YUAN, &r.amount) != MONEY_OK)
		BAD("amount");
	r.age = -1;
	if (f[10].len) {
		if (parse_long(f[10].p, -200, 200, &v))
			BAD("age");
		r.age = (int)v;
	}
	if (f[11].len && strcmp(f[11].p, "M") && strcmp(f[11].p, "F"))
		BAD("sex");
	r.sex = f[11].len ? f[11].p[0] : 0;
	r.funding = f[12].p;
	r.support_mode = f[13].p;
	r.kind = RK_PAYMENT;
	r.covers_first = r.covers_last = -1;
	if (c->nfields > 14 && f[14].len) {
		struct period cv;
		if (!strcmp(f[14].p, "reversal"))
			r.kind = RK_REVERSAL;
		else if (!strcmp(f[14].p, "backpay"))
			r.kind = RK_BACKPAY;
		else
			BAD("kind");
		if (r.kind == RK_BACKPAY || f[15].len) {
			if (period_parse(f[15].p, &cv))
				BAD("covers");
			r.covers_first = cv.first;
			r.covers_last = cv.last;
		}
	}
#undef BAD
	return c->fn(&r, row, c->ctx, err);
}

int record_read(const char *path, record_fn fn, void *ctx, long *nread,
		struct rs_error *err)
{
	struct read_ctx c = { path, fn, ctx, 0, CANON_NFIELDS, 0 };
	struct csvin_opts opts = { RS_ENC_UTF8, ',', 0, 0, 0, NULL };
	int ret = csvin_read(path, &opts, on_row, &c, err);

	/* An empty file (0 bytes, or gzip of nothing) has lost its header
	 * and perhaps its rows: a stage that wrote it always writes one. */
	if (!ret && !c.header)
		ret = rs_err(err, "'%s' is empty: not a canonical record file (no header line); rerun the stage that writes it",
			     path);
	if (nread)
		*nread = c.n;
	return ret;
}

int rejects_open(struct rejects *rj, const char *path, struct rs_error *err)
{
	memset(rj, 0, sizeof(*rj));
	if (rs_out_open(&rj->out, path, 0600, err))
		return -1;
	sbuf_init(&rj->line, 0);
	rs_out_puts(&rj->out, REJECTS_HEADER "\n");
	return 0;
}

void rejects_add(struct rejects *rj, const char *source, long line,
		 enum reject_code code, const char *field, const char *message,
		 const char *raw, size_t raw_len)
{
	char *masked = xmalloc(raw_len + 1);
	size_t mlen = strlen(message);
	char *mmsg = xmalloc(mlen + 1);

	rj->counts[code]++;
	rj->total++;
	sbuf_reset(&rj->line);
	sbuf_add_csv(&rj->line, source, strlen(source));
	sbuf_addf(&rj->line, ",%ld,%s,", line, reasons[code].code);
	sbuf_add_csv(&rj->line, field, strlen(field));
	sbuf_addc(&rj->line, ',');
	id_mask_text(message, mlen, mmsg);
	if (rj->name)
		name_mask_text(mmsg, mlen, rj->name, rj->name_len);
	sbuf_add_csv(&rj->line, mmsg, mlen);
	sbuf_addc(&rj->line, ',');
	id_mask_text(raw, raw_len, masked);
	if (rj->name)
		name_mask_text(masked, raw_len, rj->name, rj->name_len);
	sbuf_add_csv(&rj->line, masked, raw_len);
	sbuf_addc(&rj->line, '\n');
	rs_out_write(&rj->out, rj->line.buf, rj->line.len);
	if (!rj->sample[code]) {
		struct sbuf sm;
		size_t rl = raw_len;

		while (rl && (masked[rl - 1] == '\n' || masked[rl - 1] == '\r'))
			rl--;
		if (rl > 160) {
			rl = 160;
			while (rl && ((unsigned char)masked[rl] & 0xC0) == 0x80)
				rl--;	/* not inside a UTF-8 character */
		}
		sbuf_init(&sm, 0);
		sbuf_addf(&sm, "%s:%ld: %s | %.*s%s", source, line, mmsg,
			  (int)rl, masked, rl < raw_len && masked[rl] != '\n' &&
			  masked[rl] != '\r' ? "..." : "");
		rj->sample[code] = sm.buf ? sm.buf : xstrdup("");
	}
	free(masked);
	free(mmsg);
}

int rejects_commit(struct rejects *rj, struct rs_error *err)
{
	sbuf_release(&rj->line);
	return rs_out_commit(&rj->out, err);
}

struct rs_out *rejects_out(struct rejects *rj)
{
	sbuf_release(&rj->line);
	return &rj->out;
}

void rejects_abort(struct rejects *rj)
{
	sbuf_release(&rj->line);
	rs_out_abort(&rj->out);
}

void rejects_sample_release(struct rejects *rj)
{
	int i;

	for (i = 0; i < RJ__COUNT; i++) {
		free(rj->sample[i]);
		rj->sample[i] = NULL;
	}
}

void reject_counts_format(const long counts[RJ__COUNT], struct sbuf *sb)
{
	int i, first = 1;

	for (i = 0; i < RJ__COUNT; i++) {
		if (!counts[i])
			continue;
		sbuf_addf(sb, "%s%s %ld", first ? " (" : ", ", reasons[i].code, counts[i]);
		first = 0;
	}
	if (!first)
		sbuf_addc(sb, ')');
}

int summary_write(const char *path, const char *stage, const char *source,
		  long rows_read, long records, const long counts[RJ__COUNT],
		  const json_t *extra, struct rs_error *err)
{
	struct rs_out out;

	if (summary_prepare(&out, path, stage, source, rows_read, records,
			    counts, extra, err))
		return -1;
	return rs_out_commit(&out, err);
}

int summary_prepare(struct rs_out *out, const char *path, const char *stage,
		    const char *source, long rows_read, long records,
		    const long counts[RJ__COUNT], const json_t *extra,
		    struct rs_error *err)
{
	json_t *o = json_object(), *rj = json_object();
	struct sbuf sb;
	long total = 0;
	int i, ret;

	json_object_set_new(o, "stage", json_text(stage));
	json_object_set_new(o, "source", json_text(source));
	json_object_set_new(o, "rows_read", json_integer(rows_read));
	json_object_set_new(o, "records", json_integer(records));
	for (i = 0; i < RJ__COUNT; i++) {
		if (!counts[i])
			continue;
		json_object_set_new(rj, reasons[i].code, json_integer(counts[i]));
		total += counts[i];
	}
	json_object_set_new(o, "rejects", rj);
	json_object_set_new(o, "reject_total", json_integer(total));
	if (extra)
		json_object_update(o, (json_t *)extra);
	sbuf_init(&sb, 0);
	ret = json_to_sbuf(o, &sb) || sbuf_addc(&sb, '\n') ? -1 : 0;
	json_decref(o);
	if (ret) {
		sbuf_release(&sb);
		return rs_err(err, "cannot write '%s': out of memory", path);
	}
	if (rs_out_open(out, path, 0644, err)) {
		sbuf_release(&sb);
		return -1;
	}
	rs_out_write(out, sb.buf, sb.len);
	sbuf_release(&sb);
	return 0;
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

void rs_data_path(const char *name, char *out, size_t outsz)
{
	const char *env = getenv("RS_DATADIR");
	char exe[2048], cand[4096];
	ssize_t n;

	if (env && *env) {
		snprintf(out, outsz, "%s/%s", env, name);
		return;
	}
	/* Relative to the program: PREFIX/bin/x -> PREFIX/share/reliefstat
	 * once installed, bin/x -> samples/reference in the source tree. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/../share/reliefstat", exe);
			if (is_dir(cand)) {
				snprintf(out, outsz, "%s/%s", cand, name);
				return;
			}
			snprintf(cand, sizeof(cand), "%s/../samples/reference", exe);
			if (is_dir(cand)) {
				snprintf(out, outsz, "%s/%s", cand, name);
				return;
			}
		}
	}
	if (!is_dir(RS_DATADIR) && is_dir("samples/reference"))
		snprintf(out, outsz, "samples/reference/%s", name);
	else
		snprintf(out, outsz, "%s/%s", RS_DATADIR, name);
}
