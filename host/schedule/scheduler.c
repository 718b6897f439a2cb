#include "schedule/scheduler.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/log.h"
#include "store/agent_locks.h"
#include "store/refresh.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
/* A refresh is cut off after ten intervals, and never before ten minutes. */
#define DEADLINE_INTERVALS 10
#define DEADLINE_MIN_NS (600 * NS_PER_S)

/* A scope to refresh now (a push), in an agent's list or the inbox. */
struct scope_req {
	char *account; /* inbox only */
	char *scope;
	struct scope_req *next;
};

/* Inbox entries at most: a flood beyond is refused (the cycle catches up). */
#define INBOX_MAX 4096
/*
 * A pushed scope waits this long before its refresh: distribution sends a
 * manifest push's event before the tag is readable by name (the tag is
 * linked after the manifest is stored), and the pushes of a burst that
 * come meanwhile join the same refresh.
 */
#define SETTLE_NS (250 * NS_PER_MS)

struct agent;

/*
 * What a worker runs: an agent's cycle, or its scope job (the scopes
 * pushed for it, `taken`). Each agent has one of each, so the two may be
 * in flight at once (a plugin with CDH_PLUGIN_SCOPE_BESIDE_REFRESH), each
 * with its own summary and cancel flag.
 */
struct job {
	struct agent *agent;
	int scope;                      /* the scope job, not the cycle */
	int running;                    /* queued or refreshing */
	atomic_int cancel;              /* set to stop it in flight */
	struct cdh_run_summary summary; /* its last run's, by the worker */
	struct job *next_done;
};

struct agent {
	struct cdh_account *account;
	uint32_t index;
	uint64_t interval_ns;
	uint64_t due_ns;
	unsigned failures;      /* consecutive failed runs, for backoff */
	int state;              /* CDH_AGENT_*, from the last run */
	int retired;
	struct job cycle;       /* its cycles: cycle.summary is /health's */
	struct job push;        /* its scope jobs */
	int cycle_stored;       /* a cycle of it stored since it was added */
	struct scope_req *pending; /* control thread: scopes asked for */
	uint64_t pending_due_ns;   /* when they run (SETTLE_NS after the first) */
	struct scope_req *taken;   /* the scope job's, while it runs */
	/* Several nodes (the part at the end of this file): */
	char name[512];            /* the agent type: its lock's key */
	int locked;                /* its cycle in flight holds the lock */
	int keeps_lock;            /* retired, but its lock stays the schedule */
	uint64_t lock_ns;          /* when the lock was taken */
	unsigned won, lost;        /* tries since the last report */
	uint64_t scope_started_ns; /* when the scope job was queued */
};

/*
 * The last scope refreshes done, for cdh_scheduler_wait_scope: a ring
 * under the scheduler's lock, one entry per agent that ran the scope (a
 * scope goes to every agent of its account; all but the one caching it
 * answer CDH_E_CONFIG). Names are copied whole: a fixed field dropped
 * long ones, and their waiters always timed out. One that cannot be
 * copied (out of memory) is not kept: its waiter times out (202).
 */
#define DONE_MAX 256
struct scope_done {
	char *account, *scope; /* NULL: an empty slot */
	uint32_t agent;        /* the agent's index in its account */
	uint32_t agents;       /* how many agents the account has */
	uint64_t started_ns;   /* its job was queued then */
	int32_t result;
};

/* An agent host.cluster.enabledPattern keeps off this node: never run
 * here, only looked at (its lock's owner, its last run) for /health. */
struct elsewhere {
	const struct cdh_account *account;
	char name[512];
};

struct retirement {
	struct cdh_account *account;
	void (*on_idle)(void *ctx, struct cdh_account *account);
	void *ctx;
	struct retirement *next;
};

struct cdh_scheduler {
	struct cdh_scheduler_options opts;
	struct agent **agents;
	size_t count, alloc;
	struct retirement *retirements;
	size_t running;
	pthread_t *threads;
	unsigned started;
	int event_fd;
	pthread_mutex_t lock;   /* guards queue, done list, stopping */
	pthread_cond_t wake;
	struct job **queue;     /* ring of jobs to run */
	size_t queue_head, queue_len, queue_cap;
	size_t queue_pushes;    /* the first ones queued: pushes, oldest first */
	struct job *done;
	int stopping;
	struct scope_req *inbox; /* from any thread, under lock */
	size_t inbox_len;
	/* Several nodes: */
	void *enabled;           /* pcre2_code of enabled_pattern, or NULL */
	struct elsewhere *elsewhere; /* the agents it leaves out */
	size_t elsewhere_count;
	uint64_t next_tick_ns;   /* the next lock round */
	int locks_state;         /* LOCKS_* */
	uint64_t grace_until_ns; /* after an outage: no new lock before */
	struct scope_done done_ring[DONE_MAX]; /* under lock */
	size_t done_next;
	pthread_cond_t scope_done; /* broadcast per scope refresh done */
};

static void finish_retirements(struct cdh_scheduler *s);
static int cluster_init(struct cdh_scheduler *s, char *err, size_t errlen);
static void cluster_free(struct cdh_scheduler *s);
static int cluster_enabled(const struct cdh_scheduler *s, const char *agent);
static int cluster_add_elsewhere(struct cdh_scheduler *s,
				 const struct cdh_account *account,
				 const char *agent);
static void cluster_drop_elsewhere(struct cdh_scheduler *s,
				   const struct cdh_account *account);
static void cluster_tick(struct cdh_scheduler *s, uint64_t now);
static void cluster_finished(struct cdh_scheduler *s, struct agent *a,
			     uint64_t now);
