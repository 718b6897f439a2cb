#include "config/config_view.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"
#include "util/text.h"

/* The view's nodes are libconfig settings; the ABI only sees an opaque type. */
static config_setting_t *setting(const struct cdh_config_node *node)
{
	union {
		const struct cdh_config_node *node;
		config_setting_t *setting;
	} u = { node };

	return u.setting;
}

static const struct cdh_config_node *node_of(config_setting_t *s)
{
	return (const struct cdh_config_node *)(void *)s;
}

int32_t cdh_cfg_type(const struct cdh_config_node *node)
{
	if (!node)
		return CDH_CFG_NONE;
	switch (config_setting_type(setting(node))) {
	case CONFIG_TYPE_GROUP:
		return CDH_CFG_GROUP;
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		return CDH_CFG_LIST;
	case CONFIG_TYPE_STRING:
		return CDH_CFG_STRING;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return CDH_CFG_INT;
	case CONFIG_TYPE_FLOAT:
		return CDH_CFG_FLOAT;
	case CONFIG_TYPE_BOOL:
		return CDH_CFG_BOOL;
	default:
		return CDH_CFG_NONE;
	}
}

const char *cdh_cfg_name(const struct cdh_config_node *node)
{
	return node ? config_setting_name(setting(node)) : NULL;
}

int32_t cdh_cfg_line(const struct cdh_config_node *node)
{
	return node ? (int32_t)config_setting_source_line(setting(node)) : 0;
}

const char *cdh_cfg_file(const struct cdh_config_node *node)
{
	return node ? config_setting_source_file(setting(node)) : NULL;
}

size_t cdh_cfg_count(const struct cdh_config_node *node)
{
	int32_t type = cdh_cfg_type(node);

	if (type != CDH_CFG_GROUP && type != CDH_CFG_LIST)
		return 0;
	return (size_t)config_setting_length(setting(node));
}

const struct cdh_config_node *cdh_cfg_at(const struct cdh_config_node *node,
					 size_t index)
{
	if (index >= cdh_cfg_count(node))
		return NULL;
	return node_of(config_setting_get_elem(setting(node), (unsigned)index));
}

const struct cdh_config_node *cdh_cfg_member(const struct cdh_config_node *node,
					     const char *name)
{
	if (cdh_cfg_type(node) != CDH_CFG_GROUP)
		return NULL;
	return node_of(config_setting_get_member(setting(node), name));
}

int32_t cdh_cfg_string(const struct cdh_config_node *node, const char **out)
{
	if (cdh_cfg_type(node) != CDH_CFG_STRING)
		return CDH_E_CONFIG;
	*out = config_setting_get_string(setting(node));
	return CDH_OK;
}

int32_t cdh_cfg_int(const struct cdh_config_node *node, int64_t *out)
{
	if (cdh_cfg_type(node) != CDH_CFG_INT)
		return CDH_E_CONFIG;
	*out = (int64_t)config_setting_get_int64(setting(node));
	return CDH_OK;
}

int32_t cdh_cfg_bool(const struct cdh_config_node *node, int32_t *out)
{
	if (cdh_cfg_type(node) != CDH_CFG_BOOL)
		return CDH_E_CONFIG;
	*out = config_setting_get_bool(setting(node)) ? 1 : 0;
	return CDH_OK;
}

void cdh_cfg_diag(const struct cdh_config_node *node, int32_t level,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cdh_diag_vreport(cdh_cfg_file(node), cdh_cfg_line(node), level, fmt, ap);
	va_end(ap);
}

static void render(const struct cdh_config_node *node, struct cdh_text *out);

static int by_name(const void *a, const void *b)
{
	return strcmp(cdh_cfg_name(*(const struct cdh_config_node *const *)a),
		      cdh_cfg_name(*(const struct cdh_config_node *const *)b));
}

/*
 * A group's members by name: the order settings are written in means
 * nothing, so a reordered account is an unchanged one (Clouddriver compares
 * accounts by value; issue #22). A list keeps its order: whether a list's
 * order matters is the plugin's to say (its reconfigure op).
 */
static void render_members(const struct cdh_config_node *node,
			   struct cdh_text *out)
{
	size_t count = cdh_cfg_count(node), i;
	const struct cdh_config_node **members =
		calloc(count ? count : 1, sizeof(*members));

	if (!members) { /* out of memory: file order, still a fingerprint */
		for (i = 0; i < count; i++) {
			render(cdh_cfg_at(node, i), out);
			cdh_text_puts(out, ";");
		}
		return;
	}
	for (i = 0; i < count; i++)
		members[i] = cdh_cfg_at(node, i);
	qsort(members, count, sizeof(*members), by_name);
	for (i = 0; i < count; i++) {
		render(members[i], out);
		cdh_text_puts(out, ";");
	}
	free(members);
}

static void render(const struct cdh_config_node *node, struct cdh_text *out)
{
	const char *name = cdh_cfg_name(node), *str;
	int32_t type = cdh_cfg_type(node), flag;
	size_t i, count;
	int64_t num;

	if (name)
		cdh_text_printf(out, "%s=", name);
	if (type == CDH_CFG_GROUP) {
		cdh_text_puts(out, "{");
		render_members(node, out);
		cdh_text_puts(out, "}");
	} else if (type == CDH_CFG_LIST) {
		cdh_text_puts(out, "(");
		count = cdh_cfg_count(node);
		for (i = 0; i < count; i++) {
			render(cdh_cfg_at(node, i), out);
			cdh_text_puts(out, ";");
		}
		cdh_text_puts(out, ")");
	} else if (cdh_cfg_string(node, &str) == CDH_OK) {
		/* Length-prefixed so no string content can fake a delimiter. */
		cdh_text_printf(out, "s%zu:%s", strlen(str), str);
	} else if (cdh_cfg_int(node, &num) == CDH_OK) {
		cdh_text_printf(out, "i%lld", (long long)num);
	} else if (cdh_cfg_bool(node, &flag) == CDH_OK) {
		cdh_text_puts(out, flag ? "true" : "false");
	} else if (type == CDH_CFG_FLOAT) {
		cdh_text_printf(out, "f%.17g",
				config_setting_get_float(setting(node)));
	}
}

char *cdh_cfg_fingerprint(const struct cdh_config_node *node)
{
	struct cdh_text out = CDH_TEXT_INIT;

	render(node, &out);
	return cdh_text_take(&out);
}
