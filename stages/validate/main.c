/*
 * rs-validate - apply the rules YAML to canonical records: valid records,
 * rejects, warnings and a summary out.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "validate.h"
#include "xalloc.h"

static const char usage[] =
"usage: rs-validate --period FIRST..LAST -o VALID.csv.gz [options] RECORDS.csv.gz\n"
"\n"
"Checks canonical records against the rules file (region at village level,\n"
"reporting period, persons, age eligibility, payment standards, duplicate\n"
"payments, 低保/特困 conflicts) and writes the rows that pass. Every row read\n"
"is either valid or in the rejects file with the rule it broke.\n"
"\n"
"  -p, --period A..B      the source's reporting period, e.g. 2024-01..2024-12 (required)\n"
"  -o, --output FILE      valid records (.csv.gz)\n"
"      --rules FILE       rules YAML (default: rules.yaml in the data dir)\n"
"  -r, --rejects FILE     rejects, mode 0600 (default: OUTPUT with .rejects.csv.gz)\n"
"  -w, --warnings FILE    warnings (default: OUTPUT with .warnings.csv.gz)\n"
"  -s, --summary FILE     JSON summary (default: OUTPUT with .summary.json);\n"
"                         a Markdown table is written beside it (.md)\n"
"      --source NAME      source name for the summary (default: the input's name)\n"
"      --regions FILE     region table (default: regions.csv in the data dir)\n"
"      --catalog FILE     program catalog; repeat for local additions\n"
"      --max-reject-rate R | REASON=R\n"
"                         the loss gate: the share of rows (0.05 or 5%) this run\n"
"                         may reject, overall or for one reason (default: the\n"
"                         rules' max_reject_rate, else 5%)\n"
"      --accept-loss[=REASON,...]\n"
"                         accept this run's loss of those reasons (all when none\n"
"                         named): recorded in the summary and the quality table\n"
"  -q, --quiet            no summary line on stderr\n"
"  -h, --help             this text\n"
"  -V, --version          show the version and exit\n"
"\n"
"Exit status: 0 success; 1 data or I/O failure, or more rows rejected than\n"
"the gate allows (every output is still written);\n"
"2 usage or configuration error.\n";

/* The likely fix for a loss led by one reason. */
static void gate_fix(const struct validate_stats *st, const char *rulesf,
		     const char *rejects, struct sbuf *fix)
{
	switch (st->verdict.top) {
	case RJ_UNKNOWN_REGION:
		sbuf_addf(fix, "check that --regions is the edition the export's codes use, and which column `columns: {region_code: ...}` names in the mapping");
		break;
	case RJ_PERIOD_OUT_OF_RANGE:
		sbuf_addf(fix, "check the source's reporting period (--period, `period:` in the pipeline)");
		break;
	case RJ_OFF_STANDARD:
		sbuf_addf(fix, "check the payment standards in '%s' (`reliefstat check` names overlapping ones)", rulesf);
		break;
	case RJ_DUPLICATE_PAYMENT:
		sbuf_addf(fix, "the export may hold some months twice: check it against the source system");
		break;
	default:
		sbuf_addf(fix, "see the rules in '%s' and the rejects in '%s'", rulesf, rejects);
		break;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "rules", required_argument, NULL, 'R' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "warnings", required_argument, NULL, 'w' },
		{ "summary", required_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'S' },
		{ "regions", required_argument, NULL, 'G' },
		{ "catalog", required_argument, NULL, 'C' },
		{ "max-reject-rate", required_argument, NULL, 'M' },
		{ "accept-loss", optional_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct validate_opts o;
	struct validate_stats st;
	struct rules rules;
	struct catalog cat;
	struct regions regions;
	struct rs_error err;
	const char *period = NULL, *rulesf = NULL, *regionsf = NULL;
	const char *catalogs[16];
	char defs[2][4096];
	char *d1 = NULL, *d2 = NULL, *d3 = NULL, *d4 = NULL;
	size_t ncat = 0;
	const char *rates[RJ__COUNT + 1], *accepts[RJ__COUNT + 1];
	size_t nrates = 0, naccepts = 0, i;
	int c, ret;

	rs_set_progname(argv[0]);
	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:o:r:w:s:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': period = optarg; break;
		case 'o': o.out = optarg; break;
		case 'R': rulesf = optarg; break;
		case 'r': o.rejects = optarg; break;
		case 'w': o.warnings = optarg; break;
		case 's': o.summary = optarg; break;
		case 'S': o.source = optarg; break;
		case 'G': regionsf = optarg; break;
		case 'C':
			if (ncat == 16) {
				fprintf(stderr, "rs-validate: at most 16 --catalog files\n");
				return 2;
			}
			catalogs[ncat++] = optarg;
			break;
		case 'M':
		case 'A':
			if ((c == 'M' ? nrates : naccepts) == RJ__COUNT + 1) {
				fprintf(stderr, "rs-validate: too many --%s\n",
					c == 'M' ? "max-reject-rate" : "accept-loss");
				return 2;
			}
			if (c == 'M')
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
	if (optind != argc - 1 || !period || !o.out) {
		fprintf(stderr, "rs-validate: %s\n", optind != argc - 1 ?
			"give exactly one records file" : !period ?
			"--period is required" : "-o is required");
		fputs(usage, stderr);
		return 2;
	}
	if (period_parse(period, &o.period)) {
		fprintf(stderr, "rs-validate: bad --period '%s' (want e.g. 2024-01..2024-12)\n", period);
		return 2;
	}
	o.input = argv[optind];
	if (!o.source) {
		const char *slash = strrchr(o.input, '/');
		o.source = slash ? slash + 1 : o.input;
	}
	if (!rulesf) {
		rs_data_path("rules.yaml", defs[0], sizeof(defs[0]));
		rulesf = defs[0];
	}
	if (!regionsf) {
		rs_data_path("regions.csv", defs[1], sizeof(defs[1]));
		regionsf = defs[1];
	}
	if (rules_load(&rules, rulesf, &err) ||
	    catalog_load_default(&cat, catalogs, ncat, &err)) {
		rs_error_print(&err);
		rules_release(&rules);	/* either loaded or already released */
		return 2;
	}
	/* The command line overrides the rules' gate. */
	for (i = 0; i < nrates; i++)
		if (gate_set_rate(&rules.gate, rates[i], &err))
			goto config;
	for (i = 0; i < naccepts; i++)
		if (gate_accept(&rules.gate, accepts[i], &err))
			goto config;
	if (regions_load(&regions, regionsf, &err)) {
config:
		rs_error_print(&err);
		rules_release(&rules);
		catalog_release(&cat);
		return 2;
	}
	/* What cannot be right is refused before any row is read (the same
	 * checks as reliefstat check). */
	{
		struct sbuf bad;
		int nbad;

		sbuf_init(&bad, 0);
		nbad = rules_check(&rules, &cat, &regions, &bad);
		if (nbad) {
			fprintf(stderr, "%s", bad.buf);
			sbuf_release(&bad);
			rules_release(&rules);
			catalog_release(&cat);
			regions_release(&regions);
			return 2;
		}
		sbuf_release(&bad);
	}
	/* Derived after the loads, whose failures return at once. */
	if (!o.rejects)
		o.rejects = d1 = rs_path_derive(o.out, ".rejects.csv.gz");
	if (!o.warnings)
		o.warnings = d2 = rs_path_derive(o.out, ".warnings.csv.gz");
	if (!o.summary)
		o.summary = d3 = rs_path_derive(o.out, ".summary.json");
	o.summary_md = d4 = rs_path_derive(o.summary, ".md");
	o.rules = &rules;
	o.cat = &cat;
	o.regions = &regions;
	o.gate = &rules.gate;
	rs_out_install_signal_cleanup();
	ret = validate_run(&o, &st, &err);
	if (ret) {
		rs_error_print(&err);
	} else {
		long rejected = st.rows_read - st.valid;
		struct sbuf why;
		sbuf_init(&why, 0);
		reject_counts_format(st.counts, &why);
		rs_info("%s: %ld rows read, %ld valid, %ld rejected%s, %ld warnings",
			o.source, st.rows_read, st.valid, rejected,
			why.buf ? why.buf : "", st.warned);
		sbuf_release(&why);
		if (st.verdict.over) {
			struct sbuf msg, fix;

			sbuf_init(&msg, 0);
			sbuf_init(&fix, 0);
			gate_fix(&st, rulesf, o.rejects, &fix);
			gate_message(&st.verdict, "", o.source, &rules.gate,
				     st.sample, fix.buf, &msg);
			fprintf(stderr, "rs-validate: %s\n", msg.buf);
			sbuf_release(&msg);
			sbuf_release(&fix);
			ret = 1;
		}
	}
	free(st.sample);
	free(st.rule_hits);
	rules_release(&rules);
	catalog_release(&cat);
	regions_release(&regions);
	free(d1);
	free(d2);
	free(d3);
	free(d4);
	return ret;
}
