/*
 * main.c - reliefstat: run a pipeline YAML, show what is stale, or draw its
 * DAG. One function per command, dispatched from one table; each parses its
 * options, loads the pipeline (pipeline.c, graph.c) and hands over.
 *
 * Exit codes (SPEC.md section 6): 0 success or nothing to do (status: all
 * up to date), 1 a stage failed (status: something would run), 2 usage or
 * configuration error, 3 another run holds the lock.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "jsonw.h"
#include "runner.h"
#include "xalloc.h"

#ifndef RS_VERSION
#define RS_VERSION "unknown"
#endif

static const char usage_text[] =
	"usage: reliefstat run PIPELINE [options]\n"
	"       reliefstat status PIPELINE [--json] [--var NAME=VALUE]...\n"
	"       reliefstat dag PIPELINE [--dot] [--var NAME=VALUE]...\n"
	"       reliefstat runs PIPELINE [--json] [--var NAME=VALUE]...\n"
	"       reliefstat show PIPELINE [RUN] [--json] [--var NAME=VALUE]...\n"
	"       reliefstat diff PIPELINE [RUN_A RUN_B] [--json] [--var ...]\n"
	"       reliefstat explain PIPELINE --source S --table T --row R\n"
	"                  --column C [--json] [--var NAME=VALUE]...\n"
	"       reliefstat check PIPELINE [--var NAME=VALUE]...\n"
	"       reliefstat preview PIPELINE SOURCE [N] [--var NAME=VALUE]...\n"
	"       reliefstat CMD --help | -V, --version\n"
	"\n"
	"Runs the stages of a pipeline YAML file whose inputs, parameters,\n"
	"command or program changed since they last succeeded, in dependency\n"
	"order. State, logs and the ledger are kept in ${out}/.reliefstat/.\n"
	"Every run gets a number; 'runs' lists them and 'show' shows what each\n"
	"stage of one did (default: the last run). Logs of the last keep_runs\n"
	"runs (a variable, default 30) are kept. 'diff' lists every published\n"
	"cell that changed between two good runs (default: the last two) and\n"
	"the inputs that changed with it. 'explain' lists the valid records\n"
	"behind one cell of a source's report (table by its title, row by its\n"
	"first cells, column by its header: --table 分地区汇总表 --row 马寨镇\n"
	"--column 临时救助人次), summing to it, and the rejects in that cell.\n"
	"Before any stage, run checks the mapping, catalog, rules and region\n"
	"files the stage commands name (as check does) and runs nothing if one\n"
	"cannot be right: unknown program codes, region prefixes matching no\n"
	"region, overlapping payment standards, a local program lacking\n"
	"recurrence, payment_grain or public_money (exit 2).\n"
	"\n"
	"run options:\n"
	"  --var NAME=VALUE  set a pipeline variable (repeatable)\n"
	"  -j, --jobs N      run up to N independent stages at once (default 1;\n"
	"                    with Slurm: jobs in flight, default 64)\n"
	"  --executor E      local (child processes) or slurm (sbatch jobs);\n"
	"                    default: the pipeline's 'executor:', else local\n"
	"  --only S          run only stage or task S (repeatable); refused\n"
	"                    while an upstream task left out failed or is\n"
	"                    stale (run it too: --until S)\n"
	"  --from S          run S and everything downstream of it\n"
	"  --until S         run S and everything upstream of it\n"
	"  --force [S]       rerun every selected stage, or S, even if up to date\n"
	"                    (write S as --force=S before PIPELINE)\n"
	"  -n, --dry-run     print the commands that would run, run nothing\n"
	"  -k, --keep-going  after a failure, go on with independent stages\n"
	"  -q, --quiet       print only failures\n"
	"  -v, --verbose     off a terminal, also print each command and each\n"
	"                    stage's start and end (by default only failures\n"
	"                    and one dated summary line, for cron)\n"
	"  --accept-loss SOURCE[:REASON]\n"
	"                    this run, publish SOURCE although its ingest or\n"
	"                    validate stage rejects more than its threshold (of\n"
	"                    REASON, or of any); recorded in the ledger and the\n"
	"                    quality table (repeatable)\n"
	"  --allow-outside   let outputs (and ${out}) lie outside the working\n"
	"                    directory; without it such a pipeline is refused\n"
	"\n"
	"S is a stage name (all its foreach tasks) or a task name (ingest@erqi).\n"
	"Exit: 0 ok or nothing to do, 1 a stage failed (status: something would\n"
	"run), 2 usage or configuration error, 3 another run holds the lock.\n";

static const char status_help[] =
	"usage: reliefstat status PIPELINE [--json] [--var NAME=VALUE]...\n"
	"\n"
	"Says which stages would run, and why (a changed input, parameter,\n"
	"command or program; failed in the last run, when, and the stage's\n"
	"message; never run), without running anything.\n"
	"\n"
	"  --var NAME=VALUE  set a pipeline variable (repeatable)\n"
	"  --json            one JSON document: each task's state and reasons\n"
	"\n"
	"Exit: 0 everything up to date, 1 something would run, 2 usage or\n"
	"configuration error.\n";

static const char dag_help[] =
	"usage: reliefstat dag PIPELINE [--dot] [--var NAME=VALUE]...\n"
	"\n"
	"Prints the pipeline's tasks in the order they run; --dot prints a\n"
	"Graphviz graph of their dependencies instead.\n"
	"\n"
	"Exit: 0 success, 2 usage or configuration error.\n";

static const char runs_help[] =
	"usage: reliefstat runs PIPELINE [--json] [--var NAME=VALUE]...\n"
	"\n"
	"Lists the pipeline's runs, one line each: number, start, time taken,\n"
	"exit, stages run / up to date / failed, published figures changed,\n"
	"and a loss accepted with --accept-loss, if any.\n"
	"\n"
	"  --json            one JSON document, a member per run\n"
	"\n"
	"Exit: 0 success, 2 usage or configuration error.\n";

static const char show_help[] =
	"usage: reliefstat show PIPELINE [RUN] [--json] [--var NAME=VALUE]...\n"
	"\n"
	"Shows what each stage of one run did (default: the last run): exit,\n"
	"time, rows in and out, rejects by reason, the hashes of its inputs and\n"
	"outputs, and where its log is.\n"
	"\n"
	"  --json            the run's ledger lines as one JSON document\n"
	"\n"
	"Exit: 0 success, 2 usage or configuration error (no such run).\n";

static const char diff_help[] =
	"usage: reliefstat diff PIPELINE [RUN_A RUN_B] [--json] [--var ...]\n"
	"\n"
	"Lists every published cell that changed between two good runs\n"
	"(default: the last two): table, row (its first cells), column (its\n"
	"header), old and new value, and the inputs that changed between the\n"
	"runs. Rows, columns and tables that came or went are listed too.\n"
	"\n"
	"  --json            one JSON document\n"
	"\n"
	"Exit: 0 success, 2 usage error or a run that is not there.\n";

static const char explain_help[] =
	"usage: reliefstat explain PIPELINE --source S --table T --row R\n"
	"                  --column C [--json] [--var NAME=VALUE]...\n"
	"\n"
	"Lists the valid records behind one cell of a source's report and\n"
	"checks that they make its value, then the rejects (ingest's and\n"
	"validate's) that fall in the same cell, with their reason.\n"
	"\n"
	"  --source S   the pipeline's source name (erqi-2024)\n"
	"  --table T    the table's title or part of it (分地区汇总表)\n"
	"  --row R      the row's first cells, joined by ' / ' (\"高龄津贴 / 农村\";\n"
	"               '/' without spaces is taken too), or one of them (马寨镇)\n"
	"  --column C   the column's header or part of it (临时救助人次)\n"
	"  --json       one JSON document\n"
	"\n"
	"Measures it traces: 人次, 户次, 支出, 累计保障人数/户数, 期末保障人数/户数\n"
	"(期末: the period's last month), 月人均补助水平 and 平均救助水平 (支出\n"
	"divided by 人次). A cell suppressed (*) in the published set is\n"
	"explained from the internal one; a cell shown as — is said not to\n"
	"apply.\n"
	"\n"
	"Exit: 0 the records make the value, 1 they do not, 2 usage error or a\n"
	"source, table, row or column that is not there.\n";

static const char check_help[] =
	"usage: reliefstat check PIPELINE [--var NAME=VALUE]...\n"
	"\n"
	"Checks the mapping, catalog, rules and region files the stage commands\n"
	"name, without running anything: unknown program codes, region prefixes\n"
	"matching no region, overlapping payment standards, a local program\n"
	"lacking recurrence, payment_grain or public_money, the sources' files.\n"
	"Every problem is named with file:line:column and the likely fix. run\n"
	"does the same before any stage.\n"
	"\n"
	"Exit: 0 nothing found, 2 a problem found or a usage error.\n";

static const char preview_help[] =
	"usage: reliefstat preview PIPELINE SOURCE [N] [--var NAME=VALUE]...\n"
	"\n"
	"Reads the first N rows (default 20) of SOURCE's export through its\n"
	"mapping, as its ingest stage would, and prints per canonical field\n"
	"the header it matched, a few raw and parsed values, and the rejects\n"
	"those rows would get. Writes nothing, needs no key, masks IDs.\n"
	"\n"
	"Exit: 0 success, 2 usage or configuration error.\n";

/* `reliefstat CMD --help`: the command's own text (run's options are the
 * bulk of the global text, which it keeps). */
