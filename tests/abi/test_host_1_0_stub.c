/*
 * test_host_1_0_stub - a host of ABI 1.0, compiled only against the frozen
 * 1.0 header (frozen/v1.0/cdh_plugin.h), loading plugins built against the
 * current header: what a released 1.0 cdhost does with a newer plugin. It
 * offers minor 0 and 1.0-sized structs, refuses a plugin that requires a
 * newer minor ("plugin X requires ABI 1.N, this host speaks 1.0"), and
 * otherwise reads only the 1.0 fields of the descriptor and the ops.
 * argv[1]: fixture directory; argv[2]: docker_registry.so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cdh_plugin.h"

#if CDH_ABI_MINOR != 0
#error "the 1.0 host stub must be built against the frozen 1.0 header"
#endif

static const char *fixture_dir;
static const char *docker_registry_path;

/* A plugin as the 1.0 host keeps it: its own copies, 1.0 fields only. */
struct stub_plugin {
	void *handle;
	struct cdh_plugin_desc desc;
	struct cdh_plugin_ops ops;
};

/* --- the stub's host table: a config of one account and a record sink --- */
static const char node_root, node_name, node_tags, node_tag;
#define NODE(p) ((const struct cdh_config_node *)(const void *)(p))
static char emitted_id[256], scope_seen[64];
static int emitted;

static void h_log(int32_t level, const char *who, const char *msg)
{
	(void)level, (void)who, (void)msg;
}

static uint64_t h_monotonic(void)
{
	return 1;
}

static const char *h_strerror(int32_t code)
{
	(void)code;
	return "error";
}

static size_t h_cfg_count(const struct cdh_config_node *n)
{
	return n == NODE(&node_tags) ? 1 : 0;
}

static const struct cdh_config_node *h_cfg_at(const struct cdh_config_node *n,
					      size_t i)
{
	return n == NODE(&node_tags) && i == 0 ? NODE(&node_tag) : NULL;
}

static const struct cdh_config_node *
h_cfg_member(const struct cdh_config_node *n, const char *name)
{
	if (n != NODE(&node_root))
		return NULL;
	if (strcmp(name, "name") == 0)
		return NODE(&node_name);
	return strcmp(name, "tags") == 0 ? NODE(&node_tags) : NULL;
}

static int32_t h_cfg_string(const struct cdh_config_node *n, const char **out)
{
	if (n == NODE(&node_name))
		*out = "acct";
	else if (n == NODE(&node_tag))
		*out = "v1";
	else
		return CDH_E_CONFIG;
	return CDH_OK;
}

static int32_t h_emit(struct cdh_refresh *r, const struct cdh_record *rec)
{
	(void)r;
	snprintf(emitted_id, sizeof(emitted_id), "%s", rec->id);
	emitted++;
	return CDH_OK;
}

static int32_t h_scope_result(struct cdh_refresh *r, const char *scope,
			      int32_t result, const char *detail)
{
	(void)r, (void)result, (void)detail;
	snprintf(scope_seen, sizeof(scope_seen), "%s", scope);
	return CDH_OK;
}

static const struct cdh_host_api host_1_0 = {
	.struct_size = sizeof(struct cdh_host_api),
	.abi_minor = 0,
	.log = h_log,
	.monotonic_ns = h_monotonic,
	.strerror = h_strerror,
	.cfg_count = h_cfg_count,
	.cfg_at = h_cfg_at,
	.cfg_member = h_cfg_member,
	.cfg_string = h_cfg_string,
	.emit_record = h_emit,
	.scope_result = h_scope_result,
};

/* Copies min(struct_size, own size) bytes, as a 1.0 host does (rule 2). */
static int copy_sized(void *dst, size_t dstlen, const void *src)
{
	uint32_t size;

	memset(dst, 0, dstlen);
	memcpy(&size, src, sizeof(size));
	if (size < sizeof(uint32_t))
		return -1;
	memcpy(dst, src, size < dstlen ? size : dstlen);
	return 0;
}

