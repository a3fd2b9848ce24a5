/*
 * error.c - positioned error messages and stderr logging (see error.h).
 *
 * Every message is passed through id_mask_text() once formatted: a message
 * may quote a field of a damaged input, and a raw ID must never reach
 * stderr, a log or a ledger (SPEC.md section 5), whatever the caller quoted.
 */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "idnum.h"

/* Masks the ID-shaped tokens of the NUL-terminated msg in place. */
static void mask(char *msg)
{
	char out[4096];
	size_t n = strlen(msg);

	if (n >= sizeof(out))
		n = sizeof(out) - 1;
	id_mask_text(msg, n, out);
	memcpy(msg, out, n);
	msg[n] = '\0';
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

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	mask(err->msg);
	return -1;
}

int rs_err_prefix(struct rs_error *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t n;
	va_list ap;

	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
	mask(err->msg);
	return -1;
}

void rs_error_print(const struct rs_error *err)
{
	fprintf(stderr, "%s: %s\n", progname, err->msg);
}

static void vlog(const char *fmt, va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	mask(msg);
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
