#include "cli.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins/accounts.h"
#include "config/config.h"
#include "api/credentials_json.h"
#include "api/directory.h"
#include "halyard/halyard.h"
#include "plugins/host_table.h"
#include "plugins/loader.h"
#include "util/log.h"
#include "api/queries.h"
#include "schedule/runner.h"
#include "service.h"
#include "store/store.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

#ifndef CDH_VERSION
#define CDH_VERSION "0.0.0"
#endif

/* What a command needs, opened on demand and closed by session_close. */
struct session {
	const char *config_arg;
	const char *plugin_dir_arg;
	char *config_path;
	struct cdh_config *config;
	struct cdh_loader *loader;
	struct cdh_store *store;
	char exe[PATH_MAX];
	char plugin_dir[PATH_MAX];
	int allow_core_dumps;
};

static const char usage_text[] =
	"usage: cdhost [--config FILE] [--plugin-dir DIR] [--log-level LEVEL]\n"
	"              [--log-format text|json] [--allow-core-dumps] COMMAND ...\n"
	"\n"
	"commands:\n"
	"  run [--once]                 the service: refresh loops, HTTP API, hot reload;\n"
	"                               --once: refresh every agent once, store, exit\n"
	"                               (0 all ok, 1 some failed, 2 config error)\n"
	"  images find [--account A] [--q Q] [--repository R] [--tag T] [--count N]\n"
	"              [--include-details]  cached images (JSON), as the API's find\n"
	"  images tags --account A --repository R\n"
	"                               the cached tags of one repository (JSON)\n"
	"  credentials [NAME]           the accounts as GET /credentials[/NAME] shows them\n"
	"  plugins                      loaded plugins, ABI versions, state, errors\n"
	"  config provider PROVIDER enable | disable\n"
	"  config provider PROVIDER account add NAME [flags] | edit NAME [flags]\n"
	"                               | delete NAME | get NAME | list\n"
	"                               Halyard's `hal config` commands; --help on each\n"
	"                               (the providers: config provider --help)\n"
	"  version                      print the version\n"
	"\n"
	"--config defaults to $CDHOST_CONFIG, else ~/.cdhost/cdhost.cfg.\n"
	"cdhost holds passwords: it dumps no core unless --allow-core-dumps.\n";

static int usage_error(const char *fmt, ...) CDH_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cdhost: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_USAGE;
}

static void session_close(struct session *s)
{
	cdh_store_close(s->store);
	cdh_loader_free(s->loader);
	cdh_config_free(s->config);
	free(s->config_path);
}

