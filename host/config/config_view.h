/*
 * config_view - the neutral, read-only config tree that plugins see through
 * the host table (cfg_* functions), implemented over libconfig settings.
 * Nodes are libconfig settings in disguise: borrowed, valid as long as the
 * cdh_config that owns them.
 */
#ifndef CDH_CONFIG_VIEW_H
#define CDH_CONFIG_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "cdh_plugin.h"

int32_t cdh_cfg_type(const struct cdh_config_node *node);
const char *cdh_cfg_name(const struct cdh_config_node *node);
int32_t cdh_cfg_line(const struct cdh_config_node *node);
const char *cdh_cfg_file(const struct cdh_config_node *node);
size_t cdh_cfg_count(const struct cdh_config_node *node);
const struct cdh_config_node *cdh_cfg_at(const struct cdh_config_node *node,
					 size_t index);
const struct cdh_config_node *cdh_cfg_member(const struct cdh_config_node *node,
					     const char *name);
int32_t cdh_cfg_string(const struct cdh_config_node *node, const char **out);
int32_t cdh_cfg_int(const struct cdh_config_node *node, int64_t *out);
int32_t cdh_cfg_bool(const struct cdh_config_node *node, int32_t *out);
void cdh_cfg_diag(const struct cdh_config_node *node, int32_t level,
		  const char *fmt, ...) CDH_PRINTF(3, 4);

/*
 * Renders `node` and everything under it as canonical text (names, types,
 * values; no line numbers; a group's members sorted by name, a list's items
 * in order), so two nodes render equal exactly when their settings are
 * equal whatever order they are written in. Returns a new string (caller
 * frees) or NULL.
 */
char *cdh_cfg_fingerprint(const struct cdh_config_node *node);

#endif
