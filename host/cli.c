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
#include "util/progress.h"
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
	const struct cli_command *command; /* the one running */
	int allow_core_dumps;
	char exe[PATH_MAX];
	char plugin_dir[PATH_MAX];
};

/* One option of a command: its --help line and the man page's. */
struct cli_option {
	const char *flag; /* "--account A" */
	const char *help;
};

/*
 * One command: the single source of its usage, its --help text and its
 * part of cdhost(1) (dist/gen-man.sh runs each --help). `run` is NULL for
 * `config`, whose help is the halyard module's own.
 */
struct cli_command {
	const char *name;    /* "images find" */
	const char *args;    /* what follows the name in the usage line */
	const char *summary; /* one line for `cdhost --help` */
	const char *text;    /* what it does, for its own --help */
	const struct cli_option *options;
	int (*run)(struct session *s, int argc, char **argv);
};

static const struct cli_option global_options[] = {
	{ "--config FILE", "the config file (see FILES below)" },
	{ "--plugin-dir DIR", "where plugins are loaded from (see FILES below)" },
	{ "--log-level LEVEL", "error, warn, info (the default) or debug" },
	{ "--log-format FORMAT",
	  "text (the default) or json: each log line one JSON object" },
	{ "--allow-core-dumps",
	  "let the process dump core (off by default: it holds passwords)" },
	{ "--help", "usage: of cdhost, or of the command it follows" },
	{ NULL, NULL },
};

static const struct cli_option run_options[] = {
	{ "--once", "refresh every account once, store the results, exit: 0 all "
		    "ok, 1 some failed (what was cached is kept), 2 config error" },
	{ NULL, NULL },
};

static const struct cli_option find_options[] = {
	{ "--account A", "only this account" },
	{ "--q Q", "only images whose repository or tag contains Q" },
	{ "--repository R", "only this repository" },
	{ "--tag T", "only this tag" },
	{ "--count N", "at most N images" },
	{ "--include-details", "add each image's digest, dates and labels" },
	{ NULL, NULL },
};

static const struct cli_option tags_options[] = {
	{ "--account A", "the account (required)" },
	{ "--repository R", "the repository (required)" },
	{ NULL, NULL },
};

static const struct cli_option no_options[] = { { NULL, NULL } };

static int cmd_run(struct session *s, int argc, char **argv);
static int cmd_plugin(struct session *s, int argc, char **argv);
static int cmd_credentials(struct session *s, int argc, char **argv);
static int cmd_plugins(struct session *s, int argc, char **argv);
static int cmd_version(struct session *s, int argc, char **argv);

