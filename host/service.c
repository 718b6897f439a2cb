#include "service.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "plugins/accounts.h"
#include "api/directory.h"
#include "api/http_api.h"
#include "api/http_limits.h"
#include "api/queries.h"
#include "echo/echo.h"
#include "echo/events.h"
#include "util/log.h"
#include "store/agent_locks.h"
#include "store/refresh.h"
#include "schedule/scheduler.h"
#include "schedule/status.h"

#define NS_PER_MS 1000000ull
#define DEBOUNCE_NS (300 * NS_PER_MS)
#define STOP_WAIT_MS 10000
#define DEFAULT_INTERVAL_NS (30ull * 1000 * NS_PER_MS)
#define BACKOFF_CAP_NS (15ull * 60 * 1000 * NS_PER_MS)
#define JITTER_NS (1000 * NS_PER_MS)
#define MAX_PENDING_PLUGINS 16
/* A reload that failed for want of descriptors or memory is tried again
 * after 1 s, doubling up to a minute, until it succeeds or another fails. */
#define RETRY_FIRST_NS (1000 * NS_PER_MS)
#define RETRY_CAP_NS (60000 * NS_PER_MS)

struct service {
	struct cdh_service_start *start;
	struct cdh_config *config;
	struct cdh_scheduler *sched;
	struct cdh_http_api *http;
	struct cdh_status *status;   /* what /health and /metrics report */
	struct cdh_echo *echo;       /* events to Echo (host.echo) */
	struct cdh_runner_events events; /* the runner's hook into echo */
	struct cdh_agent_locks *locks; /* several nodes (Redis), or NULL */
	char node_id[512];            /* the locks' value */
	struct cdh_accounts accounts; /* the running generation */
	int signal_fd, inotify_fd;
	char config_dir[PATH_MAX], config_name[NAME_MAX + 1];
	uint64_t config_due;          /* debounced reload time, 0: none */
	uint64_t plugins_due;
	char pending[MAX_PENDING_PLUGINS][NAME_MAX + 1];
	size_t pending_count;
	int stopping;
	uint64_t retry_ns;            /* the next transient retry's delay, 0: none */
	const char *retry_plugin;     /* the plugin file a failed reload was of */
};

static void on_result(void *ctx, const struct cdh_account *account,
		      const struct cdh_run_summary *summary)
{
	struct service *sv = ctx;

	cdh_status_record_run(sv->status, account->name, summary);
}

/* ---- events to Echo (DESIGN 9.4) ---- */

static int events_wanted(void *ctx, const struct cdh_account *account)
{
	return cdh_events_wanted(ctx, account);
}

static void events_changed(void *ctx, const struct cdh_account *account,
			   const char *agent,
			   const struct cdh_store_changes *changes)
{
	cdh_events_from_changes(ctx, account, agent, changes);
}

static void echo_metrics(void *ctx, struct cdh_text *out)
{
	cdh_echo_metrics(ctx, out);
}

/* host.echo of `config`, at start and on each reload. */
static void configure_echo(struct service *sv, const struct cdh_config *config)
{
	if (cdh_echo_configure(sv->echo, config->echo_base_url,
			       config->echo_threshold) != 0)
		cdh_log(CDH_LOG_ERROR, NULL, "host.echo: out of memory");
	else if (config->echo_base_url)
		cdh_log(CDH_LOG_INFO, NULL,
			"host.echo: events go to %s (itemUpperThreshold %lld)",
			config->echo_base_url, (long long)config->echo_threshold);
}

static void on_cluster(void *ctx, const struct cdh_account *account,
		       const struct cdh_agent_cluster *info)
{
	struct service *sv = ctx;

	cdh_status_record_cluster(sv->status, account->name, info);
}

static void on_locks(void *ctx, const char *why)
{
	struct service *sv = ctx;

	cdh_status_set_cluster(sv->status, sv->node_id, why);
}

static void on_scope_result(void *ctx, const struct cdh_account *account,
			    const char *scope,
			    const struct cdh_run_summary *summary)
{
	struct service *sv = ctx;

	cdh_status_record_push(sv->status, account->name, scope, summary);
}