static void command_help(const char *cmd)
{
	static const struct {
		const char *cmd, *text;
	} helps[] = {
		{ "status", status_help }, { "dag", dag_help },
		{ "runs", runs_help }, { "show", show_help },
		{ "diff", diff_help }, { "explain", explain_help },
		{ "check", check_help }, { "preview", preview_help },
	};
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(cmd, helps[i].cmd)) {
			fputs(helps[i].text, stdout);
			return;
		}
	fputs(usage_text, stdout);
}

struct args {
	const char *pipeline;
	const char *run_id;      /* show: RUN; diff: RUN_A */
	const char *run_b;       /* diff: RUN_B */
	char *source, *table, *row, *column;   /* explain */
	char **vars, **only, **force, **accept;
	size_t nvars, nonly, nforce, naccept;
	struct selection sel;
	struct runopts run;
	int json, dot, allow_outside;
};

static void push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "%s: ", rs_progname());
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nTry 'reliefstat --help' for more information.\n");
	return 2;
}

/*
 * Matches "--name VALUE", "--name=VALUE" or "-x VALUE" / "-xVALUE".
 * Returns 1 and sets *val, 0 when argv[*i] is another option, -1 when the
 * value is missing.
 */
static int optval(int argc, char **argv, int *i, const char *lng,
		  const char *shrt, char **val)
{
	char *a = argv[*i];
	size_t n = strlen(lng);

	if (!strncmp(a, lng, n) && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (shrt && !strncmp(a, shrt, 2) && a[2]) {
		*val = a + 2;
		return 1;
	}
	if (strcmp(a, lng) && (!shrt || strcmp(a, shrt)))
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static int parse_jobs(const char *s, long *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end == s || *end || v < 1 || v > 1024)
		return -1;
	*out = v;
	return 0;
}

/* Parses the options of cmd into a; returns -1 to exit 0, 0, or 2. */
static int parse(const char *cmd, int argc, char **argv, struct args *a)
{
	int is_run = !strcmp(cmd, "run"), i, m, dashdash = 0;
	char *v, *arg;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (dashdash || arg[0] != '-' || !arg[1]) {
			if (a->pipeline && (!strcmp(cmd, "show") ||
					    !strcmp(cmd, "diff")) && !a->run_id) {
				a->run_id = arg;
				continue;
			}
			if (a->pipeline && !strcmp(cmd, "diff") && !a->run_b) {
				a->run_b = arg;
				continue;
			}
			if (a->pipeline)
				return usage_error("unexpected argument '%s'",
						   arg);
			a->pipeline = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			dashdash = 1;
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			command_help(cmd);
			return -1;
		} else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
			printf("reliefstat %s\n", RS_VERSION);
			return -1;
		} else if ((m = optval(argc, argv, &i, "--var", NULL, &v))) {
			if (m < 0)
				return usage_error("option '%s' needs NAME=VALUE",
						   arg);
			push(&a->vars, &a->nvars, v);
		} else if (!is_run) {
			if ((!strcmp(cmd, "status") || !strcmp(cmd, "runs") ||
			     !strcmp(cmd, "show") || !strcmp(cmd, "diff") ||
			     !strcmp(cmd, "explain")) &&
			    !strcmp(arg, "--json"))
				a->json = 1;
			else if (!strcmp(cmd, "status") &&
				 !strcmp(arg, "--allow-outside"))
				/* status writes nothing: accepted so that a
				 * run's options can be reused. */
				a->allow_outside = 1;
			else if (!strcmp(cmd, "dag") && !strcmp(arg, "--dot"))
				a->dot = 1;
			else if (!strcmp(cmd, "explain") &&
				 ((m = optval(argc, argv, &i, "--source", NULL,
					      &a->source)) ||
				  (m = optval(argc, argv, &i, "--table", NULL,
					      &a->table)) ||
				  (m = optval(argc, argv, &i, "--row", NULL,
					      &a->row)) ||
				  (m = optval(argc, argv, &i, "--column", NULL,
					      &a->column)))) {
				if (m < 0)
					return usage_error("option '%s' needs a "
							   "value", arg);
			}
			else
				return usage_error("unknown option '%s'", arg);
		} else if ((m = optval(argc, argv, &i, "--jobs", "-j", &v))) {
			if (m < 0 || parse_jobs(v, &a->run.jobs))
				return usage_error("-j needs a number from 1 "
						   "to 1024 (%s)", arg);
		} else if ((m = optval(argc, argv, &i, "--executor", NULL,
				      &v))) {
			if (m < 0 || (strcmp(v, "local") && strcmp(v, "slurm")))
				return usage_error("--executor takes local or "
						   "slurm (%s)", arg);
			a->run.executor = v;
		} else if ((m = optval(argc, argv, &i, "--only", NULL, &v))) {
			if (m < 0)
				return usage_error("'%s' needs a stage", arg);
			push(&a->only, &a->nonly, v);
		} else if ((m = optval(argc, argv, &i, "--accept-loss", NULL, &v))) {
			if (m < 0)
				return usage_error("'%s' needs SOURCE or SOURCE:REASON", arg);
			push(&a->accept, &a->naccept, v);
		} else if ((m = optval(argc, argv, &i, "--from", NULL, &v))) {
			if (m < 0)
				return usage_error("'%s' needs a stage", arg);
			a->sel.from = v;
		} else if ((m = optval(argc, argv, &i, "--until", NULL, &v))) {
			if (m < 0)
				return usage_error("'%s' needs a stage", arg);
			a->sel.until = v;
		} else if (!strncmp(arg, "--force=", 8)) {
			push(&a->force, &a->nforce, arg + 8);
		} else if (!strcmp(arg, "--force")) {
			/* "--force S" once PIPELINE is known; else force all. */
			if (a->pipeline && i + 1 < argc && argv[i + 1][0] != '-')
				push(&a->force, &a->nforce, argv[++i]);
			else
				a->sel.force_all = 1;
		} else if (!strcmp(arg, "-n") || !strcmp(arg, "--dry-run")) {
			a->run.dry_run = 1;
		} else if (!strcmp(arg, "-k") || !strcmp(arg, "--keep-going")) {
			a->run.keep_going = 1;
		} else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
			a->run.quiet = 1;
		} else if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose")) {
			a->run.verbose = 1;
		} else if (!strcmp(arg, "--allow-outside")) {
			a->allow_outside = 1;
		} else {
			return usage_error("unknown option '%s'", arg);
		}
	}
	if (!a->pipeline)
		return usage_error("%s: no PIPELINE given", cmd);
	a->sel.only = a->only;
	a->sel.force = a->force;
	return 0;
}

