/*
 * rs-ingest - read one source export through its mapping file and write
 * canonical records, rejects and a summary.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "catalog.h"
#include "ingest.h"
#include "money.h"
#include "norm.h"
#include "period.h"
#include "xalloc.h"

static const char usage[] =
"usage: rs-ingest --mapping FILE --key FILE -o RECORDS.csv.gz [options] EXPORT.csv\n"
"       rs-ingest --preview[=N] --mapping FILE [--catalog FILE]... EXPORT.csv\n"
"\n"
"Reads a source export (CSV in UTF-8 or GB18030, plain or gzip; an .xlsx or\n"
"an .xls workbook, told by its first bytes) through a mapping file and\n"
"writes canonical records (SPEC.md section 2). Every data row becomes\n"
"exactly one record or one reject (total rows, 合计/小计, are compared with\n"
"the rows they close and counted apart); ID numbers are replaced by their\n"
"keyed pseudonym and never written. rs-draft drafts a mapping from an export.\n"
"\n"
"  -m, --mapping FILE     mapping YAML for this export family (required)\n"
"  -k, --key FILE         pseudonym key file, mode 0600 (required; or RS_KEY_FILE)\n"
"  -o, --output FILE      canonical records (.csv.gz)\n"
"  -r, --rejects FILE     rejects, mode 0600 (default: OUTPUT with .rejects.csv.gz)\n"
"  -s, --summary FILE     JSON summary (default: OUTPUT with .summary.json)\n"
"      --source NAME      name for the source column (default: EXPORT's file name)\n"
"      --catalog FILE     program catalog; repeat to add local programs\n"
"                         (default: programs.yaml and programs-local.yaml in the data dir)\n"
"      --region-prefix P[,P...]\n"
"                         partition: read only rows whose region code starts\n"
"                         with one of these prefixes (others are counted in\n"
"                         the summary as other_partitions)\n"
"      --region-exclude P[,P...]\n"
"                         partition: read only rows whose region code starts\n"
"                         with none of these (the catch-all partition)\n"
"      --unattributed     with either: this partition also takes rows\n"
"                         whose region code cannot be read (give it to exactly\n"
"                         one partition of a file)\n"
"      --max-amount YUAN  the largest plausible payment (default 1000000.00);\n"
"                         a larger amount is a bad_amount reject\n"
"      --max-quoted-lines N\n"
"                         lines a quoted field may span (default 100); a\n"
"                         longer one is one malformed_line reject\n"
"      --max-reject-rate R | REASON=R\n"
"                         the loss gate: the share of rows (0.05 or 5%) this run\n"
"                         may reject, overall or for one reason (default: the\n"
"                         mapping's max_reject_rate, else 5%)\n"
"      --accept-loss[=REASON,...]\n"
"                         accept this run's loss of those reasons (all when none\n"
"                         named): they do not count against the gate, and the\n"
"                         summary and the quality table record them\n"
"      --preview[=N]      read only the first N data rows (default 20) and print,\n"
"                         per field, the header matched, raw and parsed values,\n"
"                         and the rejects they would get; writes nothing, needs\n"
"                         no key, masks IDs\n"
"  -q, --quiet            no summary line on stderr\n"
"  -h, --help             this text\n"
"  -V, --version          show the version and exit\n"
"\n"
"Environment: RS_TODAY=YYYYMMDD is the day an ID's birth date may not be\n"
"after (bad_id), default today: set it to rerun an old export exactly.\n""RS_INGEST_WORKER=0 reads every row on this thread alone, not a CSV's\n"
"plain rows on two more (the same bytes either way: to compare).\n"
"\n"
"Exit status: 0 success; 1 data or I/O failure (an export that cannot be\n"
"read, missing or not readable, as every stage's input), or more rows\n"
"rejected than the gate allows (every output is still written); 2 usage or\n"
"configuration error (a mapping or key that cannot be loaded, an export\n"
"lacking a column the mapping requires).\n";

/* The likely fix for a loss led by one reason, naming the mapping key. */
static void gate_fix(const struct ingest_stats *st, const struct mapping *map,
		     const char *mapping, struct sbuf *fix)
{
	int top = st->verdict.top;

	switch (top) {
	case RJ_BAD_AMOUNT:
		if (st->unit_marks * 2 > st->counts[RJ_BAD_AMOUNT])
			sbuf_addf(fix, "the amounts are written with %s, but '%s' reads the column in %s: if the whole column is in %s, set `amount_unit: %s` in '%s'",
				  st->unit_mark, mapping, map->unit == MU_WAN ? "万元" : map->unit == MU_FEN ? "分" : "元",
				  !strcmp(st->unit_mark, "万元") ? "万元" : "元",
				  !strcmp(st->unit_mark, "万元") ? "万元" : "元", mapping);
		else if (st->too_precise * 2 > st->counts[RJ_BAD_AMOUNT] && map->unit == MU_YUAN)
			sbuf_addf(fix, "the amount column looks like 万元 (amounts more precise than a fen): set `amount_unit: 万元` in '%s'", mapping);
		else if (st->too_precise * 2 > st->counts[RJ_BAD_AMOUNT])
			sbuf_addf(fix, "amounts are more precise than a fen in the mapping's amount_unit: check `amount_unit` in '%s'", mapping);
		else
			sbuf_addf(fix, "check which column `columns: {amount: ...}` names in '%s' and `decimal_point`", mapping);
		break;
	case RJ_MALFORMED_LINE: {
		const char *d = map->delim == ',' ? "comma" : map->delim == '\t' ? "tab" :
				map->delim == ';' ? "semicolon" : "delimiter";
		long data = st->rows_read - st->totals;

		if (st->trailing_empty && st->trailing_empty == data)
			sbuf_addf(fix, "every data row has one more field than the header, and it is empty — a trailing %s at the end of each data line that the header (line %ld) lacks: add a %s at the end of the header line, or save the export again without the trailing %ss",
				  d, st->header_line, d, d);
		else if (st->trailing_empty * 2 > st->counts[RJ_MALFORMED_LINE])
			sbuf_addf(fix, "%ld of %ld data rows have one more field than the header, the last one empty: a trailing %s on those lines, or a %s left unquoted inside a field (1,338.00) that shifts the fields after it; quote such fields in the export, or remove the trailing %ss",
				  st->trailing_empty, data, d, d, d);
		else
			sbuf_addf(fix, "check `delimiter` (and `header_row`) in '%s'", mapping);
		break;
	}
	case RJ_BAD_ENCODING:
		if (st->counts[RJ_BAD_ENCODING] * 20 <= st->rows_read)
			sbuf_addf(fix, "the file is %s with %ld invalid byte%s (the first at %ld:%ld): retype those characters in the export, or save it again as %s",
				  st->bad_gb18030 ? "GB18030" : "UTF-8", st->bad_bytes,
				  st->bad_bytes == 1 ? "" : "s", st->bad_line, st->bad_col,
				  st->bad_gb18030 ? "GB18030" : "UTF-8");
		else
			sbuf_addf(fix, "the file is not %s: set `encoding: %s` (or auto) in '%s'",
				  st->bad_gb18030 ? "GB18030" : "UTF-8",
				  st->bad_gb18030 ? "utf-8" : "gb18030", mapping);
		break;
	case RJ_MISSING_FIELD:
		sbuf_addf(fix, "check that `columns:` in '%s' names the column the messages name", mapping);
		break;
	case RJ_BAD_ID:
		sbuf_addf(fix, "check `columns: {id: ...}` in '%s'; IDs like 5.10117E+17 were mangled by a spreadsheet: export them again as text", mapping);
		break;
	case RJ_BAD_PERIOD:
		if (st->serial_months * 2 > st->counts[RJ_BAD_PERIOD]) {
			int y = 0, m = 0, d = 0;

			rs_serial_date((double)st->serial_first, RS_DATE_SERIAL1900, &y, &m, &d);
			sbuf_addf(fix, "the months are spreadsheet day numbers (%ld is %04d-%02d-%02d in Excel's usual system): add `serial_dates: 1900` to '%s' (1904 for a workbook from an old Mac), or format the month column as text in the export",
				  st->serial_first, y, m, d, mapping);
			break;
		}
		sbuf_addf(fix, "check `columns: {period: ...}` in '%s' names the month column", mapping);
		break;
	case RJ_UNKNOWN_PROGRAM:
		sbuf_addf(fix, "add the labels under `programs:` in '%s', or a local program with --catalog", mapping);
		break;
	case RJ_UNKNOWN_AREA:
		sbuf_addf(fix, "add the labels under `areas:` in '%s'", mapping);
		break;
	default:
		sbuf_addf(fix, "see the rejects file");
		break;
	}
}

