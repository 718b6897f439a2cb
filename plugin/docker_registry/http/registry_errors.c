#include "http/registry_errors.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "cdh_plugin.h"

int drg_content_type_is_json(const char *ct)
{
	size_t len;

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	len = strcspn(ct, "; \t");
	if (len == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	return len > 5 && strncasecmp(ct + len - 5, "+json", 5) == 0 &&
	       strncasecmp(ct, "application/", 12) == 0;
}

static void copy_string(json_object *obj, const char *key, char *out,
			size_t outlen)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(out, outlen, "%s", json_object_get_string(v));
}

int drg_registry_error_parse(const char *content_type, const char *body,
			     size_t len, struct drg_registry_error *out)
{
	struct json_tokener *tok;
	json_object *root = NULL, *errors = NULL, *first;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (!drg_content_type_is_json(content_type) || len > INT32_MAX)
		return 0;
	tok = json_tokener_new();
	if (tok)
		root = json_tokener_parse_ex(tok, body, (int)len);
	if (root && json_object_is_type(root, json_type_object) &&
	    json_object_object_get_ex(root, "errors", &errors) &&
	    json_object_is_type(errors, json_type_array) &&
	    json_object_array_length(errors) > 0) {
		first = json_object_array_get_idx(errors, 0);
		if (json_object_is_type(first, json_type_object)) {
			copy_string(first, "code", out->code, sizeof(out->code));
			copy_string(first, "message", out->message,
				    sizeof(out->message));
			found = out->code[0] != '\0';
		}
	}
	json_object_put(root);
	json_tokener_free(tok);
	return found;
}

int drg_error_status_retryable(long status)
{
	return status == 408 || status == 429 || status == 500 ||
	       status == 502 || status == 503 || status == 504;
}

int drg_error_classify(long status, const char *code)
{
	if (code && strcmp(code, "TOOMANYREQUESTS") == 0)
		return DRG_ERR_RATE_LIMITED;
	if (status == 429)
		return DRG_ERR_RATE_LIMITED;
	if (status == 401 || status == 403)
		return DRG_ERR_AUTH;
	if (status == 404 || status == 410)
		return DRG_ERR_NOT_FOUND;
	if (drg_error_status_retryable(status) || status >= 500 || status == 0)
		return DRG_ERR_TRANSIENT;
	if (code && (strcmp(code, "UNAVAILABLE") == 0 ||
		     strcmp(code, "UNKNOWN") == 0))
		return DRG_ERR_TRANSIENT;
	return DRG_ERR_FATAL;
}

int32_t drg_error_class_cdh(int cls)
{
	switch (cls) {
	case DRG_ERR_NONE:
		return CDH_OK;
	case DRG_ERR_NOT_FOUND:
	case DRG_ERR_FATAL:
		return CDH_E_FATAL;
	case DRG_ERR_CREDENTIALS: /* retried too, but named (#20) */
		return CDH_E_CREDENTIALS;
	default: /* auth may heal (password file, token server), so retry */
		return CDH_E_TRANSIENT;
	}
}

int32_t drg_error_for_host(const struct cdh_host_api *api, int32_t code)
{
	if (code == CDH_E_CREDENTIALS && (!api || api->abi_minor < 1))
		return CDH_E_TRANSIENT;
	return code;
}

const char *drg_error_class_name(int cls)
{
	static const char *const names[] = { "ok",        "auth",
					     "not found", "rate limited",
					     "transient", "fatal",
					     "credentials" };

	return cls >= 0 && cls <= DRG_ERR_CREDENTIALS ? names[cls] : "unknown";
}
