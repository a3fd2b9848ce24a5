/*
 * rfloor.c - the real-codec floor of a stage (make bench): bin/rs-floor.
 *
 *   rs-floor -i INPUT... -o OUTPUT=PLAIN...
 *
 * Does only the I/O a stage cannot avoid, with the stage's own code for it
 * (common/fileio.c, linked in): reads each INPUT to its end through
 * rs_in_read in blocks of RS_GZ_BLOCK, as csvscan's reading thread does
 * (our gzip members decoded by ISA-L, a plain file passed through zlib's
 * copy mode), on a thread of its own; meanwhile the main thread writes each
 * OUTPUT with the bytes of the uncompressed file PLAIN through rs_out, as a
 * stage does: ISA-L level 1 members on fileio.c's two compressing threads
 * for a .gz over one block, one zlib stream for a smaller one, a temporary
 * file, fsync, rename. So the floor uses as many threads as the stage
 * (a reader, a producer, two compressors) and the same codec, level and
 * member cuts: the stage's time over it is what parsing, checking, hashing
 * and formatting cost. RS_GZIP_LEVEL and RS_GZIP_NO_ISAL act as on the
 * stages.
 *
 * Prints {"in_bytes":N,"out_bytes":N} (uncompressed bytes) on stdout.
 * Exit status 0, 1 on any I/O error, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "fileio.h"
#include "xalloc.h"

#define PLAIN_CHUNK (256 * 1024)

static const char usage[] =
"usage: rs-floor -i INPUT... -o OUTPUT=PLAIN...\n"
"\n"
"The I/O floor of a stage, for make bench: reads each INPUT (gzip or\n"
"plain) to its end through common/fileio.c on a thread of its own, as a\n"
"stage's reader does, while writing each OUTPUT with the bytes of the\n"
"uncompressed file PLAIN as a stage writes its outputs (gzip members on\n"
"the compressing threads for a .gz name over 1 MiB, a temporary file,\n"
"fsync, rename). RS_GZIP_LEVEL and RS_GZIP_NO_ISAL act as on the stages.\n"
"\n"
"Prints {\"in_bytes\":N,\"out_bytes\":N} (uncompressed bytes) on stdout.\n"
"\n"
"Options:\n"
"  -i INPUT         a file to read (repeatable)\n"
"  -o OUTPUT=PLAIN  write OUTPUT with PLAIN's bytes (repeatable)\n"
"  -h, --help       show this help and exit\n"
"  -V, --version    show the version and exit\n"
"\n"
"Exit status: 0 success, 1 an I/O error, 2 a usage error.\n";

struct reader {
	char **paths;
	size_t n;
	unsigned long long bytes;
	int failed;
	struct rs_error err;
};

static void *read_main(void *arg)
{
	struct reader *r = arg;
	char *buf = xmalloc(RS_GZ_BLOCK);
	size_t i;

	for (i = 0; i < r->n && !r->failed; i++) {
		struct rs_in in;
		long got;

		if (rs_in_open(&in, r->paths[i], &r->err)) {
			r->failed = 1;
			break;
		}
		while ((got = rs_in_read(&in, buf, RS_GZ_BLOCK, &r->err)) > 0)
			r->bytes += (unsigned long long)got;
		if (got < 0)
			r->failed = 1;
		rs_in_close(&in);
	}
	free(buf);
	return NULL;
}

/* Writes the bytes of plain to dst as a stage's rs_out does. */
static int write_out(const char *dst, const char *plain,
		     unsigned long long *bytes, struct rs_error *err)
{
	char *buf = xmalloc(PLAIN_CHUNK);
	struct rs_out o;
	ssize_t got;
	int fd, ret = -1;

	fd = open(plain, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rs_err(err, "cannot open '%s': %s", plain, strerror(errno));
		goto out;
	}
	if (rs_out_open(&o, dst, 0644, err))
		goto out;
	while ((got = read(fd, buf, PLAIN_CHUNK)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rs_err(err, "cannot read '%s': %s", plain, strerror(errno));
			rs_out_abort(&o);
			goto out;
		}
		rs_out_write(&o, buf, (size_t)got);
		*bytes += (unsigned long long)got;
	}
	ret = rs_out_commit(&o, err);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int main(int argc, char **argv)
{
	struct reader r = { 0 };
	unsigned long long out_bytes = 0;
	struct rs_error err;
	pthread_t th;
	int i, started, ret = 0;

	rs_set_progname(argv[0]);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version"))
			return rs_cli_version();
	}
	r.paths = xcalloc((size_t)argc, sizeof(*r.paths));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			r.paths[r.n++] = argv[++i];
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc &&
			   strchr(argv[i + 1], '=')) {
			i++;
		} else {
			const char *why = !strcmp(argv[i], "-o") && i + 1 < argc ?
				"-o takes OUTPUT=PLAIN, not" :
				!strcmp(argv[i], "-i") || !strcmp(argv[i], "-o") ?
				"option needs an argument:" : argv[i][0] == '-' ?
				"unknown option" : "unexpected argument";

			free(r.paths);
			return rs_cli_usage_error(why, argv[i + (!strcmp(argv[i], "-o") && i + 1 < argc)]);
		}
	}
	if (argc < 2) {
		free(r.paths);
		return rs_cli_usage_error("nothing to do: give -i INPUT or -o OUTPUT=PLAIN", NULL);
	}
	started = !pthread_create(&th, NULL, read_main, &r);
	if (!started)
		read_main(&r);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o")) {
			char *spec = argv[++i], *eq = strchr(spec, '=');

			*eq = '\0';
			if (!ret && write_out(spec, eq + 1, &out_bytes, &err)) {
				fprintf(stderr, "rs-floor: %s\n", err.msg);
				ret = 1;
			}
		} else {
			i++;
		}
	}
	if (started)
		pthread_join(th, NULL);
	if (r.failed) {
		fprintf(stderr, "rs-floor: %s\n", r.err.msg);
		ret = 1;
	}
	free(r.paths);
	if (!ret)
		printf("{\"in_bytes\":%llu,\"out_bytes\":%llu}\n", r.bytes, out_bytes);
	return ret;
}
