/*
 * fuzz_mask.c - id_mask_text (common/idnum.c) on an ID written however a
 * clerk, a converter or a damaged file may write it.
 *
 * The input's first 18 bytes pick what goes between the ID's characters
 * and after it (nothing, a blank, - . /, NBSP, U+3000, a zero-width space,
 * a NUL, an invalid byte, U+FFFD, full-width digits, one digit too many);
 * the rest is the text around it, split at a point the input picks. The
 * property (issue 26): masked, the text keeps its length, and the ID's
 * own positions show at most 13 of its 18 characters -- in fact the mask
 * leaves 10 -- whatever stands beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzzlib.h"
#include "idnum.h"

static const char *const seps[] = {
	"", "", "", "", " ", "-", ".", "/", "\xC2\xA0", "\xE3\x80\x80",
	"\xE2\x80\x8B", "\0", "\xFF", "\xEF\xBF\xBD", " - ", "\t", "_",
	"\xEF\xBC\x8D", "\\", "\r\n",
};
#define NSEP (sizeof(seps) / sizeof(seps[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char id[] = "350212195803023775";
	const uint8_t *pick = data, *text = data + 18;
	size_t ntext, cut, n = 0, i, k, visible = 0, at[19];
	char *in, *out;
	int fullwidth;

	if (size < 19)
		return 0;
	ntext = size - 18;
	cut = pick[0] % (ntext + 1);
	fullwidth = pick[1] == 0xFF;
	in = malloc(ntext + 19 * 8 + 8);
	out = malloc(ntext + 19 * 8 + 8 + 1);
	if (!in || !out)
		fuzz_fail("out of memory");
	memcpy(in, text, cut);
	n = cut;
	for (i = 0; i < 18; i++) {
		const char *sep;
		size_t sl;

		at[i] = n;
		if (fullwidth && id[i] >= '0' && id[i] <= '9') {
			memcpy(in + n, "\xEF\xBC", 2);
			in[n + 2] = (char)(0x90 + (id[i] - '0'));
			n += 3;
		} else {
			in[n++] = id[i];
		}
		if (i == 17)
			break;
		sep = seps[pick[i] % NSEP];
		/* "\0" is one byte: a NUL inside the ID */
		sl = pick[i] % NSEP == 11 ? 1 : strlen(sep);
		memcpy(in + n, sep, sl);
		n += sl;
	}
	k = 18;
	if (pick[2] == 0xEE) {          /* one digit too many */
		at[k++] = n;
		in[n++] = '7';
	}
	memcpy(in + n, text + cut, ntext - cut);
	n += ntext - cut;
	id_mask_text(in, n, out);
	if (out[n] != '\0')
		fuzz_fail("masked text not cut at its length");
	for (i = 0; i < k; i++) {
		size_t w = (fullwidth && i < 18) ? 3 : 1;

		if (!memcmp(out + at[i], in + at[i], w))
			visible++;
	}
	if (visible >= 14)
		fuzz_fail("%zu of the ID's %zu characters left visible", visible, k);
	free(in);
	free(out);
	return 0;
}