static void args_release(struct args *a)
{
	free(a->vars);
	free(a->only);
	free(a->force);
	free(a->accept);
}

/* Loads, links and selects; prints the error and returns 2 on failure. */
static int load(struct pipeline *pl, struct args *a)
{
	struct rs_error err;

	if (pipeline_load(pl, a->pipeline, a->vars, a->nvars, &err) ||
	    pipeline_accept_loss(pl, a->accept, a->naccept, &err) ||
	    graph_build(pl, &err) || graph_select(pl, &a->sel, &err)) {
		rs_error_print(&err);
		return 2;
	}
	return 0;
}

/* Appends the task's newline-separated reasons, as JSON strings or
 * joined with "; ". */
static void add_reasons(struct sbuf *sb, const struct task *t)
{
	const char *p = t->why.buf ? t->why.buf : "", *nl;
	int first = 1;

	while (*p) {
		nl = strchrnul(p, '\n');
		sbuf_adds(sb, first ? ": " : "; ");
		sbuf_add(sb, p, (size_t)(nl - p));
		first = 0;
		p = *nl ? nl + 1 : nl;
	}
}

/* The same reasons as a JSON array, one string a line of t->why. */
static json_t *reasons_json(const struct task *t)
{
	const char *p = t->why.buf ? t->why.buf : "", *nl;
	json_t *a = json_array();
	char *one;

	for (; *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		one = xstrndup(p, (size_t)(nl - p));
		json_array_append_new(a, json_text(one));
		free(one);
	}
	return a;
}

