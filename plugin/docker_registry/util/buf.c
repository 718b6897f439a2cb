#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

void drg_buf_init(struct drg_buf *buf, size_t cap)
{
	buf->data = NULL;
	buf->len = 0;
	buf->alloc = 0;
	buf->cap = cap;
}

void drg_buf_release(struct drg_buf *buf)
{
	free(buf->data);
	drg_buf_init(buf, buf->cap);
}

void drg_buf_reset(struct drg_buf *buf)
{
	buf->len = 0;
	if (buf->data)
		buf->data[0] = '\0';
}

static int buf_reserve(struct drg_buf *buf, size_t need)
{
	size_t alloc = buf->alloc ? buf->alloc : 256;
	char *grown;

	if (need + 1 <= buf->alloc)
		return 0;
	while (alloc < need + 1)
		alloc *= 2;
	grown = realloc(buf->data, alloc);
	if (!grown)
		return -1;
	buf->data = grown;
	buf->alloc = alloc;
	return 0;
}

int drg_buf_append(struct drg_buf *buf, const void *bytes, size_t len)
{
	if (len > buf->cap || buf->len > buf->cap - len)
		return -1;
	if (buf_reserve(buf, buf->len + len) != 0)
		return -1;
	if (len)
		memcpy(buf->data + buf->len, bytes, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int drg_buf_append_str(struct drg_buf *buf, const char *str)
{
	return drg_buf_append(buf, str, strlen(str));
}

const char *drg_buf_str(const struct drg_buf *buf)
{
	return buf->data ? buf->data : "";
}
