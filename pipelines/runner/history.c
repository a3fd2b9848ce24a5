/*
 * history.c - run history: every `reliefstat run` gets a number, writes
 * what each task did to the ledger, and keeps its logs in a directory of
 * its own; `reliefstat runs` lists the runs and `reliefstat show` shows one.
 *
 * The ledger, ${statedir}/ledger.jsonl, is JSON Lines, appended to with
 * one write(2) per line (written with jansson). Each line is an object
 * with "run" (the run's number) and "kind":
 *
 *   "task"  one task of the run: "stage" (the task's name), "state" ("ok",
 *           "failed" or "up to date"); for a task that ran also "start",
 *           "end" (UTC, ISO 8601 with milliseconds), "exit", "attempt"
 *           (when retried), "timeout", "executor"/"job"/"job_state"
 *           (Slurm), "log", "inputs" and "params" ([{"path","hash"}],
 *           XXH3-128 of the content the task was started on), "outputs"
 *           (when it succeeded) and, from the stage's JSON summary when it
 *           writes one, "rows_in", "rows_out", "rejects" ({reason: count})
 *           and "reject_total" (a merge's "rows_written" is its
 *           "rows_out"), and "overlap_accepted"/"overlap_keys" when a
 *           merge's overlap over its limit was accepted (--accept-loss:
 *           the payments two inputs both made, of how many); when it failed, "error" (the runner's
 *           word: "exit 1", "timed out after 60s") and "reason" (the
 *           stage's last message line in its log, when it left one).
 *   "run"   the end of a run: "start", "end", "exit", "ran", "up_to_date",
 *           "failed", "not_run", "pipeline".
 *
 * A run killed with SIGKILL has task lines but no "run" line. Lines
 * written before runs had numbers (no "run") are skipped. Logs go to
 * ${statedir}/runs/ID/logs/TASK.log, hard-linked as logs/TASK.log (the
 * latest); run directories older than the newest keep_runs are removed
 * (the ledger keeps every line).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "runner.h"
#include "xalloc.h"

#define LEDGER_LINE_MAX ((size_t)16 << 20)

static char *ledger_path(const struct pipeline *pl)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/ledger.jsonl", pl->statedir);
	return sbuf_detach(&sb, NULL);
}

/* Creates dir if need be and checks that it is ours. */
static int own_dir(const char *dir, struct rs_error *err)
{
	if (mkdir(dir, 0755) && errno != EEXIST)
		return rs_err(err, "cannot create directory '%s': %s", dir,
			      strerror(errno));
	return state_dir_ok(dir, err);
}

/* A run number from a directory name: digits only, else 0. */
static long run_number(const char *s)
{
	char *end;
	long v;

	if (*s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end ? 0 : v;
}

static long max_run_dir(const char *runs)
{
	DIR *d = opendir(runs);
	struct dirent *e;
	long m = 0, v;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if ((v = run_number(e->d_name)) > m)
			m = v;
	closedir(d);
	return m;
}

json_t *ledger_read(const struct pipeline *pl)
{
	char *path = ledger_path(pl), *line = NULL;
	size_t cap = 0, lineno = 0;
	json_t *arr, *o;
	json_error_t je;
	ssize_t n;
	FILE *f;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		else if (errno != ENOENT)
			rs_warn("cannot read the ledger '%s': %s", path,
				strerror(errno));
		free(path);
		return NULL;
	}
	arr = json_array();
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if ((size_t)n > LEDGER_LINE_MAX)
			continue;
		o = json_loadb(line, (size_t)n, JSON_DISABLE_EOF_CHECK, &je);
		if (!o || !json_is_object(o)) {
			rs_warn("'%s':%zu:%d: skipping a ledger line that is "
				"not a JSON object (%s)", path, lineno,
				o ? 1 : je.column, o ? "not an object" : je.text);
			json_decref(o);
			continue;
		}
		json_array_append_new(arr, o);
	}
	free(line);
	fclose(f);
	free(path);
	return arr;
}

