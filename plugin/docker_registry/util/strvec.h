/*
 * strvec - a growable array of owned strings.
 */
#ifndef DRG_STRVEC_H
#define DRG_STRVEC_H

#include <stddef.h>

struct drg_strvec {
	char **items;
	size_t count;
	size_t alloc;
};

#define DRG_STRVEC_INIT { NULL, 0, 0 }

/* Appends a copy of `s`; 0 ok, -1 out of memory. */
int drg_strvec_push(struct drg_strvec *vec, const char *s);
/* Frees every string and the array; the vector is empty afterwards. */
void drg_strvec_release(struct drg_strvec *vec);

#endif
