/*
 * jsonw.h - writing JSON (stage summaries, the runner's listings) with
 * jansson: build json_t values, then json_to_sbuf. Nothing here writes
 * JSON text by hand.
 */
#ifndef RS_JSONW_H
#define RS_JSONW_H

#include <jansson.h>

#include "sbuf.h"

/* s as a JSON string. Text that is not valid UTF-8 (a file name in GBK
 * bytes, say) keeps its valid runs and each stray byte becomes U+FFFD, so
 * what is written is still JSON. Never NULL. */
json_t *json_text(const char *s);
/* v (any value) as compact JSON, members in the order set, appended to sb.
 * Returns 0, or -1 when jansson cannot encode it (out of memory). */
int json_to_sbuf(const json_t *v, struct sbuf *sb);

#endif
