/*
 * floor.c - the zlib floor of a stage (make bench).
 *
 *   floor [-p] [-L] [-l LEVEL] [-s STRATEGY] -i INPUT... -o OUTPUT=PLAIN...
 *
 * Does only the I/O a stage cannot avoid: reads each INPUT to its end the
 * way the stages do (gzread through a 256 KiB buffer, so plain files pass
 * through zlib's copy mode; with -p, plain read() as for rs-ingest's raw
 * export), then writes each OUTPUT with the bytes of the uncompressed file
 * PLAIN, gzip-compressed when OUTPUT ends in ".gz", the way common/fileio.c
 * does it: to a temporary file beside it, gzdopen "wb<level>" with a
 * 256 KiB buffer, fsync, rename, fsync of the directory. A stage's time
 * over its floor is then what the stage itself costs: parsing, checking,
 * hashing, formatting.
 *
 * LEVEL defaults to RS_GZIP_LEVEL read as rs_gzip_level() reads it (one
 * digit, else 1); STRATEGY is default, filtered, huffman, rle or fixed
 * (default: BENCH_GZ_STRATEGY, else zlib's default, as fileio.c uses).
 * Prints {"in_bytes":N,"out_bytes":N} (uncompressed bytes) on stdout.
 * Exit status 0, or 1 on any I/O error.
 *
 * With -L it is the libdeflate floor instead, for information: the stages
 * read and write their own gzip members (1 MiB of data each) with
 * libdeflate (common/fileio.c), so -L reads a gzip input member by member
 * with libdeflate_gzip_decompress_ex, and writes a .gz output as 1 MiB
 * members with libdeflate_gzip_compress at the same level, on one thread.
 * The zlib floor stays the one issue #9's target is measured against.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#define BUFSZ (256 * 1024)

static char buf[BUFSZ];

static int die(const char *what, const char *path)
{
	fprintf(stderr, "floor: %s '%s': %s\n", what, path, strerror(errno));
	exit(1);
}

static int level_from_env(void)
{
	const char *s = getenv("RS_GZIP_LEVEL");

	if (s && s[0] >= '0' && s[0] <= '9' && s[1] == '\0')
		return s[0] - '0';
	return 1;
}

static char strategy_char(const char *s)
{
	if (!s || !*s || !strcmp(s, "default"))
		return 0;
	if (!strcmp(s, "filtered"))
		return 'f';
	if (!strcmp(s, "huffman"))
		return 'h';
	if (!strcmp(s, "rle"))
		return 'R';
	if (!strcmp(s, "fixed"))
		return 'F';
	fprintf(stderr, "floor: unknown strategy '%s'\n", s);
	exit(2);
}

static unsigned long long read_plain(const char *path)
{
	unsigned long long total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		die("cannot open", path);
	while ((got = read(fd, buf, BUFSZ)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			die("cannot read", path);
		}
		total += (unsigned long long)got;
	}
	close(fd);
	return total;
}

static unsigned long long read_gz(const char *path)
{
	unsigned long long total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), got;
	gzFile gz;

	if (fd < 0)
		die("cannot open", path);
	gz = gzdopen(fd, "rb");
	if (!gz)
		die("cannot read", path);
	gzbuffer(gz, BUFSZ);
	while ((got = gzread(gz, buf, BUFSZ)) > 0)
		total += (unsigned long long)got;
	if (got < 0) {
		int e;
		fprintf(stderr, "floor: cannot read '%s': %s\n", path, gzerror(gz, &e));
		exit(1);
	}
	gzclose(gz);
	return total;
}

#define MEMBER (1024 * 1024)

/* -L: reads path's gzip members with libdeflate, 1 MiB of data each at
 * most (the stages' own); anything else is left to read_gz. */
static unsigned long long read_members(const char *path)
{
	static unsigned char out[MEMBER];
	unsigned long long total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t cap = 2 * MEMBER + 65536, len = 0, pos = 0;
	unsigned char *in = malloc(cap);
	int eof = 0;

	if (fd < 0)
		die("cannot open", path);
	if (!d || !in)
		die("out of memory reading", path);
	for (;;) {
		size_t used, made;
		ssize_t got;
		enum libdeflate_result rc;

		/* keep two members' worth of compressed bytes ahead */
		while (!eof && len - pos < 2 * MEMBER) {
			memmove(in, in + pos, len - pos);
			len -= pos;
			pos = 0;
			got = read(fd, in + len, cap - len);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				die("cannot read", path);
			if (!got)
				eof = 1;
			len += (size_t)got;
		}
		if (pos == len)
			break;
		if (len - pos < 2 || in[pos] != 0x1f || in[pos + 1] != 0x8b) {
			if (!total && !pos) {   /* not gzip: a plain file */
				close(fd);
				free(in);
				libdeflate_free_decompressor(d);
				return read_gz(path);
			}
			break;                  /* trailing bytes, as zlib */
		}
		rc = libdeflate_gzip_decompress_ex(d, in + pos, len - pos, out,
						   sizeof(out), &used, &made);
		if (rc != LIBDEFLATE_SUCCESS) {
			fprintf(stderr, "floor: '%s' is not members of 1 MiB (libdeflate %d)\n",
				path, (int)rc);
			exit(1);
		}
		pos += used;
		total += made;
	}
	close(fd);
	free(in);
	libdeflate_free_decompressor(d);
	return total;
}