static void cluster_retire_idle(struct cdh_scheduler *s,
				const struct cdh_account *account);

/* A condition variable timed by the monotonic clock (waits survive a
 * wall-clock step). */
static void monotonic_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

static void free_reqs(struct scope_req *r)
{
	while (r) {
		struct scope_req *next = r->next;

		free(r->account);
		free(r->scope);
		free(r);
		r = next;
	}
}

static void free_agent(struct agent *a)
{
	free_reqs(a->pending);
	free_reqs(a->taken);
	free(a);
}

static uint64_t jitter(const struct cdh_scheduler *s)
{
	return s->opts.jitter_ns ? (uint64_t)random() % s->opts.jitter_ns : 0;
}

/* Either of its jobs is in flight. */
static int busy(const struct agent *a)
{
	return a->cycle.running || a->push.running;
}

/* Worker side: take the next job, or NULL when stopping. */
static struct job *next_job(struct cdh_scheduler *s)
{
	struct job *j = NULL;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping && s->queue_len == 0)
		pthread_cond_wait(&s->wake, &s->lock);
	if (!s->stopping) {
		j = s->queue[s->queue_head];
		s->queue_head = (s->queue_head + 1) % s->queue_cap;
		s->queue_len--;
		if (s->queue_pushes)
			s->queue_pushes--;
	}
	pthread_mutex_unlock(&s->lock);
	return j;
}

static uint64_t deadline_for(const struct agent *a, uint64_t now)
{
	uint64_t span = a->interval_ns * DEADLINE_INTERVALS;

	return now + (span > DEADLINE_MIN_NS ? span : DEADLINE_MIN_NS);
}

static void scope_done_clear(struct scope_done *d)
{
	free(d->account);
	free(d->scope);
	memset(d, 0, sizeof(*d));
}

/* Notes a scope refresh done and wakes its waiters. */
static void scope_finished(struct cdh_scheduler *s, const struct agent *a,
			   const char *scope, int32_t result)
{
	char *account = strdup(a->account->name), *copy = strdup(scope);
	struct scope_done *d;

	if (!account || !copy) {
		free(account);
		free(copy);
		return;
	}
	pthread_mutex_lock(&s->lock);
	d = &s->done_ring[s->done_next];
	s->done_next = (s->done_next + 1) % DONE_MAX;
	scope_done_clear(d);
	d->account = account;
	d->scope = copy;
	d->agent = a->index;
	d->agents = a->account->agent_count;
	d->started_ns = a->scope_started_ns;
	d->result = result;
	pthread_cond_broadcast(&s->scope_done);
	pthread_mutex_unlock(&s->lock);
}

/* A scope job: each scope asked for, as a partial refresh. */
static void run_scopes(struct cdh_scheduler *s, struct agent *a)
{
	const struct scope_req *r;
	int32_t rc;

	for (r = a->taken; r; r = r->next) {
		rc = cdh_runner_refresh_scope(a->account, a->index, r->scope,
					      s->opts.store,
					      deadline_for(a, cdh_monotonic_ns()),
					      &a->push.cancel, &a->push.summary);
		if (s->opts.on_scope_result)
			s->opts.on_scope_result(s->opts.ctx, a->account, r->scope,
						&a->push.summary);
		scope_finished(s, a, r->scope, rc);
	}
}

static void *worker_main(void *arg)
{
	struct cdh_scheduler *s = arg;
	struct job *j;
	uint64_t one = 1;

	while ((j = next_job(s)) != NULL) {
		struct agent *a = j->agent;

		if (j->scope)
			run_scopes(s, a);
		else
			cdh_runner_refresh(a->account, a->index, s->opts.store,
					   deadline_for(a, cdh_monotonic_ns()),
					   &j->cancel, &j->summary);
		pthread_mutex_lock(&s->lock);
		j->next_done = s->done;
		s->done = j;
		pthread_mutex_unlock(&s->lock);
		if (write(s->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			cdh_log(CDH_LOG_ERROR, NULL, "scheduler: wakeup failed: %s",
				strerror(errno));
	}
	return NULL;
}

static int start_workers(struct cdh_scheduler *s, char *err, size_t errlen)
{
	unsigned i, n = s->opts.workers ? s->opts.workers : 1;

	s->threads = calloc(n, sizeof(*s->threads));
	if (!s->threads) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		int rc = pthread_create(&s->threads[i], NULL, worker_main, s);

		if (rc != 0) {
			snprintf(err, errlen, "cannot start a worker: %s", strerror(rc));
			return -1;
		}
		s->started++;
	}
	return 0;
}

struct cdh_scheduler *cdh_scheduler_new(const struct cdh_scheduler_options *opts,
					char *err, size_t errlen)
{
	struct cdh_scheduler *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->opts = *opts;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	monotonic_cond_init(&s->scope_done);
	s->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->event_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		cdh_scheduler_free(s);
		return NULL;
	}
	if (cluster_init(s, err, errlen) != 0) {
		cdh_scheduler_free(s);
		return NULL;
	}
	if (start_workers(s, err, errlen) != 0) {
		cdh_scheduler_free(s);
		return NULL;
	}
	return s;
}

static void stop_workers(struct cdh_scheduler *s)
{
	unsigned i;

	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < s->started; i++)
		pthread_join(s->threads[i], NULL);
	s->started = 0;
}

