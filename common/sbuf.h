/*
 * sbuf.h - a growable byte buffer with a ceiling.
 *
 * The buffer is always NUL-terminated (buf[len] == '\0'), so buf can be
 * used as a C string when the content has no NUL. Every buffer has a
 * maximum length set at init: an append that would pass it fails with -1
 * and leaves the buffer unaltered, so a hostile 2 GB field is an error,
 * not a crash. Allocation failure dies (xalloc).
 */
#ifndef RS_SBUF_H
#define RS_SBUF_H

#include <stddef.h>

struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
};

#define SBUF_DEFAULT_MAX ((size_t)64 << 20)

void sbuf_init(struct sbuf *sb, size_t max);
void sbuf_release(struct sbuf *sb);
static inline void sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}
/* Appends; returns 0, or -1 (buffer unaltered) past the ceiling. */
int sbuf_add(struct sbuf *sb, const void *p, size_t n);
int sbuf_addc(struct sbuf *sb, char c);
int sbuf_adds(struct sbuf *sb, const char *s);
int sbuf_addf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends v in decimal ("-42"), as "%lld" would, without printf: for
 * loops that write a number per row. */
int sbuf_add_int(struct sbuf *sb, long long v);
/* Appends s as one RFC 4180 CSV field (quoted only when needed). */
int sbuf_add_csv(struct sbuf *sb, const char *s, size_t n);
/* Detaches the string; the buffer is left empty. Caller frees. */
char *sbuf_detach(struct sbuf *sb, size_t *len);

#endif
