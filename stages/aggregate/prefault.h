/*
 * prefault.h - the pages of a block made ready ahead of the thread that
 * fills it, by a helper thread.
 *
 * The leaves' block grows by 58 bytes a record. Each new page costs the
 * filling thread a fault and the zeroing of the page (in a virtual
 * machine, often the host's work of backing it, too), and the thread that
 * reads the records is the pipeline's critical path, while the other core
 * has room. So a helper thread asks the kernel for the pages a little
 * ahead (MADV_POPULATE_WRITE), which leaves their contents alone, so it
 * needs no lock against the writer. Memory is what is filled plus at most
 * the distance ahead.
 */
#ifndef RS_AGGREGATE_PREFAULT_H
#define RS_AGGREGATE_PREFAULT_H

#include <stddef.h>

struct prefault;

/* Starts the helper thread. Returns NULL when it cannot be started (then
 * the other functions do nothing when passed NULL). */
struct prefault *prefault_start(void);

/* The block to work on, or base NULL for none; returns once the helper no
 * longer touches the previous block, so the caller may then move or free
 * it. */
void prefault_set(struct prefault *pf, void *base, size_t len);

/* used bytes from base are written: make pages ready a little past them. */
void prefault_upto(struct prefault *pf, size_t used);

/* Ends the helper thread and frees pf. */
void prefault_stop(struct prefault *pf);

#endif