void cdh_scheduler_free(struct cdh_scheduler *s)
{
	size_t i;

	if (!s)
		return;
	cdh_scheduler_cancel_all(s);
	stop_workers(s);
	cdh_scheduler_reap(s);
	/* Queued runs that never started end here, as not run. */
	for (; s->queue_len; s->queue_len--, s->running--) {
		s->queue[s->queue_head]->running = 0;
		s->queue_head = (s->queue_head + 1) % s->queue_cap;
	}
	finish_retirements(s);
	for (i = 0; i < s->count; i++)
		free_agent(s->agents[i]);
	free_reqs(s->inbox);
	for (i = 0; i < DONE_MAX; i++)
		scope_done_clear(&s->done_ring[i]);
	free(s->agents);
	free(s->queue);
	free(s->threads);
	if (s->event_fd >= 0)
		close(s->event_fd);
	cluster_free(s);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->scope_done);
	free(s);
}

static int push_agent(struct cdh_scheduler *s, struct agent *a)
{
	if (s->count == s->alloc) {
		size_t alloc = s->alloc ? s->alloc * 2 : 16;
		struct agent **grown = realloc(s->agents, alloc * sizeof(*grown));

		if (!grown)
			return -1;
		s->agents = grown;
		s->alloc = alloc;
	}
	s->agents[s->count++] = a;
	return 0;
}

int cdh_scheduler_add(struct cdh_scheduler *s, struct cdh_account *account)
{
	uint64_t now = cdh_monotonic_ns();
	uint64_t interval = account->interval_ms
		? account->interval_ms * NS_PER_MS : s->opts.default_interval_ns;
	uint32_t i;

	for (i = 0; i < account->agent_count; i++) {
		struct agent *a = calloc(1, sizeof(*a));

		if (a && account->plugin->ops.agent_name(account->instance, i,
							 a->name, sizeof(a->name)) != CDH_OK)
			snprintf(a->name, sizeof(a->name), "%s/agent[%u]",
				 account->name, i + 1);
		if (a && !cluster_enabled(s, a->name)) {
			int rc = cluster_add_elsewhere(s, account, a->name);

			free(a);
			if (rc != 0)
				return -1;
			continue;
		}
		if (!a || push_agent(s, a) != 0) {
			free(a);
			return -1;
		}
		a->account = account;
		a->index = i;
		a->interval_ns = interval;
		/* Several nodes: the locks spread the runs, and a recreated
		 * account (a plugin swap) must not wait beyond its lock. */
		a->due_ns = now + (s->opts.locks ? 0 : jitter(s));
		a->cycle.agent = a->push.agent = a;
		a->push.scope = 1;
		atomic_init(&a->cycle.cancel, 0);
		atomic_init(&a->push.cancel, 0);
	}
	return 0;
}

static int account_running(const struct cdh_scheduler *s,
			   const struct cdh_account *account)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (s->agents[i]->account == account && busy(s->agents[i]))
			return 1;
	return 0;
}

/* Frees the agents of `account` (none may be running). */
static void drop_agents(struct cdh_scheduler *s, const struct cdh_account *account)
{
	size_t i, kept = 0;

	for (i = 0; i < s->count; i++) {
		if (s->agents[i]->account == account)
			free_agent(s->agents[i]);
		else
			s->agents[kept++] = s->agents[i];
	}
	s->count = kept;
}

/* Calls on_idle for every retired account that has nothing running any more. */
static void finish_retirements(struct cdh_scheduler *s)
{
	struct retirement **link = &s->retirements;

	while (*link) {
		struct retirement *r = *link;

		if (account_running(s, r->account)) {
			link = &r->next;
			continue;
		}
		*link = r->next;
		drop_agents(s, r->account);
		r->on_idle(r->ctx, r->account);
		free(r);
	}
}

/* Retires the agents of `account`; keeps_lock: a run cancelled here leaves
 * its lock as the schedule rather than freeing it (cluster_finished). */
static void retire(struct cdh_scheduler *s, struct cdh_account *account,
		   int keeps_lock,
		   void (*on_idle)(void *ctx, struct cdh_account *account),
		   void *ctx)
{
	struct retirement *r = calloc(1, sizeof(*r));
	size_t i;

	cluster_drop_elsewhere(s, account);
	for (i = 0; i < s->count; i++) {
		if (s->agents[i]->account != account)
			continue;
		s->agents[i]->retired = 1;
		s->agents[i]->keeps_lock = keeps_lock;
		atomic_store(&s->agents[i]->cycle.cancel, 1);
		atomic_store(&s->agents[i]->push.cancel, 1);
	}
	if (!r) {
		/* Out of memory: wait for the runs here rather than leak the account. */
		while (account_running(s, account))
			cdh_scheduler_drain(s, 100);
		drop_agents(s, account);
		on_idle(ctx, account);
		return;
	}
	r->account = account;
	r->on_idle = on_idle;
	r->ctx = ctx;
	r->next = s->retirements;
	s->retirements = r;
	finish_retirements(s);
}

void cdh_scheduler_retire(struct cdh_scheduler *s, struct cdh_account *account,
			  void (*on_idle)(void *ctx, struct cdh_account *account),
			  void *ctx)
{
	/* Removed or changed: its idle agents' locks go at once (Clouddriver's
	 * unschedule), so that the new settings run without waiting. */
	cluster_retire_idle(s, account);
	retire(s, account, 0, on_idle, ctx);
}

void cdh_scheduler_retire_keeping_locks(struct cdh_scheduler *s,
					struct cdh_account *account,
					void (*on_idle)(void *ctx,
							struct cdh_account *account),
					void *ctx)
{
	retire(s, account, 1, on_idle, ctx);
}

/* Puts push `j` after the pushes queued already, before every cycle
 * (under the lock, with room for one more). */
