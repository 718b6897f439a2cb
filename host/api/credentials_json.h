/*
 * credentials_json - Clouddriver's /credentials views of the configured accounts,
 * one implementation behind `cdhost credentials` and the HTTP API. The JSON
 * comes from each plugin's describe(); it never carries a secret.
 */
#ifndef CDH_CREDENTIALS_JSON_H
#define CDH_CREDENTIALS_JSON_H

#include "api/directory.h"

/* GET /credentials[?expand=true]: a JSON array (caller frees), NULL on OOM. */
char *cdh_credentials_list_json(const struct cdh_directory *dir, int expand);

/* GET /credentials/{name}: the expanded object (caller frees), or NULL when
 * no such account (or it cannot describe itself). */
char *cdh_credentials_get_json(const struct cdh_directory *dir, const char *name);

/* The 404 body for an unknown account, Clouddriver's message (caller frees). */
char *cdh_credentials_not_found_json(const char *name);

#endif
