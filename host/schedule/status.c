#include "schedule/status.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json_out.h"
#include "util/text.h"

struct agent_status {
	char *account;
	struct cdh_run_summary last;
	uint64_t runs, failures;
	uint64_t requests_by_class[CDH_STATUS_CLASSES];
	time_t last_success, last_error;
	char last_error_text[512];
	int ever_stored; /* a run stored a scope (or had none to store) */
	/* Several nodes (cdh_status_record_cluster): */
	char owner[256];     /* the lock's value now, "" when free */
	char last_node[256]; /* who ran it last, "" unknown */
	int64_t last_ms;     /* when that run ended (Unix ms) */
	int last_ok;
	uint64_t won, lost;
	int elsewhere; /* host.cluster.enabledPattern leaves it to others */
};

/* Scope refreshes (pushes, on demand) of one account. */
enum { PUSH_OK, PUSH_FAILED, PUSH_NOT_CACHED, PUSH_RESULTS };

struct push_status {
	char *account;
	time_t time; /* of the last shown below; 0: none yet */
	char scope[256];
	char result[512]; /* "ok", "not cached", or the failure */
	int not_cached;   /* the last shown is a "not cached" */
	uint64_t counts[PUSH_RESULTS];
};

struct cdh_status {
	pthread_mutex_t lock;
	struct agent_status *agents;
	size_t agent_count;
	struct push_status *pushes;
	size_t push_count;
	int reload_ok;
	time_t reload_time;
	char reload_error[1024];
	void (*extra)(void *ctx, struct cdh_text *out);
	void *extra_ctx;
	char node[256];         /* "" on one node */
	char locks_error[512];  /* "" while the locks' Redis answers */
};

void cdh_status_set_extra_metrics(struct cdh_status *st,
				  void (*fn)(void *ctx, struct cdh_text *out),
				  void *ctx)
{
	pthread_mutex_lock(&st->lock);
	st->extra = fn;
	st->extra_ctx = ctx;
	pthread_mutex_unlock(&st->lock);
}

struct cdh_status *cdh_status_new(void)
{
	struct cdh_status *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (pthread_mutex_init(&st->lock, NULL) != 0) {
		free(st);
		return NULL;
	}
	st->reload_ok = 1;
	return st;
}

