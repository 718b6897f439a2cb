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
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct agent_status *agents;
static size_t agent_count;
static int reload_ok = 1;
static time_t reload_time;
static char reload_error[1024];

static struct agent_status *find_or_add(const char *account, const char *agent)
{
	struct agent_status *grown;
	size_t i;

	for (i = 0; i < agent_count; i++)
		if (strcmp(agents[i].last.agent, agent) == 0)
			return &agents[i];
	grown = realloc(agents, (agent_count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	agents = grown;
	memset(&agents[agent_count], 0, sizeof(*agents));
	agents[agent_count].account = strdup(account);
	if (!agents[agent_count].account)
		return NULL;
	return &agents[agent_count++];
}

void cdh_status_record_run(const char *account, const struct cdh_run_summary *s)
{
	struct agent_status *a;
	int i;

	pthread_mutex_lock(&lock);
	a = find_or_add(account, s->agent);
	if (a) {
		a->last = *s;
		a->runs++;
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
	pthread_mutex_unlock(&lock);
}

void cdh_status_forget_account(const char *account)
{
	size_t i, kept = 0;

	pthread_mutex_lock(&lock);
	for (i = 0; i < agent_count; i++) {
		if (strcmp(agents[i].account, account) == 0)
			free(agents[i].account);
		else
			agents[kept++] = agents[i];
	}
	agent_count = kept;
	pthread_mutex_unlock(&lock);
}

void cdh_status_set_reload(int ok, const char *error)
{
	pthread_mutex_lock(&lock);
	reload_ok = ok;
	reload_time = time(NULL);
	snprintf(reload_error, sizeof(reload_error), "%s", ok || !error ? "" : error);
	pthread_mutex_unlock(&lock);
}

void cdh_status_reset(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < agent_count; i++)
		free(agents[i].account);
	free(agents);
	agents = NULL;
	agent_count = 0;
	pthread_mutex_unlock(&lock);
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

static json_object *agent_json(const struct agent_status *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "agent", json_object_new_string(a->last.agent));
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

static json_object *accounts_json(void)
{
	json_object *accounts = json_object_new_object(), *list;
	size_t i;

	for (i = 0; i < agent_count; i++) {
		if (!json_object_object_get_ex(accounts, agents[i].account, &list)) {
			list = json_object_new_array();
			json_object_object_add(accounts, agents[i].account, list);
		}
		json_object_array_add(list, agent_json(&agents[i]));
	}
	return accounts;
}

char *cdh_status_health_json(void)
{
	json_object *root = json_object_new_object(), *reload = json_object_new_object();

	pthread_mutex_lock(&lock);
	/* A bad reload leaves the old generation serving: still UP. */
	json_object_object_add(root, "status", json_object_new_string("UP"));
	json_object_object_add(root, "accounts", accounts_json());
	json_object_object_add(reload, "ok", json_object_new_boolean(reload_ok));
	json_object_object_add(reload, "time", iso_time(reload_time));
	if (!reload_ok)
		json_object_object_add(reload, "error", json_object_new_string(reload_error));
	json_object_object_add(root, "reload", reload);
	pthread_mutex_unlock(&lock);
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
	else
		cdh_text_printf(out, "%llu\n", (unsigned long long)a->failures);
}

static void request_metrics(struct cdh_text *out)
{
	static const char *const classes[] = { "error", "1xx", "2xx", "3xx", "4xx", "5xx" };
	size_t i;
	int c;

	cdh_text_puts(out, "# TYPE cdhost_registry_requests_total counter\n");
	for (i = 0; i < agent_count; i++) {
		for (c = 0; c < CDH_STATUS_CLASSES; c++) {
			if (!agents[i].requests_by_class[c])
				continue;
			cdh_text_puts(out, "cdhost_registry_requests_total{account=\"");
			label(out, agents[i].account);
			cdh_text_puts(out, "\",agent=\"");
			label(out, agents[i].last.agent);
			cdh_text_printf(out, "\",status=\"%s\"} %llu\n", classes[c],
					(unsigned long long)agents[i].requests_by_class[c]);
		}
	}
}

/* Prometheus text format: a family's samples come together, right after
 * its TYPE line ("one single group"), so families loop outside agents. */
static void agent_metrics(struct cdh_text *out)
{
	size_t f, i;

	for (f = 0; f < sizeof(agent_families) / sizeof(*agent_families); f++) {
		int name_len = (int)strcspn(agent_families[f], " ");

		cdh_text_printf(out, "# TYPE %s\n", agent_families[f]);
		for (i = 0; i < agent_count; i++) {
			cdh_text_printf(out, "%.*s{agent=\"", name_len,
					agent_families[f]);
			label(out, agents[i].last.agent);
			cdh_text_puts(out, "\"} ");
			agent_value(out, &agents[i], f);
		}
	}
	request_metrics(out);
}

/* Whether gauge `name` was already written (an earlier agent had it). */
static int gauge_seen(size_t upto_agent, size_t upto_gauge, const char *name)
{
	size_t i, g;

	for (i = 0; i <= upto_agent; i++)
		for (g = 0; g < agents[i].last.gauge_count; g++) {
			if (i == upto_agent && g == upto_gauge)
				return 0;
			if (strcmp(agents[i].last.gauges[g].name, name) == 0)
				return 1;
		}
	return 0;
}

/* The plugins' gauges (e.g. registry_rate_limit_remaining), one group each. */
static void gauge_metrics(struct cdh_text *out)
{
	size_t i, g, j, k;

	for (i = 0; i < agent_count; i++)
		for (g = 0; g < agents[i].last.gauge_count; g++) {
			const char *name = agents[i].last.gauges[g].name;

			if (gauge_seen(i, g, name))
				continue;
			cdh_text_printf(out, "# TYPE cdhost_%s gauge\n", name);
			for (j = i; j < agent_count; j++)
				for (k = 0; k < agents[j].last.gauge_count; k++) {
					if (strcmp(agents[j].last.gauges[k].name, name))
						continue;
					cdh_text_printf(out, "cdhost_%s{agent=\"", name);
					label(out, agents[j].last.agent);
					cdh_text_printf(out, "\"} %lld\n",
							(long long)agents[j].last.gauges[k].value);
				}
		}
}

static int count_row(const char *id, const char *attributes, void *data)
{
	(void)id, (void)attributes;
	(*(uint64_t *)data)++;
	return 0;
}

static void image_metrics(struct cdh_text *out, struct cdh_store *store)
{
	char prefix[1024], err[256];
	size_t i, j;

	cdh_text_puts(out, "# TYPE cdhost_cached_images gauge\n");
	for (i = 0; i < agent_count; i++) {
		uint64_t n = 0;

		for (j = 0; j < i && strcmp(agents[j].account, agents[i].account); j++)
			;
		if (j < i)
			continue; /* account counted already */
		snprintf(prefix, sizeof(prefix), "dockerRegistry:taggedImage:%s:",
			 agents[i].account);
		if (cdh_store_scan(store, "taggedImage", prefix, count_row, &n, err,
				   sizeof(err)) != 0)
			continue;
		cdh_text_puts(out, "cdhost_cached_images{account=\"");
		label(out, agents[i].account);
		cdh_text_printf(out, "\"} %llu\n", (unsigned long long)n);
	}
}

char *cdh_status_metrics_text(struct cdh_store *store)
{
	struct cdh_text out = CDH_TEXT_INIT;

	pthread_mutex_lock(&lock);
	agent_metrics(&out);
	gauge_metrics(&out);
	if (store)
		image_metrics(&out, store);
	cdh_text_printf(&out, "# TYPE cdhost_reload_ok gauge\ncdhost_reload_ok %d\n",
			reload_ok);
	pthread_mutex_unlock(&lock);
	return cdh_text_take(&out);
}
