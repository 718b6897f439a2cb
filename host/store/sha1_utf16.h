/*
 * sha1_utf16 - Clouddriver's change-detection hash of a stored JSON string:
 * Guava's sha1().putUnencodedChars(json) hashes each UTF-16 char low byte
 * first, i.e. SHA-1 over the UTF-16LE encoding, not over the UTF-8 bytes
 * (reference clouddriver-cluster.md §1.2). Matching it byte for byte lets
 * Clouddriver and cdhost skip each other's unchanged keys.
 */
#ifndef CDH_SHA1_UTF16_H
#define CDH_SHA1_UTF16_H

#include <stddef.h>

#define CDH_SHA1_HEX_LEN 40

/*
 * Writes the lowercase hex SHA-1 of the UTF-16LE encoding of the UTF-8 text
 * `s` (len bytes) into hex (41 bytes with the NUL). Invalid UTF-8 bytes
 * count as U+FFFD, as Java's decoder makes them. 0 ok, -1 out of memory.
 */
int cdh_sha1_utf16_hex(const char *s, size_t len,
		       char hex[CDH_SHA1_HEX_LEN + 1]);

#endif
