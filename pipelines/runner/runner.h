/*
 * runner.h - the types shared by the pipeline runner, bin/reliefstat.
 *
 * A pipeline (pipeline.c) is loaded from YAML into a flat list of tasks: one
 * per stage, or one per item of a stage's foreach list ("ingest@tongan").
 * graph.c joins tasks into a DAG by matching one task's inputs to another's
 * outputs, orders it and selects what a command works on. state.c decides by
 * content whether a task is up to date and remembers what last succeeded;
 * lock.c keeps two runs apart; exec.c runs what is stale, as local child
 * processes or, through slurm.c, as Slurm batch jobs. main.c parses the
 * command line.
 *
 * Every function that can fail returns 0 or -1 with a struct rs_error filled
 * ("'pipeline.yaml':12:7: unknown variable 'outt'"); only main() exits.
 */
#ifndef RS_RUNNER_H
#define RS_RUNNER_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "sbuf.h"
#include "ydoc.h"

/* Room for a digest in hex and a NUL: the run state's XXH3-128 (32 hex
 * digits), an old state's BLAKE2b-256 (64), published tables' BLAKE2b-256. */
#define HASH_HEX 65

/* A path named in the pipeline, with the position of the YAML node. */
struct tpath {
	char *path;              /* normalised: no "./", no "//" */
	const char *file;        /* the YAML file of line:col: the pipeline's,
				    or, for a path that is wholly one field of
				    a foreach item ("${item.file}"), the file
				    the item list came from; not owned */
	long line, col;
};

struct pathv {
	struct tpath *v;
	size_t n;
};

/*
 * A stage's Slurm resources (pipeline.c): the top-level resources: merged
 * with the stage's own. NULL or 0 when not set; the local executor ignores
 * them.
 */
struct resources {
	char *partition, *time, *mem;
	long cpus;
	char **extra;            /* sbatch options, each "--name[=value]" */
	size_t nextra;
};

enum task_state {
	T_PENDING,               /* selected, not yet decided */
	T_UNSELECTED,            /* outside --only/--from/--until */
	T_UPTODATE,              /* nothing changed since it last succeeded */
	T_RUNNING,
	T_OK,                    /* ran and succeeded */
	T_FAILED,
	T_BLOCKED,               /* an upstream task failed */
	T_NOTRUN                 /* the run stopped before reaching it */
};

struct task {
	char *name;              /* "merge", "ingest@tongan" */
	char *stage;             /* "ingest" */
	long line, col;          /* position of the stage in the YAML */
	char **argv;             /* NULL-terminated; {"/bin/sh","-c",s} if shell */
	size_t argc;
	int shell;
	struct pathv inputs, params, outputs;
	long timeout;            /* seconds, 0 for none */
	long retries;
	struct resources res;

	size_t *deps, ndeps;     /* tasks writing our inputs, ascending */
	size_t *rdeps, nrdeps;   /* tasks reading our outputs, ascending */

	int selected, forced;
	enum task_state st;

	/*
	 * Filled by state_check(): what the task looks like now. stale is 0
	 * (up to date) or 1; exec_plan() sets 2 for a task that is up to date
	 * itself but waits on an upstream task that would run.
	 */
	int checked, stale;
	char cmd_hash[HASH_HEX], exe_hash[HASH_HEX];
	char *prog;              /* the file argv[0] runs, if found */
	char (*in_hash)[HASH_HEX];
	char (*par_hash)[HASH_HEX];
	struct fstamp *in_stamp; /* inputs, then params: as they were hashed */
	char *missing_input;     /* first input missing at check time */
	struct sbuf why;         /* newline-separated reasons it is stale */
	char *accept_loss;       /* --accept-loss given this run: "all" or a
				    reason; NULL when none (for the ledger) */
	char *last_failure;      /* "failed in the last run (run 3, TIME):
				    REASON" when the task's newest ledger
				    line is a failure (history.c), else NULL */
};

struct var {
	char *name;
	const struct ynode *node;  /* scalar or sequence; NULL if from --var */
	char *value;               /* expanded scalar, once known */
	int busy;                  /* being expanded: catches ${a} -> ${a} */
};