/* Loads the config file; a missing file is an error only when `required`. */
static int session_config(struct session *s, int required)
{
	char err[1024];
	struct stat st;

	s->config_path = cdh_config_default_path(s->config_arg);
	if (!s->config_path)
		return EXIT_RUNTIME;
	if (!required && stat(s->config_path, &st) != 0)
		return 0;
	s->config = cdh_config_load(s->config_path, err, sizeof(err));
	if (!s->config) {
		fprintf(stderr, "cdhost: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

static int session_plugins(struct session *s)
{
	char *dir = s->plugin_dir, err[1024];
	size_t dirlen = sizeof(s->plugin_dir);

	cdh_loader_choose_dir(s->plugin_dir_arg,
			      s->config ? s->config->plugin_dir : NULL, s->exe,
			      dir, dirlen);
	s->loader = cdh_loader_new(s->exe, err, sizeof(err));
	if (!s->loader || cdh_loader_scan(s->loader, dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "cdhost: %s\n", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

static int session_store(struct session *s)
{
	char err[1024];

	if (s->config->cache_redis)
		s->store = cdh_store_open_redis(s->config->cache_url,
						s->config->cache_password_file,
						err, sizeof(err));
	else if (s->config->cache_memory)
		s->store = cdh_store_open_memory(err, sizeof(err));
	else
		s->store = cdh_store_open_sqlite(s->config->cache_path, err,
						 sizeof(err));
	if (!s->store) {
		fprintf(stderr, "cdhost: %s\n", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

static int run_service(struct session *s)
{
	struct cdh_service_start start = { s->config_path, s->plugin_dir,
					   s->config, s->loader, s->store };
	int rc;

	s->config = NULL; /* the service owns it now */
	rc = cdh_service_run(&start);
	cdh_config_free(start.config);
	return rc;
}

static int cmd_run(struct session *s, int argc, char **argv)
{
	struct cdh_accounts accounts = { 0 };
	struct cdh_diag diag;
	char err[1024];
	int rc, once = argc == 2 && strcmp(argv[1], "--once") == 0;

	if (argc > 2 || (argc == 2 && !once))
		return usage_error("run: unknown option %s", argv[1]);
	if ((rc = session_config(s, 1)) || (rc = session_plugins(s)))
		return rc;
	if (cdh_accounts_validate(s->loader, s->config, &diag) != 0) {
		fprintf(stderr, "cdhost: %s: invalid configuration, nothing done\n",
			s->config_path);
		return EXIT_USAGE;
	}
	if ((rc = session_store(s)))
		return rc;
	if (!once)
		return run_service(s);
	if (cdh_accounts_create(s->loader, s->config, NULL, &accounts, err,
				sizeof(err)) != 0) {
		fprintf(stderr, "cdhost: %s\n", err);
		return EXIT_USAGE;
	}
	rc = cdh_runner_run_all(&accounts, s->store) ? EXIT_RUNTIME : 0;
	cdh_accounts_release(&accounts);
	return rc;
}

/* Reads "--name VALUE" or "--name=VALUE" at argv[*i]; 1 matched, -1 missing. */
static int take_option(int argc, char **argv, int *i, const char *name,
		       const char **value)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return 0;
	if (argv[*i][len] == '=') {
		*value = argv[*i] + len + 1;
		return 1;
	}
	if (argv[*i][len] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

/* The accounts of the config, created (no network) and described. */
static struct cdh_directory *describe_accounts(struct session *s, int *rc)
{
	struct cdh_accounts accounts = { 0 };
	struct cdh_directory *dir;
	struct cdh_diag diag;
	char err[1024];

	if ((*rc = session_config(s, 1)) || (*rc = session_plugins(s)))
		return NULL;
	if (cdh_accounts_validate(s->loader, s->config, &diag) != 0 ||
	    cdh_accounts_create(s->loader, s->config, NULL, &accounts, err,
				sizeof(err)) != 0) {
		if (diag.errors == 0)
			fprintf(stderr, "cdhost: %s\n", err);
		else
			fprintf(stderr, "cdhost: %s: invalid configuration, nothing done\n",
				s->config_path);
		*rc = EXIT_USAGE;
		return NULL;
	}
	dir = cdh_directory_build(&accounts);
	if (dir && cdh_directory_add_providers(dir, s->loader) != 0) {
		cdh_directory_release(dir);
		dir = NULL;
	}
	cdh_accounts_release(&accounts);
	*rc = dir ? 0 : EXIT_RUNTIME;
	return dir;
}

static int cmd_credentials(struct session *s, int argc, char **argv)
{
	struct cdh_directory *dir;
	char *json;
	int rc;

	if (argc > 2)
		return usage_error("%s takes at most one account name", "credentials");
	dir = describe_accounts(s, &rc);
	if (!dir)
		return rc;
	json = argc == 2 ? cdh_credentials_get_json(dir, argv[1])
			 : cdh_credentials_list_json(dir, 0);
	cdh_directory_release(dir);
	if (!json && argc == 2) {
		fprintf(stderr, "cdhost: credentials: Account does not exist (name: %s)\n",
			argv[1]);
		return EXIT_RUNTIME;
	}
	if (!json)
		return EXIT_RUNTIME;
	printf("%s\n", json);
	free(json);
	return 0;
}

/* The CLI's side of a plugin query: stdout, stderr and the exit code. */
struct cli_answer {
	int status;
	int wrote;
	int failed; /* fail() came: its message is out */
};

static void cli_start(void *ctx, int status, const char *type)
{
	(void)type;
	((struct cli_answer *)ctx)->status = status;
}

static int cli_write(void *ctx, const char *bytes, size_t len)
{
	((struct cli_answer *)ctx)->wrote = 1;
	return fwrite(bytes, 1, len, stdout) == len ? 0 : -1;
}

static void cli_fail(void *ctx, int status, const char *message)
{
	struct cli_answer *a = ctx;

	a->status = status;
	a->failed = 1;
	if (status == 400)
		usage_error("%s", message);
	else if (status != 404)
		fprintf(stderr, "cdhost: %s\n", message);
}

/* Offers the command to every plugin with a query op, in load order. */
static int run_plugin_command(struct session *s, struct cdh_directory *dir,
			      int argc, char **argv)
{
	struct cdh_query_request req = { "CLI", NULL, NULL, 1, argc,
					 (const char *const *)argv, NULL, NULL };
	size_t i;

	for (i = 0; i < dir->provider_count; i++) {
		struct cli_answer a = { 200, 0, 0 };
		struct cdh_query_sink sink = { cli_start, cli_write, cli_fail, &a };

		if (!dir->providers[i].query)
			continue;
		cdh_query_run(&dir->providers[i], s->store, dir, &req, &sink);
		if (a.status == 404 && !a.wrote)
			continue; /* not this plugin's command */
		if (a.wrote)
			printf("\n");
		if (a.status >= 200 && a.status < 300)
			return 0;
		return a.status == 400 ? EXIT_USAGE : EXIT_RUNTIME;
	}
	return usage_error("unknown command %s", argv[0]);
}

static int cmd_plugin(struct session *s, int argc, char **argv)
{
	struct cdh_directory *dir;
	int rc;

	dir = describe_accounts(s, &rc);
	if (!dir || (rc = session_store(s))) {
		cdh_directory_release(dir);
		return rc;
	}
	rc = run_plugin_command(s, dir, argc, argv);
	cdh_directory_release(dir);
	return rc;
}

static int cmd_plugins(struct session *s, int argc, char **argv)
{
	size_t i;
	int rc, refused = 0;

	(void)argv;
	if (argc != 1)
		return usage_error("%s takes no arguments", "plugins");
	if ((rc = session_config(s, 0)) || (rc = session_plugins(s)))
		return rc;
	printf("%-20s %-10s %-5s %-8s %s\n", "NAME", "VERSION", "ABI", "STATE",
	       "FILE / ERROR");
	for (i = 0; i < cdh_loader_count(s->loader); i++) {
		const struct cdh_plugin_slot *p = cdh_loader_slot(s->loader, i);
		char abi[32];

		snprintf(abi, sizeof(abi), "%u.%u", p->abi_major, p->abi_minor);
		if (p->ready)
			printf("%-20s %-10s %-5s %-8s %s\n", p->desc.name,
			       p->desc.version, abi, "ready", p->path);
		else
			printf("%-20s %-10s %-5s %-8s %s: %s\n", "-", "-",
			       p->abi_major ? abi : "-", "refused", p->path,
			       p->error);
		refused |= !p->ready;
	}
	return refused ? EXIT_RUNTIME : 0;
}

static int dispatch(struct session *s, int argc, char **argv)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "run") == 0)
		return cmd_run(s, argc, argv);
	if (strcmp(cmd, "plugins") == 0)
		return cmd_plugins(s, argc, argv);
	if (strcmp(cmd, "credentials") == 0)
		return cmd_credentials(s, argc, argv);
	if (strcmp(cmd, "config") == 0)
		return cdh_halyard_main(&(struct cdh_halyard_env){ s->config_arg,
				       s->plugin_dir_arg, s->exe }, argc, argv);
	if (strcmp(cmd, "version") == 0) {
		printf("cdhost %s (plugin ABI %d.%d)\n", CDH_VERSION, CDH_ABI_MAJOR,
		       CDH_ABI_MINOR);
		return 0;
	}
	if (strcmp(cmd, "__probe-plugin") == 0 && argc == 2)
		return cdh_loader_probe_main(argv[1]);
	/* Anything else may be a plugin's command (`images find`...). */
	return cmd_plugin(s, argc, argv);
}

static int set_log_option(const char *name, const char *value)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	int32_t i;

	if (strcmp(name, "--log-format") == 0) {
		if (strcmp(value, "json") && strcmp(value, "text"))
			return -1;
		cdh_log_set_json(strcmp(value, "json") == 0);
		return 0;
	}
	for (i = 0; i < 4; i++)
		if (strcmp(value, levels[i]) == 0) {
			cdh_log_set_level(i);
			return 0;
		}
	return -1;
}

/* Global options before the command; returns the command's index or < 0. */
static int parse_globals(struct session *s, int argc, char **argv)
{
	const char *value;
	int i, rc;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if ((rc = take_option(argc, argv, &i, "--config", &s->config_arg)) ||
		    (rc = take_option(argc, argv, &i, "--plugin-dir",
				      &s->plugin_dir_arg))) {
			if (rc < 0)
				return -usage_error("%s needs a value", argv[i]);
			continue;
		}
		if ((rc = take_option(argc, argv, &i, "--log-level", &value))) {
			if (rc < 0 || set_log_option("--log-level", value) != 0)
				return -usage_error("bad value for %s", "--log-level");
			continue;
		}
		if ((rc = take_option(argc, argv, &i, "--log-format", &value))) {
			if (rc < 0 || set_log_option("--log-format", value) != 0)
				return -usage_error("bad value for %s", "--log-format");
			continue;
		}
		if (strcmp(argv[i], "--allow-core-dumps") == 0) {
			s->allow_core_dumps = 1;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0) {
			printf("%s", usage_text);
			return -0x100;
		}
		return -usage_error("unknown option %s", argv[i]);
	}
	if (i >= argc)
		return -usage_error("%s", "no command given");
	return i;
}

int cdh_cli_main(int argc, char **argv)
{
	struct session s = { 0 };
	ssize_t n = readlink("/proc/self/exe", s.exe, sizeof(s.exe) - 1);
	int first, rc;

	if (n > 0)
		s.exe[n] = '\0';
	first = parse_globals(&s, argc, argv);
	if (first < 0)
		return first == -0x100 ? 0 : -first;
	/* Passwords and Basic headers live in this process (curl's buffers
	 * too): no core file, no ptrace or /proc/PID/mem by other processes
	 * of the user. Children are dumpable again after their exec. */
	if (!s.allow_core_dumps)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	rc = dispatch(&s, argc - first, argv + first);
	session_close(&s);
	return rc;
}
