/*
 * rs-aggregate - fold valid records into the mergeable aggregate file and,
 * optionally, grouped measures with subtotals and reconciliation.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "aggregate.h"
#include "canon.h"
#include "fileio.h"

static const char usage[] =
"usage: rs-aggregate -o AGG.csv.gz [--groups GROUPS.csv.gz [--by SPEC]] VALID.csv.gz...\n"
"\n"
"Folds valid canonical records into the aggregate file: one row per\n"
"(region, program, area, month, funding, support mode, beneficiary) with\n"
"payments (户次), persons (人次) and amount summed, sorted so the same records\n"
"always give the same bytes. rs-merge of the aggregates of any split of the\n"
"records gives exactly this file; rs-report derives every table from it.\n"
"\n"
"  -o, --output FILE   the aggregate file (.csv.gz)\n"
"  -g, --groups FILE   also write grouped measures with subtotals at every\n"
"                      level of every hierarchy, after checking that they\n"
"                      reconcile (additive parts sum exactly; distinct counts\n"
"                      and stocks lie between the largest part and the sum;\n"
"                      a year's stock is its last month's); a failed check\n"
"                      fails the stage\n"
"  -b, --by SPEC       grouping: region=province|city|county|township|village,\n"
"                      program, area, period=month|quarter|year|period, funding,\n"
"                      support_mode (default: region=county,program,area,period=year)\n"
"  -p, --period A..B   the reporting period (needed for period=period; caps\n"
"                      stocks of a partial year at its last month)\n"
"      --catalog FILE  program catalog for roll-ups; repeat for local additions\n"
"  -q, --quiet         no summary line on stderr\n"
"  -h, --help          this text\n"
"  -V, --version       show the version and exit\n"
"\n"
"Exit status: 0 success; 1 data or I/O failure, or a failed reconciliation;\n"
"2 usage or configuration error.\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "groups", required_argument, NULL, 'g' },
		{ "by", required_argument, NULL, 'b' },
		{ "period", required_argument, NULL, 'p' },
		{ "catalog", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct aggregate_opts o;
	struct aggregate_stats st;
	struct group_spec spec;
	struct catalog cat;
	struct rs_error err;
	const char *by = "region=county,program,area,period=year", *period = NULL;
	const char *catalogs[16];
	size_t ncat = 0;
	int c, ret = 0, have_cat = 0;

	rs_set_progname(argv[0]);
	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:g:b:p:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'g': o.groups = optarg; break;
		case 'b': by = optarg; break;
		case 'p': period = optarg; break;
		case 'C':
			if (ncat == 16) {
				fprintf(stderr, "rs-aggregate: at most 16 --catalog files\n");
				return 2;
			}
			catalogs[ncat++] = optarg;
			break;
		case 'q': rs_quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return rs_cli_version();
		case ':': return rs_cli_usage_error("option needs a value:", argv[optind - 1]);
		default: return rs_cli_usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind >= argc || !o.out) {
		fprintf(stderr, "rs-aggregate: %s\n", !o.out ? "-o is required" :
			"give at least one records file");
		fputs(usage, stderr);
		return 2;
	}
	if (group_spec_parse(by, &spec, &err)) {
		fprintf(stderr, "rs-aggregate: --by: %s\n", err.msg);
		return 2;
	}
	if (period && period_parse(period, &spec.period)) {
		fprintf(stderr, "rs-aggregate: bad --period '%s' (want e.g. 2024-01..2024-12)\n", period);
		return 2;
	}
	if (spec.period_grain == PG_PERIOD && !period) {
		fprintf(stderr, "rs-aggregate: period=period needs --period\n");
		return 2;
	}
	/* A --catalog named without --groups is still loaded: a missing or
	 * broken file is an error either way, not silently ignored. */
	if (o.groups || ncat) {
		if (catalog_load_default(&cat, catalogs, ncat, &err)) {
			rs_error_print(&err);
			return 2;
		}
		have_cat = 1;
	}
	if (o.groups) {
		o.cat = &cat;
		o.spec = &spec;
	}
	o.inputs = (const char *const *)argv + optind;
	o.ninputs = (size_t)(argc - optind);
	rs_out_install_signal_cleanup();
	/* the aggregate and the groups file: both new or both old */
	rs_out_batch_begin();
	if (aggregate_run(&o, &st, &err) || rs_out_batch_commit(&err)) {
		rs_out_batch_abort();
		rs_error_print(&err);
		ret = 1;
	} else if (o.groups) {
		rs_info("%ld records, %ld leaf keys -> %s; %zu groups, %zu reconciliation checks hold -> %s",
			st.rows_read, st.keys, o.out, st.groups.groups, st.groups.checks, o.groups);
	} else {
		rs_info("%ld records, %ld leaf keys -> %s", st.rows_read, st.keys, o.out);
	}
	if (have_cat)
		catalog_release(&cat);
	return ret;
}