static void insert_after_pushes(struct cdh_scheduler *s, struct job *j)
{
	size_t i;

	for (i = s->queue_len; i > s->queue_pushes; i--)
		s->queue[(s->queue_head + i) % s->queue_cap] =
			s->queue[(s->queue_head + i - 1) % s->queue_cap];
	s->queue[(s->queue_head + s->queue_pushes) % s->queue_cap] = j;
	s->queue_pushes++;
}

/* Queues `j`: last, or first (a push: what is fresh goes before the
 * cycles waiting for a worker, after the pushes waiting already). Marks it
 * running; 0, or -1 out of memory. */
static int enqueue_job(struct cdh_scheduler *s, struct job *j, int first)
{
	pthread_mutex_lock(&s->lock);
	if (s->queue_len == s->queue_cap) {
		size_t cap = s->queue_cap ? s->queue_cap * 2 : 16, i;
		struct job **ring = malloc(cap * sizeof(*ring));

		if (!ring) {
			pthread_mutex_unlock(&s->lock);
			return -1;
		}
		for (i = 0; i < s->queue_len; i++)
			ring[i] = s->queue[(s->queue_head + i) % s->queue_cap];
		free(s->queue);
		s->queue = ring;
		s->queue_head = 0;
		s->queue_cap = cap;
	}
	if (first)
		insert_after_pushes(s, j);
	else
		s->queue[(s->queue_head + s->queue_len) % s->queue_cap] = j;
	s->queue_len++;
	j->running = 1;
	s->running++;
	atomic_store(&j->cancel, 0);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Queues the agent's cycle; 0 queued. */
static int enqueue(struct cdh_scheduler *s, struct agent *a)
{
	return enqueue_job(s, &a->cycle, 0);
}

/* Whether the agent's plugin lets a push run beside its cycle. */
static int beside_cycle(const struct agent *a)
{
	const struct cdh_plugin_slot *p = a->account->plugin;

	return p->abi_minor >= 1 &&
	       (p->desc.flags & CDH_PLUGIN_SCOPE_BESIDE_REFRESH) != 0;
}

/*
 * Whether the scopes pushed for `a` may start now: never two scope jobs of
 * an agent at once, nor one beside its cycle unless the plugin says so.
 * Nor beside its first cycle here. (That was for events to Echo: a push
 * stored beside the agent's first fill made the whole registry's tags
 * events. The store now keeps the fill going until a complete cycle is
 * stored, pushes included (store.h), so this wait is no longer needed for
 * that; it is kept as it was.)
 */
static int scopes_may_start(const struct agent *a)
{
	return !a->push.running &&
	       (!a->cycle.running || (a->cycle_stored && beside_cycle(a)));
}

/* Queues the scopes pushed for `a` as one job; 0 queued. */
static int start_scopes(struct cdh_scheduler *s, struct agent *a)
{
	a->taken = a->pending;
	a->pending = NULL;
	a->scope_started_ns = cdh_monotonic_ns();
	if (enqueue_job(s, &a->push, 1) != 0) {
		a->pending = a->taken;
		a->taken = NULL;
		return -1;
	}
	return 0;
}

int64_t cdh_scheduler_dispatch(struct cdh_scheduler *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < s->count; i++) {
		struct agent *a = s->agents[i];

		if (a->retired)
			continue;
		/* A push is served before the cycle: it is what is fresh. The
		 * end of a job that holds it back wakes this loop (reap). */
		if (a->pending && scopes_may_start(a)) {
			if (a->pending_due_ns <= now && start_scopes(s, a) == 0)
				continue;
			if (a->pending_due_ns < next)
				next = a->pending_due_ns;
		}
		if (busy(a) || s->opts.locks) /* locks: cluster_tick starts them */
			continue;
		if (a->due_ns <= now && enqueue(s, a) == 0)
			continue;
		if (a->due_ns < next)
			next = a->due_ns;
	}
	if (s->opts.locks) {
		if (now >= s->next_tick_ns)
			cluster_tick(s, now);
		if (s->next_tick_ns < next)
			next = s->next_tick_ns;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int64_t)((next - now + NS_PER_MS - 1) / NS_PER_MS);
}

int cdh_scheduler_fd(const struct cdh_scheduler *s)
{
	return s->event_fd;
}

/* Parked agents (a config error, disabled) are never due. */
#define PARKED UINT64_MAX

/* collectd's rule: each failure doubles the wait, up to the cap. */
static uint64_t backoff_delay(const struct cdh_scheduler *s, const struct agent *a)
{
	uint64_t cap = s->opts.backoff_cap_ns;
	unsigned shift = a->failures < 32 ? a->failures : 32;

	if (cap < a->interval_ns)
		cap = a->interval_ns;
	return a->interval_ns > (cap >> shift) ? cap : a->interval_ns << shift;
}

/*
 * When the agent runs next, from the class of its result as cdh_plugin.h
 * documents it: OK (and CANCELLED) on its interval; CONFIG parked until the
 * account's config changes (a changed account is a new account, so only an
 * unchanged one stays parked); FATAL parked until a reload
 * (cdh_scheduler_revive); TRANSIENT, CREDENTIALS (a password file or a
 * token may be fixed any time) and every other code back off.
 */
