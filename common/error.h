/*
 * error.h - positioned errors and program-wide logging.
 *
 * Library functions never exit: on failure they fill a caller's struct
 * rs_error and return -1 (rs_err() does both in one statement, so callers
 * write `return rs_err(err, "...")` or `ret = rs_err(...); goto out;`).
 * Only a program's main() decides the exit code; it prints err->msg with
 * rs_error_print(). Messages are lowercase, say what failed first, quote
 * the subject and give the position: "unterminated quote in 'x.csv' at 42:7".
 * Every message is masked like a reject's raw text (id_mask_text): an
 * ID-shaped token quoted from a damaged input never reaches the screen.
 */
#ifndef RS_ERROR_H
#define RS_ERROR_H

#include <stdarg.h>

struct rs_error {
	char msg[1024];
};

/* Formats msg into err (truncating if needed) and returns -1. */
int rs_err(struct rs_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes an existing message: "ctx: old message". Returns -1. */
int rs_err_prefix(struct rs_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets the program name used in log lines (call first thing in main). */
void rs_set_progname(const char *argv0);
const char *rs_progname(void);

/* Logging to stderr: "prog: message\n". rs_info is silenced by rs_quiet. */
void rs_error_print(const struct rs_error *err);
void rs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rs_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int rs_quiet;

#endif
