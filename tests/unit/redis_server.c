#include "redis_server.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

redisContext *redis_server_connect(const struct redis_server *rs)
{
	struct timeval tv = { 1, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", rs->port, tv);
	redisReply *r;

	if (!c || c->err) {
		redisFree(c);
		return NULL;
	}
	if (!rs->password)
		return c;
	r = redisCommand(c, "AUTH %s", rs->password);
	if (!r || r->type == REDIS_REPLY_ERROR) {
		freeReplyObject(r);
		redisFree(c);
		return NULL;
	}
	freeReplyObject(r);
	return c;
}

/* 1 once it answers PING (authenticated if it has a password). */
static int answers(const struct redis_server *rs)
{
	redisContext *c = redis_server_connect(rs);
	redisReply *r = c ? redisCommand(c, "PING") : NULL;
	int up = r && r->type == REDIS_REPLY_STATUS;

	freeReplyObject(r);
	redisFree(c);
	return up;
}

static int spawn(struct redis_server *rs)
{
	char port[16];
	char *argv[16] = { "redis-server", "--port", port, "--bind",
			   "127.0.0.1", "--save", "", "--appendonly", "no",
			   "--loglevel", "warning", NULL };
	posix_spawn_file_actions_t quiet;
	int rc;

	snprintf(port, sizeof(port), "%d", rs->port);
	if (rs->password) {
		argv[11] = "--requirepass";
		argv[12] = (char *)rs->password;
	}
	posix_spawn_file_actions_init(&quiet);
	posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&rs->pid, "redis-server", &quiet, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&quiet);
	if (rc != 0)
		rs->pid = -1;
	return rc == 0 ? 0 : -1;
}

int redis_server_respawn(struct redis_server *rs)
{
	int i;

	if (spawn(rs) != 0)
		return -1;
	/* Up to 5 s; it exits at once if the port is taken. */
	for (i = 0; i < 100; i++) {
		if (answers(rs))
			return 0;
		if (waitpid(rs->pid, NULL, WNOHANG) == rs->pid) {
			rs->pid = -1;
			return -1;
		}
		usleep(50000);
	}
	redis_server_stop(rs, SIGTERM);
	return -1;
}

int redis_server_start(struct redis_server *rs, const char *password)
{
	int attempt;

	rs->pid = -1;
	rs->password = password;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (attempt = 0; attempt < 10; attempt++) {
		rs->port = 20000 + rand() % 12000;
		if (redis_server_respawn(rs) == 0)
			return 0;
	}
	return -1;
}

void redis_server_stop(struct redis_server *rs, int sig)
{
	if (rs->pid > 0) {
		kill(rs->pid, sig);
		waitpid(rs->pid, NULL, 0);
	}
	rs->pid = -1;
}
