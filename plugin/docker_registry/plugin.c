/*
 * plugin - the docker_registry plugin's ABI entry and glue: negotiation,
 * and the ops table that maps instances to accounts and agents to refreshes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "account/account.h"
#include "agent/agent.h"
#include "agent/event.h"
#include "cdh_plugin.h"
#include "credentials/credentials.h"
#include "account/describe.h"
#include "account/settings.h"
#include "registry/registry.h"
#include "query/query.h"
#include "verify.h"

#define DRG_VERSION "0.1.0"

/* The host's table, set once at negotiation, valid until shutdown. */
static const struct cdh_host_api *host;

/*
 * What one agent keeps between its runs. A push (refresh_scope) may run
 * while the agent's cycle runs (CDH_PLUGIN_SCOPE_BESIDE_REFRESH), so the
 * two share nothing but what `lock` guards: each has its own registry
 * client (connections, token cache, rate limit: not thread-safe), and a
 * push reads no memo but what the store holds for its repository
 * (drg_stored_memo), since the cycle reads `memo` unlocked while it runs.
 * What a push learns goes into `memo` when no cycle runs, else into
 * `pushed`, which the cycle merges into its new memo when it ends.
 */
struct agent_slot {
	struct drg_registry *client;       /* the cycle's */
	struct drg_registry *scope_client; /* the pushes' (one at a time) */
	pthread_mutex_t lock;              /* guards the three below */
	struct drg_memo *memo;             /* what the last cycle learnt */
	struct drg_memo *pushed;           /* learnt by pushes since it began */
	int cycling;                       /* a cycle runs */
	int lock_ready;
};

/*
 * One account (the host's opaque instance): its settings, its credentials,
 * and per agent (cacheThreads of them; the host may run them in parallel)
 * its slot. The clients share the credentials: drg_credentials_get is their
 * drg_credentials_fn, and thread-safe. verify makes a client of its own.
 */
struct instance {
	struct drg_account *account;
	struct drg_credentials *credentials;
	struct agent_slot *agents;
};

static int32_t plugin_init(char *errbuf, size_t errlen)
{
	(void)errbuf, (void)errlen;
	return CDH_OK;
}

static void plugin_shutdown(void)
{
}

static int32_t plugin_validate(const struct cdh_config_node *node, char *errbuf,
			       size_t errlen)
{
	struct drg_account *account = NULL;
	int32_t rc = drg_account_parse(host, node, &account);

	if (rc != CDH_OK)
		snprintf(errbuf, errlen, "invalid docker registry account");
	drg_account_free(account);
	return rc;
}

static void plugin_destroy(void *opaque)
{
	struct instance *inst = opaque;
	uint32_t i;

	if (!inst)
		return;
	for (i = 0; inst->agents && i < inst->account->cache_threads; i++) {
		struct agent_slot *slot = &inst->agents[i];

		drg_registry_free(slot->client);
		drg_registry_free(slot->scope_client);
		drg_memo_free(slot->memo);
		drg_memo_free(slot->pushed);
		if (slot->lock_ready)
			pthread_mutex_destroy(&slot->lock);
	}
	free(inst->agents);
	drg_credentials_free(inst->credentials);
	drg_account_free(inst->account);
	free(inst);
}

/* The options of the account's registry clients. */
static struct drg_registry_options client_options(const struct instance *inst)
{
	const struct drg_account *acct = inst->account;
	/* Requests go to the endpoint (Docker Hub: registry-1.docker.io). */
	struct drg_registry_options opts = {
		.address = acct->endpoint,
		.account = acct->name,
		.timeout_ms = acct->client_timeout_ms,
		.paginate_size = acct->paginate_size,
		.credentials = drg_credentials_get,
		.credentials_ctx = inst->credentials,
		.insecure = acct->insecure_registry,
		.ca_cert_file = acct->ca_cert_file,
		.max_concurrent = acct->max_concurrent_requests,
		.requests_per_second = (double)acct->requests_per_second,
	};

	return opts;
}

static int32_t make_agents(struct instance *inst)
{
	const struct drg_account *acct = inst->account;
	struct drg_registry_options opts = client_options(inst);
	uint32_t i;

	inst->agents = calloc(acct->cache_threads, sizeof(*inst->agents));
	if (!inst->agents)
		return CDH_E_NOMEM;
	for (i = 0; i < acct->cache_threads; i++) {
		struct agent_slot *slot = &inst->agents[i];

		if (pthread_mutex_init(&slot->lock, NULL) != 0)
			return CDH_E_NOMEM;
		slot->lock_ready = 1;
		slot->client = drg_registry_new(&opts);
		slot->scope_client = drg_registry_new(&opts);
		slot->memo = drg_memo_new();
		if (!slot->client || !slot->scope_client || !slot->memo)
			return CDH_E_NOMEM;
	}
	return CDH_OK;
}

