#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config/config_view.h"
#include "util/diag.h"
#include "util/redis_url.h"

#define DEFAULT_LISTEN "127.0.0.1:7002"
#define DEFAULT_CACHE_FILE "cache.db"
#define DEFAULT_WORKERS 4
#define MAX_WORKERS 64

static const char *const host_keys[] = { "listen", "pluginDir", "cache",
					  "workers", "authz", "webhooks", "echo",
					  "cluster", "maxConnections",
					  "maxConnectionsPerAddress",
					  "idleTimeoutSeconds", "allowedHosts",
					  NULL };
static const char *const cluster_keys[] = { "nodeId", "enabledPattern", NULL };
static const char *const authz_keys[] = { "enabled", "admins", "users",
					   "unknownUser", "fiatBaseUrl", NULL };
static const char *const webhooks_keys[] = { "tokenFile", NULL };
static const char *const echo_keys[] = { "baseUrl", "itemUpperThreshold",
					  NULL };
/* Igor's spinnaker.pollingSafeguard.itemUpperThreshold default. */
#define DEFAULT_ECHO_THRESHOLD 1000
static const char *const cache_keys[] = { "backend", "path", "url",
					   "passwordFile", NULL };
#define DEFAULT_REDIS_URL "redis://127.0.0.1:6379/0"

static config_t *libconfig_of(const struct cdh_config *config)
{
	return config->libconfig;
}

/* `path` relative to the config file's directory, as a new string. */
static char *relative_to(const char *dir, const char *path)
{
	size_t len;
	char *out;

	if (path[0] == '/')
		return strdup(path);
	len = strlen(dir) + strlen(path) + 2;
	out = malloc(len);
	if (out)
		snprintf(out, len, "%s/%s", dir, path);
	return out;
}

static void warn_unknown(const struct cdh_config_node *group,
			 const char *const *known, const char *where)
{
	size_t i, count = cdh_cfg_count(group);

	/* A list's members have no names; its type error is reported already. */
	if (cdh_cfg_type(group) != CDH_CFG_GROUP)
		return;
	for (i = 0; i < count; i++) {
		const struct cdh_config_node *member = cdh_cfg_at(group, i);
		const char *name = cdh_cfg_name(member);
		size_t k;

		for (k = 0; known[k] && strcmp(known[k], name) != 0; k++)
			;
		if (!known[k])
			cdh_cfg_diag(member, CDH_LOG_WARN,
				     "unknown field '%s' in %s ignored", name,
				     where);
	}
}

/* A string member, or `fallback`; a wrong type is an error. */
static const char *string_member(const struct cdh_config_node *group,
				 const char *name, const char *fallback)
{
	const struct cdh_config_node *member = cdh_cfg_member(group, name);
	const char *value = fallback;

	if (member && cdh_cfg_string(member, &value) != CDH_OK) {
		cdh_cfg_diag(member, CDH_LOG_ERROR, "%s must be a string", name);
		return fallback;
	}
	return value;
}

/* host.cache.url and passwordFile of the redis backend. */
static int read_redis(struct cdh_config *config,
		      const struct cdh_config_node *cache)
{
	const char *url = string_member(cache, "url", DEFAULT_REDIS_URL);
	const char *file = string_member(cache, "passwordFile", NULL);
	struct cdh_redis_url parsed;
	char why[256];

	config->cache_redis = 1;
	/* The reason never quotes the URL: it may hold a password. */
	if (cdh_redis_url_parse(url, &parsed, why, sizeof(why)) != 0)
		cdh_cfg_diag(cdh_cfg_member(cache, "url"), CDH_LOG_ERROR,
			     "host.cache.url: %s", why);
	config->cache_url = strdup(url);
	if (file)
		config->cache_password_file = relative_to(config->dir, file);
	return config->cache_url && (!file || config->cache_password_file) ? 0 : -1;
}

