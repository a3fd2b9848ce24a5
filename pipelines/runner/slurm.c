/*
 * slurm.c - the Slurm executor's conversation with Slurm: job scripts,
 * sbatch, squeue, scontrol and scancel. exec.c decides what runs when;
 * this file only turns a task into a job and tells what became of it.
 *
 * A task's job script, ${statedir}/slurm/TASK.sh, changes to the directory
 * the runner was started in and runs the task's argv with each element
 * single-quoted, so nothing in it is interpreted by the shell (a shell:
 * true task is run as its own "/bin/sh -c STRING", as locally). The script
 * then writes the exit code to ${statedir}/slurm/TASK.exit.JOBID: that is
 * where the runner reads it (scontrol's ExitCode is the fallback, for a job
 * whose script did not get that far). sbatch appends the job's output to
 * the task's log, the same file the local executor writes, after the
 * runner truncated it (or, on a retry, wrote the attempt line to it).
 *
 * No dependency chains are submitted: exec.c submits a task once what it
 * needs has succeeded, so a failure never leaves dependent jobs pending.
 * State comes from `squeue -h -t all -j IDS -o "%i %T"`, one call for all
 * jobs in flight; a job squeue no longer lists (MinJobAge passed) is looked
 * up in its exit file, then with scontrol. No slurmdbd is needed.
 *
 * Every command runs in its own process group (a terminal's ^C is the
 * runner's to handle, never a half-done sbatch's), with the signals the
 * runner blocks unblocked, and is killed if it takes over a minute.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "runner.h"
#include "xalloc.h"

#define CMD_TIMEOUT 60.0         /* seconds for one Slurm command */
#define CMD_OUT_MAX ((size_t)4 << 20)
#define MISSING_POLLS 3          /* polls a job may be unknown before it
				    counts as vanished */

static const char *const final_states[][2] = {
	{ "COMPLETED", NULL },
	{ "FAILED", NULL },
	{ "CANCELLED", "was cancelled" },
	{ "TIMEOUT", "reached its time limit" },
	{ "OUT_OF_MEMORY", "ran out of memory" },
	{ "NODE_FAIL", "lost its node" },
	{ "PREEMPTED", "was preempted" },
	{ "BOOT_FAIL", "could not boot its node" },
	{ "DEADLINE", "passed its deadline" },
	{ "REVOKED", "was revoked" },
};

struct cmd {
	struct sbuf out, err;
	int status;              /* as from waitpid */
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void cmd_init(struct cmd *c)
{
	sbuf_init(&c->out, CMD_OUT_MAX);
	sbuf_init(&c->err, CMD_OUT_MAX);
	sbuf_adds(&c->out, "");
	sbuf_adds(&c->err, "");
	c->status = -1;
}

static void cmd_release(struct cmd *c)
{
	sbuf_release(&c->out);
	sbuf_release(&c->err);
}

/* The last non-empty line of what a command said on stderr, for messages. */
static const char *cmd_said(struct cmd *c)
{
	char *s = c->err.buf, *end = s + c->err.len, *nl;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	nl = strrchr(s, '\n');
	return *s ? (nl ? nl + 1 : s) : "no message";
}

static int cmd_ok(const struct cmd *c)
{
	return WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0;
}

static void __attribute__((noreturn))
cmd_child(const char *const *argv, int outfd, int errfd)
{
	sigset_t none;
	int nullfd = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	sigemptyset(&none);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(outfd, 1) < 0 ||
	    dup2(errfd, 2) < 0)
		_exit(127);
	/* execvp() does not change argv; its prototype predates const. */
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Runs argv, collecting its stdout and stderr. Returns 0 when it ran to
 * the end (c->status says how), or -1 with err when it could not be
 * started or took longer than CMD_TIMEOUT (then it is killed).
 */
static int run_cmd(const char *const *argv, struct cmd *c,
		   struct rs_error *err)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, open_fds = 2, ret = -1;
	double deadline = now_mono() + CMD_TIMEOUT;
	struct pollfd pfd[2];
	char buf[4096];
	ssize_t n;
	pid_t pid;
	int i;

