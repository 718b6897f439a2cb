#include "plugins/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_view.h"
#include "util/diag.h"

static const char *const section_keys[] = { "enabled", "primaryAccount",
					     "accounts", NULL };

/* The section's `enabled` flag; a section without one is enabled. */
static int section_enabled(const struct cdh_config_node *section)
{
	const struct cdh_config_node *flag = cdh_cfg_member(section, "enabled");
	int32_t enabled = 1;

	if (flag && cdh_cfg_bool(flag, &enabled) != CDH_OK)
		cdh_cfg_diag(flag, CDH_LOG_ERROR, "enabled must be true or false");
	return enabled;
}

/* The section's accounts list node, or NULL when it has none or is off. */
static const struct cdh_config_node *
accounts_of(const struct cdh_config_node *section)
{
	const struct cdh_config_node *list;

	if (!section || !section_enabled(section))
		return NULL;
	list = cdh_cfg_member(section, "accounts");
	if (list && cdh_cfg_type(list) != CDH_CFG_LIST) {
		cdh_cfg_diag(list, CDH_LOG_ERROR,
			     "accounts must be a list ( { ... }, { ... } )");
		return NULL;
	}
	return list;
}

static const char *account_name(const struct cdh_config_node *account)
{
	const char *name = NULL;

	if (cdh_cfg_string(cdh_cfg_member(account, "name"), &name) != CDH_OK)
		return NULL;
	return name;
}

static void check_unique_names(const struct cdh_config_node *list)
{
	size_t count = cdh_cfg_count(list), i, j;

	for (i = 0; i < count; i++) {
		const char *name = account_name(cdh_cfg_at(list, i));

		for (j = 0; name && j < i; j++) {
			const char *other = account_name(cdh_cfg_at(list, j));

			if (other && strcmp(name, other) == 0) {
				cdh_cfg_diag(cdh_cfg_at(list, i), CDH_LOG_ERROR,
					     "account %s is defined twice (first at line %d)",
					     name, cdh_cfg_line(cdh_cfg_at(list, j)));
				break;
			}
		}
	}
}

static void check_section_keys(const struct cdh_config_node *section)
{
	size_t count = cdh_cfg_count(section), i, k;

	for (i = 0; i < count; i++) {
		const struct cdh_config_node *member = cdh_cfg_at(section, i);
		const char *name = cdh_cfg_name(member);

		for (k = 0; section_keys[k] && strcmp(section_keys[k], name); k++)
			;
		if (!section_keys[k])
			cdh_cfg_diag(member, CDH_LOG_WARN,
				     "unknown field '%s' in %s ignored", name,
				     cdh_cfg_name(section));
	}
}

/* `enabled = false` would otherwise make `run --once` do nothing, silently. */
static void disabled_warning(const struct cdh_plugin_slot *slot,
			     const struct cdh_config_node *section)
{
	const struct cdh_config_node *flag = cdh_cfg_member(section, "enabled");
	int32_t enabled = 1;

	if (flag && cdh_cfg_bool(flag, &enabled) == CDH_OK && !enabled)
		cdh_cfg_diag(flag, CDH_LOG_WARN,
			     "%s is disabled (enabled = false): its accounts are "
			     "not refreshed or served", slot->desc.config_section);
}

static void validate_plugin(const struct cdh_plugin_slot *slot,
			    const struct cdh_config *config)
{
	const struct cdh_config_node *section =
		cdh_config_section(config, slot->desc.config_section);
	const struct cdh_config_node *list;
	size_t i, count;
	char err[256];

	if (!section)
		return;
	if (cdh_cfg_type(section) != CDH_CFG_GROUP) {
		cdh_cfg_diag(section, CDH_LOG_ERROR, "%s must be a group { ... }",
			     slot->desc.config_section);
		return;
	}
	check_section_keys(section);
	list = accounts_of(section);
	disabled_warning(slot, section);
	check_unique_names(list);
	count = cdh_cfg_count(list);
	for (i = 0; i < count; i++)
		slot->ops.validate_config(cdh_cfg_at(list, i), err, sizeof(err));
}

/* Top-level sections that no ready plugin reads are probably typos. */
static void check_sections(const struct cdh_loader *loader,
			   const struct cdh_config *config)
{
	const struct cdh_config_node *root = cdh_config_root(config);
	size_t count = cdh_cfg_count(root), i;

	for (i = 0; i < count; i++) {
		const struct cdh_config_node *section = cdh_cfg_at(root, i);
		const char *name = cdh_cfg_name(section);

		if (strcmp(name, "host") != 0 &&
		    !cdh_loader_find_section(loader, name))
			cdh_cfg_diag(section, CDH_LOG_WARN,
				     "no loaded plugin reads section '%s'; ignored",
				     name);
	}
}

