/*
 * rs-load - a run's results into a database for analysts: SQLite (the
 * embedded default) or PostgreSQL. This file holds the command line; the
 * load is in load.c, the schema in schema.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dbw.h"
#include "error.h"
#include "load.h"
#include "xalloc.h"

static const char usage[] =
"usage: rs-load (--sqlite FILE | --postgres CONNINFO) --run ID\n"
"               [--catalog F]... [--regions F] [--ledger F] DIR...\n"
"\n"
"Loads a run's results into a database: a SQLite file (what make run writes)\n"
"or a PostgreSQL server.\n"
"\n"
"Reads:  each DIR, a dataset folder as the pipeline writes it (a source's\n"
"        out/NAME/ or the merged out/all/): valid.csv.gz (records),\n"
"        ingest-rejects.csv.gz and validate-rejects.csv.gz (rejects, masked),\n"
"        agg.csv.gz (leaf aggregates), groups.csv.gz (grouped measures) and\n"
"        report/internal/*.csv, report/published/*.csv (the tables), those\n"
"        that are there; the dataset is named after the folder. With\n"
"        --catalog, the program labels; --regions, the region labels;\n"
"        --ledger, the runner's ledger.jsonl.\n"
"Writes: the tables records, rejects, leaves, measures, cells (one row per\n"
"        cell of every report table, with status published, suppressed or\n"
"        not_applicable), programs, regions, ledger, and views (records_yuan,\n"
"        published_programs, ...): see README.md. Money is integer fen.\n"
"        Loading replaces every row of the same run and dataset, in one\n"
"        transaction: a second load of the same run changes nothing, and a\n"
"        failed load leaves the database as it was.\n"
"\n"
"Options:\n"
"      --sqlite FILE        the SQLite database (created when missing)\n"
"      --postgres CONNINFO  a PostgreSQL connection string, such as\n"
"                           'host=/run/postgresql dbname=relief'\n"
"      --run ID             the run's id, e.g. yearend-2024 (required)\n"
"      --catalog FILE       program catalog (repeatable; fills programs)\n"
"      --regions FILE       regions.csv (fills regions)\n"
"      --ledger FILE        the run's ledger (fills ledger)\n"
"  -q, --quiet              no summary line on stderr\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Exit status: 0 success; 1 a file or the database failed (the message\n"
"names it; nothing was changed); 2 usage error.\n";

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct load_opts *o,
		      enum dbw_kind *kind, const char **target,
		      const char ***cats)
{
	static const struct option longopts[] = {
		{ "sqlite", required_argument, NULL, 's' },
		{ "postgres", required_argument, NULL, 'p' },
		{ "run", required_argument, NULL, 'r' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "regions", required_argument, NULL, 'g' },
		{ "ledger", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': case 'p':
			if (*target)
				return rs_cli_usage_error("give one of --sqlite "
							  "and --postgres", NULL);
			*kind = c == 's' ? DBW_SQLITE : DBW_PG;
			*target = optarg;
			break;
		case 'r': o->run = optarg; break;
		case 'c':
			*cats = xreallocarray(*cats, o->ncatalogs + 1, sizeof(**cats));
			(*cats)[o->ncatalogs++] = optarg;
			break;
		case 'g': o->regions = optarg; break;
		case 'l': o->ledger = optarg; break;
		case 'q': rs_quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': return rs_cli_version();
		case ':': return rs_cli_usage_error("option needs a value:", argv[optind - 1]);
		default: return rs_cli_usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (!*target)
		return rs_cli_usage_error("missing --sqlite FILE or --postgres CONNINFO", NULL);
	if (!o->run || !*o->run)
		return rs_cli_usage_error("missing --run ID", NULL);
	if (optind >= argc && !o->ncatalogs && !o->regions && !o->ledger)
		return rs_cli_usage_error("nothing to load: give a DIR", NULL);
	o->dirs = argv + optind;
	o->ndirs = (size_t)(argc - optind);
	o->catalogs = *cats;
	return -1;
}

int main(int argc, char **argv)
{
	struct load_opts opts;
	struct load_stats st;
	struct rs_error err;
	enum dbw_kind kind = DBW_SQLITE;
	const char *target = NULL;
	const char **cats = NULL;
	struct dbw *db = NULL;
	int rc;

	rs_set_progname(argv[0]);
	memset(&opts, 0, sizeof(opts));
	rc = parse_args(argc, argv, &opts, &kind, &target, &cats);
	if (rc >= 0)
		goto out;
	rc = 1;
	if (dbw_open(kind, target, &db, &err) || load_run(db, &opts, &st, &err)) {
		rs_error_print(&err);
		goto out;
	}
	rs_info("run '%s' into '%s': %ld records, %ld rejects, %ld leaves, "
		"%ld measures, %ld cells, %ld ledger lines", opts.run,
		kind == DBW_SQLITE ? target : "postgresql", st.records,
		st.rejects, st.leaves, st.measures, st.cells, st.ledger);
	rc = 0;
out:
	dbw_close(db);
	free(cats);
	return rc;
}
