/*
 * xlsxin.c - rows of an .xlsx workbook (see rowsrc.h). The one file that
 * talks to libzip and libxml2: the zip is opened with libzip and each XML
 * part is read through libxml2's streaming xmlTextReader straight from
 * the zip member, so a sheet of a million rows is never held whole. Only
 * the shared strings (the workbook's table of distinct texts) and one
 * flag per cell style are kept in memory.
 */
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "period.h"
#include "rowsrc.h"
#include "xalloc.h"

#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define MAX_SHARED ((size_t)1 << 30)

struct xl {
	const char *path;
	zip_t *za;
	struct sbuf ss;            /* shared strings, NUL-separated */
	size_t *ss_off, nss, ss_cap;
	unsigned char *is_date;    /* per cell style (cellXfs index) */
	size_t nxf;
	int date1904;
	char xml_msg[256];         /* libxml2's last complaint */
};

struct member {
	zip_file_t *zf;
};

static int zip_read_cb(void *ctx, char *buf, int len)
{
	struct member *m = ctx;
	zip_int64_t n = zip_fread(m->zf, buf, (zip_uint64_t)len);

	return n < 0 ? -1 : (int)n;
}

static int zip_close_cb(void *ctx)
{
	(void)ctx;
	return 0;
}

static void xml_error_cb(void *ctx, xmlErrorPtr e)
{
	struct xl *x = ctx;

	if (e && e->message && !x->xml_msg[0]) {
		size_t n;
		snprintf(x->xml_msg, sizeof(x->xml_msg), "%s", e->message);
		n = strlen(x->xml_msg);
		while (n && (x->xml_msg[n - 1] == '\n' || x->xml_msg[n - 1] == ' '))
			x->xml_msg[--n] = '\0';
	}
}

/* Opens member name as a streaming XML reader. *rd is NULL (and 0
 * returned) when the member is absent and not required. */
static int part_open(struct xl *x, const char *name, int required,
		     struct member *m, xmlTextReaderPtr *rd, struct rs_error *err)
{
	*rd = NULL;
	m->zf = zip_fopen(x->za, name, 0);
	if (!m->zf) {
		if (!required)
			return 0;
		return rs_err(err, "'%s' is a zip file but not an Excel workbook: it has no '%s' (save it from Excel as .xlsx, or export CSV)",
			      x->path, name);
	}
	*rd = xmlReaderForIO(zip_read_cb, zip_close_cb, m, name, NULL,
			     XML_PARSE_NONET | XML_PARSE_COMPACT);
	if (!*rd) {
		zip_fclose(m->zf);
		m->zf = NULL;
		return rs_err(err, "cannot read '%s' in workbook '%s'", name, x->path);
	}
	xmlTextReaderSetStructuredErrorHandler(*rd, xml_error_cb, x);
	return 0;
}

static void part_close(struct member *m, xmlTextReaderPtr rd)
{
	if (rd)
		xmlFreeTextReader(rd);
	if (m->zf)
		zip_fclose(m->zf);
	m->zf = NULL;
}

static int part_fail(struct xl *x, const char *name, xmlTextReaderPtr rd,
		     struct rs_error *err)
{
	return rs_err(err, "workbook '%s' is damaged: '%s' line %d: %s", x->path,
		      name, xmlTextReaderGetParserLineNumber(rd),
		      x->xml_msg[0] ? x->xml_msg : "not well-formed XML");
}

static int is_elem(xmlTextReaderPtr rd, const char *name)
{
	const xmlChar *n = xmlTextReaderConstLocalName(rd);

	return n && !strcmp((const char *)n, name);
}

static char *attr(xmlTextReaderPtr rd, const char *name)
{
	return (char *)xmlTextReaderGetAttribute(rd, (const xmlChar *)name);
}

/* Appends the text content of the current element to sb. */
static void add_string(xmlTextReaderPtr rd, struct sbuf *sb)
{
	xmlChar *s = xmlTextReaderReadString(rd);

	if (s) {
		sbuf_adds(sb, (const char *)s);
		xmlFree(s);
	}
}

/* A custom number format shows a date when it has y, d or 年/日 outside
 * its quoted texts and [..] sections (m alone could be minutes). */
