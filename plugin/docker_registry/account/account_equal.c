/*
 * account_equal - whether two parsed accounts are the same account by value,
 * as Clouddriver compares ManagedAccount definitions on a reload (issue #22):
 * a config rewritten with the same settings in another order, or with a
 * default written out, is no change, so the account is not recreated and
 * refreshed again.
 *
 * Lists: `skip`, the roles of `permissions` and `requiredGroupMembership`
 * are sets (exact-match membership, fiat roles), compared as sets.
 * `repositories` keeps its order: it is the order a cycle asks for tag lists
 * in (as Clouddriver's agent walks the list), so which repositories are
 * fresh first; a reordered list is a change.
 */
#include <string.h>

#include "account/account.h"

static int same_string(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int contains(const struct drg_strvec *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->count; i++)
		if (strcmp(v->items[i], s) == 0)
			return 1;
	return 0;
}

/* Same members, whatever their order or repeats. */
static int same_set(const struct drg_strvec *a, const struct drg_strvec *b)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		if (!contains(b, a->items[i]))
			return 0;
	for (i = 0; i < b->count; i++)
		if (!contains(a, b->items[i]))
			return 0;
	return 1;
}

static int same_strings(const struct drg_account *a, const struct drg_account *b)
{
	return same_string(a->name, b->name) &&
	       same_string(a->environment, b->environment) &&
	       same_string(a->account_type, b->account_type) &&
	       same_string(a->address, b->address) &&
	       same_string(a->registry, b->registry) &&
	       same_string(a->endpoint, b->endpoint) &&
	       same_string(a->host, b->host) &&
	       same_string(a->username, b->username) &&
	       same_string(a->password, b->password) &&
	       same_string(a->password_command, b->password_command) &&
	       same_string(a->password_file, b->password_file) &&
	       same_string(a->dockerconfig_file, b->dockerconfig_file) &&
	       same_string(a->email, b->email) &&
	       same_string(a->catalog_file, b->catalog_file) &&
	       same_string(a->repositories_regex, b->repositories_regex) &&
	       same_string(a->ca_cert_file, b->ca_cert_file);
}

static int same_numbers(const struct drg_account *a, const struct drg_account *b)
{
	return a->docker_hub == b->docker_hub &&
	       a->password_command_timeout_s == b->password_command_timeout_s &&
	       a->cache_threads == b->cache_threads &&
	       a->cache_interval_s == b->cache_interval_s &&
	       a->client_timeout_ms == b->client_timeout_ms &&
	       a->paginate_size == b->paginate_size &&
	       a->track_digests == b->track_digests &&
	       a->inspect_digests == b->inspect_digests &&
	       a->sort_tags_by_date == b->sort_tags_by_date &&
	       a->insecure_registry == b->insecure_registry &&
	       a->max_concurrent_requests == b->max_concurrent_requests &&
	       a->requests_per_second == b->requests_per_second &&
	       a->item_upper_threshold == b->item_upper_threshold &&
	       a->max_tags_per_repository == b->max_tags_per_repository &&
	       a->max_records_per_account == b->max_records_per_account &&
	       a->permissions_set == b->permissions_set;
}

static int same_lists(const struct drg_account *a, const struct drg_account *b)
{
	size_t i;

	if (a->repository_count != b->repository_count)
		return 0;
	for (i = 0; i < a->repository_count; i++)
		if (strcmp(a->repositories[i], b->repositories[i]) != 0)
			return 0;
	for (i = 0; i < DRG_AUTH_COUNT; i++)
		if (!same_set(&a->permissions[i], &b->permissions[i]))
			return 0;
	return same_set(&a->skip, &b->skip) &&
	       same_set(&a->required_group_membership,
			&b->required_group_membership);
}

int drg_account_equal(const struct drg_account *a, const struct drg_account *b)
{
	return same_strings(a, b) && same_numbers(a, b) && same_lists(a, b);
}
