/*
 * rs-merge - merge aggregate files into one.
 *
 * A province merges its districts' aggregates (all made with the same key)
 * into one file that is byte for byte what rs-aggregate would have written
 * from all their records at once; rs-report then reads the merged file.
 * This file holds the command line; the merge is in merge.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "cli.h"
#include "error.h"
#include "fileio.h"
#include "gate.h"
#include "merge.h"
#include "xalloc.h"

static const char usage[] =
"usage: rs-merge -o OUT.csv.gz [--summary F.json] [--warnings W.csv.gz\n"
"                [--label NAME]... [--max-overlap RATE] [--accept-loss]]\n"
"                AGG.csv.gz...\n"
"\n"
"Merges aggregate files written by rs-aggregate or rs-merge into one.\n"
"\n"
"Reads:  each AGG file (gzip or plain CSV), sorted by region_code, program,\n"
"        area, period, funding, support_mode, beneficiary, as rs-aggregate\n"
"        writes it. Inputs made from different records (different districts\n"
"        or months) must be pseudonymised with the same key.\n"
"Writes: OUT, the merged aggregate: rows with equal keys are combined by\n"
"        summing payments, persons and amount (exactly, to the fen); sex and\n"
"        age come from the first input that has the key. The result equals\n"
"        rs-aggregate run on all the records at once. OUT is gzip-compressed\n"
"        when its name ends in .gz, and appears atomically.\n"
"        With --summary, a JSON summary:\n"
"        {\"stage\":\"merge\",\"inputs\":[...],\"rows_read\":N,\"rows_written\":N}\n"
"        (and \"warnings\":N with --warnings).\n"
"        With --warnings, the beneficiaries paid by two or more of the input\n"
"        files in one month for one program: payments that validation of\n"
"        each partition alone could not see as duplicates. Columns\n"
"        beneficiary,program,period,files,regions; files and regions are\n"
"        ';'-separated (the files' labels in input order, the region codes\n"
"        sorted); rows sorted by beneficiary, program, period. Header only\n"
"        when there are none.\n"
"\n"
"Overlap gate (with --warnings): when more than --max-overlap (default 1%)\n"
"of the distinct (beneficiary, program, month) keys are paid by two or\n"
"more inputs, rs-merge writes its outputs for inspection and exits 1,\n"
"naming the two inputs that share the most. That many is rarely two\n"
"districts paying one person; it is one export given twice (a copy under\n"
"another name), whose payments the merged tables would count twice.\n"
"--accept-loss accepts it for this run (the summary records it).\n"
"\n"
"Options:\n"
"  -o, --output FILE    the merged aggregate file (required)\n"
"      --summary FILE   also write a JSON summary\n"
"      --warnings FILE  also write the table of beneficiaries paid by two\n"
"                       inputs (gzip when FILE ends in .gz)\n"
"      --label NAME     name of the next input in that table, once per input\n"
"                       in order, all or none (default: the paths as given)\n"
"      --max-overlap RATE  the share of keys two inputs may both pay before\n"
"                       the merge fails: 0.01 or 1% (default), 1 for any\n"
"      --accept-loss[=overlap]  this run accepts an overlap over the limit\n"
"  -q, --quiet          no progress line on stderr\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Memory holds one row per input, whatever the file sizes; --warnings adds\n"
"about 60 to 120 bytes per distinct (beneficiary, program, period) key.\n"
"\n"
"Exit status: 0 success; 1 data or I/O failure (a missing input, a wrong\n"
"header, keys out of order, a bad number; the message names file and line;\n"
"no output is written), or an overlap over --max-overlap (the outputs are\n"
"written); 2 usage error (also: the same input given twice).\n";

static int usage_error(const char *msg, const char *arg)
{
	return rs_cli_usage_error(msg, arg);
}

/* The name of input i in messages: its label, else its path. */
static const char *input_name(const struct merge_opts *o, size_t i)
{
	return o->labels ? o->labels[i] : o->inputs[i];
}

/*
 * An overlap over the limit: says how much, between which inputs, where
 * the list is and the likely fix. Returns 1 when the run must fail, 0 when
 * it was accepted (--accept-loss).
 */
