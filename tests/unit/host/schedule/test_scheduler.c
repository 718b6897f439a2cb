/*
 * test_scheduler - agents run on a pool of workers driven by the control
 * thread: dispatch starts what is due and says how long until the next, a
 * result comes back through the fd to reap and on_result, one agent never
 * runs twice at once, failures back off (doubling, capped), a config error
 * parks an agent until its account changes and a fatal one until a reload,
 * retiring and
 * freeing cancel runs in flight and wait for them. Under agent locks (a
 * redis-server of the test's own), a failed run leaves its lock for the
 * interval while this node backs off.
 *
 * The plugin is a fake whose refresh can be held until the test releases it
 * or the host cancels it. Timing bounds are wide on purpose: these must not
 * flake on a loaded machine under sanitizers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/host_table.h"
#include "util/log.h"
#include "schedule/scheduler.h"
#include "store/agent_locks.h"
#include "redis_server.h"
#include "testdir.h"

#define NS_PER_MS 1000000ull
#define WAIT_MS 5000 /* how long to wait for what must happen */
#define INTERVAL_MS 200
#define CAP_MS 1000

/* The fake plugin's instance: what its refresh does, what it saw. */
struct fake {
	atomic_int calls;      /* refreshes started */
	atomic_int active;     /* refreshes running now */
	atomic_int max_active; /* the most that ever ran at once */
	atomic_int hold;       /* set: refresh waits for release or cancel */
	atomic_int saw_cancel; /* a refresh stopped because it was cancelled */
	atomic_int result;     /* what refresh returns when not cancelled */
	atomic_int app_scopes; /* refresh_scope calls for "app" */
	atomic_int web_scopes; /* and for "web" */
	atomic_int other_scopes; /* and for any other scope */
	atomic_int scope_owner; /* set: only agent index + 1 == it caches the
				   scope, the others answer CDH_E_CONFIG;
				   -1: none caches it */
	atomic_int big;        /* refresh emits two records of 3 MiB each */
	atomic_int scope_emits; /* refresh_scope stores two records */
	atomic_int scope_hold;  /* refresh_scope waits for release (cancel
				   or not: a slow plugin) */
	atomic_int scope_active;    /* refresh_scope calls running now */
	atomic_int scope_max_active; /* the most that ever ran at once */
	atomic_int scope_saw_cancel; /* one ended with the host cancelling */
};

struct fixture {
	struct testdir dir;
	struct cdh_store *store;
	struct cdh_plugin_slot slot;
	struct fake fake;
	char name[16];
	struct cdh_account account;
	struct cdh_scheduler *sched;
	pthread_t control;
	int results;    /* on_result calls */
	int off_thread; /* of which not on the control thread */
	struct cdh_run_summary last;
	const struct cdh_account *last_account;
	int idle;       /* on_idle calls */
	struct cdh_account *idle_account;
	char err[512];
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static uint64_t now_ns(void)
{
	return cdh_monotonic_ns();
}

/* ---- the fake plugin ---- */

static int32_t fake_agent_name(const void *instance, uint32_t index, char *buf,
			       size_t buflen)
{
	(void)instance;
	snprintf(buf, buflen, "hub/FakeAgent[%u]", index + 1);
	return CDH_OK;
}

static void note_active(struct fake *fk)
{
	int now = atomic_fetch_add(&fk->active, 1) + 1;
	int max = atomic_load(&fk->max_active);

	while (now > max &&
	       !atomic_compare_exchange_weak(&fk->max_active, &max, now))
		;
}

/* Two records that do not both fit in a refresh's memory (4 MiB): the
 * first goes to a file when the second comes. */
static int32_t emit_big(const struct cdh_host_api *api,
			struct cdh_refresh *refresh, struct cdh_record *rec)
{
	size_t size = 3u * 1024u * 1024u;
	char *attributes = malloc(size + 1);
	int32_t rc;

