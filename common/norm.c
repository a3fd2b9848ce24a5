/*
 * norm.c - width folding and Traditional -> Simplified folding (see norm.h).
 *
 * OpenCC is loaded lazily on the first label that has a non-ASCII byte,
 * and its results are memoised in a small open-addressing table: exports
 * carry a handful of distinct labels repeated on every row.
 */
#include <opencc/opencc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "norm.h"
#include "xalloc.h"

void norm_width(const char *s, size_t n, struct sbuf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, start = out->len;

	/* Bytes that fold nothing are copied in runs: only EF and E3 can
	 * start a sequence that folds. */
	while (i < n) {
		if (p[i] != 0xEF && p[i] != 0xE3) {
			i++;
			continue;
		}
		/* U+FF01..U+FF5E: EF BC 81..EF BC BF, EF BD 80..EF BD 9E */
		if (i + 2 < n && p[i] == 0xEF && (p[i + 1] == 0xBC || p[i + 1] == 0xBD)) {
			unsigned cp = 0xFF00 | ((p[i + 1] & 0x03u) << 6) | (p[i + 2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				sbuf_add(out, s + run, i - run);
				sbuf_addc(out, (char)(cp - 0xFF01 + 0x21));
				i += 3;
				run = i;
				continue;
			}
		}
		if (i + 2 < n && p[i] == 0xE3 && p[i + 1] == 0x80 && p[i + 2] == 0x80) {
			sbuf_add(out, s + run, i - run);
			sbuf_addc(out, ' ');    /* U+3000 ideographic space */
			i += 3;
			run = i;
			continue;
		}
		i++;
	}
	sbuf_add(out, s + run, n - run);
	/* trim */
	while (out->len > start && (out->buf[out->len - 1] == ' ' ||
				    out->buf[out->len - 1] == '\t' ||
				    out->buf[out->len - 1] == '\r' ||
				    out->buf[out->len - 1] == '\n'))
		out->buf[--out->len] = '\0';
	{
		size_t k = start;
		while (k < out->len && (out->buf[k] == ' ' || out->buf[k] == '\t' ||
					out->buf[k] == '\r' || out->buf[k] == '\n'))
			k++;
		if (k > start) {
			memmove(out->buf + start, out->buf + k, out->len - k);
			out->len -= k - start;
			out->buf[out->len] = '\0';
		}
	}
}

struct cache_ent {
	char *in;
	char *out;
};

static opencc_t cc = (opencc_t)-1;
static struct cache_ent *cache;
static size_t cache_cap, cache_n;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void cache_put(char *in, char *out);

static void cache_grow(void)
{
	struct cache_ent *old = cache;
	size_t i, oldcap = cache_cap;

	cache_cap = cache_cap ? cache_cap * 2 : 256;
	cache = xcalloc(cache_cap, sizeof(*cache));
	cache_n = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].in)
			cache_put(old[i].in, old[i].out);
	free(old);
}

static void cache_put(char *in, char *out)
{
	size_t i;

	if ((cache_n + 1) * 2 > cache_cap)
		cache_grow();
	i = hash_str(in) & (cache_cap - 1);
	while (cache[i].in)
		i = (i + 1) & (cache_cap - 1);
	cache[i].in = in;
	cache[i].out = out;
	cache_n++;
}

static const char *cache_get(const char *in)
{
	size_t i;

	if (!cache_cap)
		return NULL;
	i = hash_str(in) & (cache_cap - 1);
	while (cache[i].in) {
		if (!strcmp(cache[i].in, in))
			return cache[i].out;
		i = (i + 1) & (cache_cap - 1);
	}
	return NULL;
}

#define CACHE_MAX 65536

/* norm_label's working buffer, kept between calls: it runs four times a
 * row in rs-ingest, and a buffer allocated and freed each time was a
 * visible share of it. */
static struct sbuf scratch;

int norm_label(const char *s, size_t n, struct sbuf *out, struct rs_error *err)
{
	struct sbuf *w = &scratch;
	const char *hit;
	char *conv;
	size_t i;
	int ascii = 1;

	if (!w->max)
		sbuf_init(w, 0);
	sbuf_reset(w);
	norm_width(s, n, w);
	for (i = 0; i < w->len; i++)
		if ((unsigned char)w->buf[i] >= 0x80) {
			ascii = 0;
			break;
		}
	if (ascii || !w->len) {
		sbuf_add(out, w->buf ? w->buf : "", w->len);
		return 0;
	}
	hit = cache_get(w->buf);
	if (hit) {
		sbuf_adds(out, hit);
		return 0;
	}
	if (cc == (opencc_t)-1) {
		cc = opencc_open("t2s.json");
		if (cc == (opencc_t)-1)
			return rs_err(err, "cannot load OpenCC's t2s.json (is the 'opencc' package installed?): %s",
				      opencc_error());
	}
	conv = opencc_convert_utf8(cc, w->buf, w->len);
	if (!conv)
		return rs_err(err, "OpenCC could not convert a label: %s", opencc_error());
	sbuf_adds(out, conv);
	if (cache_n < CACHE_MAX)
		cache_put(xstrndup(w->buf, w->len), xstrdup(conv));
	opencc_convert_utf8_free(conv);
	return 0;
}

void norm_release(void)
{
	size_t i;

	for (i = 0; i < cache_cap; i++) {
		free(cache[i].in);
		free(cache[i].out);
	}
	free(cache);
	cache = NULL;
	cache_cap = cache_n = 0;
	if (cc != (opencc_t)-1)
		opencc_close(cc);
	cc = (opencc_t)-1;
	sbuf_release(&scratch);
}

size_t norm_codepoints(const char *s, unsigned *out, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		unsigned char b = (unsigned char)*s;
		size_t k = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
		unsigned v = k == 1 ? b : b & (0x3F >> (k - 1));
		size_t j;
		for (j = 1; j < k && s[j]; j++)
			v = (v << 6) | ((unsigned char)s[j] & 0x3F);
		out[n++] = v;
		s += j;
	}
	return n;
}

size_t norm_distance(const char *a, const char *b)
{
	unsigned ca[NORM_DISTANCE_MAX], cb[NORM_DISTANCE_MAX];
	size_t na = norm_codepoints(a, ca, NORM_DISTANCE_MAX);
	size_t nb = norm_codepoints(b, cb, NORM_DISTANCE_MAX), i, j;
	size_t prev[NORM_DISTANCE_MAX + 1], cur[NORM_DISTANCE_MAX + 1];

	for (j = 0; j <= nb; j++)
		prev[j] = j;
	for (i = 1; i <= na; i++) {
		cur[0] = i;
		for (j = 1; j <= nb; j++) {
			size_t d = prev[j - 1] + (ca[i - 1] != cb[j - 1]);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[nb];
}
