/*
 * error.c - positioned error messages and stderr logging (see error.h).
 *
 * Every message is passed through id_mask_text() once formatted: a message
 * may quote a field of a damaged input, and a raw ID must never reach
 * stderr, a log or a ledger (SPEC.md section 5), whatever the caller quoted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "idnum.h"
#include "xalloc.h"

/* The shortest a cut quoted value keeps of its text. */
#define CUT_KEEP 16

/*
 * Finishes the n bytes of msg (heap, formatted in full) into dst: masks
 * its ID-shaped tokens (on the whole text, before any cut), escapes
 * control characters (\n, \r, \t, \xNN: a log line stays one line),
 * and, when it is too long for dst, cuts the end of the longest quoted
 * value ('abc...') rather than the message's end, so the file and line that
 * follow a quoted value survive. Frees msg.
 */
static void finish(char *dst, size_t dstsz, char *msg, size_t n)
{
	char *m = xmalloc(n + 1), *e;
	size_t i, k = 0;

	id_mask_text(msg, n, m);
	free(msg);
	e = xmalloc(4 * n + 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)m[i];

		if (c >= 0x20 && c != 0x7F) {
			e[k++] = (char)c;
			continue;
		}
		e[k++] = '\\';
		if (c == '\n')
			e[k++] = 'n';
		else if (c == '\r')
			e[k++] = 'r';
		else if (c == '\t')
			e[k++] = 't';
		else
			k += (size_t)snprintf(e + k, 4, "x%02x", c);
	}
	e[k] = '\0';
	free(m);
	while (k >= dstsz) {
		size_t best = 0, blen = 0, q = (size_t)-1, excess, keep;

		/* quotes pair up left to right: the longest value between */
		for (i = 0; i < k; i++) {
			if (e[i] != '\'')
				continue;
			if (q == (size_t)-1) {
				q = i;
			} else {
				if (i - q - 1 > blen) {
					blen = i - q - 1;
					best = q + 1;
				}
				q = (size_t)-1;
			}
		}
		excess = k - (dstsz - 1) + 3;   /* room for "..." */
		if (blen < excess + CUT_KEEP)
			break;
		keep = blen - excess;
		while (keep && ((unsigned char)e[best + keep] & 0xC0) == 0x80)
			keep--;   /* cut on a UTF-8 character's first byte */
		memcpy(e + best + keep, "...", 3);
		memmove(e + best + keep + 3, e + best + blen, k - (best + blen) + 1);
		k = best + keep + 3 + (k - (best + blen));
	}
	if (k >= dstsz) {
		k = dstsz - 1;
		while (k && ((unsigned char)e[k] & 0xC0) == 0x80)
			k--;
	}
	memcpy(dst, e, k);
	dst[k] = '\0';
	free(e);
}

/* Formats fmt in full on the heap; *n gets its length. */
static char *format(size_t *n, const char *fmt, va_list ap)
{
	va_list aq;
	char *s;
	int len;

	va_copy(aq, ap);
	len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0)
		len = 0;
	s = xmalloc((size_t)len + 1);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	s[len] = '\0';
	*n = (size_t)len;
	return s;
}

int rs_quiet;
static const char *progname = "reliefstat";

void rs_set_progname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	progname = slash ? slash + 1 : argv0;
}

const char *rs_progname(void)
{
	return progname;
}

int rs_err(struct rs_error *err, const char *fmt, ...)
{
	va_list ap;
	size_t n;
	char *s;

	if (!err)
		return -1;
	va_start(ap, fmt);
	s = format(&n, fmt, ap);
	va_end(ap);
	finish(err->msg, sizeof(err->msg), s, n);
	return -1;
}

int rs_err_prefix(struct rs_error *err, const char *fmt, ...)
{
	size_t n, olen;
	va_list ap;
	char *s;

	if (!err)
		return -1;
	va_start(ap, fmt);
	s = format(&n, fmt, ap);
	va_end(ap);
	/* the old message is masked and escaped already: finish is idempotent on it */
	olen = strlen(err->msg);
	s = xrealloc(s, n + 2 + olen + 1);
	memcpy(s + n, ": ", 2);
	memcpy(s + n + 2, err->msg, olen + 1);
	finish(err->msg, sizeof(err->msg), s, n + 2 + olen);
	return -1;
}

void rs_error_print(const struct rs_error *err)
{
	fprintf(stderr, "%s: %s\n", progname, err->msg);
}

static void vlog(const char *fmt, va_list ap)
{
	char msg[4096];
	size_t n;
	char *s = format(&n, fmt, ap);

	finish(msg, sizeof(msg), s, n);
	fprintf(stderr, "%s: %s\n", progname, msg);
}

void rs_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void rs_info(const char *fmt, ...)
{
	va_list ap;

	if (rs_quiet)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
