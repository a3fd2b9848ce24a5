/*
 * ydoc.h - a small YAML document tree over libyaml, with positions.
 *
 * This is the one place that talks to libyaml. Every YAML loader (pipeline,
 * mapping, rules, catalog) loads a file into a tree of nodes, each carrying
 * its line and column, and reads values with the accessors below; errors name
 * "file:line:column". Aliases are refused and nesting depth and node count
 * are capped, so a YAML bomb is an error, not an exhaustion.
 */
#ifndef RS_YDOC_H
#define RS_YDOC_H

#include <stddef.h>

#include "error.h"

enum ynode_type { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_type type;
	long line, col;          /* 1-based position of the node */
	char *scalar;            /* YNODE_SCALAR: the value (UTF-8) */
	int quoted;              /* the scalar was quoted in the file */
	size_t n;                /* SEQ: items; MAP: pairs */
	struct ynode **items;    /* SEQ items; MAP: keys at 2i, values at 2i+1 */
};

struct ydoc {
	char *path;
	struct ynode *root;      /* NULL for an empty document */
};

#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_NODES 1000000
#define YDOC_MAX_FILE ((size_t)64 << 20)   /* the largest file ydoc_load reads */

/* Loads path. On error fills err ("'f':L:C: message") and returns -1. */
int ydoc_load(struct ydoc *doc, const char *path, struct rs_error *err);
/* Same, from a memory buffer; name is used in messages. */
int ydoc_load_mem(struct ydoc *doc, const char *name, const char *buf,
		  size_t len, struct rs_error *err);
void ydoc_release(struct ydoc *doc);

/* The value of key in a map node, or NULL (also when node is not a map). */
struct ynode *ynode_get(const struct ynode *map, const char *key);
/* Key i / value i of a map node. */
static inline struct ynode *ynode_key(const struct ynode *m, size_t i)
{
	return m->items[2 * i];
}
static inline struct ynode *ynode_val(const struct ynode *m, size_t i)
{
	return m->items[2 * i + 1];
}

/*
 * Typed accessors. Each returns 0, or -1 with err filled naming the document
 * and the node's position ("'f':L:C: 'key' must be a string"). A missing
 * optional key leaves *out unchanged and returns 0.
 */
int ynode_str(const struct ydoc *doc, const struct ynode *map,
	      const char *key, int required, const char **out,
	      struct rs_error *err);
int ynode_long(const struct ydoc *doc, const struct ynode *map,
	       const char *key, int required, long min, long max, long *out,
	       struct rs_error *err);
int ynode_bool(const struct ydoc *doc, const struct ynode *map,
	       const char *key, int required, int *out, struct rs_error *err);
/* Fails with a positioned error: "'f':L:C: message". Returns -1. */
int ynode_err(const struct ydoc *doc, const struct ynode *node,
	      struct rs_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Fails if map has a key outside the NULL-terminated list (catches typos). */
int ynode_check_keys(const struct ydoc *doc, const struct ynode *map,
		     const char *const *allowed, struct rs_error *err);

#endif
