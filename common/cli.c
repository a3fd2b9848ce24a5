/*
 * cli.c - the version line and usage errors shared by every program, so
 * that -V and a wrong option read the same everywhere.
 */
#include <stdio.h>

#include "cli.h"
#include "error.h"

int rs_cli_version(void)
{
	printf("%s %s\n", rs_progname(), RS_VERSION);
	return 0;
}

int rs_cli_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s%s\n", rs_progname(), msg, arg ? " '" : "",
		arg ? arg : "", arg ? "'" : "");
	fprintf(stderr, "Try '%s --help' for more information.\n", rs_progname());
	return 2;
}