__attribute__((format(printf, 3, 4))) static int
refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The 1.0 host's load: 0 when accepted, else -1 with the reason in err. */
static int stub_load(const char *path, struct stub_plugin *p, char *err,
		     size_t errlen)
{
	struct cdh_negotiate_in in = { sizeof(in), CDH_ABI_MAJOR, 0,
				       CDH_ABI_SIGNATURE, &host_1_0 };
	struct cdh_negotiate_out out = { .struct_size = sizeof(out) };
	cdh_plugin_entry_fn entry;
	void *sym;

	memset(p, 0, sizeof(*p));
	p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle)
		return refuse(err, errlen, "dlopen: %s", dlerror());
	sym = dlsym(p->handle, CDH_PLUGIN_ENTRY_SYMBOL);
	if (!sym)
		return refuse(err, errlen, "no entry point");
	*(void **)&entry = sym;
	if (entry(&in, &out) != CDH_OK || out.abi_major != CDH_ABI_MAJOR ||
	    out.signature != CDH_ABI_SIGNATURE || !out.desc)
		return refuse(err, errlen, "%s: ABI refused", path);
	if (copy_sized(&p->desc, sizeof(p->desc), out.desc) != 0 ||
	    p->desc.magic != CDH_PLUGIN_MAGIC || !p->desc.ops)
		return refuse(err, errlen, "%s: bad descriptor", path);
	if (out.abi_minor_required > 0)
		return refuse(err, errlen,
			      "plugin %s requires ABI 1.%u, this host speaks 1.0",
			      p->desc.name, out.abi_minor_required);
	if (copy_sized(&p->ops, sizeof(p->ops), p->desc.ops) != 0 ||
	    p->ops.struct_size < sizeof(p->ops))
		return refuse(err, errlen, "%s: ops smaller than 1.0", path);
	return 0;
}

static void fixture_path(char *buf, size_t len, const char *file)
{
	snprintf(buf, len, "%s/%s", fixture_dir, file);
}

static void a_plugin_requiring_1_1_is_refused_by_a_1_0_host(void **state)
{
	struct stub_plugin p;
	char path[1024], err[256] = "";

	(void)state;
	fixture_path(path, sizeof(path), "fixture_1_1_requires_1_1.so");
	assert_int_equal(stub_load(path, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "plugin fixture_1_1_requires_1_1 requires ABI 1.1, "
				 "this host speaks 1.0");
	dlclose(p.handle);
}

static void a_1_1_plugin_requiring_1_0_loads_and_refreshes(void **state)
{
	struct stub_plugin p;
	struct cdh_instance_info info = { sizeof(info), 0, 0 };
	char path[1024], err[256] = "", buf[128];
	void *inst = NULL;

	(void)state;
	fixture_path(path, sizeof(path), "fixture_1_1_requires_1_0.so");
	assert_int_equal(stub_load(path, &p, err, sizeof(err)), 0);
	assert_string_equal(p.desc.name, "fixture_1_1_requires_1_0");
	assert_int_equal(p.ops.init(err, sizeof(err)), CDH_OK);
	assert_int_equal(p.ops.validate_config(NODE(&node_root), err, sizeof(err)),
			 CDH_OK);
	assert_int_equal(p.ops.create(NODE(&node_root), &inst, &info, err,
				      sizeof(err)), CDH_OK);
	assert_int_equal(info.agent_count, 1);
	assert_int_equal(p.ops.agent_name(inst, 0, buf, sizeof(buf)), CDH_OK);
	assert_string_equal(buf, "acct/FixtureAgent");
	emitted = 0;
	assert_int_equal(p.ops.refresh(inst, 0, (struct cdh_refresh *)(void *)buf,
				       err, sizeof(err)), CDH_OK);
	assert_int_equal(emitted, 1);
	assert_string_equal(emitted_id,
			    "dockerRegistry:taggedImage:acct:fixture/repo:v1");
	assert_string_equal(scope_seen, "fixture/repo");
	p.ops.destroy(inst);
	p.ops.shutdown();
	dlclose(p.handle);
}

static void docker_registry_requires_1_0_and_loads_on_a_1_0_host(void **state)
{
	struct stub_plugin p;
	char err[256] = "";

	(void)state;
	assert_int_equal(stub_load(docker_registry_path, &p, err, sizeof(err)), 0);
	assert_string_equal(p.desc.name, "docker_registry");
	assert_string_equal(p.desc.config_section, "dockerRegistry");
	assert_non_null(p.ops.refresh);
	assert_int_equal(p.ops.init(err, sizeof(err)), CDH_OK);
	p.ops.shutdown();
	dlclose(p.handle);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_plugin_requiring_1_1_is_refused_by_a_1_0_host),
		cmocka_unit_test(a_1_1_plugin_requiring_1_0_loads_and_refreshes),
		cmocka_unit_test(docker_registry_requires_1_0_and_loads_on_a_1_0_host),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: %s FIXTURE_DIR DOCKER_REGISTRY_SO\n", argv[0]);
		return 2;
	}
	fixture_dir = argv[1];
	docker_registry_path = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
