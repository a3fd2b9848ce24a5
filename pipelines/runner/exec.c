/*
 * exec.c - run the stale tasks of a pipeline, in dependency order, up to
 * -j at a time.
 *
 * Each task is fork()ed and execvp()ed with its argv (no shell unless the
 * stage says shell: true), in its own process group, with stdin from
 * /dev/null and stdout and stderr to ${out}/.reliefstat/logs/TASK.log. A
 * child asks for SIGKILL when the runner dies (PR_SET_PDEATHSIG), so a
 * killed runner leaves no stage writing; on SIGINT, SIGTERM or SIGHUP the
 * runner terminates its children itself and exits 128+signal.
 *
 * The runner is single-threaded: it keeps SIGCHLD and the terminating
 * signals blocked and waits for them with sigtimedwait(), which also paces
 * per-stage timeouts. A task is recorded as good (state.c) only after it
 * exited 0 and wrote every declared output; a failed task is forgotten, so
 * it runs again next time, and its dependents do not run.
 *
 * With the Slurm executor (slurm.c) a task is submitted as a batch job
 * instead of forked, when it is ready, so at most -j jobs are in flight and
 * none waits on another inside Slurm. The runner then polls their state,
 * every 0.25 s after a change and backing off to 5 s while nothing
 * changes; its timeouts count from when a job starts running. On SIGINT,
 * SIGTERM or SIGHUP it cancels its jobs (scancel) and waits up to a minute
 * for them to end. Everything else is the same: the log file, the state
 * and what counts as up to date, so a run can move between executors.
 * Each job's id goes into the ledger and into failure messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "jsonw.h"
#include "runner.h"
#include "xalloc.h"

#define TAIL_LINES 10
#define KILL_GRACE 5.0   /* seconds between SIGTERM and SIGKILL */
#define SLURM_JOBS 64    /* default -j for the Slurm executor */
#define POLL_MIN 0.25    /* seconds between squeue calls after a change */
#define POLL_MAX 5.0     /* ... and at most, while nothing changes */
#define CANCEL_WAIT 60.0 /* seconds to wait for cancelled jobs to end */

struct child {
	size_t task;
	pid_t pid;               /* 0 for a Slurm job */
	long attempt;            /* 1-based */
	double start, deadline, kill_at;
	struct timespec start_real;
	int timed_out;
	int remote;              /* a Slurm job: job says which */
	struct slurm_job job;
	double run_start;        /* when the job was first seen running */
};

struct run {
	struct pipeline *pl;
	struct state *st;
	const struct runopts *o;
	struct child *kids;
	size_t nkids;
	sigset_t oldmask;
	int tty, stopping, signo, progress;
	int steps;               /* off a terminal with -v: a line per step */
	size_t ran, uptodate, failed, total;
	char **msgs;             /* why each failed task failed */
	double t0;
	struct timespec start_real;
	long figures, since;     /* published figures changed since run
				    since; -2 when not known */
	long others;             /* rows, columns, tables added or removed */
	long jobs;               /* -j, or the executor's default */
	int slurm;               /* the Slurm executor */
	int hurry;               /* a second signal: stop waiting for jobs */
	double next_poll, poll_every, poll_warned;
	double *last;            /* per task: seconds its last good run took
				    (from the ledger), or -1 */
};

int shell_quote(struct sbuf *sb, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-";
	struct sbuf q;
	const char *p;
	int ret;

	if (*s && strspn(s, safe) == strlen(s))
		return sbuf_adds(sb, s);
	sbuf_init(&q, sb->max);
	sbuf_addc(&q, '\'');
	for (p = s; *p; p++)
		if (*p == '\'' ? sbuf_adds(&q, "'\\''") : sbuf_addc(&q, *p))
			break;
	ret = *p ? -1 : sbuf_addc(&q, '\'');
	if (!ret)
		ret = sbuf_add(sb, q.buf, q.len);
	sbuf_release(&q);
	return ret;
}

void task_cmdline(const struct task *t, struct sbuf *sb)
{
	size_t i;

	if (t->shell) {
		sbuf_adds(sb, t->argv[2]);
		return;
	}
	for (i = 0; i < t->argc; i++) {
		if (i)
			sbuf_addc(sb, ' ');
		shell_quote(sb, t->argv[i]);
	}
}

/* The program a task runs, as its messages name it: argv[0]'s last
 * component (rs-ingest), or the task's name for a shell command. */
