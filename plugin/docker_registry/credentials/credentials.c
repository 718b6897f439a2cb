#include "credentials/credentials.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credentials/command.h"
#include "credentials/dockerconfig.h"
#include "util/regular_file.h"

/* A docker config.json with many registries is still small. */
#define DOCKERCONFIG_MAX (1024u * 1024u)
#define FAILURE_MAX 512

enum source { SRC_NONE, SRC_PASSWORD, SRC_FILE, SRC_COMMAND, SRC_DOCKERCONFIG };

static const char *const source_names[] = { "none", "password", "passwordFile",
					     "passwordCommand",
					     "dockerconfigFile" };

/* What identifies one version of a file. */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	mode_t mode;
};

struct drg_credentials {
	pthread_mutex_t lock;
	const struct cdh_host_api *api;
	enum source source;
	char *account;  /* for log lines */
	char *username; /* configured; "" when none */
	char *password; /* SECRET: the configured one */
	char *path;     /* passwordFile or dockerconfigFile */
	char *command;  /* passwordCommand: may embed a secret, never shown */
	char *host;     /* dockerconfigFile lookup key */
	int docker_hub;
	int64_t timeout_ms;

	/* what get() hands out */
	int cached;
	char *user;
	char *pass; /* SECRET */
	uint64_t fetched_ns;
	int renewed;
	uint64_t renewed_ns;
	/* the file last read (passwordFile, dockerconfigFile) */
	int have_file;
	struct file_id file;
	int warned_mode;
	/* dockerconfigFile: the helper to ask, when the file names one */
	struct drg_dockerconfig_entry entry;
	/* the last failure, answered from memory for a while */
	int failed;
	uint64_t failed_ns;
	char failure[FAILURE_MAX];
};

/* A fetcher for secrets that are cached with a TTL (command, helper). */
typedef int (*fetch_fn)(struct drg_credentials *c, char **user, char **pass,
			char *err, size_t errlen);

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static uint64_t now_ns(const struct drg_credentials *c)
{
	return c->api->monotonic_ns();
}

/* Takes ownership of user and pass (pass is wiped when replaced). */
static void store(struct drg_credentials *c, char *user, char *pass)
{
	wipe_free(c->user);
	wipe_free(c->pass);
	c->user = user;
	c->pass = pass;
	c->cached = 1;
	c->failed = 0;
	c->fetched_ns = now_ns(c);
}

static int store_copy(struct drg_credentials *c, const char *user,
		      const char *pass)
{
	char *u = strdup(user), *p = strdup(pass);

	if (!u || !p) {
		wipe_free(u);
		wipe_free(p);
		return -1;
	}
	store(c, u, p);
	return 0;
}

/* Remembers a failure (dropping what was cached) and reports it. */
static int fail(struct drg_credentials *c, const char *why, char *err,
		size_t errlen)
{
	snprintf(c->failure, sizeof(c->failure), "%s", why);
	/* Belt and braces: no message may carry a secret we know of. */
	if (c->pass)
		drg_command_redact(c->failure, c->pass, strlen(c->pass));
	drg_command_redact(c->failure, c->password, strlen(c->password));
	c->failed = 1;
	c->failed_ns = now_ns(c);
	wipe_free(c->user);
	wipe_free(c->pass);
	c->user = c->pass = NULL;
	c->cached = 0;
	snprintf(err, errlen, "%s", c->failure);
	return -1;
}