	if (!attributes)
		return CDH_E_NOMEM;
	memset(attributes, ' ', size);
	attributes[0] = '{', attributes[size - 1] = '}', attributes[size] = '\0';
	rec->attributes = attributes;
	rc = api->emit_record(refresh, rec);
	if (rc == CDH_OK) {
		rec->id = "dockerRegistry:taggedImage:hub:app:big";
		rc = api->emit_record(refresh, rec);
	}
	free(attributes);
	return rc;
}

static int32_t fake_refresh(void *instance, uint32_t index,
			    struct cdh_refresh *refresh, char *errbuf,
			    size_t errlen)
{
	const struct cdh_host_api *api = cdh_host_table_get();
	struct fake *fk = instance;
	char id[64];
	struct cdh_record rec = {sizeof(rec),	0,  "app",
				 "taggedImage", id, "{}"};
	int32_t rc = atomic_load(&fk->result);

	note_active(fk);
	atomic_fetch_add(&fk->calls, 1);
	while (atomic_load(&fk->hold) && !api->is_cancelled(refresh))
		sleep_ms(1);
	if (api->is_cancelled(refresh)) {
		atomic_store(&fk->saw_cancel, 1);
		rc = CDH_E_CANCELLED;
		snprintf(errbuf, errlen, "cancelled");
	} else if (rc == CDH_OK) {
		snprintf(id, sizeof(id),
			 "dockerRegistry:taggedImage:hub:app:%u", index + 1);
		rc = atomic_load(&fk->big) ? emit_big(api, refresh, &rec)
					   : api->emit_record(refresh, &rec);
	} else {
		snprintf(errbuf, errlen, "registry said 503");
	}
	atomic_fetch_sub(&fk->active, 1);
	return rc;
}

static int32_t fake_refresh_scope(void *instance, uint32_t index,
				  const char *scope,
				  struct cdh_refresh *refresh, char *errbuf,
				  size_t errlen)
{
	const struct cdh_host_api *api = cdh_host_table_get();
	struct fake *fk = instance;
	char id[64];
	struct cdh_record rec = {sizeof(rec), 0, scope, "taggedImage", id, "{}"};
	int32_t rc = CDH_OK;
	int now = atomic_fetch_add(&fk->scope_active, 1) + 1;

	(void)errbuf, (void)errlen;
	if (now > atomic_load(&fk->scope_max_active))
		atomic_store(&fk->scope_max_active, now);
	if (strcmp(scope, "app") == 0)
		atomic_fetch_add(&fk->app_scopes, 1);
	else if (strcmp(scope, "web") == 0)
		atomic_fetch_add(&fk->web_scopes, 1);
	else
		atomic_fetch_add(&fk->other_scopes, 1);
	/* With an owner set, only the owner is held. */
	while (atomic_load(&fk->scope_hold) &&
	       (!atomic_load(&fk->scope_owner) ||
		atomic_load(&fk->scope_owner) == (int)index + 1))
		sleep_ms(1);
	if (atomic_load(&fk->scope_owner) &&
	    atomic_load(&fk->scope_owner) != (int)index + 1)
		rc = CDH_E_CONFIG;
	else if (atomic_load(&fk->scope_owner))
		sleep_ms(100); /* the others are likely done first */
	if (api->is_cancelled(refresh))
		atomic_store(&fk->scope_saw_cancel, 1);
	for (int i = 0; atomic_load(&fk->scope_emits) && rc == CDH_OK && i < 2; i++) {
		snprintf(id, sizeof(id), "dockerRegistry:taggedImage:hub:%s:pushed%d:%u",
			 scope, i, index + 1);
		rc = api->emit_record(refresh, &rec);
	}
	if (rc == CDH_OK && atomic_load(&fk->scope_emits))
		rc = api->scope_result(refresh, scope, CDH_SCOPE_OK, NULL);
	atomic_fetch_sub(&fk->scope_active, 1);
	return rc;
}

static void fake_destroy(void *instance)
{
	(void)instance;
}

/* ---- the fixture ---- */

static void on_result(void *ctx, const struct cdh_account *account,
		      const struct cdh_run_summary *summary)
{
	struct fixture *f = ctx;

	f->results++;
	f->off_thread += !pthread_equal(pthread_self(), f->control);
	f->last = *summary;
	f->last_account = account;
}

static void on_idle(void *ctx, struct cdh_account *account)
{
	struct fixture *f = ctx;

	f->idle++;
	f->idle_account = account;
}

static void fake_init(struct fake *fk)
{
	atomic_init(&fk->calls, 0);
	atomic_init(&fk->active, 0);
	atomic_init(&fk->max_active, 0);
	atomic_init(&fk->hold, 0);
	atomic_init(&fk->saw_cancel, 0);
	atomic_init(&fk->result, CDH_OK);
	atomic_init(&fk->app_scopes, 0);
	atomic_init(&fk->web_scopes, 0);
	atomic_init(&fk->other_scopes, 0);
	atomic_init(&fk->scope_owner, 0);
	atomic_init(&fk->big, 0);
	atomic_init(&fk->scope_emits, 0);
	atomic_init(&fk->scope_hold, 0);
	atomic_init(&fk->scope_active, 0);
	atomic_init(&fk->scope_max_active, 0);
	atomic_init(&fk->scope_saw_cancel, 0);
}

static int start_scheduler(struct fixture *f)
{
	struct cdh_scheduler_options opts = {0};

	opts.workers = 2;
	opts.default_interval_ns = 60000 * NS_PER_MS;
	opts.backoff_cap_ns = CAP_MS * NS_PER_MS;
	opts.jitter_ns = 0; /* an added agent is due at once */
	opts.store = f->store;
	opts.on_result = on_result;
	opts.ctx = f;
	f->sched = cdh_scheduler_new(&opts, f->err, sizeof(f->err));
	return f->sched ? 0 : -1;
}

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	fake_init(&f.fake);
	f.control = pthread_self();
	f.slot.ready = 1;
	f.slot.abi_minor = 1; /* it has refresh_scope */
	f.slot.ops.struct_size = sizeof(f.slot.ops);
	f.slot.ops.agent_name = fake_agent_name;
	f.slot.ops.refresh = fake_refresh;
	f.slot.ops.destroy = fake_destroy;
	f.slot.ops.refresh_scope = fake_refresh_scope;
	snprintf(f.name, sizeof(f.name), "hub");
	f.account.plugin = &f.slot;
	f.account.name = f.name;
	f.account.instance = &f.fake;
	if (testdir_init(&f.dir) != 0)
		return -1;
	f.store = cdh_store_open_sqlite(testdir_file(&f.dir, "cache.db"), f.err,
					sizeof(f.err));
	return f.store ? start_scheduler(&f) : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.hold, 0);
	atomic_store(&f->fake.scope_hold, 0);
	cdh_scheduler_free(f->sched);
	cdh_store_close(f->store);
	testdir_release(&f->dir);
	return 0;
}

static void add(struct fixture *f, uint64_t interval_ms, uint32_t agents)
{
	f->account.interval_ms = interval_ms;
	f->account.agent_count = agents;
	assert_int_equal(cdh_scheduler_add(f->sched, &f->account), 0);
}

/* Waits up to `ms` for the scheduler's fd, and reaps if it fired. */
static void pump(struct fixture *f, int ms)
{
	struct pollfd pfd = {cdh_scheduler_fd(f->sched), POLLIN, 0};

	if (poll(&pfd, 1, ms) > 0)
		cdh_scheduler_reap(f->sched);
}

/* Reaps until *count (moved by callbacks on this thread) reaches n. */
static void reap_until(struct fixture *f, const int *count, int n)
{
	uint64_t end = now_ns() + WAIT_MS * NS_PER_MS;

	while (*count < n && now_ns() < end)
		pump(f, 10);
	if (*count < n)
		fail_msg("waited %d ms for %d callbacks, got %d", WAIT_MS, n,
			 *count);
}

/* Reaps until at most `n` jobs run: a job that ended is running until
 * this (the control) thread reaps it. */
static void reap_until_running(struct fixture *f, size_t n)
{
	uint64_t end = now_ns() + WAIT_MS * NS_PER_MS;

	while (cdh_scheduler_running(f->sched) > n && now_ns() < end)
		pump(f, 10);
}

