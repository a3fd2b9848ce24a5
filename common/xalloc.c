/*
 * xalloc.c - allocation wrappers that die on out-of-memory (see xalloc.h).
 *
 * Dying removes the temporary files of outputs still open first, so an
 * out-of-memory exit leaves nothing behind but the previous outputs.
 *
 * In a fault-injection build (make FAULT=1, -DRS_FAULT_INJECTION) the
 * environment variable RS_FAIL_ALLOC=N makes the Nth allocation through
 * these wrappers fail as if memory were exhausted, so that a test can walk
 * every allocation of a run in turn (tests/t_faults.sh), as curl's and
 * SQLite's torture tests do. Ordinary builds ignore the variable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "error.h"
#include "fileio.h"
#include "xalloc.h"

#ifdef RS_FAULT_INJECTION
static int fault_alloc(void)
{
	static long fail_at = -1, count;

	if (fail_at < 0) {
		const char *s = getenv("RS_FAIL_ALLOC");
		fail_at = s ? strtol(s, NULL, 10) : 0;
	}
	return fail_at > 0 && ++count == fail_at;
}
#else
#define fault_alloc() 0
#endif

static void oom(size_t n)
{
	rs_out_abort_all();
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n",
		rs_progname(), n);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = fault_alloc() ? NULL : malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = fault_alloc() ? NULL : calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = fault_alloc() ? NULL : realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, nmemb * size);
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void advise_huge(void *p, size_t n)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t hi = ((uintptr_t)p + n) & ~(huge - 1);

#ifdef MADV_HUGEPAGE
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)lo;
	(void)hi;
#endif
}
