/*
 * rs-gen - writes a realistic source export of any size, with planted
 * defects, and the exact truth of its valid rows (the .truth.json shape of
 * the shared exports). Same arguments, same bytes: benchmarks and the
 * pipeline's end-to-end test rely on it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "cli.h"
#include "error.h"
#include "gen.h"

#ifndef RS_VERSION
#define RS_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
"usage: rs-gen --rows N [options] -o FILE.csv\n"
"\n"
"Writes a synthetic social-assistance export (UTF-8 CSV, LF, the standard\n"
"15 columns, amounts in 元) for one reporting year, with planted defects,\n"
"and optionally its truth: valid rows, rejects by code and the exact\n"
"figures per (county, program, area).\n"
"\n"
"  --rows N            data rows to write (suffix k or M allowed; at most %llu)\n"
"  --seed S            seed of the random stream (default 1)\n"
"  --defects F         fraction of defect rows, 0..1 (default 0.01)\n"
"  --year Y            reporting year, paid 01..12 (default 2024)\n"
"  --county C          6-digit county code, or 'all' (default 350212)\n"
"  --regions FILE      regions table (default: regions.csv in $RS_DATADIR,\n"
"                      else in share/reliefstat beside the program's bin/,\n"
"                      else in samples/reference)\n"
"  --truth FILE        also write the truth JSON there\n"
"  --extras            also write what official tables add (with exact truth):\n"
"                      reversals (备注 冲正, some corrected, a few unmatched),\n"
"                      back-pay (备注 补发, months covered in a 16th column\n"
"                      所属期), orphans, 慈善救助, 节日慰问 and donation-funded\n"
"                      (慈善捐赠) 临时救助; the truth adds flows, of_which\n"
"                      (female, 60+, under 18) and public_money. Read it with\n"
"                      samples/mappings/generated-extras.yaml\n"
"  -o, --output FILE   the export ('-' for standard output)\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Exit status: 0 success, 1 I/O failure, 2 usage or configuration error.\n",
		(unsigned long long)GEN_MAX_ROWS);
}

/* Parses a whole decimal number in [min, max], with an optional k or M. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, int suffix,
		     uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (suffix && (*end == 'k' || *end == 'M')) {
		unsigned long long m = *end == 'k' ? 1000 : 1000000;

		if (v > max / m)
			return -1;
		v *= m;
		end++;
	}
	if (*end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int valid_county(const char *s)
{
	size_t i;

	if (strcmp(s, "all") == 0)
		return 1;
	for (i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[6] == '\0';
}

/* Where the other programs find it (common/canon.h), so that an
 * installed rs-gen finds PREFIX/share/reliefstat whatever PREFIX the
 * build was made with. */
static const char *default_regions(void)
{
	static char path[4096];

	rs_data_path("regions.csv", path, sizeof(path));
	return path;
}

static const struct option opts[] = {
	{ "rows", required_argument, NULL, 'n' },
	{ "seed", required_argument, NULL, 's' },
	{ "defects", required_argument, NULL, 'd' },
	{ "year", required_argument, NULL, 'y' },
	{ "county", required_argument, NULL, 'c' },
	{ "regions", required_argument, NULL, 'r' },
	{ "truth", required_argument, NULL, 't' },
	{ "extras", no_argument, NULL, 'x' },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Applies one option; returns 0, or -1 for a bad value. */
static int set_option(struct gen_opts *o, int c, const char *arg)
{
	uint64_t year;
	char *end;

	switch (c) {
	case 'n':
		return parse_u64(arg, 0, GEN_MAX_ROWS, 1, &o->rows);
	case 's':
		return parse_u64(arg, 0, UINT64_MAX, 0, &o->seed);
	case 'd':
		errno = 0;
		o->defects = strtod(arg, &end);
		return errno || end == arg || *end || !isfinite(o->defects) ||
			o->defects < 0 || o->defects > 1 ? -1 : 0;
	case 'y':
		if (parse_u64(arg, 1950, 2200, 0, &year) < 0)
			return -1;
		o->year = (int)year;
		return 0;
	case 'c':
		o->county = arg;
		return valid_county(arg) ? 0 : -1;
	case 'r':
		o->regions = arg;
		return 0;
	case 't':
		o->truth = arg;
		return 0;
	case 'x':
		o->extras = 1;
		return 0;
	default: /* 'o' */
		o->out = arg;
		return 0;
	}
}

/* Returns 0 to go on, or the exit code (help, version, usage error). */
static int parse_args(int argc, char **argv, struct gen_opts *o)
{
	int c, i, have_rows = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:hV", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (c == 'V') {
			rs_cli_version();
			return -1;
		}
		if (c == '?' || c == ':')
			return rs_cli_usage_error(c == ':' ? "option needs a value:"
						  : "unknown option", argv[optind - 1]);
		if (set_option(o, c, optarg) < 0) {
			for (i = 0; opts[i].val != c; i++)
				;
			rs_warn("invalid value '%s' for --%s (see --help)",
				optarg, opts[i].name);
			return 2;
		}
		have_rows |= c == 'n';
	}
	if (optind < argc) {
		rs_warn("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!have_rows || !o->out) {
		rs_warn("--rows and -o are required (see --help)");
		return 2;
	}
	if (o->truth && strcmp(o->truth, o->out) == 0) {
		rs_warn("--truth and -o name the same file '%s'", o->out);
		return 2;
	}
	if (!o->regions)
		o->regions = default_regions();
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_opts o = { 0, 1, 0.01, 2024, "350212", NULL, NULL, NULL, 0 };
	struct gen_regions rg;
	struct rs_error err;
	int ret;

	rs_set_progname(argv[0]);
	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	/* A missing or empty regions table is a configuration error. */
	if (gen_regions_load(&rg, o.regions, o.county, &err) < 0) {
		rs_error_print(&err);
		return 2;
	}
	ret = gen_run(&o, &rg, &err) < 0 ? 1 : 0;
	if (ret)
		rs_error_print(&err);
	gen_regions_release(&rg);
	return ret;
}