static const char *task_prog(const struct task *t)
{
	const char *b;

	if (t->shell || !t->argc)
		return t->name;
	b = strrchr(t->argv[0], '/');
	return b ? b + 1 : t->argv[0];
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void iso_time(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", ts->tv_nsec / 1000000);
}

/* Clears the terminal progress line before anything else is printed. */
static void ui_clear(struct run *r)
{
	if (r->progress) {
		fputs("\r\033[K", stderr);
		r->progress = 0;
	}
}

/* Seconds since the epoch of the ledger's "2026-11-22T10:40:45.299Z". */
static double iso_secs(const char *s)
{
	struct tm tm;
	double sec;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%d-%d-%dT%d:%d:%lf", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + sec;
}

/* Reads how long each task's last successful run took, for the progress
 * line's estimate of the time left. */
static void load_last_durations(struct run *r)
{
	json_t *arr = ledger_read(r->pl), *o, *ex;
	const char *name, *a, *b;
	size_t k, i;
	double d;

	r->last = xcalloc(r->pl->ntasks + 1, sizeof(*r->last));
	for (k = 0; k < r->pl->ntasks; k++)
		r->last[k] = -1;
	json_array_foreach(arr, i, o) {
		ex = json_object_get(o, "exit");
		name = json_string_value(json_object_get(o, "stage"));
		a = json_string_value(json_object_get(o, "start"));
		b = json_string_value(json_object_get(o, "end"));
		if (!json_is_integer(ex) || json_integer_value(ex) || !name ||
		    !a || !b)
			continue;
		d = iso_secs(b) - iso_secs(a);
		for (k = 0; k < r->pl->ntasks; k++)
			if (!strcmp(r->pl->tasks[k].name, name))
				r->last[k] = d >= 0 ? d : 0;
	}
	json_decref(arr);
}

/* Seconds the selected tasks still to finish took last time, less what
 * the running ones have done; -1 when a task has no earlier run. */
static double eta(const struct run *r)
{
	double left = 0, now = (double)time(NULL);
	size_t k, i;

	for (k = 0; k < r->pl->ntasks; k++) {
		const struct task *t = &r->pl->tasks[k];
		if (!t->selected || t->st == T_OK || t->st == T_FAILED ||
		    t->st == T_UPTODATE || t->st == T_BLOCKED || t->st == T_NOTRUN)
			continue;
		if (r->last[k] < 0)
			return -1;
		left += r->last[k];
		for (i = 0; i < r->nkids; i++)
			if (r->kids[i].task == k) {
				double ran = now - (double)r->kids[i].start_real.tv_sec;
				left -= ran < r->last[k] ? ran : r->last[k];
			}
	}
	return left;
}

static void ui_progress(struct run *r)
{
	struct sbuf sb;
	size_t i;
	double left, el;

	if (!r->tty)
		return;
	sbuf_init(&sb, 0);
	el = now_mono() - r->t0;
	left = eta(r);
	sbuf_addf(&sb, "[%zu/%zu] %d:%02d", r->ran + r->uptodate + r->failed,
		  r->total, (int)el / 60, (int)el % 60);
	if (left >= 0)
		sbuf_addf(&sb, ", ~%d:%02d left", (int)left / 60, (int)left % 60);
	for (i = 0; i < r->nkids && sb.len < 70; i++)
		sbuf_addf(&sb, " %s", r->pl->tasks[r->kids[i].task].name);
	ui_clear(r);
	fprintf(stderr, "%.78s", sb.buf);
	fflush(stderr);
	r->progress = 1;
	sbuf_release(&sb);
}

/* A timestamped line, or (on a terminal) a plain one. */
static void __attribute__((format(printf, 2, 3)))
ui_line(struct run *r, const char *fmt, ...)
{
	char ts[32];
	time_t t;
	struct tm tm;
	va_list ap;

	if (r->o->quiet)
		return;
	ui_clear(r);
	if (!r->tty) {
		t = time(NULL);
		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "[%s] ", ts);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The task's log in this run's directory (runs/ID/logs/), once a run
 * has a number; else the latest, logs/TASK.log. */
static char *log_path(const struct pipeline *pl, const struct task *t)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	if (pl->rundir)
		sbuf_addf(&sb, "%s/logs/%s.log", pl->rundir, t->name);
	else
		sbuf_addf(&sb, "%s/logs/%s.log", pl->statedir, t->name);
	return sbuf_detach(&sb, NULL);
}

/* logs/TASK.log: a hard link to the task's log of the latest run. */
static char *latest_log_path(const struct pipeline *pl, const struct task *t)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/logs/%s.log", pl->statedir, t->name);
	return sbuf_detach(&sb, NULL);
}

/* Points logs/TASK.log at this run's log of t. */
static void link_latest(const struct pipeline *pl, const struct task *t,
			const char *log)
{
	char *latest = latest_log_path(pl, t);

	if (strcmp(latest, log) && ((unlink(latest) && errno != ENOENT) ||
				    link(log, latest)))
		rs_warn("cannot link '%s' to '%s': %s", latest, log,
			strerror(errno));
	free(latest);
}

/* Appends a line of the runner's own to a task's log. */
static void log_note(const struct pipeline *pl, const struct task *t,
		     const char *msg)
{
	char *path = log_path(pl, t);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
		      O_NOFOLLOW, 0644);

	if (fd >= 0) {
		dprintf(fd, "reliefstat: %s\n", msg);
		close(fd);
	}
	free(path);
}

/*
 * The stage's own reason for failing: the last line of its log that is
 * neither indented (detail under a message) nor the runner's own, cut
 * to REASON_MAX bytes at a character boundary. NULL when there is none.
 */
#define REASON_MAX 400
static char *log_reason(const char *path)
{
	char buf[8192], *p, *end, *nl;
	const char *best = NULL;
	size_t len = 0;
	off_t size, off;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	size = lseek(fd, 0, SEEK_END);
	off = size > (off_t)sizeof(buf) ? size - (off_t)sizeof(buf) : 0;
	n = size > 0 ? pread(fd, buf, (size_t)(size - off), off) : 0;
	close(fd);
	if (n <= 0)
		return NULL;
	end = buf + n;
	p = buf;
	/* A line cut by the window's start is not taken. */
	if (off && (p = memchr(buf, '\n', (size_t)n)))
		p++;
	for (; p && p < end; p = nl ? nl + 1 : NULL) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (p == (nl ? nl : end) || *p == ' ' || *p == '\t' ||
		    !strncmp(p, "reliefstat:", 11))
			continue;
		best = p;
		len = (size_t)((nl ? nl : end) - p);
	}
	if (!best)
		return NULL;
	if (len > REASON_MAX) {
		len = REASON_MAX;
		while (len && ((unsigned char)best[len] & 0xC0) == 0x80)
			len--;
	}
	return xstrndup(best, len);
}

/* The ledger line of a task that ran (history.c describes the fields);
 * error is the runner's word on a failure, NULL when it succeeded. */
static void ledger(struct run *r, const struct child *c, int code, int ok,
		   const char *error)
{
	const struct task *t = &r->pl->tasks[c->task];
	const struct srec *rec = ok ? state_find(r->st, t->name) : NULL;
	struct timespec end;
	char a[40], b[40];
	char *log = log_path(r->pl, t);
	json_t *o, *outs;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &end);
	iso_time(&c->start_real, a, sizeof(a));
	iso_time(&end, b, sizeof(b));
	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:i}", "run",
		      (json_int_t)r->pl->run_id, "kind", "task", "stage",
		      t->name, "state", ok ? "ok" : "failed", "start", a,
		      "end", b, "exit", code);
	if (c->attempt > 1)
		json_object_set_new(o, "attempt", json_integer(c->attempt));
	if (c->timed_out)
		json_object_set_new(o, "timeout", json_true());
	if (t->accept_loss)
		json_object_set_new(o, "accept_loss",
				    json_text(t->accept_loss));
	if (c->remote) {
		json_object_set_new(o, "executor", json_string("slurm"));
		json_object_set_new(o, "job", json_text(c->job.id));
		json_object_set_new(o, "job_state",
				    json_text(c->job.state));
	}
	json_object_set_new(o, "log", json_text(log));
	if (error) {
		/* the stage's own reason, when it gave one: a stage that
		 * exited 0, or read an input that changed meanwhile, failed
		 * for the runner's reason (error) */
		char *why = code && !state_moved(t) ? log_reason(log) : NULL;
		json_t *j = why ? json_text(why) : NULL;

		json_object_set_new(o, "error", json_text(error));
		if (j)
			json_object_set_new(o, "reason", j);
		free(why);
	}
	ledger_files(o, "inputs", &t->inputs, t->in_hash);
	ledger_files(o, "params", &t->params, t->par_hash);
	if (rec) {
		outs = json_array();
		for (i = 0; i < rec->nout; i++)
			json_array_append_new(outs, json_pack("{s:s,s:s}",
					      "path", rec->out[i].path, "hash",
					      rec->out[i].hash));
		json_object_set_new(o, "outputs", outs);
	}
	ledger_summary(o, t);
	ledger_append(r->pl, o);
	json_decref(o);
	free(log);
}