void cdh_status_free(struct cdh_status *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->agent_count; i++)
		free(st->agents[i].account);
	free(st->agents);
	for (i = 0; i < st->push_count; i++)
		free(st->pushes[i].account);
	free(st->pushes);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static struct agent_status *find_or_add(struct cdh_status *st, const char *account,
					const char *agent)
{
	struct agent_status *grown;
	size_t i;

	for (i = 0; i < st->agent_count; i++)
		if (strcmp(st->agents[i].last.agent, agent) == 0)
			return &st->agents[i];
	grown = realloc(st->agents, (st->agent_count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	st->agents = grown;
	memset(&st->agents[st->agent_count], 0, sizeof(*st->agents));
	st->agents[st->agent_count].account = strdup(account);
	if (!st->agents[st->agent_count].account)
		return NULL;
	snprintf(st->agents[st->agent_count].last.agent,
		 sizeof(st->agents[st->agent_count].last.agent), "%s", agent);
	return &st->agents[st->agent_count++];
}

static size_t stored_total(const struct cdh_run_summary *s)
{
	uint64_t n = 0;
	size_t k;

	for (k = 0; k < s->stored_types; k++)
		n += s->stored[k].count;
	return (size_t)n;
}

void cdh_status_record_run(struct cdh_status *st, const char *account,
			   const struct cdh_run_summary *s)
{
	struct agent_status *a;
	int i;

	pthread_mutex_lock(&st->lock);
	a = find_or_add(st, account, s->agent);
	if (a) {
		struct cdh_run_summary before = a->last;

		a->last = *s;
		if (!s->stored_known) { /* not applied: the store is as it was */
			memcpy(a->last.stored, before.stored, sizeof(before.stored));
			a->last.stored_types = before.stored_types;
		}
		/* A failed run stores nothing: what it had is still served. */
		if (s->result != CDH_OK)
			a->last.records = before.records;
		/* A partial one: its good scopes, plus what the failed kept. */
		else if (s->stored_known)
			a->last.records = stored_total(s);
		a->runs++;
		if (s->result == CDH_OK &&
		    (s->scopes == 0 || s->failed_scopes < s->scopes))
			a->ever_stored = 1;
		for (i = 0; i < CDH_STATUS_CLASSES; i++)
			a->requests_by_class[i] += s->requests_by_class[i];
		if (cdh_run_summary_clean(s)) {
			a->last_success = time(NULL);
		} else {
			a->failures++;
			a->last_error = time(NULL);
			snprintf(a->last_error_text, sizeof(a->last_error_text), "%s",
				 s->error[0]   ? s->error
				 : s->problem[0] ? s->problem
						 : "some repositories failed");
		}
	}
	pthread_mutex_unlock(&st->lock);
}

void cdh_status_set_cluster(struct cdh_status *st, const char *node,
			    const char *why)
{
	pthread_mutex_lock(&st->lock);
	snprintf(st->node, sizeof(st->node), "%s", node ? node : "");
	snprintf(st->locks_error, sizeof(st->locks_error), "%s", why ? why : "");
	pthread_mutex_unlock(&st->lock);
}

/* The last-run JSON the scheduler keeps in Redis ({"node","time","ok"}). */
static void parse_last_run(struct agent_status *a, const char *text)
{
	json_object *o = text ? json_tokener_parse(text) : NULL, *v;

	if (o && json_object_object_get_ex(o, "node", &v) &&
	    json_object_is_type(v, json_type_string)) {
		snprintf(a->last_node, sizeof(a->last_node), "%s",
			 json_object_get_string(v));
		a->last_ms = json_object_object_get_ex(o, "time", &v)
				     ? json_object_get_int64(v) : 0;
		a->last_ok = json_object_object_get_ex(o, "ok", &v) &&
			     json_object_get_boolean(v);
	}
	json_object_put(o);
}

void cdh_status_record_cluster(struct cdh_status *st, const char *account,
			       const struct cdh_agent_cluster *info)
{
	struct agent_status *a;

	pthread_mutex_lock(&st->lock);
	a = find_or_add(st, account, info->agent);
	if (a) {
		snprintf(a->owner, sizeof(a->owner), "%s",
			 info->owner ? info->owner : "");
		parse_last_run(a, info->last_run);
		a->elsewhere = info->elsewhere;
		a->won += info->won;
		a->lost += info->lost;
	}
	pthread_mutex_unlock(&st->lock);
}

static struct push_status *push_of(struct cdh_status *st, const char *account)
{
	struct push_status *grown;
	size_t i;

	for (i = 0; i < st->push_count; i++)
		if (strcmp(st->pushes[i].account, account) == 0)
			return &st->pushes[i];
	grown = realloc(st->pushes, (st->push_count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	st->pushes = grown;
	memset(&st->pushes[st->push_count], 0, sizeof(*st->pushes));
	if (!(st->pushes[st->push_count].account = strdup(account)))
		return NULL;
	return &st->pushes[st->push_count++];
}

void cdh_status_record_push(struct cdh_status *st, const char *account,
			    const char *scope, const struct cdh_run_summary *s)
{
	int kind = s->result == CDH_E_CONFIG ? PUSH_NOT_CACHED
		   : cdh_run_summary_clean(s) ? PUSH_OK
					      : PUSH_FAILED;
	struct push_status *p;

	pthread_mutex_lock(&st->lock);
	p = push_of(st, account);
	if (p) {
		p->counts[kind]++;
		/* "not cached" by one agent never hides another's real result
		 * for the same scope (each agent of the account is asked). */
		if (kind != PUSH_NOT_CACHED || !p->time || p->not_cached ||
		    strcmp(p->scope, scope) != 0) {
			p->time = time(NULL);
			p->not_cached = kind == PUSH_NOT_CACHED;
			snprintf(p->scope, sizeof(p->scope), "%s", scope);
			snprintf(p->result, sizeof(p->result), "%s",
				 kind == PUSH_OK ? "ok"
				 : kind == PUSH_NOT_CACHED ? "not cached"
				 : s->error[0] ? s->error
				 : s->problem[0] ? s->problem : "failed");
		}
	}
	pthread_mutex_unlock(&st->lock);
}

void cdh_status_add_agent(struct cdh_status *st, const char *account,
			  const char *agent)
{
	struct agent_status *a;

	pthread_mutex_lock(&st->lock);
	a = find_or_add(st, account, agent);
	if (a && !a->runs)
		snprintf(a->last.agent, sizeof(a->last.agent), "%s", agent);
	pthread_mutex_unlock(&st->lock);
}

void cdh_status_forget_account(struct cdh_status *st, const char *account)
{
	size_t i, kept = 0;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->push_count; i++) {
		if (strcmp(st->pushes[i].account, account) == 0)
			free(st->pushes[i].account);
		else
			st->pushes[kept++] = st->pushes[i];
	}
	st->push_count = kept;
	kept = 0;
	for (i = 0; i < st->agent_count; i++) {
		if (strcmp(st->agents[i].account, account) == 0)
			free(st->agents[i].account);
		else
			st->agents[kept++] = st->agents[i];
	}
	st->agent_count = kept;
	pthread_mutex_unlock(&st->lock);
}

void cdh_status_set_reload(struct cdh_status *st, int ok, const char *error)
{
	pthread_mutex_lock(&st->lock);
	st->reload_ok = ok;
	st->reload_time = time(NULL);
	snprintf(st->reload_error, sizeof(st->reload_error), "%s",
		 ok || !error ? "" : error);
	pthread_mutex_unlock(&st->lock);
}

static json_object *iso_time(time_t t)
{
	char buf[32];
	struct tm tm;

	if (!t)
		return NULL;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

/* Who ran it last and when, and who holds its lock now. */
static void agent_cluster_json(json_object *o, const struct agent_status *a)
{
	json_object *last = NULL;

	if (a->last_node[0]) {
		time_t when = (time_t)(a->last_ms / 1000);

		last = json_object_new_object();
		json_object_object_add(last, "node",
				       json_object_new_string(a->last_node));
		json_object_object_add(last, "time", iso_time(when));
		json_object_object_add(last, "ok",
				       json_object_new_boolean(a->last_ok));
	}
	json_object_object_add(o, "lastRun", last);
	json_object_object_add(o, "lockOwner", a->owner[0]
			       ? json_object_new_string(a->owner) : NULL);
}

/*
 * What the scheduler does with it now, and why when it is not "ok"; before
 * its first run "starting", and "unhealthy" while the scheduler keeps
 * running it but no run has stored anything yet (every repository failed:
 * "ok" there read as healthy, #20). An agent other nodes run (several
 * nodes) takes the state of its last run there; one this node's
 * enabledPattern leaves out is "elsewhere", whatever its runs there (their
 * lastRun says), so that it never makes this node look unhealthy.
 */
static void state_json(json_object *o, const struct agent_status *a)
{
	const char *state = cdh_run_state_name(&a->last);
	const char *why = a->last.error[0] ? a->last.error : state;

	if (a->elsewhere) {
		state = "elsewhere";
		why = "run by other nodes: host.cluster.enabledPattern leaves "
		      "it out here";
	} else if (!a->runs && a->last_node[0]) {
		/* Several nodes: another node runs it; its last run says. */
		state = a->last_ok ? "ok" : "unhealthy";
		why = "its last run, on another node, failed";
	} else if (!a->runs) {
		state = "starting";
		why = "not run yet";
	} else if (a->last.state == CDH_AGENT_OK && !a->ever_stored) {
		state = "unhealthy";
		why = a->last_error_text;
	}
	json_object_object_add(o, "state", json_object_new_string(state));
	if (strcmp(state, "ok") != 0)
		json_object_object_add(o, "stateMessage",
				       json_object_new_string(why));
}

static json_object *agent_json(const struct cdh_status *st,
			       const struct agent_status *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "agent", json_object_new_string(a->last.agent));
	state_json(o, a);
	json_object_object_add(o, "lastSuccess", iso_time(a->last_success));
	json_object_object_add(o, "lastError", iso_time(a->last_error));
	if (a->last_error)
		json_object_object_add(o, "lastErrorMessage",
				       json_object_new_string(a->last_error_text));
	json_object_object_add(o, "lastDurationSeconds",
			       json_object_new_double(a->last.seconds));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)a->last.records));
	if (st->node[0])
		agent_cluster_json(o, a);
	return o;
}

