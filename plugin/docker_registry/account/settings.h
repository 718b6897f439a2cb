/*
 * settings - the account settings of the docker_registry plugin as the ABI's
 * descriptor lists them (struct cdh_setting, since 1.1): every field an
 * account may carry, with Halyard's flag, help text and default where
 * Halyard has one (DockerRegistryCommandProperties, the abstract account
 * commands) and kebab-case flags for the fields Halyard lacks. Hosts make
 * `config provider docker-registry account add|edit|get` out of it.
 *
 * The ranges of integer settings are the ones account.c accepts; a unit
 * test (test_settings) holds the two together.
 */
#ifndef DRG_SETTINGS_H
#define DRG_SETTINGS_H

#include <stddef.h>

#include "cdh_plugin.h"

/* Halyard's name of the provider. */
#define DRG_CLI_NAME "docker-registry"

/* Entries in the table (a constant, for the static descriptor). */
#define DRG_ACCOUNT_SETTING_COUNT 33

extern const struct cdh_setting drg_account_settings[DRG_ACCOUNT_SETTING_COUNT];

#endif