	if (pipe2(op, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
		rs_err(err, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rs_err(err, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (!pid)
		cmd_child(argv, op[1], ep[1]);
	close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	pfd[0].fd = op[0];
	pfd[1].fd = ep[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (open_fds) {
		double left = deadline - now_mono();

		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &c->status, 0);
			rs_err(err, "'%s' did not answer within %.0fs", argv[0],
			       CMD_TIMEOUT);
			goto out;
		}
		if (poll(pfd, 2, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			/* Past the ceiling the rest is dropped: Slurm's
			 * commands never say that much. */
			sbuf_add(i ? &c->err : &c->out, buf, (size_t)n);
		}
	}
	while (waitpid(pid, &c->status, 0) < 0 && errno == EINTR)
		;
	ret = 0;
out:
	for (i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return ret;
}

static int in_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	struct sbuf sb;
	int found = 0;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	sbuf_init(&sb, 0);
	for (p = path; !found; p = colon + 1) {
		colon = strchrnul(p, ':');
		sbuf_reset(&sb);
		if (colon == p)
			sbuf_addc(&sb, '.');
		else
			sbuf_add(&sb, p, (size_t)(colon - p));
		sbuf_addf(&sb, "/%s", name);
		found = !access(sb.buf, X_OK);
		if (!*colon)
			break;
	}
	sbuf_release(&sb);
	return found;
}

int slurm_check(struct rs_error *err)
{
	static const char *const cmds[] = { "sbatch", "squeue", "scontrol",
					    "scancel" };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!in_path(cmds[i]))
			return rs_err(err, "executor slurm: '%s' is not in "
				      "PATH (is this a Slurm submit host?)",
				      cmds[i]);
	return 0;
}

/* An absolute form of path (relative to the current directory). */
static char *absolute(const char *path)
{
	struct sbuf sb;
	char *cwd;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return xstrdup(path);
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/%s", cwd, path);
	free(cwd);
	return sbuf_detach(&sb, NULL);
}

static char *slurm_path(const struct pipeline *pl, const char *name,
			const char *suffix)
{
	struct sbuf sb;
	char *dir = absolute(pl->statedir);

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/slurm/%s%s", dir, name, suffix);
	free(dir);
	return sbuf_detach(&sb, NULL);
}

struct argvb {
	char **v;
	size_t n;
};

static void argv_push(struct argvb *a, char *s)
{
	a->v = xreallocarray(a->v, a->n + 2, sizeof(*a->v));
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void argv_pushf(struct argvb *a, const char *fmt, const char *val)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, fmt, val);
	argv_push(a, sbuf_detach(&sb, NULL));
}

static void argv_release(struct argvb *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* The resource options: those of resources:, then extra's verbatim. */
static void resource_argv(const struct task *t, struct argvb *a)
{
	const struct resources *res = &t->res;
	char num[32];
	size_t i;

	if (res->partition)
		argv_pushf(a, "--partition=%s", res->partition);
	if (res->time) {
		argv_pushf(a, "--time=%s", res->time);
	} else if (t->timeout) {
		/* Slurm's limit backs up the runner's own (which it enforces
		 * itself), so a job outlives neither. In minutes, rounded
		 * up, with a minute to spare. */
		snprintf(num, sizeof(num), "%ld", (t->timeout + 59) / 60 + 1);
		argv_pushf(a, "--time=%s", num);
	}
	if (res->mem)
		argv_pushf(a, "--mem=%s", res->mem);
	if (res->cpus) {
		snprintf(num, sizeof(num), "%ld", res->cpus);
		argv_pushf(a, "--cpus-per-task=%s", num);
	}
	for (i = 0; i < res->nextra; i++)
		argv_push(a, xstrdup(res->extra[i]));
}

void slurm_options(const struct task *t, struct sbuf *sb)
{
	struct argvb a = { 0 };
	size_t i;

	argv_pushf(&a, "--job-name=rs:%s", t->name);
	resource_argv(t, &a);
	for (i = 0; i < a.n; i++) {
		if (i)
			sbuf_addc(sb, ' ');
		shell_quote(sb, a.v[i]);
	}
	argv_release(&a);
}

/* Appends s to a comment line of the script: no control character (a
 * newline would end the comment) gets through. */
static void add_comment(struct sbuf *sb, const char *s)
{
	for (; *s; s++)
		sbuf_addc(sb, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* Writes the job script for t; returns 0 or -1 with err. */
static int write_script(const struct pipeline *pl, const struct task *t,
			const char *path, const char *exit_base,
			struct rs_error *err)
{
	struct rs_out o;
	struct sbuf sb;
	char *cwd = getcwd(NULL, 0);
	size_t i;
	int ret;

	if (!cwd)
		return rs_err(err, "cannot get the current directory: %s",
			      strerror(errno));
	sbuf_init(&sb, 0);
	sbuf_adds(&sb, "#!/bin/sh\n# reliefstat job for task ");
	add_comment(&sb, t->name);
	sbuf_adds(&sb, " of '");
	add_comment(&sb, pl->path);
	sbuf_adds(&sb, "'.\n# Written by the runner at each submission: it runs "
		  "the task's argv, each\n# element quoted, where the runner "
		  "runs, and leaves the exit code for it.\ncd ");
	shell_quote(&sb, cwd);
	sbuf_adds(&sb, " || exit 127\n");
	for (i = 0; i < t->argc; i++) {
		if (i)
			sbuf_addc(&sb, ' ');
		shell_quote(&sb, t->argv[i]);
	}
	sbuf_adds(&sb, "\nrc=$?\nprintf '%s\\n' \"$rc\" >");
	shell_quote(&sb, exit_base);
	sbuf_adds(&sb, "\"$SLURM_JOB_ID\"\nexit \"$rc\"\n");
	free(cwd);
	if (rs_out_open(&o, path, 0755, err)) {
		sbuf_release(&sb);
		return -1;
	}
	rs_out_write(&o, sb.buf, sb.len);
	ret = rs_out_commit(&o, err);
	sbuf_release(&sb);
	return ret;
}

int slurm_submit(const struct pipeline *pl, const struct task *t,
		 const char *log, struct slurm_job *job, struct rs_error *err)
{
	char *script = slurm_path(pl, t->name, ".sh");
	char *exit_base = slurm_path(pl, t->name, ".exit.");
	char *alog = absolute(log), *cwd = getcwd(NULL, 0), *semi;
	struct argvb a = { 0 };
	struct cmd c;
	size_t n;
	int ret = -1;

	cmd_init(&c);
	if (!cwd) {
		rs_err(err, "cannot get the current directory: %s",
		       strerror(errno));
		goto out;
	}
	if (mkdir_parent(script, err) ||
	    write_script(pl, t, script, exit_base, err))
		goto out;
	argv_push(&a, xstrdup("sbatch"));
	argv_push(&a, xstrdup("--parsable"));
	argv_pushf(&a, "--job-name=rs:%s", t->name);
	argv_pushf(&a, "--chdir=%s", cwd);
	argv_pushf(&a, "--output=%s", alog);
	argv_push(&a, xstrdup("--open-mode=append"));
	/* Retries are the runner's (retries:), never a silent requeue. */
	argv_push(&a, xstrdup("--no-requeue"));
	resource_argv(t, &a);
	argv_push(&a, xstrdup(script));
	if (run_cmd((const char *const *)a.v, &c, err))
		goto out;
	if (!cmd_ok(&c)) {
		rs_err(err, "sbatch refused '%s': %s", t->name, cmd_said(&c));
		goto out;
	}
	/* --parsable prints "ID" or "ID;CLUSTER". */
	semi = strpbrk(c.out.buf, ";\n");
	if (semi)
		*semi = '\0';
	n = strlen(c.out.buf);
	if (!n || n >= SLURM_ID_MAX || strspn(c.out.buf, "0123456789") != n) {
		rs_err(err, "sbatch printed no job id for '%s': '%.60s'",
		       t->name, c.out.buf);
		goto out;
	}
	memset(job, 0, sizeof(*job));
	snprintf(job->id, sizeof(job->id), "%s", c.out.buf);
	snprintf(job->state, sizeof(job->state), "PENDING");
	job->exit_path = xstrdup(exit_base);
	ret = 0;
out:
	argv_release(&a);
	cmd_release(&c);
	free(alog);
	free(cwd);
	free(script);
	free(exit_base);
	return ret;
}

void slurm_job_release(struct slurm_job *job)
{
	free(job->exit_path);
	job->exit_path = NULL;
}

static const char *const *final_state(const char *state)
{
	size_t i;

	for (i = 0; i < sizeof(final_states) / sizeof(final_states[0]); i++)
		if (!strcmp(state, final_states[i][0]))
			return final_states[i];
	return NULL;
}

/* Reads the exit file the job script left (and removes it): 1 if there
 * was one, 0 if not. */
static int read_exit_file(struct slurm_job *job)
{
	char *path = NULL, buf[32];
	struct sbuf sb;
	ssize_t n;
	int fd, code;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s%s", job->exit_path, job->id);
	path = sbuf_detach(&sb, NULL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		free(path);
		return 0;
	}
	buf[n] = '\0';
	code = (int)strtol(buf, NULL, 10);
	unlink(path);
	free(path);
	job->code = code;
	return 1;
}

/* Finds "KEY=" as a word in scontrol's output; returns the value's start. */
static const char *scontrol_field(const char *s, const char *key)
{
	size_t n = strlen(key);
	const char *p = s;

	while ((p = strstr(p, key))) {
		if ((p == s || p[-1] == ' ' || p[-1] == '\n') && p[n] == '=')
			return p + n + 1;
		p += n;
	}
	return NULL;
}

/*
 * scontrol show job ID: fills state and, for a final state, the exit code
 * ("ExitCode=A:B": exit A, or signal B). Returns 1 when Slurm knows the
 * job, 0 when it does not, -1 when scontrol failed otherwise.
 */
static int scontrol_job(struct slurm_job *job)
{
	const char *argv[] = { "scontrol", "-o", "show", "job", job->id, NULL };
	struct rs_error err;
	const char *v;
	struct cmd c;
	long a = 0, b = 0;
	int ret = -1;

	cmd_init(&c);
	if (run_cmd(argv, &c, &err))
		goto out;
	if (!cmd_ok(&c)) {
		ret = strstr(c.err.buf, "Invalid job id") ? 0 : -1;
		goto out;
	}
	v = scontrol_field(c.out.buf, "JobState");
	if (!v)
		goto out;
	snprintf(job->state, sizeof(job->state), "%.*s",
		 (int)strcspn(v, " \n"), v);
	v = scontrol_field(c.out.buf, "ExitCode");
	if (v && sscanf(v, "%ld:%ld", &a, &b) == 2)
		job->code = b ? 128 + (int)b : (int)a;
	ret = 1;
out:
	cmd_release(&c);
	return ret;
}

/* The job has reached a final state: settle its exit code and why. */
static void settle(struct slurm_job *job, int have_code)
{
	const char *const *fs = final_state(job->state);

	job->done = 1;
	if (!read_exit_file(job) && !have_code) {
		/* The script did not get to write it: ask scontrol. */
		if (scontrol_job(job) <= 0)
			job->code = strcmp(job->state, "COMPLETED") ? 1 : 0;
		fs = final_state(job->state);
	}
	if (fs && fs[1])
		snprintf(job->why, sizeof(job->why), "%s", fs[1]);
	else if (!strcmp(job->state, "FAILED") && !job->code)
		snprintf(job->why, sizeof(job->why), "failed");
	else if (job->code == 128 + 15 || job->code == 128 + 9)
		/* scancel's SIGTERM can reach the script before slurmctld
		 * marks the job CANCELLED: the job then ends FAILED with the
		 * stage's 143, and says nothing of why */
		snprintf(job->why, sizeof(job->why),
			 "was stopped by %s (cancelled with scancel, or stopped by Slurm)",
			 job->code == 128 + 15 ? "SIGTERM" : "SIGKILL");
}

int slurm_poll(struct slurm_job **jobs, size_t n, struct rs_error *err)
{
	const char *argv[] = { "squeue", "-h", "-t", "all", "-j", NULL, "-o",
			       "%i %T", NULL };
	struct sbuf ids;
	struct cmd c;
	char *line, *next, *sp;
	size_t i, asked = 0;
	int found, ret = -1;

	sbuf_init(&ids, 0);
	for (i = 0; i < n; i++) {
		if (jobs[i]->done)
			continue;
		sbuf_addf(&ids, "%s%s", asked++ ? "," : "", jobs[i]->id);
	}
	if (!asked) {
		sbuf_release(&ids);
		return 0;
	}
	argv[5] = ids.buf;
	cmd_init(&c);
	if (run_cmd(argv, &c, err))
		goto out;
	/* squeue fails outright only when it knows none of the ids (they are
	 * all past MinJobAge); that is not an error here. */
	if (!cmd_ok(&c) && !strstr(c.err.buf, "Invalid job id")) {
		rs_err(err, "squeue failed: %s", cmd_said(&c));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct slurm_job *job = jobs[i];

		if (job->done)
			continue;
		found = 0;
		for (line = c.out.buf; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			sp = strchr(line, ' ');
			if (sp && (size_t)(sp - line) == strlen(job->id) &&
			    !strncmp(line, job->id, strlen(job->id))) {
				snprintf(job->state, sizeof(job->state), "%s",
					 sp + 1);
				found = 1;
			}
			if (next)
				next[-1] = '\n';
			if (found)
				break;
		}
		if (found) {
			job->missing = 0;
			if (final_state(job->state))
				settle(job, 0);
			continue;
		}
		/* Gone from squeue: its exit file or scontrol may know. */
		if (read_exit_file(job)) {
			snprintf(job->state, sizeof(job->state), "%s",
				 job->code ? "FAILED" : "COMPLETED");
			settle(job, 1);
			continue;
		}
		if (scontrol_job(job) > 0) {
			job->missing = 0;
			if (final_state(job->state))
				settle(job, 1);
			continue;
		}
		if (++job->missing >= MISSING_POLLS) {
			job->done = 1;
			job->code = 1;
			snprintf(job->why, sizeof(job->why), "vanished: "
				 "Slurm has no record of it and it left no "
				 "exit code");
		}
	}
	ret = 0;
out:
	cmd_release(&c);
	sbuf_release(&ids);
	return ret;
}

void slurm_cancel(struct slurm_job **jobs, size_t n)
{
	struct argvb a = { 0 };
	struct rs_error err;
	struct cmd c;
	size_t i;

	for (i = 0; i < n; i++)
		if (!jobs[i]->done) {
			if (!a.n)
				argv_push(&a, xstrdup("scancel"));
			argv_push(&a, xstrdup(jobs[i]->id));
		}
	if (!a.n)
		return;
	cmd_init(&c);
	if (run_cmd((const char *const *)a.v, &c, &err))
		rs_warn("cannot cancel the running jobs: %s", err.msg);
	else if (!cmd_ok(&c))
		rs_warn("scancel failed: %s", cmd_said(&c));
	cmd_release(&c);
	argv_release(&a);
}

void slurm_save_inflight(const struct pipeline *pl, struct slurm_job **jobs,
			 char *const *names, size_t n)
{
	char *path = slurm_path(pl, "", "jobs"), *tmp;
	struct sbuf sb;
	size_t i;
	FILE *f;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s.tmp", path);
	tmp = sbuf_detach(&sb, NULL);
	f = fopen(tmp, "w");
	for (i = 0; f && i < n; i++)
		if (!jobs[i]->done)
			fprintf(f, "%s %s\n", jobs[i]->id, names[i]);
	/* A lost list only means a killed run's jobs are not cancelled. */
	if (!f || fclose(f) || rename(tmp, path))
		rs_warn("cannot record the jobs in flight in '%s': %s", path,
			strerror(errno));
	free(tmp);
	free(path);
}

void slurm_reap_orphans(const struct pipeline *pl)
{
	char *path = slurm_path(pl, "", "jobs"), *buf = NULL, *line, *next, *sp;
	struct slurm_job *jobs = NULL, **ptrs = NULL;
	struct rs_error err;
	size_t len = 0, n = 0, i, alive = 0;

	if (access(path, F_OK) ||
	    rs_read_file(path, (size_t)1 << 20, &buf, &len, &err))
		goto out;
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		sp = strchr(line, ' ');
		if (!sp || sp == line || (size_t)(sp - line) >= SLURM_ID_MAX)
			continue;
		jobs = xreallocarray(jobs, n + 1, sizeof(*jobs));
		memset(&jobs[n], 0, sizeof(*jobs));
		memcpy(jobs[n].id, line, (size_t)(sp - line));
		jobs[n].exit_path = slurm_path(pl, sp + 1, ".exit.");
		n++;
	}
	if (!n)
		goto out;
	if (slurm_check(&err)) {
		rs_warn("a killed run may have left Slurm jobs (%s): %s", path,
			err.msg);
		goto out;
	}
	ptrs = xcalloc(n, sizeof(*ptrs));
	for (i = 0; i < n; i++)
		ptrs[i] = &jobs[i];
	if (slurm_poll(ptrs, n, &err)) {
		rs_warn("cannot check the jobs a killed run left: %s", err.msg);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].done || jobs[i].missing)
			continue;
		rs_warn("cancelling slurm job %s, left %s by a killed run",
			jobs[i].id, jobs[i].state);
		ptrs[alive++] = &jobs[i];
	}
	slurm_cancel(ptrs, alive);
	/* Wait (a while) for them to end, so none still writes what this
	 * run is about to write. */
	for (i = 0; alive && i < 60; i++) {
		size_t k, left = 0;

		if (slurm_poll(ptrs, alive, &err))
			break;
		for (k = 0; k < alive; k++)
			left += !ptrs[k]->done;
		if (!left)
			break;
		usleep(500000);
	}
out:
	unlink(path);
	for (i = 0; i < n; i++)
		slurm_job_release(&jobs[i]);
	free(jobs);
	free(ptrs);
	free(buf);
	free(path);
}