static long obj_run(const json_t *o)
{
	json_t *v = json_object_get(o, "run");

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

static const char *obj_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long obj_int(const json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

int history_begin(struct pipeline *pl, struct rs_error *err)
{
	struct sbuf sb;
	json_t *arr, *o;
	long id = 0, v;
	size_t i;
	int ret = -1;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%s/runs", pl->statedir);
	if (own_dir(sb.buf, err))
		goto out;
	id = max_run_dir(sb.buf);
	arr = ledger_read(pl);
	json_array_foreach(arr, i, o)
		if ((v = obj_run(o)) > id)
			id = v;
	json_decref(arr);
	id++;
	sbuf_addf(&sb, "/%ld", id);
	if (own_dir(sb.buf, err))
		goto out;
	free(pl->rundir);
	pl->rundir = xstrdup(sb.buf);
	pl->run_id = id;
	sbuf_adds(&sb, "/logs");
	if (own_dir(sb.buf, err))
		goto out;
	ret = 0;
out:
	sbuf_release(&sb);
	return ret;
}

/* Removes dir and the files in it (one level: a run's logs/). */
static void remove_run_dir(const char *dir)
{
	struct sbuf sb, sub;
	struct dirent *e;
	DIR *d;

	sbuf_init(&sub, 0);
	sbuf_addf(&sub, "%s/logs", dir);
	sbuf_init(&sb, 0);
	if ((d = opendir(sub.buf))) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.' && (!e->d_name[1] ||
			    (e->d_name[1] == '.' && !e->d_name[2])))
				continue;
			sbuf_reset(&sb);
			sbuf_addf(&sb, "%s/%s", sub.buf, e->d_name);
			unlink(sb.buf);
		}
		closedir(d);
	}
	sbuf_reset(&sb);
	sbuf_addf(&sb, "%s/published", dir);
	unlink(sb.buf);
	if ((rmdir(sub.buf) && errno != ENOENT) || rmdir(dir))
		rs_warn("cannot remove the old run directory '%s': %s", dir,
			strerror(errno));
	sbuf_release(&sb);
	sbuf_release(&sub);
}

void history_prune(const struct pipeline *pl)
{
	struct sbuf runs, sb;
	struct dirent *e;
	long v;
	DIR *d;

	if (!pl->run_id)
		return;
	sbuf_init(&runs, 0);
	sbuf_addf(&runs, "%s/runs", pl->statedir);
	sbuf_init(&sb, 0);
	if ((d = opendir(runs.buf))) {
		while ((e = readdir(d))) {
			v = run_number(e->d_name);
			if (!v || v > pl->run_id - pl->keep_runs)
				continue;
			sbuf_reset(&sb);
			sbuf_addf(&sb, "%s/%s", runs.buf, e->d_name);
			remove_run_dir(sb.buf);
		}
		closedir(d);
	}
	sbuf_release(&sb);
	sbuf_release(&runs);
	published_gc(pl);
}

