/*
 * halyard - Halyard's configuration commands with `cdhost` in place of
 * `hal`: the provider part of `hal config`, same flags, defaults and
 * validation (reference/clouddriver-docker.md §7), for every plugin whose
 * descriptor names a provider (cli_name, ABI 1.1):
 *
 *   cdhost config provider PROVIDER enable | disable
 *   cdhost config provider PROVIDER account add NAME [flags]
 *                                   | edit NAME [flags]
 *                                   | delete NAME | get NAME | list
 *
 * The account flags, their help, defaults, ranges and behaviour (secret,
 * path, read from standard input, exclusive groups) are made from the
 * plugin's settings descriptor (struct cdh_setting): the host knows no
 * provider. Each command changes the plugin's config section (created, with
 * the file and its directory, when missing) through config_edit.h: the
 * result is validated as `cdhost run` would read it, an added or edited
 * account is then checked against its registry by the plugin's `verify` op
 * (unless --no-validate), and only then is the file rewritten atomically
 * (mode 0600). A running `cdhost run` picks the change up by its hot reload.
 *
 * Output: results on stdout; Halyard's findings ("- WARNING ...",
 * "! ERROR ...", "? remediation") and errors ("cdhost: <what>: <why>") on
 * stderr. `get` prints the account as the file has it, then the plugin's
 * defaults in effect for what it leaves out; `get` and `list` never print
 * the value of a secret setting.
 *
 * Exit codes: 0 ok (warnings included); 1 the registry check failed, the
 * account does not exist, or the file cannot be written; 2 a usage error or
 * an invalid configuration. Nothing is written unless the exit code is 0.
 */
#ifndef CDH_HALYARD_H
#define CDH_HALYARD_H

/* What the command line said before the command (all borrowed). */
struct cdh_halyard_env {
	const char *config_arg;	    /* --config, or NULL for the default */
	const char *plugin_dir_arg; /* --plugin-dir, or NULL */
	const char *exe; /* this binary (plugin probes, default dir) */
};

/* Runs `config ...` (argv[0] is "config"); returns the exit code. */
int cdh_halyard_main(const struct cdh_halyard_env *env, int argc, char **argv);

#endif