static void save_state(struct run *r)
{
	struct rs_error err;

	if (state_save(r->st, &err))
		rs_warn("cannot save the run state (stages will rerun): %s",
			err.msg);
}

static void task_fail(struct run *r, size_t ti, const char *msg)
{
	struct task *t = &r->pl->tasks[ti];

	t->st = T_FAILED;
	r->failed++;
	free(r->msgs[ti]);
	r->msgs[ti] = xstrdup(msg);
	state_forget(r->st, t->name);
	save_state(r);
	if (!r->o->keep_going)
		r->stopping = 1;
	ui_line(r, "FAILED %s: %s", t->name, msg);
}

static void __attribute__((noreturn))
child_exec(struct run *r, const struct task *t, int logfd, int nullfd,
	   pid_t parent)
{
	setpgid(0, 0);
	/* Die with the runner; if it is already gone, do not start. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(127);
	if (dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		_exit(127);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
	/* t->prog is what state_check() hashed (state.c: beside the
	 * runner first, then PATH). */
	if (t->prog)
		execv(t->prog, t->argv);
	else
		execvp(t->argv[0], t->argv);
	dprintf(2, "reliefstat: cannot run '%s': %s\n", t->argv[0],
		strerror(errno));
	_exit(127);
}

/* Records the jobs in flight, for the next run should this one be killed. */
static void save_inflight(struct run *r)
{
	struct slurm_job **jobs;
	char **names;
	size_t k;

	if (!r->slurm)
		return;
	jobs = xcalloc(r->nkids + 1, sizeof(*jobs));
	names = xcalloc(r->nkids + 1, sizeof(*names));
	for (k = 0; k < r->nkids; k++) {
		jobs[k] = &r->kids[k].job;
		names[k] = r->pl->tasks[r->kids[k].task].name;
	}
	slurm_save_inflight(r->pl, jobs, names, r->nkids);
	free(jobs);
	free(names);
}

static struct child *add_child(struct run *r, size_t ti, long attempt)
{
	struct child *c;

	r->kids = xreallocarray(r->kids, r->nkids + 1, sizeof(*r->kids));
	c = &r->kids[r->nkids++];
	memset(c, 0, sizeof(*c));
	c->task = ti;
	c->attempt = attempt;
	c->start = now_mono();
	clock_gettime(CLOCK_REALTIME, &c->start_real);
	r->pl->tasks[ti].st = T_RUNNING;
	return c;
}

/* Submits the task as a Slurm job; its log is already started. */
static void submit(struct run *r, size_t ti, long attempt, const char *log)
{
	struct task *t = &r->pl->tasks[ti];
	struct slurm_job job;
	struct rs_error err;
	struct child *c;

	if (slurm_submit(r->pl, t, log, &job, &err)) {
		log_note(r->pl, t, err.msg);
		task_fail(r, ti, err.msg);
		return;
	}
	c = add_child(r, ti, attempt);
	c->remote = 1;
	c->job = job;
	/* The timeout counts from when the job runs (wait_slurm). */
	if (r->steps)
		ui_line(r, "submitted %s: slurm job %s", t->name, job.id);
	r->poll_every = POLL_MIN;
	r->next_poll = now_mono() + POLL_MIN;
	save_inflight(r);
	ui_progress(r);
}

static void start(struct run *r, size_t ti, long attempt)
{
	struct task *t = &r->pl->tasks[ti];
	struct rs_error err;
	struct child *c;
	struct sbuf cmd;
	char *log = log_path(r->pl, t);
	int logfd = -1, nullfd = -1;
	pid_t pid, self = getpid();
	size_t i;

	for (i = 0; i < t->outputs.n; i++)
		if (mkdir_parent(t->outputs.v[i].path, &err)) {
			task_fail(r, ti, err.msg);
			goto out;
		}
	logfd = open(log, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		     (attempt > 1 ? O_APPEND : O_TRUNC), 0644);
	if (logfd >= 0 && attempt == 1)
		link_latest(r->pl, t, log);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nullfd < 0) {
		rs_err(&err, "cannot open '%s': %s",
		       logfd < 0 ? log : "/dev/null", strerror(errno));
		task_fail(r, ti, err.msg);
		goto out;
	}
	if (attempt > 1)
		dprintf(logfd, "reliefstat: attempt %ld of %ld\n", attempt,
			t->retries + 1);
	sbuf_init(&cmd, 0);
	task_cmdline(t, &cmd);
	if (r->steps && !r->slurm)
		ui_line(r, "start %s", t->name);
	if (!r->o->quiet && (r->tty || r->o->verbose)) {
		ui_clear(r);
		fprintf(stderr, "%s\n", cmd.buf);
	}
	sbuf_release(&cmd);
	fflush(stderr);
	if (r->slurm) {
		/* sbatch appends to the log this function just started. */
		close(logfd);
		logfd = -1;
		submit(r, ti, attempt, log);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rs_err(&err, "cannot fork: %s", strerror(errno));
		task_fail(r, ti, err.msg);
		goto out;
	}
	if (!pid)
		child_exec(r, t, logfd, nullfd, self);
	setpgid(pid, pid);
	c = add_child(r, ti, attempt);
	c->pid = pid;
	c->deadline = t->timeout ? c->start + (double)t->timeout : 0;
	ui_progress(r);
out:
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	free(log);
}

/*
 * Kid k has ended with exit code code (128+N for signal N); abnormal, when
 * not NULL, says how it ended otherwise ("killed by signal 9", "was
 * cancelled").
 */