static json_object *accounts_json(const struct cdh_status *st)
{
	json_object *accounts = json_object_new_object(), *list;
	size_t i;

	for (i = 0; i < st->agent_count; i++) {
		const char *account = st->agents[i].account;

		if (!json_object_object_get_ex(accounts, account, &list)) {
			list = json_object_new_array();
			json_object_object_add(accounts, account, list);
		}
		json_object_array_add(list, agent_json(st, &st->agents[i]));
	}
	return accounts;
}

/* {"<account>":{"lastRefresh":{"time","scope","result"},"ok":N,...}} */
static json_object *pushes_json(const struct cdh_status *st)
{
	json_object *all = json_object_new_object();
	size_t i;

	for (i = 0; i < st->push_count; i++) {
		const struct push_status *p = &st->pushes[i];
		json_object *o = json_object_new_object(),
			    *last = json_object_new_object();

		json_object_object_add(last, "time", iso_time(p->time));
		json_object_object_add(last, "scope", json_object_new_string(p->scope));
		json_object_object_add(last, "result", json_object_new_string(p->result));
		json_object_object_add(o, "lastRefresh", last);
		json_object_object_add(o, "ok", json_object_new_int64((int64_t)p->counts[PUSH_OK]));
		json_object_object_add(o, "failed", json_object_new_int64((int64_t)p->counts[PUSH_FAILED]));
		json_object_object_add(o, "notCached",
				       json_object_new_int64((int64_t)p->counts[PUSH_NOT_CACHED]));
		json_object_object_add(all, p->account, o);
	}
	return all;
}

