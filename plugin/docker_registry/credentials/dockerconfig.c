#include "credentials/dockerconfig.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "account/account.h"
#include "credentials/command.h"

/* What docker itself calls Docker Hub in credential stores. */
#define HUB_SERVER_URL "https://index.docker.io/v1/"
/* The docker-credential-helpers' answer for "no such server". */
#define HELPER_NOT_FOUND "credentials not found"
#define HELPER_NAME_MAX 128

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

#define B64_ALPHABET \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* The last 2 or 3 characters of a text without its padding: EVP_DecodeBlock
 * takes whole groups of 4, so the group is completed with 'A' (zero bits)
 * and only the bytes the characters carry are kept. */
static void decode_tail(const char *in, size_t rest, char *out)
{
	unsigned char quad[4] = { 'A', 'A', 'A', 'A' }, bytes[3];

	memcpy(quad, in, rest);
	EVP_DecodeBlock(bytes, quad, 4);
	memcpy(out, bytes, rest - 1);
	explicit_bzero(quad, sizeof(quad));
	explicit_bzero(bytes, sizeof(bytes));
}

long drg_dockerconfig_base64_decode(const char *in, char *out, size_t outcap)
{
	size_t len = strlen(in), full, n;

	/* Padding is optional. EVP_DecodeBlock counts padding as zero bytes,
	 * so it is taken off here and the length computed without it. */
	while (len && in[len - 1] == '=')
		len--;
	/* EVP_DecodeBlock would also take '=' inside and blanks around the
	 * text; a lone last character carries less than a byte. */
	if (strspn(in, B64_ALPHABET) < len || len % 4 == 1 || len > INT_MAX)
		return -1;
	full = len - len % 4;
	n = full / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (n >= outcap)
		return -1;
	if (full && EVP_DecodeBlock((unsigned char *)out,
				    (const unsigned char *)in, (int)full) < 0)
		return -1;
	if (len % 4)
		decode_tail(in + full, len % 4, out + full / 4 * 3);
	out[n] = '\0';
	return (long)n;
}

/* docker's ConvertToHostname: the key without scheme and path. */
static int key_matches(const char *key, const char *host, int docker_hub)
{
	const char *sep = strstr(key, "://");
	const char *h = sep ? sep + 3 : key;
	size_t len = strcspn(h, "/");

	if (docker_hub)
		return len && drg_account_is_docker_hub(h);
	return strlen(host) == len && strncasecmp(h, host, len) == 0;
}

static json_object *find_keyed(json_object *map, const char *host,
			       int docker_hub)
{
	if (!map || !json_object_is_type(map, json_type_object))
		return NULL;
	json_object_object_foreach(map, key, value)
		if (key_matches(key, host, docker_hub))
			return value;
	return NULL;
}

static const char *string_member(json_object *obj, const char *name)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int set_helper(struct drg_dockerconfig_entry *out, const char *helper,
		      const char *host, int docker_hub)
{
	out->kind = DRG_DOCKERCONFIG_HELPER;
	out->helper = strdup(helper);
	out->server_url = strdup(docker_hub ? HUB_SERVER_URL : host);
	return out->helper && out->server_url ? 0 : -1;
}

/* "user:password" from an `auth` value; -1 when malformed. */
static int split_auth(const char *auth, struct drg_dockerconfig_entry *out)
{
	size_t cap = strlen(auth) + 1;
	char *plain = malloc(cap), *colon;
	int rc = -1;

	if (plain && drg_dockerconfig_base64_decode(auth, plain, cap) >= 0 &&
	    (colon = strchr(plain, ':')) != NULL) {
		out->username = strndup(plain, (size_t)(colon - plain));
		out->secret = strdup(colon + 1);
		rc = out->username && out->secret ? 0 : -1;
	}
	if (plain) {
		explicit_bzero(plain, cap);
		free(plain);
	}
	return rc;
}