static int read_cache(struct cdh_config *config,
		      const struct cdh_config_node *host)
{
	const struct cdh_config_node *cache = cdh_cfg_member(host, "cache");
	const char *backend = string_member(cache, "backend", "sqlite");
	const char *path = string_member(cache, "path", DEFAULT_CACHE_FILE);

	if (cache && cdh_cfg_type(cache) != CDH_CFG_GROUP)
		cdh_cfg_diag(cache, CDH_LOG_ERROR,
			     "host.cache must be a group { backend = ...; }");
	if (cache)
		warn_unknown(cache, cache_keys, "host.cache");
	if (strcmp(backend, "memory") == 0)
		config->cache_memory = 1;
	else if (strcmp(backend, "redis") == 0) {
		if (read_redis(config, cache) != 0)
			return -1;
	} else if (strcmp(backend, "sqlite") != 0)
		cdh_cfg_diag(cdh_cfg_member(cache, "backend"), CDH_LOG_ERROR,
			     "host.cache.backend must be \"sqlite\", \"memory\" or \"redis\", not \"%s\"",
			     backend);
	config->cache_path = relative_to(config->dir, path);
	return config->cache_path ? 0 : -1;
}

static void read_workers(struct cdh_config *config,
			 const struct cdh_config_node *host)
{
	const struct cdh_config_node *node = cdh_cfg_member(host, "workers");
	int64_t n = DEFAULT_WORKERS;

	if (node && (cdh_cfg_int(node, &n) != CDH_OK || n < 1 || n > MAX_WORKERS)) {
		cdh_cfg_diag(node, CDH_LOG_ERROR,
			     "host.workers must be an integer from 1 to %d",
			     MAX_WORKERS);
		n = DEFAULT_WORKERS;
	}
	config->workers = (unsigned)n;
}

/* host.<key>: an integer from `min` to `max`, else `dflt` (an error when
 * present and out of range). */
static unsigned read_bounded(const struct cdh_config_node *host,
			     const char *key, unsigned dflt, unsigned min,
			     unsigned max)
{
	const struct cdh_config_node *node = cdh_cfg_member(host, key);
	int64_t n = dflt;

	if (node && (cdh_cfg_int(node, &n) != CDH_OK || n < min || n > max)) {
		cdh_cfg_diag(node, CDH_LOG_ERROR,
			     "host.%s must be an integer from %u to %u", key, min,
			     max);
		n = dflt;
	}
	return (unsigned)n;
}

/* The API's limits (issue #19): 0 connections = derived from the fd limit
 * at start; 0 per address = no per-address limit. */
static void read_http_limits(struct cdh_config *config,
			     const struct cdh_config_node *host)
{
	config->max_connections = read_bounded(host, "maxConnections", 0, 0,
					       1000000);
	config->max_connections_per_address = read_bounded(
		host, "maxConnectionsPerAddress",
		CDH_DEFAULT_CONNECTIONS_PER_ADDRESS, 0, 1000000);
	config->idle_timeout_seconds = read_bounded(
		host, "idleTimeoutSeconds", CDH_DEFAULT_IDLE_TIMEOUT_SECONDS, 1,
		3600);
}

