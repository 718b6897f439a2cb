/*
 * credentials_fn - how the registry client asks for an account's
 * credentials; credentials.c implements it, auth.c and registry.c call it.
 */
#ifndef DRG_CREDENTIALS_FN_H
#define DRG_CREDENTIALS_FN_H

#include <stddef.h>

/*
 * Fills user and pass (NUL-terminated); user "" means anonymous. renew != 0
 * after an auth failure asks for fresh ones (re-read the file, re-run the
 * command). Returns 0, or -1 with a secret-free message in err.
 *
 * A user of "<token>" (DRG_IDENTITY_TOKEN_USER) means the password is a
 * docker identity token (an OAuth2 refresh token), as docker's credential
 * helpers say it.
 */
typedef int (*drg_credentials_fn)(void *ctx, int renew, char *user,
				  size_t userlen, char *pass, size_t passlen,
				  char *err, size_t errlen);

#endif
