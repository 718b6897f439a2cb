#include "failalloc.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* The linker's names for the wrapped function and the real one. */
char *__wrap_strdup(const char *s);
char *__real_strdup(const char *s);

static const char *failing_suffix;

void failalloc_strdup_ending(const char *suffix)
{
	failing_suffix = suffix;
}

char *__wrap_strdup(const char *s)
{
	size_t len = strlen(s), n;

	if (failing_suffix) {
		n = strlen(failing_suffix);
		if (len >= n && strcmp(s + len - n, failing_suffix) == 0) {
			errno = ENOMEM;
			return NULL;
		}
	}
	return __real_strdup(s);
}
