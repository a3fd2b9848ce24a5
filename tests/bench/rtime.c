/*
 * rtime.c - run one command and record what it cost (make bench).
 *
 *   rtime -o COST.json -- PROGRAM [ARG...]
 *
 * Runs PROGRAM, waits for it with wait4() and writes one JSON object to
 * COST.json: wall seconds (CLOCK_MONOTONIC, microsecond resolution), user
 * and system CPU seconds and peak resident set size in KiB of the command
 * and every descendant it waited for (ru_maxrss is the largest of them),
 * and its exit status (128 + signal when killed), and the CPU seconds the
 * whole machine was busy meanwhile (from /proc/stat; busy minus the
 * command's own CPU is what other processes took: a noisy neighbour shows
 * up there). The command's standard streams are left alone. rtime exits with the command's status, so a
 * failing stage stops the bench.
 *
 * It stands in for GNU time's "-f '%e %U %S %M'", which only gives
 * hundredths of a second and is not installed everywhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds all cores spent not idle since boot (-1 if unknown). */
static double machine_busy(void)
{
	unsigned long long v[10] = { 0 }, busy = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n, i;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	if (n < 8 || hz <= 0)
		return -1;
	/* user nice system idle iowait irq softirq steal [guest guest_nice]:
	 * guest time is already counted in user. */
	for (i = 0; i < 8; i++)
		if (i != 3 && i != 4)
			busy += v[i];
	return (double)busy / (double)hz;
}

static double tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	const char *outpath = NULL;
	struct rusage ru;
	double t0, t1, b0, b1;
	int i = 1, status, code;
	pid_t pid;
	FILE *f;

	if (i + 1 < argc && !strcmp(argv[i], "-o")) {
		outpath = argv[i + 1];
		i += 2;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (!outpath || i >= argc) {
		fprintf(stderr, "usage: rtime -o COST.json -- PROGRAM [ARG...]\n");
		return 2;
	}
	b0 = machine_busy();
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("rtime: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[i], argv + i);
		fprintf(stderr, "rtime: cannot run '%s': %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("rtime: wait4");
			return 2;
		}
	}
	t1 = now();
	b1 = machine_busy();
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	       WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	f = fopen(outpath, "w");
	if (!f) {
		fprintf(stderr, "rtime: cannot write '%s': %s\n", outpath, strerror(errno));
		return 2;
	}
	fprintf(f, "{\"wall\":%.6f,\"user\":%.6f,\"sys\":%.6f,\"maxrss_kib\":%ld,\"exit\":%d,\"machine_busy\":%.2f}\n",
		t1 - t0, tv(ru.ru_utime), tv(ru.ru_stime), ru.ru_maxrss, code,
		b0 >= 0 && b1 >= 0 ? b1 - b0 : -1.0);
	if (fclose(f)) {
		fprintf(stderr, "rtime: cannot write '%s'\n", outpath);
		return 2;
	}
	return code;
}