static int overlap_message(const struct merge_opts *o,
			   const struct merge_stats *st)
{
	double share = 100.0 * (double)st->warnings / (double)st->keys;
	char pair[512] = "";

	if (!o->accept_overlap && st->pair_n)
		snprintf(pair, sizeof(pair), ": most of them (%ld) by both '%s' and '%s'",
			 st->pair_n, input_name(o, st->pair_a), input_name(o, st->pair_b));
	rs_warn("%ld of %ld payments (beneficiary, program, month), %.2f%%, "
		"are paid by two or more inputs, over the %g%% allowed%s%s; "
		"listed in '%s'", st->warnings, st->keys, share,
		100 * o->max_overlap,
		o->accept_overlap ? ": accepted for this run (--accept-loss)" : " (--max-overlap)",
		pair, o->warnings);
	if (o->accept_overlap)
		return 0;
	rs_warn("likely fix: one export given twice (a copy under another name, "
		"or one district's file in two sources): remove the copy from the "
		"sources; the merged tables would count these payments twice. If "
		"both really paid them, accept it for this run with --accept-loss");
	return 1;
}

/*
 * The same file twice would count its records twice: refuse it. (Equal
 * keys in different files are fine: one district's payments may come in
 * several exports.) Files that cannot be stat'ed are left to the merge,
 * which reports them.
 */
static int check_distinct(char *const *in, size_t n)
{
	struct stat a, b;
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (stat(in[i], &a))
			continue;
		for (j = 0; j < i; j++)
			if (!stat(in[j], &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				return usage_error("input given twice (its rows would count twice):",
						   in[i]);
	}
	return -1;
}

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct merge_opts *o,
		      char ***labels)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "summary", required_argument, NULL, 's' },
		{ "warnings", required_argument, NULL, 'w' },
		{ "label", required_argument, NULL, 'l' },
		{ "max-overlap", required_argument, NULL, 'm' },
		{ "accept-loss", optional_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	size_t nlabels = 0;
	int c, overlap_set = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 's': o->summary = optarg; break;
		case 'w': o->warnings = optarg; break;
		case 'm':
			if (gate_parse_share(optarg, &o->max_overlap))
				return usage_error("--max-overlap takes a share from 0 to 1 (0.01 or 1%), not",
						   optarg);
			overlap_set = 1;
			break;
		case 'a':
			if (optarg && strcmp(optarg, "overlap") && strcmp(optarg, "all"))
				return usage_error("--accept-loss takes 'overlap' (the only loss a merge judges), not",
						   optarg);
			o->accept_overlap = 1;
			break;
		case 'l':
			*labels = xreallocarray(*labels, nlabels + 2,
						sizeof(**labels));
			(*labels)[nlabels++] = optarg;
			(*labels)[nlabels] = NULL;
			break;
		case 'q': rs_quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return rs_cli_version();
		case ':': return usage_error("option needs a value:", argv[optind - 1]);
		default: return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (!o->out)
		return usage_error("missing -o OUT", NULL);
	if (optind >= argc)
		return usage_error("no input files", NULL);
	o->inputs = argv + optind;
	o->ninputs = (size_t)(argc - optind);
	if (nlabels && (nlabels != o->ninputs || !o->warnings))
		return usage_error(o->warnings ? "give one --label per input, "
				   "or none" : "--label goes with --warnings",
				   NULL);
	o->labels = *labels;
	if ((overlap_set || o->accept_overlap) && !o->warnings)
		return usage_error(overlap_set ? "--max-overlap goes with --warnings"
				   : "--accept-loss goes with --warnings (the overlap is judged there)",
				   NULL);
	if (!overlap_set)
		o->max_overlap = o->warnings ? MERGE_DEFAULT_OVERLAP : -1;
	return check_distinct(o->inputs, o->ninputs);
}

int main(int argc, char **argv)
{
	struct merge_opts opts;
	struct merge_stats st;
	struct rs_error err;
	char **labels = NULL;
	int rc;

	rs_set_progname(argv[0]);
	memset(&opts, 0, sizeof(opts));
	rc = parse_args(argc, argv, &opts, &labels);
	if (rc >= 0)
		goto out;
	rs_out_install_signal_cleanup();
	if (sodium_init() < 0) {
		rs_warn("cannot initialise libsodium");
		rc = 1;
		goto out;
	}
	rc = 1;
	if (merge_run(&opts, &st, &err)) {
		rs_error_print(&err);
		goto out;
	}
	rs_info("merged %zu file%s: %ld rows read, %ld rows written to '%s'",
		opts.ninputs, opts.ninputs == 1 ? "" : "s", st.rows_read,
		st.rows_written, opts.out);
	if (opts.warnings)
		rs_info("%ld beneficiar%s paid by two inputs in one month for "
			"one program: '%s'", st.warnings,
			st.warnings == 1 ? "y" : "ies", opts.warnings);
	rc = 0;
	if (st.overlap_over && overlap_message(&opts, &st))
		rc = 1;
out:
	free(labels);
	return rc;
}
