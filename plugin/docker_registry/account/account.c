/*
 * account - reading: the field table, typed readers and defaults. The checks
 * across fields (address, name, credentials, repository sources) are in
 * account_check.c; both share struct drg_account__parse from
 * account_internal.h.
 */
#include "account/account.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account/account_internal.h"

enum kind { K_STRING, K_PATH, K_INT64, K_UINT32, K_BOOL, K_LIST, K_SPECIAL };

struct field {
	const char *name;
	enum kind kind;
	size_t offset; /* into struct drg_account */
	int64_t min, max;
};

#define AT(member) offsetof(struct drg_account, member)

/* Every field an account may carry: Clouddriver's ManagedAccount, then ours. */
static const struct field fields[] = {
	{ "name", K_STRING, AT(name), 0, 0 },
	{ "address", K_STRING, AT(address), 0, 0 },
	{ "environment", K_STRING, AT(environment), 0, 0 },
	{ "accountType", K_STRING, AT(account_type), 0, 0 },
	{ "username", K_STRING, AT(username), 0, 0 },
	{ "password", K_STRING, AT(password), 0, 0 },
	{ "passwordCommand", K_STRING, AT(password_command), 0, 0 },
	{ "passwordFile", K_PATH, AT(password_file), 0, 0 },
	{ "dockerconfigFile", K_PATH, AT(dockerconfig_file), 0, 0 },
	{ "email", K_STRING, AT(email), 0, 0 },
	{ "cacheThreads", K_UINT32, AT(cache_threads), 1, 1024 },
	{ "cacheIntervalSeconds", K_INT64, AT(cache_interval_s), 1, 31536000 },
	{ "clientTimeoutMillis", K_INT64, AT(client_timeout_ms), 1, 3600000 },
	{ "paginateSize", K_INT64, AT(paginate_size), 1, 100000 },
	{ "trackDigests", K_BOOL, AT(track_digests), 0, 0 },
	{ "inspectDigests", K_BOOL, AT(inspect_digests), 0, 0 },
	{ "sortTagsByDate", K_BOOL, AT(sort_tags_by_date), 0, 0 },
	{ "insecureRegistry", K_BOOL, AT(insecure_registry), 0, 0 },
	{ "repositories", K_SPECIAL, 0, 0, 0 },
	{ "repositoriesRegex", K_STRING, AT(repositories_regex), 0, 0 },
	{ "catalogFile", K_PATH, AT(catalog_file), 0, 0 },
	{ "skip", K_LIST, AT(skip), 0, 0 },
	{ "permissions", K_SPECIAL, 0, 0, 0 },
	{ "requiredGroupMembership", K_LIST, AT(required_group_membership), 0, 0 },
	{ "maxConcurrentRequests", K_UINT32, AT(max_concurrent_requests), 1, 1024 },
	{ "requestsPerSecond", K_INT64, AT(requests_per_second), 0, 1000000 },
	{ "caCertFile", K_PATH, AT(ca_cert_file), 0, 0 },
	{ "passwordCommandTimeoutSeconds", K_INT64,
	  AT(password_command_timeout_s), 1, 3600 },
	{ "itemUpperThreshold", K_INT64, AT(item_upper_threshold), 1,
	  1000000000 },
	{ "maxTagsPerRepository", K_INT64, AT(max_tags_per_repository), 1,
	  100000000 },
	{ "maxRecordsPerAccount", K_INT64, AT(max_records_per_account), 2,
	  1000000000 },
};

#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))

static const char *const auth_names[DRG_AUTH_COUNT] = { "READ", "WRITE",
							 "EXECUTE" };

const char *drg_account_authorization_name(int authorization)
{
	if (authorization < 0 || authorization >= DRG_AUTH_COUNT)
		return NULL;
	return auth_names[authorization];
}

const char *drg_account__label(const struct drg_account__parse *st)
{
	const char *name = st->account->name;

	return name && *name ? name : "(unnamed)";
}

void drg_account__diag(struct drg_account__parse *st,
		       const struct cdh_config_node *node, int32_t level,
		       const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cdh_config_diagf(st->api, node ? node : st->node, level,
			 "account %s: %s: %s", drg_account__label(st), field, msg);
	if (level <= CDH_LOG_ERROR)
		st->errors++;
}