/* A copy of `name` lower-cased, as Fiat keeps users and roles. */
static char *lower_dup(const char *name)
{
	char *out = strdup(name);
	char *c;

	for (c = out; c && *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return out;
}

static void names_release(struct cdh_names *names)
{
	size_t i;

	for (i = 0; i < names->count; i++)
		free(names->items[i]);
	free(names->items);
	names->items = NULL, names->count = 0;
}

static int names_add(struct cdh_names *names, const char *name)
{
	char **grown = realloc(names->items,
			       (names->count + 1) * sizeof(*names->items));

	if (!grown)
		return -1;
	names->items = grown;
	if (!(grown[names->count] = lower_dup(name)))
		return -1;
	names->count++;
	return 0;
}

/* `node` as a list of strings into `names`; a wrong type is an error. */
static int read_names(const struct cdh_config_node *node, const char *what,
		      struct cdh_names *names)
{
	size_t i, count = cdh_cfg_count(node);
	const char *value;

	if (cdh_cfg_type(node) != CDH_CFG_LIST) {
		cdh_cfg_diag(node, CDH_LOG_ERROR,
			     "%s must be a list of strings [\"a\", \"b\"]", what);
		return 0;
	}
	for (i = 0; i < count; i++) {
		const struct cdh_config_node *item = cdh_cfg_at(node, i);

		if (cdh_cfg_string(item, &value) != CDH_OK || !*value)
			cdh_cfg_diag(item, CDH_LOG_ERROR,
				     "%s must hold non-empty strings", what);
		else if (names_add(names, value) != 0)
			return -1;
	}
	return 0;
}

/* host.authz.users = { name = ["role", ...]; ... } */
static int read_users(struct cdh_authz_config *authz,
		      const struct cdh_config_node *users)
{
	size_t i, count = cdh_cfg_count(users);
	char what[300];

	if (cdh_cfg_type(users) != CDH_CFG_GROUP) {
		cdh_cfg_diag(users, CDH_LOG_ERROR,
			     "host.authz.users must be a group { name = [\"role\"]; }");
		return 0;
	}
	authz->users = calloc(count ? count : 1, sizeof(*authz->users));
	if (!authz->users)
		return -1;
	for (i = 0; i < count; i++) {
		const struct cdh_config_node *user = cdh_cfg_at(users, i);
		struct cdh_authz_user *u = &authz->users[authz->user_count++];

		snprintf(what, sizeof(what), "host.authz.users.%s",
			 cdh_cfg_name(user));
		if (!(u->name = lower_dup(cdh_cfg_name(user))) ||
		    read_names(user, what, &u->roles) != 0)
			return -1;
	}
	return 0;
}

static void read_unknown_user(struct cdh_authz_config *authz,
			      const struct cdh_config_node *group)
{
	const char *unknown = string_member(group, "unknownUser", "deny");

	if (strcmp(unknown, "anonymous") == 0)
		authz->unknown_anonymous = 1;
	else if (strcmp(unknown, "deny") != 0)
		cdh_cfg_diag(cdh_cfg_member(group, "unknownUser"), CDH_LOG_ERROR,
			     "host.authz.unknownUser must be \"deny\" or \"anonymous\", not \"%s\"",
			     unknown);
}

static int read_fiat_url(struct cdh_authz_config *authz,
			 const struct cdh_config_node *group)
{
	const char *url = string_member(group, "fiatBaseUrl", NULL);

	if (!url)
		return 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		cdh_cfg_diag(cdh_cfg_member(group, "fiatBaseUrl"), CDH_LOG_ERROR,
			     "host.authz.fiatBaseUrl must be an http:// or https:// URL");
	authz->fiat_base_url = strdup(url);
	return authz->fiat_base_url ? 0 : -1;
}

/* host.authz: enabled, admins, users, unknownUser, fiatBaseUrl. */
static int read_authz(struct cdh_config *config,
		      const struct cdh_config_node *host)
{
	const struct cdh_config_node *group = cdh_cfg_member(host, "authz");
	const struct cdh_config_node *node;
	struct cdh_authz_config *authz = &config->authz;
	int32_t enabled = 1;

	if (!group)
		return 0;
	if (cdh_cfg_type(group) != CDH_CFG_GROUP) {
		cdh_cfg_diag(group, CDH_LOG_ERROR,
			     "host.authz must be a group { enabled = true; ... }");
		return 0;
	}
	warn_unknown(group, authz_keys, "host.authz");
	node = cdh_cfg_member(group, "enabled");
	if (node && cdh_cfg_bool(node, &enabled) != CDH_OK)
		cdh_cfg_diag(node, CDH_LOG_ERROR,
			     "host.authz.enabled must be true or false");
	authz->enabled = enabled != 0;
	read_unknown_user(authz, group);
	node = cdh_cfg_member(group, "admins");
	if (node && read_names(node, "host.authz.admins", &authz->admins) != 0)
		return -1;
	node = cdh_cfg_member(group, "users");
	if (node && read_users(authz, node) != 0)
		return -1;
	return read_fiat_url(authz, group);
}

void cdh_authz_config_release(struct cdh_authz_config *authz)
{
	size_t i;

	for (i = 0; i < authz->user_count; i++) {
		free(authz->users[i].name);
		names_release(&authz->users[i].roles);
	}
	free(authz->users);
	names_release(&authz->admins);
	free(authz->fiat_base_url);
	memset(authz, 0, sizeof(*authz));
}

static int names_copy(struct cdh_names *to, const struct cdh_names *from)
{
	size_t i;

	for (i = 0; i < from->count; i++)
		if (names_add(to, from->items[i]) != 0)
			return -1;
	return 0;
}

int cdh_authz_config_copy(struct cdh_authz_config *to,
			  const struct cdh_authz_config *from)
{
	size_t i;

	memset(to, 0, sizeof(*to));
	to->enabled = from->enabled;
	to->unknown_anonymous = from->unknown_anonymous;
	if ((from->fiat_base_url &&
	     !(to->fiat_base_url = strdup(from->fiat_base_url))) ||
	    names_copy(&to->admins, &from->admins) != 0 ||
	    !(to->users = calloc(from->user_count ? from->user_count : 1,
				 sizeof(*to->users))))
		goto fail;
	for (i = 0; i < from->user_count; i++) {
		struct cdh_authz_user *u = &to->users[to->user_count++];

		if (!(u->name = strdup(from->users[i].name)) ||
		    names_copy(&u->roles, &from->users[i].roles) != 0)
			goto fail;
	}
	return 0;
fail:
	cdh_authz_config_release(to);
	return -1;
}

/* host.allowedHosts: the Host header names the API answers to (DNS
 * rebinding); absent is not the same as empty (see config.h). */
static int read_allowed_hosts(struct cdh_config *config,
			      const struct cdh_config_node *host)
{
	const struct cdh_config_node *node = cdh_cfg_member(host, "allowedHosts");

	if (!node)
		return 0;
	config->allowed_hosts_set = 1;
	return read_names(node, "host.allowedHosts", &config->allowed_hosts);
}

/* host.webhooks.tokenFile: the bearer token push notifications carry. */
static int read_webhooks(struct cdh_config *config,
			 const struct cdh_config_node *host)
{
	const struct cdh_config_node *hooks = cdh_cfg_member(host, "webhooks");
	const char *file = string_member(hooks, "tokenFile", NULL);

	if (hooks && cdh_cfg_type(hooks) != CDH_CFG_GROUP)
		cdh_cfg_diag(hooks, CDH_LOG_ERROR,
			     "host.webhooks must be a group { tokenFile = ...; }");
	if (hooks)
		warn_unknown(hooks, webhooks_keys, "host.webhooks");
	if (!file)
		return 0;
	config->webhook_token_file = relative_to(config->dir, file);
	return config->webhook_token_file ? 0 : -1;
}

static void read_echo_threshold(struct cdh_config *config,
				const struct cdh_config_node *echo)
{
	const struct cdh_config_node *node =
		cdh_cfg_member(echo, "itemUpperThreshold");
	int64_t n = DEFAULT_ECHO_THRESHOLD;

	if (node && (cdh_cfg_int(node, &n) != CDH_OK || n < 1)) {
		cdh_cfg_diag(node, CDH_LOG_ERROR,
			     "host.echo.itemUpperThreshold must be a positive integer");
		n = DEFAULT_ECHO_THRESHOLD;
	}
	config->echo_threshold = n;
}

/* host.echo: where Igor's docker events go (DESIGN 9.4). */
static int read_echo(struct cdh_config *config,
		     const struct cdh_config_node *host)
{
	const struct cdh_config_node *echo = cdh_cfg_member(host, "echo");
	const char *url = string_member(echo, "baseUrl", NULL);

	config->echo_threshold = DEFAULT_ECHO_THRESHOLD;
	if (!echo)
		return 0;
	if (cdh_cfg_type(echo) != CDH_CFG_GROUP) {
		cdh_cfg_diag(echo, CDH_LOG_ERROR,
			     "host.echo must be a group { baseUrl = \"http://echo:8089\"; }");
		return 0;
	}
	warn_unknown(echo, echo_keys, "host.echo");
	read_echo_threshold(config, echo);
	if (!url)
		return 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		cdh_cfg_diag(cdh_cfg_member(echo, "baseUrl"), CDH_LOG_ERROR,
			     "host.echo.baseUrl must be an http:// or https:// URL");
	config->echo_base_url = strdup(url);
	return config->echo_base_url ? 0 : -1;
}

/* 0 when `pattern` compiles (PCRE2, as the scheduler uses it), else -1. */
static int pattern_ok(const char *pattern, const struct cdh_config_node *node)
{
	PCRE2_UCHAR why[256];
	PCRE2_SIZE offset;
	int code;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code,
				       &offset, NULL);

	if (re) {
		pcre2_code_free(re);
		return 0;
	}
	pcre2_get_error_message(code, why, sizeof(why));
	cdh_cfg_diag(node, CDH_LOG_ERROR,
		     "host.cluster.enabledPattern: %s at offset %zu",
		     (const char *)why, (size_t)offset);
	return -1;
}

