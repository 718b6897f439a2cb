/*
 * fiat - asks Fiat who may read what (host.authz.fiatBaseUrl): GET
 * <base>/authorize/<user>, Fiat's UserPermission.View, kept 20 s per user
 * as Clouddriver's FiatPermissionEvaluator does. Bounded timeouts, and a
 * failed answer is kept 20 s too, so a slow or dead Fiat never stalls the
 * API for longer than one timeout per user and period.
 */
#ifndef CDH_FIAT_H
#define CDH_FIAT_H

/*
 * Non-zero when `user` (NULL or "" = anonymous) may READ `account` by
 * Fiat's view: an admin view, or one whose accounts name `account`
 * (case-insensitively) with READ. Fiat unreachable or any error: denied;
 * an unknown user (404) is denied, or read as anonymous when
 * `unknown_anonymous`. Failures are logged. Thread-safe.
 */
int cdh_fiat_can_read(const char *base_url, const char *user,
		      int unknown_anonymous, const char *account);

/* Forgets every cached answer (tests). */
void cdh_fiat_forget(void);

#endif