/* 0 if path can be opened for reading and is no directory; else prints
 * why, with the directory a relative path is read from, and returns -1. */
static int export_readable(const char *path)
{
	struct stat sb;
	char cwd[1024];
	int e;

	/* stat and access, not open: opening a FIFO would start its writer */
	if (!stat(path, &sb) && S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "rs-ingest: the export '%s' is a directory: name the export file in it\n", path);
		return -1;
	}
	if (!access(path, R_OK))
		return 0;
	e = errno;
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		fprintf(stderr, "rs-ingest: cannot read the export '%s': %s (a relative path is read from '%s'); check the file's name and path\n",
			path, strerror(e), cwd);
	else
		fprintf(stderr, "rs-ingest: cannot read the export '%s': %s; check the file's name and path\n",
			path, strerror(e));
	return -1;
}

/* mapping_load, and for a mapping lacking a required column the header
 * cell of input that most likely holds it, added to the message. */
static int load_mapping(struct mapping *map, const char *path, const char *input,
			struct rs_error *err)
{
	struct sbuf hint;
	int lacks;

	if (mapping_load_lax(map, path, &lacks, err))
		return -1;
	if (lacks < 0)
		return 0;
	sbuf_init(&hint, 0);
	if (ingest_suggest_column(map, input, lacks, &hint)) {
		char *p = strstr(err->msg, ": add `");

		/* the export's own header replaces the placeholder NAME */
		if (p)
			*p = '\0';
		snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
			 "; %s in '%s'", hint.buf, path);
	}
	sbuf_release(&hint);
	mapping_release(map);
	return -1;
}