char *cdh_status_health_json(struct cdh_status *st)
{
	json_object *root = json_object_new_object(), *reload = json_object_new_object();

	pthread_mutex_lock(&st->lock);
	/* A bad reload leaves the old generation serving: still UP. */
	json_object_object_add(root, "status", json_object_new_string("UP"));
	json_object_object_add(root, "accounts", accounts_json(st));
	json_object_object_add(reload, "ok", json_object_new_boolean(st->reload_ok));
	json_object_object_add(reload, "time", iso_time(st->reload_time));
	if (!st->reload_ok)
		json_object_object_add(reload, "error",
				       json_object_new_string(st->reload_error));
	json_object_object_add(root, "reload", reload);
	if (st->node[0]) {
		json_object *cluster = json_object_new_object();

		json_object_object_add(cluster, "node",
				       json_object_new_string(st->node));
		json_object_object_add(cluster, "locks", json_object_new_string(
					       st->locks_error[0] ? "DOWN" : "UP"));
		if (st->locks_error[0])
			json_object_object_add(cluster, "error",
					       json_object_new_string(st->locks_error));
		json_object_object_add(root, "cluster", cluster);
	}
	json_object_object_add(root, "push", pushes_json(st));
	pthread_mutex_unlock(&st->lock);
	return cdh_json_take_string(root);
}

/* Prometheus label values escape \, " and newline. */
static void label(struct cdh_text *out, const char *value)
{
	for (; *value; value++) {
		if (*value == '\\' || *value == '"')
			cdh_text_printf(out, "\\%c", *value);
		else if (*value == '\n')
			cdh_text_puts(out, "\\n");
		else
			cdh_text_append(out, value, 1);
	}
}

/* The per-agent families, "name type". */
static const char *const agent_families[] = {
	"cdhost_refresh_duration_seconds gauge",
	"cdhost_refresh_last_success gauge",
	"cdhost_refresh_runs_total counter",
	"cdhost_refresh_failures_total counter",
	/* The time, not 0/1 as cdhost_refresh_last_success (kept for
	 * dashboards): alerts want "no success for an hour". 0 = never. */
	"cdhost_refresh_last_success_timestamp_seconds gauge",
};

