/* Fuzz target: WWW-Authenticate values (several lines split on '\n'). */
#include "auth/challenge.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *line, *nl;
	struct drg_challenges set;
	struct drg_challenge copy = { 0 };
	const struct drg_challenge *c;

	if (!s)
		return 0;
	drg_challenges_init(&set);
	for (line = s; line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (drg_challenges_parse(&set, line) == -2)
			break;
	}
	c = drg_challenges_pick(&set);
	if (c && drg_challenge_copy(&copy, c) == 0)
		drg_challenge_release(&copy);
	drg_challenges_release(&set);
	free(s);
	return 0;
}
