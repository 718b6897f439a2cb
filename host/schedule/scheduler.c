#include "schedule/scheduler.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/log.h"
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

struct agent {
	struct cdh_account *account;
	uint32_t index;
	uint64_t interval_ns;
	uint64_t due_ns;
	unsigned failures;      /* consecutive failed runs, for backoff */
	int state;              /* CDH_AGENT_*, from the last run */
	int running;            /* queued or refreshing */
	int retired;
	atomic_int cancel;      /* set to stop its run in flight */
	struct cdh_run_summary summary; /* of the last run, filled by a worker */
	struct agent *next_done;
	struct scope_req *pending; /* control thread: scopes asked for */
	uint64_t pending_due_ns;   /* when they run (SETTLE_NS after the first) */
	struct scope_req *taken;   /* the scope job's, while it runs */
	int scope_job;             /* queued for `taken`, not a cycle */
	uint64_t scope_started_ns; /* when the scope job was queued */
};

/*
 * The last scope refreshes done, for cdh_scheduler_wait_scope: a ring
 * under the scheduler's lock. Names longer than the fields are not kept
 * (a waiter for them times out: 202).
 */
#define DONE_MAX 256
struct scope_done {
	char account[128];
	char scope[256];
	uint64_t started_ns; /* its job was queued then */
	int32_t result;
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
	struct agent **queue;   /* ring of agents to run */
	size_t queue_head, queue_len, queue_cap;
	struct agent *done;
	int stopping;
	struct scope_req *inbox; /* from any thread, under lock */
	size_t inbox_len;
	struct scope_done done_ring[DONE_MAX]; /* under lock */
	size_t done_next;
	pthread_cond_t scope_done; /* broadcast per scope refresh done */
};

static void finish_retirements(struct cdh_scheduler *s);

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

/* Worker side: take the next agent, or NULL when stopping. */
static struct agent *next_job(struct cdh_scheduler *s)
{
	struct agent *a = NULL;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping && s->queue_len == 0)
		pthread_cond_wait(&s->wake, &s->lock);
	if (!s->stopping) {
		a = s->queue[s->queue_head];
		s->queue_head = (s->queue_head + 1) % s->queue_cap;
		s->queue_len--;
	}
	pthread_mutex_unlock(&s->lock);
	return a;
}

static uint64_t deadline_for(const struct agent *a, uint64_t now)
{
	uint64_t span = a->interval_ns * DEADLINE_INTERVALS;

	return now + (span > DEADLINE_MIN_NS ? span : DEADLINE_MIN_NS);
}

/* Notes a scope refresh done and wakes its waiters. */
static void scope_finished(struct cdh_scheduler *s, const struct agent *a,
			   const char *scope, int32_t result)
{
	struct scope_done *d;

	if (strlen(a->account->name) >= sizeof(d->account) ||
	    strlen(scope) >= sizeof(d->scope))
		return;
	pthread_mutex_lock(&s->lock);
	d = &s->done_ring[s->done_next];
	s->done_next = (s->done_next + 1) % DONE_MAX;
	snprintf(d->account, sizeof(d->account), "%s", a->account->name);
	snprintf(d->scope, sizeof(d->scope), "%s", scope);
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
					      &a->cancel, &a->summary);
		if (s->opts.on_scope_result)
			s->opts.on_scope_result(s->opts.ctx, a->account, r->scope,
						&a->summary);
		scope_finished(s, a, r->scope, rc);
	}
}

static void *worker_main(void *arg)
{
	struct cdh_scheduler *s = arg;
	struct agent *a;
	uint64_t one = 1;

	while ((a = next_job(s)) != NULL) {
		if (a->scope_job)
			run_scopes(s, a);
		else
			cdh_runner_refresh(a->account, a->index, s->opts.store,
					   deadline_for(a, cdh_monotonic_ns()),
					   &a->cancel, &a->summary);
		pthread_mutex_lock(&s->lock);
		a->next_done = s->done;
		s->done = a;
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
	free(s->agents);
	free(s->queue);
	free(s->threads);
	if (s->event_fd >= 0)
		close(s->event_fd);
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

		if (!a || push_agent(s, a) != 0) {
			free(a);
			return -1;
		}
		a->account = account;
		a->index = i;
		a->interval_ns = interval;
		a->due_ns = now + jitter(s);
		atomic_init(&a->cancel, 0);
	}
	return 0;
}

static int account_running(const struct cdh_scheduler *s,
			   const struct cdh_account *account)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (s->agents[i]->account == account && s->agents[i]->running)
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

