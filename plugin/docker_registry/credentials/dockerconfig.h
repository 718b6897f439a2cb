/*
 * dockerconfig - what a docker config.json (`~/.docker/config.json`, the
 * account's dockerconfigFile) says about one registry, in docker's own
 * lookup order:
 *   1. credHelpers[registry]  -> docker-credential-<helper> get
 *   2. credsStore             -> docker-credential-<store> get
 *   3. auths[registry]        -> `auth` (base64 "user:password"), or
 *                                `identitytoken`, or username + password
 *   4. nothing                -> anonymous
 * A key matches when its host (scheme and path dropped, as docker's
 * ConvertToHostname does) equals the registry's host[:port]; for Docker Hub
 * any of Hub's names matches (docker logs in as "https://index.docker.io/v1/").
 *
 * An identity token is returned the way credential helpers do it: username
 * "<token>" and the token as the secret.
 *
 * Secrets are returned in heap strings the caller wipes (explicit_bzero) and
 * frees; messages never contain one.
 */
#ifndef DRG_DOCKERCONFIG_H
#define DRG_DOCKERCONFIG_H

#include <stddef.h>
#include <stdint.h>

#define DRG_DOCKERCONFIG_NONE 0   /* nothing for this registry */
#define DRG_DOCKERCONFIG_BASIC 1  /* username + secret */
#define DRG_DOCKERCONFIG_TOKEN 2  /* secret is an identity token */
#define DRG_DOCKERCONFIG_HELPER 3 /* ask `helper` about `server_url` */

/* Docker's marker username for "the secret is an identity token". */
#define DRG_IDENTITY_TOKEN_USER "<token>"

struct drg_dockerconfig_entry {
	int kind;         /* DRG_DOCKERCONFIG_* */
	char *username;   /* BASIC: the user; TOKEN: "<token>" */
	char *secret;     /* BASIC, TOKEN: SECRET */
	char *helper;     /* HELPER: the name after "docker-credential-" */
	char *server_url; /* HELPER: what to write on its stdin */
};

/*
 * Looks `host` (host[:port], lower-case) up in the config.json text `json`.
 * Returns 0 with *out filled (release it with drg_dockerconfig_entry_release),
 * or -1 with err (malformed JSON or entry; out of memory).
 */
int drg_dockerconfig_find(const char *json, const char *host, int docker_hub,
			  struct drg_dockerconfig_entry *out, char *err,
			  size_t errlen);

/* Wipes the secret and frees everything; the entry is NONE afterwards. */
void drg_dockerconfig_entry_release(struct drg_dockerconfig_entry *entry);

/*
 * Runs `docker-credential-<helper> get` (on PATH) with `server_url` on stdin,
 * killed after timeout_ms. Returns 0 with *user and *secret (caller wipes and
 * frees; both "" when the helper has no credentials for that server), or -1
 * with err (the helper failed: its exit and a stderr excerpt).
 */
int drg_dockerconfig_helper_get(const char *helper, const char *server_url,
				int64_t timeout_ms, char **user, char **secret,
				char *err, size_t errlen);

/*
 * Decodes standard base64 (padding optional) into out (NUL-terminated),
 * with OpenSSL's EVP_DecodeBlock.
 * Returns the decoded length, or -1 when the text is not base64 or does not
 * fit outcap - 1 bytes.
 */
long drg_dockerconfig_base64_decode(const char *in, char *out, size_t outcap);

#endif
