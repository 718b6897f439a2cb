#include "util/names.h"

#include <stdio.h>
#include <string.h>

static int alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int word(char c)
{
	return alnum_lower(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Length of the separator at s: ".", "_", "__" or "-"+; 0 when none. */
static size_t separator(const char *s)
{
	size_t n = 0;

	if (s[0] == '.' || (s[0] == '_' && s[1] != '_'))
		return 1;
	if (s[0] == '_')
		return 2;
	while (s[n] == '-')
		n++;
	return n;
}

/* One path-component from s; returns its length, 0 when it is not one. */
static size_t component(const char *s)
{
	size_t i = 0, sep;

	for (;;) {
		if (!alnum_lower(s[i]))
			return 0;
		while (alnum_lower(s[i]))
			i++;
		sep = separator(s + i);
		if (sep == 0)
			return i;
		i += sep;
	}
}

int drg_name_valid_repository(const char *s)
{
	size_t len = strlen(s), i = 0, n;

	if (len == 0 || len > DRG_NAME_MAX)
		return 0;
	for (;;) {
		n = component(s + i);
		if (n == 0)
			return 0;
		i += n;
		if (s[i] == '\0')
			return 1;
		if (s[i++] != '/')
			return 0;
	}
}

int drg_name_valid_tag(const char *s)
{
	size_t i;

	if (!word(s[0]))
		return 0;
	for (i = 1; s[i]; i++)
		if (i > 127 || !(word(s[i]) || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

void drg_name_quote(const char *s, char *out, size_t outlen)
{
	size_t o = 0;
	int n;

	if (outlen == 0)
		return;
	for (; *s && o + 8 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			n = snprintf(out + o, outlen - o, "%c", c);
		else
			n = snprintf(out + o, outlen - o, "\\x%02x", c);
		o += (size_t)n;
	}
	if (*s && outlen >= 4)
		snprintf(out + (o < outlen - 4 ? o : outlen - 4), 4, "...");
	else
		out[o < outlen ? o : outlen - 1] = '\0';
}