static void plan_next(struct cdh_scheduler *s, struct agent *a, uint64_t now)
{
	struct cdh_run_summary *r = &a->cycle.summary;

	if ((double)a->interval_ns / 1e9 < r->seconds)
		cdh_log(CDH_LOG_WARN, a->account->name,
			"%s: refresh took %.1f s, longer than its %.0f s interval",
			r->agent, r->seconds, (double)a->interval_ns / 1e9);
	switch (r->result) {
	case CDH_OK:
	case CDH_E_CANCELLED:
		a->failures = 0;
		a->state = CDH_AGENT_OK;
		a->due_ns = now + a->interval_ns;
		break;
	case CDH_E_CONFIG:
		a->state = CDH_AGENT_CONFIG_ERROR;
		a->due_ns = PARKED;
		cdh_log(CDH_LOG_ERROR, a->account->name,
			"%s: not retried until the account's configuration changes",
			r->agent);
		break;
	case CDH_E_FATAL:
		a->state = CDH_AGENT_DISABLED;
		a->due_ns = PARKED;
		cdh_log(CDH_LOG_ERROR, a->account->name,
			"%s: disabled until the next reload", r->agent);
		break;
	default: /* TRANSIENT, CREDENTIALS, NOMEM, and codes this host does
		  * not know */
		a->failures++;
		a->state = CDH_AGENT_BACKOFF;
		a->due_ns = now + backoff_delay(s, a);
		break;
	}
	r->state = a->state;
}

size_t cdh_scheduler_revive(struct cdh_scheduler *s, uint64_t now)
{
	size_t i, revived = 0;

	for (i = 0; i < s->count; i++) {
		struct agent *a = s->agents[i];

		if (a->state != CDH_AGENT_DISABLED || a->cycle.running ||
		    a->retired)
			continue;
		a->failures = 0;
		a->due_ns = now;
		revived++;
	}
	return revived;
}

/* 1 when `scope` is in the list `r`. */
static int has_scope(const struct scope_req *r, const char *scope)
{
	for (; r; r = r->next)
		if (strcmp(r->scope, scope) == 0)
			return 1;
	return 0;
}

/* Hands `req`'s scope to each agent of its account (once per agent). */
static void deliver(struct cdh_scheduler *s, const struct scope_req *req)
{
	size_t i;

	for (i = 0; i < s->count; i++) {
		struct agent *a = s->agents[i];
		struct scope_req *r;

		if (a->retired || strcmp(a->account->name, req->account) != 0 ||
		    has_scope(a->pending, req->scope))
			continue;
		r = calloc(1, sizeof(*r));
		if (!r || !(r->scope = strdup(req->scope))) {
			free(r);
			cdh_log(CDH_LOG_WARN, req->account,
				"out of memory: push for %s dropped", req->scope);
			continue;
		}
		if (!a->pending)
			a->pending_due_ns = cdh_monotonic_ns() + SETTLE_NS;
		r->next = a->pending;
		a->pending = r;
	}
}

static void take_inbox(struct cdh_scheduler *s)
{
	struct scope_req *inbox, *r;

	pthread_mutex_lock(&s->lock);
	inbox = s->inbox;
	s->inbox = NULL;
	s->inbox_len = 0;
	pthread_mutex_unlock(&s->lock);
	for (r = inbox; r; r = r->next)
		deliver(s, r);
	free_reqs(inbox);
}

/* 1 when an entry of the ring before `end` is agent `d`'s for the same
 * request (an agent that ran the scope twice since counts once). */
static int agent_seen(const struct cdh_scheduler *s, size_t end,
		      const struct scope_done *d, uint64_t since_ns)
{
	size_t i;

	for (i = 0; i < end; i++) {
		const struct scope_done *e = &s->done_ring[i];

		if (e->account && e->agent == d->agent &&
		    e->started_ns >= since_ns && strcmp(e->account, d->account) == 0 &&
		    strcmp(e->scope, d->scope) == 0)
			return 1;
	}
	return 0;
}

/*
 * The result of a refresh of (account, scope) queued at `since` or later:
 * CDH_OK once an agent stored it; 1 while none is done; else the failure
 * of one that is (another than CDH_E_CONFIG preferred). *final is set when
 * that answer cannot change: stored, or every agent of the account failed.
 * Under the lock.
 */
static int32_t scope_result_since(const struct cdh_scheduler *s,
				  const char *account, const char *scope,
				  uint64_t since_ns, int *final)
{
	int32_t result = 1;
	uint32_t agents = 0, done = 0;
	size_t i;

	for (i = 0; i < DONE_MAX && result != CDH_OK; i++) {
		const struct scope_done *d = &s->done_ring[i];

		if (!d->account || !d->started_ns || d->started_ns < since_ns ||
		    strcmp(d->account, account) != 0 || strcmp(d->scope, scope) != 0)
			continue;
		if (result == 1 || d->result != CDH_E_CONFIG)
			result = d->result;
		if (d->agents > agents)
			agents = d->agents;
		if (!agent_seen(s, i, d, since_ns))
			done++;
	}
	*final = result == CDH_OK || (result != 1 && done >= agents);
	return result;
}

int32_t cdh_scheduler_wait_scope(struct cdh_scheduler *s, const char *account,
				 const char *scope, uint64_t since_ns,
				 unsigned timeout_ms)
{
	uint64_t deadline = cdh_monotonic_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	struct timespec ts = { (time_t)(deadline / NS_PER_S),
			       (long)(deadline % NS_PER_S) };
	int32_t result;
	int final = 0;

	pthread_mutex_lock(&s->lock);
	while ((result = scope_result_since(s, account, scope, since_ns,
					    &final)) != CDH_OK &&
	       !final && cdh_monotonic_ns() < deadline)
		pthread_cond_timedwait(&s->scope_done, &s->lock, &ts);
	pthread_mutex_unlock(&s->lock);
	/* Some agents said "not mine", the others have not answered (the
	 * owner still running, or run on another node): still queued. */
	if (!final && result == CDH_E_CONFIG)
		result = 1;
	return result;
}