static int32_t plugin_create(const struct cdh_config_node *node,
			     void **out_instance, struct cdh_instance_info *info,
			     char *errbuf, size_t errlen)
{
	struct instance *inst = calloc(1, sizeof(*inst));
	int32_t rc;

	*out_instance = NULL;
	if (!inst)
		return CDH_E_NOMEM;
	rc = drg_account_parse(host, node, &inst->account);
	if (rc == CDH_OK) {
		inst->credentials = drg_credentials_new(inst->account, host);
		rc = inst->credentials ? make_agents(inst) : CDH_E_NOMEM;
	}
	if (rc != CDH_OK) {
		snprintf(errbuf, errlen, "cannot create account: %s",
			 host->strerror(rc));
		plugin_destroy(inst);
		return rc;
	}
	info->agent_count = inst->account->cache_threads;
	info->interval_ms = (uint64_t)inst->account->cache_interval_s * 1000u;
	*out_instance = inst;
	return CDH_OK;
}

/*
 * A changed account node: kept running when its settings are the same
 * account by value (settings or set-like lists reordered, a default
 * written out): nothing to apply, nothing to refresh again. Anything else
 * is refused, and the host re-creates the instance.
 */
static int32_t plugin_reconfigure(void *opaque,
				  const struct cdh_config_node *node,
				  struct cdh_instance_info *info, char *errbuf,
				  size_t errlen)
{
	struct instance *inst = opaque;
	struct drg_account *account = NULL;
	int32_t rc = drg_account_parse(host, node, &account);

	if (rc == CDH_OK && !drg_account_equal(inst->account, account))
		rc = CDH_E_CONFIG;
	drg_account_free(account);
	if (rc != CDH_OK) {
		snprintf(errbuf, errlen, "settings changed: re-create the account");
		return rc;
	}
	info->agent_count = inst->account->cache_threads;
	info->interval_ms = (uint64_t)inst->account->cache_interval_s * 1000u;
	return CDH_OK;
}

static int32_t plugin_agent_name(const void *opaque, uint32_t index, char *buf,
				 size_t buflen)
{
	const struct instance *inst = opaque;

	return drg_agent_name(inst->account, index, buf, buflen);
}

/*
 * Adds what a push learnt to `into`. An empty memo stays empty: the next
 * cycle then seeds all of it from the store (which holds the push too),
 * where one entry would make it fetch every other config again. Short of
 * memory, a fact is missing: a cycle fetches it again.
 */
static void merge_into(struct drg_memo *into, const struct drg_memo *from)
{
	if (from && drg_memo_count(into) > 0)
		(void)drg_memo_merge(into, from);
}

/* A cycle begins: pushes from now on learn beside it. */
static void cycle_begins(struct agent_slot *slot)
{
	pthread_mutex_lock(&slot->lock);
	slot->cycling = 1;
	pthread_mutex_unlock(&slot->lock);
}

/* A cycle ended: what pushes learnt meanwhile joins its memo (the pushes
 * read their repositories later than the cycle did). */
static void cycle_ends(struct agent_slot *slot)
{
	pthread_mutex_lock(&slot->lock);
	slot->cycling = 0;
	merge_into(slot->memo, slot->pushed);
	drg_memo_free(slot->pushed);
	slot->pushed = NULL;
	pthread_mutex_unlock(&slot->lock);
}

static int32_t plugin_refresh(void *opaque, uint32_t index,
			      struct cdh_refresh *refresh, char *errbuf,
			      size_t errlen)
{
	struct instance *inst = opaque;
	struct agent_slot *slot;
	int32_t rc;

	if (index >= inst->account->cache_threads)
		return CDH_E_FATAL;
	slot = &inst->agents[index];
	cycle_begins(slot);
	drg_registry_bind(slot->client, host, refresh);
	/* slot->memo is replaced only here, and pushes leave it alone while
	 * `cycling`: the cycle reads it unlocked. */
	rc = drg_agent_refresh(host, inst->account, slot->client, index,
			       &slot->memo, refresh, errbuf, errlen);
	drg_registry_bind(slot->client, host, NULL);
	cycle_ends(slot);
	return rc;
}

static int32_t plugin_describe(const void *opaque, int32_t detail,
			       cdh_json_sink_fn sink, void *sink_ctx)
{
	const struct instance *inst = opaque;
	char *json = drg_describe_account(inst->account, detail);

	if (!json)
		return detail == CDH_DESCRIBE_SUMMARY || detail == CDH_DESCRIBE_EXPANDED
			       ? CDH_E_NOMEM
			       : CDH_E_FATAL;
	sink(sink_ctx, json);
	free(json);
	return CDH_OK;
}

