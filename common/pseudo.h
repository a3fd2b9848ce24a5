/*
 * pseudo.h - keyed pseudonyms for ID numbers (SPEC.md section 5).
 *
 * beneficiary = BLAKE2b-128 (libsodium crypto_generichash) of the
 * normalised 18-character ID, keyed with a secret held by whoever merges
 * the data. Districts whose aggregates are merged use the same key. The key
 * file holds 32 to 64 bytes as hex (64 to 128 hex digits) and must not be
 * readable or writable by group or others.
 */
#ifndef RS_PSEUDO_H
#define RS_PSEUDO_H

#include <stddef.h>

#include "error.h"

#define PSEUDO_HEX 32           /* hex digits of a pseudonym */

struct pseudo_key {
	unsigned char k[64];
	size_t len;
};

/* Loads and checks the key file (mode, format). Returns 0 or -1. */
int pseudo_key_load(struct pseudo_key *key, const char *path,
		    struct rs_error *err);
/* Writes the pseudonym of id (18 chars) as 32 hex digits + NUL. */
void pseudo_hash(const struct pseudo_key *key, const char *id, size_t n,
		 char out[PSEUDO_HEX + 1]);
void pseudo_key_wipe(struct pseudo_key *key);

#endif