/* Waits until `n` refreshes have started (they may be held). */
static void wait_started(struct fixture *f, int n)
{
	uint64_t end = now_ns() + WAIT_MS * NS_PER_MS;

	while (atomic_load(&f->fake.calls) < n && now_ns() < end)
		sleep_ms(1);
	if (atomic_load(&f->fake.calls) < n)
		fail_msg("waited %d ms for %d refreshes, %d started", WAIT_MS,
			 n, atomic_load(&f->fake.calls));
}

/* Starts the agent whatever its due time, waits for its result, and
 * returns the ms dispatch then says it is due in. */
static int64_t run_once(struct fixture *f)
{
	int before = f->results;

	cdh_scheduler_dispatch(f->sched, now_ns() + 3600000 * NS_PER_MS);
	reap_until(f, &f->results, before + 1);
	return cdh_scheduler_dispatch(f->sched, now_ns());
}

/* ---- dispatch ---- */

static void dispatch_runs_a_due_agent_once_and_says_when_next(void **state)
{
	struct fixture *f = *state;

	add(f, INTERVAL_MS, 1);
	/* The one agent runs now: nothing else is waiting. */
	assert_int_equal(cdh_scheduler_dispatch(f->sched, now_ns()), -1);
	assert_int_equal(cdh_scheduler_running(f->sched), 1);
	reap_until(f, &f->results, 1);
	assert_int_equal(cdh_scheduler_running(f->sched), 0);
	assert_in_range(cdh_scheduler_dispatch(f->sched, now_ns()), 50,
			INTERVAL_MS);
	assert_int_equal(cdh_scheduler_running(f->sched), 0);
	assert_int_equal(atomic_load(&f->fake.calls), 1);
}

static void an_agent_runs_again_once_due(void **state)
{
	struct fixture *f = *state;

	add(f, INTERVAL_MS, 1);
	assert_in_range(run_once(f), 50, INTERVAL_MS);
	assert_in_range(run_once(f), 50, INTERVAL_MS);
	assert_int_equal(atomic_load(&f->fake.calls), 2);
	assert_int_equal(f->results, 2);
}

static void an_account_without_an_interval_gets_the_default(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 1);
	assert_in_range(run_once(f), 59000, 60000);
}

static void every_agent_of_an_account_runs(void **state)
{
	struct fixture *f = *state;

	add(f, INTERVAL_MS, 2);
	assert_int_equal(cdh_scheduler_dispatch(f->sched, now_ns()), -1);
	assert_int_equal(cdh_scheduler_running(f->sched), 2);
	reap_until(f, &f->results, 2);
	assert_int_equal(atomic_load(&f->fake.calls), 2);
}

static int count_row(const char *id, const char *attributes, void *data)
{
	(void)id, (void)attributes;
	(*(int *)data)++;
	return 0;
}

static int copy_attributes(const char *id, const char *attributes,
			   void *data)
{
	(void)id;
	snprintf(data, 256, "%s", attributes);
	return 0;
}

static void a_result_reaches_on_result_on_the_control_thread(void **state)
{
	struct fixture *f = *state;
	int stored = 0;

	add(f, INTERVAL_MS, 1);
	cdh_scheduler_dispatch(f->sched, now_ns());
	reap_until(f, &f->results, 1);
	assert_int_equal(f->off_thread, 0);
	assert_ptr_equal(f->last_account, &f->account);
	assert_string_equal(f->last.agent, "hub/FakeAgent[1]");
	assert_int_equal(f->last.result, CDH_OK);
	assert_int_equal(f->last.records, 1);
	/* The cycle was applied to the store before on_result. */
	assert_int_equal(cdh_store_scan(f->store, "taggedImage", "", count_row,
					&stored, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(stored, 1);
}

/* A cycle whose records the host cannot keep (here: $TMPDIR does not
 * exist, in place of a full disk) is not applied: the cache keeps what it
 * had, and the run fails as the host's transient trouble, saying why. */
static void records_that_cannot_be_kept_fail_the_run_and_keep_the_cache(void **state)
{
	struct fixture *f = *state;
	const char *tmpdir = getenv("TMPDIR");
	char *saved = tmpdir ? strdup(tmpdir) : NULL;
	char attributes[256] = "";
	int stored = 0;

	add(f, INTERVAL_MS, 1);
	run_once(f);
	assert_int_equal(f->last.result, CDH_OK);
	atomic_store(&f->fake.big, 1);
	setenv("TMPDIR", "/nonexistent/cdhost-test", 1);
	run_once(f);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	assert_int_equal(f->last.result, CDH_E_TRANSIENT);
	assert_int_equal(f->last.state, CDH_AGENT_BACKOFF);
	assert_string_equal(f->last.error,
			    "cannot keep the cycle's records: "
			    "/nonexistent/cdhost-test: No such file or directory");
	assert_int_equal(f->last.stored_known, 0);
	assert_int_equal(cdh_store_scan(f->store, "taggedImage", "", count_row,
					&stored, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(stored, 1);
	assert_int_equal(cdh_store_get(f->store, "taggedImage",
				       "dockerRegistry:taggedImage:hub:app:1",
				       copy_attributes, attributes, f->err,
				       sizeof(f->err)),
			 1);
	assert_string_equal(attributes, "{}");
}

static void one_agent_never_runs_twice_at_once(void **state)
{
	struct fixture *f = *state;
	int i;

	atomic_store(&f->fake.hold, 1);
	add(f, INTERVAL_MS, 1);
	cdh_scheduler_dispatch(f->sched, now_ns());
	wait_started(f, 1);
	/* Long past due, again and again, with a worker free. */
	for (i = 1; i <= 5; i++) {
		cdh_scheduler_dispatch(f->sched,
				       now_ns() + i * 60000 * NS_PER_MS);
		sleep_ms(20);
	}
	assert_int_equal(atomic_load(&f->fake.calls), 1);
	assert_int_equal(cdh_scheduler_running(f->sched), 1);
	atomic_store(&f->fake.hold, 0);
	reap_until(f, &f->results, 1);
	assert_int_equal(atomic_load(&f->fake.max_active), 1);
	assert_int_equal(atomic_load(&f->fake.calls), 1);
}

static void workers_bound_how_many_run_at_once(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.hold, 1);
	add(f, INTERVAL_MS, 3);
	cdh_scheduler_dispatch(f->sched, now_ns());
	wait_started(f, 2);
	sleep_ms(50);
	/* Two workers: the third agent waits in the queue. */
	assert_int_equal(atomic_load(&f->fake.calls), 2);
	assert_int_equal(cdh_scheduler_running(f->sched), 3);
	atomic_store(&f->fake.hold, 0);
	reap_until(f, &f->results, 3);
	assert_int_equal(atomic_load(&f->fake.max_active), 2);
}

/* ---- backoff ---- */

static void a_failing_agent_backs_off_doubling_up_to_the_cap(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.result, CDH_E_TRANSIENT);
	add(f, INTERVAL_MS, 1);
	assert_in_range(run_once(f), 250, 2 * INTERVAL_MS);
	assert_int_equal(f->last.result, CDH_E_TRANSIENT);
	assert_in_range(run_once(f), 550, 4 * INTERVAL_MS);
	assert_in_range(run_once(f), 850, CAP_MS); /* 8 intervals, capped */
	assert_in_range(run_once(f), 850, CAP_MS);
}

static void a_success_ends_the_backoff(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.result, CDH_E_TRANSIENT);
	add(f, INTERVAL_MS, 1);
	run_once(f);
	assert_in_range(run_once(f), 550, 4 * INTERVAL_MS);
	atomic_store(&f->fake.result, CDH_OK);
	assert_in_range(run_once(f), 50, INTERVAL_MS);
	atomic_store(&f->fake.result, CDH_E_TRANSIENT);
	assert_in_range(run_once(f), 250, 2 * INTERVAL_MS);
}

/* ---- error classes (cdh_plugin.h ERRORS) ---- */

/* Rejected credentials (ABI 1.1) too: a password file or a token is fixed
 * without a config change; /health names them apart (#20). */
static void unknown_codes_nomem_and_credentials_back_off_like_transient(
    void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.result, -77); /* a code this host does not know */
	add(f, INTERVAL_MS, 1);
	assert_in_range(run_once(f), 250, 2 * INTERVAL_MS);
	assert_int_equal(f->last.state, CDH_AGENT_BACKOFF);
	atomic_store(&f->fake.result, CDH_E_NOMEM);
	assert_in_range(run_once(f), 550, 4 * INTERVAL_MS);
	assert_int_equal(f->last.state, CDH_AGENT_BACKOFF);
	atomic_store(&f->fake.result, CDH_E_CREDENTIALS);
	assert_in_range(run_once(f), 850, CAP_MS);
	assert_int_equal(f->last.state, CDH_AGENT_BACKOFF);
	assert_string_equal(cdh_run_state_name(&f->last),
			    "credentials");
	atomic_store(&f->fake.result, CDH_OK);
	run_once(f);
	assert_int_equal(f->last.state, CDH_AGENT_OK);
}