void cdh_scheduler_retire(struct cdh_scheduler *s, struct cdh_account *account,
			  void (*on_idle)(void *ctx, struct cdh_account *account),
			  void *ctx)
{
	struct retirement *r = calloc(1, sizeof(*r));
	size_t i;

	for (i = 0; i < s->count; i++) {
		if (s->agents[i]->account != account)
			continue;
		s->agents[i]->retired = 1;
		atomic_store(&s->agents[i]->cancel, 1);
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

static int enqueue(struct cdh_scheduler *s, struct agent *a)
{
	pthread_mutex_lock(&s->lock);
	if (s->queue_len == s->queue_cap) {
		size_t cap = s->queue_cap ? s->queue_cap * 2 : 16, i;
		struct agent **ring = malloc(cap * sizeof(*ring));

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
	s->queue[(s->queue_head + s->queue_len) % s->queue_cap] = a;
	s->queue_len++;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Queues the scopes pushed for `a` as one job; 0 queued. */
static int start_scopes(struct cdh_scheduler *s, struct agent *a)
{
	a->taken = a->pending;
	a->pending = NULL;
	a->scope_job = 1;
	a->scope_started_ns = cdh_monotonic_ns();
	if (enqueue(s, a) != 0) {
		a->pending = a->taken;
		a->taken = NULL;
		a->scope_job = 0;
		return -1;
	}
	a->running = 1;
	s->running++;
	atomic_store(&a->cancel, 0);
	return 0;
}

int64_t cdh_scheduler_dispatch(struct cdh_scheduler *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < s->count; i++) {
		struct agent *a = s->agents[i];

		if (a->running || a->retired)
			continue;
		/* A push is served before the cycle: it is what is fresh. */
		if (a->pending && a->pending_due_ns <= now &&
		    start_scopes(s, a) == 0)
			continue;
		if (a->pending && a->pending_due_ns < next)
			next = a->pending_due_ns;
		if (a->due_ns <= now && enqueue(s, a) == 0) {
			a->running = 1;
			s->running++;
			atomic_store(&a->cancel, 0);
			continue;
		}
		if (a->due_ns < next)
			next = a->due_ns;
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
 * (cdh_scheduler_revive); TRANSIENT and every other code back off.
 */
static void plan_next(struct cdh_scheduler *s, struct agent *a, uint64_t now)
{
	struct cdh_run_summary *r = &a->summary;

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
	default: /* TRANSIENT, NOMEM, and codes this host does not know */
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

		if (a->state != CDH_AGENT_DISABLED || a->running || a->retired)
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

/* The result of a refresh of (account, scope) queued at `since` or later,
 * or 1 when none is done yet. Under the lock. */
static int32_t scope_result_since(const struct cdh_scheduler *s,
				  const char *account, const char *scope,
				  uint64_t since_ns)
{
	int32_t result = 1;
	size_t i;

	for (i = 0; i < DONE_MAX && result != CDH_OK; i++) {
		const struct scope_done *d = &s->done_ring[i];

		if (d->started_ns >= since_ns && d->started_ns &&
		    strcmp(d->account, account) == 0 &&
		    strcmp(d->scope, scope) == 0 &&
		    (result == 1 || d->result != CDH_E_CONFIG))
			result = d->result;
	}
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

	pthread_mutex_lock(&s->lock);
	while ((result = scope_result_since(s, account, scope, since_ns)) != CDH_OK &&
	       cdh_monotonic_ns() < deadline)
		pthread_cond_timedwait(&s->scope_done, &s->lock, &ts);
	pthread_mutex_unlock(&s->lock);
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
	struct agent *done;
	uint64_t counter;

	if (read(s->event_fd, &counter, sizeof(counter)) < 0 && errno != EAGAIN)
		cdh_log(CDH_LOG_WARN, NULL, "scheduler: %s", strerror(errno));
	pthread_mutex_lock(&s->lock);
	done = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->lock);
	while (done) {
		struct agent *a = done;

		done = a->next_done;
		a->running = 0;
		s->running--;
		if (a->scope_job) { /* not a cycle: the plan stays */
			a->scope_job = 0;
			free_reqs(a->taken);
			a->taken = NULL;
			continue;
		}
		if (a->retired)
			continue;
		plan_next(s, a, cdh_monotonic_ns());
		if (s->opts.on_result)
			s->opts.on_result(s->opts.ctx, a->account, &a->summary);
	}
	take_inbox(s);
	finish_retirements(s);
}

void cdh_scheduler_cancel_all(struct cdh_scheduler *s)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (s->agents[i]->running)
			atomic_store(&s->agents[i]->cancel, 1);
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