/* host.cluster: this node's lock value and the agents it may run. */
static int read_cluster(struct cdh_config *config,
			const struct cdh_config_node *host)
{
	const struct cdh_config_node *cluster = cdh_cfg_member(host, "cluster");
	const char *node = string_member(cluster, "nodeId", NULL);
	const char *pattern = string_member(cluster, "enabledPattern", NULL);

	if (!cluster)
		return 0;
	if (cdh_cfg_type(cluster) != CDH_CFG_GROUP)
		cdh_cfg_diag(cluster, CDH_LOG_ERROR,
			     "host.cluster must be a group { nodeId = ...; }");
	warn_unknown(cluster, cluster_keys, "host.cluster");
	if (!config->cache_redis)
		cdh_cfg_diag(cluster, CDH_LOG_WARN,
			     "host.cluster applies to the redis cache backend only: "
			     "with another one this node runs every agent");
	if (node && !node[0])
		cdh_cfg_diag(cdh_cfg_member(cluster, "nodeId"), CDH_LOG_ERROR,
			     "host.cluster.nodeId must not be empty");
	if (pattern)
		pattern_ok(pattern, cdh_cfg_member(cluster, "enabledPattern"));
	if (node && !(config->cluster_node_id = strdup(node)))
		return -1;
	if (pattern && !(config->cluster_enabled_pattern = strdup(pattern)))
		return -1;
	return 0;
}