static void publish_directory(const struct service *sv,
			      const struct cdh_config *config)
{
	struct cdh_directory *dir = cdh_directory_build(&sv->accounts);

	if (dir && (cdh_directory_add_providers(dir, sv->start->loader) != 0 ||
		    cdh_directory_set_authz(dir, &config->authz) != 0)) {
		cdh_directory_release(dir);
		dir = NULL;
	}
	if (dir)
		cdh_directory_publish(dir);
	else
		cdh_log(CDH_LOG_ERROR, NULL, "out of memory publishing accounts");
}

/* Whether any running account has an agent named `agent`. */
static int agent_exists(const struct cdh_accounts *accounts, const char *agent)
{
	char name[512];
	size_t i;
	uint32_t a;

	for (i = 0; i < accounts->count; i++) {
		const struct cdh_account *acct = accounts->items[i];

		for (a = 0; acct && a < acct->agent_count; a++)
			if (acct->plugin->ops.agent_name(acct->instance, a, name,
							 sizeof(name)) == CDH_OK &&
			    strcmp(name, agent) == 0)
				return 1;
	}
	return 0;
}

/* A retired account is idle: drop records no running agent will replace. */
static void on_retired(void *ctx, struct cdh_account *acct)
{
	struct service *sv = ctx;
	char name[512], err[512];
	uint32_t a;

	/* Stopping is not removing: the cache stays for the next start. */
	for (a = 0; !sv->stopping && a < acct->agent_count; a++) {
		if (acct->plugin->ops.agent_name(acct->instance, a, name,
						 sizeof(name)) != CDH_OK ||
		    agent_exists(&sv->accounts, name))
			continue;
		if (cdh_store_forget_agent(sv->start->store, name, err, sizeof(err)) != 0)
			cdh_log(CDH_LOG_ERROR, acct->name, "%s", err);
	}
	if (!sv->stopping && !cdh_accounts_find(&sv->accounts, acct->name)) {
		cdh_status_forget_account(sv->status, acct->name);
		/* The counterpart of "account started": a reload removed it. */
		cdh_log(CDH_LOG_INFO, acct->name, "account removed");
	}
	cdh_account_free(acct);
}

/*
 * Retires an account of the old generation. With several nodes, one that
 * is neither removed nor changed (a plugin swapped under it) keeps its
 * locks, so its schedule stands and it does not run again early; one
 * removed or changed frees them at once, as Clouddriver's unschedule.
 */
static void retire_old(struct service *sv, struct cdh_account *acct)
{
	const struct cdh_account *now = cdh_accounts_find(&sv->accounts, acct->name);

	if (now && strcmp(now->fingerprint, acct->fingerprint) == 0)
		cdh_scheduler_retire_keeping_locks(sv->sched, acct, on_retired, sv);
	else
		cdh_scheduler_retire(sv->sched, acct, on_retired, sv);
}

static int was_running(const struct cdh_account *acct, struct cdh_account **before,
		       size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (before[i] == acct)
			return 1;
	return 0;
}

/* /health lists a new account's agents before their first run ends. */
static void list_agents(struct service *sv, const struct cdh_account *acct)
{
	char name[512];
	uint32_t a;

	for (a = 0; a < acct->agent_count; a++)
		if (acct->plugin->ops.agent_name(acct->instance, a, name,
						 sizeof(name)) == CDH_OK)
			cdh_status_add_agent(sv->status, acct->name, name);
}

/* Schedules the accounts of `fresh` that were not running before. */
static int schedule_new(struct service *sv, struct cdh_account **before,
			size_t count)
{
	size_t i;

	for (i = 0; i < sv->accounts.count; i++) {
		struct cdh_account *acct = sv->accounts.items[i];

		if (was_running(acct, before, count))
			continue;
		list_agents(sv, acct);
		if (cdh_scheduler_add(sv->sched, acct) != 0)
			return -1;
		cdh_log(CDH_LOG_INFO, acct->name, "account started (%u agents)",
			acct->agent_count);
	}
	return 0;
}

/*
 * Makes `config` the running generation: unchanged accounts keep running,
 * changed and removed ones are retired, new ones start at once.
 */
