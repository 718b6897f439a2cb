/*
 * authz - who may read which account: Fiat's READ rules (DESIGN 9.5,
 * clouddriver-cluster.md 6.3) over host.authz's static table. The host
 * learns an account's roles from Clouddriver-wide fields of its credentials
 * JSON (`permissions`, legacy `requiredGroupMembership`), never from the
 * provider's own settings.
 */
#ifndef CDH_AUTHZ_H
#define CDH_AUTHZ_H

#include "config/config.h"

/* An account's roles as Fiat sees them (lower-case). */
struct cdh_authz_account {
	int restricted;          /* some authorization names a role */
	struct cdh_names read;   /* roles that give READ */
};

/*
 * Fills `out` from a credentials JSON (describe). A text that is not JSON
 * or carries neither field leaves the account unrestricted, as Fiat does.
 * 0, or -1 out of memory.
 */
int cdh_authz_account_parse(const char *json, struct cdh_authz_account *out);
void cdh_authz_account_release(struct cdh_authz_account *account);

/*
 * Non-zero when `user` (X-SPINNAKER-USER; NULL or "" = anonymous) may read
 * `account` under `authz` (NULL: no such account now); `admin` (the
 * local command line) reads all. A NULL or disabled `authz` allows all.
 */
int cdh_authz_can_read(const struct cdh_authz_config *authz, const char *user,
		       int admin, const struct cdh_authz_account *account);

#endif