static void finish(struct run *r, size_t k, int code, const char *abnormal)
{
	struct child c = r->kids[k];
	struct task *t = &r->pl->tasks[c.task];
	struct rs_error err;
	double secs = now_mono() - c.start;
	char job[SLURM_ID_MAX + 16] = "";
	const char *moved = NULL;

	memmove(&r->kids[k], &r->kids[k + 1],
		(r->nkids - k - 1) * sizeof(*r->kids));
	r->nkids--;
	if (c.remote)
		snprintf(job, sizeof(job), " (slurm job %s)", c.job.id);
	if (c.timed_out)
		rs_err(&err, "timed out after %lds%s", t->timeout, job);
	else if (r->signo)
		rs_err(&err, "interrupted%s", job);
	else if (abnormal && c.remote)
		rs_err(&err, "slurm job %s %s (exit %d)", c.job.id, abnormal,
		       code);
	else if (abnormal)
		rs_err(&err, "%s", abnormal);
	else if ((moved = state_moved(t)))
		/* what it read is not what was hashed: recording it would
		 * call a half-copied export up to date, and running on
		 * would publish it */
		rs_err(&err, "'%s' changed while %s read it: it is still being written or copied -- run again when the copy has finished",
		       moved, task_prog(t));
	else if (code)
		rs_err(&err, "exit %d%s", code, job);
	else if (!state_record(r->st, t, &err)) {
		ledger(r, &c, code, 1, NULL);
		save_state(r);
		t->st = T_OK;
		r->ran++;
		if (r->steps)
			ui_line(r, "done %s in %.1fs%s", t->name, secs, job);
		ui_progress(r);
		goto out;
	}
	ledger(r, &c, code, 0, err.msg);
	log_note(r->pl, t, err.msg);
	if (!r->signo && !moved && c.attempt <= t->retries) {
		ui_line(r, "retrying %s: %s", t->name, err.msg);
		start(r, c.task, c.attempt + 1);
		goto out;
	}
	task_fail(r, c.task, err.msg);
	ui_progress(r);
out:
	if (c.remote) {
		slurm_job_release(&c.job);
		save_inflight(r);
	}
}

static void reap(struct run *r)
{
	char why[64];
	pid_t pid;
	size_t k;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (k = 0; k < r->nkids && r->kids[k].pid != pid; k++)
			;
		if (k == r->nkids)
			continue;
		if (WIFSIGNALED(status)) {
			snprintf(why, sizeof(why), "killed by signal %d",
				 WTERMSIG(status));
			finish(r, k, 128 + WTERMSIG(status), why);
		} else {
			finish(r, k, WEXITSTATUS(status), NULL);
		}
	}
}

static void ledger_uptodate(struct run *r, const struct task *t)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "run",
			      (json_int_t)r->pl->run_id, "kind", "task",
			      "stage", t->name, "state", "up to date");

	ledger_files(o, "inputs", &t->inputs, t->in_hash);
	ledger_files(o, "params", &t->params, t->par_hash);
	ledger_append(r->pl, o);
	json_decref(o);
}

/* Decides a ready task: up to date, blocked, or started. */
static void consider(struct run *r, size_t ti)
{
	struct task *t = &r->pl->tasks[ti];
	struct rs_error err;
	size_t j;

	for (j = 0; j < t->ndeps; j++) {
		switch (r->pl->tasks[t->deps[j]].st) {
		case T_PENDING:
		case T_RUNNING:
			return;
		case T_FAILED:
		case T_BLOCKED:
		case T_NOTRUN:
			t->st = T_BLOCKED;
			return;
		default:
			break;
		}
	}
	if (r->stopping)
		return;
	if (!t->checked && state_check(r->st, t, &err)) {
		task_fail(r, ti, err.msg);
		return;
	}
	if (!t->stale) {
		t->st = T_UPTODATE;
		r->uptodate++;
		ledger_uptodate(r, t);
		if (r->steps)
			ui_line(r, "up to date %s", t->name);
		return;
	}
	if (r->nkids >= (size_t)r->jobs)
		return;
	if (t->missing_input) {
		rs_err(&err, "input '%s' is missing", t->missing_input);
		log_note(r->pl, t, err.msg);
		task_fail(r, ti, err.msg);
		return;
	}
	start(r, ti, 1);
}

/* Takes a pending SIGINT, SIGTERM or SIGHUP without waiting. */
static void poll_signals(struct run *r)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sig = sigtimedwait(&set, NULL, &zero);
	if (sig > 0)
		r->signo = sig;
}

static void schedule(struct run *r)
{
	size_t k;

	for (k = 0; k < r->pl->ntasks && !r->signo; k++) {
		if (r->pl->tasks[r->pl->order[k]].st != T_PENDING)
			continue;
		poll_signals(r);
		if (!r->signo)
			consider(r, r->pl->order[k]);
	}
}

static void kill_all(struct run *r, int sig)
{
	struct slurm_job **jobs;
	size_t k;

	if (!r->slurm) {
		for (k = 0; k < r->nkids; k++)
			kill(-r->kids[k].pid, sig);
		return;
	}
	jobs = xcalloc(r->nkids + 1, sizeof(*jobs));
	for (k = 0; k < r->nkids; k++)
		jobs[k] = &r->kids[k].job;
	slurm_cancel(jobs, r->nkids);
	free(jobs);
}

/*
 * The Slurm executor's wait: for a signal, the next timeout, or the time
 * to poll; then polls and finishes the jobs that ended.
 */