void ledger_append(const struct pipeline *pl, json_t *obj)
{
	char *path = ledger_path(pl), *s;
	size_t len;
	int fd;

	s = json_dumps(obj, JSON_COMPACT);
	if (!s) {
		rs_warn("cannot encode a ledger line for '%s'", path);
		free(path);
		return;
	}
	len = strlen(s);
	s = xrealloc(s, len + 2);
	s[len++] = '\n';
	/* One write(2) per line with O_APPEND: lines never interleave. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0 || write(fd, s, len) != (ssize_t)len)
		rs_warn("cannot append to '%s': %s%s", path, strerror(errno),
			errno == ELOOP ? " (it is a symbolic link: remove it)" :
			"");
	if (fd >= 0)
		close(fd);
	free(s);
	free(path);
}

void ledger_files(json_t *obj, const char *key, const struct pathv *pv,
		  char (*hashes)[HASH_HEX])
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < pv->n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s}", "path",
				      pv->v[i].path, "hash",
				      hashes ? hashes[i] : "-"));
	json_object_set_new(obj, key, arr);
}

void ledger_summary(json_t *obj, const struct task *t)
{
	json_error_t je;
	json_t *sum, *v;
	size_t i, n;

	for (i = 0; i < t->outputs.n; i++) {
		n = strlen(t->outputs.v[i].path);
		if (n < 5 || strcmp(t->outputs.v[i].path + n - 5, ".json"))
			continue;
		sum = json_load_file(t->outputs.v[i].path, 0, &je);
		if (!sum || !json_is_integer(json_object_get(sum,
							      "rows_read"))) {
			json_decref(sum);
			continue;
		}
		json_object_set(obj, "rows_in", json_object_get(sum,
								 "rows_read"));
		if ((v = json_object_get(sum, "records")) && json_is_integer(v))
			json_object_set(obj, "rows_out", v);
		else if ((v = json_object_get(sum, "rows_written")) && json_is_integer(v))
			json_object_set(obj, "rows_out", v);
		if ((v = json_object_get(sum, "overlap")) &&
		    json_is_true(json_object_get(v, "accepted")) &&
		    json_is_integer(json_object_get(v, "paid_by_two"))) {
			json_object_set(obj, "overlap_accepted",
					json_object_get(v, "paid_by_two"));
			if (json_is_integer(json_object_get(v, "keys")))
				json_object_set(obj, "overlap_keys",
						json_object_get(v, "keys"));
		}
		if ((v = json_object_get(sum, "rejects")) && json_is_object(v))
			json_object_set(obj, "rejects", v);
		if ((v = json_object_get(sum, "reject_total")) &&
		    json_is_integer(v))
			json_object_set(obj, "reject_total", v);
		json_decref(sum);
		return;
	}
}

/* "2026-12-07T09:16:53.002Z" as local time "2026-12-07 10:16:53". */
static void local_time(const char *iso, char *out, size_t size)
{
	struct tm tm;
	time_t t;
	int sec;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &sec) != 6) {
		snprintf(out, size, "%s", *iso ? iso : "-");
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_sec = sec;
	t = timegm(&tm);
	localtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static double secs(const char *iso)
{
	struct tm tm;
	double s;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%d-%d-%dT%d:%d:%lf", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &s) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + s;
}

/* One run as {"run": N, "summary": the run line or null, "tasks": [...]}. */
static json_t *collect(json_t *arr, long id)
{
	json_t *o, *tasks = json_array(), *sum = NULL;
	size_t i;

	json_array_foreach(arr, i, o) {
		if (obj_run(o) != id)
			continue;
		if (!strcmp(obj_str(o, "kind"), "run"))
			sum = o;
		else
			json_array_append(tasks, o);
	}
	return json_pack("{s:I,s:O?,s:o}", "run", (json_int_t)id, "summary",
			 sum, "tasks", tasks);
}

/* The run numbers in the ledger, ascending, without repeats. */
static long *run_ids(json_t *arr, size_t *n)
{
	long *v = xcalloc(json_array_size(arr) + 1, sizeof(*v)), id;
	size_t i, k = 0;
	json_t *o;

	json_array_foreach(arr, i, o) {
		id = obj_run(o);
		if (id <= 0 || (k && v[k - 1] >= id))
			continue;   /* one run's lines are together */
		v[k++] = id;
	}
	*n = k;
	return v;
}

/*
 * The rows a task was told to accept (--accept-loss: "all" or reasons
 * separated by commas), from its rejects by reason; 0 when none. With sb,
 * appends "bad_amount 5338" for each reason.
 */
static long long accepted_rows(const json_t *t, struct sbuf *sb)
{
	const char *acc = obj_str(t, "accept_loss"), *key;
	json_t *v;
	long long n = 0;
	size_t len;

	if (!*acc)
		return 0;
	json_object_foreach(json_object_get(t, "rejects"), key, v) {
		const char *p = acc;

		len = strlen(key);
		while (strcmp(acc, "all") && *p &&
		       !(!strncmp(p, key, len) && (p[len] == ',' || !p[len])))
			p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p);
		if ((strcmp(acc, "all") && !*p) || json_integer_value(v) <= 0)
			continue;
		if (sb)
			sbuf_addf(sb, "%s%s %lld", n ? ", " : "", key,
				  (long long)json_integer_value(v));
		n += json_integer_value(v);
	}
	return n;
}

static void run_line(json_t *run, struct sbuf *sb)
{
	json_t *sum = json_object_get(run, "summary"), *tasks, *t;
	char when[32];
	const char *start = "";
	size_t i, ran = 0, failed = 0, up = 0;
	double took = -1;

	tasks = json_object_get(run, "tasks");
	if (json_is_object(sum)) {
		start = obj_str(sum, "start");
		took = secs(obj_str(sum, "end")) - secs(start);
		ran = (size_t)obj_int(sum, "ran", 0);
		up = (size_t)obj_int(sum, "up_to_date", 0);
		failed = (size_t)obj_int(sum, "failed", 0);
	} else {
		json_array_foreach(tasks, i, t) {
			if (!*start)
				start = obj_str(t, "start");
			ran += !strcmp(obj_str(t, "state"), "ok");
			up += !strcmp(obj_str(t, "state"), "up to date");
			failed += !strcmp(obj_str(t, "state"), "failed");
		}
	}
	local_time(start, when, sizeof(when));
	sbuf_addf(sb, "%5lld  %-19s  ", (long long)obj_int(run, "run", 0),
		  when);
	if (took >= 0)
		sbuf_addf(sb, "%7.1fs", took);
	else
		sbuf_addf(sb, "%8s", "-");
	sbuf_addf(sb, "  %4zu %10zu %6zu  ", ran, up, failed);
	if (json_is_object(sum))
		sbuf_addf(sb, "%lld", (long long)obj_int(sum, "exit", 0));
	else
		sbuf_adds(sb, "did not finish (killed?)");
	/* A run that published despite a loss over its gate says so. */
	json_array_foreach(tasks, i, t)
		if (accepted_rows(t, NULL) > 0 || obj_int(t, "overlap_accepted", 0) > 0)
			sbuf_addf(sb, "  loss accepted: %s", obj_str(t, "stage"));
	sbuf_addc(sb, '\n');
}