static long today_ymd(void)
{
	const char *s = getenv("RS_TODAY");
	time_t t;
	struct tm tm;

	if (s && strlen(s) == 8 && strspn(s, "0123456789") == 8)
		return strtol(s, NULL, 10);
	t = time(NULL);
	localtime_r(&t, &tm);
	return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* rs-ingest --preview: loads the mapping and catalog as a run would, reads
 * the first rows, prints what they become; writes nothing. */
static int preview(struct ingest_opts *o, const char *mapping,
		   const char *const *catalogs, size_t ncat, const char *input)
{
	struct ingest_preview pv;
	struct ingest_stats st;
	struct mapping map;
	struct catalog cat;
	struct rs_error err;
	struct sbuf bad;
	const char *slash = strrchr(input, '/');
	int ret;

	o->input = input;
	if (!o->source)
		o->source = slash ? slash + 1 : input;
	o->today = today_ymd();
	if (load_mapping(&map, mapping, input, &err) ||
	    catalog_load_default(&cat, catalogs, ncat, &err)) {
		rs_error_print(&err);
		mapping_release(&map);
		return 2;
	}
	if (export_readable(input)) {
		catalog_release(&cat);
		mapping_release(&map);
		return 1;
	}
	sbuf_init(&bad, 0);
	if (mapping_check(&map, &cat, &bad))
		fprintf(stderr, "%s", bad.buf);	/* shown, and the rows tell the rest */
	sbuf_release(&bad);
	o->map = &map;
	o->cat = &cat;
	o->pv = &pv;
	ret = ingest_run(o, &st, &err);
	if (ret)
		rs_error_print(&err);
	else if (ingest_preview_print(&pv, &map, o->source, stdout))
		ret = 1;
	ingest_preview_release(&pv);
	free(st.sample);
	free(st.sheets);
	catalog_release(&cat);
	mapping_release(&map);
	norm_release();
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mapping", required_argument, NULL, 'm' },
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "summary", required_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'S' },
		{ "catalog", required_argument, NULL, 'C' },
		{ "region-prefix", required_argument, NULL, 'P' },
		{ "region-exclude", required_argument, NULL, 'X' },
		{ "unattributed", no_argument, NULL, 'U' },
		{ "max-amount", required_argument, NULL, 'Y' },
		{ "max-quoted-lines", required_argument, NULL, 'L' },
		{ "max-reject-rate", required_argument, NULL, 'R' },
		{ "preview", optional_argument, NULL, 'W' },
		{ "accept-loss", optional_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ingest_opts o;
	struct ingest_stats st;
	struct mapping map;
	struct catalog cat;
	struct pseudo_key key;
	struct rs_error err;
	const char *mapping = NULL, *keyfile = getenv("RS_KEY_FILE");
	const char *catalogs[16];
	char *rej = NULL, *sum = NULL;
	size_t ncat = 0;
	const char *rates[RJ__COUNT + 1], *accepts[RJ__COUNT + 1];
	size_t nrates = 0, naccepts = 0, i;
	int c, ret, include_given = 0;

	rs_set_progname(argv[0]);
	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:k:o:r:s:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': mapping = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'o': o.out = optarg; break;
		case 'r': o.rejects = optarg; break;
		case 's': o.summary = optarg; break;
		case 'S': o.source = optarg; break;
		case 'C':
			if (ncat == 16) {
				fprintf(stderr, "rs-ingest: at most 16 --catalog files\n");
				return 2;
			}
			catalogs[ncat++] = optarg;
			break;
		case 'X':
		case 'P': {
			if (c == 'X')
				o.exclude = 1;
			else
				include_given = 1;
			char *list = xstrdup(optarg), *p = list, *tok;
			while ((tok = strsep(&p, ","))) {
				if (!*tok || strspn(tok, "0123456789") != strlen(tok) ||
				    strlen(tok) > 12) {
					fprintf(stderr, "rs-ingest: --region-prefix takes digits, not '%s'\n", tok);
					free(list);
					return 2;
				}
				o.prefixes = xreallocarray(o.prefixes, o.nprefixes + 1,
							   sizeof(*o.prefixes));
				o.prefixes[o.nprefixes++] = xstrdup(tok);
			}
			free(list);
			break;
		}
		case 'U': o.take_unattributed = 1; break;
		case 'L': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 1000000) {
				fprintf(stderr, "rs-ingest: --max-quoted-lines '%s' is not a number of lines from 1 to 1000000\n",
					optarg);
				return 2;
			}
			o.max_quoted_lines = v;
			break;
		}
		case 'Y':
			if (money_parse(optarg, strlen(optarg), MU_YUAN, &o.max_fen) ||
			    o.max_fen <= 0) {
				fprintf(stderr, "rs-ingest: --max-amount '%s' is not a positive amount in yuan (e.g. 1000000.00)\n",
					optarg);
				return 2;
			}
			break;
		case 'W': {
			char *end;

			o.preview = optarg ? strtol(optarg, &end, 10) : 20;
			if (optarg && (*end || end == optarg || o.preview < 1 || o.preview > 1000000)) {
				fprintf(stderr, "rs-ingest: --preview takes a number of rows from 1 to 1000000, not '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'R':
		case 'A':
			if ((c == 'R' ? nrates : naccepts) == RJ__COUNT + 1) {
				fprintf(stderr, "rs-ingest: too many --%s\n",
					c == 'R' ? "max-reject-rate" : "accept-loss");
				return 2;
			}
			if (c == 'R')
				rates[nrates++] = optarg;
			else
				accepts[naccepts++] = optarg ? optarg : "";
			break;
		case 'q': rs_quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return rs_cli_version();
		case ':': return rs_cli_usage_error("option needs a value:", argv[optind - 1]);
		default: return rs_cli_usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (o.preview && optind == argc - 1 && mapping)
		return preview(&o, mapping, catalogs, ncat, argv[optind]);
	if (optind != argc - 1 || !mapping || !o.out || !keyfile) {
		fprintf(stderr, "rs-ingest: %s\n", optind != argc - 1 ?
			"give exactly one export file" : !mapping ? "--mapping is required" :
			!o.out ? "-o is required" : "--key is required");
		fputs(usage, stderr);
		return 2;
	}
	if (o.exclude && include_given) {
		fprintf(stderr, "rs-ingest: give --region-prefix or --region-exclude, not both\n");
		return 2;
	}
	if (o.take_unattributed && !o.nprefixes) {
		fprintf(stderr, "rs-ingest: --unattributed goes with --region-prefix or --region-exclude\n");
		return 2;
	}
	o.input = argv[optind];
	if (!o.source) {
		const char *slash = strrchr(o.input, '/');
		o.source = slash ? slash + 1 : o.input;
	}
	o.today = today_ymd();
	if (load_mapping(&map, mapping, o.input, &err) ||
	    catalog_load_default(&cat, catalogs, ncat, &err)) {
		rs_error_print(&err);
		mapping_release(&map);	/* either loaded or already released */
		return 2;
	}
	/* A label mapped to a code the catalog lacks cannot be right: every
	 * row carrying it would be lost (reliefstat check says the same). */
	{
		struct sbuf bad;

		sbuf_init(&bad, 0);
		/* and a gb18030 mapping for an export that starts with a UTF-8
		 * byte order mark: its header would read as mojibake */
		if (mapping_check(&map, &cat, &bad) ||
		    mapping_check_input(&map, o.input, &bad)) {
			fprintf(stderr, "%s", bad.buf);
			sbuf_release(&bad);
			catalog_release(&cat);
			mapping_release(&map);
			return 2;
		}
		sbuf_release(&bad);
	}
	/* The command line overrides the mapping's gate. */
	for (i = 0; i < nrates; i++)
		if (gate_set_rate(&map.gate, rates[i], &err))
			goto config;
	for (i = 0; i < naccepts; i++)
		if (gate_accept(&map.gate, accepts[i], &err))
			goto config;
	/* The export named on the command line, before any output is made:
	 * one that cannot be read is an I/O failure (SPEC.md section 6: exit
	 * 1, as every stage's missing input), named with the fix. */
	if (export_readable(o.input)) {
		catalog_release(&cat);
		mapping_release(&map);
		return 1;
	}
	if (pseudo_key_load(&key, keyfile, &err)) {
config:
		rs_error_print(&err);
		catalog_release(&cat);
		mapping_release(&map);
		return 2;
	}
	/* Derived after the loads, whose failures return at once. */
	if (!o.rejects)
		o.rejects = rej = rs_path_derive(o.out, ".rejects.csv.gz");
	if (!o.summary)
		o.summary = sum = rs_path_derive(o.out, ".summary.json");
	o.map = &map;
	o.gate = &map.gate;
	o.cat = &cat;
	o.key = &key;
	rs_out_install_signal_cleanup();
	ret = ingest_run(&o, &st, &err);
	if (ret) {
		rs_error_print(&err);
	} else {
		struct sbuf why;

		sbuf_init(&why, 0);
		reject_counts_format(st.counts, &why);
		if (st.totals)
			sbuf_addf(&why, ", %ld total row%s kept out (合计/小计)",
				  st.totals, st.totals == 1 ? "" : "s");
		if (st.footers)
			sbuf_addf(&why, ", %ld footer row%s kept out (制表人/审核人/说明 ...)",
				  st.footers, st.footers == 1 ? "" : "s");
		rs_info("%s%s%s%s%s: %ld rows read, %ld records, %ld rejects%s", o.source,
			st.sheets ? " (" : "", st.nsheets > 1 ? "sheets " : st.sheets ? "sheet " : "",
			st.sheets ? st.sheets : "", st.sheets ? ")" : "",
			st.rows_read, st.records, st.rows_read - st.records - st.totals - st.footers,
			why.buf ? why.buf : "");
		sbuf_release(&why);
		/* A few stray bytes in a file otherwise in its encoding (a name
		 * typed in another one): their rows are rejected, under the
		 * gate or not, and named here. */
		if (st.bad_bytes && st.counts[RJ_BAD_ENCODING] * 20 <= st.rows_read)
			fprintf(stderr, "rs-ingest: '%s' is %s with %ld invalid byte%s, the first at %ld:%ld (byte column): %ld row%s rejected as bad_encoding; retype those characters in the export, or save it again as %s\n",
				o.source, st.bad_gb18030 ? "GB18030" : "UTF-8", st.bad_bytes,
				st.bad_bytes == 1 ? "" : "s", st.bad_line, st.bad_col,
				st.counts[RJ_BAD_ENCODING], st.counts[RJ_BAD_ENCODING] == 1 ? "" : "s",
				st.bad_gb18030 ? "GB18030" : "UTF-8");
		if (st.verdict.over) {
			struct sbuf msg, fix;

			sbuf_init(&msg, 0);
			sbuf_init(&fix, 0);
			gate_fix(&st, &map, mapping, &fix);
			gate_message(&st.verdict, "", o.source, &map.gate,
				     st.sample, fix.buf, &msg);
			fprintf(stderr, "rs-ingest: %s\n", msg.buf);
			sbuf_release(&msg);
			sbuf_release(&fix);
			ret = 1;
		}
	}
	free(st.sample);
	free(st.sheets);
	pseudo_key_wipe(&key);
	catalog_release(&cat);
	mapping_release(&map);
	norm_release();
	free(rej);
	free(sum);
	while (o.nprefixes)
		free(o.prefixes[--o.nprefixes]);
	free(o.prefixes);
	return ret;
}