static void wait_slurm(struct run *r, const sigset_t *set)
{
	double now = now_mono(), next = r->next_poll;
	struct slurm_job **jobs;
	struct rs_error err;
	struct timespec ts;
	struct child *c;
	char (*old)[sizeof(c->job.state)];
	size_t k;
	int sig, changed = 0;

	for (k = 0; k < r->nkids; k++) {
		c = &r->kids[k];
		if (c->deadline && !c->timed_out && c->deadline < next)
			next = c->deadline;
	}
	if (next < now)
		next = now;
	ts.tv_sec = (time_t)(next - now);
	ts.tv_nsec = (long)((next - now - (double)ts.tv_sec) * 1e9);
	sig = sigtimedwait(set, NULL, &ts);
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
		if (r->signo)
			r->hurry = 1;
		r->signo = sig;
		return;
	}
	now = now_mono();
	for (k = 0; k < r->nkids; k++) {
		c = &r->kids[k];
		if (c->deadline && !c->timed_out && now >= c->deadline) {
			c->timed_out = 1;
			slurm_cancel((struct slurm_job *[]){ &c->job }, 1);
		}
	}
	if (now < r->next_poll)
		return;
	jobs = xcalloc(r->nkids + 1, sizeof(*jobs));
	old = xcalloc(r->nkids + 1, sizeof(*old));
	for (k = 0; k < r->nkids; k++) {
		memcpy(old[k], r->kids[k].job.state, sizeof(old[k]));
		jobs[k] = &r->kids[k].job;
	}
	if (slurm_poll(jobs, r->nkids, &err)) {
		/* Slurm may be briefly unreachable: say so now and then,
		 * and keep asking. */
		if (now - r->poll_warned > 30) {
			ui_clear(r);
			rs_warn("%s (asking again)", err.msg);
			r->poll_warned = now;
		}
	}
	now = now_mono();
	for (k = 0; k < r->nkids; k++) {
		c = &r->kids[k];
		if (c->job.done || strcmp(old[k], c->job.state))
			changed = 1;
		if (!c->run_start && strcmp(c->job.state, "PENDING")) {
			c->run_start = now;
			if (r->pl->tasks[c->task].timeout)
				c->deadline = now +
					(double)r->pl->tasks[c->task].timeout;
		}
	}
	/* Backwards: finish() removes kid k (and may append a retry). */
	for (k = r->nkids; k-- > 0;)
		if (r->kids[k].job.done)
			finish(r, k, r->kids[k].job.code,
			       r->kids[k].job.why[0] ? r->kids[k].job.why :
			       NULL);
	free(jobs);
	free(old);
	r->poll_every = changed ? POLL_MIN :
			(r->poll_every * 1.5 > POLL_MAX ? POLL_MAX :
			 r->poll_every * 1.5);
	r->next_poll = now_mono() + r->poll_every;
}

/* Waits for a child, a signal or the next deadline (at most a second). */
static void wait_event(struct run *r, const sigset_t *set)
{
	double now = now_mono(), next = now + 1;
	struct timespec ts;
	struct child *c;
	size_t k;
	int sig;

	if (r->slurm) {
		wait_slurm(r, set);
		return;
	}
	for (k = 0; k < r->nkids; k++) {
		c = &r->kids[k];
		if (c->deadline && !c->timed_out && c->deadline < next)
			next = c->deadline;
		if (c->kill_at && c->kill_at < next)
			next = c->kill_at;
	}
	if (next < now)
		next = now;
	ts.tv_sec = (time_t)(next - now);
	ts.tv_nsec = (long)((next - now - (double)ts.tv_sec) * 1e9);
	sig = sigtimedwait(set, NULL, &ts);
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
		if (r->signo)
			kill_all(r, SIGKILL);
		r->signo = sig;
	}
	reap(r);
	now = now_mono();
	for (k = 0; k < r->nkids; k++) {
		c = &r->kids[k];
		if (c->deadline && !c->timed_out && now >= c->deadline) {
			c->timed_out = 1;
			c->kill_at = now + KILL_GRACE;
			kill(-c->pid, SIGTERM);
		} else if (c->kill_at && now >= c->kill_at) {
			c->kill_at = 0;
			kill(-c->pid, SIGKILL);
		}
	}
	/* On a terminal, the progress line's clock moves once a second. */
	ui_progress(r);
}

/*
 * Slurm: cancels every job and waits (CANCEL_WAIT at most, or until a
 * second signal) for Slurm to say each has ended.
 */
static void shut_down_slurm(struct run *r, const sigset_t *set)
{
	double give_up = now_mono() + CANCEL_WAIT;

	kill_all(r, SIGTERM);
	r->next_poll = now_mono();
	r->poll_every = POLL_MIN;
	while (r->nkids && !r->hurry && now_mono() < give_up)
		wait_slurm(r, set);
	while (r->nkids) {
		rs_warn("slurm job %s (%s) has not ended yet; not waiting",
			r->kids[0].job.id, r->pl->tasks[r->kids[0].task].name);
		finish(r, 0, 128 + r->signo, NULL);
	}
}

/* Terminates every child, then waits for them all. */
static void shut_down(struct run *r, const sigset_t *set)
{
	double kill_at = now_mono() + KILL_GRACE;
	size_t k;

	ui_clear(r);
	rs_warn("interrupted by %s: stopping %zu running %s%s",
		strsignal(r->signo), r->nkids, r->slurm ? "job" : "stage",
		r->nkids == 1 ? "" : "s");
	if (r->slurm) {
		shut_down_slurm(r, set);
		return;
	}
	kill_all(r, SIGTERM);
	for (k = 0; k < r->nkids; k++)
		r->kids[k].kill_at = kill_at;
	while (r->nkids)
		wait_event(r, set);
}

static void print_tail(const char *path)
{
	char buf[8192], *p, *end;
	off_t size, off;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), lines = 0;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	off = size > (off_t)sizeof(buf) ? size - (off_t)sizeof(buf) : 0;
	n = size > 0 ? pread(fd, buf, (size_t)(size - off), off) : 0;
	close(fd);
	if (n <= 0)
		return;
	end = buf + n;
	if (end[-1] == '\n')
		end--;
	for (p = end; p > buf; p--)
		if (p[-1] == '\n' && ++lines == TAIL_LINES)
			break;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			nl = end;
		fprintf(stderr, "    %.*s\n", (int)(nl - p), p);
		p = nl + 1;
	}
}

/* 1 when the task's argv holds the option opt. */
static int has_arg(const struct task *t, const char *opt)
{
	size_t i;

	for (i = 1; !t->shell && i < t->argc; i++)
		if (!strcmp(t->argv[i], opt))
			return 1;
	return 0;
}

/* A task that writes a report's tables: one running rs-report (not
 * rs-report --release, which publishes tables others wrote). */
static int is_report(const struct task *t)
{
	return !t->shell && t->argc && !strcmp(task_prog(t), "rs-report") &&
	       !has_arg(t, "--release");
}

/* The report's OUTDIR (where its suppressed.csv goes) with tail after
 * it, malloc'd, or NULL when no output names it. */
static char *report_path(const struct task *t, const char *tail)
{
	struct sbuf p;
	const char *o;
	size_t i, n;

	for (i = 0; i < t->outputs.n; i++) {
		o = t->outputs.v[i].path;
		n = strlen(o);
		if (n < 15 || strcmp(o + n - 15, "/suppressed.csv"))
			continue;
		sbuf_init(&p, 0);
		sbuf_addf(&p, "%.*s/%s", (int)(n - 15), o, tail);
		return sbuf_detach(&p, NULL);
	}
	return NULL;
}

/* 1 when the task's report holds a set not yet published: made with
 * --hold, it keeps its new published/ as OUTDIR/.held until a rs-report
 * --release task swaps it in. */
