/*
 * cli - cdhost's command line: one command, global options before or after
 * it, `--help` on each. Every command's usage, options and help come from
 * one table in cli.c (commands[]), which `--help` and cdhost(1)
 * (dist/gen-man.sh) both print. Each command returns the process exit code:
 * 0 ok, 1 a runtime failure, 2 usage or config error.
 */
#ifndef CDH_CLI_H
#define CDH_CLI_H

int cdh_cli_main(int argc, char **argv);

#endif
