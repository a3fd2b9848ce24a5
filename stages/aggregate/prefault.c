/*
 * prefault.c - pages made ready ahead of a block's writer (see prefault.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"
#include "xalloc.h"

#define PREFAULT_AHEAD ((size_t)32 << 20)   /* the most made ready past the writer */
#define PREFAULT_CHUNK ((size_t)4 << 20)    /* asked for at once */

struct prefault {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *base;             /* NULL: no block */
	size_t len;
	size_t want, done;      /* bytes from base to make ready, made ready */
	int busy;               /* the helper is in madvise on base */
	int quit;
};

static void *prefault_main(void *arg)
{
	struct prefault *pf = arg;
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t pg = page > 0 ? (uintptr_t)page : 4096;

	pthread_mutex_lock(&pf->mu);
	for (;;) {
		uintptr_t a, b;
		size_t n;
		int bad;
		while (!pf->quit && (!pf->base || pf->done >= pf->want))
			pthread_cond_wait(&pf->cv, &pf->mu);
		if (pf->quit)
			break;
		n = pf->want - pf->done;
		if (n > PREFAULT_CHUNK)
			n = PREFAULT_CHUNK;
		a = (uintptr_t)(pf->base + pf->done) & ~(pg - 1);
		b = ((uintptr_t)(pf->base + pf->done + n) + pg - 1) & ~(pg - 1);
		pf->busy = 1;
		pthread_mutex_unlock(&pf->mu);
#ifdef MADV_POPULATE_WRITE
		bad = madvise((void *)a, b - a, MADV_POPULATE_WRITE) && b > a;
#else
		bad = 1;
#endif
		pthread_mutex_lock(&pf->mu);
		pf->busy = 0;
		pf->done += n;
		/* a kernel without MADV_POPULATE_WRITE: nothing more to do */
		if (bad)
			pf->base = NULL;
		pthread_cond_broadcast(&pf->cv);
	}
	pthread_mutex_unlock(&pf->mu);
	return NULL;
}

struct prefault *prefault_start(void)
{
	struct prefault *pf = xcalloc(1, sizeof(*pf));

	pthread_mutex_init(&pf->mu, NULL);
	pthread_cond_init(&pf->cv, NULL);
	if (pthread_create(&pf->thread, NULL, prefault_main, pf)) {
		pthread_mutex_destroy(&pf->mu);
		pthread_cond_destroy(&pf->cv);
		free(pf);
		return NULL;
	}
	return pf;
}

void prefault_set(struct prefault *pf, void *base, size_t len)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	while (pf->busy)
		pthread_cond_wait(&pf->cv, &pf->mu);
	pf->base = base;
	pf->len = base ? len : 0;
	pf->want = pf->done = 0;
	pthread_mutex_unlock(&pf->mu);
}

void prefault_upto(struct prefault *pf, size_t used)
{
	size_t want;

	if (!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	want = used + PREFAULT_AHEAD < pf->len ? used + PREFAULT_AHEAD : pf->len;
	if (pf->base && want > pf->want) {
		pf->want = want;
		if (!pf->busy && pf->done < used)
			pf->done = used;   /* written pages are there already */
		pthread_cond_broadcast(&pf->cv);
	}
	pthread_mutex_unlock(&pf->mu);
}

void prefault_stop(struct prefault *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->quit = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	pthread_join(pf->thread, NULL);
	pthread_mutex_destroy(&pf->mu);
	pthread_cond_destroy(&pf->cv);
	free(pf);
}