/* Parked: not due even an hour later, and the agent really does not run. */
static void assert_parked(struct fixture *f)
{
	int calls = atomic_load(&f->fake.calls);

	assert_int_equal(cdh_scheduler_dispatch(f->sched, now_ns()), -1);
	assert_int_equal(
	    cdh_scheduler_dispatch(f->sched, now_ns() + 3600000 * NS_PER_MS),
	    -1);
	assert_int_equal(cdh_scheduler_running(f->sched), 0);
	assert_int_equal(atomic_load(&f->fake.calls), calls);
}

static void a_config_error_is_not_retried_even_after_a_reload(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.result, CDH_E_CONFIG);
	add(f, INTERVAL_MS, 1);
	run_once(f);
	assert_int_equal(f->last.result, CDH_E_CONFIG);
	assert_int_equal(f->last.state, CDH_AGENT_CONFIG_ERROR);
	assert_parked(f);
	/* A reload that left the account as it was changes nothing. */
	assert_int_equal(cdh_scheduler_revive(f->sched, now_ns()), 0);
	assert_parked(f);
	assert_int_equal(atomic_load(&f->fake.calls), 1);
}

static void a_changed_account_is_a_new_one_and_runs_again(void **state)
{
	struct fixture *f = *state;
	struct cdh_account changed;

	atomic_store(&f->fake.result, CDH_E_CONFIG);
	add(f, INTERVAL_MS, 1);
	run_once(f);
	assert_parked(f);
	changed = f->account;
	/* What the service does on a reload that changed the account. */
	atomic_store(&f->fake.result, CDH_OK);
	assert_int_equal(cdh_scheduler_add(f->sched, &changed), 0);
	cdh_scheduler_retire(f->sched, &f->account, on_idle, f);
	assert_int_equal(cdh_scheduler_dispatch(f->sched, now_ns()), -1);
	reap_until(f, &f->results, 2);
	assert_ptr_equal(f->last_account, &changed);
	assert_int_equal(f->last.state, CDH_AGENT_OK);
	assert_int_equal(atomic_load(&f->fake.calls), 2);
}

static void a_fatal_error_disables_the_agent_until_a_reload(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.result, CDH_E_FATAL);
	add(f, INTERVAL_MS, 2);
	cdh_scheduler_dispatch(f->sched, now_ns());
	reap_until(f, &f->results, 2);
	assert_int_equal(f->last.state, CDH_AGENT_DISABLED);
	assert_parked(f);
	atomic_store(&f->fake.result, CDH_OK);
	assert_int_equal(cdh_scheduler_revive(f->sched, now_ns()), 2);
	assert_int_equal(cdh_scheduler_dispatch(f->sched, now_ns()), -1);
	reap_until(f, &f->results, 4);
	assert_int_equal(f->last.state, CDH_AGENT_OK);
	assert_int_equal(atomic_load(&f->fake.calls), 4);
	/* Back on its interval. */
	assert_in_range(cdh_scheduler_dispatch(f->sched, now_ns()), 50,
			INTERVAL_MS);
}

static void a_success_is_state_ok_and_a_transient_one_backoff(void **state)
{
	struct fixture *f = *state;

	add(f, INTERVAL_MS, 1);
	run_once(f);
	assert_int_equal(f->last.state, CDH_AGENT_OK);
	atomic_store(&f->fake.result, CDH_E_TRANSIENT);
	run_once(f);
	assert_int_equal(f->last.state, CDH_AGENT_BACKOFF);
}

