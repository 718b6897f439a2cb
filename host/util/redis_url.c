#include "util/redis_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number in [min, max] spanning exactly [s, s + len). */
static int parse_number(const char *s, size_t len, int min, int max, int *out)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int copy_part(char *dst, const char *s, size_t len)
{
	if (len >= CDH_REDIS_URL_MAX)
		return -1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* user[:password] before the '@'. */
static int parse_userinfo(const char *s, size_t len, struct cdh_redis_url *out)
{
	const char *colon = memchr(s, ':', len);

	if (!colon)
		return copy_part(out->user, s, len);
	if (copy_part(out->user, s, (size_t)(colon - s)) != 0)
		return -1;
	return copy_part(out->password, colon + 1, len - (size_t)(colon - s) - 1);
}

/* host[:port], the host possibly a bracketed IPv6 address. */
static int parse_hostport(const char *s, size_t len, struct cdh_redis_url *out,
			  char *err, size_t errlen)
{
	const char *colon, *end = s + len;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || copy_part(out->host, s + 1, (size_t)(close - s - 1)))
			goto bad;
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		if (!colon && close + 1 != end)
			goto bad;
	} else {
		colon = memchr(s, ':', len);
		if (copy_part(out->host, s, colon ? (size_t)(colon - s) : len))
			goto bad;
	}
	if (out->host[0] == '\0')
		goto bad;
	if (colon && parse_number(colon + 1, (size_t)(end - colon - 1), 1, 65535,
				  &out->port) != 0) {
		snprintf(err, errlen, "the port must be a number from 1 to 65535");
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "no host in the URL");
	return -1;
}

int cdh_redis_url_parse(const char *url, struct cdh_redis_url *out, char *err,
			size_t errlen)
{
	const char *rest, *at, *slash, *end;

	memset(out, 0, sizeof(*out));
	out->port = 6379;
	if (strncmp(url, "rediss://", 9) == 0) {
		snprintf(err, errlen,
			 "rediss:// (TLS) is not supported: this hiredis has no TLS");
		return -1;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, errlen,
			 "the URL must be redis://[user:password@]host[:port][/db]");
		return -1;
	}
	rest = url + 8;
	end = rest + strlen(rest);
	slash = strchr(rest, '/');
	at = memchr(rest, '@', (size_t)((slash ? slash : end) - rest));
	if (at && parse_userinfo(rest, (size_t)(at - rest), out) != 0) {
		snprintf(err, errlen, "the user or password in the URL is too long");
		return -1;
	}
	if (at)
		rest = at + 1;
	if (parse_hostport(rest, (size_t)((slash ? slash : end) - rest), out, err,
			   errlen) != 0)
		return -1;
	if (slash && slash[1] &&
	    parse_number(slash + 1, strlen(slash + 1), 0, 1000000, &out->db) != 0) {
		snprintf(err, errlen, "the database must be a number");
		return -1;
	}
	return 0;
}
