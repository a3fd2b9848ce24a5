/*
 * sbuf.c - growable buffer with a ceiling (see sbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "xalloc.h"

void sbuf_init(struct sbuf *sb, size_t max)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max ? max : SBUF_DEFAULT_MAX;
}

void sbuf_release(struct sbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

static int grow(struct sbuf *sb, size_t extra)
{
	size_t want;

	if (extra > sb->max || sb->len > sb->max - extra)
		return -1;
	want = sb->len + extra + 1;
	if (want <= sb->cap)
		return 0;
	if (sb->cap < 64)
		sb->cap = 64;
	while (sb->cap < want)
		sb->cap = sb->cap / 2 * 3;
	sb->buf = xrealloc(sb->buf, sb->cap);
	return 0;
}

int sbuf_add(struct sbuf *sb, const void *p, size_t n)
{
	if (grow(sb, n))
		return -1;
	if (n)
		memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sbuf_addc(struct sbuf *sb, char c)
{
	if (sb->len + 1 < sb->cap) {
		sb->buf[sb->len++] = c;
		sb->buf[sb->len] = '\0';
		return 0;
	}
	return sbuf_add(sb, &c, 1);
}

int sbuf_adds(struct sbuf *sb, const char *s)
{
	return sbuf_add(sb, s, strlen(s));
}

int sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return sbuf_add(sb, small, (size_t)n);
	if (grow(sb, (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

int sbuf_add_int(struct sbuf *sb, long long v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *d = e;
	unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v :
			       (unsigned long long)v;

	do {
		*--d = (char)('0' + a % 10);
		a /= 10;
	} while (a);
	if (v < 0)
		*--d = '-';
	return sbuf_add(sb, d, (size_t)(e - d));
}

int sbuf_add_csv(struct sbuf *sb, const char *s, size_t n)
{
	size_t i;
	int quote = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == ',' || c == '"' || c == '\n' || c == '\r') {
			quote = 1;
			break;
		}
	}
	if (!quote)
		return sbuf_add(sb, s, n);
	if (sbuf_addc(sb, '"'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '"' && sbuf_addc(sb, '"'))
			return -1;
		if (sbuf_addc(sb, s[i]))
			return -1;
	}
	return sbuf_addc(sb, '"');
}

char *sbuf_detach(struct sbuf *sb, size_t *len)
{
	char *p = sb->buf ? sb->buf : xstrdup("");

	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}