static int format_is_date(const char *f)
{
	int q = 0, br = 0;

	for (; *f; f++) {
		if (*f == '"')
			q = !q;
		else if (q)
			continue;
		else if (*f == '\\' && f[1])
			f++;
		else if (*f == '[')
			br = 1;
		else if (*f == ']')
			br = 0;
		else if (!br && (*f == 'y' || *f == 'Y' || *f == 'd' || *f == 'D' ||
				 !strncmp(f, "年", 3) || !strncmp(f, "日", 3)))
			return 1;
	}
	return 0;
}

static int builtin_is_date(long id)
{
	return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) ||
	       (id >= 50 && id <= 58);
}

static int load_styles(struct xl *x, struct rs_error *err)
{
	struct member m;
	xmlTextReaderPtr rd;
	long *ids = NULL;
	unsigned char *isd = NULL;
	size_t nfmt = 0, cap = 0;
	int r, in_xfs = 0, ret = -1;

	if (part_open(x, "xl/styles.xml", 0, &m, &rd, err))
		return -1;
	if (!rd)
		return 0;
	while ((r = xmlTextReaderRead(rd)) == 1) {
		int type = xmlTextReaderNodeType(rd);
		if (type == XML_READER_TYPE_ELEMENT && is_elem(rd, "numFmt")) {
			char *id = attr(rd, "numFmtId"), *code = attr(rd, "formatCode");
			if (id && code) {
				if (nfmt == cap) {
					cap = cap ? 2 * cap : 16;
					ids = xreallocarray(ids, cap, sizeof(*ids));
					isd = xreallocarray(isd, cap, 1);
				}
				ids[nfmt] = strtol(id, NULL, 10);
				isd[nfmt++] = (unsigned char)format_is_date(code);
			}
			xmlFree(id);
			xmlFree(code);
		} else if (type == XML_READER_TYPE_ELEMENT && is_elem(rd, "cellXfs")) {
			in_xfs = !xmlTextReaderIsEmptyElement(rd);
		} else if (type == XML_READER_TYPE_END_ELEMENT && is_elem(rd, "cellXfs")) {
			in_xfs = 0;
		} else if (in_xfs && type == XML_READER_TYPE_ELEMENT && is_elem(rd, "xf")) {
			char *id = attr(rd, "numFmtId");
			long v = id ? strtol(id, NULL, 10) : 0;
			unsigned char d = (unsigned char)builtin_is_date(v);
			size_t i;
			for (i = 0; i < nfmt; i++)
				if (ids[i] == v)
					d = isd[i];
			xmlFree(id);
			if (x->nxf < 100000) {
				x->is_date = xreallocarray(x->is_date, x->nxf + 1, 1);
				x->is_date[x->nxf++] = d;
			}
		}
	}
	if (r < 0) {
		part_fail(x, "xl/styles.xml", rd, err);
		goto out;
	}
	ret = 0;
out:
	free(ids);
	free(isd);
	part_close(&m, rd);
	return ret;
}

static int load_shared(struct xl *x, struct rs_error *err)
{
	struct member m;
	xmlTextReaderPtr rd;
	int r, in_si = 0, rph = 0, ret = -1;

	if (part_open(x, "xl/sharedStrings.xml", 0, &m, &rd, err))
		return -1;
	if (!rd)
		return 0;
	while ((r = xmlTextReaderRead(rd)) == 1) {
		int type = xmlTextReaderNodeType(rd);
		if (type == XML_READER_TYPE_ELEMENT && is_elem(rd, "si")) {
			if (x->nss == x->ss_cap) {
				x->ss_cap = x->ss_cap ? 2 * x->ss_cap : 1024;
				x->ss_off = xreallocarray(x->ss_off, x->ss_cap,
							  sizeof(*x->ss_off));
			}
			x->ss_off[x->nss++] = x->ss.len;
			in_si = !xmlTextReaderIsEmptyElement(rd);
			if (!in_si && sbuf_addc(&x->ss, '\0'))
				goto toobig;
		} else if (type == XML_READER_TYPE_END_ELEMENT && is_elem(rd, "si")) {
			in_si = 0;
			if (sbuf_addc(&x->ss, '\0'))
				goto toobig;
		} else if (type == XML_READER_TYPE_ELEMENT && is_elem(rd, "rPh")) {
			rph = !xmlTextReaderIsEmptyElement(rd);
		} else if (type == XML_READER_TYPE_END_ELEMENT && is_elem(rd, "rPh")) {
			rph = 0;
		} else if (in_si && !rph && type == XML_READER_TYPE_ELEMENT &&
			   is_elem(rd, "t")) {
			size_t before = x->ss.len;
			add_string(rd, &x->ss);
			if (x->ss.len == before && x->ss.len + 64 > x->ss.max)
				goto toobig;
		}
	}
	if (r < 0) {
		part_fail(x, "xl/sharedStrings.xml", rd, err);
		goto out;
	}
	ret = 0;
	goto out;
toobig:
	rs_err(err, "workbook '%s' holds more than 1 GiB of distinct texts", x->path);
out:
	part_close(&m, rd);
	return ret;
}

