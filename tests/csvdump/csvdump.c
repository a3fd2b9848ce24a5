/*
 * csvdump - test tool: reads a CSV file through common/csvin and prints
 * each record as a JSON array of strings, one per line, prefixed with the
 * physical line it starts on and its flags. Used by tests/t_csv.sh to check
 * the reader against csv-spectrum and the line-number contract.
 *
 * RS_CSV_BLOCK=N reads N bytes at a time instead of 1 MiB, so that a test
 * can put records across many block ends and compare the dump with the
 * default one. RS_CSV_MAX_RECORD=N sets the record limit (default 1 MiB).
 * RS_CSVDUMP_RAW=1 appends each record's raw text.
 *
 * With --read N it copies the file's data to stdout through common/fileio
 * alone, in reads of N bytes, so that tests/t_gzip.sh can compare it with gzip -dc byte for byte at read
 * sizes that take each of the gzip decoders' paths.
 *
 * With --write OUT it copies stdin to OUT through common/fileio's writer
 * (gzip when OUT ends in .gz), so that tests can write data of any kind,
 * incompressible too, the way the stages write theirs.
 *
 * With --placements N it makes stdin (one block, up to 1 MiB) into the
 * gzip member a level 1 compressing thread makes of it, N times, with
 * ISA-L's stream region at N places 256 KiB apart, and fails when the
 * members differ: their bytes must not depend on where memory lies
 * (ISA-L's did, see isal_place in common/fileio.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "canon.h"
#include "cli.h"
#include "csvin.h"
#include "fileio.h"
#include "sbuf.h"
#include "xalloc.h"

static int on_row(const struct csv_row *row, void *ctx, struct rs_error *err)
{
	struct sbuf sb;
	size_t i;

	(void)err;
	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "%ld %s%s%s%s", row->line, row->bad_encoding ? "E" : "",
		  row->unterminated ? "U" : "", row->too_long ? "L" : "",
		  row->no_eol ? "N" : "");
	{
		json_t *a = json_array(), *raw;

		for (i = 0; i < row->n; i++)
			json_array_append_new(a, json_text(row->f[i].p));
		json_to_sbuf(a, &sb);
		json_decref(a);
		if (*(const int *)ctx) {
			sbuf_adds(&sb, " raw ");
			raw = json_text(row->raw);
			json_to_sbuf(raw, &sb);
			json_decref(raw);
		}
	}
	sbuf_addc(&sb, '\n');
	fputs(sb.buf, stdout);
	sbuf_release(&sb);
	return 0;
}

/* Copies path's data to stdout in reads of n bytes: 0, or -1 with err. */
static int copy_data(const char *path, size_t n, struct rs_error *err)
{
	struct rs_in in;
	char *buf;
	long got;

	if (rs_in_open(&in, path, err))
		return -1;
	buf = xmalloc(n);
	while ((got = rs_in_read(&in, buf, n, err)) > 0)
		fwrite(buf, 1, (size_t)got, stdout);
	rs_in_close(&in);
	free(buf);
	if (got == 0 && fflush(stdout))
		got = rs_err(err, "cannot write to stdout");
	return got < 0 ? -1 : 0;
}

/* Copies stdin to path through rs_out: 0, or -1 with err. */
static int write_data(const char *path, struct rs_error *err)
{
	struct rs_out out;
	char buf[65536];
	size_t got;

	if (rs_out_open(&out, path, 0644, err))
		return -1;
	while ((got = fread(buf, 1, sizeof(buf), stdin)) > 0)
		rs_out_write(&out, buf, got);
	if (ferror(stdin)) {
		rs_out_abort(&out);
		return rs_err(err, "cannot read stdin");
	}
	return rs_out_commit(&out, err);
}

/* Makes stdin into one member at n places; 0 when all are the same,
 * 1 when they differ, -1 with err on failure. */