void history_last_failures(struct pipeline *pl)
{
	json_t *arr = ledger_read(pl), *o;
	const char *state, *reason;
	char when[32];
	struct sbuf sb;
	long last = 0;
	size_t i, k;
	struct task *t;
	int *seen;

	if (!arr)
		return;
	seen = xcalloc(pl->ntasks + 1, sizeof(*seen));
	for (i = json_array_size(arr); i-- > 0;) {
		o = json_array_get(arr, i);
		if (!last && !strcmp(obj_str(o, "kind"), "run"))
			last = obj_run(o);
		if (strcmp(obj_str(o, "kind"), "task") || !obj_run(o))
			continue;
		for (k = 0; k < pl->ntasks &&
			    strcmp(pl->tasks[k].name, obj_str(o, "stage")); k++)
			;
		if (k == pl->ntasks || seen[k]++)
			continue;
		/* Only the task's newest line counts: failed then ok is ok. */
		state = obj_str(o, "state");
		if (strcmp(state, "failed"))
			continue;
		t = &pl->tasks[k];
		local_time(obj_str(o, "end"), when, sizeof(when));
		reason = obj_str(o, "reason");
		if (!*reason)
			reason = *obj_str(o, "error") ? obj_str(o, "error") :
				 "exit code not recorded";
		sbuf_init(&sb, 0);
		if (obj_run(o) >= last)
			sbuf_addf(&sb, "failed in the last run (run %ld, %s): %s",
				  obj_run(o), when, reason);
		else
			sbuf_addf(&sb, "failed in run %ld (%s): %s",
				  obj_run(o), when, reason);
		free(t->last_failure);
		t->last_failure = sbuf_detach(&sb, NULL);
	}
	free(seen);
	json_decref(arr);
}

int history_runs(const struct pipeline *pl, int json)
{
	json_t *arr = ledger_read(pl), *out = json_array();
	struct sbuf sb;
	long *ids;
	size_t n = 0, i;
	char *s;

	ids = arr ? run_ids(arr, &n) : xcalloc(1, sizeof(*ids));
	sbuf_init(&sb, 0);
	if (!json)
		sbuf_addf(&sb, "%5s  %-19s  %8s  %4s %10s %6s  %s\n", "run",
			  "started", "took", "ran", "up to date", "failed",
			  "exit");
	for (i = 0; i < n; i++) {
		json_t *run = collect(arr, ids[i]);

		if (json)
			json_array_append(out, run);
		else
			run_line(run, &sb);
		json_decref(run);
	}
	if (json) {
		s = json_dumps(out, JSON_INDENT(1));
		printf("%s\n", s ? s : "[]");
		free(s);
	} else if (!n) {
		rs_info("no runs yet in '%s' (the ledger is '%s/ledger.jsonl')",
			pl->outdir, pl->statedir);
	} else {
		fputs(sb.buf, stdout);
	}
	sbuf_release(&sb);
	free(ids);
	json_decref(out);
	json_decref(arr);
	return 0;
}