/* Finds the sheet's member name: by name (NULL: the first sheet). */
static int find_sheet(struct xl *x, const char *want, struct sbuf *member,
		      struct rs_error *err)
{
	struct member m;
	xmlTextReaderPtr rd;
	struct sbuf names;
	char *rid = NULL;
	int r, ret = -1;

	sbuf_init(&names, 4096);
	if (part_open(x, "xl/workbook.xml", 1, &m, &rd, err))
		goto out;
	while ((r = xmlTextReaderRead(rd)) == 1) {
		if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
			continue;
		if (is_elem(rd, "workbookPr")) {
			char *d = attr(rd, "date1904");
			x->date1904 = d && (!strcmp(d, "1") || !strcmp(d, "true"));
			xmlFree(d);
		} else if (is_elem(rd, "sheet") && !rid) {
			char *name = attr(rd, "name");
			if (names.len)
				sbuf_adds(&names, ", ");
			sbuf_adds(&names, name ? name : "");
			char *state = attr(rd, "state");
			int hidden = state && strcmp(state, "visible");
			xmlFree(state);
			/* the default is the first visible sheet: a hidden one
			 * is read only when named */
			if ((!want && !hidden) || (want && name && !strcmp(name, want))) {
				rid = (char *)xmlTextReaderGetAttributeNs(rd,
					(const xmlChar *)"id", (const xmlChar *)REL_NS);
				if (!rid)
					rid = xstrdup("");
			}
			xmlFree(name);
		}
	}
	if (r < 0) {
		part_fail(x, "xl/workbook.xml", rd, err);
		goto out;
	}
	part_close(&m, rd);
	rd = NULL;
	if (!rid) {
		if (want)
			rs_err(err, "workbook '%s' has no sheet '%s' (its sheets: %s); set the mapping's sheet to one of them",
				x->path, want, names.len ? names.buf : "none");
		else
			rs_err(err, "workbook '%s' has no visible sheet (its sheets: %s); set the mapping's sheet to the one to read",
			       x->path, names.len ? names.buf : "none");
		goto out;
	}
	if (part_open(x, "xl/_rels/workbook.xml.rels", 1, &m, &rd, err))
		goto out;
	while ((r = xmlTextReaderRead(rd)) == 1) {
		char *id, *target;
		if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT ||
		    !is_elem(rd, "Relationship"))
			continue;
		id = attr(rd, "Id");
		target = attr(rd, "Target");
		if (id && target && !strcmp(id, rid) && !member->len) {
			if (target[0] == '/')
				sbuf_adds(member, target + 1);
			else {
				sbuf_adds(member, "xl/");
				sbuf_adds(member, target);
			}
		}
		xmlFree(id);
		xmlFree(target);
	}
	if (r < 0) {
		part_fail(x, "xl/_rels/workbook.xml.rels", rd, err);
		goto out;
	}
	if (!member->len) {
		rs_err(err, "workbook '%s' is damaged: its sheet '%s' names no part",
		       x->path, want ? want : "1");
		goto out;
	}
	ret = 0;
out:
	part_close(&m, rd);
	xmlFree(rid);
	sbuf_release(&names);
	return ret;
}

