/*
 * authz - Fiat's READ rules over the static table (see authz.h).
 */
#include "api/authz.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ANONYMOUS "anonymous"

static int add_role(struct cdh_names *names, const char *role)
{
	char **grown;
	char *copy, *c;

	if (!*role)
		return 0;
	grown = realloc(names->items, (names->count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	names->items = grown;
	if (!(copy = strdup(role)))
		return -1;
	for (c = copy; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	grown[names->count++] = copy;
	return 0;
}

/* The strings of a JSON array into `names` (NULL: skip); counts them. */
static int add_roles(json_object *array, struct cdh_names *names,
		     size_t *count)
{
	size_t i, n;

	if (!array || !json_object_is_type(array, json_type_array))
		return 0;
	n = json_object_array_length(array);
	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(array, i);
		const char *role;

		if (!json_object_is_type(item, json_type_string))
			continue;
		role = json_object_get_string(item);
		if (!*role)
			continue;
		(*count)++;
		if (names && add_role(names, role) != 0)
			return -1;
	}
	return 0;
}

/* Fiat's Permissions: restricted when any authorization names a role. */
static int read_permissions(json_object *perms, struct cdh_authz_account *out,
			    int *any)
{
	size_t roles = 0;

	*any = 0;
	if (!perms || !json_object_is_type(perms, json_type_object))
		return 0;
	json_object_object_foreach(perms, key, value) {
		if (!json_object_is_type(value, json_type_array))
			continue;
		*any = 1;
		if (add_roles(value, strcmp(key, "READ") == 0 ? &out->read : NULL,
			      &roles) != 0)
			return -1;
	}
	out->restricted = roles > 0;
	return 0;
}

int cdh_authz_account_parse(const char *json, struct cdh_authz_account *out)
{
	json_object *root = json ? json_tokener_parse(json) : NULL;
	json_object *perms = NULL, *legacy = NULL;
	size_t roles = 0;
	int any = 0, rc = 0;

	memset(out, 0, sizeof(*out));
	if (!root)
		return 0;
	json_object_object_get_ex(root, "permissions", &perms);
	json_object_object_get_ex(root, "requiredGroupMembership", &legacy);
	rc = read_permissions(perms, out, &any);
	/* Legacy groups count as READ (and WRITE) only without permissions. */
	if (rc == 0 && !any) {
		rc = add_roles(legacy, &out->read, &roles);
		out->restricted = roles > 0;
	}
	json_object_put(root);
	if (rc != 0)
		cdh_authz_account_release(out);
	return rc;
}

void cdh_authz_account_release(struct cdh_authz_account *account)
{
	size_t i;

	for (i = 0; i < account->read.count; i++)
		free(account->read.items[i]);
	free(account->read.items);
	memset(account, 0, sizeof(*account));
}

static int has_name(const struct cdh_names *names, const char *name)
{
	size_t i;

	for (i = 0; i < names->count; i++)
		if (strcasecmp(names->items[i], name) == 0)
			return 1;
	return 0;
}

static int intersects(const struct cdh_names *a, const struct cdh_names *b)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		if (has_name(b, a->items[i]))
			return 1;
	return 0;
}

static const struct cdh_authz_user *
find_user(const struct cdh_authz_config *authz, const char *user)
{
	size_t i;

	for (i = 0; i < authz->user_count; i++)
		if (strcasecmp(authz->users[i].name, user) == 0)
			return &authz->users[i];
	return NULL;
}

int cdh_authz_can_read(const struct cdh_authz_config *authz, const char *user,
		       int admin, const struct cdh_authz_account *account)
{
	const struct cdh_authz_user *known;

	if (!authz || !authz->enabled || admin)
		return 1;
	if (!user || !*user)
		user = ANONYMOUS;
	if (has_name(&authz->admins, user))
		return 1;
	known = find_user(authz, user);
	/* An unknown user has no view in Fiat (404): denied, unless the
	 * table says to treat it as anonymous. Anonymous has no roles. */
	if (!known && strcasecmp(user, ANONYMOUS) != 0 &&
	    !authz->unknown_anonymous)
		return 0;
	if (!account) /* not configured now: Fiat's view has no such account */
		return 0;
	if (!account->restricted)
		return 1;
	return known && intersects(&known->roles, &account->read);
}
