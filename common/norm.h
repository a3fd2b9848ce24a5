/*
 * norm.h - text normalisation before matching.
 *
 * Labels and headers from exports are folded before they are compared with
 * a mapping or the catalog: full-width ASCII becomes ASCII (（）→ (),
 * ２０２４ → 2024), the ideographic space becomes a space, surrounding white
 * space goes, and Traditional characters are folded to Simplified with
 * OpenCC's t2s conversion, so a mapping written in Simplified matches a
 * Traditional export.
 */
#ifndef RS_NORM_H
#define RS_NORM_H

#include <stddef.h>

#include "error.h"
#include "sbuf.h"

/* Full-width ASCII (U+FF01..U+FF5E) and U+3000 to ASCII, then trims. */
void norm_width(const char *s, size_t n, struct sbuf *out);

/* norm_width, then Traditional -> Simplified. Returns 0, or -1 with err
 * filled when OpenCC cannot be loaded. Results are cached, so folding the
 * same few labels millions of times costs a hash lookup. */
int norm_label(const char *s, size_t n, struct sbuf *out, struct rs_error *err);

/* The code points of UTF-8 s, at most max of them, into out; returns how
 * many. A byte sequence cut short ends the text. This function can't fail. */
size_t norm_codepoints(const char *s, unsigned *out, size_t max);

/* Edit distance (Levenshtein) between two texts in characters, over their
 * first NORM_DISTANCE_MAX characters: for "did you mean" in messages.
 * This function can't fail. */
#define NORM_DISTANCE_MAX 64
size_t norm_distance(const char *a, const char *b);

/* Releases the OpenCC handle and the cache. */
void norm_release(void);

#endif