static int placements(long n, struct rs_error *err)
{
	size_t cap = 2 * 1048576 + 4096, len0 = 0, got, step = 256 * 1024;
	size_t msz = rs_gz_isal_mem_size(), span = (size_t)n * step + msz;
	unsigned char *in = xmalloc(1048576 + 1), *out0 = xmalloc(cap), *out = xmalloc(cap);
	char *map;
	long i, differ = 0;
	int ret = -1;

	got = fread(in, 1, 1048576 + 1, stdin);
	if (ferror(stdin) || got > 1048576) {
		rs_err(err, "--placements: stdin is not one block of up to 1 MiB");
		goto out;
	}
	map = mmap(NULL, span, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		rs_err(err, "--placements: cannot map %zu bytes", span);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char *mem = map + (size_t)i * step;
		size_t len = rs_gz_isal_member_at(in, got, i ? out : out0, cap, mem);

		if (!i)
			len0 = len;
		else if (len != len0 || memcmp(out, out0, len))
			differ++;
		/* give the pages back: n places would hold n streams */
		madvise(mem, msz, MADV_DONTNEED);
	}
	munmap(map, span);
	printf("%ld places, member of %zu bytes (%zu compressed), %ld differ\n",
	       n, got, len0, differ);
	ret = !len0 || differ ? 1 : 0;
out:
	free(in);
	free(out0);
	free(out);
	return ret;
}

static const char usage[] =
"usage: rs-csvdump FILE [utf-8|gb18030|auto]\n"
"       rs-csvdump --read N FILE\n"
"       rs-csvdump --write OUT < DATA\n"
"       rs-csvdump --placements N < BLOCK\n"
"\n"
"A test tool: prints each record of FILE as the reader sees it (a JSON\n"
"array of strings, after the physical line it starts on and its flags).\n"
"--read N copies a (gzip) file's data to stdout in reads of N bytes;\n"
"--write OUT copies stdin to OUT (gzip when OUT ends in .gz);\n"
"--placements N makes stdin one ISA-L member at N memory places and\n"
"fails when they differ.\n"
"RS_CSV_BLOCK=N, RS_CSV_MAX_RECORD=N, RS_CSVDUMP_RAW=1: see its source.\n"
"\n"
"  -h, --help     show this help and exit\n"
"  -V, --version  show the version and exit\n";

int main(int argc, char **argv)
{
	struct csvin_opts o;
	struct rs_error err;
	const char *blk = getenv("RS_CSV_BLOCK"), *raw = getenv("RS_CSVDUMP_RAW");
	int want_raw = raw && *raw == '1';

	memset(&o, 0, sizeof(o));
	o.encoding = RS_ENC_AUTO;
	o.delim = ',';
	if (blk)
		o.block = (size_t)strtoul(blk, NULL, 10);
	if (getenv("RS_CSV_MAX_RECORD"))
		o.max_record = (size_t)strtoul(getenv("RS_CSV_MAX_RECORD"), NULL, 10);
	rs_set_progname(argv[0]);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")))
		return rs_cli_version();
	if (argc >= 4 && !strcmp(argv[1], "--read")) {
		long n = strtol(argv[2], NULL, 10);
		if (n <= 0 || argc != 4) {
			fprintf(stderr, "usage: csvdump --read N FILE\n");
			return 2;
		}
		if (copy_data(argv[3], (size_t)n, &err)) {
			fprintf(stderr, "csvdump: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--write")) {
		if (write_data(argv[2], &err)) {
			fprintf(stderr, "csvdump: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--placements")) {
		long n = strtol(argv[2], NULL, 10);
		int r;

		if (n <= 0 || n > 65536) {
			fprintf(stderr, "usage: csvdump --placements N < BLOCK\n");
			return 2;
		}
		r = placements(n, &err);
		if (r < 0)
			fprintf(stderr, "csvdump: %s\n", err.msg);
		return r ? 1 : 0;
	}
	if (argc != 2 && argc != 3) {
		fputs(usage, stderr);
		return 2;
	}
	if (argc == 3 && rs_encoding_parse(argv[2], &o.encoding)) {
		fprintf(stderr, "csvdump: bad encoding\n");
		return 2;
	}
	if (csvin_read(argv[1], &o, on_row, &want_raw, &err)) {
		fprintf(stderr, "csvdump: %s\n", err.msg);
		return 1;
	}
	return 0;
}
