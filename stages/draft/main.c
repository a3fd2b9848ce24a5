/*
 * rs-draft - drafts a mapping file from a source export.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "draft.h"
#include "norm.h"

static const char usage[] =
"usage: rs-draft [--sheet NAME] [--catalog FILE]... EXPORT > mapping.yaml\n"
"\n"
"Reads a source export (CSV in UTF-8 or GB18030, an .xlsx or .xls workbook)\n"
"and writes a draft mapping file for rs-ingest on standard output: the\n"
"encoding and delimiter, the sheet, where the header is, each canonical\n"
"field matched from common header names (区划代码, 身份证号, 证件号码, 救助类别,\n"
"发放金额, 所属年月 ...), the amount unit, the month form, and the program\n"
"labels the catalog does not know: mapped when one program's name has the\n"
"same characters in another order (最低生活保障（城市） = 城市最低生活保障),\n"
"else TODO lines. Lines it is unsure of are marked UNSURE; read them before\n"
"the first run.\n"
"\n"
"      --sheet NAME       the workbook sheet (default: the first with a header)\n"
"      --catalog FILE     program catalog; repeat to add local programs\n"
"                         (default: programs.yaml and programs-local.yaml in the data dir)\n"
"  -h, --help             this text\n"
"  -V, --version          print the version\n"
"\n"
"Exit status: 0 a draft was written (it may hold UNSURE and TODO lines);\n"
"1 the export cannot be read; 2 usage error, or no header found.\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sheet", required_argument, NULL, 's' },
		{ "catalog", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct draft_opts o;
	struct catalog cat;
	struct rs_error err;
	const char *catalogs[16];
	size_t ncat = 0;
	int c, ret, unsure = 0;

	rs_set_progname(argv[0]);
	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.sheet = optarg; break;
		case 'C':
			if (ncat == 16) {
				fprintf(stderr, "rs-draft: at most 16 --catalog files\n");
				return 2;
			}
			catalogs[ncat++] = optarg;
			break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return rs_cli_version();
		case ':': return rs_cli_usage_error("option needs a value", argv[optind - 1]);
		default: return rs_cli_usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return rs_cli_usage_error("give exactly one export file", NULL);
	o.input = argv[optind];
	if (catalog_load_default(&cat, catalogs, ncat, &err)) {
		rs_error_print(&err);
		return 2;
	}
	o.cat = &cat;
	ret = draft_run(&o, stdout, &unsure, &err);
	if (!ret && (fflush(stdout) || ferror(stdout))) {
		rs_err(&err, "cannot write the draft to standard output");
		ret = 1;
	}
	if (ret)
		rs_error_print(&err);
	else
		rs_info("drafted a mapping for '%s'%s", o.input,
			unsure ? "; read the lines marked UNSURE and TODO before the first run" :
			"");
	catalog_release(&cat);
	norm_release();
	return ret;
}