static int read_host(struct cdh_config *config)
{
	const struct cdh_config_node *host =
		cdh_config_section(config, "host");
	const char *plugin_dir = string_member(host, "pluginDir", NULL);

	if (host && cdh_cfg_type(host) != CDH_CFG_GROUP)
		cdh_cfg_diag(host, CDH_LOG_ERROR, "host must be a group { ... }");
	if (host)
		warn_unknown(host, host_keys, "host");
	read_workers(config, host);
	read_http_limits(config, host);
	if (read_allowed_hosts(config, host) != 0)
		return -1;
	config->listen = strdup(string_member(host, "listen", DEFAULT_LISTEN));
	if (!config->listen)
		return -1;
	if (plugin_dir) {
		config->plugin_dir = relative_to(config->dir, plugin_dir);
		if (!config->plugin_dir)
			return -1;
	}
	if (read_authz(config, host) != 0 || read_webhooks(config, host) != 0 ||
	    read_echo(config, host) != 0 || read_cache(config, host) != 0)
		return -1;
	return read_cluster(config, host);
}

static char *directory_of(const char *path)
{
	char *copy = strdup(path), *dir;
	const char *parent;

	if (!copy)
		return NULL;
	parent = dirname(copy);
	/* Absolute, so that paths in the file do not depend on the directory
	 * cdhost was started from; a missing one is left for parse_file. */
	dir = realpath(parent, NULL);
	if (!dir)
		dir = strdup(parent);
	free(copy);
	return dir;
}

