/*
 * rs-report - year-end tables from an aggregate file.
 *
 * Reads one aggregate (rs-aggregate or rs-merge output), and optionally the
 * previous year's, and writes the year-end tables (and a data-quality
 * table from the stage summaries) twice: internal, and published with
 * small cells suppressed; each as CSV, Markdown, one HTML page, one XLSX
 * workbook and a Chinese bulletin. This file holds the command line; the
 * work is in report.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "fileio.h"
#include "report.h"

static const char usage[] =
"usage: rs-report [--period A..B] [--by-year] [--title NAME] [--quality F.json]...\n"
"                 [--previous PREV.csv.gz] [--excel] [--k N] [--unit TEXT]\n"
"                 [--as-of TEXT] [--date TEXT] [--rejects FILE]...\n"
"                 [--hide-as SUPPRESSED.csv]... [--hold]\n"
"                 -o OUTDIR AGG.csv.gz\n"
"       rs-report --release OUTDIR...\n"
"\n"
"Writes year-end statistical tables (年报) from one aggregate file.\n"
"\n"
"Reads:  AGG, an aggregate file from rs-aggregate or rs-merge (gzip or plain);\n"
"        with --previous, the previous year's aggregate; the program catalog\n"
"        for names, roll-ups (低保 = 城市低保 + 农村低保) and recurrence; the\n"
"        region table for township names and a default title; with --quality,\n"
"        the JSON summaries written by rs-ingest and rs-validate.\n"
"Writes: OUTDIR/internal/   every value, for internal use\n"
"        OUTDIR/published/  cells counting fewer than k beneficiaries hidden\n"
"                           as \"*\", with secondary suppression so that they\n"
"                           cannot be recomputed from totals\n"
"        each with, per table, TABLE.csv (UTF-8) and TABLE.md; and report.md\n"
"        (all tables), report.html (one self-contained page with charts, for\n"
"        screen and print), report.xlsx (a sheet per table) and bulletin.txt\n"
"        (统计简报, the figures in words). Tables: programs (分项目汇总表),\n"
"        towns (分地区汇总表), months (分月情况表), funding (资金来源表, when the\n"
"        data names funding sources), people (保障对象情况表: 其中 女性/老年人/\n"
"        未成年人 and 当月新增/当月退出 of monthly programs), spending (财政与其他\n"
"        资金支出表: public spending, other money, their sum), quality\n"
"        (数据质量表, with --quality only).\n"
"        With --rejects, OUTDIR/returns/ holds each source's 退回清单.\n"
"        OUTDIR/suppressed.csv lists the cells the published set hides\n"
"        (table, period, row, column; no values), for --hide-as.\n"
"        Every format shows the same figures; published ones never a hidden\n"
"        one. Files appear atomically and reruns are byte-identical: each\n"
"        folder is swapped in whole, published/ last, and suppressed.csv\n"
"        committed once published/ is in place.\n"
"\n"
"Options:\n"
"  -o, --output DIR     the output directory (created if missing; required)\n"
"  -p, --period A..B    report on months A to B only (2024-01..2024-12, 2024-03,\n"
"                       or 2024); the stock (期末) is B's. Default: the first to\n"
"                       the last month in the data\n"
"  -y, --by-year        one set of tables per calendar year (programs-2024.csv,\n"
"                       ...), each from January to its last month with data;\n"
"                       with --period, each year's part of the period\n"
"  -t, --title NAME     put NAME before the headings (default, or NAME empty:\n"
"                       the name of the region holding all rows, from the\n"
"                       region table; 各地合计 when no region holds them)\n"
"      --quality FILE   add FILE (an ingest or validate summary) to the quality\n"
"                       table; repeatable. A merge summary (rs-merge --summary)\n"
"                       is no source: when its overlap was accepted\n"
"                       (--accept-loss), the quality table, the bulletin and\n"
"                       the page say how many payments two sources both made\n"
"                       and how they are counted\n"
"      --source LABEL   the --quality files after it (one ingest and one\n"
"                       validate summary) are one source, named LABEL in the\n"
"                       table (e.g. 郑州市二七区); without it summaries are\n"
"                       joined by the file name they name, and a source named\n"
"                       by no label is shown as the --title, or 来源1, 来源2...\n"
"      --source-period A..B  the current --source's period, added to its\n"
"                       label (郑州市二七区2024年)\n"
"      --previous FILE  the previous year's aggregate: adds 同比 columns (change\n"
"                       and %) to the programs and towns tables and the bulletin,\n"
"                       against the same months a year earlier (one reporting\n"
"                       period: not with --by-year over several years). An\n"
"                       empty FILE means none (for pipeline templates)\n"
"      --excel          start each CSV file with a UTF-8 byte order mark, so\n"
"                       that Excel opens the Chinese text correctly\n"
"  -k, --k N            suppression threshold: hide cells counting fewer than N\n"
"                       distinct beneficiaries (default 3; 1 hides nothing)\n"
"      --catalog FILE   program catalog; repeatable, later files extend earlier\n"
"                       ones (default: programs.yaml and, if present,\n"
"                       programs-local.yaml in the data directory)\n"
"      --regions FILE   region table (default: regions.csv in the data directory)\n"
"      --unit TEXT      制表单位, printed under the title of the page and the\n"
"                       workbook's sheets (e.g. 郑州市二七区民政局)\n"
"      --as-of TEXT     数据截至 (default: the last day of the period, 2024年12月31日)\n"
"      --date TEXT      制表日期 (none by default: the report reads no clock, so\n"
"                       reruns stay byte-identical)\n"
"      --rejects FILE   a reject file of rs-ingest or rs-validate; repeatable.\n"
"                       Writes OUTDIR/returns/SOURCE-退回清单.csv (UTF-8 with a\n"
"                       BOM) and .xlsx per source: 行号, 拒绝原因 and 说明 in\n"
"                       Chinese, the masked ID number and the row as exported,\n"
"                       to send back to the district (mode 0600: they hold\n"
"                       personal data)\n"
"      --hide-as FILE   hide, as well as the small cells, every cell that FILE\n"
"                       lists: the suppressed.csv of a report published beside\n"
"                       this one (a district's, when this report merges\n"
"                       districts); repeatable. Without it a district's hidden\n"
"                       cell could be had as this report's figure minus the\n"
"                       other districts'. Complementary suppression then runs\n"
"                       as usual\n"
"      --hold           everything as usual except published/: the new set is\n"
"                       kept whole as OUTDIR/.held (in place of an older held\n"
"                       set) and suppressed.csv describes it; the public's\n"
"                       published/ stays until --release. So the reports\n"
"                       published together (districts and their merged\n"
"                       report) change as one\n"
"      --release        swap each OUTDIR's held set in as its published/, in\n"
"                       the order given; an OUTDIR with none held is passed\n"
"                       over (said on stderr). Idempotent: a release that was\n"
"                       killed is finished by the next\n"
"  -q, --quiet          no summary line on stderr\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"The data directory is $RS_DATADIR, else share/reliefstat beside the program's\n"
"bin/ (PREFIX/share/reliefstat once installed), else samples/reference.\n"
"\n"
"The XLSX creation time is $SOURCE_DATE_EPOCH when set, else the first moment\n"
"after the report's last month (UTC), so reruns are byte-identical.\n"
"\n"
"Exit status: 0 success; 1 data or I/O failure (a missing or malformed input,\n"
"no rows in the period or, with --previous, in the same months a year\n"
"earlier, a program missing from the catalog, a write error);\n"
"2 usage or configuration error (bad option, unreadable catalog).\n";

static int usage_error(const char *msg, const char *arg)
{
	return rs_cli_usage_error(msg, arg);
}

static int add_file(const char **v, size_t *n, const char *f)
{
	if (*n >= REPORT_MAX_FILES)
		return -1;
	v[(*n)++] = f;
	return 0;
}

/* Returns -1 to go on, else the exit code; *release set for --release
 * (its OUTDIRs from argv[optind]). */
