/*
 * fuzzlib.h - what the fuzz targets share: a fuzz input as a file path,
 * a private scratch directory, the source tree's sample configuration, and
 * the identity check every target's outputs must pass.
 *
 * Each target (fuzz_*.c) defines LLVMFuzzerTestOneInput. Built with clang's
 * -fsanitize=fuzzer it is a libFuzzer binary (make fuzz); built with the
 * ordinary compiler it is linked with replay.c into a program that runs the
 * files named on its command line once each (make test replays
 * tests/fuzz/regress/ that way).
 */
#ifndef RS_FUZZLIB_H
#define RS_FUZZLIB_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Puts data in an in-memory file (a memfd, reused between calls) and
 * returns a path that opens it ("/proc/self/fd/N"). Dies on failure: the
 * harness, not the code under test, is broken then. slot picks one of a few
 * independent files, for targets that need several inputs at once.
 */
const char *fuzz_file(int slot, const void *data, size_t size);

/* A private directory (on tmpfs when there is one), removed at exit. */
const char *fuzz_tmpdir(void);
/* fuzz_tmpdir()/name, in a static buffer per slot (0..7). */
const char *fuzz_tmp(int slot, const char *name);
/* The source tree: two levels above the program (ROOT/bin/rs-fuzz-x). */
const char *fuzz_root(void);
/* fuzz_root()/rel, in a static buffer per slot (0..15). */
const char *fuzz_path(int slot, const char *rel);

/*
 * The identity check (SPEC.md section 5): aborts if the file at path
 * (gzip or plain) holds a whole raw ID, a valid 18-character resident ID
 * in ASCII or full-width digits, anywhere. A missing file passes.
 */
void fuzz_check_no_id(const char *path);

/* Aborts with a message: a property of the code under test failed. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