/* "<dir>/<path>" (dir = everything before the last '/' of file). */
static char *beside(const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');
	size_t len;
	char *out;

	if (!slash)
		return strdup(path);
	len = (size_t)(slash - file) + strlen(path) + 2;
	out = malloc(len);
	if (out)
		snprintf(out, len, "%.*s/%s", (int)(slash - file), file, path);
	return out;
}

/*
 * "~/x" is $HOME/x, as a shell would have it (paths in the seed's examples
 * use it); any other relative path is relative to the config file's
 * directory, like every path the host reads.
 */
static char *resolve_path(const struct drg_account__parse *st,
			  const struct cdh_config_node *member, const char *path)
{
	const char *home = getenv("HOME"), *file = NULL;
	size_t len;
	char *out;

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home &&
	    *home) {
		len = strlen(home) + strlen(path);
		out = malloc(len);
		if (out)
			snprintf(out, len, "%s%s", home, path + 1);
		return out;
	}
	if (path[0] != '/' && CDH_HOST_HAS(st->api, cfg_file))
		file = st->api->cfg_file(member);
	return file ? beside(file, path) : strdup(path);
}

static int read_string(struct drg_account__parse *st, const struct field *f,
		       const struct cdh_config_node *member)
{
	char **slot = (char **)(void *)((char *)st->account + f->offset);
	const char *value;

	if (st->api->cfg_string(member, &value) != CDH_OK) {
		drg_account__diag(st, member, CDH_LOG_ERROR, f->name,
				  "must be a string");
		return 0;
	}
	/* Clouddriver reads strings with Groovy truthiness: "" is unset. */
	if (!*value)
		return 0;
	*slot = f->kind == K_PATH ? resolve_path(st, member, value) : strdup(value);
	return *slot ? 0 : -1;
}

static void read_number(struct drg_account__parse *st, const struct field *f,
			const struct cdh_config_node *member)
{
	void *slot = (char *)st->account + f->offset;
	int64_t value;

	if (st->api->cfg_int(member, &value) != CDH_OK) {
		drg_account__diag(st, member, CDH_LOG_ERROR, f->name,
				  "must be an integer");
		return;
	}
	/* Clouddriver's `x ?: default`: 0 keeps the default. */
	if (value == 0)
		return;
	if (value < f->min || value > f->max) {
		drg_account__diag(st, member, CDH_LOG_ERROR, f->name,
				  "must be between %lld and %lld (got %lld)",
				  (long long)f->min, (long long)f->max,
				  (long long)value);
		return;
	}
	if (f->kind == K_UINT32)
		*(uint32_t *)slot = (uint32_t)value;
	else
		*(int64_t *)slot = value;
}

static void read_bool(struct drg_account__parse *st, const struct field *f,
		      const struct cdh_config_node *member)
{
	int *slot = (int *)(void *)((char *)st->account + f->offset);
	int32_t value;

	if (st->api->cfg_bool(member, &value) != CDH_OK) {
		drg_account__diag(st, member, CDH_LOG_ERROR, f->name,
				  "must be true or false");
		return;
	}
	*slot = value != 0;
}

/*
 * A list of strings into `out`: empty ones are an error, or dropped when
 * `drop_empty` (fiat drops empty roles). -1 only when out of memory.
 */
static int read_list(struct drg_account__parse *st, const char *field,
		     const struct cdh_config_node *list, int drop_empty,
		     struct drg_strvec *out)
{
	size_t count, i;

	if (st->api->cfg_type(list) != CDH_CFG_LIST) {
		drg_account__diag(st, list, CDH_LOG_ERROR, field,
				  "must be a list of strings, e.g. [\"a\", \"b\"]");
		return 0;
	}
	count = st->api->cfg_count(list);
	for (i = 0; i < count; i++) {
		const struct cdh_config_node *item = st->api->cfg_at(list, i);
		const char *value;

		if (st->api->cfg_string(item, &value) == CDH_OK && !*value &&
		    drop_empty)
			continue;
		if (st->api->cfg_string(item, &value) != CDH_OK || !*value) {
			drg_account__diag(st, item, CDH_LOG_ERROR, field,
					  "entries must be non-empty strings");
			continue;
		}
		if (drg_strvec_push(out, value) != 0)
			return -1;
	}
	return 0;
}

