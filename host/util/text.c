#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct cdh_text *text, size_t more)
{
	size_t alloc = text->alloc ? text->alloc : 128;
	char *grown;

	if (text->failed)
		return -1;
	if (text->len + more + 1 <= text->alloc)
		return 0;
	while (alloc < text->len + more + 1)
		alloc *= 2;
	grown = realloc(text->data, alloc);
	if (!grown) {
		text->failed = 1;
		return -1;
	}
	text->data = grown;
	text->alloc = alloc;
	return 0;
}

void cdh_text_append(struct cdh_text *text, const char *s, size_t len)
{
	if (reserve(text, len) != 0)
		return;
	memcpy(text->data + text->len, s, len);
	text->len += len;
	text->data[text->len] = '\0';
}

void cdh_text_puts(struct cdh_text *text, const char *s)
{
	cdh_text_append(text, s, strlen(s));
}

void cdh_text_printf(struct cdh_text *text, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(text, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(text->data + text->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	text->len += (size_t)n;
}

const char *cdh_text_str(const struct cdh_text *text)
{
	return text->data ? text->data : "";
}

char *cdh_text_take(struct cdh_text *text)
{
	char *out = text->failed ? NULL : text->data;

	if (!out && !text->failed)
		out = calloc(1, 1);
	if (text->failed)
		free(text->data);
	text->data = NULL;
	text->len = text->alloc = 0;
	text->failed = 0;
	return out;
}

void cdh_text_release(struct cdh_text *text)
{
	free(text->data);
	text->data = NULL;
	text->len = text->alloc = 0;
	text->failed = 0;
}