static int apply_generation(struct service *sv, const struct cdh_config *config,
			    char *err, size_t errlen)
{
	struct cdh_accounts old = sv->accounts, fresh;
	struct cdh_account **before;
	size_t i;

	before = calloc(old.count ? old.count : 1, sizeof(*before));
	if (!before) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (old.count)
		memcpy(before, old.items, old.count * sizeof(*before));
	if (cdh_accounts_create(sv->start->loader, config, &old, &fresh, err,
				errlen) != 0) {
		free(before);
		return -1;
	}
	sv->accounts = fresh;
	if (schedule_new(sv, before, old.count) != 0)
		cdh_log(CDH_LOG_ERROR, NULL, "out of memory scheduling accounts");
	for (i = 0; i < old.count; i++)
		if (old.items[i])
			retire_old(sv, old.items[i]);
	free(old.items);
	free(before);
	publish_directory(sv, config);
	configure_echo(sv, config);
	/* A reload is what re-enables agents a CDH_E_FATAL disabled. */
	if (cdh_scheduler_revive(sv->sched, cdh_monotonic_ns()))
		cdh_log(CDH_LOG_INFO, NULL, "reload: disabled agents run again");
	return 0;
}

static void note_plugin_change(struct service *sv, const char *name);

/*
 * Whether a reload failed for a reason that passes (out of descriptors or
 * memory): then it is tried again rather than never. Errors arrive as text
 * (from libconfig, the plugins' config checks across the ABI), so the
 * strerror texts are what is compared.
 */