int cdh_accounts_validate(const struct cdh_loader *loader,
			  const struct cdh_config *config, struct cdh_diag *diag)
{
	size_t i;

	cdh_diag_begin(diag);
	check_sections(loader, config);
	for (i = 0; i < cdh_loader_count(loader); i++) {
		const struct cdh_plugin_slot *slot = cdh_loader_slot(loader, i);

		if (slot->ready)
			validate_plugin(slot, config);
	}
	cdh_diag_end();
	return diag->errors;
}

static void capture_describe(void *ctx, const char *json)
{
	char **out = ctx;

	free(*out);
	*out = strdup(json);
}

/* The account's Clouddriver credentials views, kept for the API's readers. */
static void describe(struct cdh_account *acct)
{
	if (!acct->plugin->ops.describe)
		return;
	acct->plugin->ops.describe(acct->instance, CDH_DESCRIBE_SUMMARY,
				   capture_describe, &acct->summary_json);
	acct->plugin->ops.describe(acct->instance, CDH_DESCRIBE_EXPANDED,
				   capture_describe, &acct->expanded_json);
}

static struct cdh_account *create_one(struct cdh_plugin_slot *slot,
				      const struct cdh_config_node *node,
				      char *fingerprint, char *err,
				      size_t errlen)
{
	struct cdh_instance_info info = { sizeof(info), 0, 0 };
	struct cdh_account *acct = calloc(1, sizeof(*acct));
	char perr[512] = "";
	int32_t rc;

	if (!acct || !(acct->name = strdup(account_name(node) ? account_name(node) : "?"))) {
		snprintf(err, errlen, "out of memory");
		free(acct);
		free(fingerprint);
		return NULL;
	}
	acct->plugin = slot;
	acct->fingerprint = fingerprint;
	slot->users++;
	rc = slot->ops.create(node, &acct->instance, &info, perr, sizeof(perr));
	if (rc != CDH_OK || !acct->instance || info.agent_count == 0) {
		snprintf(err, errlen, "%s:%d: account %s: %s", cdh_cfg_file(node),
			 cdh_cfg_line(node), acct->name,
			 perr[0] ? perr : "the plugin could not create it");
		if (rc == CDH_OK && acct->instance)
			slot->ops.destroy(acct->instance);
		acct->instance = NULL;
		cdh_account_free(acct);
		return NULL;
	}
	acct->agent_count = info.agent_count;
	acct->interval_ms = info.interval_ms;
	describe(acct);
	return acct;
}

/*
 * Whether the plugin keeps `old` running with the settings of `node`: its
 * reconfigure op (optional) applies them in place, or finds them equal in
 * value (a list whose order means nothing to it, a default written out),
 * and the agents stay as they are. On CDH_OK `old` takes the new
 * fingerprint and views.
 */
static int reconfigured(struct cdh_account *old,
			const struct cdh_config_node *node, char **fingerprint)
{
	struct cdh_instance_info info = { sizeof(info), 0, 0 };
	char perr[512] = "";
	char *swap;

	if (!old->plugin->ops.reconfigure ||
	    old->plugin->ops.reconfigure(old->instance, node, &info, perr,
					 sizeof(perr)) != CDH_OK ||
	    info.agent_count != old->agent_count ||
	    info.interval_ms != old->interval_ms)
		return 0;
	swap = old->fingerprint;
	old->fingerprint = *fingerprint;
	*fingerprint = swap;
	describe(old);
	return 1;
}

/* Moves the matching unchanged account out of `reuse`, or NULL. A match
 * whose settings changed is kept only if the plugin reconfigures it. */
static struct cdh_account *take_unchanged(struct cdh_accounts *reuse,
					  const struct cdh_plugin_slot *slot,
					  const struct cdh_config_node *node,
					  const char *name, char **fingerprint)
{
	size_t i;

	for (i = 0; reuse && i < reuse->count; i++) {
		struct cdh_account *old = reuse->items[i];

		if (!old || old->moving || old->plugin != slot ||
		    strcmp(old->name, name) != 0)
			continue;
		if (strcmp(old->fingerprint, *fingerprint) != 0 &&
		    !reconfigured(old, node, fingerprint))
			return NULL;
		old->moving = 1;
		return old;
	}
	return NULL;
}

