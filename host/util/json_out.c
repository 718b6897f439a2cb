#include "util/json_out.h"

#include <stdlib.h>
#include <string.h>

char *cdh_json_take_string(json_object *obj)
{
	const char *text;
	char *out = NULL;

	if (!obj)
		return NULL;
	text = json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		out = strdup(text);
	json_object_put(obj);
	return out;
}

char *cdh_json_error(int status, const char *error, const char *message)
{
	json_object *obj = json_object_new_object();

	if (!obj)
		return NULL;
	json_object_object_add(obj, "status", json_object_new_int(status));
	json_object_object_add(obj, "error", json_object_new_string(error));
	json_object_object_add(obj, "message", json_object_new_string(message));
	return cdh_json_take_string(obj);
}