static void task_text(const json_t *t, struct sbuf *sb)
{
	const char *state = obj_str(t, "state");
	json_t *rej = json_object_get(t, "rejects"), *v, *f;
	const char *key;
	size_t i;
	int first = 1;

	sbuf_addf(sb, "%-24s %-10s", obj_str(t, "stage"), *state ? state : "?");
	if (json_object_get(t, "exit")) {
		double d = secs(obj_str(t, "end")) - secs(obj_str(t, "start"));

		sbuf_addf(sb, " exit %lld in %.1fs",
			  (long long)obj_int(t, "exit", 0), d >= 0 ? d : 0);
	}
	if (json_object_get(t, "rows_in"))
		sbuf_addf(sb, ", rows %lld -> %lld",
			  (long long)obj_int(t, "rows_in", 0),
			  (long long)obj_int(t, "rows_out", 0));
	if (json_object_get(t, "reject_total"))
		sbuf_addf(sb, ", %lld rejected",
			  (long long)obj_int(t, "reject_total", 0));
	json_object_foreach(rej, key, v) {
		if (!json_integer_value(v))
			continue;
		sbuf_addf(sb, "%s%s %lld", first ? " (" : ", ", key,
			  (long long)json_integer_value(v));
		first = 0;
	}
	sbuf_adds(sb, first ? "\n" : ")\n");
	if (accepted_rows(t, NULL) > 0) {
		long long rows = obj_int(t, "rows_in", 0), n;

		sbuf_adds(sb, "    loss accepted (--accept-loss), published anyway: ");
		n = accepted_rows(t, sb);
		if (rows > 0)
			sbuf_addf(sb, " (%.2f%% of %lld rows)", 100.0 * (double)n / (double)rows, rows);
		sbuf_addc(sb, '\n');
	}
	if (obj_int(t, "overlap_accepted", 0) > 0) {
		long long n = obj_int(t, "overlap_accepted", 0);
		long long k = obj_int(t, "overlap_keys", 0);

		sbuf_addf(sb, "    overlap accepted (--accept-loss), published anyway: %lld payments (beneficiary, program, month) paid by two or more inputs",
			  n);
		if (k > 0)
			sbuf_addf(sb, " (%.2f%% of %lld)", 100.0 * (double)n / (double)k, k);
		sbuf_addc(sb, '\n');
	}
	json_array_foreach(json_object_get(t, "inputs"), i, f)
		sbuf_addf(sb, "    in   %.12s  %s\n", obj_str(f, "hash"),
			  obj_str(f, "path"));
	json_array_foreach(json_object_get(t, "params"), i, f)
		sbuf_addf(sb, "    par  %.12s  %s\n", obj_str(f, "hash"),
			  obj_str(f, "path"));
	json_array_foreach(json_object_get(t, "outputs"), i, f)
		sbuf_addf(sb, "    out  %.12s  %s\n", obj_str(f, "hash"),
			  obj_str(f, "path"));
	if (*obj_str(t, "log"))
		sbuf_addf(sb, "    log  %s\n", obj_str(t, "log"));
}

int history_show(const struct pipeline *pl, const char *which, int json)
{
	json_t *arr = ledger_read(pl), *run = NULL, *t, *sum;
	struct sbuf sb;
	long *ids, id;
	size_t n = 0, i;
	char when[32], *s;
	int ret = 2;

	ids = arr ? run_ids(arr, &n) : xcalloc(1, sizeof(*ids));
	if (!n) {
		rs_warn("no runs yet in '%s' (the ledger is '%s/ledger.jsonl'); "
			"run 'reliefstat run %s' first", pl->outdir,
			pl->statedir, pl->path);
		goto out;
	}
	id = which ? run_number(which) : ids[n - 1];
	for (i = 0; i < n && ids[i] != id; i++)
		;
	if (i == n) {
		rs_warn("no run '%s' in '%s/ledger.jsonl': runs are numbered "
			"%ld to %ld ('reliefstat runs %s' lists them)", which,
			pl->statedir, ids[0], ids[n - 1], pl->path);
		goto out;
	}
	run = collect(arr, id);
	if (json) {
		s = json_dumps(run, JSON_INDENT(1));
		printf("%s\n", s ? s : "{}");
		free(s);
		ret = 0;
		goto out;
	}
	sbuf_init(&sb, 0);
	sum = json_object_get(run, "summary");
	if (json_is_object(sum)) {
		local_time(obj_str(sum, "start"), when, sizeof(when));
		sbuf_addf(&sb, "run %ld, started %s, exit %lld: ran %lld, %lld "
			  "up to date, %lld failed, %lld not run\n", id, when,
			  (long long)obj_int(sum, "exit", 0),
			  (long long)obj_int(sum, "ran", 0),
			  (long long)obj_int(sum, "up_to_date", 0),
			  (long long)obj_int(sum, "failed", 0),
			  (long long)obj_int(sum, "not_run", 0));
	} else {
		sbuf_addf(&sb, "run %ld did not finish (killed?)\n", id);
	}
	json_array_foreach(json_object_get(run, "tasks"), i, t)
		task_text(t, &sb);
	fputs(sb.buf, stdout);
	sbuf_release(&sb);
	ret = 0;
out:
	free(ids);
	json_decref(run);
	json_decref(arr);
	return ret;
}