static int32_t plugin_verify(void *opaque, cdh_report_fn report,
			     void *report_ctx)
{
	struct instance *inst = opaque;
	struct drg_registry_options opts = client_options(inst);
	/* A client of its own: the agents' may be refreshing right now. */
	struct drg_registry *reg = drg_registry_new(&opts);
	int32_t rc;

	if (!reg)
		return CDH_E_NOMEM;
	rc = drg_verify_account(host, inst->account, inst->credentials, reg,
				report, report_ctx);
	drg_registry_free(reg);
	return rc;
}

/* What a push learnt, for the agent's next cycles (a missing fact only
 * costs that cycle a request). */
static void keep_learnt(struct agent_slot *slot, const struct drg_memo *learnt)
{
	pthread_mutex_lock(&slot->lock);
	if (!slot->cycling)
		merge_into(slot->memo, learnt);
	else if (slot->pushed || (slot->pushed = drg_memo_new()) != NULL)
		(void)drg_memo_merge(slot->pushed, learnt);
	pthread_mutex_unlock(&slot->lock);
}

static int32_t plugin_refresh_scope(void *opaque, uint32_t index,
				    const char *scope,
				    struct cdh_refresh *refresh, char *errbuf,
				    size_t errlen)
{
	struct instance *inst = opaque;
	struct agent_slot *slot;
	/* Its own memo, seeded from the store: see struct agent_slot. */
	struct drg_memo *learnt = drg_memo_new();
	int32_t rc;

	if (index >= inst->account->cache_threads || !scope) {
		drg_memo_free(learnt);
		return CDH_E_FATAL;
	}
	if (!learnt)
		return CDH_E_NOMEM;
	slot = &inst->agents[index];
	drg_registry_bind(slot->scope_client, host, refresh);
	rc = drg_agent_refresh_scope(host, inst->account, slot->scope_client,
				     index, scope, &learnt, refresh, errbuf,
				     errlen);
	drg_registry_bind(slot->scope_client, host, NULL);
	if (rc == CDH_OK)
		keep_learnt(slot, learnt);
	drg_memo_free(learnt);
	return rc;
}

static int32_t plugin_query(struct cdh_query *q)
{
	return drg_query(host, q);
}

/* Igor's docker event for a change the host stored (agent/event.h). */
static int32_t plugin_describe_change(const void *opaque, const char *type,
				      const char *id, const char *old_attributes,
				      const char *new_attributes,
				      cdh_json_sink_fn sink, void *sink_ctx)
{
	const struct instance *inst = opaque;
	char *event = drg_event_describe(inst->account, type, id,
					 old_attributes, new_attributes);

	if (event)
		sink(sink_ctx, event);
	free(event);
	return CDH_OK;
}

static int64_t plugin_event_threshold(const void *opaque)
{
	const struct instance *inst = opaque;

	return inst->account->item_upper_threshold;
}

static const struct cdh_plugin_ops ops = {
	.struct_size = sizeof(struct cdh_plugin_ops),
	.init = plugin_init,
	.shutdown = plugin_shutdown,
	.validate_config = plugin_validate,
	.create = plugin_create,
	.agent_name = plugin_agent_name,
	.refresh = plugin_refresh,
	.destroy = plugin_destroy,
	.reconfigure = plugin_reconfigure,
	.describe = plugin_describe,
	.verify = plugin_verify,
	.query = plugin_query,
	.refresh_scope = plugin_refresh_scope,
	.describe_change = plugin_describe_change,
	.event_threshold = plugin_event_threshold,
};

/* Clouddriver serves its docker image routes under /titus/images too. */
static const char *const route_aliases[] = { "titus", NULL };

static const struct cdh_plugin_desc descriptor = {
	.struct_size = sizeof(struct cdh_plugin_desc),
	.magic = CDH_PLUGIN_MAGIC,
	.name = "docker_registry",
	.version = DRG_VERSION,
	.description = "Docker Registry v2 images (Clouddriver dockerRegistry)",
	.config_section = "dockerRegistry",
	/* refresh_scope shares no unlocked state with refresh (agent_slot). */
	.flags = CDH_PLUGIN_SCOPE_BESIDE_REFRESH,
	.ops = &ops,
	.cli_name = DRG_CLI_NAME,
	.settings = drg_account_settings,
	.setting_count = DRG_ACCOUNT_SETTING_COUNT,
	.route_aliases = route_aliases,
};

CDH_PLUGIN_DEFINE(descriptor, host)
