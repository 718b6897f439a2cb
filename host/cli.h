/*
 * cli - cdhost's command line: global options, then one command. Each command
 * returns the process exit code: 0 ok, 1 a runtime failure, 2 usage or
 * config error.
 */
#ifndef CDH_CLI_H
#define CDH_CLI_H

int cdh_cli_main(int argc, char **argv);

#endif
