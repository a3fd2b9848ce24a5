/*
 * pseudo.c - keyed pseudonyms with libsodium (see pseudo.h).
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "pseudo.h"

int pseudo_key_load(struct pseudo_key *key, const char *path,
		    struct rs_error *err)
{
	struct stat st;
	char *text = NULL;
	size_t len, bin_len = 0;
	const char *end;
	int ret = -1;

	memset(key, 0, sizeof(*key));
	if (sodium_init() < 0)
		return rs_err(err, "cannot initialise libsodium");
	if (stat(path, &st))
		return rs_err(err, "cannot read key file '%s': %s", path,
			      strerror(errno));
	if (st.st_mode & 077)
		return rs_err(err, "key file '%s' is accessible by group or others (mode %04o); run: chmod 600 '%s'",
			      path, (unsigned)(st.st_mode & 07777), path);
	if (rs_read_file(path, 4096, &text, &len, err))
		return -1;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		       text[len - 1] == ' '))
		text[--len] = '\0';
	if (sodium_hex2bin(key->k, sizeof(key->k), text, len, NULL, &bin_len,
			   &end) || *end || bin_len < 32) {
		rs_err(err, "key file '%s' must hold 32 to 64 bytes as hex digits", path);
		goto out;
	}
	key->len = bin_len;
	ret = 0;
out:
	sodium_memzero(text, len);
	free(text);
	return ret;
}

void pseudo_hash(const struct pseudo_key *key, const char *id, size_t n,
		 char out[PSEUDO_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char h[PSEUDO_HEX / 2];
	size_t i;

	crypto_generichash(h, sizeof(h), (const unsigned char *)id, n,
			   key->k, key->len);
	/* The pseudonym is published: it needs no constant-time encoding
	 * (sodium_bin2hex's), and this runs once per row. */
	for (i = 0; i < sizeof(h); i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[PSEUDO_HEX] = '\0';
}

void pseudo_key_wipe(struct pseudo_key *key)
{
	sodium_memzero(key, sizeof(*key));
}