static int parse_args(int argc, char **argv, struct report_opts *o, int *release)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "period", required_argument, NULL, 'p' },
		{ "by-year", no_argument, NULL, 'y' },
		{ "title", required_argument, NULL, 't' },
		{ "quality", required_argument, NULL, 'Q' },
		{ "source", required_argument, NULL, 'L' },
		{ "source-period", required_argument, NULL, 'N' },
		{ "previous", required_argument, NULL, 'P' },
		{ "excel", no_argument, NULL, 'E' },
		{ "k", required_argument, NULL, 'k' },
		{ "catalog", required_argument, NULL, 'C' },
		{ "regions", required_argument, NULL, 'R' },
		{ "unit", required_argument, NULL, 'U' },
		{ "as-of", required_argument, NULL, 'A' },
		{ "date", required_argument, NULL, 'D' },
		{ "rejects", required_argument, NULL, 'J' },
		{ "hide-as", required_argument, NULL, 'H' },
		{ "hold", no_argument, NULL, 'O' },
		{ "release", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *label = NULL, *lperiod = NULL;
	struct period lp;
	char *end;
	long k;
	int c;

	o->k = 3;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:p:yt:k:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->outdir = optarg; break;
		case 'p':
			if (period_parse(optarg, &o->per))
				return usage_error("bad period (want 2024-01..2024-12):", optarg);
			o->have_period = 1;
			break;
		case 'y': o->by_year = 1; break;
		case 't': o->title = optarg; break;
		case 'Q':
			if (o->nquality >= REPORT_MAX_FILES)
				return usage_error("too many --quality files at", optarg);
			o->quality_label[o->nquality] = label;
			o->quality_period[o->nquality] = lperiod;
			add_file(o->quality, &o->nquality, optarg);
			break;
		case 'L':
			if (!*optarg)
				return usage_error("--source needs a label, not", "''");
			label = optarg;
			lperiod = NULL;
			break;
		case 'N':
			if (!label)
				return usage_error("--source-period comes after a --source LABEL:", optarg);
			if (period_parse(optarg, &lp))
				return usage_error("bad --source-period (want 2024-01..2024-12):", optarg);
			lperiod = optarg;
			break;
		case 'P': o->previous = *optarg ? optarg : NULL; break;
		case 'E': o->excel = 1; break;
		case 'k':
			errno = 0;
			k = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || k < 1 || k > 1000)
				return usage_error("--k must be a whole number from 1 to 1000, not", optarg);
			o->k = (int)k;
			break;
		case 'C':
			if (add_file(o->catalogs, &o->ncatalogs, optarg))
				return usage_error("too many --catalog files at", optarg);
			break;
		case 'R': o->regions = optarg; break;
		case 'U': o->unit = *optarg ? optarg : NULL; break;
		case 'A': o->as_of = *optarg ? optarg : NULL; break;
		case 'D': o->made = *optarg ? optarg : NULL; break;
		case 'J':
			if (add_file(o->rejects, &o->nrejects, optarg))
				return usage_error("too many --rejects files at", optarg);
			break;
		case 'H':
			if (add_file(o->hide_as, &o->nhide_as, optarg))
				return usage_error("too many --hide-as files at", optarg);
			break;
		case 'O': o->hold = 1; break;
		case 'r': *release = 1; break;
		case 'q': rs_quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return rs_cli_version();
		case ':': return usage_error("option needs a value:", argv[optind - 1]);
		default: return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (*release) {
		if (o->outdir || o->hold)
			return usage_error("--release takes OUTDIRs only, not", o->hold ? "--hold" : "-o");
		if (optind >= argc)
			return usage_error("--release needs an OUTDIR", NULL);
		return -1;
	}
	if (!o->outdir)
		return usage_error("missing -o OUTDIR", NULL);
	if (optind >= argc)
		return usage_error("no aggregate file", NULL);
	if (optind + 1 < argc)
		return usage_error("one aggregate file only; extra argument", argv[optind + 1]);
	o->input = argv[optind];
	return -1;
}

