/*
 * account - one docker registry account: every ManagedAccount field of
 * Clouddriver with its name and default, plus ours, read from the host's
 * config view and validated.
 *
 * Every problem goes through api->config_diag against the node it concerns
 * (the host adds "file:line: "), as "account NAME: FIELD: why", with
 * Clouddriver's or Halyard's wording where they have one. Errors make the
 * parse fail (a config with errors changes nothing); warnings (an unknown
 * field, a password file others can read...) do not.
 *
 * An account is immutable once parsed, so agents may read it from parallel
 * workers; a config change makes a new one. Integers that Clouddriver reads
 * with Groovy truthiness keep its rule: 0 means "use the default".
 *
 * SECRETS: `password` is a secret and `password_command` may embed one; only
 * the credentials module reads them. Nothing here logs or reports a value of
 * password, passwordCommand, or a file's contents.
 */
#ifndef DRG_ACCOUNT_H
#define DRG_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "cdh_plugin.h"
#include "util/strvec.h"

/* fiat's Authorization values an account's `permissions` may carry. */
#define DRG_AUTH_READ 0
#define DRG_AUTH_WRITE 1
#define DRG_AUTH_EXECUTE 2
#define DRG_AUTH_COUNT 3

/* Defaults (Clouddriver's, and ours for our own fields). */
#define DRG_DEFAULT_CACHE_THREADS 1
#define DRG_DEFAULT_CACHE_INTERVAL_S 30
#define DRG_DEFAULT_CLIENT_TIMEOUT_MS 60000
#define DRG_DEFAULT_PAGINATE_SIZE 100
#define DRG_DEFAULT_MAX_CONCURRENT_REQUESTS 16
#define DRG_DEFAULT_REQUESTS_PER_SECOND 0 /* unlimited */
#define DRG_DEFAULT_PASSWORD_COMMAND_TIMEOUT_S 30
/*
 * Caps against a registry listing without end (issue #19: one page of 300k
 * tags took 829 MB). 100k tags is far past any repository we know of (CI
 * repositories with a tag per commit reach tens of thousands); 5M records
 * (2.5M tags, two records each) leaves room for issue #18's million-tag
 * accounts while bounding a cycle to a few GB at most.
 */
#define DRG_DEFAULT_MAX_TAGS_PER_REPOSITORY 100000
#define DRG_DEFAULT_MAX_RECORDS_PER_ACCOUNT 5000000

/* Where requests for Docker Hub go, whatever Hub host the user wrote. */
#define DRG_DOCKER_HUB_API_HOST "registry-1.docker.io"

struct drg_account {
	/* identity */
	char *name;         /* matches ^[a-z0-9]+([-a-z0-9]*[a-z0-9])?$ */
	char *environment;  /* default: name */
	char *account_type; /* default: name */

	/* where */
	char *address;  /* scheme://host[:port][/base]: no trailing '/' or '/v2';
			   a scheme-less address got https:// */
	char *registry; /* address without its scheme: the one used in keys */
	char *endpoint; /* where requests go: address, except that a Docker Hub
			   host becomes registry-1.docker.io */
	char *host;     /* host[:port] of address, lower-case: the key for
			   dockerconfigFile lookups */
	int docker_hub; /* address names index.docker.io, docker.io or
			   registry-1.docker.io */

	/* credentials: at most one of password, password_command,
	 * password_file and dockerconfig_file is set (empty = unset) */
	char *username;
	char *password;         /* SECRET */
	char *password_command; /* run with /bin/sh -c; may embed a secret */
	char *password_file;    /* path, "~/" expanded */
	char *dockerconfig_file; /* path to a docker config.json */
	int64_t password_command_timeout_s; /* ours: kill the command after */
	char *email;                        /* stored and shown, never sent */

	/* what to cache: repositories, else catalogFile, else the catalog
	 * (filtered by repositories_regex); minus skip */
	char **repositories; /* Docker Hub bare names got "library/" */
	size_t repository_count;
	char *catalog_file;       /* path */
	char *repositories_regex; /* as written (shown in describe) */
	pcre2_code *repositories_re; /* PCRE2, anchored: full-string match */
	struct drg_strvec skip;   /* exact names, "library/" as above */

	/* how */
	uint32_t cache_threads;   /* number of caching agents, 1..1024 */
	int64_t cache_interval_s; /* refresh interval */
	int64_t client_timeout_ms; /* per-request timeout */
	int64_t paginate_size;    /* n= on tags/list and _catalog */
	int track_digests;
	int inspect_digests;
	int sort_tags_by_date;
	int insecure_registry;    /* no TLS verification for this account */
	char *ca_cert_file;       /* ours: PEM bundle trusted for this account */
	uint32_t max_concurrent_requests; /* ours: in flight at once, 1..1024 */
	int64_t requests_per_second;      /* ours: 0 = unlimited */
	int64_t item_upper_threshold; /* Igor's: events per store; 0 = host's */
	int64_t max_tags_per_repository;  /* ours: tags kept, the rest warned */
	int64_t max_records_per_account;  /* ours: records one cycle emits */

	/* authorization, reported by describe (the host enforces nothing yet) */
	struct drg_strvec permissions[DRG_AUTH_COUNT]; /* trimmed, lower-case */
	uint32_t permissions_set; /* bit (1 << DRG_AUTH_*) per key present */
	struct drg_strvec required_group_membership;
};

/*
 * Reads and validates an account group node. Returns CDH_OK and *out (caller
 * frees with drg_account_free), CDH_E_CONFIG when any error was reported
 * (*out NULL), or CDH_E_NOMEM.
 */
int32_t drg_account_parse(const struct cdh_host_api *api,
			  const struct cdh_config_node *node,
			  struct drg_account **out);

void drg_account_free(struct drg_account *account);

/*
 * 1 when `a` and `b` are the same account by value (account_equal.c says
 * which lists are sets), else 0. Both borrowed.
 */
int drg_account_equal(const struct drg_account *a, const struct drg_account *b);

/*
 * Normalises a configured address into scheme://rest without a trailing '/'
 * or '/v2'. A scheme-less address gets https://. Returns a new string (caller
 * frees) or NULL when out of memory or the address is empty.
 */
char *drg_account_normalize_address(const char *address);

/* 1 when `host` (host[:port], any case) is one of Docker Hub's names. */
int drg_account_is_docker_hub(const char *host);

/*
 * Whether a repository listed by the catalog (or catalogFile) is one the
 * account caches: not in `skip`, and matching repositoriesRegex in full when
 * one is set. Thread-safe.
 */
int drg_account_wants_repository(const struct drg_account *account,
				 const char *repository);

/* "READ", "WRITE", "EXECUTE" for DRG_AUTH_*; NULL past the end. */
const char *drg_account_authorization_name(int authorization);

#endif
