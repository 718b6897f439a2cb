/*
 * account_internal - what account.c (reading fields) and account_check.c
 * (checks across fields) share. Not part of the module's interface.
 */
#ifndef DRG_ACCOUNT_INTERNAL_H
#define DRG_ACCOUNT_INTERNAL_H

#include "account/account.h"

struct drg_account__parse {
	const struct cdh_host_api *api;
	const struct cdh_config_node *node; /* the account group */
	struct drg_account *account;
	int errors;
};

/* The account's name for messages, "(unnamed)" when it has none. */
const char *drg_account__label(const struct drg_account__parse *st);

/*
 * "account NAME: FIELD: why" against `node` (NULL: the account group) at
 * `level`; an error is counted.
 */
void drg_account__diag(struct drg_account__parse *st,
		       const struct cdh_config_node *node, int32_t level,
		       const char *field, const char *fmt, ...)
	CDH_PRINTF(5, 6);

/*
 * Checks the fields read so far together and derives the rest (address
 * forms, defaults that depend on the name, the compiled regex). 0, or -1
 * when out of memory.
 */
int drg_account__check(struct drg_account__parse *st);

#endif
