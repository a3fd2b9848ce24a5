/*
 * ydoc.c - YAML document tree over libyaml's event parser (see ydoc.h).
 *
 * The only file that includes <yaml.h>. libyaml reports success as 1 and
 * failure as 0 with a problem_mark; here both become 0 / -1 and a message
 * "'file':line:column: problem". Aliases are refused outright: the files
 * we read (pipelines, mappings, rules, catalogs) never need them, and
 * refusing them removes the billion-laughs expansion at the root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "fileio.h"
#include "xalloc.h"
#include "ydoc.h"

struct builder {
	yaml_parser_t parser;
	const char *name;
	const char *buf;        /* the text, for a reader error's position */
	size_t len;
	size_t nodes;
};

static struct ynode *node_new(enum ynode_type t, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->type = t;
	n->line = (long)m->line + 1;
	n->col = (long)m->column + 1;
	return n;
}

static void node_free(struct ynode *n)
{
	size_t i, count;

	if (!n)
		return;
	count = n->type == YNODE_MAP ? 2 * n->n : n->n;
	for (i = 0; i < count; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n->scalar);
	free(n);
}

/* Appends to items; while a map is being built, n counts items, not pairs
 * (parse_node halves it at the end). */
static void node_push(struct ynode *parent, struct ynode *child, size_t *cap)
{
	if (parent->n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		parent->items = xreallocarray(parent->items, *cap,
					      sizeof(*parent->items));
	}
	parent->items[parent->n++] = child;
}