static int report_held(const struct task *t)
{
	struct stat sb;
	char *p;
	int held;

	if (!has_arg(t, "--hold") || !(p = report_path(t, ".held")))
		return 0;
	held = !lstat(p, &sb);
	free(p);
	return held;
}

/* 1 when the task's report has no published set yet: no
 * OUTDIR/published/report.md, else (OUTDIR unknown) no first output. */
static int report_unpublished(const struct task *t)
{
	struct stat sb;
	char *p = report_path(t, "published/report.md");
	int none;

	if (!p)
		return t->outputs.n && stat(t->outputs.v[0].path, &sb);
	none = stat(p, &sb) != 0;
	free(p);
	return none;
}

/* Which list of the last line a report task is in: 1 updated, 0 kept
 * the previous run's figures, 2 has none yet (report_unpublished), 3 made but held back, not yet published (--hold, not
 * released), -1 neither (not in the run, or up to date). */
static int report_fate(const struct task *t)
{
	if (!is_report(t) || t->st == T_UNSELECTED)
		return -1;
	if (report_held(t))
		return 3;
	if (t->st == T_UPTODATE)
		return -1;
	if (t->st == T_OK)
		return 1;
	return report_unpublished(t) ? 2 : 0;
}

/* Adds up to REPORTS_NAMED names of the report tasks of that fate to
 * sb, comma-separated, after head; nothing when there is none, unless
 * always ("none"). */
#define REPORTS_NAMED 8
static void add_reports(const struct pipeline *pl, int fate, const char *head,
			int always, struct sbuf *sb)
{
	size_t k, n = 0;

	for (k = 0; k < pl->ntasks; k++) {
		const struct task *t = &pl->tasks[pl->order[k]];

		if (report_fate(t) != fate)
			continue;
		if (!n)
			sbuf_adds(sb, head);
		if (n < REPORTS_NAMED)
			sbuf_addf(sb, "%s%s", n ? ", " : "", t->name);
		n++;
	}
	if (!n && always)
		sbuf_addf(sb, "%snone", head);
	else if (n > REPORTS_NAMED)
		sbuf_addf(sb, " and %zu more", n - REPORTS_NAMED);
}

/*
 * After a failed run: which reports this run updated and which still
 * hold the previous run's figures (up to date ones are neither), as
 * " -- reports updated: A; kept the previous run's figures: B, C" (and
 * "; none published yet: D" for a report never made). Empty for a
 * pipeline without reports in the run.
 */
static void reports_said(const struct pipeline *pl, struct sbuf *sb)
{
	size_t k, len;

	for (k = 0; k < pl->ntasks && report_fate(&pl->tasks[k]) < 0; k++)
		;
	if (k == pl->ntasks)
		return;
	add_reports(pl, 1, " -- reports updated: ", 1, sb);
	add_reports(pl, 0, "; kept the previous run's figures: ", 1, sb);
	add_reports(pl, 2, "; none published yet: ", 0, sb);
	len = sb->len;
	add_reports(pl, 3, "; made, held back until all are published together: ", 0, sb);
	if (sb->len > len)
		sbuf_addf(sb, " (the public keeps the previous set; once fixed, 'reliefstat run %s' publishes them all)",
			  pl->path);
}

/*
 * After a run that went through but stopped short of the task that
 * publishes (--until, --only): the reports made and held back, and what
 * publishes them. Nothing when none is held.
 */
static void held_said(const struct pipeline *pl)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	add_reports(pl, 3, "", 0, &sb);
	if (sb.len)
		rs_warn("published tables not updated: %s made, held back until all are published together (the public keeps the previous set; 'reliefstat run %s' publishes them all)",
			sb.buf, pl->path);
	sbuf_release(&sb);
}