static int parse_file(struct cdh_config *config, char *err, size_t errlen)
{
	config_t *cfg = libconfig_of(config);
	const char *base = strrchr(config->path, '/');
	char file[4096];

	config_init(cfg);
	config_set_include_dir(cfg, config->dir);
	/* Read by its absolute name: every node then knows its file (cfg_file),
	 * and plugins resolve relative paths against its directory. */
	snprintf(file, sizeof(file), "%s/%s", config->dir,
		 base ? base + 1 : config->path);
	if (config_read_file(cfg, file) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		snprintf(err, errlen, "%s: cannot read: %s", config->path,
			 strerror(errno));
	else
		snprintf(err, errlen, "%s:%d: %s",
			 config_error_file(cfg) ? config_error_file(cfg)
						: config->path,
			 config_error_line(cfg), config_error_text(cfg));
	return -1;
}

struct cdh_config *cdh_config_load(const char *path, char *err, size_t errlen)
{
	struct cdh_config *config = calloc(1, sizeof(*config));
	struct cdh_diag diag;

	if (!config || !(config->libconfig = calloc(1, sizeof(config_t))) ||
	    !(config->path = strdup(path)) ||
	    !(config->dir = directory_of(path))) {
		snprintf(err, errlen, "out of memory");
		cdh_config_free(config);
		return NULL;
	}
	if (parse_file(config, err, errlen) != 0) {
		cdh_config_free(config);
		return NULL;
	}
	cdh_diag_begin(&diag);
	if (read_host(config) != 0)
		snprintf(diag.first_error, sizeof(diag.first_error),
			 "out of memory"), diag.errors++;
	cdh_diag_end();
	if (diag.errors) {
		snprintf(err, errlen, "%s", diag.first_error);
		cdh_config_free(config);
		return NULL;
	}
	return config;
}

void cdh_config_free(struct cdh_config *config)
{
	if (!config)
		return;
	if (config->libconfig && config->path)
		config_destroy(libconfig_of(config));
	free(config->libconfig);
	free(config->path);
	free(config->dir);
	free(config->listen);
	free(config->plugin_dir);
	free(config->cache_path);
	free(config->cache_url);
	free(config->cache_password_file);
	cdh_authz_config_release(&config->authz);
	names_release(&config->allowed_hosts);
	free(config->webhook_token_file);
	free(config->echo_base_url);
	free(config->cluster_node_id);
	free(config->cluster_enabled_pattern);
	free(config);
}

const struct cdh_config_node *cdh_config_section(const struct cdh_config *config,
						 const char *name)
{
	config_setting_t *s = config_lookup(libconfig_of(config), name);

	return (const struct cdh_config_node *)(void *)s;
}

const struct cdh_config_node *cdh_config_root(const struct cdh_config *config)
{
	config_setting_t *root = config_root_setting(libconfig_of(config));

	return (const struct cdh_config_node *)(void *)root;
}

#ifndef CDH_SYSTEM_CONFIG_FILE
#define CDH_SYSTEM_CONFIG_FILE "/etc/cdhost/cdhost.cfg"
#endif

const char *cdh_config_system_file(void)
{
	return CDH_SYSTEM_CONFIG_FILE;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *cdh_config_search_path(const char *given, const char *system_file)
{
	const char *env = getenv("CDHOST_CONFIG");
	const char *home = getenv("HOME");
	size_t len;
	char *out;

	if (given)
		return strdup(given);
	if (env && *env)
		return strdup(env);
	len = strlen(home ? home : "") + sizeof("/.cdhost/cdhost.cfg");
	out = malloc(len);
	if (!out)
		return NULL;
	snprintf(out, len, "%s/.cdhost/cdhost.cfg", home ? home : "");
	/* A user's own file wins over the system's; with neither, the user's
	 * is where `cdhost config ...` creates one. */
	if (!is_file(out) && system_file && is_file(system_file)) {
		free(out);
		return strdup(system_file);
	}
	return out;
}

char *cdh_config_default_path(const char *given)
{
	return cdh_config_search_path(given, CDH_SYSTEM_CONFIG_FILE);
}
