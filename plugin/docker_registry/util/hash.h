/*
 * hash - the string hash of the plugin's small hash tables (memo, configs).
 */
#ifndef DRG_HASH_H
#define DRG_HASH_H

#include <stdint.h>

/* FNV-1a over the bytes of `s`: fast, and good enough for table slots. */
static inline uint64_t drg_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

#endif
