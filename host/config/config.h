/*
 * config - the host's configuration file (libconfig syntax): the `host`
 * section parsed here, every other top-level section handed to the plugin
 * whose config_section it is, through the neutral view in config_view.h.
 *
 * Paths in the file are relative to the file's directory.
 */
#ifndef CDH_CONFIG_H
#define CDH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "cdh_plugin.h"

/* A list of names, lower-cased (Fiat compares users and roles so). */
struct cdh_names {
	char **items;
	size_t count;
};

/* One user of host.authz.users and its roles. */
struct cdh_authz_user {
	char *name;
	struct cdh_names roles;
};

/* host.authz: who may read which account (Fiat's rules, DESIGN 9.5). */
struct cdh_authz_config {
	int enabled;           /* off: everyone reads everything */
	int unknown_anonymous; /* unknownUser = "anonymous" (default "deny") */
	char *fiat_base_url;   /* or NULL: the static table below */
	struct cdh_names admins;
	struct cdh_authz_user *users;
	size_t user_count;
};

struct cdh_config {
	char *path;       /* the file, as given */
	char *dir;        /* its directory */
	char *listen;     /* host.listen, "127.0.0.1:7002" by default */
	char *plugin_dir; /* host.pluginDir made absolute, or NULL */
	int cache_memory; /* host.cache.backend == "memory": nothing persists */
	char *cache_path; /* host.cache.path made absolute (sqlite) */
	int cache_redis;  /* host.cache.backend == "redis" */
	char *cache_url;  /* host.cache.url (redis), checked; may hold a password */
	char *cache_password_file; /* host.cache.passwordFile made absolute, or NULL */
	unsigned workers; /* host.workers: refresh threads, 4 by default */
	struct cdh_authz_config authz; /* host.authz */
	/* host.webhooks.tokenFile made absolute, or NULL: webhooks open */
	char *webhook_token_file;
	/* host.echo (DESIGN 9.4): Echo's base URL, or NULL: no events sent */
	char *echo_base_url;
	int64_t echo_threshold; /* host.echo.itemUpperThreshold, 1000 default */
	/* host.cluster (several nodes on the Redis store), or NULL: defaults */
	char *cluster_node_id;         /* nodeId: "<host>:<pid>@<host>" */
	char *cluster_enabled_pattern; /* enabledPattern, checked: ".*" */
	void *libconfig;  /* the parsed config_t, private to config*.c */
	/* The HTTP API's limits (apply at restart). host.maxConnections, 0
	 * (default): CDH_DEFAULT_MAX_CONNECTIONS, at most half the descriptors
	 * the process may open; host.maxConnectionsPerAddress, 0 = unlimited;
	 * host.idleTimeoutSeconds: an idle connection is closed after it. */
	unsigned max_connections;
	unsigned max_connections_per_address;
	unsigned idle_timeout_seconds;
	/* host.allowedHosts (lower-cased): Host header names the API answers
	 * to besides IP addresses, "localhost" and this machine's name; "*"
	 * any. Unset: those built-ins when listening on loopback, anything
	 * otherwise (clients reach a network listener by names we cannot
	 * know). */
	struct cdh_names allowed_hosts;
	int allowed_hosts_set;
};

#define CDH_DEFAULT_MAX_CONNECTIONS 1024
#define CDH_DEFAULT_CONNECTIONS_PER_ADDRESS 64
#define CDH_DEFAULT_IDLE_TIMEOUT_SECONDS 10

/*
 * Reads and checks `path`. Syntax and host-section errors are reported as
 * "file:line: why" through diag; unknown host keys are warnings.
 * Returns the config (free with cdh_config_free) or NULL with `err` set.
 */
struct cdh_config *cdh_config_load(const char *path, char *err, size_t errlen);
void cdh_config_free(struct cdh_config *config);

/* A deep copy of `from` into `to` (zeroed first). 0, or -1 out of memory
 * (`to` then released). */
int cdh_authz_config_copy(struct cdh_authz_config *to,
			  const struct cdh_authz_config *from);
void cdh_authz_config_release(struct cdh_authz_config *authz);

/* The top-level section `name` (borrowed, lives as long as config), or NULL. */
const struct cdh_config_node *cdh_config_section(const struct cdh_config *config,
						 const char *name);

/* The root group of the file (borrowed). */
const struct cdh_config_node *cdh_config_root(const struct cdh_config *config);

/*
 * The config path to use, first match wins: `given` (--config), else
 * $CDHOST_CONFIG, else ~/.cdhost/cdhost.cfg when it exists (a user's own
 * runs), else the system file CDH_SYSTEM_CONFIG_FILE (/etc/cdhost/cdhost.cfg
 * for a system-wide install) when it exists, else ~/.cdhost/cdhost.cfg (where
 * the `config` commands create one). Returns a new string (caller frees) or
 * NULL.
 */
char *cdh_config_default_path(const char *given);

/* The same with the system file given (NULL: none), for tests. */
char *cdh_config_search_path(const char *given, const char *system_file);

/* The system file compiled in: "<sysconfdir>/cdhost/cdhost.cfg". */
const char *cdh_config_system_file(void);

#endif
