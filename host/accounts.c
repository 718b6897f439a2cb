#include "accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_view.h"
#include "diag.h"

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
			  const struct cdh_config *config)
{
	struct cdh_diag diag;
	size_t i;

	cdh_diag_begin(&diag);
	check_sections(loader, config);
	for (i = 0; i < cdh_loader_count(loader); i++) {
		const struct cdh_plugin_slot *slot = cdh_loader_slot(loader, i);

		if (slot->ready)
			validate_plugin(slot, config);
	}
	cdh_diag_end();
	return diag.errors;
}

static int create_one(const struct cdh_plugin_slot *slot,
		      const struct cdh_config_node *node,
		      struct cdh_accounts *out, char *err, size_t errlen)
{
	struct cdh_instance_info info = { sizeof(info), 0 };
	struct cdh_account *acct = &out->items[out->count];
	char perr[512] = "";
	int32_t rc;

	memset(acct, 0, sizeof(*acct));
	acct->plugin = slot;
	acct->name = strdup(account_name(node) ? account_name(node) : "?");
	if (!acct->name) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->count++;
	rc = slot->ops.create(node, &acct->instance, &info, perr, sizeof(perr));
	if (rc != CDH_OK || !acct->instance || info.agent_count == 0) {
		snprintf(err, errlen, "%s:%d: account %s: %s", cdh_cfg_file(node),
			 cdh_cfg_line(node), acct->name,
			 perr[0] ? perr : "the plugin could not create it");
		acct->instance = NULL;
		return -1;
	}
	acct->agent_count = info.agent_count;
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

int cdh_accounts_create(const struct cdh_loader *loader,
			const struct cdh_config *config,
			struct cdh_accounts *out, char *err, size_t errlen)
{
	size_t total = total_accounts(loader, config), i, j;

	out->count = 0;
	out->items = calloc(total ? total : 1, sizeof(*out->items));
	if (!out->items) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* The config was validated: its warnings were shown once already. */
	cdh_diag_set_quiet(1);
	for (i = 0; i < cdh_loader_count(loader); i++) {
		const struct cdh_plugin_slot *slot = cdh_loader_slot(loader, i);
		const struct cdh_config_node *list;

		if (!slot->ready)
			continue;
		list = accounts_of(cdh_config_section(config, slot->desc.config_section));
		for (j = 0; j < cdh_cfg_count(list); j++) {
			if (create_one(slot, cdh_cfg_at(list, j), out, err, errlen) != 0) {
				cdh_diag_set_quiet(0);
				cdh_accounts_release(out);
				return -1;
			}
		}
	}
	cdh_diag_set_quiet(0);
	return 0;
}

void cdh_accounts_release(struct cdh_accounts *accounts)
{
	size_t i;

	for (i = 0; i < accounts->count; i++) {
		struct cdh_account *acct = &accounts->items[i];

		if (acct->instance)
			acct->plugin->ops.destroy(acct->instance);
		free(acct->name);
	}
	free(accounts->items);
	accounts->items = NULL;
	accounts->count = 0;
}
