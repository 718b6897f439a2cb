#include "credentials_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config_view.h"
#include "host_api.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

/* The describe sink: keeps the one JSON text the plugin hands over. */
static void keep_json(void *ctx, const char *json)
{
	json_object **out = ctx;

	json_object_put(*out);
	*out = json_tokener_parse(json);
}

static int is_primary(const struct cdh_account *acct,
		      const struct cdh_config *config)
{
	const struct cdh_config_node *section =
		cdh_config_section(config, acct->plugin->desc.config_section);
	const char *primary = NULL;

	if (cdh_cfg_string(cdh_cfg_member(section, "primaryAccount"),
			   &primary) != CDH_OK)
		return 0;
	return strcmp(primary, acct->name) == 0;
}

static json_object *minimal_object(const struct cdh_account *acct)
{
	json_object *obj = json_object_new_object();
	const char *section = acct->plugin->desc.config_section;

	if (!obj)
		return NULL;
	json_object_object_add(obj, "name", json_object_new_string(acct->name));
	json_object_object_add(obj, "cloudProvider", json_object_new_string(section));
	json_object_object_add(obj, "type", json_object_new_string(section));
	return obj;
}

/* One account at `detail`, or NULL with err. */
static json_object *describe(const struct cdh_account *acct,
			     const struct cdh_config *config, int32_t detail,
			     char *err, size_t errlen)
{
	json_object *obj = NULL;
	int32_t rc = CDH_OK;

	if (acct->plugin->ops.describe)
		rc = acct->plugin->ops.describe(acct->instance, detail, keep_json,
						&obj);
	else
		obj = minimal_object(acct);
	if (rc != CDH_OK || !obj || !json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "account %s: %s cannot describe it (%s)",
			 acct->name, acct->plugin->desc.name,
			 rc != CDH_OK ? cdh_strerror(rc) : "no JSON object");
		json_object_put(obj);
		return NULL;
	}
	json_object_object_add(obj, "primaryAccount",
			       json_object_new_boolean(is_primary(acct, config)));
	return obj;
}

static char *to_text(json_object *obj, char *err, size_t errlen)
{
	const char *text = json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = text ? strdup(text) : NULL;

	if (!out)
		snprintf(err, errlen, "out of memory");
	return out;
}

char *cdh_credentials_view_list(const struct cdh_accounts *accounts,
				const struct cdh_config *config, char *err,
				size_t errlen)
{
	json_object *array = json_object_new_array();
	char *out = NULL;
	size_t i;

	if (!array) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < accounts->count; i++) {
		json_object *obj = describe(&accounts->items[i], config,
					    CDH_DESCRIBE_SUMMARY, err, errlen);

		if (!obj)
			goto out;
		json_object_array_add(array, obj);
	}
	out = to_text(array, err, errlen);
out:
	json_object_put(array);
	return out;
}

char *cdh_credentials_view_get(const struct cdh_accounts *accounts,
			       const struct cdh_config *config,
			       const char *name, int *missing, char *err,
			       size_t errlen)
{
	json_object *obj;
	char *out;
	size_t i;

	*missing = 0;
	for (i = 0; i < accounts->count; i++)
		if (strcmp(accounts->items[i].name, name) == 0)
			break;
	if (i == accounts->count) {
		*missing = 1;
		snprintf(err, errlen, "Account does not exist (name: %s)", name);
		return NULL;
	}
	obj = describe(&accounts->items[i], config, CDH_DESCRIBE_EXPANDED, err,
		       errlen);
	if (!obj)
		return NULL;
	out = to_text(obj, err, errlen);
	json_object_put(obj);
	return out;
}

int cdh_credentials_view_command(const struct cdh_loader *loader,
				 const struct cdh_config *config, int argc,
				 char **argv)
{
	struct cdh_accounts accounts = { 0 };
	char err[1024];
	char *json;
	int missing = 0;

	if (cdh_accounts_validate(loader, config) != 0) {
		fprintf(stderr, "cdhost: %s: invalid configuration, nothing done\n",
			config->path);
		return EXIT_USAGE;
	}
	if (cdh_accounts_create(loader, config, &accounts, err, sizeof(err)) != 0) {
		fprintf(stderr, "cdhost: %s\n", err);
		return EXIT_USAGE;
	}
	if (argc >= 2)
		json = cdh_credentials_view_get(&accounts, config, argv[1],
						&missing, err, sizeof(err));
	else
		json = cdh_credentials_view_list(&accounts, config, err,
						 sizeof(err));
	cdh_accounts_release(&accounts);
	if (!json) {
		fprintf(stderr, "cdhost: credentials: %s\n", err);
		return EXIT_RUNTIME;
	}
	printf("%s\n", json);
	free(json);
	return 0;
}