static int same_file(const struct file_id *a, const struct stat *sb)
{
	return a->dev == sb->st_dev && a->ino == sb->st_ino &&
	       a->size == sb->st_size &&
	       a->mtime.tv_sec == sb->st_mtim.tv_sec &&
	       a->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

static void remember_file(struct drg_credentials *c, const struct stat *sb)
{
	c->file.dev = sb->st_dev;
	c->file.ino = sb->st_ino;
	c->file.size = sb->st_size;
	c->file.mtime = sb->st_mtim;
	c->file.mode = sb->st_mode;
	c->have_file = 1;
}

/* 1 when the file is not the one last read (or none was read). */
static int file_changed(const struct drg_credentials *c)
{
	struct stat sb;

	if (!c->have_file || stat(c->path, &sb) != 0)
		return 1;
	return !same_file(&c->file, &sb);
}

static void warn_mode(struct drg_credentials *c, const char *field)
{
	int open_to_others = (c->file.mode & (S_IRGRP | S_IROTH)) != 0;

	if (open_to_others && !c->warned_mode)
		cdh_logf(c->api, CDH_LOG_WARN, c->account,
			 "%s %s can be read by group or others (mode %04o); "
			 "chmod 600 it", field, c->path,
			 (unsigned)(c->file.mode & 07777));
	c->warned_mode = open_to_others;
}

/* The whole file into *out (NUL-terminated, caller wipes), at most `cap`. */
static int read_file(struct drg_credentials *c, const char *field, size_t cap,
		     char **out, size_t *len, char *err, size_t errlen)
{
	struct stat sb;
	int fd = drg_regular_file_open(c->path, field, &sb, err, errlen);
	ssize_t n = 0;
	char *buf = NULL;

	*out = NULL;
	if (fd < 0)
		goto out;
	if ((size_t)sb.st_size > cap) {
		snprintf(err, errlen, "%s %s: too large", field, c->path);
		goto out;
	}
	buf = calloc(1, (size_t)sb.st_size + 1);
	if (!buf || (n = read(fd, buf, (size_t)sb.st_size)) < 0) {
		snprintf(err, errlen, "%s %s: cannot read: %s", field, c->path,
			 buf ? strerror(errno) : "out of memory");
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	remember_file(c, &sb);
	*out = buf;
out:
	if (fd >= 0)
		close(fd);
	return *out ? 0 : -1;
}

static int refresh_password_file(struct drg_credentials *c, int renew,
				 char *err, size_t errlen)
{
	char why[FAILURE_MAX], *text, *user;
	size_t len = 0;

	if (c->cached && !renew && !file_changed(c))
		return 0;
	if (read_file(c, "passwordFile", DRG_CREDENTIALS_SECRET_MAX, &text, &len,
		      why, sizeof(why)) != 0)
		return fail(c, why, err, errlen);
	warn_mode(c, "passwordFile");
	/* One trailing newline is the editor's, not the password's. */
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	if (len && text[len - 1] == '\r')
		text[--len] = '\0';
	user = strdup(c->username);
	if (!user) {
		wipe_free(text);
		return fail(c, "out of memory", err, errlen);
	}
	store(c, user, text);
	return 0;
}

/* Trims surrounding whitespace in place. */
static char *trim(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

static int run_password_command(struct drg_credentials *c, char **user,
				char **pass, char *err, size_t errlen)
{
	/*
	 * The command goes to the shell on stdin, not as `sh -c <command>`:
	 * every local user can read a process's arguments (ps), and a command
	 * often holds a token or a secret's name.
	 */
	char *argv[] = { "/bin/sh", "-s", NULL };
	struct drg_command_result res = { 0 };
	char why[FAILURE_MAX], *script = NULL;
	size_t len = strlen(c->command) + 2;
	const char *value;
	int rc = -1;

	script = malloc(len);
	if (!script) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(script, len, "%s\n", c->command);
	if (drg_command_run(argv, script, c->timeout_ms, &res, why,
			    sizeof(why)) != 0) {
		snprintf(err, errlen, "passwordCommand: %s", why);
		goto out;
	}
	value = trim(res.out);
	if (!res.exited || res.exit_code != 0) {
		drg_command_describe_failure(&res, c->timeout_ms, why, sizeof(why));
		snprintf(err, errlen, "passwordCommand %s", why);
	} else if (!*value) {
		snprintf(err, errlen, "passwordCommand: %s",
			 "Resolved Password was empty, missing dependencies for "
			 "running password command?");
	} else {
		*user = strdup(c->username);
		*pass = strdup(value);
		rc = *user && *pass ? 0 : -1;
		if (rc != 0)
			snprintf(err, errlen, "out of memory");
	}
out:
	wipe_free(script);
	drg_command_result_release(&res);
	return rc;
}

static int run_helper(struct drg_credentials *c, char **user, char **pass,
		      char *err, size_t errlen)
{
	char why[FAILURE_MAX];

	if (drg_dockerconfig_helper_get(c->entry.helper, c->entry.server_url,
					c->timeout_ms, user, pass, why,
					sizeof(why)) != 0) {
		snprintf(err, errlen, "dockerconfigFile %s: %s", c->path, why);
		return -1;
	}
	return 0;
}

static int still_good(const struct drg_credentials *c, int renew, uint64_t now)
{
	if (!c->cached)
		return 0;
	if (renew)
		return c->renewed && now - c->renewed_ns <
					     DRG_CREDENTIALS_RENEW_DEBOUNCE_NS;
	return now - c->fetched_ns < DRG_CREDENTIALS_TTL_NS;
}

/* Command and helper answers: cached for the TTL, renewed on demand. */
static int refresh_cached(struct drg_credentials *c, int renew, fetch_fn fetch,
			  char *err, size_t errlen)
{
	uint64_t now = now_ns(c);
	char why[FAILURE_MAX] = "", *user = NULL, *pass = NULL;

	if (c->failed && now - c->failed_ns < DRG_CREDENTIALS_FAILURE_HOLD_NS) {
		snprintf(err, errlen, "%s", c->failure);
		return -1;
	}
	if (still_good(c, renew, now))
		return 0;
	if (fetch(c, &user, &pass, why, sizeof(why)) != 0) {
		wipe_free(user);
		wipe_free(pass);
		return fail(c, why, err, errlen);
	}
	store(c, user, pass);
	if (renew) {
		c->renewed = 1;
		c->renewed_ns = c->fetched_ns;
	}
	cdh_logf(c->api, CDH_LOG_DEBUG, c->account, "credentials fetched from %s%s",
		 source_names[c->source], renew ? " (renewed)" : "");
	return 0;
}

/* Reads the dockerconfigFile again and looks the registry up in it. */
static int load_dockerconfig(struct drg_credentials *c, char *err,
			     size_t errlen)
{
	char why[FAILURE_MAX], msg[FAILURE_MAX + 64], *text;
	size_t len = 0;
	int rc;

	if (read_file(c, "dockerconfigFile", DOCKERCONFIG_MAX, &text, &len, why,
		      sizeof(why)) != 0)
		return fail(c, why, err, errlen);
	warn_mode(c, "dockerconfigFile");
	drg_dockerconfig_entry_release(&c->entry);
	rc = drg_dockerconfig_find(text, c->host, c->docker_hub, &c->entry, why,
				   sizeof(why));
	wipe_free(text);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "dockerconfigFile %s: %s", c->path, why);
		return fail(c, msg, err, errlen);
	}
	/* A new file may name another helper: ask it again. */
	c->cached = 0;
	c->failed = 0;
	if (c->entry.kind == DRG_DOCKERCONFIG_HELPER)
		return 0;
	if (store_copy(c, c->entry.username ? c->entry.username : "",
		       c->entry.secret ? c->entry.secret : "") != 0)
		return fail(c, "out of memory", err, errlen);
	return 0;
}

static int refresh_dockerconfig(struct drg_credentials *c, int renew,
				char *err, size_t errlen)
{
	uint64_t now = now_ns(c);
	int reload;

	/* Several workers' 401s at once: the first renew serves them all. */
	if (renew && c->cached && c->renewed &&
	    now - c->renewed_ns < DRG_CREDENTIALS_RENEW_DEBOUNCE_NS)
		renew = 0;
	reload = renew || !c->have_file || file_changed(c);
	if (reload && load_dockerconfig(c, err, errlen) != 0)
		return -1;
	if (c->entry.kind == DRG_DOCKERCONFIG_HELPER)
		return refresh_cached(c, renew, run_helper, err, errlen);
	if (renew) {
		c->renewed = 1;
		c->renewed_ns = c->fetched_ns;
	}
	return 0;
}

static int refresh(struct drg_credentials *c, int renew, char *err,
		   size_t errlen)
{
	switch (c->source) {
	case SRC_NONE:
		if (!c->cached && store_copy(c, "", "") != 0)
			return fail(c, "out of memory", err, errlen);
		return 0;
	case SRC_PASSWORD:
		if (!c->cached && store_copy(c, c->username, c->password) != 0)
			return fail(c, "out of memory", err, errlen);
		return 0;
	case SRC_FILE:
		return refresh_password_file(c, renew, err, errlen);
	case SRC_COMMAND:
		return refresh_cached(c, renew, run_password_command, err, errlen);
	case SRC_DOCKERCONFIG:
		return refresh_dockerconfig(c, renew, err, errlen);
	}
	return fail(c, "unknown credentials source", err, errlen);
}

int drg_credentials_get(void *opaque, int renew, char *user, size_t userlen,
			char *pass, size_t passlen, char *err, size_t errlen)
{
	struct drg_credentials *c = opaque;
	int rc;

	if (errlen)
		err[0] = '\0';
	pthread_mutex_lock(&c->lock);
	rc = refresh(c, renew, err, errlen);
	if (rc == 0 && (strlen(c->user) >= userlen || strlen(c->pass) >= passlen)) {
		snprintf(err, errlen, "%s: the credentials are longer than the "
			 "caller's buffer", source_names[c->source]);
		rc = -1;
	}
	if (rc == 0) {
		memcpy(user, c->user, strlen(c->user) + 1);
		memcpy(pass, c->pass, strlen(c->pass) + 1);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static enum source source_of(const struct drg_account *a)
{
	if (a->password)
		return SRC_PASSWORD;
	if (a->password_file)
		return SRC_FILE;
	if (a->password_command)
		return SRC_COMMAND;
	if (a->dockerconfig_file)
		return SRC_DOCKERCONFIG;
	return SRC_NONE;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

struct drg_credentials *drg_credentials_new(const struct drg_account *account,
					    const struct cdh_host_api *api)
{
	struct drg_credentials *c = calloc(1, sizeof(*c));
	struct stat sb;

	if (!c)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	c->api = api;
	c->source = source_of(account);
	c->timeout_ms = account->password_command_timeout_s * 1000;
	c->docker_hub = account->docker_hub;
	c->account = dup_or_empty(account->name);
	c->username = dup_or_empty(account->username);
	c->password = dup_or_empty(account->password);
	c->command = dup_or_empty(account->password_command);
	c->host = dup_or_empty(account->host);
	c->path = dup_or_empty(account->password_file ? account->password_file
						       : account->dockerconfig_file);
	if (!c->account || !c->username || !c->password || !c->command ||
	    !c->host || !c->path) {
		drg_credentials_free(c);
		return NULL;
	}
	/* The config check warned of a file open to others already: say it
	 * again only if it becomes so later. */
	c->warned_mode = c->path[0] && stat(c->path, &sb) == 0 &&
			 (sb.st_mode & (S_IRGRP | S_IROTH)) != 0;
	return c;
}

void drg_credentials_free(struct drg_credentials *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	drg_dockerconfig_entry_release(&c->entry);
	wipe_free(c->user);
	wipe_free(c->pass);
	wipe_free(c->password);
	wipe_free(c->command);
	free(c->account);
	free(c->username);
	free(c->path);
	free(c->host);
	free(c);
}

const char *drg_credentials_source(const struct drg_credentials *c)
{
	return source_names[c->source];
}