struct pipeline {
	char *path;
	struct ydoc doc;
	struct var *vars;
	size_t nvars;
	struct task *tasks;
	size_t ntasks;
	size_t *order;           /* topological order, YAML order breaking ties */
	char *outdir;            /* variable "out", default "out" */
	char *statedir;          /* outdir/.reliefstat */
	char *executor;          /* "local" (default) or "slurm" */
	long keep_runs;          /* variable "keep_runs": runs whose logs are
				    kept (history.c), default 30 */
	int mark_stale;          /* variable "mark_stale: yes": a failed run
				    marks the published reports stale */
	long run_id;             /* this run's number once history_begin()
				    gave it one, else 0 */
	char *rundir;            /* statedir/runs/ID, or NULL */
	char *filedir;           /* the pipeline file's directory, absolute */
	char *showdir;           /* the same as the user gave it ("" for the
				    working directory): a file the pipeline
				    names (sources.yaml) is shown from there,
				    as the pipeline's own path is */
	struct ydoc *xdocs;      /* files variables were loaded from */
	size_t nxdocs;
};

/* pipeline.c */

/*
 * Loads and expands the pipeline at path, after changing the process's
 * working directory to its root (the top-level root:, relative to the
 * file's directory; default that directory): every relative path of the
 * pipeline, and of --var, is taken from there. overrides holds n
 * "name=value" strings from --var; their values are taken literally. On
 * error fills err with a positioned message and returns -1; pl must still
 * be released.
 */
int pipeline_load(struct pipeline *pl, const char *path, char *const *overrides,
		  size_t n, struct rs_error *err);
void pipeline_release(struct pipeline *pl);
/* Normalises a path in place: drops "./" segments and repeated slashes. */
void path_norm(char *p);

/* graph.c */

/*
 * Links tasks (deps, rdeps), checks that no output is written twice, that
 * every input exists or is written by some task, and that there is no cycle,
 * then fills pl->order. Returns 0, or -1 with a positioned error.
 */
int graph_build(struct pipeline *pl, struct rs_error *err);

struct selection {
	char **only;             /* task or stage names; NULL-terminated */
	const char *from, *until;
	int force_all;
	char **force;            /* NULL-terminated */
};

/* Marks tasks selected/forced. Fails if a name matches no task. */
int graph_select(struct pipeline *pl, const struct selection *sel,
		 struct rs_error *err);
/* Prints the DAG in order, as text or as Graphviz dot, to stdout. */
void graph_print(const struct pipeline *pl, int dot);

/* state.c */

struct frec {
	char *path;
	char hash[HASH_HEX];
};

/* What a task looked like the last time it succeeded. */
struct srec {
	char *name;
	char cmd[HASH_HEX], exe[HASH_HEX];
	char *prog;              /* NULL if none was found */
	struct frec *in, *par, *out;
	size_t nin, npar, nout;
};

/* A file's hash, trusted while its size, mtime, ctime, inode and device
 * stay as they were, and both times are older than the moment it was
 * hashed (hashed_s, hashed_ns: the coarse clock the kernel stamps files
 * with, read before the file was). */
/* How a file stat'ed: what tells a file changed without reading it. */
struct fstamp {
	long long size, mtime_s, mtime_ns, ctime_s, ctime_ns, ino, dev;
	int missing;
};

struct fcache {
	char *path;
	long long size, mtime_s, mtime_ns, ctime_s, ctime_ns, ino, dev;
	long long hashed_s, hashed_ns;
	char hash[HASH_HEX];
};

struct state {
	char *path;              /* outdir/.reliefstat/state */
	struct srec *recs;
	size_t nrecs;
	struct fcache *files;
	size_t nfiles;
	int dirty;               /* the file cache learned something */
};

/*
 * Reads the state of pl (a missing file is an empty state; an unreadable or
 * corrupt one is warned about and ignored, so everything reruns).
 */
void state_load(struct state *st, const struct pipeline *pl);
void state_release(struct state *st);
/* Writes the state atomically, creating its directory. */
int state_save(struct state *st, struct rs_error *err);
/*
 * Hashes what the task depends on now and compares with its record: sets
 * t->stale and t->why. Fails only on an I/O error reading a file.
 */
