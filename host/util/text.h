/*
 * text - a growable NUL-terminated string for text the host builds itself
 * (fingerprints, metrics, JSON assembly). Not for network input: no cap.
 */
#ifndef CDH_TEXT_H
#define CDH_TEXT_H

#include <stddef.h>

#include "cdh_plugin.h"

struct cdh_text {
	char *data; /* NULL until the first append */
	size_t len;
	size_t alloc;
	int failed; /* an append ran out of memory; contents incomplete */
};

#define CDH_TEXT_INIT { NULL, 0, 0, 0 }

void cdh_text_append(struct cdh_text *text, const char *s, size_t len);
void cdh_text_puts(struct cdh_text *text, const char *s);
void cdh_text_printf(struct cdh_text *text, const char *fmt, ...)
	CDH_PRINTF(2, 3);
/* The contents, "" when empty; never NULL. */
const char *cdh_text_str(const struct cdh_text *text);
/* Hands the string to the caller (free it), or NULL if an append failed. */
char *cdh_text_take(struct cdh_text *text);
void cdh_text_release(struct cdh_text *text);

#endif