static void agent_value(struct cdh_text *out, const struct agent_status *a,
			size_t family)
{
	if (family == 0)
		cdh_text_printf(out, "%.6f\n", a->last.seconds);
	else if (family == 1) /* an agent only other nodes ran: not here */
		cdh_text_printf(out, "%d\n",
				a->runs && cdh_run_summary_clean(&a->last));
	else if (family == 2)
		cdh_text_printf(out, "%llu\n", (unsigned long long)a->runs);
	else if (family == 3)
		cdh_text_printf(out, "%llu\n", (unsigned long long)a->failures);
	else
		cdh_text_printf(out, "%lld\n", (long long)a->last_success);
}

static void request_metrics(struct cdh_text *out, const struct cdh_status *st)
{
	static const char *const classes[] = { "error", "1xx", "2xx", "3xx", "4xx", "5xx" };
	size_t i;
	int c;

	cdh_text_puts(out, "# TYPE cdhost_registry_requests_total counter\n");
	for (i = 0; i < st->agent_count; i++) {
		for (c = 0; c < CDH_STATUS_CLASSES; c++) {
			if (!st->agents[i].requests_by_class[c])
				continue;
			cdh_text_puts(out, "cdhost_registry_requests_total{account=\"");
			label(out, st->agents[i].account);
			cdh_text_puts(out, "\",agent=\"");
			label(out, st->agents[i].last.agent);
			cdh_text_printf(out, "\",status=\"%s\"} %llu\n", classes[c],
					(unsigned long long)st->agents[i].requests_by_class[c]);
		}
	}
}

/* Prometheus text format: a family's samples come together, right after
 * its TYPE line ("one single group"), so families loop outside agents. */
static void agent_metrics(struct cdh_text *out, const struct cdh_status *st)
{
	size_t f, i;

	for (f = 0; f < sizeof(agent_families) / sizeof(*agent_families); f++) {
		int name_len = (int)strcspn(agent_families[f], " ");

		cdh_text_printf(out, "# TYPE %s\n", agent_families[f]);
		for (i = 0; i < st->agent_count; i++) {
			cdh_text_printf(out, "%.*s{agent=\"", name_len,
					agent_families[f]);
			label(out, st->agents[i].last.agent);
			cdh_text_puts(out, "\"} ");
			agent_value(out, &st->agents[i], f);
		}
	}
	request_metrics(out, st);
}

/* Several nodes: the lock tries each agent won and lost on this node. */
static void lock_metrics(struct cdh_text *out, const struct cdh_status *st)
{
	static const char *const names[] = { "cdhost_agent_locks_won_total",
					      "cdhost_agent_locks_lost_total" };
	size_t f, i;

	for (f = 0; f < 2; f++) {
		cdh_text_printf(out, "# TYPE %s counter\n", names[f]);
		for (i = 0; i < st->agent_count; i++) {
			cdh_text_printf(out, "%s{agent=\"", names[f]);
			label(out, st->agents[i].last.agent);
			cdh_text_printf(out, "\"} %llu\n", (unsigned long long)
					(f ? st->agents[i].lost : st->agents[i].won));
		}
	}
	cdh_text_printf(out, "# TYPE cdhost_agent_locks_up gauge\n"
			     "cdhost_agent_locks_up %d\n", !st->locks_error[0]);
}

/* Whether gauge `name` was already written (an earlier agent had it). */
static int gauge_seen(const struct cdh_status *st, size_t upto_agent,
		      size_t upto_gauge, const char *name)
{
	size_t i, g;

	for (i = 0; i <= upto_agent; i++)
		for (g = 0; g < st->agents[i].last.gauge_count; g++) {
			if (i == upto_agent && g == upto_gauge)
				return 0;
			if (strcmp(st->agents[i].last.gauges[g].name, name) == 0)
				return 1;
		}
	return 0;
}

