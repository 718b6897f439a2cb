#include "account.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Clouddriver's DockerRegistryNamedAccountCredentials defaults. */
#define DEFAULT_CACHE_THREADS 1
#define DEFAULT_CACHE_INTERVAL_S 30
#define DEFAULT_CLIENT_TIMEOUT_MS 60000
#define DEFAULT_PAGINATE_SIZE 100

struct parse_state {
	const struct cdh_host_api *api;
	const struct cdh_config_node *node;
	struct drg_account *account;
	int errors;
};

/* "account NAME: FIELD PROBLEM" against `node`; counts as an error. */
static void report(struct parse_state *st, const struct cdh_config_node *node,
		   const char *field, const char *problem)
{
	st->api->config_diag(node, CDH_LOG_ERROR, "account %s: %s %s",
			     st->account->name ? st->account->name : "?",
			     field, problem);
	st->errors++;
}

char *drg_account_normalize_address(const char *address)
{
	size_t len;
	char *out;

	if (!address || !*address)
		return NULL;
	len = strlen(address);
	/* Clouddriver strips one trailing '/' and then a '/v2' suffix. */
	if (len > 0 && address[len - 1] == '/')
		len--;
	if (len >= 3 && strncmp(address + len - 3, "/v2", 3) == 0)
		len -= 3;
	if (strncmp(address, "http://", 7) == 0 ||
	    strncmp(address, "https://", 8) == 0) {
		out = malloc(len + 1);
		if (out) {
			memcpy(out, address, len);
			out[len] = '\0';
		}
		return out;
	}
	/* Halyard prefixes https:// to a scheme-less address. */
	out = malloc(len + sizeof("https://"));
	if (out)
		snprintf(out, len + sizeof("https://"), "https://%.*s",
			 (int)len, address);
	return out;
}

static char *registry_of(const char *address)
{
	const char *rest = strstr(address, "://");

	return strdup(rest ? rest + 3 : address);
}

static int read_string(struct parse_state *st, const char *field, char **out)
{
	const struct cdh_config_node *member =
		st->api->cfg_member(st->node, field);
	const char *value;

	if (!member)
		return 0;
	if (st->api->cfg_string(member, &value) != CDH_OK) {
		report(st, member, field, "must be a string");
		return 0;
	}
	*out = strdup(value);
	return *out ? 0 : -1;
}

static void read_int(struct parse_state *st, const char *field, int64_t min,
		     int64_t *out)
{
	const struct cdh_config_node *member =
		st->api->cfg_member(st->node, field);
	int64_t value;

	if (!member)
		return;
	if (st->api->cfg_int(member, &value) != CDH_OK) {
		report(st, member, field, "must be an integer");
		return;
	}
	/* Clouddriver treats 0 as "use the default". */
	if (value == 0)
		return;
	if (value < min) {
		report(st, member, field, "must be positive");
		return;
	}
	*out = value;
}

static int read_repositories(struct parse_state *st)
{
	const struct cdh_config_node *list =
		st->api->cfg_member(st->node, "repositories");
	struct drg_account *acct = st->account;
	size_t count, i;

	if (!list)
		return 0;
	if (st->api->cfg_type(list) != CDH_CFG_LIST) {
		report(st, list, "repositories", "must be a list of strings");
		return 0;
	}
	count = st->api->cfg_count(list);
	acct->repositories = calloc(count ? count : 1, sizeof(char *));
	if (!acct->repositories)
		return -1;
	for (i = 0; i < count; i++) {
		const struct cdh_config_node *item = st->api->cfg_at(list, i);
		const char *repo;

		if (st->api->cfg_string(item, &repo) != CDH_OK || !*repo) {
			report(st, item, "repositories", "entries must be non-empty strings");
			continue;
		}
		acct->repositories[acct->repository_count] = strdup(repo);
		if (!acct->repositories[acct->repository_count])
			return -1;
		acct->repository_count++;
	}
	return 0;
}

