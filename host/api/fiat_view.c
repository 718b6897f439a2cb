/*
 * fiat_view - Fiat's permission view (see fiat_view.h).
 */
#include "api/fiat_view.h"

#include <string.h>
#include <strings.h>

/* `value` is a JSON string equal to `want` (ignoring case when asked).
 * json_object_get_string gives NULL for a JSON null and text for the other
 * types (5 reads "5"), so the type is checked first. */
static int string_is(json_object *value, const char *want, int ignore_case)
{
	const char *s;

	if (!json_object_is_type(value, json_type_string))
		return 0;
	s = json_object_get_string(value);
	return ignore_case ? strcasecmp(s, want) == 0 : strcmp(s, want) == 0;
}

/* Fiat's Authorization list of one account holds "READ". */
static int lists_read(json_object *auths)
{
	size_t i, n;

	if (!json_object_is_type(auths, json_type_array))
		return 0;
	n = json_object_array_length(auths);
	for (i = 0; i < n; i++)
		if (string_is(json_object_array_get_idx(auths, i), "READ", 0))
			return 1;
	return 0;
}

/* A JSON true: json_object_get_boolean would also take "false" and 1. */
static int is_true(json_object *value)
{
	return json_object_is_type(value, json_type_boolean) &&
	       json_object_get_boolean(value);
}

int cdh_fiat_view_reads(json_object *view, const char *account)
{
	json_object *admin, *accounts, *name, *auths;
	size_t i, n;

	if (!json_object_is_type(view, json_type_object))
		return 0;
	if (json_object_object_get_ex(view, "admin", &admin) && is_true(admin))
		return 1;
	if (!json_object_object_get_ex(view, "accounts", &accounts) ||
	    !json_object_is_type(accounts, json_type_array))
		return 0;
	n = json_object_array_length(accounts);
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(accounts, i);

		if (json_object_object_get_ex(a, "name", &name) &&
		    string_is(name, account, 1) &&
		    json_object_object_get_ex(a, "authorizations", &auths) &&
		    lists_read(auths))
			return 1;
	}
	return 0;
}
