/*
 * rs-aggregate - fold valid records into the mergeable aggregate file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "fileio.h"

static const char usage[] =
"usage: rs-aggregate -o AGG.csv.gz VALID.csv.gz...\n"
"\n"
"Folds valid canonical records into the aggregate file: one row per\n"
"(region, program, area, month, funding, support mode, beneficiary) with\n"
"payments (户次), persons (人次) and amount summed, sorted so the same records\n"
"always give the same bytes. rs-merge of the aggregates of any split of the\n"
"records gives exactly this file; rs-report derives every table from it.\n"
"\n"
"  -o, --output FILE   the aggregate file (.csv.gz)\n"
"  -q, --quiet         no summary line on stderr\n"
"  -h, --help          this text\n"
"      --version       print the version\n"
"\n"
"Exit status: 0 success; 1 data or I/O failure; 2 usage error.\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct aggregate_stats st;
	struct rs_error err;
	const char *out = NULL;
	int c;

	rs_set_progname(argv[0]);
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'q': rs_quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': printf("rs-aggregate %s\n", RS_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc || !out) {
		fprintf(stderr, "rs-aggregate: %s\n", !out ? "-o is required" :
			"give at least one records file");
		fputs(usage, stderr);
		return 2;
	}
	rs_out_install_signal_cleanup();
	if (aggregate_run((const char *const *)argv + optind, (size_t)(argc - optind),
			  out, &st, &err)) {
		rs_error_print(&err);
		return 1;
	}
	rs_info("%ld records, %ld leaf keys -> %s", st.rows_read, st.keys, out);
	return 0;
}