int state_check(struct state *st, struct task *t, struct rs_error *err);
/*
 * Records t as good: the hashes state_check() took before it ran, and its
 * outputs as they are now. Fails (recording nothing) if an output is missing.
 */
int state_record(struct state *st, struct task *t, struct rs_error *err);
/*
 * The first of t's inputs and params whose size, mtime, ctime, inode or
 * device is not what state_check() hashed (one that appeared or went
 * away counts too): a file written or copied while the task read it, so
 * the task ran on something else than what its record would say. NULL
 * when none changed (or state_check() did not run). Can't fail: a file
 * that cannot be stat'ed is taken for missing.
 */
const char *state_moved(const struct task *t);
/* The record of the task named name, or NULL. */
const struct srec *state_find(struct state *st, const char *name);
/* Forgets t: it will run next time. */
void state_forget(struct state *st, const char *name);

/* lock.c */

/*
 * The run lock, outdir/.reliefstat/lock, held with flock(2) so a killed run
 * never leaves it held. Returns 0, -1 with err on an I/O error, or 1 when
 * another run holds it (err says which pid and since when).
 */
int lock_take(const struct pipeline *pl, int *fd, struct rs_error *err);
void lock_release(int fd);
/*
 * Fails unless dir is a directory, not a symbolic link, owned by our
 * effective uid: where the runner keeps state it must be ours.
 */
int state_dir_ok(const char *dir, struct rs_error *err);

/* Creates a directory and its parents (mode 0755). */
int mkdir_p(const char *dir, struct rs_error *err);
/* Creates the directory holding path, if any. */
int mkdir_parent(const char *path, struct rs_error *err);

/* outside.c */

/*
 * Fails (-1, err naming the first offender) if an output of some task, or
 * the state directory ${out}/.reliefstat, leads outside the working
 * directory once ".." and symbolic links are followed. `reliefstat run`
 * refuses such a pipeline unless given --allow-outside.
 */
int pipeline_check_inside(const struct pipeline *pl, struct rs_error *err);

/* history.c: run ids, the ledger, per-run logs, `runs` and `show`. */

/*
 * Gives the run (the lock held) its number, one more than any the ledger or
 * ${statedir}/runs/ knows, and creates ${statedir}/runs/ID/logs/: sets
 * pl->run_id and pl->rundir. Every directory is checked with state_dir_ok().
 */
int history_begin(struct pipeline *pl, struct rs_error *err);
/* Removes the log directories of runs older than the newest keep_runs. */
void history_prune(const struct pipeline *pl);
/*
 * Appends one JSON object as a line of ${statedir}/ledger.jsonl, with one
 * write(2) and O_NOFOLLOW; warns on failure. obj is not consumed.
 */
struct json_t;
void ledger_append(const struct pipeline *pl, struct json_t *obj);
/* Adds "key": [{"path":..,"hash":..}...] for the n paths and hashes. */
void ledger_files(struct json_t *obj, const char *key, const struct pathv *pv,
		  char (*hashes)[HASH_HEX]);
/*
 * Adds rows_in, rows_out, rejects and reject_total from the first output
 * of t that is a stage's JSON summary (a .json file with "rows_read"),
 * and overlap_accepted/overlap_keys from a merge's accepted overlap.
 */
void ledger_summary(struct json_t *obj, const struct task *t);
/*
 * Reads the ledger: a JSON array of its lines (objects). A line that does
 * not parse is warned about (file:line) and skipped. NULL when there is no
 * ledger yet.
 */
struct json_t *ledger_read(const struct pipeline *pl);
/*
 * Sets t->last_failure of every task whose newest ledger line says it
 * failed: the run, when it ended (local time) and the stage's reason line.
 * Leaves the others NULL. A missing ledger is no failure.
 */
void history_last_failures(struct pipeline *pl);
/* `reliefstat runs`: one line per run, newest last (or --json). */
int history_runs(const struct pipeline *pl, int json);
/* `reliefstat show`: one run (default the last), text or --json. */
int history_show(const struct pipeline *pl, const char *run, int json);

/* published.c: each good run's published set, and what changed. */

