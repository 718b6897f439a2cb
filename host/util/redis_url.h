/*
 * redis_url - Clouddriver's `redis.connection` URL,
 * redis://[user[:password]@]host[:port][/db], split into its parts. Shared
 * by the config (which reports a bad URL at its line) and the Redis store
 * (which connects with it). No TLS: bookworm's hiredis is built without it,
 * so rediss:// is refused with a reason.
 */
#ifndef CDH_REDIS_URL_H
#define CDH_REDIS_URL_H

#include <stddef.h>

#define CDH_REDIS_URL_MAX 256

struct cdh_redis_url {
	char user[CDH_REDIS_URL_MAX];     /* "" when absent */
	char password[CDH_REDIS_URL_MAX]; /* "" when absent; never log it */
	char host[CDH_REDIS_URL_MAX];
	int port; /* 6379 by default */
	int db;   /* 0 by default */
};

/*
 * Parses `url` into *out. 0 ok; -1 with a reason in err (the reason never
 * quotes the password).
 */
int cdh_redis_url_parse(const char *url, struct cdh_redis_url *out, char *err,
			size_t errlen);

#endif