static int read_auth_entry(json_object *entry, const char *host,
			   struct drg_dockerconfig_entry *out, char *err,
			   size_t errlen)
{
	const char *token = string_member(entry, "identitytoken");
	const char *auth = string_member(entry, "auth");
	const char *user = string_member(entry, "username");
	const char *pass = string_member(entry, "password");

	if (token && *token) {
		out->kind = DRG_DOCKERCONFIG_TOKEN;
		out->username = strdup(DRG_IDENTITY_TOKEN_USER);
		out->secret = strdup(token);
	} else if (auth && *auth) {
		out->kind = DRG_DOCKERCONFIG_BASIC;
		if (split_auth(auth, out) != 0) {
			snprintf(err, errlen,
				 "the auths entry for %s has an \"auth\" that is not "
				 "base64 of user:password", host);
			return -1;
		}
	} else if (user && pass) {
		out->kind = DRG_DOCKERCONFIG_BASIC;
		out->username = strdup(user);
		out->secret = strdup(pass);
	} else {
		return 0; /* an empty entry: anonymous, as docker does */
	}
	if (!out->username || !out->secret) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int lookup(json_object *root, const char *host, int docker_hub,
		  struct drg_dockerconfig_entry *out, char *err, size_t errlen)
{
	json_object *helpers = NULL, *auths = NULL, *found;
	const char *store = string_member(root, "credsStore");

	json_object_object_get_ex(root, "credHelpers", &helpers);
	json_object_object_get_ex(root, "auths", &auths);
	found = find_keyed(helpers, host, docker_hub);
	if (found && json_object_is_type(found, json_type_string) &&
	    *json_object_get_string(found))
		return set_helper(out, json_object_get_string(found), host,
				  docker_hub);
	if (store && *store)
		return set_helper(out, store, host, docker_hub);
	found = find_keyed(auths, host, docker_hub);
	if (found && json_object_is_type(found, json_type_object))
		return read_auth_entry(found, host, out, err, errlen);
	return 0;
}

int drg_dockerconfig_find(const char *json, const char *host, int docker_hub,
			  struct drg_dockerconfig_entry *out, char *err,
			  size_t errlen)
{
	enum json_tokener_error jerr = json_tokener_success;
	json_object *root;
	int rc;

	memset(out, 0, sizeof(*out));
	root = json_tokener_parse_verbose(json, &jerr);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "not a JSON object (%s)",
			 root ? "wrong type" : json_tokener_error_desc(jerr));
		json_object_put(root);
		return -1;
	}
	rc = lookup(root, host, docker_hub, out, err, errlen);
	json_object_put(root);
	if (rc != 0) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		drg_dockerconfig_entry_release(out);
	}
	return rc;
}

void drg_dockerconfig_entry_release(struct drg_dockerconfig_entry *entry)
{
	free(entry->username);
	wipe_free(entry->secret);
	free(entry->helper);
	free(entry->server_url);
	memset(entry, 0, sizeof(*entry));
}

static int helper_name_ok(const char *helper)
{
	size_t i, len = strlen(helper);

	if (!len || len > HELPER_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)helper[i]) &&
		    !strchr("._-", helper[i]))
			return 0;
	return 1;
}

/* {"ServerURL":..., "Username":..., "Secret":...} from the helper. */
static int parse_helper_reply(const char *text, const char *program,
			      char **user, char **secret, char *err,
			      size_t errlen)
{
	json_object *root = json_tokener_parse(text);
	const char *u = root ? string_member(root, "Username") : NULL;
	const char *s = root ? string_member(root, "Secret") : NULL;
	int rc = -1;

	if (!u || !s) {
		snprintf(err, errlen, "%s printed no Username and Secret", program);
	} else {
		*user = strdup(u);
		*secret = strdup(s);
		rc = *user && *secret ? 0 : -1;
		if (rc != 0)
			snprintf(err, errlen, "out of memory");
	}
	/* json-c's copy of the secret goes back to the heap unwiped; the
	 * strings are short-lived and never logged. */
	json_object_put(root);
	return rc;
}

/*
 * A failing helper may still have printed its JSON answer, and stderr may
 * repeat the secret inside a sentence: take the Secret out of the message.
 */
static void redact_reply_secret(const char *out, char *msg)
{
	json_object *root = json_tokener_parse(out);
	const char *secret = root ? string_member(root, "Secret") : NULL;

	if (secret)
		drg_command_redact(msg, secret, strlen(secret));
	json_object_put(root);
}

int drg_dockerconfig_helper_get(const char *helper, const char *server_url,
				int64_t timeout_ms, char **user, char **secret,
				char *err, size_t errlen)
{
	char program[HELPER_NAME_MAX + 32], why[512];
	char *argv[] = { program, "get", NULL };
	struct drg_command_result res;
	int rc = -1;

	*user = *secret = NULL;
	if (!helper_name_ok(helper)) {
		snprintf(err, errlen, "credential helper name '%.*s' is not valid",
			 HELPER_NAME_MAX, helper);
		return -1;
	}
	snprintf(program, sizeof(program), "docker-credential-%s", helper);
	if (drg_command_run(argv, server_url, timeout_ms, &res, err, errlen) != 0)
		goto out;
	if (res.exited && res.exit_code == 0) {
		rc = parse_helper_reply(res.out, program, user, secret, err, errlen);
	} else if (res.exited && strstr(res.out, HELPER_NOT_FOUND)) {
		/* Not stored: anonymous, as docker does. */
		*user = strdup("");
		*secret = strdup("");
		rc = *user && *secret ? 0 : -1;
	} else {
		drg_command_describe_failure(&res, timeout_ms, why, sizeof(why));
		redact_reply_secret(res.out, why);
		snprintf(err, errlen, "%s %s", program, why);
	}
out:
	drg_command_result_release(&res);
	if (rc != 0) {
		wipe_free(*user);
		wipe_free(*secret);
		*user = *secret = NULL;
	}
	return rc;
}
