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
};

struct cdh_status {
	pthread_mutex_t lock;
	struct agent_status *agents;
	size_t agent_count;
	int reload_ok;
	time_t reload_time;
	char reload_error[1024];
};

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

/*
 * What the scheduler does with it now, and why when it is not "ok"; before
 * its first run "starting", and "unhealthy" while the scheduler keeps
 * running it but no run has stored anything yet (every repository failed:
 * "ok" there read as healthy, #20).
 */
static void state_json(json_object *o, const struct agent_status *a)
{
	const char *state = cdh_agent_state_name(a->last.state);
	const char *why = a->last.error[0] ? a->last.error : state;

	if (!a->runs) {
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

static json_object *agent_json(const struct agent_status *a)
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
		json_object_array_add(list, agent_json(&st->agents[i]));
	}
	return accounts;
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
	else if (family == 1)
		cdh_text_printf(out, "%d\n",
				cdh_run_summary_clean(&a->last));
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

char *cdh_status_metrics_text(struct cdh_status *st, struct cdh_store *store)
{
	struct cdh_text out = CDH_TEXT_INIT;

	pthread_mutex_lock(&st->lock);
	agent_metrics(&out, st);
	gauge_metrics(&out, st);
	if (store) /* a host without a store caches nothing */
		record_metrics(&out, st);
	cdh_text_printf(&out, "# TYPE cdhost_reload_ok gauge\ncdhost_reload_ok %d\n",
			st->reload_ok);
	pthread_mutex_unlock(&st->lock);
	return cdh_text_take(&out);
}
