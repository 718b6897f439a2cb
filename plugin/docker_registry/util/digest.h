/*
 * digest - content digests as registries name them: "sha256:" + 64
 * lower-case hex, computed over the exact bytes received (never over a
 * re-serialisation: whitespace and key order change the digest).
 */
#ifndef DRG_DIGEST_H
#define DRG_DIGEST_H

#include <stddef.h>

/* "sha256:" + 64 hex + NUL. */
#define DRG_DIGEST_MAX 72

/* sha256 of `len` bytes as "sha256:<hex>" into out. 0, or -1 (libcrypto). */
int drg_digest_sha256(const void *data, size_t len, char out[DRG_DIGEST_MAX]);

/* 1 when `s` is "sha256:" + 64 lower-case hex. */
int drg_digest_is_sha256(const char *s);

#endif