static void report(struct run *r)
{
	struct pipeline *pl = r->pl;
	size_t k, notrun = 0;
	struct task *t;
	struct sbuf said;
	char *log;

	for (k = 0; k < pl->ntasks; k++)
		notrun += pl->tasks[k].st == T_BLOCKED ||
			  pl->tasks[k].st == T_NOTRUN;
	ui_clear(r);
	if (!r->o->quiet) {
		if (!r->tty) {
			char ts[32];
			time_t now = time(NULL);
			struct tm tm;

			localtime_r(&now, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
			fprintf(stderr, "[%s] ", ts);
		}
		fprintf(stderr, "%s: ran %zu stage%s, %zu up to date, %zu "
			"failed", rs_progname(), r->ran, r->ran == 1 ? "" : "s",
			r->uptodate, r->failed);
		if (notrun)
			fprintf(stderr, ", %zu not run", notrun);
		fprintf(stderr, " in %.1fs", now_mono() - r->t0);
		if (r->figures >= 0)
			fprintf(stderr, "; %ld published figure%s changed", r->figures,
				r->figures == 1 ? "" : "s");
		/* diff heads its list with both counts: so does this. */
		if (r->figures >= 0 && r->others > 0)
			fprintf(stderr, ", %ld row%s, column%s or table%s added or "
				"removed", r->others, r->others == 1 ? "" : "s",
				r->others == 1 ? "" : "s", r->others == 1 ? "" : "s");
		if (r->figures >= 0)
			fprintf(stderr, " since run %ld", r->since);
		fputc('\n', stderr);
	}
	if (r->signo)
		return;
	if (!r->failed)
		held_said(pl);
	/* The failing log's path comes last but one, where the eye lands;
	 * then whether the published tables moved. */
	for (k = 0; k < pl->ntasks; k++) {
		t = &pl->tasks[pl->order[k]];
		if (t->st != T_FAILED)
			continue;
		log = latest_log_path(pl, t);
		rs_warn("stage '%s' failed: %s", t->name,
			r->msgs[pl->order[k]] ? r->msgs[pl->order[k]] : "?");
		print_tail(log);
		rs_warn("log: %s", log);
		free(log);
	}
	/* The last line says whether the published set moved: a failed
	 * stage's dependents did not run, so the tables they write are the
	 * last good run's. */
	sbuf_init(&said, 0);
	reports_said(pl, &said);
	for (k = 0; k < pl->ntasks; k++) {
		const char *others = r->failed > 1 ? ", and others above" : "";
		struct task_stop stop;
		struct rs_error err;
		struct sbuf acc;

		t = &pl->tasks[pl->order[k]];
		if (t->st != T_FAILED)
			continue;
		if (task_stop_read(t, &stop, &err) < 0)
			rs_error_print(&err);
		sbuf_init(&acc, 0);
		task_stop_accept_cmd(pl, t, &stop, &acc);
		if (stop.kind == STOP_GATE)
			rs_warn("published tables not updated: %s over its reject threshold%s "
				"(fix the cause named above%s%s)%s", t->name, others,
				acc.len ? ", or accept the loss: " : "", acc.len ? acc.buf : "",
				said.len ? said.buf : "");
		else if (stop.kind == STOP_OTHER)
			rs_warn("published tables not updated: %s stopped%s: %s (fix: %s%s%s)%s",
				t->name, others, stop.what, stop.fix,
				acc.len ? "; or accept it for this run: " : "",
				acc.len ? acc.buf : "", said.len ? said.buf : "");
		else
			rs_warn("published tables not updated: %s failed%s%s", t->name, others,
				said.len ? said.buf : "");
		sbuf_release(&acc);
		break;
	}
	sbuf_release(&said);
}

static int dry_run(struct pipeline *pl, struct state *st, int slurm)
{
	struct rs_error err;
	struct sbuf sb;
	struct task *t;
	size_t k, i;
	int n = exec_plan(pl, st, &err);

	if (n < 0) {
		rs_error_print(&err);
		return 2;
	}
	sbuf_init(&sb, 0);
	for (k = 0; k < pl->ntasks; k++) {
		t = &pl->tasks[pl->order[k]];
		if (!t->selected || !t->stale)
			continue;
		sbuf_reset(&sb);
		sbuf_addf(&sb, "# %s: ", t->name);
		for (i = 0; i < t->why.len; i++)
			if (t->why.buf[i] == '\n')
				sbuf_adds(&sb, "; ");
			else
				sbuf_addc(&sb, t->why.buf[i]);
		printf("%s\n", sb.buf);
		if (slurm) {
			sbuf_reset(&sb);
			slurm_options(t, &sb);
			printf("# sbatch %s\n", sb.buf);
		}
		sbuf_reset(&sb);
		task_cmdline(t, &sb);
		printf("%s\n", sb.buf);
	}
	sbuf_release(&sb);
	if (!n)
		rs_info("nothing to do");
	return fflush(stdout) ? 1 : 0;
}

int exec_plan(struct pipeline *pl, struct state *st, struct rs_error *err)
{
	struct task *t, *d;
	size_t k, j;
	int n = 0;

	for (k = 0; k < pl->ntasks; k++) {
		t = &pl->tasks[pl->order[k]];
		if (!t->selected)
			continue;
		if (state_check(st, t, err))
			return -1;
		for (j = 0; !t->stale && j < t->ndeps; j++) {
			d = &pl->tasks[t->deps[j]];
			if (d->selected && d->stale) {
				sbuf_addf(&t->why, "upstream %s would run",
					  d->name);
				t->stale = 2;
			}
		}
		n += !!t->stale;
	}
	return n;
}

/* Keeps the published set of a good run and counts what changed in it. */
static void keep_published(struct run *r)
{
	struct rs_error err;

	r->figures = -2;
	if (published_keep(r->pl, &err) ||
	    (r->figures = published_changes(r->pl, &r->since, &r->others,
					    &err)) == -1) {
		rs_warn("cannot keep the published set of run %ld: %s",
			r->pl->run_id, err.msg);
		r->figures = -2;
	}
}

/* The ledger line that ends a run. */
static void ledger_run(struct run *r, int code)
{
	struct timespec end;
	char a[40], b[40];
	size_t k, notrun = 0;
	json_t *o;

	for (k = 0; k < r->pl->ntasks; k++)
		notrun += r->pl->tasks[k].st == T_BLOCKED ||
			  r->pl->tasks[k].st == T_NOTRUN;
	clock_gettime(CLOCK_REALTIME, &end);
	iso_time(&r->start_real, a, sizeof(a));
	iso_time(&end, b, sizeof(b));
	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:I,s:I,s:I,s:I}", "run",
		      (json_int_t)r->pl->run_id, "kind", "run", "pipeline",
		      r->pl->path, "start", a, "end", b, "exit", code, "ran",
		      (json_int_t)r->ran, "up_to_date", (json_int_t)r->uptodate,
		      "failed", (json_int_t)r->failed, "not_run",
		      (json_int_t)notrun);
	if (r->figures >= 0) {
		json_object_set_new(o, "figures_changed",
				    json_integer(r->figures));
		json_object_set_new(o, "rows_columns_tables_changed",
				    json_integer(r->others));
		json_object_set_new(o, "compared_with", json_integer(r->since));
	}
	ledger_append(r->pl, o);
	json_decref(o);
}

/*
 * The task at the root of why unselected task d is unfit to be read: the
 * farthest upstream of d (or d) that failed or is stale, following the
 * first upstream that would run (may[] marks tasks that are stale or wait
 * on one): a failed ingest that wrote its outputs makes validate stale,
 * and the ingest is what to fix. */
static const struct task *culprit(const struct pipeline *pl, size_t d,
				  const char *may)
{
	const struct task *t = &pl->tasks[d];
	size_t j;

	for (;;) {
		for (j = 0; j < t->ndeps && !may[t->deps[j]]; j++)
			;
		if (j == t->ndeps)
			break;
		t = &pl->tasks[t->deps[j]];
	}
	return t;
}

/* Appends the task's reasons, joined with "; ". */
static void add_why(struct sbuf *sb, const struct task *t)
{
	size_t i;

	for (i = 0; i < t->why.len; i++)
		if (t->why.buf[i] == '\n')
			sbuf_adds(sb, "; ");
		else
			sbuf_addc(sb, t->why.buf[i]);
}

/*
 * --only, --from: a selected task reads what its unselected upstream
 * tasks last wrote. When one of them failed or is stale those outputs are
 * not the ones its inputs would give (a failed gate leaves them written),
 * so the task would run on them and publish. Refuses (returns 1 after
 * saying which upstream, why and the fix) before anything runs; 0 when
 * every unselected upstream is up to date, as a statistician rerunning
 * one stage after fixing its rule needs; 2 on an I/O error. The tasks'
 * last_failure must be set (history_last_failures()).
 */
