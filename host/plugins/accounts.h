/*
 * accounts - the plugin instances built from a config: for every ready
 * plugin, its section's `accounts` list (Spinnaker's convention, with
 * `enabled` and `primaryAccount` beside it), each account validated by the
 * plugin and created as one instance with one or more agents.
 */
#ifndef CDH_ACCOUNTS_H
#define CDH_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/diag.h"
#include "plugins/loader.h"

struct cdh_account {
	struct cdh_plugin_slot *plugin;
	char *name;
	char *fingerprint;    /* the account's settings rendered: equal = unchanged */
	void *instance;       /* the plugin's; NULL until created */
	uint32_t agent_count;
	uint64_t interval_ms; /* 0: the host's default */
	int primary;          /* named by the section's primaryAccount */
	char *summary_json;   /* describe(SUMMARY), or NULL without describe */
	char *expanded_json;  /* describe(EXPANDED), or NULL */
	int moving;           /* cdh_accounts_create: taken from reuse, not yet final */
};

/* A set of accounts; items are heap objects so they can move between sets. */
struct cdh_accounts {
	struct cdh_account **items;
	size_t count;
};

/*
 * Validates every plugin section and account of `config` (diagnostics go
 * through diag as "file:line: why", counted in *diag). Returns the number
 * of errors; 0 means the config may be used.
 */
int cdh_accounts_validate(const struct cdh_loader *loader,
			  const struct cdh_config *config, struct cdh_diag *diag);

/*
 * Builds the accounts of a validated config into `out`. An account of
 * `reuse` (may be NULL) with the same plugin, name and settings is moved
 * into `out` as it is (its slot in reuse becomes NULL); every other account
 * gets a new instance. On return `reuse` holds only what changed or went.
 * 0 ok; -1 with err, and then `out` is empty and `reuse` as it was.
 */
int cdh_accounts_create(const struct cdh_loader *loader,
			const struct cdh_config *config,
			struct cdh_accounts *reuse, struct cdh_accounts *out,
			char *err, size_t errlen);

/* Destroys one account's instance and frees it. */
void cdh_account_free(struct cdh_account *account);

/* Frees every account still in the set (NULL slots skipped); empties it. */
void cdh_accounts_release(struct cdh_accounts *accounts);

/* The account named `name`, or NULL. */
struct cdh_account *cdh_accounts_find(const struct cdh_accounts *accounts,
				      const char *name);

#endif