/* The plugins' gauges (e.g. registry_rate_limit_remaining), one group each. */
static void gauge_metrics(struct cdh_text *out, const struct cdh_status *st)
{
	size_t i, g, j, k;

	for (i = 0; i < st->agent_count; i++)
		for (g = 0; g < st->agents[i].last.gauge_count; g++) {
			const char *name = st->agents[i].last.gauges[g].name;

			if (gauge_seen(st, i, g, name))
				continue;
			cdh_text_printf(out, "# TYPE cdhost_%s gauge\n", name);
			for (j = i; j < st->agent_count; j++)
				for (k = 0; k < st->agents[j].last.gauge_count; k++) {
					if (strcmp(st->agents[j].last.gauges[k].name, name))
						continue;
					cdh_text_printf(out, "cdhost_%s{agent=\"", name);
					label(out, st->agents[j].last.agent);
					cdh_text_printf(out, "\"} %lld\n",
							(long long)st->agents[j].last.gauges[k].value);
				}
		}
}

/* The records an account's agents have stored, of `type`. */
static uint64_t account_stored(const struct cdh_status *st,
			       const char *account, const char *type)
{
	const struct agent_status *agents = st->agents;
	uint64_t n = 0;
	size_t i, k;

	for (i = 0; i < st->agent_count; i++) {
		if (strcmp(agents[i].account, account) != 0)
			continue;
		for (k = 0; k < agents[i].last.stored_types; k++)
			if (strcmp(agents[i].last.stored[k].type, type) == 0)
				n += agents[i].last.stored[k].count;
	}
	return n;
}

/* Whether (account, type) appeared before agent i's type k. */
static int stored_seen(const struct cdh_status *st, size_t i, size_t k)
{
	const struct agent_status *agents = st->agents;
	const char *account = agents[i].account, *type = agents[i].last.stored[k].type;
	size_t j, m;

	for (j = 0; j <= i; j++)
		for (m = 0; m < (j < i ? agents[j].last.stored_types : k); m++)
			if (strcmp(agents[j].account, account) == 0 &&
			    strcmp(agents[j].last.stored[m].type, type) == 0)
				return 1;
	return 0;
}

/* cdhost_cached_records{account,type}: every provider's types alike. */
static void record_metrics(struct cdh_text *out, const struct cdh_status *st)
{
	size_t i, k;

	cdh_text_puts(out, "# TYPE cdhost_cached_records gauge\n");
	for (i = 0; i < st->agent_count; i++)
		for (k = 0; k < st->agents[i].last.stored_types; k++) {
			const char *type = st->agents[i].last.stored[k].type;

			if (stored_seen(st, i, k))
				continue;
			cdh_text_puts(out, "cdhost_cached_records{account=\"");
			label(out, st->agents[i].account);
			cdh_text_puts(out, "\",type=\"");
			label(out, type);
			cdh_text_printf(out, "\"} %llu\n",
					(unsigned long long)account_stored(
						st, st->agents[i].account, type));
		}
}

static void push_metrics(struct cdh_text *out, const struct cdh_status *st)
{
	static const char *const results[PUSH_RESULTS] = { "ok", "failed",
							   "not_cached" };
	size_t i;
	int r;

	if (!st->push_count)
		return;
	cdh_text_puts(out, "# TYPE cdhost_push_refreshes_total counter\n");
	for (i = 0; i < st->push_count; i++)
		for (r = 0; r < PUSH_RESULTS; r++) {
			cdh_text_puts(out, "cdhost_push_refreshes_total{account=\"");
			label(out, st->pushes[i].account);
			cdh_text_printf(out, "\",result=\"%s\"} %llu\n", results[r],
					(unsigned long long)st->pushes[i].counts[r]);
		}
}

char *cdh_status_metrics_text(struct cdh_status *st, struct cdh_store *store)
{
	struct cdh_text out = CDH_TEXT_INIT;

	pthread_mutex_lock(&st->lock);
	agent_metrics(&out, st);
	if (st->node[0])
		lock_metrics(&out, st);
	gauge_metrics(&out, st);
	if (store) /* a host without a store caches nothing */
		record_metrics(&out, st);
	push_metrics(&out, st);
	cdh_text_printf(&out, "# TYPE cdhost_reload_ok gauge\ncdhost_reload_ok %d\n",
			st->reload_ok);
	if (st->extra)
		st->extra(st->extra_ctx, &out);
	pthread_mutex_unlock(&st->lock);
	return cdh_text_take(&out);
}
