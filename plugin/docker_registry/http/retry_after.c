#include "http/retry_after.h"

#include <string.h>
#include <strings.h>

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

static int read_month(const char **pp)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int m = 0; m < 12; m++) {
		if (strncasecmp(*pp, months + 3 * m, 3) == 0) {
			*pp += 3;
			return m;
		}
	}
	return -1;
}

/* HH:MM:SS into tm. */
static int read_clock(const char **pp, struct tm *tm)
{
	int64_t h = read_num(pp, 2), m, s;

	if (h < 0 || **pp != ':')
		return -1;
	(*pp)++;
	m = read_num(pp, 2);
	if (m < 0 || **pp != ':')
		return -1;
	(*pp)++;
	s = read_num(pp, 2);
	if (s < 0 || h > 23 || m > 59 || s > 60)
		return -1;
	tm->tm_hour = (int)h;
	tm->tm_min = (int)m;
	tm->tm_sec = (int)s;
	return 0;
}

/* "06 Nov 1994 08:49:37 GMT" or "06-Nov-94 08:49:37 GMT". */
static int read_dmy(const char *p, struct tm *tm)
{
	int64_t day = read_num(&p, 2), year;

	if (day < 1 || day > 31 || (*p != ' ' && *p != '-'))
		return -1;
	tm->tm_mday = (int)day;
	p++;
	if ((tm->tm_mon = read_month(&p)) < 0 || (*p != ' ' && *p != '-'))
		return -1;
	p++;
	year = read_num(&p, 4);
	if (year < 0)
		return -1;
	/* RFC 850's two-digit years: RFC 9110 §5.6.7's 50-year rule, simplified. */
	if (year < 100)
		year += year < 70 ? 2000 : 1900;
	tm->tm_year = (int)year - 1900;
	p = skip_blanks(p);
	if (read_clock(&p, tm) != 0)
		return -1;
	p = skip_blanks(p);
	return strncasecmp(p, "GMT", 3) == 0 ? 0 : -1;
}

/* asctime: "Nov  6 08:49:37 1994". */
static int read_asctime(const char *p, struct tm *tm)
{
	int64_t day, year;

	if ((tm->tm_mon = read_month(&p)) < 0)
		return -1;
	p = skip_blanks(p);
	day = read_num(&p, 2);
	if (day < 1 || day > 31)
		return -1;
	tm->tm_mday = (int)day;
	p = skip_blanks(p);
	if (read_clock(&p, tm) != 0)
		return -1;
	p = skip_blanks(p);
	year = read_num(&p, 4);
	if (year < 1900)
		return -1;
	tm->tm_year = (int)year - 1900;
	return 0;
}

int drg_http_date_parse(const char *value, time_t *out)
{
	const char *p = skip_blanks(value);
	struct tm tm;
	int rc;

	memset(&tm, 0, sizeof(tm));
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		p++; /* the day name, which says nothing the date does not */
	if (*p == ',')
		p++;
	p = skip_blanks(p);
	rc = is_digit(*p) ? read_dmy(p, &tm) : read_asctime(p, &tm);
	if (rc != 0)
		return -1;
	*out = timegm(&tm);
	return *out == (time_t)-1 ? -1 : 0;
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