static int parse_error(struct builder *b, struct rs_error *err)
{
	yaml_parser_t *p = &b->parser;

	/* A reader error (a byte invalid in UTF-8, a control character)
	 * comes with a byte offset only: line and column are counted here,
	 * a lone CR ending a line as YAML says. */
	if (p->error == YAML_READER_ERROR) {
		unsigned long line = 1, col = 1;
		size_t i, end = p->problem_offset < b->len ? p->problem_offset : b->len;

		for (i = 0; i < end; i++) {
			if (b->buf[i] == '\n' ||
			    (b->buf[i] == '\r' && (i + 1 >= b->len || b->buf[i + 1] != '\n'))) {
				line++;
				col = 1;
			} else if (((unsigned char)b->buf[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		if (p->problem_value != -1)
			return rs_err(err, "'%s':%lu:%lu: %s (byte 0x%02x); save the file as UTF-8 without control characters",
				      b->name, line, col,
				      p->problem ? p->problem : "unreadable text",
				      (unsigned)p->problem_value & 0xFFu);
		return rs_err(err, "'%s':%lu:%lu: %s; save the file as UTF-8", b->name,
			      line, col, p->problem ? p->problem : "unreadable text");
	}
	if (p->error == YAML_MEMORY_ERROR)
		return rs_err(err, "'%s': out of memory while parsing", b->name);
	if (p->context)
		return rs_err(err, "'%s':%lu:%lu: %s %s that began at %lu:%lu", b->name,
			      (unsigned long)p->problem_mark.line + 1,
			      (unsigned long)p->problem_mark.column + 1,
			      p->problem ? p->problem : "syntax error",
			      p->context,
			      (unsigned long)p->context_mark.line + 1,
			      (unsigned long)p->context_mark.column + 1);
	return rs_err(err, "'%s':%lu:%lu: %s", b->name,
		      (unsigned long)p->problem_mark.line + 1,
		      (unsigned long)p->problem_mark.column + 1,
		      p->problem ? p->problem : "syntax error");
}

/* Orders key indices of a map by key, then by position. */
static int key_order(const void *a, const void *b, void *map)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(ynode_key(map, i)->scalar, ynode_key(map, j)->scalar);

	return c ? c : (i > j) - (i < j);
}

/*
 * Fails naming the first key (in file order) that repeats an earlier one.
 * Sorting keeps this O(n log n): comparing every pair made a map of 200k
 * keys take minutes, a denial of service in a 2 MB file.
 */
static int check_dup_keys(struct builder *b, const struct ynode *n,
			  struct rs_error *err)
{
	size_t *idx, i, dup = n->n;
	const struct ynode *k;

	if (n->n < 2)
		return 0;
	idx = xreallocarray(NULL, n->n, sizeof(*idx));
	for (i = 0; i < n->n; i++)
		idx[i] = i;
	qsort_r(idx, n->n, sizeof(*idx), key_order, (void *)n);
	for (i = 1; i < n->n; i++)
		if (idx[i] < dup && !strcmp(ynode_key(n, idx[i - 1])->scalar,
					    ynode_key(n, idx[i])->scalar))
			dup = idx[i];
	free(idx);
	if (dup == n->n)
		return 0;
	k = ynode_key(n, dup);
	return rs_err(err, "'%s':%ld:%ld: duplicate key '%s'", b->name,
		      k->line, k->col, k->scalar);
}

/*
 * Parses one node whose first event is ev (already taken). On success
 * *out holds the node. Recursion depth is bounded by YDOC_MAX_DEPTH.
 */
static int parse_node(struct builder *b, yaml_event_t *ev, int depth,
		      struct ynode **out, struct rs_error *err)
{
	struct ynode *n = NULL, *key = NULL;
	size_t cap = 0;
	int ret = -1, is_map;

	if (++b->nodes > YDOC_MAX_NODES)
		return rs_err(err, "'%s':%lu:%lu: document has more than %d nodes",
			      b->name, (unsigned long)ev->start_mark.line + 1,
			      (unsigned long)ev->start_mark.column + 1,
			      YDOC_MAX_NODES);
	if (depth > YDOC_MAX_DEPTH)
		return rs_err(err, "'%s':%lu:%lu: nesting deeper than %d levels",
			      b->name, (unsigned long)ev->start_mark.line + 1,
			      (unsigned long)ev->start_mark.column + 1,
			      YDOC_MAX_DEPTH);
	{
		/* Anchors and tags mean nothing in our files: refused, so a
		 * typo like '&' or '!' in a plain value is not silently eaten. */
		const yaml_char_t *anchor = NULL, *tag = NULL;
		int implicit = 1;

		if (ev->type == YAML_SCALAR_EVENT) {
			anchor = ev->data.scalar.anchor;
			tag = ev->data.scalar.tag;
			implicit = ev->data.scalar.plain_implicit ||
				   ev->data.scalar.quoted_implicit;
		} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
			anchor = ev->data.sequence_start.anchor;
			tag = ev->data.sequence_start.tag;
		} else if (ev->type == YAML_MAPPING_START_EVENT) {
			anchor = ev->data.mapping_start.anchor;
			tag = ev->data.mapping_start.tag;
		}
		if (anchor)
			return rs_err(err, "'%s':%lu:%lu: anchors (&%s) are not supported; write the value out",
				      b->name, (unsigned long)ev->start_mark.line + 1,
				      (unsigned long)ev->start_mark.column + 1,
				      (const char *)anchor);
		if (tag && !(implicit && ev->type == YAML_SCALAR_EVENT && !strcmp((const char *)tag, "!")))
			return rs_err(err, "'%s':%lu:%lu: tags (%s) are not supported; quote the value if it starts with '!'",
				      b->name, (unsigned long)ev->start_mark.line + 1,
				      (unsigned long)ev->start_mark.column + 1,
				      (const char *)tag);
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(YNODE_SCALAR, &ev->start_mark);
		n->scalar = xstrndup((const char *)ev->data.scalar.value,
				     ev->data.scalar.length);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		*out = n;
		return 0;
	case YAML_ALIAS_EVENT:
		return rs_err(err, "'%s':%lu:%lu: aliases (*name) are not supported",
			      b->name, (unsigned long)ev->start_mark.line + 1,
			      (unsigned long)ev->start_mark.column + 1);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		break;
	default:
		return rs_err(err, "'%s':%lu:%lu: unexpected YAML event", b->name,
			      (unsigned long)ev->start_mark.line + 1,
			      (unsigned long)ev->start_mark.column + 1);
	}
	/* Built as a flat sequence (a map's keys and values alternate) and
	 * typed at the end, so an error midway frees it as a sequence. */
	is_map = ev->type == YAML_MAPPING_START_EVENT;
	n = node_new(YNODE_SEQ, &ev->start_mark);
	for (;;) {
		yaml_event_t child;
		struct ynode *c = NULL;

		if (!yaml_parser_parse(&b->parser, &child)) {
			parse_error(b, err);
			goto out;
		}
		if (child.type == YAML_SEQUENCE_END_EVENT ||
		    child.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&child);
			break;
		}
		if (parse_node(b, &child, depth + 1, &c, err)) {
			yaml_event_delete(&child);
			goto out;
		}
		yaml_event_delete(&child);
		if (!is_map || key) {
			/* A sequence item, or the value for the pending key:
			 * maps store key/value pairs flat in items. */
			node_push(n, c, &cap);
			key = NULL;
		} else if (c->type != YNODE_SCALAR) {
			rs_err(err, "'%s':%ld:%ld: a mapping key must be a plain value",
			       b->name, c->line, c->col);
			node_free(c);
			goto out;
		} else {
			node_push(n, c, &cap);
			key = c;
		}
	}
	if (key) {
		rs_err(err, "'%s':%ld:%ld: key '%s' has no value", b->name,
		       key->line, key->col, key->scalar);
		goto out;
	}
	if (is_map) {
		n->type = YNODE_MAP;
		n->n /= 2;
		if (check_dup_keys(b, n, err))
			goto out;
	}
	*out = n;
	n = NULL;
	ret = 0;
out:
	node_free(n);
	return ret;
}

int ydoc_load_mem(struct ydoc *doc, const char *name, const char *buf,
		  size_t len, struct rs_error *err)
{
	struct builder b;
	yaml_event_t ev;
	int ret = -1, done = 0;

	memset(doc, 0, sizeof(*doc));
	memset(&b, 0, sizeof(b));
	b.name = name;
	b.buf = buf;
	b.len = len;
	if (!yaml_parser_initialize(&b.parser))
		return rs_err(err, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&b.parser, &ev)) {
			parse_error(&b, err);
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (ev.data.document_start.version_directive ||
			    ev.data.document_start.tag_directives.start !=
			    ev.data.document_start.tag_directives.end) {
				rs_err(err, "'%s':%lu:%lu: directives (%%YAML, %%TAG) are not supported; remove the line",
				       name, (unsigned long)ev.start_mark.line + 1,
				       (unsigned long)ev.start_mark.column + 1);
				yaml_event_delete(&ev);
				goto out;
			}
			if (doc->root) {
				rs_err(err, "'%s':%lu:%lu: only one YAML document is allowed",
				       name, (unsigned long)ev.start_mark.line + 1,
				       (unsigned long)ev.start_mark.column + 1);
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
		case YAML_ALIAS_EVENT:
			if (parse_node(&b, &ev, 0, &doc->root, err)) {
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	doc->path = xstrdup(name);
	ret = 0;
out:
	yaml_parser_delete(&b.parser);
	if (ret) {
		node_free(doc->root);
		doc->root = NULL;
	}
	return ret;
}

int ydoc_load(struct ydoc *doc, const char *path, struct rs_error *err)
{
	char *buf;
	size_t len;
	int ret;

	memset(doc, 0, sizeof(*doc));
	if (rs_read_file(path, YDOC_MAX_FILE, &buf, &len, err))
		return -1;
	ret = ydoc_load_mem(doc, path, buf, len, err);
	free(buf);
	return ret;
}

void ydoc_release(struct ydoc *doc)
{
	node_free(doc->root);
	free(doc->path);
	doc->root = NULL;
	doc->path = NULL;
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->type != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (!strcmp(ynode_key(map, i)->scalar, key))
			return ynode_val(map, i);
	return NULL;
}

int ynode_err(const struct ydoc *doc, const struct ynode *node,
	      struct rs_error *err, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!node)
		return rs_err(err, "'%s': %s", doc->path ? doc->path : "?", msg);
	return rs_err(err, "'%s':%ld:%ld: %s", doc->path ? doc->path : "?",
		      node->line, node->col, msg);
}

static int is_null_scalar(const struct ynode *n)
{
	return n->type == YNODE_SCALAR && !n->quoted &&
	       (!strcmp(n->scalar, "") || !strcmp(n->scalar, "~") ||
		!strcmp(n->scalar, "null"));
}

int ynode_str(const struct ydoc *doc, const struct ynode *map,
	      const char *key, int required, const char **out,
	      struct rs_error *err)
{
	const struct ynode *v = ynode_get(map, key);

	if (!v || is_null_scalar(v)) {
		if (required)
			return ynode_err(doc, map, err, "'%s' is required", key);
		return 0;
	}
	if (v->type != YNODE_SCALAR)
		return ynode_err(doc, v, err, "'%s' must be a single value", key);
	*out = v->scalar;
	return 0;
}

int ynode_long(const struct ydoc *doc, const struct ynode *map,
	       const char *key, int required, long min, long max, long *out,
	       struct rs_error *err)
{
	const char *s = NULL;
	char *end;
	long v;

	if (ynode_str(doc, map, key, required, &s, err))
		return -1;
	if (!s)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return ynode_err(doc, ynode_get(map, key), err,
				 "'%s' must be a whole number from %ld to %ld, not '%s'",
				 key, min, max, s);
	*out = v;
	return 0;
}

int ynode_bool(const struct ydoc *doc, const struct ynode *map,
	       const char *key, int required, int *out, struct rs_error *err)
{
	const char *s = NULL;

	if (ynode_str(doc, map, key, required, &s, err))
		return -1;
	if (!s)
		return 0;
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
		*out = 0;
	else
		return ynode_err(doc, ynode_get(map, key), err,
				 "'%s' must be true or false, not '%s'", key, s);
	return 0;
}

int ynode_check_keys(const struct ydoc *doc, const struct ynode *map,
		     const char *const *allowed, struct rs_error *err)
{
	size_t i, j;

	if (!map || map->type != YNODE_MAP)
		return 0;
	for (i = 0; i < map->n; i++) {
		const struct ynode *k = ynode_key(map, i);
		for (j = 0; allowed[j]; j++)
			if (!strcmp(k->scalar, allowed[j]))
				break;
		if (!allowed[j])
			return ynode_err(doc, k, err, "unknown key '%s'", k->scalar);
	}
	return 0;
}