/* ---- retiring ---- */

static void retiring_an_idle_account_calls_on_idle_at_once(void **state)
{
	struct fixture *f = *state;

	add(f, INTERVAL_MS, 2);
	run_once(f);
	reap_until(f, &f->results, 2);
	cdh_scheduler_retire(f->sched, &f->account, on_idle, f);
	assert_int_equal(f->idle, 1);
	assert_ptr_equal(f->idle_account, &f->account);
	/* Its agents are gone: nothing is due, ever. */
	assert_int_equal(
	    cdh_scheduler_dispatch(f->sched, now_ns() + 3600000 * NS_PER_MS),
	    -1);
	assert_int_equal(atomic_load(&f->fake.calls), 2);
}

static void retiring_a_running_account_cancels_and_waits(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.hold, 1);
	add(f, INTERVAL_MS, 1);
	cdh_scheduler_dispatch(f->sched, now_ns());
	wait_started(f, 1);
	cdh_scheduler_retire(f->sched, &f->account, on_idle, f);
	assert_int_equal(f->idle, 0);
	/* Still held: only the cancel can end the refresh. */
	reap_until(f, &f->idle, 1);
	assert_int_equal(atomic_load(&f->fake.saw_cancel), 1);
	assert_int_equal(atomic_load(&f->fake.active), 0);
	assert_int_equal(cdh_scheduler_running(f->sched), 0);
	assert_int_equal(f->results, 0); /* a retired agent reports nothing */
}

/* What cdh_plugin.h THREADS promises: an instance is retired (then
 * destroyed) while another instance of the same plugin keeps refreshing,
 * and never while a refresh of its own runs. */
static void on_idle_checks_its_instance_is_idle(void *ctx,
						struct cdh_account *account)
{
	struct fixture *f = ctx;
	struct fake *fk = account->instance;

	assert_int_equal(atomic_load(&fk->active), 0);
	on_idle(f, account);
}

static void one_instance_retires_while_another_refreshes(void **state)
{
	struct fixture *f = *state;
	struct fake other_fake;
	struct cdh_account other = f->account;

	fake_init(&other_fake);
	atomic_store(&f->fake.hold, 1);
	atomic_store(&other_fake.hold, 1);
	add(f, INTERVAL_MS, 1);
	other.instance = &other_fake;
	other.agent_count = 1;
	assert_int_equal(cdh_scheduler_add(f->sched, &other), 0);
	cdh_scheduler_dispatch(f->sched, now_ns());
	wait_started(f, 1);
	while (atomic_load(&other_fake.calls) < 1)
		sleep_ms(1);
	cdh_scheduler_retire(f->sched, &other, on_idle_checks_its_instance_is_idle, f);
	reap_until(f, &f->idle, 1);
	assert_ptr_equal(f->idle_account, &other);
	assert_int_equal(atomic_load(&other_fake.saw_cancel), 1);
	/* The first instance was not disturbed: still refreshing. */
	assert_int_equal(atomic_load(&f->fake.active), 1);
	assert_int_equal(atomic_load(&f->fake.saw_cancel), 0);
	atomic_store(&f->fake.hold, 0);
	reap_until(f, &f->results, 1);
	assert_ptr_equal(f->last_account, &f->account);
}

/* ---- draining and freeing ---- */

static void drain_returns_zero_once_runs_end(void **state)
{
	struct fixture *f = *state;

	add(f, INTERVAL_MS, 2);
	cdh_scheduler_dispatch(f->sched, now_ns());
	assert_int_equal(cdh_scheduler_drain(f->sched, WAIT_MS), 0);
	assert_int_equal(f->results, 2);
}

static void drain_returns_what_still_runs_on_timeout(void **state)
{
	struct fixture *f = *state;
	uint64_t start;

	atomic_store(&f->fake.hold, 1);
	add(f, INTERVAL_MS, 1);
	cdh_scheduler_dispatch(f->sched, now_ns());
	start = now_ns();
	assert_int_equal(cdh_scheduler_drain(f->sched, 100), 1);
	assert_true(now_ns() - start >= 90 * NS_PER_MS);
	atomic_store(&f->fake.hold, 0);
	assert_int_equal(cdh_scheduler_drain(f->sched, WAIT_MS), 0);
	assert_int_equal(f->results, 1);
}

static void free_cancels_and_joins_runs_in_flight(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.hold, 1);
	add(f, INTERVAL_MS, 3);
	cdh_scheduler_dispatch(f->sched, now_ns());
	wait_started(f, 2);
	cdh_scheduler_free(f->sched);
	f->sched = NULL;
	assert_int_equal(atomic_load(&f->fake.saw_cancel), 1);
	assert_int_equal(atomic_load(&f->fake.active), 0);
	/* The queued third run never started. */
	assert_int_equal(atomic_load(&f->fake.calls), 2);
}

/* ---- pushed scopes (request_scope) ---- */

/* Waits until refresh_scope was called `n` times in all. */
static void wait_scopes(struct fixture *f, int n)
{
	uint64_t end = now_ns() + WAIT_MS * NS_PER_MS;

	while (atomic_load(&f->fake.app_scopes) +
		       atomic_load(&f->fake.web_scopes) +
		       atomic_load(&f->fake.other_scopes) < n &&
	       now_ns() < end) {
		pump(f, 10);
		cdh_scheduler_dispatch(f->sched, now_ns() + 1000 * NS_PER_MS);
	}
}

/* Pushes `scope`, waits until `runs` refresh_scope calls in all started,
 * then returns what wait_scope answers within `timeout_ms`. */
static int32_t push_and_wait(struct fixture *f, const char *scope, int runs,
			     unsigned timeout_ms)
{
	uint64_t since = cdh_monotonic_ns();

	assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", scope), 0);
	wait_scopes(f, runs);
	return cdh_scheduler_wait_scope(f->sched, "hub", scope, since, timeout_ms);
}