static int check_upstream(struct pipeline *pl, struct state *st)
{
	char *need = xcalloc(pl->ntasks + 1, 1), *may;
	const struct task *c;
	struct rs_error err;
	struct sbuf sb;
	struct task *t;
	size_t k, j, i;
	int ret = 0, any = 0;

	/* The unselected tasks some selected task reads, and theirs. */
	for (k = pl->ntasks; k-- > 0;) {
		i = pl->order[k];
		t = &pl->tasks[i];
		if (!t->selected && !need[i])
			continue;
		for (j = 0; j < t->ndeps; j++)
			if (!pl->tasks[t->deps[j]].selected || need[i]) {
				need[t->deps[j]] = 1;
				any |= !pl->tasks[t->deps[j]].selected;
			}
	}
	if (!any) {
		free(need);
		return 0;
	}
	may = xcalloc(pl->ntasks + 1, 1);
	for (k = 0; k < pl->ntasks; k++) {
		i = pl->order[k];
		t = &pl->tasks[i];
		if (!need[i])
			continue;
		if (state_check(st, t, &err)) {
			rs_error_print(&err);
			ret = 2;
			goto out;
		}
		/* A selected task is checked again when its turn comes, on
		 * what its upstream tasks will have written by then. */
		if (t->selected)
			t->checked = 0;
		may[i] = t->stale != 0;
		for (j = 0; j < t->ndeps; j++)
			may[i] |= may[t->deps[j]];
	}
	sbuf_init(&sb, 0);
	for (k = 0; k < pl->ntasks; k++) {
		t = &pl->tasks[pl->order[k]];
		if (!t->selected)
			continue;
		for (j = 0; j < t->ndeps; j++) {
			struct task *d = &pl->tasks[t->deps[j]];
			struct task_stop stop;
			struct sbuf acc;

			if (d->selected || !may[t->deps[j]])
				continue;
			c = culprit(pl, t->deps[j], may);
			sbuf_reset(&sb);
			sbuf_addf(&sb, "will not run '%s' without its upstream: ", t->name);
			sbuf_addf(&sb, "'%s' ", c->name);
			if (c != d)
				sbuf_addf(&sb, "(upstream of '%s') ", d->name);
			if (c->selected)
				sbuf_addf(&sb, "runs in this selection but '%s' "
					  "does not", d->name);
			else if (c->last_failure && !state_find(st, c->name))
				sbuf_adds(&sb, c->last_failure);
			else {
				sbuf_adds(&sb, "is stale (");
				add_why(&sb, c);
				sbuf_adds(&sb, ")");
			}
			sbuf_adds(&sb, "; nothing was run -- ");
			sbuf_init(&acc, 0);
			if (!c->selected && c->last_failure &&
			    !task_stop_read(c, &stop, &err))
				task_stop_accept_cmd(pl, c, &stop, &acc);
			if (acc.len)
				sbuf_addf(&sb, "fix the source and run without --only "
					  "(reliefstat run %s), or accept the loss: %s",
					  pl->path, acc.buf);
			else
				sbuf_addf(&sb, "%srun it too: reliefstat run %s --until %s",
					  c->last_failure && !c->selected ?
					  "fix its cause and " : "",
					  pl->path, t->name);
			sbuf_release(&acc);
			rs_warn("%s", sb.buf);
			ret = 1;
			break;
		}
	}
	sbuf_release(&sb);
out:
	free(need);
	free(may);
	return ret;
}

static void on_sigchld(int sig)
{
	(void)sig;
}

int exec_run(struct pipeline *pl, struct state *st, const struct runopts *o)
{
	struct run r = { 0 };
	struct rs_error err;
	struct sigaction sa = { 0 };
	struct sbuf logs;
	sigset_t set, waitset;
	size_t k;
	int lockfd = -1, ret, code;

	r.slurm = !strcmp(o->executor ? o->executor : pl->executor, "slurm");
	r.jobs = o->jobs ? o->jobs : r.slurm ? SLURM_JOBS : 1;
	if ((ret = check_upstream(pl, st)))
		return ret;
	if (o->dry_run)
		return dry_run(pl, st, r.slurm);
	if (r.slurm && slurm_check(&err)) {
		rs_error_print(&err);
		return 2;
	}
	ret = lock_take(pl, &lockfd, &err);
	if (ret) {
		rs_error_print(&err);
		return ret > 0 ? 3 : 2;
	}
	sbuf_init(&logs, 0);
	sbuf_addf(&logs, "%s/logs", pl->statedir);
	ret = mkdir_p(logs.buf, &err) || state_dir_ok(logs.buf, &err) ||
	      history_begin(pl, &err);
	sbuf_release(&logs);
	if (ret) {
		rs_error_print(&err);
		lock_release(lockfd);
		return 2;
	}
	/* A run killed with SIGKILL could not cancel its jobs: do it now. */
	slurm_reap_orphans(pl);
	tidy_stale_temps(pl);
	r.pl = pl;
	r.st = st;
	r.o = o;
	r.tty = isatty(2) && !o->quiet;
	r.steps = !r.tty && o->verbose && !o->quiet;
	load_last_durations(&r);
	r.msgs = xcalloc(pl->ntasks + 1, sizeof(*r.msgs));
	r.t0 = now_mono();
	r.figures = -2;
	clock_gettime(CLOCK_REALTIME, &r.start_real);
	for (k = 0; k < pl->ntasks; k++)
		r.total += pl->tasks[k].selected;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &r.oldmask);
	/* A handler (never run: the signal stays blocked) makes sure SIGCHLD
	 * is queued for sigtimedwait() rather than discarded. */
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	/* Slurm jobs are no children: the SIGCHLD of sbatch or squeue, reaped
	 * where they ran, must not wake the wait. */
	waitset = set;
	if (r.slurm)
		sigdelset(&waitset, SIGCHLD);

	for (;;) {
		schedule(&r);
		if (!r.nkids || r.signo)
			break;
		wait_event(&r, &waitset);
	}
	if (r.signo)
		shut_down(&r, &waitset);
	save_inflight(&r);
	for (k = 0; k < pl->ntasks; k++)
		if (pl->tasks[k].st == T_PENDING)
			pl->tasks[k].st = T_NOTRUN;
	if (st->dirty)
		save_state(&r);
	/* Tasks are blocked or not run only after a failure. */
	code = r.signo ? 128 + r.signo : r.failed ? 1 : 0;
	if (!code)
		keep_published(&r);
	else if (pl->mark_stale) {
		published_mark_stale(pl, st);
		if (st->dirty)
			save_state(&r);
	}
	ledger_run(&r, code);
	history_prune(pl);
	lock_release(lockfd);
	report(&r);
	for (k = 0; k < pl->ntasks; k++)
		free(r.msgs[k]);
	free(r.msgs);
	free(r.last);
	free(r.kids);
	sigprocmask(SIG_SETMASK, &r.oldmask, NULL);
	return code;
}