static const struct cli_command commands[] = {
	{ "run", "[--once]", "the service: refresh loops, HTTP API, hot reload",
	  "Runs the service: every account is refreshed on its interval, the "
	  "cache is served over HTTP (host.listen, 127.0.0.1:7002 by default), "
	  "the config file is reloaded when it changes or on SIGHUP. SIGTERM or "
	  "SIGINT stops it (exit 0).",
	  run_options, cmd_run },
	{ "images find",
	  "[--account A] [--q Q] [--repository R] [--tag T] [--count N] "
	  "[--include-details]",
	  "cached images (JSON), as the API's images/find",
	  "Prints the cached images as JSON, as the HTTP API's "
	  "/<provider>/images/find answers.",
	  find_options, cmd_plugin },
	{ "images tags", "--account A --repository R",
	  "the cached tags of one repository (JSON)",
	  "Prints the cached tags of one repository as JSON, as the HTTP API's "
	  "/<provider>/images/tags answers.",
	  tags_options, cmd_plugin },
	{ "credentials", "[NAME]", "the accounts, as GET /credentials[/NAME]",
	  "Prints the configured accounts as the HTTP API's GET /credentials "
	  "shows them, or one account (NAME) as GET /credentials/NAME does. "
	  "Secrets are never shown.",
	  no_options, cmd_credentials },
	{ "plugins", "", "loaded plugins, ABI versions, state, errors",
	  "Lists the plugins of the plugin directory: name, version, ABI "
	  "version, and why a plugin was refused. Exit 1 if one was refused.",
	  no_options, cmd_plugins },
	{ "config", "provider PROVIDER COMMAND ...",
	  "Halyard's `hal config` commands (cdhost config --help)",
	  NULL, no_options, NULL },
	{ "version", "", "the version and the plugin ABI it speaks",
	  "Prints cdhost's version and the plugin ABI version it speaks.",
	  no_options, cmd_version },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

/* A line may break at p[at]: a space outside [brackets] ("[--tag T]"). */
static int can_break(const char *p, int at)
{
	int i, depth = 0;

	for (i = 0; i < at; i++)
		depth += (p[i] == '[') - (p[i] == ']');
	return p[at] == ' ' && depth == 0;
}

/* Prints `text` wrapped at 78 columns from column `column` (where the
 * caller left the line), the next lines indented by `indent`. */
static void print_wrapped(FILE *out, const char *text, int column, int indent)
{
	const char *p = text;

	if (!*p)
		fputc('\n', out);
	while (*p) {
		int width = 78 - column, len = (int)strlen(p), cut = len;

		if (len > width) {
			for (cut = width; cut > 0 && !can_break(p, cut); cut--)
				;
			if (cut == 0)
				cut = width;
		}
		fprintf(out, "%.*s\n", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
		if (*p)
			fprintf(out, "%*s", indent, "");
		column = indent;
	}
}

/* "  term   help", the help wrapped in a column of its own. */
static void print_item(FILE *out, const char *term, const char *help)
{
	if (strlen(term) > 20)
		fprintf(out, "  %s\n%24s", term, "");
	else
		fprintf(out, "  %-20s  ", term);
	print_wrapped(out, help, 24, 24);
}

static void print_options(FILE *out, const char *title,
			  const struct cli_option *o)
{
	if (!o->flag)
		return;
	fprintf(out, "\n%s:\n", title);
	for (; o->flag; o++)
		print_item(out, o->flag, o->help);
}

static void print_usage_line(FILE *out, const struct cli_command *c)
{
	int column = fprintf(out, "usage: cdhost [GLOBAL OPTIONS] %s ", c->name);

	print_wrapped(out, c->args, column, 8);
}

static void print_files(FILE *out)
{
	char text[2048];

	fprintf(out, "\nFILES:\n");
	snprintf(text, sizeof(text),
		 "--config, else $CDHOST_CONFIG, else ~/.cdhost/cdhost.cfg if it "
		 "exists, else %s if it exists, else ~/.cdhost/cdhost.cfg (where "
		 "the config commands create one)", cdh_config_system_file());
	print_item(out, "config file", text);
	snprintf(text, sizeof(text),
		 "--plugin-dir, else host.pluginDir, else plugins/ beside the "
		 "binary (a build tree), else %s from the binary's directory, "
		 "else %s", CDH_INSTALL_PLUGIN_DIR_FROM_BIN, CDH_INSTALL_PLUGIN_DIR);
	print_item(out, "plugin directory", text);
}

static void print_main_usage(FILE *out)
{
	const struct cli_command *c;

	fprintf(out, "usage: cdhost [GLOBAL OPTIONS] COMMAND [ARGS...]\n\n");
	print_wrapped(out, "cdhost caches the images of Docker registries for "
		      "Spinnaker, as Clouddriver's Docker Registry provider does, "
		      "and serves them over Clouddriver's HTTP API. Providers are "
		      "plugins.", 0, 0);
	fprintf(out, "\nCOMMANDS:\n");
	for (c = commands; c->name; c++)
		print_item(out, c->name, c->summary);
	print_options(out, "GLOBAL OPTIONS (before or after the command)",
		      global_options);
	print_files(out);
	fprintf(out, "\n`cdhost COMMAND --help` describes a command.\n"
		     "Exit status: 0 ok, 1 a runtime failure, 2 a usage or config "
		     "error.\n");
}

/* A command's --help, on stdout. */
static void print_command_help(const struct cli_command *c)
{
	print_usage_line(stdout, c);
	fputc('\n', stdout);
	print_wrapped(stdout, c->text, 0, 0);
	print_options(stdout, "OPTIONS", c->options);
	print_options(stdout, "GLOBAL OPTIONS (before or after the command)",
		      global_options);
}

/* The commands of a group ("images"), when it is named alone; how many. */
static int print_group_usage(FILE *out, const char *group)
{
	const struct cli_command *c;
	size_t len = strlen(group);
	int n = 0;

	for (c = commands; c->name; c++)
		if (strncmp(c->name, group, len) == 0 && c->name[len] == ' ') {
			if (out)
				print_usage_line(out, c);
			n++;
		}
	return n;
}

static int usage_error(const struct cli_command *c, const char *fmt, ...)
	CDH_PRINTF(2, 3);

/* "cdhost: why" and the usage line of the command (or of cdhost), on
 * stderr; returns the usage exit code. */
static int usage_error(const struct cli_command *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cdhost: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c) {
		print_usage_line(stderr, c);
		fprintf(stderr, "(cdhost %s --help for more)\n", c->name);
	} else {
		fprintf(stderr, "usage: cdhost [GLOBAL OPTIONS] COMMAND [ARGS...]\n"
				"(cdhost --help for more)\n");
	}
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
		return usage_error(s->command, "run: unknown option %s", argv[1]);
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
	cdh_progress_start(CDH_PROGRESS_REFRESH); /* on a terminal only */
	rc = cdh_runner_run_all(&accounts, s->store) ? EXIT_RUNTIME : 0;
	cdh_progress_stop();
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
		return usage_error(s->command, "%s takes at most one account name",
				   "credentials");
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
	const struct cli_command *command; /* for a usage error's hint */
	int status;
	int wrote;
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
	if (status == 400)
		usage_error(a->command, "%s", message);
	else if (status != 404)
		fprintf(stderr, "cdhost: %s\n", message);
}

/* Offers the command to every plugin with a query op, in load order. */
static int run_plugin_command(struct session *s, struct cdh_directory *dir,
			      int argc, char **argv)
{
	struct cdh_query_request req = { "CLI", NULL, NULL, 1, argc,
					 (const char *const *)argv, NULL, NULL, NULL, 0 };
	size_t i;

	for (i = 0; i < dir->provider_count; i++) {
		struct cli_answer a = { s->command, 200, 0 };
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
	return usage_error(s->command, "unknown command %s", argv[0]);
}

/*
 * A plugin's command (`images find`...): the whole argv, command words
 * included, goes to the plugins' query ops; the first that knows it answers.
 */
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
		return usage_error(s->command, "%s takes no arguments", "plugins");
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

static int cmd_version(struct session *s, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage_error(s->command, "%s takes no arguments", "version");
	printf("cdhost %s (plugin ABI %d.%d)\n", CDH_VERSION, CDH_ABI_MAJOR,
	       CDH_ABI_MINOR);
	return 0;
}

/* The command argv starts with, and how many words its name takes. */
static const struct cli_command *find_command(int argc, char **argv,
					      int *words)
{
	const struct cli_command *c;

	for (c = commands; c->name; c++) {
		const char *space = strchr(c->name, ' ');
		size_t len = space ? (size_t)(space - c->name) : strlen(c->name);

		if (strncmp(argv[0], c->name, len) != 0 || argv[0][len] != '\0')
			continue;
		if (!space) {
			*words = 1;
			return c;
		}
		if (argc >= 2 && strcmp(argv[1], space + 1) == 0) {
			*words = 2;
			return c;
		}
	}
	return NULL;
}

static int is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* A group named without one of its commands ("images", "images bogus"). */
static int group_error(int argc, char **argv)
{
	if (argc >= 2 && is_help(argv[1])) {
		print_group_usage(stdout, argv[0]);
		return 0;
	}
	fprintf(stderr, "cdhost: %s: unknown subcommand %s\n", argv[0],
		argc >= 2 ? argv[1] : "(none)");
	print_group_usage(stderr, argv[0]);
	return EXIT_USAGE;
}

/* Prints every command's name, one a line, for dist/gen-man.sh. */
static int list_commands(void)
{
	const struct cli_command *c;

	for (c = commands; c->name; c++)
		printf("%s\n", c->name);
	return 0;
}

static int dispatch(struct session *s, int argc, char **argv)
{
	const struct cli_command *c;
	int i, words = 1;

	if (strcmp(argv[0], "__probe-plugin") == 0 && argc == 2)
		return cdh_loader_probe_main(argv[1]);
	if (strcmp(argv[0], "__commands") == 0 && argc == 1)
		return list_commands();
	c = find_command(argc, argv, &words);
	if (!c && print_group_usage(NULL, argv[0]) > 0)
		return group_error(argc, argv);
	if (!c) /* maybe a plugin's own command */
		return cmd_plugin(s, argc, argv);
	if (!c->run) /* config: Halyard's tree, with its own --help */
		return cdh_halyard_main(&(struct cdh_halyard_env){ s->config_arg,
				       s->plugin_dir_arg, s->exe }, argc, argv);
	for (i = words; i < argc; i++)
		if (is_help(argv[i])) {
			print_command_help(c);
			return 0;
		}
	s->command = c;
	if (c->run == cmd_plugin) /* the plugin parses its command words too */
		return cmd_plugin(s, argc, argv);
	return c->run(s, argc - (words - 1), argv + (words - 1));
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

/*
 * Takes the global options out of argv wherever they are, before or after
 * the command (up to a "--"); what is left, in order, goes to rest[]
 * (argc entries at most). Returns 0, or the exit code after saying why.
 */
static int take_globals(struct session *s, int argc, char **argv, char **rest,
			int *nrest)
{
	static const char *const names[] = { "--config", "--plugin-dir",
					      "--log-level", "--log-format" };
	const char *value = NULL;
	int i, k, rc = 0, n = 0, literal = 0;

	for (i = 1; i < argc; i++) {
		literal |= strcmp(argv[i], "--") == 0;
		if (!literal && strcmp(argv[i], "--allow-core-dumps") == 0) {
			s->allow_core_dumps = 1;
			continue;
		}
		for (k = 0; !literal && k < 4; k++)
			if ((rc = take_option(argc, argv, &i, names[k], &value)))
				break;
		if (literal || k == 4) {
			rest[n++] = argv[i];
			continue;
		}
		if (rc < 0)
			return usage_error(NULL, "%s needs a value", names[k]);
		if (k == 0)
			s->config_arg = value;
		else if (k == 1)
			s->plugin_dir_arg = value;
		else if (set_log_option(names[k], value) != 0)
			return usage_error(NULL, "bad value for %s", names[k]);
	}
	*nrest = n;
	return 0;
}

int cdh_cli_main(int argc, char **argv)
{
	struct session s = { 0 };
	ssize_t n = readlink("/proc/self/exe", s.exe, sizeof(s.exe) - 1);
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0, rc;

	if (n > 0)
		s.exe[n] = '\0';
	if (!rest)
		return EXIT_RUNTIME;
	if ((rc = take_globals(&s, argc, argv, rest, &nrest)))
		goto out;
	/* Passwords and Basic headers live in this process (curl's buffers
	 * too): no core file, no ptrace or /proc/PID/mem by other processes
	 * of the user. Children are dumpable again after their exec. */
	if (!s.allow_core_dumps)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (nrest == 0) {
		rc = usage_error(NULL, "%s", "no command given");
	} else if (is_help(rest[0])) {
		print_main_usage(stdout);
	} else if (rest[0][0] == '-') {
		rc = usage_error(NULL, "unknown option %s", rest[0]);
	} else {
		rc = dispatch(&s, nrest, rest);
	}
out:
	session_close(&s);
	free(rest);
	return rc;
}