static void a_burst_of_pushes_costs_one_refresh_per_scope(void **state)
{
	struct fixture *f = *state;
	int i;

	add(f, 0, 1);
	run_once(f); /* the cycle: next due in a minute */
	for (i = 0; i < 20; i++)
		assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "app"), 0);
	assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "web"), 0);
	assert_int_equal(cdh_scheduler_request_scope(f->sched, "nobody", "x"), 0);
	wait_scopes(f, 2);
	pump(f, 50); /* whatever else would have run had time to */
	cdh_scheduler_dispatch(f->sched, now_ns() + 1000 * NS_PER_MS);
	pump(f, 50);
	assert_int_equal(atomic_load(&f->fake.app_scopes), 1);
	assert_int_equal(atomic_load(&f->fake.web_scopes), 1);
	/* Not a cycle: no on_result, no extra refresh, the plan is kept. */
	assert_int_equal(f->results, 1);
	assert_int_equal(atomic_load(&f->fake.calls), 1);
	assert_in_range(cdh_scheduler_dispatch(f->sched, now_ns()), 58000, 60000);
}

static void a_pushed_scope_waits_for_its_settle_time(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 1);
	run_once(f);
	assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "app"), 0);
	pump(f, 1000); /* the inbox reaches the agent */
	/* Due in at most 250 ms, not the cycle's minute; not run before. */
	assert_in_range(cdh_scheduler_dispatch(f->sched, now_ns()), 0, 250);
	wait_scopes(f, 1);
	assert_int_equal(atomic_load(&f->fake.app_scopes), 1);
}

/* On demand's bounded wait: a refresh queued since the request answers it;
 * one done before, or none, does not (those with timeout 0). */
static void a_waiter_sees_the_scope_refresh_it_asked_for(void **state)
{
	struct fixture *f = *state;
	uint64_t since;

	add(f, 0, 1);
	run_once(f);
	since = cdh_monotonic_ns();
	assert_int_equal(cdh_scheduler_wait_scope(f->sched, "hub", "app", since, 0), 1);
	assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "app"), 0);
	wait_scopes(f, 1);
	/* Returns once the worker noted it done (the bound is never reached). */
	assert_int_equal(cdh_scheduler_wait_scope(f->sched, "hub", "app", since,
						  WAIT_MS),
			 CDH_OK);
	assert_int_equal(cdh_scheduler_wait_scope(f->sched, "hub", "web", since, 0), 1);
	assert_int_equal(cdh_scheduler_wait_scope(f->sched, "other", "app", since, 0), 1);
	assert_int_equal(cdh_scheduler_wait_scope(f->sched, "hub", "app",
						  cdh_monotonic_ns(), 0), 1);
}

/* A scope no agent of the account caches: the wait ends once each has
 * said so, not at its bound (here longer than the test's own timeout). */
static void a_waiter_ends_once_every_agent_refused_the_scope(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 2);
	run_once(f);
	atomic_store(&f->fake.scope_owner, -1);
	assert_int_equal(push_and_wait(f, "app", 2, 120000), CDH_E_CONFIG);
}

/* Two agents, the second caching the scope: the first's CDH_E_CONFIG does
 * not end the wait, the second's store does. */
static void a_waiter_waits_for_the_agent_caching_the_scope(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 2);
	run_once(f);
	atomic_store(&f->fake.scope_owner, 2);
	assert_int_equal(push_and_wait(f, "app", 2, WAIT_MS), CDH_OK);
}

/* Two agents, the second caching the scope and slower than the wait: the
 * first's CDH_E_CONFIG is not the answer (the scope is cached: the caller
 * hears "queued", 1, not "not cached"). */
static void a_waiter_timing_out_on_the_owner_hears_queued(void **state)
{
	struct fixture *f = *state;
	uint64_t since = cdh_monotonic_ns();

	add(f, 0, 2);
	run_once(f);
	atomic_store(&f->fake.scope_owner, 2);
	atomic_store(&f->fake.scope_hold, 1);
	assert_int_equal(push_and_wait(f, "app", 2, 300), 1);
	/* Released, the owner's refresh is the answer. */
	atomic_store(&f->fake.scope_hold, 0);
	assert_int_equal(cdh_scheduler_wait_scope(f->sched, "hub", "app", since,
						  WAIT_MS),
			 CDH_OK);
}

/* Names longer than the ring's old fixed fields (128, 256 bytes). */
static void a_waiter_sees_a_scope_with_a_long_name(void **state)
{
	struct fixture *f = *state;
	char scope[400];

	memset(scope, 'r', sizeof(scope) - 1);
	scope[sizeof(scope) - 1] = '\0';
	add(f, 0, 1);
	run_once(f);
	assert_int_equal(push_and_wait(f, scope, 1, WAIT_MS), CDH_OK);
}

static int count_record(const char *type, const char *id,
			const char *attributes, void *data)
{
	(void)type, (void)id, (void)attributes;
	(*(int *)data)++;
	return 0;
}

/* Records the agent has stored for `scope`. */
static int stored_in(struct fixture *f, const char *scope)
{
	int n = 0;

	assert_int_equal(cdh_store_scope_records(f->store, "hub/FakeAgent[1]",
						 scope, count_record, &n, f->err,
						 sizeof(f->err)),
			 0);
	return n;
}

/* Runs the agent's first cycle, then starts its second, held until the
 * test releases it. */
static void start_held_cycle(struct fixture *f)
{
	add(f, 0, 1);
	run_once(f);
	atomic_store(&f->fake.hold, 1);
	cdh_scheduler_dispatch(f->sched, now_ns() + 3600000 * NS_PER_MS);
	wait_started(f, 2);
}

/* Pumps and dispatches for `ms`: time for what is due to start. */
static void run_for(struct fixture *f, int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * NS_PER_MS;

	while (now_ns() < end) {
		pump(f, 10);
		cdh_scheduler_dispatch(f->sched, now_ns() + 1000 * NS_PER_MS);
	}
}

/* A plugin that says its refresh_scope is safe beside its refresh: a push
 * during a long cycle is refreshed and stored at once, the cycle goes on,
 * and the cycle's summary (on_result, /health) is the cycle's. */
