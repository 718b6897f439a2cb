/*
 * events - Igor's rules over what the store changed (see events.h).
 */
#include "echo/events.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct events {
	char **items;
	size_t count, alloc;
	int nomem;
};

static void collect(void *ctx, const char *json)
{
	struct events *ev = ctx;
	char *copy;

	if (ev->count == ev->alloc) {
		size_t alloc = ev->alloc ? 2 * ev->alloc : 16;
		void *grown = realloc(ev->items, alloc * sizeof(*ev->items));

		if (!grown) {
			ev->nomem = 1;
			return;
		}
		ev->items = grown;
		ev->alloc = alloc;
	}
	copy = json ? strdup(json) : NULL;
	if (!copy) {
		ev->nomem = 1;
		return;
	}
	ev->items[ev->count++] = copy;
}

static void events_release(struct events *ev)
{
	size_t i;

	for (i = 0; i < ev->count; i++)
		free(ev->items[i]);
	free(ev->items);
}

int cdh_events_wanted(struct cdh_echo *echo, const struct cdh_account *account)
{
	return echo && account->plugin->ops.describe_change &&
	       cdh_echo_enabled(echo);
}

/* The account's threshold (its plugin's), else the host's. */
static int64_t threshold_of(struct cdh_echo *echo,
			    const struct cdh_account *account)
{
	int64_t n = account->plugin->ops.event_threshold
			    ? account->plugin->ops.event_threshold(account->instance)
			    : 0;

	return n > 0 ? n : cdh_echo_threshold(echo);
}

static void describe_all(const struct cdh_account *account,
			 const struct cdh_store_changes *changes,
			 struct events *ev)
{
	size_t i;

	for (i = 0; i < changes->count; i++) {
		const struct cdh_store_change *c = &changes->items[i];

		account->plugin->ops.describe_change(account->instance, c->type,
						     c->id, c->old_attributes,
						     c->new_attributes, collect,
						     ev);
	}
}

void cdh_events_from_changes(struct cdh_echo *echo,
			     const struct cdh_account *account,
			     const char *agent,
			     const struct cdh_store_changes *changes)
{
	struct events ev = { 0 };
	int64_t threshold;
	size_t i, queued = 0;

	/* Igor: no events for an account it never saw (a first poll, a
	 * flushed Redis): they would trigger every pipeline at once. The
	 * store noted nothing: a first fill may be a whole registry. */
	if (changes->first_fill) {
		cdh_log(CDH_LOG_INFO, account->name,
			"%s: first fill: no events sent to Echo until a "
			"complete cycle of the agent is stored",
			agent);
		return;
	}
	if (!changes->count || !account->plugin->ops.describe_change)
		return;
	describe_all(account, changes, &ev);
	threshold = threshold_of(echo, account);
	if ((int64_t)ev.count > threshold) {
		cdh_log(CDH_LOG_ERROR, account->name,
			"%s: %zu events exceed the item upper threshold (%lld): "
			"none sent to Echo (Igor's safeguard)",
			agent, ev.count, (long long)threshold);
		cdh_echo_suppressed(echo, ev.count);
	} else {
		for (i = 0; i < ev.count; i++)
			queued += cdh_echo_post(echo, ev.items[i]) == 0;
		if (queued)
			cdh_log(CDH_LOG_INFO, account->name,
				"%s: %zu events queued for Echo", agent, queued);
	}
	if (ev.nomem || changes->nomem)
		cdh_log(CDH_LOG_ERROR, account->name,
			"%s: out of memory: some events were lost", agent);
	events_release(&ev);
}