static int read_repositories(struct drg_account__parse *st,
			     const struct cdh_config_node *member)
{
	struct drg_strvec repos = DRG_STRVEC_INIT;

	if (read_list(st, "repositories", member, 0, &repos) != 0) {
		drg_strvec_release(&repos);
		return -1;
	}
	/* Ownership moves to the account, which frees it as an array. */
	st->account->repositories = repos.items;
	st->account->repository_count = repos.count;
	return 0;
}

static int auth_index(const char *key)
{
	int i;

	for (i = 0; i < DRG_AUTH_COUNT; i++)
		if (strcasecmp(key, auth_names[i]) == 0)
			return i;
	return -1;
}

/* fiat's Permissions.Builder: roles trimmed and lower-cased, empties dropped. */
static int add_role(struct drg_strvec *roles, const char *role)
{
	size_t len;
	char *copy;
	int rc;

	while (isspace((unsigned char)*role))
		role++;
	len = strlen(role);
	while (len && isspace((unsigned char)role[len - 1]))
		len--;
	if (!len)
		return 0;
	copy = strndup(role, len);
	if (!copy)
		return -1;
	for (char *p = copy; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = drg_strvec_push(roles, copy);
	free(copy);
	return rc;
}

static int read_authorization(struct drg_account__parse *st,
			      const struct cdh_config_node *member)
{
	const char *key = st->api->cfg_name(member);
	struct drg_strvec raw = DRG_STRVEC_INIT;
	int auth = key ? auth_index(key) : -1;
	int rc = 0;
	size_t i;

	if (auth < 0) {
		drg_account__diag(st, member, CDH_LOG_ERROR, "permissions",
				  "unknown authorization '%s' (READ, WRITE or EXECUTE)",
				  key ? key : "?");
		return 0;
	}
	st->account->permissions_set |= 1u << auth;
	if (read_list(st, "permissions", member, 1, &raw) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < raw.count; i++)
		rc = add_role(&st->account->permissions[auth], raw.items[i]);
	drg_strvec_release(&raw);
	return rc;
}

static int read_permissions(struct drg_account__parse *st,
			    const struct cdh_config_node *group)
{
	size_t count, i;

	if (st->api->cfg_type(group) != CDH_CFG_GROUP) {
		drg_account__diag(st, group, CDH_LOG_ERROR, "permissions",
				  "must be a group, e.g. { READ = [\"role\"]; WRITE = [\"role\"]; }");
		return 0;
	}
	count = st->api->cfg_count(group);
	for (i = 0; i < count; i++)
		if (read_authorization(st, st->api->cfg_at(group, i)) != 0)
			return -1;
	return 0;
}

static int read_field(struct drg_account__parse *st, const struct field *f,
		      const struct cdh_config_node *member)
{
	switch (f->kind) {
	case K_STRING:
	case K_PATH:
		return read_string(st, f, member);
	case K_INT64:
	case K_UINT32:
		read_number(st, f, member);
		return 0;
	case K_BOOL:
		read_bool(st, f, member);
		return 0;
	case K_LIST:
		return read_list(st, f->name, member, 0,
				 (struct drg_strvec *)(void *)((char *)st->account +
							      f->offset));
	case K_SPECIAL:
		break;
	}
	if (strcmp(f->name, "repositories") == 0)
		return read_repositories(st, member);
	return read_permissions(st, member);
}

static void set_defaults(struct drg_account *acct)
{
	acct->cache_threads = DRG_DEFAULT_CACHE_THREADS;
	acct->cache_interval_s = DRG_DEFAULT_CACHE_INTERVAL_S;
	acct->client_timeout_ms = DRG_DEFAULT_CLIENT_TIMEOUT_MS;
	acct->paginate_size = DRG_DEFAULT_PAGINATE_SIZE;
	acct->max_concurrent_requests = DRG_DEFAULT_MAX_CONCURRENT_REQUESTS;
	acct->requests_per_second = DRG_DEFAULT_REQUESTS_PER_SECOND;
	acct->password_command_timeout_s = DRG_DEFAULT_PASSWORD_COMMAND_TIMEOUT_S;
	acct->max_tags_per_repository = DRG_DEFAULT_MAX_TAGS_PER_REPOSITORY;
	acct->max_records_per_account = DRG_DEFAULT_MAX_RECORDS_PER_ACCOUNT;
}

static const struct field *find_field(const char *name)
{
	size_t k;

	for (k = 0; name && k < FIELD_COUNT; k++)
		if (strcmp(name, fields[k].name) == 0)
			return &fields[k];
	return NULL;
}

/* The name first, so that every later message can say whose field it is. */
static int read_name(struct drg_account__parse *st)
{
	const struct cdh_config_node *member =
		st->api->cfg_member(st->node, "name");

	return member ? read_field(st, find_field("name"), member) : 0;
}

static int read_fields(struct drg_account__parse *st)
{
	size_t count = st->api->cfg_count(st->node), i;

	set_defaults(st->account);
	if (read_name(st) != 0)
		return -1;
	for (i = 0; i < count; i++) {
		const struct cdh_config_node *member = st->api->cfg_at(st->node, i);
		const char *name = st->api->cfg_name(member);
		const struct field *f = find_field(name);

		if (!f) {
			cdh_config_diagf(st->api, member, CDH_LOG_WARN,
					 "account %s: unknown field '%s' ignored",
					 drg_account__label(st), name ? name : "?");
			continue;
		}
		if (strcmp(f->name, "name") != 0 && read_field(st, f, member) != 0)
			return -1;
	}
	return 0;
}

int32_t drg_account_parse(const struct cdh_host_api *api,
			  const struct cdh_config_node *node,
			  struct drg_account **out)
{
	struct drg_account__parse st = { 0 };
	int rc;

	*out = NULL;
	st.api = api;
	st.node = node;
	if (api->cfg_type(node) != CDH_CFG_GROUP) {
		api->config_diag(node, CDH_LOG_ERROR,
				 "an account must be a group { ... }");
		return CDH_E_CONFIG;
	}
	st.account = calloc(1, sizeof(*st.account));
	if (!st.account)
		return CDH_E_NOMEM;
	rc = read_fields(&st);
	if (rc == 0)
		rc = drg_account__check(&st);
	if (rc != 0 || st.errors) {
		drg_account_free(st.account);
		return rc != 0 ? CDH_E_NOMEM : CDH_E_CONFIG;
	}
	*out = st.account;
	return CDH_OK;
}

/* The password leaves memory wiped, not just freed. */
static void free_secret(char *secret)
{
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}

void drg_account_free(struct drg_account *account)
{
	size_t i;

	if (!account)
		return;
	for (i = 0; i < account->repository_count; i++)
		free(account->repositories[i]);
	free(account->repositories);
	pcre2_code_free(account->repositories_re);
	drg_strvec_release(&account->skip);
	drg_strvec_release(&account->required_group_membership);
	for (i = 0; i < DRG_AUTH_COUNT; i++)
		drg_strvec_release(&account->permissions[i]);
	free_secret(account->password);
	free_secret(account->password_command);
	free(account->name);
	free(account->environment);
	free(account->account_type);
	free(account->address);
	free(account->registry);
	free(account->endpoint);
	free(account->host);
	free(account->username);
	free(account->password_file);
	free(account->dockerconfig_file);
	free(account->email);
	free(account->catalog_file);
	free(account->repositories_regex);
	free(account->ca_cert_file);
	free(account);
}

/* A match data block per call: agents may ask from several threads. */
static int regex_matches(const pcre2_code *re, const char *subject)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc;

	if (!md)
		return 0;
	rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

int drg_account_wants_repository(const struct drg_account *account,
				 const char *repository)
{
	size_t i;

	for (i = 0; i < account->skip.count; i++)
		if (strcmp(account->skip.items[i], repository) == 0)
			return 0;
	if (account->repositories_re)
		return regex_matches(account->repositories_re, repository);
	return 1;
}