int cdh_scheduler_request_scope(struct cdh_scheduler *s, const char *account,
				const char *scope)
{
	struct scope_req *r;
	uint64_t one = 1;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	for (r = s->inbox; r; r = r->next)
		if (strcmp(r->account, account) == 0 &&
		    strcmp(r->scope, scope) == 0)
			break;
	if (!r && s->inbox_len >= INBOX_MAX)
		rc = -1;
	else if (!r && (r = calloc(1, sizeof(*r))) != NULL) {
		r->account = strdup(account);
		r->scope = strdup(scope);
		if (!r->account || !r->scope) {
			free_reqs(r);
			rc = -1;
		} else {
			r->next = s->inbox;
			s->inbox = r;
			s->inbox_len++;
		}
	} else if (!r)
		rc = -1;
	pthread_mutex_unlock(&s->lock);
	if (rc == 0 && write(s->event_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		rc = -1;
	return rc;
}

void cdh_scheduler_reap(struct cdh_scheduler *s)
{
	struct job *done;
	uint64_t counter;

	if (read(s->event_fd, &counter, sizeof(counter)) < 0 && errno != EAGAIN)
		cdh_log(CDH_LOG_WARN, NULL, "scheduler: %s", strerror(errno));
	pthread_mutex_lock(&s->lock);
	done = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->lock);
	while (done) {
		struct job *j = done;
		struct agent *a = j->agent;

		done = j->next_done;
		j->running = 0;
		s->running--;
		if (j->scope) { /* not a cycle: the plan stays */
			free_reqs(a->taken);
			a->taken = NULL;
			continue;
		}
		if (a->cycle.summary.result == CDH_OK) /* stored */
			a->cycle_stored = 1;
		if (a->locked) /* plans too: the lock is the schedule */
			cluster_finished(s, a, cdh_monotonic_ns());
		if (a->retired)
			continue;
		if (!s->opts.locks)
			plan_next(s, a, cdh_monotonic_ns());
		if (s->opts.on_result)
			s->opts.on_result(s->opts.ctx, a->account,
					  &a->cycle.summary);
	}
	take_inbox(s);
	finish_retirements(s);
}

void cdh_scheduler_cancel_all(struct cdh_scheduler *s)
{
	size_t i;

	for (i = 0; i < s->count; i++) {
		if (s->agents[i]->cycle.running)
			atomic_store(&s->agents[i]->cycle.cancel, 1);
		if (s->agents[i]->push.running)
			atomic_store(&s->agents[i]->push.cancel, 1);
	}
}

size_t cdh_scheduler_running(const struct cdh_scheduler *s)
{
	return s->running;
}

size_t cdh_scheduler_drain(struct cdh_scheduler *s, int timeout_ms)
{
	uint64_t end = cdh_monotonic_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	struct pollfd pfd = { s->event_fd, POLLIN, 0 };

	while (s->running) {
		uint64_t now = cdh_monotonic_ns();

		if (now >= end)
			break;
		if (poll(&pfd, 1, (int)((end - now) / NS_PER_MS) + 1) > 0)
			cdh_scheduler_reap(s);
	}
	return s->running;
}

/* ---- several nodes: Clouddriver's agent locks (store/agent_locks.h) ---- */

/* Clouddriver's agent-lock-acquisition-interval-seconds. */
#define TICK_NS NS_PER_S
/* After Redis answers again, runs in flight re-assert their locks (a Redis
 * restarted empty lost them) before any node takes a new one: every node
 * reconnects within a tick, so two ticks let them all get there first. */
#define GRACE_NS (2 * TICK_NS)
#define LOCKS_UNKNOWN 0
#define LOCKS_UP 1
#define LOCKS_DOWN 2

static int64_t ms_of(uint64_t ns)
{
	return (int64_t)(ns / NS_PER_MS);
}

static int cluster_init(struct cdh_scheduler *s, char *err, size_t errlen)
{
	PCRE2_UCHAR why[256];
	PCRE2_SIZE offset;
	int code;

	if (!s->opts.enabled_pattern)
		return 0;
	/* Java's matches(): the whole type, so anchored at both ends. */
	s->enabled = pcre2_compile((PCRE2_SPTR)s->opts.enabled_pattern,
				   PCRE2_ZERO_TERMINATED,
				   PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code,
				   &offset, NULL);
	if (s->enabled)
		return 0;
	pcre2_get_error_message(code, why, sizeof(why));
	snprintf(err, errlen, "host.cluster.enabledPattern: %s at offset %zu",
		 (const char *)why, (size_t)offset);
	return -1;
}

static void cluster_free(struct cdh_scheduler *s)
{
	pcre2_code_free(s->enabled);
	s->enabled = NULL;
	free(s->elsewhere);
	s->elsewhere = NULL;
	s->elsewhere_count = 0;
}

/* redis.agent.enabled-pattern: matched against the lower-cased type. */
static int cluster_enabled(const struct cdh_scheduler *s, const char *agent)
{
	char lower[sizeof(((struct agent *)0)->name)];
	pcre2_match_data *md;
	size_t i;
	int rc;

	if (!s->enabled)
		return 1;
	for (i = 0; agent[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)agent[i]);
	lower[i] = '\0';
	md = pcre2_match_data_create_from_pattern(s->enabled, NULL);
	rc = md ? pcre2_match(s->enabled, (PCRE2_SPTR)lower, i, 0, 0, md, NULL)
		: -1;
	pcre2_match_data_free(md);
	if (rc < 0)
		cdh_log(CDH_LOG_INFO, NULL,
			"%s: not run on this node (host.cluster.enabledPattern)",
			agent);
	return rc >= 0;
}

static int cluster_add_elsewhere(struct cdh_scheduler *s,
				 const struct cdh_account *account,
				 const char *agent)
{
	struct elsewhere *grown = realloc(s->elsewhere, (s->elsewhere_count + 1) *
					  sizeof(*grown));

	if (!grown)
		return -1;
	s->elsewhere = grown;
	grown[s->elsewhere_count].account = account;
	snprintf(grown[s->elsewhere_count].name,
		 sizeof(grown[s->elsewhere_count].name), "%s", agent);
	s->elsewhere_count++;
	return 0;
}

/* Nothing of it runs here: it goes at once with its account. */
static void cluster_drop_elsewhere(struct cdh_scheduler *s,
				   const struct cdh_account *account)
{
	size_t i, kept = 0;

	for (i = 0; i < s->elsewhere_count; i++)
		if (s->elsewhere[i].account != account)
			s->elsewhere[kept++] = s->elsewhere[i];
	s->elsewhere_count = kept;
}

static void locks_down(struct cdh_scheduler *s, const char *err)
{
	const char *why = strncmp(err, "cache store: ", 13) == 0 ? err + 13 : err;

	if (s->locks_state == LOCKS_DOWN)
		return; /* logged once */
	s->locks_state = LOCKS_DOWN;
	cdh_log(CDH_LOG_ERROR, NULL,
		"agent locks: %s: no agent runs until Redis answers", why);
	if (s->opts.on_locks)
		s->opts.on_locks(s->opts.ctx, why);
}

static void locks_up(struct cdh_scheduler *s, uint64_t now)
{
	if (s->locks_state == LOCKS_UP)
		return;
	if (s->locks_state == LOCKS_DOWN) {
		s->grace_until_ns = now + GRACE_NS;
		cdh_log(CDH_LOG_INFO, NULL, "agent locks: Redis answers again");
	}
	s->locks_state = LOCKS_UP;
	if (s->opts.on_locks)
		s->opts.on_locks(s->opts.ctx, NULL);
}

/* {"node":..,"time":<Unix ms>,"ok":..}: who ran it last, for /health. */
static void last_run_json(const struct cdh_scheduler *s, int ok, char *out,
			  size_t outlen)
{
	json_object *o = json_object_new_object();
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_object_add(o, "node", json_object_new_string(s->opts.node_id));
	json_object_object_add(o, "time", json_object_new_int64(
		(int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	snprintf(out, outlen, "%s",
		 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* Leaves the lock of `a` with ttl_ms (0: deletes it) if it is still ours. */
static void release(struct cdh_scheduler *s, struct agent *a, int64_t ttl_ms,
		    const char *last_run)
{
	char err[512];
	int rc = cdh_agent_locks_release(s->opts.locks, a->name, s->opts.node_id,
					 ttl_ms, last_run, err, sizeof(err));

	if (rc < 0)
		locks_down(s, err);
	else if (rc == 0 && a->locked)
		cdh_log(CDH_LOG_WARN, a->account->name,
			"%s: its lock was not this node's any more when the run "
			"ended (it ran longer than twice its interval, or Redis "
			"lost it)", a->name);
}

/*
 * A cycle that held the lock ended: plan as on one node, then leave the
 * lock as the schedule, expiring an interval after it was taken. After a
 * failure too: that is Clouddriver's error interval (a docker agent's is
 * its interval), so that other nodes and Clouddriver retry it on
 * Clouddriver's schedule, while this node keeps its own backoff (its
 * due_ns) before it tries again. A cancelled run, or a retired agent,
 * frees the lock at once for another node, except one retired keeping its
 * lock (a plugin swap cancelled it: its account runs again on schedule,
 * not at once, here or elsewhere).
 */
static void cluster_finished(struct cdh_scheduler *s, struct agent *a,
			     uint64_t now)
{
	char last[768];
	int64_t ttl = 0;
	int ran = !a->retired && a->cycle.summary.result != CDH_E_CANCELLED;

	if (!a->retired) {
		plan_next(s, a, now);
		if (a->state == CDH_AGENT_OK)
			a->due_ns = now; /* the lock says when */
	}
	if (ran || a->keeps_lock)
		ttl = cdh_agent_lock_ttl(ms_of(a->lock_ns + a->interval_ns),
					 ms_of(now));
	if (ran)
		last_run_json(s, cdh_run_summary_clean(&a->cycle.summary), last,
			      sizeof(last));
	release(s, a, ttl, ran ? last : NULL);
	a->locked = 0;
}

static void cluster_retire_idle(struct cdh_scheduler *s,
				const struct cdh_account *account)
{
	size_t i;

	for (i = 0; s->opts.locks && i < s->count; i++) {
		struct agent *a = s->agents[i];

		/* A cycle running is cancelled and releases its lock when it
		 * ends; a scope job holds none. */
		if (a->account == account && !a->cycle.running && !a->retired)
			release(s, a, 0, NULL);
	}
}

/* Whether another agent of the same type runs here (a retired account's
 * cancelled run that has not ended yet): never two runs of one type. */
static int twin_running(const struct cdh_scheduler *s, const struct agent *a)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (s->agents[i] != a && busy(s->agents[i]) &&
		    strcmp(s->agents[i]->name, a->name) == 0)
			return 1;
	return 0;
}

static void start_locked(struct cdh_scheduler *s, struct agent *a,
			 uint64_t taken_ns)
{
	a->locked = 1;
	a->lock_ns = taken_ns;
	a->won++;
	if (enqueue(s, a) != 0) { /* out of memory: let another node run it */
		release(s, a, 0, NULL);
		a->locked = 0;
	}
}

/* Agents that may start here now, shuffled (Clouddriver shuffles too, so
 * that no agent always comes last when workers are few). */
static size_t candidates(const struct cdh_scheduler *s, uint64_t now,
			 struct agent **out)
{
	size_t i, n = 0, retired_running = 0;

	for (i = 0; i < s->count; i++)
		retired_running += s->agents[i]->retired && busy(s->agents[i]);
	for (i = 0; i < s->count; i++) {
		struct agent *a = s->agents[i];

		if (busy(a) || a->retired || a->due_ns > now ||
		    (retired_running && twin_running(s, a)))
			continue;
		out[n++] = a;
	}
	for (i = n; i > 1; i--) {
		size_t j = (size_t)random() % i;
		struct agent *t = out[i - 1];

		out[i - 1] = out[j];
		out[j] = t;
	}
	return n;
}

/* Tries the candidates a batch at a time, as many as workers are free. */
static void cluster_acquire(struct cdh_scheduler *s, uint64_t now,
			    struct agent **cand, const char **keys,
			    int64_t *px, int *won)
{
	size_t workers = s->opts.workers ? s->opts.workers : 1;
	size_t free_slots = workers > s->running ? workers - s->running : 0;
	size_t n = candidates(s, now, cand), i = 0, j, batch;
	char err[512];

	while (i < n && free_slots) {
		uint64_t taken = cdh_monotonic_ns();

		batch = n - i < free_slots ? n - i : free_slots;
		for (j = 0; j < batch; j++) {
			keys[j] = cand[i + j]->name;
			/* Clouddriver's timeout for interval-aware agents. */
			px[j] = 2 * ms_of(cand[i + j]->interval_ns);
		}
		if (cdh_agent_locks_acquire(s->opts.locks, keys, batch,
					    s->opts.node_id, px, won, err,
					    sizeof(err)) != 0) {
			locks_down(s, err);
			return;
		}
		for (j = 0; j < batch; j++) {
			if (won[j] == CDH_LOCK_TAKEN) {
				start_locked(s, cand[i + j], taken);
				free_slots--;
			} else if (won[j] == CDH_LOCK_LOST) {
				/* Not its own schedule: every idle agent
				 * is tried each tick, also under the key
				 * its last run here left. */
				cand[i + j]->lost++;
			}
		}
		i += batch;
	}
}

/* Hands what the cluster says of each agent to on_cluster: all[0..count)
 * run here, then the agents left to other nodes (keys from count on). */
static void cluster_report(struct cdh_scheduler *s, struct agent **all,
			   char **owners, char **last_runs)
{
	size_t i;

	for (i = 0; i < s->count; i++) {
		struct agent *a = all[i];
		struct cdh_agent_cluster info = {
			a->name, owners[i], last_runs[i], a->won, a->lost, 0,
		};

		if (a->retired)
			continue;
		if (a->locked) /* taken this tick, after the look */
			info.owner = s->opts.node_id;
		if (s->opts.on_cluster)
			s->opts.on_cluster(s->opts.ctx, a->account, &info);
		a->won = a->lost = 0;
	}
	for (i = 0; s->opts.on_cluster && i < s->elsewhere_count; i++) {
		const struct elsewhere *e = &s->elsewhere[i];
		struct cdh_agent_cluster info = {
			e->name, owners[s->count + i], last_runs[s->count + i],
			0, 0, 1,
		};

		s->opts.on_cluster(s->opts.ctx, e->account, &info);
	}
}

/* Asks Redis who holds what, of the agents run here and those left to
 * other nodes (re-asserting the locks of runs in flight); 0 when it
 * answered. */
static int cluster_look(struct cdh_scheduler *s, uint64_t now,
			struct agent **all, const char **keys, int64_t *px,
			char **owners, char **last_runs)
{
	size_t i, n = s->count + s->elsewhere_count;
	char err[512];
	int rc;

	for (i = 0; i < s->count; i++) {
		struct agent *a = s->agents[i];
		uint64_t until = a->lock_ns + 2 * a->interval_ns;

		all[i] = a;
		keys[i] = a->name;
		px[i] = a->locked && until > now + NS_PER_MS ? ms_of(until - now) : 0;
	}
	for (i = 0; i < s->elsewhere_count; i++) {
		keys[s->count + i] = s->elsewhere[i].name;
		px[s->count + i] = 0;
	}
	rc = cdh_agent_locks_look(s->opts.locks, keys, n, s->opts.node_id,
				  px, owners, last_runs, err, sizeof(err));
	if (rc != 0) {
		locks_down(s, err);
		return -1;
	}
	if (n)
		locks_up(s, now);
	return 0;
}

static void cluster_tick(struct cdh_scheduler *s, uint64_t now)
{
	size_t n = s->count + s->elsewhere_count, size = n ? n : 1, i;
	struct agent **all = calloc(size, sizeof(*all));
	struct agent **cand = calloc(size, sizeof(*cand));
	const char **keys = calloc(size, sizeof(*keys));
	int64_t *px = calloc(size, sizeof(*px));
	char **owners = calloc(size, sizeof(*owners));
	char **last_runs = calloc(size, sizeof(*last_runs));
	int *won = calloc(size, sizeof(*won));

	s->next_tick_ns = now + TICK_NS;
	if (!all || !cand || !keys || !px || !owners || !last_runs || !won)
		cdh_log(CDH_LOG_ERROR, NULL, "agent locks: out of memory");
	else if (cluster_look(s, now, all, keys, px, owners, last_runs) == 0) {
		if (now >= s->grace_until_ns)
			cluster_acquire(s, now, cand, keys, px, won);
		cluster_report(s, all, owners, last_runs);
		for (i = 0; i < n; i++) {
			free(owners[i]);
			free(last_runs[i]);
		}
	}
	free(all);
	free(cand);
	free(keys);
	free(px);
	free(owners);
	free(last_runs);
	free(won);
}