static void print_status(const struct pipeline *pl, int json)
{
	static const char *const label[] = { "up to date", "stale", "waits" };
	static const char *const key[] = { "ok", "stale", "waits" };
	const struct task *t;
	json_t *doc, *stages;
	struct sbuf sb;
	size_t k, w = 0;

	for (k = 0; k < pl->ntasks; k++)
		if (strlen(pl->tasks[k].name) > w)
			w = strlen(pl->tasks[k].name);
	sbuf_init(&sb, 0);
	if (!json) {
		for (k = 0; k < pl->ntasks; k++) {
			t = &pl->tasks[pl->order[k]];
			sbuf_addf(&sb, "%-*s  %s", (int)w, t->name,
				  label[t->stale]);
			add_reasons(&sb, t);
			sbuf_addc(&sb, '\n');
		}
		fputs(sb.buf ? sb.buf : "", stdout);
		sbuf_release(&sb);
		return;
	}
	stages = json_array();
	for (k = 0; k < pl->ntasks; k++) {
		t = &pl->tasks[pl->order[k]];
		json_array_append_new(stages, json_pack("{s:o,s:o,s:s,s:o}",
			"name", json_text(t->name), "stage", json_text(t->stage),
			"state", key[t->stale], "reasons", reasons_json(t)));
	}
	doc = json_pack("{s:o,s:o}", "pipeline", json_text(pl->path),
			"stages", stages);
	if (json_to_sbuf(doc, &sb) || sbuf_addc(&sb, '\n'))
		rs_warn("status --json: out of memory");
	else
		fputs(sb.buf, stdout);
	json_decref(doc);
	sbuf_release(&sb);
}