/* Keeps this run's published set (objects/ and runs/ID/published). */
int published_keep(const struct pipeline *pl, struct rs_error *err);
/*
 * Diffs this run's published set with that of the previous run that kept
 * one (*since), writes REPORT/changes.csv and changes.html beside each
 * report, and returns how many published figures changed (*others gets
 * how many rows, columns and tables were added or removed); -2 when there
 * is no earlier set, -1 with err on error.
 */
long published_changes(const struct pipeline *pl, long *since, long *others,
		       struct rs_error *err);
/* A report's CSV table, all text; rows[0] is the header. */
struct ptable {
	char ***rows;
	size_t *ncol;
	size_t n;
};
int ptable_load(const char *path, struct ptable *t, struct rs_error *err);
void ptable_release(struct ptable *t);
/* How many first columns name a row: the fewest that make every row of
 * both tables unique (pass the same table twice for one). */
size_t ptable_key_width(const struct ptable *a, const struct ptable *b);
/* Row i's first k cells that are not empty, joined with " / ". */
char *ptable_row_key(const struct ptable *t, size_t i, size_t k);
/* `reliefstat explain` (explain.c). */
int explain_cell(const struct pipeline *pl, const char *source,
		 const char *table, const char *row, const char *column,
		 int json);
/* After a failed run: marks the published HTML and text of the reports
 * it left behind as not updated (数据截至 the last good run's date), and
 * forgets the tasks writing them so that the next run rewrites them. The
 * caller saves st. */
void published_mark_stale(const struct pipeline *pl, struct state *st);
/* Removes objects no kept run's published set names. */
void published_gc(const struct pipeline *pl);
/* `reliefstat diff`: runs a and b (default the last two that kept a set). */
int history_diff(const struct pipeline *pl, const char *a, const char *b,
		 int json);

/* tidy.c */

/*
 * Removes the temporary files (".NAME.tmp.PID.N", common/fileio.c) that a
 * killed stage left beside the outputs of the selected tasks and in the
 * state directory, when process PID is gone. Says how many it removed.
 */
void tidy_stale_temps(const struct pipeline *pl);
/* check.c */

/*
 * Loads every mapping, catalog, rules and region file the pipeline's stage
 * commands name and appends one line per thing that cannot be right
 * ("'f':L:C: what; the fix"), each once. Returns how many; *nfiles (may be
 * NULL) gets how many files were named. This function can't fail.
 */
int pipeline_check_config(const struct pipeline *pl, struct sbuf *out, size_t *nfiles);

/* gates.c */

/*
 * Applies `run --accept-loss SOURCE[:REASON]`: appends --accept-loss[=REASON]
 * to the rs-ingest and rs-validate tasks of that source (named "x@SOURCE"),
 * so they run again and accept the loss this once. Returns 0, or -1 when a
 * spec matches no such task.
 */
int pipeline_accept_loss(struct pipeline *pl, char **specs, size_t n,
			 struct rs_error *err);
/* What stopped a failed gated stage (rs-ingest, rs-validate, rs-merge),
 * as its JSON summary records it. */
enum { STOP_NONE, STOP_GATE, STOP_OTHER };
struct task_stop {
	int kind;            /* STOP_NONE: no summary says (a plain failure);
				STOP_GATE: over its reject threshold
				("gate":{"over":true}); STOP_OTHER: a stop the
				summary names ("stop":{...}: a misspelt label, a
				total row that disagrees, 万元 read as 元, a
				merge's overlap) */
	char reason[64];     /* the reason --accept-loss takes to publish
				anyway (the gate's top reason), "" for none */
	char what[1024];     /* STOP_OTHER: what the stage found */
	char fix[1024];      /* STOP_OTHER: the stage's own fix */
};
/* Reads t's summary into s (s->kind STOP_NONE when t is not gated, wrote
 * no summary or the summary names no stop). Returns 0, or -1 with err
 * filled (the file, line:column and what jansson found) when a summary is
 * there but is not JSON; s says STOP_NONE then. A stop the summary names
 * wins over its gate: the stage reported that one. */
int task_stop_read(const struct task *t, struct task_stop *s,
		   struct rs_error *err);
