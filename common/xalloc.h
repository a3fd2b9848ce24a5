/*
 * xalloc.h - allocation wrappers that never return NULL.
 *
 * Every allocation in reliefstat goes through these. On out-of-memory they
 * print one line naming the program and exit with status 1, so call sites
 * carry no NULL checks. Sizes are checked for overflow before multiplying.
 */
#ifndef RS_XALLOC_H
#define RS_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: realloc p to nmemb * size bytes, dying on overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/*
 * Advises transparent huge pages for the 2 MiB-aligned interior of
 * [p, p + n): for big tables probed at random, where each lookup would
 * otherwise miss the TLB as well as the cache. Only advice: a kernel
 * without THP ignores it, and nothing fails.
 */
void advise_huge(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

#endif
