/*
 * account - one docker registry account: its settings with Clouddriver's
 * names and defaults, read from the host's config view and validated.
 *
 * An account is immutable once parsed; a config change makes a new one.
 */
#ifndef DRG_ACCOUNT_H
#define DRG_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "cdh_plugin.h"

struct drg_account {
	char *name;
	char *address;  /* scheme://host[:port][/base], no trailing '/' or /v2 */
	char *registry; /* address without its scheme: the one used in keys */
	char **repositories;
	size_t repository_count;
	uint32_t cache_threads;       /* number of caching agents, >= 1 */
	int64_t cache_interval_s;     /* refresh interval */
	int64_t client_timeout_ms;    /* per-request timeout */
	int64_t paginate_size;        /* n= on tags/list and _catalog */
};

/*
 * Reads and validates an account group node. Every problem is reported through
 * api->config_diag against the node it concerns (the host adds file:line).
 * Returns CDH_OK and *out (caller frees with drg_account_free), CDH_E_CONFIG
 * when any error was reported (*out NULL), or CDH_E_NOMEM.
 */
int32_t drg_account_parse(const struct cdh_host_api *api,
			  const struct cdh_config_node *node,
			  struct drg_account **out);

void drg_account_free(struct drg_account *account);

/*
 * Normalises a configured address into scheme://rest without a trailing '/'
 * or '/v2'. A scheme-less address gets https://. Returns a new string (caller
 * frees) or NULL when out of memory or the address is empty.
 */
char *drg_account_normalize_address(const char *address);

#endif
