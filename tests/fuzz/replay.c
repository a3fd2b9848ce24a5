/*
 * replay.c - a standalone main for the fuzz targets: runs
 * LLVMFuzzerTestOneInput once on each file named on the command line (a
 * directory: on each file in it, in name order). make test uses it to
 * replay tests/fuzz/regress/TARGET/ with the ordinary compiler, under the
 * sanitizers in a SANITIZE build. Exits 0 when every input ran.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzzlib.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf) {
				fclose(f);
				return -1;
			}
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, long *n)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t nn = 0, i, len;
	int ret = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "replay: '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = run_file(path);
		*n += !ret;
		return ret;
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (nn + 1) * sizeof(*names));
		if (!names)
			return -1;
		len = strlen(path) + strlen(e->d_name) + 2;
		names[nn] = malloc(len);
		if (!names[nn])
			return -1;
		snprintf(names[nn], len, "%s/%s", path, e->d_name);
		nn++;
	}
	closedir(d);
	if (nn)         /* qsort of no array is undefined: an empty seed folder */
		qsort(names, nn, sizeof(*names), cmp);
	for (i = 0; i < nn; i++) {
		if (run_path(names[i], n))
			ret = -1;
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	long n = 0;
	int i, ret = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &n))
			ret = 1;
	fprintf(stderr, "replay: %ld input%s ran\n", n, n == 1 ? "" : "s");
	return ret;
}
