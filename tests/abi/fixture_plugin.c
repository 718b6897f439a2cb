/*
 * fixture_plugin - the ABI conformance fixtures. Built against the FROZEN 1.0
 * header (frozen/v1.0/cdh_plugin.h); compile definitions turn it into each
 * case the host must handle:
 *   (none)               a complete 1.0 plugin that must keep loading
 *   FIXTURE_BUILT_MINOR=N  answers that it was built against 1.N (what the
 *                        header of a later minor makes CDH_PLUGIN_DEFINE say):
 *                        with no requirement it must load and refresh
 *   FIXTURE_REQUIRED_MINOR=N  requires 1.N (CDH_PLUGIN_REQUIRED_MINOR):
 *                        refused by a host of an older minor
 *   FIXTURE_NEWER_MAJOR  claims ABI 2: refused
 *   FIXTURE_BAD_SIGNATURE  another build signature: refused
 *   FIXTURE_MISSING_OP   no refresh op: refused
 *   FIXTURE_CRASH        crashes in its constructor: refused, host unharmed
 *
 * The complete plugin reads section "fixture": accounts with a `name` and a
 * `tags` list, and emits each tag as a taggedImage of repository
 * "fixture/repo", so `cdhost images tags` can show that a refresh through the
 * frozen ABI reached the store.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FIXTURE_REQUIRED_MINOR
#define CDH_PLUGIN_REQUIRED_MINOR FIXTURE_REQUIRED_MINOR
#endif
#include "cdh_plugin.h"

#ifdef FIXTURE_BUILT_MINOR
/* The frozen header says 1.0; CDH_PLUGIN_DEFINE expands this where it is
 * used, so the answer is what a plugin built against 1.N would give. */
#undef CDH_ABI_MINOR
#define CDH_ABI_MINOR FIXTURE_BUILT_MINOR
#endif

static const struct cdh_host_api *host;

struct fixture {
	char name[64];
	char tags[8][32];
	size_t tag_count;
};

static int32_t fx_init(char *errbuf, size_t errlen)
{
	(void)errbuf, (void)errlen;
	return CDH_OK;
}

static void fx_shutdown(void)
{
}

static int32_t fx_validate(const struct cdh_config_node *node, char *errbuf,
			   size_t errlen)
{
	const char *name;

	(void)errbuf, (void)errlen;
	if (host->cfg_string(host->cfg_member(node, "name"), &name) != CDH_OK) {
		host->config_diag(node, CDH_LOG_ERROR, "fixture account needs a name");
		return CDH_E_CONFIG;
	}
	return CDH_OK;
}

static int32_t fx_create(const struct cdh_config_node *node, void **out,
			 struct cdh_instance_info *info, char *errbuf,
			 size_t errlen)
{
	const struct cdh_config_node *tags = host->cfg_member(node, "tags");
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *s;
	size_t i;

	(void)errbuf, (void)errlen;
	if (!fx)
		return CDH_E_NOMEM;
	if (host->cfg_string(host->cfg_member(node, "name"), &s) == CDH_OK)
		snprintf(fx->name, sizeof(fx->name), "%s", s);
	for (i = 0; i < host->cfg_count(tags) && i < 8; i++)
		if (host->cfg_string(host->cfg_at(tags, i), &s) == CDH_OK)
			snprintf(fx->tags[fx->tag_count++], 32, "%s", s);
	info->agent_count = 1;
	*out = fx;
	return CDH_OK;
}

static int32_t fx_agent_name(const void *inst, uint32_t index, char *buf,
			     size_t buflen)
{
	const struct fixture *fx = inst;

	if (index != 0)
		return CDH_E_FATAL;
	snprintf(buf, buflen, "%s/FixtureAgent", fx->name);
	return CDH_OK;
}

#ifndef FIXTURE_MISSING_OP
static int32_t fx_refresh(void *inst, uint32_t index, struct cdh_refresh *r,
			  char *errbuf, size_t errlen)
{
	struct fixture *fx = inst;
	struct cdh_record rec = { sizeof(rec), 0, "fixture/repo", "taggedImage",
				  NULL, NULL };
	char id[256], attrs[256];
	size_t i;

	(void)index, (void)errbuf, (void)errlen;
	for (i = 0; i < fx->tag_count; i++) {
		snprintf(id, sizeof(id), "dockerRegistry:taggedImage:%s:fixture/repo:%s",
			 fx->name, fx->tags[i]);
		snprintf(attrs, sizeof(attrs),
			 "{\"name\":\"fixture/repo:%s\",\"account\":\"%s\"}",
			 fx->tags[i], fx->name);
		rec.id = id;
		rec.attributes = attrs;
		if (host->emit_record(r, &rec) != CDH_OK)
			return CDH_E_NOMEM;
	}
	return host->scope_result(r, "fixture/repo", CDH_SCOPE_OK, NULL);
}
#endif

static void fx_destroy(void *inst)
{
	free(inst);
}

static const struct cdh_plugin_ops ops = {
	.struct_size = sizeof(struct cdh_plugin_ops),
	.init = fx_init,
	.shutdown = fx_shutdown,
	.validate_config = fx_validate,
	.create = fx_create,
	.agent_name = fx_agent_name,
#ifndef FIXTURE_MISSING_OP
	.refresh = fx_refresh,
#endif
	.destroy = fx_destroy,
};

static const struct cdh_plugin_desc desc = {
	.struct_size = sizeof(struct cdh_plugin_desc),
	.magic = CDH_PLUGIN_MAGIC,
	.name = FIXTURE_NAME,
	.version = "1.0.0",
	.description = "ABI conformance fixture",
	.config_section = FIXTURE_SECTION,
	.ops = &ops,
};

#ifdef FIXTURE_CRASH
__attribute__((constructor)) static void crash_on_load(void)
{
	raise(SIGSEGV);
}
#endif

#if defined(FIXTURE_NEWER_MAJOR) || defined(FIXTURE_BAD_SIGNATURE)
/* A hand-written entry: what a plugin built for another ABI would answer. */
CDH_EXPORT int32_t cdh_plugin_entry(const struct cdh_negotiate_in *in,
				    struct cdh_negotiate_out *out);
CDH_EXPORT int32_t cdh_plugin_entry(const struct cdh_negotiate_in *in,
				    struct cdh_negotiate_out *out)
{
	out->abi_major = CDH_ABI_MAJOR;
	out->abi_minor = CDH_ABI_MINOR;
	out->signature = CDH_ABI_SIGNATURE;
	out->desc = &desc;
#if defined(FIXTURE_NEWER_MAJOR)
	out->abi_major = CDH_ABI_MAJOR + 1;
#else
	out->signature = CDH_ABI_SIGNATURE ^ 0xffu;
#endif
	host = in->api;
	return CDH_OK;
}
#else
CDH_PLUGIN_DEFINE(desc, host)
#endif
