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

#include "config.h"
#include "loader.h"

struct cdh_account {
	const struct cdh_plugin_slot *plugin;
	char *name;
	void *instance; /* the plugin's; NULL until created */
	uint32_t agent_count;
};

struct cdh_accounts {
	struct cdh_account *items;
	size_t count;
};

/*
 * Validates every plugin section and account of `config` (diagnostics go
 * through diag as "file:line: why"). Returns the number of errors; 0 means
 * the config may be used.
 */
int cdh_accounts_validate(const struct cdh_loader *loader,
			  const struct cdh_config *config);

/*
 * Creates an instance per account of a validated config into `out`.
 * 0 ok; -1 with err (then nothing is left created).
 */
int cdh_accounts_create(const struct cdh_loader *loader,
			const struct cdh_config *config,
			struct cdh_accounts *out, char *err, size_t errlen);

/* Destroys every instance and empties the set. */
void cdh_accounts_release(struct cdh_accounts *accounts);

#endif
