/*
 * service - `cdhost run`: the long-running service. It schedules every
 * agent, serves the HTTP API, and reloads on change: the config file (inotify
 * on its directory, so editors' rename-over works; and SIGHUP) and plugin
 * files replaced in the plugin directory. A reload is validated in full before
 * anything changes; an invalid one keeps the running generation and is shown
 * in the log and /health. SIGTERM/SIGINT stop it cleanly (exit 0).
 */
#ifndef CDH_SERVICE_H
#define CDH_SERVICE_H

#include "config/config.h"
#include "plugins/loader.h"
#include "store/store.h"

struct cdh_service_start {
	const char *config_path;    /* as given; reloaded from here */
	const char *plugin_dir;     /* watched for replaced plugins */
	struct cdh_config *config;  /* validated; the service takes it over */
	struct cdh_loader *loader;  /* borrowed; outlives the service */
	struct cdh_store *store;    /* borrowed */
};

/*
 * Runs until SIGTERM or SIGINT. Returns the exit code: 0 after a clean stop,
 * 1 when it could not start (e.g. the listen address is taken).
 */
int cdh_service_run(struct cdh_service_start *start);

#endif
