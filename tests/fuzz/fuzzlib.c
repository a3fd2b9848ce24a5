/*
 * fuzzlib.c - helpers shared by the fuzz targets (see fuzzlib.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzzlib.h"
#include "idnum.h"

#define NSLOTS 4

static int memfds[NSLOTS] = { -1, -1, -1, -1 };
static char fdpath[NSLOTS][64];
static char tmpdir[PATH_MAX];
static char root[PATH_MAX];

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: property failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz harness: %s: %s\n", what, strerror(errno));
	exit(99);
}

const char *fuzz_file(int slot, const void *data, size_t size)
{
	const char *p = data;
	size_t off = 0;

	if (slot < 0 || slot >= NSLOTS)
		abort();
	if (memfds[slot] < 0) {
		memfds[slot] = memfd_create("rs-fuzz", 0);
		if (memfds[slot] < 0)
			die("memfd_create");
		snprintf(fdpath[slot], sizeof(fdpath[slot]), "/proc/self/fd/%d",
			 memfds[slot]);
	}
	if (ftruncate(memfds[slot], 0))
		die("ftruncate");
	while (off < size) {
		ssize_t w = pwrite(memfds[slot], p + off, size - off, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("pwrite");
		}
		off += (size_t)w;
	}
	return fdpath[slot];
}

static void rm_tmpdir(void)
{
	char cmd[PATH_MAX + 32];

	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "fuzz harness: cannot remove %s\n", tmpdir);
}

const char *fuzz_tmpdir(void)
{
	struct stat st;
	const char *base;

	if (tmpdir[0])
		return tmpdir;
	base = !stat("/dev/shm", &st) && S_ISDIR(st.st_mode) &&
	       !access("/dev/shm", W_OK) ? "/dev/shm" : getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/rs-fuzz.XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		die("mkdtemp");
	atexit(rm_tmpdir);
	return tmpdir;
}

const char *fuzz_tmp(int slot, const char *name)
{
	static char buf[8][2 * PATH_MAX];

	snprintf(buf[slot & 7], sizeof(buf[0]), "%s/%s", fuzz_tmpdir(), name);
	return buf[slot & 7];
}

const char *fuzz_root(void)
{
	ssize_t n;
	int i;

	if (root[0])
		return root;
	if (getenv("RS_ROOT")) {
		snprintf(root, sizeof(root), "%s", getenv("RS_ROOT"));
		return root;
	}
	n = readlink("/proc/self/exe", root, sizeof(root) - 1);
	if (n < 0)
		die("readlink /proc/self/exe");
	root[n] = '\0';
	for (i = 0; i < 2; i++) {
		char *slash = strrchr(root, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return root;
}

const char *fuzz_path(int slot, const char *rel)
{
	static char buf[16][2 * PATH_MAX];

	snprintf(buf[slot & 15], sizeof(buf[0]), "%s/%s", fuzz_root(), rel);
	return buf[slot & 15];
}

/* Folds full-width digits and Ｘ/ｘ to ASCII in place; returns the new length. */
static size_t fold(unsigned char *s, size_t n)
{
	size_t i = 0, k = 0;

	while (i < n) {
		if (i + 2 < n && s[i] == 0xEF && s[i + 1] == 0xBC &&
		    s[i + 2] >= 0x90 && s[i + 2] <= 0x99) {
			s[k++] = (unsigned char)('0' + s[i + 2] - 0x90);
			i += 3;
		} else if (i + 2 < n && s[i] == 0xEF &&
			   ((s[i + 1] == 0xBC && s[i + 2] == 0xB8) ||
			    (s[i + 1] == 0xBD && s[i + 2] == 0x98))) {
			s[k++] = 'X';
			i += 3;
		} else {
			s[k++] = s[i++];
		}
	}
	return k;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

void fuzz_check_no_id(const char *path)
{
	gzFile gz = gzopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, i;
	int got;

	if (!gz)
		return;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			buf = realloc(buf, cap);
			if (!buf)
				die("realloc");
		}
		got = gzread(gz, buf + len, (unsigned)(cap - len));
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	gzclose(gz);
	len = fold(buf, len);
	for (i = 0; i + 18 <= len; i++) {
		size_t j = i;
		char id[19], out[19];

		if (!is_digit(buf[i]) || (i > 0 && is_digit(buf[i - 1])))
			continue;
		while (j < len && is_digit(buf[j]))
			j++;
		if (j - i == 17 && j < len && (buf[j] == 'X' || buf[j] == 'x'))
			j++;
		else if (j - i != 18 || (j < len && (buf[j] == 'X' || buf[j] == 'x')))
			continue;
		memcpy(id, buf + i, 18);
		id[18] = '\0';
		if (id_check(id, 18, 99991231, out) == ID_OK)
			fuzz_fail("raw ID %.6s...%.4s appears in '%s' at byte %zu",
				  id, id + 14, path, i);
	}
	free(buf);
}