static int add_account(struct cdh_plugin_slot *slot,
		       const struct cdh_config_node *section,
		       const struct cdh_config_node *node,
		       struct cdh_accounts *reuse, struct cdh_accounts *out,
		       char *err, size_t errlen)
{
	const char *name = account_name(node), *primary = NULL;
	char *fingerprint = cdh_cfg_fingerprint(node);
	struct cdh_account *acct;

	if (!fingerprint) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	acct = take_unchanged(reuse, slot, node, name ? name : "?", &fingerprint);
	if (acct)
		free(fingerprint);
	else
		acct = create_one(slot, node, fingerprint, err, errlen);
	if (!acct)
		return -1;
	cdh_cfg_string(cdh_cfg_member(section, "primaryAccount"), &primary);
	acct->primary = primary && strcmp(primary, acct->name) == 0;
	out->items[out->count++] = acct;
	return 0;
}

static size_t total_accounts(const struct cdh_loader *loader,
			     const struct cdh_config *config)
{
	size_t i, total = 0;

	for (i = 0; i < cdh_loader_count(loader); i++) {
		const struct cdh_plugin_slot *slot = cdh_loader_slot(loader, i);

		if (slot->ready)
			total += cdh_cfg_count(accounts_of(cdh_config_section(
				config, slot->desc.config_section)));
	}
	return total;
}

/*
 * Ends a build: on success the accounts taken from `reuse` leave it; on
 * failure they stay there and only the new ones are freed.
 */
static void finish_create(struct cdh_accounts *reuse, struct cdh_accounts *out,
			  int ok)
{
	size_t i;

	for (i = 0; !ok && i < out->count; i++)
		if (out->items[i]->moving)
			out->items[i] = NULL;
	for (i = 0; reuse && i < reuse->count; i++) {
		struct cdh_account *acct = reuse->items[i];

		if (acct && acct->moving && ok)
			reuse->items[i] = NULL;
		if (acct)
			acct->moving = 0;
	}
	if (!ok)
		cdh_accounts_release(out);
}

static int create_all(const struct cdh_loader *loader,
		      const struct cdh_config *config, struct cdh_accounts *reuse,
		      struct cdh_accounts *out, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < cdh_loader_count(loader); i++) {
		struct cdh_plugin_slot *slot = cdh_loader_slot(loader, i);
		const struct cdh_config_node *section, *list;

		if (!slot->ready)
			continue;
		section = cdh_config_section(config, slot->desc.config_section);
		list = accounts_of(section);
		for (j = 0; j < cdh_cfg_count(list); j++)
			if (add_account(slot, section, cdh_cfg_at(list, j), reuse,
					out, err, errlen) != 0)
				return -1;
	}
	return 0;
}

int cdh_accounts_create(const struct cdh_loader *loader,
			const struct cdh_config *config,
			struct cdh_accounts *reuse, struct cdh_accounts *out,
			char *err, size_t errlen)
{
	size_t total = total_accounts(loader, config);
	int rc;

	out->count = 0;
	out->items = calloc(total ? total : 1, sizeof(*out->items));
	if (!out->items) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* The config was validated: its warnings were shown once already. */
	cdh_diag_set_quiet(1);
	rc = create_all(loader, config, reuse, out, err, errlen);
	cdh_diag_set_quiet(0);
	finish_create(reuse, out, rc == 0);
	return rc;
}

void cdh_account_free(struct cdh_account *acct)
{
	if (!acct)
		return;
	if (acct->instance)
		acct->plugin->ops.destroy(acct->instance);
	if (acct->plugin && --acct->plugin->users == 0)
		cdh_loader_retire(acct->plugin);
	free(acct->name);
	free(acct->fingerprint);
	free(acct->summary_json);
	free(acct->expanded_json);
	free(acct);
}

void cdh_accounts_release(struct cdh_accounts *accounts)
{
	size_t i;

	for (i = 0; i < accounts->count; i++)
		cdh_account_free(accounts->items[i]);
	free(accounts->items);
	accounts->items = NULL;
	accounts->count = 0;
}

struct cdh_account *cdh_accounts_find(const struct cdh_accounts *accounts,
				      const char *name)
{
	size_t i;

	for (i = 0; i < accounts->count; i++)
		if (accounts->items[i] && strcmp(accounts->items[i]->name, name) == 0)
			return accounts->items[i];
	return NULL;
}
