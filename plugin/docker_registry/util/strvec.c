#include "util/strvec.h"

#include <stdlib.h>
#include <string.h>

int drg_strvec_push(struct drg_strvec *vec, const char *s)
{
	char *copy;

	if (vec->count == vec->alloc) {
		size_t alloc = vec->alloc ? vec->alloc * 2 : 16;
		char **grown = realloc(vec->items, alloc * sizeof(*grown));

		if (!grown)
			return -1;
		vec->items = grown;
		vec->alloc = alloc;
	}
	copy = strdup(s);
	if (!copy)
		return -1;
	vec->items[vec->count++] = copy;
	return 0;
}

void drg_strvec_release(struct drg_strvec *vec)
{
	size_t i;

	for (i = 0; i < vec->count; i++)
		free(vec->items[i]);
	free(vec->items);
	vec->items = NULL;
	vec->count = vec->alloc = 0;
}
