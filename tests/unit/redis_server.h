/*
 * redis_server - a redis-server of a test's own on loopback, on a free port
 * in the tests' range (20000-31999), optionally with a password; stopped by
 * its PID. Shared by the unit tests of the Redis store and agent locks.
 */
#ifndef CDH_REDIS_SERVER_H
#define CDH_REDIS_SERVER_H

#include <hiredis/hiredis.h>
#include <sys/types.h>

struct redis_server {
	pid_t pid;	       /* -1 while not running */
	int port;
	const char *password;  /* NULL: none; else --requirepass (not copied) */
};

/*
 * Starts redis-server on a free port (a few tries): 0 once it answers PING,
 * -1 if it would not start. `password` may be NULL.
 */
int redis_server_start(struct redis_server *rs, const char *password);
/* Starts it again on the same port (after a stop): 0 once it answers. */
int redis_server_respawn(struct redis_server *rs);
/* Stops it with `sig` (SIGTERM, or SIGKILL for a crash) and reaps it. */
void redis_server_stop(struct redis_server *rs, int sig);
/* An authenticated admin connection, or NULL; the caller redisFree()s it. */
redisContext *redis_server_connect(const struct redis_server *rs);

#endif
