#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/url.h"

#define USER_MAX 512
#define PASS_MAX 8192 /* a GCR _json_key password is a whole key file */
#define URL_MAX 8192

struct drg_auth {
	char *registry;
	int mode;
	char *realm; /* absolute */
	char *service;
	drg_credentials_fn fn;
	void *ctx;
	int have_creds;
	int creds_stale;
	int renewals; /* renewals left in this run */
	char user[USER_MAX];
	char pass[PASS_MAX];
	struct drg_token_cache *tokens;
};

struct drg_auth *drg_auth_new(const char *registry, drg_credentials_fn fn,
			      void *ctx)
{
	struct drg_auth *auth = calloc(1, sizeof(*auth));

	if (!auth)
		return NULL;
	auth->registry = strdup(registry);
	auth->tokens = drg_token_cache_new();
	auth->fn = fn;
	auth->ctx = ctx;
	auth->renewals = 1;
	if (!auth->registry || !auth->tokens) {
		drg_auth_free(auth);
		return NULL;
	}
	return auth;
}

void drg_auth_free(struct drg_auth *auth)
{
	if (!auth)
		return;
	memset(auth->pass, 0, sizeof(auth->pass));
	drg_token_cache_free(auth->tokens);
	free(auth->registry);
	free(auth->realm);
	free(auth->service);
	free(auth);
}

int drg_auth_mode(const struct drg_auth *auth)
{
	return auth->mode;
}

void drg_auth_set_mode(struct drg_auth *auth, int mode)
{
	auth->mode = mode;
}

struct drg_token_cache *drg_auth_tokens(struct drg_auth *auth)
{
	return auth->tokens;
}

int drg_auth_adopt(struct drg_auth *auth, const struct drg_challenge *c,
		   const char *request_url, char *err, size_t errlen)
{
	char realm[URL_MAX];
	char *r = NULL, *s = NULL;

	if (c->scheme == DRG_AUTH_BASIC) {
		auth->mode = DRG_AUTH_MODE_BASIC;
		return 0;
	}
	if (!c->realm || drg_url_resolve(request_url, c->realm, realm,
					 sizeof(realm)) != 0) {
		snprintf(err, errlen, "Bearer challenge has no usable realm");
		return -1;
	}
	r = strdup(realm);
	s = c->service ? strdup(c->service) : NULL;
	if (!r || (c->service && !s)) {
		free(r);
		free(s);
		return -2;
	}
	free(auth->realm);
	free(auth->service);
	auth->realm = r;
	auth->service = s;
	auth->mode = DRG_AUTH_MODE_BEARER;
	return 0;
}

static int load_credentials(struct drg_auth *auth, char *err, size_t errlen)
{
	int renew = auth->creds_stale && auth->renewals > 0;

	if (auth->have_creds && !renew)
		return 0;
	if (renew)
		auth->renewals--;
	auth->creds_stale = 0;
	auth->user[0] = auth->pass[0] = '\0';
	if (!auth->fn) {
		auth->have_creds = 1;
		return 0;
	}
	if (auth->fn(auth->ctx, renew, auth->user, sizeof(auth->user),
		     auth->pass, sizeof(auth->pass), err, errlen) != 0) {
		memset(auth->pass, 0, sizeof(auth->pass));
		auth->have_creds = 0;
		return -1;
	}
	auth->user[sizeof(auth->user) - 1] = '\0';
	auth->pass[sizeof(auth->pass) - 1] = '\0';
	auth->have_creds = 1;
	return 0;
}

int drg_auth_basic(struct drg_auth *auth, char *out, size_t outlen, char *err,
		   size_t errlen)
{
	char plain[USER_MAX + PASS_MAX + 2];
	int n, rc = -1;

	out[0] = '\0';
	if (load_credentials(auth, err, errlen) != 0)
		return -1;
	if (auth->user[0] == '\0')
		return 0;
	n = snprintf(plain, sizeof(plain), "%s:%s", auth->user, auth->pass);
	/* base64 grows 4/3, plus "Basic " and the NUL. */
	if (n > 0 && (size_t)n < sizeof(plain) &&
	    ((size_t)n + 2) / 3 * 4 + 7 <= outlen) {
		memcpy(out, "Basic ", 6);
		EVP_EncodeBlock((unsigned char *)out + 6,
				(const unsigned char *)plain, n);
		rc = 1;
	} else {
		snprintf(err, errlen, "credentials too long");
	}
	memset(plain, 0, sizeof(plain));
	return rc;
}

int drg_auth_may_send_credentials(const struct drg_auth *auth,
				  const char *url)
{
	if (drg_url_is_https(url))
		return 1;
	return !drg_url_is_https(auth->registry) &&
	       drg_url_same_origin(url, auth->registry);
}

void drg_auth_credentials_failed(struct drg_auth *auth)
{
	auth->creds_stale = 1;
}

const char *drg_auth_user(const struct drg_auth *auth)
{
	return auth->user;
}

void drg_auth_reset_renewals(struct drg_auth *auth)
{
	auth->renewals = 1;
}

int drg_auth_token_url(const struct drg_auth *auth,
		       const struct drg_strvec *scopes, char *url,
		       size_t urllen)
{
	if (!auth->realm || snprintf(url, urllen, "%s", auth->realm) >=
				    (int)urllen)
		return -1;
	if (auth->service &&
	    drg_url_add_param(url, urllen, "service", auth->service) != 0)
		return -1;
	for (size_t i = 0; i < scopes->count; i++)
		if (drg_url_add_param(url, urllen, "scope", scopes->items[i]))
			return -1;
	return 0;
}