static const char *const known_fields[] = {
	"name", "address", "repositories", "cacheThreads",
	"cacheIntervalSeconds", "clientTimeoutMillis", "paginateSize", NULL,
};

static void warn_unknown_fields(struct parse_state *st)
{
	size_t count = st->api->cfg_count(st->node), i, k;

	for (i = 0; i < count; i++) {
		const struct cdh_config_node *member = st->api->cfg_at(st->node, i);
		const char *field = st->api->cfg_name(member);

		for (k = 0; known_fields[k]; k++)
			if (field && strcmp(field, known_fields[k]) == 0)
				break;
		if (field && !known_fields[k])
			st->api->config_diag(member, CDH_LOG_WARN,
					     "account %s: unknown field '%s' ignored",
					     st->account->name ? st->account->name : "?",
					     field);
	}
}

static int read_required(struct parse_state *st)
{
	struct drg_account *acct = st->account;
	char *address = NULL;

	if (read_string(st, "name", &acct->name) != 0)
		return -1;
	if (!acct->name || !*acct->name) {
		st->api->config_diag(st->node, CDH_LOG_ERROR, "%s",
			"Docker Registry account must be provided with a name.");
		st->errors++;
	}
	if (read_string(st, "address", &address) != 0)
		return -1;
	if (!address || !*address) {
		st->api->config_diag(st->node, CDH_LOG_ERROR,
			"Docker Registry account %s must provide an endpoint address.",
			acct->name ? acct->name : "?");
		st->errors++;
		free(address);
		return 0;
	}
	acct->address = drg_account_normalize_address(address);
	free(address);
	if (!acct->address)
		return -1;
	acct->registry = registry_of(acct->address);
	return acct->registry ? 0 : -1;
}

static int read_all(struct parse_state *st)
{
	struct drg_account *acct = st->account;
	int64_t threads = DEFAULT_CACHE_THREADS;

	if (st->api->cfg_type(st->node) != CDH_CFG_GROUP) {
		st->api->config_diag(st->node, CDH_LOG_ERROR, "%s",
				     "an account must be a group { ... }");
		st->errors++;
		return 0;
	}
	if (read_required(st) != 0 || read_repositories(st) != 0)
		return -1;
	acct->cache_interval_s = DEFAULT_CACHE_INTERVAL_S;
	acct->client_timeout_ms = DEFAULT_CLIENT_TIMEOUT_MS;
	acct->paginate_size = DEFAULT_PAGINATE_SIZE;
	read_int(st, "cacheThreads", 1, &threads);
	read_int(st, "cacheIntervalSeconds", 1, &acct->cache_interval_s);
	read_int(st, "clientTimeoutMillis", 1, &acct->client_timeout_ms);
	read_int(st, "paginateSize", 1, &acct->paginate_size);
	if (threads > 1024) {
		report(st, st->api->cfg_member(st->node, "cacheThreads"), "cacheThreads", "must be at most 1024");
		threads = 1;
	}
	acct->cache_threads = (uint32_t)threads;
	warn_unknown_fields(st);
	return 0;
}

int32_t drg_account_parse(const struct cdh_host_api *api,
			  const struct cdh_config_node *node,
			  struct drg_account **out)
{
	struct parse_state st = { api, node, NULL, 0 };

	*out = NULL;
	st.account = calloc(1, sizeof(*st.account));
	if (!st.account)
		return CDH_E_NOMEM;
	if (read_all(&st) != 0) {
		drg_account_free(st.account);
		return CDH_E_NOMEM;
	}
	if (st.errors) {
		drg_account_free(st.account);
		return CDH_E_CONFIG;
	}
	*out = st.account;
	return CDH_OK;
}

void drg_account_free(struct drg_account *account)
{
	size_t i;

	if (!account)
		return;
	for (i = 0; i < account->repository_count; i++)
		free(account->repositories[i]);
	free(account->repositories);
	free(account->name);
	free(account->address);
	free(account->registry);
	free(account);
}
