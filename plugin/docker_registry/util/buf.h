/*
 * buf - a growable byte buffer with a hard cap, for everything the network
 * feeds (curl's dynbuf idea). Appends past the cap fail and leave the buffer
 * as it was; the contents are always NUL-terminated so text can be parsed in
 * place.
 */
#ifndef DRG_BUF_H
#define DRG_BUF_H

#include <stddef.h>

struct drg_buf {
	char *data; /* NUL-terminated when len > 0 or after any append */
	size_t len;
	size_t alloc;
	size_t cap; /* most bytes it may ever hold (excluding the NUL) */
};

/* An empty buffer that will refuse to grow past `cap` bytes. */
void drg_buf_init(struct drg_buf *buf, size_t cap);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void drg_buf_release(struct drg_buf *buf);
/* Empties the buffer, keeping its storage. */
void drg_buf_reset(struct drg_buf *buf);
/* 0 ok; -1 when the cap would be exceeded or memory ran out (unchanged). */
int drg_buf_append(struct drg_buf *buf, const void *bytes, size_t len);
int drg_buf_append_str(struct drg_buf *buf, const char *str);
/* The contents as a string: "" when empty, never NULL. */
const char *drg_buf_str(const struct drg_buf *buf);

#endif
