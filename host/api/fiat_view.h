/*
 * fiat_view - reads Fiat's UserPermission.View (GET /authorize/<user>):
 * `admin`, and `accounts` [{ "name", "authorizations": ["READ", ...] }].
 * The view comes from the network, so every member may be missing or of
 * any JSON type (null included); what is not the expected type gives no
 * permission.
 */
#ifndef CDH_FIAT_VIEW_H
#define CDH_FIAT_VIEW_H

#include <json-c/json.h>

/*
 * Non-zero when `view` (borrowed; any JSON value, or NULL) gives READ on
 * `account`: "admin" is true, or an account named `account` (ignoring
 * case) lists "READ" among its authorizations.
 */
int cdh_fiat_view_reads(json_object *view, const char *account);

#endif
