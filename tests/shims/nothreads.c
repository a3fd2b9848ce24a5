/*
 * nothreads.c - a test shim, preloaded in front of libc (LD_PRELOAD): every
 * pthread_create after the first RS_SHIM_THREADS (default none) fails with
 * EAGAIN, as clone does on a machine out of threads or processes. The
 * tests use it to check that a program given fewer threads than it asks
 * for writes the same bytes (tests/lib.sh thread_shim).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
	static int made;
	const char *s = getenv("RS_SHIM_THREADS");
	int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

	if (__atomic_fetch_add(&made, 1, __ATOMIC_SEQ_CST) >= (s ? atoi(s) : 0))
		return EAGAIN;
	real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))
		dlsym(RTLD_NEXT, "pthread_create");
	return real ? real(t, a, f, arg) : EAGAIN;
}