static int transient_failure(const char *why)
{
	static const int transient[] = { EMFILE, ENFILE, EAGAIN, ENOMEM };
	size_t i;

	if (strstr(why, "out of memory"))
		return 1;
	for (i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		if (strstr(why, strerror(transient[i])))
			return 1;
	return 0;
}

static void reload_failed(struct service *sv, const char *what, const char *why)
{
	uint64_t delay;

	cdh_status_set_reload(sv->status, 0, why);
	if (!transient_failure(why)) {
		cdh_log(CDH_LOG_ERROR, NULL,
			"%s refused, the running configuration stays: %s", what, why);
		sv->retry_ns = 0;
		return;
	}
	delay = sv->retry_ns ? sv->retry_ns : RETRY_FIRST_NS;
	sv->retry_ns = delay * 2 > RETRY_CAP_NS ? RETRY_CAP_NS : delay * 2;
	cdh_log(CDH_LOG_WARN, NULL, "%s reload failed, retrying in %llu ms: %s",
		what, (unsigned long long)(delay / NS_PER_MS), why);
	if (strcmp(what, "plugin") == 0 && sv->retry_plugin) {
		note_plugin_change(sv, sv->retry_plugin);
		sv->plugins_due = cdh_monotonic_ns() + delay;
	} else if (strcmp(what, "plugin") != 0) {
		sv->config_due = cdh_monotonic_ns() + delay;
	}
}

static int same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void warn_host_changes(const struct cdh_config *old,
			      const struct cdh_config *next)
{
	if (strcmp(old->listen, next->listen) != 0 ||
	    strcmp(old->cache_path, next->cache_path) != 0 ||
	    old->workers != next->workers ||
	    !same_text(old->cluster_node_id, next->cluster_node_id) ||
	    !same_text(old->cluster_enabled_pattern, next->cluster_enabled_pattern))
		cdh_log(CDH_LOG_WARN, NULL,
			"host.listen, host.cache, host.workers and host.cluster "
			"apply at the next restart");
}

/*
 * systemd's Type=notify protocol (cdhost.service): READY=1 once the API
 * listens, RELOADING=1 then READY=1 around each reload, STOPPING=1. Does
 * nothing unless systemd set $NOTIFY_SOCKET.
 */
static void notify(const char *state)
{
	(void)sd_notify(0, state);
}

static void reload_config_file(struct service *sv)
{
	struct cdh_config *next;
	struct cdh_diag diag;
	char err[1024];

	cdh_log(CDH_LOG_INFO, NULL, "reloading %s", sv->start->config_path);
	next = cdh_config_load(sv->start->config_path, err, sizeof(err));
	if (!next) {
		reload_failed(sv, "configuration", err);
		return;
	}
	if (cdh_accounts_validate(sv->start->loader, next, &diag) != 0) {
		reload_failed(sv, "configuration", diag.first_error);
		cdh_config_free(next);
		return;
	}
	if (apply_generation(sv, next, err, sizeof(err)) != 0) {
		reload_failed(sv, "configuration", err);
		cdh_config_free(next);
		return;
	}
	warn_host_changes(sv->config, next);
	cdh_config_free(sv->config);
	sv->config = next;
	sv->retry_ns = 0;
	cdh_status_set_reload(sv->status, 1, NULL);
	cdh_log(CDH_LOG_INFO, NULL, "configuration reloaded: %zu accounts",
		sv->accounts.count);
}

static void reload_config(struct service *sv)
{
	notify("RELOADING=1");
	reload_config_file(sv);
	notify("READY=1");
}

static void reload_plugin_file(struct service *sv, const char *file)
{
	struct cdh_plugin_slot *replaced, *slot;
	char path[PATH_MAX + NAME_MAX + 2], err[1024];
	struct cdh_diag diag;

	snprintf(path, sizeof(path), "%s/%s", sv->start->plugin_dir, file);
	slot = cdh_loader_reload_file(sv->start->loader, path, &replaced, err,
				      sizeof(err));
	if (!slot) {
		reload_failed(sv, "plugin", err);
		return;
	}
	if (cdh_accounts_validate(sv->start->loader, sv->config, &diag) != 0 ||
	    apply_generation(sv, sv->config, err, sizeof(err)) != 0) {
		const char *why = diag.errors ? diag.first_error : err;

		reload_failed(sv, "plugin", why);
		cdh_loader_revert(slot, replaced, why);
		return;
	}
	if (replaced && replaced->users == 0)
		cdh_loader_retire(replaced);
	sv->retry_ns = 0;
	cdh_status_set_reload(sv->status, 1, NULL);
	cdh_log(CDH_LOG_INFO, NULL, "plugin %s %s loaded from %s", slot->desc.name,
		slot->desc.version, path);
}

static void reload_plugin(struct service *sv, const char *file)
{
	notify("RELOADING=1");
	reload_plugin_file(sv, file);
	notify("READY=1");
}

static int setup_signals(struct service *sv)
{
	sigset_t set;

	/* Blocked before any thread starts, so every thread inherits the mask
	 * and the signals arrive only through signalfd on the control thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	sv->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return sv->signal_fd < 0 ? -1 : 0;
}

static int setup_watches(struct service *sv)
{
	char copy[PATH_MAX];
	uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE;

	snprintf(copy, sizeof(copy), "%s", sv->start->config_path);
	snprintf(sv->config_name, sizeof(sv->config_name), "%s", basename(copy));
	snprintf(sv->config_dir, sizeof(sv->config_dir), "%s", sv->config->dir);
	sv->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (sv->inotify_fd < 0)
		return -1;
	/* The directory, not the file: editors and `config ... add` replace it. */
	if (inotify_add_watch(sv->inotify_fd, sv->config_dir, mask) < 0)
		return -1;
	if (inotify_add_watch(sv->inotify_fd, sv->start->plugin_dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
		cdh_log(CDH_LOG_WARN, NULL, "cannot watch plugin directory %s: %s",
			sv->start->plugin_dir, strerror(errno));
	return 0;
}

static void note_plugin_change(struct service *sv, const char *name)
{
	size_t len = strlen(name), i;

	if (len < 4 || strcmp(name + len - 3, ".so") != 0 || name[0] == '.')
		return;
	for (i = 0; i < sv->pending_count; i++)
		if (strcmp(sv->pending[i], name) == 0)
			break;
	if (i == sv->pending_count && sv->pending_count < MAX_PENDING_PLUGINS)
		snprintf(sv->pending[sv->pending_count++], NAME_MAX + 1, "%s", name);
	sv->plugins_due = cdh_monotonic_ns() + DEBOUNCE_NS;
}

static void read_inotify(struct service *sv)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(sv->inotify_fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->len && strcmp(ev->name, sv->config_name) == 0)
				sv->config_due = cdh_monotonic_ns() + DEBOUNCE_NS;
			else if (ev->len)
				note_plugin_change(sv, ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void read_signals(struct service *sv)
{
	struct signalfd_siginfo si;

	while (read(sv->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			sv->config_due = cdh_monotonic_ns();
		} else {
			cdh_log(CDH_LOG_INFO, NULL, "%s: stopping",
				strsignal((int)si.ssi_signo));
			sv->stopping = 1;
		}
	}
}

static void run_due_reloads(struct service *sv, uint64_t now)
{
	size_t i;

	if (sv->plugins_due && now >= sv->plugins_due) {
		/* A copy: a failed reload may queue its file again for a retry. */
		char files[MAX_PENDING_PLUGINS][NAME_MAX + 1];
		size_t count = sv->pending_count;

		memcpy(files, sv->pending, count * sizeof(files[0]));
		sv->plugins_due = 0;
		sv->pending_count = 0;
		for (i = 0; i < count; i++) {
			sv->retry_plugin = files[i];
			reload_plugin(sv, files[i]);
		}
		sv->retry_plugin = NULL;
	}
	if (sv->config_due && now >= sv->config_due) {
		sv->config_due = 0;
		reload_config(sv);
	}
}

static int poll_timeout(const struct service *sv, int64_t sched_ms, uint64_t now)
{
	int64_t ms = sched_ms;
	uint64_t dues[2] = { sv->config_due, sv->plugins_due };
	int i;

	for (i = 0; i < 2; i++) {
		int64_t d;

		if (!dues[i])
			continue;
		d = dues[i] > now ? (int64_t)((dues[i] - now) / NS_PER_MS) + 1 : 0;
		if (ms < 0 || d < ms)
			ms = d;
	}
	return ms > 60000 || ms < 0 ? 60000 : (int)ms;
}

static void event_loop(struct service *sv)
{
	struct pollfd fds[3] = {
		{ sv->signal_fd, POLLIN, 0 },
		{ sv->inotify_fd, POLLIN, 0 },
		{ cdh_scheduler_fd(sv->sched), POLLIN, 0 },
	};

	while (!sv->stopping) {
		uint64_t now = cdh_monotonic_ns();
		int64_t next = cdh_scheduler_dispatch(sv->sched, now);

		if (poll(fds, 3, poll_timeout(sv, next, now)) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			read_signals(sv);
		if (fds[1].revents)
			read_inotify(sv);
		if (fds[2].revents)
			cdh_scheduler_reap(sv->sched);
		run_due_reloads(sv, cdh_monotonic_ns());
	}
}

static int request_scope(void *sched, const char *account, const char *scope)
{
	return cdh_scheduler_request_scope(sched, account, scope);
}

/*
 * The Redis store shares agents with other nodes: Clouddriver's node id
 * "<hostname>:<pid>@<hostname>" (its JVM runtime name is pid@host) unless
 * host.cluster.nodeId, and a lock client. 0, or -1 logged.
 */
static int setup_cluster(struct service *sv, struct cdh_scheduler_options *opts)
{
	char host[256] = "localhost", err[512];

	sv->locks = cdh_agent_locks_open(sv->start->store, err, sizeof(err));
	if (!sv->locks) {
		if (err[0])
			cdh_log(CDH_LOG_ERROR, NULL, "%s", err);
		return err[0] ? -1 : 0;
	}
	if (sv->config->cluster_node_id)
		snprintf(sv->node_id, sizeof(sv->node_id), "%s",
			 sv->config->cluster_node_id);
	else {
		if (gethostname(host, sizeof(host) - 1) != 0)
			snprintf(host, sizeof(host), "localhost");
		snprintf(sv->node_id, sizeof(sv->node_id), "%s:%ld@%s", host,
			 (long)getpid(), host);
	}
	opts->locks = sv->locks;
	opts->node_id = sv->node_id;
	opts->enabled_pattern = sv->config->cluster_enabled_pattern;
	opts->on_cluster = on_cluster;
	opts->on_locks = on_locks;
	cdh_status_set_cluster(sv->status, sv->node_id, NULL);
	cdh_log(CDH_LOG_INFO, NULL,
		"several nodes: agents run under Redis locks as %s", sv->node_id);
	return 0;
}

static int32_t wait_scope(void *sched, const char *account, const char *scope,
			  uint64_t since_ns, unsigned timeout_ms)
{
	return cdh_scheduler_wait_scope(sched, account, scope, since_ns,
					timeout_ms);
}

static int start(struct service *sv)
{
	struct cdh_scheduler_options opts = {
		sv->config->workers, DEFAULT_INTERVAL_NS, BACKOFF_CAP_NS, JITTER_NS,
		sv->start->store, on_result, sv, NULL, NULL, NULL, NULL, NULL,
		on_scope_result,
	};
	struct cdh_http_limits limits;
	char err[1024];

	if (setup_signals(sv) != 0 || setup_watches(sv) != 0) {
		cdh_log(CDH_LOG_ERROR, NULL, "cannot set up signals or inotify: %s",
			strerror(errno));
		return -1;
	}
	sv->status = cdh_status_new();
	if (!sv->status) {
		cdh_log(CDH_LOG_ERROR, NULL, "out of memory");
		return -1;
	}
	sv->echo = cdh_echo_new(err, sizeof(err));
	if (!sv->echo) {
		cdh_log(CDH_LOG_ERROR, NULL, "%s", err);
		return -1;
	}
	sv->events = (struct cdh_runner_events){ events_wanted, events_changed,
						 sv->echo };
	cdh_runner_set_events(&sv->events);
	cdh_status_set_extra_metrics(sv->status, echo_metrics, sv->echo);
	if (setup_cluster(sv, &opts) != 0)
		return -1;
	/* The scheduler first: the API's webhooks queue pushes into it. */
	sv->sched = cdh_scheduler_new(&opts, err, sizeof(err));
	if (!sv->sched) {
		cdh_log(CDH_LOG_ERROR, NULL, "%s", err);
		return -1;
	}
	cdh_query_set_refresh(request_scope, sv->sched);
	cdh_query_set_wait(wait_scope);
	cdh_http_limits_choose(sv->config, &limits);
	sv->http = cdh_http_api_start_limited(
		sv->config->listen, sv->start->store, sv->status,
		sv->config->webhook_token_file, &limits, err, sizeof(err));
	if (!sv->http) {
		cdh_log(CDH_LOG_ERROR, NULL, "%s", err);
		return -1;
	}
	if (apply_generation(sv, sv->config, err, sizeof(err)) != 0) {
		cdh_log(CDH_LOG_ERROR, NULL, "%s", err);
		return -1;
	}
	cdh_status_set_reload(sv->status, 1, NULL);
	cdh_log(CDH_LOG_INFO, NULL, "serving on http://%s with %zu accounts",
		sv->config->listen, sv->accounts.count);
	notify("READY=1");
	return 0;
}

static void stop(struct service *sv)
{
	size_t i;

	sv->stopping = 1;
	notify("STOPPING=1");
	if (sv->sched) {
		cdh_scheduler_cancel_all(sv->sched);
		if (cdh_scheduler_drain(sv->sched, STOP_WAIT_MS) != 0)
			cdh_log(CDH_LOG_ERROR, NULL,
				"refreshes still running after %d ms; stopping anyway",
				STOP_WAIT_MS);
	}
	cdh_http_api_stop(sv->http);
	/* Stopping is not removing: idle agents' locks stay as the schedule
	 * for the other nodes (cancelled runs freed theirs). */
	for (i = 0; sv->sched && i < sv->accounts.count; i++)
		cdh_scheduler_retire_keeping_locks(sv->sched, sv->accounts.items[i],
						   on_retired, sv);
	/* Retired accounts are freed by on_retired; what is left goes here. */
	if (sv->sched)
		memset(sv->accounts.items, 0, sv->accounts.count * sizeof(void *));
	cdh_scheduler_free(sv->sched);
	/* No run is left to post: the queue's events go with it. */
	cdh_runner_set_events(NULL);
	cdh_agent_locks_close(sv->locks);
	cdh_accounts_release(&sv->accounts);
	cdh_directory_publish(NULL);
	/* Last: the HTTP threads and the scheduler's callbacks are gone. */
	cdh_status_free(sv->status);
	cdh_echo_free(sv->echo);
	if (sv->signal_fd >= 0)
		close(sv->signal_fd);
	if (sv->inotify_fd >= 0)
		close(sv->inotify_fd);
	cdh_config_free(sv->config);
}

int cdh_service_run(struct cdh_service_start *start_args)
{
	struct service sv;
	int rc = 0;

	memset(&sv, 0, sizeof(sv));
	sv.start = start_args;
	sv.config = start_args->config;
	start_args->config = NULL;
	sv.signal_fd = sv.inotify_fd = -1;
	if (start(&sv) != 0)
		rc = 1;
	else
		event_loop(&sv);
	stop(&sv);
	return rc;
}