/* --release: each OUTDIR's held set in, in the order given. */
static int release(char **dirs, int n)
{
	struct rs_error err;
	int i, r, done = 0;

	for (i = 0; i < n; i++) {
		r = report_release_dir(dirs[i], &err);
		if (r < 0) {
			rs_error_print(&err);
			return 1;
		}
		if (!r)
			rs_warn("nothing held in '%s' (no rs-report --hold since its last release): its published/ stays",
				dirs[i]);
		done += r;
	}
	rs_info("%d held set%s released of %d report%s", done, done == 1 ? "" : "s", n,
		n == 1 ? "" : "s");
	return 0;
}

int main(int argc, char **argv)
{
	struct report_opts opts;
	struct report r;
	struct rs_error err;
	int rc, rel = 0;

	rs_set_progname(argv[0]);
	memset(&opts, 0, sizeof(opts));
	rc = parse_args(argc, argv, &opts, &rel);
	if (rc >= 0)
		return rc;
	if (rel)
		return release(argv + optind, argc - optind);
	rs_out_install_signal_cleanup();
	if (report_init(&r, &opts, &err)) {
		rs_error_print(&err);
		report_release(&r);
		return 2;
	}
	/* every table of both sets: all new or all old (issue 26) */
	rs_out_batch_begin();
	rc = report_run(&r, &err) ? 1 : 0;
	/* the list of hidden cells once the set it describes is in place */
	if (!rc && (report_keep(&r, &err) || rs_out_batch_commit(&err) ||
		    report_publish(&r, &err) || (opts.hold && report_hold(&r, &err)) ||
		    report_write_hidden(&r, &err)))
		rc = 1;
	rs_out_batch_abort();
	if (!rc && !opts.hold)
		report_drop_held(opts.outdir);   /* superseded by this set */
	report_unstage(&r);
	if (rc)
		rs_error_print(&err);
	report_release(&r);
	return rc;
}