/* "AB12" -> 27 (0-based column), or -1. */
static long ref_col(const char *r)
{
	long c = 0;
	int k = 0;

	for (; *r >= 'A' && *r <= 'Z' && k < 4; r++, k++)
		c = c * 26 + (*r - 'A' + 1);
	return k && k < 4 ? c - 1 : -1;
}

/* The text a cell keeps (rowsrc.h), from its type, style and value.
 * Returns 1 for a number shown as one (not a date), else 0. */
static int cell_text(struct xl *x, const char *t, long style,
		      struct sbuf *val, struct sbuf *out)
{
	char num[64];

	sbuf_reset(out);
	if (t && (!strcmp(t, "s"))) {
		char *end;
		unsigned long i = strtoul(val->buf ? val->buf : "", &end, 10);
		if (val->len && !*end && i < x->nss)
			sbuf_adds(out, x->ss.buf + x->ss_off[i]);
		return 0;
	}
	if (t && (!strcmp(t, "inlineStr") || !strcmp(t, "str") || !strcmp(t, "e"))) {
		sbuf_add(out, val->buf ? val->buf : "", val->len);
		return 0;
	}
	if (t && !strcmp(t, "b")) {
		sbuf_adds(out, val->len && val->buf[0] == '1' ? "TRUE" : "FALSE");
		return 0;
	}
	if (t && !strcmp(t, "d")) {     /* ISO 8601: keep the date */
		sbuf_add(out, val->buf ? val->buf : "", val->len > 10 ? 10 : val->len);
		return 0;
	}
	if (!val->len)
		return 0;
	{
		char *end;
		double v = strtod(val->buf, &end);
		int y, m, d;
		if (*end) {
			sbuf_add(out, val->buf, val->len);
			return 0;
		}
		if (style >= 0 && (size_t)style < x->nxf && x->is_date[style] &&
		    !rs_serial_date(v, x->date1904 ? RS_DATE_SERIAL1904 : RS_DATE_SERIAL1900,
				    &y, &m, &d)) {
			snprintf(num, sizeof(num), "%04d-%02d-%02d", y, m, d);
			sbuf_adds(out, num);
			return 0;
		}
		sbuf_adds(out, rs_number_text(v, num, sizeof(num)));
		return 1;
	}
}

/* zip_open failed on a file that starts as a zip does. A zip's directory
 * is at its end: a file cut short (a copy not finished, a download broken
 * off) has none, which libzip calls "Not a zip archive". */