/* Appends the command that reruns pl accepting s's loss on t:
 * "reliefstat run PIPELINE --accept-loss SOURCE[:REASON]" (SOURCE: the
 * name after '@', or a merge task's own name, whose one loss needs no
 * reason). Appends nothing and returns 0 when s has no loss to accept;
 * else 1. */
int task_stop_accept_cmd(const struct pipeline *pl, const struct task *t,
			 const struct task_stop *s, struct sbuf *sb);
/* The command of `reliefstat preview PIPELINE SOURCE [N]`: the rs-ingest of
 * SOURCE with --preview=N (default 20), its mapping, catalogs and export.
 * *argv is NULL-terminated and the caller's. Returns 0, or -1 when the
 * pipeline has no ingest task of that source. */
int pipeline_preview_argv(const struct pipeline *pl, const char *source,
			  const char *rows, char ***argv, struct rs_error *err);

/* exec.c */

struct runopts {
	long jobs;               /* 0: the executor's default */
	int dry_run, keep_going, quiet;
	int verbose;             /* off a terminal: each command and step */
	const char *executor;    /* --executor, or NULL for the pipeline's */
};

/* Runs the selected stale tasks (after history_last_failures(), which
 * says why a task that failed last is stale). Returns the exit code of
 * `reliefstat run`. */
int exec_run(struct pipeline *pl, struct state *st, const struct runopts *o);
/*
 * Decides, without running anything, which selected tasks would run (also
 * those waiting on a stale upstream task). Returns how many, or -1 on error.
 */
int exec_plan(struct pipeline *pl, struct state *st, struct rs_error *err);
/* Appends the task's command to sb, shell-quoted so it can be pasted. */
void task_cmdline(const struct task *t, struct sbuf *sb);
/* Appends s to sb, single-quoted if the shell would otherwise split or
 * expand it. Returns 0, or -1 (sb unaltered) past the buffer's ceiling. */
int shell_quote(struct sbuf *sb, const char *s);

/* slurm.c: the Slurm executor's side of talking to Slurm. */

#define SLURM_ID_MAX 32

/* A submitted job as the runner last saw it. */
struct slurm_job {
	char id[SLURM_ID_MAX];   /* "42" */
	char state[24];          /* PENDING, RUNNING, COMPLETED, FAILED, ... */
	int done;                /* reached a final state (or vanished) */
	int code;                /* when done: exit code, 128+N for signal N */
	int missing;             /* polls in a row it was not found */
	char why[96];            /* when done abnormally: "was cancelled" */
	char *exit_path;         /* where its script leaves the exit code,
				    less the job id; owned */
};

/* Fails naming the first of sbatch, squeue, scontrol, scancel not in PATH. */
int slurm_check(struct rs_error *err);
/*
 * Writes t's job script, ${statedir}/slurm/TASK.sh, and submits it with
 * sbatch, the job's output appended to log (the task's log file). Fills
 * job (state PENDING; job->exit_path is then owned by the caller, who
 * frees it with slurm_job_release()). Returns 0, or -1 with err (sbatch's
 * own message).
 */
int slurm_submit(const struct pipeline *pl, const struct task *t,
		 const char *log, struct slurm_job *job, struct rs_error *err);
/*
 * Asks Slurm (squeue, else scontrol and the job's exit file) about the n
 * jobs not yet done and updates them; a job that reaches a final state is
 * marked done with its exit code. Returns 0, or -1 with err when squeue
 * itself failed (the caller tries again later).
 */
int slurm_poll(struct slurm_job **jobs, size_t n, struct rs_error *err);
void slurm_job_release(struct slurm_job *job);
/* Cancels the n jobs not yet done (scancel); warns on failure. */
void slurm_cancel(struct slurm_job **jobs, size_t n);
/* Appends the sbatch options t would be submitted with (dry runs). */
void slurm_options(const struct task *t, struct sbuf *sb);
/*
 * Records the jobs in flight in ${statedir}/slurm/jobs (a run killed with
 * SIGKILL cannot cancel them), and on the next run's start cancels those
 * still alive (slurm_reap_orphans; quiet when there are none).
 */
void slurm_save_inflight(const struct pipeline *pl, struct slurm_job **jobs,
			 char *const *names, size_t n);
void slurm_reap_orphans(const struct pipeline *pl);

#endif