static void a_push_runs_beside_a_long_cycle_when_the_plugin_allows(void **state)
{
	struct fixture *f = *state;

	f->slot.desc.flags = CDH_PLUGIN_SCOPE_BESIDE_REFRESH;
	atomic_store(&f->fake.scope_emits, 1);
	start_held_cycle(f);
	assert_int_equal(push_and_wait(f, "app", 1, WAIT_MS), CDH_OK);
	/* Stored while the cycle is still held. */
	assert_int_equal(stored_in(f, "app"), 2);
	assert_int_equal(atomic_load(&f->fake.active), 1);
	assert_int_equal(f->results, 1);
	reap_until_running(f, 1); /* the push's end, not the cycle's */
	assert_int_equal(cdh_scheduler_running(f->sched), 1);
	assert_int_equal(atomic_load(&f->fake.active), 1);
	atomic_store(&f->fake.hold, 0);
	reap_until(f, &f->results, 2);
	assert_int_equal(f->last.result, CDH_OK);
	assert_int_equal(f->last.records, 1); /* the cycle's one, not the push's */
	assert_int_equal(atomic_load(&f->fake.calls), 2);
	assert_int_equal(cdh_scheduler_running(f->sched), 0);
}

/* Even with the flag, a push waits for the agent's first cycle: that one
 * may be a first fill (no events to Echo), which a push stored before it
 * would turn into an event per tag. */
static void a_push_waits_for_the_first_cycle_even_with_the_flag(void **state)
{
	struct fixture *f = *state;

	f->slot.desc.flags = CDH_PLUGIN_SCOPE_BESIDE_REFRESH;
	atomic_store(&f->fake.hold, 1);
	add(f, 0, 1);
	cdh_scheduler_dispatch(f->sched, now_ns());
	wait_started(f, 1);
	assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "app"), 0);
	run_for(f, 600); /* well past its settle time */
	assert_int_equal(atomic_load(&f->fake.app_scopes), 0);
	atomic_store(&f->fake.hold, 0);
	reap_until(f, &f->results, 1);
	wait_scopes(f, 1);
	assert_int_equal(atomic_load(&f->fake.app_scopes), 1);
}

/* Without the flag a push waits for the cycle's end, as the ABI promised
 * 1.1 plugins that do not set it. */
static void a_push_waits_for_the_cycle_without_the_flag(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.scope_emits, 1);
	start_held_cycle(f);
	assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "app"), 0);
	run_for(f, 600); /* well past its settle time: still not run */
	assert_int_equal(atomic_load(&f->fake.app_scopes), 0);
	assert_int_equal(stored_in(f, "app"), 1); /* the first cycle's record */
	atomic_store(&f->fake.hold, 0);
	reap_until(f, &f->results, 2);
	wait_scopes(f, 1);
	assert_int_equal(atomic_load(&f->fake.app_scopes), 1);
}

/* Beside a cycle, pushes still coalesce and never run two at once for
 * one agent: a second push waits for the first, then runs once. */
static void pushes_beside_a_cycle_run_one_at_a_time(void **state)
{
	struct fixture *f = *state;
	int i;

	f->slot.desc.flags = CDH_PLUGIN_SCOPE_BESIDE_REFRESH;
	atomic_store(&f->fake.scope_hold, 1);
	start_held_cycle(f);
	assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "app"), 0);
	wait_scopes(f, 1);
	for (i = 0; i < 5; i++)
		assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "web"), 0);
	run_for(f, 600); /* web is due; app still runs */
	assert_int_equal(atomic_load(&f->fake.web_scopes), 0);
	atomic_store(&f->fake.scope_hold, 0);
	wait_scopes(f, 2);
	assert_int_equal(atomic_load(&f->fake.web_scopes), 1);
	assert_int_equal(atomic_load(&f->fake.scope_max_active), 1);
	atomic_store(&f->fake.hold, 0);
	reap_until(f, &f->results, 2);
}

/* Retiring an account whose cycle and push are both in flight cancels
 * both, and on_idle comes only once both ended. */
static void retiring_cancels_a_cycle_and_its_push_and_waits_for_both(void **state)
{
	struct fixture *f = *state;

	f->slot.desc.flags = CDH_PLUGIN_SCOPE_BESIDE_REFRESH;
	atomic_store(&f->fake.scope_hold, 1); /* a push that ignores cancel */
	start_held_cycle(f);
	assert_int_equal(cdh_scheduler_request_scope(f->sched, "hub", "app"), 0);
	wait_scopes(f, 1);
	assert_int_equal(cdh_scheduler_running(f->sched), 2);
	cdh_scheduler_retire(f->sched, &f->account, on_idle, f);
	/* The cycle ends cancelled; the push still runs: no on_idle yet. */
	reap_until_running(f, 1);
	assert_int_equal(atomic_load(&f->fake.saw_cancel), 1);
	assert_int_equal(cdh_scheduler_running(f->sched), 1);
	assert_int_equal(f->idle, 0);
	atomic_store(&f->fake.scope_hold, 0);
	reap_until(f, &f->idle, 1);
	assert_int_equal(atomic_load(&f->fake.scope_saw_cancel), 1);
	assert_ptr_equal(f->idle_account, &f->account);
	assert_int_equal(f->results, 1); /* a retired agent plans nothing */
}

static void free_gives_a_retired_running_account_its_on_idle(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.hold, 1);
	add(f, INTERVAL_MS, 1);
	cdh_scheduler_dispatch(f->sched, now_ns());
	wait_started(f, 1);
	cdh_scheduler_retire(f->sched, &f->account, on_idle, f);
	assert_int_equal(f->idle, 0);
	cdh_scheduler_free(f->sched);
	f->sched = NULL;
	assert_int_equal(f->idle, 1);
	assert_ptr_equal(f->idle_account, &f->account);
}

/* ---- several nodes: the lock a run leaves (a redis-server of its own) ---- */

static struct redis_server redis = { .pid = -1 };
static struct cdh_agent_locks *locks;

