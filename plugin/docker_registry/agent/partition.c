#include "agent/partition.h"

/* Decodes one UTF-8 sequence; invalid bytes count as one unit each. */
static uint32_t utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t cp;
	int extra, i;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0)
		cp = s[0] & 0x1F, extra = 1;
	else if ((s[0] & 0xF0) == 0xE0)
		cp = s[0] & 0x0F, extra = 2;
	else if ((s[0] & 0xF8) == 0xF0)
		cp = s[0] & 0x07, extra = 3;
	else
		cp = 0xFFFD, extra = 0;
	for (i = 1; i <= extra; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*p = s + 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*p = s + 1 + extra;
	return cp;
}

int32_t drg_partition_java_hash(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t h = 0; /* unsigned: Java's int overflow wraps */

	while (*p) {
		uint32_t cp = utf8_next(&p);

		if (cp >= 0x10000) { /* a surrogate pair in UTF-16 */
			cp -= 0x10000;
			h = 31 * h + (0xD800 + (cp >> 10));
			h = 31 * h + (0xDC00 + (cp & 0x3FF));
		} else {
			h = 31 * h + cp;
		}
	}
	return (int32_t)h;
}

int drg_partition_owns(const char *repository, uint32_t index, uint32_t count)
{
	int64_t rem;

	if (count <= 1)
		return 1;
	/* C's % truncates toward zero like Java's, so the sign follows h. */
	rem = (int64_t)drg_partition_java_hash(repository) % (int64_t)count;
	return (rem < 0 ? -rem : rem) == (int64_t)index;
}
