/*
 * halyard - validation before anything is written: the plugin's own checks
 * of the section's accounts (validate_config, as `cdhost run` will run
 * them), then its registry check of the account added or edited (verify,
 * Halyard's DockerRegistryAccountValidator), printed as Halyard prints
 * problems.
 */
#include <stdio.h>
#include <string.h>

#include "config/config_view.h"
#include "util/diag.h"
#include "util/progress.h"
#include "halyard/halyard_internal.h"

static const char *account_name(const struct cdh_config_node *account)
{
	const char *name = NULL;

	if (cdh_cfg_string(cdh_cfg_member(account, "name"), &name) != CDH_OK)
		return NULL;
	return name;
}

/* The plugin's checks of one account; 1 when it has errors. Printed, or
 * only counted when `quiet`. */
static int validate_account(const struct cdh_halyard_session *s,
			    const struct cdh_config_node *account, int quiet)
{
	struct cdh_diag diag;
	char err[256];

	cdh_diag_begin(&diag);
	cdh_diag_set_quiet(quiet);
	s->slot->ops.validate_config(account, err, sizeof(err));
	cdh_diag_set_quiet(0);
	cdh_diag_end();
	return diag.errors > 0;
}

/* Accounts are told apart by name: two of one name cannot both run. */
static int duplicate_name(const struct cdh_config_node *list, size_t index)
{
	const char *name = account_name(cdh_cfg_at(list, index));
	size_t i;

	for (i = 0; name && i < index; i++) {
		const char *other = account_name(cdh_cfg_at(list, i));

		if (other && strcmp(other, name) == 0) {
			cdh_cfg_diag(cdh_cfg_at(list, index), CDH_LOG_ERROR,
				     "account %s is defined twice", name);
			return 1;
		}
	}
	return 0;
}

static int section_enabled(const struct cdh_config_node *section)
{
	int32_t enabled = 1;

	cdh_cfg_bool(cdh_cfg_member(section, "enabled"), &enabled);
	return enabled;
}

int cdh_halyard__check_section(const struct cdh_halyard_session *s,
			       const char *target)
{
	const struct cdh_config_node *section, *list;
	int enabled, target_bad = 0, others_bad = 0;
	size_t i, count;

	section = cdh_config_edit_section(s->doc, s->provider.section, 0);
	list = cdh_cfg_member(section, "accounts");
	if (list && cdh_cfg_type(list) != CDH_CFG_LIST)
		return cdh_halyard__fail(
		    s, HAL_EXIT_USAGE,
		    "%s: %s.accounts must be a list "
		    "( { ... }, { ... } ); nothing written",
		    s->path, s->provider.section);
	enabled = section_enabled(section);
	count = cdh_cfg_count(list);
	for (i = 0; i < count; i++) {
		const struct cdh_config_node *account = cdh_cfg_at(list, i);
		const char *name = account_name(account);
		int is_target = target && name && strcmp(name, target) == 0;

		if (duplicate_name(list, i)) {
			others_bad = 1;
		} else if (is_target) {
			target_bad = validate_account(s, account, 0);
		} else if (enabled && validate_account(s, account, 1)) {
			validate_account(s, account, 0); /* now say why */
			others_bad = 1;
		}
	}
	if (target_bad)
		return cdh_halyard__fail(s, HAL_EXIT_USAGE,
					 "account %s is invalid; the "
					 "config is unchanged",
					 target);
	if (others_bad)
		return cdh_halyard__fail(s, HAL_EXIT_USAGE,
					 "%s: invalid configuration, "
					 "nothing written",
					 s->path);
	return 0;
}

struct findings {
	const char *section;
	const char *name;
	int errors;
	int warnings;
};

/* Halyard's problem list: a header, then "! ERROR" / "- WARNING" lines;
 * a remediation comes from the plugin on its own "? " line. */
static void print_finding(void *ctx, int32_t level, const char *message)
{
	struct findings *f = ctx;

	cdh_progress_hold();
	if (f->errors + f->warnings == 0)
		fprintf(stderr, "Problems in %s.%s:\n", f->section, f->name);
	if (level <= CDH_LOG_ERROR)
		f->errors++;
	else
		f->warnings++;
	fprintf(stderr, "%s %s\n",
		level <= CDH_LOG_ERROR ? "! ERROR" : "- WARNING", message);
	cdh_progress_release();
}

int cdh_halyard__check_registry(const struct cdh_halyard_session *s,
				const struct cdh_config_node *account,
				const char *name)
{
	struct cdh_instance_info info = {sizeof(info), 0, 0};
	struct findings f = {s->provider.section, name, 0, 0};
	void *instance = NULL;
	char err[512] = "";
	int32_t rc;

	if (!s->slot->ops.verify) {
		fprintf(stderr,
			"cdhost: %s: the %s plugin cannot check accounts "
			"against their registry; saved unchecked\n",
			s->command, s->slot->desc.name);
		return 0;
	}
	/* Its settings were checked and reported already. */
	cdh_diag_set_quiet(1);
	rc = s->slot->ops.create(account, &instance, &info, err, sizeof(err));
	cdh_diag_set_quiet(0);
	if (rc != CDH_OK || !instance)
		return cdh_halyard__fail(s, HAL_EXIT_RUNTIME,
					 "account %s: %s; the config is "
					 "unchanged",
					 name,
					 err[0] ? err : "cannot be created");
	/* A registry that never answers: say what is awaited (a terminal). */
	cdh_progress_start(CDH_PROGRESS_WAIT);
	rc = s->slot->ops.verify(instance, print_finding, &f);
	cdh_progress_stop();
	s->slot->ops.destroy(instance);
	if (rc == CDH_OK && f.errors == 0)
		return 0;
	if (rc == CDH_E_NOMEM)
		return cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s",
					 "out of memory");
	return cdh_halyard__fail(
	    s, HAL_EXIT_RUNTIME,
	    "account %s did not pass the "
	    "registry check; the config is unchanged (--no-validate "
	    "saves it without this check)",
	    name);
}