static void write_all(int fd, const char *p, size_t n, const char *path)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("cannot write", path);
		}
		p += w;
		n -= (size_t)w;
	}
}

static void fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* -L: the bytes of src into fd as 1 MiB gzip members (libdeflate). */
static unsigned long long write_members(int fd, const char *dst, const char *src,
					int level)
{
	static char data[MEMBER];
	unsigned long long total = 0;
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	size_t bound = libdeflate_gzip_compress_bound(c, MEMBER), n;
	unsigned char *z = malloc(bound);
	int in = open(src, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (in < 0)
		die("cannot open", src);
	if (!c || !z)
		die("out of memory writing", dst);
	do {
		for (n = 0; n < MEMBER; n += (size_t)got) {
			got = read(in, data + n, MEMBER - n);
			if (got < 0 && errno == EINTR) {
				got = 0;
				continue;
			}
			if (got < 0)
				die("cannot read", src);
			if (!got)
				break;
		}
		if (n || !total) {
			size_t m = libdeflate_gzip_compress(c, data, n, z, bound);
			if (!m)
				die("cannot compress", dst);
			write_all(fd, (const char *)z, m, dst);
		}
		total += n;
	} while (n == MEMBER);
	close(in);
	free(z);
	libdeflate_free_compressor(c);
	return total;
}

/* Writes the bytes of src to dst as a stage's rs_out would (level >= 0:
 * -L, as libdeflate members). */
static unsigned long long write_out(const char *dst, const char *src,
				    const char *mode, int members_level)
{
	unsigned long long total = 0;
	size_t n = strlen(dst);
	int gzout = n > 3 && !strcmp(dst + n - 3, ".gz");
	char tmp[4096];
	int in, fd;
	ssize_t got;
	gzFile gz = NULL;

	struct stat st;
	/* /dev/null or a FIFO is written in place: a rename over the device
	 * as root would replace it with a plain file */
	int direct = !stat(dst, &st) && !S_ISREG(st.st_mode);

	if (direct)
		snprintf(tmp, sizeof(tmp), "%s", dst);
	else
		snprintf(tmp, sizeof(tmp), "%s.floor-tmp.%ld", dst, (long)getpid());
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("cannot open", src);
	fd = direct ? open(tmp, O_WRONLY | O_CLOEXEC) :
		open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("cannot create", tmp);
	if (gzout && members_level >= 0) {
		close(in);
		total = write_members(fd, dst, src, members_level);
		goto done;
	}
	if (gzout) {
		int dupfd = dup(fd);
		gz = dupfd >= 0 ? gzdopen(dupfd, mode) : NULL;
		if (!gz)
			die("cannot start gzip stream for", dst);
		gzbuffer(gz, BUFSZ);
	}
	while ((got = read(in, buf, BUFSZ)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			die("cannot read", src);
		}
		total += (unsigned long long)got;
		if (gz) {
			if (gzwrite(gz, buf, (unsigned)got) != (int)got)
				die("cannot write", dst);
		} else {
			write_all(fd, buf, (size_t)got, dst);
		}
	}
	close(in);
	if (gz && gzclose(gz) != Z_OK)
		die("cannot finish", dst);
done:
	if ((!direct && fsync(fd)) || close(fd))
		die("cannot sync", dst);
	if (direct)
		return total;
	if (rename(tmp, dst))
		die("cannot rename to", dst);
	fsync_dir(dst);
	return total;
}

int main(int argc, char **argv)
{
	unsigned long long in_bytes = 0, out_bytes = 0;
	const char *strategy = getenv("BENCH_GZ_STRATEGY");
	int plain = 0, level = level_from_env(), members = 0, i;
	char mode[8], sc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-p"))
			plain = 1;
		else if (!strcmp(argv[i], "-L"))
			members = 1;
		else if (!strcmp(argv[i], "-l") && i + 1 < argc)
			level = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			strategy = argv[++i];
		else if ((!strcmp(argv[i], "-i") || !strcmp(argv[i], "-o")) && i + 1 < argc)
			i++;
		else {
			fprintf(stderr, "usage: floor [-p] [-L] [-l LEVEL] [-s STRATEGY] -i INPUT... -o OUTPUT=PLAIN...\n");
			return 2;
		}
	}
	sc = strategy_char(strategy);
	if (sc)
		snprintf(mode, sizeof(mode), "wb%d%c", level, sc);
	else
		snprintf(mode, sizeof(mode), "wb%d", level);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-i"))
			in_bytes += plain ? read_plain(argv[i + 1]) :
				    members ? read_members(argv[i + 1]) : read_gz(argv[i + 1]);
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-s") ||
		    !strcmp(argv[i], "-i") || !strcmp(argv[i], "-o"))
			i++;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o")) {
			char *spec = argv[i + 1], *eq = strchr(spec, '=');
			if (!eq) {
				fprintf(stderr, "floor: -o wants OUTPUT=PLAIN, not '%s'\n", spec);
				return 2;
			}
			*eq = '\0';
			out_bytes += write_out(spec, eq + 1, mode, members ? level : -1);
		}
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-s") ||
		    !strcmp(argv[i], "-i") || !strcmp(argv[i], "-o"))
			i++;
	}
	printf("{\"in_bytes\":%llu,\"out_bytes\":%llu}\n", in_bytes, out_bytes);
	return 0;
}