static int setup_cluster(void **state)
{
	struct cdh_scheduler_options opts = {0};
	struct fixture *f;
	char url[64];

	if (setup(state) != 0)
		return -1;
	f = *state;
	cdh_scheduler_free(f->sched);
	cdh_store_close(f->store);
	f->sched = NULL;
	f->store = NULL;
	if (redis_server_start(&redis, NULL) != 0)
		return -1;
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", redis.port);
	f->store = cdh_store_open_redis(url, NULL, f->err, sizeof(f->err));
	locks = f->store ? cdh_agent_locks_open(f->store, f->err, sizeof(f->err))
			 : NULL;
	if (!locks)
		return -1;
	opts.workers = 2;
	opts.default_interval_ns = 60000 * NS_PER_MS;
	opts.backoff_cap_ns = 3600000 * NS_PER_MS;
	opts.store = f->store;
	opts.on_result = on_result;
	opts.ctx = f;
	opts.locks = locks;
	opts.node_id = "node-a";
	f->sched = cdh_scheduler_new(&opts, f->err, sizeof(f->err));
	return f->sched ? 0 : -1;
}

static int teardown_cluster(void **state)
{
	struct fixture *f = *state;

	atomic_store(&f->fake.hold, 0);
	cdh_scheduler_free(f->sched);
	f->sched = NULL;
	cdh_agent_locks_close(locks);
	locks = NULL;
	redis_server_stop(&redis, SIGKILL);
	return teardown(state);
}

/* One command on the test's own connection: its integer reply, or -1 for
 * nil; `out` gets a string reply. */
static long long redis_ask(char *out, size_t outlen, const char *fmt,
			   const char *key)
{
	redisContext *c = redis_server_connect(&redis);
	redisReply *r = c ? redisCommand(c, fmt, key) : NULL;
	long long n = -1;

	assert_non_null(r);
	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	else if (r->type == REDIS_REPLY_STRING && out)
		snprintf(out, outlen, "%s", r->str);
	freeReplyObject(r);
	redisFree(c);
	return n;
}

/*
 * A failed run leaves its lock with Clouddriver's error interval (a docker
 * agent's is its interval: 10 s here), not this node's backoff (20 s after
 * one failure), so that Clouddriver and other nodes retry on Clouddriver's
 * schedule; this node itself still waits out its backoff.
 */
static void a_failed_run_leaves_the_error_interval_on_its_lock(void **state)
{
	struct fixture *f = *state;
	const char *key = "hub/FakeAgent[1]";
	char owner[64] = "";
	long long ttl;

	atomic_store(&f->fake.result, CDH_E_TRANSIENT);
	add(f, 10000, 1);
	cdh_scheduler_dispatch(f->sched, now_ns()); /* the lock round */
	reap_until(f, &f->results, 1);
	assert_int_equal(f->last.result, CDH_E_TRANSIENT);
	redis_ask(owner, sizeof(owner), "GET %s", key);
	assert_string_equal(owner, "node-a");
	ttl = redis_ask(NULL, 0, "PTTL %s", key);
	if (ttl <= 5000 || ttl > 10000)
		fail_msg("the lock's TTL after a failed run: %lld ms, not the "
			 "10000 ms interval from when it was taken", ttl);
	/* Gone (as if expired): others may run it, this node backs off. */
	redis_ask(NULL, 0, "DEL %s", key);
	cdh_scheduler_dispatch(f->sched, now_ns() + 11000 * NS_PER_MS);
	assert_int_equal(redis_ask(NULL, 0, "EXISTS %s", key), 0);
	assert_int_equal(atomic_load(&f->fake.calls), 1);
	cdh_scheduler_dispatch(f->sched, now_ns() + 21000 * NS_PER_MS);
	reap_until(f, &f->results, 2);
	assert_int_equal(atomic_load(&f->fake.calls), 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(dispatch_runs_a_due_agent_once_and_says_when_next),
	    T(an_agent_runs_again_once_due),
	    T(an_account_without_an_interval_gets_the_default),
	    T(every_agent_of_an_account_runs),
	    T(a_result_reaches_on_result_on_the_control_thread),
	    T(one_agent_never_runs_twice_at_once),
	    T(workers_bound_how_many_run_at_once),
	    T(a_failing_agent_backs_off_doubling_up_to_the_cap),
	    T(a_success_ends_the_backoff),
	    T(unknown_codes_nomem_and_credentials_back_off_like_transient),
	    T(records_that_cannot_be_kept_fail_the_run_and_keep_the_cache),
	    T(a_config_error_is_not_retried_even_after_a_reload),
	    T(a_changed_account_is_a_new_one_and_runs_again),
	    T(a_fatal_error_disables_the_agent_until_a_reload),
	    T(a_success_is_state_ok_and_a_transient_one_backoff),
	    T(retiring_an_idle_account_calls_on_idle_at_once),
	    T(retiring_a_running_account_cancels_and_waits),
	    T(one_instance_retires_while_another_refreshes),
	    T(drain_returns_zero_once_runs_end),
	    T(drain_returns_what_still_runs_on_timeout),
	    T(free_cancels_and_joins_runs_in_flight),
	    T(free_gives_a_retired_running_account_its_on_idle),
	    T(a_burst_of_pushes_costs_one_refresh_per_scope),
	    T(a_pushed_scope_waits_for_its_settle_time),
	    T(a_waiter_sees_the_scope_refresh_it_asked_for),
	    T(a_waiter_ends_once_every_agent_refused_the_scope),
	    T(a_waiter_timing_out_on_the_owner_hears_queued),
	    T(a_waiter_waits_for_the_agent_caching_the_scope),
	    T(a_waiter_sees_a_scope_with_a_long_name),
	    T(a_push_runs_beside_a_long_cycle_when_the_plugin_allows),
	    T(a_push_waits_for_the_cycle_without_the_flag),
	    T(a_push_waits_for_the_first_cycle_even_with_the_flag),
	    T(pushes_beside_a_cycle_run_one_at_a_time),
	    T(retiring_cancels_a_cycle_and_its_push_and_waits_for_both),
	    cmocka_unit_test_setup_teardown(
		    a_failed_run_leaves_the_error_interval_on_its_lock,
		    setup_cluster, teardown_cluster),
	};

	/* Every run logs a line; the assertions say what matters. */
	cdh_log_set_level(CDH_LOG_ERROR - 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
