#include "http/retry_after.h"

#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Reads 1..maxd digits; -1 when none. Caps keep the sum far from overflow. */
static int64_t read_num(const char **pp, int maxd)
{
	const char *p = *pp;
	int64_t v = 0;
	int n = 0;

	while (is_digit(*p) && n < maxd) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0)
		return -1;
	*pp = p;
	return v;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether `s` holds `word` (letters, any case) as a whole word. */
static int has_word(const char *s, const char *word)
{
	size_t len = strlen(word);
	const char *p;

	for (p = s; *p; p++)
		if ((p == s || !is_alpha(p[-1])) &&
		    strncasecmp(p, word, len) == 0 && !is_alpha(p[len]))
			return 1;
	return 0;
}

int drg_http_date_parse(const char *value, time_t *out)
{
	time_t when;

	/* IMF-fixdate and RFC 850 dates, the two forms with a comma, are in
	 * GMT (RFC 9110 §5.6.7); curl_getdate also takes other zones or none,
	 * which no server sends: such a value stays refused. */
	if (strchr(value, ',') && !has_word(value, "GMT"))
		return -1;
	when = curl_getdate(value, NULL);
	if (when == (time_t)-1)
		return -1;
	*out = when;
	return 0;
}

int drg_retry_after_parse(const char *value, time_t now, int64_t *seconds)
{
	const char *p = skip_blanks(value);
	time_t when;

	if (is_digit(*p)) {
		const char *q = p;
		int64_t s = read_num(&q, 9); /* 31 years: plenty, never overflows */

		q = skip_blanks(q);
		if (*q == '\0' || *q == '\r' || *q == '\n') {
			*seconds = s;
			return 0;
		}
	}
	if (drg_http_date_parse(p, &when) != 0)
		return -1;
	*seconds = when > now ? (int64_t)(when - now) : 0;
	return 0;
}

int drg_ratelimit_parse(const char *value, int64_t *count, int64_t *window_s)
{
	const char *p = skip_blanks(value);

	*count = -1;
	*window_s = -1;
	if (is_digit(*p))
		*count = read_num(&p, 18);
	p = skip_blanks(p);
	while (*p == ';') {
		p = skip_blanks(p + 1);
		if ((*p == 'w' || *p == 'W') && skip_blanks(p + 1)[0] == '=') {
			p = skip_blanks(skip_blanks(p + 1) + 1);
			*window_s = read_num(&p, 18);
		} else {
			p += strcspn(p, ";,");
		}
		p = skip_blanks(p);
	}
	/* Anything after the first policy (", 100;w=60") is ignored. */
	return *p == '\0' || *p == ',' || *p == '\r' || *p == '\n' ? 0 : -1;
}
