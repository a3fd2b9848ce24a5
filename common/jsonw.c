/*
 * jsonw.c - strings and compact text for the JSON the stages write, by
 * jansson.
 */
#include <string.h>

#include "csvscan.h"
#include "jsonw.h"

json_t *json_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), ok;
	struct sbuf sb;
	json_t *v;

	if (rs_utf8_prefix(p, n) == n)
		return json_stringn_nocheck(s, n);
	sbuf_init(&sb, n + 16);
	while (n) {
		ok = rs_utf8_prefix(p, n);
		sbuf_add(&sb, p, ok);
		p += ok;
		n -= ok;
		if (n) {
			sbuf_adds(&sb, "\xEF\xBF\xBD");      /* U+FFFD */
			p++;
			n--;
		}
	}
	v = json_stringn_nocheck(sb.buf ? sb.buf : "", sb.len);
	sbuf_release(&sb);
	return v;
}

static int to_sbuf(const char *buf, size_t n, void *data)
{
	return sbuf_add(data, buf, n) ? -1 : 0;
}

int json_to_sbuf(const json_t *v, struct sbuf *sb)
{
	/* %.6g, as the rates were always written: 0.05, not 0.050000000000000003 */
	return json_dump_callback(v, to_sbuf, sb, JSON_COMPACT | JSON_ENCODE_ANY |
				  JSON_REAL_PRECISION(6)) ? -1 : 0;
}