static int open_fail(const char *path, int zerr, struct rs_error *err)
{
	zip_error_t ze;
	int ret;

	zip_error_init_with_code(&ze, zerr);
	if (zerr == ZIP_ER_NOZIP || zerr == ZIP_ER_INCONS || zerr == ZIP_ER_EOF)
		ret = rs_err(err, "'%s' starts like an .xlsx workbook (a zip file) but its end is missing or damaged (libzip: %s): the file was cut short or is still being copied -- copy it again, whole, or save it again from Excel",
			     path, zip_error_strerror(&ze));
	else
		ret = rs_err(err, "'%s' starts like an .xlsx workbook (a zip file) but cannot be opened as one (libzip: %s)",
			     path, zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return ret;
}

static int read_sheet(struct xl *x, const char *name, csvin_fn fn, void *ctx,
		      struct rs_error *err)
{
	struct member m;
	xmlTextReaderPtr rd;
	struct wbrow w;
	struct sbuf val, text;
	char *t = NULL;
	long rownum = 0, col = -1, style = -1;
	int r, in_row = 0, in_c = 0, rph = 0, ret = -1;

	wbrow_init(&w);
	sbuf_init(&val, (size_t)1 << 20);
	sbuf_init(&text, (size_t)1 << 20);
	if (part_open(x, name, 1, &m, &rd, err))
		goto out;
	while ((r = xmlTextReaderRead(rd)) == 1) {
		int type = xmlTextReaderNodeType(rd);
		if (type == XML_READER_TYPE_ELEMENT) {
			if (is_elem(rd, "row")) {
				char *rr = attr(rd, "r");
				long n = rr ? strtol(rr, NULL, 10) : 0;
				rownum = n > rownum ? n : rownum + 1;
				xmlFree(rr);
				col = -1;
				wbrow_reset(&w);
				in_row = !xmlTextReaderIsEmptyElement(rd);
			} else if (in_row && is_elem(rd, "c")) {
				char *rr = attr(rd, "r"), *s = attr(rd, "s");
				long c = rr ? ref_col(rr) : -1;
				col = c >= 0 ? c : col + 1;
				style = s ? strtol(s, NULL, 10) : 0;
				xmlFree(t);
				t = attr(rd, "t");
				xmlFree(rr);
				xmlFree(s);
				sbuf_reset(&val);
				in_c = !xmlTextReaderIsEmptyElement(rd);
			} else if (in_c && is_elem(rd, "rPh")) {
				rph = !xmlTextReaderIsEmptyElement(rd);
			} else if (in_c && !rph && (is_elem(rd, "v") || is_elem(rd, "t"))) {
				add_string(rd, &val);
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (in_c && is_elem(rd, "rPh")) {
				rph = 0;
			} else if (in_c && is_elem(rd, "c")) {
				in_c = 0;
				if (cell_text(x, t, style, &val, &text))
					wbrow_cell_num(&w, col, text.buf ? text.buf : "", text.len);
				else
					wbrow_cell(&w, col, text.buf ? text.buf : "", text.len);
			} else if (in_row && is_elem(rd, "row")) {
				in_row = 0;
				if (wbrow_emit(&w, rownum, fn, ctx, err))
					goto out;
			}
		}
	}
	if (r < 0) {
		part_fail(x, name, rd, err);
		goto out;
	}
	ret = 0;
out:
	xmlFree(t);
	part_close(&m, rd);
	wbrow_release(&w);
	sbuf_release(&val);
	sbuf_release(&text);
	return ret;
}

int xlsx_read(const char *path, const char *sheet, csvin_fn fn, void *ctx,
	      struct rs_error *err)
{
	struct xl x;
	struct sbuf member;
	int zerr = 0, ret = -1;

	memset(&x, 0, sizeof(x));
	x.path = path;
	sbuf_init(&x.ss, MAX_SHARED);
	sbuf_init(&member, 4096);
	x.za = zip_open(path, ZIP_RDONLY, &zerr);
	if (!x.za) {
		open_fail(path, zerr, err);
		goto out;
	}
	if (find_sheet(&x, sheet, &member, err) || load_styles(&x, err) ||
	    load_shared(&x, err) || read_sheet(&x, member.buf, fn, ctx, err))
		goto out;
	ret = 0;
out:
	if (x.za)
		zip_discard(x.za);
	sbuf_release(&x.ss);
	sbuf_release(&member);
	free(x.ss_off);
	free(x.is_date);
	return ret;
}

int xlsx_sheets(const char *path, struct sbuf *names, size_t *n,
		int visible_only, struct rs_error *err)
{
	struct xl x;
	struct member m;
	xmlTextReaderPtr rd = NULL;
	int zerr = 0, r, ret = -1;

	memset(&x, 0, sizeof(x));
	memset(&m, 0, sizeof(m));
	x.path = path;
	x.za = zip_open(path, ZIP_RDONLY, &zerr);
	if (!x.za)
		return open_fail(path, zerr, err);
	if (part_open(&x, "xl/workbook.xml", 1, &m, &rd, err))
		goto out;
	while ((r = xmlTextReaderRead(rd)) == 1) {
		char *name;
		if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT ||
		    !is_elem(rd, "sheet"))
			continue;
		if (visible_only) {
			char *state = attr(rd, "state");
			int hidden = state && strcmp(state, "visible");
			xmlFree(state);
			if (hidden)
				continue;
		}
		name = attr(rd, "name");
		sbuf_adds(names, name ? name : "");
		sbuf_addc(names, '\0');
		(*n)++;
		xmlFree(name);
	}
	if (r < 0) {
		part_fail(&x, "xl/workbook.xml", rd, err);
		goto out;
	}
	ret = 0;
out:
	part_close(&m, rd);
	zip_discard(x.za);
	return ret;
}
