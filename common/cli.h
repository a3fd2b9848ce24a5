/*
 * cli.h - what every program's command line says the same way: the
 * version line and a usage error.
 */
#ifndef RS_CLI_H
#define RS_CLI_H

/* Prints "PROG VERSION" on stdout and returns 0 (the exit code). */
int rs_cli_version(void);

/* Prints "PROG: MSG 'ARG'" (ARG may be NULL) and the hint to --help on
 * stderr, and returns 2 (the exit code of a usage error). */
int rs_cli_usage_error(const char *msg, const char *arg);

#endif