/* The configuration check of `check` and of `run` before any stage.
 * Returns 0, or 2 after printing every problem. */
static int check_config(const struct pipeline *pl, int verbose)
{
	struct sbuf out;
	size_t nfiles = 0;
	const char *p, *nl;
	int n;

	sbuf_init(&out, 0);
	n = pipeline_check_config(pl, &out, &nfiles);
	for (p = out.buf; p && *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		fprintf(stderr, "%s: %.*s\n", rs_progname(), (int)(nl - p), p);
	}
	sbuf_release(&out);
	if (n) {
		rs_warn("check: %d problem%s in the configuration files '%s' names; nothing was run",
			n, n == 1 ? "" : "s", pl->path);
		return 2;
	}
	if (verbose)
		rs_info("check: the %zu configuration file%s '%s' names look right",
			nfiles, nfiles == 1 ? "" : "s", pl->path);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct pipeline pl;
	struct args a;
	int ret;

	ret = parse("check", argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = load(&pl, &a);
	if (!ret)
		ret = check_config(&pl, 1);
	pipeline_release(&pl);
	args_release(&a);
	return ret;
}

/* reliefstat preview PIPELINE SOURCE [N]: runs that source's rs-ingest
 * with --preview (it writes nothing). */
static int cmd_preview(int argc, char **argv)
{
	struct rs_error err;
	struct pipeline pl;
	struct args a;
	char **v = NULL, **pv = xcalloc((size_t)argc + 1, sizeof(*pv));
	const char *source = NULL, *rows = NULL;
	int ret, i, n = 0, npos = 0;

	/* parse() takes PIPELINE alone: SOURCE and N are taken out here. */
	for (i = 0; i < argc; i++) {
		if (i && argv[i][0] != '-' && ++npos > 1) {
			if (npos == 2)
				source = argv[i];
			else if (npos == 3)
				rows = argv[i];
			else
				pv[n++] = argv[i];	/* parse() says it is unexpected */
			continue;
		}
		pv[n++] = argv[i];
		if (!strcmp(argv[i], "--var") && i + 1 < argc)
			pv[n++] = argv[++i];
	}
	ret = parse("preview", n, pv, &a);
	free(pv);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (!source) {
		args_release(&a);
		return usage_error("%s", "preview needs PIPELINE and SOURCE (e.g. tongan-2024)");
	}
	ret = load(&pl, &a);
	if (!ret && pipeline_preview_argv(&pl, source, rows, &v, &err)) {
		rs_error_print(&err);
		ret = 2;
	}
	pipeline_release(&pl);
	args_release(&a);
	if (ret)
		return ret;
	fflush(stdout);
	execvp(v[0], v);
	rs_warn("cannot run '%s': %s", v[0], strerror(errno));
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
	return 2;
}

static int cmd_run(int argc, char **argv)
{
	struct rs_error err;
	struct pipeline pl;
	struct state st;
	struct args a;
	int ret;

	ret = parse("run", argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	rs_quiet = a.run.quiet;
	ret = load(&pl, &a);
	if (!ret && !a.allow_outside && pipeline_check_inside(&pl, &err)) {
		rs_error_print(&err);
		ret = 2;
	}
	if (!ret)
		ret = check_config(&pl, 0);
	if (!ret) {
		state_load(&st, &pl);
		history_last_failures(&pl);
		ret = exec_run(&pl, &st, &a.run);
		state_release(&st);
	}
	pipeline_release(&pl);
	args_release(&a);
	return ret;
}

static int cmd_status(int argc, char **argv)
{
	struct rs_error err;
	struct pipeline pl;
	struct state st;
	struct args a;
	int ret, n;

	ret = parse("status", argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = load(&pl, &a);
	if (!ret) {
		state_load(&st, &pl);
		history_last_failures(&pl);
		n = exec_plan(&pl, &st, &err);
		if (n < 0) {
			rs_error_print(&err);
			ret = 2;
		} else {
			print_status(&pl, a.json);
			ret = n ? 1 : 0;
		}
		state_release(&st);
	}
	pipeline_release(&pl);
	args_release(&a);
	return ret;
}

static int cmd_dag(int argc, char **argv)
{
	struct pipeline pl;
	struct args a;
	int ret;

	ret = parse("dag", argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = load(&pl, &a);
	if (!ret)
		graph_print(&pl, a.dot);
	pipeline_release(&pl);
	args_release(&a);
	return ret;
}

/* runs and show: read the ledger of the pipeline's ${out}. */
static int cmd_history(const char *cmd, int argc, char **argv)
{
	struct pipeline pl;
	struct args a;
	int ret;

	ret = parse(cmd, argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = load(&pl, &a);
	if (!ret)
		ret = !strcmp(cmd, "runs") ? history_runs(&pl, a.json) :
		      !strcmp(cmd, "diff") ? (a.run_id && !a.run_b ?
			usage_error("diff takes two runs or none ('%s')",
				    a.run_id) :
			history_diff(&pl, a.run_id, a.run_b, a.json)) :
		      history_show(&pl, a.run_id, a.json);
	pipeline_release(&pl);
	args_release(&a);
	return ret;
}

static int cmd_runs(int argc, char **argv)
{
	return cmd_history("runs", argc, argv);
}

static int cmd_show(int argc, char **argv)
{
	return cmd_history("show", argc, argv);
}

static int cmd_explain(int argc, char **argv)
{
	struct pipeline pl;
	struct args a;
	int ret;

	ret = parse("explain", argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (!a.source || !a.table || !a.row || !a.column) {
		args_release(&a);
		return usage_error("%s", "explain needs --source, --table, "
				   "--row and --column");
	}
	ret = load(&pl, &a);
	if (!ret)
		ret = explain_cell(&pl, a.source, a.table, a.row, a.column,
				   a.json);
	pipeline_release(&pl);
	args_release(&a);
	return ret;
}

static int cmd_diff(int argc, char **argv)
{
	return cmd_history("diff", argc, argv);
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "status", cmd_status },
	{ "dag", cmd_dag },
	{ "runs", cmd_runs },
	{ "show", cmd_show },
	{ "diff", cmd_diff },
	{ "explain", cmd_explain },
	{ "check", cmd_check },
	{ "preview", cmd_preview },
};

int main(int argc, char **argv)
{
	size_t i;
	int ret;

	rs_set_progname("reliefstat");
	/* With 0, 1 or 2 closed, the next open() (the lock, a log) would get
	 * it and our messages would land there: hold them on /dev/null. */
	for (;;) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return 2;
		if (fd > 2) {
			close(fd);
			break;
		}
		fcntl(fd, F_SETFD, 0);
	}
	if (argc < 2)
		return usage_error("%s", "no command given");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, stdout);
		return fflush(stdout) ? 1 : 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("reliefstat %s\n", RS_VERSION);
		return fflush(stdout) ? 1 : 0;
	}
	if (sodium_init() < 0) {
		rs_warn("cannot initialise libsodium");
		return 1;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			ret = commands[i].fn(argc - 1, argv + 1);
			if (fflush(stdout) && !ret)
				ret = 1;
			return ret;
		}
	return usage_error("unknown command '%s'", argv[1]);
}
