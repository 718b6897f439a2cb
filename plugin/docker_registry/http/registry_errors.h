/*
 * registry_errors - what went wrong with a registry request, as a closed set
 * of classes the caching agent acts on, and the registry's own error body
 * (distribution docs/spec/api.md "Errors"):
 *   {"errors":[{"code":"NAME_UNKNOWN","message":"...","detail":...}]}
 * The body is parsed only when the Content-Type is JSON (text/plain 404s,
 * HAProxy 429s, HTML and S3 XML exist: registry-protocol.md §5); `detail`
 * may be anything and is ignored.
 */
#ifndef DRG_REGISTRY_ERRORS_H
#define DRG_REGISTRY_ERRORS_H

#include <stddef.h>
#include <stdint.h>

/* Error classes (int). */
#define DRG_ERR_NONE 0
#define DRG_ERR_AUTH 1         /* 401/403 after one fresh credential */
#define DRG_ERR_NOT_FOUND 2    /* 404: repository, manifest or blob unknown */
#define DRG_ERR_RATE_LIMITED 3 /* 429 (or TOOMANYREQUESTS) after retries */
#define DRG_ERR_TRANSIENT 4    /* network, 5xx, timeouts: try next cycle */
#define DRG_ERR_FATAL 5        /* the answer is unusable: a bug or misconfig */
#define DRG_ERR_CREDENTIALS 6  /* the account's credentials: could not be had
				  (password file, command), or a 401/403 to
				  them after renewing once (wrong password) */

struct drg_registry_error {
	char code[64];     /* first errors[].code, "" when none */
	char message[256]; /* its message, "" when none */
};

/* 1 when a Content-Type's base type is application/json or ends in +json. */
int drg_content_type_is_json(const char *content_type);

/*
 * Reads the first error of a JSON error body into *out. Returns 1 when one
 * was found, 0 otherwise (not JSON, no errors array...); *out is always set.
 */
int drg_registry_error_parse(const char *content_type, const char *body,
			     size_t len, struct drg_registry_error *out);

/* The class of a non-2xx answer: by status, refined by the error code. */
int drg_error_classify(long status, const char *code);

/* Whether an idempotent request failing so may be retried at once-ish. */
int drg_error_status_retryable(long status);

/* The CDH_E_* code the host acts on for a class (CDH_OK for NONE). */
int32_t drg_error_class_cdh(int cls);

struct cdh_host_api;

/*
 * `code` as the host of `api` knows it: CDH_E_CREDENTIALS (ABI 1.1) is
 * CDH_E_TRANSIENT to a 1.0 host, which backs off the same but would name it
 * "unknown error". Every other code is returned as it is.
 */
int32_t drg_error_for_host(const struct cdh_host_api *api, int32_t code);

/* "auth", "not found", ...: static storage. */
const char *drg_error_class_name(int cls);

#endif
